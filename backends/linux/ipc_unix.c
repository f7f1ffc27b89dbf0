/* The runner protocol over a unix stream socket (backends/linux/ipc_unix.h):
 * frames from core/ipc.c, descriptors beside them with SCM_RIGHTS. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc_unix.h"

cordon_error cordon__ipc_send(int sock, const struct cordon__ipc_msg *m, const int *fds,
                              size_t n_fds)
{
    struct cordon__buf b = {0};
    cordon_error e;
    size_t off = 0;
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int) * CORDON__IPC_MAX_FDS)];
    } ctl;

    if (n_fds > CORDON__IPC_MAX_FDS)
        return cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "too many descriptors for one message");
    e = cordon__ipc_encode(m, &b);
    if (e != CORDON_OK)
        return e;
    while (off < b.len) {
        struct iovec iov = {b.p + off, b.len - off};
        struct msghdr mh;
        ssize_t w;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        if (off == 0 && n_fds) {
            struct cmsghdr *c;
            memset(&ctl, 0, sizeof ctl);
            mh.msg_control = ctl.space;
            mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
            c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
            memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        w = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int err = errno;
            cordon__buf_free(&b);
            return cordon__sys_fail("cannot send to the runner", "sendmsg", err);
        }
        off += (size_t)w;
    }
    cordon__buf_free(&b);
    return CORDON_OK;
}

void cordon__ipc_reader_free(struct cordon__ipc_reader *r)
{
    size_t i;
    free(r->buf);
    for (i = 0; i < r->n_fds; i++)
        close(r->fds[i]);
    memset(r, 0, sizeof *r);
}

/* Appends what one recvmsg gives; 0 at end of stream. */
static ssize_t fill(int sock, struct cordon__ipc_reader *r)
{
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int) * CORDON__IPC_MAX_FDS)];
    } ctl;
    struct msghdr mh;
    struct iovec iov;
    struct cmsghdr *c;
    ssize_t got;

    if (r->cap - r->len < 65536) {
        size_t nc = r->cap ? r->cap * 2 : 65536;
        unsigned char *nb;
        if (nc > CORDON__IPC_MAX_PAYLOAD + CORDON__IPC_HEADER_SIZE + 65536) {
            errno = EMSGSIZE;
            return -1;
        }
        nb = realloc(r->buf, nc);
        if (!nb) {
            errno = ENOMEM;
            return -1;
        }
        r->buf = nb;
        r->cap = nc;
    }
    memset(&mh, 0, sizeof mh);
    iov.iov_base = r->buf + r->len;
    iov.iov_len = r->cap - r->len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.space;
    mh.msg_controllen = sizeof ctl.space;
    do
        got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return -1;
    for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int), i;
            int *in = (int *)(void *)CMSG_DATA(c);
            for (i = 0; i < n; i++) {
                if (r->n_fds < CORDON__IPC_MAX_FDS)
                    r->fds[r->n_fds++] = in[i];
                else
                    close(in[i]); /* more than any message carries: refused below */
                if (r->n_fds >= CORDON__IPC_MAX_FDS && i + 1 < n)
                    r->fds_overflow = 1;
            }
        }
    }
    if (mh.msg_flags & MSG_CTRUNC)
        r->fds_overflow = 1;
    r->len += (size_t)got;
    return got;
}

cordon_error cordon__ipc_recv(int sock, struct cordon__ipc_reader *r, int timeout_ms,
                              struct cordon__ipc_msg *out)
{
    for (;;) {
        size_t used = 0, need = 0;
        cordon_error e;
        ssize_t got;
        if (r->len) {
            e = cordon__ipc_decode(r->buf, r->len, out, &used, &need);
            if (e != CORDON_OK)
                return e;
            if (used) {
                memmove(r->buf, r->buf + used, r->len - used);
                r->len -= used;
                if (r->fds_overflow) {
                    cordon__ipc_msg_free(out);
                    return cordon__fail(CORDON_ERR_IO,
                                        "runner protocol: more descriptors than a message carries");
                }
                return CORDON_OK;
            }
        }
        if (timeout_ms >= 0) {
            struct pollfd p = {sock, POLLIN, 0};
            int n;
            do
                n = poll(&p, 1, timeout_ms);
            while (n < 0 && errno == EINTR);
            if (n == 0)
                return CORDON_ERR_UNSUPPORTED; /* timed out: the caller decides */
            if (n < 0)
                return cordon__sys_fail("cannot wait for the runner", "poll", errno);
        }
        got = fill(sock, r);
        if (got < 0)
            return cordon__sys_fail("cannot read from the runner's socket", "recvmsg", errno);
        if (got == 0)
            return cordon__fail(CORDON_ERR_IO, "runner protocol: the other side closed the "
                                "connection%s", r->len ? " in the middle of a message" : "");
    }
}
