/* eml.h — read a prepared message (--data FILE) for sending as it is.
 *
 * The file is untrusted input: any bytes, any line endings, any length up
 * to the output buffer's cap. eml_prepare copies it with every line ending
 * made CR LF (RFC 5321 §2.3.8: a bare CR or LF is not allowed in SMTP), a
 * final CR LF added when missing, and nothing else changed; it finds where
 * the header section ends and reports what the transaction needs (8BITMIME
 * for an 8-bit body, SMTPUTF8 for UTF-8 in header fields, RFC 6532) and what
 * may get the message refused (lines over 998 octets, NUL bytes). It does
 * not dot-stuff: feed the result through data.h. Fuzzed by
 * tests/fuzz/fuzz_eml.c. */
#ifndef SMTPSCOPE_PROTOCOL_MESSAGE_EML_H
#define SMTPSCOPE_PROTOCOL_MESSAGE_EML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define EML_MAX_LINE 998   /* octets without CR LF (RFC 5322 §2.1.1) */
#define EML_ID_MAX   256

typedef struct eml_info {
    size_t size;           /* octets written: SIZE= value, before dot-stuffing */
    size_t body_offset;    /* where the body starts, from the start of what was
                            * appended (== size: no body) */
    size_t n_fields;       /* header fields seen */
    size_t longest_line;   /* octets, without CR LF */
    size_t n_long_lines;   /* lines over EML_MAX_LINE */
    size_t n_bare_lf;      /* LF without CR, rewritten */
    size_t n_bare_cr;      /* CR without LF, rewritten */
    size_t bad_header_line;/* 1-based line that ended the header section without
                            * being a field or a blank line (0: none); the
                            * body is taken to start there, as MTAs do */
    bool added_final_crlf; /* the input did not end with a line ending */
    bool no_body;          /* no blank line: the whole message is header */
    bool mbox_from;        /* line 1 is an mbox "From " separator (usually
                            * unwanted; the caller decides) */
    bool header_8bit;      /* an octet >= 0x80 in the header section */
    bool header_utf8;      /* ... and the header section is valid UTF-8 */
    bool body_8bit;        /* an octet >= 0x80 in the body */
    bool has_nul;          /* a NUL byte: not allowed even with 8BITMIME */
    bool needs_8bitmime;   /* header_8bit || body_8bit */
    bool needs_smtputf8;   /* header_8bit (RFC 6532 §3 / RFC 6531 §3.1) */
    bool has_from, has_date, has_message_id;
    char message_id[EML_ID_MAX]; /* the Message-ID value unfolded and trimmed,
                                  * when printable ASCII and short; else "" */
} eml_info;

/* Append the normalised message in[0..n) to out and fill *info. Returns 0,
 * or -1 with out unchanged: ERRC_LOCAL_INPUT when it would exceed out's cap
 * (the sentence gives both numbers), ERRC_INTERNAL on OOM. Any content is
 * accepted; what is questionable is reported in *info, not refused. */
int eml_prepare(const char *in, size_t n, buf *out, eml_info *info, err *e);

#endif
