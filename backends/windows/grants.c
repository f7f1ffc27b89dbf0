/* cordon grants list/revoke: the persistent ACEs of cordon's capability
 * SIDs. Every path cordon puts a persistent ACE on is recorded, one line
 * "kind<TAB>sid<TAB>path", in %LOCALAPPDATA%\cordon\grants; list reads
 * the live DACL of each recorded path, revoke removes every explicit
 * cordon ACE there (so no cordon SID is left behind even if the record is
 * stale) and drops the lines. */
#include <stdlib.h>
#include <string.h>

#include "win.h"

struct grant {
    char *kind, *sid, *path;
};

struct grants {
    struct grant *v;
    size_t n;
};

static void grants_free(struct grants *g)
{
    size_t i;
    for (i = 0; i < g->n; i++) {
        free(g->v[i].kind);
        free(g->v[i].sid);
        free(g->v[i].path);
    }
    free(g->v);
    memset(g, 0, sizeof *g);
}

static cordon_error registry_path(char **out)
{
    char *dir = NULL;
    cordon_error e = cordon__win_state_dir(&dir);
    if (e != CORDON_OK)
        return e;
    *out = cordon__asprintf("%s\\grants", dir);
    free(dir);
    return *out ? CORDON_OK : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
}

/* An exclusive LockFileEx lock on %LOCALAPPDATA%\cordon\grants.lock, held
 * while the registry is read and rewritten, so that concurrent runs (and
 * revoke) do not lose each other's records. INVALID_HANDLE_VALUE when it
 * cannot be taken (the error is set). */
static HANDLE grants_lock(void)
{
    char *dir = NULL, *path = NULL;
    wchar_t *w = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    OVERLAPPED ov;

    if (cordon__win_state_dir(&dir) != CORDON_OK)
        return INVALID_HANDLE_VALUE;
    path = cordon__asprintf("%s\\grants.lock", dir);
    w = cordon__win_wide(path);
    if (w)
        h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    memset(&ov, 0, sizeof ov);
    if (h == INVALID_HANDLE_VALUE) {
        cordon__win_failf("CreateFileW", GetLastError(), "cannot open %s", path ? path : "");
    } else if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ov)) {
        cordon__win_failf("LockFileEx", GetLastError(), "cannot lock %s", path);
        CloseHandle(h);
        h = INVALID_HANDLE_VALUE;
    }
    free(w);
    free(path);
    free(dir);
    return h;
}

HANDLE cordon__win_acl_lock(void)
{
    char *dir = NULL, *path = NULL;
    wchar_t *w = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    OVERLAPPED ov;

    if (cordon__win_state_dir(&dir) != CORDON_OK)
        return INVALID_HANDLE_VALUE;
    path = cordon__asprintf("%s\\acl.lock", dir);
    w = path ? cordon__win_wide(path) : NULL;
    if (w)
        h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    memset(&ov, 0, sizeof ov);
    if (h != INVALID_HANDLE_VALUE && !LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ov)) {
        CloseHandle(h);
        h = INVALID_HANDLE_VALUE;
    }
    free(w);
    free(path);
    free(dir);
    return h;
}

void cordon__win_acl_unlock(HANDLE h)
{
    OVERLAPPED ov;
    if (h == INVALID_HANDLE_VALUE)
        return;
    memset(&ov, 0, sizeof ov);
    UnlockFileEx(h, 0, 1, 0, &ov);
    CloseHandle(h);
}

static void grants_unlock(HANDLE h)
{
    OVERLAPPED ov;
    if (h == INVALID_HANDLE_VALUE)
        return;
    memset(&ov, 0, sizeof ov);
    UnlockFileEx(h, 0, 1, 0, &ov);
    CloseHandle(h);
}

/* Reads the whole registry (missing = empty). */
static cordon_error grants_load(struct grants *g)
{
    char *path = NULL, *text = NULL, *line, *next;
    wchar_t *w = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    LARGE_INTEGER size;
    DWORD got = 0;
    cordon_error e;

    memset(g, 0, sizeof *g);
    if ((e = registry_path(&path)) != CORDON_OK)
        return e;
    w = cordon__win_wide(path);
    if (!w) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        if (GetLastError() != ERROR_FILE_NOT_FOUND)
            e = cordon__win_failf("CreateFileW", GetLastError(), "cannot read %s", path);
        goto done;
    }
    if (!GetFileSizeEx(h, &size) || size.QuadPart > 16 * 1024 * 1024) {
        e = cordon__fail(CORDON_ERR_IO, "cannot read %s (size unknown or over 16 MiB)", path);
        goto done;
    }
    text = malloc((size_t)size.QuadPart + 1);
    if (!text) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if (!ReadFile(h, text, (DWORD)size.QuadPart, &got, NULL)) {
        e = cordon__win_failf("ReadFile", GetLastError(), "cannot read %s", path);
        goto done;
    }
    text[got] = '\0';
    for (line = text; line && *line; line = next) {
        char *t1, *t2, *end;
        struct grant *grown;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        end = line + strlen(line);
        if (end > line && end[-1] == '\r')
            *--end = '\0';
        t1 = strchr(line, '\t');
        t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue; /* not a record */
        *t1 = *t2 = '\0';
        grown = realloc(g->v, (g->n + 1) * sizeof *grown);
        if (!grown) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            goto done;
        }
        g->v = grown;
        g->v[g->n].kind = cordon__strdup(line);
        g->v[g->n].sid = cordon__strdup(t1 + 1);
        g->v[g->n].path = cordon__strdup(t2 + 1);
        g->n++;
        if (!g->v[g->n - 1].kind || !g->v[g->n - 1].sid || !g->v[g->n - 1].path) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            goto done;
        }
    }
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    free(text);
    free(w);
    free(path);
    return e;
}

/* Writes |g| (all of it) in place of the registry. */
static cordon_error grants_store(const struct grants *g)
{
    struct cordon__buf b = {0};
    char *path = NULL;
    wchar_t *w = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD put = 0;
    cordon_error e;
    size_t i;

    if ((e = registry_path(&path)) != CORDON_OK)
        return e;
    for (i = 0; i < g->n; i++)
        cordon__buf_printf(&b, "%s\t%s\t%s\n", g->v[i].kind, g->v[i].sid, g->v[i].path);
    cordon__buf_add(&b, "", 0);
    w = cordon__win_wide(path);
    if (b.oom || !w) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        e = cordon__win_failf("CreateFileW", GetLastError(), "cannot write %s", path);
        goto done;
    }
    if (b.len && (!WriteFile(h, b.p, (DWORD)b.len, &put, NULL) || put != b.len))
        e = cordon__win_failf("WriteFile", GetLastError(), "cannot write %s", path);
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    cordon__buf_free(&b);
    free(w);
    free(path);
    return e;
}

int cordon__win_grants_has(const char *path, const char *sid)
{
    struct grants g;
    size_t i;
    int found = 0;
    if (grants_load(&g) != CORDON_OK)
        return 0;
    for (i = 0; i < g.n && !found; i++)
        found = strcmp(g.v[i].sid, sid) == 0 && cordon__streq_nocase(g.v[i].path, path);
    grants_free(&g);
    return found;
}

cordon_error cordon__win_grants_record(const char *path, const char *sid, const char *kind)
{
    struct grants g;
    char *reg = NULL, *line = NULL;
    wchar_t *w = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD put = 0;
    cordon_error e;
    size_t i;

    HANDLE lock = grants_lock();

    if (lock == INVALID_HANDLE_VALUE)
        return CORDON_ERR_IO;
    if ((e = grants_load(&g)) != CORDON_OK) {
        grants_unlock(lock);
        return e;
    }
    for (i = 0; i < g.n; i++)
        if (strcmp(g.v[i].sid, sid) == 0 && cordon__streq_nocase(g.v[i].path, path))
            goto done; /* the first record keeps its kind ("deny-created") */
    if ((e = registry_path(&reg)) != CORDON_OK)
        goto done;
    line = cordon__asprintf("%s\t%s\t%s\n", kind, sid, path);
    w = cordon__win_wide(reg);
    if (!line || !w) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    /* Appends are whole lines in one write, so concurrent runs do not
     * interleave within a record. */
    h = CreateFileW(w, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                    FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        e = cordon__win_failf("CreateFileW", GetLastError(), "cannot record a grant in %s", reg);
        goto done;
    }
    if (!WriteFile(h, line, (DWORD)strlen(line), &put, NULL) || put != strlen(line))
        e = cordon__win_failf("WriteFile", GetLastError(), "cannot record a grant in %s", reg);
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    grants_unlock(lock);
    grants_free(&g);
    free(reg);
    free(line);
    free(w);
    return e;
}

cordon_error cordon__os_grants_list(struct cordon__json *j)
{
    struct grants g;
    struct cordon__strv seen = {0};
    cordon_error e;
    size_t i, k;

    if ((e = grants_load(&g)) != CORDON_OK)
        return e;
    cordon__json_begin_array(j);
    for (i = 0; i < g.n; i++) {
        struct cordon__strv sids = {0}, kinds = {0};
        int dup = 0;
        for (k = 0; k < seen.n; k++)
            dup |= cordon__streq_nocase(seen.v[k], g.v[i].path);
        if (dup)
            continue;
        cordon__strv_push(&seen, g.v[i].path);
        /* What is really there now, not what was once recorded. A path
         * that is gone has no ACEs left. */
        if (cordon__win_list_cordon_aces(g.v[i].path, &sids, &kinds) == CORDON_OK) {
            for (k = 0; k < sids.n; k++) {
                cordon__json_begin_object(j);
                cordon__json_kstr(j, "path", g.v[i].path);
                cordon__json_kstr(j, "sid", sids.v[k]);
                cordon__json_kstr(j, "kind", kinds.v[k]);
                cordon__json_end_object(j);
            }
        }
        cordon__strv_free(&sids);
        cordon__strv_free(&kinds);
    }
    cordon__json_end_array(j);
    cordon__strv_free(&seen);
    grants_free(&g);
    return CORDON_OK;
}

/* |root| canonical when it still exists, else as given (a deleted root can
 * still have records to drop). */
static char *canonical_or_given(const char *root)
{
    struct cordon__host host;
    char *out = NULL;
    if (cordon__os_host(&host) == CORDON_OK && host.realpath &&
        host.realpath(root, &out) == CORDON_OK)
        return out;
    return cordon__path_normalize(CORDON__OS_WINDOWS, root);
}

cordon_error cordon__os_grants_revoke(const char *root)
{
    struct grants g, keep = {0};
    char *canon = NULL;
    char root_sid[CORDON__WIN_SID_MAX] = "";
    struct cordon__host host;
    struct cordon__strv hit = {0};
    cordon_error e, first = CORDON_OK;
    size_t i;
    HANDLE lock, acl_lock;

    if (root) {
        canon = canonical_or_given(root);
        if (!canon)
            return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        /* The root's own SID: its denies on paths outside the root (a
         * gitdir target elsewhere) are revoked with it. */
        if (cordon__os_host(&host) == CORDON_OK && host.user_secret)
            cordon__win_derive_sid(host.user_secret, host.user_secret_len, "root", canon,
                                   root_sid);
    }
    /* ACL writes of concurrent prepares are held off (acl lock first,
     * then the grants file's: the order prepare takes them in). */
    acl_lock = cordon__win_acl_lock();
    if ((lock = grants_lock()) == INVALID_HANDLE_VALUE) {
        cordon__win_acl_unlock(acl_lock);
        free(canon);
        return CORDON_ERR_IO;
    }
    if ((e = grants_load(&g)) != CORDON_OK) {
        grants_unlock(lock);
        free(canon);
        return e;
    }
    keep.v = calloc(g.n + 1, sizeof *keep.v);
    if (!keep.v) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    /* Paths under the root, and paths outside it that carry the root's
     * SID: every record of those goes (revoke strips every cordon ACE of
     * a path it touches, so no record of one may stay). */
    for (i = 0; canon && i < g.n; i++)
        if ((cordon__path_within(CORDON__OS_WINDOWS, g.v[i].path, canon) ||
             (root_sid[0] && strcmp(g.v[i].sid, root_sid) == 0)) &&
            !cordon__strv_contains(&hit, g.v[i].path))
            cordon__strv_push(&hit, g.v[i].path);
    for (i = 0; i < g.n; i++) {
        wchar_t *w;
        DWORD attrs;
        int removed = 0, k, touched = 0;
        for (k = 0; canon && (size_t)k < hit.n && !touched; k++)
            touched = cordon__streq_nocase(hit.v[k], g.v[i].path);
        if (canon && !touched) {
            keep.v[keep.n++] = g.v[i];
            memset(&g.v[i], 0, sizeof g.v[i]);
            continue;
        }
        w = cordon__win_wide(g.v[i].path);
        attrs = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
        if (attrs != INVALID_FILE_ATTRIBUTES) {
            e = cordon__win_remove_cordon_aces(g.v[i].path, &removed);
            if (e != CORDON_OK) {
                if (first == CORDON_OK)
                    first = e;
                /* Keep the record so that a later revoke can retry. */
                keep.v[keep.n++] = g.v[i];
                memset(&g.v[i], 0, sizeof g.v[i]);
                free(w);
                continue;
            }
            /* A protected directory cordon created empty goes too. */
            if (strcmp(g.v[i].kind, "deny-created") == 0 && (attrs & FILE_ATTRIBUTE_DIRECTORY))
                RemoveDirectoryW(w);
        }
        free(w);
    }
    e = grants_store(&keep);
    if (first != CORDON_OK)
        e = first;
done:
    grants_unlock(lock);
    cordon__win_acl_unlock(acl_lock);
    cordon__strv_free(&hit);
    grants_free(&keep);
    grants_free(&g);
    free(canon);
    return e;
}

void cordon__os_cost_json(struct cordon__json *j)
{
    cordon__json_begin_object(j);
    cordon__json_kint(j, "dacl_reads", cordon__win_cost.dacl_reads);
    cordon__json_kint(j, "dacl_writes", cordon__win_cost.dacl_writes);
    cordon__json_kint(j, "new_dir_dacl_writes", cordon__win_cost.new_dacl_writes);
    cordon__json_kint(j, "dir_lists", cordon__win_cost.dir_lists);
    cordon__json_end_object(j);
}

cordon_error cordon__os_grants_close_holes(const struct cordon__plan *plan,
                                           struct cordon__json *j)
{
    struct cordon__strv closed = {0}, left = {0};
    cordon_error e = CORDON_OK;
    /* Under Wine nothing is stored, and a full-access plan has no token. */
    if (plan->windows_plan.sandboxed && !cordon__win_is_wine())
        e = cordon__win_close_holes(plan, &closed, &left);
    if (e == CORDON_OK) {
        cordon__json_begin_object(j);
        cordon__json_key(j, "closed");
        cordon__json_strv(j, &closed);
        cordon__json_key(j, "left");
        cordon__json_strv(j, &left);
        cordon__json_end_object(j);
    }
    cordon__strv_free(&closed);
    cordon__strv_free(&left);
    return e;
}
