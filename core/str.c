/* Memory, strings, string vectors and byte buffers. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *cordon__xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

char *cordon__strdup(const char *s)
{
    return s ? cordon__strndup(s, strlen(s)) : NULL;
}

char *cordon__strndup(const char *s, size_t n)
{
    char *p;
    if (!s)
        return NULL;
    p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cordon__vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    p = malloc((size_t)n + 1);
    if (!p)
        return NULL;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *cordon__asprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;
    va_start(ap, fmt);
    p = cordon__vasprintf(fmt, ap);
    va_end(ap);
    return p;
}

int cordon__streq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    }
    return *a == *b;
}

cordon_error cordon__strv_push_owned(struct cordon__strv *sv, char *s)
{
    if (!s)
        return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
    if (sv->n + 1 >= sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 8;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (!v) {
            free(s);
            return cordon__fail(CORDON_ERR_NO_MEMORY, "out of memory");
        }
        sv->v = v;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
    return CORDON_OK;
}

cordon_error cordon__strv_push(struct cordon__strv *sv, const char *s)
{
    return cordon__strv_push_owned(sv, cordon__strdup(s));
}

cordon_error cordon__strv_pushf(struct cordon__strv *sv, const char *fmt, ...)
{
    va_list ap;
    char *p;
    va_start(ap, fmt);
    p = cordon__vasprintf(fmt, ap);
    va_end(ap);
    return cordon__strv_push_owned(sv, p);
}

cordon_error cordon__strv_copy(struct cordon__strv *dst, const struct cordon__strv *src)
{
    size_t i;
    for (i = 0; i < src->n; i++) {
        cordon_error e = cordon__strv_push(dst, src->v[i]);
        if (e != CORDON_OK)
            return e;
    }
    return CORDON_OK;
}

int cordon__strv_contains(const struct cordon__strv *sv, const char *s)
{
    size_t i;
    for (i = 0; i < sv->n; i++) {
        if (strcmp(sv->v[i], s) == 0)
            return 1;
    }
    return 0;
}

void cordon__strv_free(struct cordon__strv *sv)
{
    size_t i;
    for (i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

void cordon__buf_add(struct cordon__buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cordon__buf_puts(struct cordon__buf *b, const char *s)
{
    cordon__buf_add(b, s, strlen(s));
}

void cordon__buf_printf(struct cordon__buf *b, const char *fmt, ...)
{
    va_list ap;
    char *p;
    va_start(ap, fmt);
    p = cordon__vasprintf(fmt, ap);
    va_end(ap);
    if (!p) {
        b->oom = 1;
        return;
    }
    cordon__buf_puts(b, p);
    free(p);
}

char *cordon__buf_take(struct cordon__buf *b)
{
    char *p;
    if (b->oom) {
        cordon__buf_free(b);
        return NULL;
    }
    if (!b->p)
        cordon__buf_add(b, "", 0);
    p = b->p;
    memset(b, 0, sizeof *b);
    return p;
}

void cordon__buf_free(struct cordon__buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void cordon__buf_utf8(struct cordon__buf *b, unsigned long cp)
{
    char u[4];
    if (cp < 0x80) {
        u[0] = (char)cp;
        cordon__buf_add(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        cordon__buf_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        cordon__buf_add(b, u, 3);
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        cordon__buf_add(b, u, 4);
    }
}

size_t cordon__utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = n ? s[0] : 0x80;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
                       (s[3] & 0xc0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

int cordon__hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void cordon_free(void *p)
{
    free(p);
}

void cordon__run_id_format(char *buf, size_t n, unsigned long pid, const unsigned char *rnd,
                           size_t len)
{
    int w = snprintf(buf, n, "%lu-", pid);
    size_t i = w > 0 ? (size_t)w : 0, k;
    for (k = 0; k < len && i + 2 < n; k++, i += 2)
        snprintf(buf + i, n - i, "%02x", rnd[k]);
}
