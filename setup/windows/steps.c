/* cordon-setup on Windows: install, verify, status, uninstall,
 * refresh-credentials (docs/internals/windows-elevated.md).
 *
 * The steps, their order and what each checks and changes are core's
 * (cordon__win_setup_steps); this file carries them out. Every step checks
 * before it changes, so a re-run after a failure resumes and a run on a
 * complete installation changes nothing but the passwords, which rotate
 * on purpose. The marker is written last and removed first. A failure
 * prints the step, the call, the Win32 code with its text and the fix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <io.h>
#include <stdint.h>
#include <windows.h>
#include <aclapi.h>
#include <bcrypt.h>
#include <lm.h>
#include <sddl.h>
#include <shellapi.h>
#include <userenv.h>

#include "elevated_win.h"
#include "ipc.h"
#include "setup.h"
#include "setup_win.h"
#include "win.h"

#define N_STEPS 16

struct ctx {
    const struct setup_args *a;
    struct cordon__win_elevated_paths paths;
    int verify;                       /* check only: change nothing */
    struct cordon__strv names;        /* allowed users, DOMAIN\name */
    struct cordon__strv sids;         /* parallel */
    char me_sid[184];                 /* the account setup runs as */
    char sid_offline[184], sid_online[184], sid_sandbox[184], sid_users[184];
    char pw_offline[CORDON__WIN_PASSWORD_LEN + 1], pw_online[CORDON__WIN_PASSWORD_LEN + 1];
    char runner_sha[65], rules_sha[65];
    int runner_protocol;              /* the tag in the installed runner (cordon__ipc_runner_tag) */
    struct cordon__win_fw_rule rules[CORDON__FW_MAX_RULES];
    size_t n_rules;
    int found;                        /* verify: something of the setup is here */
    char error[1024];
    char detail[300];
};

/* ---- errors ------------------------------------------------------------------ */

/* The text of a Win32 or network-management code. */
static void code_text(DWORD code, char *out, size_t n)
{
    wchar_t buf[512];
    DWORD len = 0;
    HMODULE netmsg = NULL;
    char *s;
    out[0] = '\0';
    if (code >= NERR_BASE && code <= MAX_NERR) {
        netmsg = LoadLibraryExW(L"netmsg.dll", NULL, LOAD_LIBRARY_AS_DATAFILE);
        if (netmsg)
            len = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_IGNORE_INSERTS,
                                 netmsg, code, 0, buf, 512, NULL);
    }
    if (!len)
        len = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             code, 0, buf, 512, NULL);
    if (netmsg)
        FreeLibrary(netmsg);
    while (len && (buf[len - 1] == L'\r' || buf[len - 1] == L'\n' || buf[len - 1] == L'.'))
        buf[--len] = L'\0';
    s = len ? cordon__win_utf8(buf) : NULL;
    snprintf(out, n, "%s", s ? s : "no text for this code");
    free(s);
}

/* "<what>: <call>: error N, <text>. Fix: <fix>" into the step's error. */
static int fail(struct ctx *c, const char *what, const char *call, DWORD code, const char *fix)
{
    char text[300];
    code_text(code, text, sizeof text);
    snprintf(c->error, sizeof c->error, "%s: %s: error %lu, %s. Fix: %s", what, call,
             (unsigned long)code, text, fix);
    return -1;
}

/* A failure already recorded by the OS layer (cordon_last_error). */
static int fail_last(struct ctx *c, const char *fix)
{
    snprintf(c->error, sizeof c->error, "%s. Fix: %s", cordon_last_error(), fix);
    return -1;
}

static int problem(struct ctx *c, const char *fmt, ...) CORDON__PRINTF(2, 3);
static int problem(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    return -1;
}

#define FIX_RERUN "run cordon-setup install again as an administrator"

/* ---- small helpers ------------------------------------------------------------- */

static wchar_t *W(const char *s)
{
    return cordon__win_wide(s);
}

static int is_elevated_admin(void)
{
    BYTE buf[SECURITY_MAX_SID_SIZE];
    DWORD cb = sizeof buf;
    BOOL member = FALSE;
    if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, buf, &cb))
        return 0;
    /* With UAC, an administrator's unelevated token carries the group
     * deny-only: CheckTokenMembership says no until elevated. */
    return CheckTokenMembership(NULL, buf, &member) && member;
}

/* This process's user: SID and DOMAIN\name. */
static int token_user(char sid[184], char *name, size_t n)
{
    HANDLE tok;
    BYTE buf[512];
    DWORD got = 0;
    wchar_t user[256], domain[256];
    DWORD cu = 256, cd = 256;
    SID_NAME_USE use;
    char *u, *d, *s;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return 0;
    if (!GetTokenInformation(tok, TokenUser, buf, sizeof buf, &got)) {
        CloseHandle(tok);
        return 0;
    }
    CloseHandle(tok);
    s = cordon__win_sid_to_string(((TOKEN_USER *)buf)->User.Sid);
    snprintf(sid, 184, "%s", s ? s : "");
    free(s);
    if (name && LookupAccountSidW(NULL, ((TOKEN_USER *)buf)->User.Sid, user, &cu, domain, &cd,
                                  &use)) {
        u = cordon__win_utf8(user);
        d = cordon__win_utf8(domain);
        snprintf(name, n, "%s\\%s", d ? d : "", u ? u : "");
        free(u);
        free(d);
    }
    return sid[0] != '\0';
}

static int exists(const char *path)
{
    wchar_t *w = W(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES;
}

/* Makes |dir| with |sddl|, or puts |sddl|'s owner and protected DACL on it
 * when it is there. */
static int ensure_dir(struct ctx *c, const char *dir, const char *sddl, const char *what)
{
    wchar_t *w = W(dir), *ws = W(sddl);
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES sa;
    int rc = 0;
    if (!w || !ws || !ConvertStringSecurityDescriptorToSecurityDescriptorW(ws, SDDL_REVISION_1,
                                                                           &sd, NULL)) {
        rc = fail(c, what, "ConvertStringSecurityDescriptorToSecurityDescriptorW", GetLastError(),
                  "report this: the security descriptor is cordon's own");
        goto done;
    }
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = sd;
    sa.bInheritHandle = FALSE;
    if (CreateDirectoryW(w, &sa)) {
        snprintf(c->detail, sizeof c->detail, "created");
    } else if (GetLastError() == ERROR_ALREADY_EXISTS) {
        /* On the directory alone (SetFileSecurityW does not propagate to
         * what is in it): a real user may put entries in its own
         * credentials directory, a hard link to a file of the system's
         * among them, and an elevated setup (or the refresh task, which
         * that user may start) walking them would rewrite that file's
         * DACL. Entries setup writes there are new files, which inherit
         * the directory's ACEs when they are made. */
        DWORD attrs = GetFileAttributesW(w);
        if (attrs == INVALID_FILE_ATTRIBUTES || !(attrs & FILE_ATTRIBUTE_DIRECTORY) ||
            (attrs & FILE_ATTRIBUTE_REPARSE_POINT))
            rc = problem(c, "%s is not a plain directory. Fix: remove it (it was not made by "
                         "setup) and run install again", dir);
        else if (!SetFileSecurityW(w, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, sd))
            rc = fail(c, dir, "SetFileSecurityW", GetLastError(),
                      "remove the directory (it was not made by setup) and run install again");
    } else {
        rc = fail(c, dir, "CreateDirectoryW", GetLastError(),
                  "check that the parent directory exists and is writable by administrators");
    }
done:
    if (sd)
        LocalFree(sd);
    free(w);
    free(ws);
    return rc;
}

/* ---- accounts --------------------------------------------------------------- */

static int new_password(struct ctx *c, char out[CORDON__WIN_PASSWORD_LEN + 1])
{
    unsigned char rnd[512];
    NTSTATUS st = BCryptGenRandom(NULL, rnd, sizeof rnd, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    int rc;
    if (st != 0)
        return problem(c, "BCryptGenRandom: NTSTATUS 0x%08lx. Fix: the system's random number "
                       "generator failed; try again", (unsigned long)st);
    rc = cordon__win_password(rnd, sizeof rnd, out);
    SecureZeroMemory(rnd, sizeof rnd);
    return rc == 0 ? 0 : problem(c, "not enough random bytes for a password. Fix: try again");
}

static int lookup(const char *name, int type, char sid[184])
{
    return cordon__win_account_sid(name, type, sid);
}

/* A group counts as there when its name resolves to a local group's SID
 * (not merely when NetLocalGroupGetInfo answers: what decides is the SID
 * the marker and the DACLs will name). */
static int ensure_group(struct ctx *c, const char *name, const char *comment, char sid[184])
{
    wchar_t *w, *wc;
    LOCALGROUP_INFO_1 info;
    NET_API_STATUS st;
    int rc = 0;
    if (lookup(name, SidTypeAlias, sid)) {
        c->found = 1;
        snprintf(c->detail, sizeof c->detail, "already there");
        return 0;
    }
    if (c->verify)
        return problem(c, "group %s is missing", name);
    w = W(name);
    wc = W(comment);
    info.lgrpi1_name = w;
    info.lgrpi1_comment = wc;
    st = w && wc ? NetLocalGroupAdd(NULL, 1, (LPBYTE)&info, NULL) : ERROR_NOT_ENOUGH_MEMORY;
    free(w);
    free(wc);
    if (st != NERR_Success && st != ERROR_ALIAS_EXISTS && st != NERR_GroupExists)
        return fail(c, name, "NetLocalGroupAdd", st,
                    "check that no user or group of that name exists already");
    if (!lookup(name, SidTypeAlias, sid))
        rc = problem(c, "group %s cannot be looked up by name after NetLocalGroupAdd "
                     "(LookupAccountNameW: error %lu). Fix: check that no user or domain group "
                     "of that name exists, then run install again",
                     name, (unsigned long)GetLastError());
    else
        snprintf(c->detail, sizeof c->detail, "created");
    return rc;
}

#define USER_FLAGS (UF_SCRIPT | UF_DONT_EXPIRE_PASSWD | UF_PASSWD_CANT_CHANGE)

static int ensure_user(struct ctx *c, const char *name, char pw[CORDON__WIN_PASSWORD_LEN + 1],
                       char sid[184])
{
    wchar_t *w = W(name), *wp = NULL, comment[] = L"cordon sandbox user (cordon-setup)";
    USER_INFO_1 *got = NULL;
    NET_API_STATUS st;
    int rc = 0;

    st = NetUserGetInfo(NULL, w, 1, (LPBYTE *)&got);
    if (st == NERR_Success) {
        DWORD priv = got->usri1_priv, flags = got->usri1_flags;
        NetApiBufferFree(got);
        c->found = 1;
        /* Never take over an account that is more than a plain user. */
        if (priv != USER_PRIV_USER) {
            rc = problem(c, "user %s exists with privilege level %lu, not a plain user: refused, "
                         "not changed. Fix: remove or rename that account, then run install again",
                         name, (unsigned long)priv);
            goto done;
        }
        if (c->verify) {
            if ((flags & USER_FLAGS) != USER_FLAGS || (flags & (UF_ACCOUNTDISABLE | UF_LOCKOUT)))
                rc = problem(c, "user %s has flags 0x%lx: %s", name, (unsigned long)flags,
                             (flags & UF_LOCKOUT) ? "locked out"
                             : (flags & UF_ACCOUNTDISABLE) ? "disabled"
                                                           : "its password may expire or be "
                                                             "changed");
            goto look;
        }
        if (new_password(c, pw))
            goto done;
        wp = W(pw);
        {
            USER_INFO_1003 p;
            USER_INFO_1008 f;
            p.usri1003_password = wp;
            st = NetUserSetInfo(NULL, w, 1003, (LPBYTE)&p, NULL);
            if (st != NERR_Success) {
                rc = fail(c, name, "NetUserSetInfo(1003, new password)", st,
                          "check the local password policy (a 32-character password with "
                          "upper, lower, digit and symbol was refused)");
                goto done;
            }
            f.usri1008_flags = USER_FLAGS | (flags & ~(UF_ACCOUNTDISABLE | UF_LOCKOUT |
                                                       UF_PASSWORD_EXPIRED));
            st = NetUserSetInfo(NULL, w, 1008, (LPBYTE)&f, NULL);
            if (st != NERR_Success) {
                rc = fail(c, name, "NetUserSetInfo(1008, flags)", st, FIX_RERUN);
                goto done;
            }
        }
        snprintf(c->detail, sizeof c->detail, "already there, new password");
    } else if (c->verify) {
        rc = problem(c, "user %s is missing", name);
        goto done;
    } else {
        USER_INFO_1 u;
        if (new_password(c, pw))
            goto done;
        wp = W(pw);
        memset(&u, 0, sizeof u);
        u.usri1_name = w;
        u.usri1_password = wp;
        u.usri1_priv = USER_PRIV_USER;
        u.usri1_comment = comment;
        u.usri1_flags = USER_FLAGS;
        st = NetUserAdd(NULL, 1, (LPBYTE)&u, NULL);
        if (st != NERR_Success) {
            rc = fail(c, name, "NetUserAdd", st,
                      st == NERR_PasswordTooShort
                          ? "the local password policy refused a 32-character password with "
                            "upper, lower, digit and symbol: relax the policy's length, history or "
                            "age rules for local accounts"
                          : "check that no group or user of that name exists");
            goto done;
        }
        snprintf(c->detail, sizeof c->detail, "created");
    }
look:
    if (!lookup(name, SidTypeUser, sid))
        rc = problem(c, "user %s cannot be looked up by name (LookupAccountNameW: error %lu). "
                     "Fix: " FIX_RERUN,
                     name, (unsigned long)GetLastError());
done:
    if (wp) {
        SecureZeroMemory(wp, wcslen(wp) * sizeof *wp);
        free(wp);
    }
    free(w);
    return rc;
}

static int add_member(struct ctx *c, const char *group, const char *sid)
{
    wchar_t *wg;
    PSID psid;
    LOCALGROUP_MEMBERS_INFO_0 m;
    NET_API_STATUS st;
    if (!sid[0])
        return problem(c, "membership in %s cannot be checked: an account before it is missing",
                       group);
    if (cordon__win_group_has(group, sid, NULL)) {
        c->found = 1;
        return 0;
    }
    if (c->verify)
        return problem(c, "%s is not a member of %s", sid, group);
    wg = W(group);
    psid = cordon__win_sid_from_string(sid);
    if (!wg || !psid) {
        free(wg);
        if (psid)
            LocalFree(psid);
        return fail_last(c, FIX_RERUN);
    }
    m.lgrmi0_sid = psid;
    st = NetLocalGroupAddMembers(NULL, wg, 0, (LPBYTE)&m, 1);
    LocalFree(psid);
    free(wg);
    if (st != NERR_Success && st != ERROR_MEMBER_IN_ALIAS)
        return fail(c, group, "NetLocalGroupAddMembers", st, FIX_RERUN);
    return 0;
}

/* ---- the install steps -------------------------------------------------------- */

static int step_elevation(struct ctx *c)
{
    if (!c->verify && !is_elevated_admin())
        return problem(c, "this process is not an elevated administrator. Fix: run cordon-setup "
                       "from an account in Administrators and accept the UAC prompt");
    snprintf(c->detail, sizeof c->detail, "%s", is_elevated_admin() ? "elevated" : "not needed");
    return 0;
}

static int step_users(struct ctx *c)
{
    char me_name[600] = "";
    size_t i;
    if (!token_user(c->me_sid, me_name, sizeof me_name))
        return fail(c, "this process's user", "GetTokenInformation(TokenUser)", GetLastError(),
                    "run setup from a normal user session");
    if (c->verify) {
        /* verify reads the allowed users from the marker */
        snprintf(c->detail, sizeof c->detail, "%zu recorded in the marker", c->names.n);
        return 0;
    }
    if (c->a->users.n == 0 && cordon__strv_push(&c->names, me_name) != CORDON_OK)
        return problem(c, "out of memory");
    for (i = 0; i < c->a->users.n; i++)
        if (cordon__strv_push(&c->names, c->a->users.v[i]) != CORDON_OK)
            return problem(c, "out of memory");
    /* The sandbox users are shared by every allowed user, and each holds
     * their passwords: a second one could log on as them and reach the
     * first one's grants. The probe refuses a group of more than one. */
    if (c->names.n > 1)
        return problem(c, "%zu users named: the sandbox users would be shared, so one could write "
                       "another's workspaces. Fix: name one user with --user (this version serves "
                       "one allowed user)", c->names.n);
    for (i = 0; i < c->names.n; i++) {
        char sid[184];
        if (!lookup(c->names.v[i], SidTypeUser, sid))
            return problem(c, "%s is not a user account here (LookupAccountNameW: error %lu). "
                           "Fix: name an existing user with --user DOMAIN\\NAME",
                           c->names.v[i], (unsigned long)GetLastError());
        if (cordon__strv_push(&c->sids, sid) != CORDON_OK)
            return problem(c, "out of memory");
    }
    snprintf(c->detail, sizeof c->detail, "%s%s", c->names.v[0], c->names.n > 1 ? " and others" : "");
    return 0;
}

static int step_sandbox_group(struct ctx *c)
{
    return ensure_group(c, CORDON__WIN_SANDBOX_GROUP, "cordon sandbox users (cordon-setup)",
                        c->sid_sandbox);
}

static int step_offline(struct ctx *c)
{
    return ensure_user(c, CORDON__WIN_OFFLINE_USER, c->pw_offline, c->sid_offline);
}

static int step_online(struct ctx *c)
{
    return ensure_user(c, CORDON__WIN_ONLINE_USER, c->pw_online, c->sid_online);
}

static int step_sandbox_members(struct ctx *c)
{
    if (add_member(c, CORDON__WIN_SANDBOX_GROUP, c->sid_offline) ||
        add_member(c, CORDON__WIN_SANDBOX_GROUP, c->sid_online))
        return -1;
    return 0;
}

static int step_hidden(struct ctx *c)
{
    static const wchar_t *const names[2] = {L"" CORDON__WIN_OFFLINE_USER, L"" CORDON__WIN_ONLINE_USER};
    HKEY key;
    LONG st;
    int i, changed = 0;
    st = c->verify ? RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"" CORDON__WIN_HIDE_KEY, 0, KEY_QUERY_VALUE,
                                   &key)
                   : RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"" CORDON__WIN_HIDE_KEY, 0, NULL, 0,
                                     KEY_QUERY_VALUE | KEY_SET_VALUE, NULL, &key, NULL);
    if (st != ERROR_SUCCESS)
        return c->verify ? problem(c, "the sandbox users are not hidden from the logon screen")
                         : fail(c, "HKLM\\" CORDON__WIN_HIDE_KEY, "RegCreateKeyExW", (DWORD)st,
                                FIX_RERUN);
    for (i = 0; i < 2; i++) {
        DWORD v = 1, type = 0, cb = sizeof v;
        if (RegQueryValueExW(key, names[i], NULL, &type, (BYTE *)&v, &cb) == ERROR_SUCCESS &&
            type == REG_DWORD && v == 0) {
            c->found = 1;
            continue;
        }
        if (c->verify) {
            RegCloseKey(key);
            return problem(c, "a sandbox user is not hidden from the logon screen");
        }
        v = 0;
        st = RegSetValueExW(key, names[i], 0, REG_DWORD, (const BYTE *)&v, sizeof v);
        if (st != ERROR_SUCCESS) {
            RegCloseKey(key);
            return fail(c, "HKLM\\" CORDON__WIN_HIDE_KEY, "RegSetValueExW", (DWORD)st, FIX_RERUN);
        }
        changed = 1;
    }
    RegCloseKey(key);
    snprintf(c->detail, sizeof c->detail, "%s", changed ? "hidden" : "already hidden");
    return 0;
}

static int step_users_group(struct ctx *c)
{
    size_t i;
    if (ensure_group(c, CORDON__WIN_USERS_GROUP, "users allowed to use cordon's sandbox users "
                                                 "(cordon-setup)",
                     c->sid_users))
        return -1;
    for (i = 0; i < c->sids.n; i++)
        if (add_member(c, CORDON__WIN_USERS_GROUP, c->sids.v[i]))
            return -1;
    return 0;
}

/* %ProgramData%\cordon and its credentials directory: administrators'
 * alone; Authenticated Users may list and enter them (not inherited). */
#define DATA_DIR_SDDL "O:BAG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;;0x1200a9;;;AU)"

static int step_credentials(struct ctx *c)
{
    size_t i;
    if (c->verify) {
        for (i = 0; i < c->sids.n; i++) {
            char *f1 = cordon__win_cred_file(&c->paths, c->sids.v[i], CORDON__WIN_OFFLINE_USER);
            char *f2 = cordon__win_cred_file(&c->paths, c->sids.v[i], CORDON__WIN_ONLINE_USER);
            int ok = f1 && f2 && exists(f1) && exists(f2);
            free(f1);
            free(f2);
            if (!ok)
                return problem(c, "the credentials of %s are missing", c->names.v[i]);
            c->found = 1;
        }
        return 0;
    }
    if (ensure_dir(c, c->paths.data_dir, DATA_DIR_SDDL, "the data directory") ||
        ensure_dir(c, c->paths.cred_base, DATA_DIR_SDDL, "the credentials directory"))
        return -1;
    for (i = 0; i < c->sids.n; i++) {
        char *dir = cordon__win_cred_dir(&c->paths, c->sids.v[i]);
        char *sddl = cordon__win_cred_dir_sddl(c->sid_sandbox, c->sids.v[i]);
        char *f1 = cordon__win_cred_file(&c->paths, c->sids.v[i], CORDON__WIN_OFFLINE_USER);
        char *f2 = cordon__win_cred_file(&c->paths, c->sids.v[i], CORDON__WIN_ONLINE_USER);
        /* User scope when setup runs as that user (its DPAPI key); machine
         * scope for another user, protected by the directory's DACL until
         * that user's first run re-protects it. */
        int machine = strcmp(c->sids.v[i], c->me_sid) != 0;
        int rc = !dir || !sddl || !f1 || !f2 ? problem(c, "out of memory") : 0;
        if (!rc)
            rc = ensure_dir(c, dir, sddl, "a user's credentials directory");
        if (!rc && (cordon__win_cred_write(f1, CORDON__WIN_OFFLINE_USER, c->pw_offline, machine) ||
                    cordon__win_cred_write(f2, CORDON__WIN_ONLINE_USER, c->pw_online, machine)))
            rc = fail_last(c, FIX_RERUN);
        free(dir);
        free(sddl);
        free(f1);
        free(f2);
        if (rc)
            return -1;
    }
    snprintf(c->detail, sizeof c->detail, "stored for %zu user%s", c->sids.n,
             c->sids.n == 1 ? "" : "s");
    return 0;
}

static char *runner_source(const struct ctx *c)
{
    wchar_t self[MAX_PATH];
    char *me, *slash, *p;
    if (c->a->runner)
        return cordon__strdup(c->a->runner);
    if (!GetModuleFileNameW(NULL, self, MAX_PATH))
        return NULL;
    me = cordon__win_utf8(self);
    slash = me ? strrchr(me, '\\') : NULL;
    if (!slash) {
        free(me);
        return NULL;
    }
    *slash = '\0';
    p = cordon__asprintf("%s\\" CORDON__WIN_RUNNER_NAME, me);
    if (p && !exists(p)) {
        free(p);
        /* The build tree: setup\cordon-setup.exe beside runner\. */
        p = cordon__asprintf("%s\\..\\runner\\" CORDON__WIN_RUNNER_NAME, me);
    }
    free(me);
    return p;
}

/* The SHA-256 of |path| into |out| and, when |protocol| is not NULL, the
 * runner protocol its tag names (cordon__ipc_runner_tag). 1 when read. */
static int file_sha_tag(const char *path, char out[65], int *protocol)
{
    wchar_t *w = W(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL)
                 : INVALID_HANDLE_VALUE;
    LARGE_INTEGER size;
    unsigned char *data = NULL, d[32];
    DWORD got = 0;
    int i, ok = 0;
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    if (GetFileSizeEx(h, &size) && size.QuadPart >= 0 && size.QuadPart < 256LL * 1024 * 1024 &&
        (data = malloc((size_t)size.QuadPart + 1)) != NULL &&
        ReadFile(h, data, (DWORD)size.QuadPart, &got, NULL) && got == (DWORD)size.QuadPart) {
        cordon__sha256(data, got, d);
        for (i = 0; i < 32; i++)
            snprintf(out + 2 * i, 3, "%02x", d[i]);
        if (protocol)
            *protocol = cordon__ipc_runner_tag(data, got);
        ok = 1;
    }
    free(data);
    CloseHandle(h);
    return ok;
}

static int file_sha(const char *path, char out[65])
{
    return file_sha_tag(path, out, NULL);
}

/* A runner of another protocol would refuse every request cordon sends:
 * install refuses it and verify names it. 0 when |protocol| is this
 * cordon's. */
static int runner_protocol_check(struct ctx *c, const char *path, int protocol)
{
    if (protocol == CORDON__IPC_VERSION)
        return 0;
    if (protocol == -1)
        return problem(c, "the runner %s names no runner protocol version (a runner older than "
                       "this cordon-setup, which speaks version %d). Fix: install the "
                       "cordon-runner.exe of this build (beside cordon-setup.exe, or --runner PATH)",
                       path, CORDON__IPC_VERSION);
    if (protocol == -2)
        return problem(c, "the runner %s names two different runner protocol versions. Fix: "
                       "install the cordon-runner.exe of this build", path);
    return problem(c, "the runner %s speaks runner protocol version %d, this cordon-setup version "
                   "%d. Fix: install the cordon-runner.exe of this build (beside "
                   "cordon-setup.exe, or --runner PATH)",
                   path, protocol, CORDON__IPC_VERSION);
}

/* The runner's directory: administrators change it, everyone may run it
 * (the sandbox users start it). */
#define RUNNER_DIR_SDDL "O:BAG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"

/* Puts |src| at |dst| in the runner's directory (made with its DACL):
 * through a temporary file and MoveFileExW, owned by Administrators, read
 * back and hashed into |sha|. Nothing is written when |dst| already has
 * |src|'s hash and only administrators can change it (*copied 0). */
static int put_admin_file(struct ctx *c, const char *src, const char *dst, char sha[65],
                          int *copied)
{
    char *tmp = NULL, why[300], want[65] = "";
    wchar_t *ws = NULL, *wt = NULL, *wd = NULL;
    int rc = 0;

    *copied = 0;
    if (!file_sha(src, want)) {
        rc = fail(c, src, "ReadFile", GetLastError(), "pass a readable file");
        goto done;
    }
    if (exists(dst) && file_sha(dst, sha) && strcmp(sha, want) == 0 &&
        cordon__win_path_admin_only(dst, 0, why, sizeof why))
        goto done;
    if (ensure_dir(c, c->paths.runner_dir, RUNNER_DIR_SDDL, "the runner's directory")) {
        rc = -1;
        goto done;
    }
    tmp = cordon__asprintf("%s.new", dst);
    ws = W(src);
    wt = tmp ? W(tmp) : NULL;
    wd = W(dst);
    if (!ws || !wt || !wd) {
        rc = problem(c, "out of memory");
        goto done;
    }
    if (!CopyFileW(ws, wt, FALSE)) {
        rc = fail(c, tmp, "CopyFileW", GetLastError(), FIX_RERUN);
        goto done;
    }
    if (!MoveFileExW(wt, wd, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        rc = fail(c, dst, "MoveFileExW", GetLastError(),
                  "end any cordon command still running and run install again");
        DeleteFileW(wt);
        goto done;
    }
    /* Owned by Administrators whatever the "default owner" policy makes
     * an elevated administrator's new files: an owner may always change
     * the DACL, and the probe accepts only SYSTEM or Administrators. */
    {
        BYTE ba[SECURITY_MAX_SID_SIZE];
        DWORD cb = sizeof ba, err;
        if (!CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, ba, &cb)) {
            rc = fail(c, dst, "CreateWellKnownSid", GetLastError(), FIX_RERUN);
            goto done;
        }
        err = SetNamedSecurityInfoW(wd, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, ba, NULL, NULL,
                                    NULL);
        if (err != ERROR_SUCCESS) {
            rc = fail(c, dst, "SetNamedSecurityInfoW(owner Administrators)", err, FIX_RERUN);
            goto done;
        }
    }
    /* Read back what is on disk now. */
    if (!file_sha(dst, sha) || strcmp(sha, want) != 0) {
        rc = problem(c, "%s read back differs from %s. Fix: " FIX_RERUN, dst, src);
        goto done;
    }
    *copied = 1;
done:
    free(tmp);
    free(ws);
    free(wt);
    free(wd);
    return rc;
}

static int step_runner(struct ctx *c)
{
    char *src = runner_source(c), why[300], want[65] = "";
    int rc = 0, copied = 0;

    if (c->verify) {
        free(src);
        if (!exists(c->paths.runner))
            return problem(c, "the runner %s is missing", c->paths.runner);
        c->found = 1;
        if (!cordon__win_path_admin_only(c->paths.runner, 0, why, sizeof why))
            return problem(c, "the runner %s", why);
        if (!file_sha_tag(c->paths.runner, c->runner_sha, &c->runner_protocol))
            return problem(c, "the runner %s cannot be read", c->paths.runner);
        return runner_protocol_check(c, c->paths.runner, c->runner_protocol);
    }
    if (!src || !exists(src)) {
        rc = problem(c, "no %s to install at %s. Fix: put it beside cordon-setup.exe or pass "
                     "--runner PATH",
                     CORDON__WIN_RUNNER_NAME, src ? src : "(unknown)");
        goto done;
    }
    if (!file_sha_tag(src, want, &c->runner_protocol)) {
        rc = fail(c, src, "ReadFile", GetLastError(), "pass a readable --runner PATH");
        goto done;
    }
    /* Recorded in the marker, so that the probe of a later cordon can
     * tell its runner's protocol from its own (the hash binds the record
     * to this file). */
    if ((rc = runner_protocol_check(c, src, c->runner_protocol)) != 0)
        goto done;
    if ((rc = put_admin_file(c, src, c->paths.runner, c->runner_sha, &copied)) == 0)
        snprintf(c->detail, sizeof c->detail, "%s", copied ? "installed" : "already installed");
done:
    free(src);
    return rc;
}

/* setup's own copy beside the runner, which the refresh task runs as
 * SYSTEM: in the directory only administrators can change. */
static char *setup_copy_path(const struct ctx *c)
{
    return cordon__asprintf("%s\\" CORDON__WIN_SETUP_NAME, c->paths.runner_dir);
}

static int step_refresh_task(struct ctx *c)
{
    struct cordon__win_refresh_task t;
    wchar_t self[MAX_PATH];
    char *me = NULL, *dst = setup_copy_path(c), sha[65], why[300], task_detail[200] = "";
    int rc = 0, copied = 0, found = 0;

    memset(&t, 0, sizeof t);
    if (!dst)
        return problem(c, "out of memory");
    if (c->sids.n == 0) {
        rc = problem(c, "cannot be checked: no marker names the allowed users");
        goto done;
    }
    if (cordon__win_refresh_task_plan(c->paths.runner_dir, (const char *const *)c->sids.v,
                                      c->sids.n, &t) != CORDON_OK) {
        rc = problem(c, "%s. Fix: report this", cordon_last_error());
        goto done;
    }
    if (c->verify) {
        if (!exists(dst)) {
            rc = problem(c, "%s, which the refresh task runs, is missing", dst);
            goto done;
        }
        c->found = 1;
        if (!cordon__win_path_admin_only(dst, 0, why, sizeof why)) {
            rc = problem(c, "%s %s", dst, why);
            goto done;
        }
    } else {
        if (!GetModuleFileNameW(NULL, self, MAX_PATH) || !(me = cordon__win_utf8(self))) {
            rc = fail(c, "cordon-setup.exe", "GetModuleFileNameW", GetLastError(), FIX_RERUN);
            goto done;
        }
        if (put_admin_file(c, me, dst, sha, &copied)) {
            rc = -1;
            goto done;
        }
    }
    if (setup__task_step(&t, &c->sids, c->verify, &found, task_detail, sizeof task_detail,
                         c->error, sizeof c->error) != 0) {
        c->found |= found;
        rc = -1;
        goto done;
    }
    c->found |= found;
    snprintf(c->detail, sizeof c->detail, "%s%s", task_detail,
             c->verify ? "" : copied ? "; cordon-setup.exe installed" : "");
done:
    cordon__win_refresh_task_free(&t);
    free(me);
    free(dst);
    return rc;
}

static int step_firewall_policy(struct ctx *c)
{
    static const char *const profile[3] = {"domain", "private", "public"};
    int enabled[3], state = 0, i;
    if (cordon__win_fw_read(NULL, 0, NULL, NULL, enabled, &state) != CORDON_OK)
        return fail_last(c, "check that the Windows Defender Firewall service (mpssvc) runs");
    for (i = 0; i < 3; i++)
        if (!enabled[i])
            return problem(c, "the Windows Firewall is off for the %s profile, so rules for the "
                           "sandbox user would not hold there. Fix: turn the firewall on for "
                           "every profile",
                           profile[i]);
    if (state == 1)
        return problem(c, "Group Policy overrides local Windows Firewall rules "
                       "(LocalPolicyModifyState is NET_FW_MODIFY_STATE_GP_OVERRIDE): rules added "
                       "here would not be in force. Fix: deploy cordon's rules through Group "
                       "Policy, or let local rules merge");
    snprintf(c->detail, sizeof c->detail, "on in every profile, local rules in force");
    return 0;
}

static int step_firewall_rules(struct ctx *c)
{
    struct cordon__win_fw_rule got[CORDON__FW_MAX_RULES];
    int found[CORDON__FW_MAX_RULES], enabled[3], state;
    char why[400];
    size_t i, missing = 0;
    int pass;

    c->n_rules = cordon__win_fw_rules(c->sid_offline, NULL, 0, c->rules);
    cordon__win_fw_rules_sha256(c->rules, c->n_rules, c->rules_sha);
    for (pass = 0; pass < 2; pass++) {
        if (cordon__win_fw_read(c->rules, c->n_rules, got, found, enabled, &state) != CORDON_OK)
            return fail_last(c, "check that the Windows Defender Firewall service (mpssvc) runs");
        for (i = 0, missing = 0; i < c->n_rules; i++) {
            if (found[i])
                c->found = 1;
            if (!found[i] || cordon__win_fw_rule_diff(&c->rules[i], &got[i], why, sizeof why)) {
                if (c->verify || pass == 1)
                    return problem(c, "the firewall rule \"%s\" %s%s", c->rules[i].name,
                                   found[i] ? why : "is missing",
                                   pass == 1 ? " after it was added. Fix: check that no policy "
                                               "rewrites local rules"
                                             : "");
                missing++;
            }
        }
        if (c->verify || missing == 0)
            break;
        if (cordon__win_fw_add(c->rules, c->n_rules) != CORDON_OK)
            return fail_last(c, FIX_RERUN);
    }
    snprintf(c->detail, sizeof c->detail, "%s, read back", missing ? "added" : "already there");
    return 0;
}

static int build_marker(struct ctx *c, char **text)
{
    struct cordon__marker m;
    cordon_error rc;
    memset(&m, 0, sizeof m);
    m.version = CORDON__MARKER_VERSION;
    m.os = "windows";
    m.offline.name = CORDON__WIN_OFFLINE_USER;
    m.offline.id = c->sid_offline;
    m.online.name = CORDON__WIN_ONLINE_USER;
    m.online.id = c->sid_online;
    m.sandbox_group.name = CORDON__WIN_SANDBOX_GROUP;
    m.sandbox_group.id = c->sid_sandbox;
    m.users_group.name = CORDON__WIN_USERS_GROUP;
    m.users_group.id = c->sid_users;
    m.allowed_users.v = c->names.v;
    m.allowed_users.n = c->names.n;
    m.runner_path = c->paths.runner;
    m.runner_sha256 = c->runner_sha;
    m.runner_caps = "";
    m.runner_protocol = c->runner_protocol;
    m.rules_kind = "windows-firewall";
    m.rules_name = CORDON__WIN_FW_GROUPING;
    m.rules_sha256 = c->rules_sha;
    rc = cordon__marker_json(&m, text);
    return rc == CORDON_OK ? 0 : -1;
}

static int step_marker(struct ctx *c)
{
    char *text = NULL, *tmp = NULL, *sddl = NULL;
    wchar_t *wt = NULL, *wm = NULL, *ws = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES sa;
    HANDLE h;
    DWORD put = 0;
    int rc = 0;

    if (c->verify) {
        if (!exists(c->paths.marker))
            return problem(c, "the marker %s is missing", c->paths.marker);
        c->found = 1;
        return 0; /* the probe's checks (status) read and judge it */
    }
    if (build_marker(c, &text))
        return problem(c, "the marker would not parse back: %s. Fix: report this",
                       cordon_last_error());
    {
        const char **users = cordon__xcalloc(c->sids.n + 1, sizeof *users);
        size_t i;
        for (i = 0; users && i < c->sids.n; i++)
            users[i] = c->sids.v[i];
        sddl = users ? cordon__win_marker_sddl(c->sid_sandbox, users, c->sids.n) : NULL;
        free(users);
    }
    tmp = cordon__asprintf("%s.new", c->paths.marker);
    wt = tmp ? W(tmp) : NULL;
    wm = W(c->paths.marker);
    ws = sddl ? W(sddl) : NULL;
    if (!wt || !wm || !ws) {
        rc = problem(c, "out of memory");
        goto done;
    }
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(ws, SDDL_REVISION_1, &sd, NULL)) {
        rc = fail(c, "the marker's DACL", "ConvertStringSecurityDescriptorToSecurityDescriptorW",
                  GetLastError(), "report this");
        goto done;
    }
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = sd;
    sa.bInheritHandle = FALSE;
    h = CreateFileW(wt, GENERIC_WRITE, 0, &sa, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        rc = fail(c, tmp, "CreateFileW", GetLastError(), FIX_RERUN);
        goto done;
    }
    if (!WriteFile(h, text, (DWORD)strlen(text), &put, NULL) || put != strlen(text) ||
        !FlushFileBuffers(h)) {
        rc = fail(c, tmp, "WriteFile", GetLastError(), FIX_RERUN);
        CloseHandle(h);
        DeleteFileW(wt);
        goto done;
    }
    CloseHandle(h);
    if (!MoveFileExW(wt, wm, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        rc = fail(c, c->paths.marker, "MoveFileExW", GetLastError(), FIX_RERUN);
        DeleteFileW(wt);
        goto done;
    }
    snprintf(c->detail, sizeof c->detail, "%s", c->paths.marker);
done:
    if (sd)
        LocalFree(sd);
    free(text);
    free(tmp);
    free(sddl);
    free(wt);
    free(wm);
    free(ws);
    return rc;
}

static int step_wfp(struct ctx *c)
{
    int available = 0, found = 0;
    if (setup__wfp_step(c->sid_offline, c->verify, &available, &found, c->detail,
                        sizeof c->detail, c->error, sizeof c->error) != 0) {
        c->found |= found;
        return -1;
    }
    c->found |= found;
    return 0;
}

static int step_read_grants(struct ctx *c)
{
    struct setup_grants_in in;
    int found = 0;
    in.data_dir = c->paths.data_dir;
    in.sandbox_sid = c->sid_sandbox;
    in.user_sids = &c->sids;
    in.verify = c->verify;
    if (setup__grants_step(&in, &found, c->detail, sizeof c->detail, c->error,
                           sizeof c->error) != 0)
        return -1;
    c->found |= found;
    return 0;
}

typedef int (*step_fn)(struct ctx *c);

/* In the order of core's table (cordon__win_setup_steps). */
static const step_fn install_fns[N_STEPS] = {
    step_elevation,     step_users,       step_sandbox_group,   step_offline,
    step_online,        step_sandbox_members, step_hidden,      step_users_group,
    step_credentials,   step_runner,      step_refresh_task,    step_firewall_policy,
    step_firewall_rules, step_wfp,        step_read_grants,     step_marker,
};

/* ---- uninstall ---------------------------------------------------------------- */

static int rm_file(struct ctx *c, const char *path, int *removed)
{
    wchar_t *w = W(path);
    int rc = 0;
    if (!w)
        return problem(c, "out of memory");
    if (DeleteFileW(w))
        (*removed)++;
    else if (GetLastError() != ERROR_FILE_NOT_FOUND && GetLastError() != ERROR_PATH_NOT_FOUND)
        rc = fail(c, path, "DeleteFileW", GetLastError(),
                  "end any cordon command still running and run uninstall again");
    free(w);
    return rc;
}

static void rm_dir(const char *path, int *removed)
{
    wchar_t *w = W(path);
    if (w && RemoveDirectoryW(w))
        (*removed)++;
    free(w);
}

static void said(struct ctx *c, int removed)
{
    snprintf(c->detail, sizeof c->detail, "%s", removed ? "removed" : "not there");
}

static int un_marker(struct ctx *c)
{
    int n = 0;
    if (rm_file(c, c->paths.marker, &n))
        return -1;
    said(c, n);
    return 0;
}

static int un_rules(struct ctx *c)
{
    int n = 0;
    char sid[184] = "S-1-0-0";
    /* Names do not depend on the SID: remove by name whatever it scopes. */
    c->n_rules = cordon__win_fw_rules(sid, NULL, 0, c->rules);
    if (cordon__win_fw_remove(c->rules, c->n_rules, &n) != CORDON_OK)
        return fail_last(c, "check that the Windows Defender Firewall service (mpssvc) runs");
    said(c, n);
    return 0;
}

static int un_read_grants(struct ctx *c)
{
    return setup__grants_uninstall(c->paths.data_dir, c->detail, sizeof c->detail, c->error,
                                   sizeof c->error);
}

static int un_wfp(struct ctx *c)
{
    return setup__wfp_uninstall(c->detail, sizeof c->detail, c->error, sizeof c->error);
}

static int un_refresh_task(struct ctx *c)
{
    return setup__task_uninstall(c->detail, sizeof c->detail, c->error, sizeof c->error);
}

static int un_runner(struct ctx *c)
{
    char *copy = setup_copy_path(c);
    int n = 0;
    if (!copy)
        return problem(c, "out of memory");
    /* setup's copy: a running copy (this one, when uninstall was started
     * from it) cannot be deleted; it is then left with the directory. */
    if (rm_file(c, copy, &n)) {
        free(copy);
        return -1;
    }
    free(copy);
    if (rm_file(c, c->paths.runner, &n))
        return -1;
    rm_dir(c->paths.runner_dir, &n);
    said(c, n);
    return 0;
}

static int un_credentials(struct ctx *c)
{
    char *pattern = cordon__asprintf("%s\\*", c->paths.cred_base);
    wchar_t *wp = pattern ? W(pattern) : NULL;
    WIN32_FIND_DATAW fd;
    HANDLE h;
    int n = 0;
    free(pattern);
    h = wp ? FindFirstFileW(wp, &fd) : INVALID_HANDLE_VALUE;
    free(wp);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            char *name = cordon__win_utf8(fd.cFileName), *dir;
            if (!name || strncmp(name, "S-1-", 4) != 0 ||
                !(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
                (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
                free(name);
                continue;
            }
            dir = cordon__asprintf("%s\\%s", c->paths.cred_base, name);
            if (dir) {
                char *f1 = cordon__asprintf("%s\\" CORDON__WIN_OFFLINE_USER ".dpapi", dir);
                char *f2 = cordon__asprintf("%s\\" CORDON__WIN_ONLINE_USER ".dpapi", dir);
                if (f1)
                    rm_file(c, f1, &n);
                if (f2)
                    rm_file(c, f2, &n);
                rm_dir(dir, &n);
                free(f1);
                free(f2);
            }
            free(dir);
            free(name);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    rm_dir(c->paths.cred_base, &n);
    said(c, n);
    return 0;
}

static int del_group(struct ctx *c, const char *name)
{
    char sid[184];
    wchar_t *w;
    NET_API_STATUS st;
    if (!lookup(name, SidTypeAlias, sid)) {
        said(c, 0);
        return 0;
    }
    w = W(name);
    st = w ? NetLocalGroupDel(NULL, w) : ERROR_NOT_ENOUGH_MEMORY;
    free(w);
    if (st == NERR_Success)
        said(c, 1);
    else if (st == NERR_GroupNotFound || st == ERROR_NO_SUCH_ALIAS)
        said(c, 0);
    else
        return fail(c, name, "NetLocalGroupDel", st, "run uninstall again as an administrator");
    return 0;
}

static int un_users_group(struct ctx *c)
{
    return del_group(c, CORDON__WIN_USERS_GROUP);
}

static int un_hidden(struct ctx *c)
{
    HKEY key;
    int n = 0;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"" CORDON__WIN_HIDE_KEY, 0, KEY_SET_VALUE, &key) ==
        ERROR_SUCCESS) {
        n += RegDeleteValueW(key, L"" CORDON__WIN_OFFLINE_USER) == ERROR_SUCCESS;
        n += RegDeleteValueW(key, L"" CORDON__WIN_ONLINE_USER) == ERROR_SUCCESS;
        RegCloseKey(key);
    }
    said(c, n);
    return 0;
}

static int del_user(struct ctx *c, const char *name)
{
    char sid[184];
    wchar_t *w = W(name), *wsid;
    int had_sid = lookup(name, SidTypeUser, sid);
    NET_API_STATUS st = w ? NetUserDel(NULL, w) : ERROR_NOT_ENOUGH_MEMORY;
    free(w);
    if (st == NERR_UserNotFound) {
        said(c, 0);
        return 0;
    }
    if (st != NERR_Success)
        return fail(c, name, "NetUserDel", st,
                    "end every process of that user (a running cordon command) and run "
                    "uninstall again");
    /* Its profile, if a logon made one; none is fine. */
    if (had_sid && (wsid = W(sid)) != NULL) {
        if (!DeleteProfileW(wsid, NULL, NULL) && GetLastError() != ERROR_FILE_NOT_FOUND &&
            GetLastError() != ERROR_PATH_NOT_FOUND && GetLastError() != ERROR_INVALID_PARAMETER)
            snprintf(c->detail, sizeof c->detail, "removed; its profile was not (DeleteProfileW: "
                     "error %lu)", (unsigned long)GetLastError());
        else
            said(c, 1);
        free(wsid);
    } else {
        said(c, 1);
    }
    return 0;
}

static int un_offline(struct ctx *c)
{
    return del_user(c, CORDON__WIN_OFFLINE_USER);
}

static int un_online(struct ctx *c)
{
    return del_user(c, CORDON__WIN_ONLINE_USER);
}

static int un_sandbox_group(struct ctx *c)
{
    return del_group(c, CORDON__WIN_SANDBOX_GROUP);
}

static int un_data_dir(struct ctx *c)
{
    int n = 0;
    rm_dir(c->paths.data_dir, &n);
    said(c, n);
    if (exists(c->paths.data_dir))
        snprintf(c->detail, sizeof c->detail, "left: %s holds files setup did not make",
                 c->paths.data_dir);
    return 0;
}

struct named_step {
    const char *title;
    step_fn fn;
};

static const struct named_step uninstall_steps[] = {
    {"the marker", un_marker},
    {"refresh task", un_refresh_task},
    {"read grants", un_read_grants},
    {"firewall rules", un_rules},
    {"WFP filters", un_wfp},
    {"the runner", un_runner},
    {"credentials", un_credentials},
    {"group " CORDON__WIN_USERS_GROUP, un_users_group},
    {"hidden from the logon screen", un_hidden},
    {"user " CORDON__WIN_OFFLINE_USER, un_offline},
    {"user " CORDON__WIN_ONLINE_USER, un_online},
    {"group " CORDON__WIN_SANDBOX_GROUP, un_sandbox_group},
    {"the data directory", un_data_dir},
};

/* ---- running steps ---------------------------------------------------------- */

static int run(struct ctx *c, const char *verb, const char *const *titles, const step_fn *fns,
               size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        c->error[0] = c->detail[0] = '\0';
        printf("[%zu/%zu] %s ... ", i + 1, n, titles[i]);
        fflush(stdout);
        if (fns[i](c) != 0) {
            printf("FAILED\n");
            fflush(stdout);
            fprintf(stderr, "cordon-setup: %s step %zu/%zu (%s) failed: %s\n", verb, i + 1, n,
                    titles[i], c->error[0] ? c->error : "no detail");
            fflush(stderr);
            return SETUP_EXIT_FAILED;
        }
        printf("ok%s%s\n", c->detail[0] ? ": " : "", c->detail);
        fflush(stdout);
    }
    return SETUP_EXIT_OK;
}

static int cmd_install(struct ctx *c)
{
    const char *titles[N_STEPS];
    size_t i;
    for (i = 0; i < N_STEPS; i++)
        titles[i] = cordon__win_setup_steps[i].title;
    return run(c, "install", titles, install_fns, N_STEPS);
}

static int cmd_uninstall(struct ctx *c)
{
    const char *titles[sizeof uninstall_steps / sizeof *uninstall_steps];
    step_fn fns[sizeof uninstall_steps / sizeof *uninstall_steps];
    size_t i, n = sizeof uninstall_steps / sizeof *uninstall_steps;
    for (i = 0; i < n; i++) {
        titles[i] = uninstall_steps[i].title;
        fns[i] = uninstall_steps[i].fn;
    }
    return run(c, "uninstall", titles, fns, n);
}

/* The allowed users and SIDs the marker records (verify, refresh). */
static void from_marker(struct ctx *c, const struct cordon__marker *m)
{
    size_t i;
    for (i = 0; i < m->allowed_users.n; i++) {
        char sid[184];
        if (lookup(m->allowed_users.v[i], SidTypeUser, sid)) {
            cordon__strv_push(&c->names, m->allowed_users.v[i]);
            cordon__strv_push(&c->sids, sid);
        }
    }
    snprintf(c->sid_offline, sizeof c->sid_offline, "%s", m->offline.id);
    snprintf(c->sid_sandbox, sizeof c->sid_sandbox, "%s", m->sandbox_group.id);
}

/* verify and status: every install step in check-only mode, then the
 * probe's own verdict for the user running it. */
static int cmd_check(struct ctx *c)
{
    struct cordon__win_probe_facts *pf = cordon__xcalloc(1, sizeof *pf);
    struct cordon__json j;
    struct cordon__probe pr;
    struct cordon__plan plan;
    struct cordon__host host;
    cordon_policy *ro = NULL;
    char *cwd = NULL;
    int problems = 0, have_plan = 0;
    size_t i;

    if (!pf)
        return SETUP_EXIT_FAILED;
    c->verify = 1;
    cordon__win_elevated_facts(NULL, pf);
    if (pf->f.marker)
        from_marker(c, pf->f.marker);
    memset(&j, 0, sizeof j);
    if (c->a->json) {
        cordon__json_begin_object(&j);
        cordon__json_kstr(&j, "marker_path", c->paths.marker);
        cordon__json_kbool(&j, "marker_found", pf->f.marker_found);
        cordon__json_key(&j, "steps");
        cordon__json_begin_array(&j);
    }
    for (i = 0; i < N_STEPS; i++) {
        int rc;
        c->error[0] = c->detail[0] = '\0';
        rc = install_fns[i](c);
        problems += rc != 0;
        if (c->a->json) {
            cordon__json_begin_object(&j);
            cordon__json_kstr(&j, "id", cordon__win_setup_steps[i].id);
            cordon__json_kstr(&j, "title", cordon__win_setup_steps[i].title);
            cordon__json_kbool(&j, "ok", rc == 0);
            cordon__json_kstr(&j, "detail", rc ? c->error : c->detail);
            cordon__json_end_object(&j);
        } else if (rc) {
            printf("problem: %s: %s\n", cordon__win_setup_steps[i].title, c->error);
        } else if (c->a->command == SETUP_STATUS) {
            printf("ok: %s%s%s\n", cordon__win_setup_steps[i].title, c->detail[0] ? ": " : "",
                   c->detail);
        }
    }
    /* The probe, for this user, as cordon sees it (read-only policy). */
    memset(&pr, 0, sizeof pr);
    if (cordon_policy_builtin("read-only", &ro) == CORDON_OK && cordon__os_host(&host) == CORDON_OK &&
        cordon__os_getcwd(&cwd) == CORDON_OK &&
        cordon__plan_compile(ro, cwd, &host, &plan) == CORDON_OK) {
        have_plan = 1;
        pf->w.launch_missing = CORDON__WIN_LAUNCH_MISSING;
        cordon__elevated_readiness(&pf->f, &plan, &pr);
    } else {
        snprintf(pr.why_not, sizeof pr.why_not, "the probe could not run: %s", cordon_last_error());
    }
    if (c->a->json) {
        cordon__json_end_array(&j);
        cordon__json_kbool(&j, "installed", c->found);
        cordon__json_kbool(&j, "ready", pr.ready);
        cordon__json_kstr(&j, "fallback_reason", pr.ready ? "" : pr.why_not);
        cordon__json_end_object(&j);
        {
            char *out = cordon__buf_take(&j.out);
            printf("%s\n", out ? out : "{}");
            free(out);
        }
    } else {
        printf("%s: %s\n", pr.ready ? "ready" : "not ready", pr.ready ? "windows-elevated" : pr.why_not);
    }
    if (have_plan)
        cordon__plan_free(&plan);
    cordon_policy_free(ro);
    free(cwd);
    cordon__win_probe_facts_free(pf);
    free(pf);
    if (c->a->command == SETUP_STATUS)
        return SETUP_EXIT_OK;
    if (!c->found)
        return SETUP_EXIT_NOT_INSTALLED;
    return problems ? SETUP_EXIT_FAILED : SETUP_EXIT_OK;
}

static int cmd_refresh(struct ctx *c)
{
    struct cordon__win_probe_facts *pf = cordon__xcalloc(1, sizeof *pf);
    static const char *const titles[] = {"administrator rights", "the marker",
                                         "user " CORDON__WIN_OFFLINE_USER,
                                         "user " CORDON__WIN_ONLINE_USER, "credentials"};
    int rc;
    if (!pf)
        return SETUP_EXIT_FAILED;
    cordon__win_elevated_facts(NULL, pf);
    printf("[1/5] %s ... ", titles[0]);
    if (step_elevation(c)) {
        printf("FAILED\n");
        fprintf(stderr, "cordon-setup: refresh-credentials step 1/5 (%s) failed: %s\n", titles[0],
                c->error);
        rc = SETUP_EXIT_FAILED;
        goto done;
    }
    printf("ok\n[2/5] %s ... ", titles[1]);
    if (!pf->f.marker) {
        printf("FAILED\n");
        fprintf(stderr, "cordon-setup: refresh-credentials step 2/5 (%s) failed: %s. Fix: run "
                "cordon-setup install\n", titles[1],
                pf->f.marker_found ? pf->f.marker_error : "setup has not been run");
        rc = SETUP_EXIT_FAILED;
        goto done;
    }
    from_marker(c, pf->f.marker);
    token_user(c->me_sid, NULL, 0);
    printf("ok\n");
    {
        const step_fn fns[3] = {step_offline, step_online, step_credentials};
        const char *t[3] = {titles[2], titles[3], titles[4]};
        size_t i;
        for (i = 0; i < 3; i++) {
            c->error[0] = c->detail[0] = '\0';
            printf("[%zu/5] %s ... ", i + 3, t[i]);
            if (fns[i](c)) {
                printf("FAILED\n");
                fprintf(stderr, "cordon-setup: refresh-credentials step %zu/5 (%s) failed: %s\n",
                        i + 3, t[i], c->error);
                rc = SETUP_EXIT_FAILED;
                goto done;
            }
            printf("ok%s%s\n", c->detail[0] ? ": " : "", c->detail);
        }
    }
    rc = SETUP_EXIT_OK;
done:
    cordon__win_probe_facts_free(pf);
    free(pf);
    return rc;
}

/* ---- elevation ------------------------------------------------------------ */

/* |s| quoted for CommandLineToArgvW. */
static void quote_arg(struct cordon__buf *b, const char *s)
{
    size_t bs = 0;
    cordon__buf_puts(b, " \"");
    for (; *s; s++) {
        if (*s == '\\') {
            bs++;
            continue;
        }
        while (bs) {
            cordon__buf_puts(b, *s == '"' ? "\\\\" : "\\");
            bs--;
        }
        if (*s == '"')
            cordon__buf_puts(b, "\\\"");
        else
            cordon__buf_add(b, s, 1);
    }
    while (bs) {
        cordon__buf_puts(b, "\\\\");
        bs--;
    }
    cordon__buf_puts(b, "\"");
}

/* Starts this program again elevated (one UAC prompt), with the same
 * command and the user who started it as the default --user; prints what
 * the elevated copy printed and returns its exit status. */
static int relaunch_elevated(const struct setup_args *a, const char *verb)
{
    struct cordon__buf args = {0};
    wchar_t self[MAX_PATH], tmpdir[MAX_PATH + 1], out_path[MAX_PATH + 1];
    wchar_t *wargs = NULL;
    SHELLEXECUTEINFOW sei;
    char me_sid[184], me_name[600] = "", *out8 = NULL;
    DWORD code = SETUP_EXIT_FAILED;
    size_t i;

    if (!GetModuleFileNameW(NULL, self, MAX_PATH) || !GetTempPathW(MAX_PATH + 1, tmpdir) ||
        !GetTempFileNameW(tmpdir, L"cst", 0, out_path)) {
        fprintf(stderr, "cordon-setup: %s step 1/%d (administrator rights) failed: cannot "
                "prepare the elevated run (error %lu). Fix: run cordon-setup from an elevated "
                "prompt\n", verb, N_STEPS, (unsigned long)GetLastError());
        return SETUP_EXIT_FAILED;
    }
    out8 = cordon__win_utf8(out_path);
    cordon__buf_puts(&args, verb);
    for (i = 0; i < a->users.n; i++) {
        quote_arg(&args, "--user");
        quote_arg(&args, a->users.v[i]);
    }
    if (a->command == SETUP_INSTALL && a->users.n == 0 && token_user(me_sid, me_name, sizeof me_name)) {
        quote_arg(&args, "--user");
        quote_arg(&args, me_name);
    }
    if (a->runner) {
        quote_arg(&args, "--runner");
        quote_arg(&args, a->runner);
    }
    quote_arg(&args, "--output");
    quote_arg(&args, out8 ? out8 : "");
    wargs = args.p ? W(args.p) : NULL;
    memset(&sei, 0, sizeof sei);
    sei.cbSize = sizeof sei;
    sei.fMask = SEE_MASK_NOCLOSEPROCESS | SEE_MASK_NOASYNC | SEE_MASK_FLAG_NO_UI;
    sei.lpVerb = L"runas";
    sei.lpFile = self;
    sei.lpParameters = wargs;
    sei.nShow = SW_HIDE;
    printf("cordon-setup: asking for administrator rights (one UAC prompt)\n");
    fflush(stdout);
    if (!ShellExecuteExW(&sei)) {
        DWORD e = GetLastError();
        char text[300];
        code_text(e, text, sizeof text);
        fprintf(stderr, "cordon-setup: %s step 1/%d (administrator rights) failed: %s "
                "(ShellExecuteExW runas: error %lu, %s). Fix: %s\n", verb, N_STEPS,
                e == ERROR_CANCELLED ? "cancelled at the UAC prompt" : "could not elevate",
                (unsigned long)e, text,
                e == ERROR_CANCELLED ? "run it again and accept the prompt"
                                     : "run cordon-setup from an elevated prompt");
        goto done;
    }
    if (sei.hProcess) {
        WaitForSingleObject(sei.hProcess, INFINITE);
        GetExitCodeProcess(sei.hProcess, &code);
        CloseHandle(sei.hProcess);
    }
    {
        FILE *f = _wfopen(out_path, L"rb");
        char buf[4096];
        size_t n;
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, stdout);
        if (f)
            fclose(f);
    }
done:
    DeleteFileW(out_path);
    free(wargs);
    free(out8);
    cordon__buf_free(&args);
    return (int)code;
}

/* The elevated copy: what it prints goes to the file the copy that
 * started it made and reads back. That file is the unelevated user's, so
 * it is opened without following a reparse point and used only when it is
 * a plain file with one link: an elevated process must not be steered
 * into overwriting another file. Otherwise the output stays on this
 * process's own console. */
static void redirect_output(const char *path)
{
    wchar_t *w = W(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                               FILE_FLAG_OPEN_REPARSE_POINT, NULL)
                 : INVALID_HANDLE_VALUE;
    BY_HANDLE_FILE_INFORMATION info;
    int fd;
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return;
    if (!GetFileInformationByHandle(h, &info) || info.nNumberOfLinks != 1 ||
        (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) ||
        !SetEndOfFile(h)) {
        CloseHandle(h);
        return;
    }
    fd = _open_osfhandle((intptr_t)h, 0);
    if (fd < 0) {
        CloseHandle(h);
        return;
    }
    fflush(stdout);
    fflush(stderr);
    _dup2(fd, _fileno(stdout));
    _dup2(fd, _fileno(stderr));
    _close(fd);
}

int setup__run(const struct setup_args *a)
{
    struct ctx c;
    int rc;
    const char *verb = a->command == SETUP_INSTALL     ? "install"
                       : a->command == SETUP_UNINSTALL ? "uninstall"
                       : a->command == SETUP_VERIFY    ? "verify"
                       : a->command == SETUP_STATUS    ? "status"
                                                       : "refresh-credentials";
    int needs_admin = a->command == SETUP_INSTALL || a->command == SETUP_UNINSTALL ||
                      a->command == SETUP_REFRESH_CREDENTIALS;

    if (a->command == SETUP_GRANTS_WORKER) {
        /* Started by install, elevated, in the background (grants.c). */
        struct cordon__win_elevated_paths paths;
        if (!is_elevated_admin() || cordon__win_elevated_paths(&paths) != CORDON_OK)
            return SETUP_EXIT_FAILED;
        rc = setup__grants_worker(paths.data_dir);
        cordon__win_elevated_paths_free(&paths);
        return rc;
    }
    /* The refresh task runs as SYSTEM with no one to answer a prompt:
     * --from-task never relaunches (step 1 fails instead). */
    if (needs_admin && !is_elevated_admin() && !a->output && !a->from_task)
        return relaunch_elevated(a, verb);
    if (a->output)
        redirect_output(a->output);
    memset(&c, 0, sizeof c);
    c.a = a;
    if (cordon__win_elevated_paths(&c.paths) != CORDON_OK) {
        fprintf(stderr, "cordon-setup: %s\n", cordon_last_error());
        return SETUP_EXIT_FAILED;
    }
    switch (a->command) {
    case SETUP_INSTALL:
        rc = cmd_install(&c);
        break;
    case SETUP_UNINSTALL:
        rc = cmd_uninstall(&c);
        break;
    case SETUP_REFRESH_CREDENTIALS:
        rc = cmd_refresh(&c);
        break;
    default:
        rc = cmd_check(&c);
        break;
    }
    fflush(stdout);
    fflush(stderr);
    SecureZeroMemory(c.pw_offline, sizeof c.pw_offline);
    SecureZeroMemory(c.pw_online, sizeof c.pw_online);
    cordon__strv_free(&c.names);
    cordon__strv_free(&c.sids);
    cordon__win_elevated_paths_free(&c.paths);
    return rc;
}
