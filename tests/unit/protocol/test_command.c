/* test_command.c — unit tests for protocol/command.c.
 *
 * Command lines: CR LF appended, CR/LF/NUL injection refused with the
 * buffer untouched, the 512-byte limit (RFC 5321 §4.5.3.1.4) exactly at its
 * edge. Body: a table of line-ending normalisation and dot-stuffing cases
 * (RFC 5321 §4.5.2), plus the size cap. */
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
#include "protocol/command.h"

static void test_format(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 4096);
    err e;
    err_clear(&e);
    assert_int_equal(command_format(&b, &e, "EHLO %s", "client.example"), 0);
    assert_int_equal(command_format(&b, &e, "MAIL FROM:<%s> SIZE=%d", "a@b.example", 42), 0);
    assert_string_equal(b.data, "EHLO client.example\r\nMAIL FROM:<a@b.example> SIZE=42\r\n");
    buf_free(&b);
}

static void test_injection(void **state)
{
    (void)state;
    static const struct {
        const char *arg;
        const char *what;
    } bad[] = {
        {"a@b\r\nRCPT TO:<victim@example.com>", "CR"},
        {"a@b\nDATA", "LF"},
        {"a@b\r", "CR"},
        {"\n", "LF"},
    };
    buf b;
    buf_init(&b, 4096);
    err e;
    assert_int_equal(command_format(&b, NULL, "NOOP"), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_clear(&e);
        assert_int_equal(command_format(&b, &e, "MAIL FROM:<%s>", bad[i].arg), -1);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        assert_non_null(strstr(e.msg, bad[i].what));
        assert_string_equal(b.data, "NOOP\r\n"); /* unchanged */
    }
    err_clear(&e);
    assert_int_equal(command_format(&b, &e, "RCPT TO:<a%cb>", 0), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "NUL"));
    assert_int_equal(b.len, 6);
    buf_free(&b);
}

static void test_length_limit(void **state)
{
    (void)state;
    char arg[COMMAND_MAX_LINE + 8];
    buf b;
    buf_init(&b, 4096);
    err e;
    err_clear(&e);
    /* "X " + arg + CR LF == 512 exactly: allowed. */
    size_t n = COMMAND_MAX_LINE - 4;
    memset(arg, 'a', n);
    arg[n] = '\0';
    assert_int_equal(command_format(&b, &e, "X %s", arg), 0);
    assert_int_equal(b.len, COMMAND_MAX_LINE);
    assert_memory_equal(b.data + b.len - 2, "\r\n", 2);
    /* One more byte: refused, buffer unchanged. */
    arg[n] = 'a';
    arg[n + 1] = '\0';
    assert_int_equal(command_format(&b, &e, "X %s", arg), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "513 bytes"));
    assert_int_equal(b.len, COMMAND_MAX_LINE);
    /* Far longer input is refused the same way. */
    char *huge = malloc(10000);
    memset(huge, 'b', 9999);
    huge[9999] = '\0';
    assert_int_equal(command_format(&b, &e, "%s", huge), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    free(huge);
    buf_free(&b);

    /* A full output buffer is an internal error, not the user's. */
    buf_init(&b, 8);
    assert_int_equal(command_format(&b, &e, "NOOP"), 0);
    assert_int_equal(command_format(&b, &e, "NOOP"), -1);
    assert_int_equal(e.cls, ERRC_INTERNAL);
    assert_int_equal(b.len, 6);
    buf_free(&b);
}

typedef struct stuff_case {
    const char *name;
    const char *in;
    const char *out;
} stuff_case;

static const stuff_case stuff[] = {
    {"empty", "", ".\r\n"},
    {"one line CRLF", "hello\r\n", "hello\r\n.\r\n"},
    {"no final newline", "hello", "hello\r\n.\r\n"},
    {"bare LF", "a\nb\n", "a\r\nb\r\n.\r\n"},
    {"bare CR", "a\rb\r", "a\r\nb\r\n.\r\n"},
    {"mixed endings", "a\r\nb\nc\rd", "a\r\nb\r\nc\r\nd\r\n.\r\n"},
    {"LF CR is two endings", "a\n\rb", "a\r\n\r\nb\r\n.\r\n"},
    {"CR CR LF", "a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"},
    {"blank lines kept", "a\n\n\nb", "a\r\n\r\n\r\nb\r\n.\r\n"},
    {"leading dot", ".hidden\r\n", "..hidden\r\n.\r\n"},
    {"lone dot line", "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
    {"lone dot bare LF", "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {"dot after bare CR", "a\r.b", "a\r\n..b\r\n.\r\n"},
    {"two dots", "..\n", "...\r\n.\r\n"},
    {"dot in middle", "a.b\r\n", "a.b\r\n.\r\n"},
    {"only a dot", ".", "..\r\n.\r\n"},
    {"only newline", "\n", "\r\n.\r\n"},
    {"only CR", "\r", "\r\n.\r\n"},
};

static void test_dot_stuff_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof stuff / sizeof stuff[0]; i++) {
        buf b;
        buf_init(&b, 4096);
        err e;
        err_clear(&e);
        assert_int_equal(command_dot_stuff(&b, stuff[i].in, strlen(stuff[i].in), &e), 0);
        if (b.len != strlen(stuff[i].out) || memcmp(b.data, stuff[i].out, b.len) != 0)
            fail_msg("case '%s': wrong output (%zu bytes, want %zu)", stuff[i].name, b.len,
                     strlen(stuff[i].out));
        buf_free(&b);
    }
}

static void test_dot_stuff_binary_and_cap(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 64);
    err e;
    err_clear(&e);
    /* Bytes other than CR/LF pass through, NUL included. */
    assert_int_equal(command_dot_stuff(&b, "a\0b", 3, &e), 0);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "a\0b\r\n.\r\n", 8);
    buf_free(&b);

    /* Appends after what is already there; a body that does not fit is
     * refused and leaves the buffer as it was. */
    buf_init(&b, 16);
    assert_int_equal(buf_append_str(&b, "DATA\r\n"), 0);
    assert_int_equal(command_dot_stuff(&b, "abc", 3, &e), 0);   /* 6 + 8 = 14 */
    assert_string_equal(b.data, "DATA\r\nabc\r\n.\r\n");
    assert_int_equal(command_dot_stuff(&b, "", 0, &e), -1);     /* 14 + 3 > 16 */
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_int_equal(b.len, 14);
    buf_free(&b);

    buf_init(&b, 10);
    assert_int_equal(command_dot_stuff(&b, "\n\n\n\n", 4, &e), -1); /* 8 + 3 > 10 */
    assert_int_equal(b.len, 0);
    assert_int_equal(command_dot_stuff(&b, "\n\n\n", 3, &e), 0);    /* 6 + 3 */
    assert_int_equal(b.len, 9);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_dot_stuff_table),
        cmocka_unit_test(test_dot_stuff_binary_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
