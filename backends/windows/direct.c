/* windows-direct: the full-access "backend". It runs the command as the
 * caller with no restriction at all, so it is ready for full-access plans
 * only; every other plan must find a sandboxing backend or not run. It
 * still owns the process tree (a kill-on-close job) so timeouts end it. */
#include <stdio.h>
#include <string.h>

#include "win.h"

static void direct_probe(const struct cordon__plan *plan, struct cordon__probe *out)
{
    int d;
    memset(out, 0, sizeof *out);
    if (plan->mode != CORDON_MODE_FULL_ACCESS) {
        snprintf(out->why_not, sizeof out->why_not,
                 "windows-direct runs commands unrestricted and only serves full-access policies");
        return;
    }
    out->ready = 1;
    for (d = 0; d < CORDON_DIM_COUNT; d++) {
        out->level[d] = CORDON_LEVEL_NONE;
        snprintf(out->reason[d], sizeof out->reason[d], "full-access policy: no sandbox");
    }
}

static cordon_error direct_prepare(const struct cordon__plan *plan)
{
    if (plan->mode != CORDON_MODE_FULL_ACCESS)
        return cordon__fail(CORDON_ERR_NO_BACKEND,
                            "windows-direct refuses to run a sandboxed policy unrestricted");
    return cordon__win_make_tmp(plan, NULL);
}

static cordon_error direct_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                                 struct cordon__proc **out)
{
    if (plan->mode != CORDON_MODE_FULL_ACCESS)
        return cordon__fail(CORDON_ERR_NO_BACKEND,
                            "windows-direct refuses to run a sandboxed policy unrestricted");
    return cordon__win_spawn(plan, req, NULL, out);
}

static void direct_cleanup(const struct cordon__plan *plan, struct cordon__proc *proc)
{
    cordon__win_proc_free(proc);
    cordon__win_remove_tmp(plan);
}

const struct cordon_backend cordon__backend_windows_direct = {
    .name = "windows-direct",
    .tier = CORDON_TIER_NONE,
    .probe = direct_probe,
    .prepare = direct_prepare,
    .spawn = direct_spawn,
    .wait = cordon__win_wait,
    .kill = cordon__win_kill,
    .ended = cordon__win_ended,
    .pid = cordon__win_pid,
    .cleanup = direct_cleanup,
};
