/* cordon-setup: the administrator program of the elevated tier.
 *
 *   cordon-setup install [--user NAME]... [--runner PATH]
 *   cordon-setup verify
 *   cordon-setup status [--json]
 *   cordon-setup uninstall
 *   cordon-setup refresh-credentials        (Windows)
 *
 * main.c parses the arguments (setup__parse_args, callable from tests) and
 * hands over to the OS's steps (linux/steps.c, windows/steps.c). Every step checks before
 * it changes, prints one progress line, and on failure names the step,
 * the path, the OS error and the fix.
 */
#ifndef CORDON_SETUP_H
#define CORDON_SETUP_H

#include <stddef.h>

#include "internal.h"

enum setup_command { SETUP_INSTALL, SETUP_VERIFY, SETUP_STATUS, SETUP_UNINSTALL,
                     SETUP_REFRESH_CREDENTIALS, /* Windows only */
                     SETUP_GRANTS_WORKER /* Windows, internal: install's background read grants */ };

/* Exit statuses. */
#define SETUP_EXIT_OK 0
#define SETUP_EXIT_FAILED 1        /* a step failed, or verify found problems */
#define SETUP_EXIT_USAGE 2
#define SETUP_EXIT_NOT_INSTALLED 3 /* verify: nothing is installed (and nothing is left) */

struct setup_args {
    enum setup_command command;
    struct cordon__strv users; /* --user, in order */
    const char *runner;        /* --runner: the cordon-runner to install */
    int json;                  /* status --json */
    const char *output;        /* Windows: the elevated copy's output file (--output) */
    int from_task;             /* Windows: refresh-credentials --from-task, started by the
                                * refresh task as SYSTEM: never asks for elevation */
};

/* 0, or SETUP_EXIT_USAGE with the message in |err|. |argv| is not kept
 * beyond the strings |out| points at. */
int setup__parse_args(int argc, char **argv, struct setup_args *out, char *err, size_t n);
void setup__args_free(struct setup_args *a);

/* The OS's implementation; returns the exit status. */
int setup__run(const struct setup_args *a);

#endif
