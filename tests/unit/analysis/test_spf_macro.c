/* test_spf_macro.c — unit tests for analysis/spf/spf_macro.c: the RFC 7208
 * §7.4 examples, URL-escaping, escapes, exp-only letters, syntax errors and
 * the 253-octet truncation of §7.3. Table-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/spf/spf_macro.h"

static const char *fixed_p(void *arg)
{
    (void)arg;
    return "mx.example.org";
}

/* §7.4: sender strong-bad@email.example.com, client 192.0.2.3. */
static const spf_macro_vars v4 = {
    .sender = "strong-bad@email.example.com",
    .local = "strong-bad",
    .sender_domain = "email.example.com",
    .domain = "email.example.com",
    .ip_dotted = "192.0.2.3",
    .ip_text = "192.0.2.3",
    .ip_version = "in-addr",
    .helo = "mx.example.org",
    .receiver = "rcv.example.net",
    .now = 1234567890,
    .validated = fixed_p,
};

/* §7.4 IPv6 example: 2001:db8::cb01 (dotted nibbles as the evaluator builds them). */
static const spf_macro_vars v6 = {
    .sender = "strong-bad@email.example.com",
    .local = "strong-bad",
    .sender_domain = "email.example.com",
    .domain = "email.example.com",
    .ip_dotted = "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1",
    .ip_text = "2001:db8::cb01",
    .ip_version = "ip6",
    .helo = "mx.example.org",
};

typedef struct row {
    const spf_macro_vars *v;
    spf_macro_mode mode;
    const char *in;
    const char *out; /* NULL: must fail */
} row;

static const row rows[] = {
    /* RFC 7208 §7.4 */
    { &v4, SPF_MACRO_DOMAIN, "%{s}", "strong-bad@email.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{o}", "email.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{d}", "email.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{d4}", "email.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{d3}", "email.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{d2}", "example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{d1}", "com" },
    { &v4, SPF_MACRO_DOMAIN, "%{dr}", "com.example.email" },
    { &v4, SPF_MACRO_DOMAIN, "%{d2r}", "example.email" },
    { &v4, SPF_MACRO_DOMAIN, "%{l}", "strong-bad" },
    { &v4, SPF_MACRO_DOMAIN, "%{l-}", "strong.bad" },
    { &v4, SPF_MACRO_DOMAIN, "%{lr}", "strong-bad" },
    { &v4, SPF_MACRO_DOMAIN, "%{lr-}", "bad.strong" },
    { &v4, SPF_MACRO_DOMAIN, "%{l1r-}", "strong" },
    { &v4, SPF_MACRO_DOMAIN, "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
      "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
      "3.2.0.192.in-addr.strong.lp._spf.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{d2}.trusted-domains.example.net",
      "example.com.trusted-domains.example.net" },
    { &v6, SPF_MACRO_DOMAIN, "%{ir}.%{v}._spf.%{d2}",
      "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com" },
    /* escapes and upper-case URL-escaping (§7.3) */
    { &v4, SPF_MACRO_DOMAIN, "a%%b%_c%-d", "a%b c%20d" },
    { &v4, SPF_MACRO_EXP, "%{L} and %{S}", "strong-bad and strong-bad%40email.example.com" },
    { &v4, SPF_MACRO_EXP, "%{c} via %{r} at %{t} (%{p}, %{h})",
      "192.0.2.3 via rcv.example.net at 1234567890 (mx.example.org, mx.example.org)" },
    { &v6, SPF_MACRO_EXP, "%{c} %{v}", "2001:db8::cb01 ip6" },
    { &v4, SPF_MACRO_DOMAIN, "%{d9}", "email.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{dr-}", "email.example.com" },
    { &v4, SPF_MACRO_DOMAIN, "%{lr.-}", "bad.strong" },
    { &v4, SPF_MACRO_DOMAIN, "%{s+@}", NULL }, /* "@" is no delimiter */
    /* errors */
    { &v4, SPF_MACRO_DOMAIN, "%{c}.example.com", NULL },  /* exp-only letters */
    { &v4, SPF_MACRO_DOMAIN, "%{r}", NULL },
    { &v4, SPF_MACRO_DOMAIN, "%{t}", NULL },
    { &v4, SPF_MACRO_DOMAIN, "%{x}", NULL },
    { &v4, SPF_MACRO_DOMAIN, "%{d0}", NULL },
    { &v4, SPF_MACRO_DOMAIN, "%{d", NULL },
    { &v4, SPF_MACRO_DOMAIN, "%(d)", NULL },
    { &v4, SPF_MACRO_DOMAIN, "foo%", NULL },
    { &v4, SPF_MACRO_DOMAIN, "%{d!}", NULL },
    { &v4, SPF_MACRO_DOMAIN, "a b", NULL },
    { &v4, SPF_MACRO_EXP, "The %{x}-files.", NULL },
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *out = NULL;
        err e;
        err_clear(&e);
        int rc = spf_macro_expand(rows[i].in, strlen(rows[i].in), rows[i].mode, rows[i].v, &out,
                                  &e);
        if (rows[i].out) {
            if (rc != 0)
                fail_msg("'%s': unexpected error %s", rows[i].in, e.msg);
            if (strcmp(out, rows[i].out) != 0)
                fail_msg("'%s': got '%s', want '%s'", rows[i].in, out, rows[i].out);
        } else {
            if (rc == 0)
                fail_msg("'%s': expanded to '%s' but should fail", rows[i].in, out);
            assert_int_equal(e.cls, ERRC_PROTOCOL);
            assert_null(out);
        }
        free(out);
    }
}

/* §7.3: names over 253 octets lose whole labels on the left. */
static void test_truncation(void **state)
{
    (void)state;
    spf_macro_vars v = v4;
    char spec[256], *out = NULL;
    err e;

    v.sender_domain = "somewhat.long.exp.example.com";
    snprintf(spec, sizeof spec, "foobar.%s.example.com",
             "%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}");
    assert_int_equal(spf_macro_expand(spec, strlen(spec), SPF_MACRO_DOMAIN, &v, &out, &e), 0);
    assert_true(strlen(out) <= 253);
    assert_int_equal(strncmp(out, "somewhat.long.", 14), 0);
    assert_int_equal(strlen(out), 8 * 30 + 11);
    free(out);
    /* Explanations are not truncated. */
    assert_int_equal(spf_macro_expand(spec, strlen(spec), SPF_MACRO_EXP, &v, &out, &e), 0);
    assert_int_equal(strncmp(out, "foobar.", 7), 0);
    free(out);
}

static void test_check_positions(void **state)
{
    (void)state;
    size_t bad = 99, last = 99;
    assert_int_equal(spf_macro_check("ab%{x}", 6, SPF_MACRO_DOMAIN, &bad, &last), -1);
    assert_int_equal(bad, 4);
    assert_int_equal(spf_macro_check("x.%{d2}", 7, SPF_MACRO_DOMAIN, &bad, &last), 0);
    assert_int_equal(last, 7);
    assert_int_equal(spf_macro_check("%{d}.com", 8, SPF_MACRO_DOMAIN, &bad, &last), 0);
    assert_int_equal(last, 4);
}

static void test_output_cap(void **state)
{
    (void)state;
    /* 200 copies of a 28-byte sender exceed SPF_MACRO_OUT_MAX in exp mode. */
    char spec[800];
    char *out = NULL;
    err e;
    for (int i = 0; i < 200; i++)
        memcpy(spec + 4 * i, "%{s}", 4);
    assert_int_equal(spf_macro_expand(spec, sizeof spec, SPF_MACRO_EXP, &v4, &out, &e), -1);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_check_positions),
        cmocka_unit_test(test_output_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
