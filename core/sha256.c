/* SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for deriving capability
 * SIDs from a per-user secret. Portable; tested against the FIPS vectors. */
#include <string.h>

#include "internal.h"

struct sha256 {
    unsigned long h[8];
    unsigned char block[64];
    size_t fill;
    unsigned long long total;
};

static const unsigned long k256[64] = {
    0x428a2f98UL, 0x71374491UL, 0xb5c0fbcfUL, 0xe9b5dba5UL, 0x3956c25bUL, 0x59f111f1UL,
    0x923f82a4UL, 0xab1c5ed5UL, 0xd807aa98UL, 0x12835b01UL, 0x243185beUL, 0x550c7dc3UL,
    0x72be5d74UL, 0x80deb1feUL, 0x9bdc06a7UL, 0xc19bf174UL, 0xe49b69c1UL, 0xefbe4786UL,
    0x0fc19dc6UL, 0x240ca1ccUL, 0x2de92c6fUL, 0x4a7484aaUL, 0x5cb0a9dcUL, 0x76f988daUL,
    0x983e5152UL, 0xa831c66dUL, 0xb00327c8UL, 0xbf597fc7UL, 0xc6e00bf3UL, 0xd5a79147UL,
    0x06ca6351UL, 0x14292967UL, 0x27b70a85UL, 0x2e1b2138UL, 0x4d2c6dfcUL, 0x53380d13UL,
    0x650a7354UL, 0x766a0abbUL, 0x81c2c92eUL, 0x92722c85UL, 0xa2bfe8a1UL, 0xa81a664bUL,
    0xc24b8b70UL, 0xc76c51a3UL, 0xd192e819UL, 0xd6990624UL, 0xf40e3585UL, 0x106aa070UL,
    0x19a4c116UL, 0x1e376c08UL, 0x2748774cUL, 0x34b0bcb5UL, 0x391c0cb3UL, 0x4ed8aa4aUL,
    0x5b9cca4fUL, 0x682e6ff3UL, 0x748f82eeUL, 0x78a5636fUL, 0x84c87814UL, 0x8cc70208UL,
    0x90befffaUL, 0xa4506cebUL, 0xbef9a3f7UL, 0xc67178f2UL,
};

#define ROTR(x, n) ((((x) >> (n)) | ((x) << (32 - (n)))) & 0xffffffffUL)

static void sha256_init(struct sha256 *s)
{
    static const unsigned long iv[8] = {0x6a09e667UL, 0xbb67ae85UL, 0x3c6ef372UL, 0xa54ff53aUL,
                                        0x510e527fUL, 0x9b05688cUL, 0x1f83d9abUL, 0x5be0cd19UL};
    memcpy(s->h, iv, sizeof iv);
    s->fill = 0;
    s->total = 0;
}

static void sha256_block(struct sha256 *s, const unsigned char *p)
{
    unsigned long w[64], a, b, c, d, e, f, g, h;
    int i;

    for (i = 0; i < 16; i++)
        w[i] = ((unsigned long)p[4 * i] << 24) | ((unsigned long)p[4 * i + 1] << 16) |
               ((unsigned long)p[4 * i + 2] << 8) | (unsigned long)p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        unsigned long s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        unsigned long s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & 0xffffffffUL;
    }
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (i = 0; i < 64; i++) {
        unsigned long t1 = (h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) +
                            k256[i] + w[i]) & 0xffffffffUL;
        unsigned long t2 = ((ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) +
                            ((a & b) ^ (a & c) ^ (b & c))) & 0xffffffffUL;
        h = g, g = f, f = e;
        e = (d + t1) & 0xffffffffUL;
        d = c, c = b, b = a;
        a = (t1 + t2) & 0xffffffffUL;
    }
    s->h[0] = (s->h[0] + a) & 0xffffffffUL;
    s->h[1] = (s->h[1] + b) & 0xffffffffUL;
    s->h[2] = (s->h[2] + c) & 0xffffffffUL;
    s->h[3] = (s->h[3] + d) & 0xffffffffUL;
    s->h[4] = (s->h[4] + e) & 0xffffffffUL;
    s->h[5] = (s->h[5] + f) & 0xffffffffUL;
    s->h[6] = (s->h[6] + g) & 0xffffffffUL;
    s->h[7] = (s->h[7] + h) & 0xffffffffUL;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->total += len;
    while (len > 0) {
        size_t take = 64 - s->fill;
        if (take > len)
            take = len;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        len -= take;
        if (s->fill == 64) {
            sha256_block(s, s->block);
            s->fill = 0;
        }
    }
}

static void sha256_final(struct sha256 *s, unsigned char out[32])
{
    unsigned long long bits = s->total * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    int i;

    sha256_update(s, &pad, 1);
    while (s->fill != 56)
        sha256_update(s, &zero, 1);
    for (i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, len, 8);
    for (i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
}

void cordon__sha256(const void *data, size_t len, unsigned char out[32])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, data, len);
    sha256_final(&s, out);
}

void cordon__hmac_sha256(const unsigned char *key, size_t key_len, const void *data, size_t len,
                         unsigned char out[32])
{
    unsigned char k[64], pad[64], inner[32];
    struct sha256 s;
    size_t i;

    memset(k, 0, sizeof k);
    if (key_len > 64)
        cordon__sha256(key, key_len, k);
    else if (key_len > 0)
        memcpy(k, key, key_len);
    for (i = 0; i < 64; i++)
        pad[i] = (unsigned char)(k[i] ^ 0x36);
    sha256_init(&s);
    sha256_update(&s, pad, 64);
    sha256_update(&s, data, len);
    sha256_final(&s, inner);
    for (i = 0; i < 64; i++)
        pad[i] = (unsigned char)(k[i] ^ 0x5c);
    sha256_init(&s);
    sha256_update(&s, pad, 64);
    sha256_update(&s, inner, 32);
    sha256_final(&s, out);
}
