/* cordon grants list/revoke: the persistent ACEs of cordon's capability
 * SIDs. Every path cordon puts a persistent ACE on is recorded, one line
 * "kind<TAB>sid<TAB>path<TAB>root" (the root the grant is for; earlier
 * versions wrote no root), in %LOCALAPPDATA%\cordon\grants, and the
 * path's DACL before cordon first changed it in ...\originals ("path<TAB>
 * sddl"). list reads the live DACL of each recorded path; revoke ROOT
 * drops ROOT's records, and on each of their paths takes out every cordon
 * ACE no other root's record still needs (so no stale cordon SID stays);
 * when no record of any root is left on a path, its original DACL is put
 * back. */
#include <stdlib.h>
#include <string.h>

#include "elevated_windows_run.h"
#include "win.h"

struct grant {
    char *kind, *sid, *path, *root; /* root: "" in records of earlier versions */
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
        free(g->v[i].root);
    }
    free(g->v);
    memset(g, 0, sizeof *g);
}

static cordon_error state_file(const char *name, char **out)
{
    char *dir = NULL;
    cordon_error e = cordon__win_state_dir(&dir);
    if (e != CORDON_OK)
        return e;
    *out = cordon__asprintf("%s\\%s", dir, name);
    free(dir);
    return *out ? CORDON_OK : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
}

static cordon_error registry_path(char **out)
{
    return state_file("grants", out);
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
        char *t1, *t2, *t3, *end;
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
        t3 = strchr(t2 + 1, '\t');
        if (t3)
            *t3 = '\0';
        grown = realloc(g->v, (g->n + 1) * sizeof *grown);
        if (!grown) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            goto done;
        }
        g->v = grown;
        g->v[g->n].kind = cordon__strdup(line);
        g->v[g->n].sid = cordon__strdup(t1 + 1);
        g->v[g->n].path = cordon__strdup(t2 + 1);
        g->v[g->n].root = cordon__strdup(t3 ? t3 + 1 : "");
        g->n++;
        if (!g->v[g->n - 1].kind || !g->v[g->n - 1].sid || !g->v[g->n - 1].path ||
            !g->v[g->n - 1].root) {
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

/* Writes |b| (its text, all of it) in place of the state file |path|;
 * frees |b| and |path|. */
static cordon_error state_store(struct cordon__buf *b, char *path)
{
    wchar_t *w = NULL;
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD put = 0;
    cordon_error e = CORDON_OK;

    cordon__buf_add(b, "", 0);
    w = cordon__win_wide(path);
    if (b->oom || !w) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        e = cordon__win_failf("CreateFileW", GetLastError(), "cannot write %s", path);
        goto done;
    }
    if (b->len && (!WriteFile(h, b->p, (DWORD)b->len, &put, NULL) || put != b->len))
        e = cordon__win_failf("WriteFile", GetLastError(), "cannot write %s", path);
done:
    if (h != INVALID_HANDLE_VALUE)
        CloseHandle(h);
    cordon__buf_free(b);
    free(w);
    free(path);
    return e;
}

/* Writes |g| (all of it) in place of the registry. */
static cordon_error grants_store(const struct grants *g)
{
    struct cordon__buf b = {0};
    char *path = NULL;
    cordon_error e;
    size_t i;

    if ((e = registry_path(&path)) != CORDON_OK)
        return e;
    for (i = 0; i < g->n; i++)
        cordon__buf_printf(&b, "%s\t%s\t%s\t%s\n", g->v[i].kind, g->v[i].sid, g->v[i].path,
                           g->v[i].root);
    return state_store(&b, path);
}

int cordon__win_grants_has(const char *path, const char *sid, const char *root, int *for_root)
{
    struct grants g;
    size_t i;
    int found = 0;
    *for_root = 0;
    if (grants_load(&g) != CORDON_OK)
        return 0;
    for (i = 0; i < g.n; i++) {
        if (strcmp(g.v[i].sid, sid) != 0 || !cordon__streq_nocase(g.v[i].path, path))
            continue;
        found = 1;
        *for_root |= cordon__streq_nocase(g.v[i].root, root ? root : "");
    }
    grants_free(&g);
    return found;
}

cordon_error cordon__win_grants_record(const char *path, const char *sid, const char *kind,
                                       const char *root)
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
    if (!root)
        root = "";
    for (i = 0; i < g.n; i++)
        if (strcmp(g.v[i].sid, sid) == 0 && cordon__streq_nocase(g.v[i].path, path) &&
            cordon__streq_nocase(g.v[i].root, root))
            goto done; /* the first record keeps its kind ("deny-created") */
    if ((e = registry_path(&reg)) != CORDON_OK)
        goto done;
    line = cordon__asprintf("%s\t%s\t%s\t%s\n", kind, sid, path, root);
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

/* The originals file: paths and their DACLs before cordon's first change
 * (parallel lists). Missing = empty. */
static cordon_error originals_load(struct cordon__strv *paths, struct cordon__strv *sddls)
{
    struct cordon__host host;
    char *path = NULL, *text = NULL, *line, *next;
    cordon_error e;
    wchar_t *w;
    DWORD attrs;

    if ((e = state_file("originals", &path)) != CORDON_OK)
        return e;
    w = cordon__win_wide(path);
    attrs = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    if (attrs == INVALID_FILE_ATTRIBUTES)
        goto done;
    if ((e = cordon__os_host(&host)) != CORDON_OK ||
        (e = host.read_text(path, 16 * 1024 * 1024, &text)) != CORDON_OK)
        goto done;
    for (line = text; *line; line = next) {
        char *tab, *end;
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        end = line + strlen(line);
        if (end > line && end[-1] == '\r')
            *--end = '\0';
        tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        if ((e = cordon__strv_push(paths, line)) != CORDON_OK ||
            (e = cordon__strv_push(sddls, tab + 1)) != CORDON_OK)
            goto done;
    }
done:
    free(text);
    free(path);
    return e;
}

static cordon_error originals_store(const struct cordon__strv *paths,
                                    const struct cordon__strv *sddls)
{
    struct cordon__buf b = {0};
    char *path = NULL;
    cordon_error e;
    size_t i;

    if ((e = state_file("originals", &path)) != CORDON_OK)
        return e;
    for (i = 0; i < paths->n; i++)
        cordon__buf_printf(&b, "%s\t%s\n", paths->v[i], sddls->v[i]);
    return state_store(&b, path);
}

static ptrdiff_t index_nocase(const struct cordon__strv *v, const char *s)
{
    size_t i;
    for (i = 0; i < v->n; i++)
        if (cordon__streq_nocase(v->v[i], s))
            return (ptrdiff_t)i;
    return -1;
}

cordon_error cordon__win_original_keep(const char *path, const char *sddl)
{
    struct cordon__strv paths = {0}, sddls = {0};
    cordon_error e;
    HANDLE lock = grants_lock();

    if (lock == INVALID_HANDLE_VALUE)
        return CORDON_ERR_IO;
    if ((e = originals_load(&paths, &sddls)) == CORDON_OK && index_nocase(&paths, path) < 0) {
        if ((e = cordon__strv_push(&paths, path)) == CORDON_OK &&
            (e = cordon__strv_push(&sddls, sddl)) == CORDON_OK)
            e = originals_store(&paths, &sddls);
    }
    grants_unlock(lock);
    cordon__strv_free(&paths);
    cordon__strv_free(&sddls);
    return e;
}

/* The records name the sandbox group's SID (windows-elevated) beside
 * cordon's own: its ACEs on those paths are cordon's too, for list and
 * revoke, also after setup's uninstall removed the group. */
static void register_tier_sids(const struct grants *g)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        if (g->v[i].sid && !cordon__win_is_cordon_sid(g->v[i].sid))
            cordon__win_tier_sid_register(g->v[i].sid);
}

cordon_error cordon__os_grants_list(struct cordon__json *j)
{
    struct grants g;
    struct cordon__strv seen = {0};
    cordon_error e;
    size_t i, k;

    if ((e = grants_load(&g)) != CORDON_OK)
        return e;
    register_tier_sids(&g);
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

/* 1 when the record |r| belongs to the root |canon| (whose SID is
 * |root_sid|); every record does when |canon| is NULL (--all). Records of
 * earlier versions name no root: theirs is the one they lie under, or
 * whose SID they carry. */
static int belongs(const struct grant *r, const char *canon, const char *root_sid)
{
    if (!canon)
        return 1;
    if (r->root[0])
        return cordon__streq_nocase(r->root, canon);
    return cordon__path_within(CORDON__OS_WINDOWS, r->path, canon) ||
           (root_sid[0] && strcmp(r->sid, root_sid) == 0);
}

/* Takes cordon's ACEs off |path| for a revoke: those no record in |keep|
 * still needs; when none is left there, the original DACL comes back
 * (|original|, NULL when none was recorded: then every cordon ACE goes)
 * and a protected directory cordon created empty goes. */
static cordon_error revoke_path(const char *path, const struct grants *keep, const char *original,
                                int created, int *restored)
{
    struct cordon__strv still = {0};
    wchar_t *w = cordon__win_wide(path);
    DWORD attrs = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    cordon_error e = CORDON_OK;
    int removed = 0, exact = 0;
    size_t i;

    *restored = 0;
    if (attrs == INVALID_FILE_ATTRIBUTES)
        goto done; /* gone: no ACE left to take off */
    for (i = 0; i < keep->n; i++)
        if (cordon__streq_nocase(keep->v[i].path, path) &&
            !cordon__strv_contains(&still, keep->v[i].sid))
            cordon__strv_push(&still, keep->v[i].sid);
    if (still.n > 0) {
        e = cordon__win_remove_cordon_aces_except(path, &still, &removed);
    } else if (original) {
        e = cordon__win_restore_dacl(path, original, &exact);
        *restored = exact ? 2 : 1;
    } else {
        e = cordon__win_remove_cordon_aces(path, &removed);
    }
    if (e == CORDON_OK && still.n == 0 && created && (attrs & FILE_ATTRIBUTE_DIRECTORY))
        RemoveDirectoryW(w);
done:
    cordon__strv_free(&still);
    free(w);
    return e;
}

cordon_error cordon__os_grants_revoke(const char *root)
{
    struct grants g, keep = {0};
    struct cordon__strv hit = {0}, o_paths = {0}, o_sddls = {0};
    char *canon = NULL;
    char root_sid[CORDON__WIN_SID_MAX] = "";
    struct cordon__host host;
    cordon_error e, first = CORDON_OK;
    size_t i, k;
    HANDLE lock, acl_lock;
    char *is_mine = NULL;

    if (root) {
        canon = canonical_or_given(root);
        if (!canon)
            return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        /* The root's own SID finds its records of earlier versions
         * outside the root (a gitdir target elsewhere). */
        if (cordon__os_host(&host) == CORDON_OK && host.user_secret)
            cordon__win_derive_sid(host.user_secret, host.user_secret_len, "root", canon,
                                   root_sid);
    }
    /* ACL writes of concurrent prepares are held off (acl lock first,
     * then the grants file's: the order prepare takes them in). */
    acl_lock = cordon__win_acl_lock();
    if (acl_lock == INVALID_HANDLE_VALUE) {
        free(canon);
        return cordon__fail(CORDON_ERR_IO, "cannot lock cordon's ACL changes: %s",
                            cordon_last_error());
    }
    if ((lock = grants_lock()) == INVALID_HANDLE_VALUE) {
        cordon__win_acl_unlock(acl_lock);
        free(canon);
        return CORDON_ERR_IO;
    }
    if ((e = grants_load(&g)) != CORDON_OK ||
        (e = originals_load(&o_paths, &o_sddls)) != CORDON_OK) {
        grants_unlock(lock);
        cordon__win_acl_unlock(acl_lock);
        grants_free(&g);
        free(canon);
        return e;
    }
    register_tier_sids(&g);
    keep.v = calloc(g.n + 1, sizeof *keep.v);
    is_mine = calloc(g.n + 1, 1);
    if (!keep.v || !is_mine) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    /* ROOT's records go; the others stay and keep what they need on a
     * path ROOT shares with them (reference counting by records). */
    for (i = 0; i < g.n; i++) {
        is_mine[i] = (char)belongs(&g.v[i], canon, root_sid);
        if (is_mine[i] && !cordon__strv_contains(&hit, g.v[i].path))
            cordon__strv_push(&hit, g.v[i].path);
    }
    for (i = 0; i < g.n; i++)
        if (!is_mine[i]) {
            keep.v[keep.n++] = g.v[i];
            memset(&g.v[i], 0, sizeof g.v[i]);
        }
    for (k = 0; k < hit.n; k++) {
        ptrdiff_t o = index_nocase(&o_paths, hit.v[k]);
        int created = 0, restored = 0, shared = 0;
        for (i = 0; i < g.n; i++)
            created |= is_mine[i] && g.v[i].path && cordon__streq_nocase(g.v[i].path, hit.v[k]) &&
                       strcmp(g.v[i].kind, "deny-created") == 0;
        for (i = 0; i < keep.n; i++)
            shared |= cordon__streq_nocase(keep.v[i].path, hit.v[k]);
        e = revoke_path(hit.v[k], &keep, o >= 0 ? o_sddls.v[o] : NULL, created, &restored);
        if (e != CORDON_OK) {
            if (first == CORDON_OK)
                first = e;
            /* Keep ROOT's records of the path so that a later revoke can
             * retry. */
            for (i = 0; i < g.n; i++)
                if (is_mine[i] && g.v[i].path && cordon__streq_nocase(g.v[i].path, hit.v[k])) {
                    keep.v[keep.n++] = g.v[i];
                    memset(&g.v[i], 0, sizeof g.v[i]);
                }
            continue;
        }
        /* The original is dropped with the last record of the path. */
        if (!shared && o >= 0) {
            free(o_paths.v[o]);
            free(o_sddls.v[o]);
            o_paths.v[o] = o_paths.v[o_paths.n - 1];
            o_sddls.v[o] = o_sddls.v[o_sddls.n - 1];
            o_paths.n--;
            o_sddls.n--;
        }
    }
    e = grants_store(&keep);
    if (e == CORDON_OK)
        e = originals_store(&o_paths, &o_sddls);
    if (first != CORDON_OK)
        e = first;
done:
    grants_unlock(lock);
    cordon__win_acl_unlock(acl_lock);
    cordon__strv_free(&hit);
    cordon__strv_free(&o_paths);
    cordon__strv_free(&o_sddls);
    grants_free(&keep);
    grants_free(&g);
    free(is_mine);
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
