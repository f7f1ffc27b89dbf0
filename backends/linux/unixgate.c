/* The unix socket gate: the command reaches a unix socket of a process
 * outside the sandbox only through here.
 *
 * seccomp answers the command's connect() with SECCOMP_RET_USER_NOTIF;
 * the supervisor (pid 1 of the sandbox, not dumpable, holding
 * capabilities the command lacks: it can neither ptrace nor kill it)
 * receives the notification and acts for the command instead of letting
 * the call go on:
 *
 *   1. pidfd_getfd() takes the command's socket (the open file as it is
 *      now: a dup2() of another socket onto the number later changes
 *      nothing), and the address is copied once from its memory;
 *   2. the notification is checked to be still pending (so the pid named
 *      the caller all along);
 *   3. a pathname is resolved in the calling thread's view (its root and
 *      cwd, through the sandbox's /proc), and the inode pinned with an
 *      O_PATH descriptor;
 *   4. allowed are: sockets whose path, re-resolved without symlinks in
 *      the command's view, lies under a writable root or the private
 *      /tmp (its own), and the policy's allow_unix_sockets; abstract
 *      addresses only in the run's private network namespace (they are
 *      per namespace); any other family is the network namespace's or
 *      seccomp's business and is connected as given;
 *   5. the gate connects the command's socket itself, a pathname through
 *      "/proc/self/fd/N" (the pinned inode), and answers with the result.
 *      A blocking socket is connected by a worker (forked on demand, then
 *      kept for the run), so a full backlog or a slow TCP handshake never
 *      stalls the gate.
 *
 * The gate also counts what it saw refused (the run's denials, read by
 * the caller from shared memory once the run is over): with network off,
 * connects to IPv4/IPv6 addresses outside the private loopback (the
 * namespace has no route) and to loopback ports where nothing listens
 * inside, and socket() calls of refused families (the plan's "count"
 * rules notify them here; the answer is EAFNOSUPPORT as without the
 * gate); unix sockets outside it refuses. It costs nothing on calls the
 * gate does not already see.
 *
 * Nothing the command changes after step 1 reaches the decision: no
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE is ever sent. If the gate is gone, the
 * kernel fails every notified call with ENOSYS (closed). Unix datagram
 * sockets, whose every sendmsg() may carry an address seccomp cannot
 * read, are refused by the filter itself (core/plan_linux.c).
 *
 * The command's side (handoff) runs between fork and exec and is
 * async-signal-safe; the supervisor's side runs in the supervisor, which
 * may be a child of a multithreaded caller: no allocation there either.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/seccomp.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define GATE_PIDFD_THREAD 0x80 /* O_EXCL: PIDFD_THREAD (Linux 6.9) */
#define GATE_RESOLVE_NO_MAGICLINKS 0x02
#define GATE_RESOLVE_NO_SYMLINKS 0x04
#define GATE_RESOLVE_IN_ROOT 0x10

struct gate_open_how {
    uint64_t flags, mode, resolve;
};

/* ---- the command's side (between fork and exec) --------------------------- */

/* Sends the notification descriptor and, when this /proc shows the pid
 * namespace the supervisor sees (a fresh /proc of the sandbox, or the
 * host's without one), an O_PATH descriptor of it. */
int cordon__unixgate_handoff(struct cordon__unixgate *g, int listener)
{
    char self[32], num[24];
    int fds[2], n = 1, e = 0;
    uint32_t word = 0x67617465u;
    ssize_t r;
    unsigned long v = (unsigned long)getpid();
    size_t k = 0, i;

    fds[0] = listener;
    fds[1] = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    do {
        num[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && k < sizeof num - 1);
    for (i = 0; i < k; i++)
        self[i] = num[k - 1 - i];
    self[k] = '\0';
    if (fds[1] >= 0) {
        char link[32];
        r = readlinkat(fds[1], "self", link, sizeof link - 1);
        if (r == (ssize_t)k && memcmp(link, self, k) == 0)
            n = 2;
    }
    e = cordon__send_with_fds(g->sock[1], &word, sizeof word, fds, (size_t)n, 0);
    if (fds[1] >= 0)
        close(fds[1]);
    close(listener);
    close(g->sock[1]);
    g->sock[1] = -1;
    return e;
}

/* ---- the supervisor's side ---------------------------------------------------- */

int cordon__unixgate_start(struct cordon__unixgate *g)
{
    uint32_t word = 0;
    int fds[2];
    ssize_t r;

    g->listener = g->procfd = -1;
    if (g->sock[1] >= 0) {
        close(g->sock[1]);
        g->sock[1] = -1;
    }
    /* The command has exec'd (or failed): its message is there or never
     * comes. */
    r = cordon__recv_with_fds(g->sock[0], &word, sizeof word, fds, 2, MSG_DONTWAIT);
    close(g->sock[0]);
    g->sock[0] = -1;
    if (r != (ssize_t)sizeof word) {
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
        return -1;
    }
    g->listener = fds[0];
    g->procfd = fds[1];
    return g->listener;
}

static size_t put_num(char *dst, unsigned long v)
{
    char num[24];
    size_t k = 0, i;
    do {
        num[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && k < sizeof num);
    for (i = 0; i < k; i++)
        dst[i] = num[k - 1 - i];
    dst[k] = '\0';
    return k;
}

/* "<pid>/<what>" under the sandbox's /proc, opened O_PATH. */
static int open_task(const struct cordon__unixgate *g, unsigned long pid, const char *what)
{
    char rel[64];
    size_t n;
    if (g->procfd < 0) {
        errno = EACCES;
        return -1;
    }
    n = put_num(rel, pid);
    rel[n++] = '/';
    memcpy(rel + n, what, strlen(what) + 1);
    return openat(g->procfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int open_how(int dirfd, const char *path, uint64_t resolve)
{
    struct gate_open_how how;
    long fd;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = resolve;
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS) {
        /* Before Linux 5.6: relative to the root's descriptor. The check
         * below still holds (it needs RESOLVE_NO_SYMLINKS, so it refuses
         * without openat2). */
        if (resolve & GATE_RESOLVE_NO_SYMLINKS)
            return -1;
        while (*path == '/')
            path++;
        fd = openat(dirfd, *path ? path : ".", O_PATH | O_CLOEXEC);
    }
    return (int)fd;
}

static int path_under(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0' || n == 1);
}

/* 1 when the socket |fd| (resolved in the command's view from |root|)
 * lies under one of the command's own places: its path there, free of
 * symlinks, leads back to the same inode. */
static int own_socket(const struct cordon__unixgate *g, int root, int fd, const struct stat *st)
{
    char link[32], path[PATH_MAX];
    struct stat st2;
    ssize_t r;
    size_t i;
    int fd2, own = 0;

    memcpy(link, "/proc/self/fd/", 14);
    put_num(link + 14, (unsigned long)fd);
    r = readlink(link, path, sizeof path - 1);
    if (r <= 0 || path[0] != '/')
        return 0;
    path[r] = '\0';
    for (i = 0; i < g->n_own && !own; i++)
        own = path_under(path, g->own[i]);
    if (!own)
        return 0;
    fd2 = open_how(root, path, GATE_RESOLVE_IN_ROOT | GATE_RESOLVE_NO_SYMLINKS |
                                   GATE_RESOLVE_NO_MAGICLINKS);
    if (fd2 < 0)
        return 0;
    own = fstat(fd2, &st2) == 0 && st2.st_dev == st->st_dev && st2.st_ino == st->st_ino;
    close(fd2);
    return own;
}

static int allowed_inode(const struct cordon__unixgate *g, const struct stat *st)
{
    size_t i;
    struct stat a;
    for (i = 0; i < g->n_allow; i++)
        if (stat(g->allow[i], &a) == 0 && S_ISSOCK(a.st_mode) && a.st_dev == st->st_dev &&
            a.st_ino == st->st_ino)
            return 1;
    return 0;
}

/* Resolves the pathname |p| as thread |tid| would and decides. Returns
 * an O_PATH descriptor of the socket to connect to, or -1 with errno. */
static int resolve_pathname(const struct cordon__unixgate *g, unsigned long tid, const char *p,
                            int *refused)
{
    struct stat st;
    size_t i;
    int root = -1, base = -1, fd = -1, e = EACCES;

    /* Listed by the policy, by exactly this path: the caller's own view
     * (a socket under the caller's /tmp is hidden by the private one). */
    for (i = 0; i < g->n_allow; i++) {
        if (strcmp(p, g->allow[i]) == 0) {
            fd = open(p, O_PATH | O_CLOEXEC);
            if (fd < 0)
                return -1;
            if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
                return fd;
            close(fd);
            errno = ECONNREFUSED;
            return -1;
        }
    }
    root = open_task(g, tid, "root");
    if (root < 0)
        goto done;
    /* No magic links: "/proc/self/..." would be the gate's own. */
    if (p[0] == '/') {
        fd = open_how(root, p, GATE_RESOLVE_IN_ROOT | GATE_RESOLVE_NO_MAGICLINKS);
    } else {
        if ((base = open_task(g, tid, "cwd")) < 0)
            goto done;
        fd = open_how(base, p, GATE_RESOLVE_NO_MAGICLINKS);
    }
    if (fd < 0) {
        e = errno;
        goto done;
    }
    /* A second name of a host socket, hard-linked into a root, is not
     * the command's own (only possible without the mount namespace,
     * where a root and the rest share one mount). */
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        e = ECONNREFUSED; /* what connect() says of a path that is no socket */
    else if ((st.st_nlink == 1 && own_socket(g, root, fd, &st)) || allowed_inode(g, &st))
        e = 0;
    else
        *refused = 1; /* a socket outside: the gate's own refusal */
done:
    if (root >= 0)
        close(root);
    if (base >= 0)
        close(base);
    if (e && fd >= 0) {
        close(fd);
        fd = -1;
    }
    if (e)
        errno = e;
    return fd;
}

/* ---- denials ------------------------------------------------------------------ */

/* Appends |src| to |dst| (at *n, room |cap| with the NUL). */
static void put_str(char *dst, size_t *n, size_t cap, const char *src)
{
    while (*src && *n + 1 < cap)
        dst[(*n)++] = *src++;
    dst[*n] = '\0';
}

static void put_dec(char *dst, size_t *n, size_t cap, unsigned long v)
{
    char num[24];
    num[put_num(num, v)] = '\0';
    put_str(dst, n, cap, num);
}

/* "10.0.0.1:443", "[2001:db8:0:0:0:0:0:1]:443" (no compression: no
 * formatting library in the supervisor). */
static void put_inet(char *dst, size_t cap, const struct sockaddr *sa)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    int i;
    dst[0] = '\0';
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        const unsigned char *b = (const unsigned char *)&in->sin_addr;
        for (i = 0; i < 4; i++) {
            if (i)
                put_str(dst, &n, cap, ".");
            put_dec(dst, &n, cap, b[i]);
        }
        put_str(dst, &n, cap, ":");
        put_dec(dst, &n, cap, ntohs(in->sin_port));
    } else {
        const struct sockaddr_in6 *in = (const struct sockaddr_in6 *)sa;
        const unsigned char *b = in->sin6_addr.s6_addr;
        put_str(dst, &n, cap, "[");
        for (i = 0; i < 16; i += 2) {
            unsigned v = (unsigned)b[i] << 8 | b[i + 1];
            char g[5];
            int k = 0, shift;
            if (i)
                put_str(dst, &n, cap, ":");
            for (shift = 12; shift >= 0; shift -= 4)
                if ((v >> shift) || k || shift == 0)
                    g[k++] = hex[(v >> shift) & 0xf];
            g[k] = '\0';
            put_str(dst, &n, cap, g);
        }
        put_str(dst, &n, cap, "]:");
        put_dec(dst, &n, cap, ntohs(in->sin6_port));
    }
}

/* 1 when |sa| names this host: 127.0.0.0/8, 0.0.0.0, ::1, ::, or an
 * IPv4-mapped one of those. */
static int is_loopback(const struct sockaddr *sa)
{
    const unsigned char *b;
    if (sa->sa_family == AF_INET) {
        b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        return b[0] == 127 || (b[0] | b[1] | b[2] | b[3]) == 0;
    }
    b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    {
        static const unsigned char zero[10] = {0};
        int i, rest = 0;
        if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
            return b[12] == 127 || (b[12] | b[13] | b[14] | b[15]) == 0; /* mapped */
        for (i = 0; i < 15; i++)
            rest |= b[i];
        return rest == 0 && (b[15] == 1 || b[15] == 0);
    }
}

/* Counts one denial of |kind|; the first one of each kind keeps |first|. */
static void seen_add(struct cordon__denials_seen *seen, int kind, const char *first)
{
    if (!seen || kind < 0 || kind >= CORDON_DENIAL_KIND_COUNT)
        return;
    if (first && !atomic_exchange(&seen->claimed[kind], 1)) {
        size_t n = 0;
        put_str(seen->first[kind], &n, sizeof seen->first[kind], first);
    }
    atomic_fetch_add(&seen->count[kind], 1);
}

/* What a socket() the gate was notified of asked for ("vsock", "family 40"). */
static void family_name(char *dst, size_t cap, unsigned long family)
{
    static const struct {
        unsigned long family;
        const char *name;
    } names[] = {{AF_INET, "ipv4"}, {AF_INET6, "ipv6"}, {17, "packet"}, {40, "vsock"},
                 {31, "bluetooth"}, {42, "qrtr"}, {44, "xdp"}};
    size_t i, n = 0;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].family == family) {
            put_str(dst, &n, cap, names[i].name);
            return;
        }
    put_str(dst, &n, cap, "family ");
    put_dec(dst, &n, cap, family);
}

static void respond(int listener, uint64_t id, int err)
{
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = id;
    resp.error = err ? -err : 0;
    resp.val = 0;
    /* ENOENT: the call was interrupted meanwhile; nobody waits. */
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* 1 when the non-blocking TCP connect just started on |sock| has already
 * been refused: on the loopback the peer's reset is usually processed
 * before connect() returns. Looked at without taking the error away from
 * the command (poll, then TCP_INFO's state, never SO_ERROR). */
static int refused_already(int sock)
{
    struct pollfd p;
    struct tcp_info ti;
    socklen_t n = sizeof ti;
    p.fd = sock;
    p.events = POLLOUT;
    p.revents = 0;
    if (poll(&p, 1, 0) != 1 || !(p.revents & (POLLERR | POLLHUP)))
        return 0;
    memset(&ti, 0, sizeof ti);
    return getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &n) == 0 && ti.tcpi_state == TCP_CLOSE;
}

/* What a failed connect counts as (see connect_and_respond). */
struct count_as {
    int kind;                          /* a cordon_denial_kind, -1: nothing */
    char first[CORDON_DENIAL_FIRST_MAX];
};

/* Connects |sock| to |addr| and answers notification |id|. A failure is
 * counted as |as| says: a connect outside the private loopback whatever
 * the error (but a connect still in progress), one to the loopback only
 * when refused (nothing listens there inside). */
static void connect_and_respond(int listener, uint64_t id, int sock,
                                const struct sockaddr *addr, socklen_t len,
                                struct cordon__denials_seen *seen, const struct count_as *as)
{
    int r, e = 0;
    do
        r = connect(sock, addr, len);
    while (r != 0 && errno == EINTR);
    if (r != 0)
        e = errno;
    if (e && as && as->kind >= 0 && e != EINPROGRESS && e != EALREADY && e != EISCONN &&
        (as->kind != CORDON_DENIAL_NET_LOOPBACK || e == ECONNREFUSED))
        seen_add(seen, as->kind, as->first);
    if (e == EINPROGRESS && as && as->kind == CORDON_DENIAL_NET_LOOPBACK && refused_already(sock))
        seen_add(seen, as->kind, as->first);
    respond(listener, id, e);
}

static int id_valid(int listener, uint64_t id)
{
    return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* A pidfd for thread |tid| (its thread group's, before Linux 6.9). */
static int open_pidfd(const struct cordon__unixgate *g, unsigned long tid)
{
    char rel[48], buf[1024];
    long fd = syscall(SYS_pidfd_open, (pid_t)tid, GATE_PIDFD_THREAD);
    ssize_t r;
    size_t n;
    int sfd;
    char *t;

    if (fd >= 0 || errno != EINVAL)
        return (int)fd;
    fd = syscall(SYS_pidfd_open, (pid_t)tid, 0);
    if (fd >= 0 || errno != EINVAL || g->procfd < 0)
        return (int)fd;
    /* Not a thread-group leader: find its leader. */
    n = put_num(rel, tid);
    memcpy(rel + n, "/status", 8);
    sfd = openat(g->procfd, rel, O_RDONLY | O_CLOEXEC);
    if (sfd < 0)
        return -1;
    r = read(sfd, buf, sizeof buf - 1);
    close(sfd);
    if (r <= 0)
        return -1;
    buf[r] = '\0';
    t = strstr(buf, "\nTgid:");
    if (!t)
        return -1;
    t += 6;
    while (*t == ' ' || *t == '\t')
        t++;
    for (tid = 0; *t >= '0' && *t <= '9'; t++)
        tid = tid * 10 + (unsigned long)(*t - '0');
    return (int)syscall(SYS_pidfd_open, (pid_t)tid, 0);
}

/* ---- workers for blocking connects ----------------------------------------- */

/* A job: the socket and, for a pathname, the pinned inode travel as
 * descriptors; the worker connects, answers and takes the next. Every job
 * sent has a worker of its own reserved (an idle one, or a new one), so
 * none waits behind a connect that blocks. */
struct job {
    uint64_t id;
    uint32_t len;      /* of addr; 0: connect to the pinned inode */
    int has_target;
    struct sockaddr_storage addr;
    struct count_as as;
};

static void worker_loop(int jobs, int listener, _Atomic int *idle,
                        struct cordon__denials_seen *seen)
{
    for (;;) {
        struct job j;
        int fds[2];

        if (cordon__recv_with_fds(jobs, &j, sizeof j, fds, 2, 0) != (ssize_t)sizeof j)
            _exit(0); /* the gate is gone */
        if (fds[0] < 0) {
            respond(listener, j.id, EIO);
        } else if (j.has_target) {
            struct sockaddr_un via;
            size_t n;
            if (fds[1] < 0) {
                respond(listener, j.id, EIO);
            } else {
                memset(&via, 0, sizeof via);
                via.sun_family = AF_UNIX;
                memcpy(via.sun_path, "/proc/self/fd/", 14);
                n = 14 + put_num(via.sun_path + 14, (unsigned long)fds[1]);
                connect_and_respond(listener, j.id, fds[0], (struct sockaddr *)&via,
                                    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1),
                                    NULL, NULL);
            }
        } else {
            connect_and_respond(listener, j.id, fds[0], (struct sockaddr *)&j.addr, j.len, seen,
                                &j.as);
        }
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
        atomic_fetch_add(idle, 1);
    }
}

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
/* Closes every descriptor but |a| < |b| (stdio included). */
static void close_except(int a, int b)
{
    int fd;
    if (a == 0 || syscall(SYS_close_range, 0u, (unsigned)a - 1, 0u) == 0) {
        if (b > a + 1)
            syscall(SYS_close_range, (unsigned)a + 1, (unsigned)b - 1, 0u);
        syscall(SYS_close_range, (unsigned)b + 1, ~0u, 0u);
        return;
    }
    for (fd = 0; fd < 4096; fd++)
        if (fd != a && fd != b)
            close(fd);
}

/* Hands the connect to a worker; 0 when one took it. */
static int to_worker(struct cordon__unixgate *g, uint64_t id, int sock, int target,
                     const struct sockaddr *addr, socklen_t len, const struct count_as *as)
{
    struct job j;
    _Atomic int *idle;
    int fds[2], n = target >= 0 ? 2 : 1;

    if (g->jobs[0] < 0) {
        void *m = mmap(NULL, sizeof(_Atomic int), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return -1;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, g->jobs) != 0) {
            munmap(m, sizeof(_Atomic int));
            return -1;
        }
        g->idle = m;
        atomic_store((_Atomic int *)g->idle, 0);
    }
    idle = g->idle;
    if (atomic_fetch_sub(idle, 1) <= 0) {
        pid_t w;
        atomic_fetch_add(idle, 1);
        w = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
        if (w < 0)
            return -1;
        if (w == 0) {
            /* Only the job socket and the listener: a copy of this job's
             * socket (or of the supervisor's pipes) kept here would hold
             * connections open for the whole run. */
            int a = g->jobs[1] < g->listener ? g->jobs[1] : g->listener;
            int b = g->jobs[1] < g->listener ? g->listener : g->jobs[1];
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close_except(a, b);
            worker_loop(g->jobs[1], g->listener, idle, g->seen);
        }
    }
    memset(&j, 0, sizeof j);
    j.id = id;
    j.has_target = target >= 0;
    j.as = *as;
    if (target < 0) {
        memcpy(&j.addr, addr, len);
        j.len = len;
    }
    fds[0] = sock;
    fds[1] = target;
    if (cordon__send_with_fds(g->jobs[0], &j, sizeof j, fds, (size_t)n, MSG_DONTWAIT) != 0) {
        atomic_fetch_add(idle, 1); /* the reserved worker stays idle */
        return -1;
    }
    return 0;
}

void cordon__unixgate_serve(struct cordon__unixgate *g)
{
    union {
        struct seccomp_notif n;
        char pad[256]; /* a newer kernel's struct may be larger */
    } req;
    union {
        struct sockaddr sa;
        struct sockaddr_un un;
        struct sockaddr_storage ss;
    } addr, via;
    struct iovec local, remote;
    socklen_t len, vlen = 0, dlen = sizeof(int);
    int pidfd = -1, sock = -1, target = -1, domain = 0, err = 0, fl, refused = 0;
    uint64_t id;
    unsigned long tid;
    struct count_as as;

    memset(&req, 0, sizeof req);
    if (ioctl(g->listener, SECCOMP_IOCTL_NOTIF_RECV, &req.n) != 0)
        return; /* EINTR, or the caller went away meanwhile (ENOENT) */
    id = req.n.id;
    tid = req.n.pid;
    len = (socklen_t)req.n.data.args[2];
    as.kind = -1;
    as.first[0] = '\0';
    if (req.n.data.nr == __NR_socket) {
        /* Only the plan's "count" rules notify socket(): a family network
         * off refuses. The answer is theirs. */
        family_name(as.first, sizeof as.first, (unsigned long)(uint32_t)req.n.data.args[0]);
        seen_add(g->seen, CORDON_DENIAL_NET_SOCKET, as.first);
        respond(g->listener, id, EAFNOSUPPORT);
        return;
    }
    if (req.n.data.nr != __NR_connect) {
        respond(g->listener, id, ENOSYS);
        return;
    }
    if (req.n.data.args[2] > sizeof addr.ss) {
        respond(g->listener, id, EINVAL);
        return;
    }
    /* 1. The socket as it is now, the address copied once. */
    if ((pidfd = open_pidfd(g, tid)) < 0) {
        err = ESRCH;
        goto answer;
    }
    sock = (int)syscall(SYS_pidfd_getfd, pidfd, (int)req.n.data.args[0], 0);
    if (sock < 0) {
        err = errno == EBADF ? EBADF : EACCES;
        goto answer;
    }
    memset(&addr, 0, sizeof addr);
    local.iov_base = &addr;
    local.iov_len = len;
    remote.iov_base = (void *)(uintptr_t)req.n.data.args[1];
    remote.iov_len = len;
    if (len && process_vm_readv((pid_t)tid, &local, 1, &remote, 1, 0) != (ssize_t)len) {
        err = EFAULT;
        goto answer;
    }
    /* 2. Still pending: |tid| named the caller all along. */
    if (!id_valid(g->listener, id))
        goto out;
    if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0) {
        err = ENOTSOCK;
        goto answer;
    }
    /* 3, 4. */
    via = addr;
    vlen = len;
    if (domain == AF_UNIX && addr.sa.sa_family == AF_UNIX &&
        len > offsetof(struct sockaddr_un, sun_path)) {
        size_t plen = len - offsetof(struct sockaddr_un, sun_path);
        if (addr.un.sun_path[0] == '\0') {
            if (!g->netns) {
                size_t n = 0;
                put_str(as.first, &n, sizeof as.first, "@");
                for (; n + 1 < sizeof as.first && n < plen; n++)
                    as.first[n] = addr.un.sun_path[n] ? addr.un.sun_path[n] : '@';
                as.first[n] = '\0';
                seen_add(g->seen, CORDON_DENIAL_UNIX_CONNECT, as.first);
                err = EACCES; /* abstract sockets are the host's too */
                goto answer;
            }
        } else {
            char path[sizeof addr.un.sun_path + 1];
            size_t n;
            memcpy(path, addr.un.sun_path, plen);
            path[plen] = '\0';
            if ((target = resolve_pathname(g, tid, path, &refused)) < 0) {
                err = errno;
                if (refused)
                    seen_add(g->seen, CORDON_DENIAL_UNIX_CONNECT, path);
                goto answer;
            }
            memset(&via, 0, sizeof via);
            via.un.sun_family = AF_UNIX;
            memcpy(via.un.sun_path, "/proc/self/fd/", 14);
            n = 14 + put_num(via.un.sun_path + 14, (unsigned long)target);
            vlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
        }
    }
    /* Network off: IPv4/IPv6 stay in the private loopback; a failure
     * there is the sandbox's doing. */
    if (g->netns && (domain == AF_INET || domain == AF_INET6) &&
        ((addr.sa.sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
         (addr.sa.sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)))) {
        as.kind = is_loopback(&addr.sa) ? CORDON_DENIAL_NET_LOOPBACK : CORDON_DENIAL_NET_CONNECT;
        put_inet(as.first, sizeof as.first, &addr.sa);
    }
    /* 5. */
    fl = fcntl(sock, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK) &&
        to_worker(g, id, sock, target, &addr.sa, len, &as) == 0)
        goto out; /* the worker answers */
    connect_and_respond(g->listener, id, sock, &via.sa, vlen, g->seen, &as);
    goto out;
answer:
    respond(g->listener, id, err);
out:
    if (target >= 0)
        close(target);
    if (sock >= 0)
        close(sock);
    if (pidfd >= 0)
        close(pidfd);
}
