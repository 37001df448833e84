/* fuzz_certinfo.c — libFuzzer target for certificate facts extraction
 * (transport/tlsinfo.c: tlsinfo_cert_from_x509), RFC 5280 fields.
 *
 * The input is parsed as one DER certificate (d2i_X509) and, if that fails,
 * as PEM (PEM_read_bio_X509); whatever OpenSSL accepts is summarised the way
 * a peer's chain certificate is. The summary's promises are checked: subject,
 * issuer, key type and signature algorithm always set, every SAN "DNS:" or
 * "IP:", every string free of raw control bytes (escaped for display). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "transport/tlsinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, int may_be_null)
{
    if (!s) {
        if (!may_be_null)
            abort();
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            abort();
}

static void check_cert(const tls_cert *tc)
{
    check_text(tc->subject, 0);
    check_text(tc->issuer, 0);
    check_text(tc->key_type, 0);
    check_text(tc->sig_alg, 0);
    check_text(tc->not_before, 1);
    check_text(tc->not_after, 1);
    if (tc->n_sans > 0 && !tc->sans)
        abort();
    for (size_t i = 0; i < tc->n_sans; i++) {
        check_text(tc->sans[i], 0);
        if (strncmp(tc->sans[i], "DNS:", 4) != 0 && strncmp(tc->sans[i], "IP:", 3) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0; /* a certificate is small; keep runs fast */
    const unsigned char *p = data;
    X509 *x = d2i_X509(NULL, &p, (long)size);
    if (!x) {
        BIO *b = BIO_new_mem_buf(data, (int)size);
        if (b) {
            x = PEM_read_bio_X509(b, NULL, NULL, NULL);
            BIO_free(b);
        }
    }
    ERR_clear_error();
    if (!x)
        return 0;
    tls_cert tc;
    if (tlsinfo_cert_from_x509(x, &tc) == 0) {
        check_cert(&tc);
        tls_cert_clear(&tc);
        tls_cert_clear(&tc); /* cleared twice is harmless */
    }
    tls_cert_clear(NULL);
    X509_free(x);
    ERR_clear_error();
    return 0;
}
