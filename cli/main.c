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
    cordon_error e = cordon_explain(p, a->cwd, a->os, a->json, &text);
    if (e != CORDON_OK)
        return failure(a->command, e);
    fputs(text, stdout);
    cordon_free(text);
    return 0;
}

static int cmd_grants(const struct cli_args *a)
{
    cordon_error e;
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

static int cmd_run(const struct cli_args *a, const cordon_policy *p)
{
    cordon_run_options opts;
    cordon_run_result res;
    cordon_error e;
    int status;
    FILE *report = NULL;

    /* Opened before the command starts: a report that cannot be written
     * fails the run before anything runs. */
    if (a->report) {
        char err[600];
        if (!(report = cli_platform_open_report(a->report, err, sizeof err))) {
            fprintf(stderr, "cordon: %s\n", err);
            return EXIT_CORDON_FAILURE;
        }
    }
    cordon_run_options_init(&opts);
    opts.argv = (const char *const *)a->command_argv;
    opts.cwd = a->cwd;
    opts.timeout_s = a->timeout_s;
    opts.require = a->require;
    opts.n_require = a->n_require;
    fflush(stdout);
    fflush(stderr);
    e = cordon_run(p, &opts, &res);
    status = cordon_exit_status(e, &res);
    if (e != CORDON_OK) {
        const char *msg = cordon_last_error();
        fprintf(stderr, "cordon: %s\n", msg[0] ? msg : cordon_strerror(e));
    } else if (res.timed_out) {
        fprintf(stderr, "cordon: the command timed out and was ended with its process tree\n");
    }
    if (report) {
        char *json = NULL;
        if (cordon_run_report_json(e, &res, &json) != CORDON_OK) {
            fclose(report);
            status = e == CORDON_OK && status == 0 ? EXIT_CORDON_FAILURE : status;
        } else if (write_report(report, a->report, json) != 0) {
            status = e == CORDON_OK && status == 0 ? EXIT_CORDON_FAILURE : status;
        }
        cordon_free(json);
    }
    return status;
}

int main(int argc, char **argv)
{
    struct cli_args a;
    cordon_policy *policy = NULL;
    char err[512];
    int status;
    cordon_error e;

    if (cli_platform_args(&argc, &argv) != 0) {
        fprintf(stderr, "cordon: cannot read the command line\n");
        return EXIT_CORDON_FAILURE;
    }
    if (cli_parse(argc, argv, &a, err, sizeof err) != 0) {
        fprintf(stderr, "cordon: %s\n", err);
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
    default:
        break;
    }
    if ((e = load_policy(&a, &policy)) != CORDON_OK)
        return failure(CLI_LEVEL, e); /* a bad policy is cordon's failure: 125 */
    if (a.command == CLI_LEVEL)
        status = cmd_level(&a, policy);
    else if (a.command == CLI_EXPLAIN)
        status = cmd_explain(&a, policy);
    else
        status = cmd_run(&a, policy);
    cordon_policy_free(policy);
    return status;
}
