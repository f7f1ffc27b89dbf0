/* The tool cache directory on Linux: made to exist before a run, emptied
 * on request (cordon cache clear). Its content is written by sandboxed
 * commands, so nothing here follows a link found inside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux.h"

static cordon_error check_dir(const char *dir, const struct stat *st)
{
    if (!S_ISDIR(st->st_mode))
        return cordon__fail(CORDON_ERR_PATH,
                            "the tool cache %s is not a directory (remove it)", dir);
    /* Someone else's directory would be a cache shared with them. */
    if (st->st_uid != geteuid())
        return cordon__fail(CORDON_ERR_PERMISSION,
                            "the tool cache %s belongs to uid %lu, not to this user (uid %lu)", dir,
                            (unsigned long)st->st_uid, (unsigned long)geteuid());
    return CORDON_OK;
}

cordon_error cordon__os_cache_ensure(const char *dir)
{
    struct stat st;
    char *path = NULL, *p;
    cordon_error e = CORDON_OK;

    /* The steady state: one stat. */
    if (stat(dir, &st) == 0)
        return check_dir(dir, &st);
    if (errno != ENOENT) {
        char *what = cordon__asprintf("cannot use the tool cache %s", dir);
        e = cordon__sys_fail(what ? what : dir, "stat", errno);
        free(what);
        return e;
    }
    if (!(path = cordon__strdup(dir)))
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    /* Each missing component, private to the user (mkdir -p, 0700). */
    for (p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        {
            char saved = *p;
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST) {
                char *what = cordon__asprintf("cannot create the tool cache %s", dir);
                e = cordon__sys_fail(what ? what : dir, "mkdir", errno);
                free(what);
                *p = saved;
                goto done;
            }
            *p = saved;
        }
        if (*p == '\0')
            break;
    }
    if (stat(dir, &st) != 0) {
        char *what = cordon__asprintf("cannot create the tool cache %s", dir);
        e = cordon__sys_fail(what ? what : dir, "stat", errno);
        free(what);
        goto done;
    }
    e = check_dir(dir, &st);
done:
    free(path);
    return e;
}

/* Removes every entry of the open directory |fd| (|shown| names it in
 * messages), depth-first, never following a link (O_NOFOLLOW, and links
 * are unlinked as entries) and never leaving the filesystem of |dev|.
 * Directories the command made read-only (Go's module cache) are made
 * writable for the owner first. */
static cordon_error empty_dir(int fd, const char *shown, dev_t dev, int depth)
{
    DIR *d = NULL;
    struct dirent *ent;
    cordon_error e = CORDON_OK;
    int dup_fd = dup(fd);

    if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
        if (dup_fd >= 0)
            close(dup_fd);
        return cordon__sys_fail(shown, "fdopendir", errno);
    }
    if (depth > 256) {
        e = cordon__fail(CORDON_ERR_IO, "cannot empty %s: nested too deep", shown);
        goto done;
    }
    fchmod(fd, 0700);
    while (e == CORDON_OK && (errno = 0, ent = readdir(d)) != NULL) {
        struct stat st;
        int sub;
        char *name;
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (fstatat(fd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue;
            name = cordon__asprintf("cannot empty %s/%s", shown, ent->d_name);
            e = cordon__sys_fail(name ? name : shown, "fstatat", errno);
            free(name);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (unlinkat(fd, ent->d_name, 0) != 0 && errno != ENOENT) {
                name = cordon__asprintf("cannot remove %s/%s", shown, ent->d_name);
                e = cordon__sys_fail(name ? name : shown, "unlinkat", errno);
                free(name);
            }
            continue;
        }
        name = cordon__asprintf("%s/%s", shown, ent->d_name);
        if (!name) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
            break;
        }
        if (st.st_dev != dev) {
            e = cordon__fail(CORDON_ERR_IO, "cannot empty the tool cache: %s is another filesystem "
                                            "mounted there", name);
            free(name);
            break;
        }
        sub = openat(fd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0 && errno == EACCES && fchmodat(fd, ent->d_name, 0700, 0) == 0)
            sub = openat(fd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            e = cordon__sys_fail(name, "openat", errno);
            free(name);
            break;
        }
        e = empty_dir(sub, name, dev, depth + 1);
        close(sub);
        if (e == CORDON_OK && unlinkat(fd, ent->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
            char *what = cordon__asprintf("cannot remove %s", name);
            e = cordon__sys_fail(what ? what : name, "unlinkat", errno);
            free(what);
        }
        free(name);
    }
    if (e == CORDON_OK && errno != 0)
        e = cordon__sys_fail(shown, "readdir", errno);
done:
    closedir(d);
    return e;
}

cordon_error cordon__os_cache_clear(const char *dir)
{
    struct stat st;
    cordon_error e;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        char *what;
        if (errno == ENOENT)
            return CORDON_OK; /* nothing cached yet */
        what = cordon__asprintf("cannot open the tool cache %s", dir);
        e = cordon__sys_fail(what ? what : dir, "open", errno);
        free(what);
        return e;
    }
    if (fstat(fd, &st) != 0) {
        e = cordon__sys_fail(dir, "fstat", errno);
    } else if ((e = check_dir(dir, &st)) == CORDON_OK) {
        e = empty_dir(fd, dir, st.st_dev, 0);
    }
    close(fd);
    return e;
}
