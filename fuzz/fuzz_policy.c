/* libFuzzer target: policy text is untrusted input. Every input must be
 * either accepted or rejected with a message, without memory errors. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cordon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cordon_policy *p = NULL;
    cordon_error e = cordon_policy_parse((const char *)data, size, "fuzz", &p);
    if (e == CORDON_OK) {
        cordon_policy_free(p);
    } else if (cordon_last_error()[0] == '\0') {
        __builtin_trap(); /* a rejection must say why */
    }
    return 0;
}
