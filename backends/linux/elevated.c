/* linux-elevated: commands run as the sandbox users cordon-setup made,
 * started by cordon-runner. This file gathers the facts readiness needs
 * (core/readiness.c decides), and talks to the runner over a socketpair
 * with the framing of core/ipc.c, passing stdio as descriptors.
 *
 * Per command: one read of the marker, /etc/passwd and /etc/group, the
 * runner's hash and what its check said of the primitives (both
 * remembered per user while the runner file, and for the primitives the
 * boot, are unchanged), a stat per root and per directory above it; then
 * one runner started for the command, which tries the firewall as the
 * offline user and refuses to start it when the rules or the primitives
 * the levels assumed do not hold (the probe then runs "cordon-runner
 * check" live and the run is planned again). cordon level always checks
 * live. In the steady state no tree walk and no write. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "elevated_linux.h"
#include "ipc_unix.h"
#include "linux.h"
#include "process.h"
#include "sandbox.h"

/* ---- can a sandbox user reach and write a path (DAC and POSIX ACLs) ---- */

#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20

/* The permission bits (rwx = 4|2|1) |uid|:|gid| has on |st|, from the
 * access ACL when there is one (system.posix_acl_access, version 2),
 * else from the mode. */
static unsigned perms_of(const char *path, const struct stat *st, uid_t uid, gid_t gid)
{
    unsigned char raw[4 + 8 * 64];
    ssize_t len = getxattr(path, "system.posix_acl_access", raw, sizeof raw);
    unsigned mask = 7, group = 0, other = 0, user_obj = 0, user = 0;
    int have_user = 0, have_group = 0;
    size_t i, n;

    if (len < 4 || raw[0] != 2) {
        if (st->st_uid == uid)
            return (st->st_mode >> 6) & 7;
        if (st->st_gid == gid)
            return (st->st_mode >> 3) & 7;
        return st->st_mode & 7;
    }
    n = ((size_t)len - 4) / 8;
    for (i = 0; i < n; i++) {
        const unsigned char *e = raw + 4 + 8 * i;
        unsigned tag = (unsigned)e[0] | (unsigned)e[1] << 8;
        unsigned perm = ((unsigned)e[2] | (unsigned)e[3] << 8) & 7;
        uint32_t id = (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 |
                      (uint32_t)e[7] << 24;
        switch (tag) {
        case ACL_USER_OBJ: user_obj = perm; break;
        case ACL_USER:
            if (id == uid) {
                user = perm;
                have_user = 1;
            }
            break;
        case ACL_GROUP_OBJ:
            if (st->st_gid == gid) {
                group |= perm;
                have_group = 1;
            }
            break;
        case ACL_GROUP:
            if (id == gid) {
                group |= perm;
                have_group = 1;
            }
            break;
        case ACL_MASK: mask = perm; break;
        case ACL_OTHER: other = perm; break;
        }
    }
    if (st->st_uid == uid)
        return user_obj;
    if (have_user)
        return user & mask;
    if (have_group)
        return group & mask;
    return other;
}

/* 0 when |uid|:|gid| can search every directory above |path| and has
 * |want| on |path| itself; else -1 with |why|. */
static int reachable(const char *path, uid_t uid, gid_t gid, unsigned want, const char *who,
                     char *why, size_t n)
{
    char dir[4096];
    struct stat st;
    size_t len;
    snprintf(dir, sizeof dir, "%s", path);
    len = strlen(dir);
    /* Each ancestor, from the top. */
    for (size_t i = 1; i <= len; i++) {
        if (dir[i] != '/' && dir[i] != '\0')
            continue;
        {
            char c = dir[i];
            dir[i] = '\0';
            if (stat(dir, &st) != 0) {
                snprintf(why, n, "%s: stat: errno %d, %s", dir, errno, strerror(errno));
                return -1;
            }
            if (!(perms_of(dir, &st, uid, gid) & 1)) {
                snprintf(why, n, "%s cannot enter %s (no search permission for it)", who, dir);
                return -1;
            }
            dir[i] = c;
        }
    }
    if (stat(path, &st) != 0) {
        snprintf(why, n, "%s: stat: errno %d, %s", path, errno, strerror(errno));
        return -1;
    }
    if ((perms_of(path, &st, uid, gid) & want) != want) {
        snprintf(why, n, "%s cannot %s %s (no grant for it yet)", who,
                 want & 2 ? "write in" : "read", path);
        return -1;
    }
    return 0;
}

/* Whether |uid|:|gid| can work in root |root| once prepare has run: every
 * directory above it either lets the user in or is the caller's (prepare
 * adds search entries), and the root is the caller's (prepare grants it)
 * and held by nothing another user controls. A missing |root| is fine when it is the tool cache (made
 * before the run, as the caller). */
static int root_usable(const char *root, int is_cache, uid_t uid, gid_t gid,
                       const uid_t sandbox[2], const char *who, char *why, size_t n)
{
    char dir[4096];
    struct stat st;
    size_t len, i;
    snprintf(dir, sizeof dir, "%s", root);
    len = strlen(dir);
    for (i = 1; i < len; i++) {
        if (dir[i] != '/')
            continue;
        dir[i] = '\0';
        if (stat(dir, &st) != 0) {
            if (errno == ENOENT && is_cache)
                return 0;
            snprintf(why, n, "%s: stat: errno %d, %s", dir, errno, strerror(errno));
            return -1;
        }
        if (!(perms_of(dir, &st, uid, gid) & 1) && st.st_uid != getuid()) {
            snprintf(why, n, "%s cannot enter %s (no search permission for it, and it is not "
                     "yours to grant)", who, dir);
            return -1;
        }
        dir[i] = '/';
    }
    if (stat(root, &st) != 0) {
        if (errno == ENOENT && is_cache)
            return 0;
        snprintf(why, n, "%s: stat: errno %d, %s", root, errno, strerror(errno));
        return -1;
    }
    /* A run writes only where its caller may: the runner refuses a root
     * of someone else's (cordon__root_is_callers), so the probe does too
     * and the run falls back instead of failing; and a root whose
     * directories above let another user hold it in a root of theirs is
     * not granted to the sandbox users that user's runs share. */
    if (cordon__root_is_callers(root, why, n) != 0)
        return -1;
    if (!cordon__root_above_closed(root, sandbox, why, n))
        return -1;
    return 0;
}

static int within_a_root(const struct cordon__plan *plan, const char *path)
{
    size_t i;
    for (i = 0; i < plan->roots.n; i++)
        if (cordon__path_within(CORDON__OS_LINUX, path, plan->roots.v[i]))
            return 1;
    return 0;
}

static void roots_facts(const struct cordon__plan *plan, const struct cordon__marker *m,
                        struct cordon__elevated_facts *f)
{
    uid_t uid = (uid_t)strtoul(plan->network ? m->online.id : m->offline.id, NULL, 10);
    gid_t gid = (gid_t)strtoul(m->sandbox_group.id, NULL, 10);
    const char *who = plan->network ? m->online.name : m->offline.name;
    uid_t sandbox[2] = {(uid_t)strtoul(m->offline.id, NULL, 10),
                        (uid_t)strtoul(m->online.id, NULL, 10)};
    int ws = plan->mode == CORDON_MODE_WORKSPACE_WRITE;
    size_t i;
    char why[256];

    f->roots_writable = 0;
    if (!(ws && within_a_root(plan, plan->cwd)) &&
        reachable(plan->cwd, uid, gid, 5, who, f->roots_error, sizeof f->roots_error) != 0)
        return;
    if (ws && plan->roots.n && m->allowed_users.n != 1 && cordon__protected_hardlinks() != 1) {
        snprintf(f->roots_error, sizeof f->roots_error, "%s",
                 "fs.protected_hardlinks is not 1: another allowed user could hard-link a file "
                 "of your workspace, which the sandbox users may write, into a root of its own "
                 "(set it to 1: sysctl fs.protected_hardlinks=1)");
        return;
    }
    if (ws) {
        for (i = 0; i < plan->roots.n; i++)
            if (root_usable(plan->roots.v[i],
                            plan->cache_dir && strcmp(plan->roots.v[i], plan->cache_dir) == 0, uid,
                            gid, sandbox, who, why, sizeof why) != 0) {
                snprintf(f->roots_error, sizeof f->roots_error, "%s", why);
                return;
            }
        if (plan->cache_dir && plan->cache_missing &&
            root_usable(plan->cache_dir, 1, uid, gid, sandbox, who, why, sizeof why) != 0) {
            snprintf(f->roots_error, sizeof f->roots_error, "%s", why);
            return;
        }
    }
    f->roots_writable = 1;
}

/* ---- the runner ---------------------------------------------------------- */

/* Starts the runner with |sock| as its descriptor 3 and |arg| (NULL: none);
 * its stdout goes to |out_fd| when not -1. */
static pid_t start_runner(const char *path, int sock, const char *arg, int out_fd)
{
    char disable_env[128] = "";
    const char *d = getenv("CORDON_DISABLE");
    pid_t pid;
    if (d && *d)
        snprintf(disable_env, sizeof disable_env, "CORDON_DISABLE=%s", d);
    pid = fork();
    if (pid == 0) {
        char *argv[3] = {"cordon-runner", (char *)arg, NULL};
        /* Only CORDON_DISABLE passes: it switches off the runner's
         * defence-in-depth layers as it does the unelevated tier's (the
         * caller's own choice, for tests); it cannot touch the identity
         * or the firewall. */
        char *envp[2] = {disable_env[0] ? disable_env : NULL, NULL};
        int null = open("/dev/null", O_RDWR);
        sigset_t none;
        if (null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(out_fd >= 0 ? out_fd : null, 1);
        dup2(null, 2);
        if (sock >= 0 && dup2(sock, CORDON__RUNNER_FD) != CORDON__RUNNER_FD)
            _exit(127);
#ifdef SYS_close_range
        syscall(SYS_close_range, sock >= 0 ? CORDON__RUNNER_FD + 1u : 3u, ~0u, 0u);
#endif
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        _exit(127);
    }
    return pid;
}

/* ---- what the runner's check said, remembered -------------------------- */

/* Set by a spawn the runner refused at stage setup (the rules did not
 * hold, or the launch would apply less than the levels assumed): the next
 * probe of this thread checks live instead of trusting what it remembers,
 * and the run is planned again (cordon__os_replan). */
static _Thread_local int recheck;
static _Thread_local int replan_wanted;
/* What the last probe of this thread reported of the runner's primitives,
 * for the spawn of the same plan: the runner refuses to apply less. */
static _Thread_local const struct cordon__plan *expect_plan;
static _Thread_local uint32_t expect_flags;

int cordon__linux_elevated_take_replan(void)
{
    int r = replan_wanted;
    replan_wanted = 0;
    return r;
}

/* The first line of a small /proc file, "-" when it cannot be read. */
static void proc_line(const char *path, char *out, size_t n)
{
    ssize_t r = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        r = read(fd, out, n - 1);
        close(fd);
    }
    if (r <= 0)
        r = snprintf(out, n, "-");
    out[r] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

/* The key of what "cordon-runner check" said of the primitives: this
 * boot (a new kernel, its modules and command line come with one), the
 * runner file's identity and change times, CORDON_DISABLE, and the
 * sysctls that say whether user namespaces may be made (AppArmor's
 * restriction, the namespace limit, Debian's switch). Whatever else
 * changes within a boot (an AppArmor profile loaded or removed) is caught
 * by the runner itself, which refuses a launch that would apply less than
 * the levels assumed; a change that gives the runner more is seen at the
 * next live check (cordon level, a new boot). */
static int primitives_key(const char *runner, char *out, size_t n)
{
    char boot[64], aa[16], max[24], clone[16], file[200];
    const char *d = getenv("CORDON_DISABLE");
    struct stat st;
    proc_line("/proc/sys/kernel/random/boot_id", boot, sizeof boot);
    if (strlen(boot) < 32 || stat(runner, &st) != 0)
        return -1;
    proc_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", aa, sizeof aa);
    proc_line("/proc/sys/user/max_user_namespaces", max, sizeof max);
    proc_line("/proc/sys/kernel/unprivileged_userns_clone", clone, sizeof clone);
    cordon__linux_file_key(&st, file, sizeof file);
    snprintf(out, n, "boot %s runner %s userns sysctls %s %s %s disable %s;", boot, file, aa, max,
             clone, d && *d ? d : "-");
    return 0;
}

static int primitives_remembered(const char *runner, struct cordon__elevated_facts *f)
{
    char key[400], line[600];
    size_t k;
    int u, l, s, g, v;
    if (primitives_key(runner, key, sizeof key) != 0 ||
        cordon__linux_state_read("runner-primitives", line, sizeof line) <= 0)
        return 0;
    k = strlen(key);
    /* Only an answer of a runner that speaks this cordon's protocol is
     * remembered; anything else has the check run live, which names the
     * mismatch. */
    if (strncmp(line, key, k) != 0 ||
        sscanf(line + k, " userns=%d landlock=%d seccomp=%d gate=%d protocol=%d", &u, &l, &s, &g,
               &v) != 5 ||
        v != CORDON__IPC_VERSION)
        return 0;
    f->runner_protocol = v;
    f->primitives_known = 1;
    f->mount_ns = u != 0;
    f->landlock_abi = l;
    f->seccomp = s != 0;
    f->unix_gate = g != 0;
    return 1;
}

static void primitives_remember(const char *runner, const struct cordon__elevated_facts *f)
{
    char key[400], text[600];
    if (!f->primitives_known || f->runner_protocol != CORDON__IPC_VERSION ||
        primitives_key(runner, key, sizeof key) != 0)
        return;
    snprintf(text, sizeof text, "%s userns=%d landlock=%d seccomp=%d gate=%d protocol=%d\n", key,
             f->mount_ns, f->landlock_abi, f->seccomp, f->unix_gate, f->runner_protocol);
    cordon__linux_state_write("runner-primitives", text);
}

/* Runs "cordon-runner check": the firewall tried as the offline user. */
static void rules_facts(const struct cordon__marker *m, struct cordon__elevated_facts *f)
{
    int p[2];
    pid_t pid;
    /* Two lines: the attempt that got through (up to 199 bytes), then the
     * primitives and the protocol; room for both. */
    char buf[512] = "";
    ssize_t n = 0, r;
    int status = 0;

    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(f->rules_error, sizeof f->rules_error, "pipe: errno %d", errno);
        return;
    }
    pid = start_runner(m->runner_path, -1, "check", p[1]);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        snprintf(f->rules_error, sizeof f->rules_error, "fork: errno %d", errno);
        return;
    }
    while ((size_t)n < sizeof buf - 1 &&
           ((r = read(p[0], buf + n, sizeof buf - 1 - (size_t)n)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            n += r;
    buf[n > 0 ? n : 0] = '\0';
    close(p[0]);
    {
        /* The second line: what the launch applies as the sandbox user. */
        char *nl = strchr(buf, '\n');
        const char *v;
        int u, l, s, g;
        if (nl) {
            *nl = '\0';
            /* A runner older than protocol version 3 names no version. */
            v = strstr(nl + 1, " protocol=");
            f->runner_protocol = v ? atoi(v + 10) : -1;
            if (f->runner_protocol == 0)
                f->runner_protocol = -1;
            if (sscanf(nl + 1, "userns=%d landlock=%d seccomp=%d gate=%d", &u, &l, &s, &g) == 4) {
                f->primitives_known = 1;
                f->mount_ns = u != 0;
                f->landlock_abi = l;
                f->seccomp = s != 0;
                f->unix_gate = g != 0;
            }
        }
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        snprintf(f->rules_error, sizeof f->rules_error,
                 "cordon-runner check failed (status %d)%s%s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                 buf[0] ? ": " : "", buf);
        return;
    }
    f->rules_tried = 1;
    f->rules_refused = WEXITSTATUS(status) == 0;
    if (!f->rules_refused)
        snprintf(f->rules_attempt, sizeof f->rules_attempt, "%s", buf);
}

static void elevated_probe(const struct cordon__plan *plan, struct cordon__probe *out)
{
    struct cordon__marker m;
    struct cordon__elevated_facts f;

    cordon__linux_elevated_facts(CORDON__MARKER_PATH,
                                 CORDON__FACTS_RUNNER | CORDON__FACTS_HASH_CACHE, &m, &f);
    if (f.marker && f.caller_allowed && f.runner_found && !f.runner_error[0] &&
        f.runner_root_owned && !f.runner_writable_by_others &&
        strcmp(f.runner_sha256, m.runner_sha256) == 0 && strcmp(f.runner_caps, m.runner_caps) == 0) {
        if (plan->for_run && !recheck && primitives_remembered(m.runner_path, &f)) {
            /* A run, and the runner's check said what it applies on this
             * boot: the runner tries the rules itself just before the
             * command starts, and refuses the launch when either no
             * longer holds (then this probe runs the check live). */
            f.rules_at_start = 1;
        } else {
            rules_facts(&m, &f);
            /* Remembered only while the rules hold, and forgotten when
             * they do not: otherwise every later run would start the
             * runner only to be refused and probe again. */
            if (f.rules_tried && f.rules_refused)
                primitives_remember(m.runner_path, &f);
            else if (f.rules_tried)
                cordon__linux_state_write("runner-primitives", "");
            recheck = 0;
        }
        roots_facts(plan, &m, &f);
    }
    /* Only a ready marker's levels explain themselves by it: with none
     * (setup never ran, the common case) the probe is the marker's one
     * open, and /proc/sys is not read (0.009 ms per run). */
    if (f.marker)
        f.apparmor_userns = cordon__apparmor_userns_restricted("/proc/sys") == 1;
    /* What the runner's launch applies here comes from the runner itself
     * (rules_facts), as the sandbox user; when it did not say, nothing is
     * assumed. */
    cordon__elevated_readiness(&f, plan, out);
    expect_plan = plan;
    expect_flags = (f.mount_ns ? CORDON__IPC_SPAWN_EXPECT_NS : 0) |
                   (f.landlock_abi ? CORDON__IPC_SPAWN_EXPECT_LANDLOCK : 0) |
                   (f.seccomp ? CORDON__IPC_SPAWN_EXPECT_SECCOMP : 0) |
                   (f.unix_gate ? CORDON__IPC_SPAWN_EXPECT_GATE : 0);
    cordon__marker_free(&m);
}

/* Lets the sandbox users enter every directory above |root| that they
 * cannot enter yet and the caller owns (search only: they can reach what
 * lies below, not list it), recording each. */
static cordon_error search_path(const char *root, const uid_t sandbox[2], gid_t gid)
{
    char dir[4096];
    size_t len, i;
    cordon_error e = CORDON_OK;
    snprintf(dir, sizeof dir, "%s", root);
    len = strlen(dir);
    for (i = 1; i < len && e == CORDON_OK; i++) {
        struct stat st;
        if (dir[i] != '/')
            continue;
        dir[i] = '\0';
        if (stat(dir, &st) == 0 && st.st_uid == getuid() &&
            (!(perms_of(dir, &st, sandbox[0], gid) & 1) || !(perms_of(dir, &st, sandbox[1], gid) & 1)) &&
            (e = cordon__acl_search(dir, sandbox, getuid(), 1)) == CORDON_OK)
            e = cordon__grants_record_add(dir, sandbox, 1);
        dir[i] = '/';
    }
    return e;
}

/* Grants the sandbox users write on each root the caller owns, with
 * default entries so that what they create stays the caller's to read and
 * write (backends/linux/acl.c). The first run in a root walks it once; in
 * the steady state this is one ACL read per root and no write. */
static cordon_error elevated_prepare(const struct cordon__plan *plan)
{
    struct cordon__marker m;
    struct cordon__elevated_facts f;
    struct cordon__strv skip = {0};
    uid_t sandbox[2];
    gid_t gid;
    cordon_error e = CORDON_OK;
    size_t i;

    if (plan->mode != CORDON_MODE_WORKSPACE_WRITE || plan->roots.n == 0)
        return CORDON_OK;
    cordon__linux_elevated_facts(CORDON__MARKER_PATH, 0, &m, &f);
    if (!f.marker) {
        e = cordon__fail(CORDON_ERR_SETUP, "the elevated setup changed under this run: %s",
                         f.marker_error[0] ? f.marker_error : "the marker is gone");
        goto done;
    }
    sandbox[0] = (uid_t)strtoul(m.offline.id, NULL, 10);
    sandbox[1] = (uid_t)strtoul(m.online.id, NULL, 10);
    gid = (gid_t)strtoul(m.sandbox_group.id, NULL, 10);
    for (i = 0; i < plan->n_protect && e == CORDON_OK; i++)
        e = cordon__strv_push(&skip, plan->protect[i].path);
    /* The roots this user made writable for a sandbox, as the unelevated
     * tier records them (a link planted in one is refused as a root). */
    if (e == CORDON_OK)
        e = cordon__linux_grants_record(plan);
    for (i = 0; i < plan->roots.n && e == CORDON_OK; i++) {
        struct stat st;
        if (cordon__acl_root_granted(plan->roots.v[i], sandbox, getuid()))
            continue;
        if ((e = search_path(plan->roots.v[i], sandbox, gid)) != CORDON_OK)
            break;
        if (stat(plan->roots.v[i], &st) != 0 || st.st_uid != getuid())
            continue; /* writable to the sandbox users by its own permissions */
        if ((e = cordon__acl_tree(plan->roots.v[i], sandbox, getuid(), 1, &skip, NULL)) == CORDON_OK)
            e = cordon__grants_record_add(plan->roots.v[i], sandbox, 0);
    }
done:
    cordon__strv_free(&skip);
    cordon__marker_free(&m);
    return e;
}

struct elevated_run {
    int sock;
    pid_t runner;
    struct cordon__ipc_reader rd;
    int exited;
    struct cordon__exit result;
};

static cordon_error runner_error(const struct cordon__ipc_msg *m, const char *argv0)
{
    const char *stage = cordon__ipc_stage_name(m->stage);
    int err = (int)m->os_code;
    if (m->stage == CORDON__IPC_STAGE_EXEC && err == ENOENT)
        return cordon__fail(CORDON_ERR_NOT_FOUND, "command not found: %s (cordon-runner: %s)",
                            argv0, m->message);
    if (m->stage == CORDON__IPC_STAGE_EXEC && (err == EACCES || err == ENOEXEC))
        return cordon__fail(CORDON_ERR_NOT_EXECUTABLE, "cannot execute %s (cordon-runner: %s)",
                            argv0, m->message);
    return cordon__fail(m->stage == CORDON__IPC_STAGE_CALLER ? CORDON_ERR_PERMISSION
                        : m->stage == CORDON__IPC_STAGE_SETUP ? CORDON_ERR_SETUP
                                                              : CORDON_ERR_OS,
                        "cordon-runner refused at stage %s: %s (errno %d)",
                        stage ? stage : "?", m->message ? m->message : "", err);
}

static cordon_error elevated_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                                   struct cordon__proc **out)
{
    struct elevated_run *run = NULL;
    struct cordon__proc *proc = NULL;
    struct cordon__ipc_msg m, in;
    int sv[2] = {-1, -1}, fds[3];
    size_t i;
    cordon_error e = CORDON_OK;

    memset(&m, 0, sizeof m);
    memset(&in, 0, sizeof in);
    run = calloc(1, sizeof *run);
    proc = calloc(1, sizeof *proc);
    if (!run || !proc) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the runner");
        goto done;
    }
    run->sock = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        e = cordon__sys_fail("cannot start cordon-runner", "socketpair", errno);
        goto done;
    }
    run->runner = start_runner(CORDON__RUNNER_PATH, sv[1], NULL, -1);
    if (run->runner < 0) {
        e = cordon__sys_fail("cannot start cordon-runner", "fork", errno);
        goto done;
    }
    close(sv[1]);
    sv[1] = -1;
    run->sock = sv[0];
    sv[0] = -1;

    m.type = CORDON__IPC_SPAWN;
    /* What the levels assumed of the runner's launch (from this plan's
     * probe; a plan not probed on this thread assumes everything, so the
     * runner refuses rather than apply less than some level says). */
    m.spawn.flags = (plan->network ? CORDON__IPC_SPAWN_NETWORK : 0) |
                    (plan->private_tmp ? CORDON__IPC_SPAWN_PRIVATE_TMP : 0) |
                    (expect_plan == plan ? expect_flags : CORDON__IPC_SPAWN_EXPECT_ALL);
    for (i = 0; i < 3; i++) {
        m.spawn.stdio_mode[i] = CORDON__IPC_STDIO_PASSED;
        fds[i] = req->stdio[i] == CORDON_STDIO_INHERIT ? (int)i : (int)req->stdio[i];
    }
    m.spawn.cwd = cordon__strdup(req->cwd ? req->cwd : plan->cwd);
    m.spawn.tmp_dir = cordon__strdup("");
    for (i = 0; req->argv[i] && e == CORDON_OK; i++)
        e = cordon__strv_push(&m.spawn.argv, req->argv[i]);
    for (i = 0; req->envp && req->envp[i] && e == CORDON_OK; i++)
        e = cordon__strv_push(&m.spawn.env, req->envp[i]);
    for (i = 0; i < plan->roots.n && e == CORDON_OK; i++)
        e = cordon__strv_push(&m.spawn.roots, plan->roots.v[i]);
    for (i = 0; i < plan->n_protect && e == CORDON_OK; i++)
        e = cordon__strv_push(&m.spawn.protect, plan->protect[i].path);
    /* The runner finds the other mounts' views of them itself. */
    for (i = 0; i < plan->n_deny && e == CORDON_OK; i++)
        if (!plan->deny[i].alias)
            e = cordon__strv_push(&m.spawn.deny, plan->deny[i].path);
    for (i = 0; i < plan->unix_allow.n && e == CORDON_OK; i++)
        e = cordon__strv_push(&m.spawn.unix_allow, plan->unix_allow.v[i]);
    if (e == CORDON_OK && (!m.spawn.cwd || !m.spawn.tmp_dir))
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting the runner");
    if (e != CORDON_OK || (e = cordon__ipc_send(run->sock, &m, fds, 3)) != CORDON_OK)
        goto done;
    /* The runner answers STARTED, or ERROR naming the stage it stopped at. */
    e = cordon__ipc_recv(run->sock, &run->rd, 60000, &in);
    if (e == CORDON_ERR_UNSUPPORTED)
        e = cordon__fail(CORDON_ERR_OS, "cordon-runner did not answer within 60 s");
    if (e != CORDON_OK)
        goto done;
    if (in.type == CORDON__IPC_ERROR) {
        e = runner_error(&in, req->argv[0]);
        if (in.stage == CORDON__IPC_STAGE_SETUP) {
            /* The rules or the primitives the levels rested on do not hold
             * now: nothing ran; probed again, live, and planned again. */
            recheck = 1;
            replan_wanted = 1;
        }
        goto done;
    }
    if (in.type != CORDON__IPC_STARTED) {
        e = cordon__fail(CORDON_ERR_IO, "runner protocol: expected STARTED, got type %d",
                         (int)in.type);
        goto done;
    }
    proc->pid = (pid_t)in.pid;
    proc->pidfd = -1;
    proc->status_fd = -1;
    proc->backend_data = run;
    *out = proc;
    proc = NULL;
    run = NULL;
done:
    cordon__ipc_msg_free(&in);
    cordon__ipc_msg_free(&m);
    for (i = 0; i < 2; i++)
        if (sv[i] >= 0)
            close(sv[i]);
    if (run) {
        if (run->sock >= 0)
            close(run->sock); /* the runner ends what it started and exits */
        if (run->runner > 0)
            while (waitpid(run->runner, NULL, 0) < 0 && errno == EINTR)
                ;
        cordon__ipc_reader_free(&run->rd);
        free(run);
    }
    free(proc);
    return e;
}

static cordon_error send_kill(struct elevated_run *run)
{
    struct cordon__ipc_msg m;
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SIGNAL;
    m.signal = CORDON__IPC_SIG_KILL;
    return cordon__ipc_send(run->sock, &m, NULL, 0);
}

/* Reads until EXIT; |timeout_ms| < 0 waits for ever. */
static cordon_error read_exit(struct elevated_run *run, int timeout_ms)
{
    while (!run->exited) {
        struct cordon__ipc_msg in;
        cordon_error e = cordon__ipc_recv(run->sock, &run->rd, timeout_ms, &in);
        if (e != CORDON_OK)
            return e;
        if (in.type == CORDON__IPC_EXIT) {
            run->exited = 1;
            run->result.exit_code = in.exit_code;
            run->result.term_signal = in.term_signal;
        } else if (in.type == CORDON__IPC_ERROR) {
            e = runner_error(&in, "the command");
            cordon__ipc_msg_free(&in);
            return e;
        }
        cordon__ipc_msg_free(&in);
    }
    return CORDON_OK;
}

static cordon_error elevated_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                                  struct cordon__exit *out)
{
    struct elevated_run *run = proc->backend_data;
    cordon_error e = read_exit(run, timeout_ms ? (int)(timeout_ms > 0x7fffffff ? 0x7fffffff
                                                                             : timeout_ms)
                                               : -1);
    if (e == CORDON_ERR_UNSUPPORTED) {
        /* Timed out: the runner ends the whole tree and reports. */
        if ((e = send_kill(run)) != CORDON_OK || (e = read_exit(run, 30000)) != CORDON_OK)
            return e == CORDON_ERR_UNSUPPORTED
                       ? cordon__fail(CORDON_ERR_OS, "cordon-runner did not end the command")
                       : e;
        run->result.timed_out = 1;
    } else if (e != CORDON_OK) {
        return e;
    }
    *out = run->result;
    return CORDON_OK;
}

static cordon_error elevated_kill(struct cordon__proc *proc)
{
    struct elevated_run *run = proc->backend_data;
    if (run->exited)
        return CORDON_OK;
    return send_kill(run);
}

static void elevated_cleanup(const struct cordon__plan *plan, struct cordon__proc *proc)
{
    struct elevated_run *run;
    (void)plan;
    if (!proc)
        return;
    run = proc->backend_data;
    if (run) {
        /* Closing the socket ends the command's tree if it still runs
         * (the runner treats cordon going away as a kill), then the
         * runner exits. */
        close(run->sock);
        while (waitpid(run->runner, NULL, 0) < 0 && errno == EINTR)
            ;
        cordon__ipc_reader_free(&run->rd);
        free(run);
    }
    free(proc);
}

const struct cordon_backend cordon__backend_linux_elevated = {
    .name = "linux-elevated",
    .tier = CORDON_TIER_ELEVATED,
    .probe = elevated_probe,
    .prepare = elevated_prepare,
    .spawn = elevated_spawn,
    .wait = elevated_wait,
    .kill = elevated_kill,
    .cleanup = elevated_cleanup,
};
