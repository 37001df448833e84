/* fuzz_mtasts.c — libFuzzer target for analysis/mtasts/mtasts.c.
 *
 * The input is parsed both as an _mta-sts TXT record and as a policy file
 * (any bytes). Neither parser may crash or fail (except on OOM); every
 * problem must have a detail; kept mx patterns must be display-safe and the
 * §4.1 match must run on them, also with the input itself as the host name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/mtasts/mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    mtasts_record *r = NULL;
    mtasts_policy *p = NULL;
    err e;

    err_clear(&e);
    if (mtasts_record_parse(s, size, &r, &e) != 0)
        abort(); /* only OOM may fail */
    for (size_t i = 0; i < r->nproblems; i++)
        if (!r->problems[i].detail || r->problems[i].column > size + 1)
            abort();
    if (r->id && (strlen(r->id) == 0 || strlen(r->id) > 32))
        abort();
    mtasts_record_free(r);

    if (mtasts_policy_parse(s, size, &p, &e) != 0)
        abort();
    size_t errs = 0;
    for (size_t i = 0; i < p->nproblems; i++) {
        if (!p->problems[i].detail)
            abort();
        errs += p->problems[i].sev == MTASTS_SEV_ERROR;
    }
    if (errs != p->nerrors || p->nmx > MTASTS_MX_MAX || p->max_age > MTASTS_MAX_AGE_MAX)
        abort();
    for (size_t i = 0; i < p->nmx; i++) {
        for (const char *c = p->mx[i]; *c; c++)
            if (*c <= 0x20 || *c >= 0x7f)
                abort();
        /* a pattern without wildcard matches itself */
        if (p->mx[i][0] != '*' && !mtasts_mx_matches(p, p->mx[i]))
            abort();
    }
    char *host = malloc(size + 1);
    if (host) {
        memcpy(host, data, size);
        host[size] = '\0';
        (void)mtasts_mx_matches(p, host);
        free(host);
    }
    mtasts_policy_free(p);
    return 0;
}
