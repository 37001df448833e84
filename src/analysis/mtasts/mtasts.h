/* mtasts.h — parse and validate MTA-STS (RFC 8461): the _mta-sts TXT record
 * (§3.1) and the policy file served at https://mta-sts.DOMAIN/.well-known/
 * mta-sts.txt (§3.2), and match MX hosts against the policy (§4.1).
 *
 * Pure functions over untrusted text (no DNS, no HTTPS, no printing), bounded
 * by MTASTS_RECORD_MAX and MTASTS_POLICY_MAX. Every fault becomes a problem
 * with a stable code, a severity and its position. */
#ifndef SMTPSCOPE_ANALYSIS_MTASTS_H
#define SMTPSCOPE_ANALYSIS_MTASTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/common/tagrec.h"
#include "core/err.h"

#define MTASTS_RECORD_MAX 2048      /* bytes of the TXT record */
#define MTASTS_POLICY_MAX 65536     /* bytes of the policy file (§3.3: 64 KiB) */
#define MTASTS_MX_MAX 64            /* mx patterns kept; more is a problem */
#define MTASTS_MAX_AGE_MAX 31557600 /* one year (§3.2) */

/* Severities and problems are the shared ones of analysis/common/tagrec.h. */
typedef tagrec_severity mtasts_severity;
#define MTASTS_SEV_INFO TAGREC_SEV_INFO
#define MTASTS_SEV_WARNING TAGREC_SEV_WARNING
#define MTASTS_SEV_ERROR TAGREC_SEV_ERROR

/* Problem codes (stable). TXT record (mtasts_record_parse):
 *   mtasts.too_long        error   record longer than MTASTS_RECORD_MAX
 *   mtasts.syntax          error   field syntax (no '=', bad field name, bad byte)
 *   mtasts.empty_field     warning an empty field between two ';'
 *   mtasts.v_missing       error   the first field is not v (v=STSv1 comes first)
 *   mtasts.v_invalid       error   v is not STSv1
 *   mtasts.id_missing      error   no id field
 *   mtasts.id_invalid      error   id is not 1 to 32 letters and digits
 *   mtasts.tag_duplicate   error   a field appears twice (the later one is ignored)
 *   mtasts.tag_unknown     info    an extension field (ignored)
 * Policy file (mtasts_policy_parse):
 *   mtasts.policy_too_long error   file longer than MTASTS_POLICY_MAX (nothing parsed)
 *   mtasts.policy_syntax   error   a line that is not "key: value" (bad key, bad byte)
 *   mtasts.key_duplicate   error   version, mode or max_age given twice (first one kept)
 *   mtasts.key_unknown     info    an unknown key (ignored, §3.2)
 *   mtasts.version_missing error   no version line
 *   mtasts.version_invalid error   version is not STSv1
 *   mtasts.mode_missing    error   no mode line
 *   mtasts.mode_invalid    error   mode not enforce|testing|none
 *   mtasts.mode_testing    info    mode testing: failures are only reported
 *   mtasts.max_age_missing error   no max_age line
 *   mtasts.max_age_invalid error   max_age not an integer 0..31557600
 *   mtasts.max_age_short   warning max_age under one day: weak against downgrade attacks
 *   mtasts.mx_missing      error   mode enforce/testing without any mx line
 *   mtasts.mx_invalid      error   mx is not a host name or "*." + host name
 *   mtasts.mx_too_many     warning more than MTASTS_MX_MAX mx lines (the rest dropped) */
/* code is one of the above; line is the 1-based line of a policy file, 1 for
 * a record, 0 (with column 0) for the whole input. */
typedef tagrec_problem mtasts_problem;

typedef struct mtasts_record {
    char *id;               /* owned; letters and digits only; NULL when absent/invalid */
    mtasts_problem *problems; /* owned array, in input order */
    size_t nproblems;
    size_t nerrors;         /* problems with MTASTS_SEV_ERROR */
} mtasts_record;

typedef enum mtasts_mode {
    MTASTS_MODE_UNSET = 0,  /* missing or invalid */
    MTASTS_MODE_ENFORCE,
    MTASTS_MODE_TESTING,
    MTASTS_MODE_NONE,
} mtasts_mode;

typedef struct mtasts_policy {
    mtasts_mode mode;
    int64_t max_age;        /* seconds; -1 when missing or invalid */
    char **mx;              /* owned array of nmx owned, lower-case patterns
                               (LDH labels, optional "*." prefix: display-safe) */
    size_t nmx;
    mtasts_problem *problems; /* owned array, in file order */
    size_t nproblems;
    size_t nerrors;
} mtasts_policy;

/* Parse the _mta-sts TXT record (n bytes, any values). Returns 0 with an
 * allocated record in *out (free with mtasts_record_free()); usable when
 * nerrors == 0. -1 with *out NULL and ERRC_INTERNAL only on OOM. */
int mtasts_record_parse(const char *s, size_t n, mtasts_record **out, err *e);

/* Parse a policy file body (n bytes; lines end in CRLF or LF, the last one
 * may lack it). Returns 0 with an allocated policy in *out (free with
 * mtasts_policy_free()); usable when nerrors == 0. -1 with *out NULL and
 * ERRC_INTERNAL only on OOM. */
int mtasts_policy_parse(const char *s, size_t n, mtasts_policy **out, err *e);

/* Whether MX host name mxhost (case-insensitive, one trailing dot ignored)
 * matches one of the policy's mx patterns (§4.1): equal names, or "*.suffix"
 * matching exactly one extra leftmost label. */
bool mtasts_mx_matches(const mtasts_policy *p, const char *mxhost);

/* The first of the policy's mx patterns that mxhost matches (the same rule
 * as mtasts_mx_matches), borrowed from p; NULL when none does. */
const char *mtasts_mx_match(const mtasts_policy *p, const char *mxhost);

/* Free; NULL is a no-op. */
void mtasts_record_free(mtasts_record *r);
void mtasts_policy_free(mtasts_policy *p);

/* Static lower-case mode name ("enforce"); "unset" for MTASTS_MODE_UNSET. */
const char *mtasts_mode_name(mtasts_mode m);

#endif
