/* The runner protocol (core/ipc.c): the framing cordon and cordon-runner
 * speak on both OSes (Linux: a socketpair, stdio passed as descriptors with
 * SCM_RIGHTS beside the spawn request; Windows: named pipes, handles
 * duplicated into the runner or relayed as STDIO messages).
 *
 * A frame is an 8-byte header followed by |length| bytes of payload:
 *   u32 length   payload bytes, little-endian, at most CORDON__IPC_MAX_PAYLOAD
 *   u8  version  CORDON__IPC_VERSION; any other value is refused
 *   u8  type     enum cordon__ipc_type
 *   u16 reserved zero
 * Payload fields are little-endian integers, strings as u32 length + bytes
 * (no NUL byte inside) and string lists as u32 count + strings. Every byte
 * of the payload must be consumed by its type's fields: trailing bytes, an
 * unknown type, flag or enum value, an out-of-range count or a string with
 * a NUL make the frame invalid. The decoder reads untrusted bytes (the
 * runner's request comes from an unprivileged caller) and is fuzzed
 * (fuzz/fuzz_ipc.c).
 */
#ifndef CORDON_IPC_H
#define CORDON_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define CORDON__IPC_VERSION 3
#define CORDON__IPC_HEADER_SIZE 8
#define CORDON__IPC_MAX_PAYLOAD (1u << 20)
/* The most strings a list may hold (argv, environment, roots). */
#define CORDON__IPC_MAX_LIST 8192

enum cordon__ipc_type {
    CORDON__IPC_SPAWN = 1,   /* cordon -> runner: run this command */
    CORDON__IPC_STDIO = 2,   /* either way: relayed stdio data; empty = end of stream */
    CORDON__IPC_SIGNAL = 3,  /* cordon -> runner: interrupt, terminate or kill the command */
    CORDON__IPC_STARTED = 4, /* runner -> cordon: the command runs, with this process id */
    CORDON__IPC_EXIT = 5,    /* runner -> cordon: how the command ended */
    CORDON__IPC_ERROR = 6    /* runner -> cordon: the command did not run, and why */
};

/* SPAWN flags. */
#define CORDON__IPC_SPAWN_NETWORK 1u     /* network allowed: the online identity */
#define CORDON__IPC_SPAWN_PRIVATE_TMP 2u /* the command gets its own temp dir */
/* What the levels cordon reported for this run assume of the runner's own
 * launch (Linux): the runner refuses at stage "setup", before anything
 * runs, when it would apply less, so that cordon probes again and reports
 * what really holds. */
#define CORDON__IPC_SPAWN_EXPECT_NS 4u        /* user, mount and pid namespaces */
#define CORDON__IPC_SPAWN_EXPECT_LANDLOCK 8u  /* Landlock */
#define CORDON__IPC_SPAWN_EXPECT_SECCOMP 16u  /* seccomp filters */
#define CORDON__IPC_SPAWN_EXPECT_GATE 32u     /* the seccomp unix socket gate */
#define CORDON__IPC_SPAWN_EXPECT_ALL                                                   \
    (CORDON__IPC_SPAWN_EXPECT_NS | CORDON__IPC_SPAWN_EXPECT_LANDLOCK |                  \
     CORDON__IPC_SPAWN_EXPECT_SECCOMP | CORDON__IPC_SPAWN_EXPECT_GATE)
#define CORDON__IPC_SPAWN_FLAGS_ALL                                                    \
    (CORDON__IPC_SPAWN_NETWORK | CORDON__IPC_SPAWN_PRIVATE_TMP | CORDON__IPC_SPAWN_EXPECT_ALL)

/* How each stdio stream reaches the command. */
enum cordon__ipc_stdio_mode {
    CORDON__IPC_STDIO_PASSED = 0,  /* a descriptor/handle travels with the request */
    CORDON__IPC_STDIO_RELAYED = 1, /* data flows in STDIO messages */
    CORDON__IPC_STDIO_NULL = 2     /* the null device */
};

enum cordon__ipc_signal {
    CORDON__IPC_SIG_INTERRUPT = 1,
    CORDON__IPC_SIG_TERMINATE = 2,
    CORDON__IPC_SIG_KILL = 3       /* the whole process tree, now */
};

/* Where the runner stopped when it sends ERROR. Append-only. */
enum cordon__ipc_stage {
    CORDON__IPC_STAGE_REQUEST = 1,      /* reading or decoding the request */
    CORDON__IPC_STAGE_CALLER = 2,       /* the caller is not allowed */
    CORDON__IPC_STAGE_SETUP = 3,        /* the setup marker or sandbox users */
    CORDON__IPC_STAGE_STDIO = 4,        /* receiving or installing stdio */
    CORDON__IPC_STAGE_IDENTITY = 5,     /* switching to the sandbox user */
    CORDON__IPC_STAGE_CAPABILITIES = 6, /* dropping capabilities, no_new_privs */
    CORDON__IPC_STAGE_RESTRICT = 7,     /* the defence-in-depth restrictions */
    CORDON__IPC_STAGE_CWD = 8,          /* entering the working directory */
    CORDON__IPC_STAGE_EXEC = 9,         /* starting the command */
    CORDON__IPC_STAGE_WAIT = 10,        /* waiting for the command */
    CORDON__IPC_STAGE_LAST = 10
};
/* What a runner program says of its protocol without being run: the
 * Windows runner holds the text CORDON__IPC_RUNNER_TAG_TEXT
 * ("cordon-runner-protocol=3;"), which cordon-setup finds in the file it
 * installs and records in the marker (a runner cannot be started there
 * without a sandbox user's logon). */
#define CORDON__IPC_STR_(x) #x
#define CORDON__IPC_STR(x) CORDON__IPC_STR_(x)
#define CORDON__IPC_RUNNER_TAG "cordon-runner-protocol="
#define CORDON__IPC_RUNNER_TAG_TEXT CORDON__IPC_RUNNER_TAG CORDON__IPC_STR(CORDON__IPC_VERSION) ";"
/* The version the tag in |bytes| names (1-255); -1 when there is none (a
 * runner older than the tag), -2 when two tags name different versions. */
int cordon__ipc_runner_tag(const void *bytes, size_t n);

/* "request", "caller", ...; NULL when out of range. */
const char *cordon__ipc_stage_name(unsigned stage);

struct cordon__ipc_spawn {
    uint32_t flags;                    /* CORDON__IPC_SPAWN_* */
    uint8_t stdio_mode[3];             /* enum cordon__ipc_stdio_mode */
    uint64_t stdio_handle[3];          /* Windows: the duplicated handle; Linux: 0 */
    char *cwd;                         /* absolute */
    struct cordon__strv argv;          /* at least one */
    struct cordon__strv env;           /* "NAME=VALUE", the complete environment */
    struct cordon__strv roots;         /* writable roots, absolute */
    struct cordon__strv protect;       /* protected paths, absolute */
    char *tmp_dir;                     /* the run's temp dir, "" when none */
    struct cordon__strv deny;          /* deny_read paths, absolute (version 2) */
    struct cordon__strv unix_allow;    /* allow_unix_sockets, absolute (version 2) */
    /* Windows: cordon's capability SIDs for the command's write-restricted
     * token (each root's, the run's, the sandbox SID), beside the runner's
     * logon SID and Everyone; each must be of cordon's form. Linux: empty.
     * (version 3) */
    struct cordon__strv sids;
};

struct cordon__ipc_msg {
    enum cordon__ipc_type type;
    struct cordon__ipc_spawn spawn;    /* SPAWN */
    uint8_t stream;                    /* STDIO: 0, 1 or 2 */
    unsigned char *data;               /* STDIO: owned; NULL when empty */
    size_t data_len;
    uint8_t signal;                    /* SIGNAL: enum cordon__ipc_signal */
    uint64_t pid;                      /* STARTED */
    int32_t exit_code, term_signal;    /* EXIT: term_signal 0 when it exited */
    uint16_t stage;                    /* ERROR: enum cordon__ipc_stage */
    int64_t os_code;                   /* ERROR: errno / Win32 code, 0 when none */
    char *message;                     /* ERROR: owned, the runner's sentence */
};

/* Zero-initialised is an empty message; this frees what it owns and
 * zeroes it again. */
void cordon__ipc_msg_free(struct cordon__ipc_msg *m);

/* Appends |m| as one frame to |out|. CORDON_ERR_INVALID_ARGUMENT when it
 * breaks a rule the decoder enforces (the encoder never writes a frame the
 * decoder refuses). */
cordon_error cordon__ipc_encode(const struct cordon__ipc_msg *m, struct cordon__buf *out);

/* Decodes the frame at the start of |buf| (|len| bytes available).
 *   CORDON_OK, *used > 0:  *out holds the message (caller frees it);
 *   CORDON_OK, *used == 0: the frame is not complete yet; *need says how
 *                          many bytes in total it takes (at least the header);
 *   CORDON_ERR_IO:         the bytes are not a valid frame; the message says
 *                          which rule broke and at which payload offset. */
cordon_error cordon__ipc_decode(const void *buf, size_t len, struct cordon__ipc_msg *out,
                                size_t *used, size_t *need);

#endif
