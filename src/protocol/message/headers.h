/* headers.h — writing RFC 5322 header fields: validation, folding, RFC 2047
 * encoded words, Date and Message-ID; and decoding encoded words.
 *
 * Every writer appends one complete field ("Name: value" CR LF, folded) to a
 * text_out sink (text.h) or fails without a partial field being useful — the
 * composer discards the whole message on any error. Values come from the
 * user: CR, LF, NUL and other control characters are refused (a subject of
 * "x\r\nBcc: y" must never become a second field), never stripped silently.
 * hdr_decode_2047 reads untrusted header text (a prepared .eml or, later,
 * received mail) and is fuzzed through tests/fuzz/fuzz_eml.c. */
#ifndef SMTPSCOPE_PROTOCOL_MESSAGE_HEADERS_H
#define SMTPSCOPE_PROTOCOL_MESSAGE_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/message/text.h"

#define HDR_FOLD       78     /* preferred line length (RFC 5322 §2.1.1 SHOULD) */
#define HDR_EW_LINE    76     /* lines holding encoded words (RFC 2047 §2) */
#define HDR_EW_MAX     75     /* one encoded word (RFC 2047 §2) */
#define HDR_MAX_LINE   998    /* hard limit without CR LF (RFC 5322 §2.1.1 MUST) */
#define HDR_MAX_NAME   76     /* our limit: "Name:" always fits on a line */
#define HDR_MAX_VALUE  16384  /* our limit on one value before encoding */
#define HDR_DATE_SIZE  40

/* Field name check (RFC 5322 §3.6.8: printable ASCII 33-126 except ':',
 * at least one character) plus our length limit. ERRC_LOCAL_INPUT. */
int hdr_check_name(const char *name, size_t n, err *e);

/* Value check: no CR, LF, NUL or other control character except TAB.
 * `what` names the field in the error ("subject"). ERRC_LOCAL_INPUT. */
int hdr_check_value(const char *v, size_t n, const char *what, err *e);

/* Format an RFC 5322 §3.3 date-time, "Thu, 13 Feb 2025 14:03:07 +0100", for
 * the instant t shown at UTC offset gmtoff seconds (rounded to minutes). */
void hdr_format_date(char out[HDR_DATE_SIZE], time_t t, long gmtoff);

/* Append exactly one encoded word "=?charset?enc?text?=" for the bytes
 * p[0..n) with enc 'Q' or 'B' (RFC 2047 §4). Q writes letters, digits and
 * "!*+-/" as they are, space as '_', everything else as =XX: the set allowed
 * in a phrase (§5 rule 3), so the word is valid anywhere. No length check:
 * callers split. */
void hdr_encode_word(text_out *o, const char *charset, char enc, const char *p, size_t n);

/* Append an unstructured field (RFC 5322 §3.2.5; Subject, Comments, X-...).
 * Printable ASCII whose words fit a line is written as is, folded at white
 * space to HDR_FOLD; anything else (non-ASCII, a word over 77 octets, text
 * that looks like an encoded word) is written as UTF-8 encoded words, each
 * at most 75 octets on lines of at most 76, never splitting a character.
 * ERRC_LOCAL_INPUT for control characters, invalid UTF-8, an overlong value. */
int hdr_write_text(text_out *o, const char *name, const char *value, size_t n, err *e);

/* Append a structured field whose value we must not encode (Message-ID,
 * Content-Type, References, an unknown extension field): folded at white
 * space only. ERRC_LOCAL_INPUT for control characters, non-ASCII unless
 * allow_utf8 (RFC 6532, SMTPUTF8 messages), or a line that would still
 * exceed 998 octets. */
int hdr_write_raw(text_out *o, const char *name, const char *value, size_t n, bool allow_utf8,
                  err *e);

/* One mailbox for an address field: display may be NULL; mailbox is the
 * validated local@domain (addr.h), UTF-8 only when SMTPUTF8 is in use. */
typedef struct hdr_mailbox {
    const char *display;
    const char *mailbox;
} hdr_mailbox;

/* Append "Name: a <x@y>, b <z@w>" (RFC 5322 §3.4). A display name of atext
 * and spaces is written as is, other ASCII as a quoted string, non-ASCII as
 * encoded words; lines are folded between words (at most 76 octets when
 * encoded words are present). ERRC_LOCAL_INPUT for control characters or
 * invalid UTF-8 in a display name. */
int hdr_write_addresses(text_out *o, const char *name, const hdr_mailbox *list, size_t n,
                        err *e);

/* Append "Name: value" folded at white space to `limit` (no line longer
 * than needed when no break point exists); -1 (ERRC_LOCAL_INPUT) when a line
 * would exceed HDR_MAX_LINE. `line` is the unfolded field without CR LF.
 * With `structured`, white space inside a quoted string is a break point
 * only as a last resort (MIME parameter values, display names). */
int hdr_fold(text_out *o, const char *line, size_t n, size_t limit, bool structured, err *e);

/* Decode RFC 2047 encoded words in unstructured text in[0..n) into out:
 * Q and B words are decoded to their bytes (in the word's charset, which is
 * not converted; an RFC 2231 "*language" suffix is ignored), white space
 * between two adjacent encoded words is dropped (§6.2), and anything that is
 * not a well-formed encoded word is copied as is. Input is untrusted; output
 * is bounded by out's cap. Returns 0, or -1 (ERRC_TOO_LONG when out's cap is
 * reached, ERRC_INTERNAL on OOM). */
int hdr_decode_2047(const char *in, size_t n, buf *out, err *e);

#endif
