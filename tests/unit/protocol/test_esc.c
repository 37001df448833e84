/* test_esc.c — the reply-code table and the enhanced-status registry:
 * completeness and order of both tables, strict "c.s.d" parsing, known
 * titles, and the category fallback for codes without an entry. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/esc.h"

static void registry_entries_round_trip(void **state)
{
    (void)state;
    size_t n = 0;
    const esc_enhanced_info *t = esc_enhanced_table(&n);
    assert_true(n >= 81); /* X.0.0 .. X.7.30 as registered today */
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].title);
        assert_true(strlen(t[i].title) > 3);
        assert_true(strlen(t[i].meaning) > 10);
        assert_true(strlen(t[i].causes) > 10);
        assert_true(strlen(t[i].action) > 5);
        assert_true(strncmp(t[i].reference, "RFC ", 4) == 0 ||
                    strncmp(t[i].reference, "IANA", 4) == 0);
        if (i > 0) { /* strictly ascending: sorted, so no duplicates */
            bool asc = t[i - 1].subject < t[i].subject ||
                       (t[i - 1].subject == t[i].subject && t[i - 1].detail < t[i].detail);
            if (!asc)
                fail_msg("registry out of order at X.%d.%d", t[i].subject, t[i].detail);
        }
        for (int cls = 2; cls <= 5; cls += cls == 2 ? 2 : 1) {
            char code[24];
            snprintf(code, sizeof code, "%d.%d.%d", cls, t[i].subject, t[i].detail);
            assert_ptr_equal(esc_enhanced_lookup(code), &t[i]);
            assert_string_equal(esc_enhanced_title(code), t[i].title);
        }
    }
    /* Every subject's registered details are contiguous from 0. */
    static const int last_detail[8] = {0, 10, 4, 6, 7, 6, 10, 30};
    for (int s = 0; s < 8; s++)
        for (int d = 0; d <= last_detail[s]; d++) {
            char code[24];
            snprintf(code, sizeof code, "5.%d.%d", s, d);
            if (!esc_enhanced_lookup(code))
                fail_msg("missing registry entry X.%d.%d", s, d);
        }
}

static void known_titles(void **state)
{
    (void)state;
    static const struct {
        const char *code, *title, *reference;
    } rows[] = {
        {"5.1.1", "Bad destination mailbox address", "RFC 3463"},
        {"4.2.2", "Mailbox full", "RFC 3463"},
        {"5.2.2", "Mailbox full", "RFC 3463"},
        {"5.7.1", "Delivery not authorized, message refused", "RFC 3463"},
        {"4.7.0", "Other or undefined security status", "RFC 3463"},
        {"5.7.26", "Multiple authentication checks failed", "RFC 7372"},
        {"5.7.8", "Authentication credentials invalid", "RFC 4954"},
        {"5.1.10", "Recipient address has null MX", "RFC 7505"},
        {"5.7.27", "Sender address has null MX", "RFC 7505"},
        {"5.7.30", "REQUIRETLS support required", "RFC 8689"},
        {"5.7.29", "ARC validation failure", "RFC 8617"},
        {"5.7.23", "SPF validation failed", "RFC 7372"},
        {"4.7.24", "SPF validation error", "RFC 7372"},
        {"5.7.17", "Mailbox owner has changed", "RFC 7293"},
        {"5.7.15", "Priority Level is too low", "RFC 6710"},
        {"2.3.6", "Requested priority was changed", "RFC 6710"},
        {"5.5.6", "Authentication Exchange line is too long", "RFC 4954"},
        {"5.6.7", "Non-ASCII addresses not permitted for that sender/recipient", "RFC 6531"},
        {"2.1.9", "Message relayed to non-compliant mailer", "RFC 3886"},
        {"4.4.7", "Delivery time expired", "RFC 3463"},
        {"2.0.0", "Other undefined Status", "RFC 3463"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const esc_enhanced_info *e = esc_enhanced_lookup(rows[i].code);
        if (!e)
            fail_msg("%s not found", rows[i].code);
        assert_string_equal(e->title, rows[i].title);
        assert_string_equal(e->reference, rows[i].reference);
    }
}

static void enhanced_parse_is_strict(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int ok, c, s, d;
    } rows[] = {
        {"5.1.1", 1, 5, 1, 1},     {"4.7.30", 1, 4, 7, 30},  {"2.0.0", 1, 2, 0, 0},
        {"5.999.999", 1, 5, 999, 999}, {"5.01.001", 1, 5, 1, 1},
        {"3.1.1", 0, 0, 0, 0},     {"1.1.1", 0, 0, 0, 0},    {"5.1000.1", 0, 0, 0, 0},
        {"5.1.1000", 0, 0, 0, 0},  {"5.1", 0, 0, 0, 0},      {"5..1", 0, 0, 0, 0},
        {"5.1.1 ", 0, 0, 0, 0},    {" 5.1.1", 0, 0, 0, 0},   {"5.1.1.1", 0, 0, 0, 0},
        {"5.a.1", 0, 0, 0, 0},     {"55.1.1", 0, 0, 0, 0},   {"", 0, 0, 0, 0},
        {"5.-1.1", 0, 0, 0, 0},    {"5.1.", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int c = -1, s = -1, d = -1;
        int rc = esc_enhanced_parse(rows[i].in, &c, &s, &d);
        if ((rc == 0) != (rows[i].ok != 0))
            fail_msg("'%s': parse gave %d", rows[i].in, rc);
        if (rows[i].ok) {
            assert_int_equal(c, rows[i].c);
            assert_int_equal(s, rows[i].s);
            assert_int_equal(d, rows[i].d);
        } else {
            assert_null(esc_enhanced_lookup(rows[i].in));
        }
    }
    assert_int_equal(esc_enhanced_parse(NULL, &(int){0}, &(int){0}, &(int){0}), -1);
    assert_null(esc_enhanced_lookup(NULL));
    assert_null(esc_enhanced_lookup("5.7.31")); /* well-formed, not registered */
    assert_null(esc_enhanced_lookup("5.8.0"));
    assert_null(esc_enhanced_title("5.9.9"));
}

static void reply_table_complete_and_sorted(void **state)
{
    (void)state;
    size_t n = 0;
    const esc_reply_info *t = esc_reply_table(&n);
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i].code >= 200 && t[i].code <= 599);
        assert_true(strlen(t[i].meaning) > 5);
        assert_true(t[i].meaning[strlen(t[i].meaning) - 1] != '.');
        assert_true(strlen(t[i].causes) > 10);
        assert_true(strlen(t[i].action) > 5);
        assert_true(strncmp(t[i].reference, "RFC ", 4) == 0);
        if (i > 0)
            assert_true(t[i - 1].code < t[i].code);
        assert_ptr_equal(esc_reply_lookup(t[i].code), &t[i]);
    }
    /* RFC 5321 §4.2.3, RFC 4954, RFC 7504. */
    static const int required[] = {
        211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502,
        503, 504, 550, 551, 552, 553, 554, 555, 235, 334, 432, 454, 530, 534, 535, 538,
        521, 556,
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!esc_reply_lookup(required[i]))
            fail_msg("reply code %d missing", required[i]);
    assert_string_equal(esc_reply_lookup(535)->meaning, "Authentication credentials invalid");
    assert_non_null(strstr(esc_reply_lookup(450)->causes, "greylisting"));
    assert_null(esc_reply_lookup(599));
    assert_null(esc_reply_lookup(0));
    assert_null(esc_reply_lookup(-1));
}

static void category_fallback(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *prefix, *contains;
    } rows[] = {
        {299, "2yz", "positive completion"}, {599, "5yz", "permanent"},
        {571, "5yz", "permanent"},           {471, "4yz", "transient"},
        {450, "4yz", "mail system"},         {500, "5yz", "syntax"},
        {421, "4yz", "connection"},          {214, "2yz", "information"},
        {354, "3yz", "intermediate"},        {200, "2yz", "syntax"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *c = esc_reply_category(rows[i].code);
        assert_non_null(c);
        assert_memory_equal(c, rows[i].prefix, 3);
        assert_non_null(strstr(c, rows[i].contains));
    }
    for (int code = 200; code <= 599; code++)
        assert_non_null(esc_reply_category(code));
    assert_null(esc_reply_category(199));
    assert_null(esc_reply_category(600));
    assert_null(esc_reply_category(0));
    assert_null(esc_reply_category(-550));
}

static void temporary_codes(void **state)
{
    (void)state;
    assert_true(esc_is_temporary_code(421));
    assert_true(esc_is_temporary_code(450));
    assert_true(esc_is_temporary_code(499));
    assert_true(esc_is_temporary_code(4));
    assert_false(esc_is_temporary_code(550));
    assert_false(esc_is_temporary_code(250));
    assert_false(esc_is_temporary_code(5));
    assert_false(esc_is_temporary_code(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_entries_round_trip),
        cmocka_unit_test(known_titles),
        cmocka_unit_test(enhanced_parse_is_strict),
        cmocka_unit_test(reply_table_complete_and_sorted),
        cmocka_unit_test(category_fallback),
        cmocka_unit_test(temporary_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
