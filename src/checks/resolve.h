/* resolve.h — turn the user's HOST into addresses to connect to.
 *
 * An IP literal is used as is. A name is looked up (AAAA and A); a name with
 * no address but an MX is followed to its MX hosts in preference order (the
 * first that has addresses wins) and the caller is told, because "I asked for
 * example.com and you checked mx1.example.net" must never be silent. */
#ifndef SMTPSCOPE_CHECKS_RESOLVE_H
#define SMTPSCOPE_CHECKS_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "dns/resolver.h"
#include "transport/tcp.h"

typedef struct resolved_target {
    tcp_addr *addrs;      /* owned */
    size_t n;
    char *mx_host;        /* owned; set when the MX was followed */
    unsigned mx_pref;
    bool literal;         /* host was an IP literal */
    bool null_mx;         /* no address, and the domain publishes a null MX */
    dns_status status;    /* of the address lookup of the host itself */
    char *summary;        /* "2 addresses: ::1, 127.0.0.1"; owned */
} resolved_target;

/* Resolve host. Returns 0 when there is at least one address, else -1 with e
 * set (ERRC_DNS / ERRC_TIMEOUT, e->dns_status) and out->status/null_mx telling
 * why. resolver may be NULL only for IP literals. Free with
 * resolved_target_free. */
int resolve_target(const char *host, int family, bool follow_mx, dns_resolver *resolver,
                   int64_t timeout_ms, resolved_target *out, err *e);

void resolved_target_free(resolved_target *t);

#endif
