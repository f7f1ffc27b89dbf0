/* The one per-OS piece of the CLI (cli/platform_<os>.c, picked by CMake). */
#ifndef CORDON_CLI_PLATFORM_H
#define CORDON_CLI_PLATFORM_H

#include <stddef.h>
#include <stdio.h>

/* Makes argv UTF-8 (Windows: from the UTF-16 command line). 0 on success. */
int cli_platform_args(int *argc, char ***argv);

/* Opens (creates or truncates) the run report |path| for writing before
 * the command starts, so that nothing the command does afterwards can
 * redirect cordon's own write (Linux: O_NOFOLLOW, a symlink there is
 * refused). NULL on failure, with a message naming the path and the OS
 * error in |err|. */
FILE *cli_platform_open_report(const char *path, char *err, size_t errlen);

#endif
