/* The kernel primitives of the unelevated sandbox, one file each:
 * landlock.c, seccomp.c, and the probes of unelevated.c. Functions named
 * *_enforce or *_add_path run between fork and exec and are
 * async-signal-safe; they return an errno value (0 = success). */
#ifndef CORDON_LINUX_SANDBOX_H
#define CORDON_LINUX_SANDBOX_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "linux.h"

/* CORDON_DISABLE=landlock,userns,seccomp (any subset): the probes treat
 * the named primitives as absent, so every degradation is testable. */
#define CORDON__DISABLE_LANDLOCK 1u
#define CORDON__DISABLE_USERNS 2u
#define CORDON__DISABLE_SECCOMP 4u
unsigned cordon__linux_disabled(void);

/* ---- unelevated.c: the launch, shared by linux-unelevated and
 * cordon-runner (which calls it as the sandbox user, after the identity
 * switch). In order: launch_prepare (the private temp dir where no
 * private /tmp mount holds it), launch (namespaces, mounts, Landlock,
 * seccomp, the unix socket gate, as this host allows; process.h's
 * supervised launch), then process.h's wait/kill, then launch_end (the
 * tree, the temp dir, the placeholders). ---- */
cordon_error cordon__linux_launch_prepare(const struct cordon__plan *plan);
cordon_error cordon__linux_launch(const struct cordon__plan *plan, const struct cordon__spawn *req,
                                  struct cordon__proc **out);
void cordon__linux_launch_end(const struct cordon__plan *plan, struct cordon__proc *proc);
/* What the launch applies on this host for this process (probed live once
 * per process; CORDON_DISABLE applied). |for_run|: as a launch sees it,
 * user namespaces assumed from the host's settings where they say nothing
 * against them (the launch proves them, and a launch that fails in them
 * has cordon__linux_take_replan() say so); 0: a live probe makes one. */
struct cordon__linux_primitives {
    int userns;        /* user, mount and pid namespaces, and mounts in them */
    int landlock_abi;  /* 0: none */
    int seccomp;
    int unix_gate;     /* seccomp user notification: the unix socket gate */
    int netns;
};
void cordon__linux_primitives(struct cordon__linux_primitives *out, int for_run);

/* ---- resolve.c ---- */
/* Opens |rel| (relative and canonical: no "." or ".." parts) beneath
 * |dir| with |flags| (O_PATH, or O_RDONLY | O_DIRECTORY) without following
 * any symbolic link: openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
 * else (kernels before 5.6, or a host filter refusing openat2) one
 * component at a time with O_NOFOLLOW. |dir| may be AT_FDCWD with an
 * absolute |rel| (then only links are refused). -1 with errno (ELOOP for
 * a link). Async-signal-safe. */
int cordon__open_nofollow(int dir, const char *rel, int flags);

/* ---- landlock.c ---- */
/* The ABI version, 0 when unavailable (*err: the errno of the probe). */
int cordon__landlock_abi(int *err);
/* Creates the ruleset for |lp| masked to |abi| (fs rights, TCP rights
 * unless |netns| holds the network, scopes), without rules yet. The caller owns *out_fd. */
cordon_error cordon__landlock_create(const struct cordon__plan_linux *lp, int abi, int netns,
                                     int *out_fd, uint64_t *out_handled);
/* Adds every rule of |lp| that applies with (|mount_ns| 1) or without the
 * mount namespace, except those on private mounts (added inside). Rules
 * reach every process holding the ruleset until it enforces it. */
/* |root_fd| (per plan root, may be NULL): the descriptors the run opened
 * the roots with; a root's rule is added on it, not on its path. */
cordon_error cordon__landlock_add_rules(const struct cordon__plan_linux *lp, int ruleset,
                                        uint64_t handled, int mount_ns, const int *root_fd);
int cordon__landlock_add_path(int ruleset, const char *path, uint64_t access);
int cordon__landlock_enforce(int ruleset);

/* ---- seccomp.c ---- */
struct cordon__bpf {
    void *filter;        /* struct sock_filter[], owned */
    unsigned short len;
};
/* 1 when filters with SECCOMP_RET_ERRNO can be installed here. */
int cordon__seccomp_available(int *err);
/* 1 when SECCOMP_RET_USER_NOTIF and pidfd_getfd are there (the unix
 * socket gate, unixgate.c). */
int cordon__seccomp_notify_available(int *err);
/* What the run has, which decides the rules of the plan that apply. */
struct cordon__seccomp_env {
    int userns; /* the mount namespace is in use */
    int netns;  /* the private network namespace is in use */
    int gate;   /* the unix socket gate serves the notifications */
};
/* Compiles the rules of |lp| that apply in |env| into a BPF program:
 * written directly where seccomp.c can (x86_64, arm64), else by
 * libseccomp. */
cordon_error cordon__seccomp_build(const struct cordon__plan_linux *lp,
                                   const struct cordon__seccomp_env *env, struct cordon__bpf *out);
/* Each way alone, for the tests that compare them. The direct one fails
 * with CORDON_ERR_UNSUPPORTED where it leaves the filter to libseccomp. */
cordon_error cordon__seccomp_build_native(const struct cordon__plan_linux *lp,
                                          const struct cordon__seccomp_env *env,
                                          struct cordon__bpf *out);
cordon_error cordon__seccomp_build_libseccomp(const struct cordon__plan_linux *lp,
                                              const struct cordon__seccomp_env *env,
                                              struct cordon__bpf *out);
void cordon__bpf_free(struct cordon__bpf *bpf);
/* Installs |bpf|; with |listener| (the gate's rules are in it), stores
 * the notification descriptor there (close-on-exec). */
int cordon__seccomp_enforce(const struct cordon__bpf *bpf, int *listener);

/* ---- fdpass.c ---- */
/* A message of |len| bytes with up to CORDON__FDPASS_MAX descriptors
 * beside it (SCM_RIGHTS). send: 0 or an errno value. recv: what recvmsg
 * returns (-1 and errno on failure, 0 at the stream's end); up to |max|
 * descriptors received (close-on-exec) go to |fds|, the others of |fds|
 * are -1. Async-signal-safe. */
#define CORDON__FDPASS_MAX 2
int cordon__send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n,
                          int flags);
ssize_t cordon__recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max, int flags);

/* ---- unixgate.c ---- */
/* The unix socket gate, served by the supervisor (see unixgate.c). Set
 * up by the caller before the clone; nothing in it is allocated later. */
/* The refusals the gate saw (the run's denials), in memory the caller
 * maps shared before the clone: the supervisor and its workers count, the
 * caller reads once the run is over. |first| of a kind is written once, by
 * whoever claimed it. */
struct cordon__denials_seen {
    _Atomic unsigned long long count[CORDON_DENIAL_KIND_COUNT];
    _Atomic int claimed[CORDON_DENIAL_KIND_COUNT];
    char first[CORDON_DENIAL_KIND_COUNT][CORDON_DENIAL_FIRST_MAX];
};

struct cordon__unixgate {
    struct cordon__denials_seen *seen; /* NULL: nothing is counted */
    int sock[2];              /* the command hands off on [1], the supervisor takes [0] */
    int netns;                /* abstract addresses are the run's own */
    const char *const *own;   /* where the command's own sockets are, in its view */
    size_t n_own;
    const char *const *allow; /* allow_unix_sockets, absolute */
    size_t n_allow;
    int listener, procfd;     /* the supervisor's, after start */
    int jobs[2];              /* to the workers of blocking connects; -1 until the first */
    void *idle;               /* shared with them: how many wait for a job */
};
/* In the command, right after the filter is installed: passes |listener|
 * (closed here) and the sandbox's /proc to the supervisor. */
int cordon__unixgate_handoff(struct cordon__unixgate *g, int listener);
/* In the supervisor once the command has exec'd: the listener to watch,
 * or -1. */
int cordon__unixgate_start(struct cordon__unixgate *g);
/* Serves one notification. */
void cordon__unixgate_serve(struct cordon__unixgate *g);

#endif
