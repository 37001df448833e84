/* resolver.c — typed DNS lookups over libunbound, with deadlines (resolver.h).
 *
 * RFC 1035 (message format, RCODEs), RFC 2308 (NXDOMAIN vs NODATA),
 * RFC 3596 (AAAA), RFC 7505 (null MX), RFC 6724 (IPv6 before IPv4).
 * docs/internals/DNS.md explains the design; the key points are:
 *   - libunbound runs in async thread mode: queries are sent with
 *     ub_resolve_async, and we poll(2) ub_fd() ourselves until the deadline,
 *     calling ub_process() when it is readable. A query still out at the
 *     deadline is cancelled and reported as DNS_TIMEOUT, so no lookup ever
 *     waits for libunbound's own (much longer) retry schedule.
 *   - each query's callback state lives on the heap, never on the caller's
 *     stack: if a cancel comes too late (the answer is already queued), the
 *     callback can still run during a later lookup, and must find live memory.
 *     Such "abandoned" slots are kept on the resolver and freed later. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/dname.h"
#include "dns/resolver.h"

enum { RR_A = 1, RR_PTR = 12, RR_MX = 15, RR_TXT = 16, RR_AAAA = 28, RR_CLASS_IN = 1 };
enum { RCODE_NOERROR = 0, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3 };

/* One outstanding libunbound query. Owned by the lookup that started it until
 * it completes or is cancelled; owned by the resolver once abandoned. */
typedef struct dns_query {
    int id;                 /* libunbound async id */
    int rrtype;
    bool done;              /* the callback ran */
    bool abandoned;         /* its lookup gave up; free once done */
    int ub_err;             /* libunbound error code from the callback */
    struct ub_result *res;  /* owned; NULL when ub_err != 0 */
    struct dns_query *next; /* in dns_resolver.abandoned */
} dns_query;

struct dns_resolver {
    struct ub_ctx *ctx;
    dns_query *abandoned; /* cancelled too late; waiting for their callback */
};

/* ------------------------------------------------------------------ setup */

/* "IP" or "IP@PORT" with an IPv4/IPv6 literal and a port 1..65535. */
static bool server_valid(const char *s)
{
    char ip[INET6_ADDRSTRLEN];
    const char *at = strrchr(s, '@');
    size_t iplen = at ? (size_t)(at - s) : strlen(s);
    if (iplen == 0 || iplen >= sizeof ip)
        return false;
    memcpy(ip, s, iplen);
    ip[iplen] = '\0';
    unsigned char bin[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
        return false;
    if (!at)
        return true;
    const char *p = at + 1;
    if (*p == '\0' || strlen(p) > 5)
        return false;
    unsigned long port = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    return port >= 1 && port <= 65535;
}

static int ub_fail(err *e, const char *what, int rc)
{
    return err_set(e, ERRC_DNS, "cannot set up the DNS resolver (%s: %s)", what, ub_strerror(rc));
}

dns_resolver *dns_resolver_new(const char *server, err *e)
{
    dns_resolver *r = NULL;
    int rc;

    if (server && !server_valid(server)) {
        err_set(e, ERRC_LOCAL_INPUT,
                "bad DNS server \"%.64s\": expected an IPv4 or IPv6 address, optionally "
                "followed by @PORT (1-65535)",
                server);
        goto fail;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        goto fail;
    }
    r->ctx = ub_ctx_create();
    if (!r->ctx) {
        err_set(e, ERRC_DNS, "cannot set up the DNS resolver (libunbound context)");
        goto fail;
    }
    if (server) {
        /* Forward everything to that one server and nothing else: no
         * resolv.conf, so a test's answers come only from its own Unbound. */
        if ((rc = ub_ctx_set_fwd(r->ctx, server)) != 0) {
            ub_fail(e, "forwarder", rc);
            goto fail;
        }
        /* libunbound refuses to query 127.0.0.0/8 and ::1 by default. */
        if ((rc = ub_ctx_set_option(r->ctx, "do-not-query-localhost:", "no")) != 0) {
            ub_fail(e, "do-not-query-localhost", rc);
            goto fail;
        }
        /* libunbound answers the RFC 6761 "test." zone itself with NXDOMAIN
         * (a built-in local zone). Someone who names a server wants that
         * server's answer, and our fixture serves smtpscope.test.
         * "transparent" passes such queries on; "nodefault" given through
         * ub_ctx_set_option does not remove the built-in zone. */
        if ((rc = ub_ctx_set_option(r->ctx, "local-zone:", "test. transparent")) != 0) {
            ub_fail(e, "local-zone", rc);
            goto fail;
        }
    } else {
        /* The system's servers and /etc/hosts (so "localhost" and local
         * names work as elsewhere on the machine). Either file may be
         * missing in a minimal container: without resolv.conf libunbound
         * resolves from the root itself, which is a working fallback, so a
         * read error is not fatal. */
        (void)ub_ctx_resolvconf(r->ctx, NULL);
        (void)ub_ctx_hosts(r->ctx, NULL);
    }
    /* Thread mode: a forked process (dothread 0) would copy the caller's
     * whole address space, open sockets included. */
    if ((rc = ub_ctx_async(r->ctx, 1)) != 0) {
        ub_fail(e, "async mode", rc);
        goto fail;
    }
    return r;

fail:
    dns_resolver_free(r);
    return NULL;
}

static void free_done_abandoned(dns_resolver *r, bool all)
{
    dns_query **pp = &r->abandoned;
    while (*pp) {
        dns_query *q = *pp;
        if (q->done || all) {
            *pp = q->next;
            ub_resolve_free(q->res);
            free(q);
        } else {
            pp = &q->next;
        }
    }
}

void dns_resolver_free(dns_resolver *r)
{
    if (!r)
        return;
    /* Deleting the context stops the worker thread; no callback runs after. */
    if (r->ctx)
        ub_ctx_delete(r->ctx);
    free_done_abandoned(r, true);
    free(r);
}

/* ---------------------------------------------------------------- queries */

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

/* Run the n queries for name concurrently until all are answered or the
 * deadline passes. q[i] is NULL for a query libunbound refused to start
 * (*start_err then holds its code); an unanswered one has done == false.
 * Returns 0, or -1 with e set for a local failure (poll, libunbound). */
static int run_queries(dns_resolver *r, const char *name, const int *types, dns_query **q,
                       size_t n, int64_t deadline, int *start_err, err *e)
{
    int rc = 0;
    size_t pending = 0;

    *start_err = 0;
    for (size_t i = 0; i < n; i++)
        q[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        q[i] = calloc(1, sizeof *q[i]);
        if (!q[i]) {
            rc = err_set(e, ERRC_INTERNAL, "out of memory");
            goto out;
        }
        q[i]->rrtype = types[i];
        int ue = ub_resolve_async(r->ctx, name, types[i], RR_CLASS_IN, q[i], on_answer, &q[i]->id);
        if (ue != 0) {
            free(q[i]);
            q[i] = NULL;
            *start_err = ue;
            continue;
        }
        pending++;
    }
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
            if (q[i] && !q[i]->done)
                pending++;
    }

out:
    /* Cancel what is still out. When the cancel fails the answer is already
     * queued; the slot then waits on the resolver for its callback. */
    for (size_t i = 0; i < n; i++) {
        if (!q[i] || q[i]->done)
            continue;
        if (ub_cancel(r->ctx, q[i]->id) == 0)
            continue; /* stays with the caller as a timed-out query */
        dns_query *a = calloc(1, sizeof *a);
        if (a) {
            /* Hand the live slot to the resolver; the caller keeps a copy
             * that says "no answer". */
            *a = *q[i];
            q[i]->abandoned = true;
            q[i]->next = r->abandoned;
            r->abandoned = q[i];
            q[i] = a;
            q[i]->next = NULL;
        } else {
            /* No memory for the copy: give the slot away and report the
             * query as never started. */
            q[i]->abandoned = true;
            q[i]->next = r->abandoned;
            r->abandoned = q[i];
            q[i] = NULL;
            *start_err = UB_NOMEM;
        }
    }
    return rc;
}

static void free_queries(dns_query **q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (q[i])
            ub_resolve_free(q[i]->res);
        free(q[i]);
        q[i] = NULL;
    }
}

/* ---------------------------------------------------------------- results */

static const char *rcode_name(int rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rcode >= 0 && (size_t)rcode < sizeof names / sizeof names[0])
        return names[rcode];
    return NULL;
}

/* How one query ended (DNS_OK = the name has data of that type). */
static dns_status query_status(const dns_query *q)
{
    if (!q)
        return DNS_ERROR;
    if (!q->done)
        return DNS_TIMEOUT;
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

/* Which failure explains best why a name has no address: the name not
 * existing is definitive; a failure says more than one family's NODATA
 * (the other family might exist but could not be asked). */
static int failure_rank(dns_status s)
{
    switch (s) {
    case DNS_NXDOMAIN: return 5;
    case DNS_SERVFAIL: return 4;
    case DNS_ERROR: return 3;
    case DNS_TIMEOUT: return 2;
    case DNS_NODATA: return 1;
    case DNS_OK: return 0;
    }
    return 0;
}

/* Record status s (and the resolve stage, unless the caller chose one). */
static dns_status tag(err *e, dns_status s)
{
    if (e) {
        e->dns_status = (int)s;
        if (e->stage == STAGE_NONE)
            e->stage = STAGE_RESOLVE;
    }
    return s;
}

/* Fill e for a lookup of `what` ("AAAA or A record", "MX record") of name
 * that ended with status s; q is the query that decided it (may be NULL). */
static dns_status fail(err *e, dns_status s, const char *name, const char *what,
                       const dns_query *q, int start_err, int64_t deadline_ms_total)
{
    if (s == DNS_OK) /* an answer with data, but none of it usable */
        s = DNS_ERROR;
    if (!e)
        return s;
    switch (s) {
    case DNS_NXDOMAIN:
        err_set(e, ERRC_DNS, "%s does not exist (NXDOMAIN)", name);
        break;
    case DNS_NODATA:
        err_set(e, ERRC_DNS, "%s exists but has no %s (NODATA)", name, what);
        break;
    case DNS_SERVFAIL:
        if (q && q->res && q->res->bogus)
            err_set(e, ERRC_DNS, "DNSSEC validation failed for %s (bogus answer)", name);
        else
            err_set(e, ERRC_DNS, "the DNS server failed to resolve %s (SERVFAIL)", name);
        break;
    case DNS_TIMEOUT:
        err_set(e, ERRC_TIMEOUT, "no DNS answer for %s within %lld ms", name,
                (long long)deadline_ms_total);
        break;
    case DNS_OK:
    case DNS_ERROR:
        if (q && q->done && q->ub_err != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (%s)", name, ub_strerror(q->ub_err));
        else if (q && q->done && q->res && rcode_name(q->res->rcode) && q->res->rcode != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (%s)", name, rcode_name(q->res->rcode));
        else if (q && q->done && q->res && q->res->rcode != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (RCODE %d)", name, q->res->rcode);
        else if (start_err == UB_SYNTAX)
            err_set(e, ERRC_DNS, "\"%.255s\" is not a valid DNS name", name);
        else if (start_err != 0)
            err_set(e, ERRC_DNS, "DNS lookup of %s failed (%s)", name, ub_strerror(start_err));
        else
            err_set(e, ERRC_DNS, "DNS lookup of %s returned malformed %s data", name, what);
        break;
    }
    return tag(e, s);
}

/* A local failure (bad call, out of memory, poll): not the DNS's fault. */
static dns_status internal(err *e, const char *msg)
{
    err_set(e, ERRC_INTERNAL, "%s", msg);
    return tag(e, DNS_ERROR);
}

/* Number of records in a libunbound answer (its data array ends with NULL). */
static size_t rdata_count(const struct ub_result *res)
{
    size_t n = 0;
    while (res->data && res->data[n])
        n++;
    return n;
}

/* Append the addresses in q's answer to out. Returns 0 or -1 on OOM. */
static int take_addrs(const dns_query *q, dns_addr_list *out)
{
    const struct ub_result *res = q->res;
    size_t count = rdata_count(res);
    if (count == 0)
        return 0;
    dns_addr *v = realloc(out->v, (out->n + count) * sizeof *v);
    if (!v)
        return -1;
    out->v = v;
    for (size_t i = 0; i < count; i++) {
        dns_addr *a = &out->v[out->n];
        memset(a, 0, sizeof *a);
        if (q->rrtype == RR_A && res->len[i] == 4) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;
            sin->sin_family = AF_INET;
            memcpy(&sin->sin_addr, res->data[i], 4);
            a->len = sizeof *sin;
            inet_ntop(AF_INET, &sin->sin_addr, a->text, sizeof a->text);
        } else if (q->rrtype == RR_AAAA && res->len[i] == 16) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;
            sin6->sin6_family = AF_INET6;
            memcpy(&sin6->sin6_addr, res->data[i], 16);
            a->len = sizeof *sin6;
            inet_ntop(AF_INET6, &sin6->sin6_addr, a->text, sizeof a->text);
        } else {
            continue; /* malformed rdata: skip it */
        }
        out->n++;
    }
    return 0;
}

static bool bad_name(const char *name)
{
    return !name || !*name || strlen(name) > 253 + 1;
}

dns_status dns_lookup_addrs(dns_resolver *r, const char *host, int family, int64_t deadline,
                            dns_addr_list *out, err *e)
{
    int types[2];
    size_t n = 0;
    dns_query *q[2] = {NULL, NULL};
    int start_err = 0;
    dns_status st = DNS_OK;
    int64_t total = clock_remaining_ms(deadline);

    memset(out, 0, sizeof *out);
    if (!r || (family != 0 && family != 4 && family != 6))
        return internal(e, "dns_lookup_addrs: bad arguments");
    if (bad_name(host))
        return fail(e, DNS_ERROR, host ? host : "", "address", NULL, UB_SYNTAX, 0);
    free_done_abandoned(r, false);
    /* AAAA first, then A (RFC 6724 default preference for IPv6). */
    if (family != 4)
        types[n++] = RR_AAAA;
    if (family != 6)
        types[n++] = RR_A;

    if (run_queries(r, host, types, q, n, deadline, &start_err, e) < 0) {
        st = tag(e, DNS_ERROR);
        goto out;
    }
    out->secure = true;
    int why = -1; /* the query whose failure explains the result */
    dns_status worst = DNS_OK;
    for (size_t i = 0; i < n; i++) {
        dns_status s = query_status(q[i]);
        if (s == DNS_OK && take_addrs(q[i], out) < 0) {
            st = internal(e, "out of memory");
            goto out;
        }
        if (!(q[i] && q[i]->res && q[i]->res->secure))
            out->secure = false;
        if (why < 0 || failure_rank(s) > failure_rank(worst)) {
            worst = s;
            why = (int)i;
        }
    }
    if (out->n > 0) {
        st = DNS_OK;
        goto out;
    }
    const char *what = family == 4 ? "A record" : family == 6 ? "AAAA record" : "AAAA or A record";
    st = fail(e, worst, host, what, why >= 0 ? q[why] : NULL, start_err, total);

out:
    free_queries(q, n);
    if (st != DNS_OK) {
        dns_addr_list_free(out);
        out->secure = false;
    }
    return st;
}

void dns_addr_list_free(dns_addr_list *l)
{
    if (!l)
        return;
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Parse one MX rdata (RFC 1035 §3.3.9): 16-bit preference, then a name that
 * must use up the rest exactly. Returns 0 or -1 for malformed data. */
static int parse_mx(const unsigned char *p, size_t len, unsigned *pref, char *host, size_t hostsz)
{
    size_t used = 0;
    if (len < 3)
        return -1;
    *pref = (unsigned)p[0] << 8 | p[1];
    if (dname_to_text(p + 2, len - 2, &used, host, hostsz) < 0 || used != len - 2)
        return -1;
    return 0;
}

dns_status dns_lookup_mx(dns_resolver *r, const char *domain, int64_t deadline, dns_mx_list *out,
                         err *e)
{
    const int types[1] = {RR_MX};
    dns_query *q[1] = {NULL};
    int start_err = 0;
    dns_status st;
    int64_t total = clock_remaining_ms(deadline);

    memset(out, 0, sizeof *out);
    if (!r)
        return internal(e, "dns_lookup_mx: no resolver");
    if (bad_name(domain))
        return fail(e, DNS_ERROR, domain ? domain : "", "MX record", NULL, UB_SYNTAX, 0);
    free_done_abandoned(r, false);
    if (run_queries(r, domain, types, q, 1, deadline, &start_err, e) < 0) {
        st = tag(e, DNS_ERROR);
        goto out;
    }
    st = query_status(q[0]);
    if (st != DNS_OK) {
        st = fail(e, st, domain, "MX record", q[0], start_err, total);
        goto out;
    }
    const struct ub_result *res = q[0]->res;
    size_t count = rdata_count(res);
    if (count == 0) {
        st = fail(e, DNS_ERROR, domain, "MX record", NULL, 0, total);
        goto out;
    }
    out->v = calloc(count, sizeof *out->v);
    if (!out->v) {
        st = internal(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        char host[DNAME_TEXT_MAX];
        unsigned pref;
        if (res->len[i] < 0 ||
            parse_mx((const unsigned char *)res->data[i], (size_t)res->len[i], &pref, host,
                     sizeof host) < 0)
            continue; /* malformed record: skip it */
        char *h = xstrdup(host);
        if (!h) {
            st = internal(e, "out of memory");
            goto out;
        }
        /* Insertion sort by preference: stable, so ties keep answer order. */
        size_t j = out->n;
        while (j > 0 && out->v[j - 1].pref > pref) {
            out->v[j] = out->v[j - 1];
            j--;
        }
        out->v[j].pref = pref;
        out->v[j].host = h;
        out->n++;
    }
    if (out->n == 0) {
        st = fail(e, DNS_ERROR, domain, "MX record", NULL, 0, total);
        goto out;
    }
    out->secure = res->secure != 0;
    st = DNS_OK;

out:
    free_queries(q, 1);
    if (st != DNS_OK)
        dns_mx_list_free(out);
    return st;
}

void dns_mx_list_free(dns_mx_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].host);
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->secure = false;
}

/* ------------------------------------------------------------ TXT and PTR */

/* Run one query of rrtype for name; on DNS_OK *qp holds the answered query
 * (free with free_queries), otherwise e is filled as for dns_lookup_mx. */
static dns_status single_query(dns_resolver *r, const char *name, int rrtype, const char *what,
                               int64_t deadline, dns_query **qp, err *e)
{
    const int types[1] = {rrtype};
    int start_err = 0;
    int64_t total = clock_remaining_ms(deadline);
    dns_status st;

    *qp = NULL;
    if (!r)
        return internal(e, "DNS lookup: no resolver");
    if (bad_name(name))
        return fail(e, DNS_ERROR, name ? name : "", what, NULL, UB_SYNTAX, 0);
    free_done_abandoned(r, false);
    if (run_queries(r, name, types, qp, 1, deadline, &start_err, e) < 0) {
        free_queries(qp, 1);
        return tag(e, DNS_ERROR);
    }
    st = query_status(*qp);
    if (st != DNS_OK) {
        st = fail(e, st, name, what, *qp, start_err, total);
        free_queries(qp, 1);
    }
    return st;
}

/* Split TXT rdata into its <character-string>s. Returns 0 or -1 (malformed
 * or OOM; t is then empty). */
static int parse_txt(const unsigned char *p, size_t len, dns_txt *t)
{
    size_t n = 0, i = 0;
    memset(t, 0, sizeof *t);
    while (i < len) { /* count, and check every length stays inside */
        i += 1 + (size_t)p[i];
        n++;
    }
    if (i != len)
        return -1;
    if (n && (!(t->strs = calloc(n, sizeof *t->strs)) || !(t->lens = calloc(n, sizeof *t->lens))))
        goto fail;
    for (i = 0; t->nstrs < n; t->nstrs++) {
        size_t l = p[i++];
        if (!(t->strs[t->nstrs] = malloc(l + 1)))
            goto fail;
        memcpy(t->strs[t->nstrs], p + i, l);
        t->strs[t->nstrs][l] = '\0';
        t->lens[t->nstrs] = l;
        i += l;
    }
    return 0;
fail:
    for (size_t k = 0; k < t->nstrs; k++)
        free(t->strs[k]);
    free(t->strs);
    free(t->lens);
    memset(t, 0, sizeof *t);
    return -1;
}

dns_status dns_lookup_txt(dns_resolver *r, const char *name, int64_t deadline, dns_txt_list *out,
                          err *e)
{
    dns_query *q = NULL;
    dns_status st;

    memset(out, 0, sizeof *out);
    st = single_query(r, name, RR_TXT, "TXT record", deadline, &q, e);
    if (st != DNS_OK)
        return st;
    const struct ub_result *res = q->res;
    size_t count = rdata_count(res);
    if (count && !(out->v = calloc(count, sizeof *out->v))) {
        st = internal(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        if (res->len[i] < 0)
            continue;
        if (parse_txt((const unsigned char *)res->data[i], (size_t)res->len[i], &out->v[out->n]) <
            0)
            continue; /* malformed record: skip it */
        out->n++;
    }
    if (out->n == 0) {
        st = fail(e, DNS_ERROR, name, "TXT record", NULL, 0, 0);
        goto out;
    }
    out->secure = res->secure != 0;
out:
    free_queries(&q, 1);
    if (st != DNS_OK)
        dns_txt_list_free(out);
    return st;
}

void dns_txt_list_free(dns_txt_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        for (size_t k = 0; k < l->v[i].nstrs; k++)
            free(l->v[i].strs[k]);
        free(l->v[i].strs);
        free(l->v[i].lens);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->secure = false;
}

dns_status dns_lookup_ptr(dns_resolver *r, const char *name, int64_t deadline, dns_name_list *out,
                          err *e)
{
    dns_query *q = NULL;
    dns_status st;

    memset(out, 0, sizeof *out);
    st = single_query(r, name, RR_PTR, "PTR record", deadline, &q, e);
    if (st != DNS_OK)
        return st;
    const struct ub_result *res = q->res;
    size_t count = rdata_count(res);
    if (count && !(out->v = calloc(count, sizeof *out->v))) {
        st = internal(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        char host[DNAME_TEXT_MAX];
        size_t used = 0;
        if (res->len[i] < 0 ||
            dname_to_text((const unsigned char *)res->data[i], (size_t)res->len[i], &used, host,
                          sizeof host) < 0 ||
            used != (size_t)res->len[i])
            continue; /* malformed record: skip it */
        if (!(out->v[out->n] = xstrdup(host))) {
            st = internal(e, "out of memory");
            goto out;
        }
        out->n++;
    }
    if (out->n == 0) {
        st = fail(e, DNS_ERROR, name, "PTR record", NULL, 0, 0);
        goto out;
    }
    out->secure = res->secure != 0;
out:
    free_queries(&q, 1);
    if (st != DNS_OK)
        dns_name_list_free(out);
    return st;
}

void dns_name_list_free(dns_name_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->secure = false;
}

const char *dns_status_name(dns_status s)
{
    switch (s) {
    case DNS_OK: return "ok";
    case DNS_NXDOMAIN: return "nxdomain";
    case DNS_NODATA: return "nodata";
    case DNS_SERVFAIL: return "servfail";
    case DNS_TIMEOUT: return "timeout";
    case DNS_ERROR: return "error";
    }
    return "error";
}

/* STUB: DNSSEC trust anchors are being written (resolver.h). */
const char *dns_dnssec_name(dns_dnssec d)
{
    switch (d) {
    case DNSSEC_UNCHECKED: return "unchecked";
    case DNSSEC_INSECURE: return "insecure";
    case DNSSEC_SECURE: return "secure";
    case DNSSEC_BOGUS: return "bogus";
    }
    return "unchecked";
}
bool dns_resolver_validates(const dns_resolver *r)
{
    (void)r;
    return false;
}
