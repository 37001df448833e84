/* command.c — command line writer and DATA body writer.
 *
 * RFC 5321 §2.3.8 (lines end in CR LF, nothing else), §4.1.1.4 and §4.5.2
 * (transparency: a line starting with '.' gets another '.'; the body ends
 * with CR LF "." CR LF), §4.5.3.1.4 (a command line is at most 512 octets
 * including CR LF). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/command.h"

int command_format(buf *out, err *e, const char *fmt, ...)
{
    /* The line may carry a secret (AUTH PLAIN's initial response), so it is
     * built on the stack and wiped, never in a heap block left behind. */
    char line[COMMAND_MAX_LINE + 1];
    int rc = -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 2, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err_set(e, ERRC_INTERNAL, "could not format a command");
        goto out;
    }
    if ((size_t)n + 2 > COMMAND_MAX_LINE) {
        err_set(e, ERRC_LOCAL_INPUT,
                "command would be %d bytes with CR LF, over the %d-byte limit "
                "(RFC 5321 section 4.5.3.1.4)", n + 2, COMMAND_MAX_LINE);
        goto out;
    }
    /* A CR or LF would end the line early and let the rest run as a second
     * command (command injection); a NUL would truncate it on many servers. */
    for (int i = 0; i < n; i++) {
        char c = line[i];
        if (c == '\r' || c == '\n' || c == '\0') {
            err_set(e, ERRC_LOCAL_INPUT, "command contains a %s byte at offset %d; refusing to "
                    "send it (it could smuggle a second command)",
                    c == '\r' ? "CR" : c == '\n' ? "LF" : "NUL", i);
            goto out;
        }
    }
    line[n] = '\r';
    line[n + 1] = '\n';
    if (buf_append(out, line, (size_t)n + 2) < 0) {
        err_set(e, ERRC_INTERNAL, "command does not fit in the output buffer");
        goto out;
    }
    rc = 0;
out:
    explicit_bzero(line, sizeof line);
    return rc;
}

/* Where a body pass writes: with out == NULL it only counts, so the size
 * can be checked against the cap before anything is appended. */
typedef struct sink {
    buf *out;
    size_t total;
    bool failed;
} sink;

static void emit(sink *s, const char *p, size_t n)
{
    if (s->failed)
        return;
    if (s->out && buf_append(s->out, p, n) < 0) {
        s->failed = true;
        return;
    }
    s->total += n;
}

static void stuff_pass(sink *s, const char *body, size_t len)
{
    bool bol = true;    /* at the beginning of a line */
    size_t i = 0;
    while (i < len) {
        if (bol && body[i] == '.')
            emit(s, ".", 1);
        /* Copy up to the next line ending in one go. */
        size_t j = i;
        while (j < len && body[j] != '\r' && body[j] != '\n')
            j++;
        if (j > i)
            emit(s, body + i, j - i);
        if (j == len) {
            bol = false;
            break;
        }
        /* CR LF, bare CR and bare LF all become CR LF (RFC 5321 §2.3.8). */
        emit(s, "\r\n", 2);
        i = (body[j] == '\r' && j + 1 < len && body[j + 1] == '\n') ? j + 2 : j + 1;
        bol = true;
    }
    if (!bol)
        emit(s, "\r\n", 2);
    emit(s, ".\r\n", 3);
}

int command_dot_stuff(buf *out, const char *body, size_t len, err *e)
{
    if (!body && len)
        return err_set(e, ERRC_INTERNAL, "NULL message body");
    sink count = {.out = NULL};
    stuff_pass(&count, body, len);
    size_t room = out->len < out->max ? out->max - out->len : 0;
    if (count.total > room)
        return err_set(e, ERRC_LOCAL_INPUT,
                       "message needs %zu bytes once dot-stuffed; only %zu fit in the buffer",
                       count.total, room);
    size_t saved = out->len;
    sink write = {.out = out};
    stuff_pass(&write, body, len);
    if (write.failed) {
        /* Leave the buffer as it was. */
        out->len = saved;
        if (out->data)
            out->data[saved] = '\0';
        return err_set(e, ERRC_INTERNAL, "out of memory while writing the message body");
    }
    return 0;
}
