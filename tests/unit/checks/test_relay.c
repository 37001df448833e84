/* test_relay.c — the open-relay battery's case list (checks/security/relay.c):
 * every id, the exact MAIL FROM / RCPT TO addresses for a server domain, an
 * IPv4 and an IPv6 address literal, the fallbacks when the domain or the
 * address is unknown, the guess of the server's domain from its host name,
 * and that every finding the battery can emit is in the catalogue. The
 * battery against a live (scripted) server is covered by the scenarios
 * tests/scenarios/0066..0071-relay-*.scn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/finding.h"
#include "checks/security/relay.h"

typedef struct want_case {
    const char *id, *from, *to;
    bool foreign;
} want_case;

/* Server domain example.org at 192.0.2.25, external domain example.net. */
static const want_case want_v4[] = {
    {"external_to_external", "relay-sender@example.net", "relay-test@example.net", true},
    {"null_sender_external", "", "relay-test@example.net", true},
    {"local_sender_spoof_external", "postmaster@example.org", "relay-test@example.net", true},
    {"server_ip_sender_external", "postmaster@[192.0.2.25]", "relay-test@example.net", true},
    {"unqualified_sender_external", "postmaster", "relay-test@example.net", true},
    {"percent_hack", "relay-sender@example.net", "relay-test%example.net@example.org", true},
    {"percent_hack_ip_literal", "relay-sender@example.net",
     "relay-test%example.net@[192.0.2.25]", true},
    {"percent_hack_unqualified", "relay-sender@example.net", "relay-test%example.net", true},
    {"quoted_local", "relay-sender@example.net", "\"relay-test@example.net\"@example.org", true},
    {"quoted_local_ip_literal", "relay-sender@example.net",
     "\"relay-test@example.net\"@[192.0.2.25]", true},
    {"bang_path", "relay-sender@example.net", "example.net!relay-test@example.org", true},
    {"bang_path_unqualified", "relay-sender@example.net", "example.net!relay-test", true},
    {"source_route", "relay-sender@example.net", "@example.org:relay-test@example.net", true},
    {"ip_literal_recipient", "relay-sender@example.net", "relay-test@[192.0.2.1]", true},
    {"double_at", "relay-sender@example.net", "relay-test@example.net@example.org", true},
    {"trailing_dot_domain", "relay-sender@example.net", "relay-test@example.net.", true},
    {"unqualified_recipient", "relay-sender@example.net", "relay-test", false},
};

static void test_cases_exact(void **state)
{
    (void)state;
    relay_case *v = NULL;
    size_t n = 0;
    assert_int_equal(relay_cases_build("example.org", "192.0.2.25", "example.net", &v, &n), 0);
    assert_int_equal(n, sizeof want_v4 / sizeof want_v4[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v[i].id, want_v4[i].id);
        assert_string_equal(v[i].mail_from, want_v4[i].from);
        assert_string_equal(v[i].rcpt_to, want_v4[i].to);
        assert_int_equal(v[i].foreign, want_v4[i].foreign);
        assert_int_equal(v[i].verdict, PROBE_NOT_RUN);
        assert_null(v[i].reply);
        assert_non_null(v[i].title);
        assert_true(strlen(v[i].title) > 10);
        /* Nothing that could end a command line or smuggle one. */
        assert_null(strpbrk(v[i].mail_from, "\r\n"));
        assert_null(strpbrk(v[i].rcpt_to, "\r\n"));
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(v[k].id, v[i].id);
    }
    relay_cases_free(v, n);
}

/* RFC 5321 §4.1.3: an IPv6 address literal is "[IPv6:...]". */
static void test_cases_ipv6_literal(void **state)
{
    (void)state;
    relay_case *v = NULL;
    size_t n = 0;
    assert_int_equal(relay_cases_build("example.org", "2001:db8::25", "example.net", &v, &n), 0);
    assert_string_equal(v[3].mail_from, "postmaster@[IPv6:2001:db8::25]");
    assert_string_equal(v[6].rcpt_to, "relay-test%example.net@[IPv6:2001:db8::25]");
    assert_string_equal(v[9].rcpt_to, "\"relay-test@example.net\"@[IPv6:2001:db8::25]");
    relay_cases_free(v, n);
}

/* No domain known: the address literal stands in for it; no external
 * domain given: the reserved default (RFC 2606 .invalid). */
static void test_cases_fallbacks(void **state)
{
    (void)state;
    relay_case *v = NULL;
    size_t n = 0;
    assert_int_equal(relay_cases_build(NULL, "192.0.2.25", NULL, &v, &n), 0);
    assert_string_equal(v[0].rcpt_to, "relay-test@" RELAY_DEFAULT_EXTERNAL);
    assert_string_equal(v[2].mail_from, "postmaster@[192.0.2.25]");
    assert_string_equal(v[5].rcpt_to, "relay-test%" RELAY_DEFAULT_EXTERNAL "@[192.0.2.25]");
    assert_string_equal(v[12].rcpt_to, "@[192.0.2.25]:relay-test@" RELAY_DEFAULT_EXTERNAL);
    relay_cases_free(v, n);
    /* Neither known (the server was never reached). */
    assert_int_equal(relay_cases_build(NULL, NULL, "example.net", &v, &n), 0);
    assert_string_equal(v[2].mail_from, "postmaster@localhost");
    relay_cases_free(v, n);
    /* The default external domain is reserved: it can never be delivered. */
    const char *inv = ".invalid";
    size_t dl = strlen(RELAY_DEFAULT_EXTERNAL);
    assert_string_equal(RELAY_DEFAULT_EXTERNAL + dl - strlen(inv), inv);
}

static void test_guess_domain(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"mail.smtpscope.test", "smtpscope.test"},
        {"mx1.mail.Example.COM", "mail.example.com"},
        {"example.com", "example.com"},
        {"localhost", NULL},
        {"192.0.2.25", NULL},
        {"[192.0.2.25]", NULL},
        {"", NULL},
        {NULL, NULL},
        {"mail..example.com", NULL},
        {"mail.example.com.", NULL},
        {".example.com", NULL},
        {"mail example.com", NULL},
        {"mx\x01.example.com", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *g = relay_guess_domain(rows[i].in);
        if (!rows[i].out) {
            if (g)
                fail_msg("guess(%s) = %s, expected none", rows[i].in ? rows[i].in : "NULL", g);
        } else {
            assert_non_null(g);
            assert_string_equal(g, rows[i].out);
        }
        free(g);
    }
}

/* Every ID the battery and the smuggling probe emit is catalogued. */
static void test_findings_catalogued(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "relay.open", "relay.refused_all", "relay.unqualified_accepted", "relay.inconclusive",
        "relay.unreachable", "smuggling.vulnerable", "smuggling.safe", "smuggling.inconclusive",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const finding_def *d = finding_def_lookup(ids[i]);
        if (!d)
            fail_msg("%s is not in the catalogue", ids[i]);
        assert_string_equal(d->id, ids[i]);
    }
    assert_int_equal(finding_def_lookup("relay.open")->sev, SEV_ERROR);
    assert_int_equal(finding_def_lookup("smuggling.vulnerable")->sev, SEV_ERROR);
    assert_int_equal(finding_def_lookup("relay.refused_all")->sev, SEV_INFO);
    assert_true(finding_def_lookup("relay.unreachable")->temporary);
}

/* A run that reaches nothing still fills every case (as errors) and says so. */
static void test_run_unreachable(void **state)
{
    (void)state;
    /* 127.0.0.1 port 1: nothing listens there on a test machine. */
    relay_opts o = {.host = "127.0.0.1", .port = 1, .tls = TLSM_NONE, .timeout_ms = 2000};
    relay_outcome out;
    assert_int_equal(relay_run(&o, NULL, &out), 0);
    assert_int_equal(out.n_cases, sizeof want_v4 / sizeof want_v4[0]);
    for (size_t i = 0; i < out.n_cases; i++) {
        assert_int_equal(out.cases[i].verdict, PROBE_ERROR);
        assert_non_null(out.cases[i].detail);
        assert_non_null(strstr(out.cases[i].detail, "not reached"));
    }
    assert_true(finding_has(&out.findings, "relay.unreachable"));
    assert_false(finding_has(&out.findings, "relay.refused_all"));
    assert_int_equal(out.n_accepted, 0);
    relay_outcome_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_exact),
        cmocka_unit_test(test_cases_ipv6_literal),
        cmocka_unit_test(test_cases_fallbacks),
        cmocka_unit_test(test_guess_domain),
        cmocka_unit_test(test_findings_catalogued),
        cmocka_unit_test(test_run_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
