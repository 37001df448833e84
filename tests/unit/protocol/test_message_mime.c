/* test_message_mime.c — unit tests for protocol/message/mime.c and the
 * base64 encoder in text.c.
 *
 * Quoted-printable against exact expected output and by decoding long
 * inputs back (76-character lines, no =XX split by a soft break); base64
 * decoded with OpenSSL and compared byte for byte, for every length 0-200
 * and for all 256 byte values; the 7bit/QP choice; boundaries; the
 * extension table; content-type validation; file name sanitising; RFC 2231
 * parameters decoded back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/message/mime.h"
#include "protocol/message/text.h"

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A strict QP decoder for checking: only upper-case =XX, soft breaks. */
static size_t qp_decode(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=') {
            if (s[i + 1] == '\r' && s[i + 2] == '\n') {
                i += 2;
                continue;
            }
            assert_true(hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0);
            out[k++] = (char)(hexv(s[i + 1]) << 4 | hexv(s[i + 2]));
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    return k;
}

static void check_qp_lines(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '\r') {
            assert_int_equal(s[i + 1], '\n');
            size_t len = i - start;
            assert_true(len <= MIME_QP_LINE);
            if (len > 0) /* no trailing white space on an encoded line */
                assert_true(s[i - 1] != ' ' && s[i - 1] != '\t');
            start = i + 2;
            i++;
        } else {
            assert_true(s[i] != '\n');
            assert_true((unsigned char)s[i] < 0x80);
        }
    }
}

static void test_qp_exact(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } rows[] = {
        {"hello", 5, "hello\r\n"},
        {"hello\n", 6, "hello\r\n"},
        {"", 0, "\r\n"},
        {"a=b", 3, "a=3Db\r\n"},
        {"trail ", 6, "trail=20\r\n"},
        {"tab\t\nx", 6, "tab=09\r\nx\r\n"},
        {"in the middle ok", 16, "in the middle ok\r\n"},
        {"From here\nFrom", 14, "=46rom here\r\nFrom\r\n"},
        {"caf\xc3\xa9", 5, "caf=C3=A9\r\n"},
        {"a\r\nb\rc\nd", 8, "a\r\nb\r\nc\r\nd\r\n"},
        {"\n\n", 2, "\r\n\r\n"},
        {"nul\0x", 5, "nul=00x\r\n"},
        {".\n", 2, ".\r\n"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf b;
        buf_init(&b, 4096);
        text_out o = {.b = &b};
        mime_write_qp(&o, rows[i].in, rows[i].n);
        assert_int_equal(o.failed, 0);
        if (strcmp(b.data, rows[i].out) != 0)
            fail_msg("%zu: got \"%s\"", i, b.data);
        buf_free(&b);
    }
}

static void test_qp_long(void **state)
{
    (void)state;
    /* 2000 octets on one line, then a line of 300 two-octet characters,
     * then a line of spaces: every encoded line within 76, decodes back. */
    size_t n = 2000 + 1 + 600 + 1 + 200;
    char *in = malloc(n);
    memset(in, 'x', 2000);
    in[2000] = '\n';
    for (size_t i = 0; i < 300; i++)
        memcpy(in + 2001 + 2 * i, "\xc3\xa9", 2);
    in[2601] = '\n';
    memset(in + 2602, ' ', 200);
    buf b;
    buf_init(&b, 1 << 20);
    text_out o = {.b = &b};
    mime_write_qp(&o, in, n);
    check_qp_lines(b.data, b.len);
    char *dec = malloc(b.len);
    size_t dn = qp_decode(b.data, b.len, dec);
    /* Decoded: the input with CR LF line ends and a final CR LF. */
    assert_int_equal(dn, n + 2 + 2);
    assert_memory_equal(dec, in, 2000);
    assert_memory_equal(dec + 2000, "\r\n", 2);
    assert_memory_equal(dec + 2002, in + 2001, 600);
    assert_memory_equal(dec + 2602, "\r\n", 2);
    assert_memory_equal(dec + 2604, in + 2602, 200);
    free(dec);
    free(in);
    buf_free(&b);
}

static void test_pick_cte(void **state)
{
    (void)state;
    char line[1000];
    memset(line, 'a', sizeof line);
    assert_int_equal(mime_pick_cte("plain\r\ntext\n", 12), MIME_7BIT);
    assert_int_equal(mime_pick_cte("", 0), MIME_7BIT);
    assert_int_equal(mime_pick_cte(line, 998), MIME_7BIT);
    assert_int_equal(mime_pick_cte(line, 999), MIME_QP);
    assert_int_equal(mime_pick_cte("caf\xc3\xa9", 5), MIME_QP);
    assert_int_equal(mime_pick_cte("a\0b", 3), MIME_QP);
}

/* Decode base64 body lines with OpenSSL (independent of our encoder). */
static unsigned char *b64_decode(const char *s, size_t n, size_t *out_len)
{
    char *joined = malloc(n + 1);
    size_t k = 0, start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            assert_int_equal(s[i + 1], '\n');
            assert_true(i - start <= MIME_B64_LINE);
            i++;
            start = i + 1;
            continue;
        }
        joined[k++] = s[i];
    }
    assert_int_equal(start, n); /* every line ended with CR LF */
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

static void test_base64_roundtrip(void **state)
{
    (void)state;
    unsigned char all[256 * 3];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (unsigned char)(i * 7 + (i >> 8));
    for (size_t i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    for (size_t n = 0; n <= 200; n++) {
        buf b;
        buf_init(&b, 1 << 16);
        text_out o = {.b = &b};
        mime_write_base64(&o, all, n);
        assert_int_equal(o.failed, 0);
        size_t dn;
        unsigned char *d = b64_decode(b.data ? b.data : "", b.len, &dn);
        assert_int_equal(dn, n);
        if (n)
            assert_memory_equal(d, all, n);
        free(d);
        buf_free(&b);
    }
    buf b;
    buf_init(&b, 1 << 16);
    text_out o = {.b = &b};
    mime_write_base64(&o, all, sizeof all);
    size_t dn;
    unsigned char *d = b64_decode(b.data, b.len, &dn);
    assert_int_equal(dn, sizeof all);
    assert_memory_equal(d, all, sizeof all);
    /* Full lines are exactly 76 characters. */
    assert_memory_equal(b.data + 76, "\r\n", 2);
    free(d);
    buf_free(&b);
}

static void test_boundary(void **state)
{
    (void)state;
    unsigned char r[12] = {0x00, 0x01, 0xfe, 0xff, 1, 2, 3, 4, 5, 6, 7, 8};
    char bnd[MIME_BOUNDARY_MAX];
    mime_boundary(bnd, r);
    assert_string_equal(bnd, "=_smtpscope_0001feff0102030405060708");
    assert_true(strlen(bnd) <= 70);
    assert_true(mime_text_contains("x--=_smtpscope_0001feff0102030405060708y", 40, bnd));
    assert_false(mime_text_contains("=_smtpscope_0001feff010203040506070", 35, bnd));
}

static void test_types(void **state)
{
    (void)state;
    assert_string_equal(mime_type_for("report.pdf"), "application/pdf");
    assert_string_equal(mime_type_for("REPORT.PDF"), "application/pdf");
    assert_string_equal(mime_type_for("photo.JpEg"), "image/jpeg");
    assert_string_equal(mime_type_for("a.tar.gz"), "application/gzip");
    assert_string_equal(mime_type_for("notes.txt"), "text/plain");
    assert_string_equal(mime_type_for("noext"), "application/octet-stream");
    assert_string_equal(mime_type_for("trailing."), "application/octet-stream");
    assert_string_equal(mime_type_for("mail.eml"), "application/octet-stream");
    assert_string_equal(mime_type_for(NULL), "application/octet-stream");

    err e;
    static const char *const ok[] = {"text/plain", "application/vnd.ms-excel",
                                     "text/plain; charset=iso-8859-1", "image/svg+xml"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(mime_check_content_type(ok[i], &e), 0);
    static const char *const bad[] = {"", "text", "text/", "/plain", "te xt/plain",
                                      "text/plain x", "text/plain; a=\r\nBcc: x",
                                      "multipart/mixed", "Message/rfc822"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mime_check_content_type(bad[i], &e), -1);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    }
}

static void test_sanitize(void **state)
{
    (void)state;
    char longname[400];
    memset(longname, 'n', 300);
    memcpy(longname + 300, ".pdf", 5);
    char longutf[400] = "";
    for (int i = 0; i < 120; i++)
        strcat(longutf, "é");
    static const struct {
        const char *in, *out;
        bool changed;
    } rows[] = {
        {"report.pdf", "report.pdf", false},
        {"/etc/passwd", "passwd", true},
        {"..\\..\\windows\\evil.exe", "evil.exe", true},
        {"dir/", "attachment", true},
        {"..", "attachment", true},
        {"", "attachment", true},
        {"  spaced name.txt  ", "spaced name.txt", true},
        {"new\r\nline.txt", "new__line.txt", true},
        {"quote\".txt", "quote_.txt", true},
        {"bad\xff" "utf8.txt", "bad_utf8.txt", true},
        {"c1\xc2\x85.txt", "c1_.txt", true},
        {"Grüße.txt", "Grüße.txt", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool changed;
        char *s = mime_filename_sanitize(rows[i].in, &changed);
        assert_non_null(s);
        if (strcmp(s, rows[i].out) != 0)
            fail_msg("%zu: got \"%s\"", i, s);
        assert_int_equal(changed, rows[i].changed);
        free(s);
    }
    bool changed;
    char *s = mime_filename_sanitize(longname, &changed);
    assert_int_equal(strlen(s), MIME_FILENAME_MAX);
    assert_string_equal(s + MIME_FILENAME_MAX - 4, ".pdf");
    assert_true(changed);
    free(s);
    s = mime_filename_sanitize(longutf, &changed);
    assert_true(strlen(s) <= MIME_FILENAME_MAX);
    assert_true(text_utf8_valid(s, strlen(s)));
    free(s);
}

/* Decode "; attr=..." parameters (plain, quoted, RFC 2231 with or without
 * continuations) back into the value. */
static char *param_value(const char *s, const char *attr)
{
    char *out = calloc(1, 4096);
    size_t k = 0, al = strlen(attr);
    for (const char *p = strstr(s, "; "); p; p = strstr(p + 1, "; ")) {
        const char *a = p + 2;
        if (strncmp(a, attr, al) != 0)
            continue;
        const char *v = a + al;
        bool ext = false;
        if (*v == '*') {
            v++;
            while (*v >= '0' && *v <= '9')
                v++;
            if (*v == '*') {
                ext = true;
                v++;
            }
            if (v[-1] == '*' && v[-2] == attr[al - 1])
                ext = true;
        }
        assert_int_equal(*v, '=');
        v++;
        if (ext && strncmp(v, "utf-8''", 7) == 0)
            v += 7;
        bool quoted = *v == '"';
        if (quoted)
            v++;
        for (; *v && *v != ';' && *v != '\r' && !(quoted && *v == '"'); v++) {
            if (ext && *v == '%') {
                out[k++] = (char)(hexv(v[1]) << 4 | hexv(v[2]));
                v += 2;
            } else {
                out[k++] = *v;
            }
        }
    }
    return out;
}

static void test_params(void **state)
{
    (void)state;
    static const struct {
        const char *value, *out;
    } rows[] = {
        {"report.pdf", "; filename=report.pdf"},
        {"my report.pdf", "; filename=\"my report.pdf\""},
        {"a=b.txt", "; filename=\"a=b.txt\""},
        {"\xe2\x82\xac" "uro.txt", "; filename*=utf-8''%E2%82%ACuro.txt"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf b;
        buf_init(&b, 4096);
        text_out o = {.b = &b};
        mime_write_param(&o, "filename", rows[i].value);
        assert_string_equal(b.data, rows[i].out);
        buf_free(&b);
    }
    static const char *const longs[] = {
        "a very long file name that goes on and on and on beyond sixty octets.txt",
        "Привет мир, это очень длинное имя файла для проверки продолжений.pdf",
        "日本語のファイル名.docx",
    };
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        buf b;
        buf_init(&b, 4096);
        text_out o = {.b = &b};
        mime_write_param(&o, "filename", longs[i]);
        assert_non_null(strstr(b.data, "filename*0*=utf-8''"));
        assert_non_null(strstr(b.data, "; filename*1*="));
        /* Each segment fits a folded line. */
        for (const char *p = b.data; (p = strstr(p, "; ")); p++) {
            const char *q = strstr(p + 1, "; ");
            size_t len = q ? (size_t)(q - p) : strlen(p);
            assert_true(len < 75);
        }
        char *v = param_value(b.data, "filename");
        assert_string_equal(v, longs[i]);
        free(v);
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qp_exact),      cmocka_unit_test(test_qp_long),
        cmocka_unit_test(test_pick_cte),      cmocka_unit_test(test_base64_roundtrip),
        cmocka_unit_test(test_boundary),      cmocka_unit_test(test_types),
        cmocka_unit_test(test_sanitize),      cmocka_unit_test(test_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
