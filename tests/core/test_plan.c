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

static const struct fake_entry windows_fs[] = {
    {"C:\\", CORDON__PATH_DIR, NULL},
    {"C:\\Users\\ann", CORDON__PATH_DIR, NULL},
    {"C:\\src\\app", CORDON__PATH_DIR, NULL},
    {"C:\\src\\app\\.git", CORDON__PATH_DIR, NULL},
    {"C:\\Windows", CORDON__PATH_DIR, NULL},
    {NULL, 0, NULL},
};

static cordon_policy *ww(void)
{
    cordon_policy *p = NULL;
    CHECK(cordon_policy_builtin("workspace-write", &p) == CORDON_OK);
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
    CHECK_STR(env_of(&plan, "NPM_CONFIG_OFFLINE"), "true");
    CHECK_STR(env_of(&plan, "CARGO_NET_OFFLINE"), "true");
    CHECK_STR(env_of(&plan, "GIT_ALLOW_PROTOCOL"), "file");
    CHECK_STR(env_of(&plan, "GIT_SSH_COMMAND"), "'/opt/cordon/shims/ssh'");
    CHECK_STR(env_of(&plan, "CORDON_NETWORK"), "off");
    cordon__plan_free(&plan);

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

int main(void)
{
    secrets();
    linux_plan();
    roots();
    gitdir();
    windows_plan();
    environment();
    json();
    TEST_MAIN_END();
}
