/* windows-elevated: commands run as the sandbox users cordon-setup made
 * (CordonSandboxOffline, whose traffic Windows Firewall rules scoped to
 * its SID block, or CordonSandboxOnline), started by cordon-runner.exe.
 *
 * probe: the facts (elevated_facts.c: marker, accounts, the caller's
 * membership, the runner, the caller's credentials, the firewall's state
 * and rules), judged by core (core/readiness.c, core/elevated_windows.c);
 * when ready, the unelevated tier's token probe gives fs_write and
 * protected_paths (the runner builds the same write-restricted token).
 *
 * prepare: the unelevated plan's ACEs plus, for CordonSandboxUsers, an
 * allow beside each root's allow and a deny beside each protected path's
 * (core/elevated_windows_run.c): a write by the runner's token passes only
 * when both the sandbox user's own SIDs and the restricting SIDs are
 * granted. Applied by the unelevated tier's machinery: once per root,
 * recorded for `cordon grants revoke`, one DACL read per path and no write
 * in steady state.
 *
 * spawn: the caller's stored credential of the identity the policy picks
 * (offline unless network is on) is decrypted (a machine-scope blob, which
 * an administrator wrote for another user, is protected again in the
 * caller's scope), cordon-runner.exe is started as that user
 * (elevated_launch.c) and sent the request with cordon's restricting
 * SIDs; the relay runs in threads and wait/kill/ended/pid stand on it.
 * A logon refused with 1326 is tried again after reading the credential
 * again, then once more after the refresh task setup registered stored
 * new passwords (refresh_task.c), then fails naming the fix.
 *
 * The same-user seam (cordon__win_elevated_seam) lets the Wine tests run
 * this whole path with the runner started as the caller; while it is set
 * the probe is never ready. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <wincrypt.h>

#include "elevated_win.h"
#include "win.h"

extern const struct cordon_backend cordon__backend_windows_unelevated;

/* ---- the test seam --------------------------------------------------------------- */

static SRWLOCK seam_lock = SRWLOCK_INIT;
static char *seam_runner;
static char seam_group[CORDON__WIN_SID_MAX];

void cordon__win_elevated_seam(const char *runner, const char *group_sid)
{
    AcquireSRWLockExclusive(&seam_lock);
    free(seam_runner);
    seam_runner = runner ? cordon__strdup(runner) : NULL;
    snprintf(seam_group, sizeof seam_group, "%s", runner && group_sid ? group_sid : "");
    ReleaseSRWLockExclusive(&seam_lock);
}

/* A copy of the seam's runner (caller frees) and group, or NULL. */
static char *seam_get(char group[CORDON__WIN_SID_MAX])
{
    char *r;
    AcquireSRWLockShared(&seam_lock);
    r = seam_runner ? cordon__strdup(seam_runner) : NULL;
    snprintf(group, CORDON__WIN_SID_MAX, "%s", seam_group);
    ReleaseSRWLockShared(&seam_lock);
    return r;
}

/* ---- probe ---------------------------------------------------------------------- */

static void elevated_probe(const struct cordon__plan *plan, struct cordon__probe *out)
{
    struct cordon__win_probe_facts *pf;
    char group[CORDON__WIN_SID_MAX];
    char *seam = seam_get(group);

    memset(out, 0, sizeof *out);
    if (plan->mode == CORDON_MODE_FULL_ACCESS) {
        snprintf(out->why_not, sizeof out->why_not, "the full-access policy runs unrestricted");
        free(seam);
        return;
    }
    if (seam) {
        snprintf(out->why_not, sizeof out->why_not, "%s", CORDON__WIN_SEAM_SET);
        free(seam);
        return;
    }
    pf = cordon__xcalloc(1, sizeof *pf);
    if (!pf) {
        snprintf(out->why_not, sizeof out->why_not, "out of memory probing the setup");
        return;
    }
    cordon__win_elevated_facts(NULL, pf);
    cordon__win_elevated_secrets(plan, pf); /* secrets_read: elevated_secrets.c */
    /* prepare grants the roots to the sandbox group (or fails naming the
     * root), and the launch exists. */
    pf->f.roots_writable = 1;
    pf->w.launch_missing = CORDON__WIN_LAUNCH_MISSING;
    cordon__elevated_readiness(&pf->f, plan, out);
    if (out->ready) {
        /* The levels of the token the runner builds: the unelevated tier's
         * probe of the same write-restricted token on this host. Only
         * when everything else holds: it costs a token and a scan. */
        struct cordon__probe *tok = cordon__xcalloc(1, sizeof *tok);
        if (tok) {
            cordon__backend_windows_unelevated.probe(plan, tok);
            pf->w.token = tok->ready ? tok : NULL;
            memset(out, 0, sizeof *out);
            cordon__elevated_readiness(&pf->f, plan, out);
            free(tok);
        }
    }
    cordon__win_probe_facts_free(pf);
    free(pf);
}

/* ---- prepare ---------------------------------------------------------------------- */

/* The sandbox group's SID from this host's trusted marker (or the seam). */
static cordon_error group_sid_now(char out[CORDON__WIN_SID_MAX])
{
    struct cordon__win_probe_facts *pf;
    char *seam = seam_get(out);
    cordon_error e = CORDON_OK;

    if (seam) {
        free(seam);
        return out[0] ? CORDON_OK
                      : cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "the seam names no group SID");
    }
    pf = cordon__xcalloc(1, sizeof *pf);
    if (!pf)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the setup marker");
    cordon__win_elevated_marker(pf);
    if (!pf->f.marker)
        e = cordon__fail(CORDON_ERR_SETUP, "windows-elevated cannot run commands: %s",
                         pf->f.marker_found ? pf->f.marker_error : "setup has not been run");
    else
        snprintf(out, CORDON__WIN_SID_MAX, "%s", pf->f.marker->sandbox_group.id);
    cordon__win_probe_facts_free(pf);
    free(pf);
    return e;
}

static cordon_error elevated_prepare(const struct cordon__plan *plan)
{
    struct cordon__plan with_group;
    struct cordon__win_ace *aces = NULL;
    size_t n = 0;
    char group[CORDON__WIN_SID_MAX];
    cordon_error e;

    if (!plan->windows_plan.sandboxed)
        return cordon__fail(CORDON_ERR_NO_BACKEND, "windows-elevated got a full-access plan");
    if ((e = group_sid_now(group)) != CORDON_OK)
        return e;
    /* Its ACEs are cordon's for grants list/revoke and the originals. */
    cordon__win_tier_sid_register(group);
    if ((e = cordon__win_elevated_aces(&plan->windows_plan, group, &aces, &n)) != CORDON_OK)
        return e;
    /* The same plan with the group's ACEs beside the unelevated ones: only
     * the ACE list differs, everything else is shared with |plan|. */
    with_group = *plan;
    with_group.windows_plan.aces = aces;
    with_group.windows_plan.n_aces = n;
    e = cordon__win_prepare(&with_group);
    cordon__win_aces_free(aces, n);
    return e;
}

/* ---- spawn ------------------------------------------------------------------------- */

/* DPAPI blobs carry their flags at a fixed offset (version, provider
 * GUID, master key version and GUID before them); CRYPTPROTECT_LOCAL_
 * MACHINE there marks a machine-scope blob. 1 machine, 0 user or unknown. */
int cordon__win_cred_machine_scope(const char *path)
{
    wchar_t *w = cordon__win_wide(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                               FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL)
                 : INVALID_HANDLE_VALUE;
    unsigned char b[44];
    DWORD got = 0;
    int machine = 0;
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    /* Version 1, then the DPAPI provider {df9d8cd0-1501-11d1-8c7a-00c04fc297eb}. */
    static const unsigned char head[20] = {1,    0,    0,    0,    0xd0, 0x8c, 0x9d,
                                           0xdf, 0x01, 0x15, 0xd1, 0x11, 0x8c, 0x7a,
                                           0x00, 0xc0, 0x4f, 0xc2, 0x97, 0xeb};
    if (ReadFile(h, b, sizeof b, &got, NULL) && got == sizeof b && memcmp(b, head, sizeof head) == 0)
        machine = (b[40] & CRYPTPROTECT_LOCAL_MACHINE) != 0;
    CloseHandle(h);
    return machine;
}

/* The caller's password of |account|; a machine-scope blob is written
 * again in the caller's scope (best effort: the run goes on either way). */
static cordon_error read_password(const char *account, char **pw)
{
    struct cordon__win_elevated_paths paths;
    char *file = NULL;
    const char *me = cordon__win_user_sid();
    cordon_error e;

    *pw = NULL;
    if (!me)
        return cordon__fail(CORDON_ERR_OS, "cannot tell the caller's SID");
    if ((e = cordon__win_elevated_paths(&paths)) != CORDON_OK)
        return e;
    file = cordon__win_cred_file(&paths, me, account);
    if (!file) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    } else if ((e = cordon__win_cred_read(file, account, pw)) != CORDON_OK) {
        e = cordon__fail(CORDON_ERR_SETUP, "cannot read the stored credential of %s: %s (run "
                                           "cordon-setup refresh-credentials)",
                         account, cordon_last_error());
    } else if (cordon__win_cred_machine_scope(file)) {
        cordon__win_cred_write(file, account, *pw, 0);
    }
    free(file);
    cordon__win_elevated_paths_free(&paths);
    return e;
}

/* Starts the runner as the sandbox user of this run: the seam's runner as
 * the caller, or the marker's runner as the offline or online user with
 * the caller's stored password. On 1326 core's recovery
 * (cordon__win_logon_next): read the credential again and retry, then run
 * the refresh task (as the caller: no UAC prompt; setup let the allowed
 * user run it) and retry once more, then fail naming the fix. */
static cordon_error start_runner(const struct cordon__plan *plan,
                                 struct cordon__win_runner_conn **c)
{
    struct cordon__win_probe_facts *pf = NULL;
    const struct cordon__account *who;
    char group[CORDON__WIN_SID_MAX], *pw = NULL, *text;
    char *seam = seam_get(group);
    unsigned long code = 0, task_code = 0;
    enum cordon__win_task_outcome task = CORDON__WIN_TASK_NOT_RUN;
    enum cordon__win_logon_next next;
    int failures = 0;
    cordon_error e;

    if (seam) {
        e = cordon__win_runner_start(seam, NULL, NULL, NULL, c);
        free(seam);
        return e;
    }
    pf = cordon__xcalloc(1, sizeof *pf);
    if (!pf)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the setup marker");
    cordon__win_elevated_marker(pf);
    if (!pf->f.marker) {
        e = cordon__fail(CORDON_ERR_SETUP, "windows-elevated cannot run commands: %s",
                         pf->f.marker_found ? pf->f.marker_error : "setup has not been run");
        goto done;
    }
    who = plan->network ? &pf->f.marker->online : &pf->f.marker->offline;
    for (;;) {
        if ((e = read_password(who->name, &pw)) != CORDON_OK)
            goto done;
        e = cordon__win_runner_start_ex(pf->f.marker->runner_path, who->name, pw, who->id,
                                        plan->network ? pf->f.marker->offline.id
                                                      : pf->f.marker->online.id,
                                        c, &code);
        cordon__win_password_free(pw);
        pw = NULL;
        /* Only a logon failure core knows is recovered or explained. */
        if (e == CORDON_OK || !code || !cordon__win_logon_error(code))
            goto done;
        next = cordon__win_logon_next(code, ++failures, task);
        if (next == CORDON__WIN_LOGON_GIVE_UP)
            break;
        if (next == CORDON__WIN_LOGON_RUN_TASK) {
            task = cordon__win_refresh_task_run(CORDON__WIN_TASK_WAIT_MS, &task_code);
            if (task != CORDON__WIN_TASK_DONE)
                break;
        }
    }
    text = cordon__win_logon_failed_text(who->name, code, failures, task, task_code);
    e = cordon__fail(CORDON_ERR_SETUP, "%s", text ? text : "cannot start the runner");
    free(text);
done:
    cordon__win_probe_facts_free(pf);
    free(pf);
    return e;
}

static cordon_error elevated_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                                   struct cordon__proc **out)
{
    static const DWORD std_ids[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    struct cordon__ipc_msg m;
    struct cordon__win_runner_conn *c = NULL;
    struct cordon__proc *proc = NULL;
    void *stdio[3];
    cordon_error e;
    int i;

    *out = NULL;
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SPAWN;
    if ((e = cordon__win_runner_request(plan, req->argv, req->envp,
                                        req->cwd ? req->cwd : plan->cwd, &m.spawn)) != CORDON_OK ||
        (e = cordon__win_runner_request_sids(plan, &m.spawn)) != CORDON_OK)
        goto done;
    /* Every stream the caller has is relayed; one it does not have is the
     * null device on the runner's side. */
    for (i = 0; i < 3; i++) {
        HANDLE h = (HANDLE)req->stdio[i];
        if (h == INVALID_HANDLE_VALUE) /* CORDON_STDIO_INHERIT */
            h = GetStdHandle(std_ids[i]);
        stdio[i] = h;
        if (h == NULL || h == INVALID_HANDLE_VALUE)
            m.spawn.stdio_mode[i] = CORDON__IPC_STDIO_NULL;
    }
    proc = cordon__xcalloc(1, sizeof *proc);
    if (!proc) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if ((e = start_runner(plan, &c)) != CORDON_OK)
        goto done;
    if ((e = cordon__win_runner_begin(c, &m.spawn, stdio)) != CORDON_OK)
        goto done;
    proc->runner = c;
    proc->pid = (DWORD)cordon__win_runner_pid(c);
    c = NULL;
    *out = proc;
    proc = NULL;
done:
    cordon__win_runner_close(c);
    free(proc);
    cordon__ipc_msg_free(&m);
    return e;
}

/* ---- the process API on the relay ---------------------------------------------------- */

/* STATUS_DLL_INIT_FAILED: Windows could not initialise the program. */
#define STATUS_DLL_INIT_FAILED_CODE 0xC0000142UL

static cordon_error elevated_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                                  struct cordon__exit *out)
{
    int code = -1, timed_out = 0;
    cordon_error e;

    memset(out, 0, sizeof *out);
    e = cordon__win_runner_wait(proc->runner, timeout_ms, &code, &timed_out);
    out->exit_code = code;
    out->timed_out = timed_out;
    if (e == CORDON_OK && !timed_out && (unsigned long)(DWORD)code == STATUS_DLL_INIT_FAILED_CODE)
        e = cordon__fail(CORDON_ERR_OS,
                         "the command could not start: Windows refused to initialise it "
                         "(STATUS_DLL_INIT_FAILED, 0xC0000142) on the desktop the runner gave it");
    return e;
}

static cordon_error elevated_kill(struct cordon__proc *proc)
{
    cordon__win_runner_kill(proc->runner);
    return CORDON_OK;
}

static int elevated_ended(struct cordon__proc *proc, unsigned long timeout_ms)
{
    return cordon__win_runner_ended(proc->runner, timeout_ms);
}

static long long elevated_pid(const struct cordon__proc *proc)
{
    return cordon__win_runner_pid(proc->runner);
}

static void elevated_cleanup(const struct cordon__plan *plan, struct cordon__proc *proc)
{
    /* A console close waits for runs being cleaned up (process.c). */
    InterlockedIncrement(&cordon__win_cleaning);
    if (proc) {
        /* Ends the command if it still runs, then the runner. */
        cordon__win_runner_close(proc->runner);
        free(proc);
    }
    cordon__win_release_run(plan);
    InterlockedDecrement(&cordon__win_cleaning);
}

const struct cordon_backend cordon__backend_windows_elevated = {
    .name = "windows-elevated",
    .tier = CORDON_TIER_ELEVATED,
    .probe = elevated_probe,
    .prepare = elevated_prepare,
    .spawn = elevated_spawn,
    .wait = elevated_wait,
    .kill = elevated_kill,
    .ended = elevated_ended,
    .pid = elevated_pid,
    .cleanup = elevated_cleanup,
};
