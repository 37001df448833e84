/* dnsbl.h — what a DNS blocklist's answer means (RFC 5782).
 *
 * A blocklist is asked for REVERSED-ADDRESS.ZONE; an A answer means listed,
 * NXDOMAIN means not listed. In practice the A answer says more, and reading
 * it wrongly is the classic mistake of blocklist checkers:
 *   - 127.0.0.0/8 codes are listings (RFC 5782 §2.1; 127.0.0.2 is the usual
 *     one, several lists encode the reason in the last octet);
 *   - 127.255.255.0/24 is where lists put query errors: Spamhaus answers
 *     127.255.255.254 to queries that come through a public or open resolver
 *     and 127.255.255.255 to excessive query volume. That is a refusal to
 *     answer, not a listing; URIBL-style lists do the same with 127.0.0.1,
 *     which RFC 5782 §5 says no list may contain as an entry;
 *   - an answer outside 127.0.0.0/8 is not a blocklist answer at all: a
 *     resolver that rewrites NXDOMAIN to an advertising page, or a dead list
 *     whose domain now has a wildcard.
 * Pure functions over untrusted DNS data with bounded input; no lookups, no
 * printing. */
#ifndef SMTPSCOPE_ANALYSIS_DNSBL_H
#define SMTPSCOPE_ANALYSIS_DNSBL_H

#include <stdbool.h>
#include <stddef.h>

#define DNSBL_MAX_ANSWERS 16  /* A records considered; more are ignored (truncated) */
#define DNSBL_REASON_MAX 512  /* bytes of TXT reason kept before escaping */

typedef enum dnsbl_verdict {
    DNSBL_CLEAN = 0,  /* no A record: not listed */
    DNSBL_LISTED,     /* only 127.0.0.0/8 listing codes */
    DNSBL_REFUSED,    /* an error code (127.255.255.x or 127.0.0.1): no answer, not a listing */
    DNSBL_BOGUS,      /* an answer outside 127.0.0.0/8: not a blocklist answer */
} dnsbl_verdict;

/* Stable lower-case name ("clean", "listed", "refused", "bogus"). */
const char *dnsbl_verdict_name(dnsbl_verdict v);

typedef struct dnsbl_class {
    dnsbl_verdict verdict;
    unsigned char codes[DNSBL_MAX_ANSWERS][4]; /* LISTED: the listing codes, distinct,
                                                  in answer order */
    size_t n_codes;
    unsigned char decisive[4]; /* REFUSED: the error code; BOGUS: the foreign address;
                                  LISTED: the first code; CLEAN: zeros */
    bool truncated;            /* more than DNSBL_MAX_ANSWERS answers were given */
} dnsbl_class;

/* Classify the A answers of one blocklist query: n addresses of 4 bytes each,
 * back to back at addrs (may be NULL when n is 0). Precedence when answers
 * disagree: BOGUS over REFUSED over LISTED, because one foreign address means
 * the resolver or list cannot be trusted at all, and an error code means the
 * list did not really look the address up. Never fails. */
void dnsbl_classify(const unsigned char *addrs, size_t n, dnsbl_class *out);

/* A sentence for a refusal code (e.g. "the list refuses queries that come
 * through public or open resolvers"). Static string, never NULL. */
const char *dnsbl_refusal_meaning(const unsigned char code[4]);

/* What a listing code means on a known list (zone compared case-insensitively,
 * a trailing dot ignored), e.g. "XBL: exploited host (botnet, open proxy)" for
 * 127.0.0.4 on zen.spamhaus.org; NULL when the list or code is not known.
 * Static string. */
const char *dnsbl_code_meaning(const char *zone, const unsigned char code[4]);

/* The reason of a listing from its TXT record's n character-strings (lens[i]
 * bytes each, any byte values, joined without separator as lists publish long
 * texts split in 255-byte strings), cut at DNSBL_REASON_MAX bytes ("..."
 * appended) and escaped for display (core/escape.h). Returns an allocated
 * string (free()), or NULL on OOM. n may be 0 (returns ""). */
char *dnsbl_reason(const char *const *strs, const size_t *lens, size_t n);

#endif
