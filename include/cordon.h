/*
 * cordon — run an AI coding agent's commands so that they can read the
 * machine, write only inside the workspace, and reach the network only when
 * allowed; and say honestly how strong each of those guarantees is here.
 *
 * Order of use:
 *   1) construct  a policy: cordon_policy_builtin(), cordon_policy_load_file(),
 *                 cordon_policy_parse() or cordon_policy_new() (the most
 *                 restrictive policy: read-only, network off);
 *   2) restrict   it with the cordon_policy_set_*() / _add_*() calls;
 *   3) query      what this host would enforce (cordon_level_query()), and/or
 *      run        a command under it: cordon_run() blocks until it ends;
 *                 cordon_spawn() returns at once with a cordon_process
 *                 handle, then cordon_wait() (with a timeout, so that the
 *                 caller can read the command's pipes meanwhile),
 *                 cordon_kill() and cordon_process_free();
 *   4) destroy    the policy with cordon_policy_free() (a running
 *                 cordon_process does not need it any more).
 *
 * Errors: every call that can fail returns a cordon_error. On failure the
 * calling thread's detailed message (failing step, path, OS error code and
 * text) is available from cordon_last_error() until the next failing call on
 * the same thread.
 *
 * Strings are UTF-8 on every platform. Unless a comment says otherwise, the
 * library copies what it is given and the caller keeps ownership of its own
 * pointers; pointers the library returns stay owned by the library.
 */
#ifndef CORDON_H
#define CORDON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(CORDON_SHARED_BUILD)
#define CORDON_API __declspec(dllexport)
#elif defined(_WIN32) && defined(CORDON_SHARED)
#define CORDON_API __declspec(dllimport)
#else
#define CORDON_API
#endif

#define CORDON_VERSION_MAJOR 0
#define CORDON_VERSION_MINOR 1
#define CORDON_VERSION_PATCH 0
#define CORDON_VERSION_STRING "0.1.0"

/* Closed and append-only: values never change meaning or get reused. */
typedef enum cordon_error {
    CORDON_OK = 0,
    CORDON_ERR_INVALID_ARGUMENT = 1, /* a caller error: NULL, out of range */
    CORDON_ERR_NO_MEMORY = 2,
    CORDON_ERR_POLICY_SYNTAX = 3,    /* policy text is not valid (line:col) */
    CORDON_ERR_POLICY_INVALID = 4,   /* well-formed, but a value is wrong */
    CORDON_ERR_PATH = 5,             /* a path does not exist or cannot be resolved */
    CORDON_ERR_PATH_REFUSED = 6,     /* a root too dangerous to grant write on */
    CORDON_ERR_NO_BACKEND = 7,       /* no backend can run this policy here */
    CORDON_ERR_REQUIREMENT = 8,      /* a required level is not met here */
    CORDON_ERR_SETUP = 9,            /* the elevated setup is broken */
    CORDON_ERR_OS = 10,              /* an OS call failed (see the message) */
    CORDON_ERR_NOT_FOUND = 11,       /* the command was not found */
    CORDON_ERR_NOT_EXECUTABLE = 12,  /* the command cannot be executed */
    CORDON_ERR_IO = 13,              /* reading or writing a file failed */
    CORDON_ERR_UNSUPPORTED = 14,     /* not available on this platform/build */
    CORDON_ERR_PERMISSION = 15,      /* the OS refused (access denied) */
    CORDON_ERR_TIMEOUT = 16          /* cordon_wait(): still running when its
                                        timeout passed (nothing was ended) */
} cordon_error;

/* A static English description of |err|; never NULL. */
CORDON_API const char *cordon_strerror(cordon_error err);

/* The detailed message of this thread's last failure, for example
 * "cannot resolve writable root /src/app (realpath: errno 2, No such file or
 * directory)". Never NULL; "" when nothing failed yet. Owned by the library
 * and valid until the next failing call on this thread. */
CORDON_API const char *cordon_last_error(void);

CORDON_API const char *cordon_version(void);

/* ---- guarantees ------------------------------------------------------- */

typedef enum cordon_level {
    CORDON_LEVEL_NONE = 0,     /* not restricted */
    CORDON_LEVEL_ADVISORY = 1, /* cooperative only (environment, PATH stubs) */
    CORDON_LEVEL_ENFORCED = 2  /* the OS refuses it */
} cordon_level;

/* Append-only; CORDON_DIM_COUNT grows as dimensions are added, up to
 * CORDON_DIM_CAPACITY (the room cordon_levels keeps, so that a new
 * dimension changes no struct size). */
typedef enum cordon_dimension {
    CORDON_DIM_FS_WRITE = 0,        /* writes outside the writable roots */
    CORDON_DIM_PROTECTED_PATHS = 1, /* .git, .cordon, ... inside the roots */
    CORDON_DIM_NETWORK = 2,         /* egress when the policy says off */
    CORDON_DIM_SECRETS_READ = 3,    /* reads of the policy's deny_read paths */
    CORDON_DIM_COUNT = 4
} cordon_dimension;
#define CORDON_DIM_CAPACITY 16

typedef enum cordon_tier {
    CORDON_TIER_NONE = 0,       /* no sandbox (full-access policy) */
    CORDON_TIER_UNELEVATED = 1, /* no administrator setup needed */
    CORDON_TIER_ELEVATED = 2    /* after `cordon-setup install` */
} cordon_tier;

/* "none", "advisory", "enforced"; NULL when out of range. */
CORDON_API const char *cordon_level_name(cordon_level level);
/* "fs_write", "protected_paths", "network", "secrets_read"; NULL when out
 * of range. */
CORDON_API const char *cordon_dimension_name(cordon_dimension dim);
/* "none", "unelevated", "elevated"; NULL when out of range. */
CORDON_API const char *cordon_tier_name(cordon_tier tier);
/* Parses the names above; CORDON_ERR_INVALID_ARGUMENT when unknown. */
CORDON_API cordon_error cordon_level_parse(const char *name, cordon_level *out);
CORDON_API cordon_error cordon_dimension_parse(const char *name, cordon_dimension *out);

#define CORDON_REASON_MAX 512

/* What a host gives for a policy: which backend, and per dimension the
 * level really in force with the reason for anything below "enforced" (or a
 * note on an enforced one). Plain data, owned by the caller. The arrays
 * have room for CORDON_DIM_CAPACITY dimensions; the first |n_dims| (the
 * CORDON_DIM_COUNT of the library that filled it) are valid, the rest
 * are zero ("none", no reason). */
typedef struct cordon_levels {
    char backend[48];                  /* "linux-unelevated", "" when none */
    cordon_tier tier;
    unsigned n_dims;
    cordon_level level[CORDON_DIM_CAPACITY];
    char reason[CORDON_DIM_CAPACITY][CORDON_REASON_MAX]; /* "" when none */
    char fallback_reason[CORDON_REASON_MAX]; /* why earlier backends were skipped */
} cordon_levels;

/* The caller's decision value: the network dimension's level. */
CORDON_API cordon_level cordon_levels_overall(const cordon_levels *levels);

/* A floor the caller demands: cordon refuses to run below it. */
typedef struct cordon_requirement {
    cordon_dimension dim;
    cordon_level min;
} cordon_requirement;

/* ---- policy ------------------------------------------------------------ */

typedef struct cordon_policy cordon_policy;

typedef enum cordon_mode {
    CORDON_MODE_READ_ONLY = 0,       /* the zero value: nothing writable */
    CORDON_MODE_WORKSPACE_WRITE = 1, /* writes inside the writable roots */
    CORDON_MODE_FULL_ACCESS = 2      /* no sandbox at all */
} cordon_mode;

/* Each constructor stores a new policy in *out; free it with
 * cordon_policy_free(). */
/* Most restrictive: read-only, network off, no writable roots, private tmp. */
CORDON_API cordon_error cordon_policy_new(cordon_policy **out);
/* One of the shipped policies: "read-only", "workspace-write" (the
 * default), "workspace-write-online", "full-access". */
CORDON_API cordon_error cordon_policy_builtin(const char *name, cordon_policy **out);
/* A policy file (strict TOML subset; see docs/policy.md). */
CORDON_API cordon_error cordon_policy_load_file(const char *path, cordon_policy **out);
/* Policy text of |len| bytes; |origin| names it in messages (may be NULL). */
CORDON_API cordon_error cordon_policy_parse(const char *text, size_t len,
                                            const char *origin, cordon_policy **out);
CORDON_API void cordon_policy_free(cordon_policy *policy);

CORDON_API cordon_error cordon_policy_set_mode(cordon_policy *policy, cordon_mode mode);
CORDON_API cordon_error cordon_policy_set_network(cordon_policy *policy, int enabled);
/* Replaces the writable roots with none; then add them one by one.
 * Relative roots resolve against the command's working directory. */
CORDON_API cordon_error cordon_policy_clear_writable_roots(cordon_policy *policy);
CORDON_API cordon_error cordon_policy_add_writable_root(cordon_policy *policy, const char *path);
/* Protected paths are relative to each writable root. */
CORDON_API cordon_error cordon_policy_clear_protected_paths(cordon_policy *policy);
CORDON_API cordon_error cordon_policy_add_protected_path(cordon_policy *policy, const char *relpath);
CORDON_API cordon_error cordon_policy_set_private_tmp(cordon_policy *policy, int enabled);
/* 0 = no timeout. */
CORDON_API cordon_error cordon_policy_set_timeout(cordon_policy *policy, unsigned seconds);
/* Allow roots that are refused by default (filesystem root, home or
 * profile directory itself, system directories). */
CORDON_API cordon_error cordon_policy_set_force_roots(cordon_policy *policy, int force);
/* Paths the command must not read (files or directories; "~/" or "$HOME/"
 * at the start is the user's home; missing ones are skipped). A new
 * policy denies the usual credential stores (docs/policy.md, deny_read). */
CORDON_API cordon_error cordon_policy_clear_deny_read(cordon_policy *policy);
CORDON_API cordon_error cordon_policy_add_deny_read(cordon_policy *policy, const char *path);
/* Glob patterns ('*', '?') of environment variable names removed before
 * the command starts. A new policy removes the usual secret-bearing names
 * (docs/policy.md, env_deny); clear to keep every variable. */
CORDON_API cordon_error cordon_policy_clear_env_deny(cordon_policy *policy);
CORDON_API cordon_error cordon_policy_add_env_deny(cordon_policy *policy, const char *pattern);
/* Lets the command connect to the unix socket at |path| (of a process
 * outside the sandbox, which is refused by default). A leading "~" or
 * "$HOME" is the caller's home; relative paths resolve against the
 * command's working directory. */
CORDON_API cordon_error cordon_policy_allow_unix_socket(cordon_policy *policy, const char *path);

/* The tool caches (docs/policy.md, cache): 1 ("sandbox", the default)
 * gives commands a persistent cache directory of cordon's own for this
 * user, writable in workspace-write mode, with the package managers'
 * cache variables pointing into it; 0 ("none") leaves them alone. */
CORDON_API cordon_error cordon_policy_set_cache(cordon_policy *policy, int enabled);
/* Writable roots that are skipped when they do not exist here (a shared
 * policy naming "~/.m2" works on a machine without one). "~/" or
 * "$HOME/" at the start of any writable root is the user's home. */
CORDON_API cordon_error cordon_policy_add_optional_writable_root(cordon_policy *policy,
                                                                 const char *path);
CORDON_API cordon_error cordon_policy_clear_optional_writable_roots(cordon_policy *policy);

CORDON_API cordon_mode cordon_policy_mode(const cordon_policy *policy);
CORDON_API int cordon_policy_network(const cordon_policy *policy);
CORDON_API unsigned cordon_policy_timeout(const cordon_policy *policy);

/* ---- query and run ----------------------------------------------------- */

/* What this host would enforce for |policy| when a command runs in |cwd|
 * (NULL: the current directory). Runs nothing and changes nothing. */
CORDON_API cordon_error cordon_level_query(const cordon_policy *policy, const char *cwd,
                                           cordon_levels *out);

/* Checks |levels| against |n| floors. On a shortfall returns
 * CORDON_ERR_REQUIREMENT with a message naming the dimension, the level
 * given here and why. */
CORDON_API cordon_error cordon_levels_check(const cordon_levels *levels,
                                            const cordon_requirement *req, size_t n);

/* An OS handle: a file descriptor on POSIX, a HANDLE on Windows. */
typedef intptr_t cordon_os_handle;
#define CORDON_STDIO_INHERIT ((cordon_os_handle)-1)

typedef struct cordon_run_options {
    const char *const *argv;   /* NULL-terminated; argv[0] searched on PATH */
    const char *cwd;           /* NULL: the current directory */
    const char *const *env;    /* NULL-terminated "NAME=VALUE"; NULL: inherit */
    cordon_os_handle stdio[3]; /* CORDON_STDIO_INHERIT: the caller's own */
    unsigned timeout_s;        /* 0: the policy's (which may be 0 = none) */
    const cordon_requirement *require; /* may be NULL when n_require is 0 */
    size_t n_require;
    /* On timeout (POSIX): SIGTERM to the command's process group first,
     * then the whole tree is killed this many seconds later, as
     * timeout(1)'s --kill-after; 0 kills at once. Windows ends the tree
     * at once. */
    unsigned kill_after_s;
    /* POSIX: 1 makes the calling thread the command's stand-in while
     * cordon_run waits: SIGINT, SIGTERM, SIGHUP and SIGQUIT it receives go
     * to the command (they are blocked in this thread meanwhile); when the
     * caller's process group is the foreground of its controlling
     * terminal, the command's group becomes it and the terminal is handed
     * back afterwards; a command stopped from the terminal (Ctrl-Z) stops
     * the calling process too, and continuing it continues the command.
     * For programs such as the CLI; 0 (the default) leaves the host's
     * signals and terminal alone. */
    int relay_signals;
} cordon_run_options;

/* Sets argv/env/require to NULL, every stdio to CORDON_STDIO_INHERIT,
 * kill_after_s to 5 and relay_signals to 0. */
CORDON_API void cordon_run_options_init(cordon_run_options *opts);

/* Refused actions the sandbox saw while the command ran (README,
 * "Denials"). Only refusals that cost nothing to see are counted: those
 * the unix socket gate answers anyway (Linux). Append-only. */
typedef enum cordon_denial_kind {
    /* network off: connect() to an IPv4/IPv6 address outside the private
     * loopback (the namespace has no route there) */
    CORDON_DENIAL_NET_CONNECT = 0,
    /* network off: connect() to 127.0.0.0/8 or ::1 refused: nothing listens
     * there in the sandbox's private loopback (the host's is out of reach) */
    CORDON_DENIAL_NET_LOOPBACK = 1,
    /* network off: socket() of a family the sandbox refuses (IPv4 and IPv6
     * where no private loopback could be made; vsock, packet, ...) */
    CORDON_DENIAL_NET_SOCKET = 2,
    /* connect() to a unix socket of a process outside the sandbox that
     * allow_unix_sockets does not list */
    CORDON_DENIAL_UNIX_CONNECT = 3,
    CORDON_DENIAL_KIND_COUNT = 4
} cordon_denial_kind;
#define CORDON_DENIAL_CAPACITY 16
#define CORDON_DENIAL_FIRST_MAX 128

/* Counts per kind, room for CORDON_DENIAL_CAPACITY kinds; the first
 * |n_kinds| (the CORDON_DENIAL_KIND_COUNT of the library that filled it)
 * are valid. |first|: the first refused target of the kind ("10.0.0.1:443",
 * "/run/docker.sock", "vsock"), "" when none. */
typedef struct cordon_denials {
    unsigned n_kinds;
    unsigned long long count[CORDON_DENIAL_CAPACITY];
    char first[CORDON_DENIAL_CAPACITY][CORDON_DENIAL_FIRST_MAX];
} cordon_denials;

/* "network_connect", "network_loopback", "network_socket", "unix_connect";
 * NULL when out of range. */
CORDON_API const char *cordon_denial_kind_name(cordon_denial_kind kind);

typedef struct cordon_run_result {
    int exit_code;       /* the command's own status when it exited */
    int term_signal;     /* the signal that killed it (POSIX), else 0 */
    int timed_out;       /* 1 when cordon ended it on timeout */
    double duration_s;   /* wall time from spawn to exit */
    cordon_levels levels;/* what was in force while it ran */
    int timeout_signal;  /* on timeout (POSIX): the last signal cordon sent, SIGTERM
                            when the command ended within kill_after_s, else SIGKILL */
    cordon_denials denials; /* what the sandbox saw refused (all zero: nothing seen) */
} cordon_run_result;

/* Runs argv under |policy| and blocks until it has ended (or its timeout
 * ended it): a command whose stdout or stderr is a pipe that nobody reads
 * meanwhile stalls once the pipe is full; use cordon_spawn() to read while
 * it runs. CORDON_OK means the command
 * ran (whatever its exit status); its outcome is in *result. Any other
 * value means it did not run (bad policy, refused requirement, no backend,
 * not found, ...); result->levels is still filled when selection got that
 * far.
 * On return the command's whole process tree is gone and the host is as
 * the run found it. On Linux, cordon's own supervisor process of the run
 * may still be exiting then; it is reaped at the next run (a host that
 * reaps every child itself may meet it). */
CORDON_API cordon_error cordon_run(const cordon_policy *policy, const cordon_run_options *opts,
                                   cordon_run_result *result);

/* A running command started by cordon_spawn(). Opaque; owned by the caller
 * and freed with cordon_process_free(). The calls on one handle must not
 * overlap (one thread at a time); different handles are independent. */
typedef struct cordon_process cordon_process;

/* cordon_wait() timeouts: 0 only checks; CORDON_WAIT_INFINITE waits until
 * the command has ended. */
#define CORDON_WAIT_INFINITE 0xFFFFFFFFul

/* Starts argv under |policy| like cordon_run() and returns without
 * waiting; *out is the handle. Nothing of |policy| or |opts| is kept: both
 * may be freed once this returns. The stdio handles are duplicated into
 * the command, so the caller closes its own copy of a pipe's write end
 * after this returns, to see end-of-file when the command is done.
 * On failure the command did not start and *out is NULL. |levels| may be
 * NULL; otherwise it receives the levels in force (or that would have
 * been, when selection got that far before a failure; n_dims is 0 when it
 * did not). */
CORDON_API cordon_error cordon_spawn(const cordon_policy *policy, const cordon_run_options *opts,
                                     cordon_levels *levels, cordon_process **out);

/* Waits up to |timeout_ms| milliseconds (0: only checks; CORDON_WAIT_INFINITE:
 * until it ends) for the command to end. CORDON_OK: it ended, *result
 * holds the outcome (as cordon_run() gives it), its whole process tree is
 * gone and the per-run host state undone; later calls return the same
 * result. CORDON_ERR_TIMEOUT: still running, nothing was ended and
 * *result is untouched. The run's own timeout (opts->timeout_s or the
 * policy's) counts from the spawn and is applied while the caller waits
 * here: once it has passed, this call ends the tree and reports
 * timed_out. Does not depend on the caller's SIGCHLD disposition (POSIX):
 * a host that ignores SIGCHLD or reaps every child itself still gets
 * the status. */
CORDON_API cordon_error cordon_wait(cordon_process *proc, unsigned long timeout_ms,
                                    cordon_run_result *result);

/* Ends the command's whole process tree now; a cordon_wait() afterwards
 * returns its outcome (POSIX: term_signal SIGKILL; Windows: exit code 1).
 * Nothing happens when it has already ended. */
CORDON_API cordon_error cordon_kill(cordon_process *proc);

/* The id of the process that stands for the command: on Linux cordon's
 * supervisor of the run, which passes signals such as SIGTERM on to the
 * command, or the command itself for the full-access policy; on Windows the command's process id.
 * Only meaningful until cordon_wait() has returned CORDON_OK. -1 for NULL. */
CORDON_API long long cordon_process_pid(const cordon_process *proc);

/* Ends the command if it still runs (as cordon_kill()), undoes the run's
 * host state and frees |proc|. NULL is fine. */
CORDON_API void cordon_process_free(cordon_process *proc);

/* The CLI's exit status for an outcome: the command's own; 128+N for
 * signal N; 124 on timeout; 127 not found; 126 cannot execute; 125 for
 * cordon's own failures. */
CORDON_API int cordon_exit_status(cordon_error err, const cordon_run_result *result);

/* ---- grants ------------------------------------------------------------ */

/* The OS state cordon added outside the command's lifetime (Windows: the
 * allow/deny ACEs of its capability SIDs on writable roots and protected
 * paths; Linux: the elevated tier's POSIX ACL entries for its sandbox
 * users on writable roots, "sid" naming their uids; the unelevated tier
 * adds none). */
/* JSON array of {"path":..,"sid":..,"kind":..} objects; free with cordon_free(). */
CORDON_API cordon_error cordon_grants_list(char **out_json);
/* Removes every cordon ACE on |root| (canonicalized), or everywhere when
 * |root| is NULL; leaves no orphaned SID in any ACL it touched. */
CORDON_API cordon_error cordon_grants_revoke(const char *root);
/* Windows: denies every sandbox of the user the directories outside the
 * roots of |policy| in |cwd| that the Everyone-hole scan finds writable
 * and the user may change (never at or below a root), recorded and
 * revoked like the other grants. It changes DACLs outside the workspace,
 * so it runs only when asked. JSON {"closed":[...],"left":[...]}; free
 * with cordon_free(). Elsewhere nothing to close: empty lists. */
CORDON_API cordon_error cordon_grants_close_holes(const cordon_policy *policy, const char *cwd,
                                                  char **out_json);

/* ---- printing ---------------------------------------------------------- */

/* Each of these stores a NUL-terminated, caller-owned string in *out; free
 * it with cordon_free(). */

/* The level JSON (README, "Levels"): exactly the keys backend, tier,
 * enforcement_level, dimensions, reasons, fallback_reason; "reasons" holds
 * the dimensions below "enforced" only. */
CORDON_API cordon_error cordon_levels_json(const cordon_levels *levels, char **out);
/* One readable paragraph saying the same. */
CORDON_API cordon_error cordon_levels_text(const cordon_levels *levels, char **out);
/* The compiled plan for |policy| in |cwd| (NULL: current directory), for
 * |os| "linux" or "windows" (NULL: this host's OS), as JSON or as text.
 * A plan for another OS is compiled from this host's resolved paths. */
CORDON_API cordon_error cordon_explain(const cordon_policy *policy, const char *cwd,
                                       const char *os, int json, char **out);
/* The same for one tier: |tier| "elevated" or "unelevated" (NULL: as
 * cordon_explain). The JSON plan then names the tier ("tier") and holds
 * only that tier's OS-specific part: for Windows, "windows_elevated" (the
 * sandbox user, the runner request, the firewall rules expected) or
 * "windows" (the restricted token, the ACL entries). An elevated plan is
 * compiled for Windows only: CORDON_ERR_UNSUPPORTED for Linux. */
CORDON_API cordon_error cordon_explain_tier(const cordon_policy *policy, const char *cwd,
                                            const char *os, const char *tier, int json,
                                            char **out);
/* A JSON record of one run: backend, levels, exit status, duration, and
 * the error when |err| is not CORDON_OK. The same as cordon_report_json()
 * with started = (err == CORDON_OK). */
CORDON_API cordon_error cordon_run_report_json(cordon_error err, const cordon_run_result *result,
                                               char **out);

/* What a run report says (README, "The run report"). */
typedef struct cordon_report {
    int started;                     /* 1: the command was started, so it ran */
    cordon_error error;              /* CORDON_OK, or what failed */
    const char *message;             /* the detail; NULL: cordon_last_error() */
    const cordon_run_result *result; /* NULL when nothing is known (an argument
                                        error); its levels count only when
                                        levels.n_dims is not 0 */
} cordon_report;

/* The run report as the CLI's --report writes it: "started", the exit
 * status, the error, and the levels that applied (or would have, for a
 * run that did not start) or null where none were determined; never a
 * level that was not determined. */
CORDON_API cordon_error cordon_report_json(const cordon_report *report, char **out);
CORDON_API void cordon_free(void *p);

/* ---- tool caches --------------------------------------------------------- */

/* The directory of this user's tool caches (Linux: $XDG_CACHE_HOME/cordon/
 * tools, else ~/.cache/cordon/tools; Windows: %LOCALAPPDATA%\cordon\tools),
 * whether or not it exists yet. Caller-owned; free with cordon_free(). */
CORDON_API cordon_error cordon_cache_path(char **out);
/* Empties it (the directory itself stays). Links inside are removed, never
 * followed. Nothing to do when it does not exist. */
CORDON_API cordon_error cordon_cache_clear(void);

#ifdef __cplusplus
}
#endif
#endif /* CORDON_H */
