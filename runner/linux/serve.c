/* One run: the request in, the command run as the sandbox user under the
 * unelevated tier's kernel restrictions where this host has them, the
 * exit out. Every failure is reported to cordon as an ERROR message with
 * the stage and errno, and on stderr when cordon is not there to hear it.
 *
 * What the runner applies, in order: the caller check (runner__trust);
 * the request (strictly decoded: core/ipc.c); the identity switch and the
 * drop of every capability (identity.c); for the offline user, the live
 * check that the firewall refuses its traffic (netcheck.c), so a flushed
 * table stops the run instead of letting it out; the run's private temp
 * dir, made by the sandbox user; then in the command's process: stdio,
 * the working directory, a new session, no_new_privs, Landlock (writes
 * confined to the roots and the temp dir) and seccomp (the unelevated
 * tier's rules for a host without a mount namespace: IP sockets refused
 * when network is off, metadata changes refused everywhere). Not applied
 * (a stated gap, see docs/internals/linux-elevated.md): the user and mount
 * namespaces of the unelevated tier (read-only protected paths, private
 * /tmp and /dev/shm, a pid namespace). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner.h"
#include "sandbox.h"

struct run {
    int sock;
    struct cordon__ipc_msg req;
    int stdio[3];
    struct runner_trust trust;
    uid_t uid;
    gid_t gid;
    cordon_policy *policy;
    struct cordon__plan plan;
    int have_plan;
    int ruleset;
    uint64_t ll_handled;
    int abi;
    struct cordon__bpf bpf;
    int have_bpf;
    char *tmp_dir;           /* made by this run, removed at its end */
    struct cordon__strv env;
    pid_t child;
};

static void report(struct run *r, unsigned stage, int err, const char *fmt, ...)
    CORDON__PRINTF(4, 5);

static void report(struct run *r, unsigned stage, int err, const char *fmt, ...)
{
    struct cordon__ipc_msg m;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_ERROR;
    m.stage = (uint16_t)stage;
    m.os_code = err;
    m.message = text;
    if (r->sock < 0 || cordon__ipc_send(r->sock, &m, NULL, 0) != CORDON_OK)
        fprintf(stderr, "cordon-runner: %s: %s\n", cordon__ipc_stage_name(stage), text);
}

/* ---- the command's process (after fork: async-signal-safe only) ----------- */

static void child_fail(int pipe_fd, int stage, int err)
{
    int msg[2] = {stage, err};
    ssize_t w = write(pipe_fd, msg, sizeof msg);
    (void)w;
    _exit(127);
}

static void exec_path(const char *file, char *const argv[], char *const envp[], const char *path)
{
    char buf[4096];
    int saw_eacces = 0;
    const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin";
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        return;
    }
    while (*p) {
        size_t len = strcspn(p, ":"), fl = strlen(file);
        if (len && len + 1 + fl < sizeof buf) {
            memcpy(buf, p, len);
            buf[len] = '/';
            memcpy(buf + len + 1, file, fl + 1);
            execve(buf, argv, envp);
            if (errno == EACCES)
                saw_eacces = 1;
        }
        p += len;
        if (*p == ':')
            p++;
    }
    errno = saw_eacces ? EACCES : ENOENT;
}

static void command_process(struct run *r, int pipe_fd, const char *path_env)
{
    int i;
    sigset_t none;
    /* stdio: move the received descriptors above 2 first, then in place. */
    for (i = 0; i < 3; i++) {
        int moved = fcntl(r->stdio[i], F_DUPFD_CLOEXEC, 10);
        if (moved < 0)
            child_fail(pipe_fd, CORDON__IPC_STAGE_STDIO, errno);
        r->stdio[i] = moved;
    }
    for (i = 0; i < 3; i++)
        if (dup2(r->stdio[i], i) < 0)
            child_fail(pipe_fd, CORDON__IPC_STAGE_STDIO, errno);
    /* Only stdio passes to the command: the socket to cordon, the
     * Landlock ruleset and anything else close at exec. */
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) != 0)
#endif
        for (i = 3; i < 4096; i++)
            if (i != pipe_fd)
                fcntl(i, F_SETFD, FD_CLOEXEC);
    if (chdir(r->req.spawn.cwd) != 0)
        child_fail(pipe_fd, CORDON__IPC_STAGE_CWD, errno);
    /* Its own session and process group: the runner ends the group, and
     * the command cannot reach cordon's terminal job control. */
    setsid();
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        child_fail(pipe_fd, CORDON__IPC_STAGE_CAPABILITIES, errno);
    if (r->ruleset >= 0 && (i = cordon__landlock_enforce(r->ruleset)) != 0)
        child_fail(pipe_fd, CORDON__IPC_STAGE_RESTRICT, i);
    if (r->have_bpf && (i = cordon__seccomp_enforce(&r->bpf, NULL)) != 0)
        child_fail(pipe_fd, CORDON__IPC_STAGE_RESTRICT, i);
    exec_path(r->req.spawn.argv.v[0], r->req.spawn.argv.v, r->env.v, path_env);
    child_fail(pipe_fd, CORDON__IPC_STAGE_EXEC, errno);
}

/* ---- the runner's side --------------------------------------------------- */

/* The request's roots and protected paths become a policy, compiled on
 * this host like cordon does, so that Landlock and seccomp get the
 * unelevated tier's own rules (backends/linux/landlock.c, seccomp.c). */
static int compile_plan(struct run *r)
{
    const struct cordon__ipc_spawn *s = &r->req.spawn;
    struct cordon__host host;
    size_t i, k;
    cordon_error e;

    if ((e = cordon_policy_new(&r->policy)) != CORDON_OK)
        goto fail;
    cordon_policy_set_mode(r->policy, s->roots.n ? CORDON_MODE_WORKSPACE_WRITE
                                                 : CORDON_MODE_READ_ONLY);
    cordon_policy_set_network(r->policy, (s->flags & CORDON__IPC_SPAWN_NETWORK) != 0);
    cordon_policy_set_private_tmp(r->policy, (s->flags & CORDON__IPC_SPAWN_PRIVATE_TMP) != 0);
    /* cordon checked the roots against its refusal list already. */
    cordon_policy_set_force_roots(r->policy, 1);
    cordon_policy_clear_writable_roots(r->policy);
    cordon_policy_clear_protected_paths(r->policy);
    for (i = 0; i < s->roots.n; i++)
        if ((e = cordon_policy_add_writable_root(r->policy, s->roots.v[i])) != CORDON_OK)
            goto fail;
    for (i = 0; i < s->protect.n; i++) {
        for (k = 0; k < s->roots.n; k++) {
            size_t n = strlen(s->roots.v[k]);
            const char *p = s->protect.v[i];
            if (strncmp(p, s->roots.v[k], n) == 0 && p[n] == '/' && p[n + 1]) {
                if (!cordon__strv_contains(&r->policy->protected_paths, p + n + 1) &&
                    (e = cordon_policy_add_protected_path(r->policy, p + n + 1)) != CORDON_OK)
                    goto fail;
                break;
            }
        }
    }
    if ((e = cordon__os_host(&host)) != CORDON_OK ||
        (e = cordon__plan_compile(r->policy, s->cwd, &host, &r->plan)) != CORDON_OK)
        goto fail;
    r->have_plan = 1;
    return 0;
fail:
    report(r, CORDON__IPC_STAGE_RESTRICT, 0, "cannot compile the restrictions: %s",
           cordon_last_error());
    return -1;
}

static int restrictions(struct run *r)
{
    const struct cordon__plan_linux *lp = &r->plan.linux_plan;
    int err, disabled = (int)cordon__linux_disabled();
    cordon_error e;

    r->ruleset = -1;
    if (!(disabled & CORDON__DISABLE_LANDLOCK))
        r->abi = cordon__landlock_abi(&err);
    if (r->abi) {
        if ((e = cordon__landlock_create(lp, r->abi, 0, &r->ruleset, &r->ll_handled)) != CORDON_OK ||
            (e = cordon__landlock_add_rules(lp, r->ruleset, r->ll_handled, 0, NULL)) !=
                 CORDON_OK) {
            report(r, CORDON__IPC_STAGE_RESTRICT, 0, "Landlock: %s", cordon_last_error());
            return -1;
        }
    }
    if (!(disabled & CORDON__DISABLE_SECCOMP) && cordon__seccomp_available(&err)) {
        /* No mount or network namespace, no unix socket gate here. */
        struct cordon__seccomp_env env = {0, 0, 0};
        if (cordon__seccomp_build(lp, &env, &r->bpf) != CORDON_OK) {
            report(r, CORDON__IPC_STAGE_RESTRICT, 0, "seccomp: %s", cordon_last_error());
            return -1;
        }
        r->have_bpf = 1;
    }
    return 0;
}

/* The environment: the request's, with the temp variables at this run's
 * own directory (there is no private /tmp mount here). */
static int environment(struct run *r)
{
    size_t i;
    for (i = 0; i < r->req.spawn.env.n; i++) {
        const char *v = r->req.spawn.env.v[i];
        if (r->tmp_dir && (strncmp(v, "TMPDIR=", 7) == 0 || strncmp(v, "TMP=", 4) == 0 ||
                           strncmp(v, "TEMP=", 5) == 0))
            continue;
        if (cordon__strv_push(&r->env, v) != CORDON_OK)
            return -1;
    }
    if (r->tmp_dir && (cordon__strv_pushf(&r->env, "TMPDIR=%s", r->tmp_dir) != CORDON_OK ||
                       cordon__strv_pushf(&r->env, "TMP=%s", r->tmp_dir) != CORDON_OK ||
                       cordon__strv_pushf(&r->env, "TEMP=%s", r->tmp_dir) != CORDON_OK))
        return -1;
    return 0;
}

static const char *env_get(const struct cordon__strv *env, const char *name)
{
    size_t i, n = strlen(name);
    for (i = 0; i < env->n; i++)
        if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
            return env->v[i] + n + 1;
    return NULL;
}

static int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

/* Sends SIGKILL to the command's group and to every child of this runner
 * (a child subreaper: what left the group or the session reparents here).
 * Returns how many children there were. Reaps nothing. */
static int kill_tree(pid_t group)
{
    char path[64], buf[4096];
    int fd, n_children = 0;
    ssize_t n;
    char *p;
    if (group > 0)
        kill(-group, SIGKILL);
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    for (p = buf; *p;) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p || pid <= 0)
            break;
        kill((pid_t)pid, SIGKILL);
        n_children++;
        for (p = end; *p == ' ' || *p == '\n'; p++)
            ;
    }
    return n_children;
}

/* Ends every descendant and reaps them all (the command itself too). */
static void end_tree(pid_t group)
{
    int rounds;
    for (rounds = 0; rounds < 200; rounds++) {
        int left = kill_tree(rounds == 0 ? group : 0);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (!left)
            break;
        usleep(1000);
    }
}

/* Empties the directory open as |dfd| without following links, then
 * closes it. */
static void empty_dir(int dfd, int depth)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    if (!d) {
        close(dfd);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        int sub;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno != EISDIR || depth > 128)
            continue;
        sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
            empty_dir(sub, depth + 1);
            unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
        }
    }
    closedir(d);
}

/* The run's temp dir, removed by the sandbox user whose it is, after every
 * process of the run is gone. */
static void remove_tmp(struct run *r)
{
    int fd;
    if (!r->tmp_dir)
        return;
    fd = open(r->tmp_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        empty_dir(fd, 0);
        rmdir(r->tmp_dir);
    }
    r->tmp_dir = NULL;
}

int runner__serve(int sock)
{
    struct run r;
    struct cordon__ipc_reader rd;
    struct cordon__ipc_msg m;
    char why[512];
    int pipefd[2] = {-1, -1}, pidfd = -1, rc = 2, status = 0, i;
    const char *step = NULL;
    cordon_error e;

    memset(&r, 0, sizeof r);
    memset(&rd, 0, sizeof rd);
    r.sock = sock;
    r.ruleset = -1;
    r.stdio[0] = r.stdio[1] = r.stdio[2] = -1;
    signal(SIGPIPE, SIG_IGN);

    /* 1. Who is asking. */
    if (runner__trust(&r.trust, why, sizeof why) != 0) {
        report(&r, CORDON__IPC_STAGE_CALLER, EPERM, "%s", why);
        goto done;
    }
    /* 2. What is asked, strictly. */
    e = cordon__ipc_recv(sock, &rd, 30000, &r.req);
    if (e != CORDON_OK || r.req.type != CORDON__IPC_SPAWN) {
        report(&r, CORDON__IPC_STAGE_REQUEST, EPROTO, "%s",
               e == CORDON_ERR_UNSUPPORTED ? "no request within 30 s"
               : e != CORDON_OK            ? cordon_last_error()
                                           : "the first message is not a spawn request");
        goto done;
    }
    {
        size_t passed = 0, used = 0;
        for (i = 0; i < 3; i++)
            passed += r.req.spawn.stdio_mode[i] == CORDON__IPC_STDIO_PASSED;
        if (passed != rd.n_fds) {
            report(&r, CORDON__IPC_STAGE_STDIO, EPROTO,
                   "the request passes %zu stdio descriptors, %zu came with it", passed, rd.n_fds);
            goto done;
        }
        for (i = 0; i < 3; i++) {
            if (r.req.spawn.stdio_mode[i] == CORDON__IPC_STDIO_PASSED) {
                r.stdio[i] = rd.fds[used];
                rd.fds[used++] = -1;
            } else if (r.req.spawn.stdio_mode[i] == CORDON__IPC_STDIO_NULL) {
                r.stdio[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
            } else {
                report(&r, CORDON__IPC_STAGE_STDIO, EOPNOTSUPP,
                       "relayed stdio is not supported on Linux: pass descriptors");
                goto done;
            }
        }
        rd.n_fds = 0;
    }
    if (compile_plan(&r) != 0)
        goto done;
    /* 3. Who it runs as: the caller only picks offline or online. */
    if (r.req.spawn.flags & CORDON__IPC_SPAWN_NETWORK)
        r.uid = r.trust.online_uid;
    else
        r.uid = r.trust.offline_uid;
    r.gid = r.trust.sandbox_gid;
    if ((i = runner__become(r.uid, r.gid, &step)) != 0) {
        report(&r, CORDON__IPC_STAGE_IDENTITY, i, "cannot become uid %u: %s: %s",
               (unsigned)r.uid, step, strerror(i));
        goto done;
    }
    /* 4. The firewall holds now, for this user (no run if it does not). */
    if (!(r.req.spawn.flags & CORDON__IPC_SPAWN_NETWORK)) {
        char what[200];
        int got = runner__netcheck(what, sizeof what);
        if (got != 0) {
            report(&r, CORDON__IPC_STAGE_SETUP, got > 0 ? 0 : EIO,
                   "the nftables rules are not in force: %s as %s was %s (re-run cordon-setup "
                   "install as root)", what, r.trust.marker.offline.name,
                   got > 0 ? "not refused" : "not tried");
            goto done;
        }
    }
    /* 5. The private temp dir, the sandbox user's own. */
    if (r.plan.private_tmp && r.plan.tmp_dir) {
        if (mkdir(r.plan.tmp_dir, 0700) != 0) {
            report(&r, CORDON__IPC_STAGE_RESTRICT, errno, "cannot make the temp dir %s: %s",
                   r.plan.tmp_dir, strerror(errno));
            goto done;
        }
        r.tmp_dir = r.plan.tmp_dir;
    }
    if (restrictions(&r) != 0)
        goto done;
    if (environment(&r) != 0) {
        report(&r, CORDON__IPC_STAGE_EXEC, ENOMEM, "out of memory");
        goto done;
    }
    /* 6. Run. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        report(&r, CORDON__IPC_STAGE_EXEC, errno, "pipe: %s", strerror(errno));
        goto done;
    }
    r.child = fork();
    if (r.child < 0) {
        report(&r, CORDON__IPC_STAGE_EXEC, errno, "fork: %s", strerror(errno));
        goto done;
    }
    if (r.child == 0) {
        close(pipefd[0]);
        command_process(&r, pipefd[1], env_get(&r.env, "PATH"));
    }
    close(pipefd[1]);
    pipefd[1] = -1;
    for (i = 0; i < 3; i++) {
        close(r.stdio[i]);
        r.stdio[i] = -1;
    }
    {
        int msg[2];
        ssize_t n;
        do
            n = read(pipefd[0], msg, sizeof msg);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof msg) {
            waitpid(r.child, NULL, 0);
            r.child = 0;
            report(&r, (unsigned)msg[0], msg[1], "%s %s: %s",
                   msg[0] == CORDON__IPC_STAGE_EXEC ? "cannot execute" : "cannot start",
                   r.req.spawn.argv.v[0], strerror(msg[1]));
            goto done;
        }
    }
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_STARTED;
    m.pid = (uint64_t)r.child;
    if (cordon__ipc_send(sock, &m, NULL, 0) != CORDON_OK)
        goto kill_all;
    /* 7. Until it ends, or cordon asks to end it, or cordon goes away. */
    pidfd = sys_pidfd_open(r.child);
    for (;;) {
        struct pollfd p[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
        int n = poll(p, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 50);
        if (n < 0 && errno != EINTR)
            goto kill_all;
        if (waitpid(r.child, &status, WNOHANG) == r.child)
            break;
        if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            struct cordon__ipc_msg in;
            if (cordon__ipc_recv(sock, &rd, 0, &in) != CORDON_OK)
                goto kill_all; /* cordon is gone, or spoke nonsense */
            if (in.type == CORDON__IPC_SIGNAL) {
                int sig = in.signal == CORDON__IPC_SIG_INTERRUPT   ? SIGINT
                          : in.signal == CORDON__IPC_SIG_TERMINATE ? SIGTERM
                                                                   : SIGKILL;
                /* The command itself is reaped by this loop; the rest
                 * of the tree after it. */
                if (sig == SIGKILL)
                    kill_tree(r.child);
                else
                    kill(-r.child, sig);
            }
            cordon__ipc_msg_free(&in);
        }
    }
    end_tree(r.child);
    r.child = 0;
    remove_tmp(&r);
    r.tmp_dir = NULL;
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_EXIT;
    m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    m.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    cordon__ipc_send(sock, &m, NULL, 0);
    rc = 0;
    goto done;
kill_all:
    if (r.child > 0) {
        end_tree(r.child);
        r.child = 0;
    }
done:
    if (r.child > 0)
        end_tree(r.child);
    remove_tmp(&r);
    if (pidfd >= 0)
        close(pidfd);
    for (i = 0; i < 2; i++)
        if (pipefd[i] >= 0)
            close(pipefd[i]);
    for (i = 0; i < 3; i++)
        if (r.stdio[i] >= 0)
            close(r.stdio[i]);
    if (r.ruleset >= 0)
        close(r.ruleset);
    if (r.have_bpf)
        cordon__bpf_free(&r.bpf);
    if (r.have_plan)
        cordon__plan_free(&r.plan);
    cordon_policy_free(r.policy);
    cordon__strv_free(&r.env);
    cordon__ipc_msg_free(&r.req);
    cordon__ipc_reader_free(&rd);
    runner__trust_free(&r.trust);
    return rc;
}
