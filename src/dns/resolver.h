/* resolver.h — typed DNS lookups over libunbound, with deadlines.
 *
 * One resolver per run. By default it uses the system's /etc/resolv.conf and
 * /etc/hosts; --dns IP[@PORT] forwards every query to that server instead
 * (tests point it at a private Unbound on loopback). Every answer says how it
 * ended — NXDOMAIN, NODATA, SERVFAIL and timeout are distinct, because each
 * means something different to a user ("the name does not exist" vs "your DNS
 * server is broken") — and whether it was DNSSEC-validated. */
#ifndef SMTPSCOPE_DNS_RESOLVER_H
#define SMTPSCOPE_DNS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/err.h"

typedef enum dns_status {
    DNS_OK = 0,
    DNS_NXDOMAIN,   /* the name does not exist */
    DNS_NODATA,     /* the name exists but has no record of that type */
    DNS_SERVFAIL,   /* the resolver failed (upstream broken, DNSSEC bogus) */
    DNS_TIMEOUT,    /* no answer before the deadline */
    DNS_ERROR,      /* anything else (REFUSED, local setup error) */
} dns_status;

typedef struct dns_resolver dns_resolver;

/* Create a resolver. server: NULL for the system configuration, or
 * "IP" / "IP@PORT" to forward to. Returns NULL with e set (ERRC_LOCAL_INPUT
 * for a bad server string, ERRC_DNS otherwise). */
dns_resolver *dns_resolver_new(const char *server, err *e);
void dns_resolver_free(dns_resolver *r);

/* One address of a host; sa's port is 0. */
typedef struct dns_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    char text[64];  /* numeric form, "192.0.2.1" / "2001:db8::1" */
} dns_addr;

typedef struct dns_addr_list {
    dns_addr *v;    /* owned; free with dns_addr_list_free */
    size_t n;
    bool secure;    /* every answer DNSSEC-validated */
} dns_addr_list;

/* A and/or AAAA of host. family: 0 both (AAAA first, then A, matching the
 * usual RFC 6724 preference), 4 or 6. Both lookups run concurrently. Returns
 * DNS_OK when at least one address was found; otherwise the status that
 * explains why none was (NXDOMAIN wins over NODATA). e is set for any status
 * other than DNS_OK (class ERRC_DNS or ERRC_TIMEOUT, e->dns_status set). */
dns_status dns_lookup_addrs(dns_resolver *r, const char *host, int family, int64_t deadline,
                            dns_addr_list *out, err *e);
void dns_addr_list_free(dns_addr_list *l);

typedef struct dns_mx {
    unsigned pref;
    char *host;     /* owned, no trailing dot, "." for a null MX (RFC 7505) */
} dns_mx;

typedef struct dns_mx_list {
    dns_mx *v;      /* sorted by preference, ties in answer order */
    size_t n;
    bool secure;
} dns_mx_list;

/* MX records of domain. Same status/e rules as dns_lookup_addrs. */
dns_status dns_lookup_mx(dns_resolver *r, const char *domain, int64_t deadline, dns_mx_list *out,
                         err *e);
void dns_mx_list_free(dns_mx_list *l);

/* ---- TXT and PTR (added for the SPF evaluator, analysis/spf/) ---- */

/* One TXT record: its character-strings in order (RFC 1035 §3.3.14). */
typedef struct dns_txt {
    char **strs;    /* owned; strs[i] holds lens[i] bytes plus a NUL; the bytes
                       are untrusted and may include NUL */
    size_t *lens;   /* owned */
    size_t nstrs;
} dns_txt;

typedef struct dns_txt_list {
    dns_txt *v;     /* in answer order; free with dns_txt_list_free */
    size_t n;
    bool secure;
} dns_txt_list;

/* TXT records of name (CNAMEs followed). Same status/e rules as
 * dns_lookup_mx; a record with malformed rdata is skipped. */
dns_status dns_lookup_txt(dns_resolver *r, const char *name, int64_t deadline, dns_txt_list *out,
                          err *e);
void dns_txt_list_free(dns_txt_list *l);

typedef struct dns_name_list {
    char **v;       /* owned names, no trailing dot, in answer order */
    size_t n;
    bool secure;
} dns_name_list;

/* PTR records at name (a reverse name such as 1.0.0.127.in-addr.arpa).
 * Same status/e rules as dns_lookup_mx. Names are escaped presentation text
 * (dname_to_text), untrusted. */
dns_status dns_lookup_ptr(dns_resolver *r, const char *name, int64_t deadline, dns_name_list *out,
                          err *e);
void dns_name_list_free(dns_name_list *l);

/* Stable name ("nxdomain"). Static string. */
const char *dns_status_name(dns_status s);

#endif
