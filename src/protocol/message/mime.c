/* mime.c — transfer encodings, boundaries, content types, parameters.
 *
 * RFC 2045 §5.1 (tokens, tspecials), §6.7 (quoted-printable), §6.8 (base64);
 * RFC 2046 §5.1.1 (boundaries, no encoding for composite types); RFC 2183
 * (Content-Disposition filename); RFC 2231 §3-4 (continuations and
 * charset''percent-encoded values); RFC 5322 §2.1.1 (998-octet lines). */
#include <stdlib.h>
#include <string.h>

/* core */
#include "core/err.h"

/* protocol */
#include "protocol/message/mime.h"
#include "protocol/message/text.h"

mime_cte mime_pick_cte(const char *p, size_t n)
{
    size_t line = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r' || c == '\n') {
            line = 0;
            continue;
        }
        /* A line starting "From " would be changed to ">From " by any mbox
         * store on the way; QP protects it (see qp_line). */
        if (line == 0 && c == 'F' && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)
            return MIME_QP;
        if (c == 0 || c >= 0x80 || ++line > MIME_MAX_LINE)
            return MIME_QP;
    }
    return MIME_7BIT;
}

/* Call line() for each line of text, whatever its line ending (CR LF,
 * bare CR, bare LF); an empty text is one empty line, and a last line
 * without an ending is a line. */
static void each_line(text_out *o, const char *p, size_t n,
                      void (*line)(text_out *o, const unsigned char *l, size_t len))
{
    if (n == 0)
        line(o, (const unsigned char *)p, 0);
    size_t i = 0;
    while (i < n && !o->failed) {
        size_t j = i;
        while (j < n && p[j] != '\r' && p[j] != '\n')
            j++;
        line(o, (const unsigned char *)p + i, j - i);
        if (j == n)
            break;
        i = (p[j] == '\r' && j + 1 < n && p[j + 1] == '\n') ? j + 2 : j + 1;
    }
}

static void line_7bit(text_out *o, const unsigned char *l, size_t len)
{
    text_put(o, l, len);
    text_put(o, "\r\n", 2);
}

void mime_write_7bit(text_out *o, const char *p, size_t n)
{
    each_line(o, p, n, line_7bit);
}

/* One line of text (no line ending) as QP, followed by a hard break. The
 * line is encoded into a small block and flushed per output line. */
static void qp_line(text_out *o, const unsigned char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char out[MIME_QP_LINE + 3];
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        bool last = (i + 1 == n);
        bool lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        size_t len = lit ? 1 : 3;
        /* Room for the token, plus the '=' of a soft break unless this is
         * the line's last character. */
        if (col + len > (last ? MIME_QP_LINE : MIME_QP_LINE - 1)) {
            out[col++] = '=';
            out[col++] = '\r';
            out[col++] = '\n';
            text_put(o, out, col);
            col = 0;
        }
        if (col == 0 && c == 'F' && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)
            lit = false;
        if (lit) {
            out[col++] = (char)c;
        } else {
            out[col++] = '=';
            out[col++] = hex[c >> 4];
            out[col++] = hex[c & 15];
        }
    }
    out[col++] = '\r';
    out[col++] = '\n';
    text_put(o, out, col);
}

void mime_write_qp(text_out *o, const char *p, size_t n)
{
    each_line(o, p, n, qp_line);
}

void mime_write_base64(text_out *o, const unsigned char *p, size_t n)
{
    text_base64(o, p, n, MIME_B64_LINE);
}

void mime_boundary(char out[MIME_BOUNDARY_MAX], const unsigned char rnd[12])
{
    static const char hex[] = "0123456789abcdef";
    static const char prefix[] = "=_smtpscope_";
    memcpy(out, prefix, sizeof prefix - 1);
    size_t k = sizeof prefix - 1;
    for (size_t i = 0; i < 12; i++) {
        out[k++] = hex[rnd[i] >> 4];
        out[k++] = hex[rnd[i] & 15];
    }
    out[k] = '\0';
}

bool mime_text_contains(const char *p, size_t n, const char *needle)
{
    return memmem(p, n, needle, strlen(needle)) != NULL;
}

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {"txt", "text/plain"},         {"text", "text/plain"},      {"log", "text/plain"},
    {"csv", "text/csv"},           {"htm", "text/html"},        {"html", "text/html"},
    {"css", "text/css"},           {"md", "text/markdown"},     {"ics", "text/calendar"},
    {"vcf", "text/vcard"},         {"xml", "application/xml"},  {"json", "application/json"},
    {"js", "text/javascript"},     {"pdf", "application/pdf"},  {"rtf", "application/rtf"},
    {"zip", "application/zip"},    {"gz", "application/gzip"},  {"tgz", "application/gzip"},
    {"tar", "application/x-tar"},  {"7z", "application/x-7z-compressed"},
    {"png", "image/png"},          {"jpg", "image/jpeg"},       {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},          {"webp", "image/webp"},      {"svg", "image/svg+xml"},
    {"bmp", "image/bmp"},          {"tif", "image/tiff"},       {"tiff", "image/tiff"},
    {"ico", "image/vnd.microsoft.icon"},
    {"mp3", "audio/mpeg"},         {"wav", "audio/wav"},        {"ogg", "audio/ogg"},
    {"mp4", "video/mp4"},          {"webm", "video/webm"},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"p7s", "application/pkcs7-signature"}, {"asc", "application/pgp-signature"},
    /* .eml is deliberately absent: message/rfc822 may not be base64-encoded
     * (RFC 2046 §5.2.1) and re-coding it would change its bytes. */
};

const char *mime_type_for(const char *filename)
{
    const char *dot = filename ? strrchr(filename, '.') : NULL;
    if (dot && dot[1]) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (text_ieq(dot + 1, strlen(dot + 1), types[i].ext))
                return types[i].type;
    }
    return "application/octet-stream";
}

/* token chars (RFC 2045 §5.1): CHAR except SPACE, CTLs and tspecials. */
static bool is_token(unsigned char c)
{
    return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

int mime_check_content_type(const char *ct, err *e)
{
    size_t n = strlen(ct), i = 0;
    while (i < n && is_token((unsigned char)ct[i]))
        i++;
    size_t type_len = i;
    if (type_len == 0 || i >= n || ct[i] != '/')
        return err_set(e, ERRC_LOCAL_INPUT, "content type must look like type/subtype");
    i++;
    size_t sub = i;
    while (i < n && is_token((unsigned char)ct[i]))
        i++;
    if (i == sub)
        return err_set(e, ERRC_LOCAL_INPUT, "content type must look like type/subtype");
    if (i < n) {
        size_t k = i;
        while (k < n && (ct[k] == ' ' || ct[k] == '\t'))
            k++;
        if (ct[k] != ';')
            return err_set(e, ERRC_LOCAL_INPUT,
                           "content type has text after type/subtype that is not a parameter");
        for (; k < n; k++)
            if ((unsigned char)ct[k] < 32 || (unsigned char)ct[k] > 126)
                return err_set(e, ERRC_LOCAL_INPUT,
                               "content type parameters must be printable ASCII");
    }
    if (text_ieq(ct, type_len, "multipart") || text_ieq(ct, type_len, "message"))
        return err_set(e, ERRC_LOCAL_INPUT,
                       "an attachment cannot be %.*s/...: composite types may not be "
                       "base64-encoded (RFC 2046 section 5); attach it as "
                       "application/octet-stream", (int)type_len, ct);
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

char *mime_filename_sanitize(const char *in, bool *changed)
{
    *changed = false;
    if (!in)
        in = "";
    const char *base = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    if (base != in)
        *changed = true;
    size_t n = strlen(base);
    char *s = malloc(n + sizeof "attachment");
    if (!s)
        return NULL;
    const unsigned char *p = (const unsigned char *)base;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t len = text_utf8_len(p + i, n - i);
        bool c1 = len == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0; /* U+0080-U+009F */
        if (len == 0 || c1 || p[i] < 0x20 || p[i] == 0x7f || p[i] == '"') {
            s[k++] = '_';
            *changed = true;
            i += len ? len : 1;
            continue;
        }
        memcpy(s + k, p + i, len);
        k += len;
        i += len;
    }
    s[k] = '\0';
    size_t a = 0;
    while (a < k && is_space(s[a]))
        a++;
    while (k > a && is_space(s[k - 1]))
        k--;
    if (a || k != strlen(s))
        *changed = true;
    memmove(s, s + a, k - a);
    k -= a;
    s[k] = '\0';
    if (k > MIME_FILENAME_MAX) {
        /* Keep a short extension so the type stays recognisable. */
        const char *dot = strrchr(s, '.');
        size_t ext = (dot && (size_t)(s + k - dot) <= 16) ? (size_t)(s + k - dot) : 0;
        size_t cut = MIME_FILENAME_MAX - ext;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--; /* do not split a UTF-8 sequence */
        memmove(s + cut, s + k - ext, ext);
        k = cut + ext;
        s[k] = '\0';
        *changed = true;
    }
    if (k == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
        memcpy(s, "attachment", sizeof "attachment");
        *changed = true;
    }
    return s;
}

/* attribute-char of RFC 2231 §7: token chars except '*', '\'' and '%'. */
static bool is_attr_char(unsigned char c)
{
    return is_token(c) && c != '*' && c != '\'' && c != '%';
}

#define PARAM_SEGMENT 60 /* value octets per continuation, keeps lines < 78 */

void mime_write_param(text_out *o, const char *attr, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(value);
    bool token = n > 0, ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        if (!is_token(c))
            token = false;
        if (c >= 0x80 || c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            ascii = false;
    }
    if (n + strlen(attr) <= PARAM_SEGMENT && (token || ascii)) {
        text_puts(o, "; ");
        text_puts(o, attr);
        text_puts(o, token ? "=" : "=\"");
        text_put(o, value, n);
        if (!token)
            text_putc(o, '"');
        return;
    }
    /* RFC 2231: attr*0*=utf-8''..., attr*1*=... — one segment per line;
     * a segment never ends inside a character or a %XX. */
    const unsigned char *p = (const unsigned char *)value;
    size_t i = 0;
    unsigned seg = 0;
    bool single = true;
    {
        size_t enc = 0;
        for (size_t k = 0; k < n; k++)
            enc += is_attr_char(p[k]) ? 1 : 3;
        single = enc + strlen(attr) + 8 <= PARAM_SEGMENT;
    }
    while ((i < n || seg == 0) && !o->failed && seg < 1000) {
        char num[16];
        text_puts(o, "; ");
        text_puts(o, attr);
        if (!single) {
            size_t m = 0;
            unsigned v = seg;
            char rev[12];
            do {
                rev[m++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            size_t q = 0;
            num[q++] = '*';
            while (m)
                num[q++] = rev[--m];
            text_put(o, num, q);
        }
        text_puts(o, seg == 0 ? "*=utf-8''" : "*=");
        size_t used = 0;
        while (i < n) {
            size_t len = text_utf8_len(p + i, n - i);
            if (len == 0)
                len = 1;
            size_t cost = 0;
            for (size_t k = 0; k < len; k++)
                cost += is_attr_char(p[i + k]) ? 1 : 3;
            if (used && used + cost > PARAM_SEGMENT - 8)
                break;
            for (size_t k = 0; k < len; k++) {
                unsigned char c = p[i + k];
                if (is_attr_char(c)) {
                    text_putc(o, (char)c);
                } else {
                    char t[3] = {'%', hex[c >> 4], hex[c & 15]};
                    text_put(o, t, 3);
                }
            }
            used += cost;
            i += len;
        }
        seg++;
    }
}
