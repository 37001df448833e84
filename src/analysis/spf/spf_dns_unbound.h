/* spf_dns_unbound.h — the production DNS backend for the SPF evaluator:
 * spf_dns (spf_dns.h) on top of dns/resolver.h (libunbound).
 *
 * Each query gets its own deadline; a timeout, SERVFAIL or any other failure
 * becomes SPF_DNS_ERROR, which the evaluator reports as temperror
 * (RFC 7208 §4.4, §5). */
#ifndef SMTPSCOPE_ANALYSIS_SPF_DNS_UNBOUND_H
#define SMTPSCOPE_ANALYSIS_SPF_DNS_UNBOUND_H

#include <stdint.h>

#include "analysis/spf/spf_dns.h"
#include "dns/resolver.h"

/* Caller-embedded state; lives as long as the spf_dns that points at it. */
typedef struct spf_dns_unbound {
    dns_resolver *resolver;  /* borrowed */
    int64_t query_ms;        /* deadline per query, e.g. 5000 (--dns-timeout) */
} spf_dns_unbound;

/* Fill *dns so that its lookups go through st->resolver. Nothing is
 * allocated; there is nothing to free. */
void spf_dns_unbound_init(spf_dns *dns, spf_dns_unbound *st, dns_resolver *resolver,
                          int64_t query_ms);

#endif
