/* tlsinfo.h — facts about an established TLS session and its certificates.
 *
 * Collected right after the handshake: protocol version, cipher, key-exchange
 * group, the peer chain with each certificate's subject, issuer, SANs, key,
 * signature algorithm and validity, and the verification outcome with every
 * problem found (not only the first: an expired certificate for the wrong host
 * reports both). All strings are owned by the tls_info and freed by
 * tls_info_clear(). Certificate text fields are untrusted peer data, already
 * escaped for display (core/escape.h). */
#ifndef SMTPSCOPE_TRANSPORT_TLSINFO_H
#define SMTPSCOPE_TRANSPORT_TLSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ssl_st SSL;
typedef struct x509_st X509;

typedef struct tls_cert {
    char *subject;      /* one-line RFC 2253 form */
    char *issuer;
    char **sans;        /* DNS names and IP addresses, "DNS:x" / "IP:x" */
    size_t n_sans;
    char *key_type;     /* "RSA", "EC", "ED25519", ... */
    int key_bits;
    char *sig_alg;      /* "sha256WithRSAEncryption" */
    char *not_before;   /* ISO 8601 UTC, "2026-01-01T00:00:00Z" */
    char *not_after;
    int64_t days_left;  /* floor((not_after - now)/86400); negative when expired */
    bool self_signed;   /* subject == issuer and self-signature verifies */
} tls_cert;

/* Verification problems, as bits so that several can be reported at once. */
enum {
    TLSV_EXPIRED = 1 << 0,          /* a certificate in the chain has expired */
    TLSV_NOT_YET_VALID = 1 << 1,
    TLSV_SELF_SIGNED = 1 << 2,      /* the leaf is self-signed */
    TLSV_UNTRUSTED = 1 << 3,        /* chain does not lead to a trusted root */
    TLSV_HOSTNAME = 1 << 4,         /* leaf does not match the expected name */
    TLSV_MISSING_INTERMEDIATE = 1 << 5, /* issuer not sent and not in store */
    TLSV_OTHER = 1 << 6,
};

typedef struct tls_info {
    char *version;        /* "TLSv1.3" */
    char *cipher;         /* "TLS_AES_256_GCM_SHA384" */
    char *group;          /* key-exchange group, "X25519"; NULL if unknown */
    char *servername;     /* the name we verified against (SNI), NULL if none */
    bool verified;        /* chain trusted AND hostname matched */
    bool hostname_match;
    unsigned problems;    /* TLSV_* bits */
    long verify_code;     /* first X509_V_ERR_* seen, 0 if none */
    char *verify_error;   /* OpenSSL's text for verify_code, NULL if none */
    bool ocsp_stapled;
    tls_cert *chain;      /* peer chain as sent, leaf first */
    size_t chain_len;
    /* DANE (RFC 7671/7672), only when the handshake ran with TLSA records
     * (tlsconn_opts.dane; all zero otherwise). Then `verified` means "a TLSA
     * record authenticated the server": with a DANE-EE (usage 3) match the
     * name and validity of the leaf do not matter (RFC 7672 §3.1.1), so
     * TLSV_HOSTNAME is not counted in `problems` (hostname_match still tells
     * the fact); with DANE-TA (usage 2) OpenSSL checks the chain up to the
     * matched trust anchor and the names against the TLSA base domain. */
    bool dane;            /* the handshake used TLSA records */
    size_t dane_usable;   /* records OpenSSL accepted (unsupported ones are skipped) */
    int dane_depth;       /* chain depth of the matched certificate (0 = leaf), -1: none */
    int dane_record;      /* index into tlsconn_dane.recs of the match, -1: none */
    uint8_t dane_usage, dane_selector, dane_mtype; /* of the matched record */
} tls_info;

/* Fill `info` from an SSL whose handshake completed. expected_host is the name
 * to match the leaf against (may be NULL: no hostname check, hostname_match
 * false). `problems_from_verify` are TLSV_* bits gathered by the verify
 * callback during the handshake (tlsconn.c); this adds the hostname result and
 * computes `verified`. Returns 0, or -1 on OOM. */
int tlsinfo_collect(SSL *ssl, const char *expected_host, unsigned problems_from_verify,
                    long first_verify_code, tls_info *info);

/* Facts about one certificate (any certificate, not only a peer's): the
 * fields of tls_cert, days_left counted from now. `out` is overwritten, its
 * strings are owned by it and freed by tls_cert_clear(). Returns 0, or -1 on
 * OOM or a NULL certificate (then `out` is cleared). tlsinfo_collect() uses
 * it for every certificate of the peer chain. */
int tlsinfo_cert_from_x509(X509 *x, tls_cert *out);

/* Free every field of one certificate summary and zero it; NULL is a no-op. */
void tls_cert_clear(tls_cert *tc);

/* Free every field and zero the struct. */
void tls_info_clear(tls_info *info);

#endif
