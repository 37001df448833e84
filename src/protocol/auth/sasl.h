/* sasl.h — the SASL client engine for SMTP AUTH (RFC 4954, RFC 4422).
 *
 * One mechanism per file under protocol/auth/ behind one small interface;
 * this engine picks a mechanism, drives its steps and handles base64. The
 * SMTP exchange itself (AUTH command, 334 challenges, 235/535) is in
 * client.c; this file only turns challenges into responses. Credentials are
 * borrowed; every buffer that held them is wiped (explicit_bzero) before it
 * is freed, and responses are returned in memory the caller must free with
 * xfree_secret(). Implemented: PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login), CRAM-MD5 (RFC 2195). */
#ifndef SMTPSCOPE_PROTOCOL_AUTH_SASL_H
#define SMTPSCOPE_PROTOCOL_AUTH_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

typedef struct sasl_creds {
    const char *user;     /* authentication identity */
    const char *pass;     /* secret */
    const char *authzid;  /* authorisation identity, NULL for none */
} sasl_creds;

/* A mechanism: `step` gets the decoded server challenge (NULL and 0 for the
 * initial response) and appends the raw (not yet base64) response to out.
 * `state` is per-exchange scratch the mechanism may use (an int counter for
 * LOGIN). Returns 0 or -1 with e set. */
typedef struct sasl_mech {
    const char *name;          /* "PLAIN" */
    bool initial_response;     /* client sends data with the AUTH command */
    bool needs_tls;            /* sends the password in clear (PLAIN, LOGIN) */
    int (*step)(const sasl_creds *cr, int *state, const unsigned char *chal, size_t chal_len,
                buf *out, err *e);
} sasl_mech;

/* Mechanism by name, case-insensitive; NULL if we don't implement it. */
const sasl_mech *sasl_find(const char *name);

/* The strongest mechanism we implement among `offered` (names as in the EHLO
 * AUTH line). Preference: CRAM-MD5 (no password on the wire), then PLAIN,
 * then LOGIN. NULL if none is usable. */
const sasl_mech *sasl_pick(char *const *offered, size_t n_offered);

typedef struct sasl_exchange {
    const sasl_mech *mech;
    const sasl_creds *cr;  /* borrowed */
    int state;
} sasl_exchange;

/* Next response as a base64 NUL-terminated string (caller frees with
 * xfree_secret). challenge_b64 is the text of a 334 reply (NULL for the
 * initial response). Returns NULL with e set: ERRC_PROTOCOL for a challenge
 * that is not valid base64, ERRC_INTERNAL on OOM. */
char *sasl_respond(sasl_exchange *x, const char *challenge_b64, err *e);

/* Base64 helpers (OpenSSL EVP). encode returns allocated text; decode returns
 * allocated bytes with *out_len, or NULL for invalid input. */
char *sasl_b64_encode(const unsigned char *p, size_t n);
unsigned char *sasl_b64_decode(const char *text, size_t *out_len);

#endif
