/* The refresh task and the logon recovery of the Windows elevated tier
 * as data (core/elevated_windows_task.h). No Windows header: setup
 * registers and reads back (setup/windows/task.c), the backend runs it
 * (backends/windows/refresh_task.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated_windows_task.h"

/* ---- the task ----------------------------------------------------------------- */

static int is_sid(const char *s)
{
    size_t i;
    if (!s || strncmp(s, "S-1-", 4) != 0 || strlen(s) >= 184)
        return 0;
    for (i = 4; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

cordon_error cordon__win_refresh_task_plan(const char *install_dir, const char *const *user_sids,
                                           size_t n_users, struct cordon__win_refresh_task *out)
{
    struct cordon__buf task = {0}, folder = {0};
    size_t i;

    memset(out, 0, sizeof *out);
    if (!install_dir || !install_dir[0])
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "the refresh task needs setup's directory");
    if (n_users == 0)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                            "the refresh task needs at least one allowed user");
    for (i = 0; i < n_users; i++)
        if (!is_sid(user_sids[i]))
            return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                                "the refresh task's user \"%s\" is not a SID",
                                user_sids[i] ? user_sids[i] : "");
    /* FA for SYSTEM (the task runs as it; denying it misleads the service)
     * and Administrators; FRFX lets a user see and run the task, and
     * nothing else: no write, delete or WRITE_DAC. */
    cordon__buf_puts(&task, "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)");
    cordon__buf_puts(&folder, "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)");
    for (i = 0; i < n_users; i++) {
        cordon__buf_puts(&task, "(A;;FRFX;;;");
        cordon__buf_puts(&task, user_sids[i]);
        cordon__buf_puts(&task, ")");
        cordon__buf_puts(&folder, "(A;;FR;;;");
        cordon__buf_puts(&folder, user_sids[i]);
        cordon__buf_puts(&folder, ")");
    }
    out->program = cordon__asprintf("%s\\" CORDON__WIN_SETUP_NAME, install_dir);
    out->working_dir = cordon__strdup(install_dir);
    out->sddl = cordon__buf_take(&task);
    out->folder_sddl = cordon__buf_take(&folder);
    cordon__buf_free(&task);
    cordon__buf_free(&folder);
    if (!out->program || !out->working_dir || !out->sddl || !out->folder_sddl) {
        cordon__win_refresh_task_free(out);
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    }
    return CORDON_OK;
}

void cordon__win_refresh_task_free(struct cordon__win_refresh_task *t)
{
    free(t->program);
    free(t->working_dir);
    free(t->sddl);
    free(t->folder_sddl);
    memset(t, 0, sizeof *t);
}

/* Rights that change a task (its file, in the task store's terms): write
 * or append data, extended attributes, attributes, delete child, delete,
 * WRITE_DAC, WRITE_OWNER, GENERIC_ALL, GENERIC_WRITE. */
#define TASK_WRITE_CLASS                                                                      \
    (0x0002ul | 0x0004ul | 0x0010ul | 0x0040ul | 0x0100ul | 0x10000ul | 0x40000ul |           \
     0x80000ul | 0x10000000ul | 0x40000000ul)
/* Read and execute: FILE_READ_DATA and FILE_EXECUTE, or the generic ones. */
#define READS(m) (((m) & 0x0001ul) || ((m) & 0x80000000ul) || ((m) & 0x10000000ul))
#define EXECUTES(m) (((m) & 0x0020ul) || ((m) & 0x20000000ul) || ((m) & 0x10000000ul))

static int admin_sid(const char *sid)
{
    return strcmp(sid, CORDON__SID_SYSTEM) == 0 || strcmp(sid, CORDON__SID_ADMINS) == 0;
}

static int lower_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int task_dacl(const char *const *users, size_t n_users,
                     const struct cordon__win_task_fact *got, char *why, size_t n)
{
    size_t i, u;
    if (got->owner[0] && !admin_sid(got->owner)) {
        snprintf(why, n, "is owned by %s, not by SYSTEM or Administrators (an owner may always "
                 "change its permissions)", got->owner);
        return -1;
    }
    if (!got->dacl_present) {
        snprintf(why, n, "has no DACL (everyone may use and change it)");
        return -1;
    }
    if (got->n_aces > CORDON__WIN_TASK_MAX_ACES) {
        snprintf(why, n, "has %zu ACEs, more than setup writes", got->n_aces);
        return -1;
    }
    for (i = 0; i < got->n_aces; i++) {
        const struct cordon__win_dacl_ace *a = &got->aces[i];
        int allowed = 0;
        if (a->type != CORDON__ACE_ALLOW || a->inherit_only || admin_sid(a->sid))
            continue;
        for (u = 0; u < n_users; u++)
            allowed |= strcmp(a->sid, users[u]) == 0;
        if (!allowed) {
            snprintf(why, n, "lets %s use it (access mask 0x%08lx); only the allowed users may",
                     a->sid, a->mask);
            return -1;
        }
        if (a->mask & TASK_WRITE_CLASS) {
            snprintf(why, n, "lets %s change it (access mask 0x%08lx)", a->sid, a->mask);
            return -1;
        }
    }
    for (u = 0; u < n_users; u++) {
        unsigned long mask = 0;
        for (i = 0; i < got->n_aces; i++)
            if (got->aces[i].type == CORDON__ACE_ALLOW && !got->aces[i].inherit_only &&
                strcmp(got->aces[i].sid, users[u]) == 0)
                mask |= got->aces[i].mask;
        if (!READS(mask) || !EXECUTES(mask)) {
            snprintf(why, n, "does not let the allowed user %s read and run it (access mask "
                     "0x%08lx)", users[u], mask);
            return -1;
        }
    }
    return 0;
}

int cordon__win_refresh_task_diff(const struct cordon__win_refresh_task *want,
                                  const char *const *user_sids, size_t n_users,
                                  const struct cordon__win_task_fact *got, char *why, size_t n)
{
    char sd_why[300];
    if (!got->found)
        snprintf(why, n, "is missing");
    else if (strcmp(got->principal_sid, CORDON__SID_SYSTEM) != 0)
        snprintf(why, n, "runs as %s, not as SYSTEM (%s)",
                 got->principal_sid[0] ? got->principal_sid : "an unknown principal",
                 CORDON__SID_SYSTEM);
    else if (got->logon_type != CORDON__TASK_LOGON_SERVICE_ACCOUNT)
        snprintf(why, n, "has logon type %d, not TASK_LOGON_SERVICE_ACCOUNT", got->logon_type);
    else if (got->run_level != CORDON__TASK_RUNLEVEL_HIGHEST)
        snprintf(why, n, "has run level %d, not TASK_RUNLEVEL_HIGHEST", got->run_level);
    else if (got->n_actions != 1 || !got->exec_action)
        snprintf(why, n, "has %d action%s, not one program", got->n_actions,
                 got->n_actions == 1 ? " of another kind" : "s");
    else if (!lower_eq(got->program, want->program))
        snprintf(why, n, "runs %s, not %s", got->program, want->program);
    else if (strcmp(got->arguments, CORDON__WIN_TASK_ARGS) != 0)
        snprintf(why, n, "passes \"%s\", not \"" CORDON__WIN_TASK_ARGS "\"", got->arguments);
    else if (got->n_triggers != 0)
        snprintf(why, n, "has %d trigger%s; it runs only when cordon starts it", got->n_triggers,
                 got->n_triggers == 1 ? "" : "s");
    else if (!got->enabled)
        snprintf(why, n, "is disabled");
    else if (!got->allow_demand_start)
        snprintf(why, n, "cannot be started on demand");
    else if (got->multiple_instances != CORDON__TASK_INSTANCES_IGNORE_NEW)
        snprintf(why, n, "has instance policy %d, not TASK_INSTANCES_IGNORE_NEW",
                 got->multiple_instances);
    else if (got->stops_on_batteries)
        snprintf(why, n, "does not run on batteries");
    else if (task_dacl(user_sids, n_users, got, sd_why, sizeof sd_why) != 0)
        snprintf(why, n, "%s", sd_why);
    else
        return 0;
    return -1;
}

/* ---- the recovery from a failed logon ------------------------------------ */

enum cordon__win_logon_next cordon__win_logon_next(unsigned long code, int failures,
                                                   enum cordon__win_task_outcome task)
{
    const struct cordon__win_logon_error *le = cordon__win_logon_error(code);
    if (!le || !le->refresh)
        return CORDON__WIN_LOGON_GIVE_UP;
    if (failures == 1)
        return CORDON__WIN_LOGON_REREAD;
    if (failures == 2 && task == CORDON__WIN_TASK_NOT_RUN)
        return CORDON__WIN_LOGON_RUN_TASK;
    return CORDON__WIN_LOGON_GIVE_UP;
}

static const char *task_said(enum cordon__win_task_outcome o, unsigned long code, char *buf,
                             size_t n)
{
    switch (o) {
    case CORDON__WIN_TASK_ABSENT:
        return "; the refresh task " CORDON__WIN_TASK_PATH " is not there (a setup older than it, "
               "or removed)";
    case CORDON__WIN_TASK_DENIED:
        return "; this user may not run the refresh task " CORDON__WIN_TASK_PATH
               " (it was installed for another user)";
    case CORDON__WIN_TASK_DISABLED:
        return "; the refresh task " CORDON__WIN_TASK_PATH " is disabled";
    case CORDON__WIN_TASK_ERROR:
        snprintf(buf, n, "; the refresh task " CORDON__WIN_TASK_PATH " could not be run "
                 "(HRESULT 0x%08lx)", code);
        return buf;
    case CORDON__WIN_TASK_TIMEOUT:
        snprintf(buf, n, "; the refresh task " CORDON__WIN_TASK_PATH " did not end within %lu s",
                 CORDON__WIN_TASK_WAIT_MS / 1000);
        return buf;
    case CORDON__WIN_TASK_FAILED:
        snprintf(buf, n, "; the refresh task " CORDON__WIN_TASK_PATH " ran and failed (result "
                 "0x%08lx)", code);
        return buf;
    case CORDON__WIN_TASK_DONE:
        return "; also after the refresh task " CORDON__WIN_TASK_PATH " stored new passwords";
    case CORDON__WIN_TASK_NOT_RUN:
    default:
        return "";
    }
}

char *cordon__win_logon_failed_text(const char *user, unsigned long code, int failures,
                                    enum cordon__win_task_outcome outcome,
                                    unsigned long task_code)
{
    const struct cordon__win_logon_error *le = cordon__win_logon_error(code);
    char buf[200];
    if (!le)
        return cordon__asprintf("cannot start the runner as %s (CreateProcessWithLogonW: error %lu)",
                                user, code);
    if (le->refresh)
        return cordon__asprintf(
            "cannot start the runner as %s: %s (CreateProcessWithLogonW: error %lu%s%s). Fix: "
            "run cordon-setup refresh-credentials (it asks for administrator rights once and "
            "stores new passwords); cordon never raises a UAC prompt from a command",
            user, le->cause, code,
            failures > 1 ? ", also after reading the stored credential again" : "",
            task_said(outcome, task_code, buf, sizeof buf));
    return cordon__asprintf("cannot start the runner as %s: %s (CreateProcessWithLogonW: error "
                            "%lu). Fix: %s",
                            user, le->cause, code, le->fix);
}
