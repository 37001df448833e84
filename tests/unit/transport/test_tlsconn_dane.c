/* test_tlsconn_dane.c — DANE handshakes (tlsconn.c with tlsconn_opts.dane)
 * against an in-process OpenSSL server on 127.0.0.1.
 *
 * Certificates come from tests/fixtures/mkcerts.sh in a fresh temporary
 * directory; every TLSA record is computed here from those files (SHA-256 /
 * SHA-512 of the certificate or of its SubjectPublicKeyInfo), so a broken
 * match, a wrong depth or a name check where RFC 7672 §3.1.1 says there is
 * none makes a case fail. */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "core/clock.h"
#include "transport/conn.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"

#include "support/loopback.h"
#include "support/test_pki.h"
#include "support/tls_test_peer.h"

/* ---- TLSA data computed from the test certificates ---- */

typedef struct tlsa_buf {
    unsigned char d[4096];
    size_t len;
} tlsa_buf;

static X509 *load_cert(const char *name)
{
    FILE *f = fopen(test_pki_path(name), "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

/* The association data of `name`'s first certificate for selector/mtype. */
static void tlsa_of(const char *name, int selector, int mtype, tlsa_buf *out)
{
    X509 *x = load_cert(name);
    unsigned char *der = NULL;
    int n = selector == 0 ? i2d_X509(x, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    assert_true(n > 0);
    if (mtype == 0) {
        assert_true((size_t)n <= sizeof out->d);
        memcpy(out->d, der, (size_t)n);
        out->len = (size_t)n;
    } else {
        unsigned int dl = 0;
        assert_int_equal(EVP_Digest(der, (size_t)n, out->d, &dl,
                                    mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL),
                         1);
        out->len = dl;
    }
    OPENSSL_free(der);
    X509_free(x);
}

/* ---- the in-process TLS peer (one connection) ---- */

typedef struct server {
    const char *cert; /* may hold a chain */
    const char *key;
    int lfd;
    int port;
    SSL_CTX *ctx;
    pthread_t th;
} server;

static void *server_main(void *arg)
{
    server *s = arg;
    struct pollfd p = {.fd = s->lfd, .events = POLLIN};
    if (poll(&p, 1, 10000) <= 0)
        return NULL;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(s->ctx);
    if (ssl) {
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            char b[256];
            while (SSL_read(ssl, b, sizeof b) > 0) /* until the client leaves */
                ;
        }
        SSL_free(ssl);
    }
    ERR_clear_error();
    close(fd);
    return NULL;
}

static void server_start(server *s)
{
    s->ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(s->ctx);
    const char *cert = test_pki_path(s->cert), *key = test_pki_path(s->key);
    assert_int_equal(SSL_CTX_use_certificate_chain_file(s->ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM), 1);
    assert_int_equal(tls_test_peer_start(&s->lfd, &s->port, &s->th, server_main, s), 0);
}

static void server_stop(server *s)
{
    tls_test_peer_stop(s->th, s->lfd, s->ctx);
}

static conn *dial(const server *s)
{
    int fd = loopback_dial(s->port);
    assert_true(fd >= 0);
    conn *c = conn_from_fd(fd);
    assert_non_null(c);
    return c;
}

/* ---- cases ---- */

/* A TLSA record of a case: data from a file, or `bad` bytes that match nothing. */
typedef struct rec_spec {
    int usage, selector, mtype;
    const char *from;   /* certificate file the data is computed from; NULL: junk */
    size_t junk_len;    /* length of junk data when from is NULL */
} rec_spec;

typedef struct dane_case {
    const char *name;
    const char *cert, *key;   /* what the server sends */
    const char *basedomain;
    rec_spec recs[3];
    size_t n;
    size_t usable;            /* expected dane_usable */
    int depth;                /* expected dane_depth (-1: no match) */
    int record;               /* expected dane_record */
    bool verified;
    bool hostname_problem;    /* TLSV_HOSTNAME expected in problems */
} dane_case;

static const dane_case cases[] = {
    {"DANE-EE SPKI SHA-256 matches the leaf", "good.pem", "good.key", "localhost",
     {{3, 1, 1, "good.pem", 0}}, 1, 1, 0, 0, true, false},
    {"DANE-EE: the names of the certificate do not matter (RFC 7672 3.1.1)", "wronghost.pem",
     "wronghost.key", "localhost", {{3, 1, 1, "wronghost.pem", 0}}, 1, 1, 0, 0, true, false},
    {"DANE-EE: nor does its validity period", "expired.pem", "expired.key", "localhost",
     {{3, 0, 1, "expired.pem", 0}}, 1, 1, 0, 0, true, false},
    {"DANE-EE full certificate, exact match", "good.pem", "good.key", "localhost",
     {{3, 0, 0, "good.pem", 0}}, 1, 1, 0, 0, true, false},
    {"DANE-EE SPKI SHA-512", "good.pem", "good.key", "localhost", {{3, 1, 2, "good.pem", 0}},
     1, 1, 0, 0, true, false},
    {"DANE-EE digest of another key: mismatch", "good.pem", "good.key", "localhost",
     {{3, 1, 1, "selfsigned.pem", 0}}, 1, 1, -1, -1, false, false},
    {"junk digest: mismatch", "good.pem", "good.key", "localhost", {{3, 1, 1, NULL, 32}}, 1, 1,
     -1, -1, false, false},
    {"second record matches", "good.pem", "good.key", "localhost",
     {{3, 1, 1, NULL, 32}, {3, 1, 1, "good.pem", 0}}, 2, 2, 0, 1, true, false},
    {"DANE-TA: the CA the server sends, depth 1", "chain.pem", "good.key", "localhost",
     {{2, 0, 1, "ca.pem", 0}}, 1, 1, 1, 0, true, false},
    {"DANE-TA: names are checked against the base domain", "chain.pem", "good.key",
     "other.smtpscope.test", {{2, 0, 1, "ca.pem", 0}}, 1, 1, -1, -1, false, true},
    {"DANE-TA digest of a CA the server does not send", "good.pem", "good.key", "localhost",
     {{2, 0, 1, "ca.pem", 0}}, 1, 1, -1, -1, false, false},
    {"DANE-TA full CA certificate in DNS, not sent by the server", "good.pem", "good.key",
     "localhost", {{2, 0, 0, "ca.pem", 0}}, 1, 1, 1, 0, true, false},
    {"unsupported matching type and a digest of the wrong size: unusable", "good.pem",
     "good.key", "localhost", {{3, 1, 7, NULL, 32}, {3, 1, 1, NULL, 20}}, 2, 0, -1, -1, false,
     false},
};

static void dane_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const dane_case *dc = &cases[i];
        print_message("case: %s\n", dc->name);
        tlsa_buf bufs[3];
        tls_dane_rec recs[3];
        for (size_t k = 0; k < dc->n; k++) {
            const rec_spec *rs = &dc->recs[k];
            if (rs->from) {
                tlsa_of(rs->from, rs->selector, rs->mtype, &bufs[k]);
            } else {
                memset(bufs[k].d, 0xA5, rs->junk_len);
                bufs[k].len = rs->junk_len;
            }
            recs[k] = (tls_dane_rec){.usage = (uint8_t)rs->usage,
                                     .selector = (uint8_t)rs->selector,
                                     .mtype = (uint8_t)rs->mtype,
                                     .data = bufs[k].d,
                                     .len = bufs[k].len};
        }
        tlsconn_dane dane = {.basedomain = dc->basedomain, .recs = recs, .n = dc->n};
        /* The system store, never the test CA: only DANE can authenticate. */
        tlsconn_opts o = {.dane = &dane};
        err e;
        err_clear(&e);
        tlsconn_ctx *ctx = tlsconn_ctx_new(&o, &e);
        assert_non_null(ctx);
        /* The records were copied: scribbling over ours must not matter. */
        memset(bufs, 0, sizeof bufs);
        for (size_t k = 0; k < dc->n; k++)
            if (dc->recs[k].from)
                tlsa_of(dc->recs[k].from, dc->recs[k].selector, dc->recs[k].mtype, &bufs[k]);

        server s = {.cert = dc->cert, .key = dc->key};
        server_start(&s);
        conn *c = dial(&s);
        tls_info info;
        tls_failure why = TLSF_OTHER;
        int rc = tlsconn_handshake(c, ctx, dc->basedomain, clock_deadline_in(5000), &info, &why,
                                   &e);
        assert_int_equal(rc, 0);
        assert_int_equal(why, TLSF_NONE);
        print_message("  -> usable %zu depth %d record %d verified %d problems 0x%x (%s)\n",
                      info.dane_usable, info.dane_depth, info.dane_record, info.verified,
                      info.problems, info.verify_error ? info.verify_error : "-");
        assert_true(info.dane);
        assert_int_equal(info.dane_usable, dc->usable);
        assert_int_equal(info.dane_depth, dc->depth);
        assert_int_equal(info.dane_record, dc->record);
        assert_int_equal(info.verified, dc->verified);
        assert_int_equal((info.problems & TLSV_HOSTNAME) != 0, dc->hostname_problem);
        if (dc->record >= 0) {
            const rec_spec *m = &dc->recs[dc->record];
            assert_int_equal(info.dane_usage, m->usage);
            assert_int_equal(info.dane_selector, m->selector);
            assert_int_equal(info.dane_mtype, m->mtype);
            assert_int_equal(info.problems, 0);
        } else {
            assert_int_not_equal(info.problems, 0);
        }
        if (dc->depth < 0 && dc->usable > 0 && !dc->hostname_problem)
            assert_int_equal(info.verify_code, X509_V_ERR_DANE_NO_MATCH);
        /* The session is usable whatever DANE said. */
        assert_int_equal(conn_write(c, "QUIT\r\n", 6, clock_deadline_in(5000), &e), 0);
        assert_int_equal(ERR_peek_error(), 0);
        tls_info_clear(&info);
        conn_free(c);
        server_stop(&s);
        tlsconn_ctx_free(ctx);
    }
}

/* The name check a DANE-EE match skips is still a fact in the report. */
static void ee_match_keeps_hostname_fact(void **state)
{
    (void)state;
    tlsa_buf b;
    tlsa_of("wronghost.pem", 1, 1, &b);
    tls_dane_rec r = {.usage = 3, .selector = 1, .mtype = 1, .data = b.d, .len = b.len};
    tlsconn_dane dane = {.basedomain = "localhost", .recs = &r, .n = 1};
    tlsconn_opts o = {.dane = &dane};
    err e;
    err_clear(&e);
    tlsconn_ctx *ctx = tlsconn_ctx_new(&o, &e);
    assert_non_null(ctx);
    server s = {.cert = "wronghost.pem", .key = "wronghost.key"};
    server_start(&s);
    conn *c = dial(&s);
    tls_info info;
    tls_failure why;
    assert_int_equal(
        tlsconn_handshake(c, ctx, "localhost", clock_deadline_in(5000), &info, &why, &e), 0);
    assert_true(info.verified);
    assert_false(info.hostname_match);
    assert_string_equal(info.servername, "localhost");
    tls_info_clear(&info);
    conn_free(c);
    server_stop(&s);
    tlsconn_ctx_free(ctx);
}

/* Without DANE options nothing DANE shows up, and PKIX decides as before. */
static void no_dane_unchanged(void **state)
{
    (void)state;
    tlsconn_opts o = {.ca_file = test_pki_path("ca.pem")};
    err e;
    err_clear(&e);
    tlsconn_ctx *ctx = tlsconn_ctx_new(&o, &e);
    assert_non_null(ctx);
    server s = {.cert = "wronghost.pem", .key = "wronghost.key"};
    server_start(&s);
    conn *c = dial(&s);
    tls_info info;
    tls_failure why;
    assert_int_equal(
        tlsconn_handshake(c, ctx, "localhost", clock_deadline_in(5000), &info, &why, &e), 0);
    assert_false(info.dane);
    assert_int_equal(info.dane_usable, 0);
    assert_int_equal(info.dane_depth, 0);
    assert_false(info.verified);
    assert_int_equal(info.problems, TLSV_HOSTNAME);
    tls_info_clear(&info);
    conn_free(c);
    server_stop(&s);
    tlsconn_ctx_free(ctx);
}

static void bad_dane_options(void **state)
{
    (void)state;
    err e;
    err_clear(&e);
    tlsconn_dane dane = {.basedomain = NULL};
    tlsconn_opts o = {.dane = &dane};
    assert_null(tlsconn_ctx_new(&o, &e));
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    dane.basedomain = "";
    err_clear(&e);
    assert_null(tlsconn_ctx_new(&o, &e));
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    /* No records at all is allowed: the handshake then matches nothing. */
    dane.basedomain = "localhost";
    tlsconn_ctx *ctx = tlsconn_ctx_new(&o, &e);
    assert_non_null(ctx);
    tlsconn_ctx_free(ctx);
    assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_dane_options),
        cmocka_unit_test(no_dane_unchanged),
        cmocka_unit_test(ee_match_keeps_hostname_fact),
        cmocka_unit_test(dane_table),
    };
    return cmocka_run_group_tests(tests, test_pki_setup, test_pki_teardown);
}
