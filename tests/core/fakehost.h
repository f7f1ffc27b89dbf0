/* A fake host for plan tests: a small table of paths, kinds and file
 * contents for either OS, plus one symlink. */
#ifndef CORDON_TEST_FAKEHOST_H
#define CORDON_TEST_FAKEHOST_H

#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct fake_entry {
    const char *path;
    enum cordon__path_kind kind;
    const char *text;
};

static const struct fake_entry *fake_fs;
static enum cordon__os fake_os;
static const char *fake_link_from, *fake_link_to;

static const struct fake_entry *fake_find(const char *p)
{
    size_t i;
    for (i = 0; fake_fs && fake_fs[i].path; i++) {
        if ((fake_os == CORDON__OS_WINDOWS && cordon__streq_nocase(fake_fs[i].path, p)) ||
            strcmp(fake_fs[i].path, p) == 0)
            return &fake_fs[i];
    }
    return NULL;
}

static cordon_error fake_realpath(const char *path, char **out)
{
    char *n = cordon__path_normalize(fake_os, path);
    const struct fake_entry *e;
    if (fake_link_from && n && strcmp(n, fake_link_from) == 0) {
        free(n);
        n = cordon__strdup(fake_link_to);
    }
    e = n ? fake_find(n) : NULL;
    if (!e) {
        free(n);
        return cordon__fail_os(CORDON_ERR_PATH, path, "realpath", "errno", 2, "No such file or directory");
    }
    free(n);
    *out = cordon__strdup(e->path);
    return CORDON_OK;
}

static enum cordon__path_kind fake_kind(const char *path)
{
    const struct fake_entry *e = fake_find(path);
    if (!e && fake_link_from && strcmp(path, fake_link_from) == 0)
        return CORDON__PATH_LINK; /* what lstat says of the one symlink */
    return e ? e->kind : CORDON__PATH_MISSING;
}

static cordon_error fake_read(const char *path, size_t max, char **out)
{
    const struct fake_entry *e = fake_find(path);
    (void)max;
    if (!e || !e->text)
        return cordon__fail(CORDON_ERR_IO, "cannot read %s", path);
    *out = cordon__strdup(e->text);
    return CORDON_OK;
}

/* Entries of kind CORDON__PATH_LINK say their target in |text|. */
static cordon_error fake_read_link(const char *path, char **out)
{
    const struct fake_entry *e = fake_find(path);
    if (!e || e->kind != CORDON__PATH_LINK)
        return cordon__fail(CORDON_ERR_PATH, "%s is not a link", path);
    *out = cordon__strdup(e->text);
    return CORDON_OK;
}

static cordon_error fake_list_dir(const char *path, struct cordon__strv *out)
{
    size_t i, n = strlen(path);
    for (i = 0; fake_fs && fake_fs[i].path; i++) {
        const char *p = fake_fs[i].path;
        if (strncmp(p, path, n) == 0 && p[n] == '/' && p[n + 1] && !strchr(p + n + 1, '/'))
            if (cordon__strv_push(out, p + n + 1) != CORDON_OK)
                return CORDON_ERR_NO_MEMORY;
    }
    return CORDON_OK;
}

/* The roots a fake earlier run granted (NULL-terminated), or NULL. */
static const char *const *fake_granted;

static cordon_error fake_granted_roots(struct cordon__strv *out)
{
    size_t i;
    memset(out, 0, sizeof *out);
    for (i = 0; fake_granted && fake_granted[i]; i++)
        if (cordon__strv_push(out, fake_granted[i]) != CORDON_OK)
            return CORDON_ERR_NO_MEMORY;
    return CORDON_OK;
}

static void fake_host(enum cordon__os os, const struct fake_entry *fs, struct cordon__host *h)
{
    static const char *const lsys[] = {"/", "/usr", "/etc", NULL};
    static const char *const wsys[] = {"C:\\", "C:\\Windows", "C:\\Program Files", NULL};
    static const unsigned char secret[32] = {1, 2, 3, 4, 5, 6, 7, 8};
    fake_os = os;
    fake_fs = fs;
    memset(h, 0, sizeof *h);
    h->os = os;
    h->home = os == CORDON__OS_WINDOWS ? "C:\\Users\\ann" : "/home/ann";
    h->system_dirs = os == CORDON__OS_WINDOWS ? wsys : lsys;
    h->tmp_base = os == CORDON__OS_WINDOWS ? "C:\\Users\\ann\\AppData\\Local\\Temp" : "/tmp";
    h->shim_dir = os == CORDON__OS_WINDOWS ? "C:\\Users\\ann\\AppData\\Local\\cordon\\shims"
                                           : "/opt/cordon/shims";
    h->run_id = "42-abc";
    h->cache_dir = os == CORDON__OS_WINDOWS ? "C:\\Users\\ann\\AppData\\Local\\cordon\\tools"
                                            : "/home/ann/.cache/cordon/tools";
    h->user_sid = "S-1-5-21-1-2-3-1001";
    h->user_secret = secret;
    h->user_secret_len = sizeof secret;
    h->realpath = fake_realpath;
    h->path_kind = fake_kind;
    h->read_text = fake_read;
    h->read_link = fake_read_link;
    h->list_dir = fake_list_dir;
    h->granted_roots = fake_granted_roots;
}

#endif
