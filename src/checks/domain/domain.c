/* domain.c — run a domain report: waves of concurrent DNS queries shared by
 * the sections, the SPF evaluation beside them, the --connect port sweep of
 * every MX host, then each section's verdict (domain.h, run.h).
 *
 * Threads and ownership: the waves run on the caller's thread and resolver.
 * The SPF evaluation runs in its own thread on spf_r (a resolver is not
 * thread-safe, so it must be a second one) and writes only into its spf_job;
 * the results move into out->spf after the join, which happens before any
 * section's finish() reads them. The sweep threads each write one
 * sweep_outcome and share only read-only options. Every thread is joined
 * before domain_run returns, and each is bounded by deadlines: the SPF job by
 * SPF_BUDGET_WAVES wave timeouts in all, the sweeps by their per-step timeouts. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tcp.h"
/* ---- analysis ---- */
#include "analysis/spf/spf_dns_unbound.h"
#include "analysis/spf/spf_eval.h"
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

#define DEFAULT_TIMEOUT_MS 5000
/* The SPF evaluations (walk, then --ip) may take this many wave timeouts in
 * all: a walk is up to ~20 sequential queries (10 terms, their records and
 * addresses), each fast on a working resolver; on a dead one the first
 * timeout ends it with temperror anyway. */
#define SPF_BUDGET_WAVES 4
#define SWEEP_THREADS_MAX 16 /* hosts probed at once (each sweep adds a thread per port) */

/* The address the SPF walk evaluates, chosen so that no mechanism matches
 * and every include is visited: 255.255.255.255, the IPv4 limited broadcast
 * address, can never be the source of an SMTP connection, so no honest ip4:
 * range names it — only 0.0.0.0/0 or similar, which is as permissive as +all
 * and deserves to end the walk. The documentation ranges (192.0.2.0/24 ...)
 * are worse choices: example and test records list them (our own fixture
 * does), which would stop the walk before the includes that follow. An IPv6
 * address is worse too: a and mx terms would then ask AAAA, and an IPv4-only
 * host would count as a void lookup (RFC 7208 §4.6.4) that real IPv4 senders,
 * still most of them, never cause. Its reverse zone is one of libunbound's
 * local RFC 6303 zones, so a ptr term costs no network query. */
#define SPF_WALK_IP "255.255.255.255"

/* ------------------------------------------------------------- SPF */

/* The SPF DNS backend wrapped to count queries and to stop asking once the
 * job's overall deadline has passed (each query then gets what is left). */
typedef struct spf_counted {
    spf_dns inner;
    spf_dns_unbound *st;
    int64_t query_ms;
    int64_t deadline;
    unsigned queries;
} spf_counted;

static spf_dns_status counted_lookup(void *ctx, spf_rrtype type, const char *name, spf_answer *ans)
{
    spf_counted *c = ctx;
    int64_t left = clock_remaining_ms(c->deadline);
    if (left <= 0)
        return SPF_DNS_ERROR;
    c->st->query_ms = left < c->query_ms ? left : c->query_ms;
    c->queries++;
    return c->inner.lookup(c->inner.ctx, type, name, ans);
}

typedef struct spf_job {
    const domain_opts *o;
    dns_resolver *r;
    int64_t timeout_ms;
    spf_outcome *walk, *eval; /* results, owned until moved into out->spf */
    unsigned queries;
    bool oom;
    char *sender;             /* owned: postmaster@DOMAIN when --sender is not given */
} spf_job;

static spf_outcome *spf_one(spf_job *j, spf_counted *c, const spf_request *req)
{
    spf_outcome *res = NULL;
    err e;
    err_clear(&e);
    spf_dns dns = {.ctx = c, .lookup = counted_lookup};
    if (spf_check_host(&dns, req, &res, &e) < 0) {
        if (e.cls == ERRC_INTERNAL)
            j->oom = true;
        return NULL;
    }
    return res;
}

static void *spf_job_run(void *arg)
{
    spf_job *j = arg;
    spf_dns_unbound st;
    spf_counted c = {.st = &st, .query_ms = j->timeout_ms};
    spf_dns_unbound_init(&c.inner, &st, j->r, j->timeout_ms);
    c.deadline = clock_deadline_in(SPF_BUDGET_WAVES * j->timeout_ms);

    spf_request walk = {.ip = SPF_WALK_IP, .sender = j->sender, .helo = j->o->domain,
                        .domain = j->o->domain};
    j->walk = spf_one(j, &c, &walk);
    /* Only a single record can be walked (domain.h): none, several, or a
     * failed TXT lookup leave the walk NULL; the records section reports
     * those from its own TXT query. */
    if (j->walk && (!j->walk->tree || !j->walk->tree->record)) {
        spf_outcome_free(j->walk);
        j->walk = NULL;
    }
    if (j->o->ip && !j->oom) {
        c.deadline = clock_deadline_in(SPF_BUDGET_WAVES * j->timeout_ms);
        spf_request ev = {.ip = j->o->ip, .sender = j->o->sender ? j->o->sender : j->sender,
                          .helo = j->o->helo};
        j->eval = spf_one(j, &c, &ev);
    }
    j->queries = c.queries;
    return NULL;
}

static void spf_collect(domain_ctx *run, spf_job *j)
{
    domain_spf *spf = &run->out->spf;
    spf->walk = j->walk;
    spf->eval = j->eval;
    j->walk = j->eval = NULL;
    run->out->queries += j->queries;
    if (j->oom)
        run->oom = true;
    if (run->o->ip && !spf->eval && !j->oom)
        section_note(run, "SPF was not evaluated for --ip %s: not an IPv4 or IPv6 address",
                     run->o->ip);
    if (run->o->ip && !(spf->eval_ip = xstrdup(run->o->ip)))
        run->oom = true;
}

/* ----------------------------------------------------------- sweep */

typedef struct sweep_job {
    endpoint_opts opts;       /* --connect options with this MX host as the TLS name */
    tcp_addr addrs[16];
    size_t n;
    sweep_outcome *res;
    int rc;
} sweep_job;

static void *sweep_job_run(void *arg)
{
    sweep_job *j = arg;
    j->rc = sweep_run(&j->opts, j->addrs, j->n, j->res);
    return NULL;
}

static void sweep_findings(domain_ctx *run, const domain_mx_host *h)
{
    const sweep_outcome *s = h->probe;
    bool any = false, has25 = false, open25 = false;
    char list[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < s->n; i++) {
        const sweep_port *p = &s->ports[i];
        any |= p->state == PORT_OPEN || p->state == PORT_REJECTING;
        has25 |= p->port == 25;
        open25 |= p->port == 25 && p->state == PORT_OPEN;
        if (len < sizeof list) {
            int w = snprintf(list + len, sizeof list - len, "%s%d %s", i ? ", " : "", p->port,
                             port_state_name(p->state));
            len += w > 0 ? (size_t)w : 0;
        }
    }
    if (!any)
        section_finding(run, DSEC_MX, "mx.unreachable", NULL,
                        "no SMTP port answered on MX host %s (%s)", h->host, list);
    else if (has25 && !open25)
        section_finding(run, DSEC_MX, "mx.port25_closed", NULL,
                        "MX host %s does not accept SMTP on port 25 (%s); other servers deliver "
                        "to an MX only on port 25",
                        h->host, list);
}

/* Probe every MX host that has addresses, SWEEP_THREADS_MAX at a time. */
static void connect_sweep(domain_ctx *run)
{
    domain_mx *mx = &run->out->mx;
    const endpoint_opts *eo = run->o->connect_opts;
    if (!eo) {
        section_note(run, "--connect without connection options: the MX hosts were not probed");
        return;
    }
    sweep_job *jobs = calloc(mx->n_hosts ? mx->n_hosts : 1, sizeof *jobs);
    pthread_t *th = calloc(mx->n_hosts ? mx->n_hosts : 1, sizeof *th);
    bool *started = calloc(mx->n_hosts ? mx->n_hosts : 1, sizeof *started);
    if (!jobs || !th || !started) {
        run->oom = true;
        goto out;
    }
    for (size_t base = 0; base < mx->n_hosts; base += SWEEP_THREADS_MAX) {
        size_t end = mx->n_hosts - base > SWEEP_THREADS_MAX ? base + SWEEP_THREADS_MAX
                                                            : mx->n_hosts;
        for (size_t i = base; i < end; i++) {
            domain_mx_host *h = &mx->hosts[i];
            sweep_job *j = &jobs[i];
            j->opts = *eo;
            j->opts.host = h->host;
            if (j->opts.timeout_ms <= 0)
                j->opts.timeout_ms = DEFAULT_TIMEOUT_MS;
            for (size_t k = 0; k < h->n_addrs && j->n < sizeof j->addrs / sizeof j->addrs[0]; k++)
                if (tcp_addr_parse(h->addrs[k], &j->addrs[j->n]) == 0)
                    j->n++;
            if (!j->n)
                continue;
            if (!(j->res = calloc(1, sizeof *j->res))) {
                run->oom = true;
                continue;
            }
            started[i] = pthread_create(&th[i], NULL, sweep_job_run, j) == 0;
            if (!started[i])
                sweep_job_run(j); /* no thread: probe inline, slower but complete */
        }
        for (size_t i = base; i < end; i++)
            if (started[i])
                pthread_join(th[i], NULL);
    }
    for (size_t i = 0; i < mx->n_hosts; i++) {
        if (!jobs[i].res)
            continue;
        if (jobs[i].rc < 0)
            run->oom = true;
        mx->hosts[i].probe = jobs[i].res;
        sweep_findings(run, &mx->hosts[i]);
    }
out:
    free(jobs);
    free(th);
    free(started);
}

/* ----------------------------------------------------------- the run */

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
    int64_t start = clock_now_ms();
    memset(out, 0, sizeof *out);
    domain_ctx run = {.o = o, .out = out};
    int64_t timeout = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    spf_job job = {.o = o, .r = spf_r ? spf_r : r, .timeout_ms = timeout};
    pthread_t spf_th;
    bool spf_started = false;

    out->domain = xstrdup(o->domain);
    job.sender = xasprintf("postmaster@%s", o->domain);
    run.batch = dns_batch_new(r);
    if (!out->domain || !job.sender || !run.batch) {
        run.oom = true;
        goto done;
    }
    out->dnssec_validated = dns_resolver_validates(r);
    if (spf_r)
        spf_started = pthread_create(&spf_th, NULL, spf_job_run, &job) == 0;

    for (int wave = 0; wave < DOMAIN_MAX_WAVES && !run.oom; wave++) {
        size_t planned = 0;
        for (size_t i = 0; i < N_OPS; i++) {
            size_t n = 0;
            if (section_ops[i]->plan && section_ops[i]->plan(&run, wave, &n) < 0)
                run.oom = true;
            planned += n;
        }
        if (planned == 0 || run.oom)
            break;
        err e = {0};
        if (dns_batch_run(run.batch, clock_deadline_in(timeout), &e) < 0) {
            section_note(&run, "DNS wave %d failed: %s", wave + 1, e.msg);
            if (e.cls == ERRC_INTERNAL)
                run.oom = true;
            break;
        }
        out->waves++;
        for (size_t i = 0; i < N_OPS; i++)
            if (section_ops[i]->consume && section_ops[i]->consume(&run, wave) < 0)
                run.oom = true;
    }
    out->queries += (unsigned)dns_batch_count(run.batch);

    /* The sweep needs only the MX addresses: it overlaps the SPF thread. */
    if (o->connect && !run.oom)
        connect_sweep(&run);
    if (spf_started)
        pthread_join(spf_th, NULL);
    else
        spf_job_run(&job); /* no second resolver (or no thread): after the waves, on r */
    spf_collect(&run, &job);

    for (size_t i = 0; i < N_OPS; i++)
        if (section_ops[i]->finish)
            section_ops[i]->finish(&run);
    raise_statuses(out);

done:
    for (size_t i = 0; i < N_OPS; i++)
        if (section_ops[i]->free_state)
            section_ops[i]->free_state(&run);
    dns_batch_free(run.batch);
    spf_outcome_free(job.walk);
    spf_outcome_free(job.eval);
    free(job.sender);
    out->total_ms = clock_now_ms() - start;
    return run.oom ? -1 : 0;
}
