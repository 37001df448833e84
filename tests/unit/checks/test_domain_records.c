/* test_domain_records.c — the record sections of the domain report (SPF,
 * DKIM, DMARC, MTA-STS, TLS-RPT: checks/domain/section_*.c) against a real
 * Unbound serving tests/integration/unbound/zones.d/domain-records.conf.
 *
 * The group setup starts the fixture (fixture.sh) and the teardown stops it
 * by PID; tests skip only when unbound is not installed and CI is unset.
 * Each test runs domain_run() with no_dnsbl on one test domain and checks
 * section statuses, finding IDs and severities, the SPF tree and lookup
 * count, DKIM key types, DMARC fallback and report authorisation, and --ip
 * results. Every finding any run emits must be in the catalogue; a last test
 * checks that every record problem code the analyzers can produce is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/domain.h"
#include "checks/finding.h"
#include "core/err.h"
#include "dns/resolver.h"

#include "support/unbound_fixture.h"

#define REC ".rec.smtpscope.test"

/* One run's options beyond the domain. */
typedef struct req {
    const char *const *selectors;
    size_t n_selectors;
    const char *ip, *sender;
} req;

/* Every finding of every run must be in the catalogue. */
static void assert_catalogued(const domain_outcome *o)
{
    for (size_t i = 0; i < o->findings.n; i++)
        if (!finding_def_lookup(o->findings.v[i].id))
            fail_msg("finding %s is not in the catalogue", o->findings.v[i].id);
}

/* Run the report for domain on the fixture (two resolvers: the SPF
 * evaluation runs in its own thread). */
static void report(void **state, const char *domain, const req *q, domain_outcome *out)
{
    unbound_fixture *f = *state;
    if (!f->port)
        skip();
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(f->server, &e);
    dns_resolver *r2 = dns_resolver_new(f->server, &e);
    if (!r || !r2)
        fail_msg("dns_resolver_new(%s): %s", f->server, e.msg);
    domain_opts o = {.domain = domain, .no_dnsbl = true, .timeout_ms = 5000};
    if (q) {
        o.selectors = q->selectors;
        o.n_selectors = q->n_selectors;
        o.ip = q->ip;
        o.sender = q->sender;
    }
    assert_int_equal(domain_run(&o, r, r2, out), 0);
    dns_resolver_free(r);
    dns_resolver_free(r2);
    assert_catalogued(out);
}

static const finding *find(const domain_outcome *o, const char *id)
{
    for (size_t i = 0; i < o->findings.n; i++)
        if (strcmp(o->findings.v[i].id, id) == 0)
            return &o->findings.v[i];
    return NULL;
}

static size_t count(const domain_outcome *o, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < o->findings.n; i++)
        n += strcmp(o->findings.v[i].id, id) == 0;
    return n;
}

static const finding *must(const domain_outcome *o, const char *id)
{
    const finding *f = find(o, id);
    if (!f) {
        for (size_t i = 0; i < o->findings.n; i++)
            print_message("  have %s: %s\n", o->findings.v[i].id, o->findings.v[i].message);
        fail_msg("no finding %s", id);
    }
    return f;
}

static void must_contain(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("'%s' does not contain '%s'", hay ? hay : "(null)", needle);
}

/* No warning or error in the record sections. */
static void records_clean(const domain_outcome *o)
{
    static const stage_id st[] = {STAGE_SPF, STAGE_DKIM, STAGE_DMARC, STAGE_MTASTS,
                                  STAGE_TLSRPT};
    for (size_t i = 0; i < o->findings.n; i++) {
        const finding *f = &o->findings.v[i];
        for (size_t k = 0; k < sizeof st / sizeof st[0]; k++)
            if (f->stage == st[k] && f->sev != SEV_INFO)
                fail_msg("unexpected %s: %s", f->id, f->message);
    }
}

/* ------------------------------------------------------------ good */

static void test_good(void **state)
{
    domain_outcome o;
    report(state, "good" REC, NULL, &o);
    records_clean(&o);
    for (int s = DSEC_SPF; s <= DSEC_TLSRPT; s++)
        assert_int_equal(o.status[s], SS_PASS);

    /* SPF: one record (the other TXT is not SPF), one include, 2 lookups */
    assert_int_equal(o.spf.n_records, 1);
    assert_non_null(o.spf.walk);
    assert_int_equal(o.spf.walk->dns_terms, 2);
    const spf_node *top = o.spf.walk->tree;
    assert_int_equal(top->nchildren, 1);
    assert_int_equal(top->children[0]->kind, SPF_NODE_INCLUDE);
    assert_string_equal(top->children[0]->domain, "_spf.good" REC);
    must_contain(o.summary[DSEC_SPF], "2 of 10 lookups, ends -all");

    /* DKIM: the default selectors find selector1 (rsa-2048) and selector2 */
    assert_true(o.dkim.defaults_used);
    assert_int_equal(o.dkim.n_keys, 2);
    assert_string_equal(o.dkim.keys[0].selector, "selector1");
    assert_int_equal(o.dkim.keys[0].key->key_type, DKIMKEY_TYPE_RSA);
    assert_int_equal(o.dkim.keys[0].key->key_bits, 2048);
    assert_string_equal(o.dkim.keys[1].selector, "selector2");
    assert_int_equal(o.dkim.keys[1].key->key_type, DKIMKEY_TYPE_ED25519);
    must_contain(o.summary[DSEC_DKIM], "2 keys: selector1 rsa-2048, selector2 ed25519");

    /* DMARC: p=reject at the domain; the internal rua needs no
     * authorisation, the external one is authorised */
    assert_false(o.dmarc.from_org);
    assert_string_equal(o.dmarc.found_at, "_dmarc.good" REC);
    assert_string_equal(o.dmarc.org_domain, "smtpscope.test");
    assert_int_equal(o.dmarc.parsed->p, DMARC_POLICY_REJECT);
    assert_int_equal(o.dmarc.n_dests, 2);
    assert_false(o.dmarc.dests[0].external);
    assert_true(o.dmarc.dests[1].external);
    assert_true(o.dmarc.dests[1].authorized);
    assert_string_equal(o.dmarc.dests[1].auth_name, "good" REC "._report._dmarc.rec-reports.test");
    must_contain(o.summary[DSEC_DMARC], "p=reject, rua 2 destinations");

    /* MTA-STS / TLS-RPT records, and the note about the policy file */
    assert_string_equal(o.mtasts.parsed->id, "20240601T01");
    assert_int_equal(o.tlsrpt.parsed->nrua, 1);
    bool noted = false;
    for (size_t i = 0; i < o.n_notes; i++)
        noted |= strstr(o.notes[i], "mta-sts.good" REC "/.well-known/mta-sts.txt") != NULL;
    assert_true(noted);
    domain_outcome_free(&o);
}

/* --ip: pass through the include (the path names both terms), and fail with
 * the matched term and the exp= explanation. */
static void test_ip(void **state)
{
    domain_outcome o;
    req q = {.ip = "198.51.100.7"};
    report(state, "good" REC, &q, &o);
    assert_int_equal(o.spf.eval->result, SPF_RESULT_PASS);
    const finding *f = must(&o, "spf.result");
    assert_int_equal(f->sev, SEV_INFO);
    must_contain(f->message, "include:_spf.good" REC " > ip4:198.51.100.0/24");
    domain_outcome_free(&o);

    q.ip = "203.0.113.5";
    report(state, "good" REC, &q, &o);
    assert_int_equal(o.spf.eval->result, SPF_RESULT_FAIL);
    f = must(&o, "spf.result");
    assert_int_equal(f->sev, SEV_ERROR);
    must_contain(f->message, "matched '-all'");
    must_contain(f->message, "203.0.113.5 is not a mail server of good" REC);
    assert_int_equal(o.status[DSEC_SPF], SS_FAIL);
    domain_outcome_free(&o);
}

/* ------------------------------------------------------------ SPF */

static void test_lookups(void **state)
{
    domain_outcome o;
    report(state, "lookups" REC, NULL, &o);
    const finding *f = must(&o, "spf.too_many_lookups");
    must_contain(f->message, "lookup 11");
    assert_int_equal(o.spf.walk->dns_terms, 11);
    assert_int_equal(o.spf.walk->result, SPF_RESULT_PERMERROR);
    /* the tree is the include chain top > l1 > l2 > l3 > l4 */
    const spf_node *n = o.spf.walk->tree;
    for (int depth = 1; depth <= 4; depth++) {
        assert_true(n->nchildren >= 1);
        n = n->children[n->nchildren - 1];
        char want[64];
        snprintf(want, sizeof want, "l%d.lookups" REC, depth);
        assert_string_equal(n->domain, want);
    }
    assert_null(find(&o, "spf.permerror"));
    assert_int_equal(o.status[DSEC_SPF], SS_FAIL);
    must_contain(o.summary[DSEC_SPF], "over 10 lookups (permerror)");
    domain_outcome_free(&o);

    report(state, "near" REC, NULL, &o);
    f = must(&o, "spf.lookups_near_limit");
    must_contain(f->message, "9 of the 10");
    assert_int_equal(o.spf.walk->dns_terms, 9);
    assert_int_equal(o.status[DSEC_SPF], SS_WARN);
    domain_outcome_free(&o);
}

/* Broken SPF policies: the finding each must give and the section status. */
static void test_spf_table(void **state)
{
    static const struct {
        const char *domain, *id;
        stage_status st;
        const char *summary; /* substring of the SPF summary, or NULL */
    } rows[] = {
        {"two" REC, "spf.multiple", SS_FAIL, "2 SPF records"},
        {"plusall" REC, "spf.all_pass", SS_FAIL, "ends +all"},
        {"incplus" REC, "spf.all_pass", SS_FAIL, "ends -all"},
        {"neutral" REC, "spf.all_neutral", SS_WARN, "ends ?all"},
        {"noall" REC, "spf.no_all", SS_WARN, "no all (neutral)"},
        {"ptr" REC, "spf.ptr_used", SS_WARN, NULL},
        {"incmissing" REC, "spf.include_missing", SS_FAIL, NULL},
        {"long" REC, "spf.record_long", SS_PASS, NULL},
        {"pnone" REC, "spf.softfail_all", SS_PASS, "ends ~all"},
        {"redirect" REC, NULL, SS_PASS, "after redirect, ends -all"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        domain_outcome o;
        report(state, rows[i].domain, NULL, &o);
        if (rows[i].id)
            must(&o, rows[i].id);
        if (o.status[DSEC_SPF] != rows[i].st)
            fail_msg("%s: SPF status %d, want %d", rows[i].domain, o.status[DSEC_SPF],
                     rows[i].st);
        if (rows[i].summary)
            must_contain(o.summary[DSEC_SPF], rows[i].summary);
        domain_outcome_free(&o);
    }

    domain_outcome o;
    report(state, "two" REC, NULL, &o);
    assert_int_equal(o.spf.n_records, 2);
    assert_null(o.spf.walk);
    domain_outcome_free(&o);

    /* the include target without a record: include_missing, not a second
     * generic permerror */
    report(state, "incmissing" REC, NULL, &o);
    assert_null(find(&o, "spf.permerror"));
    must_contain(must(&o, "spf.include_missing")->message, "include:nospf" REC);
    domain_outcome_free(&o);

    /* a redirect to a good record: no "no all" */
    report(state, "redirect" REC, NULL, &o);
    assert_null(find(&o, "spf.no_all"));
    assert_int_equal(o.spf.walk->tree->nchildren, 1);
    assert_int_equal(o.spf.walk->tree->children[0]->kind, SPF_NODE_REDIRECT);
    domain_outcome_free(&o);
}

/* Macros in exists and include: the walk expands them (one void lookup for
 * an address nobody lists); --ip with the sender that exists names passes. */
static void test_macro(void **state)
{
    domain_outcome o;
    req q = {.ip = "192.0.2.55", .sender = "alice+tag@macro" REC};
    report(state, "macro" REC, &q, &o);
    assert_int_equal(o.spf.walk->dns_terms, 2);
    assert_int_equal(o.spf.walk->void_lookups, 1);
    assert_int_equal(o.spf.walk->tree->nchildren, 1);
    assert_string_equal(o.spf.walk->tree->children[0]->domain, "_inc.macro" REC);
    assert_int_equal(o.spf.eval->result, SPF_RESULT_PASS);
    must_contain(must(&o, "spf.result")->message, "exists:%{ir}.%{l1r+-}._spf.%{d}");
    domain_outcome_free(&o);

    q.ip = "192.0.2.56";
    report(state, "macro" REC, &q, &o);
    assert_int_equal(o.spf.eval->result, SPF_RESULT_FAIL);
    domain_outcome_free(&o);
}

/* ------------------------------------------------------------ DKIM */

static void test_dkim_selectors(void **state)
{
    static const char *const sel[] = {"k1024", "k512", "revoked", "testing", "badb64", "absent"};
    req q = {.selectors = sel, .n_selectors = 6};
    domain_outcome o;
    report(state, "dkim" REC, &q, &o);
    assert_false(o.dkim.defaults_used);
    assert_int_equal(o.dkim.n_tried, 6);
    assert_int_equal(o.dkim.n_keys, 6); /* given selectors are kept, found or not */
    assert_int_equal(o.dkim.keys[0].key->key_bits, 1024);
    assert_int_equal(o.dkim.keys[1].key->key_bits, 512);
    assert_true(o.dkim.keys[2].key->revoked);
    assert_true(o.dkim.keys[3].key->testing);
    assert_null(o.dkim.keys[5].key);
    assert_int_equal(o.dkim.keys[5].status, DNS_NXDOMAIN);
    assert_int_equal(must(&o, "dkim.key_short")->sev, SEV_WARNING);
    assert_int_equal(must(&o, "dkim.key_weak")->sev, SEV_ERROR);
    must(&o, "dkim.key_revoked");
    must(&o, "dkim.t_testing");
    must(&o, "dkim.p_base64");
    must_contain(must(&o, "dkim.key_missing")->message, "absent._domainkey.dkim" REC);
    assert_null(find(&o, "dkim.none_found"));
    assert_int_equal(o.status[DSEC_DKIM], SS_FAIL);
    must_contain(o.summary[DSEC_DKIM], "5 of 6 selectors with a key: k1024 rsa-1024, k512 "
                                       "rsa-512, revoked revoked, testing ed25519, badb64 "
                                       "invalid, absent missing");
    domain_outcome_free(&o);
}

/* ------------------------------------------------------------ DMARC */

static void test_dmarc_pnone(void **state)
{
    domain_outcome o;
    report(state, "pnone" REC, NULL, &o);
    /* a sending domain (it has SPF): p=none is a warning */
    assert_int_equal(must(&o, "dmarc.p_none")->sev, SEV_WARNING);
    assert_int_equal(o.dmarc.n_dests, 2);
    assert_true(o.dmarc.dests[0].external);
    assert_true(o.dmarc.dests[0].authorized);
    assert_true(o.dmarc.dests[1].external);
    assert_false(o.dmarc.dests[1].authorized);
    assert_int_equal(o.dmarc.dests[1].auth_status, DNS_NXDOMAIN);
    assert_int_equal(count(&o, "dmarc.rua_unauthorized"), 1);
    must_contain(must(&o, "dmarc.rua_unauthorized")->message, "rec-other.test");
    assert_int_equal(o.status[DSEC_DMARC], SS_WARN);
    must_contain(o.summary[DSEC_DMARC], "(1 unauthorised)");
    domain_outcome_free(&o);
}

/* No record at the domain: the organisational domain's applies (wave 1),
 * and its external rua is checked for that domain (wave 2). */
static void test_dmarc_org(void **state)
{
    domain_outcome o;
    report(state, "orgonly" REC, NULL, &o);
    assert_true(o.dmarc.from_org);
    assert_string_equal(o.dmarc.org_domain, "smtpscope.test");
    assert_string_equal(o.dmarc.found_at, "_dmarc.smtpscope.test");
    assert_int_equal(o.dmarc.parsed->p, DMARC_POLICY_QUARANTINE);
    assert_int_equal(o.dmarc.parsed->sp, DMARC_POLICY_REJECT);
    must(&o, "dmarc.from_org");
    assert_int_equal(o.dmarc.n_dests, 2);
    assert_false(o.dmarc.dests[0].external);
    assert_true(o.dmarc.dests[1].external);
    assert_true(o.dmarc.dests[1].authorized);
    assert_string_equal(o.dmarc.dests[1].auth_name,
                        "smtpscope.test._report._dmarc.rec-reports.test");
    assert_true(o.waves >= 3);
    assert_int_equal(o.status[DSEC_DMARC], SS_PASS);
    domain_outcome_free(&o);
}

static void test_dmarc_none_multiple(void **state)
{
    domain_outcome o;
    /* sends mail (SPF), no DMARC at the domain nor its organisational domain */
    report(state, "nodmarc.rec-none.test", NULL, &o);
    assert_string_equal(o.dmarc.org_domain, "rec-none.test");
    assert_int_equal(must(&o, "dmarc.none")->sev, SEV_ERROR);
    assert_int_equal(o.status[DSEC_DMARC], SS_FAIL);
    domain_outcome_free(&o);

    /* nothing at all: every record is missing; not a sending domain */
    report(state, "nothing.rec-none.test", NULL, &o);
    assert_int_equal(must(&o, "dmarc.none")->sev, SEV_WARNING);
    must(&o, "spf.none");
    must(&o, "dkim.none_found");
    must(&o, "mtasts.none");
    must(&o, "tlsrpt.none");
    assert_int_equal(o.dkim.n_keys, 0);
    assert_null(o.spf.walk);
    assert_int_equal(o.status[DSEC_MTASTS], SS_PASS);
    domain_outcome_free(&o);

    report(state, "dmarc2" REC, NULL, &o);
    must(&o, "dmarc.multiple");
    assert_int_equal(o.dmarc.n_records, 2);
    assert_null(o.dmarc.parsed);
    assert_false(o.dmarc.from_org); /* several records: no fallback (§6.6.3) */
    domain_outcome_free(&o);
}

/* ------------------------------------------------------------ MTA-STS, TLS-RPT */

static void test_sts_tlsrpt(void **state)
{
    domain_outcome o;
    report(state, "stsbad" REC, NULL, &o);
    must_contain(must(&o, "mtasts.id_invalid")->message, "_mta-sts.stsbad" REC);
    must(&o, "tlsrpt.rua_missing");
    assert_int_equal(o.status[DSEC_MTASTS], SS_FAIL);
    assert_int_equal(o.status[DSEC_TLSRPT], SS_FAIL);
    assert_int_equal(o.mtasts.txt.n_records, 1);
    domain_outcome_free(&o);
}

/* ------------------------------------------------------------ catalogue */

/* The "code" string literals in one analyzer source (or in the part of it
 * between from and to, when given). */
static void check_codes(const char *file, const char *prefix, const char *from, const char *to)
{
    char path[256];
    snprintf(path, sizeof path, SOURCE_DIR "/src/analysis/%s", file);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    char *p = buf, *end = buf + n;
    if (from)
        assert_non_null(p = strstr(buf, from));
    if (to)
        assert_non_null(end = strstr(p, to));
    size_t found = 0;
    char needle[32];
    snprintf(needle, sizeof needle, "\"%s.", prefix);
    for (char *q = strstr(p, needle); q && q < end; q = strstr(q + 1, needle)) {
        char id[64];
        size_t k = 0;
        for (const char *c = q + 1; *c != '"' && k < sizeof id - 1; c++)
            id[k++] = *c;
        id[k] = '\0';
        if (!finding_def_lookup(id))
            fail_msg("%s: problem code %s is not in the catalogue", file, id);
        found++;
    }
    assert_true(found > 5);
}

static void test_catalogue(void **state)
{
    (void)state;
    check_codes("dmarc/dmarc.c", "dmarc", NULL, NULL);
    check_codes("dkim/dkimkey.c", "dkim", NULL, NULL);
    check_codes("tlsrpt/tlsrpt.c", "tlsrpt", NULL, NULL);
    /* the TXT record only: this test runs without the policy fetch */
    check_codes("mtasts/mtasts.c", "mtasts", "int mtasts_record_parse(", "\n}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_ip),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_spf_table),
        cmocka_unit_test(test_macro),
        cmocka_unit_test(test_dkim_selectors),
        cmocka_unit_test(test_dmarc_pnone),
        cmocka_unit_test(test_dmarc_org),
        cmocka_unit_test(test_dmarc_none_multiple),
        cmocka_unit_test(test_sts_tlsrpt),
        cmocka_unit_test(test_catalogue),
    };
    return cmocka_run_group_tests(tests, unbound_fixture_group_setup,
                                  unbound_fixture_group_teardown);
}
