/* mime.h — MIME building blocks for the composer (RFC 2045, 2046, 2183, 2231).
 *
 * Transfer encodings (quoted-printable, 7bit, base64 through text.h), the
 * choice between them, boundaries, the extension -> Content-Type table,
 * attachment file name sanitising and RFC 2231 parameters. Pure functions
 * over caller memory; output goes to a text_out sink (text.h). */
#ifndef SMTPSCOPE_PROTOCOL_MESSAGE_MIME_H
#define SMTPSCOPE_PROTOCOL_MESSAGE_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "protocol/message/text.h"

#define MIME_QP_LINE      76   /* RFC 2045 §6.7 rule 5 */
#define MIME_B64_LINE     76   /* RFC 2045 §6.8 */
#define MIME_MAX_LINE     998  /* a 7bit line, without CR LF (RFC 5322 §2.1.1) */
#define MIME_BOUNDARY_MAX 71   /* 70 characters (RFC 2046 §5.1.1) + NUL */
#define MIME_FILENAME_MAX 200  /* octets kept of an attachment name */

typedef enum mime_cte {
    MIME_7BIT,   /* ASCII, lines within 998 octets: sent as it is */
    MIME_QP,     /* anything else that is text */
} mime_cte;

/* Choose how to send a text body: 7bit when every byte is ASCII other than
 * NUL, no line (after CR LF normalisation) exceeds 998 octets and none
 * starts with "From ", otherwise quoted-printable. Never 8bit: the message then needs no 8BITMIME and
 * survives any relay, and QP keeps mostly-ASCII text readable. */
mime_cte mime_pick_cte(const char *p, size_t n);

/* Append the text with every line ending (CR LF, bare CR, bare LF) as CR LF
 * and a final CR LF added when missing (the 7bit case). */
void mime_write_7bit(text_out *o, const char *p, size_t n);

/* Append the quoted-printable encoding of text (RFC 2045 §6.7): line endings
 * become hard CR LF breaks, lines are at most 76 characters (soft breaks
 * "=" CR LF never split an =XX), trailing spaces and tabs are encoded, and
 * 'F' of a "From " at the start of a line is encoded (=46) so mbox-style
 * munging on the way cannot change the text. Ends with CR LF. */
void mime_write_qp(text_out *o, const char *p, size_t n);

/* Base64 body lines of 76 characters, each ending CR LF (RFC 2045 §6.8). */
void mime_write_base64(text_out *o, const unsigned char *p, size_t n);

/* Build "=_smtpscope_<hex>" from 12 random bytes. The "=_" prefix cannot
 * occur in quoted-printable or base64 output (RFC 2045 §6.7 allows '=' only
 * before two hex digits or a line break; '_' is not in the base64 alphabet),
 * so only 7bit parts need checking: mime_text_contains. */
void mime_boundary(char out[MIME_BOUNDARY_MAX], const unsigned char rnd[12]);

/* True when needle occurs in p[0..n). */
bool mime_text_contains(const char *p, size_t n, const char *needle);

/* Content-Type for a file name from its extension (case-insensitive), or
 * "application/octet-stream". Returns a static string. */
const char *mime_type_for(const char *filename);

/* Validate an explicit attachment content type: "type/subtype" of RFC 2045
 * tokens, optionally followed by "; parameters" in printable ASCII.
 * multipart/ and message/ are refused (RFC 2046 §5.1.1, §5.2.1 forbid
 * base64 for composite types). ERRC_LOCAL_INPUT. */
int mime_check_content_type(const char *ct, err *e);

/* A safe attachment name from a caller's file name: the part after the last
 * '/' or '\\', invalid UTF-8, control characters (C0, DEL, C1) and '"'
 * replaced by '_', surrounding white space removed, cut to
 * MIME_FILENAME_MAX octets on a character boundary keeping a short
 * extension; "", "." and ".." become "attachment". Returns allocated
 * (free()), NULL on OOM. *changed says whether anything was altered. */
char *mime_filename_sanitize(const char *in, bool *changed);

/* Append "; <attr>=<value>" for a parameter (value: valid UTF-8 without
 * controls, e.g. a sanitized file name). A short token is written bare, a
 * short ASCII value quoted, a long or non-ASCII value as RFC 2231
 * continuations "attr*0*=utf-8''%E2%82%AC...;" of at most ~60 octets each so
 * the folded lines stay under 78. The "; " separators are where hdr_fold
 * breaks the line. */
void mime_write_param(text_out *o, const char *attr, const char *value);

#endif
