/* A compact JSON writer. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void sep(struct cordon__json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0 && j->depth <= 32) {
        if (j->need_comma[j->depth - 1])
            cordon__buf_add(&j->out, ",", 1);
        j->need_comma[j->depth - 1] = 1;
    }
}

static void open_(struct cordon__json *j, const char *c)
{
    sep(j);
    cordon__buf_puts(&j->out, c);
    if (j->depth < 32)
        j->need_comma[j->depth] = 0;
    j->depth++;
}

static void close_(struct cordon__json *j, const char *c)
{
    j->depth--;
    cordon__buf_puts(&j->out, c);
}

void cordon__json_begin_object(struct cordon__json *j) { open_(j, "{"); }
void cordon__json_end_object(struct cordon__json *j) { close_(j, "}"); }
void cordon__json_begin_array(struct cordon__json *j) { open_(j, "["); }
void cordon__json_end_array(struct cordon__json *j) { close_(j, "]"); }

/* Writes |s| as a JSON string. The output is always valid UTF-8: a byte
 * that is not part of a well-formed UTF-8 sequence (a path that is not
 * UTF-8) is written as the escape of the lone surrogate U+DC00 + byte
 * ("\udcff" for 0xff), the rule Python calls surrogateescape. It is
 * reversible, as well-formed UTF-8 never encodes a surrogate: a reader maps
 * each of U+DC80..U+DCFF back to its byte (in Python,
 * os.fsencode(json.loads(text)) gives the original bytes). */
static void quoted(struct cordon__buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    char esc[8];
    size_t n;
    cordon__buf_add(b, "\"", 1);
    while (*p) {
        switch (*p) {
        case '"': cordon__buf_add(b, "\\\"", 2); p++; continue;
        case '\\': cordon__buf_add(b, "\\\\", 2); p++; continue;
        case '\n': cordon__buf_add(b, "\\n", 2); p++; continue;
        case '\r': cordon__buf_add(b, "\\r", 2); p++; continue;
        case '\t': cordon__buf_add(b, "\\t", 2); p++; continue;
        default: break;
        }
        n = cordon__utf8_len(p, 4); /* the NUL ends any sequence early */
        if (n == 0) {
            snprintf(esc, sizeof esc, "\\udc%02x", *p);
            cordon__buf_puts(b, esc);
            n = 1;
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            cordon__buf_puts(b, esc);
        } else {
            cordon__buf_add(b, (const char *)p, n);
        }
        p += n;
    }
    cordon__buf_add(b, "\"", 1);
}

void cordon__json_key(struct cordon__json *j, const char *key)
{
    sep(j);
    quoted(&j->out, key);
    cordon__buf_add(&j->out, ":", 1);
    j->after_key = 1;
}

void cordon__json_string(struct cordon__json *j, const char *s)
{
    if (!s) {
        cordon__json_null(j);
        return;
    }
    sep(j);
    quoted(&j->out, s);
}

void cordon__json_int(struct cordon__json *j, long long v)
{
    sep(j);
    cordon__buf_printf(&j->out, "%lld", v);
}

void cordon__json_uint_hex(struct cordon__json *j, unsigned long v)
{
    sep(j);
    cordon__buf_printf(&j->out, "\"0x%08lx\"", v);
}

void cordon__json_double(struct cordon__json *j, double v)
{
    sep(j);
    cordon__buf_printf(&j->out, "%.6f", v);
}

void cordon__json_bool(struct cordon__json *j, int v)
{
    sep(j);
    cordon__buf_puts(&j->out, v ? "true" : "false");
}

void cordon__json_null(struct cordon__json *j)
{
    sep(j);
    cordon__buf_puts(&j->out, "null");
}

void cordon__json_strv(struct cordon__json *j, const struct cordon__strv *sv)
{
    size_t i;
    cordon__json_begin_array(j);
    for (i = 0; i < sv->n; i++)
        cordon__json_string(j, sv->v[i]);
    cordon__json_end_array(j);
}

void cordon__json_kstr(struct cordon__json *j, const char *key, const char *s)
{
    cordon__json_key(j, key);
    cordon__json_string(j, s);
}

void cordon__json_kint(struct cordon__json *j, const char *key, long long v)
{
    cordon__json_key(j, key);
    cordon__json_int(j, v);
}

void cordon__json_kbool(struct cordon__json *j, const char *key, int v)
{
    cordon__json_key(j, key);
    cordon__json_bool(j, v);
}
