/* The setup marker (core/elevated.h): written last by cordon-setup, read by
 * every readiness probe and by the runner. Strict: an unknown or missing
 * key, a wrong type or an unsupported version makes the whole marker
 * invalid, so that a marker from another version or a hand edit can never
 * be half understood.
 *
 * {"format":"cordon-setup-marker","version":2,"os":"linux",
 *  "accounts":{"offline":{"name":..,"id":..},"online":{..},
 *              "sandbox_group":{..},"users_group":{..}},
 *  "allowed_users":["alice"],
 *  "runner":{"path":"/usr/local/libexec/cordon/cordon-runner","sha256":"..","caps":"..",
 *            "protocol":3},
 *  "rules":{"kind":"nftables","name":"inet cordon","sha256":"..","loopback_ports":[]}}
 *
 * Version 1 (before runner.protocol) is still read, the runner's protocol
 * then unknown (-1: older than the field); any other version is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elevated.h"

void cordon__marker_free(struct cordon__marker *m)
{
    struct cordon__account *acc[4];
    size_t i;
    if (!m)
        return;
    acc[0] = &m->offline;
    acc[1] = &m->online;
    acc[2] = &m->sandbox_group;
    acc[3] = &m->users_group;
    for (i = 0; i < 4; i++) {
        free(acc[i]->name);
        free(acc[i]->id);
    }
    free(m->os);
    cordon__strv_free(&m->allowed_users);
    free(m->runner_path);
    free(m->runner_sha256);
    free(m->runner_caps);
    free(m->rules_kind);
    free(m->rules_name);
    free(m->rules_sha256);
    memset(m, 0, sizeof *m);
}

/* ---- reading ------------------------------------------------------------- */

struct mr {
    const char *origin;
    cordon_error err; /* the first failure; later checks are skipped */
};

static int mr_fail(struct mr *r, const char *key, const char *what)
{
    if (r->err == CORDON_OK)
        r->err = cordon__fail(CORDON_ERR_SETUP,
                              "setup marker %s: %s %s (re-run cordon-setup install as root)",
                              r->origin, key, what);
    return -1;
}

/* The object |v| has exactly the keys |keys| (NULL-terminated). */
static int only_keys(struct mr *r, const struct cordon__jvalue *v, const char *where,
                     const char *const *keys)
{
    size_t i, k;
    if (r->err)
        return -1;
    if (!v || v->type != CORDON__J_OBJECT)
        return mr_fail(r, where, "is not an object");
    for (i = 0; i < v->n; i++) {
        for (k = 0; keys[k]; k++)
            if (strcmp(v->keys[i], keys[k]) == 0)
                break;
        if (!keys[k]) {
            char what[160];
            snprintf(what, sizeof what, "has an unknown key \"%.100s\"", v->keys[i]);
            return mr_fail(r, where, what);
        }
    }
    for (k = 0; keys[k]; k++) {
        if (!cordon__jvalue_get(v, keys[k])) {
            char what[160];
            snprintf(what, sizeof what, "lacks the key \"%s\"", keys[k]);
            return mr_fail(r, where, what);
        }
    }
    return 0;
}

/* A copy of string member |key|; |nonempty| refuses "". */
static char *take_str(struct mr *r, const struct cordon__jvalue *obj, const char *key, int nonempty)
{
    const struct cordon__jvalue *v = cordon__jvalue_get(obj, key);
    char *s;
    if (r->err)
        return NULL;
    if (!v || v->type != CORDON__J_STRING) {
        mr_fail(r, key, "is not a string");
        return NULL;
    }
    if (nonempty && !v->str[0]) {
        mr_fail(r, key, "is empty");
        return NULL;
    }
    s = cordon__strdup(v->str);
    if (!s && r->err == CORDON_OK)
        r->err = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the setup marker");
    return s;
}

static int is_sha256_hex(const char *s)
{
    size_t i;
    if (!s || strlen(s) != 64)
        return 0;
    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* Account names: what useradd and NetUserAdd both accept, conservatively. */
static int is_account_name(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;
    if (n == 0 || n > 32 || s[0] == '-')
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* One part of a Windows account name: what NetUserAdd and domain names
 * allow (spaces and non-ASCII included), without the characters Windows
 * forbids in them, control characters, or a trailing dot. */
static int is_windows_name_part(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > 104 || s[n - 1] == '.' || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || strchr("\"/\\[]:;|=,+*?<>@", c))
            return 0;
    }
    return 1;
}

/* An allowed real user: an account name; on Windows "name" or
 * DOMAIN\name (one backslash). */
static int is_user_name(const char *os, const char *s)
{
    const char *bs;
    if (!s || !os || strcmp(os, "windows") != 0)
        return is_account_name(s);
    bs = strchr(s, '\\');
    if (!bs)
        return is_windows_name_part(s, strlen(s));
    return is_windows_name_part(s, (size_t)(bs - s)) && is_windows_name_part(bs + 1, strlen(bs + 1));
}

static void read_account(struct mr *r, const struct cordon__jvalue *accounts, const char *key,
                         struct cordon__account *out)
{
    static const char *const keys[] = {"name", "id", NULL};
    const struct cordon__jvalue *v = cordon__jvalue_get(accounts, key);
    if (only_keys(r, v, key, keys))
        return;
    out->name = take_str(r, v, "name", 1);
    out->id = take_str(r, v, "id", 1);
    if (!r->err && !is_account_name(out->name))
        mr_fail(r, key, "has an invalid account name");
}

cordon_error cordon__marker_parse(const char *text, size_t len, const char *origin,
                                  struct cordon__marker *out)
{
    static const char *const top_keys[] = {"format", "version", "os", "accounts",
                                           "allowed_users", "runner", "rules", NULL};
    static const char *const account_keys[] = {"offline", "online", "sandbox_group",
                                               "users_group", NULL};
    static const char *const runner_keys_v1[] = {"path", "sha256", "caps", NULL};
    static const char *const runner_keys[] = {"path", "sha256", "caps", "protocol", NULL};
    static const char *const rules_keys[] = {"kind", "name", "sha256", "loopback_ports", NULL};
    struct cordon__jvalue doc;
    const struct cordon__jvalue *v;
    struct mr r;
    size_t i;

    memset(out, 0, sizeof *out);
    r.origin = origin ? origin : "setup.json";
    r.err = CORDON_OK;
    if (len > CORDON__MARKER_MAX_BYTES)
        return cordon__fail(CORDON_ERR_SETUP,
                            "setup marker %s: %zu bytes, more than a marker can be "
                            "(re-run cordon-setup install as root)",
                            r.origin, len);
    if (cordon__json_parse(text, len, r.origin, &doc) != CORDON_OK) {
        /* The message buffer is the one cordon__fail writes: copy it. */
        char why[300];
        snprintf(why, sizeof why, "%s", cordon_last_error());
        return cordon__fail(CORDON_ERR_SETUP, "setup marker is not valid JSON: %s "
                            "(re-run cordon-setup install as root)", why);
    }
    if (doc.type != CORDON__J_OBJECT) {
        mr_fail(&r, "the top level", "is not an object");
        goto done;
    }
    /* The format and the version first: a newer marker says so, rather
     * than that one of its keys is unknown here. */
    v = cordon__jvalue_get(&doc, "format");
    if (!v || v->type != CORDON__J_STRING || strcmp(v->str, CORDON__MARKER_FORMAT) != 0) {
        mr_fail(&r, "format", "is not \"" CORDON__MARKER_FORMAT "\"");
        goto done;
    }
    v = cordon__jvalue_get(&doc, "version");
    if (!v || v->type != CORDON__J_INT) {
        mr_fail(&r, "version", "is not an integer");
        goto done;
    }
    if (v->num < CORDON__MARKER_VERSION_OLDEST || v->num > CORDON__MARKER_VERSION) {
        char what[120];
        snprintf(what, sizeof what, "is %lld, this cordon reads versions %d to %d", v->num,
                 CORDON__MARKER_VERSION_OLDEST, CORDON__MARKER_VERSION);
        mr_fail(&r, "version", what);
        goto done;
    }
    out->version = (int)v->num;
    if (only_keys(&r, &doc, "the top level", top_keys))
        goto done;
    out->os = take_str(&r, &doc, "os", 1);
    if (!r.err && strcmp(out->os, "linux") != 0 && strcmp(out->os, "windows") != 0)
        mr_fail(&r, "os", "is neither \"linux\" nor \"windows\"");

    v = cordon__jvalue_get(&doc, "accounts");
    if (only_keys(&r, v, "accounts", account_keys))
        goto done;
    read_account(&r, v, "offline", &out->offline);
    read_account(&r, v, "online", &out->online);
    read_account(&r, v, "sandbox_group", &out->sandbox_group);
    read_account(&r, v, "users_group", &out->users_group);
    if (!r.err && strcmp(out->offline.name, out->online.name) == 0)
        mr_fail(&r, "accounts", "name the same user for offline and online");

    v = cordon__jvalue_get(&doc, "allowed_users");
    if (!r.err && (!v || v->type != CORDON__J_ARRAY || v->n == 0))
        mr_fail(&r, "allowed_users", "is not a non-empty array");
    for (i = 0; !r.err && i < v->n; i++) {
        if (v->items[i].type != CORDON__J_STRING || !is_user_name(out->os, v->items[i].str))
            mr_fail(&r, "allowed_users", "holds something that is not a user name");
        else if (cordon__strv_push(&out->allowed_users, v->items[i].str) != CORDON_OK)
            r.err = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory reading the setup marker");
    }

    v = cordon__jvalue_get(&doc, "runner");
    if (only_keys(&r, v, "runner", out->version == 1 ? runner_keys_v1 : runner_keys))
        goto done;
    out->runner_path = take_str(&r, v, "path", 1);
    out->runner_sha256 = take_str(&r, v, "sha256", 1);
    out->runner_caps = take_str(&r, v, "caps", 0);
    out->runner_protocol = -1;
    if (!r.err && out->version >= 2) {
        const struct cordon__jvalue *pv = cordon__jvalue_get(v, "protocol");
        if (pv->type != CORDON__J_INT || pv->num < 1 || pv->num > 255)
            mr_fail(&r, "runner.protocol", "is not a protocol version 1-255");
        else
            out->runner_protocol = (int)pv->num;
    }
    if (!r.err && !cordon__path_is_absolute(strcmp(out->os, "windows") == 0 ? CORDON__OS_WINDOWS
                                                                            : CORDON__OS_LINUX,
                                            out->runner_path))
        mr_fail(&r, "runner.path", "is not an absolute path");
    if (!r.err && !is_sha256_hex(out->runner_sha256))
        mr_fail(&r, "runner.sha256", "is not 64 lowercase hex digits");

    v = cordon__jvalue_get(&doc, "rules");
    if (only_keys(&r, v, "rules", rules_keys))
        goto done;
    out->rules_kind = take_str(&r, v, "kind", 1);
    out->rules_name = take_str(&r, v, "name", 1);
    out->rules_sha256 = take_str(&r, v, "sha256", 1);
    if (!r.err && strcmp(out->rules_kind, "nftables") != 0 &&
        strcmp(out->rules_kind, "windows-firewall") != 0)
        mr_fail(&r, "rules.kind", "is neither \"nftables\" nor \"windows-firewall\"");
    if (!r.err && !is_sha256_hex(out->rules_sha256))
        mr_fail(&r, "rules.sha256", "is not 64 lowercase hex digits");
    v = cordon__jvalue_get(v, "loopback_ports");
    if (!r.err && (!v || v->type != CORDON__J_ARRAY || v->n > CORDON__MARKER_MAX_PORTS))
        mr_fail(&r, "rules.loopback_ports", "is not an array of at most 64 ports");
    for (i = 0; !r.err && i < v->n; i++) {
        if (v->items[i].type != CORDON__J_INT || v->items[i].num < 1 || v->items[i].num > 65535)
            mr_fail(&r, "rules.loopback_ports", "holds something that is not a port 1-65535");
        else
            out->loopback_ports[out->n_loopback_ports++] = (unsigned)v->items[i].num;
    }
done:
    cordon__jvalue_free(&doc);
    if (r.err != CORDON_OK)
        cordon__marker_free(out);
    return r.err;
}

/* ---- writing ------------------------------------------------------------- */

static void write_account(struct cordon__json *j, const char *key, const struct cordon__account *a)
{
    cordon__json_key(j, key);
    cordon__json_begin_object(j);
    cordon__json_kstr(j, "name", a->name);
    cordon__json_kstr(j, "id", a->id);
    cordon__json_end_object(j);
}

cordon_error cordon__marker_json(const struct cordon__marker *m, char **out)
{
    struct cordon__json j;
    struct cordon__marker check;
    size_t i;
    char *text;

    memset(&j, 0, sizeof j);
    cordon__json_begin_object(&j);
    cordon__json_kstr(&j, "format", CORDON__MARKER_FORMAT);
    cordon__json_kint(&j, "version", CORDON__MARKER_VERSION);
    cordon__json_kstr(&j, "os", m->os);
    cordon__json_key(&j, "accounts");
    cordon__json_begin_object(&j);
    write_account(&j, "offline", &m->offline);
    write_account(&j, "online", &m->online);
    write_account(&j, "sandbox_group", &m->sandbox_group);
    write_account(&j, "users_group", &m->users_group);
    cordon__json_end_object(&j);
    cordon__json_key(&j, "allowed_users");
    cordon__json_strv(&j, &m->allowed_users);
    cordon__json_key(&j, "runner");
    cordon__json_begin_object(&j);
    cordon__json_kstr(&j, "path", m->runner_path);
    cordon__json_kstr(&j, "sha256", m->runner_sha256);
    cordon__json_kstr(&j, "caps", m->runner_caps ? m->runner_caps : "");
    cordon__json_kint(&j, "protocol", m->runner_protocol);
    cordon__json_end_object(&j);
    cordon__json_key(&j, "rules");
    cordon__json_begin_object(&j);
    cordon__json_kstr(&j, "kind", m->rules_kind);
    cordon__json_kstr(&j, "name", m->rules_name);
    cordon__json_kstr(&j, "sha256", m->rules_sha256);
    cordon__json_key(&j, "loopback_ports");
    cordon__json_begin_array(&j);
    for (i = 0; i < m->n_loopback_ports && i < CORDON__MARKER_MAX_PORTS; i++)
        cordon__json_int(&j, m->loopback_ports[i]);
    cordon__json_end_array(&j);
    cordon__json_end_object(&j);
    cordon__json_end_object(&j);
    cordon__buf_puts(&j.out, "\n");
    text = cordon__buf_take(&j.out);
    if (!text)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory writing the setup marker");
    /* Never write a marker the reader would refuse. */
    if (cordon__marker_parse(text, strlen(text), "(being written)", &check) != CORDON_OK) {
        free(text);
        return CORDON_ERR_INVALID_ARGUMENT;
    }
    cordon__marker_free(&check);
    *out = text;
    return CORDON_OK;
}
