/* A strict JSON reader for the setup marker (core/elevated.h). */
#include <stdlib.h>
#include <string.h>

#include "elevated.h"

#define MAX_DEPTH 16

struct jr {
    const char *s;
    size_t len, pos;
    const char *origin;
    const char *bad;
    size_t bad_pos;
};

static void fail_at(struct jr *r, const char *why)
{
    if (!r->bad) {
        r->bad = why;
        r->bad_pos = r->pos;
    }
}

static void ws(struct jr *r)
{
    while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
                               r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
        r->pos++;
}

static char *parse_string(struct jr *r)
{
    struct cordon__buf b = {0};
    if (r->pos >= r->len || r->s[r->pos] != '"') {
        fail_at(r, "a string was expected");
        return NULL;
    }
    r->pos++;
    cordon__buf_add(&b, "", 0);
    while (!r->bad) {
        unsigned char c;
        if (r->pos >= r->len) {
            fail_at(r, "the text ends inside a string");
            break;
        }
        c = (unsigned char)r->s[r->pos];
        if (c == '"') {
            r->pos++;
            break;
        }
        if (c < 0x20) {
            fail_at(r, "a control character inside a string");
            break;
        }
        if (c != '\\') {
            cordon__buf_add(&b, r->s + r->pos, 1);
            r->pos++;
            continue;
        }
        if (r->pos + 1 >= r->len) {
            fail_at(r, "the text ends inside an escape");
            break;
        }
        r->pos++;
        switch (r->s[r->pos]) {
        case '"': cordon__buf_add(&b, "\"", 1); break;
        case '\\': cordon__buf_add(&b, "\\", 1); break;
        case '/': cordon__buf_add(&b, "/", 1); break;
        case 'b': cordon__buf_add(&b, "\b", 1); break;
        case 'f': cordon__buf_add(&b, "\f", 1); break;
        case 'n': cordon__buf_add(&b, "\n", 1); break;
        case 'r': cordon__buf_add(&b, "\r", 1); break;
        case 't': cordon__buf_add(&b, "\t", 1); break;
        case 'u': {
            unsigned v = 0;
            int i;
            for (i = 1; i <= 4; i++) {
                int h = r->pos + (size_t)i < r->len ? cordon__hexval(r->s[r->pos + (size_t)i]) : -1;
                if (h < 0)
                    break;
                v = v * 16 + (unsigned)h;
            }
            if (i <= 4) {
                fail_at(r, "\\u needs four hex digits");
                break;
            }
            /* Only the Basic Multilingual Plane without surrogates, and no
             * NUL: nothing the marker holds needs more. */
            if (v == 0 || (v >= 0xd800 && v <= 0xdfff)) {
                fail_at(r, "\\u0000 or a surrogate escape");
                break;
            }
            cordon__buf_utf8(&b, v);
            r->pos += 4;
            break;
        }
        default:
            fail_at(r, "an unknown escape");
        }
        r->pos++;
    }
    if (!r->bad && b.oom)
        fail_at(r, "out of memory");
    if (r->bad) {
        cordon__buf_free(&b);
        return NULL;
    }
    return cordon__buf_take(&b);
}

static void parse_value(struct jr *r, struct cordon__jvalue *v, int depth);

/* Steps over the opening bracket of an array or object; 1 when |close|
 * follows at once (the empty one, consumed). */
static int opens_empty(struct jr *r, char close)
{
    r->pos++;
    ws(r);
    if (r->pos < r->len && r->s[r->pos] == close) {
        r->pos++;
        return 1;
    }
    return 0;
}

/* A new, zeroed member at the end of |v| (room for its key too when |v| is
 * an object); NULL when out of memory. */
static struct cordon__jvalue *push(struct jr *r, struct cordon__jvalue *v, size_t *cap)
{
    if (v->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct cordon__jvalue *ni;
        if (v->type == CORDON__J_OBJECT) {
            char **nk = realloc(v->keys, nc * sizeof *nk);
            if (!nk) {
                fail_at(r, "out of memory");
                return NULL;
            }
            v->keys = nk;
        }
        ni = realloc(v->items, nc * sizeof *ni);
        if (!ni) {
            fail_at(r, "out of memory");
            return NULL;
        }
        v->items = ni;
        *cap = nc;
    }
    memset(&v->items[v->n], 0, sizeof v->items[v->n]);
    return &v->items[v->n++];
}

/* After a member: 1 when ',' says another follows; 0 at |close| (consumed)
 * or on failure. */
static int another(struct jr *r, char close, const char *expected)
{
    ws(r);
    if (r->bad)
        return 0;
    if (r->pos < r->len && r->s[r->pos] == ',') {
        r->pos++;
        return 1;
    }
    if (r->pos < r->len && r->s[r->pos] == close) {
        r->pos++;
        return 0;
    }
    fail_at(r, expected);
    return 0;
}

static void parse_object(struct jr *r, struct cordon__jvalue *v, int depth)
{
    size_t cap = 0;
    v->type = CORDON__J_OBJECT;
    if (opens_empty(r, '}'))
        return;
    do {
        struct cordon__jvalue *item;
        char *key;
        size_t i;
        ws(r);
        key = parse_string(r);
        if (!key)
            return;
        for (i = 0; i < v->n; i++) {
            if (strcmp(v->keys[i], key) == 0) {
                free(key);
                fail_at(r, "a duplicate key");
                return;
            }
        }
        if (!(item = push(r, v, &cap))) {
            free(key);
            return;
        }
        v->keys[v->n - 1] = key;
        ws(r);
        if (r->pos >= r->len || r->s[r->pos] != ':') {
            fail_at(r, "':' was expected after a key");
            return;
        }
        r->pos++;
        parse_value(r, item, depth + 1);
    } while (another(r, '}', "',' or '}' was expected"));
}

static void parse_array(struct jr *r, struct cordon__jvalue *v, int depth)
{
    size_t cap = 0;
    v->type = CORDON__J_ARRAY;
    if (opens_empty(r, ']'))
        return;
    do {
        struct cordon__jvalue *item = push(r, v, &cap);
        if (!item)
            return;
        parse_value(r, item, depth + 1);
    } while (another(r, ']', "',' or ']' was expected"));
}

static int word(struct jr *r, const char *w)
{
    size_t n = strlen(w);
    if (r->len - r->pos >= n && memcmp(r->s + r->pos, w, n) == 0) {
        r->pos += n;
        return 1;
    }
    return 0;
}

static void parse_value(struct jr *r, struct cordon__jvalue *v, int depth)
{
    char c;
    ws(r);
    if (depth > MAX_DEPTH) {
        fail_at(r, "nested too deeply");
        return;
    }
    if (r->pos >= r->len) {
        fail_at(r, "a value was expected");
        return;
    }
    c = r->s[r->pos];
    if (c == '{') {
        parse_object(r, v, depth);
    } else if (c == '[') {
        parse_array(r, v, depth);
    } else if (c == '"') {
        v->type = CORDON__J_STRING;
        v->str = parse_string(r);
    } else if (word(r, "true")) {
        v->type = CORDON__J_BOOL;
        v->num = 1;
    } else if (word(r, "false")) {
        v->type = CORDON__J_BOOL;
    } else if (word(r, "null")) {
        v->type = CORDON__J_NULL;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        int neg = c == '-';
        unsigned long long acc = 0;
        size_t start;
        if (neg)
            r->pos++;
        start = r->pos;
        while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9') {
            unsigned d = (unsigned)(r->s[r->pos] - '0');
            if (acc > (9223372036854775807ull - d) / 10) {
                fail_at(r, "an integer out of range");
                return;
            }
            acc = acc * 10 + d;
            r->pos++;
        }
        if (r->pos == start || (r->s[start] == '0' && r->pos - start > 1)) {
            fail_at(r, "a malformed integer");
            return;
        }
        if (r->pos < r->len && (r->s[r->pos] == '.' || r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
            fail_at(r, "only integers are allowed");
            return;
        }
        v->type = CORDON__J_INT;
        v->num = neg ? -(long long)acc : (long long)acc;
    } else {
        fail_at(r, "a value was expected");
    }
}

void cordon__jvalue_free(struct cordon__jvalue *v)
{
    size_t i;
    if (!v)
        return;
    for (i = 0; i < v->n; i++) {
        if (v->keys)
            free(v->keys[i]);
        if (v->items)
            cordon__jvalue_free(&v->items[i]);
    }
    free(v->keys);
    free(v->items);
    free(v->str);
    memset(v, 0, sizeof *v);
}

cordon_error cordon__json_parse(const char *text, size_t len, const char *origin,
                                struct cordon__jvalue *out)
{
    struct jr r;
    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    r.s = text;
    r.len = len;
    r.origin = origin ? origin : "JSON";
    parse_value(&r, out, 1);
    ws(&r);
    if (!r.bad && r.pos != r.len)
        fail_at(&r, "text after the value");
    if (r.bad) {
        cordon__jvalue_free(out);
        return cordon__fail(CORDON_ERR_IO, "%s: byte %zu: %s", r.origin, r.bad_pos, r.bad);
    }
    return CORDON_OK;
}

const struct cordon__jvalue *cordon__jvalue_get(const struct cordon__jvalue *obj, const char *key)
{
    size_t i;
    if (!obj || obj->type != CORDON__J_OBJECT)
        return NULL;
    for (i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}
