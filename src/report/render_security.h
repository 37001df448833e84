/* render_security.h — text and JSON for the security audit outcomes
 * (`tls`, `check --tls-audit`, --probe-smuggling, `relay`).
 *
 * render_text.c / render_json.c call these for each outcome the result
 * holds, after the check's own sections and before the findings (which the
 * result already carries, moved there by result_take_*). Text functions
 * append a section to `out` and return 0, or -1 on OOM; JSON functions
 * return a new reference (json_decref it) or NULL on OOM. docs/json.md
 * documents the keys ("tls_audit", "smuggling", "relay"). */
#ifndef SMTPSCOPE_REPORT_RENDER_SECURITY_H
#define SMTPSCOPE_REPORT_RENDER_SECURITY_H

#include <stdbool.h>

#include <jansson.h>

#include "core/buf.h"
#include "report/result.h"

int render_tls_audit_text(const tls_audit_outcome *a, bool color, bool verbose, buf *out);
json_t *render_tls_audit_json(const tls_audit_outcome *a);

int render_smuggling_text(const smuggling_outcome *s, bool color, bool verbose, buf *out);
json_t *render_smuggling_json(const smuggling_outcome *s);

int render_relay_text(const relay_outcome *x, bool color, bool verbose, buf *out);
json_t *render_relay_json(const relay_outcome *x);

#endif
