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
#include "sandbox.h"

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

int cordon__root_is_callers(const char *root, char *why, size_t n)
{
    struct stat st;
    int fd = cordon__open_nofollow(AT_FDCWD, root, O_PATH | O_DIRECTORY), err;
    if (fd < 0 || fstat(fd, &st) != 0) {
        err = errno;
        if (fd >= 0)
            close(fd);
        snprintf(why, n, "cannot open the root %s without following a symbolic link: errno %d, %s",
                 root, err, strerror(err));
        return err ? err : EIO;
    }
    close(fd);
    if (st.st_uid != getuid()) {
        snprintf(why, n,
                 "the root %s is owned by uid %u, not by the caller (uid %u): the sandbox users "
                 "are shared by every allowed user, so an elevated run writes only in its caller's "
                 "own directories, never in a shared one such as /tmp or another user's",
                 root, (unsigned)st.st_uid, (unsigned)getuid());
        return EPERM;
    }
    return 0;
}

/* 1 when |dir|, above |root|, is root's or the caller's and nobody else
 * may move entries in it; else 0 with |why|. */
static int above_closed(const char *dir, const char *root, const uid_t sandbox[2], char *why,
                        size_t n)
{
    struct stat st;
    char who[96];
    if (lstat(dir, &st) != 0) {
        snprintf(why, n, "%s: stat: errno %d, %s", dir, errno, strerror(errno));
        return 0;
    }
    if (st.st_uid != 0 && st.st_uid != getuid()) {
        snprintf(why, n,
                 "the directory %s above the root %s is owned by uid %u: that user could make "
                 "it a writable root of its own runs, and they write as the same sandbox users "
                 "(keep elevated workspaces below directories of your own or root's)",
                 dir, root, (unsigned)st.st_uid);
        return 0;
    }
    if (cordon__dir_open_to_others(dir, &st, sandbox, who, sizeof who)) {
        snprintf(why, n,
                 "the directory %s above the root %s can be written by %s, who could move the "
                 "root into a writable root of its own runs, which write as the same sandbox "
                 "users (remove that write access, or set the sticky bit)",
                 dir, root, who);
        return 0;
    }
    return 1;
}

int cordon__root_above_closed(const char *root, const uid_t sandbox[2], char *why, size_t n)
{
    char dir[4096];
    size_t len, i;
    if (snprintf(dir, sizeof dir, "%s", root) >= (int)sizeof dir) {
        snprintf(why, n, "the root %s: path too long", root);
        return 0;
    }
    if (!above_closed("/", root, sandbox, why, n))
        return 0;
    len = strlen(dir);
    /* Each directory above the root below /, from the top. */
    for (i = 1; i < len; i++) {
        if (dir[i] != '/')
            continue;
        dir[i] = '\0';
        if (!above_closed(dir, root, sandbox, why, n))
            return 0;
        dir[i] = '/';
    }
    return 1;
}

int cordon__protected_hardlinks(void)
{
    char buf[8] = "";
    int fd = open("/proc/sys/fs/protected_hardlinks", O_RDONLY | O_CLOEXEC);
    ssize_t r = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (r <= 0)
        return -1;
    buf[r] = '\0';
    if (strcmp(buf, "1\n") == 0 || strcmp(buf, "1") == 0)
        return 1;
    if (strcmp(buf, "0\n") == 0 || strcmp(buf, "0") == 0)
        return 0;
    return -1;
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

/* The user's own state files ($XDG_STATE_HOME/cordon/NAME, default
 * ~/.local/state/cordon/NAME): what cordon remembers between commands.
 * Only the user can write them (the sandbox users have no grant there);
 * what is read from them is a hint that a later check confirms, so
 * fooling one would only fool the user itself. */
static char *state_path(const char *name)
{
    const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
    if (x && x[0] == '/')
        return cordon__asprintf("%s/cordon/%s", x, name);
    if (h && h[0] == '/')
        return cordon__asprintf("%s/.local/state/cordon/%s", h, name);
    return NULL;
}

int cordon__linux_state_read(const char *name, char *buf, size_t n)
{
    char *path = state_path(name);
    ssize_t got = -1;
    int fd;
    if (path && n > 1 && (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
        got = read(fd, buf, n - 1);
        close(fd);
    }
    free(path);
    if (got < 0)
        return -1;
    buf[got] = '\0';
    return (int)got;
}

void cordon__linux_state_write(const char *name, const char *text)
{
    char *path = state_path(name), *tmp = NULL, *slash, *p;
    int dir = -1, w;
    size_t len = strlen(text);
    if (!path || !(slash = strrchr(path, '/')))
        goto done;
    /* The directories on the way, private to the user (mkdir -p, 0700). */
    *slash = '\0';
    for (p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
        if (p)
            *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            break;
        if (!p)
            break;
        *p = '/';
    }
    dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    *slash = '/';
    if (dir < 0 || !(tmp = cordon__asprintf("%s.%d", slash + 1, (int)getpid())))
        goto done;
    w = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (w < 0)
        goto done;
    if (write(w, text, len) == (ssize_t)len && close(w) == 0)
        renameat(dir, tmp, dir, slash + 1);
    else
        unlinkat(dir, tmp, 0);
done:
    if (dir >= 0)
        close(dir);
    free(tmp);
    free(path);
}

void cordon__linux_file_key(const struct stat *st, char *out, size_t n)
{
    snprintf(out, n, "%llu %llu %lld %lld.%09ld %lld.%09ld",
             (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
             (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
             (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* The runner's hash, remembered per user by the file's identity and
 * change times (state file runner-sha256): any change to the file's
 * content or capabilities moves its ctime, which nobody can set back, so
 * a match means the same bytes. */
static int cached_hash(int fd, const struct stat *st, char out[65])
{
    char key[200], line[300];
    size_t k;
    int err;
    cordon__linux_file_key(st, key, sizeof key - 1);
    k = strlen(key);
    key[k++] = ' ';
    key[k] = '\0';
    if (cordon__linux_state_read("runner-sha256", line, sizeof line) > 0 &&
        strncmp(line, key, k) == 0 && strlen(line + k) >= 64) {
        memcpy(out, line + k, 64);
        out[64] = '\0';
        return 0;
    }
    err = cordon__fd_sha256_hex(fd, out);
    if (!err) {
        char text[300];
        snprintf(text, sizeof text, "%s%s\n", key, out);
        cordon__linux_state_write("runner-sha256", text);
    }
    return err;
}

static void runner(const struct cordon__marker *m, struct cordon__elevated_facts *f, int cache)
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
    err = cache ? cached_hash(fd, &st, f->runner_sha256) : cordon__fd_sha256_hex(fd, f->runner_sha256);
    if (!err)
        err = cordon__file_caps_text(fd, f->runner_caps, sizeof f->runner_caps);
    if (err)
        snprintf(f->runner_error, sizeof f->runner_error, "reading it: errno %d, %s", err,
                 strerror(err));
done:
    close(fd);
}

void cordon__linux_elevated_facts(const char *marker_path, unsigned what,
                                  struct cordon__marker *m, struct cordon__elevated_facts *f)
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
    if (what & CORDON__FACTS_RUNNER)
        runner(m, f, (what & CORDON__FACTS_HASH_CACHE) != 0);
}
