/* The elevated tier's grants (backends/linux/acl.c) as `cordon grants`
 * sees them: each user records the roots it granted to the sandbox users
 * in $XDG_STATE_HOME/cordon/elevated-grants (default
 * ~/.local/state/cordon/elevated-grants), "<offline uid> <online uid>
 * <root>" a line, so that list and revoke, and cordon-setup uninstall
 * (which runs revoke as each allowed user), find them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elevated_linux.h"

struct rec {
    uid_t sandbox[2];
    int search_only; /* "x <dir>": search entries on that directory alone */
    char *root;
};

static char *record_path(void)
{
    const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
    struct cordon__pw pw;
    if (x && x[0] == '/')
        return cordon__asprintf("%s/cordon/elevated-grants", x);
    if (h && h[0] == '/')
        return cordon__asprintf("%s/.local/state/cordon/elevated-grants", h);
    if (cordon__pw_by_uid(getuid(), &pw) == 1)
        return cordon__asprintf("%s/.local/state/cordon/elevated-grants", pw.home);
    return NULL;
}

/* Reads the record; a missing one is empty. */
static cordon_error read_record(const char *path, struct rec **out, size_t *n)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    char line[4200];
    *out = NULL;
    *n = 0;
    if (!f) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return err == ENOENT ? CORDON_OK : cordon__sys_fail(path, "open", err);
    }
    while (fgets(line, sizeof line, f)) {
        unsigned a, b;
        int off = 0;
        struct rec *v;
        line[strcspn(line, "\n")] = '\0';
        int x = 0;
        if (sscanf(line, "%u %u %n", &a, &b, &off) != 2 || off <= 0)
            continue;
        if (line[off] == 'x' && line[off + 1] == ' ') {
            x = 1;
            off += 2;
        }
        if (line[off] != '/')
            continue;
        v = realloc(*out, (*n + 1) * sizeof **out);
        if (!v)
            break;
        *out = v;
        v[*n].sandbox[0] = a;
        v[*n].sandbox[1] = b;
        v[*n].search_only = x;
        v[*n].root = cordon__strdup(line + off);
        if (v[*n].root)
            (*n)++;
    }
    fclose(f);
    return CORDON_OK;
}

static void free_record(struct rec *r, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(r[i].root);
    free(r);
}

static cordon_error write_record(const char *path, const struct rec *r, size_t n)
{
    char *tmp;
    FILE *f;
    size_t i;
    int fd;
    cordon_error e = CORDON_OK;
    if (n == 0) {
        if (unlink(path) != 0 && errno != ENOENT)
            return cordon__sys_fail(path, "unlink", errno);
        return CORDON_OK;
    }
    if (!(tmp = cordon__asprintf("%s.tmp", path)))
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        e = cordon__sys_fail(tmp, "open", errno);
        if (fd >= 0)
            close(fd);
        free(tmp);
        return e;
    }
    for (i = 0; i < n; i++)
        fprintf(f, "%u %u %s%s\n", (unsigned)r[i].sandbox[0], (unsigned)r[i].sandbox[1],
                r[i].search_only ? "x " : "", r[i].root);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        e = cordon__sys_fail(path, "write", errno);
    free(tmp);
    return e;
}

static int make_parent_dirs(const char *path)
{
    char buf[4096];
    char *p;
    snprintf(buf, sizeof buf, "%s", path);
    for (p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    return 0;
}

cordon_error cordon__grants_record_add(const char *root, const uid_t sandbox[2], int search_only)
{
    char *path = record_path();
    struct rec *r = NULL, *v;
    size_t n = 0, i;
    cordon_error e;
    int err;
    if (!path)
        return cordon__fail(CORDON_ERR_PATH, "cannot find your home directory to record a grant");
    if ((e = read_record(path, &r, &n)) != CORDON_OK)
        goto done;
    for (i = 0; i < n; i++)
        if (strcmp(r[i].root, root) == 0 && r[i].sandbox[0] == sandbox[0] &&
            r[i].sandbox[1] == sandbox[1] && r[i].search_only == search_only)
            goto done;
    if ((err = make_parent_dirs(path)) != 0) {
        e = cordon__sys_fail(path, "mkdir", err);
        goto done;
    }
    v = realloc(r, (n + 1) * sizeof *r);
    if (!v) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    r = v;
    if (!(r[n].root = cordon__strdup(root))) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    r[n].sandbox[0] = sandbox[0];
    r[n].sandbox[1] = sandbox[1];
    r[n].search_only = search_only;
    n++;
    e = write_record(path, r, n);
done:
    free_record(r, n);
    free(path);
    return e;
}

cordon_error cordon__elevated_grants_list(struct cordon__json *j)
{
    char *path = record_path();
    struct rec *r = NULL;
    size_t n = 0, i;
    cordon_error e = path ? read_record(path, &r, &n) : CORDON_OK;
    for (i = 0; e == CORDON_OK && i < n; i++) {
        char who[64];
        snprintf(who, sizeof who, "uid %u, uid %u", (unsigned)r[i].sandbox[0],
                 (unsigned)r[i].sandbox[1]);
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "path", r[i].root);
        cordon__json_kstr(j, "sid", who);
        cordon__json_kstr(j, "kind", r[i].search_only
                                         ? "posix-acl: search (x) for the elevated sandbox users"
                                         : "posix-acl: rwx and default rwx for the elevated "
                                           "sandbox users");
        cordon__json_end_object(j);
    }
    free_record(r, n);
    free(path);
    return e;
}

cordon_error cordon__elevated_grants_revoke(const char *root)
{
    char *path = record_path(), *want = NULL;
    struct rec *r = NULL;
    size_t n = 0, i, kept = 0;
    cordon_error e = CORDON_OK;

    if (!path)
        return CORDON_OK; /* no home: nothing recorded */
    if (root && !(want = realpath(root, NULL)))
        want = cordon__strdup(root);
    if ((e = read_record(path, &r, &n)) != CORDON_OK)
        goto done;
    for (i = 0; i < n; i++) {
        if (!want || strcmp(want, r[i].root) == 0) {
            struct stat st;
            cordon_error one = CORDON_OK;
            /* A root that is gone has nothing left to revoke. */
            if (lstat(r[i].root, &st) == 0)
                one = r[i].search_only
                          ? cordon__acl_search(r[i].root, r[i].sandbox, getuid(), 0)
                          : cordon__acl_tree(r[i].root, r[i].sandbox, getuid(), 0, NULL, NULL);
            if (one == CORDON_OK) {
                free(r[i].root);
                continue;
            }
            if (e == CORDON_OK)
                e = one;
        }
        r[kept++] = r[i];
    }
    n = kept;
    {
        cordon_error w = write_record(path, r, n);
        if (e == CORDON_OK)
            e = w;
    }
done:
    free_record(r, n);
    free(path);
    free(want);
    return e;
}
