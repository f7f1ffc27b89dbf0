/* linux-unelevated: the sandbox any user can start. It applies the Linux
 * plan (core/plan_linux.h) with what this kernel offers right now:
 *
 *   user+mount+pid namespaces  read-only view of every mount except the
 *                              writable roots and the private /tmp;
 *                              protected paths re-bound read-only; the
 *                              command's tree dies with its pid 1
 *   Landlock                   writes refused outside the roots (also
 *                              against a process that gets rid of the
 *                              mounts), TCP refused, signals scoped
 *   network namespace          network off: a private one with only lo
 *                              up (its own 127.0.0.1 and ::1)
 *   seccomp (libseccomp)       families a network namespace does not
 *                              hold refused (all but unix and netlink
 *                              without one); io_uring, mounts, TIOCSTI
 *                              refused; connect() through the unix
 *                              socket gate (unixgate.c)
 *
 * Each primitive is probed live; CORDON_DISABLE makes the probes treat
 * one as absent. The probe lowers exactly the dimensions a missing
 * primitive served, with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "placeholder.h"
#include "process.h"
#include "rawsys.h"
#include "sandbox.h"

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID)
#define MOUNTINFO_MAX (256 * 1024)

/* ---- probes ---------------------------------------------------------------- */

unsigned cordon__linux_disabled(void)
{
    const char *v = getenv("CORDON_DISABLE");
    unsigned bits = 0;
    const char *p = v;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 8 && strncmp(p, "landlock", 8) == 0)
            bits |= CORDON__DISABLE_LANDLOCK;
        else if (n == 6 && strncmp(p, "userns", 6) == 0)
            bits |= CORDON__DISABLE_USERNS;
        else if (n == 7 && strncmp(p, "seccomp", 7) == 0)
            bits |= CORDON__DISABLE_SECCOMP;
        p = end ? end + 1 : NULL;
    }
    return bits;
}

struct host_caps {
    int userns;  int userns_err; const char *userns_step;
    int userns_assumed;           /* see USERNS_ASSUMED */
    int abi;     int abi_err;
    int seccomp; int seccomp_err;
    int notify;  int notify_err;  /* the unix socket gate's primitives */
    int netns;                    /* network namespaces may be made (user namespace too) */
    unsigned disabled;
};

/* What the probe's child found; written by the child before it exits,
 * read by the parent once the vfork-style clone returns. */
static volatile int probe_err;
static const char *volatile probe_step;

/* The child of the probe, in new user, mount and pid namespaces: the
 * namespaces alone prove nothing (Ubuntu 23.10+ with
 * apparmor_restrict_unprivileged_userns lets the clone succeed and
 * refuses every mount; a parent seccomp filter may refuse the mount
 * calls), so it does what the run does first: makes the mount tree
 * private and binds a directory. Its exit tears the namespace down, and
 * the bind with it. */
static int probe_child(void *arg)
{
    (void)arg;
    probe_err = 0;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        probe_err = errno;
        probe_step = "mount(MS_PRIVATE) in a new user and mount namespace";
    } else if (mount("/etc", "/etc", NULL, MS_BIND | MS_REC, NULL) != 0) {
        probe_err = errno;
        probe_step = "mount(MS_BIND) of /etc in a new user and mount namespace";
    }
    return 0;
}

/* A live test: can a child of ours enter new user, mount and pid
 * namespaces, and mount there? CLONE_VM | CLONE_VFORK: the child borrows
 * our memory and runs on a stack of its own (static: the probe runs once
 * per process), so the clone copies no page tables; we resume as soon as
 * the child starts exiting, before the teardown of its namespaces (an
 * RCU grace period), which overlaps with the run. It touches nothing but
 * that stack and the two results. The child is reaped later (reap_probe;
 * at the latest in cleanup). Atomic, as runs on several threads may reap
 * it. */
static _Atomic pid_t probe_pid = -1;
static char probe_stack[8192] __attribute__((aligned(16)));

/* Reaps the probe's child; |block| 0: only if it is gone already. A host
 * that reaps every child itself (waitpid(-1, __WALL)) may have taken it:
 * ECHILD is fine. */
static void reap_probe(int block)
{
    pid_t pid = atomic_load(&probe_pid), w;
    if (pid < 0)
        return;
    do
        w = waitpid(pid, NULL, __WALL | (block ? 0 : WNOHANG));
    while (w < 0 && errno == EINTR);
    if (w != 0)
        atomic_compare_exchange_strong(&probe_pid, &pid, -1);
}

static int probe_userns(int *err, const char **step)
{
    sigset_t all, old;
    pid_t pid;
    /* The child inherits a mask with every signal blocked: no handler of
     * the host may run in it, on its stack, in our shared memory. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    probe_err = EPROTO; /* if the child never ran */
    probe_step = "the probe's child";
    /* No exit signal: a SIGCHLD arriving while the run clones its
     * supervisor would make the kernel undo and restart that clone, and
     * a host program embedding the library would see a child it never
     * made. It is reaped with __WALL. */
    pid = clone(probe_child, probe_stack + sizeof probe_stack, CLONE_VM | CLONE_VFORK | NS_FLAGS,
                NULL);
    *err = pid < 0 ? errno : probe_err;
    *step = pid < 0 ? "clone(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID)" : probe_step;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0)
        return 0;
    atomic_store(&probe_pid, pid);
    return *err == 0;
}

/* The number a /proc/sys file holds; |dflt| when it cannot be read. */
static long sysctl_number(const char *path, long dflt)
{
    char buf[32];
    ssize_t r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dflt;
    r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0)
        return dflt;
    buf[r] = '\0';
    return strtol(buf, NULL, 10);
}

/* Network namespaces: not made by the probe (one costs about 0.4 ms);
 * only a limit of 0 says none may be made. Where the clone still fails,
 * the run falls back to the seccomp refusal (cordon__linux_launch), which
 * holds the same level. */
static int netns_allowed(void)
{
    return sysctl_number("/proc/sys/user/max_net_namespaces", 1) != 0;
}

/* What the host's settings say of user namespaces without making one:
 * 0 nothing against them, 1 none can be made (*err, *step say why), 2
 * cannot tell (a policy that only a live probe can show: AppArmor's
 * restriction may or may not cover us). */
static int userns_settings(int *err, const char **step)
{
    if (sysctl_number("/proc/sys/user/max_user_namespaces", 1) == 0) {
        *err = ENOSPC;
        *step = "clone(CLONE_NEWUSER): user.max_user_namespaces is 0";
        return 1;
    }
    if (geteuid() != 0 && sysctl_number("/proc/sys/kernel/unprivileged_userns_clone", 1) == 0) {
        *err = EPERM;
        *step = "clone(CLONE_NEWUSER): kernel.unprivileged_userns_clone is 0";
        return 1;
    }
    if (sysctl_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 0) != 0)
        return 2;
    return 0;
}

/* Whether user namespaces serve here, and how that is known:
 *   USERNS_UNKNOWN  nothing asked yet;
 *   USERNS_ASSUMED  a run's probe found nothing against them in the
 *                   host's settings and leaves the proof to the launch,
 *                   whose own namespaces are the probe (a separate probe
 *                   would make and tear down a second set per command);
 *                   a launch that fails in its namespaces probes live
 *                   and has the run planned again (cordon__os_replan);
 *   USERNS_KNOWN    probed live (cordon level, explain), or proven or
 *                   disproven by a launch.
 * Shared by the threads of the process. */
enum { USERNS_UNKNOWN, USERNS_ASSUMED, USERNS_KNOWN };
static pthread_mutex_t userns_lock = PTHREAD_MUTEX_INITIALIZER;
static int userns_state = USERNS_UNKNOWN;
static int userns_ok, userns_err;
static const char *userns_step;
static _Thread_local int replan_wanted;

int cordon__linux_take_replan(void)
{
    int r = replan_wanted;
    replan_wanted = 0;
    return r;
}

/* The answer for a probe (|for_run|: a run's, which may assume). */
static void userns_answer(int for_run, int *ok, int *err, const char **step, int *assumed)
{
    pthread_mutex_lock(&userns_lock);
    if (userns_state == USERNS_UNKNOWN || (userns_state == USERNS_ASSUMED && !for_run)) {
        int says = for_run ? userns_settings(&userns_err, &userns_step) : 2;
        if (says == 0) {
            userns_ok = 1;
            userns_state = USERNS_ASSUMED;
        } else if (says == 1) {
            userns_ok = 0;
            userns_state = USERNS_KNOWN;
        } else {
            userns_ok = probe_userns(&userns_err, &userns_step);
            userns_state = USERNS_KNOWN;
        }
    }
    *ok = userns_ok;
    *err = userns_err;
    *step = userns_step;
    *assumed = userns_state == USERNS_ASSUMED;
    pthread_mutex_unlock(&userns_lock);
}

/* A launch with assumed user namespaces ended: |worked| 1 proves them;
 * 0 (it failed in its namespaces) has the live probe decide, and when
 * that finds them unusable, the run is planned again. */
static void userns_launched(int worked)
{
    pthread_mutex_lock(&userns_lock);
    if (userns_state == USERNS_ASSUMED) {
        if (worked) {
            userns_ok = 1;
        } else {
            userns_ok = probe_userns(&userns_err, &userns_step);
            replan_wanted = !userns_ok;
        }
        userns_state = USERNS_KNOWN;
    }
    pthread_mutex_unlock(&userns_lock);
}

/* The host's primitives, probed once per process (none of the answers
 * changes while it runs); CORDON_DISABLE is applied on every call. */
static struct host_caps live;
static pthread_once_t live_once = PTHREAD_ONCE_INIT;

static void probe_live(void)
{
    live.abi = cordon__landlock_abi(&live.abi_err);
    live.seccomp = cordon__seccomp_available(&live.seccomp_err);
    live.notify = live.seccomp && cordon__seccomp_notify_available(&live.notify_err);
    live.netns = netns_allowed();
}

static void probe_host(struct host_caps *h, int for_run)
{
    pthread_once(&live_once, probe_live);
    memset(h, 0, sizeof *h);
    h->disabled = cordon__linux_disabled();
    if (!(h->disabled & CORDON__DISABLE_USERNS))
        userns_answer(for_run, &h->userns, &h->userns_err, &h->userns_step, &h->userns_assumed);
    reap_probe(0);
    if (!(h->disabled & CORDON__DISABLE_LANDLOCK)) {
        h->abi = live.abi;
        h->abi_err = live.abi_err;
    }
    if (!(h->disabled & CORDON__DISABLE_SECCOMP)) {
        h->seccomp = live.seccomp;
        h->seccomp_err = live.seccomp_err;
        h->notify = live.notify;
        h->notify_err = live.notify_err;
    }
    h->netns = h->userns && live.netns;
}

void cordon__linux_primitives(struct cordon__linux_primitives *out, int for_run)
{
    struct host_caps h;
    probe_host(&h, for_run);
    out->userns = h.userns;
    out->landlock_abi = h.abi;
    out->seccomp = h.seccomp;
    out->unix_gate = h.notify;
    out->netns = h.netns;
}

static void why_userns(const struct host_caps *h, char *buf, size_t n)
{
    if (h->disabled & CORDON__DISABLE_USERNS)
        snprintf(buf, n, "user namespaces disabled by CORDON_DISABLE");
    else
        snprintf(buf, n, "user namespaces unusable (%s: errno %d, %s)",
                 h->userns_step ? h->userns_step : "clone", h->userns_err,
                 strerror(h->userns_err));
}

static void why_landlock(const struct host_caps *h, char *buf, size_t n)
{
    if (h->disabled & CORDON__DISABLE_LANDLOCK)
        snprintf(buf, n, "Landlock disabled by CORDON_DISABLE");
    else
        snprintf(buf, n, "Landlock unavailable (landlock_create_ruleset: errno %d, %s)",
                 h->abi_err, strerror(h->abi_err));
}

static void why_seccomp(const struct host_caps *h, char *buf, size_t n)
{
    if (h->disabled & CORDON__DISABLE_SECCOMP)
        snprintf(buf, n, "seccomp disabled by CORDON_DISABLE");
    else
        snprintf(buf, n, "seccomp unavailable (seccomp: errno %d, %s)", h->seccomp_err,
                 strerror(h->seccomp_err));
}

/* "; allowed: a, b" for the policy's allow_unix_sockets. */
static void allowed_list(const struct cordon__plan *plan, char *buf, size_t n)
{
    size_t i, k = 0;
    buf[0] = '\0';
    for (i = 0; i < plan->unix_allow.n && k + 1 < n; i++) {
        int w = snprintf(buf + k, n - k, "%s%s", i ? ", " : "; allowed by the policy: ",
                         plan->unix_allow.v[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

/* network: IP traffic when the policy says off, and the unix sockets of
 * host services in every mode. */
static void network_level(const struct cordon__plan *plan, const struct host_caps *h,
                          const char *why_sc, struct cordon__probe *out)
{
    char ip[300], ux[300], allow[200], nt[120];
    int ip_ok = 1, ux_ok = h->notify;

    allowed_list(plan, allow, sizeof allow);
    if (h->seccomp && !h->notify)
        snprintf(nt, sizeof nt, "seccomp user notification unavailable (errno %d)",
                 h->notify_err);
    else
        snprintf(nt, sizeof nt, "%.110s", why_sc);
    if (plan->network)
        snprintf(ip, sizeof ip, "the policy allows the network");
    else if (h->netns && h->seccomp)
        snprintf(ip, sizeof ip, "a private network namespace with only lo up (else seccomp "
                                "refuses all but unix and netlink sockets; vsock, ... always)");
    else if (h->netns)
        snprintf(ip, sizeof ip, "a private network namespace with only lo up (%.100s)", why_sc);
    else if (h->seccomp)
        snprintf(ip, sizeof ip, "seccomp refuses every socket family but unix and netlink (%s)",
                 h->userns ? "network namespaces limited to 0" : "no network namespace");
    else {
        /* The stubs count only where they really are. */
        char ssh[PATH_MAX];
        int stubs = plan->shim_dir &&
                    snprintf(ssh, sizeof ssh, "%s/ssh", plan->shim_dir) < (int)sizeof ssh &&
                    access(ssh, X_OK) == 0;
        ip_ok = 0;
        snprintf(ip, sizeof ip, "%.90s: only the proxy %s%s", why_sc,
                 stubs ? "environment and the ssh/scp stubs apply"
                       : "environment applies (no ssh/scp stubs were found: set CORDON_SHIM_DIR)",
                 h->abi >= 4 ? " (Landlock refuses TCP only)" : "");
    }
    if (ux_ok)
        snprintf(ux, sizeof ux, "unix sockets outside are reached only through the gate "
                                "(seccomp user notification; unix datagram refused; abstract %s)",
                 !plan->network && h->netns ? "per network namespace" : "refused");
    else
        snprintf(ux, sizeof ux, "unix sockets of host services (docker, ssh-agent, D-Bus) are "
                                "reachable by path: %.120s%s",
                 nt, h->abi >= 6 ? "; Landlock scopes abstract ones" : "");
    out->level[CORDON_DIM_NETWORK] = plan->network           ? CORDON_LEVEL_NONE
                                     : ip_ok && ux_ok        ? CORDON_LEVEL_ENFORCED
                                                             : CORDON_LEVEL_ADVISORY;
    {
        /* The allowed list may be cut at the end of the reason. */
        char full[720];
        size_t n;
        snprintf(full, sizeof full, "%.250s; %.260s%.200s", ip, ux, allow);
        n = strlen(full);
        if (n >= CORDON_REASON_MAX)
            n = CORDON_REASON_MAX - 1;
        memcpy(out->reason[CORDON_DIM_NETWORK], full, n);
        out->reason[CORDON_DIM_NETWORK][n] = '\0';
    }
}

static void unelevated_probe(const struct cordon__plan *plan, struct cordon__probe *out)
{
    const struct cordon__plan_linux *lp = &plan->linux_plan;
    struct host_caps h;
    char u[200], l[200], s[200];
    int d;

    memset(out, 0, sizeof *out);
    for (d = 0; d < CORDON_DIM_COUNT; d++)
        out->level[d] = CORDON_LEVEL_NONE;
    if (!lp->confine) {
        snprintf(out->why_not, sizeof out->why_not,
                 "the full-access policy runs unrestricted (linux-direct)");
        return;
    }
    probe_host(&h, plan->for_run);
    why_userns(&h, u, sizeof u);
    why_landlock(&h, l, sizeof l);
    why_seccomp(&h, s, sizeof s);
    out->ready = 1;

    /* fs_write: the read-only view covers content and metadata; Landlock
     * covers content only, so without the view seccomp must refuse the
     * metadata calls. */
    if (h.userns) {
        out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_ENFORCED;
        if (h.abi)
            snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                     "read-only mount view and Landlock ABI %d", h.abi);
        else
            snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                     "read-only mount view only: %s", l);
    } else if (h.abi && h.seccomp) {
        out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_ENFORCED;
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                 "Landlock ABI %d; %s, so seccomp refuses chmod/chown/utimes/xattr changes "
                 "everywhere, inside the roots too", h.abi, u);
    } else if (h.abi) {
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                 "Landlock refuses writes outside the roots, but chmod/chown/utimes/xattr "
                 "changes get through: %s and %s", u, s);
    } else {
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX, "%s and %s", l, u);
    }

    /* The kernel keyrings are the user's, in every user namespace: a key
     * of the caller's is linked by its serial number into a keyring the
     * command holds, and then read or changed. Only seccomp refuses the
     * keyring calls. */
    if (!h.seccomp && out->level[CORDON_DIM_FS_WRITE] == CORDON_LEVEL_ENFORCED) {
        char was[CORDON_REASON_MAX];
        snprintf(was, sizeof was, "%s", out->reason[CORDON_DIM_FS_WRITE]);
        out->level[CORDON_DIM_FS_WRITE] = CORDON_LEVEL_NONE;
        snprintf(out->reason[CORDON_DIM_FS_WRITE], CORDON_REASON_MAX,
                 "%.120s, so the caller's kernel keyrings stay reachable (keyctl links a key "
                 "by serial number, then reads or changes it); files outside are refused "
                 "(%.150s)", s, was);
    }

    /* Device files stay writable through a read-only mount, and root
     * owns the block devices: the view is nodev, and the private /dev
     * holds only harmless nodes (without user namespaces fs_write is
     * enforced only with Landlock, which allows those nodes alone). */
    if (plan->n_protect == 0) {
        out->level[CORDON_DIM_PROTECTED_PATHS] = out->level[CORDON_DIM_FS_WRITE];
        snprintf(out->reason[CORDON_DIM_PROTECTED_PATHS], CORDON_REASON_MAX,
                 "no protected path inside a writable root");
    } else if (h.userns) {
        out->level[CORDON_DIM_PROTECTED_PATHS] = CORDON_LEVEL_ENFORCED;
        snprintf(out->reason[CORDON_DIM_PROTECTED_PATHS], CORDON_REASON_MAX,
                 "re-bound read-only in a mount namespace; missing ones are held by "
                 "placeholders (socket nodes, shared by concurrent runs) while the "
                 "command runs");
    } else {
        snprintf(out->reason[CORDON_DIM_PROTECTED_PATHS], CORDON_REASON_MAX, "%s", u);
    }

    cordon__probe_secrets(plan, out, h.userns,
                          "hidden by empty read-only mounts in the command's mount namespace",
                          u);

    network_level(plan, &h, s, out);
    if (h.seccomp && !h.userns && h.abi < 6) {
        /* Without a pid namespace only Landlock keeps the user's other
         * processes (the caller's included) out of reach: ptrace from ABI
         * 1, signals from ABI 6. A process reached acts for the command. */
        out->level[CORDON_DIM_NETWORK] = CORDON_LEVEL_ADVISORY;
        snprintf(out->reason[CORDON_DIM_NETWORK], CORDON_REASON_MAX,
                 "seccomp refuses the command's own sockets, but without a pid namespace (%s) "
                 "and %s it can %s the user's other processes, which are not confined", u,
                 h.abi ? "Landlock ABI < 6" : "without Landlock",
                 h.abi ? "signal" : "signal and trace");
    }
}

/* ---- per-run state --------------------------------------------------------- */

/* Everything the child side needs, prepared by the caller before the clone
 * (allocation and error reporting happen there); the supervisor and the
 * command work on their own copies. src_fd is filled in the supervisor. */
struct run_ctx {
    const struct cordon__plan_linux *lp;
    int userns;
    char uid_map[64], gid_map[64];
    int *src_fd;             /* per mount, -1 when none */
    /* Per writable root (plan->roots): opened once by the caller after
     * canonicalization, without following a symbolic link; it serves the
     * Landlock rule, and the command checks that the root it binds is
     * this very directory. root_mount: the index of the root's own bind. */
    size_t n_roots;
    int *root_fd;
    size_t *root_mount;
    /* Per root, in the command: a detached copy of the root's mount tree
     * taken before the view was made read-only (open_tree), so that mounts
     * inside a root keep the host's read-only or writable state; -1 where
     * the kernel cannot (the root is then bound from the read-only view,
     * and mounts inside it stay read-only). */
    int *tree_fd;
    struct cordon__placeholders *ph; /* shared; made by the caller after the clone */
    const char *tmp_host;    /* the host temp directory in use, else NULL */
    char *host_ro;           /* per mount: its source is on a read-only mount */
    int ruleset;             /* -1: no Landlock */
    uint64_t ll_handled;
    int have_seccomp;
    const char *mask;        /* the first deny_read mask mounted, the others bind it */
    /* The private network namespace: the supervisor makes it (unshare)
     * while the command makes its mounts, and passes it over netsock
     * (with SCM_RIGHTS, or a failure word) for the command to join. */
    int netns;
    int netsock[2];
    /* With it, the supervisor writes the id maps itself after the
     * command's clone (make_netns), while the command starts, and says
     * over mapsp when they are in (MAPS_DONE, or the failing step): the
     * command waits for that before its namespaces (enter_ns). */
    int mapsp[2];
    int have_gate;           /* the unix socket gate serves connect() */
    struct cordon__unixgate gate;
    const char **own;        /* the gate's places of the command's own sockets */
    struct cordon__bpf bpf;  /* the caller's, built after the clone */
    int drop_caps;
    int stdio_fd[3];         /* the command's stdio in the caller */
    int reopen[3];           /* stdio to open again in the read-only view (see stdio_plan) */
    char *stdio_path[3];     /* its path as the caller found it (owned), or NULL */
    /* After the clone, while the supervisor and the command set up, the
     * caller makes the placeholders and sends "held" (with a mount
     * namespace only), then adds the Landlock rules, builds the seccomp
     * filter and sends "ready" with it, all on prep[0]. The command
     * receives "held" on prep[1] before it opens the protected paths, and
     * "ready" into bpf_in before it enforces anything. */
    int prep[2];
    struct sock_filter *bpf_in; /* BPF_MAXINSNS entries, for the command */
    struct cordon__bpf bpf_rx;  /* the command's view of bpf_in */
};

/* What the caller sends once the sandbox is prepared. */
struct prep_head {
    uint32_t ready;          /* PREP_READY */
    uint32_t len;            /* instructions that follow; 0: no seccomp */
};
#define PREP_READY 0x72646479u
#define PREP_HELD 0x646c6568u /* uint32_t: the placeholders are there */

/* ---- between fork and exec (async-signal-safe) ---------------------------- */


static int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? errno : EPIPE;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    size_t n = strlen(s);
    ssize_t w;
    if (fd < 0)
        return errno;
    w = write(fd, s, n);
    if (w != (ssize_t)n) {
        int e = w < 0 ? errno : EIO;
        close(fd);
        return e;
    }
    close(fd);
    return 0;
}

/* "<what><path>" in a buffer of this process (the supervisor's own copy
 * of memory), for the failure report. */
static const char *step_with_path(const char *what, const char *path)
{
    static char buf[200];
    size_t n = strlen(what), k = strlen(path);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, what, n);
    if (k > sizeof buf - 1 - n)
        k = sizeof buf - 1 - n;
    memcpy(buf + n, path, k);
    buf[n + k] = '\0';
    return buf;
}

/* The flags a bind remount must keep: the kernel refuses to clear the
 * ones it locked when the mount came from a more privileged namespace.
 * *is_ro: the mount (or its filesystem) is read-only already. */
static unsigned long kept_flags(const char *path, int *is_ro)
{
    /* statfs, not statvfs: the raw call, no library fallback that might
     * read /proc/mounts with stdio here between fork and exec. */
    struct statfs sf;
    struct {
        unsigned long f_flag;
    } sv;
    unsigned long f = 0;
    *is_ro = 0;
    if (statfs(path, &sf) != 0)
        return 0;
    sv.f_flag = (unsigned long)sf.f_flags;
    *is_ro = (sv.f_flag & ST_RDONLY) != 0;
    if (sv.f_flag & ST_NOSUID)
        f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        f |= MS_RELATIME;
    if (!(sv.f_flag & (ST_RELATIME | ST_NOATIME)))
        f |= MS_STRICTATIME; /* a bind remount otherwise resets it to relatime */
    return f;
}

static int has_opt(const char *opts, const char *name)
{
    size_t n = strlen(name);
    const char *p = opts;
    while ((p = strstr(p, name)) != NULL) {
        if ((p == opts || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
        p += n;
    }
    return 0;
}

/* The whole tree read-only in one atomic step (mount_setattr, Linux 5.12).
 * Returns 0 or errno; the caller falls back to one remount per mount. */
static int readonly_all_at_once(void)
{
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
    struct {
        uint64_t attr_set, attr_clr, propagation, userns_fd;
    } attr;
    memset(&attr, 0, sizeof attr);
    /* nodev too: a device node stays writable on a read-only mount, and
     * root owns the block devices. The private /dev's nodes are made
     * usable again one by one (bind_dev_node). */
    attr.attr_set = 0x00000001 | 0x00000004; /* MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV */
    if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0x8000 /* AT_RECURSIVE */, &attr,
                sizeof attr) != 0)
        return errno;
    return 0;
}

/* Clears nodev on the mount at |path| (and keeps it read-only). */
static int clear_nodev(const char *path)
{
    struct {
        uint64_t attr_set, attr_clr, propagation, userns_fd;
    } attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_clr = 0x00000004; /* MOUNT_ATTR_NODEV */
    int is_ro;
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &attr, sizeof attr) == 0)
        return 0;
    return mount(NULL, path, NULL,
                 MS_REMOUNT | MS_BIND | MS_RDONLY | (kept_flags(path, &is_ro) & ~MS_NODEV), NULL);
}

/* 1 when |path| cannot be looked up (EACCES on the way): a mount there
 * cannot be written through either. A reachable mount whose remount is
 * refused with EACCES was refused by a security module, and the view
 * would stay writable: that aborts the run. */
static int unreachable(const char *path)
{
    struct stat st;
    return stat(path, &st) != 0 && errno == EACCES;
}

/* Remounts every mount read-only. A mount we cannot reach cannot be
 * written through either; any other failure aborts the run. */
static int readonly_all(const char **step)
{
    int fd, e;
    size_t len = 0;
    char *buf, *line, *next;

    if (readonly_all_at_once() == 0)
        return 0;
    /* Kernels before 5.12: one remount per mount, read from mountinfo
     * into scratch memory mapped here (no allocator between fork and
     * exec). */
    buf = mmap(NULL, MOUNTINFO_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        *step = "read /proc/self/mountinfo (mmap)";
        return errno;
    }
    fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        munmap(buf, MOUNTINFO_MAX);
        *step = "read /proc/self/mountinfo (open)";
        return e;
    }
    for (;;) {
        ssize_t r = read(fd, buf + len, MOUNTINFO_MAX - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len >= MOUNTINFO_MAX - 1) {
            close(fd);
            munmap(buf, MOUNTINFO_MAX);
            *step = "read /proc/self/mountinfo (too many mounts)";
            return E2BIG;
        }
    }
    close(fd);
    buf[len] = '\0';
    e = 0;
    for (line = buf; line && *line && !e; line = next) {
        char *f[6];
        char *p = line;
        int i;
        unsigned long flags;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        for (i = 0; i < 6 && p; i++) {
            f[i] = p;
            p = strchr(p, ' ');
            if (p)
                *p++ = '\0';
        }
        if (i < 6)
            continue;
        cordon__mountinfo_unescape(f[4]);
        if (has_opt(f[5], "ro") && has_opt(f[5], "nodev"))
            continue;
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NODEV;
        if (has_opt(f[5], "nosuid"))
            flags |= MS_NOSUID;
        if (has_opt(f[5], "nodev"))
            flags |= MS_NODEV;
        if (has_opt(f[5], "noexec"))
            flags |= MS_NOEXEC;
        if (has_opt(f[5], "noatime"))
            flags |= MS_NOATIME;
        if (has_opt(f[5], "nodiratime"))
            flags |= MS_NODIRATIME;
        if (has_opt(f[5], "relatime"))
            flags |= MS_RELATIME;
        if (!has_opt(f[5], "relatime") && !has_opt(f[5], "noatime"))
            flags |= MS_STRICTATIME;
        if (mount(NULL, f[4], NULL, flags, NULL) != 0 && errno != ENOENT && errno != ENOTDIR &&
            errno != EINVAL && !(errno == EACCES && unreachable(f[4]))) {
            /* EINVAL: the path is no longer a mount point's top (an
             * over-mounted entry listed twice); the top one was done. */
            e = errno;
            *step = step_with_path("remount read-only (mount) ", f[4]);
        }
    }
    munmap(buf, MOUNTINFO_MAX);
    return e;
}

/* mkdir -p of |path|'s missing parts; the last one as a file if |file|.
 * Only used below the private /tmp and /dev, whose content is ours. */
static int make_mount_point(const char *path, int file)
{
    char buf[4096];
    size_t n = strlen(path), i;
    if (n >= sizeof buf)
        return ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char save = buf[i];
            buf[i] = '\0';
            if (save == '\0' && file) {
                int fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                if (fd < 0 && errno != EEXIST)
                    return errno;
                if (fd >= 0)
                    close(fd);
            } else if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return errno;
            }
            buf[i] = save;
        }
    }
    return 0;
}

static int path_under(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

/* 1 when |dst| lies in a private mount (the private /tmp, /dev), whose
 * content is the command's own, and not in a root bound there (a missing
 * path in a root is the host's: nothing is made on the host). */
static int in_private_mount(const struct run_ctx *c, const char *dst)
{
    size_t r;
    if (!path_under(dst, "/dev") && !(c->lp->tmp_mount && path_under(dst, c->lp->tmp_mount)))
        return 0;
    for (r = 0; r < c->n_roots; r++) {
        const char *root = c->lp->mounts[c->root_mount[r]].dst;
        if (path_under(dst, root) && strcmp(dst, root) != 0)
            return 0;
    }
    return 1;
}

/* "/proc/self/fd/<fd>" into |src| (64 bytes); snprintf is not
 * async-signal-safe, so the number is spelled out. */
static void fd_path(int fd, char *src)
{
    char num[16];
    size_t n = 0, k;
    unsigned v = (unsigned)fd;
    do {
        num[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof num);
    memcpy(src, "/proc/self/fd/", 14);
    for (k = 0; k < n; k++)
        src[14 + k] = num[n - 1 - k];
    src[14 + n] = '\0';
}

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif

/* A detached copy of the mount tree at |fd| (a root), with the flags it
 * has on the host, nodev added (as the read-only view has it: device
 * files are not the command's to use); -1 where the kernel cannot
 * (open_tree: Linux 5.2; mount_setattr on a detached tree: 5.12). */
static int clone_tree(int fd)
{
    struct {
        uint64_t attr_set, attr_clr, propagation, userns_fd;
    } attr;
    int tree = (int)syscall(SYS_open_tree, fd, "",
                            1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | AT_EMPTY_PATH |
                                0x8000 /* AT_RECURSIVE */);
    if (tree < 0)
        return -1;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = 0x00000004; /* MOUNT_ATTR_NODEV */
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | 0x8000 /* AT_RECURSIVE */, &attr,
                sizeof attr) != 0) {
        close(tree);
        return -1;
    }
    return tree;
}

/* Attaches a root's detached tree (clone_tree) on its place in the view.
 * Its mounts keep the host's state: the root writable unless its
 * filesystem is read-only there, a mount inside it as it is outside. */
static int move_tree(struct run_ctx *c, const struct cordon__mount *m, int tree,
                     const char **step)
{
    int e = 0;
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, m->dst, 0x4 /* MOVE_MOUNT_F_EMPTY_PATH */) !=
        0) {
        e = errno;
        if (e == ENOENT && in_private_mount(c, m->dst)) {
            if ((e = make_mount_point(m->dst, 0)) != 0) {
                *step = step_with_path("create a mount point in a private mount (mkdir) ", m->dst);
                return e;
            }
            e = syscall(SYS_move_mount, tree, "", AT_FDCWD, m->dst,
                        0x4 /* MOVE_MOUNT_F_EMPTY_PATH */) != 0 ? errno : 0;
        }
    }
    if (e)
        *step = step_with_path("bind writable (move_mount) ", m->dst);
    return e;
}

static int bind_path(struct run_ctx *c, const struct cordon__mount *m, int fd, int tree,
                     int readonly, const char **step)
{
    char src[64];
    unsigned long flags;
    int is_ro, bound;

    if (tree >= 0)
        return move_tree(c, m, tree, step);
    fd_path(fd, src);
    bound = mount(src, m->dst, NULL, MS_BIND | MS_REC, NULL) == 0;
    if (!bound && errno == ENOENT && in_private_mount(c, m->dst)) {
        /* Below the private /tmp or /dev the mount point is still to be
         * made. */
        int e = make_mount_point(m->dst, m->is_file);
        if (e) {
            *step = step_with_path("create a mount point in a private mount (mkdir) ", m->dst);
            return e;
        }
        bound = mount(src, m->dst, NULL, MS_BIND | MS_REC, NULL) == 0;
    }
    if (!bound) {
        int e = errno;
        *step = step_with_path(readonly ? "bind read-only (mount) " : "bind writable (mount) ",
                               m->dst);
        return e;
    }
    /* mount(2) follows links on the way to its target: check that the
     * path, resolved without any, now leads to what was opened. */
    if (m->protect || m->pin) {
        struct stat a, b;
        int at = cordon__open_nofollow(AT_FDCWD, m->dst, O_PATH), same;
        same = at >= 0 && fstat(at, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
        if (at >= 0)
            close(at);
        if (!same) {
            *step = step_with_path("check that the bind landed on the protected path ", m->dst);
            return ESTALE;
        }
    }
    flags = MS_REMOUNT | MS_BIND | kept_flags(m->dst, &is_ro) | (readonly ? MS_RDONLY : 0);
    /* A bind copies the flags of its source's mount, which the read-only
     * view has made read-only: a read-only bind is then done as it is. */
    if (readonly && is_ro)
        return 0;
    if (mount(NULL, m->dst, NULL, flags, NULL) != 0) {
        int e = errno;
        *step = step_with_path(readonly ? "make read-only (mount) " : "make writable (mount) ",
                               m->dst);
        return e;
    }
    return 0;
}

/* The Landlock rules of a private mount, added once it exists. */
static int private_mount_rules(struct run_ctx *c, const char *dst)
{
    size_t k;
    int e;
    if (c->ruleset < 0)
        return 0;
    for (k = 0; k < c->lp->n_ll_rules; k++) {
        const struct cordon__ll_rule *r = &c->lp->ll_rules[k];
        if (r->when == CORDON__LL_WITH_MOUNT_NS && strcmp(r->path, dst) == 0 &&
            (e = cordon__landlock_add_path(c->ruleset, dst, r->access & c->ll_handled)) != 0)
            return e;
    }
    return 0;
}

/* The private /dev: a tmpfs (the host's device nodes hidden below it)
 * with an empty "shm" that anyone may write, sticky like /tmp. */
static int make_dev(struct run_ctx *c, const char *dst, const char **step)
{
    char shm[PATH_MAX];
    size_t n = strlen(dst);
    int e;
    if (n + 5 > sizeof shm)
        return ENAMETOOLONG;
    memcpy(shm, dst, n);
    memcpy(shm + n, "/shm", 5);
    if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") != 0) {
        *step = "mount the private /dev (mount)";
        return errno;
    }
    if (mkdir(shm, 01777) != 0 || chmod(shm, 01777) != 0) {
        *step = "make /dev/shm in the private /dev";
        return errno;
    }
    if ((e = private_mount_rules(c, shm)) != 0) {
        *step = "add the Landlock rule for /dev/shm";
        return e;
    }
    return 0;
}

/* Binds the host device node |fd| (O_PATH, opened before /dev was
 * covered) on |dst|, a file made for it. No remount: a device stays
 * usable on a read-only mount. */
static int bind_dev_node(int fd, const char *dst, const char **step)
{
    char src[64];
    fd_path(fd, src);
    if (mknod(dst, S_IFREG | 0644, 0) != 0 && errno != EEXIST) {
        *step = step_with_path("make a mount point in the private /dev (mknod) ", dst);
        return errno;
    }
    if (mount(src, dst, NULL, MS_BIND, NULL) != 0) {
        *step = step_with_path("bind a device into the private /dev (mount) ", dst);
        return errno;
    }
    /* The bind copied the view's nodev (ours to clear: the kernel locks
     * only flags that came from a more privileged namespace). */
    if (clear_nodev(dst) != 0) {
        *step = step_with_path("allow the device in the private /dev (mount) ", dst);
        return errno;
    }
    return 0;
}

/* The new network namespace's lo is down: one ioctl brings it up (the
 * supervisor holds CAP_NET_ADMIN in the namespace's user namespace). Raw
 * system calls (see make_netns): 0 or an errno value. */
static int loopback_up(void)
{
    struct ifreq ifr;
    size_t i;
    long fd = CORDON__RAW3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;
    if (fd < 0)
        return (int)-fd;
    for (i = 0; i < sizeof ifr; i++)
        ((volatile char *)&ifr)[i] = 0;
    ifr.ifr_name[0] = 'l';
    ifr.ifr_name[1] = 'o';
    ifr.ifr_flags = IFF_UP;
    r = CORDON__RAW3(SYS_ioctl, fd, SIOCSIFFLAGS, &ifr);
    CORDON__RAW1(SYS_close, fd);
    return r < 0 ? (int)-r : 0;
}

/* In the supervisor: the id maps of the new user namespace. The
 * supervisor stays in the caller's mount namespace, where the
 * placeholders never become mount points: at_end removes them without
 * unmounting anything (each unmount would wait for an RCU grace
 * period). */
static int in_supervisor(void *ctx, const char **step)
{
    struct run_ctx *c = ctx;
    int e;

    /* Only the caller sends: the command must see the end of the stream
     * if the caller fails or dies before it is ready. */
    close(c->prep[0]);
    if (!c->userns)
        return 0;
    if (c->netns) {
        /* The maps follow the command's clone (make_netns). */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->netsock) != 0) {
            *step = "pass the private network namespace (socketpair)";
            return errno;
        }
        if (pipe2(c->mapsp, O_CLOEXEC) != 0) {
            *step = "tell the command of the id maps (pipe2)";
            return errno;
        }
        return 0;
    }
    /* cordon-runner is not dumpable (it gained capabilities at exec, and
     * changed its uid), so its /proc files, these maps included, are
     * root's: made dumpable here, for this process alone, until
     * process.c makes it non-dumpable again right after this hook. Only
     * the sandbox user could trace it meanwhile, and the command does not
     * exist yet. A no-op for cordon itself. */
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1 && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) {
        *step = "make the supervisor dumpable to write its id maps (prctl)";
        return errno;
    }
    if ((e = write_file("/proc/self/setgroups", "deny")) != 0 && e != ENOENT) {
        *step = "write /proc/self/setgroups";
        return e;
    }
    if ((e = write_file("/proc/self/uid_map", c->uid_map)) != 0) {
        *step = "write /proc/self/uid_map";
        return e;
    }
    if ((e = write_file("/proc/self/gid_map", c->gid_map)) != 0) {
        *step = "write /proc/self/gid_map";
        return e;
    }
    return 0;
}

/* What the supervisor sends the command about the id maps (mapsp):
 * MAPS_DONE, or the step that failed (<< 16) | errno. */
#define MAPS_DONE 0x6d617073u
enum { MAPS_DUMPABLE = 1, MAPS_SETGROUPS = 2, MAPS_UID = 3, MAPS_GID = 4 };

/* write_file with raw system calls (see make_netns): 0 or an errno. */
static int raw_write_file(const char *path, const char *text)
{
    long fd = CORDON__RAW4(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0), w;
    size_t n = 0;
    while (text[n])
        n++;
    if (fd < 0)
        return (int)-fd;
    w = CORDON__RAW3(SYS_write, fd, text, n);
    CORDON__RAW1(SYS_close, fd);
    return w < 0 ? (int)-w : w != (long)n ? EIO : 0;
}

/* In the supervisor, first thing beside the command (make_netns): the id
 * maps, as in_supervisor writes them otherwise; then the supervisor is no
 * longer dumpable (process.c leaves that to this hook: the maps are its
 * own /proc files, which a process that is not dumpable cannot write).
 * The command goes on only once this says so, so nothing of it execs
 * before. Returns MAPS_DONE or the failure word. */
static uint32_t write_maps(const struct run_ctx *c)
{
    long r;
    int e;
    uint32_t out = MAPS_DONE;
    /* cordon-runner is not dumpable (see in_supervisor). */
    if ((r = CORDON__RAW1(SYS_prctl, PR_GET_DUMPABLE)) != 1 &&
        (r = CORDON__RAW2(SYS_prctl, PR_SET_DUMPABLE, 1)) < 0)
        return ((uint32_t)MAPS_DUMPABLE << 16) | (uint32_t)-r;
    if ((e = raw_write_file("/proc/self/setgroups", "deny")) != 0 && e != ENOENT)
        out = ((uint32_t)MAPS_SETGROUPS << 16) | (uint32_t)e;
    else if ((e = raw_write_file("/proc/self/uid_map", c->uid_map)) != 0)
        out = ((uint32_t)MAPS_UID << 16) | (uint32_t)e;
    else if ((e = raw_write_file("/proc/self/gid_map", c->gid_map)) != 0)
        out = ((uint32_t)MAPS_GID << 16) | (uint32_t)e;
    /* Not dumpable again also when a map failed: the run ends then, but
     * nothing of this process stays open to a ptrace or /proc reader of
     * the same user meanwhile. */
    CORDON__RAW2(SYS_prctl, PR_SET_DUMPABLE, 0);
    return out;
}

/* What the supervisor sends the command about the network namespace:
 * NET_MADE with its descriptor, or the step that failed (<< 16) | errno. */
#define NET_MADE 0x6e65746du
enum { NET_UNSHARE = 1, NET_LO = 2, NET_OPEN = 3 };

/* In the supervisor, while the command sets up (process.h, alongside):
 * the private network namespace with lo up, for the command to join. A
 * failure goes to the command, which reports it (join_failed: the run is
 * then started again without a network namespace, seccomp holding network
 * off instead). The command runs in this memory meanwhile: raw system
 * calls only, and nothing of ctx is written (the command's own copies of
 * the socket pair are its to close). */
static void make_netns(void *ctx)
{
    const struct run_ctx *c = ctx;
    int mine = c->netsock[0], theirs = c->netsock[1];
    int maps_out = c->mapsp[1];
    uint32_t word = NET_MADE, maps;
    long fd = -1, r;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg;
    struct iovec iov;
    struct cmsghdr *cm;
    size_t i;

    CORDON__RAW1(SYS_close, theirs);
    CORDON__RAW1(SYS_close, c->mapsp[0]);
    maps = write_maps(c);
    do
        r = CORDON__RAW3(SYS_write, maps_out, &maps, sizeof maps);
    while (r == -EINTR);
    CORDON__RAW1(SYS_close, maps_out);
    if (maps != MAPS_DONE) {
        /* The command reports the step and ends; nothing is joined. */
        CORDON__RAW1(SYS_close, mine);
        return;
    }
    if ((r = CORDON__RAW1(SYS_unshare, CLONE_NEWNET)) < 0)
        word = ((uint32_t)NET_UNSHARE << 16) | (uint32_t)-r;
    else if ((r = loopback_up()) != 0)
        word = ((uint32_t)NET_LO << 16) | (uint32_t)r;
    else if ((fd = CORDON__RAW4(SYS_openat, AT_FDCWD, "/proc/self/ns/net", O_RDONLY | O_CLOEXEC,
                                0)) < 0)
        word = ((uint32_t)NET_OPEN << 16) | (uint32_t)-fd;
    for (i = 0; i < sizeof msg; i++)
        ((volatile char *)&msg)[i] = 0;
    for (i = 0; i < sizeof u; i++)
        ((volatile char *)&u)[i] = 0;
    iov.iov_base = &word;
    iov.iov_len = sizeof word;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        int nfd = (int)fd;
        msg.msg_control = u.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int));
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        for (i = 0; i < sizeof nfd; i++)
            ((volatile unsigned char *)CMSG_DATA(cm))[i] = ((const unsigned char *)&nfd)[i];
    }
    /* Not sent: the command sees the end of the stream and fails. */
    do
        r = CORDON__RAW3(SYS_sendmsg, mine, &msg, MSG_NOSIGNAL);
    while (r == -EINTR);
    if (fd >= 0)
        CORDON__RAW1(SYS_close, fd);
    CORDON__RAW1(SYS_close, mine);
}

/* In the command after its mounts (process.h, join_ns): the network
 * namespace make_netns made. */
static int join_netns(void *ctx, const char **step)
{
    const struct run_ctx *c = ctx;
    uint32_t word = 0;
    ssize_t r;
    int fd, e = 0;

    /* The supervisor reads ctx meanwhile (make_netns): only closed here. */
    close(c->netsock[0]);
    r = cordon__recv_with_fds(c->netsock[1], &word, sizeof word, &fd, 1, 0);
    close(c->netsock[1]);
    if (r != (ssize_t)sizeof word || (word == NET_MADE && fd < 0)) {
        *step = "receive the private network namespace from the supervisor";
        e = r < 0 ? errno : EPROTO;
    } else if (word != NET_MADE) {
        *step = (word >> 16) == NET_UNSHARE ? "make the private network namespace (unshare)"
                : (word >> 16) == NET_LO   ? "bring up lo in the private network namespace "
                                             "(ioctl SIOCSIFFLAGS)"
                                           : "open the private network namespace";
        e = (int)(word & 0xffffu);
        if (!e)
            e = EPROTO;
    } else if (setns(fd, CLONE_NEWNET) != 0) {
        *step = "join the private network namespace (setns)";
        e = errno;
    }
    if (fd >= 0)
        close(fd);
    return e;
}

/* The part of |path| below the root |root| ("" for the root itself). */
static const char *below(const char *path, const char *root)
{
    size_t n = strlen(root);
    return path[n] == '/' ? path + n + 1 : path + n;
}

/* The directory of |path| (absolute), opened O_PATH; -1 with errno. */
static int open_parent(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash && slash != path ? (size_t)(slash - path) : 1;
    if (!slash || n >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, path, n);
    dir[n] = '\0';
    return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Applies mount |i| of the plan in the command's namespace. */
static int apply_mount(struct run_ctx *c, size_t i, const char **step)
{
    const struct cordon__mount *m = &c->lp->mounts[i];
    int e;
    switch (m->op) {
    case CORDON__MOUNT_READONLY_ALL:
        return readonly_all(step);
    case CORDON__MOUNT_BIND_RW:
    case CORDON__MOUNT_BIND_RO:
        if (c->src_fd[i] < 0)
            return 0; /* optional and missing */
        return bind_path(c, m, c->src_fd[i],
                         m->op == CORDON__MOUNT_BIND_RW && !m->pin && m->root >= 0
                             ? c->tree_fd[m->root]
                             : -1,
                         m->op == CORDON__MOUNT_BIND_RO || c->host_ro[i], step);
    case CORDON__MOUNT_TMP:
    case CORDON__MOUNT_TMPFS:
        if (mount("tmpfs", m->dst, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) {
            if (m->optional)
                return 0; /* without it the path stays read-only */
            *step = "mount the private /tmp (mount)";
            return errno;
        }
        if ((e = private_mount_rules(c, m->dst)) != 0) {
            *step = "add the Landlock rule for a private mount";
            return e;
        }
        return 0;
    case CORDON__MOUNT_MASK:
        /* Empty, read-only, mode 000: nothing to list or open, and the
         * mode cannot be changed back (read-only). Missing in this view
         * (below the private /tmp): nothing there to hide. */
        if (c->mask ? mount(c->mask, m->dst, NULL, MS_BIND, NULL) == 0
                    : mount("tmpfs", m->dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            "mode=000,size=4k,nr_inodes=1") == 0) {
            /* One empty filesystem for all: a bind costs less than a new
             * superblock, and a bind of a read-only mount is read-only. */
            if (!c->mask)
                c->mask = m->dst;
            return 0;
        }
        if (errno != ENOENT) {
            e = errno;
            *step = step_with_path("hide a deny_read path (mount) ", m->dst);
            return e;
        }
        return 0;
    case CORDON__MOUNT_DEV:
        return make_dev(c, m->dst, step);
    case CORDON__MOUNT_DEV_NODE:
        if (c->src_fd[i] < 0)
            return 0; /* optional and missing on the host */
        return bind_dev_node(c->src_fd[i], m->dst, step);
    case CORDON__MOUNT_DEVPTS:
        /* A new instance: the ptys of this command only, not the user's
         * other terminals. Where it is refused (some containers) no pty
         * can be made, and the run goes on. */
        if (mkdir(m->dst, 0755) == 0 &&
            mount("devpts", m->dst, "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620") == 0 &&
            (e = private_mount_rules(c, m->dst)) != 0) {
            *step = "add the Landlock rule for the private /dev/pts";
            return e;
        }
        return 0;
    case CORDON__MOUNT_MQUEUE:
        /* The queues of the command's IPC namespace; they work through
         * mq_open without it too. */
        if (mkdir(m->dst, 01777) == 0 &&
            mount("mqueue", m->dst, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0 &&
            (e = private_mount_rules(c, m->dst)) != 0) {
            *step = "add the Landlock rule for the private /dev/mqueue";
            return e;
        }
        return 0;
    case CORDON__MOUNT_SYMLINK:
        if (symlink(m->link, m->dst) != 0 && errno != EEXIST) {
            *step = step_with_path("create a link in the private /dev (symlink) ", m->dst);
            return errno;
        }
        return 0;
    case CORDON__MOUNT_PROC:
        /* A fresh proc shows only the sandbox's processes. Refused in some
         * containers (a masked /proc); the old one then stays, and
         * Landlock/the pid namespace still keep other processes out of
         * reach. */
        mount("proc", m->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL);
        return 0;
    }
    return 0;
}

/* Standard stream |fd| (a directory, a file opened read-only, a device)
 * is opened again by its path in the command's view, where it lies on a
 * read-only mount: the command can read or write it as before, but not
 * change its metadata (the caller's descriptor is on the host's writable
 * mount). Only when the path still leads to the same inode; otherwise, or
 * when it has no path any more (deleted), the stream stays as it is. */
static void reopen_in_view(int fd, const char *known)
{
    char link[64], buf[PATH_MAX];
    const char *path = known;
    struct stat was, now;
    ssize_t n;
    int flags, nfd;

    /* The path the caller read for the same open file (stdio_plan): the
     * view is a copy of the caller's, so it names the same place; what
     * opens there is checked below all the same. */
    if (!path) {
        fd_path(fd, link);
        n = readlink(link, buf, sizeof buf - 1);
        if (n <= 0)
            return;
        buf[n] = '\0';
        path = buf;
    }
    if (path[0] != '/' || fstat(fd, &was) != 0 || (flags = fcntl(fd, F_GETFL)) < 0)
        return;
    nfd = open(path, (flags & (O_ACCMODE | O_APPEND | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC |
                         O_NOFOLLOW | (S_ISDIR(was.st_mode) ? O_DIRECTORY : 0));
    if (nfd < 0)
        return;
    if (fstat(nfd, &now) != 0 || now.st_dev != was.st_dev || now.st_ino != was.st_ino) {
        close(nfd);
        return;
    }
    if (S_ISREG(was.st_mode))
        lseek(nfd, lseek(fd, 0, SEEK_CUR), SEEK_SET);
    dup2(nfd, fd);
    close(nfd);
}

/* In the command's process, before its cwd is entered: a mount namespace
 * of its own (owned by the new user namespace, so the mounts below are
 * allowed) with the view of the plan. Everything the command starts
 * inherits it; the namespace goes away with the last of them. */
/* The command's own mount (and IPC) namespace, private: where user
 * namespaces are restricted (AppArmor, a parent's seccomp filter) this
 * is what fails. */
static int enter_ns(void *ctx, const char **step)
{
    struct run_ctx *c = ctx;

    if (!c->userns)
        return 0;
    if (c->mapsp[0] >= 0) {
        /* The supervisor writes the id maps meanwhile (make_netns). */
        uint32_t maps = 0;
        int e;
        close(c->mapsp[1]);
        e = read_full(c->mapsp[0], &maps, sizeof maps);
        close(c->mapsp[0]);
        if (e != 0 || maps != MAPS_DONE) {
            *step = e != 0                               ? "receive the id maps from the supervisor"
                    : (maps >> 16) == MAPS_DUMPABLE      ? "make the supervisor dumpable to write "
                                                           "its id maps (prctl)"
                    : (maps >> 16) == MAPS_SETGROUPS     ? "write /proc/self/setgroups"
                    : (maps >> 16) == MAPS_UID           ? "write /proc/self/uid_map"
                                                         : "write /proc/self/gid_map";
            return e ? e : (maps & 0xffffu) ? (int)(maps & 0xffffu) : EPROTO;
        }
    }
    if (unshare(CLONE_NEWNS | (c->lp->ipc_ns ? CLONE_NEWIPC : 0)) != 0) {
        *step = "enter new mount and IPC namespaces (unshare)";
        return errno;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        *step = "make the mount namespace private (mount)";
        return errno;
    }
    return 0;
}

static int in_command(void *ctx, const char **step)
{
    struct run_ctx *c = ctx;
    const struct cordon__plan_linux *lp = c->lp;
    size_t i;
    int e;

    if (!c->userns)
        return 0;
    /* Bind sources are opened inside the new namespace (the kernel binds
     * only from mounts of the caller's own namespace), and before any
     * mount, while every host path is still where it was. For a
     * protected path that is its directory: the caller may still be
     * making its placeholder, and the path is opened from there once it
     * says it is done. */
    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        int is_root = m->op == CORDON__MOUNT_BIND_RW && !m->pin && m->root >= 0;
        if (!m->src || (m->root >= 0 && !is_root))
            continue; /* beneath a root: opened from the root's descriptor */
        c->src_fd[i] = m->protect ? open_parent(m->src)
                       : is_root  ? cordon__open_nofollow(AT_FDCWD, m->src, O_PATH)
                                  : open(m->src, O_PATH | O_CLOEXEC);
        if (c->src_fd[i] < 0 && !m->optional && !(m->protect && errno == ENOENT)) {
            *step = step_with_path("open a path to mount in the sandbox ", m->src);
            return errno;
        }
        /* The root the plan resolved and the caller's Landlock rule holds:
         * a directory swapped in since (by a rename, a link) is refused. */
        if (is_root && c->root_fd[m->root] >= 0) {
            struct stat a, b;
            if (fstat(c->src_fd[i], &a) != 0 || fstat(c->root_fd[m->root], &b) != 0 ||
                a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
                *step = step_with_path("check that the writable root is still the directory "
                                       "the plan resolved ", m->src);
                return ESTALE;
            }
        }
        if (is_root)
            c->tree_fd[m->root] = clone_tree(c->src_fd[i]);
    }
    /* The pins, beneath their root's descriptor, never through a link. */
    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        if (!m->pin)
            continue;
        c->src_fd[i] = cordon__open_nofollow(c->src_fd[c->root_mount[m->root]],
                                             below(m->src, lp->mounts[c->root_mount[m->root]].src),
                                             O_PATH);
        if (c->src_fd[i] < 0) {
            *step = step_with_path("open a directory on the way to a protected path (no symbolic "
                                   "link allowed) ", m->src);
            return errno;
        }
    }
    /* Everything but the protected paths first, while the caller makes
     * the placeholders. */
    for (i = 0; i < lp->n_mounts; i++)
        if (!lp->mounts[i].protect && (e = apply_mount(c, i, step)) != 0)
            return e;
    {
        uint32_t held = 0;
        if ((e = read_full(c->prep[1], &held, sizeof held)) != 0 || held != PREP_HELD) {
            *step = "receive the placeholders from the caller";
            return e ? e : EPROTO;
        }
    }
    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        int dir = c->src_fd[i];
        if (!m->protect)
            continue;
        if (m->root >= 0) {
            /* Beneath the root's descriptor, never through a link. */
            const struct cordon__mount *rm = &lp->mounts[c->root_mount[m->root]];
            c->src_fd[i] =
                cordon__open_nofollow(c->src_fd[c->root_mount[m->root]], below(m->src, rm->src), O_PATH);
            e = errno;
        } else if (dir >= 0) {
            c->src_fd[i] = cordon__open_nofollow(dir, strrchr(m->src, '/') + 1, O_PATH);
            e = errno;
            close(dir);
        } else {
            continue;
        }
        /* Missing: the caller could not hold it, having no write access
         * there, so neither has the command. */
        if (c->src_fd[i] < 0 && e != ENOENT) {
            *step = step_with_path("open a protected path to bind read-only ", m->src);
            return e;
        }
        if ((e = apply_mount(c, i, step)) != 0)
            return e;
    }
    for (i = 0; i < 3; i++)
        if (c->reopen[i])
            reopen_in_view((int)i, c->stdio_path[i]);
    return 0; /* before_exec drops the capabilities, bounding set first */
}

/* Root (in or out of a user namespace) would regain every capability of
 * the bounding set at exec: empty it, then drop what we hold. Without
 * CAP_SETPCAP (an unprivileged caller with no user namespace) there is
 * nothing to drop. */
static void drop_bounding_set(void)
{
    int cap;
    for (cap = 0; cap < 64; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL)
            break;
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

static void drop_capabilities(void)
{
    struct {
        unsigned version;
        int pid;
    } hdr = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct {
        unsigned effective, permitted, inheritable;
    } data[2];

    /* Emptied here, while the command still holds CAP_SETPCAP (in its
     * user namespace); one read first, as a caller that ran cordon with
     * an empty bounding set has nothing to drop. */
    if (prctl(PR_CAPBSET_READ, 0, 0, 0, 0) > 0)
        drop_bounding_set();
    memset(data, 0, sizeof data);
    syscall(SYS_capset, &hdr, data);
}

/* Removes |name| under |parent| with its content, never following a
 * symlink nor crossing into another filesystem; raw getdents64 into a
 * stack buffer, so it is safe between fork and exec. */
static void remove_tree_raw(int parent, const char *name, dev_t dev, int depth)
{
    struct stat st;
    char buf[4096];
    int fd;
    long n;

    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlinkat(parent, name, 0);
        return;
    }
    if (st.st_dev != dev || depth > 128)
        return;
    fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && fchmodat(parent, name, 0700, 0) == 0)
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    fchmod(fd, 0700);
    /* Entries are removed as they are read; read again from the start
     * until only "." and ".." come back. */
    for (;;) {
        long off = 0;
        int removed = 0;
        lseek(fd, 0, SEEK_SET);
        n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        while (off < n) {
            struct {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(buf + off);
            if (strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0) {
                remove_tree_raw(fd, d->name, dev, depth + 1);
                removed = 1;
            }
            off += d->reclen;
        }
        if (!removed)
            break;
    }
    close(fd);
    unlinkat(parent, name, AT_REMOVEDIR);
}

/* In the supervisor, when nothing of the command's tree is left: the
 * placeholders (not mount points here: the binds were in the command's
 * namespace) and the host temp directory. */
static void at_end(void *ctx, int caller_gone)
{
    struct run_ctx *c = ctx;
    (void)caller_gone;
    cordon__placeholders_remove(c->ph);
    if (c->tmp_host) {
        struct stat st;
        if (lstat(c->tmp_host, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree_raw(AT_FDCWD, c->tmp_host, st.st_dev, 0);
    }
}

/* Waits for the caller's "ready": every Landlock rule added, the seccomp
 * filter built and sent. Without it nothing is enforced and the command
 * does not start. */
static int receive_prepared(struct run_ctx *c, const char **step)
{
    struct prep_head hd;
    int e;

    *step = "receive the prepared sandbox from the caller";
    if ((e = read_full(c->prep[1], &hd, sizeof hd)) != 0)
        return e;
    if (hd.ready != PREP_READY || hd.len > BPF_MAXINSNS || (c->have_seccomp && !hd.len))
        return EPROTO;
    if (hd.len && (e = read_full(c->prep[1], c->bpf_in, hd.len * sizeof *c->bpf_in)) != 0)
        return e;
    c->bpf_rx.filter = c->bpf_in;
    c->bpf_rx.len = (unsigned short)hd.len;
    close(c->prep[1]);
    *step = NULL;
    return 0;
}

static int before_exec(void *ctx, const char **step)
{
    struct run_ctx *c = ctx;
    int e, fd;

    if ((e = receive_prepared(c, step)) != 0)
        return e;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        *step = "set no_new_privs (prctl)";
        return errno;
    }
    if (c->drop_caps)
        drop_capabilities();
    /* Without seccomp to refuse the keyring calls, at least a session
     * keyring of its own: the caller's is no longer the command's to use
     * without asking (the probe reports what is still reachable). Best
     * effort: the user's key quota may be spent. */
    if (!c->have_seccomp)
        syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, NULL);
    /* Descriptors the caller leaked (a directory opened outside the
     * namespace still points at the writable host mount) close at exec;
     * only stdio passes. */
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) != 0)
#endif
        for (fd = 3; fd < 4096; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (c->ruleset >= 0 && (e = cordon__landlock_enforce(c->ruleset)) != 0) {
        *step = "enforce the Landlock ruleset (landlock_restrict_self)";
        return e;
    }
    if (c->have_seccomp) {
        int listener = -1;
        if ((e = cordon__seccomp_enforce(&c->bpf_rx, c->have_gate ? &listener : NULL)) != 0) {
            *step = c->have_gate ? "install the seccomp filter with the gate (seccomp)"
                                 : "install the seccomp filter (prctl)";
            return e;
        }
        /* From here on every connect() waits for the gate, which starts
         * once we have exec'd. */
        if (c->have_gate && (e = cordon__unixgate_handoff(&c->gate, listener)) != 0) {
            *step = "pass the unix socket gate to the supervisor (sendmsg)";
            return e;
        }
    }
    return 0;
}

/* The supervisor's side of the gate (process.h's watch_fd). */
static int gate_watch(void *ctx)
{
    struct run_ctx *c = ctx;
    return c->have_gate ? cordon__unixgate_start(&c->gate) : -1;
}

static void gate_serve(void *ctx)
{
    cordon__unixgate_serve(&((struct run_ctx *)ctx)->gate);
}

/* ---- the caller's side -------------------------------------------------------- */

static void ctx_free(struct run_ctx *c)
{
    size_t i;
    if (c->src_fd) {
        for (i = 0; i < c->lp->n_mounts; i++)
            if (c->src_fd[i] >= 0)
                close(c->src_fd[i]);
        free(c->src_fd);
    }
    if (c->root_fd) {
        for (i = 0; i < c->n_roots; i++)
            if (c->root_fd[i] >= 0)
                close(c->root_fd[i]);
        free(c->root_fd);
    }
    for (i = 0; i < 3; i++)
        free(c->stdio_path[i]);
    free(c->root_mount);
    free(c->tree_fd);
    free(c->host_ro);
    free(c->bpf_in);
    free(c->own);
    for (i = 0; i < 2; i++)
        if (c->gate.sock[i] >= 0)
            close(c->gate.sock[i]);
    if (c->ruleset >= 0)
        close(c->ruleset);
    if (c->prep[0] >= 0)
        close(c->prep[0]);
    if (c->prep[1] >= 0)
        close(c->prep[1]);
    cordon__bpf_free(&c->bpf);
    if (c->gate.seen)
        munmap(c->gate.seen, sizeof *c->gate.seen);
}

static int send_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EPIPE;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Which standard streams the command may not hold as they are: a file
 * or directory outside the roots (or a device such as /dev/null, which
 * root owns) lies on the host's writable mount, where fchmod, fchown,
 * futimens and fsetxattr on the descriptor, fchmodat(fd, "x") and
 * /proc/self/fd/N would change it. A file open for writing gets a relay
 * (l->relay_out); anything else is opened again in the read-only view
 * (c->reopen). Pipes, sockets and terminals stay: they cost nothing.
 * Without a mount namespace seccomp refuses those calls everywhere. */
static void stdio_plan(const struct cordon__plan *plan, struct run_ctx *c, struct cordon__launch *l)
{
    int i;
    for (i = 0; i < 3; i++) {
        struct stat st, at;
        char link[64], path[PATH_MAX];
        ssize_t n;
        size_t k;
        int fd = c->stdio_fd[i], flags, inside = 0, in_dev;
        /* Planned anew on a retry (the launch without the network
         * namespace): nothing of the first plan stays. */
        free(c->stdio_path[i]);
        c->stdio_path[i] = NULL;
        c->reopen[i] = 0;
        if (fstat(fd, &st) != 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(fd))
            continue;
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, path, sizeof path - 1);
        if (n > 0 && path[0] == '/') {
            path[n] = '\0';
            for (k = 0; k < plan->roots.n && !inside; k++)
                inside = cordon__path_within(plan->os, path, plan->roots.v[k]) &&
                         stat(path, &at) == 0 && at.st_dev == st.st_dev &&
                         at.st_ino == st.st_ino;
        }
        if (inside)
            continue; /* the command may change it anyway */
        flags = fcntl(fd, F_GETFL);
        /* A device opens again only where the private /dev has it (the
         * rest of the view is nodev). */
        in_dev = 0;
        if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && n > 0 && path[0] == '/')
            for (k = 0; k < c->lp->n_mounts && !in_dev; k++)
                in_dev = c->lp->mounts[k].op == CORDON__MOUNT_DEV_NODE &&
                         strcmp(c->lp->mounts[k].dst, path) == 0;
        if (flags >= 0 && (flags & O_ACCMODE) != O_RDONLY &&
            (S_ISREG(st.st_mode) || ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && !in_dev))) {
            l->relay_out[i] = 1;
        } else {
            c->reopen[i] = 1;
            if (n > 0 && path[0] == '/')
                c->stdio_path[i] = strdup(path); /* NULL: the command reads it again */
        }
    }
}

/* Without a mount namespace the host's /dev/pts is the command's: only
 * the terminals on its stdio may be reopened by name (/dev/pts/N,
 * /dev/stdout), not the user's other terminals. */
static cordon_error stdio_terminal_rules(struct run_ctx *c)
{
    uint64_t access = (CORDON__LL_FS_FILE_RIGHTS | CORDON__LL_FS_IOCTL_DEV) & c->ll_handled;
    int i, err;
    for (i = 0; i < 3; i++) {
        char path[64];
        if (c->stdio_fd[i] < 0 || !isatty(c->stdio_fd[i]))
            continue;
        snprintf(path, sizeof path, "/proc/self/fd/%d", c->stdio_fd[i]);
        if ((err = cordon__landlock_add_path(c->ruleset, path, access)) != 0)
            return cordon__sys_fail("cannot add the Landlock rule for the terminal on stdio",
                                    "landlock_add_rule", err);
    }
    return CORDON_OK;
}

/* In the caller, after the clone (process.h's after_clone): the work
 * that only the command's enforcement needs, overlapping with the
 * supervisor's and the command's setup. The rules are added to the
 * ruleset the command holds too; "ready" is sent only once all are in. */
static cordon_error prepare_after_clone(void *ctx)
{
    struct run_ctx *c = ctx;
    struct prep_head hd;
    cordon_error e = CORDON_OK;
    int err;

    close(c->prep[1]);
    c->prep[1] = -1;
    /* First what the command needs first: the placeholders it binds. */
    if (c->userns && (e = cordon__placeholders_make(c->lp, c->ph)) == CORDON_OK) {
        uint32_t held = PREP_HELD;
        if ((err = send_all(c->prep[0], &held, sizeof held)) != 0)
            e = cordon__sys_fail("cannot pass the sandbox to the command", "send", err);
    }
    if (e == CORDON_OK && c->ruleset >= 0)
        e = cordon__landlock_add_rules(c->lp, c->ruleset, c->ll_handled, c->userns, c->root_fd);
    if (e == CORDON_OK && c->ruleset >= 0 && !c->userns && c->lp->ll_stdio_terminals)
        e = stdio_terminal_rules(c);
    if (e == CORDON_OK && c->have_seccomp) {
        struct cordon__seccomp_env env;
        env.userns = c->userns;
        env.netns = c->netns;
        env.gate = c->have_gate;
        e = cordon__seccomp_build(c->lp, &env, &c->bpf);
    }
    if (e == CORDON_OK) {
        hd.ready = PREP_READY;
        hd.len = c->have_seccomp ? c->bpf.len : 0;
        if ((err = send_all(c->prep[0], &hd, sizeof hd)) != 0 ||
            (hd.len && (err = send_all(c->prep[0], c->bpf.filter,
                                       hd.len * sizeof(struct sock_filter))) != 0))
            e = cordon__sys_fail("cannot pass the sandbox to the command", "send", err);
    }
    close(c->prep[0]); /* on failure the command sees the end and stops */
    c->prep[0] = -1;
    return e;
}

/* The directory must be ours and not a symlink (a planted one would
 * redirect the command's private temp). */
static cordon_error make_private_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0700) == 0)
        return CORDON_OK;
    if (errno != EEXIST) {
        char what[600];
        snprintf(what, sizeof what, "cannot create the private temp directory %s", path);
        return cordon__sys_fail(what, "mkdir", errno);
    }
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return cordon__fail(CORDON_ERR_PERMISSION,
                            "private temp directory %s exists and is not ours", path);
    return CORDON_OK;
}

static cordon_error unelevated_prepare(const struct cordon__plan *plan)
{
    const struct cordon__plan_linux *lp = &plan->linux_plan;
    cordon_error e;

    /* O(1): placeholders are made by spawn, for the run only. */
    if (!lp->confine)
        return cordon__fail(CORDON_ERR_NO_BACKEND, "linux-unelevated does not run full-access");
    /* Before anything is writable: the roots go on the user's record, so
     * that a link planted in one cannot later lead a root elsewhere. */
    if ((e = cordon__linux_grants_record(plan)) != CORDON_OK)
        return e;
    return cordon__linux_launch_prepare(plan);
}

cordon_error cordon__linux_launch_prepare(const struct cordon__plan *plan)
{
    const struct cordon__plan_linux *lp = &plan->linux_plan;
    struct host_caps h;
    cordon_error e;

    probe_host(&h, 1);
    /* The host temp directory is needed only where no private tmpfs goes
     * on /tmp: without a mount namespace, or when a root covers /tmp. */
    if (plan->private_tmp && plan->tmp_dir && (!h.userns || !lp->tmp_mount) &&
        (e = make_private_dir(plan->tmp_dir)) != CORDON_OK)
        return e;
    return CORDON_OK;
}

/* Copies |envp| with TMPDIR/TMP/TEMP set to |dir| (no mount namespace:
 * the private temp stays at its host path). */
static cordon_error env_with_tmp(const char *const *envp, const char *dir, struct cordon__strv *out)
{
    static const char *const names[] = {"TMPDIR=", "TMP=", "TEMP=", NULL};
    size_t i, k;
    cordon_error e = CORDON_OK;
    for (i = 0; envp && envp[i] && e == CORDON_OK; i++) {
        int replaced = 0;
        for (k = 0; names[k] && !replaced; k++)
            if (strncmp(envp[i], names[k], strlen(names[k])) == 0) {
                e = cordon__strv_pushf(out, "%s%s", names[k], dir);
                replaced = 1;
            }
        if (!replaced)
            e = cordon__strv_push(out, envp[i]);
    }
    return e;
}

/* The gate's lists, made before the clone: the places of the command's
 * own sockets in its view (the roots; the private /tmp and /dev/shm, or
 * the host temp directory without a mount namespace), and the policy's
 * allowed sockets. */
static cordon_error gate_prepare(const struct cordon__plan *plan, struct run_ctx *c)
{
    const struct cordon__plan_linux *lp = &plan->linux_plan;
    size_t i, n = 0;

    c->own = calloc(plan->roots.n + 3, sizeof *c->own);
    if (!c->own)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the sandbox");
    for (i = 0; i < plan->roots.n; i++)
        c->own[n++] = plan->roots.v[i];
    if (c->userns && lp->tmp_mount)
        c->own[n++] = lp->tmp_mount;
    if (c->userns)
        c->own[n++] = "/dev/shm";
    if (!c->userns && plan->private_tmp && plan->tmp_dir)
        c->own[n++] = plan->tmp_dir;
    c->gate.own = c->own;
    c->gate.n_own = n;
    c->gate.allow = (const char *const *)plan->unix_allow.v;
    c->gate.n_allow = plan->unix_allow.n;
    c->gate.netns = c->netns;
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, c->gate.sock) != 0)
        return cordon__sys_fail("cannot start the unix socket gate", "socketpair", errno);
    /* Where the gate counts the denials it sees, shared with the
     * supervisor and its workers; without it nothing is counted. */
    c->gate.seen = mmap(NULL, sizeof *c->gate.seen, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c->gate.seen == MAP_FAILED)
        c->gate.seen = NULL;
    return CORDON_OK;
}

/* What a started run keeps until its cleanup (proc->backend_data). */
struct unelevated_run {
    struct cordon__placeholders *ph;   /* removed and freed by cleanup */
    struct cordon__denials_seen *seen; /* the gate's counts; NULL: none */
    int tmp_host;                      /* the private temp is the plan's host directory */
};

cordon_error cordon__linux_launch(const struct cordon__plan *plan, const struct cordon__spawn *req,
                                  struct cordon__proc **out)
{
    struct unelevated_run *run = NULL;
    const struct cordon__plan_linux *lp = &plan->linux_plan;
    struct run_ctx c;
    struct host_caps h;
    struct cordon__launch l;
    struct cordon__spawn req2;
    struct cordon__strv env = {0};
    struct cordon__placeholders *ph = NULL;
    size_t i;
    int clone_err = 0, ns_failed = 0, net_failed = 0;
    cordon_error e = CORDON_OK;

    *out = NULL;
    memset(&c, 0, sizeof c);
    c.lp = lp;
    c.ruleset = -1;
    c.prep[0] = c.prep[1] = -1;
    c.gate.sock[0] = c.gate.sock[1] = c.gate.listener = c.gate.procfd = -1;
    c.gate.jobs[0] = c.gate.jobs[1] = -1;
    c.netsock[0] = c.netsock[1] = -1;
    c.mapsp[0] = c.mapsp[1] = -1;
    if (!lp->confine)
        return cordon__fail(CORDON_ERR_NO_BACKEND, "linux-unelevated does not run full-access");
    probe_host(&h, 1);
    c.userns = h.userns;
    c.drop_caps = lp->drop_caps;
    for (i = 0; i < 3; i++)
        c.stdio_fd[i] = req->stdio[i] == CORDON_STDIO_INHERIT ? (int)i : (int)req->stdio[i];
    snprintf(c.uid_map, sizeof c.uid_map, "%lu %lu 1\n", (unsigned long)geteuid(),
             (unsigned long)geteuid());
    snprintf(c.gid_map, sizeof c.gid_map, "%lu %lu 1\n", (unsigned long)getegid(),
             (unsigned long)getegid());

    c.src_fd = malloc((lp->n_mounts ? lp->n_mounts : 1) * sizeof *c.src_fd);
    c.host_ro = calloc(lp->n_mounts ? lp->n_mounts : 1, 1);
    c.bpf_in = malloc(BPF_MAXINSNS * sizeof *c.bpf_in);
    if (!c.src_fd || !c.host_ro || !c.bpf_in) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the sandbox");
        goto done;
    }
    for (i = 0; i < lp->n_mounts; i++) {
        struct statvfs sv;
        c.src_fd[i] = -1;
        if (c.userns && lp->mounts[i].op == CORDON__MOUNT_BIND_RW &&
            statvfs(lp->mounts[i].src, &sv) == 0 && (sv.f_flag & ST_RDONLY))
            c.host_ro[i] = 1;
    }
    /* Each root once, as the plan resolved it, never through a link. */
    c.n_roots = plan->roots.n;
    c.root_fd = malloc((c.n_roots ? c.n_roots : 1) * sizeof *c.root_fd);
    c.root_mount = calloc(c.n_roots ? c.n_roots : 1, sizeof *c.root_mount);
    c.tree_fd = malloc((c.n_roots ? c.n_roots : 1) * sizeof *c.tree_fd);
    if (!c.root_fd || !c.root_mount || !c.tree_fd) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the sandbox");
        goto done;
    }
    for (i = 0; i < c.n_roots; i++)
        c.root_fd[i] = c.tree_fd[i] = -1;
    for (i = 0; i < c.n_roots; i++) {
        if ((c.root_fd[i] = cordon__open_nofollow(AT_FDCWD, plan->roots.v[i], O_PATH)) < 0) {
            char what[600];
            snprintf(what, sizeof what,
                     "cannot open the writable root %s (it must be the directory the plan "
                     "resolved, reached without a symbolic link)",
                     plan->roots.v[i]);
            e = cordon__sys_fail(what, "openat2", errno);
            goto done;
        }
    }
    for (i = 0; i < lp->n_mounts; i++)
        if (lp->mounts[i].op == CORDON__MOUNT_BIND_RW && !lp->mounts[i].pin &&
            lp->mounts[i].root >= 0 && (size_t)lp->mounts[i].root < c.n_roots)
            c.root_mount[lp->mounts[i].root] = i;
    /* The ruleset exists before the clone (the command inherits it); its
     * rules and the seccomp filter follow in prepare_after_clone. */
    c.netns = lp->net_ns && h.netns;
    c.have_seccomp = h.seccomp;
    c.have_gate = lp->unix_gate && h.notify;
    if (c.have_gate && (e = gate_prepare(plan, &c)) != CORDON_OK)
        goto done;
    if (!(run = calloc(1, sizeof *run))) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the sandbox");
        goto done;
    }
retry:
    if (h.abi && (e = cordon__landlock_create(lp, h.abi, c.netns, &c.ruleset, &c.ll_handled)) !=
                     CORDON_OK)
        goto done;
    /* Made in prepare_after_clone; without the mount namespace nothing
     * could hold them read-only (protected_paths is then "none"). */
    if (c.userns && !ph && ((e = cordon__placeholders_new(lp, &ph)) != CORDON_OK ||
                     (e = cordon__placeholders_lock(lp, ph)) != CORDON_OK))
        goto done;
    c.ph = ph;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c.prep) != 0) {
        e = cordon__sys_fail("cannot start the sandbox", "socketpair", errno);
        goto done;
    }

    req2 = *req;
    if (!c.userns && plan->private_tmp && lp->tmp_env_fallback) {
        if ((e = env_with_tmp(req->envp, lp->tmp_env_fallback, &env)) != CORDON_OK)
            goto done;
        req2.envp = (const char *const *)env.v;
    }

    memset(&l, 0, sizeof l);
    l.req = &req2;
    l.supervise = 1;
    /* The mount namespace is the command's own (in_command). */
    l.clone_flags = c.userns ? (CLONE_NEWUSER | CLONE_NEWPID) : 0;
    if (c.netns) {
        l.alongside = make_netns;
        l.alongside_undumps = 1;
        l.join_ns = join_netns;
        l.join_failed = &net_failed;
    }
    l.clone_errno = &clone_err;
    l.ns_failed = &ns_failed;
    l.watch_fd = gate_watch;
    l.on_watch_fd = gate_serve;
    l.in_supervisor = in_supervisor;
    l.enter_ns = enter_ns;
    l.in_command = in_command;
    l.before_exec = before_exec;
    l.after_clone = prepare_after_clone;
    l.at_end = at_end;
    l.own_pgrp = 1;
    if (c.userns)
        stdio_plan(plan, &c, &l);
    if (plan->private_tmp && plan->tmp_dir && (!c.userns || !lp->tmp_mount))
        c.tmp_host = plan->tmp_dir;
    l.ctx = &c;
    e = cordon__process_spawn(&l, out);
    if (e != CORDON_OK && c.netns && (clone_err || net_failed)) {
        /* No network namespace here after all (a container's filter, a
         * limit): the seccomp refusal holds network off instead, Landlock
         * refuses TCP again. Nothing of the failed launch is left. */
        c.netns = 0;
        clone_err = 0;
        ns_failed = 0;
        net_failed = 0;
        if (c.ruleset >= 0)
            close(c.ruleset);
        c.ruleset = -1;
        c.gate.netns = 0;
        for (i = 0; i < 2; i++)
            if (c.prep[i] >= 0)
                close(c.prep[i]);
        c.prep[0] = c.prep[1] = -1;
        /* Built again for the launch without the namespace. */
        cordon__bpf_free(&c.bpf);
        /* The failed launch may have made placeholders and its supervisor
         * removed them: the retry makes its own. */
        if (ph) {
            cordon__placeholders_remove(ph);
            cordon__placeholders_free(ph);
            ph = NULL;
        }
        cordon__strv_free(&env);
        goto retry;
    }
    /* A launch that got past its namespaces proves them; one that failed
     * there has the live probe decide whether the run is planned again
     * without them (cordon__os_replan). */
    if (h.userns_assumed && c.userns)
        userns_launched(!ns_failed);
    if (e == CORDON_OK) {
        run->ph = ph;
        run->seen = c.gate.seen;
        run->tmp_host = c.tmp_host != NULL;
        c.gate.seen = NULL;
        (*out)->backend_data = run;
        ph = NULL;
        run = NULL;
    }
done:
    free(run);
    if (ph) {
        cordon__placeholders_remove(ph); /* the launch is over: nothing binds them */
        cordon__placeholders_free(ph);
    }
    ctx_free(&c);
    cordon__strv_free(&env);
    return e;
}

static cordon_error unelevated_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                                    struct cordon__exit *out)
{
    const struct unelevated_run *run = proc ? proc->backend_data : NULL;
    cordon_error e = cordon__process_wait(proc, timeout_ms, out);
    size_t k;
    /* The tree is gone: every count the gate made is in. */
    if (e == CORDON_OK && run && run->seen)
        for (k = 0; k < CORDON_DENIAL_KIND_COUNT; k++) {
            out->denials.count[k] = atomic_load(&run->seen->count[k]);
            memcpy(out->denials.first[k], run->seen->first[k], CORDON_DENIAL_FIRST_MAX);
            out->denials.first[k][CORDON_DENIAL_FIRST_MAX - 1] = '\0';
        }
    return e;
}

static cordon_error unelevated_kill(struct cordon__proc *proc)
{
    return cordon__process_kill(proc);
}

void cordon__linux_launch_end(const struct cordon__plan *plan, struct cordon__proc *proc)
{
    struct unelevated_run *run = proc ? proc->backend_data : NULL;
    struct cordon__placeholders *ph = run ? run->ph : NULL;

    reap_probe(1); /* its namespace teardown ran alongside the command */
    cordon__process_free(proc); /* the tree is gone after this */
    /* The host directory exists only where the run used it (no private
     * tmpfs on /tmp); elsewhere looking for it costs a lookup of a new
     * name in /tmp, which can be a large directory, on every run. A
     * launch that did not start (no |run|) may have made it. */
    if (plan->private_tmp && plan->tmp_dir && (!run || run->tmp_host)) {
        struct stat st;
        if (lstat(plan->tmp_dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
            remove_tree_raw(AT_FDCWD, plan->tmp_dir, st.st_dev, 0);
    }
    /* What the supervisor could not remove (it was killed on timeout)
     * goes now; what another run still relies on stays for that run. */
    if (ph) {
        cordon__placeholders_remove(ph);
        cordon__placeholders_free(ph);
    }
    if (run && run->seen)
        munmap(run->seen, sizeof *run->seen);
    free(run);
}

const struct cordon_backend cordon__backend_linux_unelevated = {
    .name = "linux-unelevated",
    .tier = CORDON_TIER_UNELEVATED,
    .probe = unelevated_probe,
    .prepare = unelevated_prepare,
    .spawn = cordon__linux_launch,
    .wait = unelevated_wait,
    .kill = unelevated_kill,
    .ended = cordon__process_ended,
    .pid = cordon__process_pid,
    .cleanup = cordon__linux_launch_end,
};
