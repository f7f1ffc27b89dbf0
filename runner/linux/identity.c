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
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runner.h"

static int set_caps(const cap_value_t *v, int n)
{
    cap_t c = cap_init(); /* all sets empty */
    int rc = 0;
    if (!c)
        return ENOMEM;
    if (n && (cap_set_flag(c, CAP_PERMITTED, n, v, CAP_SET) != 0 ||
              cap_set_flag(c, CAP_EFFECTIVE, n, v, CAP_SET) != 0))
        rc = errno;
    if (!rc && cap_set_proc(c) != 0)
        rc = errno;
    cap_free(c);
    return rc;
}

int runner__become(uid_t uid, gid_t gid, const char **step)
{
    static const cap_value_t need[] = {CAP_SETGID, CAP_SETUID};
    uid_t r, e, s;
    gid_t rg, eg, sg;
    cap_t now;
    int err, empty;

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
    now = cap_get_proc();
    if (!now)
        return errno;
    {
        cap_t none = cap_init();
        empty = none && cap_compare(now, none) == 0;
        if (none)
            cap_free(none);
    }
    cap_free(now);
    if (!empty)
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
