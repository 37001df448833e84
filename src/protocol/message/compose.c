/* compose.c — msg_compose: validate a msg_spec and write the message.
 *
 * RFC 5322 §3.6 (required Date and From, Message-ID, destination fields;
 * Bcc never written here: blind recipients exist only in the envelope),
 * RFC 2045 §4 (MIME-Version), RFC 2046 §5.1 (multipart/mixed and
 * multipart/alternative, plain text first because the last alternative is
 * the preferred one), RFC 2183 (Content-Disposition). All validation happens
 * before the first byte is written, and a failure later (the size cap)
 * truncates the buffer back, so the caller never sees half a message. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/message/addr.h"
#include "protocol/message/headers.h"
#include "protocol/message/message.h"
#include "protocol/message/mime.h"
#include "protocol/message/text.h"

int msg_random_default(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    return (n <= 0x7fffffff && RAND_bytes(out, (int)n) == 1) ? 0 : -1;
}

typedef struct extra {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} extra;

typedef struct part_text {
    const char *p;
    size_t n;
    mime_cte cte;
    const char *charset;
} part_text;

typedef struct compose {
    const msg_spec *s;
    addr from;
    addr *to, *cc;
    extra *x;
    char **att_names;
    bool smtputf8;
    part_text text, html;
    bool has_text, has_html;
    char b_mixed[MIME_BOUNDARY_MAX], b_alt[MIME_BOUNDARY_MAX];
} compose;

static bool overridden(const compose *c, const char *name)
{
    for (size_t i = 0; i < c->s->n_headers; i++)
        if (text_ieq(c->x[i].name, c->x[i].name_len, name))
            return true;
    return false;
}

static int parse_boxes(const msg_mailbox *list, size_t n, addr **out, bool *utf8,
                       const char *what, err *e)
{
    *out = NULL;
    if (n == 0)
        return 0;
    if (!list)
        return err_set(e, ERRC_INTERNAL, "%s list is NULL", what);
    *out = calloc(n, sizeof **out);
    if (!*out)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (addr_parse(list[i].addr, &(*out)[i], e) < 0) {
            char why[sizeof e->msg];
            snprintf(why, sizeof why, "%s", e ? e->msg : "");
            return err_set(e, ERRC_LOCAL_INPUT, "%s address %zu: %s", what, i + 1, why);
        }
        if ((*out)[i].smtputf8)
            *utf8 = true;
    }
    return 0;
}

static void free_boxes(addr *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        addr_clear(&a[i]);
    free(a);
}

static int parse_extras(compose *c, err *e)
{
    const msg_spec *s = c->s;
    if (s->n_headers > MSG_MAX_HEADERS)
        return err_set(e, ERRC_LOCAL_INPUT, "%zu extra header fields; at most %d are allowed",
                       s->n_headers, MSG_MAX_HEADERS);
    if (s->n_headers == 0)
        return 0;
    c->x = calloc(s->n_headers, sizeof *c->x);
    if (!c->x)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    for (size_t i = 0; i < s->n_headers; i++) {
        const char *h = s->headers[i];
        const char *colon = h ? strchr(h, ':') : NULL;
        if (!colon)
            return err_set(e, ERRC_LOCAL_INPUT,
                           "extra header %zu is not of the form \"Name: value\"", i + 1);
        extra *x = &c->x[i];
        x->name = h;
        x->name_len = (size_t)(colon - h);
        if (hdr_check_name(x->name, x->name_len, e) < 0)
            return -1;
        x->value = colon + 1;
        while (*x->value == ' ' || *x->value == '\t')
            x->value++;
        x->value_len = strlen(x->value);
        char what[HDR_MAX_NAME + 32];
        snprintf(what, sizeof what, "%.*s header field", (int)x->name_len, x->name);
        if (hdr_check_value(x->value, x->value_len, what, e) < 0)
            return -1;
        if (text_ieq(x->name, x->name_len, "Content-Type") ||
            text_ieq(x->name, x->name_len, "Content-Transfer-Encoding") ||
            text_ieq(x->name, x->name_len, "MIME-Version"))
            return err_set(e, ERRC_LOCAL_INPUT,
                           "the %.*s header field cannot be replaced: the composer writes the "
                           "MIME structure itself (send a hand-made message as a prepared "
                           "file instead)", (int)x->name_len, x->name);
    }
    return 0;
}

static int check_body(part_text *t, const char *p, size_t n, const char *charset,
                      const char *what, err *e)
{
    t->p = p ? p : "";
    t->n = p ? n : 0;
    t->cte = mime_pick_cte(t->p, t->n);
    if (charset) {
        for (const char *q = charset; *q; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                  (*q >= '0' && *q <= '9') || strchr("-_.:+", *q)))
                return err_set(e, ERRC_LOCAL_INPUT, "charset \"%.40s\" is not a valid name",
                               charset);
        if (!*charset || strlen(charset) > 40)
            return err_set(e, ERRC_LOCAL_INPUT, "charset name is empty or too long");
        t->charset = charset;
    } else if (text_has_8bit(t->p, t->n)) {
        if (!text_utf8_valid(t->p, t->n))
            return err_set(e, ERRC_LOCAL_INPUT,
                           "the %s is not valid UTF-8; give its charset", what);
        t->charset = "utf-8";
    } else {
        t->charset = "us-ascii";
    }
    return 0;
}

static int get_random(const msg_spec *s, unsigned char *out, size_t n, err *e)
{
    msg_random_fn f = s->random ? s->random : msg_random_default;
    if (f(s->random_ctx, out, n) < 0)
        return err_set(e, ERRC_INTERNAL, "the random number source failed");
    return 0;
}

/* Boundaries: only a 7bit part can contain one (see mime_boundary); retry
 * with fresh randomness the (astronomically unlikely, or adversarial) time
 * one does. */
static int pick_boundaries(compose *c, err *e)
{
    bool mixed = c->s->n_att > 0, alt = c->has_text && c->has_html;
    if (!mixed && !alt)
        return 0; /* a single part needs none */
    for (int tries = 0; tries < 16; tries++) {
        unsigned char r[24];
        if (get_random(c->s, r, sizeof r, e) < 0)
            return -1;
        mime_boundary(c->b_mixed, r);
        mime_boundary(c->b_alt, r + 12);
        if (mixed && alt && strcmp(c->b_mixed, c->b_alt) == 0)
            continue;
        bool clash = false;
        const part_text *parts[2] = {&c->text, &c->html};
        for (int k = 0; k < 2; k++) {
            const part_text *t = parts[k];
            if (t->cte == MIME_7BIT && (mime_text_contains(t->p, t->n, c->b_mixed) ||
                                        mime_text_contains(t->p, t->n, c->b_alt)))
                clash = true;
        }
        if (!clash)
            return 0;
    }
    return err_set(e, ERRC_INTERNAL, "could not find a MIME boundary absent from the content");
}

/* Inside a multipart, the CRLF before a boundary delimiter belongs to the
 * delimiter (RFC 2046 section 5.1.1): a text that ends in a line break needs
 * one more CRLF or the receiver loses its last line break. The line writers
 * end every line, so a text without a final break already ends right. */
static void write_text_entity(text_out *o, const part_text *t, const char *subtype,
                              bool in_multipart)
{
    text_puts(o, "Content-Type: text/");
    text_puts(o, subtype);
    text_puts(o, "; charset=");
    text_puts(o, t->charset);
    text_puts(o, "\r\nContent-Transfer-Encoding: ");
    text_puts(o, t->cte == MIME_7BIT ? "7bit" : "quoted-printable");
    text_puts(o, "\r\n\r\n");
    if (t->cte == MIME_7BIT)
        mime_write_7bit(o, t->p, t->n);
    else
        mime_write_qp(o, t->p, t->n);
    if (in_multipart && t->n > 0 && (t->p[t->n - 1] == '\n' || t->p[t->n - 1] == '\r'))
        text_puts(o, "\r\n");
}

/* The body proper: plain text, HTML, or both as alternatives. */
static void write_content_entity(text_out *o, const compose *c, bool in_multipart)
{
    if (c->has_text && c->has_html) {
        text_puts(o, "Content-Type: multipart/alternative;\r\n boundary=\"");
        text_puts(o, c->b_alt);
        text_puts(o, "\"\r\n\r\n--");
        text_puts(o, c->b_alt);
        text_puts(o, "\r\n");
        write_text_entity(o, &c->text, "plain", true);
        text_puts(o, "--");
        text_puts(o, c->b_alt);
        text_puts(o, "\r\n");
        write_text_entity(o, &c->html, "html", true);
        text_puts(o, "--");
        text_puts(o, c->b_alt);
        text_puts(o, "--\r\n");
    } else if (c->has_html) {
        write_text_entity(o, &c->html, "html", in_multipart);
    } else {
        write_text_entity(o, &c->text, "plain", in_multipart);
    }
}

static int write_attachment(text_out *o, const msg_attachment *a, const char *name, err *e)
{
    buf line;
    buf_init(&line, 4096);
    text_out lo = {.b = &line};
    text_puts(&lo, "Content-Type: ");
    text_puts(&lo, a->content_type ? a->content_type : mime_type_for(name));
    mime_write_param(&lo, "name", name);
    int rc = text_out_check(&lo, e);
    if (rc == 0)
        rc = hdr_fold(o, line.data, line.len, HDR_FOLD, true, e);
    buf_reset(&line);
    text_puts(&lo, "Content-Disposition: attachment");
    mime_write_param(&lo, "filename", name);
    if (rc == 0)
        rc = text_out_check(&lo, e);
    if (rc == 0)
        rc = hdr_fold(o, line.data, line.len, HDR_FOLD, true, e);
    buf_free(&line);
    if (rc < 0)
        return -1;
    /* Always base64: the only encoding that gives back every byte as it was
     * (QP would canonicalise a text file's line endings). */
    text_puts(o, "Content-Transfer-Encoding: base64\r\n\r\n");
    mime_write_base64(o, a->data, a->len);
    /* An empty file writes no line: the next delimiter's CRLF would
     * otherwise eat the blank line that ends this part's header. */
    if (a->len == 0)
        text_puts(o, "\r\n");
    return 0;
}

static int write_body(text_out *o, const compose *c, err *e)
{
    const msg_spec *s = c->s;
    if (s->n_att == 0) {
        write_content_entity(o, c, false);
        return 0;
    }
    text_puts(o, "Content-Type: multipart/mixed;\r\n boundary=\"");
    text_puts(o, c->b_mixed);
    text_puts(o, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n--");
    text_puts(o, c->b_mixed);
    text_puts(o, "\r\n");
    write_content_entity(o, c, true);
    for (size_t i = 0; i < s->n_att; i++) {
        text_puts(o, "--");
        text_puts(o, c->b_mixed);
        text_puts(o, "\r\n");
        if (write_attachment(o, &s->att[i], c->att_names[i], e) < 0)
            return -1;
    }
    text_puts(o, "--");
    text_puts(o, c->b_mixed);
    text_puts(o, "--\r\n");
    return 0;
}

/* Unstructured fields may be encoded; any other extension field is written
 * as given, encoded only when it is an X- field with non-ASCII text. */
static int write_extra(text_out *o, const compose *c, const extra *x, err *e)
{
    char name[HDR_MAX_NAME + 1];
    memcpy(name, x->name, x->name_len);
    name[x->name_len] = '\0';
    bool text = text_ieq(name, x->name_len, "Subject") || text_ieq(name, x->name_len, "Comments");
    bool xfield = x->name_len > 2 && (name[0] == 'X' || name[0] == 'x') && name[1] == '-';
    if (text || (xfield && !c->smtputf8 && text_has_8bit(x->value, x->value_len)))
        return hdr_write_text(o, name, x->value, x->value_len, e);
    return hdr_write_raw(o, name, x->value, x->value_len, c->smtputf8, e);
}

static void to_hdr_list(const addr *a, const msg_mailbox *m, size_t n, hdr_mailbox *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (hdr_mailbox){.display = m[i].name, .mailbox = a[i].mailbox};
}

static int write_addr_field(text_out *o, const compose *c, const char *name, const addr *a,
                            const msg_mailbox *m, size_t n, err *e)
{
    if (n == 0 || overridden(c, name))
        return 0;
    hdr_mailbox *l = calloc(n, sizeof *l);
    if (!l)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    to_hdr_list(a, m, n, l);
    int rc = hdr_write_addresses(o, name, l, n, e);
    free(l);
    return rc;
}

static void take_message_id(const compose *c, msg_info *info)
{
    for (size_t i = 0; i < c->s->n_headers; i++) {
        const extra *x = &c->x[i];
        if (text_ieq(x->name, x->name_len, "Message-ID") && x->value_len < MSG_ID_MAX) {
            memcpy(info->message_id, x->value, x->value_len);
            info->message_id[x->value_len] = '\0';
        }
    }
}

static int write_headers(text_out *o, compose *c, msg_info *info, err *e)
{
    const msg_spec *s = c->s;
    time_t now = s->now ? s->now : time(NULL);
    if (!overridden(c, "Date")) {
        struct tm tm;
        long off = localtime_r(&now, &tm) ? tm.tm_gmtoff : 0;
        char date[HDR_DATE_SIZE];
        hdr_format_date(date, now, off);
        if (hdr_write_raw(o, "Date", date, strlen(date), false, e) < 0)
            return -1;
    }
    if (!overridden(c, "From")) {
        hdr_mailbox f = {.display = s->from.name, .mailbox = c->from.mailbox};
        if (hdr_write_addresses(o, "From", &f, 1, e) < 0)
            return -1;
    }
    if (write_addr_field(o, c, "To", c->to, s->to, s->n_to, e) < 0 ||
        write_addr_field(o, c, "Cc", c->cc, s->cc, s->n_cc, e) < 0)
        return -1;
    if (s->subject && !overridden(c, "Subject") &&
        hdr_write_text(o, "Subject", s->subject, strlen(s->subject), e) < 0)
        return -1;
    if (overridden(c, "Message-ID")) {
        take_message_id(c, info);
    } else {
        /* <time.random@sender-domain>: unique without any state (RFC 5322
         * §3.6.4); 128 random bits make a collision out of the question. */
        unsigned char r[16];
        if (get_random(s, r, sizeof r, e) < 0)
            return -1;
        struct tm g;
        char stamp[32] = "0";
        if (gmtime_r(&now, &g))
            strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &g);
        char hex[33];
        for (size_t i = 0; i < sizeof r; i++)
            snprintf(hex + 2 * i, 3, "%02x", r[i]);
        int n = snprintf(info->message_id, MSG_ID_MAX, "<%s.%s@%s>", stamp, hex,
                         c->from.domain);
        if (n < 0 || n >= MSG_ID_MAX)
            return err_set(e, ERRC_INTERNAL, "Message-ID does not fit");
        if (hdr_write_raw(o, "Message-ID", info->message_id, (size_t)n, false, e) < 0)
            return -1;
    }
    if (!overridden(c, "X-Mailer"))
        text_puts(o, "X-Mailer: smtpscope " SMTPSCOPE_VERSION "\r\n");
    for (size_t i = 0; i < s->n_headers; i++)
        if (write_extra(o, c, &c->x[i], e) < 0)
            return -1;
    text_puts(o, "MIME-Version: 1.0\r\n");
    return text_out_check(o, e);
}

static int validate(compose *c, msg_info *info, err *e)
{
    const msg_spec *s = c->s;
    if (!s->from.addr)
        return err_set(e, ERRC_LOCAL_INPUT, "no sender (From) address given");
    if (s->n_to + s->n_cc + s->n_bcc > MSG_MAX_RECIPIENTS)
        return err_set(e, ERRC_LOCAL_INPUT, "too many recipients; at most %d are allowed",
                       MSG_MAX_RECIPIENTS);
    if (s->n_att > MSG_MAX_ATTACHMENTS)
        return err_set(e, ERRC_LOCAL_INPUT, "too many attachments; at most %d are allowed",
                       MSG_MAX_ATTACHMENTS);
    if (addr_parse(s->from.addr, &c->from, e) < 0) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e ? e->msg : "");
        return err_set(e, ERRC_LOCAL_INPUT, "sender address: %s", why);
    }
    c->smtputf8 = c->from.smtputf8;
    addr *bcc = NULL;
    int rc = parse_boxes(s->to, s->n_to, &c->to, &c->smtputf8, "To", e);
    if (rc == 0)
        rc = parse_boxes(s->cc, s->n_cc, &c->cc, &c->smtputf8, "Cc", e);
    if (rc == 0)
        rc = parse_boxes(s->bcc, s->n_bcc, &bcc, &c->smtputf8, "Bcc", e);
    free_boxes(bcc, s->n_bcc);
    if (rc < 0)
        return -1;
    if (parse_extras(c, e) < 0)
        return -1;
    c->has_html = s->html != NULL;
    c->has_text = s->text != NULL || !c->has_html;
    if (check_body(&c->text, s->text, s->text_len, s->charset, "text body", e) < 0 ||
        check_body(&c->html, s->html, s->html_len, s->charset, "HTML body", e) < 0)
        return -1;
    if (s->n_att) {
        c->att_names = calloc(s->n_att, sizeof *c->att_names);
        if (!c->att_names)
            return err_set(e, ERRC_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < s->n_att; i++) {
        const msg_attachment *a = &s->att[i];
        if (!a->data && a->len)
            return err_set(e, ERRC_INTERNAL, "attachment %zu has no data", i + 1);
        if (a->content_type && mime_check_content_type(a->content_type, e) < 0)
            return -1;
        bool changed;
        c->att_names[i] = mime_filename_sanitize(a->filename, &changed);
        if (!c->att_names[i])
            return err_set(e, ERRC_INTERNAL, "out of memory");
        info->renamed_attachments += changed;
    }
    return pick_boundaries(c, e);
}

static void compose_free(compose *c)
{
    const msg_spec *s = c->s;
    addr_clear(&c->from);
    free_boxes(c->to, s->n_to);
    free_boxes(c->cc, s->n_cc);
    free(c->x);
    for (size_t i = 0; c->att_names && i < s->n_att; i++)
        free(c->att_names[i]);
    free(c->att_names);
}

int msg_compose(const msg_spec *spec, buf *out, msg_info *info, err *e)
{
    memset(info, 0, sizeof *info);
    compose c = {.s = spec};
    size_t start = out->len;
    text_out o = {.b = out};
    int rc = -1;
    if (validate(&c, info, e) < 0 || write_headers(&o, &c, info, e) < 0 ||
        write_body(&o, &c, e) < 0 || text_out_check(&o, e) < 0)
        goto out;
    info->size = out->len - start;
    info->needs_smtputf8 = c.smtputf8;
    info->needs_8bitmime = text_has_8bit(out->data + start, info->size);
    rc = 0;
out:
    if (rc < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        memset(info, 0, sizeof *info);
    }
    compose_free(&c);
    return rc;
}
