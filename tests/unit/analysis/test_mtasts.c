/* test_mtasts.c — unit tests for analysis/mtasts/mtasts.c: the RFC 8461
 * _mta-sts TXT record (§3.1) and policy file (§3.2), both table-driven with
 * the expected problem codes and the position of the first one, the RFC's
 * examples, limits, and the §4.1 MX pattern match. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/mtasts/mtasts.h"

#define NOPOS ((size_t)-1)

typedef struct row {
    const char *text;
    const char *codes;  /* space-separated problem codes in order; "" = none */
    size_t line, column; /* position of the first problem; NOPOS = don't check */
} row;

static const row record_rows[] = {
    { "v=STSv1; id=20160831085700Z;", "", NOPOS, NOPOS }, /* RFC 8461 §3.1 */
    { "v=STSv1; id=20160831085700Z", "", NOPOS, NOPOS },
    { "v=STSv1;id=abcdefghijklmnopqrstuvwxyz012345", "", NOPOS, NOPOS },
    { "v=STSv1;", "mtasts.id_missing", 0, 0 },
    { "", "mtasts.id_missing", 0, 0 },
    { "id=abc; v=STSv1", "mtasts.v_missing", 1, 1 },
    { "v=STSv2; id=1", "mtasts.v_invalid", 1, 3 },
    { "v=STSv1; id=", "mtasts.id_invalid", 1, 13 },
    { "v=STSv1; id=abc-def", "mtasts.id_invalid", 1, 13 },
    { "v=STSv1; id=abcdefghijklmnopqrstuvwxyz0123456", "mtasts.id_invalid", 1, 13 },
    { "v=STSv1; id=1; id=2", "mtasts.tag_duplicate", 1, 16 },
    { "v=STSv1; id=1; ext=x", "mtasts.tag_unknown", 1, 16 },
    { "v=STSv1; id=1; ext=a=b", "mtasts.syntax", 1, 21 },
    { "v=STSv1;; id=1", "mtasts.empty_field", 1, 9 },
    { "v = STSv1; id=1", "mtasts.syntax mtasts.v_missing", 1, 2 },
    { "v=STSv1; id=1\x01", "mtasts.syntax mtasts.id_missing", 1, 14 },
};

#define V "version: STSv1\n"
#define E "mode: enforce\n"
#define MX "mx: mail.example.com\n"
#define AGE "max_age: 604800\n"

static const row policy_rows[] = {
    /* RFC 8461 §3.2 example, with CRLF */
    { "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
      "mx: backupmx.example.com\r\nmax_age: 604800\r\n", "", NOPOS, NOPOS },
    { V E MX "max_age: 604800", "", NOPOS, NOPOS },
    { V "mode: none\nmax_age:86400\n\n", "", NOPOS, NOPOS },
    { V "mode: Enforce\n" MX "max_age: 31557600\n", "", NOPOS, NOPOS },
    /* version */
    { E MX AGE, "mtasts.version_missing", 0, 0 },
    { "version: STSv2\n" E MX AGE, "mtasts.version_invalid", 1, 10 },
    { "version STSv1\n" E MX AGE, "mtasts.policy_syntax mtasts.version_missing", 1, 8 },
    { V V E MX AGE, "mtasts.key_duplicate", 2, 1 },
    /* mode */
    { V MX AGE, "mtasts.mode_missing", 0, 0 },
    { V "mode: strict\n" MX AGE, "mtasts.mode_invalid", 2, 7 },
    { V "mode: testing\n" MX AGE, "mtasts.mode_testing", 2, 7 },
    { V "mode:\n" MX AGE, "mtasts.policy_syntax mtasts.mode_missing", 2, 6 },
    /* max_age */
    { V E MX, "mtasts.max_age_missing", 0, 0 },
    { V E MX "max_age: 31557601\n", "mtasts.max_age_invalid", 4, 10 },
    { V E MX "max_age: -1\n", "mtasts.max_age_invalid", 4, 10 },
    { V E MX "max_age: 12345678901\n", "mtasts.max_age_invalid", 4, 10 },
    { V E MX "max_age: 3600\n", "mtasts.max_age_short", 4, 10 },
    /* mx */
    { V E AGE, "mtasts.mx_missing", 0, 0 },
    { V E "mx: *.*.example.com\n" AGE, "mtasts.mx_invalid mtasts.mx_missing", 3, 5 },
    { V E "mx: example\n" AGE, "mtasts.mx_invalid mtasts.mx_missing", 3, 5 },
    { V E "mx: -a.example\n" AGE, "mtasts.mx_invalid mtasts.mx_missing", 3, 5 },
    { V E "mx: a_b.example\n" AGE, "mtasts.mx_invalid mtasts.mx_missing", 3, 5 },
    { V E "mx: a.example.\n" AGE, "mtasts.mx_invalid mtasts.mx_missing", 3, 5 },
    { V E "mx: a.example extra\n" AGE, "mtasts.policy_syntax mtasts.mx_missing", 3, 14 },
    /* other lines */
    { V E MX AGE "foo: bar\n", "mtasts.key_unknown", 5, 1 },
    { V E MX AGE "foo bar\n", "mtasts.policy_syntax", 5, 4 },
    { V E MX AGE "x:\xff\n", "mtasts.policy_syntax", 5, 3 },
};

static void codes_of(const mtasts_problem *v, size_t n, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? " " : "", v[i].code);
    }
}

static void check(const row *w, size_t i, const mtasts_problem *v, size_t n, size_t nerrors)
{
    char got[512];
    codes_of(v, n, got, sizeof got);
    if (strcmp(got, w->codes) != 0)
        fail_msg("row %zu: got '%s', want '%s'", i, got, w->codes);
    if (w->line != NOPOS && (v[0].line != w->line || v[0].column != w->column))
        fail_msg("row %zu: position %zu:%zu, want %zu:%zu", i, v[0].line, v[0].column, w->line,
                 w->column);
    size_t errs = 0;
    for (size_t j = 0; j < n; j++) {
        assert_non_null(v[j].detail);
        errs += v[j].sev == MTASTS_SEV_ERROR;
    }
    assert_int_equal(errs, nerrors);
}

static void test_record_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof record_rows / sizeof record_rows[0]; i++) {
        mtasts_record *r = NULL;
        err e;
        err_clear(&e);
        const char *t = record_rows[i].text;
        assert_int_equal(mtasts_record_parse(t, strlen(t), &r, &e), 0);
        check(&record_rows[i], i, r->problems, r->nproblems, r->nerrors);
        if (r->nerrors == 0)
            assert_non_null(r->id);
        mtasts_record_free(r);
    }
}

static void test_policy_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof policy_rows / sizeof policy_rows[0]; i++) {
        mtasts_policy *p = NULL;
        err e;
        err_clear(&e);
        const char *t = policy_rows[i].text;
        assert_int_equal(mtasts_policy_parse(t, strlen(t), &p, &e), 0);
        check(&policy_rows[i], i, p->problems, p->nproblems, p->nerrors);
        mtasts_policy_free(p);
    }
}

static void test_fields_and_match(void **state)
{
    (void)state;
    mtasts_record *r = NULL;
    const char *rec = "v=STSv1; id=20160831085700Z;";
    assert_int_equal(mtasts_record_parse(rec, strlen(rec), &r, NULL), 0);
    assert_string_equal(r->id, "20160831085700Z");
    mtasts_record_free(r);
    mtasts_record_free(NULL);

    const char *pol = "version: STSv1\r\nmode: enforce\r\nmx: Mail.Example.COM\r\n"
                      "mx: *.example.net\r\nmax_age: 604800\r\n";
    mtasts_policy *p = NULL;
    assert_int_equal(mtasts_policy_parse(pol, strlen(pol), &p, NULL), 0);
    assert_int_equal(p->mode, MTASTS_MODE_ENFORCE);
    assert_int_equal(p->max_age, 604800);
    assert_int_equal(p->nmx, 2);
    assert_string_equal(p->mx[0], "mail.example.com");
    assert_string_equal(mtasts_mode_name(p->mode), "enforce");

    static const struct { const char *host; bool want; } m[] = {
        { "mail.example.com", true },  { "MAIL.EXAMPLE.COM.", true },
        { "mx1.example.net", true },   { "MX1.Example.Net.", true },
        { "example.net", false },      { "a.b.example.net", false },
        { "xexample.net", false },     { ".example.net", false },
        { "other.example.com", false }, { "mail.example.com.evil", false },
        { "", false },                 { ".", false },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (mtasts_mx_matches(p, m[i].host) != m[i].want)
            fail_msg("'%s' should %smatch", m[i].host, m[i].want ? "" : "not ");
    mtasts_policy_free(p);
    mtasts_policy_free(NULL);

    /* defaults when fields are missing */
    assert_int_equal(mtasts_policy_parse("", 0, &p, NULL), 0);
    assert_int_equal(p->mode, MTASTS_MODE_UNSET);
    assert_int_equal(p->max_age, -1);
    assert_int_equal(p->nerrors, 3);
    mtasts_policy_free(p);
}

static void test_limits(void **state)
{
    (void)state;
    char *s = malloc(MTASTS_POLICY_MAX + 1);
    assert_non_null(s);
    size_t len = (size_t)snprintf(s, MTASTS_POLICY_MAX, V E AGE);
    for (int i = 0; i <= MTASTS_MX_MAX; i++)
        len += (size_t)snprintf(s + len, MTASTS_POLICY_MAX - len, "mx: mx%d.example.com\n", i);
    mtasts_policy *p = NULL;
    assert_int_equal(mtasts_policy_parse(s, len, &p, NULL), 0);
    assert_int_equal(p->nmx, MTASTS_MX_MAX);
    assert_int_equal(p->nproblems, 1);
    assert_string_equal(p->problems[0].code, "mtasts.mx_too_many");
    mtasts_policy_free(p);

    memset(s + len, '\n', MTASTS_POLICY_MAX + 1 - len);
    assert_int_equal(mtasts_policy_parse(s, MTASTS_POLICY_MAX, &p, NULL), 0);
    assert_int_equal(p->nerrors, 0);
    mtasts_policy_free(p);
    assert_int_equal(mtasts_policy_parse(s, MTASTS_POLICY_MAX + 1, &p, NULL), 0);
    assert_int_equal(p->nproblems, 1);
    assert_string_equal(p->problems[0].code, "mtasts.policy_too_long");
    mtasts_policy_free(p);

    memset(s, ' ', MTASTS_RECORD_MAX + 1);
    memcpy(s, "v=STSv1; id=1;", 14);
    mtasts_record *r = NULL;
    assert_int_equal(mtasts_record_parse(s, MTASTS_RECORD_MAX, &r, NULL), 0);
    assert_int_equal(r->nproblems, 0);
    mtasts_record_free(r);
    assert_int_equal(mtasts_record_parse(s, MTASTS_RECORD_MAX + 1, &r, NULL), 0);
    assert_string_equal(r->problems[0].code, "mtasts.too_long");
    mtasts_record_free(r);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_table),
        cmocka_unit_test(test_policy_table),
        cmocka_unit_test(test_fields_and_match),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
