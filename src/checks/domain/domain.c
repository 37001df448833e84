/* domain.c — run a domain report: waves of concurrent DNS queries shared by
 * the sections, the SPF evaluation beside them, then each section's verdict
 * (domain.h, run.h). */
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- checks ---- */
#include "checks/domain.h"
#include "checks/domain/run.h"

static const domain_section_ops *const section_ops[] = {
    &domain_section_mx,
    &domain_section_records,
    &domain_section_reverse,
    &domain_section_dnsbl,
};
#define N_OPS (sizeof section_ops / sizeof section_ops[0])

/* A section's status is at least as bad as its worst finding: sections only
 * decide skip/pass, so the rule lives in one place. */
static void raise_statuses(domain_outcome *out)
{
    for (size_t i = 0; i < out->findings.n; i++) {
        const finding *f = &out->findings.v[i];
        for (int s = 0; s < DSEC__COUNT; s++) {
            if (domain_section_stage((domain_section_id)s) != f->stage)
                continue;
            stage_status want = f->sev == SEV_ERROR     ? SS_FAIL
                                : f->sev == SEV_WARNING ? SS_WARN
                                                        : SS_PASS;
            if (out->status[s] == SS_SKIP || want > out->status[s])
                out->status[s] = want;
        }
    }
}

int domain_run(const domain_opts *o, dns_resolver *r, dns_resolver *spf_r, domain_outcome *out)
{
    (void)spf_r; /* TODO(domain-core): the SPF evaluation thread */
    int64_t start = clock_now_ms();
    memset(out, 0, sizeof *out);
    domain_ctx run = {.o = o, .out = out};
    out->domain = xstrdup(o->domain);
    run.batch = dns_batch_new(r);
    if (!out->domain || !run.batch) {
        run.oom = true;
        goto done;
    }
    out->dnssec_validated = dns_resolver_validates(r);
    for (int wave = 0; wave < DOMAIN_MAX_WAVES && !run.oom; wave++) {
        size_t planned = 0;
        for (size_t i = 0; i < N_OPS; i++) {
            size_t n = 0;
            if (section_ops[i]->plan && section_ops[i]->plan(&run, wave, &n) < 0)
                run.oom = true;
            planned += n;
        }
        if (planned == 0)
            break;
        err e = {0};
        int64_t timeout = o->timeout_ms > 0 ? o->timeout_ms : 5000;
        if (dns_batch_run(run.batch, clock_deadline_in(timeout), &e) < 0) {
            section_note(&run, "DNS wave %d failed: %s", wave + 1, e.msg);
            break;
        }
        out->waves++;
        for (size_t i = 0; i < N_OPS; i++)
            if (section_ops[i]->consume && section_ops[i]->consume(&run, wave) < 0)
                run.oom = true;
    }
    for (size_t i = 0; i < N_OPS; i++)
        if (section_ops[i]->finish)
            section_ops[i]->finish(&run);
    raise_statuses(out);
    out->queries += (unsigned)dns_batch_count(run.batch);

done:
    for (size_t i = 0; i < N_OPS; i++)
        if (section_ops[i]->free_state)
            section_ops[i]->free_state(&run);
    dns_batch_free(run.batch);
    out->total_ms = clock_now_ms() - start;
    return run.oom ? -1 : 0;
}
