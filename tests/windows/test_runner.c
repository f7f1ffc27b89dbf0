/* cordon-runner.exe end to end through the same-user seam (the runner
 * started with CreateProcessW instead of CreateProcessWithLogonW;
 * everything after the logon is real): this test plays cordon's part,
 * serving the two named pipes, checking the client is the runner it
 * started, sending core's SPAWN request (cordon__win_runner_request) and
 * reading STARTED, relayed stdout and stderr, EXIT or ERROR. Also: stdin
 * relayed, a kill, a program that does not exist, garbage instead of a
 * request, a runner pointed at another server, and a runner without the
 * seam on a host without setup (refused at stage setup).
 *   argv[1]: cordon-runner.exe */
#include "elevated_win.h"
#include "wintest.h"

static const char *runner_exe;

struct conn {
    HANDLE to, from; /* we write "-in", read "-out" */
    PROCESS_INFORMATION pi;
    char name[128];
};

static HANDLE make_pipe(const char *name, const char *suffix, DWORD dir)
{
    char *full = cordon__asprintf("%s-%s", name, suffix);
    wchar_t *w = cordon__win_wide(full);
    HANDLE h = CreateNamedPipeW(w, dir | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                                    PIPE_REJECT_REMOTE_CLIENTS,
                                1, 65536, 65536, 0, NULL);
    free(w);
    free(full);
    return h;
}

/* Starts the runner; |extra| is appended to its command line. */
static int start(struct conn *c, const char *extra, unsigned long server_pid)
{
    STARTUPINFOW si;
    char *cmd;
    wchar_t *wcmd;
    ULONG client = 0;
    static int seq;
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "\\\\.\\pipe\\cordon-runner-test-%lu-%d",
             (unsigned long)GetCurrentProcessId(), ++seq);
    c->to = make_pipe(c->name, "in", PIPE_ACCESS_OUTBOUND);
    c->from = make_pipe(c->name, "out", PIPE_ACCESS_INBOUND);
    CHECK(c->to != INVALID_HANDLE_VALUE && c->from != INVALID_HANDLE_VALUE);
    cmd = cordon__asprintf("\"%s\" --pipe %s --server-pid %lu %s", runner_exe, c->name,
                           server_pid ? server_pid : (unsigned long)GetCurrentProcessId(), extra);
    wcmd = cordon__win_wide(cmd);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(NULL, wcmd, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &c->pi)) {
        CHECK_MSG(0, "CreateProcessW(%s): error %lu", cmd, (unsigned long)GetLastError());
        free(cmd);
        free(wcmd);
        return -1;
    }
    free(cmd);
    free(wcmd);
    if (!ConnectNamedPipe(c->from, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
        return -1;
    if (!ConnectNamedPipe(c->to, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
        return -1;
    /* The client is the runner this process started. */
    CHECK(GetNamedPipeClientProcessId(c->from, &client) && client == c->pi.dwProcessId);
    CHECK(GetNamedPipeClientProcessId(c->to, &client) && client == c->pi.dwProcessId);
    return 0;
}

static void stop(struct conn *c)
{
    if (c->to && c->to != INVALID_HANDLE_VALUE)
        CloseHandle(c->to);
    if (c->pi.hProcess) {
        CHECK(WaitForSingleObject(c->pi.hProcess, 20000) == WAIT_OBJECT_0);
        CloseHandle(c->pi.hProcess);
        CloseHandle(c->pi.hThread);
    }
    if (c->from && c->from != INVALID_HANDLE_VALUE)
        CloseHandle(c->from);
}

static void send_raw(struct conn *c, const void *p, size_t n)
{
    DWORD put = 0;
    CHECK(WriteFile(c->to, p, (DWORD)n, &put, NULL) && put == n);
}

static void send_msg(struct conn *c, const struct cordon__ipc_msg *m)
{
    struct cordon__buf b = {0};
    CHECK(cordon__ipc_encode(m, &b) == CORDON_OK);
    send_raw(c, b.p, b.len);
    cordon__buf_free(&b);
}

static int recv_msg(struct conn *c, struct cordon__ipc_msg *m)
{
    static unsigned char buf[1 << 21];
    static size_t have;
    size_t used = 0, need = 0;
    for (;;) {
        DWORD got = 0;
        if (have && cordon__ipc_decode(buf, have, m, &used, &need) == CORDON_OK && used) {
            memmove(buf, buf + used, have - used);
            have -= used;
            return 0;
        }
        if (!ReadFile(c->from, buf + have, (DWORD)(sizeof buf - have), &got, NULL) || !got) {
            have = 0;
            return -1;
        }
        have += got;
    }
}

/* The spawn request for |argv| as cordon builds it. */
static void request(const char *const *argv, const char *dir, struct cordon__ipc_msg *m)
{
    cordon_policy *ro = NULL;
    struct cordon__host host;
    struct cordon__plan plan;
    struct cordon__strv env = {0};
    const char **envp;
    size_t i;
    CHECK(cordon_policy_builtin("read-only", &ro) == CORDON_OK);
    CHECK(cordon__os_host(&host) == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(ro, dir, &host, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(cordon__os_environ(&env) == CORDON_OK);
    envp = cordon__xcalloc(env.n + 1, sizeof *envp);
    for (i = 0; i < env.n; i++)
        envp[i] = env.v[i];
    memset(m, 0, sizeof *m);
    m->type = CORDON__IPC_SPAWN;
    CHECK(cordon__win_runner_request(&plan, argv, envp, dir, &m->spawn) == CORDON_OK);
    CHECK(cordon__win_runner_request_sids(&plan, &m->spawn) == CORDON_OK);
    free(envp);
    cordon__strv_free(&env);
    cordon__plan_free(&plan);
    cordon_policy_free(ro);
}

struct outcome {
    int started, exited, exit_code, error_stage;
    char out[4096], err[1024], error[600];
};

static void collect(struct conn *c, struct outcome *o)
{
    struct cordon__ipc_msg m;
    size_t lo = 0, le = 0;
    memset(o, 0, sizeof *o);
    while (recv_msg(c, &m) == 0) {
        if (m.type == CORDON__IPC_STARTED) {
            o->started = m.pid > 0;
        } else if (m.type == CORDON__IPC_STDIO && m.stream == 1 && m.data_len &&
                   lo + m.data_len < sizeof o->out) {
            memcpy(o->out + lo, m.data, m.data_len);
            lo += m.data_len;
        } else if (m.type == CORDON__IPC_STDIO && m.stream == 2 && m.data_len &&
                   le + m.data_len < sizeof o->err) {
            memcpy(o->err + le, m.data, m.data_len);
            le += m.data_len;
        } else if (m.type == CORDON__IPC_EXIT) {
            o->exited = 1;
            o->exit_code = m.exit_code;
        } else if (m.type == CORDON__IPC_ERROR) {
            o->error_stage = m.stage;
            snprintf(o->error, sizeof o->error, "%s", m.message ? m.message : "");
        }
        {
            int last = m.type == CORDON__IPC_EXIT || m.type == CORDON__IPC_ERROR;
            cordon__ipc_msg_free(&m);
            if (last)
                break;
        }
    }
}

static void run_case(const char *const *argv, const char *dir, const char *extra,
                     const char *stdin_text, int kill_after_start, struct outcome *o)
{
    struct conn c;
    struct cordon__ipc_msg m;
    if (start(&c, extra, 0) != 0) {
        CHECK_MSG(0, "the runner did not connect");
        stop(&c);
        return;
    }
    request(argv, dir, &m);
    send_msg(&c, &m);
    cordon__ipc_msg_free(&m);
    if (stdin_text) {
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_STDIO;
        m.stream = 0;
        m.data = (unsigned char *)stdin_text;
        m.data_len = strlen(stdin_text);
        send_msg(&c, &m);
        m.data = NULL;
        m.data_len = 0;
        send_msg(&c, &m); /* end of stdin */
    }
    if (kill_after_start) {
        struct cordon__ipc_msg s;
        CHECK(recv_msg(&c, &s) == 0 && s.type == CORDON__IPC_STARTED);
        cordon__ipc_msg_free(&s);
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_SIGNAL;
        m.signal = CORDON__IPC_SIG_KILL;
        send_msg(&c, &m);
    }
    collect(&c, o);
    if (kill_after_start)
        o->started = 1;
    stop(&c);
}

int main(int argc, char **argv)
{
    char *dir = make_temp_dir("runner"), *probe = probe_exe();
    struct outcome o;

    if (argc < 2)
        SKIP("usage: win_runner CORDON-RUNNER.EXE");
    runner_exe = argv[1];

    {
        /* The runner names its protocol in its own bytes, where
         * cordon-setup reads it before recording it in the marker. */
        FILE *f = fopen(runner_exe, "rb");
        static unsigned char bytes[16u << 20];
        size_t n = f ? fread(bytes, 1, sizeof bytes, f) : 0;
        if (f)
            fclose(f);
        CHECK_MSG(n > 0 && n < sizeof bytes, "cannot read %s", runner_exe);
        CHECK_MSG(cordon__ipc_runner_tag(bytes, n) == CORDON__IPC_VERSION,
                  "%s names runner protocol %d, this cordon speaks %d", runner_exe,
                  cordon__ipc_runner_tag(bytes, n), CORDON__IPC_VERSION);
    }

    {
        /* What the runner confirms of the command's token before STARTED
         * (cordon__win_token_facts, cordon__win_token_verdict), for a
         * token built here exactly as the runner builds it. Wine fakes
         * tokens (no restricting SID, every privilege, Administrators,
         * high integrity): the verdict must refuse it, and the runner
         * refuses every run there except in the same-user seam, which is
         * the only reason the seam runs below go on under Wine. On
         * Windows the seam is judged like any run: a test user whose
         * token the verdict refuses (an elevated administrator) sees the
         * seam refused at stage restrict, and the rest cannot run. */
        const char *a[] = {probe, "exit", "0", NULL};
        char why[512] = "";
        int verdict = seam_token_verdict(dir, why, sizeof why);
        if (cordon__win_is_wine()) {
            CHECK_MSG(verdict == -1, "Wine's token accepted: is Wine faithful now?");
            printf("Wine fakes tokens: the runner's token check refuses here (%s); the runner "
                   "lets the same-user seam go on under Wine only\n", why);
        } else if (verdict != 0) {
            run_case(a, dir, "--same-user", NULL, 0, &o);
            CHECK(!o.started && o.error_stage == CORDON__IPC_STAGE_RESTRICT);
            CHECK_CONTAINS(o.error, "the command was not started");
            if (test_failures)
                TEST_MAIN_END();
            SKIP("this user's token is refused by the runner's check (%s), so the seam runs "
                 "nothing here: run as a standard user", why);
        } else {
            printf("the runner's token check accepts this user's token\n");
        }
    }

    {
        /* Output relayed, exit status carried. */
        const char *a[] = {probe, "args", "hello", "world", NULL};
        run_case(a, dir, "--same-user", NULL, 0, &o);
        CHECK(o.started && o.exited && o.exit_code == 0);
        CHECK_MSG(strstr(o.out, "hello") && strstr(o.out, "world"), "out: %s (error %s)", o.out,
                  o.error);
    }
    {
        const char *a[] = {probe, "exit", "7", NULL};
        run_case(a, dir, "--same-user", NULL, 0, &o);
        CHECK(o.exited && o.exit_code == 7);
    }
    {
        /* The command sees pipes, never the caller's console. */
        const char *a[] = {probe, "stdio", NULL};
        run_case(a, dir, "--same-user", "", 0, &o);
        CHECK_MSG(strstr(o.out, "pipe pipe pipe") != NULL, "stdio: %s", o.out);
    }
    {
        /* A kill ends the command's tree; EXIT still comes. */
        const char *a[] = {probe, "sleep", "60000", NULL};
        DWORD t0 = GetTickCount();
        run_case(a, dir, "--same-user", NULL, 1, &o);
        CHECK(o.exited);
        CHECK(GetTickCount() - t0 < 30000);
    }
    {
        /* A program that is not there: ERROR at stage exec. */
        const char *a[] = {"C:\\cordon-test-no-such\\nothing.exe", NULL};
        run_case(a, dir, "--same-user", NULL, 0, &o);
        CHECK(!o.started && o.error_stage == CORDON__IPC_STAGE_EXEC);
        CHECK_MSG(o.error[0], "no message");
    }
    {
        /* Without the seam, on a host without setup: refused before
         * anything runs. */
        const char *a[] = {probe, "exit", "0", NULL};
        struct cordon__win_elevated_paths p;
        CHECK(cordon__win_elevated_paths(&p) == CORDON_OK);
        if (!path_exists(p.marker)) {
            run_case(a, dir, "", NULL, 0, &o);
            CHECK(!o.started && o.error_stage == CORDON__IPC_STAGE_SETUP);
            CHECK_CONTAINS(o.error, "setup has not been run");
        }
        cordon__win_elevated_paths_free(&p);
    }
    {
        /* A request without cordon's restricting SIDs (one per root, the
         * run's, the sandbox's) is refused before anything runs: the
         * runner has no other source for them. */
        const char *a[] = {probe, "exit", "0", NULL};
        struct conn c;
        struct cordon__ipc_msg m;
        if (start(&c, "--same-user", 0) == 0) {
            request(a, dir, &m);
            free(m.spawn.sids.v[--m.spawn.sids.n]);
            send_msg(&c, &m);
            cordon__ipc_msg_free(&m);
            collect(&c, &o);
            CHECK(!o.started && o.error_stage == CORDON__IPC_STAGE_RESTRICT);
            CHECK_CONTAINS(o.error, "it needs one per root, the run's and the sandbox's");
        }
        stop(&c);
    }
    {
        /* Garbage instead of a request. */
        struct conn c;
        if (start(&c, "--same-user", 0) == 0) {
            send_raw(&c, "GARBAGE!GARBAGE!", 16);
            collect(&c, &o);
            CHECK(o.error_stage == CORDON__IPC_STAGE_REQUEST);
            CHECK_CONTAINS(o.error, "the request cannot be read");
        }
        stop(&c);
    }
    {
        /* A runner told that another process is its server refuses. */
        struct conn c;
        if (start(&c, "--same-user", 4) == 0) {
            collect(&c, &o);
            CHECK(o.error_stage == CORDON__IPC_STAGE_CALLER);
            CHECK_CONTAINS(o.error, "not by 4");
        }
        stop(&c);
    }
    /* cordon's side (backends/windows/elevated_launch.c) through the seam:
     * the pipes, the client check, the relay into the caller's handles. */
    {
        const char *a1[] = {probe, "args", "hi", "there", NULL};
        const char *a2[] = {probe, "exit", "5", NULL};
        const char *a3[] = {probe, "sleep", "60000", NULL};
        const char *a4[] = {"C:\\cordon-test-no-such\\nothing.exe", NULL};
        const char *const *cases[] = {a1, a2, a3, a4};
        char *file = join(dir, "out.txt");
        int k;
        for (k = 0; k < 4; k++) {
            struct cordon__win_runner_conn *c = NULL;
            struct cordon__ipc_msg m;
            wchar_t *wf = cordon__win_wide(file);
            HANDLE h = CreateFileW(wf, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
            void *io[3] = {NULL, h, h};
            int code = -1, timed_out = 0;
            DWORD t0 = GetTickCount();
            cordon_error e;
            free(wf);
            CHECK_MSG(cordon__win_runner_start(runner_exe, NULL, NULL, NULL, &c) == CORDON_OK, "%s",
                      cordon_last_error());
            if (!c) {
                CloseHandle(h);
                continue;
            }
            request(cases[k], dir, &m);
            e = cordon__win_runner_run(c, &m.spawn, io, k == 2 ? 500 : 0, &code, &timed_out);
            cordon__ipc_msg_free(&m);
            cordon__win_runner_close(c);
            CloseHandle(h);
            if (k == 0) {
                char *text = slurp(file);
                CHECK_MSG(e == CORDON_OK && code == 0, "%s", cordon_last_error());
                CHECK_MSG(text && strstr(text, "hi") && strstr(text, "there"), "out: %s",
                          text ? text : "(none)");
                free(text);
            } else if (k == 1) {
                CHECK(e == CORDON_OK && code == 5);
            } else if (k == 2) {
                CHECK(timed_out);
                CHECK(GetTickCount() - t0 < 20000);
            } else {
                CHECK(e == CORDON_ERR_NOT_FOUND);
                CHECK_CONTAINS(cordon_last_error(), "the runner stopped at stage exec");
            }
        }
        free(file);
    }
    /* Teardown: close right after start (no command: the runner is ended
     * at once), and close while a command runs, prints and waits for
     * stdin the caller never ends (the stdin pump blocked reading the
     * caller's pipe, the reader relaying output): the command and the
     * runner are gone when close returns, and every relay thread was
     * joined (nothing leaked). */
    {
        struct cordon__win_runner_conn *c = NULL;
        DWORD t0 = GetTickCount();
        CHECK_MSG(cordon__win_runner_start(runner_exe, NULL, NULL, NULL, &c) == CORDON_OK, "%s",
                  cordon_last_error());
        if (c) {
            HANDLE rp = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)cordon__win_runner_pid(c));
            cordon__win_runner_close(c);
            CHECK_MSG(GetTickCount() - t0 < 5000, "close after start took %lu ms",
                      (unsigned long)(GetTickCount() - t0));
            CHECK(!rp || WaitForSingleObject(rp, 0) == WAIT_OBJECT_0);
            if (rp)
                CloseHandle(rp);
        }
    }
    {
        const char *a[] = {probe, "zeros", "100000000000", NULL};
        char *file = join(dir, "zeros.bin");
        wchar_t *wf = cordon__win_wide(file);
        SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
        HANDLE h = CreateFileW(wf, GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL);
        HANDLE in_rd = NULL, in_wr = NULL;
        struct cordon__win_runner_conn *c = NULL;
        struct cordon__ipc_msg m;
        long leaked = cordon__win_runner_leaked;
        CHECK(CreatePipe(&in_rd, &in_wr, &sa, 0));
        CHECK_MSG(cordon__win_runner_start(runner_exe, NULL, NULL, NULL, &c) == CORDON_OK, "%s",
                  cordon_last_error());
        request(a, dir, &m);
        if (c) {
            void *io[3] = {in_rd, h, h};
            HANDLE cmd = NULL;
            DWORD t0;
            CHECK_MSG(cordon__win_runner_begin(c, &m.spawn, io) == CORDON_OK, "%s",
                      cordon_last_error());
            cmd = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)cordon__win_runner_pid(c));
            CHECK_MSG(cmd != NULL, "the command (pid %lld) is not running",
                      cordon__win_runner_pid(c));
            Sleep(300); /* printing by now */
            {
                LARGE_INTEGER size = {0};
                CHECK(GetFileSizeEx(h, &size) && size.QuadPart > 0);
                printf("relayed %lld bytes before close\n", (long long)size.QuadPart);
            }
            t0 = GetTickCount();
            cordon__win_runner_close(c);
            printf("close while printing, stdin open: %lu ms\n", (unsigned long)(GetTickCount() - t0));
            CHECK_MSG(GetTickCount() - t0 < 25000, "close while printing took %lu ms",
                      (unsigned long)(GetTickCount() - t0));
            CHECK_MSG(cordon__win_runner_leaked == leaked, "a relay thread was not joined");
            CHECK(!cmd || WaitForSingleObject(cmd, 5000) == WAIT_OBJECT_0);
            if (cmd)
                CloseHandle(cmd);
        }
        cordon__ipc_msg_free(&m);
        CloseHandle(in_wr);
        CloseHandle(in_rd);
        CloseHandle(h);
        DeleteFileW(wf);
        free(wf);
        free(file);
    }
    {
        /* Close while the command prints into a caller's pipe nobody
         * reads: the reader is blocked writing there; close stops the
         * relay (cancelling that write), ends the command and returns. */
        const char *a[] = {probe, "zeros", "100000000000", NULL};
        SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, FALSE};
        HANDLE out_rd = NULL, out_wr = NULL;
        struct cordon__win_runner_conn *c = NULL;
        struct cordon__ipc_msg m;
        long leaked = cordon__win_runner_leaked;
        CHECK(CreatePipe(&out_rd, &out_wr, &sa, 4096));
        CHECK_MSG(cordon__win_runner_start(runner_exe, NULL, NULL, NULL, &c) == CORDON_OK, "%s",
                  cordon_last_error());
        request(a, dir, &m);
        if (c) {
            void *io[3] = {NULL, out_wr, out_wr};
            HANDLE cmd;
            DWORD t0, avail = 0;
            CHECK_MSG(cordon__win_runner_begin(c, &m.spawn, io) == CORDON_OK, "%s",
                      cordon_last_error());
            cmd = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)cordon__win_runner_pid(c));
            Sleep(300);
            CHECK(PeekNamedPipe(out_rd, NULL, 0, NULL, &avail, NULL) && avail > 0);
            t0 = GetTickCount();
            cordon__win_runner_close(c);
            printf("close with the caller's output unread (%lu bytes waiting): %lu ms\n",
                   (unsigned long)avail, (unsigned long)(GetTickCount() - t0));
            CHECK_MSG(GetTickCount() - t0 < 5000, "close with output unread took %lu ms",
                      (unsigned long)(GetTickCount() - t0));
            CHECK_MSG(cordon__win_runner_leaked == leaked, "a relay thread was not joined");
            CHECK(!cmd || WaitForSingleObject(cmd, 5000) == WAIT_OBJECT_0);
            if (cmd)
                CloseHandle(cmd);
        }
        cordon__ipc_msg_free(&m);
        CloseHandle(out_rd);
        CloseHandle(out_wr);
    }
    remove_dir_tree(dir);
    free(dir);
    free(probe);
    TEST_MAIN_END();
}
