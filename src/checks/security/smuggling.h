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
    int64_t timeout_ms;
    int64_t delay_ms;
    int family;
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
} smuggling_outcome;

int smuggling_run(const smuggling_opts *o, dns_resolver *resolver, smuggling_outcome *out);

void smuggling_outcome_free(smuggling_outcome *out);

#endif
