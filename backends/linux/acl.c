/* POSIX ACL grants of the elevated tier (backends/linux/elevated_linux.h).
 *
 * The ACLs are read and written as the kernel's extended attributes
 * (system.posix_acl_access, system.posix_acl_default: a version-2 header
 * and sorted {tag, perm, id} entries), not through libacl, so that the
 * statically linked cordon needs no further library; the format is the
 * kernel's ABI.
 *
 * Every walk runs as the real user and goes through directory descriptors,
 * never following a symlink, staying on the root's filesystem, touching
 * only what the real user owns and skipping the protected paths: a
 * sandboxed command that swaps a directory for a symlink while the walk
 * runs cannot turn it onto a path outside the root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "elevated_linux.h"

#define TAG_USER_OBJ 0x01
#define TAG_USER 0x02
#define TAG_GROUP_OBJ 0x04
#define TAG_GROUP 0x08
#define TAG_MASK 0x10
#define TAG_OTHER 0x20
#define MAX_ENTRIES 64

struct acl_e {
    unsigned tag, perm;
    uint32_t id;
};
struct acl {
    struct acl_e e[MAX_ENTRIES];
    size_t n;
};

static int acl_read(const char *path, const char *name, struct acl *a)
{
    unsigned char raw[4 + 8 * MAX_ENTRIES];
    ssize_t len = getxattr(path, name, raw, sizeof raw);
    size_t i;
    a->n = 0;
    if (len < 0)
        return errno == ENODATA ? 0 : errno;
    if (len < 4 || raw[0] != 2 || raw[1] || raw[2] || raw[3] || (len - 4) % 8)
        return EINVAL;
    for (i = 0; i < (size_t)(len - 4) / 8; i++) {
        const unsigned char *p = raw + 4 + 8 * i;
        a->e[i].tag = (unsigned)p[0] | (unsigned)p[1] << 8;
        a->e[i].perm = (unsigned)p[2] | (unsigned)p[3] << 8;
        a->e[i].id = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                     (uint32_t)p[7] << 24;
    }
    a->n = (size_t)(len - 4) / 8;
    return 0;
}

static int cmp_e(const void *x, const void *y)
{
    const struct acl_e *a = x, *b = y;
    if (a->tag != b->tag)
        return a->tag < b->tag ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int acl_write(const char *path, const char *name, struct acl *a)
{
    unsigned char raw[4 + 8 * MAX_ENTRIES];
    size_t i;
    qsort(a->e, a->n, sizeof a->e[0], cmp_e);
    raw[0] = 2;
    raw[1] = raw[2] = raw[3] = 0;
    for (i = 0; i < a->n; i++) {
        unsigned char *p = raw + 4 + 8 * i;
        uint32_t id = (a->e[i].tag == TAG_USER || a->e[i].tag == TAG_GROUP) ? a->e[i].id
                                                                            : 0xffffffffu;
        p[0] = (unsigned char)a->e[i].tag;
        p[1] = (unsigned char)(a->e[i].tag >> 8);
        p[2] = (unsigned char)a->e[i].perm;
        p[3] = 0;
        p[4] = (unsigned char)id;
        p[5] = (unsigned char)(id >> 8);
        p[6] = (unsigned char)(id >> 16);
        p[7] = (unsigned char)(id >> 24);
    }
    return setxattr(path, name, raw, 4 + 8 * a->n, 0) == 0 ? 0 : errno;
}

static struct acl_e *find(struct acl *a, unsigned tag, uint32_t id)
{
    size_t i;
    for (i = 0; i < a->n; i++)
        if (a->e[i].tag == tag && (tag != TAG_USER && tag != TAG_GROUP ? 1 : a->e[i].id == id))
            return &a->e[i];
    return NULL;
}

static void set_e(struct acl *a, unsigned tag, uint32_t id, unsigned perm)
{
    struct acl_e *e = find(a, tag, id);
    if (!e && a->n < MAX_ENTRIES) {
        e = &a->e[a->n++];
        e->tag = tag;
        e->id = id;
    }
    if (e)
        e->perm = perm;
}

static int remove_e(struct acl *a, unsigned tag, uint32_t id)
{
    struct acl_e *e = find(a, tag, id);
    if (!e)
        return 0;
    *e = a->e[--a->n];
    return 1;
}

/* The base entries from |mode| when the ACL is empty. */
static void base_from_mode(struct acl *a, mode_t mode)
{
    if (a->n)
        return;
    set_e(a, TAG_USER_OBJ, 0, (mode >> 6) & 7);
    set_e(a, TAG_GROUP_OBJ, 0, (mode >> 3) & 7);
    set_e(a, TAG_OTHER, 0, mode & 7);
}

/* A mask covering the group class when named entries exist, none otherwise. */
static void fix_mask(struct acl *a)
{
    unsigned m = 0;
    size_t i;
    int named = 0;
    for (i = 0; i < a->n; i++) {
        if (a->e[i].tag == TAG_USER || a->e[i].tag == TAG_GROUP)
            named = 1;
        if (a->e[i].tag == TAG_USER || a->e[i].tag == TAG_GROUP || a->e[i].tag == TAG_GROUP_OBJ)
            m |= a->e[i].perm;
    }
    if (named)
        set_e(a, TAG_MASK, 0, m);
    else
        remove_e(a, TAG_MASK, 0);
}

static int has_perm(struct acl *a, unsigned tag, uint32_t id, unsigned perm)
{
    struct acl_e *e = find(a, tag, id);
    struct acl_e *m = find(a, TAG_MASK, 0);
    return e && (e->perm & perm) == perm && (!m || (m->perm & perm) == perm);
}

int cordon__acl_root_granted(const char *root, const uid_t sandbox[2], uid_t owner)
{
    struct acl acc, def;
    if (acl_read(root, "system.posix_acl_access", &acc) != 0 ||
        acl_read(root, "system.posix_acl_default", &def) != 0)
        return 0;
    return has_perm(&acc, TAG_USER, sandbox[0], 7) && has_perm(&acc, TAG_USER, sandbox[1], 7) &&
           has_perm(&def, TAG_USER, sandbox[0], 7) && has_perm(&def, TAG_USER, sandbox[1], 7) &&
           has_perm(&def, TAG_USER, owner, 7);
}

/* Grants (|grant| 1) or removes (0) cordon's entries on the object open as
 * |fd| (an O_PATH descriptor; set through /proc/self/fd). |grant| 2: search
 * (x) only, on a directory above a root, and no default entries. */
static int apply_one(int fd, const struct stat *st, const uid_t sandbox[2], uid_t owner, int grant)
{
    char path[64];
    struct acl acc, def;
    int err, i, changed = 0, is_dir = S_ISDIR(st->st_mode);
    unsigned file_perm = 6 | ((st->st_mode & 0111) ? 1 : 0);

    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if ((err = acl_read(path, "system.posix_acl_access", &acc)) != 0)
        return err;
    base_from_mode(&acc, st->st_mode);
    if (grant == 2) {
        file_perm = 1;
        is_dir = 0; /* the access entry only */
    }
    for (i = 0; i < 2; i++) {
        if (grant) {
            unsigned want = is_dir ? 7 : file_perm;
            struct acl_e *have = find(&acc, TAG_USER, sandbox[i]);
            if (!has_perm(&acc, TAG_USER, sandbox[i], want)) {
                set_e(&acc, TAG_USER, sandbox[i], want | (have ? have->perm : 0));
                changed = 1;
            }
        } else {
            changed |= remove_e(&acc, TAG_USER, sandbox[i]);
        }
    }
    if (changed) {
        fix_mask(&acc);
        if ((err = acl_write(path, "system.posix_acl_access", &acc)) != 0)
            return err;
    }
    if (!is_dir)
        return 0;
    if ((err = acl_read(path, "system.posix_acl_default", &def)) != 0)
        return err;
    changed = 0;
    if (grant) {
        if (!def.n) {
            /* What new children get: the directory's own base entries. */
            set_e(&def, TAG_USER_OBJ, 0, 7);
            set_e(&def, TAG_GROUP_OBJ, 0, (st->st_mode >> 3) & 7);
            set_e(&def, TAG_OTHER, 0, st->st_mode & 7);
        }
        for (i = 0; i < 2; i++)
            if (!has_perm(&def, TAG_USER, sandbox[i], 7)) {
                set_e(&def, TAG_USER, sandbox[i], 7);
                changed = 1;
            }
        /* Files the sandbox users create stay the real user's to use. */
        if (!has_perm(&def, TAG_USER, owner, 7)) {
            set_e(&def, TAG_USER, owner, 7);
            changed = 1;
        }
    } else if (def.n) {
        changed |= remove_e(&def, TAG_USER, sandbox[0]);
        changed |= remove_e(&def, TAG_USER, sandbox[1]);
        changed |= remove_e(&def, TAG_USER, owner);
    }
    if (!changed)
        return 0;
    fix_mask(&def);
    if (!grant) {
        /* No named entry left: the default ACL was cordon's alone. */
        size_t k;
        int named = 0;
        for (k = 0; k < def.n; k++)
            named |= def.e[k].tag == TAG_USER || def.e[k].tag == TAG_GROUP;
        if (!named)
            return removexattr(path, "system.posix_acl_default") == 0 || errno == ENODATA ? 0
                                                                                           : errno;
    }
    return acl_write(path, "system.posix_acl_default", &def);
}

struct walk {
    const uid_t *sandbox;
    uid_t owner;
    int grant;
    dev_t dev;
    const struct cordon__strv *skip; /* absolute paths not to touch */
    size_t done, skipped;
    int err;
    char err_path[4096];
};

/* Walks the directory open as |dfd| (named |path|); closes |dfd|. */
static void walk_dir(struct walk *w, int dfd, const char *path, int depth)
{
    DIR *d;
    struct dirent *e;
    if (depth > 256 || !(d = fdopendir(dfd))) {
        close(dfd);
        return;
    }
    while (!w->err && (e = readdir(d)) != NULL) {
        struct stat st;
        char *child;
        int fd;
        size_t i;
        int skip = 0;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if ((!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) || st.st_dev != w->dev ||
            st.st_uid != w->owner) {
            w->skipped++;
            continue;
        }
        child = cordon__asprintf("%s/%s", path, e->d_name);
        if (!child) {
            w->err = ENOMEM;
            break;
        }
        for (i = 0; w->skip && i < w->skip->n; i++)
            if (strcmp(child, w->skip->v[i]) == 0)
                skip = 1;
        if (skip) {
            free(child);
            continue;
        }
        fd = openat(dirfd(d), e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            struct stat again;
            /* The same object as stat saw (not swapped in between). */
            if (fstat(fd, &again) == 0 && again.st_ino == st.st_ino && again.st_dev == st.st_dev) {
                int err = apply_one(fd, &again, w->sandbox, w->owner, w->grant);
                if (err && err != EPERM && err != ENOTSUP) {
                    w->err = err;
                    snprintf(w->err_path, sizeof w->err_path, "%s", child);
                } else {
                    w->done++;
                }
                if (S_ISDIR(again.st_mode) && !w->err) {
                    int sub = openat(dirfd(d), e->d_name,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                    struct stat s2;
                    if (sub >= 0 && fstat(sub, &s2) == 0 && s2.st_ino == st.st_ino)
                        walk_dir(w, sub, child, depth + 1);
                    else if (sub >= 0)
                        close(sub);
                }
            }
            close(fd);
        }
        free(child);
    }
    closedir(d);
}

cordon_error cordon__acl_tree(const char *root, const uid_t sandbox[2], uid_t owner, int grant,
                              const struct cordon__strv *skip, size_t *done)
{
    struct walk w;
    struct stat st;
    int fd, dfd, err;

    memset(&w, 0, sizeof w);
    w.sandbox = sandbox;
    w.owner = owner;
    w.grant = grant;
    w.skip = skip;
    fd = open(root, O_PATH | O_NOFOLLOW | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        err = errno;
        if (fd >= 0)
            close(fd);
        return cordon__sys_fail(root, "open", err);
    }
    if (st.st_uid != owner) {
        close(fd);
        return cordon__fail(CORDON_ERR_PERMISSION,
                            "cannot grant the sandbox users write on %s: it is owned by uid %u, "
                            "not by you (uid %u)", root, (unsigned)st.st_uid, (unsigned)owner);
    }
    w.dev = st.st_dev;
    /* Children first, the root last: the root's entries say the whole
     * tree is done (cordon__acl_root_granted). */
    dfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd >= 0)
        walk_dir(&w, dfd, root, 0);
    if (!w.err && (err = apply_one(fd, &st, sandbox, owner, grant)) != 0) {
        w.err = err;
        snprintf(w.err_path, sizeof w.err_path, "%s", root);
    }
    close(fd);
    if (done)
        *done = w.done;
    if (w.err)
        return cordon__sys_fail(w.err_path, grant ? "setxattr (grant ACL)" : "setxattr (revoke ACL)",
                                w.err);
    return CORDON_OK;
}

cordon_error cordon__acl_search(const char *dir, const uid_t sandbox[2], uid_t owner, int grant)
{
    struct stat st;
    int fd = open(dir, O_PATH | O_NOFOLLOW | O_CLOEXEC | O_DIRECTORY), err;
    if (fd < 0 || fstat(fd, &st) != 0) {
        err = errno;
        if (fd >= 0)
            close(fd);
        return cordon__sys_fail(dir, "open", err);
    }
    if (st.st_uid != owner) {
        close(fd);
        return cordon__fail(CORDON_ERR_PERMISSION,
                            "cannot let the sandbox users enter %s: it is owned by uid %u, not by "
                            "you (uid %u)", dir, (unsigned)st.st_uid, (unsigned)owner);
    }
    err = apply_one(fd, &st, sandbox, owner, grant ? 2 : 0);
    close(fd);
    return err ? cordon__sys_fail(dir, grant ? "setxattr (grant search)" : "setxattr (revoke)", err)
               : CORDON_OK;
}

int cordon__dir_open_to_others(const char *dir, const struct stat *st, const uid_t sandbox[2],
                               char *who, size_t n)
{
    struct acl a;
    size_t i;
    unsigned mask = 7;
    /* In a sticky directory only an entry's owner (or the directory's)
     * renames or removes it, so writers there cannot move what the caller
     * or root owns. */
    if (st->st_mode & S_ISVTX)
        return 0;
    if (acl_read(dir, "system.posix_acl_access", &a) != 0 || a.n == 0) {
        if (st->st_mode & S_IWOTH) {
            snprintf(who, n, "every user (mode %04o)", (unsigned)(st->st_mode & 07777));
            return 1;
        }
        if ((st->st_mode & S_IWGRP) && cordon__gid_only_for(st->st_gid, st->st_uid) != 1) {
            snprintf(who, n, "group %u (mode %04o)", (unsigned)st->st_gid,
                     (unsigned)(st->st_mode & 07777));
            return 1;
        }
        return 0;
    }
    for (i = 0; i < a.n; i++)
        if (a.e[i].tag == TAG_MASK)
            mask = a.e[i].perm;
    for (i = 0; i < a.n; i++) {
        const struct acl_e *e = &a.e[i];
        switch (e->tag) {
        case TAG_USER:
            /* The sandbox users write only inside the roots of a run. */
            if ((e->perm & mask & 2) && e->id != st->st_uid && e->id != 0 &&
                e->id != sandbox[0] && e->id != sandbox[1]) {
                snprintf(who, n, "uid %u (ACL entry)", (unsigned)e->id);
                return 1;
            }
            break;
        case TAG_GROUP_OBJ:
        case TAG_GROUP: {
            gid_t g = e->tag == TAG_GROUP ? (gid_t)e->id : st->st_gid;
            if ((e->perm & mask & 2) && cordon__gid_only_for(g, st->st_uid) != 1) {
                snprintf(who, n, "group %u (ACL entry)", (unsigned)g);
                return 1;
            }
            break;
        }
        case TAG_OTHER:
            if (e->perm & 2) {
                snprintf(who, n, "every user (ACL entry)");
                return 1;
            }
            break;
        }
    }
    return 0;
}
