/* domain.h — the mail posture of a domain: MX, SPF, DKIM, DMARC, MTA-STS,
 * TLS-RPT, reverse DNS, HELO name and DNS blocklists, as one outcome.
 *
 * `smtpscope domain DOMAIN` answers "why does our mail land in spam / get
 * rejected" from DNS alone. Each section is pass/warn/fail with findings that
 * carry advice; the record analyzers of analysis/ do the parsing, this module
 * does the lookups and turns their problems into findings.
 *
 * Concurrency: lookups go out in waves through one dns_batch (dns/batch.h):
 * wave 1 asks everything that depends only on the domain (MX, TXT at the
 * domain, _dmarc, _mta-sts, _smtp._tls, every DKIM selector, the --ip's PTR
 * and blocklist entries, the --helo name); wave 2 what depends on those (MX
 * host addresses, the organisational domain's DMARC, report authorisation
 * names, forward confirmation of PTR names); later waves PTR and blocklists of
 * the MX addresses. The SPF evaluation is sequential by nature (each include
 * decides the next query) and runs at the same time in its own thread, on its
 * own resolver. Nothing here prints. */
#ifndef SMTPSCOPE_CHECKS_DOMAIN_H
#define SMTPSCOPE_CHECKS_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/dkim/dkimkey.h"
#include "analysis/dmarc/dmarc.h"
#include "analysis/mtasts/mtasts.h"
#include "analysis/spf/spf_eval.h"
#include "analysis/tlsrpt/tlsrpt.h"
#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/sweep.h"
#include "dns/resolver.h"

/* The sections, in report order. Each has a stage_id of the same name
 * (core/stage.h) that its findings carry. */
typedef enum domain_section_id {
    DSEC_MX = 0,
    DSEC_SPF,
    DSEC_DKIM,
    DSEC_DMARC,
    DSEC_MTASTS,
    DSEC_TLSRPT,
    DSEC_PTR,
    DSEC_HELO,
    DSEC_DNSBL,
    DSEC__COUNT
} domain_section_id;

/* Stable lower-case name ("mx", "spf", ..., "dnsbl"); same as stage_name of
 * domain_section_stage(). */
const char *domain_section_name(domain_section_id s);
stage_id domain_section_stage(domain_section_id s);

/* The DKIM selectors tried when none is given (docs/cli/domain.md lists them:
 * the defaults of common signers and providers). NULL-terminated, static. */
extern const char *const domain_default_selectors[];
/* The DNS blocklists used when no --dnsbl is given (docs/cli/domain.md).
 * NULL-terminated, static. */
extern const char *const domain_default_dnsbls[];

/* Immutable options of one run; each field names the flag that sets it. */
typedef struct domain_opts {
    const char *domain;              /* DOMAIN (A-label or ASCII; lower-cased by the caller) */
    const char *const *selectors;    /* --selector (repeatable); n_selectors 0: defaults */
    size_t n_selectors;
    const char *ip;                  /* --ip ADDR: a sending address to evaluate, or NULL */
    const char *helo;                /* --helo NAME, or NULL */
    const char *sender;              /* --sender ADDR for SPF, or NULL (postmaster@DOMAIN) */
    const char *const *dnsbls;       /* --dnsbl ZONE (repeatable); n_dnsbls 0: defaults */
    size_t n_dnsbls;
    bool no_dnsbl;                   /* --no-dnsbl: skip the blocklist section */
    bool connect;                    /* --connect: sweep the ports of every MX host */
    const endpoint_opts *connect_opts; /* for --connect: ports, timeout, ca_file, helo;
                                        borrowed; may be NULL when !connect */
    int64_t timeout_ms;              /* --timeout SECONDS: deadline per DNS wave */
    /* MTA-STS policy fetch (section_sts.c): */
    bool sts_fetch;                  /* fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt
                                        when the TXT record is there (the CLI's default;
                                        --no-mta-sts-fetch turns it off) */
    const char *sts_connect;         /* --mta-sts-connect ADDR:PORT: connect there instead of
                                        mta-sts.DOMAIN:443 (testing a policy host); NULL */
    const char *ca_file;             /* --ca-file: trust store of the policy fetch (and of
                                        --connect, through connect_opts); NULL: system */
} domain_opts;

/* ---- MX ---- */
typedef struct domain_mx_host {
    unsigned pref;
    char *host;              /* owned, escaped for display, no trailing dot */
    bool ip_literal;         /* the MX target is an address (RFC 7505 §3 / 5321 §5.1: invalid) */
    char *cname;             /* owned: the alias target when the MX host is a CNAME, else NULL */
    dns_status addr_status;  /* of the A/AAAA lookups together (OK = at least one) */
    char **addrs;            /* owned numeric addresses, AAAA first */
    size_t n_addrs;
    dns_dnssec dnssec;
    sweep_outcome *probe;    /* owned; --connect only, else NULL */
} domain_mx_host;

typedef struct domain_mx {
    dns_status status;       /* of the MX query */
    dns_dnssec dnssec;
    bool null_mx;            /* "0 ." (RFC 7505) */
    bool implicit;           /* no MX: mail goes to the domain's own address (RFC 5321 §5.1) */
    domain_mx_host *hosts;   /* owned; by preference; for implicit MX one entry, the domain */
    size_t n_hosts;
} domain_mx;

/* ---- SPF ---- */
typedef struct domain_spf {
    dns_status status;       /* of the TXT query at the domain */
    dns_dnssec dnssec;
    char **records;          /* owned, escaped: every v=spf1 record found (2+ is an error) */
    size_t n_records;
    spf_outcome *walk;       /* owned: evaluation with an address no term lists, so every
                                include is visited: the tree and the lookup count. NULL
                                when there was no single record to walk */
    spf_outcome *eval;       /* owned: evaluation for --ip (with --helo/--sender); NULL
                                without --ip */
    char *eval_ip;           /* owned copy of --ip, NULL without */
} domain_spf;

/* ---- DKIM ---- */
typedef struct domain_dkim_key {
    char *selector;          /* owned */
    char *name;              /* owned: SELECTOR._domainkey.DOMAIN */
    dns_status status;
    dns_dnssec dnssec;
    char *record;            /* owned, escaped; NULL when none */
    dkimkey_record *key;     /* owned; parsed record; NULL when none */
} domain_dkim_key;

typedef struct domain_dkim {
    bool defaults_used;      /* no --selector: the default list was tried */
    domain_dkim_key *keys;   /* owned: given selectors all; default ones only when found */
    size_t n_keys;
    size_t n_tried;
} domain_dkim;

/* ---- DMARC ---- */
typedef struct domain_dmarc_dest {
    char *uri;               /* owned (display-safe, see dmarc.h) */
    char *auth_name;         /* owned: DOMAIN._report._dmarc.DEST, NULL when not external */
    bool external;
    bool authorized;         /* external and the destination publishes v=DMARC1 */
    dns_status auth_status;  /* of the authorisation lookup; DNS_OK when not external */
} domain_dmarc_dest;

typedef struct domain_dmarc {
    dns_status status;       /* of the record lookup that decided (domain, then org) */
    dns_dnssec dnssec;
    char *found_at;          /* owned: the name the record was found at, NULL when none */
    bool from_org;           /* found at the organisational domain, not the domain */
    char *org_domain;        /* owned; NULL when the domain is its own org domain */
    char *record;            /* owned, escaped; NULL when none */
    size_t n_records;        /* v=DMARC1 records at found_at (2+ is an error) */
    dmarc_record *parsed;    /* owned; NULL when none */
    domain_dmarc_dest *dests;/* owned: rua then ruf */
    size_t n_dests;
} domain_dmarc;

/* ---- MTA-STS / TLS-RPT (TXT records; the MTA-STS policy file over HTTPS) ---- */
typedef struct domain_txt_policy {
    dns_status status;
    dns_dnssec dnssec;
    char *record;            /* owned, escaped; NULL when none */
    size_t n_records;        /* matching records found (2+ is an error) */
} domain_txt_policy;

/* One MX host judged against the fetched MTA-STS policy (RFC 8461 §4). */
typedef struct domain_sts_mx {
    char *host;              /* owned: the MX host, as in mx.hosts */
    char *pattern;           /* owned: the first mx pattern it matches; NULL: not covered */
    bool cert_checked;       /* --connect: a STARTTLS handshake was made (port below) */
    int port;                /* the port of that handshake; 0 when not checked */
    bool cert_valid;         /* the certificate chain is trusted and names host */
    char *cert_error;        /* owned, escaped: why not (or why it was not checked); NULL */
} domain_sts_mx;

/* The policy file, fetched over HTTPS (transport/https.h) when the TXT record
 * is there and domain_opts.sts_fetch is set. */
typedef struct domain_sts_policy {
    char *url;               /* owned: https://mta-sts.DOMAIN/.well-known/mta-sts.txt */
    bool fetched;            /* a 200 text/plain body was read and parsed */
    char *failure;           /* owned: https_failure_name() of a failed fetch; NULL */
    char *error;             /* owned, escaped: why the fetch failed; NULL when fetched */
    long http_status;        /* 0 when no HTTP response */
    char *content_type;      /* owned, escaped; NULL when none */
    char *address;           /* owned: the address connected to; NULL when none */
    mtasts_policy *parsed;   /* owned; NULL unless a body was parsed */
    domain_sts_mx *mx;       /* owned: every MX host, when parsed and the MX is known */
    size_t n_mx;
    bool certs_checked;      /* --connect: the MX certificates were checked */
} domain_sts_policy;

typedef struct domain_mtasts {
    domain_txt_policy txt;   /* _mta-sts.DOMAIN */
    mtasts_record *parsed;   /* owned; NULL when none */
    domain_sts_policy *policy; /* owned; NULL when not fetched (no record, or sts_fetch off) */
} domain_mtasts;

/* Free a policy and everything in it; NULL is a no-op (section_sts.c). */
void domain_sts_policy_free(domain_sts_policy *p);

typedef struct domain_tlsrpt {
    domain_txt_policy txt;   /* _smtp._tls.DOMAIN */
    tlsrpt_record *parsed;   /* owned; NULL when none */
} domain_tlsrpt;

/* ---- PTR / FCrDNS ---- */
typedef struct domain_ptr_entry {
    char *addr;              /* owned numeric address */
    char *for_host;          /* owned: the MX host it belongs to, or NULL for --ip */
    dns_status status;       /* of the PTR lookup */
    char **names;            /* owned, escaped PTR names */
    size_t n_names;
    bool confirmed;          /* some PTR name resolves back to addr (FCrDNS) */
    char *confirmed_name;    /* owned: that name, NULL when none */
} domain_ptr_entry;

typedef struct domain_ptr {
    domain_ptr_entry *v;     /* owned: every distinct MX address, then --ip */
    size_t n;
} domain_ptr;

/* ---- HELO ---- */
typedef struct domain_helo {
    char *name;              /* owned copy of --helo; NULL when not given (section skipped) */
    bool syntax_ok;          /* an FQDN (or an address literal "[192.0.2.1]") */
    bool is_literal;
    dns_status status;       /* of its A/AAAA lookup */
    char **addrs;            /* owned */
    size_t n_addrs;
    bool matches_ip;         /* --ip is among addrs (false without --ip) */
} domain_helo;

/* ---- DNS blocklists ---- */
typedef struct domain_dnsbl_entry {
    char *addr;              /* owned */
    char *zone;              /* owned */
    char *query;             /* owned: the name asked (reversed address + zone) */
    dns_status status;       /* NXDOMAIN = not listed; OK = listed (or a refusal, below) */
    bool listed;
    bool refused;            /* the list answered 127.255.255.x: it refuses this resolver
                                (public resolvers are often blocked), not a listing */
    char **codes;            /* owned: the 127.0.0.x answers */
    size_t n_codes;
    char *reason;            /* owned, escaped TXT reason; NULL when none */
} domain_dnsbl_entry;

typedef struct domain_dnsbl {
    char **zones;            /* owned: the zones used */
    size_t n_zones;
    domain_dnsbl_entry *v;   /* owned: address-major */
    size_t n;
} domain_dnsbl;

typedef struct domain_outcome {
    char *domain;                        /* owned, as checked */
    stage_status status[DSEC__COUNT];    /* per section; SS_SKIP when it did not run */
    char *summary[DSEC__COUNT];          /* owned one-liners for people; may be NULL */
    domain_mx mx;
    domain_spf spf;
    domain_dkim dkim;
    domain_dmarc dmarc;
    domain_mtasts mtasts;
    domain_tlsrpt tlsrpt;
    domain_ptr ptr;
    domain_helo helo;
    domain_dnsbl dnsbl;
    bool dnssec_validated;               /* the resolver had a trust anchor */
    unsigned queries;                    /* DNS queries sent (batch + SPF) */
    unsigned waves;
    finding_list findings;               /* every finding, section by section */
    char **notes;                        /* owned informational lines */
    size_t n_notes;
    int64_t total_ms;
} domain_outcome;

/* Run every section for o->domain. r is borrowed and used for the waves.
 * spf_r (borrowed, may be NULL) is a second resolver for the SPF evaluation,
 * which then runs concurrently in its own thread; with NULL it runs on r
 * after the waves. Always fills *out (free with domain_outcome_free); returns
 * -1 only on OOM (out is then still safe to free). */
int domain_run(const domain_opts *o, dns_resolver *r, dns_resolver *spf_r, domain_outcome *out);

void domain_outcome_free(domain_outcome *out);

#endif
