/* relay.h — the open-relay battery (`smtpscope relay HOST[:PORT]`).
 *
 * Like the well-known online relay tests: for each case a MAIL FROM and a
 * RCPT TO that a correctly configured server must refuse without
 * authentication (external→external, the null sender, %-hack, quoted local
 * parts, bang paths, source routes, IP literals, unqualified addresses,
 * spoofing the server's own domain as sender). Every case ends with RSET
 * after RCPT: DATA is never sent, so no mail is ever delivered. One
 * connection, reused while the server allows (re-opened politely, with
 * --delay, when it drops us). Any foreign recipient accepted without auth
 * is the error finding relay.open, naming the cases.
 * Ownership: relay_run fills *out; relay_outcome_free frees its contents. */
#ifndef SMTPSCOPE_CHECKS_SECURITY_RELAY_H
#define SMTPSCOPE_CHECKS_SECURITY_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/security/tls_audit.h"
#include "dns/resolver.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"

typedef struct relay_case {
    const char *id;            /* static, stable: "external_to_external", "percent_hack", ... */
    const char *title;         /* static, for people */
    char *mail_from;           /* owned: the reverse-path as sent (without <>) */
    char *rcpt_to;             /* owned: the forward-path as sent */
    probe_verdict verdict;     /* ACCEPTED: the RCPT got 2xx; REFUSED: 4xx/5xx at MAIL or RCPT */
    smtp_reply *reply;         /* owned: the reply that decided; may be NULL */
} relay_case;

typedef struct relay_opts {
    const char *host;          /* borrowed */
    int port;
    tls_mode tls;              /* default AUTO: STARTTLS when offered (never required) */
    const char *servername;
    const char *ca_file;
    bool insecure;
    const char *helo;
    const char *server_domain; /* --domain: the server's own domain (default: from the banner/EHLO name) */
    const char *external_domain; /* --external-domain: a domain the server must not relay to (default "relay-test.smtpscope.invalid"?) */
    int64_t timeout_ms;
    int64_t delay_ms;          /* --delay between cases */
    int family;
} relay_opts;

typedef struct relay_outcome {
    char *host;                /* owned */
    int port;
    char *address;             /* owned: address used */
    relay_case *cases;         /* owned, in battery order */
    size_t n_cases;
    size_t n_accepted;
    finding_list findings;     /* moved into the result by result_take_relay */
    char **notes;
    size_t n_notes;
    transcript *transcript;    /* owned */
    int64_t total_ms;
} relay_outcome;

/* Always fills *out; -1 only on OOM. resolver borrowed (NULL: IP literal). */
int relay_run(const relay_opts *o, dns_resolver *resolver, relay_outcome *out);

void relay_outcome_free(relay_outcome *out);

#endif
