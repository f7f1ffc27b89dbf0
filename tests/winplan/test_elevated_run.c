/* The Windows elevated tier's run as data, on any host
 * (core/elevated_windows_run.c): the sandbox group's ACEs beside the
 * unelevated plan's (an allow beside each root's and the temp dir's, a
 * deny beside each deny of the sandbox SID, nothing else), the restricting
 * SIDs in the request, the runner's token from a request (and the
 * requests it refuses), what the runner must confirm of the token it
 * built before the command starts (each property broken, refused), and
 * the tier SIDs counted as cordon's in the original DACLs. */
#include "core/fakehost.h"
#include "elevated_windows.h"
#include "elevated_windows_run.h"
#include "harness.h"
#include "app_plan.h"

#define GROUP "S-1-5-21-11-22-33-1012"
#define USER "S-1-5-21-11-22-33-1010"

static size_t count(const struct cordon__win_ace *a, size_t n, const char *sid, int type)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++)
        k += strcmp(a[i].sid, sid) == 0 && (int)a[i].type == type;
    return k;
}

static void grants(void)
{
    struct cordon__plan plan;
    const struct cordon__plan_windows *wp;
    struct cordon__win_ace *a = NULL;
    size_t n = 0, i, k, allows_done = 0;

    compile("workspace-write", &plan);
    wp = &plan.windows_plan;
    CHECK(cordon__win_elevated_aces(wp, GROUP, &a, &n) == CORDON_OK);
    /* Every ACE of the unelevated plan, in order, and the group's. */
    for (i = 0, k = 0; i < n && k < wp->n_aces; i++)
        if (strcmp(a[i].sid, wp->aces[k].sid) == 0 && a[i].type == wp->aces[k].type &&
            strcmp(a[i].path, wp->aces[k].path) == 0)
            k++;
    CHECK(k == wp->n_aces);
    /* An allow for the group on each root, the root SID's mask,
     * inheritance and lifetime (persistent: recorded for revoke), right
     * after the root's own. */
    CHECK(count(a, n, GROUP, CORDON__WIN_ACE_ALLOW) == plan.roots.n + (wp->tmp_sid ? 1 : 0));
    for (i = 0; i < n; i++) {
        if (strcmp(a[i].sid, GROUP) != 0)
            continue;
        CHECK(i > 0 && a[i - 1].type == a[i].type && a[i - 1].mask == a[i].mask &&
              a[i - 1].inherit == a[i].inherit && a[i - 1].persistent == a[i].persistent &&
              a[i - 1].create_dir == a[i].create_dir && strcmp(a[i - 1].path, a[i].path) == 0);
        if (a[i].type == CORDON__WIN_ACE_ALLOW) {
            CHECK(!allows_done);
            /* Never FILE_DELETE_CHILD on a root: it would delete .git
             * through its parent whatever .git's own deny says. */
            if (i > 0 && cordon__strv_contains(&wp->root_sids, a[i - 1].sid))
                CHECK((a[i].mask & CORDON__WIN_FILE_DELETE_CHILD) == 0 &&
                      a[i].mask == CORDON__WIN_ALLOW_MASK);
        } else {
            allows_done = 1;
            /* Each deny mirrors the sandbox SID's: .git and .cordon and
             * the directories holding them. */
            CHECK(strcmp(a[i - 1].sid, wp->sandbox_sid) == 0);
        }
    }
    CHECK(count(a, n, GROUP, CORDON__WIN_ACE_DENY) ==
          count(wp->aces, wp->n_aces, wp->sandbox_sid, CORDON__WIN_ACE_DENY));
    {
        int git = 0, anc = 0;
        for (i = 0; i < n; i++) {
            if (strcmp(a[i].sid, GROUP) != 0 || a[i].type != CORDON__WIN_ACE_DENY)
                continue;
            git |= strcmp(a[i].path, "C:\\work\\app\\.git") == 0 &&
                   a[i].mask == CORDON__WIN_DENY_MASK &&
                   a[i].inherit == (CORDON__WIN_CONTAINER_INHERIT | CORDON__WIN_OBJECT_INHERIT);
            anc |= strcmp(a[i].path, "C:\\work\\app") == 0 &&
                   a[i].mask == CORDON__WIN_ANCESTOR_DENY_MASK && a[i].inherit == 0;
        }
        CHECK(git);
        CHECK(anc);
    }
    /* Nothing for the group on the run SID's or anything else's ACEs. */
    CHECK(count(a, n, wp->run_sid, CORDON__WIN_ACE_ALLOW) ==
          count(wp->aces, wp->n_aces, wp->run_sid, CORDON__WIN_ACE_ALLOW));
    cordon__win_aces_free(a, n);
    /* No group SID known: refused, nothing planned. */
    CHECK(cordon__win_elevated_aces(wp, "", &a, &n) == CORDON_ERR_SETUP && !a && n == 0);
    cordon__plan_free(&plan);
    /* Read-only: no root, no allow; the protected paths still denied. */
    compile("read-only", &plan);
    CHECK(cordon__win_elevated_aces(&plan.windows_plan, GROUP, &a, &n) == CORDON_OK);
    CHECK(count(a, n, GROUP, CORDON__WIN_ACE_ALLOW) == (plan.windows_plan.tmp_sid ? 1u : 0u));
    cordon__win_aces_free(a, n);
    cordon__plan_free(&plan);
    /* Full access: nothing. */
    compile("full-access", &plan);
    CHECK(cordon__win_elevated_aces(&plan.windows_plan, GROUP, &a, &n) == CORDON_OK && n == 0);
    cordon__plan_free(&plan);
}

static void request_and_token(void)
{
    struct cordon__plan plan;
    struct cordon__ipc_msg m, d;
    struct cordon__plan_windows tp;
    struct cordon__buf b = {0};
    const char *argv[] = {"cmd.exe", "/c", "ver", NULL};
    const char *envp[] = {"PATH=C:\\Windows", NULL};
    size_t i, used = 0, need = 0;

    compile("workspace-write", &plan);
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SPAWN;
    CHECK(cordon__win_runner_request(&plan, argv, envp, "C:\\work\\app", &m.spawn) == CORDON_OK);
    CHECK(cordon__win_runner_request_sids(&plan, &m.spawn) == CORDON_OK);
    /* Each root's SID, the run's, the sandbox's: cordon's, derived from
     * the real user's secret, which the grants name. */
    CHECK(m.spawn.sids.n == plan.roots.n + 2);
    for (i = 0; i < plan.roots.n; i++)
        CHECK_STR(m.spawn.sids.v[i], plan.windows_plan.root_sids.v[i]);
    CHECK_STR(m.spawn.sids.v[plan.roots.n], plan.windows_plan.run_sid);
    CHECK_STR(m.spawn.sids.v[plan.roots.n + 1], plan.windows_plan.sandbox_sid);
    /* Through the wire and back. */
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    memset(&d, 0, sizeof d);
    CHECK(cordon__ipc_decode(b.p, b.len, &d, &used, &need) == CORDON_OK && used == b.len);
    cordon__buf_free(&b);
    CHECK(d.spawn.sids.n == m.spawn.sids.n);

    /* The runner's token: the unelevated flags, the request's SIDs then
     * the logon SID and Everyone; a default DACL for the sandbox user,
     * SYSTEM, the roots and the run, never the sandbox SID, the logon SID
     * or Everyone; its own desktop, every UI limit, no window. */
    CHECK(cordon__win_runner_token_plan(&d.spawn, USER, &tp) == CORDON_OK);
    CHECK(tp.sandboxed);
    CHECK(tp.token_flags == plan.windows_plan.token_flags);
    CHECK(tp.token_flags & CORDON__WIN_WRITE_RESTRICTED);
    CHECK(tp.restricting_sids.n == plan.windows_plan.restricting_sids.n);
    for (i = 0; i < tp.restricting_sids.n; i++)
        CHECK_STR(tp.restricting_sids.v[i], plan.windows_plan.restricting_sids.v[i]);
    CHECK_STR(tp.default_dacl_sids.v[0], USER);
    CHECK(cordon__strv_contains(&tp.default_dacl_sids, "S-1-5-18"));
    CHECK(cordon__strv_contains(&tp.default_dacl_sids, plan.windows_plan.run_sid));
    CHECK(cordon__strv_contains(&tp.default_dacl_sids, plan.windows_plan.root_sids.v[0]));
    CHECK(!cordon__strv_contains(&tp.default_dacl_sids, plan.windows_plan.sandbox_sid));
    CHECK(!cordon__strv_contains(&tp.default_dacl_sids, CORDON__WIN_EVERYONE_SID));
    CHECK(!cordon__strv_contains(&tp.default_dacl_sids, CORDON__WIN_LOGON_SID_MARK));
    /* The real user is not in it: the command runs as the sandbox user. */
    CHECK(!cordon__strv_contains(&tp.default_dacl_sids, "S-1-5-21-1-2-3-1001"));
    CHECK(tp.private_desktop && tp.job_ui_limits == CORDON__WIN_UILIMIT_ALL &&
          tp.creation_flags == CORDON__WIN_CREATE_NO_WINDOW);
    CHECK_STR(tp.run_sid, plan.windows_plan.run_sid);
    cordon__plan_windows_free(&tp);

    /* Refused: SIDs that do not match the roots, a SID not cordon's (the
     * Users group would let the token write wherever Users may), no user. */
    free(d.spawn.sids.v[--d.spawn.sids.n]);
    CHECK(cordon__win_runner_token_plan(&d.spawn, USER, &tp) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(cordon_last_error(), "it needs one per root, the run's and the sandbox's");
    CHECK(cordon__strv_push(&d.spawn.sids, "S-1-5-32-545") == CORDON_OK);
    CHECK(cordon__win_runner_token_plan(&d.spawn, USER, &tp) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(cordon_last_error(), "S-1-5-32-545 is not one of cordon's");
    CHECK(cordon__win_runner_token_plan(&m.spawn, "", &tp) == CORDON_ERR_INVALID_ARGUMENT);
    /* A request of a plan without SIDs cannot be made. */
    cordon__ipc_msg_free(&d);
    cordon__ipc_msg_free(&m);
    cordon__plan_free(&plan);
    compile("full-access", &plan);
    memset(&m, 0, sizeof m);
    CHECK(cordon__win_runner_request_sids(&plan, &m.spawn) == CORDON_ERR_INVALID_ARGUMENT);
    cordon__plan_free(&plan);
}

static void tier_sids(void)
{
    const char *sddl = "D:P(A;OICI;FA;;;S-1-5-21-9-9-9-1000)(A;OICI;0x1301bf;;;" GROUP ")"
                       "(A;OICI;0x1301bf;;;S-1-5-21-1668248164-1-2-3-4-5-6)";
    char *o;
    /* Not registered: the group's ACE is someone else's. */
    cordon__win_tier_sids_clear();
    CHECK(!cordon__win_is_cordon_ace_sid(GROUP));
    o = cordon__win_sddl_without_cordon(sddl);
    CHECK_CONTAINS(o, GROUP);
    free(o);
    /* Registered (the elevated prepare, or grants revoke from its
     * records): the original DACL leaves it out, as cordon's own. */
    cordon__win_tier_sid_register(GROUP);
    cordon__win_tier_sid_register(GROUP);
    cordon__win_tier_sid_register("not a sid");
    CHECK(cordon__win_is_cordon_ace_sid(GROUP));
    CHECK(!cordon__win_is_cordon_ace_sid("not a sid"));
    CHECK(!cordon__win_is_cordon_sid(GROUP));
    o = cordon__win_sddl_without_cordon(sddl);
    CHECK(o && !strstr(o, GROUP) && !strstr(o, "1668248164"));
    CHECK_CONTAINS(o, "S-1-5-21-9-9-9-1000");
    free(o);
    /* The wire never carries it: a request SID must be of cordon's form. */
    {
        struct cordon__ipc_msg m;
        struct cordon__buf b = {0};
        memset(&m, 0, sizeof m);
        m.type = CORDON__IPC_SPAWN;
        m.spawn.cwd = cordon__strdup("C:\\w");
        CHECK(cordon__strv_push(&m.spawn.argv, "x") == CORDON_OK);
        CHECK(cordon__strv_push(&m.spawn.sids, GROUP) == CORDON_OK);
        CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
        cordon__ipc_msg_free(&m);
        cordon__buf_free(&b);
    }
    cordon__win_tier_sids_clear();
}

static void explain(void)
{
    char *text = plan_json_of("workspace-write");
    CHECK_CONTAINS(text, "\"restricting_sids\":[\"S-1-5-21-1668248164-");
    CHECK_CONTAINS(text, "\"token_confirmed\":{\"restricting_sids\":\"exactly these, the runner's "
                         "logon SID and Everyone\",\"write_restricted\":true,\"no_member_of\":"
                         "[\"S-1-5-32-544\",");
    CHECK_CONTAINS(text, "\"elevated\":false,\"integrity\":\"0x2000\",\"privileges\":"
                         "[\"SeChangeNotifyPrivilege\"]");
    CHECK_CONTAINS(text, "\"sandbox_group_grants\":[{\"path\":\"C:\\\\work\\\\app\",\"sid\":"
                         "\"<SID of CordonSandboxUsers, recorded by setup>\",\"type\":\"allow\","
                         "\"mask\":\"0x001301bf\"");
    CHECK_CONTAINS(text, "\"path\":\"C:\\\\work\\\\app\\\\.git\",\"sid\":\"<SID of "
                         "CordonSandboxUsers, recorded by setup>\",\"type\":\"deny\"");
    free(text);
}

/* ---- the command's token, confirmed by the runner ---- */

#define LOGON "S-1-5-5-0-123456"

/* The facts of the token the runner builds for |tp| on real Windows as
 * the sandbox user USER: what cordon__win_token_verdict must accept. */
static void good_token(struct cordon__win_token_facts *f, const struct cordon__plan_windows *tp)
{
    size_t i;
    memset(f, 0, sizeof *f);
    snprintf(f->user, sizeof f->user, USER);
    snprintf(f->logon, sizeof f->logon, LOGON);
    f->restricted = 1;
    /* In another order than the plan's: a set. */
    for (i = tp->restricting_sids.n; i-- > 0;)
        CHECK(cordon__strv_push(&f->restricting,
                                strcmp(tp->restricting_sids.v[i], CORDON__WIN_LOGON_SID_MARK) == 0
                                    ? LOGON
                                    : tp->restricting_sids.v[i]) == CORDON_OK);
    CHECK(cordon__strv_push(&f->groups, USER) == CORDON_OK);
    CHECK(cordon__strv_push(&f->groups, "S-1-1-0") == CORDON_OK);
    CHECK(cordon__strv_push(&f->groups, "S-1-5-32-545") == CORDON_OK);
    CHECK(cordon__strv_push(&f->groups, "S-1-5-11") == CORDON_OK);
    CHECK(cordon__strv_push(&f->groups, LOGON) == CORDON_OK);
    f->integrity_rid = 0x2000;
    CHECK(cordon__strv_push(&f->privileges, "SeChangeNotifyPrivilege") == CORDON_OK);
    f->user_only_read = 1;
    f->both_write = 1;
}

typedef void (*token_breaker)(struct cordon__win_token_facts *);

static void refused(const struct cordon__plan_windows *tp, token_breaker b, const char *want)
{
    struct cordon__win_token_facts f;
    char why[512] = "";
    good_token(&f, tp);
    b(&f);
    CHECK_MSG(cordon__win_token_verdict(&f, tp, USER, why, sizeof why) == -1, "accepted despite %s",
              want);
    CHECK_CONTAINS(why, want);
    cordon__win_token_facts_free(&f);
}

#define TBREAK(name, stmt)                                                                   \
    static void name(struct cordon__win_token_facts *f)                                      \
    {                                                                                        \
        stmt;                                                                                \
    }
TBREAK(t_unread, snprintf(f->error, sizeof f->error, "GetTokenInformation(TokenGroups): error 5"))
TBREAK(t_other_user, snprintf(f->user, sizeof f->user, "S-1-5-21-1-2-3-1001"))
TBREAK(t_unrestricted, (f->restricted = 0, cordon__strv_free(&f->restricting)))
TBREAK(t_flag_only, f->restricted = 0)
TBREAK(t_users_added, CHECK(cordon__strv_push(&f->restricting, "S-1-5-32-545") == CORDON_OK))
TBREAK(t_everyone_missing, (free(f->restricting.v[0]), f->restricting.v[0] = cordon__strdup(LOGON)))
TBREAK(t_logon_missing, f->logon[0] = '\0')
TBREAK(t_read_restricted, f->user_only_read = 0)
TBREAK(t_not_write_restricted, f->user_only_write = 1)
TBREAK(t_control_fails, f->both_write = 0)
TBREAK(t_admins, CHECK(cordon__strv_push(&f->groups, "S-1-5-32-544") == CORDON_OK))
TBREAK(t_filtered_admin, CHECK(cordon__strv_push(&f->deny_only, "S-1-5-32-544") == CORDON_OK))
TBREAK(t_local_admin, CHECK(cordon__strv_push(&f->deny_only, "S-1-5-114") == CORDON_OK))
TBREAK(t_backup_ops, CHECK(cordon__strv_push(&f->groups, "S-1-5-32-551") == CORDON_OK))
TBREAK(t_elevated, f->elevated = 1)
TBREAK(t_high, f->integrity_rid = 0x3000)
TBREAK(t_low, f->integrity_rid = 0x1000)
TBREAK(t_system, f->integrity_rid = 0x4000)
TBREAK(t_restore_priv, CHECK(cordon__strv_push(&f->privileges, "SeRestorePrivilege") == CORDON_OK))
TBREAK(t_service_user, snprintf(f->user, sizeof f->user, "S-1-5-18"))

static void token_verdict(void)
{
    struct cordon__plan plan;
    struct cordon__ipc_msg m;
    struct cordon__plan_windows tp;
    struct cordon__win_token_facts f;
    const char *argv[] = {"cmd.exe", "/c", "ver", NULL};
    char why[512] = "x";

    compile("workspace-write", &plan);
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SPAWN;
    CHECK(cordon__win_runner_request(&plan, argv, NULL, "C:\\work\\app", &m.spawn) == CORDON_OK);
    CHECK(cordon__win_runner_request_sids(&plan, &m.spawn) == CORDON_OK);
    CHECK(cordon__win_runner_token_plan(&m.spawn, USER, &tp) == CORDON_OK);

    /* The token Windows builds for the plan: accepted. */
    good_token(&f, &tp);
    CHECK_MSG(cordon__win_token_verdict(&f, &tp, USER, why, sizeof why) == 0, "%s", why);
    CHECK_STR(why, "");
    /* Another deny-only group (what LUA_TOKEN or a filter may mark)
     * grants nothing and makes no member of a broad group: accepted. */
    CHECK(cordon__strv_push(&f.deny_only, "S-1-5-21-11-22-33-513") == CORDON_OK);
    CHECK_MSG(cordon__win_token_verdict(&f, &tp, USER, why, sizeof why) == 0, "%s", why);
    cordon__win_token_facts_free(&f);
    /* A runner without a logon SID (some service sessions) builds the
     * token without it: accepted when the token lacks it too. */
    good_token(&f, &tp);
    f.logon[0] = '\0';
    {
        size_t i;
        for (i = 0; i < f.restricting.n; i++)
            if (strcmp(f.restricting.v[i], LOGON) == 0) {
                free(f.restricting.v[i]);
                f.restricting.v[i] = f.restricting.v[--f.restricting.n];
                f.restricting.v[f.restricting.n] = NULL;
                break;
            }
    }
    CHECK_MSG(cordon__win_token_verdict(&f, &tp, USER, why, sizeof why) == 0, "%s", why);
    cordon__win_token_facts_free(&f);

    /* Each property the levels rest on, broken: refused, naming it. */
    refused(&tp, t_unread, "cannot be read back: GetTokenInformation(TokenGroups): error 5");
    refused(&tp, t_other_user, "is of S-1-5-21-1-2-3-1001, not of this runner's user " USER);
    refused(&tp, t_service_user, "is of S-1-5-18");
    refused(&tp, t_unrestricted, "holds no restricting SIDs (IsTokenRestricted is false)");
    refused(&tp, t_flag_only, "holds no restricting SIDs");
    refused(&tp, t_users_added, "holds the restricting SID S-1-5-32-545, which the plan does not name");
    refused(&tp, t_everyone_missing, "lacks the plan's restricting SID S-1-1-0");
    refused(&tp, t_logon_missing, "holds the restricting SID " LOGON);
    refused(&tp, t_read_restricted, "apply to reads too");
    refused(&tp, t_read_restricted, "refused read where its user is allowed");
    refused(&tp, t_not_write_restricted, "granted write where only its user is allowed");
    refused(&tp, t_control_fails, "cannot be confirmed");
    refused(&tp, t_admins, "holds the group S-1-5-32-544 (Administrators) for access, not deny-only");
    refused(&tp, t_filtered_admin, "is of a member of S-1-5-32-544 (Administrators, deny-only in "
                                   "this token)");
    refused(&tp, t_local_admin, "S-1-5-114 (Local account and member of Administrators group");
    refused(&tp, t_backup_ops, "S-1-5-32-551 (Backup Operators)");
    refused(&tp, t_elevated, "is elevated (TokenElevation)");
    refused(&tp, t_high, "integrity level 0x3000, the plan assumes medium (0x2000)");
    refused(&tp, t_low, "integrity level 0x1000");
    refused(&tp, t_system, "integrity level 0x4000");
    refused(&tp, t_restore_priv, "holds SeRestorePrivilege (DISABLE_MAX_PRIVILEGE leaves only "
                                 "SeChangeNotifyPrivilege)");
    /* What Wine reports for the token CreateRestrictedToken made there
     * (no restricting SID, every privilege, Administrators, elevated,
     * high integrity): refused at the first of them. */
    {
        good_token(&f, &tp);
        cordon__strv_free(&f.restricting);
        f.restricted = 0;
        f.user_only_write = 1;
        f.elevated = 1;
        f.integrity_rid = 0x3000;
        CHECK(cordon__strv_push(&f.groups, "S-1-5-32-544") == CORDON_OK);
        CHECK(cordon__strv_push(&f.privileges, "SeBackupPrivilege") == CORDON_OK);
        CHECK(cordon__win_token_verdict(&f, &tp, USER, why, sizeof why) == -1);
        CHECK_CONTAINS(why, "holds no restricting SIDs");
        cordon__win_token_facts_free(&f);
    }
    cordon__plan_windows_free(&tp);
    cordon__ipc_msg_free(&m);
    cordon__plan_free(&plan);
}

int main(void)
{
    explain();
    token_verdict();
    grants();
    request_and_token();
    tier_sids();
    TEST_MAIN_END();
}
