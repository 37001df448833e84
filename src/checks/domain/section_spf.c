/* section_spf.c — the SPF section of a domain report (records.h).
 *
 * RFC 7208: §3.2 (one record per domain), §4.5 (record selection), §4.6.4
 * (10 DNS-querying terms, 2 void lookups), §4.7 (no match: neutral), §5.2
 * (an include target without a record is permerror), §5.5 (ptr: do not
 * use), §6.1 (redirect), §3.4 (records over 450 bytes may need TCP).
 *
 * Wave 0 reads the TXT records at the domain. The evaluation itself is
 * domain.c's (out->spf.walk: every include visited, with an address no term
 * lists; out->spf.eval: the --ip verdict); finish() judges its trees: the
 * lookup count, where the policy ends (-all, ~all, ...), dangerous terms in
 * any record reached, and the --ip result with the term that decided it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- analysis ---- */
#include "analysis/spf/spf_eval.h"
#include "analysis/spf/spf_record.h"
/* ---- checks ---- */
#include "checks/domain/records.h"

#define LONG_RECORD 450         /* §3.4: larger answers may not fit UDP */
#define NEAR_LIMIT 8     /* lookups from which a warning is due */
#define TREE_DEPTH_MAX 16    /* the evaluator's own limits keep trees smaller */
#define TREE_NODES_MAX 64

int rec_spf_plan(domain_ctx *run, int wave, size_t *planned)
{
    if (wave == 0)
        run->rec.q_txt = section_ask(run, run->o->domain, DNS_RR_TXT, planned);
    return run->oom ? -1 : 0;
}

static bool is_spf(const char *s, size_t n)
{
    return spf_record_is_spf(s, n);
}

/* A record that authorises no one: only "all" with a qualifier other than
 * '+' (v=spf1 -all, the "this domain sends no mail" record). */
static bool authorises_nobody(const char *s, size_t n)
{
    spf_record *r = NULL;
    err e;
    err_clear(&e);
    if (spf_record_parse(s, n, &r, &e) < 0)
        return false;
    bool nobody = r->redirect == NULL;
    for (size_t i = 0; i < r->nterms && nobody; i++) {
        const spf_term *t = &r->terms[i];
        if (t->kind == SPF_TERM_MECH)
            nobody = t->mech == SPF_MECH_ALL && t->qual != SPF_QUAL_PASS;
    }
    spf_record_free(r);
    return nobody;
}

bool rec_spf_sends(domain_ctx *run)
{
    const dns_answer *a = rec_answer(run, run->rec.q_txt);
    bool sends = false;
    for (size_t i = 0; a && a->status == DNS_OK && i < a->txt.n && !sends; i++) {
        size_t n = 0;
        char *s = rec_txt_join(run, &a->txt.v[i], &n);
        sends = s && is_spf(s, n) && !authorises_nobody(s, n);
        free(s);
    }
    return sends;
}

static char *esc(domain_ctx *run, const char *s)
{
    return section_escape(run, s, s ? strlen(s) : 0);
}

/* The last child of kind k: evaluation stops at a match, so a matched
 * include or redirect is always the last child added. */
static const spf_node *last_child(const spf_node *n, spf_node_kind k)
{
    for (size_t i = n->nchildren; i > 0; i--)
        if (n->children[i - 1]->kind == k)
            return n->children[i - 1];
    return NULL;
}

/* Terms that are wrong wherever they are: +all in any record reached (in an
 * include it makes the include match everyone), ptr (§5.5), and include or
 * redirect targets without a record (§5.2, §6.1: permerror). */
static void judge_node(domain_ctx *run, const spf_node *n, int depth, unsigned *visits)
{
    if (!n || depth > TREE_DEPTH_MAX || ++*visits > TREE_NODES_MAX)
        return;
    char *dom = esc(run, n->domain);
    if (!dom)
        return;
    if (!n->record) {
        if (n->kind != SPF_NODE_TOP && n->result == SPF_RESULT_NONE)
            section_finding(run, DSEC_SPF, "spf.include_missing", NULL,
                            "%s%s has no SPF record: the whole evaluation is a permerror",
                            n->kind == SPF_NODE_INCLUDE ? "include:" : "redirect=", dom);
        free(dom);
        return;
    }
    spf_record *r = NULL;
    err e;
    err_clear(&e);
    if (spf_record_parse(n->record, strlen(n->record), &r, &e) == 0) {
        bool ptr = false;
        for (size_t i = 0; i < r->nterms; i++) {
            const spf_term *t = &r->terms[i];
            if (t->kind != SPF_TERM_MECH)
                continue;
            ptr |= t->mech == SPF_MECH_PTR;
            if (t->mech != SPF_MECH_ALL || t->qual != SPF_QUAL_PASS)
                continue;
            char *tt = esc(run, t->text);
            section_finding(run, DSEC_SPF, "spf.all_pass", NULL,
                            "'%s' in the SPF record of %s: every address on the internet "
                            "passes%s",
                            tt ? tt : "+all", dom,
                            n->kind == SPF_NODE_INCLUDE ? " the include, so passes yours" : "");
            free(tt);
        }
        if (ptr)
            section_finding(run, DSEC_SPF, "spf.ptr_used", NULL,
                            "the SPF record of %s uses the ptr mechanism (RFC 7208 §5.5: "
                            "do not use)",
                            dom);
        spf_record_free(r);
    }
    free(dom);
    for (size_t i = 0; i < n->nchildren; i++)
        judge_node(run, n->children[i], depth + 1, visits);
}

/* Where the policy ends: the first "all" of the top record, or of the record
 * its redirect= leads to (a redirect is ignored when "all" is present, §6.1).
 * top_text is used when there is no evaluation tree. Writes a few words for
 * the summary into ends (escaped). */
static void judge_chain(domain_ctx *run, const spf_node *top, const char *top_text, char *ends,
                        size_t endsz)
{
    const spf_node *n = top;
    const char *text = top ? top->record : top_text;
    snprintf(ends, endsz, "policy end unknown");
    for (int hop = 0; text && hop <= SPF_MAX_DNS_TERMS; hop++) {
        spf_record *r = NULL;
        err e;
        err_clear(&e);
        if (spf_record_parse(text, strlen(text), &r, &e) < 0) {
            snprintf(ends, endsz, "%s", hop ? "redirect target has a syntax error"
                                            : "syntax error");
            return;
        }
        const spf_term *all = NULL;
        for (size_t i = 0; i < r->nterms && !all; i++)
            if (r->terms[i].kind == SPF_TERM_MECH && r->terms[i].mech == SPF_MECH_ALL)
                all = &r->terms[i];
        char *dom = esc(run, n ? n->domain : run->o->domain);
        if (all) {
            char q = (char)all->qual;
            snprintf(ends, endsz, "%sends %call", hop ? "after redirect, " : "", q);
            if (q == SPF_QUAL_SOFTFAIL)
                section_finding(run, DSEC_SPF, "spf.softfail_all", NULL,
                                "the SPF record of %s ends '~all': unlisted senders soft-fail, "
                                "which receivers usually accept and may mark",
                                dom ? dom : "");
            else if (q == SPF_QUAL_NEUTRAL)
                section_finding(run, DSEC_SPF, "spf.all_neutral", NULL,
                                "the SPF record of %s ends '?all': unlisted senders get neutral, "
                                "as if there were no SPF record",
                                dom ? dom : "");
        } else if (!r->redirect) {
            snprintf(ends, endsz, "%sno all (neutral)", hop ? "after redirect, " : "");
            section_finding(run, DSEC_SPF, "spf.no_all", NULL,
                            "the SPF record of %s has neither 'all' nor 'redirect=': unlisted "
                            "senders get neutral (RFC 7208 §4.7)",
                            dom ? dom : "");
        } else {
            const spf_node *next = n ? last_child(n, SPF_NODE_REDIRECT) : NULL;
            char *rd = esc(run, r->redirect->text);
            snprintf(ends, endsz, "%s", rd ? rd : "redirect");
            free(rd);
            n = next;
            text = next ? next->record : NULL;
        }
        free(dom);
        spf_record_free(r);
        if (all || !text)
            return;
    }
}

/* The overall verdict of the walk: limits hit, errors. */
static void judge_walk(domain_ctx *run, const spf_outcome *w)
{
    char *why = esc(run, w->reason);
    if (!why)
        return;
    if (w->dns_terms > SPF_MAX_DNS_TERMS)
        section_finding(run, DSEC_SPF, "spf.too_many_lookups", NULL,
                        "the SPF policy needs more than %d DNS lookups (the walk stopped at "
                        "lookup %u): %s",
                        SPF_MAX_DNS_TERMS, w->dns_terms, why);
    else if (w->void_lookups > SPF_MAX_VOID)
        section_finding(run, DSEC_SPF, "spf.void_lookups", NULL,
                        "%u lookups found nothing (at most %d are allowed): %s",
                        w->void_lookups, SPF_MAX_VOID, why);
    else if (w->result == SPF_RESULT_PERMERROR &&
             !finding_has(&run->out->findings, "spf.include_missing"))
        section_finding(run, DSEC_SPF, "spf.permerror", NULL, "%s", why);
    else if (w->result == SPF_RESULT_TEMPERROR)
        section_finding(run, DSEC_SPF, "spf.temperror", NULL, "%s", why);
    if (w->dns_terms >= NEAR_LIMIT && w->dns_terms <= SPF_MAX_DNS_TERMS)
        section_finding(run, DSEC_SPF, "spf.lookups_near_limit", NULL,
                        "the SPF policy uses %u of the %d DNS lookups allowed", w->dns_terms,
                        SPF_MAX_DNS_TERMS);
    free(why);
}

static bool leads_on(const char *term)
{
    if (*term && strchr("+-~?", *term))
        term++;
    return strncasecmp(term, "include:", 8) == 0 || strncasecmp(term, "redirect=", 9) == 0;
}

/* The terms that decided, from the top record down through the include or
 * redirect that matched: "include:_spf.example.net > ip4:192.0.2.0/24".
 * Escaped; NULL when nothing matched (or OOM). */
static char *match_path(domain_ctx *run, const spf_node *n)
{
    char *path = NULL;
    for (int d = 0; n && n->matched && d <= SPF_MAX_DNS_TERMS; d++) {
        char *t = esc(run, n->matched);
        char *p = t ? xasprintf("%s%s%s", path ? path : "", path ? " > " : "", t) : NULL;
        free(t);
        free(path);
        if (!(path = p)) {
            run->oom = true;
            return NULL;
        }
        n = leads_on(n->matched) && n->nchildren ? n->children[n->nchildren - 1] : NULL;
    }
    return path;
}

/* Advice per --ip result: the catalogue's entry covers them all. */
static const char *const result_advice[] = {
    [SPF_RESULT_PASS] = "Nothing to do: receivers accept this address for the domain's SPF.",
    [SPF_RESULT_FAIL] = "If this address should send for the domain, add it (ip4:/ip6:) or its "
                        "provider's include: to the record; otherwise the policy works as "
                        "intended.",
    [SPF_RESULT_SOFTFAIL] = "If this address should send for the domain, add it (ip4:/ip6:) or "
                            "its provider's include: to the record; receivers may mark its mail.",
    [SPF_RESULT_NEUTRAL] = "The policy says nothing about this address; add it if it should send "
                           "for the domain, and end the record with -all or ~all.",
    [SPF_RESULT_NONE] = "Publish an SPF record for the domain that lists this address.",
    [SPF_RESULT_TEMPERROR] = "A DNS lookup failed during the evaluation; retry, and check the "
                             "name servers of every name the policy refers to.",
    [SPF_RESULT_PERMERROR] = "Fix the policy error named in the message: receivers treat "
                             "permerror like a failure under DMARC.",
};

/* --ip: the result for that sender, with what decided it. */
static void judge_eval(domain_ctx *run, const spf_outcome *ev)
{
    char *ip = esc(run, run->out->spf.eval_ip ? run->out->spf.eval_ip : "?");
    char *dom = esc(run, ev->domain);
    char *path = match_path(run, ev->tree);
    char *why = esc(run, ev->reason);
    char *exp = ev->explanation ? esc(run, ev->explanation) : NULL;
    const char *m = path ? path : "no term";
    const char *adv = (size_t)ev->result < sizeof result_advice / sizeof result_advice[0]
                          ? result_advice[ev->result]
                          : NULL;
    if (!ip || !dom || !why)
        goto out;
    switch (ev->result) {
    case SPF_RESULT_PASS:
        rec_finding(run, DSEC_SPF, "spf.result", SEV_INFO, false, adv,
                    "pass: %s may send mail for %s (matched '%s')", ip, dom, m);
        break;
    case SPF_RESULT_FAIL:
        rec_finding(run, DSEC_SPF, "spf.result", SEV_ERROR, false, adv,
                    "fail: %s is not allowed to send mail for %s (matched '%s'); explanation: "
                    "'%s'",
                    ip, dom, m, exp ? exp : "");
        break;
    case SPF_RESULT_SOFTFAIL:
        rec_finding(run, DSEC_SPF, "spf.result", SEV_WARNING, false, adv,
                    "softfail: %s is probably not allowed to send mail for %s (matched '%s')",
                    ip, dom, m);
        break;
    case SPF_RESULT_NEUTRAL:
        rec_finding(run, DSEC_SPF, "spf.result", SEV_WARNING, false, adv,
                    "neutral: %s makes no assertion about %s (%s)", dom, ip,
                    path ? path : "no mechanism matched");
        break;
    case SPF_RESULT_NONE:
        rec_finding(run, DSEC_SPF, "spf.result", SEV_WARNING, false, adv, "none for %s: %s", ip,
                    why);
        break;
    case SPF_RESULT_TEMPERROR:
        rec_finding(run, DSEC_SPF, "spf.result", SEV_ERROR, true, adv, "temperror for %s: %s",
                    ip, why);
        break;
    case SPF_RESULT_PERMERROR:
        rec_finding(run, DSEC_SPF, "spf.result", SEV_ERROR, false, adv, "permerror for %s: %s",
                    ip, why);
        break;
    }
out:
    free(ip);
    free(dom);
    free(path);
    free(why);
    free(exp);
}

/* Every v=spf1 record at the domain, escaped into out->spf.records; the
 * first one raw in *top (allocated). */
static void collect(domain_ctx *run, const dns_answer *a, char **top, size_t *toplen)
{
    domain_spf *sp = &run->out->spf;
    *top = NULL;
    for (size_t i = 0; a->status == DNS_OK && i < a->txt.n && !run->oom; i++) {
        size_t n = 0;
        char *s = rec_txt_join(run, &a->txt.v[i], &n);
        if (!s || !is_spf(s, n)) {
            free(s);
            continue;
        }
        char *e = section_escape(run, s, n);
        if (!e || xarray_push((void ***)&sp->records, &sp->n_records, e) < 0) {
            free(e);
            run->oom = true;
        }
        if (!*top) {
            *top = s;
            *toplen = n;
        } else {
            free(s);
        }
    }
}

void rec_spf_finish(domain_ctx *run)
{
    domain_spf *sp = &run->out->spf;
    const char *d = run->o->domain;
    const dns_answer *a = rec_answer(run, run->rec.q_txt);
    char *top = NULL, *show = NULL;
    size_t toplen = 0;
    char ends[128] = "";

    sp->status = a ? a->status : DNS_ERROR;
    sp->dnssec = a ? a->dnssec : DNSSEC_UNCHECKED;
    if (rec_failed(a)) {
        char what[300];
        snprintf(what, sizeof what, "the TXT lookup of %s", d);
        rec_lookup_failed(run, DSEC_SPF, a, what);
        section_set(run, DSEC_SPF, SS_PASS, "TXT lookup failed (%s)",
                    dns_status_name(sp->status));
        goto eval;
    }
    collect(run, a, &top, &toplen);
    if (sp->n_records == 0) {
        section_finding(run, DSEC_SPF, "spf.none", NULL, "%s publishes no SPF record", d);
        section_set(run, DSEC_SPF, SS_PASS, "no SPF record");
        goto eval;
    }
    if (sp->n_records > 1) {
        show = rec_show(run, sp->records[1], strlen(sp->records[1]));
        char *first = rec_show(run, sp->records[0], strlen(sp->records[0]));
        section_finding(run, DSEC_SPF, "spf.multiple", NULL,
                        "%s publishes %zu SPF records ('%s' and '%s'%s): receivers must treat "
                        "this as a permerror (RFC 7208 §4.5)",
                        d, sp->n_records, first ? first : "", show ? show : "",
                        sp->n_records > 2 ? ", ..." : "");
        free(first);
        section_set(run, DSEC_SPF, SS_PASS, "%zu SPF records (permerror)", sp->n_records);
        goto eval;
    }
    if (toplen > LONG_RECORD)
        section_finding(run, DSEC_SPF, "spf.record_long", NULL,
                        "the SPF record of %s is %zu bytes: answers this large may need TCP, "
                        "which some resolvers fail",
                        d, toplen);
    if (sp->walk) {
        unsigned visits = 0;
        judge_node(run, sp->walk->tree, 0, &visits);
        judge_chain(run, sp->walk->tree, NULL, ends, sizeof ends);
        judge_walk(run, sp->walk);
    } else {
        /* no evaluation (OOM, or the evaluator could not start): the record alone */
        spf_record *r = NULL;
        err e;
        err_clear(&e);
        if (spf_record_parse(top, toplen, &r, &e) < 0) {
            char *why = esc(run, e.msg);
            section_finding(run, DSEC_SPF, "spf.permerror", NULL, "the SPF record of %s: %s", d,
                            why ? why : "");
            free(why);
        } else {
            spf_node fake = {.kind = SPF_NODE_TOP, .domain = (char *)d, .record = top};
            unsigned visits = 0;
            judge_node(run, &fake, 0, &visits);
            judge_chain(run, NULL, top, ends, sizeof ends);
        }
        spf_record_free(r);
    }
    show = rec_show(run, top, toplen);
    if (sp->walk && sp->walk->dns_terms > SPF_MAX_DNS_TERMS)
        section_set(run, DSEC_SPF, SS_PASS, "%s — over %d lookups (permerror)",
                    show ? show : "", SPF_MAX_DNS_TERMS);
    else if (sp->walk)
        section_set(run, DSEC_SPF, SS_PASS, "%s — %u of %d lookups, %s", show ? show : "",
                    sp->walk->dns_terms, SPF_MAX_DNS_TERMS, ends);
    else
        section_set(run, DSEC_SPF, SS_PASS, "%s — not evaluated, %s", show ? show : "", ends);
eval:
    if (sp->eval)
        judge_eval(run, sp->eval);
    free(top);
    free(show);
}
