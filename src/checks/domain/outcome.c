/* outcome.c — names, default lists and freeing of the domain outcome
 * (domain.h), and the small helpers sections share (run.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/escape.h"
#include "core/xalloc.h"
/* ---- checks ---- */
#include "checks/domain.h"
#include "checks/domain/run.h"

static const struct {
    const char *name;
    stage_id stage;
} sections[DSEC__COUNT] = {
    [DSEC_MX] = {"mx", STAGE_MX},           [DSEC_SPF] = {"spf", STAGE_SPF},
    [DSEC_DKIM] = {"dkim", STAGE_DKIM},     [DSEC_DMARC] = {"dmarc", STAGE_DMARC},
    [DSEC_MTASTS] = {"mtasts", STAGE_MTASTS}, [DSEC_TLSRPT] = {"tlsrpt", STAGE_TLSRPT},
    [DSEC_PTR] = {"ptr", STAGE_PTR},        [DSEC_HELO] = {"helo", STAGE_HELO},
    [DSEC_DNSBL] = {"dnsbl", STAGE_DNSBL},
};

const char *domain_section_name(domain_section_id s)
{
    return (int)s >= 0 && s < DSEC__COUNT ? sections[s].name : "none";
}

stage_id domain_section_stage(domain_section_id s)
{
    return (int)s >= 0 && s < DSEC__COUNT ? sections[s].stage : STAGE_NONE;
}

/* Selectors of widely used signers; docs/cli/domain.md lists them with who
 * uses each. Keep the two in step. */
const char *const domain_default_selectors[] = {
    "default",  "dkim",      "mail",     "selector1", "selector2",     "google",
    "k1",       "k2",        "k3",       "s1",        "s2",            "smtp",
    "key1",     "key2",      "sig1",     "mxvault",   "mandrill",      "zoho",
    "protonmail", "fm1",     "fm2",      "fm3",       "everlytickey1", "20230601",
    "20161025", "dkim1024",  "pm",       "mailjet",   "sendgrid",      NULL,
};

/* Public blocklists that are widely used and free for low-volume queries.
 * Several refuse queries that come through large public resolvers (they
 * answer 127.255.255.x); the report says so instead of calling it a listing. */
const char *const domain_default_dnsbls[] = {
    "zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org", "psbl.surriel.com",
    "bl.mailspike.net", NULL,
};

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void domain_outcome_free(domain_outcome *d)
{
    if (!d)
        return;
    free(d->domain);
    for (int s = 0; s < DSEC__COUNT; s++)
        free(d->summary[s]);

    for (size_t i = 0; i < d->mx.n_hosts; i++) {
        domain_mx_host *h = &d->mx.hosts[i];
        free(h->host);
        free(h->cname);
        free_strv(h->addrs, h->n_addrs);
        if (h->probe) {
            sweep_outcome_free(h->probe);
            free(h->probe);
        }
    }
    free(d->mx.hosts);

    free_strv(d->spf.records, d->spf.n_records);
    spf_outcome_free(d->spf.walk);
    spf_outcome_free(d->spf.eval);
    free(d->spf.eval_ip);

    for (size_t i = 0; i < d->dkim.n_keys; i++) {
        domain_dkim_key *k = &d->dkim.keys[i];
        free(k->selector);
        free(k->name);
        free(k->record);
        dkimkey_record_free(k->key);
    }
    free(d->dkim.keys);

    free(d->dmarc.found_at);
    free(d->dmarc.org_domain);
    free(d->dmarc.record);
    dmarc_record_free(d->dmarc.parsed);
    for (size_t i = 0; i < d->dmarc.n_dests; i++) {
        free(d->dmarc.dests[i].uri);
        free(d->dmarc.dests[i].auth_name);
    }
    free(d->dmarc.dests);

    free(d->mtasts.txt.record);
    mtasts_record_free(d->mtasts.parsed);
    domain_sts_policy_free(d->mtasts.policy);
    free(d->tlsrpt.txt.record);
    tlsrpt_record_free(d->tlsrpt.parsed);

    for (size_t i = 0; i < d->ptr.n; i++) {
        domain_ptr_entry *p = &d->ptr.v[i];
        free(p->addr);
        free(p->for_host);
        free_strv(p->names, p->n_names);
        free(p->confirmed_name);
    }
    free(d->ptr.v);

    free(d->helo.name);
    free_strv(d->helo.addrs, d->helo.n_addrs);

    free_strv(d->dnsbl.zones, d->dnsbl.n_zones);
    for (size_t i = 0; i < d->dnsbl.n; i++) {
        domain_dnsbl_entry *b = &d->dnsbl.v[i];
        free(b->addr);
        free(b->zone);
        free(b->query);
        free_strv(b->codes, b->n_codes);
        free(b->reason);
    }
    free(d->dnsbl.v);

    finding_list_free(&d->findings);
    free_strv(d->notes, d->n_notes);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------ section helpers */

int section_ask(domain_ctx *run, const char *name, dns_rrtype t, size_t *planned)
{
    size_t before = dns_batch_count(run->batch);
    int i = dns_batch_add(run->batch, name, t);
    if (i < 0) {
        if (before < DNS_BATCH_MAX)
            run->oom = true;
        return -1;
    }
    (*planned)++;
    return i;
}

void section_finding(domain_ctx *run, domain_section_id s, const char *id, const char *advice,
                     const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0 || finding_add(&run->out->findings, id, domain_section_stage(s), advice, "%s",
                             msg) < 0)
        run->oom = true;
    free(n < 0 ? NULL : msg);
}

void section_note(domain_ctx *run, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        run->oom = true;
        return;
    }
    if (xarray_push((void ***)&run->out->notes, &run->out->n_notes, msg) < 0) {
        free(msg);
        run->oom = true;
    }
}

void section_set(domain_ctx *run, domain_section_id s, stage_status st, const char *fmt, ...)
{
    run->out->status[s] = st;
    free(run->out->summary[s]);
    run->out->summary[s] = NULL;
    if (!fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&run->out->summary[s], fmt, ap) < 0) {
        run->out->summary[s] = NULL;
        run->oom = true;
    }
    va_end(ap);
}

char *section_escape(domain_ctx *run, const char *s, size_t n)
{
    char *e = escape_display(s ? s : "", s ? n : 0);
    if (!e)
        run->oom = true;
    return e;
}
