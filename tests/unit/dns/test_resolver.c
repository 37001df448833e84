/* test_resolver.c — dns/resolver.c against a real Unbound on loopback.
 *
 * The group setup starts tests/integration/unbound/fixture.sh (a private,
 * non-recursive Unbound serving zones.conf) and the teardown stops it by PID.
 * Tests skip only when unbound is not installed and CI is unset; under
 * CI=true a missing unbound fails the group. The timeout test points the
 * resolver at a UDP socket of ours that never answers. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "dns/resolver.h"

#include "support/silent_dns.h"
#include "support/unbound_fixture.h"

/* The fixture's resolver, or skip. */
static dns_resolver *fixture_resolver(void **state)
{
    unbound_fixture *f = *state;
    if (!f->port)
        skip();
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(f->server, &e);
    if (!r)
        fail_msg("dns_resolver_new(%s): %s", f->server, e.msg);
    return r;
}

static void test_addrs_dual_stack(void **state)
{
    dns_resolver *r = fixture_resolver(state);
    static const struct {
        const char *host;
        int family;
        size_t n;
        const char *first, *second;
    } rows[] = {
        {"mail.smtpscope.test", 0, 2, "::1", "127.0.0.1"}, /* AAAA first */
        {"mail.smtpscope.test", 4, 1, "127.0.0.1", NULL},
        {"mail.smtpscope.test", 6, 1, "::1", NULL},
        {"mail.smtpscope.test.", 0, 2, "::1", "127.0.0.1"}, /* absolute name */
        {"MAIL.SmtpScope.TEST", 0, 2, "::1", "127.0.0.1"},  /* case-insensitive */
        {"cname.smtpscope.test", 0, 2, "::1", "127.0.0.1"}, /* CNAME followed */
        {"v4only.smtpscope.test", 0, 1, "127.0.0.1", NULL},
        {"dead.smtpscope.test", 4, 1, "127.0.0.2", NULL},
        {"localhost", 4, 1, "127.0.0.1", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dns_addr_list l;
        err e;
        err_clear(&e);
        dns_status s = dns_lookup_addrs(r, rows[i].host, rows[i].family, clock_deadline_in(5000),
                                        &l, &e);
        if (s != DNS_OK)
            fail_msg("%s -%d: %s (%s)", rows[i].host, rows[i].family, dns_status_name(s), e.msg);
        assert_int_equal(e.cls, ERRC_OK);
        assert_int_equal(l.n, rows[i].n);
        assert_string_equal(l.v[0].text, rows[i].first);
        if (rows[i].second)
            assert_string_equal(l.v[1].text, rows[i].second);
        for (size_t k = 0; k < l.n; k++) {
            const struct sockaddr *sa = (const struct sockaddr *)&l.v[k].sa;
            if (sa->sa_family == AF_INET6) {
                assert_int_equal(l.v[k].len, sizeof(struct sockaddr_in6));
                assert_int_equal(((const struct sockaddr_in6 *)sa)->sin6_port, 0);
                assert_int_not_equal(rows[i].family, 4);
            } else {
                assert_int_equal(sa->sa_family, AF_INET);
                assert_int_equal(l.v[k].len, sizeof(struct sockaddr_in));
                assert_int_equal(((const struct sockaddr_in *)sa)->sin_port, 0);
                assert_int_not_equal(rows[i].family, 6);
            }
        }
        assert_false(l.secure); /* no trust anchor: nothing is validated */
        dns_addr_list_free(&l);
        assert_null(l.v);
        assert_int_equal(l.n, 0);
    }
    dns_resolver_free(r);
}

static void test_addrs_failures(void **state)
{
    dns_resolver *r = fixture_resolver(state);
    static const struct {
        const char *host;
        int family;
        dns_status want;
        const char *msg;
    } rows[] = {
        {"nope.smtpscope.test", 0, DNS_NXDOMAIN,
         "nope.smtpscope.test does not exist (NXDOMAIN)"},
        {"nope.smtpscope.test", 6, DNS_NXDOMAIN,
         "nope.smtpscope.test does not exist (NXDOMAIN)"},
        {"elsewhere.test", 0, DNS_NXDOMAIN, "elsewhere.test does not exist (NXDOMAIN)"},
        {"example.com", 4, DNS_NXDOMAIN, "example.com does not exist (NXDOMAIN)"},
        {"noaddr.smtpscope.test", 0, DNS_NODATA,
         "noaddr.smtpscope.test exists but has no AAAA or A record (NODATA)"},
        {"mx-only.smtpscope.test", 4, DNS_NODATA,
         "mx-only.smtpscope.test exists but has no A record (NODATA)"},
        {"v4only.smtpscope.test", 6, DNS_NODATA,
         "v4only.smtpscope.test exists but has no AAAA record (NODATA)"},
        {"", 0, DNS_ERROR, NULL},
        {"bad..name", 0, DNS_ERROR, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dns_addr_list l;
        err e;
        err_clear(&e);
        dns_status s = dns_lookup_addrs(r, rows[i].host, rows[i].family, clock_deadline_in(5000),
                                        &l, &e);
        if (s != rows[i].want)
            fail_msg("%s -%d: got %s want %s (%s)", rows[i].host, rows[i].family,
                     dns_status_name(s), dns_status_name(rows[i].want), e.msg);
        assert_int_equal(e.cls, ERRC_DNS);
        assert_int_equal(e.dns_status, rows[i].want);
        assert_int_equal(e.stage, STAGE_RESOLVE);
        if (rows[i].msg)
            assert_string_equal(e.msg, rows[i].msg);
        else
            assert_true(e.msg[0] != '\0');
        assert_int_equal(l.n, 0);
        assert_null(l.v);
        dns_addr_list_free(&l);
    }
    dns_resolver_free(r);
}

static void test_mx(void **state)
{
    dns_resolver *r = fixture_resolver(state);
    dns_mx_list l;
    err e;
    err_clear(&e);

    assert_int_equal(dns_lookup_mx(r, "mx-only.smtpscope.test", clock_deadline_in(5000), &l, &e),
                     DNS_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].pref, 10);
    assert_string_equal(l.v[0].host, "mail.smtpscope.test");
    dns_mx_list_free(&l);

    assert_int_equal(dns_lookup_mx(r, "nullmx.smtpscope.test", clock_deadline_in(5000), &l, &e),
                     DNS_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].pref, 0);
    assert_string_equal(l.v[0].host, ".");
    dns_mx_list_free(&l);

    assert_int_equal(dns_lookup_mx(r, "multimx.smtpscope.test", clock_deadline_in(5000), &l, &e),
                     DNS_OK);
    assert_int_equal(l.n, 3);
    static const char *const hosts[] = {"a.smtpscope.test", "b.smtpscope.test", "c.smtpscope.test"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(l.v[i].pref, 10 * (i + 1));
        assert_string_equal(l.v[i].host, hosts[i]);
    }
    dns_mx_list_free(&l);
    assert_null(l.v);
    assert_int_equal(e.cls, ERRC_OK);

    assert_int_equal(dns_lookup_mx(r, "mail.smtpscope.test", clock_deadline_in(5000), &l, &e),
                     DNS_NODATA);
    assert_int_equal(e.cls, ERRC_DNS);
    assert_int_equal(e.dns_status, DNS_NODATA);
    assert_string_equal(e.msg, "mail.smtpscope.test exists but has no MX record (NODATA)");
    assert_int_equal(l.n, 0);
    dns_mx_list_free(&l);

    err_clear(&e);
    assert_int_equal(dns_lookup_mx(r, "nope.smtpscope.test", clock_deadline_in(5000), &l, &e),
                     DNS_NXDOMAIN);
    assert_int_equal(e.dns_status, DNS_NXDOMAIN);
    dns_mx_list_free(&l);
    dns_mx_list_free(NULL);
    dns_addr_list_free(NULL);
    dns_resolver_free(r);
}

static void test_bad_servers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "abc", "mail.smtpscope.test", "1.2.3.4@", "1.2.3.4@0", "1.2.3.4@65536",
        "1.2.3.4@12ab", "1.2.3.4@-1", "1.2.3.4@+53", "::1@99999", "1.2.3.4.5", "[::1]",
        "[::1]:53", "1.2.3.4:53", "@53", "127.0.0.1@@53", "127.0.0.1 ", " 127.0.0.1",
        "127.0.0.1@0000053",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err e;
        err_clear(&e);
        dns_resolver *r = dns_resolver_new(bad[i], &e);
        if (r)
            fail_msg("server \"%s\" accepted", bad[i]);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        assert_non_null(strstr(e.msg, "bad DNS server"));
    }
    static const char *const good[] = {"127.0.0.1", "127.0.0.1@5353", "::1", "::1@53",
                                       "2001:db8::1@65535", "192.0.2.1@1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        err e;
        err_clear(&e);
        dns_resolver *r = dns_resolver_new(good[i], &e);
        if (!r)
            fail_msg("server \"%s\" rejected: %s", good[i], e.msg);
        dns_resolver_free(r);
    }
    /* The system configuration: created without any query being sent. */
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(NULL, &e);
    assert_non_null(r);
    dns_resolver_free(r);
    dns_resolver_free(NULL);
}

static void test_timeout(void **state)
{
    (void)state;
    silent_dns sd;
    assert_int_equal(silent_dns_start(&sd), 0);
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(sd.server, &e);
    assert_non_null(r);

    int64_t t0 = clock_now_ms();
    dns_addr_list l;
    dns_status s = dns_lookup_addrs(r, "mail.smtpscope.test", 0, clock_deadline_in(800), &l, &e);
    int64_t took = clock_now_ms() - t0;
    assert_int_equal(s, DNS_TIMEOUT);
    assert_int_equal(e.cls, ERRC_TIMEOUT);
    assert_int_equal(e.dns_status, DNS_TIMEOUT);
    assert_non_null(strstr(e.msg, "no DNS answer for mail.smtpscope.test"));
    assert_true(took >= 700);
    assert_true(took < 800 + 1000);
    assert_int_equal(l.n, 0);

    /* Same resolver again (the first queries were cancelled), now MX. */
    dns_mx_list mx;
    err_clear(&e);
    t0 = clock_now_ms();
    s = dns_lookup_mx(r, "mx-only.smtpscope.test", clock_deadline_in(500), &mx, &e);
    took = clock_now_ms() - t0;
    assert_int_equal(s, DNS_TIMEOUT);
    assert_int_equal(e.cls, ERRC_TIMEOUT);
    assert_true(took < 500 + 1000);
    assert_int_equal(mx.n, 0);

    /* A deadline already in the past returns at once. */
    err_clear(&e);
    t0 = clock_now_ms();
    s = dns_lookup_addrs(r, "mail.smtpscope.test", 4, clock_now_ms() - 1, &l, &e);
    assert_int_equal(s, DNS_TIMEOUT);
    assert_true(clock_now_ms() - t0 < 1000);

    dns_resolver_free(r);
    silent_dns_stop(&sd);
}

/* Deadlines of 0-3 ms race the answers: some queries are cancelled in
 * flight, some answered just in time. Every result must be OK or TIMEOUT,
 * and (under ASan) no late callback may touch freed memory. */
static void test_deadline_races(void **state)
{
    dns_resolver *r = fixture_resolver(state);
    int ok = 0, timeout = 0;
    for (int i = 0; i < 300; i++) {
        dns_addr_list l;
        err e;
        err_clear(&e);
        dns_status s = dns_lookup_addrs(r, i % 2 ? "mail.smtpscope.test" : "cname.smtpscope.test",
                                        0, clock_deadline_in(i % 4), &l, &e);
        if (s == DNS_OK)
            ok++;
        else if (s == DNS_TIMEOUT)
            timeout++;
        else
            fail_msg("round %d: %s (%s)", i, dns_status_name(s), e.msg);
        dns_addr_list_free(&l);
    }
    assert_int_equal(ok + timeout, 300);
    /* The resolver still works normally afterwards. */
    dns_addr_list l;
    err e;
    err_clear(&e);
    assert_int_equal(dns_lookup_addrs(r, "mail.smtpscope.test", 0, clock_deadline_in(5000), &l, &e),
                     DNS_OK);
    assert_int_equal(l.n, 2);
    dns_addr_list_free(&l);
    dns_resolver_free(r);
}

/* ---- DNSSEC (the fixture's signed zones; see zones.d/dnssec.conf) ---- */

/* The fixture's resolver validating with DIR/trust-anchor, or skip when the
 * fixture could not sign its zones (no ldnsutils, outside CI). */
static dns_resolver *validating_resolver(void **state)
{
    unbound_fixture *f = *state;
    char anchor[128];
    snprintf(anchor, sizeof anchor, "%s/trust-anchor", f->dir);
    if (!f->port)
        skip();
    if (access(anchor, R_OK) != 0) {
        if (unbound_fixture_in_ci())
            fail_msg("%s missing: the fixture must sign its zones in CI", anchor);
        skip();
    }
    dns_resolver *r = fixture_resolver(state);
    err e;
    err_clear(&e);
    assert_false(dns_resolver_validates(r));
    if (dns_resolver_set_trust_anchor(r, anchor, &e) < 0)
        fail_msg("trust anchor: %s", e.msg);
    assert_true(dns_resolver_validates(r));
    return r;
}

/* The typed lookups' `secure` flags: true only for a validated signed zone. */
static void test_dnssec_secure_flags(void **state)
{
    dns_resolver *r = validating_resolver(state);
    err e;
    err_clear(&e);

    dns_addr_list l;
    /* AAAA is a signed NODATA and A a signed answer: both validated. */
    assert_int_equal(dns_lookup_addrs(r, "dnssec.test", 0, clock_deadline_in(5000), &l, &e),
                     DNS_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].text, "127.0.0.1");
    assert_true(l.secure);
    dns_addr_list_free(&l);

    dns_mx_list mx;
    assert_int_equal(dns_lookup_mx(r, "dnssec.test", clock_deadline_in(5000), &mx, &e), DNS_OK);
    assert_true(mx.secure);
    assert_string_equal(mx.v[0].host, "mail.dnssec.test");
    dns_mx_list_free(&mx);
    assert_false(mx.secure);

    dns_txt_list txt;
    assert_int_equal(dns_lookup_txt(r, "dnssec.test", clock_deadline_in(5000), &txt, &e), DNS_OK);
    assert_true(txt.secure);
    assert_string_equal(txt.v[0].strs[0], "v=spf1 -all");
    dns_txt_list_free(&txt);

    /* Outside every trust anchor: answered, but not secure. */
    assert_int_equal(dns_lookup_addrs(r, "mail.smtpscope.test", 0, clock_deadline_in(5000), &l,
                                      &e),
                     DNS_OK);
    assert_int_equal(l.n, 2);
    assert_false(l.secure);
    dns_addr_list_free(&l);
    assert_int_equal(e.cls, ERRC_OK);

    /* Expired signatures: SERVFAIL, and the sentence says why. */
    assert_int_equal(dns_lookup_addrs(r, "bogus.test", 4, clock_deadline_in(5000), &l, &e),
                     DNS_SERVFAIL);
    assert_int_equal(e.cls, ERRC_DNS);
    assert_int_equal(e.dns_status, DNS_SERVFAIL);
    assert_string_equal(e.msg, "DNSSEC validation failed for bogus.test (bogus answer)");
    assert_int_equal(l.n, 0);
    assert_false(l.secure);
    err_clear(&e);
    assert_int_equal(dns_lookup_txt(r, "bogus.test", clock_deadline_in(5000), &txt, &e),
                     DNS_SERVFAIL);
    assert_string_equal(e.msg, "DNSSEC validation failed for bogus.test (bogus answer)");
    dns_resolver_free(r);
}

static void test_trust_anchor_errors(void **state)
{
    unbound_fixture *f = *state;
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new("127.0.0.1@9", &e);
    assert_non_null(r);
    assert_false(dns_resolver_validates(r));
    assert_false(dns_resolver_validates(NULL));

    assert_int_equal(dns_resolver_set_trust_anchor(r, "/nonexistent/trust-anchor", &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "cannot read the DNSSEC trust anchor file /nonexistent/"));

    /* A readable zone file without any DS or DNSKEY record. */
    char path[] = "/tmp/smtpscope-ta-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char zone[] = "; DS and DNSKEY only in a comment\n"
                               "example.test. 3600 IN A 192.0.2.1\n";
    assert_int_equal(write(fd, zone, sizeof zone - 1), (ssize_t)(sizeof zone - 1));
    close(fd);
    err_clear(&e);
    assert_int_equal(dns_resolver_set_trust_anchor(r, path, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "holds no DS or DNSKEY record"));
    unlink(path);
    assert_false(dns_resolver_validates(r));
    dns_resolver_free(r);

    /* After the first lookup libunbound's setup is final. */
    if (f->port) {
        char anchor[128];
        snprintf(anchor, sizeof anchor, "%s/trust-anchor", f->dir);
        if (access(anchor, R_OK) == 0) {
            r = fixture_resolver(state);
            dns_addr_list l;
            assert_int_equal(dns_lookup_addrs(r, "mail.smtpscope.test", 4,
                                              clock_deadline_in(5000), &l, &e),
                             DNS_OK);
            dns_addr_list_free(&l);
            err_clear(&e);
            assert_int_equal(dns_resolver_set_trust_anchor(r, anchor, &e), -1);
            assert_int_equal(e.cls, ERRC_INTERNAL);
            assert_false(dns_resolver_validates(r));
            dns_resolver_free(r);
        }
    }

    /* dns-root-data's root key, when installed, is accepted as an anchor. */
    const char *root = dns_default_trust_anchor();
    if (access("/usr/share/dns/root.key", R_OK) == 0) {
        assert_non_null(root);
        assert_string_equal(root, "/usr/share/dns/root.key");
        err_clear(&e);
        r = dns_resolver_new(NULL, &e);
        assert_non_null(r);
        assert_int_equal(dns_resolver_set_trust_anchor(r, root, &e), 0);
        assert_true(dns_resolver_validates(r));
        dns_resolver_free(r);
    } else {
        assert_null(root);
    }
}

static void test_status_names(void **state)
{
    (void)state;
    static const struct {
        dns_status s;
        const char *name;
    } rows[] = {
        {DNS_OK, "ok"},           {DNS_NXDOMAIN, "nxdomain"}, {DNS_NODATA, "nodata"},
        {DNS_SERVFAIL, "servfail"}, {DNS_TIMEOUT, "timeout"},   {DNS_ERROR, "error"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_string_equal(dns_status_name(rows[i].s), rows[i].name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addrs_dual_stack), cmocka_unit_test(test_addrs_failures),
        cmocka_unit_test(test_mx),               cmocka_unit_test(test_bad_servers),
        cmocka_unit_test(test_timeout),          cmocka_unit_test(test_deadline_races),
        cmocka_unit_test(test_status_names),     cmocka_unit_test(test_dnssec_secure_flags),
        cmocka_unit_test(test_trust_anchor_errors),
    };
    return cmocka_run_group_tests(tests, unbound_fixture_group_setup,
                                  unbound_fixture_group_teardown);
}
