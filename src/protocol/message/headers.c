/* headers.c — header field writers, folding, encoded words (headers.h).
 *
 * RFC 5322 §2.1.1 (998/78 line limits), §2.2.3 (folding: CR LF may be
 * inserted before any white space; a folded line must not be white space
 * only, §3.2.2), §3.3 (date-time), §3.4 (mailboxes), §3.6.8 (field names);
 * RFC 2047 §2 (75-octet words on 76-octet lines), §4 (B and Q), §5 (where
 * words may appear, rule 3 character set for phrases), §6.2 (white space
 * between adjacent words is not displayed). */
#include <stdio.h>
#include <string.h>
#include <time.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/message/headers.h"
#include "protocol/message/text.h"

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

int hdr_check_name(const char *name, size_t n, err *e)
{
    if (n == 0)
        return err_set(e, ERRC_LOCAL_INPUT, "header field name is empty");
    if (n > HDR_MAX_NAME)
        return err_set(e, ERRC_LOCAL_INPUT, "header field name is %zu characters; at most %d "
                       "are allowed", n, HDR_MAX_NAME);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 33 || c > 126 || c == ':')
            return err_set(e, ERRC_LOCAL_INPUT,
                           "header field name contains %s 0x%02x at offset %zu; only printable "
                           "ASCII without ':' is allowed (RFC 5322 section 3.6.8)",
                           c == ':' ? "':'" : c == ' ' ? "a space" : "the byte", c, i);
    }
    return 0;
}

int hdr_check_value(const char *v, size_t n, const char *what, err *e)
{
    if (n > HDR_MAX_VALUE)
        return err_set(e, ERRC_LOCAL_INPUT, "the %s is %zu octets; at most %d are allowed", what,
                       n, HDR_MAX_VALUE);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '\r' || c == '\n')
            return err_set(e, ERRC_LOCAL_INPUT,
                           "the %s contains a %s at offset %zu; refusing it (it could inject "
                           "another header field)", what, c == '\r' ? "CR" : "LF", i);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return err_set(e, ERRC_LOCAL_INPUT,
                           "the %s contains the control character 0x%02x at offset %zu", what, c,
                           i);
    }
    return 0;
}

void hdr_format_date(char out[HDR_DATE_SIZE], time_t t, long gmtoff)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    long mins = gmtoff >= 0 ? (gmtoff + 30) / 60 : -((-gmtoff + 30) / 60);
    time_t local = t + (time_t)mins * 60;
    struct tm tm;
    if (!gmtime_r(&local, &tm)) {
        snprintf(out, HDR_DATE_SIZE, "Thu, 01 Jan 1970 00:00:00 +0000");
        return;
    }
    long a = mins < 0 ? -mins : mins;
    snprintf(out, HDR_DATE_SIZE, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
             days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec, mins < 0 ? '-' : '+', (a / 60) % 100, a % 60);
}

/* Letters, digits and "!*+-/" stand for themselves in a Q word in any
 * context (RFC 2047 §5 rule 3); space becomes '_'. */
static bool q_literal(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

void hdr_encode_word(text_out *o, const char *charset, char enc, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    text_puts(o, "=?");
    text_puts(o, charset);
    text_puts(o, enc == 'B' ? "?B?" : "?Q?");
    if (enc == 'B') {
        text_base64(o, (const unsigned char *)p, n, 0);
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (q_literal(c)) {
                text_putc(o, (char)c);
            } else if (c == ' ') {
                text_putc(o, '_');
            } else {
                char t[3] = {'=', hex[c >> 4], hex[c & 15]};
                text_put(o, t, 3);
            }
        }
    }
    text_puts(o, "?=");
}

#define EW_OVERHEAD 12 /* "=?UTF-8?Q?" + "?=" */

/* Q unless it is over half as long again as B: mostly-ASCII text (most
 * European names and subjects) stays readable in raw headers, text that is
 * mostly non-ASCII (CJK, emoji) gets the much shorter B. */
static char pick_encoding(const char *v, size_t n)
{
    size_t q = 0;
    for (size_t i = 0; i < n; i++)
        q += (q_literal((unsigned char)v[i]) || v[i] == ' ') ? 1 : 3;
    return q * 2 <= (n + 2) / 3 * 4 * 3 ? 'Q' : 'B';
}

/* Append v[0..n) (valid UTF-8) as space-separated UTF-8 encoded words; the
 * first is at most first_max octets long, the others HDR_EW_MAX. A word
 * always ends on a character boundary (RFC 2047 §5: a multi-octet character
 * must not be split across words). */
static void encode_words(text_out *o, const char *v, size_t n, size_t first_max)
{
    char enc = pick_encoding(v, n);
    const unsigned char *p = (const unsigned char *)v;
    size_t i = 0;
    bool first = true;
    while (i < n && !o->failed) {
        size_t room = (first ? first_max : HDR_EW_MAX) - EW_OVERHEAD;
        size_t j = i, cost = 0;
        while (j < n) {
            size_t k = text_utf8_len(p + j, n - j);
            if (k == 0)
                k = 1; /* callers validate; never loop forever */
            size_t c;
            if (enc == 'B') {
                c = (j + k - i + 2) / 3 * 4;
            } else {
                c = cost;
                for (size_t m = 0; m < k; m++)
                    c += (q_literal(p[j + m]) || p[j + m] == ' ') ? 1 : 3;
            }
            if (c > room && j > i)
                break;
            cost = c;
            j += k;
        }
        if (!first)
            text_putc(o, ' ');
        hdr_encode_word(o, "UTF-8", enc, v + i, j - i);
        i = j;
        first = false;
    }
}

/* Where to break the line that starts at `start`: the last break point
 * that keeps the line within `limit`, else the first one after it. A break
 * point is white space after non-white-space, after the field name, with
 * text after it. In a structured field one inside a quoted string is used
 * only when nothing else keeps the line within 998 octets: folding there is
 * legal (RFC 5322 §3.2.4) but MIME parameter parsers do not all unfold.
 * *q says whether `start` is inside quotes, on entry and on return. */
static size_t next_break(const char *line, size_t start, size_t limit, size_t min_break,
                         size_t last, bool structured, bool *q)
{
    bool in_q = *q, esc = false;
    size_t best = 0, qbest = 0;
    for (size_t p = start + 1; p < last; p++) {
        char prev = line[p - 1];
        if (structured) {
            if (esc)
                esc = false;
            else if (in_q && prev == '\\')
                esc = true;
            else if (prev == '"')
                in_q = !in_q;
        }
        if (p < min_break || esc || !is_wsp(line[p]) || is_wsp(prev))
            continue;
        size_t *slot = in_q ? &qbest : &best;
        if (p - start <= limit || !*slot)
            *slot = p;
        if (!in_q && p - start > limit)
            break;
    }
    if (best && (best - start <= HDR_MAX_LINE || !qbest)) {
        *q = false;
        return best;
    }
    if (qbest) {
        *q = true;
        return qbest;
    }
    return 0;
}

int hdr_fold(text_out *o, const char *line, size_t n, size_t limit, bool structured, err *e)
{
    const char *colon = memchr(line, ':', n);
    size_t min_break = colon ? (size_t)(colon - line) + 1 : 1;
    size_t last = n;
    while (last > 0 && is_wsp(line[last - 1]))
        last--;
    size_t start = 0;
    bool q = false;
    while (n - start > limit) {
        size_t br = next_break(line, start, limit, min_break, last, structured, &q);
        if (!br)
            break;
        if (br - start > HDR_MAX_LINE)
            goto too_long;
        text_put(o, line + start, br - start);
        text_put(o, "\r\n", 2);
        start = br;
    }
    if (n - start > HDR_MAX_LINE)
        goto too_long;
    text_put(o, line + start, n - start);
    text_put(o, "\r\n", 2);
    return text_out_check(o, e);
too_long:
    return err_set(e, ERRC_LOCAL_INPUT,
                   "header field \"%.*s\" has a line that cannot be folded under %d octets "
                   "(RFC 5322 section 2.1.1)", (int)(colon ? colon - line : 0), line,
                   HDR_MAX_LINE);
}

/* Build the unfolded field in a scratch buffer, then fold it into o. */
typedef struct scratch {
    buf b;
    text_out o;
} scratch;

static void scratch_init(scratch *s, const char *name)
{
    buf_init(&s->b, HDR_MAX_VALUE * 4 + HDR_MAX_NAME + 16);
    s->o = (text_out){.b = &s->b};
    text_puts(&s->o, name);
    text_putc(&s->o, ':');
}

static int scratch_fold(scratch *s, text_out *o, size_t limit, bool structured, err *e)
{
    int rc = text_out_check(&s->o, e);
    if (rc == 0)
        rc = hdr_fold(o, s->b.data, s->b.len, limit, structured, e);
    buf_free(&s->b);
    return rc;
}

static bool needs_encoding(const char *v, size_t n)
{
    if (text_has_8bit(v, n))
        return true;
    size_t word = 0;
    for (size_t i = 0; i < n; i++) {
        /* Text that looks like an encoded word would be decoded by readers
         * (RFC 2047 §5: such text must itself be encoded). */
        if (v[i] == '=' && i + 1 < n && v[i + 1] == '?')
            return true;
        word = is_wsp(v[i]) ? 0 : word + 1;
        if (word > HDR_FOLD - 1) /* cannot fit a line, even folded */
            return true;
    }
    return false;
}

int hdr_write_text(text_out *o, const char *name, const char *value, size_t n, err *e)
{
    if (hdr_check_name(name, strlen(name), e) < 0 || hdr_check_value(value, n, name, e) < 0)
        return -1;
    scratch s;
    if (!needs_encoding(value, n)) {
        scratch_init(&s, name);
        if (n)
            text_putc(&s.o, ' ');
        text_put(&s.o, value, n);
        return scratch_fold(&s, o, HDR_FOLD, false, e);
    }
    if (!text_utf8_valid(value, n))
        return err_set(e, ERRC_LOCAL_INPUT, "the %s is not valid UTF-8", name);
    scratch_init(&s, name);
    text_putc(&s.o, ' ');
    /* The first word shares its line with "Name: "; when that leaves too
     * little room it goes on the next line instead (the fold after ':'). */
    size_t first = HDR_EW_LINE - (strlen(name) + 2);
    if (strlen(name) + 2 > HDR_EW_LINE - 30)
        first = HDR_EW_MAX;
    encode_words(&s.o, value, n, first);
    return scratch_fold(&s, o, HDR_EW_LINE, false, e);
}

int hdr_write_raw(text_out *o, const char *name, const char *value, size_t n, bool allow_utf8,
                  err *e)
{
    if (hdr_check_name(name, strlen(name), e) < 0 || hdr_check_value(value, n, name, e) < 0)
        return -1;
    if (text_has_8bit(value, n)) {
        if (!allow_utf8)
            return err_set(e, ERRC_LOCAL_INPUT,
                           "the %s field contains non-ASCII text, which this structured field "
                           "cannot carry encoded", name);
        if (!text_utf8_valid(value, n))
            return err_set(e, ERRC_LOCAL_INPUT, "the %s is not valid UTF-8", name);
    }
    scratch s;
    scratch_init(&s, name);
    if (n)
        text_putc(&s.o, ' ');
    text_put(&s.o, value, n);
    return scratch_fold(&s, o, HDR_FOLD, true, e);
}

static bool is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A phrase of atext words separated by single spaces needs no quoting. */
static bool plain_phrase(const char *s, size_t n)
{
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            if (s[i + 1] == ' ')
                return false;
        } else if (!is_atext((unsigned char)s[i])) {
            return false;
        }
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '?')
            return false;
    }
    return true;
}

int hdr_write_addresses(text_out *o, const char *name, const hdr_mailbox *list, size_t n,
                        err *e)
{
    if (hdr_check_name(name, strlen(name), e) < 0)
        return -1;
    scratch s;
    scratch_init(&s, name);
    size_t limit = HDR_FOLD;
    for (size_t i = 0; i < n; i++) {
        const char *d = list[i].display;
        size_t dn = d ? strlen(d) : 0;
        if (hdr_check_value(list[i].mailbox, strlen(list[i].mailbox), "address", e) < 0 ||
            (dn && hdr_check_value(d, dn, "display name", e) < 0))
            goto fail;
        text_puts(&s.o, i ? ", " : " ");
        if (dn == 0) {
            text_puts(&s.o, list[i].mailbox);
            continue;
        }
        if (text_has_8bit(d, dn)) {
            if (!text_utf8_valid(d, dn)) {
                err_set(e, ERRC_LOCAL_INPUT, "display name is not valid UTF-8");
                goto fail;
            }
            encode_words(&s.o, d, dn, HDR_EW_MAX);
            limit = HDR_EW_LINE;
        } else if (plain_phrase(d, dn)) {
            text_put(&s.o, d, dn);
        } else {
            text_putc(&s.o, '"');
            for (size_t k = 0; k < dn; k++) {
                if (d[k] == '"' || d[k] == '\\')
                    text_putc(&s.o, '\\');
                text_putc(&s.o, d[k]);
            }
            text_putc(&s.o, '"');
        }
        text_puts(&s.o, " <");
        text_puts(&s.o, list[i].mailbox);
        text_putc(&s.o, '>');
    }
    return scratch_fold(&s, o, limit, true, e);
fail:
    buf_free(&s.b);
    return -1;
}

/* ---- decoding (untrusted input) ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode the token t[0..n) if it is exactly one encoded word; returns 1 when
 * decoded into o, 0 when it is not an encoded word (o untouched). */
static int decode_word(const char *t, size_t n, text_out *o)
{
    if (n < 8 || t[0] != '=' || t[1] != '?' || t[n - 2] != '?' || t[n - 1] != '=')
        return 0;
    const char *q1 = memchr(t + 2, '?', n - 4);
    if (!q1 || q1 == t + 2)
        return 0;
    const char *enc = q1 + 1;
    if (enc + 2 > t + n - 2 || enc[1] != '?')
        return 0;
    const char *text = enc + 2;
    size_t tn = (size_t)(t + n - 2 - text);
    if (memchr(text, '?', tn))
        return 0;
    size_t saved = o->b->len;
    if (*enc == 'Q' || *enc == 'q') {
        for (size_t i = 0; i < tn; i++) {
            if (text[i] == '_') {
                text_putc(o, ' ');
            } else if (text[i] == '=') {
                if (i + 2 >= tn)
                    goto invalid;
                int h = hexval(text[i + 1]), l = hexval(text[i + 2]);
                if (h < 0 || l < 0)
                    goto invalid;
                text_putc(o, (char)(h << 4 | l));
                i += 2;
            } else {
                text_putc(o, text[i]);
            }
        }
    } else if (*enc == 'B' || *enc == 'b') {
        unsigned acc = 0;
        int bits = 0;
        size_t pad = 0;
        for (size_t i = 0; i < tn; i++) {
            if (text[i] == '=') {
                pad++;
                continue;
            }
            int v = b64val(text[i]);
            if (v < 0 || pad)
                goto invalid;
            acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                text_putc(o, (char)((acc >> bits) & 0xFF));
            }
        }
        if (pad > 2)
            goto invalid;
    } else {
        return 0;
    }
    return 1;
invalid:
    o->b->len = saved;
    if (o->b->data)
        o->b->data[saved] = '\0';
    return 0;
}

/* Copy white space; CR and LF are folding, not content, and are dropped. */
static void put_ws(text_out *o, const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (is_wsp(s[k]))
            text_putc(o, s[k]);
}

int hdr_decode_2047(const char *in, size_t n, buf *out, err *e)
{
    text_out o = {.b = out};
    size_t i = 0;
    size_t ws = 0, ws_len = 0; /* pending white space run */
    bool last_ew = false;
    while (i < n && !o.failed) {
        if (is_wsp(in[i]) || in[i] == '\r' || in[i] == '\n') {
            ws = i;
            while (i < n && (is_wsp(in[i]) || in[i] == '\r' || in[i] == '\n'))
                i++;
            ws_len = i - ws;
            continue;
        }
        size_t t = i;
        while (i < n && !is_wsp(in[i]) && in[i] != '\r' && in[i] != '\n')
            i++;
        /* Flush the white space unless it sits between two encoded words. */
        bool ew_next = i - t >= 8 && in[t] == '=' && in[t + 1] == '?';
        bool held = ws_len && last_ew && ew_next;
        if (ws_len && !held)
            put_ws(&o, in + ws, ws_len);
        if (ew_next && decode_word(in + t, i - t, &o)) {
            last_ew = true;
        } else {
            if (held) /* not a word after all: the white space is content */
                put_ws(&o, in + ws, ws_len);
            text_put(&o, in + t, i - t);
            last_ew = false;
        }
        ws_len = 0;
    }
    if (ws_len)
        put_ws(&o, in + ws, ws_len);
    if (o.failed == ERRC_LOCAL_INPUT)
        return err_set(e, ERRC_TOO_LONG, "decoded header is over %zu octets", out->max);
    return o.failed ? err_set(e, ERRC_INTERNAL, "out of memory") : 0;
}
