/* resolve.c — HOST to addresses, following MX when needed (resolve.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- dns, transport ---- */
#include "dns/resolver.h"
#include "transport/tcp.h"
/* ---- checks ---- */
#include "checks/resolve.h"

static int take_addrs(resolved_target *out, const dns_addr_list *l)
{
    out->addrs = calloc(l->n, sizeof *out->addrs);
    if (!out->addrs)
        return -1;
    buf b;
    buf_init(&b, 4096);
    buf_appendf(&b, "%zu address%s:", l->n, l->n == 1 ? "" : "es");
    for (size_t i = 0; i < l->n; i++) {
        memcpy(&out->addrs[i].ss, &l->v[i].sa, sizeof l->v[i].sa);
        out->addrs[i].len = l->v[i].len;
        buf_appendf(&b, "%s %s", i ? "," : "", l->v[i].text);
    }
    out->n = l->n;
    out->summary = buf_steal(&b);
    return 0;
}

int resolve_target(const char *host, int family, bool follow_mx, dns_resolver *resolver,
                   int64_t timeout_ms, resolved_target *out, err *e)
{
    memset(out, 0, sizeof *out);
    tcp_addr lit;
    if (tcp_addr_parse(host, &lit) == 0) {
        int fam = lit.ss.ss_family == AF_INET6 ? 6 : 4;
        if (family && family != fam)
            return err_set(e, ERRC_LOCAL_INPUT, "%s is an IPv%d address but -%d was given", host,
                           fam, family);
        out->addrs = malloc(sizeof lit);
        if (!out->addrs)
            return err_set(e, ERRC_INTERNAL, "out of memory");
        out->addrs[0] = lit;
        out->n = 1;
        out->literal = true;
        out->summary = xstrdup("IP literal, no DNS lookup");
        return 0;
    }
    if (!resolver)
        return err_set(e, ERRC_INTERNAL, "no resolver to look up %s", host);

    int64_t deadline = clock_deadline_in(timeout_ms);
    dns_addr_list l = {0};
    out->status = dns_lookup_addrs(resolver, host, family, deadline, &l, e);
    if (out->status == DNS_OK) {
        int rc = take_addrs(out, &l);
        dns_addr_list_free(&l);
        return rc < 0 ? err_set(e, ERRC_INTERNAL, "out of memory") : 0;
    }
    dns_addr_list_free(&l);
    if (!follow_mx || (out->status != DNS_NXDOMAIN && out->status != DNS_NODATA))
        return -1;

    /* No address: is it a mail domain? Keep the original error if not. */
    err me;
    err_clear(&me);
    dns_mx_list mx = {0};
    if (dns_lookup_mx(resolver, host, deadline, &mx, &me) != DNS_OK || mx.n == 0) {
        dns_mx_list_free(&mx);
        return -1;
    }
    if (mx.n == 1 && strcmp(mx.v[0].host, ".") == 0) {
        out->null_mx = true;
        dns_mx_list_free(&mx);
        return err_set(e, ERRC_DNS, "%s has no address and publishes a null MX (RFC 7505)", host);
    }
    for (size_t i = 0; i < mx.n; i++) {
        err ae;
        err_clear(&ae);
        dns_addr_list al = {0};
        if (dns_lookup_addrs(resolver, mx.v[i].host, family, deadline, &al, &ae) == DNS_OK) {
            int rc = take_addrs(out, &al);
            dns_addr_list_free(&al);
            if (rc < 0)
                break;
            out->mx_host = xstrdup(mx.v[i].host);
            out->mx_pref = mx.v[i].pref;
            dns_mx_list_free(&mx);
            err_clear(e);
            return 0;
        }
        dns_addr_list_free(&al);
    }
    err_set(e, ERRC_DNS, "%s has no address, and none of its %zu MX host%s resolves", host, mx.n,
            mx.n == 1 ? "" : "s");
    dns_mx_list_free(&mx);
    return -1;
}

void resolved_target_free(resolved_target *t)
{
    free(t->addrs);
    free(t->mx_host);
    free(t->summary);
    memset(t, 0, sizeof *t);
}
