/* The Windows part of compiled plans, on a fake Windows host: SIDs per
 * root, the ACE list (masks, inheritance, no FILE_DELETE_CHILD on root
 * allows, denies on protected paths including a gitdir target and missing
 * ones), the NUL grant, the token spec, full-access and placeholder cases,
 * and the JSON. */
#include "harness.h"
#include "internal.h"

static const unsigned char secret[32] = "per-user secret for the tests..";

static const struct {
    const char *path;
    enum cordon__path_kind kind;
} fs[] = {
    {"C:\\work\\app", CORDON__PATH_DIR},
    {"C:\\work\\app\\.git", CORDON__PATH_DIR},
    {"C:\\work\\app\\.git\\worktrees\\wt", CORDON__PATH_DIR},
    {"C:\\work\\wt", CORDON__PATH_DIR},
    {"C:\\work\\wt\\.git", CORDON__PATH_FILE},
    {"C:\\work\\wt2", CORDON__PATH_DIR},
    {"C:\\work\\wt2\\.git", CORDON__PATH_FILE},
    {"C:\\Users\\me\\AppData\\Local\\Temp", CORDON__PATH_DIR},
    {"C:\\Program Files\\Tool\\src", CORDON__PATH_DIR},
    {"C:\\Windows\\Temp\\ws", CORDON__PATH_DIR},
};

static enum cordon__path_kind fake_kind(const char *path)
{
    size_t i;
    for (i = 0; i < sizeof fs / sizeof fs[0]; i++)
        if (cordon__streq_nocase(fs[i].path, path))
            return fs[i].kind;
    return CORDON__PATH_MISSING;
}

static cordon_error fake_realpath(const char *path, char **out)
{
    char *n = cordon__path_normalize(CORDON__OS_WINDOWS, path);
    if (!n)
        return CORDON_ERR_NO_MEMORY;
    if (fake_kind(n) == CORDON__PATH_MISSING) {
        free(n);
        return cordon__fail(CORDON_ERR_PATH, "cannot resolve %s", path);
    }
    *out = n;
    return CORDON_OK;
}

static cordon_error fake_read(const char *path, size_t max, char **out)
{
    (void)max;
    if (cordon__streq_nocase(path, "C:\\work\\wt2\\.git")) {
        /* Names a git directory that does not exist yet, two levels below
         * an existing directory of the app root. */
        *out = cordon__strdup("gitdir: C:\\work\\app\\gitdirs\\wt2\n");
        return CORDON_OK;
    }
    if (!cordon__streq_nocase(path, "C:\\work\\wt\\.git"))
        return cordon__fail(CORDON_ERR_PATH, "no file %s", path);
    *out = cordon__strdup("gitdir: C:\\work\\app\\.git\\worktrees\\wt\r\n");
    return CORDON_OK;
}

static const char *const sysdirs[] = {"C:\\", "C:\\Windows", "C:\\Program Files", "C:\\Users", NULL};

static void fake_host(struct cordon__host *h, int with_secret)
{
    memset(h, 0, sizeof *h);
    h->os = CORDON__OS_WINDOWS;
    h->home = "C:\\Users\\me";
    h->system_dirs = sysdirs;
    h->tmp_base = "C:\\Users\\me\\AppData\\Local\\Temp";
    h->shim_dir = "C:\\Users\\me\\AppData\\Local\\cordon\\shims";
    h->run_id = "42-abcdef";
    h->user_sid = "S-1-5-21-1-2-3-1001";
    h->user_secret = with_secret ? secret : NULL;
    h->user_secret_len = with_secret ? sizeof secret : 0;
    h->realpath = fake_realpath;
    h->path_kind = fake_kind;
    h->read_text = fake_read;
}

static cordon_policy *workspace_policy(void)
{
    cordon_policy *p = NULL;
    static const char *const prot[] = {".git", ".cordon", ".codex", ".agents"};
    size_t i;
    CHECK(cordon_policy_new(&p) == CORDON_OK);
    if (!p)
        return NULL;
    CHECK(cordon_policy_set_mode(p, CORDON_MODE_WORKSPACE_WRITE) == CORDON_OK);
    CHECK(cordon_policy_clear_writable_roots(p) == CORDON_OK);
    CHECK(cordon_policy_add_writable_root(p, "C:\\work\\app") == CORDON_OK);
    CHECK(cordon_policy_add_writable_root(p, "C:\\work\\wt") == CORDON_OK);
    CHECK(cordon_policy_clear_protected_paths(p) == CORDON_OK);
    for (i = 0; i < 4; i++)
        CHECK(cordon_policy_add_protected_path(p, prot[i]) == CORDON_OK);
    CHECK(cordon_policy_set_private_tmp(p, 1) == CORDON_OK);
    return p;
}

static const struct cordon__win_ace *find_ace(const struct cordon__plan_windows *wp,
                                              const char *path, const char *sid,
                                              enum cordon__win_ace_type type)
{
    size_t i;
    for (i = 0; i < wp->n_aces; i++)
        if (cordon__streq_nocase(wp->aces[i].path, path) && strcmp(wp->aces[i].sid, sid) == 0 &&
            wp->aces[i].type == type)
            return &wp->aces[i];
    return NULL;
}

static void check_workspace_plan(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = workspace_policy();
    const struct cordon__plan_windows *wp = &plan.windows_plan;
    const struct cordon__win_ace *a;
    const unsigned CI_OI = CORDON__WIN_CONTAINER_INHERIT | CORDON__WIN_OBJECT_INHERIT;
    char sid_app[CORDON__WIN_SID_MAX], sid_wt[CORDON__WIN_SID_MAX];
    size_t i, n_allow_roots = 0;

    fake_host(&h, 1);
    if (!p)
        return;
    CHECK_MSG(cordon__plan_compile(p, "C:\\work\\app", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    CHECK(plan.os == CORDON__OS_WINDOWS);
    CHECK(wp->sandboxed);
    CHECK(!wp->secret_placeholder);
    CHECK(wp->root_sids.n == 2);
    cordon__win_derive_sid(secret, sizeof secret, "root", "C:\\work\\app", sid_app);
    cordon__win_derive_sid(secret, sizeof secret, "root", "C:\\work\\wt", sid_wt);
    CHECK_STR(wp->root_sids.v[0], sid_app);
    CHECK_STR(wp->root_sids.v[1], sid_wt);
    CHECK(strcmp(sid_app, sid_wt) != 0);
    CHECK(wp->tmp_sid && cordon__win_is_cordon_sid(wp->tmp_sid));
    CHECK(wp->run_sid && wp->tmp_sid && strcmp(wp->run_sid, wp->tmp_sid) == 0);

    /* Allow ACEs on the roots: inheritable, read/write/execute/delete,
     * never FILE_DELETE_CHILD, persistent. */
    a = find_ace(wp, "C:\\work\\app", sid_app, CORDON__WIN_ACE_ALLOW);
    CHECK(a != NULL);
    if (a) {
        CHECK(a->mask == CORDON__WIN_ALLOW_MASK);
        CHECK(a->mask == 0x001301bfUL);
        CHECK(!(a->mask & CORDON__WIN_FILE_DELETE_CHILD));
        CHECK(a->inherit == CI_OI);
        CHECK(a->persistent);
        CHECK(!a->create_dir);
    }
    for (i = 0; i < wp->n_aces; i++) {
        if (wp->aces[i].type == CORDON__WIN_ACE_ALLOW && wp->aces[i].persistent) {
            n_allow_roots++;
            CHECK(!(wp->aces[i].mask & CORDON__WIN_FILE_DELETE_CHILD));
        }
    }
    CHECK(n_allow_roots == 2);
    /* The run's temp dir: its own SID, not persistent, created by the run. */
    a = find_ace(wp, plan.tmp_dir, wp->tmp_sid, CORDON__WIN_ACE_ALLOW);
    CHECK(a && !a->persistent && a->create_dir && a->inherit == CI_OI);
    CHECK_CONTAINS(plan.tmp_dir, "C:\\Users\\me\\AppData\\Local\\Temp\\cordon-run-42-abcdef");

    /* Deny ACEs: the existing .git dir, inheritable, with every write bit
     * and FILE_DELETE_CHILD, but not SYNCHRONIZE. */
    a = find_ace(wp, "C:\\work\\app\\.git", sid_app, CORDON__WIN_ACE_DENY);
    CHECK(a != NULL);
    if (a) {
        CHECK(a->mask == CORDON__WIN_DENY_MASK);
        CHECK(a->mask == 0x00010156UL);
        CHECK(!(a->mask & CORDON__WIN_READ_CONTROL));
        CHECK(a->mask & CORDON__WIN_FILE_DELETE_CHILD);
        CHECK(a->mask & CORDON__WIN_DELETE);
        CHECK(a->mask & CORDON__WIN_FILE_WRITE_DATA);
        CHECK(a->mask & CORDON__WIN_FILE_APPEND_DATA);
        CHECK(a->mask & CORDON__WIN_FILE_WRITE_ATTRIBUTES);
        CHECK(a->mask & CORDON__WIN_FILE_WRITE_EA);
        CHECK(!(a->mask & CORDON__WIN_SYNCHRONIZE));
        CHECK(a->inherit == CI_OI);
        CHECK(a->persistent && !a->create_dir);
    }
    /* The .git file of the worktree (no inheritance on a file), and the
     * gitdir target it names, which lies in the other root. */
    a = find_ace(wp, "C:\\work\\wt\\.git", sid_wt, CORDON__WIN_ACE_DENY);
    CHECK(a && a->inherit == 0 && !a->create_dir);
    a = find_ace(wp, "C:\\work\\app\\.git\\worktrees\\wt", sid_wt, CORDON__WIN_ACE_DENY);
    CHECK(a && a->inherit == CI_OI && !a->create_dir);
    CHECK_CONTAINS(a ? a->why : NULL, "git directory");
    /* ... and since it lies inside the app root too, for that SID also. */
    CHECK(find_ace(wp, "C:\\work\\app\\.git\\worktrees\\wt", sid_app, CORDON__WIN_ACE_DENY));
    /* Missing protected paths: denied and created empty so that they hold. */
    a = find_ace(wp, "C:\\work\\app\\.codex", sid_app, CORDON__WIN_ACE_DENY);
    CHECK(a && a->create_dir && a->inherit == CI_OI && !a->persistent);
    /* The root that holds protected paths: not deleted or renamed itself,
     * nothing deleted through it (explicit, not inherited), for its SID. */
    a = find_ace(wp, "C:\\work\\app", sid_app, CORDON__WIN_ACE_DENY);
    CHECK(a && a->mask == CORDON__WIN_ANCESTOR_DENY_MASK && a->inherit == 0 && a->persistent &&
          !a->create_dir);
    CHECK(a && a->mask == (0x00010000UL | 0x0040UL));
    CHECK(find_ace(wp, "C:\\work\\wt", sid_wt, CORDON__WIN_ACE_DENY) != NULL);
    /* Inside .git, the inherited deny covers the gitdir target's parents. */
    CHECK(find_ace(wp, "C:\\work\\app\\.git\\worktrees", sid_wt, CORDON__WIN_ACE_DENY) == NULL);
    CHECK(find_ace(wp, "C:\\work\\app\\.git\\worktrees", sid_app, CORDON__WIN_ACE_DENY) == NULL);
    CHECK(find_ace(wp, "C:\\work\\wt\\.agents", sid_wt, CORDON__WIN_ACE_DENY) != NULL);
    CHECK(find_ace(wp, "C:\\work\\app\\.cordon", sid_app, CORDON__WIN_ACE_DENY) != NULL);
    /* A protected path of one root is not denied for an unrelated root. */
    CHECK(find_ace(wp, "C:\\work\\app\\.codex", sid_wt, CORDON__WIN_ACE_DENY) == NULL);

    /* No grant on the null device (a system object, shared until reboot). */
    for (i = 0; i < wp->n_aces; i++)
        CHECK(strstr(wp->aces[i].path, "NUL") == NULL);

    /* The token. */
    CHECK(wp->token_flags == (CORDON__WIN_DISABLE_MAX_PRIVILEGE | CORDON__WIN_LUA_TOKEN |
                              CORDON__WIN_WRITE_RESTRICTED));
    CHECK(wp->restricting_sids.n == 6);
    if (wp->restricting_sids.n == 6) {
        CHECK_STR(wp->restricting_sids.v[0], sid_app);
        CHECK_STR(wp->restricting_sids.v[1], sid_wt);
        CHECK_STR(wp->restricting_sids.v[2], wp->run_sid);
        CHECK_STR(wp->restricting_sids.v[3], wp->sandbox_sid);
        CHECK_STR(wp->restricting_sids.v[4], CORDON__WIN_LOGON_SID_MARK);
        CHECK_STR(wp->restricting_sids.v[5], "S-1-1-0");
    }
    /* The sandbox SID is never granted anything, and is the same for
     * every root. */
    CHECK(wp->sandbox_sid && cordon__win_is_cordon_sid(wp->sandbox_sid));
    for (i = 0; i < wp->n_aces; i++)
        CHECK(wp->aces[i].type == CORDON__WIN_ACE_DENY ||
              strcmp(wp->aces[i].sid, wp->sandbox_sid) != 0);
    /* ... but denied every protected path and its parents, so that no
     * sandbox of this user (another root's included) writes there. */
    a = find_ace(wp, "C:\\work\\app\\.git", wp->sandbox_sid, CORDON__WIN_ACE_DENY);
    CHECK(a && a->mask == CORDON__WIN_DENY_MASK && a->inherit == CI_OI && a->persistent);
    a = find_ace(wp, "C:\\work\\app\\.codex", wp->sandbox_sid, CORDON__WIN_ACE_DENY);
    CHECK(a && a->create_dir && !a->persistent);
    a = find_ace(wp, "C:\\work\\app", wp->sandbox_sid, CORDON__WIN_ACE_DENY);
    CHECK(a && a->mask == CORDON__WIN_ANCESTOR_DENY_MASK && a->inherit == 0);
    CHECK(!cordon__strv_contains(&wp->default_dacl_sids, wp->sandbox_sid));
    /* The default DACL: the user, SYSTEM and this run's SIDs, exactly;
     * never Everyone nor the logon SID (restricting SIDs of every sandbox
     * token of the session). */
    CHECK(wp->default_dacl_sids.n == 5);
    CHECK(cordon__strv_contains(&wp->default_dacl_sids, "S-1-5-21-1-2-3-1001"));
    CHECK(cordon__strv_contains(&wp->default_dacl_sids, "S-1-5-18"));
    CHECK(cordon__strv_contains(&wp->default_dacl_sids, sid_app));
    CHECK(cordon__strv_contains(&wp->default_dacl_sids, sid_wt));
    CHECK(cordon__strv_contains(&wp->default_dacl_sids, wp->run_sid));
    CHECK(!cordon__strv_contains(&wp->default_dacl_sids, CORDON__WIN_LOGON_SID_MARK));
    CHECK(!cordon__strv_contains(&wp->default_dacl_sids, "S-1-1-0"));

    /* The launch: a private desktop, every job UI restriction, no console
     * window of the caller's. */
    CHECK(wp->private_desktop);
    CHECK(wp->job_ui_limits == 0xffUL);
    CHECK(wp->creation_flags & 0x08000000UL);

    /* Everyone-hole candidates: system dirs and the temp base, not roots. */
    CHECK(cordon__strv_contains(&wp->hole_candidates, "C:\\"));
    CHECK(cordon__strv_contains(&wp->hole_candidates, "C:\\Users\\me\\AppData\\Local\\Temp"));
    CHECK(!cordon__strv_contains(&wp->hole_candidates, "C:\\work\\app"));

    /* The whole plan prints as JSON with the Windows part. */
    {
        struct cordon__json j;
        char *s;
        memset(&j, 0, sizeof j);
        cordon__plan_json(&plan, &j);
        s = cordon__buf_take(&j.out);
        CHECK_CONTAINS(s, "\"windows\":{\"sandboxed\":true");
        CHECK_CONTAINS(s, "\"WRITE_RESTRICTED\"");
        CHECK_CONTAINS(s, "\"restricting_sids\":[\"S-1-5-21-1668248164-");
        CHECK_CONTAINS(s, "\"type\":\"deny\"");
        CHECK_CONTAINS(s, "\"mask\":\"0x001301bf\"");
        CHECK_CONTAINS(s, "\"sids_are_placeholders\":false");
        CHECK_CONTAINS(s, "\"private_desktop\":true");
        CHECK_CONTAINS(s, "\"job_ui_limits\":[\"HANDLES\",\"READCLIPBOARD\",\"WRITECLIPBOARD\","
                          "\"SYSTEMPARAMETERS\",\"DISPLAYSETTINGS\",\"GLOBALATOMS\",\"DESKTOP\","
                          "\"EXITWINDOWS\"]");
        free(s);
    }
    cordon__plan_free(&plan);

    /* Same policy again: the same SIDs (no growth across runs). */
    CHECK(cordon__plan_compile(p, "C:\\work\\app", &h, &plan) == CORDON_OK);
    CHECK(wp->root_sids.n == 2 && strcmp(wp->root_sids.v[0], sid_app) == 0);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

static void check_other_plans(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = workspace_policy();
    struct cordon__json j;
    char *s;

    if (!p)
        return;
    /* No secret (explain for Windows from another OS): placeholders, said so. */
    fake_host(&h, 0);
    CHECK(cordon__plan_compile(p, "C:\\work\\app", &h, &plan) == CORDON_OK);
    CHECK(plan.windows_plan.secret_placeholder);
    memset(&j, 0, sizeof j);
    cordon__plan_windows_json(&plan.windows_plan, &j);
    s = cordon__buf_take(&j.out);
    CHECK_CONTAINS(s, "\"sids_are_placeholders\":true");
    CHECK_CONTAINS(s, "placeholders");
    free(s);
    cordon__plan_free(&plan);

    /* Full access: nothing to grant, no token. */
    fake_host(&h, 1);
    CHECK(cordon_policy_set_mode(p, CORDON_MODE_FULL_ACCESS) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "C:\\work\\app", &h, &plan) == CORDON_OK);
    CHECK(!plan.windows_plan.sandboxed);
    CHECK(plan.windows_plan.n_aces == 0);
    CHECK(plan.windows_plan.restricting_sids.n == 0);
    cordon__plan_free(&plan);

    /* Read-only: no root allows, but still a restricted token (only the
     * temp dir writable) and the NUL grant. */
    CHECK(cordon_policy_set_mode(p, CORDON_MODE_READ_ONLY) == CORDON_OK);
    CHECK(cordon__plan_compile(p, "C:\\work\\app", &h, &plan) == CORDON_OK);
    CHECK(plan.windows_plan.sandboxed);
    CHECK(plan.windows_plan.root_sids.n == 0);
    CHECK(plan.windows_plan.token_flags & CORDON__WIN_WRITE_RESTRICTED);
    CHECK(plan.windows_plan.restricting_sids.n == 4);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

/* A .git file naming a git directory that does not exist, inside a
 * root: its highest missing ancestor is held like a missing protected
 * path, for the SIDs of the roots containing it. */
static void check_missing_gitdir(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = NULL;
    const struct cordon__win_ace *a;
    char sid_app[CORDON__WIN_SID_MAX];

    fake_host(&h, 1);
    CHECK(cordon_policy_new(&p) == CORDON_OK);
    if (!p)
        return;
    CHECK(cordon_policy_set_mode(p, CORDON_MODE_WORKSPACE_WRITE) == CORDON_OK);
    CHECK(cordon_policy_clear_writable_roots(p) == CORDON_OK);
    CHECK(cordon_policy_add_writable_root(p, "C:\\work\\wt2") == CORDON_OK);
    CHECK(cordon_policy_add_writable_root(p, "C:\\work\\app") == CORDON_OK);
    CHECK(cordon_policy_clear_protected_paths(p) == CORDON_OK);
    CHECK(cordon_policy_add_protected_path(p, ".git") == CORDON_OK);
    CHECK_MSG(cordon__plan_compile(p, "C:\\work\\wt2", &h, &plan) == CORDON_OK, "%s",
              cordon_last_error());
    cordon__win_derive_sid(secret, sizeof secret, "root", "C:\\work\\app", sid_app);
    a = find_ace(&plan.windows_plan, "C:\\work\\app\\gitdirs", sid_app, CORDON__WIN_ACE_DENY);
    CHECK_MSG(a != NULL, "the missing gitdir target's highest missing ancestor is not held");
    if (a) {
        CHECK(a->create_dir);
        CHECK(!a->persistent);
        CHECK(a->inherit == (CORDON__WIN_CONTAINER_INHERIT | CORDON__WIN_OBJECT_INHERIT));
        CHECK(a->mask == CORDON__WIN_DENY_MASK);
        CHECK_CONTAINS(a->why, "missing git directory");
    }
    /* Not the target itself: only one directory is made, under an
     * existing parent. */
    CHECK(find_ace(&plan.windows_plan, "C:\\work\\app\\gitdirs\\wt2", sid_app,
                   CORDON__WIN_ACE_DENY) == NULL);
    /* Its parent, the app root, cannot be used to delete or rename it. */
    CHECK(find_ace(&plan.windows_plan, "C:\\work\\app", sid_app, CORDON__WIN_ACE_DENY) != NULL);
    cordon__plan_free(&plan);
    cordon_policy_free(p);
}

/* Only name-surrogate reparse points are links: a OneDrive folder (a
 * Cloud Files placeholder) is a directory. */
static void check_reparse(void)
{
    CHECK(cordon__win_reparse_is_link(0xA000000CUL));  /* IO_REPARSE_TAG_SYMLINK */
    CHECK(cordon__win_reparse_is_link(0xA0000003UL));  /* IO_REPARSE_TAG_MOUNT_POINT */
    CHECK(cordon__win_reparse_is_link(0xA000001DUL));  /* IO_REPARSE_TAG_LX_SYMLINK */
    CHECK(!cordon__win_reparse_is_link(0x9000001AUL)); /* IO_REPARSE_TAG_CLOUD */
    CHECK(!cordon__win_reparse_is_link(0x9000601AUL)); /* IO_REPARSE_TAG_CLOUD_6 */
    CHECK(!cordon__win_reparse_is_link(0x80000013UL)); /* IO_REPARSE_TAG_DEDUP */
    CHECK(!cordon__win_reparse_is_link(0x8000001BUL)); /* IO_REPARSE_TAG_APPEXECLINK */
}

/* Roots below the Windows directory or Program Files are refused. */
static void check_system_roots(void)
{
    static const char *const bad[] = {"C:\\Program Files\\Tool\\src", "C:\\Windows\\Temp\\ws"};
    struct cordon__host h;
    struct cordon__plan plan;
    size_t i;
    fake_host(&h, 1);
    for (i = 0; i < 2; i++) {
        cordon_policy *p = NULL;
        CHECK(cordon_policy_new(&p) == CORDON_OK);
        if (!p)
            return;
        CHECK(cordon_policy_set_mode(p, CORDON_MODE_WORKSPACE_WRITE) == CORDON_OK);
        CHECK(cordon_policy_clear_writable_roots(p) == CORDON_OK);
        CHECK(cordon_policy_add_writable_root(p, bad[i]) == CORDON_OK);
        CHECK_MSG(cordon__plan_compile(p, bad[i], &h, &plan) == CORDON_ERR_POLICY_INVALID,
                  "root %s was accepted", bad[i]);
        CHECK_CONTAINS(cordon_last_error(), "installed programs");
        cordon_policy_free(p);
    }
}

/* Console handles are never passed to the command; anything else is. */
static void check_stdio_plan(void)
{
    static const int none[3] = {0, 0, 0}, all[3] = {1, 1, 1}, in_only[3] = {1, 0, 0};
    enum cordon__win_stdio m[3];
    cordon__win_stdio_plan(none, m);
    CHECK(m[0] == CORDON__WIN_STDIO_PASS && m[1] == CORDON__WIN_STDIO_PASS &&
          m[2] == CORDON__WIN_STDIO_PASS);
    cordon__win_stdio_plan(all, m);
    CHECK(m[0] == CORDON__WIN_STDIO_RELAY && m[1] == CORDON__WIN_STDIO_RELAY &&
          m[2] == CORDON__WIN_STDIO_RELAY);
    cordon__win_stdio_plan(in_only, m);
    CHECK(m[0] == CORDON__WIN_STDIO_RELAY && m[1] == CORDON__WIN_STDIO_PASS);
}

/* The guard of the user's desktop: which SID, which rights, which
 * objects, and when an ACE read back counts as there (first). */
static void check_desktop_guard(void)
{
    struct cordon__host h;
    struct cordon__plan plan;
    cordon_policy *p = workspace_policy();
    const struct cordon__plan_windows *wp = &plan.windows_plan;
    const struct cordon__win_ui_deny *ws = NULL, *inh = NULL, *def = NULL, *input = NULL;
    const unsigned long dwrite =
        CORDON__WIN_DESKTOP_CREATEWINDOW | CORDON__WIN_DESKTOP_CREATEMENU |
        CORDON__WIN_DESKTOP_HOOKCONTROL | CORDON__WIN_DESKTOP_JOURNALRECORD |
        CORDON__WIN_DESKTOP_JOURNALPLAYBACK | CORDON__WIN_DESKTOP_WRITEOBJECTS;
    const unsigned long wwrite = CORDON__WIN_WINSTA_ACCESSCLIPBOARD |
                                 CORDON__WIN_WINSTA_CREATEDESKTOP |
                                 CORDON__WIN_WINSTA_WRITEATTRIBUTES;
    const unsigned long owner = CORDON__WIN_DELETE | CORDON__WIN_WRITE_DAC | CORDON__WIN_WRITE_OWNER;
    size_t i;

    fake_host(&h, 1);
    if (!p)
        return;
    CHECK(cordon__plan_compile(p, "C:\\work\\app", &h, &plan) == CORDON_OK);
    CHECK(wp->n_ui_guard == 4);
    for (i = 0; i < wp->n_ui_guard; i++) {
        const struct cordon__win_ui_deny *g = &wp->ui_guard[i];
        if (g->object == CORDON__WIN_UI_WINSTA && g->inherit == 0)
            ws = g;
        else if (g->object == CORDON__WIN_UI_WINSTA)
            inh = g;
        else if (g->object == CORDON__WIN_UI_DEFAULT)
            def = g;
        else if (g->object == CORDON__WIN_UI_INPUT)
            input = g;
    }
    CHECK(ws && inh && def && input);
    if (!ws || !inh || !def || !input)
        goto done;
    /* The desktop taking input, when not Default: as Default. */
    CHECK(input->mask == def->mask && input->inherit == 0);
    /* Desktop: every GENERIC_WRITE right and the owner-class rights;
     * never the reads, SWITCHDESKTOP or READ_CONTROL. */
    CHECK(def->mask == (dwrite | owner));
    CHECK(def->mask == 0x000d00beUL);
    CHECK(!(def->mask & (CORDON__WIN_DESKTOP_READOBJECTS | CORDON__WIN_DESKTOP_ENUMERATE |
                         CORDON__WIN_DESKTOP_SWITCHDESKTOP | CORDON__WIN_READ_CONTROL |
                         CORDON__WIN_SYNCHRONIZE)));
    CHECK(def->inherit == 0);
    /* Window station: its GENERIC_WRITE rights and the owner-class ones. */
    CHECK(ws->mask == (wwrite | owner));
    CHECK(ws->mask == 0x000d001cUL);
    CHECK(!(ws->mask & (CORDON__WIN_WINSTA_ENUMDESKTOPS | CORDON__WIN_WINSTA_READATTRIBUTES |
                        CORDON__WIN_WINSTA_ENUMERATE | CORDON__WIN_WINSTA_READSCREEN |
                        CORDON__WIN_READ_CONTROL)));
    /* Inherited by desktops made later: the desktop's rights,
     * inherit-only (not the window station's own, whose bits mean other
     * rights). */
    CHECK(inh->mask == def->mask);
    CHECK(inh->inherit == (CORDON__WIN_OBJECT_INHERIT | CORDON__WIN_CONTAINER_INHERIT |
                           CORDON__WIN_INHERIT_ONLY));

    /* The SID is the sandbox SID: a restricting SID of every sandbox token
     * of the user, never a root's, the run's, the logon SID or Everyone
     * (which ordinary tokens carry), and granted nothing. */
    CHECK(wp->sandbox_sid && cordon__win_is_cordon_sid(wp->sandbox_sid));
    CHECK(cordon__strv_contains(&wp->restricting_sids, wp->sandbox_sid));
    CHECK(strcmp(wp->sandbox_sid, wp->run_sid) != 0);
    for (i = 0; i < wp->root_sids.n; i++)
        CHECK(strcmp(wp->sandbox_sid, wp->root_sids.v[i]) != 0);
    CHECK(!cordon__strv_contains(&wp->default_dacl_sids, wp->sandbox_sid));

    /* When an ACE read back counts as there. */
    {
        const char *me = wp->sandbox_sid, *logon = "S-1-5-5-0-12345", *other = wp->run_sid;
        struct cordon__win_ace_view first[] = {
            {CORDON__WIN_ACE_DENY, 0, me, 0x000d00beUL},
            {CORDON__WIN_ACE_ALLOW, 0, logon, 0x000f01ffUL}};
        struct cordon__win_ace_view after_allow[] = {
            {CORDON__WIN_ACE_ALLOW, 0, logon, 0x000f01ffUL},
            {CORDON__WIN_ACE_DENY, 0, me, 0x000d00beUL}};
        struct cordon__win_ace_view behind_denies[] = {
            {CORDON__WIN_ACE_DENY, 0, other, 0x1UL},
            {CORDON__WIN_ACE_DENY, 0, me, 0x000f01ffUL},
            {CORDON__WIN_ACE_ALLOW, 0, logon, 0x000f01ffUL}};
        struct cordon__win_ace_view narrower[] = {
            {CORDON__WIN_ACE_DENY, 0, me, CORDON__WIN_DESKTOP_JOURNALPLAYBACK},
            {CORDON__WIN_ACE_ALLOW, 0, logon, 0x000f01ffUL}};
        struct cordon__win_ace_view other_sid[] = {
            {CORDON__WIN_ACE_DENY, 0, other, 0x000d00beUL},
            {CORDON__WIN_ACE_ALLOW, 0, logon, 0x000f01ffUL}};
        struct cordon__win_ace_view inherit_only[] = {
            {CORDON__WIN_ACE_DENY, 0x0bU, me, 0x000d00beUL},
            {CORDON__WIN_ACE_ALLOW, 0, logon, 0x000f01ffUL}};
        struct cordon__win_ace_view inherited[] = {
            {CORDON__WIN_ACE_DENY, CORDON__WIN_INHERITED, me, 0x000d00beUL}};
        struct cordon__win_ace_view odd_type_first[] = {
            {-1, 0, logon, 0x000f01ffUL},
            {CORDON__WIN_ACE_DENY, 0, me, 0x000d00beUL}};
        CHECK(cordon__win_ui_deny_present(first, 2, me, def) == 1);
        CHECK(cordon__win_ui_deny_present(first, 0, me, def) == 0); /* empty DACL */
        CHECK(cordon__win_ui_deny_present(after_allow, 2, me, def) == 0);
        CHECK(cordon__win_ui_deny_present(behind_denies, 3, me, def) == 1); /* wider is fine */
        CHECK(cordon__win_ui_deny_present(narrower, 2, me, def) == 0);
        CHECK(cordon__win_ui_deny_present(other_sid, 2, me, def) == 0);
        /* Effective and inherit-only ACEs are told apart, both ways. */
        CHECK(cordon__win_ui_deny_present(inherit_only, 2, me, def) == 0);
        CHECK(cordon__win_ui_deny_present(inherit_only, 2, me, inh) == 1);
        CHECK(cordon__win_ui_deny_present(first, 2, me, inh) == 0);
        CHECK(cordon__win_ui_deny_present(inherited, 1, me, def) == 0);
        CHECK(cordon__win_ui_deny_present(odd_type_first, 2, me, def) == 0);
    }

    /* Explain shows it. */
    {
        struct cordon__json j;
        char *s;
        memset(&j, 0, sizeof j);
        cordon__plan_json(&plan, &j);
        s = cordon__buf_take(&j.out);
        CHECK_CONTAINS(s, "\"desktop_guard\":{\"sid\":\"S-1-5-21-1668248164-");
        CHECK_CONTAINS(s, "\"object\":\"window station\\\\Default\",\"type\":\"deny\","
                          "\"mask\":\"0x000d00be\"");
        CHECK_CONTAINS(s, "\"mask\":\"0x000d001c\"");
        CHECK_CONTAINS(s, "\"INHERIT_ONLY_ACE\"");
        CHECK_CONTAINS(s, "\"object\":\"input desktop\"");
        free(s);
    }
done:
    cordon__plan_free(&plan);
    cordon_policy_free(p);

    /* Full access: nothing to guard. */
    CHECK(cordon_policy_builtin("full-access", &p) == CORDON_OK);
    if (p) {
        CHECK(cordon__plan_compile(p, "C:\\work\\app", &h, &plan) == CORDON_OK);
        CHECK(wp->n_ui_guard == 0);
        cordon__plan_free(&plan);
        cordon_policy_free(p);
    }
}

int main(void)
{
    check_missing_gitdir();
    check_stdio_plan();
    check_reparse();
    check_system_roots();
    check_workspace_plan();
    check_other_plans();
    check_desktop_guard();
    TEST_MAIN_END();
}
