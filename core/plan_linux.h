/* The Linux part of a plan: what the linux backends apply. Plain data,
 * compiled by core/plan_linux.c on any host (no Linux headers here: the
 * kernel ABI values below are copied from the Linux UAPI so that Linux
 * plans compile and print on Windows too).
 *
 * The backend applies it in this order, in the command's process tree:
 *   1. user + mount + pid + IPC namespaces (when the host has them);
 *   2. mounts[], in order (read-only view, private /tmp, a minimal
 *      private /dev with its own devpts, shm and mqueue, writable roots
 *      (bound into the private /tmp or /dev when below them), pins of the
 *      directories on the way to protected paths, read-only protected
 *      paths, deny_read masks, fresh /proc);
 *   3. no_new_privs, capabilities dropped;
 *   4. Landlock: fs rights handled (masked to the probed ABI), rules[],
 *      TCP rights handled with no rule (network off), scopes;
 *   5. seccomp: every rule of seccomp[] whose condition holds.
 * Each step whose primitive the host lacks is skipped, and the probe
 * lowers exactly the dimensions it served.
 */
#ifndef CORDON_PLAN_LINUX_H
#define CORDON_PLAN_LINUX_H

#include <stddef.h>

/* Landlock filesystem rights (ABI version that introduced them). */
#define CORDON__LL_FS_EXECUTE (1ull << 0)     /* 1 */
#define CORDON__LL_FS_WRITE_FILE (1ull << 1)  /* 1 */
#define CORDON__LL_FS_READ_FILE (1ull << 2)   /* 1 */
#define CORDON__LL_FS_READ_DIR (1ull << 3)    /* 1 */
#define CORDON__LL_FS_REMOVE_DIR (1ull << 4)  /* 1 */
#define CORDON__LL_FS_REMOVE_FILE (1ull << 5) /* 1 */
#define CORDON__LL_FS_MAKE_CHAR (1ull << 6)   /* 1 */
#define CORDON__LL_FS_MAKE_DIR (1ull << 7)    /* 1 */
#define CORDON__LL_FS_MAKE_REG (1ull << 8)    /* 1 */
#define CORDON__LL_FS_MAKE_SOCK (1ull << 9)   /* 1 */
#define CORDON__LL_FS_MAKE_FIFO (1ull << 10)  /* 1 */
#define CORDON__LL_FS_MAKE_BLOCK (1ull << 11) /* 1 */
#define CORDON__LL_FS_MAKE_SYM (1ull << 12)   /* 1 */
#define CORDON__LL_FS_REFER (1ull << 13)      /* 2 */
#define CORDON__LL_FS_TRUNCATE (1ull << 14)   /* 3 */
#define CORDON__LL_FS_IOCTL_DEV (1ull << 15)  /* 5 */
#define CORDON__LL_NET_BIND_TCP (1ull << 0)   /* 4 */
#define CORDON__LL_NET_CONNECT_TCP (1ull << 1) /* 4 */
#define CORDON__LL_SCOPE_ABSTRACT_UNIX (1ull << 0) /* 6 */
#define CORDON__LL_SCOPE_SIGNAL (1ull << 1)        /* 6 */

/* Every right that modifies the filesystem; reads and execution are not
 * handled, so they stay allowed everywhere. */
#define CORDON__LL_FS_WRITE_ALL                                                               \
    (CORDON__LL_FS_WRITE_FILE | CORDON__LL_FS_REMOVE_DIR | CORDON__LL_FS_REMOVE_FILE |       \
     CORDON__LL_FS_MAKE_CHAR | CORDON__LL_FS_MAKE_DIR | CORDON__LL_FS_MAKE_REG |             \
     CORDON__LL_FS_MAKE_SOCK | CORDON__LL_FS_MAKE_FIFO | CORDON__LL_FS_MAKE_BLOCK |          \
     CORDON__LL_FS_MAKE_SYM | CORDON__LL_FS_REFER | CORDON__LL_FS_TRUNCATE)
/* The rights that make sense on a file (not a directory). */
#define CORDON__LL_FS_FILE_RIGHTS (CORDON__LL_FS_WRITE_FILE | CORDON__LL_FS_TRUNCATE)

/* The fs rights a Landlock ABI version knows (0: none). */
unsigned long long cordon__landlock_fs_rights_of_abi(int abi);

enum cordon__ll_when {
    CORDON__LL_ALWAYS = 0,
    CORDON__LL_WITH_MOUNT_NS = 1,   /* on a private mount: added inside the
                                       namespace once it is mounted */
    CORDON__LL_WITHOUT_MOUNT_NS = 2 /* only when there is no mount namespace */
};

struct cordon__ll_rule {
    char *path;               /* absolute path (an inode: binds keep it) */
    unsigned long long access;/* rights allowed beneath it */
    enum cordon__ll_when when;
    int optional;             /* skip silently when missing on the host */
    long root;                /* a writable root's rule: its index in plan->roots (the
                                 backend uses the root's descriptor), else -1 */
};

enum cordon__mount_op {
    CORDON__MOUNT_READONLY_ALL = 0, /* remount every mount read-only */
    CORDON__MOUNT_TMP = 1,          /* a private tmpfs on |dst| ("/tmp"): nothing on the
                                       host to create or remove, gone with the run */
    CORDON__MOUNT_BIND_RW = 2,      /* bind |src| on |dst| writable (a writable root) */
    CORDON__MOUNT_BIND_RO = 3,      /* bind |src| on |dst| read-only (protected path, cwd) */
    CORDON__MOUNT_TMPFS = 4,        /* a fresh private tmpfs on |dst| (/dev/shm) */
    CORDON__MOUNT_PROC = 5,         /* a fresh read-only proc on |dst| for the pid namespace */
    CORDON__MOUNT_MASK = 6,         /* an empty read-only tmpfs with mode 000 on the
                                       directory |dst| (deny_read); files are masked by a
                                       read-only bind of /dev/null instead */
    CORDON__MOUNT_DEV = 7,          /* a private tmpfs on |dst| ("/dev") holding an empty
                                       world-writable (sticky) "shm" directory; the host's
                                       device nodes are hidden below it */
    CORDON__MOUNT_DEV_NODE = 8,     /* bind the host device node |src| on |dst| (a file made
                                       in the private /dev), as it is: a device stays
                                       usable on a read-only mount */
    CORDON__MOUNT_DEVPTS = 9,       /* a new devpts instance on |dst|: only the ptys the
                                       command opens itself */
    CORDON__MOUNT_MQUEUE = 10,      /* the mqueue of the command's IPC namespace on |dst| */
    CORDON__MOUNT_SYMLINK = 11      /* a symlink |dst| -> |link| in the private /dev */
};

struct cordon__mount {
    enum cordon__mount_op op;
    char *src;        /* host path; NULL for READONLY_ALL/TMPFS/PROC */
    char *dst;        /* path in the command's view */
    int is_file;      /* bind of a file rather than a directory */
    int protect;      /* a protected path (re-bound read-only over a root) */
    int placeholder;  /* src is missing: the backend holds its place for the
                         run (an inode of its own, bound read-only) so that
                         nothing can be created there, and removes it after */
    int optional;     /* skip when the mount point is missing on the host */
    int pin;          /* a directory on the way from a root to a protected path, bound
                         onto itself (writable) so that it is a mount point: renaming or
                         removing it fails (EBUSY), and the path keeps leading to what
                         was protected */
    long root;        /* index into plan->roots of the root holding src, -1: none. A
                         root's own bind (BIND_RW, not a pin) holds its index too. The
                         backend opens src beneath that root's descriptor, never
                         following a symbolic link */
    char *link;       /* SYMLINK: the link's target; NULL otherwise */
};

enum cordon__seccomp_when {
    CORDON__SECCOMP_ALWAYS = 0,
    CORDON__SECCOMP_NO_USERNS = 1, /* only when the mount namespace is unavailable */
    CORDON__SECCOMP_NO_NETNS = 2,  /* only when the private network namespace is not made */
    CORDON__SECCOMP_NETNS = 3      /* only inside the private network namespace */
};

struct cordon__seccomp_rule {
    const char *syscall;  /* name, resolved by libseccomp; static string */
    int err;              /* Linux errno value returned instead */
    int has_arg;          /* 1: only when (arg[arg] & mask) == value */
    int arg;
    unsigned long long mask, value;
    int has_arg2;         /* 1: and (arg[arg2] & mask2) == value2 */
    int arg2;
    unsigned long long mask2, value2;
    int notify;           /* 1: the unix-socket gate acts for the call instead
                             (SECCOMP_RET_USER_NOTIF, backends/linux/unixgate.c);
                             only applied with the gate; err when it is gone */
    int count;            /* 1: a refusal worth reporting (a denial): with the gate
                             the call is notified to it, which answers err and
                             counts it; without the gate plain err. Only on
                             socket() with EAFNOSUPPORT (the gate's answer) */
    enum cordon__seccomp_when when;
    const char *why;      /* static string */
};

struct cordon__plan_linux {
    int confine;                /* 0: full-access, nothing is applied */
    int user_ns, mount_ns, pid_ns; /* wanted; the probe says what the host has */
    int ipc_ns;                 /* with the mount namespace: SysV IPC and POSIX queues
                                   of the command's own, gone with the run */
    int net_ns;                 /* network off: a private network namespace with only
                                   lo up (needs the user namespace) */
    int unix_gate;              /* unix sockets outside the sandbox are reached only
                                   through the gate (plan->unix_allow) */
    int no_new_privs, drop_caps;
    struct cordon__mount *mounts;
    size_t n_mounts;
    char *tmp_mount;            /* where the private tmpfs goes ("/tmp"); NULL: a root
                                   covers /tmp, the host directory is used */
    char *tmp_env_fallback;     /* the host temp directory (plan->tmp_dir): TMPDIR when
                                   there is no mount namespace */
    unsigned long long ll_fs_handled;  /* before masking by the probed ABI */
    struct cordon__ll_rule *ll_rules;
    size_t n_ll_rules;
    int ll_stdio_terminals;     /* without a mount namespace: the backend allows the
                                   terminals on the command's stdio, by their inodes */
    unsigned long long ll_net_handled; /* with no rule: TCP bind/connect refused; only
                                          without the private network namespace */
    unsigned long long ll_scoped;
    struct cordon__seccomp_rule *seccomp;
    size_t n_seccomp;
};

#endif
