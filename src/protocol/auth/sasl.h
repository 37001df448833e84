/* sasl.h — the SASL client engine for SMTP AUTH (RFC 4954, RFC 4422).
 *
 * One mechanism per file under protocol/auth/ behind one small interface;
 * this engine picks a mechanism, drives its steps and handles base64. The
 * SMTP exchange itself (AUTH command, 334 challenges, 235/535) is in
 * client.c; this file only turns challenges into responses. Credentials are
 * borrowed; every buffer that held them is wiped before it is freed, and
 * responses are returned in memory the caller must free with xfree_secret().
 * An exchange owns its mechanism's state (sasl_begin allocates it,
 * sasl_end wipes and frees it). Implemented: PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login), CRAM-MD5 (RFC 2195), SCRAM-SHA-1 and
 * SCRAM-SHA-256 (RFC 5802, RFC 7677; no channel binding), XOAUTH2 (Google's
 * format) and OAUTHBEARER (RFC 7628). */
#ifndef SMTPSCOPE_PROTOCOL_AUTH_SASL_H
#define SMTPSCOPE_PROTOCOL_AUTH_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

typedef struct sasl_creds {
    const char *user;     /* authentication identity */
    const char *pass;     /* secret; NULL when only a token is known */
    const char *authzid;  /* authorisation identity, NULL for none */
    const char *token;    /* OAuth 2.0 bearer token (XOAUTH2, OAUTHBEARER); NULL for none */
} sasl_creds;

/* A mechanism. The engine gives each exchange `state_size` zeroed bytes of
 * private state (wiped and freed by sasl_end), so a mechanism may keep
 * secrets there (SCRAM's salted-password-derived server signature).
 * `step` gets the decoded server challenge (NULL and 0 for the initial
 * response) and appends the raw (not yet base64) response to out; returns 0
 * or -1 with e set. `finish`, if set, is asked after the server's 235
 * whether the mechanism agrees the exchange succeeded (SCRAM: did the server
 * prove it knows the password?); 0 yes, -1 with e set no. `note`, if set,
 * returns what the mechanism learnt from the server about a failure (the
 * OAuth error status, a SCRAM e= error), or NULL; the string lives in the
 * state and is already safe to display. */
typedef struct sasl_mech {
    const char *name;          /* "PLAIN" */
    bool initial_response;     /* client sends data with the AUTH command */
    bool needs_tls;            /* sends the password or a bearer token in clear */
    bool uses_token;           /* authenticates with cr->token, not cr->pass */
    size_t state_size;         /* bytes of per-exchange state (at least 1) */
    int (*step)(const sasl_creds *cr, void *state, const unsigned char *chal, size_t chal_len,
                buf *out, err *e);
    int (*finish)(void *state, err *e);
    const char *(*note)(const void *state);
} sasl_mech;

/* Mechanism by name, case-insensitive; NULL if we don't implement it. */
const sasl_mech *sasl_find(const char *name);

/* The strongest mechanism we implement among `offered` (names as in the EHLO
 * AUTH line) that `cr` can use. With a token (cr->token non-empty) the OAuth
 * mechanisms come first: OAUTHBEARER, XOAUTH2. With a password (cr->pass
 * non-NULL): SCRAM-SHA-256, SCRAM-SHA-1 (mutual authentication, no password
 * on the wire), CRAM-MD5, PLAIN, LOGIN. cr NULL means "a password". NULL if
 * none is usable. */
const sasl_mech *sasl_pick(char *const *offered, size_t n_offered, const sasl_creds *cr);

typedef struct sasl_exchange {
    const sasl_mech *mech;
    const sasl_creds *cr;  /* borrowed */
    void *state;           /* owned: sasl_begin allocates, sasl_end wipes and frees */
} sasl_exchange;

/* Start an exchange: fills x and allocates the mechanism's state. Returns 0,
 * or -1 with e set (ERRC_INTERNAL: no mechanism, or OOM); x is then safe to
 * pass to sasl_end. */
int sasl_begin(sasl_exchange *x, const sasl_mech *mech, const sasl_creds *cr, err *e);

/* Next response as a base64 NUL-terminated string (caller frees with
 * xfree_secret). challenge_b64 is the text of a 334 reply (NULL for the
 * initial response). Returns NULL with e set: ERRC_PROTOCOL for a challenge
 * that is not valid base64 or that the mechanism rejects (a SCRAM nonce that
 * does not extend ours), ERRC_INSECURE when the server failed to prove it
 * knows the password (SCRAM) or asked for something unsafe (an iteration
 * count out of bounds), ERRC_LOCAL_INPUT for credentials the mechanism
 * cannot send, ERRC_INTERNAL on OOM or a missing sasl_begin. */
char *sasl_respond(sasl_exchange *x, const char *challenge_b64, err *e);

/* The server said 235: 0 if the mechanism agrees, -1 with e set
 * (ERRC_INSECURE) if it does not (SCRAM without a verified server
 * signature). */
int sasl_finish(sasl_exchange *x, err *e);

/* What the mechanism learnt about a failure (see sasl_mech.note), or NULL.
 * Borrowed from the state: valid until sasl_end. Printable ASCII only. */
const char *sasl_note(const sasl_exchange *x);

/* Wipe and free the state. Safe on a zeroed or already-ended exchange. */
void sasl_end(sasl_exchange *x);

/* Base64 helpers (OpenSSL EVP). encode returns allocated text; decode returns
 * allocated bytes with *out_len, or NULL for invalid input. */
char *sasl_b64_encode(const unsigned char *p, size_t n);
unsigned char *sasl_b64_decode(const char *text, size_t *out_len);

#ifdef SMTPSCOPE_TESTING
/* Tests only: later SCRAM exchanges use this client nonce instead of one
 * from RAND_bytes (NULL restores the random nonce). Copied; at most 64
 * printable characters without ','. Not thread-safe. */
void sasl_scram_test_nonce(const char *nonce);
#endif

#endif
