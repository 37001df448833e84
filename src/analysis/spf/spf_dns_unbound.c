/* spf_dns_unbound.c — spf_dns over dns/resolver.c (libunbound).
 *
 * Maps the resolver's typed answers and statuses onto the SPF vtable:
 * DNS_NXDOMAIN / DNS_NODATA keep their meaning (void lookups, RFC 7208
 * §4.6.4); SERVFAIL, timeout and errors become SPF_DNS_ERROR (temperror). */
/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- analysis ---- */
#include "analysis/spf/spf_dns_unbound.h"

#include <netinet/in.h>
#include <string.h>

static spf_dns_status map_status(dns_status s)
{
    switch (s) {
    case DNS_OK: return SPF_DNS_OK;
    case DNS_NXDOMAIN: return SPF_DNS_NXDOMAIN;
    case DNS_NODATA: return SPF_DNS_NODATA;
    default: return SPF_DNS_ERROR;
    }
}

static spf_dns_status lookup(void *ctx, spf_rrtype type, const char *name, spf_answer *ans)
{
    spf_dns_unbound *st = ctx;
    int64_t deadline = clock_deadline_in(st->query_ms);
    dns_status s;
    int rc = 0;
    err e;

    err_clear(&e);
    switch (type) {
    case SPF_RR_TXT: {
        dns_txt_list l;
        s = dns_lookup_txt(st->resolver, name, deadline, &l, &e);
        for (size_t i = 0; s == DNS_OK && i < l.n && rc == 0; i++)
            rc = spf_answer_add_txt(ans, (const char *const *)l.v[i].strs, l.v[i].lens,
                                    l.v[i].nstrs);
        dns_txt_list_free(&l);
        break;
    }
    case SPF_RR_A:
    case SPF_RR_AAAA: {
        dns_addr_list l;
        s = dns_lookup_addrs(st->resolver, name, type == SPF_RR_A ? 4 : 6, deadline, &l, &e);
        for (size_t i = 0; s == DNS_OK && i < l.n && rc == 0; i++) {
            const struct sockaddr_storage *sa = &l.v[i].sa;
            if (sa->ss_family == AF_INET)
                rc = spf_answer_add_addr(ans,
                    (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr, 4);
            else if (sa->ss_family == AF_INET6)
                rc = spf_answer_add_addr(ans,
                    (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        }
        dns_addr_list_free(&l);
        break;
    }
    case SPF_RR_MX: {
        dns_mx_list l;
        s = dns_lookup_mx(st->resolver, name, deadline, &l, &e);
        for (size_t i = 0; s == DNS_OK && i < l.n && rc == 0; i++)
            rc = spf_answer_add_name(ans, strcmp(l.v[i].host, ".") == 0 ? "" : l.v[i].host);
        dns_mx_list_free(&l);
        break;
    }
    case SPF_RR_PTR: {
        dns_name_list l;
        s = dns_lookup_ptr(st->resolver, name, deadline, &l, &e);
        for (size_t i = 0; s == DNS_OK && i < l.n && rc == 0; i++)
            rc = spf_answer_add_name(ans, l.v[i]);
        dns_name_list_free(&l);
        break;
    }
    default:
        return SPF_DNS_ERROR;
    }
    /* A full answer keeps what fit (the evaluator applies its own limits);
     * only a failure to store the first record is an error. */
    if (rc < 0 && ans->n == 0)
        return SPF_DNS_ERROR;
    return map_status(s);
}

void spf_dns_unbound_init(spf_dns *dns, spf_dns_unbound *st, dns_resolver *resolver,
                          int64_t query_ms)
{
    st->resolver = resolver;
    st->query_ms = query_ms;
    dns->ctx = st;
    dns->lookup = lookup;
}
