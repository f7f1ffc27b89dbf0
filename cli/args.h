/* Command-line parsing of the cordon CLI, separate from main() so that
 * tests can call it directly. */
#ifndef CORDON_CLI_ARGS_H
#define CORDON_CLI_ARGS_H

#include <stddef.h>

#include "cordon.h"

enum cli_command {
    CLI_NONE,
    CLI_RUN,
    CLI_LEVEL,
    CLI_EXPLAIN,
    CLI_GRANTS,
    CLI_HELP,
    CLI_VERSION,
    CLI_CACHE
};

#define CLI_MAX_ROOTS 64
#define CLI_MAX_REQUIRE 16

struct cli_args {
    enum cli_command command;
    const char *help_topic;          /* for CLI_HELP: the command, or NULL */
    const char *policy_name;         /* --policy */
    const char *policy_file;         /* --policy-file */
    const char *roots[CLI_MAX_ROOTS];/* -w, in order */
    size_t n_roots;
    const char *cwd;                 /* -C */
    int network;                     /* -1 unset, 0 off, 1 on */
    int force_roots;
    int cache;                       /* --cache: -1 unset, 0 none, 1 sandbox */
    int json;
    const char *os;                  /* explain --os */
    const char *tier;                /* explain --tier */
    cordon_requirement require[CLI_MAX_REQUIRE];
    size_t n_require;
    unsigned timeout_s;              /* 0: the policy's */
    int timeout_set;
    unsigned kill_after_s;           /* --kill-after; 5 unless set */
    int kill_after_set;
    const char *report;              /* --report FILE */
    int quiet;                       /* --quiet: no denial summary on stderr */
    char *const *command_argv;       /* run: the command, NULL-terminated */
    const char *grants_action;       /* "list" or "revoke" */
    const char *grants_root;         /* revoke ROOT; NULL with --all */
    int grants_all;
    const char *cache_action;        /* "path" or "clear" */
};

/* Parses argv (argv[0] is the program). Pointers in |out| point into argv.
 * Returns 0, or -1 with a one-line message in |err|. */
int cli_parse(int argc, char *const *argv, struct cli_args *out, char *err, size_t errlen);

/* The --report FILE of a `cordon run` command line that cli_parse()
 * refused, found by a lenient scan of the options before the command;
 * NULL when there is none. Lets an argument error still be reported. */
const char *cli_report_path(int argc, char *const *argv);

/* The usage text for |command| (NULL: the overview). */
const char *cli_usage(const char *command);

#endif
