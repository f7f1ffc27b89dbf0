/* cordon-setup on Linux: install, verify, status, uninstall.
 *
 * install runs its steps in order; each checks before it changes, so a
 * re-run after a failure resumes where it stopped, and a run on a complete
 * installation changes nothing. The marker is written last: its presence
 * means every earlier step completed. uninstall removes the marker first,
 * so the tier stops being used before anything it relies on goes. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipc.h"
#include "setup_linux.h"

struct install_state {
    struct cordon__strv allowed; /* the users asked for */
    struct cordon__gr sandbox, users;
    struct cordon__pw offline, online;
    char runner_sha[65];
    char rules_sha[65];
};

typedef int (*step_fn)(struct setup_ctx *s, struct install_state *st);

struct step {
    const char *name;
    step_fn fn;
};

static int run_steps(struct setup_ctx *s, struct install_state *st, const struct step *steps,
                     size_t n, const char *verb)
{
    size_t i;
    for (i = 0; i < n; i++) {
        s->error[0] = s->detail[0] = '\0';
        printf("[%zu/%zu] %s ... ", i + 1, n, steps[i].name);
        fflush(stdout);
        if (steps[i].fn(s, st) != 0) {
            printf("FAILED\n");
            fflush(stdout);
            fprintf(stderr, "cordon-setup: %s step %zu/%zu (%s) failed: %s\n", verb, i + 1, n,
                    steps[i].name, s->error[0] ? s->error : "no detail");
            return SETUP_EXIT_FAILED;
        }
        printf("ok%s%s\n", s->detail[0] ? ": " : "", s->detail);
    }
    return SETUP_EXIT_OK;
}

/* ---- the persistence files -------------------------------------------- */

/* What `nft -f` loads at boot: the same replacement transaction as setup. */
static char *nft_conf_text(unsigned long uid, const unsigned *ports, size_t n_ports)
{
    char *rules = cordon__nft_ruleset(uid, ports, n_ports);
    char *text = rules ? cordon__asprintf("# Written by cordon-setup; removed by cordon-setup "
                                          "uninstall.\nadd table " CORDON__NFT_FAMILY
                                          " " CORDON__NFT_TABLE "\ndelete table " CORDON__NFT_FAMILY
                                          " " CORDON__NFT_TABLE "\n%s", rules)
                       : NULL;
    free(rules);
    return text;
}

static const char unit_text[] =
    "# Written by cordon-setup; removed by cordon-setup uninstall.\n"
    "[Unit]\n"
    "Description=cordon: nftables rules of the sandbox users\n"
    "After=nftables.service\n"
    "\n"
    "[Service]\n"
    "Type=oneshot\n"
    "RemainAfterExit=yes\n"
    "ExecStart=/usr/sbin/nft -f " SETUP_NFT_CONF "\n"
    "\n"
    "[Install]\n"
    "WantedBy=multi-user.target\n";

static int systemd_present(void)
{
    struct stat st;
    return stat(SETUP_UNIT_DIR, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- install steps ------------------------------------------------------ */

static int is_plain_name(const char *n)
{
    size_t i, len = strlen(n);
    if (len == 0 || len > 32 || n[0] == '-')
        return 0;
    for (i = 0; i < len; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
              (n[i] >= '0' && n[i] <= '9') || n[i] == '-' || n[i] == '_' || n[i] == '.'))
            return 0;
    return 1;
}

static int step_allowed(struct setup_ctx *s, struct install_state *st)
{
    size_t i;
    if (s->args->users.n) {
        if (cordon__strv_copy(&st->allowed, &s->args->users) != CORDON_OK)
            return setup__fail(s, "--user", "copy", ENOMEM, "free memory");
    } else {
        const char *sudo = getenv("SUDO_USER");
        const char *pkexec = getenv("PKEXEC_UID");
        struct cordon__pw pw;
        if (sudo && *sudo && strcmp(sudo, "root") != 0) {
            cordon__strv_push(&st->allowed, sudo);
        } else if (pkexec && *pkexec && cordon__pw_by_uid((uid_t)strtoul(pkexec, NULL, 10), &pw) == 1) {
            cordon__strv_push(&st->allowed, pw.name);
        } else {
            return setup__fail(s, "--user", "choose", 0,
                               "name the real user(s) allowed to use the elevated tier: "
                               "cordon-setup install --user NAME (no SUDO_USER or PKEXEC_UID "
                               "to take it from)");
        }
    }
    for (i = 0; i < st->allowed.n; i++) {
        struct cordon__pw pw;
        const char *u = st->allowed.v[i];
        if (!is_plain_name(u))
            return setup__fail(s, "--user", "check", EINVAL, "\"%s\" is not a user name", u);
        if (cordon__pw_by_name(u, &pw) != 1)
            return setup__fail(s, "/etc/passwd", "lookup", ENOENT,
                               "user %s does not exist here: create it, or fix --user", u);
        if (pw.uid == 0)
            return setup__fail(s, "--user", "check", EINVAL,
                               "root needs no sandbox user: name a real, unprivileged user");
        if (strncmp(u, "cordon-", 7) == 0 && (strcmp(u, CORDON__USER_OFFLINE) == 0 ||
                                              strcmp(u, CORDON__USER_ONLINE) == 0))
            return setup__fail(s, "--user", "check", EINVAL,
                               "%s is a sandbox user, not a real one", u);
    }
    return setup__done(s, "%zu: %s%s", st->allowed.n, st->allowed.v[0],
                       st->allowed.n > 1 ? ", ..." : "");
}

static int step_sandbox_group(struct setup_ctx *s, struct install_state *st)
{
    return setup__group_ensure(s, CORDON__GROUP_SANDBOX, &st->sandbox);
}

static int step_offline(struct setup_ctx *s, struct install_state *st)
{
    return setup__user_ensure(s, CORDON__USER_OFFLINE, "cordon sandbox, network off",
                              &st->sandbox, &st->offline);
}

static int step_online(struct setup_ctx *s, struct install_state *st)
{
    return setup__user_ensure(s, CORDON__USER_ONLINE, "cordon sandbox, network on",
                              &st->sandbox, &st->online);
}

static int step_homes(struct setup_ctx *s, struct install_state *st)
{
    if (setup__home_ensure(s, &st->offline) != 0 || setup__home_ensure(s, &st->online) != 0)
        return -1;
    return setup__done(s, "%s, %s", st->offline.home, st->online.home);
}

static int step_users_group(struct setup_ctx *s, struct install_state *st)
{
    char made[256];
    if (setup__group_ensure(s, CORDON__GROUP_USERS, &st->users) != 0)
        return -1;
    snprintf(made, sizeof made, "%s", s->detail);
    if (setup__members_ensure(s, &st->users, &st->allowed) != 0)
        return -1;
    /* Re-read: the member list changed. */
    if (cordon__gr_by_name(CORDON__GROUP_USERS, &st->users) != 1)
        return setup__fail(s, "/etc/group", "lookup", ENOENT, "re-run install");
    {
        char members[256];
        snprintf(members, sizeof members, "%s", s->detail);
        return setup__done(s, "%s; %s", made, members);
    }
}

/* The runner to install: --runner, else beside this program (the build
 * tree's runner/, or an install's libexec/cordon). */
static char *runner_source(const struct setup_args *a)
{
    char exe[PATH_MAX];
    ssize_t n;
    static const char *const rel[] = {"/../runner/cordon-runner", "/cordon-runner",
                                      "/../libexec/cordon/cordon-runner-dist", NULL};
    size_t i;
    if (a->runner)
        return cordon__strdup(a->runner);
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    for (i = 0; rel[i]; i++) {
        char *cand = cordon__asprintf("%s%s", exe, rel[i]);
        if (cand && access(cand, R_OK) == 0)
            return cand;
        free(cand);
    }
    return cordon__asprintf("%s/../runner/cordon-runner", exe);
}

static int step_runner(struct setup_ctx *s, struct install_state *st)
{
    char *src = runner_source(s->args);
    int rc;
    if (!src)
        return setup__fail(s, "/proc/self/exe", "readlink", errno,
                           "name the runner with --runner PATH");
    rc = setup__runner_install(s, src, st->users.gid, st->runner_sha);
    free(src);
    return rc;
}

/* ---- AppArmor --------------------------------------------------------------- */

/* apparmor_parser where the distribution puts it; NULL when absent. */
static const char *apparmor_parser(void)
{
    static const char *const cand[] = {"/usr/sbin/apparmor_parser", "/sbin/apparmor_parser",
                                       NULL};
    size_t i;
    for (i = 0; cand[i]; i++)
        if (access(cand[i], X_OK) == 0)
            return cand[i];
    return NULL;
}

/* Where user namespaces are restricted through AppArmor, the runner gets
 * a profile that allows them (backends/linux/apparmor.c has its text and
 * why it grants nothing else); elsewhere nothing is written. Safe: a
 * root-owned file at a constant path with constant text naming the
 * runner's constant path; apparmor_parser runs by absolute path with a
 * fixed environment (setup__run_tool). -r replaces a loaded profile of
 * the same name, so a re-run reloads it. */
static int step_apparmor(struct setup_ctx *s, struct install_state *st)
{
    const char *text = cordon__apparmor_profile_text(), *parser;
    char *now;
    int restricted = cordon__apparmor_userns_restricted("/proc/sys"), same;
    (void)st;
    if (restricted < 0)
        return setup__fail(s, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "read",
                           errno, "check that /proc is mounted and the file holds 0 or 1");
    if (!restricted)
        return setup__done(s, "not needed: this host does not restrict user namespaces "
                              "through AppArmor");
    now = setup__file_read(CORDON__APPARMOR_PROFILE, 64 * 1024);
    same = now && strcmp(now, text) == 0;
    free(now);
    if (!same && (setup__dir_ensure(s, CORDON__APPARMOR_DIR, 0, 0, 0755) != 0 ||
                  setup__file_write(s, CORDON__APPARMOR_PROFILE, text, 0644) != 0))
        return -1;
    parser = apparmor_parser();
    if (!parser)
        return setup__done(s, "%s %s; apparmor_parser not found, so it is loaded only when "
                           "AppArmor next loads its profiles", CORDON__APPARMOR_PROFILE,
                           same ? "unchanged" : "written");
    {
        const char *argv[] = {parser, "-r", CORDON__APPARMOR_PROFILE, NULL};
        char err[512];
        int rc = setup__run_tool(argv, err, sizeof err);
        if (rc != 0)
            return setup__fail(s, CORDON__APPARMOR_PROFILE, parser, rc < 0 ? errno : 0,
                               "check the profile with %s -r %s and the kernel log (%s)",
                               parser, CORDON__APPARMOR_PROFILE,
                               rc < 0 ? "could not run" : err[0] ? err : "no message");
    }
    return setup__done(s, "%s %s and loaded", CORDON__APPARMOR_PROFILE,
                       same ? "unchanged" : "written");
}

static int step_rm_apparmor(struct setup_ctx *s, struct install_state *st)
{
    const char *parser = apparmor_parser();
    struct stat sb;
    int removed = 0;
    (void)st;
    if (lstat(CORDON__APPARMOR_PROFILE, &sb) != 0)
        return setup__done(s, "not there");
    /* Unloaded first (a profile left loaded names a path that no longer
     * exists; harmless, but not clean). Not loaded: nothing to unload. */
    if (parser) {
        const char *argv[] = {parser, "-R", CORDON__APPARMOR_PROFILE, NULL};
        char err[256];
        setup__run_tool(argv, err, sizeof err);
    }
    if (setup__file_remove(s, CORDON__APPARMOR_PROFILE, &removed) != 0)
        return -1;
    return setup__done(s, "%s", removed ? "unloaded and removed" : "not there");
}

static int step_rules(struct setup_ctx *s, struct install_state *st)
{
    char *rules = cordon__nft_ruleset(st->offline.uid, NULL, 0);
    char before[65];
    int loaded, has_drop, rc;
    if (!rules)
        return setup__fail(s, "table inet cordon", "compose", ENOMEM, "free memory");
    if (setup__nft_read(s, st->offline.uid, &loaded, before, &has_drop) != 0) {
        free(rules);
        return -1;
    }
    rc = setup__nft_load(s, rules);
    free(rules);
    if (rc != 0)
        return -1;
    if (setup__nft_read(s, st->offline.uid, &loaded, st->rules_sha, &has_drop) != 0)
        return -1;
    if (!loaded || !has_drop)
        return setup__fail(s, "table inet cordon", "read back", 0,
                           "the table %s after loading: check for another program "
                           "flushing the ruleset", loaded ? "lacks the drop rule" : "is missing");
    return setup__done(s, "%s; read back, drops every packet of uid %u",
                       strcmp(before, st->rules_sha) == 0 ? "unchanged" : "loaded",
                       (unsigned)st->offline.uid);
}

static int step_persist(struct setup_ctx *s, struct install_state *st)
{
    char *conf = nft_conf_text(st->offline.uid, NULL, 0);
    int rc;
    if (!conf)
        return setup__fail(s, SETUP_NFT_CONF, "compose", ENOMEM, "free memory");
    rc = setup__dir_ensure(s, CORDON__SETUP_DIR, 0, 0, 0755) != 0 ||
         setup__file_write(s, SETUP_NFT_CONF, conf, 0644) != 0;
    free(conf);
    if (rc)
        return -1;
    if (!systemd_present())
        return setup__done(s, "%s written; no %s here: the rules do not survive a reboot, and "
                           "cordon falls back until install runs again", SETUP_NFT_CONF,
                           SETUP_UNIT_DIR);
    if (setup__file_write(s, SETUP_UNIT_PATH, unit_text, 0644) != 0 ||
        setup__dir_ensure(s, SETUP_UNIT_DIR "/multi-user.target.wants", 0, 0, 0755) != 0)
        return -1;
    /* Enabled the way systemctl enable does it: a link in the target's
     * .wants directory (nothing is started now: the rules are loaded). */
    if (symlink("../" SETUP_UNIT_NAME, SETUP_UNIT_LINK) != 0 && errno != EEXIST)
        return setup__fail(s, SETUP_UNIT_LINK, "symlink", errno, "check %s", SETUP_UNIT_DIR);
    return setup__done(s, "%s, %s (enabled)", SETUP_NFT_CONF, SETUP_UNIT_PATH);
}

static int step_marker(struct setup_ctx *s, struct install_state *st)
{
    struct cordon__marker m;
    char *text = NULL;
    char ids[4][32];
    const char *p;
    int rc;

    memset(&m, 0, sizeof m);
    snprintf(ids[0], sizeof ids[0], "%u", (unsigned)st->offline.uid);
    snprintf(ids[1], sizeof ids[1], "%u", (unsigned)st->online.uid);
    snprintf(ids[2], sizeof ids[2], "%u", (unsigned)st->sandbox.gid);
    snprintf(ids[3], sizeof ids[3], "%u", (unsigned)st->users.gid);
    m.version = CORDON__MARKER_VERSION;
    m.os = "linux";
    m.offline.name = CORDON__USER_OFFLINE;
    m.offline.id = ids[0];
    m.online.name = CORDON__USER_ONLINE;
    m.online.id = ids[1];
    m.sandbox_group.name = CORDON__GROUP_SANDBOX;
    m.sandbox_group.id = ids[2];
    m.users_group.name = CORDON__GROUP_USERS;
    m.users_group.id = ids[3];
    /* Every member of the group now (earlier installs may have added
     * others). */
    for (p = st->users.members; *p;) {
        size_t len = strcspn(p, ",");
        char *name = cordon__strndup(p, len);
        if (name && cordon__strv_push_owned(&m.allowed_users, name) != CORDON_OK)
            free(name);
        p += len;
        if (*p == ',')
            p++;
    }
    m.runner_path = CORDON__RUNNER_PATH;
    m.runner_sha256 = st->runner_sha;
    m.runner_caps = CORDON__RUNNER_CAPS;
    /* The runner installed beside this setup, of its build. Informational
     * here: the Linux probe asks the runner itself (cordon-runner check). */
    m.runner_protocol = CORDON__IPC_VERSION;
    m.rules_kind = "nftables";
    m.rules_name = CORDON__NFT_FAMILY " " CORDON__NFT_TABLE;
    m.rules_sha256 = st->rules_sha;
    if (cordon__marker_json(&m, &text) != CORDON_OK) {
        cordon__strv_free(&m.allowed_users);
        return setup__fail(s, CORDON__MARKER_PATH, "compose", 0, "%s", cordon_last_error());
    }
    cordon__strv_free(&m.allowed_users);
    rc = setup__dir_ensure(s, CORDON__SETUP_DIR, 0, 0, 0755) != 0 ||
         setup__file_write(s, CORDON__MARKER_PATH, text, 0644) != 0;
    free(text);
    if (rc)
        return -1;
    return setup__done(s, "written");
}

/* ---- uninstall steps ------------------------------------------------------ */

static int step_rm_marker(struct setup_ctx *s, struct install_state *st)
{
    int removed;
    (void)st;
    if (setup__file_remove(s, CORDON__MARKER_PATH, &removed) != 0)
        return -1;
    return setup__done(s, "%s", removed ? "removed" : "not there");
}

/* Revokes the ACL grants each allowed user's cordon recorded, as that user
 * (the owner of the roots), so that no entry naming a sandbox uid is left
 * for a later account that reuses the uid.
 *
 * Why this is safe: the child becomes the user for good before it reads
 * anything of the user's, so it can only do what the user could do
 * (remove entries from the user's own files); root reads nothing the user
 * controls. */
static int revoke_as(const struct cordon__pw *pw, char *why, size_t n)
{
    int p[2], status = 0;
    pid_t pid;
    ssize_t got = 0, r;
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(why, n, "pipe: errno %d", errno);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        snprintf(why, n, "fork: errno %d", errno);
        return -1;
    }
    if (pid == 0) {
        cordon_error e;
        close(p[0]);
        if (setgroups(1, &pw->gid) != 0 || setresgid(pw->gid, pw->gid, pw->gid) != 0 ||
            setresuid(pw->uid, pw->uid, pw->uid) != 0)
            _exit(3);
        setenv("HOME", pw->home, 1);
        unsetenv("XDG_STATE_HOME");
        e = cordon_grants_revoke(NULL);
        if (e != CORDON_OK) {
            const char *m = cordon_last_error();
            ssize_t w = write(p[1], m, strlen(m));
            (void)w;
            _exit(1);
        }
        _exit(0);
    }
    close(p[1]);
    while ((size_t)got < n - 1 && ((r = read(p[0], why + got, n - 1 - (size_t)got)) > 0 ||
                                   (r < 0 && errno == EINTR)))
        if (r > 0)
            got += r;
    why[got > 0 ? got : 0] = '\0';
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (!why[0])
        snprintf(why, n, "could not become the user (status %d)", status);
    return -1;
}

static int step_rm_grants(struct setup_ctx *s, struct install_state *st)
{
    struct cordon__gr users;
    const char *p;
    size_t done = 0;
    (void)st;
    if (cordon__gr_by_name(CORDON__GROUP_USERS, &users) != 1)
        return setup__done(s, "not there");
    for (p = users.members; *p;) {
        size_t len = strcspn(p, ",");
        char name[64], why[512];
        struct cordon__pw pw;
        snprintf(name, sizeof name, "%.*s", (int)len, p);
        p += len;
        if (*p == ',')
            p++;
        if (!name[0] || cordon__pw_by_name(name, &pw) != 1 || pw.uid == 0)
            continue;
        if (revoke_as(&pw, why, sizeof why) != 0)
            return setup__fail(s, pw.home, "cordon grants revoke --all", 0,
                               "run cordon grants revoke --all as %s, then uninstall again (%s)",
                               name, why);
        done++;
    }
    return setup__done(s, "revoked as %zu user%s", done, done == 1 ? "" : "s");
}

static int step_rm_persist(struct setup_ctx *s, struct install_state *st)
{
    int a = 0, b = 0, c = 0, d = 0;
    (void)st;
    if (setup__file_remove(s, SETUP_UNIT_LINK, &a) != 0 ||
        setup__file_remove(s, SETUP_UNIT_PATH, &b) != 0 ||
        setup__file_remove(s, SETUP_NFT_CONF, &c) != 0 ||
        setup__file_remove(s, SETUP_NFT_CONF ".tmp", &d) != 0)
        return -1;
    return setup__done(s, "%s", a || b || c || d ? "removed" : "not there");
}

static int step_rm_rules(struct setup_ctx *s, struct install_state *st)
{
    int existed;
    (void)st;
    if (setup__nft_delete(s, &existed) != 0)
        return -1;
    return setup__done(s, "%s", existed ? "removed" : "not there");
}

static int step_rm_runner(struct setup_ctx *s, struct install_state *st)
{
    (void)st;
    return setup__runner_remove(s);
}

static int step_rm_users_group(struct setup_ctx *s, struct install_state *st)
{
    (void)st;
    return setup__group_remove(s, CORDON__GROUP_USERS);
}

static int step_rm_offline(struct setup_ctx *s, struct install_state *st)
{
    (void)st;
    return setup__user_remove(s, CORDON__USER_OFFLINE);
}

static int step_rm_online(struct setup_ctx *s, struct install_state *st)
{
    (void)st;
    return setup__user_remove(s, CORDON__USER_ONLINE);
}

static int step_rm_homes(struct setup_ctx *s, struct install_state *st)
{
    int removed = 0, left = 0;
    (void)st;
    /* The users are gone (the previous steps), so nothing runs as them
     * any more to race the removal; it never follows a link anyway. */
    if (setup__tree_remove(s, CORDON__HOME_BASE, &removed) != 0)
        return -1;
    (void)left;
    return setup__done(s, "%s", removed ? "removed" : "not there");
}

static int step_rm_sandbox_group(struct setup_ctx *s, struct install_state *st)
{
    (void)st;
    return setup__group_remove(s, CORDON__GROUP_SANDBOX);
}

static int step_rm_setup_dir(struct setup_ctx *s, struct install_state *st)
{
    int left, tmp;
    (void)st;
    if (setup__file_remove(s, CORDON__MARKER_PATH ".tmp", &tmp) != 0 ||
        setup__dir_remove_if_empty(s, CORDON__SETUP_DIR, &left) != 0)
        return -1;
    if (left)
        return setup__fail(s, CORDON__SETUP_DIR, "rmdir", ENOTEMPTY,
                           "it holds files cordon-setup did not write: move them away");
    return setup__done(s, "gone");
}

/* ---- verify and status ------------------------------------------------------ */

struct item {
    const char *name;
    int present;
    int ok;
    char detail[400];
};

struct report {
    struct item items[12];
    size_t n;
    int rules_loaded;
    int systemd;
    int apparmor_restricted;  /* cordon__apparmor_userns_restricted */
};

static struct item *item(struct report *r, const char *name)
{
    struct item *it = &r->items[r->n++];
    memset(it, 0, sizeof *it);
    it->name = name;
    return it;
}

static void account_item(struct report *r, const char *label, const char *name, int is_group,
                         const struct cordon__marker *m, const char *recorded_id,
                         const struct cordon__gr *sandbox)
{
    struct item *it = item(r, label);
    const char *id_kind = is_group ? "gid" : "uid";
    struct cordon__gr g;
    struct cordon__pw p;
    unsigned id;
    it->present = is_group ? cordon__gr_by_name(name, &g) == 1 : cordon__pw_by_name(name, &p) == 1;
    if (!it->present) {
        snprintf(it->detail, sizeof it->detail, "%s %s does not exist",
                 is_group ? "group" : "user", name);
        return;
    }
    id = is_group ? (unsigned)g.gid : (unsigned)p.uid;
    snprintf(it->detail, sizeof it->detail, "%s %u%s", id_kind, id,
             m ? "" : ", but no valid marker records it");
    it->ok = m && recorded_id && strtoul(recorded_id, NULL, 10) == id;
    if (m && !it->ok)
        snprintf(it->detail, sizeof it->detail, "%s %u, the marker records %s", id_kind, id,
                 recorded_id);
    if (!is_group) {
        struct cordon__strv problems = {0};
        struct stat st;
        if (sandbox && setup__user_problems(&p, sandbox, &problems) != 0) {
            it->ok = 0;
            snprintf(it->detail, sizeof it->detail, "%s", problems.v[0]);
        } else if (lstat(p.home, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != p.uid ||
                   (st.st_mode & 07777) != 0700) {
            it->ok = 0;
            snprintf(it->detail, sizeof it->detail, "home %s is missing or not the user's with "
                     "mode 0700", p.home);
        }
        cordon__strv_free(&problems);
    }
}

static void collect(struct setup_ctx *s, struct report *r, size_t *present, size_t *bad)
{
    struct cordon__marker mk;
    struct cordon__elevated_facts f;
    struct cordon__gr sandbox;
    const struct cordon__marker *m;
    struct item *it;
    struct stat st;
    int have_sandbox;
    size_t i;

    memset(r, 0, sizeof *r);
    r->systemd = systemd_present();
    cordon__linux_elevated_facts(CORDON__MARKER_PATH, CORDON__FACTS_RUNNER, &mk, &f);
    m = f.marker;
    have_sandbox = cordon__gr_by_name(CORDON__GROUP_SANDBOX, &sandbox) == 1;

    it = item(r, "marker");
    it->present = f.marker_found;
    it->ok = m != NULL;
    snprintf(it->detail, sizeof it->detail, "%s%s%s", CORDON__MARKER_PATH,
             f.marker_error[0] ? ": " : (f.marker_found ? "" : " is missing"), f.marker_error);

    account_item(r, "group " CORDON__GROUP_SANDBOX, CORDON__GROUP_SANDBOX, 1, m,
                 m ? m->sandbox_group.id : NULL, NULL);
    account_item(r, "user " CORDON__USER_OFFLINE, CORDON__USER_OFFLINE, 0, m,
                 m ? m->offline.id : NULL, have_sandbox ? &sandbox : NULL);
    account_item(r, "user " CORDON__USER_ONLINE, CORDON__USER_ONLINE, 0, m,
                 m ? m->online.id : NULL, have_sandbox ? &sandbox : NULL);
    account_item(r, "group " CORDON__GROUP_USERS, CORDON__GROUP_USERS, 1, m,
                 m ? m->users_group.id : NULL, NULL);
    if (m) {
        struct cordon__gr users;
        struct item *g = &r->items[r->n - 1];
        for (i = 0; g->ok && i < m->allowed_users.n; i++) {
            struct cordon__pw p;
            if (cordon__pw_by_name(m->allowed_users.v[i], &p) != 1 ||
                cordon__gr_by_name(CORDON__GROUP_USERS, &users) != 1 ||
                !cordon__gr_has_member(&users, &p)) {
                g->ok = 0;
                snprintf(g->detail, sizeof g->detail, "allowed user %s is missing or not a member",
                         m->allowed_users.v[i]);
            }
        }
    }

    it = item(r, "homes");
    it->present = lstat(CORDON__HOME_BASE, &st) == 0;
    it->ok = it->present && S_ISDIR(st.st_mode) && st.st_uid == 0 && (st.st_mode & 022) == 0;
    snprintf(it->detail, sizeof it->detail, "%s%s", CORDON__HOME_BASE,
             !it->present ? " is missing" : (it->ok ? "" : " is not root's, or others can write it"));

    it = item(r, "runner");
    {
        int fd_exists = lstat(CORDON__RUNNER_PATH, &st) == 0;
        it->present = fd_exists || lstat(CORDON__RUNNER_DIR, &st) == 0;
        if (!fd_exists) {
            snprintf(it->detail, sizeof it->detail, "%s is missing", CORDON__RUNNER_PATH);
        } else if (!m) {
            snprintf(it->detail, sizeof it->detail, "%s is there, but no marker records it",
                     CORDON__RUNNER_PATH);
        } else if (f.runner_error[0] || !f.runner_root_owned || f.runner_writable_by_others) {
            snprintf(it->detail, sizeof it->detail, "%s: %s", CORDON__RUNNER_PATH,
                     f.runner_error[0] ? f.runner_error : "not root's alone");
        } else if (strcmp(f.runner_sha256, m->runner_sha256) != 0) {
            snprintf(it->detail, sizeof it->detail, "%s has changed since setup",
                     CORDON__RUNNER_PATH);
        } else if (strcmp(f.runner_caps, CORDON__RUNNER_CAPS) != 0 ||
                   strcmp(f.runner_caps, m->runner_caps) != 0) {
            snprintf(it->detail, sizeof it->detail, "%s has capabilities \"%s\", not \"%s\"",
                     CORDON__RUNNER_PATH, f.runner_caps, CORDON__RUNNER_CAPS);
        } else {
            it->ok = 1;
            snprintf(it->detail, sizeof it->detail, "%s, %s, sha256 %.12s...",
                     CORDON__RUNNER_PATH, f.runner_caps, f.runner_sha256);
        }
    }

    it = item(r, "apparmor");
    {
        int restricted = cordon__apparmor_userns_restricted("/proc/sys");
        char *now = setup__file_read(CORDON__APPARMOR_PROFILE, 64 * 1024);
        int same = now && strcmp(now, cordon__apparmor_profile_text()) == 0;
        it->present = now != NULL;
        r->apparmor_restricted = restricted;
        if (restricted < 0) {
            snprintf(it->detail, sizeof it->detail, "/proc/sys/kernel/apparmor_restrict_"
                     "unprivileged_userns cannot be read");
        } else if (!restricted) {
            it->ok = 1;
            snprintf(it->detail, sizeof it->detail, "not needed: user namespaces are not "
                     "restricted through AppArmor here%s",
                     now ? " (a profile of an earlier install is still there)" : "");
        } else if (!same) {
            snprintf(it->detail, sizeof it->detail, "%s is %s: the runner cannot make user "
                     "namespaces", CORDON__APPARMOR_PROFILE, now ? "not what setup writes" : "missing");
        } else {
            it->ok = 1;
            snprintf(it->detail, sizeof it->detail, "%s allows the runner user namespaces",
                     CORDON__APPARMOR_PROFILE);
        }
        free(now);
    }

    it = item(r, "nftables");
    {
        int loaded = 0, has_drop = 0;
        char sha[65] = "";
        struct cordon__pw off;
        unsigned long uid = cordon__pw_by_name(CORDON__USER_OFFLINE, &off) == 1 ? off.uid : 0;
        if (setup__nft_read(s, uid, &loaded, sha, &has_drop) != 0) {
            it->present = 1;
            snprintf(it->detail, sizeof it->detail, "%.390s", s->error);
        } else {
            it->present = loaded;
            r->rules_loaded = loaded;
            if (!loaded)
                snprintf(it->detail, sizeof it->detail, "table inet cordon is not loaded");
            else if (!has_drop || !uid)
                snprintf(it->detail, sizeof it->detail,
                         "table inet cordon lacks the drop rule of " CORDON__USER_OFFLINE);
            else if (!m || strcmp(sha, m->rules_sha256) != 0)
                snprintf(it->detail, sizeof it->detail,
                         "table inet cordon differs from what setup loaded");
            else {
                it->ok = 1;
                snprintf(it->detail, sizeof it->detail,
                         "table inet cordon loaded, drops every packet of uid %lu", uid);
            }
        }
    }

    it = item(r, "persistence");
    {
        char *conf = setup__file_read(SETUP_NFT_CONF, 64 * 1024);
        char *want = m ? nft_conf_text(strtoul(m->offline.id, NULL, 10), m->loopback_ports,
                                       m->n_loopback_ports)
                       : NULL;
        int unit = lstat(SETUP_UNIT_PATH, &st) == 0, link = lstat(SETUP_UNIT_LINK, &st) == 0;
        it->present = conf != NULL || unit || link;
        if (!conf || !want || strcmp(conf, want) != 0)
            snprintf(it->detail, sizeof it->detail, "%s is missing or not what setup writes",
                     SETUP_NFT_CONF);
        else if (r->systemd && (!unit || !link))
            snprintf(it->detail, sizeof it->detail, "%s is missing or not enabled",
                     SETUP_UNIT_PATH);
        else {
            it->ok = 1;
            snprintf(it->detail, sizeof it->detail, "%s%s", SETUP_NFT_CONF,
                     r->systemd ? ", loaded at boot by " SETUP_UNIT_NAME
                                : " (no systemd: not loaded at boot)");
        }
        free(conf);
        free(want);
    }
    cordon__marker_free(&mk);
    *present = *bad = 0;
    for (i = 0; i < r->n; i++) {
        *present += r->items[i].present != 0;
        *bad += !r->items[i].ok;
    }
}

static int cmd_verify(struct setup_ctx *s)
{
    struct report r;
    size_t i, bad, present;
    collect(s, &r, &present, &bad);
    if (present == 0) {
        printf("cordon-setup: not installed; nothing of it is on this host\n");
        return SETUP_EXIT_NOT_INSTALLED;
    }
    for (i = 0; i < r.n; i++)
        if (!r.items[i].ok)
            printf("problem: %s: %s\n", r.items[i].name, r.items[i].detail);
    if (bad) {
        printf("cordon-setup: %zu problem%s; re-run cordon-setup install as root (or "
               "uninstall)\n", bad, bad == 1 ? "" : "s");
        return SETUP_EXIT_FAILED;
    }
    printf("cordon-setup: installed and verified (%zu checks)\n", r.n);
    return SETUP_EXIT_OK;
}

static int cmd_status(struct setup_ctx *s)
{
    struct report r;
    size_t i, bad, present;
    collect(s, &r, &present, &bad);
    if (s->args->json) {
        struct cordon__json j;
        char *out;
        memset(&j, 0, sizeof j);
        cordon__json_begin_object(&j);
        cordon__json_kbool(&j, "installed", bad == 0);
        cordon__json_kbool(&j, "anything_present", present != 0);
        cordon__json_kbool(&j, "rules_loaded", r.rules_loaded);
        cordon__json_kbool(&j, "persistent", r.systemd);
        cordon__json_kbool(&j, "apparmor_restricts_userns", r.apparmor_restricted == 1);
        cordon__json_key(&j, "checks");
        cordon__json_begin_array(&j);
        for (i = 0; i < r.n; i++) {
            cordon__json_begin_object(&j);
            cordon__json_kstr(&j, "name", r.items[i].name);
            cordon__json_kbool(&j, "present", r.items[i].present);
            cordon__json_kbool(&j, "ok", r.items[i].ok);
            cordon__json_kstr(&j, "detail", r.items[i].detail);
            cordon__json_end_object(&j);
        }
        cordon__json_end_array(&j);
        cordon__json_end_object(&j);
        out = cordon__buf_take(&j.out);
        if (!out)
            return SETUP_EXIT_FAILED;
        printf("%s\n", out);
        free(out);
        return SETUP_EXIT_OK;
    }
    printf("cordon-setup: %s; nftables rules %s now; AppArmor %s user namespaces\n",
           bad == 0 ? "installed" : (present ? "incomplete or broken" : "not installed"),
           r.rules_loaded ? "loaded" : "not loaded",
           r.apparmor_restricted == 1 ? "restricts" : "does not restrict");
    for (i = 0; i < r.n; i++)
        printf("  %-22s %-8s %s\n", r.items[i].name,
               r.items[i].ok ? "ok" : (r.items[i].present ? "WRONG" : "absent"),
               r.items[i].detail);
    return SETUP_EXIT_OK;
}

int setup__run(const struct setup_args *a)
{
    static const struct step install[] = {
        {"allowed users", step_allowed},
        {"group " CORDON__GROUP_SANDBOX, step_sandbox_group},
        {"sandbox user " CORDON__USER_OFFLINE, step_offline},
        {"sandbox user " CORDON__USER_ONLINE, step_online},
        {"homes under " CORDON__HOME_BASE, step_homes},
        {"group " CORDON__GROUP_USERS, step_users_group},
        {"runner " CORDON__RUNNER_PATH, step_runner},
        {"AppArmor profile for the runner", step_apparmor},
        {"nftables table inet cordon", step_rules},
        {"persistence across reboot", step_persist},
        {"marker " CORDON__MARKER_PATH, step_marker},
    };
    static const struct step uninstall[] = {
        {"marker " CORDON__MARKER_PATH, step_rm_marker},
        {"ACL grants on the allowed users' roots", step_rm_grants},
        {"persistence across reboot", step_rm_persist},
        {"nftables table inet cordon", step_rm_rules},
        {"AppArmor profile for the runner", step_rm_apparmor},
        {"runner " CORDON__RUNNER_PATH, step_rm_runner},
        {"group " CORDON__GROUP_USERS, step_rm_users_group},
        {"sandbox user " CORDON__USER_OFFLINE, step_rm_offline},
        {"sandbox user " CORDON__USER_ONLINE, step_rm_online},
        {"homes under " CORDON__HOME_BASE, step_rm_homes},
        {"group " CORDON__GROUP_SANDBOX, step_rm_sandbox_group},
        {"directory " CORDON__SETUP_DIR, step_rm_setup_dir},
    };
    struct setup_ctx s;
    struct install_state st;
    int rc;

    memset(&s, 0, sizeof s);
    memset(&st, 0, sizeof st);
    s.args = a;
    if (geteuid() != 0) {
        fprintf(stderr, "cordon-setup: must run as root (sudo cordon-setup %s)\n",
                a->command == SETUP_INSTALL ? "install" : a->command == SETUP_VERIFY ? "verify"
                : a->command == SETUP_STATUS ? "status" : "uninstall");
        return SETUP_EXIT_FAILED;
    }
    /* Files setup creates are root's alone, whatever umask root has. */
    umask(022);
    switch (a->command) {
    case SETUP_INSTALL:
        rc = run_steps(&s, &st, install, sizeof install / sizeof install[0], "install");
        break;
    case SETUP_UNINSTALL:
        rc = run_steps(&s, &st, uninstall, sizeof uninstall / sizeof uninstall[0], "uninstall");
        break;
    case SETUP_VERIFY:
        rc = cmd_verify(&s);
        break;
    default:
        rc = cmd_status(&s);
    }
    cordon__strv_free(&st.allowed);
    return rc;
}
