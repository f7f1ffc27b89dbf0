/* Placeholders: the empty directories that hold missing protected paths
 * ("not there yet" must not mean "creatable") while runs need them.
 *
 * Concurrent runs of this user in one root share a placeholder, so it is
 * reference-counted: %LOCALAPPDATA%\cordon\placeholders has one line per
 * holder, "path<TAB>identity<TAB>holder<TAB>pid<TAB>start", read and
 * rewritten only under an exclusive LockFileEx lock on the file itself.
 * |identity| is the directory's volume serial and file index, taken when
 * a run created it; |holder| is the run's SID (unique per run); |pid| and
 * |start| (the process creation time) tell whether the holder still runs,
 * so a run that died does not hold a placeholder for ever.
 *
 * A placeholder is removed when its last live holder lets go, and only
 * when the directory at the path is still the one a run made (same
 * identity, opened without following links) and empty: the deletion goes
 * through that handle, so a directory the user made at the same path in
 * the meantime is never removed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "win.h"

struct ph_line {
    char *path, *ident, *holder;
    unsigned long pid;
    unsigned long long start;
};

struct ph_file {
    HANDLE h;
    struct ph_line *v;
    size_t n;
};

static void line_free(struct ph_line *l)
{
    free(l->path);
    free(l->ident);
    free(l->holder);
    memset(l, 0, sizeof *l);
}

static void ph_free(struct ph_file *f)
{
    size_t i;
    for (i = 0; i < f->n; i++)
        line_free(&f->v[i]);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

static cordon_error ph_push(struct ph_file *f, const char *path, const char *ident,
                            const char *holder, unsigned long pid, unsigned long long start)
{
    struct ph_line *grown = realloc(f->v, (f->n + 1) * sizeof *grown);
    struct ph_line *l;
    if (!grown)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    f->v = grown;
    l = &f->v[f->n];
    l->path = cordon__strdup(path);
    l->ident = cordon__strdup(ident);
    l->holder = cordon__strdup(holder);
    l->pid = pid;
    l->start = start;
    if (!l->path || !l->ident || !l->holder) {
        line_free(l);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    f->n++;
    return CORDON_OK;
}

/* Opens, locks and reads the file. */
static cordon_error ph_open(struct ph_file *f)
{
    char *dir = NULL, *path = NULL, *text = NULL, *line, *next;
    wchar_t *w = NULL;
    OVERLAPPED ov;
    LARGE_INTEGER size;
    DWORD got = 0;
    cordon_error e;

    memset(f, 0, sizeof *f);
    f->h = INVALID_HANDLE_VALUE;
    if ((e = cordon__win_state_dir(&dir)) != CORDON_OK)
        return e;
    path = cordon__asprintf("%s\\placeholders", dir);
    w = cordon__win_wide(path);
    if (!path || !w) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    f->h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f->h == INVALID_HANDLE_VALUE) {
        e = cordon__win_failf("CreateFileW", GetLastError(), "cannot open %s", path);
        goto done;
    }
    memset(&ov, 0, sizeof ov);
    if (!LockFileEx(f->h, LOCKFILE_EXCLUSIVE_LOCK, 0, MAXDWORD, MAXDWORD, &ov)) {
        e = cordon__win_failf("LockFileEx", GetLastError(), "cannot lock %s", path);
        goto done;
    }
    if (!GetFileSizeEx(f->h, &size) || size.QuadPart > 4 * 1024 * 1024) {
        e = cordon__fail(CORDON_ERR_IO, "cannot read %s (size unknown or over 4 MiB)", path);
        goto done;
    }
    text = malloc((size_t)size.QuadPart + 1);
    if (!text) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (size.QuadPart > 0 && !ReadFile(f->h, text, (DWORD)size.QuadPart, &got, NULL)) {
        e = cordon__win_failf("ReadFile", GetLastError(), "cannot read %s", path);
        goto done;
    }
    text[got] = '\0';
    for (line = text; *line && e == CORDON_OK; line = next) {
        char *t[5];
        int k;
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        t[0] = line;
        for (k = 1; k < 5 && t[k - 1]; k++) {
            t[k] = strchr(t[k - 1], '\t');
            if (t[k])
                *t[k]++ = '\0';
        }
        if (k < 5 || !t[4])
            continue; /* not a record (a torn write): dropped */
        e = ph_push(f, t[0], t[1], t[2], strtoul(t[3], NULL, 10), strtoull(t[4], NULL, 10));
    }
done:
    if (e != CORDON_OK) {
        ph_free(f);
        if (f->h != INVALID_HANDLE_VALUE)
            CloseHandle(f->h); /* closing the handle releases its lock */
        f->h = INVALID_HANDLE_VALUE;
    }
    free(text);
    free(w);
    free(path);
    free(dir);
    return e;
}

/* Writes the lines back when |write|, then unlocks and closes. */
static cordon_error ph_close(struct ph_file *f, int write)
{
    struct cordon__buf b = {0};
    cordon_error e = CORDON_OK;
    LARGE_INTEGER zero;
    DWORD put = 0;
    OVERLAPPED ov;
    size_t i;

    if (f->h == INVALID_HANDLE_VALUE)
        return CORDON_OK;
    if (write) {
        for (i = 0; i < f->n; i++)
            cordon__buf_printf(&b, "%s\t%s\t%s\t%lu\t%llu\n", f->v[i].path, f->v[i].ident,
                               f->v[i].holder, f->v[i].pid, f->v[i].start);
        zero.QuadPart = 0;
        if (b.oom)
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        else if (!SetFilePointerEx(f->h, zero, NULL, FILE_BEGIN) ||
                 (b.len && (!WriteFile(f->h, b.p, (DWORD)b.len, &put, NULL) || put != b.len)) ||
                 !SetEndOfFile(f->h))
            e = cordon__win_fail("cannot write the placeholder records", "WriteFile",
                                 GetLastError());
    }
    memset(&ov, 0, sizeof ov);
    UnlockFileEx(f->h, 0, MAXDWORD, MAXDWORD, &ov);
    CloseHandle(f->h);
    f->h = INVALID_HANDLE_VALUE;
    cordon__buf_free(&b);
    ph_free(f);
    return e;
}

/* "volume:index:created" of the directory |h| is open on. The creation
 * time tells apart a new directory that got a reused file index (file
 * systems that recycle them, as the ones under Wine do). */
static int handle_identity(HANDLE h, char out[64])
{
    BY_HANDLE_FILE_INFORMATION fi;
    if (!GetFileInformationByHandle(h, &fi))
        return 0;
    snprintf(out, 64, "%08lx:%08lx%08lx:%08lx%08lx", (unsigned long)fi.dwVolumeSerialNumber,
             (unsigned long)fi.nFileIndexHigh, (unsigned long)fi.nFileIndexLow,
             (unsigned long)fi.ftCreationTime.dwHighDateTime,
             (unsigned long)fi.ftCreationTime.dwLowDateTime);
    return 1;
}

/* Opens |w| itself (a link is not followed) with |access|. */
static HANDLE open_dir(const wchar_t *w, DWORD access)
{
    return CreateFileW(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                       NULL);
}

static int path_identity(const wchar_t *w, char out[64])
{
    HANDLE h = open_dir(w, FILE_READ_ATTRIBUTES);
    int ok;
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    ok = handle_identity(h, out);
    CloseHandle(h);
    return ok;
}

/* The creation time of a running process |pid| (100 ns units), 0 when it
 * is not running. */
static unsigned long long process_start(unsigned long pid)
{
    HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
    FILETIME c, x, k, u;
    DWORD code = 0;
    unsigned long long start = 0;
    if (!p)
        return 0;
    if (GetProcessTimes(p, &c, &x, &k, &u) && GetExitCodeProcess(p, &code) &&
        code == STILL_ACTIVE)
        start = ((unsigned long long)c.dwHighDateTime << 32) | c.dwLowDateTime;
    CloseHandle(p);
    return start;
}

static int holder_alive(const struct ph_line *l)
{
    return l->start != 0 && process_start(l->pid) == l->start;
}

/* Removes the directory at |path| when it is still the one with
 * |ident| and is empty; through the handle that was checked. */
static void remove_if_same(const char *path, const char *ident)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h = w ? open_dir(w, DELETE | FILE_READ_ATTRIBUTES) : INVALID_HANDLE_VALUE;
    char now[64];
    FILE_DISPOSITION_INFO del;

    if (h != INVALID_HANDLE_VALUE && handle_identity(h, now) && strcmp(now, ident) == 0) {
        /* Refused for a directory that is not empty: the user's files
         * are never removed. */
        del.DeleteFile = TRUE;
        SetFileInformationByHandle(h, FileDispositionInfo, &del, sizeof del);
    }
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(w);
}

cordon_error cordon__win_placeholder_hold(const char *path, const char *holder,
                                          cordon_error (*secure)(const char *path, void *ctx),
                                          void *ctx, int *is_placeholder)
{
    struct ph_file f;
    wchar_t *w = cordon__win_wide(path);
    char ident[64];
    int created = 0;
    size_t i;
    cordon_error e;

    *is_placeholder = 0;
    if (!w)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if ((e = ph_open(&f)) != CORDON_OK) {
        free(w);
        return e;
    }
    if (GetFileAttributesW(w) == INVALID_FILE_ATTRIBUTES) {
        if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
            e = cordon__win_failf("CreateDirectoryW", GetLastError(),
                                  "cannot hold the protected path %s", path);
            goto done;
        }
        created = 1;
    }
    if (!path_identity(w, ident)) {
        e = cordon__win_failf("GetFileInformationByHandle", GetLastError(),
                              "cannot identify the placeholder %s", path);
        goto done;
    }
    if (!created) {
        /* Another run's placeholder (same directory) is shared, also when
         * this run's plan took it for a real directory; anything else at
         * the path is not a placeholder: left to the caller, never
         * removed. */
        for (i = 0; i < f.n && !*is_placeholder; i++)
            *is_placeholder = cordon__streq_nocase(f.v[i].path, path) &&
                              strcmp(f.v[i].ident, ident) == 0;
        if (!*is_placeholder)
            goto done;
    } else {
        *is_placeholder = 1;
    }
    /* The deny goes on while the lock is held: a concurrent run cannot
     * remove the directory in between, nor lose an ACE to a concurrent
     * read-modify-write of the same DACL. */
    cordon__win_fresh_object = created;
    e = secure(path, ctx);
    cordon__win_fresh_object = 0;
    if (e != CORDON_OK) {
        if (created)
            remove_if_same(path, ident);
        *is_placeholder = 0;
        goto done;
    }
    if (*is_placeholder)
        e = ph_push(&f, path, ident, holder, (unsigned long)GetCurrentProcessId(),
                    process_start(GetCurrentProcessId()));
done:
    {
        cordon_error e2 = ph_close(&f, e == CORDON_OK && *is_placeholder);
        if (e == CORDON_OK)
            e = e2;
    }
    free(w);
    return e;
}

/* Drops |holder|'s lines (all of them when |holder| is NULL) and those of
 * holders that no longer run, then removes each placeholder no live
 * holder is left for. */
static void release(const char *path, const char *holder)
{
    struct ph_file f;
    struct ph_line *gone = NULL;
    size_t i, k, kept = 0, n_gone = 0;

    if (ph_open(&f) != CORDON_OK)
        return;
    gone = calloc(f.n + 1, sizeof *gone);
    if (!gone) {
        ph_close(&f, 0);
        return;
    }
    for (i = 0; i < f.n; i++) {
        struct ph_line *l = &f.v[i];
        int mine = (!path || cordon__streq_nocase(l->path, path)) &&
                   (!holder || strcmp(l->holder, holder) == 0);
        if (mine || !holder_alive(l)) {
            gone[n_gone++] = *l;
            memset(l, 0, sizeof *l);
        } else {
            f.v[kept++] = *l;
        }
    }
    f.n = kept;
    for (i = 0; i < n_gone; i++) {
        int held = 0;
        if (!gone[i].path)
            continue;
        for (k = 0; k < f.n && !held; k++)
            held = cordon__streq_nocase(f.v[k].path, gone[i].path) &&
                   strcmp(f.v[k].ident, gone[i].ident) == 0;
        for (k = 0; k < i && !held; k++)
            held = gone[k].path && cordon__streq_nocase(gone[k].path, gone[i].path) &&
                   strcmp(gone[k].ident, gone[i].ident) == 0; /* done already */
        if (!held)
            remove_if_same(gone[i].path, gone[i].ident);
    }
    ph_close(&f, 1);
    for (i = 0; i < n_gone; i++)
        line_free(&gone[i]);
    free(gone);
}

void cordon__win_placeholder_release(const char *path, const char *holder)
{
    release(path, holder);
}

void cordon__win_placeholder_sweep(void)
{
    /* No holder of ours: only the lines of runs that died go. */
    release(NULL, "");
}
