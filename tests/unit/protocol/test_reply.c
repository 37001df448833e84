/* test_reply.c — unit tests for protocol/reply.c.
 *
 * Table-driven: each row is a reply as it arrives (lines separated by "\n",
 * with explicit lengths so NUL bytes can be fed) and what the parser must
 * make of it — the code, enhanced code and escaped lines, or the error class
 * and a phrase from the error sentence. Limits and split feeding have their
 * own tests below the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "protocol/reply.h"

typedef struct reply_case {
    const char *name;
    const char *input;      /* lines separated by '\n' */
    size_t input_len;       /* 0: strlen(input) */
    int code;               /* expected code, 0 when an error is expected */
    const char *enhanced;
    const char *text;       /* lines joined with "|" */
    err_class err;          /* expected error class when code == 0 */
    const char *msg;        /* phrase the error sentence must contain */
} reply_case;

static const reply_case cases[] = {
    {"single line", "250 OK", 0, 250, "", "OK", ERRC_OK, NULL},
    {"greeting", "220 mx.example.com ESMTP ready", 0, 220, "", "mx.example.com ESMTP ready",
     ERRC_OK, NULL},
    {"multi-line", "250-mx.example.com\n250-PIPELINING\n250 SIZE 1000", 0, 250, "",
     "mx.example.com|PIPELINING|SIZE 1000", ERRC_OK, NULL},
    {"code only", "220", 0, 220, "", "", ERRC_OK, NULL},
    {"code and space", "220 ", 0, 220, "", "", ERRC_OK, NULL},
    {"empty continuation", "250-\n250 last", 0, 250, "", "|last", ERRC_OK, NULL},
    {"continuation code only then end", "250-first\n250", 0, 250, "", "first|", ERRC_OK, NULL},
    {"enhanced", "550 5.1.1 <x@example.com>: user unknown", 0, 550, "5.1.1",
     "5.1.1 <x@example.com>: user unknown", ERRC_OK, NULL},
    {"enhanced three-digit parts", "451 4.123.456 later", 0, 451, "4.123.456",
     "4.123.456 later", ERRC_OK, NULL},
    {"enhanced alone", "250 2.0.0", 0, 250, "2.0.0", "2.0.0", ERRC_OK, NULL},
    {"enhanced class mismatch", "250 5.1.1 x", 0, 250, "", "5.1.1 x", ERRC_OK, NULL},
    {"enhanced first line only", "250-first line\n250 2.0.0 ok", 0, 250, "", "first line|2.0.0 ok",
     ERRC_OK, NULL},
    {"enhanced on multi-line", "550-5.7.1 no\n550 5.7.1 really", 0, 550, "5.7.1",
     "5.7.1 no|5.7.1 really", ERRC_OK, NULL},
    {"enhanced glued to text", "250 2.0.0ok", 0, 250, "", "2.0.0ok", ERRC_OK, NULL},
    {"enhanced four digits", "250 2.0.1000 x", 0, 250, "", "2.0.1000 x", ERRC_OK, NULL},
    {"enhanced class 3", "354 3.0.0 go", 0, 354, "", "3.0.0 go", ERRC_OK, NULL},
    {"control bytes escaped", "250 a\tb\x1b[31mc", 0, 250, "", "a\\tb\\x1B[31mc", ERRC_OK,
     NULL},
    {"NUL escaped", "250 a\0b", 7, 250, "", "a\\x00b", ERRC_OK, NULL},
    {"CR escaped", "250 a\rb", 0, 250, "", "a\\rb", ERRC_OK, NULL},
    {"backslash escaped", "250 a\\b", 0, 250, "", "a\\\\b", ERRC_OK, NULL},
    {"UTF-8 kept", "250 gr\xc3\xbc\xc3\x9f" "e", 0, 250, "", "gr\xc3\xbc\xc3\x9f" "e", ERRC_OK,
     NULL},
    {"invalid UTF-8 escaped", "250 \xff\xc3", 0, 250, "", "\\xFF\\xC3", ERRC_OK, NULL},
    {"highest code", "559 x", 0, 559, "", "x", ERRC_OK, NULL},
    {"lowest code", "200 x", 0, 200, "", "x", ERRC_OK, NULL},

    {"two digits", "99 x", 0, 0, NULL, NULL, ERRC_PROTOCOL, "does not start with a 3-digit code"},
    {"empty line", "", 0, 0, NULL, NULL, ERRC_PROTOCOL, "does not start with a 3-digit code"},
    {"short", "25", 0, 0, NULL, NULL, ERRC_PROTOCOL, "does not start with a 3-digit code"},
    {"letter in code", "2x0 x", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "does not start with a 3-digit code"},
    {"leading space", " 250 x", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "does not start with a 3-digit code"},
    {"first digit 6", "600 x", 0, 0, NULL, NULL, ERRC_PROTOCOL, "first digit must be 2-5"},
    {"first digit 1", "199 x", 0, 0, NULL, NULL, ERRC_PROTOCOL, "first digit must be 2-5"},
    {"first digit 0", "050 x", 0, 0, NULL, NULL, ERRC_PROTOCOL, "first digit must be 2-5"},
    {"second digit 6", "260 x", 0, 0, NULL, NULL, ERRC_PROTOCOL, "second digit must be 0-5"},
    {"four digits", "2500 x", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "reply code 250 is followed by '0' instead of a space, '-' or the end of the line"},
    {"letter after code", "250x", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "reply code 250 is followed by 'x'"},
    {"tab after code", "250\tx", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "reply code 250 is followed by '\\x09'"},
    {"code changes", "250-a\n251 b", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "multi-line reply changed code from 250 to 251"},
    {"class changes", "250-a\n550 b", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "multi-line reply changed code from 250 to 550"},
    {"bad continuation", "250-a\nxyz", 0, 0, NULL, NULL, ERRC_PROTOCOL,
     "does not start with a 3-digit code"},
};

/* Feed a case line by line. Returns the reply, or NULL with *e set. */
static smtp_reply *feed_all(const char *in, size_t len, err *e)
{
    reply_parser p;
    reply_parser_init(&p);
    size_t start = 0;
    for (;;) {
        const char *nl = memchr(in + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - in) : len;
        int rc = reply_parser_feed(&p, in + start, end - start, e);
        if (rc < 0) {
            reply_parser_reset(&p);
            return NULL;
        }
        if (rc == REPLY_DONE) {
            assert_null(nl); /* every case is exactly one reply */
            smtp_reply *r = reply_parser_take(&p);
            assert_non_null(r);
            assert_null(reply_parser_take(&p));
            return r;
        }
        assert_int_equal(rc, REPLY_MORE);
        assert_null(reply_parser_take(&p));
        assert_non_null(nl);
        start = end + 1;
    }
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const reply_case *c = &cases[i];
        err e;
        err_clear(&e);
        size_t len = c->input_len ? c->input_len : strlen(c->input);
        smtp_reply *r = feed_all(c->input, len, &e);
        if (c->code == 0) {
            if (r || e.cls != c->err || !strstr(e.msg, c->msg))
                fail_msg("case '%s': expected %s error containing \"%s\", got %s \"%s\"",
                         c->name, err_class_name(c->err), c->msg, err_class_name(e.cls), e.msg);
            continue;
        }
        if (!r)
            fail_msg("case '%s': unexpected error %s: %s", c->name, err_class_name(e.cls),
                     e.msg);
        char *text = reply_text(r, "|");
        assert_non_null(text);
        if (r->code != c->code || strcmp(r->enhanced, c->enhanced) != 0 ||
            strcmp(text, c->text) != 0)
            fail_msg("case '%s': got %d [%s] \"%s\", want %d [%s] \"%s\"", c->name, r->code,
                     r->enhanced, text, c->code, c->enhanced, c->text);
        free(text);
        reply_free(r);
    }
}

static void test_split_feeding(void **state)
{
    (void)state;
    /* Two replies back to back through one parser, as a pipelined session
     * would see them. */
    const char *lines[] = {"250-mx.example.com", "250-8BITMIME", "250 DSN", "354 go ahead"};
    reply_parser p;
    reply_parser_init(&p);
    err e;
    err_clear(&e);
    assert_int_equal(reply_parser_feed(&p, lines[0], strlen(lines[0]), &e), REPLY_MORE);
    assert_int_equal(reply_parser_feed(&p, lines[1], strlen(lines[1]), &e), REPLY_MORE);
    assert_null(reply_parser_take(&p));
    assert_int_equal(reply_parser_feed(&p, lines[2], strlen(lines[2]), &e), REPLY_DONE);
    /* Feeding before taking is a caller bug, reported, not silently lost. */
    assert_int_equal(reply_parser_feed(&p, lines[3], strlen(lines[3]), &e), -1);
    assert_int_equal(e.cls, ERRC_INTERNAL);
    smtp_reply *r = reply_parser_take(&p);
    assert_non_null(r);
    assert_int_equal(r->code, 250);
    assert_int_equal(r->n_lines, 3);
    assert_string_equal(r->lines[2], "DSN");
    assert_true(reply_ok(r));
    reply_free(r);
    assert_int_equal(reply_parser_feed(&p, lines[3], strlen(lines[3]), &e), REPLY_DONE);
    r = reply_parser_take(&p);
    assert_int_equal(r->code, 354);
    assert_string_equal(r->lines[0], "go ahead");
    assert_true(reply_ok(r));
    reply_free(r);
    reply_parser_reset(&p);
    reply_parser_reset(&p); /* idempotent */
}

static void test_reset_after_error(void **state)
{
    (void)state;
    reply_parser p;
    reply_parser_init(&p);
    err e;
    err_clear(&e);
    assert_int_equal(reply_parser_feed(&p, "250-a", 5, &e), REPLY_MORE);
    assert_int_equal(reply_parser_feed(&p, "251 b", 5, &e), -1);
    reply_parser_reset(&p);
    assert_int_equal(reply_parser_feed(&p, "421 bye", 7, &e), REPLY_DONE);
    smtp_reply *r = reply_parser_take(&p);
    assert_int_equal(r->code, 421);
    assert_false(reply_ok(r));
    reply_free(r);
    assert_false(reply_ok(NULL));
}

static void test_line_limit(void **state)
{
    (void)state;
    reply_parser p;
    reply_parser_init(&p);
    err e;
    err_clear(&e);
    for (int i = 0; i < REPLY_MAX_LINES - 1; i++)
        assert_int_equal(reply_parser_feed(&p, "250-x", 5, &e), REPLY_MORE);
    /* Line REPLY_MAX_LINES is still fine... */
    assert_int_equal(reply_parser_feed(&p, "250 x", 5, &e), REPLY_DONE);
    smtp_reply *r = reply_parser_take(&p);
    assert_int_equal(r->n_lines, REPLY_MAX_LINES);
    reply_free(r);
    /* ...one more is not. */
    for (int i = 0; i < REPLY_MAX_LINES; i++)
        assert_int_equal(reply_parser_feed(&p, "250-x", 5, &e), REPLY_MORE);
    assert_int_equal(reply_parser_feed(&p, "250 x", 5, &e), -1);
    assert_int_equal(e.cls, ERRC_TOO_LONG);
    assert_non_null(strstr(e.msg, "more than 1000 lines"));
    reply_parser_reset(&p);
}

static void test_byte_limit(void **state)
{
    (void)state;
    char line[REPLY_MAX_LINE];
    memset(line, 'a', sizeof line);
    memcpy(line, "250-", 4);
    reply_parser p;
    reply_parser_init(&p);
    err e;
    err_clear(&e);
    int rc = REPLY_MORE;
    size_t fed = 0;
    while (rc == REPLY_MORE) {
        rc = reply_parser_feed(&p, line, sizeof line, &e);
        fed += sizeof line;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(e.cls, ERRC_TOO_LONG);
    assert_non_null(strstr(e.msg, "longer than 65536 bytes"));
    assert_true(fed > REPLY_MAX_BYTES);
    assert_true(fed - sizeof line <= REPLY_MAX_BYTES);
    reply_parser_reset(&p);

    /* One enormous line is refused too (the transport normally stops it). */
    size_t big = REPLY_MAX_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, 'b', big);
    memcpy(huge, "250 ", 4);
    assert_int_equal(reply_parser_feed(&p, huge, big, &e), -1);
    assert_int_equal(e.cls, ERRC_TOO_LONG);
    assert_int_equal(reply_parser_feed(&p, huge, REPLY_MAX_BYTES, &e), REPLY_DONE);
    reply_free(reply_parser_take(&p));
    free(huge);
}

typedef struct enh_case {
    const char *in;
    const char *want;   /* "" = none */
} enh_case;

static void test_parse_enhanced(void **state)
{
    (void)state;
    static const enh_case ec[] = {
        {"2.0.0", "2.0.0"},
        {"2.0.0 ok", "2.0.0"},
        {"4.7.1 try later", "4.7.1"},
        {"5.1.1", "5.1.1"},
        {"5.123.999 x", "5.123.999"},
        {"5.01.002 x", "5.01.002"},
        {"3.0.0", ""},           /* class 3 does not exist */
        {"1.0.0", ""},
        {"6.0.0", ""},
        {"5.1000.1", ""},        /* subject is 1-3 digits */
        {"5.1.1000", ""},        /* detail is 1-3 digits */
        {"5..1", ""},
        {"5.1.", ""},
        {"5.1", ""},
        {"5.1.1.", ""},
        {"5.1.1x", ""},
        {"5.1.1\tx", ""},
        {"5,1,1", ""},
        {" 5.1.1", ""},
        {"x5.1.1", ""},
        {"", ""},
        {"5", ""},
        {"55.1.1", ""},
    };
    for (size_t i = 0; i < sizeof ec / sizeof ec[0]; i++) {
        char out[16];
        memset(out, 'z', sizeof out);
        size_t n = reply_parse_enhanced(ec[i].in, strlen(ec[i].in), out);
        if (n != strlen(ec[i].want) || strcmp(out, ec[i].want) != 0)
            fail_msg("enhanced '%s': got %zu '%s', want '%s'", ec[i].in, n,
                     n ? out : "", ec[i].want);
    }
    /* Only `len` bytes are looked at. */
    char out[16];
    assert_int_equal(reply_parse_enhanced("2.0.0 ok", 5, out), 5);
    assert_string_equal(out, "2.0.0");
    assert_int_equal(reply_parse_enhanced("2.0.01", 5, out), 5);
    assert_int_equal(reply_parse_enhanced("2.0.0", 4, out), 0);
    assert_int_equal(reply_parse_enhanced(NULL, 0, out), 0);
}

static void test_text_and_dup(void **state)
{
    (void)state;
    err e;
    err_clear(&e);
    const char *in = "550-5.7.1 first\n550 5.7.1 second";
    smtp_reply *r = feed_all(in, strlen(in), &e);
    assert_non_null(r);
    char *t = reply_text(r, " / ");
    assert_string_equal(t, "5.7.1 first / 5.7.1 second");
    free(t);
    t = reply_text(r, NULL);
    assert_string_equal(t, "5.7.1 first5.7.1 second");
    free(t);
    assert_null(reply_text(NULL, " "));

    smtp_reply *d = reply_dup(r);
    assert_non_null(d);
    assert_ptr_not_equal(d, r);
    assert_ptr_not_equal(d->lines, r->lines);
    assert_int_equal(d->code, 550);
    assert_string_equal(d->enhanced, "5.7.1");
    assert_int_equal(d->n_lines, 2);
    assert_string_equal(d->lines[1], "5.7.1 second");
    reply_free(r);
    assert_string_equal(d->lines[0], "5.7.1 first");
    reply_free(d);
    assert_null(reply_dup(NULL));
    reply_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_split_feeding),
        cmocka_unit_test(test_reset_after_error),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_byte_limit),
        cmocka_unit_test(test_parse_enhanced),
        cmocka_unit_test(test_text_and_dup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
