/* The runner protocol on a unix stream socket (backends/linux/ipc_unix.c),
 * used by the linux-elevated backend and by cordon-runner. */
#ifndef CORDON_IPC_UNIX_H
#define CORDON_IPC_UNIX_H

#include "ipc.h"
#include "linux.h"

#define CORDON__IPC_MAX_FDS 3

/* Bytes received but not yet decoded, and the descriptors that came with
 * them (close-on-exec; the receiver takes them out of fds[]). Zeroed is
 * empty. */
struct cordon__ipc_reader {
    unsigned char *buf;
    size_t len, cap;
    int fds[CORDON__IPC_MAX_FDS];
    size_t n_fds;
    int fds_overflow;
};
void cordon__ipc_reader_free(struct cordon__ipc_reader *r);

/* Sends |m| as one frame with |n_fds| descriptors attached. */
cordon_error cordon__ipc_send(int sock, const struct cordon__ipc_msg *m, const int *fds,
                              size_t n_fds);
/* Receives the next message. |timeout_ms| < 0 waits for ever; on timeout
 * returns CORDON_ERR_UNSUPPORTED without a message. The other side
 * closing, an invalid frame or too many descriptors: CORDON_ERR_IO. */
cordon_error cordon__ipc_recv(int sock, struct cordon__ipc_reader *r, int timeout_ms,
                              struct cordon__ipc_msg *out);

#endif
