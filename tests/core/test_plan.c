/* Plans for both OSes, compiled on any host from fake host facts. */
#include "fakehost.h"
#include "harness.h"

static const struct fake_entry linux_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/usr", CORDON__PATH_DIR, NULL},
    {"/home/ann", CORDON__PATH_DIR, NULL},
    {"/home/ann/.ssh", CORDON__PATH_DIR, NULL},
    {"/home/ann/.netrc", CORDON__PATH_FILE, NULL},
    {"/data/aws", CORDON__PATH_DIR, NULL},
    {"/work/app", CORDON__PATH_DIR, NULL},
    {"/work/app/.git", CORDON__PATH_DIR, NULL},
    {"/work/app/src", CORDON__PATH_DIR, NULL},
    {"/work/app/README", CORDON__PATH_FILE, NULL},
    {"/work/wt", CORDON__PATH_DIR, NULL},
    {"/work/wt/.git", CORDON__PATH_FILE, "gitdir: ../main/.git/worktrees/wt\n"},
    {"/work/main/.git/worktrees/wt", CORDON__PATH_DIR, NULL},
    {"/work/sub", CORDON__PATH_DIR, NULL},
    {"/work/sub/.git", CORDON__PATH_FILE, "gitdir: /gone/modules/sub\n"},
    {"/work/nest", CORDON__PATH_DIR, NULL},
    {"/work/nest/.git", CORDON__PATH_FILE, "gitdir: store/x/y\n"},
    {NULL, 0, NULL},
};

/* A home with tool directories, and the tool cache reached through a
 * symlinked ~/.cache. */
static const struct fake_entry home_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/home/ann", CORDON__PATH_DIR, NULL},
    {"/home/ann/proj", CORDON__PATH_DIR, NULL},
    {"/home/ann/proj2", CORDON__PATH_DIR, NULL},
    {"/home/ann/.m2", CORDON__PATH_DIR, NULL},
    {"/home/ann/notes.txt", CORDON__PATH_FILE, NULL},
    {"/home/ann/.cache/cordon/tools", CORDON__PATH_DIR, NULL}, /* the link, as lstat sees... */
    {"/data/cache/cordon/tools", CORDON__PATH_DIR, NULL},
    {"/work/app", CORDON__PATH_DIR, NULL},
    {"/work/app/.git", CORDON__PATH_DIR, NULL},
    {"/work/cachefile", CORDON__PATH_FILE, NULL},
    {NULL, 0, NULL},
};

static const struct fake_entry windows_fs[] = {
    {"C:\\", CORDON__PATH_DIR, NULL},
    {"C:\\Users\\ann", CORDON__PATH_DIR, NULL},
    {"C:\\src\\app", CORDON__PATH_DIR, NULL},
    {"C:\\src\\app\\.git", CORDON__PATH_DIR, NULL},
    {"C:\\Windows", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

/* The default policy without the tool cache, whose root and variables
 * the caches() test covers. */
static cordon_policy *ww(void)
{
    cordon_policy *p = NULL;
    CHECK(cordon_policy_builtin("workspace-write", &p) == CORDON_OK);
    CHECK(cordon_policy_set_cache(p, 0) == CORDON_OK);
    return p;
}

static const char *env_of(const struct cordon__plan *plan, const char *name)
{
    size_t i;
    for (i = 0; i < plan->n_env; i++)
        if (!strcmp(plan->env[i].name, name))
            return plan->env[i].value;
    return NULL;
}

static void linux_plan(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = ww();
    size_t i;
    int git = 0, missing = 0;

    fake_host(CORDON__OS_LINUX, linux_fs, &h);
    CHECK_MSG(cordon__plan_compile(p, "/work/app/src/..", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK_STR(plan.cwd, "/work/app");
    CHECK(plan.roots.n == 1 && !strcmp(plan.roots.v[0], "/work/app"));
    CHECK(plan.n_protect == 4);
    for (i = 0; i < plan.n_protect; i++) {
        git += !strcmp(plan.protect[i].path, "/work/app/.git") && plan.protect[i].kind == CORDON__PATH_DIR;
        missing += plan.protect[i].kind == CORDON__PATH_MISSING;
    }
    CHECK(git == 1 && missing == 3);
    CHECK_STR(plan.tmp_dir, "/tmp/cordon-run-42-abc");
    CHECK_STR(plan.shim_dir, "/opt/cordon/shims");
    CHECK(plan.shims.n == 2 && !strcmp(plan.shims.v[0], "ssh") && !strcmp(plan.shims.v[1], "scp"));
    CHECK_STR(env_of(&plan, "HTTPS_PROXY"), "http://127.0.0.1:9");
    CHECK_STR(env_of(&plan, "https_proxy"), "http://127.0.0.1:9");
    CHECK_STR(env_of(&plan, "NO_PROXY"), "localhost,127.0.0.1,::1");
    CHECK_STR(env_of(&plan, "PIP_NO_INDEX"), "1");
    /* npm is not forced offline (docs/policy.md): it uses its cache first
     * and does not retry the refused connection. */
    CHECK(env_of(&plan, "NPM_CONFIG_OFFLINE") == NULL && env_of(&plan, "npm_config_offline") == NULL);
    CHECK_STR(env_of(&plan, "npm_config_prefer_offline"), "true");
    CHECK_STR(env_of(&plan, "npm_config_fetch_retries"), "0");
    CHECK_STR(env_of(&plan, "CARGO_NET_OFFLINE"), "true");
    CHECK_STR(env_of(&plan, "GIT_ALLOW_PROTOCOL"), "file");
    CHECK_STR(env_of(&plan, "GIT_SSH_COMMAND"), "'/opt/cordon/shims/ssh'");
    CHECK_STR(env_of(&plan, "CORDON_NETWORK"), "off");
    cordon__plan_free(&plan);

    CHECK(plan.unix_allow.n == 0);
    cordon__plan_free(&plan);

    /* allow_unix_sockets: home expanded, relative to the cwd, normalized;
     * printed by explain. */
    CHECK(cordon_policy_allow_unix_socket(p, "~/.docker/run/docker.sock") == CORDON_OK);
    CHECK(cordon_policy_allow_unix_socket(p, "$HOME/a/../agent.sock") == CORDON_OK);
    CHECK(cordon_policy_allow_unix_socket(p, "run/s.sock") == CORDON_OK);
    CHECK(cordon_policy_allow_unix_socket(p, "") == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(plan.unix_allow.n == 3);
    if (plan.unix_allow.n == 3) {
        CHECK_STR(plan.unix_allow.v[0], "/home/ann/.docker/run/docker.sock");
        CHECK_STR(plan.unix_allow.v[1], "/home/ann/agent.sock");
        CHECK_STR(plan.unix_allow.v[2], "/work/app/run/s.sock");
    }
    {
        struct cordon__json j;
        char *out;
        memset(&j, 0, sizeof j);
        cordon__plan_json(&plan, &j);
        out = cordon__buf_take(&j.out);
        CHECK_CONTAINS(out, "\"allow_unix_sockets\":[\"/home/ann/.docker/run/docker.sock\",");
        free(out);
    }
    cordon__plan_free(&plan);
    cordon_policy_free(p);
    p = ww();

    /* Network on: no stubs, no overrides. */
    cordon_policy_set_network(p, 1);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(plan.network && !plan.shim_dir && plan.n_env == 0 && plan.shims.n == 0);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void roots(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = ww();
    fake_host(CORDON__OS_LINUX, linux_fs, &h);

    /* Relative roots resolve against the cwd; duplicates fold; symlinks resolve. */
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "src");
    cordon_policy_add_writable_root(p, "/work/app/src");
    cordon_policy_add_writable_root(p, "/work/link");
    fake_link_from = "/work/link";
    fake_link_to = "/work/wt";
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(plan.roots.n == 2 && !strcmp(plan.roots.v[0], "/work/app/src") &&
          !strcmp(plan.roots.v[1], "/work/wt"));
    cordon__plan_free(&plan);
    fake_link_from = fake_link_to = NULL;

    /* A missing root is an error that names it and the OS error. */
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "nope");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH);
    CHECK_CONTAINS(cordon_last_error(), "writable root /work/app/nope does not exist");
    CHECK_CONTAINS(cordon_last_error(), "errno 2");

    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "README");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH);
    CHECK_CONTAINS(cordon_last_error(), "is not a directory");

    /* Dangerous roots are refused unless forced. */
    {
        const char *bad[] = {"/", "/home/ann", "/usr", "../../.."};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            cordon_policy_clear_writable_roots(p);
            cordon_policy_add_writable_root(p, bad[i]);
            CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH_REFUSED,
                      "%s not refused", bad[i]);
            CHECK_CONTAINS(cordon_last_error(), "refusing to grant write on");
        }
        cordon_policy_set_force_roots(p, 1);
        CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK && plan.roots.n == 1 &&
              !strcmp(plan.roots.v[0], "/"));
        cordon__plan_free(&plan);
    }
    CHECK(cordon__plan_compile(p, "/missing/cwd", &h, &plan) == CORDON_ERR_PATH);
    CHECK_CONTAINS(cordon_last_error(), "working directory /missing/cwd");
    cordon_policy_free(p);

    /* read-only and full-access have no roots and no protected paths. */
    CHECK(cordon_policy_builtin("read-only", &p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK && plan.roots.n == 0 &&
          plan.n_protect == 0 && plan.private_tmp && plan.shim_dir);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
    CHECK(cordon_policy_builtin("full-access", &p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK && plan.roots.n == 0 &&
          plan.network && !plan.private_tmp && !plan.shim_dir && plan.n_env == 0);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void gitdir(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = ww();
    size_t i;
    int wt = 0, gone = 0, nest = 0;
    fake_host(CORDON__OS_LINUX, linux_fs, &h);
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "/work/wt");
    cordon_policy_add_writable_root(p, "/work/sub");
    cordon_policy_add_writable_root(p, "/work/nest");
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    for (i = 0; i < plan.n_protect; i++) {
        const struct cordon__protected *pp = &plan.protect[i];
        wt += !strcmp(pp->path, "/work/main/.git/worktrees/wt") && pp->is_gitdir_target &&
              pp->kind == CORDON__PATH_DIR && pp->root == 0;
        /* A missing target outside every root is left to fs_write: cordon
         * creates nothing there. */
        gone += strncmp(pp->path, "/gone", 5) == 0;
        /* Inside a root, its highest missing ancestor is protected, so the
         * chain cannot be created. */
        nest += !strcmp(pp->path, "/work/nest/store") && pp->is_gitdir_target &&
                pp->kind == CORDON__PATH_MISSING && pp->root == 2;
    }
    CHECK(wt == 1 && gone == 0 && nest == 1);
    CHECK(plan.n_protect == 14); /* 4 per root + 2 targets */
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void windows_plan(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = ww();
    fake_host(CORDON__OS_WINDOWS, windows_fs, &h);
    CHECK_MSG(cordon__plan_compile(p, "c:/SRC/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK_STR(plan.cwd, "C:\\src\\app");
    CHECK(plan.roots.n == 1 && !strcmp(plan.roots.v[0], "C:\\src\\app"));
    CHECK(plan.n_protect == 4 && !strcmp(plan.protect[0].path, "C:\\src\\app\\.git"));
    CHECK_STR(plan.tmp_dir, "C:\\Users\\ann\\AppData\\Local\\Temp\\cordon-run-42-abc");
    CHECK_STR(env_of(&plan, "GIT_SSH_COMMAND"), "\"C:/Users/ann/AppData/Local/cordon/shims/ssh.exe\"");
    CHECK(env_of(&plan, "https_proxy") == NULL); /* same variable as HTTPS_PROXY there */
    CHECK_STR(env_of(&plan, "HTTPS_PROXY"), "http://127.0.0.1:9");
    cordon__plan_free(&plan);

    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "C:\\Users\\ANN");
    CHECK(cordon__plan_compile(p, "C:\\src\\app", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "home directory");
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "C:\\");
    CHECK(cordon__plan_compile(p, "C:\\src\\app", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "c:\\windows");
    CHECK(cordon__plan_compile(p, "C:\\src\\app", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "system directory");
    cordon_policy_free(p);
}

static const char *find_env(const struct cordon__strv *env, const char *prefix)
{
    size_t i, n = strlen(prefix);
    for (i = 0; i < env->n; i++)
        if (!strncmp(env->v[i], prefix, n))
            return env->v[i];
    return NULL;
}

static void environment(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    struct cordon__strv env;
    cordon_policy *p = ww();
    const char *lin[] = {"PATH=/usr/bin:/bin", "HTTPS_PROXY=http://corp:3128", "HOME=/home/ann",
                         "TMPDIR=/var/tmp", NULL};
    const char *win[] = {"=C:=C:\\src", "Path=C:\\Windows", "https_proxy=http://corp:3128",
                         "tmp=C:\\t", NULL};
    size_t i;
    int proxies = 0;

    fake_host(CORDON__OS_LINUX, linux_fs, &h);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(cordon__plan_environment(&plan, lin, &env) == CORDON_OK);
    CHECK_STR(find_env(&env, "PATH="), "PATH=/opt/cordon/shims:/usr/bin:/bin");
    /* An inherited proxy would defeat the advisory block: overridden. */
    CHECK_STR(find_env(&env, "HTTPS_PROXY="), "HTTPS_PROXY=http://127.0.0.1:9");
    /* The private temp dir as the command sees it (the OS part decides
     * where it appears inside). */
    CHECK_STR(plan.tmp_dir, "/tmp/cordon-run-42-abc");
    {
        char *want = cordon__asprintf("TMPDIR=%s", plan.tmp_env);
        CHECK_STR(find_env(&env, "TMPDIR="), want);
        free(want);
        want = cordon__asprintf("TEMP=%s", plan.tmp_env);
        CHECK_STR(find_env(&env, "TEMP="), want);
        free(want);
    }
    CHECK_STR(find_env(&env, "HOME="), "HOME=/home/ann");
    for (i = 0; i < env.n; i++)
        proxies += !strncmp(env.v[i], "HTTPS_PROXY=", 12);
    CHECK(proxies == 1);
    cordon__strv_free(&env);
    cordon__plan_free(&plan);

    fake_host(CORDON__OS_WINDOWS, windows_fs, &h);
    CHECK(cordon__plan_compile(p, "C:\\src\\app", &h, &plan) == CORDON_OK);
    CHECK(cordon__plan_environment(&plan, win, &env) == CORDON_OK);
    CHECK_STR(find_env(&env, "=C:="), "=C:=C:\\src");
    CHECK_STR(find_env(&env, "Path="), "Path=C:\\Users\\ann\\AppData\\Local\\cordon\\shims;C:\\Windows");
    CHECK(find_env(&env, "https_proxy=") == NULL); /* replaced, case-insensitively */
    CHECK(find_env(&env, "tmp=") == NULL);
    CHECK_STR(find_env(&env, "TMP="), "TMP=C:\\Users\\ann\\AppData\\Local\\Temp\\cordon-run-42-abc");
    cordon__strv_free(&env);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void json(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    struct cordon__json j;
    cordon_policy *p = ww();
    fake_host(CORDON__OS_LINUX, linux_fs, &h);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    memset(&j, 0, sizeof j);
    cordon__plan_json(&plan, &j);
    CHECK(j.out.p && j.out.p[0] == '{' && j.out.p[j.out.len - 1] == '}');
    CHECK_CONTAINS(j.out.p, "\"writable_roots\":[\"/work/app\"]");
    CHECK_CONTAINS(j.out.p, "\"GIT_SSH_COMMAND\":\"'/opt/cordon/shims/ssh'\"");
    CHECK_CONTAINS(j.out.p, "\"linux\":{");
    cordon__buf_free(&j.out);
    cordon__plan_free(&plan);
    cordon_policy_free(p);

    memset(&j, 0, sizeof j);
    cordon__json_begin_object(&j);
    cordon__json_kstr(&j, "k\"", "a\\b\n\x01");
    cordon__json_key(&j, "arr");
    cordon__json_begin_array(&j);
    cordon__json_int(&j, -3);
    cordon__json_bool(&j, 1);
    cordon__json_null(&j);
    cordon__json_end_array(&j);
    cordon__json_end_object(&j);
    CHECK_STR(j.out.p, "{\"k\\\"\":\"a\\\\b\\n\\u0001\",\"arr\":[-3,true,null]}");
    cordon__buf_free(&j.out);
}

static cordon_error fake_aliases(const char *path, struct cordon__strv *out)
{
    /* The home is mounted again at /mnt/home. */
    if (strncmp(path, "/home/ann/", 10) == 0)
        return cordon__strv_pushf(out, "/mnt/home/%s", path + 10);
    return CORDON_OK;
}

/* deny_read: "~/" expanded, missing skipped, symlinks resolved, other
 * mounts of the same directory added; masks in the Linux plan; env_deny
 * globs drop the caller's variables but never cordon's own. */
static void secrets(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    struct cordon__strv env = {0};
    const char *base[] = {"GITHUB_TOKEN=1", "AWS_REGION=2", "MY_KEY=3", "KEEPME=4", "PATH=/bin",
                          NULL};
    cordon_policy *p = ww();
    size_t i;
    int masks = 0, nullbinds = 0;

    fake_host(CORDON__OS_LINUX, linux_fs, &h);
    h.aliases = fake_aliases;
    fake_link_from = "/home/ann/.aws";
    fake_link_to = "/data/aws";
    CHECK(cordon_policy_add_deny_read(p, "$HOME/.aws") == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(plan.n_deny_listed == 13);
    /* .ssh, its alias, .netrc, its alias, the .aws target (no alias). */
    CHECK_MSG(plan.n_deny == 5, "n_deny %zu", plan.n_deny);
    for (i = 0; i < plan.n_deny; i++)
        CHECK(strcmp(plan.deny[i].path, "/home/ann/.gnupg") != 0);
    CHECK(plan.n_deny >= 5 && !strcmp(plan.deny[0].path, "/home/ann/.ssh") && !plan.deny[0].alias);
    CHECK(plan.n_deny >= 5 && !strcmp(plan.deny[1].path, "/mnt/home/.ssh") && plan.deny[1].alias);
    CHECK(plan.n_deny >= 5 && !strcmp(plan.deny[2].path, "/data/aws")); /* ~/.aws, listed once */
    for (i = 0; i < plan.linux_plan.n_mounts; i++) {
        const struct cordon__mount *m = &plan.linux_plan.mounts[i];
        masks += m->op == CORDON__MOUNT_MASK;
        nullbinds += m->op == CORDON__MOUNT_BIND_RO && m->src && !strcmp(m->src, "/dev/null");
    }
    CHECK(masks == 3 && nullbinds == 2);
    CHECK(cordon__plan_environment(&plan, base, &env) == CORDON_OK);
    CHECK(!cordon__strv_contains(&env, "GITHUB_TOKEN=1") && !cordon__strv_contains(&env, "AWS_REGION=2"));
    CHECK(!cordon__strv_contains(&env, "MY_KEY=3") && cordon__strv_contains(&env, "KEEPME=4"));
    cordon__strv_free(&env);
    cordon__plan_free(&plan);
    fake_link_from = fake_link_to = NULL;

    /* deny_read = [], env_deny = []: nothing hidden, nothing removed. */
    CHECK(cordon_policy_clear_deny_read(p) == CORDON_OK && cordon_policy_clear_env_deny(p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(plan.n_deny == 0 && plan.n_deny_listed == 0);
    CHECK(cordon__plan_environment(&plan, base, &env) == CORDON_OK);
    CHECK(cordon__strv_contains(&env, "GITHUB_TOKEN=1"));
    cordon__strv_free(&env);
    cordon__plan_free(&plan);

    /* Relative deny_read paths are refused; full-access hides nothing. */
    CHECK(cordon_policy_add_deny_read(p, "secrets.txt") == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_POLICY_INVALID);
    cordon_policy_free(p);
    CHECK(cordon_policy_builtin("full-access", &p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(plan.n_deny == 0 && plan.env_deny.n == 0);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static int has_root(const struct cordon__plan *plan, const char *root)
{
    return cordon__strv_contains(&plan->roots, root);
}

/* The tool cache: a root of its own without protected paths, planned from
 * its path while missing, resolved once it exists; the variables point
 * into it whatever the caller had; cache = "none", read-only and
 * full-access have none. */
static void caches(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    struct cordon__strv env = {0};
    struct cordon__json j;
    struct cordon__buf b = {0};
    cordon_policy *p = NULL;
    const char *base[] = {"PIP_CACHE_DIR=/home/ann/.cache/pip", "npm_config_cache=/home/ann/.npm",
                          "MAVEN_OPTS=-Xmx1g", "PATH=/bin", NULL};
    const char *const cache = "/home/ann/.cache/cordon/tools";
    static const char *const vars[][2] = {
        {"npm_config_cache", "npm"},        {"NPM_CONFIG_CACHE", "npm"},
        {"YARN_CACHE_FOLDER", "yarn"},      {"YARN_GLOBAL_FOLDER", "yarn-berry"},
        {"PIP_CACHE_DIR", "pip"},           {"UV_CACHE_DIR", "uv"},
        {"POETRY_CACHE_DIR", "poetry"},     {"CARGO_HOME", "cargo"},
        {"GOCACHE", "go-build"},            {"GOMODCACHE", "go-mod"},
        {"GRADLE_USER_HOME", "gradle"},     {"CCACHE_DIR", "ccache"},
        {"SCCACHE_DIR", "sccache"},         {"XDG_CACHE_HOME", "xdg"},
    };
    size_t i;

    CHECK(cordon_policy_builtin("workspace-write", &p) == CORDON_OK);
    fake_host(CORDON__OS_LINUX, linux_fs, &h);
    /* Missing (before the first run): planned from its path. */
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK_STR(plan.cache_dir, cache);
    CHECK(plan.cache_missing == 1);
    CHECK(plan.roots.n == 2 && !strcmp(plan.roots.v[0], "/work/app") && has_root(&plan, cache));
    CHECK(plan.n_protect == 4);
    for (i = 0; i < plan.n_protect; i++)
        CHECK(strncmp(plan.protect[i].path, cache, strlen(cache)) != 0);
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        char *want = cordon__asprintf("%s/%s", cache, vars[i][1]);
        CHECK_STR(env_of(&plan, vars[i][0]), want);
        free(want);
    }
    /* pnpm's store variable is npm's, which makes npm warn: not set. */
    CHECK(env_of(&plan, "npm_config_store_dir") == NULL);
    /* The caller's own caches never reach the command; MAVEN_OPTS keeps
     * the caller's options, ours last. */
    CHECK(cordon__plan_environment(&plan, base, &env) == CORDON_OK);
    CHECK(cordon__strv_contains(&env, "PIP_CACHE_DIR=/home/ann/.cache/cordon/tools/pip"));
    CHECK(!cordon__strv_contains(&env, "PIP_CACHE_DIR=/home/ann/.cache/pip"));
    CHECK(!cordon__strv_contains(&env, "npm_config_cache=/home/ann/.npm"));
    CHECK(cordon__strv_contains(&env, "MAVEN_OPTS=-Xmx1g -Dmaven.repo.local=/home/ann/.cache/cordon/tools/maven"));
    cordon__strv_free(&env);
    CHECK(cordon__plan_environment(&plan, NULL, &env) == CORDON_OK);
    CHECK(cordon__strv_contains(&env, "MAVEN_OPTS=-Dmaven.repo.local=/home/ann/.cache/cordon/tools/maven"));
    cordon__strv_free(&env);
    /* The Linux part grants it like any root. */
    {
        int bind = 0, rule = 0;
        for (i = 0; i < plan.linux_plan.n_mounts; i++)
            bind += plan.linux_plan.mounts[i].op == CORDON__MOUNT_BIND_RW &&
                    !strcmp(plan.linux_plan.mounts[i].dst, cache);
        for (i = 0; i < plan.linux_plan.n_ll_rules; i++)
            rule += !strcmp(plan.linux_plan.ll_rules[i].path, cache) &&
                    plan.linux_plan.ll_rules[i].access == CORDON__LL_FS_WRITE_ALL;
        CHECK(bind == 1 && rule == 1);
    }
    cordon__plan_text(&plan, &b);
    CHECK_CONTAINS(b.p, "writable root: /home/ann/.cache/cordon/tools (tool cache; created at the first run)");
    CHECK_CONTAINS(b.p, "environment: MAVEN_OPTS=<the caller's> -Dmaven.repo.local=");
    cordon__buf_free(&b);
    memset(&j, 0, sizeof j);
    cordon__plan_json(&plan, &j);
    CHECK_CONTAINS(j.out.p, "\"cache\":{\"dir\":\"/home/ann/.cache/cordon/tools\",\"exists\":false}");
    CHECK_CONTAINS(j.out.p, "\"env_appended\":{\"MAVEN_OPTS\":");
    cordon__buf_free(&j.out);
    cordon__plan_free(&plan);

    /* Network on: the caches stay, the network overrides go. */
    cordon_policy_set_network(p, 1);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(env_of(&plan, "CARGO_HOME") && !env_of(&plan, "HTTPS_PROXY") && !env_of(&plan, "CORDON_NETWORK"));
    cordon__plan_free(&plan);
    cordon_policy_set_network(p, 0);

    /* Existing, through a symlinked ~/.cache: the resolved directory. */
    fake_host(CORDON__OS_LINUX, home_fs, &h);
    fake_link_from = cache;
    fake_link_to = "/data/cache/cordon/tools";
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK_STR(plan.cache_dir, "/data/cache/cordon/tools");
    CHECK(!plan.cache_missing && has_root(&plan, "/data/cache/cordon/tools") && plan.roots.n == 2);
    CHECK_STR(env_of(&plan, "GOMODCACHE"), "/data/cache/cordon/tools/go-mod");
    cordon__plan_free(&plan);
    fake_link_from = fake_link_to = NULL;

    /* A file where the cache should be: refused, naming it. */
    h.cache_dir = "/work/cachefile";
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH);
    CHECK_CONTAINS(cordon_last_error(), "the tool cache /work/cachefile is not a directory");
    /* Inside a writable root already: one root. */
    h.cache_dir = "/work/app/.cache/tools";
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(plan.roots.n == 2); /* the root, and the planned cache (missing) */
    cordon__plan_free(&plan);
    h.cache_dir = "/work/app";
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(plan.roots.n == 1 && plan.cache_dir && env_of(&plan, "PIP_CACHE_DIR"));
    cordon__plan_free(&plan);
    /* No home, no cache: nothing set. */
    h.cache_dir = NULL;
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(!plan.cache_dir && plan.roots.n == 1 && !env_of(&plan, "PIP_CACHE_DIR") &&
          plan.n_env_suffix == 0);
    cordon__plan_free(&plan);

    /* A cache path with a space: mvn (Linux) splits MAVEN_OPTS, so it is
     * left alone; the other variables hold the path as it is. */
    h.cache_dir = "/home/ann/my cache/tools";
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(plan.n_env_suffix == 0);
    CHECK_STR(env_of(&plan, "PIP_CACHE_DIR"), "/home/ann/my cache/tools/pip");
    cordon__plan_free(&plan);

    /* cache = "none"; read-only; full-access: no cache root, no variables. */
    fake_host(CORDON__OS_LINUX, linux_fs, &h);
    cordon_policy_set_cache(p, 0);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(!plan.cache_dir && plan.roots.n == 1 && !env_of(&plan, "npm_config_cache") &&
          !env_of(&plan, "XDG_CACHE_HOME") && plan.n_env_suffix == 0);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
    CHECK(cordon_policy_builtin("read-only", &p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(!plan.cache_dir && plan.roots.n == 0 && !env_of(&plan, "CARGO_HOME"));
    cordon__plan_free(&plan);
    cordon_policy_free(p);
    /* Unsandboxed tools must never use a cache the sandbox writes. */
    CHECK(cordon_policy_builtin("full-access", &p) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(!plan.cache_dir && plan.n_env == 0 && plan.n_env_suffix == 0);
    cordon__plan_free(&plan);
    cordon_policy_free(p);

    /* Windows: under LOCALAPPDATA; one npm variable (names ignore case
     * there); MAVEN_OPTS quoted for mvn.cmd. */
    CHECK(cordon_policy_builtin("workspace-write", &p) == CORDON_OK);
    fake_host(CORDON__OS_WINDOWS, windows_fs, &h);
    h.cache_dir = "C:\\Users\\ann smith\\AppData\\Local\\cordon\\tools";
    CHECK_MSG(cordon__plan_compile(p, "C:\\src\\app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(plan.roots.n == 2 && has_root(&plan, h.cache_dir) && plan.cache_missing);
    CHECK_STR(env_of(&plan, "npm_config_cache"), "C:\\Users\\ann smith\\AppData\\Local\\cordon\\tools\\npm");
    CHECK(env_of(&plan, "NPM_CONFIG_CACHE") == NULL);
    CHECK(plan.n_env_suffix == 1 &&
          !strcmp(plan.env_suffix[0].value,
                  "-Dmaven.repo.local=\"C:\\Users\\ann smith\\AppData\\Local\\cordon\\tools\\maven\""));
    cordon__plan_free(&plan);

    /* A plan for the other OS: the example cache path, not checked. */
    cordon__host_lexical(CORDON__OS_LINUX, &h);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK);
    CHECK(plan.cache_dir && has_root(&plan, "/home/user/.cache/cordon/tools") && !plan.cache_missing);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

/* A root named from the home, an optional root or the tool cache reached
 * through a link that lies inside a root cordon granted before: the
 * command could have planted it, so it is refused like any root. */
static const struct fake_entry planted_fs[] = {
    {"/", CORDON__PATH_DIR, NULL},
    {"/home", CORDON__PATH_DIR, NULL},
    {"/work", CORDON__PATH_DIR, NULL},
    {"/home/ann", CORDON__PATH_DIR, NULL},
    {"/home/ann/shared", CORDON__PATH_DIR, NULL},
    {"/home/ann/shared/planted", CORDON__PATH_LINK, "/home/ann/.ssh"},
    {"/home/ann/.cache", CORDON__PATH_DIR, NULL},
    {"/home/ann/.cache/cordon", CORDON__PATH_LINK, "/home/ann/.ssh"},
    {"/home/ann/.ssh", CORDON__PATH_DIR, NULL},
    {"/work/app", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static void planted_links(void)
{
    static const char *const shared[] = {"/home/ann/shared", NULL};
    static const char *const cache[] = {"/home/ann/.cache", NULL};
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = ww();

    fake_host(CORDON__OS_LINUX, planted_fs, &h);
    fake_link_from = "/home/ann/shared/planted";
    fake_link_to = "/home/ann/.ssh";
    fake_granted = shared;
    cordon_policy_add_writable_root(p, "~/shared/planted");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "symbolic link /home/ann/shared/planted");
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_optional_writable_root(p, "$HOME/shared/planted");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    cordon_policy_clear_optional_writable_roots(p);
    cordon_policy_add_writable_root(p, "/work/app");
    /* ~/.cache granted once (forced): its cordon/ replaced by a link. */
    fake_link_from = "/home/ann/.cache/cordon/tools";
    fake_link_to = "/home/ann/.ssh";
    fake_granted = cache;
    cordon_policy_set_cache(p, 1);
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "symbolic link /home/ann/.cache/cordon");
    /* Nothing granted there: the user's own link is fine. */
    fake_granted = NULL;
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    cordon__plan_free(&plan);
    fake_link_from = fake_link_to = NULL;
    cordon_policy_free(p);
}

/* "~" and "$HOME" at the start of writable roots; optional roots skipped
 * when missing, and said so. */
static void home_roots(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    struct cordon__buf b = {0};
    struct cordon__json j;
    cordon_policy *p = ww();

    fake_host(CORDON__OS_LINUX, home_fs, &h);
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "~/proj");
    cordon_policy_add_writable_root(p, "$HOME/proj2");
    CHECK(cordon_policy_add_optional_writable_root(p, "~/.m2") == CORDON_OK);
    CHECK(cordon_policy_add_optional_writable_root(p, "~/.gradle") == CORDON_OK);
    CHECK(cordon_policy_add_optional_writable_root(p, "/opt/nothing-here") == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(plan.roots.n == 3 && has_root(&plan, "/home/ann/proj") && has_root(&plan, "/home/ann/proj2") &&
          has_root(&plan, "/home/ann/.m2"));
    CHECK(plan.skipped_roots.n == 2 && !strcmp(plan.skipped_roots.v[0], "~/.gradle") &&
          !strcmp(plan.skipped_roots.v[1], "/opt/nothing-here"));
    /* An optional root is a root like the others: its .git is protected. */
    CHECK(plan.n_protect == 12);
    cordon__plan_text(&plan, &b);
    CHECK_CONTAINS(b.p, "optional writable root skipped (it does not exist here): ~/.gradle");
    cordon__buf_free(&b);
    memset(&j, 0, sizeof j);
    cordon__plan_json(&plan, &j);
    CHECK_CONTAINS(j.out.p, "\"optional_roots_skipped\":[\"~/.gradle\",\"/opt/nothing-here\"]");
    cordon__buf_free(&j.out);
    cordon__plan_free(&plan);

    /* A required root that is missing is still an error, named as written
     * after expansion; "~user" is not the home. */
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "~/.gradle");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH);
    CHECK_CONTAINS(cordon_last_error(), "writable root /home/ann/.gradle does not exist");
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "~bob/x");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH);
    CHECK_CONTAINS(cordon_last_error(), "/work/app/~bob/x");
    /* "~" alone is the home itself: refused as any spelling of it. */
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "~");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH_REFUSED);
    CHECK_CONTAINS(cordon_last_error(), "home directory itself");
    /* An optional root that exists but is a file is a mistake, not absence. */
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_optional_writable_root(p, "$HOME/notes.txt");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_PATH);
    CHECK_CONTAINS(cordon_last_error(), "not a directory");
    cordon_policy_clear_optional_writable_roots(p);
    /* No home known: a home-relative root says so. */
    h.home = NULL;
    cordon_policy_add_writable_root(p, "~/proj");
    CHECK(cordon__plan_compile(p, "/work/app", &h, &plan) == CORDON_ERR_POLICY_INVALID);
    CHECK_CONTAINS(cordon_last_error(), "needs the home directory");
    cordon_policy_free(p);

    /* Windows: "~\\" too, and the profile directory. */
    p = ww();
    fake_host(CORDON__OS_WINDOWS, windows_fs, &h);
    cordon_policy_clear_writable_roots(p);
    cordon_policy_add_writable_root(p, "C:\\src\\app");
    cordon_policy_add_optional_writable_root(p, "~\\.m2");
    cordon_policy_add_optional_writable_root(p, "$HOME\\src");
    CHECK_MSG(cordon__plan_compile(p, "C:\\src\\app", &h, &plan) == CORDON_OK, "%s", cordon_last_error());
    CHECK(plan.roots.n == 1 && plan.skipped_roots.n == 2);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

int main(void)
{
    caches();
    home_roots();
    planted_links();
    secrets();
    linux_plan();
    roots();
    gitdir();
    windows_plan();
    environment();
    json();
    TEST_MAIN_END();
}
