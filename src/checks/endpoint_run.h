/* endpoint_run.h — the per-run state and stage helpers shared by the files
 * that make up endpoint_run (endpoint.h): endpoint.c runs the stages up to
 * AUTH and the check's envelope probe, endpoint_deliver.c the delivery of
 * `smtpscope send`. Internal to checks/: nothing outside includes it. */
#ifndef SMTPSCOPE_CHECKS_ENDPOINT_RUN_H
#define SMTPSCOPE_CHECKS_ENDPOINT_RUN_H

#include <stdint.h>

#include "checks/diagnose.h"
#include "checks/endpoint.h"
#include "core/err.h"
#include "protocol/client.h"
#include "transport/tlsconn.h"

/* Per-run state; lives on endpoint_run's stack. */
typedef struct run {
    const endpoint_opts *o;
    endpoint_outcome *out;
    diag d;                 /* where findings go (diagnose.h) */
    smtp_client *cl;
    tlsconn_ctx *tls;
    const char *servername; /* name to verify the certificate against */
    char helo[256];
} run;

stage_record *ep_rec(run *r, stage_id s);
void ep_stage_begin(run *r, stage_id s);

/* End a stage; takes ownership of reply (may be NULL). */
void ep_stage_end(run *r, stage_id s, stage_status st, smtp_reply *reply, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The deadline of one stage from now (--timeout). */
int64_t ep_stage_deadline(const run *r);

/* An I/O or protocol error in stage s: finding + fail. Returns -1. */
int ep_io_fail(run *r, stage_id s, const err *e);

/* endpoint_deliver.c: */

/* An empty report for o->delivery: every recipient "not tried" (so a run
 * that stops early still lists them). NULL on OOM. */
delivery_report *ep_delivery_new(const endpoint_delivery *dv);

/* Validate the PROXY options before connecting (a finding and -1 when
 * they are wrong: nothing is sent then). */
int ep_proxy_check(run *r);

/* Write the PROXY protocol header (dv->proxy_version) right after connect,
 * before implicit TLS and the banner. 0 when none is asked for. */
int ep_proxy_header(run *r);

/* XCLIENT (when dv->xclient is given), then EHLO again; after the last
 * EHLO of the session, before AUTH. stage is that EHLO's stage. */
int ep_xclient(run *r, stage_id stage);

/* MAIL, RCPT, DATA of the message in o->delivery, pipelined when offered;
 * fills out->delivery. Returns -1 when the run should stop. */
int ep_deliver(run *r);

#endif
