/* test_explain.c — what `explain` accepts: bare reply codes, bare enhanced
 * codes, whole reply lines (space or '-' after the code), whitespace; what it
 * refuses and how it says so; class mismatch; escaping of echoed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "checks/explain.h"
#include "core/err.h"

static void input_forms(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int code;
        const char *enhanced, *text, *title; /* title: enh title or reply meaning */
        bool temporary, permanent, mismatch;
    } rows[] = {
        {"550", 550, "", NULL, "Requested action not taken: mailbox unavailable", false, true,
         false},
        {"5.1.1", 0, "5.1.1", NULL, "Bad destination mailbox address", false, true, false},
        {"4.2.2", 0, "4.2.2", NULL, "Mailbox full", true, false, false},
        {"550 5.1.1 <bob@x>: Recipient address rejected", 550, "5.1.1",
         "<bob@x>: Recipient address rejected", "Bad destination mailbox address", false,
         true, false},
        {"550-5.1.1 The email account that you tried to reach does not exist", 550, "5.1.1",
         "The email account that you tried to reach does not exist",
         "Bad destination mailbox address", false, true, false},
        {"  \t421 4.7.0 Try again later\r\n", 421, "4.7.0", "Try again later",
         "Other or undefined security status", true, false, false},
        {" 250 ", 250, "", NULL, "Requested mail action okay, completed", false, false, false},
        {"250 2.0.0 Ok: queued as 4F2A1", 250, "2.0.0", "Ok: queued as 4F2A1",
         "Other undefined Status", false, false, false},
        {"250 OK", 250, "", "OK", "Requested mail action okay, completed", false, false,
         false},
        {"250-PIPELINING", 250, "", "PIPELINING", NULL, false, false, false},
        {"554 5.7.1 Relay access denied", 554, "5.7.1", "Relay access denied",
         "Delivery not authorized, message refused", false, true, false},
        {"5.7.26 Unauthenticated email is not accepted", 0, "5.7.26",
         "Unauthenticated email is not accepted", "Multiple authentication checks failed",
         false, true, false},
        {"550 5.01.001 odd zeros", 550, "5.1.1", "odd zeros", "Bad destination mailbox address",
         false, true, false},
        {"550 5.1.1000 not an enhanced code", 550, "", "5.1.1000 not an enhanced code", NULL,
         false, true, false},
        {"451 4.7.1:", 451, "", "4.7.1:", NULL, true, false, false},
        {"599", 599, "", NULL, NULL, false, true, false},
        {"5.9.9", 0, "5.9.9", NULL, NULL, false, true, false},
        {"250 5.1.1 odd server", 250, "5.1.1", "odd server", NULL, false, false, true},
        {"550 4.2.2 full", 550, "4.2.2", "full", "Mailbox full", false, true, true},
        {"450 4.2.0 greylisted", 450, "4.2.0", "greylisted", NULL, true, false, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        err e;
        err_clear(&e);
        explain_outcome *x = explain_run(rows[i].in, &e);
        if (!x)
            fail_msg("'%s' refused: %s", rows[i].in, e.msg);
        assert_int_equal(x->code, rows[i].code);
        assert_string_equal(x->enhanced, rows[i].enhanced);
        if (rows[i].text)
            assert_string_equal(x->text, rows[i].text);
        else
            assert_null(x->text);
        if (rows[i].title) {
            const char *t = x->enh ? x->enh->title : x->reply ? x->reply->meaning : NULL;
            assert_non_null(t);
            assert_string_equal(t, rows[i].title);
        }
        assert_int_equal(x->temporary, rows[i].temporary);
        assert_int_equal(x->permanent, rows[i].permanent);
        assert_int_equal(x->class_mismatch, rows[i].mismatch);
        if (x->code)
            assert_non_null(x->reply_category);
        else
            assert_null(x->reply_category);
        assert_non_null(x->input);
        explain_outcome_free(x);
    }
}

static void unknown_codes_still_explained(void **state)
{
    (void)state;
    err e;
    err_clear(&e);
    explain_outcome *x = explain_run("599", &e);
    assert_non_null(x);
    assert_null(x->reply);
    assert_non_null(strstr(x->reply_category, "permanent"));
    explain_outcome_free(x);
    x = explain_run("5.7.99", &e);
    assert_non_null(x);
    assert_null(x->enh);
    assert_true(x->permanent);
    explain_outcome_free(x);
}

static void bad_inputs(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "abc", "", "   ", "55", "5500", "550abc", "650", "150", "099", "3.1.1", "5.1",
        "5.1.1.1", "x 550", "-550", "5 .1.1", "5.1000.1", "five fifty",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err e;
        err_clear(&e);
        explain_outcome *x = explain_run(bad[i], &e);
        if (x)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        assert_non_null(strstr(e.msg, "is not a reply code (3 digits, e.g. 550) or an "
                                      "enhanced status code (e.g. 5.1.1)"));
    }
    err e;
    err_clear(&e);
    assert_null(explain_run("abc", &e));
    assert_string_equal(e.msg, "'abc' is not a reply code (3 digits, e.g. 550) or an enhanced "
                               "status code (e.g. 5.1.1)");
    assert_null(explain_run(NULL, &e));
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_null(explain_run("bad", NULL)); /* e may be NULL */
}

static void echoed_input_is_escaped_and_bounded(void **state)
{
    (void)state;
    err e;
    err_clear(&e);
    assert_null(explain_run("\x1b[31mred\x07", &e));
    assert_null(strchr(e.msg, '\x1b'));
    assert_null(strchr(e.msg, '\x07'));
    assert_non_null(strstr(e.msg, "\\x1B[31mred\\x07"));

    char longin[400];
    memset(longin, 'z', sizeof longin - 1);
    longin[sizeof longin - 1] = '\0';
    assert_null(explain_run(longin, &e));
    assert_non_null(strstr(e.msg, "...' is not a reply code"));

    explain_outcome *x = explain_run("550 5.7.1 bad\x1b]0;pwned\x07 text\x01", &e);
    assert_non_null(x);
    assert_null(strchr(x->text, '\x1b'));
    assert_null(strchr(x->text, '\x01'));
    assert_non_null(strstr(x->text, "\\x1B]0;pwned\\x07"));
    assert_null(strchr(x->input, '\x1b'));
    explain_outcome_free(x);
    explain_outcome_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(input_forms),
        cmocka_unit_test(unknown_codes_still_explained),
        cmocka_unit_test(bad_inputs),
        cmocka_unit_test(echoed_input_is_escaped_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
