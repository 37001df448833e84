/* dane_verify.h — internal to the DANE check (dane.c): verify DNSSEC-secure,
 * usable TLSA records by a handshake on a fresh connection (dane_verify.c).
 * Not for other modules: call dane_check(). */
#ifndef SMTPSCOPE_CHECKS_SECURITY_DANE_VERIFY_H
#define SMTPSCOPE_CHECKS_SECURITY_DANE_VERIFY_H

#include "checks/finding.h"
#include "checks/security/dane.h"
#include "protocol/transcript.h"

/* r holds the looked-up records (r->records, with `usable` set); host is the
 * TLSA base domain (no final dot, raw: used for SNI and the name checks).
 * Connects to o->address:o->port, greets, EHLO, STARTTLS (or implicit TLS:
 * o->tls, AUTO = implicit on 465), handshakes with the usable records loaded,
 * QUITs, and sets r->state to VERIFIED, MISMATCH or ERROR with the matching
 * findings (dane.verified / dane.mismatch / dane.handshake_failed), marks the
 * matched record and r->match_depth. The session goes to t (may be NULL).
 * Returns 0, or -1 on OOM. */
int dane_verify(const dane_opts *o, const char *host, dane_report *r, finding_list *f,
                transcript *t);

#endif
