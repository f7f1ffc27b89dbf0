/* The process launch shared by the Linux backends (backends/linux/process.c).
 *
 * Shape of a launch:
 *   caller ──fork──► command                          (no supervisor)
 *   caller ──clone(ns flags)──► supervisor ──fork──► command
 *
 * The supervisor is pid 1 of a new pid namespace when clone_flags holds
 * CLONE_NEWPID (kill(-1) reaches everything left in the namespace),
 * otherwise a child subreaper that kills the leftover tree. When the
 * command ends, or the caller dies (parent-death signal), it ends the
 * rest of the tree, runs at_end, and relays the command's wait status to
 * the caller through a pipe, so signals and exit codes reach the caller
 * as if the command were its own child.
 *
 * With own_pgrp the command leads a process group of its own (kill(0),
 * setpriority(PRIO_PGRP, 0) and ioprio_set(IOPRIO_WHO_PGRP, 0) reach
 * only its own processes) and the supervisor one of its own, out of the
 * caller's. With the request's relay_signals, the caller waits as the
 * command's stand-in: SIGINT/TERM/HUP/QUIT it receives go to the
 * supervisor, which sends them to the command's group; the terminal's
 * foreground, when the caller held it, is the command's group while it
 * runs; a command stopped by the terminal stops the caller, and the
 * caller's continuation continues it (status words with WIFSTOPPED on
 * the status pipe, RESUME_FG from the caller).
 *
 * Everything that runs between fork and exec is async-signal-safe: the
 * hooks must not allocate, lock or use stdio (the caller of libcordon may
 * be multithreaded).
 */
#ifndef CORDON_LINUX_PROCESS_H
#define CORDON_LINUX_PROCESS_H

#include <signal.h>
#include <sys/types.h>

#include "linux.h"

/* A hook reports failure by returning an errno value and pointing *step
 * at a static description ("mount /tmp (mount)"). */
typedef int (*cordon__child_hook)(void *ctx, const char **step);

struct cordon__launch {
    const struct cordon__spawn *req;
    int supervise;              /* 1: run the supervisor described above */
    /* Supervised only to relay the status (set by process.c when the
     * caller's SIGCHLD is not the default, for an unsupervised launch):
     * no subreaper, leftovers are left alone as without a supervisor. */
    int relay_only;
    unsigned long clone_flags;  /* CLONE_NEW* for the supervisor; 0: fork */
    int *clone_errno;           /* set to clone's errno when it fails; may be NULL */
    /* Set to 1 when the launch failed in making or entering its
     * namespaces (clone with clone_flags, in_supervisor, enter_ns): a
     * host whose user namespaces do not serve. May be NULL. */
    int *ns_failed;
    /* In the supervisor, right after clone (maps, mounts); may be NULL. */
    cordon__child_hook in_supervisor;
    /* In the command's process after stdio, first: entering namespaces
     * of its own (a failure here, in in_supervisor or in the clone is
     * the namespaces' own: see ns_failed); may be NULL. */
    cordon__child_hook enter_ns;
    /* In the command's process after enter_ns, before it enters its cwd
     * (the mounts of its mount namespace); may be NULL. */
    cordon__child_hook in_command;
    /* In the supervisor right after the command's clone, while the
     * command sets up: namespaces the command joins later (join_ns), made
     * here so that their cost overlaps with the command's mounts. The
     * command then runs at the same time in the same memory (where
     * rawsys.h has raw system calls; fork-style elsewhere): the hook makes
     * only raw system calls (no libc call, which could set errno, shared
     * with the command), and neither writes nor reads after the start
     * anything of ctx the command may write (it copies what it needs into
     * locals). It tells the command of a failure through a descriptor, not
     * by returning. May be NULL. */
    void (*alongside)(void *ctx);
    /* 1: alongside makes the supervisor not dumpable itself (it writes
     * the supervisor's own /proc files first), and the command does not
     * go on before it has (a channel of ctx); process.c then leaves the
     * supervisor dumpable until alongside runs. */
    int alongside_undumps;
    /* In the command's process after in_command: joins what alongside
     * made. A failure sets join_failed. May be NULL. */
    cordon__child_hook join_ns;
    int *join_failed;
    /* In the command's process after stdio and cwd, just before exec
     * (no_new_privs, capabilities, Landlock, seccomp); may be NULL. */
    cordon__child_hook before_exec;
    /* In the caller right after the clone, while the supervisor and the
     * command set up: preparation that may overlap with theirs (it reaches
     * the command through a channel of ctx). On failure the launch is
     * ended (the supervisor killed) and this error returned. May be NULL. */
    cordon_error (*after_clone)(void *ctx);
    /* In the supervisor once nothing of the command's tree is left, also
     * when setup failed or the caller went away (|caller_gone| 1): undoes
     * per-run state on the host. May be NULL. */
    void (*at_end)(void *ctx, int caller_gone);
    /* In the supervisor once the command has exec'd: a descriptor of the
     * supervisor's own to watch while the command runs (-1: none), and
     * the work to do each time it is readable (the unix socket gate).
     * Both may be NULL. */
    int (*watch_fd)(void *ctx);
    void (*on_watch_fd)(void *ctx);
    void *ctx;
    int own_pgrp;               /* 1: the command (and supervisor) leave the caller's group */
    /* Per standard stream: 1 when it is a file the command may write but
     * not hold (its metadata could be changed through the descriptor):
     * the command gets a pipe, which the supervisor copies to it (to the
     * end, once the tree is gone). Supervised launches only. */
    int relay_out[3];
    int new_session;            /* set by cordon__process_spawn: with own_pgrp, the caller
                                   has no controlling terminal, and the command leads a
                                   session of its own (setsid) rather than a group */
    int tty_fd;                 /* set by cordon__process_spawn: the caller's controlling
                                   terminal when the command gets its foreground, else -1 */
};

struct cordon__proc {
    pid_t pid;          /* the supervisor when supervised, else the command */
    int pidfd;          /* unsupervised only; -1 when pidfd_open is unavailable */
    int status_fd;      /* read end of the status relay; -1 unsupervised */
    int supervised;
    int relayed;        /* the supervisor relayed the status: the tree is gone */
    int reaped;
    int killed;         /* cordon__process_kill ended the tree */
    struct cordon__exit result;
    unsigned long kill_after_ms;
    int ends_tree;      /* a supervisor ends the tree with the command (not relay_only) */
    int st, have_st;    /* the status the supervisor relayed, once read */
    int gone;           /* the supervisor's pipe ended without a status */
    int relay;          /* relay_signals: sigfd and old_mask are in use */
    int sigfd;          /* signalfd of the relayed signals; -1 */
    sigset_t old_mask;  /* the calling thread's mask before the run */
    int tty_fd;         /* the terminal whose foreground the command has; -1 */
    int own_pgrp;
    void *backend_data; /* the backend's per-run state; process.c leaves it alone */
};

/* Starts the command. On exec failure returns CORDON_ERR_NOT_FOUND /
 * CORDON_ERR_NOT_EXECUTABLE (or the failing setup step's error) with a
 * message naming the command, and reaps the child itself. */
cordon_error cordon__process_spawn(const struct cordon__launch *launch, struct cordon__proc **out);
/* Waits; on timeout ends the whole tree and sets timed_out. A supervised
 * run is over when the supervisor relays the status: the tree is gone;
 * at_end runs after it (free waits for that). */
cordon_error cordon__process_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                                  struct cordon__exit *out);
/* Ends the whole tree now (stops every descendant, then kills them). */
cordon_error cordon__process_kill(struct cordon__proc *proc);
/* 1 when the run has ended within |timeout_ms| (0: only checks), without
 * ending anything; cordon__process_wait then returns at once. */
int cordon__process_ended(struct cordon__proc *proc, unsigned long timeout_ms);
/* The supervisor's pid when supervised, else the command's. */
long long cordon__process_pid(const struct cordon__proc *proc);
/* Kills what is left, reaps, closes and frees |proc|. NULL is fine. After
 * a relayed status it waits for at_end to end, not for the supervisor's
 * exit: one still exiting is reaped later (at the next launch). */
void cordon__process_free(struct cordon__proc *proc);

#endif
