/* Landlock: probe the ABI, build the ruleset in the caller (where we may
 * allocate and report errors), and enforce it in the command's process.
 * Struct layouts and syscall numbers are those of the kernel UAPI; they
 * are spelled out here so that the build does not depend on how recent
 * the installed <linux/landlock.h> is. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int cordon__landlock_abi(int *err)
{
    long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    *err = v < 0 ? errno : 0;
    return v < 0 ? 0 : (int)v;
}

/* Adds one rule; |fd| is an O_PATH descriptor. Rights that only make sense
 * on directories are dropped for a file, as the kernel demands. */
static int add_path_rule(int ruleset, int fd, uint64_t access, int is_dir)
{
    struct ll_path_beneath_attr pb;
    if (!is_dir)
        access &= CORDON__LL_FS_FILE_RIGHTS | CORDON__LL_FS_IOCTL_DEV;
    if (!access)
        return 0;
    memset(&pb, 0, sizeof pb);
    pb.allowed_access = access;
    pb.parent_fd = fd;
    if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) != 0)
        return errno;
    return 0;
}

cordon_error cordon__landlock_create(const struct cordon__plan_linux *lp, int abi, int netns,
                                     int *out_fd, uint64_t *out_handled)
{
    struct ll_ruleset_attr attr;
    size_t attr_size = sizeof(uint64_t);
    int rs;

    *out_fd = -1;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = lp->ll_fs_handled & cordon__landlock_fs_rights_of_abi(abi);
    if (abi >= 4) {
        /* In the private network namespace, TCP on its loopback is the
         * command's own: not handled. */
        attr.handled_access_net = netns ? 0 : lp->ll_net_handled;
        attr_size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        attr.scoped = lp->ll_scoped;
        attr_size = sizeof attr;
    }
    rs = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
    if (rs < 0)
        return cordon__sys_fail("cannot create the Landlock ruleset", "landlock_create_ruleset",
                                errno);
    fcntl(rs, F_SETFD, FD_CLOEXEC);
    *out_fd = rs;
    *out_handled = attr.handled_access_fs;
    return CORDON_OK;
}

cordon_error cordon__landlock_add_rules(const struct cordon__plan_linux *lp, int ruleset,
                                        uint64_t handled, int mount_ns, const int *root_fd)
{
    size_t i;

    for (i = 0; i < lp->n_ll_rules; i++) {
        const struct cordon__ll_rule *r = &lp->ll_rules[i];
        struct stat st;
        uint64_t access = r->access & handled;
        int fd, err, own;
        if (r->when == CORDON__LL_WITH_MOUNT_NS)
            continue; /* added in the namespace, once its mount exists */
        if (r->when == CORDON__LL_WITHOUT_MOUNT_NS && mount_ns)
            continue;
        /* A root's rule is on the descriptor the run opened it with. */
        own = !(root_fd && r->root >= 0);
        fd = own ? open(r->path, O_PATH | O_CLOEXEC) : root_fd[r->root];
        if (!own && fd < 0)
            errno = EBADF; /* the root could not be opened: never by its path here */
        if (fd < 0) {
            char what[600];
            if (r->optional)
                continue;
            snprintf(what, sizeof what, "cannot open %s for its Landlock rule", r->path);
            return cordon__sys_fail(what, "open", errno);
        }
        /* Whether it is a directory matters only to rights beyond a
         * file's (the device nodes' rules have none). */
        if (access & ~(uint64_t)(CORDON__LL_FS_FILE_RIGHTS | CORDON__LL_FS_IOCTL_DEV))
            err = fstat(fd, &st) == 0 ? add_path_rule(ruleset, fd, access, S_ISDIR(st.st_mode))
                                      : errno;
        else
            err = add_path_rule(ruleset, fd, access, 0);
        if (own)
            close(fd);
        if (err) {
            char what[600];
            snprintf(what, sizeof what, "cannot add the Landlock rule for %s", r->path);
            return cordon__sys_fail(what, "landlock_add_rule", err);
        }
    }
    return CORDON_OK;
}

int cordon__landlock_add_path(int ruleset, const char *path, uint64_t access)
{
    struct stat st;
    int fd = open(path, O_PATH | O_CLOEXEC), err;
    if (fd < 0)
        return errno;
    err = fstat(fd, &st) == 0 ? add_path_rule(ruleset, fd, access, S_ISDIR(st.st_mode)) : errno;
    close(fd);
    return err;
}

int cordon__landlock_enforce(int ruleset)
{
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
        return errno;
    return 0;
}
