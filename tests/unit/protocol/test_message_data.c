/* test_message_data.c — unit tests for protocol/message/data.c.
 *
 * Dot-stuffing (RFC 5321 §4.5.2) against a table of exact outputs; the
 * streaming writer gives exactly command_dot_stuff's output however the
 * input is cut into chunks (every two-way split, byte by byte, and 64 KB
 * pieces of a 1 MB message); the SIZE counter matches eml_prepare's size;
 * a chunk that does not fit is refused with nothing written and the state
 * kept; a composed message whose text has lines starting with '.' goes out
 * with those dots doubled. */
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
#include "protocol/message/data.h"
#include "protocol/message/eml.h"
#include "protocol/message/message.h"

/* Stuff in[0..n) fed in pieces of at most `piece` bytes (0: all at once). */
static void stuff(const char *in, size_t n, size_t piece, buf *out, data_stuffer *s)
{
    buf_init(out, 8u << 20);
    data_stuffer_init(s);
    err e;
    err_clear(&e);
    size_t i = 0;
    do {
        size_t k = piece && n - i > piece ? piece : n - i;
        if (data_stuffer_feed(s, out, in + i, k, &e) != 0)
            fail_msg("%s", e.msg);
        i += k;
    } while (i < n);
    assert_int_equal(data_stuffer_finish(s, out, &e), 0);
}

static void test_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"", ".\r\n"},
        {"a", "a\r\n.\r\n"},
        {"a\r\n", "a\r\n.\r\n"},
        {".", "..\r\n.\r\n"},
        {".a\n", "..a\r\n.\r\n"},
        {"a\n.\n", "a\r\n..\r\n.\r\n"},
        {"a\r\n.b\r\n", "a\r\n..b\r\n.\r\n"},
        {"..\n", "...\r\n.\r\n"},
        {"x.y\n", "x.y\r\n.\r\n"},
        {" .x\n", " .x\r\n.\r\n"},
        {"\n\r", "\r\n\r\n.\r\n"},
        {"\r\r\n", "\r\n\r\n.\r\n"},
        {"a\r.b", "a\r\n..b\r\n.\r\n"},
        {"\r\n.\r\n", "\r\n..\r\n.\r\n"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf out;
        data_stuffer s;
        stuff(rows[i].in, strlen(rows[i].in), 0, &out, &s);
        if (strcmp(out.data, rows[i].out) != 0)
            fail_msg("%zu: got \"%s\"", i, out.data);
        assert_int_equal(s.wire, out.len);
        buf_free(&out);
    }
}

/* The reference: the whole-body writer in protocol/command.c. */
static void reference(const char *in, size_t n, buf *out)
{
    buf_init(out, 8u << 20);
    err e;
    assert_int_equal(command_dot_stuff(out, in, n, &e), 0);
}

static void check_all_splits(const char *in, size_t n)
{
    buf want;
    reference(in, n, &want);
    for (size_t piece = 1; piece <= n + 1; piece++) {
        buf got;
        data_stuffer s;
        stuff(in, n, piece, &got, &s);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
        buf_free(&got);
    }
    /* Every two-way split. */
    for (size_t cut = 0; cut <= n; cut++) {
        buf got;
        buf_init(&got, 1 << 20);
        data_stuffer s;
        data_stuffer_init(&s);
        err e;
        assert_int_equal(data_stuffer_feed(&s, &got, in, cut, &e), 0);
        assert_int_equal(data_stuffer_feed(&s, &got, in + cut, n - cut, &e), 0);
        assert_int_equal(data_stuffer_finish(&s, &got, &e), 0);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
        /* SIZE counts the message as eml_prepare normalises it. */
        buf norm;
        buf_init(&norm, 1 << 20);
        eml_info info;
        assert_int_equal(eml_prepare(in, n, &norm, &info, &e), 0);
        assert_int_equal(s.size, info.size);
        buf_free(&norm);
        buf_free(&got);
    }
    buf_free(&want);
}

static void test_chunking(void **state)
{
    (void)state;
    static const char *const cases[] = {
        ".\r\n.\r\n..\r\n", "a\r\n.\r\nb", "\r\n\r\n", "\r\r\r\n\n\n", ".\r.\n.\r\n.",
        "line one\r\n.leading dot\r\n..two\r\nend", "\n.\n.\n", "x\r",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_all_splits(cases[i], strlen(cases[i]));
    /* Pseudo-random mixtures of the interesting bytes. */
    static const char alphabet[] = ".\r\na";
    uint32_t x = 7;
    char in[64];
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)round % 40;
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            in[i] = alphabet[(x >> 24) % 4];
        }
        check_all_splits(in, n);
    }
}

static void test_large_streamed(void **state)
{
    (void)state;
    /* A 1 MB message sent in 64 KB pieces through a 200 KB buffer that the
     * "session" drains after each feed. */
    size_t n = 1u << 20;
    char *in = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = (i % 61 == 0) ? '.' : (i % 61 == 60) ? '\n' : (char)('a' + i % 26);
    buf want;
    reference(in, n, &want);
    buf wire, sent;
    buf_init(&wire, 200u << 10);
    buf_init(&sent, 4u << 20);
    data_stuffer s;
    data_stuffer_init(&s);
    err e;
    for (size_t i = 0; i < n; i += 65536) {
        assert_int_equal(data_stuffer_feed(&s, &wire, in + i, 65536, &e), 0);
        assert_int_equal(buf_append(&sent, wire.data, wire.len), 0);
        buf_reset(&wire);
    }
    assert_int_equal(data_stuffer_finish(&s, &wire, &e), 0);
    assert_int_equal(buf_append(&sent, wire.data, wire.len), 0);
    assert_int_equal(sent.len, want.len);
    assert_memory_equal(sent.data, want.data, want.len);
    assert_int_equal(s.wire, want.len);
    assert_true(s.size < s.wire);
    free(in);
    buf_free(&want);
    buf_free(&wire);
    buf_free(&sent);
}

static void test_cap_and_misuse(void **state)
{
    (void)state;
    buf out;
    buf_init(&out, 8);
    data_stuffer s;
    data_stuffer_init(&s);
    err e;
    assert_int_equal(data_stuffer_feed(&s, &out, "abc\r", 4, &e), 0); /* "abc\r\n" */
    assert_int_equal(out.len, 5);
    data_stuffer before = s;
    /* "\n.x" would add ".x" with the dot doubled = 3 octets; 3 fit. */
    assert_int_equal(data_stuffer_feed(&s, &out, "\n.xy", 4, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_int_equal(out.len, 5);
    assert_int_equal(s.bol, before.bol);
    assert_int_equal(s.after_cr, before.after_cr);
    assert_int_equal(s.size, before.size);
    assert_int_equal(s.wire, before.wire);
    buf_reset(&out); /* the session sent it */
    assert_int_equal(data_stuffer_feed(&s, &out, "\n.xy", 4, &e), 0);
    assert_string_equal(out.data, "..xy");
    assert_int_equal(data_stuffer_finish(&s, &out, &e), -1); /* 9 octets: no room */
    buf_reset(&out);
    assert_int_equal(data_stuffer_finish(&s, &out, &e), 0);
    assert_string_equal(out.data, "\r\n.\r\n");
    assert_int_equal(s.size, 5 + 5);
    assert_int_equal(data_stuffer_feed(&s, &out, "x", 1, &e), -1);
    assert_int_equal(e.cls, ERRC_INTERNAL);
    assert_int_equal(data_stuffer_finish(&s, &out, &e), -1);
    buf_free(&out);
}

static int zero_random(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    memset(out, 0x5a, n);
    return 0;
}

static void test_composed_message(void **state)
{
    (void)state;
    msg_mailbox to[] = {{NULL, "b@example.org"}};
    msg_spec spec = {
        .from = {NULL, "a@example.com"}, .to = to, .n_to = 1, .subject = "dots",
        .text = ".\n.hidden\n..\nend", .text_len = 16, .now = 1700000000,
        .random = zero_random,
    };
    buf msg;
    buf_init(&msg, 1 << 20);
    msg_info info;
    err e;
    if (msg_compose(&spec, &msg, &info, &e) != 0)
        fail_msg("%s", e.msg);
    buf out;
    data_stuffer s;
    stuff(msg.data, msg.len, 7, &out, &s);
    assert_non_null(strstr(out.data, "\r\n\r\n..\r\n..hidden\r\n...\r\nend\r\n.\r\n"));
    assert_int_equal(s.size, info.size); /* the composer's SIZE is the wire's */
    /* Only the terminator is a lone dot line. */
    const char *p = strstr(out.data, "\r\n.\r\n");
    assert_int_equal((size_t)(p - out.data) + 5, out.len);
    buf_free(&out);
    buf_free(&msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_chunking),
        cmocka_unit_test(test_large_streamed), cmocka_unit_test(test_cap_and_misuse),
        cmocka_unit_test(test_composed_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
