/* test_dmarc.c — unit tests for analysis/dmarc/dmarc.c: the RFC 7489 record
 * grammar and every tag's validation (table-driven: expected problem codes in
 * order and the column of the first problem), parsed fields, limits, the
 * policy advice, organisational domains and report authorization names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dmarc/dmarc.h"

#define NOCOL ((size_t)-1)

typedef struct row {
    const char *record;
    const char *codes;  /* space-separated problem codes in order; "" = none */
    size_t column;      /* column of the first problem; NOCOL = don't check */
} row;

static const row rows[] = {
    /* good records, including the examples of RFC 7489 Appendix B.2 */
    { "v=DMARC1; p=none", "", NOCOL },
    { "v=DMARC1; p=none;", "", NOCOL },
    { "  v = DMARC1 ;\tp = reject ; ", "", NOCOL },
    { "V=DMARC1; P=Reject; ADKIM=S", "", NOCOL },
    { "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com", "", NOCOL },
    { "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
      "ruf=mailto:auth-reports@thirdparty.example.net", "", NOCOL },
    { "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com, "
      "mailto:tld-test@thirdparty.example.net!10m; pct=25", "", NOCOL },
    { "v=DMARC1; p=reject; pct=0; ri=4294967295; fo=1", "", NOCOL },
    /* v */
    { "", "dmarc.v_missing dmarc.p_missing", 0 },
    { "p=none; v=DMARC1", "dmarc.v_missing", 1 },
    { "p=none", "dmarc.v_missing", 1 },
    { "v=DMARC2; p=none", "dmarc.v_invalid", 3 },
    { "v=dmarc1; p=none", "dmarc.v_invalid", 3 },
    { "v=DMARC1; v=DMARC1; p=none", "dmarc.tag_duplicate", 11 },
    /* p, sp, np */
    { "v=DMARC1", "dmarc.p_missing", 0 },
    { "v=DMARC1; p=nothing", "dmarc.p_invalid", 13 },
    { "v=DMARC1; p=", "dmarc.p_invalid", 13 },
    { "v=DMARC1; p=none; sp=all", "dmarc.sp_invalid", 22 },
    { "v=DMARC1; p=none; np=rejected", "dmarc.np_invalid", 22 },
    /* pct */
    { "v=DMARC1; p=none; pct=101", "dmarc.pct_invalid", 23 },
    { "v=DMARC1; p=none; pct=-1", "dmarc.pct_invalid", 23 },
    { "v=DMARC1; p=none; pct=1000", "dmarc.pct_invalid", 23 },
    { "v=DMARC1; p=none; pct=5 0", "dmarc.pct_invalid", 23 },
    /* adkim, aspf, fo, ri */
    { "v=DMARC1; p=none; adkim=x", "dmarc.adkim_invalid", 25 },
    { "v=DMARC1; p=none; aspf=rs", "dmarc.aspf_invalid", 24 },
    { "v=DMARC1; p=none; fo=2", "dmarc.fo_invalid", 22 },
    { "v=DMARC1; p=none; fo=0:", "dmarc.fo_invalid", 22 },
    { "v=DMARC1; p=none; fo=0 : d", "", NOCOL },
    { "v=DMARC1; p=none; ri=4294967296", "dmarc.ri_invalid", 22 },
    { "v=DMARC1; p=none; ri=", "dmarc.ri_invalid", 22 },
    /* rua, ruf */
    { "v=DMARC1; p=none; rua=foo", "dmarc.uri_invalid", 23 },
    { "v=DMARC1; p=none; rua=mailto:noat", "dmarc.uri_invalid", 23 },
    { "v=DMARC1; p=none; rua=mailto:@example.com", "dmarc.uri_invalid", 23 },
    { "v=DMARC1; p=none; rua=mailto:a@b.example,", "dmarc.uri_invalid", 42 },
    { "v=DMARC1; p=none; rua=mailto:a@b.example!10x", "dmarc.uri_size_invalid", 41 },
    { "v=DMARC1; p=none; rua=mailto:a@b.example!", "dmarc.uri_size_invalid", 41 },
    { "v=DMARC1; p=none; ruf=mailto:a@b.example!0", "dmarc.uri_size_invalid", 41 },
    { "v=DMARC1; p=none; rua=https://r.example/dmarc", "dmarc.uri_scheme", 23 },
    { "v=DMARC1; p=none; rua=mailto:a@b.example; rua=mailto:c@d.example",
      "dmarc.tag_duplicate", 43 },
    /* generic tag-list faults */
    { "v=DMARC1; p=none; foo=bar", "dmarc.tag_unknown", 19 },
    { "v=DMARC1;; p=none", "dmarc.empty_tag", 10 },
    { "v=DMARC1; p=none; x", "dmarc.syntax", 19 },
    { "v=DMARC1; 1x=y; p=none", "dmarc.syntax", 11 },
    { "v=DMARC1; p=no\x01ne", "dmarc.syntax dmarc.p_missing", 15 },
    { "v=DMARC1; p=none; rua=mailto:\xc3\xa9@b.example", "dmarc.syntax", 30 },
    /* several problems at once, in record order */
    { "v=DMARC1; pct=x; adkim=q; p=none; foo=1",
      "dmarc.pct_invalid dmarc.adkim_invalid dmarc.tag_unknown", 15 },
};

/* The codes of r's problems joined by spaces. */
static void codes_of(const dmarc_record *r, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < r->nproblems; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? " " : "", r->problems[i].code);
    }
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *w = &rows[i];
        size_t n = strlen(w->record);
        dmarc_record *r = NULL;
        err e;
        err_clear(&e);
        assert_int_equal(dmarc_parse(w->record, n, &r, &e), 0);
        assert_non_null(r);
        char got[512];
        codes_of(r, got, sizeof got);
        if (strcmp(got, w->codes) != 0)
            fail_msg("row %zu '%s': got '%s', want '%s'", i, w->record, got, w->codes);
        if (w->column != NOCOL && r->problems[0].column != w->column)
            fail_msg("row %zu '%s': column %zu, want %zu", i, w->record, r->problems[0].column,
                     w->column);
        size_t errs = 0;
        for (size_t j = 0; j < r->nproblems; j++) {
            assert_non_null(r->problems[j].detail);
            errs += r->problems[j].sev == DMARC_SEV_ERROR;
        }
        assert_int_equal(errs, r->nerrors);
        dmarc_record_free(r);
    }
}

static void test_fields(void **state)
{
    (void)state;
    const char *s = "v=DMARC1; p=reject; sp=quarantine; np=none; pct=50; adkim=s; aspf=S; "
                    "fo=0:1:d:s; rua=mailto:A@Example.COM , mailto:b@ext.example!10m, "
                    "mailto:c@x.example!7; ruf=mailto:f@example.com!1g; ri=3600";
    dmarc_record *r = NULL;
    assert_int_equal(dmarc_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(r->nproblems, 0);
    assert_int_equal(r->p, DMARC_POLICY_REJECT);
    assert_int_equal(r->sp, DMARC_POLICY_QUARANTINE);
    assert_int_equal(r->np, DMARC_POLICY_NONE);
    assert_int_equal(r->pct, 50);
    assert_int_equal(r->adkim, 's');
    assert_int_equal(r->aspf, 's');
    assert_int_equal(r->fo, DMARC_FO_0 | DMARC_FO_1 | DMARC_FO_D | DMARC_FO_S);
    assert_int_equal(r->ri, 3600);
    assert_int_equal(r->nrua, 3);
    assert_string_equal(r->rua[0].uri, "mailto:A@Example.COM");
    assert_string_equal(r->rua[0].mailto_domain, "example.com");
    assert_true(r->rua[0].is_mailto);
    assert_int_equal(r->rua[0].max_size, 0);
    assert_string_equal(r->rua[1].uri, "mailto:b@ext.example");
    assert_int_equal(r->rua[1].max_size, 10u * 1024 * 1024);
    assert_int_equal(r->rua[2].max_size, 7);
    assert_int_equal(r->nruf, 1);
    assert_int_equal(r->ruf[0].max_size, 1024u * 1024 * 1024);
    dmarc_record_free(r);

    /* defaults */
    assert_int_equal(dmarc_parse("v=DMARC1; p=none", 16, &r, NULL), 0);
    assert_int_equal(r->sp, DMARC_POLICY_UNSET);
    assert_int_equal(r->np, DMARC_POLICY_UNSET);
    assert_int_equal(r->pct, 100);
    assert_int_equal(r->adkim, 'r');
    assert_int_equal(r->aspf, 'r');
    assert_int_equal(r->fo, DMARC_FO_0);
    assert_int_equal(r->ri, 86400);
    assert_int_equal(r->nrua + r->nruf, 0);
    dmarc_record_free(r);
    dmarc_record_free(NULL);
}

static void test_limits(void **state)
{
    (void)state;
    char *s = malloc(DMARC_RECORD_MAX + 2);
    assert_non_null(s);
    memset(s, ' ', DMARC_RECORD_MAX + 1);
    memcpy(s, "v=DMARC1; p=none;", 17);
    dmarc_record *r = NULL;
    assert_int_equal(dmarc_parse(s, DMARC_RECORD_MAX, &r, NULL), 0);
    assert_int_equal(r->nproblems, 0);
    dmarc_record_free(r);
    assert_int_equal(dmarc_parse(s, DMARC_RECORD_MAX + 1, &r, NULL), 0);
    assert_int_equal(r->nproblems, 1);
    assert_string_equal(r->problems[0].code, "dmarc.too_long");
    assert_int_equal(r->p, DMARC_POLICY_UNSET);
    dmarc_record_free(r);

    /* DMARC_URIS_MAX + 1 rua entries: one warning, the extra one dropped */
    size_t len = (size_t)snprintf(s, DMARC_RECORD_MAX, "v=DMARC1; p=none; rua=");
    for (int i = 0; i <= DMARC_URIS_MAX; i++)
        len += (size_t)snprintf(s + len, DMARC_RECORD_MAX - len, "%smailto:r%d@example.com",
                                i ? "," : "", i);
    assert_int_equal(dmarc_parse(s, len, &r, NULL), 0);
    assert_int_equal(r->nrua, DMARC_URIS_MAX);
    assert_int_equal(r->nproblems, 1);
    assert_string_equal(r->problems[0].code, "dmarc.uri_too_many");
    assert_int_equal(r->nerrors, 0);
    dmarc_record_free(r);

    /* size overflow */
    const char *big = "v=DMARC1; p=none; rua=mailto:a@b.example!99999999999999t";
    assert_int_equal(dmarc_parse(big, strlen(big), &r, NULL), 0);
    assert_string_equal(r->problems[0].code, "dmarc.uri_size_invalid");
    dmarc_record_free(r);
    free(s);
}

static void test_escaped_detail(void **state)
{
    (void)state;
    /* a NUL byte is a syntax error at its column, not the end of the record */
    dmarc_record *n = NULL;
    assert_int_equal(dmarc_parse("v=DMARC1; p=none\0; pct=5", 24, &n, NULL), 0);
    assert_int_equal(n->nproblems, 2);
    assert_string_equal(n->problems[0].code, "dmarc.syntax");
    assert_int_equal(n->problems[0].column, 17);
    assert_string_equal(n->problems[1].code, "dmarc.p_missing");
    assert_int_equal(n->pct, 5);
    dmarc_record_free(n);

    const char *s = "v=DMARC1; p=none; \x1b[31mx=1";
    dmarc_record *r = NULL;
    assert_int_equal(dmarc_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(r->nproblems, 1);
    assert_null(strchr(r->problems[0].detail, '\x1b'));
    assert_non_null(strcasestr(r->problems[0].detail, "\\x1b"));
    dmarc_record_free(r);
}

static void test_is_dmarc(void **state)
{
    (void)state;
    assert_true(dmarc_is_dmarc("v=DMARC1; p=none", 16));
    assert_true(dmarc_is_dmarc(" v = DMARC1", 11));
    assert_true(dmarc_is_dmarc("v=DMARC1", 8));
    assert_false(dmarc_is_dmarc("v=DMARC10", 9));
    assert_false(dmarc_is_dmarc("v=spf1 -all", 11));
    assert_false(dmarc_is_dmarc("p=none; v=DMARC1", 16));
    assert_false(dmarc_is_dmarc("", 0));
}

static bool has_code(const dmarc_record *r, const char *code, dmarc_severity sev)
{
    for (size_t i = 0; i < r->nproblems; i++)
        if (strcmp(r->problems[i].code, code) == 0 && r->problems[i].sev == sev)
            return true;
    return false;
}

static void test_advise(void **state)
{
    (void)state;
    dmarc_record *r = NULL;
    const char *s = "v=DMARC1; p=none";
    assert_int_equal(dmarc_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(dmarc_advise(r, true, NULL), 0);
    assert_true(has_code(r, "dmarc.p_none", DMARC_SEV_WARNING));
    assert_true(has_code(r, "dmarc.rua_missing", DMARC_SEV_INFO));
    assert_int_equal(r->nerrors, 0);
    dmarc_record_free(r);

    assert_int_equal(dmarc_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(dmarc_advise(r, false, NULL), 0);
    assert_true(has_code(r, "dmarc.p_none", DMARC_SEV_INFO));
    dmarc_record_free(r);

    s = "v=DMARC1; p=reject; sp=none; pct=20; rua=mailto:d@example.com";
    assert_int_equal(dmarc_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(dmarc_advise(r, true, NULL), 0);
    assert_int_equal(r->nproblems, 2);
    assert_string_equal(r->problems[0].code, "dmarc.pct_partial");
    assert_string_equal(r->problems[1].code, "dmarc.sp_weaker");
    dmarc_record_free(r);

    s = "v=DMARC1; p=reject; rua=mailto:d@example.com";
    assert_int_equal(dmarc_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(dmarc_advise(r, true, NULL), 0);
    assert_int_equal(r->nproblems, 0);
    dmarc_record_free(r);
}

static void test_org_domain(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } ok[] = {
        { "example.com", "example.com" },
        { "Mail.Example.COM.", "example.com" },
        { "a.b.example.co.uk", "example.co.uk" },
        { "x.y.example.org", "example.org" },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *o = NULL;
        err e;
        err_clear(&e);
        assert_int_equal(dmarc_org_domain(ok[i].in, &o, &e), 0);
        assert_string_equal(o, ok[i].want);
        free(o);
    }
    static const char *const bad[] = { "com", "co.uk", "", "." };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *o = (char *)"x";
        err e;
        err_clear(&e);
        assert_int_equal(dmarc_org_domain(bad[i], &o, &e), -1);
        assert_null(o);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    }
}

static void test_report_auth(void **state)
{
    (void)state;
    char *o = NULL;
    err e;
    err_clear(&e);
    assert_int_equal(dmarc_report_auth_name("Example.COM.", "thirdparty.example.net", &o, &e),
                     0);
    assert_string_equal(o, "example.com._report._dmarc.thirdparty.example.net");
    free(o);

    char longname[250];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(dmarc_report_auth_name(longname, "x.example", &o, &e), -1);
    assert_null(o);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_int_equal(dmarc_report_auth_name("example.com", "", &o, &e), -1);

    const char *s = "v=DMARC1; p=none; rua=mailto:a@reports.example.com,"
                    "mailto:b@thirdparty.example.net,https://r.example.org/";
    dmarc_record *r = NULL;
    assert_int_equal(dmarc_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(r->nrua, 3);
    bool ext = true;
    assert_int_equal(dmarc_uri_is_external("example.com", &r->rua[0], &ext, &e), 0);
    assert_false(ext);
    assert_int_equal(dmarc_uri_is_external("example.com", &r->rua[1], &ext, &e), 0);
    assert_true(ext);
    assert_int_equal(dmarc_uri_is_external("example.com", &r->rua[2], &ext, &e), -1);
    dmarc_record_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_escaped_detail),
        cmocka_unit_test(test_is_dmarc),
        cmocka_unit_test(test_advise),
        cmocka_unit_test(test_org_domain),
        cmocka_unit_test(test_report_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
