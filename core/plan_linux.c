/* The Linux part of the plan: which mounts, Landlock rules and seccomp
 * rules the linux backends apply for a policy. Decided here, on any host;
 * backends/linux/unelevated.c only applies it (see plan_linux.h). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Linux errno and socket family values, fixed by the kernel ABI. */
#define LX_EPERM 1
#define LX_EACCES 13
#define LX_ENOSYS 38
#define LX_EAFNOSUPPORT 97
#define LX_TIOCSTI 0x5412
#define LX_TIOCLINUX 0x541C

unsigned long long cordon__landlock_fs_rights_of_abi(int abi)
{
    unsigned long long r = 0;
    if (abi >= 1)
        r |= (1ull << 13) - 1; /* EXECUTE .. MAKE_SYM */
    if (abi >= 2)
        r |= CORDON__LL_FS_REFER;
    if (abi >= 3)
        r |= CORDON__LL_FS_TRUNCATE;
    if (abi >= 5)
        r |= CORDON__LL_FS_IOCTL_DEV;
    return r;
}

static cordon_error oom(void)
{
    return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory compiling the Linux plan");
}

static cordon_error add_mount(struct cordon__plan_linux *lp, enum cordon__mount_op op,
                              const char *src, const char *dst, int is_file, int placeholder,
                              int optional)
{
    struct cordon__mount *m;
    struct cordon__mount *v = realloc(lp->mounts, (lp->n_mounts + 1) * sizeof *v);
    if (!v)
        return oom();
    lp->mounts = v;
    m = &v[lp->n_mounts];
    memset(m, 0, sizeof *m);
    m->op = op;
    m->is_file = is_file;
    m->placeholder = placeholder;
    m->optional = optional;
    m->root = -1;
    if ((src && (m->src = cordon__strdup(src)) == NULL) || (dst && (m->dst = cordon__strdup(dst)) == NULL)) {
        free(m->src);
        free(m->dst);
        return oom();
    }
    lp->n_mounts++;
    return CORDON_OK;
}

/* A symlink in the private /dev. */
static cordon_error add_link(struct cordon__plan_linux *lp, const char *dst, const char *target)
{
    cordon_error e = add_mount(lp, CORDON__MOUNT_SYMLINK, NULL, dst, 0, 0, 0);
    if (e == CORDON_OK && !(lp->mounts[lp->n_mounts - 1].link = cordon__strdup(target)))
        return oom();
    return e;
}

static cordon_error add_rule(struct cordon__plan_linux *lp, const char *path,
                             unsigned long long access, enum cordon__ll_when when, int optional)
{
    struct cordon__ll_rule *r;
    struct cordon__ll_rule *v = realloc(lp->ll_rules, (lp->n_ll_rules + 1) * sizeof *v);
    if (!v)
        return oom();
    lp->ll_rules = v;
    r = &v[lp->n_ll_rules];
    memset(r, 0, sizeof *r);
    if ((r->path = cordon__strdup(path)) == NULL)
        return oom();
    r->access = access;
    r->when = when;
    r->optional = optional;
    r->root = -1;
    lp->n_ll_rules++;
    return CORDON_OK;
}

static cordon_error add_sc(struct cordon__plan_linux *lp, const char *syscall, int err,
                           int has_arg, int arg, unsigned long long mask, unsigned long long value,
                           enum cordon__seccomp_when when, const char *why)
{
    struct cordon__seccomp_rule *r;
    struct cordon__seccomp_rule *v = realloc(lp->seccomp, (lp->n_seccomp + 1) * sizeof *v);
    if (!v)
        return oom();
    lp->seccomp = v;
    r = &v[lp->n_seccomp++];
    r->syscall = syscall;
    r->err = err;
    r->has_arg = has_arg;
    r->arg = arg;
    r->mask = mask;
    r->value = value;
    r->has_arg2 = 0;
    r->arg2 = 0;
    r->mask2 = r->value2 = 0;
    r->notify = 0;
    r->count = 0;
    r->when = when;
    r->why = why;
    return CORDON_OK;
}

/* The host device nodes of the private /dev (bound from the host: a user
 * namespace cannot make device nodes), which every command may write
 * and use ioctls on. */
static const char *const dev_nodes[] = {
    "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", NULL,
};

/* Family blocks refused by socket(): (family & ~(size-1)) == start, the
 * family compared on its low 32 bits as the kernel does, so high garbage
 * cannot slip past. The kernel refuses families above AF_MAX (46). */
struct family_block {
    unsigned start, size;
    const char *why;
};

static cordon_error add_family_blocks(struct cordon__plan_linux *lp,
                                      const struct family_block *b, size_t n,
                                      enum cordon__seccomp_when when)
{
    cordon_error e;
    size_t i;
    for (i = 0; i < n; i++) {
        if ((e = add_sc(lp, "socket", LX_EAFNOSUPPORT, 1, 0,
                        0xffffffffull & ~(unsigned long long)(b[i].size - 1), b[i].start, when,
                        b[i].why)) != CORDON_OK)
            return e;
        lp->seccomp[lp->n_seccomp - 1].count = 1; /* network off said no: a denial */
    }
    return CORDON_OK;
}

/* The rest of the private /dev: links to what the command already has. */
static const char *const dev_links[][2] = {
    {"/dev/ptmx", "pts/ptmx"},
    {"/dev/fd", "/proc/self/fd"},
    {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"},
    {"/dev/stderr", "/proc/self/fd/2"},
};

/* The SysV IPC and POSIX message queue calls: without an IPC namespace
 * of its own the command would reach the host's objects (ids are small
 * and guessable, and mq_unlink bypasses Landlock). */
static const char *const ipc_calls[] = {
    "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semctl", "ipc", "mq_open", "mq_unlink",
    "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", NULL,
};

/* The kernel keyrings: keys are reached by serial number, and a key or
 * keyring of the same user (the user keyring gives its user every right)
 * can be linked into a keyring the command holds and then read or
 * changed, from any user namespace. */
static const char *const key_calls[] = {"add_key", "request_key", "keyctl", NULL};

/* Syscalls that would undo the read-only view or reach around the other
 * rules. Refused whenever seccomp is available. */
static const char *const mount_calls[] = {
    "mount", "umount2", "pivot_root", "move_mount", "open_tree", "open_tree_attr", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", NULL,
};

/* Changes Landlock does not cover (metadata; truncate(2) before ABI 3);
 * without a mount namespace to make everything outside the roots
 * read-only they are refused outright, inside the roots too. */
static const char *const metadata_calls[] = {
    "truncate", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr",
    "removexattr", "lremovexattr", "fremovexattr", "setxattrat", "removexattrat",
    "file_setattr", /* inode flags (no-dump, append-only, ...), Linux 6.17 */
    NULL,
};

static int under(const struct cordon__plan *plan, const char *p, const char *dir)
{
    return p && dir && cordon__path_within(plan->os, p, dir);
}

static int within_roots(const struct cordon__plan *plan, const char *p)
{
    size_t i;
    for (i = 0; i < plan->roots.n; i++)
        if (under(plan, p, plan->roots.v[i]))
            return 1;
    return 0;
}

/* The index of the deepest root holding |p|, or -1. */
static long root_of(const struct cordon__plan *plan, const char *p)
{
    size_t i;
    long best = -1;
    for (i = 0; i < plan->roots.n; i++)
        if (under(plan, p, plan->roots.v[i]) &&
            (best < 0 || strlen(plan->roots.v[i]) > strlen(plan->roots.v[best])))
            best = (long)i;
    return best;
}

/* 1 when protected path |i| lies strictly inside another protected path
 * that holds it already: a directory bound read-only, or a missing one
 * held by a placeholder. Binding it again (or pinning the directories on
 * its way, writable) would only undo that. */
static int covered(const struct cordon__plan *plan, size_t i)
{
    size_t j;
    for (j = 0; j < plan->n_protect; j++) {
        const struct cordon__protected *o = &plan->protect[j];
        if (j != i && (o->kind == CORDON__PATH_DIR || o->kind == CORDON__PATH_MISSING) &&
            under(plan, plan->protect[i].path, o->path) &&
            strcmp(plan->protect[i].path, o->path) != 0)
            return 1;
    }
    return 0;
}

/* 1 when |p| lies below a private mount of the view (the private /tmp,
 * /dev), which hides the host's content there: what must stay visible
 * is bound into it, onto a mount point made for it. /dev itself (a cwd
 * there) is the private one. */
static int hidden_by_private(const struct cordon__plan *plan, const char *p)
{
    const struct cordon__plan_linux *lp = &plan->linux_plan;
    return (under(plan, p, "/dev") && strcmp(p, "/dev") != 0) ||
           (lp->tmp_mount && under(plan, p, lp->tmp_mount));
}

/* Pins every directory strictly between root |r| and |path| (outermost
 * first, each once). */
static cordon_error add_pins(struct cordon__plan *plan, long r, const char *path)
{
    struct cordon__plan_linux *lp = &plan->linux_plan;
    size_t base = strlen(plan->roots.v[r]), end, k;
    cordon_error e;
    char *dir;

    for (end = base + 1; path[end]; end++) {
        int seen = 0;
        if (path[end] != '/')
            continue;
        if ((dir = cordon__strndup(path, end)) == NULL)
            return oom();
        for (k = 0; k < lp->n_mounts && !seen; k++)
            seen = lp->mounts[k].pin && strcmp(lp->mounts[k].dst, dir) == 0;
        e = seen ? CORDON_OK : add_mount(lp, CORDON__MOUNT_BIND_RW, dir, dir, 0, 0, 0);
        free(dir);
        if (e != CORDON_OK)
            return e;
        if (!seen) {
            lp->mounts[lp->n_mounts - 1].pin = 1;
            lp->mounts[lp->n_mounts - 1].root = r;
        }
    }
    return CORDON_OK;
}

cordon_error cordon__plan_linux_compile(struct cordon__plan *plan, const struct cordon__host *host)
{
    struct cordon__plan_linux *lp = &plan->linux_plan;
    cordon_error e = CORDON_OK;
    size_t i;

    (void)host;
    memset(lp, 0, sizeof *lp);
    if (plan->mode == CORDON_MODE_FULL_ACCESS)
        return CORDON_OK; /* linux-direct: nothing to apply */

    /* The view mounts a fresh /proc last: a root below it would be hidden
     * (and /proc is no place for a workspace). */
    for (i = 0; i < plan->roots.n; i++)
        if (under(plan, plan->roots.v[i], "/proc"))
            return cordon__fail(CORDON_ERR_PATH_REFUSED,
                                "refusing to run: the writable root %s is below /proc, which the "
                                "sandbox replaces with a fresh proc of its own",
                                plan->roots.v[i]);
    /* The same for a working directory there (a read-only run, or roots
     * elsewhere): the fresh proc shows the sandbox's processes, not the
     * ones the path named, so the command could not start in it. */
    if (plan->cwd && under(plan, plan->cwd, "/proc"))
        return cordon__fail(CORDON_ERR_PATH_REFUSED,
                            "refusing to run: the working directory %s is below /proc, which the "
                            "sandbox replaces with a fresh proc of its own",
                            plan->cwd);

    lp->confine = 1;
    lp->user_ns = lp->mount_ns = lp->pid_ns = 1;
    lp->ipc_ns = 1;
    lp->no_new_privs = 1;
    lp->drop_caps = 1;

    /* The private temp goes on /tmp unless a writable root covers /tmp
     * (mounting over it would hide the root); TMPDIR follows. */
    if (plan->private_tmp && plan->tmp_dir) {
        int root_covers_tmp = 0;
        for (i = 0; i < plan->roots.n; i++)
            if (under(plan, "/tmp", plan->roots.v[i]))
                root_covers_tmp = 1;
        if ((lp->tmp_env_fallback = cordon__strdup(plan->tmp_dir)) == NULL)
            return oom();
        if (!root_covers_tmp) {
            char *t = cordon__strdup("/tmp");
            if ((lp->tmp_mount = cordon__strdup("/tmp")) == NULL || !t) {
                free(t);
                return oom();
            }
            free(plan->tmp_env);
            plan->tmp_env = t;
        }
    }

    /* Mounts, in the order they are applied. */
    if ((e = add_mount(lp, CORDON__MOUNT_READONLY_ALL, NULL, "/", 0, 0, 0)) != CORDON_OK)
        return e;
    if (lp->tmp_mount &&
        (e = add_mount(lp, CORDON__MOUNT_TMP, NULL, lp->tmp_mount, 0, 0, 0)) != CORDON_OK)
        return e;
    /* A minimal /dev: the host's block devices, loop control and other
     * terminals are not there (root in the sandbox would pass their
     * permission checks, and device files stay writable on a read-only
     * mount). Before the roots: a root below /dev (a workspace in
     * /dev/shm) is bound into it, its mount point made there. */
    if ((e = add_mount(lp, CORDON__MOUNT_DEV, NULL, "/dev", 0, 0, 0)) != CORDON_OK)
        return e;
    for (i = 0; dev_nodes[i]; i++)
        if ((e = add_mount(lp, CORDON__MOUNT_DEV_NODE, dev_nodes[i], dev_nodes[i], 1, 0, 1)) !=
            CORDON_OK)
            return e;
    if ((e = add_mount(lp, CORDON__MOUNT_DEVPTS, NULL, "/dev/pts", 0, 0, 0)) != CORDON_OK ||
        (e = add_mount(lp, CORDON__MOUNT_MQUEUE, NULL, "/dev/mqueue", 0, 0, 0)) != CORDON_OK)
        return e;
    for (i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++)
        if ((e = add_link(lp, dev_links[i][0], dev_links[i][1])) != CORDON_OK)
            return e;
    for (i = 0; i < plan->roots.n; i++) {
        if ((e = add_mount(lp, CORDON__MOUNT_BIND_RW, plan->roots.v[i], plan->roots.v[i], 0, 0,
                           0)) != CORDON_OK)
            return e;
        lp->mounts[lp->n_mounts - 1].root = (long)i;
    }
    /* Paths the private /tmp or /dev would hide: keep them visible,
     * read-only. */
    if (hidden_by_private(plan, plan->cwd) && !within_roots(plan, plan->cwd) &&
        (e = add_mount(lp, CORDON__MOUNT_BIND_RO, plan->cwd, plan->cwd, 0, 0, 0)) != CORDON_OK)
        return e;
    if (hidden_by_private(plan, plan->shim_dir) && !within_roots(plan, plan->shim_dir) &&
        (e = add_mount(lp, CORDON__MOUNT_BIND_RO, plan->shim_dir, plan->shim_dir, 0, 0, 1)) !=
            CORDON_OK)
        return e;
    /* The whole path holds, not only its last component: the directories
     * on the way are pinned first (a rename of any of them would carry
     * the read-only bind away and let the path be made afresh). Paths
     * directly in a root (the default ones) need none: the root is a
     * mount point already. */
    for (i = 0; i < plan->n_protect; i++) {
        long r = root_of(plan, plan->protect[i].path);
        if (r >= 0 && !covered(plan, i) && (e = add_pins(plan, r, plan->protect[i].path)) != CORDON_OK)
            return e;
    }
    for (i = 0; i < plan->n_protect; i++) {
        const struct cordon__protected *p = &plan->protect[i];
        if (covered(plan, i))
            continue;
        if ((e = add_mount(lp, CORDON__MOUNT_BIND_RO, p->path, p->path,
                           p->kind == CORDON__PATH_FILE || p->kind == CORDON__PATH_OTHER,
                           p->kind == CORDON__PATH_MISSING, 0)) != CORDON_OK)
            return e;
        lp->mounts[lp->n_mounts - 1].protect = 1;
        lp->mounts[lp->n_mounts - 1].root = root_of(plan, p->path);
    }
    /* deny_read: each path hidden under an empty read-only mount (after
     * the roots, so that one inside a root stays hidden). A path the view
     * does not show (below the private /tmp) has nothing to hide. */
    for (i = 0; i < plan->n_deny; i++) {
        const struct cordon__deny *d = &plan->deny[i];
        e = d->kind == CORDON__PATH_DIR
                ? add_mount(lp, CORDON__MOUNT_MASK, NULL, d->path, 0, 0, 0)
                : add_mount(lp, CORDON__MOUNT_BIND_RO, "/dev/null", d->path, 1, 0, 0);
        if (e != CORDON_OK)
            return e;
    }
    if ((e = add_mount(lp, CORDON__MOUNT_PROC, NULL, "/proc", 0, 0, 0)) != CORDON_OK)
        return e;

    /* Landlock: every modifying right and device ioctls are handled;
     * allowed beneath the roots, the private temp, and the device files
     * (ioctls on those only). */
    lp->ll_fs_handled = CORDON__LL_FS_WRITE_ALL | CORDON__LL_FS_IOCTL_DEV;
    for (i = 0; i < plan->roots.n; i++) {
        if ((e = add_rule(lp, plan->roots.v[i], CORDON__LL_FS_WRITE_ALL, CORDON__LL_ALWAYS, 0)) !=
            CORDON_OK)
            return e;
        lp->ll_rules[lp->n_ll_rules - 1].root = (long)i;
    }
    if (plan->private_tmp && plan->tmp_dir &&
        (e = add_rule(lp, plan->tmp_dir, CORDON__LL_FS_WRITE_ALL,
                      lp->tmp_mount ? CORDON__LL_WITHOUT_MOUNT_NS : CORDON__LL_ALWAYS, 0)) !=
            CORDON_OK)
        return e;
    if (lp->tmp_mount && (e = add_rule(lp, lp->tmp_mount, CORDON__LL_FS_WRITE_ALL,
                                       CORDON__LL_WITH_MOUNT_NS, 0)) != CORDON_OK)
        return e;
    for (i = 0; dev_nodes[i]; i++)
        if ((e = add_rule(lp, dev_nodes[i], CORDON__LL_FS_FILE_RIGHTS | CORDON__LL_FS_IOCTL_DEV,
                          CORDON__LL_ALWAYS, 1)) != CORDON_OK)
            return e;
    /* Pseudo-terminals: inside, the command's own devpts; without a mount
     * namespace only new ones through /dev/ptmx (the slave comes from
     * TIOCGPTPEER) and the terminals on its stdio (added by the backend),
     * so the user's other terminals stay out of reach. */
    lp->ll_stdio_terminals = 1;
    if ((e = add_rule(lp, "/dev/ptmx", CORDON__LL_FS_FILE_RIGHTS | CORDON__LL_FS_IOCTL_DEV,
                      CORDON__LL_WITHOUT_MOUNT_NS, 1)) != CORDON_OK ||
        (e = add_rule(lp, "/dev/pts", CORDON__LL_FS_FILE_RIGHTS | CORDON__LL_FS_IOCTL_DEV,
                      CORDON__LL_WITH_MOUNT_NS, 0)) != CORDON_OK ||
        (e = add_rule(lp, "/dev/shm", CORDON__LL_FS_WRITE_ALL, CORDON__LL_WITH_MOUNT_NS, 0)) !=
            CORDON_OK ||
        (e = add_rule(lp, "/dev/mqueue", CORDON__LL_FS_WRITE_ALL, CORDON__LL_WITH_MOUNT_NS, 0)) !=
            CORDON_OK)
        return e;

    /* Network off: a private network namespace with only lo up holds IPv4
     * and IPv6 (servers on 127.0.0.1 and ::1 work among the command's
     * processes; nothing of the host's loopback is reachable, nothing
     * leaves). Landlock's TCP rights are then not handled. */
    if (!plan->network) {
        lp->net_ns = 1;
        lp->ll_net_handled = CORDON__LL_NET_BIND_TCP | CORDON__LL_NET_CONNECT_TCP;
    }
    /* Abstract unix sockets: per network namespace, and Landlock scopes
     * them to the domain (ABI 6) where the gate does not act. */
    lp->ll_scoped = CORDON__LL_SCOPE_SIGNAL | CORDON__LL_SCOPE_ABSTRACT_UNIX;

    /* seccomp. Without the namespace only unix (1) and netlink (16)
     * sockets are left. With it, IPv4 (2) and IPv6 (10) stay inside it;
     * still refused are the families a network namespace does not hold
     * (vsock reaches the hypervisor, Bluetooth and qrtr live outside any
     * namespace) and every other one nothing needs. Packet and raw
     * sockets need CAP_NET_RAW, which the command does not have. */
    if (!plan->network) {
        static const struct family_block no_netns[] = {
            {2, 2, "network off: no IPv4 (and AX.25) sockets"},
            {4, 4, "network off: no IPX/AppleTalk/NET/ROM/bridge sockets"},
            {8, 8, "network off: no IPv6, X.25, ATM, ... sockets"},
            {17, 1, "network off: no packet sockets"},
            {18, 2, "network off: only unix and netlink sockets"},
            {20, 4, "network off: only unix and netlink sockets"},
            {24, 8, "network off: only unix and netlink sockets (CAN, TIPC, Bluetooth, ...)"},
            {32, 32, "network off: only unix and netlink sockets (vsock, XDP, SMC, ...)"},
        };
        static const struct family_block netns[] = {
            {3, 1, "private loopback: only unix, netlink, IPv4 and IPv6 sockets (AX.25)"},
            {4, 4, "private loopback: no IPX/AppleTalk/NET/ROM/bridge sockets"},
            {8, 2, "private loopback: no ATM or X.25 sockets"},
            {11, 1, "private loopback: no ROSE sockets"},
            {12, 4, "private loopback: no DECnet, NetBEUI, security or key sockets"},
            {17, 1, "private loopback: no packet sockets"},
            {18, 2, "private loopback: only unix, netlink, IPv4 and IPv6 sockets"},
            {20, 4, "private loopback: only unix, netlink, IPv4 and IPv6 sockets"},
            {24, 8, "private loopback: no CAN, TIPC, Bluetooth, ... sockets (some outside "
                    "any network namespace)"},
            {32, 32, "private loopback: no vsock (reaches the hypervisor), XDP, SMC, qrtr, ... "
                     "sockets"},
        };
        if ((e = add_family_blocks(lp, no_netns, sizeof no_netns / sizeof no_netns[0],
                                   CORDON__SECCOMP_NO_NETNS)) != CORDON_OK ||
            (e = add_family_blocks(lp, netns, sizeof netns / sizeof netns[0],
                                   CORDON__SECCOMP_NETNS)) != CORDON_OK)
            return e;
    }
    /* Unix sockets of processes outside: connect() goes through the gate,
     * which resolves the address once in the command's view and connects
     * for it (no check-then-use race). Datagram sends carry an address
     * per message (sendmsg's msg_name, which seccomp cannot read), so unix
     * datagram sockets are refused (SOCK_RAW is a datagram socket there);
     * stream and seqpacket sockets ignore or refuse a send address. */
    lp->unix_gate = 1;
    if ((e = add_sc(lp, "connect", LX_EACCES, 0, 0, 0, 0, CORDON__SECCOMP_ALWAYS,
                    "unix sockets outside the sandbox: the gate connects for the command")) !=
        CORDON_OK)
        return e;
    lp->seccomp[lp->n_seccomp - 1].notify = 1;
    if ((e = add_sc(lp, "socket", LX_EACCES, 1, 0, 0xffffffffull, 1, CORDON__SECCOMP_ALWAYS,
                    "unix datagram sockets could send to host services (journald, syslog) "
                    "past the gate")) != CORDON_OK)
        return e;
    lp->seccomp[lp->n_seccomp - 1].has_arg2 = 1;
    lp->seccomp[lp->n_seccomp - 1].arg2 = 1;
    lp->seccomp[lp->n_seccomp - 1].mask2 = 0xe;
    lp->seccomp[lp->n_seccomp - 1].value2 = 2;
    if ((e = add_sc(lp, "socketpair", LX_EACCES, 1, 0, 0xffffffffull, 1, CORDON__SECCOMP_ALWAYS,
                    "a unix datagram pair could send to host services by address")) != CORDON_OK)
        return e;
    lp->seccomp[lp->n_seccomp - 1].has_arg2 = 1;
    lp->seccomp[lp->n_seccomp - 1].arg2 = 1;
    lp->seccomp[lp->n_seccomp - 1].mask2 = 0xe;
    lp->seccomp[lp->n_seccomp - 1].value2 = 2;
    if ((e = add_sc(lp, "io_uring_setup", LX_ENOSYS, 0, 0, 0, 0, CORDON__SECCOMP_ALWAYS,
                    "io_uring would open sockets and files around seccomp")) != CORDON_OK ||
        (e = add_sc(lp, "io_uring_enter", LX_ENOSYS, 0, 0, 0, 0, CORDON__SECCOMP_ALWAYS,
                    "io_uring would open sockets and files around seccomp")) != CORDON_OK ||
        (e = add_sc(lp, "io_uring_register", LX_ENOSYS, 0, 0, 0, 0, CORDON__SECCOMP_ALWAYS,
                    "io_uring would open sockets and files around seccomp")) != CORDON_OK)
        return e;
    for (i = 0; mount_calls[i]; i++)
        if ((e = add_sc(lp, mount_calls[i], LX_EPERM, 0, 0, 0, 0, CORDON__SECCOMP_ALWAYS,
                        "mounts could undo the read-only view")) != CORDON_OK)
            return e;
    if ((e = add_sc(lp, "ioctl", LX_EPERM, 1, 1, 0xffffffffull, LX_TIOCSTI, CORDON__SECCOMP_ALWAYS,
                    "TIOCSTI would type commands into the caller's terminal")) != CORDON_OK ||
        (e = add_sc(lp, "ioctl", LX_EPERM, 1, 1, 0xffffffffull, LX_TIOCLINUX,
                    CORDON__SECCOMP_ALWAYS, "TIOCLINUX can inject console input")) != CORDON_OK)
        return e;
    for (i = 0; key_calls[i]; i++)
        if ((e = add_sc(lp, key_calls[i], LX_ENOSYS, 0, 0, 0, 0, CORDON__SECCOMP_ALWAYS,
                        "the caller's keyrings are reachable by serial number")) != CORDON_OK)
            return e;
    for (i = 0; ipc_calls[i]; i++)
        if ((e = add_sc(lp, ipc_calls[i], LX_ENOSYS, 0, 0, 0, 0, CORDON__SECCOMP_NO_USERNS,
                        "no IPC namespace: the host's SysV IPC and message queues")) != CORDON_OK)
            return e;
    for (i = 0; metadata_calls[i]; i++)
        if ((e = add_sc(lp, metadata_calls[i], LX_EPERM, 0, 0, 0, 0, CORDON__SECCOMP_NO_USERNS,
                        "no read-only view: metadata changes are refused everywhere")) !=
            CORDON_OK)
            return e;
    return CORDON_OK;
}

void cordon__plan_linux_free(struct cordon__plan_linux *lp)
{
    size_t i;
    for (i = 0; i < lp->n_mounts; i++) {
        free(lp->mounts[i].src);
        free(lp->mounts[i].dst);
        free(lp->mounts[i].link);
    }
    free(lp->mounts);
    for (i = 0; i < lp->n_ll_rules; i++)
        free(lp->ll_rules[i].path);
    free(lp->ll_rules);
    free(lp->seccomp);
    free(lp->tmp_mount);
    free(lp->tmp_env_fallback);
    memset(lp, 0, sizeof *lp);
}

static const char *const fs_right_names[] = {
    "execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file",
    "make_char", "make_dir", "make_reg", "make_sock", "make_fifo", "make_block",
    "make_sym", "refer", "truncate", "ioctl_dev",
};

static void rights_json(struct cordon__json *j, unsigned long long access)
{
    size_t b;
    cordon__json_begin_array(j);
    for (b = 0; b < sizeof fs_right_names / sizeof fs_right_names[0]; b++)
        if (access & (1ull << b))
            cordon__json_string(j, fs_right_names[b]);
    cordon__json_end_array(j);
}

static const char *mount_op_name(enum cordon__mount_op op)
{
    switch (op) {
    case CORDON__MOUNT_READONLY_ALL:
        return "readonly_all";
    case CORDON__MOUNT_TMP:
        return "private_tmp";
    case CORDON__MOUNT_BIND_RW:
        return "bind_rw";
    case CORDON__MOUNT_BIND_RO:
        return "bind_ro";
    case CORDON__MOUNT_TMPFS:
        return "tmpfs";
    case CORDON__MOUNT_PROC:
        return "proc";
    case CORDON__MOUNT_MASK:
        return "mask";
    case CORDON__MOUNT_DEV:
        return "dev";
    case CORDON__MOUNT_DEV_NODE:
        return "dev_node";
    case CORDON__MOUNT_DEVPTS:
        return "devpts";
    case CORDON__MOUNT_MQUEUE:
        return "mqueue";
    case CORDON__MOUNT_SYMLINK:
        return "symlink";
    }
    return "?";
}

void cordon__plan_linux_json(const struct cordon__plan_linux *lp, struct cordon__json *j)
{
    size_t i;

    cordon__json_begin_object(j);
    cordon__json_kbool(j, "confine", lp->confine);
    if (!lp->confine) {
        cordon__json_end_object(j);
        return;
    }
    cordon__json_key(j, "namespaces");
    cordon__json_begin_object(j);
    cordon__json_kbool(j, "user", lp->user_ns);
    cordon__json_kbool(j, "mount", lp->mount_ns);
    cordon__json_kbool(j, "pid", lp->pid_ns);
    cordon__json_kbool(j, "ipc", lp->ipc_ns);
    cordon__json_kbool(j, "network", lp->net_ns);
    cordon__json_end_object(j);
    cordon__json_kbool(j, "unix_gate", lp->unix_gate);
    cordon__json_kbool(j, "no_new_privs", lp->no_new_privs);
    cordon__json_kbool(j, "drop_capabilities", lp->drop_caps);
    cordon__json_kstr(j, "tmp_mount", lp->tmp_mount);
    cordon__json_kstr(j, "tmp_env_without_mount_ns", lp->tmp_env_fallback);

    cordon__json_key(j, "mounts");
    cordon__json_begin_array(j);
    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "op", mount_op_name(m->op));
        if (m->src)
            cordon__json_kstr(j, "src", m->src);
        cordon__json_kstr(j, "dst", m->dst);
        if (m->link)
            cordon__json_kstr(j, "link", m->link);
        if (m->is_file)
            cordon__json_kbool(j, "file", 1);
        if (m->protect)
            cordon__json_kbool(j, "protected", 1);
        if (m->pin)
            cordon__json_kbool(j, "pin", 1);
        if (m->placeholder)
            cordon__json_kbool(j, "placeholder", 1);
        if (m->optional)
            cordon__json_kbool(j, "optional", 1);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);

    cordon__json_key(j, "landlock");
    cordon__json_begin_object(j);
    cordon__json_key(j, "fs_handled");
    rights_json(j, lp->ll_fs_handled);
    cordon__json_key(j, "rules");
    cordon__json_begin_array(j);
    for (i = 0; i < lp->n_ll_rules; i++) {
        const struct cordon__ll_rule *r = &lp->ll_rules[i];
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "path", r->path);
        cordon__json_key(j, "allow");
        rights_json(j, r->access);
        if (r->when == CORDON__LL_WITH_MOUNT_NS)
            cordon__json_kstr(j, "when", "mount_ns");
        else if (r->when == CORDON__LL_WITHOUT_MOUNT_NS)
            cordon__json_kstr(j, "when", "no_mount_ns");
        if (r->optional)
            cordon__json_kbool(j, "optional", 1);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_kbool(j, "stdio_terminals", lp->ll_stdio_terminals);
    cordon__json_key(j, "net_handled");
    cordon__json_begin_array(j);
    if (lp->ll_net_handled & CORDON__LL_NET_BIND_TCP)
        cordon__json_string(j, "bind_tcp");
    if (lp->ll_net_handled & CORDON__LL_NET_CONNECT_TCP)
        cordon__json_string(j, "connect_tcp");
    cordon__json_end_array(j);
    if (lp->ll_net_handled && lp->net_ns)
        cordon__json_kstr(j, "net_when", "no_net_ns");
    cordon__json_key(j, "scoped");
    cordon__json_begin_array(j);
    if (lp->ll_scoped & CORDON__LL_SCOPE_ABSTRACT_UNIX)
        cordon__json_string(j, "abstract_unix_socket");
    if (lp->ll_scoped & CORDON__LL_SCOPE_SIGNAL)
        cordon__json_string(j, "signal");
    cordon__json_end_array(j);
    cordon__json_end_object(j);

    cordon__json_key(j, "seccomp");
    cordon__json_begin_array(j);
    for (i = 0; i < lp->n_seccomp; i++) {
        const struct cordon__seccomp_rule *r = &lp->seccomp[i];
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "syscall", r->syscall);
        cordon__json_kint(j, "errno", r->err);
        if (r->has_arg) {
            cordon__json_kint(j, "arg", r->arg);
            cordon__json_kint(j, "mask", (long long)r->mask); /* (arg & mask) == value */
            cordon__json_kint(j, "value", (long long)r->value);
        }
        if (r->has_arg2) {
            cordon__json_kint(j, "arg2", r->arg2);
            cordon__json_kint(j, "mask2", (long long)r->mask2);
            cordon__json_kint(j, "value2", (long long)r->value2);
        }
        if (r->notify)
            cordon__json_kstr(j, "action", "gate");
        else if (r->count)
            cordon__json_kstr(j, "action", "count");
        if (r->when == CORDON__SECCOMP_NO_USERNS)
            cordon__json_kstr(j, "when", "no_mount_ns");
        else if (r->when == CORDON__SECCOMP_NO_NETNS)
            cordon__json_kstr(j, "when", "no_net_ns");
        else if (r->when == CORDON__SECCOMP_NETNS)
            cordon__json_kstr(j, "when", "net_ns");
        cordon__json_kstr(j, "why", r->why);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_end_object(j);
}
