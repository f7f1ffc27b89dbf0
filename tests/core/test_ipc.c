/* The runner protocol's framing: round trips of every message type, and
 * the decoder's refusals (each rule it enforces, truncation anywhere). */
#include <stdint.h>

#include "harness.h"
#include "ipc.h"

static void push(struct cordon__strv *sv, const char *s)
{
    CHECK(cordon__strv_push(sv, s) == CORDON_OK);
}

static void spawn_msg(struct cordon__ipc_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = CORDON__IPC_SPAWN;
    m->spawn.flags = CORDON__IPC_SPAWN_PRIVATE_TMP;
    m->spawn.stdio_mode[2] = CORDON__IPC_STDIO_NULL;
    m->spawn.stdio_handle[1] = 0x1122334455667788ull;
    m->spawn.cwd = cordon__strdup("/work/app");
    push(&m->spawn.argv, "make");
    push(&m->spawn.argv, "test");
    push(&m->spawn.argv, "");
    push(&m->spawn.env, "PATH=/usr/bin");
    push(&m->spawn.env, "EMPTY=");
    push(&m->spawn.roots, "/work/app");
    push(&m->spawn.protect, "/work/app/.git");
    m->spawn.tmp_dir = cordon__strdup("/tmp/cordon-1");
    push(&m->spawn.deny, "/home/ann/.ssh");
    push(&m->spawn.unix_allow, "/run/user/1000/bus");
    push(&m->spawn.sids, "S-1-5-21-1668248164-1-2-3-4-5-6");
}

/* Encodes |m|, decodes it back into |out|; returns the frame length. */
static size_t round_trip(const struct cordon__ipc_msg *m, struct cordon__ipc_msg *out)
{
    struct cordon__buf b = {0};
    size_t used = 0, need = 0, i;
    CHECK(cordon__ipc_encode(m, &b) == CORDON_OK);
    /* Every proper prefix asks for more, never fails or succeeds. */
    for (i = 0; i < b.len; i++) {
        struct cordon__ipc_msg tmp;
        CHECK(cordon__ipc_decode(b.p, i, &tmp, &used, &need) == CORDON_OK);
        CHECK(used == 0 && need > i && need <= b.len);
    }
    CHECK(cordon__ipc_decode(b.p, b.len, out, &used, &need) == CORDON_OK);
    CHECK(used == b.len && need == b.len);
    i = b.len;
    cordon__buf_free(&b);
    return i;
}

static void spawn_round_trip(void)
{
    struct cordon__ipc_msg m, d;
    spawn_msg(&m);
    round_trip(&m, &d);
    CHECK(d.type == CORDON__IPC_SPAWN);
    CHECK(d.spawn.flags == CORDON__IPC_SPAWN_PRIVATE_TMP);
    CHECK(d.spawn.stdio_mode[0] == CORDON__IPC_STDIO_PASSED &&
          d.spawn.stdio_mode[2] == CORDON__IPC_STDIO_NULL);
    CHECK(d.spawn.stdio_handle[1] == 0x1122334455667788ull);
    CHECK_STR(d.spawn.cwd, "/work/app");
    CHECK(d.spawn.argv.n == 3);
    CHECK_STR(d.spawn.argv.v[1], "test");
    CHECK_STR(d.spawn.argv.v[2], "");
    CHECK(d.spawn.env.n == 2);
    CHECK_STR(d.spawn.env.v[1], "EMPTY=");
    CHECK_STR(d.spawn.roots.v[0], "/work/app");
    CHECK_STR(d.spawn.protect.v[0], "/work/app/.git");
    CHECK_STR(d.spawn.tmp_dir, "/tmp/cordon-1");
    CHECK(d.spawn.deny.n == 1 && d.spawn.unix_allow.n == 1);
    CHECK_STR(d.spawn.deny.v[0], "/home/ann/.ssh");
    CHECK_STR(d.spawn.unix_allow.v[0], "/run/user/1000/bus");
    CHECK(d.spawn.sids.n == 1);
    CHECK_STR(d.spawn.sids.v[0], "S-1-5-21-1668248164-1-2-3-4-5-6");
    cordon__ipc_msg_free(&d);

    /* A Windows request: a drive path. */
    free(m.spawn.cwd);
    m.spawn.cwd = cordon__strdup("C:\\src\\app");
    round_trip(&m, &d);
    CHECK_STR(d.spawn.cwd, "C:\\src\\app");
    cordon__ipc_msg_free(&d);

    /* What the levels assume of the runner's launch travels too. */
    m.spawn.flags = CORDON__IPC_SPAWN_NETWORK | CORDON__IPC_SPAWN_EXPECT_ALL;
    round_trip(&m, &d);
    CHECK(d.spawn.flags == (CORDON__IPC_SPAWN_NETWORK | CORDON__IPC_SPAWN_EXPECT_NS |
                            CORDON__IPC_SPAWN_EXPECT_LANDLOCK | CORDON__IPC_SPAWN_EXPECT_SECCOMP |
                            CORDON__IPC_SPAWN_EXPECT_GATE));
    cordon__ipc_msg_free(&d);
    cordon__ipc_msg_free(&m);
}

static void other_round_trips(void)
{
    struct cordon__ipc_msg m, d;
    unsigned char bytes[3] = {0, 'x', 0xff};

    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_STDIO;
    m.stream = 1;
    m.data = bytes;
    m.data_len = sizeof bytes;
    round_trip(&m, &d);
    CHECK(d.type == CORDON__IPC_STDIO && d.stream == 1 && d.data_len == 3 &&
          memcmp(d.data, bytes, 3) == 0);
    cordon__ipc_msg_free(&d);
    m.data = NULL;
    m.data_len = 0; /* end of stream */
    CHECK(round_trip(&m, &d) == CORDON__IPC_HEADER_SIZE + 5);
    CHECK(d.data == NULL && d.data_len == 0);
    cordon__ipc_msg_free(&d);

    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SIGNAL;
    m.signal = CORDON__IPC_SIG_KILL;
    round_trip(&m, &d);
    CHECK(d.type == CORDON__IPC_SIGNAL && d.signal == CORDON__IPC_SIG_KILL);

    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_STARTED;
    m.pid = 4242;
    round_trip(&m, &d);
    CHECK(d.type == CORDON__IPC_STARTED && d.pid == 4242);

    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_EXIT;
    m.exit_code = -3;
    m.term_signal = 9;
    round_trip(&m, &d);
    CHECK(d.exit_code == -3 && d.term_signal == 9);

    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_ERROR;
    m.stage = CORDON__IPC_STAGE_IDENTITY;
    m.os_code = 1;
    m.message = "setresuid to cordon-offline failed";
    round_trip(&m, &d);
    CHECK(d.stage == CORDON__IPC_STAGE_IDENTITY && d.os_code == 1);
    CHECK_STR(d.message, "setresuid to cordon-offline failed");
    CHECK_STR(cordon__ipc_stage_name(d.stage), "identity");
    cordon__ipc_msg_free(&d);
    CHECK(cordon__ipc_stage_name(0) == NULL && cordon__ipc_stage_name(99) == NULL);
}

/* The encoder refuses what the decoder would refuse. */
static void encoder_refuses(void)
{
    struct cordon__ipc_msg m;
    struct cordon__buf b = {0};

    spawn_msg(&m);
    m.spawn.flags = 0x80;
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
    m.spawn.flags = 0;
    free(m.spawn.cwd);
    m.spawn.cwd = cordon__strdup("relative");
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(cordon_last_error(), "not absolute");
    free(m.spawn.cwd);
    m.spawn.cwd = cordon__strdup("/");
    push(&m.spawn.env, "=nameless");
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
    cordon__ipc_msg_free(&m);
    spawn_msg(&m);
    cordon__strv_free(&m.spawn.argv);
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(cordon_last_error(), "argv is empty");
    cordon__ipc_msg_free(&m);
    /* A restricting SID that is not cordon's (Users would let the token
     * write wherever Users may) is refused on both sides. */
    spawn_msg(&m);
    push(&m.spawn.sids, "S-1-5-32-545");
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(cordon_last_error(), "not one of cordon's");
    cordon__ipc_msg_free(&m);
    m.type = CORDON__IPC_ERROR; /* stage 0 */
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
    m.type = (enum cordon__ipc_type)9;
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_ERR_INVALID_ARGUMENT);
    CHECK(b.len == 0);
    cordon__buf_free(&b);
}

/* A valid frame with one byte changed at |off| to |v| must be refused
 * with a message containing |why|. */
static void refuse_patched(const struct cordon__buf *frame, size_t off, unsigned char v,
                           const char *why)
{
    unsigned char *copy = malloc(frame->len);
    struct cordon__ipc_msg d;
    size_t used = 1, need = 0;
    memcpy(copy, frame->p, frame->len);
    copy[off] = v;
    CHECK_MSG(cordon__ipc_decode(copy, frame->len, &d, &used, &need) == CORDON_ERR_IO,
              "patch at %zu", off);
    CHECK(used == 0);
    CHECK_CONTAINS(cordon_last_error(), why);
    free(copy);
}

static void decoder_refuses(void)
{
    struct cordon__ipc_msg m, d;
    struct cordon__buf b = {0};
    size_t used, need, cwd_len_off;
    unsigned char hdr[8] = {0, 0, 0, 0, 1, 1, 0, 0};

    spawn_msg(&m);
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    cordon__ipc_msg_free(&m);
    refuse_patched(&b, 4, 2, "version 2");
    refuse_patched(&b, 5, 0, "unknown message type 0");
    refuse_patched(&b, 5, 7, "unknown message type 7");
    refuse_patched(&b, 6, 1, "reserved");
    refuse_patched(&b, 3, 0x10, "the limit is");
    refuse_patched(&b, 8, 0x40, "unknown spawn flags");
    refuse_patched(&b, 12, 3, "unknown stdio mode");
    /* Payload: flags 4, modes 3, handles 24: the cwd's length at 8+31. */
    cwd_len_off = 8 + 31;
    refuse_patched(&b, cwd_len_off, 0xff, "longer than the rest");
    refuse_patched(&b, cwd_len_off + 4, 0, "NUL byte");
    refuse_patched(&b, cwd_len_off + 4, 'w', "not absolute");
    /* The argv count right after "/work/app" (9 bytes). */
    refuse_patched(&b, cwd_len_off + 4 + 9 + 3, 0x7f, "list count");

    /* Shorter payload length than the fields need; longer than they use. */
    {
        struct cordon__buf t = {0};
        uint32_t n = (uint32_t)(b.len - 8 - 1);
        unsigned char len4[4] = {(unsigned char)n, (unsigned char)(n >> 8),
                                 (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
        cordon__buf_add(&t, (const char *)len4, 4);
        cordon__buf_add(&t, b.p + 4, b.len - 5);
        CHECK(cordon__ipc_decode(t.p, t.len, &d, &used, &need) == CORDON_ERR_IO);
        CHECK_CONTAINS(cordon_last_error(), "longer than the rest of the payload");
        cordon__buf_free(&t);
        n = (uint32_t)(b.len - 8 + 1);
        len4[0] = (unsigned char)n;
        len4[1] = (unsigned char)(n >> 8);
        cordon__buf_add(&t, (const char *)len4, 4);
        cordon__buf_add(&t, b.p + 4, b.len - 4);
        cordon__buf_add(&t, "", 1);
        CHECK(cordon__ipc_decode(t.p, t.len, &d, &used, &need) == CORDON_ERR_IO);
        CHECK_CONTAINS(cordon_last_error(), "trailing bytes");
        cordon__buf_free(&t);
    }
    cordon__buf_free(&b);

    /* An empty payload is too short for every type. */
    CHECK(cordon__ipc_decode(hdr, sizeof hdr, &d, &used, &need) == CORDON_ERR_IO);
    hdr[5] = CORDON__IPC_STARTED;
    CHECK(cordon__ipc_decode(hdr, sizeof hdr, &d, &used, &need) == CORDON_ERR_IO);

    /* Bad values in the small messages. */
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_SIGNAL;
    m.signal = CORDON__IPC_SIG_TERMINATE;
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    refuse_patched(&b, 8, 0, "unknown signal");
    refuse_patched(&b, 8, 4, "unknown signal");
    cordon__buf_free(&b);
    m.type = CORDON__IPC_STDIO;
    m.stream = 2;
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    refuse_patched(&b, 8, 3, "stream");
    cordon__buf_free(&b);
    m.type = CORDON__IPC_STARTED;
    m.pid = 1;
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    refuse_patched(&b, 8, 0, "process id 0");
    cordon__buf_free(&b);
    m.type = CORDON__IPC_ERROR;
    m.stage = CORDON__IPC_STAGE_EXEC;
    m.message = "x";
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    refuse_patched(&b, 8, 0, "unknown stage");
    refuse_patched(&b, 8, 11, "unknown stage");
    cordon__buf_free(&b);
}

/* Two frames back to back decode one after the other. */
static void stream_of_frames(void)
{
    struct cordon__ipc_msg m, d;
    struct cordon__buf b = {0};
    size_t used, need, off = 0;
    memset(&m, 0, sizeof m);
    m.type = CORDON__IPC_STARTED;
    m.pid = 7;
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    m.type = CORDON__IPC_EXIT;
    m.exit_code = 3;
    CHECK(cordon__ipc_encode(&m, &b) == CORDON_OK);
    CHECK(cordon__ipc_decode(b.p, b.len, &d, &used, &need) == CORDON_OK && d.pid == 7);
    off += used;
    CHECK(cordon__ipc_decode(b.p + off, b.len - off, &d, &used, &need) == CORDON_OK &&
          d.type == CORDON__IPC_EXIT && d.exit_code == 3);
    CHECK(off + used == b.len);
    cordon__buf_free(&b);
}

int main(void)
{
    spawn_round_trip();
    other_round_trips();
    encoder_refuses();
    decoder_refuses();
    stream_of_frames();
    TEST_MAIN_END();
}
