/* data.h — the DATA phase body writer, chunk by chunk (RFC 5321 §4.5.2).
 *
 * A data_stuffer turns message bytes into what goes on the wire after the
 * server's 354: every line ending (CR LF, bare CR, bare LF) as CR LF, a '.'
 * that starts a line doubled, and finally CR LF "." CR LF. It keeps its
 * state between chunks (a CR at the end of one chunk and the LF starting
 * the next are one line ending; a '.' at the start of a chunk may be the
 * start of a line), so the session can send a 1 MB message in pieces
 * through one small buffer instead of copying the whole message again.
 * Line-ending rules match command_dot_stuff (protocol/command.h), which
 * does the same for a whole body at once. */
#ifndef SMTPSCOPE_PROTOCOL_MESSAGE_DATA_H
#define SMTPSCOPE_PROTOCOL_MESSAGE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

typedef struct data_stuffer {
    bool bol;          /* the next byte starts a line */
    bool after_cr;     /* the last byte fed was a CR (its CR LF is written) */
    bool finished;
    uint64_t size;     /* message octets written, line endings as CR LF,
                        * without the stuffed dots and the final ".": the
                        * SIZE= number (RFC 1870) */
    uint64_t wire;     /* octets written in all, as sent */
} data_stuffer;

void data_stuffer_init(data_stuffer *s);

/* Append the stuffed form of p[0..n) to out. Atomic: the output size is
 * counted first, and when it does not fit out's cap nothing is written and
 * the state is unchanged (ERRC_LOCAL_INPUT; flush out and feed again).
 * ERRC_INTERNAL on OOM or after data_stuffer_finish. */
int data_stuffer_feed(data_stuffer *s, buf *out, const char *p, size_t n, err *e);

/* Append the end of data: CR LF if the message did not end with a line
 * ending, then "." CR LF. Same errors as feed. */
int data_stuffer_finish(data_stuffer *s, buf *out, err *e);

#endif
