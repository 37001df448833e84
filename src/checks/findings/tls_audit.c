/* tls_audit.c — finding IDs of the TLS audit (checks/security/tls_audit.c):
 * protocol versions, weak cipher classes, and the STARTTLS policy seen before
 * TLS (AUTH offered in plaintext, MAIL accepted without STARTTLS on a
 * submission port). Part of the catalogue assembled in finding.c; IDs are
 * stable API (add, never rename), all under "tls_audit.", and documented in
 * docs/findings.md by scripts/gen-findings-doc.py (run it after a change). */
#include "checks/finding.h"

#define E SEV_ERROR
#define W SEV_WARNING
#define I SEV_INFO

static const finding_def defs[] = {
    /* ---- protocol versions (STAGE_TLS_VERSIONS) ---- */
    {"tls_audit.tls10_accepted", W, false, "The server accepts TLS 1.0",
     "TLS 1.0 is deprecated (RFC 8996). Set the minimum protocol to TLS 1.2 (Postfix: "
     "smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2; Exim: "
     "openssl_options = +no_tlsv1 +no_tlsv1_1)."},
    {"tls_audit.tls11_accepted", W, false, "The server accepts TLS 1.1",
     "TLS 1.1 is deprecated (RFC 8996). Set the minimum protocol to TLS 1.2 (Postfix: "
     "smtpd_tls_protocols = >=TLSv1.2; Exim: openssl_options = +no_tlsv1_1)."},
    {"tls_audit.no_modern_version", E, false, "The server accepts neither TLS 1.2 nor TLS 1.3",
     "Clients that follow current practice (RFC 8996, RFC 8997) refuse anything older than "
     "TLS 1.2. Upgrade the TLS library or the server software and enable TLS 1.2 and 1.3."},
    {"tls_audit.no_tls13", I, false, "The server does not offer TLS 1.3",
     "TLS 1.3 is faster and drops every legacy cipher. It is available with OpenSSL 1.1.1 "
     "and later; check the server's protocol settings and its TLS library version."},
    /* ---- weak cipher classes (STAGE_TLS_CIPHERS) ---- */
    {"tls_audit.cipher_null", E, false, "The server accepts NULL ciphers (no encryption)",
     "A NULL cipher authenticates but does not encrypt: the mail travels in clear. Exclude "
     "them (Postfix: smtpd_tls_exclude_ciphers = eNULL, aNULL, ...; OpenSSL cipher string "
     "'!eNULL')."},
    {"tls_audit.cipher_export", E, false, "The server accepts EXPORT ciphers",
     "EXPORT ciphers use 40- and 56-bit keys that are broken in minutes (FREAK, Logjam). "
     "Remove them from the cipher list ('!EXPORT') or upgrade the TLS library, which no "
     "longer ships them."},
    {"tls_audit.cipher_rc4", E, false, "The server accepts RC4 ciphers",
     "RC4 is prohibited in TLS (RFC 7465). Remove it from the cipher list ('!RC4'; Postfix: "
     "smtpd_tls_exclude_ciphers = RC4, ...)."},
    {"tls_audit.cipher_3des", W, false, "The server accepts 3DES ciphers",
     "3DES has a 64-bit block and is open to Sweet32 on long sessions. Remove it from the "
     "cipher list ('!3DES'; Postfix: smtpd_tls_exclude_ciphers = 3DES, ...) unless a "
     "client you must support has nothing better."},
    {"tls_audit.cipher_anonymous", E, false,
     "The server accepts anonymous ciphers (no server authentication)",
     "With an anonymous (aNULL) cipher the server proves nothing about its identity, so a "
     "man in the middle goes unnoticed. Exclude them ('!aNULL'; Postfix: "
     "smtpd_tls_exclude_ciphers = aNULL)."},
    /* ---- STARTTLS policy ---- */
    {"tls_audit.auth_before_starttls", W, false, "AUTH is advertised before STARTTLS",
     "A client that trusts the plaintext EHLO may send its password unencrypted. Offer AUTH "
     "only after STARTTLS (Postfix: smtpd_tls_auth_only = yes; Exim: "
     "auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}})."},
    {"tls_audit.starttls_not_required", W, false,
     "STARTTLS is not required for submission: MAIL is accepted before it",
     "On a submission port every session should be encrypted (RFC 8314 prefers implicit "
     "TLS on 465). Require TLS before MAIL (Postfix master.cf submission: "
     "-o smtpd_tls_security_level=encrypt)."},
    {"tls_audit.starttls_unavailable", E, false,
     "The TLS audit could not start TLS: STARTTLS is not offered or is refused",
     "Without STARTTLS the mail on this port travels in clear and the TLS audit cannot run. "
     "Configure a certificate and enable STARTTLS (Postfix: smtpd_tls_security_level = may "
     "and smtpd_tls_chain_files), or audit the implicit-TLS port with --tls implicit."},
    {"tls_audit.incomplete", E, true, "The TLS audit could not run every probe",
     "A probe connection failed for a reason other than the server refusing what was "
     "offered (a timeout, a reset, a rate limit). Run the audit again later, with --delay "
     "SECONDS if the server limits connections per client."},
};

const finding_part finding_part_tls_audit = {defs, sizeof defs / sizeof defs[0]};
