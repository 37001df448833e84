/* test_message_eml.c — unit tests for protocol/message/eml.c.
 *
 * Prepared messages: bare LF and bare CR normalised to CR LF (and counted),
 * a final CR LF added, the header/body split (blank line, no blank line, a
 * line that is not a field, an mbox "From " line), folded Message-ID
 * extraction, 8-bit detection in header (SMTPUTF8) and body (8BITMIME),
 * long lines and NUL reported, the size cap refused with out unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/message/eml.h"

static void prepare(const char *in, size_t n, buf *b, eml_info *info)
{
    buf_init(b, 1 << 20);
    err e;
    err_clear(&e);
    if (eml_prepare(in, n, b, info, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(info->size, b->len);
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\r') {
            assert_true(i + 1 < b->len && b->data[i + 1] == '\n');
            i++;
        } else {
            assert_true(b->data[i] != '\n');
        }
    }
}

static void test_bare_lf(void **state)
{
    (void)state;
    const char *in = "From: a@example.com\nSubject: hi\n\nline 1\nline 2\n";
    buf b;
    eml_info info;
    prepare(in, strlen(in), &b, &info);
    assert_string_equal(b.data, "From: a@example.com\r\nSubject: hi\r\n\r\nline 1\r\nline 2\r\n");
    assert_int_equal(info.n_bare_lf, 5);
    assert_int_equal(info.n_bare_cr, 0);
    assert_int_equal(info.n_fields, 2);
    assert_true(info.has_from);
    assert_false(info.has_date);
    assert_false(info.added_final_crlf);
    assert_false(info.no_body);
    assert_string_equal(b.data + info.body_offset, "line 1\r\nline 2\r\n");
    assert_false(info.needs_8bitmime);
    assert_false(info.needs_smtputf8);
    buf_free(&b);
}

static void test_mixed_endings(void **state)
{
    (void)state;
    /* CR LF kept; bare CR, bare LF, LF CR and CR CR LF all become line
     * breaks, the same rules as the DATA writer. */
    const char in[] = "A: 1\r\nB: 2\rC: 3\n\r\nx\n\ry\r\r\nz";
    buf b;
    eml_info info;
    prepare(in, sizeof in - 1, &b, &info);
    assert_string_equal(b.data, "A: 1\r\nB: 2\r\nC: 3\r\n\r\nx\r\n\r\ny\r\n\r\nz\r\n");
    assert_int_equal(info.n_bare_cr, 3);
    assert_int_equal(info.n_bare_lf, 2);
    assert_true(info.added_final_crlf);
    assert_int_equal(info.n_fields, 3);
    assert_string_equal(b.data + info.body_offset, "x\r\n\r\ny\r\n\r\nz\r\n");
    buf_free(&b);
}

static void test_header_shapes(void **state)
{
    (void)state;
    buf b;
    eml_info info;
    /* No blank line: all header. */
    const char *a = "From: a@example.com\nDate: Tue, 14 Nov 2023 22:13:20 +0000";
    prepare(a, strlen(a), &b, &info);
    assert_true(info.no_body);
    assert_int_equal(info.body_offset, info.size);
    assert_true(info.has_date);
    buf_free(&b);

    /* A line that is no field ends the header; the body starts there. */
    const char *c = "From: a@example.com\nthis is text\nmore\n";
    prepare(c, strlen(c), &b, &info);
    assert_int_equal(info.bad_header_line, 2);
    assert_false(info.no_body);
    assert_string_equal(b.data + info.body_offset, "this is text\r\nmore\r\n");
    buf_free(&b);

    /* Continuation lines, a folded Message-ID, an mbox separator. */
    const char *d = "From sender@example.com Tue Nov 14 22:13:20 2023\n"
                    "Subject: a\n  folded subject\n"
                    "Message-ID:\n  <abc.123@example.com>  \n"
                    "X-Empty:\n"
                    "\n"
                    "Body: not a field\n";
    prepare(d, strlen(d), &b, &info);
    assert_true(info.mbox_from);
    assert_int_equal(info.n_fields, 3);
    assert_true(info.has_message_id);
    assert_string_equal(info.message_id, "<abc.123@example.com>");
    assert_string_equal(b.data + info.body_offset, "Body: not a field\r\n");
    buf_free(&b);

    /* A continuation before any field is not one. */
    const char *f = " leading white space\nFrom: x\n";
    prepare(f, strlen(f), &b, &info);
    assert_int_equal(info.bad_header_line, 1);
    assert_int_equal(info.body_offset, 0);
    assert_int_equal(info.n_fields, 0);
    buf_free(&b);

    /* A Message-ID with a control character is not reported. */
    const char g[] = "Message-ID: <a\x01" "b@example.com>\n\nx\n";
    prepare(g, sizeof g - 1, &b, &info);
    assert_true(info.has_message_id);
    assert_string_equal(info.message_id, "");
    buf_free(&b);

    /* Empty input. */
    prepare("", 0, &b, &info);
    assert_int_equal(info.size, 0);
    assert_true(info.no_body);
    assert_false(info.added_final_crlf);
    buf_free(&b);
}

static void test_eight_bit(void **state)
{
    (void)state;
    buf b;
    eml_info info;
    const char *utf8_hdr = "From: j\xc3\xb6rg@example.com\nSubject: Gr\xc3\xbc\xc3\x9f" "e\n\nplain\n";
    prepare(utf8_hdr, strlen(utf8_hdr), &b, &info);
    assert_true(info.header_8bit);
    assert_true(info.header_utf8);
    assert_false(info.body_8bit);
    assert_true(info.needs_smtputf8);
    assert_true(info.needs_8bitmime);
    buf_free(&b);

    const char *latin1_hdr = "Subject: caf\xe9\n\nx\n";
    prepare(latin1_hdr, strlen(latin1_hdr), &b, &info);
    assert_true(info.header_8bit);
    assert_false(info.header_utf8);
    buf_free(&b);

    const char *body8 = "Subject: x\nContent-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n";
    prepare(body8, strlen(body8), &b, &info);
    assert_false(info.header_8bit);
    assert_true(info.body_8bit);
    assert_true(info.needs_8bitmime);
    assert_false(info.needs_smtputf8);
    buf_free(&b);

    /* 8-bit text on a line that ends the header counts as body. */
    const char *bad = "From: x\nn\xc3\xa9 header\n";
    prepare(bad, strlen(bad), &b, &info);
    assert_false(info.header_8bit);
    assert_true(info.body_8bit);
    buf_free(&b);
}

static void test_long_lines_and_nul(void **state)
{
    (void)state;
    size_t n = 20 + 1500 + 1 + 998 + 1;
    char *in = malloc(n);
    memcpy(in, "Subject: long\n\n", 15);
    memset(in + 15, 'x', 1500 + 5);
    in[1520] = '\n';
    memset(in + 1521, 'y', 998);
    in[2519] = '\n';
    buf b;
    eml_info info;
    prepare(in, 2520, &b, &info);
    assert_int_equal(info.longest_line, 1505);
    assert_int_equal(info.n_long_lines, 1);
    assert_false(info.has_nul);
    buf_free(&b);
    free(in);

    const char nul[] = "Subject: x\n\na\0b\n";
    prepare(nul, sizeof nul - 1, &b, &info);
    assert_true(info.has_nul);
    assert_int_equal(b.len, sizeof nul - 1 + 3);
    buf_free(&b);
}

static void test_cap(void **state)
{
    (void)state;
    const char *in = "Subject: x\n\nbody\n"; /* 17 bytes, 20 normalised */
    buf b;
    buf_init(&b, 30);
    buf_append_str(&b, "0123456789A"); /* 19 left */
    eml_info info;
    err e;
    err_clear(&e);
    assert_int_equal(eml_prepare(in, strlen(in), &b, &info, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "20 octets"));
    assert_non_null(strstr(e.msg, "19"));
    assert_string_equal(b.data, "0123456789A");
    buf_consume(&b, 1);
    assert_int_equal(eml_prepare(in, strlen(in), &b, &info, &e), 0);
    assert_string_equal(b.data, "123456789ASubject: x\r\n\r\nbody\r\n");
    assert_int_equal(info.size, 20);
    assert_int_equal(info.body_offset, 14);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bare_lf),      cmocka_unit_test(test_mixed_endings),
        cmocka_unit_test(test_header_shapes), cmocka_unit_test(test_eight_bit),
        cmocka_unit_test(test_long_lines_and_nul), cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
