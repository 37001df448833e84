/* test_render_domain.c — the `domain` renderers (src/report/render_domain_text.c,
 * render_domain_json.c) and the shared pieces they use (render_textw.c,
 * render_jsonb.c).
 *
 * Domain outcomes are built by hand with fixed timings, so the documents are
 * deterministic and compared with golden files under tests/golden/report/
 * (domain_<case>.txt.ref, domain_<case>.json.ref; regenerate with
 * SMTPSCOPE_GOLDEN_UPDATE=1 and review the diff). The JSON is parsed back and
 * checked key by key, and every key it holds must be documented in the
 * "domain" part of docs/json.md (and every field documented there must
 * occur), so the docs cannot drift from the renderer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "analysis/dkim/dkimkey.h"
#include "analysis/dmarc/dmarc.h"
#include "analysis/mtasts/mtasts.h"
#include "analysis/spf/spf_eval.h"
#include "analysis/tlsrpt/tlsrpt.h"
#include "checks/domain.h"
#include "checks/finding.h"
#include "checks/sweep.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "report/render.h"
#include "report/render_domain.h"
#include "report/result.h"
#include "support/golden.h"
#include "support/report/result_fixture.h"
#include "support/report/json_keys.h"

#define GOLDEN_DIR SOURCE_DIR "/tests/golden/report"

/* ---- small builders ---- */

/* Grow an array of structs by one zeroed element; returns it. */
static void *grow(void **v, size_t *n, size_t size)
{
    char *p = realloc(*v, (*n + 1) * size);
    assert_non_null(p);
    memset(p + *n * size, 0, size);
    *v = p;
    return p + (*n)++ * size;
}
#define GROW(arr, n) ((__typeof__(arr))grow((void **)&(arr), &(n), sizeof *(arr)))

static domain_outcome *dom_new(const char *domain, int64_t ms, unsigned queries, unsigned waves,
                               bool validated)
{
    domain_outcome *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->domain = rf_strdup(domain);
    d->total_ms = ms;
    d->queries = queries;
    d->waves = waves;
    d->dnssec_validated = validated;
    return d;
}

static void sec(domain_outcome *d, domain_section_id s, stage_status st, const char *summary)
{
    d->status[s] = st;
    free(d->summary[s]);
    d->summary[s] = summary ? rf_strdup(summary) : NULL;
}

/* addrs: comma-separated, "" for none. */
static domain_mx_host *mx_host(domain_outcome *d, unsigned pref, const char *host, dns_status st,
                               dns_dnssec ds, const char *addrs)
{
    domain_mx_host *h = GROW(d->mx.hosts, d->mx.n_hosts);
    h->pref = pref;
    h->host = rf_strdup(host);
    h->addr_status = st;
    h->dnssec = ds;
    char *copy = rf_strdup(addrs), *save = NULL;
    for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save))
        rf_strv_push(&h->addrs, &h->n_addrs, a);
    free(copy);
    return h;
}

static spf_node *node(spf_node_kind k, const char *domain, const char *record, const char *matched,
                      spf_result r, unsigned lookups, const char *reason)
{
    spf_node *n = calloc(1, sizeof *n);
    assert_non_null(n);
    n->kind = k;
    n->domain = rf_strdup(domain);
    n->record = record ? rf_strdup(record) : NULL;
    n->matched = matched ? rf_strdup(matched) : NULL;
    n->result = r;
    n->lookups = lookups;
    n->reason = reason ? rf_strdup(reason) : NULL;
    return n;
}

static spf_node *child(spf_node *parent, spf_node *c)
{
    spf_node **v = realloc(parent->children, (parent->nchildren + 1) * sizeof *v);
    assert_non_null(v);
    parent->children = v;
    v[parent->nchildren++] = c;
    return c;
}

static spf_outcome *spf_out(spf_result r, const char *domain, const char *explanation,
                            const char *reason, unsigned terms, unsigned voids, spf_node *tree)
{
    spf_outcome *o = calloc(1, sizeof *o);
    assert_non_null(o);
    o->result = r;
    o->domain = rf_strdup(domain);
    o->explanation = explanation ? rf_strdup(explanation) : NULL;
    o->reason = rf_strdup(reason);
    o->dns_terms = terms;
    o->void_lookups = voids;
    o->tree = tree;
    return o;
}

static domain_dkim_key *dkim_key(domain_outcome *d, const char *sel, dns_status st,
                                 const char *record)
{
    domain_dkim_key *k = GROW(d->dkim.keys, d->dkim.n_keys);
    k->selector = rf_strdup(sel);
    k->name = xasprintf("%s._domainkey.%s", sel, d->domain);
    assert_non_null(k->name);
    k->status = st;
    k->record = record ? rf_strdup(record) : NULL;
    if (record) {
        k->key = calloc(1, sizeof *k->key);
        assert_non_null(k->key);
        k->key->has_v = true;
        k->key->k = DKIMKEY_TYPE_RSA;
        k->key->hashes = DKIMKEY_HASH_ALL;
        k->key->service_email = true;
    }
    return k;
}

static void dmarc_set(domain_outcome *d, const char *at, const char *record, dns_dnssec ds)
{
    d->dmarc.status = DNS_OK;
    d->dmarc.dnssec = ds;
    d->dmarc.found_at = rf_strdup(at);
    d->dmarc.record = rf_strdup(record);
    d->dmarc.n_records = 1;
    err e;
    err_clear(&e);
    assert_int_equal(dmarc_parse(record, strlen(record), &d->dmarc.parsed, &e), 0);
}

static void dmarc_dest(domain_outcome *d, const char *uri, const char *auth_name, bool authorized,
                       dns_status st)
{
    domain_dmarc_dest *dd = GROW(d->dmarc.dests, d->dmarc.n_dests);
    dd->uri = rf_strdup(uri);
    dd->external = auth_name != NULL;
    dd->auth_name = auth_name ? rf_strdup(auth_name) : NULL;
    dd->authorized = authorized;
    dd->auth_status = st;
}

static domain_ptr_entry *ptr(domain_outcome *d, const char *addr, const char *for_host,
                             dns_status st, const char *name, bool confirmed)
{
    domain_ptr_entry *p = GROW(d->ptr.v, d->ptr.n);
    p->addr = rf_strdup(addr);
    p->for_host = for_host ? rf_strdup(for_host) : NULL;
    p->status = st;
    if (name)
        rf_strv_push(&p->names, &p->n_names, name);
    p->confirmed = confirmed;
    p->confirmed_name = confirmed && name ? rf_strdup(name) : NULL;
    return p;
}

static domain_dnsbl_entry *bl(domain_outcome *d, const char *addr, const char *zone,
                              dns_status st, const char *code, const char *reason)
{
    domain_dnsbl_entry *e = GROW(d->dnsbl.v, d->dnsbl.n);
    e->addr = rf_strdup(addr);
    e->zone = rf_strdup(zone);
    /* The reversed IPv4 address, as the engine asks it. */
    unsigned a, b, c, x;
    assert_int_equal(sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &x), 4);
    e->query = xasprintf("%u.%u.%u.%u.%s", x, c, b, a, zone);
    assert_non_null(e->query);
    e->status = st;
    if (code) {
        rf_strv_push(&e->codes, &e->n_codes, code);
        e->refused = strncmp(code, "127.255.255.", 12) == 0;
        e->listed = !e->refused;
    }
    e->reason = reason ? rf_strdup(reason) : NULL;
    return e;
}

static result *finish(domain_outcome *d)
{
    result *r = result_new("domain");
    assert_non_null(r);
    assert_int_equal(result_take_domain(r, d), 0);
    result_finish(r);
    return r;
}

/* ---- the cases ---- */

/* A well-kept domain: DNSSEC-signed, two MX hosts with FCrDNS, a strict SPF
 * with one include, a 2048-bit key, p=reject, MTA-STS and TLS-RPT. */
static result *build_good(void)
{
    domain_outcome *d = dom_new("example.com", 183, 24, 4, true);
    sec(d, DSEC_MX, SS_PASS, "2 hosts, all with addresses");
    sec(d, DSEC_SPF, SS_PASS, "one record, 2/10 lookups, ends in -all");
    sec(d, DSEC_DKIM, SS_PASS, "1 key: s2024 (rsa 2048)");
    sec(d, DSEC_DMARC, SS_PASS, "p=reject at _dmarc.example.com");
    sec(d, DSEC_MTASTS, SS_PASS, "record found (id 20240101T000000)");
    sec(d, DSEC_TLSRPT, SS_PASS, "reports to 1 address");
    sec(d, DSEC_PTR, SS_PASS, "3 addresses, all forward-confirmed");
    sec(d, DSEC_HELO, SS_SKIP, "no --helo given");
    sec(d, DSEC_DNSBL, SS_PASS, "3 addresses × 2 lists: not listed");

    d->mx.status = DNS_OK;
    d->mx.dnssec = DNSSEC_SECURE;
    mx_host(d, 10, "mx1.example.com", DNS_OK, DNSSEC_SECURE, "2001:db8::1,192.0.2.1");
    mx_host(d, 20, "mx2.example.com", DNS_OK, DNSSEC_SECURE, "192.0.2.2");

    d->spf.status = DNS_OK;
    d->spf.dnssec = DNSSEC_SECURE;
    rf_strv_push(&d->spf.records, &d->spf.n_records, "v=spf1 mx include:_spf.example.net -all");
    spf_node *top = node(SPF_NODE_TOP, "example.com", "v=spf1 mx include:_spf.example.net -all",
                         "-all", SPF_RESULT_FAIL, 2, NULL);
    child(top, node(SPF_NODE_INCLUDE, "_spf.example.net", "v=spf1 ip4:198.51.100.0/24 ~all",
                    "~all", SPF_RESULT_SOFTFAIL, 2, NULL));
    d->spf.walk = spf_out(SPF_RESULT_FAIL, "example.com", NULL, "'-all' matched", 2, 0, top);

    d->dkim.n_tried = 1;
    domain_dkim_key *k = dkim_key(d, "s2024", DNS_OK, "v=DKIM1; k=rsa; p=MIIBIjANBgkqh…");
    k->dnssec = DNSSEC_SECURE;
    k->key->key_type = DKIMKEY_TYPE_RSA;
    k->key->key_bits = 2048;

    dmarc_set(d, "_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:dmarc@example.com",
              DNSSEC_SECURE);
    dmarc_dest(d, "mailto:dmarc@example.com", NULL, false, DNS_OK);

    err e;
    err_clear(&e);
    const char *sts = "v=STSv1; id=20240101T000000";
    d->mtasts.txt = (domain_txt_policy){.status = DNS_OK, .dnssec = DNSSEC_SECURE,
                                        .record = rf_strdup(sts), .n_records = 1};
    assert_int_equal(mtasts_record_parse(sts, strlen(sts), &d->mtasts.parsed, &e), 0);
    /* the fetched policy: both MX covered by a wildcard, one certificate checked */
    domain_sts_policy *sp = calloc(1, sizeof *sp);
    assert_non_null(sp);
    sp->url = rf_strdup("https://mta-sts.example.com/.well-known/mta-sts.txt");
    sp->fetched = true;
    sp->http_status = 200;
    sp->content_type = rf_strdup("text/plain");
    sp->address = rf_strdup("192.0.2.80");
    const char *pol = "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 1209600\n";
    assert_int_equal(mtasts_policy_parse(pol, strlen(pol), &sp->parsed, &e), 0);
    sp->mx = calloc(2, sizeof *sp->mx);
    assert_non_null(sp->mx);
    sp->n_mx = 2;
    sp->mx[0] = (domain_sts_mx){.host = rf_strdup("mx1.example.com"),
                                .pattern = rf_strdup("*.example.com"), .cert_checked = true,
                                .port = 25, .cert_valid = true};
    sp->mx[1] = (domain_sts_mx){.host = rf_strdup("mx2.example.com"),
                                .pattern = rf_strdup("*.example.com"), .port = 25,
                                .cert_error = rf_strdup("not checked: port 25 is timeout")};
    sp->certs_checked = true;
    d->mtasts.policy = sp;
    const char *rpt = "v=TLSRPTv1; rua=mailto:tls-reports@example.com";
    d->tlsrpt.txt = (domain_txt_policy){.status = DNS_OK, .dnssec = DNSSEC_SECURE,
                                        .record = rf_strdup(rpt), .n_records = 1};
    assert_int_equal(tlsrpt_parse(rpt, strlen(rpt), &d->tlsrpt.parsed, &e), 0);

    ptr(d, "2001:db8::1", "mx1.example.com", DNS_OK, "mx1.example.com", true);
    ptr(d, "192.0.2.1", "mx1.example.com", DNS_OK, "mx1.example.com", true);
    ptr(d, "192.0.2.2", "mx2.example.com", DNS_OK, "mx2.example.com", true);

    rf_strv_push(&d->dnsbl.zones, &d->dnsbl.n_zones, "bl.example.net");
    rf_strv_push(&d->dnsbl.zones, &d->dnsbl.n_zones, "dnsbl.example.org");
    bl(d, "192.0.2.1", "bl.example.net", DNS_NXDOMAIN, NULL, NULL);
    bl(d, "192.0.2.1", "dnsbl.example.org", DNS_NXDOMAIN, NULL, NULL);
    bl(d, "192.0.2.2", "bl.example.net", DNS_NXDOMAIN, NULL, NULL);
    bl(d, "192.0.2.2", "dnsbl.example.org", DNS_NXDOMAIN, NULL, NULL);

    rf_finding(&d->findings, "mtasts.policy_not_fetched", SEV_INFO, false, STAGE_MTASTS,
               "The MTA-STS policy file was not fetched",
               "The TLS audit fetches and checks "
               "https://mta-sts.example.com/.well-known/mta-sts.txt.");
    return finish(d);
}

/* Everything wrong at once, with --ip, --helo and --connect: a CNAME and an
 * IP literal as MX, an SPF tree over the lookup limit holding raw control
 * bytes, a failing --ip, weak and revoked keys, p=none with an unauthorised
 * external rua, two TLS-RPT records, no FCrDNS, a bad HELO and a listing. */
static result *build_bad(void)
{
    domain_outcome *d = dom_new("bad.example", 2350, 41, 4, false);
    sec(d, DSEC_MX, SS_FAIL, "3 hosts; one is an IP literal, one has no address");
    sec(d, DSEC_SPF, SS_FAIL, "permerror: 11 DNS lookups (limit 10)");
    sec(d, DSEC_DKIM, SS_FAIL, "3 selectors: 1 weak key, 1 revoked, 1 missing");
    sec(d, DSEC_DMARC, SS_WARN, "p=none: receivers are asked to do nothing");
    sec(d, DSEC_MTASTS, SS_PASS, "no record (MTA-STS not used)");
    sec(d, DSEC_TLSRPT, SS_FAIL, "2 records; receivers use neither");
    sec(d, DSEC_PTR, SS_WARN, "2 addresses, none forward-confirmed");
    sec(d, DSEC_HELO, SS_WARN, "localhost is not a fully qualified name");
    sec(d, DSEC_DNSBL, SS_FAIL, "203.0.113.9 listed on bl.example.net");

    d->mx.status = DNS_OK;
    domain_mx_host *h = mx_host(d, 10, "mx.bad.example", DNS_OK, DNSSEC_UNCHECKED, "198.51.100.7");
    h->cname = rf_strdup("mail.other.example");
    h->probe = calloc(1, sizeof *h->probe);
    assert_non_null(h->probe);
    h->probe->ports[h->probe->n++] = (sweep_port){
        .port = 25, .state = PORT_OPEN, .tls = TLSM_STARTTLS, .banner_code = 220, .ms = 41,
        .summary = rf_strdup("open — STARTTLS offered")};
    h->probe->ports[h->probe->n++] = (sweep_port){
        .port = 587, .state = PORT_REFUSED, .tls = TLSM_NONE, .ms = 1,
        .summary = rf_strdup("refused — nothing listens on 587")};
    h->probe->best_port = 25;
    h = mx_host(d, 20, "192.0.2.55", DNS_NXDOMAIN, DNSSEC_UNCHECKED, "");
    h->ip_literal = true;
    mx_host(d, 30, "gone.bad.example", DNS_NXDOMAIN, DNSSEC_UNCHECKED, "");

    d->spf.status = DNS_OK;
    rf_strv_push(&d->spf.records, &d->spf.n_records,
                 "v=spf1 include:a.bad.example include:b.bad.example ?all");
    spf_node *top = node(SPF_NODE_TOP, "bad.example",
                         "v=spf1 include:a.bad.example include:b.bad.example ?all", NULL,
                         SPF_RESULT_PERMERROR, 11,
                         "more than 10 DNS-querying terms, at 'a' in b.bad.example (RFC 7208 "
                         "§4.6.4)");
    /* Raw DNS bytes in the tree: the renderer must escape them. */
    spf_node *a = child(top, node(SPF_NODE_INCLUDE, "a.bad.example",
                                  "v=spf1 mx ptr exists:%{i}.x.bad.example \x1b[31m redirect="
                                  "c.bad.example",
                                  NULL, SPF_RESULT_FAIL, 9, NULL));
    child(a, node(SPF_NODE_REDIRECT, "c.bad.example", "v=spf1 mx mx mx mx -all", "-all",
                  SPF_RESULT_FAIL, 9, NULL));
    child(top, node(SPF_NODE_INCLUDE, "b.bad.example", "v=spf1 a a -all", NULL,
                    SPF_RESULT_PERMERROR, 11,
                    "more than 10 DNS-querying terms, at 'a' in b.bad.example (RFC 7208 §4.6.4)"));
    d->spf.walk = spf_out(SPF_RESULT_PERMERROR, "bad.example", NULL,
                          "more than 10 DNS-querying terms, at 'a' in b.bad.example (RFC 7208 "
                          "§4.6.4)",
                          11, 1, top);
    spf_node *et = node(SPF_NODE_TOP, "bad.example", "v=spf1 ip4:192.0.2.0/24 -all", "-all",
                        SPF_RESULT_FAIL, 0, NULL);
    d->spf.eval = spf_out(SPF_RESULT_FAIL, "bad.example",
                          "Not authorised \x07 grüße, see https://bad.example/spf",
                          "'-all' matched", 0, 0, et);
    d->spf.eval_ip = rf_strdup("203.0.113.9");

    d->dkim.n_tried = 3;
    domain_dkim_key *k = dkim_key(d, "weak", DNS_OK, "v=DKIM1; t=y; p=MFwwDQYJKoZIhvcNAQEBBQ…");
    k->key->key_type = DKIMKEY_TYPE_RSA;
    k->key->key_bits = 512;
    k->key->testing = true;
    k = dkim_key(d, "old", DNS_OK, "v=DKIM1; p=");
    k->key->revoked = true;
    dkim_key(d, "gone", DNS_NXDOMAIN, NULL);

    dmarc_set(d, "_dmarc.bad.example",
              "v=DMARC1; p=none; rua=mailto:reports@collector.example,mailto:d@bad.example",
              DNSSEC_UNCHECKED);
    dmarc_dest(d, "mailto:reports@collector.example",
               "bad.example._report._dmarc.collector.example", false, DNS_NXDOMAIN);
    dmarc_dest(d, "mailto:d@bad.example", NULL, false, DNS_OK);

    d->mtasts.txt.status = DNS_NXDOMAIN;
    err e;
    err_clear(&e);
    const char *rpt = "v=TLSRPTv1; rua=mailto:a@bad.example";
    d->tlsrpt.txt = (domain_txt_policy){.status = DNS_OK, .record = rf_strdup(rpt),
                                        .n_records = 2};
    assert_int_equal(tlsrpt_parse(rpt, strlen(rpt), &d->tlsrpt.parsed, &e), 0);

    ptr(d, "198.51.100.7", "mx.bad.example", DNS_OK, "host-198-51-100-7.isp.example", false);
    ptr(d, "203.0.113.9", NULL, DNS_NXDOMAIN, NULL, false);

    d->helo.name = rf_strdup("localhost");
    d->helo.status = DNS_NXDOMAIN;

    rf_strv_push(&d->dnsbl.zones, &d->dnsbl.n_zones, "bl.example.net");
    rf_strv_push(&d->dnsbl.zones, &d->dnsbl.n_zones, "rbl.example.org");
    bl(d, "198.51.100.7", "bl.example.net", DNS_NXDOMAIN, NULL, NULL);
    bl(d, "198.51.100.7", "rbl.example.org", DNS_NXDOMAIN, NULL, NULL);
    bl(d, "203.0.113.9", "bl.example.net", DNS_OK, "127.0.0.2",
       "Listed \\x1B[31m see https://bl.example.net/q?203.0.113.9");
    bl(d, "203.0.113.9", "rbl.example.org", DNS_OK, "127.255.255.254", NULL);

    rf_finding(&d->findings, "mx.cname", SEV_WARNING, false, STAGE_MX,
               "MX host mx.bad.example is a CNAME (to mail.other.example)",
               "Point the MX record at the canonical name (RFC 2181 §10.3).");
    rf_finding(&d->findings, "mx.ip_literal", SEV_ERROR, false, STAGE_MX,
               "MX 20 is the IP literal 192.0.2.55, not a host name",
               "Publish an A record for a host name and point the MX at it.");
    rf_finding(&d->findings, "spf.too_many_lookups", SEV_ERROR, false, STAGE_SPF,
               "Evaluating bad.example needs 11 DNS lookups; the limit is 10",
               "Flatten includes you control or drop services you no longer use.");
    rf_finding(&d->findings, "dkim.key_weak", SEV_ERROR, false, STAGE_DKIM,
               "weak._domainkey.bad.example holds a 512-bit RSA key", "Publish a 2048-bit key.");
    rf_finding(&d->findings, "dkim.key_revoked", SEV_WARNING, false, STAGE_DKIM,
               "old._domainkey.bad.example is revoked (empty p=)",
               "Remove the record once no mail signed with it is in flight.");
    rf_finding(&d->findings, "dkim.not_found", SEV_ERROR, false, STAGE_DKIM,
               "gone._domainkey.bad.example: no DKIM key (nxdomain)",
               "Check the selector your signer uses.");
    rf_finding(&d->findings, "dmarc.p_none", SEV_WARNING, false, STAGE_DMARC,
               "p=none asks receivers to do nothing with mail that fails DMARC",
               "Move to p=quarantine, then p=reject, once reports show your mail aligns.");
    rf_finding(&d->findings, "dmarc.rua_unauthorized", SEV_WARNING, false, STAGE_DMARC,
               "collector.example does not accept DMARC reports for bad.example",
               "Ask collector.example to publish bad.example._report._dmarc.collector.example.");
    rf_finding(&d->findings, "tlsrpt.multiple", SEV_ERROR, false, STAGE_TLSRPT,
               "2 TLS-RPT records at _smtp._tls.bad.example", "Keep exactly one.");
    rf_finding(&d->findings, "ptr.not_confirmed", SEV_WARNING, false, STAGE_PTR,
               "198.51.100.7 → host-198-51-100-7.isp.example, which does not resolve back",
               "Ask whoever runs the address to set a PTR that resolves back to it.");
    rf_finding(&d->findings, "helo.not_fqdn", SEV_WARNING, false, STAGE_HELO,
               "HELO name localhost is not a fully qualified domain name",
               "Use the host's public name, one that resolves to its address.");
    rf_finding(&d->findings, "dnsbl.listed", SEV_ERROR, false, STAGE_DNSBL,
               "203.0.113.9 is listed on bl.example.net (127.0.0.2): Listed \\x1B[31m",
               "Follow the list's removal procedure after fixing the cause.");
    rf_finding(&d->findings, "dnsbl.refused", SEV_INFO, false, STAGE_DNSBL,
               "rbl.example.org refuses queries from this resolver",
               "Query the list through your own resolver.");
    rf_finding(&d->findings, "domain.partial", SEV_INFO, false, STAGE_NONE,
               "some answers came late", "");
    rf_strv_push(&d->notes, &d->n_notes, "DNS wave 4: 2 of 8 queries unanswered at the deadline");
    return finish(d);
}

/* A resolver that stops answering: timeouts everywhere (temporary), a null
 * MX, the default selectors tried, no blocklists (--no-dnsbl). */
static result *build_tempfail(void)
{
    domain_outcome *d = dom_new("nullmx.example", 5012, 35, 1, false);
    sec(d, DSEC_MX, SS_PASS, "null MX: the domain accepts no mail");
    sec(d, DSEC_SPF, SS_FAIL, "TXT lookup timed out");
    sec(d, DSEC_DKIM, SS_PASS, "no key under 29 common selectors");
    sec(d, DSEC_DMARC, SS_FAIL, "lookup timed out");
    sec(d, DSEC_MTASTS, SS_PASS, NULL);
    sec(d, DSEC_TLSRPT, SS_PASS, NULL);
    sec(d, DSEC_PTR, SS_SKIP, "no addresses to check");
    sec(d, DSEC_HELO, SS_SKIP, NULL);
    sec(d, DSEC_DNSBL, SS_SKIP, "--no-dnsbl");
    d->mx.status = DNS_OK;
    d->mx.null_mx = true;
    d->spf.status = DNS_TIMEOUT;
    d->dkim.defaults_used = true;
    d->dkim.n_tried = 29;
    d->dmarc.status = DNS_TIMEOUT;
    d->mtasts.txt.status = DNS_NODATA;
    d->tlsrpt.txt.status = DNS_NXDOMAIN;
    rf_finding(&d->findings, "spf.timeout", SEV_ERROR, true, STAGE_SPF,
               "The TXT lookup for nullmx.example timed out", "Retry later.");
    rf_finding(&d->findings, "dmarc.timeout", SEV_ERROR, true, STAGE_DMARC,
               "The lookup of _dmarc.nullmx.example timed out", "Retry later.");
    return finish(d);
}

/* What a run that found nothing at all looks like (every section skipped). */
static result *build_empty(void)
{
    return finish(dom_new("empty.example", 0, 0, 0, false));
}

/* ---- JSON shape (docs/json.md, "domain") ---- */

static const char *const dns_statuses[] = {"ok", "nxdomain", "nodata", "servfail", "timeout",
                                           "error"};
static const char *const dnssec_states[] = {"unchecked", "insecure", "secure", "bogus"};

static void expect_one_of(json_t *v, const char *const *set, size_t n, const char *what)
{
    const char *s = json_string_value(v);
    if (!s)
        fail_msg("%s is not a string", what);
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return;
    fail_msg("%s is \"%s\", not a documented value", what, s);
}
#define STATUS(v, what) expect_one_of((v), dns_statuses, 6, (what))
#define DNSSEC(v, what) expect_one_of((v), dnssec_states, 4, (what))

static void check_spf_node(json_t *n, int depth)
{
    if (json_is_null(n))
        return;
    RF_KEYS(n, "spf tree node", "kind", "domain", "record", "matched", "result", "lookups",
            "reason", "children");
    assert_true(json_is_array(json_object_get(n, "children")));
    assert_true(json_is_integer(json_object_get(n, "lookups")));
    assert_true(depth < 30);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(n, "children"), i, c) {
        const char *kind = json_string_value(json_object_get(c, "kind"));
        assert_true(strcmp(kind, "include") == 0 || strcmp(kind, "redirect") == 0);
        check_spf_node(c, depth + 1);
    }
}

static void check_schema(json_t *doc)
{
    RF_KEYS(doc, "domain document", "tool", "version", "schema", "command", "verdict",
            "duration_ms", "domain", "dnssec_validated", "queries", "waves", "sections", "mx",
            "spf", "dkim", "dmarc", "mtasts", "tlsrpt", "ptr", "helo", "dnsbl", "findings",
            "notes");
    assert_string_equal(json_string_value(json_object_get(doc, "command")), "domain");
    assert_int_equal(json_integer_value(json_object_get(doc, "schema")), 1);
    static const char *const names[] = {"mx",     "spf",    "dkim", "dmarc", "mtasts",
                                        "tlsrpt", "ptr",    "helo", "dnsbl"};
    json_t *secs = json_object_get(doc, "sections");
    assert_int_equal(json_array_size(secs), 9);
    for (size_t i = 0; i < 9; i++) {
        json_t *s = json_array_get(secs, i);
        RF_KEYS(s, "section", "name", "status", "summary");
        assert_string_equal(json_string_value(json_object_get(s, "name")), names[i]);
    }
    size_t i;
    json_t *v;

    json_t *mx = json_object_get(doc, "mx");
    RF_KEYS(mx, "mx", "status", "dnssec", "null_mx", "implicit", "hosts");
    STATUS(json_object_get(mx, "status"), "mx.status");
    DNSSEC(json_object_get(mx, "dnssec"), "mx.dnssec");
    json_array_foreach(json_object_get(mx, "hosts"), i, v) {
        RF_KEYS(v, "mx host", "pref", "host", "ip_literal", "cname", "addr_status", "addresses",
                "dnssec", "probe");
        STATUS(json_object_get(v, "addr_status"), "mx host addr_status");
        json_t *p = json_object_get(v, "probe");
        if (!json_is_null(p)) {
            RF_KEYS(p, "probe", "best_port", "ports");
            size_t j;
            json_t *po;
            json_array_foreach(json_object_get(p, "ports"), j, po)
                RF_KEYS(po, "probe port", "port", "state", "tls_mode", "banner_code", "ms",
                        "summary");
        }
    }

    json_t *spf = json_object_get(doc, "spf");
    RF_KEYS(spf, "spf", "status", "dnssec", "records", "result", "reason", "lookups",
            "void_lookups", "tree", "evaluation");
    STATUS(json_object_get(spf, "status"), "spf.status");
    check_spf_node(json_object_get(spf, "tree"), 0);
    json_t *ev = json_object_get(spf, "evaluation");
    if (!json_is_null(ev)) {
        RF_KEYS(ev, "spf evaluation", "ip", "result", "explanation", "reason", "lookups", "tree");
        check_spf_node(json_object_get(ev, "tree"), 0);
    }

    json_t *dkim = json_object_get(doc, "dkim");
    RF_KEYS(dkim, "dkim", "defaults_used", "tried", "keys");
    json_array_foreach(json_object_get(dkim, "keys"), i, v) {
        RF_KEYS(v, "dkim key", "selector", "name", "status", "dnssec", "record", "key");
        json_t *k = json_object_get(v, "key");
        if (!json_is_null(k))
            RF_KEYS(k, "dkim key record", "k", "key_type", "key_bits", "hashes", "service_email",
                    "testing", "strict", "revoked", "notes");
    }

    json_t *dm = json_object_get(doc, "dmarc");
    RF_KEYS(dm, "dmarc", "status", "dnssec", "found_at", "from_org", "org_domain", "record",
            "records", "policy", "destinations");
    if (!json_is_null(json_object_get(dm, "policy")))
        RF_KEYS(json_object_get(dm, "policy"), "dmarc policy", "p", "sp", "np", "pct", "adkim",
                "aspf", "fo", "ri");
    json_array_foreach(json_object_get(dm, "destinations"), i, v)
        RF_KEYS(v, "dmarc destination", "uri", "kind", "external", "auth_name", "authorized",
                "auth_status");

    json_t *sts = json_object_get(doc, "mtasts");
    RF_KEYS(sts, "mtasts", "status", "dnssec", "record", "records", "id", "policy");
    if (!json_is_null(json_object_get(sts, "policy"))) {
        json_t *sp = json_object_get(sts, "policy");
        RF_KEYS(sp, "mtasts policy", "url", "fetched", "failure", "error", "http_status",
                "content_type", "address", "mode", "max_age", "mx_patterns", "certs_checked",
                "mx_hosts");
        json_array_foreach(json_object_get(sp, "mx_hosts"), i, v)
            RF_KEYS(v, "mtasts mx host", "host", "pattern", "cert_checked", "cert_port",
                    "cert_valid", "cert_error");
    }
    RF_KEYS(json_object_get(doc, "tlsrpt"), "tlsrpt", "status", "dnssec", "record", "records",
            "rua");
    json_array_foreach(json_object_get(doc, "ptr"), i, v) {
        RF_KEYS(v, "ptr entry", "address", "for_host", "status", "names", "confirmed",
                "confirmed_name");
        STATUS(json_object_get(v, "status"), "ptr status");
    }
    json_t *helo = json_object_get(doc, "helo");
    if (!json_is_null(helo))
        RF_KEYS(helo, "helo", "name", "syntax_ok", "literal", "status", "addresses", "matches_ip");
    json_t *dnsbl = json_object_get(doc, "dnsbl");
    RF_KEYS(dnsbl, "dnsbl", "zones", "entries");
    json_array_foreach(json_object_get(dnsbl, "entries"), i, v)
        RF_KEYS(v, "dnsbl entry", "address", "zone", "query", "status", "listed", "refused",
                "codes", "reason");
    json_array_foreach(json_object_get(doc, "findings"), i, v)
        RF_KEYS(v, "finding", "id", "severity", "stage", "temporary", "message", "advice");
    assert_true(json_is_array(json_object_get(doc, "notes")));
}

/* ---- tests ---- */

typedef struct golden_case {
    const char *name;
    result *(*build)(void);
    const char *verdict;
} golden_case;

static const golden_case cases[] = {
    {"domain_good", build_good, "pass"},
    {"domain_bad", build_bad, "fail"},
    {"domain_tempfail", build_tempfail, "tempfail"},
    {"domain_empty", build_empty, "pass"},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Text for a terminal: no raw control bytes but the newline. */
static void assert_clean_text(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            fail_msg("raw control byte 0x%02X in text output at offset %zu", *p,
                     (size_t)(p - (const unsigned char *)t));
}

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++) {
        result *r = cases[i].build();
        assert_string_equal(verdict_name(r->verdict), cases[i].verdict);
        char *text = rf_render(&render_text, r, false, false);
        assert_clean_text(text);
        GOLDEN_ASSERT(GOLDEN_DIR, cases[i].name, "txt", text);
        char *js = rf_render(&render_json, r, false, false);
        GOLDEN_ASSERT(GOLDEN_DIR, cases[i].name, "json", js);
        json_t *doc = rf_parse_json(js);
        check_schema(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "verdict")), cases[i].verdict);
        assert_int_equal(json_array_size(json_object_get(doc, "findings")), r->findings.n);
        json_decref(doc);
        free(js);
        free(text);
        result_free(r);
    }
}

static void test_text_details(void **state)
{
    (void)state;
    result *r = build_bad();
    char *t = rf_render(&render_text, r, false, false);
    /* Header, sections in order, the tree with the lookup count. */
    assert_non_null(strstr(t, "smtpscope domain bad.example — fail, 2350 ms, 41 DNS queries in "
                              "4 waves, DNSSEC not validated\n"));
    const char *order[] = {"✗ MX", "✗ SPF", "✗ DKIM", "! DMARC", "✓ MTA-STS", "✗ TLS-RPT",
                           "! PTR", "! HELO", "✗ DNSBL", "\nFindings\n", "\nNotes\n",
                           "VERDICT: FAIL"};
    const char *at = t;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(at, order[i]);
        if (!p)
            fail_msg("'%s' missing or out of order in:\n%s", order[i], t);
        at = p;
    }
    assert_non_null(strstr(t, "    lookups: 11/10, void: 1/2\n"));
    assert_non_null(strstr(t, "\n      bad.example  permerror"));
    assert_non_null(strstr(t, "\n        include:a.bad.example  fail"));
    assert_non_null(strstr(t, "\n          redirect=c.bad.example  fail  matched -all"));
    /* Raw bytes from the SPF tree and explanation are escaped. */
    assert_non_null(strstr(t, "\\x1B[31m"));
    assert_non_null(strstr(t, "Not authorised \\x07 grüße"));
    /* Only the blocklist rows that matter, and the count of clean ones. */
    assert_null(strstr(t, "198.51.100.7  bl.example.net"));
    assert_non_null(strstr(t, "2 addresses × 2 lists: 2 of 4 clean"));
    assert_non_null(strstr(t, "FCrDNS ✗"));
    assert_non_null(strstr(t, "external, authorised: no"));
    assert_non_null(strstr(t, "CNAME → mail.other.example"));
    /* Findings grouped by section, the run-level one last. */
    const char *f = strstr(t, "\nFindings\n");
    assert_non_null(f);
    assert_true(strstr(f, "  MX\n") < strstr(f, "  SPF\n"));
    assert_true(strstr(f, "  DNSBL\n") < strstr(f, "  other\n"));
    assert_non_null(strstr(f, "    ✗ error   dnsbl.listed\n"));
    free(t);

    /* -v: clean rows, the key records and the --ip evaluation's tree. */
    t = rf_render(&render_text, r, false, true);
    assert_non_null(strstr(t, "198.51.100.7  bl.example.net   clean"));
    assert_non_null(strstr(t, "weak._domainkey.bad.example: v=DKIM1"));
    assert_non_null(strstr(t, "\n      bad.example  fail  matched -all  lookups 0\n"));
    assert_clean_text(t);
    free(t);

    /* Colour only on request. */
    t = rf_render(&render_text, r, true, false);
    assert_non_null(strstr(t, "\033[31m✗ MX"));
    free(t);
    t = rf_render(&render_text, r, false, false);
    assert_null(strchr(t, '\033'));
    free(t);
    result_free(r);

    r = build_good();
    t = rf_render(&render_text, r, false, false);
    assert_non_null(strstr(t, "DNSSEC validated"));
    assert_non_null(strstr(t, "2 addresses × 2 lists clean"));
    assert_non_null(strstr(t, "– HELO     no --helo given"));
    assert_null(strstr(t, "--ip"));
    free(t);
    result_free(r);
}

static void test_json_values(void **state)
{
    (void)state;
    result *r = build_bad();
    char *js = rf_render(&render_json, r, false, false);
    json_t *doc = rf_parse_json(js);
    json_t *spf = json_object_get(doc, "spf");
    assert_int_equal(json_integer_value(json_object_get(spf, "lookups")), 11);
    assert_int_equal(json_integer_value(json_object_get(spf, "void_lookups")), 1);
    assert_string_equal(json_string_value(json_object_get(spf, "result")), "permerror");
    json_t *a = json_array_get(json_object_get(json_object_get(spf, "tree"), "children"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "kind")), "include");
    assert_non_null(strstr(json_string_value(json_object_get(a, "record")), "\\x1B[31m"));
    json_t *ev = json_object_get(spf, "evaluation");
    assert_string_equal(json_string_value(json_object_get(ev, "ip")), "203.0.113.9");
    assert_string_equal(json_string_value(json_object_get(ev, "result")), "fail");
    assert_string_equal(json_string_value(json_object_get(ev, "explanation")),
                        "Not authorised \\x07 grüße, see https://bad.example/spf");
    json_t *dests = json_object_get(json_object_get(doc, "dmarc"), "destinations");
    json_t *dest = json_array_get(dests, 0);
    assert_string_equal(json_string_value(json_object_get(dest, "kind")), "rua");
    assert_true(json_is_false(json_object_get(dest, "authorized")));
    assert_string_equal(json_string_value(json_object_get(dest, "auth_status")), "nxdomain");
    json_t *own = json_array_get(dests, 1);
    assert_true(json_is_null(json_object_get(own, "authorized")));
    json_t *pol = json_object_get(json_object_get(doc, "dmarc"), "policy");
    assert_string_equal(json_string_value(json_object_get(pol, "p")), "none");
    assert_true(json_is_null(json_object_get(pol, "sp")));
    json_t *keys = json_object_get(json_object_get(doc, "dkim"), "keys");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_array_get(keys, 0),
                                                                         "key"), "key_bits")),
                     512);
    assert_true(json_is_true(json_object_get(json_object_get(json_array_get(keys, 1), "key"),
                                             "revoked")));
    assert_true(json_is_null(json_object_get(json_array_get(keys, 2), "key")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(keys, 2), "status")),
                        "nxdomain");
    json_t *h0 = json_array_get(json_object_get(json_object_get(doc, "mx"), "hosts"), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(h0, "probe"),
                                                        "best_port")), 25);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "helo"), "name")),
                        "localhost");
    json_t *e2 = json_array_get(json_object_get(json_object_get(doc, "dnsbl"), "entries"), 2);
    assert_true(json_is_true(json_object_get(e2, "listed")));
    assert_string_equal(json_string_value(json_object_get(e2, "query")),
                        "9.113.0.203.bl.example.net");
    assert_int_equal(json_array_size(json_object_get(doc, "notes")), 1);
    json_decref(doc);
    free(js);
    result_free(r);

    /* Nothing found: null where nothing applies, [] for lists. */
    r = build_empty();
    js = rf_render(&render_json, r, false, false);
    doc = rf_parse_json(js);
    spf = json_object_get(doc, "spf");
    assert_true(json_is_null(json_object_get(spf, "tree")));
    assert_true(json_is_null(json_object_get(spf, "evaluation")));
    assert_true(json_is_null(json_object_get(spf, "lookups")));
    assert_int_equal(json_array_size(json_object_get(spf, "records")), 0);
    assert_true(json_is_null(json_object_get(doc, "helo")));
    assert_true(json_is_null(json_object_get(json_object_get(doc, "dmarc"), "policy")));
    assert_int_equal(json_array_size(json_object_get(doc, "ptr")), 0);
    json_t *s0 = json_array_get(json_object_get(doc, "sections"), 0);
    assert_string_equal(json_string_value(json_object_get(s0, "status")), "skip");
    assert_true(json_is_null(json_object_get(s0, "summary")));
    json_decref(doc);
    free(js);
    result_free(r);
}

/* ---- docs/json.md covers exactly the keys the renderer writes ---- */

static void test_doc_covers_keys(void **state)
{
    (void)state;
    keyset doc = {0}, got = {0};
    json_doc_keys("domain", &doc);
    for (size_t i = 0; i < N_CASES; i++) {
        result *r = cases[i].build();
        char *js = rf_render(&render_json, r, false, false);
        json_t *d = rf_parse_json(js);
        json_rendered_keys(d, NULL, &got);
        json_decref(d);
        free(js);
        result_free(r);
    }
    json_keys_assert_same("the domain document", &got, &doc);
    keyset_free(&doc);
    keyset_free(&got);
}

/* docs/cli/domain.md lists the default selectors and blocklists the engine
 * uses (checks/domain.h); the two must stay in step. */
static void test_doc_lists_defaults(void **state)
{
    (void)state;
    char *doc = golden_slurp(SOURCE_DIR "/docs/cli/domain.md");
    assert_non_null(doc);
    const char *const *lists[] = {domain_default_selectors, domain_default_dnsbls};
    for (size_t l = 0; l < 2; l++)
        for (const char *const *p = lists[l]; *p; p++) {
            char *want = xasprintf("`%s`", *p);
            assert_non_null(want);
            if (!strstr(doc, want))
                fail_msg("docs/cli/domain.md does not list the default %s %s",
                         l == 0 ? "DKIM selector" : "blocklist", want);
            free(want);
        }
    free(doc);
}

/* The buffer cap is honoured: -1, never a truncated success. */
static void test_render_cap(void **state)
{
    (void)state;
    result *r = build_bad();
    render_opts o = {.color = false, .verbose = true};
    const renderer *all[] = {&render_text, &render_json};
    for (size_t i = 0; i < 2; i++) {
        buf b;
        buf_init(&b, 256);
        assert_int_equal(all[i]->render(r, &o, &b), -1);
        buf_free(&b);
    }
    result_free(r);
}

int main(int argc, char **argv)
{
    golden_out_dir_from_argv0(argc > 0 ? argv[0] : NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_text_details),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_doc_covers_keys),
        cmocka_unit_test(test_doc_lists_defaults),
        cmocka_unit_test(test_render_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
