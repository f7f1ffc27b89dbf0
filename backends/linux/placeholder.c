/* Placeholders of missing protected paths; see placeholder.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "placeholder.h"
#include "sandbox.h"

/* How long a run waits for another process's exclusive lock on a
 * directory (a run removing its placeholders holds it for a few
 * syscalls; a sandboxed command could hold it for as long as it runs). */
#define LOCK_WAIT_MS 2000

/* What a record says (cordon__placeholder.state). */
enum { PH_NONE = 0, PH_OURS = 1, PH_DONE = 2, PH_MAKING = 3 };

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

/* 1: the filesystem cannot lock this directory (NFS without local locks);
 * placeholders there are then not shared between runs. */
static int no_locks(int err)
{
    return err == EBADF || err == ENOLCK || err == EOPNOTSUPP || err == EINVAL;
}

/* A placeholder of a run of this user: a socket node with no permission. */
static int is_placeholder(const struct stat *st)
{
    return S_ISSOCK(st->st_mode) && (st->st_mode & 07777) == 0 && st->st_uid == geteuid();
}

static size_t mapping_size(size_t cap)
{
    return sizeof(struct cordon__placeholders) + cap * sizeof(struct cordon__placeholder) +
           cap * sizeof(struct cordon__placeholder_lock);
}

cordon_error cordon__placeholders_new(const struct cordon__plan_linux *lp,
                                      struct cordon__placeholders **out)
{
    struct cordon__placeholders *p;
    size_t i, cap = 0;

    *out = NULL;
    for (i = 0; i < lp->n_mounts; i++)
        if ((lp->mounts[i].protect || lp->mounts[i].placeholder) && lp->mounts[i].src)
            cap++;
    p = mmap(NULL, mapping_size(cap), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return cordon__sys_fail("cannot start the sandbox", "mmap", errno);
    p->cap = cap;
    atomic_store(&p->n, 0);
    atomic_store(&p->n_locks, 0);
    p->locks = (struct cordon__placeholder_lock *)&p->v[cap];
    *out = p;
    return CORDON_OK;
}

/* Length of the directory part of |path| ("/" for a top-level path). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash != path ? (size_t)(slash - path) : 1;
}

/* The index of the lock on |path|'s directory, or -1. */
static int find_lock(const struct cordon__placeholders *p, const char *path)
{
    size_t n = dir_len(path), k;
    for (k = 0; k < atomic_load(&p->n_locks); k++)
        if (strlen(p->locks[k].dir) == n && strncmp(p->locks[k].dir, path, n) == 0)
            return p->locks[k].fd >= 0 ? (int)k : -1;
    return -1;
}

/* Takes the shared lock on the directory of |path| (one per directory
 * and run: flock locks of one process on two descriptors would
 * conflict). 0 when taken or when the filesystem cannot lock; -1 on
 * failure (errno and *call set). */
static int lock_dir_of(struct cordon__placeholders *p, const char *path, const char **call)
{
    struct cordon__placeholder_lock *l;
    size_t n = dir_len(path), k;
    int waited = 0;

    for (k = 0; k < atomic_load(&p->n_locks); k++)
        if (strlen(p->locks[k].dir) == n && strncmp(p->locks[k].dir, path, n) == 0)
            return 0;
    *call = "open";
    if (n >= sizeof p->locks[0].dir || k == p->cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    l = &p->locks[k];
    memcpy(l->dir, path, n);
    l->dir[n] = '\0';
    /* Never through a link: the placeholders are made beneath it. */
    l->fd = cordon__open_nofollow(AT_FDCWD, l->dir, O_RDONLY | O_DIRECTORY);
    if (l->fd < 0)
        return -1;
    atomic_store(&p->n_locks, k + 1);
    *call = "flock";
    while (flock(l->fd, LOCK_SH | LOCK_NB) != 0) {
        struct timespec ms = {0, 1000000};
        if (no_locks(errno)) {
            close(l->fd);
            l->fd = -1;
            return 0;
        }
        if ((errno != EWOULDBLOCK && errno != EINTR) || waited++ >= LOCK_WAIT_MS)
            return -1;
        nanosleep(&ms, NULL);
    }
    return 0;
}

cordon_error cordon__placeholders_lock(const struct cordon__plan_linux *lp,
                                       struct cordon__placeholders *p)
{
    size_t i;
    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        const char *call = NULL;
        /* Missing at plan time, or something that is not a directory (it
         * may be another run's placeholder): the ones that may need one. */
        if (!m->src || !(m->placeholder || (m->protect && m->is_file)))
            continue;
        if (lock_dir_of(p, m->src, &call) != 0) {
            int err = errno;
            char what[600];
            if (err == EWOULDBLOCK && strcmp(call, "flock") == 0)
                snprintf(what, sizeof what,
                         "cannot hold the place of the protected path %s for the run: another "
                         "process has kept an exclusive lock on its directory for %d s",
                         m->src, LOCK_WAIT_MS / 1000);
            else
                snprintf(what, sizeof what,
                         "cannot hold the place of the protected path %s for the run", m->src);
            return cordon__sys_fail(what, call, err);
        }
    }
    return CORDON_OK;
}

/* Where |ph| is made and removed: beneath its directory's descriptor
 * (opened without following a link, so a directory swapped for a link on
 * the way cannot carry the placeholder elsewhere), else by its path. */
static const char *place(const struct cordon__placeholder *ph, int *at)
{
    *at = ph->dirfd >= 0 ? ph->dirfd : AT_FDCWD;
    return ph->dirfd >= 0 ? strrchr(ph->path, '/') + 1 : ph->path;
}

/* A new link of the template |tpl| at |name| beneath |at| (made first
 * when there is none); -1 with errno otherwise. */
static int link_template(const char *tpl, int at, const char *name)
{
    if (!tpl) {
        errno = ENOENT;
        return -1;
    }
    if (linkat(AT_FDCWD, tpl, at, name, 0) == 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    if (mknod(tpl, S_IFSOCK, 0) != 0 && errno != EEXIST)
        return -1;
    return linkat(AT_FDCWD, tpl, at, name, 0);
}

/* Makes or finds the placeholder of |ph->path| under the lock: 1 ours to
 * remove, 0 nothing of ours, -1 failed (errno and *call set). |tpl|: the
 * template to link (placeholder.h), or NULL. */
static int hold(struct cordon__placeholder *ph, int shared, const char *tpl, const char **call)
{
    struct stat st;
    int tries, at, r, linked;
    const char *name = place(ph, &at);

    for (tries = 0; tries < 3; tries++) {
        *call = "link";
        linked = (r = link_template(tpl, at, name)) == 0;
        if (r != 0 && errno != EEXIST) {
            *call = "mknod";
            r = mknodat(at, name, S_IFSOCK, 0);
        }
        if (r == 0) {
            ph->made = 1;
        } else if (errno == EEXIST) {
            *call = "lstat";
            if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno == ENOENT)
                    continue; /* gone again: try once more */
                return -1;
            }
            /* Another run's: relied on, and removed by the last run that
             * does, which only works with the lock. */
            if (!is_placeholder(&st) || !shared)
                return 0;
            ph->dev = st.st_dev;
            ph->ino = st.st_ino;
            return 1;
        } else if (no_socket_nodes(errno)) {
            *call = "mkdir";
            if (mkdirat(at, name, 0755) != 0) {
                if (errno == EEXIST)
                    continue;
                return not_creatable(errno) ? 0 : -1;
            }
            ph->is_dir = 1;
            ph->made = 1;
        } else {
            return not_creatable(errno) ? 0 : -1;
        }
        *call = "lstat";
        if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            int err = errno;
            unlinkat(at, name, ph->is_dir ? AT_REMOVEDIR : 0);
            errno = err;
            return -1;
        }
        if (linked && !is_placeholder(&st)) {
            /* The template is not (or no longer) a socket node of mode 0
             * of this user: that link goes, the template too (a new one is
             * made next time), and this placeholder is made by mknod. */
            unlinkat(at, name, 0);
            unlink(tpl);
            tpl = NULL;
            ph->made = 0;
            continue;
        }
        ph->dev = st.st_dev;
        ph->ino = st.st_ino;
        return 1;
    }
    errno = EEXIST;
    return -1;
}

/* The template's path: "placeholder" in this user's state directory
 * (allocated), or NULL: no state directory, or one inside a writable root
 * of |lp|. There the command could put its own file, or a socket it
 * listens on, in the template's place for the next runs to link, so each
 * placeholder is made by mknod instead. */
static char *template_path(const struct cordon__plan_linux *lp)
{
    char *dir = cordon__linux_state_dir(), *real, *tpl = NULL;
    size_t i;
    if (!dir)
        return NULL;
    real = realpath(dir, NULL);
    free(dir);
    if (!real)
        return NULL;
    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        size_t n = m->src ? strlen(m->src) : 0;
        if (m->op == CORDON__MOUNT_BIND_RW && n &&
            strncmp(real, m->src, n) == 0 && (real[n] == '/' || real[n] == '\0' || n == 1))
            goto done;
    }
    tpl = cordon__asprintf("%s/placeholder", real);
done:
    free(real);
    return tpl;
}

cordon_error cordon__placeholders_make(const struct cordon__plan_linux *lp,
                                       struct cordon__placeholders *p)
{
    size_t i;
    char *tpl = NULL;
    int tpl_known = 0;

    for (i = 0; i < lp->n_mounts; i++) {
        const struct cordon__mount *m = &lp->mounts[i];
        struct cordon__placeholder *ph;
        struct stat st;
        size_t k = atomic_load(&p->n);
        const char *call = NULL;
        int r, lock;

        if (!(m->protect || m->placeholder) || !m->src || k == p->cap)
            continue;
        /* A protected path that was there and is no placeholder: bound as
         * it is. (One missing at plan time is made below at once.) */
        if (!m->placeholder && lstat(m->src, &st) == 0 && !is_placeholder(&st))
            continue;
        lock = find_lock(p, m->src);
        /* Listed before it exists, so that the supervisor knows of it as
         * soon as it does. */
        ph = &p->v[k];
        memset(ph, 0, sizeof *ph);
        ph->path = m->src;
        ph->lock = lock;
        ph->dirfd = lock >= 0 ? p->locks[lock].fd : -1;
        atomic_store(&ph->state, PH_MAKING);
        atomic_store(&p->n, k + 1);
        if (!tpl_known) {
            tpl = template_path(lp);
            tpl_known = 1;
        }
        r = hold(ph, lock >= 0, tpl, &call);
        atomic_store(&ph->state, r > 0 ? PH_OURS : PH_NONE);
        if (r < 0) {
            int err = errno;
            char what[600];
            free(tpl);
            cordon__placeholders_remove(p);
            snprintf(what, sizeof what,
                     "cannot hold the place of the missing protected path %s for the run",
                     m->src);
            return cordon__sys_fail(what, call, err);
        }
    }
    free(tpl);
    return CORDON_OK;
}

/* Removes |ph| if it is still the inode found or made; |making|: the
 * caller died while making it, so its inode is unknown, and any
 * placeholder of this user there goes (no other run relies on it). */
static void remove_one(const struct cordon__placeholder *ph, int making)
{
    struct stat st;
    int at;
    const char *name = place(ph, &at);
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (making ? is_placeholder(&st) : st.st_dev == ph->dev && st.st_ino == ph->ino)
        unlinkat(at, name, ph->is_dir && !making ? AT_REMOVEDIR : 0);
}

void cordon__placeholders_remove(struct cordon__placeholders *p)
{
    size_t i, k, n, n_locks;

    if (!p)
        return;
    n = atomic_load(&p->n);
    n_locks = atomic_load(&p->n_locks);
    /* Per directory: only when no other run holds its lock. The caller
     * and the supervisor share each lock (one open file, inherited at the
     * clone), so either can take it exclusively. */
    for (k = 0; k < n_locks; k++) {
        const struct cordon__placeholder_lock *l = &p->locks[k];
        int last = l->fd >= 0 && flock(l->fd, LOCK_EX | LOCK_NB) == 0;
        for (i = 0; i < n; i++) {
            struct cordon__placeholder *ph = &p->v[i];
            int state;
            /* Only this directory's: the others wait for their own lock. */
            if (ph->lock != (int)k)
                continue;
            state = atomic_exchange(&ph->state, PH_DONE);
            if (last && (state == PH_OURS || state == PH_MAKING))
                remove_one(ph, state == PH_MAKING);
        }
        /* This run relies on nothing there any more. */
        if (l->fd >= 0)
            flock(l->fd, LOCK_UN);
    }
    /* Unshared (the filesystem cannot lock): only what this run made. */
    for (i = 0; i < n; i++) {
        struct cordon__placeholder *ph = &p->v[i];
        int ours = PH_OURS;
        if (ph->lock < 0 && ph->made && atomic_compare_exchange_strong(&ph->state, &ours, PH_DONE))
            remove_one(ph, 0);
    }
}

void cordon__placeholders_free(struct cordon__placeholders *p)
{
    size_t k;
    if (!p)
        return;
    for (k = 0; k < atomic_load(&p->n_locks); k++)
        if (p->locks[k].fd >= 0)
            close(p->locks[k].fd);
    munmap(p, mapping_size(p->cap));
}
