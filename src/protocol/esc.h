/* esc.h — reply-code and enhanced-status-code knowledge (used by `explain`
 * and by checks/ for every diagnosis).
 *
 * Two tables: every reply code RFC 5321 §4.2.2/§4.2.3 defines (plus the
 * widely used ones from RFC 3207, 4954, 1870, 7504, 3030), and the complete
 * IANA "SMTP Enhanced Status Codes" registry (RFC 3463, 3886, 4468, 4865,
 * 4954, 5248, 6710, 7293, 7372, 7504, 7505, 8098, 8689 ...), each with its
 * meaning, whether it is temporary or permanent, typical causes and what to
 * do. All returned pointers are to static data. */
#ifndef SMTPSCOPE_PROTOCOL_ESC_H
#define SMTPSCOPE_PROTOCOL_ESC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct esc_reply_info {
    int code;                 /* 211..556 */
    const char *meaning;      /* one line, plain words */
    const char *causes;       /* typical causes */
    const char *action;       /* what to do */
    const char *reference;    /* "RFC 5321 §4.2.3" */
} esc_reply_info;

typedef struct esc_enhanced_info {
    int subject, detail;      /* the X.subject.detail entry */
    const char *title;        /* IANA's sample text, e.g. "Bad destination mailbox address" */
    const char *meaning;      /* plain words */
    const char *causes;
    const char *action;
    const char *reference;    /* defining RFC */
} esc_enhanced_info;

/* Exact reply-code entry; NULL if the code is not one the RFCs define. */
const esc_reply_info *esc_reply_lookup(int code);

/* Meaning of any code from its digits when there is no exact entry
 * ("4yz: transient negative completion" + second-digit category). Always
 * returns a static string for 200..599, NULL otherwise. */
const char *esc_reply_category(int code);

/* Registry entry for "c.s.d" (class ignored for lookup); NULL if unknown or
 * malformed. */
const esc_enhanced_info *esc_enhanced_lookup(const char *code);

/* Strict syntax check of a whole "c.s.d" string (RFC 3463 §2): class 2, 4
 * or 5, subject and detail 1-3 digits (0..999), nothing before or after.
 * Returns 0 and fills the parts, or -1. */
int esc_enhanced_parse(const char *code, int *cls, int *subject, int *detail);

/* Title of an enhanced code or NULL (shorthand used in diagnoses). */
const char *esc_enhanced_title(const char *code);

/* True for 4yz reply codes and 4.x.x enhanced codes (pass the class digit,
 * 4, for an enhanced code). */
bool esc_is_temporary_code(int code);

/* The whole tables, in ascending order, for listings (`explain --list`) and
 * consistency tests. Static data; *n receives the number of entries. */
const esc_reply_info *esc_reply_table(size_t *n);
const esc_enhanced_info *esc_enhanced_table(size_t *n);

#endif
