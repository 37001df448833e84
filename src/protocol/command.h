/* command.h — SMTP command and message-body writing (RFC 5321 §4.1, §4.5.2).
 *
 * Commands are checked before they are sent: a CR, LF or NUL inside an
 * argument would let user input (or a hostile config) smuggle a second
 * command, so it is refused as local input; the line length limit of RFC
 * 5321 §4.5.3.1.4 (512 including CR LF) is enforced. The body writer turns any
 * line ending into CR LF, dot-stuffs lines that start with '.', and appends
 * the end-of-data marker. */
#ifndef SMTPSCOPE_PROTOCOL_COMMAND_H
#define SMTPSCOPE_PROTOCOL_COMMAND_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define COMMAND_MAX_LINE 512   /* including CR LF */

/* Append "<formatted>\r\n" to out. Fails (-1, e set ERRC_LOCAL_INPUT) when the
 * formatted text contains CR, LF or NUL or the line would exceed
 * COMMAND_MAX_LINE; out is unchanged then. */
int command_format(buf *out, err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Append the message body for DATA: line endings normalised to CR LF (a bare
 * CR or bare LF becomes CR LF), a '.' at the start of a line doubled, a final
 * CR LF added if missing, then ".\r\n". Returns 0 or -1 (cap/OOM, e set). */
int command_dot_stuff(buf *out, const char *body, size_t len, err *e);

#endif
