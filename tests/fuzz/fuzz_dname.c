/* fuzz_dname.c — libFuzzer target for dns/dname.c (dname_to_text).
 *
 * The input is raw wire-format bytes as they would come from DNS rdata. The
 * decoder must never read past size, and on success its text must be
 * printable ASCII that fits the buffer, with consumed within the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[DNAME_TEXT_MAX];
    size_t used = 0;

    if (dname_to_text(data, size, &used, out, sizeof out) == 0) {
        size_t n = strlen(out);
        if (used == 0 || used > size || used > DNAME_WIRE_MAX || n == 0 || n >= sizeof out)
            abort();
        for (size_t i = 0; i < n; i++)
            if (out[i] < 0x21 || out[i] > 0x7e)
                abort();
    }
    /* A small output buffer must fail cleanly, never overflow. */
    char small[8];
    (void)dname_to_text(data, size, NULL, small, sizeof small);
    return 0;
}
