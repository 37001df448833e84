/* fuzz_reply.c — libFuzzer target for the SMTP reply parser (protocol/reply.c).
 *
 * The input is a stream of server lines split at LF (a trailing CR is
 * dropped, as the transport would); each completed reply also goes through
 * reply_text and reply_dup, and the parser's promises are checked: codes
 * in 200..559, at least one line, an enhanced code whose class matches. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "protocol/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(const smtp_reply *r)
{
    if (r->code < 200 || r->code > 559 || r->n_lines < 1)
        abort();
    if (r->enhanced[0] && r->enhanced[0] != '0' + r->code / 100)
        abort();
    char *t = reply_text(r, "\n");
    smtp_reply *d = reply_dup(r);
    if (d && (d->code != r->code || d->n_lines != r->n_lines))
        abort();
    free(t);
    reply_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    reply_parser p;
    reply_parser_init(&p);
    size_t start = 0;
    while (start < size) {
        const char *nl = memchr(s + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - s) : size;
        size_t len = end - start;
        if (len && s[start + len - 1] == '\r')
            len--;
        char enh[16];
        reply_parse_enhanced(s + start, len, enh);
        err e;
        err_clear(&e);
        int rc = reply_parser_feed(&p, s + start, len, &e);
        if (rc < 0) {
            if (e.cls == ERRC_OK || !e.msg[0])
                abort(); /* every failure must say why */
            reply_parser_reset(&p);
        } else if (rc == REPLY_DONE) {
            smtp_reply *r = reply_parser_take(&p);
            if (!r)
                abort();
            check_reply(r);
            reply_free(r);
        }
        start = end + 1;
    }
    reply_parser_reset(&p);
    return 0;
}
