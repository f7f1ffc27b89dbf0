/* The harness API on Windows, for the full-access and the unelevated
 * backend: cordon_spawn() returns while the command runs, so the caller
 * reads 64 MiB through a pipe and then waits; cordon_wait() with a
 * timeout leaves a running command alone; cordon_kill() ends it; the
 * handle's pid is the command's; the run's own timeout holds while the
 * caller waits in steps. */
#include "wintest.h"

#define BIG (64ul * 1024 * 1024)

static cordon_process *start(const char *pol, const char *const *argv, const char *cwd,
                             HANDLE out, unsigned timeout_s)
{
    cordon_policy *p = NULL;
    cordon_run_options o;
    cordon_process *h = NULL;
    cordon_levels lv;
    cordon_error e;

    CHECK(cordon_policy_builtin(pol, &p) == CORDON_OK);
    cordon_run_options_init(&o);
    o.argv = argv;
    o.cwd = cwd;
    o.timeout_s = timeout_s;
    if (out)
        o.stdio[1] = (cordon_os_handle)out;
    e = cordon_spawn(p, &o, &lv, &h);
    cordon_policy_free(p);
    CHECK_MSG(e == CORDON_OK && h, "%s: spawn: %s", pol, cordon_last_error());
    CHECK(lv.n_dims == CORDON_DIM_COUNT && lv.backend[0]);
    return h;
}

static void big_pipe(const char *pol, const char *probe, const char *cwd)
{
    char size[32];
    const char *argv[] = {probe, "zeros", size, NULL};
    static char buf[1 << 16];
    unsigned long total = 0;
    HANDLE rd = NULL, wr = NULL;
    cordon_process *h;
    cordon_run_result r;
    DWORD n;
    int polled = 0;

    snprintf(size, sizeof size, "%lu", BIG);
    CHECK(CreatePipe(&rd, &wr, NULL, 65536));
    h = start(pol, argv, cwd, wr, 0);
    CloseHandle(wr); /* ours: the command holds its own copy */
    while (ReadFile(rd, buf, sizeof buf, &n, NULL) && n > 0) {
        total += n;
        if (!polled && h) {
            CHECK_MSG(cordon_wait(h, 0, &r) == CORDON_ERR_TIMEOUT, "%s: %s", pol,
                      cordon_last_error());
            polled = 1;
        }
    }
    CloseHandle(rd);
    CHECK_MSG(total == BIG, "%s: read %lu bytes of %lu", pol, total, BIG);
    if (!h)
        return;
    CHECK_MSG(cordon_wait(h, CORDON_WAIT_INFINITE, &r) == CORDON_OK, "%s: %s", pol,
              cordon_last_error());
    CHECK_MSG(r.exit_code == 0 && !r.timed_out, "%s: exit %d", pol, r.exit_code);
    cordon_process_free(h);
}

static int alive(DWORD pid)
{
    HANDLE p = OpenProcess(SYNCHRONIZE, FALSE, pid);
    DWORD r;
    if (!p)
        return 0;
    r = WaitForSingleObject(p, 0);
    CloseHandle(p);
    return r == WAIT_TIMEOUT;
}

static void timeout_kill(const char *pol, const char *probe, const char *cwd)
{
    const char *argv[] = {probe, "sleep", "30000", NULL};
    cordon_process *h = start(pol, argv, cwd, NULL, 0);
    cordon_run_result r;
    DWORD t;
    long long pid;
    cordon_error e;
    int steps = 0;

    if (h) {
        pid = cordon_process_pid(h);
        CHECK(pid > 0 && alive((DWORD)pid));
        t = GetTickCount();
        CHECK(cordon_wait(h, 200, &r) == CORDON_ERR_TIMEOUT);
        CHECK_MSG(GetTickCount() - t >= 150, "%s: returned after %lu ms", pol,
                  (unsigned long)(GetTickCount() - t));
        CHECK(alive((DWORD)pid));
        CHECK(cordon_kill(h) == CORDON_OK);
        CHECK_MSG(cordon_wait(h, 10000, &r) == CORDON_OK, "%s: %s", pol, cordon_last_error());
        CHECK(!r.timed_out && r.exit_code == 1);
        CHECK(!alive((DWORD)pid));
        cordon_process_free(h);
    }
    /* The run's own timeout, while the caller waits in short steps. */
    if ((h = start(pol, argv, cwd, NULL, 1)) != NULL) {
        while ((e = cordon_wait(h, 100, &r)) == CORDON_ERR_TIMEOUT && steps < 200)
            steps++;
        CHECK_MSG(e == CORDON_OK && r.timed_out && steps >= 5, "%s: %s, %d steps", pol,
                  e ? cordon_last_error() : "ended", steps);
        cordon_process_free(h);
    }
    /* Freed while running: ended. */
    if ((h = start(pol, argv, cwd, NULL, 0)) != NULL) {
        pid = cordon_process_pid(h);
        cordon_process_free(h);
        Sleep(200);
        CHECK_MSG(!alive((DWORD)pid), "%s: still running after free", pol);
    }
}

int main(void)
{
    static const char *const pols[] = {"full-access", "workspace-write"};
    char *probe = probe_exe();
    char *dir = make_temp_dir("spawn");
    size_t i;

    for (i = 0; i < sizeof pols / sizeof pols[0]; i++) {
        big_pipe(pols[i], probe, dir);
        timeout_kill(pols[i], probe, dir);
    }
    remove_dir_tree(dir);
    free(dir);
    free(probe);
    TEST_MAIN_END();
}
