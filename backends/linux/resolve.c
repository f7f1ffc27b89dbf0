/* Opening a path of the plan without following a symbolic link on the
 * way; see sandbox.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_SYMLINKS_ 0x04
#define RESOLVE_BENEATH_ 0x08

int cordon__open_nofollow(int dir, const char *rel, int flags)
{
    struct {
        uint64_t flags, mode, resolve;
    } how;
    char part[NAME_MAX + 1];
    int fd, cur = dir;
    const char *p = rel;

    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_NO_SYMLINKS_ | (dir == AT_FDCWD ? 0 : RESOLVE_BENEATH_);
    fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof how);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
    /* EPERM: a seccomp filter of the host refuses openat2 (a container). */
    if (*p == '/') {
        cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
            return -1;
        while (*p == '/')
            p++;
    }
    for (;;) {
        size_t n = 0;
        int next, e, last;
        struct stat st;
        while (p[n] && p[n] != '/')
            n++;
        if (n > NAME_MAX) {
            e = ENAMETOOLONG;
            next = -1;
        } else {
            memcpy(part, p, n);
            part[n] = '\0';
            last = !p[n] || !p[n + strspn(p + n, "/")];
            next = openat(cur, n ? part : ".",
                          (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
            e = errno;
            if (next >= 0 && fstat(next, &st) == 0 && S_ISLNK(st.st_mode)) {
                close(next);
                next = -1;
                e = ELOOP;
            }
        }
        if (cur != dir)
            close(cur);
        if (next < 0) {
            errno = e;
            return -1;
        }
        cur = next;
        p += n;
        while (*p == '/')
            p++;
        if (!*p)
            return cur;
    }
}

