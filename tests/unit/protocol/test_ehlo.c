/* test_ehlo.c — unit tests for protocol/ehlo.c.
 *
 * Replies are built through the real reply parser (so the lines are escaped
 * exactly as in a session), then parsed into capabilities. The table covers
 * whole-word keyword matching, case, SIZE forms and overflow, AUTH / AUTH=
 * merging, and lines that must not be mistaken for an offer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"

/* Build a reply from '\n'-separated full lines ("250-...", "250 ..."). */
static smtp_reply *mkreply(const char *text)
{
    reply_parser p;
    reply_parser_init(&p);
    err e;
    err_clear(&e);
    const char *s = text;
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        int rc = reply_parser_feed(&p, s, n, &e);
        if (rc < 0)
            fail_msg("bad test reply: %s", e.msg);
        if (rc == REPLY_DONE)
            return reply_parser_take(&p);
        s = nl + 1;
    }
}

static ehlo_caps parse(const char *text)
{
    smtp_reply *r = mkreply(text);
    ehlo_caps caps;
    err e;
    err_clear(&e);
    assert_int_equal(ehlo_caps_parse(r, &caps, &e), 0);
    reply_free(r);
    return caps;
}

static void test_typical(void **state)
{
    (void)state;
    ehlo_caps c = parse("250-mx.example.com Hello client [127.0.0.1]\n"
                        "250-PIPELINING\n"
                        "250-SIZE 35882577\n"
                        "250-ETRN\n"
                        "250-STARTTLS\n"
                        "250-AUTH PLAIN LOGIN\n"
                        "250-AUTH=PLAIN LOGIN\n"
                        "250-ENHANCEDSTATUSCODES\n"
                        "250-8BITMIME\n"
                        "250-DSN\n"
                        "250-SMTPUTF8\n"
                        "250-CHUNKING\n"
                        "250-BINARYMIME\n"
                        "250 REQUIRETLS");
    assert_string_equal(c.domain, "mx.example.com");
    assert_int_equal(c.n_lines, 13);
    assert_string_equal(c.lines[0], "PIPELINING");
    assert_string_equal(c.lines[5], "AUTH=PLAIN LOGIN");
    assert_true(c.pipelining && c.starttls && c.enhancedstatuscodes && c.eightbitmime && c.dsn &&
                c.smtputf8 && c.chunking && c.binarymime && c.requiretls && c.size_present);
    assert_true(c.size == 35882577u);
    assert_int_equal(c.n_auth, 2);
    assert_string_equal(c.auth[0], "PLAIN");
    assert_string_equal(c.auth[1], "LOGIN");
    assert_true(ehlo_has_auth(&c, "login"));
    assert_true(ehlo_has_auth(&c, "PLAIN"));
    assert_false(ehlo_has_auth(&c, "CRAM-MD5"));
    assert_false(ehlo_has_auth(&c, NULL));
    ehlo_caps_free(&c);
    ehlo_caps_free(&c); /* freeing twice is harmless: the struct is zeroed */
    ehlo_caps_free(NULL);
}

static void test_greeting_only(void **state)
{
    (void)state;
    ehlo_caps c = parse("250 mail.example.org");
    assert_string_equal(c.domain, "mail.example.org");
    assert_int_equal(c.n_lines, 0);
    assert_false(c.starttls);
    assert_int_equal(c.n_auth, 0);
    ehlo_caps_free(&c);

    c = parse("250");
    assert_string_equal(c.domain, "");
    ehlo_caps_free(&c);
}

typedef struct kw_case {
    const char *line;        /* one capability line */
    bool starttls, pipelining, size_present;
    uint64_t size;
    const char *auth;        /* mechanisms joined with ',' */
} kw_case;

static const kw_case kw[] = {
    {"STARTTLS", true, false, false, 0, ""},
    {"starttls", true, false, false, 0, ""},
    {"StartTLS extra", true, false, false, 0, ""},
    {"STARTTLSX", false, false, false, 0, ""},
    {"XSTARTTLS", false, false, false, 0, ""},
    {"X-STARTTLS", false, false, false, 0, ""},
    {"STARTTLS=yes", false, false, false, 0, ""},
    {"HELP STARTTLS PIPELINING", false, false, false, 0, ""},
    {"PIPELINING", false, true, false, 0, ""},
    {"SIZE", false, false, true, 0, ""},
    {"SIZE 0", false, false, true, 0, ""},
    {"size 1000", false, false, true, 1000, ""},
    {"SIZE 18446744073709551615", false, false, true, UINT64_MAX, ""},
    {"SIZE 18446744073709551616", false, false, true, UINT64_MAX, ""},
    {"SIZE 99999999999999999999999999999", false, false, true, UINT64_MAX, ""},
    {"SIZE abc", false, false, true, 0, ""},
    {"SIZE 12abc", false, false, true, 0, ""},
    {"SIZE -5", false, false, true, 0, ""},
    {"SIZEX 100", false, false, false, 0, ""},
    {"AUTH", false, false, false, 0, ""},
    {"AUTH PLAIN", false, false, false, 0, "PLAIN"},
    {"auth login plain", false, false, false, 0, "LOGIN,PLAIN"},
    {"AUTH=LOGIN", false, false, false, 0, "LOGIN"},
    {"AUTH CRAM-MD5  DIGEST-MD5 SCRAM-SHA-256 XOAUTH2 GSSAPI", false, false, false, 0,
     "CRAM-MD5,DIGEST-MD5,SCRAM-SHA-256,XOAUTH2,GSSAPI"},
    {"AUTH PLAIN PLAIN plain", false, false, false, 0, "PLAIN"},
    {"AUTH PLAIN\tLOGIN", false, false, false, 0, ""},   /* escaped: "PLAIN\tLOGIN" */
    {"AUTH A-MECHANISM-NAME-TOO-LONG", false, false, false, 0, ""},
    {"AUTHX PLAIN", false, false, false, 0, ""},
    {"X-AUTH PLAIN", false, false, false, 0, ""},
    {"", false, false, false, 0, ""},
    {"\x1b[2J", false, false, false, 0, ""},
};

static void test_keywords(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "250-mx.example.com\n250 %s", kw[i].line);
        ehlo_caps c = parse(text);
        char auth[256] = "";
        size_t o = 0;
        for (size_t k = 0; k < c.n_auth; k++)
            o += (size_t)snprintf(auth + o, sizeof auth - o, "%s%s", k ? "," : "", c.auth[k]);
        if (c.starttls != kw[i].starttls || c.pipelining != kw[i].pipelining ||
            c.size_present != kw[i].size_present || c.size != kw[i].size ||
            strcmp(auth, kw[i].auth) != 0)
            fail_msg("line '%s': starttls=%d pipelining=%d size_present=%d size=%llu auth='%s'",
                     kw[i].line, c.starttls, c.pipelining, c.size_present,
                     (unsigned long long)c.size, auth);
        assert_int_equal(c.n_lines, 1);
        ehlo_caps_free(&c);
    }
}

static void test_auth_merge(void **state)
{
    (void)state;
    ehlo_caps c = parse("250-x\n250-AUTH=LOGIN\n250-AUTH PLAIN login CRAM-MD5\n250 AUTH=plain");
    assert_int_equal(c.n_auth, 3);
    assert_string_equal(c.auth[0], "LOGIN");
    assert_string_equal(c.auth[1], "PLAIN");
    assert_string_equal(c.auth[2], "CRAM-MD5");
    ehlo_caps_free(&c);
}

static void test_not_substring(void **state)
{
    (void)state;
    /* The greeting names STARTTLS and AUTH but offers neither. */
    ehlo_caps c = parse("250-mx.example.com STARTTLS AUTH PLAIN here\n250 8BITMIME");
    assert_false(c.starttls);
    assert_int_equal(c.n_auth, 0);
    assert_true(c.eightbitmime);
    ehlo_caps_free(&c);
}

static void test_escaped_lines(void **state)
{
    (void)state;
    ehlo_caps c = parse("250-mx\x01.example\n250-X-EVIL \x1b[31m\n250 STARTTLS");
    assert_string_equal(c.domain, "mx\\x01.example");
    assert_string_equal(c.lines[0], "X-EVIL \\x1B[31m");
    assert_true(c.starttls);
    ehlo_caps_free(&c);
}

static void test_refusal_and_errors(void **state)
{
    (void)state;
    smtp_reply *r = mkreply("502-mx.example.com\n502 STARTTLS");
    ehlo_caps c;
    err e;
    err_clear(&e);
    assert_int_equal(ehlo_caps_parse(r, &c, &e), 0);
    assert_false(c.starttls);
    assert_int_equal(c.n_lines, 0);
    ehlo_caps_free(&c);
    reply_free(r);

    assert_int_equal(ehlo_caps_parse(NULL, &c, &e), -1);
    assert_int_equal(e.cls, ERRC_INTERNAL);
    ehlo_caps_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typical),
        cmocka_unit_test(test_greeting_only),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_auth_merge),
        cmocka_unit_test(test_not_substring),
        cmocka_unit_test(test_escaped_lines),
        cmocka_unit_test(test_refusal_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
