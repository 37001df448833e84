/* test_spf_dns_unbound.c — the SPF evaluator over libunbound
 * (analysis/spf/spf_dns_unbound.c and the TXT/PTR lookups of dns/resolver.c)
 * against the private Unbound of tests/integration/unbound/fixture.sh, which
 * serves the "spf" block of zones.conf. Started and stopped by PID in the
 * group setup/teardown; skipped only when unbound is missing outside CI.
 * The timeout case uses a UDP socket of ours that never answers. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/spf/spf_dns_unbound.h"
#include "analysis/spf/spf_eval.h"
#include "core/clock.h"
#include "dns/resolver.h"

#include "support/unbound_fixture.h"

static spf_outcome *check(dns_resolver *r, int64_t ms, const char *ip, const char *sender)
{
    spf_dns dns;
    spf_dns_unbound st;
    spf_request req = {.ip = ip, .sender = sender, .helo = "client.smtpscope.test"};
    spf_outcome *o = NULL;
    err e;

    spf_dns_unbound_init(&dns, &st, r, ms);
    err_clear(&e);
    if (spf_check_host(&dns, &req, &o, &e) < 0)
        fail_msg("spf_check_host: %s", e.msg);
    return o;
}

static void test_results(void **state)
{
    unbound_fixture *f = *state;
    if (!f->port)
        skip();
    static const struct {
        const char *ip, *sender;
        spf_result want;
    } rows[] = {
        {"192.0.2.77", "a@spf.smtpscope.test", SPF_RESULT_PASS},   /* ip4, split TXT */
        {"2001:db8::5", "a@spf.smtpscope.test", SPF_RESULT_PASS},  /* include */
        {"127.0.0.1", "a@spf.smtpscope.test", SPF_RESULT_PASS},    /* mx -> A */
        {"::1", "a@spf.smtpscope.test", SPF_RESULT_PASS},          /* mx -> AAAA */
        {"198.51.100.1", "a@spf.smtpscope.test", SPF_RESULT_FAIL},
        {"192.0.0.10", "a@ptr.spf.smtpscope.test", SPF_RESULT_PASS}, /* PTR validated */
        {"192.0.0.11", "a@ptr.spf.smtpscope.test", SPF_RESULT_FAIL}, /* PTR without A */
        {"127.0.0.1", "a@two.spf.smtpscope.test", SPF_RESULT_PERMERROR},
        {"127.0.0.1", "a@mail.smtpscope.test", SPF_RESULT_NONE},   /* no TXT (NODATA) */
        {"127.0.0.1", "a@nope.smtpscope.test", SPF_RESULT_NONE},   /* NXDOMAIN */
    };
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(f->server, &e);
    if (!r)
        fail_msg("dns_resolver_new: %s", e.msg);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        spf_outcome *o = check(r, 5000, rows[i].ip, rows[i].sender);
        if (o->result != rows[i].want)
            fail_msg("%s from %s: got %s want %s (%s)", rows[i].sender, rows[i].ip,
                     spf_result_name(o->result), spf_result_name(rows[i].want), o->reason);
        spf_outcome_free(o);
    }
    dns_resolver_free(r);
}

static void test_txt_and_ptr_lookups(void **state)
{
    unbound_fixture *f = *state;
    if (!f->port)
        skip();
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(f->server, &e);
    assert_non_null(r);
    dns_txt_list t;
    assert_int_equal(dns_lookup_txt(r, "spf.smtpscope.test", clock_deadline_in(5000), &t, &e),
                     DNS_OK);
    assert_int_equal(t.n, 2);
    bool split = false;
    for (size_t i = 0; i < t.n; i++)
        if (t.v[i].nstrs == 2 && strcmp(t.v[i].strs[0], "v=spf1 ip4:192.0.2.0/24 ") == 0)
            split = true;
    assert_true(split);
    dns_txt_list_free(&t);
    assert_int_equal(dns_lookup_txt(r, "mail.smtpscope.test", clock_deadline_in(5000), &t, &e),
                     DNS_NODATA);
    dns_name_list p;
    assert_int_equal(dns_lookup_ptr(r, "10.0.0.192.in-addr.arpa", clock_deadline_in(5000), &p,
                                    &e),
                     DNS_OK);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0], "host.spf.smtpscope.test");
    dns_name_list_free(&p);
    dns_resolver_free(r);
}

/* A server that never answers: every lookup times out -> temperror. */
static void test_timeout_is_temperror(void **state)
{
    (void)state;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(udp >= 0);
    assert_int_equal(bind(udp, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(getsockname(udp, (struct sockaddr *)&sin, &len), 0);
    char server[32];
    snprintf(server, sizeof server, "127.0.0.1@%u", (unsigned)ntohs(sin.sin_port));
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(server, &e);
    assert_non_null(r);
    spf_outcome *o = check(r, 300, "192.0.2.1", "a@spf.smtpscope.test");
    assert_int_equal(o->result, SPF_RESULT_TEMPERROR);
    spf_outcome_free(o);
    dns_resolver_free(r);
    close(udp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_txt_and_ptr_lookups),
        cmocka_unit_test(test_timeout_is_temperror),
    };
    return cmocka_run_group_tests(tests, unbound_fixture_group_setup,
                                  unbound_fixture_group_teardown);
}
