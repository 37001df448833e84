/* dname.c — DNS wire-format names to presentation text (see dname.h).
 *
 * RFC 1035 §3.1 (name wire format, 63-octet labels, 255-octet names),
 * §4.1.4 (compression — refused here, rdata from libunbound is uncompressed),
 * §5.1 (\. \\ and \DDD escapes in presentation format). Hand-written because
 * libunbound exposes no name-to-text helper and ldns would be a second DNS
 * library for twenty lines. */
#include <stdbool.h>
#include <stddef.h>

/* ---- dns ---- */
#include "dns/dname.h"

/* Append one character; false when out (keeping room for the NUL) is full. */
static bool put(char *out, size_t outsz, size_t *o, char c)
{
    if (*o + 1 >= outsz)
        return false;
    out[(*o)++] = c;
    return true;
}

/* Append label byte b in presentation form (RFC 1035 §5.1). */
static bool put_byte(char *out, size_t outsz, size_t *o, unsigned char b)
{
    if (b == '.' || b == '\\')
        return put(out, outsz, o, '\\') && put(out, outsz, o, (char)b);
    if (b > 0x20 && b < 0x7f)
        return put(out, outsz, o, (char)b);
    return put(out, outsz, o, '\\') && put(out, outsz, o, (char)('0' + b / 100)) &&
           put(out, outsz, o, (char)('0' + b / 10 % 10)) && put(out, outsz, o, (char)('0' + b % 10));
}

int dname_to_text(const unsigned char *p, size_t len, size_t *consumed, char *out, size_t outsz)
{
    size_t i = 0, o = 0;

    if (!out || outsz == 0)
        return -1;
    out[0] = '\0';
    if (!p && len)
        goto bad;
    for (;;) {
        if (i >= len)
            goto bad; /* truncated: no terminating root label */
        unsigned char l = p[i];
        if (l & 0xC0)
            goto bad; /* pointer (11) or extended label type (01/10) */
        if (i + 1 + l > DNAME_WIRE_MAX)
            goto bad; /* name longer than 255 octets */
        if (l == 0) {
            i++;
            break;
        }
        if (len - i - 1 < l)
            goto bad; /* label runs past the data */
        if (o > 0 && !put(out, outsz, &o, '.'))
            goto bad;
        for (size_t k = 0; k < l; k++)
            if (!put_byte(out, outsz, &o, p[i + 1 + k]))
                goto bad;
        i += 1 + (size_t)l;
    }
    if (o == 0 && !put(out, outsz, &o, '.'))
        goto bad;
    out[o] = '\0';
    if (consumed)
        *consumed = i;
    return 0;

bad: /* malformed, or out too small */
    out[0] = '\0';
    return -1;
}
