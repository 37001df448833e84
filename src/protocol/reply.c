/* reply.c — SMTP reply parser: one line in at a time, one reply out.
 *
 * RFC 5321 §4.2 (reply syntax: three digits, then SP or "-" for a
 * continuation, every line of a multi-line reply with the same code),
 * §4.2.1 (reply code ranges), RFC 3463 §2 (enhanced status codes), RFC 2034
 * §3 (the enhanced code leads the text). Limits: REPLY_MAX_LINES lines and
 * REPLY_MAX_BYTES bytes per reply (reply.h). Text is escaped on the way in
 * (core/escape.h), so nothing downstream ever sees raw peer bytes. */
#include <stdlib.h>
#include <string.h>

/* core */
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"

/* protocol */
#include "protocol/reply.h"

void reply_parser_init(reply_parser *p)
{
    p->cur = NULL;
    p->bytes = 0;
    p->done = false;
}

void reply_free(smtp_reply *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_lines; i++)
        free(r->lines[i]);
    free(r->lines);
    free(r);
}

void reply_parser_reset(reply_parser *p)
{
    reply_free(p->cur);
    reply_parser_init(p);
}

smtp_reply *reply_parser_take(reply_parser *p)
{
    if (!p->done)
        return NULL;
    smtp_reply *r = p->cur;
    reply_parser_init(p);
    return r;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A byte of peer data quoted inside our own error sentence: printable ASCII
 * as itself, anything else as \xNN, so the sentence stays safe to display. */
static const char *show_byte(unsigned char c, char out[8])
{
    if (c > 0x20 && c < 0x7F && c != '\\' && c != '\'') {
        out[0] = (char)c;
        out[1] = '\0';
    } else {
        static const char hex[] = "0123456789ABCDEF";
        out[0] = '\\';
        out[1] = 'x';
        out[2] = hex[c >> 4];
        out[3] = hex[c & 15];
        out[4] = '\0';
    }
    return out;
}

/* Check the "ddd" and the byte after it; returns the code or -1 with e set. */
static int parse_code(const char *line, size_t len, err *e)
{
    if (len < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
        return err_set(e, ERRC_PROTOCOL, "reply line does not start with a 3-digit code");
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    /* RFC 5321 §4.2.1: the first digit is 2-5 (1yz is never used by SMTP),
     * the second 0-5. */
    if (line[0] < '2' || line[0] > '5')
        return err_set(e, ERRC_PROTOCOL,
                       "reply code %03d is invalid: the first digit must be 2-5", code);
    if (line[1] > '5')
        return err_set(e, ERRC_PROTOCOL,
                       "reply code %03d is invalid: the second digit must be 0-5", code);
    if (len > 3 && line[3] != ' ' && line[3] != '-') {
        char b[8];
        return err_set(e, ERRC_PROTOCOL,
                       "reply code %d is followed by '%s' instead of a space, '-' or the end "
                       "of the line", code, show_byte((unsigned char)line[3], b));
    }
    return code;
}

int reply_parser_feed(reply_parser *p, const char *line, size_t len, err *e)
{
    if (p->done)
        return err_set(e, ERRC_INTERNAL, "reply parser fed before the previous reply was taken");
    if (!line && len)
        return err_set(e, ERRC_INTERNAL, "reply parser fed a NULL line");
    int code = parse_code(line ? line : "", len, e);
    if (code < 0)
        return -1;
    if (p->cur && code != p->cur->code)
        return err_set(e, ERRC_PROTOCOL, "multi-line reply changed code from %d to %d",
                       p->cur->code, code);
    /* Limits are checked before anything is stored, so a hostile server can
     * cost us at most REPLY_MAX_BYTES (times 4 once escaped). */
    if (p->cur && p->cur->n_lines >= REPLY_MAX_LINES)
        return err_set(e, ERRC_TOO_LONG, "reply has more than %d lines", REPLY_MAX_LINES);
    if (len > REPLY_MAX_BYTES || p->bytes > REPLY_MAX_BYTES - len)
        return err_set(e, ERRC_TOO_LONG, "reply is longer than %d bytes", REPLY_MAX_BYTES);

    bool first = p->cur == NULL;
    if (first) {
        p->cur = calloc(1, sizeof *p->cur);
        if (!p->cur)
            goto oom;
        p->cur->code = code;
    }
    const char *text = len > 4 ? line + 4 : "";
    size_t text_len = len > 4 ? len - 4 : 0;
    char *esc = escape_display(text, text_len);
    if (!esc)
        goto oom;
    if (xarray_push((void ***)&p->cur->lines, &p->cur->n_lines, esc) < 0) {
        free(esc);
        goto oom;
    }
    p->bytes += len;

    /* RFC 3463 / Postfix's rule: an enhanced code whose class disagrees with
     * the reply code ("250 5.0.0 ok") is ignored rather than trusted. Only
     * the first line is consulted (RFC 2034 §3 puts it on every line, the
     * first is enough). The code stays in the line text as sent. */
    if (first) {
        char enh[16];
        if (reply_parse_enhanced(text, text_len, enh) > 0 && enh[0] == line[0])
            memcpy(p->cur->enhanced, enh, sizeof enh);
    }

    if (len > 3 && line[3] == '-')
        return REPLY_MORE;
    p->done = true;
    return REPLY_DONE;

oom:
    return err_set(e, ERRC_INTERNAL, "out of memory while parsing a reply");
}

/* 1 to 3 digits at s[*i]; advances *i. */
static bool digits_1_3(const char *s, size_t len, size_t *i)
{
    size_t start = *i;
    while (*i < len && *i - start < 3 && is_digit(s[*i]))
        (*i)++;
    if (*i == start)
        return false;
    return *i >= len || !is_digit(s[*i]);
}

size_t reply_parse_enhanced(const char *text, size_t len, char out[16])
{
    out[0] = '\0';
    if (!text)
        return 0;
    /* RFC 3463 §2: status-code = class "." subject "." detail, class is
     * 2, 4 or 5, subject and detail 1*3digit. */
    size_t i = 0;
    if (len < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
        return 0;
    i = 2;
    if (!digits_1_3(text, len, &i) || i >= len || text[i] != '.')
        return 0;
    i++;
    if (!digits_1_3(text, len, &i))
        return 0;
    if (i < len && text[i] != ' ')
        return 0;
    memcpy(out, text, i);
    out[i] = '\0';
    return i;
}

char *reply_text(const smtp_reply *r, const char *sep)
{
    if (!r)
        return NULL;
    if (!sep)
        sep = "";
    size_t seplen = strlen(sep), total = 1;
    for (size_t i = 0; i < r->n_lines; i++)
        total += strlen(r->lines[i]) + (i ? seplen : 0);
    char *out = malloc(total);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < r->n_lines; i++) {
        if (i) {
            memcpy(out + o, sep, seplen);
            o += seplen;
        }
        size_t n = strlen(r->lines[i]);
        memcpy(out + o, r->lines[i], n);
        o += n;
    }
    out[o] = '\0';
    return out;
}

smtp_reply *reply_dup(const smtp_reply *r)
{
    if (!r)
        return NULL;
    smtp_reply *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->code = r->code;
    memcpy(d->enhanced, r->enhanced, sizeof d->enhanced);
    if (r->n_lines) {
        d->lines = calloc(r->n_lines, sizeof *d->lines);
        if (!d->lines)
            goto fail;
        for (; d->n_lines < r->n_lines; d->n_lines++) {
            d->lines[d->n_lines] = xstrdup(r->lines[d->n_lines]);
            if (!d->lines[d->n_lines])
                goto fail;
        }
    }
    return d;

fail:
    reply_free(d);
    return NULL;
}
