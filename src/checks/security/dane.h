/* dane.h — DANE for SMTP (RFC 7672): TLSA at _PORT._tcp.HOST, checked
 * through OpenSSL's DANE support (SSL_dane_enable / SSL_dane_tlsa_add).
 *
 * The TLSA answer's DNSSEC state decides whether DANE applies at all: TLSA
 * without DNSSEC (insecure/unchecked) is a finding, bogus is an error; with
 * secure TLSA a handshake is run with the records loaded, and the report says
 * which record matched (usage/selector/matching type and at which depth of
 * the chain) or that none did. Ownership: dane_report's fields are owned by
 * it; dane_report_clear frees them. */
#ifndef SMTPSCOPE_CHECKS_SECURITY_DANE_H
#define SMTPSCOPE_CHECKS_SECURITY_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/finding.h"
#include "protocol/transcript.h"
#include "dns/resolver.h"

typedef struct dane_record_view {
    uint8_t usage, selector, mtype;
    char *data_hex;            /* owned, lower-case hex (display may shorten it) */
    bool usable;               /* a combination RFC 7672 allows for SMTP (usage 2 or 3, known selector/mtype) */
    bool matched;              /* this record matched the presented chain */
} dane_record_view;

typedef enum dane_state {
    DANE_NOT_CHECKED = 0,      /* --no-dane, no resolver, or the lookup could not run */
    DANE_NO_TLSA,              /* NXDOMAIN/NODATA: DANE not published (not a problem) */
    DANE_INSECURE,             /* TLSA present but not DNSSEC-validated: cannot be used */
    DANE_BOGUS,                /* DNSSEC validation failed for the TLSA answer */
    DANE_VERIFIED,             /* a usable record matched the chain */
    DANE_MISMATCH,             /* secure usable TLSA, none matched */
    DANE_UNUSABLE,             /* secure TLSA but no usable record (all usage 0/1 or unknown) */
    DANE_ERROR,                /* lookup failed (SERVFAIL/timeout) or handshake failed */
} dane_state;

/* "not_checked" / "no_tlsa" / "insecure" / "bogus" / "verified" / "mismatch" / "unusable" / "error". */
const char *dane_state_name(dane_state s);

typedef struct dane_report {
    dane_state state;
    char *qname;               /* owned: "_25._tcp.mx.example." */
    int dnssec;                /* dns_dnssec value of the TLSA answer (dns/batch.h) */
    dane_record_view *records; /* owned */
    size_t n_records;
    size_t n_published;        /* records in the answer; above n_records when capped
                                  (dane.c keeps at most 32: docs/limits.md) */
    int match_depth;           /* chain depth of the match (0 = leaf), -1 if none */
    char *detail;              /* owned: one line for people (escaped); may be NULL */
} dane_report;

typedef struct dane_opts {
    const char *host;          /* the TLSA base name (the MX host), borrowed */
    int port;
    const char *address;       /* IP to connect to (already resolved), borrowed */
    int tls;                   /* tls_mode: STARTTLS or IMPLICIT */
    const char *helo;
    int64_t timeout_ms;
} dane_opts;

/* Look up TLSA and, when secure and usable, verify by a handshake. Findings
 * (dane.*) are appended to `findings`; transcript lines of the handshake
 * connection to `t` (may be NULL). Returns 0, or -1 on OOM.
 *
 * State -> finding (catalogue: checks/findings/tls_probes.c):
 *   NO_TLSA: none (detail only) | INSECURE: dane.insecure_tlsa (validated
 *   insecure) or dane.unvalidated (dnssec UNCHECKED: no trust anchor on the
 *   resolver; no handshake either way) | BOGUS: dane.bogus | UNUSABLE:
 *   dane.unusable_records | VERIFIED: dane.verified (+ dane.ignored_records
 *   when usage-0/1 records sit next to usable ones) | MISMATCH: dane.mismatch
 *   (the message carries the server key's "3 1 1" digest) | ERROR:
 *   dane.lookup_failed (SERVFAIL/timeout) or dane.handshake_failed (no
 *   STARTTLS, refused, handshake failed). An IP literal host, no resolver or
 *   no host: NOT_CHECKED. The host's final dot is ignored; o->address must
 *   be an IP literal. */
int dane_check(const dane_opts *o, dns_resolver *resolver, dane_report *out,
               finding_list *findings, transcript *t);

void dane_report_clear(dane_report *r);

#endif
