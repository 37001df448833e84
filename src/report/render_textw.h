/* render_textw.h — what the text renderers share: an appending writer with
 * optional ANSI colour, the status marks, the findings block and the verdict
 * line, so `check` and `domain` reports look alike and stay alike.
 *
 * The writer appends to a caller-owned buf and remembers a failed append
 * (OOM or the buffer's cap) in `oom`, which the renderer checks once at the
 * end. Strings are printed as given: every peer string in the result model
 * was escaped when it was stored. */
#ifndef SMTPSCOPE_REPORT_RENDER_TEXTW_H
#define SMTPSCOPE_REPORT_RENDER_TEXTW_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/endpoint.h"
#include "checks/finding.h"
#include "core/buf.h"
#include "report/result.h"

/* ANSI SGR parameters. */
#define TEXTW_GREEN "32"
#define TEXTW_YELLOW "33"
#define TEXTW_RED "31"
#define TEXTW_DIM "2"
#define TEXTW_BOLD "1"

typedef struct textw {
    buf *out;     /* borrowed */
    bool color;   /* emit ANSI sequences (the frontend decides) */
    bool oom;     /* an append failed */
} textw;

void textw_printf(textw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Start / end a coloured span; nothing at all without colour, so plain text
 * (and the golden files) carry no escape sequences. sgr NULL: nothing. */
void textw_on(textw *w, const char *sgr);
void textw_off(textw *w, const char *sgr);

/* ✓ pass, ! warn, ✗ fail, – skip; and their colours. Static strings. */
const char *textw_status_mark(stage_status s);
const char *textw_status_color(stage_status s);

/* Which findings textw_findings prints; NULL prints all. */
typedef bool (*textw_filter)(const finding *f, const void *arg);

/* The findings of l that pass keep, worst first (errors, warnings, infos;
 * in the order found within a severity), each as
 *   <indent>✗ error   id (temporary)
 *   <indent+10>message
 *   <indent+10>→ advice
 * Returns how many were printed. */
size_t textw_findings(textw *w, const finding_list *l, textw_filter keep, const void *arg,
                      int indent);

/* The closing "VERDICT: FAIL (2 errors, 1 warning)" line, after a blank line. */
void textw_verdict(textw *w, const result *r);

#endif
