/* buf.h — a growable byte buffer with a hard size cap fixed at init.
 *
 * Every buffer that holds peer data is a buf with a cap, so a hostile server
 * can make us fail cleanly (-1, "too big") but never make us allocate without
 * bound. The data is always NUL-terminated for convenience (the NUL is not
 * counted in len and does not count against max). */
#ifndef SMTPSCOPE_CORE_BUF_H
#define SMTPSCOPE_CORE_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data;   /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;   /* appends that would exceed this fail */
} buf;

/* Initialise an empty buffer that may hold at most `max` bytes. */
void buf_init(buf *b, size_t max);

/* Append; returns 0, or -1 if the cap would be exceeded or on OOM (then the
 * buffer is unchanged). */
int buf_append(buf *b, const void *p, size_t n);
int buf_append_str(buf *b, const char *s);
int buf_appendf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Drop the first n bytes (n > len drops everything). */
void buf_consume(buf *b, size_t n);

/* Empty without freeing. */
void buf_reset(buf *b);

/* Hand the data to the caller (free() it; never NULL on success, "" for an
 * empty buffer, NULL on OOM) and reset the buffer to empty. */
char *buf_steal(buf *b);

/* Free the data; the buffer is empty and reusable afterwards. */
void buf_free(buf *b);

#endif
