/* cordon-runner.exe: the Windows elevated tier's launch boundary.
 *
 *   cordon-runner.exe --pipe NAME --server-pid PID [--same-user]
 *
 * cordon makes two named pipes, NAME-in (cordon writes) and NAME-out (the
 * runner writes), and starts the runner; in the elevated tier as the
 * sandbox user with CreateProcessWithLogonW, in the
 * same-user seam (--same-user, what the Wine tests use) with
 * CreateProcessW. The runner:
 *   1. connects to both pipes and checks that their server is process PID
 *      (GetNamedPipeServerProcessId): it talks only to the cordon that
 *      started it;
 *   2. reads one SPAWN frame, strictly decoded (core/ipc.c); relayed stdio
 *      only (no handle crosses from the caller);
 *   3. identity: unless --same-user, the marker must be trusted and this
 *      process's user must be the account the request's network flag
 *      selects (the offline user when network is off), else ERROR setup
 *      or identity;
 *   4. builds the unelevated tier's write-restricted token with the
 *      request's restricting SIDs (cordon's, which the grants on the roots
 *      name; core/elevated_windows_run.c, backends/windows/token.c), reads
 *      it back and confirms what the reported levels rest on (restricting
 *      SIDs, write restriction, no broad group, not elevated, medium
 *      integrity, no privilege but SeChangeNotify), else ERROR restrict;
 *      starts the command with it in a kill-on-close job with every UI
 *      restriction, on a desktop of its own (backends/windows/process.c),
 *      its stdio on pipes;
 *   5. sends STARTED, relays stdin from STDIO frames and stdout/stderr
 *      into STDIO frames, ends the job on SIGNAL or when cordon goes away,
 *      and sends EXIT.
 * Every failure goes back as ERROR with the stage and the Win32 code.
 * The runner holds no privilege of its own: on Windows the boundary is the
 * sandbox user's credentials, which only cordon can decrypt; the checks
 * here are defence in depth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "elevated_win.h"
#include "ipc.h"
#include "win.h"

/* The protocol this runner speaks, as text in the file: cordon-setup
 * reads it from the program it installs and records it in the marker,
 * so that a later cordon of another protocol falls back instead of
 * failing every run (core/ipc.h). Printed in the usage line, which keeps
 * it in the program. */
static const char protocol_tag[] = CORDON__IPC_RUNNER_TAG_TEXT;

struct run {
    HANDLE in, out;            /* the pipes: from cordon, to cordon */
    CRITICAL_SECTION write_lock;
    struct cordon__ipc_msg req;
    HANDLE child_in;           /* our end of the command's stdin, or NULL */
    HANDLE child_out[2];       /* our ends of its stdout, stderr */
    struct cordon__proc *proc;
    volatile LONG cordon_gone;
};

static int send_msg(struct run *r, const struct cordon__ipc_msg *m)
{
    return cordon__win_ipc_send(r->out, &r->write_lock, m);
}

static void report(struct run *r, unsigned stage, DWORD code, const char *fmt, ...)
    CORDON__PRINTF(4, 5);

static void report(struct run *r, unsigned stage, DWORD code, const char *fmt, ...)
{
    struct cordon__ipc_msg m;
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_ERROR;
    m.stage = (uint16_t)stage;
    m.os_code = (int64_t)code;
    m.message = text;
    if (!r->out || send_msg(r, &m) != 0)
        fprintf(stderr, "cordon-runner: %s: %s\n", cordon__ipc_stage_name(stage), text);
}

/* Reads one frame from |h|. 0, or -1 with |why| (EOF: "end"). */
static int read_frame(HANDLE h, struct cordon__ipc_msg *m, char *why, size_t n)
{
    unsigned char hdr[CORDON__IPC_HEADER_SIZE];
    unsigned char *buf = NULL;
    size_t need = sizeof hdr, have = 0, used = 0;
    int rc = -1;
    while (have < sizeof hdr) {
        DWORD got = 0;
        if (!ReadFile(h, hdr + have, (DWORD)(sizeof hdr - have), &got, NULL) || got == 0) {
            snprintf(why, n, have ? "the pipe closed inside a frame" : "end");
            return -1;
        }
        have += got;
    }
    if (cordon__ipc_decode(hdr, have, m, &used, &need) != CORDON_OK) {
        snprintf(why, n, "%s", cordon_last_error());
        return -1;
    }
    if (used)
        return 0;
    buf = malloc(need);
    if (!buf) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    memcpy(buf, hdr, have);
    while (have < need) {
        DWORD got = 0;
        if (!ReadFile(h, buf + have, (DWORD)(need - have), &got, NULL) || got == 0) {
            snprintf(why, n, "the pipe closed inside a frame");
            goto done;
        }
        have += got;
    }
    if (cordon__ipc_decode(buf, have, m, &used, &need) != CORDON_OK || !used) {
        snprintf(why, n, "%s", used ? "" : cordon_last_error());
        goto done;
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

/* ---- the relays --------------------------------------------------------------- */

struct pump {
    struct run *r;
    int stream; /* 1 or 2 */
};

static DWORD WINAPI pump_out(void *arg)
{
    struct pump *p = arg;
    cordon__win_ipc_pump(p->r->child_out[p->stream - 1], (unsigned)p->stream, p->r->out,
                         &p->r->write_lock);
    return 0;
}

/* From cordon: stdin data, its end, signals; cordon gone ends the job. */
static DWORD WINAPI pump_in(void *arg)
{
    struct run *r = arg;
    char why[300];
    for (;;) {
        struct cordon__ipc_msg m;
        memset(&m, 0, sizeof m);
        if (read_frame(r->in, &m, why, sizeof why) != 0) {
            InterlockedExchange(&r->cordon_gone, 1);
            if (r->proc)
                cordon__win_kill(r->proc);
            break;
        }
        if (m.type == CORDON__IPC_STDIO && m.stream == 0 && r->child_in) {
            DWORD put;
            if (m.data_len == 0) {
                CloseHandle(r->child_in);
                r->child_in = NULL;
            } else {
                WriteFile(r->child_in, m.data, (DWORD)m.data_len, &put, NULL);
            }
        } else if (m.type == CORDON__IPC_SIGNAL && r->proc) {
            /* Windows has no interrupt a process outside the console can
             * send: every signal ends the whole tree. */
            cordon__win_kill(r->proc);
        }
        cordon__ipc_msg_free(&m);
    }
    return 0;
}

/* ---- the run ------------------------------------------------------------------- */

static HANDLE open_pipe(const char *name, const char *suffix, DWORD access)
{
    char *full = cordon__asprintf("%s-%s", name, suffix);
    wchar_t *w = full ? cordon__win_wide(full) : NULL;
    HANDLE h = w ? CreateFileW(w, access, 0, NULL, OPEN_EXISTING,
                               SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL)
                 : INVALID_HANDLE_VALUE;
    free(w);
    free(full);
    return h;
}

static int check_identity(struct run *r)
{
    struct cordon__win_probe_facts *pf = cordon__xcalloc(1, sizeof *pf);
    const char *me = cordon__win_user_sid();
    const struct cordon__marker *m;
    int want_online = (r->req.spawn.flags & CORDON__IPC_SPAWN_NETWORK) != 0, rc = -1;
    if (!pf) {
        report(r, CORDON__IPC_STAGE_SETUP, 0, "out of memory");
        return -1;
    }
    cordon__win_elevated_marker(pf); /* the marker alone: trusted and parsed */
    m = pf->f.marker;
    if (!m) {
        report(r, CORDON__IPC_STAGE_SETUP, 0, "%s", pf->f.marker_found ? pf->f.marker_error
                                                                       : "setup has not been run");
    } else if (!me || strcmp(me, want_online ? m->online.id : m->offline.id) != 0) {
        report(r, CORDON__IPC_STAGE_IDENTITY, 0,
               "the runner runs as %s, not as %s (%s) which this request needs",
               me ? me : "an unknown user", want_online ? m->online.name : m->offline.name,
               want_online ? m->online.id : m->offline.id);
    } else {
        rc = 0;
    }
    cordon__win_probe_facts_free(pf);
    free(pf);
    return rc;
}

/* The command's token and launch, from the request alone: cordon's
 * restricting SIDs (the grants on the roots name them; the sandbox user
 * has no secret to derive them), the logon SID of this process's session
 * and Everyone (core/elevated_windows_run.c). No host facts are read: the
 * sandbox user's profile is never loaded. */
static int token_plan(struct run *r, struct cordon__plan *plan)
{
    const char *me = cordon__win_user_sid();
    memset(plan, 0, sizeof *plan);
    if (cordon__win_runner_token_plan(&r->req.spawn, me, &plan->windows_plan) != CORDON_OK) {
        report(r, CORDON__IPC_STAGE_RESTRICT, 0, "cannot plan the restrictions: %s",
               cordon_last_error());
        return -1;
    }
    plan->mode = r->req.spawn.roots.n ? CORDON_MODE_WORKSPACE_WRITE : CORDON_MODE_READ_ONLY;
    plan->network = (r->req.spawn.flags & CORDON__IPC_SPAWN_NETWORK) != 0;
    return 0;
}

/* The command runs as this same user, with a write-restricted token: a
 * process, thread or other object of the runner whose DACL granted write
 * to one of the command's restricting SIDs (its logon SID, Everyone) would
 * let it act through the runner's unrestricted token. The runner's own
 * process and thread, and (through the token's default DACL) everything it
 * makes from here on, admit only this user and SYSTEM, neither of which
 * is a restricting SID of the command. 0, or -1 with the Win32 code. */
static int harden_self(DWORD *err)
{
    const char *me = cordon__win_user_sid();
    /* The runner's process and thread: the sandbox user (every command of
     * every run holds its SID, and reads pass a write-restricted token on
     * that SID alone) may only wait for them. Query rights would let a
     * command open the runner's unrestricted token (OpenProcessToken
     * needs only PROCESS_QUERY_LIMITED_INFORMATION) or read its memory
     * (the request's environment). The runner's own pseudo-handles and
     * cordon's handle from the launch keep their access. Objects the
     * runner makes (its default DACL) stay the user's. */
    char *self = me ? cordon__asprintf("D:P(A;;GA;;;SY)(A;;0x100000;;;%s)(A;;RC;;;OW)", me) : NULL;
    char *made = me ? cordon__asprintf("D:P(A;;GA;;;SY)(A;;GA;;;%s)(A;;RC;;;OW)", me) : NULL;
    wchar_t *ws = self ? cordon__win_wide(self) : NULL, *wm = made ? cordon__win_wide(made) : NULL;
    PSECURITY_DESCRIPTOR sd = NULL, sdm = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = NULL, dacl_made = NULL;
    HANDLE tok = NULL;
    TOKEN_DEFAULT_DACL dd;
    int rc = -1;

    *err = ERROR_NOT_ENOUGH_MEMORY;
    if (!ws || !wm ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(ws, SDDL_REVISION_1, &sd, NULL) ||
        !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) || !dacl ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(wm, SDDL_REVISION_1, &sdm, NULL) ||
        !GetSecurityDescriptorDacl(sdm, &present, &dacl_made, &defaulted) || !dacl_made) {
        *err = GetLastError();
        goto done;
    }
    if ((*err = SetSecurityInfo(GetCurrentProcess(), SE_KERNEL_OBJECT,
                                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                NULL, NULL, dacl, NULL)) != ERROR_SUCCESS ||
        (*err = SetSecurityInfo(GetCurrentThread(), SE_KERNEL_OBJECT,
                                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                NULL, NULL, dacl, NULL)) != ERROR_SUCCESS)
        goto done;
    dd.DefaultDacl = dacl_made;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_DEFAULT, &tok) ||
        !SetTokenInformation(tok, TokenDefaultDacl, &dd, sizeof dd)) {
        *err = GetLastError();
        goto done;
    }
    rc = 0;
done:
    if (tok)
        CloseHandle(tok);
    if (sd)
        LocalFree(sd);
    if (sdm)
        LocalFree(sdm);
    free(ws);
    free(wm);
    free(self);
    free(made);
    return rc;
}

/* Reads the command's token back and has core judge it
 * (cordon__win_token_verdict): the levels cordon reported for fs_write
 * and protected_paths rest on what it checks, and they were inferred from
 * cordon's own token probe as the real user, not from this token of the
 * sandbox user. Anything else refuses the run at stage restrict before the
 * command starts. One exception, where nothing is enforced anyway: under
 * Wine in the same-user seam (Wine fakes tokens: no restricting SID, every
 * privilege, Administrators, high integrity), the run goes on, so that the
 * relay can be tested there; win_runner shows the verdict refusing Wine's
 * token. On Windows the seam is judged like any run. 0 to go on. */
static int confirm_token(struct run *r, const struct cordon__plan_windows *wp, HANDLE token,
                         int same_user)
{
    struct cordon__win_token_facts tf;
    char why[512];
    int rc = 0;
    cordon__win_token_facts(token, wp->restricting_sids.n ? wp->restricting_sids.v[0] : NULL, &tf);
    if (cordon__win_token_verdict(&tf, wp, cordon__win_user_sid(), why, sizeof why) != 0 &&
        !(same_user && cordon__win_is_wine())) {
        report(r, CORDON__IPC_STAGE_RESTRICT, 0, "%s; the command was not started", why);
        rc = -1;
    }
    cordon__win_token_facts_free(&tf);
    return rc;
}

static int serve(struct run *r, int same_user)
{
    struct cordon__plan plan;
    int have_plan = 0, rc = 1, i;
    HANDLE token = NULL, theirs[3] = {NULL, NULL, NULL}, threads[3] = {NULL, NULL, NULL};
    HDESK desk = NULL;
    wchar_t desk_name[256];
    struct cordon__spawn sp;
    struct cordon__win_launch how;
    struct cordon__exit ex;
    struct pump pumps[2];
    const char **argv = NULL, **envp = NULL;
    char why[300];
    size_t k;
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};

    if (read_frame(r->in, &r->req, why, sizeof why) != 0) {
        report(r, CORDON__IPC_STAGE_REQUEST, 0, "the request cannot be read: %s", why);
        return 1;
    }
    if (r->req.type != CORDON__IPC_SPAWN) {
        report(r, CORDON__IPC_STAGE_REQUEST, 0, "the first message is not a spawn request");
        return 1;
    }
    for (i = 0; i < 3; i++)
        if (r->req.spawn.stdio_mode[i] == CORDON__IPC_STDIO_PASSED) {
            report(r, CORDON__IPC_STAGE_STDIO, 0,
                   "stdio stream %d is to be passed as a handle; the Windows runner relays only", i);
            return 1;
        }
    if (!same_user && check_identity(r) != 0)
        return 1;
    {
        DWORD err = 0;
        if (harden_self(&err) != 0) {
            report(r, CORDON__IPC_STAGE_RESTRICT, err,
                   "cannot close the runner's own process and objects to the command");
            return 1;
        }
    }
    memset(&plan, 0, sizeof plan);
    if (token_plan(r, &plan) != 0)
        goto done;
    have_plan = 1;
    if (cordon__win_restricted_token(&plan.windows_plan, &token) != CORDON_OK) {
        report(r, CORDON__IPC_STAGE_RESTRICT, GetLastError(), "%s", cordon_last_error());
        goto done;
    }
    if (confirm_token(r, &plan.windows_plan, token, same_user) != 0)
        goto done;
    /* The command's stdio: pipes we relay, or NUL. */
    for (i = 0; i < 3; i++) {
        HANDLE ours = NULL;
        if (r->req.spawn.stdio_mode[i] == CORDON__IPC_STDIO_NULL) {
            theirs[i] = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                                    FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
            continue;
        }
        if (!(i == 0 ? CreatePipe(&theirs[i], &ours, &sa, 0) : CreatePipe(&ours, &theirs[i], &sa, 0))) {
            report(r, CORDON__IPC_STAGE_STDIO, GetLastError(), "CreatePipe failed");
            goto done;
        }
        if (i == 0)
            r->child_in = ours;
        else
            r->child_out[i - 1] = ours;
    }
    argv = cordon__xcalloc(r->req.spawn.argv.n + 1, sizeof *argv);
    envp = cordon__xcalloc(r->req.spawn.env.n + 1, sizeof *envp);
    if (!argv || !envp) {
        report(r, CORDON__IPC_STAGE_EXEC, 0, "out of memory");
        goto done;
    }
    for (k = 0; k < r->req.spawn.argv.n; k++)
        argv[k] = r->req.spawn.argv.v[k];
    for (k = 0; k < r->req.spawn.env.n; k++)
        envp[k] = r->req.spawn.env.v[k];
    memset(&sp, 0, sizeof sp);
    sp.argv = argv;
    sp.envp = envp;
    sp.cwd = r->req.spawn.cwd;
    for (i = 0; i < 3; i++)
        sp.stdio[i] = (cordon_os_handle)theirs[i];
    memset(&how, 0, sizeof how);
    how.token = token;
    how.creation_flags = (DWORD)plan.windows_plan.creation_flags;
    how.ui_limits = (DWORD)plan.windows_plan.job_ui_limits;
    /* A desktop of the command's own on this window station (its DACL:
     * this user, SYSTEM and the run SID), so that it cannot send input or
     * messages to the windows of the desktop the runner was started on.
     * The station is the one cordon made for this run and named in the
     * runner's lpDesktop, never the caller's (elevated_launch.c). */
    {
        DWORD err = 0;
        desk = cordon__win_private_desktop(&plan.windows_plan, desk_name,
                                           sizeof desk_name / sizeof desk_name[0], &err);
        if (!desk) {
            report(r, CORDON__IPC_STAGE_RESTRICT, err,
                   "cannot give the command a desktop of its own (CreateDesktopW: error %lu)",
                   (unsigned long)err);
            goto done;
        }
        how.desktop = desk_name;
    }
    if (cordon__win_spawn(&plan, &sp, &how, &r->proc) != CORDON_OK) {
        DWORD code = GetLastError();
        report(r, CORDON__IPC_STAGE_EXEC, code, "%s", cordon_last_error());
        goto done;
    }
    r->proc->desktop = desk; /* closed with the process */
    desk = NULL;
    for (i = 0; i < 3; i++) {
        if (theirs[i] && theirs[i] != INVALID_HANDLE_VALUE)
            CloseHandle(theirs[i]);
        theirs[i] = NULL;
    }
    {
        struct cordon__ipc_msg m;
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_STARTED;
        m.pid = (uint64_t)cordon__win_pid(r->proc);
        send_msg(r, &m);
    }
    threads[0] = CreateThread(NULL, 0, pump_in, r, 0, NULL);
    for (i = 0; i < 2; i++) {
        pumps[i].r = r;
        pumps[i].stream = i + 1;
        if (r->child_out[i])
            threads[i + 1] = CreateThread(NULL, 0, pump_out, &pumps[i], 0, NULL);
    }
    if (cordon__win_wait(r->proc, 0, &ex) != CORDON_OK) {
        report(r, CORDON__IPC_STAGE_WAIT, GetLastError(), "%s", cordon_last_error());
        goto done;
    }
    /* The output pumps end when every writer of their pipes is gone: the
     * job's processes were ended with the command's tree. */
    for (i = 1; i < 3; i++)
        if (threads[i])
            WaitForSingleObject(threads[i], 10000);
    {
        struct cordon__ipc_msg m;
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_EXIT;
        m.exit_code = ex.exit_code;
        send_msg(r, &m);
    }
    rc = 0;
done:
    for (i = 0; i < 3; i++)
        if (theirs[i] && theirs[i] != INVALID_HANDLE_VALUE)
            CloseHandle(theirs[i]);
    if (r->proc)
        cordon__win_proc_free(r->proc);
    r->proc = NULL;
    if (token)
        CloseHandle(token);
    if (desk)
        CloseDesktop(desk);
    free(argv);
    free(envp);
    if (have_plan)
        cordon__plan_windows_free(&plan.windows_plan);
    /* pump_in may still block on the pipe: the process ends with it. */
    return rc;
}

int main(int argc, char **argv)
{
    struct run r;
    const char *pipe = NULL;
    unsigned long server_pid = 0, got_pid = 0;
    int same_user = 0, i, rc;

    memset(&r, 0, sizeof r);
    InitializeCriticalSection(&r.write_lock);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pipe") == 0 && i + 1 < argc)
            pipe = argv[++i];
        else if (strcmp(argv[i], "--server-pid") == 0 && i + 1 < argc)
            server_pid = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--same-user") == 0)
            same_user = 1;
        else {
            fprintf(stderr, "cordon-runner: unexpected argument \"%s\" (cordon starts this "
                    "program; it is not run by hand)\n", argv[i]);
            return 2;
        }
    }
    if (!pipe || strncmp(pipe, "\\\\.\\pipe\\cordon-runner-", 23) != 0 || !server_pid) {
        fprintf(stderr, "cordon-runner (%s): needs --pipe \\\\.\\pipe\\cordon-runner-... and "
                "--server-pid (cordon starts this program; it is not run by hand)\n", protocol_tag);
        return 2;
    }
    r.out = open_pipe(pipe, "out", GENERIC_WRITE);
    r.in = open_pipe(pipe, "in", GENERIC_READ);
    if (r.out == INVALID_HANDLE_VALUE || r.in == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        r.out = r.out == INVALID_HANDLE_VALUE ? NULL : r.out;
        fprintf(stderr, "cordon-runner: cannot open the pipes %s-in/-out: error %lu\n", pipe,
                (unsigned long)e);
        return 1;
    }
    /* Both pipes must be served by the process that started us. */
    if (!GetNamedPipeServerProcessId(r.out, &got_pid) || got_pid != server_pid ||
        !GetNamedPipeServerProcessId(r.in, &got_pid) || got_pid != server_pid) {
        report(&r, CORDON__IPC_STAGE_CALLER, GetLastError(),
               "the pipes are served by process %lu, not by %lu", got_pid, server_pid);
        return 1;
    }
    rc = serve(&r, same_user);
    cordon__ipc_msg_free(&r.req);
    FlushFileBuffers(r.out);
    return rc;
}
