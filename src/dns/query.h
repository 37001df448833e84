/* query.h — INTERNAL to src/dns: the one libunbound query engine.
 *
 * batch.c is the only user of the run loop; resolver.c's typed lookups are
 * small batches. This header also holds the resolver's private struct (the
 * engine needs its context and its list of abandoned queries) and the status
 * and error-sentence mapping both files share. Nothing outside src/dns may
 * include it.
 *
 * Ownership: a dns_query is heap-allocated by its owner (a batch) and freed
 * with dns_query_free, except when the run loop hands it to the resolver as
 * "abandoned" (see dns_query_run), after which the resolver frees it. */
#ifndef SMTPSCOPE_DNS_QUERY_H
#define SMTPSCOPE_DNS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "dns/batch.h"
#include "dns/resolver.h"

struct ub_ctx;
struct ub_result;

/* One libunbound query and how it ended. */
typedef struct dns_query {
    const char *name;       /* borrowed from the owner; never read by the callback */
    int rrtype;
    int id;                 /* libunbound async id, valid once sent */
    bool sent;              /* ub_resolve_async accepted it */
    bool done;              /* the callback ran (set on the worker's behalf by ub_process) */
    bool gave_up;           /* cancelled at the deadline: final, DNS_TIMEOUT */
    bool abandoned;         /* owned by the resolver now; drop the answer */
    int start_err;          /* ub_resolve_async's error when it refused (UB_SYNTAX, ...) */
    int ub_err;             /* the callback's error code */
    struct ub_result *res;  /* owned; NULL unless done with ub_err == 0 */
    struct dns_query *next; /* in dns_resolver.abandoned */
} dns_query;

struct dns_resolver {
    struct ub_ctx *ctx;
    dns_query *abandoned; /* cancelled too late; waiting for their callback */
    bool validates;       /* a trust anchor was set */
};

/* A new unsent query (name borrowed, must outlive the query). NULL on OOM. */
dns_query *dns_query_new(const char *name, int rrtype);

/* Free q and its result. NULL is fine. Never call it on an abandoned query. */
void dns_query_free(dns_query *q);

/* Send every query of q[0..n) that is neither sent nor finished, then wait
 * until every query in flight is answered or the deadline passes; those still
 * out are cancelled and marked gave_up. q[i] may be replaced: when a cancel
 * comes too late the live slot goes to r->abandoned and q[i] becomes a copy
 * that says "no answer" (or NULL when even that copy cannot be allocated; the
 * caller then treats the slot as failed with UB_NOMEM, see dns_query_status).
 * Returns 0, or -1 with e set for a local failure (poll, libunbound), after
 * which every query is still final. */
int dns_query_run(dns_resolver *r, dns_query **q, size_t n, int64_t deadline, err *e);

/* Free the abandoned queries whose callback has run (all of them if all). */
void dns_query_reap(dns_resolver *r, bool all);

/* How q ended: DNS_OK means NOERROR with data of the type (whether the data
 * parses is the caller's business). NULL gives DNS_ERROR. */
dns_status dns_query_status(const dns_query *q);

/* q's DNSSEC status under resolver r (see resolver.h). */
dns_dnssec dns_query_dnssec(const dns_resolver *r, const dns_query *q);

/* The sentence for a lookup of `what` ("MX record", "AAAA or A record") of
 * name that ended with status s, as resolver.h documents them; q is the
 * query that decided it (may be NULL: then start_err, or "malformed data").
 * total_ms is the time the lookup had, for the timeout sentence. Sets e's
 * class and msg and returns the status reported (DNS_OK becomes DNS_ERROR:
 * data that did not parse). Does not touch e->dns_status or e->stage. */
dns_status dns_query_explain(err *e, dns_status s, const char *name, const char *what,
                             const dns_query *q, int start_err, int64_t total_ms);

/* Basic sanity before libunbound sees a name: not NULL, not empty, at most
 * 254 characters (253 plus a trailing dot). */
bool dns_query_name_ok(const char *name);

/* ---- batch internals for resolver.c's typed lookups (batch.c) ---- */

/* The query behind answer i (NULL when out of range, or when the engine ran
 * out of memory for it); its result stays valid until dns_batch_free. */
const dns_query *dns_batch_query(const dns_batch *b, int i);

/* Answer i, writable, so a typed lookup can move the parsed payload out
 * (leaving the moved lists empty; dns_batch_free then frees nothing twice). */
dns_answer *dns_batch_answer_mut(dns_batch *b, int i);

/* The time answer i's run had, in ms (for the timeout sentence). */
int64_t dns_batch_total_ms(const dns_batch *b, int i);

#endif
