/* data.c — streaming dot-stuffing for DATA (data.h).
 *
 * RFC 5321 §4.5.2 (transparency: before sending a line, a client adds a
 * '.' when the line starts with one), §4.1.1.4 (the data ends with
 * CR LF "." CR LF; the CR LF before the dot belongs to the message), §2.3.8
 * (no bare CR or LF on the wire). The same pass runs twice per chunk, once
 * counting and once writing, so a chunk is either written whole or not. */
#include <string.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/message/data.h"

void data_stuffer_init(data_stuffer *s)
{
    memset(s, 0, sizeof *s);
    s->bol = true;
}

typedef struct pass {
    buf *out;          /* NULL: count only */
    uint64_t size, wire;
    bool failed;
} pass;

static void emit(pass *p, const char *d, size_t n, bool content)
{
    if (p->out && !p->failed && buf_append(p->out, d, n) < 0)
        p->failed = true;
    p->wire += n;
    if (content)
        p->size += n;
}

static void run(data_stuffer *s, pass *p, const char *d, size_t n)
{
    size_t i = 0;
    if (s->after_cr && n && d[0] == '\n')
        i = 1; /* the LF of a CR LF split across chunks: already written */
    s->after_cr = false;
    while (i < n) {
        if (s->bol && d[i] == '.')
            emit(p, ".", 1, false);
        size_t j = i;
        while (j < n && d[j] != '\r' && d[j] != '\n')
            j++;
        if (j > i) {
            emit(p, d + i, j - i, true);
            s->bol = false;
        }
        if (j == n)
            break;
        emit(p, "\r\n", 2, true);
        s->bol = true;
        if (d[j] == '\r') {
            if (j + 1 == n) {
                s->after_cr = true;
                break;
            }
            if (d[j + 1] == '\n')
                j++;
        }
        i = j + 1;
    }
}

int data_stuffer_feed(data_stuffer *s, buf *out, const char *p, size_t n, err *e)
{
    if (s->finished)
        return err_set(e, ERRC_INTERNAL, "data fed after the end of the message");
    if (!p && n)
        return err_set(e, ERRC_INTERNAL, "NULL message chunk");
    data_stuffer trial = *s;
    pass count = {.out = NULL};
    run(&trial, &count, p, n);
    size_t room = out->len < out->max ? out->max - out->len : 0;
    if (count.wire > room)
        return err_set(e, ERRC_LOCAL_INPUT,
                       "a message chunk needs %llu octets once dot-stuffed; %zu fit in the buffer",
                       (unsigned long long)count.wire, room);
    size_t saved = out->len;
    pass write = {.out = out};
    trial = *s;
    run(&trial, &write, p, n);
    if (write.failed) {
        out->len = saved;
        if (out->data)
            out->data[saved] = '\0';
        return err_set(e, ERRC_INTERNAL, "out of memory while writing the message");
    }
    *s = trial;
    s->size += write.size;
    s->wire += write.wire;
    return 0;
}

int data_stuffer_finish(data_stuffer *s, buf *out, err *e)
{
    if (s->finished)
        return err_set(e, ERRC_INTERNAL, "the message was already finished");
    const char *end = s->bol ? ".\r\n" : "\r\n.\r\n";
    size_t n = strlen(end);
    size_t room = out->len < out->max ? out->max - out->len : 0;
    if (n > room)
        return err_set(e, ERRC_LOCAL_INPUT, "the end-of-data marker does not fit in the buffer");
    if (buf_append(out, end, n) < 0)
        return err_set(e, ERRC_INTERNAL, "out of memory while writing the message");
    if (!s->bol)
        s->size += 2;
    s->wire += n;
    s->finished = true;
    s->bol = true;
    return 0;
}
