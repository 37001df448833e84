/* tlsconn.c — OpenSSL 3 client handshakes over a conn (see tlsconn.h).
 *
 * Applies RFC 8446 / RFC 5246 (TLS 1.3 / 1.2), RFC 6066 §3 (SNI, never for IP
 * literals) and §8 (OCSP status request), RFC 5280 path validation through
 * OpenSSL. Verification never aborts the handshake: the verify callback
 * records every problem and lets the handshake finish, so one run can report
 * "expired AND wrong host" and still carry on under --insecure.
 *
 * DANE (RFC 6698, RFC 7671, RFC 7672 for SMTP) goes through OpenSSL's own
 * support: a context made with tlsconn_opts.dane loads the TLSA records into
 * every handshake (SSL_dane_enable, SSL_dane_tlsa_add) and, afterwards, asks
 * which record matched at which depth (SSL_get0_dane_tlsa). DANE-EE matches
 * skip the name checks (DANE_FLAG_NO_DANE_EE_NAMECHECKS, RFC 7672 §3.1.1). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/conn.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"

/* A copy of tlsconn_opts.dane, owned by the context. */
typedef struct dane_copy {
    char *basedomain;
    tls_dane_rec *recs;    /* each data is owned */
    size_t n;
} dane_copy;

struct tlsconn_ctx {
    SSL_CTX *ssl_ctx;
    dane_copy *dane;       /* NULL: no DANE */
};

/* What the verify callback learns during one handshake. Lives on the
 * handshake's stack and is reachable from the SSL through app data only
 * while SSL_connect runs. */
typedef struct verify_state {
    unsigned problems;  /* TLSV_* */
    long first_code;    /* first X509_V_ERR_* */
} verify_state;

/* ---- a socket BIO that cannot raise SIGPIPE ----
 *
 * OpenSSL's own socket BIO writes with write(2), so a peer that resets the
 * connection mid-handshake (or later, under conn_write) would kill the whole
 * process with SIGPIPE unless every program using this library ignores it.
 * This BIO sends with MSG_NOSIGNAL instead; the socket stays owned by the conn.
 * The method table is created once per process (write-once library state). */

static BIO_METHOD *nosig_method;
static pthread_once_t nosig_once = PTHREAD_ONCE_INIT;

static int nosig_fd(BIO *b)
{
    return (int)(intptr_t)BIO_get_data(b);
}

static int nosig_write(BIO *b, const char *p, int n)
{
    BIO_clear_retry_flags(b);
    ssize_t w = send(nosig_fd(b), p, (size_t)n, MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(b);
    return (int)w;
}

static int nosig_read(BIO *b, char *p, int n)
{
    BIO_clear_retry_flags(b);
    ssize_t r = recv(nosig_fd(b), p, (size_t)n, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(b);
    return (int)r;
}

static int nosig_puts(BIO *b, const char *s)
{
    return nosig_write(b, s, (int)strlen(s));
}

static long nosig_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1; /* nothing is buffered here */
    case BIO_C_GET_FD:
        if (ptr)
            *(int *)ptr = nosig_fd(b);
        return nosig_fd(b);
    default: return 0;
    }
}

static int nosig_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void nosig_init_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "smtpscope socket");
    if (!m)
        return;
    if (!BIO_meth_set_write(m, nosig_write) || !BIO_meth_set_read(m, nosig_read) ||
        !BIO_meth_set_puts(m, nosig_puts) || !BIO_meth_set_ctrl(m, nosig_ctrl) ||
        !BIO_meth_set_create(m, nosig_create)) {
        BIO_meth_free(m);
        return;
    }
    nosig_method = m;
}

static BIO *nosig_bio_new(int fd)
{
    if (pthread_once(&nosig_once, nosig_init_method) != 0 || !nosig_method)
        return NULL;
    BIO *b = BIO_new(nosig_method);
    if (b)
        BIO_set_data(b, (void *)(intptr_t)fd);
    return b;
}

/* ---- context ---- */

/* Most TLSA records one context takes; a real RRset has a handful. */
#define TLSCONN_DANE_MAX 64

static void dane_copy_free(dane_copy *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free((void *)d->recs[i].data);
    free(d->recs);
    free(d->basedomain);
    free(d);
}

static dane_copy *dane_copy_new(const tlsconn_dane *src, err *e)
{
    if (!src->basedomain || !*src->basedomain || src->n > TLSCONN_DANE_MAX ||
        (src->n && !src->recs)) {
        err_set(e, ERRC_LOCAL_INPUT, "DANE needs a TLSA base domain and at most %d records",
                TLSCONN_DANE_MAX);
        return NULL;
    }
    dane_copy *d = calloc(1, sizeof *d);
    if (!d || !(d->basedomain = xstrdup(src->basedomain)))
        goto oom;
    if (src->n && !(d->recs = calloc(src->n, sizeof *d->recs)))
        goto oom;
    for (size_t i = 0; i < src->n; i++) {
        const tls_dane_rec *r = &src->recs[i];
        unsigned char *data = malloc(r->len ? r->len : 1);
        if (!data)
            goto oom;
        if (r->len)
            memcpy(data, r->data, r->len);
        d->recs[i] = *r;
        d->recs[i].data = data;
        d->n++;
    }
    return d;
oom:
    err_set(e, ERRC_INTERNAL, "out of memory copying the TLSA records");
    dane_copy_free(d);
    return NULL;
}

tlsconn_ctx *tlsconn_ctx_new(const tlsconn_opts *o, err *e)
{
    tlsconn_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        err_set(e, ERRC_INTERNAL, "out of memory creating the TLS context");
        return NULL;
    }
    ERR_clear_error();
    ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx->ssl_ctx) {
        err_set(e, ERRC_INTERNAL, "cannot create an OpenSSL client context");
        goto fail;
    }
    if (o && o->ca_file) {
        if (SSL_CTX_load_verify_locations(ctx->ssl_ctx, o->ca_file, NULL) != 1) {
            unsigned long ec = ERR_peek_error();
            const char *why = ec ? ERR_reason_error_string(ec) : NULL;
            err_set(e, ERRC_LOCAL_INPUT, "cannot load CA certificates from --ca-file %s: %s",
                    o->ca_file, why ? why : "unreadable or not PEM");
            if (e)
                e->ssl_err = ec;
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx->ssl_ctx) != 1) {
        err_set(e, ERRC_INTERNAL, "cannot load the system trust store");
        goto fail;
    }
    if (o && o->min_version && SSL_CTX_set_min_proto_version(ctx->ssl_ctx, o->min_version) != 1) {
        err_set(e, ERRC_INTERNAL, "unsupported minimum TLS version 0x%x", (unsigned)o->min_version);
        goto fail;
    }
    if (o && o->max_version && SSL_CTX_set_max_proto_version(ctx->ssl_ctx, o->max_version) != 1) {
        err_set(e, ERRC_INTERNAL, "unsupported maximum TLS version 0x%x", (unsigned)o->max_version);
        goto fail;
    }
    /* Security level 0 first: at the default level OpenSSL refuses to even
     * offer TLS 1.0/1.1 or 3DES, so the audit could not tell "server refuses"
     * from "we never asked". */
    if (o && o->legacy)
        SSL_CTX_set_security_level(ctx->ssl_ctx, 0);
    if (o && o->cipher_list && SSL_CTX_set_cipher_list(ctx->ssl_ctx, o->cipher_list) != 1) {
        err_set(e, ERRC_LOCAL_INPUT, "this OpenSSL offers no cipher for \"%s\"", o->cipher_list);
        goto fail;
    }
    if (o && o->ciphersuites && SSL_CTX_set_ciphersuites(ctx->ssl_ctx, o->ciphersuites) != 1) {
        err_set(e, ERRC_LOCAL_INPUT, "this OpenSSL offers no TLS 1.3 suite for \"%s\"",
                o->ciphersuites);
        goto fail;
    }
    /* DANE: the context keeps the digest tables; each handshake enables it
     * with its records. Without opts->dane nothing here changes. */
    if (o && o->dane) {
        if (!(ctx->dane = dane_copy_new(o->dane, e)))
            goto fail;
        if (SSL_CTX_dane_enable(ctx->ssl_ctx) <= 0) {
            err_set(e, ERRC_INTERNAL, "this OpenSSL cannot enable DANE");
            goto fail;
        }
    }
    /* The verify callback only has per-handshake state during SSL_connect;
     * a TLS 1.2 renegotiation later would run it without, so refuse those. */
    SSL_CTX_set_options(ctx->ssl_ctx, SSL_OP_NO_RENEGOTIATION);
    ERR_clear_error();
    return ctx;

fail:
    ERR_clear_error();
    tlsconn_ctx_free(ctx);
    return NULL;
}

void tlsconn_ctx_free(tlsconn_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    dane_copy_free(ctx->dane);
    free(ctx);
}

/* ---- verification ---- */

static unsigned verify_problem(int code, X509_STORE_CTX *store)
{
    switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return TLSV_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID: return TLSV_NOT_YET_VALID;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: return TLSV_SELF_SIGNED | TLSV_UNTRUSTED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
        /* At depth 0 the leaf's issuer was neither among the certificates the
         * server sent nor in our store: the classic missing intermediate. */
        X509 *cur = X509_STORE_CTX_get_current_cert(store);
        bool self = cur && X509_check_issued(cur, cur) == X509_V_OK;
        if (X509_STORE_CTX_get_error_depth(store) == 0 && !self)
            return TLSV_UNTRUSTED | TLSV_MISSING_INTERMEDIATE;
        return TLSV_UNTRUSTED;
    }
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED: return TLSV_UNTRUSTED;
    /* Only with DANE: SSL_dane_enable makes the base domain a reference name. */
    case X509_V_ERR_HOSTNAME_MISMATCH: return TLSV_HOSTNAME;
    default: return TLSV_OTHER;
    }
}

/* Record the problem and go on: returning 1 tells OpenSSL to continue the
 * chain checks (so later problems are seen too) and the handshake. */
static int verify_cb(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    verify_state *vs = ssl ? SSL_get_app_data(ssl) : NULL;
    if (!vs)
        return ok; /* outside tlsconn_handshake: default behaviour */
    if (!ok) {
        int code = X509_STORE_CTX_get_error(store);
        vs->problems |= verify_problem(code, store);
        if (vs->first_code == 0)
            vs->first_code = code;
    }
    return 1;
}

/* ---- failure classification ---- */

const char *tls_failure_name(tls_failure f)
{
    switch (f) {
    case TLSF_NONE: return "none";
    case TLSF_TIMEOUT: return "timeout";
    case TLSF_CLOSED: return "closed";
    case TLSF_PLAINTEXT_PEER: return "plaintext_peer";
    case TLSF_ALERT: return "alert";
    case TLSF_NO_SHARED_VERSION: return "no_shared_version";
    case TLSF_OTHER: return "other";
    }
    return "other";
}

/* Record-layer reasons that mean the bytes we got were not TLS at all. */
static bool reason_is_plaintext(int r)
{
    switch (r) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_UNKNOWN_PROTOCOL: return true;
    default: return false;
    }
}

static bool reason_is_version(int r)
{
    switch (r) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION: return true;
    default: return false;
    }
}

/* Turn a failed SSL_connect into a tls_failure and a sentence. `ssl_error` is
 * SSL_get_error()'s verdict, `sys` the errno saved right after the call. */
static tls_failure classify(int ssl_error, int sys, err *e)
{
    unsigned long first = ERR_peek_error();
    /* The oldest SSL-library error is the root cause; later ones only add
     * context (OpenSSL >= 3.2 wraps record-layer errors in a generic
     * "record layer failure", which says nothing about the peer). */
    unsigned long ec = first;
    for (unsigned long x; (x = ERR_get_error()) != 0;) {
        if (ERR_GET_LIB(x) != ERR_LIB_SSL)
            continue;
#ifdef SSL_R_RECORD_LAYER_FAILURE
        if (ERR_GET_REASON(x) == SSL_R_RECORD_LAYER_FAILURE) {
            if (ERR_GET_LIB(ec) != ERR_LIB_SSL)
                ec = x;
            continue;
        }
#endif
        ec = x;
        break;
    }
    ERR_clear_error();
    e->ssl_err = ec;
    int reason = ec ? ERR_GET_REASON(ec) : 0;
    const char *rs = ec ? ERR_reason_error_string(ec) : NULL;
    if (!rs)
        rs = "no reason given";

    if (ssl_error == SSL_ERROR_ZERO_RETURN) {
        err_set(e, ERRC_CLOSED, "the peer closed the connection during the TLS handshake");
        return TLSF_CLOSED;
    }
    if (ssl_error == SSL_ERROR_SYSCALL && ec == 0) {
        if (sys == 0 || sys == ECONNRESET || sys == EPIPE) {
            err_set(e, ERRC_CLOSED, "the peer %s the connection during the TLS handshake",
                    sys == 0 ? "closed" : "reset");
            return TLSF_CLOSED;
        }
        err_sys(e, ERRC_CONNECTION, sys, "TLS handshake I/O failed");
        return TLSF_OTHER;
    }
    if (ERR_GET_LIB(ec) == ERR_LIB_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        err_set(e, ERRC_CLOSED, "the peer closed the connection during the TLS handshake");
        return TLSF_CLOSED;
    }
    if (ERR_GET_LIB(ec) != ERR_LIB_SSL) {
        err_set(e, ERRC_TLS, "TLS handshake failed: %s", rs);
        return TLSF_OTHER;
    }
    if (reason_is_plaintext(reason)) {
        err_set(e, ERRC_TLS,
                "the peer did not answer with TLS (%s); it may expect plaintext SMTP "
                "and STARTTLS on this port rather than implicit TLS",
                rs);
        return TLSF_PLAINTEXT_PEER;
    }
    if (reason_is_version(reason)) {
        err_set(e, ERRC_TLS, "no TLS protocol version is acceptable to both sides (%s)", rs);
        return TLSF_NO_SHARED_VERSION;
    }
    /* Received alerts are reported as SSL_AD_REASON_OFFSET + alert number. */
    if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
        int desc = reason - SSL_AD_REASON_OFFSET;
        err_set(e, ERRC_TLS, "the peer aborted the TLS handshake with a fatal \"%s\" alert (%s)",
                SSL_alert_desc_string_long(desc), rs);
        return TLSF_ALERT;
    }
    err_set(e, ERRC_TLS, "TLS handshake failed: %s", rs);
    return TLSF_OTHER;
}

/* ---- DANE ---- */

/* Load the context's TLSA records into ssl. Records OpenSSL cannot use
 * (unknown usage, selector or matching type, bad digest length) are skipped
 * and counted out of *usable: with none usable the handshake still runs and
 * simply matches nothing. Returns 0, or -1 with e set. */
static int dane_setup(SSL *ssl, const dane_copy *d, size_t *usable, err *e)
{
    *usable = 0;
    if (SSL_dane_enable(ssl, d->basedomain) <= 0)
        return err_set(e, ERRC_INTERNAL, "cannot enable DANE for \"%s\"", d->basedomain);
    /* RFC 7672 §3.1.1: with DANE-EE the certificate's names do not matter. */
    SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
    for (size_t i = 0; i < d->n; i++) {
        const tls_dane_rec *r = &d->recs[i];
        int rc = SSL_dane_tlsa_add(ssl, r->usage, r->selector, r->mtype, r->data, r->len);
        if (rc > 0)
            (*usable)++;
        else if (rc < 0)
            return err_set(e, ERRC_INTERNAL, "cannot load TLSA record %zu (out of memory)", i);
    }
    ERR_clear_error(); /* unusable records leave reasons behind */
    return 0;
}

/* After a completed handshake: which record matched, where, and what
 * `verified` means now (see tlsinfo.h). */
static void dane_result(SSL *ssl, const dane_copy *d, size_t usable, tls_info *info)
{
    info->dane = true;
    info->dane_usable = usable;
    info->dane_depth = -1;
    info->dane_record = -1;
    uint8_t u = 0, s = 0, m = 0;
    const unsigned char *data = NULL;
    size_t len = 0;
    int depth = usable ? SSL_get0_dane_tlsa(ssl, &u, &s, &m, &data, &len) : -1;
    if (depth >= 0) {
        info->dane_depth = depth;
        info->dane_usage = u;
        info->dane_selector = s;
        info->dane_mtype = m;
        for (size_t i = 0; i < d->n; i++) {
            const tls_dane_rec *r = &d->recs[i];
            if (r->usage == u && r->selector == s && r->mtype == m && r->len == len &&
                (len == 0 || memcmp(r->data, data, len) == 0)) {
                info->dane_record = (int)i;
                break;
            }
        }
        if (u == 3) /* DANE-EE: names do not apply (RFC 7672 §3.1.1) */
            info->problems &= ~(unsigned)TLSV_HOSTNAME;
    }
    info->verified = depth >= 0 && info->problems == 0;
}

/* ---- handshake ---- */

static bool is_ip_literal(const char *s)
{
    unsigned char tmp[16];
    char bare[64];
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n >= sizeof bare)
        return false;
    memcpy(bare, s, n);
    bare[n] = '\0';
    return inet_pton(AF_INET, bare, tmp) == 1 || inet_pton(AF_INET6, bare, tmp) == 1;
}

int tlsconn_handshake(conn *c, tlsconn_ctx *ctx, const char *servername, int64_t deadline,
                      tls_info *info, tls_failure *why, err *e)
{
    err local;
    err_clear(&local);
    if (e)
        local.stage = e->stage; /* keep the caller's stage */
    verify_state vs = {0};
    tls_failure f = TLSF_OTHER;
    SSL *ssl = NULL;
    memset(info, 0, sizeof *info);
    *why = TLSF_NONE;

    ERR_clear_error(); /* nothing from an earlier run may be blamed on this one */
    ssl = SSL_new(ctx->ssl_ctx);
    BIO *bio = ssl ? nosig_bio_new(conn_fd(c)) : NULL;
    if (!bio) {
        err_set(&local, ERRC_INTERNAL, "cannot set up a TLS session (out of memory)");
        goto fail;
    }
    SSL_set_bio(ssl, bio, bio);
    SSL_set_connect_state(ssl);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, verify_cb);
    SSL_set_app_data(ssl, &vs);
    if (servername && !is_ip_literal(servername) &&
        SSL_set_tlsext_host_name(ssl, servername) != 1) {
        err_set(&local, ERRC_LOCAL_INPUT, "cannot use \"%s\" as a TLS server name", servername);
        goto fail;
    }
    SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
    size_t dane_usable = 0;
    if (ctx->dane && dane_setup(ssl, ctx->dane, &dane_usable, &local) < 0)
        goto fail;

    for (;;) {
        errno = 0;
        int r = SSL_connect(ssl);
        if (r == 1)
            break;
        int sys = errno;
        int se = SSL_get_error(ssl, r);
        if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
            if (conn_wait(c, se == SSL_ERROR_WANT_WRITE, deadline, &local) < 0) {
                if (local.cls == ERRC_TIMEOUT) {
                    err_set(&local, ERRC_TIMEOUT,
                            "the TLS handshake did not complete before the deadline");
                    f = TLSF_TIMEOUT;
                }
                goto fail;
            }
            continue;
        }
        f = classify(se, sys, &local);
        goto fail;
    }

    SSL_set_app_data(ssl, NULL);
    if (tlsinfo_collect(ssl, servername, vs.problems, vs.first_code, info) < 0) {
        err_set(&local, ERRC_INTERNAL, "out of memory summarising the TLS session");
        f = TLSF_OTHER;
        goto fail;
    }
    if (ctx->dane)
        dane_result(ssl, ctx->dane, dane_usable, info);
    ERR_clear_error();
    conn_set_ssl(c, ssl);
    return 0;

fail:
    ERR_clear_error();
    SSL_free(ssl);
    tls_info_clear(info);
    *why = f;
    if (e)
        *e = local;
    return -1;
}
