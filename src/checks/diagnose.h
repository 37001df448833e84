/* diagnose.h — from what happened to findings with advice (Postfix's
 * smtp_trouble role). endpoint.c runs the stages and calls these to judge an
 * I/O error, a TLS failure, the certificate facts or a server reply; each
 * adds findings to the list it was given. Keeping judgement here keeps the
 * stage runner short and lets the port sweep reuse the same words. */
#ifndef SMTPSCOPE_CHECKS_DIAGNOSE_H
#define SMTPSCOPE_CHECKS_DIAGNOSE_H

#include <stdbool.h>

#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/resolve.h"
#include "core/err.h"
#include "protocol/reply.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"

typedef struct diag {
    finding_list *findings;  /* borrowed */
    dns_resolver *resolver;  /* borrowed; NULL for literals */
} diag;

void diag_init(diag *d, finding_list *findings, dns_resolver *resolver);

/* Add a catalogue finding (see finding_add). */
void diag_add(diag *d, const char *id, stage_id stage, const char *advice, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Change the severity of the finding added last. */
void diag_set_last_severity(diag *d, severity sev);

/* An I/O or protocol failure (timeout, close, bad reply, too long). */
void diag_io_error(diag *d, stage_id stage, const err *e);

void diag_resolve_error(diag *d, const char *host, const resolved_target *t, const err *e);
void diag_connect_error(diag *d, int port, const err *e);

/* A TLS handshake that failed; mode is what was being attempted. */
void diag_tls_failure(diag *d, stage_id stage, tls_mode mode, int port, tls_failure why,
                      const err *e);

/* Certificate and protocol findings of an established session. */
void diag_tls_info(diag *d, const tls_info *ti, const char *servername, bool insecure);

/* A 4xx/5xx reply in `stage`. id NULL picks the finding from the stage, the
 * code, the enhanced code and the text; temporary follows the code's class. */
void diag_reply(diag *d, stage_id stage, const smtp_reply *r, const char *id);

#endif
