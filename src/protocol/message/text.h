/* text.h — byte-level helpers shared by the message composer (internal).
 *
 * UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF), ASCII case folding and a sticky-error output sink over a capped
 * core/buf so the composer can append many small pieces and check once.
 * Nothing here allocates except through the buf. */
#ifndef SMTPSCOPE_PROTOCOL_MESSAGE_TEXT_H
#define SMTPSCOPE_PROTOCOL_MESSAGE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Length of the well-formed UTF-8 sequence starting at p (1-4), or 0 when
 * the bytes there are not one (bad lead byte, truncated, overlong, surrogate,
 * above U+10FFFF). An ASCII byte, NUL included, is a sequence of 1. */
size_t text_utf8_len(const unsigned char *p, size_t n);

/* True when all n bytes are well-formed UTF-8. */
bool text_utf8_valid(const char *s, size_t n);

/* True when some byte is >= 0x80. */
bool text_has_8bit(const char *s, size_t n);

/* ASCII case-insensitive comparison of a (len n) with NUL-terminated b. */
bool text_ieq(const char *a, size_t n, const char *b);

/* The output sink: appends to a capped buf and remembers the first failure,
 * so a long sequence of appends is checked once. Telling the cap ("message
 * too large", local input) apart from OOM (internal) matters to the user. */
typedef struct text_out {
    buf *b;
    int failed;   /* 0, or the err_class of the first failure */
} text_out;

void text_put(text_out *o, const void *p, size_t n);
void text_puts(text_out *o, const char *s);
void text_putc(text_out *o, char c);

/* Turn a failed sink into an err (-1), or return 0. */
int text_out_check(const text_out *o, err *e);

/* Append the base64 (RFC 4648 §4, with '=' padding) of p[0..n). With
 * line_len > 0 (a multiple of 4), CR LF follows every line_len output
 * characters and the last line; with 0 nothing is added. */
void text_base64(text_out *o, const unsigned char *p, size_t n, size_t line_len);

#endif
