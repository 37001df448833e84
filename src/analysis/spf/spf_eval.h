/* spf_eval.h — SPF check_host() (RFC 7208 §4), with explanation and a tree.
 *
 * Evaluates the SPF policy of a domain for a client IP and sender, through
 * the DNS vtable of spf_dns.h. Enforces the §4.6.4 limits: 10 DNS-querying
 * terms (include, a, mx, ptr, exists, redirect) across the whole evaluation,
 * 2 void lookups, 10 names per MX / PTR answer. Includes and redirects count
 * as terms, so recursion is bounded by the same limit (loops end in
 * permerror). The outcome carries a tree of every record visited so a
 * renderer can show which mechanism matched where. */
#ifndef SMTPSCOPE_ANALYSIS_SPF_EVAL_H
#define SMTPSCOPE_ANALYSIS_SPF_EVAL_H

#include <stddef.h>

#include "analysis/spf/spf_dns.h"
#include "core/err.h"

#define SPF_MAX_DNS_TERMS 10 /* §4.6.4 */
#define SPF_MAX_VOID 2       /* §4.6.4 */
#define SPF_MAX_MX_NAMES 10  /* §4.6.4: more is permerror */
#define SPF_MAX_PTR_NAMES 10 /* §4.6.4: the rest are ignored */

typedef enum spf_result {
    SPF_RESULT_NONE,
    SPF_RESULT_NEUTRAL,
    SPF_RESULT_PASS,
    SPF_RESULT_FAIL,
    SPF_RESULT_SOFTFAIL,
    SPF_RESULT_TEMPERROR,
    SPF_RESULT_PERMERROR,
} spf_result;

/* Static lower-case name as in RFC 7208 §2.6 ("softfail"). */
const char *spf_result_name(spf_result r);

/* What to check. All strings are borrowed for the call. */
typedef struct spf_request {
    const char *ip;        /* client address, IPv4 or IPv6 text (IPv4-mapped -> IPv4) */
    const char *sender;    /* MAIL FROM address, may be "" or NULL (then postmaster@helo) */
    const char *helo;      /* HELO/EHLO name; may be NULL */
    const char *domain;    /* <domain> to check; NULL: the sender's domain, or helo when
                              the sender is empty (§2.4) */
    const char *receiver;  /* %{r}: our host name; NULL -> "unknown" */
    const char *default_exp; /* explanation for fail without a usable exp=
                                (macro-string); NULL -> built-in sentence */
    long long now;         /* %{t}; 0 -> time(NULL) */
} spf_request;

typedef enum spf_node_kind {
    SPF_NODE_TOP,
    SPF_NODE_INCLUDE,
    SPF_NODE_REDIRECT,
} spf_node_kind;

/* One evaluated record: the top one, or one reached by include/redirect. */
typedef struct spf_node {
    spf_node_kind kind;
    char *domain;          /* the <domain> evaluated (owned) */
    char *record;          /* the SPF record text, NULL if none was found (owned;
                              untrusted DNS data, escape before display) */
    char *matched;         /* the term that decided, e.g. "-all" or "redirect=x"
                              (owned; NULL when none did) */
    spf_result result;     /* result of this record */
    unsigned lookups;      /* DNS-querying terms counted when this record ended */
    char *reason;          /* why, for errors and none (owned; may be NULL) */
    struct spf_node **children; /* includes and the redirect, in order (owned) */
    size_t nchildren;
} spf_node;

typedef struct spf_outcome {
    spf_result result;
    char *domain;          /* the <domain> that was checked (owned) */
    char *explanation;     /* fail only: expanded exp= text or the default
                              (owned; untrusted: comes from the domain's DNS) */
    char *reason;          /* our sentence for the result, e.g. the syntax error
                              or the limit that was hit (owned; never NULL) */
    unsigned dns_terms;    /* DNS-querying terms used (§4.6.4) */
    unsigned void_lookups;
    spf_node *tree;        /* owned; NULL only if the domain was not usable */
} spf_outcome;

/* Run check_host() for the request. Returns 0 and an allocated outcome in
 * *out (free with spf_outcome_free()) for every SPF result, including
 * temperror and permerror. Returns -1 with e filled and *out NULL for
 * ERRC_LOCAL_INPUT (ip is not an address) and ERRC_INTERNAL (OOM). */
int spf_check_host(const spf_dns *dns, const spf_request *req, spf_outcome **out, err *e);

/* Free an outcome and its tree; NULL is a no-op. */
void spf_outcome_free(spf_outcome *o);

#endif
