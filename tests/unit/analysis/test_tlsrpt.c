/* test_tlsrpt.c — unit tests for analysis/tlsrpt/tlsrpt.c: the RFC 8460 §3
 * record grammar (table-driven: problem codes in order and the column of the
 * first one, including the RFC's examples), the parsed rua list and limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/tlsrpt/tlsrpt.h"

#define NOCOL ((size_t)-1)

typedef struct row {
    const char *record;
    const char *codes;  /* space-separated problem codes in order; "" = none */
    size_t column;      /* column of the first problem; NOCOL = don't check */
} row;

static const row rows[] = {
    /* good records, including the examples of RFC 8460 §3 */
    { "v=TLSRPTv1;rua=mailto:reports@example.com", "", NOCOL },
    { "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", "", NOCOL },
    { "v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.com/x?a=b;", "", NOCOL },
    /* v */
    { "", "tlsrpt.rua_missing", 0 },
    { "v=TLSRPTv1", "tlsrpt.rua_missing", 0 },
    { "v=TLSRPTv1;", "tlsrpt.rua_missing", 0 },
    { "rua=mailto:a@b.example", "tlsrpt.v_missing", 1 },
    { "rua=mailto:a@b.example; v=TLSRPTv1", "tlsrpt.v_missing", 1 },
    { "v=TLSRPTv2; rua=mailto:a@b.example", "tlsrpt.v_invalid", 3 },
    { "v=tlsrptv1; rua=mailto:a@b.example", "tlsrpt.v_invalid", 3 },
    { "v = TLSRPTv1; rua=mailto:a@b.example", "tlsrpt.syntax tlsrpt.v_missing", 2 },
    { "V=TLSRPTv1; rua=mailto:a@b.example", "tlsrpt.v_missing tlsrpt.tag_unknown", 1 },
    /* rua */
    { "v=TLSRPTv1; rua=ftp://x.example/r", "tlsrpt.uri_scheme", 17 },
    { "v=TLSRPTv1; rua=mailto:noat", "tlsrpt.uri_invalid", 17 },
    { "v=TLSRPTv1; rua=https:/x", "tlsrpt.uri_invalid", 17 },
    { "v=TLSRPTv1; rua=", "tlsrpt.uri_invalid", 17 },
    { "v=TLSRPTv1; rua=mailto:a@b.example,", "tlsrpt.uri_invalid", 36 },
    { "v=TLSRPTv1; rua=mailto:a@b.example; rua=mailto:c@d.example", "tlsrpt.tag_duplicate",
      37 },
    /* extensions and syntax */
    { "v=TLSRPTv1; rua=mailto:a@b.example; ext=1", "tlsrpt.tag_unknown", 37 },
    { "v=TLSRPTv1; rua=mailto:a@b.example; ext=a=b", "tlsrpt.syntax", 42 },
    { "v=TLSRPTv1; rua=mailto:a@b.example; ext=a b", "tlsrpt.syntax", 42 },
    { "v=TLSRPTv1;; rua=mailto:a@b.example", "tlsrpt.empty_field", 12 },
    { "v=TLSRPTv1; rua=mailto:a@b.ex\x7f" "ample", "tlsrpt.syntax tlsrpt.rua_missing", 30 },
    { "v=TLSRPTv1; _x=1; rua=mailto:a@b.example", "tlsrpt.syntax", 13 },
    { "v=TLSRPTv1; x", "tlsrpt.syntax tlsrpt.rua_missing", 13 },
};

static void codes_of(const tlsrpt_record *r, char *buf, size_t len)
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
        tlsrpt_record *r = NULL;
        err e;
        err_clear(&e);
        assert_int_equal(tlsrpt_parse(w->record, strlen(w->record), &r, &e), 0);
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
            errs += r->problems[j].sev == TLSRPT_SEV_ERROR;
        }
        assert_int_equal(errs, r->nerrors);
        tlsrpt_record_free(r);
    }
}

static void test_fields_and_limits(void **state)
{
    (void)state;
    const char *s = "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x";
    tlsrpt_record *r = NULL;
    assert_int_equal(tlsrpt_parse(s, strlen(s), &r, NULL), 0);
    assert_int_equal(r->nrua, 2);
    assert_string_equal(r->rua[0], "mailto:a@example.com");
    assert_string_equal(r->rua[1], "https://r.example.com/x");
    tlsrpt_record_free(r);
    tlsrpt_record_free(NULL);

    assert_true(tlsrpt_is_tlsrpt("v=TLSRPTv1;", 11));
    assert_true(tlsrpt_is_tlsrpt("v=TLSRPTv1", 10));
    assert_false(tlsrpt_is_tlsrpt("v=TLSRPTv10", 11));
    assert_false(tlsrpt_is_tlsrpt("v=STSv1;", 8));

    char *big = malloc(TLSRPT_RECORD_MAX + 1);
    assert_non_null(big);
    size_t len = (size_t)snprintf(big, TLSRPT_RECORD_MAX, "v=TLSRPTv1; rua=");
    for (int i = 0; i <= TLSRPT_URIS_MAX; i++)
        len += (size_t)snprintf(big + len, TLSRPT_RECORD_MAX - len, "%smailto:r%d@example.com",
                                i ? "," : "", i);
    assert_int_equal(tlsrpt_parse(big, len, &r, NULL), 0);
    assert_int_equal(r->nrua, TLSRPT_URIS_MAX);
    assert_int_equal(r->nproblems, 1);
    assert_string_equal(r->problems[0].code, "tlsrpt.uri_too_many");
    tlsrpt_record_free(r);

    memset(big + len, ' ', TLSRPT_RECORD_MAX + 1 - len);
    assert_int_equal(tlsrpt_parse(big, TLSRPT_RECORD_MAX, &r, NULL), 0);
    assert_int_equal(r->nerrors, 0);
    tlsrpt_record_free(r);
    assert_int_equal(tlsrpt_parse(big, TLSRPT_RECORD_MAX + 1, &r, NULL), 0);
    assert_int_equal(r->nproblems, 1);
    assert_string_equal(r->problems[0].code, "tlsrpt.too_long");
    tlsrpt_record_free(r);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_fields_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
