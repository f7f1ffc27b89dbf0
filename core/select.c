/* Backend selection and the levels a run really gets. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void cordon__probe_not_ready(struct cordon__probe *out, const char *fmt, ...)
{
    va_list ap;
    out->ready = 0;
    va_start(ap, fmt);
    vsnprintf(out->why_not, sizeof out->why_not, fmt, ap);
    va_end(ap);
}

void cordon__select(const struct cordon_backend *const *registry, const struct cordon__plan *plan,
                    struct cordon__selection *out)
{
    size_t i, used = 0;
    memset(out, 0, sizeof *out);
    for (i = 0; registry && registry[i]; i++) {
        const struct cordon_backend *b = registry[i];
        struct cordon__probe pr;
        memset(&pr, 0, sizeof pr);
        b->probe(plan, &pr);
        if (pr.ready) {
            out->backend = b;
            out->probe = pr;
            return;
        }
        /* "<name>: <why>; <name>: <why>" */
        if (used < sizeof out->fallback_reason) {
            int n = snprintf(out->fallback_reason + used, sizeof out->fallback_reason - used,
                             "%s%s: %s", used ? "; " : "", b->name,
                             pr.why_not[0] ? pr.why_not : "not ready");
            if (n > 0)
                used += (size_t)n;
        }
    }
}

void cordon__probe_secrets(const struct cordon__plan *plan, struct cordon__probe *out,
                           int can_hide, const char *mechanism, const char *why_not)
{
    cordon_level *lv = &out->level[CORDON_DIM_SECRETS_READ];
    char *why = out->reason[CORDON_DIM_SECRETS_READ];
    size_t i, aliases = 0;
    for (i = 0; i < plan->n_deny; i++)
        aliases += plan->deny[i].alias != 0;
    if (plan->n_deny_listed == 0) {
        *lv = CORDON_LEVEL_NONE;
        snprintf(why, CORDON_REASON_MAX, "the policy denies no reads (deny_read is empty)");
    } else if (!can_hide) {
        *lv = CORDON_LEVEL_NONE;
        snprintf(why, CORDON_REASON_MAX, "deny_read paths stay readable: %s", why_not);
    } else if (plan->n_deny == 0) {
        *lv = CORDON_LEVEL_ENFORCED;
        snprintf(why, CORDON_REASON_MAX, "none of the %zu deny_read paths exists here",
                 plan->n_deny_listed);
    } else {
        char more[64] = "";
        if (aliases)
            snprintf(more, sizeof more, " and %zu other mount%s of them", aliases,
                     aliases == 1 ? "" : "s");
        *lv = CORDON_LEVEL_ENFORCED;
        snprintf(why, CORDON_REASON_MAX, "%zu deny_read path%s%s %s", plan->n_deny - aliases,
                 plan->n_deny - aliases == 1 ? "" : "s", more, mechanism);
    }
}

static void set_level(cordon_levels *lv, cordon_dimension d, cordon_level level, const char *why)
{
    lv->level[d] = level;
    snprintf(lv->reason[d], sizeof lv->reason[d], "%s", why);
}

void cordon__levels_from(const struct cordon__plan *plan, const struct cordon__selection *sel,
                         cordon_levels *out)
{
    int d;
    memset(out, 0, sizeof *out);
    out->n_dims = CORDON_DIM_COUNT;
    snprintf(out->fallback_reason, sizeof out->fallback_reason, "%s", sel->fallback_reason);
    if (!sel->backend) {
        char why[CORDON_REASON_MAX];
        snprintf(why, sizeof why, "no sandbox backend is available for this policy here%s%.400s",
                 sel->fallback_reason[0] ? ": " : "", sel->fallback_reason);
        for (d = 0; d < CORDON_DIM_COUNT; d++)
            set_level(out, (cordon_dimension)d, CORDON_LEVEL_NONE, why);
        out->tier = CORDON_TIER_NONE;
        return;
    }
    snprintf(out->backend, sizeof out->backend, "%s", sel->backend->name);
    out->tier = sel->backend->tier;
    for (d = 0; d < CORDON_DIM_COUNT; d++) {
        cordon_level l = sel->probe.level[d];
        out->level[d] = (unsigned)l <= CORDON_LEVEL_ENFORCED ? l : CORDON_LEVEL_NONE;
        snprintf(out->reason[d], sizeof out->reason[d], "%s", sel->probe.reason[d]);
        if (out->level[d] != CORDON_LEVEL_ENFORCED && !out->reason[d][0])
            snprintf(out->reason[d], sizeof out->reason[d], "%s gives no reason",
                     sel->backend->name);
    }
    /* Where the policy itself allows the action there is nothing to
     * restrict, whatever the backend could do. */
    if (plan->mode == CORDON_MODE_FULL_ACCESS) {
        for (d = 0; d < CORDON_DIM_COUNT; d++)
            set_level(out, (cordon_dimension)d, CORDON_LEVEL_NONE,
                      "the policy is full-access: no sandbox");
    } else if (plan->network) {
        set_level(out, CORDON_DIM_NETWORK, CORDON_LEVEL_NONE, "the policy allows network access");
    }
}

cordon_level cordon_levels_overall(const cordon_levels *levels)
{
    return levels ? levels->level[CORDON_DIM_NETWORK] : CORDON_LEVEL_NONE;
}

cordon_error cordon_levels_check(const cordon_levels *levels, const cordon_requirement *req,
                                 size_t n)
{
    size_t i;
    if (!levels || (n && !req))
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "levels or requirements are NULL");
    for (i = 0; i < n; i++) {
        cordon_dimension d = req[i].dim;
        if ((unsigned)d >= CORDON_DIM_COUNT || (unsigned)req[i].min > CORDON_LEVEL_ENFORCED)
            return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "requirement %zu is out of range", i);
        if (levels->level[d] < req[i].min)
            return cordon__fail(CORDON_ERR_REQUIREMENT,
                                "required %s=%s, but this host gives %s=%s (%s%s%s)",
                                cordon_dimension_name(d), cordon_level_name(req[i].min),
                                cordon_dimension_name(d), cordon_level_name(levels->level[d]),
                                levels->backend[0] ? levels->backend : "no backend",
                                levels->reason[d][0] ? ": " : "", levels->reason[d]);
    }
    return CORDON_OK;
}
