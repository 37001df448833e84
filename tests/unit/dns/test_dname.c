/* test_dname.c — the wire-format name decoder (dns/dname.c).
 *
 * Table-driven: each row is a wire-format name (bytes with explicit length,
 * since names contain NULs), the expected text or failure, and the expected
 * consumed length. Covers RFC 1035 §3.1 limits and §5.1 escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dname.h"

typedef struct row {
    const char *name;
    const char *wire;
    size_t len;
    int rc;
    const char *text;   /* expected output when rc == 0 */
    size_t consumed;
} row;

#define W(s) s, sizeof(s) - 1

static const row rows[] = {
    {"normal", W("\4mail\11smtpscope\4test\0"), 0, "mail.smtpscope.test", 21},
    {"root", W("\0"), 0, ".", 1},
    {"one label", W("\3com\0"), 0, "com", 5},
    {"case kept", W("\4MaiL\0"), 0, "MaiL", 6},
    {"trailing bytes not consumed", W("\1a\0\377\377"), 0, "a", 3},
    {"dot and backslash escaped", W("\3a.b\2c\\\0"), 0, "a\\.b.c\\\\", 8},
    {"non-printable as \\DDD", W("\3a\001\377\1 \0"), 0, "a\\001\\255.\\032", 7},
    {"nul byte in label", W("\2a\0\0"), 0, "a\\000", 4},
    {"compression pointer rejected", W("\300\014"), -1, NULL, 0},
    {"pointer after a label rejected", W("\4mail\300\014"), -1, NULL, 0},
    {"extended label type 01 rejected", W("\100a\0"), -1, NULL, 0},
    {"label type 10 rejected", W("\200a\0"), -1, NULL, 0},
    {"empty input", "", 0, -1, NULL, 0},
    {"truncated label", W("\5mail"), -1, NULL, 0},
    {"missing root label", W("\4mail"), -1, NULL, 0},
    {"length byte only", W("\4"), -1, NULL, 0},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        char out[DNAME_TEXT_MAX];
        size_t consumed = 12345;
        int rc = dname_to_text((const unsigned char *)r->wire, r->len, &consumed, out, sizeof out);
        if (rc != r->rc)
            fail_msg("%s: rc %d, want %d (out \"%s\")", r->name, rc, r->rc, out);
        if (rc == 0) {
            if (strcmp(out, r->text) != 0)
                fail_msg("%s: got \"%s\", want \"%s\"", r->name, out, r->text);
            assert_int_equal(consumed, r->consumed);
        } else {
            assert_string_equal(out, "");
        }
    }
}

/* Build a name of `labels` labels of `each` bytes ('a'), root-terminated. */
static size_t build(unsigned char *w, size_t labels, size_t each)
{
    size_t o = 0;
    for (size_t i = 0; i < labels; i++) {
        w[o++] = (unsigned char)each;
        memset(w + o, 'a', each);
        o += each;
    }
    w[o++] = 0;
    return o;
}

static void test_limits(void **state)
{
    (void)state;
    unsigned char w[600];
    char out[DNAME_TEXT_MAX];
    size_t used;

    /* 63-byte label: the longest allowed. */
    size_t n = build(w, 1, 63);
    assert_int_equal(dname_to_text(w, n, &used, out, sizeof out), 0);
    assert_int_equal(strlen(out), 63);
    assert_int_equal(used, 65);

    /* 64: its length byte is 0x40, an extended label type. */
    n = build(w, 1, 64);
    assert_int_equal(dname_to_text(w, n, &used, out, sizeof out), -1);

    /* Exactly 255 octets: 3 x (1+63) + (1+61) + root = 255. */
    n = build(w, 3, 63);
    n -= 1;
    w[n++] = 61;
    memset(w + n, 'b', 61);
    n += 61;
    w[n++] = 0;
    assert_int_equal(n, 255);
    assert_int_equal(dname_to_text(w, n, &used, out, sizeof out), 0);
    assert_int_equal(used, 255);
    assert_int_equal(strlen(out), 63 * 3 + 61 + 3);

    /* 256 octets: one byte too long. */
    n = build(w, 3, 63);
    n -= 1;
    w[n++] = 62;
    memset(w + n, 'b', 62);
    n += 62;
    w[n++] = 0;
    assert_int_equal(n, 256);
    assert_int_equal(dname_to_text(w, n, &used, out, sizeof out), -1);

    /* Far too long, made of short labels. */
    n = build(w, 200, 1);
    assert_int_equal(dname_to_text(w, n, &used, out, sizeof out), -1);

    /* Worst-case escaping still fits DNAME_TEXT_MAX: 250 label bytes (the
     * most 255 octets can hold) of 0xff, each printed as \255. */
    n = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t each = i < 3 ? 63 : 61;
        w[n++] = (unsigned char)each;
        memset(w + n, 0xff, each);
        n += each;
    }
    w[n++] = 0;
    assert_int_equal(n, 255);
    assert_int_equal(dname_to_text(w, n, &used, out, sizeof out), 0);
    assert_int_equal(strlen(out), 250 * 4 + 3);
    assert_true(strlen(out) < DNAME_TEXT_MAX);
}

static void test_small_output(void **state)
{
    (void)state;
    const unsigned char w[] = "\4mail\4test";
    size_t len = sizeof w; /* includes the final NUL = root label */
    char out[16];
    memset(out, 'x', sizeof out);
    /* "mail.test" needs 10 bytes with its NUL. */
    assert_int_equal(dname_to_text(w, len, NULL, out, 10), 0);
    assert_string_equal(out, "mail.test");
    assert_int_equal(dname_to_text(w, len, NULL, out, 9), -1);
    assert_string_equal(out, "");
    assert_int_equal(dname_to_text((const unsigned char *)"\0", 1, NULL, out, 2), 0);
    assert_string_equal(out, ".");
    assert_int_equal(dname_to_text((const unsigned char *)"\0", 1, NULL, out, 1), -1);
    assert_int_equal(dname_to_text(w, len, NULL, NULL, 0), -1);
    assert_int_equal(dname_to_text(NULL, 0, NULL, out, sizeof out), -1);
    assert_int_equal(dname_to_text(NULL, 5, NULL, out, sizeof out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_small_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
