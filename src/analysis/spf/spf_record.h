/* spf_record.h — parse one SPF record into terms (RFC 7208 §4.5, §4.6, §5, §6, §12).
 *
 * The grammar is applied strictly: any term that does not parse makes the
 * whole record a syntax error ("permerror", §4.6), reported with the 1-based
 * column of the offending term. Domain-specs are checked but not expanded
 * (that needs the evaluation context, see spf_macro.h). Input is untrusted
 * DNS data; the parser is bounded by SPF_RECORD_MAX and SPF_TERMS_MAX. */
#ifndef SMTPSCOPE_ANALYSIS_SPF_RECORD_H
#define SMTPSCOPE_ANALYSIS_SPF_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define SPF_RECORD_MAX 8192 /* bytes of one (concatenated) TXT record */
#define SPF_TERMS_MAX 256

typedef enum spf_qualifier {
    SPF_QUAL_PASS = '+',
    SPF_QUAL_FAIL = '-',
    SPF_QUAL_SOFTFAIL = '~',
    SPF_QUAL_NEUTRAL = '?',
} spf_qualifier;

typedef enum spf_term_kind {
    SPF_TERM_MECH,     /* a mechanism (§5) */
    SPF_TERM_REDIRECT, /* redirect=domain-spec (§6.1) */
    SPF_TERM_EXP,      /* exp=domain-spec (§6.2) */
    SPF_TERM_UNKNOWN,  /* any other name=macro-string; ignored (§6) */
} spf_term_kind;

typedef enum spf_mech {
    SPF_MECH_ALL,
    SPF_MECH_INCLUDE,
    SPF_MECH_A,
    SPF_MECH_MX,
    SPF_MECH_PTR,
    SPF_MECH_IP4,
    SPF_MECH_IP6,
    SPF_MECH_EXISTS,
} spf_mech;

typedef struct spf_term {
    spf_term_kind kind;
    spf_mech mech;          /* SPF_TERM_MECH only */
    spf_qualifier qual;     /* SPF_TERM_MECH only; '+' when not written */
    char *text;             /* the term as written (owned) */
    char *name;             /* modifier name (owned; NULL for mechanisms) */
    char *domain;           /* unexpanded domain-spec or modifier value (owned);
                               NULL when the mechanism has none (use <domain>) */
    int cidr4;              /* a/mx/ip4 prefix length, 32 when absent */
    int cidr6;              /* a/mx/ip6 prefix length, 128 when absent */
    unsigned char addr[16]; /* ip4 (first 4 bytes) / ip6 network */
    size_t column;          /* 1-based byte column of the term in the record */
} spf_term;

typedef struct spf_record {
    spf_term *terms;        /* owned array */
    size_t nterms;
    const spf_term *redirect; /* borrowed from terms, NULL if absent */
    const spf_term *exp;      /* borrowed from terms, NULL if absent */
} spf_record;

/* True when the n bytes at s are an SPF record: "v=spf1" compared without
 * case, then a space or the end (§4.5). Other TXT records are ignored. */
bool spf_record_is_spf(const char *s, size_t n);

/* Parse n bytes (not NUL-terminated; NUL bytes are syntax errors). Returns 0
 * and an allocated record in *out (free with spf_record_free()), or -1 with
 * *out NULL and e filled: ERRC_PROTOCOL for a syntax error (the sentence names
 * the term and its column, e.g. "unknown mechanism 'foo:bar' at column 8"),
 * ERRC_TOO_LONG when a bound is exceeded, ERRC_INTERNAL on OOM. */
int spf_record_parse(const char *s, size_t n, spf_record **out, err *e);

/* Free a record; NULL is a no-op. */
void spf_record_free(spf_record *r);

/* Static lower-case name of a mechanism ("include"). */
const char *spf_mech_name(spf_mech m);

#endif
