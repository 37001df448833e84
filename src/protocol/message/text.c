/* text.c — UTF-8 checks, ASCII folding and the sticky output sink (text.h).
 *
 * RFC 3629 §4 gives the well-formed byte sequences; everything else (C0/C1
 * overlongs, surrogates D800-DFFF, F5-FF leads) is refused so an encoded word
 * or a SMTPUTF8 address never carries bytes a receiver must reject. */
#include <string.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/message/text.h"

size_t text_utf8_len(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

bool text_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = text_utf8_len(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

bool text_has_8bit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool text_ieq(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (m != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

void text_put(text_out *o, const void *p, size_t n)
{
    if (o->failed)
        return;
    buf *b = o->b;
    if (n > b->max || b->len > b->max - n) {
        o->failed = ERRC_LOCAL_INPUT;
        return;
    }
    if (buf_append(b, p, n) < 0)
        o->failed = ERRC_INTERNAL;
}

void text_puts(text_out *o, const char *s)
{
    text_put(o, s, strlen(s));
}

void text_putc(text_out *o, char c)
{
    text_put(o, &c, 1);
}

int text_out_check(const text_out *o, err *e)
{
    if (!o->failed)
        return 0;
    if (o->failed == ERRC_LOCAL_INPUT)
        return err_set(e, ERRC_LOCAL_INPUT,
                       "the message does not fit in the %zu-byte limit", o->b->max);
    return err_set(e, ERRC_INTERNAL, "out of memory while composing the message");
}

void text_base64(text_out *o, const unsigned char *p, size_t n, size_t line_len)
{
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    /* Encode a line at a time into a stack block: one append per line keeps
     * a 1 MB attachment from costing a million calls. */
    char line[256];
    size_t per_line = line_len ? line_len / 4 * 3 : sizeof line / 4 * 3 - 3;
    if (per_line == 0 || per_line > sizeof line / 4 * 3 - 3)
        per_line = 57;
    size_t i = 0;
    while (i < n && !o->failed) {
        size_t take = n - i < per_line ? n - i : per_line;
        size_t k = 0;
        for (size_t j = 0; j < take; j += 3) {
            unsigned v = (unsigned)p[i + j] << 16;
            size_t left = take - j;
            if (left > 1)
                v |= (unsigned)p[i + j + 1] << 8;
            if (left > 2)
                v |= p[i + j + 2];
            line[k++] = alpha[(v >> 18) & 63];
            line[k++] = alpha[(v >> 12) & 63];
            line[k++] = left > 1 ? alpha[(v >> 6) & 63] : '=';
            line[k++] = left > 2 ? alpha[v & 63] : '=';
        }
        if (line_len) {
            line[k++] = '\r';
            line[k++] = '\n';
        }
        text_put(o, line, k);
        i += take;
    }
}
