/* tlsrpt.h — parse and validate one SMTP TLS Reporting record, the TXT
 * record at _smtp._tls.DOMAIN (RFC 8460 §3).
 *
 * A pure function over untrusted DNS text, bounded by TLSRPT_RECORD_MAX: no
 * lookups, no printing. Every fault becomes a problem with a stable code, a
 * severity and the 1-based byte column where it was found. */
#ifndef SMTPSCOPE_ANALYSIS_TLSRPT_H
#define SMTPSCOPE_ANALYSIS_TLSRPT_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/common/tagrec.h"
#include "core/err.h"

#define TLSRPT_RECORD_MAX 4096 /* bytes of one (concatenated) TXT record */
#define TLSRPT_URIS_MAX 16     /* rua entries kept; more is a problem */

/* Severities and problems are the shared ones of analysis/common/tagrec.h. */
typedef tagrec_severity tlsrpt_severity;
#define TLSRPT_SEV_INFO TAGREC_SEV_INFO
#define TLSRPT_SEV_WARNING TAGREC_SEV_WARNING
#define TLSRPT_SEV_ERROR TAGREC_SEV_ERROR

/* Problem codes (stable):
 *   tlsrpt.too_long       error   record longer than TLSRPT_RECORD_MAX (nothing else parsed)
 *   tlsrpt.syntax         error   field syntax (no '=', bad field name, bad byte)
 *   tlsrpt.empty_field    warning an empty field between two ';'
 *   tlsrpt.v_missing      error   the first field is not v (§3: v=TLSRPTv1 comes first)
 *   tlsrpt.v_invalid      error   v is not TLSRPTv1
 *   tlsrpt.tag_duplicate  error   a field appears twice (the later one is ignored)
 *   tlsrpt.tag_unknown    info    an extension field (ignored, §3)
 *   tlsrpt.rua_missing    error   no rua field (it is required)
 *   tlsrpt.uri_invalid    error   a rua entry is not a URI (mailto: needs local@domain)
 *   tlsrpt.uri_scheme     error   a rua URI that is neither mailto: nor https:
 *   tlsrpt.uri_too_many   warning more than TLSRPT_URIS_MAX entries (the rest are dropped) */
typedef tagrec_problem tlsrpt_problem; /* code is one of the above; line is 0 */

typedef struct tlsrpt_record {
    char **rua;             /* owned array of nrua owned URIs (printable ASCII only,
                               so display-safe), mailto: or https: */
    size_t nrua;
    tlsrpt_problem *problems; /* owned array, in record order */
    size_t nproblems;
    size_t nerrors;         /* problems with TLSRPT_SEV_ERROR */
} tlsrpt_record;

/* True when the n bytes at s start with "v=TLSRPTv1" followed by ';', blank
 * or the end: how a TLS-RPT record is told from other TXT records. */
bool tlsrpt_is_tlsrpt(const char *s, size_t n);

/* Parse n bytes (not NUL-terminated; any byte value). Returns 0 and an
 * allocated record in *out (free with tlsrpt_record_free()) holding every
 * problem found; usable when nerrors == 0. Returns -1 with *out NULL and e
 * set to ERRC_INTERNAL only on out-of-memory. */
int tlsrpt_parse(const char *s, size_t n, tlsrpt_record **out, err *e);

/* Free a record; NULL is a no-op. */
void tlsrpt_record_free(tlsrpt_record *r);

#endif
