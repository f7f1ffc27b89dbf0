/*
 * The strict TOML subset policy files are written in: [tables] with bare
 * names (dotted allowed), bare keys, and values that are basic or literal
 * strings, booleans, decimal integers, or arrays of strings. Anything else
 * is an error naming the line and column. Input is untrusted (fuzzed).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct parser {
    const char *s;
    size_t len, pos;
    int line, col;
    const char *origin;
    struct cordon__toml_doc *doc;
    char table[128];
};

static cordon_error perr(const struct parser *p, const char *what)
{
    return cordon__fail(CORDON_ERR_POLICY_SYNTAX, "%s:%d:%d: %s", p->origin, p->line, p->col, what);
}

static int peek(const struct parser *p)
{
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static void advance(struct parser *p)
{
    if (p->pos >= p->len)
        return;
    if (p->s[p->pos] == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
    p->pos++;
}

static void skip_blank(struct parser *p)
{
    while (peek(p) == ' ' || peek(p) == '\t')
        advance(p);
}

/* Skips blanks and a comment; the line must then end. */
static cordon_error end_of_line(struct parser *p)
{
    skip_blank(p);
    if (peek(p) == '#') {
        while (peek(p) != -1 && peek(p) != '\n') {
            int c = peek(p);
            if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
                return perr(p, "control character in comment");
            advance(p);
        }
    }
    if (peek(p) == '\r') {
        advance(p);
        if (peek(p) != '\n')
            return perr(p, "carriage return not followed by newline");
    }
    if (peek(p) == '\n') {
        advance(p);
        return CORDON_OK;
    }
    if (peek(p) == -1)
        return CORDON_OK;
    return perr(p, "unexpected text after value (expected end of line)");
}

static int is_bare(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static cordon_error bare_key(struct parser *p, char *out, size_t outsz)
{
    size_t n = 0;
    if (!is_bare(peek(p)))
        return perr(p, peek(p) == '"' || peek(p) == '\'' ? "quoted keys are not supported"
                                                         : "expected a key");
    while (is_bare(peek(p))) {
        if (n + 1 >= outsz)
            return perr(p, "key too long");
        out[n++] = (char)peek(p);
        advance(p);
    }
    out[n] = '\0';
    return CORDON_OK;
}

static cordon_error string_value(struct parser *p, char **out)
{
    int quote = peek(p);
    struct cordon__buf b = {0};
    cordon_error e = CORDON_OK;

    advance(p);
    for (;;) {
        int c = peek(p);
        size_t n;
        if (c == -1 || c == '\n' || c == '\r') {
            e = perr(p, "unterminated string");
            goto done;
        }
        if (c == quote) {
            advance(p);
            break;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            e = perr(p, "control character in string");
            goto done;
        }
        if (c == '\\' && quote == '"') {
            unsigned long cp = 0;
            int digits = 0, i;
            advance(p);
            switch (peek(p)) {
            case '"': cordon__buf_add(&b, "\"", 1); break;
            case '\\': cordon__buf_add(&b, "\\", 1); break;
            case 'n': cordon__buf_add(&b, "\n", 1); break;
            case 't': cordon__buf_add(&b, "\t", 1); break;
            case 'r': cordon__buf_add(&b, "\r", 1); break;
            case 'b': cordon__buf_add(&b, "\b", 1); break;
            case 'f': cordon__buf_add(&b, "\f", 1); break;
            case 'u': digits = 4; break;
            case 'U': digits = 8; break;
            default:
                e = perr(p, "invalid escape sequence in string");
                goto done;
            }
            advance(p);
            for (i = 0; i < digits; i++) {
                int v = cordon__hexval(peek(p));
                if (v < 0) {
                    e = perr(p, "invalid unicode escape in string");
                    goto done;
                }
                cp = cp * 16 + (unsigned long)v;
                advance(p);
            }
            if (digits) {
                if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                    e = perr(p, "unicode escape is not a valid, non-NUL scalar value");
                    goto done;
                }
                cordon__buf_utf8(&b, cp);
            }
            continue;
        }
        n = cordon__utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
        if (n == 0) {
            e = perr(p, "invalid UTF-8 in string");
            goto done;
        }
        cordon__buf_add(&b, p->s + p->pos, n);
        while (n--)
            advance(p);
    }
    *out = cordon__buf_take(&b);
    if (!*out)
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
done:
    cordon__buf_free(&b);
    return e;
}

/* Skips blanks, newlines and comments inside an array. */
static cordon_error skip_array_space(struct parser *p)
{
    for (;;) {
        int c = peek(p);
        if (c == ' ' || c == '\t' || c == '\n') {
            advance(p);
        } else if (c == '\r') {
            advance(p);
            if (peek(p) != '\n')
                return perr(p, "carriage return not followed by newline");
        } else if (c == '#') {
            while (peek(p) != -1 && peek(p) != '\n') {
                int k = peek(p);
                if ((k < 0x20 && k != '\t' && k != '\r') || k == 0x7f)
                    return perr(p, "control character in comment");
                advance(p);
            }
        } else {
            return CORDON_OK;
        }
    }
}

static cordon_error int_value(struct parser *p, long long *out)
{
    int neg = 0, digits = 0, prev_us = 0;
    unsigned long long v = 0;
    if (peek(p) == '+' || peek(p) == '-') {
        neg = peek(p) == '-';
        advance(p);
    }
    if (peek(p) == '0') {
        advance(p);
        if (peek(p) >= '0' && peek(p) <= '9')
            return perr(p, "leading zeros are not allowed in integers");
        if (is_bare(peek(p)) || peek(p) == '.')
            return perr(p, "only decimal integers are supported");
        *out = 0;
        return CORDON_OK;
    }
    for (;;) {
        int c = peek(p);
        if (c >= '0' && c <= '9') {
            if (v > (unsigned long long)LLONG_MAX / 10)
                return perr(p, "integer out of range");
            v = v * 10 + (unsigned long long)(c - '0');
            if (v > (unsigned long long)LLONG_MAX + (unsigned long long)neg)
                return perr(p, "integer out of range");
            digits++;
            prev_us = 0;
        } else if (c == '_' && digits && !prev_us) {
            prev_us = 1;
        } else {
            break;
        }
        advance(p);
    }
    if (!digits || prev_us)
        return perr(p, "invalid integer");
    if (is_bare(peek(p)) || peek(p) == '.')
        return perr(p, "only decimal integers are supported");
    *out = neg ? (long long)(0 - v) : (long long)v;
    return CORDON_OK;
}

static cordon_error value(struct parser *p, struct cordon__toml_entry *e)
{
    int c = peek(p);
    e->line = p->line;
    e->col = p->col;
    if (c == '"' || c == '\'') {
        e->type = CORDON__TOML_STRING;
        return string_value(p, &e->str);
    }
    if (c == '[') {
        cordon_error err;
        e->type = CORDON__TOML_STRING_ARRAY;
        advance(p);
        for (;;) {
            char *s = NULL;
            if ((err = skip_array_space(p)) != CORDON_OK)
                return err;
            if (peek(p) == ']') {
                advance(p);
                return CORDON_OK;
            }
            if (peek(p) != '"' && peek(p) != '\'')
                return perr(p, peek(p) == -1 ? "unterminated array"
                                             : "arrays may hold only strings");
            if ((err = string_value(p, &s)) != CORDON_OK)
                return err;
            if ((err = cordon__strv_push_owned(&e->arr, s)) != CORDON_OK)
                return err;
            if ((err = skip_array_space(p)) != CORDON_OK)
                return err;
            if (peek(p) == ',') {
                advance(p);
            } else if (peek(p) != ']') {
                return perr(p, peek(p) == -1 ? "unterminated array"
                                             : "expected ',' or ']' in array");
            }
        }
    }
    if (c == 't' || c == 'f') {
        const char *word = c == 't' ? "true" : "false";
        size_t n = strlen(word);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0 &&
            !is_bare(p->pos + n < p->len ? (unsigned char)p->s[p->pos + n] : 0)) {
            size_t i;
            for (i = 0; i < n; i++)
                advance(p);
            e->type = CORDON__TOML_BOOL;
            e->num = c == 't';
            return CORDON_OK;
        }
        return perr(p, "invalid value (strings must be quoted)");
    }
    if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        e->type = CORDON__TOML_INT;
        return int_value(p, &e->num);
    }
    if (c == -1 || c == '\n' || c == '\r' || c == '#')
        return perr(p, "missing value");
    return perr(p, "invalid value (strings must be quoted)");
}

static int has_key(const struct cordon__toml_doc *d, const char *key)
{
    size_t i;
    for (i = 0; i < d->n; i++) {
        if (strcmp(d->e[i].key, key) == 0)
            return 1;
    }
    return 0;
}

static cordon_error table_header(struct parser *p)
{
    char name[128];
    size_t n = 0;
    int line = p->line, *tl;
    cordon_error e;

    advance(p); /* [ */
    skip_blank(p);
    if (peek(p) == '[')
        return perr(p, "arrays of tables are not supported");
    for (;;) {
        char part[64];
        size_t pl;
        if ((e = bare_key(p, part, sizeof part)) != CORDON_OK)
            return e;
        pl = strlen(part);
        if (n + pl + 2 >= sizeof name)
            return perr(p, "table name too long");
        if (n)
            name[n++] = '.';
        memcpy(name + n, part, pl);
        n += pl;
        name[n] = '\0';
        skip_blank(p);
        if (peek(p) == '.') {
            advance(p);
            skip_blank(p);
            continue;
        }
        break;
    }
    if (peek(p) != ']')
        return perr(p, "expected ']' after table name");
    advance(p);
    if (cordon__strv_contains(&p->doc->tables, name))
        return perr(p, "duplicate table");
    if (has_key(p->doc, name))
        return perr(p, "table name is already a key");
    if ((e = cordon__strv_push(&p->doc->tables, name)) != CORDON_OK)
        return e;
    tl = realloc(p->doc->table_line, p->doc->tables.n * sizeof *tl);
    if (!tl)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    tl[p->doc->tables.n - 1] = line;
    p->doc->table_line = tl;
    memcpy(p->table, name, n + 1);
    return end_of_line(p);
}

static cordon_error key_value(struct parser *p)
{
    char key[64], *full = NULL;
    struct cordon__toml_entry ent;
    struct cordon__toml_entry *grown;
    int kline = p->line, kcol = p->col;
    cordon_error e;

    memset(&ent, 0, sizeof ent);
    if ((e = bare_key(p, key, sizeof key)) != CORDON_OK)
        return e;
    skip_blank(p);
    if (peek(p) == '.')
        return perr(p, "dotted keys are not supported (use a [table])");
    if (peek(p) != '=')
        return perr(p, "expected '=' after key");
    advance(p);
    skip_blank(p);
    full = p->table[0] ? cordon__asprintf("%s.%s", p->table, key) : cordon__strdup(key);
    if (!full)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if (has_key(p->doc, full) || cordon__strv_contains(&p->doc->tables, full)) {
        free(full);
        return cordon__fail(CORDON_ERR_POLICY_SYNTAX, "%s:%d:%d: duplicate key '%s'", p->origin,
                            kline, kcol, key);
    }
    ent.key = full;
    if ((e = value(p, &ent)) != CORDON_OK)
        goto fail;
    if ((e = end_of_line(p)) != CORDON_OK)
        goto fail;
    grown = realloc(p->doc->e, (p->doc->n + 1) * sizeof *grown);
    if (!grown) {
        e = cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }
    p->doc->e = grown;
    p->doc->e[p->doc->n++] = ent;
    return CORDON_OK;
fail:
    free(ent.key);
    free(ent.str);
    cordon__strv_free(&ent.arr);
    return e;
}

cordon_error cordon__toml_parse(const char *text, size_t len, const char *origin,
                                struct cordon__toml_doc *out)
{
    struct parser p;
    cordon_error e = CORDON_OK;

    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    p.s = text;
    p.len = len;
    p.line = 1;
    p.col = 1;
    p.origin = origin ? origin : "<policy>";
    p.doc = out;
    if (len > CORDON__POLICY_MAX_BYTES)
        return cordon__fail(CORDON_ERR_POLICY_SYNTAX,
                            "%s:1:1: policy is %zu bytes, more than the limit of %d", p.origin, len,
                            CORDON__POLICY_MAX_BYTES);
    if (memchr(text, '\0', len)) {
        size_t at = (size_t)((const char *)memchr(text, '\0', len) - text);
        while (p.pos < at)
            advance(&p);
        return perr(&p, "NUL byte in policy");
    }
    /* A UTF-8 byte order mark is tolerated at the very start. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        p.pos = 3;
    while (e == CORDON_OK && p.pos < p.len) {
        int c;
        skip_blank(&p);
        c = peek(&p);
        if (c == '#' || c == '\n' || c == '\r' || c == -1)
            e = end_of_line(&p);
        else if (c == '[')
            e = table_header(&p);
        else
            e = key_value(&p);
    }
    if (e != CORDON_OK)
        cordon__toml_free(out);
    return e;
}

void cordon__toml_free(struct cordon__toml_doc *doc)
{
    size_t i;
    for (i = 0; i < doc->n; i++) {
        free(doc->e[i].key);
        free(doc->e[i].str);
        cordon__strv_free(&doc->e[i].arr);
    }
    free(doc->e);
    cordon__strv_free(&doc->tables);
    free(doc->table_line);
    memset(doc, 0, sizeof *doc);
}
