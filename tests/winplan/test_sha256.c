/* SHA-256 and HMAC-SHA-256 against the published test vectors (FIPS 180-4
 * examples, RFC 4231 cases 1, 2 and 6). */
#include "harness.h"
#include "internal.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_sha(const char *msg, const char *want)
{
    unsigned char d[32];
    char h[65];
    cordon__sha256(msg, strlen(msg), d);
    hex(d, 32, h);
    CHECK_STR(h, want);
}

static void check_hmac(const unsigned char *key, size_t klen, const char *msg, const char *want)
{
    unsigned char d[32];
    char h[65];
    cordon__hmac_sha256(key, klen, msg, strlen(msg), d);
    hex(d, 32, h);
    CHECK_STR(h, want);
}

int main(void)
{
    unsigned char key20[20], key131[131];
    char *million;
    unsigned char d[32];
    char h[65];

    check_sha("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    million = malloc(1000000);
    CHECK(million != NULL);
    if (million) {
        memset(million, 'a', 1000000);
        cordon__sha256(million, 1000000, d);
        hex(d, 32, h);
        CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(million);
    }

    memset(key20, 0x0b, sizeof key20);
    check_hmac(key20, sizeof key20, "Hi There",
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac((const unsigned char *)"Jefe", 4, "what do ya want for nothing?",
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key131, 0xaa, sizeof key131);
    check_hmac(key131, sizeof key131, "Test Using Larger Than Block-Size Key - Hash Key First",
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    TEST_MAIN_END();
}
