/* resolver.c — typed DNS lookups over libunbound, with deadlines (resolver.h).
 *
 * RFC 1035 (message format, RCODEs), RFC 2308 (NXDOMAIN vs NODATA),
 * RFC 3596 (AAAA), RFC 7505 (null MX), RFC 6724 (IPv6 before IPv4),
 * RFC 4033-4035 (DNSSEC validation with a configured trust anchor).
 * This file owns the resolver's setup (forwarder, trust anchor). Each typed
 * lookup is a small batch (batch.h) over the one query engine (query.h), so
 * deadlines, cancellation, status mapping and record parsing live in one
 * place; what stays here is turning one or two answers into the lookup's
 * list and its err sentence. docs/internals/DNS.md explains the design. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <unbound.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
/* ---- dns ---- */
#include "dns/batch.h"
#include "dns/query.h"
#include "dns/resolver.h"

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
        /* Likewise the loopback reverse zone, which libunbound answers
         * itself ("localhost", NXDOMAIN for the rest of 127/8): the PTR
         * and FCrDNS checks must see the named server's data. */
        rc = ub_ctx_set_option(r->ctx, "local-zone:", "127.in-addr.arpa. transparent");
        if (rc != 0) {
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

void dns_resolver_free(dns_resolver *r)
{
    if (!r)
        return;
    /* Deleting the context stops the worker thread; no callback runs after. */
    if (r->ctx)
        ub_ctx_delete(r->ctx);
    dns_query_reap(r, true);
    free(r);
}

/* ----------------------------------------------------------------- DNSSEC */

/* The file must be readable and hold at least one DS or DNSKEY record: a
 * quick look (bounded: 4096 lines) so that a wrong path or a wrong file is
 * reported now, as the user's mistake, and not as every later lookup
 * failing. libunbound parses the file itself at the first lookup. */
static int anchor_file_check(const char *file, err *e)
{
    FILE *fp = fopen(file, "r");
    if (!fp)
        return err_sys(e, ERRC_LOCAL_INPUT, errno, "cannot read the DNSSEC trust anchor file %.200s",
                       file);
    char line[4096];
    bool found = false;
    for (int n = 0; !found && n < 4096 && fgets(line, sizeof line, fp); n++) {
        char *semi = strchr(line, ';'); /* a comment to the end of the line */
        if (semi)
            *semi = '\0';
        char *save = NULL;
        for (char *tok = strtok_r(line, " \t\r\n", &save); tok && !found;
             tok = strtok_r(NULL, " \t\r\n", &save))
            found = strcasecmp(tok, "DS") == 0 || strcasecmp(tok, "DNSKEY") == 0;
    }
    fclose(fp);
    if (!found)
        return err_set(e, ERRC_LOCAL_INPUT,
                       "%.200s holds no DS or DNSKEY record: not a DNSSEC trust anchor file", file);
    return 0;
}

int dns_resolver_set_trust_anchor(dns_resolver *r, const char *file, err *e)
{
    if (!r || !file)
        return err_set(e, ERRC_INTERNAL, "dns_resolver_set_trust_anchor: bad arguments");
    if (anchor_file_check(file, e) < 0)
        return -1;
    int rc = ub_ctx_add_ta_file(r->ctx, file);
    if (rc == UB_AFTERFINAL)
        return err_set(e, ERRC_INTERNAL,
                       "the DNSSEC trust anchor must be set before the first DNS lookup");
    if (rc != 0)
        return ub_fail(e, "trust anchor", rc);
    r->validates = true;
    return 0;
}

const char *dns_default_trust_anchor(void)
{
    /* Debian's dns-root-data: the root zone's KSKs as DNSKEY records. */
    static const char path[] = "/usr/share/dns/root.key";
    return access(path, R_OK) == 0 ? path : NULL;
}

bool dns_resolver_validates(const dns_resolver *r)
{
    return r && r->validates;
}

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

/* ---------------------------------------------------------------- lookups */

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

/* A local failure (bad call, out of memory, poll): not the DNS's fault. */
static dns_status internal(err *e, const char *msg)
{
    err_set(e, ERRC_INTERNAL, "%s", msg);
    return tag(e, DNS_ERROR);
}

/* Fill e for a lookup of `what` of name that ended with status s, decided by
 * answer i of b (i < 0: no answer, start_err says why). */
static dns_status fail(err *e, dns_status s, const char *name, const char *what,
                       const dns_batch *b, int i, int start_err)
{
    const dns_query *q = i >= 0 ? dns_batch_query(b, i) : NULL;
    if (i >= 0 && !q)
        start_err = UB_NOMEM; /* the engine could not keep the query */
    return tag(e, dns_query_explain(e, s, name, what, q, start_err,
                                    i >= 0 ? dns_batch_total_ms(b, i) : 0));
}

/* Ask name for each of types[0..n) at once. Returns the run batch, or NULL
 * with e set and *st the status to return. */
static dns_batch *ask(dns_resolver *r, const char *name, const char *what,
                      const dns_rrtype *types, size_t n, int64_t deadline, dns_status *st, err *e)
{
    if (!dns_query_name_ok(name)) {
        *st = fail(e, DNS_ERROR, name ? name : "", what, NULL, -1, UB_SYNTAX);
        return NULL;
    }
    dns_batch *b = dns_batch_new(r);
    if (!b) {
        *st = internal(e, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (dns_batch_add(b, name, types[i]) != (int)i) {
            dns_batch_free(b);
            *st = internal(e, "out of memory");
            return NULL;
        }
    }
    if (dns_batch_run(b, deadline, e) < 0) {
        dns_batch_free(b);
        *st = tag(e, DNS_ERROR);
        return NULL;
    }
    return b;
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

dns_status dns_lookup_addrs(dns_resolver *r, const char *host, int family, int64_t deadline,
                            dns_addr_list *out, err *e)
{
    dns_rrtype types[2];
    size_t n = 0;
    dns_status st = DNS_OK;

    memset(out, 0, sizeof *out);
    if (!r || (family != 0 && family != 4 && family != 6))
        return internal(e, "dns_lookup_addrs: bad arguments");
    /* AAAA first, then A (RFC 6724 default preference for IPv6). */
    if (family != 4)
        types[n++] = DNS_RR_AAAA;
    if (family != 6)
        types[n++] = DNS_RR_A;
    const char *what = family == 4 ? "A record" : family == 6 ? "AAAA record" : "AAAA or A record";
    dns_batch *b = ask(r, host, what, types, n, deadline, &st, e);
    if (!b)
        return st;

    out->secure = true;
    int why = -1; /* the answer whose failure explains the result */
    dns_status worst = DNS_OK;
    for (size_t i = 0; i < n; i++) {
        dns_answer *a = dns_batch_answer_mut(b, (int)i);
        /* The engine's own status: an answer whose records were all
         * malformed ranks as the answer it was, not as a failure. */
        dns_status s = dns_query_status(dns_batch_query(b, (int)i));
        if (a->addrs.n > 0) {
            dns_addr *v = realloc(out->v, (out->n + a->addrs.n) * sizeof *v);
            if (!v) {
                st = internal(e, "out of memory");
                goto out;
            }
            out->v = v;
            memcpy(out->v + out->n, a->addrs.v, a->addrs.n * sizeof *v);
            out->n += a->addrs.n;
        }
        if (a->dnssec != DNSSEC_SECURE)
            out->secure = false;
        if (why < 0 || failure_rank(s) > failure_rank(worst)) {
            worst = s;
            why = (int)i;
        }
    }
    if (out->n == 0)
        st = fail(e, worst, host, what, b, why, 0);

out:
    dns_batch_free(b);
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

/* One query of type for name; on DNS_OK *bp holds the run batch (answer 0
 * parsed, with at least one record), otherwise e is filled. */
static dns_status single(dns_resolver *r, const char *name, dns_rrtype type, const char *what,
                         int64_t deadline, dns_batch **bp, err *e)
{
    dns_status st;
    *bp = NULL;
    if (!r)
        return internal(e, "DNS lookup: no resolver");
    dns_batch *b = ask(r, name, what, &type, 1, deadline, &st, e);
    if (!b)
        return st;
    st = dns_batch_answer(b, 0)->status;
    if (st != DNS_OK) {
        st = fail(e, st, name, what, b, 0, 0);
        dns_batch_free(b);
        return st;
    }
    *bp = b;
    return DNS_OK;
}

dns_status dns_lookup_mx(dns_resolver *r, const char *domain, int64_t deadline, dns_mx_list *out,
                         err *e)
{
    dns_batch *b;
    memset(out, 0, sizeof *out);
    dns_status st = single(r, domain, DNS_RR_MX, "MX record", deadline, &b, e);
    if (st != DNS_OK)
        return st;
    dns_answer *a = dns_batch_answer_mut(b, 0);
    *out = a->mx;
    memset(&a->mx, 0, sizeof a->mx);
    out->secure = a->dnssec == DNSSEC_SECURE;
    dns_batch_free(b);
    return DNS_OK;
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

dns_status dns_lookup_txt(dns_resolver *r, const char *name, int64_t deadline, dns_txt_list *out,
                          err *e)
{
    dns_batch *b;
    memset(out, 0, sizeof *out);
    dns_status st = single(r, name, DNS_RR_TXT, "TXT record", deadline, &b, e);
    if (st != DNS_OK)
        return st;
    dns_answer *a = dns_batch_answer_mut(b, 0);
    *out = a->txt;
    memset(&a->txt, 0, sizeof a->txt);
    out->secure = a->dnssec == DNSSEC_SECURE;
    dns_batch_free(b);
    return DNS_OK;
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
    dns_batch *b;
    memset(out, 0, sizeof *out);
    dns_status st = single(r, name, DNS_RR_PTR, "PTR record", deadline, &b, e);
    if (st != DNS_OK)
        return st;
    dns_answer *a = dns_batch_answer_mut(b, 0);
    *out = a->names;
    memset(&a->names, 0, sizeof a->names);
    out->secure = a->dnssec == DNSSEC_SECURE;
    dns_batch_free(b);
    return DNS_OK;
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
    case DNS_SERVFAIL: return "servfail";
    case DNS_NODATA: return "nodata";
    case DNS_TIMEOUT: return "timeout";
    case DNS_ERROR: return "error";
    }
    return "error";
}
