/* render_explain.h — text and JSON for the `explain` subcommand.
 *
 * render_text.c / render_json.c call these when result->explain is set; the
 * `explain` CLI calls them directly (one document per input, and the
 * `--list` catalogue). The outcome's input and text are already escaped
 * (checks/explain.c); everything else is static table text. */
#ifndef SMTPSCOPE_REPORT_RENDER_EXPLAIN_H
#define SMTPSCOPE_REPORT_RENDER_EXPLAIN_H

#include <stdbool.h>

#include <jansson.h>

#include "checks/explain.h"
#include "core/buf.h"

/* Append a human explanation of x to out: headline with code(s) and title,
 * temporary/permanent verdict, server text, then meaning, typical causes,
 * what to do and the reference for the reply code and the enhanced code.
 * ANSI bold/colour only when `color`. Returns 0, or -1 on OOM / buffer cap
 * (out then holds a partial document). */
int render_explain_text(const explain_outcome *x, bool color, buf *out);

/* The JSON object for x (docs/cli/explain.md):
 * {"input","code","enhanced","text","temporary","permanent",
 *  "reply":{"code","meaning","causes","action","reference"}|null,
 *  "reply_category","enhanced_info":{"code","title","meaning","causes",
 *  "action","reference"}|null,"class_mismatch"}.
 * Absent parts are null. Returns a new reference (json_decref it), or NULL
 * on OOM. */
json_t *render_explain_json(const explain_outcome *x);

/* Every known reply code with its meaning, then every registered enhanced
 * code ("X.s.d") with its title: the `explain --list` catalogue. Text form
 * returns 0 or -1 (OOM); JSON form returns
 * {"reply_codes":[{"code","meaning","reference"}],
 *  "enhanced_codes":[{"code","title","reference"}]} or NULL on OOM. */
int render_explain_list_text(bool color, buf *out);
json_t *render_explain_list_json(void);

#endif
