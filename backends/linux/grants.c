/* The unelevated backend leaves no persistent grants behind: Landlock rules and
 * namespaces live and die with the command. What stays is a record of the
 * roots cordon has made writable for this user, one canonical path a line
 * in $XDG_STATE_HOME/cordon/roots (default ~/.local/state/cordon/roots):
 * core refuses a root reached through a symbolic link lying inside one of
 * them, since a sandboxed command could have planted it there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux.h"

#define RECORD_MAX (1024 * 1024)
/* Past this size the record is rewritten without the roots that no
 * longer exist (a link cannot lie in a directory that is gone). */
#define RECORD_COMPACT (64 * 1024)

/* The record's directory: $XDG_STATE_HOME/cordon, else
 * $HOME/.local/state/cordon. NULL when neither is usable. */
static char *record_dir(void)
{
    const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
    if (x && x[0] == '/')
        return cordon__asprintf("%s/cordon", x);
    if (h && h[0] == '/')
        return cordon__asprintf("%s/.local/state/cordon", h);
    return NULL;
}

cordon_error cordon__linux_granted_roots(struct cordon__strv *out)
{
    char *dir = record_dir(), *path = NULL, *buf = NULL, *line, *next;
    cordon_error e = CORDON_OK;
    size_t len = 0;
    int fd = -1;

    memset(out, 0, sizeof *out);
    if (!dir)
        return CORDON_OK;
    if (!(path = cordon__asprintf("%s/roots", dir)) || !(buf = malloc(RECORD_MAX + 1))) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the roots record");
        goto done;
    }
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        goto done; /* no run has granted anything yet */
    for (;;) {
        ssize_t r = read(fd, buf + len, RECORD_MAX - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == RECORD_MAX)
            break;
    }
    buf[len] = '\0';
    for (line = buf; e == CORDON_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '/' && !cordon__strv_contains(out, line))
            e = cordon__strv_push(out, line);
    }
done:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(path);
    free(dir);
    if (e != CORDON_OK)
        cordon__strv_free(out);
    return e;
}

/* mkdir -p of |dir| with mode 0700 for the parts it makes. */
static int make_dirs(char *dir)
{
    char *p;
    for (p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Rewrites the record |path| (|size| bytes) with only the roots that are
 * still directories: a temporary file renamed over it. A root appended
 * meanwhile by a concurrent run may be lost; that run's root is appended
 * again by its next run. Failures leave the record as it was. */
static void compact(const char *dir, const char *path, const struct cordon__strv *known)
{
    char *tmp = cordon__asprintf("%s/roots.%ld.tmp", dir, (long)getpid());
    size_t i;
    int fd, ok = 1;
    if (!tmp)
        return;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    for (i = 0; fd >= 0 && ok && i < known->n; i++) {
        struct stat st;
        size_t n = strlen(known->v[i]);
        if (lstat(known->v[i], &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        ok = write(fd, known->v[i], n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    }
    if (fd >= 0) {
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
    free(tmp);
}

cordon_error cordon__linux_grants_record(const struct cordon__plan *plan)
{
    struct cordon__strv known = {0};
    char *dir = NULL, *path = NULL;
    cordon_error e;
    size_t i;
    int fd = -1;

    if ((e = cordon__linux_granted_roots(&known)) != CORDON_OK)
        return e;
    for (i = 0; i < plan->roots.n; i++)
        if (!cordon__strv_contains(&known, plan->roots.v[i]))
            break;
    if (!(dir = record_dir()))
        goto done;
    if (!(path = cordon__asprintf("%s/roots", dir))) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory recording the roots");
        goto done;
    }
    if (i == plan->roots.n) {
        /* The steady state: one read, nothing to write (but a record
         * grown past its bound is compacted). */
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > RECORD_COMPACT)
            compact(dir, path, &known);
        goto done;
    }
    if (make_dirs(dir) != 0 ||
        (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
        char *what = cordon__asprintf("cannot record the writable roots in %s", path);
        e = cordon__sys_fail(what ? what : path, fd < 0 && errno ? "open" : "mkdir", errno);
        free(what);
        goto done;
    }
    {
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_size > RECORD_COMPACT) {
            close(fd);
            fd = -1;
            compact(dir, path, &known);
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0) {
                char *what = cordon__asprintf("cannot record the writable roots in %s", path);
                e = cordon__sys_fail(what ? what : path, "open", errno);
                free(what);
                goto done;
            }
        }
    }
    for (; i < plan->roots.n; i++) {
        char *line;
        ssize_t w;
        if (cordon__strv_contains(&known, plan->roots.v[i]))
            continue;
        if (!(line = cordon__asprintf("%s\n", plan->roots.v[i]))) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory recording the roots");
            goto done;
        }
        /* One write per line with O_APPEND: concurrent runs interleave
         * whole lines. */
        w = write(fd, line, strlen(line));
        free(line);
        if (w < 0) {
            char *what = cordon__asprintf("cannot record the writable roots in %s", path);
            e = cordon__sys_fail(what ? what : path, "write", errno);
            free(what);
            goto done;
        }
    }
done:
    if (fd >= 0)
        close(fd);
    free(path);
    free(dir);
    cordon__strv_free(&known);
    return e;
}

/* The only persistent grants on Linux are the elevated tier's ACL
 * entries (backends/linux/acl_grants.c). */
cordon_error cordon__os_grants_list(struct cordon__json *j)
{
    cordon_error e;
    cordon__json_begin_array(j);
    e = cordon__elevated_grants_list(j);
    cordon__json_end_array(j);
    return e;
}

cordon_error cordon__os_grants_revoke(const char *root)
{
    return cordon__elevated_grants_revoke(root);
}

void cordon__os_cost_json(struct cordon__json *j)
{
    /* Nothing is counted on Linux: its per-command cost is benchmarked
     * (bench/). */
    cordon__json_null(j);
}

cordon_error cordon__os_grants_close_holes(const struct cordon__plan *plan,
                                           struct cordon__json *j)
{
    /* No Everyone hole to close: Linux's sandbox does not rest on ACLs. */
    (void)plan;
    cordon__json_begin_object(j);
    cordon__json_key(j, "closed");
    cordon__json_begin_array(j);
    cordon__json_end_array(j);
    cordon__json_key(j, "left");
    cordon__json_begin_array(j);
    cordon__json_end_array(j);
    cordon__json_end_object(j);
    return CORDON_OK;
}
