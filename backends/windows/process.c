/* Launching a command on Windows, shared by both backends: program lookup
 * on the child's PATH, the command line, the environment block, stdio
 * inheritance limited to three handles, and a kill-on-close job. */
#include <stdlib.h>
#include <string.h>

#include "win.h"

/* The value of |name| in a "NAME=VALUE" list (case-insensitive), or NULL. */
static const char *env_get(const char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (; envp && *envp; envp++) {
        if (strlen(*envp) > n && (*envp)[n] == '=') {
            char *head = cordon__strndup(*envp, n);
            int same = head && cordon__streq_nocase(head, name);
            free(head);
            if (same)
                return *envp + n + 1;
        }
    }
    return NULL;
}

static int is_file(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

static int has_ext(const char *name)
{
    const char *slash = strrchr(name, '\\'), *fwd = strrchr(name, '/'), *dot;
    if (fwd && (!slash || fwd > slash))
        slash = fwd;
    dot = strrchr(name, '.');
    return dot && (!slash || dot > slash);
}

/* |base| as is when it names a file with an extension, else |base| with
 * each PATHEXT extension in turn. */
static char *try_exts(const char *base, const char *pathext)
{
    const char *p = pathext;
    if (has_ext(base) && is_file(base))
        return cordon__strdup(base);
    while (p && *p) {
        size_t n = strcspn(p, ";");
        if (n > 0) {
            char *cand = cordon__asprintf("%s%.*s", base, (int)n, p);
            if (cand && is_file(cand))
                return cand;
            free(cand);
        }
        p += n;
        if (*p == ';')
            p++;
    }
    return NULL;
}

/* Finds the program the way a shell in the child would: a name with a
 * directory part is taken relative to |cwd|; a bare name is searched on
 * the child's PATH (which starts with the shim directory when network is
 * off), then in the system directories. CreateProcessW would search the
 * parent's PATH instead and miss the shims. The current directory is not
 * searched (as with NoDefaultCurrentDirectoryInExePath), so a file planted
 * in the workspace cannot stand in for a system tool. */
static cordon_error resolve_program(const char *name, const char *const *envp, const char *cwd,
                                    char **out)
{
    const char *pathext = env_get(envp, "PATHEXT");
    const char *path = env_get(envp, "PATH");
    const char *p;
    char *found = NULL;

    if (!pathext || !*pathext)
        pathext = ".COM;.EXE;.BAT;.CMD";
    if (strpbrk(name, "\\/:")) {
        /* Absolute, rooted ("\\dir", "/dir": on the current drive) and
         * drive-relative names are left to Windows; "dir\\prog" is taken
         * relative to the command's own directory. */
        int rooted = name[0] == '\\' || name[0] == '/' || (name[0] && name[1] == ':');
        char *joined = (rooted || !cwd) ? cordon__strdup(name)
                                        : cordon__path_join(CORDON__OS_WINDOWS, cwd, name);
        char *full = joined && !rooted ? cordon__path_normalize(CORDON__OS_WINDOWS, joined)
                                       : joined;
        if (full != joined)
            free(joined);
        if (full)
            found = try_exts(full, pathext);
        free(full);
    }
    for (p = path; !found && !strpbrk(name, "\\/:") && p && *p;) {
        size_t n = strcspn(p, ";");
        if (n > 0) {
            char *cand = cordon__asprintf("%.*s\\%s", (int)n, p, name);
            if (cand) {
                /* PATH entries may be quoted. */
                if (cand[0] == '"') {
                    char *q = strchr(cand + 1, '"');
                    if (q)
                        memmove(q, q + 1, strlen(q));
                    memmove(cand, cand + 1, strlen(cand));
                }
                /* A relative entry ("bin", ".\\tools", "C:tools") would be
                 * taken relative to cordon's own current directory, not a
                 * place the user chose: skipped. Rooted ones ("\\tools")
                 * name a place on the current drive and are kept. */
                if (cordon__path_is_absolute(CORDON__OS_WINDOWS, cand) || cand[0] == '\\' ||
                    cand[0] == '/')
                    found = try_exts(cand, pathext);
            }
            free(cand);
        }
        p += n;
        if (*p == ';')
            p++;
    }
    if (!found && !strpbrk(name, "\\/:")) {
        char *sys = cordon__win_dir_of(GetSystemDirectoryW);
        char *cand = sys ? cordon__asprintf("%s\\%s", sys, name) : NULL;
        if (cand)
            found = try_exts(cand, pathext);
        free(sys);
        free(cand);
    }
    if (!found)
        return cordon__fail(CORDON_ERR_NOT_FOUND, "command not found: %s", name);
    *out = found;
    return CORDON_OK;
}

static int has_exe_ext(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (cordon__streq_nocase(dot, ".exe") || cordon__streq_nocase(dot, ".com"));
}

static int is_batch(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (cordon__streq_nocase(dot, ".bat") || cordon__streq_nocase(dot, ".cmd"));
}

/* Length of the name of "NAME=VALUE" (a leading '=' belongs to the name). */
static int name_len(const wchar_t *e)
{
    const wchar_t *eq = wcschr(e + 1, L'=');
    return eq ? (int)(eq - e) : (int)wcslen(e);
}

static int env_cmp(const void *a, const void *b)
{
    const wchar_t *x = *(const wchar_t *const *)a, *y = *(const wchar_t *const *)b;
    int r = CompareStringOrdinal(x, name_len(x), y, name_len(y), TRUE);
    return r == CSTR_LESS_THAN ? -1 : r == CSTR_GREATER_THAN ? 1 : 0;
}

/* Sorts the double-NUL-terminated |block| in place by name as Windows
 * does. */
static cordon_error unicode_order(wchar_t *block)
{
    size_t n = 0, i, at = 0, total = 0;
    wchar_t **v, *copy;
    const wchar_t *p;
    for (p = block; *p; p += wcslen(p) + 1)
        n++;
    total = (size_t)(p - block) + 1;
    if (n < 2)
        return CORDON_OK;
    v = calloc(n, sizeof *v);
    copy = malloc(total * sizeof *copy);
    if (!v || !copy) {
        free(v);
        free(copy);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory building the environment");
    }
    memcpy(copy, block, total * sizeof *copy);
    for (i = 0, p = copy; *p; p += wcslen(p) + 1)
        v[i++] = (wchar_t *)p;
    qsort(v, n, sizeof *v, env_cmp);
    for (i = 0; i < n; i++) {
        size_t len = wcslen(v[i]) + 1;
        memcpy(block + at, v[i], len * sizeof *block);
        at += len;
    }
    block[at] = L'\0';
    free(v);
    free(copy);
    return CORDON_OK;
}

cordon_error cordon__win_env_block(const char *const *envp, wchar_t **out)
{
    struct cordon__strv env = {0};
    size_t total = 1, i, at = 0;
    wchar_t *block = NULL;
    cordon_error e = CORDON_OK;

    for (; envp && *envp; envp++)
        if ((e = cordon__strv_push(&env, *envp)) != CORDON_OK)
            goto done;
    if ((e = cordon__win_env_block_order(&env)) != CORDON_OK)
        goto done;
    for (i = 0; i < env.n; i++) {
        int n = MultiByteToWideChar(CP_UTF8, 0, env.v[i], -1, NULL, 0);
        if (n <= 0) {
            e = cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                             "environment entry is not valid UTF-8: %.40s", env.v[i]);
            goto done;
        }
        total += (size_t)n;
    }
    if (env.n == 0)
        total++;
    block = calloc(total, sizeof *block);
    if (!block) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory building the environment");
        goto done;
    }
    for (i = 0; i < env.n; i++)
        at += (size_t)MultiByteToWideChar(CP_UTF8, 0, env.v[i], -1, block + at,
                                          (int)(total - at));
    /* Core orders by ASCII upper case; Windows compares names with its
     * own Unicode upper-casing (CompareStringOrdinal, ignoring case).
     * The same order for ASCII names; re-sorted here for the others. */
    if ((e = unicode_order(block)) != CORDON_OK)
        goto done;
    *out = block;
    block = NULL;
done:
    free(block);
    cordon__strv_free(&env);
    return e;
}

/* ---- Ctrl-C and console close -------------------------------------------
 * A sandboxed command has a console of its own, so the user's Ctrl-C
 * reaches cordon, not the command: cordon ends the command's tree (its
 * job) and then cleans up as after any end. A command that shares the
 * console (full access) gets the event itself and decides. On console
 * close, logoff or shutdown Windows ends cordon when the handler returns:
 * the handler waits (a little under the 5 s Windows allows) until the
 * commands' cleanups are done. */
#define MAX_LIVE 64
static SRWLOCK live_lock = SRWLOCK_INIT;
static struct cordon__proc *live[MAX_LIVE];
static volatile LONG handler_set;
volatile LONG cordon__win_cleaning;

/* STATUS_CONTROL_C_EXIT: the status of a process ended by Ctrl-C. */
#define CORDON_CONTROL_C_EXIT 0xC000013AUL

static BOOL WINAPI on_console_event(DWORD event)
{
    int i, busy = 1, waited;
    AcquireSRWLockShared(&live_lock);
    for (i = 0; i < MAX_LIVE; i++)
        if (live[i] && !live[i]->shares_console)
            TerminateJobObject(live[i]->job, (UINT)CORDON_CONTROL_C_EXIT);
    ReleaseSRWLockShared(&live_lock);
    if (event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT)
        return TRUE; /* cordon carries on: its wait returns and it cleans up */
    for (waited = 0; busy && waited < 4500; waited += 50) {
        busy = InterlockedCompareExchange(&cordon__win_cleaning, 0, 0) != 0;
        AcquireSRWLockShared(&live_lock);
        for (i = 0; i < MAX_LIVE; i++)
            busy |= live[i] != NULL;
        ReleaseSRWLockShared(&live_lock);
        if (busy)
            Sleep(50);
    }
    return TRUE;
}

static void live_add(struct cordon__proc *p)
{
    int i;
    if (!InterlockedExchange(&handler_set, 1))
        SetConsoleCtrlHandler(on_console_event, TRUE);
    AcquireSRWLockExclusive(&live_lock);
    for (i = 0; i < MAX_LIVE; i++)
        if (!live[i]) {
            live[i] = p;
            break;
        }
    ReleaseSRWLockExclusive(&live_lock);
}

static void live_remove(struct cordon__proc *p)
{
    int i;
    AcquireSRWLockExclusive(&live_lock);
    for (i = 0; i < MAX_LIVE; i++)
        if (live[i] == p)
            live[i] = NULL;
    ReleaseSRWLockExclusive(&live_lock);
}

struct cordon__relay {
    HANDLE from, to; /* both owned */
    HANDLE thread;
    volatile LONG stop;
};

int cordon__win_is_console(HANDLE h)
{
    DWORD mode;
    return h && h != INVALID_HANDLE_VALUE && GetFileType(h) == FILE_TYPE_CHAR &&
           GetConsoleMode(h, &mode);
}

/* Copies bytes until either side ends or cordon asks it to stop. */
static DWORD WINAPI relay_main(LPVOID arg)
{
    struct cordon__relay *r = arg;
    char buf[4096];
    DWORD got = 0, put = 0, at;

    while (!InterlockedCompareExchange(&r->stop, 0, 0)) {
        if (!ReadFile(r->from, buf, sizeof buf, &got, NULL) || got == 0)
            break;
        if (InterlockedCompareExchange(&r->stop, 0, 0))
            break;
        for (at = 0; at < got; at += put)
            if (!WriteFile(r->to, buf + at, got - at, &put, NULL) || put == 0)
                return 0;
    }
    return 0;
}

static void relay_close(struct cordon__relay *r)
{
    if (r->from)
        CloseHandle(r->from);
    if (r->to)
        CloseHandle(r->to);
    if (r->thread)
        CloseHandle(r->thread);
    free(r);
}

/* Waits up to |ms| for |r|'s thread; frees it when it ended. A console
 * read that cannot be cancelled leaves the thread (and its few bytes)
 * behind rather than freeing what it still uses. Returns 1 when freed. */
static int relay_finish(struct cordon__relay *r, DWORD ms, int cancel)
{
    InterlockedExchange(&r->stop, cancel ? 1 : 0);
    if (cancel)
        CancelSynchronousIo(r->thread);
    if (WaitForSingleObject(r->thread, ms) != WAIT_OBJECT_0)
        return 0;
    relay_close(r);
    return 1;
}

/* The handle the command gets in stdio slot |i|: an inheritable duplicate
 * of the caller's handle, \\.\NUL when the caller has none, or, for a
 * console handle when |relay_console|, one end of a pipe that a thread
 * relays to the console (*relay). The caller's console is never handed
 * over: its input handle would let the command queue keystrokes
 * (WriteConsoleInput) for the user's shell. */
static cordon_error stdio_handle(const struct cordon__spawn *req, int i, int relay_console,
                                 HANDLE *out, struct cordon__relay **relay)
{
    static const DWORD std_ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    HANDLE src = req->stdio[i] == CORDON_STDIO_INHERIT ? GetStdHandle(std_ids[i])
                                                        : (HANDLE)req->stdio[i];
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    struct cordon__relay *r = NULL;
    HANDLE rd = NULL, wr = NULL, con = NULL;
    int con_state[3] = {0, 0, 0};
    enum cordon__win_stdio mode[3];

    *relay = NULL;
    if (src == NULL || src == INVALID_HANDLE_VALUE) {
        *out = CreateFileW(L"\\\\.\\NUL", i == 0 ? GENERIC_READ : GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
        if (*out == INVALID_HANDLE_VALUE)
            return cordon__win_fail("cannot open NUL for a missing stdio handle", "CreateFileW",
                                    GetLastError());
        return CORDON_OK;
    }
    con_state[i] = relay_console && cordon__win_is_console(src);
    cordon__win_stdio_plan(con_state, mode);
    if (mode[i] == CORDON__WIN_STDIO_PASS) {
        if (!DuplicateHandle(GetCurrentProcess(), src, GetCurrentProcess(), out, 0, TRUE,
                             DUPLICATE_SAME_ACCESS))
            return cordon__win_failf("DuplicateHandle", GetLastError(),
                                     "cannot pass stdio handle %d to the command", i);
        return CORDON_OK;
    }
    if (!CreatePipe(&rd, &wr, &sa, 0))
        return cordon__win_failf("CreatePipe", GetLastError(),
                                 "cannot make the pipe that relays console stdio %d", i);
    if (!DuplicateHandle(GetCurrentProcess(), src, GetCurrentProcess(), &con, 0, FALSE,
                         DUPLICATE_SAME_ACCESS) ||
        (r = calloc(1, sizeof *r)) == NULL) {
        DWORD err = GetLastError();
        CloseHandle(rd);
        CloseHandle(wr);
        if (con)
            CloseHandle(con);
        return r ? cordon__win_failf("DuplicateHandle", err, "cannot relay console stdio %d", i)
                 : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    /* The command's end is inheritable, cordon's is not. */
    if (i == 0) {
        SetHandleInformation(wr, HANDLE_FLAG_INHERIT, 0);
        r->from = con;
        r->to = wr;
        *out = rd;
    } else {
        SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
        r->from = rd;
        r->to = con;
        *out = wr;
    }
    r->thread = CreateThread(NULL, 64 * 1024, relay_main, r, 0, NULL);
    if (!r->thread) {
        DWORD err = GetLastError();
        CloseHandle(*out);
        *out = INVALID_HANDLE_VALUE;
        relay_close(r);
        return cordon__win_failf("CreateThread", err, "cannot relay console stdio %d", i);
    }
    *relay = r;
    return CORDON_OK;
}

cordon_error cordon__win_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                               const struct cordon__win_launch *how, struct cordon__proc **out)
{
    const char *cwd = req->cwd ? req->cwd : plan->cwd;
    char *program = NULL, *cmdline = NULL, *cmd_exe = NULL;
    wchar_t *wprogram = NULL, *wcmdline = NULL, *wcwd = NULL, *envblock = NULL;
    wchar_t *wdesktop = NULL;
    HANDLE std[3] = {INVALID_HANDLE_VALUE, INVALID_HANDLE_VALUE, INVALID_HANDLE_VALUE};
    HANDLE job = NULL;
    HANDLE inherit[3]; /* must outlive the attribute list that points at it */
    DWORD n_inherit = 0;
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    SIZE_T attr_size = 0;
    STARTUPINFOEXW si;
    PROCESS_INFORMATION pi = {0};
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
    struct cordon__proc *proc = NULL;
    UINT old_mode;
    DWORD err;
    struct cordon__relay *relay[3] = {NULL, NULL, NULL};
    cordon_error e = CORDON_OK;
    DWORD flags;
    BOOL ok;
    int i;

    if (!req->argv || !req->argv[0] || !req->argv[0][0])
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "empty command");
    if ((e = resolve_program(req->argv[0], req->envp, cwd, &program)) != CORDON_OK)
        goto done;
    if (is_batch(program)) {
        char *sys = cordon__win_dir_of(GetSystemDirectoryW);
        if (!sys) {
            e = cordon__win_fail("cannot find cmd.exe", "GetSystemDirectoryW", GetLastError());
            goto done;
        }
        cmd_exe = sys ? cordon__asprintf("%s\\cmd.exe", sys) : NULL;
        free(sys);
        if (!cmd_exe) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            goto done;
        }
        cmdline = cordon__win_cmdline_batch(cmd_exe, program, req->argv);
        wprogram = cordon__win_wide(cmd_exe);
    } else {
        cmdline = cordon__win_cmdline(req->argv);
        wprogram = cordon__win_wide(program);
    }
    if (!cmdline) {
        e = CORDON_ERR_INVALID_ARGUMENT;
        if (strstr(cordon_last_error(), "memory"))
            e = CORDON_ERR_NO_MEMORY;
        goto done;
    }
    wcmdline = cordon__win_wide(cmdline);
    wcwd = cwd ? cordon__win_wide(cwd) : NULL;
    if (!wprogram || !wcmdline || (cwd && !wcwd)) {
        e = cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "command, path or directory is not valid "
                                                      "UTF-8: %s", req->argv[0]);
        goto done;
    }
    if ((e = cordon__win_env_block(req->envp, &envblock)) != CORDON_OK)
        goto done;
    for (i = 0; i < 3; i++)
        if ((e = stdio_handle(req, i, how && how->relay_console, &std[i], &relay[i])) !=
            CORDON_OK)
            goto done;

    job = CreateJobObjectW(NULL, NULL);
    if (!job) {
        e = cordon__win_fail("cannot create the job object", "CreateJobObjectW", GetLastError());
        goto done;
    }
    memset(&lim, 0, sizeof lim);
    /* Ends with its tree; a crash ends the process instead of holding it
     * in an error dialog until the timeout. */
    lim.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &lim, sizeof lim)) {
        e = cordon__win_fail("cannot make the job kill its processes on close",
                             "SetInformationJobObject", GetLastError());
        goto done;
    }
    if (how && how->ui_limits) {
        /* No USER handles of processes outside the job, no clipboard, no
         * global atoms, system parameters, display settings, desktop
         * switching or logoff. Fails closed: no run without them. */
        JOBOBJECT_BASIC_UI_RESTRICTIONS ui;
        ui.UIRestrictionsClass = how->ui_limits;
        if (!SetInformationJobObject(job, JobObjectBasicUIRestrictions, &ui, sizeof ui)) {
            e = cordon__win_fail("cannot set the job's UI restrictions",
                                 "SetInformationJobObject", GetLastError());
            goto done;
        }
    }

    /* Only the three stdio handles are inherited, whatever else this
     * process has marked inheritable. */
    InitializeProcThreadAttributeList(NULL, 1, 0, &attr_size);
    attrs = malloc(attr_size);
    if (!attrs) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (!InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size)) {
        free(attrs);
        attrs = NULL;
        e = cordon__win_fail("cannot prepare the launch attributes",
                             "InitializeProcThreadAttributeList", GetLastError());
        goto done;
    }
    for (i = 0; i < 3; i++) {
        /* The list may not name one handle twice. */
        DWORD k;
        int dup = 0;
        for (k = 0; k < n_inherit; k++)
            dup |= inherit[k] == std[i];
        if (!dup)
            inherit[n_inherit++] = std[i];
    }
    {
        if (!UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit,
                                       n_inherit * sizeof(HANDLE), NULL, NULL)) {
            e = cordon__win_fail("cannot limit the inherited handles",
                                 "UpdateProcThreadAttribute", GetLastError());
            goto done;
        }
    }

    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = std[0];
    si.StartupInfo.hStdOutput = std[1];
    si.StartupInfo.hStdError = std[2];
    si.lpAttributeList = attrs;
    if (how && how->desktop) {
        wdesktop = _wcsdup(how->desktop);
        si.StartupInfo.lpDesktop = wdesktop;
    }
    /* Suspended until it is inside the job, so nothing it starts can
     * escape the job. */
    flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT | CREATE_SUSPENDED;
    if (how)
        flags |= how->creation_flags;
    /* Started from a GUI host (no console): no console window per command. */
    if (!GetConsoleWindow())
        flags |= CREATE_NO_WINDOW;
    /* The command inherits the error mode: no "program has stopped" or
     * "insert a disk" dialog waits for a click until the timeout. */
    old_mode = SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX |
                            SEM_NOOPENFILEERRORBOX);
    if (how && how->token)
        ok = CreateProcessAsUserW(how->token, wprogram, wcmdline, NULL, NULL, TRUE, flags,
                                  envblock, wcwd, &si.StartupInfo, &pi);
    else
        ok = CreateProcessW(wprogram, wcmdline, NULL, NULL, TRUE, flags, envblock, wcwd,
                            &si.StartupInfo, &pi);
    err = ok ? ERROR_SUCCESS : GetLastError();
    SetErrorMode(old_mode);
    if (!ok) {
        e = cordon__win_failf(how && how->token ? "CreateProcessAsUserW" : "CreateProcessW", err,
                              "cannot start %s", program);
        if (err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND)
            e = CORDON_ERR_NOT_FOUND;
        else if (err == ERROR_ACCESS_DENIED && !has_exe_ext(program))
            e = CORDON_ERR_NOT_EXECUTABLE;
        /* Access denied on a program: the token may not open it, its
         * directory, the working directory or the desktop; the message
         * names the call, the code says "permission", not "not a
         * program". */
        goto done;
    }
    if (!AssignProcessToJobObject(job, pi.hProcess)) {
        e = cordon__win_fail("cannot put the command in its job", "AssignProcessToJobObject",
                             GetLastError());
        TerminateProcess(pi.hProcess, 1);
        goto done;
    }
    proc = calloc(1, sizeof *proc);
    if (!proc) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        TerminateProcess(pi.hProcess, 1);
        goto done;
    }
    if (ResumeThread(pi.hThread) == (DWORD)-1) {
        e = cordon__win_fail("cannot start the command's thread", "ResumeThread", GetLastError());
        TerminateProcess(pi.hProcess, 1);
        goto done;
    }
    proc->process = pi.hProcess;
    proc->job = job;
    /* A command sharing the console (full access) may change its code
     * pages; they are put back when it ends. */
    proc->console_cp = GetConsoleCP();
    proc->console_out_cp = GetConsoleOutputCP();
    proc->shares_console = !(flags & CREATE_NO_WINDOW) && GetConsoleWindow() != NULL;
    live_add(proc);
    for (i = 0; i < 3; i++) {
        proc->relay[i] = relay[i];
        relay[i] = NULL;
    }
    proc->pid = pi.dwProcessId;
    proc->started = cordon__os_now();
    pi.hProcess = NULL;
    job = NULL;
    *out = proc;
    proc = NULL;
done:
    free(proc);
    if (pi.hThread)
        CloseHandle(pi.hThread);
    if (pi.hProcess)
        CloseHandle(pi.hProcess);
    if (job)
        CloseHandle(job);
    if (attrs) {
        DeleteProcThreadAttributeList(attrs);
        free(attrs);
    }
    /* The command's ends go: an output relay then ends when the command
     * tree's last copy closes. */
    for (i = 0; i < 3; i++)
        if (std[i] != INVALID_HANDLE_VALUE)
            CloseHandle(std[i]);
    for (i = 0; i < 3; i++)
        if (relay[i] && !relay_finish(relay[i], 1000, 1))
            relay[i] = NULL; /* still inside a console read: left to end */
    free(wdesktop);
    free(envblock);
    free(wcwd);
    free(wcmdline);
    free(wprogram);
    free(cmdline);
    free(cmd_exe);
    free(program);
    return e;
}

cordon_error cordon__win_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                              struct cordon__exit *out)
{
    DWORD r, code = 0;
    int k;

    memset(out, 0, sizeof *out);
    r = WaitForSingleObject(proc->process, timeout_ms ? (DWORD)timeout_ms : INFINITE);
    if (r == WAIT_TIMEOUT) {
        /* The whole tree, not just the first process. */
        TerminateJobObject(proc->job, 1);
        WaitForSingleObject(proc->process, 5000);
        out->timed_out = 1;
    } else if (r != WAIT_OBJECT_0) {
        return cordon__win_fail("cannot wait for the command", "WaitForSingleObject",
                                GetLastError());
    }
    /* What the command wrote reaches the console before the status. A
     * background process still holding the pipe does not hold cordon. */
    for (k = 1; k < 3; k++)
        if (proc->relay[k])
            WaitForSingleObject(proc->relay[k]->thread, 2000);
    if (!GetExitCodeProcess(proc->process, &code))
        return cordon__win_fail("cannot read the command's exit code", "GetExitCodeProcess",
                                GetLastError());
    /* Exit codes are 32-bit; NTSTATUS crash codes stay recognisable as
     * negative numbers. */
    out->exit_code = (int)code;
    return CORDON_OK;
}

cordon_error cordon__win_kill(struct cordon__proc *proc)
{
    if (!TerminateJobObject(proc->job, 1))
        return cordon__win_fail("cannot end the command's process tree", "TerminateJobObject",
                                GetLastError());
    return CORDON_OK;
}

int cordon__win_ended(struct cordon__proc *proc, unsigned long timeout_ms)
{
    /* INFINITE is 0xFFFFFFFF: a longer wait is capped just below it. */
    DWORD ms = timeout_ms >= INFINITE ? INFINITE - 1 : (DWORD)timeout_ms;
    return WaitForSingleObject(proc->process, ms) == WAIT_OBJECT_0;
}

long long cordon__win_pid(const struct cordon__proc *proc)
{
    return proc ? (long long)proc->pid : -1;
}

/* Ends every process of |job| and waits (up to 5 s) until none is left,
 * so that the temp tree and placeholders are removed after the last
 * process let go of them, not while one still holds a file open. */
static void end_job(HANDLE job)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acct;
    int waited;
    TerminateJobObject(job, 1);
    for (waited = 0; waited < 5000; waited += 20) {
        if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &acct,
                                       sizeof acct, NULL) ||
            acct.ActiveProcesses == 0)
            break;
        Sleep(20);
    }
}

void cordon__win_proc_free(struct cordon__proc *proc)
{
    int i;
    if (!proc)
        return;
    if (proc->job) {
        end_job(proc->job);
        CloseHandle(proc->job);
    }
    /* The job is closed, so its processes are gone and output relays
     * reach the end of their pipes; the input relay is cancelled. */
    for (i = 0; i < 3; i++)
        if (proc->relay[i])
            relay_finish(proc->relay[i], 2000, i == 0);
    if (proc->process)
        CloseHandle(proc->process);
    if (proc->desktop)
        CloseDesktop(proc->desktop);
    if (proc->console_cp && GetConsoleCP() != proc->console_cp)
        SetConsoleCP(proc->console_cp);
    if (proc->console_out_cp && GetConsoleOutputCP() != proc->console_out_cp)
        SetConsoleOutputCP(proc->console_out_cp);
    live_remove(proc);
    free(proc);
}

cordon_error cordon__win_make_tmp(const struct cordon__plan *plan, SECURITY_ATTRIBUTES *sa)
{
    wchar_t *w;
    cordon_error e = CORDON_OK;

    if (!plan->private_tmp || !plan->tmp_dir)
        return CORDON_OK;
    w = cordon__win_wide(plan->tmp_dir);
    if (!w)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if (!CreateDirectoryW(w, sa) && GetLastError() != ERROR_ALREADY_EXISTS)
        e = cordon__win_failf("CreateDirectoryW", GetLastError(),
                              "cannot create the private temp directory %s", plan->tmp_dir);
    free(w);
    return e;
}

/* Depth-first delete of |dir|'s contents. Reparse points (junctions,
 * symlinks) are removed as links, never entered. */
static void remove_tree(const wchar_t *dir, int depth)
{
    size_t len = wcslen(dir);
    wchar_t *pattern = malloc((len + 3) * sizeof *pattern);
    WIN32_FIND_DATAW fd;
    HANDLE h;

    if (!pattern || depth > 200) {
        free(pattern);
        return;
    }
    memcpy(pattern, dir, len * sizeof *pattern);
    memcpy(pattern + len, L"\\*", 3 * sizeof *pattern);
    CORDON__WIN_COUNT(dir_lists);
    h = FindFirstFileW(pattern, &fd);
    free(pattern);
    if (h == INVALID_HANDLE_VALUE)
        return;
    do {
        size_t n = wcslen(fd.cFileName);
        wchar_t *child;
        if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
            continue;
        child = malloc((len + n + 2) * sizeof *child);
        if (!child)
            continue;
        memcpy(child, dir, len * sizeof *child);
        child[len] = L'\\';
        memcpy(child + len + 1, fd.cFileName, (n + 1) * sizeof *child);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_READONLY)
            SetFileAttributesW(child, fd.dwFileAttributes & ~(DWORD)FILE_ATTRIBUTE_READONLY);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
                remove_tree(child, depth + 1);
            RemoveDirectoryW(child);
        } else {
            DeleteFileW(child);
        }
        free(child);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
}

void cordon__win_remove_tmp(const struct cordon__plan *plan)
{
    wchar_t *w;
    if (!plan || !plan->private_tmp || !plan->tmp_dir)
        return;
    /* Deep trees (node_modules) pass MAX_PATH: the \\?\ form takes paths
     * up to 32767 characters whatever the system's long-path setting. */
    w = cordon__win_wide_long(plan->tmp_dir);
    if (!w)
        return;
    remove_tree(w, 0);
    RemoveDirectoryW(w);
    free(w);
}
