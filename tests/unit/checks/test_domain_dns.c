/* test_domain_dns.c — the MX, PTR/FCrDNS, HELO and DNS blocklist sections of
 * the domain report (checks/domain/), and the engine that runs them
 * (domain.c: waves, the SPF thread, --connect), against the private Unbound.
 *
 * The group setup starts tests/integration/unbound/fixture.sh (zone data in
 * zones.conf and zones.d/domain-dns.conf) and the teardown stops it by PID.
 * Tests skip only when unbound is missing and CI is unset. Nothing here
 * asserts on the SPF/DKIM/DMARC/MTA-STS/TLS-RPT sections' findings: they
 * belong to section_records.c and have their own tests. */
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

#include "checks/domain.h"
#include "core/clock.h"
#include "core/err.h"
#include "dns/resolver.h"

#include "support/silent_dns.h"
#include "support/unbound_fixture.h"

#define D(x) x ".dom.smtpscope.test"

static const char *const test_bl[] = {"bl.smtpscope.test"};

/* Options for a run against the fixture's blocklist. */
static domain_opts opts(const char *domain)
{
    return (domain_opts){.domain = domain, .dnsbls = test_bl, .n_dnsbls = 1, .timeout_ms = 5000};
}

/* Every finding must be catalogued and name its section's stage. */
static void check_findings(const domain_outcome *out)
{
    for (size_t i = 0; i < out->findings.n; i++) {
        const finding *f = &out->findings.v[i];
        if (!finding_def_lookup(f->id))
            fail_msg("finding %s is not in the catalogue", f->id);
        assert_non_null(f->message);
        assert_true(f->stage >= STAGE_MX && f->stage <= STAGE_DNSBL);
    }
}

/* Run o against the fixture; with_spf_r: SPF in its own thread on a second
 * resolver. Skips when the fixture is not running. */
static void run_on(void **state, const domain_opts *o, bool with_spf_r, domain_outcome *out)
{
    unbound_fixture *f = *state;
    if (!f->port)
        skip();
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(f->server, &e);
    dns_resolver *r2 = with_spf_r ? dns_resolver_new(f->server, &e) : NULL;
    assert_non_null(r);
    if (with_spf_r)
        assert_non_null(r2);
    assert_int_equal(domain_run(o, r, r2, out), 0);
    dns_resolver_free(r);
    dns_resolver_free(r2);
    check_findings(out);
    assert_true(out->waves >= 1);
    assert_true(out->waves <= 4);
    assert_true(out->queries >= out->waves);
}

static size_t count(const domain_outcome *out, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < out->findings.n; i++)
        n += strcmp(out->findings.v[i].id, id) == 0;
    return n;
}

/* The message of the first finding id, or fail. */
static const char *message(const domain_outcome *out, const char *id)
{
    for (size_t i = 0; i < out->findings.n; i++)
        if (strcmp(out->findings.v[i].id, id) == 0)
            return out->findings.v[i].message;
    fail_msg("no finding %s", id);
    return NULL;
}

static void assert_has(const domain_outcome *out, const char *id)
{
    if (!count(out, id))
        fail_msg("expected finding %s", id);
}

static void assert_lacks(const domain_outcome *out, const char *id)
{
    if (count(out, id))
        fail_msg("unexpected finding %s: %s", id, message(out, id));
}

static const domain_ptr_entry *ptr_for(const domain_outcome *out, const char *addr)
{
    for (size_t i = 0; i < out->ptr.n; i++)
        if (strcmp(out->ptr.v[i].addr, addr) == 0)
            return &out->ptr.v[i];
    fail_msg("no PTR entry for %s", addr);
    return NULL;
}

static const domain_dnsbl_entry *bl_for(const domain_outcome *out, const char *addr)
{
    for (size_t i = 0; i < out->dnsbl.n; i++)
        if (strcmp(out->dnsbl.v[i].addr, addr) == 0)
            return &out->dnsbl.v[i];
    fail_msg("no blocklist entry for %s", addr);
    return NULL;
}

/* ------------------------------------------------------------------ MX */

static void test_good(void **state)
{
    domain_opts o = opts(D("good"));
    domain_outcome out;
    run_on(state, &o, true, &out);
    assert_string_equal(out.domain, D("good"));
    assert_int_equal(out.mx.status, DNS_OK);
    assert_false(out.mx.null_mx);
    assert_false(out.mx.implicit);
    assert_int_equal(out.mx.n_hosts, 1);
    const domain_mx_host *h = &out.mx.hosts[0];
    assert_int_equal(h->pref, 10);
    assert_string_equal(h->host, "mail.smtpscope.test");
    assert_false(h->ip_literal);
    assert_null(h->cname);
    assert_int_equal(h->addr_status, DNS_OK);
    assert_int_equal(h->n_addrs, 2);
    assert_string_equal(h->addrs[0], "::1"); /* AAAA first */
    assert_string_equal(h->addrs[1], "127.0.0.1");
    assert_null(h->probe);
    /* Loopback in public DNS is a warning the tests live with. */
    assert_int_equal(count(&out, "mx.private_address"), 2);
    assert_lacks(&out, "mx.no_ipv6");
    assert_lacks(&out, "mx.cname");
    assert_lacks(&out, "mx.implicit");
    assert_lacks(&out, "domain.nxdomain");
    assert_int_equal(out.status[DSEC_MX], SS_WARN);
    assert_non_null(out.summary[DSEC_MX]);

    /* PTR: both addresses, forward-confirmed. */
    assert_int_equal(out.ptr.n, 2);
    const domain_ptr_entry *p = ptr_for(&out, "127.0.0.1");
    assert_string_equal(p->for_host, "mail.smtpscope.test");
    assert_int_equal(p->status, DNS_OK);
    assert_int_equal(p->n_names, 1);
    assert_string_equal(p->names[0], "mail.smtpscope.test");
    assert_true(p->confirmed);
    assert_string_equal(p->confirmed_name, "mail.smtpscope.test");
    assert_true(ptr_for(&out, "::1")->confirmed);
    assert_int_equal(out.status[DSEC_PTR], SS_PASS);
    assert_int_equal(out.status[DSEC_HELO], SS_SKIP);

    /* DNSBL: both addresses asked, neither listed (::1 in nibble form). */
    assert_int_equal(out.dnsbl.n_zones, 1);
    assert_string_equal(out.dnsbl.zones[0], "bl.smtpscope.test");
    assert_int_equal(out.dnsbl.n, 2);
    const domain_dnsbl_entry *b = bl_for(&out, "127.0.0.1");
    assert_string_equal(b->query, "1.0.0.127.bl.smtpscope.test");
    assert_int_equal(b->status, DNS_NXDOMAIN);
    assert_false(b->listed);
    b = bl_for(&out, "::1");
    assert_string_equal(b->query, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
                                  "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.smtpscope.test");
    assert_int_equal(out.status[DSEC_DNSBL], SS_PASS);
    for (size_t i = 0; i < out.findings.n; i++) {
        stage_id s = out.findings.v[i].stage;
        if (s == STAGE_PTR || s == STAGE_HELO || s == STAGE_DNSBL)
            fail_msg("unexpected %s: %s", out.findings.v[i].id, out.findings.v[i].message);
    }
    /* No --ip: no SPF evaluation; no SPF record at this domain: no walk. */
    assert_null(out.spf.eval);
    assert_null(out.spf.eval_ip);
    assert_null(out.spf.walk);
    domain_outcome_free(&out);
}

static void test_null_mx(void **state)
{
    domain_opts o = opts(D("nullmx"));
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_true(out.mx.null_mx);
    assert_int_equal(out.mx.n_hosts, 0);
    assert_has(&out, "mx.null");
    assert_lacks(&out, "mx.none");
    assert_int_equal(out.status[DSEC_MX], SS_WARN);
    assert_int_equal(out.ptr.n, 0);
    assert_int_equal(out.status[DSEC_PTR], SS_SKIP);
    assert_int_equal(out.status[DSEC_DNSBL], SS_SKIP);
    domain_outcome_free(&out);

    o = opts(D("nullmix"));
    run_on(state, &o, false, &out);
    assert_false(out.mx.null_mx);
    assert_has(&out, "mx.null_mixed");
    assert_int_equal(out.mx.n_hosts, 1);
    assert_string_equal(out.mx.hosts[0].host, "mail.smtpscope.test");
    assert_int_equal(out.status[DSEC_MX], SS_FAIL);
    domain_outcome_free(&out);
}

static void test_mx_cname_and_literal(void **state)
{
    domain_opts o = opts(D("mxcname"));
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_int_equal(out.mx.n_hosts, 1);
    assert_string_equal(out.mx.hosts[0].host, D("alias"));
    assert_string_equal(out.mx.hosts[0].cname, "mail.smtpscope.test");
    assert_int_equal(out.mx.hosts[0].n_addrs, 2);
    assert_has(&out, "mx.cname");
    assert_non_null(strstr(message(&out, "mx.cname"), "RFC 2181"));
    domain_outcome_free(&out);

    o = opts(D("mxip"));
    run_on(state, &o, false, &out);
    assert_int_equal(out.mx.n_hosts, 2);
    assert_true(out.mx.hosts[0].ip_literal);
    assert_string_equal(out.mx.hosts[0].host, "127.0.0.1");
    assert_int_equal(out.mx.hosts[0].n_addrs, 0);
    assert_false(out.mx.hosts[1].ip_literal);
    assert_has(&out, "mx.ip_literal");
    assert_lacks(&out, "mx.no_usable_host"); /* the second host works */
    assert_lacks(&out, "mx.host_no_address");
    assert_int_equal(out.status[DSEC_MX], SS_FAIL);
    domain_outcome_free(&out);
}

static void test_mx_hosts_without_address(void **state)
{
    domain_opts o = opts(D("someaddr"));
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_int_equal(out.mx.n_hosts, 2);
    assert_int_equal(out.mx.hosts[1].addr_status, DNS_NXDOMAIN);
    assert_int_equal(count(&out, "mx.host_no_address"), 1);
    assert_non_null(strstr(message(&out, "mx.host_no_address"), D("gone")));
    assert_lacks(&out, "mx.no_usable_host");
    assert_int_equal(out.status[DSEC_MX], SS_WARN);
    domain_outcome_free(&out);

    o = opts(D("noaddr"));
    run_on(state, &o, false, &out);
    assert_int_equal(out.mx.n_hosts, 1);
    assert_has(&out, "mx.no_usable_host");
    assert_lacks(&out, "mx.host_no_address");
    assert_int_equal(out.status[DSEC_MX], SS_FAIL);
    assert_int_equal(out.status[DSEC_DNSBL], SS_SKIP); /* no address to check */
    domain_outcome_free(&out);
}

static void test_mx_duplicate(void **state)
{
    domain_opts o = opts(D("dup"));
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_int_equal(out.mx.n_hosts, 1);
    assert_int_equal(count(&out, "mx.duplicate"), 1);
    domain_outcome_free(&out);
}

static void test_implicit_none_nxdomain(void **state)
{
    domain_opts o = opts(D("implicit"));
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_int_equal(out.mx.status, DNS_NODATA);
    assert_true(out.mx.implicit);
    assert_int_equal(out.mx.n_hosts, 1);
    assert_string_equal(out.mx.hosts[0].host, D("implicit"));
    assert_int_equal(out.mx.hosts[0].n_addrs, 1);
    assert_string_equal(out.mx.hosts[0].addrs[0], "127.0.0.1");
    assert_has(&out, "mx.implicit");
    assert_has(&out, "mx.no_ipv6");
    assert_lacks(&out, "mx.none");
    assert_int_equal(out.status[DSEC_MX], SS_WARN);
    /* The implicit MX's address is checked like any MX address. */
    assert_true(ptr_for(&out, "127.0.0.1")->confirmed);
    assert_int_equal(out.dnsbl.n, 1);
    domain_outcome_free(&out);

    o = opts(D("nomail"));
    run_on(state, &o, false, &out);
    assert_false(out.mx.implicit);
    assert_int_equal(out.mx.n_hosts, 0);
    assert_has(&out, "mx.none");
    assert_non_null(strstr(message(&out, "mx.none"), "cannot receive mail"));
    assert_int_equal(out.status[DSEC_MX], SS_FAIL);
    domain_outcome_free(&out);

    o = opts(D("does-not-exist"));
    run_on(state, &o, false, &out);
    assert_int_equal(out.mx.status, DNS_NXDOMAIN);
    assert_has(&out, "domain.nxdomain");
    assert_lacks(&out, "mx.none");
    assert_int_equal(out.status[DSEC_MX], SS_FAIL);
    assert_int_equal(out.status[DSEC_PTR], SS_SKIP);
    domain_outcome_free(&out);
}

/* ----------------------------------------------------------------- PTR */

static void test_ptr_unconfirmed(void **state)
{
    domain_opts o = opts(D("unconf"));
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_int_equal(out.ptr.n, 1);
    const domain_ptr_entry *p = ptr_for(&out, "127.0.0.3");
    assert_string_equal(p->for_host, D("fcr"));
    assert_int_equal(p->status, DNS_OK);
    assert_int_equal(p->n_names, 1);
    assert_string_equal(p->names[0], D("elsewhere"));
    assert_false(p->confirmed);
    assert_null(p->confirmed_name);
    assert_has(&out, "ptr.mx_unconfirmed");
    assert_int_equal(out.status[DSEC_PTR], SS_WARN);
    domain_outcome_free(&out);
}

static void test_ptr_for_ip(void **state)
{
    /* A generic but forward-confirmed PTR; the --ip entry comes last. */
    domain_opts o = opts(D("good"));
    o.ip = "127.0.0.5";
    domain_outcome out;
    run_on(state, &o, true, &out);
    assert_int_equal(out.ptr.n, 3);
    const domain_ptr_entry *p = &out.ptr.v[2];
    assert_null(p->for_host);
    assert_string_equal(p->addr, "127.0.0.5");
    assert_true(p->confirmed);
    assert_string_equal(p->confirmed_name, "127-0-0-5.dynamic" ".dom.smtpscope.test");
    assert_non_null(out.ptr.v[0].for_host);
    assert_has(&out, "ptr.ip_generic");
    assert_lacks(&out, "ptr.ip_missing");
    assert_int_equal(out.status[DSEC_PTR], SS_WARN);
    /* The SPF evaluation for --ip ran (in its own thread). */
    assert_non_null(out.spf.eval);
    assert_string_equal(out.spf.eval_ip, "127.0.0.5");
    /* --ip in the blocklist too, first. */
    assert_int_equal(out.dnsbl.n, 3);
    assert_string_equal(out.dnsbl.v[0].addr, "127.0.0.5");
    domain_outcome_free(&out);

    /* No PTR at all: an error for a sending address. */
    o.ip = "127.0.0.6";
    run_on(state, &o, false, &out);
    p = ptr_for(&out, "127.0.0.6");
    assert_null(p->for_host);
    assert_true(p->status == DNS_NXDOMAIN || p->status == DNS_NODATA);
    assert_has(&out, "ptr.ip_missing");
    assert_int_equal(out.status[DSEC_PTR], SS_FAIL);
    assert_non_null(out.spf.eval); /* on the main resolver after the waves */
    domain_outcome_free(&out);
}

/* ---------------------------------------------------------------- HELO */

static void test_helo(void **state)
{
    static const struct {
        const char *helo, *ip;
        const char *finding; /* expected, NULL: no HELO finding */
        bool syntax_ok, literal, matches;
    } cases[] = {
        {"mail.smtpscope.test", "127.0.0.1", NULL, true, false, true},
        {"mail.smtpscope.test", "::1", NULL, true, false, true},
        {"mail.smtpscope.test", NULL, NULL, true, false, false},
        {D("helo-v4"), "::1", "helo.ip_mismatch", true, false, false},
        {D("gone"), NULL, "helo.unresolvable", true, false, false},
        {D("noaddr-helo"), NULL, "helo.unresolvable", true, false, false},
        {"localhost", NULL, "helo.localhost", false, false, false},
        {"localhost.localdomain", NULL, "helo.localhost", true, false, false},
        {"[127.0.0.1]", "127.0.0.1", "helo.literal", true, true, true},
        {"[IPv6:::1]", "::1", "helo.literal", true, true, true},
        {"[127.0.0.1]", "127.0.0.5", "helo.ip_mismatch", true, true, false},
        {"[300.1.1.1]", NULL, "helo.literal_invalid", false, true, false},
        {"127.0.0.1", NULL, "helo.bare_ip", false, false, false},
        {"bad_name.example", NULL, "helo.syntax", false, false, false},
        {"single", NULL, "helo.syntax", false, false, false},
        {"-x.example", NULL, "helo.syntax", false, false, false},
        {"x.123", NULL, "helo.syntax", false, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        domain_opts o = opts(D("nullmx")); /* few other queries */
        o.helo = cases[i].helo;
        o.ip = cases[i].ip;
        o.no_dnsbl = true;
        domain_outcome out;
        run_on(state, &o, false, &out);
        const domain_helo *h = &out.helo;
        assert_non_null(h->name);
        if (h->syntax_ok != cases[i].syntax_ok || h->is_literal != cases[i].literal ||
            h->matches_ip != cases[i].matches)
            fail_msg("%s: syntax_ok %d literal %d matches %d", cases[i].helo, h->syntax_ok,
                     h->is_literal, h->matches_ip);
        size_t n_helo = 0;
        for (size_t k = 0; k < out.findings.n; k++)
            if (out.findings.v[k].stage == STAGE_HELO) {
                n_helo++;
                if (!cases[i].finding || strcmp(out.findings.v[k].id, cases[i].finding) != 0) {
                    /* a literal that does not match --ip has both findings */
                    if (!(cases[i].literal && cases[i].finding &&
                          strcmp(out.findings.v[k].id, "helo.literal") == 0))
                        fail_msg("%s: unexpected %s", cases[i].helo, out.findings.v[k].id);
                }
            }
        if (cases[i].finding)
            assert_has(&out, cases[i].finding);
        else
            assert_int_equal(n_helo, 0);
        assert_int_not_equal(out.status[DSEC_HELO], SS_SKIP);
        assert_int_equal(out.status[DSEC_DNSBL], SS_SKIP);
        domain_outcome_free(&out);
    }
}

/* --------------------------------------------------------------- DNSBL */

static void test_dnsbl_listed_mx(void **state)
{
    domain_opts o = opts(D("listed"));
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_int_equal(out.dnsbl.n, 1);
    const domain_dnsbl_entry *b = bl_for(&out, "127.0.0.2");
    assert_string_equal(b->zone, "bl.smtpscope.test");
    assert_string_equal(b->query, "2.0.0.127.bl.smtpscope.test");
    assert_int_equal(b->status, DNS_OK);
    assert_true(b->listed);
    assert_false(b->refused);
    assert_int_equal(b->n_codes, 1);
    assert_string_equal(b->codes[0], "127.0.0.2");
    assert_non_null(b->reason);
    assert_string_equal(b->reason, "Test listing: 127.0.0.2 is the RFC 5782 test entry");
    assert_int_equal(count(&out, "dnsbl.listed"), 1);
    const char *m = message(&out, "dnsbl.listed");
    assert_non_null(strstr(m, "127.0.0.2"));
    assert_non_null(strstr(m, "dead.smtpscope.test"));
    assert_non_null(strstr(m, "bl.smtpscope.test"));
    assert_non_null(strstr(m, "RFC 5782 test entry"));
    assert_int_equal(out.status[DSEC_DNSBL], SS_FAIL);
    /* 127.0.0.2 has no PTR either. */
    assert_has(&out, "ptr.mx_missing");
    assert_true(out.waves <= 4);
    domain_outcome_free(&out);
}

static void test_dnsbl_ip_answers(void **state)
{
    static const struct {
        const char *ip, *finding;
        bool listed, refused;
        const char *code;
    } cases[] = {
        {"127.0.0.2", "dnsbl.listed", true, false, "127.0.0.2"},
        {"2001:db8::2", "dnsbl.listed", true, false, "127.0.0.4"}, /* IPv6 nibbles */
        {"127.0.0.7", "dnsbl.refused", false, true, "127.255.255.254"},
        {"127.0.0.8", "dnsbl.bogus_answer", false, false, "192.0.2.1"},
        {"127.0.0.9", NULL, false, false, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        domain_opts o = opts(D("nullmx")); /* no MX addresses: --ip alone */
        o.ip = cases[i].ip;
        domain_outcome out;
        run_on(state, &o, false, &out);
        assert_int_equal(out.dnsbl.n, 1);
        const domain_dnsbl_entry *b = &out.dnsbl.v[0];
        assert_string_equal(b->addr, cases[i].ip);
        if (b->listed != cases[i].listed || b->refused != cases[i].refused)
            fail_msg("%s: listed %d refused %d", cases[i].ip, b->listed, b->refused);
        if (cases[i].code) {
            assert_int_equal(b->n_codes, 1);
            assert_string_equal(b->codes[0], cases[i].code);
            assert_int_equal(count(&out, cases[i].finding), 1);
        } else {
            assert_int_equal(b->n_codes, 0);
            assert_int_equal(out.status[DSEC_DNSBL], SS_PASS);
        }
        if (cases[i].refused)
            assert_non_null(strstr(message(&out, "dnsbl.refused"), "public or open resolvers"));
        if (!cases[i].listed)
            assert_lacks(&out, "dnsbl.listed");
        /* The --ip listing names it as such. */
        if (i == 0)
            assert_non_null(strstr(message(&out, "dnsbl.listed"), "the sending address"));
        domain_outcome_free(&out);
    }
}

static void test_no_dnsbl(void **state)
{
    domain_opts o = opts(D("listed"));
    o.no_dnsbl = true;
    domain_outcome out;
    run_on(state, &o, false, &out);
    assert_int_equal(out.dnsbl.n, 0);
    assert_int_equal(out.status[DSEC_DNSBL], SS_SKIP);
    assert_lacks(&out, "dnsbl.listed");
    domain_outcome_free(&out);
}

/* ----------------------------------------------------------- SPF walk */

/* spf.smtpscope.test (zones.conf) is "v=spf1 ip4:192.0.2.0/24
 * include:_inc.spf.smtpscope.test mx -all": the walk must get past the ip4
 * range to the include, which a documentation address would not. */
static void test_spf_walk(void **state)
{
    domain_opts o = opts("spf.smtpscope.test");
    o.no_dnsbl = true;
    for (int threaded = 0; threaded < 2; threaded++) {
        domain_outcome out;
        run_on(state, &o, threaded, &out);
        assert_non_null(out.spf.walk);
        const spf_node *t = out.spf.walk->tree;
        assert_non_null(t);
        assert_non_null(t->record);
        assert_true(t->nchildren >= 1);
        assert_string_equal(t->children[0]->domain, "_inc.spf.smtpscope.test");
        assert_int_equal(out.spf.walk->result, SPF_RESULT_FAIL); /* ended at -all */
        assert_true(out.spf.walk->dns_terms >= 2);
        assert_null(out.spf.eval);
        domain_outcome_free(&out);
    }
}

/* ------------------------------------------------------------- connect */

static void test_connect_refused(void **state)
{
    /* A port nothing listens on: bind one, note it, close it. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
    int port = ntohs(sin.sin_port);
    close(s);

    endpoint_opts eo = {.sweep_ports = &port, .n_sweep_ports = 1, .timeout_ms = 2000,
                        .helo = "client.smtpscope.test"};
    domain_opts o = opts(D("good"));
    o.connect = true;
    o.connect_opts = &eo;
    o.no_dnsbl = true;
    domain_outcome out;
    run_on(state, &o, true, &out);
    assert_int_equal(out.mx.n_hosts, 1);
    const sweep_outcome *p = out.mx.hosts[0].probe;
    assert_non_null(p);
    assert_int_equal(p->n, 1);
    assert_int_equal(p->ports[0].port, port);
    assert_int_equal(p->ports[0].state, PORT_REFUSED);
    assert_int_equal(p->best_port, 0);
    assert_has(&out, "mx.unreachable");
    assert_int_equal(out.status[DSEC_MX], SS_FAIL);
    domain_outcome_free(&out);
}

/* ------------------------------------------------------------- timeout */

static void test_silent_resolver(void **state)
{
    (void)state;
    silent_dns sd;
    assert_int_equal(silent_dns_start(&sd), 0);
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(sd.server, &e);
    dns_resolver *r2 = dns_resolver_new(sd.server, &e);
    assert_non_null(r);
    assert_non_null(r2);

    domain_opts o = opts(D("good"));
    o.ip = "127.0.0.5";
    o.helo = "mail.smtpscope.test";
    o.timeout_ms = 300;
    domain_outcome out;
    assert_int_equal(domain_run(&o, r, r2, &out), 0);
    check_findings(&out);
    assert_int_equal(out.mx.status, DNS_TIMEOUT);
    assert_has(&out, "mx.timeout");
    assert_has(&out, "ptr.timeout");
    assert_has(&out, "helo.timeout");
    assert_has(&out, "dnsbl.timeout");
    assert_int_equal(out.status[DSEC_MX], SS_FAIL);
    assert_int_equal(out.ptr.v[0].status, DNS_TIMEOUT);
    assert_null(out.spf.walk);
    assert_non_null(out.spf.eval);
    assert_int_equal(out.spf.eval->result, SPF_RESULT_TEMPERROR);
    /* Bounded by the deadlines, not by libunbound's retry schedule (tens of
     * seconds); generous so a loaded machine never fails it. */
    assert_true(out.total_ms < 20000);
    domain_outcome_free(&out);

    dns_resolver_free(r);
    dns_resolver_free(r2);
    silent_dns_stop(&sd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_null_mx),
        cmocka_unit_test(test_mx_cname_and_literal),
        cmocka_unit_test(test_mx_hosts_without_address),
        cmocka_unit_test(test_mx_duplicate),
        cmocka_unit_test(test_implicit_none_nxdomain),
        cmocka_unit_test(test_ptr_unconfirmed),
        cmocka_unit_test(test_ptr_for_ip),
        cmocka_unit_test(test_helo),
        cmocka_unit_test(test_dnsbl_listed_mx),
        cmocka_unit_test(test_dnsbl_ip_answers),
        cmocka_unit_test(test_no_dnsbl),
        cmocka_unit_test(test_spf_walk),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_silent_resolver),
    };
    return cmocka_run_group_tests(tests, unbound_fixture_group_setup,
                                  unbound_fixture_group_teardown);
}
