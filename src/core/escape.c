/* escape.c — display escaping of untrusted bytes (see escape.h). */
#include <stdio.h>
#include <stdlib.h>

#include "core/escape.h"

size_t escape_utf8_seq_len(const unsigned char *s, size_t len)
{
    if (len == 0)
        return 0;
    unsigned char c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

char *escape_display(const char *s, size_t len)
{
    /* Worst case every byte becomes \xNN (4 bytes). */
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out[o++] = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = escape_utf8_seq_len(u + i, len - i);
            /* U+0080..U+009F are C1 controls: escape them too. */
            if (n == 2 && c == 0xC2 && u[i + 1] < 0xA0)
                n = 0;
            if (n) {
                for (size_t k = 0; k < n; k++)
                    out[o++] = (char)u[i + k];
                i += n;
                continue;
            }
        }
        out[o++] = '\\';
        switch (c) {
        case '\\': out[o++] = '\\'; break;
        case '\r': out[o++] = 'r'; break;
        case '\n': out[o++] = 'n'; break;
        case '\t': out[o++] = 't'; break;
        default:
            o += (size_t)snprintf(out + o, 4, "x%02X", c);
            break;
        }
        i++;
    }
    out[o] = '\0';
    return out;
}
