/* The unelevated backend leaves no persistent grants behind: Landlock rules and
 * namespaces live and die with the command. What stays is a record of the
 * roots cordon has made writable for this user, one canonical path a line
 * in $XDG_STATE_HOME/cordon/roots (default ~/.local/state/cordon/roots):
 * core refuses a root reached through a symbolic link lying inside one of
 * them, since a sandboxed command could have planted it there. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
char *cordon__linux_state_dir(void)
{
    const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
    if (x && x[0] == '/')
        return cordon__asprintf("%s/cordon", x);
    if (h && h[0] == '/')
        return cordon__asprintf("%s/.local/state/cordon", h);
    return NULL;
}

/* The record's text, NUL-terminated, in *|out| (NULL and 0 when there is
 * none yet). */
static cordon_error read_record(const char *path, char **out, size_t *len)
{
    char *buf;
    struct stat st;
    size_t cap = RECORD_MAX;
    int fd;

    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return CORDON_OK; /* no run has granted anything yet */
    /* Room for what is there and a few lines appended meanwhile. */
    if (fstat(fd, &st) == 0 && st.st_size >= 0 && (size_t)st.st_size < RECORD_MAX - 16384)
        cap = (size_t)st.st_size + 16384;
    if (!(buf = malloc(cap + 1))) {
        close(fd);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the roots record");
    }
    for (;;) {
        ssize_t r = read(fd, buf + *len, cap - *len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        *len += (size_t)r;
        if (*len == cap)
            break;
    }
    close(fd);
    buf[*len] = '\0';
    *out = buf;
    return CORDON_OK;
}

/* Whether |root| is a whole line of the record |text| (|len| bytes). */
static int recorded(const char *text, size_t len, const char *root)
{
    size_t n = strlen(root);
    const char *p = text, *end = text + len;
    while (p && (size_t)(end - p) >= n) {
        if (memcmp(p, root, n) == 0 && (p + n == end || p[n] == '\n'))
            return 1;
        p = memchr(p, '\n', (size_t)(end - p));
        if (p)
            p++;
    }
    return 0;
}

/* Clears missing[i] for each root of |plan| that is the line |line|
 * (|n| bytes, no newline). */
static void seen_line(const struct cordon__plan *plan, unsigned char *missing, const char *line,
                      size_t n)
{
    size_t i;
    for (i = 0; i < plan->roots.n; i++)
        if (missing[i] && strlen(plan->roots.v[i]) == n && memcmp(plan->roots.v[i], line, n) == 0)
            missing[i] = 0;
}

/* The same as recorded() for every root, reading the record on |fd| in
 * pieces through a buffer on the stack rather than whole into the heap
 * (a record of many workspaces is tens of kB: as many pages touched
 * anew on every run). 0, or -1 when it cannot be read. */
static int mark_recorded(int fd, const struct cordon__plan *plan, unsigned char *missing)
{
    char buf[2 * PATH_MAX];
    size_t have = 0;
    int skipping = 0; /* in a line longer than any root */
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        char *p = buf, *end, *nl;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            if (have && !skipping)
                seen_line(plan, missing, buf, have); /* the last line, without its newline */
            return 0;
        }
        end = buf + have + r;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            if (!skipping)
                seen_line(plan, missing, p, (size_t)(nl - p));
            skipping = 0;
            p = nl + 1;
        }
        have = (size_t)(end - p);
        if (have == sizeof buf) {
            skipping = 1;
            have = 0;
        } else {
            memmove(buf, p, have);
        }
    }
}

/* Every root of |text| (duplicates are harmless to the readers). */
static cordon_error record_lines(char *text, struct cordon__strv *out)
{
    char *line, *next;
    cordon_error e = CORDON_OK;
    for (line = text; e == CORDON_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '/')
            e = cordon__strv_push(out, line);
    }
    return e;
}

cordon_error cordon__linux_granted_roots(struct cordon__strv *out)
{
    char *dir = cordon__linux_state_dir(), *path = NULL, *buf = NULL;
    cordon_error e = CORDON_OK;
    size_t len;

    memset(out, 0, sizeof *out);
    if (!dir)
        return CORDON_OK;
    if (!(path = cordon__asprintf("%s/roots", dir)))
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the roots record");
    if (e == CORDON_OK && (e = read_record(path, &buf, &len)) == CORDON_OK && buf)
        e = record_lines(buf, out);
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
static void compact(const char *dir, const char *path, char *text)
{
    char *tmp = cordon__asprintf("%s/roots.%ld.tmp", dir, (long)getpid());
    struct cordon__strv known = {0};
    size_t i;
    int fd, ok = 1;
    if (!tmp || record_lines(text, &known) != CORDON_OK) {
        free(tmp);
        cordon__strv_free(&known);
        return;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    for (i = 0; fd >= 0 && ok && i < known.n; i++) {
        struct stat st;
        size_t n = strlen(known.v[i]), k;
        if (lstat(known.v[i], &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        for (k = 0; k < i && strcmp(known.v[k], known.v[i]) != 0; k++)
            ;
        if (k < i)
            continue; /* written already */
        ok = write(fd, known.v[i], n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    }
    cordon__strv_free(&known);
    if (fd >= 0) {
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
    free(tmp);
}

cordon_error cordon__linux_grants_record(const struct cordon__plan *plan)
{
    char *dir = NULL, *path = NULL, *text = NULL;
    unsigned char *missing = NULL;
    cordon_error e = CORDON_OK;
    size_t i, len = 0, n_missing = 0;
    struct stat st;
    int fd = -1;

    if (!(dir = cordon__linux_state_dir()))
        return CORDON_OK;
    if (!(path = cordon__asprintf("%s/roots", dir)) ||
        !(missing = calloc(plan->roots.n ? plan->roots.n : 1, 1))) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory recording the roots");
        goto done;
    }
    for (i = 0; i < plan->roots.n; i++)
        missing[i] = 1;
    /* A record below its bound is only searched; a larger one is read
     * whole, to be compacted. */
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= RECORD_COMPACT &&
        mark_recorded(fd, plan, missing) == 0) {
        close(fd);
        fd = -1;
    } else {
        if (fd >= 0)
            close(fd);
        fd = -1;
        for (i = 0; i < plan->roots.n; i++)
            missing[i] = 1;
        if ((e = read_record(path, &text, &len)) != CORDON_OK)
            goto done;
        for (i = 0; i < plan->roots.n; i++)
            if (text && recorded(text, len, plan->roots.v[i]))
                missing[i] = 0;
    }
    for (i = 0; i < plan->roots.n; i++)
        n_missing += missing[i];
    if (!n_missing) {
        /* The steady state: one read, nothing to write (but a record
         * grown past its bound is compacted). */
        if (len > RECORD_COMPACT)
            compact(dir, path, text);
        goto done;
    }
    if (make_dirs(dir) != 0 ||
        (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
        char *what = cordon__asprintf("cannot record the writable roots in %s", path);
        e = cordon__sys_fail(what ? what : path, fd < 0 && errno ? "open" : "mkdir", errno);
        free(what);
        goto done;
    }
    if (text && len > RECORD_COMPACT) {
        close(fd);
        fd = -1;
        compact(dir, path, text);
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            char *what = cordon__asprintf("cannot record the writable roots in %s", path);
            e = cordon__sys_fail(what ? what : path, "open", errno);
            free(what);
            goto done;
        }
    }
    for (i = 0; i < plan->roots.n; i++) {
        char *line;
        ssize_t w;
        if (!missing[i])
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
    free(text);
    free(missing);
    free(path);
    free(dir);
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
