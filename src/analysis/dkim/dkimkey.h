/* dkimkey.h — parse and validate one DKIM key record (RFC 6376 §3.6.1; the
 * ed25519 key type of RFC 8463; RSA key sizes of RFC 8301).
 *
 * A pure function over untrusted DNS text, bounded by DKIMKEY_RECORD_MAX: no
 * lookups, no printing. The public key in p= is decoded with OpenSSL to learn
 * its type and size. Every fault becomes a problem with a stable code, a
 * severity and the 1-based byte column where it was found. */
#ifndef SMTPSCOPE_ANALYSIS_DKIMKEY_H
#define SMTPSCOPE_ANALYSIS_DKIMKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/common/tagrec.h"
#include "core/err.h"

#define DKIMKEY_RECORD_MAX 8192 /* bytes; an RSA-8192 key is about 1.4 kB of base64 */

/* Severities and problems are the shared ones of analysis/common/tagrec.h. */
typedef tagrec_severity dkimkey_severity;
#define DKIMKEY_SEV_INFO TAGREC_SEV_INFO
#define DKIMKEY_SEV_WARNING TAGREC_SEV_WARNING
#define DKIMKEY_SEV_ERROR TAGREC_SEV_ERROR

/* Problem codes (stable):
 *   dkim.too_long        error   record longer than DKIMKEY_RECORD_MAX (nothing else parsed)
 *   dkim.syntax          error   tag-list syntax (no '=', bad tag name, bad byte)
 *   dkim.empty_tag       warning an empty tag between two ';'
 *   dkim.tag_duplicate   error   a tag appears twice (RFC 6376 §3.2: invalid record)
 *   dkim.tag_unknown     info    an unknown tag (ignored, §3.6.1)
 *   dkim.v_invalid       error   v present but not DKIM1
 *   dkim.v_not_first     error   v present but not the first tag
 *   dkim.k_unknown       error   k not rsa|ed25519 (verifiers cannot use the key)
 *   dkim.h_invalid       error   h not a ':' list of hash names
 *   dkim.h_unknown       warning h names a hash other than sha1/sha256
 *   dkim.h_sha1_only     warning h allows only sha1 (RFC 8301: sha1 MUST NOT be used)
 *   dkim.s_invalid       error   s not a ':' list of service types
 *   dkim.s_not_email     error   s lists neither * nor email: the key is not for mail
 *   dkim.t_invalid       error   t not a ':' list of flags
 *   dkim.t_unknown       info    t has a flag other than y/s (ignored)
 *   dkim.t_testing       warning t=y: verifiers treat failures as unsigned mail
 *   dkim.p_missing       error   no p tag (p is required)
 *   dkim.key_revoked     warning empty p=: the key has been revoked
 *   dkim.p_base64        error   p is not valid base64
 *   dkim.key_invalid     error   p does not decode to a public key of the type k says
 *   dkim.key_pkcs1       warning RSA key published as PKCS#1 RSAPublicKey, not
 *                                SubjectPublicKeyInfo (many verifiers reject it)
 *   dkim.key_weak        error   RSA key shorter than 1024 bits (RFC 8301 §3.2)
 *   dkim.key_short       warning RSA key shorter than 2048 bits */
typedef tagrec_problem dkimkey_problem; /* code is one of the above; line is 0 */

typedef enum dkimkey_type {
    DKIMKEY_TYPE_UNKNOWN = 0, /* k names something else (or p did not decode) */
    DKIMKEY_TYPE_RSA,
    DKIMKEY_TYPE_ED25519,
} dkimkey_type;

/* h= hash flags; DKIMKEY_HASH_ALL when h is absent (any hash allowed). */
#define DKIMKEY_HASH_SHA1 0x1u
#define DKIMKEY_HASH_SHA256 0x2u
#define DKIMKEY_HASH_OTHER 0x4u
#define DKIMKEY_HASH_ALL 0x7u

typedef struct dkimkey_record {
    bool has_v;
    dkimkey_type k;         /* from k= (RSA when absent) */
    unsigned hashes;        /* DKIMKEY_HASH_* */
    bool service_email;     /* s= includes * or email (true when absent) */
    bool testing;           /* t=y */
    bool strict;            /* t=s: i= domain must equal d= exactly */
    char *notes;            /* owned, escaped n= text; NULL when absent */
    bool revoked;           /* p= present and empty */
    dkimkey_type key_type;  /* type of the decoded key; UNKNOWN when not decoded */
    unsigned key_bits;      /* size of the decoded key (256 for ed25519); 0 if none */
    dkimkey_problem *problems; /* owned array, in record order */
    size_t nproblems;
    size_t nerrors;         /* problems with DKIMKEY_SEV_ERROR */
} dkimkey_record;

/* Parse n bytes (not NUL-terminated; any byte value allowed). Returns 0 and an
 * allocated record in *out (free with dkimkey_record_free()) with every
 * problem found; the key is usable when nerrors == 0 and !revoked. Returns -1
 * with *out NULL and e set to ERRC_INTERNAL only on out-of-memory. */
int dkimkey_parse(const char *s, size_t n, dkimkey_record **out, err *e);

/* Free a record; NULL is a no-op. */
void dkimkey_record_free(dkimkey_record *r);

/* Static lower-case key type name ("rsa", "ed25519", "unknown"). */
const char *dkimkey_type_name(dkimkey_type t);

#endif
