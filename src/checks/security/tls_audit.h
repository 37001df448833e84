/* tls_audit.h — the TLS and server-security audit of one SMTP endpoint
 * (`smtpscope tls HOST[:PORT]`, `check --tls-audit`).
 *
 * Runs after (and independently of) the layered check: a fresh connection per
 * probe, one at a time (polite; --delay between connections), each ending
 * with QUIT. It asks: which TLS protocol versions the server accepts (1.0,
 * 1.1, 1.2, 1.3; below 1.2 is a warning), whether it accepts weak cipher
 * classes (NULL, EXPORT, RC4, 3DES, anonymous), whether AUTH is advertised
 * before STARTTLS, whether a submission port lets MAIL/AUTH through without
 * STARTTLS, the DANE verdict (dane.h) and, opt-in, the STARTTLS injection
 * probe (injection.h). The certificate report itself is the check's
 * (endpoint_outcome.tls). Nothing here prints.
 *
 * Ownership: tls_audit_run fills *out; everything in it is owned by it and
 * freed by tls_audit_outcome_free (which does not free `out` itself). */
#ifndef SMTPSCOPE_CHECKS_SECURITY_TLS_AUDIT_H
#define SMTPSCOPE_CHECKS_SECURITY_TLS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/security/dane.h"
#include "checks/security/injection.h"
#include "dns/resolver.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"

/* What one probe found. */
typedef enum probe_verdict {
    PROBE_NOT_RUN = 0,   /* not asked for, or an earlier failure made it pointless */
    PROBE_ACCEPTED,      /* the server negotiated it / accepted the command */
    PROBE_REFUSED,       /* the server refused it (alert, 5xx, no shared cipher) */
    PROBE_UNTESTABLE,    /* this machine's TLS library cannot offer it (said why in detail) */
    PROBE_ERROR,         /* the connection failed for another reason (detail says which) */
} probe_verdict;

/* "not_run" / "accepted" / "refused" / "untestable" / "error". */
const char *probe_verdict_name(probe_verdict v);

typedef struct tls_probe {
    const char *name;     /* static: "TLSv1.0".."TLSv1.3", or "NULL","EXPORT","RC4","3DES","anonymous" */
    probe_verdict verdict;
    char *negotiated;     /* owned: the cipher (and version) negotiated when accepted, else NULL */
    char *detail;         /* owned: one line, escaped, e.g. OpenSSL's reason; may be NULL */
} tls_probe;

enum { TLS_AUDIT_VERSIONS = 4, TLS_AUDIT_CIPHER_CLASSES = 5 };

typedef enum tri { TRI_UNKNOWN = 0, TRI_NO, TRI_YES } tri;
const char *tri_name(tri t);  /* "unknown" / "no" / "yes" */

typedef struct tls_audit_opts {
    const char *host;          /* borrowed */
    int port;
    tls_mode tls;              /* STARTTLS or IMPLICIT (AUTO: implicit on 465, else STARTTLS) */
    const char *servername;    /* --servername; NULL: host */
    const char *ca_file;       /* --ca-file */
    const char *helo;          /* --helo */
    int64_t timeout_ms;        /* per connection stage */
    int64_t delay_ms;          /* --delay: pause between connections (politeness) */
    int family;                /* 4 / 6 / 0 */
    bool probe_injection;      /* --probe-injection */
    bool skip_dane;            /* --no-dane */
    /* Added with the audit: */
    bool submission;           /* --submission (port 587 always is): MAIL accepted before
                                  STARTTLS is a warning, not a note */
    const char *mail_from;     /* address for the MAIL-before-STARTTLS probe; NULL: <> */
    bool no_mx;                /* --no-mx: do not follow MX when host has no address */
    const finding_list *known; /* borrowed, may be NULL: findings already reported for
                                  this endpoint (the check's); the audit does not repeat
                                  one that says the same (auth.plaintext_exposed) */
    const char *address;       /* borrowed, may be NULL: probe this IP (the one the check
                                  connected to) instead of resolving host */
    const char *mx_host;       /* borrowed, may be NULL: the MX host the check followed to
                                  (TLSA name and default SNI) when address is given */
} tls_audit_opts;

typedef struct tls_audit_outcome {
    char *host;                /* owned copy */
    int port;
    tls_mode tls;              /* the mode the probes used */
    tls_probe versions[TLS_AUDIT_VERSIONS];      /* TLSv1.0, 1.1, 1.2, 1.3 in that order */
    tls_probe ciphers[TLS_AUDIT_CIPHER_CLASSES]; /* NULL, EXPORT, RC4, 3DES, anonymous */
    tri auth_before_starttls;  /* AUTH offered in the plaintext EHLO (STARTTLS mode only) */
    tri starttls_required;     /* MAIL/AUTH refused before STARTTLS (submission ports) */
    dane_report dane;          /* DANE (RFC 7672), see dane.h */
    injection_report injection;/* --probe-injection, see injection.h */
    finding_list findings;     /* moved into the result by result_take_tls_audit */
    char **notes;              /* owned; moved likewise */
    size_t n_notes;
    transcript *transcript;    /* owned: every probe connection, in order; may be NULL */
    int64_t total_ms;
    /* Added with the audit: */
    char *address;             /* owned: the address every probe connected to; NULL if none */
    char *mx_host;             /* owned: the MX followed to, or NULL */
    bool submission;           /* judged as a submission port (587 or --submission) */
    tri starttls_offered;      /* the plaintext EHLO lists STARTTLS (STARTTLS mode only) */
    char **plaintext_auth;     /* owned: AUTH mechanisms offered before STARTTLS */
    size_t n_plaintext_auth;
    smtp_reply *mail_reply;    /* owned: the reply to MAIL before STARTTLS, or NULL */
    char *stopped;             /* owned: why the TLS probes stopped early, or NULL */
    size_t connections;        /* connections the audit itself opened (DANE's excluded) */
} tls_audit_outcome;

/* Run the audit. resolver is borrowed (for the address and the TLSA lookup;
 * NULL: host must be an IP literal and DANE is not checked). Always fills
 * *out; returns -1 only on OOM. */
int tls_audit_run(const tls_audit_opts *o, dns_resolver *resolver, tls_audit_outcome *out);

/* Fill *out for an audit that does not run at all (e.g. the check before it
 * could not connect): every probe not_run, `why` in out->stopped, no
 * finding (the reason was reported already). Returns 0, or -1 on OOM. */
int tls_audit_skip(const tls_audit_opts *o, const char *why, tls_audit_outcome *out);

void tls_audit_outcome_free(tls_audit_outcome *out);

#endif
