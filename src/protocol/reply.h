/* reply.h — SMTP reply parsing (RFC 5321 §4.2, RFC 3463 enhanced codes).
 *
 * The parser is fed one line at a time (without CR LF) and says when a reply
 * is complete. It is strict where the RFC is clear and the deviation matters
 * (a code must be three digits, 2-5 then 0-5 then 0-9; every line of a
 * multi-line reply must carry the same code; the fourth byte is ' ', '-' or
 * the end of the line) and bounded everywhere (REPLY_MAX_LINES lines,
 * REPLY_MAX_BYTES in all; the line length limit is the transport's). An
 * enhanced status code is taken from the first line's text only when its
 * class matches the reply's first digit (the rule Postfix applies), so a
 * "250 5.0.0" is not mistaken for a failure. Reply text is untrusted peer
 * data and is stored escaped for display (core/escape.h). */
#ifndef SMTPSCOPE_PROTOCOL_REPLY_H
#define SMTPSCOPE_PROTOCOL_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define REPLY_MAX_LINE 2048     /* bytes per line, CR LF excluded (RFC 5321: 512) */
#define REPLY_MAX_LINES 1000    /* lines per reply */
#define REPLY_MAX_BYTES 65536   /* bytes per reply, all lines together */

typedef struct smtp_reply {
    int code;            /* 200..599 */
    char enhanced[16];   /* "5.1.1", or "" when absent or inconsistent */
    char **lines;        /* text after "ddd-"/"ddd ", escaped; owned */
    size_t n_lines;      /* >= 1 */
} smtp_reply;

typedef struct reply_parser {
    smtp_reply *cur;     /* reply being assembled, owned */
    size_t bytes;        /* bytes fed into cur so far */
    bool done;           /* cur is complete, waiting for reply_parser_take */
} reply_parser;

enum { REPLY_MORE = 0, REPLY_DONE = 1 };

void reply_parser_init(reply_parser *p);

/* Feed one line. Returns REPLY_MORE when a continuation line was consumed,
 * REPLY_DONE when the reply is complete (take it with reply_parser_take), or
 * -1 with e set: ERRC_PROTOCOL for a malformed line (e->msg says what is
 * wrong), ERRC_TOO_LONG when a limit is exceeded, ERRC_INTERNAL on OOM. After
 * -1 the parser must be reset before reuse. */
int reply_parser_feed(reply_parser *p, const char *line, size_t len, err *e);

/* The completed reply; the caller owns it (free with reply_free). The parser
 * is ready for the next reply. NULL if no reply is complete. */
smtp_reply *reply_parser_take(reply_parser *p);

/* Discard any partial reply. */
void reply_parser_reset(reply_parser *p);

void reply_free(smtp_reply *r);

/* Parse an enhanced status code "c.sss.ddd" at the start of text (RFC 3463
 * §2: class 2/4/5, subject 0-999, detail 0-999, no leading zeros beyond one
 * digit required) followed by a space or the end. On success copies it
 * into out (at least 16 bytes) and returns its length; 0 if none. */
size_t reply_parse_enhanced(const char *text, size_t len, char out[16]);

/* All lines joined with `sep` (allocated; caller frees; NULL on OOM). */
char *reply_text(const smtp_reply *r, const char *sep);

/* Deep copy (NULL on OOM or NULL input). */
smtp_reply *reply_dup(const smtp_reply *r);

static inline bool reply_ok(const smtp_reply *r)
{
    return r && r->code >= 200 && r->code < 400;
}

#endif
