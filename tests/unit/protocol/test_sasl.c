/* test_sasl.c — unit tests for protocol/auth/ (the SASL engine and its
 * mechanisms).
 *
 * Published vectors where they exist: RFC 2195 §2 for CRAM-MD5 and RFC 4616
 * §4 for PLAIN. Also LOGIN's two steps, strict base64 (padding lengths,
 * invalid input -> ERRC_PROTOCOL), mechanism lookup and the preference of
 * sasl_pick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "protocol/auth/sasl.h"

/* One exchange step; checks the base64 response. */
static void expect_step(sasl_exchange *x, const char *chal, const char *want)
{
    err e;
    err_clear(&e);
    char *r = sasl_respond(x, chal, &e);
    if (!r)
        fail_msg("%s: no response: %s", x->mech->name, e.msg);
    assert_string_equal(r, want);
    xfree_secret(r);
}

static void expect_fail(sasl_exchange *x, const char *chal, err_class cls)
{
    err e;
    err_clear(&e);
    char *r = sasl_respond(x, chal, &e);
    assert_null(r);
    if (e.cls != cls)
        fail_msg("%s: got %s (%s), want %s", x->mech->name, err_class_name(e.cls), e.msg,
                 err_class_name(cls));
}

static void test_cram_md5_rfc2195(void **state)
{
    (void)state;
    sasl_creds cr = {.user = "tim", .pass = "tanstaaftanstaaf"};
    sasl_exchange x = {.mech = sasl_find("CRAM-MD5"), .cr = &cr};
    assert_non_null(x.mech);
    assert_false(x.mech->initial_response);
    assert_false(x.mech->needs_tls);
    /* "<1896.697170952@postoffice.reston.mci.net>" ->
     * "tim b913a602c7eda7a495b4e6e7334d3890" */
    expect_step(&x, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
                "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    size_t n = 0;
    unsigned char *raw = sasl_b64_decode("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", &n);
    assert_non_null(raw);
    assert_int_equal(n, 36);
    assert_memory_equal(raw, "tim b913a602c7eda7a495b4e6e7334d3890", 36);
    free(raw);
    /* A second challenge is a protocol error. */
    expect_fail(&x, "PDE4OTY+", ERRC_PROTOCOL);

    /* An empty or missing challenge cannot be answered. */
    sasl_exchange y = {.mech = x.mech, .cr = &cr};
    expect_fail(&y, "", ERRC_PROTOCOL);
    expect_fail(&y, NULL, ERRC_PROTOCOL);
}

static void test_plain_rfc4616(void **state)
{
    (void)state;
    /* RFC 4616 §4: no authzid, user "tim" */
    sasl_creds cr = {.user = "tim", .pass = "tanstaaftanstaaf"};
    sasl_exchange x = {.mech = sasl_find("plain"), .cr = &cr};
    assert_non_null(x.mech);
    assert_string_equal(x.mech->name, "PLAIN");
    assert_true(x.mech->initial_response);
    assert_true(x.mech->needs_tls);
    expect_step(&x, NULL, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    expect_fail(&x, "", ERRC_PROTOCOL);

    /* RFC 4616 §4: authzid "Ursel", authcid "Kurt" */
    sasl_creds cr2 = {.user = "Kurt", .pass = "xipj3plmq", .authzid = "Ursel"};
    sasl_exchange y = {.mech = x.mech, .cr = &cr2};
    /* Answering an empty 334 challenge instead of an initial response. */
    expect_step(&y, "", "VXJzZWwAS3VydAB4aXBqM3BsbXE=");

    sasl_creds nouser = {.user = "", .pass = "x"};
    sasl_exchange z = {.mech = x.mech, .cr = &nouser};
    expect_fail(&z, NULL, ERRC_LOCAL_INPUT);
}

static void test_login_two_steps(void **state)
{
    (void)state;
    sasl_creds cr = {.user = "alice", .pass = "s3cret"};
    sasl_exchange x = {.mech = sasl_find("LOGIN"), .cr = &cr};
    assert_non_null(x.mech);
    assert_false(x.mech->initial_response);
    assert_true(x.mech->needs_tls);
    expect_step(&x, "VXNlcm5hbWU6", "YWxpY2U=");   /* "Username:" -> alice */
    expect_step(&x, "UGFzc3dvcmQ6", "czNjcmV0");   /* "Password:" -> s3cret */
    expect_fail(&x, "UGFzc3dvcmQ6", ERRC_PROTOCOL);

    /* The prompts' wording does not matter: the step does. */
    sasl_exchange y = {.mech = x.mech, .cr = &cr};
    expect_step(&y, "UGFzc3dvcmQ6", "YWxpY2U=");   /* odd prompt order, still user first */
    expect_step(&y, "", "czNjcmV0");
}

static void test_invalid_challenge(void **state)
{
    (void)state;
    static const char *bad[] = {"abc", "ab=c", "a===", "====", "ab*d", "YWJj\n",
                                "YW Jj", "=YWJ", "YWJjZA=a"};
    sasl_creds cr = {.user = "tim", .pass = "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sasl_exchange x = {.mech = sasl_find("CRAM-MD5"), .cr = &cr};
        expect_fail(&x, bad[i], ERRC_PROTOCOL);
        assert_int_equal(x.state, 0);
        x.mech = sasl_find("LOGIN");
        expect_fail(&x, bad[i], ERRC_PROTOCOL);
        size_t n = 99;
        assert_null(sasl_b64_decode(bad[i], &n));
    }
    /* Surrounding spaces of a 334 line are tolerated. */
    sasl_exchange x = {.mech = sasl_find("LOGIN"), .cr = &cr};
    expect_step(&x, "  VXNlcm5hbWU6 ", "dGlt");
    expect_fail(&(sasl_exchange){.mech = NULL}, "", ERRC_INTERNAL);
    expect_fail(&(sasl_exchange){.mech = sasl_find("PLAIN"), .cr = NULL}, NULL,
                ERRC_LOCAL_INPUT);
}

typedef struct b64_case {
    const char *raw;
    const char *b64;
} b64_case;

static void test_base64(void **state)
{
    (void)state;
    /* RFC 4648 §10 test vectors: every padding length. */
    static const b64_case v[] = {
        {"", ""},           {"f", "Zg=="},       {"fo", "Zm8="},     {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i].raw);
        char *enc = sasl_b64_encode((const unsigned char *)v[i].raw, n);
        assert_non_null(enc);
        assert_string_equal(enc, v[i].b64);
        free(enc);
        size_t got = 99;
        unsigned char *dec = sasl_b64_decode(v[i].b64, &got);
        assert_non_null(dec);
        assert_int_equal(got, n);
        assert_memory_equal(dec, v[i].raw, n);
        assert_int_equal(dec[n], 0);
        free(dec);
    }
    /* Binary with NUL and high bytes round-trips. */
    const unsigned char bin[] = {0, 0xff, 0x80, 0x3e, 0x3f, 0};
    char *enc = sasl_b64_encode(bin, sizeof bin);
    size_t got = 0;
    unsigned char *dec = sasl_b64_decode(enc, &got);
    assert_int_equal(got, sizeof bin);
    assert_memory_equal(dec, bin, sizeof bin);
    free(enc);
    free(dec);
    assert_null(sasl_b64_decode(NULL, &got));
}

static void test_find_and_pick(void **state)
{
    (void)state;
    assert_null(sasl_find("SCRAM-SHA-256"));
    assert_null(sasl_find(NULL));
    assert_null(sasl_find(""));
    assert_string_equal(sasl_find("cram-md5")->name, "CRAM-MD5");

    char *all[] = {"LOGIN", "PLAIN", "CRAM-MD5"};
    char *no_cram[] = {"LOGIN", "GSSAPI", "PLAIN"};
    char *login_only[] = {"XOAUTH2", "LOGIN"};
    char *none[] = {"GSSAPI", "SCRAM-SHA-256", "DIGEST-MD5"};
    char *lower[] = {"plain", "cram-md5"};
    char *with_null[] = {NULL, "LOGIN"};
    assert_string_equal(sasl_pick(all, 3)->name, "CRAM-MD5");
    assert_string_equal(sasl_pick(no_cram, 3)->name, "PLAIN");
    assert_string_equal(sasl_pick(login_only, 2)->name, "LOGIN");
    assert_null(sasl_pick(none, 3));
    assert_string_equal(sasl_pick(lower, 2)->name, "CRAM-MD5");
    assert_string_equal(sasl_pick(with_null, 2)->name, "LOGIN");
    assert_null(sasl_pick(NULL, 0));
    assert_null(sasl_pick(all, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cram_md5_rfc2195),
        cmocka_unit_test(test_plain_rfc4616),
        cmocka_unit_test(test_login_two_steps),
        cmocka_unit_test(test_invalid_challenge),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_find_and_pick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
