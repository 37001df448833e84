/* render_domain_json.c — the `domain` report as one JSON document
 * (docs/json.md, section "domain"; schema 1).
 *
 * Same contract as the `check` document: field names and types never change
 * within a schema, every key is always present, a value that does not apply
 * is null, an empty list is []. DNS outcomes are named with dns_status_name()
 * and DNSSEC states with dns_dnssec_name(). The SPF trees come straight from
 * the evaluator and hold raw DNS text, so their strings are escaped here; the
 * rest of the model was escaped when it was stored. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- core ---- */
#include "core/escape.h"
#include "core/stage.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- analysis ---- */
#include "analysis/dkim/dkimkey.h"
#include "analysis/dmarc/dmarc.h"
#include "analysis/mtasts/mtasts.h"
#include "analysis/spf/spf_eval.h"
#include "analysis/tlsrpt/tlsrpt.h"
/* ---- checks ---- */
#include "checks/domain.h"
#include "checks/endpoint.h"
/* ---- report ---- */
#include "report/render_domain.h"
#include "report/render_jsonb.h"
#include "report/result.h"

/* An SPF tree is bounded by the evaluator's 10-lookup limit; this guards the
 * recursion against a malformed tree all the same. */
#define SPF_TREE_DEPTH_MAX 24

/* Raw (unescaped) text from the SPF evaluator. */
static json_t *jraw(jb *b, const char *s)
{
    if (!s)
        return json_null();
    char *esc = escape_display(s, strlen(s));
    if (!esc) {
        b->oom = true;
        return NULL;
    }
    json_t *j = jstr(b, esc);
    free(esc);
    return j;
}

static json_t *jstatus(jb *b, dns_status s) { return jstr(b, dns_status_name(s)); }
static json_t *jdnssec(jb *b, dns_dnssec d) { return jstr(b, dns_dnssec_name(d)); }

static json_t *sections_json(jb *b, const domain_outcome *d)
{
    json_t *a = jarr(b);
    for (int s = 0; a && s < DSEC__COUNT; s++) {
        json_t *o = jobj(b);
        set(b, o, "name", jstr(b, domain_section_name((domain_section_id)s)));
        set(b, o, "status", jstr(b, stage_status_name(d->status[s])));
        set(b, o, "summary", jstr(b, d->summary[s]));
        push(b, a, o);
    }
    return a;
}

/* ---- MX ---- */

static json_t *mx_json(jb *b, const domain_mx *mx)
{
    json_t *o = jobj(b);
    set(b, o, "status", jstatus(b, mx->status));
    set(b, o, "dnssec", jdnssec(b, mx->dnssec));
    set(b, o, "null_mx", json_boolean(mx->null_mx));
    set(b, o, "implicit", json_boolean(mx->implicit));
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < mx->n_hosts; i++) {
        const domain_mx_host *h = &mx->hosts[i];
        json_t *ho = jobj(b);
        set(b, ho, "pref", jint(b, h->pref));
        set(b, ho, "host", jstr(b, h->host));
        set(b, ho, "ip_literal", json_boolean(h->ip_literal));
        set(b, ho, "cname", jstr(b, h->cname));
        set(b, ho, "addr_status", jstatus(b, h->addr_status));
        set(b, ho, "addresses", str_array(b, h->addrs, h->n_addrs));
        set(b, ho, "dnssec", jdnssec(b, h->dnssec));
        set(b, ho, "probe", render_jsonb_sweep(b, h->probe));
        push(b, a, ho);
    }
    set(b, o, "hosts", a);
    return o;
}

/* ---- SPF ---- */

static const char *node_kind_name(spf_node_kind k)
{
    switch (k) {
    case SPF_NODE_TOP: return "top";
    case SPF_NODE_INCLUDE: return "include";
    case SPF_NODE_REDIRECT: return "redirect";
    }
    return "top";
}

static json_t *spf_node_json(jb *b, const spf_node *n, int depth)
{
    if (!n)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "kind", jstr(b, node_kind_name(n->kind)));
    set(b, o, "domain", jraw(b, n->domain));
    set(b, o, "record", jraw(b, n->record));
    set(b, o, "matched", jraw(b, n->matched));
    set(b, o, "result", jstr(b, spf_result_name(n->result)));
    set(b, o, "lookups", jint(b, n->lookups));
    set(b, o, "reason", jraw(b, n->reason));
    json_t *a = jarr(b);
    for (size_t i = 0; a && depth < SPF_TREE_DEPTH_MAX && i < n->nchildren; i++)
        if (n->children[i])
            push(b, a, spf_node_json(b, n->children[i], depth + 1));
    set(b, o, "children", a);
    return o;
}

static json_t *spf_eval_json(jb *b, const domain_spf *spf)
{
    const spf_outcome *e = spf->eval;
    if (!e)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "ip", jstr(b, spf->eval_ip));
    set(b, o, "result", jstr(b, spf_result_name(e->result)));
    set(b, o, "explanation", jraw(b, e->explanation));
    set(b, o, "reason", jraw(b, e->reason));
    set(b, o, "lookups", jint(b, e->dns_terms));
    set(b, o, "tree", spf_node_json(b, e->tree, 0));
    return o;
}

static json_t *spf_json(jb *b, const domain_spf *spf)
{
    const spf_outcome *w = spf->walk;
    json_t *o = jobj(b);
    set(b, o, "status", jstatus(b, spf->status));
    set(b, o, "dnssec", jdnssec(b, spf->dnssec));
    set(b, o, "records", str_array(b, spf->records, spf->n_records));
    set(b, o, "result", w ? jstr(b, spf_result_name(w->result)) : json_null());
    set(b, o, "reason", w ? jraw(b, w->reason) : json_null());
    set(b, o, "lookups", w ? jint(b, w->dns_terms) : json_null());
    set(b, o, "void_lookups", w ? jint(b, w->void_lookups) : json_null());
    set(b, o, "tree", spf_node_json(b, w ? w->tree : NULL, 0));
    set(b, o, "evaluation", spf_eval_json(b, spf));
    return o;
}

/* ---- DKIM ---- */

static json_t *hashes_json(jb *b, unsigned h)
{
    json_t *a = jarr(b);
    if (h & DKIMKEY_HASH_SHA1)
        push(b, a, jstr(b, "sha1"));
    if (h & DKIMKEY_HASH_SHA256)
        push(b, a, jstr(b, "sha256"));
    if (h & DKIMKEY_HASH_OTHER)
        push(b, a, jstr(b, "other"));
    return a;
}

static json_t *dkim_key_json(jb *b, const dkimkey_record *k)
{
    if (!k)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "k", jstr(b, dkimkey_type_name(k->k)));
    set(b, o, "key_type", k->key_type == DKIMKEY_TYPE_UNKNOWN
                              ? json_null()
                              : jstr(b, dkimkey_type_name(k->key_type)));
    set(b, o, "key_bits", k->key_bits ? jint(b, k->key_bits) : json_null());
    set(b, o, "hashes", hashes_json(b, k->hashes));
    set(b, o, "service_email", json_boolean(k->service_email));
    set(b, o, "testing", json_boolean(k->testing));
    set(b, o, "strict", json_boolean(k->strict));
    set(b, o, "revoked", json_boolean(k->revoked));
    set(b, o, "notes", jstr(b, k->notes));
    return o;
}

static json_t *dkim_json(jb *b, const domain_dkim *dk)
{
    json_t *o = jobj(b);
    set(b, o, "defaults_used", json_boolean(dk->defaults_used));
    set(b, o, "tried", jint(b, (int64_t)dk->n_tried));
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < dk->n_keys; i++) {
        const domain_dkim_key *k = &dk->keys[i];
        json_t *ko = jobj(b);
        set(b, ko, "selector", jstr(b, k->selector));
        set(b, ko, "name", jstr(b, k->name));
        set(b, ko, "status", jstatus(b, k->status));
        set(b, ko, "dnssec", jdnssec(b, k->dnssec));
        set(b, ko, "record", jstr(b, k->record));
        set(b, ko, "key", dkim_key_json(b, k->key));
        push(b, a, ko);
    }
    set(b, o, "keys", a);
    return o;
}

/* ---- DMARC ---- */

static json_t *policy_name(jb *b, dmarc_policy p)
{
    return p == DMARC_POLICY_UNSET ? json_null() : jstr(b, dmarc_policy_name(p));
}

static json_t *dmarc_policy_json(jb *b, const dmarc_record *p)
{
    if (!p)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "p", policy_name(b, p->p));
    set(b, o, "sp", policy_name(b, p->sp));
    set(b, o, "np", policy_name(b, p->np));
    set(b, o, "pct", jint(b, p->pct));
    char adkim[2] = {p->adkim ? p->adkim : 'r', '\0'}, aspf[2] = {p->aspf ? p->aspf : 'r', '\0'};
    set(b, o, "adkim", jstr(b, adkim));
    set(b, o, "aspf", jstr(b, aspf));
    json_t *fo = jarr(b);
    static const struct {
        unsigned bit;
        const char *name;
    } fos[] = {{DMARC_FO_0, "0"}, {DMARC_FO_1, "1"}, {DMARC_FO_D, "d"}, {DMARC_FO_S, "s"}};
    for (size_t i = 0; fo && i < sizeof fos / sizeof fos[0]; i++)
        if (p->fo & fos[i].bit)
            push(b, fo, jstr(b, fos[i].name));
    set(b, o, "fo", fo);
    set(b, o, "ri", jint(b, p->ri));
    return o;
}

/* Destinations are rua then ruf (domain.h); which is which is known only
 * when the count matches the parsed record's. */
static const char *dest_kind(const domain_dmarc *dm, size_t i)
{
    const dmarc_record *p = dm->parsed;
    if (!p || dm->n_dests != p->nrua + p->nruf)
        return NULL;
    return i < p->nrua ? "rua" : "ruf";
}

static json_t *dmarc_json(jb *b, const domain_dmarc *dm)
{
    json_t *o = jobj(b);
    set(b, o, "status", jstatus(b, dm->status));
    set(b, o, "dnssec", jdnssec(b, dm->dnssec));
    set(b, o, "found_at", jstr(b, dm->found_at));
    set(b, o, "from_org", json_boolean(dm->from_org));
    set(b, o, "org_domain", jstr(b, dm->org_domain));
    set(b, o, "record", jstr(b, dm->record));
    set(b, o, "records", jint(b, (int64_t)dm->n_records));
    set(b, o, "policy", dmarc_policy_json(b, dm->parsed));
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < dm->n_dests; i++) {
        const domain_dmarc_dest *dd = &dm->dests[i];
        json_t *d = jobj(b);
        set(b, d, "uri", jstr(b, dd->uri));
        set(b, d, "kind", jstr(b, dest_kind(dm, i)));
        set(b, d, "external", json_boolean(dd->external));
        set(b, d, "auth_name", jstr(b, dd->auth_name));
        set(b, d, "authorized", dd->external ? json_boolean(dd->authorized) : json_null());
        set(b, d, "auth_status", dd->external ? jstatus(b, dd->auth_status) : json_null());
        push(b, a, d);
    }
    set(b, o, "destinations", a);
    return o;
}

/* ---- MTA-STS, TLS-RPT ---- */

static void txt_policy(jb *b, json_t *o, const domain_txt_policy *t)
{
    set(b, o, "status", jstatus(b, t->status));
    set(b, o, "dnssec", jdnssec(b, t->dnssec));
    set(b, o, "record", jstr(b, t->record));
    set(b, o, "records", jint(b, (int64_t)t->n_records));
}

/* The fetched policy file (null when not fetched): where from, what it
 * says, and each MX host against it. */
static json_t *sts_policy_json(jb *b, const domain_sts_policy *p)
{
    if (!p)
        return json_null();
    const mtasts_policy *pp = p->parsed;
    json_t *o = jobj(b);
    set(b, o, "url", jstr(b, p->url));
    set(b, o, "fetched", json_boolean(p->fetched));
    set(b, o, "failure", jstr(b, p->failure));
    set(b, o, "error", jstr(b, p->error));
    set(b, o, "http_status", p->http_status ? jint(b, p->http_status) : json_null());
    set(b, o, "content_type", jstr(b, p->content_type));
    set(b, o, "address", jstr(b, p->address));
    set(b, o, "mode", pp && pp->mode != MTASTS_MODE_UNSET ? jstr(b, mtasts_mode_name(pp->mode))
                                                          : json_null());
    set(b, o, "max_age", pp && pp->max_age >= 0 ? jint(b, pp->max_age) : json_null());
    set(b, o, "mx_patterns", str_array(b, pp ? pp->mx : NULL, pp ? pp->nmx : 0));
    set(b, o, "certs_checked", json_boolean(p->certs_checked));
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < p->n_mx; i++) {
        const domain_sts_mx *x = &p->mx[i];
        json_t *h = jobj(b);
        set(b, h, "host", jstr(b, x->host));
        set(b, h, "pattern", jstr(b, x->pattern));
        set(b, h, "cert_checked", json_boolean(x->cert_checked));
        set(b, h, "cert_port", x->port ? jint(b, x->port) : json_null());
        set(b, h, "cert_valid", x->cert_checked ? json_boolean(x->cert_valid) : json_null());
        set(b, h, "cert_error", jstr(b, x->cert_error));
        push(b, a, h);
    }
    set(b, o, "mx_hosts", a);
    return o;
}

static json_t *mtasts_json(jb *b, const domain_mtasts *m)
{
    json_t *o = jobj(b);
    txt_policy(b, o, &m->txt);
    set(b, o, "id", jstr(b, m->parsed ? m->parsed->id : NULL));
    set(b, o, "policy", sts_policy_json(b, m->policy));
    return o;
}

static json_t *tlsrpt_json(jb *b, const domain_tlsrpt *t)
{
    json_t *o = jobj(b);
    txt_policy(b, o, &t->txt);
    const tlsrpt_record *p = t->parsed;
    set(b, o, "rua", str_array(b, p ? p->rua : NULL, p ? p->nrua : 0));
    return o;
}

/* ---- PTR, HELO, DNSBL ---- */

static json_t *ptr_json(jb *b, const domain_ptr *p)
{
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < p->n; i++) {
        const domain_ptr_entry *e = &p->v[i];
        json_t *o = jobj(b);
        set(b, o, "address", jstr(b, e->addr));
        set(b, o, "for_host", jstr(b, e->for_host));
        set(b, o, "status", jstatus(b, e->status));
        set(b, o, "names", str_array(b, e->names, e->n_names));
        set(b, o, "confirmed", json_boolean(e->confirmed));
        set(b, o, "confirmed_name", jstr(b, e->confirmed_name));
        push(b, a, o);
    }
    return a;
}

static json_t *helo_json(jb *b, const domain_helo *h)
{
    if (!h->name)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "name", jstr(b, h->name));
    set(b, o, "syntax_ok", json_boolean(h->syntax_ok));
    set(b, o, "literal", json_boolean(h->is_literal));
    set(b, o, "status", jstatus(b, h->status));
    set(b, o, "addresses", str_array(b, h->addrs, h->n_addrs));
    set(b, o, "matches_ip", json_boolean(h->matches_ip));
    return o;
}

static json_t *dnsbl_json(jb *b, const domain_dnsbl *bl)
{
    json_t *o = jobj(b);
    set(b, o, "zones", str_array(b, bl->zones, bl->n_zones));
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < bl->n; i++) {
        const domain_dnsbl_entry *e = &bl->v[i];
        json_t *eo = jobj(b);
        set(b, eo, "address", jstr(b, e->addr));
        set(b, eo, "zone", jstr(b, e->zone));
        set(b, eo, "query", jstr(b, e->query));
        set(b, eo, "status", jstatus(b, e->status));
        set(b, eo, "listed", json_boolean(e->listed));
        set(b, eo, "refused", json_boolean(e->refused));
        set(b, eo, "codes", str_array(b, e->codes, e->n_codes));
        set(b, eo, "reason", jstr(b, e->reason));
        push(b, a, eo);
    }
    set(b, o, "entries", a);
    return o;
}

json_t *render_domain_json(const result *r)
{
    const domain_outcome *d = r->domain;
    if (!d)
        return NULL;
    jb b = {.oom = false};
    json_t *o = render_jsonb_header(&b, r);
    set(&b, o, "command", jstr(&b, "domain"));
    set(&b, o, "verdict", jstr(&b, verdict_name(r->verdict)));
    set(&b, o, "duration_ms", jint(&b, d->total_ms));
    set(&b, o, "domain", jstr(&b, d->domain));
    set(&b, o, "dnssec_validated", json_boolean(d->dnssec_validated));
    set(&b, o, "queries", jint(&b, d->queries));
    set(&b, o, "waves", jint(&b, d->waves));
    set(&b, o, "sections", sections_json(&b, d));
    set(&b, o, "mx", mx_json(&b, &d->mx));
    set(&b, o, "spf", spf_json(&b, &d->spf));
    set(&b, o, "dkim", dkim_json(&b, &d->dkim));
    set(&b, o, "dmarc", dmarc_json(&b, &d->dmarc));
    set(&b, o, "mtasts", mtasts_json(&b, &d->mtasts));
    set(&b, o, "tlsrpt", tlsrpt_json(&b, &d->tlsrpt));
    set(&b, o, "ptr", ptr_json(&b, &d->ptr));
    set(&b, o, "helo", helo_json(&b, &d->helo));
    set(&b, o, "dnsbl", dnsbl_json(&b, &d->dnsbl));
    set(&b, o, "findings", render_jsonb_findings(&b, &r->findings));
    set(&b, o, "notes", str_array(&b, r->notes, r->n_notes));
    if (b.oom) {
        json_decref(o);
        return NULL;
    }
    return o;
}
