/* libFuzzer target: the JSON writer is given arbitrary bytes (paths and
 * messages are not always UTF-8). Every output must be valid UTF-8 and
 * decode back to exactly the input (core/json.c's surrogateescape rule). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cordon__json j;
    char *in, *doc, *back;
    const char *p;
    size_t cap;

    if (size > 4096)
        return 0;
    in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0'; /* C strings: the writer sees up to the first NUL */
    memset(&j, 0, sizeof j);
    cordon__json_begin_array(&j);
    cordon__json_string(&j, in);
    cordon__json_end_array(&j);
    doc = cordon__buf_take(&j.out);
    if (!doc) {
        free(in);
        return 0;
    }
    cap = strlen(in) + 8; /* the decoded bytes are the input again */
    back = malloc(cap);
    if (!back || !jc_valid_utf8((const unsigned char *)doc, strlen(doc)) || doc[0] != '[')
        __builtin_trap();
    p = jc_decode(doc + 1, back, cap);
    if (!p || strcmp(p, "]") != 0 || strcmp(back, in) != 0)
        __builtin_trap();
    free(back);
    free(doc);
    free(in);
    return 0;
}
