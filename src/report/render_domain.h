/* render_domain.h — text and JSON for the `domain` subcommand.
 *
 * render_text.c / render_json.c call these when result->domain is set. The
 * result holds the domain outcome (checks/domain.h) and, moved out of it by
 * result_take_domain(), the findings and notes. Strings the model says are
 * escaped are printed as they are; the SPF trees (analysis/spf/spf_eval.h)
 * hold raw DNS text and are escaped here. */
#ifndef SMTPSCOPE_REPORT_RENDER_DOMAIN_H
#define SMTPSCOPE_REPORT_RENDER_DOMAIN_H

#include <stdbool.h>

#include <jansson.h>

#include "core/buf.h"
#include "report/result.h"

/* Append the report for people (docs/cli/domain.md): a header line, one
 * block per section in report order with its details, the findings grouped
 * by section with advice, the notes and the verdict. ANSI colour only when
 * `color`; `verbose` adds the clean blocklist rows, the DKIM key records and
 * the --ip evaluation's tree. Returns 0, or -1 on OOM /
 * buffer cap (out then holds a partial document). */
int render_domain_text(const result *r, bool color, bool verbose, buf *out);

/* The whole `domain` document (docs/json.md, "domain"). Returns a new
 * reference (json_decref it), or NULL on OOM. r->domain must be set. */
json_t *render_domain_json(const result *r);

#endif
