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

/* DNSSEC status of an answer. UNCHECKED unless a trust anchor was set with
 * dns_resolver_set_trust_anchor(): without one libunbound does not validate,
 * and saying "insecure" would be a guess. */
typedef enum dns_dnssec {
    DNSSEC_UNCHECKED = 0, /* not validated (no trust anchor) */
    DNSSEC_INSECURE,      /* validated: no chain of trust covers the name (unsigned) */
    DNSSEC_SECURE,        /* validated: signed and the signatures verify */
    DNSSEC_BOGUS,         /* validation failed (answers are withheld: SERVFAIL) */
} dns_dnssec;

/* Stable name ("unchecked", "insecure", "secure", "bogus"). Static string. */
const char *dns_dnssec_name(dns_dnssec d);

/* Create a resolver. server: NULL for the system configuration, or
 * "IP" / "IP@PORT" to forward to. Returns NULL with e set (ERRC_LOCAL_INPUT
 * for a bad server string, ERRC_DNS otherwise). */
dns_resolver *dns_resolver_new(const char *server, err *e);
void dns_resolver_free(dns_resolver *r);

/* Validate DNSSEC from now on with the trust anchors in file (a zone-file of
 * DS or DNSKEY records, e.g. /usr/share/dns/root.key from dns-root-data, or a
 * test zone's key). Call before the first lookup. Returns 0, or -1 with e set
 * (ERRC_LOCAL_INPUT: the file cannot be read or holds no anchor).
 * ERRC_INTERNAL when called after the first lookup (libunbound's
 * setup is final by then); ERRC_DNS if libunbound refuses the file name. The
 * records themselves are parsed by libunbound at the first lookup. */
int dns_resolver_set_trust_anchor(dns_resolver *r, const char *file, err *e);

/* The root trust anchor shipped by dns-root-data, or NULL when absent. */
const char *dns_default_trust_anchor(void);

/* Whether a trust anchor is set (answers can be other than UNCHECKED). */
bool dns_resolver_validates(const dns_resolver *r);

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
