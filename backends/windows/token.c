/* The write-restricted token the unelevated tier runs commands with, and
 * access checks made with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"
#include "elevated_windows_run.h"

#include <aclapi.h>
#include <sddl.h>

/* TOKEN_GROUPS of |tok| (caller frees), or NULL. */
static TOKEN_GROUPS *token_groups(HANDLE tok)
{
    DWORD n = 0;
    TOKEN_GROUPS *g;
    GetTokenInformation(tok, TokenGroups, NULL, 0, &n);
    if (n == 0 || (g = malloc(n)) == NULL)
        return NULL;
    if (!GetTokenInformation(tok, TokenGroups, g, n, &n)) {
        free(g);
        return NULL;
    }
    return g;
}

PSID cordon__win_logon_sid(void)
{
    HANDLE tok = NULL;
    TOKEN_GROUPS *g = NULL;
    PSID out = NULL;
    DWORD i;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return NULL;
    g = token_groups(tok);
    for (i = 0; g && i < g->GroupCount; i++) {
        if ((g->Groups[i].Attributes & SE_GROUP_LOGON_ID) == SE_GROUP_LOGON_ID) {
            DWORD len = GetLengthSid(g->Groups[i].Sid);
            out = malloc(len);
            if (out && !CopySid(len, out, g->Groups[i].Sid)) {
                free(out);
                out = NULL;
            }
            break;
        }
    }
    free(g);
    CloseHandle(tok);
    return out;
}

/* SIDs named by the plan, the logon mark resolved. Entries are either
 * LocalAlloc'ed (from strings) or the one malloc'ed logon SID. */
struct sid_list {
    PSID *v;
    int *local; /* 1: LocalFree, 0: borrowed */
    size_t n;
};

static void sid_list_free(struct sid_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (l->local[i] && l->v[i])
            LocalFree(l->v[i]);
    free(l->v);
    free(l->local);
    memset(l, 0, sizeof *l);
}

static cordon_error sid_list_make(const struct cordon__strv *names, PSID logon,
                                  struct sid_list *out)
{
    size_t i;
    memset(out, 0, sizeof *out);
    out->v = calloc(names->n + 1, sizeof *out->v);
    out->local = calloc(names->n + 1, sizeof *out->local);
    if (!out->v || !out->local) {
        sid_list_free(out);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    for (i = 0; i < names->n; i++) {
        if (strcmp(names->v[i], CORDON__WIN_LOGON_SID_MARK) == 0) {
            /* No logon SID (some service sessions): leave it out. */
            if (!logon)
                continue;
            out->v[out->n] = logon;
            out->local[out->n++] = 0;
            continue;
        }
        out->v[out->n] = cordon__win_sid_from_string(names->v[i]);
        if (!out->v[out->n]) {
            /* The message is already recorded. */
            sid_list_free(out);
            return CORDON_ERR_OS;
        }
        out->local[out->n++] = 1;
    }
    return CORDON_OK;
}

cordon_error cordon__win_restricted_token(const struct cordon__plan_windows *wp, HANDLE *out)
{
    HANDLE base = NULL, tok = NULL;
    PSID logon = cordon__win_logon_sid();
    struct sid_list restrict_sids = {0}, dacl_sids = {0};
    SID_AND_ATTRIBUTES *sa = NULL;
    EXPLICIT_ACCESS_W *ea = NULL;
    PACL dacl = NULL;
    TOKEN_DEFAULT_DACL tdd;
    cordon_error e = CORDON_OK;
    DWORD err;
    size_t i;

    *out = NULL;
    if (!OpenProcessToken(GetCurrentProcess(),
                          TOKEN_DUPLICATE | TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY |
                              TOKEN_ADJUST_DEFAULT,
                          &base)) {
        e = cordon__win_fail("cannot open this process's token", "OpenProcessToken",
                             GetLastError());
        goto done;
    }
    if ((e = sid_list_make(&wp->restricting_sids, logon, &restrict_sids)) != CORDON_OK ||
        (e = sid_list_make(&wp->default_dacl_sids, logon, &dacl_sids)) != CORDON_OK)
        goto done;
    sa = calloc(restrict_sids.n + 1, sizeof *sa);
    ea = calloc(dacl_sids.n + 1, sizeof *ea);
    if (!sa || !ea) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (i = 0; i < restrict_sids.n; i++)
        sa[i].Sid = restrict_sids.v[i];
    /* DISABLE_MAX_PRIVILEGE keeps only SeChangeNotifyPrivilege; LUA_TOKEN
     * drops administrator rights of a split token; WRITE_RESTRICTED makes
     * the restricting SIDs apply to write access only. */
    if (!CreateRestrictedToken(base, (DWORD)wp->token_flags, 0, NULL, 0, NULL,
                               (DWORD)restrict_sids.n, sa, &tok)) {
        e = cordon__win_fail("cannot create the restricted token", "CreateRestrictedToken",
                             GetLastError());
        goto done;
    }
    for (i = 0; i < dacl_sids.n; i++) {
        ea[i].grfAccessPermissions = GENERIC_ALL;
        ea[i].grfAccessMode = GRANT_ACCESS;
        ea[i].grfInheritance = NO_INHERITANCE;
        ea[i].Trustee.TrusteeForm = TRUSTEE_IS_SID;
        ea[i].Trustee.TrusteeType = TRUSTEE_IS_UNKNOWN;
        ea[i].Trustee.ptstrName = (LPWSTR)dacl_sids.v[i];
    }
    err = SetEntriesInAclW((ULONG)dacl_sids.n, ea, NULL, &dacl);
    if (err != ERROR_SUCCESS) {
        e = cordon__win_fail("cannot build the token's default DACL", "SetEntriesInAclW", err);
        goto done;
    }
    tdd.DefaultDacl = dacl;
    if (!SetTokenInformation(tok, TokenDefaultDacl, &tdd, sizeof tdd)) {
        e = cordon__win_fail("cannot set the token's default DACL", "SetTokenInformation",
                             GetLastError());
        goto done;
    }
    *out = tok;
    tok = NULL;
done:
    if (tok)
        CloseHandle(tok);
    if (base)
        CloseHandle(base);
    if (dacl)
        LocalFree(dacl);
    free(sa);
    free(ea);
    sid_list_free(&restrict_sids);
    sid_list_free(&dacl_sids);
    free(logon);
    return e;
}

/* The rights |token| gets on |sd| under the file mapping (AccessCheck,
 * MAXIMUM_ALLOWED: every right the token gets, both passes of a
 * restricted token applied, as the kernel would on open). 1 told (0 in
 * *granted when refused), 0 when it cannot be told. */
static int granted_on(HANDLE token, PSECURITY_DESCRIPTOR sd, DWORD *granted)
{
    HANDLE imp = NULL;
    GENERIC_MAPPING map = {FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE,
                           FILE_ALL_ACCESS};
    PRIVILEGE_SET ps;
    DWORD ps_len = sizeof ps;
    BOOL status = FALSE;
    int r = 0;

    *granted = 0;
    if (!DuplicateToken(token, SecurityImpersonation, &imp))
        return 0;
    if (AccessCheck(sd, imp, MAXIMUM_ALLOWED, &map, &ps, &ps_len, granted, &status)) {
        if (!status)
            *granted = 0;
        r = 1;
    }
    CloseHandle(imp);
    return r;
}

int cordon__win_granted(HANDLE token, const char *path, DWORD *granted)
{
    wchar_t *w = cordon__win_wide(path);
    PSECURITY_DESCRIPTOR sd = NULL;
    int r = 0;

    *granted = 0;
    if (!w)
        return 0;
    CORDON__WIN_COUNT(dacl_reads);
    if (GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                              OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                  DACL_SECURITY_INFORMATION,
                              NULL, NULL, NULL, NULL, &sd) == ERROR_SUCCESS)
        r = granted_on(token, sd, granted);
    if (sd)
        LocalFree(sd);
    free(w);
    return r;
}

/* ---- the token, read back ------------------------------------------------- */

/* GetTokenInformation of |cls| into a malloc'd buffer (caller frees), or
 * NULL with *err set. */
static void *token_info(HANDLE tok, TOKEN_INFORMATION_CLASS cls, DWORD *err)
{
    DWORD n = 0;
    void *p;
    GetTokenInformation(tok, cls, NULL, 0, &n);
    if (n == 0) {
        *err = GetLastError();
        return NULL;
    }
    if ((p = malloc(n)) == NULL) {
        *err = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    if (!GetTokenInformation(tok, cls, p, n, &n)) {
        *err = GetLastError();
        free(p);
        return NULL;
    }
    return p;
}

static int push_sid(struct cordon__strv *v, PSID sid)
{
    /* push_owned takes the string, also when it fails. */
    return cordon__strv_push_owned(v, cordon__win_sid_to_string(sid)) == CORDON_OK ? 0 : -1;
}

/* The rights |tok| gets on a descriptor |sddl| (AccessCheck with the
 * file mapping, MAXIMUM_ALLOWED); -1 when it cannot be told. */
static int check_sd(HANDLE tok, const char *sddl, DWORD *granted)
{
    wchar_t *w = cordon__win_wide(sddl);
    PSECURITY_DESCRIPTOR sd = NULL;
    int r = -1;

    *granted = 0;
    if (w && ConvertStringSecurityDescriptorToSecurityDescriptorW(w, SDDL_REVISION_1, &sd, NULL) &&
        granted_on(tok, sd, granted))
        r = 0;
    if (sd)
        LocalFree(sd);
    free(w);
    return r;
}

/* The rights of FILE_GENERIC_WRITE that only writing grants (it also
 * holds READ_CONTROL and SYNCHRONIZE, which reads grant too). */
#define WRITE_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES)

void cordon__win_token_facts(HANDLE tok, const char *control_sid,
                             struct cordon__win_token_facts *out)
{
    TOKEN_USER *user = NULL;
    TOKEN_GROUPS *rs = NULL, *gs = NULL;
    TOKEN_PRIVILEGES *pv = NULL;
    TOKEN_MANDATORY_LABEL *il = NULL;
    TOKEN_ELEVATION el;
    PSID logon = cordon__win_logon_sid();
    DWORD err = 0, len = 0, i, granted = 0;
    char *s = NULL, *sddl = NULL;
    const char *step = NULL;

    memset(out, 0, sizeof *out);
    if (logon) {
        s = cordon__win_sid_to_string(logon);
        snprintf(out->logon, sizeof out->logon, "%s", s ? s : "");
        free(s);
        s = NULL;
    }
    if ((user = token_info(tok, TokenUser, &err)) == NULL) {
        step = "GetTokenInformation(TokenUser)";
        goto done;
    }
    s = cordon__win_sid_to_string(user->User.Sid);
    snprintf(out->user, sizeof out->user, "%s", s ? s : "");
    out->restricted = IsTokenRestricted(tok) != 0;
    /* A token without restricting SIDs may answer with an error here
     * (Wine does): the list is then empty, which the verdict refuses. */
    rs = token_info(tok, TokenRestrictedSids, &err);
    for (i = 0; rs && i < rs->GroupCount; i++)
        if (push_sid(&out->restricting, rs->Groups[i].Sid) != 0) {
            step = "reading the restricting SIDs";
            err = ERROR_NOT_ENOUGH_MEMORY;
            goto done;
        }
    if ((gs = token_info(tok, TokenGroups, &err)) == NULL) {
        step = "GetTokenInformation(TokenGroups)";
        goto done;
    }
    /* Every group not deny-only: a disabled one the holder may enable
     * (AdjustTokenGroups) counts as usable. */
    for (i = 0; i < gs->GroupCount; i++)
        if (push_sid(gs->Groups[i].Attributes & SE_GROUP_USE_FOR_DENY_ONLY ? &out->deny_only
                                                                           : &out->groups,
                     gs->Groups[i].Sid) != 0) {
            step = "reading the groups";
            err = ERROR_NOT_ENOUGH_MEMORY;
            goto done;
        }
    if (!GetTokenInformation(tok, TokenElevation, &el, sizeof el, &len)) {
        err = GetLastError();
        step = "GetTokenInformation(TokenElevation)";
        goto done;
    }
    out->elevated = el.TokenIsElevated != 0;
    if ((il = token_info(tok, TokenIntegrityLevel, &err)) == NULL) {
        step = "GetTokenInformation(TokenIntegrityLevel)";
        goto done;
    }
    {
        PUCHAR cnt = GetSidSubAuthorityCount(il->Label.Sid);
        out->integrity_rid = cnt && *cnt ? *GetSidSubAuthority(il->Label.Sid, *cnt - 1u) : 0;
    }
    if ((pv = token_info(tok, TokenPrivileges, &err)) == NULL) {
        step = "GetTokenInformation(TokenPrivileges)";
        goto done;
    }
    for (i = 0; i < pv->PrivilegeCount; i++) {
        wchar_t name[128];
        DWORD cch = 128;
        char *u;
        if (!LookupPrivilegeNameW(NULL, &pv->Privileges[i].Luid, name, &cch)) {
            char luid[64];
            snprintf(luid, sizeof luid, "privilege LUID %lu:%lu",
                     (unsigned long)pv->Privileges[i].Luid.HighPart,
                     (unsigned long)pv->Privileges[i].Luid.LowPart);
            u = cordon__strdup(luid);
        } else {
            u = cordon__win_utf8(name);
        }
        if (cordon__strv_push_owned(&out->privileges, u) != CORDON_OK) {
            step = "reading the privileges";
            err = ERROR_NOT_ENOUGH_MEMORY;
            goto done;
        }
    }
    /* Owner SYSTEM, so that no implicit owner right enters the answer. */
    sddl = cordon__asprintf("O:SYG:SYD:(A;;FA;;;%s)", out->user);
    if (!sddl || check_sd(tok, sddl, &granted) != 0) {
        err = GetLastError();
        step = "AccessCheck(the user alone allowed)";
        goto done;
    }
    out->user_only_read = (granted & FILE_READ_DATA) != 0;
    out->user_only_write = (granted & WRITE_RIGHTS) != 0;
    free(sddl);
    sddl = control_sid ? cordon__asprintf("O:SYG:SYD:(A;;FA;;;%s)(A;;FA;;;%s)", out->user,
                                          control_sid)
                       : NULL;
    if (!sddl || check_sd(tok, sddl, &granted) != 0) {
        err = sddl ? GetLastError() : ERROR_INVALID_PARAMETER;
        step = "AccessCheck(the user and a restricting SID allowed)";
        goto done;
    }
    out->both_write = (granted & FILE_WRITE_DATA) != 0;
    step = NULL;
done:
    if (step)
        snprintf(out->error, sizeof out->error, "%s: error %lu", step, (unsigned long)err);
    free(s);
    free(sddl);
    free(user);
    free(rs);
    free(gs);
    free(pv);
    free(il);
    free(logon);
}
