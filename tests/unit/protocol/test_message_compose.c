/* test_message_compose.c — unit tests for protocol/message/compose.c.
 *
 * With a fixed clock (TZ=UTC) and a counting random source the output is
 * deterministic, so the simplest message is compared byte for byte. The
 * rest parse what was composed with a small MIME reader written here:
 * every line CR LF and within 998 octets, Bcc nowhere, a 2000-octet text
 * line sent quoted-printable, attachments (all 256 byte values, empty,
 * large, non-ASCII names) decoded with OpenSSL and compared byte for byte,
 * a boundary planted in the text avoided, header injection through every
 * field refused, extra headers replacing defaults, SMTPUTF8 and IDN, the
 * size cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/message/headers.h"
#include "protocol/message/message.h"
#include "protocol/message/mime.h"

#define NOW 1700000000 /* Tue, 14 Nov 2023 22:13:20 UTC */

/* Random bytes 0, 1, 2, ... across calls. */
static int counting_random(void *ctx, unsigned char *out, size_t n)
{
    unsigned *c = ctx;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(*c)++;
    return 0;
}

static int failing_random(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    (void)out;
    (void)n;
    return -1;
}

static unsigned rnd_state;

static msg_spec base_spec(void)
{
    static const msg_mailbox to[] = {{NULL, "bob@example.org"}};
    rnd_state = 0;
    return (msg_spec){
        .from = {"Alice", "alice@example.com"},
        .to = to, .n_to = 1,
        .subject = "Hello",
        .text = "Hi Bob,\n.\nbye\n", .text_len = 14,
        .now = NOW,
        .random = counting_random, .random_ctx = &rnd_state,
    };
}

/* Compose or fail the test; checks the invariants every message keeps. */
static void compose_ok(const msg_spec *s, buf *b, msg_info *info)
{
    buf_init(b, 64u << 20);
    err e;
    err_clear(&e);
    if (msg_compose(s, b, info, &e) != 0)
        fail_msg("compose: %s", e.msg);
    assert_int_equal(info->size, b->len);
    size_t start = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\r') {
            assert_true(i + 1 < b->len && b->data[i + 1] == '\n');
            assert_true(i - start <= 998);
            start = i + 2;
            i++;
        } else {
            assert_true(b->data[i] != '\n');
        }
    }
    assert_int_equal(start, b->len); /* ends with CR LF */
}

/* ---- a small MIME reader for the checks ---- */

typedef struct entity {
    const char *hdr;   /* header section, CR LF terminated lines */
    size_t hdr_len;
    const char *body;
    size_t body_len;
} entity;

static entity split_entity(const char *p, size_t n)
{
    entity en = {.hdr = p};
    const char *sep = memmem(p, n, "\r\n\r\n", 4);
    if (n >= 2 && p[0] == '\r' && p[1] == '\n')
        sep = p - 2; /* no header fields at all */
    assert_non_null(sep);
    en.hdr_len = (size_t)(sep + 2 - p);
    en.body = sep + 4;
    en.body_len = n - (size_t)(en.body - p);
    return en;
}

/* Unfolded value of the first field `name` (allocated), NULL if absent. */
static char *field(const entity *en, const char *name)
{
    size_t nl = strlen(name);
    const char *p = en->hdr, *end = en->hdr + en->hdr_len;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            char *v = malloc((size_t)(end - p) + 1);
            size_t k = 0;
            const char *q = p + nl + 1;
            while (*q == ' ')
                q++;
            for (;;) {
                memcpy(v + k, q, (size_t)(eol - q));
                k += (size_t)(eol - q);
                if (eol + 2 < end && (eol[2] == ' ' || eol[2] == '\t')) {
                    q = eol + 2;
                    eol = memmem(q, (size_t)(end - q), "\r\n", 2);
                    continue;
                }
                break;
            }
            v[k] = '\0';
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

static size_t count_fields(const entity *en, const char *name)
{
    size_t n = 0, nl = strlen(name);
    for (const char *p = en->hdr; p < en->hdr + en->hdr_len;) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':')
            n++;
        p = strstr(p, "\r\n") + 2;
    }
    return n;
}

static char *boundary_of(const entity *en)
{
    char *ct = field(en, "Content-Type");
    assert_non_null(ct);
    char *b = strstr(ct, "boundary=\"");
    assert_non_null(b);
    b += 10;
    *strchr(b, '"') = '\0';
    char *r = strdup(b);
    free(ct);
    return r;
}

/* Split a multipart body into its parts (up to max); returns the count. */
static size_t parts_of(const entity *en, entity *parts, size_t max)
{
    char *bnd = boundary_of(en);
    char delim[100];
    snprintf(delim, sizeof delim, "--%s", bnd);
    size_t dl = strlen(delim);
    const char *p = en->body, *end = en->body + en->body_len;
    /* No line of the content may start with the delimiter except ours. */
    const char *first = memmem(p, (size_t)(end - p), delim, dl);
    assert_non_null(first);
    size_t n = 0;
    const char *cur = first;
    for (;;) {
        assert_true(cur == en->body || cur[-1] == '\n');
        const char *after = cur + dl;
        if (after[0] == '-' && after[1] == '-') {
            assert_memory_equal(after + 2, "\r\n", 2);
            break;
        }
        assert_memory_equal(after, "\r\n", 2);
        const char *start = after + 2;
        const char *next = memmem(start, (size_t)(end - start), delim, dl);
        assert_non_null(next);
        assert_true(n < max);
        /* The CR LF before the delimiter belongs to it (RFC 2046 §5.1.1),
         * so it is not part of the content. */
        assert_memory_equal(next - 2, "\r\n", 2);
        parts[n++] = split_entity(start, (size_t)(next - 2 - start));
        cur = next;
    }
    free(bnd);
    return n;
}

static unsigned char *b64_decode(const char *s, size_t n, size_t *out_len)
{
    char *joined = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n')
            joined[k++] = s[i];
    unsigned char *out = malloc(k / 4 * 3 + 3);
    int got = EVP_DecodeBlock(out, (const unsigned char *)joined, (int)k);
    assert_true(got >= 0);
    size_t pad = 0;
    while (pad < k && joined[k - 1 - pad] == '=')
        pad++;
    *out_len = (size_t)got - pad;
    free(joined);
    return out;
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *qp_decode(const char *s, size_t n, size_t *out_len)
{
    char *out = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && s[i + 1] == '\r') {
            i += 2;
        } else if (s[i] == '=') {
            out[k++] = (char)(hexv(s[i + 1]) << 4 | hexv(s[i + 2]));
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    *out_len = k;
    return out;
}

/* ---- tests ---- */

static void test_simple_exact(void **state)
{
    (void)state;
    msg_spec s = base_spec();
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    const char *want =
        "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
        "From: Alice <alice@example.com>\r\n"
        "To: bob@example.org\r\n"
        "Subject: Hello\r\n"
        "Message-ID: <20231114221320.000102030405060708090a0b0c0d0e0f@example.com>\r\n"
        "X-Mailer: smtpscope " SMTPSCOPE_VERSION "\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "\r\n"
        "Hi Bob,\r\n"
        ".\r\n"
        "bye\r\n";
    assert_string_equal(b.data, want);
    assert_string_equal(info.message_id,
                        "<20231114221320.000102030405060708090a0b0c0d0e0f@example.com>");
    assert_false(info.needs_8bitmime);
    assert_false(info.needs_smtputf8);
    assert_int_equal(info.size, strlen(want));
    buf_free(&b);

    /* Two runs with the real random source differ in Message-ID. */
    s.random = NULL;
    msg_info i1, i2;
    buf b1, b2;
    compose_ok(&s, &b1, &i1);
    compose_ok(&s, &b2, &i2);
    assert_string_not_equal(i1.message_id, i2.message_id);
    assert_non_null(strstr(i1.message_id, "@example.com>"));
    buf_free(&b1);
    buf_free(&b2);
}

static void test_bcc_never_a_header(void **state)
{
    (void)state;
    msg_spec s = base_spec();
    msg_mailbox cc[] = {{"Carol", "carol@example.net"}};
    msg_mailbox bcc[] = {{"Hidden", "secret-rcpt@example.net"}};
    s.cc = cc;
    s.n_cc = 1;
    s.bcc = bcc;
    s.n_bcc = 1;
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    assert_null(strstr(b.data, "secret-rcpt"));
    assert_null(strstr(b.data, "Hidden"));
    assert_null(strcasestr(b.data, "\nBcc:"));
    assert_non_null(strstr(b.data, "\r\nCc: Carol <carol@example.net>\r\n"));
    buf_free(&b);
}

static void test_long_text_line(void **state)
{
    (void)state;
    msg_spec s = base_spec();
    char *text = malloc(2100);
    memcpy(text, "start\n", 6);
    memset(text + 6, 'L', 2000);
    memcpy(text + 2006, "\nend\n", 5);
    s.text = text;
    s.text_len = 2011;
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    entity top = split_entity(b.data, b.len);
    char *cte = field(&top, "Content-Transfer-Encoding");
    assert_string_equal(cte, "quoted-printable");
    free(cte);
    /* No body line over 76, and it decodes to the text with CR LF. */
    for (const char *p = top.body; p < top.body + top.body_len;) {
        const char *eol = strstr(p, "\r\n");
        assert_true(eol - p <= 76);
        p = eol + 2;
    }
    size_t dn;
    char *dec = qp_decode(top.body, top.body_len, &dn);
    assert_int_equal(dn, 2011 + 3);
    assert_memory_equal(dec, "start\r\n", 7);
    assert_memory_equal(dec + 7, text + 6, 2000);
    assert_memory_equal(dec + 2007, "\r\nend\r\n", 7);
    free(dec);
    free(text);
    buf_free(&b);
}

static void test_attachments_roundtrip(void **state)
{
    (void)state;
    unsigned char *all = malloc(256 * 4);
    for (size_t i = 0; i < 256 * 4; i++)
        all[i] = (unsigned char)(i % 256);
    size_t big_n = 300000;
    unsigned char *big = malloc(big_n);
    uint32_t x = 12345;
    for (size_t i = 0; i < big_n; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (unsigned char)(x >> 16);
    }
    const char *longname = "Отчёт за третий квартал с очень длинным названием файла.pdf";
    msg_attachment att[] = {
        {"bytes.bin", all, 256 * 4, NULL},
        {"empty.txt", (const unsigned char *)"", 0, NULL},
        {"/home/user/big.PNG", big, big_n, NULL},
        {longname, (const unsigned char *)"%PDF-1.4\n", 9, NULL},
        {"data", (const unsigned char *)"a\nb\r\n", 5, "text/plain; charset=us-ascii"},
    };
    msg_spec s = base_spec();
    s.html = "<p>Hi Bob</p>\n";
    s.html_len = strlen(s.html);
    s.att = att;
    s.n_att = 5;
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    assert_int_equal(info.renamed_attachments, 1); /* the path was dropped */
    assert_false(info.needs_8bitmime);

    entity top = split_entity(b.data, b.len);
    char *ct = field(&top, "Content-Type");
    assert_non_null(strstr(ct, "multipart/mixed;"));
    free(ct);
    entity parts[8];
    size_t n = parts_of(&top, parts, 8);
    assert_int_equal(n, 6);

    /* Part 1: the alternatives, plain text first. */
    ct = field(&parts[0], "Content-Type");
    assert_non_null(strstr(ct, "multipart/alternative;"));
    free(ct);
    entity alt[4];
    assert_int_equal(parts_of(&parts[0], alt, 4), 2);
    ct = field(&alt[0], "Content-Type");
    assert_string_equal(ct, "text/plain; charset=us-ascii");
    free(ct);
    ct = field(&alt[1], "Content-Type");
    assert_string_equal(ct, "text/html; charset=us-ascii");
    free(ct);
    /* Texts that end in a line break keep it (RFC 2046 §5.1.1). */
    assert_int_equal(alt[0].body_len, strlen("Hi Bob,\r\n.\r\nbye\r\n"));
    assert_memory_equal(alt[0].body, "Hi Bob,\r\n.\r\nbye\r\n", alt[0].body_len);
    assert_int_equal(alt[1].body_len, strlen("<p>Hi Bob</p>\r\n"));
    assert_memory_equal(alt[1].body, "<p>Hi Bob</p>\r\n", alt[1].body_len);

    static const char *const types[] = {"application/octet-stream", "text/plain",
                                        "image/png", "application/pdf", "text/plain"};
    for (size_t i = 0; i < 5; i++) {
        entity *pt = &parts[i + 1];
        char *cte = field(pt, "Content-Transfer-Encoding");
        assert_string_equal(cte, "base64");
        free(cte);
        ct = field(pt, "Content-Type");
        assert_memory_equal(ct, types[i], strlen(types[i]));
        free(ct);
        char *cd = field(pt, "Content-Disposition");
        assert_memory_equal(cd, "attachment;", 11);
        free(cd);
        size_t dn;
        unsigned char *d = b64_decode(pt->body, pt->body_len, &dn);
        assert_int_equal(dn, att[i].len);
        if (dn)
            assert_memory_equal(d, att[i].data, dn);
        free(d);
    }
    char *cd = field(&parts[3], "Content-Disposition");
    assert_string_equal(cd, "attachment; filename=big.PNG");
    free(cd);
    /* The long Cyrillic name: RFC 2231 continuations on short lines. */
    cd = field(&parts[4], "Content-Disposition");
    assert_non_null(strstr(cd, "filename*0*=utf-8''%D0%9E%D1%82%D1%87"));
    assert_non_null(strstr(cd, "; filename*1*="));
    free(cd);
    for (const char *p = parts[4].hdr; p < parts[4].hdr + parts[4].hdr_len;) {
        const char *eol = strstr(p, "\r\n");
        assert_true(eol - p <= 78);
        p = eol + 2;
    }
    free(all);
    free(big);
    buf_free(&b);
}

/* Inside a multipart, a text without a final line break must not gain one,
 * and one with a final break must keep it. */
static void test_multipart_final_line_break(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"no break", "no break"},
        {"one\n", "one\r\n"},
        {"two\n\n", "two\r\n\r\n"},
        {"cr lf\r\n", "cr lf\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msg_spec s = base_spec();
        s.text = cases[i].in;
        s.text_len = strlen(cases[i].in);
        s.html = "<p>x</p>";
        s.html_len = 8;
        buf b;
        msg_info info;
        compose_ok(&s, &b, &info);
        entity top = split_entity(b.data, b.len);
        entity alt[2];
        assert_int_equal(parts_of(&top, alt, 2), 2);
        assert_int_equal(alt[0].body_len, strlen(cases[i].out));
        assert_memory_equal(alt[0].body, cases[i].out, alt[0].body_len);
        assert_int_equal(alt[1].body_len, 8);
        buf_free(&b);
    }
}

static void test_boundary_collision(void **state)
{
    (void)state;
    /* The counting source makes the first boundaries predictable: plant
     * them in the text; the composer must pick others. */
    unsigned char r[24];
    for (int i = 0; i < 24; i++)
        r[i] = (unsigned char)i;
    char b1[MIME_BOUNDARY_MAX], b2[MIME_BOUNDARY_MAX];
    mime_boundary(b1, r);
    mime_boundary(b2, r + 12);
    char text[400];
    snprintf(text, sizeof text, "before\n--%s\ninside\n--%s--\nafter\n", b1, b2);
    msg_spec s = base_spec();
    s.text = text;
    s.text_len = strlen(text);
    s.html = "<b>x</b>";
    s.html_len = 8;
    msg_attachment att[] = {{"a.txt", (const unsigned char *)"A", 1, NULL}};
    s.att = att;
    s.n_att = 1;
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    entity top = split_entity(b.data, b.len);
    char *used = boundary_of(&top);
    assert_string_not_equal(used, b1);
    assert_string_not_equal(used, b2);
    free(used);
    entity parts[4], alt[4];
    assert_int_equal(parts_of(&top, parts, 4), 2);
    assert_int_equal(parts_of(&parts[0], alt, 4), 2);
    /* The planted lines are content, intact (7bit). */
    assert_non_null(memmem(alt[0].body, alt[0].body_len, b1, strlen(b1)));
    buf_free(&b);

    /* A random source that fails is an internal error, not a crash. */
    s.random = failing_random;
    buf_init(&b, 1 << 20);
    err e;
    assert_int_equal(msg_compose(&s, &b, &info, &e), -1);
    assert_int_equal(e.cls, ERRC_INTERNAL);
    buf_free(&b);
}

static void expect_refused(msg_spec *s, const char *word)
{
    buf b;
    buf_init(&b, 1 << 20);
    buf_append_str(&b, "previous content");
    msg_info info;
    err e;
    err_clear(&e);
    if (msg_compose(s, &b, &info, &e) != -1)
        fail_msg("accepted; expected an error about %s:\n%s", word, b.data);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    if (!strstr(e.msg, word))
        fail_msg("\"%s\" lacks \"%s\"", e.msg, word);
    assert_string_equal(b.data, "previous content");
    assert_int_equal(info.size, 0);
    buf_free(&b);
}

static void test_injection(void **state)
{
    (void)state;
    msg_spec s = base_spec();
    s.subject = "Hello\r\nBcc: victim@example.com";
    expect_refused(&s, "CR");
    s.subject = "Hello\nBcc: victim@example.com";
    expect_refused(&s, "LF");

    s = base_spec();
    s.from.name = "Alice\r\nBcc: victim@example.com";
    expect_refused(&s, "CR");
    s = base_spec();
    s.from.addr = "alice@example.com\r\nBcc: victim@example.com";
    expect_refused(&s, "sender address");
    msg_mailbox to[] = {{NULL, "bob@example.org>\r\nRCPT TO:<x@example.com"}};
    s = base_spec();
    s.to = to;
    expect_refused(&s, "To address 1");

    const char *h1[] = {"X-Note: fine\r\nBcc: victim@example.com"};
    s = base_spec();
    s.headers = h1;
    s.n_headers = 1;
    expect_refused(&s, "CR");
    const char *h2[] = {"Bcc\r\nX: y"};
    s.headers = h2;
    expect_refused(&s, "0x0d");
    const char *h2b[] = {"NoColonHere"};
    s.headers = h2b;
    expect_refused(&s, "not of the form");
    const char *h3[] = {"Bad Name: y"};
    s.headers = h3;
    expect_refused(&s, "space");
    const char *h4[] = {": empty name"};
    s.headers = h4;
    expect_refused(&s, "empty");
    const char *h5[] = {"Content-Type: text/html"};
    s.headers = h5;
    expect_refused(&s, "cannot be replaced");

    msg_attachment a1[] = {{"x.txt", (const unsigned char *)"x", 1, "text/plain\r\nBcc: v"}};
    s = base_spec();
    s.att = a1;
    s.n_att = 1;
    expect_refused(&s, "content type");

    /* A file name with CR LF is sanitised, never a header line. */
    msg_attachment a2[] = {{"evil\r\nBcc: victim@example.com\r\n.txt",
                            (const unsigned char *)"x", 1, NULL}};
    s.att = a2;
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    assert_null(strstr(b.data, "\nBcc:"));
    assert_int_equal(info.renamed_attachments, 1);
    assert_non_null(strstr(b.data, "filename=\"evil__Bcc: victim@example.com__.txt\""));
    buf_free(&b);
}

static void test_extra_headers(void **state)
{
    (void)state;
    const char *h[] = {
        "subject: Replaced subject",
        "X-Campaign: spring",
        "Reply-To: help@example.com",
        "Message-ID: <custom.1@example.com>",
        "X-Note: Grüße",
        "X-Empty:",
        "X-Mailer: my app 1.0",
    };
    msg_spec s = base_spec();
    s.headers = h;
    s.n_headers = 7;
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    entity top = split_entity(b.data, b.len);
    assert_int_equal(count_fields(&top, "Subject"), 1);
    char *v = field(&top, "Subject");
    assert_string_equal(v, "Replaced subject");
    free(v);
    assert_int_equal(count_fields(&top, "Message-ID"), 1);
    assert_string_equal(info.message_id, "<custom.1@example.com>");
    v = field(&top, "X-Note");
    assert_string_equal(v, "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=");
    free(v);
    v = field(&top, "X-Mailer");
    assert_string_equal(v, "my app 1.0");
    free(v);
    assert_int_equal(count_fields(&top, "X-Mailer"), 1);
    assert_non_null(strstr(b.data, "\r\nX-Empty:\r\n"));
    assert_non_null(strstr(b.data, "\r\nReply-To: help@example.com\r\n"));
    assert_false(info.needs_8bitmime);
    buf_free(&b);

    /* Non-ASCII in a structured field cannot be encoded: refused. */
    const char *bad[] = {"Reply-To: Jörg <j@example.com>"};
    s = base_spec();
    s.headers = bad;
    s.n_headers = 1;
    expect_refused(&s, "non-ASCII");
}

static void test_utf8_everywhere(void **state)
{
    (void)state;
    msg_mailbox to[] = {{"Bücherwurm", "info@bücher.example"}};
    msg_spec s = base_spec();
    s.from = (msg_mailbox){"Jörg", "joerg@example.com"};
    s.to = to;
    s.subject = "Grüße aus Köln — 日本語";
    s.text = "Grüße\n";
    s.text_len = strlen(s.text);
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    /* An IDN needs no extension: 7-bit message, A-label in the header. */
    assert_false(info.needs_8bitmime);
    assert_false(info.needs_smtputf8);
    assert_non_null(strstr(b.data, "<info@xn--bcher-kva.example>"));
    entity top = split_entity(b.data, b.len);
    char *ct = field(&top, "Content-Type");
    assert_string_equal(ct, "text/plain; charset=utf-8");
    free(ct);
    char *subj = field(&top, "Subject");
    buf d;
    buf_init(&d, 4096);
    err e;
    assert_int_equal(hdr_decode_2047(subj, strlen(subj), &d, &e), 0);
    assert_string_equal(d.data, "Grüße aus Köln — 日本語");
    buf_free(&d);
    free(subj);
    buf_free(&b);

    /* A UTF-8 local part needs SMTPUTF8, and the header carries it raw
     * (RFC 6532), so 8BITMIME too. */
    s.from = (msg_mailbox){NULL, "jörg@example.com"};
    compose_ok(&s, &b, &info);
    assert_true(info.needs_smtputf8);
    assert_true(info.needs_8bitmime);
    assert_non_null(strstr(b.data, "\r\nFrom: jörg@example.com\r\n"));
    assert_non_null(strstr(info.message_id, "@example.com>"));
    buf_free(&b);

    /* A Bcc alone with a UTF-8 local part still sets the flag. */
    msg_mailbox bcc[] = {{NULL, "用户@example.com"}};
    s = base_spec();
    s.bcc = bcc;
    s.n_bcc = 1;
    compose_ok(&s, &b, &info);
    assert_true(info.needs_smtputf8);
    assert_false(info.needs_8bitmime);
    buf_free(&b);
}

static void test_bodies_and_charsets(void **state)
{
    (void)state;
    msg_spec s = base_spec();
    s.text = NULL;
    s.html = "<html><body>only html</body></html>";
    s.html_len = strlen(s.html);
    buf b;
    msg_info info;
    compose_ok(&s, &b, &info);
    entity top = split_entity(b.data, b.len);
    char *ct = field(&top, "Content-Type");
    assert_string_equal(ct, "text/html; charset=us-ascii");
    free(ct);
    buf_free(&b);

    /* No body at all: an empty text/plain. */
    s = base_spec();
    s.text = NULL;
    s.text_len = 0;
    compose_ok(&s, &b, &info);
    top = split_entity(b.data, b.len);
    assert_int_equal(top.body_len, 2);
    buf_free(&b);

    /* Latin-1 bytes are not UTF-8: refused unless the charset is given. */
    s = base_spec();
    s.text = "caf\xe9\n";
    s.text_len = 5;
    expect_refused(&s, "charset");
    s.charset = "iso-8859-1";
    compose_ok(&s, &b, &info);
    top = split_entity(b.data, b.len);
    ct = field(&top, "Content-Type");
    assert_string_equal(ct, "text/plain; charset=iso-8859-1");
    free(ct);
    assert_memory_equal(top.body, "caf=E9\r\n", 8);
    buf_free(&b);
    s.charset = "bad\"charset";
    expect_refused(&s, "charset");
}

static void test_limits(void **state)
{
    (void)state;
    msg_spec s = base_spec();
    buf b;
    buf_init(&b, 100);
    msg_info info;
    err e;
    assert_int_equal(msg_compose(&s, &b, &info, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "100-byte limit"));
    assert_int_equal(b.len, 0);
    buf_free(&b);

    s.from.addr = NULL;
    expect_refused(&s, "sender");
    s = base_spec();
    s.n_headers = MSG_MAX_HEADERS + 1;
    expect_refused(&s, "extra header");
}

int main(void)
{
    /* The Date field uses the local zone: pin it. */
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_exact),
        cmocka_unit_test(test_bcc_never_a_header),
        cmocka_unit_test(test_long_text_line),
        cmocka_unit_test(test_attachments_roundtrip),
        cmocka_unit_test(test_multipart_final_line_break),
        cmocka_unit_test(test_boundary_collision),
        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_extra_headers),
        cmocka_unit_test(test_utf8_everywhere),
        cmocka_unit_test(test_bodies_and_charsets),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
