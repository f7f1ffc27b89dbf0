/* File DACLs: ensuring cordon's ACEs idempotently, finding and removing
 * them. Everything here acts on one path at a time and never walks a tree:
 * SetNamedSecurityInfoW itself propagates inheritable ACEs, once, when an
 * ACE is first added or removed. */
#include <stdlib.h>
#include <string.h>

#include "win.h"

#include <aclapi.h>
#include <sddl.h>

struct cordon__win_cost cordon__win_cost;
CORDON__THREAD_LOCAL int cordon__win_fresh_object;

PSID cordon__win_sid_from_string(const char *sid)
{
    wchar_t *w = cordon__win_wide(sid);
    PSID out = NULL;
    if (!w) {
        cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    if (!ConvertStringSidToSidW(w, &out)) {
        cordon__win_failf("ConvertStringSidToSidW", GetLastError(), "cannot parse the SID %s", sid);
        out = NULL;
    }
    free(w);
    return out;
}

char *cordon__win_sid_to_string(PSID sid)
{
    wchar_t *w = NULL;
    char *s;
    if (!ConvertSidToStringSidW(sid, &w))
        return NULL;
    s = cordon__win_utf8(w);
    LocalFree(w);
    return s;
}

/* The explicit ACEs of a DACL, as the header, mask and SID of each
 * allowed/denied ACE (other ACE types are left alone everywhere). */
static int ace_parts(PACL dacl, DWORD i, BYTE *type, BYTE *flags, ACCESS_MASK *mask, PSID *sid)
{
    void *raw = NULL;
    ACE_HEADER *h;
    if (!GetAce(dacl, i, &raw))
        return 0;
    h = raw;
    *type = h->AceType;
    *flags = h->AceFlags;
    if (h->AceType == ACCESS_ALLOWED_ACE_TYPE) {
        ACCESS_ALLOWED_ACE *a = raw;
        *mask = a->Mask;
        *sid = (PSID)&a->SidStart;
        return 1;
    }
    if (h->AceType == ACCESS_DENIED_ACE_TYPE) {
        ACCESS_DENIED_ACE *d = raw;
        *mask = d->Mask;
        *sid = (PSID)&d->SidStart;
        return 1;
    }
    return 0;
}

static cordon_error read_dacl(const char *path, const wchar_t *wpath, PACL *dacl,
                              PSECURITY_DESCRIPTOR *sd)
{
    DWORD err;
    CORDON__WIN_COUNT(dacl_reads);
    err = GetNamedSecurityInfoW(wpath, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL,
                                dacl, NULL, sd);
    if (err != ERROR_SUCCESS)
        return cordon__win_failf("GetNamedSecurityInfoW", err, "cannot read the ACL of %s", path);
    return CORDON_OK;
}

/* The DACL of |sd| (its flags and ACEs) in SDDL, UTF-8 (caller frees). */
static char *dacl_sddl(PSECURITY_DESCRIPTOR sd)
{
    wchar_t *w = NULL;
    char *out;
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd, SDDL_REVISION_1,
                                                              DACL_SECURITY_INFORMATION, &w, NULL))
        return NULL;
    out = cordon__win_utf8(w);
    LocalFree(w);
    return out;
}

/* Records |path|'s DACL as it is before cordon's first change (cordon's
 * own ACEs left out), unless a record exists. Objects a run has just made
 * (placeholders, the temp dir) have nothing to restore. */
static cordon_error keep_original(const char *path, PSECURITY_DESCRIPTOR sd)
{
    char *sddl, *clean;
    cordon_error e;
    if (cordon__win_fresh_object)
        return CORDON_OK;
    sddl = dacl_sddl(sd);
    if (!sddl)
        return cordon__win_failf("ConvertSecurityDescriptorToStringSecurityDescriptorW",
                                 GetLastError(), "cannot record the ACL of %s", path);
    clean = cordon__win_sddl_without_cordon(sddl);
    free(sddl);
    if (!clean)
        return CORDON_ERR_NO_MEMORY;
    e = cordon__win_original_keep(path, clean);
    free(clean);
    return e;
}

/* Per-object failures of a tree propagation. */
struct tree_errors {
    unsigned long n;
    DWORD first_status;
    char *first_name;
};

/* The SDK's FN_PROGRESS ends with a PBOOL, mingw-w64's with a BOOL; the
 * last argument is not used, and the function is passed through a cast
 * so that both headers accept it. */
static VOID tree_progress(LPWSTR name, DWORD status, PPROG_INVOKE_SETTING invoke, PVOID args,
                          void *security_set)
{
    struct tree_errors *te = args;
    (void)security_set;
    if (status != ERROR_SUCCESS) {
        if (te->n++ == 0) {
            te->first_status = status;
            te->first_name = cordon__win_utf8(name);
        }
    }
    /* Go on with the rest of the tree; the failure is reported after. */
    *invoke = ProgressInvokeOnError;
}

/* Writes |dacl| back, keeping the path's inheritance protection as it
 * was. An inheritable DACL is propagated through the subtree by
 * TreeSetNamedSecurityInfoW (TREE_SEC_INFO_SET: the children keep their
 * explicit ACEs and get the inheritable ones), which reports each object
 * it could not rewrite: any such failure fails the call, so the caller
 * records nothing and the next run propagates again. */
static cordon_error write_dacl(const char *path, const wchar_t *wpath, PACL dacl,
                               PSECURITY_DESCRIPTOR old_sd, int propagate, const char *what)
{
    SECURITY_DESCRIPTOR_CONTROL ctl = 0;
    DWORD rev = 0, err;
    SECURITY_INFORMATION si = DACL_SECURITY_INFORMATION;
    struct tree_errors te = {0, 0, NULL};
    cordon_error e = CORDON_OK;

    if (old_sd && GetSecurityDescriptorControl(old_sd, &ctl, &rev))
        si |= (ctl & SE_DACL_PROTECTED) ? PROTECTED_DACL_SECURITY_INFORMATION
                                        : UNPROTECTED_DACL_SECURITY_INFORMATION;
    if (cordon__win_fresh_object)
        CORDON__WIN_COUNT(new_dacl_writes);
    else
        CORDON__WIN_COUNT(dacl_writes);
    /* Wine has only a stub of TreeSetNamedSecurityInfoW that aborts, and
     * stores no file ACLs anyway. */
    if (propagate && !cordon__win_is_wine()) {
        err = TreeSetNamedSecurityInfoW((LPWSTR)wpath, SE_FILE_OBJECT, si, NULL, NULL, dacl, NULL,
                                        TREE_SEC_INFO_SET,
                                        (FN_PROGRESS)(void (*)(void))tree_progress,
                                        ProgressInvokeOnError, &te);
    } else {
        err = SetNamedSecurityInfoW((LPWSTR)wpath, SE_FILE_OBJECT, si, NULL, NULL, dacl, NULL);
    }
    if (err != ERROR_SUCCESS)
        e = cordon__win_failf(propagate && !cordon__win_is_wine() ? "TreeSetNamedSecurityInfoW"
                                                                   : "SetNamedSecurityInfoW",
                              err, "cannot %s on %s", what, path);
    else if (te.n > 0)
        e = cordon__win_failf("TreeSetNamedSecurityInfoW", te.first_status,
                              "cannot %s on %lu object(s) below %s, the first %s", what, te.n,
                              path, te.first_name ? te.first_name : "(unnamed)");
    free(te.first_name);
    return e;
}

DWORD cordon__win_acl_with_ace(PACL dacl, int deny, DWORD mask, BYTE flags, PSID sid, PACL *out)
{
    ACL_SIZE_INFORMATION si;
    DWORD size, i, rev = dacl->AclRevision, err;
    PACL n;
    int placed = 0;
    *out = NULL;
    if (!GetAclInformation(dacl, &si, sizeof si, AclSizeInformation))
        return GetLastError();
    size = si.AclBytesInUse + (DWORD)sizeof(ACCESS_ALLOWED_ACE) - (DWORD)sizeof(DWORD) +
           GetLengthSid(sid);
    if (!(n = LocalAlloc(LPTR, size)))
        return ERROR_NOT_ENOUGH_MEMORY;
    if (!InitializeAcl(n, size, rev))
        goto fail;
    for (i = 0; i <= si.AceCount; i++) {
        void *raw = NULL;
        int inherited = 0;
        if (i < si.AceCount) {
            if (!GetAce(dacl, i, &raw))
                goto fail;
            inherited = (((ACE_HEADER *)raw)->AceFlags & INHERITED_ACE) != 0;
        }
        /* The canonical order: a deny first, an allow after the explicit
         * ACEs and before the inherited ones. */
        if (!placed && (deny || inherited || i == si.AceCount)) {
            if (!(deny ? AddAccessDeniedAceEx(n, rev, flags, mask, sid)
                       : AddAccessAllowedAceEx(n, rev, flags, mask, sid)))
                goto fail;
            placed = 1;
        }
        if (raw && !AddAce(n, rev, MAXDWORD, raw, ((ACE_HEADER *)raw)->AceSize))
            goto fail;
    }
    *out = n;
    return ERROR_SUCCESS;
fail:
    err = GetLastError();
    LocalFree(n);
    return err ? err : ERROR_INVALID_ACL;
}

cordon_error cordon__win_ensure_ace(const char *path, PSID sid, enum cordon__win_ace_type type,
                                    unsigned long mask, unsigned inherit, int *added)
{
    return cordon__win_ensure_ace_ex(path, sid, type, mask, inherit, 0, added);
}

cordon_error cordon__win_ensure_ace_ex(const char *path, PSID sid, enum cordon__win_ace_type type,
                                       unsigned long mask, unsigned inherit, int repropagate,
                                       int *added)
{
    wchar_t *wpath = cordon__win_wide(path);
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL, ndacl = NULL;
    cordon_error e = CORDON_OK;
    DWORD i, err;
    BYTE want = type == CORDON__WIN_ACE_DENY ? ACCESS_DENIED_ACE_TYPE : ACCESS_ALLOWED_ACE_TYPE;

    if (added)
        *added = 0;
    if (!wpath)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if ((e = read_dacl(path, wpath, &dacl, &sd)) != CORDON_OK)
        goto done;
    if (!dacl) {
        /* A NULL DACL grants everyone everything. SetEntriesInAclW would
         * turn it into a one-ACE DACL and lock everyone else out; cordon
         * changes nothing and says so. */
        e = cordon__fail(CORDON_ERR_PERMISSION,
                         "%s has no DACL (a NULL DACL: everyone may do anything there), so "
                         "cordon cannot restrict it; give it an ACL (e.g. `icacls \"%s\" /reset`) "
                         "and run again",
                         path, path);
        goto done;
    }
    for (i = 0; i < dacl->AceCount; i++) {
        BYTE t, f;
        ACCESS_MASK m;
        PSID s;
        if (!ace_parts(dacl, i, &t, &f, &m, &s) || (f & INHERITED_ACE) || t != want)
            continue;
        if ((f & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)) == (BYTE)inherit &&
            (m & mask) == mask && EqualSid(s, sid)) {
            /* Already there: no write, no propagation, unless an earlier
             * propagation never completed. */
            if (repropagate && inherit)
                e = write_dacl(path, wpath, dacl, sd, 1, "propagate the ACL again");
            goto done;
        }
    }
    /* Nothing is changed that could not be put back as it was. */
    if ((e = keep_original(path, sd)) != CORDON_OK) {
        cordon__fail(e, "%s, so its ACL is not changed", cordon_last_error());
        goto done;
    }
    /* An ACE of its own, never merged into another ACE of the same SID
     * (SetEntriesInAclW's GRANT_ACCESS would fold it into cordon-setup's
     * read grant for the sandbox group, which uninstall then could not
     * take out alone). */
    err = cordon__win_acl_with_ace(dacl, type == CORDON__WIN_ACE_DENY, mask, (BYTE)inherit, sid,
                                   &ndacl);
    if (err != ERROR_SUCCESS) {
        e = cordon__win_failf("AddAccessAllowedAceEx", err, "cannot build the ACL of %s", path);
        goto done;
    }
    if ((e = write_dacl(path, wpath, ndacl, sd, inherit != 0,
                        type == CORDON__WIN_ACE_DENY ? "deny write" : "grant write")) != CORDON_OK)
        goto done;
    if (added)
        *added = 1;
done:
    if (ndacl)
        LocalFree(ndacl);
    if (sd)
        LocalFree(sd);
    free(wpath);
    return e;
}

/* 1 when the ACE is the backend's (cordon__win_ace_is_cordons): never
 * one of cordon-setup's read grants, though it names the same group. */
static int is_cordon_ace(BYTE t, BYTE f, ACCESS_MASK m, PSID s)
{
    char *str = cordon__win_sid_to_string(s);
    int yes = str && cordon__win_ace_is_cordons(str,
                                                t == ACCESS_DENIED_ACE_TYPE ? CORDON__WIN_ACE_DENY
                                                                            : CORDON__WIN_ACE_ALLOW,
                                                f, m);
    free(str);
    return yes;
}

cordon_error cordon__win_remove_cordon_aces(const char *path, int *removed)
{
    return cordon__win_remove_cordon_aces_except(path, NULL, removed);
}

cordon_error cordon__win_remove_cordon_aces_except(const char *path,
                                                   const struct cordon__strv *keep, int *removed)
{
    wchar_t *wpath = cordon__win_wide(path);
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL, ndacl = NULL;
    cordon_error e = CORDON_OK;
    DWORD i;
    int n = 0;

    if (removed)
        *removed = 0;
    if (!wpath)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if ((e = read_dacl(path, wpath, &dacl, &sd)) != CORDON_OK)
        goto done;
    if (!dacl)
        goto done;
    ndacl = malloc(dacl->AclSize);
    if (!ndacl) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (!InitializeAcl(ndacl, dacl->AclSize, ACL_REVISION)) {
        e = cordon__win_fail("cannot build an ACL", "InitializeAcl", GetLastError());
        goto done;
    }
    /* Keep every explicit ACE that is not cordon's, in order; inherited
     * ones are recomputed from the parent by SetNamedSecurityInfoW. */
    for (i = 0; i < dacl->AceCount; i++) {
        void *raw = NULL;
        BYTE t, f;
        ACCESS_MASK m;
        PSID s;
        if (!GetAce(dacl, i, &raw))
            continue;
        if (((ACE_HEADER *)raw)->AceFlags & INHERITED_ACE)
            continue;
        if (ace_parts(dacl, i, &t, &f, &m, &s) && is_cordon_ace(t, f, m, s)) {
            char *str = keep ? cordon__win_sid_to_string(s) : NULL;
            int kept = str && cordon__strv_contains(keep, str);
            free(str);
            if (!kept) {
                n++;
                continue;
            }
        }
        if (!AddAce(ndacl, ACL_REVISION, MAXDWORD, raw, ((ACE_HEADER *)raw)->AceSize)) {
            e = cordon__win_fail("cannot copy an ACE", "AddAce", GetLastError());
            goto done;
        }
    }
    if (n > 0 && (e = write_dacl(path, wpath, ndacl, sd, 1, "remove cordon's ACEs")) != CORDON_OK)
        goto done;
    if (removed)
        *removed = n;
done:
    free(ndacl);
    if (sd)
        LocalFree(sd);
    free(wpath);
    return e;
}

cordon_error cordon__win_list_cordon_aces(const char *path, struct cordon__strv *sids,
                                          struct cordon__strv *kinds)
{
    wchar_t *wpath = cordon__win_wide(path);
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    cordon_error e = CORDON_OK;
    DWORD i;

    if (!wpath)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if ((e = read_dacl(path, wpath, &dacl, &sd)) != CORDON_OK)
        goto done;
    for (i = 0; dacl && i < dacl->AceCount; i++) {
        BYTE t, f;
        ACCESS_MASK m;
        PSID s;
        char *str;
        if (!ace_parts(dacl, i, &t, &f, &m, &s) || (f & INHERITED_ACE))
            continue;
        str = cordon__win_sid_to_string(s);
        if (str && cordon__win_ace_is_cordons(str,
                                              t == ACCESS_DENIED_ACE_TYPE ? CORDON__WIN_ACE_DENY
                                                                          : CORDON__WIN_ACE_ALLOW,
                                              f, m)) {
            if ((e = cordon__strv_push_owned(sids, str)) != CORDON_OK ||
                (e = cordon__strv_push(kinds, t == ACCESS_DENIED_ACE_TYPE ? "deny" : "allow")) !=
                    CORDON_OK)
                goto done;
        } else {
            free(str);
        }
    }
done:
    if (sd)
        LocalFree(sd);
    free(wpath);
    return e;
}

cordon_error cordon__win_restore_dacl(const char *path, const char *original, int *exact)
{
    wchar_t *wpath = cordon__win_wide(path), *wnew = NULL;
    PSECURITY_DESCRIPTOR sd = NULL, nsd = NULL;
    PACL dacl = NULL, ndacl = NULL;
    BOOL present = FALSE, defaulted = FALSE;
    char *current = NULL, *target = NULL;
    cordon_error e = CORDON_OK;

    *exact = 0;
    if (!wpath)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if ((e = read_dacl(path, wpath, &dacl, &sd)) != CORDON_OK)
        goto done;
    /* A NULL DACL (everyone full access) holds no ACE of cordon's, and
     * is never turned into a DACL with ACEs. */
    if (!dacl)
        goto done;
    if ((current = dacl_sddl(sd)) == NULL) {
        e = cordon__win_failf("ConvertSecurityDescriptorToStringSecurityDescriptorW",
                              GetLastError(), "cannot read the ACL of %s", path);
        goto done;
    }
    if ((target = cordon__win_sddl_restore(original, current, exact)) == NULL) {
        e = cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "cannot restore the ACL of %s: %s", path,
                         cordon_last_error());
        goto done;
    }
    if ((wnew = cordon__win_wide(target)) == NULL) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(wnew, SDDL_REVISION_1, &nsd, NULL) ||
        !GetSecurityDescriptorDacl(nsd, &present, &ndacl, &defaulted) || !present || !ndacl) {
        e = cordon__win_failf("ConvertStringSecurityDescriptorToSecurityDescriptorW",
                              GetLastError(), "cannot rebuild the original ACL of %s (%s)", path,
                              target);
        goto done;
    }
    /* The protection of the restored DACL (not the current one) is set;
     * inherited ACEs are recomputed from the parent, and the inheritable
     * ones go down the subtree again. */
    e = write_dacl(path, wpath, ndacl, nsd, 1, "restore the original ACL");
done:
    if (nsd)
        LocalFree(nsd);
    if (sd)
        LocalFree(sd);
    free(current);
    free(target);
    free(wnew);
    free(wpath);
    return e;
}
