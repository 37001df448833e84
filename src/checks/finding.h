/* finding.h — diagnoses with stable IDs, severities and advice.
 *
 * A finding is what smtpscope concluded, in words a user can act on: a stable
 * ID (`tls.cert_expired`, documented in docs/findings.md and never renamed),
 * a severity, the stage it belongs to, a one-line message with the specifics
 * of this run, and concrete advice (which port, which setting, which record).
 * The catalogue in finding.c holds each ID's default severity, whether it is
 * a temporary condition (a 4xx, a timeout: exit 75 rather than 1) and its
 * default advice; callers may give more specific advice. */
#ifndef SMTPSCOPE_CHECKS_FINDING_H
#define SMTPSCOPE_CHECKS_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "core/stage.h"

typedef enum severity { SEV_INFO = 0, SEV_WARNING, SEV_ERROR } severity;

typedef struct finding_def {
    const char *id;
    severity sev;
    bool temporary;     /* a retry later may succeed (4xx, timeout) */
    const char *title;  /* short generic description */
    const char *advice; /* default advice */
} finding_def;

typedef struct finding {
    char *id;           /* owned copy */
    severity sev;
    bool temporary;
    stage_id stage;
    char *message;      /* owned: this run's specifics */
    char *advice;       /* owned */
} finding;

typedef struct finding_list {
    finding *v;         /* owned */
    size_t n;
} finding_list;

/* The catalogue entry for id, or NULL. Any "<stage>.timeout" id resolves to
 * the generic timeout entry when it has no entry of its own. */
const finding_def *finding_def_lookup(const char *id);

/* The whole catalogue (for docs and tests), entry by entry: the i-th entry
 * for i < finding_catalogue_size(), else NULL. The catalogue is assembled
 * from parts, one per area, so each area keeps its IDs in its own file:
 * finding.c (the SMTP check), findings/domain_dns.c (MX, PTR, HELO, DNSBL),
 * findings/domain_records.c (SPF, DKIM, DMARC, MTA-STS, TLS-RPT),
 * findings/tls_audit.c (protocol versions, ciphers, STARTTLS policy),
 * findings/tls_probes.c (DANE, STARTTLS injection), findings/relay.c (open
 * relay, SMTP smuggling). */
size_t finding_catalogue_size(void);
const finding_def *finding_catalogue_get(size_t i);

/* One part of the catalogue (defined in its own file). */
typedef struct finding_part {
    const finding_def *defs;
    size_t n;
} finding_part;
extern const finding_part finding_part_domain_dns;
extern const finding_part finding_part_domain_records;
extern const finding_part finding_part_tls_audit;
extern const finding_part finding_part_tls_probes;
extern const finding_part finding_part_relay;

/* Add a finding. id must be in the catalogue (an unknown id is added as an
 * error with no advice; tests assert this never happens). advice NULL takes
 * the catalogue's. Returns 0 or -1 on OOM (then the list is unchanged). */
int finding_add(finding_list *l, const char *id, stage_id stage, const char *advice,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* True if the list has a finding with this id. */
bool finding_has(const finding_list *l, const char *id);

/* Move every finding of src to the end of dst (src becomes empty). */
int finding_list_move(finding_list *dst, finding_list *src);

void finding_list_free(finding_list *l);

/* "error" / "warning" / "info". */
const char *severity_name(severity s);

#endif
