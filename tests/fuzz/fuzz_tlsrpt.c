/* fuzz_tlsrpt.c — libFuzzer target for analysis/tlsrpt/tlsrpt.c.
 *
 * The input is one _smtp._tls TXT record (any bytes). The parser must not
 * crash or fail (except on OOM); every problem must have a detail and a column
 * inside the record, and every kept URI must be printable ASCII. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/tlsrpt/tlsrpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tlsrpt_record *r = NULL;
    err e;

    err_clear(&e);
    (void)tlsrpt_is_tlsrpt((const char *)data, size);
    if (tlsrpt_parse((const char *)data, size, &r, &e) != 0)
        abort(); /* only OOM may fail */
    size_t errs = 0;
    for (size_t i = 0; i < r->nproblems; i++) {
        if (!r->problems[i].detail || r->problems[i].column > size + 1)
            abort();
        errs += r->problems[i].sev == TLSRPT_SEV_ERROR;
    }
    if (errs != r->nerrors || r->nrua > TLSRPT_URIS_MAX)
        abort();
    for (size_t i = 0; i < r->nrua; i++)
        for (const char *c = r->rua[i]; *c; c++)
            if (*c <= 0x20 || *c >= 0x7f)
                abort();
    tlsrpt_record_free(r);
    return 0;
}
