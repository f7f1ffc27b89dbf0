/* Shared by the files of backends/windows/ only: the Win32 error mapping,
 * UTF-8 <-> UTF-16, and the process launch both backends use. */
#ifndef CORDON_WIN_H
#define CORDON_WIN_H

#include <windows.h>

#include "internal.h"

/* ---- errors and strings (oserror.c) -------------------------------------- */

/* The one Win32 error -> cordon_error mapping of this OS layer. */
cordon_error cordon__win_error(DWORD err);
/* The system's text for a Win32 error or an HRESULT, without its final
 * period and line end; NULL when there is none. Caller frees. */
char *cordon__win_code_text(DWORD code);
/* Records "<what> (<call>: error N, <FormatMessageW text>)" and returns the
 * mapped code. */
cordon_error cordon__win_fail(const char *what, const char *call, DWORD err);
/* The same with "<what> <path>" built from a format. */
cordon_error cordon__win_failf(const char *call, DWORD err, const char *fmt, ...)
    CORDON__PRINTF(3, 4);

/* Caller-owned conversions; NULL on invalid input or OOM (no error set). */
wchar_t *cordon__win_wide(const char *utf8);
char *cordon__win_utf8(const wchar_t *wide);
/* |utf8| for the file functions, in the verbatim \\?\ form where that names
 * the same object (cordon__win_verbatim_path), so that paths past
 * MAX_PATH (deep node_modules trees) work whatever the system's long-path
 * setting. */
wchar_t *cordon__win_wide_long(const char *utf8);
/* The directory GetWindowsDirectoryW or GetSystemDirectoryW (|get|)
 * returns, as UTF-8 of any length (caller frees); NULL on failure. */
char *cordon__win_dir_of(UINT(WINAPI *get)(LPWSTR, UINT));

/* 1 when running under Wine (ntdll exports wine_get_version). */
int cordon__win_is_wine(void);
/* The Wine version string, or NULL when not under Wine. */
const char *cordon__win_wine_version(void);

/* ---- host (os.c) ------------------------------------------------------------ */

/* %LOCALAPPDATA%\cordon, created on first use (caller-owned). */
cordon_error cordon__win_state_dir(char **out);
/* The calling user's SID string, e.g. "S-1-5-21-...". Static storage. */
const char *cordon__win_user_sid(void);

/* ---- processes (process.c) -------------------------------------------------- */

struct cordon__relay; /* process.c */
struct cordon__win_runner_conn; /* elevated_launch.c */

struct cordon__proc {
    HANDLE process;
    HANDLE job;
    HDESK desktop; /* a private desktop the command runs on, or NULL */
    DWORD pid;
    double started;
    /* Threads copying between the caller's console and the pipes the
     * command got in its place (NULL where the slot was passed as is). */
    struct cordon__relay *relay[3];
    UINT console_cp, console_out_cp; /* the caller's console code pages; 0: none */
    /* windows-elevated: the runner that relays the command (process,
     * job and desktop are the runner's then, and these fields unused). */
    struct cordon__win_runner_conn *runner;
    int shares_console; /* 1: the command is on the caller's console (full access) */
};

/* How to launch: as the caller (token NULL) or with |token|, on |desktop|
 * (NULL: the caller's). */
struct cordon__win_launch {
    HANDLE token;
    const wchar_t *desktop;
    DWORD ui_limits;      /* JOB_OBJECT_UILIMIT_* for the job; 0: none */
    DWORD creation_flags; /* added to CreateProcess's flags */
    int relay_console;    /* 1: console stdio handles are relayed, never passed */
};

/* Resolves argv[0] on the child's PATH/PATHEXT, builds the command line
 * (through cmd.exe for .bat/.cmd), the sorted Unicode environment block,
 * inheritable copies of the three stdio handles (and only those are
 * inherited), and starts the process suspended inside a kill-on-close job,
 * then resumes it. */
cordon_error cordon__win_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                               const struct cordon__win_launch *how, struct cordon__proc **out);
/* The environment block for |envp|: sorted (cordon__win_env_block_order),
 * each "NAME=VALUE\0" in UTF-16, then a final NUL. Caller frees. */
cordon_error cordon__win_env_block(const char *const *envp, wchar_t **out);
cordon_error cordon__win_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                              struct cordon__exit *out);
cordon_error cordon__win_kill(struct cordon__proc *proc);
/* 1 when |h| is a console handle (input or screen buffer). */
int cordon__win_is_console(HANDLE h);
/* 1 when the command's process has ended within |timeout_ms| (0: only
 * checks), without ending anything. */
int cordon__win_ended(struct cordon__proc *proc, unsigned long timeout_ms);
long long cordon__win_pid(const struct cordon__proc *proc);
/* Runs being cleaned up now: a console close waits for them. */
extern volatile LONG cordon__win_cleaning;
/* Ends the job and waits until no process of it is left, closes it and
 * frees |proc|. */
void cordon__win_proc_free(struct cordon__proc *proc);

/* Creates plan->tmp_dir when the plan has a private temp dir, with |sd|
 * (NULL: inherited security). Already existing is fine. */
cordon_error cordon__win_make_tmp(const struct cordon__plan *plan, SECURITY_ATTRIBUTES *sa);
/* Deletes plan->tmp_dir and everything below it, never following
 * junctions or symlinks out of it. Best effort. */
void cordon__win_remove_tmp(const struct cordon__plan *plan);

/* ---- security (acl.c, token.c) ----------------------------------------------- */

/* A SID from its string form (LocalFree it), or NULL with the error set. */
PSID cordon__win_sid_from_string(const char *sid);
/* The string form (caller frees), or NULL. */
char *cordon__win_sid_to_string(PSID sid);

/* A copy of |dacl| (LocalFree *out) with one more explicit ACE, allow or
 * |deny|, of |mask|, |flags| and |sid|, in canonical place (a deny first,
 * an allow after the explicit ACEs and before the inherited ones), never
 * merged into an ACE of the same SID as SetEntriesInAclW merges: cordon's
 * and cordon-setup's ACEs for the sandbox group stay apart, so each can
 * be taken out alone. A Win32 error code. */
DWORD cordon__win_acl_with_ace(PACL dacl, int deny, DWORD mask, BYTE flags, PSID sid, PACL *out);
/* Ensures an explicit ACE (|sid|, |type|, |mask|, |inherit|) on |path|.
 * Reads the DACL first and writes nothing when an equal or wider explicit
 * ACE is already there: one DACL read per path in steady state. *added
 * tells whether a write happened. */
cordon_error cordon__win_ensure_ace(const char *path, PSID sid, enum cordon__win_ace_type type,
                                    unsigned long mask, unsigned inherit, int *added);
/* The same, and when the ACE is there already but its propagation was
 * never recorded as complete (|repropagate|), propagates the DACL through
 * the subtree again. Propagation goes through TreeSetNamedSecurityInfoW
 * and fails when any object below could not be rewritten. */
cordon_error cordon__win_ensure_ace_ex(const char *path, PSID sid, enum cordon__win_ace_type type,
                                       unsigned long mask, unsigned inherit, int repropagate,
                                       int *added);
/* Removes every explicit ACE of a cordon capability SID from |path|'s
 * DACL (inherited copies below go with it). *removed counts them. */
cordon_error cordon__win_remove_cordon_aces(const char *path, int *removed);
/* The same, except the ACEs of the SIDs in |keep| (NULL: none kept):
 * what other roots' grants on the path still need. */
cordon_error cordon__win_remove_cordon_aces_except(const char *path,
                                                   const struct cordon__strv *keep, int *removed);
/* Puts back |path|'s DACL as |original| records it, when nothing but
 * cordon's ACEs changed since (*exact 1); else takes only cordon's ACEs
 * out and keeps the other changes (cordon__win_sddl_restore). */
cordon_error cordon__win_restore_dacl(const char *path, const char *original, int *exact);
/* Appends to |out| the cordon SIDs with explicit ACEs on |path| as
 * "allow"/"deny" + sid pairs (kinds[i] parallel to sids). */
cordon_error cordon__win_list_cordon_aces(const char *path, struct cordon__strv *sids,
                                          struct cordon__strv *kinds);

/* A copy of the logon SID of this process's token (caller frees with
 * free()), or NULL when the token has none. */
PSID cordon__win_logon_sid(void);
/* The restricted token for |wp|: CreateRestrictedToken with the plan's
 * flags and restricting SIDs (the logon mark replaced by the real logon
 * SID), then the plan's default DACL. */
cordon_error cordon__win_restricted_token(const struct cordon__plan_windows *wp, HANDLE *out);
/* Reads back from |token| what cordon__win_token_verdict judges (core/
 * elevated_windows_run.h): its user, restricting SIDs, groups usable for
 * access, elevation, integrity level and privileges, this process's logon
 * SID, and AccessCheck against two descriptors made in memory (the user
 * alone allowed; the user and |control_sid|, one of the restricting SIDs,
 * allowed). Reads only. On a failed read out->error names the call. */
struct cordon__win_token_facts;
void cordon__win_token_facts(HANDLE token, const char *control_sid,
                             struct cordon__win_token_facts *out);
/* The access |token| would get opening |path| (AccessCheck, MAXIMUM_ALLOWED,
 * against the path's real security descriptor) in *granted. 1 when told,
 * 0 when it cannot be (unreadable security descriptor). */
int cordon__win_granted(HANDLE token, const char *path, DWORD *granted);

/* `cordon grants close-holes` (unelevated.c): denies the sandbox SID on
 * each Everyone hole outside the plan's roots whose DACL the user may
 * change; lists what was closed and what was left. */
cordon_error cordon__win_close_holes(const struct cordon__plan *plan, struct cordon__strv *closed,
                                     struct cordon__strv *left);

/* The Windows plan's OS state for a run (unelevated.c), shared by both
 * backends: every ACE of plan->windows_plan.aces ensured once (one DACL
 * read per path in steady state, writes only when missing, recorded in
 * the grants registry), placeholders for missing protected directories,
 * the run's temp dir; then, except under Wine, the protected paths
 * checked with the command's restricted token. */
cordon_error cordon__win_prepare(const struct cordon__plan *plan);
/* The run's placeholders released and its temp dir removed. */
void cordon__win_release_run(const struct cordon__plan *plan);
/* A desktop of the command's own on this process's window station, its
 * DACL admitting this process's user, SYSTEM and wp->run_sid; |name| gets
 * "<window station>\<desktop>". NULL with *err set when Windows refuses. */
/* Held exclusive while this process is switched to another window
 * station to make a desktop there (elevated_launch.c), shared by
 * cordon__win_private_desktop, which makes one on this process's. */
extern SRWLOCK cordon__win_desktop_lock;
HDESK cordon__win_private_desktop(const struct cordon__plan_windows *wp, wchar_t *name,
                                  size_t name_len, DWORD *err);

/* ---- the user's window station and desktop (desktop.c) ---------------------- */

/* Ensures the plan's guard ACEs (wp->ui_guard, for wp->sandbox_sid) first
 * in the DACLs of this process's window station and its "Default"
 * desktop, writing only what is missing (read first). *added (may be
 * NULL) counts the ACEs written. Fails, naming the object and the call,
 * when a DACL cannot be read or changed. */
cordon_error cordon__win_ui_guard(const struct cordon__plan_windows *wp, int *added);
/* 1 when |token| (the command's) can open neither this process's window
 * station nor any desktop on it with any right the guard denies, tried
 * right by right while this thread impersonates it. 0 with what it could
 * open appended to |why| (also when this could not be tried). */
int cordon__win_ui_unreachable(const struct cordon__plan_windows *wp, HANDLE token,
                               struct cordon__buf *why);

/* ---- the runner protocol on a pipe (elevated_launch.c) ---------------------- */

struct cordon__ipc_msg;
/* The framing on a pipe, shared by both sides (cordon and the runner):
 * send encodes |m| and writes the whole frame to |pipe| under |lock|
 * (overlapped handles are waited for), 0 or -1; pump copies |from| into
 * STDIO frames of |stream| until its end (then one empty frame) or until
 * a send fails. */
int cordon__win_ipc_send(HANDLE pipe, CRITICAL_SECTION *lock, const struct cordon__ipc_msg *m);
void cordon__win_ipc_pump(HANDLE from, unsigned stream, HANDLE pipe, CRITICAL_SECTION *lock);


/* ---- placeholders (placeholder.c) ---------------------------------------------- */

/* Holds the placeholder of the protected directory |path| for the run
 * |holder|: creates the empty directory when missing, or joins the
 * placeholder another run made there; then calls |secure| (to put the
 * deny ACEs on) under the placeholder lock and counts the run as a
 * holder. When something not made by a run is at the path,
 * *is_placeholder is 0 and nothing is done (the caller secures it as a
 * protected path). */
cordon_error cordon__win_placeholder_hold(const char *path, const char *holder,
                                          cordon_error (*secure)(const char *path, void *ctx),
                                          void *ctx, int *is_placeholder);
/* Lets go of |path| for |holder|; removes the placeholder when no live
 * run holds it, it is still the directory a run made, and it is empty. */
void cordon__win_placeholder_release(const char *path, const char *holder);
/* Forgets holders that no longer run and removes what only they held. */
void cordon__win_placeholder_sweep(void);

/* ---- cost counters (acl.c) ---------------------------------------------------- */

/* Calls of this process into the Windows security and directory APIs,
 * for the "cost" of --report and the test that a prepared workspace
 * costs no DACL writes per command. */
struct cordon__win_cost {
    volatile LONG dacl_reads;     /* GetNamedSecurityInfoW */
    volatile LONG dacl_writes;    /* Set/TreeSetNamedSecurityInfoW on existing objects */
    volatile LONG new_dacl_writes;/* the same on directories this run just made
                                   * (placeholders, the temp dir): no propagation */
    volatile LONG dir_lists;      /* FindFirstFileW */
};
extern struct cordon__win_cost cordon__win_cost;
#define CORDON__WIN_COUNT(field) InterlockedIncrement(&cordon__win_cost.field)

/* Nonzero while this thread secures a directory runs made (the temp dir, a
 * placeholder): no workspace cost, and no original DACL recorded. */
extern CORDON__THREAD_LOCAL int cordon__win_fresh_object;

/* ---- grants registry (grants.c) ---------------------------------------------- */

/* Records that cordon put a persistent ACE (|kind| "allow", "deny",
 * "deny-created" for a protected directory cordon created, "hole-deny")
 * for |sid| on |path| for the writable root |root| ("" for none: a hole
 * closed on request), in %LOCALAPPDATA%\cordon\grants, so that `cordon
 * grants` finds it without scanning disks and `revoke ROOT` finds what
 * belongs to ROOT wherever it is. No-op when recorded for that root. */
cordon_error cordon__win_grants_record(const char *path, const char *sid, const char *kind,
                                       const char *root);
/* Records |sddl| as |path|'s DACL before cordon first changed it, in
 * %LOCALAPPDATA%\cordon\originals ("path<TAB>sddl"), unless the path has
 * a record: the first one is the original. `grants revoke` puts it back
 * when the last grant of any root on the path goes. */
cordon_error cordon__win_original_keep(const char *path, const char *sddl);
/* An exclusive lock (LockFileEx on %LOCALAPPDATA%\cordon\acl.lock) held
 * while a prepare or a revoke reads and rewrites DACLs, so that two runs
 * never lose each other's ACE in a concurrent read-modify-write.
 * INVALID_HANDLE_VALUE when it cannot be taken (then nothing is held). */
HANDLE cordon__win_acl_lock(void);
void cordon__win_acl_unlock(HANDLE h);
/* 1 when an ACE of |sid| on |path| is recorded (for any root): it was
 * put there and, when inheritable, propagated through the subtree
 * completely. *for_root tells whether a record names |root|. */
int cordon__win_grants_has(const char *path, const char *sid, const char *root, int *for_root);

#endif
