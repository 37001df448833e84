/* section_records.c — the record sections of a domain report as one section
 * of the run (run.h): SPF (section_spf.c), DKIM (section_dkim.c), DMARC
 * (section_dmarc.c), MTA-STS and TLS-RPT (section_sts.c), and the helpers
 * they share (records.h).
 *
 * Every record lookup goes out in wave 0; only DMARC needs later waves (the
 * organisational domain, report authorisation names). SPF, DKIM, MTA-STS and
 * TLS-RPT read their answers in finish(), after the last wave, when the SPF
 * evaluation trees of domain.c are also there. Nothing here prints; record
 * text is untrusted DNS data and only reaches the outcome escaped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- checks ---- */
#include "checks/domain/records.h"
#include "checks/domain/run.h"

/* ------------------------------------------------------------ helpers */

const dns_answer *rec_answer(domain_ctx *run, int q)
{
    return q < 0 ? NULL : dns_batch_answer(run->batch, q);
}

char *rec_txt_join(domain_ctx *run, const dns_txt *t, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nstrs; i++) {
        n += t->lens[i];
        if (n > REC_TXT_MAX)
            return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        run->oom = true;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < t->nstrs; i++) {
        memcpy(s + o, t->strs[i], t->lens[i]);
        o += t->lens[i];
    }
    s[o] = '\0';
    *len = o;
    return s;
}

size_t rec_txt_pick(domain_ctx *run, const dns_answer *a, bool (*is)(const char *, size_t),
                    char **text, size_t *len)
{
    size_t found = 0;
    *text = NULL;
    *len = 0;
    if (!a || a->status != DNS_OK)
        return 0;
    for (size_t i = 0; i < a->txt.n && !run->oom; i++) {
        size_t n = 0;
        char *s = rec_txt_join(run, &a->txt.v[i], &n);
        if (!s || !is(s, n)) {
            free(s);
            continue;
        }
        if (found++ == 0) {
            *text = s;
            *len = n;
        } else {
            free(s);
        }
    }
    return found;
}

bool rec_failed(const dns_answer *a)
{
    return !a || (a->status != DNS_OK && a->status != DNS_NXDOMAIN && a->status != DNS_NODATA);
}

void rec_lookup_failed(domain_ctx *run, domain_section_id s, const dns_answer *a,
                       const char *what)
{
    char id[32];
    const char *sec = domain_section_name(s);
    if (!a) {
        snprintf(id, sizeof id, "%s.lookup_failed", sec);
        section_finding(run, s, id, NULL, "%s was not asked (too many queries in one report)",
                        what);
        return;
    }
    snprintf(id, sizeof id, "%s.%s", sec, a->status == DNS_TIMEOUT ? "timeout" : "lookup_failed");
    if (a->dnssec == DNSSEC_BOGUS)
        section_finding(run, s, id, NULL, "%s failed DNSSEC validation (bogus)", what);
    else
        section_finding(run, s, id, NULL, "%s failed: %s", what,
                        a->why ? a->why : dns_status_name(a->status));
}

void rec_finding(domain_ctx *run, domain_section_id s, const char *id, severity sev,
                 bool temporary, const char *advice, const char *fmt, ...)
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
    finding_list *l = &run->out->findings;
    size_t before = l->n;
    section_finding(run, s, id, advice, "%s", msg);
    free(msg);
    if (l->n > before) {
        l->v[l->n - 1].sev = sev;
        l->v[l->n - 1].temporary = temporary;
    }
}

void rec_problems(domain_ctx *run, domain_section_id s, const tagrec_problem *v, size_t n,
                  const char *where)
{
    static const severity sev[] = {
        [TAGREC_SEV_INFO] = SEV_INFO,
        [TAGREC_SEV_WARNING] = SEV_WARNING,
        [TAGREC_SEV_ERROR] = SEV_ERROR,
    };
    for (size_t i = 0; i < n; i++)
        rec_finding(run, s, v[i].code, sev[v[i].sev], false, NULL, "%s: %s", where,
                    v[i].detail);
}

char *rec_show(domain_ctx *run, const char *s, size_t n)
{
    if (n <= REC_SHOW_MAX)
        return section_escape(run, s, n);
    char *e = section_escape(run, s, REC_SHOW_MAX);
    char *r = e ? xasprintf("%s...", e) : NULL;
    free(e);
    if (!r)
        run->oom = true;
    return r;
}

/* ------------------------------------------------------------ the section */

static int records_plan(domain_ctx *run, int wave, size_t *planned)
{
    if (wave == 0) {
        records_state *st = &run->rec;
        /* zero is a valid batch index: mark everything "not asked" first */
        st->q_txt = st->q_dmarc = st->q_dmarc_org = st->q_mtasts = st->q_tlsrpt = -1;
    }
    *planned = 0;
    if (rec_spf_plan(run, wave, planned) < 0 || rec_dkim_plan(run, wave, planned) < 0 ||
        rec_dmarc_plan(run, wave, planned) < 0 || rec_sts_plan(run, wave, planned) < 0)
        return -1;
    return 0;
}

static int records_consume(domain_ctx *run, int wave)
{
    return rec_dmarc_consume(run, wave);
}

static void records_finish(domain_ctx *run)
{
    rec_spf_finish(run);
    rec_dkim_finish(run);
    rec_dmarc_finish(run); /* after SPF and DKIM: "sends mail" reads both */
    rec_sts_finish(run);
}

static void records_free_state(domain_ctx *run)
{
    records_state *st = &run->rec;
    free(st->q_dkim);
    free(st->dkim_sel);
    free(st->q_auth);
    st->q_dkim = NULL;
    st->dkim_sel = NULL;
    st->q_auth = NULL;
}

const domain_section_ops domain_section_records = {
    .id = DSEC_SPF,
    .plan = records_plan,
    .consume = records_consume,
    .finish = records_finish,
    .free_state = records_free_state,
};
