/* result.h — the one result model every renderer and frontend consumes.
 *
 * A result is what one invocation found: the command, the outcomes of the
 * checks it ran (each owned by the result once handed over), all findings in
 * one list, and the derived verdict. Renderers (render.h) turn it into text,
 * JSON, and later JUnit, Nagios and Prometheus; the web UI and inbox store it.
 * Nothing here does I/O. Verdict rules (docs/json.md): any error finding that
 * is not temporary → fail; else any temporary error → tempfail; else any
 * warning → warn; else pass. */
#ifndef SMTPSCOPE_REPORT_RESULT_H
#define SMTPSCOPE_REPORT_RESULT_H

#include <stddef.h>

#include "checks/domain.h"
#include "checks/endpoint.h"
#include "checks/explain.h"
#include "checks/security/relay.h"
#include "checks/security/smuggling.h"
#include "checks/security/tls_audit.h"
#include "checks/finding.h"
#include "checks/sweep.h"

typedef enum verdict { VERDICT_PASS = 0, VERDICT_WARN, VERDICT_FAIL, VERDICT_TEMPFAIL } verdict;

const char *verdict_name(verdict v);  /* "pass" / "warn" / "fail" / "tempfail" */

typedef struct result {
    const char *command;        /* "check", "explain", "domain", "send", "tls", "relay"; static string */
    endpoint_outcome *endpoint; /* owned; NULL if none ran */
    sweep_outcome *sweep;       /* owned; NULL if no sweep */
    explain_outcome *explain;   /* owned; set by `explain` only */
    domain_outcome *domain;     /* owned; set by `domain` only */
    tls_audit_outcome *tls_audit;   /* owned; `tls`, `check --tls-audit` */
    smuggling_outcome *smuggling;   /* owned; --probe-smuggling */
    relay_outcome *relay;           /* owned; `relay` */
    finding_list findings;      /* every finding of the run, in order found */
    char **notes;               /* informational lines; owned */
    size_t n_notes;
    verdict verdict;            /* derived by result_finish() */
} result;

/* NULL on OOM. */
result *result_new(const char *command);
void result_free(result *r);

/* Hand over outcomes (the result takes ownership of the allocated struct and
 * moves its findings and notes into the result's lists). Return 0 or -1 on
 * OOM (ownership is taken either way). */
int result_take_endpoint(result *r, endpoint_outcome *e);
int result_take_sweep(result *r, sweep_outcome *s);
int result_take_domain(result *r, domain_outcome *d);
int result_take_tls_audit(result *r, tls_audit_outcome *a);
int result_take_smuggling(result *r, smuggling_outcome *s);
int result_take_relay(result *r, relay_outcome *x);

/* Add a note or a finding at the result level (e.g. "no port reachable"). */
int result_add_note(result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Compute the verdict from the findings. */
void result_finish(result *r);

#endif
