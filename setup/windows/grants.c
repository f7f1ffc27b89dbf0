/* cordon-setup's read grants: the sandbox group (CordonSandboxUsers) may
 * read and execute in the allowed users' profiles, but not their secrets
 * (docs/internals/windows-elevated.md, "Read grants"). What is granted
 * where is core's (cordon__win_read_grant); this file lists directories,
 * reads and writes DACLs, and keeps the records.
 *
 * Why it is safe for an elevated process to change DACLs in a profile the
 * user controls: setup only adds read ACEs for the sandbox group on the
 * user's own files, which the user (their owner) could grant anyway. What
 * must not happen is being steered elsewhere: a directory swapped for a
 * junction to another user's profile between planning and applying would
 * make setup grant read on files the user cannot reach. So each object is
 * opened without following a reparse point, its final path must be the
 * path planned, and the DACL is written through that handle.
 *
 * Records: %ProgramData%\cordon\read-grants, written before anything
 * changes, one line per path (core's cordon__win_grant_record_line)
 * after a "#sid<TAB><sandbox group SID>" header; the worker's progress in
 * read-grants.progress. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "elevated_win.h"
#include "elevated_windows_grants.h"
#include "setup_win.h"
#include "win.h"

#define RECORDS "read-grants"
#define PROGRESS "read-grants.progress"
/* The records' count and SHA-256 (core's cordon__win_grant_count_line),
 * administrators only: verify notices records lost or changed. */
#define COUNT "read-grants.count"
#define ADMIN_SDDL "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)"
/* Readable by every user, so that status works unelevated: counts only. */
#define PROGRESS_SDDL "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;AU)"
#define PROFILE_LIST L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\"
#define FIX_RERUN "run cordon-setup install again as an administrator"

struct plan {
    struct cordon__strv lines; /* record lines */
    struct cordon__strv notes; /* "#linked<TAB>path<TAB>why": what hard links kept from a grant */
    size_t tree, list, already, skipped, linked;
    int walk;           /* directories are walked for hard links now (the worker), not later */
    int assume_private; /* tests: nobody else reads anything (Wine reports Everyone on all) */
    int rerecord;       /* the records were lost: a grant found in place is recorded again */
    const char *sid_str;
    char error[600];
};

void setup__say(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

#define say setup__say

static char *state_path(const char *data_dir, const char *name)
{
    return cordon__asprintf("%s\\%s", data_dir, name);
}

/* The profile directory of |sid| (ProfileList, expanded); NULL when the
 * user never logged on here. */
static char *profile_of(const char *sid)
{
    wchar_t *ws = cordon__win_wide(sid), key[400], buf[MAX_PATH + 1];
    DWORD cb = sizeof buf;
    char *out = NULL;
    if (!ws)
        return NULL;
    _snwprintf(key, 400, L"%ls%ls", PROFILE_LIST, ws);
    key[399] = L'\0';
    free(ws);
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, L"ProfileImagePath", RRF_RT_REG_SZ, NULL, buf, &cb) ==
        ERROR_SUCCESS)
        out = cordon__win_utf8(buf);
    return out;
}

/* The DACL of |h| as SDDL, and the DACL itself (LocalFree *sd). */
static DWORD read_dacl(HANDLE h, PSECURITY_DESCRIPTOR *sd, PACL *dacl, char **sddl)
{
    wchar_t *w = NULL;
    DWORD err = GetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, dacl,
                                NULL, sd);
    *sddl = NULL;
    if (err != ERROR_SUCCESS)
        return err;
    if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(*sd, SDDL_REVISION_1,
                                                              DACL_SECURITY_INFORMATION, &w, NULL))
        return GetLastError();
    *sddl = cordon__win_utf8(w);
    LocalFree(w);
    return *sddl ? ERROR_SUCCESS : ERROR_NOT_ENOUGH_MEMORY;
}

/* Opens |path| for reading or changing its DACL without following a
 * reparse point, and only when its final path is |path| (no junction on
 * the way). INVALID_HANDLE_VALUE with *err set otherwise. */
static HANDLE open_exact(const char *path, int write, DWORD *err)
{
    wchar_t *w = cordon__win_wide_long(path), final[MAX_PATH * 2];
    char *got = NULL;
    const char *want = path, *have;
    BY_HANDLE_FILE_INFORMATION info;
    HANDLE h;
    DWORD n;
    *err = ERROR_SUCCESS;
    h = w ? CreateFileW(w, READ_CONTROL | (write ? WRITE_DAC : 0),
                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                        FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL)
          : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        *err = GetLastError();
        return h;
    }
    n = GetFinalPathNameByHandleW(h, final, MAX_PATH * 2, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (n > 0 && n < MAX_PATH * 2)
        got = cordon__win_utf8(final);
    have = got ? got : "";
    if (strncmp(have, "\\\\?\\", 4) == 0)
        have += 4;
    if (strncmp(want, "\\\\?\\", 4) == 0)
        want += 4;
    if (!got || !cordon__streq_nocase(have, want) || !GetFileInformationByHandle(h, &info) ||
        (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
        *err = ERROR_CANT_ACCESS_FILE;
        CloseHandle(h);
        h = INVALID_HANDLE_VALUE;
    }
    free(got);
    return h;
}

/* 1 when the object of |h| is a directory. */
static int handle_is_dir(HANDLE h)
{
    BY_HANDLE_FILE_INFORMATION info;
    return GetFileInformationByHandle(h, &info) &&
           (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

/* 1 when |dacl| has setup's own explicit allow ACE for |sid|: exactly
 * |mask| and the inheritance |inherit|. A wider ACE of the same group (the
 * backend's write grant on a workspace root) is not setup's: revoking it
 * would take the read away, so setup adds its own beside it. */
static int has_grant(PACL dacl, PSID sid, DWORD mask, BYTE inherit)
{
    DWORD i;
    for (i = 0; dacl && i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *a;
        if (!GetAce(dacl, i, (void **)&a) || a->Header.AceType != ACCESS_ALLOWED_ACE_TYPE ||
            (a->Header.AceFlags & INHERITED_ACE))
            continue;
        if ((a->Header.AceFlags & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)) == inherit &&
            a->Mask == mask && EqualSid((PSID)&a->SidStart, sid))
            return 1;
    }
    return 0;
}

static DWORD mask_of(enum cordon__win_grant k)
{
    return k == CORDON__WIN_GRANT_LIST ? CORDON__WIN_LIST_MASK : CORDON__WIN_READ_MASK;
}

static BYTE inherit_of(enum cordon__win_grant k, int is_dir)
{
    return k == CORDON__WIN_GRANT_TREE && is_dir ? (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE) : 0;
}

/* 1 when Users, Authenticated Users or Everyone (any logon) may read
 * |path| already: core's reader check with no SID of the sandbox's own. */
static int broad_read(const char *path)
{
    char owner[184], why[300];
    struct cordon__win_dacl_ace *aces = NULL;
    size_t n = 0;
    int present = 0, r;
    if (cordon__win_read_sd(path, owner, &present, &aces, &n, why, sizeof why) != 0)
        return 0;
    r = cordon__win_dacl_reads("", present, aces, n, NULL, 0, why, sizeof why);
    free(aces);
    return r;
}

/* Records |path| for grant |k| unless the grant is there. */
static int plan_one(struct plan *p, PSID sid, const char *path, enum cordon__win_grant k, int is_dir)
{
    struct cordon__win_grant_record r;
    PSECURITY_DESCRIPTOR sd = NULL;
    PACL dacl = NULL;
    char *sddl = NULL, *line;
    DWORD err;
    HANDLE h = open_exact(path, 0, &err);
    if (h == INVALID_HANDLE_VALUE) {
        /* Gone, or not what was listed a moment ago: leave it alone. */
        p->skipped++;
        return 0;
    }
    err = read_dacl(h, &sd, &dacl, &sddl);
    CloseHandle(h);
    if (err != ERROR_SUCCESS || !dacl) {
        /* No DACL is readable by everyone already; an unreadable one is skipped. */
        p->skipped++;
        goto done;
    }
    if (has_grant(dacl, sid, mask_of(k), inherit_of(k, is_dir))) {
        char *without;
        int exact = 0;
        if (!p->rerecord) {
            p->already++;
            goto done;
        }
        /* Records lost while the grant stayed: record it again, with
         * today's DACL without setup's ACE as the original. */
        without = cordon__win_sddl_restore_sid(sddl, sddl, p->sid_str, &exact);
        if (!without) {
            p->skipped++;
            goto done;
        }
        free(sddl);
        sddl = without;
    }
    r.kind = k;
    r.path = (char *)path;
    r.original = sddl;
    line = cordon__win_grant_record_line(&r);
    if (!line || cordon__strv_push_owned(&p->lines, line) != CORDON_OK) {
        say(p->error, sizeof p->error, "out of memory planning the read grants");
        LocalFree(sd);
        free(sddl);
        return -1;
    }
    if (k == CORDON__WIN_GRANT_LIST)
        p->list++;
    else
        p->tree++;
done:
    if (sd)
        LocalFree(sd);
    free(sddl);
    return 0;
}

/* The number of names (hard links) of the file |path|, opened without
 * following a reparse point and with no right but reading attributes;
 * 0 when it cannot be read. */
static unsigned long names_of(const char *path)
{
    wchar_t *w = cordon__win_wide_long(path);
    BY_HANDLE_FILE_INFORMATION info;
    unsigned long n = 0;
    HANDLE h = w ? CreateFileW(w, FILE_READ_ATTRIBUTES,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                               OPEN_EXISTING,
                               FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL)
                 : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    if (GetFileInformationByHandle(h, &info))
        n = info.nNumberOfLinks;
    CloseHandle(h);
    return n;
}

/* Walks what is below the directory |dir|, depth first, without following
 * a junction or symbolic link (the propagation of an inherited ACE does
 * not reach a link's target through this tree's DACLs): the first file
 * with more than one name goes to *linked (caller frees), and when part of
 * it cannot be seen the reason to |werr|. Setup-time only: never per
 * command. 0 when nothing of that kind was found. */
static int links_below(const char *dir, int depth, char **linked, char *werr, size_t nw)
{
    char *pattern = cordon__asprintf("%s\\*", dir);
    wchar_t *wp = pattern ? cordon__win_wide_long(pattern) : NULL;
    WIN32_FIND_DATAW fd;
    HANDLE f;
    int found = 0;
    free(pattern);
    if (depth > 64) {
        say(werr, nw, "%s: more than 64 levels deep", dir);
        free(wp);
        return 1;
    }
    f = wp ? FindFirstFileW(wp, &fd) : INVALID_HANDLE_VALUE;
    free(wp);
    if (f == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND)
            return 0; /* empty */
        say(werr, nw, "%s: FindFirstFileW: error %lu", dir, (unsigned long)e);
        return 1;
    }
    do {
        char *name, *path;
        unsigned long n;
        if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0 ||
            (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
            continue;
        name = cordon__win_utf8(fd.cFileName);
        path = name ? cordon__asprintf("%s\\%s", dir, name) : NULL;
        free(name);
        if (!path) {
            say(werr, nw, "out of memory");
            found = 1;
            break;
        }
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            found = links_below(path, depth + 1, linked, werr, nw);
        } else if ((n = names_of(path)) != 1) {
            if (n == 0)
                say(werr, nw, "%s: its number of names cannot be read", path);
            else
                *linked = cordon__strdup(path);
            found = 1;
        }
        free(path);
    } while (!found && FindNextFileW(f, &fd));
    /* FindNextFileW ends a listing with ERROR_NO_MORE_FILES; any other
     * error leaves the rest unseen, and a file with another name there
     * would be granted through the tree's inherited ACE: said, so the
     * tree is not granted. */
    if (!found) {
        DWORD e = GetLastError();
        if (e != ERROR_NO_MORE_FILES) {
            say(werr, nw, "%s: FindNextFileW: error %lu", dir, (unsigned long)e);
            found = 1;
        }
    }
    FindClose(f);
    return found;
}

static int note(struct plan *p, const char *path, const char *why)
{
    char *line = cordon__asprintf("#linked\t%s\t%s", path, why);
    p->linked++;
    if (!line || cordon__strv_push_owned(&p->notes, line) != CORDON_OK) {
        say(p->error, sizeof p->error, "out of memory planning the read grants");
        return -1;
    }
    return 0;
}

/* Fills |e| for |path|, the entry |sub| of the profile: its kind, whether
 * others read it already, a file's number of names, and (when |p| walks)
 * what a walk below a directory found. |linked| holds the walk's find
 * (caller frees); |werr| its problem. */
static void entry_facts(struct plan *p, const char *path, const char *sub, DWORD attrs,
                        struct cordon__win_grant_entry *e, char **linked, char *werr, size_t nw)
{
    memset(e, 0, sizeof *e);
    *linked = NULL;
    werr[0] = '\0';
    e->rel = sub;
    e->is_dir = (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
    e->is_reparse = (attrs & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    e->broad_read = !e->is_reparse && !p->assume_private && broad_read(path);
    if (e->is_reparse)
        return;
    if (!e->is_dir) {
        e->links = names_of(path);
    } else if (p->walk && cordon__win_profile_rel(sub, NULL) == CORDON__WIN_REL_PLAIN) {
        e->walked = 1;
        if (links_below(path, 0, linked, werr, nw)) {
            e->linked_below = *linked;
            e->walk_error = *linked ? NULL : werr;
        }
    }
}

/* The entries of |profile|\|rel|, each decided by core; directories that
 * hold a secret below them (or, when walked, a file with another name) are
 * listed and gone into. */
static int plan_dir(struct plan *p, PSID sid, const char *profile, const char *rel, int depth)
{
    char *dir = rel[0] ? cordon__asprintf("%s\\%s", profile, rel) : cordon__strdup(profile);
    char *pattern = dir ? cordon__asprintf("%s\\*", dir) : NULL;
    wchar_t *wp = pattern ? cordon__win_wide_long(pattern) : NULL;
    WIN32_FIND_DATAW fd;
    HANDLE f;
    int rc = 0;
    free(pattern);
    f = wp ? FindFirstFileW(wp, &fd) : INVALID_HANDLE_VALUE;
    free(wp);
    if (f == INVALID_HANDLE_VALUE) {
        free(dir);
        return 0;
    }
    do {
        struct cordon__win_grant_entry e;
        enum cordon__win_grant k;
        char why[600], werr[400], *name, *sub = NULL, *path = NULL, *linked = NULL;
        if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
            continue;
        name = cordon__win_utf8(fd.cFileName);
        if (name) {
            sub = rel[0] ? cordon__asprintf("%s\\%s", rel, name) : cordon__strdup(name);
            path = cordon__asprintf("%s\\%s", dir, name);
        }
        free(name);
        if (!sub || !path) {
            free(sub);
            free(path);
            say(p->error, sizeof p->error, "out of memory planning the read grants");
            rc = -1;
            break;
        }
        entry_facts(p, path, sub, fd.dwFileAttributes, &e, &linked, werr, sizeof werr);
        k = cordon__win_read_grant(&e, why, sizeof why);
        if (k == CORDON__WIN_GRANT_NONE && !e.is_dir && e.links > 1 &&
            cordon__win_profile_rel(sub, NULL) != CORDON__WIN_REL_SECRET)
            rc = note(p, path, why);
        else if (k == CORDON__WIN_GRANT_LIST && e.linked_below)
            rc = note(p, e.linked_below, why);
        if (rc == 0 && k != CORDON__WIN_GRANT_NONE)
            rc = plan_one(p, sid, path, k, e.is_dir);
        if (rc == 0 && k == CORDON__WIN_GRANT_LIST && depth < 8)
            rc = plan_dir(p, sid, profile, sub, depth + 1);
        free(linked);
        free(sub);
        free(path);
    } while (rc == 0 && FindNextFileW(f, &fd));
    FindClose(f);
    free(dir);
    return rc;
}

/* Appends |from| to |to|. */
static int push_all(struct cordon__strv *to, const struct cordon__strv *from)
{
    size_t i;
    for (i = 0; to && i < from->n; i++)
        if (cordon__strv_push(to, from->v[i]) != CORDON_OK)
            return -1;
    return 0;
}

int setup__grants_plan_ex(const char *profile, const char *sandbox_sid, int flags,
                          struct cordon__strv *lines, struct cordon__strv *notes, char *err,
                          size_t ne)
{
    struct plan p;
    struct cordon__win_grant_entry root;
    enum cordon__win_grant k;
    PSID sid = cordon__win_sid_from_string(sandbox_sid);
    char why[300];
    int rc = -1;
    memset(&p, 0, sizeof p);
    p.assume_private = (flags & SETUP_GRANTS_ASSUME_PRIVATE) != 0;
    p.rerecord = (flags & SETUP_GRANTS_RERECORD) != 0;
    p.sid_str = sandbox_sid;
    if (!sid) {
        say(err, ne, "%s: not a SID", sandbox_sid);
        return -1;
    }
    memset(&root, 0, sizeof root);
    root.rel = "";
    root.is_dir = 1;
    k = cordon__win_read_grant(&root, why, sizeof why);
    if ((k != CORDON__WIN_GRANT_NONE && plan_one(&p, sid, profile, k, 1) != 0) ||
        plan_dir(&p, sid, profile, "", 1) != 0) {
        say(err, ne, "%s", p.error);
        goto done;
    }
    if (push_all(lines, &p.lines) != 0 || push_all(notes, &p.notes) != 0) {
        say(err, ne, "out of memory");
        goto done;
    }
    rc = 0;
done:
    LocalFree(sid);
    cordon__strv_free(&p.lines);
    cordon__strv_free(&p.notes);
    return rc;
}

int setup__grants_plan(const char *profile, const char *sandbox_sid, struct cordon__strv *lines,
                       char *err, size_t ne)
{
    return setup__grants_plan_ex(profile, sandbox_sid, 0, lines, NULL, err, ne);
}

/* The entry |path| below |profile|, or NULL (caller frees). */
static char *rel_in(const char *profile, const char *path)
{
    size_t n = strlen(profile);
    if (strlen(path) <= n + 1 || path[n] != '\\' || _strnicmp(path, profile, n) != 0)
        return NULL;
    return cordon__strdup(path + n + 1);
}

int setup__grants_split(const char *profile, const char *dir, const char *original,
                        const char *sandbox_sid, int flags, struct cordon__strv *lines,
                        struct cordon__strv *notes, char *err, size_t ne)
{
    struct plan p;
    struct cordon__win_grant_entry e;
    struct cordon__win_grant_record r;
    enum cordon__win_grant k;
    PSID sid = cordon__win_sid_from_string(sandbox_sid);
    char why[600], werr[400], *linked = NULL, *rel = rel_in(profile, dir), *line = NULL;
    int rc = -1, depth = 1;
    const char *c;
    memset(&p, 0, sizeof p);
    p.walk = 1;
    p.assume_private = (flags & SETUP_GRANTS_ASSUME_PRIVATE) != 0;
    p.sid_str = sandbox_sid;
    if (!sid || !rel) {
        say(err, ne, "%s: not below the profile %s (or %s is not a SID)", dir, profile,
            sandbox_sid);
        goto done;
    }
    for (c = rel; *c; c++)
        depth += *c == '\\';
    entry_facts(&p, dir, rel, FILE_ATTRIBUTE_DIRECTORY, &e, &linked, werr, sizeof werr);
    k = cordon__win_read_grant(&e, why, sizeof why);
    if (k == CORDON__WIN_GRANT_TREE) {
        rc = 0; /* nothing below has another name: the tree stands */
        goto done;
    }
    if (k == CORDON__WIN_GRANT_LIST) {
        /* A file with another name below (or a walk that could not
         * finish), or a secret below it now (a newer table). */
        if ((e.linked_below || e.walk_error) &&
            note(&p, e.linked_below ? e.linked_below : dir, why) != 0)
            goto done;
        /* The list grant takes the tree's place, with the tree's original. */
        r.kind = CORDON__WIN_GRANT_LIST;
        r.path = (char *)dir;
        r.original = (char *)original;
        if (!(line = cordon__win_grant_record_line(&r)) ||
            cordon__strv_push_owned(&p.lines, line) != CORDON_OK) {
            say(err, ne, "out of memory");
            goto done;
        }
        if (depth < 8 && plan_dir(&p, sid, profile, rel, depth + 1) != 0) {
            say(err, ne, "%s", p.error);
            goto done;
        }
    }
    /* Anything else (the tree is nothing now): no line takes its place. */
    if (push_all(lines, &p.lines) != 0 || push_all(notes, &p.notes) != 0) {
        say(err, ne, "out of memory");
        goto done;
    }
    rc = 1;
done:
    if (sid)
        LocalFree(sid);
    free(linked);
    free(rel);
    cordon__strv_free(&p.lines);
    cordon__strv_free(&p.notes);
    return rc;
}

/* ---- the tools' directories (PATH entries outside the profiles) ----------- */

/* A REG_SZ or REG_EXPAND_SZ value |name| of |key| below |root|, not
 * expanded; NULL when absent (caller frees). */
static char *reg_text(HKEY root, const wchar_t *key, const wchar_t *name)
{
    DWORD cb = 0;
    wchar_t *buf;
    char *out = NULL;
    if (RegGetValueW(root, key, name, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL,
                     NULL, &cb) != ERROR_SUCCESS ||
        cb == 0 || cb > 1u << 20)
        return NULL;
    if (!(buf = calloc(cb / sizeof(wchar_t) + 2, sizeof(wchar_t))))
        return NULL;
    if (RegGetValueW(root, key, name, RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL,
                     buf, &cb) == ERROR_SUCCESS)
        out = cordon__win_utf8(buf);
    free(buf);
    return out;
}

/* |s| with the variables of |profile|'s user expanded to that user's
 * values (never setup's own), then the machine's (%SystemRoot%, ...)
 * from setup's environment. Caller frees. */
static char *expand_for(const char *s, const char *profile)
{
    char *roaming = profile ? cordon__asprintf("%s\\AppData\\Roaming", profile) : NULL;
    char *local = profile ? cordon__asprintf("%s\\AppData\\Local", profile) : NULL;
    const char *names[] = {"USERPROFILE", "APPDATA", "LOCALAPPDATA", "HOMEPATH"};
    const char *values[4];
    char *mine, *out = NULL;
    wchar_t *w, *x = NULL;
    DWORD n;
    values[0] = profile;
    values[1] = roaming;
    values[2] = local;
    values[3] = profile && profile[0] && profile[1] == ':' ? profile + 2 : NULL;
    mine = profile ? cordon__win_expand_some(s, names, values, 4) : cordon__strdup(s);
    w = mine ? cordon__win_wide(mine) : NULL;
    n = w ? ExpandEnvironmentStringsW(w, NULL, 0) : 0;
    if (n > 0 && (x = calloc(n + 1, sizeof *x)) && ExpandEnvironmentStringsW(w, x, n + 1) > 0)
        out = cordon__win_utf8(x);
    free(roaming);
    free(local);
    free(mine);
    free(w);
    free(x);
    return out;
}

int setup__grants_path_value(HKEY root, const wchar_t *key, const char *profile,
                             struct cordon__strv *dirs)
{
    char *raw = reg_text(root, key, L"Path"), *text = raw ? expand_for(raw, profile) : NULL;
    int rc = !raw ? 1 : text && cordon__win_path_split(text, dirs) == 0 ? 0 : -1;
    free(raw);
    free(text);
    return rc;
}

/* What the OS says about |written|, a PATH entry: opened without following
 * a link, its final path (long names, no "..", no \\?\) and kind. The
 * decision is made on the final path, so 8.3 names and ".." do not hide
 * C:\Windows. *final is NULL when it could not be opened. */
static void tool_facts(const char *written, char **final, struct cordon__win_tool_dir *d)
{
    wchar_t *w = cordon__win_wide_long(written), buf[MAX_PATH * 2];
    BY_HANDLE_FILE_INFORMATION info;
    HANDLE h;
    DWORD n;
    *final = NULL;
    h = w ? CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                        NULL, OPEN_EXISTING,
                        FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL)
          : INVALID_HANDLE_VALUE;
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return;
    if (GetFileInformationByHandle(h, &info)) {
        n = GetFinalPathNameByHandleW(h, buf, MAX_PATH * 2, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
        if (n > 0 && n < MAX_PATH * 2) {
            const wchar_t *b = buf;
            if (wcsncmp(b, L"\\\\?\\UNC\\", 8) == 0) {
                b += 6;
                buf[6] = L'\\'; /* \\server\share */
            } else if (wcsncmp(b, L"\\\\?\\", 4) == 0) {
                b += 4;
            }
            *final = cordon__win_utf8(b);
        }
        d->exists = *final != NULL;
        d->is_dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
        d->is_reparse = (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
    }
    CloseHandle(h);
}

/* 1 when the user |sid| (with a logon's well-known SIDs) may read |path|
 * or owns it: core's reader check. */
static int user_reads(const char *path, const char *sid)
{
    char owner[184], why[300];
    const char *sids[1];
    struct cordon__win_dacl_ace *aces = NULL;
    size_t n = 0;
    int present = 0, r;
    sids[0] = sid;
    if (cordon__win_read_sd(path, owner, &present, &aces, &n, why, sizeof why) != 0)
        return 0;
    r = cordon__win_dacl_reads(owner, present, aces, n, sids, 1, why, sizeof why);
    free(aces);
    return r;
}

static int refused(struct cordon__strv *notes, const char *path, const char *why)
{
    char *line = cordon__asprintf("#refused\t%s\t%s", path, why);
    return line && cordon__strv_push_owned(notes, line) == CORDON_OK ? 0 : -1;
}

int setup__grants_plan_tools(const struct cordon__strv *dirs, const char *owner,
                             const char *owner_sid, const struct cordon__win_tool_places *pl, const char *sandbox_sid,
                             int flags, struct cordon__strv *lines, struct cordon__strv *notes,
                             struct cordon__strv *trees, char *err, size_t ne)
{
    struct plan p;
    PSID sid = cordon__win_sid_from_string(sandbox_sid);
    size_t i;
    int rc = -1;
    memset(&p, 0, sizeof p);
    p.rerecord = (flags & SETUP_GRANTS_RERECORD) != 0;
    p.sid_str = sandbox_sid;
    if (!sid) {
        say(err, ne, "%s: not a SID", sandbox_sid);
        return -1;
    }
    for (i = 0; i < dirs->n; i++) {
        struct cordon__win_tool_dir d;
        enum cordon__win_tool_grant k;
        char why[600], *final = NULL;
        memset(&d, 0, sizeof d);
        tool_facts(dirs->v[i], &final, &d);
        d.path = final ? final : dirs->v[i];
        d.owner_profile = owner;
        d.broad_read = d.exists && d.is_dir && !d.is_reparse &&
                       !(flags & SETUP_GRANTS_ASSUME_PRIVATE) && broad_read(d.path);
        /* A user's own PATH is the user's to write: granted only where
         * the user may read already (its SID, a logon's well-known SIDs;
         * a read through another group of the user is not counted, so
         * such a directory is refused, never over-granted). */
        d.owner_reads = owner && owner_sid && d.exists && user_reads(d.path, owner_sid);
        k = cordon__win_tool_grant(&d, pl, why, sizeof why);
        if (k == CORDON__WIN_TOOL_REFUSED) {
            /* Said where it was written, and where it leads when that differs. */
            char *shown = final && !cordon__streq_nocase(final, dirs->v[i])
                              ? cordon__asprintf("%s (%s)", dirs->v[i], final)
                              : cordon__strdup(dirs->v[i]);
            int bad = !shown || (notes && refused(notes, shown, why) != 0);
            free(shown);
            if (bad) {
                free(final);
                say(err, ne, "out of memory");
                goto done;
            }
        } else if (k == CORDON__WIN_TOOL_TREE) {
            size_t t;
            int dup = 0;
            for (t = 0; trees && t < trees->n && !dup; t++)
                dup = cordon__streq_nocase(trees->v[t], d.path); /* on two PATHs */
            if (dup) {
                free(final);
                continue;
            }
            if (plan_one(&p, sid, d.path, CORDON__WIN_GRANT_TREE, 1) != 0 ||
                (trees && cordon__strv_push(trees, d.path) != CORDON_OK)) {
                free(final);
                say(err, ne, "%s", p.error[0] ? p.error : "out of memory");
                goto done;
            }
        }
        free(final);
    }
    if (push_all(lines, &p.lines) != 0) {
        say(err, ne, "out of memory");
        goto done;
    }
    rc = 0;
done:
    LocalFree(sid);
    cordon__strv_free(&p.lines);
    cordon__strv_free(&p.notes);
    return rc;
}

int setup__grants_tool_walk(const char *dir, char *why, size_t n)
{
    struct cordon__win_tool_dir d;
    struct cordon__win_tool_places none;
    char werr[400], *linked = NULL;
    int rc;
    memset(&d, 0, sizeof d);
    memset(&none, 0, sizeof none);
    d.path = dir;
    d.exists = d.is_dir = d.walked = 1;
    werr[0] = '\0';
    if (links_below(dir, 0, &linked, werr, sizeof werr)) {
        d.linked_below = linked;
        d.walk_error = linked ? NULL : werr;
    }
    rc = cordon__win_tool_grant(&d, &none, why, n) == CORDON__WIN_TOOL_TREE ? 0 : 1;
    free(linked);
    return rc;
}

/* Writes |text| to |path| through a temporary file with |sddl|. */
static int write_state(const char *path, const char *text, const char *sddl, char *err, size_t ne)
{
    char *tmp = cordon__asprintf("%s.new", path);
    wchar_t *wt = tmp ? cordon__win_wide(tmp) : NULL, *wp = cordon__win_wide(path),
            *ws = cordon__win_wide(sddl);
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES sa;
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD put = 0, len = (DWORD)strlen(text);
    int rc = -1;
    if (!wt || !wp || !ws ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(ws, SDDL_REVISION_1, &sd, NULL)) {
        say(err, ne, "%s: cannot prepare it (error %lu). Fix: " FIX_RERUN, path,
            (unsigned long)GetLastError());
        goto done;
    }
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = sd;
    sa.bInheritHandle = FALSE;
    h = CreateFileW(wt, GENERIC_WRITE, 0, &sa, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE || !WriteFile(h, text, len, &put, NULL) || put != len ||
        !FlushFileBuffers(h)) {
        say(err, ne, "%s: CreateFileW/WriteFile: error %lu. Fix: " FIX_RERUN, tmp,
            (unsigned long)GetLastError());
        goto done;
    }
    CloseHandle(h);
    h = INVALID_HANDLE_VALUE;
    if (!MoveFileExW(wt, wp, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        say(err, ne, "%s: MoveFileExW: error %lu. Fix: " FIX_RERUN, path,
            (unsigned long)GetLastError());
        goto done;
    }
    rc = 0;
done:
    if (h != INVALID_HANDLE_VALUE) {
        CloseHandle(h);
        DeleteFileW(wt);
    }
    if (sd)
        LocalFree(sd);
    free(tmp);
    free(wt);
    free(wp);
    free(ws);
    return rc;
}

/* The records: the grantee's SID and the lines. 0, 1 when there are none,
 * -1 when they cannot be read or trusted. The worker applies them as an
 * administrator and uninstall restores from them: a records file (or
 * directory) anyone but administrators could have written, planted in
 * ProgramData before setup made it, is refused, naming why. */
static int load(const char *data_dir, char sid[184], struct cordon__strv *lines,
                struct cordon__strv *notes, unsigned char sha[32])
{
    char *path = state_path(data_dir, RECORDS), *text = NULL, *p, *nl, why[400];
    wchar_t *w = path ? cordon__win_wide(path) : NULL;
    FILE *f = NULL;
    size_t n = 0, cap = 0;
    int rc = 1;
    sid[0] = '\0';
    if (!w) {
        rc = -1;
    } else if (GetFileAttributesW(w) == INVALID_FILE_ATTRIBUTES) {
        DWORD e = GetLastError();
        rc = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? 1 : -1;
    } else if (!cordon__win_path_admin_only(data_dir, 1, why, sizeof why) ||
               !cordon__win_path_admin_only(path, 0, why, sizeof why)) {
        fprintf(stderr, "cordon-setup: the read grant records are not setup's: %s\n", why);
        rc = -1;
    } else if (!(f = _wfopen(w, L"rb"))) {
        rc = -1;
    }
    free(w);
    free(path);
    if (!f)
        return rc;
    for (;;) {
        char buf[4096];
        size_t k = fread(buf, 1, sizeof buf, f);
        if (k == 0)
            break;
        if (n + k + 1 > cap) {
            char *t = realloc(text, cap = (n + k + 1) * 2);
            if (!t) {
                rc = -1;
                goto done;
            }
            text = t;
        }
        memcpy(text + n, buf, k);
        n += k;
    }
    if (sha)
        cordon__sha256(text ? text : "", n, sha);
    if (!text)
        goto done;
    text[n] = '\0';
    rc = 0;
    for (p = text; *p; p = nl) {
        nl = p + strcspn(p, "\n");
        if (*nl)
            *nl++ = '\0';
        if (strncmp(p, "#sid\t", 5) == 0) {
            snprintf(sid, 184, "%.*s", (int)strcspn(p + 5, "\r"), p + 5);
        } else if (strncmp(p, "#linked\t", 8) == 0 || strncmp(p, "#refused\t", 9) == 0) {
            if (notes && cordon__strv_push(notes, p) != CORDON_OK) {
                rc = -1;
                break;
            }
        } else if (*p && *p != '#' && cordon__strv_push(lines, p) != CORDON_OK) {
            rc = -1; /* fewer records would restore fewer paths */
            break;
        }
    }
done:
    fclose(f);
    free(text);
    return rc;
}

static int mutex_held(void)
{
    HANDLE m = OpenMutexW(SYNCHRONIZE, FALSE, SETUP_GRANTS_MUTEX);
    DWORD w;
    if (!m)
        return GetLastError() == ERROR_ACCESS_DENIED; /* there, but not ours to open */
    w = WaitForSingleObject(m, 0);
    if (w == WAIT_OBJECT_0 || w == WAIT_ABANDONED)
        ReleaseMutex(m);
    CloseHandle(m);
    return w == WAIT_TIMEOUT;
}

static void progress(const char *data_dir, const char *fmt, ...) CORDON__PRINTF(2, 3);
static void progress(const char *data_dir, const char *fmt, ...)
{
    char text[400], err[300], *path = state_path(data_dir, PROGRESS);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (path)
        write_state(path, text, PROGRESS_SDDL, err, sizeof err);
    free(path);
}

void setup__grants_progress(const char *data_dir, char *out, size_t n)
{
    char *path = state_path(data_dir, PROGRESS);
    wchar_t *w = path ? cordon__win_wide(path) : NULL;
    FILE *f = w ? _wfopen(w, L"rb") : NULL;
    size_t k = 0;
    free(path);
    free(w);
    out[0] = '\0';
    if (f) {
        k = fread(out, 1, n - 1, f);
        fclose(f);
    }
    out[k] = '\0';
    if (mutex_held())
        say(out + strlen(out), n - strlen(out), "%s(the background grants run now)",
            out[0] ? " " : "");
}

/* Writes the records: the grantee, the notes (each once), the lines. */
static int save_records(const char *data_dir, const char *sid, const struct cordon__strv *notes,
                        const struct cordon__strv *lines, char *err, size_t ne)
{
    struct cordon__buf text = {0};
    char *path = state_path(data_dir, RECORDS);
    size_t i, k;
    int rc = -1, dup;
    cordon__buf_printf(&text, "#sid\t%s\n", sid);
    for (i = 0; notes && i < notes->n; i++) {
        for (k = 0, dup = 0; k < i && !dup; k++)
            dup = strcmp(notes->v[k], notes->v[i]) == 0;
        if (!dup)
            cordon__buf_printf(&text, "%s\n", notes->v[i]);
    }
    for (i = 0; i < lines->n; i++)
        cordon__buf_printf(&text, "%s\n", lines->v[i]);
    if (text.oom || !path) {
        say(err, ne, "out of memory. Fix: " FIX_RERUN);
    } else if ((rc = write_state(path, text.p ? text.p : "", ADMIN_SDDL, err, ne)) == 0) {
        unsigned char sha[32];
        char *count = state_path(data_dir, COUNT), *line;
        cordon__sha256(text.p ? text.p : "", text.len, sha);
        line = cordon__win_grant_count_line(lines->n, sha);
        rc = count && line ? write_state(count, line, ADMIN_SDDL, err, ne) : -1;
        if (!count || !line)
            say(err, ne, "out of memory. Fix: " FIX_RERUN);
        free(count);
        free(line);
    }
    cordon__buf_free(&text);
    free(path);
    return rc;
}

/* The count line kept beside the records, or NULL when there is none
 * (caller frees). */
static char *read_count(const char *data_dir)
{
    char *path = state_path(data_dir, COUNT), buf[200];
    wchar_t *w = path ? cordon__win_wide(path) : NULL;
    FILE *f = w ? _wfopen(w, L"rb") : NULL;
    size_t k = 0;
    free(path);
    free(w);
    if (!f)
        return NULL;
    k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[k] = '\0';
    return cordon__strdup(buf);
}

static DWORD restore(const struct cordon__win_grant_record *r, const char *sid, int *exact);

int setup__grants_redecide(const struct cordon__strv *profiles, const struct cordon__strv *tools,
                           const char *sandbox_sid, int flags, struct cordon__strv *lines,
                           size_t *restored, char *first, size_t nf, char *err, size_t ne)
{
    struct cordon__strv keep = {0};
    size_t i, k;
    int rc = -1;
    *restored = 0;
    for (i = 0; i < lines->n; i++) {
        struct cordon__win_grant_record r;
        struct cordon__win_grant_entry e;
        BY_HANDLE_FILE_INFORMATION info;
        enum cordon__win_grant now = CORDON__WIN_GRANT_NONE;
        char now_why[600] = "no allowed user's profile holds it now", why[900];
        const char *rel = NULL;
        DWORD x;
        HANDLE h;
        int exact = 0, got;
        if (cordon__win_grant_record_parse(lines->v[i], &r) != 0) {
            if (cordon__strv_push(&keep, lines->v[i]) != CORDON_OK)
                goto oom;
            continue;
        }
        h = open_exact(r.path, 0, &x);
        got = h != INVALID_HANDLE_VALUE && GetFileInformationByHandle(h, &info);
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        if (!got) {
            /* Gone, or a link now: nothing to decide; uninstall counts it. */
            cordon__win_grant_record_free(&r);
            if (cordon__strv_push(&keep, lines->v[i]) != CORDON_OK)
                goto oom;
            continue;
        }
        for (k = 0; k < profiles->n && !rel; k++)
            rel = cordon__win_profile_entry(profiles->v[k], r.path);
        if (rel) {
            memset(&e, 0, sizeof e);
            e.rel = rel;
            e.is_dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
            e.links = e.is_dir ? 0 : info.nNumberOfLinks;
            e.broad_read = rel[0] && !(flags & SETUP_GRANTS_ASSUME_PRIVATE) && broad_read(r.path);
            now = cordon__win_read_grant(&e, now_why, sizeof now_why);
        }
        for (k = 0; !rel && tools && k < tools->n && now == CORDON__WIN_GRANT_NONE; k++) {
            /* A tool directory core decides a tree on now (its walk is the worker's). */
            if (cordon__streq_nocase(tools->v[k], r.path)) {
                now = CORDON__WIN_GRANT_TREE;
                say(now_why, sizeof now_why, "a tool directory on a PATH");
            }
        }
        if (!rel && now == CORDON__WIN_GRANT_NONE)
            say(now_why, sizeof now_why, "no allowed user's profile holds it now, nor is it a "
                                         "tool directory to grant on a PATH");
        if (cordon__win_regrant(&r, now, now_why, why, sizeof why) == CORDON__WIN_REGRANT_KEEP) {
            cordon__win_grant_record_free(&r);
            if (cordon__strv_push(&keep, lines->v[i]) != CORDON_OK)
                goto oom;
            continue;
        }
        x = restore(&r, sandbox_sid, &exact);
        if (x != ERROR_SUCCESS && x != ERROR_FILE_NOT_FOUND && x != ERROR_PATH_NOT_FOUND &&
            x != ERROR_CANT_ACCESS_FILE) {
            say(err, ne, "%s: taking setup's ACE out (SetSecurityInfo): error %lu", r.path,
                (unsigned long)x);
            cordon__win_grant_record_free(&r);
            goto done;
        }
        if (*restored == 0 && first)
            say(first, nf, "%s", why);
        (*restored)++;
        cordon__win_grant_record_free(&r);
    }
    cordon__strv_free(lines);
    *lines = keep;
    memset(&keep, 0, sizeof keep);
    rc = 0;
    goto done;
oom:
    say(err, ne, "out of memory");
done:
    cordon__strv_free(&keep);
    return rc;
}

/* "; N files with more than one name (hard links) given nothing, the
 * first ...", from the notes, or "". */
static void linked_text(const struct cordon__strv *notes, char *out, size_t n)
{
    const char *first = NULL;
    size_t i, count = 0, r = 0;
    const char *rfirst = NULL;
    out[0] = '\0';
    for (i = 0; i < notes->n; i++) {
        if (strncmp(notes->v[i], "#linked\t", 8) == 0) {
            if (!count++)
                first = notes->v[i] + 8;
        } else if (strncmp(notes->v[i], "#refused\t", 9) == 0) {
            if (!r++)
                rfirst = notes->v[i] + 9;
        }
    }
    if (count)
        say(out, n, "; %zu kept from a grant by hard links (a file with more than one name gets "
                    "nothing, a tree holding one is split), the first: %.*s",
            count, (int)strcspn(first, "\t"), first);
    if (r) {
        size_t l = strlen(out);
        const char *why = rfirst + strcspn(rfirst, "\t");
        say(out + l, n - l, "; %zu tool director%s on a PATH refused, the first: %.*s (%s)", r,
            r == 1 ? "y" : "ies", (int)strcspn(rfirst, "\t"), rfirst, *why ? why + 1 : "");
    }
}

/* Every profile of ProfileList (|all|) and the ProfilesDirectory. */
static void all_profiles(struct cordon__strv *all, char **dir)
{
    HKEY k = NULL;
    wchar_t name[256];
    DWORD i, n;
    char *raw;
    *dir = NULL;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList",
                      0, KEY_READ, &k) != ERROR_SUCCESS)
        return;
    if ((raw = reg_text(k, NULL, L"ProfilesDirectory"))) {
        *dir = expand_for(raw, NULL);
        free(raw);
    }
    for (i = 0;; i++) {
        char *p;
        n = 256;
        if (RegEnumKeyExW(k, i, name, &n, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        if ((raw = reg_text(k, name, L"ProfileImagePath"))) {
            if ((p = expand_for(raw, NULL)) && cordon__strv_push_owned(all, p) != CORDON_OK)
                free(p);
            free(raw);
        }
    }
    RegCloseKey(k);
}

/* The tools' directories on the machine's PATH and on each allowed user's
 * (its hive loaded: the user is logged on), decided by core; tree grants
 * go to |planned| (their paths to |trees|), refusals to |notes|.
 * |skipped| says whose PATH was not read. */
static int plan_tool_dirs(const struct setup_grants_in *in, const struct cordon__strv *profiles,
                          int flags, struct cordon__strv *planned, struct cordon__strv *notes,
                          struct cordon__strv *trees, size_t *n_dirs, char *skipped, size_t ns,
                          char *err, size_t ne)
{
    struct cordon__strv all = {0}, temps = {0}, dirs = {0};
    struct cordon__win_tool_places pl;
    wchar_t win[MAX_PATH + 1], tmp[MAX_PATH + 2];
    char *windows = NULL, *profiles_dir = NULL, *t;
    const char *first_skipped = NULL;
    size_t i, n_skipped = 0;
    int rc = -1;

    *n_dirs = 0;
    skipped[0] = '\0';
    all_profiles(&all, &profiles_dir);
    if (GetWindowsDirectoryW(win, MAX_PATH) > 0)
        windows = cordon__win_utf8(win);
    if (GetTempPathW(MAX_PATH + 1, tmp) > 0 && (t = cordon__win_utf8(tmp))) {
        size_t l = strlen(t);
        if (l > 3 && t[l - 1] == '\\')
            t[l - 1] = '\0';
        if (cordon__strv_push_owned(&temps, t) != CORDON_OK)
            free(t);
    }
    for (i = 0; i < in->user_sids->n; i++) {
        static const wchar_t *const vars[2] = {L"TEMP", L"TMP"};
        wchar_t *ws = cordon__win_wide(in->user_sids->v[i]), key[300];
        char *profile = profile_of(in->user_sids->v[i]), *raw, *x;
        int v;
        if (ws) {
            _snwprintf(key, 300, L"%ls\\Environment", ws);
            key[299] = L'\0';
            for (v = 0; v < 2; v++) {
                if ((raw = reg_text(HKEY_USERS, key, vars[v]))) {
                    if ((x = expand_for(raw, profile)) && cordon__strv_push_owned(&temps, x) != CORDON_OK)
                        free(x);
                    free(raw);
                }
            }
        }
        free(ws);
        free(profile);
    }
    memset(&pl, 0, sizeof pl);
    pl.windows_dir = windows;
    pl.profiles_dir = profiles_dir;
    pl.allowed = (const char *const *)profiles->v;
    pl.n_allowed = profiles->n;
    pl.profiles = (const char *const *)all.v;
    pl.n_profiles = all.n;
    pl.temp_dirs = (const char *const *)temps.v;
    pl.n_temp = temps.n;

    if (setup__grants_path_value(HKEY_LOCAL_MACHINE,
                                 L"SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment",
                                 NULL, &dirs) < 0 ||
        setup__grants_plan_tools(&dirs, NULL, NULL, &pl, in->sandbox_sid, flags, planned, notes,
                                 trees, err, ne) != 0)
        goto fail;
    *n_dirs += dirs.n;
    cordon__strv_free(&dirs);
    for (i = 0; i < in->user_sids->n; i++) {
        wchar_t *ws = cordon__win_wide(in->user_sids->v[i]), key[300];
        char *profile = profile_of(in->user_sids->v[i]);
        HKEY hive = NULL;
        int got;
        if (!ws || RegOpenKeyExW(HKEY_USERS, ws, 0, KEY_READ, &hive) != ERROR_SUCCESS) {
            /* Not logged on: the hive (NTUSER.DAT) is not loaded, and
             * setup does not load a user's hive to read one value. */
            if (!n_skipped++)
                first_skipped = in->user_sids->v[i];
            free(ws);
            free(profile);
            continue;
        }
        RegCloseKey(hive);
        _snwprintf(key, 300, L"%ls\\Environment", ws);
        key[299] = L'\0';
        free(ws);
        got = setup__grants_path_value(HKEY_USERS, key, profile, &dirs);
        if (got < 0 || (got == 0 && setup__grants_plan_tools(&dirs, profile, in->user_sids->v[i],
                                                             &pl, in->sandbox_sid, flags, planned,
                                                             notes, trees, err, ne) != 0)) {
            free(profile);
            goto fail;
        }
        free(profile);
        *n_dirs += dirs.n;
        cordon__strv_free(&dirs);
    }
    if (n_skipped)
        say(skipped, ns, "; the PATH of %zu allowed user%s not read (not logged on, the registry "
                         "hive is not loaded), the first: %s; install again while logged on to "
                         "grant its directories",
            n_skipped, n_skipped == 1 ? "" : "s", first_skipped);
    rc = 0;
    goto done;
fail:
    if (!err[0])
        say(err, ne, "reading the PATH: out of memory");
done:
    cordon__strv_free(&all);
    cordon__strv_free(&temps);
    cordon__strv_free(&dirs);
    free(windows);
    free(profiles_dir);
    return rc;
}

/* Checks (verify) each record's grant, or plans and starts them (install). */
int setup__grants_step(const struct setup_grants_in *in, int *found, char *detail, size_t nd,
                       char *err, size_t ne)
{
    struct cordon__strv old = {0}, planned = {0}, notes = {0}, keep = {0}, profiles = {0},
                        tools = {0};
    char rec_sid[184], prog[300] = "", linked[1600] = "", why[600], first[900] = "",
         redone[1200] = "", skipped_users[300] = "", *count = NULL;
    size_t tool_dirs = 0;
    unsigned char sha[32];
    PSID sid = NULL;
    size_t i, users = 0, lists = 0, restored = 0;
    int rc = -1, had, flags = 0;

    *found = 0;
    had = load(in->data_dir, rec_sid, &old, &notes, sha);
    if (had < 0) {
        say(err, ne, "the read grant records in %s cannot be read. Fix: " FIX_RERUN, in->data_dir);
        goto done;
    }
    *found = had == 0 && old.n > 0;
    if (in->verify) {
        setup__grants_progress(in->data_dir, prog, sizeof prog);
        if (mutex_held()) {
            say(detail, nd, "%zu recorded; %s", old.n, prog);
            rc = 0;
            goto done;
        }
        /* Records lost or changed while grants were made: the count kept
         * beside them says so (an install older than the count has none). */
        count = read_count(in->data_dir);
        if (cordon__win_grant_records_check(had == 0, old.n, sha, count, why, sizeof why) != 0) {
            say(err, ne, "%s. Fix: run cordon-setup install again as an administrator (it "
                         "records again the grants it finds in place)",
                why);
            goto done;
        }
        sid = rec_sid[0] ? cordon__win_sid_from_string(rec_sid) : NULL;
        for (i = 0; i < old.n; i++) {
            struct cordon__win_grant_record r;
            PSECURITY_DESCRIPTOR sd = NULL;
            PACL dacl = NULL;
            char *sddl = NULL;
            DWORD e;
            HANDLE h;
            int ok;
            if (cordon__win_grant_record_parse(old.v[i], &r) != 0 || !sid) {
                say(err, ne, "the read grant records hold a line that is not a record. Fix: "
                             "run cordon-setup uninstall, then install");
                goto done;
            }
            h = open_exact(r.path, 0, &e);
            ok = h == INVALID_HANDLE_VALUE; /* gone since: nothing to hold */
            if (h != INVALID_HANDLE_VALUE) {
                ok = read_dacl(h, &sd, &dacl, &sddl) == ERROR_SUCCESS &&
                     has_grant(dacl, sid, mask_of(r.kind), inherit_of(r.kind, handle_is_dir(h)));
                CloseHandle(h);
            }
            if (sd)
                LocalFree(sd);
            free(sddl);
            if (!ok) {
                say(err, ne, "the read grant of %s on %s is missing (%s). Fix: " FIX_RERUN,
                    CORDON__WIN_SANDBOX_GROUP, r.path, prog[0] ? prog : "no progress recorded");
                cordon__win_grant_record_free(&r);
                goto done;
            }
            cordon__win_grant_record_free(&r);
        }
        linked_text(&notes, linked, sizeof linked);
        say(detail, nd, "%zu recorded, all in place%s", old.n, linked);
        rc = 0;
        goto done;
    }
    if (mutex_held()) {
        say(detail, nd, "the background grants of an earlier install still run: not planned "
                        "again");
        rc = 0;
        goto done;
    }
    for (i = 0; i < in->user_sids->n; i++) {
        char *profile = profile_of(in->user_sids->v[i]);
        if (!profile)
            continue; /* never logged on here: no profile to grant */
        if (cordon__strv_push_owned(&profiles, profile) != CORDON_OK)
            goto oom;
    }
    /* Records lost while grants stayed: what is in place is recorded
     * again (today's DACL without setup's ACE as the original), so that
     * uninstall can take it out. */
    count = read_count(in->data_dir);
    if (had == 1 && cordon__win_grant_records_check(0, 0, sha, count, why, sizeof why) != 0) {
        flags |= SETUP_GRANTS_RERECORD;
        say(redone, sizeof redone, "; %s: the grants in place are recorded again", why);
    }
    /* The tools' directories on the PATHs, decided again at each install:
     * earlier refusals are dropped and said anew. */
    for (i = 0; i < notes.n;) {
        if (strncmp(notes.v[i], "#refused\t", 9) == 0) {
            free(notes.v[i]);
            memmove(&notes.v[i], &notes.v[i + 1], (notes.n - i - 1) * sizeof notes.v[0]);
            notes.n--;
        } else {
            i++;
        }
    }
    if (plan_tool_dirs(in, &profiles, flags, &planned, &notes, &tools, &tool_dirs, skipped_users,
                       sizeof skipped_users, err, ne) != 0) {
        size_t e = strlen(err);
        say(err + e, ne - e, ". Fix: " FIX_RERUN);
        goto done;
    }
    /* A re-install (a newer version's secrets table, a hard link since, a
     * user no longer allowed) decides every earlier record again, and
     * takes setup's ACE out where core decides otherwise now. */
    if (had == 0 && setup__grants_redecide(&profiles, &tools, in->sandbox_sid, 0, &old, &restored,
                                           first, sizeof first, err, ne) != 0) {
        size_t e = strlen(err);
        say(err + e, ne - e, ". Fix: " FIX_RERUN);
        goto done;
    }
    if (restored)
        say(redone, sizeof redone, "; %zu earlier grant%s taken out, the first: %s", restored,
            restored == 1 ? "" : "s", first);
    for (i = 0; i < profiles.n; i++) {
        size_t e;
        users++;
        if (setup__grants_plan_ex(profiles.v[i], in->sandbox_sid, flags, &planned, &notes, err,
                                  ne) != 0) {
            e = strlen(err);
            say(err + e, ne - e, ". Fix: " FIX_RERUN);
            goto done;
        }
    }
    /* Earlier records stay (their originals are the true ones); a path
     * planned again is not recorded twice. */
    if (push_all(&keep, &old) != 0)
        goto oom;
    for (i = 0; i < planned.n; i++) {
        struct cordon__win_grant_record r;
        size_t k;
        int dup = 0;
        if (cordon__win_grant_record_parse(planned.v[i], &r) != 0)
            continue;
        if (r.kind == CORDON__WIN_GRANT_LIST)
            lists++;
        for (k = 0; k < old.n && !dup; k++) {
            struct cordon__win_grant_record o;
            if (cordon__win_grant_record_parse(old.v[k], &o) == 0) {
                dup = cordon__streq_nocase(o.path, r.path);
                cordon__win_grant_record_free(&o);
            }
        }
        cordon__win_grant_record_free(&r);
        if (!dup && cordon__strv_push(&keep, planned.v[i]) != CORDON_OK)
            goto oom;
    }
    /* The records first: anything changed after this can be put back (an
     * ACE redecide took out is no longer recorded, nor there). */
    if (save_records(in->data_dir, in->sandbox_sid, &notes, &keep, err, ne) != 0)
        goto done;
    *found = 1;
    /* The worker goes over every record, old ones too: one an earlier
     * worker did not reach (ended, a reboot) is applied now, and one in
     * place costs a DACL read. */
    if (planned.n > 0 || old.n > 0) {
        wchar_t self[MAX_PATH], cmd[MAX_PATH + 64];
        STARTUPINFOW si;
        PROCESS_INFORMATION pi;
        if (!GetModuleFileNameW(NULL, self, MAX_PATH)) {
            say(err, ne, "GetModuleFileNameW: error %lu. Fix: " FIX_RERUN,
                (unsigned long)GetLastError());
            goto done;
        }
        _snwprintf(cmd, MAX_PATH + 64, L"\"%ls\" read-grants-worker", self);
        cmd[MAX_PATH + 63] = L'\0';
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        progress(in->data_dir, "started: %zu new, %zu recorded before", planned.n, old.n);
        if (!CreateProcessW(self, cmd, NULL, NULL, FALSE,
                            DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW, NULL,
                            NULL, &si, &pi)) {
            say(err, ne, "starting the background grants (CreateProcessW): error %lu. Fix: "
                         FIX_RERUN, (unsigned long)GetLastError());
            goto done;
        }
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }
    linked_text(&notes, linked, sizeof linked);
    say(detail, nd, "%zu profile%s and %zu director%s on the PATHs: %zu to grant in the "
                    "background (%zu list-only, %zu on tool directories; each tree walked for "
                    "hard links first)%s%s%s; cordon-setup status shows the progress",
        users, users == 1 ? "" : "s", tool_dirs, tool_dirs == 1 ? "y" : "ies", planned.n, lists,
        tools.n, redone, linked, skipped_users);
    rc = 0;
    goto done;
oom:
    say(err, ne, "out of memory. Fix: " FIX_RERUN);
done:
    if (sid)
        LocalFree(sid);
    cordon__strv_free(&planned);
    cordon__strv_free(&old);
    cordon__strv_free(&notes);
    cordon__strv_free(&keep);
    cordon__strv_free(&profiles);
    cordon__strv_free(&tools);
    free(count);
    return rc;
}

/* Writes |dacl| through |h|, with the protection |sd| has. */
static DWORD write_dacl(HANDLE h, PSECURITY_DESCRIPTOR sd, PACL dacl)
{
    SECURITY_DESCRIPTOR_CONTROL ctl = 0;
    DWORD rev = 0;
    GetSecurityDescriptorControl(sd, &ctl, &rev);
    return SetSecurityInfo(h, SE_FILE_OBJECT,
                           DACL_SECURITY_INFORMATION |
                               ((ctl & SE_DACL_PROTECTED) ? PROTECTED_DACL_SECURITY_INFORMATION
                                                          : UNPROTECTED_DACL_SECURITY_INFORMATION),
                           NULL, NULL, dacl, NULL);
}

/* Adds the grant of |r| to its path through a handle opened exactly
 * there. SetSecurityInfo propagates an inheritable ACE to what is below
 * (the long part); a list grant is not inheritable, so nothing below is
 * touched. */
static DWORD apply(const struct cordon__win_grant_record *r, PSID sid)
{
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD err;
    PACL dacl = NULL, ndacl = NULL;
    char *sddl = NULL;
    HANDLE h = open_exact(r->path, 1, &err);
    int is_dir;
    if (h == INVALID_HANDLE_VALUE)
        return err;
    is_dir = handle_is_dir(h);
    if ((err = read_dacl(h, &sd, &dacl, &sddl)) != ERROR_SUCCESS)
        goto done;
    if (!dacl || has_grant(dacl, sid, mask_of(r->kind), inherit_of(r->kind, is_dir)))
        goto done;
    /* An ACE of its own (SetEntriesInAclW would merge it into the
     * backend's ACE of the same group, and uninstall could then not take
     * out only setup's). */
    if ((err = cordon__win_acl_with_ace(dacl, 0, mask_of(r->kind), inherit_of(r->kind, is_dir), sid,
                                        &ndacl)) != ERROR_SUCCESS)
        goto done;
    err = write_dacl(h, sd, ndacl);
done:
    if (ndacl)
        LocalFree(ndacl);
    if (sd)
        LocalFree(sd);
    free(sddl);
    CloseHandle(h);
    return err;
}

/* The profile (ProfileList's ProfileImagePath) that holds |path|, or NULL
 * (caller frees). */
static char *profile_holding(const char *path)
{
    HKEY k = NULL;
    wchar_t name[256];
    DWORD i, n;
    char *out = NULL;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList",
                      0, KEY_READ, &k) != ERROR_SUCCESS)
        return NULL;
    for (i = 0; !out; i++) {
        wchar_t buf[MAX_PATH + 1];
        DWORD cb = sizeof buf;
        char *p;
        n = 256;
        if (RegEnumKeyExW(k, i, name, &n, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        if (RegGetValueW(k, name, L"ProfileImagePath", RRF_RT_REG_SZ, NULL, buf, &cb) !=
            ERROR_SUCCESS)
            continue;
        p = cordon__win_utf8(buf);
        if (p && strlen(path) > strlen(p) && path[strlen(p)] == '\\' &&
            _strnicmp(path, p, strlen(p)) == 0)
            out = p;
        else
            free(p);
    }
    RegCloseKey(k);
    return out;
}

static DWORD restore(const struct cordon__win_grant_record *r, const char *sid, int *exact);

/* |lines| with line |at| replaced by |repl| (each path once). */
static int splice(struct cordon__strv *lines, size_t at, const struct cordon__strv *repl)
{
    struct cordon__strv out = {0};
    size_t i, k;
    for (i = 0; i < lines->n; i++) {
        if (i != at) {
            if (cordon__strv_push(&out, lines->v[i]) != CORDON_OK)
                goto oom;
            continue;
        }
        for (k = 0; k < repl->n; k++) {
            struct cordon__win_grant_record a;
            size_t j;
            int dup = 0;
            if (cordon__win_grant_record_parse(repl->v[k], &a) != 0)
                continue;
            for (j = 0; j < lines->n && !dup; j++) {
                struct cordon__win_grant_record b;
                if (j != at && cordon__win_grant_record_parse(lines->v[j], &b) == 0) {
                    dup = cordon__streq_nocase(a.path, b.path);
                    cordon__win_grant_record_free(&b);
                }
            }
            cordon__win_grant_record_free(&a);
            if (!dup && cordon__strv_push(&out, repl->v[k]) != CORDON_OK)
                goto oom;
        }
    }
    cordon__strv_free(lines);
    *lines = out;
    return 0;
oom:
    cordon__strv_free(&out);
    return -1;
}

/* Before a tree grant: is |r|'s path still a tree by core's decision?
 * A directory is walked for files with more than one name (and decided
 * again against the secrets), a file's names are counted. When not, its
 * ACE (if an earlier run applied it) is taken out, what takes its place
 * (a list grant and its entries one by one, or nothing) replaces the
 * record, and the records are written again before anything else
 * changes. 1 when replaced, 0 when the tree stands, -1 on a problem
 * (|err|). */
static int recheck(const char *data_dir, const char *rec_sid, struct cordon__strv *lines,
                   size_t i, struct cordon__strv *notes, char *err, size_t ne)
{
    struct cordon__win_grant_record r;
    struct cordon__strv repl = {0};
    BY_HANDLE_FILE_INFORMATION info;
    DWORD e;
    HANDLE h;
    char *profile = NULL;
    int rc = -1, exact = 0, sr;
    if (cordon__win_grant_record_parse(lines->v[i], &r) != 0 || r.kind != CORDON__WIN_GRANT_TREE)
        return 0;
    h = open_exact(r.path, 0, &e);
    if (h == INVALID_HANDLE_VALUE) {
        rc = 0; /* gone, or a link now: apply says so */
        goto done;
    }
    if (!GetFileInformationByHandle(h, &info)) {
        say(err, ne, "%s: GetFileInformationByHandle: error %lu", r.path,
            (unsigned long)GetLastError());
        CloseHandle(h);
        goto done;
    }
    CloseHandle(h);
    if (!(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        char *line;
        if (info.nNumberOfLinks == 1) {
            rc = 0;
            goto done;
        }
        line = cordon__asprintf("#linked\t%s\ta file with %lu names (hard links): nothing is "
                                "granted on it", r.path, (unsigned long)info.nNumberOfLinks);
        if (!line || cordon__strv_push_owned(notes, line) != CORDON_OK) {
            say(err, ne, "out of memory");
            goto done;
        }
        sr = 1;
    } else {
        if (!(profile = profile_holding(r.path))) {
            /* A tool directory on a PATH: granted whole or not at all. */
            char why[600];
            if (setup__grants_tool_walk(r.path, why, sizeof why) == 0) {
                rc = 0;
                goto done;
            }
            if (refused(notes, r.path, why) != 0) {
                say(err, ne, "out of memory");
                goto done;
            }
            sr = 1;
        } else {
            sr = setup__grants_split(profile, r.path, r.original, rec_sid, 0, &repl, notes, err,
                                     ne);
            if (sr <= 0) {
                rc = sr;
                goto done;
            }
        }
    }
    /* The ACE out first (the record still holds the original), then the
     * records: a stop in between leaves a record the next run splits. */
    if ((e = restore(&r, rec_sid, &exact)) != ERROR_SUCCESS && e != ERROR_FILE_NOT_FOUND &&
        e != ERROR_PATH_NOT_FOUND && e != ERROR_CANT_ACCESS_FILE) {
        say(err, ne, "%s: taking the tree grant out: error %lu", r.path, (unsigned long)e);
        goto done;
    }
    if (splice(lines, i, &repl) != 0) {
        say(err, ne, "out of memory");
        goto done;
    }
    if (save_records(data_dir, rec_sid, notes, lines, err, ne) != 0)
        goto done;
    rc = 1;
done:
    cordon__win_grant_record_free(&r);
    cordon__strv_free(&repl);
    free(profile);
    return rc;
}

int setup__grants_worker(const char *data_dir)
{
    struct cordon__strv lines = {0}, notes = {0};
    char rec_sid[184], err[600];
    size_t split = 0;
    HANDLE m = CreateMutexW(NULL, FALSE, SETUP_GRANTS_MUTEX);
    /* Administrators' only (the default DACL of an elevated token). */
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, SETUP_GRANTS_STOP);
    PSID sid = NULL;
    size_t i, failed = 0;
    DWORD w;
    int rc = 1;

    if (!m) {
        if (stop)
            CloseHandle(stop);
        return 1;
    }
    w = WaitForSingleObject(m, INFINITE);
    if (w != WAIT_OBJECT_0 && w != WAIT_ABANDONED) {
        CloseHandle(m);
        return 1;
    }
    if (load(data_dir, rec_sid, &lines, &notes, NULL) != 0 || !rec_sid[0] ||
        !(sid = cordon__win_sid_from_string(rec_sid))) {
        progress(data_dir, "failed: the records cannot be read");
        goto done;
    }
    for (i = 0; i < lines.n; i++) {
        struct cordon__win_grant_record r;
        DWORD e;
        if (stop && WaitForSingleObject(stop, 0) == WAIT_OBJECT_0) {
            progress(data_dir, "stopped by uninstall after %zu of %zu", i, lines.n);
            goto done;
        }
        switch (recheck(data_dir, rec_sid, &lines, i, &notes, err, sizeof err)) {
        case 1:
            /* Line i is what took the tree's place now (or the next one). */
            split++;
            i--;
            continue;
        case -1:
            failed++;
            progress(data_dir, "%zu of %zu: %s", i + 1, lines.n, err);
            continue;
        default:
            break;
        }
        if (cordon__win_grant_record_parse(lines.v[i], &r) != 0)
            continue;
        e = apply(&r, sid);
        /* A path gone since, or now a link: not granted, and not an error. */
        if (e != ERROR_SUCCESS && e != ERROR_FILE_NOT_FOUND && e != ERROR_PATH_NOT_FOUND &&
            e != ERROR_CANT_ACCESS_FILE)
            failed++;
        progress(data_dir, "%zu of %zu applied%s%s", i + 1, lines.n,
                 failed ? " (some could not be changed: verify names them)" : "",
                 split ? "; trees split for hard links (verify names the first)" : "");
        cordon__win_grant_record_free(&r);
    }
    progress(data_dir, "done: %zu of %zu applied%s; %zu tree%s split, %zu kept from a grant by "
                       "hard links (verify names the first)",
             lines.n - failed, lines.n,
             failed ? ", some could not be changed (verify names them)" : "", split,
             split == 1 ? "" : "s", notes.n);
    rc = failed ? 1 : 0;
done:
    if (sid)
        LocalFree(sid);
    cordon__strv_free(&lines);
    cordon__strv_free(&notes);
    ReleaseMutex(m);
    CloseHandle(m);
    if (stop)
        CloseHandle(stop);
    return rc;
}

/* Takes setup's ACEs out of |r|'s path, putting its recorded DACL back
 * exactly when nothing but those ACEs changed since. */
static DWORD restore(const struct cordon__win_grant_record *r, const char *sid, int *exact)
{
    PSECURITY_DESCRIPTOR sd = NULL, nsd = NULL;
    PACL dacl = NULL, ndacl = NULL;
    BOOL present = FALSE, def = FALSE;
    DWORD err;
    char *current = NULL, *target = NULL;
    wchar_t *wt = NULL;
    HANDLE h = open_exact(r->path, 1, &err);
    *exact = 0;
    if (h == INVALID_HANDLE_VALUE)
        return err;
    if ((err = read_dacl(h, &sd, &dacl, &current)) != ERROR_SUCCESS || !dacl)
        goto done;
    if (!strstr(current, sid)) {
        *exact = 1; /* never applied, or taken out already */
        goto done;
    }
    target = cordon__win_sddl_restore_sid(r->original, current, sid, exact);
    wt = target ? cordon__win_wide(target) : NULL;
    if (!wt ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(wt, SDDL_REVISION_1, &nsd, NULL) ||
        !GetSecurityDescriptorDacl(nsd, &present, &ndacl, &def) || !present || !ndacl) {
        err = ERROR_INVALID_SECURITY_DESCR;
        goto done;
    }
    err = write_dacl(h, nsd, ndacl);
done:
    if (nsd)
        LocalFree(nsd);
    if (sd)
        LocalFree(sd);
    free(current);
    free(target);
    free(wt);
    CloseHandle(h);
    return err;
}

int setup__grants_uninstall(const char *data_dir, char *detail, size_t nd, char *err, size_t ne)
{
    struct cordon__strv lines = {0};
    char rec_sid[184], *path = NULL, *prog = NULL;
    HANDLE m = NULL, stop = NULL;
    size_t i, restored = 0, kept = 0, gone = 0;
    int rc = -1, had = load(data_dir, rec_sid, &lines, NULL, NULL);
    if (had == 1) {
        say(detail, nd, "not there");
        rc = 0;
        goto done;
    }
    if (had < 0 || !rec_sid[0]) {
        say(err, ne, "the read grant records in %s cannot be read. Fix: check the file "
                     "%s\\" RECORDS, data_dir, data_dir);
        goto done;
    }
    /* A worker still granting would add back what is taken out: it is
     * told to stop before its next grant (one propagation may still
     * finish), and waited for. */
    m = CreateMutexW(NULL, FALSE, SETUP_GRANTS_MUTEX);
    if (m && WaitForSingleObject(m, 0) == WAIT_TIMEOUT) {
        stop = CreateEventW(NULL, TRUE, FALSE, SETUP_GRANTS_STOP);
        if (stop)
            SetEvent(stop);
        printf("(stopping the background read grants) ");
        fflush(stdout);
        WaitForSingleObject(m, INFINITE);
    }
    /* In reverse: a directory's list grant goes after what is below it. */
    for (i = lines.n; i-- > 0;) {
        struct cordon__win_grant_record r;
        int exact = 0;
        DWORD e;
        if (cordon__win_grant_record_parse(lines.v[i], &r) != 0)
            continue;
        e = restore(&r, rec_sid, &exact);
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_CANT_ACCESS_FILE) {
            gone++;
        } else if (e != ERROR_SUCCESS) {
            say(err, ne, "%s: restoring its DACL (SetSecurityInfo): error %lu. Fix: run "
                         "uninstall again as an administrator",
                r.path, (unsigned long)e);
            cordon__win_grant_record_free(&r);
            goto done;
        } else if (exact) {
            restored++;
        } else {
            kept++;
        }
        cordon__win_grant_record_free(&r);
    }
    path = state_path(data_dir, RECORDS);
    prog = state_path(data_dir, PROGRESS);
    {
        char *cp = state_path(data_dir, COUNT);
        wchar_t *w = cp ? cordon__win_wide(cp) : NULL;
        if (w)
            DeleteFileW(w);
        free(w);
        free(cp);
    }
    if (path) {
        wchar_t *w = cordon__win_wide(path);
        if (w)
            DeleteFileW(w);
        free(w);
    }
    if (prog) {
        wchar_t *w = cordon__win_wide(prog);
        if (w)
            DeleteFileW(w);
        free(w);
    }
    say(detail, nd, "removed: %zu DACLs restored as recorded, %zu changed by someone since "
                    "(only setup's ACEs taken out), %zu paths gone",
        restored, kept, gone);
    rc = 0;
done:
    if (m) {
        ReleaseMutex(m);
        CloseHandle(m);
    }
    if (stop)
        CloseHandle(stop);
    cordon__strv_free(&lines);
    free(path);
    free(prog);
    return rc;
}
