/* test_message_headers.c — unit tests for protocol/message/headers.c.
 *
 * Encoded words checked against the examples of RFC 2047 §8 (both the
 * encoder, word for word, and the decoder with its white-space rules);
 * folding (no line over 78, or 76 with encoded words, unfolding gives the
 * value back, never a white-space-only line); the 998-octet limit; CR/LF
 * injection through a value; field names; Date formatting for several
 * zones; address fields with plain, quoted and encoded display names. */
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
#include "protocol/message/headers.h"
#include "protocol/message/text.h"

/* Every line ends in CR LF, none is longer than max or white space only. */
static void check_lines(const char *s, size_t n, size_t max)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            assert_true(i + 1 < n && s[i + 1] == '\n');
            size_t len = i - start;
            if (len > max)
                fail_msg("line of %zu > %zu: %.*s", len, max, (int)len, s + start);
            size_t k = start;
            while (k < i && (s[k] == ' ' || s[k] == '\t'))
                k++;
            assert_true(k < i); /* not empty or white space only */
            start = i + 2;
            i++;
        } else {
            assert_true(s[i] != '\n');
        }
    }
    assert_int_equal(start, n); /* ends with CR LF */
}

/* RFC 5322 §2.2.3 unfolding: drop each CR LF followed by white space, and
 * the final CR LF. */
static char *unfold(const char *s, size_t n)
{
    char *u = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' &&
            (i + 2 == n || s[i + 2] == ' ' || s[i + 2] == '\t')) {
            i++;
            continue;
        }
        u[k++] = s[i];
    }
    u[k] = '\0';
    return u;
}

/* The value of a single written field "Name: value\r\n" decoded. */
static char *decoded_value(const buf *b, const char *name)
{
    char *u = unfold(b->data, b->len);
    size_t nl = strlen(name);
    assert_memory_equal(u, name, nl);
    assert_int_equal(u[nl], ':');
    const char *v = u + nl + 1;
    if (*v == ' ')
        v++;
    buf d;
    buf_init(&d, 1 << 20);
    err e;
    assert_int_equal(hdr_decode_2047(v, strlen(v), &d, &e), 0);
    free(u);
    return buf_steal(&d);
}

static void test_encode_word_rfc2047(void **state)
{
    (void)state;
    static const struct {
        const char *charset;
        char enc;
        const char *in, *out;
    } rows[] = {
        /* RFC 2047 §8, the From, To, CC and Subject examples. */
        {"US-ASCII", 'Q', "Keith Moore", "=?US-ASCII?Q?Keith_Moore?="},
        {"ISO-8859-1", 'Q', "Keld J\xf8rn Simonsen", "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?="},
        {"ISO-8859-1", 'Q', "Andr\xe9", "=?ISO-8859-1?Q?Andr=E9?="},
        {"ISO-8859-1", 'B', "If you can read this yo",
         "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?="},
        {"ISO-8859-2", 'B', "u understand the example.",
         "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="},
        /* Specials are always encoded in Q: '=', '?', '_', '"', '(', ... */
        {"UTF-8", 'Q', "a=b?c_d\"(e)", "=?UTF-8?Q?a=3Db=3Fc=5Fd=22=28e=29?="},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf b;
        buf_init(&b, 1024);
        text_out o = {.b = &b};
        hdr_encode_word(&o, rows[i].charset, rows[i].enc, rows[i].in, strlen(rows[i].in));
        assert_int_equal(o.failed, 0);
        assert_string_equal(b.data, rows[i].out);
        buf_free(&b);
    }
}

static void test_decode_rfc2047(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        /* RFC 2047 §8: white space between adjacent encoded words is not
         * displayed; white space next to other text is. */
        {"=?ISO-8859-1?Q?a?=", "a"},
        {"=?ISO-8859-1?Q?a?= b", "a b"},
        {"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"},
        {"=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=", "ab"},
        {"=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=", "ab"},
        {"=?ISO-8859-1?Q?a_b?=", "a b"},
        {"=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b"},
        {"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n "
         "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
         "If you can read this you understand the example."},
        {"=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"},
        {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xe9 Pirard"},
        {"=?utf-8?q?caf=c3=a9?=", "caf\xc3\xa9"},
        {"=?UTF-8*en?Q?x?=", "x"}, /* RFC 2231 §5 language suffix */
        /* Not encoded words: copied as they are. */
        {"plain text", "plain text"},
        {"=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
        {"=?UTF-8?Q?a=G1?=", "=?UTF-8?Q?a=G1?="},
        {"=?UTF-8?Q?a=4?=", "=?UTF-8?Q?a=4?="},
        {"=?UTF-8?B?#abc?=", "=?UTF-8?B?#abc?="},
        {"=?UTF-8?Q?a?=x", "=?UTF-8?Q?a?=x"},
        {"=?UTF-8?Q?a?= =?bad =?UTF-8?Q?b?=", "a =?bad b"},
        {"=?UTF-8?Q?a?= =?UTF-8?X?b?=", "a =?UTF-8?X?b?="},
        {"=?", "=?"},
        {"  lead and trail  ", "  lead and trail  "},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf b;
        buf_init(&b, 1024);
        err e;
        err_clear(&e);
        assert_int_equal(hdr_decode_2047(rows[i].in, strlen(rows[i].in), &b, &e), 0);
        if (strcmp(b.data ? b.data : "", rows[i].out) != 0)
            fail_msg("%zu: got \"%s\", want \"%s\"", i, b.data, rows[i].out);
        buf_free(&b);
    }
    /* The output cap holds. */
    buf b;
    buf_init(&b, 4);
    err e;
    assert_int_equal(hdr_decode_2047("=?UTF-8?Q?abcdef?=", 18, &b, &e), -1);
    assert_int_equal(e.cls, ERRC_TOO_LONG);
    buf_free(&b);
}

static void write_text(buf *b, const char *name, const char *v)
{
    buf_init(b, 1 << 20);
    text_out o = {.b = b};
    err e;
    err_clear(&e);
    if (hdr_write_text(&o, name, v, strlen(v), &e) != 0)
        fail_msg("%s", e.msg);
}

static void test_text_plain_and_folded(void **state)
{
    (void)state;
    buf b;
    write_text(&b, "Subject", "hello world");
    assert_string_equal(b.data, "Subject: hello world\r\n");
    buf_free(&b);

    write_text(&b, "Subject", "");
    assert_string_equal(b.data, "Subject:\r\n");
    buf_free(&b);

    /* 40 words of 9 letters: folded at spaces, each line <= 78. */
    char v[512] = "";
    for (int i = 0; i < 40; i++)
        strcat(v, i ? " abcdefghi" : "abcdefghi");
    write_text(&b, "Subject", v);
    check_lines(b.data, b.len, HDR_FOLD);
    assert_non_null(strstr(b.data, "\r\n abcdefghi"));
    assert_null(strstr(b.data, "=?")); /* folded, not encoded */
    char *u = unfold(b.data, b.len);
    assert_string_equal(u + strlen("Subject: "), v);
    free(u);
    buf_free(&b);

    /* Trailing and repeated white space survive folding and unfolding. */
    strcpy(v, "a    b");
    for (int i = 0; i < 20; i++)
        strcat(v, "  word");
    strcat(v, "   ");
    write_text(&b, "Subject", v);
    check_lines(b.data, b.len, HDR_FOLD);
    u = unfold(b.data, b.len);
    assert_string_equal(u + strlen("Subject: "), v);
    free(u);
    buf_free(&b);
}

static void test_text_encoded(void **state)
{
    (void)state;
    static const char *const values[] = {
        "Grüße aus Köln",
        "Ünïcödé everywhere: ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķĸĹĺĻļĽľĿŀ",
        "日本語の件名はとても長いのでいくつかの符号化語に分割されなければなりません。"
        "日本語の件名はとても長いのでいくつかの符号化語に分割されなければなりません。",
        "emoji 😀😃😄😁😆😅😂🤣😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛😝😜🤪🤨🧐🤓😎🥸🤩🥳",
        "looks like =?UTF-8?Q?an_encoded_word?= but is not",
        "tab\tand ütf",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        buf b;
        write_text(&b, "Subject", values[i]);
        assert_non_null(strstr(b.data, "=?UTF-8?"));
        check_lines(b.data, b.len, HDR_EW_LINE);
        assert_false(text_has_8bit(b.data, b.len));
        /* Each word on its own is at most 75 octets and decodes to whole
         * UTF-8 characters (RFC 2047 §5: characters are not split). */
        char *u = unfold(b.data, b.len);
        for (char *w = strstr(u, "=?"); w; w = strstr(w + 2, "=?")) {
            char *end = strstr(w + 2, "?=");
            while (end && end[2] && end[2] != ' ' && end[2] != '\r')
                end = strstr(end + 1, "?=");
            assert_non_null(end);
            size_t len = (size_t)(end + 2 - w);
            assert_true(len <= HDR_EW_MAX);
            buf d;
            buf_init(&d, 1024);
            err e;
            assert_int_equal(hdr_decode_2047(w, len, &d, &e), 0);
            assert_true(text_utf8_valid(d.data, d.len));
            buf_free(&d);
            w = end;
        }
        free(u);
        char *dec = decoded_value(&b, "Subject");
        assert_string_equal(dec, values[i]);
        free(dec);
        buf_free(&b);
    }
    /* A 2000-octet ASCII word cannot be folded: it is encoded instead. */
    char *big = malloc(2001);
    memset(big, 'x', 2000);
    big[2000] = '\0';
    buf b;
    write_text(&b, "Subject", big);
    check_lines(b.data, b.len, HDR_EW_LINE);
    char *dec = decoded_value(&b, "Subject");
    assert_string_equal(dec, big);
    free(dec);
    free(big);
    buf_free(&b);
    /* A long field name pushes the first word to the next line. */
    char name[HDR_MAX_NAME + 1];
    memset(name, 'N', HDR_MAX_NAME);
    name[HDR_MAX_NAME] = '\0';
    write_text(&b, name, "Grüße");
    check_lines(b.data, b.len, HDR_MAX_NAME + 1);
    dec = decoded_value(&b, name);
    assert_string_equal(dec, "Grüße");
    free(dec);
    buf_free(&b);
}

static void test_injection(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "hello\r\nBcc: victim@example.com", "hello\nBcc: x", "hello\rBcc: x", "a\r\n b",
        "nul\0", "bell\a", "del\x7f",
    };
    static const size_t lens[] = {31, 13, 13, 5, 4, 5, 4};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf b;
        buf_init(&b, 4096);
        buf_append_str(&b, "Keep: me\r\n");
        text_out o = {.b = &b};
        err e;
        err_clear(&e);
        assert_int_equal(hdr_write_text(&o, "Subject", bad[i], lens[i], &e), -1);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        assert_int_equal(hdr_write_raw(&o, "X-Test", bad[i], lens[i], true, &e), -1);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        hdr_mailbox m = {.display = bad[i], .mailbox = "a@example.com"};
        if (strlen(bad[i]) == lens[i]) {
            assert_int_equal(hdr_write_addresses(&o, "To", &m, 1, &e), -1);
            assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        }
        assert_string_equal(b.data, "Keep: me\r\n");
        buf_free(&b);
    }
    err e;
    buf b;
    buf_init(&b, 64);
    text_out o = {.b = &b};
    assert_int_equal(hdr_write_text(&o, "Subject", "x\r\nBcc: y", 9, &e), -1);
    assert_non_null(strstr(e.msg, "CR"));
    assert_null(b.data);
    buf_free(&b);
}

static void test_names(void **state)
{
    (void)state;
    err e;
    assert_int_equal(hdr_check_name("X-Good", 6, &e), 0);
    assert_int_equal(hdr_check_name("~!#", 3, &e), 0);
    static const char *const bad[] = {"", "X Bad", "X:Bad", "X\tB", "X\x7f", "Ü", "X\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hdr_check_name(bad[i], strlen(bad[i]), &e), -1);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    }
    char longname[HDR_MAX_NAME + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(hdr_check_name(longname, strlen(longname), &e), -1);
}

static void test_raw(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 1 << 16);
    text_out o = {.b = &b};
    err e;
    err_clear(&e);
    assert_int_equal(hdr_write_raw(&o, "Message-ID", "<a@b>", 5, false, &e), 0);
    assert_string_equal(b.data, "Message-ID: <a@b>\r\n");
    assert_int_equal(hdr_write_raw(&o, "X-Utf", "é", 2, false, &e), -1);
    assert_non_null(strstr(e.msg, "non-ASCII"));
    assert_int_equal(hdr_write_raw(&o, "X-Utf", "\xc3", 1, true, &e), -1);
    assert_non_null(strstr(e.msg, "UTF-8"));
    buf_reset(&b);
    assert_int_equal(hdr_write_raw(&o, "X-Utf", "é", 2, true, &e), 0);
    assert_string_equal(b.data, "X-Utf: é\r\n");
    /* A long token stays whole (between 78 and 998 is allowed)... */
    char v[1200];
    memset(v, 't', 900);
    buf_reset(&b);
    assert_int_equal(hdr_write_raw(&o, "X-Token", v, 900, false, &e), 0);
    check_lines(b.data, b.len, HDR_MAX_LINE);
    /* ...but a line over 998 that cannot be folded is refused. */
    memset(v, 't', 1000);
    assert_int_equal(hdr_write_raw(&o, "X-Token", v, 1000, false, &e), -1);
    assert_non_null(strstr(e.msg, "998"));
    /* With white space it folds. */
    for (size_t i = 50; i < 1000; i += 51)
        v[i] = ' ';
    buf_reset(&b);
    assert_int_equal(hdr_write_raw(&o, "X-Token", v, 1000, false, &e), 0);
    check_lines(b.data, b.len, HDR_FOLD);
    buf_free(&b);
}

static void test_quoted_folding(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 1 << 16);
    text_out o = {.b = &b};
    err e;
    err_clear(&e);
    /* A quoted parameter with spaces stays on one line (it fits in 998)
     * even though breaking inside it would keep lines under 78. */
    char v[3000] = "attachment; filename=\"";
    for (int i = 0; i < 30; i++)
        strcat(v, "word ");
    strcat(v, "end\"; size=10");
    assert_int_equal(hdr_write_raw(&o, "Content-Disposition", v, strlen(v), false, &e), 0);
    check_lines(b.data, b.len, HDR_MAX_LINE);
    assert_non_null(strstr(b.data, "attachment;\r\n filename=\"word word"));
    const char *q = strchr(b.data, '"');
    assert_null(memmem(q, (size_t)(strchr(q + 1, '"') - q), "\r\n", 2));
    assert_non_null(strstr(b.data, "\";\r\n size=10\r\n"));
    char *u = unfold(b.data, b.len);
    assert_string_equal(u + strlen("Content-Disposition: "), v);
    free(u);
    /* Over 998 inside quotes: folding inside them is the last resort. */
    buf_reset(&b);
    strcpy(v, "x=\"");
    for (int i = 0; i < 300; i++)
        strcat(v, "a\\\" b ");
    strcat(v, "\"");
    assert_int_equal(hdr_write_raw(&o, "X-Long", v, strlen(v), false, &e), 0);
    check_lines(b.data, b.len, HDR_MAX_LINE);
    u = unfold(b.data, b.len);
    assert_string_equal(u + strlen("X-Long: "), v);
    free(u);
    /* Unstructured text: a stray quote does not stop folding at 78. */
    buf_reset(&b);
    strcpy(v, "he said \"");
    for (int i = 0; i < 30; i++)
        strcat(v, " more words");
    assert_int_equal(hdr_write_text(&o, "Subject", v, strlen(v), &e), 0);
    check_lines(b.data, b.len, HDR_FOLD);
    buf_free(&b);
}

static void test_date(void **state)
{
    (void)state;
    char d[HDR_DATE_SIZE];
    /* 1700000000 is Tue 14 Nov 2023 22:13:20 UTC. */
    hdr_format_date(d, 1700000000, 0);
    assert_string_equal(d, "Tue, 14 Nov 2023 22:13:20 +0000");
    hdr_format_date(d, 1700000000, 3600);
    assert_string_equal(d, "Tue, 14 Nov 2023 23:13:20 +0100");
    hdr_format_date(d, 1700000000, -5 * 3600);
    assert_string_equal(d, "Tue, 14 Nov 2023 17:13:20 -0500");
    hdr_format_date(d, 1700000000, 5 * 3600 + 1800);
    assert_string_equal(d, "Wed, 15 Nov 2023 03:43:20 +0530");
    hdr_format_date(d, 1700000000, -(9 * 3600 + 1800));
    assert_string_equal(d, "Tue, 14 Nov 2023 12:43:20 -0930");
    hdr_format_date(d, 951782400, 0); /* a leap day */
    assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 +0000");
}

static void test_addresses(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 1 << 16);
    text_out o = {.b = &b};
    err e;
    err_clear(&e);
    hdr_mailbox l[] = {
        {NULL, "a@example.com"},
        {"Jane Doe", "jane@example.com"},
        {"Doe, John \"JD\"", "john@example.com"},
        {"Jörg Müller", "joerg@example.com"},
    };
    assert_int_equal(hdr_write_addresses(&o, "To", l, 4, &e), 0);
    check_lines(b.data, b.len, HDR_EW_LINE);
    char *u = unfold(b.data, b.len);
    assert_string_equal(u, "To: a@example.com, Jane Doe <jane@example.com>, "
                           "\"Doe, John \\\"JD\\\"\" <john@example.com>, "
                           "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.com>");
    free(u);
    /* Many recipients fold between addresses. */
    hdr_mailbox many[30];
    char names[30][32];
    for (int i = 0; i < 30; i++) {
        snprintf(names[i], sizeof names[i], "user%02d@example.com", i);
        many[i] = (hdr_mailbox){NULL, names[i]};
    }
    buf_reset(&b);
    assert_int_equal(hdr_write_addresses(&o, "Cc", many, 30, &e), 0);
    check_lines(b.data, b.len, HDR_FOLD);
    u = unfold(b.data, b.len);
    assert_string_equal(u + strlen(u) - 38, "user28@example.com, user29@example.com");
    free(u);
    hdr_mailbox badutf[] = {{"J\xc3rg", "j@example.com"}};
    assert_int_equal(hdr_write_addresses(&o, "To", badutf, 1, &e), -1);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_word_rfc2047),
        cmocka_unit_test(test_decode_rfc2047),
        cmocka_unit_test(test_text_plain_and_folded),
        cmocka_unit_test(test_text_encoded),
        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_quoted_folding),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
