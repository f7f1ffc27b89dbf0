/* The JSON writer: output is always valid UTF-8, and strings that are not
 * UTF-8 (paths) come back byte for byte through the surrogateescape rule. */
#include "harness.h"
#include "internal.h"
#include "json_check.h"

/* Writes |in| as an object key and a string value; returns the document. */
static char *doc_of(const char *in)
{
    struct cordon__json j;
    memset(&j, 0, sizeof j);
    cordon__json_begin_object(&j);
    cordon__json_kstr(&j, in, in);
    cordon__json_end_object(&j);
    return cordon__buf_take(&j.out);
}

static void round_trip(const char *in, const char *want)
{
    char *doc = doc_of(in);
    char back[1024];
    const char *p;
    CHECK(doc != NULL);
    if (!doc)
        return;
    CHECK_MSG(jc_valid_utf8((const unsigned char *)doc, strlen(doc)), "not UTF-8: %s", doc);
    if (want) {
        char expect[1024];
        snprintf(expect, sizeof expect, "{%s:%s}", want, want);
        CHECK_STR(doc, expect);
    }
    p = jc_decode(doc + 1, back, sizeof back);
    CHECK_MSG(p && *p == ':' && strcmp(back, in) == 0, "key does not decode back: %s", doc);
    p = p ? jc_decode(p + 1, back, sizeof back) : NULL;
    CHECK_MSG(p && strcmp(p, "}") == 0 && strcmp(back, in) == 0, "value does not decode back: %s",
              doc);
    free(doc);
}

int main(void)
{
    round_trip("/home/u/ws", "\"/home/u/ws\"");
    round_trip("a\"b\\c\nd\te\x01\x7f", "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\"");
    /* Well-formed UTF-8 passes through as it is. */
    round_trip("/h/\xc3\xa9t\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80", "\"/h/\xc3\xa9t\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80\"");
    /* Latin-1 bytes of a non-UTF-8 file name: one escape per byte. */
    round_trip("/h/caf\xe9", "\"/h/caf\\udce9\"");
    round_trip("\xff\xfe", "\"\\udcff\\udcfe\"");
    /* Overlong, surrogate, above U+10FFFF, truncated: not well-formed. */
    round_trip("\xc0\xaf", "\"\\udcc0\\udcaf\"");
    round_trip("\xed\xa0\x80", "\"\\udced\\udca0\\udc80\"");
    round_trip("\xf4\x90\x80\x80", "\"\\udcf4\\udc90\\udc80\\udc80\"");
    round_trip("a\xe2\x82", "\"a\\udce2\\udc82\"");
    round_trip("\xe2\x82" "b", "\"\\udce2\\udc82b\"");
    round_trip("\x80", "\"\\udc80\"");
    TEST_MAIN_END();
}
