/* The refresh task through the Task Scheduler 2.0 COM interfaces
 * (ITaskService, ITaskFolder, IRegisteredTask): cordon runs it as the
 * caller when the runner's logon fails with 1326 and waits for it, and
 * setup and the tests read it back into core's facts
 * (core/elevated_windows_task.h decides). Registering and removing it is
 * setup's (setup/windows/task.c). */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <oleauto.h>
#include <sddl.h>
#include <taskschd.h>

#include "elevated_win.h"
#include "win.h"

/* Task Scheduler 2.0 error codes mingw-w64's winerror.h lacks
 * (Microsoft's "Task Scheduler Error and Success Constants"). */
#ifndef SCHED_E_TASK_DISABLED
#define SCHED_E_TASK_DISABLED ((HRESULT)0x80041326L)
#endif

_Static_assert(TASK_LOGON_SERVICE_ACCOUNT == CORDON__TASK_LOGON_SERVICE_ACCOUNT, "taskschd.h");
_Static_assert(TASK_RUNLEVEL_HIGHEST == CORDON__TASK_RUNLEVEL_HIGHEST, "taskschd.h");
_Static_assert(TASK_INSTANCES_IGNORE_NEW == CORDON__TASK_INSTANCES_IGNORE_NEW, "taskschd.h");

/* ---- the service ------------------------------------------------------------------ */

HRESULT cordon__win_task_service(ITaskService **svc, int *uninit)
{
    VARIANT none;
    HRESULT hr;

    *svc = NULL;
    *uninit = 0;
    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (SUCCEEDED(hr))
        *uninit = 1;
    else if (hr != RPC_E_CHANGED_MODE)
        return hr;
    hr = CoCreateInstance(&CLSID_TaskScheduler, NULL, CLSCTX_INPROC_SERVER, &IID_ITaskService,
                          (void **)svc);
    if (SUCCEEDED(hr)) {
        VariantInit(&none);
        /* This computer, as the caller. */
        hr = ITaskService_Connect(*svc, none, none, none, none);
    }
    if (FAILED(hr)) {
        if (*svc)
            ITaskService_Release(*svc);
        *svc = NULL;
        if (*uninit)
            CoUninitialize();
        *uninit = 0;
    }
    return hr;
}

void cordon__win_task_service_close(ITaskService *svc, int uninit)
{
    if (svc)
        ITaskService_Release(svc);
    if (uninit)
        CoUninitialize();
}

int cordon__win_task_absent(HRESULT hr)
{
    return hr == HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) ||
           hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND);
}

/* The registered task, or the HRESULT of the failing call. */
static HRESULT get_task(ITaskService *svc, IRegisteredTask **task)
{
    ITaskFolder *folder = NULL;
    BSTR fname = SysAllocString(L"" CORDON__WIN_TASK_FOLDER);
    BSTR tname = SysAllocString(L"" CORDON__WIN_TASK_NAME);
    HRESULT hr = fname && tname ? ITaskService_GetFolder(svc, fname, &folder) : E_OUTOFMEMORY;

    *task = NULL;
    if (SUCCEEDED(hr))
        hr = ITaskFolder_GetTask(folder, tname, task);
    if (folder)
        ITaskFolder_Release(folder);
    SysFreeString(fname);
    SysFreeString(tname);
    return hr;
}

/* ---- reading it back ----------------------------------------------------------------- */

static void bstr_to(BSTR b, char *out, size_t n)
{
    char *s = b ? cordon__win_utf8(b) : NULL;
    snprintf(out, n, "%s", s ? s : "");
    free(s);
}

static void sid_of_account(BSTR user, char out[184])
{
    BYTE sid[SECURITY_MAX_SID_SIZE];
    DWORD cb = sizeof sid, cd = 0;
    wchar_t domain[256];
    SID_NAME_USE use;
    char *s;
    out[0] = '\0';
    if (!user)
        return;
    if (wcsncmp(user, L"S-1-", 4) == 0) {
        bstr_to(user, out, 184);
        return;
    }
    cd = 256;
    if (!LookupAccountNameW(NULL, user, sid, &cb, domain, &cd, &use))
        return;
    s = cordon__win_sid_to_string(sid);
    snprintf(out, 184, "%s", s ? s : "");
    free(s);
}

static void read_sddl(BSTR sddl, struct cordon__win_task_fact *f)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID owner = NULL;
    PACL dacl = NULL;
    BOOL present = FALSE, def = FALSE;
    ACL_SIZE_INFORMATION info;
    DWORD i;
    char *s;

    if (!sddl || !ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, &sd,
                                                                       NULL))
        return;
    if (GetSecurityDescriptorOwner(sd, &owner, &def) && owner) {
        s = cordon__win_sid_to_string(owner);
        snprintf(f->owner, sizeof f->owner, "%s", s ? s : "");
        free(s);
    }
    if (GetSecurityDescriptorDacl(sd, &present, &dacl, &def) && present && dacl) {
        f->dacl_present = 1;
        memset(&info, 0, sizeof info);
        if (!GetAclInformation(dacl, &info, sizeof info, AclSizeInformation))
            info.AceCount = 0;
        for (i = 0; i < info.AceCount; i++) {
            ACE_HEADER *h;
            if (!GetAce(dacl, i, (void **)&h))
                continue;
            if (f->n_aces >= CORDON__WIN_TASK_MAX_ACES) {
                f->n_aces++; /* counted: core refuses more than it holds */
                continue;
            }
            cordon__win_ace_read(h, &f->aces[f->n_aces++]);
        }
    }
    LocalFree(sd);
}

static void read_definition(ITaskDefinition *def, struct cordon__win_task_fact *f)
{
    IPrincipal *pr = NULL;
    IActionCollection *acts = NULL;
    ITriggerCollection *trig = NULL;
    ITaskSettings *set = NULL;
    BSTR b = NULL;
    LONG count = 0;

    if (SUCCEEDED(ITaskDefinition_get_Principal(def, &pr)) && pr) {
        TASK_LOGON_TYPE lt = TASK_LOGON_NONE;
        TASK_RUNLEVEL_TYPE rl = TASK_RUNLEVEL_LUA;
        if (SUCCEEDED(IPrincipal_get_UserId(pr, &b))) {
            sid_of_account(b, f->principal_sid);
            SysFreeString(b);
            b = NULL;
        }
        if (SUCCEEDED(IPrincipal_get_LogonType(pr, &lt)))
            f->logon_type = (int)lt;
        if (SUCCEEDED(IPrincipal_get_RunLevel(pr, &rl)))
            f->run_level = (int)rl;
        IPrincipal_Release(pr);
    }
    if (SUCCEEDED(ITaskDefinition_get_Actions(def, &acts)) && acts) {
        IAction *a = NULL;
        if (SUCCEEDED(IActionCollection_get_Count(acts, &count)))
            f->n_actions = (int)count;
        if (count >= 1 && SUCCEEDED(IActionCollection_get_Item(acts, 1, &a)) && a) {
            TASK_ACTION_TYPE t = TASK_ACTION_EXEC;
            IExecAction *ex = NULL;
            if (SUCCEEDED(IAction_get_Type(a, &t)) && t == TASK_ACTION_EXEC &&
                SUCCEEDED(IAction_QueryInterface(a, &IID_IExecAction, (void **)&ex)) && ex) {
                f->exec_action = 1;
                if (SUCCEEDED(IExecAction_get_Path(ex, &b))) {
                    bstr_to(b, f->program, sizeof f->program);
                    SysFreeString(b);
                    b = NULL;
                }
                if (SUCCEEDED(IExecAction_get_Arguments(ex, &b))) {
                    bstr_to(b, f->arguments, sizeof f->arguments);
                    SysFreeString(b);
                    b = NULL;
                }
                IExecAction_Release(ex);
            }
            IAction_Release(a);
        }
        IActionCollection_Release(acts);
    }
    if (SUCCEEDED(ITaskDefinition_get_Triggers(def, &trig)) && trig) {
        count = 0;
        if (SUCCEEDED(ITriggerCollection_get_Count(trig, &count)))
            f->n_triggers = (int)count;
        ITriggerCollection_Release(trig);
    }
    if (SUCCEEDED(ITaskDefinition_get_Settings(def, &set)) && set) {
        VARIANT_BOOL v = VARIANT_FALSE;
        TASK_INSTANCES_POLICY mi = TASK_INSTANCES_PARALLEL;
        if (SUCCEEDED(ITaskSettings_get_AllowDemandStart(set, &v)))
            f->allow_demand_start = v != VARIANT_FALSE;
        if (SUCCEEDED(ITaskSettings_get_MultipleInstances(set, &mi)))
            f->multiple_instances = (int)mi;
        v = VARIANT_FALSE;
        if (SUCCEEDED(ITaskSettings_get_DisallowStartIfOnBatteries(set, &v)) && v != VARIANT_FALSE)
            f->stops_on_batteries = 1;
        v = VARIANT_FALSE;
        if (SUCCEEDED(ITaskSettings_get_StopIfGoingOnBatteries(set, &v)) && v != VARIANT_FALSE)
            f->stops_on_batteries = 1;
        ITaskSettings_Release(set);
    }
}

HRESULT cordon__win_refresh_task_read(struct cordon__win_task_fact *f)
{
    ITaskService *svc = NULL;
    IRegisteredTask *task = NULL;
    ITaskDefinition *def = NULL;
    VARIANT_BOOL en = VARIANT_FALSE;
    BSTR sddl = NULL;
    int uninit = 0;
    HRESULT hr;

    memset(f, 0, sizeof *f);
    hr = cordon__win_task_service(&svc, &uninit);
    if (FAILED(hr))
        return hr;
    hr = get_task(svc, &task);
    if (cordon__win_task_absent(hr)) {
        hr = S_OK; /* not there: found stays 0 */
        goto done;
    }
    if (FAILED(hr))
        goto done;
    f->found = 1;
    if (SUCCEEDED(IRegisteredTask_get_Enabled(task, &en)))
        f->enabled = en != VARIANT_FALSE;
    hr = IRegisteredTask_get_Definition(task, &def);
    if (FAILED(hr))
        goto done;
    read_definition(def, f);
    hr = IRegisteredTask_GetSecurityDescriptor(
        task, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &sddl);
    if (FAILED(hr))
        goto done;
    read_sddl(sddl, f);
done:
    SysFreeString(sddl);
    if (def)
        ITaskDefinition_Release(def);
    if (task)
        IRegisteredTask_Release(task);
    cordon__win_task_service_close(svc, uninit);
    return hr;
}

/* ---- running it -------------------------------------------------------------------- */

static enum cordon__win_task_outcome outcome_of(HRESULT hr)
{
    if (cordon__win_task_absent(hr))
        return CORDON__WIN_TASK_ABSENT;
    if (hr == E_ACCESSDENIED)
        return CORDON__WIN_TASK_DENIED;
    if (hr == SCHED_E_TASK_DISABLED)
        return CORDON__WIN_TASK_DISABLED;
    return CORDON__WIN_TASK_ERROR;
}

/* The run and the wait, on the calling thread. */
static enum cordon__win_task_outcome run_here(unsigned long timeout_ms, unsigned long *code)
{
    ITaskService *svc = NULL;
    IRegisteredTask *task = NULL;
    IRunningTask *running = NULL;
    enum cordon__win_task_outcome o = CORDON__WIN_TASK_TIMEOUT;
    VARIANT none;
    DATE before = 0, last = 0;
    TASK_STATE st = TASK_STATE_UNKNOWN;
    LONG result = 0;
    unsigned long waited = 0;
    int uninit = 0, seen_running = 0;
    HRESULT hr;

    *code = 0;
    hr = cordon__win_task_service(&svc, &uninit);
    if (FAILED(hr)) {
        *code = (unsigned long)hr;
        return outcome_of(hr);
    }
    hr = get_task(svc, &task);
    if (SUCCEEDED(hr)) {
        if (FAILED(IRegisteredTask_get_LastRunTime(task, &before)))
            before = 0;
        VariantInit(&none);
        /* No parameters: the action has no $(ArgN) to put them in anyway. */
        hr = IRegisteredTask_Run(task, none, &running);
    }
    if (FAILED(hr)) {
        *code = (unsigned long)hr;
        o = outcome_of(hr);
        goto done;
    }
    /* Until it is neither queued nor running and has run since |before|
     * (or was seen running: a run another cordon started is waited for
     * too, the second one being ignored by the task's instance policy). */
    while (waited < timeout_ms) {
        IRegisteredTask *now = NULL;
        Sleep(100);
        waited += 100;
        if (FAILED(hr = get_task(svc, &now))) {
            *code = (unsigned long)hr;
            o = outcome_of(hr);
            goto done;
        }
        st = TASK_STATE_UNKNOWN;
        last = 0;
        /* A state or time that cannot be read tells nothing: waited on,
         * never taken for the end of the run (whose result would then be
         * an earlier run's). */
        if (FAILED(IRegisteredTask_get_State(now, &st)) ||
            FAILED(IRegisteredTask_get_LastRunTime(now, &last))) {
            IRegisteredTask_Release(now);
            continue;
        }
        if (st == TASK_STATE_RUNNING || st == TASK_STATE_QUEUED) {
            seen_running = 1;
        } else if (last != before || seen_running) {
            hr = IRegisteredTask_get_LastTaskResult(now, &result);
            IRegisteredTask_Release(now);
            *code = (unsigned long)result;
            o = SUCCEEDED(hr) && result == 0 ? CORDON__WIN_TASK_DONE : CORDON__WIN_TASK_FAILED;
            if (FAILED(hr))
                *code = (unsigned long)hr;
            goto done;
        }
        IRegisteredTask_Release(now);
    }
done:
    if (running)
        IRunningTask_Release(running);
    if (task)
        IRegisteredTask_Release(task);
    cordon__win_task_service_close(svc, uninit);
    return o;
}

/* cordon is a library: the caller's thread may be in any apartment, or in
 * none, and the wait takes up to |timeout_ms|. So the run is made on a
 * thread of cordon's own in the multithreaded apartment: the caller's
 * thread is never initialized for COM, never changed to another
 * apartment (RPC_E_CHANGED_MODE), and no single-threaded apartment is
 * held while nothing pumps its messages (CoInitializeEx's documentation:
 * an STA thread needs a message loop). */
struct task_run_job {
    unsigned long timeout_ms, code;
    enum cordon__win_task_outcome o;
};

static DWORD WINAPI task_run_thread(LPVOID arg)
{
    struct task_run_job *j = arg;
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr)) {
        j->code = (unsigned long)hr;
        j->o = CORDON__WIN_TASK_ERROR;
        return 0;
    }
    j->o = run_here(j->timeout_ms, &j->code);
    CoUninitialize();
    return 0;
}

enum cordon__win_task_outcome cordon__win_refresh_task_run(unsigned long timeout_ms,
                                                           unsigned long *code)
{
    struct task_run_job j;
    HANDLE t;

    j.timeout_ms = timeout_ms;
    j.code = 0;
    j.o = CORDON__WIN_TASK_ERROR;
    t = CreateThread(NULL, 0, task_run_thread, &j, 0, NULL);
    if (!t) {
        *code = (unsigned long)HRESULT_FROM_WIN32(GetLastError());
        return CORDON__WIN_TASK_ERROR;
    }
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    *code = j.code;
    return j.o;
}
