/* dmarc.h — parse and validate one DMARC policy record (RFC 7489 §6.3, §6.4,
 * §7.1; the np tag of RFC 9091) and compute the inputs of its advice.
 *
 * The parser is a pure function over untrusted DNS text: no lookups, no
 * printing, bounded by DMARC_RECORD_MAX. It never stops at the first fault:
 * every fault becomes a problem with a stable code, a severity and the 1-based
 * byte column it was found at, so one run reports everything wrong at once. */
#ifndef SMTPSCOPE_ANALYSIS_DMARC_H
#define SMTPSCOPE_ANALYSIS_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/common/tagrec.h"
#include "core/err.h"

#define DMARC_RECORD_MAX 4096 /* bytes of one (concatenated) TXT record */
#define DMARC_URIS_MAX 16     /* rua/ruf entries kept per tag; more is a problem */

/* Severities and problems are the shared ones of analysis/common/tagrec.h. */
typedef tagrec_severity dmarc_severity;
#define DMARC_SEV_INFO TAGREC_SEV_INFO
#define DMARC_SEV_WARNING TAGREC_SEV_WARNING
#define DMARC_SEV_ERROR TAGREC_SEV_ERROR

/* Problem codes (stable; tools and JSON consumers key on them):
 *   dmarc.too_long        error   record longer than DMARC_RECORD_MAX (nothing else parsed)
 *   dmarc.syntax          error   tag-list syntax (no '=', bad tag name, bad byte)
 *   dmarc.empty_tag       warning an empty tag between two ';'
 *   dmarc.v_missing       error   the first tag is not v (§6.4: v MUST be first)
 *   dmarc.v_invalid       error   v is not DMARC1
 *   dmarc.tag_duplicate   error   a tag appears twice (the later one is ignored)
 *   dmarc.tag_unknown     warning a tag this code does not know (ignored, §6.3)
 *   dmarc.p_missing       error   no p tag (§6.6.3 falls back to p=none only with rua)
 *   dmarc.p_invalid       error   p not none|quarantine|reject (same for sp, np:
 *   dmarc.sp_invalid              dmarc.sp_invalid, dmarc.np_invalid)
 *   dmarc.np_invalid
 *   dmarc.pct_invalid     error   pct not an integer 0..100
 *   dmarc.adkim_invalid   error   adkim not r|s (same for aspf)
 *   dmarc.aspf_invalid
 *   dmarc.fo_invalid      error   fo not a ':' list of 0, 1, d, s
 *   dmarc.ri_invalid      error   ri not a 32-bit unsigned integer
 *   dmarc.uri_invalid     error   a rua/ruf entry is not a URI (mailto: needs local@domain)
 *   dmarc.uri_size_invalid error  the "!size" suffix is not 1*DIGIT [k|m|g|t] or overflows
 *   dmarc.uri_scheme      warning a rua/ruf URI other than mailto: (receivers rarely support it)
 *   dmarc.uri_too_many    warning more than DMARC_URIS_MAX entries (the rest are dropped)
 * Advice codes added by dmarc_advise():
 *   dmarc.p_none          warning (sending domain) / info: p=none protects nothing
 *   dmarc.pct_partial     warning enforcing policy applied to fewer than 100% of mail
 *   dmarc.sp_weaker       info    sp is weaker than p
 *   dmarc.rua_missing     info    no aggregate report address: no visibility */
typedef tagrec_problem dmarc_problem; /* code is one of the above; line is 0 */

typedef enum dmarc_policy {
    DMARC_POLICY_UNSET = 0, /* tag absent or invalid */
    DMARC_POLICY_NONE,
    DMARC_POLICY_QUARANTINE,
    DMARC_POLICY_REJECT,
} dmarc_policy;

/* fo flags (§6.3); the default when fo is absent is DMARC_FO_0. */
#define DMARC_FO_0 0x1u
#define DMARC_FO_1 0x2u
#define DMARC_FO_D 0x4u
#define DMARC_FO_S 0x8u

typedef struct dmarc_uri {
    char *uri;              /* owned; the URI without the !size suffix. Only
                               printable ASCII is accepted, so it is display-safe */
    char *mailto_domain;    /* owned, lower-case; domain of a mailto: URI, else NULL */
    uint64_t max_size;      /* bytes from the !size suffix; 0 when absent */
    bool is_mailto;
} dmarc_uri;

typedef struct dmarc_record {
    dmarc_policy p, sp, np; /* sp/np UNSET when absent: they default to p (resp. sp) */
    int pct;                /* 100 when absent */
    char adkim, aspf;       /* 'r' or 's'; 'r' when absent */
    unsigned fo;            /* DMARC_FO_* bits */
    uint32_t ri;            /* 86400 when absent */
    dmarc_uri *rua;         /* owned array of nrua */
    size_t nrua;
    dmarc_uri *ruf;         /* owned array of nruf */
    size_t nruf;
    dmarc_problem *problems; /* owned array, in record order (advice appended) */
    size_t nproblems;
    size_t nerrors;         /* problems with DMARC_SEV_ERROR */
} dmarc_record;

/* True when the n bytes at s start a DMARC record: optional whitespace, "v",
 * optional whitespace, "=", optional whitespace, "DMARC1", then ';',
 * whitespace or the end (§6.6.3 selects records this way). */
bool dmarc_is_dmarc(const char *s, size_t n);

/* Parse n bytes (not NUL-terminated; any byte value allowed). Returns 0 and an
 * allocated record in *out (free with dmarc_record_free()) holding every
 * problem found; a record is usable when nerrors == 0. Returns -1 with *out
 * NULL and e set to ERRC_INTERNAL only on out-of-memory. */
int dmarc_parse(const char *s, size_t n, dmarc_record **out, err *e);

/* Append the policy-strength advice (codes above) to r. sending_domain says
 * whether the domain sends mail (then p=none is a warning, else info).
 * Returns 0, or -1 with ERRC_INTERNAL on OOM. */
int dmarc_advise(dmarc_record *r, bool sending_domain, err *e);

/* Free a record; NULL is a no-op. */
void dmarc_record_free(dmarc_record *r);

/* Static lower-case policy name ("reject"); "unset" for DMARC_POLICY_UNSET. */
const char *dmarc_policy_name(dmarc_policy p);

/* Organisational domain of `domain` (RFC 7489 §3.2) from the Public Suffix
 * List compiled into libpsl (psl_builtin()). The name is lower-cased and a
 * trailing dot dropped. Returns 0 with an allocated string in *out (caller
 * frees), or -1 with *out NULL: ERRC_LOCAL_INPUT when the name is empty,
 * longer than 253 bytes or is itself a public suffix, ERRC_INTERNAL on OOM or
 * when libpsl has no built-in list. */
int dmarc_org_domain(const char *domain, char **out, err *e);

/* The name a report destination publishes to accept reports for `domain`
 * (RFC 7489 §7.1): "DOMAIN._report._dmarc.DEST", both lower-cased without a
 * trailing dot. Returns 0 with an allocated name in *out (caller frees), or -1
 * with *out NULL: ERRC_LOCAL_INPUT when a name is empty or the result exceeds
 * 253 bytes, ERRC_INTERNAL on OOM. */
int dmarc_report_auth_name(const char *domain, const char *dest, char **out, err *e);

/* Whether the mailto: URI u of the record for `domain` is external, i.e. its
 * domain has a different organisational domain (then the destination must
 * publish dmarc_report_auth_name()). Sets *external; returns 0, or -1 with e
 * set as by dmarc_org_domain() (also ERRC_LOCAL_INPUT for a non-mailto URI). */
int dmarc_uri_is_external(const char *domain, const dmarc_uri *u, bool *external, err *e);

#endif
