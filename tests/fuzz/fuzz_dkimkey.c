/* fuzz_dkimkey.c — libFuzzer target for analysis/dkim/dkimkey.c.
 *
 * The input is one DKIM key record as it would come from DNS (any bytes),
 * including its base64 key, which is decoded with OpenSSL. The parser must
 * not crash or fail (except on OOM); every problem must have a detail and a
 * column inside the record; a decoded key must have a plausible size. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dkim/dkimkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dkimkey_record *r = NULL;
    err e;

    err_clear(&e);
    if (dkimkey_parse((const char *)data, size, &r, &e) != 0)
        abort(); /* only OOM may fail */
    size_t errs = 0;
    for (size_t i = 0; i < r->nproblems; i++) {
        if (!r->problems[i].detail || r->problems[i].column > size + 1)
            abort();
        errs += r->problems[i].sev == DKIMKEY_SEV_ERROR;
    }
    if (errs != r->nerrors)
        abort();
    if ((r->key_type == DKIMKEY_TYPE_UNKNOWN) != (r->key_bits == 0))
        abort();
    if (r->key_type == DKIMKEY_TYPE_ED25519 && r->key_bits != 256)
        abort();
    if (r->key_bits > 8 * DKIMKEY_RECORD_MAX)
        abort();
    dkimkey_record_free(r);
    return 0;
}
