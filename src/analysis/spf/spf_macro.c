/* spf_macro.c — SPF macro-string syntax check and expansion.
 *
 * RFC 7208 §7.1 (syntax), §7.2 (letters), §7.3 (transformers, delimiters,
 * URL-escaping, 253-octet truncation), §7.4 (examples, used by the tests).
 * Expansion is bounded: one value is split into at most SPF_PARTS_MAX parts
 * and the output is capped at SPF_MACRO_OUT_MAX bytes. */
/* ---- core ---- */
#include "core/buf.h"
#include "core/err.h"
/* ---- analysis ---- */
#include "analysis/spf/spf_macro.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPF_PARTS_MAX 128

static bool letter_ok(char c, spf_macro_mode mode)
{
    switch (tolower((unsigned char)c)) {
    case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v':
        return true;
    case 'c': case 'r': case 't': /* §7.2: only in "exp" text */
        return mode == SPF_MACRO_EXP;
    default:
        return false;
    }
}

static bool is_delim(char c)
{
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

/* Parse "%{" letter *DIGIT ["r"] *delimiter "}" starting at s[i] == '%'.
 * Returns the offset past '}' or 0 on a syntax error (*bad set). */
static size_t parse_expand(const char *s, size_t n, size_t i, spf_macro_mode mode, size_t *bad,
                           char *letter, unsigned *digits, bool *reverse, char *delims)
{
    size_t j = i + 2, nd = 0;
    unsigned val = 0;

    if (j >= n || !letter_ok(s[j], mode)) {
        *bad = j < n ? j : i;
        return 0;
    }
    *letter = s[j++];
    while (j < n && isdigit((unsigned char)s[j])) {
        if (val < 1000)
            val = val * 10 + (unsigned)(s[j] - '0');
        j++;
        nd++;
    }
    if (nd > 0 && val == 0) { /* §7.1: a DIGIT transformer MUST be nonzero */
        *bad = j - 1;
        return 0;
    }
    *digits = nd ? val : 0;
    *reverse = false;
    if (j < n && (s[j] == 'r' || s[j] == 'R')) {
        *reverse = true;
        j++;
    }
    size_t k = 0;
    while (j < n && is_delim(s[j])) {
        if (delims && k < 7 && !memchr(delims, s[j], k))
            delims[k++] = s[j];
        j++;
    }
    if (delims)
        delims[k] = '\0';
    if (j >= n || s[j] != '}') {
        *bad = j < n ? j : i;
        return 0;
    }
    return j + 1;
}

int spf_macro_check(const char *s, size_t n, spf_macro_mode mode, size_t *bad,
                    size_t *last_macro_end)
{
    size_t i = 0, last = 0, dummy;

    if (!bad)
        bad = &dummy;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 1 >= n) {
                *bad = i;
                return -1;
            }
            char d = s[i + 1];
            if (d == '%' || d == '_' || d == '-') {
                i += 2;
            } else if (d == '{') {
                char letter;
                unsigned digits;
                bool rev;
                size_t end = parse_expand(s, n, i, mode, bad, &letter, &digits, &rev, NULL);
                if (end == 0)
                    return -1;
                i = end;
            } else {
                *bad = i + 1;
                return -1;
            }
            last = i;
            continue;
        }
        /* macro-literal = %x21-24 / %x26-7E; explanation text also allows SP. */
        if (!(c >= 0x21 && c <= 0x7e) && !(mode == SPF_MACRO_EXP && c == ' ')) {
            *bad = i;
            return -1;
        }
        i++;
    }
    if (last_macro_end)
        *last_macro_end = last;
    return 0;
}

/* Append `v` URL-escaped (RFC 3986 unreserved characters kept), §7.3. */
static int append_escaped(buf *b, const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            if (buf_append(b, &v[i], 1) < 0)
                return -1;
        } else if (buf_appendf(b, "%%%02X", c) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Split `value` on the delimiters, optionally reverse, keep the rightmost
 * `digits` parts and join them with "." (§7.3). */
static int append_transformed(buf *b, const char *value, const char *delims, unsigned digits,
                              bool reverse, bool escape)
{
    const char *part[SPF_PARTS_MAX];
    size_t plen[SPF_PARTS_MAX];
    size_t np = 0;
    const char *p = value, *start = value;
    const char *dl = delims[0] ? delims : ".";

    for (;; p++) {
        if (*p == '\0' || strchr(dl, *p)) {
            if (np == SPF_PARTS_MAX)
                return -1;
            part[np] = start;
            plen[np++] = (size_t)(p - start);
            if (*p == '\0')
                break;
            start = p + 1;
        }
    }
    if (reverse) {
        for (size_t i = 0; i < np / 2; i++) {
            const char *tp = part[i];
            size_t tl = plen[i];
            part[i] = part[np - 1 - i];
            plen[i] = plen[np - 1 - i];
            part[np - 1 - i] = tp;
            plen[np - 1 - i] = tl;
        }
    }
    size_t first = (digits && digits < np) ? np - digits : 0;
    for (size_t i = first; i < np; i++) {
        if (i > first && buf_append(b, ".", 1) < 0)
            return -1;
        int rc = escape ? append_escaped(b, part[i], plen[i]) : buf_append(b, part[i], plen[i]);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static const char *letter_value(char letter, const spf_macro_vars *v, char *tbuf, size_t tlen)
{
    const char *r = NULL;
    switch (tolower((unsigned char)letter)) {
    case 's': r = v->sender; break;
    case 'l': r = v->local; break;
    case 'o': r = v->sender_domain; break;
    case 'd': r = v->domain; break;
    case 'i': r = v->ip_dotted; break;
    case 'c': r = v->ip_text; break;
    case 'v': r = v->ip_version; break;
    case 'h': r = v->helo; break;
    case 'r': r = v->receiver ? v->receiver : "unknown"; break;
    case 'p': r = v->validated ? v->validated(v->validated_arg) : "unknown"; break;
    case 't':
        snprintf(tbuf, tlen, "%lld", v->now);
        r = tbuf;
        break;
    default: break;
    }
    return r ? r : "";
}

/* §7.3: "if the expanded domain name exceeds 253 characters ... the left side
 * is truncated to fit, by removing successive domain labels". */
static void truncate_domain(char *s)
{
    size_t len = strlen(s);
    char *p = s;
    while (len > SPF_MACRO_DOMAIN_MAX) {
        char *dot = strchr(p, '.');
        if (!dot) { /* one label longer than 253: keep its right end */
            p += len - SPF_MACRO_DOMAIN_MAX;
            break;
        }
        len -= (size_t)(dot + 1 - p);
        p = dot + 1;
    }
    if (p != s)
        memmove(s, p, strlen(p) + 1);
}

int spf_macro_expand(const char *s, size_t n, spf_macro_mode mode, const spf_macro_vars *v,
                     char **out, err *e)
{
    buf b;
    size_t i = 0, bad = 0;
    char tbuf[32];

    *out = NULL;
    if (spf_macro_check(s, n, mode, &bad, NULL) < 0)
        return err_set(e, ERRC_PROTOCOL, "invalid macro at offset %zu", bad);
    buf_init(&b, SPF_MACRO_OUT_MAX);
    while (i < n) {
        int rc = 0;
        if (s[i] != '%') {
            size_t j = i;
            while (j < n && s[j] != '%')
                j++;
            rc = buf_append(&b, s + i, j - i);
            i = j;
        } else if (s[i + 1] == '%') {
            rc = buf_append(&b, "%", 1);
            i += 2;
        } else if (s[i + 1] == '_') {
            rc = buf_append(&b, " ", 1);
            i += 2;
        } else if (s[i + 1] == '-') {
            rc = buf_append(&b, "%20", 3);
            i += 2;
        } else {
            char letter, delims[8];
            unsigned digits;
            bool rev;
            size_t end = parse_expand(s, n, i, mode, &bad, &letter, &digits, &rev, delims);
            const char *val = letter_value(letter, v, tbuf, sizeof tbuf);
            rc = append_transformed(&b, val, delims, digits, rev, isupper((unsigned char)letter));
            i = end;
        }
        if (rc < 0) {
            buf_free(&b);
            return err_set(e, ERRC_PROTOCOL, "macro expansion longer than %d bytes",
                           SPF_MACRO_OUT_MAX);
        }
    }
    *out = buf_steal(&b);
    if (!*out)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    if (mode == SPF_MACRO_DOMAIN)
        truncate_domain(*out);
    return 0;
}
