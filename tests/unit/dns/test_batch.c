/* test_batch.c — dns/batch.c (and the shared engine under it) against a real
 * Unbound on loopback.
 *
 * The group setup starts tests/integration/unbound/fixture.sh (zones.conf,
 * the zones.d files and the DNSSEC-signed dnssec.test / bogus.test zones) and
 * the teardown stops it by PID. Tests skip only when unbound is not installed
 * and CI is unset; under CI=true a missing unbound fails the group. The
 * timeout test points the resolver at a UDP socket of ours that never
 * answers. No assertion depends on timing. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "dns/batch.h"
#include "dns/resolver.h"

#include "support/silent_dns.h"
#include "support/unbound_fixture.h"

/* The fixture's resolver (validating with its trust anchor when asked), or
 * skip. */
static dns_resolver *fixture_resolver(void **state, bool validate)
{
    unbound_fixture *f = *state;
    if (!f->port || (validate && !f->anchor[0]))
        skip();
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(f->server, &e);
    if (!r)
        fail_msg("dns_resolver_new(%s): %s", f->server, e.msg);
    if (validate && dns_resolver_set_trust_anchor(r, f->anchor, &e) < 0)
        fail_msg("trust anchor %s: %s", f->anchor, e.msg);
    assert_int_equal(dns_resolver_validates(r), validate);
    return r;
}

static void run_ok(dns_batch *b, int64_t ms)
{
    err e;
    err_clear(&e);
    if (dns_batch_run(b, clock_deadline_in(ms), &e) < 0)
        fail_msg("dns_batch_run: %s", e.msg);
    assert_int_equal(e.cls, ERRC_OK);
}

/* Fail with the answer's details unless it has status want. */
static const dns_answer *expect(const dns_batch *b, int i, dns_status want)
{
    const dns_answer *a = dns_batch_answer(b, i);
    assert_non_null(a);
    if (a->status != want)
        fail_msg("%s %s: got %s want %s (%s)", a->name, dns_rrtype_name(a->type),
                 dns_status_name(a->status), dns_status_name(want), a->why ? a->why : "");
    if (want == DNS_OK)
        assert_null(a->why);
    else
        assert_non_null(a->why);
    return a;
}

/* Records of the answer's own type (0 for any other payload). */
static size_t payload_n(const dns_answer *a)
{
    return a->addrs.n + a->mx.n + a->txt.n + a->names.n + a->n_tlsa;
}

/* 50+ queries of every type, answered by one run. */
static void test_many_mixed(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    static const struct {
        const char *name;
        dns_rrtype type;
        dns_status want;
        size_t n; /* records expected when DNS_OK */
    } rows[] = {
        {"mail.smtpscope.test", DNS_RR_A, DNS_OK, 1},
        {"mail.smtpscope.test", DNS_RR_AAAA, DNS_OK, 1},
        {"mail.smtpscope.test", DNS_RR_MX, DNS_NODATA, 0},
        {"mail.smtpscope.test", DNS_RR_TXT, DNS_NODATA, 0},
        {"mail.smtpscope.test", DNS_RR_TLSA, DNS_NODATA, 0},
        {"mx-only.smtpscope.test", DNS_RR_MX, DNS_OK, 1},
        {"mx-only.smtpscope.test", DNS_RR_A, DNS_NODATA, 0},
        {"multimx.smtpscope.test", DNS_RR_MX, DNS_OK, 3},
        {"nullmx.smtpscope.test", DNS_RR_MX, DNS_OK, 1},
        {"v4only.smtpscope.test", DNS_RR_A, DNS_OK, 1},
        {"v4only.smtpscope.test", DNS_RR_AAAA, DNS_NODATA, 0},
        {"cname.smtpscope.test", DNS_RR_A, DNS_OK, 1},
        {"cname.smtpscope.test", DNS_RR_AAAA, DNS_OK, 1},
        {"cname.smtpscope.test", DNS_RR_CNAME, DNS_OK, 1},
        {"noaddr.smtpscope.test", DNS_RR_TXT, DNS_OK, 1},
        {"noaddr.smtpscope.test", DNS_RR_A, DNS_NODATA, 0},
        {"spf.smtpscope.test", DNS_RR_TXT, DNS_OK, 2},
        {"two.spf.smtpscope.test", DNS_RR_TXT, DNS_OK, 2},
        {"_inc.spf.smtpscope.test", DNS_RR_TXT, DNS_OK, 1},
        {"10.0.0.192.in-addr.arpa", DNS_RR_PTR, DNS_OK, 1},
        {"12.0.0.192.in-addr.arpa", DNS_RR_PTR, DNS_NXDOMAIN, 0},
        {"dead.smtpscope.test", DNS_RR_A, DNS_OK, 1},
        {"nope.smtpscope.test", DNS_RR_A, DNS_NXDOMAIN, 0},
        {"nope.smtpscope.test", DNS_RR_MX, DNS_NXDOMAIN, 0},
        {"_25._tcp.mail.dnssec.test", DNS_RR_TLSA, DNS_OK, 1},
        {"dnssec.test", DNS_RR_MX, DNS_OK, 1},
    };
    const size_t nrows = sizeof rows / sizeof rows[0];
    const size_t extra = 40; /* nonexistent names, cycling through the types */
    static const dns_rrtype cycle[] = {DNS_RR_A,   DNS_RR_AAAA, DNS_RR_MX, DNS_RR_TXT,
                                       DNS_RR_PTR, DNS_RR_CNAME, DNS_RR_TLSA};

    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    for (size_t i = 0; i < nrows; i++)
        assert_int_equal(dns_batch_add(b, rows[i].name, rows[i].type), (int)i);
    for (size_t i = 0; i < extra; i++) {
        char name[64];
        snprintf(name, sizeof name, "n%zu.many.smtpscope.test", i);
        assert_int_equal(dns_batch_add(b, name, cycle[i % 7]), (int)(nrows + i));
    }
    assert_int_equal(dns_batch_count(b), nrows + extra);
    /* Before the run every answer is a timeout with no payload. */
    const dns_answer *a0 = dns_batch_answer(b, 0);
    assert_int_equal(a0->status, DNS_TIMEOUT);
    assert_int_equal(payload_n(a0), 0);

    run_ok(b, 10000);
    for (size_t i = 0; i < nrows; i++) {
        const dns_answer *a = expect(b, (int)i, rows[i].want);
        assert_string_equal(a->name, rows[i].name);
        assert_int_equal(a->type, rows[i].type);
        assert_int_equal(a->dnssec, DNSSEC_UNCHECKED); /* no trust anchor */
        assert_int_equal(payload_n(a), rows[i].want == DNS_OK ? rows[i].n : 0);
        if (rows[i].want == DNS_OK) {
            assert_true(a->ttl > 0 && a->ttl <= 3600);
        }
    }
    for (size_t i = 0; i < extra; i++) {
        const dns_answer *a = expect(b, (int)(nrows + i), DNS_NXDOMAIN);
        char want[128];
        snprintf(want, sizeof want, "n%zu.many.smtpscope.test does not exist (NXDOMAIN)", i);
        assert_string_equal(a->why, want);
    }
    /* A second run with nothing new sends nothing and changes nothing. */
    run_ok(b, 10000);
    assert_ptr_equal(dns_batch_answer(b, 0), a0);
    assert_int_equal(a0->status, DNS_OK);
    dns_batch_free(b);
    dns_resolver_free(r);
}

/* Each failure has its own status and the resolver's sentence. */
static void test_failures(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    static const struct {
        const char *name;
        dns_rrtype type;
        dns_status want;
        const char *why;
    } rows[] = {
        {"nope.smtpscope.test", DNS_RR_A, DNS_NXDOMAIN,
         "nope.smtpscope.test does not exist (NXDOMAIN)"},
        {"mail.smtpscope.test", DNS_RR_MX, DNS_NODATA,
         "mail.smtpscope.test exists but has no MX record (NODATA)"},
        {"v4only.smtpscope.test", DNS_RR_AAAA, DNS_NODATA,
         "v4only.smtpscope.test exists but has no AAAA record (NODATA)"},
        {"mail.smtpscope.test", DNS_RR_TLSA, DNS_NODATA,
         "mail.smtpscope.test exists but has no TLSA record (NODATA)"},
        {"bad..name", DNS_RR_A, DNS_ERROR, "\"bad..name\" is not a valid DNS name"},
        {"", DNS_RR_MX, DNS_ERROR, "\"\" is not a valid DNS name"},
    };
    const size_t nrows = sizeof rows / sizeof rows[0];
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';

    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    for (size_t i = 0; i < nrows; i++)
        assert_int_equal(dns_batch_add(b, rows[i].name, rows[i].type), (int)i);
    int ilong = dns_batch_add(b, longname, DNS_RR_A);
    assert_int_equal(ilong, (int)nrows);
    run_ok(b, 10000);
    for (size_t i = 0; i < nrows; i++) {
        const dns_answer *a = expect(b, (int)i, rows[i].want);
        assert_string_equal(a->why, rows[i].why);
        assert_int_equal(payload_n(a), 0);
        assert_null(a->canonical);
    }
    const dns_answer *a = expect(b, ilong, DNS_ERROR);
    assert_non_null(strstr(a->why, "is not a valid DNS name"));
    dns_batch_free(b);
    dns_resolver_free(r);
}

/* Adding a query twice gives the first index, whatever the case or a
 * trailing dot; another type is another query. */
static void test_duplicates(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    assert_int_equal(dns_batch_add(b, "mail.smtpscope.test", DNS_RR_A), 0);
    assert_int_equal(dns_batch_add(b, "mail.smtpscope.test", DNS_RR_AAAA), 1);
    assert_int_equal(dns_batch_add(b, "mail.smtpscope.test", DNS_RR_A), 0);
    assert_int_equal(dns_batch_add(b, "MAIL.SmtpScope.test.", DNS_RR_A), 0);
    assert_int_equal(dns_batch_add(b, "mail.smtpscope.test.", DNS_RR_AAAA), 1);
    assert_int_equal(dns_batch_count(b), 2);
    run_ok(b, 10000);
    /* After a run too; the name kept is the first one given. */
    assert_int_equal(dns_batch_add(b, "Mail.smtpscope.test", DNS_RR_A), 0);
    assert_string_equal(dns_batch_answer(b, 0)->name, "mail.smtpscope.test");
    /* A new query after a run: only it goes out, the old answers stay. */
    const dns_answer *first = dns_batch_answer(b, 0);
    assert_int_equal(dns_batch_add(b, "mx-only.smtpscope.test", DNS_RR_MX), 2);
    assert_int_equal(dns_batch_answer(b, 2)->status, DNS_TIMEOUT);
    run_ok(b, 10000);
    assert_ptr_equal(dns_batch_answer(b, 0), first);
    expect(b, 0, DNS_OK);
    const dns_answer *mx = expect(b, 2, DNS_OK);
    assert_string_equal(mx->mx.v[0].host, "mail.smtpscope.test");
    dns_batch_free(b);
    dns_resolver_free(r);
}

static void test_canonical(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    int alias = dns_batch_add(b, "cname.smtpscope.test", DNS_RR_A);
    int alias_uc = dns_batch_add(b, "CNAME.SmtpScope.Test", DNS_RR_AAAA);
    int plain = dns_batch_add(b, "MAIL.smtpscope.test.", DNS_RR_A);
    int target = dns_batch_add(b, "cname.smtpscope.test", DNS_RR_CNAME);
    int loop = dns_batch_add(b, "loop-a.robust.smtpscope.test", DNS_RR_A);
    run_ok(b, 10000);

    const dns_answer *a = expect(b, alias, DNS_OK);
    assert_non_null(a->canonical);
    assert_string_equal(a->canonical, "mail.smtpscope.test");
    assert_string_equal(a->addrs.v[0].text, "127.0.0.1");
    a = expect(b, alias_uc, DNS_OK);
    /* The server may echo the question's letter case in the target (name
     * compression points into the question): compare without case. */
    assert_non_null(a->canonical);
    assert_int_equal(strcasecmp(a->canonical, "mail.smtpscope.test"), 0);
    assert_string_equal(a->addrs.v[0].text, "::1");
    a = expect(b, plain, DNS_OK);
    assert_null(a->canonical); /* same name, other case and a trailing dot */
    a = expect(b, target, DNS_OK);
    assert_null(a->canonical); /* the CNAME itself was asked for */
    assert_int_equal(a->names.n, 1);
    assert_string_equal(a->names.v[0], "mail.smtpscope.test");
    a = dns_batch_answer(b, loop);
    assert_true(a->status != DNS_OK);
    assert_non_null(a->why);
    dns_batch_free(b);
    dns_resolver_free(r);
}

/* Payload parsing: TXT strings, MX order and null MX, PTR, addresses. */
static void test_payloads(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    int txt = dns_batch_add(b, "spf.smtpscope.test", DNS_RR_TXT);
    int bytes = dns_batch_add(b, "txt-bytes.robust.smtpscope.test", DNS_RR_TXT);
    int nullmx = dns_batch_add(b, "nullmx.smtpscope.test", DNS_RR_MX);
    int multi = dns_batch_add(b, "multimx.smtpscope.test", DNS_RR_MX);
    int ptr = dns_batch_add(b, "10.0.0.192.in-addr.arpa", DNS_RR_PTR);
    int a6 = dns_batch_add(b, "mail.smtpscope.test", DNS_RR_AAAA);
    int mxb = dns_batch_add(b, "mx-bytes.robust.smtpscope.test", DNS_RR_MX);
    run_ok(b, 10000);

    const dns_answer *a = expect(b, txt, DNS_OK);
    assert_int_equal(a->txt.n, 2);
    const dns_txt *split = a->txt.v[0].nstrs == 2 ? &a->txt.v[0] : &a->txt.v[1];
    const dns_txt *other = split == &a->txt.v[0] ? &a->txt.v[1] : &a->txt.v[0];
    assert_int_equal(split->nstrs, 2);
    assert_string_equal(split->strs[0], "v=spf1 ip4:192.0.2.0/24 ");
    assert_string_equal(split->strs[1], "include:_inc.spf.smtpscope.test mx -all");
    assert_int_equal(split->lens[1], strlen("include:_inc.spf.smtpscope.test mx -all"));
    assert_int_equal(other->nstrs, 1);
    assert_string_equal(other->strs[0], "not an spf record");

    a = expect(b, bytes, DNS_OK);
    assert_int_equal(a->txt.n, 1);
    assert_int_equal(a->txt.v[0].nstrs, 1);
    static const char raw[] = "caf\303\251 \000\007\377 bytes";
    assert_int_equal(a->txt.v[0].lens[0], sizeof raw - 1);
    assert_memory_equal(a->txt.v[0].strs[0], raw, sizeof raw - 1);

    a = expect(b, nullmx, DNS_OK);
    assert_int_equal(a->mx.n, 1);
    assert_int_equal(a->mx.v[0].pref, 0);
    assert_string_equal(a->mx.v[0].host, ".");

    a = expect(b, multi, DNS_OK);
    assert_int_equal(a->mx.n, 3);
    assert_int_equal(a->mx.v[0].pref, 10);
    assert_string_equal(a->mx.v[0].host, "a.smtpscope.test");
    assert_int_equal(a->mx.v[2].pref, 30);
    assert_string_equal(a->mx.v[2].host, "c.smtpscope.test");

    a = expect(b, ptr, DNS_OK);
    assert_int_equal(a->names.n, 1);
    assert_string_equal(a->names.v[0], "host.spf.smtpscope.test");

    a = expect(b, a6, DNS_OK);
    assert_int_equal(a->addrs.n, 1);
    assert_int_equal(((const struct sockaddr *)&a->addrs.v[0].sa)->sa_family, AF_INET6);
    assert_int_equal(a->addrs.v[0].len, sizeof(struct sockaddr_in6));

    /* Hostile bytes in a name come out escaped. */
    a = expect(b, mxb, DNS_OK);
    assert_string_equal(a->mx.v[0].host, "m\\195\\169il\\255.robust.smtpscope.test");
    dns_batch_free(b);
    dns_resolver_free(r);
}

/* The TLSA record of the signed zone (no validation needed to parse it). */
static void test_tlsa(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    int i = dns_batch_add(b, "_25._tcp.mail.dnssec.test", DNS_RR_TLSA);
    run_ok(b, 10000);
    const dns_answer *a = expect(b, i, DNS_OK);
    assert_int_equal(a->n_tlsa, 1);
    assert_int_equal(a->tlsa[0].usage, 3);
    assert_int_equal(a->tlsa[0].selector, 1);
    assert_int_equal(a->tlsa[0].mtype, 1);
    assert_int_equal(a->tlsa[0].len, 32);
    static const unsigned char want[32] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                           0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                           0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                           0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    assert_memory_equal(a->tlsa[0].data, want, 32);
    assert_int_equal(a->dnssec, DNSSEC_UNCHECKED);
    dns_batch_free(b);
    dns_resolver_free(r);
}

/* With the fixture's trust anchor: secure, bogus and insecure answers. */
static void test_dnssec(void **state)
{
    dns_resolver *r = fixture_resolver(state, true);
    static const struct {
        const char *name;
        dns_rrtype type;
        dns_status status;
        dns_dnssec dnssec;
    } rows[] = {
        {"dnssec.test", DNS_RR_A, DNS_OK, DNSSEC_SECURE},
        {"dnssec.test", DNS_RR_TXT, DNS_OK, DNSSEC_SECURE},
        {"dnssec.test", DNS_RR_MX, DNS_OK, DNSSEC_SECURE},
        {"_25._tcp.mail.dnssec.test", DNS_RR_TLSA, DNS_OK, DNSSEC_SECURE},
        {"nope.dnssec.test", DNS_RR_A, DNS_NXDOMAIN, DNSSEC_SECURE},  /* signed denial */
        {"mail.dnssec.test", DNS_RR_AAAA, DNS_NODATA, DNSSEC_SECURE}, /* signed NODATA */
        {"bogus.test", DNS_RR_A, DNS_SERVFAIL, DNSSEC_BOGUS},
        {"bogus.test", DNS_RR_TXT, DNS_SERVFAIL, DNSSEC_BOGUS},
        {"mail.smtpscope.test", DNS_RR_A, DNS_OK, DNSSEC_INSECURE}, /* no anchor covers it */
        {"nope.smtpscope.test", DNS_RR_A, DNS_NXDOMAIN, DNSSEC_INSECURE},
    };
    const size_t n = sizeof rows / sizeof rows[0];
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(dns_batch_add(b, rows[i].name, rows[i].type), (int)i);
    run_ok(b, 10000);
    for (size_t i = 0; i < n; i++) {
        const dns_answer *a = expect(b, (int)i, rows[i].status);
        if (a->dnssec != rows[i].dnssec)
            fail_msg("%s %s: dnssec %s, want %s", rows[i].name, dns_rrtype_name(rows[i].type),
                     dns_dnssec_name(a->dnssec), dns_dnssec_name(rows[i].dnssec));
    }
    assert_string_equal(dns_batch_answer(b, 6)->why,
                        "DNSSEC validation failed for bogus.test (bogus answer)");
    assert_int_equal(dns_batch_answer(b, 3)->n_tlsa, 1);
    dns_batch_free(b);
    dns_resolver_free(r);

    /* Without an anchor nothing is judged, and the bogus zone answers. */
    r = fixture_resolver(state, false);
    b = dns_batch_new(r);
    assert_non_null(b);
    assert_int_equal(dns_batch_add(b, "dnssec.test", DNS_RR_A), 0);
    assert_int_equal(dns_batch_add(b, "bogus.test", DNS_RR_A), 1);
    run_ok(b, 10000);
    assert_int_equal(expect(b, 0, DNS_OK)->dnssec, DNSSEC_UNCHECKED);
    assert_int_equal(expect(b, 1, DNS_OK)->dnssec, DNSSEC_UNCHECKED);
    dns_batch_free(b);
    dns_resolver_free(r);
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
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    assert_int_equal(dns_batch_add(b, "mail.smtpscope.test", DNS_RR_A), 0);
    assert_int_equal(dns_batch_add(b, "mx-only.smtpscope.test", DNS_RR_MX), 1);
    assert_int_equal(dns_batch_add(b, "spf.smtpscope.test", DNS_RR_TXT), 2);
    assert_int_equal(dns_batch_add(b, "bad..name", DNS_RR_A), 3);
    run_ok(b, 300);
    for (int i = 0; i < 3; i++) {
        const dns_answer *a = expect(b, i, DNS_TIMEOUT);
        char want[96];
        snprintf(want, sizeof want, "no DNS answer for %s within", a->name);
        assert_non_null(strstr(a->why, want));
        assert_int_equal(a->dnssec, DNSSEC_UNCHECKED);
        assert_int_equal(payload_n(a), 0);
    }
    /* An invalid name never waits: it is an error, not a timeout. */
    expect(b, 3, DNS_ERROR);
    /* The cancelled queries leave the resolver usable: more of the same. */
    assert_int_equal(dns_batch_add(b, "cname.smtpscope.test", DNS_RR_AAAA), 4);
    run_ok(b, 200);
    expect(b, 4, DNS_TIMEOUT);
    /* A deadline already past: still an answer (timeout) for every query. */
    assert_int_equal(dns_batch_add(b, "v4only.smtpscope.test", DNS_RR_A), 5);
    err_clear(&e);
    assert_int_equal(dns_batch_run(b, clock_now_ms() - 1, &e), 0);
    assert_non_null(strstr(expect(b, 5, DNS_TIMEOUT)->why, "within 0 ms"));
    dns_batch_free(b);
    dns_resolver_free(r);
    silent_dns_stop(&sd);
}

/* Deadlines of 0-3 ms race the answers: some queries are cancelled in
 * flight, some answered just in time. Every answer must be OK or TIMEOUT,
 * and (under ASan) no late callback may touch freed memory, including after
 * the batch that sent it is gone. */
static void test_deadline_races(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    for (int round = 0; round < 60; round++) {
        dns_batch *b = dns_batch_new(r);
        assert_non_null(b);
        assert_int_equal(dns_batch_add(b, "mail.smtpscope.test", DNS_RR_A), 0);
        assert_int_equal(dns_batch_add(b, "cname.smtpscope.test", DNS_RR_AAAA), 1);
        assert_int_equal(dns_batch_add(b, "multimx.smtpscope.test", DNS_RR_MX), 2);
        assert_int_equal(dns_batch_add(b, "spf.smtpscope.test", DNS_RR_TXT), 3);
        assert_int_equal(dns_batch_add(b, "10.0.0.192.in-addr.arpa", DNS_RR_PTR), 4);
        run_ok(b, round % 4);
        for (int i = 0; i < 5; i++) {
            dns_status s = dns_batch_answer(b, i)->status;
            if (s != DNS_OK && s != DNS_TIMEOUT)
                fail_msg("round %d query %d: %s", round, i, dns_status_name(s));
        }
        dns_batch_free(b);
    }
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    assert_int_equal(dns_batch_add(b, "multimx.smtpscope.test", DNS_RR_MX), 0);
    run_ok(b, 10000);
    assert_int_equal(expect(b, 0, DNS_OK)->mx.n, 3);
    dns_batch_free(b);
    dns_resolver_free(r);
}

/* DNS_BATCH_MAX queries fit and are all answered; one more is refused. */
static void test_full_batch(void **state)
{
    dns_resolver *r = fixture_resolver(state, false);
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    for (int i = 0; i < DNS_BATCH_MAX; i++) {
        char name[64];
        snprintf(name, sizeof name, "q%d.full.smtpscope.test", i);
        assert_int_equal(dns_batch_add(b, name, i % 2 ? DNS_RR_A : DNS_RR_TXT), i);
    }
    assert_int_equal(dns_batch_add(b, "one-more.smtpscope.test", DNS_RR_A), -1);
    /* A duplicate is not a new query, so it is still found. */
    assert_int_equal(dns_batch_add(b, "Q7.full.smtpscope.test", DNS_RR_A), 7);
    assert_int_equal(dns_batch_count(b), DNS_BATCH_MAX);
    run_ok(b, 30000);
    for (int i = 0; i < DNS_BATCH_MAX; i++)
        expect(b, i, DNS_NXDOMAIN);
    dns_batch_free(b);
    dns_resolver_free(r);
}

static void test_bad_calls(void **state)
{
    (void)state;
    assert_null(dns_batch_new(NULL));
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new("127.0.0.1@9", &e);
    assert_non_null(r);
    dns_batch *b = dns_batch_new(r);
    assert_non_null(b);
    assert_int_equal(dns_batch_add(b, NULL, DNS_RR_A), -1);
    assert_int_equal(dns_batch_add(b, "x.test", (dns_rrtype)99), -1);
    assert_int_equal(dns_batch_add(NULL, "x.test", DNS_RR_A), -1);
    assert_null(dns_batch_answer(b, 0));
    assert_null(dns_batch_answer(b, -1));
    assert_null(dns_batch_answer(NULL, 0));
    assert_int_equal(dns_batch_count(b), 0);
    assert_int_equal(dns_batch_count(NULL), 0);
    assert_int_equal(dns_batch_run(b, clock_deadline_in(10), &e), 0); /* nothing to do */
    assert_int_equal(dns_batch_run(NULL, clock_deadline_in(10), &e), -1);
    assert_int_equal(e.cls, ERRC_INTERNAL);
    dns_batch_free(b);
    dns_batch_free(NULL);
    dns_resolver_free(r);

    static const struct {
        dns_rrtype t;
        const char *name;
    } names[] = {{DNS_RR_A, "A"},       {DNS_RR_AAAA, "AAAA"}, {DNS_RR_MX, "MX"},
                 {DNS_RR_TXT, "TXT"},   {DNS_RR_PTR, "PTR"},   {DNS_RR_CNAME, "CNAME"},
                 {DNS_RR_TLSA, "TLSA"}, {(dns_rrtype)99, "?"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(dns_rrtype_name(names[i].t), names[i].name);
    static const struct {
        dns_dnssec d;
        const char *name;
    } sec[] = {{DNSSEC_UNCHECKED, "unchecked"},
               {DNSSEC_INSECURE, "insecure"},
               {DNSSEC_SECURE, "secure"},
               {DNSSEC_BOGUS, "bogus"}};
    for (size_t i = 0; i < sizeof sec / sizeof sec[0]; i++)
        assert_string_equal(dns_dnssec_name(sec[i].d), sec[i].name);
}

static void test_reverse_name(void **state)
{
    (void)state;
    static const struct {
        const char *ip, *zone, *want;
    } rows[] = {
        {"1.2.3.4", NULL, "4.3.2.1.in-addr.arpa"},
        {"192.0.0.10", NULL, "10.0.0.192.in-addr.arpa"},
        {"0.0.0.0", NULL, "0.0.0.0.in-addr.arpa"},
        {"255.255.255.255", NULL, "255.255.255.255.in-addr.arpa"},
        {"1.2.3.4", "zen.example", "4.3.2.1.zen.example"},
        {"2001:db8::1", NULL,
         "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
        {"::1", NULL, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
        {"2001:DB8:ABCD::FE", "bl.example",
         "e.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.8.b.d.0.1.0.0.2.bl.example"},
        {"::ffff:1.2.3.4", NULL,
         "4.0.3.0.2.0.1.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[128];
        assert_int_equal(dns_reverse_name(rows[i].ip, rows[i].zone, out, sizeof out), 0);
        assert_string_equal(out, rows[i].want);
        /* The documented size is always enough; one byte less than the
         * result is not. */
        size_t need = strlen(rows[i].want) + 1;
        char exact[128];
        assert_int_equal(dns_reverse_name(rows[i].ip, rows[i].zone, exact, need), 0);
        assert_int_equal(dns_reverse_name(rows[i].ip, rows[i].zone, exact, need - 1), -1);
        assert_string_equal(exact, "");
    }
    static const char *const bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::g",
                                      "fe80::1%eth0", "localhost", " 1.2.3.4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[128];
        assert_int_equal(dns_reverse_name(bad[i], NULL, out, sizeof out), -1);
    }
    char out[128];
    assert_int_equal(dns_reverse_name(NULL, NULL, out, sizeof out), -1);
    assert_int_equal(dns_reverse_name("1.2.3.4", "", out, sizeof out), -1);
    assert_int_equal(dns_reverse_name("1.2.3.4", NULL, NULL, 10), -1);
    assert_int_equal(dns_reverse_name("1.2.3.4", NULL, out, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_mixed),     cmocka_unit_test(test_failures),
        cmocka_unit_test(test_duplicates),     cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_payloads),       cmocka_unit_test(test_tlsa),
        cmocka_unit_test(test_dnssec),         cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_deadline_races), cmocka_unit_test(test_full_batch),
        cmocka_unit_test(test_bad_calls),      cmocka_unit_test(test_reverse_name),
    };
    return cmocka_run_group_tests(tests, unbound_fixture_group_setup_anchor,
                                  unbound_fixture_group_teardown);
}
