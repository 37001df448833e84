/* eml.c — prepared message normalisation and inspection (eml.h).
 *
 * RFC 5322 §2.1 (header section, then an empty line, then the body), §2.2
 * (field = name ":" value; a line starting with white space continues the
 * previous field), §2.1.1 (998-octet lines); RFC 5321 §2.3.8 (CR LF only);
 * RFC 6532 §3 (UTF-8 header fields need SMTPUTF8); RFC 6152 (8BITMIME).
 * Two passes over the input: one counts the output so the cap is checked
 * before anything is written, one copies line by line. */
#include <string.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/message/eml.h"
#include "protocol/message/text.h"

typedef struct scan {
    eml_info *info;
    size_t line_no;
    bool in_header;
    bool header_valid_utf8;
    bool in_mid;              /* the current field is Message-ID */
    size_t mid_start, mid_end; /* its value in the output */
} scan;

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* Field name length (up to ':') when the line starts a field, else 0. */
static size_t field_name(const char *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)l[i];
        if (c == ':')
            return i;
        if (c < 33 || c > 126)
            return 0;
    }
    return 0;
}

static void end_header(scan *s, size_t body_offset)
{
    s->in_header = false;
    s->in_mid = false;
    s->info->body_offset = body_offset;
}

/* Look at one line l[0..n) that was copied to the output at `at`. */
static void header_line(scan *s, const char *l, size_t n, size_t at)
{
    eml_info *info = s->info;
    if (s->line_no == 1 && n >= 5 && memcmp(l, "From ", 5) == 0) {
        info->mbox_from = true;
        return;
    }
    if (n == 0) {
        end_header(s, at + 2);
        return;
    }
    if (is_wsp(l[0]) && info->n_fields > 0) {
        if (s->in_mid)
            s->mid_end = at + n;
        return;
    }
    size_t name = field_name(l, n);
    if (name == 0) {
        info->bad_header_line = s->line_no;
        end_header(s, at);
        return;
    }
    info->n_fields++;
    s->in_mid = false;
    if (text_ieq(l, name, "From"))
        info->has_from = true;
    else if (text_ieq(l, name, "Date"))
        info->has_date = true;
    else if (text_ieq(l, name, "Message-ID")) {
        info->has_message_id = true;
        s->in_mid = true;
        s->mid_start = at + name + 1;
        s->mid_end = at + n;
    }
}

/* The last Message-ID value, unfolded and trimmed, kept only when it is
 * printable ASCII that fits (it may be shown to the user and put in JSON). */
static void take_message_id(const scan *s, const buf *out)
{
    char *id = s->info->message_id;
    size_t k = 0;
    for (size_t i = s->mid_start; i < s->mid_end; i++) {
        char c = out->data[i];
        if (c == '\r' || c == '\n')
            continue;
        if ((unsigned char)c < 32 || (unsigned char)c > 126 || k + 1 >= EML_ID_MAX) {
            id[0] = '\0';
            return;
        }
        if (k == 0 && is_wsp(c))
            continue;
        id[k++] = c;
    }
    while (k && is_wsp(id[k - 1]))
        k--;
    id[k] = '\0';
}

static size_t count_output(const char *in, size_t n)
{
    size_t out = n;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\r' && (i + 1 == n || in[i + 1] != '\n'))
            out++;
        else if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
            out++;
    }
    if (n && in[n - 1] != '\r' && in[n - 1] != '\n')
        out += 2;
    return out;
}

int eml_prepare(const char *in, size_t n, buf *out, eml_info *info, err *e)
{
    memset(info, 0, sizeof *info);
    size_t need = count_output(in, n);
    size_t room = out->len < out->max ? out->max - out->len : 0;
    if (need > room)
        return err_set(e, ERRC_LOCAL_INPUT,
                       "the message is %zu octets with CR LF line endings; the limit is %zu",
                       need, room);
    size_t start = out->len;
    text_out o = {.b = out};
    scan s = {.info = info, .in_header = true, .header_valid_utf8 = true};
    size_t i = 0;
    while (i < n && !o.failed) {
        size_t j = i;
        while (j < n && in[j] != '\r' && in[j] != '\n')
            j++;
        const char *l = in + i;
        size_t len = j - i;
        s.line_no++;
        size_t at = out->len - start;
        text_put(&o, l, len);
        text_put(&o, "\r\n", 2);
        if (len > info->longest_line)
            info->longest_line = len;
        if (len > EML_MAX_LINE)
            info->n_long_lines++;
        if (memchr(l, '\0', len))
            info->has_nul = true;
        if (s.in_header)
            header_line(&s, l, len, at);
        bool eight = text_has_8bit(l, len);
        /* header_line has already moved a blank or non-field line out of
         * the header section, so it counts as body here. */
        if (s.in_header) {
            if (eight) {
                info->header_8bit = true;
                if (!text_utf8_valid(l, len))
                    s.header_valid_utf8 = false;
            }
        } else if (eight) {
            info->body_8bit = true;
        }
        if (j == n) {
            info->added_final_crlf = true;
            break;
        }
        if (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n') {
            i = j + 2;
        } else {
            if (in[j] == '\r')
                info->n_bare_cr++;
            else
                info->n_bare_lf++;
            i = j + 1;
        }
    }
    if (text_out_check(&o, e) < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        memset(info, 0, sizeof *info);
        return -1;
    }
    info->size = out->len - start;
    /* The empty line that ends the header counts as header; a line that
     * ended it by not being a field belongs to the body. */
    if (s.in_header) {
        info->no_body = true;
        info->body_offset = info->size;
    }
    if (info->has_message_id)
        take_message_id(&s, &(buf){.data = out->data + start, .len = info->size});
    info->header_utf8 = info->header_8bit && s.header_valid_utf8;
    info->needs_8bitmime = info->header_8bit || info->body_8bit;
    info->needs_smtputf8 = info->header_8bit;
    return 0;
}
