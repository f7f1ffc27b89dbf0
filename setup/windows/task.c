/* cordon-setup's refresh task (docs/internals/windows-elevated.md, "The
 * refresh task"): registered at install in the Task Scheduler folder
 * \cordon, running `cordon-setup.exe refresh-credentials --from-task` as
 * SYSTEM, readable and runnable by the allowed users alone (core's plan,
 * cordon__win_refresh_task_plan); read back by verify; removed by
 * uninstall with its folder when that is empty. */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <oleauto.h>
#include <taskschd.h>

#include "elevated_win.h"
#include "setup_win.h"
#include "win.h"

static int hr_fail(char *err, size_t ne, const char *what, const char *call, HRESULT hr,
                   const char *fix)
{
    char *text = cordon__win_code_text((DWORD)hr);
    setup__say(err, ne, "%s: %s: HRESULT 0x%08lx, %s. Fix: %s", what, call, (unsigned long)hr,
               text ? text : "no text for it", fix);
    free(text);
    return -1;
}

#define FIX_SCHEDULE "check that the Task Scheduler service (Schedule) runs, then run install again"

static VARIANT vstr(BSTR b)
{
    VARIANT v;
    VariantInit(&v);
    if (b) {
        v.vt = VT_BSTR;
        v.bstrVal = b;
    }
    return v;
}

/* \cordon with the folder's security descriptor: made, or reset. */
static HRESULT ensure_folder(ITaskService *svc, const char *sddl, ITaskFolder **out)
{
    ITaskFolder *root = NULL;
    BSTR rname = SysAllocString(L"\\"), fname = SysAllocString(L"" CORDON__WIN_TASK_FOLDER);
    BSTR sub = SysAllocString(L"" CORDON__WIN_TASK_FOLDER + 1);
    wchar_t *ws = cordon__win_wide(sddl);
    BSTR bs = ws ? SysAllocString(ws) : NULL;
    HRESULT hr = rname && fname && sub && bs ? ITaskService_GetFolder(svc, rname, &root)
                                             : E_OUTOFMEMORY;
    *out = NULL;
    if (SUCCEEDED(hr)) {
        hr = ITaskFolder_CreateFolder(root, sub, vstr(bs), out);
        if (hr == HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)) {
            hr = ITaskService_GetFolder(svc, fname, out);
            if (SUCCEEDED(hr))
                hr = ITaskFolder_SetSecurityDescriptor(*out, bs, 0);
        }
    }
    if (root)
        ITaskFolder_Release(root);
    SysFreeString(rname);
    SysFreeString(fname);
    SysFreeString(sub);
    SysFreeString(bs);
    free(ws);
    return hr;
}

static HRESULT put_str(HRESULT (*put)(void *, BSTR), void *obj, const char *s)
{
    wchar_t *w = cordon__win_wide(s);
    BSTR b = w ? SysAllocString(w) : NULL;
    HRESULT hr = b ? put(obj, b) : E_OUTOFMEMORY;
    SysFreeString(b);
    free(w);
    return hr;
}

static HRESULT exec_path(void *o, BSTR b) { return IExecAction_put_Path((IExecAction *)o, b); }
static HRESULT exec_args(void *o, BSTR b) { return IExecAction_put_Arguments((IExecAction *)o, b); }
static HRESULT exec_dir(void *o, BSTR b)
{
    return IExecAction_put_WorkingDirectory((IExecAction *)o, b);
}
static HRESULT set_limit(void *o, BSTR b)
{
    return ITaskSettings_put_ExecutionTimeLimit((ITaskSettings *)o, b);
}
static HRESULT reg_author(void *o, BSTR b)
{
    return IRegistrationInfo_put_Author((IRegistrationInfo *)o, b);
}
static HRESULT reg_desc(void *o, BSTR b)
{
    return IRegistrationInfo_put_Description((IRegistrationInfo *)o, b);
}
static HRESULT pr_user(void *o, BSTR b) { return IPrincipal_put_UserId((IPrincipal *)o, b); }

/* The definition core's plan describes. */
static HRESULT build(ITaskService *svc, const struct cordon__win_refresh_task *t,
                     ITaskDefinition **out, const char **call)
{
    ITaskDefinition *def = NULL;
    IRegistrationInfo *ri = NULL;
    IPrincipal *pr = NULL;
    ITaskSettings *set = NULL;
    IActionCollection *acts = NULL;
    IAction *a = NULL;
    IExecAction *ex = NULL;
    HRESULT hr;

    *out = NULL;
    *call = "ITaskService::NewTask";
    hr = ITaskService_NewTask(svc, 0, &def);
    if (SUCCEEDED(hr) && SUCCEEDED(hr = ITaskDefinition_get_RegistrationInfo(def, &ri))) {
        *call = "IRegistrationInfo";
        if (SUCCEEDED(hr = put_str(reg_author, ri, "cordon-setup")))
            hr = put_str(reg_desc, ri,
                         "Gives cordon's sandbox users new passwords and stores them for the "
                         "allowed users; started by cordon when a logon fails with 1326.");
    }
    if (SUCCEEDED(hr)) {
        *call = "IPrincipal";
        if (SUCCEEDED(hr = ITaskDefinition_get_Principal(def, &pr)) &&
            SUCCEEDED(hr = put_str(pr_user, pr, CORDON__SID_SYSTEM)) &&
            SUCCEEDED(hr = IPrincipal_put_LogonType(pr, TASK_LOGON_SERVICE_ACCOUNT)))
            hr = IPrincipal_put_RunLevel(pr, TASK_RUNLEVEL_HIGHEST);
    }
    if (SUCCEEDED(hr)) {
        *call = "ITaskSettings";
        if (SUCCEEDED(hr = ITaskDefinition_get_Settings(def, &set)) &&
            SUCCEEDED(hr = ITaskSettings_put_Enabled(set, VARIANT_TRUE)) &&
            SUCCEEDED(hr = ITaskSettings_put_AllowDemandStart(set, VARIANT_TRUE)) &&
            SUCCEEDED(hr = ITaskSettings_put_MultipleInstances(set, TASK_INSTANCES_IGNORE_NEW)) &&
            SUCCEEDED(hr = ITaskSettings_put_DisallowStartIfOnBatteries(set, VARIANT_FALSE)) &&
            SUCCEEDED(hr = ITaskSettings_put_StopIfGoingOnBatteries(set, VARIANT_FALSE)))
            hr = put_str(set_limit, set, CORDON__WIN_TASK_LIMIT);
    }
    if (SUCCEEDED(hr)) {
        *call = "IActionCollection::Create(TASK_ACTION_EXEC)";
        if (SUCCEEDED(hr = ITaskDefinition_get_Actions(def, &acts)) &&
            SUCCEEDED(hr = IActionCollection_Create(acts, TASK_ACTION_EXEC, &a)) &&
            SUCCEEDED(hr = IAction_QueryInterface(a, &IID_IExecAction, (void **)&ex)) &&
            SUCCEEDED(hr = put_str(exec_path, ex, t->program)) &&
            SUCCEEDED(hr = put_str(exec_args, ex, CORDON__WIN_TASK_ARGS)))
            hr = put_str(exec_dir, ex, t->working_dir);
    }
    if (ex)
        IExecAction_Release(ex);
    if (a)
        IAction_Release(a);
    if (acts)
        IActionCollection_Release(acts);
    if (set)
        ITaskSettings_Release(set);
    if (pr)
        IPrincipal_Release(pr);
    if (ri)
        IRegistrationInfo_Release(ri);
    if (SUCCEEDED(hr))
        *out = def;
    else if (def)
        ITaskDefinition_Release(def);
    return hr;
}

static int check(const struct cordon__win_refresh_task *t, const struct cordon__strv *users,
                 struct cordon__win_task_fact *f, char *why, size_t n)
{
    return cordon__win_refresh_task_diff(t, (const char *const *)users->v, users->n, f, why, n);
}

int setup__task_step(const struct cordon__win_refresh_task *t, const struct cordon__strv *users,
                     int verify, int *found, char *detail, size_t nd, char *err, size_t ne)
{
    struct cordon__win_task_fact *f = cordon__xcalloc(1, sizeof *f);
    ITaskService *svc = NULL;
    ITaskFolder *folder = NULL;
    ITaskDefinition *def = NULL;
    IRegisteredTask *reg = NULL;
    BSTR name = NULL, sd = NULL, user = NULL;
    wchar_t *ws = NULL;
    const char *call = "";
    char why[400];
    int uninit = 0, rc = 0;
    HRESULT hr;

    *found = 0;
    if (!f)
        return hr_fail(err, ne, "the refresh task", "calloc", E_OUTOFMEMORY, "try again");
    hr = cordon__win_refresh_task_read(f);
    if (verify && hr == E_ACCESSDENIED) {
        setup__say(detail, nd, "not checked (this user may not read %s)", CORDON__WIN_TASK_PATH);
        goto done;
    }
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_PATH, "reading the task back", hr, FIX_SCHEDULE);
        goto done;
    }
    *found = f->found;
    if (check(t, users, f, why, sizeof why) == 0) {
        setup__say(detail, nd, "%s already there", CORDON__WIN_TASK_PATH);
        goto done;
    }
    if (verify) {
        setup__say(err, ne, "the refresh task %s %s", CORDON__WIN_TASK_PATH, why);
        rc = -1;
        goto done;
    }
    hr = cordon__win_task_service(&svc, &uninit);
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, "the Task Scheduler", "ITaskService::Connect", hr, FIX_SCHEDULE);
        goto done;
    }
    hr = ensure_folder(svc, t->folder_sddl, &folder);
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_FOLDER, "ITaskFolder::CreateFolder", hr,
                     FIX_SCHEDULE);
        goto done;
    }
    hr = build(svc, t, &def, &call);
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_PATH, call, hr, FIX_SCHEDULE);
        goto done;
    }
    ws = cordon__win_wide(t->sddl);
    name = SysAllocString(L"" CORDON__WIN_TASK_NAME);
    sd = ws ? SysAllocString(ws) : NULL;
    user = SysAllocString(L"" CORDON__SID_SYSTEM);
    {
        VARIANT none;
        VariantInit(&none);
        /* The SDDL names who may use the task; the scheduler adds no ACE
         * for the principal (SYSTEM has full control in it already). */
        hr = name && sd && user
                 ? ITaskFolder_RegisterTaskDefinition(folder, name, def,
                                                      TASK_CREATE_OR_UPDATE |
                                                          TASK_DONT_ADD_PRINCIPAL_ACE,
                                                      vstr(user), none, TASK_LOGON_SERVICE_ACCOUNT,
                                                      vstr(sd), &reg)
                 : E_OUTOFMEMORY;
    }
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_PATH, "ITaskFolder::RegisterTaskDefinition", hr,
                     FIX_SCHEDULE);
        goto done;
    }
    /* Read back what the scheduler stored. */
    hr = cordon__win_refresh_task_read(f);
    *found = f->found;
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_PATH, "reading the task back", hr, FIX_SCHEDULE);
        goto done;
    }
    if (check(t, users, f, why, sizeof why) != 0) {
        setup__say(err, ne, "the refresh task %s %s after it was registered. Fix: check that no "
                   "policy changes tasks, then run install again", CORDON__WIN_TASK_PATH, why);
        rc = -1;
        goto done;
    }
    setup__say(detail, nd, "%s registered, read back", CORDON__WIN_TASK_PATH);
done:
    if (reg)
        IRegisteredTask_Release(reg);
    if (def)
        ITaskDefinition_Release(def);
    if (folder)
        ITaskFolder_Release(folder);
    SysFreeString(name);
    SysFreeString(sd);
    SysFreeString(user);
    free(ws);
    cordon__win_task_service_close(svc, uninit);
    free(f);
    return rc;
}

/* Tasks and folders left in \cordon (-1 when they cannot be counted). */
static long left_in(ITaskFolder *folder)
{
    IRegisteredTaskCollection *tasks = NULL;
    ITaskFolderCollection *subs = NULL;
    LONG a = 0, b = 0;
    long n = -1;
    if (SUCCEEDED(ITaskFolder_GetTasks(folder, TASK_ENUM_HIDDEN, &tasks)) &&
        SUCCEEDED(IRegisteredTaskCollection_get_Count(tasks, &a)) &&
        SUCCEEDED(ITaskFolder_GetFolders(folder, 0, &subs)) &&
        SUCCEEDED(ITaskFolderCollection_get_Count(subs, &b)))
        n = (long)a + (long)b;
    if (tasks)
        IRegisteredTaskCollection_Release(tasks);
    if (subs)
        ITaskFolderCollection_Release(subs);
    return n;
}

int setup__task_uninstall(char *detail, size_t nd, char *err, size_t ne)
{
    ITaskService *svc = NULL;
    ITaskFolder *root = NULL, *folder = NULL;
    BSTR rname = SysAllocString(L"\\"), fname = SysAllocString(L"" CORDON__WIN_TASK_FOLDER);
    BSTR sub = SysAllocString(L"" CORDON__WIN_TASK_FOLDER + 1);
    BSTR tname = SysAllocString(L"" CORDON__WIN_TASK_NAME);
    int uninit = 0, rc = 0, removed = 0;
    long left;
    HRESULT hr;

    if (!rname || !fname || !sub || !tname) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_PATH, "SysAllocString", E_OUTOFMEMORY, "try again");
        goto done;
    }
    hr = cordon__win_task_service(&svc, &uninit);
    if (hr == SCHED_E_SERVICE_NOT_RUNNING && cordon__win_is_wine()) {
        /* Wine's prefix runs no Task Scheduler service, so nothing of
         * setup's can be in it; on Windows the service always runs and
         * its absence fails the step. */
        setup__say(detail, nd, "not there (Wine's Task Scheduler service does not run)");
        goto done;
    }
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, "the Task Scheduler", "ITaskService::Connect", hr, FIX_SCHEDULE);
        goto done;
    }
    hr = ITaskService_GetFolder(svc, fname, &folder);
    if (cordon__win_task_absent(hr)) {
        setup__say(detail, nd, "not there");
        goto done;
    }
    if (FAILED(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_FOLDER, "ITaskService::GetFolder", hr,
                     FIX_SCHEDULE);
        goto done;
    }
    hr = ITaskFolder_DeleteTask(folder, tname, 0);
    if (SUCCEEDED(hr))
        removed = 1;
    else if (!cordon__win_task_absent(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_PATH, "ITaskFolder::DeleteTask", hr, FIX_SCHEDULE);
        goto done;
    }
    left = left_in(folder);
    ITaskFolder_Release(folder);
    folder = NULL;
    if (left != 0) {
        setup__say(detail, nd, "%s; the folder %s is left: it holds %s",
                   removed ? "removed" : "not there", CORDON__WIN_TASK_FOLDER,
                   left < 0 ? "what could not be listed" : "tasks or folders setup did not make");
        goto done;
    }
    hr = ITaskService_GetFolder(svc, rname, &root);
    if (SUCCEEDED(hr))
        hr = ITaskFolder_DeleteFolder(root, sub, 0);
    if (FAILED(hr) && !cordon__win_task_absent(hr)) {
        rc = hr_fail(err, ne, CORDON__WIN_TASK_FOLDER, "ITaskFolder::DeleteFolder", hr,
                     FIX_SCHEDULE);
        goto done;
    }
    /* The empty folder alone counts as setup's too. */
    setup__say(detail, nd, "%s", "removed");
done:
    if (folder)
        ITaskFolder_Release(folder);
    if (root)
        ITaskFolder_Release(root);
    SysFreeString(rname);
    SysFreeString(fname);
    SysFreeString(sub);
    SysFreeString(tname);
    cordon__win_task_service_close(svc, uninit);
    return rc;
}
