/* The runner protocol's framing (core/ipc.h): encoder and strict decoder. */
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

static const char *const stage_names[] = {
    NULL,          "request",      "caller", "setup", "stdio", "identity",
    "capabilities", "restrictions", "cwd",    "exec",  "wait",
};

const char *cordon__ipc_stage_name(unsigned stage)
{
    return stage >= 1 && stage <= CORDON__IPC_STAGE_LAST ? stage_names[stage] : NULL;
}

int cordon__ipc_runner_tag(const void *bytes, size_t n)
{
    static const char tag[] = CORDON__IPC_RUNNER_TAG;
    const size_t k = sizeof tag - 1;
    const unsigned char *b = bytes;
    size_t i, j;
    int found = -1;
    for (i = 0; b && n >= k && i <= n - k; i++) {
        unsigned v = 0;
        if (b[i] != (unsigned char)tag[0] || memcmp(b + i, tag, k) != 0)
            continue;
        /* One to three digits, then ';' (the scanner's own copy of the
         * prefix, in any program linking core, is followed by a NUL). */
        for (j = i + k; j < n && j < i + k + 3 && b[j] >= '0' && b[j] <= '9'; j++)
            v = v * 10 + (unsigned)(b[j] - '0');
        if (j == i + k || j >= n || b[j] != ';' || v < 1 || v > 255)
            continue;
        if (found > 0 && (unsigned)found != v)
            return -2;
        found = (int)v;
    }
    return found;
}

void cordon__ipc_msg_free(struct cordon__ipc_msg *m)
{
    if (!m)
        return;
    free(m->spawn.cwd);
    free(m->spawn.tmp_dir);
    cordon__strv_free(&m->spawn.argv);
    cordon__strv_free(&m->spawn.env);
    cordon__strv_free(&m->spawn.roots);
    cordon__strv_free(&m->spawn.protect);
    cordon__strv_free(&m->spawn.deny);
    cordon__strv_free(&m->spawn.unix_allow);
    cordon__strv_free(&m->spawn.sids);
    free(m->data);
    free(m->message);
    memset(m, 0, sizeof *m);
}

/* ---- encoding ----------------------------------------------------------- */

static void put_le(struct cordon__buf *b, uint64_t v, int bytes)
{
    char c[8];
    int i;
    for (i = 0; i < bytes; i++)
        c[i] = (char)(unsigned char)(v >> (8 * i));
    cordon__buf_add(b, c, (size_t)bytes);
}

static int put_str(struct cordon__buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > CORDON__IPC_MAX_PAYLOAD)
        return -1;
    put_le(b, n, 4);
    if (n)
        cordon__buf_add(b, s, n);
    return 0;
}

static int put_strv(struct cordon__buf *b, const struct cordon__strv *sv)
{
    size_t i;
    if (sv->n > CORDON__IPC_MAX_LIST)
        return -1;
    put_le(b, sv->n, 4);
    for (i = 0; i < sv->n; i++)
        if (put_str(b, sv->v[i]) != 0)
            return -1;
    return 0;
}

static int env_entry_ok(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq && eq != s;
}

static const char *spawn_invalid(const struct cordon__ipc_spawn *s)
{
    size_t i;
    if (s->flags & ~CORDON__IPC_SPAWN_FLAGS_ALL)
        return "unknown spawn flags";
    for (i = 0; i < 3; i++)
        if (s->stdio_mode[i] > CORDON__IPC_STDIO_NULL)
            return "unknown stdio mode";
    /* Absolute: "/..." on Linux, "C:\..." on Windows. */
    if (!s->cwd || !(s->cwd[0] == '/' || (s->cwd[0] && s->cwd[1] == ':')))
        return "the working directory is not absolute";
    if (s->argv.n == 0 || !s->argv.v[0][0])
        return "argv is empty";
    for (i = 0; i < s->env.n; i++)
        if (!env_entry_ok(s->env.v[i]))
            return "an environment entry is not NAME=VALUE";
    for (i = 0; i < s->sids.n; i++)
        if (!cordon__win_is_cordon_sid(s->sids.v[i]))
            return "a restricting SID is not one of cordon's";
    return NULL;
}

cordon_error cordon__ipc_encode(const struct cordon__ipc_msg *m, struct cordon__buf *out)
{
    struct cordon__buf p = {0};
    const char *bad = NULL;
    cordon_error e = CORDON_OK;
    size_t i;

    switch (m->type) {
    case CORDON__IPC_SPAWN:
        bad = spawn_invalid(&m->spawn);
        if (bad)
            break;
        put_le(&p, m->spawn.flags, 4);
        for (i = 0; i < 3; i++)
            put_le(&p, m->spawn.stdio_mode[i], 1);
        for (i = 0; i < 3; i++)
            put_le(&p, m->spawn.stdio_handle[i], 8);
        if (put_str(&p, m->spawn.cwd) || put_strv(&p, &m->spawn.argv) ||
            put_strv(&p, &m->spawn.env) || put_strv(&p, &m->spawn.roots) ||
            put_strv(&p, &m->spawn.protect) || put_str(&p, m->spawn.tmp_dir) ||
            put_strv(&p, &m->spawn.deny) || put_strv(&p, &m->spawn.unix_allow) ||
            put_strv(&p, &m->spawn.sids))
            bad = "a string or list is too long";
        break;
    case CORDON__IPC_STDIO:
        if (m->stream > 2) {
            bad = "stream is not 0, 1 or 2";
            break;
        }
        if (m->data_len > CORDON__IPC_MAX_PAYLOAD - 5) {
            bad = "stdio data too long for one frame";
            break;
        }
        put_le(&p, m->stream, 1);
        put_le(&p, m->data_len, 4);
        if (m->data_len)
            cordon__buf_add(&p, (const char *)m->data, m->data_len);
        break;
    case CORDON__IPC_SIGNAL:
        if (m->signal < CORDON__IPC_SIG_INTERRUPT || m->signal > CORDON__IPC_SIG_KILL) {
            bad = "unknown signal";
            break;
        }
        put_le(&p, m->signal, 1);
        break;
    case CORDON__IPC_STARTED:
        put_le(&p, m->pid, 8);
        break;
    case CORDON__IPC_EXIT:
        put_le(&p, (uint32_t)m->exit_code, 4);
        put_le(&p, (uint32_t)m->term_signal, 4);
        break;
    case CORDON__IPC_ERROR:
        if (!cordon__ipc_stage_name(m->stage)) {
            bad = "unknown stage";
            break;
        }
        put_le(&p, m->stage, 2);
        put_le(&p, (uint64_t)m->os_code, 8);
        if (put_str(&p, m->message))
            bad = "message too long";
        break;
    default:
        bad = "unknown message type";
    }
    if (!bad && p.oom) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory encoding a runner message");
        goto done;
    }
    if (!bad && p.len > CORDON__IPC_MAX_PAYLOAD)
        bad = "the message is larger than a frame may be";
    if (bad) {
        e = cordon__fail(CORDON_ERR_INVALID_ARGUMENT, "runner protocol: cannot encode: %s", bad);
        goto done;
    }
    put_le(out, p.len, 4);
    put_le(out, CORDON__IPC_VERSION, 1);
    put_le(out, (uint64_t)m->type, 1);
    put_le(out, 0, 2);
    if (p.len)
        cordon__buf_add(out, p.p, p.len);
    if (out->oom)
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory encoding a runner message");
done:
    cordon__buf_free(&p);
    return e;
}

/* ---- decoding ----------------------------------------------------------- */

struct reader {
    const unsigned char *p;
    size_t len, off;
    const char *bad; /* the first rule broken; later reads are no-ops */
    size_t bad_off;
};

static void broke(struct reader *r, const char *why)
{
    if (!r->bad) {
        r->bad = why;
        r->bad_off = r->off;
    }
}

static uint64_t get_le(struct reader *r, int bytes)
{
    uint64_t v = 0;
    int i;
    if (r->bad)
        return 0;
    if (r->len - r->off < (size_t)bytes) {
        broke(r, "the payload ends inside a field");
        return 0;
    }
    for (i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
    r->off += (size_t)bytes;
    return v;
}

/* A string field; NULL after a broken rule or out of memory. */
static char *get_str(struct reader *r)
{
    uint64_t n = get_le(r, 4);
    char *s;
    if (r->bad)
        return NULL;
    if (n > r->len - r->off) {
        broke(r, "a string is longer than the rest of the payload");
        return NULL;
    }
    if (n && memchr(r->p + r->off, 0, (size_t)n)) {
        broke(r, "a string contains a NUL byte");
        return NULL;
    }
    s = cordon__strndup((const char *)r->p + r->off, (size_t)n);
    if (!s) {
        broke(r, "out of memory");
        return NULL;
    }
    r->off += (size_t)n;
    return s;
}

static void get_strv(struct reader *r, struct cordon__strv *out)
{
    uint64_t n = get_le(r, 4), i;
    if (r->bad)
        return;
    /* Each string takes at least its 4-byte length: a count the payload
     * cannot hold is refused before anything is allocated. */
    if (n > CORDON__IPC_MAX_LIST || n > (r->len - r->off) / 4) {
        broke(r, "a list count is larger than the payload can hold");
        return;
    }
    for (i = 0; i < n && !r->bad; i++) {
        char *s = get_str(r);
        /* push_owned takes |s|, also when it fails. */
        if (s && cordon__strv_push_owned(out, s) != CORDON_OK)
            broke(r, "out of memory");
    }
}

static void get_spawn(struct reader *r, struct cordon__ipc_spawn *s)
{
    size_t i;
    const char *bad;
    s->flags = (uint32_t)get_le(r, 4);
    for (i = 0; i < 3; i++)
        s->stdio_mode[i] = (uint8_t)get_le(r, 1);
    for (i = 0; i < 3; i++)
        s->stdio_handle[i] = get_le(r, 8);
    s->cwd = get_str(r);
    get_strv(r, &s->argv);
    get_strv(r, &s->env);
    get_strv(r, &s->roots);
    get_strv(r, &s->protect);
    s->tmp_dir = get_str(r);
    get_strv(r, &s->deny);
    get_strv(r, &s->unix_allow);
    get_strv(r, &s->sids);
    if (r->bad)
        return;
    bad = spawn_invalid(s);
    if (bad)
        broke(r, bad);
}

cordon_error cordon__ipc_decode(const void *buf, size_t len, struct cordon__ipc_msg *out,
                                size_t *used, size_t *need)
{
    const unsigned char *b = buf;
    struct reader r;
    uint64_t plen;
    unsigned version, type, reserved;

    memset(out, 0, sizeof *out);
    *used = 0;
    *need = CORDON__IPC_HEADER_SIZE;
    if (len < CORDON__IPC_HEADER_SIZE)
        return CORDON_OK;
    plen = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
    version = b[4];
    type = b[5];
    reserved = (unsigned)b[6] | (unsigned)b[7] << 8;
    if (version != CORDON__IPC_VERSION)
        return cordon__fail(CORDON_ERR_IO,
                            "runner protocol: frame version %u, this side speaks %d (cordon and "
                            "cordon-runner are from different versions: re-run cordon-setup install)",
                            version, CORDON__IPC_VERSION);
    if (reserved != 0)
        return cordon__fail(CORDON_ERR_IO, "runner protocol: reserved header bits are set");
    if (plen > CORDON__IPC_MAX_PAYLOAD)
        return cordon__fail(CORDON_ERR_IO,
                            "runner protocol: frame of %llu bytes, the limit is %u",
                            (unsigned long long)plen, CORDON__IPC_MAX_PAYLOAD);
    if (type < CORDON__IPC_SPAWN || type > CORDON__IPC_ERROR)
        return cordon__fail(CORDON_ERR_IO, "runner protocol: unknown message type %u", type);
    *need = CORDON__IPC_HEADER_SIZE + (size_t)plen;
    if (len < *need)
        return CORDON_OK;

    memset(&r, 0, sizeof r);
    r.p = b + CORDON__IPC_HEADER_SIZE;
    r.len = (size_t)plen;
    out->type = (enum cordon__ipc_type)type;
    switch (out->type) {
    case CORDON__IPC_SPAWN:
        get_spawn(&r, &out->spawn);
        break;
    case CORDON__IPC_STDIO: {
        uint64_t n;
        out->stream = (uint8_t)get_le(&r, 1);
        if (!r.bad && out->stream > 2)
            broke(&r, "stream is not 0, 1 or 2");
        n = get_le(&r, 4);
        if (!r.bad && n > r.len - r.off)
            broke(&r, "stdio data is longer than the rest of the payload");
        if (!r.bad && n) {
            out->data = malloc((size_t)n);
            if (!out->data) {
                broke(&r, "out of memory");
                break;
            }
            memcpy(out->data, r.p + r.off, (size_t)n);
            out->data_len = (size_t)n;
            r.off += (size_t)n;
        }
        break;
    }
    case CORDON__IPC_SIGNAL:
        out->signal = (uint8_t)get_le(&r, 1);
        if (!r.bad && (out->signal < CORDON__IPC_SIG_INTERRUPT || out->signal > CORDON__IPC_SIG_KILL))
            broke(&r, "unknown signal");
        break;
    case CORDON__IPC_STARTED:
        out->pid = get_le(&r, 8);
        if (!r.bad && out->pid == 0)
            broke(&r, "process id 0");
        break;
    case CORDON__IPC_EXIT:
        out->exit_code = (int32_t)(uint32_t)get_le(&r, 4);
        out->term_signal = (int32_t)(uint32_t)get_le(&r, 4);
        if (!r.bad && out->term_signal < 0)
            broke(&r, "negative signal number");
        break;
    case CORDON__IPC_ERROR:
        out->stage = (uint16_t)get_le(&r, 2);
        if (!r.bad && !cordon__ipc_stage_name(out->stage))
            broke(&r, "unknown stage");
        out->os_code = (int64_t)get_le(&r, 8);
        out->message = get_str(&r);
        break;
    }
    if (!r.bad && r.off != r.len)
        broke(&r, "trailing bytes after the last field");
    if (r.bad) {
        cordon__ipc_msg_free(out);
        return cordon__fail(CORDON_ERR_IO,
                            "runner protocol: invalid message of type %u: %s (payload offset %zu)",
                            type, r.bad, r.bad_off);
    }
    *used = *need;
    return CORDON_OK;
}
