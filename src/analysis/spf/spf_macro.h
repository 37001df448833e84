/* spf_macro.h — SPF macro syntax check and expansion (RFC 7208 §7).
 *
 * Macro-strings appear in domain-specs (a:, mx:, include:, exists:, ptr:,
 * redirect=, exp=, unknown modifiers) and in explanation TXT records. The
 * letters c, r and t are only legal in explanation text (§7.2). Expansion
 * applies the transformers (digits, "r"), delimiters, URL-escaping for
 * upper-case letters (§7.3) and, for domain names, the 253-octet left-side
 * truncation of §7.3. Values such as the local part are untrusted. */
#ifndef SMTPSCOPE_ANALYSIS_SPF_MACRO_H
#define SMTPSCOPE_ANALYSIS_SPF_MACRO_H

#include <stddef.h>

#include "core/err.h"

/* Longest expansion we produce; anything longer is an error, not a truncation
 * (domain names are truncated to SPF_MACRO_DOMAIN_MAX first). */
#define SPF_MACRO_OUT_MAX 4096
#define SPF_MACRO_DOMAIN_MAX 253

typedef enum spf_macro_mode {
    SPF_MACRO_DOMAIN = 0, /* domain-spec: letters s l o d i p h v; result truncated to 253 */
    SPF_MACRO_EXP = 1,    /* explanation text: also c r t, and spaces are literal */
    SPF_MACRO_MODIFIER = 2, /* unknown-modifier value: domain letters, no truncation */
} spf_macro_mode;

/* The values the letters expand to. All strings are borrowed for the duration
 * of one expansion; sender/local/helo come from the peer (untrusted). */
typedef struct spf_macro_vars {
    const char *sender;        /* s: <sender>, "local@domain" */
    const char *local;         /* l: local part */
    const char *sender_domain; /* o: domain of <sender> */
    const char *domain;        /* d: current <domain> */
    const char *ip_dotted;     /* i: 1.2.3.4 or dotted nibbles for IPv6 */
    const char *ip_text;       /* c: 1.2.3.4 or RFC 5952 text for IPv6 */
    const char *ip_version;    /* v: "in-addr" or "ip6" */
    const char *helo;          /* h: HELO/EHLO domain */
    const char *receiver;      /* r: receiving host's name ("unknown" if NULL) */
    long long now;             /* t: seconds since the epoch */
    /* p: the validated domain name of the client; computed lazily because it
     * costs DNS lookups. Returns a string valid until the expansion ends
     * (never NULL: "unknown" when none validates). */
    const char *(*validated)(void *arg);
    void *validated_arg;
} spf_macro_vars;

/* Check the syntax of a macro-string of n bytes in `mode`. Returns 0, or -1
 * with *bad set to the 0-based offset of the offending byte. When
 * last_macro_end is not NULL it receives the offset just past the last
 * macro-expand ("%{..}", "%%", "%_", "%-"), or 0 when there is none (the
 * domain-end rule of §4.6.1 needs it). */
int spf_macro_check(const char *s, size_t n, spf_macro_mode mode, size_t *bad,
                    size_t *last_macro_end);

/* Expand a macro-string. On success returns 0 and *out is allocated (free()).
 * Errors (-1, e filled): ERRC_PROTOCOL for a syntax error or an expansion
 * longer than SPF_MACRO_OUT_MAX, ERRC_INTERNAL for OOM. In SPF_MACRO_DOMAIN
 * mode a result longer than 253 octets loses labels on the left (§7.3). */
int spf_macro_expand(const char *s, size_t n, spf_macro_mode mode, const spf_macro_vars *v,
                     char **out, err *e);

#endif
