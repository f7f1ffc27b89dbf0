/* The harness API on Linux, for the full-access and the sandboxed
 * backend: cordon_spawn() returns while the command runs, so the caller
 * reads 64 MiB through a pipe and then waits; cordon_wait() with a
 * timeout leaves a running command alone; cordon_kill() and the handle's
 * pid reach it; the run's own timeout holds while the caller waits;
 * none of it depends on the caller's SIGCHLD disposition (ignored, or a
 * handler that reaps every child); and the command runs on the caller's
 * CPUs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cordon.h"
#include "harness.h"

#define BIG (64ul * 1024 * 1024)

static char ws[PATH_MAX];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts argv under the built-in policy |pol|; stdout to |out_fd| when
 * not -1. NULL (with a failed check) when it did not start. */
static cordon_process *start(const char *pol, const char *const *argv, int out_fd,
                             unsigned timeout_s)
{
    cordon_policy *p = NULL;
    cordon_run_options o;
    cordon_process *h = NULL;
    cordon_levels lv;
    cordon_error e;

    CHECK(cordon_policy_builtin(pol, &p) == CORDON_OK);
    cordon_run_options_init(&o);
    o.argv = argv;
    o.cwd = ws;
    o.timeout_s = timeout_s;
    if (out_fd >= 0)
        o.stdio[1] = out_fd;
    e = cordon_spawn(p, &o, &lv, &h);
    cordon_policy_free(p); /* the handle does not need it */
    CHECK_MSG(e == CORDON_OK && h, "%s: spawn %s: %s", pol, argv[0], cordon_last_error());
    CHECK(lv.n_dims == CORDON_DIM_COUNT && lv.backend[0]);
    return h;
}

/* 64 MiB through a pipe: read while it runs, then wait. */
static void big_pipe(const char *pol)
{
    char size[32];
    const char *argv[] = {"head", "-c", size, "/dev/zero", NULL};
    static char buf[1 << 16];
    unsigned long total = 0;
    int p[2], polled = 0;
    cordon_process *h;
    cordon_run_result r;
    ssize_t n;

    snprintf(size, sizeof size, "%lu", BIG);
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    h = start(pol, argv, p[1], 0);
    close(p[1]); /* ours: the command holds its own copy */
    while ((n = read(p[0], buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        total += (unsigned long)n;
        if (!polled && h) {
            /* It is blocked on the full pipe: still running. */
            CHECK_MSG(cordon_wait(h, 0, &r) == CORDON_ERR_TIMEOUT, "%s: %s", pol,
                      cordon_last_error());
            polled = 1;
        }
    }
    close(p[0]);
    CHECK_MSG(total == BIG, "%s: read %lu bytes of %lu", pol, total, BIG);
    if (!h)
        return;
    CHECK_MSG(cordon_wait(h, CORDON_WAIT_INFINITE, &r) == CORDON_OK, "%s: %s", pol,
              cordon_last_error());
    CHECK(r.exit_code == 0 && r.term_signal == 0 && !r.timed_out);
    cordon_process_free(h);
}

/* A wait with a timeout ends nothing; the pid is alive; kill ends it. */
static void timeout_kill_pid(const char *pol)
{
    const char *argv[] = {"sleep", "30", NULL};
    cordon_process *h = start(pol, argv, -1, 0);
    cordon_run_result r, again;
    long long pid;
    double t;

    if (!h)
        return;
    pid = cordon_process_pid(h);
    CHECK(pid > 0 && kill((pid_t)pid, 0) == 0);
    t = now_s();
    CHECK(cordon_wait(h, 200, &r) == CORDON_ERR_TIMEOUT);
    CHECK_MSG(now_s() - t >= 0.15, "%s: the wait returned after %.3f s", pol, now_s() - t);
    CHECK(cordon_wait(h, 0, &r) == CORDON_ERR_TIMEOUT);
    CHECK(kill((pid_t)pid, 0) == 0);
    CHECK(cordon_kill(h) == CORDON_OK);
    t = now_s();
    CHECK_MSG(cordon_wait(h, 10000, &r) == CORDON_OK, "%s: %s", pol, cordon_last_error());
    CHECK(now_s() - t < 5.0);
    CHECK_MSG(r.term_signal == SIGKILL && !r.timed_out, "%s: signal %d", pol, r.term_signal);
    CHECK(cordon_wait(h, 0, &again) == CORDON_OK && again.term_signal == SIGKILL);
    CHECK(cordon_kill(h) == CORDON_OK); /* over: nothing to do */
    cordon_process_free(h);

    /* A signal sent to the pid reaches the command. */
    if ((h = start(pol, argv, -1, 0)) != NULL) {
        usleep(100 * 1000);
        CHECK(kill((pid_t)cordon_process_pid(h), SIGTERM) == 0);
        CHECK(cordon_wait(h, 10000, &r) == CORDON_OK);
        CHECK_MSG(r.term_signal == SIGTERM, "%s: signal %d after SIGTERM", pol, r.term_signal);
        cordon_process_free(h);
    }

    /* Freed while running: the command is ended. */
    if ((h = start(pol, argv, -1, 0)) != NULL) {
        pid = cordon_process_pid(h);
        cordon_process_free(h);
        usleep(100 * 1000);
        CHECK_MSG(kill((pid_t)pid, 0) != 0, "%s: pid %lld still there after free", pol, pid);
    }
}

/* The run's own timeout holds while the caller waits in short steps. */
static void run_timeout(const char *pol)
{
    const char *argv[] = {"sleep", "30", NULL};
    cordon_process *h = start(pol, argv, -1, 1);
    cordon_run_result r;
    cordon_error e;
    double t = now_s();
    int steps = 0;

    if (!h)
        return;
    while ((e = cordon_wait(h, 100, &r)) == CORDON_ERR_TIMEOUT && steps < 100)
        steps++;
    CHECK_MSG(e == CORDON_OK, "%s: %s", pol, cordon_last_error());
    CHECK_MSG(r.timed_out && steps >= 5, "%s: timed_out %d after %d steps", pol, r.timed_out,
              steps);
    CHECK(now_s() - t < 10.0);
    cordon_process_free(h);
}

static void reap_all(int sig)
{
    int saved = errno;
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

/* With SIGCHLD ignored, or taken by a handler that reaps every child,
 * the status still arrives: exit code, timeout, kill. */
static void sigchld(const char *pol, const char *how)
{
    const char *exit7[] = {"sh", "-c", "exit 7", NULL};
    const char *sleeper[] = {"sleep", "30", NULL};
    struct sigaction sa;
    cordon_policy *p = NULL;
    cordon_run_options o;
    cordon_run_result r;
    cordon_process *h;
    cordon_error e;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = strcmp(how, "ignored") == 0 ? SIG_IGN : reap_all;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);

    CHECK(cordon_policy_builtin(pol, &p) == CORDON_OK);
    cordon_run_options_init(&o);
    o.argv = exit7;
    o.cwd = ws;
    e = cordon_run(p, &o, &r);
    CHECK_MSG(e == CORDON_OK && r.exit_code == 7, "%s, SIGCHLD %s: %s (exit %d)", pol, how,
              e ? cordon_last_error() : "ran", r.exit_code);
    o.argv = sleeper;
    o.timeout_s = 1;
    e = cordon_run(p, &o, &r);
    CHECK_MSG(e == CORDON_OK && r.timed_out, "%s, SIGCHLD %s, timeout: %s", pol, how,
              e ? cordon_last_error() : "ran");
    cordon_policy_free(p);
    if ((h = start(pol, sleeper, -1, 0)) != NULL) {
        CHECK(cordon_kill(h) == CORDON_OK);
        e = cordon_wait(h, CORDON_WAIT_INFINITE, &r);
        CHECK_MSG(e == CORDON_OK && r.term_signal == SIGKILL, "%s, SIGCHLD %s, kill: %s", pol,
                  how, e ? cordon_last_error() : "ran");
        cordon_process_free(h);
    }
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
}

/* Argument errors start nothing and leave the handle NULL. */
static void bad_arguments(void)
{
    cordon_policy *p = NULL;
    cordon_run_options o;
    cordon_process *h = (cordon_process *)&o;
    cordon_run_result r;
    cordon_levels lv;
    const char *missing[] = {"cordon-test-no-such-command", NULL};

    CHECK(cordon_policy_builtin("full-access", &p) == CORDON_OK);
    cordon_run_options_init(&o);
    CHECK(cordon_spawn(p, &o, NULL, &h) == CORDON_ERR_INVALID_ARGUMENT && h == NULL);
    o.argv = missing;
    o.cwd = ws;
    CHECK(cordon_spawn(p, &o, &lv, &h) == CORDON_ERR_NOT_FOUND && h == NULL);
    CHECK(lv.n_dims == CORDON_DIM_COUNT); /* selection got that far */
    CHECK(cordon_wait(NULL, 0, &r) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_kill(NULL) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon_process_pid(NULL) == -1);
    cordon_process_free(NULL);
    cordon_policy_free(p);
}

/* The "Cpus_allowed_list:" line of /proc/self/status as |fd| shows it
 * (the command's, through a pipe), or ours when |fd| is -1. */
static void cpus_line(int fd, char *out, size_t n)
{
    char buf[8192];
    ssize_t k, got = 0;
    char *p, *end;
    int own = fd < 0;

    out[0] = '\0';
    if (own)
        fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    while (got < (ssize_t)sizeof buf - 1 &&
           ((k = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0 || (k < 0 && errno == EINTR)))
        if (k > 0)
            got += k;
    buf[got > 0 ? got : 0] = '\0';
    if (own)
        close(fd);
    if ((p = strstr(buf, "Cpus_allowed_list:")) == NULL)
        return;
    end = strchr(p, '\n');
    snprintf(out, n, "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
}

/* The command runs on the caller's CPUs, with every CPU and with the
 * caller held to one: whatever the launch does with the placement of its
 * own processes (moving them apart for the set-up was tried), the
 * command and what it starts keep the caller's. Repeated: a move that
 * came after the command took its CPUs back would leave it on fewer. */
static void same_cpus(const char *pol)
{
    const char *argv[] = {"cat", "/proc/self/status", NULL};
    cpu_set_t all, one;
    char mine[256], theirs[256];
    int round, narrowed;

    if (sched_getaffinity(0, sizeof all, &all) != 0) {
        CHECK_MSG(0, "sched_getaffinity: %s", strerror(errno));
        return;
    }
    for (narrowed = 0; narrowed < 2; narrowed++) {
        if (narrowed) {
            int c;
            CPU_ZERO(&one);
            for (c = CPU_SETSIZE - 1; c >= 0; c--)
                if (CPU_ISSET(c, &all)) {
                    CPU_SET(c, &one); /* the last one: not CPU 0 when there are more */
                    break;
                }
            CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
        }
        cpus_line(-1, mine, sizeof mine);
        for (round = 0; round < 20; round++) {
            int p[2];
            cordon_process *h;
            cordon_run_result r;
            CHECK(pipe2(p, O_CLOEXEC) == 0);
            h = start(pol, argv, p[1], 10);
            close(p[1]);
            cpus_line(p[0], theirs, sizeof theirs);
            close(p[0]);
            if (!h)
                break;
            CHECK_MSG(cordon_wait(h, CORDON_WAIT_INFINITE, &r) == CORDON_OK && r.exit_code == 0,
                      "%s: %s", pol, cordon_last_error());
            cordon_process_free(h);
            CHECK_MSG(mine[0] && strcmp(mine, theirs) == 0,
                      "%s: the command's CPUs (%s) are not the caller's (%s), round %d", pol,
                      theirs, mine, round);
            if (strcmp(mine, theirs) != 0)
                break;
        }
    }
    CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
}

int main(void)
{
    static const char *const pols[] = {"full-access", "workspace-write"};
    char tmpl[] = "cordon-test-spawn-XXXXXX";
    char *d = mkdtemp(tmpl);
    size_t i;

    if (!d || !realpath(d, ws))
        SKIP("cannot make a workspace in the build tree");
    bad_arguments();
    for (i = 0; i < sizeof pols / sizeof pols[0]; i++) {
        big_pipe(pols[i]);
        timeout_kill_pid(pols[i]);
        run_timeout(pols[i]);
        sigchld(pols[i], "ignored");
        sigchld(pols[i], "reaped by the host");
        same_cpus(pols[i]);
    }
    rmdir(ws);
    TEST_MAIN_END();
}
