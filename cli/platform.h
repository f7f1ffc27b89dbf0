/* The one per-OS piece of the CLI (cli/platform_<os>.c, picked by CMake). */
#ifndef CORDON_CLI_PLATFORM_H
#define CORDON_CLI_PLATFORM_H

/* Makes argv UTF-8 (Windows: from the UTF-16 command line). 0 on success. */
int cli_platform_args(int *argc, char ***argv);

#endif
