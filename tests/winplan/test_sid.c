/* Capability SID derivation: stable for a root, distinct between roots and
 * between users' secrets, blind to path case, and recognisable as cordon's. */
#include "harness.h"
#include "internal.h"

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

int main(void)
{
    const unsigned char k1[] = "0123456789abcdef0123456789abcdef";
    const unsigned char k2[] = "fedcba9876543210fedcba9876543210";
    char a[CORDON__WIN_SID_MAX], b[CORDON__WIN_SID_MAX], c[CORDON__WIN_SID_MAX];
    char d[CORDON__WIN_SID_MAX], t[CORDON__WIN_SID_MAX];

    cordon__win_derive_sid(k1, 32, "root", "C:\\src\\app", a);
    cordon__win_derive_sid(k1, 32, "root", "C:\\src\\app", b);
    CHECK_STR(a, b); /* stable */
    cordon__win_derive_sid(k1, 32, "root", "c:\\SRC\\App", c);
    CHECK_STR(a, c); /* case-insensitive, like the filesystem */
    cordon__win_derive_sid(k1, 32, "root", "C:\\src\\app2", c);
    CHECK(strcmp(a, c) != 0); /* distinct per root */
    cordon__win_derive_sid(k2, 32, "root", "C:\\src\\app", d);
    CHECK(strcmp(a, d) != 0); /* distinct per user secret */
    cordon__win_derive_sid(k1, 32, "tmp", "C:\\src\\app", t);
    CHECK(strcmp(a, t) != 0); /* purpose separates the namespaces */

    CHECK(strncmp(a, CORDON__WIN_SID_PREFIX, strlen(CORDON__WIN_SID_PREFIX)) == 0);
    /* S-1-5-21-1668248164 + six sub-authorities = 10 dashes: the NT
     * authority form, not the capability form (error 87 in the field). */
    CHECK_MSG(count_char(a, '-') == 10, "%s", a);
    CHECK(strncmp(a, "S-1-5-21-1668248164-", 20) == 0);
    CHECK(cordon__win_is_cordon_sid(a));
    CHECK(cordon__win_is_cordon_sid(t));
    CHECK(!cordon__win_is_cordon_sid("S-1-1-0"));
    CHECK(!cordon__win_is_cordon_sid("S-1-15-3-1024-1668248164-"));
    CHECK(!cordon__win_is_cordon_sid("S-1-5-21-1668248164-"));
    /* A real account of a domain whose first sub-authority happens to be
     * 1668248164 has four sub-authorities after 21: never cordon's. */
    CHECK(!cordon__win_is_cordon_sid("S-1-5-21-1668248164-22-33-1001"));
    CHECK(!cordon__win_is_cordon_sid("S-1-5-21-1668248164-1-2-3-4-5-6-7"));
    CHECK(!cordon__win_is_cordon_sid("S-1-5-21-1668248164-1-2-3-4-5-x"));
    CHECK(cordon__win_is_cordon_sid("S-1-5-21-1668248164-1-2-3-4-5-6"));
    /* The capability form of earlier versions is still found (revoke). */
    CHECK(cordon__win_is_cordon_sid("S-1-15-3-1024-1668248164-1-2-3-4-5-6"));
    CHECK(!cordon__win_is_cordon_sid("S-1-5-21-1-2-3-1001"));
    CHECK(!cordon__win_is_cordon_sid(NULL));
    {
        /* Every sub-authority fits in 32 bits. */
        const char *p = a + strlen(CORDON__WIN_SID_PREFIX);
        while (*p) {
            char *end;
            unsigned long long v = strtoull(p, &end, 10);
            CHECK(end > p && v <= 0xffffffffULL);
            p = *end == '-' ? end + 1 : end;
        }
    }
    TEST_MAIN_END();
}
