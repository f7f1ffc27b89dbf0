#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_main[] =
    "usage: cordon COMMAND [OPTIONS]\n"
    "\n"
    "Runs commands so that they can read the machine, write only inside the\n"
    "workspace and reach the network only when allowed, and reports how\n"
    "strongly this host enforces each of those.\n"
    "\n"
    "commands:\n"
    "  run      run a command in the sandbox\n"
    "  level    what this host enforces for a policy\n"
    "  explain  print the compiled plan for a policy\n"
    "  grants   list or revoke the OS grants cordon added (Windows ACEs)\n"
    "  cache    show or empty the sandbox's tool cache directory\n"
    "\n"
    "cordon COMMAND --help for its options; cordon --version.\n";

#define POLICY_OPTIONS                                                                   \
    "policy options:\n"                                                                  \
    "  --policy NAME            read-only | workspace-write (default) |\n"               \
    "                           workspace-write-online | full-access\n"                  \
    "  --policy-file FILE       a policy file (see docs/policy.md)\n"                    \
    "  -w, --writable-root DIR  a writable root; repeatable; replaces the policy's\n"    \
    "                           roots (relative roots resolve against the cwd)\n"       \
    "  -C, --cwd DIR            the command's working directory\n"                       \
    "  --network on|off         override the policy's network setting\n"                 \
    "  --force-roots            allow roots that are refused by default (/, home,\n"     \
    "                           system directories)\n"                                   \
    "  --cache sandbox|none     override the policy's tool cache setting\n"

static const char usage_run[] =
    "usage: cordon run [POLICY OPTIONS] [--require DIM=LEVEL]... [--timeout S]\n"
    "                  [--kill-after S] [--report FILE] [--quiet] -- COMMAND [ARG...]\n"
    "\n"
    "Runs COMMAND under the policy. Exit status: the command's own; 128+N when\n"
    "it was killed by signal N; 124 on timeout; 126 cannot execute; 127 not\n"
    "found; 125 when cordon itself failed (with a message on stderr).\n"
    "SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to cordon go to the command; it\n"
    "has the terminal while it runs (POSIX).\n"
    "\n" POLICY_OPTIONS
    "run options:\n"
    "  --require DIM=LEVEL      refuse to run unless DIM (fs_write,\n"
    "                           protected_paths, network) is at least LEVEL\n"
    "                           (none, advisory, enforced); repeatable\n"
    "  --timeout S              after S seconds send SIGTERM to the command, then\n"
    "                           end the whole process tree (see --kill-after)\n"
    "  --kill-after S           seconds between that SIGTERM and the end of the\n"
    "                           tree (default 5, 0: at once; POSIX only)\n"
    "  --report FILE            write a JSON record of the run to FILE (opened before\n"
    "                           anything runs; written on every way out)\n"
    "  --quiet                  no line on stderr about what the sandbox refused\n"
    "                           when the command fails (the report still lists it)\n";

static const char usage_level[] =
    "usage: cordon level [POLICY OPTIONS] [--require DIM=LEVEL]... [--json]\n"
    "\n"
    "Says which backend would run commands under the policy here, and per\n"
    "dimension the level really enforced (enforced, advisory or none) with the\n"
    "reason. Runs nothing. With --require, exits 125 when a floor is not met.\n"
    "\n" POLICY_OPTIONS;

static const char usage_explain[] =
    "usage: cordon explain [POLICY OPTIONS] [--os linux|windows]\n"
    "                      [--tier elevated|unelevated] [--json]\n"
    "\n"
    "Prints the plan the policy compiles to: roots, protected paths,\n"
    "environment, stubs and the OS-specific part. --os compiles the plan for\n"
    "the other OS from this host's paths. --tier keeps one tier's part: for\n"
    "Windows, elevated shows the sandbox user, the runner request and the\n"
    "firewall rules expected (any host: cordon explain --os windows --tier\n"
    "elevated --json).\n"
    "\n" POLICY_OPTIONS;

static const char usage_grants[] =
    "usage: cordon grants list\n"
    "       cordon grants revoke ROOT | --all\n"
    "       cordon grants close-holes\n"
    "\n"
    "Lists or removes the ACL entries cordon added on Windows. Linux adds no\n"
    "persistent grants, so the list is empty there.\n"
    "close-holes denies every sandbox the directories outside the workspace\n"
    "that `cordon level` lists as writable through Everyone and that you may\n"
    "change (Windows); they are recorded and revoked like the other grants.\n";

static const char usage_cache[] =
    "usage: cordon cache path\n"
    "       cordon cache clear\n"
    "\n"
    "Commands in workspace-write mode keep the caches of package managers and\n"
    "build tools (npm, pip, cargo, go, ...) in a directory of cordon's own,\n"
    "separate from your tools' caches (policy key cache; docs/policy.md).\n"
    "path prints it; clear empties it.\n";

const char *cli_usage(const char *command)
{
    if (!command)
        return usage_main;
    if (strcmp(command, "run") == 0)
        return usage_run;
    if (strcmp(command, "level") == 0)
        return usage_level;
    if (strcmp(command, "explain") == 0)
        return usage_explain;
    if (strcmp(command, "grants") == 0)
        return usage_grants;
    if (strcmp(command, "cache") == 0)
        return usage_cache;
    return usage_main;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_uint(const char *s, unsigned *out)
{
    char *end;
    unsigned long v;
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    v = strtoul(s, &end, 10);
    if (*end || v > 7ul * 24 * 3600)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_require(const char *s, cordon_requirement *out)
{
    char dim[32];
    const char *eq = strchr(s, '=');
    if (!eq || (size_t)(eq - s) >= sizeof dim)
        return -1;
    memcpy(dim, s, (size_t)(eq - s));
    dim[eq - s] = '\0';
    if (cordon_dimension_parse(dim, &out->dim) != CORDON_OK)
        return -1;
    if (cordon_level_parse(eq + 1, &out->min) != CORDON_OK)
        return -1;
    return 0;
}

/* The value of an option: "--opt=value" or the next argument. */
static const char *opt_value(int argc, char *const *argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == '\0' || (a[n] == '=' && name[1] == '-'));
}

int cli_parse(int argc, char *const *argv, struct cli_args *out, char *err, size_t errlen)
{
    const char *cmd;
    int i;

    memset(out, 0, sizeof *out);
    out->kill_after_s = 5;
    out->network = -1;
    out->cache = -1;
    err[0] = '\0';
    if (argc < 2)
        return fail(err, errlen, "no command given (try: cordon --help)");
    cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        out->command = CLI_HELP;
        out->help_topic = argc > 2 ? argv[2] : NULL;
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        out->command = CLI_VERSION;
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        out->command = CLI_RUN;
    else if (strcmp(cmd, "level") == 0)
        out->command = CLI_LEVEL;
    else if (strcmp(cmd, "explain") == 0)
        out->command = CLI_EXPLAIN;
    else if (strcmp(cmd, "grants") == 0)
        out->command = CLI_GRANTS;
    else if (strcmp(cmd, "cache") == 0)
        out->command = CLI_CACHE;
    else
        return fail(err, errlen,
                    "unknown command '%s' (expected run, level, explain, grants or cache)", cmd);

    for (i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            out->help_topic = cmd;
            out->command = CLI_HELP;
            return 0;
        }
        if (out->command == CLI_CACHE) {
            if (out->cache_action || (strcmp(a, "path") != 0 && strcmp(a, "clear") != 0))
                return fail(err, errlen, "cache: unexpected argument '%s' (expected path or clear)",
                            a);
            out->cache_action = a;
            continue;
        }
        if (out->command == CLI_GRANTS) {
            if (!out->grants_action && (strcmp(a, "list") == 0 || strcmp(a, "revoke") == 0 ||
                                        strcmp(a, "close-holes") == 0)) {
                out->grants_action = a;
            } else if (out->grants_action && strcmp(out->grants_action, "revoke") == 0 &&
                       strcmp(a, "--all") == 0 && !out->grants_root) {
                out->grants_all = 1;
            } else if (out->grants_action && strcmp(out->grants_action, "revoke") == 0 &&
                       a[0] != '-' && !out->grants_root && !out->grants_all) {
                out->grants_root = a;
            } else {
                return fail(err, errlen, "grants: unexpected argument '%s'", a);
            }
            continue;
        }
        if (strcmp(a, "--") == 0) {
            if (out->command != CLI_RUN)
                return fail(err, errlen, "%s takes no command", cmd);
            out->command_argv = argv + i + 1;
            break;
        }
        if (a[0] != '-') {
            if (out->command != CLI_RUN)
                return fail(err, errlen, "%s: unexpected argument '%s'", cmd, a);
            out->command_argv = argv + i;
            break;
        }
        if (is_opt(a, "--policy")) {
            if ((v = opt_value(argc, argv, &i, "--policy")) == NULL)
                return fail(err, errlen, "--policy needs a NAME");
            if (out->policy_file || out->policy_name)
                return fail(err, errlen, "give one --policy or --policy-file");
            out->policy_name = v;
        } else if (is_opt(a, "--policy-file")) {
            if ((v = opt_value(argc, argv, &i, "--policy-file")) == NULL)
                return fail(err, errlen, "--policy-file needs a FILE");
            if (out->policy_file || out->policy_name)
                return fail(err, errlen, "give one --policy or --policy-file");
            out->policy_file = v;
        } else if (is_opt(a, "-w") || is_opt(a, "--writable-root")) {
            if ((v = opt_value(argc, argv, &i, a[1] == '-' ? "--writable-root" : "-w")) == NULL || !*v)
                return fail(err, errlen, "%s needs a DIR", a);
            if (out->n_roots == CLI_MAX_ROOTS)
                return fail(err, errlen, "more than %d writable roots", CLI_MAX_ROOTS);
            out->roots[out->n_roots++] = v;
        } else if (is_opt(a, "-C") || is_opt(a, "--cwd")) {
            if ((v = opt_value(argc, argv, &i, a[1] == '-' ? "--cwd" : "-C")) == NULL || !*v)
                return fail(err, errlen, "%s needs a DIR", a);
            out->cwd = v;
        } else if (is_opt(a, "--network")) {
            if ((v = opt_value(argc, argv, &i, "--network")) == NULL)
                return fail(err, errlen, "--network needs on or off");
            if (strcmp(v, "on") == 0)
                out->network = 1;
            else if (strcmp(v, "off") == 0)
                out->network = 0;
            else
                return fail(err, errlen, "--network takes on or off, not '%s'", v);
        } else if (is_opt(a, "--cache")) {
            if ((v = opt_value(argc, argv, &i, "--cache")) == NULL ||
                (strcmp(v, "sandbox") != 0 && strcmp(v, "none") != 0))
                return fail(err, errlen, "--cache takes sandbox or none");
            out->cache = strcmp(v, "sandbox") == 0;
        } else if (strcmp(a, "--force-roots") == 0) {
            out->force_roots = 1;
        } else if (strcmp(a, "--json") == 0 && out->command != CLI_RUN) {
            out->json = 1;
        } else if (is_opt(a, "--os") && out->command == CLI_EXPLAIN) {
            if ((v = opt_value(argc, argv, &i, "--os")) == NULL ||
                (strcmp(v, "linux") != 0 && strcmp(v, "windows") != 0))
                return fail(err, errlen, "--os takes linux or windows");
            out->os = v;
        } else if (is_opt(a, "--tier") && out->command == CLI_EXPLAIN) {
            if ((v = opt_value(argc, argv, &i, "--tier")) == NULL ||
                (strcmp(v, "elevated") != 0 && strcmp(v, "unelevated") != 0))
                return fail(err, errlen, "--tier takes elevated or unelevated");
            out->tier = v;
        } else if (is_opt(a, "--require") &&
                   (out->command == CLI_RUN || out->command == CLI_LEVEL)) {
            if ((v = opt_value(argc, argv, &i, "--require")) == NULL)
                return fail(err, errlen, "--require needs DIM=LEVEL");
            if (out->n_require == CLI_MAX_REQUIRE)
                return fail(err, errlen, "more than %d --require options", CLI_MAX_REQUIRE);
            if (parse_require(v, &out->require[out->n_require]) != 0)
                return fail(err, errlen,
                            "--require takes DIM=LEVEL with DIM fs_write, protected_paths or "
                            "network and LEVEL none, advisory or enforced; not '%s'",
                            v);
            out->n_require++;
        } else if (is_opt(a, "--timeout") && out->command == CLI_RUN) {
            if ((v = opt_value(argc, argv, &i, "--timeout")) == NULL || parse_uint(v, &out->timeout_s))
                return fail(err, errlen, "--timeout takes whole seconds (0 to 604800)");
            out->timeout_set = 1;
        } else if (is_opt(a, "--kill-after") && out->command == CLI_RUN) {
            if ((v = opt_value(argc, argv, &i, "--kill-after")) == NULL ||
                parse_uint(v, &out->kill_after_s))
                return fail(err, errlen, "--kill-after takes whole seconds (0 to 604800)");
            out->kill_after_set = 1;
        } else if (is_opt(a, "--report") && out->command == CLI_RUN) {
            if ((v = opt_value(argc, argv, &i, "--report")) == NULL || !*v)
                return fail(err, errlen, "--report needs a FILE");
            out->report = v;
        } else if (strcmp(a, "--quiet") == 0 && out->command == CLI_RUN) {
            out->quiet = 1;
        } else {
            return fail(err, errlen, "%s: unknown option '%s' (see cordon %s --help)", cmd, a, cmd);
        }
    }
    if (out->command == CLI_RUN && (!out->command_argv || !out->command_argv[0]))
        return fail(err, errlen, "run: no command given (cordon run [OPTIONS] -- COMMAND [ARG...])");
    if (out->command == CLI_CACHE && !out->cache_action)
        return fail(err, errlen, "cache: expected path or clear");
    if (out->command == CLI_GRANTS) {
        if (!out->grants_action)
            return fail(err, errlen, "grants: expected list, revoke or close-holes");
        if (strcmp(out->grants_action, "revoke") == 0 && !out->grants_root && !out->grants_all)
            return fail(err, errlen, "grants revoke: give a ROOT or --all");
    }
    return 0;
}

const char *cli_report_path(int argc, char *const *argv)
{
    /* The options of `run` that take a separate value. */
    static const char *const with_value[] = {"--policy", "--policy-file", "-w", "--writable-root",
                                             "-C", "--cwd", "--network", "--require",
                                             "--timeout", "--kill-after", "--report"};
    const char *found = NULL;
    int i;
    size_t k;

    if (argc < 3 || strcmp(argv[1], "run") != 0)
        return NULL;
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0 || a[0] != '-')
            break;
        if (strncmp(a, "--report=", 9) == 0) {
            found = a + 9;
            continue;
        }
        for (k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
            if (strcmp(a, with_value[k]) == 0 && i + 1 < argc) {
                if (strcmp(a, "--report") == 0)
                    found = argv[i + 1];
                i++;
                break;
            }
        }
    }
    return found && *found ? found : NULL;
}
