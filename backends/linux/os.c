/* Host facts for plan compilation on Linux. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "linux.h"

extern char **environ;

#ifndef CORDON_INSTALL_LIBEXECDIR
#define CORDON_INSTALL_LIBEXECDIR "/usr/local/libexec"
#endif

/* Granting write on any of these themselves would hand over the system. */
static const char *const system_dirs[] = {
    "/",     "/bin",  "/boot", "/dev",  "/etc",   "/home", "/lib",  "/lib32", "/lib64",
    "/libx32", "/opt", "/proc", "/root", "/run",  "/sbin", "/srv",  "/sys",
    "/usr",  "/usr/bin", "/usr/lib", "/usr/local", "/usr/share", "/var",
    "/var/lib", NULL,
};

static cordon_error os_realpath(const char *path, char **out)
{
    char *r = realpath(path, NULL);
    if (!r) {
        int err = errno;
        char *what = cordon__asprintf("cannot resolve %s", path);
        cordon_error e = cordon__sys_fail(what ? what : path, "realpath", err);
        free(what);
        return e;
    }
    *out = r;
    return CORDON_OK;
}

static enum cordon__path_kind os_path_kind(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return CORDON__PATH_MISSING;
    if (S_ISDIR(st.st_mode))
        return CORDON__PATH_DIR;
    if (S_ISREG(st.st_mode))
        return CORDON__PATH_FILE;
    if (S_ISLNK(st.st_mode))
        return CORDON__PATH_LINK;
    return CORDON__PATH_OTHER;
}

static cordon_error os_read_text(const char *path, size_t max, char **out)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t n;
    cordon_error e = CORDON_OK;

    f = fopen(path, "rb");
    if (!f) {
        char *what = cordon__asprintf("cannot read %s", path);
        e = cordon__sys_fail(what ? what : path, "fopen", errno);
        free(what);
        goto done;
    }
    buf = malloc(max + 1);
    if (!buf) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading %s", path);
        goto done;
    }
    n = fread(buf, 1, max, f);
    if (ferror(f)) {
        char *what = cordon__asprintf("cannot read %s", path);
        e = cordon__sys_fail(what ? what : path, "fread", errno);
        free(what);
        goto done;
    }
    buf[n] = '\0';
    *out = buf;
    buf = NULL;
done:
    if (f)
        fclose(f);
    free(buf);
    return e;
}

static cordon_error os_read_link(const char *path, char **out)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) {
        char *what = cordon__asprintf("cannot read the link %s", path);
        cordon_error e = cordon__sys_fail(what ? what : path, "readlink", errno);
        free(what);
        return e;
    }
    buf[n] = '\0';
    *out = cordon__strdup(buf);
    return *out ? CORDON_OK : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
}

static cordon_error os_list_dir(const char *path, struct cordon__strv *out)
{
    DIR *d = opendir(path);
    struct dirent *ent;
    cordon_error e = CORDON_OK;
    if (!d) {
        char *what = cordon__asprintf("cannot list %s", path);
        e = cordon__sys_fail(what ? what : path, "opendir", errno);
        free(what);
        return e;
    }
    while (e == CORDON_OK && (ent = readdir(d)) != NULL)
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
            e = cordon__strv_push(out, ent->d_name);
    closedir(d);
    return e;
}

static int is_dir(const char *p)
{
    struct stat st;
    return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The stubs relative to the installed libcordon.so: its directory is
 * <prefix>/<libdir>, and CORDON_LIBDIR_TO_SHIMS leads from there to
 * <prefix>/<libexecdir>/cordon/shims (both as configured, so an install
 * moved with --prefix or DESTDIR still finds its own). NULL when this code
 * is not in a shared library or nothing is there. */
static char *shim_dir_beside_library(void)
{
    Dl_info info;
    char *dir, *slash, *cand, *real = NULL;

    memset(&info, 0, sizeof info);
    if (!dladdr((void *)cordon_version, &info) || !info.dli_fname || info.dli_fname[0] != '/')
        return NULL;
    if (!(dir = cordon__strdup(info.dli_fname)))
        return NULL;
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    cand = cordon__asprintf("%s/%s", dir[0] ? dir : "/", CORDON_LIBDIR_TO_SHIMS);
    if (cand && is_dir(cand))
        real = realpath(cand, NULL);
    free(cand);
    free(dir);
    return real;
}

/* Where the ssh/scp stubs are: $CORDON_SHIM_DIR, then beside the
 * installed library (a program linked with libcordon.so), then beside this
 * program (build tree: <build>/shims/bin; install:
 * <prefix>/libexec/cordon/shims), then the configured install location. */
static char *find_shim_dir(void)
{
    const char *env = getenv("CORDON_SHIM_DIR");
    char exe[PATH_MAX];
    char *lib;
    ssize_t n;

    if (env && *env)
        return cordon__strdup(env);
    if ((lib = shim_dir_beside_library()) != NULL)
        return lib;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash && slash != exe) {
            /* The kernel's path of this program has no symlinks, so ".."
             * is its directory's parent as written: only the candidate
             * found needs resolving. */
            const char *const rel[] = {"../libexec/cordon/shims", "../shims/bin", "shims/bin"};
            char *up;
            size_t i;
            *slash = '\0';
            up = strrchr(exe, '/');
            for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                int parent = strncmp(rel[i], "../", 3) == 0;
                char *cand = parent ? cordon__asprintf("%.*s/%s", up ? (int)(up - exe) : 0, exe,
                                                       rel[i] + 3)
                                    : cordon__asprintf("%s/%s", exe, rel[i]);
                char *real = cand && is_dir(cand) ? realpath(cand, NULL) : NULL;
                free(cand);
                if (real)
                    return real;
            }
        }
    }
    return cordon__strdup(CORDON_INSTALL_LIBEXECDIR "/cordon/shims");
}

/* The home directory of |uid| in /etc/passwd ("name:pw:uid:gid:gecos:
 * home:shell"), or NULL. Read directly rather than through NSS, whose
 * modules a statically linked cordon could not load; only used when HOME
 * is unset. */
static char *passwd_home(uid_t uid)
{
    FILE *f = fopen("/etc/passwd", "re");
    char line[1024];
    char *home = NULL;
    if (!f)
        return NULL;
    while (!home && fgets(line, sizeof line, f)) {
        char *field[7];
        char *p = line, *end;
        int n = 0;
        unsigned long u;
        while (n < 7) {
            field[n++] = p;
            p = strchr(p, ':');
            if (!p)
                break;
            *p++ = '\0';
        }
        if (n < 7)
            continue;
        field[6][strcspn(field[6], "\n")] = '\0';
        u = strtoul(field[2], &end, 10);
        if (end != field[2] && !*end && u == (unsigned long)uid && field[5][0] == '/')
            home = cordon__strdup(field[5]);
    }
    fclose(f);
    return home;
}

void cordon__mountinfo_unescape(char *s)
{
    char *w = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *w++ = *s++;
        }
    }
    *w = '\0';
}

/* Length of |dir| when |p| is |dir| or below it, else -1 ("/" is below
 * everything). */
static long below(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return 0;
    return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0') ? (long)n : -1;
}

struct mnt {
    dev_t dev;
    uint64_t id;     /* listmount's unique id (Linux 6.8), 0 from mountinfo */
    uint64_t id_old; /* mountinfo's id (as STATX_MNT_ID), 0 from listmount */
    char *root, *point;
};

struct mnt_list {
    struct mnt *v;
    size_t n;
};

static void mnt_list_free(struct mnt_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        free(l->v[i].root);
        free(l->v[i].point);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Appends a mount (|root| and |point| copied); 0, or -1 out of memory. */
static int mnt_push(struct mnt_list *l, dev_t dev, uint64_t id, uint64_t id_old,
                    const char *root, const char *point)
{
    struct mnt *v = realloc(l->v, (l->n + 1) * sizeof *l->v);
    if (!v)
        return -1;
    l->v = v;
    v[l->n].dev = dev;
    v[l->n].id = id;
    v[l->n].id_old = id_old;
    v[l->n].root = cordon__strdup(root);
    v[l->n].point = cordon__strdup(point);
    l->n++;
    return v[l->n - 1].root && v[l->n - 1].point ? 0 : -1;
}

/* listmount(2) and statmount(2) (Linux 6.8; numbers of the unified
 * table, the same on every architecture). */
#define SYS_statmount_ 457
#define SYS_listmount_ 458
#define LSMT_ROOT_ 0xffffffffffffffffULL
#define STATMOUNT_SB_BASIC_ 0x1u
#define STATMOUNT_MNT_ROOT_ 0x8u
#define STATMOUNT_MNT_POINT_ 0x10u
struct mnt_id_req_ {
    uint32_t size, spare;
    uint64_t mnt_id, param;
};
/* The fixed part of struct statmount this reads; its strings start at
 * byte 512 (the size of the fixed part, unchanged since 6.8). */
struct statmount_ {
    uint32_t size, mnt_opts;
    uint64_t mask;
    uint32_t sb_dev_major, sb_dev_minor;
    uint64_t sb_magic;
    uint32_t sb_flags, fs_type;
    uint64_t mnt_id, mnt_parent_id;
    uint32_t mnt_id_old, mnt_parent_id_old;
    uint64_t mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
    uint32_t mnt_root, mnt_point;
};
#define STATMOUNT_STR_ 512

/* The mounts of this mount namespace in mount order, from listmount and
 * statmount: one call for the list, one per mount. With |of| (a unique
 * mount id, not 0) only the mounts of the same superblock as mount |of|
 * are kept: the others are asked for their device alone, which spares
 * the kernel formatting their root and mount point (most of the cost of
 * a statmount), and are left out. 0; 1 when the kernel lacks them (or
 * answers oddly): read mountinfo instead; -1 out of memory. A mount that
 * went away meanwhile is left out. */
static int mounts_by_statmount(struct mnt_list *l, uint64_t of)
{
    uint64_t ids[256];
    union {
        struct statmount_ sm;
        char raw[STATMOUNT_STR_ + 2 * PATH_MAX + 64];
    } *buf = malloc(sizeof *buf);
    struct mnt_id_req_ req;
    uint32_t want_major = 0, want_minor = 0;
    long n, i;
    int r = 0;

    if (!buf)
        return -1;
    if (of) {
        /* The superblock of mount |of|. */
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        req.mnt_id = of;
        req.param = STATMOUNT_SB_BASIC_;
        if (syscall(SYS_statmount_, &req, buf, sizeof *buf, 0UL) != 0 ||
            !(buf->sm.mask & STATMOUNT_SB_BASIC_)) {
            free(buf);
            return 1;
        }
        want_major = buf->sm.sb_dev_major;
        want_minor = buf->sm.sb_dev_minor;
    }
    memset(&req, 0, sizeof req);
    req.size = sizeof req;
    req.mnt_id = LSMT_ROOT_;
    for (;;) {
        n = syscall(SYS_listmount_, &req, ids, sizeof ids / sizeof ids[0], 0UL);
        if (n < 0) {
            r = 1;
            break;
        }
        for (i = 0; i < n && r == 0; i++) {
            struct mnt_id_req_ q;
            const char *root, *point;
            memset(&q, 0, sizeof q);
            q.size = sizeof q;
            q.mnt_id = ids[i];
            if (of && ids[i] != of) {
                q.param = STATMOUNT_SB_BASIC_;
                if (syscall(SYS_statmount_, &q, buf, sizeof *buf, 0UL) != 0) {
                    if (errno == ENOENT)
                        continue; /* unmounted since the list */
                    r = 1;
                    break;
                }
                if (!(buf->sm.mask & STATMOUNT_SB_BASIC_)) {
                    r = 1;
                    break;
                }
                if (buf->sm.sb_dev_major != want_major || buf->sm.sb_dev_minor != want_minor)
                    continue; /* another filesystem: shows nothing of the path */
            }
            q.param = STATMOUNT_SB_BASIC_ | STATMOUNT_MNT_ROOT_ | STATMOUNT_MNT_POINT_;
            if (syscall(SYS_statmount_, &q, buf, sizeof *buf, 0UL) != 0) {
                if (errno == ENOENT)
                    continue; /* unmounted since the list */
                r = 1;
                break;
            }
            if ((buf->sm.mask & q.param) != q.param || buf->sm.size > sizeof *buf ||
                STATMOUNT_STR_ + (size_t)buf->sm.mnt_root >= buf->sm.size ||
                STATMOUNT_STR_ + (size_t)buf->sm.mnt_point >= buf->sm.size) {
                r = 1;
                break;
            }
            buf->raw[sizeof buf->raw - 1] = '\0';
            root = buf->raw + STATMOUNT_STR_ + buf->sm.mnt_root;
            point = buf->raw + STATMOUNT_STR_ + buf->sm.mnt_point;
            if (root[0] != '/' || point[0] != '/') {
                r = 1;
                break;
            }
            if (mnt_push(l, makedev(buf->sm.sb_dev_major, buf->sm.sb_dev_minor), ids[i], 0, root,
                         point) != 0)
                r = -1;
        }
        if (r != 0 || n < (long)(sizeof ids / sizeof ids[0]))
            break;
        req.param = ids[n - 1]; /* the next page starts after the last id */
    }
    free(buf);
    if (r > 0)
        mnt_list_free(l);
    return r;
}

/* The same from /proc/self/mountinfo (the kernel formats every mount);
 * 0, or -1 out of memory. Unreadable: no mount. */
static int mounts_by_mountinfo(struct mnt_list *l)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char *line = NULL;
    size_t cap = 0;
    int r = 0;

    if (!f)
        return 0;
    while (r == 0 && getline(&line, &cap, f) > 0) {
        char *fld[5], *p = line, *save = NULL, *end;
        unsigned long maj, min;
        int k;
        for (k = 0; k < 5 && (fld[k] = strtok_r(k ? NULL : p, " ", &save)) != NULL; k++)
            ;
        if (k < 5)
            continue;
        maj = strtoul(fld[2], &end, 10);
        if (*end != ':')
            continue;
        min = strtoul(end + 1, NULL, 10);
        cordon__mountinfo_unescape(fld[3]);
        cordon__mountinfo_unescape(fld[4]);
        r = mnt_push(l, makedev(maj, min), 0, strtoull(fld[0], NULL, 10), fld[3], fld[4]);
    }
    free(line);
    fclose(f);
    return r;
}

/* statx(2)'s mount id (glibc's struct statx may not name the field). */
#define STATX_MNT_ID_ 0x1000u
#define STATX_MNT_ID_UNIQUE_ 0x4000u
struct statx_ {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct {
        int64_t sec;
        uint32_t nsec;
        int32_t pad;
    } t[4];
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t mnt_id;
    uint64_t spare[13];
};
_Static_assert(offsetof(struct statx_, mnt_id) == 144, "struct statx layout");
_Static_assert(sizeof(struct statx_) == 256, "struct statx size");

/* The id of the mount |path| resolves on, exactly (not guessed from the
 * mount table): with |unique| the 64-bit id listmount and statmount use
 * (Linux 6.8), else the one mountinfo shows (Linux 5.8). 0, or -1 when
 * the kernel does not say it. */
static int mount_id_of(const char *path, int unique, uint64_t *id)
{
    struct statx_ sx;
    unsigned want = unique ? STATX_MNT_ID_UNIQUE_ : STATX_MNT_ID_;
    memset(&sx, 0, sizeof sx);
    if (syscall(SYS_statx, AT_FDCWD, path, 0, want, &sx) != 0 || !(sx.mask & want))
        return -1;
    *id = sx.mnt_id;
    return 0;
}

/* host->aliases: the other mounts of this mount namespace that show the
 * object at |path| (canonical), or a part of it. The mount |path| is on
 * (statx's mount id, matched in the table; only where the kernel does not
 * give it, before 5.8, guessed as the deepest mount point above |path|,
 * the latest of equals) gives its place inside the filesystem (root +
 * the rest of the path). Every other mount of the same superblock whose
 * root contains that place shows it too, at the same rest below its
 * mount point; and every one whose root lies inside it shows a part of
 * it, at its mount point. Each candidate is kept only when it really is
 * the same inode now (reached through the mounts on top, if any). */
static cordon_error os_aliases(const char *path, struct cordon__strv *out)
{
    struct mnt_list ml = {NULL, 0};
    struct mnt *m;
    size_t n, i, best = (size_t)-1;
    long best_len = -1;
    char *inner = NULL;
    struct stat want;
    uint64_t id = 0, unique = 0;
    cordon_error e = CORDON_OK;
    int r, have_unique;

    if (stat(path, &want) != 0)
        return CORDON_OK; /* nothing known: no alias added (the level says what is hidden) */
    /* Only the mounts of the superblock |path| is on can show it: with
     * the mount's unique id the others are not read in full. Should that
     * mount be gone by the time of the list, the whole table is read. */
    have_unique = mount_id_of(path, 1, &unique) == 0;
    r = mounts_by_statmount(&ml, have_unique ? unique : 0);
    if (r == 0 && have_unique) {
        for (i = 0; i < ml.n && ml.v[i].id != unique; i++)
            ;
        if (i == ml.n) {
            mnt_list_free(&ml);
            r = mounts_by_statmount(&ml, 0);
        }
    }
    if (r > 0)
        r = mounts_by_mountinfo(&ml);
    if (r < 0) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the mount table");
        goto done;
    }
    m = ml.v;
    n = ml.n;
    /* The table from statmount carries unique ids, mountinfo's the old. */
    if (n && (m[0].id != 0 ? (have_unique ? (id = unique, 0) : -1)
                           : mount_id_of(path, 0, &id)) == 0) {
        for (i = 0; i < n; i++)
            if ((m[0].id != 0 ? m[i].id : m[i].id_old) == id) {
                best = i;
                best_len = below(path, m[i].point);
                break;
            }
        if (best != (size_t)-1 && best_len < 0)
            goto done; /* the mount's point is not above the path: nothing sure to say */
    }
    if (best == (size_t)-1) {
        for (i = 0; i < n; i++) {
            long l = below(path, m[i].point);
            if (l >= 0 && l >= best_len) { /* later entries are mostly mounted on top */
                best_len = l;
                best = i;
            }
        }
    }
    if (best == (size_t)-1)
        goto done;
    inner = cordon__asprintf("%s%s", strcmp(m[best].root, "/") ? m[best].root : "",
                             path + best_len);
    if (!inner) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the mount table");
        goto done;
    }
    if (!inner[0]) {
        free(inner);
        if (!(inner = cordon__strdup("/"))) {
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the mount table");
            goto done;
        }
    }
    for (i = 0; i < n && e == CORDON_OK; i++) {
        long l;
        char *cand = NULL, *part = NULL;
        struct stat st, sub;
        const struct stat *same = &want;
        if (i == best || m[i].dev != m[best].dev)
            continue;
        if ((l = below(inner, m[i].root)) >= 0) {
            /* The whole object, at the same place below this mount. */
            cand = cordon__asprintf("%s%s", strcmp(m[i].point, "/") ? m[i].point : "",
                                    inner + l);
        } else if ((l = below(m[i].root, inner)) >= 0) {
            /* A part of it (this mount's root lies inside it): the whole
             * mount shows that part, the one at the same place below the
             * path. */
            cand = cordon__strdup(m[i].point);
            part = cordon__asprintf("%s%s", path, m[i].root + l);
            if (cand && part && stat(part, &sub) != 0) {
                free(cand);
                free(part);
                continue;
            }
            same = &sub;
        } else {
            continue;
        }
        if (!cand || (same == &sub && !part)) {
            free(cand);
            free(part);
            e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the mount table");
            break;
        }
        if (cand[0] == '\0') {
            free(cand);
            cand = cordon__strdup("/");
        }
        /* Inside the path itself the mask hides it already. */
        if (cand && strcmp(cand, path) != 0 && below(cand, path) < 0 && stat(cand, &st) == 0 &&
            st.st_dev == same->st_dev && st.st_ino == same->st_ino &&
            !cordon__strv_contains(out, cand))
            e = cordon__strv_push(out, cand);
        free(cand);
        free(part);
    }
done:
    mnt_list_free(&ml);
    free(inner);
    return e;
}

/* cordon's tool cache for this user: $XDG_CACHE_HOME/cordon/tools when
 * that is set and absolute (the XDG rule: a relative one is ignored),
 * else <home>/.cache/cordon/tools; NULL without a home. Its own directory
 * below the user's cache, so that no cache a tool of the user's reads
 * outside the sandbox is one the sandbox writes. */
static char *cache_dir_of(const char *home)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/') {
        char *norm = cordon__path_normalize(CORDON__OS_LINUX, xdg);
        char *dir = norm ? cordon__asprintf("%s/cordon/tools", strcmp(norm, "/") ? norm : "")
                         : NULL;
        free(norm);
        return dir;
    }
    if (!home || !home[0] || strcmp(home, "/") == 0)
        return NULL;
    return cordon__asprintf("%s/.cache/cordon/tools", home);
}

/* Facts that do not change while the process runs, read once. */
static char *host_home, *host_tmp_base, *host_shim_dir, *host_cache_dir;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void read_host_once(void)
{
    const char *h = getenv("HOME");
    const char *t = getenv("TMPDIR");
    char *from_passwd = NULL;

    if (!h || !*h) {
        from_passwd = passwd_home(getuid());
        h = from_passwd ? from_passwd : "/";
    }
    host_home = realpath(h, NULL);
    if (!host_home)
        host_home = cordon__strdup(h);
    free(from_passwd);
    host_tmp_base = (t && *t) ? realpath(t, NULL) : NULL;
    if (!host_tmp_base)
        host_tmp_base = cordon__strdup("/tmp");
    host_shim_dir = find_shim_dir();
    host_cache_dir = cache_dir_of(host_home);
}

cordon_error cordon__os_host(struct cordon__host *out)
{
    /* Per thread: concurrent runs on other threads get their own ids. */
    static _Thread_local char run_id[64];
    unsigned char rnd[6];

    memset(out, 0, sizeof *out);
    pthread_once(&host_once, read_host_once);
    if (!host_home || !host_tmp_base || !host_shim_dir)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading host facts");
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return cordon__sys_fail("cannot name the run", "getrandom", errno);
    cordon__run_id_format(run_id, sizeof run_id, (unsigned long)getpid(), rnd, sizeof rnd);

    out->os = CORDON__OS_LINUX;
    out->home = host_home;
    out->system_dirs = system_dirs;
    out->tmp_base = host_tmp_base;
    out->shim_dir = host_shim_dir;
    out->run_id = run_id;
    out->cache_dir = host_cache_dir;
    out->realpath = os_realpath;
    out->path_kind = os_path_kind;
    out->read_text = os_read_text;
    out->aliases = os_aliases;
    out->read_link = os_read_link;
    out->list_dir = os_list_dir;
    out->granted_roots = cordon__linux_granted_roots;
    return CORDON_OK;
}

/* 1 when |p| has a "." or ".." component. */
static int has_dot_part(const char *p)
{
    while ((p = strstr(p, "/.")) != NULL) {
        p += 2;
        if (*p == '.')
            p++;
        if (*p == '/' || *p == '\0')
            return 1;
    }
    return 0;
}

/* The working directory as the caller reached it: $PWD when it names the
 * same directory (as pwd(1) does), so that core sees a symbolic link on
 * the way to it (a root reached through a planted link is refused), else
 * the physical path. */
cordon_error cordon__os_getcwd(char **out)
{
    const char *pwd = getenv("PWD");
    struct stat a, b;
    char *c;
    if (pwd && pwd[0] == '/' && !has_dot_part(pwd) && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        if (!(*out = cordon__strdup(pwd)))
            return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        return CORDON_OK;
    }
    c = getcwd(NULL, 0);
    if (!c)
        return cordon__sys_fail("cannot read the current directory", "getcwd", errno);
    *out = c;
    return CORDON_OK;
}

cordon_error cordon__os_environ(struct cordon__strv *out)
{
    char **e;
    for (e = environ; e && *e; e++) {
        cordon_error err = cordon__strv_push(out, *e);
        if (err != CORDON_OK)
            return err;
    }
    return CORDON_OK;
}

int cordon__os_replan(void)
{
    /* Both taken: each clears its own signal. */
    int unelevated = cordon__linux_take_replan();
    int elevated = cordon__linux_elevated_take_replan();
    return unelevated || elevated;
}

double cordon__os_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
