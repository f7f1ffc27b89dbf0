/* cordon-test-probe: one action per call, for the live shell tests. The
 * same call runs inside the sandbox (expected to fail) and outside it (the
 * positive control, expected to succeed). Exit 0: the action succeeded;
 * 1: it was refused (errno printed); 2: usage or test setup error.
 * Network actions only ever target loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static int isolation_probe(int argc, char **argv);

static int late_child(void *path)
{
    struct timespec ts = {0, 300000000};
    int fd;
    nanosleep(&ts, NULL);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
        close(fd);
    return 0;
}

static int refused(const char *what)
{
    printf("refused: %s: errno %d (%s)\n", what, errno, strerror(errno));
    return 1;
}

static int inet_addr_of(int v6, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((unsigned short)port);
        a->sin6_addr = in6addr_loopback;
        *len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((unsigned short)port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof *a;
    }
    return 0;
}

/* connect (tcp) or send (udp) to loopback:port */
static int client(int v6, int type, int port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = socket(v6 ? AF_INET6 : AF_INET, type, 0);
    if (fd < 0)
        return refused("socket");
    inet_addr_of(v6, port, &ss, &len);
    if (type == SOCK_STREAM) {
        if (connect(fd, (struct sockaddr *)&ss, len) != 0)
            return refused("connect");
        if (write(fd, "cordon-probe\n", 13) != 13)
            return refused("write");
    } else if (sendto(fd, "cordon-probe\n", 13, 0, (struct sockaddr *)&ss, len) != 13) {
        return refused("sendto");
    }
    close(fd);
    printf("ok\n");
    return 0;
}

/* Appends what a listener heard to its log (best effort). */
static void log_append(const char *logfile, const char *buf, size_t n)
{
    int lf = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (lf < 0)
        return;
    if (write(lf, buf, n) < 0) {
        /* nothing to do */
    }
    close(lf);
}

/* Listens on loopback:port (tcp or udp), writes the port chosen (0 = any)
 * to |portfile|, then appends what it receives to |logfile| until killed. */
static int server(int v6, int type, const char *portfile, const char *logfile)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = socket(v6 ? AF_INET6 : AF_INET, type, 0), one = 1;
    FILE *f;
    if (fd < 0)
        return refused("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    inet_addr_of(v6, 0, &ss, &len);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0)
        return refused("bind");
    if (type == SOCK_STREAM && listen(fd, 16) != 0)
        return refused("listen");
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    f = fopen(portfile, "w");
    if (!f)
        return 2;
    fprintf(f, "%d\n", ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                : ((struct sockaddr_in *)&ss)->sin_port));
    fclose(f);
    for (;;) {
        char buf[256];
        ssize_t n;
        int c = fd;
        if (type == SOCK_STREAM && (c = accept(fd, NULL, NULL)) < 0)
            continue;
        n = read(c, buf, sizeof buf);
        if (n > 0)
            log_append(logfile, buf, (size_t)n);
        if (c != fd)
            close(c);
    }
}

static int unix_server(const char *path, const char *logfile)
{
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0)
        return refused("unix listen");
    chmod(path, 0777);
    for (;;) {
        char buf[64];
        ssize_t n;
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            continue;
        n = read(c, buf, sizeof buf);
        if (n > 0)
            log_append(logfile, buf, (size_t)n);
        close(c);
    }
}

static int unix_client(const char *path)
{
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (fd < 0)
        return refused("socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return refused("connect");
    if (write(fd, "cordon-unix\n", 12) != 12)
        return refused("write");
    close(fd);
    printf("ok\n");
    return 0;
}

static int open_socket(int family, int type, int proto, const char *what)
{
    int fd = socket(family, type, proto);
    if (fd < 0)
        return refused(what);
    close(fd);
    printf("ok\n");
    return 0;
}

/* ---- unix sockets (escape_unix.sh) ---------------------------------------- */

/* A unix address: "@NAME" is abstract, anything else a pathname. */
static socklen_t unix_addr(const char *name, struct sockaddr_un *a)
{
    size_t n = strlen(name);
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (name[0] == '@') {
        if (n > sizeof a->sun_path)
            n = sizeof a->sun_path;
        memcpy(a->sun_path + 1, name + 1, n - 1);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    }
    snprintf(a->sun_path, sizeof a->sun_path, "%s", name);
    return (socklen_t)sizeof *a;
}

/* serve-unix2 stream|dgram ADDR LOG: appends what it hears to LOG. */
static int unix_server2(int type, const char *name, const char *logfile)
{
    struct sockaddr_un a;
    socklen_t len = unix_addr(name, &a);
    int fd = socket(AF_UNIX, type, 0);
    if (name[0] != '@')
        unlink(name);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) != 0 ||
        (type == SOCK_STREAM && listen(fd, 64) != 0))
        return refused("unix listen");
    if (name[0] != '@')
        chmod(name, 0777);
    for (;;) {
        char buf[64];
        ssize_t n;
        int c = type == SOCK_STREAM ? accept(fd, NULL, NULL) : fd;
        if (c < 0)
            continue;
        n = read(c, buf, sizeof buf);
        if (n > 0)
            log_append(logfile, buf, (size_t)n);
        if (c != fd)
            close(c);
    }
}

/* unix2 stream|dgram ADDR: connects (stream) or sends (dgram) "cordon-unix". */
static int unix_client2(int type, const char *name)
{
    struct sockaddr_un a;
    socklen_t len = unix_addr(name, &a);
    int fd = socket(AF_UNIX, type, 0);
    if (fd < 0)
        return refused("socket");
    if (type == SOCK_DGRAM) {
        if (sendto(fd, "cordon-unix\n", 12, 0, (struct sockaddr *)&a, len) != 12)
            return refused("sendto");
    } else {
        if (connect(fd, (struct sockaddr *)&a, len) != 0)
            return refused("connect");
        if (write(fd, "cordon-unix\n", 12) != 12)
            return refused("write");
    }
    close(fd);
    printf("ok\n");
    return 0;
}

/* The race shapes against the gate: another thread changes the address
 * (race-addr) or puts another socket on the descriptor (race-fd) while
 * connect() is being decided. Exit 0 when a socket got connected to
 * TARGET: the probe then writes to it, so the target's log shows it. */
struct race {
    struct sockaddr_un *addr; /* shared with the flipping thread */
    struct sockaddr_un good, bad;
    int fd, other, inet;
    volatile int stop;
};

static void *flip_addr(void *p)
{
    struct race *r = p;
    while (!r->stop) {
        memcpy(r->addr, &r->bad, sizeof r->bad);
        memcpy(r->addr, &r->good, sizeof r->good);
    }
    return NULL;
}

static void *flip_fd(void *p)
{
    struct race *r = p;
    while (!r->stop) {
        dup2(r->other, r->fd);
        dup2(r->inet, r->fd);
    }
    return NULL;
}

static int peer_is(int fd, const struct sockaddr_un *target)
{
    struct sockaddr_un peer;
    socklen_t len = sizeof peer;
    memset(&peer, 0, sizeof peer);
    return getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
           strcmp(peer.sun_path, target->sun_path) == 0;
}

static int race(int by_fd, const char *good, const char *target, int rounds)
{
    struct race r;
    struct sockaddr_un shared;
    pthread_t t;
    int i, got = 0;

    memset(&r, 0, sizeof r);
    unix_addr(good, &r.good);
    unix_addr(target, &r.bad);
    r.addr = &shared;
    memcpy(&shared, by_fd ? &r.bad : &r.good, sizeof shared);
    for (i = 0; i < rounds && !got; i++) {
        int fd;
        if (by_fd) {
            /* The descriptor alternates between an IPv4 socket (not the
             * gate's business, one might think) and a unix one. */
            r.inet = socket(AF_INET, SOCK_STREAM, 0);
            r.other = socket(AF_UNIX, SOCK_STREAM, 0);
            r.fd = fcntl(r.inet, F_DUPFD, 100);
            if (r.inet < 0 || r.other < 0 || r.fd < 0)
                return refused("socket");
            r.stop = 0;
            pthread_create(&t, NULL, flip_fd, &r);
            connect(r.fd, (struct sockaddr *)&r.bad, sizeof r.bad);
            r.stop = 1;
            pthread_join(t, NULL);
            if (peer_is(r.other, &r.bad) || peer_is(r.fd, &r.bad)) {
                got = 1;
                if (write(peer_is(r.other, &r.bad) ? r.other : r.fd, "cordon-unix\n", 12) < 0)
                    got = 1;
            }
            close(r.fd);
            close(r.other);
            close(r.inet);
        } else {
            fd = socket(AF_UNIX, SOCK_STREAM, 0);
            if (fd < 0)
                return refused("socket");
            r.stop = 0;
            pthread_create(&t, NULL, flip_addr, &r);
            if (connect(fd, (struct sockaddr *)&shared, sizeof shared) == 0 &&
                peer_is(fd, &r.bad)) {
                got = 1;
                if (write(fd, "cordon-unix\n", 12) < 0)
                    got = 1;
            }
            r.stop = 1;
            pthread_join(t, NULL);
            close(fd);
        }
    }
    if (!got) {
        printf("refused: %d rounds never reached %s\n", rounds, target);
        return 1;
    }
    printf("ok: reached %s\n", target);
    return 0;
}

/* fsattr get|set|clear PATH: the inode's no-dump flag through
 * file_getattr/file_setattr (Linux 6.17; 468 and 469 on every
 * architecture); get prints "nodump" or "-". */
static int fs_attr(const char *how, const char *path)
{
    struct {
        uint64_t xflags; /* struct file_attr, FILE_ATTR_SIZE_VER0 (24 bytes) */
        uint32_t extsize, nextents, projid, cowextsize;
    } fa;
    const uint64_t nodump = 0x80; /* FS_XFLAG_NODUMP */
    memset(&fa, 0, sizeof fa);
    if (syscall(468, AT_FDCWD, path, &fa, sizeof fa, 0) != 0)
        return refused("file_getattr");
    if (!strcmp(how, "get")) {
        printf("%s\n", fa.xflags & nodump ? "nodump" : "-");
        return 0;
    }
    fa.xflags = !strcmp(how, "set") ? fa.xflags | nodump : fa.xflags & ~nodump;
    if (syscall(469, AT_FDCWD, path, &fa, sizeof fa, 0) != 0)
        return refused("file_setattr");
    printf("ok\n");
    return 0;
}

/* socket FAMILY TYPE [hb]: socket() with those numbers (hb: garbage in
 * the upper 32 bits of the family); socketpair FAMILY TYPE. */
static int raw_socket(int pair, long family, long type, int hb)
{
    long r;
    int sv[2];
    if (pair)
        r = syscall(SYS_socketpair, family, type, 0, sv);
    else
        r = syscall(SYS_socket, (hb ? 0x100000000L : 0) | family, type, 0);
    if (r < 0)
        return refused(pair ? "socketpair" : "socket");
    printf("ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *a = argc > 1 ? argv[1] : "";
    int port = argc > 2 ? atoi(argv[2]) : 0;

    if (!strcmp(a, "tcp4") && argc == 3)
        return client(0, SOCK_STREAM, port);
    if (!strcmp(a, "tcp6") && argc == 3)
        return client(1, SOCK_STREAM, port);
    if (!strcmp(a, "udp4") && argc == 3)
        return client(0, SOCK_DGRAM, port);
    if (!strcmp(a, "udp6") && argc == 3)
        return client(1, SOCK_DGRAM, port);
    if (!strcmp(a, "serve") && argc == 5) {
        /* serve tcp4|tcp6|udp4|udp6 PORTFILE LOGFILE */
        const char *k = argv[2];
        return server(k[3] == '6', k[0] == 't' ? SOCK_STREAM : SOCK_DGRAM, argv[3], argv[4]);
    }
    if (!strcmp(a, "serve-unix") && argc == 4)
        return unix_server(argv[2], argv[3]);
    if (!strcmp(a, "unix") && argc == 3)
        return unix_client(argv[2]);
    if (!strcmp(a, "raw4"))
        return open_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP, "raw socket");
    if (!strcmp(a, "ping4"))
        return open_socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "ICMP datagram socket");
    if (!strcmp(a, "packet"))
        return open_socket(AF_PACKET, SOCK_RAW, 0, "packet socket");
    if (!strcmp(a, "highbits")) {
        /* AF_INET with garbage in the upper 32 bits of the argument. */
        long fd = syscall(SYS_socket, 0x100000000L | AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return refused("socket(high bits)");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iouring")) {
        char params[120];
        long fd;
        memset(params, 0, sizeof params);
        fd = syscall(425 /* io_uring_setup */, 4, params);
        if (fd < 0)
            return refused("io_uring_setup");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "signal") && argc == 3) {
        if (kill((pid_t)port, SIGUSR1) != 0)
            return refused("kill");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "ptrace") && argc == 3) {
        if (ptrace(PTRACE_ATTACH, (pid_t)port, NULL, NULL) != 0)
            return refused("ptrace");
        waitpid((pid_t)port, NULL, __WALL);
        ptrace(PTRACE_DETACH, (pid_t)port, NULL, NULL);
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "setxattr") && argc == 3) {
        if (setxattr(argv[2], "user.cordon-test", "1", 1, 0) != 0)
            return refused("setxattr");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "getxattr") && argc == 3) {
        char v[8];
        if (getxattr(argv[2], "user.cordon-test", v, sizeof v) < 0)
            return refused("getxattr");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "fdwrite") && argc == 4) {
        /* openat() relative to an inherited directory descriptor */
        int fd = openat(port, argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return refused("openat(inherited fd)");
        close(fd);
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "procmem") && argc == 3) {
        char p[64];
        int fd;
        snprintf(p, sizeof p, "/proc/%d/mem", port);
        fd = open(p, O_RDWR);
        if (fd < 0)
            return refused("open /proc/PID/mem");
        close(fd);
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "latechild") && argc == 3) {
        /* A child whose exit signal is 0 (waitpid without __WALL does
         * not see it), which writes FILE 0.3 s after its parent ended. */
        static char stack[64 * 1024] __attribute__((aligned(16)));
        if (clone(late_child, stack + sizeof stack, 0, argv[2]) < 0)
            return refused("clone");
        return 0;
    }
    if (!strncmp(a, "iso-", 4))
        return isolation_probe(argc, argv);
    if (!strcmp(a, "serve-unix2") && argc == 5)
        return unix_server2(!strcmp(argv[2], "dgram") ? SOCK_DGRAM : SOCK_STREAM, argv[3], argv[4]);
    if (!strcmp(a, "unix2") && argc == 4)
        return unix_client2(!strcmp(argv[2], "dgram") ? SOCK_DGRAM : SOCK_STREAM, argv[3]);
    if ((!strcmp(a, "race-addr") || !strcmp(a, "race-fd")) && argc == 5)
        return race(a[5] == 'f', argv[2], argv[3], atoi(argv[4]));
    if (!strcmp(a, "hold") && argc == 3) {
        /* A listener that never accepts (backlog 0): connects to it block. */
        struct sockaddr_un ad;
        socklen_t len = unix_addr(argv[2], &ad);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&ad, len) != 0 || listen(fd, 0) != 0)
            return refused("hold");
        for (;;)
            pause();
    }
    if (!strcmp(a, "socket") && (argc == 4 || argc == 5))
        return raw_socket(0, atol(argv[2]), atol(argv[3]), argc == 5);
    if (!strcmp(a, "fsattr") && argc == 4)
        return fs_attr(argv[2], argv[3]);
    if (!strcmp(a, "socketpair") && argc == 4)
        return raw_socket(1, atol(argv[2]), atol(argv[3]), 0);
    fprintf(stderr, "usage: probe tcp4|tcp6|udp4|udp6 PORT | serve KIND PORTFILE LOG | "
                    "serve-unix PATH LOG | unix PATH | raw4 | ping4 | packet | highbits | "
                    "iouring | signal PID | ptrace PID | procmem PID | fdwrite FD NAME | setxattr PATH | getxattr PATH | "
                    "serve-unix2 stream|dgram ADDR LOG | unix2 stream|dgram ADDR (@NAME: abstract) | "
                    "race-addr GOOD TARGET N | race-fd GOOD TARGET N | socket FAMILY TYPE [hb] | "
                    "socketpair FAMILY TYPE | hold ADDR\n");
    return 2;
}

/* ---- host isolation (IPC, keyrings, process group, devices, stdio) ----
 *
 *   iso-sysv shm|msg|sem create|find|rm KEY   SysV object of that key
 *   iso-mq create|open|unlink NAME            POSIX message queue /NAME
 *   fsattr get|set|clear PATH                 the no-dump inode flag (file_setattr)
 *   iso-key add RING DESC DATA                prints the serial (RING: user|session)
 *   iso-key read|update|revoke SERIAL         read/change the key of that serial
 *   iso-key steal RING KEY                    link keyring RING (the user keyring of
 *                                             the caller, say) into ours, read KEY
 *   iso-key id RING                           prints the keyring's serial
 *   iso-pgrp kill0|prio|ioprio                act on process group 0 (ours)
 *   iso-pgrp join PGID kill0|prio|ioprio      the same after setpgid(0, PGID)
 *   iso-open PATH r|w                         open a file (a device, a terminal)
 *   iso-ioctl PATH                            a device ioctl (FIONREAD on a tty,
 *                                             BLKGETSIZE64 on a block device,
 *                                             LOOP_CTL_GET_FREE on loop-control)
 *   iso-fdchmod FD MODE                       fchmod of an inherited descriptor
 *   iso-atchmod FD NAME MODE                  fchmodat relative to it
 *   iso-futimes FD                            futimens of it
 *   iso-fdxattr FD                            fsetxattr of it
 *   iso-catch SIGNAL FILE                     writes FILE when SIGNAL arrives, exits 0
 *   iso-fg                                    exit 0 when our group owns the terminal
 */
#include <linux/fs.h>
#include <linux/loop.h>
#include <mqueue.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/sysmacros.h>
#include <termios.h>

static long keyctl5(long op, long a, long b, long c, long d)
{
    return syscall(SYS_keyctl, op, a, b, c, d);
}

static long ring_of(const char *name)
{
    return !strcmp(name, "user") ? -4L : !strcmp(name, "session") ? -3L : 0;
}

static volatile sig_atomic_t caught;
static void on_signal(int sig)
{
    caught = sig;
}

static int isolation_probe(int argc, char **argv)
{
    const char *a = argv[1];
    if (!strcmp(a, "iso-sysv") && argc == 5) {
        key_t key = (key_t)strtol(argv[4], NULL, 0);
        int create = !strcmp(argv[3], "create"), rm = !strcmp(argv[3], "rm");
        int flags = create ? IPC_CREAT | IPC_EXCL | 0600 : 0, id;
        if (!strcmp(argv[2], "shm"))
            id = shmget(key, create ? 4096 : 0, flags);
        else if (!strcmp(argv[2], "msg"))
            id = msgget(key, flags);
        else
            id = semget(key, create ? 1 : 0, flags);
        if (id < 0)
            return refused(argv[3]);
        if (rm) {
            int r = !strcmp(argv[2], "shm")   ? shmctl(id, IPC_RMID, NULL)
                    : !strcmp(argv[2], "msg") ? msgctl(id, IPC_RMID, NULL)
                                              : semctl(id, 0, IPC_RMID);
            if (r != 0)
                return refused("IPC_RMID");
        }
        printf("ok %d\n", id);
        return 0;
    }
    if (!strcmp(a, "iso-mq") && argc == 4) {
        char name[256];
        mqd_t q;
        snprintf(name, sizeof name, "/%s", argv[3]);
        if (!strcmp(argv[2], "unlink")) {
            if (mq_unlink(name) != 0)
                return refused("mq_unlink");
        } else {
            q = !strcmp(argv[2], "create") ? mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL)
                                           : mq_open(name, O_RDWR);
            if (q == (mqd_t)-1)
                return refused("mq_open");
            mq_close(q);
        }
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iso-key") && argc >= 4) {
        long r, serial = strtol(argv[3], NULL, 0);
        char buf[256];
        if (!strcmp(argv[2], "add") && argc == 6) {
            r = syscall(SYS_add_key, "user", argv[4], argv[5], strlen(argv[5]), ring_of(argv[3]));
            if (r < 0)
                return refused("add_key");
            printf("%ld\n", r);
            return 0;
        }
        if (!strcmp(argv[2], "id")) {
            r = keyctl5(0 /* GET_KEYRING_ID */, ring_of(argv[3]), 0, 0, 0);
            if (r < 0)
                return refused("keyctl(GET_KEYRING_ID)");
            printf("%ld\n", r);
            return 0;
        }
        if (!strcmp(argv[2], "steal")) {
            /* The route that needs no possession: link, then read. */
            long ring = keyctl5(0, -3L, 1, 0, 0);
            if (ring < 0)
                return refused("keyctl(GET_KEYRING_ID session)");
            if (argc != 5 || keyctl5(8 /* LINK */, serial, ring, 0, 0) != 0)
                return refused("keyctl(LINK)");
            serial = strtol(argv[4], NULL, 0);
        }
        if (!strcmp(argv[2], "read") || !strcmp(argv[2], "steal")) {
            memset(buf, 0, sizeof buf);
            r = keyctl5(11 /* READ */, serial, (long)buf, sizeof buf - 1, 0);
            if (r < 0)
                return refused("keyctl(READ)");
            printf("%s\n", buf);
            return 0;
        }
        if (!strcmp(argv[2], "update") && argc == 5) {
            if (keyctl5(2 /* UPDATE */, serial, (long)argv[4], (long)strlen(argv[4]), 0) != 0)
                return refused("keyctl(UPDATE)");
            printf("ok\n");
            return 0;
        }
        if (!strcmp(argv[2], "revoke")) {
            if (keyctl5(3 /* REVOKE */, serial, 0, 0, 0) != 0)
                return refused("keyctl(REVOKE)");
            printf("ok\n");
            return 0;
        }
    }
    if (!strcmp(a, "iso-pgrp") && argc == 5 && !strcmp(argv[2], "join")) {
        /* setpgid into group PGID (the caller's, say), then act on "our"
         * group: iso-pgrp join PGID prio */
        if (setpgid(0, (pid_t)atoi(argv[3])) != 0)
            return refused("setpgid");
        argv[2] = argv[4];
        argc = 3;
    }
    if (!strcmp(a, "iso-pgrp") && argc == 3) {
        if (!strcmp(argv[2], "kill0")) {
            signal(SIGUSR1, SIG_IGN);
            if (kill(0, SIGUSR1) != 0)
                return refused("kill(0)");
        } else if (!strcmp(argv[2], "prio")) {
            /* One step nicer than now: an unprivileged caller may only
             * raise its niceness, and the suite may itself run niced. */
            int cur;
            errno = 0;
            cur = getpriority(PRIO_PROCESS, 0);
            if (errno != 0)
                return refused("getpriority");
            if (setpriority(PRIO_PGRP, 0, cur < 19 ? cur + 1 : 19) != 0)
                return refused("setpriority(PRIO_PGRP, 0)");
        } else if (!strcmp(argv[2], "ioprio")) {
            /* IOPRIO_WHO_PGRP 2; class idle (3) */
            if (syscall(SYS_ioprio_set, 2, 0, 3 << 13) != 0)
                return refused("ioprio_set(IOPRIO_WHO_PGRP, 0)");
        }
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iso-open") && argc == 4) {
        int fd = open(argv[2], (argv[3][0] == 'w' ? O_WRONLY : O_RDONLY) | O_NOCTTY);
        if (fd < 0)
            return refused("open");
        close(fd);
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iso-ioctl") && argc == 3) {
        int fd = open(argv[2], O_RDONLY | O_NOCTTY), r;
        struct stat st;
        unsigned long long size = 0;
        if (fd < 0)
            return refused("open");
        fstat(fd, &st);
        if (S_ISBLK(st.st_mode))
            r = ioctl(fd, BLKGETSIZE64, &size);
        else if (major(st.st_rdev) == 10 && minor(st.st_rdev) == 237)
            r = ioctl(fd, LOOP_CTL_GET_FREE);
        else
            {
            int n = 0;
            r = ioctl(fd, FIONREAD, &n); /* always allowed by Landlock: a plain check */
            if (r == 0 && isatty(fd)) {
                struct winsize ws;
                r = ioctl(fd, TIOCGWINSZ, &ws); /* a terminal ioctl, device-specific */
            }
        }
        if (r < 0)
            return refused("ioctl");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iso-fdchmod") && argc == 4) {
        if (fchmod(atoi(argv[2]), (mode_t)strtol(argv[3], NULL, 8)) != 0)
            return refused("fchmod");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iso-atchmod") && argc == 5) {
        if (fchmodat(atoi(argv[2]), argv[3], (mode_t)strtol(argv[4], NULL, 8), 0) != 0)
            return refused("fchmodat");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iso-futimes") && argc == 3) {
        struct timespec t[2] = {{978307200, 0}, {978307200, 0}}; /* 2001-01-01 */
        if (futimens(atoi(argv[2]), t) != 0)
            return refused("futimens");
        fprintf(stderr, "ok\n"); /* not on stdout: a write would set the time again */
        return 0;
    }
    if (!strcmp(a, "iso-fdxattr") && argc == 3) {
        if (fsetxattr(atoi(argv[2]), "user.cordon-test", "1", 1, 0) != 0)
            return refused("fsetxattr");
        printf("ok\n");
        return 0;
    }
    if (!strcmp(a, "iso-catch") && argc == 4) {
        int sig = atoi(argv[2]), i;
        signal(sig, on_signal);
        printf("ready\n");
        fflush(stdout);
        for (i = 0; i < 3000 && !caught; i++)
            usleep(10000);
        if (caught) {
            int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                if (write(fd, "caught\n", 7) < 0) {
                    /* reported by the missing file */
                }
                close(fd);
            }
            return 0;
        }
        return 1;
    }
    if (!strcmp(a, "iso-fg") && argc == 2) {
        int fd = open("/dev/tty", O_RDONLY | O_NOCTTY);
        pid_t fg;
        if (fd < 0)
            return refused("open /dev/tty");
        fg = tcgetpgrp(fd);
        close(fd);
        if (fg != getpgrp()) {
            printf("not foreground: terminal %d, ours %d\n", (int)fg, (int)getpgrp());
            return 1;
        }
        printf("ok\n");
        return 0;
    }
    fprintf(stderr, "probe: unknown isolation action %s\n", a);
    return 2;
}
