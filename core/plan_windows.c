/* The Windows part of a plan: capability SIDs, the ACEs to ensure, the
 * restricted-token spec and where to look for the Everyone hole. Pure data
 * computed from the portable plan and host facts, so that it is the same
 * whether it is compiled on Windows for a run or on Linux for explain and
 * the plan tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Used only when the host has no per-user secret (a Windows plan compiled
 * on another OS): the SIDs are then illustrative and the plan says so. */
static const unsigned char placeholder_secret[] = "cordon placeholder secret: not a real SID";

static int upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

void cordon__win_derive_sid(const unsigned char *secret, size_t secret_len, const char *purpose,
                            const char *name, char out[CORDON__WIN_SID_MAX])
{
    struct cordon__buf msg = {0};
    unsigned char mac[32];
    size_t i, at;

    /* purpose NUL name: paths compare case-insensitively on Windows, so
     * the same root spelled differently gets the same SID. */
    cordon__buf_puts(&msg, purpose);
    cordon__buf_add(&msg, "\0", 1);
    for (i = 0; name && name[i]; i++) {
        char c = (char)upper((unsigned char)name[i]);
        cordon__buf_add(&msg, &c, 1);
    }
    cordon__hmac_sha256(secret, secret_len, msg.oom ? NULL : msg.p, msg.oom ? 0 : msg.len, mac);
    cordon__buf_free(&msg);
    at = (size_t)snprintf(out, CORDON__WIN_SID_MAX, "%s", CORDON__WIN_SID_PREFIX);
    for (i = 0; i < 6 && at < CORDON__WIN_SID_MAX; i++) {
        unsigned long v = ((unsigned long)mac[4 * i] << 24) | ((unsigned long)mac[4 * i + 1] << 16) |
                          ((unsigned long)mac[4 * i + 2] << 8) | (unsigned long)mac[4 * i + 3];
        at += (size_t)snprintf(out + at, CORDON__WIN_SID_MAX - at, i ? "-%lu" : "%lu", v);
    }
}

/* 1 when |s| is exactly |n| dash-separated runs of decimal digits. */
static int decimal_parts(const char *s, int n)
{
    int parts = 0;
    while (*s) {
        if (*s < '0' || *s > '9')
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
        parts++;
        if (*s == '-' && s[1])
            s++;
        else if (*s)
            return 0;
    }
    return parts == n;
}

int cordon__win_is_cordon_sid(const char *sid)
{
    size_t n = strlen(CORDON__WIN_SID_PREFIX), o = strlen(CORDON__WIN_SID_PREFIX_OLD);
    if (!sid)
        return 0;
    if (strncmp(sid, CORDON__WIN_SID_PREFIX, n) == 0)
        return decimal_parts(sid + n, 6);
    return strncmp(sid, CORDON__WIN_SID_PREFIX_OLD, o) == 0 && sid[o] >= '0' && sid[o] <= '9';
}

static cordon_error add_ace(struct cordon__plan_windows *wp, size_t *cap, const char *path,
                            const char *sid, enum cordon__win_ace_type type, unsigned long mask,
                            unsigned inherit, int persistent, int create_dir, const char *why)
{
    struct cordon__win_ace *a;
    if (wp->n_aces == *cap) {
        size_t ncap = *cap ? 2 * *cap : 8;
        struct cordon__win_ace *na = realloc(wp->aces, ncap * sizeof *na);
        if (!na)
            return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory compiling the Windows plan");
        wp->aces = na;
        *cap = ncap;
    }
    a = &wp->aces[wp->n_aces];
    memset(a, 0, sizeof *a);
    a->path = cordon__strdup(path);
    a->sid = cordon__strdup(sid);
    if (!a->path || !a->sid) {
        free(a->path);
        free(a->sid);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory compiling the Windows plan");
    }
    a->type = type;
    a->mask = mask;
    a->inherit = inherit;
    a->persistent = persistent;
    a->create_dir = create_dir;
    a->why = why;
    wp->n_aces++;
    return CORDON_OK;
}

static cordon_error push_unique(struct cordon__strv *sv, const char *s)
{
    if (!s || cordon__strv_contains(sv, s))
        return CORDON_OK;
    return cordon__strv_push(sv, s);
}

static int within_a_root(const struct cordon__plan *plan, const char *path)
{
    size_t i;
    for (i = 0; i < plan->roots.n; i++)
        if (cordon__path_within(CORDON__OS_WINDOWS, path, plan->roots.v[i]))
            return 1;
    return 0;
}

static int has_ace(const struct cordon__plan_windows *wp, const char *path, const char *sid,
                   enum cordon__win_ace_type type, unsigned long mask, unsigned inherit)
{
    size_t i;
    for (i = 0; i < wp->n_aces; i++)
        if (wp->aces[i].type == type && wp->aces[i].mask == mask &&
            wp->aces[i].inherit == inherit && strcmp(wp->aces[i].sid, sid) == 0 &&
            cordon__streq_nocase(wp->aces[i].path, path))
            return 1;
    return 0;
}

/* |path| without its last component, or NULL at a drive or share root
 * (caller frees). */
static char *parent_dir(const char *path)
{
    const char *cut = strrchr(path, '\\');
    if (!cut || cut == path || (cut == path + 2 && path[1] == ':'))
        return NULL;
    return cordon__strndup(path, (size_t)(cut - path));
}

/* Explicit, not inherited, DELETE | FILE_DELETE_CHILD denies on every
 * directory from |p|'s parent up to its root, for the SID of each root
 * containing that directory. Directories inside another protected path
 * are covered by its inherited deny already. */
static cordon_error deny_ancestors(const struct cordon__plan *plan,
                                   struct cordon__plan_windows *wp, size_t *cap,
                                   const struct cordon__protected *p)
{
    const char *root = plan->roots.v[p->root];
    char *dir;
    cordon_error e = CORDON_OK;
    size_t k, r;

    if (!cordon__path_within(CORDON__OS_WINDOWS, p->path, root) ||
        cordon__streq_nocase(p->path, root))
        return CORDON_OK;
    for (dir = parent_dir(p->path); dir && e == CORDON_OK;) {
        char *up;
        int covered = 0;
        if (!cordon__path_within(CORDON__OS_WINDOWS, dir, root))
            break;
        for (k = 0; k < plan->n_protect; k++)
            covered |= plan->protect[k].kind != CORDON__PATH_FILE &&
                       cordon__path_within(CORDON__OS_WINDOWS, dir, plan->protect[k].path);
        for (r = 0; !covered && r <= plan->roots.n && e == CORDON_OK; r++) {
            /* Each root SID whose root contains |dir|, then the sandbox SID. */
            const char *sid = r < plan->roots.n ? wp->root_sids.v[r] : wp->sandbox_sid;
            if (r < plan->roots.n && !cordon__path_within(CORDON__OS_WINDOWS, dir, plan->roots.v[r]))
                continue;
            if (!has_ace(wp, dir, sid, CORDON__WIN_ACE_DENY, CORDON__WIN_ANCESTOR_DENY_MASK, 0))
                e = add_ace(wp, cap, dir, sid, CORDON__WIN_ACE_DENY,
                            CORDON__WIN_ANCESTOR_DENY_MASK, 0, 1, 0,
                            "holds a protected path in place: not deleted or renamed, "
                            "nothing deleted through it");
        }
        if (cordon__streq_nocase(dir, root))
            break;
        up = parent_dir(dir);
        free(dir);
        dir = up;
    }
    free(dir);
    return e;
}

int cordon__win_reparse_is_link(unsigned long tag)
{
    return (tag & 0x20000000UL) != 0;
}

void cordon__win_stdio_plan(const int is_console[3], enum cordon__win_stdio out[3])
{
    int i;
    for (i = 0; i < 3; i++)
        out[i] = is_console[i] ? CORDON__WIN_STDIO_RELAY : CORDON__WIN_STDIO_PASS;
}

/* Roots at or below the Windows directory or Program Files are refused:
 * a persistent inheritable allow there would let every later sandbox of
 * the user write into installed programs (core refuses the directories
 * themselves; these are refused below them too). Recognised among the
 * host's system directories by their last component. */
static cordon_error refuse_system_roots(const struct cordon__plan *plan,
                                        const struct cordon__host *host)
{
    static const char *const names[] = {"Windows", "System32", "Program Files",
                                        "Program Files (x86)", NULL};
    size_t i, r, k;
    for (i = 0; host->system_dirs && host->system_dirs[i]; i++) {
        const char *d = host->system_dirs[i];
        const char *last = strrchr(d, '\\');
        int listed = 0;
        last = last ? last + 1 : d;
        for (k = 0; names[k]; k++)
            listed |= cordon__streq_nocase(last, names[k]);
        if (!listed)
            continue;
        for (r = 0; r < plan->roots.n; r++)
            if (cordon__path_within(CORDON__OS_WINDOWS, plan->roots.v[r], d))
                return cordon__fail(CORDON_ERR_POLICY_INVALID,
                                    "writable root %s is refused: it lies in %s, where a "
                                    "lasting grant would let sandboxed commands change "
                                    "installed programs",
                                    plan->roots.v[r], d);
    }
    return CORDON_OK;
}

cordon_error cordon__plan_windows_compile(struct cordon__plan *plan, const struct cordon__host *host)
{
    struct cordon__plan_windows *wp = &plan->windows_plan;
    const unsigned char *secret = host->user_secret;
    size_t secret_len = host->user_secret_len, cap = 0, i, r;
    const unsigned CI_OI = CORDON__WIN_CONTAINER_INHERIT | CORDON__WIN_OBJECT_INHERIT;
    char sid[CORDON__WIN_SID_MAX];
    cordon_error e = CORDON_OK;

    memset(wp, 0, sizeof *wp);
    if (plan->mode == CORDON_MODE_FULL_ACCESS)
        return CORDON_OK; /* nothing is restricted, nothing to grant */
    if ((e = refuse_system_roots(plan, host)) != CORDON_OK)
        return e;
    wp->sandboxed = 1;
    if (!secret || secret_len == 0) {
        secret = placeholder_secret;
        secret_len = sizeof placeholder_secret - 1;
        wp->secret_placeholder = 1;
    }

    for (i = 0; i < plan->roots.n; i++) {
        cordon__win_derive_sid(secret, secret_len, "root", plan->roots.v[i], sid);
        if ((e = cordon__strv_push(&wp->root_sids, sid)) != CORDON_OK)
            goto done;
    }
    /* One SID per run: it is granted only on what this run alone uses
     * (its temp dir, deleted after the run together with the only ACE
     * that names it; its desktop; its objects), so it never lingers in an
     * ACL and a concurrent sandbox cannot open what this one made. */
    cordon__win_derive_sid(secret, secret_len, "run",
                           host->run_id ? host->run_id : (plan->tmp_dir ? plan->tmp_dir : ""),
                           sid);
    wp->run_sid = cordon__strdup(sid);
    if (!wp->run_sid) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory compiling the Windows plan");
        goto done;
    }
    if (plan->private_tmp && plan->tmp_dir && (wp->tmp_sid = cordon__strdup(sid)) == NULL) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory compiling the Windows plan");
        goto done;
    }

    cordon__win_derive_sid(secret, secret_len, "sandbox", "", sid);
    wp->sandbox_sid = cordon__strdup(sid);
    if (!wp->sandbox_sid) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory compiling the Windows plan");
        goto done;
    }

    /* Allows: each root for its own SID, inherited by everything below. */
    for (i = 0; i < plan->roots.n; i++)
        if ((e = add_ace(wp, &cap, plan->roots.v[i], wp->root_sids.v[i], CORDON__WIN_ACE_ALLOW,
                         CORDON__WIN_ALLOW_MASK, CI_OI, 1, 0, "writable root")) != CORDON_OK)
            goto done;
    if (wp->tmp_sid &&
        (e = add_ace(wp, &cap, plan->tmp_dir, wp->tmp_sid, CORDON__WIN_ACE_ALLOW,
                     CORDON__WIN_ALLOW_MASK | CORDON__WIN_FILE_DELETE_CHILD, CI_OI, 0, 1,
                     "private temp directory (created for the run, deleted after)")) != CORDON_OK)
        goto done;

    /* Denies: each protected path, for the SID of every root that
     * contains it (nested roots would otherwise inherit write into it),
     * and at least for its own root's SID. A missing one, a missing
     * gitdir target's highest missing ancestor included, is held by an
     * empty directory carrying the deny: "not there yet" must not mean
     * "creatable". */
    for (i = 0; i < plan->n_protect; i++) {
        const struct cordon__protected *p = &plan->protect[i];
        int missing = p->kind == CORDON__PATH_MISSING;
        unsigned inherit = p->kind == CORDON__PATH_FILE ? 0 : CI_OI;
        const char *why = missing ? (p->is_gitdir_target
                                         ? "protected: the missing git directory a .git file "
                                           "points to (its highest missing ancestor), held by an "
                                           "empty directory while runs need it"
                                         : "protected path, not there yet: held by an empty "
                                           "directory while runs need it, removed after if "
                                           "still empty")
                                  : p->is_gitdir_target
                                        ? "protected: the git directory a .git file points to"
                                        : "protected path";
        for (r = 0; r < plan->roots.n; r++) {
            if (r != p->root && !cordon__path_within(CORDON__OS_WINDOWS, p->path, plan->roots.v[r]))
                continue;
            /* A placeholder and its ACE last only while runs hold it. */
            if ((e = add_ace(wp, &cap, p->path, wp->root_sids.v[r], CORDON__WIN_ACE_DENY,
                             CORDON__WIN_DENY_MASK, inherit, !missing, missing, why)) != CORDON_OK)
                goto done;
        }
        /* And for every sandbox of this user: another run, of another
         * root, could otherwise write here where a loose ACL grants
         * Everyone or the logon SID (both restricting SIDs of its token). */
        if ((e = add_ace(wp, &cap, p->path, wp->sandbox_sid, CORDON__WIN_ACE_DENY,
                         CORDON__WIN_DENY_MASK, inherit, !missing, missing, why)) != CORDON_OK)
            goto done;
    }
    /* ... and the directories between each protected path and its root
     * may not be deleted, renamed, or have entries deleted through them:
     * renaming .git's parent (or deleting .git through a parent that
     * grants Everyone FILE_DELETE_CHILD) would otherwise take .git away
     * and let the command make a new one. */
    for (i = 0; i < plan->n_protect; i++)
        if ((e = deny_ancestors(plan, wp, &cap, &plan->protect[i])) != CORDON_OK)
            goto done;

    /* No grant on the null device: it is a system object shared by every
     * process until reboot, and its default DACL already lets Everyone (a
     * restricting SID) read and write it; test_enforce checks a redirect
     * to NUL from the sandbox on Windows. */

    /* The token: WRITE_RESTRICTED makes every write pass a second access
     * check against only these SIDs; reads stay as the user's. */
    wp->token_flags =
        CORDON__WIN_DISABLE_MAX_PRIVILEGE | CORDON__WIN_LUA_TOKEN | CORDON__WIN_WRITE_RESTRICTED;
    for (i = 0; i < wp->root_sids.n; i++)
        if ((e = cordon__strv_push(&wp->restricting_sids, wp->root_sids.v[i])) != CORDON_OK)
            goto done;
    if ((e = cordon__strv_push(&wp->restricting_sids, wp->run_sid)) != CORDON_OK ||
        (e = cordon__strv_push(&wp->restricting_sids, wp->sandbox_sid)) != CORDON_OK ||
        (e = cordon__strv_push(&wp->restricting_sids, CORDON__WIN_LOGON_SID_MARK)) != CORDON_OK ||
        (e = cordon__strv_push(&wp->restricting_sids, CORDON__WIN_EVERYONE_SID)) != CORDON_OK)
        goto done;
    /* Objects the command creates without an inherited DACL (processes,
     * threads, pipes, events, sections): usable by the real user, SYSTEM
     * and this run (its root SIDs and run SID pass the restricted check),
     * by nobody else. Not Everyone and not the logon SID: both are
     * restricting SIDs of every sandbox token in the session, so another
     * sandbox (another root) could write into this run's processes. */
    if ((e = push_unique(&wp->default_dacl_sids, host->user_sid)) != CORDON_OK ||
        (e = cordon__strv_push(&wp->default_dacl_sids, "S-1-5-18")) != CORDON_OK)
        goto done;
    for (i = 0; i < wp->root_sids.n; i++)
        if ((e = push_unique(&wp->default_dacl_sids, wp->root_sids.v[i])) != CORDON_OK)
            goto done;
    if ((e = push_unique(&wp->default_dacl_sids, wp->run_sid)) != CORDON_OK)
        goto done;

    /* The launch: a desktop of its own (no SendInput/PostMessage to the
     * user's windows), every job UI restriction, and no console of the
     * caller (CREATE_NO_WINDOW: a console of its own, without a window). */
    wp->private_desktop = 1;
    wp->job_ui_limits = CORDON__WIN_UILIMIT_ALL;
    wp->creation_flags = CORDON__WIN_CREATE_NO_WINDOW;

    /* The user's own desktop, where a private desktop alone does not keep
     * the command: it may open its window station's "Default" desktop
     * itself (OpenDesktopW), whose DACL grants the user's logon SID full
     * access, and the logon SID passes both checks of this token (a group
     * of it, and a restricting SID). On a thread set there
     * (SetThreadDesktop) it could SendInput keystrokes into the user's
     * terminal; the job's UI limits do not cover that. A deny for the
     * sandbox SID, first, refuses the write-class rights in the second
     * check of every sandbox token of the user, and changes nothing for
     * any other token (no ordinary token carries the SID). Four ACEs: on
     * the window station itself; on it again, inherit-only, for desktops
     * made later with its default security; on its Default desktop; on
     * the desktop taking input, when that is another one. */
    {
        static const struct cordon__win_ui_deny guard[CORDON__WIN_UI_GUARD_ACES] = {
            {CORDON__WIN_UI_WINSTA, CORDON__WIN_WINSTA_DENY_MASK, 0,
             "the user's window station: no desktop made on it, no DACL change"},
            {CORDON__WIN_UI_WINSTA, CORDON__WIN_DESKTOP_DENY_MASK,
             CORDON__WIN_OBJECT_INHERIT | CORDON__WIN_CONTAINER_INHERIT |
                 CORDON__WIN_INHERIT_ONLY,
             "inherited by desktops made later on the window station with its default "
             "security"},
            {CORDON__WIN_UI_DEFAULT, CORDON__WIN_DESKTOP_DENY_MASK, 0,
             "the user's desktop: no input (SendInput), hooks, windows or DACL change from a "
             "thread set there"},
            {CORDON__WIN_UI_INPUT, CORDON__WIN_DESKTOP_DENY_MASK, 0,
             "the desktop taking the user's input when it is not Default (SendInput reaches "
             "only that one)"},
        };
        memcpy(wp->ui_guard, guard, sizeof guard);
        wp->n_ui_guard = CORDON__WIN_UI_GUARD_ACES;
    }

    /* The Everyone hole: directories outside the roots that a write-
     * restricted token may still write because Everyone (a restricting
     * SID) is granted write there. The backend adds PATH entries. */
    for (i = 0; host->system_dirs && host->system_dirs[i]; i++)
        if (!within_a_root(plan, host->system_dirs[i]) &&
            (e = push_unique(&wp->hole_candidates, host->system_dirs[i])) != CORDON_OK)
            goto done;
    if (host->tmp_base && !within_a_root(plan, host->tmp_base) &&
        (e = push_unique(&wp->hole_candidates, host->tmp_base)) != CORDON_OK)
        goto done;
done:
    return e;
}

int cordon__win_ui_deny_present(const struct cordon__win_ace_view *aces, size_t n,
                                const char *sid, const struct cordon__win_ui_deny *want)
{
    const unsigned inherit_bits = CORDON__WIN_OBJECT_INHERIT | CORDON__WIN_CONTAINER_INHERIT |
                                  CORDON__WIN_NO_PROPAGATE_INHERIT | CORDON__WIN_INHERIT_ONLY;
    size_t i;
    for (i = 0; i < n; i++) {
        const struct cordon__win_ace_view *a = &aces[i];
        if (a->type != CORDON__WIN_ACE_DENY)
            return 0; /* an allow (or an ACE of another type) comes first */
        if (!(a->flags & CORDON__WIN_INHERITED) && (a->flags & inherit_bits) == want->inherit &&
            (a->mask & want->mask) == want->mask && a->sid && sid && strcmp(a->sid, sid) == 0)
            return 1;
    }
    return 0;
}

void cordon__plan_windows_free(struct cordon__plan_windows *wp)
{
    size_t i;
    for (i = 0; i < wp->n_aces; i++) {
        free(wp->aces[i].path);
        free(wp->aces[i].sid);
    }
    free(wp->aces);
    free(wp->tmp_sid);
    free(wp->run_sid);
    free(wp->sandbox_sid);
    cordon__strv_free(&wp->root_sids);
    cordon__strv_free(&wp->restricting_sids);
    cordon__strv_free(&wp->default_dacl_sids);
    cordon__strv_free(&wp->hole_candidates);
    memset(wp, 0, sizeof *wp);
}

static void json_mask_names(struct cordon__json *j, unsigned long mask)
{
    static const struct {
        unsigned long bit;
        const char *name;
    } bits[] = {
        {CORDON__WIN_FILE_GENERIC_READ, "FILE_GENERIC_READ"},
        {CORDON__WIN_FILE_GENERIC_WRITE, "FILE_GENERIC_WRITE"},
        {CORDON__WIN_FILE_GENERIC_EXECUTE, "FILE_GENERIC_EXECUTE"},
        {CORDON__WIN_FILE_WRITE_DATA, "FILE_WRITE_DATA"},
        {CORDON__WIN_FILE_APPEND_DATA, "FILE_APPEND_DATA"},
        {CORDON__WIN_FILE_WRITE_EA, "FILE_WRITE_EA"},
        {CORDON__WIN_FILE_WRITE_ATTRIBUTES, "FILE_WRITE_ATTRIBUTES"},
        {CORDON__WIN_DELETE, "DELETE"},
        {CORDON__WIN_FILE_DELETE_CHILD, "FILE_DELETE_CHILD"},
    };
    size_t i;
    cordon__json_begin_array(j);
    for (i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if ((mask & bits[i].bit) == bits[i].bit)
            cordon__json_string(j, bits[i].name);
    cordon__json_end_array(j);
}

void cordon__plan_windows_json(const struct cordon__plan_windows *wp, struct cordon__json *j)
{
    size_t i;

    cordon__json_begin_object(j);
    cordon__json_kbool(j, "sandboxed", wp->sandboxed);
    if (!wp->sandboxed) {
        cordon__json_kstr(j, "note", "full-access: the command runs as the user, unrestricted");
        cordon__json_end_object(j);
        return;
    }
    cordon__json_kbool(j, "sids_are_placeholders", wp->secret_placeholder);
    if (wp->secret_placeholder)
        cordon__json_kstr(j, "sids_note", "compiled without this user's secret (another OS or "
                                          "no profile): the SIDs shown are placeholders; the real "
                                          "ones are derived on the Windows host");
    cordon__json_key(j, "capability_sids");
    cordon__json_strv(j, &wp->root_sids);
    cordon__json_kstr(j, "tmp_sid", wp->tmp_sid);
    cordon__json_kstr(j, "run_sid", wp->run_sid);
    cordon__json_kstr(j, "sandbox_sid", wp->sandbox_sid);
    cordon__json_key(j, "aces");
    cordon__json_begin_array(j);
    for (i = 0; i < wp->n_aces; i++) {
        const struct cordon__win_ace *a = &wp->aces[i];
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "path", a->path);
        cordon__json_kstr(j, "sid", a->sid);
        cordon__json_kstr(j, "type", a->type == CORDON__WIN_ACE_DENY ? "deny" : "allow");
        cordon__json_key(j, "mask");
        cordon__json_uint_hex(j, a->mask);
        cordon__json_key(j, "rights");
        json_mask_names(j, a->mask);
        cordon__json_key(j, "inherit");
        cordon__json_begin_array(j);
        if (a->inherit & CORDON__WIN_CONTAINER_INHERIT)
            cordon__json_string(j, "CONTAINER_INHERIT_ACE");
        if (a->inherit & CORDON__WIN_OBJECT_INHERIT)
            cordon__json_string(j, "OBJECT_INHERIT_ACE");
        cordon__json_end_array(j);
        cordon__json_kbool(j, "persistent", a->persistent);
        cordon__json_kbool(j, "create_dir", a->create_dir);
        cordon__json_kstr(j, "why", a->why);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_key(j, "token");
    cordon__json_begin_object(j);
    cordon__json_key(j, "flags");
    cordon__json_begin_array(j);
    if (wp->token_flags & CORDON__WIN_DISABLE_MAX_PRIVILEGE)
        cordon__json_string(j, "DISABLE_MAX_PRIVILEGE");
    if (wp->token_flags & CORDON__WIN_LUA_TOKEN)
        cordon__json_string(j, "LUA_TOKEN");
    if (wp->token_flags & CORDON__WIN_WRITE_RESTRICTED)
        cordon__json_string(j, "WRITE_RESTRICTED");
    cordon__json_end_array(j);
    cordon__json_key(j, "restricting_sids");
    cordon__json_strv(j, &wp->restricting_sids);
    cordon__json_key(j, "default_dacl_sids");
    cordon__json_strv(j, &wp->default_dacl_sids);
    cordon__json_kstr(j, "note", "\"logon\" is the logon SID of the caller's session, "
                                 "read from the token at run time");
    cordon__json_end_object(j);
    cordon__json_key(j, "launch");
    cordon__json_begin_object(j);
    cordon__json_kbool(j, "private_desktop", wp->private_desktop);
    cordon__json_key(j, "job_ui_limits");
    cordon__json_begin_array(j);
    {
        static const struct {
            unsigned long bit;
            const char *name;
        } ui[] = {{CORDON__WIN_UILIMIT_HANDLES, "HANDLES"},
                  {CORDON__WIN_UILIMIT_READCLIPBOARD, "READCLIPBOARD"},
                  {CORDON__WIN_UILIMIT_WRITECLIPBOARD, "WRITECLIPBOARD"},
                  {CORDON__WIN_UILIMIT_SYSTEMPARAMETERS, "SYSTEMPARAMETERS"},
                  {CORDON__WIN_UILIMIT_DISPLAYSETTINGS, "DISPLAYSETTINGS"},
                  {CORDON__WIN_UILIMIT_GLOBALATOMS, "GLOBALATOMS"},
                  {CORDON__WIN_UILIMIT_DESKTOP, "DESKTOP"},
                  {CORDON__WIN_UILIMIT_EXITWINDOWS, "EXITWINDOWS"}};
        for (i = 0; i < sizeof ui / sizeof ui[0]; i++)
            if (wp->job_ui_limits & ui[i].bit)
                cordon__json_string(j, ui[i].name);
    }
    cordon__json_end_array(j);
    cordon__json_kbool(j, "create_no_window",
                       (wp->creation_flags & CORDON__WIN_CREATE_NO_WINDOW) != 0);
    cordon__json_kstr(j, "console", "never the caller's: console stdio is relayed through pipes");
    cordon__json_end_object(j);
    cordon__json_key(j, "desktop_guard");
    cordon__json_begin_object(j);
    cordon__json_kstr(j, "sid", wp->sandbox_sid);
    cordon__json_key(j, "aces");
    cordon__json_begin_array(j);
    for (i = 0; i < wp->n_ui_guard; i++) {
        const struct cordon__win_ui_deny *g = &wp->ui_guard[i];
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "object", g->object == CORDON__WIN_UI_WINSTA    ? "window station"
                                       : g->object == CORDON__WIN_UI_DEFAULT ? "window station\\Default"
                                                                             : "input desktop");
        cordon__json_kstr(j, "type", "deny");
        cordon__json_key(j, "mask");
        cordon__json_uint_hex(j, g->mask);
        cordon__json_key(j, "inherit");
        cordon__json_begin_array(j);
        if (g->inherit & CORDON__WIN_CONTAINER_INHERIT)
            cordon__json_string(j, "CONTAINER_INHERIT_ACE");
        if (g->inherit & CORDON__WIN_OBJECT_INHERIT)
            cordon__json_string(j, "OBJECT_INHERIT_ACE");
        if (g->inherit & CORDON__WIN_INHERIT_ONLY)
            cordon__json_string(j, "INHERIT_ONLY_ACE");
        cordon__json_end_array(j);
        cordon__json_kstr(j, "why", g->why);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_kstr(j, "note", "first in each DACL; in the session's memory until logoff, "
                                 "added once when missing, never removed");
    cordon__json_end_object(j);
    cordon__json_key(j, "everyone_hole_scan");
    cordon__json_strv(j, &wp->hole_candidates);
    cordon__json_end_object(j);
}
