/* Files and directories setup owns: /etc/cordon, the homes under
 * /var/lib/cordon, the persistence files. Root writes them.
 *
 * Why this is safe: every path is a constant of cordon's under a
 * directory only root can write (/etc, /usr/local/libexec, /var/lib,
 * /etc/systemd/system), so no other user can put a symlink or another
 * file where setup writes; files are opened with O_NOFOLLOW and O_EXCL
 * temporaries and moved into place by rename, and trees are removed
 * through directory descriptors without following links, so that a
 * sandbox user's symlinks inside its own home cannot redirect a removal
 * outside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup_linux.h"

int setup__fail(struct setup_ctx *s, const char *path, const char *call, int err,
                const char *fix, ...)
{
    char fixbuf[768];
    va_list ap;
    va_start(ap, fix);
    vsnprintf(fixbuf, sizeof fixbuf, fix, ap);
    va_end(ap);
    if (err)
        snprintf(s->error, sizeof s->error, "%s: %s: errno %d, %s. Fix: %s", path, call, err,
                 strerror(err), fixbuf);
    else
        snprintf(s->error, sizeof s->error, "%s: %s failed. Fix: %s", path, call, fixbuf);
    return -1;
}

int setup__done(struct setup_ctx *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->detail, sizeof s->detail, fmt, ap);
    va_end(ap);
    return 0;
}

int setup__dir_ensure(struct setup_ctx *s, const char *path, uid_t uid, gid_t gid, mode_t mode)
{
    int fd;
    struct stat st;
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return setup__fail(s, path, "mkdir", errno, "check that the parent directory exists");
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return setup__fail(s, path, "open", errno,
                           "%s must be a directory, not a symlink or a file: remove it", path);
    if (fstat(fd, &st) != 0 || ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) != 0) ||
        ((st.st_mode & 07777) != mode && fchmod(fd, mode) != 0)) {
        int e = errno;
        close(fd);
        return setup__fail(s, path, "fchown/fchmod", e, "check the file system is writable");
    }
    close(fd);
    return 0;
}

int setup__file_write(struct setup_ctx *s, const char *path, const char *text, mode_t mode)
{
    char tmp[512];
    int fd;
    size_t len = strlen(text), off = 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return setup__fail(s, tmp, "open", errno, "check that the directory is writable by root");
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlink(tmp);
            return setup__fail(s, tmp, "write", e, "check free space");
        }
        off += (size_t)w;
    }
    if (fchown(fd, 0, 0) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return setup__fail(s, tmp, "fchown/fchmod/fsync", e, "check the file system");
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return setup__fail(s, path, "rename", e, "check that %s is not a directory", path);
    }
    return 0;
}

int setup__file_remove(struct setup_ctx *s, const char *path, int *removed)
{
    *removed = 0;
    if (unlink(path) == 0) {
        *removed = 1;
        return 0;
    }
    if (errno == ENOENT || errno == ENOTDIR)
        return 0;
    return setup__fail(s, path, "unlink", errno, "remove it by hand");
}

/* Removes everything inside the directory open at |dfd|, then closes it. */
static int empty_dir(int dfd, const char **failed_call)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    int rc = 0;
    if (!d) {
        *failed_call = "fdopendir";
        close(dfd);
        return errno;
    }
    while ((e = readdir(d)) != NULL) {
        int sub;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            continue;
        if (errno != EISDIR && errno != EPERM) {
            *failed_call = "unlinkat";
            rc = errno;
            break;
        }
        /* A directory: opened without following a link, emptied, removed. */
        sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            *failed_call = "openat";
            rc = errno;
            break;
        }
        rc = empty_dir(sub, failed_call);
        if (rc)
            break;
        if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0) {
            *failed_call = "unlinkat";
            rc = errno;
            break;
        }
    }
    closedir(d);
    return rc;
}

int setup__tree_remove(struct setup_ctx *s, const char *path, int *removed)
{
    const char *call = "";
    int fd, err;
    *removed = 0;
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        if (errno == ENOTDIR || errno == ELOOP)
            return setup__file_remove(s, path, removed);
        return setup__fail(s, path, "open", errno, "remove it by hand");
    }
    err = empty_dir(fd, &call);
    if (err)
        return setup__fail(s, path, call, err, "remove it by hand");
    if (rmdir(path) != 0)
        return setup__fail(s, path, "rmdir", errno, "remove it by hand");
    *removed = 1;
    return 0;
}

int setup__dir_remove_if_empty(struct setup_ctx *s, const char *path, int *left)
{
    *left = 0;
    if (rmdir(path) == 0 || errno == ENOENT)
        return 0;
    if (errno == ENOTEMPTY || errno == EEXIST) {
        *left = 1;
        return 0;
    }
    return setup__fail(s, path, "rmdir", errno, "remove it by hand");
}

char *setup__file_read(const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    char *buf;
    ssize_t r;
    if (fd < 0)
        return NULL;
    buf = malloc(max + 1);
    r = buf ? read(fd, buf, max) : -1;
    close(fd);
    if (r < 0) {
        free(buf);
        return NULL;
    }
    buf[r] = '\0';
    return buf;
}
