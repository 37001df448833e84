/* records.h — internal: the record sections of a domain report (SPF, DKIM,
 * DMARC, MTA-STS, TLS-RPT) and the helpers they share.
 *
 * section_records.c holds the one ops object (domain_section_records) that
 * calls into section_spf.c, section_dkim.c, section_dmarc.c and
 * section_sts.c, and the helpers below. Each part keeps its batch indices in
 * run->rec (run.h: records_state) and writes its own part of run->out. Only
 * these five files include this header. */
#ifndef SMTPSCOPE_CHECKS_DOMAIN_RECORDS_H
#define SMTPSCOPE_CHECKS_DOMAIN_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/common/tagrec.h"
#include "checks/domain/run.h"

/* Bounds on what one report looks at, so a hostile zone or a long command
 * line cannot make it unbounded. */
#define REC_TXT_MAX 65536       /* bytes of one joined TXT record */
#define REC_SELECTORS_MAX 64    /* DKIM selectors asked (more --selector: a note) */
#define REC_SHOW_MAX 72         /* record bytes quoted in a summary */

/* ---- helpers (section_records.c) ---- */


/* The answer at index q, or NULL when q < 0 (not asked). */
const dns_answer *rec_answer(domain_ctx *run, int q);

/* A TXT record's character-strings joined without separator (RFC 7208
 * §3.3, RFC 6376 §3.6.2.2, RFC 7489 §6.6.3, RFC 8461 §3.1): allocated, NUL
 * terminated, *len bytes (which may include NUL). NULL on OOM (run->oom) or
 * when longer than REC_TXT_MAX. */
char *rec_txt_join(domain_ctx *run, const dns_txt *t, size_t *len);

/* Which TXT records of answer a pass is(text, len): their count, and the
 * first one joined into *text and *len (allocated; NULL when none). */
size_t rec_txt_pick(domain_ctx *run, const dns_answer *a, bool (*is)(const char *, size_t),
                    char **text, size_t *len);

/* Whether a lookup failed for a reason other than "no such record"
 * (timeout, SERVFAIL, DNSSEC bogus, local error). */
bool rec_failed(const dns_answer *a);

/* Add <sec>.timeout or <sec>.lookup_failed for failed answer a (what: "the
 * TXT lookup of _dmarc.example.com"); a NULL a means it was never asked. */
void rec_lookup_failed(domain_ctx *run, domain_section_id s, const dns_answer *a,
                       const char *what);

/* Add a finding with a severity (and temporary flag) other than the
 * catalogue default: analyzers and some judgements decide it per case.
 * advice NULL takes the catalogue's. */
void rec_finding(domain_ctx *run, domain_section_id s, const char *id, severity sev,
                 bool temporary, const char *advice, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Every analyzer problem as a finding with the problem's code and
 * severity, its sentence prefixed with where ("_dmarc.example.com: ..."). */
void rec_problems(domain_ctx *run, domain_section_id s, const tagrec_problem *v, size_t n,
                  const char *where);

/* Escaped copy of at most REC_SHOW_MAX bytes of s, "..." when cut. */
char *rec_show(domain_ctx *run, const char *s, size_t n);

/* ---- the parts ---- */

/* section_spf.c: wave 0 TXT at the domain; finish judges the records and
 * the evaluation trees domain.c put in out->spf. */
int rec_spf_plan(domain_ctx *run, int wave, size_t *planned);
void rec_spf_finish(domain_ctx *run);
/* The domain sends mail by its SPF record: one that authorises anything
 * (not just "v=spf1 -all"). */
bool rec_spf_sends(domain_ctx *run);

/* section_dkim.c: wave 0 every selector. */
int rec_dkim_plan(domain_ctx *run, int wave, size_t *planned);
void rec_dkim_finish(domain_ctx *run);

/* section_dmarc.c: wave 0 _dmarc.DOMAIN; wave 1 the organisational domain's
 * _dmarc or the report authorisation names; wave 2 those names when the
 * record came from the organisational domain. */
int rec_dmarc_plan(domain_ctx *run, int wave, size_t *planned);
int rec_dmarc_consume(domain_ctx *run, int wave);
void rec_dmarc_finish(domain_ctx *run);

/* section_sts.c: wave 0 _mta-sts.DOMAIN and _smtp._tls.DOMAIN. */
int rec_sts_plan(domain_ctx *run, int wave, size_t *planned);
void rec_sts_finish(domain_ctx *run);

#endif
