/* cordon's side of the runner protocol on Windows (runner/windows/serve.c
 * is the other side): serve the two pipes with core's DACL, start the
 * runner as the sandbox user (CreateProcessWithLogonW, no profile load) or
 * as the caller (the same-user seam the Wine tests use), check that the
 * client of both pipes is that runner, send the request, relay the
 * caller's stdio, and read STARTED, STDIO, EXIT or ERROR.
 *
 * The backend (elevated.c) runs commands through it: begin sends the
 * request and waits for STARTED, the relay runs in threads, wait/kill/
 * ended/pid stand on top of it (docs/internals/windows-elevated.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <aclapi.h>
#include <bcrypt.h>
#include <sddl.h>

#include "elevated_win.h"
#include "ipc.h"
#include "win.h"

volatile long cordon__win_runner_leaked;

struct cordon__win_runner_conn {
    HANDLE to, from;           /* NAME-in (we write), NAME-out (we read); overlapped */
    struct cordon__win_station station; /* the runner's window station and desktop */
    HANDLE process;
    DWORD pid;
    CRITICAL_SECTION lock;     /* writes to |to| */
    HANDLE stdio[3];           /* the caller's, for the relay */
    HANDLE done;               /* set when EXIT or ERROR came, or the pipe broke */
    HANDLE started;            /* set when STARTED came (or done) */
    HANDLE rt, st;             /* the reader and the stdin pump */
    long long cmd_pid;         /* STARTED's process id, 0 before */
    int begun, finished, timed_out;
    int stuck;                 /* a relay thread could not be joined: never freed */
    volatile LONG closing;     /* closed while running: output is dropped, not relayed */
    int exit_code, got_exit, error_stage;
    long long error_code;
    char error[600];
};

/* Overlapped I/O waited for at once: synchronous use of an overlapped
 * handle, so that reads and writes of different threads never queue
 * behind each other. */
static BOOL io(HANDLE h, int write, void *buf, DWORD n, DWORD *done)
{
    OVERLAPPED ov;
    BOOL ok;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!ov.hEvent)
        return FALSE;
    ok = write ? WriteFile(h, buf, n, done, &ov) : ReadFile(h, buf, n, done, &ov);
    if (!ok && GetLastError() == ERROR_IO_PENDING)
        ok = GetOverlappedResult(h, &ov, done, TRUE);
    CloseHandle(ov.hEvent);
    return ok;
}

int cordon__win_ipc_send(HANDLE pipe, CRITICAL_SECTION *lock, const struct cordon__ipc_msg *m)
{
    struct cordon__buf b = {0};
    DWORD put = 0;
    BOOL ok;
    if (cordon__ipc_encode(m, &b) != CORDON_OK || b.oom) {
        cordon__buf_free(&b);
        return -1;
    }
    EnterCriticalSection(lock);
    ok = io(pipe, 1, b.p, (DWORD)b.len, &put) && put == b.len;
    LeaveCriticalSection(lock);
    cordon__buf_free(&b);
    return ok ? 0 : -1;
}

void cordon__win_ipc_pump(HANDLE from, unsigned stream, HANDLE pipe, CRITICAL_SECTION *lock)
{
    unsigned char buf[16384];
    struct cordon__ipc_msg m;
    for (;;) {
        DWORD got = 0;
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_STDIO;
        m.stream = (uint8_t)stream;
        if (!ReadFile(from, buf, sizeof buf, &got, NULL) || got == 0) {
            cordon__win_ipc_send(pipe, lock, &m); /* empty: the end of the stream */
            break;
        }
        m.data = buf;
        m.data_len = got;
        if (cordon__win_ipc_send(pipe, lock, &m) != 0)
            break;
    }
}

static int send_msg(struct cordon__win_runner_conn *c, const struct cordon__ipc_msg *m)
{
    return cordon__win_ipc_send(c->to, &c->lock, m);
}

static HANDLE make_pipe(const char *name, const char *suffix, DWORD dir, SECURITY_ATTRIBUTES *sa)
{
    char *full = cordon__asprintf("%s-%s", name, suffix);
    wchar_t *w = full ? cordon__win_wide(full) : NULL;
    HANDLE h = w ? CreateNamedPipeW(w, dir | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
                                    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                        PIPE_REJECT_REMOTE_CLIENTS,
                                    1, 65536, 65536, 0, sa)
                 : INVALID_HANDLE_VALUE;
    free(w);
    free(full);
    return h;
}

/* Waits for the runner to connect to |h|, or to die, at most 30 s. */
static int await_client(HANDLE h, HANDLE process)
{
    OVERLAPPED ov;
    HANDLE waits[2];
    DWORD r;
    int ok = 0;
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!ov.hEvent)
        return 0;
    if (ConnectNamedPipe(h, &ov) || GetLastError() == ERROR_PIPE_CONNECTED) {
        ok = 1;
    } else if (GetLastError() == ERROR_IO_PENDING) {
        waits[0] = ov.hEvent;
        waits[1] = process;
        r = WaitForMultipleObjects(2, waits, FALSE, 30000);
        if (r == WAIT_OBJECT_0) {
            DWORD n;
            ok = GetOverlappedResult(h, &ov, &n, FALSE) != 0;
        } else {
            /* The cancelled connect completes into |ov| later: wait for
             * it before this frame (and the event) go away. */
            DWORD n;
            CancelIoEx(h, &ov);
            GetOverlappedResult(h, &ov, &n, TRUE);
        }
    }
    CloseHandle(ov.hEvent);
    return ok;
}

/* ---- the runner's window station -------------------------------------------- */

/* The ACEs of a DACL in SDDL, without its flags ("D:P" and the like): the
 * part two descriptors must share to grant the same. */
static const wchar_t *aces_of(const wchar_t *sddl)
{
    const wchar_t *p = sddl ? wcschr(sddl, L'(') : NULL;
    return p ? p : L"";
}

/* Whether the DACL of window station |h| grants exactly what |want| does:
 * 1 yes, 0 no, -1 it cannot be read back (a descriptor without a DACL,
 * which is what Wine returns, included); *found (malloc'd) is the DACL
 * read, when there is one. */
static int station_dacl_is(HWINSTA h, PSECURITY_DESCRIPTOR want, char **found, DWORD *err)
{
    PSECURITY_DESCRIPTOR got = NULL;
    wchar_t *sg = NULL, *sw = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = NULL;
    int rc = -1;
    *found = NULL;
    *err = GetSecurityInfo(h, SE_WINDOW_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, NULL, NULL,
                           &got);
    if (*err != ERROR_SUCCESS)
        goto done;
    if (!GetSecurityDescriptorDacl(got, &present, &dacl, &defaulted) || !present || !dacl ||
        !ConvertSecurityDescriptorToStringSecurityDescriptorW(got, SDDL_REVISION_1,
                                                             DACL_SECURITY_INFORMATION, &sg, NULL) ||
        !ConvertSecurityDescriptorToStringSecurityDescriptorW(want, SDDL_REVISION_1,
                                                             DACL_SECURITY_INFORMATION, &sw, NULL)) {
        *err = GetLastError();
        goto done;
    }
    *found = cordon__win_utf8(sg);
    rc = _wcsicmp(aces_of(sg), aces_of(sw)) == 0;
done:
    if (sg)
        LocalFree(sg);
    if (sw)
        LocalFree(sw);
    if (got)
        LocalFree(got);
    return rc;
}

static PSECURITY_DESCRIPTOR sd_of(const char *sddl)
{
    wchar_t *w = sddl ? cordon__win_wide(sddl) : NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    if (!w || !ConvertStringSecurityDescriptorToSecurityDescriptorW(w, SDDL_REVISION_1, &sd, NULL))
        sd = NULL;
    free(w);
    return sd;
}

cordon_error cordon__win_station_make(const char *caller_sid, const char *sandbox_sid,
                                      const char *peer_sid, int unnamed,
                                      struct cordon__win_station *out)
{
    static volatile LONG counter;
    char *ws_sddl = cordon__win_winsta_sddl(caller_sid, sandbox_sid, peer_sid);
    char *dk_sddl = cordon__win_runner_desktop_sddl(caller_sid, sandbox_sid);
    PSECURITY_DESCRIPTOR ws_sd = sd_of(ws_sddl), dk_sd = sd_of(dk_sddl);
    SECURITY_ATTRIBUTES sa;
    wchar_t ws_name[128], dk_name[96];
    unsigned char rnd[8];
    HWINSTA ws = NULL, old;
    HDESK dk = NULL;
    DWORD err = 0, named_err = 0, n = 0;
    const char *call = "CreateDesktopW";
    cordon_error e = CORDON_OK;
    int i;

    memset(out, 0, sizeof *out);
    if (!ws_sd || !dk_sd) {
        e = cordon__win_fail("cannot build the DACL of the runner's window station",
                             "ConvertStringSecurityDescriptorToSecurityDescriptorW",
                             GetLastError());
        goto done;
    }
    if (BCryptGenRandom(NULL, rnd, sizeof rnd, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
        e = cordon__win_fail("cannot name the runner's window station", "BCryptGenRandom",
                             GetLastError());
        goto done;
    }
    sa.nLength = sizeof sa;
    sa.bInheritHandle = FALSE;
    sa.lpSecurityDescriptor = ws_sd;
    if (!unnamed) {
        /* A name nobody can guess, made only if it is new. */
        swprintf(ws_name, sizeof ws_name / sizeof ws_name[0],
                 L"cordon-%lu-%02x%02x%02x%02x%02x%02x%02x%02x",
                 (unsigned long)GetCurrentProcessId(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                 rnd[5], rnd[6], rnd[7]);
        ws = CreateWindowStationW(ws_name, CWF_CREATE_ONLY, CORDON__WIN_WINSTA_ALL, &sa);
        if (!ws)
            named_err = GetLastError();
    }
    if (!ws) {
        /* Only members of Administrators may name a window station
         * (CreateWindowStationW's documentation): otherwise the station
         * the system names after this logon session, made with cordon's
         * DACL or, when one of this user's cordon runs made it already,
         * shared; one made by any other program (another DACL) is
         * refused, never widened. */
        ws = CreateWindowStationW(NULL, 0, CORDON__WIN_WINSTA_ALL, &sa);
        if (!ws) {
            err = GetLastError();
            e = named_err ? cordon__fail(CORDON_ERR_OS,
                                         "cannot make the runner's window station: "
                                         "CreateWindowStationW: error %lu with a name, error %lu "
                                         "without (the command is never run on the caller's)",
                                         (unsigned long)named_err, (unsigned long)err)
                          : cordon__win_fail("cannot make the runner's window station (the "
                                             "command is never run on the caller's)",
                                             "CreateWindowStationW", err);
            goto done;
        }
        out->shared = 1;
        if (!GetUserObjectInformationW(ws, UOI_NAME, ws_name, sizeof ws_name, &n)) {
            e = cordon__win_fail("cannot read the name of the runner's window station",
                                 "GetUserObjectInformationW", GetLastError());
            goto done;
        }
        {
            char *name = cordon__win_utf8(ws_name), *found = NULL, why[96] = "";
            int same = station_dacl_is(ws, ws_sd, &found, &err);
            if (named_err)
                snprintf(why, sizeof why,
                         "; a station of its own could not be named (CreateWindowStationW: "
                         "error %lu)",
                         (unsigned long)named_err);
            if (same < 0)
                e = cordon__fail(CORDON_ERR_OS,
                                 "the DACL of the window station %s (the runner's) cannot be "
                                 "verified: GetSecurityInfo gave none (error %lu)%s",
                                 name ? name : "?", (unsigned long)err, why);
            else if (!same)
                e = cordon__fail(CORDON_ERR_SETUP,
                                 "the window station %s of this logon session exists with a "
                                 "DACL cordon did not make (%s: another program made it, or "
                                 "this process runs on it), so cordon does not run the sandbox "
                                 "user there%s. Fix: run cordon from an interactive logon or "
                                 "elevated (Administrators may name a station), or end the "
                                 "program that made it",
                                 name ? name : "?", found ? found : "?", why);
            free(found);
            free(name);
            if (e != CORDON_OK)
                goto done;
        }
    }
    /* The runner's desktop: made on the calling process's window station,
     * so this process is switched to the run's for that one call, with
     * every other desktop made by cordon held off (the lock). */
    swprintf(dk_name, sizeof dk_name / sizeof dk_name[0],
             L"cordon-runner-%lu-%ld-%02x%02x%02x%02x", (unsigned long)GetCurrentProcessId(),
             (long)InterlockedIncrement(&counter), rnd[4], rnd[5], rnd[6], rnd[7]);
    sa.lpSecurityDescriptor = dk_sd;
    AcquireSRWLockExclusive(&cordon__win_desktop_lock);
    old = GetProcessWindowStation();
    if (!SetProcessWindowStation(ws)) {
        err = GetLastError();
        call = "SetProcessWindowStation";
    } else {
        dk = CreateDesktopW(dk_name, NULL, NULL, 0, CORDON__WIN_DESKTOP_ALL, &sa);
        err = dk ? 0 : GetLastError();
        call = "CreateDesktopW";
        if (!SetProcessWindowStation(old)) {
            /* Not expected (the handle is this process's own); said, and
             * the run refused. */
            DWORD back = GetLastError();
            ReleaseSRWLockExclusive(&cordon__win_desktop_lock);
            e = cordon__win_fail("cannot switch back to this process's window station after "
                                 "making the runner's desktop",
                                 "SetProcessWindowStation", back);
            goto done;
        }
    }
    ReleaseSRWLockExclusive(&cordon__win_desktop_lock);
    if (!dk) {
        e = cordon__win_fail("cannot make the runner's desktop on its window station", call,
                             err);
        goto done;
    }
    swprintf(out->name, sizeof out->name / sizeof out->name[0], L"%ls\\%ls", ws_name, dk_name);
done:
    if (e != CORDON_OK) {
        if (dk)
            CloseDesktop(dk);
        if (ws)
            CloseWindowStation(ws);
        memset(out, 0, sizeof *out);
    } else {
        out->winsta = ws;
        out->desk = dk;
    }
    if (ws_sd)
        LocalFree(ws_sd);
    if (dk_sd)
        LocalFree(dk_sd);
    free(ws_sddl);
    free(dk_sddl);
    for (i = 0; i < 8; i++)
        rnd[i] = 0;
    return e;
}

void cordon__win_station_free(struct cordon__win_station *s)
{
    if (s->desk)
        CloseDesktop((HDESK)s->desk);
    if (s->winsta)
        CloseWindowStation((HWINSTA)s->winsta);
    memset(s, 0, sizeof *s);
}

cordon_error cordon__win_runner_start(const char *runner, const char *user, const char *password,
                                      const char *sandbox_sid,
                                      struct cordon__win_runner_conn **out)
{
    unsigned long logon_error = 0;
    return cordon__win_runner_start_ex(runner, user, password, sandbox_sid, NULL, out,
                                       &logon_error);
}

cordon_error cordon__win_runner_start_ex(const char *runner, const char *user,
                                         const char *password, const char *sandbox_sid,
                                         const char *peer_sid,
                                         struct cordon__win_runner_conn **out,
                                         unsigned long *logon_error)
{
    struct cordon__win_runner_conn *c = cordon__xcalloc(1, sizeof *c);
    const char *me = cordon__win_user_sid();
    char name[128], *sddl = NULL, *cmd = NULL;
    unsigned char rnd[8];
    wchar_t *wsddl = NULL, *wcmd = NULL, *wrunner = NULL, *wuser = NULL, *wpw = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES sa;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    ULONG client = 0;
    cordon_error e = CORDON_OK;
    int i;

    *out = NULL;
    *logon_error = 0;
    if (!c || !me) {
        free(c);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the runner");
    }
    InitializeCriticalSection(&c->lock);
    c->to = c->from = INVALID_HANDLE_VALUE;
    if (BCryptGenRandom(NULL, rnd, sizeof rnd, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
        for (i = 0; i < 8; i++)
            rnd[i] = (unsigned char)(GetTickCount() >> (i * 3));
    {
        /* A name nobody can guess ahead: FILE_FLAG_FIRST_PIPE_INSTANCE
         * makes a squatter fail the create anyway. */
        LARGE_INTEGER qpc;
        QueryPerformanceCounter(&qpc);
        snprintf(name, sizeof name,
                 "\\\\.\\pipe\\cordon-runner-%lu-%llx-%02x%02x%02x%02x%02x%02x%02x%02x",
                 (unsigned long)GetCurrentProcessId(), (unsigned long long)qpc.QuadPart, rnd[0],
                 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    }
    sddl = cordon__win_pipe_sddl(me, user ? sandbox_sid : NULL);
    wsddl = sddl ? cordon__win_wide(sddl) : NULL;
    if (!wsddl || !ConvertStringSecurityDescriptorToSecurityDescriptorW(wsddl, SDDL_REVISION_1, &sd,
                                                                        NULL)) {
        e = cordon__win_fail("cannot build the runner pipes' DACL",
                             "ConvertStringSecurityDescriptorToSecurityDescriptorW", GetLastError());
        goto done;
    }
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = sd;
    sa.bInheritHandle = FALSE;
    c->to = make_pipe(name, "in", PIPE_ACCESS_OUTBOUND, &sa);
    c->from = make_pipe(name, "out", PIPE_ACCESS_INBOUND, &sa);
    if (c->to == INVALID_HANDLE_VALUE || c->from == INVALID_HANDLE_VALUE) {
        e = cordon__win_failf("CreateNamedPipeW", GetLastError(), "cannot make the pipes %s", name);
        goto done;
    }
    cmd = cordon__asprintf("\"%s\" --pipe %s --server-pid %lu%s", runner, name,
                           (unsigned long)GetCurrentProcessId(), user ? "" : " --same-user");
    wcmd = cmd ? cordon__win_wide(cmd) : NULL;
    wrunner = cordon__win_wide(runner);
    if (!wcmd || !wrunner) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the runner");
        goto done;
    }
    /* A window station and desktop of this run's, named in lpDesktop:
     * CreateProcessWithLogonW then grants the runner's logon SID nothing
     * of the caller's WinSta0\Default (it does so only for a NULL
     * lpDesktop), which the command, holding that SID as a restricting
     * SID, would pass both access checks on. The seam uses the same. */
    if ((e = cordon__win_station_make(me, user ? sandbox_sid : NULL, user ? peer_sid : NULL, 0,
                                      &c->station)) != CORDON_OK)
        goto done;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.lpDesktop = c->station.name;
    memset(&pi, 0, sizeof pi);
    if (user) {
        wchar_t *wdir = cordon__win_wide(runner), *cut = wdir ? wcsrchr(wdir, L'\\') : NULL;
        DWORD err = 0;
        BOOL ok;
        wuser = cordon__win_wide(user);
        wpw = password ? cordon__win_wide(password) : NULL;
        if (cut)
            *cut = L'\0';
        /* No profile load (dwLogonFlags 0): nothing of the sandbox user's
         * profile is made or kept per command. Started in its own
         * directory: the caller's current directory may be one the
         * sandbox user cannot open. */
        ok = wuser && wpw &&
             CreateProcessWithLogonW(wuser, L".", wpw, 0, wrunner, wcmd,
                                     CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT, NULL,
                                     cut ? wdir : NULL, &si, &pi);
        if (!ok)
            err = GetLastError();
        free(wdir);
        if (!ok) {
            const struct cordon__win_logon_error *le = cordon__win_logon_error(err);
            *logon_error = err;
            e = le ? cordon__fail(CORDON_ERR_SETUP,
                                  "cannot start the runner as %s: %s (CreateProcessWithLogonW: "
                                  "error %lu). Fix: %s",
                                  user, le->cause, (unsigned long)err, le->fix)
                   : cordon__win_failf("CreateProcessWithLogonW", err,
                                       "cannot start the runner %s as %s", runner, user);
            goto done;
        }
    } else if (!CreateProcessW(wrunner, wcmd, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si,
                               &pi)) {
        e = cordon__win_failf("CreateProcessW", GetLastError(), "cannot start the runner %s", runner);
        goto done;
    }
    CloseHandle(pi.hThread);
    c->process = pi.hProcess;
    c->pid = pi.dwProcessId;
    /* The runner opens NAME-out first, then NAME-in. */
    if (!await_client(c->from, c->process) || !await_client(c->to, c->process)) {
        e = cordon__fail(CORDON_ERR_SETUP, "the runner %s did not connect to its pipes", runner);
        goto done;
    }
    /* Both clients are the runner this process started. */
    if (!GetNamedPipeClientProcessId(c->from, &client) || client != c->pid ||
        !GetNamedPipeClientProcessId(c->to, &client) || client != c->pid) {
        e = cordon__fail(CORDON_ERR_SETUP, "a process other than the runner (%lu, not %lu) "
                         "connected to its pipe", (unsigned long)client, (unsigned long)c->pid);
        goto done;
    }
    c->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    c->started = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!c->done || !c->started)
        e = cordon__win_fail("cannot make an event", "CreateEventW", GetLastError());
done:
    if (wpw) {
        SecureZeroMemory(wpw, wcslen(wpw) * sizeof *wpw);
        free(wpw);
    }
    free(wuser);
    free(wrunner);
    free(wcmd);
    free(cmd);
    free(wsddl);
    free(sddl);
    if (sd)
        LocalFree(sd);
    if (e != CORDON_OK) {
        cordon__win_runner_close(c);
        return e;
    }
    *out = c;
    return CORDON_OK;
}

/* Reads frames until EXIT or ERROR (or a broken pipe), writing relayed
 * output to the caller's handles. */
static DWORD WINAPI reader(void *arg)
{
    struct cordon__win_runner_conn *c = arg;
    unsigned char *buf = malloc(CORDON__IPC_MAX_PAYLOAD + CORDON__IPC_HEADER_SIZE);
    size_t have = 0;
    int end = 0;
    if (!buf) {
        snprintf(c->error, sizeof c->error, "out of memory reading the runner");
        SetEvent(c->done);
        return 0;
    }
    while (!end) {
        struct cordon__ipc_msg m;
        size_t used = 0, need = 0;
        DWORD got = 0;
        memset(&m, 0, sizeof m);
        if (have && cordon__ipc_decode(buf, have, &m, &used, &need) != CORDON_OK) {
            snprintf(c->error, sizeof c->error, "the runner sent an invalid frame: %s",
                     cordon_last_error());
            break;
        }
        if (!used) {
            if (have >= CORDON__IPC_MAX_PAYLOAD + CORDON__IPC_HEADER_SIZE ||
                !io(c->from, 0, buf + have,
                    (DWORD)(CORDON__IPC_MAX_PAYLOAD + CORDON__IPC_HEADER_SIZE - have), &got) ||
                !got) {
                if (!c->got_exit && !c->error[0])
                    snprintf(c->error, sizeof c->error, "the runner ended without an exit status");
                break;
            }
            have += got;
            continue;
        }
        memmove(buf, buf + used, have - used);
        have -= used;
        if (m.type == CORDON__IPC_STDIO && (m.stream == 1 || m.stream == 2) && m.data_len) {
            HANDLE h = c->stdio[m.stream];
            DWORD put;
            if (h && h != INVALID_HANDLE_VALUE && !InterlockedCompareExchange(&c->closing, 0, 0))
                WriteFile(h, m.data, (DWORD)m.data_len, &put, NULL);
        } else if (m.type == CORDON__IPC_STARTED) {
            c->cmd_pid = (long long)m.pid;
            SetEvent(c->started);
        } else if (m.type == CORDON__IPC_EXIT) {
            c->exit_code = m.exit_code;
            c->got_exit = 1;
            end = 1;
        } else if (m.type == CORDON__IPC_ERROR) {
            const char *stage = cordon__ipc_stage_name(m.stage);
            c->error_stage = m.stage;
            c->error_code = m.os_code;
            snprintf(c->error, sizeof c->error, "the runner stopped at stage %s: %s",
                     stage ? stage : "unknown", m.message ? m.message : "no message");
            end = 1;
        }
        cordon__ipc_msg_free(&m);
    }
    free(buf);
    SetEvent(c->done);
    SetEvent(c->started);
    return 0;
}

static DWORD WINAPI stdin_pump(void *arg)
{
    struct cordon__win_runner_conn *c = arg;
    cordon__win_ipc_pump(c->stdio[0], 0, c->to, &c->lock);
    return 0;
}

static void finish(struct cordon__win_runner_conn *c);

/* Ends the runner process at once; its kill-on-close job ends the
 * command's tree with it, and both of its pipes break, which ends the
 * reader. */
static void end_runner(struct cordon__win_runner_conn *c)
{
    if (c->process && WaitForSingleObject(c->process, 0) != WAIT_OBJECT_0) {
        TerminateProcess(c->process, 1);
        WaitForSingleObject(c->process, 5000);
    }
}

/* The runner's ERROR (or its silence) as a cordon error. */
static cordon_error runner_error(const struct cordon__win_runner_conn *c)
{
    return cordon__fail(c->error_stage == CORDON__IPC_STAGE_EXEC ? CORDON_ERR_NOT_FOUND
                                                                 : CORDON_ERR_SETUP,
                        "%s (Win32 error %lld)",
                        c->error[0] ? c->error : "the runner gave no exit status", c->error_code);
}

cordon_error cordon__win_runner_begin(struct cordon__win_runner_conn *c,
                                      const struct cordon__ipc_spawn *req, void *stdio[3])
{
    static const DWORD std_ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    struct cordon__ipc_msg m;
    HANDLE waits[2];
    int i;

    if (c->begun)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "the runner already has a command");
    c->begun = 1;
    for (i = 0; i < 3; i++) {
        HANDLE h = stdio ? (HANDLE)stdio[i] : NULL;
        /* CORDON_STDIO_INHERIT is INVALID_HANDLE_VALUE: the caller's own. */
        if (h == INVALID_HANDLE_VALUE)
            h = GetStdHandle(std_ids[i]);
        c->stdio[i] = h == INVALID_HANDLE_VALUE ? NULL : h;
    }
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SPAWN;
    m.spawn = *req;
    if (send_msg(c, &m) != 0)
        return cordon__fail(CORDON_ERR_IO, "cannot send the request to the runner (%s)",
                            cordon_last_error());
    c->rt = CreateThread(NULL, 0, reader, c, 0, NULL);
    if (!c->rt) {
        /* Nobody would set |started| or |done|: the runner (and the
         * command it may have started in its kill-on-close job) is ended
         * now, not waited for. */
        DWORD err = GetLastError();
        end_runner(c);
        c->finished = 1;
        return cordon__win_fail("cannot start the runner relay", "CreateThread", err);
    }
    if (c->stdio[0] && req->stdio_mode[0] == CORDON__IPC_STDIO_RELAYED) {
        c->st = CreateThread(NULL, 0, stdin_pump, c, 0, NULL);
        if (!c->st) {
            /* Sending the end of stdin instead would run the command on
             * input it was not given: end the run. */
            DWORD err = GetLastError();
            end_runner(c);
            finish(c);
            return cordon__win_fail("cannot start the runner's stdin relay", "CreateThread", err);
        }
    } else {
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_STDIO;
        send_msg(c, &m); /* no stdin: its end at once */
    }
    /* STARTED, or the runner's ERROR (or its end) before it. Bounded: a
     * runner that neither starts nor fails is ended. */
    waits[0] = c->started;
    waits[1] = c->process;
    if (WaitForMultipleObjects(2, waits, FALSE, 120000) == WAIT_TIMEOUT) {
        end_runner(c);
        WaitForSingleObject(c->done, 10000);
    } else if (WaitForSingleObject(c->started, 0) != WAIT_OBJECT_0) {
        /* The runner ended without a word: the reader sees the pipe break. */
        WaitForSingleObject(c->done, 10000);
    }
    if (c->cmd_pid)
        return CORDON_OK;
    finish(c);
    return runner_error(c);
}

/* Waits for relay thread |*t| to return, at most about |ms|, cancelling
 * what it may block in meanwhile: a read or write on the pipes
 * (overlapped: CancelIoEx on the handle, from any thread) or a synchronous
 * read or write of the caller's handles (CancelSynchronousIo on the
 * thread). A cancel sent before the thread reaches its next call misses
 * it, so it is sent again until the thread is gone. 1 joined (the handle
 * is closed and *t NULL), 0 not: *t stays, and the conn with it. */
static int join(struct cordon__win_runner_conn *c, HANDLE *t, DWORD ms)
{
    DWORD waited = 0;
    if (!*t)
        return 1;
    while (WaitForSingleObject(*t, 50) != WAIT_OBJECT_0) {
        if (waited >= ms)
            return 0;
        waited += 50;
        CancelSynchronousIo(*t);
        if (c->from != INVALID_HANDLE_VALUE)
            CancelIoEx(c->from, NULL);
        if (c->to != INVALID_HANDLE_VALUE)
            CancelIoEx(c->to, NULL);
    }
    CloseHandle(*t);
    *t = NULL;
    return 1;
}

/* Joins the relay threads once the runner is done (or ended). A thread
 * that does not return within 10 s after its I/O was cancelled marks the
 * conn stuck: cordon__win_runner_close then leaves it (and the handles
 * the thread may still use) allocated rather than free memory a running
 * thread reads. */
static void finish(struct cordon__win_runner_conn *c)
{
    if (c->finished)
        return;
    c->finished = 1;
    /* The reader ends on EXIT, ERROR or a broken pipe (the caller ended
     * the runner before joining); the stdin pump may be blocked reading
     * the caller's stdin until cancelled. Nothing of this run is touched
     * after both returned. */
    if (!join(c, &c->rt, 10000) || !join(c, &c->st, 10000))
        c->stuck = 1;
}

void cordon__win_runner_kill(struct cordon__win_runner_conn *c)
{
    struct cordon__ipc_msg m;
    if (WaitForSingleObject(c->done, 0) == WAIT_OBJECT_0)
        return;
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SIGNAL;
    m.signal = CORDON__IPC_SIG_KILL;
    send_msg(c, &m);
    /* The runner ends the job and reports EXIT; one that does not answer
     * is ended, and its kill-on-close job with it. */
    if (WaitForSingleObject(c->done, 10000) != WAIT_OBJECT_0) {
        end_runner(c);
        WaitForSingleObject(c->done, 10000);
    }
}

int cordon__win_runner_ended(struct cordon__win_runner_conn *c, unsigned long timeout_ms)
{
    return WaitForSingleObject(c->done, (DWORD)timeout_ms) == WAIT_OBJECT_0;
}

long long cordon__win_runner_pid(const struct cordon__win_runner_conn *c)
{
    return c->cmd_pid ? c->cmd_pid : (long long)c->pid;
}

cordon_error cordon__win_runner_wait(struct cordon__win_runner_conn *c, unsigned long timeout_ms,
                                     int *exit_code, int *timed_out)
{
    *exit_code = -1;
    *timed_out = 0;
    if (!c->finished && WaitForSingleObject(c->done, timeout_ms ? (DWORD)timeout_ms : INFINITE) ==
                            WAIT_TIMEOUT) {
        c->timed_out = 1;
        cordon__win_runner_kill(c);
    }
    finish(c);
    *timed_out = c->timed_out;
    if (c->got_exit) {
        *exit_code = c->exit_code;
        return CORDON_OK;
    }
    return runner_error(c);
}

cordon_error cordon__win_runner_run(struct cordon__win_runner_conn *c,
                                    const struct cordon__ipc_spawn *req, void *stdio[3],
                                    unsigned long timeout_ms, int *exit_code, int *timed_out)
{
    cordon_error e = cordon__win_runner_begin(c, req, stdio);
    *exit_code = -1;
    *timed_out = 0;
    if (e != CORDON_OK)
        return e;
    return cordon__win_runner_wait(c, timeout_ms, exit_code, timed_out);
}

void cordon__win_runner_close(struct cordon__win_runner_conn *c)
{
    if (!c)
        return;
    /* 1. The command, then the runner, end: a command still running is
     * killed through the runner (which answers EXIT), a runner that did
     * not go by itself within 10 s of its last word (or was never given
     * a command) is ended; its kill-on-close job ends what is left. */
    if (c->begun && !c->finished) {
        /* Nobody wants this run's output any more: the reader stops
         * writing it (a write blocked on a caller's pipe nobody reads is
         * cancelled), so that it reads the runner's EXIT at once. */
        InterlockedExchange(&c->closing, 1);
        if (c->rt)
            CancelSynchronousIo(c->rt);
        cordon__win_runner_kill(c);
    }
    if (c->process && WaitForSingleObject(c->process, c->begun ? 10000 : 0) != WAIT_OBJECT_0)
        end_runner(c);
    /* 2. The relay threads are joined, their pending I/O cancelled; only
     * then do the pipes, events and lock they use go. */
    if (c->begun)
        finish(c);
    if (c->stuck) {
        /* A relay thread still runs and may yet touch |c|, its pipes or
         * its events: leaking them is the only safe choice (closed
         * handles may be reused by the time it runs again). */
        InterlockedIncrement(&cordon__win_runner_leaked);
        return;
    }
    if (c->to != INVALID_HANDLE_VALUE && c->to)
        CloseHandle(c->to);
    if (c->from != INVALID_HANDLE_VALUE && c->from)
        CloseHandle(c->from);
    if (c->process)
        CloseHandle(c->process);
    if (c->done)
        CloseHandle(c->done);
    if (c->started)
        CloseHandle(c->started);
    /* The runner is gone: its window station and desktop go with the
     * last handle (another run's, when the station is shared). */
    cordon__win_station_free(&c->station);
    DeleteCriticalSection(&c->lock);
    free(c);
}
