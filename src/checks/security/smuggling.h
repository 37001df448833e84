/* smuggling.h — the SMTP smuggling probe (opt-in: --probe-smuggling
 * --from A --to B, to a mailbox the user controls).
 *
 * For each non-standard end-of-data sequence (<LF>.<LF>, <CR>.<CR>,
 * <LF>.<CR><LF>, <CR><LF>.<LF>, <CR><LF>.<CR>, <LF>.<NUL>... see
 * smuggling.c for the list and why each matters) one message is sent whose
 * body contains the sequence followed by a smuggled "MAIL FROM" line and a
 * marker. A server that treats the sequence as end of data answers the DATA
 * early (and then sees the smuggled command): verdict ACCEPTED = vulnerable
 * to this variant, with the reply as evidence. A server that keeps reading
 * until the real <CR><LF>.<CR><LF> is safe for that variant (REFUSED means
 * "did not end data"). Each variant uses its own connection (polite, --delay).
 * Ownership: smuggling_outcome_free frees its contents. */
#ifndef SMTPSCOPE_CHECKS_SECURITY_SMUGGLING_H
#define SMTPSCOPE_CHECKS_SECURITY_SMUGGLING_H

#include <stddef.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/security/tls_audit.h"
#include "dns/resolver.h"
#include "protocol/transcript.h"

typedef struct smuggling_variant {
    const char *id;            /* static, stable: "lf_dot_lf", "cr_dot_cr", ... */
    const char *sequence;      /* static, for people: "<LF>.<LF>" */
    probe_verdict verdict;     /* ACCEPTED: server ended DATA at this sequence (vulnerable) */
    char *evidence;            /* owned, escaped: the reply/behaviour observed; may be NULL */
} smuggling_variant;

typedef struct smuggling_opts {
    const char *host;
    int port;
    tls_mode tls;
    const char *servername;
    const char *ca_file;
    bool insecure;
    const char *helo;
    const char *from;          /* --from (required) */
    const char *to;            /* --to (required): a mailbox the user controls */
    const char *auth_user;     /* optional AUTH like check (borrowed secret in auth_pass) */
    const char *auth_pass;
    bool allow_plaintext_auth; /* --allow-plaintext-auth: else no AUTH without TLS */
    int64_t timeout_ms;
    int64_t delay_ms;
    int family;
    /* additions (smuggling.c) */
    int64_t early_wait_ms;     /* how long to wait for a reply right after the sequence;
                                  0: SMUGGLING_EARLY_WAIT_MS (capped at timeout_ms) */
} smuggling_opts;

typedef struct smuggling_outcome {
    char *host;
    int port;
    smuggling_variant *variants;  /* owned */
    size_t n_variants;
    size_t n_vulnerable;
    finding_list findings;
    char **notes;
    size_t n_notes;
    transcript *transcript;       /* owned */
    int64_t total_ms;
    /* additions (smuggling.c) */
    char *marker;                 /* owned: the token in every probe message's Subject
                                     ("smtpscope-smuggling-<hex>"), to find them in the
                                     --to mailbox */
    size_t n_delivered;           /* carrier messages the server accepted with a 2xx (a
                                     vulnerable variant's carrier cut at the sequence) */
} smuggling_outcome;

#define SMUGGLING_EARLY_WAIT_MS 3000
#define SMUGGLING_MAX_RUN_MS (5 * 60 * 1000) /* the whole probe, whatever --delay says */

/* The variants in probe order: id, label ("<LF>.<LF>") and the raw bytes
 * (n of them; one holds a NUL). i < smuggling_variant_count(). */
size_t smuggling_variant_count(void);
const char *smuggling_variant_id(size_t i);
const char *smuggling_variant_label(size_t i);
const char *smuggling_variant_bytes(size_t i, size_t *n);

int smuggling_run(const smuggling_opts *o, dns_resolver *resolver, smuggling_outcome *out);

void smuggling_outcome_free(smuggling_outcome *out);

#endif
