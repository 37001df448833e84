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
    /* additions (relay.c) */
    bool foreign;              /* static: a 2xx means relaying (false only for
                                  unqualified_recipient, which a server may qualify
                                  with its own domain) */
    char *detail;              /* owned, escaped: why ERROR ("connection closed"), or NULL */
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
    const char *external_domain; /* --external-domain: a domain the server must not relay to
                                    (NULL: RELAY_DEFAULT_EXTERNAL, under .invalid) */
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
    /* additions (relay.c) */
    char *server_domain;       /* owned: --domain, or the guess that was used; may be NULL */
    bool server_domain_guessed;/* true when guessed from the greeting/EHLO name */
    char *external_domain;     /* owned: the domain the server must not relay to */
    bool tls_used;             /* the cases ran over TLS (STARTTLS or implicit) */
    size_t n_connections;      /* sessions opened (1 unless the server dropped us) */
} relay_outcome;

/* Defaults and bounds. */
#define RELAY_DEFAULT_EXTERNAL "relay-test.smtpscope.invalid"
#define RELAY_MAX_CONNECTIONS 4      /* sessions per run (the first + 3 reconnects) */
#define RELAY_MAX_RUN_MS (10 * 60 * 1000) /* the whole battery, whatever --delay says */

/* Build the battery for a server whose own domain is server_domain (may be
 * NULL: the cases that need it use "[server_ip]") and whose address is
 * server_ip ("192.0.2.1" or "2001:db8::1"; may be NULL: "127.0.0.1" is not
 * guessed, the literal cases then use server_domain). Every case gets its id,
 * title, foreign flag and exact addresses; verdicts are PROBE_NOT_RUN.
 * Returns 0, or -1 on OOM (*out NULL). Free with relay_cases_free. */
int relay_cases_build(const char *server_domain, const char *server_ip,
                      const char *external_domain, relay_case **out, size_t *n);
void relay_cases_free(relay_case *v, size_t n);

/* The server's own domain guessed from its host name: the parent domain of a
 * name with three or more labels ("mail.example.com" -> "example.com"), the
 * name itself with two ("example.com"), NULL for a single label, an IP
 * literal or anything that is not a plausible host name. Allocated. */
char *relay_guess_domain(const char *hostname);

/* Always fills *out; -1 only on OOM. resolver borrowed (NULL: IP literal). */
int relay_run(const relay_opts *o, dns_resolver *resolver, relay_outcome *out);

void relay_outcome_free(relay_outcome *out);

#endif
