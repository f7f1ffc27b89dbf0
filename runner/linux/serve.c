/* One run: the request in, the command run as the sandbox user under the
 * unelevated tier's restrictions where this host has them, the exit out.
 * Every failure is reported to cordon as an ERROR message with the stage
 * and errno, and on stderr when cordon is not there to hear it.
 *
 * What the runner applies, in order: the caller check (runner__trust);
 * the request (strictly decoded: core/ipc.c); the identity switch and the
 * drop of every capability (identity.c); for the offline user, the live
 * check that the firewall refuses its traffic (netcheck.c), so a flushed
 * table stops the run instead of letting it out; then, as the sandbox
 * user, the unelevated tier's own launch (backends/linux/unelevated.c,
 * cordon__linux_launch): user, mount and pid namespaces where this host
 * allows them (read-only view, writable roots, protected paths re-bound
 * read-only, deny_read masks, private /tmp, /dev and IPC), Landlock,
 * seccomp and the unix socket gate, no_new_privs. The runner itself stays
 * outside the command's namespaces, not dumpable, holding no capability. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elevated_linux.h"
#include "linux.h"
#include "process.h"
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
    struct cordon__strv env;
    struct cordon__proc *proc;
    int prepared;            /* launch_prepare ran: launch_end undoes it */
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

/* ---- the runner's side --------------------------------------------------- */

/* The request's roots, protected paths, deny_read paths and allowed unix
 * sockets become a policy, compiled on this host like cordon does, so
 * that the launch gets the unelevated tier's own plan (core/plan_linux.c).
 * Compiled before the identity switch, as the caller: what the caller
 * cannot see (a path in a directory closed to it) stays out of the plan. */
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
    /* cordon checked the roots against its refusal list already. The
     * request's roots are the only ones (its environment already names
     * the tool cache cordon chose, and that directory is one of them):
     * no cache root of the runner's own, found from its user's home,
     * joins them past the roots' check. */
    cordon_policy_set_force_roots(r->policy, 1);
    cordon_policy_set_cache(r->policy, 0);
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
    /* Absolute paths only: the request's, never this process's HOME. */
    if ((e = cordon_policy_clear_deny_read(r->policy)) != CORDON_OK)
        goto fail;
    for (i = 0; i < s->deny.n; i++)
        if (s->deny.v[i][0] == '/' &&
            (e = cordon_policy_add_deny_read(r->policy, s->deny.v[i])) != CORDON_OK)
            goto fail;
    for (i = 0; i < s->unix_allow.n; i++)
        if (s->unix_allow.v[i][0] == '/' &&
            (e = cordon_policy_allow_unix_socket(r->policy, s->unix_allow.v[i])) != CORDON_OK)
            goto fail;
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

/* The environment: the request's, with the temp variables at this run's
 * own temp (the private /tmp, or the run's directory without one; the
 * launch sets the latter again where it finds no mount namespace). */
static int environment(struct run *r)
{
    size_t i;
    const char *tmp = r->plan.private_tmp ? r->plan.tmp_env : NULL;
    for (i = 0; i < r->req.spawn.env.n; i++) {
        const char *v = r->req.spawn.env.v[i];
        if (tmp && (strncmp(v, "TMPDIR=", 7) == 0 || strncmp(v, "TMP=", 4) == 0 ||
                    strncmp(v, "TEMP=", 5) == 0))
            continue;
        if (cordon__strv_push(&r->env, v) != CORDON_OK)
            return -1;
    }
    if (tmp && (cordon__strv_pushf(&r->env, "TMPDIR=%s", tmp) != CORDON_OK ||
                cordon__strv_pushf(&r->env, "TMP=%s", tmp) != CORDON_OK ||
                cordon__strv_pushf(&r->env, "TEMP=%s", tmp) != CORDON_OK))
        return -1;
    return 0;
}

/* The stage and errno a failed launch reports to cordon. */
static void launch_failed(struct run *r, cordon_error e)
{
    const char *msg = cordon_last_error();
    if (e == CORDON_ERR_NOT_FOUND)
        report(r, CORDON__IPC_STAGE_EXEC, ENOENT, "%s", msg);
    else if (e == CORDON_ERR_NOT_EXECUTABLE)
        report(r, CORDON__IPC_STAGE_EXEC, EACCES, "%s", msg);
    else
        report(r, CORDON__IPC_STAGE_RESTRICT, 0, "%s", msg);
}

/* 0 when the launch applies every primitive the request says cordon's
 * levels assume (CORDON__IPC_SPAWN_EXPECT_*); else an ERROR at stage
 * setup naming what is missing, and -1. As the sandbox user, as the
 * launch will see it. */
static int expectations(struct run *r)
{
    struct cordon__linux_primitives p;
    uint32_t want = r->req.spawn.flags;
    char missing[200] = "";
    size_t used = 0;
    const char *what[4];
    size_t n = 0, i;

    cordon__linux_primitives(&p, 1);
    if ((want & CORDON__IPC_SPAWN_EXPECT_NS) && !p.userns)
        what[n++] = "user and mount namespaces";
    if ((want & CORDON__IPC_SPAWN_EXPECT_LANDLOCK) && !p.landlock_abi)
        what[n++] = "Landlock";
    if ((want & CORDON__IPC_SPAWN_EXPECT_SECCOMP) && !p.seccomp)
        what[n++] = "seccomp";
    if ((want & CORDON__IPC_SPAWN_EXPECT_GATE) && !p.unix_gate)
        what[n++] = "the seccomp unix socket gate";
    if (n == 0)
        return 0;
    for (i = 0; i < n && used < sizeof missing; i++) {
        int k = snprintf(missing + used, sizeof missing - used, "%s%s", i ? ", " : "", what[i]);
        if (k > 0)
            used += (size_t)k;
    }
    report(r, CORDON__IPC_STAGE_SETUP, 0,
           "the levels cordon reported assume %s, which the runner cannot apply here now", missing);
    return -1;
}

int runner__serve(int sock)
{
    struct run r;
    struct cordon__ipc_reader rd;
    struct cordon__ipc_msg m;
    struct cordon__spawn spawn;
    struct cordon__exit ex;
    char why[512];
    int rc = 2, i;
    const char *step = NULL;
    cordon_error e;

    memset(&r, 0, sizeof r);
    memset(&rd, 0, sizeof rd);
    r.sock = sock;
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
    /* The sandbox users share one uid for every allowed user, and each
     * user's roots carry entries for it: a run writes only where its
     * caller may, or one allowed user could write another's workspace
     * through the runner. access(2) checks the real uid, the caller's.
     * Being able to write a root is not enough: below a root someone
     * else owns (/tmp, a directory shared with a group) another allowed
     * user's granted workspace may lie, which the sandbox users may write
     * and the caller may not. So each root must be the caller's own; what
     * lies below it is the caller's or was put there through a directory
     * the caller let others write, and the granting side refuses to grant
     * a root below a directory someone else owns or may write
     * (cordon__root_above_closed, in the probe). The launch opens the
     * roots again without following a symbolic link: a path that is
     * swapped meanwhile can only be made of directories the caller could
     * move, and a granted root's directories above it are closed to it. */
    for (i = 0; (size_t)i < r.req.spawn.roots.n; i++) {
        const char *root = r.req.spawn.roots.v[i];
        int err;
        if (access(root, W_OK | X_OK) != 0) {
            err = errno;
            report(&r, CORDON__IPC_STAGE_CALLER, err,
                   "uid %u cannot write the root %s itself (%s): a run writes only where its "
                   "caller may", (unsigned)getuid(), root, strerror(err));
            goto done;
        }
        if ((err = cordon__root_is_callers(root, why, sizeof why)) != 0) {
            report(&r, CORDON__IPC_STAGE_CALLER, err, "%s", why);
            goto done;
        }
    }
    /* With fs.protected_hardlinks 0 the caller could hard-link into its
     * root a file of another allowed user's workspace that only the
     * sandbox users may write (with 1 it may link only files it can read
     * and write itself). With one allowed user no such file exists. */
    if (r.req.spawn.roots.n && r.trust.marker.allowed_users.n != 1 &&
        cordon__protected_hardlinks() != 1) {
        report(&r, CORDON__IPC_STAGE_CALLER, EPERM,
               "fs.protected_hardlinks is not 1 and more than one user is allowed: the caller "
               "could hard-link another allowed user's file that the sandbox users may write "
               "into its root (set sysctl fs.protected_hardlinks=1)");
        goto done;
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
    /* 4b. What the levels cordon reported assume of this launch: applied
     * here now, or nothing runs and cordon probes again (its probe may
     * have answered from what an earlier check remembered). */
    if (expectations(&r) != 0)
        goto done;
    /* 5. The unelevated tier's launch, as the sandbox user: its private
     * temp dir (the sandbox user's own), then the command under every
     * restriction this host allows. */
    if ((e = cordon__linux_launch_prepare(&r.plan)) != CORDON_OK) {
        launch_failed(&r, e);
        goto done;
    }
    r.prepared = 1;
    if (environment(&r) != 0) {
        report(&r, CORDON__IPC_STAGE_EXEC, ENOMEM, "out of memory");
        goto done;
    }
    memset(&spawn, 0, sizeof spawn);
    spawn.argv = (const char *const *)r.req.spawn.argv.v;
    spawn.envp = (const char *const *)r.env.v;
    spawn.cwd = r.req.spawn.cwd;
    for (i = 0; i < 3; i++)
        spawn.stdio[i] = (cordon_os_handle)r.stdio[i];
    if ((e = cordon__linux_launch(&r.plan, &spawn, &r.proc)) != CORDON_OK) {
        if (cordon__linux_take_replan())
            /* The namespaces the host's settings promised failed, and a
             * live probe says they are gone: cordon's levels assumed them. */
            report(&r, CORDON__IPC_STAGE_SETUP, 0,
                   "the runner's user namespaces failed in the launch and are unusable here "
                   "now: %s", cordon_last_error());
        else
            launch_failed(&r, e);
        goto done;
    }
    /* The command holds its stdio now; the runner keeps none of it. */
    for (i = 0; i < 3; i++) {
        close(r.stdio[i]);
        r.stdio[i] = -1;
    }
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_STARTED;
    m.pid = (uint64_t)cordon__process_pid(r.proc);
    if (cordon__ipc_send(sock, &m, NULL, 0) != CORDON_OK)
        goto done; /* launch_end ends the tree */
    /* 6. Until it ends, or cordon asks to end it, or cordon goes away. */
    for (;;) {
        struct pollfd p[2] = {{sock, POLLIN, 0}, {r.proc->status_fd, POLLIN, 0}};
        int n = poll(p, r.proc->status_fd >= 0 ? 2 : 1, r.proc->status_fd >= 0 ? -1 : 50);
        if (n < 0 && errno != EINTR)
            goto done;
        if (cordon__process_ended(r.proc, 0))
            break;
        if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            struct cordon__ipc_msg in;
            if (cordon__ipc_recv(sock, &rd, 0, &in) != CORDON_OK)
                goto done; /* cordon is gone, or spoke nonsense: launch_end ends the tree */
            if (in.type == CORDON__IPC_SIGNAL) {
                /* The supervisor passes what it receives to the command's
                 * group; a kill ends the whole tree. */
                if (in.signal == CORDON__IPC_SIG_KILL)
                    cordon__process_kill(r.proc);
                else
                    kill((pid_t)cordon__process_pid(r.proc),
                         in.signal == CORDON__IPC_SIG_INTERRUPT ? SIGINT : SIGTERM);
            }
            cordon__ipc_msg_free(&in);
        }
    }
    if (cordon__process_wait(r.proc, 0, &ex) != CORDON_OK) {
        report(&r, CORDON__IPC_STAGE_WAIT, 0, "%s", cordon_last_error());
        goto done;
    }
    cordon__linux_launch_end(&r.plan, r.proc); /* the temp dir and placeholders go first */
    r.proc = NULL;
    r.prepared = 0;
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_EXIT;
    m.exit_code = ex.exit_code;
    m.term_signal = ex.term_signal;
    cordon__ipc_send(sock, &m, NULL, 0);
    rc = 0;
done:
    if (r.proc)
        cordon__process_kill(r.proc);
    if (r.prepared)
        cordon__linux_launch_end(&r.plan, r.proc);
    for (i = 0; i < 3; i++)
        if (r.stdio[i] >= 0)
            close(r.stdio[i]);
    if (r.have_plan)
        cordon__plan_free(&r.plan);
    cordon_policy_free(r.policy);
    cordon__strv_free(&r.env);
    cordon__ipc_msg_free(&r.req);
    cordon__ipc_reader_free(&rd);
    runner__trust_free(&r.trust);
    runner__reap_children();
    return rc;
}

void runner__reap_children(void)
{
    /* The supervisor may still be exiting after it relayed the status,
     * and the launch's namespace probe is reaped only with __WALL: wait
     * for both here, so that nothing of the run is left as a zombie of
     * whatever adopts it. Each ends on its own (the supervisor's tree is
     * gone), so this does not block for long. */
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
        ;
}
