/* tlsconn.h — TLS client handshakes over a conn (OpenSSL 3).
 *
 * One context per run holds the trust store (system default or --ca-file).
 * A handshake never fails because of certificate problems: verification runs
 * in full and its findings land in tls_info (tlsinfo.h), so the caller can
 * report an expired certificate AND carry on under --insecure. A handshake
 * fails only when no TLS session could be established, and then says why in
 * a tls_failure value the diagnosis layer turns into advice (e.g. a plaintext
 * SMTP banner where TLS was expected means "use STARTTLS, not implicit TLS"). */
#ifndef SMTPSCOPE_TRANSPORT_TLSCONN_H
#define SMTPSCOPE_TRANSPORT_TLSCONN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "transport/conn.h"
#include "transport/tlsinfo.h"

typedef struct tlsconn_ctx tlsconn_ctx;

/* One TLSA record for a DANE handshake (RFC 6698 §2.1). The transport's own
 * small type, so it needs nothing from dns/: the caller copies its answer in. */
typedef struct tls_dane_rec {
    uint8_t usage;               /* 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE */
    uint8_t selector;            /* 0 full certificate, 1 SubjectPublicKeyInfo */
    uint8_t mtype;               /* 0 exact, 1 SHA-256, 2 SHA-512 */
    const unsigned char *data;   /* certificate association data; borrowed */
    size_t len;
} tls_dane_rec;

/* DANE for every handshake on a context (RFC 7671, RFC 7672 for SMTP). */
typedef struct tlsconn_dane {
    const char *basedomain;      /* the TLSA base domain: the reference name for
                                    DANE-TA name checks, and the SNI when the
                                    handshake's servername is NULL or an IP */
    const tls_dane_rec *recs;    /* borrowed; tlsconn_ctx_new copies them */
    size_t n;
} tlsconn_dane;

typedef struct tlsconn_opts {
    const char *ca_file;   /* --ca-file; NULL: system store */
    int min_version;       /* TLS1_VERSION etc.; 0: library default */
    int max_version;       /* 0: library default */
    const char *cipher_list; /* TLS <= 1.2 cipher string ("3DES", "aNULL"); NULL: default */
    const char *ciphersuites;/* TLS 1.3 suites; NULL: default */
    bool legacy;           /* OpenSSL security level 0 and legacy renegotiation off: lets
                              the audit offer what the default policy refuses (TLS 1.0,
                              3DES, ...). Never for real delivery. */
    const tlsconn_dane *dane; /* NULL (the default): no DANE, PKIX as always. Set:
                              every handshake on the context loads these TLSA
                              records (OpenSSL's DANE support) and tls_info's
                              dane_* fields say which record matched at which
                              depth; `verified` then means "authenticated by a
                              TLSA record" (tlsinfo.h). Copied by tlsconn_ctx_new. */
} tlsconn_opts;

typedef enum tls_failure {
    TLSF_NONE = 0,
    TLSF_TIMEOUT,          /* the deadline passed mid-handshake */
    TLSF_CLOSED,           /* the peer closed or reset the connection */
    TLSF_PLAINTEXT_PEER,   /* the peer answered with non-TLS bytes (e.g. "220 ...") */
    TLSF_ALERT,            /* the peer sent a fatal alert (e.g. handshake_failure) */
    TLSF_NO_SHARED_VERSION,/* protocol version negotiation failed */
    TLSF_OTHER,
} tls_failure;

/* Build a client context. Returns NULL with e set (ERRC_LOCAL_INPUT for an
 * unreadable --ca-file or DANE options without a base domain, ERRC_INTERNAL
 * otherwise). Free with tlsconn_ctx_free. */
tlsconn_ctx *tlsconn_ctx_new(const tlsconn_opts *o, err *e);
void tlsconn_ctx_free(tlsconn_ctx *ctx);

/* Run a client handshake on c before `deadline`. servername is sent as SNI
 * (unless it is an IP literal) and is the name the certificate is checked
 * against; may be NULL. On success attaches the SSL to c (conn_set_ssl),
 * fills *info and returns 0. On failure returns -1 with e set (ERRC_TLS,
 * ERRC_TIMEOUT or ERRC_CLOSED; e->ssl_err set when OpenSSL gave a reason)
 * and *why set; *info is left cleared. With DANE records on the context
 * (tlsconn_opts.dane) a TLSA mismatch is not a failure either: the handshake
 * completes and info->dane_depth is -1. */
int tlsconn_handshake(conn *c, tlsconn_ctx *ctx, const char *servername, int64_t deadline,
                      tls_info *info, tls_failure *why, err *e);

/* Stable name for a tls_failure ("plaintext_peer"). Static string. */
const char *tls_failure_name(tls_failure f);

#endif
