/* windows-unelevated: no administrator setup. The command runs as the
 * caller with a WRITE_RESTRICTED token whose restricting SIDs are the
 * plan's capability SIDs, the logon SID and Everyone, so every write must
 * also be allowed to one of those: the writable roots grant their SID,
 * protected paths deny it. Reads are the user's own. Network is advisory
 * only (environment and stub shims from core). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

#include <aclapi.h>
#include <sddl.h>

#define WINE_REASON "running under Wine: tokens and ACLs are not enforced"
#define NETWORK_REASON                                                                       \
    "the unelevated tier cannot block network access: proxy variables point at a closed "    \
    "port and ssh/scp are stubs, but a program can ignore them (an enforced block needs "   \
    "the elevated tier, which cannot run commands in this build yet)"

/* PATH entries of this process (the command's PATH is the same plus the
 * shim directory, which is the user's own). */
static void path_entries(struct cordon__strv *out)
{
    wchar_t *buf = NULL;
    char *path = NULL, *p;
    DWORD n = GetEnvironmentVariableW(L"PATH", NULL, 0);
    if (n == 0 || (buf = malloc(n * sizeof *buf)) == NULL)
        return;
    if (GetEnvironmentVariableW(L"PATH", buf, n) > 0)
        path = cordon__win_utf8(buf);
    free(buf);
    for (p = path; p && *p;) {
        size_t len = strcspn(p, ";");
        if (len > 0) {
            char *entry = cordon__strndup(p, len);
            char *norm = entry ? cordon__path_normalize(CORDON__OS_WINDOWS, entry) : NULL;
            if (norm && cordon__path_is_absolute(CORDON__OS_WINDOWS, norm) &&
                !cordon__strv_contains(out, norm))
                cordon__strv_push(out, norm);
            free(norm);
            free(entry);
        }
        p += len;
        if (*p == ';')
            p++;
    }
    free(path);
}

/* The subdirectories of |dir|, one level (names of tools installed at the
 * drive root, Public's folders). */
static void children(const char *dir, struct cordon__strv *out)
{
    char *pattern = cordon__asprintf("%s%s*", dir,
                                     dir[0] && dir[strlen(dir) - 1] == '\\' ? "" : "\\");
    wchar_t *w = cordon__win_wide(pattern);
    WIN32_FIND_DATAW fd;
    HANDLE h;
    int n = 0;

    CORDON__WIN_COUNT(dir_lists);
    h = w ? FindFirstFileW(w, &fd) : INVALID_HANDLE_VALUE;

    while (h != INVALID_HANDLE_VALUE && n < 200) {
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
            !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) && wcscmp(fd.cFileName, L".") &&
            wcscmp(fd.cFileName, L"..")) {
            char *name = cordon__win_utf8(fd.cFileName);
            char *full = name ? cordon__path_join(CORDON__OS_WINDOWS, dir, name) : NULL;
            if (full && !cordon__strv_contains(out, full))
                cordon__strv_push(out, full);
            free(full);
            free(name);
            n++;
        }
        if (!FindNextFileW(h, &fd))
            break;
    }
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    free(w);
    free(pattern);
}

/* Places under the Windows directory that are known to let ordinary
 * accounts create files; AccessCheck decides whether they are holes for
 * this token. */
static void windows_suspects(struct cordon__strv *out)
{
    static const char *const rel[] = {"Temp", "Tasks", "tracing", "Registration\\CRMLog",
                                      "System32\\Tasks", "System32\\spool\\drivers\\color",
                                      "System32\\Microsoft\\Crypto\\RSA\\MachineKeys"};
    char *dir = cordon__win_dir_of(GetWindowsDirectoryW);
    size_t i;
    if (!dir)
        return;
    for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char *p = cordon__path_join(CORDON__OS_WINDOWS, dir, rel[i]);
        if (p && !cordon__strv_contains(out, p))
            cordon__strv_push(out, p);
        free(p);
    }
    free(dir);
}

/* What the Everyone-hole scan found, before the roots of a plan are taken
 * out: directories the sandbox token may write in (|holes|: add files or
 * subdirectories, change attributes, the DACL or the owner), files it may
 * change (|files|), directories and files it may only delete or rename
 * (|deletable|: a grant of DELETE alone, or FILE_DELETE_CHILD on a
 * directory), ones whose security descriptor could not be read
 * (|unverified|), candidates on network drives, which are not scanned
 * (|remote|), and volumes that keep no ACLs (|no_acls|: FAT, exFAT;
 * anything on them is writable by any token). All paths canonical (links,
 * 8.3 names, subst drives and case resolved), so an alias of a directory
 * inside a root is recognised as inside it. */
struct hole_scan {
    struct cordon__strv holes, files, deletable, unverified, remote, no_acls;
    unsigned long candidates;   /* directories checked */
    unsigned long files_checked;
    unsigned long files_left;   /* directories whose files were not all checked */
};

static void hole_scan_free(struct hole_scan *h)
{
    cordon__strv_free(&h->holes);
    cordon__strv_free(&h->files);
    cordon__strv_free(&h->deletable);
    cordon__strv_free(&h->unverified);
    cordon__strv_free(&h->remote);
    cordon__strv_free(&h->no_acls);
    memset(h, 0, sizeof *h);
}

/* The most candidates looked at: the scan is bounded by count, not by
 * time, so that two runs on one host always get the same answer. */
#define HOLE_SCAN_MAX 400
/* The files checked in each scanned directory (in the order the volume
 * lists them) and in all: a file that Everyone may write, in a directory
 * it may not, has an ACE of its own or an object-inherit-only one. */
#define HOLE_FILES_PER_DIR 64
#define HOLE_FILES_MAX 2048
/* How long a scan result is reused by the user's later runs. */
#define HOLE_CACHE_SECONDS 600
/* The format of the cached scan. */
#define HOLE_CACHE_VERSION 2

static int is_remote(const char *path)
{
    wchar_t root[4];
    if ((path[0] == '\\' && path[1] == '\\') || !path[0] || path[1] != ':')
        return 1; /* UNC, or not a drive path: not scanned */
    root[0] = (wchar_t)(unsigned char)path[0];
    root[1] = L':';
    root[2] = L'\\';
    root[3] = L'\0';
    return GetDriveTypeW(root) == DRIVE_REMOTE;
}

/* The root of every other local drive becomes a candidate (its
 * subdirectories with it); drives on volumes without ACLs are listed as
 * such, network drives as not scanned. Removable drives count: the
 * sandbox can write to a plugged-in FAT stick as well as to a disk. */
static void other_drives(struct cordon__strv *cand, struct hole_scan *out)
{
    DWORD mask = GetLogicalDrives();
    int d;
    for (d = 0; d < 26; d++) {
        wchar_t wroot[4];
        char root[4];
        UINT type;
        DWORD flags = 0;
        if (!(mask & (1UL << d)))
            continue;
        wroot[0] = (wchar_t)(L'A' + d);
        wroot[1] = L':';
        wroot[2] = L'\\';
        wroot[3] = L'\0';
        root[0] = (char)('A' + d);
        root[1] = ':';
        root[2] = '\\';
        root[3] = '\0';
        type = GetDriveTypeW(wroot);
        if (type == DRIVE_REMOTE) {
            if (!cordon__strv_contains(&out->remote, root))
                cordon__strv_push(&out->remote, root);
            continue;
        }
        if (type != DRIVE_FIXED && type != DRIVE_REMOVABLE && type != DRIVE_RAMDISK)
            continue;
        /* No medium in the drive: nothing to write to. */
        if (!GetVolumeInformationW(wroot, NULL, 0, NULL, NULL, &flags, NULL, 0))
            continue;
        if (flags & FILE_READ_ONLY_VOLUME)
            continue;
        if (!(flags & FILE_PERSISTENT_ACLS)) {
            cordon__strv_push(&out->no_acls, root);
            continue;
        }
        if (!cordon__strv_contains(cand, root)) {
            cordon__strv_push(cand, root);
            children(root, cand);
        }
    }
}

/* Checks the first files of the directory |dir| (canonical) against the
 * token, within the scan's file budget. */
static void scan_files(HANDLE token, const char *dir, struct hole_scan *out)
{
    char *pattern = cordon__asprintf("%s%s*", dir,
                                     dir[0] && dir[strlen(dir) - 1] == '\\' ? "" : "\\");
    wchar_t *w = pattern ? cordon__win_wide_long(pattern) : NULL;
    WIN32_FIND_DATAW fd;
    HANDLE h;
    unsigned long here = 0;

    if (!w)
        goto done;
    CORDON__WIN_COUNT(dir_lists);
    h = FindFirstFileExW(w, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    if (h == INVALID_HANDLE_VALUE)
        goto done;
    do {
        char *name, *full;
        DWORD g = 0;
        /* Subdirectories are candidates of their own (or beyond the
         * scan's depth); a link is not the file it names (its tag is in
         * dwReserved0). Other reparse points (OneDrive files) are files. */
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
            ((fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) &&
             cordon__win_reparse_is_link(fd.dwReserved0)))
            continue;
        if (here >= HOLE_FILES_PER_DIR || out->files_checked >= HOLE_FILES_MAX) {
            out->files_left++;
            break;
        }
        here++;
        out->files_checked++;
        name = cordon__win_utf8(fd.cFileName);
        full = name ? cordon__path_join(CORDON__OS_WINDOWS, dir, name) : NULL;
        if (full) {
            if (!cordon__win_granted(token, full, &g))
                cordon__strv_push(&out->unverified, full);
            else if (cordon__win_hole_kind(g, 0) == CORDON__WIN_HOLE_WRITE)
                cordon__strv_push(&out->files, full);
            else if (cordon__win_hole_kind(g, 0) == CORDON__WIN_HOLE_DELETE)
                cordon__strv_push(&out->deletable, full);
        }
        free(full);
        free(name);
    } while (FindNextFileW(h, &fd));
    FindClose(h);
done:
    free(w);
    free(pattern);
}

static void run_scan(const struct cordon__plan *plan, HANDLE token, struct hole_scan *out)
{
    struct cordon__host host;
    struct cordon__strv cand = {0}, seen = {0};
    size_t i, n_plan;

    memset(out, 0, sizeof *out);
    if (cordon__os_host(&host) != CORDON_OK)
        memset(&host, 0, sizeof host);
    cordon__strv_copy(&cand, &plan->windows_plan.hole_candidates);
    n_plan = cand.n;
    path_entries(&cand);
    windows_suspects(&cand);
    for (i = 0; i < n_plan; i++) {
        const char *c = cand.v[i];
        /* "C:\" and the Public profile: their children are the suspects. */
        if ((strlen(c) == 3 && c[1] == ':' && c[2] == '\\') ||
            (strstr(c, "\\Public") && strlen(strstr(c, "\\Public")) == 7))
            children(c, &cand);
    }
    other_drives(&cand, out);
    for (i = 0; i < cand.n && out->candidates < HOLE_SCAN_MAX; i++) {
        char *canon = NULL;
        DWORD g = 0;
        if (is_remote(cand.v[i])) {
            if (!cordon__strv_contains(&out->remote, cand.v[i]))
                cordon__strv_push(&out->remote, cand.v[i]);
            continue;
        }
        if (!host.realpath || host.realpath(cand.v[i], &canon) != CORDON_OK)
            continue; /* not there: nothing to write into */
        if (cordon__strv_contains(&seen, canon)) {
            free(canon);
            continue;
        }
        cordon__strv_push(&seen, canon);
        out->candidates++;
        if (!cordon__win_granted(token, canon, &g)) {
            /* Unreadable: not verified, never "no hole". */
            cordon__strv_push(&out->unverified, canon);
        } else {
            enum cordon__win_hole k = cordon__win_hole_kind(g, 1);
            if (k == CORDON__WIN_HOLE_WRITE)
                cordon__strv_push(&out->holes, canon);
            else if (k == CORDON__WIN_HOLE_DELETE)
                cordon__strv_push(&out->deletable, canon);
            /* A directory the sandbox may write in is listed already:
             * its files are not checked one by one. */
            if (k != CORDON__WIN_HOLE_WRITE)
                scan_files(token, canon, out);
        }
        free(canon);
    }
    cordon__strv_free(&seen);
    cordon__strv_free(&cand);
}

/* %LOCALAPPDATA%\cordon\holes-<key>: the scan of this user's session and
 * PATH, reused for HOLE_CACHE_SECONDS. Lines: "V<TAB>2" (a scan of an
 * earlier format is not reused), "T<TAB>time" (FILETIME), "C", "K", "L"
 * + TAB + the counts, then "H", "F", "D", "U", "R" or "N" + TAB + path. */
static char *cache_path(void)
{
    PSID logon = cordon__win_logon_sid();
    char *logon_s = logon ? cordon__win_sid_to_string(logon) : NULL;
    char *dir = NULL, *out = NULL;
    struct cordon__buf key = {0};
    wchar_t *pathv = NULL;
    DWORD n = GetEnvironmentVariableW(L"PATH", NULL, 0);
    unsigned char digest[32];

    cordon__buf_printf(&key, "%s\n", logon_s ? logon_s : "-");
    if (n > 0 && (pathv = malloc(n * sizeof *pathv)) != NULL &&
        GetEnvironmentVariableW(L"PATH", pathv, n) > 0) {
        char *u = cordon__win_utf8(pathv);
        cordon__buf_puts(&key, u ? u : "");
        free(u);
    }
    cordon__sha256(key.p ? key.p : "", key.len, digest);
    if (cordon__win_state_dir(&dir) == CORDON_OK)
        out = cordon__asprintf("%s\\holes-%02x%02x%02x%02x%02x%02x%02x%02x", dir, digest[0],
                               digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
                               digest[7]);
    cordon__buf_free(&key);
    free(pathv);
    free(dir);
    free(logon_s);
    free(logon);
    return out;
}

static unsigned long long now_filetime(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return ((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
}

static int cache_load(struct hole_scan *out)
{
    char *path = cache_path(), *text = NULL, *line, *next;
    struct cordon__host host;
    unsigned long long t = 0;
    unsigned long version = 0;
    int ok = 0;

    memset(out, 0, sizeof *out);
    if (!path || cordon__os_host(&host) != CORDON_OK || !host.read_text ||
        host.read_text(path, 1024 * 1024, &text) != CORDON_OK)
        goto done;
    for (line = text; *line; line = next) {
        struct cordon__strv *into = NULL;
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        if (!line[0] || line[1] != '\t')
            continue;
        switch (line[0]) {
        case 'V': version = strtoul(line + 2, NULL, 10); break;
        case 'T': t = strtoull(line + 2, NULL, 10); break;
        case 'C': out->candidates = strtoul(line + 2, NULL, 10); break;
        case 'K': out->files_checked = strtoul(line + 2, NULL, 10); break;
        case 'L': out->files_left = strtoul(line + 2, NULL, 10); break;
        case 'H': into = &out->holes; break;
        case 'F': into = &out->files; break;
        case 'D': into = &out->deletable; break;
        case 'U': into = &out->unverified; break;
        case 'R': into = &out->remote; break;
        case 'N': into = &out->no_acls; break;
        default: break;
        }
        if (into)
            cordon__strv_push(into, line + 2);
    }
    ok = version == HOLE_CACHE_VERSION && t != 0 && now_filetime() >= t &&
         now_filetime() - t < (unsigned long long)HOLE_CACHE_SECONDS * 10000000ULL;
done:
    if (!ok)
        hole_scan_free(out);
    free(text);
    free(path);
    return ok;
}

static void cache_store(const struct hole_scan *h)
{
    char *path = cache_path();
    wchar_t *w = path ? cordon__win_wide(path) : NULL;
    struct cordon__buf b = {0};
    HANDLE f;
    DWORD put;
    size_t i;

    cordon__buf_printf(&b, "V\t%d\nT\t%llu\nC\t%lu\nK\t%lu\nL\t%lu\n", HOLE_CACHE_VERSION,
                       now_filetime(), h->candidates, h->files_checked, h->files_left);
    for (i = 0; i < h->holes.n; i++)
        cordon__buf_printf(&b, "H\t%s\n", h->holes.v[i]);
    for (i = 0; i < h->files.n; i++)
        cordon__buf_printf(&b, "F\t%s\n", h->files.v[i]);
    for (i = 0; i < h->deletable.n; i++)
        cordon__buf_printf(&b, "D\t%s\n", h->deletable.v[i]);
    for (i = 0; i < h->unverified.n; i++)
        cordon__buf_printf(&b, "U\t%s\n", h->unverified.v[i]);
    for (i = 0; i < h->remote.n; i++)
        cordon__buf_printf(&b, "R\t%s\n", h->remote.v[i]);
    for (i = 0; i < h->no_acls.n; i++)
        cordon__buf_printf(&b, "N\t%s\n", h->no_acls.v[i]);
    f = w && !b.oom ? CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                                  NULL)
                    : INVALID_HANDLE_VALUE;
    if (f != INVALID_HANDLE_VALUE) {
        WriteFile(f, b.p, (DWORD)b.len, &put, NULL);
        CloseHandle(f);
    }
    cordon__buf_free(&b);
    free(w);
    free(path);
}

static SRWLOCK scan_lock = SRWLOCK_INIT;
static struct hole_scan scan_mine;
static char *scan_key;

/* Drops this process's copy and the cached file (close-holes changed
 * what a scan finds). */
static void forget_scan(void)
{
    char *path = cache_path();
    wchar_t *w = path ? cordon__win_wide(path) : NULL;
    AcquireSRWLockExclusive(&scan_lock);
    hole_scan_free(&scan_mine);
    free(scan_key);
    scan_key = NULL;
    if (w)
        DeleteFileW(w);
    ReleaseSRWLockExclusive(&scan_lock);
    free(w);
    free(path);
}

/* The scan for this user and session: this process's copy, else the
 * cached one when fresh, else a new scan (stored for the next runs). */
static void scan_holes(const struct cordon__plan *plan, HANDLE token, struct hole_scan *out)
{
    char *key = cache_path();

    AcquireSRWLockExclusive(&scan_lock);
    /* The session and PATH make the key: a changed PATH scans again. */
    if (!scan_key || !key || strcmp(scan_key, key) != 0) {
        hole_scan_free(&scan_mine);
        if (!cache_load(&scan_mine)) {
            run_scan(plan, token, &scan_mine);
            cache_store(&scan_mine);
        }
        free(scan_key);
        scan_key = key;
        key = NULL;
    }
    free(key);
    memset(out, 0, sizeof *out);
    cordon__strv_copy(&out->holes, &scan_mine.holes);
    cordon__strv_copy(&out->files, &scan_mine.files);
    cordon__strv_copy(&out->deletable, &scan_mine.deletable);
    cordon__strv_copy(&out->unverified, &scan_mine.unverified);
    cordon__strv_copy(&out->remote, &scan_mine.remote);
    cordon__strv_copy(&out->no_acls, &scan_mine.no_acls);
    out->candidates = scan_mine.candidates;
    out->files_checked = scan_mine.files_checked;
    out->files_left = scan_mine.files_left;
    ReleaseSRWLockExclusive(&scan_lock);
}

/* 1 when |path| is at or below a root or the run's temp dir: never a
 * hole, never denied. */
static int within_roots(const struct cordon__plan *plan, const char *path)
{
    size_t i;
    for (i = 0; i < plan->roots.n; i++)
        if (cordon__path_within(CORDON__OS_WINDOWS, path, plan->roots.v[i]))
            return 1;
    return plan->tmp_dir && cordon__path_within(CORDON__OS_WINDOWS, path, plan->tmp_dir);
}

/* Appends " a, b, c" (at most |max| names, then "and N more"). */
static void list_paths(struct cordon__buf *b, const struct cordon__strv *v,
                       const struct cordon__plan *plan, size_t max)
{
    size_t i, shown = 0, total = 0;
    for (i = 0; i < v->n; i++) {
        if (plan && within_roots(plan, v->v[i]))
            continue;
        total++;
        if (shown < max)
            cordon__buf_printf(b, "%s %s", shown++ ? "," : "", v->v[i]);
    }
    if (total > shown)
        cordon__buf_printf(b, " and %lu more", (unsigned long)(total - shown));
}

static size_t count_outside(const struct cordon__strv *v, const struct cordon__plan *plan)
{
    size_t i, n = 0;
    for (i = 0; i < v->n; i++)
        n += !within_roots(plan, v->v[i]);
    return n;
}

/* A live probe of the primitive: with the restricted token, an in-memory
 * security descriptor that lets only the user write must refuse the write,
 * and one that lets the capability SID write must allow it; the user's own
 * token must be allowed by both (the positive control). */
static int token_really_restricts(HANDLE restricted, const struct cordon__plan *plan)
{
    const char *user = cordon__win_user_sid();
    const char *cap = plan->windows_plan.sandbox_sid;
    HANDLE self = NULL;
    char *only_user = NULL, *with_cap = NULL;
    int ok = 0;
    PSECURITY_DESCRIPTOR sd1 = NULL, sd2 = NULL;
    wchar_t *w1 = NULL, *w2 = NULL;

    if (!user || !cap)
        return 0;
    only_user = cordon__asprintf("O:%sG:%sD:(A;;FA;;;%s)", user, user, user);
    with_cap = cordon__asprintf("O:%sG:%sD:(A;;FA;;;%s)(A;;FA;;;%s)", user, user, user, cap);
    w1 = cordon__win_wide(only_user);
    w2 = cordon__win_wide(with_cap);
    if (!w1 || !w2 ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(w1, SDDL_REVISION_1, &sd1, NULL) ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(w2, SDDL_REVISION_1, &sd2, NULL) ||
        !OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, &self))
        goto done;
    {
        GENERIC_MAPPING map = {FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_GENERIC_EXECUTE,
                               FILE_ALL_ACCESS};
        HANDLE imp_r = NULL, imp_s = NULL;
        PRIVILEGE_SET ps;
        DWORD len, granted;
        BOOL st_r1 = TRUE, st_r2 = FALSE, st_s1 = FALSE;
        if (DuplicateToken(restricted, SecurityImpersonation, &imp_r) &&
            DuplicateToken(self, SecurityImpersonation, &imp_s)) {
            len = sizeof ps;
            AccessCheck(sd1, imp_r, FILE_WRITE_DATA, &map, &ps, &len, &granted, &st_r1);
            len = sizeof ps;
            AccessCheck(sd2, imp_r, FILE_WRITE_DATA, &map, &ps, &len, &granted, &st_r2);
            len = sizeof ps;
            AccessCheck(sd1, imp_s, FILE_WRITE_DATA, &map, &ps, &len, &granted, &st_s1);
            ok = !st_r1 && st_r2 && st_s1;
        }
        if (imp_r)
            CloseHandle(imp_r);
        if (imp_s)
            CloseHandle(imp_s);
    }
done:
    if (self)
        CloseHandle(self);
    if (sd1)
        LocalFree(sd1);
    if (sd2)
        LocalFree(sd2);
    free(w1);
    free(w2);
    free(only_user);
    free(with_cap);
    return ok;
}

/* 1 when every root is on a volume that stores ACLs; else names the
 * first that does not in |why|. */
/* 0 when |path| is on a volume that keeps no ACLs (FAT, exFAT): any
 * token may write anything there. 1 otherwise, or when it cannot be told
 * (then the ACL steps run and fail loudly if they must). */
static int volume_has_acls(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    /* The volume's mount point is a prefix of the path: the path's own
     * length (and a backslash) always fits. */
    size_t len = w ? wcslen(w) + 2 : 0;
    wchar_t *vol = w ? malloc(len * sizeof *vol) : NULL;
    DWORD flags = 0;
    int ok = vol && GetVolumePathNameW(w, vol, (DWORD)len) &&
             GetVolumeInformationW(vol, NULL, 0, NULL, NULL, &flags, NULL, 0);
    free(vol);
    free(w);
    return !ok || (flags & FILE_PERSISTENT_ACLS) != 0;
}

/* The first root on a volume without persistent ACLs, or NULL. */
static const char *root_without_acls(const struct cordon__plan *plan)
{
    size_t i;
    for (i = 0; i < plan->roots.n; i++)
        if (!volume_has_acls(plan->roots.v[i]))
            return plan->roots.v[i];
    return NULL;
}

/* The name of this process's window station ("WinSta0" on an interactive
 * logon, "Service-0x0-..." over OpenSSH or in a service). */
static int winsta_name(wchar_t *out, DWORD len_bytes)
{
    DWORD n = 0;
    return GetUserObjectInformationW(GetProcessWindowStation(), UOI_NAME, out, len_bytes, &n);
}

/* A desktop of the command's own on the caller's window station, so that
 * it cannot send input or window messages to (or read the screen of) the
 * user's applications. Its DACL admits the user (cordon itself), SYSTEM
 * and this run's SID (the restricted check of the command's token); not
 * the logon SID, which another sandbox of the session would also pass
 * with. |name| receives "<window station>\<desktop>". NULL with
 * *err set when Windows refuses. */
SRWLOCK cordon__win_desktop_lock = SRWLOCK_INIT;

HDESK cordon__win_private_desktop(const struct cordon__plan_windows *wp, wchar_t *name,
                                  size_t name_len, DWORD *err)
{
    static volatile LONG counter;
    wchar_t winsta[128], desk[64];
    const char *user = cordon__win_user_sid();
    char *sddl = NULL;
    wchar_t *wsddl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_ATTRIBUTES sa;
    HDESK d = NULL;

    *err = ERROR_INVALID_PARAMETER;
    if (!user || !wp->run_sid)
        goto done;
    sddl = cordon__asprintf("D:P(A;;GA;;;%s)(A;;GA;;;SY)(A;;GA;;;%s)", user, wp->run_sid);
    wsddl = cordon__win_wide(sddl);
    if (!wsddl ||
        !ConvertStringSecurityDescriptorToSecurityDescriptorW(wsddl, SDDL_REVISION_1, &sd, NULL)) {
        *err = GetLastError();
        goto done;
    }
    swprintf(desk, 64, L"cordon-%lu-%lu-%ld", (unsigned long)GetCurrentProcessId(),
             (unsigned long)GetTickCount(), (long)InterlockedIncrement(&counter));
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = sd;
    sa.bInheritHandle = FALSE;
    /* Held shared: the windows-elevated launch switches this process to
     * a runner's window station for one CreateDesktopW (exclusive), and
     * the name and the desktop must be of the same station. */
    AcquireSRWLockShared(&cordon__win_desktop_lock);
    if (!winsta_name(winsta, sizeof winsta)) {
        *err = GetLastError();
        ReleaseSRWLockShared(&cordon__win_desktop_lock);
        goto done;
    }
    d = CreateDesktopW(desk, NULL, NULL, 0, GENERIC_ALL, &sa);
    if (d)
        swprintf(name, name_len, L"%ls\\%ls", winsta, desk);
    else
        *err = GetLastError();
    ReleaseSRWLockShared(&cordon__win_desktop_lock);
done:
    if (sd)
        LocalFree(sd);
    free(wsddl);
    free(sddl);
    return d;
}

/* Whether this process can give commands a desktop of their own: tried
 * once per process. 1 yes, 0 no (*why says why). */
static volatile LONG desktop_state; /* 0 unknown, 1 yes, 2 no */
static DWORD desktop_error;

static int desktop_available(const struct cordon__plan_windows *wp)
{
    LONG st = InterlockedCompareExchange(&desktop_state, 0, 0);
    if (st == 0) {
        wchar_t name[256];
        DWORD err = 0;
        HDESK d = cordon__win_private_desktop(wp, name, sizeof name / sizeof name[0], &err);
        if (d)
            CloseDesktop(d);
        else
            desktop_error = err;
        st = d ? 1 : 2;
        InterlockedExchange(&desktop_state, st);
    }
    return st == 1;
}

/* Whether the user's own desktop is out of the command's reach: guarded
 * (cordon__win_ui_guard) and tried with the command's token once per
 * process. */
enum ui_reach {
    UI_GUARDED = 1,      /* the deny ACEs are in place and nothing opens */
    UI_UNREACHABLE = 2,  /* not guarded (the DACL could not be changed), but
                          * the token opens nothing anyway */
    UI_REACHABLE = 3     /* something opens, or it could not be tried */
};
static INIT_ONCE ui_once = INIT_ONCE_STATIC_INIT;
static enum ui_reach ui_state;
static char ui_why[CORDON_REASON_MAX];

struct ui_args {
    const struct cordon__plan_windows *wp;
    HANDLE token;
};

static BOOL CALLBACK ui_check_once(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    const struct ui_args *a = param;
    struct cordon__buf why = {0};
    cordon_error g = cordon__win_ui_guard(a->wp, NULL);
    (void)once;
    (void)ctx;
    if (g != CORDON_OK)
        cordon__buf_printf(&why, "its deny ACEs could not be put (%s)", cordon_last_error());
    if (cordon__win_ui_unreachable(a->wp, a->token, &why))
        ui_state = g == CORDON_OK ? UI_GUARDED : UI_UNREACHABLE;
    else
        ui_state = UI_REACHABLE;
    snprintf(ui_why, sizeof ui_why, "%s", why.p ? why.p : "");
    cordon__buf_free(&why);
    return TRUE;
}

/* 1 once the check ran in this process (ui_state is then set). */
static int ui_checked(void)
{
    BOOL pending = TRUE;
    return InitOnceBeginInitialize(&ui_once, INIT_ONCE_CHECK_ONLY, &pending, NULL) && !pending;
}

static enum ui_reach ui_reach(const struct cordon__plan_windows *wp, HANDLE token)
{
    struct ui_args a;
    a.wp = wp;
    a.token = token;
    InitOnceExecuteOnce(&ui_once, ui_check_once, &a, NULL);
    return ui_state;
}

static void set_level(struct cordon__probe *out, cordon_dimension d, cordon_level l,
                      const char *reason)
{
    out->level[d] = l;
    snprintf(out->reason[d], sizeof out->reason[d], "%s", reason ? reason : "");
}

/* Lowers dimension |d| to |l| at most and adds |text| to its reason. A
 * reason that does not fit is cut where it ends with a note saying so,
 * never silently. */
static void add_reason(struct cordon__probe *out, cordon_dimension d, cordon_level l,
                       const char *text)
{
    static const char cut_note[] = " [reason cut short here]";
    char *r = out->reason[d];
    const size_t room = sizeof out->reason[d];
    struct cordon__buf b = {0};
    size_t keep;

    if (l < out->level[d])
        out->level[d] = l;
    if (!text || !*text || strstr(r, cut_note))
        return;
    cordon__buf_printf(&b, "%s%s%s", r, *r ? "; " : "", text);
    if (b.oom) {
        cordon__buf_free(&b);
        return;
    }
    if (b.len < room) {
        memcpy(r, b.p, b.len + 1);
    } else {
        /* Whole characters only, then the note (its NUL included). */
        keep = room - sizeof cut_note;
        while (keep > 0 && ((unsigned char)b.p[keep] & 0xC0) == 0x80)
            keep--;
        memcpy(r, b.p, keep);
        memcpy(r + keep, cut_note, sizeof cut_note);
    }
    cordon__buf_free(&b);
}

/* A directory cordon never changes that lets the sandbox token delete
 * children: the root below it (and its protected paths with it) could be
 * renamed away and replaced. Only the parents of roots are outside what
 * prepare denies and verifies. */
static void check_root_parents(const struct cordon__plan *plan, HANDLE token,
                               struct cordon__probe *out)
{
    size_t i;
    for (i = 0; i < plan->roots.n; i++) {
        char *parent = cordon__strdup(plan->roots.v[i]);
        char *cut = parent ? strrchr(parent, '\\') : NULL;
        DWORD g = 0;
        struct cordon__buf why = {0};
        if (cut && cut > parent + 2) {
            *cut = '\0';
            /* Built at any length: add_reason says where it cuts. */
            if (!cordon__win_granted(token, parent, &g)) {
                cordon__buf_printf(&why, "the DACL of %s cannot be read: whether the root below "
                                         "it can be renamed away is not verified", parent);
                add_reason(out, CORDON_DIM_PROTECTED_PATHS, CORDON_LEVEL_ADVISORY, why.p);
            } else if (g & FILE_DELETE_CHILD) {
                cordon__buf_printf(&why, "%s grants the sandbox FILE_DELETE_CHILD (through "
                                         "Everyone or the logon SID): the root %s can be "
                                         "renamed away with its protected paths and replaced",
                                   parent, plan->roots.v[i]);
                add_reason(out, CORDON_DIM_PROTECTED_PATHS, CORDON_LEVEL_ADVISORY, why.p);
            }
        }
        cordon__buf_free(&why);
        free(parent);
    }
}

/* Said in the fs_write reason until a Windows host ran the broker tests
 * of tests/windows/test_enforce.c (a process started for the command by
 * a service outside its job and token). */
#define BROKER_NOTE                                                                          \
    "not verified on Windows yet: processes started for the command by WMI, Task Scheduler, " \
    "COM servers of the session or with a token taken from another of the user's processes"

static void unelevated_probe(const struct cordon__plan *plan, struct cordon__probe *out)
{
    const struct cordon__plan_windows *wp = &plan->windows_plan;
    HANDLE token = NULL;
    char why[CORDON_REASON_MAX];

    memset(out, 0, sizeof *out);
    if (!wp->sandboxed) {
        snprintf(out->why_not, sizeof out->why_not,
                 "windows-unelevated sandboxes; a full-access policy runs unrestricted");
        return;
    }
    set_level(out, CORDON_DIM_NETWORK, CORDON_LEVEL_ADVISORY, NETWORK_REASON);
    /* A write-restricted token is checked only for writes: reads pass on
     * the user's own access, so deny_read cannot hold in this tier. */
    cordon__probe_secrets(plan, out, 0, "",
                          "a write-restricted token cannot refuse reads (the windows-unelevated "
                          "tier restricts writes only)");
    if (cordon__win_restricted_token(wp, &token) != CORDON_OK) {
        snprintf(out->why_not, sizeof out->why_not, "cannot build the restricted token: %s",
                 cordon_last_error());
        return;
    }
    out->ready = 1;
    if (cordon__win_is_wine()) {
        set_level(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_NONE, WINE_REASON);
        set_level(out, CORDON_DIM_PROTECTED_PATHS, CORDON_LEVEL_NONE, WINE_REASON);
        goto done;
    }
    if (!token_really_restricts(token, plan)) {
        const char *r = "the write-restricted token did not restrict an access check on this "
                        "host (live probe failed)";
        set_level(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_NONE, r);
        set_level(out, CORDON_DIM_PROTECTED_PATHS, CORDON_LEVEL_NONE, r);
        goto done;
    }
    set_level(out, CORDON_DIM_PROTECTED_PATHS, CORDON_LEVEL_ENFORCED, "");
    set_level(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ENFORCED, "");
    if (wp->private_desktop && !desktop_available(wp)) {
        snprintf(why, sizeof why,
                 "the command shares the user's desktop (CreateDesktopW: error %lu), so it can "
                 "send input and window messages to the user's applications, which are not "
                 "sandboxed",
                 (unsigned long)desktop_error);
        add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, why);
    }
    /* Its own desktop is not enough: the user's must refuse it too. */
    if (ui_reach(wp, token) == UI_REACHABLE) {
        struct cordon__buf b = {0};
        cordon__buf_printf(&b, "the command can open the user's window station or desktop "
                               "(where it could send input or hooks to the user's "
                               "applications, which are not sandboxed): %s",
                           ui_why);
        add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, b.p);
        cordon__buf_free(&b);
    }
    {
        /* Built at any length: add_reason says where it is cut. */
        const char *bare = root_without_acls(plan);
        struct cordon__buf b = {0};
        if (bare) {
            cordon__buf_printf(&b, "%s is on a volume without ACLs (FAT/exFAT?): nothing on it "
                                   "can be protected, and anything on that volume can be "
                                   "written from the sandbox", bare);
            add_reason(out, CORDON_DIM_PROTECTED_PATHS, CORDON_LEVEL_NONE, b.p);
            add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, b.p);
            cordon__buf_free(&b);
        }
    }
    check_root_parents(plan, token, out);
    {
        struct hole_scan hs;
        struct cordon__buf b = {0};
        size_t n;
        scan_holes(plan, token, &hs);
        if ((n = count_outside(&hs.holes, plan)) > 0) {
            cordon__buf_printf(&b, "%lu director%s outside the roots still writable from the "
                                   "sandbox because Everyone or the logon SID may write there "
                                   "(`cordon grants close-holes` can deny them):",
                               (unsigned long)n, n == 1 ? "y" : "ies");
            list_paths(&b, &hs.holes, plan, 8);
            add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, b.p);
            cordon__buf_free(&b);
        }
        if ((n = count_outside(&hs.files, plan)) > 0) {
            cordon__buf_printf(&b, "%lu file%s outside the roots writable from the sandbox "
                                   "(Everyone or the logon SID may change %s):",
                               (unsigned long)n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
            list_paths(&b, &hs.files, plan, 8);
            add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, b.p);
            cordon__buf_free(&b);
        }
        if ((n = count_outside(&hs.deletable, plan)) > 0) {
            cordon__buf_printf(&b, "%lu path%s outside the roots the sandbox may delete or rename "
                                   "(a grant of DELETE, or FILE_DELETE_CHILD on the directory, "
                                   "to Everyone or the logon SID):",
                               (unsigned long)n, n == 1 ? "" : "s");
            list_paths(&b, &hs.deletable, plan, 8);
            add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, b.p);
            cordon__buf_free(&b);
        }
        if (hs.no_acls.n > 0) {
            cordon__buf_puts(&b, "volumes without ACLs (FAT/exFAT), where any token writes "
                                 "anything:");
            list_paths(&b, &hs.no_acls, NULL, 8);
            add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, b.p);
            cordon__buf_free(&b);
        }
        if ((n = count_outside(&hs.unverified, plan)) > 0) {
            cordon__buf_printf(&b, "not verified (security descriptor unreadable):");
            list_paths(&b, &hs.unverified, plan, 4);
            add_reason(out, CORDON_DIM_FS_WRITE, CORDON_LEVEL_ADVISORY, b.p);
            cordon__buf_free(&b);
        }
        /* What the scan covers, said every time: it is a sample of the
         * likely places, not a walk of every disk. */
        cordon__buf_printf(&b, "Everyone-hole scan: %lu directories, %lu files (system "
                               "directories, PATH, temp, each drive's root and %%PUBLIC%% with "
                               "one level below, known places under Windows; %d files per "
                               "directory; writes and DELETE-only grants); not scanned: "
                               "deeper levels",
                           hs.candidates, hs.files_checked, HOLE_FILES_PER_DIR);
        if (hs.files_left > 0)
            cordon__buf_printf(&b, ", the further files of %lu directories", hs.files_left);
        if (hs.remote.n > 0) {
            cordon__buf_puts(&b, ", network paths:");
            list_paths(&b, &hs.remote, NULL, 4);
        }
        add_reason(out, CORDON_DIM_FS_WRITE, out->level[CORDON_DIM_FS_WRITE], b.p);
        cordon__buf_free(&b);
        hole_scan_free(&hs);
    }
    add_reason(out, CORDON_DIM_FS_WRITE, out->level[CORDON_DIM_FS_WRITE], BROKER_NOTE);
done:
    CloseHandle(token);
}

/* Substitutes the logon mark. NULL with the error set on failure. */
static PSID ace_sid(const char *sid, PSID logon)
{
    if (strcmp(sid, CORDON__WIN_LOGON_SID_MARK) == 0) {
        PSID copy;
        DWORD len;
        if (!logon) {
            cordon__fail(CORDON_ERR_OS, "this session has no logon SID");
            return NULL;
        }
        len = GetLengthSid(logon);
        copy = LocalAlloc(LMEM_FIXED, len);
        if (copy && !CopySid(len, copy, logon)) {
            LocalFree(copy);
            copy = NULL;
        }
        return copy;
    }
    return cordon__win_sid_from_string(sid);
}

/* Puts one ACE on its path. A persistent inheritable ACE whose record is
 * missing (the grants file holds a record only once propagation through
 * the subtree completed) is propagated again even when the path itself
 * already carries it: a run that died mid-propagation, or an object below
 * that could not be rewritten, is repaired by the next run, not skipped. */
/* The writable root a persistent ACE is for: the root whose SID it
 * names, else the root of the protected path it is on (a gitdir target
 * may lie outside every root), else the root it lies under. */
static const char *ace_root(const struct cordon__plan *plan, const struct cordon__win_ace *a)
{
    size_t i;
    for (i = 0; i < plan->roots.n && i < plan->windows_plan.root_sids.n; i++)
        if (strcmp(plan->windows_plan.root_sids.v[i], a->sid) == 0)
            return plan->roots.v[i];
    for (i = 0; i < plan->n_protect; i++)
        if (cordon__streq_nocase(plan->protect[i].path, a->path) &&
            plan->protect[i].root < plan->roots.n)
            return plan->roots.v[plan->protect[i].root];
    for (i = 0; i < plan->roots.n; i++)
        if (cordon__path_within(CORDON__OS_WINDOWS, a->path, plan->roots.v[i]))
            return plan->roots.v[i];
    return "";
}

static cordon_error apply_ace(const struct cordon__plan *plan, const struct cordon__win_ace *a,
                              PSID logon, int persistent)
{
    PSID sid = NULL;
    wchar_t *w = NULL;
    cordon_error e = CORDON_OK;
    int added = 0, recorded, for_root = 0, fresh;
    const char *root = ace_root(plan, a);
    DWORD attrs;

    sid = ace_sid(a->sid, logon);
    if (!sid) {
        /* Without a logon SID there is nothing to grant it. */
        return strcmp(a->sid, CORDON__WIN_LOGON_SID_MARK) == 0 ? CORDON_OK : CORDON_ERR_OS;
    }
    w = cordon__win_wide(a->path);
    if (!w) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    attrs = GetFileAttributesW(w);
    if (attrs == INVALID_FILE_ATTRIBUTES) {
        if (!a->create_dir)
            goto done; /* e.g. a gitdir target that is gone: nothing to protect */
        /* The run's temp dir (placeholders are held elsewhere). */
        if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
            e = cordon__win_failf("CreateDirectoryW", GetLastError(), "cannot create %s",
                                  a->path);
            goto done;
        }
    }
    recorded = persistent && cordon__win_grants_has(a->path, a->sid, root, &for_root);
    /* The run's temp dir (or a placeholder, marked by the caller) is new:
     * its ACEs are no workspace cost. */
    fresh = cordon__win_fresh_object;
    cordon__win_fresh_object = fresh || attrs == INVALID_FILE_ATTRIBUTES;
    e = cordon__win_ensure_ace_ex(a->path, sid, a->type, a->mask, a->inherit,
                                  persistent && !recorded, &added);
    cordon__win_fresh_object = fresh;
    if (e != CORDON_OK)
        goto done;
    /* Each root sharing the path holds a record of its own: the path's
     * ACEs and original DACL stay until the last one is revoked. */
    if (persistent && !for_root)
        e = cordon__win_grants_record(a->path, a->sid,
                                      a->type == CORDON__WIN_ACE_ALLOW ? "allow" : "deny", root);
done:
    free(w);
    LocalFree(sid);
    return e;
}

/* 1 when |path| is a protected directory of the plan (there or not):
 * those are held by placeholders when missing. */
static int protected_dir(const struct cordon__plan *plan, const char *path)
{
    size_t i;
    for (i = 0; i < plan->n_protect; i++)
        if (plan->protect[i].kind != CORDON__PATH_FILE &&
            cordon__streq_nocase(plan->protect[i].path, path))
            return 1;
    return 0;
}

struct secure_ctx {
    const struct cordon__plan *plan;
    const struct cordon__plan_windows *wp;
    PSID logon;
};

/* Puts every deny the plan has for a placeholder's path on it (called
 * under the placeholder lock). Not recorded as grants: the placeholder
 * and its ACEs go together. */
static cordon_error secure_placeholder(const char *path, void *arg)
{
    const struct secure_ctx *ctx = arg;
    cordon_error e = CORDON_OK;
    int fresh = cordon__win_fresh_object;
    size_t i;
    /* A placeholder is a directory runs made, whether this one made it
     * or joins it: no workspace cost, and no original DACL to restore
     * (it goes with its last holder). */
    cordon__win_fresh_object = 1;
    for (i = 0; i < ctx->wp->n_aces && e == CORDON_OK; i++) {
        const struct cordon__win_ace *a = &ctx->wp->aces[i];
        if (a->type == CORDON__WIN_ACE_DENY && cordon__streq_nocase(a->path, path))
            e = apply_ace(ctx->plan, a, ctx->logon, 0);
    }
    cordon__win_fresh_object = fresh;
    return e;
}

static void release_placeholders(const struct cordon__plan *plan)
{
    size_t i, k;
    for (i = 0; i < plan->n_protect; i++) {
        int dup = 0;
        if (plan->protect[i].kind == CORDON__PATH_FILE)
            continue;
        for (k = 0; k < i; k++)
            dup |= cordon__streq_nocase(plan->protect[k].path, plan->protect[i].path);
        if (!dup)
            cordon__win_placeholder_release(plan->protect[i].path, plan->windows_plan.run_sid);
    }
}

/* The access rights that would let a command change a protected path. */
#define CHANGE_RIGHTS                                                                    \
    (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_WRITE_ATTRIBUTES | DELETE |   \
     FILE_DELETE_CHILD | WRITE_DAC | WRITE_OWNER)

static int exists(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES;
}

/* Checks |path| with the command's real token against its real DACL:
 * none of |rights| may be granted. 0 and |why| filled when some are or
 * when the check cannot be made. */
static int refused(HANDLE token, const char *path, DWORD rights, const char *what,
                   struct cordon__buf *why)
{
    DWORD g = 0;
    if (!cordon__win_granted(token, path, &g)) {
        cordon__buf_printf(why, "%s%s: its security descriptor cannot be read, so %s is not "
                                "verified",
                           why->len ? "; " : "", path, what);
        return 0;
    }
    if (g & rights) {
        cordon__buf_printf(why, "%s%s: the sandbox token is granted 0x%08lx there, so %s",
                           why->len ? "; " : "", path, (unsigned long)(g & rights), what);
        return 0;
    }
    return 1;
}

/* After prepare, with the token the command will get: every protected
 * path (and, inside a directory, its config, hooks and HEAD, which an
 * interrupted propagation would have left open) refuses every change;
 * each directory from the protected path's parent up to the root refuses
 * DELETE and FILE_DELETE_CHILD (else .git could be renamed away and
 * replaced). The root's parent, which cordon never changes, is checked by
 * the probe and lowers the level instead.
 * Appends the failures to |why|; returns 1 when all hold. */
static int verify_protected(const struct cordon__plan *plan, HANDLE token, struct cordon__buf *why)
{
    static const char *const inside[] = {"config", "hooks", "HEAD"};
    int ok = 1;
    size_t i, k;

    for (i = 0; i < plan->n_protect; i++) {
        const struct cordon__protected *p = &plan->protect[i];
        const char *root = plan->roots.v[p->root];
        char *dir;
        /* No ACLs on its volume: nothing to verify, the levels say so. */
        if (!exists(p->path) || !volume_has_acls(root))
            continue;
        ok &= refused(token, p->path, CHANGE_RIGHTS, "it can be changed", why);
        for (k = 0; k < sizeof inside / sizeof inside[0]; k++) {
            char *c = cordon__path_join(CORDON__OS_WINDOWS, p->path, inside[k]);
            if (c && exists(c))
                ok &= refused(token, c, CHANGE_RIGHTS, "it can be changed", why);
            free(c);
        }
        if (!cordon__path_within(CORDON__OS_WINDOWS, p->path, root))
            continue;
        dir = cordon__strdup(p->path);
        while (dir && !cordon__streq_nocase(dir, root)) {
            char *cut = strrchr(dir, '\\');
            if (!cut)
                break;
            *cut = '\0';
            ok &= refused(token, dir, FILE_DELETE_CHILD | DELETE,
                          "the protected path can be deleted or renamed through it", why);
        }
        free(dir);
    }
    return ok;
}
/* `cordon grants close-holes`: a deny ACE for the sandbox SID (present in
 * every sandbox token, granted nothing) on each hole outside the roots
 * whose DACL the user may change, recorded as a "hole-deny" grant. Never
 * at or below a root. Only when the user asks: it changes DACLs outside
 * the workspace. */
cordon_error cordon__win_close_holes(const struct cordon__plan *plan, struct cordon__strv *closed,
                                     struct cordon__strv *left)
{
    const struct cordon__plan_windows *wp = &plan->windows_plan;
    struct hole_scan hs;
    HANDLE token = NULL, acl_lock = INVALID_HANDLE_VALUE;
    PSID sid = NULL;
    cordon_error e;
    size_t i;

    if ((e = cordon__win_restricted_token(wp, &token)) != CORDON_OK)
        return e;
    memset(&hs, 0, sizeof hs);
    run_scan(plan, token, &hs); /* fresh, not the cached one */
    if ((acl_lock = cordon__win_acl_lock()) == INVALID_HANDLE_VALUE) {
        e = cordon__fail(CORDON_ERR_IO, "cannot lock cordon's ACL changes: %s",
                         cordon_last_error());
        goto done;
    }
    sid = cordon__win_sid_from_string(wp->sandbox_sid);
    if (!sid) {
        e = CORDON_ERR_OS;
        goto done;
    }
    {
        /* Directories the sandbox may write in, files it may change, and
         * paths it may delete: the same deny closes each (inherited below
         * a directory; a file has no children). */
        const struct cordon__strv *lists[] = {&hs.holes, &hs.files, &hs.deletable};
        size_t l;
        for (l = 0; l < sizeof lists / sizeof lists[0]; l++) {
            for (i = 0; i < lists[l]->n; i++) {
                const char *p = lists[l]->v[i];
                wchar_t *w;
                DWORD attrs;
                int added = 0;
                if (within_roots(plan, p))
                    continue;
                w = cordon__win_wide(p);
                attrs = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
                free(w);
                if (attrs != INVALID_FILE_ATTRIBUTES &&
                    cordon__win_ensure_ace(p, sid, CORDON__WIN_ACE_DENY, CORDON__WIN_DENY_MASK,
                                           (attrs & FILE_ATTRIBUTE_DIRECTORY)
                                               ? CORDON__WIN_CONTAINER_INHERIT |
                                                     CORDON__WIN_OBJECT_INHERIT
                                               : 0,
                                           &added) == CORDON_OK &&
                    cordon__win_grants_record(p, wp->sandbox_sid, "hole-deny", "") == CORDON_OK)
                    cordon__strv_push(closed, p);
                else
                    cordon__strv_push(left, p);
            }
        }
        /* Nothing can be denied on a volume that keeps no ACLs. */
        for (i = 0; i < hs.no_acls.n; i++)
            cordon__strv_push(left, hs.no_acls.v[i]);
    }
    /* The next level report scans again, in this process too. */
    forget_scan();
done:
    cordon__win_acl_unlock(acl_lock);
    if (sid)
        LocalFree(sid);
    hole_scan_free(&hs);
    CloseHandle(token);
    return e;
}

static void sweep_stale_tmp(const struct cordon__plan *plan);

cordon_error cordon__win_prepare(const struct cordon__plan *plan)
{
    const struct cordon__plan_windows *wp = &plan->windows_plan;
    struct secure_ctx ctx;
    struct cordon__buf why = {0};
    HANDLE token = NULL, acl_lock = INVALID_HANDLE_VALUE;
    int *root_acls = NULL;
    PSID logon = NULL;
    cordon_error e = CORDON_OK;
    size_t i;

    if (!wp->sandboxed)
        return cordon__fail(CORDON_ERR_NO_BACKEND, "a full-access plan has nothing to prepare");
    logon = cordon__win_logon_sid();
    /* Without the lock a concurrent run's read-modify-write of a DACL
     * could drop an ACE this one adds (or the reverse): no run then. */
    acl_lock = cordon__win_acl_lock();
    if (acl_lock == INVALID_HANDLE_VALUE) {
        e = cordon__fail(CORDON_ERR_IO, "cannot lock cordon's ACL changes against concurrent "
                                        "runs: %s",
                         cordon_last_error());
        goto done;
    }
    /* Placeholders and temp dirs of runs that died go first. */
    cordon__win_placeholder_sweep();
    sweep_stale_tmp(plan);
    ctx.plan = plan;
    ctx.wp = wp;
    ctx.logon = logon;
    root_acls = calloc(plan->roots.n + 1, sizeof *root_acls);
    if (!root_acls) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (i = 0; i < plan->roots.n; i++)
        root_acls[i] = volume_has_acls(plan->roots.v[i]);
    for (i = 0; i < wp->n_aces; i++) {
        const struct cordon__win_ace *a = &wp->aces[i];
        size_t r;
        int no_acls = 0;
        /* A root on a volume without ACLs: nothing there can be granted
         * or denied (the levels say so); its ACL steps are left out
         * rather than failing the run. */
        int inside = 0;
        for (r = 0; r < plan->roots.n && !no_acls; r++) {
            int in_r = cordon__path_within(CORDON__OS_WINDOWS, a->path, plan->roots.v[r]);
            inside |= in_r;
            no_acls = in_r && !root_acls[r];
        }
        /* A path outside every root (a worktree's gitdir elsewhere) is
         * asked about its own volume. */
        if (!inside && !volume_has_acls(a->path))
            no_acls = 1;
        if (no_acls)
            continue;
        if (a->type == CORDON__WIN_ACE_DENY && protected_dir(plan, a->path)) {
            /* A protected directory: held by a placeholder when missing
             * now (whatever the plan saw) or when it is another run's
             * placeholder; otherwise denied and recorded as planned. */
            int is_ph = 0, first = 1;
            size_t k;
            for (k = 0; k < i; k++)
                first &= !(wp->aces[k].type == CORDON__WIN_ACE_DENY &&
                           cordon__streq_nocase(wp->aces[k].path, a->path));
            if (!first)
                continue;
            if ((e = cordon__win_placeholder_hold(a->path, wp->run_sid, secure_placeholder, &ctx,
                                                  &is_ph)) != CORDON_OK)
                goto done;
            for (k = i; !is_ph && k < wp->n_aces && e == CORDON_OK; k++)
                if (wp->aces[k].type == CORDON__WIN_ACE_DENY &&
                    cordon__streq_nocase(wp->aces[k].path, a->path))
                    e = apply_ace(plan, &wp->aces[k], logon, 1);
            if (e != CORDON_OK)
                goto done;
            continue;
        }
        if ((e = apply_ace(plan, a, logon, a->persistent)) != CORDON_OK)
            goto done;
    }
    cordon__win_acl_unlock(acl_lock);
    acl_lock = INVALID_HANDLE_VALUE;
    /* What the command will meet, checked with its own token on the real
     * DACLs (Wine enforces none of it: nothing to verify there). */
    if (!cordon__win_is_wine()) {
        if ((e = cordon__win_restricted_token(wp, &token)) != CORDON_OK)
            goto done;
        if (!verify_protected(plan, token, &why)) {
            e = cordon__fail(CORDON_ERR_PERMISSION,
                             "protected paths would not hold for this command, so it is not "
                             "run: %s",
                             why.p ? why.p : "");
            goto done;
        }
    }
done:
    cordon__win_acl_unlock(acl_lock);
    if (e != CORDON_OK)
        release_placeholders(plan);
    if (token)
        CloseHandle(token);
    cordon__buf_free(&why);
    free(root_acls);
    free(logon);
    return e;
}

static cordon_error unelevated_spawn(const struct cordon__plan *plan,
                                     const struct cordon__spawn *req, struct cordon__proc **out)
{
    const struct cordon__plan_windows *wp = &plan->windows_plan;
    struct cordon__win_launch how;
    HANDLE token = NULL;
    HDESK desk = NULL;
    wchar_t desk_name[256], winsta[128];
    cordon_error e;

    if ((e = cordon__win_restricted_token(wp, &token)) != CORDON_OK)
        return e;
    memset(&how, 0, sizeof how);
    how.token = token;
    how.ui_limits = (DWORD)wp->job_ui_limits;
    how.creation_flags = (DWORD)wp->creation_flags;
    how.relay_console = 1;
    if (wp->private_desktop) {
        DWORD err = 0;
        desk = cordon__win_private_desktop(wp, desk_name, sizeof desk_name / sizeof desk_name[0], &err);
        if (!desk && desktop_available(wp)) {
            /* The level said "own desktop": refuse rather than share. */
            e = cordon__win_fail("cannot give the command a desktop of its own", "CreateDesktopW",
                                 err);
            goto done;
        }
    }
    /* The user's desktop guarded again before each command (its ACEs
     * could have been taken out since the probe). Where the level relied
     * on them, a failure refuses the run. */
    if (cordon__win_ui_guard(wp, NULL) != CORDON_OK &&
        ui_checked() && ui_state == UI_GUARDED) {
        char msg[CORDON_REASON_MAX];
        snprintf(msg, sizeof msg, "%s", cordon_last_error());
        e = cordon__fail(CORDON_ERR_PERMISSION,
                         "the user's desktop cannot be kept out of the command's reach, so it "
                         "is not run: %s",
                         msg);
        goto done;
    }
    if (desk) {
        how.desktop = desk_name;
    } else {
        /* The caller's own window station and its default desktop, named
         * explicitly: without a name, a process with a restricted token
         * can fail to initialise user32. The level reports the shared
         * desktop. */
        if (!winsta_name(winsta, sizeof winsta)) {
            e = cordon__win_fail("cannot name this process's window station",
                                 "GetUserObjectInformationW", GetLastError());
            goto done;
        }
        swprintf(desk_name, sizeof desk_name / sizeof desk_name[0], L"%ls\\Default", winsta);
        how.desktop = desk_name;
    }
    e = cordon__win_spawn(plan, req, &how, out);
    if (e == CORDON_OK) {
        (*out)->desktop = desk; /* closed with the process */
        desk = NULL;
    }
done:
    if (desk)
        CloseDesktop(desk);
    CloseHandle(token);
    return e;
}

/* STATUS_DLL_INIT_FAILED: Windows could not initialise the program (in
 * the field: user32 on a desktop the token may not use). Reported as
 * cordon's failure, not as the command's exit status. */
#define STATUS_DLL_INIT_FAILED_CODE 0xC0000142UL

static cordon_error unelevated_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                                    struct cordon__exit *out)
{
    cordon_error e = cordon__win_wait(proc, timeout_ms, out);
    if (e == CORDON_OK && !out->timed_out &&
        (unsigned long)(DWORD)out->exit_code == STATUS_DLL_INIT_FAILED_CODE)
        e = cordon__fail(CORDON_ERR_OS,
                         "the command could not start: Windows refused to initialise it "
                         "(STATUS_DLL_INIT_FAILED, 0xC0000142), usually because the restricted "
                         "token may not use the desktop it was given; run `cordon level` to see "
                         "the desktop in use");
    return e;
}

void cordon__win_release_run(const struct cordon__plan *plan)
{
    /* This run lets go of its placeholders; the last holder removes each
     * (only when it is still the directory a run made, and empty). */
    release_placeholders(plan);
    /* The temp dir and its per-run SID go together. */
    cordon__win_remove_tmp(plan);
}

static void unelevated_cleanup(const struct cordon__plan *plan, struct cordon__proc *proc)
{
    InterlockedIncrement(&cordon__win_cleaning);
    /* Every process of the command is gone first. */
    cordon__win_proc_free(proc);
    cordon__win_release_run(plan);
    InterlockedDecrement(&cordon__win_cleaning);
}

/* Temp dirs of runs that died (cordon-run-<pid>-<hex> whose process no
 * longer runs) are removed, at most every 10 minutes: one listing of the
 * temp base then, none in between. */
static void sweep_stale_tmp(const struct cordon__plan *plan)
{
    char *base = plan->tmp_dir ? cordon__strdup(plan->tmp_dir) : NULL;
    char *cut = base ? strrchr(base, '\\') : NULL, *dir = NULL, *mark = NULL, *pattern = NULL;
    wchar_t *wmark = NULL, *wpat = NULL;
    WIN32_FILE_ATTRIBUTE_DATA md;
    WIN32_FIND_DATAW fd;
    HANDLE h = INVALID_HANDLE_VALUE, f;
    FILETIME now;
    ULARGE_INTEGER a, b;

    if (!cut || cordon__win_state_dir(&dir) != CORDON_OK)
        goto done;
    *cut = '\0';
    mark = cordon__asprintf("%s\\tmp-swept", dir);
    pattern = cordon__asprintf("%s\\cordon-run-*", base);
    wmark = mark ? cordon__win_wide(mark) : NULL;
    wpat = pattern ? cordon__win_wide(pattern) : NULL;
    if (!wmark || !wpat)
        goto done;
    GetSystemTimeAsFileTime(&now);
    if (GetFileAttributesExW(wmark, GetFileExInfoStandard, &md)) {
        a.LowPart = now.dwLowDateTime;
        a.HighPart = now.dwHighDateTime;
        b.LowPart = md.ftLastWriteTime.dwLowDateTime;
        b.HighPart = md.ftLastWriteTime.dwHighDateTime;
        if (a.QuadPart >= b.QuadPart && a.QuadPart - b.QuadPart < 600ULL * 10000000ULL)
            goto done;
    }
    f = CreateFileW(wmark, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f != INVALID_HANDLE_VALUE)
        CloseHandle(f);
    CORDON__WIN_COUNT(dir_lists);
    h = FindFirstFileW(wpat, &fd);
    while (h != INVALID_HANDLE_VALUE) {
        if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
            !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
            unsigned long pid = wcstoul(fd.cFileName + 11, NULL, 10);
            HANDLE p = pid ? OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid) : NULL;
            int alive = p && WaitForSingleObject(p, 0) == WAIT_TIMEOUT;
            if (p)
                CloseHandle(p);
            if (pid && pid != GetCurrentProcessId() && !alive) {
                char *name = cordon__win_utf8(fd.cFileName);
                struct cordon__plan stale;
                memset(&stale, 0, sizeof stale);
                stale.private_tmp = 1;
                stale.tmp_dir = name ? cordon__path_join(CORDON__OS_WINDOWS, base, name) : NULL;
                if (stale.tmp_dir)
                    cordon__win_remove_tmp(&stale);
                free(stale.tmp_dir);
                free(name);
            }
        }
        if (!FindNextFileW(h, &fd))
            break;
    }
done:
    if (h != INVALID_HANDLE_VALUE)
        FindClose(h);
    free(wmark);
    free(wpat);
    free(mark);
    free(pattern);
    free(dir);
    free(base);
}

const struct cordon_backend cordon__backend_windows_unelevated = {
    .name = "windows-unelevated",
    .tier = CORDON_TIER_UNELEVATED,
    .probe = unelevated_probe,
    .prepare = cordon__win_prepare,
    .spawn = unelevated_spawn,
    .wait = unelevated_wait,
    .kill = cordon__win_kill,
    .ended = cordon__win_ended,
    .pid = cordon__win_pid,
    .cleanup = unelevated_cleanup,
};
