/* test_buf.c — unit tests for core/buf.c.
 *
 * The cap is the point of buf: appends up to exactly `max` bytes succeed,
 * one more fails and leaves the buffer unchanged (for buf_append and
 * buf_appendf alike). Also NUL termination, consume, reset, steal and free
 * on empty and used buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void test_append_and_cap(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 10);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append(&b, "hello", 5), 0);
    assert_string_equal(b.data, "hello");
    assert_int_equal(buf_append_str(&b, "world"), 0);   /* exactly at the cap */
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "helloworld");
    assert_int_equal(buf_append(&b, "!", 1), -1);        /* one past it */
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "helloworld");
    assert_int_equal(buf_append(&b, "", 0), 0);          /* nothing is always fine */
    assert_int_equal(buf_append(&b, NULL, 0), 0);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);

    /* A huge length cannot wrap around the cap check. */
    buf_init(&b, 100);
    assert_int_equal(buf_append(&b, "x", 1), 0);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), -1);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX - 1), -1);
    assert_int_equal(b.len, 1);
    buf_free(&b);

    buf_init(&b, 0);
    assert_int_equal(buf_append(&b, "x", 1), -1);
    assert_int_equal(buf_append(&b, "", 0), 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    buf_free(&b);
}

static void test_binary_and_growth(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 100000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_append(&b, "a\0c", 3), 0);
    assert_int_equal(b.len, 3000);
    assert_memory_equal(b.data + 2997, "a\0c", 3);
    assert_int_equal(b.data[3000], '\0');
    assert_true(b.cap > b.len);
    buf_free(&b);
}

static void test_appendf(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 12);
    assert_int_equal(buf_appendf(&b, "%d-%s", 42, "ab"), 0);
    assert_string_equal(b.data, "42-ab");
    assert_int_equal(buf_appendf(&b, "%s", "1234567"), 0);   /* 12 exactly */
    assert_int_equal(b.len, 12);
    assert_int_equal(buf_appendf(&b, "%c", 'x'), -1);
    assert_string_equal(b.data, "42-ab1234567");
    assert_int_equal(buf_appendf(&b, "%s", ""), 0);
    buf_free(&b);

    buf_init(&b, 4);
    assert_int_equal(buf_appendf(&b, "%s", "too long"), -1);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_appendf(&b, "%s", ""), 0);
    assert_string_equal(b.data, "");
    buf_free(&b);
}

static void test_consume_reset(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 64);
    buf_consume(&b, 5);      /* on an empty, unallocated buffer */
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_append_str(&b, "line1\r\nline2"), 0);
    buf_consume(&b, 7);
    assert_string_equal(b.data, "line2");
    assert_int_equal(b.len, 5);
    buf_consume(&b, 0);
    assert_string_equal(b.data, "line2");
    buf_consume(&b, 100);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(buf_append_str(&b, "abc"), 0);
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    /* The cap still counts from the current length after consuming. */
    char big[64];
    memset(big, 'z', sizeof big);
    assert_int_equal(buf_append(&b, big, 64), 0);
    buf_consume(&b, 32);
    assert_int_equal(buf_append(&b, big, 32), 0);
    assert_int_equal(buf_append(&b, big, 1), -1);
    buf_free(&b);
}

static void test_steal(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 64);
    char *s = buf_steal(&b);    /* empty, never allocated: still "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    assert_int_equal(buf_append_str(&b, "mine"), 0);
    s = buf_steal(&b);
    assert_string_equal(s, "mine");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 64);
    free(s);
    assert_int_equal(buf_append_str(&b, "again"), 0);   /* reusable */
    assert_string_equal(b.data, "again");
    buf_free(&b);
    buf_free(&b);                                       /* twice is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_cap),
        cmocka_unit_test(test_binary_and_growth),
        cmocka_unit_test(test_appendf),
        cmocka_unit_test(test_consume_reset),
        cmocka_unit_test(test_steal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
