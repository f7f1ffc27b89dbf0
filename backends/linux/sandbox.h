/* The kernel primitives of the unelevated sandbox, one file each:
 * landlock.c, seccomp.c, and the probes of unelevated.c. Functions named
 * *_enforce or *_add_path run between fork and exec and are
 * async-signal-safe; they return an errno value (0 = success). */
#ifndef CORDON_LINUX_SANDBOX_H
#define CORDON_LINUX_SANDBOX_H

#include <stdint.h>

#include "linux.h"

/* CORDON_DISABLE=landlock,userns,seccomp (any subset): the probes treat
 * the named primitives as absent, so every degradation is testable. */
#define CORDON__DISABLE_LANDLOCK 1u
#define CORDON__DISABLE_USERNS 2u
#define CORDON__DISABLE_SECCOMP 4u
unsigned cordon__linux_disabled(void);

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
/* Creates the ruleset for |lp| masked to |abi| (fs rights, TCP rights,
 * scopes), without rules yet. The caller owns *out_fd. */
cordon_error cordon__landlock_create(const struct cordon__plan_linux *lp, int abi, int *out_fd,
                                     uint64_t *out_handled);
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
/* Compiles the rules of |lp| that apply (|userns|: whether the mount
 * namespace is in use) into a BPF program. */
cordon_error cordon__seccomp_build(const struct cordon__plan_linux *lp, int userns,
                                   struct cordon__bpf *out);
void cordon__bpf_free(struct cordon__bpf *bpf);
int cordon__seccomp_enforce(const struct cordon__bpf *bpf);

#endif
