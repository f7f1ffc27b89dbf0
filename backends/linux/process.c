/* Process launch, wait and tree kill for the Linux backends. See process.h
 * for the shape of a launch; this file holds no policy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "process.h"
#include "rawsys.h"

/* What a child that failed before exec tells its parent. */
enum child_fail_kind { FAIL_SETUP = 1, FAIL_CHDIR = 2, FAIL_EXEC = 3, FAIL_NS = 4, FAIL_JOIN = 5 };
struct child_fail {
    int kind;
    int err;
    char step[200];
};

/* Exit status of a supervisor that could not start the command; only seen
 * when the failure report itself could not be written. */
#define SUPERVISOR_FAILED 125

/* ---- async-signal-safe helpers (used between fork and exec) ------------- */

static size_t safe_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void safe_copy(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    if (!cap)
        return;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static void report_and_exit(int fd, int kind, int err, const char *step)
{
    struct child_fail f;
    memset(&f, 0, sizeof f);
    f.kind = kind;
    f.err = err;
    safe_copy(f.step, sizeof f.step, step);
    write_all(fd, &f, sizeof f);
    _exit(SUPERVISOR_FAILED);
}

/* Decimal of a non-negative number into buf; returns buf. */
static char *safe_utoa(unsigned long v, char *buf, size_t cap)
{
    char tmp[24];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof tmp);
    if (n + 1 > cap)
        n = cap - 1;
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

static const char *env_get(const char *const *envp, const char *name)
{
    size_t n = safe_strlen(name);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

/* execvpe() with the PATH of |envp| (glibc's searches the caller's own
 * environment). Returns the errno that best describes the failure. */
static int exec_search(const char *file, const char *const *argv, const char *const *envp)
{
    const char *path, *p;
    char buf[PATH_MAX];
    int saw_eacces = 0;
    size_t flen = safe_strlen(file);

    if (!*file)
        return ENOENT;
    if (strchr(file, '/')) {
        execve(file, (char *const *)argv, (char *const *)envp);
        return errno;
    }
    path = env_get(envp, "PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (p = path;; ) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : safe_strlen(p);
        if (dlen + 1 + flen + 1 <= sizeof buf) {
            if (dlen == 0) {
                memcpy(buf, file, flen + 1); /* an empty entry is "." */
            } else {
                memcpy(buf, p, dlen);
                buf[dlen] = '/';
                memcpy(buf + dlen + 1, file, flen + 1);
            }
            execve(buf, (char *const *)argv, (char *const *)envp);
            switch (errno) {
            case EACCES:
                saw_eacces = 1;
                break;
            case ENOENT:
            case ENOTDIR:
            case ESTALE:
            case ENODEV:
            case ETIMEDOUT:
            case ELOOP:
            case ENAMETOOLONG:
                break;
            default:
                return errno;
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
    return saw_eacces ? EACCES : ENOENT;
}

/* tcsetpgrp from a background group, SIGTTOU blocked meanwhile. */
static void give_terminal(int fd, pid_t pgrp)
{
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &old);
    tcsetpgrp(fd, pgrp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void reset_signals(void)
{
    /* The kernel's struct sigaction, all zero: SIG_DFL, no flags, an empty
     * mask (large enough for every architecture's layout). Made with the
     * system call itself: the C library's sigaction refuses the signals it
     * keeps for itself (32 and 33 in glibc, 32 to 34 in musl), which a
     * caller built on another C library may have ignored. */
    static const unsigned long dfl[32];
    sigset_t none;
    int s;

    for (s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            syscall(SYS_rt_sigaction, s, dfl, NULL, (size_t)((NSIG - 1) / 8));
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The command's side: stdio, cwd, the backend's restrictions, exec.
 * Never returns. */
static void run_command(const struct cordon__launch *l, int err_fd)
{
    const struct cordon__spawn *req = l->req;
    int tmp[3] = {-1, -1, -1};
    const char *step = NULL;
    int i, e;

    if (l->own_pgrp && l->new_session) {
        /* No terminal to share: a session of its own, so no process of
         * the command can join a group outside it (setpgid needs the
         * same session) and act on that group. */
        setsid();
    } else if (l->own_pgrp) {
        /* A group of its own, before anything of the command runs; the
         * terminal's foreground when the caller had it (from the
         * background, so SIGTTOU must not stop us meanwhile). */
        setpgid(0, 0);
        if (l->tty_fd >= 0)
            give_terminal(l->tty_fd, getpgrp());
    }
    reset_signals();
    for (i = 0; i < 3; i++) {
        if (req->stdio[i] == CORDON_STDIO_INHERIT)
            continue;
        tmp[i] = fcntl((int)req->stdio[i], F_DUPFD_CLOEXEC, 3);
        if (tmp[i] < 0)
            report_and_exit(err_fd, FAIL_SETUP, errno, "cannot pass the standard streams (fcntl)");
    }
    for (i = 0; i < 3; i++)
        if (tmp[i] >= 0 && dup2(tmp[i], i) < 0)
            report_and_exit(err_fd, FAIL_SETUP, errno, "cannot pass the standard streams (dup2)");
    if (l->enter_ns && (e = l->enter_ns(l->ctx, &step)) != 0)
        report_and_exit(err_fd, FAIL_NS, e, step ? step : "cannot enter the sandbox's namespaces");
    if (l->in_command && (e = l->in_command(l->ctx, &step)) != 0)
        report_and_exit(err_fd, FAIL_SETUP, e, step ? step : "cannot set up the sandbox");
    if (l->join_ns && (e = l->join_ns(l->ctx, &step)) != 0)
        report_and_exit(err_fd, FAIL_JOIN, e, step ? step : "cannot join the sandbox's namespaces");
    if (req->cwd && chdir(req->cwd) != 0)
        report_and_exit(err_fd, FAIL_CHDIR, errno, req->cwd);
    if (l->before_exec && (e = l->before_exec(l->ctx, &step)) != 0)
        report_and_exit(err_fd, FAIL_SETUP, e, step ? step : "cannot apply the sandbox");
    e = exec_search(req->argv[0], req->argv, req->envp);
    report_and_exit(err_fd, FAIL_EXEC, e, req->argv[0]);
}

/* Subreaper mode: kill every process that is still our descendant (they
 * are re-parented to us as their parents die) until none is left. */
static void kill_leftover_children(void)
{
    char path[64], num[24], buf[4096];
    size_t n;

    safe_copy(path, sizeof path, "/proc/self/task/");
    n = safe_strlen(path);
    safe_copy(path + n, sizeof path - n, safe_utoa((unsigned long)getpid(), num, sizeof num));
    n = safe_strlen(path);
    safe_copy(path + n, sizeof path - n, "/children");
    for (;;) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t r = -1;
        int any = 0;
        if (fd >= 0) {
            r = read(fd, buf, sizeof buf - 1);
            close(fd);
        }
        if (r > 0) {
            char *p = buf;
            buf[r] = '\0';
            while (*p) {
                long pid = 0;
                while (*p == ' ')
                    p++;
                while (*p >= '0' && *p <= '9')
                    pid = pid * 10 + (*p++ - '0');
                if (pid > 0) {
                    kill((pid_t)pid, SIGKILL);
                    any = 1;
                }
                if (*p && (*p < '0' || *p > '9'))
                    p++;
            }
        }
        while (waitpid(-1, NULL, WNOHANG) > 0)
            any = 1;
        if (!any) {
            /* Nothing listed: make sure no child at all remains. */
            if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
                return;
            {
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
            }
        }
    }
}

#define COMMAND_STACK (256 * 1024)

struct command_args {
    const struct cordon__launch *l;
    int err_fd, status_fd;
};

/* The command's process, sharing the supervisor's memory until exec: it
 * only makes syscalls and writes its own stack. */
static int command_main(void *p)
{
    struct command_args *a = p;
    close(a->status_fd);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    run_command(a->l, a->err_fd);
    return 0; /* not reached */
}

/* The death signal the supervisor gets when the caller exits. */
#define PARENT_GONE (SIGRTMAX - 1)
/* From the caller continued in the foreground after a stop: the command
 * gets the terminal back, then SIGCONT. */
#define RESUME_FG (SIGRTMAX - 2)

/* Sends |sig| to the command's process group (to the command alone if
 * it has left the group it led). */
static void signal_command(pid_t child, int sig)
{
    if (kill(-child, sig) != 0)
        kill(child, sig);
}

/* Copies what is in the relay pipe |from| to |to|: >0 bytes copied, 0 at
 * the end of the stream, <0 on error (the stream is then dropped). */
static ssize_t relay_copy(int from, int to)
{
    char buf[16384];
    ssize_t r;
    do
        r = read(from, buf, sizeof buf);
    while (r < 0 && errno == EINTR);
    if (r > 0)
        write_all(to, buf, (size_t)r);
    return r;
}

/* Copies the relayed streams, and serves the backend's descriptor
 * |*watch| (launch->on_watch_fd; -1: none, set to -1 once it hangs up),
 * until one of the supervisor's signals arrives (from |sigfd|); returns
 * it. A stream that ended is closed. */
static int relay_until_signal(const struct cordon__launch *l, int relay[3][2],
                              const int *relay_to, int sigfd, int *watch)
{
    for (;;) {
        struct pollfd p[5];
        int map[5], n = 0, i;
        p[n].fd = sigfd;
        p[n].events = POLLIN;
        map[n++] = -1;
        for (i = 0; i < 3; i++)
            if (relay[i][0] >= 0) {
                p[n].fd = relay[i][0];
                p[n].events = POLLIN;
                map[n++] = i;
            }
        if (*watch >= 0) {
            p[n].fd = *watch;
            p[n].events = POLLIN;
            map[n++] = 3;
        }
        for (i = 0; i < n; i++)
            p[i].revents = 0;
        if (poll(p, (nfds_t)n, -1) < 0)
            continue;
        for (i = 1; i < n; i++) {
            if (!p[i].revents)
                continue;
            if (map[i] == 3) {
                if (p[i].revents & POLLIN)
                    l->on_watch_fd(l->ctx);
                else
                    *watch = -1; /* nothing left to serve; SIGCHLD follows */
            } else if (relay_copy(p[i].fd, relay_to[map[i]]) <= 0) {
                close(relay[map[i]][0]);
                relay[map[i]][0] = -1;
            }
        }
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                return (int)si.ssi_signo;
        }
    }
}

/* 1 while the calling process has a child of any kind (zombies and
 * children with another exit signal included). */
static int has_children(void)
{
    siginfo_t si;
    int r;
    memset(&si, 0, sizeof si);
    do
        r = waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT | __WALL);
    while (r < 0 && errno == EINTR);
    return !(r < 0 && errno == ECHILD);
}

/* The supervisor: starts the command, relays its wait status, ends the
 * rest of the tree, runs at_end. Never returns. */
static void supervise(const struct cordon__launch *l, int err_fd, int status_fd)
{
    sigset_t set;
    const char *step = NULL;
    pid_t child;
    struct cordon__launch lx = *l;
    struct cordon__spawn relayed_req = *l->req;
    int relay[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}}, relay_to[3] = {-1, -1, -1};
    int relaying = 0, sigfd = -1, i;
    int pidns = (l->clone_flags & CLONE_NEWPID) != 0;
    int e, status = 0, done = 0, parent_gone = 0, watch = -1;

    /* When the caller goes away (killed, Ctrl-C), end the tree and clean
     * up: a catchable signal, handled in the loop below. */
    sigemptyset(&set);
    sigaddset(&set, PARENT_GONE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    prctl(PR_SET_PDEATHSIG, PARENT_GONE);
    {
        /* Gone before the death signal was armed? (getppid() says 0 in a
         * new pid namespace, but the status pipe has lost its reader.) */
        struct pollfd p = {status_fd, 0, 0};
        if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)) {
            /* What the caller made for the run (placeholders) is ours to
             * undo now. */
            if (l->at_end)
                l->at_end(l->ctx, 1);
            _exit(SUPERVISOR_FAILED);
        }
    }
    signal(SIGPIPE, SIG_IGN);
    /* The caller's SIGCHLD disposition is inherited: ignored (or
     * SA_NOCLDWAIT), the command's status would be discarded. */
    signal(SIGCHLD, SIG_DFL);
    if (!pidns && !l->relay_only)
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* Out of the caller's group: what is sent to that group reaches the
     * command once, through the caller. */
    if (l->own_pgrp)
        setpgid(0, 0);
    if (l->in_supervisor && (e = l->in_supervisor(l->ctx, &step)) != 0) {
        if (l->at_end)
            l->at_end(l->ctx, 0);
        report_and_exit(err_fd, FAIL_NS, e, step ? step : "cannot set up the sandbox");
    }

    /* Not dumpable (after in_supervisor, which writes its own
     * /proc/self files): no process of the tree can ptrace the supervisor
     * or open its /proc entries, such as /proc/1/root, which leads into
     * the caller's mount namespace. Only the capabilities the supervisor
     * keeps would stop that otherwise. Exec makes the command dumpable
     * again; until then it shares this memory and so this flag. */
    if (!(l->alongside && l->alongside_undumps))
        prctl(PR_SET_DUMPABLE, 0);

    sigaddset(&set, PARENT_GONE);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGCONT);
    sigaddset(&set, RESUME_FG);
    sigprocmask(SIG_BLOCK, &set, NULL); /* taken with sigwaitinfo below */
    {
        /* Never stopped for the terminal's sake (tcsetpgrp below). */
        sigset_t tty;
        sigemptyset(&tty);
        sigaddset(&tty, SIGTTOU);
        sigaddset(&tty, SIGTTIN);
        sigprocmask(SIG_BLOCK, &tty, NULL);
    }

    /* Standard streams the command may not hold itself: pipes, copied
     * here to the caller's descriptor (see relay_out). */
    for (i = 0; i < 3; i++) {
        if (!l->relay_out[i])
            continue;
        if (pipe2(relay[i], O_CLOEXEC) != 0) {
            e = errno;
            if (l->at_end)
                l->at_end(l->ctx, 0);
            report_and_exit(err_fd, FAIL_SETUP, e, "cannot relay a standard stream (pipe2)");
        }
        relay_to[i] = l->req->stdio[i] == CORDON_STDIO_INHERIT ? i : (int)l->req->stdio[i];
        relayed_req.stdio[i] = relay[i][1];
        relaying = 1;
    }
    if (relaying) {
        lx.req = &relayed_req;
        l = &lx;
    }

    /* vfork-style: the supervisor has nothing to do until the command
     * has exec'd, and sharing its memory spares copying page tables and
     * tearing them down again at exec (this runs for every command).
     * With an alongside hook, the supervisor makes what the command joins
     * later while the command sets up, then waits for its exec (or its
     * end) as vfork would, through a pipe that the exec closes: both run
     * at once in the same memory (CLONE_VM without CLONE_VFORK), the
     * supervisor with system calls that leave errno alone (rawsys.h) and
     * touching nothing the command uses. Where those are not available,
     * fork-style (the command gets its own copy of memory). */
    {
        struct command_args a;
        int execp[2] = {-1, -1};
        char *stack = mmap(NULL, COMMAND_STACK, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED || (l->alongside && pipe2(execp, O_CLOEXEC) != 0)) {
            e = errno;
            if (l->at_end)
                l->at_end(l->ctx, 0);
            report_and_exit(err_fd, FAIL_SETUP, e, "cannot start the command (mmap, pipe2)");
        }
        a.l = l;
        a.err_fd = err_fd;
        a.status_fd = status_fd;
        child = clone(command_main, stack + COMMAND_STACK,
                      (!l->alongside          ? CLONE_VM | CLONE_VFORK
                       : CORDON__RAW_SYSCALLS ? CLONE_VM
                                              : 0) |
                          SIGCHLD,
                      &a);
        if (child < 0) {
            e = errno;
            if (l->at_end)
                l->at_end(l->ctx, 0);
            report_and_exit(err_fd, FAIL_SETUP, e, "cannot start the command (clone)");
        }
        if (l->alongside) {
            /* Until the exec (or the end) closes the pipe, the command
             * may run in this memory: raw system calls only. */
            char b;
            CORDON__RAW1(SYS_close, execp[1]);
            l->alongside(l->ctx);
            while (CORDON__RAW3(SYS_read, execp[0], &b, 1) == -EINTR)
                ;
            close(execp[0]);
        }
        munmap(stack, COMMAND_STACK);
    }
    close(err_fd);
    for (i = 0; i < 3; i++)
        if (relay[i][1] >= 0) {
            close(relay[i][1]);
            relay[i][1] = -1;
        }
    if (l->watch_fd && l->on_watch_fd)
        watch = l->watch_fd(l->ctx);
    if (relaying || watch >= 0)
        sigfd = signalfd(-1, &set, SFD_CLOEXEC);

    while (!done) {
        siginfo_t info;
        int sig = (relaying || watch >= 0) && sigfd >= 0
                      ? relay_until_signal(l, relay, relay_to, sigfd, &watch)
                      : sigwaitinfo(&set, &info);
        if (sig < 0)
            continue;
        if (sig == PARENT_GONE) {
            kill(child, SIGKILL);
            done = 1;
            parent_gone = 1;
        } else if (sig == SIGCHLD) {
            pid_t w;
            int st;
            /* A command with the terminal that is stopped (Ctrl-Z) is
             * reported, so that the caller stops too, as a shell's job. */
            while ((w = waitpid(-1, &st, WNOHANG | (l->tty_fd >= 0 ? WUNTRACED : 0))) > 0)
                if (w == child && WIFSTOPPED(st)) {
                    write_all(status_fd, &st, sizeof st);
                } else if (w == child) {
                    status = st;
                    done = 1;
                }
        } else if (sig == RESUME_FG) {
            if (l->tty_fd >= 0)
                give_terminal(l->tty_fd, child);
            signal_command(child, SIGCONT);
        } else if (l->own_pgrp) {
            /* The command leads its own group: everything sent here goes
             * to that group (the caller relays what it receives). */
            signal_command(child, sig);
        } else if (sig != SIGINT && sig != SIGQUIT && sig != SIGCONT) {
            /* Terminal signals already reach the command (same process
             * group); others sent to the supervisor are passed on. */
            kill(child, sig);
        }
    }
    /* Nothing of the tree may run on while at_end undoes host state. As
     * pid 1, kill(-1) reaches everything else in the namespace. Every
     * process the tree made is a child of ours by now (orphans come to
     * the namespace's init, with SIGCHLD as their exit signal): with no
     * child left there is nothing to kill, and kill(-1), which walks
     * every process of the host (0.1 to 0.2 ms), is spared. */
    if (pidns && has_children()) {
        kill(-1, SIGKILL);
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
            ;
    } else if (!pidns && !l->relay_only) {
        kill_leftover_children();
    }
    /* Every writer is gone: what is left in the relays goes out now. */
    for (i = 0; i < 3; i++)
        if (relay[i][0] >= 0) {
            while (relay_copy(relay[i][0], relay_to[i]) > 0)
                ;
            close(relay[i][0]);
        }
    /* The status first: the caller's wake-up overlaps with at_end. Then
     * the end of at_end, which the caller waits for before it cleans up. */
    if (!parent_gone)
        write_all(status_fd, &status, sizeof status);
    if (l->at_end)
        l->at_end(l->ctx, parent_gone);
    if (!parent_gone)
        write_all(status_fd, &status, sizeof status);
    _exit(0);
}

/* ---- the caller's side ---------------------------------------------------- */

/* Supervisors that relayed their status and were still exiting when their
 * run ended (see cordon__process_free): reaped later, without waiting. */
#define PENDING_MAX 16
static _Atomic pid_t pending[PENDING_MAX];

static void reap_pending(void)
{
    size_t i;
    for (i = 0; i < PENDING_MAX; i++) {
        pid_t p = atomic_load(&pending[i]), w;
        if (p <= 0)
            continue;
        do
            w = waitpid(p, NULL, WNOHANG);
        while (w < 0 && errno == EINTR);
        /* Gone, or reaped by a host that waits for every child itself. */
        if (w != 0)
            atomic_compare_exchange_strong(&pending[i], &p, 0);
    }
}

static void reap_later(pid_t pid)
{
    size_t i;
    for (i = 0; i < PENDING_MAX; i++) {
        pid_t none = 0;
        if (atomic_compare_exchange_strong(&pending[i], &none, pid))
            return;
    }
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) /* list full: wait now */
        ;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        return fd;
    }
#else
    (void)pid;
#endif
    return -1;
}

static cordon_error child_failure(const struct cordon__launch *l, const struct child_fail *f)
{
    const char *cmd = l->req->argv[0];
    char *what = NULL;
    cordon_error e;

    switch (f->kind) {
    case FAIL_EXEC:
        if (f->err == ENOENT) {
            what = cordon__asprintf("command not found: %s", cmd);
            e = cordon__fail_os(CORDON_ERR_NOT_FOUND, what ? what : cmd, "execve", "errno",
                                f->err, strerror(f->err));
        } else {
            cordon_error code = (f->err == ENOMEM || f->err == E2BIG) ? CORDON_ERR_OS
                                                                       : CORDON_ERR_NOT_EXECUTABLE;
            what = cordon__asprintf("cannot execute %s", cmd);
            e = cordon__fail_os(code, what ? what : cmd, "execve", "errno", f->err,
                                strerror(f->err));
        }
        break;
    case FAIL_CHDIR:
        what = cordon__asprintf("cannot change to the working directory %s for %s", f->step, cmd);
        e = cordon__fail_os(CORDON_ERR_PATH, what ? what : f->step, "chdir", "errno", f->err,
                            strerror(f->err));
        break;
    default:
        what = cordon__asprintf("cannot start %s in the sandbox: %s", cmd, f->step);
        e = cordon__sys_fail(what ? what : f->step, "setup", f->err);
        if (e == CORDON_ERR_PATH || e == CORDON_ERR_INVALID_ARGUMENT)
            e = CORDON_ERR_OS; /* a setup step, not the caller's path */
        break;
    }
    free(what);
    return e;
}

/* 1 when this process's SIGCHLD is not the default: ignored (the kernel
 * then discards a child's status), or handled by a host that may reap
 * every child itself. */
static int sigchld_taken(void)
{
    struct sigaction sa;
    if (sigaction(SIGCHLD, NULL, &sa) != 0)
        return 1;
    return sa.sa_handler != SIG_DFL || (sa.sa_flags & SA_NOCLDWAIT) != 0;
}

/* The signals a relaying caller passes on to the command. */
static void relayed_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
}

/* The caller's controlling terminal, when the caller's group is its
 * foreground (the command's group takes it over): an open descriptor,
 * else -1. */
static int foreground_terminal(void)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0 && tcgetpgrp(fd) != getpgrp()) {
        close(fd);
        fd = -1;
    }
    return fd;
}

cordon_error cordon__process_spawn(const struct cordon__launch *launch, struct cordon__proc **out)
{
    struct cordon__launch lc = *launch;
    const struct cordon__launch *l = &lc;
    struct cordon__proc *proc = NULL;
    int errp[2] = {-1, -1}, statp[2] = {-1, -1};
    struct child_fail f;
    ssize_t r;
    pid_t pid = -1;
    cordon_error e = CORDON_OK;

    *out = NULL;
    lc.tty_fd = -1;
    if (!l->req || !l->req->argv || !l->req->argv[0])
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "no command to run");
    if (!l->supervise && sigchld_taken()) {
        /* The command's status reaches us through a supervisor's pipe,
         * whatever the host does with SIGCHLD. */
        lc.supervise = 1;
        lc.relay_only = 1;
    }
    reap_pending();
    proc = cordon__xcalloc(1, sizeof *proc);
    if (!proc)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting %s", l->req->argv[0]);
    proc->pidfd = -1;
    proc->status_fd = -1;
    proc->sigfd = -1;
    proc->tty_fd = -1;
    proc->supervised = l->supervise;
    proc->ends_tree = l->supervise && !l->relay_only;
    proc->own_pgrp = l->own_pgrp;
    proc->kill_after_ms = l->req->kill_after_ms;
    if (l->own_pgrp) {
        /* A caller without a controlling terminal has none to share:
         * the command gets a session of its own. */
        int t = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
        lc.new_session = t < 0;
        if (t >= 0)
            close(t);
    }
    if (l->req->relay_signals) {
        /* Blocked from now on (the children set their own masks), taken
         * from the signalfd while waiting, restored by free. */
        sigset_t set;
        int sig;
        relayed_set(&set);
        /* A signal the caller ignores (SIGINT and SIGQUIT of a
         * background job of a shell) is not the command's either. */
        for (sig = 1; sig < 32; sig++) {
            struct sigaction sa;
            if (sigismember(&set, sig) && sigaction(sig, NULL, &sa) == 0 &&
                sa.sa_handler == SIG_IGN)
                sigdelset(&set, sig);
        }
        pthread_sigmask(SIG_BLOCK, &set, &proc->old_mask);
        proc->relay = 1;
        proc->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        /* Job control needs the supervisor to relay stops. */
        if (l->own_pgrp && l->supervise && !lc.new_session)
            proc->tty_fd = lc.tty_fd = foreground_terminal();
    }

    if (pipe2(errp, O_CLOEXEC) != 0) {
        e = cordon__sys_fail("cannot start the command", "pipe2", errno);
        goto done;
    }
    if (l->supervise && pipe2(statp, O_CLOEXEC) != 0) {
        e = cordon__sys_fail("cannot start the command", "pipe2", errno);
        goto done;
    }

    if (l->supervise && l->clone_flags)
        pid = (pid_t)syscall(SYS_clone, (unsigned long)(l->clone_flags | SIGCHLD), NULL, NULL,
                             NULL, NULL);
    else
        pid = fork();
    if (pid < 0) {
        if (l->clone_errno)
            *l->clone_errno = errno;
        if (l->ns_failed && l->clone_flags)
            *l->ns_failed = 1;
        e = cordon__sys_fail("cannot start the command", l->clone_flags ? "clone" : "fork", errno);
        goto done;
    }
    if (pid == 0) {
        close(errp[0]);
        if (l->supervise) {
            close(statp[0]);
            supervise(l, errp[1], statp[1]);
        }
        run_command(l, errp[1]);
    }

    proc->pid = pid;
    close(errp[1]);
    errp[1] = -1;
    if (l->supervise) {
        close(statp[1]);
        statp[1] = -1;
        proc->status_fd = statp[0];
        statp[0] = -1;
    }
    if (l->after_clone)
        e = l->after_clone(l->ctx);
    /* Read the child's report even when after_clone failed: the child may
     * have failed first (a refused mount), and after_clone then only saw
     * it go away; the child's report names the real step. A child that
     * failed only because after_clone stopped talking to it (EPIPE) has
     * nothing to add. (after_clone closes its end on failure, so the
     * child does not wait for it.) */
    do
        r = read(errp[0], &f, sizeof f);
    while (r < 0 && errno == EINTR);
    if (e != CORDON_OK && (r != (ssize_t)sizeof f || f.err == EPIPE))
        goto done;
    if (r == (ssize_t)sizeof f) {
        f.step[sizeof f.step - 1] = '\0';
        if (f.kind == FAIL_NS && l->ns_failed)
            *l->ns_failed = 1;
        if (f.kind == FAIL_JOIN && l->join_failed)
            *l->join_failed = 1;
        e = child_failure(l, &f);
        goto done;
    }
    if (!l->supervise)
        proc->pidfd = open_pidfd(pid); /* a supervised run is watched through its status pipe */
    *out = proc;
    proc = NULL;
done:
    if (errp[0] >= 0)
        close(errp[0]);
    if (errp[1] >= 0)
        close(errp[1]);
    if (statp[0] >= 0)
        close(statp[0]);
    if (statp[1] >= 0)
        close(statp[1]);
    if (proc) {
        if (pid > 0) {
            kill(pid, SIGKILL);
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
            proc->reaped = 1;
        }
        cordon__process_free(proc);
    }
    return e;
}

/* ---- tree kill from the caller ------------------------------------------- */

struct pidset {
    pid_t *v;
    size_t n, cap;
};

static int pidset_has(const struct pidset *s, pid_t p)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (s->v[i] == p)
            return 1;
    return 0;
}

static int pidset_add(struct pidset *s, pid_t p)
{
    if (pidset_has(s, p))
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        pid_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return 0;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = p;
    return 1;
}

/* Adds the children of every thread of |pid|; returns how many were new. */
static size_t add_children(struct pidset *s, pid_t pid)
{
    char path[64];
    DIR *d;
    struct dirent *de;
    size_t added = 0;

    snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
    d = opendir(path);
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL) {
        char cpath[320], buf[4096];
        int fd;
        ssize_t r;
        char *p, *end;
        if (de->d_name[0] == '.')
            continue;
        snprintf(cpath, sizeof cpath, "/proc/%ld/task/%s/children", (long)pid, de->d_name);
        fd = open(cpath, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r <= 0)
            continue;
        buf[r] = '\0';
        for (p = buf;; p = end) {
            long c = strtol(p, &end, 10);
            if (end == p)
                break;
            if (c > 0 && pidset_add(s, (pid_t)c))
                added++;
        }
    }
    closedir(d);
    return added;
}

/* Stops the whole tree under |root| first (so nothing forks away while we
 * look), then kills it. A process that already left the tree (double fork
 * to init) is outside it; the backends that need more use a pid namespace. */
static void kill_tree(pid_t root)
{
    struct pidset s = {0};
    size_t i, round;

    pidset_add(&s, root);
    kill(root, SIGSTOP);
    for (round = 0; round < 64; round++) {
        size_t before = s.n, added = 0;
        for (i = 0; i < before; i++)
            added += add_children(&s, s.v[i]);
        for (i = before; i < s.n; i++)
            kill(s.v[i], SIGSTOP);
        if (!added)
            break;
    }
    for (i = s.n; i > 0; i--)
        kill(s.v[i - 1], SIGKILL);
    free(s.v);
}

cordon_error cordon__process_kill(struct cordon__proc *proc)
{
    if (!proc || proc->reaped || proc->relayed)
        return CORDON_OK;
    kill_tree(proc->pid);
    proc->killed = 1;
    return CORDON_OK;
}

static void decode_status(int st, struct cordon__exit *out)
{
    if (WIFEXITED(st)) {
        out->exit_code = WEXITSTATUS(st);
        out->term_signal = 0;
    } else if (WIFSIGNALED(st)) {
        out->exit_code = 128 + WTERMSIG(st);
        out->term_signal = WTERMSIG(st);
    }
}

/* Sends |sig| to the command on behalf of the caller: through the
 * supervisor, which passes it to the command's group, or directly. */
static void forward(struct cordon__proc *proc, int sig)
{
    if (proc->supervised)
        kill(proc->pid, sig);
    else if (!proc->own_pgrp || kill(-proc->pid, sig) != 0)
        kill(proc->pid, sig);
}

/* Passes on the relayed signals that arrived. One the terminal sent
 * (SI_KERNEL) already reached a command in the caller's own group. */
static void relay_pending(struct cordon__proc *proc)
{
    struct signalfd_siginfo si;
    while (proc->sigfd >= 0 && read(proc->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        if (proc->own_pgrp || si.ssi_code != SI_KERNEL)
            forward(proc, (int)si.ssi_signo);
}

/* The terminal goes back to the caller's group, once. */
static void take_back_terminal(struct cordon__proc *proc)
{
    if (proc->tty_fd < 0)
        return;
    give_terminal(proc->tty_fd, getpgrp());
    close(proc->tty_fd);
    proc->tty_fd = -1;
}

/* The command, which had the terminal, was stopped by |sig|: the caller
 * takes the terminal back and stops as well, so that its shell sees a
 * stopped job; continued, it continues the command, giving it the
 * terminal again when the caller was continued in the foreground. */
static void job_stopped(struct cordon__proc *proc, int sig)
{
    struct sigaction sa;
    give_terminal(proc->tty_fd, getpgrp());
    /* The same stop, unless this process ignores it: SIGSTOP then. */
    if ((sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) || sigaction(sig, NULL, &sa) != 0 ||
        sa.sa_handler != SIG_DFL)
        sig = SIGSTOP;
    kill(getpid(), sig);
    if (tcgetpgrp(proc->tty_fd) == getpgrp())
        kill(proc->pid, RESUME_FG);
    else
        kill(proc->pid, SIGCONT);
}

/* Waits until |deadline| (cordon__os_now() seconds; 0: none) for the end
 * of the run, relaying signals and stops meanwhile. 1 when it ended:
 * proc->have_st 1 with the command's status the supervisor relayed
 * (proc->st), else the supervisor went away or the unsupervised command
 * is reapable. 0 at the deadline. */
static int wait_end(struct cordon__proc *proc, double deadline)
{
    int fd = proc->status_fd >= 0 ? proc->status_fd : proc->pidfd;
    if (proc->have_st || proc->gone)
        return 1;
    for (;;) {
        struct pollfd p[2];
        nfds_t n = 0;
        int tmo = -1, r;
        if (deadline > 0) {
            double left = deadline - cordon__os_now();
            tmo = left <= 0 ? 0 : (int)(left * 1000.0) + 1;
        }
        if (fd >= 0) {
            p[n].fd = fd;
            p[n].events = POLLIN;
            p[n++].revents = 0;
        } else if (tmo < 0 || tmo > 2) {
            tmo = 2; /* no pidfd: look with waitid every 2 ms */
        }
        if (proc->sigfd >= 0) {
            p[n].fd = proc->sigfd;
            p[n].events = POLLIN;
            p[n++].revents = 0;
        }
        r = n ? poll(p, n, tmo) : 0;
        if (!n) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
        if (r < 0 && errno != EINTR)
            return 0;
        if (r > 0 && proc->sigfd >= 0 && (p[n - 1].revents & POLLIN))
            relay_pending(proc);
        if (fd >= 0 && r > 0 && p[0].revents) {
            ssize_t k;
            int word;
            if (!proc->supervised)
                return 1;
            do
                k = read(fd, &word, sizeof word);
            while (k < 0 && errno == EINTR);
            if (k != (ssize_t)sizeof word) {
                proc->gone = 1; /* the supervisor went away */
                return 1;
            }
            if (WIFSTOPPED(word) && proc->tty_fd >= 0) {
                job_stopped(proc, WSTOPSIG(word));
                continue;
            }
            proc->st = word;
            proc->have_st = 1;
            return 1;
        }
        if (fd < 0) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            if (waitid(P_PID, (id_t)proc->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                si.si_pid == proc->pid)
                return 1;
        }
        if (deadline > 0 && cordon__os_now() >= deadline)
            return 0;
    }
}

int cordon__process_ended(struct cordon__proc *proc, unsigned long timeout_ms)
{
    if (!proc || proc->reaped || proc->relayed)
        return 1;
    return wait_end(proc, cordon__os_now() + (double)timeout_ms / 1000.0);
}

long long cordon__process_pid(const struct cordon__proc *proc)
{
    return proc ? (long long)proc->pid : -1;
}

cordon_error cordon__process_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                                  struct cordon__exit *out)
{
    int st = 0, ended;
    pid_t w;

    if (!proc)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "no process to wait for");
    if (proc->reaped || proc->relayed) {
        *out = proc->result;
        return CORDON_OK;
    }
    memset(&proc->result, 0, sizeof proc->result);
    ended = wait_end(proc, timeout_ms ? cordon__os_now() + (double)timeout_ms / 1000.0 : 0);
    if (!ended) {
        /* As timeout(1): SIGTERM to the command's group, and the whole
         * tree killed only if it has not ended kill_after_ms later. */
        proc->result.timed_out = 1;
        /* Only a supervisor ends what the command leaves behind: an
         * unsupervised tree is killed at once (its descendants would
         * leave it once the command is gone). */
        if (proc->kill_after_ms && proc->ends_tree) {
            proc->result.timeout_signal = SIGTERM;
            forward(proc, SIGTERM);
            ended = wait_end(proc, cordon__os_now() + (double)proc->kill_after_ms / 1000.0);
        }
        if (!ended) {
            proc->result.timeout_signal = SIGKILL;
            kill_tree(proc->pid);
        }
    }
    take_back_terminal(proc);
    /* The supervisor writes the status once the tree is gone: the command
     * is over then. at_end follows, which free waits for; the
     * supervisor's own exit (tearing down its namespaces) is not waited
     * for. */
    if (proc->have_st) {
        proc->relayed = 1;
        decode_status(proc->st, &proc->result);
        *out = proc->result;
        return CORDON_OK;
    }
    do
        w = waitpid(proc->pid, &st, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno == ECHILD && (proc->result.timed_out || proc->killed)) {
        /* Reaped by the host (SIGCHLD ignored or taken) after we killed
         * it: the outcome is known. */
        proc->reaped = 1;
        proc->result.exit_code = 128 + SIGKILL;
        proc->result.term_signal = SIGKILL;
        *out = proc->result;
        return CORDON_OK;
    }
    if (w < 0 && errno == ECHILD && proc->supervised) {
        proc->reaped = 1;
        return cordon__fail(CORDON_ERR_OS, "the sandbox supervisor of the command ended without "
                                           "relaying its status (reaped by the host)");
    }
    if (w < 0)
        return cordon__sys_fail("cannot wait for the command", "waitpid", errno);
    proc->reaped = 1;
    /* Supervised and nothing relayed: the supervisor itself ended. */
    if (proc->supervised && !proc->result.timed_out && WIFEXITED(st) &&
        WEXITSTATUS(st) == SUPERVISOR_FAILED)
        return cordon__fail(CORDON_ERR_OS, "the sandbox supervisor of the command failed");
    decode_status(st, &proc->result);
    *out = proc->result;
    return CORDON_OK;
}

void cordon__process_free(struct cordon__proc *proc)
{
    if (!proc)
        return;
    if (!proc->reaped && proc->pid > 0 && proc->relayed) {
        /* The tree is gone; at_end ends with a second word (or the
         * supervisor's end, if it was killed meanwhile). Then it may still
         * be tearing its namespaces down: not waited for. */
        int again;
        pid_t w;
        while (read(proc->status_fd, &again, sizeof again) < 0 && errno == EINTR)
            ;
        do
            w = waitpid(proc->pid, NULL, WNOHANG);
        while (w < 0 && errno == EINTR);
        if (w == 0)
            reap_later(proc->pid);
    } else if (!proc->reaped && proc->pid > 0) {
        kill_tree(proc->pid);
        while (waitpid(proc->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    take_back_terminal(proc);
    if (proc->relay) {
        /* What arrived after the run is dropped; what arrives after this
         * acts on the caller as usual. */
        struct signalfd_siginfo si;
        if (proc->sigfd >= 0) {
            while (read(proc->sigfd, &si, sizeof si) > 0)
                ;
            close(proc->sigfd);
        }
        pthread_sigmask(SIG_SETMASK, &proc->old_mask, NULL);
    }
    if (proc->pidfd >= 0)
        close(proc->pidfd);
    if (proc->status_fd >= 0)
        close(proc->status_fd);
    free(proc);
}
