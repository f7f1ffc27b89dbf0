/* The refresh task of the Windows elevated tier, portable
 * (core/elevated_windows_task.c): a Task Scheduler task that setup
 * registers at install, running `cordon-setup.exe refresh-credentials
 * --from-task` as SYSTEM, which only the allowed real user (and
 * administrators) may read and run; and what cordon does when a logon of
 * the runner fails with 1326 (the stored password is not the account's):
 * read the stored credential again, then run the task once, then give up
 * naming the fix. Plan-tested natively (winplan_elevated_task). */
#ifndef CORDON_ELEVATED_WINDOWS_TASK_H
#define CORDON_ELEVATED_WINDOWS_TASK_H

#include <stddef.h>

#include "elevated_windows.h"
#include "internal.h"

/* Where the task lives in the Task Scheduler's namespace. */
#define CORDON__WIN_TASK_FOLDER "\\cordon"
#define CORDON__WIN_TASK_NAME "refresh-credentials"
#define CORDON__WIN_TASK_PATH CORDON__WIN_TASK_FOLDER "\\" CORDON__WIN_TASK_NAME
/* The program the task runs: setup's own copy beside the runner, in the
 * directory only administrators can change (a task running as SYSTEM must
 * not start a file its callers can replace). */
#define CORDON__WIN_SETUP_NAME "cordon-setup.exe"
/* Its fixed arguments. The task's action holds no $(ArgN) variable, so
 * values a caller passes to IRegisteredTask::Run go nowhere. */
#define CORDON__WIN_TASK_ARGS "refresh-credentials --from-task"
/* How long the task may run before the Task Scheduler ends it (ISO 8601). */
#define CORDON__WIN_TASK_LIMIT "PT5M"
/* How long cordon waits for a run it started before giving up on it. */
#define CORDON__WIN_TASK_WAIT_MS 30000ul

/* The documented values of the Task Scheduler's enumerations this plan
 * uses (taskschd.h), so that core needs no Windows header. */
#define CORDON__TASK_LOGON_SERVICE_ACCOUNT 5 /* TASK_LOGON_SERVICE_ACCOUNT */
#define CORDON__TASK_RUNLEVEL_HIGHEST 1      /* TASK_RUNLEVEL_HIGHEST */
#define CORDON__TASK_INSTANCES_IGNORE_NEW 2  /* TASK_INSTANCES_IGNORE_NEW */

/* The task as data, for one installation. */
struct cordon__win_refresh_task {
    char *program;     /* <install dir>\cordon-setup.exe */
    char *working_dir; /* <install dir> */
    char *sddl;        /* the task's security descriptor */
    char *folder_sddl; /* the \cordon folder's */
};

/* The task for setup installed in |install_dir| (%ProgramFiles%\cordon)
 * and the allowed users |user_sids|: the task's security descriptor is
 * `O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FRFX;;;<user>)...`: protected,
 * full control for SYSTEM and Administrators, read and execute (see it,
 * run it) for each allowed user, nobody else; the folder's the same with
 * read only for the users (they open the folder to reach the task).
 * Refuses an empty directory, no user, or a user that is not a SID
 * (CORDON_ERR_INVALID_ARGUMENT). Free with cordon__win_refresh_task_free. */
cordon_error cordon__win_refresh_task_plan(const char *install_dir, const char *const *user_sids,
                                           size_t n_users, struct cordon__win_refresh_task *out);
void cordon__win_refresh_task_free(struct cordon__win_refresh_task *t);

/* A registered task as the OS layer read it back. */
#define CORDON__WIN_TASK_MAX_ACES 16
struct cordon__win_task_fact {
    int found;
    char principal_sid[184];  /* the principal's user as a SID ("" unknown) */
    int logon_type;           /* TASK_LOGON_* */
    int run_level;            /* TASK_RUNLEVEL_* */
    int n_actions;
    int exec_action;          /* the first action is an executable's */
    char program[1024];
    char arguments[256];
    int n_triggers;
    int enabled;
    int allow_demand_start;
    int multiple_instances;   /* TASK_INSTANCES_* */
    int stops_on_batteries;   /* DisallowStartIfOnBatteries or StopIfGoingOnBatteries */
    char owner[184];          /* of the task's security descriptor ("" none) */
    int dacl_present;
    struct cordon__win_dacl_ace aces[CORDON__WIN_TASK_MAX_ACES];
    size_t n_aces;            /* more than the array holds: refused */
};

/* 0 when |got| is the task |want| for the allowed users |user_sids|: the
 * principal SYSTEM as a service account at the highest run level, one
 * executable action with |want|'s program (compared case-insensitively:
 * Windows paths) and the fixed arguments, no trigger, enabled, runnable
 * on demand, a second run while one runs ignored, not held back on
 * batteries, and a security descriptor owned by SYSTEM or Administrators
 * whose allow ACEs give nobody but SYSTEM and Administrators a right that
 * changes the task, and give each allowed user read and execute. Else -1
 * and |why| names the first difference. */
int cordon__win_refresh_task_diff(const struct cordon__win_refresh_task *want,
                                  const char *const *user_sids, size_t n_users,
                                  const struct cordon__win_task_fact *got, char *why, size_t n);

/* ---- the recovery from a failed logon ------------------------------------ */

/* What became of cordon's run of the refresh task. */
enum cordon__win_task_outcome {
    CORDON__WIN_TASK_NOT_RUN = 0, /* not tried (yet) */
    CORDON__WIN_TASK_ABSENT,      /* no such task or folder: setup made none */
    CORDON__WIN_TASK_DENIED,      /* the caller may not see or run it */
    CORDON__WIN_TASK_DISABLED,    /* it is disabled */
    CORDON__WIN_TASK_ERROR,       /* the Task Scheduler failed (code: the HRESULT) */
    CORDON__WIN_TASK_TIMEOUT,     /* still running after CORDON__WIN_TASK_WAIT_MS */
    CORDON__WIN_TASK_FAILED,      /* it ended with a non-zero result (code) */
    CORDON__WIN_TASK_DONE         /* it ended with result 0: new passwords stored */
};

/* What cordon does next after the runner's logon failed with |code| for
 * the |failures|th time in this command (1 after the first), when the
 * task has |task| as outcome so far. */
enum cordon__win_logon_next {
    CORDON__WIN_LOGON_GIVE_UP = 0, /* fail with cordon__win_logon_failed_text */
    CORDON__WIN_LOGON_REREAD,      /* read the stored credential again and retry */
    CORDON__WIN_LOGON_RUN_TASK     /* run the refresh task, then read again and retry */
};
/* Only 1326 (cordon__win_logon_error's refresh) is recovered: first a
 * re-read (a refresh or re-install rotated the password after the first
 * read), then one run of the task (the stored password is stale: new
 * passwords, stored again), then nothing more: at most three logons and
 * one task run per command. Every other code gives up at once. */
enum cordon__win_logon_next cordon__win_logon_next(unsigned long code, int failures,
                                                   enum cordon__win_task_outcome task);

/* What cordon says when the logon of |user| still fails with |code| after
 * |failures| attempts and the task's |outcome| (|task_code|: the
 * HRESULT or the task's result): the cause and the fix from
 * cordon__win_logon_error; for 1326 what the recovery did, and the fix
 * `cordon-setup refresh-credentials` (one UAC prompt, which cordon never
 * raises from a command). Caller frees. */
char *cordon__win_logon_failed_text(const char *user, unsigned long code, int failures,
                                    enum cordon__win_task_outcome outcome,
                                    unsigned long task_code);

#endif
