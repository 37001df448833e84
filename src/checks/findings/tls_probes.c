/* tls_probes.c — finding IDs of DANE (checks/security/dane.c, stage "dane")
 * and the STARTTLS injection probe (checks/security/injection.c, stage
 * "injection"). Part of the catalogue assembled in finding.c; IDs are stable
 * API (add, never rename) and documented in docs/findings.md
 * (scripts/gen-findings-doc.py).
 *
 * No TLSA record at all (DANE not published) is no finding: it is the normal
 * case, and dane_report.state says so. */
#include <stddef.h>

#include "checks/finding.h"

#define E SEV_ERROR
#define W SEV_WARNING
#define I SEV_INFO

static const finding_def defs[] = {
    /* ---- DANE (RFC 6698, RFC 7671, RFC 7672) ---- */
    {"dane.verified", I, false, "The certificate matches a DNSSEC-signed TLSA record (DANE)",
     "Nothing to do. Whenever the certificate or key changes, publish the new TLSA record "
     "first and wait at least two TTLs before switching (RFC 7671 §8.1), or DANE senders will "
     "stop delivering."},
    {"dane.mismatch", E, false, "No TLSA record matches the certificate the server presents",
     "Senders that use DANE (RFC 7672) will not deliver to this server. Publish a TLSA record "
     "for the certificate in use, e.g. \"3 1 1 <SHA-256 of the public key>\" (openssl x509 "
     "-pubkey -noout | openssl pkey -pubin -outform DER | sha256sum), or put the previous "
     "certificate back; keep the old and new records side by side during a rollover."},
    {"dane.insecure_tlsa", W, false,
     "TLSA records are published in a zone that is not DNSSEC-signed",
     "TLSA records count only when DNSSEC validates them (RFC 7672 §2.2); unsigned they are "
     "ignored by every sender. Sign the zone (and publish its DS at the parent), or remove "
     "the TLSA records."},
    {"dane.unvalidated", I, false, "TLSA records were found but DNSSEC was not validated",
     "This run did not validate DNSSEC, so it cannot tell whether the records are usable. "
     "Run again with DNSSEC validation on (a DNSSEC trust anchor, e.g. the root's)."},
    {"dane.bogus", E, false, "DNSSEC validation of the TLSA records failed (bogus)",
     "Validating resolvers answer SERVFAIL, and DANE senders defer mail to this server. Fix "
     "the zone's signatures (expired RRSIGs, a DS at the parent that matches no DNSKEY) and "
     "check with a DNSSEC debugger such as dnsviz.net or `delv`."},
    {"dane.unusable_records", W, false, "None of the TLSA records is usable for SMTP",
     "RFC 7672 §3.1.3: senders ignore usages 0 (PKIX-TA) and 1 (PKIX-EE) and unknown "
     "selectors or matching types, so DANE gives no protection. Publish \"3 1 1\" (DANE-EE) "
     "or \"2 1 1\" (DANE-TA) records instead."},
    {"dane.ignored_records", I, false, "Some TLSA records are not usable for SMTP",
     "Senders ignore records with usage 0 or 1 (RFC 7672 §3.1.3) or unknown parameters; "
     "only the DANE-TA/DANE-EE records count. Remove the others to avoid confusion."},
    {"dane.lookup_failed", W, true, "The TLSA records could not be looked up",
     "The DNS lookup failed (SERVFAIL or a timeout), so DANE could not be checked. DANE "
     "senders defer mail while this lasts: check that the zone's name servers answer TLSA "
     "queries (some broken servers fail on unknown types)."},
    {"dane.handshake_failed", E, false,
     "DNSSEC-signed TLSA records are published but no TLS session could be made",
     "With TLSA published, DANE senders require TLS (RFC 7672 §2.2) and defer mail when the "
     "server offers no STARTTLS or the handshake fails. Fix TLS on the server (the message "
     "says what failed), or withdraw the TLSA records first."},
    /* ---- STARTTLS command injection (CVE-2011-0411 class) ---- */
    {"starttls.injection_vulnerable", E, false,
     "The server answers commands sent in plaintext together with STARTTLS inside TLS",
     "A man in the middle can inject commands that the server then runs inside the "
     "encrypted session (CVE-2011-0411 and its relatives). Update the MTA: after STARTTLS it "
     "must discard every byte received before the TLS handshake."},
    {"starttls.injection_untested", I, false, "The STARTTLS injection probe could not run",
     "The probe needs a server that offers STARTTLS and completes a TLS handshake; the "
     "message says what stopped it. Fix that first, then probe again."},
};

const finding_part finding_part_tls_probes = {defs, sizeof defs / sizeof defs[0]};
