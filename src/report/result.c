/* result.c — the result model: outcomes handed over by the checks, one list
 * of findings and notes, and the verdict derived from them (result.h).
 *
 * The result owns everything it holds once a check hands its outcome over;
 * findings and notes are moved (not copied) into the result's own lists so a
 * renderer walks one list whatever produced them. Verdict rules are those of
 * docs/json.md, applied in result_finish() only. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/explain.h"
#include "checks/finding.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/result.h"

const char *verdict_name(verdict v)
{
    switch (v) {
    case VERDICT_PASS: return "pass";
    case VERDICT_WARN: return "warn";
    case VERDICT_FAIL: return "fail";
    case VERDICT_TEMPFAIL: return "tempfail";
    }
    return "fail";
}

result *result_new(const char *command)
{
    result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->command = command;
    r->verdict = VERDICT_PASS;
    return r;
}

static void free_endpoint(endpoint_outcome *e)
{
    if (!e)
        return;
    endpoint_outcome_free(e);
    free(e);
}

static void free_sweep(sweep_outcome *s)
{
    if (!s)
        return;
    sweep_outcome_free(s);
    free(s);
}

static void free_domain(domain_outcome *d)
{
    if (!d)
        return;
    domain_outcome_free(d);
    free(d);
}

/* The security outcomes share one shape: free the contents, then the struct. */
#define FREE_OUTCOME(fn, x) \
    do {                    \
        if (x) {            \
            fn(x);          \
            free(x);        \
        }                   \
    } while (0)

void result_free(result *r)
{
    if (!r)
        return;
    free_endpoint(r->endpoint);
    free_sweep(r->sweep);
    free_domain(r->domain);
    FREE_OUTCOME(tls_audit_outcome_free, r->tls_audit);
    FREE_OUTCOME(smuggling_outcome_free, r->smuggling);
    FREE_OUTCOME(relay_outcome_free, r->relay);
    explain_outcome_free(r->explain);
    finding_list_free(&r->findings);
    for (size_t i = 0; i < r->n_notes; i++)
        free(r->notes[i]);
    free(r->notes);
    free(r);
}

/* Append src's notes to the result's, taking each string. Notes that could
 * not be moved (OOM) stay in src and are freed with it. */
static int move_notes(result *r, char ***src, size_t *n_src)
{
    if (*n_src == 0)
        return 0;
    char **v = realloc(r->notes, (r->n_notes + *n_src) * sizeof *v);
    if (!v)
        return -1;
    memcpy(v + r->n_notes, *src, *n_src * sizeof *v);
    r->notes = v;
    r->n_notes += *n_src;
    free(*src);
    *src = NULL;
    *n_src = 0;
    return 0;
}

int result_take_endpoint(result *r, endpoint_outcome *e)
{
    if (!e)
        return 0;
    /* One endpoint per result; a second hand-over replaces the first rather
     * than leaking it. */
    if (r->endpoint && r->endpoint != e)
        free_endpoint(r->endpoint);
    r->endpoint = e;
    int rc = 0;
    if (finding_list_move(&r->findings, &e->findings) < 0)
        rc = -1;
    if (move_notes(r, &e->notes, &e->n_notes) < 0)
        rc = -1;
    return rc;
}

int result_take_sweep(result *r, sweep_outcome *s)
{
    if (!s)
        return 0;
    if (r->sweep && r->sweep != s)
        free_sweep(r->sweep);
    r->sweep = s;
    return 0;
}

int result_take_domain(result *r, domain_outcome *d)
{
    if (!d)
        return 0;
    if (r->domain && r->domain != d)
        free_domain(r->domain);
    r->domain = d;
    int rc = 0;
    if (finding_list_move(&r->findings, &d->findings) < 0)
        rc = -1;
    if (move_notes(r, &d->notes, &d->n_notes) < 0)
        rc = -1;
    return rc;
}

int result_add_note(result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = NULL;
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if (xarray_push((void ***)&r->notes, &r->n_notes, line) < 0) {
        free(line);
        return -1;
    }
    return 0;
}

/* A permanent error outranks a temporary one: if anything failed for good,
 * retrying will not help, so the run is a failure (exit 1), not a tempfail. */
void result_finish(result *r)
{
    bool fail = false, tempfail = false, warn = false;
    for (size_t i = 0; i < r->findings.n; i++) {
        const finding *f = &r->findings.v[i];
        if (f->sev == SEV_ERROR) {
            if (f->temporary)
                tempfail = true;
            else
                fail = true;
        } else if (f->sev == SEV_WARNING) {
            warn = true;
        }
    }
    r->verdict = fail ? VERDICT_FAIL : tempfail ? VERDICT_TEMPFAIL : warn ? VERDICT_WARN
                                                                          : VERDICT_PASS;
}

/* Each security outcome moves its findings and notes into the result the
 * same way; the slot is replaced (never leaked) on a second hand-over. */
#define TAKE_OUTCOME(slot, fn, x)                                \
    do {                                                         \
        if (!(x))                                                \
            return 0;                                            \
        if ((slot) && (slot) != (x))                             \
            FREE_OUTCOME(fn, slot);                              \
        (slot) = (x);                                            \
        int rc_ = 0;                                             \
        if (finding_list_move(&r->findings, &(x)->findings) < 0) \
            rc_ = -1;                                            \
        if (move_notes(r, &(x)->notes, &(x)->n_notes) < 0)       \
            rc_ = -1;                                            \
        return rc_;                                              \
    } while (0)

int result_take_tls_audit(result *r, tls_audit_outcome *a)
{
    TAKE_OUTCOME(r->tls_audit, tls_audit_outcome_free, a);
}

int result_take_smuggling(result *r, smuggling_outcome *s)
{
    TAKE_OUTCOME(r->smuggling, smuggling_outcome_free, s);
}

int result_take_relay(result *r, relay_outcome *x)
{
    TAKE_OUTCOME(r->relay, relay_outcome_free, x);
}
