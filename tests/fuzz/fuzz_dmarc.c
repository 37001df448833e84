/* fuzz_dmarc.c — libFuzzer target for analysis/dmarc/dmarc.c.
 *
 * The input is one DMARC record as it would come from DNS (any bytes). The
 * parser must not crash or fail (except on OOM); every problem must have a
 * detail sentence and a column inside the record, and the advice must run on
 * whatever was parsed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dmarc/dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dmarc_record *r = NULL;
    err e;

    err_clear(&e);
    (void)dmarc_is_dmarc((const char *)data, size);
    if (dmarc_parse((const char *)data, size, &r, &e) != 0)
        abort(); /* only OOM may fail, and libFuzzer's malloc limit aborts first */
    size_t errs = 0;
    for (size_t i = 0; i < r->nproblems; i++) {
        if (!r->problems[i].detail || r->problems[i].column > size + 1)
            abort();
        errs += r->problems[i].sev == DMARC_SEV_ERROR;
    }
    if (errs != r->nerrors || r->nrua > DMARC_URIS_MAX || r->nruf > DMARC_URIS_MAX ||
        r->pct < 0 || r->pct > 100)
        abort();
    for (size_t i = 0; i < r->nrua; i++)
        if (r->rua[i].is_mailto != (r->rua[i].mailto_domain != NULL))
            abort();
    if (dmarc_advise(r, true, &e) != 0)
        abort();
    dmarc_record_free(r);
    return 0;
}
