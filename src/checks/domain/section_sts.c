/* section_sts.c — the MTA-STS and TLS-RPT sections of a domain report
 * (records.h).
 *
 * RFC 8461 §3.1: the TXT record at _mta-sts.DOMAIN; records not starting
 * with v=STSv1 are ignored, and anything but exactly one means no policy.
 * RFC 8460 §3: the TXT record at _smtp._tls.DOMAIN, the same rule for
 * v=TLSRPTv1. Only the TXT records are checked here: the MTA-STS policy file
 * is fetched over HTTPS by the TLS audit, which a note says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- analysis ---- */
#include "analysis/mtasts/mtasts.h"
#include "analysis/tlsrpt/tlsrpt.h"
/* ---- checks ---- */
#include "checks/domain/records.h"

int rec_sts_plan(domain_ctx *run, int wave, size_t *planned)
{
    if (wave != 0)
        return 0;
    char name[300];
    snprintf(name, sizeof name, "_mta-sts.%s", run->o->domain);
    run->rec.q_mtasts = section_ask(run, name, DNS_RR_TXT, planned);
    snprintf(name, sizeof name, "_smtp._tls.%s", run->o->domain);
    run->rec.q_tlsrpt = section_ask(run, name, DNS_RR_TXT, planned);
    return run->oom ? -1 : 0;
}

/* "v=STSv1" then ';', a blank or the end (§3.1: "v=STSv1;" starts it; a
 * blank before the ';' is allowed by the field grammar). */
static bool is_sts(const char *s, size_t n)
{
    return n >= 7 && memcmp(s, "v=STSv1", 7) == 0 &&
           (n == 7 || s[7] == ';' || tagrec_is_blank(s[7]));
}

static bool is_tlsrpt(const char *s, size_t n)
{
    return tlsrpt_is_tlsrpt(s, n);
}

/* The common part: status, record count, the first record escaped. Returns
 * the raw text of the only record (allocated) when there is exactly one. A
 * finding is added for a failed lookup, no record (none_id) and several
 * (multiple_id). */
static char *take_txt(domain_ctx *run, domain_section_id s, int q, const char *name,
                      bool (*is)(const char *, size_t), domain_txt_policy *p, size_t *len,
                      const char *none_id, const char *none_msg, const char *multiple_id)
{
    const dns_answer *a = rec_answer(run, q);
    char *text = NULL;
    p->status = a ? a->status : DNS_ERROR;
    p->dnssec = a ? a->dnssec : DNSSEC_UNCHECKED;
    if (rec_failed(a)) {
        char what[320];
        snprintf(what, sizeof what, "the TXT lookup of %s", name);
        rec_lookup_failed(run, s, a, what);
        section_set(run, s, SS_PASS, "lookup failed (%s)", dns_status_name(p->status));
        return NULL;
    }
    p->n_records = rec_txt_pick(run, a, is, &text, len);
    if (p->n_records == 0) {
        section_finding(run, s, none_id, NULL, "no record at %s: %s", name, none_msg);
        section_set(run, s, SS_PASS, "no record");
        return NULL;
    }
    if (!(p->record = section_escape(run, text, *len))) {
        free(text);
        return NULL;
    }
    if (p->n_records > 1) {
        section_finding(run, s, multiple_id, NULL,
                        "%s has %zu records: senders must ignore them all", name, p->n_records);
        section_set(run, s, SS_PASS, "%zu records (ignored)", p->n_records);
        free(text);
        return NULL;
    }
    return text;
}

static void finish_mtasts(domain_ctx *run)
{
    domain_mtasts *m = &run->out->mtasts;
    char name[300];
    size_t len = 0;
    snprintf(name, sizeof name, "_mta-sts.%s", run->o->domain);
    char *text = take_txt(run, DSEC_MTASTS, run->rec.q_mtasts, name, is_sts, &m->txt, &len,
                          "mtasts.none", "senders cannot be made to require TLS to your MX",
                          "mtasts.multiple");
    if (m->txt.record)
        section_note(run,
                     "MTA-STS: the policy file https://mta-sts.%s/.well-known/mta-sts.txt is "
                     "fetched and checked by the TLS audit, not by this report",
                     run->o->domain);
    if (!text)
        return;
    err e;
    err_clear(&e);
    if (mtasts_record_parse(text, len, &m->parsed, &e) < 0) {
        run->oom = true;
    } else {
        rec_problems(run, DSEC_MTASTS, m->parsed->problems, m->parsed->nproblems, name);
        if (m->parsed->id)
            section_set(run, DSEC_MTASTS, SS_PASS, "id=%s (policy file not fetched here)",
                        m->parsed->id);
        else
            section_set(run, DSEC_MTASTS, SS_PASS, "record without a valid id");
    }
    free(text);
}

static void finish_tlsrpt(domain_ctx *run)
{
    domain_tlsrpt *t = &run->out->tlsrpt;
    char name[300];
    size_t len = 0;
    snprintf(name, sizeof name, "_smtp._tls.%s", run->o->domain);
    char *text = take_txt(run, DSEC_TLSRPT, run->rec.q_tlsrpt, name, is_tlsrpt, &t->txt, &len,
                          "tlsrpt.none", "senders do not report TLS failures to you",
                          "tlsrpt.multiple");
    if (!text)
        return;
    err e;
    err_clear(&e);
    if (tlsrpt_parse(text, len, &t->parsed, &e) < 0) {
        run->oom = true;
    } else {
        rec_problems(run, DSEC_TLSRPT, t->parsed->problems, t->parsed->nproblems, name);
        size_t n = t->parsed->nrua;
        if (n)
            section_set(run, DSEC_TLSRPT, SS_PASS, "rua %zu destination%s: %s%s", n,
                        n == 1 ? "" : "s", t->parsed->rua[0], n > 1 ? ", ..." : "");
        else
            section_set(run, DSEC_TLSRPT, SS_PASS, "no usable rua destination");
    }
    free(text);
}

void rec_sts_finish(domain_ctx *run)
{
    finish_mtasts(run);
    finish_tlsrpt(run);
}
