/* libFuzzer target: runner protocol frames are untrusted input (the
 * runner decodes what an unprivileged caller sends). Every input is a
 * stream of frames: each is accepted, asked to grow, or refused with a
 * message, without memory errors; an accepted frame re-encodes to exactly
 * the bytes it was decoded from (the decoder accepts nothing the encoder
 * would not write). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        struct cordon__ipc_msg m;
        struct cordon__buf again = {0};
        size_t used = 0, need = 0;
        cordon_error e = cordon__ipc_decode(data + off, size - off, &m, &used, &need);
        if (e != CORDON_OK) {
            if (cordon_last_error()[0] == '\0')
                __builtin_trap(); /* a refusal must say why */
            break;
        }
        if (used == 0) {
            if (need <= size - off || need < CORDON__IPC_HEADER_SIZE)
                __builtin_trap(); /* asked for more than it had, never less */
            break;
        }
        if (cordon__ipc_encode(&m, &again) != CORDON_OK || again.len != used ||
            memcmp(again.p, data + off, used) != 0)
            __builtin_trap();
        cordon__buf_free(&again);
        cordon__ipc_msg_free(&m);
        off += used;
    }
    return 0;
}
