/* test_spf_eval.c — unit tests for analysis/spf/spf_eval.c beyond the RFC 7208
 * suite: the §4.6.4 limits (include loop ends quickly in permerror, 11 DNS
 * terms, void lookups, MX names), the evaluation tree, TXT concatenation,
 * the §7.4 IPv6 macro example end to end, and bad input. A tiny fake
 * resolver serves a static table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analysis/spf/spf_eval.h"

typedef struct rr {
    const char *name;
    spf_rrtype type;
    const char *value; /* TXT: strings separated by '|'; "!" = timeout */
} rr;

typedef struct zone {
    const rr *rows;
    size_t n;
    unsigned queries;
} zone;

static spf_dns_status zone_lookup(void *ctx, spf_rrtype type, const char *name, spf_answer *ans)
{
    zone *z = ctx;
    int known = 0;
    z->queries++;
    for (size_t i = 0; i < z->n; i++) {
        const rr *r = &z->rows[i];
        if (strcasecmp(r->name, name) != 0)
            continue;
        known = 1;
        if (r->type != type)
            continue;
        if (strcmp(r->value, "!") == 0)
            return SPF_DNS_ERROR;
        if (type == SPF_RR_TXT) {
            const char *parts[8];
            size_t lens[8], np = 0;
            const char *p = r->value;
            for (;;) {
                const char *bar = strchr(p, '|');
                parts[np] = p;
                lens[np++] = bar ? (size_t)(bar - p) : strlen(p);
                if (!bar || np == 8)
                    break;
                p = bar + 1;
            }
            spf_answer_add_txt(ans, parts, lens, np);
        } else if (type == SPF_RR_A || type == SPF_RR_AAAA) {
            unsigned char a[16];
            int fam = type == SPF_RR_A ? AF_INET : AF_INET6;
            assert_int_equal(inet_pton(fam, r->value, a), 1);
            spf_answer_add_addr(ans, a, fam == AF_INET ? 4 : 16);
        } else {
            spf_answer_add_name(ans, r->value);
        }
    }
    return known ? SPF_DNS_OK : SPF_DNS_NXDOMAIN; /* OK with 0 records = NODATA */
}

static spf_outcome *run(zone *z, const char *ip, const char *sender)
{
    spf_dns dns = { .ctx = z, .lookup = zone_lookup };
    spf_request req = { .ip = ip, .sender = sender, .helo = "helo.example.org",
                        .now = 1 };
    spf_outcome *o = NULL;
    err e;
    err_clear(&e);
    assert_int_equal(spf_check_host(&dns, &req, &o, &e), 0);
    assert_non_null(o);
    assert_non_null(o->reason);
    return o;
}

#define ZONE(rows) { rows, sizeof rows / sizeof rows[0], 0 }

static void test_include_loop(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "a.example.com", SPF_RR_TXT, "v=spf1 include:b.example.com -all" },
        { "b.example.com", SPF_RR_TXT, "v=spf1 include:a.example.com -all" },
    };
    zone z = ZONE(rows);
    clock_t t0 = clock();
    spf_outcome *o = run(&z, "192.0.2.1", "x@a.example.com");
    assert_int_equal(o->result, SPF_RESULT_PERMERROR);
    assert_non_null(strstr(o->reason, "4.6.4"));
    assert_int_equal(o->dns_terms, SPF_MAX_DNS_TERMS + 1);
    assert_true(z.queries <= 12);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
    spf_outcome_free(o);
}

static void test_redirect_loop(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "a.example.com", SPF_RR_TXT, "v=spf1 redirect=a.example.com" },
    };
    zone z = ZONE(rows);
    spf_outcome *o = run(&z, "192.0.2.1", "x@a.example.com");
    assert_int_equal(o->result, SPF_RESULT_PERMERROR);
    spf_outcome_free(o);
}

/* A chain of n includes: i0 -> i1 -> ... -> i(n-1) whose record is "+all". */
static spf_result chain(int n)
{
    static char names[12][32], recs[12][64];
    rr rows[12];
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "i%d.example.com", i);
        if (i + 1 < n)
            snprintf(recs[i], sizeof recs[i], "v=spf1 include:i%d.example.com -all", i + 1);
        else
            snprintf(recs[i], sizeof recs[i], "v=spf1 +all");
        rows[i] = (rr){ names[i], SPF_RR_TXT, recs[i] };
    }
    /* The top domain includes i0, so n includes are evaluated in total. */
    rows[n] = (rr){ "top.example.com", SPF_RR_TXT, "v=spf1 include:i0.example.com -all" };
    zone z = { rows, (size_t)n + 1, 0 };
    spf_outcome *o = run(&z, "192.0.2.1", "x@top.example.com");
    spf_result r = o->result;
    spf_outcome_free(o);
    return r;
}

static void test_include_count(void **state)
{
    (void)state;
    assert_int_equal(chain(10), SPF_RESULT_PASS);      /* 10 includes: at the limit */
    assert_int_equal(chain(11), SPF_RESULT_PERMERROR); /* 11: over it */
}

static void test_mechanism_count(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "ten.example.com", SPF_RR_TXT, "v=spf1 a mx a mx a mx a mx a exists:ten.example.com" },
        { "eleven.example.com", SPF_RR_TXT,
          "v=spf1 a mx a mx a mx a mx a mx exists:eleven.example.com" },
        { "ten.example.com", SPF_RR_A, "198.51.100.1" },
        { "eleven.example.com", SPF_RR_A, "198.51.100.1" },
        { "ten.example.com", SPF_RR_MX, "h.example.com" },
        { "eleven.example.com", SPF_RR_MX, "h.example.com" },
        { "h.example.com", SPF_RR_A, "198.51.100.2" },
    };
    zone z = ZONE(rows);
    spf_outcome *o = run(&z, "192.0.2.1", "x@ten.example.com");
    assert_int_equal(o->result, SPF_RESULT_PASS);
    assert_int_equal(o->dns_terms, 10);
    spf_outcome_free(o);
    o = run(&z, "192.0.2.1", "x@eleven.example.com");
    assert_int_equal(o->result, SPF_RESULT_PERMERROR);
    spf_outcome_free(o);
}

static void test_void_lookups(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "two.example.com", SPF_RR_TXT, "v=spf1 a:n1.example.com a:n2.example.com ?all" },
        { "three.example.com", SPF_RR_TXT,
          "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com ?all" },
    };
    zone z = ZONE(rows);
    spf_outcome *o = run(&z, "192.0.2.1", "x@two.example.com");
    assert_int_equal(o->result, SPF_RESULT_NEUTRAL);
    assert_int_equal(o->void_lookups, 2);
    spf_outcome_free(o);
    o = run(&z, "192.0.2.1", "x@three.example.com");
    assert_int_equal(o->result, SPF_RESULT_PERMERROR);
    assert_non_null(strstr(o->reason, "void"));
    spf_outcome_free(o);
}

static void test_tree(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "example.com", SPF_RR_TXT, "v=spf1 include:_a.example.com |redirect=_r.example.com" },
        { "_a.example.com", SPF_RR_TXT, "v=spf1 ip4:198.51.100.0/24 -all" },
        { "_r.example.com", SPF_RR_TXT, "v=spf1 ip4:192.0.2.0/28 -all" },
    };
    zone z = ZONE(rows);
    spf_outcome *o = run(&z, "192.0.2.7", "someone@example.com");
    assert_int_equal(o->result, SPF_RESULT_PASS);
    const spf_node *t = o->tree;
    assert_non_null(t);
    /* TXT strings are joined without a separator. */
    assert_string_equal(t->record, "v=spf1 include:_a.example.com redirect=_r.example.com");
    assert_string_equal(t->matched, "redirect=_r.example.com");
    assert_int_equal(t->nchildren, 2);
    assert_int_equal(t->children[0]->kind, SPF_NODE_INCLUDE);
    assert_string_equal(t->children[0]->domain, "_a.example.com");
    assert_string_equal(t->children[0]->matched, "-all");
    assert_int_equal(t->children[0]->result, SPF_RESULT_FAIL);
    assert_int_equal(t->children[0]->lookups, 1);
    assert_int_equal(t->children[1]->kind, SPF_NODE_REDIRECT);
    assert_string_equal(t->children[1]->matched, "ip4:192.0.2.0/28");
    assert_int_equal(t->children[1]->lookups, 2);
    assert_int_equal(o->dns_terms, 2);
    spf_outcome_free(o);
}

static void test_fail_explanation(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "example.com", SPF_RR_TXT, "v=spf1 -all exp=why.example.com" },
        { "why.example.com", SPF_RR_TXT, "%{c} may not send for %{o}" },
        { "plain.example.com", SPF_RR_TXT, "v=spf1 -all" },
        { "multi.example.com", SPF_RR_TXT, "v=spf1 -all" },
        { "multi.example.com", SPF_RR_TXT, "V=SPF1 +all" },
        { "temp.example.com", SPF_RR_TXT, "!" },
    };
    zone z = ZONE(rows);
    spf_outcome *o = run(&z, "2001:db8::1", "a@example.com");
    assert_int_equal(o->result, SPF_RESULT_FAIL);
    assert_string_equal(o->explanation, "2001:db8::1 may not send for example.com");
    spf_outcome_free(o);
    o = run(&z, "192.0.2.1", "a@plain.example.com");
    assert_int_equal(o->result, SPF_RESULT_FAIL);
    assert_string_equal(o->explanation,
                        "plain.example.com does not designate 192.0.2.1 as a permitted sender");
    spf_outcome_free(o);
    o = run(&z, "192.0.2.1", "a@multi.example.com");
    assert_int_equal(o->result, SPF_RESULT_PERMERROR);
    assert_null(o->explanation);
    spf_outcome_free(o);
    o = run(&z, "192.0.2.1", "a@temp.example.com");
    assert_int_equal(o->result, SPF_RESULT_TEMPERROR);
    spf_outcome_free(o);
    o = run(&z, "192.0.2.1", "a@nothing.example.com");
    assert_int_equal(o->result, SPF_RESULT_NONE);
    spf_outcome_free(o);
}

/* RFC 7208 §7.4 IPv6 example, through the evaluator's own nibble form. */
static void test_ipv6_macro(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "email.example.com", SPF_RR_TXT, "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all" },
        { "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
          SPF_RR_A, "127.0.0.2" },
    };
    zone z = ZONE(rows);
    spf_outcome *o = run(&z, "2001:db8::cb01", "strong-bad@email.example.com");
    assert_int_equal(o->result, SPF_RESULT_PASS);
    spf_outcome_free(o);
}

static void test_mx_limit_and_helo(void **state)
{
    (void)state;
    static const rr rows[] = {
        { "helo.example.org", SPF_RR_TXT, "v=spf1 mx -all" },
        { "helo.example.org", SPF_RR_MX, "m1.example.org" },
        { "helo.example.org", SPF_RR_MX, "m2.example.org" },
        { "m2.example.org", SPF_RR_A, "192.0.2.9" },
        { "big.example.org", SPF_RR_TXT, "v=spf1 mx -all" },
        { "big.example.org", SPF_RR_MX, "1.example.org" }, { "big.example.org", SPF_RR_MX, "2.example.org" },
        { "big.example.org", SPF_RR_MX, "3.example.org" }, { "big.example.org", SPF_RR_MX, "4.example.org" },
        { "big.example.org", SPF_RR_MX, "5.example.org" }, { "big.example.org", SPF_RR_MX, "6.example.org" },
        { "big.example.org", SPF_RR_MX, "7.example.org" }, { "big.example.org", SPF_RR_MX, "8.example.org" },
        { "big.example.org", SPF_RR_MX, "9.example.org" }, { "big.example.org", SPF_RR_MX, "a.example.org" },
        { "big.example.org", SPF_RR_MX, "b.example.org" },
    };
    zone z = ZONE(rows);
    /* Empty MAIL FROM: the HELO name is checked as postmaster@helo (§2.4). */
    spf_outcome *o = run(&z, "::ffff:192.0.2.9", "");
    assert_int_equal(o->result, SPF_RESULT_PASS);
    assert_string_equal(o->domain, "helo.example.org");
    spf_outcome_free(o);
    o = run(&z, "192.0.2.9", "x@big.example.org");
    assert_int_equal(o->result, SPF_RESULT_PERMERROR);
    spf_outcome_free(o);
}

static void test_bad_input(void **state)
{
    (void)state;
    zone z = { NULL, 0, 0 };
    spf_dns dns = { .ctx = &z, .lookup = zone_lookup };
    spf_request req = { .ip = "not-an-ip", .sender = "a@example.com" };
    spf_outcome *o = NULL;
    err e;
    assert_int_equal(spf_check_host(&dns, &req, &o, &e), -1);
    assert_null(o);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    /* A single-label domain is "none" without any query (§4.3). */
    o = run(&z, "192.0.2.1", "a@localhost");
    assert_int_equal(o->result, SPF_RESULT_NONE);
    assert_int_equal(z.queries, 0);
    assert_null(o->tree);
    spf_outcome_free(o);
    spf_outcome_free(NULL);
    assert_string_equal(spf_result_name(SPF_RESULT_SOFTFAIL), "softfail");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_include_loop),
        cmocka_unit_test(test_redirect_loop),
        cmocka_unit_test(test_include_count),
        cmocka_unit_test(test_mechanism_count),
        cmocka_unit_test(test_void_lookups),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_fail_explanation),
        cmocka_unit_test(test_ipv6_macro),
        cmocka_unit_test(test_mx_limit_and_helo),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
