/* test_dkimkey.c — unit tests for analysis/dkim/dkimkey.c: the RFC 6376
 * §3.6.1 key record tags (table-driven: problem codes in order and the column
 * of the first one), the RFC 8463 ed25519 example key, RSA keys generated at
 * run time (sizes, SubjectPublicKeyInfo vs PKCS#1, wrong type) and limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "analysis/dkim/dkimkey.h"

#define NOCOL ((size_t)-1)
/* The ed25519 public key of RFC 8463 Appendix A.2. */
#define ED "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

typedef struct row {
    const char *record;
    const char *codes;  /* space-separated problem codes in order; "" = none */
    size_t column;      /* column of the first problem; NOCOL = don't check */
} row;

static const row rows[] = {
    /* good records */
    { "v=DKIM1; k=ed25519; p=" ED, "", NOCOL },
    { "k=ed25519; p=" ED, "", NOCOL },
    { "v=DKIM1; k=ed25519; h=sha256; s=email; t=s; n=rotated 2026; p=" ED ";", "", NOCOL },
    { " v = DKIM1 ; k = ED25519 ; p = 11qYAYKxCrfVS/7TyWQHOg7h\r\n\tcvPapiMlrwIaaPcHURo= ", "",
      NOCOL },
    { "k=ed25519; h=sha1:sha256; s=*:email; p=" ED, "", NOCOL },
    /* p */
    { "", "dkim.p_missing", 0 },
    { "v=DKIM1", "dkim.p_missing", 0 },
    { "v=DKIM1; p=", "dkim.key_revoked", 12 },
    { "v=DKIM1; k=ed25519; p=AA!A", "dkim.p_base64", 25 },
    { "k=ed25519; p=AAA", "dkim.p_base64", 17 },
    { "k=ed25519; p=AAB=", "dkim.p_base64", 18 },
    { "k=ed25519; p=A===", "dkim.p_base64", 17 },
    { "k=ed25519; p=AA=A", "dkim.p_base64", 17 },
    { "v=DKIM1; k=ed25519; p=AAAA", "dkim.key_invalid", 23 },
    { "v=DKIM1; p=" ED, "dkim.key_invalid", 12 },
    /* v */
    { "v=DKIM2; k=ed25519; p=" ED, "dkim.v_invalid", 3 },
    { "v=dkim1; k=ed25519; p=" ED, "dkim.v_invalid", 3 },
    { "k=ed25519; v=DKIM1; p=" ED, "dkim.v_not_first", 12 },
    /* k */
    { "v=DKIM1; k=dsa; p=AAAA", "dkim.k_unknown", 12 },
    { "v=DKIM1; k=; p=AAAA", "dkim.k_unknown", 12 },
    /* h */
    { "k=ed25519; h=sha1; p=" ED, "dkim.h_sha1_only", 14 },
    { "k=ed25519; h=sha512:sha256; p=" ED, "dkim.h_unknown", 14 },
    { "k=ed25519; h=sha1:; p=" ED, "dkim.h_invalid", 14 },
    { "k=ed25519; h=; p=" ED, "dkim.h_invalid", 14 },
    /* s */
    { "k=ed25519; s=tlsrpt; p=" ED, "dkim.s_not_email", 14 },
    { "k=ed25519; s=email:; p=" ED, "dkim.s_invalid", 14 },
    /* t */
    { "k=ed25519; t=y; p=" ED, "dkim.t_testing", 14 },
    { "k=ed25519; t=y:s; p=" ED, "dkim.t_testing", 14 },
    { "k=ed25519; t=s:x; p=" ED, "dkim.t_unknown", 16 },
    { "k=ed25519; t=; p=" ED, "dkim.t_invalid", 14 },
    /* generic tag-list faults */
    { "k=ed25519; k=rsa; p=" ED, "dkim.tag_duplicate", 12 },
    { "k=ed25519; g=*; p=" ED, "dkim.tag_unknown", 12 },
    { "K=ed25519; p=" ED, "dkim.tag_unknown dkim.key_invalid", 1 },
    { "k=ed25519; x; p=" ED, "dkim.syntax", 12 },
    { "k=ed25519;; p=" ED, "dkim.empty_tag", 11 },
    { "k=ed25519; 9=1; p=" ED, "dkim.syntax", 12 },
    { "k=ed25519; n=caf\xc3\xa9; p=" ED, "dkim.syntax", 17 },
    { "k=ed25519; p=" ED "; p=", "dkim.tag_duplicate", 60 },
};

static void codes_of(const dkimkey_record *r, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < r->nproblems; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? " " : "", r->problems[i].code);
    }
}

static dkimkey_record *parse_ok(const char *s, size_t n)
{
    dkimkey_record *r = NULL;
    err e;
    err_clear(&e);
    assert_int_equal(dkimkey_parse(s, n, &r, &e), 0);
    assert_non_null(r);
    size_t errs = 0;
    for (size_t j = 0; j < r->nproblems; j++) {
        assert_non_null(r->problems[j].detail);
        errs += r->problems[j].sev == DKIMKEY_SEV_ERROR;
    }
    assert_int_equal(errs, r->nerrors);
    return r;
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *w = &rows[i];
        dkimkey_record *r = parse_ok(w->record, strlen(w->record));
        char got[512];
        codes_of(r, got, sizeof got);
        if (strcmp(got, w->codes) != 0)
            fail_msg("row %zu '%s': got '%s', want '%s'", i, w->record, got, w->codes);
        if (w->column != NOCOL && r->problems[0].column != w->column)
            fail_msg("row %zu '%s': column %zu, want %zu", i, w->record, r->problems[0].column,
                     w->column);
        dkimkey_record_free(r);
    }
}

static void test_fields(void **state)
{
    (void)state;
    const char *s = "v=DKIM1; k=ed25519; h=sha256; t=y:s; n=a\\b; p=" ED;
    dkimkey_record *r = parse_ok(s, strlen(s));
    assert_true(r->has_v);
    assert_int_equal(r->k, DKIMKEY_TYPE_ED25519);
    assert_int_equal(r->hashes, DKIMKEY_HASH_SHA256);
    assert_true(r->service_email);
    assert_true(r->testing);
    assert_true(r->strict);
    assert_false(r->revoked);
    assert_int_equal(r->key_type, DKIMKEY_TYPE_ED25519);
    assert_int_equal(r->key_bits, 256);
    assert_non_null(r->notes);
    assert_string_equal(r->notes, "a\\\\b"); /* escaped for display */
    assert_string_equal(dkimkey_type_name(r->key_type), "ed25519");
    dkimkey_record_free(r);

    r = parse_ok("p=", 2);
    assert_false(r->has_v);
    assert_int_equal(r->k, DKIMKEY_TYPE_RSA);
    assert_int_equal(r->hashes, DKIMKEY_HASH_ALL);
    assert_true(r->revoked);
    assert_int_equal(r->key_bits, 0);
    assert_int_equal(r->nerrors, 0);
    dkimkey_record_free(r);
    dkimkey_record_free(NULL);

    /* a NUL byte is a syntax error at its column */
    r = parse_ok("k=ed25519; p=\0", 14);
    assert_string_equal(r->problems[0].code, "dkim.syntax");
    assert_int_equal(r->problems[0].column, 14);
    dkimkey_record_free(r);
}

/* "k=<k>; p=<base64 of der>" in an allocated string. */
static char *record_with(const char *k, const unsigned char *der, int len)
{
    size_t cap = (size_t)len * 4 / 3 + 64;
    char *s = malloc(cap);
    assert_non_null(s);
    int off = snprintf(s, cap, "v=DKIM1; k=%s; p=", k);
    EVP_EncodeBlock((unsigned char *)s + off, der, len);
    return s;
}

static char *rsa_record(int bits, bool pkcs1)
{
    EVP_PKEY *pk = EVP_RSA_gen((unsigned)bits);
    assert_non_null(pk);
    unsigned char *der = NULL;
    int len = pkcs1 ? i2d_PublicKey(pk, &der) : i2d_PUBKEY(pk, &der);
    assert_true(len > 0);
    char *s = record_with("rsa", der, len);
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
    return s;
}

static void test_rsa(void **state)
{
    (void)state;
    static const struct { int bits; bool pkcs1; const char *codes; } cases[] = {
        { 512, false, "dkim.key_weak" },
        { 1024, false, "dkim.key_short" },
        { 2048, false, "" },
        { 2048, true, "dkim.key_pkcs1" },
        { 1024, true, "dkim.key_pkcs1 dkim.key_short" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = rsa_record(cases[i].bits, cases[i].pkcs1);
        dkimkey_record *r = parse_ok(s, strlen(s));
        char got[256];
        codes_of(r, got, sizeof got);
        if (strcmp(got, cases[i].codes) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, got, cases[i].codes);
        assert_int_equal(r->key_type, DKIMKEY_TYPE_RSA);
        assert_int_equal(r->key_bits, (unsigned)cases[i].bits);
        if (cases[i].bits == 512)
            assert_int_equal(r->nerrors, 1);
        dkimkey_record_free(r);
        free(s);
    }

    /* an RSA SubjectPublicKeyInfo with k=ed25519 is not a 32-byte key */
    char *s = rsa_record(1024, false);
    memcpy(strstr(s, "k=rsa"), "k=ed2", 5); /* k=ed2 is unknown: no key check */
    dkimkey_record *r = parse_ok(s, strlen(s));
    assert_string_equal(r->problems[0].code, "dkim.k_unknown");
    assert_int_equal(r->nproblems, 1);
    dkimkey_record_free(r);
    free(s);

    /* trailing garbage after the DER is not a key */
    EVP_PKEY *pk = EVP_RSA_gen(1024);
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pk, &der);
    unsigned char *longer = malloc((size_t)len + 3);
    memcpy(longer, der, (size_t)len);
    memset(longer + len, 0, 3);
    s = record_with("rsa", longer, len + 3);
    r = parse_ok(s, strlen(s));
    assert_string_equal(r->problems[0].code, "dkim.key_invalid");
    dkimkey_record_free(r);
    free(s);
    free(longer);
    OPENSSL_free(der);
    EVP_PKEY_free(pk);

    /* an ed25519 SubjectPublicKeyInfo with k=rsa: wrong type */
    pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(pk);
    der = NULL;
    len = i2d_PUBKEY(pk, &der);
    s = record_with("rsa", der, len);
    r = parse_ok(s, strlen(s));
    assert_string_equal(r->problems[0].code, "dkim.key_invalid");
    assert_non_null(strstr(r->problems[0].detail, "not RSA"));
    assert_int_equal(r->key_type, DKIMKEY_TYPE_UNKNOWN);
    dkimkey_record_free(r);
    free(s);
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
}

static void test_limits(void **state)
{
    (void)state;
    char *s = malloc(DKIMKEY_RECORD_MAX + 1);
    assert_non_null(s);
    memset(s, ' ', DKIMKEY_RECORD_MAX + 1);
    memcpy(s, "k=ed25519; p=" ED, strlen("k=ed25519; p=" ED));
    dkimkey_record *r = parse_ok(s, DKIMKEY_RECORD_MAX);
    assert_int_equal(r->nproblems, 0);
    dkimkey_record_free(r);
    r = parse_ok(s, DKIMKEY_RECORD_MAX + 1);
    assert_int_equal(r->nproblems, 1);
    assert_string_equal(r->problems[0].code, "dkim.too_long");
    dkimkey_record_free(r);

    /* a p= filling the whole record decodes within bounds */
    memset(s, 'A', DKIMKEY_RECORD_MAX);
    memcpy(s, "p=  ", 4); /* 8188 base64 characters */
    r = parse_ok(s, DKIMKEY_RECORD_MAX);
    assert_string_equal(r->problems[0].code, "dkim.key_invalid");
    dkimkey_record_free(r);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_rsa),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
