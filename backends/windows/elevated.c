/* windows-elevated: commands run as the sandbox users cordon-setup made
 * (CordonSandboxOffline, whose traffic Windows Firewall rules scoped to
 * its SID block, or CordonSandboxOnline), started by cordon-runner.exe.
 *
 * Built so far: the probe. It gathers the facts (elevated_facts.c:
 * marker, accounts, the caller's membership, the runner, the caller's
 * credentials, the firewall's state and rules) and core decides
 * (core/readiness.c, core/elevated_windows.c). The launch through the
 * runner is not built yet, so the probe never reports this tier ready:
 * after every other check it names what is missing, and selection falls
 * to windows-unelevated with that reason. prepare and spawn refuse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated_win.h"
#include "win.h"

static void elevated_probe(const struct cordon__plan *plan, struct cordon__probe *out)
{
    struct cordon__win_probe_facts *pf;

    memset(out, 0, sizeof *out);
    if (plan->mode == CORDON_MODE_FULL_ACCESS) {
        snprintf(out->why_not, sizeof out->why_not, "the full-access policy runs unrestricted");
        return;
    }
    pf = cordon__xcalloc(1, sizeof *pf);
    if (!pf) {
        snprintf(out->why_not, sizeof out->why_not, "out of memory probing the setup");
        return;
    }
    cordon__win_elevated_facts(NULL, pf);
    pf->f.roots_writable = 0;
    snprintf(pf->f.roots_error, sizeof pf->f.roots_error, "%s", CORDON__WIN_ROOTS_MISSING);
    pf->w.launch_missing = CORDON__WIN_LAUNCH_MISSING;
    cordon__elevated_readiness(&pf->f, plan, out);
    cordon__win_probe_facts_free(pf);
    free(pf);
}

static cordon_error refuse(void)
{
    return cordon__fail(CORDON_ERR_NO_BACKEND, "windows-elevated cannot run commands: %s",
                        CORDON__WIN_LAUNCH_MISSING);
}

static cordon_error elevated_prepare(const struct cordon__plan *plan)
{
    (void)plan;
    return refuse();
}

static cordon_error elevated_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                                   struct cordon__proc **out)
{
    (void)plan;
    (void)req;
    *out = NULL;
    return refuse();
}

static void elevated_cleanup(const struct cordon__plan *plan, struct cordon__proc *proc)
{
    (void)plan;
    cordon__win_proc_free(proc);
}

const struct cordon_backend cordon__backend_windows_elevated = {
    .name = "windows-elevated",
    .tier = CORDON_TIER_ELEVATED,
    .probe = elevated_probe,
    .prepare = elevated_prepare,
    .spawn = elevated_spawn,
    .wait = cordon__win_wait,
    .kill = cordon__win_kill,
    .ended = cordon__win_ended,
    .pid = cordon__win_pid,
    .cleanup = elevated_cleanup,
};
