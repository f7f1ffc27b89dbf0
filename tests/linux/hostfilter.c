/* Runs a program under a seccomp filter that stands for a kind of host
 * cordon meets, so that its probes and its degraded runs are tested on
 * one machine:
 *
 *   cordon-test-hostfilter KIND PROGRAM [ARG...]
 *
 *   nomount    every mount syscall refused with EPERM (mount, umount2,
 *              pivot_root, mount_setattr, open_tree, move_mount, fsopen,
 *              fsconfig, fsmount, fspick): what Ubuntu 23.10+ does to an
 *              unprivileged user namespace (the clone succeeds, the
 *              mounts inside are refused), and what many containers do.
 *   nouserns   clone and unshare with CLONE_NEWUSER refused with EPERM,
 *              clone3 with ENOSYS (so that the C library falls back to
 *              clone, where the flag can be seen): a container that
 *              refuses user namespaces outright.
 *   nonetns    clone and unshare with CLONE_NEWNET refused with EPERM
 *              (clone3 with ENOSYS, as above): user namespaces work, a
 *              network namespace cannot be made (a limit, a container's
 *              filter), so network off falls back to seccomp's refusal.
 *   noremount  only remounts refused (mount with MS_REMOUNT, and
 *              mount_setattr): the probe's own mounts work, the run's
 *              read-only view does not, so the run must fail, naming
 *              the step and the errno.
 *   noremount-eacces
 *              the same, refused with EACCES as a security module does
 *              (mount_setattr with ENOSYS, as on kernels before 5.12):
 *              EACCES also means "cannot reach the path", which must not
 *              be taken for it.
 *   oldmount   open_tree, move_mount and mount_setattr fail with ENOSYS, as
 *              on kernels before 5.2: the read-only view is made one
 *              remount at a time and each root is bound from it (the
 *              fallbacks of backends/linux/unelevated.c); listmount and
 *              statmount too (kernels before 6.8): the other mounts of a
 *              deny_read path are read from mountinfo (backends/linux/os.c).
 *
 * The filter is inherited by everything the program starts and cannot be
 * removed; no_new_privs is set first, as an unprivileged process must. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *const mount_calls[] = {
    "mount", "umount2", "pivot_root", "mount_setattr", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", NULL,
};

/* Numbers of the unified table (the same on every architecture), for a
 * libseccomp too old to know the name: an unfiltered call would make the
 * host kind a lie. */
static const struct {
    const char *name;
    int nr;
} unified[] = {
    {"open_tree", 428}, {"move_mount", 429}, {"fsopen", 430}, {"fsconfig", 431},
    {"fsmount", 432},   {"fspick", 433},     {"clone3", 435}, {"mount_setattr", 442},
    {"statmount", 457}, {"listmount", 458},
};

static int resolve(const char *name)
{
    size_t i;
    int nr = seccomp_syscall_resolve_name(name);
    if (nr != __NR_SCMP_ERROR)
        return nr;
    for (i = 0; i < sizeof unified / sizeof unified[0]; i++)
        if (strcmp(unified[i].name, name) == 0)
            return unified[i].nr;
    return __NR_SCMP_ERROR;
}

static int refuse(scmp_filter_ctx ctx, const char *name, int err)
{
    int nr = resolve(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* not on this architecture, or unknown to this libseccomp */
    return seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)err), nr, 0);
}

static int refuse_flag_with(scmp_filter_ctx ctx, const char *name, unsigned arg,
                            unsigned long flag, int err)
{
    int nr = resolve(name);
    if (nr == __NR_SCMP_ERROR)
        return 0;
    return seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)err), nr, 1,
                            SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, flag, flag));
}

static int refuse_flag(scmp_filter_ctx ctx, const char *name, unsigned arg, unsigned long flag)
{
    return refuse_flag_with(ctx, name, arg, flag, EPERM);
}

int main(int argc, char **argv)
{
    scmp_filter_ctx ctx;
    int rc = 0, i;

    if (argc < 3) {
        fprintf(stderr, "usage: %s nomount|nouserns|nonetns|noremount|noremount-eacces|oldmount "
                        "PROGRAM [ARG...]\n", argv[0]);
        return 2;
    }
    ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        fprintf(stderr, "hostfilter: seccomp_init failed\n");
        return 2;
    }
    if (strcmp(argv[1], "nomount") == 0) {
        for (i = 0; mount_calls[i] && rc == 0; i++)
            rc = refuse(ctx, mount_calls[i], EPERM);
    } else if (strcmp(argv[1], "nouserns") == 0) {
        /* clone's flags are its first argument on x86-64 and arm64 alike;
         * unshare's too. */
        rc = refuse_flag(ctx, "clone", 0, CLONE_NEWUSER);
        if (rc == 0)
            rc = refuse_flag(ctx, "unshare", 0, CLONE_NEWUSER);
        if (rc == 0)
            rc = refuse(ctx, "clone3", ENOSYS);
    } else if (strcmp(argv[1], "nonetns") == 0) {
        rc = refuse_flag(ctx, "clone", 0, CLONE_NEWNET);
        if (rc == 0)
            rc = refuse_flag(ctx, "unshare", 0, CLONE_NEWNET);
        if (rc == 0)
            rc = refuse(ctx, "clone3", ENOSYS);
    } else if (strcmp(argv[1], "noremount") == 0) {
        rc = refuse_flag(ctx, "mount", 3, MS_REMOUNT);
        if (rc == 0)
            rc = refuse(ctx, "mount_setattr", EPERM);
    } else if (strcmp(argv[1], "noremount-eacces") == 0) {
        rc = refuse_flag_with(ctx, "mount", 3, MS_REMOUNT, EACCES);
        if (rc == 0)
            rc = refuse(ctx, "mount_setattr", ENOSYS);
    } else if (strcmp(argv[1], "oldmount") == 0) {
        rc = refuse(ctx, "open_tree", ENOSYS);
        if (rc == 0)
            rc = refuse(ctx, "move_mount", ENOSYS);
        if (rc == 0)
            rc = refuse(ctx, "mount_setattr", ENOSYS);
        if (rc == 0)
            rc = refuse(ctx, "listmount", ENOSYS);
        if (rc == 0)
            rc = refuse(ctx, "statmount", ENOSYS);
    } else {
        fprintf(stderr, "hostfilter: unknown kind %s\n", argv[1]);
        return 2;
    }
    if (rc != 0) {
        fprintf(stderr, "hostfilter: seccomp_rule_add: %s\n", strerror(-rc));
        return 2;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || (rc = seccomp_load(ctx)) != 0) {
        fprintf(stderr, "hostfilter: cannot load the filter: %s\n", strerror(rc ? -rc : errno));
        return 2;
    }
    seccomp_release(ctx);
    execvp(argv[2], argv + 2);
    fprintf(stderr, "hostfilter: cannot execute %s: %s\n", argv[2], strerror(errno));
    return 127;
}
