/* The Linux process launch through the public API, for both backends:
 * exit codes, signals, not found / not executable, stdio, cwd, the
 * command's own PATH, and the tree kill on timeout (no survivor keeps
 * writing). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cordon.h"
#include "harness.h"

static char ws[PATH_MAX];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cordon_policy *policy(const char *name)
{
    cordon_policy *p = NULL;
    CHECK(cordon_policy_builtin(name, &p) == CORDON_OK);
    return p;
}

static cordon_error run(const char *pol, const char *const *argv, const char *const *env,
                        int out_fd, unsigned timeout_s, cordon_run_result *res)
{
    cordon_policy *p = policy(pol);
    cordon_run_options o;
    cordon_error e;
    cordon_run_options_init(&o);
    o.argv = argv;
    o.cwd = ws;
    o.env = env;
    o.timeout_s = timeout_s;
    if (out_fd >= 0)
        o.stdio[1] = out_fd;
    e = cordon_run(p, &o, res);
    cordon_policy_free(p);
    return e;
}

static off_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void statuses(const char *pol)
{
    cordon_run_result r;
    const char *exit3[] = {"sh", "-c", "exit 3", NULL};
    const char *sig[] = {"sh", "-c", "kill -TERM $$", NULL};
    const char *missing[] = {"cordon-test-no-such-command", NULL};
    const char *noexec[] = {"./data.txt", NULL};
    cordon_error e;

    CHECK(run(pol, exit3, NULL, -1, 0, &r) == CORDON_OK);
    CHECK_MSG(r.exit_code == 3 && r.term_signal == 0 && !r.timed_out, "%s: exit %d", pol,
              r.exit_code);
    CHECK(cordon_exit_status(CORDON_OK, &r) == 3);

    CHECK(run(pol, sig, NULL, -1, 0, &r) == CORDON_OK);
    CHECK_MSG(r.term_signal == 15, "%s: signal %d", pol, r.term_signal);
    CHECK(cordon_exit_status(CORDON_OK, &r) == 143);

    e = run(pol, missing, NULL, -1, 0, &r);
    CHECK_MSG(e == CORDON_ERR_NOT_FOUND, "%s: %d %s", pol, e, cordon_last_error());
    CHECK_CONTAINS(cordon_last_error(), "cordon-test-no-such-command");
    CHECK(cordon_exit_status(e, &r) == 127);

    e = run(pol, noexec, NULL, -1, 0, &r);
    CHECK_MSG(e == CORDON_ERR_NOT_EXECUTABLE, "%s: %d %s", pol, e, cordon_last_error());
    CHECK_CONTAINS(cordon_last_error(), "data.txt");
    CHECK(cordon_exit_status(e, &r) == 126);
}

static void stdio_cwd_env(const char *pol)
{
    cordon_run_result r;
    char out[PATH_MAX + 64], line[PATH_MAX + 64], bindir[PATH_MAX + 8], pathvar[PATH_MAX + 64];
    const char *argv[] = {"sh", "-c", "pwd; echo \"$CORDON_TEST_VAR\"; cordon-test-hello", NULL};
    const char *env[] = {"CORDON_TEST_VAR=from-env", pathvar, NULL};
    FILE *f;
    int fd;

    /* The command is found on the PATH of the environment given, not ours. */
    snprintf(bindir, sizeof bindir, "%s/bin", ws);
    snprintf(pathvar, sizeof pathvar, "PATH=%s:/usr/bin:/bin", bindir);
    snprintf(out, sizeof out, "%s/bin/cordon-test-hello", ws);
    f = fopen(out, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("#!/bin/sh\necho hello-from-path\n", f);
    fclose(f);
    chmod(out, 0755);

    snprintf(out, sizeof out, "%s/out.txt", ws);
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    CHECK_MSG(run(pol, argv, env, fd, 0, &r) == CORDON_OK, "%s", cordon_last_error());
    close(fd);
    CHECK(r.exit_code == 0);
    f = fopen(out, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fgets(line, sizeof line, f) != NULL);
    line[strcspn(line, "\n")] = '\0';
    CHECK_STR(line, ws);
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "from-env\n");
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "hello-from-path\n");
    fclose(f);
}

static void on_usr2(int sig)
{
    (void)sig;
}

/* The SigIgn and SigCgt masks /proc/self/status shows in |out|. */
static int sig_masks(const char *out, unsigned long long *ign, unsigned long long *cgt)
{
    FILE *f = fopen(out, "r");
    char line[256];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        n += sscanf(line, "SigIgn: %llx", ign) == 1;
        n += sscanf(line, "SigCgt: %llx", cgt) == 1;
    }
    fclose(f);
    return n == 2 ? 0 : -1;
}

/* The command starts with every signal at its default, whatever the
 * caller ignores or catches (an ignored one would stay ignored across
 * exec; a caught one's handler must not run in the command before it).
 * Positive control: a child the caller starts itself keeps the ignored
 * ones. */
static void default_dispositions(const char *pol)
{
    cordon_run_result r;
    char out[PATH_MAX + 64];
    const char *argv[] = {"grep", "-E", "^Sig(Ign|Cgt):", "/proc/self/status", NULL};
    unsigned long long ign = ~0ull, cgt = ~0ull, want;
    struct sigaction sa, old[4];
    const int sigs[4] = {SIGHUP, SIGUSR1, SIGUSR2, SIGRTMIN + 3};
    int fd, i;

    memset(&sa, 0, sizeof sa);
    for (i = 0; i < 4; i++) {
        sa.sa_handler = sigs[i] == SIGUSR2 ? on_usr2 : SIG_IGN;
        sigaction(sigs[i], &sa, &old[i]);
    }
    want = 1ull << (SIGHUP - 1) | 1ull << (SIGUSR1 - 1) | 1ull << (SIGUSR2 - 1) |
           1ull << (SIGRTMIN + 3 - 1);
    snprintf(out, sizeof out, "%s/sig.txt", ws);
    /* The control: /proc/self/status of a grep started directly. */
    {
        char cmd[PATH_MAX + 128];
        snprintf(cmd, sizeof cmd, "grep -E '^Sig(Ign|Cgt):' /proc/self/status >'%s'", out);
        CHECK(system(cmd) == 0);
        CHECK(sig_masks(out, &ign, &cgt) == 0);
        CHECK_MSG((ign & (1ull << (SIGUSR1 - 1))) && (ign & (1ull << (SIGRTMIN + 3 - 1))),
                  "control: SigIgn %llx", ign);
    }
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    CHECK_MSG(run(pol, argv, NULL, fd, 0, &r) == CORDON_OK, "%s", cordon_last_error());
    close(fd);
    CHECK(r.exit_code == 0);
    ign = cgt = ~0ull;
    CHECK(sig_masks(out, &ign, &cgt) == 0);
    CHECK_MSG(!(ign & want) && !(cgt & want), "%s: SigIgn %llx SigCgt %llx", pol, ign, cgt);
    CHECK_MSG(!(ign & (1ull << (SIGPIPE - 1))), "%s: SIGPIPE ignored in the command", pol);
    for (i = 0; i < 4; i++)
        sigaction(sigs[i], &old[i], NULL);
}

/* A background writer and a double-forked (setsid) one: after the
 * timeout neither may still be writing. */
static void timeout_kills_tree(const char *pol)
{
    cordon_run_result r;
    char tick[PATH_MAX + 16], tick2[PATH_MAX + 16];
    const char *argv[] = {
        "sh", "-c",
        "(while :; do echo x >> tick; sleep 0.05; done) & "
        "setsid sh -c 'while :; do echo y >> tick2; sleep 0.05; done' & "
        "sleep 100",
        NULL};
    off_t a, b, a2, b2;
    double t0;

    snprintf(tick, sizeof tick, "%s/tick", ws);
    snprintf(tick2, sizeof tick2, "%s/tick2", ws);
    unlink(tick);
    unlink(tick2);
    t0 = now_s();
    CHECK_MSG(run(pol, argv, NULL, -1, 1, &r) == CORDON_OK, "%s", cordon_last_error());
    CHECK(r.timed_out == 1);
    CHECK(cordon_exit_status(CORDON_OK, &r) == 124);
    CHECK(now_s() - t0 < 5.0);
    a = size_of(tick);
    a2 = size_of(tick2);
    CHECK_MSG(a > 0, "%s: the writer never ran (positive control)", pol);
    usleep(400 * 1000);
    b = size_of(tick);
    b2 = size_of(tick2);
    CHECK_MSG(a == b, "%s: a survivor kept writing (%ld -> %ld)", pol, (long)a, (long)b);
    /* setsid(1) here execs in place (the job is not a group leader), so
     * the writer stays in the tree for both backends. */
    CHECK_MSG(a2 > 0 && a2 == b2, "%s: setsid survivor (%ld -> %ld)", pol, (long)a2, (long)b2);
}

/* On timeout the command's group gets SIGTERM first and may end on its
 * own terms within kill_after_s (its status is kept, the run still
 * counts as timed out: 124); one that ignores it is killed with its tree
 * kill_after_s later; kill_after_s 0 kills at once. The result says
 * which signal ended it. */
static void timeout_term_then_kill(void)
{
    cordon_policy *p = policy("workspace-write");
    cordon_run_options o;
    cordon_run_result r;
    char caught[PATH_MAX + 16];
    const char *handles[] = {"sh", "-c", "trap 'echo term > caught; exit 3' TERM; sleep 100 & wait",
                             NULL};
    const char *ignores[] = {"sh", "-c", "trap '' TERM; sleep 100", NULL};
    double t0;

    snprintf(caught, sizeof caught, "%s/caught", ws);
    unlink(caught);
    cordon_run_options_init(&o);
    CHECK(o.kill_after_s == 5 && o.relay_signals == 0);
    o.cwd = ws;
    o.timeout_s = 1;
    o.argv = handles;
    t0 = now_s();
    CHECK_MSG(cordon_run(p, &o, &r) == CORDON_OK, "%s", cordon_last_error());
    CHECK(r.timed_out == 1 && r.exit_code == 3 && r.term_signal == 0);
    CHECK(r.timeout_signal == SIGTERM);
    CHECK(cordon_exit_status(CORDON_OK, &r) == 124);
    CHECK_MSG(size_of(caught) > 0, "the command's TERM handler did not run");
    CHECK(now_s() - t0 < 4.0);

    o.argv = ignores;
    o.kill_after_s = 1;
    t0 = now_s();
    CHECK_MSG(cordon_run(p, &o, &r) == CORDON_OK, "%s", cordon_last_error());
    CHECK(r.timed_out == 1 && r.timeout_signal == SIGKILL);
    CHECK(now_s() - t0 >= 1.9 && now_s() - t0 < 4.0);

    unlink(caught);
    o.argv = handles;
    o.kill_after_s = 0;
    CHECK_MSG(cordon_run(p, &o, &r) == CORDON_OK, "%s", cordon_last_error());
    CHECK(r.timed_out == 1 && r.timeout_signal == SIGKILL);
    CHECK_MSG(size_of(caught) < 0, "kill_after_s 0 sent SIGTERM first");
    cordon_policy_free(p);
}

/* The live probe's child (reaped late, so that its namespace teardown
 * overlaps other work) is reaped by the time a run returns; a run's
 * supervisor, which may still be exiting then, at the next run. No
 * zombies pile up in the host. Runs first, while the probe of this
 * process is still to come. */
static void no_child_left(void)
{
    const char *argv[] = {"true", NULL};
    cordon_policy *p = policy("workspace-write");
    cordon_levels lv;
    cordon_run_result r;
    pid_t w;
    int i, left = 0;
    CHECK(cordon_level_query(p, ws, &lv) == CORDON_OK);
    cordon_policy_free(p);
    for (i = 0; i < 40; i++) {
        CHECK(run("workspace-write", argv, NULL, -1, 0, &r) == CORDON_OK);
        CHECK(r.exit_code == 0);
    }
    /* Every supervisor so far has ended by now: the next run reaps them
     * all, which leaves at most its own. */
    usleep(200 * 1000);
    CHECK(run("workspace-write", argv, NULL, -1, 0, &r) == CORDON_OK);
    usleep(200 * 1000);
    for (;;) {
        errno = 0;
        w = waitpid(-1, NULL, WNOHANG);
        if (w <= 0)
            break;
        left++;
    }
    CHECK_MSG(w < 0 && errno == ECHILD, "a child of the runs is still running (waitpid says %ld)",
              (long)w);
    CHECK_MSG(left <= 1, "%d children of the runs were left to reap", left);
}

/* The command's CPU affinity is its caller's, whatever the launch did
 * with the supervisor's: the whole set, and a single CPU. */
static void affinity(const char *pol)
{
    const char *argv[] = {"sh", "-c", "grep Cpus_allowed_list /proc/self/status", NULL};
    cpu_set_t mine, one;
    int cpu, have;

    have = sched_getaffinity(0, sizeof mine, &mine) == 0;
    CHECK(have);
    if (!have)
        return;
    for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        char want[256], got[256];
        FILE *f;
        int fd;
        cordon_run_result r;
        CPU_ZERO(&one);
        if (cpu > 0) {
            if (!CPU_ISSET(cpu, &mine))
                continue;
            CPU_SET(cpu, &one);
            CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
        }
        f = fopen("/proc/self/status", "r");
        want[0] = '\0';
        while (f && fgets(got, sizeof got, f))
            if (strncmp(got, "Cpus_allowed_list:", 18) == 0)
                snprintf(want, sizeof want, "%s", got);
        if (f)
            fclose(f);
        fd = open("affinity.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        CHECK(run(pol, argv, NULL, fd, 0, &r) == CORDON_OK && r.exit_code == 0);
        close(fd);
        f = fopen("affinity.txt", "r");
        got[0] = '\0';
        if (f && !fgets(got, sizeof got, f))
            got[0] = '\0';
        if (f)
            fclose(f);
        CHECK_MSG(want[0] && strcmp(want, got) == 0, "%s: caller %s, command %s", pol, want, got);
        CHECK(sched_setaffinity(0, sizeof mine, &mine) == 0);
        if (cpu > 0)
            break; /* the whole set and one CPU are enough */
    }
    unlink("affinity.txt");
}

int main(void)
{
    char tmpl[] = "cordon-test-ws-XXXXXX";
    char data[PATH_MAX + 16];
    char *d = mkdtemp(tmpl);
    FILE *f;

    if (!d || !realpath(d, ws))
        SKIP("cannot make a workspace in the build tree");
    snprintf(data, sizeof data, "%s/bin", ws);
    mkdir(data, 0755);
    snprintf(data, sizeof data, "%s/data.txt", ws);
    f = fopen(data, "w");
    if (f) {
        fputs("not a program\n", f);
        fclose(f);
    }
    no_child_left();
    statuses("full-access");
    statuses("workspace-write");
    stdio_cwd_env("full-access");
    stdio_cwd_env("workspace-write");
    timeout_kills_tree("workspace-write");
    timeout_kills_tree("full-access");
    timeout_term_then_kill();
    affinity("workspace-write");
    affinity("full-access");
    default_dispositions("workspace-write");
    default_dispositions("full-access");
    {
        char cmd[PATH_MAX + 32];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", ws);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", ws);
    }
    TEST_MAIN_END();
}
