/* fuzz_escape.c — libFuzzer target for display escaping (core/escape.c).
 *
 * Checks escape.h's promise on any input: the output is valid UTF-8, holds
 * no C0 control, DEL or C1 control, and stays within 4 bytes per input
 * byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out = escape_display((const char *)data, size);
    if (!out)
        return 0;
    const unsigned char *u = (const unsigned char *)out;
    size_t n = strlen(out);
    if (n > size * 4)
        abort();
    for (size_t i = 0; i < n;) {
        size_t k = escape_utf8_seq_len(u + i, n - i);
        if (k == 0)
            abort();
        if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f))
            abort();
        if (k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
            abort();
        i += k;
    }
    free(out);
    return 0;
}
