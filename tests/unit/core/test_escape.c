/* test_escape.c — unit tests for core/escape.c.
 *
 * A table of byte strings and their display form: printable ASCII kept,
 * control bytes and backslash escaped, valid UTF-8 kept, C1 controls
 * (U+0080..U+009F), overlongs, surrogates, out-of-range and truncated
 * sequences escaped byte by byte, NUL escaped. Then the UTF-8 length helper
 * on its own, and a sweep proving the output never holds a control byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/escape.h"

typedef struct esc_case {
    const char *name;
    const char *in;
    size_t len;          /* 0: strlen(in) */
    const char *out;
} esc_case;

static const esc_case cases[] = {
    {"empty", "", 0, ""},
    {"printable", "Hello, world! ~{}", 0, "Hello, world! ~{}"},
    {"tab CR LF", "a\tb\rc\nd", 0, "a\\tb\\rc\\nd"},
    {"backslash", "a\\b", 0, "a\\\\b"},
    {"NUL", "a\0b", 3, "a\\x00b"},
    {"only NUL", "\0", 1, "\\x00"},
    {"ESC", "\x1b[31m", 0, "\\x1B[31m"},
    {"DEL", "\x7f", 0, "\\x7F"},
    {"bell and 0x1f", "\x07\x1f", 0, "\\x07\\x1F"},
    {"UTF-8 2 bytes", "gr\xc3\xbc\xc3\x9f" "e", 0, "gr\xc3\xbc\xc3\x9f" "e"},
    {"UTF-8 3 bytes", "\xe2\x82\xac", 0, "\xe2\x82\xac"},
    {"UTF-8 4 bytes", "\xf0\x9f\x93\xa7", 0, "\xf0\x9f\x93\xa7"},
    {"U+00A0 kept", "\xc2\xa0", 0, "\xc2\xa0"},
    {"C1 U+0080", "\xc2\x80", 0, "\\xC2\\x80"},
    {"C1 U+009B (CSI)", "\xc2\x9b" "2J", 0, "\\xC2\\x9B2J"},
    {"C1 U+009F", "\xc2\x9f", 0, "\\xC2\\x9F"},
    {"lone continuation", "\x80", 0, "\\x80"},
    {"0xFF", "\xff", 0, "\\xFF"},
    {"overlong slash", "\xc0\xaf", 0, "\\xC0\\xAF"},
    {"overlong 3 bytes", "\xe0\x80\xaf", 0, "\\xE0\\x80\\xAF"},
    {"overlong 4 bytes", "\xf0\x80\x80\xaf", 0, "\\xF0\\x80\\x80\\xAF"},
    {"surrogate", "\xed\xa0\x80", 0, "\\xED\\xA0\\x80"},
    {"above U+10FFFF", "\xf4\x90\x80\x80", 0, "\\xF4\\x90\\x80\\x80"},
    {"truncated at end", "a\xe2\x82", 0, "a\\xE2\\x82"},
    {"truncated then ASCII", "\xe2\x82z", 0, "\\xE2\\x82z"},
    {"bad continuation", "\xc3(", 0, "\\xC3("},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        char *out = escape_display(cases[i].in, len);
        assert_non_null(out);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("case '%s': got \"%s\", want \"%s\"", cases[i].name, out, cases[i].out);
        free(out);
    }
}

static void test_utf8_seq_len(void **state)
{
    (void)state;
    const unsigned char *u = (const unsigned char *)"\xe2\x82\xac";
    assert_int_equal(escape_utf8_seq_len(u, 3), 3);
    assert_int_equal(escape_utf8_seq_len(u, 2), 0);  /* not enough bytes available */
    assert_int_equal(escape_utf8_seq_len(u, 0), 0);
    assert_int_equal(escape_utf8_seq_len((const unsigned char *)"A", 1), 1);
    assert_int_equal(escape_utf8_seq_len((const unsigned char *)"\xf4\x8f\xbf\xbf", 4), 4);
    assert_int_equal(escape_utf8_seq_len((const unsigned char *)"\xf5\x80\x80\x80", 4), 0);
    assert_int_equal(escape_utf8_seq_len((const unsigned char *)"\xef\xbf\xbf", 3), 3);
    assert_int_equal(escape_utf8_seq_len((const unsigned char *)"\xed\x9f\xbf", 3), 3);
}

/* Every single byte and every two-byte pair: the output holds no byte below
 * 0x20 and no DEL, and each byte is either kept or grows to at most 4. */
static void test_sweep(void **state)
{
    (void)state;
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            char in[2] = {(char)a, (char)b};
            char *out = escape_display(in, 2);
            assert_non_null(out);
            size_t n = strlen(out);
            assert_true(n >= 2 && n <= 8);
            for (size_t k = 0; k < n; k++) {
                unsigned char c = (unsigned char)out[k];
                assert_true(c >= 0x20 && c != 0x7f);
            }
            free(out);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_utf8_seq_len),
        cmocka_unit_test(test_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
