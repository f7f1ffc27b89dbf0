/* Sandbox users and groups, made with the distribution's own tools
 * (groupadd, useradd, gpasswd, userdel, groupdel from the passwd package),
 * so that /etc/passwd, /etc/shadow, /etc/group and /etc/gshadow stay
 * consistent and locked the way the host expects.
 *
 * Why this is safe: the tools are run by absolute path with a fixed
 * environment; every name passed is either a constant of cordon's or an
 * allowed user that was checked to exist in /etc/passwd and to be a plain
 * account name (no option-like or separator characters), and each name is
 * passed as its own argument after "--"-free fixed options, so no caller
 * input can become an option or touch another account. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "setup_linux.h"

static const char *nologin(void)
{
    static const char *const cand[] = {"/usr/sbin/nologin", "/sbin/nologin", "/bin/false", NULL};
    size_t i;
    for (i = 0; cand[i]; i++)
        if (access(cand[i], X_OK) == 0)
            return cand[i];
    return "/bin/false";
}

int setup__run_tool(const char *const argv[], char *out, size_t n)
{
    static char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    int p[2], status;
    pid_t pid;
    size_t got = 0;

    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        dup2(p[1], 2);
        execve(argv[0], (char *const *)argv, env);
        _exit(127);
    }
    close(p[1]);
    for (;;) {
        ssize_t r;
        char sink[256];
        if (got + 1 < n)
            r = read(p[0], out + got, n - 1 - got);
        else
            r = read(p[0], sink, sizeof sink);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (got + 1 < n)
            got += (size_t)r;
    }
    out[got] = '\0';
    while (got && (out[got - 1] == '\n' || out[got - 1] == ' '))
        out[--got] = '\0';
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs a tool; a failure becomes the step's error naming |path|. */
static int tool(struct setup_ctx *s, const char *path, const char *fix, const char *const argv[])
{
    char err[512];
    int rc = setup__run_tool(argv, err, sizeof err);
    if (rc < 0)
        return setup__fail(s, path, argv[0], errno, "%s", fix);
    if (rc != 0)
        return setup__fail(s, path, argv[0], 0, "%s (%s exited with status %d: %s)", fix,
                           argv[0], rc, err[0] ? err : "no message");
    return 0;
}

int setup__group_ensure(struct setup_ctx *s, const char *name, struct cordon__gr *out)
{
    const char *const argv[] = {"/usr/sbin/groupadd", "--system", name, NULL};
    int r = cordon__gr_by_name(name, out);
    if (r < 0)
        return setup__fail(s, "/etc/group", "fopen", errno, "check /etc/group");
    if (r == 1)
        return setup__done(s, "already there (gid %u)", (unsigned)out->gid);
    if (tool(s, "/etc/group", "check that groupadd works on this host", argv) != 0)
        return -1;
    if (cordon__gr_by_name(name, out) != 1)
        return setup__fail(s, "/etc/group", "groupadd", 0,
                           "groupadd succeeded but %s is not in /etc/group: is the group "
                           "database elsewhere (NSS)?", name);
    return setup__done(s, "created (gid %u)", (unsigned)out->gid);
}

int setup__user_ensure(struct setup_ctx *s, const char *name, const char *comment,
                       const struct cordon__gr *group, struct cordon__pw *out)
{
    char home[256], gid[32];
    int r;
    struct cordon__strv problems = {0};
    snprintf(home, sizeof home, CORDON__HOME_BASE "/%s", name);
    snprintf(gid, sizeof gid, "%u", (unsigned)group->gid);
    r = cordon__pw_by_name(name, out);
    if (r < 0)
        return setup__fail(s, "/etc/passwd", "fopen", errno, "check /etc/passwd");
    if (r == 0) {
        /* A system user (uid below UID_MIN, no aging), primary group the
         * sandbox group, no login shell; useradd leaves the password
         * locked ("!"), so nobody can log in as it. The home is made by
         * the next step, owned by the user, under a root-owned base. */
        const char *const argv[] = {"/usr/sbin/useradd", "--system", "--gid", gid,
                                    "--home-dir", home, "--no-create-home", "--shell",
                                    nologin(), "--comment", comment, name, NULL};
        if (tool(s, "/etc/passwd", "check that useradd works on this host", argv) != 0)
            return -1;
        if (cordon__pw_by_name(name, out) != 1)
            return setup__fail(s, "/etc/passwd", "useradd", 0,
                               "useradd succeeded but %s is not in /etc/passwd: is the user "
                               "database elsewhere (NSS)?", name);
        setup__done(s, "created (uid %u)", (unsigned)out->uid);
    } else {
        setup__done(s, "already there (uid %u)", (unsigned)out->uid);
    }
    if (setup__user_problems(out, group, &problems) != 0) {
        setup__fail(s, "/etc/passwd", "check", 0,
                    "the existing account %s is not as cordon makes it (%s): remove it with "
                    "cordon-setup uninstall, then install again", name, problems.v[0]);
        cordon__strv_free(&problems);
        return -1;
    }
    return 0;
}

int setup__password_locked(const char *name)
{
    FILE *f = fopen("/etc/shadow", "re");
    char line[1024];
    size_t n = strlen(name);
    int locked = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            locked = line[n + 1] == '!' || line[n + 1] == '*';
            break;
        }
    }
    fclose(f);
    return locked;
}

int setup__user_problems(const struct cordon__pw *user, const struct cordon__gr *group,
                         struct cordon__strv *problems)
{
    char home[256];
    const char *base;
    snprintf(home, sizeof home, CORDON__HOME_BASE "/%s", user->name);
    base = strrchr(user->shell, '/');
    base = base ? base + 1 : user->shell;
    if (strcmp(base, "nologin") != 0 && strcmp(base, "false") != 0)
        cordon__strv_pushf(problems, "%s has the login shell %s", user->name, user->shell);
    if (user->gid != group->gid)
        cordon__strv_pushf(problems, "%s's primary group is %u, not %s (%u)", user->name,
                           (unsigned)user->gid, group->name, (unsigned)group->gid);
    if (strcmp(user->home, home) != 0)
        cordon__strv_pushf(problems, "%s's home is %s, not %s", user->name, user->home, home);
    if (!setup__password_locked(user->name))
        cordon__strv_pushf(problems, "%s has a password that is not locked", user->name);
    if (user->uid == 0)
        cordon__strv_pushf(problems, "%s has uid 0", user->name);
    return problems->n ? -1 : 0;
}

int setup__home_ensure(struct setup_ctx *s, const struct cordon__pw *user)
{
    /* The base is root's, so that a sandbox user cannot rename the other's
     * home or put a symlink in its place. */
    if (setup__dir_ensure(s, CORDON__HOME_BASE, 0, 0, 0755) != 0)
        return -1;
    return setup__dir_ensure(s, user->home, user->uid, user->gid, 0700);
}

int setup__members_ensure(struct setup_ctx *s, const struct cordon__gr *group,
                          const struct cordon__strv *users)
{
    size_t i, added = 0;
    for (i = 0; i < users->n; i++) {
        struct cordon__pw pw;
        struct cordon__gr now;
        const char *const argv[] = {"/usr/bin/gpasswd", "-a", users->v[i], group->name, NULL};
        if (cordon__pw_by_name(users->v[i], &pw) != 1)
            return setup__fail(s, "/etc/passwd", "lookup", ENOENT,
                               "user %s does not exist: create it first or fix --user",
                               users->v[i]);
        if (cordon__gr_by_name(group->name, &now) == 1 && cordon__gr_has_member(&now, &pw))
            continue;
        if (tool(s, "/etc/group", "check that gpasswd works on this host", argv) != 0)
            return -1;
        added++;
    }
    return setup__done(s, "%zu user%s allowed, %zu added", users->n, users->n == 1 ? "" : "s",
                       added);
}

int setup__user_remove(struct setup_ctx *s, const char *name)
{
    struct cordon__pw pw;
    const char *const argv[] = {"/usr/sbin/userdel", name, NULL};
    if (cordon__pw_by_name(name, &pw) != 1)
        return setup__done(s, "not there");
    if (tool(s, "/etc/passwd",
             "end the user's processes first (they may still be running a command)", argv) != 0)
        return -1;
    return setup__done(s, "removed");
}

int setup__group_remove(struct setup_ctx *s, const char *name)
{
    struct cordon__gr gr;
    const char *const argv[] = {"/usr/sbin/groupdel", name, NULL};
    if (cordon__gr_by_name(name, &gr) != 1)
        return setup__done(s, "not there");
    if (tool(s, "/etc/group", "remove the users whose primary group it is first", argv) != 0)
        return -1;
    return setup__done(s, "removed");
}
