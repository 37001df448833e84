/* fuzz_ehlo.c — libFuzzer target for the EHLO capability parser
 * (protocol/ehlo.c).
 *
 * Each input line (split at LF) becomes the text of one line of a 250 reply,
 * so every input reaches ehlo_caps_parse; the result's promises are checked
 * (mechanism names upper-case and unique, one capability line per input
 * line after the first). */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_caps(const ehlo_caps *c, size_t n_reply_lines)
{
    if (!c->domain || c->n_lines != n_reply_lines - 1)
        abort();
    for (size_t i = 0; i < c->n_auth; i++) {
        for (const char *p = c->auth[i]; *p; p++)
            if (islower((unsigned char)*p))
                abort();
        for (size_t k = 0; k < i; k++)
            if (strcmp(c->auth[i], c->auth[k]) == 0)
                abort();
        if (!ehlo_has_auth(c, c->auth[i]))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char *line = malloc(size + 5);
    if (!line)
        return 0;
    reply_parser p;
    reply_parser_init(&p);
    smtp_reply *r = NULL;
    size_t start = 0;
    for (;;) {
        const char *nl = memchr(s + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - s) : size;
        memcpy(line, nl ? "250-" : "250 ", 4);
        memcpy(line + 4, s + start, end - start);
        err e;
        err_clear(&e);
        int rc = reply_parser_feed(&p, line, end - start + 4, &e);
        if (rc < 0)
            goto out; /* only the limits can stop a 250 reply */
        if (rc == REPLY_DONE) {
            r = reply_parser_take(&p);
            break;
        }
        start = end + 1;
    }
    ehlo_caps caps;
    err e;
    err_clear(&e);
    if (ehlo_caps_parse(r, &caps, &e) == 0) {
        check_caps(&caps, r->n_lines);
        ehlo_caps_free(&caps);
    }
out:
    reply_free(r);
    reply_parser_reset(&p);
    free(line);
    return 0;
}
