/* resolver_opts.c — a resolver from --dns and --trust-anchor, with the
 * DNSSEC default policy of resolver_opts.h in one place. */
#include <stddef.h>
#include <string.h>

/* ---- core ---- */
#include "core/err.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- frontend ---- */
#include "frontend/cli/resolver_opts.h"

const char *resolver_opts_anchor(const resolver_opts *o)
{
    if (!o->trust_anchor || strcmp(o->trust_anchor, "none") == 0)
        return NULL;
    if (strcmp(o->trust_anchor, "auto") == 0)
        return dns_default_trust_anchor();
    return o->trust_anchor;
}

int resolver_opts_create(const resolver_opts *o, dns_resolver **out, err *e)
{
    *out = NULL;
    err sub;
    err_clear(&sub);
    dns_resolver *r = dns_resolver_new(o->dns, &sub);
    if (!r) {
        if (!o->dns)
            return 0; /* no system resolver: IP literals still work */
        return err_set(e, sub.cls == ERRC_LOCAL_INPUT ? ERRC_LOCAL_INPUT : ERRC_DNS,
                       "--dns %s: %s", o->dns, sub.msg);
    }
    const char *anchor = resolver_opts_anchor(o);
    if (!anchor && o->trust_anchor && strcmp(o->trust_anchor, "auto") == 0) {
        dns_resolver_free(r);
        return err_set(e, ERRC_LOCAL_INPUT,
                       "--trust-anchor auto: no root trust anchor installed "
                       "(/usr/share/dns/root.key from the dns-root-data package)");
    }
    if (anchor) {
        err_clear(&sub);
        if (dns_resolver_set_trust_anchor(r, anchor, &sub) < 0 && o->trust_anchor) {
            dns_resolver_free(r);
            return err_set(e, ERRC_LOCAL_INPUT, "--trust-anchor %s: %s", anchor, sub.msg);
        }
        /* The default anchor failing is not the user's doing: carry on
         * without validation, which the report shows. */
    }
    *out = r;
    return 0;
}
