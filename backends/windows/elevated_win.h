/* The Windows elevated tier's OS layer, shared by the windows-elevated
 * backend (elevated.c, elevated_facts.c) and cordon-setup (setup/windows/):
 * where setup puts things, security descriptors read back as core's ACE
 * lists, the firewall through COM, DPAPI credentials. Every decision is
 * core's (core/elevated_windows.h); these files only read and write. */
#ifndef CORDON_ELEVATED_WIN_H
#define CORDON_ELEVATED_WIN_H

#include <stddef.h>
#include <windows.h>

#include "elevated_windows.h"
#include "elevated_windows_run.h"
#include "elevated_windows_task.h"


/* Where setup puts things on this host (caller frees with _paths_free). */
struct cordon__win_elevated_paths {
    char *data_dir;   /* %ProgramData%\cordon */
    char *marker;     /* %ProgramData%\cordon\setup.json */
    char *cred_base;  /* %ProgramData%\cordon\credentials */
    char *runner_dir; /* %ProgramFiles%\cordon */
    char *runner;     /* %ProgramFiles%\cordon\cordon-runner.exe */
};
cordon_error cordon__win_elevated_paths(struct cordon__win_elevated_paths *out);
void cordon__win_elevated_paths_free(struct cordon__win_elevated_paths *p);
/* The credential file of |account| for the real user |user_sid|. */
char *cordon__win_cred_dir(const struct cordon__win_elevated_paths *p, const char *user_sid);
char *cordon__win_cred_file(const struct cordon__win_elevated_paths *p, const char *user_sid,
                            const char *account);

/* ---- security descriptors (elevated_facts.c) ----------------------------- */

/* One ACE as core's data: an allow or deny ACE as it is; any other kind
 * (object, callback) as a grant of everything to someone unknown. */
void cordon__win_ace_read(const ACE_HEADER *h, struct cordon__win_dacl_ace *a);
/* The owner and DACL of |path| as core's data. *aces is malloc'd (free).
 * 0, or an error with the step and the Win32 code in |why|. */
int cordon__win_read_sd(const char *path, char owner[184], int *dacl_present,
                        struct cordon__win_dacl_ace **aces, size_t *n, char *why, size_t n_why);
/* 1 when only administrators can change |path| (core's
 * cordon__win_admin_only over what was read), else 0 with |why|. */
int cordon__win_path_admin_only(const char *path, int is_dir, char *why, size_t n_why);
/* The SID of account |name| on this computer, when it is of |want_type|
 * (SidTypeUser or SidTypeAlias). 1 found, 0 not. */
int cordon__win_account_sid(const char *name, int want_type, char sid[184]);
/* 1 when |sid| is a direct member of local group |group|; *members (when
 * not NULL) gets how many direct members it has, 0 when unreadable. */
int cordon__win_group_has(const char *group, const char *sid, unsigned long *members);

/* ---- credentials (elevated_facts.c) --------------------------------------- */

/* Decrypts the credential file |path| of |account| (CryptUnprotectData
 * with core's entropy). *password is zeroed and freed by
 * cordon__win_password_free. ERROR_FILE_NOT_FOUND leaves *password NULL
 * and returns CORDON_ERR_PATH. */
cordon_error cordon__win_cred_read(const char *path, const char *account, char **password);
/* Encrypts |password| into |path| (user scope, or the local machine's
 * when |machine|), through a temporary file and MoveFileExW. */
cordon_error cordon__win_cred_write(const char *path, const char *account, const char *password,
                                    int machine);
void cordon__win_password_free(char *password);
/* 1 when the credential file |path| holds a machine-scope blob
 * (CRYPTPROTECT_LOCAL_MACHINE in the DPAPI blob's flags, offset 40), 0 for
 * user scope, a file that cannot be read or one that does not look like a
 * DPAPI blob (elevated.c: spawn re-protects machine-scope blobs). */
int cordon__win_cred_machine_scope(const char *path);

/* ---- the firewall (firewall.c) ---------------------------------------------- */

/* Reads the firewall's state and, for each of |want|, the rule of that
 * name into got[i] (found[i] 0 when there is none). Error: COM failed
 * (the message names the call and the HRESULT). */
cordon_error cordon__win_fw_read(const struct cordon__win_fw_rule *want, size_t n,
                                 struct cordon__win_fw_rule *got, int *found, int enabled[3],
                                 int *modify_state);
/* Adds each rule of |r| (INetFwRule3), replacing one of the same name. */
cordon_error cordon__win_fw_add(const struct cordon__win_fw_rule *r, size_t n);
/* Removes the rules named in |r|; *removed counts those that were there. */
cordon_error cordon__win_fw_remove(const struct cordon__win_fw_rule *r, size_t n, int *removed);

/* ---- the refresh task (refresh_task.c) -------------------------------------- */

typedef struct ITaskService ITaskService;
/* The Task Scheduler of this computer, connected as the caller; COM is
 * started on this thread when it was not (*uninit: close undoes it). */
HRESULT cordon__win_task_service(ITaskService **svc, int *uninit);
void cordon__win_task_service_close(ITaskService *svc, int uninit);
/* 1 when |hr| says a task or folder does not exist. */
int cordon__win_task_absent(HRESULT hr);
/* Reads the task CORDON__WIN_TASK_PATH back into core's facts (found 0
 * when it is not there); the HRESULT of a call that failed
 * (E_ACCESSDENIED: the caller may not read it). */
HRESULT cordon__win_refresh_task_read(struct cordon__win_task_fact *f);
/* Runs the task as the caller (IRegisteredTask::Run, no parameters) and
 * waits, at most |timeout_ms|, until it is neither queued nor running;
 * *code: its last result, or the HRESULT of the call that failed. Made on
 * a thread of its own in the multithreaded apartment: the caller's
 * thread's COM state is never touched. */
enum cordon__win_task_outcome cordon__win_refresh_task_run(unsigned long timeout_ms,
                                                           unsigned long *code);

/* ---- the launch (elevated_launch.c) ---------------------------------------- */

struct cordon__win_runner_conn;
/* The window station and desktop cordon makes for one runner: a station
 * named cordon-<pid>-<16 hex from BCryptGenRandom> (only Administrators
 * may name one), else, or with |unnamed|, the one the system names after
 * this logon session (shared by the caller's runs, used only when its
 * DACL is cordon's), each with core's DACL
 * (cordon__win_winsta_sddl, cordon__win_runner_desktop_sddl); |name| is
 * "<station>\<desktop>", the runner's lpDesktop. A failure is the run's
 * error: never the caller's window station instead. */
struct cordon__win_station {
    void *winsta; /* HWINSTA */
    void *desk;   /* HDESK */
    wchar_t name[256];
    int shared;
};
cordon_error cordon__win_station_make(const char *caller_sid, const char *sandbox_sid,
                                      const char *peer_sid, int unnamed,
                                      struct cordon__win_station *out);
void cordon__win_station_free(struct cordon__win_station *s);
/* Serves the two pipes (core's DACL), starts |runner| as |user| with
 * |password| (CreateProcessWithLogonW, no profile load; a logon failure
 * names its cause and fix from cordon__win_logon_error) or, with |user|
 * NULL, as the caller with --same-user (the test seam), and checks that
 * the client of both pipes is that runner. */
cordon_error cordon__win_runner_start(const char *runner, const char *user, const char *password,
                                      const char *sandbox_sid,
                                      struct cordon__win_runner_conn **out);
/* Sends |req|, relays the caller's |stdio| (entries may be NULL) until the
 * runner's EXIT (then *exit_code) or ERROR (then the error, with the
 * stage); on |timeout_ms| (0: none) sends SIGNAL kill and sets *timed_out. */
cordon_error cordon__win_runner_run(struct cordon__win_runner_conn *c,
                                    const struct cordon__ipc_spawn *req, void *stdio[3],
                                    unsigned long timeout_ms, int *exit_code, int *timed_out);
/* The same start, with the Win32 code of a CreateProcessWithLogonW
 * failure in *logon_error (0 for any other failure); |peer_sid|, the
 * other sandbox user (or NULL), is granted on the window station too, so
 * that a station the caller's runs share has one DACL for both users. */
cordon_error cordon__win_runner_start_ex(const char *runner, const char *user,
                                         const char *password, const char *sandbox_sid,
                                         const char *peer_sid,
                                         struct cordon__win_runner_conn **out,
                                         unsigned long *logon_error);
/* cordon__win_runner_run in parts, for the backend's process API: begin
 * sends |req|, starts the relay threads (stdio entries that are
 * INVALID_HANDLE_VALUE are the caller's own standard handles) and returns
 * once the runner sent STARTED, or its ERROR as the error (the stage exec
 * maps to CORDON_ERR_NOT_FOUND). wait: until EXIT, at most |timeout_ms|
 * (0: no limit; then kill and *timed_out); callable again, it returns the
 * same. kill: SIGNAL kill, and when the runner does not end the command
 * within 10 s the runner itself is ended (its kill-on-close job with it).
 * ended: 1 when EXIT or ERROR came (or the runner is gone) within
 * |timeout_ms|. pid: the command's process id (STARTED). */
cordon_error cordon__win_runner_begin(struct cordon__win_runner_conn *c,
                                      const struct cordon__ipc_spawn *req, void *stdio[3]);
cordon_error cordon__win_runner_wait(struct cordon__win_runner_conn *c, unsigned long timeout_ms,
                                     int *exit_code, int *timed_out);
void cordon__win_runner_kill(struct cordon__win_runner_conn *c);
int cordon__win_runner_ended(struct cordon__win_runner_conn *c, unsigned long timeout_ms);
long long cordon__win_runner_pid(const struct cordon__win_runner_conn *c);
/* close: the command and the runner end (kill through the runner, then
 * the runner ended), the relay threads are joined with their pending I/O
 * cancelled, and only then are the pipes and events closed and |c| freed.
 * A relay thread that cannot be joined leaves |c| allocated on purpose
 * (counted in cordon__win_runner_leaked, for the tests). */
void cordon__win_runner_close(struct cordon__win_runner_conn *c);
extern volatile long cordon__win_runner_leaked;

/* ---- the facts (elevated_facts.c) ------------------------------------------ */

/* Storage for one probe's facts. */
struct cordon__win_probe_facts {
    struct cordon__marker marker;
    struct cordon__elevated_facts f;
    struct cordon__win_elevated_facts w;
    struct cordon__win_fw_rule rules[CORDON__FW_MAX_RULES];
    int found[CORDON__FW_MAX_RULES];
    char marker_path[1024];
};
/* Gathers the facts for the marker at |marker_path| (NULL: this host's)
 * without judging them; stops after the marker when there is none to
 * trust. Free with cordon__win_probe_facts_free. */
void cordon__win_elevated_facts(const char *marker_path, struct cordon__win_probe_facts *pf);
void cordon__win_probe_facts_free(struct cordon__win_probe_facts *pf);
/* Only the marker of this host (trusted and parsed, or the error), for
 * prepare and spawn: two DACL reads and a small file. */
void cordon__win_elevated_marker(struct cordon__win_probe_facts *pf);

/* ---- secrets_read (elevated_secrets.c) ------------------------------------- */

/* Reads the DACLs of |plan|'s deny_read paths (and what is below a
 * directory, bounded) and the local groups of the sandbox user the plan
 * runs as, into pf->w.secrets for core's secrets_read decision. Nothing
 * without a marker or deny_read paths. Freed by
 * cordon__win_probe_facts_free. */
void cordon__win_elevated_secrets(const struct cordon__plan *plan, struct cordon__win_probe_facts *pf);
void cordon__win_elevated_secrets_free(struct cordon__win_probe_facts *pf);

/* ---- the backend (elevated.c) ---------------------------------------------- */

/* The same-user test seam: while |runner| is set (NULL clears it), the
 * backend's prepare grants |group_sid| where it would grant the sandbox
 * group, and spawn starts |runner| as the caller (CreateProcessW,
 * --same-user) instead of as a sandbox user; and the probe reports the
 * tier not ready, so that selection never runs a command through it. Only
 * code inside this process can set it (no variable, file or argument
 * does): the Wine tests drive the backend directly through it. */
void cordon__win_elevated_seam(const char *runner, const char *group_sid);

/* What is missing of the launch, for the facts' launch_missing: nothing
 * since the backend runs commands through the runner ("" is "present";
 * setup's probe passes it too). */
#define CORDON__WIN_LAUNCH_MISSING ""
/* Said in fallback_reason while the same-user test seam is set. */
#define CORDON__WIN_SEAM_SET                                                                 \
    "the same-user test seam is set in this process, so commands would not run as a "       \
    "sandbox user"

#endif
