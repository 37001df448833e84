/* batch.h — many DNS queries in flight at once, answered by one wait.
 *
 * The typed lookups of resolver.h ask one name at a time, which is right for
 * `check` (one host). A domain report asks dozens of independent questions
 * (MX, SPF, DMARC, each DKIM selector, each MX host's addresses, each
 * address's PTR, each address in each blocklist), so it collects them in a
 * batch and sends them all before waiting: the whole wave costs one round
 * trip instead of one per question. A batch is single-threaded and belongs to
 * one caller; it uses the resolver's libunbound context, so a batch must not
 * run while another lookup runs on the same resolver (nothing here is
 * thread-safe; use one resolver per thread).
 *
 * Every answer carries its status (NXDOMAIN, NODATA, SERVFAIL, timeout are
 * distinct, as in resolver.h), its DNSSEC status, and the canonical name when
 * a CNAME was followed, so callers can tell "MX points at an alias". */
#ifndef SMTPSCOPE_DNS_BATCH_H
#define SMTPSCOPE_DNS_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "dns/resolver.h"

/* RR types a batch can ask for (values are the IANA type numbers). */
typedef enum dns_rrtype {
    DNS_RR_A = 1,
    DNS_RR_CNAME = 5,
    DNS_RR_PTR = 12,
    DNS_RR_MX = 15,
    DNS_RR_TXT = 16,
    DNS_RR_AAAA = 28,
    DNS_RR_TLSA = 52,
} dns_rrtype;

/* Static upper-case name ("AAAA"). */
const char *dns_rrtype_name(dns_rrtype t);

/* One TLSA record (RFC 6698 §2.1). */
typedef struct dns_tlsa {
    unsigned usage, selector, mtype;
    unsigned char *data;    /* owned; certificate association data */
    size_t len;
} dns_tlsa;

/* The answer to one query of a batch. Only the payload matching the query's
 * type is filled; the others stay empty. Everything here is owned by the
 * batch and lives until dns_batch_free. */
typedef struct dns_answer {
    const char *name;       /* the name asked, as given to dns_batch_add */
    dns_rrtype type;
    dns_status status;      /* DNS_OK = at least one usable record of the type */
    dns_dnssec dnssec;      /* see resolver.h */
    char *canonical;        /* the name the data was found at when a CNAME was
                               followed (no trailing dot), else NULL */
    uint32_t ttl;           /* of the answer; 0 when unknown */
    char *why;              /* status != DNS_OK: a sentence for people ("x does not
                               exist (NXDOMAIN)"), as resolver.h's err messages */
    dns_addr_list addrs;    /* A / AAAA */
    dns_mx_list mx;         /* MX (sorted by preference; "." for a null MX) */
    dns_txt_list txt;       /* TXT */
    dns_name_list names;    /* PTR / CNAME targets */
    dns_tlsa *tlsa;         /* TLSA, n_tlsa entries */
    size_t n_tlsa;
} dns_answer;

typedef struct dns_batch dns_batch;

/* A new empty batch on resolver r (borrowed; must outlive the batch).
 * NULL on OOM. */
dns_batch *dns_batch_new(dns_resolver *r);

/* Queue a query. name is copied. Returns the query's index (0, 1, ... in the
 * order added) or -1 on OOM or when the batch is full (DNS_BATCH_MAX). A name
 * that is not a valid DNS name is accepted here and answered with DNS_ERROR
 * and a why that says so. Adding the same name and type twice returns the
 * index of the first. */
#define DNS_BATCH_MAX 1024
int dns_batch_add(dns_batch *b, const char *name, dns_rrtype type);

/* Send every query not yet sent, and wait until all are answered or the
 * deadline (clock_deadline) passes; unanswered ones become DNS_TIMEOUT. May be
 * called again after more dns_batch_add calls: only the new queries go out.
 * Returns 0, or -1 with e set for a local failure (OOM, poll, libunbound);
 * per-query DNS failures are not errors here, they are in each answer. */
int dns_batch_run(dns_batch *b, int64_t deadline, err *e);

/* The answer for index i (NULL when i is out of range). Valid after
 * dns_batch_run; before it, status is DNS_TIMEOUT and the payload empty. */
const dns_answer *dns_batch_answer(const dns_batch *b, int i);

size_t dns_batch_count(const dns_batch *b);

void dns_batch_free(dns_batch *b);

/* The reverse-lookup name of a numeric address: "4.3.2.1.in-addr.arpa" for
 * 1.2.3.4, the nibble form under ip6.arpa for IPv6. If zone is not NULL it
 * replaces "in-addr.arpa"/"ip6.arpa" (DNS blocklists: "4.3.2.1.zen.example").
 * Returns 0, or -1 when ip is not an address or out is too small (at least
 * 74 + strlen(zone) + 1 bytes are always enough). */
int dns_reverse_name(const char *ip, const char *zone, char *out, size_t outsz);

#endif
