#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

/* argv is already in the locale's bytes, which cordon passes through. */
int cli_platform_args(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

FILE *cli_platform_open_report(const char *path, char *err, size_t errlen)
{
    FILE *f;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open the report %s (open: errno %d, %s%s)", path, e,
                 strerror(e), e == ELOOP ? ": it is a symbolic link" : "");
        return NULL;
    }
    f = fdopen(fd, "wb");
    if (!f) {
        int e = errno;
        close(fd);
        snprintf(err, errlen, "cannot open the report %s (fdopen: errno %d, %s)", path, e,
                 strerror(e));
    }
    return f;
}
