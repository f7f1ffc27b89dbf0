/* Policy + host facts -> plan: the one place policy becomes concrete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated_windows.h"
#include "internal.h"

/* The closed loopback port the proxy variables point at: nothing listens
 * on the discard port, so a tool that honours them fails at once. */
#define DEAD_PROXY "http://127.0.0.1:9"

static const char *const stub_names[] = {"ssh", "scp", NULL};

static cordon_error oom(void)
{
    return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory compiling the plan");
}

/* Why granting write on |root| is refused, or NULL when it is fine. */
static const char *refusal(const struct cordon__host *host, const char *root)
{
    size_t i;
    char *norm = cordon__path_normalize(host->os, root);
    const char *why = NULL;
    if (!norm)
        return NULL;
    /* The filesystem root: normalize leaves a bare root alone. */
    if (cordon__path_is_absolute(host->os, norm) &&
        (strcmp(norm, "/") == 0 || (host->os == CORDON__OS_WINDOWS && strlen(norm) <= 3)))
        why = "it is a filesystem root";
    if (!why && host->home && cordon__path_within(host->os, norm, host->home) &&
        cordon__path_within(host->os, host->home, norm))
        why = "it is your home directory itself";
    for (i = 0; !why && host->system_dirs && host->system_dirs[i]; i++) {
        if (cordon__path_within(host->os, norm, host->system_dirs[i]) &&
            cordon__path_within(host->os, host->system_dirs[i], norm))
            why = "it is a system directory";
    }
    free(norm);
    return why;
}

/* A writable root as written: "~/" or "$HOME/" at the start is the
 * user's home, a relative one is below the cwd. An |optional| root that
 * cannot be resolved here is skipped and noted (plan->skipped_roots). */
static cordon_error add_root(struct cordon__plan *plan, const cordon_policy *policy,
                             const struct cordon__host *host, const char *written, int optional)
{
    char *expanded = NULL, *joined = NULL, *canon = NULL;
    const char *why;
    cordon_error e = CORDON_OK;
    size_t i;

    if ((expanded = cordon__path_expand_home(host->os, written, host->home)) == NULL)
        return host->home ? oom()
                          : cordon__fail(CORDON_ERR_POLICY_INVALID,
                                         "writable root %s needs the home directory, which is not "
                                         "known here", written);
    /* A plan for the other OS (explain --os): an absolute path of this
     * host ("/tmp/ws" for Windows, "C:\\ws" for Linux) is shown in the
     * target's notation, not taken as relative to the example cwd. */
    if (host->lexical && !cordon__path_is_absolute(host->os, expanded) &&
        cordon__path_is_absolute(CORDON__OS_NATIVE, expanded)) {
        char *t = cordon__path_translate(host->os, expanded);
        free(expanded);
        if ((expanded = t) == NULL)
            return oom();
    }
    joined = cordon__path_is_absolute(host->os, expanded)
                 ? cordon__strdup(expanded)
                 : cordon__path_join(host->os, plan->cwd, expanded);
    /* "." is the working directory, resolved already. */
    if (joined && host->realpath && !host->lexical && strcmp(expanded, ".") == 0 &&
        (canon = cordon__strdup(plan->cwd)) == NULL) {
        free(expanded);
        free(joined);
        return oom();
    }
    free(expanded);
    if (!joined)
        return oom();
    if (!canon && (!host->realpath || (e = host->realpath(joined, &canon)) != CORDON_OK)) {
        if (optional && host->realpath) {
            e = cordon__strv_push(&plan->skipped_roots, written);
            goto done;
        }
        if (host->realpath) {
            char detail[512];
            snprintf(detail, sizeof detail, "%s", cordon_last_error());
            e = cordon__fail(CORDON_ERR_PATH, "writable root %s does not exist or cannot be resolved: %s",
                             joined, detail);
        } else {
            e = cordon__fail(CORDON_ERR_PATH, "cannot resolve writable root %s", joined);
        }
        goto done;
    }
    /* realpath succeeded, so the root exists (a lexical host reports
     * nothing as existing: it has no filesystem to ask). */
    if (host->path_kind) {
        enum cordon__path_kind kind = host->path_kind(canon);
        if (kind == CORDON__PATH_FILE || kind == CORDON__PATH_OTHER) {
            e = cordon__fail(CORDON_ERR_PATH, "writable root %s is not a directory", canon);
            goto done;
        }
    }
    why = refusal(host, canon);
    if (why && !policy->force_roots) {
        e = cordon__fail(CORDON_ERR_PATH_REFUSED,
                         "refusing to grant write on %s: %s (granting write there has broken "
                         "user profiles; force it explicitly if you mean it)",
                         canon, why);
        goto done;
    }
    for (i = 0; i < plan->roots.n; i++) {
        if ((host->os == CORDON__OS_WINDOWS && cordon__streq_nocase(plan->roots.v[i], canon)) ||
            strcmp(plan->roots.v[i], canon) == 0)
            goto done; /* already a root */
    }
    e = cordon__strv_push_owned(&plan->roots, canon);
    canon = NULL;
done:
    free(joined);
    free(canon);
    return e;
}

/* The index of the root holding |path| (the deepest one), or -1. */
static long holding_root(const struct cordon__plan *plan, const char *path)
{
    size_t i;
    long best = -1;
    for (i = 0; i < plan->roots.n; i++)
        if (cordon__path_within(plan->os, path, plan->roots.v[i]) &&
            (best < 0 || strlen(plan->roots.v[i]) > strlen(plan->roots.v[best])))
            best = (long)i;
    return best;
}

/* Where the symbolic link |link| (a path as written) lies: its parent
 * resolved, joined with its name. Caller owns the result. */
static char *link_location(const struct cordon__host *host, const char *link)
{
    const char *slash = strrchr(link, '/');
    char *dir, *canon = NULL, *out;
    if (!slash)
        return NULL;
    dir = slash == link ? cordon__strdup("/") : cordon__strndup(link, (size_t)(slash - link));
    if (!dir || !host->realpath || host->realpath(dir, &canon) != CORDON_OK) {
        free(dir);
        return cordon__strdup(link);
    }
    out = cordon__path_join(host->os, canon, slash + 1);
    free(dir);
    free(canon);
    return out;
}

/* A symbolic link a command could have replaced: walks |path| (absolute,
 * as written, ".." parts included) one component at a time from byte
 * |from| on, as the kernel resolves it, and stops at the first link that
 * lies within one of |dirs| (or of |more|): *link is that prefix as
 * written, *target what it says, *inside the directory it lies in. All
 * NULL when there is none (or the path stops existing first). Linux hosts
 * only: elsewhere links are left to the OS layer. */
/* The user's record of granted roots, read only when a link is found on
 * the way to a root (the common case has none, and the record grows with
 * every workspace the user ever ran in). */
struct granted_lazy {
    struct cordon__strv v;
    int loaded;
};

static cordon_error granted_load(const struct cordon__host *host, struct granted_lazy *g)
{
    cordon_error e = CORDON_OK;
    if (!g->loaded && host->granted_roots)
        e = host->granted_roots(&g->v);
    g->loaded = 1;
    return e;
}

/* What planted_link saw of the last components it walked, for a caller
 * that would otherwise look at them again. */
struct walk_seen {
    enum cordon__path_kind kind; /* of the whole path, when the walk reached it */
    size_t missing_end;          /* end of the first missing prefix (0: none) */
};

static cordon_error planted_link(const struct cordon__host *host, const char *path, size_t from,
                                 const struct cordon__strv *dirs, struct granted_lazy *more,
                                 char **link, char **target, const char **inside,
                                 struct walk_seen *seen)
{
    size_t i = from, end, k;
    char *prefix;
    *link = *target = NULL;
    *inside = NULL;
    if (seen) {
        seen->kind = CORDON__PATH_MISSING;
        seen->missing_end = 0;
    }
    if (host->os != CORDON__OS_LINUX || host->lexical || !host->path_kind || path[0] != '/')
        return CORDON_OK;
    /* One copy, cut at each component in turn. */
    if ((prefix = cordon__strdup(path)) == NULL)
        return oom();
    while (path[i]) {
        char *where;
        enum cordon__path_kind kind;
        while (path[i] == '/')
            i++;
        if (!path[i])
            break;
        end = i + strcspn(path + i, "/");
        prefix[end] = '\0';
        kind = host->path_kind(prefix);
        if (seen && !path[end + strspn(path + end, "/")])
            seen->kind = kind; /* the last component */
        if (kind == CORDON__PATH_MISSING) {
            if (seen)
                seen->missing_end = end;
            break;
        }
        if (kind == CORDON__PATH_LINK) {
            if ((where = link_location(host, prefix)) == NULL) {
                free(prefix);
                return oom();
            }
            for (k = 0; !*inside && dirs && k < dirs->n; k++)
                if (cordon__path_within(host->os, where, dirs->v[k]))
                    *inside = dirs->v[k];
            if (!*inside && more) {
                cordon_error e = granted_load(host, more);
                if (e != CORDON_OK) {
                    free(where);
                    free(prefix);
                    return e;
                }
            }
            for (k = 0; !*inside && more && k < more->v.n; k++)
                if (cordon__path_within(host->os, where, more->v.v[k]))
                    *inside = more->v.v[k];
            free(where);
            if (*inside) {
                *link = prefix;
                if (!host->read_link || host->read_link(prefix, target) != CORDON_OK)
                    *target = cordon__strdup("?");
                return *target ? CORDON_OK : oom();
            }
        }
        prefix[end] = path[end];
        i = end;
    }
    free(prefix);
    return CORDON_OK;
}

/* The tool cache (policy cache = "sandbox", workspace-write): a writable
 * root of its own, added after the protected paths so that none is
 * looked for inside it (nothing in it is a workspace). A cache directory
 * that does not exist yet (cordon level/explain before the first run) is
 * planned from its lexical path; cordon_run has the OS layer create it
 * before compiling, so a run's plan holds the resolved one. */
static cordon_error add_cache_root(struct cordon__plan *plan, const cordon_policy *policy,
                                   const struct cordon__host *host)
{
    char *canon = NULL;
    enum cordon__path_kind kind = CORDON__PATH_MISSING;
    size_t i;

    if (policy->mode != CORDON_MODE_WORKSPACE_WRITE || !policy->cache || !host->cache_dir ||
        !cordon__path_is_absolute(host->os, host->cache_dir))
        return CORDON_OK;
    if (host->lexical || !host->realpath || !host->path_kind ||
        (kind = host->path_kind(host->cache_dir)) == CORDON__PATH_MISSING ||
        host->realpath(host->cache_dir, &canon) != CORDON_OK) {
        free(canon);
        if ((canon = cordon__path_normalize(host->os, host->cache_dir)) == NULL)
            return oom();
        plan->cache_missing = !host->lexical;
    } else if ((strcmp(canon, host->cache_dir) == 0 ? kind : host->path_kind(canon)) !=
               CORDON__PATH_DIR) {
        cordon_error e = cordon__fail(CORDON_ERR_PATH,
                                      "the tool cache %s is not a directory (remove it, or set "
                                      "cache = \"none\" in the policy)", canon);
        free(canon);
        return e;
    }
    if ((plan->cache_dir = cordon__strdup(canon)) == NULL) {
        free(canon);
        return oom();
    }
    for (i = 0; i < plan->roots.n; i++) {
        if ((host->os == CORDON__OS_WINDOWS && cordon__streq_nocase(plan->roots.v[i], canon)) ||
            strcmp(plan->roots.v[i], canon) == 0) {
            free(canon);
            return CORDON_OK;
        }
    }
    return cordon__strv_push_owned(&plan->roots, canon);
}

static cordon_error add_protected(struct cordon__plan *plan, char *path, size_t root,
                                  enum cordon__path_kind kind, int gitdir)
{
    struct cordon__protected *grown;
    size_t i;
    if (!path)
        return oom();
    for (i = 0; i < plan->n_protect; i++) {
        if (strcmp(plan->protect[i].path, path) == 0) {
            free(path);
            return CORDON_OK;
        }
    }
    grown = realloc(plan->protect, (plan->n_protect + 1) * sizeof *grown);
    if (!grown) {
        free(path);
        return oom();
    }
    plan->protect = grown;
    grown[plan->n_protect].path = path;
    grown[plan->n_protect].root = root;
    grown[plan->n_protect].kind = kind;
    grown[plan->n_protect].is_gitdir_target = gitdir;
    plan->n_protect++;
    return CORDON_OK;
}

/* The highest missing ancestor of the missing |path| (|path| itself when
 * its parent exists). Caller owns the result. */
static char *highest_missing(const struct cordon__host *host, const char *path)
{
    char *top = cordon__strdup(path);
    for (;;) {
        char *cut = top ? top + strlen(top) : NULL;
        char saved;
        while (cut && cut > top && *cut != '/' && *cut != '\\')
            cut--;
        if (!cut || cut == top || !cordon__path_is_absolute(host->os, top))
            return top;
        saved = *cut;
        *cut = '\0';
        if (!cordon__path_is_absolute(host->os, top) || !host->path_kind ||
            host->path_kind(top) != CORDON__PATH_MISSING) {
            *cut = saved; /* the parent exists (or is a root): stop here */
            return top;
        }
    }
}

/* A missing gitdir target cannot be re-bound or denied in place; what must
 * not become creatable is its highest missing ancestor. Inside a writable
 * root that ancestor is protected (backends hold its place, one directory
 * whose parent exists, for the run). Outside every root the fs_write
 * guarantee already refuses creating it, and cordon creates nothing there. */
static cordon_error add_missing_gitdir(struct cordon__plan *plan, const struct cordon__host *host,
                                       size_t root, const char *target)
{
    char *norm = cordon__path_normalize(host->os, target);
    char *top = norm ? highest_missing(host, norm) : NULL;
    size_t r;
    free(norm);
    if (!top)
        return oom();
    for (r = 0; r < plan->roots.n; r++) {
        if (cordon__path_within(host->os, top, plan->roots.v[r]))
            return add_protected(plan, top, root, CORDON__PATH_MISSING, 1);
    }
    free(top);
    return CORDON_OK;
}

/* A ".git" file (worktrees, submodules) names the real git directory in
 * its first line, "gitdir: <path>"; that directory is protected too. */
static cordon_error add_gitdir_target(struct cordon__plan *plan, const struct cordon__host *host,
                                      size_t root, const char *dotgit)
{
    char *text = NULL, *target = NULL, *canon = NULL, *line, *end, *link = NULL, *link_to = NULL;
    const char *inside = NULL;
    cordon_error e = CORDON_OK;

    if (!host->read_text || host->read_text(dotgit, 4096, &text) != CORDON_OK)
        return cordon__fail(CORDON_ERR_IO, "cannot read the .git file %s to protect its gitdir",
                            dotgit);
    line = text;
    if (strncmp(line, "gitdir:", 7) != 0)
        goto done; /* not a gitdir link: the file itself stays protected */
    line += 7;
    while (*line == ' ' || *line == '\t')
        line++;
    end = line + strcspn(line, "\r\n");
    while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    if (!*line)
        goto done;
    if (cordon__path_is_absolute(host->os, line)) {
        target = cordon__strdup(line);
    } else {
        char *base = cordon__strdup(dotgit);
        char *slash = base ? base + strlen(base) : NULL;
        while (slash && slash > base && slash[-1] != '/' && slash[-1] != '\\')
            slash--;
        if (slash)
            *slash = '\0';
        target = base ? cordon__path_join(host->os, base, line) : NULL;
        free(base);
    }
    if (!target) {
        e = oom();
        goto done;
    }
    /* Git resolves the path as written: a link on the way that lies in a
     * root could be replaced by the command, and git would follow it. */
    if ((e = planted_link(host, target, 0, &plan->roots, NULL, &link, &link_to, &inside,
                          NULL)) !=
        CORDON_OK)
        goto done;
    if (link) {
        e = cordon__fail(CORDON_ERR_PATH_REFUSED,
                         "refusing to run: the gitdir of %s (%s) goes through the symbolic link "
                         "%s (-> %s) inside the writable root %s, which a command could replace "
                         "to point git elsewhere; write the real path in %s",
                         dotgit, line, link, link_to, inside, dotgit);
        goto done;
    }
    if (host->realpath && host->realpath(target, &canon) == CORDON_OK) {
        e = add_protected(plan, canon, root, host->path_kind ? host->path_kind(canon)
                                                              : CORDON__PATH_DIR, 1);
    } else {
        e = add_missing_gitdir(plan, host, root, target);
    }
done:
    free(text);
    free(target);
    free(link);
    free(link_to);
    return e;
}

/* Protects |rel| (normalized, relative) in root |r|: refused when a
 * component on the way is a symbolic link (the command could replace the
 * link, and what was protected would no longer be what the path names);
 * a ".git" file protects its gitdir target too; a missing path holds its
 * highest missing ancestor. */
static cordon_error protect_in_root(struct cordon__plan *plan, const struct cordon__host *host,
                                    size_t r, const char *rel, int is_git)
{
    const char *root = plan->roots.v[r], *inside = NULL;
    char *path = cordon__path_join(host->os, root, rel), *link = NULL, *link_to = NULL;
    struct cordon__strv self = {0};
    struct walk_seen seen;
    enum cordon__path_kind kind;
    cordon_error e = CORDON_OK;

    if (!path)
        return oom();
    self.v = (char **)&root;
    self.n = 1;
    if ((e = planted_link(host, path, strlen(root), &self, NULL, &link, &link_to, &inside,
                          &seen)) != CORDON_OK)
        goto done;
    if (link) {
        e = cordon__fail(CORDON_ERR_PATH_REFUSED,
                         "refusing to run: the protected path %s goes through the symbolic link "
                         "%s (-> %s) inside the writable root %s; the command could replace the "
                         "link, so it cannot be held read-only (replace the link with the real "
                         "directory or file)",
                         path, link, link_to, root);
        goto done;
    }
    /* The walk from the root has seen every component (any link among
     * them is refused above): the last one's kind, and the first missing
     * one, which is the highest missing ancestor. Only a host the walk
     * does not ask is asked here. */
    if (host->os == CORDON__OS_LINUX && !host->lexical && host->path_kind && path[0] == '/')
        kind = seen.kind;
    else
        kind = host->path_kind ? host->path_kind(path) : CORDON__PATH_MISSING;
    if (kind == CORDON__PATH_FILE && is_git && (e = add_gitdir_target(plan, host, r, path)) != CORDON_OK)
        goto done;
    if (kind == CORDON__PATH_MISSING && !plan->lexical) {
        /* Nothing may be created on the way either. */
        char *top = seen.missing_end ? cordon__strndup(path, seen.missing_end)
                                     : highest_missing(host, path);
        if (!top) {
            e = oom();
            goto done;
        }
        free(path);
        path = top;
    }
    e = add_protected(plan, path, r, kind, 0);
    path = NULL;
done:
    free(path);
    free(link);
    free(link_to);
    return e;
}

/* A "key = value" line of a git config file: the value when the key is
 * |key| (case-insensitive, surrounding quotes removed), else NULL. Points
 * into |line|, which it changes. */
static char *config_value(char *line, const char *key)
{
    size_t n = strlen(key), i;
    char *v, *end;
    while (*line == ' ' || *line == '\t')
        line++;
    for (i = 0; i < n; i++) {
        char c = line[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != key[i])
            return NULL;
    }
    v = line + n;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v != '=')
        return NULL;
    v++;
    while (*v == ' ' || *v == '\t')
        v++;
    end = v + strlen(v);
    while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    if (end - v >= 2 && *v == '"' && end[-1] == '"') {
        v++;
        end--;
    }
    *end = '\0';
    return v;
}

/* The submodules a root's .gitmodules lists: each one's ".git" is
 * protected like the root's own (git runs in them for a status of the
 * root). Only the file is read; the tree is not walked. */
static cordon_error protect_submodules(struct cordon__plan *plan, const struct cordon__host *host,
                                       size_t r)
{
    char *file = cordon__path_join(host->os, plan->roots.v[r], ".gitmodules");
    char *text = NULL, *line, *next;
    cordon_error e = CORDON_OK;

    if (!file)
        return oom();
    /* A linked .gitmodules is ignored by git itself. */
    if (!host->read_text || !host->path_kind || host->path_kind(file) != CORDON__PATH_FILE ||
        host->read_text(file, 64 * 1024, &text) != CORDON_OK)
        goto done;
    /* The list itself stays as it is: a command that struck a submodule
     * from it would leave that submodule's .git unprotected next run. */
    if ((e = protect_in_root(plan, host, r, ".gitmodules", 0)) != CORDON_OK)
        goto done;
    for (line = text; e == CORDON_OK && line && *line; line = next) {
        char *v, *norm, *rel;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if ((v = config_value(line, "path")) == NULL || !*v)
            continue;
        norm = cordon__path_normalize(host->os, v);
        if (!norm)
            return oom();
        /* A path leaving the root is not the root's submodule. */
        if (cordon__path_is_safe_relative(host->os, norm) && strcmp(norm, ".") != 0) {
            rel = cordon__path_join(host->os, norm, ".git");
            e = rel ? protect_in_root(plan, host, r, rel, 1) : oom();
            free(rel);
        }
        free(norm);
    }
done:
    free(file);
    free(text);
    return e;
}

/* The linked worktrees of a root's repository: .git/worktrees/NAME/gitdir
 * records where each one's ".git" file is; one inside a root is protected
 * like the root's own. */
static cordon_error protect_worktrees(struct cordon__plan *plan, const struct cordon__host *host,
                                      size_t r)
{
    struct cordon__strv names = {0};
    char *dir = cordon__path_join(host->os, plan->roots.v[r], ".git/worktrees");
    cordon_error e = CORDON_OK;
    size_t i;

    if (!dir)
        return oom();
    if (!host->list_dir || !host->path_kind || host->path_kind(dir) != CORDON__PATH_DIR ||
        host->list_dir(dir, &names) != CORDON_OK)
        goto done;
    for (i = 0; e == CORDON_OK && i < names.n; i++) {
        char *rec = cordon__asprintf("%s/%s/gitdir", dir, names.v[i]);
        char *text = NULL, *wt = NULL, *canon = NULL, *slash;
        long in;
        if (!rec) {
            e = oom();
            break;
        }
        if (host->path_kind(rec) == CORDON__PATH_FILE &&
            host->read_text(rec, 4096, &text) == CORDON_OK) {
            text[strcspn(text, "\r\n")] = '\0';
            wt = cordon__path_normalize(host->os, text);
            slash = wt ? strrchr(wt, '/') : NULL;
            /* The worktree's directory resolved, then its ".git". */
            if (slash && slash != wt && strcmp(slash, "/.git") == 0) {
                *slash = '\0';
                if (host->realpath(wt, &canon) == CORDON_OK &&
                    (in = holding_root(plan, canon)) >= 0 &&
                    strcmp(canon, plan->roots.v[in]) != 0) {
                    char *rel = cordon__asprintf("%s/.git", canon + strlen(plan->roots.v[in]) + 1);
                    e = rel ? protect_in_root(plan, host, (size_t)in, rel, 1) : oom();
                    free(rel);
                }
            }
        }
        free(rec);
        free(text);
        free(wt);
        free(canon);
    }
done:
    cordon__strv_free(&names);
    free(dir);
    return e;
}

/* Whether |path| (trailing "/." parts aside) is the resolved working
 * directory or a resolved root: then it resolved to itself. */
static int resolved_already(const struct cordon__plan *plan, const char *path)
{
    size_t n = strlen(path), i;
    while (n >= 2 && path[n - 1] == '.' && path[n - 2] == '/')
        n -= 2;
    if (n == 0)
        return 0;
    if (plan->cwd && strlen(plan->cwd) == n && strncmp(plan->cwd, path, n) == 0)
        return 1;
    for (i = 0; i < plan->roots.n; i++)
        if (strlen(plan->roots.v[i]) == n && strncmp(plan->roots.v[i], path, n) == 0)
            return 1;
    return 0;
}

/* A root reached through a symbolic link that lies inside a directory
 * cordon has made writable (in this run, or for this user before) could
 * have been planted by a sandboxed command: refused, naming the link. A
 * link the user made elsewhere is fine. */
static cordon_error check_root_links(struct cordon__plan *plan, const struct cordon__host *host,
                                     const char *cwd, const cordon_policy *policy)
{
    struct granted_lazy granted = {{0}, 0};
    cordon_error e = CORDON_OK;
    size_t r, n_w, n_o;
    int use_cache;

    if (host->os != CORDON__OS_LINUX || host->lexical)
        return CORDON_OK;
    /* The roots as written ("~/" expanded), the optional ones, and the
     * tool cache this run will grant. */
    n_w = policy->writable_roots.n;
    n_o = policy->optional_roots.n;
    use_cache = policy->cache && host->cache_dir;
    for (r = 0; e == CORDON_OK && r < n_w + n_o + (size_t)use_cache; r++) {
        const char *w = r < n_w          ? policy->writable_roots.v[r]
                        : r < n_w + n_o ? policy->optional_roots.v[r - n_w]
                                        : host->cache_dir;
        const char *inside = NULL;
        char *joined, *link = NULL, *link_to = NULL, *expanded;
        if ((expanded = cordon__path_expand_home(host->os, w, host->home)) == NULL) {
            e = oom();
            break;
        }
        joined = cordon__path_is_absolute(host->os, expanded)
                     ? cordon__strdup(expanded)
                     : cordon__path_join(host->os,
                                         cordon__path_is_absolute(host->os, cwd) ? cwd : plan->cwd,
                                         expanded);
        free(expanded);
        if (!joined) {
            e = oom();
            break;
        }
        /* A path that resolved to itself has no link on the way (the
         * resolution of a path through a link never has that link's path
         * as a prefix): the roots and the cache are resolved, and the
         * common root, ".", joins the resolved working directory. What
         * could change since is caught where each root is opened (no
         * symbolic link followed). */
        if (resolved_already(plan, joined)) {
            free(joined);
            continue;
        }
        e = planted_link(host, joined, 0, &plan->roots, &granted, &link, &link_to, &inside, NULL);
        if (e == CORDON_OK && link)
            e = cordon__fail(CORDON_ERR_PATH_REFUSED,
                             "refusing the writable root %s: it is reached through the symbolic "
                             "link %s (-> %s), which lies inside %s, a directory cordon has made "
                             "writable, so a sandboxed command could have planted it; name the "
                             "real directory if you trust it",
                             joined, link, link_to, inside);
        free(joined);
        free(link);
        free(link_to);
    }
    cordon__strv_free(&granted.v);
    return e;
}

static cordon_error add_env(struct cordon__plan *plan, const char *name, const char *value)
{
    struct cordon__env_var *grown = realloc(plan->env, (plan->n_env + 1) * sizeof *grown);
    if (!grown)
        return oom();
    plan->env = grown;
    grown[plan->n_env].name = cordon__strdup(name);
    grown[plan->n_env].value = cordon__strdup(value);
    plan->n_env++;
    if (!grown[plan->n_env - 1].name || !grown[plan->n_env - 1].value)
        return oom();
    return CORDON_OK;
}

/* The tool cache variables, each checked against its tool's documentation
 * (docs/policy.md, "Tool caches"): every cache a package manager or build
 * tool keeps under the home goes to its own directory in plan->cache_dir.
 * Always set, whatever the caller had: a cache the sandbox writes must
 * never be one the caller's unsandboxed tools read. */
static cordon_error cache_env(struct cordon__plan *plan)
{
    static const struct {
        const char *name, *sub;
        int both_cases; /* npm reads npm_config_* in any case: set both on Linux */
        /* Not pnpm's store-dir: its variable is npm's npm_config_store_dir,
         * which makes npm warn on every command (docs/policy.md). */
    } vars[] = {
        {"npm_config_cache", "npm", 1},           /* npm */
        {"YARN_CACHE_FOLDER", "yarn", 0},         /* yarn 1 */
        {"YARN_GLOBAL_FOLDER", "yarn-berry", 0},  /* yarn 2+: the global cache is in it */
        {"PIP_CACHE_DIR", "pip", 0},
        {"UV_CACHE_DIR", "uv", 0},
        {"POETRY_CACHE_DIR", "poetry", 0},
        {"CARGO_HOME", "cargo", 0},               /* registry index, crates, git checkouts */
        {"GOCACHE", "go-build", 0},
        {"GOMODCACHE", "go-mod", 0},
        {"GRADLE_USER_HOME", "gradle", 0},
        {"CCACHE_DIR", "ccache", 0},
        {"SCCACHE_DIR", "sccache", 0},
        {"XDG_CACHE_HOME", "xdg", 0},             /* everything else that follows XDG */
    };
    int win = plan->os == CORDON__OS_WINDOWS;
    cordon_error e = CORDON_OK;
    char *maven = NULL, *opt = NULL;
    size_t i, k;

    if (!plan->cache_dir)
        return CORDON_OK;
    for (i = 0; e == CORDON_OK && i < sizeof vars / sizeof vars[0]; i++) {
        char *dir = cordon__path_join(plan->os, plan->cache_dir, vars[i].sub);
        if (!dir)
            return oom();
        e = add_env(plan, vars[i].name, dir);
        if (e == CORDON_OK && vars[i].both_cases && !win) {
            char upper[64];
            for (k = 0; vars[i].name[k] && k + 1 < sizeof upper; k++)
                upper[k] = (char)(vars[i].name[k] >= 'a' && vars[i].name[k] <= 'z'
                                      ? vars[i].name[k] - 32
                                      : vars[i].name[k]);
            upper[k] = '\0';
            e = add_env(plan, upper, dir);
        }
        free(dir);
    }
    if (e != CORDON_OK)
        return e;
    /* Maven's local repository: a system property on the JVM's command
     * line, so MAVEN_OPTS gets it after the caller's own options (the last
     * definition wins). mvn splits MAVEN_OPTS at spaces without quoting on
     * Linux; mvn.cmd passes it to cmd, which honours quotes. */
    if ((maven = cordon__path_join(plan->os, plan->cache_dir, "maven")) == NULL)
        return oom();
    if (win)
        opt = cordon__asprintf("-Dmaven.repo.local=\"%s\"", maven);
    else if (!strpbrk(maven, " \t\n"))
        opt = cordon__asprintf("-Dmaven.repo.local=%s", maven);
    else
        goto done; /* no way to say it to mvn: documented */
    if (!opt) {
        e = oom();
        goto done;
    }
    {
        struct cordon__env_var *grown =
            realloc(plan->env_suffix, (plan->n_env_suffix + 1) * sizeof *grown);
        if (!grown) {
            e = oom();
            goto done;
        }
        plan->env_suffix = grown;
        grown[plan->n_env_suffix].name = cordon__strdup("MAVEN_OPTS");
        grown[plan->n_env_suffix].value = opt;
        opt = NULL;
        plan->n_env_suffix++;
        if (!grown[plan->n_env_suffix - 1].name)
            e = oom();
    }
done:
    free(maven);
    free(opt);
    return e;
}

/* The advisory network layer, identical for both OSes: every variable is
 * set whatever the caller had, since an inherited proxy would silently
 * defeat the block. */
static cordon_error network_off_env(struct cordon__plan *plan)
{
    static const char *const proxies[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                                          "GIT_HTTP_PROXY", "GIT_HTTPS_PROXY", NULL};
    static const char *const lower[] = {"http_proxy", "https_proxy", "all_proxy", NULL};
    int win = plan->os == CORDON__OS_WINDOWS;
    cordon_error e = CORDON_OK;
    char *ssh = NULL, *cmd = NULL;
    size_t i;

    for (i = 0; e == CORDON_OK && proxies[i]; i++)
        e = add_env(plan, proxies[i], DEAD_PROXY);
    /* Linux tools read the lower-case names too; Windows names are
     * case-insensitive, so there they are the same variables. */
    for (i = 0; e == CORDON_OK && !win && lower[i]; i++)
        e = add_env(plan, lower[i], DEAD_PROXY);
    if (e == CORDON_OK)
        e = add_env(plan, "NO_PROXY", "localhost,127.0.0.1,::1");
    if (e == CORDON_OK && !win)
        e = add_env(plan, "no_proxy", "localhost,127.0.0.1,::1");
    if (e == CORDON_OK)
        e = add_env(plan, "PIP_NO_INDEX", "1");
    /* Not npm's offline mode: it fails an install part-way on the first
     * package missing from the cache, and has left half-written
     * node_modules behind. npm rather uses what its cache has without
     * asking the registry, and fails at the first request it does make:
     * the closed proxy refuses it at once, but npm retries a refused
     * connection for about 70 s by default. */
    if (e == CORDON_OK)
        e = add_env(plan, "npm_config_prefer_offline", "true");
    if (e == CORDON_OK)
        e = add_env(plan, "npm_config_fetch_retries", "0");
    if (e == CORDON_OK)
        e = add_env(plan, "CARGO_NET_OFFLINE", "true");
    if (e == CORDON_OK)
        e = add_env(plan, "GIT_ALLOW_PROTOCOL", "file");
    if (e == CORDON_OK && plan->shim_dir) {
        ssh = cordon__path_join(plan->os, plan->shim_dir, win ? "ssh.exe" : "ssh");
        if (!ssh)
            return oom();
        if (win) {
            /* Git for Windows runs this through its sh: forward slashes. */
            for (i = 0; ssh[i]; i++)
                if (ssh[i] == '\\')
                    ssh[i] = '/';
            cmd = cordon__asprintf("\"%s\"", ssh);
        } else {
            cmd = cordon__asprintf("'%s'", ssh);
        }
        e = cmd ? add_env(plan, "GIT_SSH_COMMAND", cmd) : oom();
    }
    if (e == CORDON_OK)
        e = add_env(plan, "CORDON_NETWORK", "off");
    free(ssh);
    free(cmd);
    return e;
}

static cordon_error push_deny(struct cordon__plan *plan, const char *path,
                              enum cordon__path_kind kind, int alias)
{
    struct cordon__deny *d;
    size_t i;
    for (i = 0; i < plan->n_deny; i++)
        if (strcmp(plan->deny[i].path, path) == 0)
            return CORDON_OK;
    d = realloc(plan->deny, (plan->n_deny + 1) * sizeof *d);
    if (!d)
        return oom();
    plan->deny = d;
    d = &plan->deny[plan->n_deny];
    if ((d->path = cordon__strdup(path)) == NULL)
        return oom();
    d->kind = kind;
    d->alias = alias;
    plan->n_deny++;
    return CORDON_OK;
}

/* The policy's deny_read paths that exist here, canonical (a symlinked
 * ~/.ssh is hidden where it leads), and every other place the host shows
 * the same object (another mount of its filesystem). Missing ones are
 * skipped: nothing to read. */
static cordon_error add_deny_read(struct cordon__plan *plan, const cordon_policy *policy,
                                  const struct cordon__host *host)
{
    cordon_error e = CORDON_OK;
    size_t i, k;
    plan->n_deny_listed = policy->deny_read.n;
    for (i = 0; e == CORDON_OK && i < policy->deny_read.n; i++) {
        const char *as_written = policy->deny_read.v[i];
        char *full = cordon__path_expand_home(host->os, as_written, host->home);
        char *canon = NULL;
        struct cordon__strv alias = {0};
        enum cordon__path_kind kind;
        if (!full) {
            e = host->home ? oom()
                           : cordon__fail(CORDON_ERR_POLICY_INVALID,
                                          "deny_read path %s needs the home directory, which is "
                                          "not known here", as_written);
            break;
        }
        if (!cordon__path_is_absolute(host->os, full)) {
            e = cordon__fail(CORDON_ERR_POLICY_INVALID,
                             "deny_read path %s must be absolute or start with ~/", as_written);
            free(full);
            break;
        }
        if (host->lexical || !host->realpath || !host->path_kind) {
            char *norm = cordon__path_normalize(host->os, full);
            e = norm ? push_deny(plan, norm, CORDON__PATH_OTHER, 0) : oom();
            free(norm);
            free(full);
            continue;
        }
        /* Most of the list is missing on most machines: one lstat each,
         * no resolution. */
        if ((kind = host->path_kind(full)) == CORDON__PATH_MISSING ||
            host->realpath(full, &canon) != CORDON_OK ||
            (strcmp(canon, full) != 0 && (kind = host->path_kind(canon)) == CORDON__PATH_MISSING)) {
            free(canon);
            free(full);
            continue;
        }
        e = push_deny(plan, canon, kind, 0);
        if (e == CORDON_OK && host->aliases)
            e = host->aliases(canon, &alias);
        for (k = 0; e == CORDON_OK && k < alias.n; k++)
            e = push_deny(plan, alias.v[k], kind, 1);
        cordon__strv_free(&alias);
        free(canon);
        free(full);
    }
    return e;
}

cordon_error cordon__plan_compile(const cordon_policy *policy, const char *cwd,
                                  const struct cordon__host *host, struct cordon__plan *out)
{
    struct cordon__plan *plan = out;
    cordon_error e = CORDON_OK;
    size_t r, k;

    memset(plan, 0, sizeof *plan);
    if (!policy || !host || !cwd)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "plan needs a policy, a host and a cwd");
    plan->os = host->os;
    plan->lexical = host->lexical;
    plan->mode = policy->mode;
    plan->network = policy->network || policy->mode == CORDON_MODE_FULL_ACCESS;
    plan->timeout_s = policy->timeout_s;
    plan->private_tmp = policy->private_tmp && policy->mode != CORDON_MODE_FULL_ACCESS;

    if (host->realpath) {
        if ((e = host->realpath(cwd, &plan->cwd)) != CORDON_OK) {
            char detail[512];
            snprintf(detail, sizeof detail, "%s", cordon_last_error());
            e = cordon__fail(CORDON_ERR_PATH, "working directory %s cannot be resolved: %s", cwd,
                             detail);
            goto fail;
        }
    } else if ((plan->cwd = cordon__strdup(cwd)) == NULL) {
        e = oom();
        goto fail;
    }

    if (policy->mode == CORDON_MODE_WORKSPACE_WRITE) {
        for (r = 0; r < policy->writable_roots.n; r++) {
            if ((e = add_root(plan, policy, host, policy->writable_roots.v[r], 0)) != CORDON_OK)
                goto fail;
        }
        for (r = 0; r < policy->optional_roots.n; r++) {
            if ((e = add_root(plan, policy, host, policy->optional_roots.v[r], 1)) != CORDON_OK)
                goto fail;
        }
        if ((e = check_root_links(plan, host, cwd, policy)) != CORDON_OK)
            goto fail;
        for (r = 0; r < plan->roots.n; r++) {
            int git = 0;
            for (k = 0; k < policy->protected_paths.n; k++) {
                char *norm = cordon__path_normalize(host->os, policy->protected_paths.v[k]);
                int is_git = norm && strcmp(norm, ".git") == 0;
                if (!norm) {
                    e = oom();
                    goto fail;
                }
                git |= is_git;
                e = protect_in_root(plan, host, r, norm, is_git);
                free(norm);
                if (e != CORDON_OK)
                    goto fail;
            }
            if (git && host->os == CORDON__OS_LINUX && !host->lexical &&
                ((e = protect_submodules(plan, host, r)) != CORDON_OK ||
                 (e = protect_worktrees(plan, host, r)) != CORDON_OK))
                goto fail;
        }
        if ((e = add_cache_root(plan, policy, host)) != CORDON_OK ||
            (e = cache_env(plan)) != CORDON_OK)
            goto fail;
    }

    if (policy->mode != CORDON_MODE_FULL_ACCESS) {
        if ((e = add_deny_read(plan, policy, host)) != CORDON_OK ||
            (e = cordon__strv_copy(&plan->env_deny, &policy->env_deny)) != CORDON_OK)
            goto fail;
    }

    if (plan->private_tmp) {
        char *name = cordon__asprintf("cordon-run-%s", host->run_id ? host->run_id : "0");
        plan->tmp_dir = name && host->tmp_base ? cordon__path_join(host->os, host->tmp_base, name)
                                               : NULL;
        free(name);
        plan->tmp_env = cordon__strdup(plan->tmp_dir);
        if (!plan->tmp_dir || !plan->tmp_env) {
            e = oom();
            goto fail;
        }
    }

    for (k = 0; policy->mode != CORDON_MODE_FULL_ACCESS && k < policy->allow_unix_sockets.n; k++) {
        char *home = cordon__path_expand_home(host->os, policy->allow_unix_sockets.v[k], host->home);
        char *abs = NULL, *norm = NULL;
        if (!home) {
            e = host->home ? oom()
                           : cordon__fail(CORDON_ERR_POLICY_INVALID,
                                          "allow_unix_sockets path %s needs the home directory, "
                                          "which is not known here",
                                          policy->allow_unix_sockets.v[k]);
            goto fail;
        }
        abs = cordon__path_is_absolute(host->os, home) ? cordon__strdup(home)
                                                        : cordon__path_join(host->os, plan->cwd, home);
        norm = abs ? cordon__path_normalize(host->os, abs) : NULL;
        free(home);
        free(abs);
        if (!norm || (e = cordon__strv_push(&plan->unix_allow, norm)) != CORDON_OK) {
            free(norm);
            e = oom();
            goto fail;
        }
        free(norm);
    }

    if (!plan->network) {
        if (host->shim_dir) {
            if ((plan->shim_dir = cordon__strdup(host->shim_dir)) == NULL) {
                e = oom();
                goto fail;
            }
            for (k = 0; stub_names[k]; k++) {
                if ((e = cordon__strv_push(&plan->shims, stub_names[k])) != CORDON_OK)
                    goto fail;
            }
        }
        if ((e = network_off_env(plan)) != CORDON_OK)
            goto fail;
    }

    e = host->os == CORDON__OS_WINDOWS ? cordon__plan_windows_compile(plan, host)
                                       : cordon__plan_linux_compile(plan, host);
    if (e != CORDON_OK)
        goto fail;
    return CORDON_OK;
fail:
    cordon__plan_free(plan);
    return e;
}

void cordon__plan_free(struct cordon__plan *plan)
{
    size_t i;
    if (!plan)
        return;
    free(plan->cwd);
    cordon__strv_free(&plan->roots);
    cordon__strv_free(&plan->unix_allow);
    for (i = 0; i < plan->n_protect; i++)
        free(plan->protect[i].path);
    free(plan->protect);
    free(plan->tmp_dir);
    free(plan->tmp_env);
    free(plan->shim_dir);
    cordon__strv_free(&plan->shims);
    for (i = 0; i < plan->n_env; i++) {
        free(plan->env[i].name);
        free(plan->env[i].value);
    }
    free(plan->env);
    for (i = 0; i < plan->n_deny; i++)
        free(plan->deny[i].path);
    free(plan->deny);
    cordon__strv_free(&plan->env_deny);
    free(plan->cache_dir);
    cordon__strv_free(&plan->skipped_roots);
    for (i = 0; i < plan->n_env_suffix; i++) {
        free(plan->env_suffix[i].name);
        free(plan->env_suffix[i].value);
    }
    free(plan->env_suffix);
    cordon__plan_linux_free(&plan->linux_plan);
    cordon__plan_windows_free(&plan->windows_plan);
    memset(plan, 0, sizeof *plan);
}

static const char *mode_name(cordon_mode m)
{
    return m == CORDON_MODE_FULL_ACCESS       ? "full-access"
           : m == CORDON_MODE_WORKSPACE_WRITE ? "workspace-write"
                                              : "read-only";
}

static const char *kind_name(enum cordon__path_kind k)
{
    return k == CORDON__PATH_DIR     ? "dir"
           : k == CORDON__PATH_FILE  ? "file"
           : k == CORDON__PATH_OTHER ? "other"
           : k == CORDON__PATH_LINK  ? "link"
                                     : "missing";
}

void cordon__plan_json(const struct cordon__plan *plan, struct cordon__json *j)
{
    size_t i;
    cordon__json_begin_object(j);
    cordon__json_kstr(j, "os", cordon__os_name_of(plan->os));
    cordon__json_kstr(j, "mode", mode_name(plan->mode));
    cordon__json_kstr(j, "network", plan->network ? "on" : "off");
    cordon__json_kstr(j, "cwd", plan->cwd);
    cordon__json_kbool(j, "paths_checked", !plan->lexical);
    cordon__json_key(j, "writable_roots");
    cordon__json_strv(j, &plan->roots);
    cordon__json_key(j, "optional_roots_skipped");
    cordon__json_strv(j, &plan->skipped_roots);
    cordon__json_key(j, "cache");
    if (plan->cache_dir) {
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "dir", plan->cache_dir);
        cordon__json_kbool(j, "exists", !plan->cache_missing && !plan->lexical);
        cordon__json_end_object(j);
    } else {
        cordon__json_null(j);
    }
    cordon__json_key(j, "protected_paths");
    cordon__json_begin_array(j);
    for (i = 0; i < plan->n_protect; i++) {
        const struct cordon__protected *pp = &plan->protect[i];
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "path", pp->path);
        cordon__json_kstr(j, "root", plan->roots.v[pp->root]);
        cordon__json_kstr(j, "kind", kind_name(pp->kind));
        cordon__json_kbool(j, "gitdir_target", pp->is_gitdir_target);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_key(j, "deny_read");
    cordon__json_begin_array(j);
    for (i = 0; i < plan->n_deny; i++) {
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "path", plan->deny[i].path);
        cordon__json_kstr(j, "kind", kind_name(plan->deny[i].kind));
        cordon__json_kbool(j, "alias", plan->deny[i].alias);
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
    cordon__json_key(j, "env_deny");
    cordon__json_strv(j, &plan->env_deny);
    cordon__json_key(j, "private_tmp");
    if (plan->private_tmp) {
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "host_dir", plan->tmp_dir);
        cordon__json_kstr(j, "inside", plan->tmp_env);
        cordon__json_end_object(j);
    } else {
        cordon__json_bool(j, 0);
    }
    cordon__json_key(j, "allow_unix_sockets");
    cordon__json_strv(j, &plan->unix_allow);
    cordon__json_kint(j, "timeout_s", plan->timeout_s);
    cordon__json_kstr(j, "shim_dir", plan->shim_dir);
    cordon__json_key(j, "shims");
    cordon__json_strv(j, &plan->shims);
    cordon__json_key(j, "env");
    cordon__json_begin_object(j);
    for (i = 0; i < plan->n_env; i++)
        cordon__json_kstr(j, plan->env[i].name, plan->env[i].value);
    cordon__json_end_object(j);
    cordon__json_key(j, "env_appended");
    cordon__json_begin_object(j);
    for (i = 0; i < plan->n_env_suffix; i++)
        cordon__json_kstr(j, plan->env_suffix[i].name, plan->env_suffix[i].value);
    cordon__json_end_object(j);
    if (plan->explain_tier)
        cordon__json_kstr(j, "tier", plan->explain_tier == 2 ? "elevated" : "unelevated");
    if (plan->os == CORDON__OS_WINDOWS) {
        if (plan->explain_tier != 2) {
            cordon__json_key(j, "windows");
            cordon__plan_windows_json(&plan->windows_plan, j);
        }
        if (plan->explain_tier != 1) {
            cordon__json_key(j, "windows_elevated");
            cordon__win_elevated_plan_json(plan, j);
        }
    } else {
        cordon__json_key(j, "linux");
        cordon__plan_linux_json(&plan->linux_plan, j);
    }
    cordon__json_end_object(j);
}

void cordon__plan_text(const struct cordon__plan *plan, struct cordon__buf *b)
{
    size_t i;
    cordon__buf_printf(b, "plan for %s: mode %s, network %s\n", cordon__os_name_of(plan->os),
                       mode_name(plan->mode), plan->network ? "on" : "off");
    if (plan->lexical)
        cordon__buf_printf(b, "  (compiled on another OS: example paths, nothing on disk was checked)\n");
    cordon__buf_printf(b, "  working directory: %s\n", plan->cwd);
    if (plan->roots.n == 0)
        cordon__buf_puts(b, "  writable roots: none\n");
    for (i = 0; i < plan->roots.n; i++) {
        int cache = plan->cache_dir && strcmp(plan->roots.v[i], plan->cache_dir) == 0;
        cordon__buf_printf(b, "  writable root: %s%s\n", plan->roots.v[i],
                           !cache                ? ""
                           : plan->cache_missing ? " (tool cache; created at the first run)"
                                                 : " (tool cache)");
    }
    for (i = 0; i < plan->skipped_roots.n; i++)
        cordon__buf_printf(b, "  optional writable root skipped (it does not exist here): %s\n",
                           plan->skipped_roots.v[i]);
    for (i = 0; i < plan->n_protect; i++)
        cordon__buf_printf(b, "  read-only (protected): %s (%s%s)\n", plan->protect[i].path,
                           kind_name(plan->protect[i].kind),
                           plan->protect[i].is_gitdir_target ? ", gitdir target" : "");
    for (i = 0; i < plan->n_deny; i++)
        cordon__buf_printf(b, "  not readable (deny_read): %s%s\n", plan->deny[i].path,
                           plan->deny[i].alias ? " (the same files, mounted again)" : "");
    for (i = 0; i < plan->env_deny.n; i++)
        cordon__buf_printf(b, "  environment variables removed: %s\n", plan->env_deny.v[i]);
    if (plan->private_tmp)
        cordon__buf_printf(b, "  private temp directory: %s (TMPDIR=%s)\n", plan->tmp_dir,
                           plan->tmp_env);
    for (i = 0; i < plan->unix_allow.n; i++)
        cordon__buf_printf(b, "  unix socket allowed: %s\n", plan->unix_allow.v[i]);
    if (plan->timeout_s)
        cordon__buf_printf(b, "  timeout: %u s\n", plan->timeout_s);
    if (plan->shim_dir)
        cordon__buf_printf(b, "  network stubs (ssh, scp) first on PATH from: %s\n", plan->shim_dir);
    for (i = 0; i < plan->n_env; i++)
        cordon__buf_printf(b, "  environment: %s=%s\n", plan->env[i].name, plan->env[i].value);
    for (i = 0; i < plan->n_env_suffix; i++)
        cordon__buf_printf(b, "  environment: %s=<the caller's> %s\n", plan->env_suffix[i].name,
                           plan->env_suffix[i].value);
}

/* Whether the name of |entry|, its first |len| bytes, is |name|. */
static int name_is_n(enum cordon__os os, const char *entry, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (len != n)
        return 0;
    if (os == CORDON__OS_WINDOWS) {
        size_t i;
        for (i = 0; i < n; i++) {
            char a = entry[i], c = name[i];
            if (a >= 'a' && a <= 'z')
                a = (char)(a - 32);
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            if (a != c)
                return 0;
        }
        return 1;
    }
    return memcmp(entry, name, n) == 0;
}

static int name_is(enum cordon__os os, const char *entry, const char *name)
{
    const char *eq = strchr(entry, '=');
    /* Windows keeps hidden "=C:=C:\dir" entries: their name starts with '='. */
    if (eq == entry && entry[0] == '=')
        eq = strchr(entry + 1, '=');
    return eq && name_is_n(os, entry, (size_t)(eq - entry), name);
}

static const char *find_var(enum cordon__os os, const char *const *env, const char *name)
{
    size_t i;
    for (i = 0; env && env[i]; i++) {
        if (name_is(os, env[i], name))
            return strchr(env[i] + (env[i][0] == '=' ? 1 : 0), '=') + 1;
    }
    return NULL;
}

cordon_error cordon__plan_environment(const struct cordon__plan *plan, const char *const *base,
                                      struct cordon__strv *out)
{
    /* The variables the plan sets, in order: names and values point into
     * the plan, except the values made here (owned). */
    struct set_var {
        const char *name, *value;
        char *owned;
    } *set = NULL;
    size_t n_set = 0;
    enum cordon__os os = plan->os;
    const char *path_name = os == CORDON__OS_WINDOWS ? "Path" : "PATH";
    cordon_error e = CORDON_OK;
    size_t i, k, cap = plan->n_env + 3 + plan->n_env_suffix + 1;

    memset(out, 0, sizeof *out);
    if ((set = calloc(cap, sizeof *set)) == NULL)
        return oom();
    for (i = 0; i < plan->n_env; i++) {
        set[n_set].name = plan->env[i].name;
        set[n_set++].value = plan->env[i].value;
    }
    if (plan->private_tmp) {
        static const char *const tmp_vars[] = {"TMPDIR", "TMP", "TEMP", NULL};
        for (i = 0; tmp_vars[i]; i++) {
            set[n_set].name = tmp_vars[i];
            set[n_set++].value = plan->tmp_env;
        }
    }
    for (i = 0; e == CORDON_OK && i < plan->n_env_suffix; i++) {
        const char *old = find_var(os, base, plan->env_suffix[i].name);
        set[n_set].name = plan->env_suffix[i].name;
        if (old && *old) {
            if ((set[n_set].owned = cordon__asprintf("%s %s", old, plan->env_suffix[i].value)) ==
                NULL)
                e = oom();
            set[n_set].value = set[n_set].owned;
        } else {
            set[n_set].value = plan->env_suffix[i].value;
        }
        n_set++;
    }
    if (e == CORDON_OK && plan->shim_dir) {
        const char *old = find_var(os, base, path_name);
        char list_sep = os == CORDON__OS_WINDOWS ? ';' : ':';
        set[n_set].name = path_name;
        if (old && *old) {
            if ((set[n_set].owned = cordon__asprintf("%s%c%s", plan->shim_dir, list_sep, old)) ==
                NULL)
                e = oom();
            set[n_set].value = set[n_set].owned;
        } else {
            set[n_set].value = plan->shim_dir;
        }
        n_set++;
    }
    /* The caller's variables that are neither overridden nor denied, in
     * their order. Each entry's name is found once (not once per name and
     * pattern compared: about 2,000 comparisons and 300 copies a run). */
    for (i = 0; e == CORDON_OK && base && base[i]; i++) {
        const char *entry = base[i];
        /* Windows keeps hidden "=C:=C:\dir" entries: their name starts with '='. */
        const char *eq = strchr(entry + (entry[0] == '=' ? 1 : 0), '=');
        size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
        char small[128], *name = small;
        int drop = 0;
        for (k = 0; eq && k < n_set && !drop; k++)
            drop = name_is_n(os, entry, n, set[k].name);
        if (!drop && plan->env_deny.n) {
            if (n >= sizeof small && (name = malloc(n + 1)) == NULL) {
                drop = 1; /* out of memory: drop rather than pass a secret on */
            } else {
                memcpy(name, entry, n);
                name[n] = '\0';
                for (k = 0; k < plan->env_deny.n && !drop; k++)
                    drop = cordon__glob_match(plan->env_deny.v[k], name, os == CORDON__OS_WINDOWS);
                if (name != small)
                    free(name);
            }
        }
        if (!drop)
            e = cordon__strv_push(out, entry);
    }
    for (k = 0; e == CORDON_OK && k < n_set; k++) {
        size_t ln = strlen(set[k].name), lv = strlen(set[k].value);
        char *kv = malloc(ln + 1 + lv + 1);
        if (kv) {
            memcpy(kv, set[k].name, ln);
            kv[ln] = '=';
            memcpy(kv + ln + 1, set[k].value, lv + 1);
        }
        e = cordon__strv_push_owned(out, kv);
    }
    for (k = 0; k < n_set; k++)
        free(set[k].owned);
    free(set);
    if (e != CORDON_OK)
        cordon__strv_free(out);
    return e;
}
