/* The refresh task and the logon recovery as data, on any host
 * (core/elevated_windows_task.c): the task's name, principal, action and
 * security descriptors built from the SIDs; the read-back check, one
 * difference at a time (who may run or change it, what it runs, as whom);
 * when cordon re-reads, runs the task or gives up, and what it says. */
#include <stdlib.h>
#include <string.h>

#include "elevated_windows.h"
#include "elevated_windows_task.h"
#include "harness.h"

#define ANN "S-1-5-21-11-22-33-1001"
#define BOB "S-1-5-21-11-22-33-1002"
#define DIR "C:\\Program Files\\cordon"

static void plan(void)
{
    struct cordon__win_refresh_task t;
    const char *users[2] = {ANN, BOB};
    const char *bad[1] = {"Everyone"};

    CHECK_STR(CORDON__WIN_TASK_PATH, "\\cordon\\refresh-credentials");
    CHECK_STR(CORDON__WIN_TASK_ARGS, "refresh-credentials --from-task");
    /* No $(ArgN) in the action: what a caller passes to Run goes nowhere. */
    CHECK(strstr(CORDON__WIN_TASK_ARGS, "$(") == NULL);
    CHECK(cordon__win_refresh_task_plan(DIR, users, 1, &t) == CORDON_OK);
    CHECK_STR(t.program, "C:\\Program Files\\cordon\\cordon-setup.exe");
    CHECK_STR(t.working_dir, DIR);
    CHECK_STR(t.sddl, "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FRFX;;;" ANN ")");
    CHECK_STR(t.folder_sddl, "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;" ANN ")");
    cordon__win_refresh_task_free(&t);
    CHECK(cordon__win_refresh_task_plan(DIR, users, 2, &t) == CORDON_OK);
    CHECK_STR(t.sddl, "O:BAG:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FRFX;;;" ANN ")(A;;FRFX;;;" BOB ")");
    cordon__win_refresh_task_free(&t);
    /* A name, an empty list or no directory is refused, never widened. */
    CHECK(cordon__win_refresh_task_plan(DIR, bad, 1, &t) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(cordon_last_error(), "\"Everyone\" is not a SID");
    CHECK(cordon__win_refresh_task_plan(DIR, users, 0, &t) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(cordon__win_refresh_task_plan("", users, 1, &t) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(t.program == NULL && t.sddl == NULL);
}

static void ace(struct cordon__win_task_fact *f, int type, const char *sid, unsigned long mask)
{
    struct cordon__win_dacl_ace *a = &f->aces[f->n_aces++];
    memset(a, 0, sizeof *a);
    a->type = type;
    snprintf(a->sid, sizeof a->sid, "%s", sid);
    a->mask = mask;
}

/* What Windows is expected to give back for the planned task. */
static void good(struct cordon__win_task_fact *f)
{
    memset(f, 0, sizeof *f);
    f->found = 1;
    snprintf(f->principal_sid, sizeof f->principal_sid, "S-1-5-18");
    f->logon_type = CORDON__TASK_LOGON_SERVICE_ACCOUNT;
    f->run_level = CORDON__TASK_RUNLEVEL_HIGHEST;
    f->n_actions = 1;
    f->exec_action = 1;
    /* Paths compare case-insensitively. */
    snprintf(f->program, sizeof f->program, "C:\\PROGRAM FILES\\cordon\\cordon-setup.exe");
    snprintf(f->arguments, sizeof f->arguments, "refresh-credentials --from-task");
    f->enabled = 1;
    f->allow_demand_start = 1;
    f->multiple_instances = CORDON__TASK_INSTANCES_IGNORE_NEW;
    snprintf(f->owner, sizeof f->owner, "S-1-5-32-544");
    f->dacl_present = 1;
    ace(f, CORDON__ACE_ALLOW, "S-1-5-18", 0x1f01ff);
    ace(f, CORDON__ACE_ALLOW, "S-1-5-32-544", 0x1f01ff);
    ace(f, CORDON__ACE_ALLOW, ANN, 0x1200a9); /* FRFX as the store gives it back */
}

#define DIFF(setup, expect)                                                                   \
    do {                                                                                      \
        good(&f);                                                                             \
        setup;                                                                                \
        CHECK(cordon__win_refresh_task_diff(&t, users, 1, &f, why, sizeof why) == -1);        \
        CHECK_CONTAINS(why, expect);                                                          \
    } while (0)

static void diff(void)
{
    struct cordon__win_refresh_task t;
    struct cordon__win_task_fact f;
    const char *users[1] = {ANN};
    char why[400] = "";

    CHECK(cordon__win_refresh_task_plan(DIR, users, 1, &t) == CORDON_OK);
    good(&f);
    CHECK_MSG(cordon__win_refresh_task_diff(&t, users, 1, &f, why, sizeof why) == 0, "%s", why);
    /* Generic rights in the ACE count as the file rights they map to. */
    good(&f);
    f.aces[2].mask = 0xa0000000ul; /* GENERIC_READ | GENERIC_EXECUTE */
    CHECK(cordon__win_refresh_task_diff(&t, users, 1, &f, why, sizeof why) == 0);
    /* A deny ACE only takes away. */
    good(&f);
    ace(&f, CORDON__ACE_DENY, "S-1-1-0", 0x1f01ff);
    CHECK(cordon__win_refresh_task_diff(&t, users, 1, &f, why, sizeof why) == 0);

    DIFF(f.found = 0, "is missing");
    DIFF(snprintf(f.principal_sid, sizeof f.principal_sid, ANN), "runs as " ANN ", not as SYSTEM");
    DIFF(f.principal_sid[0] = 0, "runs as an unknown principal");
    DIFF(f.logon_type = 3, "logon type 3, not TASK_LOGON_SERVICE_ACCOUNT");
    DIFF(f.run_level = 0, "run level 0");
    DIFF(f.n_actions = 2, "has 2 actions, not one program");
    DIFF(f.exec_action = 0, "1 action of another kind");
    DIFF(snprintf(f.program, sizeof f.program, "C:\\Users\\ann\\cordon-setup.exe"),
         "runs C:\\Users\\ann\\cordon-setup.exe, not C:\\Program Files\\cordon\\cordon-setup.exe");
    DIFF(snprintf(f.arguments, sizeof f.arguments, "refresh-credentials --from-task $(Arg0)"),
         "passes \"refresh-credentials --from-task $(Arg0)\"");
    DIFF(f.n_triggers = 1, "has 1 trigger; it runs only when cordon starts it");
    DIFF(f.enabled = 0, "is disabled");
    DIFF(f.allow_demand_start = 0, "cannot be started on demand");
    DIFF(f.multiple_instances = 0, "instance policy 0");
    DIFF(f.stops_on_batteries = 1, "does not run on batteries");
    /* Who may use or change it. */
    DIFF(snprintf(f.owner, sizeof f.owner, ANN), "is owned by " ANN);
    DIFF(f.dacl_present = 0, "has no DACL");
    DIFF(ace(&f, CORDON__ACE_ALLOW, "S-1-5-11", 0x1200a9),
         "lets S-1-5-11 use it (access mask 0x001200a9); only the allowed users may");
    DIFF(ace(&f, CORDON__ACE_ALLOW, BOB, 0x1200a9), "lets " BOB " use it");
    DIFF(f.aces[2].mask |= 0x40000ul, "lets " ANN " change it (access mask 0x001600a9)");
    DIFF(f.aces[2].mask = 0x10000000ul, "lets " ANN " change it"); /* GENERIC_ALL */
    DIFF(f.aces[2].mask = 0x120089, "does not let the allowed user " ANN " read and run it");
    DIFF(f.n_aces = 2, "does not let the allowed user " ANN " read and run it (access mask 0x00000000)");
    DIFF(f.n_aces = CORDON__WIN_TASK_MAX_ACES + 1, "more than setup writes");
    /* An inherit-only ACE does not apply to the task: it grants nothing. */
    DIFF(f.aces[2].inherit_only = 1, "does not let the allowed user");
    cordon__win_refresh_task_free(&t);
}

static void recovery(void)
{
    char *s;
    /* 1326: re-read, then the task once, then give up. */
    CHECK(cordon__win_logon_next(1326, 1, CORDON__WIN_TASK_NOT_RUN) == CORDON__WIN_LOGON_REREAD);
    CHECK(cordon__win_logon_next(1326, 2, CORDON__WIN_TASK_NOT_RUN) == CORDON__WIN_LOGON_RUN_TASK);
    CHECK(cordon__win_logon_next(1326, 3, CORDON__WIN_TASK_DONE) == CORDON__WIN_LOGON_GIVE_UP);
    CHECK(cordon__win_logon_next(1326, 2, CORDON__WIN_TASK_DONE) == CORDON__WIN_LOGON_GIVE_UP);
    CHECK(cordon__win_logon_next(1326, 9, CORDON__WIN_TASK_NOT_RUN) == CORDON__WIN_LOGON_GIVE_UP);
    /* Every other cause: at once (a new password does not unlock an
     * account or grant a logon right). */
    CHECK(cordon__win_logon_next(1909, 1, CORDON__WIN_TASK_NOT_RUN) == CORDON__WIN_LOGON_GIVE_UP);
    CHECK(cordon__win_logon_next(1385, 1, CORDON__WIN_TASK_NOT_RUN) == CORDON__WIN_LOGON_GIVE_UP);
    CHECK(cordon__win_logon_next(5, 1, CORDON__WIN_TASK_NOT_RUN) == CORDON__WIN_LOGON_GIVE_UP);

    s = cordon__win_logon_failed_text("CordonSandboxOffline", 1326, 3, CORDON__WIN_TASK_DONE, 0);
    CHECK_CONTAINS(s, "cannot start the runner as CordonSandboxOffline");
    CHECK_CONTAINS(s, "error 1326, also after reading the stored credential again; also after "
                      "the refresh task \\cordon\\refresh-credentials stored new passwords)");
    CHECK_CONTAINS(s, "Fix: run cordon-setup refresh-credentials");
    CHECK_CONTAINS(s, "cordon never raises a UAC prompt from a command");
    free(s);
    s = cordon__win_logon_failed_text("CordonSandboxOffline", 1326, 2, CORDON__WIN_TASK_ABSENT, 0);
    CHECK_CONTAINS(s, "the refresh task \\cordon\\refresh-credentials is not there");
    CHECK_CONTAINS(s, "Fix: run cordon-setup refresh-credentials");
    free(s);
    s = cordon__win_logon_failed_text("CordonSandboxOffline", 1326, 2, CORDON__WIN_TASK_DENIED, 0);
    CHECK_CONTAINS(s, "this user may not run the refresh task");
    free(s);
    s = cordon__win_logon_failed_text("CordonSandboxOffline", 1326, 2, CORDON__WIN_TASK_TIMEOUT, 0);
    CHECK_CONTAINS(s, "did not end within 30 s");
    free(s);
    s = cordon__win_logon_failed_text("CordonSandboxOffline", 1326, 2, CORDON__WIN_TASK_FAILED, 1);
    CHECK_CONTAINS(s, "ran and failed (result 0x00000001)");
    free(s);
    s = cordon__win_logon_failed_text("CordonSandboxOffline", 1326, 2, CORDON__WIN_TASK_ERROR,
                                      0x80070005ul);
    CHECK_CONTAINS(s, "could not be run (HRESULT 0x80070005)");
    free(s);
    s = cordon__win_logon_failed_text("CordonSandboxOffline", 1909, 1, CORDON__WIN_TASK_NOT_RUN, 0);
    CHECK_CONTAINS(s, "error 1909). Fix: ");
    CHECK(strstr(s, "refresh task") == NULL);
    free(s);
    s = cordon__win_logon_failed_text("CordonSandboxOnline", 87, 1, CORDON__WIN_TASK_NOT_RUN, 0);
    CHECK_CONTAINS(s, "CreateProcessWithLogonW: error 87");
    free(s);
}

int main(void)
{
    plan();
    diff();
    recovery();
    TEST_MAIN_END();
}
