/* cordon-runner's entry point (runner.h says what it does). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"
#include "sandbox.h"

int runner__trust(struct runner_trust *t, char *why, size_t n)
{
    struct cordon__elevated_facts f;
    const struct cordon__marker *m;

    memset(t, 0, sizeof *t);
    /* The runner file itself needs no check here: it is what runs. */
    cordon__linux_elevated_facts(CORDON__MARKER_PATH, 0, &t->marker, &f);
    m = f.marker;
    if (!f.marker_found) {
        snprintf(why, n, "setup has not been run (no %s)", CORDON__MARKER_PATH);
        return -1;
    }
    if (!m) {
        snprintf(why, n, "%s cannot be used: %s", CORDON__MARKER_PATH, f.marker_error);
        return -1;
    }
    if (strcmp(m->os, "linux") != 0 || !f.offline.found || !f.online.found ||
        !f.sandbox_group.found || !f.users_group.found || strcmp(f.offline.id, m->offline.id) != 0 ||
        strcmp(f.online.id, m->online.id) != 0 || strcmp(f.sandbox_group.id, m->sandbox_group.id) != 0 ||
        strcmp(f.users_group.id, m->users_group.id) != 0) {
        snprintf(why, n, "the sandbox accounts differ from what setup recorded (re-run "
                 "cordon-setup install as root)");
        return -1;
    }
    snprintf(t->caller, sizeof t->caller, "%s", f.caller_name);
    /* The real uid decides, not the effective one or the groups the
     * process happens to carry: an administrator removing a user from the
     * group takes effect at once, even in sessions that still have it. */
    if (!f.caller_allowed) {
        snprintf(why, n, "%s (uid %u) is not in group %s: the runner refuses to run for it",
                 f.caller_name[0] ? f.caller_name : "the caller", (unsigned)getuid(),
                 m->users_group.name);
        return -1;
    }
    /* CORDON_DISABLE (a test switch) makes a less confined process of
     * the sandbox user, which every allowed user shares: with more than
     * one allowed user such a process could write another's granted
     * roots, so it is honoured only where the caller is the only one. */
    if (m->allowed_users.n != 1)
        unsetenv("CORDON_DISABLE");
    t->offline_uid = (uid_t)strtoul(m->offline.id, NULL, 10);
    t->online_uid = (uid_t)strtoul(m->online.id, NULL, 10);
    t->sandbox_gid = (gid_t)strtoul(m->sandbox_group.id, NULL, 10);
    return 0;
}

void runner__trust_free(struct runner_trust *t)
{
    cordon__marker_free(&t->marker);
}

static int check(void)
{
    struct runner_trust t;
    char why[512], what[200];
    const char *step = NULL;
    struct cordon__linux_primitives p;
    int err, got;
    if (runner__trust(&t, why, sizeof why) != 0) {
        fprintf(stderr, "cordon-runner: %s\n", why);
        return 2;
    }
    err = runner__become(t.offline_uid, t.sandbox_gid, &step);
    runner__trust_free(&t);
    if (err) {
        fprintf(stderr, "cordon-runner: cannot become the offline user: %s: %s\n", step,
                strerror(err));
        return 2;
    }
    got = runner__netcheck(what, sizeof what);
    /* The second line: what the launch applies here as the sandbox user
     * (user namespaces may be allowed for this program and not for
     * cordon, by an AppArmor profile). */
    cordon__linux_primitives(&p, 0); /* live: the runner's check reports it */
    runner__reap_children();
    printf("%s\nuserns=%d landlock=%d seccomp=%d gate=%d protocol=%d\n", got == 0 ? "refused" : what,
           p.userns, p.landlock_abi, p.seccomp, p.unix_gate, CORDON__IPC_VERSION);
    return got == 0 ? 0 : got > 0 ? 1 : 2;
}

int main(int argc, char **argv)
{
    struct stat st;
    int fd;
    /* A privileged program never lets its own output land on a descriptor
     * the caller left closed. */
    for (fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
            return 2;
    /* Nothing of the caller's environment but CORDON_DISABLE (cordon
     * passes nothing else): HOME, XDG_CACHE_HOME and XDG_STATE_HOME would
     * otherwise choose where the sandbox user's state is written and add
     * a tool cache root the request did not name, past the roots' check,
     * for a caller that starts the runner by hand. */
    {
        const char *d = getenv("CORDON_DISABLE");
        char *keep = d ? strdup(d) : NULL;
        if (d && !keep)
            return 2;
        if (clearenv() != 0 || (keep && setenv("CORDON_DISABLE", keep, 1) != 0)) {
            free(keep);
            return 2;
        }
        free(keep);
    }
    if (argc == 2 && strcmp(argv[1], "check") == 0)
        return check();
    if (argc != 1) {
        fprintf(stderr, "usage: cordon-runner [check]  (started by cordon, with its socket on "
                        "descriptor %d)\n", CORDON__RUNNER_FD);
        return 2;
    }
    if (fstat(CORDON__RUNNER_FD, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "cordon-runner: descriptor %d is not cordon's socket: the runner is "
                        "started by cordon, not by hand\n", CORDON__RUNNER_FD);
        return 2;
    }
    fcntl(CORDON__RUNNER_FD, F_SETFD, FD_CLOEXEC);
    return runner__serve(CORDON__RUNNER_FD);
}
