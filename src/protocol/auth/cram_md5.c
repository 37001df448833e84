/* cram_md5.c — the CRAM-MD5 SASL mechanism (RFC 2195).
 *
 * The server sends a challenge; the client answers with its user name, a
 * space and the lower-case hex HMAC-MD5 (RFC 2104) of the challenge keyed
 * with the password (RFC 2195 §2). The password never crosses the wire, but
 * the server must store it in clear and MD5 is weak, so this is "better than
 * PLAIN without TLS", not strong. HMAC comes from OpenSSL's EVP_MAC. */
#include <stddef.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/auth/mechs.h"
#include "protocol/auth/sasl.h"

#define MD5_LEN 16

static int hmac_md5(const char *key, const unsigned char *msg, size_t msg_len,
                    unsigned char mac[MD5_LEN])
{
    int rc = -1;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    if (!ctx)
        goto out;
    char digest[] = "MD5";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    size_t out_len = 0;
    if (EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) != 1 ||
        EVP_MAC_update(ctx, msg, msg_len) != 1 ||
        EVP_MAC_final(ctx, mac, &out_len, MD5_LEN) != 1 || out_len != MD5_LEN)
        goto out;
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx); /* frees (and cleanses) the keyed state */
    EVP_MAC_free(m);
    return rc;
}

static int cram_md5_step(const sasl_creds *cr, void *state, const unsigned char *chal,
                         size_t chal_len, buf *out, err *e)
{
    sasl_counter *st = state;
    if (st->steps > 0)
        return err_set(e, ERRC_PROTOCOL,
                       "the server sent another challenge after the CRAM-MD5 response");
    if (!chal || chal_len == 0)
        return err_set(e, ERRC_PROTOCOL, "the server sent an empty CRAM-MD5 challenge");
    if (!cr || !cr->user || !cr->user[0] || !cr->pass)
        return err_set(e, ERRC_LOCAL_INPUT, "CRAM-MD5 needs a user name and a password");
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[MD5_LEN];
    char text[2 * MD5_LEN];
    int rc = -1;
    if (hmac_md5(cr->pass, chal, chal_len, mac) < 0) {
        err_set(e, ERRC_INTERNAL, "HMAC-MD5 is not available from OpenSSL");
        goto out;
    }
    for (size_t i = 0; i < MD5_LEN; i++) {
        text[2 * i] = hex[mac[i] >> 4];
        text[2 * i + 1] = hex[mac[i] & 15];
    }
    if (buf_append_str(out, cr->user) < 0 || buf_append(out, " ", 1) < 0 ||
        buf_append(out, text, sizeof text) < 0) {
        err_set(e, ERRC_LOCAL_INPUT, "CRAM-MD5 user name is too long");
        goto out;
    }
    st->steps++;
    rc = 0;
out:
    /* The digest is as good as the password for replaying this challenge. */
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(text, sizeof text);
    return rc;
}

const sasl_mech sasl_mech_cram_md5 = {
    .name = "CRAM-MD5",
    .initial_response = false,
    .needs_tls = false,
    .state_size = sizeof(sasl_counter),
    .step = cram_md5_step,
};
