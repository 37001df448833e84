/* fuzz_rdata.c — libFuzzer target for dns/rdata.c (A, AAAA, MX, TXT, PTR,
 * CNAME and TLSA record data, as libunbound hands it to the query engine).
 *
 * Input: one byte choosing the record type, then records, each a 16-bit
 * big-endian length and that many bytes (a length running past the end takes
 * what is left). The parser must never read outside a record, must keep at
 * most DNS_RDATA_MAX_RECORDS, must produce printable names and an MX list
 * sorted by preference, and must free everything (ASan/LSan check that). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"
#include "dns/rdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= DNAME_TEXT_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const dns_rrtype types[] = {DNS_RR_A,   DNS_RR_AAAA,  DNS_RR_MX,  DNS_RR_TXT,
                                       DNS_RR_PTR, DNS_RR_CNAME, DNS_RR_TLSA};
    enum { MAX_IN = 400 }; /* a few more than the parser keeps */
    char *recs[MAX_IN];
    int lens[MAX_IN];
    size_t n = 0;

    if (size < 1)
        return 0;
    dns_rrtype type = types[data[0] % (sizeof types / sizeof types[0])];
    size_t i = 1;
    while (i + 2 <= size && n < MAX_IN) {
        size_t len = (size_t)data[i] << 8 | data[i + 1];
        i += 2;
        if (len > size - i)
            len = size - i;
        /* Each record in its own allocation, so ASan sees any overread. */
        recs[n] = malloc(len ? len : 1);
        if (!recs[n])
            break;
        memcpy(recs[n], data + i, len);
        lens[n++] = (int)len;
        i += len;
    }

    dns_answer a;
    memset(&a, 0, sizeof a);
    a.type = type;
    int kept = dns_rdata_parse(&a, type, recs, lens, n);
    if (kept > DNS_RDATA_MAX_RECORDS || (size_t)kept > n)
        abort();
    if (kept >= 0) {
        size_t got = a.addrs.n + a.mx.n + a.txt.n + a.names.n + a.n_tlsa;
        if (got != (size_t)kept)
            abort();
        for (size_t k = 0; k < a.mx.n; k++) {
            check_text(a.mx.v[k].host);
            if (k > 0 && a.mx.v[k - 1].pref > a.mx.v[k].pref)
                abort();
        }
        for (size_t k = 0; k < a.names.n; k++)
            check_text(a.names.v[k]);
        for (size_t k = 0; k < a.txt.n; k++)
            for (size_t s = 0; s < a.txt.v[k].nstrs; s++)
                if (a.txt.v[k].lens[s] > 255 || a.txt.v[k].strs[s][a.txt.v[k].lens[s]] != '\0')
                    abort();
        for (size_t k = 0; k < a.n_tlsa; k++)
            if (a.tlsa[k].len == 0 || a.tlsa[k].usage > 255)
                abort();
    }
    dns_rdata_clear(&a);
    for (size_t k = 0; k < n; k++)
        free(recs[k]);
    return 0;
}
