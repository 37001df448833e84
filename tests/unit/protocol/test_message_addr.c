/* test_message_addr.c — unit tests for protocol/message/addr.c and
 * envelope.c.
 *
 * A table of addresses accepted (with the mailbox that goes on the wire and
 * the SMTPUTF8/IDN flags) and refused (with a word the error must contain):
 * dot-strings, quoted local parts, address literals, IDN domains converted
 * to A-labels with libidn2, UTF-8 local parts that need SMTPUTF8, length
 * limits of RFC 5321 §4.5.3.1, and CR/LF injection. Then the mailbox
 * splitter and the envelope (Bcc included, duplicates dropped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "protocol/message/addr.h"
#include "protocol/message/message.h"

static void test_valid(void **state)
{
    (void)state;
    static const struct {
        const char *in, *mailbox;
        bool utf8, idn, literal;
    } ok[] = {
        {"user@example.com", "user@example.com", false, false, false},
        {"<user@example.com>", "user@example.com", false, false, false},
        {"first.last+tag@sub.example.org", "first.last+tag@sub.example.org", 0, 0, 0},
        {"!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com", 0, 0, 0},
        {"postmaster@localhost", "postmaster@localhost", 0, 0, 0},
        {"\"john doe\"@example.com", "\"john doe\"@example.com", 0, 0, 0},
        {"\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com", 0, 0, 0},
        {"\"a..b\"@example.com", "\"a..b\"@example.com", 0, 0, 0},
        {"\"@\"@example.com", "\"@\"@example.com", 0, 0, 0},
        {"user@[192.0.2.1]", "user@[192.0.2.1]", 0, 0, 1},
        {"user@[IPv6:2001:db8::1]", "user@[IPv6:2001:db8::1]", 0, 0, 1},
        /* IDN: U-label to A-label (RFC 5891), no SMTPUTF8 needed. */
        {"info@bücher.example", "info@xn--bcher-kva.example", false, true, false},
        {"info@Bücher.example", "info@xn--bcher-kva.example", false, true, false},
        {"x@例え.テスト", "x@xn--r8jz45g.xn--zckzah", false, true, false},
        /* A UTF-8 local part needs SMTPUTF8 (RFC 6531 §3.3). */
        {"jörg@example.com", "jörg@example.com", true, false, false},
        {"用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v", true, true, false},
        {"\"jö rg\"@example.com", "\"jö rg\"@example.com", true, false, false},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        addr a;
        err e;
        err_clear(&e);
        int rc = addr_parse(ok[i].in, &a, &e);
        if (rc != 0)
            fail_msg("%s: %s", ok[i].in, e.msg);
        assert_string_equal(a.mailbox, ok[i].mailbox);
        assert_int_equal(a.smtputf8, ok[i].utf8);
        assert_int_equal(a.idn, ok[i].idn);
        assert_int_equal(a.literal, ok[i].literal);
        addr_clear(&a);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    char long_local[80], long_label[80], long_total[300];
    memset(long_local, 'a', 65);
    snprintf(long_local + 65, sizeof long_local - 65, "@example.com");
    memcpy(long_label, "x@", 2);
    memset(long_label + 2, 'b', 64);
    snprintf(long_label + 66, sizeof long_label - 66, ".example");
    /* 20 + 1 + 247: each part within its own limit, the whole over 254. */
    memset(long_total, 'x', 20);
    long_total[20] = '@';
    size_t k = 21;
    for (int i = 0; i < 4; i++) {
        memset(long_total + k, 'c', 60);
        k += 60;
        long_total[k++] = '.';
    }
    memcpy(long_total + k, "com", 4);
    static const char *const idn_bad = "a@xn--bcher-kva\xff.example";
    const struct {
        const char *in, *word;
    } bad[] = {
        {"user@example.com\r\nRCPT TO:<victim@example.org>", "CR"},
        {"user@exa\nmple.com", "LF"},
        {"us\ter@example.com", "control"},
        {"", "empty"},
        {"<>", "empty"},
        {"userexample.com", "'@'"},
        {"user@", "empty"},
        {"@example.com", "empty"},
        {".user@example.com", "leading dot"},
        {"us..er@example.com", "consecutive"},
        {"user.@example.com", "ends with a dot"},
        {"us er@example.com", "quoted"},
        {"a@b@example.com", "more than one"},
        {"\"unterminated@example.com", "closing quote"},
        {"\"\"@example.com", "empty"},
        {"\"a\"b@example.com", "'@'"},
        {"user@-example.com", "starts with '-'"},
        {"user@example-.com", "ends with '-'"},
        {"user@exa_mple.com", "'_'"},
        {"user@example..com", "empty label"},
        {"user@example.com.", "empty label"},
        {"user@[300.1.1.1]", "IPv4"},
        {"user@[IPv6:zz::1]", "IPv6"},
        {"user@[192.0.2.1", "literal"},
        {"j\xc3rg@example.com", "UTF-8"},
        {"user@b\xfc" "cher.example", "UTF-8"},
        {idn_bad, "UTF-8"},
        {"user@\xe2\x98\xa0.example", "A-label"}, /* U+2620: DISALLOWED in IDNA 2008 */
        {"user@a\xe3\x80\x80" "b.example", "contains"}, /* ideographic space maps to a space */
        {long_local, "64"},
        {long_label, "63"},
        {long_total, "254"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        addr a;
        err e;
        err_clear(&e);
        if (addr_parse(bad[i].in, &a, &e) != -1)
            fail_msg("accepted: %s", bad[i].in);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        if (!strstr(e.msg, bad[i].word))
            fail_msg("%zu: \"%s\" lacks \"%s\"", i, e.msg, bad[i].word);
        assert_null(a.mailbox);
    }
}

static void test_split_mailbox(void **state)
{
    (void)state;
    static const struct {
        const char *in, *display, *address;
    } rows[] = {
        {"user@example.com", NULL, "user@example.com"},
        {"  user@example.com ", NULL, "user@example.com"},
        {"<user@example.com>", NULL, "user@example.com"},
        {"Jane Doe <jane@example.com>", "Jane Doe", "jane@example.com"},
        {"\"Doe, Jane\" <jane@example.com>", "Doe, Jane", "jane@example.com"},
        {"\"a \\\"q\\\" <b>\" <x@example.com>", "a \"q\" <b>", "x@example.com"},
        {"Jörg Müller <jörg@bücher.example>", "Jörg Müller", "jörg@bücher.example"},
        {"<\"a>b\"@example.com>", NULL, "\"a>b\"@example.com"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *d, *a;
        err e;
        err_clear(&e);
        assert_int_equal(addr_split_mailbox(rows[i].in, &d, &a, &e), 0);
        if (rows[i].display)
            assert_string_equal(d, rows[i].display);
        else
            assert_null(d);
        assert_string_equal(a, rows[i].address);
        free(d);
        free(a);
    }
    char *d, *a;
    err e;
    assert_int_equal(addr_split_mailbox("Jane <jane@example.com", &d, &a, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_int_equal(addr_split_mailbox("Jane <jane@example.com> x", &d, &a, &e), -1);
    assert_null(d);
    assert_null(a);
}

static void test_envelope(void **state)
{
    (void)state;
    msg_mailbox to[] = {{"A", "a@example.com"}, {NULL, "b@bücher.example"}};
    msg_mailbox cc[] = {{NULL, "a@EXAMPLE.com"}, {NULL, "c@example.com"}};
    msg_mailbox bcc[] = {{NULL, "hidden@example.net"}, {NULL, "b@xn--bcher-kva.example"}};
    msg_spec s = {.from = {"Me", "me@sender.example"},
                  .to = to, .n_to = 2, .cc = cc, .n_cc = 2, .bcc = bcc, .n_bcc = 2};
    msg_envelope env;
    err e;
    err_clear(&e);
    assert_int_equal(msg_envelope_build(&s, &env, &e), 0);
    assert_string_equal(env.from, "me@sender.example");
    assert_int_equal(env.n_rcpt, 4);
    assert_string_equal(env.rcpt[0], "a@example.com");
    assert_string_equal(env.rcpt[1], "b@xn--bcher-kva.example");
    assert_string_equal(env.rcpt[2], "c@example.com");
    assert_string_equal(env.rcpt[3], "hidden@example.net");
    assert_false(env.needs_smtputf8);
    msg_envelope_clear(&env);

    /* Local parts are case-sensitive: A@ and a@ are two recipients. */
    msg_mailbox two[] = {{NULL, "A@example.com"}, {NULL, "a@example.com"}};
    msg_mailbox utf[] = {{NULL, "jörg@example.com"}};
    s = (msg_spec){.from = {NULL, "me@example.com"}, .to = two, .n_to = 2, .bcc = utf,
                   .n_bcc = 1};
    assert_int_equal(msg_envelope_build(&s, &env, &e), 0);
    assert_int_equal(env.n_rcpt, 3);
    assert_true(env.needs_smtputf8); /* a Bcc alone is enough */
    msg_envelope_clear(&env);

    s = (msg_spec){.from = {NULL, "me@example.com"}};
    assert_int_equal(msg_envelope_build(&s, &env, &e), -1);
    assert_non_null(strstr(e.msg, "no recipient"));
    msg_mailbox evil[] = {{NULL, "x@example.com>\r\nDATA"}};
    s = (msg_spec){.from = {NULL, "me@example.com"}, .to = evil, .n_to = 1};
    assert_int_equal(msg_envelope_build(&s, &env, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "To address 1"));
    assert_null(env.from);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_split_mailbox),
        cmocka_unit_test(test_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
