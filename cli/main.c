/* cordon: the command-line front end. Uses only the public API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cordon.h"
#include "platform.h"

#define EXIT_CORDON_FAILURE 125

static int failure(enum cli_command cmd, cordon_error e)
{
    const char *msg = cordon_last_error();
    fprintf(stderr, "cordon: %s\n", msg[0] ? msg : cordon_strerror(e));
    return cmd == CLI_RUN ? cordon_exit_status(e, NULL) : EXIT_CORDON_FAILURE;
}

static cordon_error load_policy(const struct cli_args *a, cordon_policy **out)
{
    cordon_policy *p = NULL;
    cordon_error e;
    size_t i;

    if (a->policy_file)
        e = cordon_policy_load_file(a->policy_file, &p);
    else
        e = cordon_policy_builtin(a->policy_name ? a->policy_name : "workspace-write", &p);
    if (e != CORDON_OK)
        return e;
    if (a->n_roots) {
        e = cordon_policy_clear_writable_roots(p);
        for (i = 0; e == CORDON_OK && i < a->n_roots; i++)
            e = cordon_policy_add_writable_root(p, a->roots[i]);
    }
    if (e == CORDON_OK && a->network >= 0)
        e = cordon_policy_set_network(p, a->network);
    if (e == CORDON_OK && a->force_roots)
        e = cordon_policy_set_force_roots(p, 1);
    if (e == CORDON_OK && a->cache >= 0)
        e = cordon_policy_set_cache(p, a->cache);
    if (e != CORDON_OK) {
        cordon_policy_free(p);
        return e;
    }
    *out = p;
    return CORDON_OK;
}

/* Writes |text| to |f| (opened before the run) and closes it. */
static int write_report(FILE *f, const char *path, const char *text)
{
    int ok = fputs(text, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        fprintf(stderr, "cordon: cannot write the report %s\n", path);
    return ok ? 0 : -1;
}

static int cmd_level(const struct cli_args *a, const cordon_policy *p)
{
    cordon_levels lv;
    cordon_error e;
    char *text = NULL;

    if ((e = cordon_level_query(p, a->cwd, &lv)) != CORDON_OK)
        return failure(a->command, e);
    e = a->json ? cordon_levels_json(&lv, &text) : cordon_levels_text(&lv, &text);
    if (e != CORDON_OK)
        return failure(a->command, e);
    fputs(text, stdout);
    if (a->json)
        fputc('\n', stdout);
    cordon_free(text);
    if (a->n_require && (e = cordon_levels_check(&lv, a->require, a->n_require)) != CORDON_OK)
        return failure(a->command, e);
    return 0;
}

static int cmd_explain(const struct cli_args *a, const cordon_policy *p)
{
    char *text = NULL;
    cordon_error e = cordon_explain_tier(p, a->cwd, a->os, a->tier, a->json, &text);
    if (e != CORDON_OK)
        return failure(a->command, e);
    fputs(text, stdout);
    cordon_free(text);
    return 0;
}

static int cmd_grants(const struct cli_args *a)
{
    cordon_error e;
    if (strcmp(a->grants_action, "close-holes") == 0) {
        cordon_policy *p = NULL;
        char *json = NULL;
        if ((e = load_policy(a, &p)) != CORDON_OK)
            return failure(a->command, e);
        e = cordon_grants_close_holes(p, a->cwd, &json);
        cordon_policy_free(p);
        if (e != CORDON_OK)
            return failure(a->command, e);
        fputs(json, stdout);
        cordon_free(json);
        return 0;
    }
    if (strcmp(a->grants_action, "list") == 0) {
        char *json = NULL;
        if ((e = cordon_grants_list(&json)) != CORDON_OK)
            return failure(a->command, e);
        fputs(json, stdout);
        cordon_free(json);
        return 0;
    }
    if ((e = cordon_grants_revoke(a->grants_all ? NULL : a->grants_root)) != CORDON_OK)
        return failure(a->command, e);
    return 0;
}

static int cmd_cache(const struct cli_args *a)
{
    cordon_error e;
    if (strcmp(a->cache_action, "path") == 0) {
        char *path = NULL;
        if ((e = cordon_cache_path(&path)) != CORDON_OK)
            return failure(a->command, e);
        printf("%s\n", path);
        cordon_free(path);
        return 0;
    }
    if ((e = cordon_cache_clear()) != CORDON_OK)
        return failure(a->command, e);
    return 0;
}

/* Writes the run report to |f| (opened before anything ran) and closes
 * it. |result| NULL: nothing is known beyond the error. */
static void report_run(FILE *f, const char *path, int started, cordon_error err,
                       const char *message, const cordon_run_result *result)
{
    cordon_report rep;
    char *json = NULL;

    memset(&rep, 0, sizeof rep);
    rep.started = started;
    rep.error = err;
    rep.message = message;
    rep.result = result;
    if (cordon_report_json(&rep, &json) != CORDON_OK) {
        fprintf(stderr, "cordon: cannot write the report %s (%s)\n", path, cordon_last_error());
        fclose(f);
        return;
    }
    write_report(f, path, json);
    cordon_free(json);
}

/* Opens the report of `cordon run` before anything runs; NULL with a
 * message when it cannot be written (no report is possible then). */
static FILE *open_report(const char *path)
{
    char err[600];
    FILE *f = cli_platform_open_report(path, err, sizeof err);
    if (!f)
        fprintf(stderr, "cordon: %s\n", err);
    return f;
}

/* One line on stderr saying what the sandbox refused while a command that
 * then failed ran (the report's "denials"), e.g. "cordon: 2 network
 * connections were refused by the sandbox (network off)". */
static void print_denials(const cordon_denials *d)
{
    static const char *const what[CORDON_DENIAL_KIND_COUNT][2] = {
        {"network connection", "network connections"},
        {"loopback connection (nothing listens there inside)",
         "loopback connections (nothing listens there inside)"},
        {"network socket", "network sockets"},
        {"connection to a unix socket outside", "connections to unix sockets outside"},
    };
    char line[1024], shown[CORDON_DENIAL_FIRST_MAX];
    const char *first = NULL;
    unsigned long long total = 0;
    size_t n = 0;
    unsigned k;
    int net = 0, unix_seen = 0, parts = 0;

    for (k = 0; k < CORDON_DENIAL_KIND_COUNT && k < d->n_kinds; k++) {
        int w;
        if (!d->count[k])
            continue;
        total += d->count[k];
        net |= k != CORDON_DENIAL_UNIX_CONNECT;
        unix_seen |= k == CORDON_DENIAL_UNIX_CONNECT;
        if (!first && d->first[k][0])
            first = d->first[k];
        w = snprintf(line + n, sizeof line - n, "%s%llu %s", parts++ ? ", " : "", d->count[k],
                     what[k][d->count[k] != 1]);
        if (w > 0 && (size_t)w < sizeof line - n)
            n += (size_t)w;
    }
    if (!total)
        return;
    /* The target comes from the command (a unix socket path, an abstract
     * name): no control character reaches the terminal. */
    if (first) {
        size_t i;
        for (i = 0; i + 1 < sizeof shown && first[i]; i++)
            shown[i] = (unsigned char)first[i] < 0x20 || first[i] == 0x7f ? '?' : first[i];
        shown[i] = '\0';
    }
    fprintf(stderr, "cordon: %s %s refused by the sandbox (%s%s%s%s%s)\n", line,
            total == 1 ? "was" : "were", net ? "network off" : "",
            net && unix_seen ? "; " : "",
            unix_seen ? "allow_unix_sockets opens a unix socket outside" : "",
            first ? "; first: " : "", first ? shown : "");
}

/* Runs the command; writes |report| (when not NULL) on every way out.
 * Whenever the command started, the exit status is its own, even when
 * the report cannot be written. */
static int cmd_run(const struct cli_args *a, const cordon_policy *p, FILE *report)
{
    cordon_run_options opts;
    cordon_run_result res;
    cordon_process *proc = NULL;
    cordon_error e;
    int status, started;

    memset(&res, 0, sizeof res);
    cordon_run_options_init(&opts);
    opts.argv = (const char *const *)a->command_argv;
    opts.cwd = a->cwd;
    opts.timeout_s = a->timeout_s;
    if (a->kill_after_set)
        opts.kill_after_s = a->kill_after_s;
    /* cordon stands in for the command: signals, terminal, job control. */
    opts.relay_signals = 1;
    opts.require = a->require;
    opts.n_require = a->n_require;
    fflush(stdout);
    fflush(stderr);
    e = cordon_spawn(p, &opts, &res.levels, &proc);
    started = e == CORDON_OK;
    if (started) {
        e = cordon_wait(proc, CORDON_WAIT_INFINITE, &res);
        cordon_process_free(proc);
    }
    status = started && e == CORDON_OK ? cordon_exit_status(CORDON_OK, &res)
                                       : cordon_exit_status(e, NULL);
    if (e != CORDON_OK) {
        const char *msg = cordon_last_error();
        fprintf(stderr, "cordon: %s\n", msg[0] ? msg : cordon_strerror(e));
    } else if (res.timed_out) {
        fprintf(stderr, "cordon: the command timed out and was ended with its process tree\n");
    }
    if (e == CORDON_OK && status != 0 && !a->quiet)
        print_denials(&res.denials);
    if (report)
        report_run(report, a->report, started, e, NULL, &res);
    return status;
}

int main(int argc, char **argv)
{
    struct cli_args a;
    cordon_policy *policy = NULL;
    FILE *report = NULL;
    char err[512];
    int status;
    cordon_error e;

    if (cli_platform_args(&argc, &argv) != 0) {
        fprintf(stderr, "cordon: cannot read the command line\n");
        return EXIT_CORDON_FAILURE;
    }
    if (cli_parse(argc, argv, &a, err, sizeof err) != 0) {
        const char *path = cli_report_path(argc, argv);
        fprintf(stderr, "cordon: %s\n", err);
        if (path && (report = open_report(path)) != NULL)
            report_run(report, path, 0, CORDON_ERR_INVALID_ARGUMENT, err, NULL);
        return EXIT_CORDON_FAILURE;
    }
    switch (a.command) {
    case CLI_HELP:
        fputs(cli_usage(a.help_topic), stdout);
        return 0;
    case CLI_VERSION:
        printf("cordon %s\n", cordon_version());
        return 0;
    case CLI_GRANTS:
        return cmd_grants(&a);
    case CLI_CACHE:
        return cmd_cache(&a);
    default:
        break;
    }
    /* Before anything else: a report that cannot be written fails the
     * run before anything runs, and every later way out writes it. */
    if (a.command == CLI_RUN && a.report && (report = open_report(a.report)) == NULL)
        return EXIT_CORDON_FAILURE;
    if ((e = load_policy(&a, &policy)) != CORDON_OK) {
        status = failure(CLI_LEVEL, e); /* a bad policy is cordon's failure: 125 */
        if (report)
            report_run(report, a.report, 0, e, NULL, NULL);
        return status;
    }
    if (a.command == CLI_LEVEL)
        status = cmd_level(&a, policy);
    else if (a.command == CLI_EXPLAIN)
        status = cmd_explain(&a, policy);
    else
        status = cmd_run(&a, policy, report);
    cordon_policy_free(policy);
    return status;
}
