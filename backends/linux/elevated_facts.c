/* Facts about the elevated setup, gathered without privilege and without
 * judging them (core/readiness.c decides). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elevated_linux.h"

int cordon__fd_sha256_hex(int fd, char out[65])
{
    struct stat st;
    unsigned char *data = NULL, digest[32];
    size_t got = 0;
    int err = 0, i;

    if (fstat(fd, &st) != 0)
        return errno;
    if (!S_ISREG(st.st_mode) || st.st_size > 256 * 1024 * 1024)
        return EINVAL;
    data = malloc((size_t)st.st_size + 1);
    if (!data)
        return ENOMEM;
    while (got < (size_t)st.st_size) {
        ssize_t r = pread(fd, data + got, (size_t)st.st_size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            err = r < 0 ? errno : EIO;
            goto done;
        }
        got += (size_t)r;
    }
    cordon__sha256(data, got, digest);
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
done:
    free(data);
    return err;
}

int cordon__dir_chain_root_only(const char *path, char *why, size_t n)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (;;) {
        struct stat st;
        char *slash = strrchr(dir, '/');
        if (!slash)
            return 1;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (stat(dir, &st) != 0) {
            snprintf(why, n, "%s: stat: errno %d, %s", dir, errno, strerror(errno));
            return 0;
        }
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
            snprintf(why, n, "directory %s is owned by uid %u with mode %04o", dir,
                     (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
            return 0;
        }
        if (strcmp(dir, "/") == 0)
            return 1;
    }
}

static void account(const char *name, int is_group, struct cordon__account_fact *out)
{
    memset(out, 0, sizeof *out);
    if (is_group) {
        struct cordon__gr g;
        if (cordon__gr_by_name(name, &g) == 1) {
            out->found = 1;
            snprintf(out->id, sizeof out->id, "%u", (unsigned)g.gid);
        }
    } else {
        struct cordon__pw p;
        if (cordon__pw_by_name(name, &p) == 1) {
            out->found = 1;
            snprintf(out->id, sizeof out->id, "%u", (unsigned)p.uid);
        }
    }
}

/* Reads and parses the marker if it can be trusted; else says why not. */
static void read_marker(const char *path, struct cordon__marker *m, struct cordon__elevated_facts *f)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char *text = NULL;
    ssize_t r;
    char why[200];

    if (fd < 0) {
        if (errno == ENOENT)
            return;
        f->marker_found = 1;
        snprintf(f->marker_error, sizeof f->marker_error, "open: errno %d, %s", errno,
                 strerror(errno));
        return;
    }
    f->marker_found = 1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(f->marker_error, sizeof f->marker_error, "not a regular file");
        goto done;
    }
    /* Only root may have written it: otherwise anyone could point the
     * tier at their own runner or rules. */
    if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        snprintf(f->marker_error, sizeof f->marker_error,
                 "owned by uid %u with mode %04o, not root-owned and writable by root alone "
                 "(re-run cordon-setup install as root)",
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        goto done;
    }
    if (!cordon__dir_chain_root_only(path, why, sizeof why)) {
        snprintf(f->marker_error, sizeof f->marker_error, "%s", why);
        goto done;
    }
    if (st.st_size > CORDON__MARKER_MAX_BYTES) {
        snprintf(f->marker_error, sizeof f->marker_error, "%lld bytes, too large",
                 (long long)st.st_size);
        goto done;
    }
    text = malloc((size_t)st.st_size + 1);
    if (!text) {
        snprintf(f->marker_error, sizeof f->marker_error, "out of memory");
        goto done;
    }
    r = pread(fd, text, (size_t)st.st_size, 0);
    if (r != st.st_size) {
        snprintf(f->marker_error, sizeof f->marker_error, "read: errno %d, %s", errno,
                 strerror(errno));
        goto done;
    }
    if (cordon__marker_parse(text, (size_t)r, path, m) != CORDON_OK) {
        snprintf(f->marker_error, sizeof f->marker_error, "%s", cordon_last_error());
        goto done;
    }
    f->marker = m;
done:
    free(text);
    close(fd);
}

static void runner(const struct cordon__marker *m, struct cordon__elevated_facts *f)
{
    int fd = open(m->runner_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    int err;
    char why[200];

    if (fd < 0) {
        if (errno != ENOENT) {
            f->runner_found = 1;
            snprintf(f->runner_error, sizeof f->runner_error, "open: errno %d, %s", errno,
                     strerror(errno));
        }
        return;
    }
    f->runner_found = 1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(f->runner_error, sizeof f->runner_error, "not a regular file");
        goto done;
    }
    f->runner_root_owned = st.st_uid == 0;
    f->runner_writable_by_others = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
                                   !cordon__dir_chain_root_only(m->runner_path, why, sizeof why);
    err = cordon__fd_sha256_hex(fd, f->runner_sha256);
    if (!err)
        err = cordon__file_caps_text(fd, f->runner_caps, sizeof f->runner_caps);
    if (err)
        snprintf(f->runner_error, sizeof f->runner_error, "reading it: errno %d, %s", err,
                 strerror(err));
done:
    close(fd);
}

void cordon__linux_elevated_facts(const char *marker_path, struct cordon__marker *m,
                                  struct cordon__elevated_facts *f)
{
    struct cordon__pw me;
    struct cordon__gr users;

    memset(f, 0, sizeof *f);
    memset(m, 0, sizeof *m);
    f->marker_path = marker_path;
    read_marker(marker_path, m, f);
    if (!f->marker)
        return;
    account(m->offline.name, 0, &f->offline);
    account(m->online.name, 0, &f->online);
    account(m->sandbox_group.name, 1, &f->sandbox_group);
    account(m->users_group.name, 1, &f->users_group);
    if (cordon__pw_by_uid(getuid(), &me) == 1) {
        snprintf(f->caller_name, sizeof f->caller_name, "%s", me.name);
        f->caller_allowed = cordon__gr_by_name(m->users_group.name, &users) == 1 &&
                            cordon__gr_has_member(&users, &me);
    } else {
        snprintf(f->caller_name, sizeof f->caller_name, "uid %u", (unsigned)getuid());
    }
    runner(m, f);
}
