/* linux-direct: the full-access policy, and nothing else. It runs the
 * command as a plain child of the caller; it is the only way cordon runs
 * anything unrestricted, so its probe refuses every other policy. */
#include <stdio.h>
#include <string.h>

#include "process.h"

static void direct_probe(const struct cordon__plan *plan, struct cordon__probe *out)
{
    int d;

    memset(out, 0, sizeof *out);
    for (d = 0; d < CORDON_DIM_COUNT; d++)
        out->level[d] = CORDON_LEVEL_NONE;
    if (plan->mode != CORDON_MODE_FULL_ACCESS) {
        out->ready = 0;
        snprintf(out->why_not, sizeof out->why_not, "runs only the full-access policy");
        return;
    }
    out->ready = 1;
    for (d = 0; d < CORDON_DIM_COUNT; d++)
        snprintf(out->reason[d], sizeof out->reason[d], "full-access runs without a sandbox");
}

static cordon_error direct_prepare(const struct cordon__plan *plan)
{
    (void)plan;
    return CORDON_OK;
}

static cordon_error direct_spawn(const struct cordon__plan *plan, const struct cordon__spawn *req,
                                 struct cordon__proc **out)
{
    struct cordon__launch l;

    if (plan->mode != CORDON_MODE_FULL_ACCESS)
        return cordon__fail(CORDON_ERR_NO_BACKEND,
                            "linux-direct refuses to run a policy other than full-access");
    memset(&l, 0, sizeof l);
    l.req = req;
    return cordon__process_spawn(&l, out);
}

static cordon_error direct_wait(struct cordon__proc *proc, unsigned long timeout_ms,
                                struct cordon__exit *out)
{
    return cordon__process_wait(proc, timeout_ms, out);
}

static cordon_error direct_kill(struct cordon__proc *proc)
{
    return cordon__process_kill(proc);
}

static void direct_cleanup(const struct cordon__plan *plan, struct cordon__proc *proc)
{
    (void)plan;
    cordon__process_free(proc);
}

const struct cordon_backend cordon__backend_linux_direct = {
    .name = "linux-direct",
    .tier = CORDON_TIER_NONE,
    .probe = direct_probe,
    .prepare = direct_prepare,
    .spawn = direct_spawn,
    .wait = direct_wait,
    .kill = direct_kill,
    .ended = cordon__process_ended,
    .pid = cordon__process_pid,
    .cleanup = direct_cleanup,
};
