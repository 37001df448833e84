/* rdata.h — INTERNAL to src/dns: record data (rdata) parsers.
 *
 * libunbound hands over each answer as a list of raw rdata blobs. These
 * parsers turn them into the typed payload of a dns_answer (batch.h): A/AAAA
 * into addresses, MX into a list sorted by preference, TXT into its strings,
 * PTR/CNAME into names, TLSA into its four fields. The bytes come from the
 * network: every parser is strict and bounds-checked, a malformed record is
 * skipped (never fatal), and at most DNS_RDATA_MAX_RECORDS records are kept
 * per answer. Fuzzed by tests/fuzz/fuzz_rdata.c. */
#ifndef SMTPSCOPE_DNS_RDATA_H
#define SMTPSCOPE_DNS_RDATA_H

#include <stddef.h>

#include "dns/batch.h"

/* Records kept per answer; the rest are ignored. A 64 KiB DNS message holds
 * at most about 4000 A records, and no mail-related name needs more than a
 * handful: the cap keeps a hostile answer from costing much memory. */
#define DNS_RDATA_MAX_RECORDS 256

/* Parse the count rdata blobs data[i] (len[i] bytes; a negative length is a
 * malformed record) of type `type` into a's payload, which must be empty.
 * Returns the number of records kept (0 = none parsed: every record was
 * malformed, or count was 0), or -1 on OOM (a's payload is then empty). */
int dns_rdata_parse(dns_answer *a, dns_rrtype type, char *const *data, const int *len,
                    size_t count);

/* Free a's payload (addrs, mx, txt, names, tlsa) and leave it empty. */
void dns_rdata_clear(dns_answer *a);

#endif
