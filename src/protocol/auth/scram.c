/* scram.c — the SCRAM-SHA-1 and SCRAM-SHA-256 SASL mechanisms (RFC 5802,
 * RFC 7677).
 *
 * Three messages from us, two from the server:
 *   C: n,,n=USER,r=CNONCE                        (client-first, initial response)
 *   S: r=CNONCE+SNONCE,s=SALT,i=ITERATIONS       (server-first)
 *   C: c=biws,r=CNONCE+SNONCE,p=PROOF            (client-final)
 *   S: v=SERVER-SIGNATURE  (or e=ERROR)          (server-final, a 334 in SMTP)
 *   C: (empty)                                   then the server's 235 or 535
 * The password never crosses the wire, and the server must prove it knows
 * it: its signature is checked here, and a 235 without a verified signature
 * is refused in scram_finish ("possible MITM"). Choices, documented in
 * docs/internals/PROTOCOL.md:
 *  - no channel binding: the gs2 header is "n,," (or "n,a=AUTHZID,");
 *  - SASLprep (RFC 4013) only for ASCII, where it is the identity once the
 *    control characters it prohibits are refused; non-ASCII user names and
 *    passwords are refused with ERRC_LOCAL_INPUT rather than prepared
 *    wrongly (a wrong SaltedPassword just looks like a wrong password);
 *  - iteration counts outside [4096, 1000000] are refused (ERRC_INSECURE):
 *    below RFC 5802 §5.1 / RFC 7677 §4's minimum, a server (or someone
 *    posing as one) could cheaply brute-force the password from our proof;
 *    above the cap, a hostile server could burn our CPU.
 * The state holds only what the next steps need (nonce, client-first-bare,
 * the expected server signature); the engine wipes it with explicit_bzero.
 * Every stack buffer with key material is wiped with OPENSSL_cleanse. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/auth/mechs.h"
#include "protocol/auth/sasl.h"

#define SCRAM_NONCE_BYTES 24        /* random bytes; 32 base64 characters */
#define SCRAM_NONCE_MAX 64          /* our nonce, characters */
#define SCRAM_SNONCE_MAX 1024       /* the combined nonce from the server */
#define SCRAM_USER_MAX 255          /* bytes of user name (or authzid) */
#define SCRAM_SALT_MAX 256          /* decoded salt bytes */
#define SCRAM_ITER_MIN 4096         /* RFC 5802 §5.1, RFC 7677 §4 */
#define SCRAM_ITER_MAX 1000000      /* our cap: ~0.3 s of PBKDF2-SHA-256 */
#define SCRAM_MD_MAX 32             /* SHA-256 output */
#define SCRAM_NOTE_MAX 160
/* "n=" + saslname (each byte at most 3) + ",r=" + nonce + NUL */
#define SCRAM_BARE_MAX (2 + 3 * SCRAM_USER_MAX + 3 + SCRAM_NONCE_MAX + 1)
/* "n,a=" + saslname + "," + NUL */
#define SCRAM_GS2_MAX (4 + 3 * SCRAM_USER_MAX + 1 + 1)

enum { SC_FIRST = 0, SC_FINAL, SC_VERIFY, SC_DONE, SC_SERVER_ERROR };

typedef struct scram_state {
    int step;                              /* SC_* */
    bool verified;                         /* the server's v= matched */
    char nonce[SCRAM_NONCE_MAX + 1];       /* our client nonce */
    char gs2[SCRAM_GS2_MAX];               /* "n,," or "n,a=AUTHZID," */
    char bare[SCRAM_BARE_MAX];             /* client-first-message-bare */
    unsigned char server_sig[SCRAM_MD_MAX];  /* expected ServerSignature */
    char note[SCRAM_NOTE_MAX];             /* the server's e= error, sanitised */
} scram_state;

#ifdef SMTPSCOPE_TESTING
static char test_nonce[SCRAM_NONCE_MAX + 1];

void sasl_scram_test_nonce(const char *nonce)
{
    test_nonce[0] = '\0';
    if (nonce && strlen(nonce) <= SCRAM_NONCE_MAX)
        memcpy(test_nonce, nonce, strlen(nonce) + 1);
}
#endif

static int make_nonce(char out[SCRAM_NONCE_MAX + 1], err *e)
{
#ifdef SMTPSCOPE_TESTING
    if (test_nonce[0]) {
        memcpy(out, test_nonce, strlen(test_nonce) + 1);
        return 0;
    }
#endif
    unsigned char rnd[SCRAM_NONCE_BYTES];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return err_set(e, ERRC_INTERNAL, "OpenSSL could not make a random SCRAM nonce");
    char *b = sasl_b64_encode(rnd, sizeof rnd); /* base64 has no ',' */
    if (!b)
        return err_set(e, ERRC_INTERNAL, "out of memory in SASL");
    memcpy(out, b, strlen(b) + 1); /* 32 characters */
    free(b);
    return 0;
}

/* SASLprep (RFC 4013) for what we support: printable ASCII and space pass
 * unchanged (no mapping or normalisation applies to them); ASCII controls
 * are prohibited (RFC 4013 §2.3, RFC 3454 C.2.1); non-ASCII is refused. */
static int saslprep_ascii(const char *what, const char *s, err *e)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80)
            return err_set(e, ERRC_LOCAL_INPUT,
                           "SCRAM: the %s is not ASCII; smtpscope does not implement SASLprep "
                           "for non-ASCII text (use PLAIN or LOGIN over TLS instead)",
                           what);
        if (*p < 0x20 || *p == 0x7f)
            return err_set(e, ERRC_LOCAL_INPUT,
                           "SCRAM: the %s contains a control character, which SASLprep "
                           "prohibits", what);
    }
    return 0;
}

/* Write a C string with its NUL into a fixed array through a buf. */
static int build(char *dst, size_t cap, buf *b)
{
    if (!b->data || b->len + 1 > cap)
        return -1;
    memcpy(dst, b->data, b->len + 1);
    return 0;
}

static int client_first(const sasl_creds *cr, scram_state *st, buf *out, err *e)
{
    if (!cr || !cr->user || !cr->user[0] || !cr->pass)
        return err_set(e, ERRC_LOCAL_INPUT, "SCRAM needs a user name and a password");
    if (saslprep_ascii("user name", cr->user, e) < 0 ||
        saslprep_ascii("password", cr->pass, e) < 0 ||
        (cr->authzid && saslprep_ascii("authorisation identity", cr->authzid, e) < 0))
        return -1;
    if (strlen(cr->user) > SCRAM_USER_MAX || (cr->authzid && strlen(cr->authzid) > SCRAM_USER_MAX))
        return err_set(e, ERRC_LOCAL_INPUT, "SCRAM: the user name is longer than %d bytes",
                       SCRAM_USER_MAX);
    if (make_nonce(st->nonce, e) < 0)
        return -1;
    buf b;
    buf_init(&b, SCRAM_BARE_MAX);
    int rc = -1;
    /* RFC 5802 §7: gs2-header = gs2-cbind-flag "," [ authzid ] ","; "n":
     * we do not do channel binding and do not claim the server can't. */
    if (buf_append_str(&b, "n,") < 0 ||
        (cr->authzid && cr->authzid[0] &&
         (buf_append_str(&b, "a=") < 0 || sasl_append_saslname(&b, cr->authzid) < 0)) ||
        buf_append_str(&b, ",") < 0 || build(st->gs2, sizeof st->gs2, &b) < 0)
        goto oom;
    buf_reset(&b);
    if (buf_append_str(&b, "n=") < 0 || sasl_append_saslname(&b, cr->user) < 0 ||
        buf_append_str(&b, ",r=") < 0 || buf_append_str(&b, st->nonce) < 0 ||
        build(st->bare, sizeof st->bare, &b) < 0)
        goto oom;
    if (buf_append_str(out, st->gs2) < 0 || buf_append_str(out, st->bare) < 0)
        goto oom;
    st->step = SC_FINAL;
    rc = 0;
    goto out;
oom:
    err_set(e, ERRC_INTERNAL, "out of memory in SASL");
out:
    buf_free(&b);
    return rc;
}

/* ---- parsing the server's messages (untrusted) ---- */

/* The server's messages are attr=value pairs separated by ','; values are
 * printable ASCII (RFC 5802 §7). A view of one attribute. */
typedef struct attr {
    char name;
    const char *val;
    size_t len;
} attr;

/* Next attribute from *p (end at `end`); -1 at a malformed one. */
static int next_attr(const char **p, const char *end, attr *a)
{
    const char *s = *p;
    if (end - s < 2 || s[1] != '=' || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return -1;
    a->name = s[0];
    a->val = s + 2;
    const char *c = memchr(a->val, ',', (size_t)(end - a->val));
    a->len = (size_t)((c ? c : end) - a->val);
    *p = c ? c + 1 : end;
    return 0;
}

static bool printable(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    return true;
}

/* Keep a server-supplied value for display: printable ASCII, bounded. */
static void keep_note(scram_state *st, const char *prefix, const char *v, size_t n)
{
    size_t pl = strlen(prefix);
    size_t max = sizeof st->note - pl - 1;
    if (n > max)
        n = max;
    memcpy(st->note, prefix, pl);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        st->note[pl + i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
    }
    st->note[pl + n] = '\0';
}

static int parse_iter(const attr *a, long *out)
{
    if (a->len == 0 || a->len > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < a->len; i++) {
        if (a->val[i] < '0' || a->val[i] > '9')
            return -1;
        v = v * 10 + (a->val[i] - '0');
    }
    *out = v;
    return 0;
}

/* Salt: strict base64, decoded, 1..SCRAM_SALT_MAX bytes. Allocated. */
static unsigned char *parse_salt(const attr *a, size_t *n)
{
    char text[(SCRAM_SALT_MAX + 2) / 3 * 4 + 1];
    if (a->len == 0 || a->len >= sizeof text)
        return NULL;
    memcpy(text, a->val, a->len);
    text[a->len] = '\0';
    unsigned char *salt = sasl_b64_decode(text, n);
    if (salt && (*n == 0 || *n > SCRAM_SALT_MAX)) {
        free(salt);
        return NULL;
    }
    return salt;
}

/* ---- the cryptography (RFC 5802 §3) ---- */

static int hmac(const EVP_MD *md, const unsigned char *key, size_t key_len,
                const void *msg, size_t msg_len, unsigned char *out)
{
    size_t n = 0;
    size_t want = (size_t)EVP_MD_get_size(md);
    return EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(md), NULL, key, key_len, msg, msg_len,
                     out, SCRAM_MD_MAX, &n) && n == want ? 0 : -1;
}

/* The client-final message for server-first `sf`, and the expected server
 * signature into st. */
static int client_final(const sasl_creds *cr, scram_state *st, const EVP_MD *md,
                        const char *sf, size_t sf_len, buf *out, err *e)
{
    const char *mname = EVP_MD_is_a(md, "SHA256") ? "SCRAM-SHA-256" : "SCRAM-SHA-1";
    if (!printable((const unsigned char *)sf, sf_len))
        return err_set(e, ERRC_PROTOCOL, "the server's %s challenge has non-printable bytes",
                       mname);
    const char *p = sf, *end = sf + sf_len;
    attr a;
    if (next_attr(&p, end, &a) < 0)
        return err_set(e, ERRC_PROTOCOL, "the server's first %s message is malformed", mname);
    if (a.name == 'e') {
        keep_note(st, "the server reported SCRAM error: ", a.val, a.len);
        return err_set(e, ERRC_REJECTED, "%s: %s", mname, st->note);
    }
    if (a.name == 'm')
        return err_set(e, ERRC_PROTOCOL,
                       "the server requires a %s extension (m=) that smtpscope does not know",
                       mname);
    /* r=: printable except ','; must extend our nonce (RFC 5802 §5.1). */
    size_t cn = strlen(st->nonce);
    if (a.name != 'r' || a.len > SCRAM_SNONCE_MAX)
        return err_set(e, ERRC_PROTOCOL, "the server's first %s message has no nonce (r=)", mname);
    if (a.len <= cn || memcmp(a.val, st->nonce, cn) != 0)
        return err_set(e, ERRC_PROTOCOL,
                       "the server's %s nonce does not start with ours and add its own: "
                       "replayed or tampered exchange", mname);
    attr nonce = a;
    attr salt_a, iter_a;
    if (next_attr(&p, end, &salt_a) < 0 || salt_a.name != 's')
        return err_set(e, ERRC_PROTOCOL, "the server's first %s message has no salt (s=)", mname);
    if (next_attr(&p, end, &iter_a) < 0 || iter_a.name != 'i')
        return err_set(e, ERRC_PROTOCOL,
                       "the server's first %s message has no iteration count (i=)", mname);
    /* Anything after i= is an optional extension (RFC 5802 §7); ignored. */
    long iter = 0;
    if (parse_iter(&iter_a, &iter) < 0)
        return err_set(e, ERRC_PROTOCOL, "the server's %s iteration count is not a number",
                       mname);
    if (iter < SCRAM_ITER_MIN)
        return err_set(e, ERRC_INSECURE,
                       "the server asks for %ld %s iterations, fewer than the minimum %d "
                       "(RFC 7677 §4): our proof would be cheap to brute-force",
                       iter, mname, SCRAM_ITER_MIN);
    if (iter > SCRAM_ITER_MAX)
        return err_set(e, ERRC_INSECURE,
                       "the server asks for %ld %s iterations, more than smtpscope's cap of %d",
                       iter, mname, SCRAM_ITER_MAX);
    size_t salt_len = 0;
    unsigned char *salt = parse_salt(&salt_a, &salt_len);
    if (!salt)
        return err_set(e, ERRC_PROTOCOL, "the server's %s salt is not valid base64 (or is "
                       "empty or longer than %d bytes)", mname, SCRAM_SALT_MAX);

    size_t dlen = (size_t)EVP_MD_get_size(md);
    unsigned char salted[SCRAM_MD_MAX], ckey[SCRAM_MD_MAX], skey[SCRAM_MD_MAX],
        stored[SCRAM_MD_MAX], csig[SCRAM_MD_MAX], proof[SCRAM_MD_MAX];
    char *gs2_b64 = NULL, *proof_b64 = NULL;
    unsigned int stored_len = 0;
    buf am;   /* AuthMessage */
    buf_init(&am, sizeof st->bare + sf_len + SCRAM_SNONCE_MAX + SCRAM_GS2_MAX * 2 + 16);
    int rc = -1;
    size_t final_start = out->len;

    if (PKCS5_PBKDF2_HMAC(cr->pass, (int)strlen(cr->pass), salt, (int)salt_len, (int)iter, md,
                          (int)dlen, salted) != 1 ||
        hmac(md, salted, dlen, "Client Key", 10, ckey) < 0 ||
        hmac(md, salted, dlen, "Server Key", 10, skey) < 0 ||
        EVP_Digest(ckey, dlen, stored, &stored_len, md, NULL) != 1 || stored_len != dlen) {
        err_set(e, ERRC_INTERNAL, "%s: OpenSSL could not compute the keys", mname);
        goto out;
    }
    gs2_b64 = sasl_b64_encode((const unsigned char *)st->gs2, strlen(st->gs2));
    if (!gs2_b64)
        goto oom;
    /* client-final-message-without-proof, written straight to out. */
    if (buf_append_str(out, "c=") < 0 || buf_append_str(out, gs2_b64) < 0 ||
        buf_append_str(out, ",r=") < 0 || buf_append(out, nonce.val, nonce.len) < 0)
        goto oom;
    if (buf_append_str(&am, st->bare) < 0 || buf_append(&am, ",", 1) < 0 ||
        buf_append(&am, sf, sf_len) < 0 || buf_append(&am, ",", 1) < 0 ||
        buf_append(&am, out->data + final_start, out->len - final_start) < 0)
        goto oom;
    if (hmac(md, stored, dlen, am.data, am.len, csig) < 0 ||
        hmac(md, skey, dlen, am.data, am.len, st->server_sig) < 0) {
        err_set(e, ERRC_INTERNAL, "%s: OpenSSL could not compute the signatures", mname);
        goto out;
    }
    for (size_t i = 0; i < dlen; i++)
        proof[i] = ckey[i] ^ csig[i];
    proof_b64 = sasl_b64_encode(proof, dlen);
    if (!proof_b64 || buf_append_str(out, ",p=") < 0 || buf_append_str(out, proof_b64) < 0)
        goto oom;
    st->step = SC_VERIFY;
    rc = 0;
    goto out;
oom:
    err_set(e, ERRC_INTERNAL, "out of memory in SASL");
out:
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(ckey, sizeof ckey);
    OPENSSL_cleanse(skey, sizeof skey);
    OPENSSL_cleanse(stored, sizeof stored);
    OPENSSL_cleanse(csig, sizeof csig);
    OPENSSL_cleanse(proof, sizeof proof);
    if (proof_b64)
        OPENSSL_cleanse(proof_b64, strlen(proof_b64));
    free(proof_b64);
    free(gs2_b64);
    free(salt);
    buf_free(&am);
    if (rc < 0)
        OPENSSL_cleanse(st->server_sig, sizeof st->server_sig);
    return rc;
}

/* server-final: v= must be our expected signature; e= is the server's
 * refusal, answered with an empty response so the server can send its
 * final (5xx) reply. */
static int server_final(scram_state *st, const EVP_MD *md, const char *sf, size_t sf_len,
                        err *e)
{
    const char *mname = EVP_MD_is_a(md, "SHA256") ? "SCRAM-SHA-256" : "SCRAM-SHA-1";
    if (!printable((const unsigned char *)sf, sf_len))
        return err_set(e, ERRC_PROTOCOL, "the server's final %s message has non-printable bytes",
                       mname);
    const char *p = sf, *end = sf + sf_len;
    attr a;
    if (next_attr(&p, end, &a) < 0 || (a.name != 'v' && a.name != 'e'))
        return err_set(e, ERRC_PROTOCOL,
                       "the server's final %s message has neither a signature (v=) nor an "
                       "error (e=)", mname);
    if (a.name == 'e') {
        keep_note(st, "the server reported SCRAM error: ", a.val, a.len);
        st->step = SC_SERVER_ERROR;
        return 0;
    }
    size_t dlen = (size_t)EVP_MD_get_size(md);
    char text[(SCRAM_MD_MAX + 2) / 3 * 4 + 1];
    size_t n = 0;
    unsigned char *sig = NULL;
    if (a.len < sizeof text) {
        memcpy(text, a.val, a.len);
        text[a.len] = '\0';
        sig = sasl_b64_decode(text, &n);
    }
    bool ok = sig && n == dlen && CRYPTO_memcmp(sig, st->server_sig, dlen) == 0;
    free(sig);
    OPENSSL_cleanse(st->server_sig, sizeof st->server_sig);
    if (!ok) {
        st->step = SC_DONE;
        return err_set(e, ERRC_INSECURE,
                       "the server could not prove it knows the password (wrong %s server "
                       "signature): possible MITM", mname);
    }
    st->verified = true;
    st->step = SC_DONE;
    return 0;
}

static int scram_step(const EVP_MD *md, const sasl_creds *cr, void *state,
                      const unsigned char *chal, size_t chal_len, buf *out, err *e)
{
    scram_state *st = state;
    const char *mname = EVP_MD_is_a(md, "SHA256") ? "SCRAM-SHA-256" : "SCRAM-SHA-1";
    switch (st->step) {
    case SC_FIRST:
        /* The initial response; an empty 334 before it is fine too. */
        if (chal_len)
            return err_set(e, ERRC_PROTOCOL, "the server sent a %s challenge before our first "
                           "message", mname);
        return client_first(cr, st, out, e);
    case SC_FINAL:
        if (!chal || chal_len == 0)
            return err_set(e, ERRC_PROTOCOL, "the server sent an empty %s challenge", mname);
        if (!cr || !cr->pass)
            return err_set(e, ERRC_LOCAL_INPUT, "SCRAM needs a password");
        return client_final(cr, st, md, (const char *)chal, chal_len, out, e);
    case SC_VERIFY:
        if (!chal || chal_len == 0)
            return err_set(e, ERRC_PROTOCOL, "the server sent an empty final %s message", mname);
        return server_final(st, md, (const char *)chal, chal_len, e);
    default:
        return err_set(e, ERRC_PROTOCOL,
                       "the server sent another %s challenge after the exchange ended", mname);
    }
}

static int scram_finish(void *state, err *e)
{
    scram_state *st = state;
    if (st->verified)
        return 0;
    return err_set(e, ERRC_INSECURE,
                   "the server accepted the login without proving it knows the password (no "
                   "valid SCRAM server signature): possible MITM");
}

static const char *scram_note(const void *state)
{
    const scram_state *st = state;
    return st->note;
}

static int sha1_step(const sasl_creds *cr, void *state, const unsigned char *chal,
                     size_t chal_len, buf *out, err *e)
{
    return scram_step(EVP_sha1(), cr, state, chal, chal_len, out, e);
}

static int sha256_step(const sasl_creds *cr, void *state, const unsigned char *chal,
                       size_t chal_len, buf *out, err *e)
{
    return scram_step(EVP_sha256(), cr, state, chal, chal_len, out, e);
}

const sasl_mech sasl_mech_scram_sha1 = {
    .name = "SCRAM-SHA-1",
    .initial_response = true,
    .needs_tls = false,
    .uses_token = false,
    .state_size = sizeof(scram_state),
    .step = sha1_step,
    .finish = scram_finish,
    .note = scram_note,
};

const sasl_mech sasl_mech_scram_sha256 = {
    .name = "SCRAM-SHA-256",
    .initial_response = true,
    .needs_tls = false,
    .uses_token = false,
    .state_size = sizeof(scram_state),
    .step = sha256_step,
    .finish = scram_finish,
    .note = scram_note,
};
