/* batch.c — many DNS queries in flight at once, answered by one wait (batch.h).
 *
 * RFC 1035 §3.5 and RFC 3596 §2.5 (reverse names), RFC 4035 §4.3 (DNSSEC
 * status). A batch is a list of slots, each a query of the shared engine
 * (query.h) plus the answer parsed from it (rdata.h). dns_batch_run sends the
 * slots added since the last run and fills their answers; earlier answers
 * are final and never change. Slots are allocated one by one so a
 * dns_answer pointer stays valid while more queries are added.
 *
 * Ownership: the batch owns every slot, name copy, query and parsed payload;
 * the raw libunbound result is kept beside its answer until the batch is
 * freed (resolver.c's typed lookups read its details for their messages). A
 * query cancelled too late belongs to the resolver, not the batch (query.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unbound.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/batch.h"
#include "dns/dname.h"
#include "dns/query.h"
#include "dns/rdata.h"

typedef struct slot {
    dns_answer a;
    char *name;       /* owned; a.name points here */
    int64_t total_ms; /* the time its run had (timeout sentences) */
} slot;

struct dns_batch {
    dns_resolver *r;  /* borrowed */
    slot **s;         /* n slots, each owned */
    dns_query **q;    /* q[i] belongs to s[i]; NULL after an OOM in the engine */
    size_t n, cap;
    size_t n_run;     /* slots [0, n_run) have final answers */
};

const char *dns_rrtype_name(dns_rrtype t)
{
    switch (t) {
    case DNS_RR_A: return "A";
    case DNS_RR_CNAME: return "CNAME";
    case DNS_RR_PTR: return "PTR";
    case DNS_RR_MX: return "MX";
    case DNS_RR_TXT: return "TXT";
    case DNS_RR_AAAA: return "AAAA";
    case DNS_RR_TLSA: return "TLSA";
    }
    return "?";
}

static bool type_known(dns_rrtype t)
{
    return strcmp(dns_rrtype_name(t), "?") != 0;
}

dns_batch *dns_batch_new(dns_resolver *r)
{
    if (!r)
        return NULL;
    dns_batch *b = calloc(1, sizeof *b);
    if (b)
        b->r = r;
    return b;
}

/* Names equal for DNS: ASCII case-insensitive, one trailing dot ignored. */
static bool same_name(const char *x, const char *y)
{
    size_t lx = strlen(x), ly = strlen(y);
    if (lx > 1 && x[lx - 1] == '.')
        lx--;
    if (ly > 1 && y[ly - 1] == '.')
        ly--;
    return lx == ly && strncasecmp(x, y, lx) == 0;
}

static int grow(dns_batch *b)
{
    if (b->n < b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 16;
    if (cap > DNS_BATCH_MAX)
        cap = DNS_BATCH_MAX;
    slot **s = realloc(b->s, cap * sizeof *s);
    if (!s)
        return -1;
    b->s = s;
    dns_query **q = realloc(b->q, cap * sizeof *q);
    if (!q)
        return -1;
    b->q = q;
    b->cap = cap;
    return 0;
}

int dns_batch_add(dns_batch *b, const char *name, dns_rrtype type)
{
    if (!b || !name || !type_known(type))
        return -1;
    for (size_t i = 0; i < b->n; i++)
        if (b->s[i]->a.type == type && same_name(b->s[i]->name, name))
            return (int)i;
    if (b->n >= DNS_BATCH_MAX || grow(b) < 0)
        return -1;
    slot *s = calloc(1, sizeof *s);
    /* An over-long name is invalid anyway; keeping a bounded copy is enough
     * for its answer's why. */
    char *copy = xstrndup(name, strnlen(name, DNAME_TEXT_MAX - 1));
    dns_query *q = copy ? dns_query_new(copy, (int)type) : NULL;
    if (!s || !copy || !q) {
        free(s);
        free(copy);
        dns_query_free(q);
        return -1;
    }
    /* Refused before libunbound sees it; answered DNS_ERROR by the run. */
    if (!dns_query_name_ok(name))
        q->start_err = UB_SYNTAX;
    s->name = copy;
    s->a.name = copy;
    s->a.type = type;
    s->a.status = DNS_TIMEOUT;
    b->s[b->n] = s;
    b->q[b->n] = q;
    return (int)b->n++;
}

static const char *what_of(dns_rrtype t)
{
    switch (t) {
    case DNS_RR_A: return "A record";
    case DNS_RR_CNAME: return "CNAME record";
    case DNS_RR_PTR: return "PTR record";
    case DNS_RR_MX: return "MX record";
    case DNS_RR_TXT: return "TXT record";
    case DNS_RR_AAAA: return "AAAA record";
    case DNS_RR_TLSA: return "TLSA record";
    }
    return "record";
}

/* libunbound's canonname when it is not the name asked: the owner of the
 * data after following CNAMEs, as text with a trailing dot. It builds that
 * text itself (non-name bytes become '?'); we still keep only printable
 * ASCII, since it comes from the network. Returns 0 or -1 on OOM. */
static int set_canonical(dns_answer *a, const struct ub_result *res)
{
    if (!res || !res->canonname)
        return 0;
    size_t len = strnlen(res->canonname, DNAME_TEXT_MAX);
    if (len > 1 && res->canonname[len - 1] == '.')
        len--;
    if (len == 0 || len >= DNAME_TEXT_MAX)
        return 0;
    char *c = xstrndup(res->canonname, len);
    if (!c)
        return -1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)c[i] < 0x21 || (unsigned char)c[i] > 0x7e)
            c[i] = '?';
    if (same_name(c, a->name)) {
        free(c);
        return 0;
    }
    a->canonical = c;
    return 0;
}

/* Fill slot i's answer from its finished query. Returns 0 or -1 on OOM. */
static int fill(dns_batch *b, size_t i, int64_t total_ms)
{
    dns_answer *a = &b->s[i]->a;
    const dns_query *q = b->q[i];
    const struct ub_result *res = q && q->done ? q->res : NULL;

    b->s[i]->total_ms = total_ms;
    a->status = dns_query_status(q);
    a->dnssec = dns_query_dnssec(b->r, q);
    if (res && res->ttl > 0)
        a->ttl = (uint32_t)res->ttl;
    if (set_canonical(a, res) < 0)
        return -1;
    if (a->status == DNS_OK) {
        size_t count = 0;
        while (res->data && res->data[count])
            count++;
        int kept = dns_rdata_parse(a, a->type, res->data, res->len, count);
        if (kept < 0) {
            a->status = DNS_ERROR; /* never "ok" with nothing in it */
            return -1;
        }
        if (kept == 0)
            a->status = DNS_ERROR; /* every record malformed */
    }
    if (a->status != DNS_OK) {
        err e;
        err_clear(&e);
        /* No query at all means the engine could not keep one (OOM). */
        dns_query_explain(&e, a->status, a->name, what_of(a->type), q, q ? 0 : UB_NOMEM,
                          total_ms);
        if (!(a->why = xstrdup(e.msg)))
            return -1;
    }
    return 0;
}

int dns_batch_run(dns_batch *b, int64_t deadline, err *e)
{
    if (!b)
        return err_set(e, ERRC_INTERNAL, "dns_batch_run: no batch");
    size_t first = b->n_run, n = b->n - first;
    if (n == 0)
        return 0;
    int64_t total = clock_remaining_ms(deadline);
    int rc = dns_query_run(b->r, b->q + first, n, deadline, e);
    /* Even after a local failure every query is final: fill them all, so
     * each answer says what happened to it. */
    for (size_t i = first; i < b->n; i++)
        if (fill(b, i, total < 0 ? 0 : total) < 0 && rc == 0)
            rc = err_set(e, ERRC_INTERNAL, "out of memory");
    b->n_run = b->n;
    return rc;
}

const dns_answer *dns_batch_answer(const dns_batch *b, int i)
{
    if (!b || i < 0 || (size_t)i >= b->n)
        return NULL;
    return &b->s[i]->a;
}

size_t dns_batch_count(const dns_batch *b)
{
    return b ? b->n : 0;
}

void dns_batch_free(dns_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        dns_rdata_clear(&b->s[i]->a);
        free(b->s[i]->a.canonical);
        free(b->s[i]->a.why);
        free(b->s[i]->name);
        free(b->s[i]);
        dns_query_free(b->q[i]);
    }
    free(b->s);
    free(b->q);
    free(b);
}

/* ------------------------------------------- internals for resolver.c */

const dns_query *dns_batch_query(const dns_batch *b, int i)
{
    return b && i >= 0 && (size_t)i < b->n ? b->q[i] : NULL;
}

dns_answer *dns_batch_answer_mut(dns_batch *b, int i)
{
    return b && i >= 0 && (size_t)i < b->n ? &b->s[i]->a : NULL;
}

int64_t dns_batch_total_ms(const dns_batch *b, int i)
{
    return b && i >= 0 && (size_t)i < b->n ? b->s[i]->total_ms : 0;
}

/* ----------------------------------------------------- reverse names */

int dns_reverse_name(const char *ip, const char *zone, char *out, size_t outsz)
{
    unsigned char bin[16];
    size_t used = 0;
    int n;

    if (!ip || !out || outsz == 0 || (zone && !*zone))
        return -1;
    out[0] = '\0';
    if (inet_pton(AF_INET, ip, bin) == 1) {
        /* RFC 1035 §3.5: the octets in reverse order under in-addr.arpa. */
        n = snprintf(out, outsz, "%u.%u.%u.%u.%s", bin[3], bin[2], bin[1], bin[0],
                     zone ? zone : "in-addr.arpa");
        if (n < 0 || (size_t)n >= outsz)
            goto small;
        return 0;
    }
    if (inet_pton(AF_INET6, ip, bin) != 1)
        return -1;
    /* RFC 3596 §2.5: every nibble, lowest first, under ip6.arpa. */
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        if (used + 4 >= outsz)
            goto small;
        out[used++] = hex[bin[i] & 0xf];
        out[used++] = '.';
        out[used++] = hex[bin[i] >> 4];
        out[used++] = '.';
    }
    n = snprintf(out + used, outsz - used, "%s", zone ? zone : "ip6.arpa");
    if (n < 0 || (size_t)n >= outsz - used)
        goto small;
    return 0;
small:
    out[0] = '\0';
    return -1;
}
