/* section_dmarc.c — the DMARC section of a domain report (records.h).
 *
 * RFC 7489: §6.6.3 (policy discovery: _dmarc.DOMAIN, else the organisational
 * domain's record; several records mean none applies), §3.2 (organisational
 * domain, from the Public Suffix List through libpsl), §7.1 (an external
 * report destination must publish DOMAIN._report._dmarc.DEST), §6.6.3 and
 * §6.3 sp (a subdomain is governed by the organisational record's sp).
 *
 * Waves: 0 asks _dmarc.DOMAIN. When it has no record, 1 asks the
 * organisational domain's; the authorisation names of external rua/ruf
 * destinations go out in the wave after the record was found (1 or 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- analysis ---- */
#include "analysis/dmarc/dmarc.h"
/* ---- checks ---- */
#include "checks/domain/records.h"

static bool is_dmarc(const char *s, size_t n)
{
    return dmarc_is_dmarc(s, n);
}

/* The domain whose record was found (found_at without "_dmarc."). */
static const char *record_domain(const domain_dmarc *dm)
{
    return dm->found_at ? dm->found_at + strlen("_dmarc.") : NULL;
}

/* One report destination: external or not (by organisational domain), and
 * the name that must authorise it. */
static void add_dest(domain_ctx *run, const char *rdom, const dmarc_uri *u)
{
    domain_dmarc *dm = &run->out->dmarc;
    domain_dmarc_dest *d = &dm->dests[dm->n_dests++];
    err e;
    err_clear(&e);
    d->auth_status = DNS_OK;
    if (!(d->uri = xstrdup(u->uri)))
        run->oom = true;
    if (!u->is_mailto)
        return; /* only mailto: destinations can be authorised (§7.1) */
    bool ext = false;
    if (dmarc_uri_is_external(rdom, u, &ext, &e) < 0) {
        if (e.cls == ERRC_INTERNAL)
            run->oom = true;
        return; /* a destination that is a public suffix or not a name: the
                   record's own uri problems say so */
    }
    if (!ext)
        return;
    d->external = true;
    d->auth_status = DNS_TIMEOUT; /* until its answer is read */
    if (dmarc_report_auth_name(rdom, u->mailto_domain, &d->auth_name, &e) < 0 &&
        e.cls == ERRC_INTERNAL)
        run->oom = true;
}

/* Read a record lookup: count the v=DMARC1 records, keep and parse the
 * first when it is the only one, list its report destinations. */
static void take_record(domain_ctx *run, const dns_answer *a, const char *name, bool from_org)
{
    domain_dmarc *dm = &run->out->dmarc;
    char *text = NULL;
    size_t len = 0;
    dm->status = a ? a->status : DNS_ERROR;
    dm->dnssec = a ? a->dnssec : DNSSEC_UNCHECKED;
    dm->n_records = rec_txt_pick(run, a, is_dmarc, &text, &len);
    if (dm->n_records == 0) {
        free(text);
        return;
    }
    dm->from_org = from_org;
    dm->found_at = xasprintf("_dmarc.%s", name);
    dm->record = section_escape(run, text, len);
    if (!dm->found_at || !dm->record)
        run->oom = true;
    /* §6.6.3: several records and no policy applies, so none is parsed */
    if (dm->n_records == 1 && !run->oom) {
        err e;
        err_clear(&e);
        if (dmarc_parse(text, len, &dm->parsed, &e) < 0)
            run->oom = true;
    }
    free(text);
    const dmarc_record *r = dm->parsed;
    if (!r || run->oom || r->nrua + r->nruf == 0)
        return;
    dm->dests = calloc(r->nrua + r->nruf, sizeof *dm->dests);
    if (!dm->dests) {
        run->oom = true;
        return;
    }
    const char *rdom = record_domain(dm);
    for (size_t i = 0; i < r->nrua; i++)
        add_dest(run, rdom, &r->rua[i]);
    for (size_t i = 0; i < r->nruf; i++)
        add_dest(run, rdom, &r->ruf[i]);
}

/* The wave in which authorisation names are asked: right after the record. */
static int auth_wave(const domain_dmarc *dm)
{
    return dm->from_org ? 2 : 1;
}

static void plan_auth(domain_ctx *run, size_t *planned)
{
    domain_dmarc *dm = &run->out->dmarc;
    records_state *st = &run->rec;
    if (dm->n_dests == 0)
        return;
    if (!(st->q_auth = malloc(dm->n_dests * sizeof *st->q_auth))) {
        run->oom = true;
        return;
    }
    for (size_t i = 0; i < dm->n_dests; i++)
        st->q_auth[i] = dm->dests[i].auth_name
                            ? section_ask(run, dm->dests[i].auth_name, DNS_RR_TXT, planned)
                            : -1;
}

static void consume_auth(domain_ctx *run)
{
    domain_dmarc *dm = &run->out->dmarc;
    for (size_t i = 0; run->rec.q_auth && i < dm->n_dests && !run->oom; i++) {
        domain_dmarc_dest *d = &dm->dests[i];
        if (!d->external)
            continue;
        const dns_answer *a = rec_answer(run, run->rec.q_auth[i]);
        char *text = NULL;
        size_t len = 0;
        d->auth_status = a ? a->status : DNS_ERROR;
        d->authorized = rec_txt_pick(run, a, is_dmarc, &text, &len) > 0;
        free(text);
    }
}

int rec_dmarc_plan(domain_ctx *run, int wave, size_t *planned)
{
    domain_dmarc *dm = &run->out->dmarc;
    records_state *st = &run->rec;
    if (wave == 0) {
        char name[300];
        snprintf(name, sizeof name, "_dmarc.%s", run->o->domain);
        dm->status = DNS_TIMEOUT; /* until its answer is read */
        st->q_dmarc = section_ask(run, name, DNS_RR_TXT, planned);
    } else if (wave == 1 && dm->n_records == 0 && dm->org_domain &&
               !rec_failed(rec_answer(run, st->q_dmarc))) {
        /* §6.6.3: no record at the domain (and no lookup failure) */
        char name[300];
        snprintf(name, sizeof name, "_dmarc.%s", dm->org_domain);
        st->q_dmarc_org = section_ask(run, name, DNS_RR_TXT, planned);
    } else if (wave == auth_wave(dm) && dm->parsed && !st->q_auth) {
        plan_auth(run, planned);
    }
    return run->oom ? -1 : 0;
}

int rec_dmarc_consume(domain_ctx *run, int wave)
{
    domain_dmarc *dm = &run->out->dmarc;
    records_state *st = &run->rec;
    if (wave == 0) {
        take_record(run, rec_answer(run, st->q_dmarc), run->o->domain, false);
        err e;
        err_clear(&e);
        char *org = NULL;
        /* a name that is itself a public suffix has no organisational domain */
        if (dmarc_org_domain(run->o->domain, &org, &e) < 0 && e.cls == ERRC_INTERNAL)
            run->oom = true;
        if (org && strcmp(org, run->o->domain) != 0)
            dm->org_domain = org;
        else
            free(org);
    } else if (wave == 1 && st->q_dmarc_org >= 0) {
        take_record(run, rec_answer(run, st->q_dmarc_org), dm->org_domain, true);
    }
    if (wave == auth_wave(dm) && st->q_auth)
        consume_auth(run);
    return run->oom ? -1 : 0;
}

/* "p=reject", "p=none sp=quarantine pct=50", with "(sp applies)" noted by
 * the caller for a record inherited from the organisational domain. */
static void policy_words(const dmarc_record *r, char *out, size_t outsz)
{
    int w = snprintf(out, outsz, "p=%s", dmarc_policy_name(r->p));
    size_t used = w > 0 ? (size_t)w : 0;
    if (r->sp != DMARC_POLICY_UNSET && used < outsz) {
        w = snprintf(out + used, outsz - used, " sp=%s", dmarc_policy_name(r->sp));
        used += w > 0 ? (size_t)w : 0;
    }
    if (r->pct != 100 && used < outsz)
        snprintf(out + used, outsz - used, " pct=%d", r->pct);
}

static bool sends_mail(domain_ctx *run)
{
    if (rec_spf_sends(run))
        return true;
    const domain_dkim *dk = &run->out->dkim;
    for (size_t i = 0; i < dk->n_keys; i++)
        if (dk->keys[i].key && !dk->keys[i].key->revoked)
            return true;
    return false;
}

static void judge_dests(domain_ctx *run, const char *d)
{
    domain_dmarc *dm = &run->out->dmarc;
    for (size_t i = 0; i < dm->n_dests; i++) {
        domain_dmarc_dest *x = &dm->dests[i];
        if (!x->external || x->authorized || !x->auth_name)
            continue;
        const char *tag = i < dm->parsed->nrua ? "rua" : "ruf";
        if (x->auth_status != DNS_OK && x->auth_status != DNS_NXDOMAIN &&
            x->auth_status != DNS_NODATA) {
            char what[400];
            snprintf(what, sizeof what, "the report authorisation lookup of %s", x->auth_name);
            int q = run->rec.q_auth ? run->rec.q_auth[i] : -1;
            rec_lookup_failed(run, DSEC_DMARC, rec_answer(run, q), what);
            continue;
        }
        section_finding(run, DSEC_DMARC, "dmarc.rua_unauthorized", NULL,
                        "%s destination %s is outside %s and %s publishes no v=DMARC1 record: "
                        "it will not receive reports",
                        tag, x->uri, d, x->auth_name);
    }
}

void rec_dmarc_finish(domain_ctx *run)
{
    domain_dmarc *dm = &run->out->dmarc;
    const char *d = run->o->domain;
    records_state *st = &run->rec;
    const dns_answer *own = rec_answer(run, st->q_dmarc);
    bool sending = sends_mail(run);

    if (rec_failed(own) || (st->q_dmarc_org >= 0 && dm->n_records == 0 &&
                            rec_failed(rec_answer(run, st->q_dmarc_org)))) {
        bool at_org = !rec_failed(own);
        char what[300];
        snprintf(what, sizeof what, "the TXT lookup of _dmarc.%s", at_org ? dm->org_domain : d);
        rec_lookup_failed(run, DSEC_DMARC, at_org ? rec_answer(run, st->q_dmarc_org) : own, what);
        section_set(run, DSEC_DMARC, SS_PASS, "DMARC lookup failed");
        return;
    }
    if (dm->n_records == 0) {
        rec_finding(run, DSEC_DMARC, "dmarc.none", sending ? SEV_ERROR : SEV_WARNING, false, NULL,
                    "no DMARC record at _dmarc.%s%s%s%s", d,
                    dm->org_domain ? " nor at the organisational domain's _dmarc." : "",
                    dm->org_domain ? dm->org_domain : "",
                    sending ? " (the domain sends mail: SPF or DKIM are published)" : "");
        section_set(run, DSEC_DMARC, SS_PASS, "no DMARC record");
        return;
    }
    if (dm->n_records > 1) {
        section_finding(run, DSEC_DMARC, "dmarc.multiple", NULL,
                        "%s has %zu DMARC records: receivers apply none of them (RFC 7489 "
                        "§6.6.3)",
                        dm->found_at, dm->n_records);
        section_set(run, DSEC_DMARC, SS_PASS, "%zu records at %s (none applies)", dm->n_records,
                    dm->found_at);
        return;
    }
    if (dm->from_org)
        section_finding(run, DSEC_DMARC, "dmarc.from_org", NULL,
                        "no record at _dmarc.%s; the organisational domain's record at %s "
                        "applies, with its sp= policy for subdomains",
                        d, dm->found_at);
    if (!dm->parsed)
        return;
    err e;
    err_clear(&e);
    if (dmarc_advise(dm->parsed, sending, &e) < 0)
        run->oom = true;
    rec_problems(run, DSEC_DMARC, dm->parsed->problems, dm->parsed->nproblems, dm->found_at);
    /* dmarc_advise judges p; a subdomain inherits the organisational sp */
    if (dm->from_org && dm->parsed->sp == DMARC_POLICY_NONE &&
        dm->parsed->p != DMARC_POLICY_NONE)
        rec_finding(run, DSEC_DMARC, "dmarc.p_none", sending ? SEV_WARNING : SEV_INFO, false,
                    NULL,
                    "%s: sp=none applies to %s: spoofed mail from it is still delivered",
                    dm->found_at, d);
    judge_dests(run, record_domain(dm));

    char pol[96];
    policy_words(dm->parsed, pol, sizeof pol);
    size_t nrua = dm->parsed->nrua, unauth = 0;
    for (size_t i = 0; i < dm->n_dests; i++)
        unauth += dm->dests[i].external && !dm->dests[i].authorized;
    char extra[64] = "";
    if (unauth)
        snprintf(extra, sizeof extra, " (%zu unauthorised)", unauth);
    section_set(run, DSEC_DMARC, SS_PASS, "%s%s%s, rua %zu destination%s%s", pol,
                dm->from_org ? " from " : "", dm->from_org ? dm->found_at : "", nrua,
                nrua == 1 ? "" : "s", extra);
}
