/* tls_audit_probe.h — the connections of the TLS audit (internal to
 * checks/security/: tls_audit.c runs the audit, tls_audit_probe.c opens and
 * closes each probe connection).
 *
 * Politeness and bounded time live here: connections are opened one at a
 * time, never before --delay has passed since the previous one ended; each
 * connection has one overall deadline (twice --timeout) and each step on it
 * its own (--timeout), whichever comes first; every live session ends with
 * QUIT. Everything a probe sends and receives goes to the outcome's
 * transcript, each connection introduced by an info line naming the probe. */
#ifndef SMTPSCOPE_CHECKS_SECURITY_TLS_AUDIT_PROBE_H
#define SMTPSCOPE_CHECKS_SECURITY_TLS_AUDIT_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "checks/security/tls_audit.h"
#include "core/err.h"
#include "protocol/client.h"
#include "transport/tcp.h"
#include "transport/tlsconn.h"

/* Per-audit state; lives on tls_audit_run's stack. */
typedef struct audit_run {
    const tls_audit_opts *o;
    tls_audit_outcome *out;
    tls_mode mode;            /* STARTTLS or IMPLICIT (AUTO and NONE resolved) */
    const tcp_addr *addrs;    /* borrowed: candidates until one connects */
    size_t n_addrs;
    tcp_addr addr;            /* the address that connected first; every later probe uses it */
    bool have_addr;
    const char *servername;   /* SNI; borrowed */
    char helo[256];
    int64_t last_end_ms;      /* monotonic ms the previous connection ended; 0: none yet */
    unsigned failures_in_row; /* probes in a row that ended in PROBE_ERROR */
} audit_run;

/* One probe connection. */
typedef struct audit_session {
    smtp_client *cl;          /* owned */
    int64_t deadline;         /* the whole connection's */
} audit_session;

/* The deadline of the next step on s: now + --timeout, capped by s's own. */
int64_t audit_step_deadline(const audit_run *r, const audit_session *s);

/* Wait out --delay since the previous connection. */
void audit_pause(audit_run *r);

/* Pause, connect (to r->addr, or the first of r->addrs that answers), and
 * set up the client. `label` names the probe in the transcript. Returns 0,
 * or -1 with e set (ERRC_CONNECTION / ERRC_TIMEOUT, ERRC_INTERNAL on OOM). */
int audit_connect(audit_run *r, const char *label, audit_session *s, err *e);

/* QUIT on a live session (short deadline, reply not judged), then close;
 * records the end time for --delay. Safe on a session that never opened. */
void audit_close(audit_run *r, audit_session *s);

/* Why a TLS probe stopped the whole series (the server will not do TLS on
 * this port at all, so further probes would only repeat it). */
typedef enum audit_stop {
    AUDIT_GO_ON = 0,
    AUDIT_STOP_BANNER,        /* the greeting was not 220 */
    AUDIT_STOP_NO_STARTTLS,   /* the EHLO reply does not list STARTTLS */
    AUDIT_STOP_STARTTLS_REFUSED, /* STARTTLS answered with something else than 220 */
} audit_stop;

/* One TLS probe: connect, (banner, EHLO, STARTTLS,) handshake with a context
 * made from `to`, QUIT. Fills p->verdict, p->negotiated, p->detail. *stop
 * tells whether the series must stop, with *stop_detail (allocated, escaped
 * peer text included) saying why. Returns 0, or -1 on OOM. */
int audit_tls_probe(audit_run *r, const char *label, const tlsconn_opts *to, tls_probe *p,
                    audit_stop *stop, char **stop_detail);

/* One cipher-class probe by a hand-built ClientHello (transport/tls_hello.h)
 * offering exactly `suites` at TLS 1.2 (the server may choose lower):
 * connect, (banner, EHLO, STARTTLS 220,) the hello, the server's ServerHello
 * or alert, then the connection is dropped without QUIT. For the classes
 * this OpenSSL cannot offer (3DES, RC4, EXPORT on Debian 12). Same results
 * and return as audit_tls_probe. */
int audit_hello_probe(audit_run *r, const char *label, const uint16_t *suites, size_t n,
                      tls_probe *p, audit_stop *stop, char **stop_detail);

/* How many ciphers (TLS 1.3 suites included when max allows) this OpenSSL
 * would offer for cipher_list (NULL: the default) between min and max at
 * security level 0. 0 when it can offer none: the probe is untestable. */
int audit_offerable(const char *cipher_list, int min_version, int max_version);

#endif
