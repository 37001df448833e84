/* test_sasl.c — unit tests for protocol/auth/ (the SASL engine and its
 * mechanisms).
 *
 * Published vectors where they exist: RFC 2195 §2 for CRAM-MD5, RFC 4616 §4
 * for PLAIN, RFC 5802 §5 for SCRAM-SHA-1 and RFC 7677 §3 for SCRAM-SHA-256
 * (with their fixed client nonces), Google's documented XOAUTH2 example and
 * RFC 7628 §3.1's OAUTHBEARER format. Also LOGIN's two steps, the SCRAM
 * checks that protect us from a hostile server (server signature, nonce,
 * iteration bounds, malformed messages), the OAuth error dance, strict
 * base64 (padding lengths, invalid input -> ERRC_PROTOCOL), mechanism lookup
 * and the preference of sasl_pick. */
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

static sasl_exchange begin(const char *mech, const sasl_creds *cr)
{
    sasl_exchange x;
    err e;
    err_clear(&e);
    assert_non_null(sasl_find(mech));
    assert_int_equal(sasl_begin(&x, sasl_find(mech), cr, &e), 0);
    assert_non_null(x.state);
    return x;
}

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
        fail_msg("%s: got %s (%s), want %s", x->mech ? x->mech->name : "-",
                 err_class_name(e.cls), e.msg, err_class_name(cls));
}

/* The raw (decoded) response to a raw challenge (NULL: initial response).
 * Allocated; NUL-terminated after *n bytes. */
static char *raw_step(sasl_exchange *x, const char *raw_chal, size_t *n, err *e)
{
    char *b64 = raw_chal ? sasl_b64_encode((const unsigned char *)raw_chal, strlen(raw_chal))
                         : NULL;
    err_clear(e);
    char *r = sasl_respond(x, b64, e);
    free(b64);
    if (!r)
        return NULL;
    unsigned char *dec = sasl_b64_decode(r, n);
    assert_non_null(dec);
    xfree_secret(r);
    return (char *)dec;
}

static void expect_raw(sasl_exchange *x, const char *raw_chal, const char *want, size_t want_len)
{
    err e;
    size_t n = 0;
    char *got = raw_step(x, raw_chal, &n, &e);
    if (!got)
        fail_msg("%s: no response: %s", x->mech->name, e.msg);
    if (n != want_len || memcmp(got, want, n) != 0)
        fail_msg("%s: response \"%s\" (%zu bytes), want \"%s\"", x->mech->name, got, n, want);
    free(got);
}

#define EXPECT_RAW(x, chal, lit) expect_raw((x), (chal), (lit), sizeof(lit) - 1)

/* The step fails with cls and a message containing `words`. */
static void expect_raw_fail(sasl_exchange *x, const char *raw_chal, err_class cls,
                            const char *words)
{
    err e;
    size_t n = 0;
    char *got = raw_step(x, raw_chal, &n, &e);
    if (got)
        fail_msg("%s: unexpected response \"%s\"", x->mech->name, got);
    if (e.cls != cls)
        fail_msg("%s: got %s (%s), want %s", x->mech->name, err_class_name(e.cls), e.msg,
                 err_class_name(cls));
    if (words && !strstr(e.msg, words))
        fail_msg("%s: message \"%s\" lacks \"%s\"", x->mech->name, e.msg, words);
}

/* ---------------------------------------------------------------- classic */

static void test_cram_md5_rfc2195(void **state)
{
    (void)state;
    sasl_creds cr = {.user = "tim", .pass = "tanstaaftanstaaf"};
    sasl_exchange x = begin("CRAM-MD5", &cr);
    assert_false(x.mech->initial_response);
    assert_false(x.mech->needs_tls);
    assert_false(x.mech->uses_token);
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
    assert_int_equal(sasl_finish(&x, &(err){0}), 0);
    assert_null(sasl_note(&x));
    sasl_end(&x);
    assert_null(x.state);
    sasl_end(&x); /* twice is harmless */

    /* An empty or missing challenge cannot be answered. */
    sasl_exchange y = begin("CRAM-MD5", &cr);
    expect_fail(&y, "", ERRC_PROTOCOL);
    expect_fail(&y, NULL, ERRC_PROTOCOL);
    sasl_end(&y);
}

static void test_plain_rfc4616(void **state)
{
    (void)state;
    /* RFC 4616 §4: no authzid, user "tim" */
    sasl_creds cr = {.user = "tim", .pass = "tanstaaftanstaaf"};
    sasl_exchange x = begin("plain", &cr);
    assert_string_equal(x.mech->name, "PLAIN");
    assert_true(x.mech->initial_response);
    assert_true(x.mech->needs_tls);
    expect_step(&x, NULL, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
    expect_fail(&x, "", ERRC_PROTOCOL);
    sasl_end(&x);

    /* RFC 4616 §4: authzid "Ursel", authcid "Kurt" */
    sasl_creds cr2 = {.user = "Kurt", .pass = "xipj3plmq", .authzid = "Ursel"};
    sasl_exchange y = begin("PLAIN", &cr2);
    /* Answering an empty 334 challenge instead of an initial response. */
    expect_step(&y, "", "VXJzZWwAS3VydAB4aXBqM3BsbXE=");
    sasl_end(&y);

    sasl_creds nouser = {.user = "", .pass = "x"};
    sasl_exchange z = begin("PLAIN", &nouser);
    expect_fail(&z, NULL, ERRC_LOCAL_INPUT);
    sasl_end(&z);
    sasl_creds nopass = {.user = "tim", .token = "tok"};
    z = begin("PLAIN", &nopass);
    expect_fail(&z, NULL, ERRC_LOCAL_INPUT);
    sasl_end(&z);
}

static void test_login_two_steps(void **state)
{
    (void)state;
    sasl_creds cr = {.user = "alice", .pass = "s3cret"};
    sasl_exchange x = begin("LOGIN", &cr);
    assert_false(x.mech->initial_response);
    assert_true(x.mech->needs_tls);
    expect_step(&x, "VXNlcm5hbWU6", "YWxpY2U=");   /* "Username:" -> alice */
    expect_step(&x, "UGFzc3dvcmQ6", "czNjcmV0");   /* "Password:" -> s3cret */
    expect_fail(&x, "UGFzc3dvcmQ6", ERRC_PROTOCOL);
    sasl_end(&x);

    /* The prompts' wording does not matter: the step does. */
    sasl_exchange y = begin("LOGIN", &cr);
    expect_step(&y, "UGFzc3dvcmQ6", "YWxpY2U=");   /* odd prompt order, still user first */
    expect_step(&y, "", "czNjcmV0");
    sasl_end(&y);
}

static void test_invalid_challenge(void **state)
{
    (void)state;
    static const char *bad[] = {"abc", "ab=c", "a===", "====", "ab*d", "YWJj\n",
                                "YW Jj", "=YWJ", "YWJjZA=a"};
    sasl_creds cr = {.user = "tim", .pass = "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sasl_exchange x = begin("CRAM-MD5", &cr);
        expect_fail(&x, bad[i], ERRC_PROTOCOL);
        sasl_end(&x);
        /* The bad challenge did not advance LOGIN: the user still comes first. */
        x = begin("LOGIN", &cr);
        expect_fail(&x, bad[i], ERRC_PROTOCOL);
        expect_step(&x, "", "dGlt");
        sasl_end(&x);
        x = begin("SCRAM-SHA-256", &cr);
        expect_fail(&x, bad[i], ERRC_PROTOCOL);
        sasl_end(&x);
        size_t n = 99;
        assert_null(sasl_b64_decode(bad[i], &n));
    }
    /* Surrounding spaces of a 334 line are tolerated. */
    sasl_exchange x = begin("LOGIN", &cr);
    expect_step(&x, "  VXNlcm5hbWU6 ", "dGlt");
    sasl_end(&x);
    /* No mechanism, or no sasl_begin. */
    err e;
    assert_int_equal(sasl_begin(&x, NULL, &cr, &e), -1);
    assert_int_equal(e.cls, ERRC_INTERNAL);
    sasl_end(&x);
    expect_fail(&(sasl_exchange){.mech = NULL}, "", ERRC_INTERNAL);
    expect_fail(&(sasl_exchange){.mech = sasl_find("PLAIN")}, "", ERRC_INTERNAL);
    x = begin("PLAIN", NULL);
    expect_fail(&x, NULL, ERRC_LOCAL_INPUT);
    sasl_end(&x);
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

/* ---------------------------------------------------------------- SCRAM */

/* RFC 5802 §5 */
#define S1_NONCE "fyko+d2lbbFgONRv9qkxdawL"
#define S1_FULL S1_NONCE "3rfcNHYJY1ZVvWVs7j"
#define S1_FIRST "r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=4096"
#define S1_FINAL "c=biws,r=" S1_FULL ",p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
#define S1_VERIFY "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
/* RFC 7677 §3 */
#define S256_NONCE "rOprNGfwEbeRWgbNEkqO"
#define S256_FULL S256_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define S256_FIRST "r=" S256_FULL ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define S256_FINAL "c=biws,r=" S256_FULL ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define S256_VERIFY "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static const sasl_creds pencil = {.user = "user", .pass = "pencil"};

static int reset_nonce(void **state)
{
    (void)state;
    sasl_scram_test_nonce(NULL);
    return 0;
}

static void test_scram_sha1_rfc5802(void **state)
{
    (void)state;
    sasl_scram_test_nonce(S1_NONCE);
    sasl_exchange x = begin("scram-sha-1", &pencil);
    assert_string_equal(x.mech->name, "SCRAM-SHA-1");
    assert_true(x.mech->initial_response);
    assert_false(x.mech->needs_tls);
    EXPECT_RAW(&x, NULL, "n,,n=user,r=" S1_NONCE);
    EXPECT_RAW(&x, S1_FIRST, S1_FINAL);
    err e;
    assert_int_equal(sasl_finish(&x, &e), -1); /* not yet verified */
    assert_int_equal(e.cls, ERRC_INSECURE);
    EXPECT_RAW(&x, S1_VERIFY, "");
    err_clear(&e);
    assert_int_equal(sasl_finish(&x, &e), 0);
    assert_null(sasl_note(&x));
    expect_raw_fail(&x, S1_VERIFY, ERRC_PROTOCOL, "after the exchange ended");
    sasl_end(&x);
}

static void test_scram_sha256_rfc7677(void **state)
{
    (void)state;
    sasl_scram_test_nonce(S256_NONCE);
    sasl_exchange x = begin("SCRAM-SHA-256", &pencil);
    EXPECT_RAW(&x, NULL, "n,,n=user,r=" S256_NONCE);
    EXPECT_RAW(&x, S256_FIRST, S256_FINAL);
    EXPECT_RAW(&x, S256_VERIFY, "");
    err e;
    err_clear(&e);
    assert_int_equal(sasl_finish(&x, &e), 0);
    sasl_end(&x);

    /* Extensions after i= are ignored; the AuthMessage still uses the
     * server's exact text, so the proof changes (and must not be the RFC's). */
    x = begin("SCRAM-SHA-256", &pencil);
    EXPECT_RAW(&x, NULL, "n,,n=user,r=" S256_NONCE);
    size_t n = 0;
    char *got = raw_step(&x, S256_FIRST ",x=ext", &n, &e);
    assert_non_null(got);
    assert_int_equal(strncmp(got, "c=biws,r=" S256_FULL ",p=", 9 + strlen(S256_FULL) + 3), 0);
    assert_null(strstr(got, "dHzbZapWIk4jUhN"));
    free(got);
    /* ... and the RFC's server signature no longer matches. */
    expect_raw_fail(&x, S256_VERIFY, ERRC_INSECURE, "possible MITM");
    sasl_end(&x);
}

static void test_scram_server_signature(void **state)
{
    (void)state;
    sasl_scram_test_nonce(S256_NONCE);
    static const char *bad_sig[] = {
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95H4=",  /* one bit off */
        "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",  /* one byte off */
        "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",                  /* SHA-1 length */
        "v=",                                               /* empty */
        "v=not*base64",
    };
    for (size_t i = 0; i < sizeof bad_sig / sizeof bad_sig[0]; i++) {
        sasl_exchange x = begin("SCRAM-SHA-256", &pencil);
        EXPECT_RAW(&x, NULL, "n,,n=user,r=" S256_NONCE);
        EXPECT_RAW(&x, S256_FIRST, S256_FINAL);
        expect_raw_fail(&x, bad_sig[i], ERRC_INSECURE,
                        "the server could not prove it knows the password");
        err e;
        assert_int_equal(sasl_finish(&x, &e), -1); /* a later 235 changes nothing */
        assert_int_equal(e.cls, ERRC_INSECURE);
        assert_non_null(strstr(e.msg, "possible MITM"));
        sasl_end(&x);
    }
    /* A server-final that is neither v= nor e=. */
    sasl_exchange x = begin("SCRAM-SHA-256", &pencil);
    EXPECT_RAW(&x, NULL, "n,,n=user,r=" S256_NONCE);
    EXPECT_RAW(&x, S256_FIRST, S256_FINAL);
    expect_raw_fail(&x, "r=abc", ERRC_PROTOCOL, NULL);
    sasl_end(&x);

    /* e= in the server-final: answered with an empty response so the server
     * can send its 535; the error is kept as the note, and a 235 after it
     * is still refused. */
    x = begin("SCRAM-SHA-256", &pencil);
    EXPECT_RAW(&x, NULL, "n,,n=user,r=" S256_NONCE);
    EXPECT_RAW(&x, S256_FIRST, S256_FINAL);
    EXPECT_RAW(&x, "e=invalid-proof", "");
    assert_non_null(sasl_note(&x));
    assert_non_null(strstr(sasl_note(&x), "invalid-proof"));
    err e;
    assert_int_equal(sasl_finish(&x, &e), -1);
    sasl_end(&x);
}

static void test_scram_server_first_checks(void **state)
{
    (void)state;
    sasl_scram_test_nonce(S1_NONCE);
    typedef struct bad {
        const char *first;
        err_class cls;
        const char *words;
    } bad;
    static const bad cases[] = {
        /* The nonce must start with ours and add something. */
        {"r=XXko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", ERRC_PROTOCOL, "nonce"},
        {"r=" S1_NONCE ",s=QSXCR+Q6sek8bf92,i=4096", ERRC_PROTOCOL, "nonce"},
        {"r=fyko,s=QSXCR+Q6sek8bf92,i=4096", ERRC_PROTOCOL, "nonce"},
        {"s=QSXCR+Q6sek8bf92,r=" S1_FULL ",i=4096", ERRC_PROTOCOL, "nonce"},
        /* Iteration bounds: [4096, 1000000]. */
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=4095", ERRC_INSECURE, "4095"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=1", ERRC_INSECURE, "minimum"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=1000001", ERRC_INSECURE, "cap"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=999999999", ERRC_INSECURE, "cap"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=99999999999999999999", ERRC_PROTOCOL, "number"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=-4096", ERRC_PROTOCOL, "number"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=", ERRC_PROTOCOL, "number"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=4096x", ERRC_PROTOCOL, "number"},
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf92", ERRC_PROTOCOL, "i="},
        /* Salt: strict base64, not empty. */
        {"r=" S1_FULL ",s=QSXCR+Q6sek8bf9,i=4096", ERRC_PROTOCOL, "salt"},
        {"r=" S1_FULL ",s=Q*XCR+Q6sek8bf92,i=4096", ERRC_PROTOCOL, "salt"},
        {"r=" S1_FULL ",s=,i=4096", ERRC_PROTOCOL, "salt"},
        {"r=" S1_FULL ",i=4096", ERRC_PROTOCOL, "s="},
        /* Mandatory extensions, errors, garbage. */
        {"m=foo,r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=4096", ERRC_PROTOCOL, "extension"},
        {"e=other-error", ERRC_REJECTED, "other-error"},
        {"garbage", ERRC_PROTOCOL, NULL},
        {"r=" S1_FULL "\t,s=QSXCR+Q6sek8bf92,i=4096", ERRC_PROTOCOL, "non-printable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sasl_exchange x = begin("SCRAM-SHA-1", &pencil);
        EXPECT_RAW(&x, NULL, "n,,n=user,r=" S1_NONCE);
        expect_raw_fail(&x, cases[i].first, cases[i].cls, cases[i].words);
        sasl_end(&x);
    }
    /* The bounds themselves are accepted (1000000 iterations of SHA-1 take
     * a fraction of a second). */
    sasl_exchange x = begin("SCRAM-SHA-1", &pencil);
    EXPECT_RAW(&x, NULL, "n,,n=user,r=" S1_NONCE);
    err e;
    size_t n = 0;
    char *got = raw_step(&x, "r=" S1_FULL ",s=QSXCR+Q6sek8bf92,i=1000000", &n, &e);
    if (!got)
        fail_msg("1000000 iterations refused: %s", e.msg);
    free(got);
    sasl_end(&x);
    /* An empty server-first, or a challenge before our first message. */
    x = begin("SCRAM-SHA-1", &pencil);
    expect_raw_fail(&x, "r=abc", ERRC_PROTOCOL, "before our first");
    sasl_end(&x);
    x = begin("SCRAM-SHA-1", &pencil);
    EXPECT_RAW(&x, NULL, "n,,n=user,r=" S1_NONCE);
    expect_raw_fail(&x, "", ERRC_PROTOCOL, "empty");
    sasl_end(&x);
}

static void test_scram_names_and_saslprep(void **state)
{
    (void)state;
    sasl_scram_test_nonce("abc");
    /* RFC 5802 §5.1: '=' and ',' in names are escaped. */
    sasl_creds cr = {.user = "a=b,c@example.org", .pass = "p"};
    sasl_exchange x = begin("SCRAM-SHA-256", &cr);
    EXPECT_RAW(&x, NULL, "n,,n=a=3Db=2Cc@example.org,r=abc");
    sasl_end(&x);
    /* An authzid goes into the gs2 header, escaped the same way, and into
     * c= as its base64. */
    sasl_creds az = {.user = "user", .pass = "pencil", .authzid = "ad=min"};
    x = begin("SCRAM-SHA-1", &az);
    EXPECT_RAW(&x, NULL, "n,a=ad=3Dmin,n=user,r=abc");
    size_t n = 0;
    err e;
    char *got = raw_step(&x, "r=abcdef,s=QSXCR+Q6sek8bf92,i=4096", &n, &e);
    assert_non_null(got);
    assert_int_equal(strncmp(got, "c=bixhPWFkPTNEbWluLA==,r=abcdef,p=", 34), 0);
    free(got);
    sasl_end(&x);

    /* SASLprep: ASCII only; controls prohibited; nothing sent otherwise. */
    static const sasl_creds refused[] = {
        {.user = "j\xc3\xbcrgen", .pass = "p"},
        {.user = "user", .pass = "p\xc3\xa4ss"},
        {.user = "user", .pass = "tab\there"},
        {.user = "us\x01er", .pass = "p"},
        {.user = "user", .pass = "p", .authzid = "\x7f"},
        {.user = "", .pass = "p"},
        {.user = "user", .pass = NULL, .token = "t"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        x = begin("SCRAM-SHA-256", &refused[i]);
        expect_raw_fail(&x, NULL, ERRC_LOCAL_INPUT, NULL);
        sasl_end(&x);
    }
    x = begin("SCRAM-SHA-256", &refused[0]);
    expect_raw_fail(&x, NULL, ERRC_LOCAL_INPUT, "SASLprep");
    sasl_end(&x);

    /* Without a test nonce: 32 random base64 characters, new each time. */
    sasl_scram_test_nonce(NULL);
    x = begin("SCRAM-SHA-256", &pencil);
    char *a = raw_step(&x, NULL, &n, &e);
    assert_non_null(a);
    sasl_end(&x);
    x = begin("SCRAM-SHA-256", &pencil);
    char *b = raw_step(&x, NULL, &n, &e);
    assert_non_null(b);
    sasl_end(&x);
    assert_int_equal(strlen(a), strlen("n,,n=user,r=") + 32);
    assert_int_equal(strncmp(a, "n,,n=user,r=", 12), 0);
    assert_null(strchr(a + 12, ','));
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

/* ---------------------------------------------------------------- OAuth */

#define GOOGLE_TOKEN "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
/* Google's documented XOAUTH2 example (developers.google.com, "OAuth 2.0
 * Mechanism"): user someuser@example.com with that token. */
#define GOOGLE_B64                                                                         \
    "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNr" \
    "QmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="

static void test_xoauth2(void **state)
{
    (void)state;
    sasl_creds cr = {.user = "someuser@example.com", .token = GOOGLE_TOKEN};
    sasl_exchange x = begin("xoauth2", &cr);
    assert_string_equal(x.mech->name, "XOAUTH2");
    assert_true(x.mech->initial_response);
    assert_true(x.mech->needs_tls);
    assert_true(x.mech->uses_token);
    expect_step(&x, NULL, GOOGLE_B64);
    assert_null(sasl_note(&x));
    /* The error challenge (base64 JSON) is answered with an empty response
     * and its status kept. */
    EXPECT_RAW(&x, "{\"status\":\"401\",\n \"schemes\":\"bearer mac\","
                   "\"scope\":\"https://mail.google.com/\"}", "");
    assert_non_null(sasl_note(&x));
    assert_non_null(strstr(sasl_note(&x), "status \"401\""));
    expect_raw_fail(&x, "{}", ERRC_PROTOCOL, "after its error");
    sasl_end(&x);

    /* The JSON is read leniently: other members first, numbers, nesting;
     * a status that is not JSON still gives a note. */
    static const struct {
        const char *json, *want;
    } j[] = {
        {"{\"scope\":{\"a\":[1,2,{\"b\":\"}\"}]},\"status\":400}", "status \"400\""},
        {" { \"status\" : \"in\\\"valid\\u0041\" } ", "status \"in\"valid?\""},
        {"{\"status\":\"\x1b[31mred\"}", "status \"?[31mred\""},
        {"not json", "not the expected JSON"},
        {"{\"status\":{}}", "not the expected JSON"},
        {"{\"other\":1}", "not the expected JSON"},
        {"{\"status\":\"unterminated", "not the expected JSON"},
        {"", "not the expected JSON"},
    };
    for (size_t i = 0; i < sizeof j / sizeof j[0]; i++) {
        x = begin("XOAUTH2", &cr);
        expect_step(&x, NULL, GOOGLE_B64);
        EXPECT_RAW(&x, j[i].json, "");
        if (!sasl_note(&x) || !strstr(sasl_note(&x), j[i].want))
            fail_msg("json %zu: note \"%s\", want \"%s\"", i, sasl_note(&x), j[i].want);
        sasl_end(&x);
    }

    /* Credentials that cannot be framed are refused before anything is sent. */
    static const sasl_creds bad[] = {
        {.user = "u", .token = NULL, .pass = "pw"},
        {.user = "u", .token = ""},
        {.user = "", .token = "t"},
        {.user = "u\x01x", .token = "t"},
        {.user = "u", .token = "tok\x01en"},
        {.user = "u", .token = "tok en"},
        {.user = "u", .token = "tok=en"},
        {.user = "u", .token = "=="},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        x = begin("XOAUTH2", &bad[i]);
        expect_raw_fail(&x, NULL, ERRC_LOCAL_INPUT, NULL);
        sasl_end(&x);
        x = begin("OAUTHBEARER", &bad[i]);
        expect_raw_fail(&x, NULL, ERRC_LOCAL_INPUT, NULL);
        sasl_end(&x);
    }
    /* Padding is allowed in a bearer token (RFC 6750 b64token). */
    sasl_creds padded = {.user = "u", .token = "abc=="};
    x = begin("XOAUTH2", &padded);
    EXPECT_RAW(&x, NULL, "user=u\001auth=Bearer abc==\001\001");
    sasl_end(&x);
}

static void test_oauthbearer_rfc7628(void **state)
{
    (void)state;
    /* RFC 7628 §4.1's message, without the optional host= and port=. */
    sasl_creds cr = {.user = "user@example.com",
                     .token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="};
    sasl_exchange x = begin("OAUTHBEARER", &cr);
    assert_true(x.mech->initial_response);
    assert_true(x.mech->needs_tls);
    assert_true(x.mech->uses_token);
    EXPECT_RAW(&x, NULL,
               "n,a=user@example.com,\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
               "\001\001");
    /* RFC 7628 §3.2.2/§3.2.3: the error challenge is answered with a lone
     * kvsep (0x01). */
    expect_step(&x,
                "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZp"
                "Z3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9u"
                "In0=",
                "AQ==");
    assert_non_null(strstr(sasl_note(&x), "OAUTHBEARER"));
    assert_non_null(strstr(sasl_note(&x), "status \"invalid_token\""));
    expect_raw_fail(&x, "{}", ERRC_PROTOCOL, NULL);
    sasl_end(&x);

    /* The user name is a saslname in the gs2 header: '=' and ',' escaped. */
    sasl_creds odd = {.user = "a,b=c", .token = "t"};
    x = begin("OAUTHBEARER", &odd);
    EXPECT_RAW(&x, NULL, "n,a=a=2Cb=3Dc,\001auth=Bearer t\001\001");
    sasl_end(&x);
    /* A challenge before the initial response is refused. */
    x = begin("OAUTHBEARER", &odd);
    expect_raw_fail(&x, "{}", ERRC_PROTOCOL, NULL);
    sasl_end(&x);
}

/* ---------------------------------------------------------------- choice */

static void test_find_and_pick(void **state)
{
    (void)state;
    assert_null(sasl_find("DIGEST-MD5"));
    assert_null(sasl_find(NULL));
    assert_null(sasl_find(""));
    assert_string_equal(sasl_find("cram-md5")->name, "CRAM-MD5");
    assert_string_equal(sasl_find("scram-sha-256")->name, "SCRAM-SHA-256");
    assert_string_equal(sasl_find("SCRAM-SHA-1")->name, "SCRAM-SHA-1");
    assert_string_equal(sasl_find("oauthbearer")->name, "OAUTHBEARER");
    assert_string_equal(sasl_find("XOAUTH2")->name, "XOAUTH2");

    sasl_creds pw = {.user = "u", .pass = "p"};
    sasl_creds tok = {.user = "u", .token = "t"};
    sasl_creds both = {.user = "u", .pass = "p", .token = "t"};
    sasl_creds empty_tok = {.user = "u", .pass = "p", .token = ""};
    sasl_creds nothing = {.user = "u"};

    char *all[] = {"LOGIN", "PLAIN", "XOAUTH2", "CRAM-MD5", "SCRAM-SHA-1", "OAUTHBEARER",
                   "SCRAM-SHA-256"};
    char *classic[] = {"LOGIN", "PLAIN", "CRAM-MD5"};
    char *no_cram[] = {"LOGIN", "GSSAPI", "PLAIN"};
    char *scram1[] = {"PLAIN", "SCRAM-SHA-1", "CRAM-MD5"};
    char *login_only[] = {"XOAUTH2", "LOGIN"};
    char *oauth_only[] = {"XOAUTH2", "GSSAPI"};
    char *none[] = {"GSSAPI", "SCRAM-SHA-512", "DIGEST-MD5"};
    char *lower[] = {"plain", "scram-sha-256"};
    char *with_null[] = {NULL, "LOGIN"};

    assert_string_equal(sasl_pick(all, 7, &pw)->name, "SCRAM-SHA-256");
    assert_string_equal(sasl_pick(all, 7, NULL)->name, "SCRAM-SHA-256");
    assert_string_equal(sasl_pick(all, 7, &tok)->name, "OAUTHBEARER");
    assert_string_equal(sasl_pick(all, 7, &both)->name, "OAUTHBEARER");
    assert_string_equal(sasl_pick(all, 7, &empty_tok)->name, "SCRAM-SHA-256");
    assert_null(sasl_pick(all, 7, &nothing));
    assert_string_equal(sasl_pick(scram1, 3, &pw)->name, "SCRAM-SHA-1");
    assert_string_equal(sasl_pick(classic, 3, &pw)->name, "CRAM-MD5");
    assert_null(sasl_pick(classic, 3, &tok));   /* a token alone cannot log in there */
    assert_string_equal(sasl_pick(classic, 3, &both)->name, "CRAM-MD5");
    assert_string_equal(sasl_pick(no_cram, 3, &pw)->name, "PLAIN");
    assert_string_equal(sasl_pick(login_only, 2, &pw)->name, "LOGIN");
    assert_string_equal(sasl_pick(login_only, 2, &both)->name, "XOAUTH2");
    assert_null(sasl_pick(oauth_only, 2, &pw));
    assert_string_equal(sasl_pick(oauth_only, 2, &tok)->name, "XOAUTH2");
    assert_null(sasl_pick(none, 3, &pw));
    assert_string_equal(sasl_pick(lower, 2, &pw)->name, "SCRAM-SHA-256");
    assert_string_equal(sasl_pick(with_null, 2, &pw)->name, "LOGIN");
    assert_null(sasl_pick(NULL, 0, &pw));
    assert_null(sasl_pick(all, 0, &pw));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cram_md5_rfc2195),
        cmocka_unit_test(test_plain_rfc4616),
        cmocka_unit_test(test_login_two_steps),
        cmocka_unit_test(test_invalid_challenge),
        cmocka_unit_test(test_base64),
        cmocka_unit_test_teardown(test_scram_sha1_rfc5802, reset_nonce),
        cmocka_unit_test_teardown(test_scram_sha256_rfc7677, reset_nonce),
        cmocka_unit_test_teardown(test_scram_server_signature, reset_nonce),
        cmocka_unit_test_teardown(test_scram_server_first_checks, reset_nonce),
        cmocka_unit_test_teardown(test_scram_names_and_saslprep, reset_nonce),
        cmocka_unit_test(test_xoauth2),
        cmocka_unit_test(test_oauthbearer_rfc7628),
        cmocka_unit_test(test_find_and_pick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
