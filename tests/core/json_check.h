/* Test-side reader of the JSON writer's strings (core/json.c), used by the
 * unit test and the fuzz target: checks that a document is valid UTF-8 and
 * decodes one JSON string back to bytes, undoing the surrogateescape rule
 * (U+DC80..U+DCFF -> the byte 0x80..0xff). Written independently of the
 * writer so that the two check each other. */
#ifndef CORDON_TEST_JSON_CHECK_H
#define CORDON_TEST_JSON_CHECK_H

#include <stddef.h>
#include <string.h>

/* 1 when |s| (|n| bytes) is well-formed UTF-8 (RFC 3629). */
static int jc_valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], cp, need, k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += need + 1;
    }
    return 1;
}

static int jc_hex(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* Decodes the JSON string starting at |p| (on its opening quote) into
 * |out| (room for |cap| bytes, NUL-terminated). Returns the position after
 * the closing quote, or NULL when it is not a string the writer may emit
 * (raw control bytes, unknown escapes, a surrogate escape outside
 * U+DC80..U+DCFF). */
static const char *jc_decode(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        unsigned cp;
        unsigned char c = (unsigned char)*p;
        if (c == '\0' || c < 0x20 || n + 5 > cap)
            return NULL;
        if (c != '\\') {
            out[n++] = (char)c;
            p++;
            continue;
        }
        p++;
        switch (*p) {
        case '"': out[n++] = '"'; p++; continue;
        case '\\': out[n++] = '\\'; p++; continue;
        case '/': out[n++] = '/'; p++; continue;
        case 'n': out[n++] = '\n'; p++; continue;
        case 'r': out[n++] = '\r'; p++; continue;
        case 't': out[n++] = '\t'; p++; continue;
        case 'b': out[n++] = '\b'; p++; continue;
        case 'f': out[n++] = '\f'; p++; continue;
        case 'u': break;
        default: return NULL;
        }
        if (!jc_hex(p + 1, &cp))
            return NULL;
        p += 5;
        if (cp >= 0xdc80 && cp <= 0xdcff) {
            out[n++] = (char)(cp - 0xdc00);
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            return NULL; /* the writer emits no other surrogate */
        } else if (cp < 0x80) {
            out[n++] = (char)cp;
        } else if (cp < 0x800) {
            out[n++] = (char)(0xc0 | (cp >> 6));
            out[n++] = (char)(0x80 | (cp & 0x3f));
        } else {
            out[n++] = (char)(0xe0 | (cp >> 12));
            out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[n++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    out[n] = '\0';
    return p + 1;
}

#endif
