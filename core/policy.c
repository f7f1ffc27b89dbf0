/* The policy model: defaults, the file schema, setters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_TIMEOUT_S (7u * 24 * 3600)

static const char *const default_protected[] = {".git", ".cordon", ".codex", ".agents", NULL};
/* Credential stores of the usual tools (docs/policy.md). */
static const char *const default_deny_read[] = {
    "~/.ssh",          "~/.gnupg",        "~/.aws",        "~/.azure",
    "~/.config/gcloud", "~/.kube",        "~/.docker/config.json",
    "~/.netrc",        "~/.git-credentials", "~/.npmrc",   "~/.pypirc",
    "~/.cargo/credentials.toml", NULL};
/* Variable names that usually carry a credential (docs/policy.md). */
static const char *const default_env_deny[] = {
    "*TOKEN*", "*SECRET*", "*PASSWORD*", "*_KEY", "*API_KEY*", "AWS_*", "AZURE_*",
    "GOOGLE_APPLICATION_CREDENTIALS", NULL};

static cordon_error push_all(struct cordon__strv *sv, const char *const *v)
{
    size_t i;
    for (i = 0; v[i]; i++)
        if (cordon__strv_push(sv, v[i]) != CORDON_OK)
            return CORDON_ERR_NO_MEMORY;
    return CORDON_OK;
}

static cordon_error alloc_policy(cordon_policy **out)
{
    cordon_policy *p;
    if (!out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "policy output pointer is NULL");
    *out = NULL;
    p = cordon__xcalloc(1, sizeof *p);
    if (!p)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    p->mode = CORDON_MODE_READ_ONLY;
    p->private_tmp = 1;
    p->cache = 1;
    if (push_all(&p->protected_paths, default_protected) != CORDON_OK ||
        push_all(&p->deny_read, default_deny_read) != CORDON_OK ||
        push_all(&p->env_deny, default_env_deny) != CORDON_OK) {
        cordon_policy_free(p);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    *out = p;
    return CORDON_OK;
}

cordon_error cordon_policy_new(cordon_policy **out)
{
    return alloc_policy(out);
}

void cordon_policy_free(cordon_policy *p)
{
    if (!p)
        return;
    cordon__strv_free(&p->writable_roots);
    cordon__strv_free(&p->protected_paths);
    cordon__strv_free(&p->deny_read);
    cordon__strv_free(&p->env_deny);
    cordon__strv_free(&p->optional_roots);
    cordon__strv_free(&p->allow_unix_sockets);
    free(p);
}

static cordon_error check_protected(const char *rel)
{
    if (!cordon__path_is_safe_relative(CORDON__OS_LINUX, rel) ||
        !cordon__path_is_safe_relative(CORDON__OS_WINDOWS, rel))
        return cordon__fail(CORDON_ERR_POLICY_INVALID,
                            "protected path '%s' must be relative to the writable root, without '..'",
                            rel ? rel : "");
    return CORDON_OK;
}

/* Applies one parsed entry to |p|, or says exactly what is wrong with it. */
static cordon_error apply_entry(cordon_policy *p, const struct cordon__toml_entry *e,
                                const char *origin)
{
    enum cordon__toml_type want;
    const char *k = e->key;
    size_t i;

    if (strcmp(k, "mode") == 0 || strcmp(k, "network") == 0 || strcmp(k, "description") == 0 ||
        strcmp(k, "cache") == 0)
        want = CORDON__TOML_STRING;
    else if (strcmp(k, "writable_roots") == 0 || strcmp(k, "optional_writable_roots") == 0 ||
             strcmp(k, "protected_paths") == 0 ||
             strcmp(k, "deny_read") == 0 || strcmp(k, "env_deny") == 0 ||
             strcmp(k, "allow_unix_sockets") == 0)
        want = CORDON__TOML_STRING_ARRAY;
    else if (strcmp(k, "private_tmp") == 0)
        want = CORDON__TOML_BOOL;
    else if (strcmp(k, "limits.timeout_s") == 0)
        want = CORDON__TOML_INT;
    else
        return cordon__fail(CORDON_ERR_POLICY_INVALID, "%s:%d:%d: unknown key '%s'", origin,
                            e->line, e->col, k);
    if (e->type != want) {
        static const char *const names[] = {"a string", "a boolean", "an integer",
                                            "an array of strings"};
        return cordon__fail(CORDON_ERR_POLICY_INVALID, "%s:%d:%d: '%s' must be %s", origin,
                            e->line, e->col, k, names[want]);
    }
    if (strcmp(k, "mode") == 0) {
        if (strcmp(e->str, "read-only") == 0)
            p->mode = CORDON_MODE_READ_ONLY;
        else if (strcmp(e->str, "workspace-write") == 0)
            p->mode = CORDON_MODE_WORKSPACE_WRITE;
        else if (strcmp(e->str, "full-access") == 0)
            p->mode = CORDON_MODE_FULL_ACCESS;
        else
            return cordon__fail(CORDON_ERR_POLICY_INVALID,
                                "%s:%d:%d: mode must be \"read-only\", \"workspace-write\" or "
                                "\"full-access\", not \"%s\"",
                                origin, e->line, e->col, e->str);
    } else if (strcmp(k, "network") == 0) {
        if (strcmp(e->str, "off") == 0)
            p->network = 0;
        else if (strcmp(e->str, "on") == 0)
            p->network = 1;
        else
            return cordon__fail(CORDON_ERR_POLICY_INVALID,
                                "%s:%d:%d: network must be \"off\" or \"on\", not \"%s\"", origin,
                                e->line, e->col, e->str);
    } else if (strcmp(k, "cache") == 0) {
        if (strcmp(e->str, "sandbox") == 0)
            p->cache = 1;
        else if (strcmp(e->str, "none") == 0)
            p->cache = 0;
        else
            return cordon__fail(CORDON_ERR_POLICY_INVALID,
                                "%s:%d:%d: cache must be \"sandbox\" or \"none\", not \"%s\"",
                                origin, e->line, e->col, e->str);
    } else if (strcmp(k, "writable_roots") == 0 || strcmp(k, "optional_writable_roots") == 0) {
        struct cordon__strv *sv = k[0] == 'w' ? &p->writable_roots : &p->optional_roots;
        cordon__strv_free(sv);
        for (i = 0; i < e->arr.n; i++) {
            if (!e->arr.v[i][0])
                return cordon__fail(CORDON_ERR_POLICY_INVALID, "%s:%d:%d: %s holds an empty path",
                                    origin, e->line, e->col, k);
            if (cordon__strv_push(sv, e->arr.v[i]) != CORDON_OK)
                return CORDON_ERR_NO_MEMORY;
        }
    } else if (strcmp(k, "protected_paths") == 0) {
        cordon__strv_free(&p->protected_paths);
        for (i = 0; i < e->arr.n; i++) {
            if (check_protected(e->arr.v[i]) != CORDON_OK)
                return cordon__fail(CORDON_ERR_POLICY_INVALID,
                                    "%s:%d:%d: protected path '%s' must be relative to the "
                                    "writable root, without '..'",
                                    origin, e->line, e->col, e->arr.v[i]);
            if (cordon__strv_push(&p->protected_paths, e->arr.v[i]) != CORDON_OK)
                return CORDON_ERR_NO_MEMORY;
        }
    } else if (strcmp(k, "deny_read") == 0 || strcmp(k, "env_deny") == 0) {
        int deny = k[0] == 'd';
        struct cordon__strv *sv = deny ? &p->deny_read : &p->env_deny;
        cordon__strv_free(sv);
        for (i = 0; i < e->arr.n; i++) {
            if (!e->arr.v[i][0])
                return cordon__fail(CORDON_ERR_POLICY_INVALID, "%s:%d:%d: %s holds an empty %s",
                                    origin, e->line, e->col, k, deny ? "path" : "pattern");
            if (cordon__strv_push(sv, e->arr.v[i]) != CORDON_OK)
                return CORDON_ERR_NO_MEMORY;
        }
    } else if (strcmp(k, "allow_unix_sockets") == 0) {
        cordon__strv_free(&p->allow_unix_sockets);
        for (i = 0; i < e->arr.n; i++) {
            if (!e->arr.v[i][0])
                return cordon__fail(CORDON_ERR_POLICY_INVALID,
                                    "%s:%d:%d: allow_unix_sockets holds an empty path", origin,
                                    e->line, e->col);
            if (cordon__strv_push(&p->allow_unix_sockets, e->arr.v[i]) != CORDON_OK)
                return CORDON_ERR_NO_MEMORY;
        }
    } else if (strcmp(k, "private_tmp") == 0) {
        p->private_tmp = e->num != 0;
    } else if (strcmp(k, "limits.timeout_s") == 0) {
        if (e->num < 0 || e->num > (long long)MAX_TIMEOUT_S)
            return cordon__fail(CORDON_ERR_POLICY_INVALID,
                                "%s:%d:%d: limits.timeout_s must be between 0 and %u", origin,
                                e->line, e->col, MAX_TIMEOUT_S);
        p->timeout_s = (unsigned)e->num;
    }
    return CORDON_OK;
}

cordon_error cordon_policy_parse(const char *text, size_t len, const char *origin,
                                 cordon_policy **out)
{
    struct cordon__toml_doc doc;
    cordon_policy *p = NULL;
    cordon_error e;
    size_t i;

    if (!text && len)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "policy text is NULL");
    if (!origin)
        origin = "<policy>";
    if ((e = alloc_policy(&p)) != CORDON_OK)
        return e;
    /* A file's defaults: the workspace (".") is the writable root once the
     * mode allows writing; everything else as cordon_policy_new(). */
    if ((e = cordon__strv_push(&p->writable_roots, ".")) != CORDON_OK)
        goto fail;
    if ((e = cordon__toml_parse(text ? text : "", len, origin, &doc)) != CORDON_OK)
        goto fail;
    for (i = 0; i < doc.tables.n; i++) {
        if (strcmp(doc.tables.v[i], "limits") != 0) {
            e = cordon__fail(CORDON_ERR_POLICY_INVALID, "%s:%d:1: unknown table [%s]", origin,
                             doc.table_line[i], doc.tables.v[i]);
            break;
        }
    }
    for (i = 0; e == CORDON_OK && i < doc.n; i++)
        e = apply_entry(p, &doc.e[i], origin);
    cordon__toml_free(&doc);
    if (e != CORDON_OK)
        goto fail;
    *out = p;
    return CORDON_OK;
fail:
    cordon_policy_free(p);
    return e;
}

cordon_error cordon_policy_builtin(const char *name, cordon_policy **out)
{
    size_t i;
    struct cordon__buf names = {0};
    for (i = 0; name && cordon__builtin_policy_names[i]; i++) {
        if (strcmp(name, cordon__builtin_policy_names[i]) == 0) {
            const char *t = cordon__builtin_policy_texts[i];
            return cordon_policy_parse(t, strlen(t), name, out);
        }
    }
    for (i = 0; cordon__builtin_policy_names[i]; i++)
        cordon__buf_printf(&names, "%s%s", i ? ", " : "", cordon__builtin_policy_names[i]);
    cordon__fail(CORDON_ERR_POLICY_INVALID, "unknown policy '%s' (built-in policies: %s)",
                 name ? name : "", names.p ? names.p : "");
    cordon__buf_free(&names);
    return CORDON_ERR_POLICY_INVALID;
}

cordon_error cordon_policy_load_file(const char *path, cordon_policy **out)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t n;
    cordon_error e;

    if (!path)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "policy file path is NULL");
    f = fopen(path, "rb");
    if (!f)
        return cordon__fail(CORDON_ERR_IO, "cannot open policy file %s", path);
    buf = malloc(CORDON__POLICY_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    n = fread(buf, 1, CORDON__POLICY_MAX_BYTES + 1, f);
    if (ferror(f)) {
        e = cordon__fail(CORDON_ERR_IO, "cannot read policy file %s", path);
    } else if (n > CORDON__POLICY_MAX_BYTES) {
        e = cordon__fail(CORDON_ERR_POLICY_SYNTAX,
                         "%s:1:1: policy file is larger than the limit of %d bytes", path,
                         CORDON__POLICY_MAX_BYTES);
    } else {
        e = cordon_policy_parse(buf, n, path, out);
    }
    fclose(f);
    free(buf);
    return e;
}

#define NEED_POLICY(p)                                                              \
    do {                                                                            \
        if (!(p))                                                                   \
            return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "policy is NULL");     \
    } while (0)

cordon_error cordon_policy_set_mode(cordon_policy *p, cordon_mode mode)
{
    NEED_POLICY(p);
    if ((unsigned)mode > CORDON_MODE_FULL_ACCESS)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "unknown mode %d", (int)mode);
    p->mode = mode;
    return CORDON_OK;
}

cordon_error cordon_policy_set_network(cordon_policy *p, int enabled)
{
    NEED_POLICY(p);
    p->network = enabled != 0;
    return CORDON_OK;
}

cordon_error cordon_policy_clear_writable_roots(cordon_policy *p)
{
    NEED_POLICY(p);
    cordon__strv_free(&p->writable_roots);
    return CORDON_OK;
}

cordon_error cordon_policy_add_writable_root(cordon_policy *p, const char *path)
{
    NEED_POLICY(p);
    if (!path || !*path)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "writable root is empty");
    return cordon__strv_push(&p->writable_roots, path);
}

cordon_error cordon_policy_clear_protected_paths(cordon_policy *p)
{
    NEED_POLICY(p);
    cordon__strv_free(&p->protected_paths);
    return CORDON_OK;
}

cordon_error cordon_policy_add_protected_path(cordon_policy *p, const char *relpath)
{
    cordon_error e;
    NEED_POLICY(p);
    if ((e = check_protected(relpath)) != CORDON_OK)
        return e;
    return cordon__strv_push(&p->protected_paths, relpath);
}

cordon_error cordon_policy_allow_unix_socket(cordon_policy *p, const char *path)
{
    NEED_POLICY(p);
    if (!path || !*path)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "unix socket path is empty");
    return cordon__strv_push(&p->allow_unix_sockets, path);
}

cordon_error cordon_policy_set_private_tmp(cordon_policy *p, int enabled)
{
    NEED_POLICY(p);
    p->private_tmp = enabled != 0;
    return CORDON_OK;
}

cordon_error cordon_policy_set_timeout(cordon_policy *p, unsigned seconds)
{
    NEED_POLICY(p);
    if (seconds > MAX_TIMEOUT_S)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "timeout %u s is above the limit of %u s",
                            seconds, MAX_TIMEOUT_S);
    p->timeout_s = seconds;
    return CORDON_OK;
}

cordon_error cordon_policy_set_force_roots(cordon_policy *p, int force)
{
    NEED_POLICY(p);
    p->force_roots = force != 0;
    return CORDON_OK;
}

cordon_error cordon_policy_clear_deny_read(cordon_policy *p)
{
    NEED_POLICY(p);
    cordon__strv_free(&p->deny_read);
    return CORDON_OK;
}

cordon_error cordon_policy_add_deny_read(cordon_policy *p, const char *path)
{
    NEED_POLICY(p);
    if (!path || !*path)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "deny_read path is empty");
    return cordon__strv_push(&p->deny_read, path);
}

cordon_error cordon_policy_clear_env_deny(cordon_policy *p)
{
    NEED_POLICY(p);
    cordon__strv_free(&p->env_deny);
    return CORDON_OK;
}

cordon_error cordon_policy_add_env_deny(cordon_policy *p, const char *pattern)
{
    NEED_POLICY(p);
    if (!pattern || !*pattern)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "env_deny pattern is empty");
    return cordon__strv_push(&p->env_deny, pattern);
}

cordon_error cordon_policy_set_cache(cordon_policy *p, int enabled)
{
    NEED_POLICY(p);
    p->cache = enabled != 0;
    return CORDON_OK;
}

cordon_error cordon_policy_add_optional_writable_root(cordon_policy *p, const char *path)
{
    NEED_POLICY(p);
    if (!path || !*path)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "optional writable root is empty");
    return cordon__strv_push(&p->optional_roots, path);
}

cordon_error cordon_policy_clear_optional_writable_roots(cordon_policy *p)
{
    NEED_POLICY(p);
    cordon__strv_free(&p->optional_roots);
    return CORDON_OK;
}

cordon_mode cordon_policy_mode(const cordon_policy *p)
{
    return p ? p->mode : CORDON_MODE_READ_ONLY;
}

int cordon_policy_network(const cordon_policy *p)
{
    return p ? p->network : 0;
}

unsigned cordon_policy_timeout(const cordon_policy *p)
{
    return p ? p->timeout_s : 0;
}
