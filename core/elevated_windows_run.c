/* The Windows elevated tier's run as data: the grants for the sandbox
 * users, the restricting SIDs cordon sends, the runner's token. See
 * core/elevated_windows_run.h and docs/internals/windows-elevated.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated_windows.h"
#include "elevated_windows_run.h"

static cordon_error push_ace(struct cordon__win_ace **v, size_t *n, size_t *cap,
                             const struct cordon__win_ace *from, const char *sid)
{
    struct cordon__win_ace *a;
    if (*n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        struct cordon__win_ace *grown = realloc(*v, ncap * sizeof *grown);
        if (!grown)
            return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory planning the grants");
        *v = grown;
        *cap = ncap;
    }
    a = &(*v)[*n];
    *a = *from;
    a->path = cordon__strdup(from->path);
    a->sid = cordon__strdup(sid);
    if (!a->path || !a->sid) {
        free(a->path);
        free(a->sid);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory planning the grants");
    }
    (*n)++;
    return CORDON_OK;
}

/* 1 when |a| is the allow of a root SID or of the temp dir's SID. */
static int mirrored_allow(const struct cordon__plan_windows *wp, const struct cordon__win_ace *a)
{
    if (a->type != CORDON__WIN_ACE_ALLOW)
        return 0;
    return cordon__strv_contains(&wp->root_sids, a->sid) ||
           (wp->tmp_sid && strcmp(a->sid, wp->tmp_sid) == 0);
}

static int mirrored_deny(const struct cordon__plan_windows *wp, const struct cordon__win_ace *a)
{
    return a->type == CORDON__WIN_ACE_DENY && wp->sandbox_sid &&
           strcmp(a->sid, wp->sandbox_sid) == 0;
}

void cordon__win_aces_free(struct cordon__win_ace *a, size_t n)
{
    size_t i;
    for (i = 0; a && i < n; i++) {
        free(a[i].path);
        free(a[i].sid);
    }
    free(a);
}

cordon_error cordon__win_elevated_aces(const struct cordon__plan_windows *wp,
                                       const char *group_sid, struct cordon__win_ace **out,
                                       size_t *n)
{
    struct cordon__win_ace *v = NULL;
    size_t cnt = 0, cap = 0, i;
    cordon_error e = CORDON_OK;

    *out = NULL;
    *n = 0;
    if (!wp->sandboxed)
        return CORDON_OK;
    if (!group_sid || !group_sid[0])
        return cordon__fail(CORDON_ERR_SETUP, "the sandbox group's SID is not known");
    for (i = 0; i < wp->n_aces && e == CORDON_OK; i++) {
        const struct cordon__win_ace *a = &wp->aces[i];
        e = push_ace(&v, &cnt, &cap, a, a->sid);
        if (e == CORDON_OK && (mirrored_allow(wp, a) || mirrored_deny(wp, a)))
            e = push_ace(&v, &cnt, &cap, a, group_sid);
    }
    if (e != CORDON_OK) {
        cordon__win_aces_free(v, cnt);
        return e;
    }
    *out = v;
    *n = cnt;
    return CORDON_OK;
}

cordon_error cordon__win_runner_request_sids(const struct cordon__plan *plan,
                                             struct cordon__ipc_spawn *s)
{
    const struct cordon__plan_windows *wp = &plan->windows_plan;
    cordon_error e = CORDON_OK;
    size_t i;

    cordon__strv_free(&s->sids);
    if (!wp->sandboxed || !wp->run_sid || !wp->sandbox_sid ||
        wp->root_sids.n != plan->roots.n)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                            "the plan has no restricting SIDs for the runner");
    for (i = 0; i < wp->root_sids.n && e == CORDON_OK; i++)
        e = cordon__strv_push(&s->sids, wp->root_sids.v[i]);
    if (e == CORDON_OK)
        e = cordon__strv_push(&s->sids, wp->run_sid);
    if (e == CORDON_OK)
        e = cordon__strv_push(&s->sids, wp->sandbox_sid);
    if (e != CORDON_OK)
        cordon__strv_free(&s->sids);
    return e;
}

cordon_error cordon__win_runner_token_plan(const struct cordon__ipc_spawn *s, const char *user_sid,
                                           struct cordon__plan_windows *out)
{
    cordon_error e = CORDON_OK;
    size_t i, n_roots;

    memset(out, 0, sizeof *out);
    if (!user_sid || !user_sid[0])
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "the runner's user SID is not known");
    if (s->sids.n != s->roots.n + 2)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                            "the request carries %zu restricting SIDs for %zu roots; it needs one "
                            "per root, the run's and the sandbox's",
                            s->sids.n, s->roots.n);
    for (i = 0; i < s->sids.n; i++)
        if (!cordon__win_is_cordon_sid(s->sids.v[i]))
            return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                                "restricting SID %s is not one of cordon's", s->sids.v[i]);
    n_roots = s->roots.n;
    out->sandboxed = 1;
    out->token_flags =
        CORDON__WIN_DISABLE_MAX_PRIVILEGE | CORDON__WIN_LUA_TOKEN | CORDON__WIN_WRITE_RESTRICTED;
    for (i = 0; i < n_roots && e == CORDON_OK; i++)
        e = cordon__strv_push(&out->root_sids, s->sids.v[i]);
    if (e == CORDON_OK && (out->run_sid = cordon__strdup(s->sids.v[n_roots])) == NULL)
        e = CORDON_ERR_NO_MEMORY;
    if (e == CORDON_OK && (out->sandbox_sid = cordon__strdup(s->sids.v[n_roots + 1])) == NULL)
        e = CORDON_ERR_NO_MEMORY;
    for (i = 0; i < s->sids.n && e == CORDON_OK; i++)
        e = cordon__strv_push(&out->restricting_sids, s->sids.v[i]);
    if (e == CORDON_OK)
        e = cordon__strv_push(&out->restricting_sids, CORDON__WIN_LOGON_SID_MARK);
    if (e == CORDON_OK)
        e = cordon__strv_push(&out->restricting_sids, CORDON__WIN_EVERYONE_SID);
    /* Objects the command makes without an inherited DACL: the sandbox
     * user, SYSTEM and this run; not the sandbox SID, the logon SID or
     * Everyone, which other runs' tokens carry too. */
    if (e == CORDON_OK)
        e = cordon__strv_push(&out->default_dacl_sids, user_sid);
    if (e == CORDON_OK)
        e = cordon__strv_push(&out->default_dacl_sids, "S-1-5-18");
    for (i = 0; i <= n_roots && e == CORDON_OK; i++)
        if (!cordon__strv_contains(&out->default_dacl_sids, s->sids.v[i]))
            e = cordon__strv_push(&out->default_dacl_sids, s->sids.v[i]);
    out->private_desktop = 1;
    out->job_ui_limits = CORDON__WIN_UILIMIT_ALL;
    out->creation_flags = CORDON__WIN_CREATE_NO_WINDOW;
    if (e != CORDON_OK) {
        cordon__plan_windows_free(out);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory planning the runner's token");
    }
    return CORDON_OK;
}

/* ---- the command's token, confirmed ----------------------------------------- */

void cordon__win_token_facts_free(struct cordon__win_token_facts *f)
{
    if (!f)
        return;
    cordon__strv_free(&f->restricting);
    cordon__strv_free(&f->groups);
    cordon__strv_free(&f->deny_only);
    cordon__strv_free(&f->privileges);
}

/* Groups whose members Windows grants broad rights by default (write to
 * system directories, backup and restore, account or service control):
 * usable for access in the command's token, the first access check of a
 * write would pass where they are granted; deny-only, the user is still a
 * member. */
static const struct {
    const char *sid, *name;
} broad_groups[] = {
    {"S-1-5-32-544", "Administrators"},    {"S-1-5-32-547", "Power Users"},
    {"S-1-5-32-548", "Account Operators"}, {"S-1-5-32-549", "Server Operators"},
    {"S-1-5-32-550", "Print Operators"},   {"S-1-5-32-551", "Backup Operators"},
    /* Windows adds it to the token of a local account that is a member
     * of Administrators: the membership itself. */
    {"S-1-5-114", "Local account and member of Administrators group"},
};

static const char *const service_users[] = {"S-1-5-18", "S-1-5-19", "S-1-5-20"};

int cordon__win_token_verdict(const struct cordon__win_token_facts *f,
                              const struct cordon__plan_windows *wp, const char *user_sid,
                              char *why, size_t n)
{
    struct cordon__strv want = {0};
    size_t i;
    int rc = -1;

#define REFUSE(...)                                                                            do {                                                                                           snprintf(why, n, __VA_ARGS__);                                                             goto done;                                                                             } while (0)
    if (f->error[0])
        REFUSE("the command's token cannot be read back: %s", f->error);
    if (!user_sid || strcmp(f->user, user_sid) != 0)
        REFUSE("the command's token is of %s, not of this runner's user %s",
               f->user[0] ? f->user : "an unknown user", user_sid ? user_sid : "(unknown)");
    for (i = 0; i < sizeof service_users / sizeof service_users[0]; i++)
        if (strcmp(f->user, service_users[i]) == 0)
            REFUSE("the command's token is of the service account %s", f->user);
    /* The restricting SIDs: exactly the plan's, the logon mark resolved
     * as the token was built (left out when the runner has none). A
     * further one (Users, Authenticated Users) would widen the second
     * check of every write. */
    for (i = 0; i < wp->restricting_sids.n; i++) {
        const char *s = wp->restricting_sids.v[i];
        if (strcmp(s, CORDON__WIN_LOGON_SID_MARK) == 0)
            s = f->logon[0] ? f->logon : NULL;
        if (s && !cordon__strv_contains(&want, s) && cordon__strv_push(&want, s) != CORDON_OK)
            REFUSE("out of memory checking the command's token");
    }
    if (!f->restricted || f->restricting.n == 0)
        REFUSE("the command's token holds no restricting SIDs (IsTokenRestricted is false): "
               "writes would not be confined to the roots");
    for (i = 0; i < f->restricting.n; i++)
        if (!cordon__strv_contains(&want, f->restricting.v[i]))
            REFUSE("the command's token holds the restricting SID %s, which the plan does not "
                   "name", f->restricting.v[i]);
    for (i = 0; i < want.n; i++)
        if (!cordon__strv_contains(&f->restricting, want.v[i]))
            REFUSE("the command's token lacks the plan's restricting SID %s", want.v[i]);
    /* Write-restricted: the restricting SIDs decide writes only. */
    if (!f->user_only_read)
        REFUSE("the command's token is refused read where its user is allowed: its restricting "
               "SIDs apply to reads too, so it is not the plan's write-restricted token");
    if (f->user_only_write)
        REFUSE("the command's token is granted write where only its user is allowed: its "
               "restricting SIDs do not decide writes (not write-restricted)");
    if (!f->both_write)
        REFUSE("the command's token is refused write where its user and a restricting SID are "
               "both allowed, so its restriction cannot be confirmed");
    for (i = 0; i < f->groups.n; i++) {
        size_t k;
        for (k = 0; k < sizeof broad_groups / sizeof broad_groups[0]; k++)
            if (strcmp(f->groups.v[i], broad_groups[k].sid) == 0)
                REFUSE("the command's token holds the group %s (%s) for access, not deny-only: "
                       "the sandbox user must be a plain user",
                       broad_groups[k].sid, broad_groups[k].name);
    }
    /* Deny-only, the group grants nothing in this token, but the user is
     * a member (a UAC-filtered administrator, whose elevated token is a
     * consent away): not the plain user setup makes. */
    for (i = 0; i < f->deny_only.n; i++) {
        size_t k;
        for (k = 0; k < sizeof broad_groups / sizeof broad_groups[0]; k++)
            if (strcmp(f->deny_only.v[i], broad_groups[k].sid) == 0)
                REFUSE("the command's token is of a member of %s (%s, deny-only in this token): "
                       "the sandbox user must be a plain user",
                       broad_groups[k].sid, broad_groups[k].name);
    }
    if (f->elevated)
        REFUSE("the command's token is elevated (TokenElevation): the sandbox user must be a "
               "plain user");
    if (f->integrity_rid != CORDON__WIN_RUNNER_INTEGRITY_RID)
        REFUSE("the command's token has integrity level 0x%lx, the plan assumes medium (0x%lx)",
               f->integrity_rid, CORDON__WIN_RUNNER_INTEGRITY_RID);
    for (i = 0; i < f->privileges.n; i++)
        if (strcmp(f->privileges.v[i], "SeChangeNotifyPrivilege") != 0)
            REFUSE("the command's token holds %s (DISABLE_MAX_PRIVILEGE leaves only "
                   "SeChangeNotifyPrivilege)",
                   f->privileges.v[i]);
#undef REFUSE
    rc = 0;
    if (n)
        why[0] = '\0';
done:
    cordon__strv_free(&want);
    return rc;
}

/* ---- explain -------------------------------------------------------------- */

void cordon__win_runner_sids_json(const struct cordon__plan *plan, struct cordon__ipc_spawn *s,
                                  struct cordon__json *j)
{
    if (cordon__win_runner_request_sids(plan, s) != CORDON_OK)
        return;
    cordon__json_key(j, "restricting_sids");
    cordon__json_strv(j, &s->sids);
    /* What the runner confirms of the token it builds before the command
     * starts (cordon__win_token_verdict), else ERROR restrict. */
    {
        size_t i;
        char il[16];
        snprintf(il, sizeof il, "0x%lx", CORDON__WIN_RUNNER_INTEGRITY_RID);
        cordon__json_key(j, "token_confirmed");
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "restricting_sids",
                          "exactly these, the runner's logon SID and Everyone");
        cordon__json_kbool(j, "write_restricted", 1);
        cordon__json_key(j, "no_member_of");
        cordon__json_begin_array(j);
        for (i = 0; i < sizeof broad_groups / sizeof broad_groups[0]; i++)
            cordon__json_string(j, broad_groups[i].sid);
        cordon__json_end_array(j);
        cordon__json_kbool(j, "elevated", 0);
        cordon__json_kstr(j, "integrity", il);
        cordon__json_key(j, "privileges");
        cordon__json_begin_array(j);
        cordon__json_string(j, "SeChangeNotifyPrivilege");
        cordon__json_end_array(j);
        cordon__json_kstr(j, "else", "ERROR at stage restrictions, before the command starts");
        cordon__json_end_object(j);
    }
}

void cordon__win_elevated_grants_json(const struct cordon__plan *plan, const char *group_sid,
                                      struct cordon__json *j)
{
    struct cordon__win_ace *a = NULL;
    size_t n = 0, i;
    char mask[16];
    if (cordon__win_elevated_aces(&plan->windows_plan, group_sid, &a, &n) != CORDON_OK)
        return;
    cordon__json_key(j, "sandbox_group_grants");
    cordon__json_begin_array(j);
    for (i = 0; i < n; i++) {
        if (strcmp(a[i].sid, group_sid) != 0)
            continue;
        snprintf(mask, sizeof mask, "0x%08lx", a[i].mask);
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "path", a[i].path);
        cordon__json_kstr(j, "sid", a[i].sid);
        cordon__json_kstr(j, "type", a[i].type == CORDON__WIN_ACE_DENY ? "deny" : "allow");
        cordon__json_kstr(j, "mask", mask);
        cordon__json_kbool(j, "inherited_below", a[i].inherit != 0);
        cordon__json_kbool(j, "persistent", a[i].persistent);
        cordon__json_kstr(j, "why", a[i].type == CORDON__WIN_ACE_DENY
                                        ? "the sandbox users' own SIDs refused too (first "
                                          "access check), beside the sandbox SID's deny"
                                        : "the sandbox users' own SIDs may write (first access "
                                          "check); the root's SID is the second");
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__win_aces_free(a, n);
}

/* ---- SIDs of the tier counted as cordon's --------------------------------- */

static char tier_sids[CORDON__WIN_TIER_SIDS_MAX][CORDON__WIN_SID_MAX];
static size_t n_tier_sids;

void cordon__win_tier_sid_register(const char *sid)
{
    size_t i;
    if (!sid || !sid[0] || strlen(sid) >= CORDON__WIN_SID_MAX || strncmp(sid, "S-1-", 4) != 0)
        return;
    for (i = 0; i < n_tier_sids; i++)
        if (strcmp(tier_sids[i], sid) == 0)
            return;
    if (n_tier_sids == CORDON__WIN_TIER_SIDS_MAX)
        return;
    memcpy(tier_sids[n_tier_sids], sid, strlen(sid) + 1);
    n_tier_sids++;
}

void cordon__win_tier_sids_clear(void)
{
    n_tier_sids = 0;
}

int cordon__win_is_cordon_ace_sid(const char *sid)
{
    size_t i;
    if (cordon__win_is_cordon_sid(sid))
        return 1;
    for (i = 0; sid && i < n_tier_sids; i++)
        if (strcmp(tier_sids[i], sid) == 0)
            return 1;
    return 0;
}
