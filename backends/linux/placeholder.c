/* Placeholders of missing protected paths; see placeholder.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "placeholder.h"

/* 1: a refusal that means the caller may not create anything there, so
 * the command (same user, fewer rights) may not either. */
static int not_creatable(int err)
{
    return err == EACCES || err == EROFS || err == EPERM;
}

/* 1: the filesystem has no socket nodes (vfat answers EPERM). */
static int no_socket_nodes(int err)
{
    return err == EPERM || err == EOPNOTSUPP || err == EINVAL || err == ENOSYS;
}

/* Makes the placeholder of |path|: 1 made, 0 nothing to do, -1 failed
 * (errno and *call set). */
static int make_one(const char *path, struct cordon__placeholder *ph, const char **call)
{
    struct stat st;

    ph->path = path;
    ph->is_dir = 0;
    *call = "mknod";
    if (mknod(path, S_IFSOCK, 0) != 0) {
        if (errno == EEXIST)
            return 0;
        if (!no_socket_nodes(errno))
            return not_creatable(errno) ? 0 : -1;
        *call = "mkdir";
        if (mkdir(path, 0755) != 0)
            return errno == EEXIST || not_creatable(errno) ? 0 : -1;
        ph->is_dir = 1;
    }
    *call = "lstat";
    if (lstat(path, &st) != 0) {
        int err = errno;
        if (ph->is_dir)
            rmdir(path);
        errno = err;
        return -1;
    }
    ph->dev = st.st_dev;
    ph->ino = st.st_ino;
    return 1;
}

cordon_error cordon__placeholders_make(const struct cordon__plan_linux *lp,
                                       struct cordon__placeholders *out)
{
    size_t i, want = 0;

    memset(out, 0, sizeof *out);
    for (i = 0; i < lp->n_mounts; i++)
        if (lp->mounts[i].placeholder && lp->mounts[i].src)
            want++;
    if (!want)
        return CORDON_OK;
    out->v = calloc(want, sizeof *out->v);
    if (!out->v)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory holding protected paths");
    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        const char *call = NULL;
        int r;
        if (!m->placeholder || !m->src)
            continue;
        r = make_one(m->src, &out->v[out->n], &call);
        if (r > 0) {
            out->n++;
        } else if (r < 0) {
            int err = errno;
            char what[600];
            cordon__placeholders_remove(out);
            cordon__placeholders_free(out);
            snprintf(what, sizeof what,
                     "cannot hold the place of the missing protected path %s for the run",
                     m->src);
            return cordon__sys_fail(what, call, err);
        }
    }
    return CORDON_OK;
}

void cordon__placeholders_remove(struct cordon__placeholders *p)
{
    size_t i;
    for (i = 0; p && i < p->n; i++) {
        struct cordon__placeholder *ph = &p->v[i];
        struct stat st;
        if (!ph->path)
            continue;
        /* Only our own inode: what someone put there since is theirs. */
        if (lstat(ph->path, &st) == 0 && st.st_dev == ph->dev && st.st_ino == ph->ino)
            unlinkat(AT_FDCWD, ph->path, ph->is_dir ? AT_REMOVEDIR : 0);
        ph->path = NULL;
    }
}

void cordon__placeholders_free(struct cordon__placeholders *p)
{
    if (!p)
        return;
    free(p->v);
    p->v = NULL;
    p->n = 0;
}
