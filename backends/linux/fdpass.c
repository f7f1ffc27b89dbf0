/* Descriptors beside a small fixed-size message (SCM_RIGHTS), for the
 * launch's own channels: the network namespace to the command, the unix
 * socket gate's listener to the supervisor, connect jobs to its workers.
 * Async-signal-safe (used between fork and exec). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sandbox.h"

int cordon__send_with_fds(int sock, const void *buf, size_t len, const int *fds, size_t n,
                          int flags)
{
    char cbuf[CMSG_SPACE(CORDON__FDPASS_MAX * sizeof(int))];
    struct msghdr msg;
    struct iovec iov;
    ssize_t r;

    if (n > CORDON__FDPASS_MAX)
        return EINVAL;
    memset(&msg, 0, sizeof msg);
    memset(cbuf, 0, sizeof cbuf);
    iov.iov_base = (void *)buf;
    iov.iov_len = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (n) {
        struct cmsghdr *cm;
        msg.msg_control = cbuf;
        msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(n * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
    }
    do
        r = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno ? errno : EIO;
    return r == (ssize_t)len ? 0 : EIO;
}

ssize_t cordon__recv_with_fds(int sock, void *buf, size_t len, int *fds, size_t max, int flags)
{
    char cbuf[CMSG_SPACE(CORDON__FDPASS_MAX * sizeof(int))];
    struct msghdr msg;
    struct cmsghdr *cm;
    struct iovec iov;
    size_t i;
    ssize_t r;

    for (i = 0; i < max; i++)
        fds[i] = -1;
    memset(&msg, 0, sizeof msg);
    iov.iov_base = buf;
    iov.iov_len = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    do
        r = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    for (cm = r >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm; cm = CMSG_NXTHDR(&msg, cm)) {
        size_t n, k;
        int got[CORDON__FDPASS_MAX];
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        if (n > CORDON__FDPASS_MAX)
            n = CORDON__FDPASS_MAX;
        memcpy(got, CMSG_DATA(cm), n * sizeof(int));
        /* Kept up to |max|; any others sent are not ours to hold. */
        for (k = 0; k < n; k++) {
            if (k < max)
                fds[k] = got[k];
            else
                close(got[k]);
        }
    }
    return r;
}
