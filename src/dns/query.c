/* query.c — the one libunbound query engine of src/dns (query.h).
 *
 * RFC 1035 §4.1.1 (RCODEs), RFC 2308 (NXDOMAIN vs NODATA), RFC 4035 §4.3
 * (secure, insecure, bogus). docs/internals/DNS.md explains the design:
 *   - libunbound runs in async thread mode: queries are sent with
 *     ub_resolve_async, and we poll(2) ub_fd() ourselves until the deadline,
 *     calling ub_process() when it is readable. A query still out at the
 *     deadline is cancelled and reported as DNS_TIMEOUT, so no lookup ever
 *     waits for libunbound's own (much longer) retry schedule.
 *   - each query's callback state lives on the heap, never on the caller's
 *     stack: if a cancel comes too late (the answer is already queued), the
 *     callback still runs during a later ub_process, and must find live
 *     memory. Such "abandoned" slots are kept on the resolver and freed later.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
/* ---- dns ---- */
#include "dns/query.h"

enum { RR_CLASS_IN = 1 };
enum { RCODE_NOERROR = 0, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3 };

dns_query *dns_query_new(const char *name, int rrtype)
{
    dns_query *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->name = name;
    q->rrtype = rrtype;
    return q;
}

void dns_query_free(dns_query *q)
{
    if (!q)
        return;
    ub_resolve_free(q->res);
    free(q);
}

void dns_query_reap(dns_resolver *r, bool all)
{
    dns_query **pp = &r->abandoned;
    while (*pp) {
        dns_query *q = *pp;
        if (q->done || all) {
            *pp = q->next;
            dns_query_free(q);
        } else {
            pp = &q->next;
        }
    }
}

static void on_answer(void *arg, int ub_err, struct ub_result *res)
{
    dns_query *q = arg;
    q->done = true;
    q->ub_err = ub_err;
    if (q->abandoned) {
        ub_resolve_free(res);
        return;
    }
    q->res = res;
}

static bool in_flight(const dns_query *q)
{
    return q && q->sent && !q->done && !q->gave_up;
}

/* At the deadline (or after a local failure): cancel what is still out.
 * When the cancel fails the answer is already queued; the live slot then
 * waits on the resolver for its callback and the caller keeps a copy. */
static void give_up(dns_resolver *r, dns_query **q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!in_flight(q[i]))
            continue;
        if (ub_cancel(r->ctx, q[i]->id) == 0) {
            q[i]->gave_up = true;
            continue;
        }
        dns_query *live = q[i];
        dns_query *copy = malloc(sizeof *copy);
        if (copy) {
            *copy = *live;
            copy->gave_up = true;
            copy->next = NULL;
        }
        live->abandoned = true;
        live->name = NULL;
        live->next = r->abandoned;
        r->abandoned = live;
        q[i] = copy; /* NULL without memory: the caller reports UB_NOMEM */
    }
}

int dns_query_run(dns_resolver *r, dns_query **q, size_t n, int64_t deadline, err *e)
{
    int rc = 0;
    size_t pending = 0;

    dns_query_reap(r, false);
    for (size_t i = 0; i < n; i++) {
        if (!q[i] || q[i]->sent || q[i]->start_err)
            continue;
        int ue = ub_resolve_async(r->ctx, q[i]->name, q[i]->rrtype, RR_CLASS_IN, q[i], on_answer,
                                  &q[i]->id);
        if (ue != 0) {
            q[i]->start_err = ue;
            continue;
        }
        q[i]->sent = true;
        pending++;
    }
    /* Queries from an earlier run are final (answered or given up), so only
     * the ones just sent are waited for. */
    int fd = pending ? ub_fd(r->ctx) : -1;
    if (pending && fd < 0) {
        rc = err_set(e, ERRC_DNS, "DNS resolver failed: no file descriptor to wait on");
        goto out;
    }
    while (pending) {
        /* poll with 0 once the deadline has passed still collects answers
         * that are already queued. */
        int64_t left = clock_remaining_ms(deadline);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            rc = err_sys(e, ERRC_INTERNAL, errno, "poll on the DNS resolver failed");
            goto out;
        }
        if (pr == 0)
            break;
        int ue = ub_process(r->ctx);
        if (ue != 0) {
            rc = err_set(e, ERRC_DNS, "DNS resolver failed: %s", ub_strerror(ue));
            goto out;
        }
        pending = 0;
        for (size_t i = 0; i < n; i++)
            if (in_flight(q[i]))
                pending++;
    }

out:
    give_up(r, q, n);
    return rc;
}

/* ------------------------------------------------------------ how it ended */

dns_status dns_query_status(const dns_query *q)
{
    if (!q || q->start_err)
        return DNS_ERROR;
    if (!q->done)
        return DNS_TIMEOUT; /* given up, or never run */
    if (q->ub_err != 0 || !q->res)
        return DNS_ERROR;
    if (q->res->bogus)
        return DNS_SERVFAIL;
    if (q->res->rcode == RCODE_NXDOMAIN || q->res->nxdomain)
        return DNS_NXDOMAIN;
    if (q->res->rcode == RCODE_SERVFAIL)
        return DNS_SERVFAIL;
    if (q->res->rcode != RCODE_NOERROR)
        return DNS_ERROR;
    return q->res->havedata ? DNS_OK : DNS_NODATA;
}

dns_dnssec dns_query_dnssec(const dns_resolver *r, const dns_query *q)
{
    /* Without an anchor libunbound validates nothing, and an answer that was
     * never judged is "unchecked", not "insecure". The same goes for a query
     * that got no answer at all. */
    if (!r || !r->validates || !q || !q->done || !q->res)
        return DNSSEC_UNCHECKED;
    if (q->res->secure)
        return DNSSEC_SECURE;
    if (q->res->bogus)
        return DNSSEC_BOGUS;
    return DNSSEC_INSECURE;
}

static const char *rcode_name(int rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rcode >= 0 && (size_t)rcode < sizeof names / sizeof names[0])
        return names[rcode];
    return NULL;
}

dns_status dns_query_explain(err *e, dns_status s, const char *name, const char *what,
                             const dns_query *q, int start_err, int64_t total_ms)
{
    if (s == DNS_OK) /* an answer with data, but none of it usable */
        s = DNS_ERROR;
    if (!e)
        return s;
    if (q && q->start_err)
        start_err = q->start_err;
    bool answered = q && q->done;
    switch (s) {
    case DNS_NXDOMAIN:
        err_set(e, ERRC_DNS, "%s does not exist (NXDOMAIN)", name);
        break;
    case DNS_NODATA:
        err_set(e, ERRC_DNS, "%s exists but has no %s (NODATA)", name, what);
        break;
    case DNS_SERVFAIL:
        if (answered && q->res && q->res->bogus)
            err_set(e, ERRC_DNS, "DNSSEC validation failed for %s (bogus answer)", name);
        else
            err_set(e, ERRC_DNS, "the DNS server failed to resolve %s (SERVFAIL)", name);
        break;
    case DNS_TIMEOUT:
        err_set(e, ERRC_TIMEOUT, "no DNS answer for %s within %lld ms", name, (long long)total_ms);
        break;
    case DNS_OK:
    case DNS_ERROR:
        /* libunbound may refuse a bad name at once (start_err) or only
         * in its worker (ub_err); either way it is the name's fault.
         * %.200s keeps the sentence inside err.msg for a long name. */
        if ((answered && q->ub_err == UB_SYNTAX) || start_err == UB_SYNTAX)
            err_set(e, ERRC_DNS, "\"%.200s\" is not a valid DNS name", name);
        else if (answered && q->ub_err != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (%s)", name, ub_strerror(q->ub_err));
        else if (answered && q->res && rcode_name(q->res->rcode) && q->res->rcode != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (%s)", name, rcode_name(q->res->rcode));
        else if (answered && q->res && q->res->rcode != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (RCODE %d)", name, q->res->rcode);
        else if (start_err != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (%s)", name, ub_strerror(start_err));
        else
            err_set(e, ERRC_DNS, "DNS lookup of %s returned malformed %s data", name, what);
        break;
    }
    return s;
}

bool dns_query_name_ok(const char *name)
{
    return name && *name && strlen(name) <= 253 + 1;
}
