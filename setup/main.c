/* cordon-setup's entry point: arguments, then the OS's steps. */
#include <stdio.h>
#include <string.h>

#include "platform.h"
#include "setup.h"

#if defined(_WIN32)
#define SETUP_HAS_REFRESH 1
static const char usage[] =
    "usage: cordon-setup install [--user [DOMAIN\\]NAME]... [--runner PATH]\n"
    "       cordon-setup verify\n"
    "       cordon-setup status [--json]\n"
    "       cordon-setup uninstall\n"
    "       cordon-setup refresh-credentials\n"
    "install, uninstall and refresh-credentials need an administrator: setup asks\n"
    "once at the UAC prompt. install: the sandbox users and groups, their\n"
    "credentials for each allowed user, the runner, the firewall rules, then the\n"
    "marker; --user names a real user allowed to use the elevated tier (default:\n"
    "the user who started setup). verify changes nothing and exits 1 listing what\n"
    "is wrong (3: not installed). uninstall removes everything install made.\n"
    "refresh-credentials gives both sandbox users new passwords and stores them\n"
    "again for every allowed user; cordon has it done without a prompt by the\n"
    "task \\cordon\\refresh-credentials that install registers for the allowed user.\n";
#else
#define SETUP_HAS_REFRESH 0
static const char usage[] =
    "usage: cordon-setup install [--user NAME]... [--runner PATH]\n"
    "       cordon-setup verify\n"
    "       cordon-setup status [--json]\n"
    "       cordon-setup uninstall\n"
    "Run as root. install: sandbox users and groups, firewall rules, the runner,\n"
    "then the marker; --user names a real user allowed to use the elevated tier\n"
    "(default: the user who ran sudo). verify changes nothing and exits 1 listing\n"
    "what is wrong (3: not installed). uninstall removes everything install made.\n";
#endif

int setup__parse_args(int argc, char **argv, struct setup_args *out, char *err, size_t n)
{
    int i;
    memset(out, 0, sizeof *out);
    if (argc < 2) {
        snprintf(err, n, "a command is required");
        return SETUP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "install") == 0)
        out->command = SETUP_INSTALL;
    else if (strcmp(argv[1], "verify") == 0)
        out->command = SETUP_VERIFY;
    else if (strcmp(argv[1], "status") == 0)
        out->command = SETUP_STATUS;
    else if (strcmp(argv[1], "uninstall") == 0)
        out->command = SETUP_UNINSTALL;
    else if (SETUP_HAS_REFRESH && strcmp(argv[1], "refresh-credentials") == 0)
        out->command = SETUP_REFRESH_CREDENTIALS;
    else if (SETUP_HAS_REFRESH && strcmp(argv[1], "read-grants-worker") == 0)
        out->command = SETUP_GRANTS_WORKER; /* internal: started by install */
    else {
        snprintf(err, n, "unknown command \"%s\"", argv[1]);
        return SETUP_EXIT_USAGE;
    }
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (out->command == SETUP_INSTALL && (strcmp(a, "--user") == 0 || strcmp(a, "--runner") == 0)) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                snprintf(err, n, "%s needs a value", a);
                goto bad;
            }
            if (strcmp(a, "--runner") == 0)
                out->runner = argv[++i];
            else if (cordon__strv_push(&out->users, argv[++i]) != CORDON_OK) {
                snprintf(err, n, "out of memory");
                goto bad;
            }
        } else if (out->command == SETUP_REFRESH_CREDENTIALS && strcmp(a, "--from-task") == 0) {
            /* The refresh task's fixed argument (CORDON__WIN_TASK_ARGS). */
            out->from_task = 1;
        } else if (out->command == SETUP_STATUS && strcmp(a, "--json") == 0) {
            out->json = 1;
        } else if (SETUP_HAS_REFRESH && strcmp(a, "--output") == 0 && i + 1 < argc) {
            /* Internal: the elevated copy writes its output there for the
             * copy that started it to print. */
            out->output = argv[++i];
        } else {
            snprintf(err, n, "unexpected argument \"%s\" for %s", a, argv[1]);
            goto bad;
        }
    }
    return 0;
bad:
    setup__args_free(out);
    return SETUP_EXIT_USAGE;
}

void setup__args_free(struct setup_args *a)
{
    cordon__strv_free(&a->users);
}

int main(int argc, char **argv)
{
    struct setup_args a;
    char err[256];
    int rc;

    /* Windows: argv from the UTF-16 command line in UTF-8 (the C
     * runtime's is in the ANSI code page, which cannot hold every account
     * name a --user may give). */
    if (cli_platform_args(&argc, &argv) != 0) {
        fprintf(stderr, "cordon-setup: cannot read the command line as UTF-16\n");
        return SETUP_EXIT_USAGE;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (setup__parse_args(argc, argv, &a, err, sizeof err) != 0) {
        fprintf(stderr, "cordon-setup: %s\n%s", err, usage);
        return SETUP_EXIT_USAGE;
    }
    rc = setup__run(&a);
    setup__args_free(&a);
    return rc;
}
