/* sasl.c — the SASL client engine: mechanism table, choice, base64.
 *
 * RFC 4422 (SASL), RFC 4954 §4 (AUTH: challenges and responses are base64,
 * RFC 4648 §4), RFC 4616 (PLAIN), RFC 2195 (CRAM-MD5), RFC 5802 and RFC 7677
 * (SCRAM), RFC 7628 (OAUTHBEARER). Mechanisms live one per file (plain.c,
 * login.c, cram_md5.c, scram.c, oauth.c) and only turn a decoded challenge
 * into a raw response; this file owns each exchange's state (allocated by
 * sasl_begin, wiped with explicit_bzero and freed by sasl_end), decodes,
 * calls them, encodes, and makes sure every buffer that held a credential is
 * wiped before it is freed. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/auth/mechs.h"
#include "protocol/auth/sasl.h"

/* In order of preference (sasl_pick). A token, when the user gave one, is
 * what they mean to test, so the OAuth mechanisms come first (the standard
 * one before Google's). Among password mechanisms SCRAM keeps the password
 * off the wire and makes the server prove it knows it (SHA-256 before
 * SHA-1), CRAM-MD5 keeps the password off the wire, PLAIN is one round trip,
 * LOGIN is the last resort. */
static const sasl_mech *const mechs[] = {
    &sasl_mech_oauthbearer,
    &sasl_mech_xoauth2,
    &sasl_mech_scram_sha256,
    &sasl_mech_scram_sha1,
    &sasl_mech_cram_md5,
    &sasl_mech_plain,
    &sasl_mech_login,
};
#define N_MECHS (sizeof mechs / sizeof mechs[0])

const sasl_mech *sasl_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N_MECHS; i++)
        if (strcasecmp(mechs[i]->name, name) == 0)
            return mechs[i];
    return NULL;
}

static bool usable(const sasl_mech *m, const sasl_creds *cr)
{
    if (!cr)
        return !m->uses_token;
    return m->uses_token ? cr->token && cr->token[0] : cr->pass != NULL;
}

const sasl_mech *sasl_pick(char *const *offered, size_t n_offered, const sasl_creds *cr)
{
    if (!offered)
        return NULL;
    for (size_t i = 0; i < N_MECHS; i++)
        for (size_t k = 0; usable(mechs[i], cr) && k < n_offered; k++)
            if (offered[k] && strcasecmp(offered[k], mechs[i]->name) == 0)
                return mechs[i];
    return NULL;
}

int sasl_append_saslname(buf *out, const char *s)
{
    for (; *s; s++) {
        int rc = *s == '=' ? buf_append(out, "=3D", 3)
                 : *s == ',' ? buf_append(out, "=2C", 3)
                             : buf_append(out, s, 1);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int sasl_begin(sasl_exchange *x, const sasl_mech *mech, const sasl_creds *cr, err *e)
{
    *x = (sasl_exchange){.mech = mech, .cr = cr, .state = NULL};
    if (!mech || !mech->step)
        return err_set(e, ERRC_INTERNAL, "SASL exchange without a mechanism");
    x->state = calloc(1, mech->state_size ? mech->state_size : 1);
    if (!x->state)
        return err_set(e, ERRC_INTERNAL, "out of memory in SASL");
    return 0;
}

void sasl_end(sasl_exchange *x)
{
    if (!x || !x->state)
        return;
    /* The state may hold keys derived from the password (SCRAM). */
    explicit_bzero(x->state, x->mech && x->mech->state_size ? x->mech->state_size : 1);
    free(x->state);
    x->state = NULL;
}

int sasl_finish(sasl_exchange *x, err *e)
{
    if (!x || !x->mech || !x->state)
        return err_set(e, ERRC_INTERNAL, "SASL exchange without a mechanism");
    return x->mech->finish ? x->mech->finish(x->state, e) : 0;
}

const char *sasl_note(const sasl_exchange *x)
{
    if (!x || !x->mech || !x->state || !x->mech->note)
        return NULL;
    const char *n = x->mech->note(x->state);
    return n && n[0] ? n : NULL;
}

char *sasl_b64_encode(const unsigned char *p, size_t n)
{
    /* EVP_EncodeBlock takes an int length and writes 4 bytes per 3 plus a NUL. */
    if (n > (size_t)(INT_MAX / 4 * 3 - 3))
        return NULL;
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    if (n == 0) {
        out[0] = '\0';
        return out;
    }
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

static bool is_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

unsigned char *sasl_b64_decode(const char *text, size_t *out_len)
{
    if (!text)
        return NULL;
    size_t len = strlen(text);
    /* EVP_DecodeBlock is lenient (it skips surrounding whitespace) and
     * counts '=' padding as zero bytes, so the strict RFC 4648 §4 syntax is
     * checked here first: groups of four alphabet characters, with one or
     * two '=' allowed only at the very end. */
    if (len % 4 != 0 || len > (size_t)INT_MAX)
        return NULL;
    size_t pad = 0;
    if (len >= 4 && text[len - 1] == '=')
        pad = text[len - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < len - pad; i++)
        if (!is_b64_char(text[i]))
            return NULL;
    size_t n = len / 4 * 3;
    unsigned char *out = malloc(n + 1);
    if (!out)
        return NULL;
    if (len > 0 && EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) != (int)n) {
        free(out);
        return NULL;
    }
    n -= pad;
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return out;
}

/* Trim the spaces some servers put around a 334 challenge. */
static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

char *sasl_respond(sasl_exchange *x, const char *challenge_b64, err *e)
{
    /* Zeros to pre-size the response buffer: with its capacity reserved up
     * front, the buffer is never realloc'd, so no copy of a secret is left
     * behind in a freed block that we could not wipe. */
    static const char zeros[SASL_MAX_RESPONSE];
    char *chal_text = NULL, *result = NULL;
    unsigned char *chal = NULL;
    size_t chal_len = 0;
    buf out;
    buf_init(&out, SASL_MAX_RESPONSE);
    if (!x || !x->mech || !x->mech->step || !x->state) {
        err_set(e, ERRC_INTERNAL, "SASL exchange without a mechanism (no sasl_begin)");
        goto out;
    }
    if (buf_append(&out, zeros, sizeof zeros) < 0) {
        err_set(e, ERRC_INTERNAL, "out of memory in SASL");
        goto out;
    }
    buf_reset(&out);
    if (challenge_b64) {
        const char *s = challenge_b64;
        size_t n = strlen(s);
        trim(&s, &n);
        chal_text = malloc(n + 1);
        if (!chal_text) {
            err_set(e, ERRC_INTERNAL, "out of memory in SASL");
            goto out;
        }
        memcpy(chal_text, s, n);
        chal_text[n] = '\0';
        chal = sasl_b64_decode(chal_text, &chal_len);
        if (!chal) {
            err_set(e, ERRC_PROTOCOL, "the server's %s challenge is not valid base64",
                    x->mech->name);
            goto out;
        }
    }
    if (x->mech->step(x->cr, x->state, chal, chal_len, &out, e) < 0)
        goto out;
    result = sasl_b64_encode((const unsigned char *)(out.data ? out.data : ""), out.len);
    if (!result)
        err_set(e, ERRC_INTERNAL, "out of memory in SASL");
out:
    if (out.data)
        OPENSSL_cleanse(out.data, out.cap);
    buf_free(&out);
    free(chal_text);
    if (chal)
        OPENSSL_cleanse(chal, chal_len);
    free(chal);
    return result;
}
