/* The one privileged step of the runner: becoming the sandbox user.
 *
 * Why this is safe: the runner holds cap_setgid and cap_setuid in its
 * permitted set only (file capabilities set by cordon-setup); nothing is
 * effective until this function raises exactly those two, for the calls
 * below, and afterwards every capability set is emptied. The target uid
 * and gid are the marker's sandbox accounts (root-owned marker, confirmed
 * against /etc/passwd and /etc/group by runner__trust), never values from
 * the request: the caller only chooses between the offline and online
 * user with the network flag. The caller cannot attach a debugger to the
 * runner or read its memory (a process that gained capabilities at exec
 * is not dumpable, and ptrace needs the tracee's capabilities anyway) and
 * can only kill it, which runs nothing. After the switch the real, effective
 * and saved ids are all the sandbox user's, so no set*id call can come
 * back; the checks below make sure of it before anything runs. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runner.h"

/* The capability sets through capset(2) and capget(2) themselves (64
 * bits, version 3): the runner needs no more of libcap, and is linked
 * without it. */
struct caps {
    struct __user_cap_header_struct hdr;
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
};

static void caps_init(struct caps *c)
{
    memset(c, 0, sizeof *c);
    c->hdr.version = _LINUX_CAPABILITY_VERSION_3;
    c->hdr.pid = 0; /* this thread */
}

/* Exactly |v| (n of them) permitted and effective, nothing inheritable. */
static int set_caps(const int *v, int n)
{
    struct caps c;
    int i;
    caps_init(&c);
    for (i = 0; i < n; i++) {
        c.data[v[i] / 32].permitted |= 1u << (v[i] % 32);
        c.data[v[i] / 32].effective |= 1u << (v[i] % 32);
    }
    return syscall(SYS_capset, &c.hdr, c.data) == 0 ? 0 : errno;
}

int runner__become(uid_t uid, gid_t gid, const char **step)
{
    static const int need[] = {CAP_SETGID, CAP_SETUID};
    uid_t r, e, s;
    gid_t rg, eg, sg;
    struct caps now;
    int err, i;

    if (uid == 0 || gid == 0) {
        *step = "refuse a sandbox account with id 0";
        return EPERM;
    }
    *step = "raise cap_setgid,cap_setuid (capset)";
    if ((err = set_caps(need, 2)) != 0)
        return err;
    *step = "setgroups";
    if (setgroups(1, &gid) != 0)
        return errno;
    *step = "setresgid";
    if (setresgid(gid, gid, gid) != 0)
        return errno;
    *step = "setresuid";
    if (setresuid(uid, uid, uid) != 0)
        return errno;
    /* Every set empty: permitted, effective, inheritable; ambient too. */
    *step = "drop every capability (capset)";
    if ((err = set_caps(NULL, 0)) != 0)
        return err;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return errno;
    /* Check, rather than trust, that there is no way back. */
    *step = "check the new identity (getresuid/getresgid)";
    if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return errno;
    if (r != uid || e != uid || s != uid || rg != gid || eg != gid || sg != gid)
        return EPERM;
    *step = "check that no capability is left (capget)";
    caps_init(&now);
    if (syscall(SYS_capget, &now.hdr, now.data) != 0)
        return errno;
    for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
        if (now.data[i].effective || now.data[i].permitted || now.data[i].inheritable)
            return EPERM;
    *step = "check that setuid(0) fails";
    if (setuid(0) == 0)
        return EPERM;
    /* Not dumpable, whatever fs.suid_dumpable says (the uid change made
     * it so only where that is 0): no process of the sandbox user (other
     * runs' commands share it) may trace the runner, read its memory or
     * open its /proc entries and descriptors, which reach the caller's
     * stdio and cordon's socket. */
    *step = "make the runner not dumpable (prctl)";
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return errno;
    *step = NULL;
    return 0;
}
