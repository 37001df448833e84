/* spf_dns.h — the DNS interface the SPF evaluator queries through.
 *
 * A small vtable (one lookup function) so unit tests and the conformance
 * suite plug in a fake zone and production can plug in libunbound. The
 * evaluator owns the answer object; the lookup only appends records to it
 * with the spf_answer_add_* functions, so no memory crosses the interface.
 * Everything a lookup returns is untrusted DNS data. */
#ifndef SMTPSCOPE_ANALYSIS_SPF_DNS_H
#define SMTPSCOPE_ANALYSIS_SPF_DNS_H

#include <stddef.h>

typedef enum spf_rrtype {
    SPF_RR_TXT,
    SPF_RR_A,
    SPF_RR_AAAA,
    SPF_RR_MX,
    SPF_RR_PTR,
} spf_rrtype;

typedef enum spf_dns_status {
    SPF_DNS_OK = 0,   /* NOERROR with records (answer filled) */
    SPF_DNS_NXDOMAIN, /* RCODE 3 */
    SPF_DNS_NODATA,   /* NOERROR, no records of that type */
    SPF_DNS_ERROR,    /* SERVFAIL, timeout, anything else: temperror */
} spf_dns_status;

/* Records collected for one query, created and freed by the evaluator; lookups
 * only touch it through spf_answer_add_*() (the layout below is for the evaluator). */
typedef struct spf_answer spf_answer;

typedef struct spf_dns {
    void *ctx;
    /* Look up `name` (no trailing dot, any case) and append what was found.
     * CNAMEs are followed by the implementation. Must return SPF_DNS_OK only
     * if at least one record was added, and may return SPF_DNS_ERROR when an
     * spf_answer_add_* call fails. */
    spf_dns_status (*lookup)(void *ctx, spf_rrtype type, const char *name, spf_answer *ans);
} spf_dns;

/* Append one TXT RR given as its n character-strings (each lens[i] bytes,
 * may contain NUL bytes); they are joined without separator (RFC 7208 §3.3).
 * Returns 0, or -1 on OOM or when the answer would exceed its bounds. */
int spf_answer_add_txt(spf_answer *a, const char *const *strs, const size_t *lens, size_t n);

/* Append one address: len 4 (A) or 16 (AAAA). Returns 0 or -1. */
int spf_answer_add_addr(spf_answer *a, const unsigned char *addr, size_t len);

/* Append one MX exchange or PTR target name (copied; a trailing dot is
 * dropped). Returns 0 or -1. */
int spf_answer_add_name(spf_answer *a, const char *name);

/* Limits of one answer, so a hostile zone cannot make us allocate without bound. */
#define SPF_ANSWER_MAX_RR 64
#define SPF_ANSWER_MAX_TXT 8192

/* ---- used by the evaluator ---- */

typedef struct spf_answer_rr {
    char *data;              /* TXT text (len bytes + NUL) or name (owned) */
    size_t len;
    unsigned char addr[16];  /* A/AAAA */
    size_t addrlen;          /* 4 or 16; 0 for TXT/names */
} spf_answer_rr;

struct spf_answer {
    spf_answer_rr rr[SPF_ANSWER_MAX_RR];
    size_t n;
    int truncated;           /* more records were offered than fit */
};

/* Empty an answer (also frees its strings); the struct itself is caller-owned. */
void spf_answer_clear(spf_answer *a);

#endif
