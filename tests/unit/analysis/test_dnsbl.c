/* test_dnsbl.c — analysis/dnsbl/dnsbl.c: what a blocklist's A answers mean
 * (listing, refusal, not a blocklist answer), code meanings, and the TXT
 * reason (joined, bounded, escaped). Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis/dnsbl/dnsbl.h"

typedef struct row {
    const char *name;
    unsigned char addrs[4][4];
    size_t n;
    dnsbl_verdict verdict;
    size_t n_codes;
    unsigned char decisive[4];
} row;

static void classify_table(void **state)
{
    (void)state;
    static const row rows[] = {
        {"no answer", {{0}}, 0, DNSBL_CLEAN, 0, {0, 0, 0, 0}},
        {"RFC 5782 test entry", {{127, 0, 0, 2}}, 1, DNSBL_LISTED, 1, {127, 0, 0, 2}},
        {"several codes, one repeated",
         {{127, 0, 0, 4}, {127, 0, 0, 10}, {127, 0, 0, 4}},
         3,
         DNSBL_LISTED,
         2,
         {127, 0, 0, 4}},
        {"public resolver", {{127, 255, 255, 254}}, 1, DNSBL_REFUSED, 0, {127, 255, 255, 254}},
        {"excessive queries", {{127, 255, 255, 255}}, 1, DNSBL_REFUSED, 0, {127, 255, 255, 255}},
        {"typo code", {{127, 255, 255, 252}}, 1, DNSBL_REFUSED, 0, {127, 255, 255, 252}},
        {"127.0.0.1 is a refusal", {{127, 0, 0, 1}}, 1, DNSBL_REFUSED, 0, {127, 0, 0, 1}},
        {"refusal beats listing",
         {{127, 0, 0, 2}, {127, 255, 255, 254}},
         2,
         DNSBL_REFUSED,
         0,
         {127, 255, 255, 254}},
        {"wildcard / hijack", {{192, 0, 2, 1}}, 1, DNSBL_BOGUS, 0, {192, 0, 2, 1}},
        {"foreign beats everything",
         {{127, 0, 0, 2}, {127, 255, 255, 254}, {198, 51, 100, 7}},
         3,
         DNSBL_BOGUS,
         0,
         {198, 51, 100, 7}},
        {"127.1.2.3 is a listing", {{127, 1, 2, 3}}, 1, DNSBL_LISTED, 1, {127, 1, 2, 3}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        dnsbl_class c;
        dnsbl_classify(&r->addrs[0][0], r->n, &c);
        if (c.verdict != r->verdict || c.n_codes != r->n_codes ||
            memcmp(c.decisive, r->decisive, 4) != 0 || c.truncated)
            fail_msg("%s: verdict %s codes %zu decisive %u.%u.%u.%u", r->name,
                     dnsbl_verdict_name(c.verdict), c.n_codes, c.decisive[0], c.decisive[1],
                     c.decisive[2], c.decisive[3]);
    }
    dnsbl_class c;
    dnsbl_classify(NULL, 5, &c); /* NULL means no answers whatever n says */
    assert_int_equal(c.verdict, DNSBL_CLEAN);
}

static void classify_bounded(void **state)
{
    (void)state;
    unsigned char many[40 * 4];
    for (size_t i = 0; i < 40; i++) {
        many[4 * i] = 127;
        many[4 * i + 1] = 0;
        many[4 * i + 2] = 0;
        many[4 * i + 3] = (unsigned char)(i + 2);
    }
    dnsbl_class c;
    dnsbl_classify(many, 40, &c);
    assert_int_equal(c.verdict, DNSBL_LISTED);
    assert_true(c.truncated);
    assert_int_equal(c.n_codes, DNSBL_MAX_ANSWERS);
    /* A foreign answer past the bound is not seen. */
    many[4 * 39] = 10;
    dnsbl_classify(many, 40, &c);
    assert_int_equal(c.verdict, DNSBL_LISTED);
}

static void meanings(void **state)
{
    (void)state;
    static const unsigned char pub[4] = {127, 255, 255, 254}, other[4] = {127, 255, 255, 1},
                               xbl[4] = {127, 0, 0, 4}, pbl[4] = {127, 0, 0, 11},
                               odd[4] = {127, 0, 0, 200}, two[4] = {127, 0, 0, 2};
    assert_non_null(strstr(dnsbl_refusal_meaning(pub), "public or open resolvers"));
    assert_non_null(strstr(dnsbl_refusal_meaning(other), "error code"));
    assert_non_null(strstr(dnsbl_code_meaning("zen.spamhaus.org", xbl), "XBL"));
    assert_non_null(strstr(dnsbl_code_meaning("ZEN.Spamhaus.org.", pbl), "PBL"));
    assert_null(dnsbl_code_meaning("zen.spamhaus.org", odd));
    assert_null(dnsbl_code_meaning("spamhaus.org", two));
    assert_null(dnsbl_code_meaning("bl.smtpscope.test", two));
    assert_non_null(dnsbl_code_meaning("bl.spamcop.net", two));
    assert_string_equal(dnsbl_verdict_name(DNSBL_REFUSED), "refused");
}

static void reason(void **state)
{
    (void)state;
    const char *s[] = {"Listed: see ", "https://lists.example/q?127.0.0.2"};
    size_t l[] = {12, 33};
    char *r = dnsbl_reason(s, l, 2);
    assert_string_equal(r, "Listed: see https://lists.example/q?127.0.0.2");
    free(r);

    r = dnsbl_reason(NULL, NULL, 0);
    assert_string_equal(r, "");
    free(r);

    /* Control bytes and a NUL inside a string are escaped, not cut. */
    const char bad[] = {'a', '\n', 0, '\x1b', 'b'};
    const char *sb[] = {bad};
    size_t lb[] = {sizeof bad};
    r = dnsbl_reason(sb, lb, 1);
    assert_string_equal(r, "a\\n\\x00\\x1Bb");
    free(r);

    /* Long texts stop at DNSBL_REASON_MAX bytes with "...". */
    char big[300];
    memset(big, 'x', sizeof big);
    const char *sl[] = {big, big, big};
    size_t ll[] = {sizeof big, sizeof big, sizeof big};
    r = dnsbl_reason(sl, ll, 3);
    assert_int_equal(strlen(r), DNSBL_REASON_MAX + 3);
    assert_string_equal(r + DNSBL_REASON_MAX, "...");
    free(r);

    /* Exactly the limit: nothing is cut. */
    const char *se[] = {big, big};
    size_t le[] = {DNSBL_REASON_MAX / 2, DNSBL_REASON_MAX / 2};
    r = dnsbl_reason(se, le, 2);
    assert_int_equal(strlen(r), DNSBL_REASON_MAX);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify_table),
        cmocka_unit_test(classify_bounded),
        cmocka_unit_test(meanings),
        cmocka_unit_test(reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
