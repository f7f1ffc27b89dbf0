/* The CLI's argument parser, called directly. */
#include "args.h"
#include "harness.h"

static int parse(struct cli_args *a, char *err, const char *const *argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return cli_parse(argc, (char *const *)argv, a, err, 256);
}

int main(void)
{
    struct cli_args a;
    char err[256];

    {
        const char *v[] = {"cordon", "run", "--policy", "read-only", "-w", "src", "--writable-root=lib",
                           "-C", "/w", "--network", "on", "--require", "network=enforced",
                           "--require=fs_write=advisory", "--timeout", "5", "--report", "r.json",
                           "--quiet", "--", "git", "--version", NULL};
        CHECK(parse(&a, err, v) == 0);
        CHECK(a.command == CLI_RUN && !strcmp(a.policy_name, "read-only"));
        CHECK(a.n_roots == 2 && !strcmp(a.roots[0], "src") && !strcmp(a.roots[1], "lib"));
        CHECK(!strcmp(a.cwd, "/w") && a.network == 1 && a.timeout_s == 5 && a.timeout_set);
        CHECK(a.n_require == 2 && a.require[0].dim == CORDON_DIM_NETWORK &&
              a.require[0].min == CORDON_LEVEL_ENFORCED && a.require[1].dim == CORDON_DIM_FS_WRITE &&
              a.require[1].min == CORDON_LEVEL_ADVISORY);
        CHECK(!strcmp(a.report, "r.json") && a.quiet);
        CHECK(!strcmp(a.command_argv[0], "git") && !strcmp(a.command_argv[1], "--version") &&
              a.command_argv[2] == NULL);
    }
    {
        /* The command starts at the first non-option; its options are its own. */
        const char *v[] = {"cordon", "run", "ls", "-w", NULL};
        CHECK(parse(&a, err, v) == 0 && !strcmp(a.command_argv[0], "ls") && a.n_roots == 0);
    }
    {
        const char *v[] = {"cordon", "explain", "--os", "windows", "--json", "--policy-file", "p.toml", NULL};
        CHECK(parse(&a, err, v) == 0 && a.command == CLI_EXPLAIN && !strcmp(a.os, "windows") &&
              a.json && !strcmp(a.policy_file, "p.toml"));
    }
    {
        const char *v[] = {"cordon", "explain", "--os", "windows", "--tier", "elevated", NULL};
        CHECK(parse(&a, err, v) == 0 && a.command == CLI_EXPLAIN && !strcmp(a.tier, "elevated"));
    }
    {
        const char *v[] = {"cordon", "grants", "revoke", "--all", NULL};
        CHECK(parse(&a, err, v) == 0 && a.command == CLI_GRANTS && a.grants_all);
    }
    {
        const char *v[] = {"cordon", "level", "--cache", "none", NULL};
        CHECK(parse(&a, err, v) == 0 && a.command == CLI_LEVEL && a.cache == 0);
    }
    {
        const char *v[] = {"cordon", "run", "--cache=sandbox", "x", NULL};
        CHECK(parse(&a, err, v) == 0 && a.cache == 1);
    }
    {
        const char *v[] = {"cordon", "cache", "clear", NULL};
        CHECK(parse(&a, err, v) == 0 && a.command == CLI_CACHE && !strcmp(a.cache_action, "clear"));
        CHECK_CONTAINS(cli_usage("cache"), "usage: cordon cache path");
    }
    {
        const char *v[] = {"cordon", "level", "--help", NULL};
        CHECK(parse(&a, err, v) == 0 && a.command == CLI_HELP && !strcmp(a.help_topic, "level"));
        CHECK_CONTAINS(cli_usage("level"), "usage: cordon level");
    }
    {
        struct {
            const char *argv[8];
            const char *msg;
        } bad[] = {
            {{"cordon", NULL}, "no command given"},
            {{"cordon", "fly", NULL}, "unknown command 'fly'"},
            {{"cordon", "run", NULL}, "run: no command given"},
            {{"cordon", "run", "--", NULL}, "run: no command given"},
            {{"cordon", "run", "--policy", NULL}, "--policy needs a NAME"},
            {{"cordon", "run", "--policy", "a", "--policy-file", "b", "x", NULL}, "give one --policy"},
            {{"cordon", "run", "--network", "maybe", "x", NULL}, "--network takes on or off"},
            {{"cordon", "run", "--timeout", "-1", "x", NULL}, "--timeout takes whole seconds"},
            {{"cordon", "run", "--timeout", "9999999", "x", NULL}, "--timeout takes whole seconds"},
            {{"cordon", "run", "--require", "network", "x", NULL}, "--require takes DIM=LEVEL"},
            {{"cordon", "run", "--require", "network=strong", "x", NULL}, "--require takes DIM=LEVEL"},
            {{"cordon", "level", "--timeout", "3", NULL}, "unknown option '--timeout'"},
            {{"cordon", "level", "extra", NULL}, "level: unexpected argument 'extra'"},
            {{"cordon", "explain", "--os", "mac", NULL}, "--os takes linux or windows"},
            {{"cordon", "explain", "--tier", "root", NULL}, "--tier takes elevated or unelevated"},
            {{"cordon", "level", "--tier", "elevated", NULL}, "unknown option '--tier'"},
            {{"cordon", "run", "--json", "x", NULL}, "unknown option '--json'"},
            {{"cordon", "grants", NULL}, "grants: expected list, revoke or close-holes"},
            {{"cordon", "grants", "revoke", NULL}, "give a ROOT or --all"},
            {{"cordon", "grants", "list", "x", NULL}, "unexpected argument 'x'"},
            {{"cordon", "run", "-w", "", "x", NULL}, "-w needs a DIR"},
            {{"cordon", "cache", NULL}, "cache: expected path or clear"},
            {{"cordon", "run", "--cache", "shared", "x", NULL}, "--cache takes sandbox or none"},
            {{"cordon", "cache", "path", "clear", NULL}, "cache: unexpected argument 'clear'"},
            {{"cordon", "cache", "empty", NULL}, "cache: unexpected argument 'empty'"},
        };
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            CHECK_MSG(parse(&a, err, bad[i].argv) == -1, "case %zu accepted", i);
            CHECK_CONTAINS(err, bad[i].msg);
        }
    }
    {
        /* The report of a refused run command line is still found. */
        static const struct {
            const char *argv[8];
            const char *want;
        } rep[] = {
            {{"cordon", "run", "--report", "r.json", "--frob", "--", "x", NULL}, "r.json"},
            {{"cordon", "run", "-w", "--report", "--report=r2.json", "x", NULL}, "r2.json"},
            {{"cordon", "run", "--timeout", "soon", "--report", "r3.json", NULL}, "r3.json"},
            {{"cordon", "run", "--frob", "--report", "r4.json", NULL}, "r4.json"},
            {{"cordon", "run", "--", "x", "--report", "r.json", NULL}, NULL},
            {{"cordon", "run", "x", "--report", "r.json", NULL}, NULL},
            {{"cordon", "level", "--report", "r.json", NULL}, NULL},
            {{"cordon", "run", "--report", NULL}, NULL},
        };
        size_t i;
        for (i = 0; i < sizeof rep / sizeof rep[0]; i++) {
            int n = 0;
            const char *got;
            while (rep[i].argv[n])
                n++;
            got = cli_report_path(n, (char *const *)rep[i].argv);
            CHECK_MSG(rep[i].want ? got && !strcmp(got, rep[i].want) : got == NULL,
                      "case %zu: %s", i, got ? got : "(none)");
        }
    }
    TEST_MAIN_END();
}
