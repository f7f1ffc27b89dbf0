/*
 * libcordon internals shared by core/, backends/ and the tests.
 *
 * core/ is portable C with no OS headers: it decides. The OS folders
 * (backends/linux, backends/windows) implement the cordon__os_* functions
 * declared at the bottom and the backends, and only apply what core
 * decided.
 */
#ifndef CORDON_INTERNAL_H
#define CORDON_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "cordon.h"

#if defined(__MINGW32__)
/* With __USE_MINGW_ANSI_STDIO, printf is C99-conforming (%zu, %lld). */
#define CORDON__PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#define CORDON__VPRINTF(a) __attribute__((format(gnu_printf, a, 0)))
#elif defined(__GNUC__) || defined(__clang__)
#define CORDON__PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CORDON__VPRINTF(a) __attribute__((format(printf, a, 0)))
#else
#define CORDON__PRINTF(a, b)
#define CORDON__VPRINTF(a)
#endif

/* Thread-local storage. MSVC's C compiler has no _Thread_local (C11 makes
 * it optional); its __declspec(thread) is the same storage class. A
 * compiler switch, not an OS one. */
#if defined(_MSC_VER) && !defined(__clang__)
#define CORDON__THREAD_LOCAL __declspec(thread)
#else
#define CORDON__THREAD_LOCAL _Thread_local
#endif

/* ---- errors (core/error.c) --------------------------------------------- */

/* Records the detailed message for cordon_last_error() and returns |code|. */
cordon_error cordon__fail(cordon_error code, const char *fmt, ...) CORDON__PRINTF(2, 3);
cordon_error cordon__failv(cordon_error code, const char *fmt, va_list ap) CORDON__VPRINTF(2);
/* "<what> (<call>: <os_label> <os_code>, <os_text>)", the form every OS
 * failure takes. |os_label| is "errno" or "error". */
cordon_error cordon__fail_os(cordon_error code, const char *what, const char *call,
                             const char *os_label, long os_code, const char *os_text);

/* ---- memory and strings (core/str.c) ----------------------------------- */

void *cordon__xcalloc(size_t n, size_t size); /* NULL on overflow/OOM */
char *cordon__strdup(const char *s);           /* NULL on OOM or NULL s */
char *cordon__strndup(const char *s, size_t n);
char *cordon__asprintf(const char *fmt, ...) CORDON__PRINTF(1, 2);
/* A run's id, "<pid>-<hex of rnd>", into buf (the OS layers name runs
 * with it; it names the run's temp dir). */
void cordon__run_id_format(char *buf, size_t n, unsigned long pid, const unsigned char *rnd,
                           size_t len);
char *cordon__vasprintf(const char *fmt, va_list ap) CORDON__VPRINTF(1);
int cordon__streq_nocase(const char *a, const char *b);
/* The value of the hex digit |c| (0..15), or -1. */
int cordon__hexval(int c);
/* Length of the well-formed UTF-8 sequence at |s| (1..4), looking at no
 * more than |n| bytes, or 0 when none starts there: overlong forms,
 * surrogates (U+D800..U+DFFF), code points above U+10FFFF and truncated
 * sequences are not well-formed (Unicode 15, table 3-7). */
size_t cordon__utf8_len(const unsigned char *s, size_t n);

/* A growable NULL-terminated array of owned strings. Zero-initialised is
 * empty. */
struct cordon__strv {
    char **v;
    size_t n, cap;
};
cordon_error cordon__strv_push(struct cordon__strv *sv, const char *s);      /* copies s */
cordon_error cordon__strv_push_owned(struct cordon__strv *sv, char *s);      /* takes s */
cordon_error cordon__strv_pushf(struct cordon__strv *sv, const char *fmt, ...) CORDON__PRINTF(2, 3);
cordon_error cordon__strv_copy(struct cordon__strv *dst, const struct cordon__strv *src);
int cordon__strv_contains(const struct cordon__strv *sv, const char *s);
void cordon__strv_free(struct cordon__strv *sv);

/* A growable byte buffer, always NUL-terminated once anything was added.
 * |oom| latches an allocation failure so callers check once at the end. */
struct cordon__buf {
    char *p;
    size_t len, cap;
    int oom;
};
void cordon__buf_add(struct cordon__buf *b, const char *s, size_t n);
void cordon__buf_puts(struct cordon__buf *b, const char *s);
void cordon__buf_printf(struct cordon__buf *b, const char *fmt, ...) CORDON__PRINTF(2, 3);
/* Appends the UTF-8 encoding of the code point |cp| (at most U+10FFFF;
 * the caller refuses surrogates and NUL where it must). */
void cordon__buf_utf8(struct cordon__buf *b, unsigned long cp);
/* Returns the string (caller owns) or NULL after an allocation failure. */
char *cordon__buf_take(struct cordon__buf *b);
void cordon__buf_free(struct cordon__buf *b);

/* ---- JSON writer (core/json.c) ------------------------------------------ */

/* Compact JSON with correct escaping of UTF-8 strings. Commas are placed
 * automatically; the writer tracks nesting up to 32 levels. */
struct cordon__json {
    struct cordon__buf out;
    int depth;
    unsigned char need_comma[32];
    int after_key;
};
void cordon__json_begin_object(struct cordon__json *j);
void cordon__json_end_object(struct cordon__json *j);
void cordon__json_begin_array(struct cordon__json *j);
void cordon__json_end_array(struct cordon__json *j);
void cordon__json_key(struct cordon__json *j, const char *key);
void cordon__json_string(struct cordon__json *j, const char *s); /* NULL -> null */
void cordon__json_int(struct cordon__json *j, long long v);
void cordon__json_uint_hex(struct cordon__json *j, unsigned long v); /* "0x001f01ff" */
void cordon__json_double(struct cordon__json *j, double v);
void cordon__json_bool(struct cordon__json *j, int v);
void cordon__json_null(struct cordon__json *j);
void cordon__json_strv(struct cordon__json *j, const struct cordon__strv *sv);
/* Shorthands for "key": value. */
void cordon__json_kstr(struct cordon__json *j, const char *key, const char *s);
void cordon__json_kint(struct cordon__json *j, const char *key, long long v);
void cordon__json_kbool(struct cordon__json *j, const char *key, int v);

/* ---- policy (core/policy.c, core/toml.c) -------------------------------- */

#define CORDON__POLICY_MAX_BYTES (64 * 1024)

struct cordon_policy {
    cordon_mode mode;
    int network;                       /* 1 = allowed */
    int private_tmp;
    int force_roots;
    unsigned timeout_s;                /* 0 = none */
    struct cordon__strv writable_roots;  /* as written; resolved per run */
    struct cordon__strv protected_paths; /* relative to each root */
    struct cordon__strv deny_read;       /* as written ("~/" allowed) */
    struct cordon__strv env_deny;        /* name globs */
    int cache;                           /* 1: tool caches in cordon's cache dir */
    struct cordon__strv optional_roots;  /* writable roots skipped when missing */
    struct cordon__strv allow_unix_sockets; /* as written ("~/..." allowed) */
};

/* The shipped policies, generated at build time from policies/<name>.toml
 * (policies/builtin.c.in). Both arrays are NULL-terminated and parallel. */
extern const char *const cordon__builtin_policy_names[];
extern const char *const cordon__builtin_policy_texts[];

/* The strict TOML subset: tables, strings, booleans, integers, arrays of
 * strings, comments. A parsed document is a flat list of entries whose
 * keys are full dotted names ("limits.timeout_s"). */
enum cordon__toml_type {
    CORDON__TOML_STRING,
    CORDON__TOML_BOOL,
    CORDON__TOML_INT,
    CORDON__TOML_STRING_ARRAY
};
struct cordon__toml_entry {
    char *key;
    enum cordon__toml_type type;
    char *str;                 /* STRING */
    long long num;             /* INT, BOOL (0/1) */
    struct cordon__strv arr;   /* STRING_ARRAY */
    int line, col;             /* of the value, 1-based */
};
struct cordon__toml_doc {
    struct cordon__toml_entry *e;
    size_t n;
    struct cordon__strv tables; /* table names declared, for the schema check */
    int *table_line;            /* parallel to tables */
};
/* Parses |len| bytes. On error returns CORDON_ERR_POLICY_SYNTAX with the
 * message "<origin>:<line>:<col>: <what>". */
cordon_error cordon__toml_parse(const char *text, size_t len, const char *origin,
                                struct cordon__toml_doc *out);
void cordon__toml_free(struct cordon__toml_doc *doc);

/* ---- paths (core/path.c): lexical, per target OS ------------------------- */

enum cordon__os { CORDON__OS_LINUX = 0, CORDON__OS_WINDOWS = 1 };
const char *cordon__os_name_of(enum cordon__os os); /* "linux", "windows" */
#if defined(_WIN32)
#define CORDON__OS_NATIVE CORDON__OS_WINDOWS
#else
#define CORDON__OS_NATIVE CORDON__OS_LINUX
#endif

int cordon__path_is_absolute(enum cordon__os os, const char *p);
char cordon__path_sep(enum cordon__os os);
/* a + sep + b; b must be relative. Caller owns the result. */
char *cordon__path_join(enum cordon__os os, const char *a, const char *b);
/* Removes ".", "..", doubled and trailing separators (Windows: accepts
 * both separators, writes '\'). Does not touch the filesystem. */
char *cordon__path_normalize(enum cordon__os os, const char *p);
/* 1 when |p| equals |dir| or lies below it (Windows: case-insensitive). */
int cordon__path_within(enum cordon__os os, const char *p, const char *dir);
/* 1 when |rel| is a safe relative path: not absolute, no ".." part. */
int cordon__path_is_safe_relative(enum cordon__os os, const char *rel);
/* |p| with a leading "~" or "$HOME" (alone or before a separator) replaced
 * by |home|; a copy of |p| otherwise. NULL when |p| needs a home and
 * |home| is NULL, or out of memory. Caller owns the result. */
char *cordon__path_expand_home(enum cordon__os os, const char *p, const char *home);
/* 1 when |name| matches the glob |pat| ('*': any run, '?': one
 * character); |icase|: ASCII case-insensitive. */
int cordon__glob_match(const char *pat, const char *name, int icase);

/* ---- host facts ----------------------------------------------------------- */

enum cordon__path_kind {
    CORDON__PATH_MISSING = 0,
    CORDON__PATH_FILE = 1,
    CORDON__PATH_DIR = 2,
    CORDON__PATH_OTHER = 3,
    CORDON__PATH_LINK = 4   /* a symbolic link (Linux hosts report it as such) */
};

/* Everything plan compilation needs to know about the host, as data plus
 * filesystem queries. The OS layer fills it for the real host
 * (cordon__os_host()); plan tests fill it with fakes for either OS. */
struct cordon__host {
    enum cordon__os os;
    const char *home;              /* the user's home/profile directory */
    const char *const *system_dirs;/* NULL-terminated; refused as roots */
    const char *tmp_base;          /* where per-run temp dirs are made */
    const char *shim_dir;          /* holds the ssh/scp stubs; may be NULL */
    const char *run_id;            /* unique per run (names the temp dir) */
    const char *cache_dir;         /* cordon's tool cache for this user (absolute,
                                      may not exist yet); NULL: none here */
    int lexical;                   /* 1: no filesystem behind it (cross-OS) */
    const char *user_sid;          /* Windows: the caller's SID string */
    const unsigned char *user_secret; /* Windows: per-user key for SIDs */
    size_t user_secret_len;
    /* Resolves symlinks; CORDON_ERR_PATH with a message when missing. */
    cordon_error (*realpath)(const char *path, char **out);
    enum cordon__path_kind (*path_kind)(const char *path);
    /* Reads at most |max| bytes of a small text file (e.g. a .git file). */
    cordon_error (*read_text)(const char *path, size_t max, char **out);
    /* Other places where the object at |path| (canonical) is visible on
     * this host: the same directory of the same filesystem mounted again
     * elsewhere (bind mounts). Appends them to |out|. May be NULL. */
    cordon_error (*aliases)(const char *path, struct cordon__strv *out);
    /* Optional (NULL: not available on this host). What the symbolic link
     * |path| says. */
    cordon_error (*read_link)(const char *path, char **out);
    /* The entry names of directory |path| (without "." and ".."), for the
     * few directories git keeps a list in (.git/worktrees). */
    cordon_error (*list_dir)(const char *path, struct cordon__strv *out);
    /* The canonical writable roots cordon granted this user in earlier
     * runs (a per-user record kept by the OS layer). */
    cordon_error (*granted_roots)(struct cordon__strv *out);
};

/* A host known only lexically, for plans of the other OS (core/host_lexical.c):
 * example home/system/temp paths of |os|, no filesystem reads. */
void cordon__host_lexical(enum cordon__os os, struct cordon__host *out);
/* |path| of this host in |to|'s notation ("/a/b" <-> "C:\a\b"). */
char *cordon__path_translate(enum cordon__os to, const char *path);

/* ---- plan (core/plan.c, core/plan_linux.c, core/plan_windows.c) --------- */

#include "plan_linux.h"
#include "plan_windows.h"

struct cordon__protected {
    char *path;             /* absolute, under roots.v[root] */
    size_t root;            /* index into plan->roots */
    enum cordon__path_kind kind; /* what is there now; MISSING is protected too */
    int is_gitdir_target;   /* the directory a ".git" file's gitdir: names */
};

/* An environment override. Always applied, whatever the caller had: an
 * inherited proxy, for one, would silently defeat the advisory block. */
struct cordon__env_var {
    char *name;
    char *value;
};

/* A path the command must not read (policy deny_read), canonical. */
struct cordon__deny {
    char *path;
    enum cordon__path_kind kind; /* FILE, DIR or OTHER: it exists */
    int alias;                   /* another mount's view of a listed path */
};

struct cordon__plan {
    enum cordon__os os;
    cordon_mode mode;
    int network;                      /* 1 = allowed */
    unsigned timeout_s;
    char *cwd;                        /* canonical working directory */
    struct cordon__strv roots;        /* canonical writable roots */
    struct cordon__strv unix_allow;   /* unix sockets the command may reach: absolute,
                                         normalized, home expanded (not resolved) */
    struct cordon__protected *protect;
    size_t n_protect;
    int private_tmp;
    int explain_tier;                 /* explain only: 0 every tier's part, 1 the
                                         unelevated one, 2 the elevated one */
    char *tmp_dir;                    /* host path of the run's temp dir */
    char *tmp_env;                    /* what TMPDIR/TMP/TEMP say inside */
    char *shim_dir;                   /* prepended to PATH; NULL: none */
    struct cordon__strv shims;        /* stub names placed there: ssh, scp */
    struct cordon__env_var *env;      /* overrides, applied in order */
    size_t n_env;
    struct cordon__deny *deny;        /* deny_read paths that exist here */
    size_t n_deny;
    size_t n_deny_listed;             /* entries of the policy's deny_read */
    struct cordon__strv env_deny;     /* variable name globs removed */
    char *cache_dir;                  /* the tool cache (a root when it exists); NULL: none */
    int cache_missing;                /* not created yet: planned from its lexical path */
    struct cordon__strv skipped_roots;/* optional roots missing here, as written */
    struct cordon__env_var *env_suffix; /* appended to the caller's value, after a space */
    size_t n_env_suffix;
    int lexical;                      /* compiled for another OS: paths unchecked */
    /* Compiled to run a command (not to answer cordon level/explain):
     * probes may assume what the launch itself then proves, and say so
     * through cordon__os_replan() when it did not hold. */
    int for_run;
    struct cordon__plan_linux linux_plan;
    struct cordon__plan_windows windows_plan;
};

/* Compiles |policy| for a command in |cwd| on |host|: resolves and checks
 * the roots, finds protected paths (and gitdir targets), computes the
 * environment overrides and shim plan, then the OS part. */
cordon_error cordon__plan_compile(const cordon_policy *policy, const char *cwd,
                                  const struct cordon__host *host, struct cordon__plan *out);
void cordon__plan_free(struct cordon__plan *plan);
/* Appends the plan as one JSON object / as readable text. */
void cordon__plan_json(const struct cordon__plan *plan, struct cordon__json *j);
void cordon__plan_text(const struct cordon__plan *plan, struct cordon__buf *b);
/* The command's environment: |base| ("NAME=VALUE", NULL-terminated) with
 * the plan's overrides, PATH prefixed with the shim dir, TMPDIR/TMP/TEMP
 * at the private temp dir. Windows: names compare case-insensitively. */
cordon_error cordon__plan_environment(const struct cordon__plan *plan, const char *const *base,
                                      struct cordon__strv *out);

/* The OS parts, each in its own file. */
cordon_error cordon__plan_linux_compile(struct cordon__plan *plan, const struct cordon__host *host);
void cordon__plan_linux_free(struct cordon__plan_linux *lp);
void cordon__plan_linux_json(const struct cordon__plan_linux *lp, struct cordon__json *j);
cordon_error cordon__plan_windows_compile(struct cordon__plan *plan, const struct cordon__host *host);
void cordon__plan_windows_free(struct cordon__plan_windows *wp);
void cordon__plan_windows_json(const struct cordon__plan_windows *wp, struct cordon__json *j);

/* ---- backends (core/select.c) ------------------------------------------- */

/* What a backend would give for a plan on this host right now. */
struct cordon__probe {
    int ready;                         /* 0: skip me, for |why_not| */
    char why_not[CORDON_REASON_MAX];
    cordon_level level[CORDON_DIM_COUNT];
    char reason[CORDON_DIM_COUNT][CORDON_REASON_MAX];
};
/* The secrets_read level of a backend that hides deny_read paths with
 * |mechanism| when |can_hide| (else says |why_not|): the shared wording
 * for an empty list and a list of which nothing exists here. */
void cordon__probe_secrets(const struct cordon__plan *plan, struct cordon__probe *out,
                           int can_hide, const char *mechanism, const char *why_not);

struct cordon__spawn {
    const char *const *argv;
    const char *const *envp;           /* the complete environment */
    const char *cwd;
    cordon_os_handle stdio[3];
    unsigned long kill_after_ms;       /* on timeout: SIGTERM first, the tree killed this
                                          long after (0: at once); POSIX */
    int relay_signals;                 /* cordon_run_options.relay_signals; POSIX */
};

struct cordon__exit {
    int exit_code;
    int term_signal;
    int timed_out;
    int timeout_signal;                /* the last signal the timeout sent (POSIX) */
    cordon_denials denials;            /* what the backend saw refused; zero: nothing */
};

struct cordon__proc; /* backend-defined */

/* A backend applies a plan; it never decides policy. Every function
 * reports failures through cordon__fail*() with the step and OS error. */
struct cordon_backend {
    const char *name;   /* "linux-unelevated" */
    cordon_tier tier;
    /* Never fails: a broken primitive makes it not ready, or lowers the
     * level of the dimensions it affects, with the reason. */
    void (*probe)(const struct cordon__plan *plan, struct cordon__probe *out);
    /* One-time, idempotent OS state for the plan (ACEs, temp dir). Costs
     * O(number of roots) when already prepared. */
    cordon_error (*prepare)(const struct cordon__plan *plan);
    cordon_error (*spawn)(const struct cordon__plan *plan, const struct cordon__spawn *req,
                          struct cordon__proc **out);
    /* Waits for the command; timeout_ms 0 = forever. On timeout it ends
     * the whole process tree and sets timed_out. */
    cordon_error (*wait)(struct cordon__proc *proc, unsigned long timeout_ms,
                         struct cordon__exit *out);
    /* Ends the whole process tree now. */
    cordon_error (*kill)(struct cordon__proc *proc);
    /* Waits up to |timeout_ms| (0: only checks) for the command to end,
     * without ending anything: 1 ended (wait then returns at once), 0
     * still running. NULL: the backend cannot tell (cordon_wait() then
     * only waits until the end). */
    int (*ended)(struct cordon__proc *proc, unsigned long timeout_ms);
    /* The process id that stands for the command (see cordon_process_pid);
     * NULL: unknown. */
    long long (*pid)(const struct cordon__proc *proc);
    /* Releases |proc| and per-run state (the private temp dir). Called
     * once after a successful prepare, also when spawn failed (|proc| is
     * then NULL). */
    void (*cleanup)(const struct cordon__plan *plan, struct cordon__proc *proc);
};

struct cordon__selection {
    const struct cordon_backend *backend; /* NULL: none ready */
    struct cordon__probe probe;
    char fallback_reason[CORDON_REASON_MAX];
};

/* Marks |out| not ready, with the reason (printf-style) in why_not. */
void cordon__probe_not_ready(struct cordon__probe *out, const char *fmt, ...) CORDON__PRINTF(2, 3);
/* Probes |registry| (ordered, NULL-terminated) in order and takes the
 * first ready backend; records why each earlier one was skipped. */
void cordon__select(const struct cordon_backend *const *registry, const struct cordon__plan *plan,
                    struct cordon__selection *out);
/* The levels a selection gives for a plan: the probe's, lowered to
 * "none" where the policy itself allows the action, with the reason. */
void cordon__levels_from(const struct cordon__plan *plan, const struct cordon__selection *sel,
                         cordon_levels *out);

/* ---- the OS layer (backends/<os>/os.c) ---------------------------------- */

/* The backends of this OS: elevated first, then unelevated, then the
 * full-access one. NULL-terminated. */
const struct cordon_backend *const *cordon__os_backends(void);
/* Facts about this host; strings live until the process ends. */
cordon_error cordon__os_host(struct cordon__host *out);
cordon_error cordon__os_getcwd(char **out);
/* A copy of this process's environment as "NAME=VALUE" strings. */
cordon_error cordon__os_environ(struct cordon__strv *out);
/* Grants (see cordon_grants_list/revoke in cordon.h). */
cordon_error cordon__os_grants_list(struct cordon__json *j); /* appends one JSON array */
cordon_error cordon__os_grants_revoke(const char *root);     /* NULL: all */
/* What this process's calls into the OS's security layer cost so far, as
 * one JSON value for the run report's "cost" (Windows: DACL reads and
 * writes, directory listings; null where nothing is counted). */
void cordon__os_cost_json(struct cordon__json *j);
/* cordon_grants_close_holes for a compiled plan: appends one JSON object
 * {"closed":[...],"left":[...]}. */
cordon_error cordon__os_grants_close_holes(const struct cordon__plan *plan,
                                           struct cordon__json *j);
/* Monotonic seconds. */
double cordon__os_now(void);
/* 1 (once) when the spawn that just failed on this thread showed that a
 * primitive a run's probe had assumed is missing here: the probe now
 * answers from what was found, and the run is planned and selected
 * again, so that its levels are those of what will really run. */
int cordon__os_replan(void);
/* The tool cache directory |dir| (host->cache_dir) exists afterwards, a
 * directory of this user's; missing components are created private
 * (0700 / the user's own ACL). One stat when it exists already. */
cordon_error cordon__os_cache_ensure(const char *dir);
/* Removes everything inside |dir|, never following a link. */
cordon_error cordon__os_cache_clear(const char *dir);

#endif /* CORDON_INTERNAL_H */
