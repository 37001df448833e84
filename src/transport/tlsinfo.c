/* tlsinfo.c — summarise an established TLS session and the peer's chain
 * (see tlsinfo.h).
 *
 * Applies RFC 6125 / RFC 9525 name matching through X509_check_host (DNS-ID,
 * wildcard in the left-most label only) and X509_check_ip_asc for IP literals,
 * RFC 5280 for certificate fields and RFC 6066 §8 for the stapled OCSP
 * response. Every string taken from a certificate is escaped for display. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tlsinfo.h"

/* A peer controls how long its chain and SAN list are; we summarise at most
 * this many of each (a real chain has 2–4 certificates, a busy shared host a
 * few hundred names). */
#define TLSINFO_MAX_CHAIN 64
#define TLSINFO_MAX_SANS 1024

/* One-line RFC 2253 form of a name, escaped. ESC_MSB is dropped from the
 * RFC 2253 flags so that UTF-8 names stay readable: escape_display() keeps
 * valid UTF-8 and escapes everything else. */
static char *name_text(const X509_NAME *name)
{
    char *out = NULL;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return NULL;
    unsigned long flags = XN_FLAG_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(b, name, 0, flags) >= 0) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        out = escape_display(n > 0 ? p : "", n > 0 ? (size_t)n : 0);
    }
    BIO_free(b);
    return out;
}

/* "YYYY-MM-DDTHH:MM:SSZ" and seconds since the epoch. Returns 0, 1 when the
 * time cannot be parsed (*text stays NULL: not an error), or -1 on OOM. */
static int time_text(const ASN1_TIME *t, char **text, int64_t *epoch)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 1;
    char s[32];
    if (strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return 1;
    *epoch = (int64_t)timegm(&tm);
    *text = xstrdup(s);
    return *text ? 0 : -1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static const char *key_type_name(const EVP_PKEY *k)
{
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_DSA: return "DSA";
    case EVP_PKEY_ED25519: return "ED25519";
    case EVP_PKEY_ED448: return "ED448";
    default: break;
    }
    const char *n = EVP_PKEY_get0_type_name(k);
    return n ? n : "unknown";
}

/* Append one "DNS:x" / "IP:x" entry. Returns 0, or -1 on OOM. */
static int san_push(tls_cert *tc, const char *prefix, const char *v, size_t len)
{
    char *esc = escape_display(v, len);
    if (!esc)
        return -1;
    char *s = xasprintf("%s%s", prefix, esc);
    free(esc);
    if (!s || xarray_push((void ***)&tc->sans, &tc->n_sans, s) < 0) {
        free(s);
        return -1;
    }
    return 0;
}

static int collect_sans(X509 *x, tls_cert *tc)
{
    int rc = 0;
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return 0;
    int n = sk_GENERAL_NAME_num(gens);
    for (int i = 0; i < n && tc->n_sans < TLSINFO_MAX_SANS; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *s = g->d.dNSName;
            rc = san_push(tc, "DNS:", (const char *)ASN1_STRING_get0_data(s),
                          (size_t)ASN1_STRING_length(s));
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = g->d.iPAddress;
            char ip[INET6_ADDRSTRLEN];
            int len = ASN1_STRING_length(s);
            int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
            if (af && inet_ntop(af, ASN1_STRING_get0_data(s), ip, sizeof ip))
                rc = san_push(tc, "IP:", ip, strlen(ip));
        }
        if (rc < 0)
            break;
    }
    GENERAL_NAMES_free(gens);
    return rc;
}

/* Self-signed: issued by itself (names and key identifiers agree) and the
 * signature verifies with its own key. */
static bool is_self_signed(X509 *x)
{
    if (X509_check_issued(x, x) != X509_V_OK)
        return false;
    EVP_PKEY *k = X509_get0_pubkey(x);
    return k && X509_verify(x, k) == 1;
}

static int collect_cert(X509 *x, int64_t now, tls_cert *tc)
{
    if (!x)
        return -1;
    tc->subject = name_text(X509_get_subject_name(x));
    tc->issuer = name_text(X509_get_issuer_name(x));
    if (!tc->subject || !tc->issuer)
        return -1;
    if (collect_sans(x, tc) < 0)
        return -1;

    EVP_PKEY *k = X509_get0_pubkey(x);
    tc->key_type = xstrdup(k ? key_type_name(k) : "unknown");
    if (!tc->key_type)
        return -1;
    tc->key_bits = k ? EVP_PKEY_get_bits(k) : 0;

    int sig = X509_get_signature_nid(x);
    const char *sn = sig != NID_undef ? OBJ_nid2ln(sig) : NULL;
    tc->sig_alg = xstrdup(sn ? sn : "unknown");
    if (!tc->sig_alg)
        return -1;

    int64_t nb, na;
    if (time_text(X509_get0_notBefore(x), &tc->not_before, &nb) < 0)
        return -1;
    int r = time_text(X509_get0_notAfter(x), &tc->not_after, &na);
    if (r < 0)
        return -1;
    if (r == 0)
        tc->days_left = floor_div(na - now, 86400);
    tc->self_signed = is_self_signed(x);
    return 0;
}

/* An IP literal, with or without brackets, is matched as iPAddress. */
static bool host_is_ip(const char *h, char *bare, size_t baresz)
{
    size_t n = strlen(h);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= baresz)
        return false;
    memcpy(bare, h, n);
    bare[n] = '\0';
    unsigned char tmp[16];
    return inet_pton(AF_INET, bare, tmp) == 1 || inet_pton(AF_INET6, bare, tmp) == 1;
}

static bool host_matches(X509 *leaf, const char *host)
{
    char bare[INET6_ADDRSTRLEN + 8];
    if (host_is_ip(host, bare, sizeof bare))
        return X509_check_ip_asc(leaf, bare, 0) == 1;
    /* Name checks per RFC 6125: no partial-label wildcards like "f*.example". */
    return X509_check_host(leaf, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

static int collect_group(SSL *ssl, tls_info *info)
{
    int nid = SSL_get_negotiated_group(ssl);
    if (nid <= 0)
        return 0;
    const char *name = SSL_group_to_name(ssl, nid);
    if (!name && (nid & TLSEXT_nid_unknown) == 0)
        name = OBJ_nid2sn(nid);
    if (!name)
        return 0;
    info->group = xstrdup(name);
    return info->group ? 0 : -1;
}

int tlsinfo_collect(SSL *ssl, const char *expected_host, unsigned problems_from_verify,
                    long first_verify_code, tls_info *info)
{
    memset(info, 0, sizeof *info);
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    info->version = xstrdup(SSL_get_version(ssl));
    info->cipher = xstrdup(cipher ? SSL_CIPHER_get_name(cipher) : "unknown");
    if (!info->version || !info->cipher)
        goto fail;
    if (collect_group(ssl, info) < 0)
        goto fail;
    if (expected_host && !(info->servername = escape_display(expected_host, strlen(expected_host))))
        goto fail;

    const unsigned char *ocsp = NULL;
    info->ocsp_stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp) > 0 && ocsp != NULL;

    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
    int n = sk ? sk_X509_num(sk) : 0;
    if (n > TLSINFO_MAX_CHAIN)
        n = TLSINFO_MAX_CHAIN;
    if (n > 0) {
        info->chain = calloc((size_t)n, sizeof *info->chain);
        if (!info->chain)
            goto fail;
        for (int i = 0; i < n; i++) {
            info->chain_len++;
            if (tlsinfo_cert_from_x509(sk_X509_value(sk, i), &info->chain[i]) < 0)
                goto fail;
        }
    }

    info->problems = problems_from_verify;
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    if (expected_host) {
        info->hostname_match = leaf && host_matches(leaf, expected_host);
        if (!info->hostname_match)
            info->problems |= TLSV_HOSTNAME;
    }
    if (!leaf)
        info->problems |= TLSV_UNTRUSTED; /* nothing to trust (anonymous suite) */
    info->verify_code = first_verify_code;
    if (first_verify_code != 0 &&
        !(info->verify_error = xstrdup(X509_verify_cert_error_string(first_verify_code))))
        goto fail;
    info->verified = info->problems == 0 && info->hostname_match;
    return 0;

fail:
    tls_info_clear(info);
    return -1;
}

int tlsinfo_cert_from_x509(X509 *x, tls_cert *out)
{
    memset(out, 0, sizeof *out);
    if (collect_cert(x, clock_wall_s(), out) < 0) {
        tls_cert_clear(out);
        return -1;
    }
    return 0;
}

void tls_cert_clear(tls_cert *tc)
{
    if (!tc)
        return;
    free(tc->subject);
    free(tc->issuer);
    for (size_t i = 0; i < tc->n_sans; i++)
        free(tc->sans[i]);
    free(tc->sans);
    free(tc->key_type);
    free(tc->sig_alg);
    free(tc->not_before);
    free(tc->not_after);
    memset(tc, 0, sizeof *tc);
}

void tls_info_clear(tls_info *info)
{
    if (!info)
        return;
    free(info->version);
    free(info->cipher);
    free(info->group);
    free(info->servername);
    free(info->verify_error);
    for (size_t i = 0; i < info->chain_len; i++)
        tls_cert_clear(&info->chain[i]);
    free(info->chain);
    memset(info, 0, sizeof *info);
}
