/* explain.h — turn a reply code, an enhanced status code or a whole reply
 * line into an explanation (the `explain` subcommand).
 *
 * Input forms: "550", "5.1.1", "550 5.1.1 <bob@x>: Recipient address
 * rejected", "550-5.1.1 ..." (continuation marker accepted). The outcome holds
 * the parsed parts and borrowed pointers into the static tables of
 * protocol/esc.h. */
#ifndef SMTPSCOPE_CHECKS_EXPLAIN_H
#define SMTPSCOPE_CHECKS_EXPLAIN_H

#include <stdbool.h>

#include "core/err.h"
#include "protocol/esc.h"

typedef struct explain_outcome {
    char *input;                          /* escaped copy of what was asked; owned */
    int code;                             /* reply code, 0 if none given */
    char enhanced[16];                    /* "" if none given */
    char *text;                           /* server text after the codes, escaped; owned; may be NULL */
    bool temporary;                       /* 4xx / 4.x.x */
    bool permanent;                       /* 5xx / 5.x.x */
    const esc_reply_info *reply;          /* exact entry or NULL */
    const char *reply_category;           /* always set when code != 0 */
    const esc_enhanced_info *enh;         /* registry entry or NULL */
    bool class_mismatch;                  /* e.g. "250 5.1.1": codes disagree */
} explain_outcome;

/* Parse `input` and look it up. Returns an allocated outcome, or NULL with
 * e set (ERRC_LOCAL_INPUT: not a code, with the reason in e->msg). */
explain_outcome *explain_run(const char *input, err *e);

void explain_outcome_free(explain_outcome *x);

#endif
