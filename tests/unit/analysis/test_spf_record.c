/* test_spf_record.c — unit tests for analysis/spf/spf_record.c: the strict
 * RFC 7208 record grammar, parsed terms, and the column reported with each
 * syntax error. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "analysis/spf/spf_record.h"

typedef struct row {
    const char *name;
    const char *record;
    const char *error; /* NULL: parses; else a substring of the error sentence */
} row;

static const row rows[] = {
    { "minimal", "v=spf1", NULL },
    { "case-insensitive version", "V=SpF1 -ALL", NULL },
    { "trailing spaces", "v=spf1 a -all   ", NULL },
    { "two spaces", "v=spf1 a  -all", NULL },
    { "all mechanisms", "v=spf1 +all -a ~mx ?ptr ip4:192.0.2.0/24 ip6:2001:db8::/32 "
                        "include:_spf.example.com exists:%{i}.bl.example.com", NULL },
    { "dual cidr", "v=spf1 a/24//64 mx:example.com//48", NULL },
    { "colon in domain", "v=spf1 a:foo:bar/baz.example.com", NULL },
    { "macro domain end", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}", NULL },
    { "trailing dot", "v=spf1 include:example.com.", NULL },
    { "unknown modifier", "v=spf1 moo.cow-far_out=man:dog/cat -all", NULL },
    { "punycode toplabel", "v=spf1 a:foo.xn--zckzah", NULL },
    /* errors, with the column of the offending term or byte */
    { "not spf", "v=spf10 -all", "does not start" },
    { "unknown mechanism col 17", "v=spf1 -all ip4 a:foo/99", "'ip4' at column 13" },
    { "cidr too long", "v=spf1 mx a:foo.example.com/99", "invalid CIDR length in "
                                                         "'a:foo.example.com/99' at column 11" },
    { "unknown mechanism", "v=spf1 ip4:192.0.2.1 foo:bar", "unknown mechanism 'foo:bar' at "
                                                           "column 22" },
    { "all with arg", "v=spf1 -all:x", "at column 8" },
    { "all.", "v=spf1 -all.", "unknown mechanism '-all.'" },
    { "leading zero cidr", "v=spf1 ip4:1.2.3.4/032", "invalid CIDR" },
    { "ip4 cidr 33", "v=spf1 ip4:1.2.3.4/33", "invalid CIDR" },
    { "ip6 cidr 129", "v=spf1 ip6:::1/129", "invalid CIDR" },
    { "ip4 double cidr", "v=spf1 ip4:1.2.3.4//32", "invalid address" },
    { "bad ip6", "v=spf1 ip6::CAFE::BABE", "invalid address" },
    { "short ip4", "v=spf1 ip4:1.2.3", "invalid address" },
    { "numeric toplabel", "v=spf1 a:abc.123", "invalid domain-spec" },
    { "single label", "v=spf1 a:museum", "invalid domain-spec" },
    { "dash toplabel", "v=spf1 a:example.-com", "invalid domain-spec" },
    { "include cidr", "v=spf1 include:example.com/24", "invalid domain-spec" },
    { "exists bare", "v=spf1 exists", "missing or bad domain-spec" },
    { "empty include", "v=spf1 include:", "invalid domain-spec" },
    { "ptr cidr", "v=spf1 ptr/0", "at column 8" },
    { "redirect twice", "v=spf1 redirect=a.example.com redirect=b.example.com",
      "second modifier 'redirect=b.example.com' at column 31" },
    { "exp twice", "v=spf1 exp=a.example.com -all exp=b.example.com", "second modifier" },
    { "empty redirect", "v=spf1 redirect=", "invalid domain-spec in modifier" },
    { "redirect to -all", "v=spf1 redirect=-all", "invalid domain-spec" },
    { "bad modifier name", "v=spf1 1up=foo", "invalid modifier name in '1up=foo' at column 8" },
    { "empty modifier name", "v=spf1 =all", "invalid modifier name" },
    { "bad macro in modifier", "v=spf1 foo=%abc", "invalid macro-string" },
    { "exp-only macro in domain", "v=spf1 exp=%{r}.example.com", "invalid domain-spec" },
    { "bad macro char", "v=spf1 exists:%(ir).example.com", "invalid domain-spec" },
    { "zero digit transformer", "v=spf1 exists:%{d0}.example.com", "invalid domain-spec" },
    { "control byte", "v=spf1 a\r-all", "control byte 0x0d at column 9" },
    { "tab", "v=spf1\t-all", "control byte 0x09 at column 7" },
    { "non-ascii", "v=spf1 \x96" "all", "non-ASCII byte 0x96 at column 8" },
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        spf_record *r = NULL;
        err e;
        err_clear(&e);
        int rc = spf_record_parse(rows[i].record, strlen(rows[i].record), &r, &e);
        if (!rows[i].error) {
            if (rc != 0)
                fail_msg("%s: unexpected error: %s", rows[i].name, e.msg);
            assert_non_null(r);
        } else {
            if (rc == 0)
                fail_msg("%s: parsed but should fail", rows[i].name);
            assert_null(r);
            if (!strstr(e.msg, rows[i].error))
                fail_msg("%s: error \"%s\" lacks \"%s\"", rows[i].name, e.msg, rows[i].error);
        }
        spf_record_free(r);
    }
}

static void test_terms(void **state)
{
    (void)state;
    const char *s = "v=spf1 -a:foo.example.com/24//64 ~ip6:2001:db8::/32 redirect=x.example.com "
                    "exp=e.example.com  other=%{d} ?all";
    spf_record *r = NULL;
    err e;
    assert_int_equal(spf_record_parse(s, strlen(s), &r, &e), 0);
    assert_int_equal(r->nterms, 6);
    assert_int_equal(r->terms[0].kind, SPF_TERM_MECH);
    assert_int_equal(r->terms[0].mech, SPF_MECH_A);
    assert_int_equal(r->terms[0].qual, SPF_QUAL_FAIL);
    assert_string_equal(r->terms[0].domain, "foo.example.com");
    assert_int_equal(r->terms[0].cidr4, 24);
    assert_int_equal(r->terms[0].cidr6, 64);
    assert_int_equal(r->terms[0].column, 8);
    assert_int_equal(r->terms[1].mech, SPF_MECH_IP6);
    assert_int_equal(r->terms[1].qual, SPF_QUAL_SOFTFAIL);
    assert_int_equal(r->terms[1].cidr6, 32);
    assert_int_equal(r->terms[1].addr[0], 0x20);
    assert_int_equal(r->terms[1].addr[1], 0x01);
    assert_ptr_equal(r->redirect, &r->terms[2]);
    assert_string_equal(r->redirect->domain, "x.example.com");
    assert_ptr_equal(r->exp, &r->terms[3]);
    assert_int_equal(r->terms[4].kind, SPF_TERM_UNKNOWN);
    assert_string_equal(r->terms[4].name, "other");
    assert_int_equal(r->terms[5].mech, SPF_MECH_ALL);
    assert_int_equal(r->terms[5].qual, SPF_QUAL_NEUTRAL);
    assert_int_equal(r->terms[2].column, 53);
    assert_null(r->terms[5].domain);
    spf_record_free(r);
    spf_record_free(NULL);
}

static void test_is_spf(void **state)
{
    (void)state;
    assert_true(spf_record_is_spf("v=spf1", 6));
    assert_true(spf_record_is_spf("V=SPF1 -all", 11));
    assert_false(spf_record_is_spf("v=spf10", 7));
    assert_false(spf_record_is_spf("v=spf1-all", 10));
    assert_false(spf_record_is_spf("v=spf", 5));
    assert_false(spf_record_is_spf(" v=spf1", 7));
}

static void test_limits(void **state)
{
    (void)state;
    char big[SPF_RECORD_MAX + 16];
    spf_record *r = NULL;
    err e;

    /* Too many terms. */
    size_t n = 0;
    n += (size_t)snprintf(big, sizeof big, "v=spf1");
    for (int i = 0; i < SPF_TERMS_MAX + 1; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, " ?all");
    assert_int_equal(spf_record_parse(big, n, &r, &e), -1);
    assert_int_equal(e.cls, ERRC_TOO_LONG);
    /* Too long. */
    memset(big, 'a', sizeof big);
    memcpy(big, "v=spf1 ", 7);
    assert_int_equal(spf_record_parse(big, sizeof big, &r, &e), -1);
    assert_int_equal(e.cls, ERRC_TOO_LONG);
    /* An embedded NUL is a syntax error, not the end of the record. */
    assert_int_equal(spf_record_parse("v=spf1 a\0 -all", 14, &r, &e), -1);
    assert_non_null(strstr(e.msg, "0x00 at column 9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_is_spf),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
