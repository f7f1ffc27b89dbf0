/* Placeholders of missing protected paths; see placeholder.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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

static size_t mapping_size(size_t cap)
{
    return sizeof(struct cordon__placeholders) + cap * sizeof(struct cordon__placeholder);
}

cordon_error cordon__placeholders_new(const struct cordon__plan_linux *lp,
                                      struct cordon__placeholders **out)
{
    struct cordon__placeholders *p;
    size_t i, cap = 0;

    *out = NULL;
    for (i = 0; i < lp->n_mounts; i++)
        if (lp->mounts[i].placeholder && lp->mounts[i].src)
            cap++;
    p = mmap(NULL, mapping_size(cap), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return cordon__sys_fail("cannot start the sandbox", "mmap", errno);
    p->cap = cap;
    atomic_store(&p->n, 0);
    *out = p;
    return CORDON_OK;
}

/* Makes the placeholder of |ph->path|: 1 made, 0 nothing to do, -1
 * failed (errno and *call set). */
static int make_one(struct cordon__placeholder *ph, const char **call)
{
    struct stat st;

    *call = "mknod";
    if (mknod(ph->path, S_IFSOCK, 0) != 0) {
        if (errno == EEXIST)
            return 0;
        if (!no_socket_nodes(errno))
            return not_creatable(errno) ? 0 : -1;
        *call = "mkdir";
        if (mkdir(ph->path, 0755) != 0)
            return errno == EEXIST || not_creatable(errno) ? 0 : -1;
        ph->is_dir = 1;
    }
    *call = "lstat";
    if (lstat(ph->path, &st) != 0) {
        int err = errno;
        unlinkat(AT_FDCWD, ph->path, ph->is_dir ? AT_REMOVEDIR : 0);
        errno = err;
        return -1;
    }
    ph->dev = st.st_dev;
    ph->ino = st.st_ino;
    return 1;
}

cordon_error cordon__placeholders_make(const struct cordon__plan_linux *lp,
                                       struct cordon__placeholders *p)
{
    size_t i;

    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        struct cordon__placeholder *ph;
        size_t k = atomic_load(&p->n);
        const char *call = NULL;
        int r;
        if (!m->placeholder || !m->src || k == p->cap)
            continue;
        /* Listed before it exists, so that the supervisor knows of it as
         * soon as it does. */
        ph = &p->v[k];
        memset(ph, 0, sizeof *ph);
        ph->path = m->src;
        atomic_store(&p->n, k + 1);
        r = make_one(ph, &call);
        if (r > 0) {
            atomic_store(&ph->state, 1);
        } else if (r < 0) {
            int err = errno;
            char what[600];
            cordon__placeholders_remove(p);
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
    size_t i, n = p ? atomic_load(&p->n) : 0;
    for (i = 0; i < n; i++) {
        struct cordon__placeholder *ph = &p->v[i];
        struct stat st;
        int ours = 1;
        if (!atomic_compare_exchange_strong(&ph->state, &ours, 2))
            continue;
        /* Only our own inode: what someone put there since is theirs. */
        if (lstat(ph->path, &st) == 0 && st.st_dev == ph->dev && st.st_ino == ph->ino)
            unlinkat(AT_FDCWD, ph->path, ph->is_dir ? AT_REMOVEDIR : 0);
    }
}

void cordon__placeholders_free(struct cordon__placeholders *p)
{
    if (p)
        munmap(p, mapping_size(p->cap));
}
