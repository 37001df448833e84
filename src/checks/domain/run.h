/* run.h — internal: how the sections of a domain report share one run.
 *
 * Only checks/domain/ includes this. domain.c owns the run: it calls every
 * section's plan() for wave w, sends the batch once (all queries of the wave
 * in flight together), then calls every section's consume() for wave w, and
 * repeats until a wave plans nothing (at most DOMAIN_MAX_WAVES). A section
 * remembers the batch indices it added in its own state inside the run, reads
 * what other sections produced from run->out (e.g. the PTR and DNSBL sections
 * read the MX hosts' addresses once the MX section filled them in wave 2),
 * writes its part of run->out, and adds findings with section_finding().
 *
 * Wave plan (a section may use fewer waves):
 *   wave 0: MX, domain TXT (SPF records), _dmarc, _mta-sts, _smtp._tls, every
 *           DKIM selector, --helo A/AAAA, --ip PTR, --ip in every blocklist
 *   wave 1: MX hosts' A/AAAA (and the domain's own for an implicit MX), the
 *           org domain's _dmarc, report authorisation names, --ip PTR names'
 *           A/AAAA (forward confirmation), TXT of listed --ip entries
 *   wave 2: PTR of every MX address, MX addresses in every blocklist
 *   wave 3: forward confirmation of those PTR names, TXT of listed entries
 */
#ifndef SMTPSCOPE_CHECKS_DOMAIN_RUN_H
#define SMTPSCOPE_CHECKS_DOMAIN_RUN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "checks/domain.h"
#include "dns/batch.h"

#define DOMAIN_MAX_WAVES 6

/* Per-section bookkeeping of batch indices (-1 = not asked). Sections keep
 * whatever else they need in here too; each struct belongs to one file. */
typedef struct mx_state {
    int q_mx;
    int q_self[2];            /* implicit MX: the domain's AAAA, A */
    int *q_host;              /* 2 per host: AAAA, A; owned */
} mx_state;

typedef struct records_state {
    int q_txt;                /* TXT at the domain (SPF records) */
    int q_dmarc, q_dmarc_org;
    int q_mtasts, q_tlsrpt;
    int q_sts_host[2];        /* AAAA, A of mta-sts.DOMAIN (section_sts.c, wave 1); -1 */
    int *q_dkim;              /* one per selector tried; owned */
    size_t n_dkim;
    const char **dkim_sel;    /* the selectors tried (borrowed strings); owned array */
    int *q_auth;              /* one per DMARC destination; owned */
} records_state;

typedef struct reverse_state {
    int q_helo[2];            /* AAAA, A of --helo */
    int *q_ptr;               /* one per ptr entry; owned */
    int *q_fwd;               /* 2 per PTR name of each entry (AAAA, A); owned */
    size_t n_fwd;
    size_t n_planned;         /* ptr entries whose PTR query is planned */
} reverse_state;

typedef struct dnsbl_state {
    int *q_a;                 /* one per entry; owned */
    int *q_txt;               /* one per entry; owned */
    size_t n_planned;         /* entries whose A query is planned */
} dnsbl_state;

typedef struct domain_ctx {
    const domain_opts *o;
    domain_outcome *out;
    dns_batch *batch;
    bool oom;                 /* an allocation failed: finish, return -1 */
    mx_state mx;
    records_state rec;
    reverse_state rev;
    dnsbl_state bl;
} domain_ctx;

/* A section's two steps for wave w. Each returns 0, or -1 on OOM. plan()
 * adds queries with dns_batch_add and sets *planned to how many it added. */
typedef struct domain_section_ops {
    domain_section_id id;
    int (*plan)(domain_ctx *run, int wave, size_t *planned);
    int (*consume)(domain_ctx *run, int wave);
    void (*finish)(domain_ctx *run);  /* after the last wave: status, summary; may be NULL */
    void (*free_state)(domain_ctx *run); /* free the section's *_state; may be NULL */
} domain_section_ops;

/* Sections, each in its own file. */
extern const domain_section_ops domain_section_mx;      /* section_mx.c */
extern const domain_section_ops domain_section_records; /* section_records.c: SPF records,
                                                           DKIM, DMARC, MTA-STS, TLS-RPT */
extern const domain_section_ops domain_section_reverse; /* section_reverse.c: PTR, HELO */
extern const domain_section_ops domain_section_dnsbl;   /* section_dnsbl.c */

/* Queue a question for this wave and return its batch index (-1 when the
 * batch is full — the question is then not asked — or on OOM, which sets
 * run->oom). *planned is incremented even when the batch already had the
 * question (another section asked it): the wave must still run so that
 * consume() sees it answered. */
int section_ask(domain_ctx *run, const char *name, dns_rrtype t, size_t *planned);

/* Add a finding for section s (its stage is domain_section_stage(s)); advice
 * NULL takes the catalogue's. Sets run->oom on failure. */
void section_finding(domain_ctx *run, domain_section_id s, const char *id, const char *advice,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Append an informational note to the outcome. Sets run->oom on failure. */
void section_note(domain_ctx *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set a section's status and one-line summary (summary copied; may be NULL).
 * The status is raised to the worst severity of the section's findings by
 * domain.c after finish(), so a section only needs to set SKIP or PASS. */
void section_set(domain_ctx *run, domain_section_id s, stage_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copy of untrusted DNS text escaped for display (core/escape.h rules).
 * NULL on OOM (and sets run->oom). */
char *section_escape(domain_ctx *run, const char *s, size_t n);

#endif
