/* Facts about the Windows elevated setup, gathered without judging them
 * (core/elevated_windows.c and core/readiness.c decide), and the pieces
 * cordon-setup shares: paths, security descriptors as core's ACE lists,
 * accounts, DPAPI credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <aclapi.h>
#include <lm.h>
#include <sddl.h>
#include <shlobj.h>
#include <wincrypt.h>

#include "elevated_win.h"
#include "win.h"

/* ---- paths ------------------------------------------------------------------ */

static char *known_folder(REFKNOWNFOLDERID id)
{
    PWSTR w = NULL;
    char *s = NULL;
    if (SHGetKnownFolderPath(id, 0, NULL, &w) == S_OK)
        s = cordon__win_utf8(w);
    CoTaskMemFree(w);
    return s;
}

cordon_error cordon__win_elevated_paths(struct cordon__win_elevated_paths *out)
{
    char *pd = known_folder(&FOLDERID_ProgramData), *pf = known_folder(&FOLDERID_ProgramFiles);
    memset(out, 0, sizeof *out);
    if (!pd || !pf) {
        free(pd);
        free(pf);
        return cordon__fail(CORDON_ERR_OS, "the ProgramData or Program Files folder is not known "
                                           "(SHGetKnownFolderPath)");
    }
    out->data_dir = cordon__asprintf("%s\\" CORDON__WIN_DATA_DIR, pd);
    out->marker = cordon__asprintf("%s\\" CORDON__WIN_DATA_DIR "\\" CORDON__WIN_MARKER_NAME, pd);
    out->cred_base = cordon__asprintf("%s\\" CORDON__WIN_DATA_DIR "\\" CORDON__WIN_CRED_DIR, pd);
    out->runner_dir = cordon__asprintf("%s\\" CORDON__WIN_RUNNER_DIR, pf);
    out->runner = cordon__asprintf("%s\\" CORDON__WIN_RUNNER_DIR "\\" CORDON__WIN_RUNNER_NAME, pf);
    free(pd);
    free(pf);
    if (!out->data_dir || !out->marker || !out->cred_base || !out->runner_dir || !out->runner) {
        cordon__win_elevated_paths_free(out);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    return CORDON_OK;
}

void cordon__win_elevated_paths_free(struct cordon__win_elevated_paths *p)
{
    free(p->data_dir);
    free(p->marker);
    free(p->cred_base);
    free(p->runner_dir);
    free(p->runner);
    memset(p, 0, sizeof *p);
}

char *cordon__win_cred_dir(const struct cordon__win_elevated_paths *p, const char *user_sid)
{
    return cordon__asprintf("%s\\%s", p->cred_base, user_sid);
}

char *cordon__win_cred_file(const struct cordon__win_elevated_paths *p, const char *user_sid,
                            const char *account)
{
    return cordon__asprintf("%s\\%s\\%s.dpapi", p->cred_base, user_sid, account);
}

/* ---- security descriptors ------------------------------------------------- */

static void sid_text(PSID sid, char out[184])
{
    char *s = sid ? cordon__win_sid_to_string(sid) : NULL;
    snprintf(out, 184, "%s", s ? s : "");
    free(s);
}

void cordon__win_ace_read(const ACE_HEADER *h, struct cordon__win_dacl_ace *a)
{
    a->inherit_only = (h->AceFlags & INHERIT_ONLY_ACE) != 0;
    if (h->AceType == ACCESS_ALLOWED_ACE_TYPE || h->AceType == ACCESS_DENIED_ACE_TYPE) {
        const ACCESS_ALLOWED_ACE *ace = (const ACCESS_ALLOWED_ACE *)h;
        a->type = h->AceType == ACCESS_ALLOWED_ACE_TYPE ? CORDON__ACE_ALLOW : CORDON__ACE_DENY;
        a->mask = ace->Mask;
        sid_text((PSID)&ace->SidStart, a->sid);
    } else {
        /* Object and callback ACEs: not made by setup. Counted as a grant
         * of everything to someone unknown, so they fail the check rather
         * than slip past it. */
        a->type = CORDON__ACE_ALLOW;
        a->mask = 0xffffffffu;
        snprintf(a->sid, sizeof a->sid, "an ACE of type %u", (unsigned)h->AceType);
    }
}

int cordon__win_read_sd(const char *path, char owner[184], int *dacl_present,
                        struct cordon__win_dacl_ace **aces, size_t *n, char *why, size_t n_why)
{
    wchar_t *w = cordon__win_wide(path);
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID own = NULL;
    PACL dacl = NULL;
    DWORD err;
    ACL_SIZE_INFORMATION info;
    DWORD i;

    *aces = NULL;
    *n = 0;
    *dacl_present = 0;
    owner[0] = '\0';
    if (!w) {
        snprintf(why, n_why, "%s: not a valid path", path);
        return -1;
    }
    CORDON__WIN_COUNT(dacl_reads);
    err = GetNamedSecurityInfoW(w, SE_FILE_OBJECT,
                                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &own,
                                NULL, &dacl, NULL, &sd);
    free(w);
    if (err != ERROR_SUCCESS) {
        snprintf(why, n_why, "%s: GetNamedSecurityInfoW: error %lu", path, (unsigned long)err);
        return -1;
    }
    sid_text(own, owner);
    if (dacl) {
        *dacl_present = 1;
        memset(&info, 0, sizeof info);
        if (!GetAclInformation(dacl, &info, sizeof info, AclSizeInformation))
            info.AceCount = 0;
        *aces = cordon__xcalloc(info.AceCount ? info.AceCount : 1, sizeof **aces);
        if (!*aces) {
            LocalFree(sd);
            snprintf(why, n_why, "out of memory");
            return -1;
        }
        for (i = 0; i < info.AceCount; i++) {
            ACE_HEADER *h;
            struct cordon__win_dacl_ace *a = &(*aces)[*n];
            if (!GetAce(dacl, i, (void **)&h))
                continue;
            cordon__win_ace_read(h, a);
            (*n)++;
        }
    }
    LocalFree(sd);
    return 0;
}

int cordon__win_path_admin_only(const char *path, int is_dir, char *why, size_t n_why)
{
    char owner[184], what[200];
    struct cordon__win_dacl_ace *aces;
    size_t n;
    int present, ok;
    if (cordon__win_read_sd(path, owner, &present, &aces, &n, why, n_why) != 0)
        return 0;
    ok = cordon__win_admin_only(owner, present, aces, n, is_dir, what, sizeof what);
    if (!ok)
        snprintf(why, n_why, "%s %s", path, what);
    free(aces);
    return ok;
}

int cordon__win_account_sid(const char *name, int want_type, char sid[184])
{
    wchar_t *w = cordon__win_wide(name);
    BYTE buf[SECURITY_MAX_SID_SIZE];
    wchar_t domain[256];
    DWORD cb = sizeof buf, cch = 256;
    SID_NAME_USE use;
    int ok;
    sid[0] = '\0';
    if (!w)
        return 0;
    ok = LookupAccountNameW(NULL, w, buf, &cb, domain, &cch, &use) && (int)use == want_type;
    free(w);
    if (ok)
        sid_text(buf, sid);
    return ok && sid[0];
}

int cordon__win_group_has(const char *group, const char *sid, unsigned long *members)
{
    wchar_t *w = cordon__win_wide(group);
    LOCALGROUP_MEMBERS_INFO_0 *m = NULL;
    DWORD read = 0, total = 0, i;
    DWORD_PTR resume = 0;
    int found = 0;
    if (members)
        *members = 0;
    if (!w)
        return 0;
    if (NetLocalGroupGetMembers(NULL, w, 0, (LPBYTE *)&m, MAX_PREFERRED_LENGTH, &read, &total,
                                &resume) == NERR_Success) {
        if (members)
            *members = total;
        for (i = 0; i < read && !found; i++) {
            char s[184];
            sid_text(m[i].lgrmi0_sid, s);
            found = s[0] && strcmp(s, sid) == 0;
        }
    }
    if (m)
        NetApiBufferFree(m);
    free(w);
    return found;
}

/* ---- credentials ------------------------------------------------------------ */

void cordon__win_password_free(char *password)
{
    if (password) {
        SecureZeroMemory(password, strlen(password));
        free(password);
    }
}

static DATA_BLOB entropy_of(const char *account, char **keep)
{
    DATA_BLOB e;
    *keep = cordon__win_cred_entropy(account);
    e.pbData = (BYTE *)*keep;
    e.cbData = *keep ? (DWORD)strlen(*keep) : 0;
    return e;
}

cordon_error cordon__win_cred_read(const char *path, const char *account, char **password)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h;
    BYTE buf[4096];
    DWORD got = 0;
    DATA_BLOB in, out = {0, NULL}, ent;
    char *keep = NULL;
    cordon_error rc = CORDON_OK;

    *password = NULL;
    if (!w)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND
                   ? cordon__fail(CORDON_ERR_PATH, "%s does not exist", path)
                   : cordon__win_failf("CreateFileW", e, "reading the credentials %s", path);
    }
    if (!ReadFile(h, buf, sizeof buf, &got, NULL) || got == 0 || got == sizeof buf) {
        DWORD e = GetLastError();
        CloseHandle(h);
        return cordon__win_failf("ReadFile", got == 0 || got == sizeof buf ? ERROR_INVALID_DATA : e,
                                 "reading the credentials %s", path);
    }
    CloseHandle(h);
    in.pbData = buf;
    in.cbData = got;
    ent = entropy_of(account, &keep);
    if (!CryptUnprotectData(&in, NULL, &ent, NULL, NULL, CRYPTPROTECT_UI_FORBIDDEN, &out)) {
        rc = cordon__win_failf("CryptUnprotectData", GetLastError(), "decrypting %s", path);
    } else {
        *password = cordon__strndup((const char *)out.pbData, out.cbData);
        if (!*password || strlen(*password) != out.cbData) {
            cordon__win_password_free(*password);
            *password = NULL;
            rc = cordon__fail(CORDON_ERR_SETUP, "%s does not hold a password", path);
        }
        SecureZeroMemory(out.pbData, out.cbData);
        LocalFree(out.pbData);
    }
    free(keep);
    SecureZeroMemory(buf, sizeof buf);
    return rc;
}

cordon_error cordon__win_cred_write(const char *path, const char *account, const char *password,
                                    int machine)
{
    DATA_BLOB in, out = {0, NULL}, ent;
    char *keep = NULL, *tmp = cordon__asprintf("%s.new", path);
    wchar_t *wt = tmp ? cordon__win_wide(tmp) : NULL, *wp = cordon__win_wide(path);
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD put = 0;
    cordon_error rc = CORDON_OK;

    if (!wt || !wp) {
        rc = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    in.pbData = (BYTE *)password;
    in.cbData = (DWORD)strlen(password);
    ent = entropy_of(account, &keep);
    if (!CryptProtectData(&in, L"cordon sandbox credential", &ent, NULL, NULL,
                          CRYPTPROTECT_UI_FORBIDDEN | (machine ? CRYPTPROTECT_LOCAL_MACHINE : 0),
                          &out)) {
        rc = cordon__win_failf("CryptProtectData", GetLastError(), "protecting %s", path);
        goto done;
    }
    /* The file inherits the directory's protected DACL. A new file only:
     * the real user may put entries in its credentials directory, and
     * setup (elevated, or the refresh task as SYSTEM) opening one that is
     * there, a hard link to another file, would overwrite that file.
     * Deleting a name removes only that link. */
    DeleteFileW(wt);
    h = CreateFileW(wt, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        rc = cordon__win_failf("CreateFileW", GetLastError(), "writing %s", tmp);
        goto done;
    }
    if (!WriteFile(h, out.pbData, out.cbData, &put, NULL) || put != out.cbData ||
        !FlushFileBuffers(h)) {
        rc = cordon__win_failf("WriteFile", GetLastError(), "writing %s", tmp);
        CloseHandle(h);
        DeleteFileW(wt);
        goto done;
    }
    CloseHandle(h);
    if (!MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        rc = cordon__win_failf("MoveFileExW", GetLastError(), "replacing %s", path);
        DeleteFileW(wt);
    }
done:
    if (out.pbData)
        LocalFree(out.pbData);
    free(keep);
    free(tmp);
    free(wt);
    free(wp);
    return rc;
}

/* ---- the facts ---------------------------------------------------------------- */

static int exists(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES;
}

/* Reads the whole small file |path| (no reparse point followed). */
static int read_small(const char *path, size_t max, char **text, size_t *len, char *why, size_t n)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h;
    LARGE_INTEGER size;
    DWORD got = 0;
    *text = NULL;
    h = w ? CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                        FILE_FLAG_OPEN_REPARSE_POINT, NULL)
          : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(why, n, "CreateFileW: error %lu", (unsigned long)GetLastError());
        return -1;
    }
    if (!GetFileSizeEx(h, &size) || size.QuadPart < 0 || (unsigned long long)size.QuadPart > max) {
        snprintf(why, n, "larger than %lu bytes", (unsigned long)max);
        CloseHandle(h);
        return -1;
    }
    *text = malloc((size_t)size.QuadPart + 1);
    if (!*text || (size.QuadPart && (!ReadFile(h, *text, (DWORD)size.QuadPart, &got, NULL) ||
                                     got != (DWORD)size.QuadPart))) {
        snprintf(why, n, "ReadFile: error %lu", (unsigned long)GetLastError());
        free(*text);
        *text = NULL;
        CloseHandle(h);
        return -1;
    }
    (*text)[got] = '\0';
    *len = got;
    CloseHandle(h);
    return 0;
}

static void read_marker(struct cordon__win_probe_facts *pf)
{
    struct cordon__elevated_facts *f = &pf->f;
    char why[200], *dir, *slash, *text = NULL;
    size_t len = 0;

    if (!exists(pf->marker_path))
        return;
    f->marker_found = 1;
    /* Only administrators may have written it, and only they may replace
     * it: otherwise anyone could point the tier at their own runner. */
    if (!cordon__win_path_admin_only(pf->marker_path, 0, why, sizeof why)) {
        snprintf(f->marker_error, sizeof f->marker_error,
                 "%s; only SYSTEM and Administrators may change it (an administrator re-runs "
                 "cordon-setup install)",
                 why);
        return;
    }
    dir = cordon__strdup(pf->marker_path);
    slash = dir ? strrchr(dir, '\\') : NULL;
    if (slash) {
        *slash = '\0';
        if (!cordon__win_path_admin_only(dir, 1, why, sizeof why)) {
            snprintf(f->marker_error, sizeof f->marker_error,
                     "its directory %s; only SYSTEM and Administrators may change it (an "
                     "administrator re-runs cordon-setup install)",
                     why);
            free(dir);
            return;
        }
    }
    free(dir);
    if (read_small(pf->marker_path, CORDON__MARKER_MAX_BYTES, &text, &len, why, sizeof why)) {
        snprintf(f->marker_error, sizeof f->marker_error, "%s", why);
        return;
    }
    if (cordon__marker_parse(text, len, pf->marker_path, &pf->marker) != CORDON_OK)
        snprintf(f->marker_error, sizeof f->marker_error, "%s", cordon_last_error());
    else
        f->marker = &pf->marker;
    free(text);
}

static void account(const char *name, int type, struct cordon__account_fact *out)
{
    char sid[184];
    memset(out, 0, sizeof *out);
    out->found = cordon__win_account_sid(name, type, sid);
    /* A SID longer than the fact holds cannot equal the marker's. */
    if (out->found && strlen(sid) >= sizeof out->id)
        snprintf(out->id, sizeof out->id, "(a SID too long to compare)");
    else if (out->found)
        snprintf(out->id, sizeof out->id, "%s", sid);
}

static void runner(const struct cordon__marker *m, struct cordon__elevated_facts *f)
{
    char why[200], *text = NULL, *dir, *slash;
    size_t len = 0;
    unsigned char d[32];
    int i;

    if (!exists(m->runner_path))
        return;
    f->runner_found = 1;
    f->runner_root_owned = 1;
    if (!cordon__win_path_admin_only(m->runner_path, 0, why, sizeof why)) {
        snprintf(f->runner_error, sizeof f->runner_error, "%s", why);
        return;
    }
    dir = cordon__strdup(m->runner_path);
    slash = dir ? strrchr(dir, '\\') : NULL;
    if (slash) {
        *slash = '\0';
        if (!cordon__win_path_admin_only(dir, 1, why, sizeof why))
            f->runner_writable_by_others = 1;
    }
    free(dir);
    if (f->runner_writable_by_others)
        return;
    if (read_small(m->runner_path, 64u * 1024 * 1024, &text, &len, why, sizeof why)) {
        snprintf(f->runner_error, sizeof f->runner_error, "%s", why);
        return;
    }
    cordon__sha256(text, len, d);
    for (i = 0; i < 32; i++)
        snprintf(f->runner_sha256 + 2 * i, 3, "%02x", d[i]);
    free(text);
}

static void cred(const struct cordon__win_elevated_paths *p, const char *account,
                 struct cordon__win_cred_fact *out)
{
    const char *me = cordon__win_user_sid();
    char *path = me ? cordon__win_cred_file(p, me, account) : NULL, *pw = NULL;
    cordon_error rc;
    memset(out, 0, sizeof *out);
    if (!path)
        return;
    rc = cordon__win_cred_read(path, account, &pw);
    if (rc == CORDON_OK) {
        out->found = out->decrypts = 1;
    } else if (rc != CORDON_ERR_PATH) {
        out->found = 1;
        snprintf(out->error, sizeof out->error, "%s", cordon_last_error());
    }
    cordon__win_password_free(pw);
    free(path);
}

/* The caller's credentials directory admits nobody but the caller,
 * SYSTEM and Administrators to read it. */
static void cred_dir(const struct cordon__win_elevated_paths *p, struct cordon__win_elevated_facts *w)
{
    const char *me = cordon__win_user_sid();
    char *dir = me ? cordon__win_cred_dir(p, me) : NULL, owner[184], why[200];
    struct cordon__win_dacl_ace *aces = NULL;
    size_t n = 0, i;
    int present;
    if (!dir || !exists(dir)) {
        free(dir);
        return; /* the credential checks say "no stored credentials" */
    }
    if (cordon__win_read_sd(dir, owner, &present, &aces, &n, why, sizeof why) != 0) {
        snprintf(w->cred_dir_error, sizeof w->cred_dir_error, "cannot be read: %s", why);
    } else if (!cordon__win_admin_only(owner, present, NULL, 0, 1, why, sizeof why)) {
        snprintf(w->cred_dir_error, sizeof w->cred_dir_error, "%s %s", dir, why);
    } else {
        for (i = 0; i < n; i++) {
            if (aces[i].type != CORDON__ACE_ALLOW || !(aces[i].mask & (0x1u | 0x80000000u |
                                                                       0x10000000u)))
                continue;
            if (strcmp(aces[i].sid, CORDON__SID_SYSTEM) != 0 &&
                strcmp(aces[i].sid, CORDON__SID_ADMINS) != 0 && strcmp(aces[i].sid, me) != 0) {
                snprintf(w->cred_dir_error, sizeof w->cred_dir_error,
                         "%s lets %s read it", dir, aces[i].sid);
                break;
            }
        }
    }
    free(aces);
    free(dir);
}

void cordon__win_elevated_facts(const char *marker_path, struct cordon__win_probe_facts *pf)
{
    struct cordon__elevated_facts *f = &pf->f;
    struct cordon__win_elevated_facts *w = &pf->w;
    struct cordon__win_elevated_paths paths;
    const struct cordon__marker *m;
    const char *me = cordon__win_user_sid();
    struct cordon__win_fw_rule want[CORDON__FW_MAX_RULES];
    size_t n_want;
    wchar_t name[256];
    DWORD cch = 256;

    memset(pf, 0, sizeof *pf);
    f->win = w;
    if (cordon__win_elevated_paths(&paths) != CORDON_OK) {
        f->marker_found = 1;
        snprintf(f->marker_error, sizeof f->marker_error, "%s", cordon_last_error());
        return;
    }
    snprintf(pf->marker_path, sizeof pf->marker_path, "%s", marker_path ? marker_path : paths.marker);
    f->marker_path = pf->marker_path;
    read_marker(pf);
    m = f->marker;
    if (!m)
        goto done;
    account(m->offline.name, SidTypeUser, &f->offline);
    account(m->online.name, SidTypeUser, &f->online);
    account(m->sandbox_group.name, SidTypeAlias, &f->sandbox_group);
    account(m->users_group.name, SidTypeAlias, &f->users_group);
    if (GetUserNameW(name, &cch)) {
        char *u = cordon__win_utf8(name);
        snprintf(f->caller_name, sizeof f->caller_name, "%s", u ? u : "");
        free(u);
    }
    f->caller_allowed = me && cordon__win_group_has(m->users_group.name, me, &w->allowed_members);
    runner(m, f);
    cred_dir(&paths, w);
    cred(&paths, m->offline.name, &w->offline_cred);
    cred(&paths, m->online.name, &w->online_cred);
    n_want = cordon__win_fw_rules(m->offline.id, m->loopback_ports, m->n_loopback_ports, want);
    if (cordon__win_fw_read(want, n_want, pf->rules, pf->found, w->fw_enabled,
                            &w->fw_modify_state) != CORDON_OK)
        snprintf(w->fw_error, sizeof w->fw_error, "%s", cordon_last_error());
    w->rules = pf->rules;
    w->rule_found = pf->found;
    w->n_rules = n_want;
done:
    cordon__win_elevated_paths_free(&paths);
}

void cordon__win_probe_facts_free(struct cordon__win_probe_facts *pf)
{
    cordon__win_elevated_secrets_free(pf);
    cordon__marker_free(&pf->marker);
    pf->f.marker = NULL;
}

void cordon__win_elevated_marker(struct cordon__win_probe_facts *pf)
{
    struct cordon__win_elevated_paths paths;

    memset(pf, 0, sizeof *pf);
    pf->f.win = &pf->w;
    if (cordon__win_elevated_paths(&paths) != CORDON_OK) {
        pf->f.marker_found = 1;
        snprintf(pf->f.marker_error, sizeof pf->f.marker_error, "%s", cordon_last_error());
        return;
    }
    snprintf(pf->marker_path, sizeof pf->marker_path, "%s", paths.marker);
    pf->f.marker_path = pf->marker_path;
    read_marker(pf);
    cordon__win_elevated_paths_free(&paths);
}
