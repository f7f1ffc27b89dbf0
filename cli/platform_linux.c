#include "platform.h"

/* argv is already in the locale's bytes, which cordon passes through. */
int cli_platform_args(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}
