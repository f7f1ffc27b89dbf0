/* The public entry points: compile, select, report, run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Host facts + plan + selection for |policy| in |cwd|. |for_run|: the
 * tool cache the plan will grant is made to exist first (a query
 * creates nothing, and plans a missing cache from its path). */
static cordon_error prepare_plan(const cordon_policy *policy, const char *cwd,
                                 struct cordon__plan *plan, struct cordon__selection *sel,
                                 cordon_levels *levels, int for_run)
{
    struct cordon__host host;
    char *here = NULL;
    cordon_error e;

    if (!policy)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "policy is NULL");
    if ((e = cordon__os_host(&host)) != CORDON_OK)
        return e;
    if (for_run && policy->mode == CORDON_MODE_WORKSPACE_WRITE && policy->cache &&
        host.cache_dir && (e = cordon__os_cache_ensure(host.cache_dir)) != CORDON_OK) {
        char detail[CORDON_REASON_MAX];
        snprintf(detail, sizeof detail, "%s", cordon_last_error());
        return cordon__fail(e, "%s; cache = \"none\" in the policy (cordon --cache none) runs "
                               "without the tool cache", detail);
    }
    if (!cwd) {
        if ((e = cordon__os_getcwd(&here)) != CORDON_OK)
            return e;
        cwd = here;
    }
    e = cordon__plan_compile(policy, cwd, &host, plan);
    free(here);
    if (e != CORDON_OK)
        return e;
    plan->for_run = for_run;
    cordon__select(cordon__os_backends(), plan, sel);
    cordon__levels_from(plan, sel, levels);
    return CORDON_OK;
}

cordon_error cordon_level_query(const cordon_policy *policy, const char *cwd, cordon_levels *out)
{
    struct cordon__plan plan;
    struct cordon__selection sel;
    cordon_error e;
    if (!out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "levels output pointer is NULL");
    memset(out, 0, sizeof *out);
    e = prepare_plan(policy, cwd, &plan, &sel, out, 0);
    if (e == CORDON_OK)
        cordon__plan_free(&plan);
    return e;
}

void cordon_run_options_init(cordon_run_options *opts)
{
    if (!opts)
        return;
    memset(opts, 0, sizeof *opts);
    opts->stdio[0] = opts->stdio[1] = opts->stdio[2] = CORDON_STDIO_INHERIT;
    opts->kill_after_s = 5;
}

/* A spawned run. The plan lives until the run is over: the backend's
 * cleanup reads it. */
struct cordon_process {
    struct cordon__plan plan;
    const struct cordon_backend *backend;
    struct cordon__proc *proc;  /* NULL once the run is over */
    long long pid;
    double t0;
    double deadline;            /* monotonic seconds; 0: no run timeout */
    int over;                   /* the outcome is in |result|, state undone */
    cordon_error error;         /* of the wait that ended it */
    char message[1024];         /* its detail, for later calls */
    cordon_run_result result;
};

/* Ends the run's bookkeeping once its outcome is known: the backend
 * releases the process and undoes the run's host state. */
static void finish(struct cordon_process *h, cordon_error e)
{
    h->backend->cleanup(&h->plan, h->proc);
    h->proc = NULL;
    cordon__plan_free(&h->plan);
    h->over = 1;
    h->error = e;
}

cordon_error cordon_spawn(const cordon_policy *policy, const cordon_run_options *opts,
                          cordon_levels *levels, cordon_process **out)
{
    struct cordon_process *h = NULL;
    struct cordon__selection sel;
    struct cordon__strv base = {0}, env = {0};
    struct cordon__spawn req;
    const struct cordon_backend *b = NULL;
    int have_plan = 0, prepared = 0, replanned = 0, levels_out = 0;
    unsigned timeout_s;
    cordon_error e;

    if (levels)
        memset(levels, 0, sizeof *levels);
    if (!out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "process output pointer is NULL");
    *out = NULL;
    if (!opts || !opts->argv || !opts->argv[0] || !opts->argv[0][0])
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "no command to run");
    if (opts->n_require && !opts->require)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "requirements are NULL");
    if ((h = cordon__xcalloc(1, sizeof *h)) == NULL)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory starting %s", opts->argv[0]);

replan:
    if ((e = prepare_plan(policy, opts->cwd, &h->plan, &sel, &h->result.levels, 1)) != CORDON_OK)
        goto done;
    have_plan = 1;
    /* The levels are final once planned: copied out now, before the
     * launch, after which every page the caller writes first is copied
     * (the supervisor starts as a copy of this process). */
    if (levels) {
        *levels = h->result.levels;
        levels_out = 1;
    }
    b = sel.backend;
    if (!b) {
        e = cordon__fail(CORDON_ERR_NO_BACKEND, "no sandbox backend can run this policy here (%s)",
                         sel.fallback_reason[0] ? sel.fallback_reason : "none is built for this OS");
        goto done;
    }
    if ((e = cordon_levels_check(&h->result.levels, opts->require, opts->n_require)) != CORDON_OK)
        goto done;
    if ((e = b->prepare(&h->plan)) != CORDON_OK)
        goto done;
    prepared = 1;
    if (opts->env) {
        size_t i;
        for (i = 0; opts->env[i] && e == CORDON_OK; i++)
            e = cordon__strv_push(&base, opts->env[i]);
    } else {
        e = cordon__os_environ(&base);
    }
    if (e != CORDON_OK)
        goto done;
    if ((e = cordon__plan_environment(&h->plan, (const char *const *)base.v, &env)) != CORDON_OK)
        goto done;
    cordon__strv_free(&base); /* env holds copies; freed before the launch, as above */

    memset(&req, 0, sizeof req);
    req.argv = opts->argv;
    req.envp = (const char *const *)env.v;
    req.cwd = h->plan.cwd;
    memcpy(req.stdio, opts->stdio, sizeof req.stdio);
    req.kill_after_ms = (unsigned long)opts->kill_after_s * 1000ul;
    req.relay_signals = opts->relay_signals;
    h->t0 = cordon__os_now();
    if ((e = b->spawn(&h->plan, &req, &h->proc)) != CORDON_OK) {
        if (cordon__os_replan() && !replanned) {
            /* The host lacks what the run's probe assumed: planned and
             * selected again from what the launch found, so that the
             * levels and requirements are those of what really runs. */
            b->cleanup(&h->plan, NULL);
            prepared = 0;
            cordon__plan_free(&h->plan);
            have_plan = 0;
            cordon__strv_free(&base);
            cordon__strv_free(&env);
            replanned = 1;
            levels_out = 0;
            goto replan;
        }
        goto done;
    }
    h->backend = b;
    h->pid = b->pid ? b->pid(h->proc) : -1;
    timeout_s = opts->timeout_s ? opts->timeout_s : h->plan.timeout_s;
    if (timeout_s)
        h->deadline = h->t0 + (double)timeout_s;
done:
    if (levels && !levels_out)
        *levels = h->result.levels;
    if (e == CORDON_OK) {
        *out = h;
    } else {
        /* Spawn failed: the backend undoes what prepare made, keeping
         * the message of what failed for cordon_last_error(). */
        if (prepared) {
            snprintf(h->message, sizeof h->message, "%s", cordon_last_error());
            b->cleanup(&h->plan, NULL);
            cordon__fail(e, "%s", h->message);
        }
        if (have_plan)
            cordon__plan_free(&h->plan);
        free(h);
    }
    cordon__strv_free(&base);
    cordon__strv_free(&env);
    return e;
}

cordon_error cordon_wait(cordon_process *h, unsigned long timeout_ms, cordon_run_result *result)
{
    const struct cordon_backend *b;
    struct cordon__exit ex;
    unsigned long run_ms = 0; /* the backend's wait: 0 = until the end */
    cordon_error e;

    if (!h || !result)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "process or result pointer is NULL");
    if (h->over) {
        *result = h->result;
        return h->error == CORDON_OK ? CORDON_OK : cordon__fail(h->error, "%s", h->message);
    }
    b = h->backend;
    if (h->deadline > 0) {
        double left = h->deadline - cordon__os_now();
        run_ms = left <= 0 ? 1 : (unsigned long)(left * 1000.0) + 1;
    }
    if (timeout_ms != CORDON_WAIT_INFINITE && (run_ms == 0 || timeout_ms < run_ms)) {
        /* The caller's limit comes first: wait without ending anything. */
        if (!b->ended)
            return cordon__fail(CORDON_ERR_UNSUPPORTED,
                                "%s cannot wait for a command with a timeout", b->name);
        if (!b->ended(h->proc, timeout_ms))
            return cordon__fail(CORDON_ERR_TIMEOUT, "the command is still running after %lu ms",
                                timeout_ms);
        run_ms = 0; /* it has ended: collect its status */
    }
    memset(&ex, 0, sizeof ex);
    e = b->wait(h->proc, run_ms, &ex);
    h->result.duration_s = cordon__os_now() - h->t0;
    if (e != CORDON_OK) {
        snprintf(h->message, sizeof h->message, "%s", cordon_last_error());
        b->kill(h->proc);
    } else {
        h->result.exit_code = ex.exit_code;
        h->result.term_signal = ex.term_signal;
        h->result.timed_out = ex.timed_out;
        h->result.timeout_signal = ex.timeout_signal;
        h->result.denials = ex.denials;
        h->result.denials.n_kinds = CORDON_DENIAL_KIND_COUNT;
    }
    finish(h, e);
    *result = h->result;
    return e == CORDON_OK ? CORDON_OK : cordon__fail(e, "%s", h->message);
}

cordon_error cordon_kill(cordon_process *h)
{
    if (!h)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "process is NULL");
    if (h->over)
        return CORDON_OK;
    return h->backend->kill(h->proc);
}

long long cordon_process_pid(const cordon_process *h)
{
    return h ? h->pid : -1;
}

void cordon_process_free(cordon_process *h)
{
    if (!h)
        return;
    if (!h->over) {
        h->backend->kill(h->proc);
        finish(h, CORDON_OK);
    }
    free(h);
}

cordon_error cordon_run(const cordon_policy *policy, const cordon_run_options *opts,
                        cordon_run_result *result)
{
    cordon_process *h = NULL;
    cordon_error e;

    if (!result)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "result pointer is NULL");
    memset(result, 0, sizeof *result);
    if ((e = cordon_spawn(policy, opts, &result->levels, &h)) != CORDON_OK)
        return e;
    e = cordon_wait(h, CORDON_WAIT_INFINITE, result);
    cordon_process_free(h);
    return e;
}

int cordon_exit_status(cordon_error err, const cordon_run_result *r)
{
    switch (err) {
    case CORDON_OK:
        break;
    case CORDON_ERR_NOT_FOUND:
        return 127;
    case CORDON_ERR_NOT_EXECUTABLE:
        return 126;
    default:
        return 125;
    }
    if (!r)
        return 125;
    if (r->timed_out)
        return 124;
    if (r->term_signal)
        return 128 + r->term_signal;
    return r->exit_code;
}

static void levels_body(struct cordon__json *j, const cordon_levels *lv)
{
    int d;
    cordon__json_kstr(j, "backend", lv->backend[0] ? lv->backend : NULL);
    cordon__json_kstr(j, "tier", cordon_tier_name(lv->tier));
    cordon__json_kstr(j, "enforcement_level", cordon_level_name(cordon_levels_overall(lv)));
    cordon__json_key(j, "dimensions");
    cordon__json_begin_object(j);
    for (d = 0; d < CORDON_DIM_COUNT; d++)
        cordon__json_kstr(j, cordon_dimension_name((cordon_dimension)d),
                          cordon_level_name(lv->level[d]));
    cordon__json_end_object(j);
    cordon__json_key(j, "reasons");
    cordon__json_begin_object(j);
    /* Only degradations: "reasons":{} means everything is enforced. Notes
     * on enforced dimensions appear in the text form and in explain. */
    for (d = 0; d < CORDON_DIM_COUNT; d++) {
        if (lv->level[d] != CORDON_LEVEL_ENFORCED && lv->reason[d][0])
            cordon__json_kstr(j, cordon_dimension_name((cordon_dimension)d), lv->reason[d]);
    }
    cordon__json_end_object(j);
    cordon__json_kstr(j, "fallback_reason", lv->fallback_reason[0] ? lv->fallback_reason : NULL);
}

static cordon_error take(struct cordon__buf *b, char **out)
{
    *out = cordon__buf_take(b);
    return *out ? CORDON_OK : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
}

cordon_error cordon_levels_json(const cordon_levels *lv, char **out)
{
    struct cordon__json j;
    if (!lv || !out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "levels or output pointer is NULL");
    memset(&j, 0, sizeof j);
    cordon__json_begin_object(&j);
    levels_body(&j, lv);
    cordon__json_end_object(&j);
    return take(&j.out, out);
}

cordon_error cordon_levels_text(const cordon_levels *lv, char **out)
{
    struct cordon__buf b = {0};
    int d, first = 1;
    if (!lv || !out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "levels or output pointer is NULL");
    if (lv->backend[0])
        cordon__buf_printf(&b, "Commands run with the %s backend (%s tier).", lv->backend,
                           cordon_tier_name(lv->tier));
    else
        cordon__buf_puts(&b, "No sandbox backend can run this policy here, so commands are refused.");
    cordon__buf_printf(&b, " Network: %s.", cordon_level_name(lv->level[CORDON_DIM_NETWORK]));
    for (d = 0; d < CORDON_DIM_COUNT; d++) {
        cordon__buf_printf(&b, "%s %s is %s", first ? " Guarantees:" : ";",
                           cordon_dimension_name((cordon_dimension)d), cordon_level_name(lv->level[d]));
        if (lv->reason[d][0])
            cordon__buf_printf(&b, " (%s)", lv->reason[d]);
        first = 0;
    }
    cordon__buf_puts(&b, ".");
    if (lv->fallback_reason[0])
        cordon__buf_printf(&b, " Skipped backends: %s.", lv->fallback_reason);
    cordon__buf_puts(&b, "\n");
    return take(&b, out);
}

cordon_error cordon_explain(const cordon_policy *policy, const char *cwd, const char *os, int json,
                            char **out)
{
    return cordon_explain_tier(policy, cwd, os, NULL, json, out);
}

cordon_error cordon_explain_tier(const cordon_policy *policy, const char *cwd, const char *os,
                                 const char *tier, int json, char **out)
{
    struct cordon__host host;
    struct cordon__plan plan;
    struct cordon__selection sel;
    cordon_levels lv;
    char *here = NULL;
    int native = 1, tier_part = 0;
    cordon_error e;

    if (!policy || !out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "policy or output pointer is NULL");
    if (tier && strcmp(tier, "elevated") == 0)
        tier_part = 2;
    else if (tier && strcmp(tier, "unelevated") == 0)
        tier_part = 1;
    else if (tier)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                            "unknown tier '%s' (expected elevated or unelevated)", tier);
    if ((e = cordon__os_host(&host)) != CORDON_OK)
        return e;
    if (os) {
        enum cordon__os target;
        if (strcmp(os, "linux") == 0)
            target = CORDON__OS_LINUX;
        else if (strcmp(os, "windows") == 0)
            target = CORDON__OS_WINDOWS;
        else
            return cordon__fail(CORDON_ERR_INVALID_ARGUMENT,
                                "unknown OS '%s' (expected linux or windows)", os);
        native = target == CORDON__OS_NATIVE;
        if (!native)
            cordon__host_lexical(target, &host);
    }
    if (!cwd) {
        if ((e = cordon__os_getcwd(&here)) != CORDON_OK)
            return e;
        if (!native) {
            /* An example in the other OS's notation: nothing is checked. */
            char *t = cordon__path_translate(host.os, here);
            free(here);
            if ((here = t) == NULL)
                return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        }
        cwd = here;
    }
    if (tier_part == 2 && host.os != CORDON__OS_WINDOWS) {
        free(here);
        return cordon__fail(CORDON_ERR_UNSUPPORTED,
                            "explain shows an elevated plan for Windows only (--os windows): "
                            "the Linux elevated tier's request is made per run by its backend");
    }
    e = cordon__plan_compile(policy, cwd, &host, &plan);
    free(here);
    if (e != CORDON_OK)
        return e;
    plan.explain_tier = tier_part;
    /* Levels come from this host's backends, so only for a native plan. */
    if (native) {
        cordon__select(cordon__os_backends(), &plan, &sel);
        cordon__levels_from(&plan, &sel, &lv);
    }
    if (json) {
        struct cordon__json j;
        memset(&j, 0, sizeof j);
        cordon__json_begin_object(&j);
        cordon__json_key(&j, "plan");
        cordon__plan_json(&plan, &j);
        cordon__json_key(&j, "levels");
        if (native) {
            cordon__json_begin_object(&j);
            levels_body(&j, &lv);
            cordon__json_end_object(&j);
        } else {
            cordon__json_null(&j);
        }
        cordon__json_end_object(&j);
        cordon__buf_puts(&j.out, "\n");
        e = take(&j.out, out);
    } else {
        struct cordon__buf b = {0};
        char *levels = NULL;
        cordon__plan_text(&plan, &b);
        if (tier_part)
            cordon__buf_printf(&b, "  tier: %s (the tier's OS-specific part is shown by --json)\n",
                               tier_part == 2 ? "elevated" : "unelevated");
        if (native && cordon_levels_text(&lv, &levels) == CORDON_OK) {
            cordon__buf_puts(&b, levels);
            free(levels);
        } else if (!native) {
            cordon__buf_puts(&b, "(levels are reported only on the OS the plan is for)\n");
        }
        e = take(&b, out);
    }
    cordon__plan_free(&plan);
    return e;
}

/* Levels a report may show: determined by a selected backend. Anything
 * else (failed before selection, no backend) is null, never "none". */
static int levels_known(const cordon_levels *lv)
{
    return lv && lv->n_dims > 0 && lv->backend[0];
}

/* What each kind of denial means, for the report's readers. */
static const char *denial_why(cordon_denial_kind k)
{
    switch (k) {
    case CORDON_DENIAL_NET_CONNECT:
        return "network off: the sandbox's private network namespace has no route to this "
               "address";
    case CORDON_DENIAL_NET_LOOPBACK:
        return "network off: nothing listens on this loopback port inside the sandbox; the "
               "host's loopback is out of reach";
    case CORDON_DENIAL_NET_SOCKET:
        return "network off: the sandbox refuses sockets of this family";
    case CORDON_DENIAL_UNIX_CONNECT:
        return "a unix socket of a process outside the sandbox, not listed in "
               "allow_unix_sockets";
    case CORDON_DENIAL_KIND_COUNT:
        break;
    }
    return "";
}

/* "denials": one object per kind seen, in kind order ([] when none). */
static void denials_json(struct cordon__json *j, const cordon_denials *d)
{
    unsigned k, n = d->n_kinds < CORDON_DENIAL_KIND_COUNT ? d->n_kinds : CORDON_DENIAL_KIND_COUNT;
    cordon__json_begin_array(j);
    for (k = 0; k < n; k++) {
        char first[CORDON_DENIAL_FIRST_MAX];
        if (!d->count[k])
            continue;
        memcpy(first, d->first[k], sizeof first);
        first[sizeof first - 1] = '\0';
        cordon__json_begin_object(j);
        cordon__json_kstr(j, "kind", cordon_denial_kind_name((cordon_denial_kind)k));
        cordon__json_kint(j, "count", (long long)d->count[k]);
        cordon__json_kstr(j, "first", first[0] ? first : NULL);
        cordon__json_kstr(j, "why", denial_why((cordon_denial_kind)k));
        cordon__json_end_object(j);
    }
    cordon__json_end_array(j);
}

cordon_error cordon_report_json(const cordon_report *rep, char **out)
{
    static const char *const level_keys[] = {"backend", "tier", "enforcement_level", "dimensions",
                                             "reasons", "fallback_reason"};
    const cordon_run_result *r;
    struct cordon__json j;
    int started, outcome;
    size_t i;

    if (!rep || !out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "report or output pointer is NULL");
    r = rep->result;
    started = rep->started && r;
    memset(&j, 0, sizeof j);
    cordon__json_begin_object(&j);
    cordon__json_kbool(&j, "started", started);
    if (r && levels_known(&r->levels)) {
        levels_body(&j, &r->levels);
    } else {
        for (i = 0; i < sizeof level_keys / sizeof level_keys[0]; i++) {
            cordon__json_key(&j, level_keys[i]);
            cordon__json_null(&j);
        }
    }
    /* A run that started but whose outcome was lost still says so. */
    outcome = started && rep->error == CORDON_OK;
    cordon__json_kint(&j, "exit_status",
                      outcome ? cordon_exit_status(CORDON_OK, r)
                              : cordon_exit_status(rep->error ? rep->error : CORDON_ERR_OS, NULL));
    cordon__json_kbool(&j, "ran", started);
    if (outcome) {
        cordon__json_kint(&j, "exit_code", r->exit_code);
        cordon__json_kint(&j, "signal", r->term_signal);
        cordon__json_kbool(&j, "timed_out", r->timed_out);
        cordon__json_kint(&j, "timeout_signal", r->timeout_signal);
        cordon__json_key(&j, "duration_s");
        cordon__json_double(&j, r->duration_s);
        cordon__json_key(&j, "denials");
        denials_json(&j, &r->denials);
    } else {
        static const char *const run_keys[] = {"exit_code", "signal", "timed_out", "timeout_signal",
                                                 "duration_s", "denials"};
        for (i = 0; i < sizeof run_keys / sizeof run_keys[0]; i++) {
            cordon__json_key(&j, run_keys[i]);
            cordon__json_null(&j);
        }
    }
    cordon__json_key(&j, "cost");
    cordon__os_cost_json(&j);
    cordon__json_key(&j, "error");
    if (outcome) {
        cordon__json_null(&j);
    } else {
        cordon_error err = rep->error ? rep->error : CORDON_ERR_OS;
        const char *msg = rep->message ? rep->message : cordon_last_error();
        cordon__json_begin_object(&j);
        cordon__json_kint(&j, "code", err);
        cordon__json_kstr(&j, "name", cordon_strerror(err));
        cordon__json_kstr(&j, "message", msg[0] ? msg : cordon_strerror(err));
        cordon__json_end_object(&j);
    }
    cordon__json_end_object(&j);
    cordon__buf_puts(&j.out, "\n");
    return take(&j.out, out);
}

cordon_error cordon_run_report_json(cordon_error err, const cordon_run_result *r, char **out)
{
    cordon_report rep;
    if (!r || !out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "result or output pointer is NULL");
    memset(&rep, 0, sizeof rep);
    rep.started = err == CORDON_OK;
    rep.error = err;
    rep.result = r;
    return cordon_report_json(&rep, out);
}

cordon_error cordon_grants_list(char **out_json)
{
    struct cordon__json j;
    cordon_error e;
    if (!out_json)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "output pointer is NULL");
    memset(&j, 0, sizeof j);
    if ((e = cordon__os_grants_list(&j)) != CORDON_OK) {
        cordon__buf_free(&j.out);
        return e;
    }
    cordon__buf_puts(&j.out, "\n");
    return take(&j.out, out_json);
}

cordon_error cordon_grants_revoke(const char *root)
{
    return cordon__os_grants_revoke(root);
}

cordon_error cordon_grants_close_holes(const cordon_policy *policy, const char *cwd,
                                       char **out_json)
{
    struct cordon__plan plan;
    struct cordon__selection sel;
    cordon_levels lv;
    struct cordon__json j;
    cordon_error e;
    if (!out_json)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "output pointer is NULL");
    if ((e = prepare_plan(policy, cwd, &plan, &sel, &lv, 0)) != CORDON_OK)
        return e;
    memset(&j, 0, sizeof j);
    e = cordon__os_grants_close_holes(&plan, &j);
    cordon__plan_free(&plan);
    if (e != CORDON_OK) {
        cordon__buf_free(&j.out);
        return e;
    }
    cordon__buf_puts(&j.out, "\n");
    return take(&j.out, out_json);
}

cordon_error cordon_cache_path(char **out)
{
    struct cordon__host host;
    cordon_error e;
    if (!out)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "output pointer is NULL");
    *out = NULL;
    if ((e = cordon__os_host(&host)) != CORDON_OK)
        return e;
    if (!host.cache_dir)
        return cordon__fail(CORDON_ERR_UNSUPPORTED,
                            "no tool cache directory is known for this user (no home directory)");
    *out = cordon__strdup(host.cache_dir);
    return *out ? CORDON_OK : cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
}

cordon_error cordon_cache_clear(void)
{
    struct cordon__host host;
    cordon_error e;
    if ((e = cordon__os_host(&host)) != CORDON_OK)
        return e;
    if (!host.cache_dir)
        return cordon__fail(CORDON_ERR_UNSUPPORTED,
                            "no tool cache directory is known for this user (no home directory)");
    return cordon__os_cache_clear(host.cache_dir);
}
