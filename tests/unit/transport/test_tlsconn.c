/* test_tlsconn.c — TLS client handshakes (tlsconn.c) and session summaries
 * (tlsinfo.c) against an in-process OpenSSL server on 127.0.0.1.
 *
 * Certificates come from tests/fixtures/mkcerts.sh, generated into a fresh
 * temporary directory per run. Each case starts a one-connection server
 * thread (TLS with a chosen certificate, a plaintext SMTP banner, a silent
 * peer, or one that hangs up at once) and checks what the client reports. */
#include <fcntl.h>
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
#include <openssl/ssl.h>

#include "core/clock.h"
#include "transport/conn.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"

#include "support/loopback.h"
#include "support/test_pki.h"
#include "support/tls_test_peer.h"

/* ---- the in-process peer ---- */

typedef enum srv_mode { SRV_TLS, SRV_PLAIN, SRV_SILENT, SRV_CLOSE, SRV_READ_CLOSE } srv_mode;

typedef struct server {
    srv_mode mode;
    const char *cert;      /* file name in the test PKI (may hold a chain) */
    const char *key;
    int max_version;       /* 0: default */
    bool want_client_cert; /* fail clients without one (TLS 1.2: fatal alert) */
    bool staple;           /* answer a status request with an OCSP response */
    int lfd;
    int port;
    SSL_CTX *ctx;
    pthread_t th;
} server;

/* Read until the client goes away (or 5 s pass), so the client never sees
 * an unexpected EOF from us. */
static void drain(int fd)
{
    char b[512];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, 5000) > 0 && read(fd, b, sizeof b) > 0)
        ;
}

static void serve_tls(server *s, int fd)
{
    SSL *ssl = SSL_new(s->ctx);
    if (!ssl)
        return;
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
        /* Echo one line, then wait for the client to leave. */
        char line[512];
        size_t n = 0;
        int r;
        while (n < sizeof line && (r = SSL_read(ssl, line + n, (int)(sizeof line - n))) > 0) {
            n += (size_t)r;
            if (memchr(line, '\n', n))
                break;
        }
        if (n > 0)
            SSL_write(ssl, line, (int)n);
        while (SSL_read(ssl, line, sizeof line) > 0)
            ;
    }
    SSL_free(ssl);
    ERR_clear_error();
}

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
    switch (s->mode) {
    case SRV_TLS: serve_tls(s, fd); break;
    case SRV_PLAIN:
        if (write(fd, "220 hi\r\n", 8) == 8)
            drain(fd);
        break;
    case SRV_SILENT: drain(fd); break;
    case SRV_CLOSE: break;
    case SRV_READ_CLOSE: { /* take the ClientHello, then a clean FIN */
        char b[16384];
        if (read(fd, b, sizeof b) < 0)
            break;
        break;
    }
    }
    close(fd);
    return NULL;
}

/* A minimal DER OCSPResponse (status "unauthorized"): the client only has to
 * notice that something was stapled. */
static int staple_cb(SSL *ssl, void *arg)
{
    (void)arg;
    static const unsigned char resp[] = {0x30, 0x03, 0x0a, 0x01, 0x06};
    unsigned char *p = OPENSSL_memdup(resp, sizeof resp);
    if (!p || SSL_set_tlsext_status_ocsp_resp(ssl, p, (long)sizeof resp) != 1) {
        OPENSSL_free(p);
        return SSL_TLSEXT_ERR_NOACK;
    }
    return SSL_TLSEXT_ERR_OK;
}

static void server_start(server *s)
{
    if (s->mode == SRV_TLS) {
        s->ctx = SSL_CTX_new(TLS_server_method());
        assert_non_null(s->ctx);
        const char *cert = test_pki_path(s->cert), *key = test_pki_path(s->key);
        assert_int_equal(SSL_CTX_use_certificate_chain_file(s->ctx, cert), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM), 1);
        if (s->max_version)
            SSL_CTX_set_max_proto_version(s->ctx, s->max_version);
        if (s->want_client_cert)
            SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        if (s->staple)
            SSL_CTX_set_tlsext_status_cb(s->ctx, staple_cb);
    }
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

static tlsconn_ctx *ctx_with(bool ca, int min_version, int max_version)
{
    tlsconn_opts o = {.ca_file = ca ? test_pki_path("ca.pem") : NULL,
                      .min_version = min_version,
                      .max_version = max_version};
    err e;
    err_clear(&e);
    tlsconn_ctx *ctx = tlsconn_ctx_new(&o, &e);
    assert_non_null(ctx);
    return ctx;
}

static bool has_san(const tls_cert *c, const char *want)
{
    for (size_t i = 0; i < c->n_sans; i++)
        if (strcmp(c->sans[i], want) == 0)
            return true;
    return false;
}

/* ---- verification outcomes, table-driven ---- */

typedef struct verify_case {
    const char *name;
    const char *cert, *key;
    bool ca;                /* --ca-file ca.pem, else the system store */
    const char *servername;
    unsigned problems;      /* exact TLSV_* bits expected */
    bool hostname_match;
} verify_case;

static const verify_case verify_cases[] = {
    {"good, trusted CA, localhost", "good.pem", "good.key", true, "localhost", 0, true},
    {"good, second SAN", "good.pem", "good.key", true, "mail.smtpscope.test", 0, true},
    {"good, IPv4 literal (no SNI)", "good.pem", "good.key", true, "127.0.0.1", 0, true},
    {"good, IPv6 literal", "good.pem", "good.key", true, "::1", 0, true},
    {"good, no expected name", "good.pem", "good.key", true, NULL, 0, false},
    {"good, system store: issuer unknown", "good.pem", "good.key", false, "localhost",
     TLSV_UNTRUSTED | TLSV_MISSING_INTERMEDIATE, true},
    {"chain sent, system store: root untrusted", "chain.pem", "good.key", false, "localhost",
     TLSV_UNTRUSTED, true},
    {"expired", "expired.pem", "expired.key", true, "localhost", TLSV_EXPIRED, true},
    {"not yet valid", "notyet.pem", "notyet.key", true, "localhost", TLSV_NOT_YET_VALID, true},
    {"wrong host", "wronghost.pem", "wronghost.key", true, "localhost", TLSV_HOSTNAME, false},
    {"self-signed", "selfsigned.pem", "selfsigned.key", true, "localhost",
     TLSV_SELF_SIGNED | TLSV_UNTRUSTED, true},
    {"expired and wrong name", "expired.pem", "expired.key", true, "mx.other.test",
     TLSV_EXPIRED | TLSV_HOSTNAME, false},
    {"wrong IP literal", "good.pem", "good.key", true, "192.0.2.1", TLSV_HOSTNAME, false},
};

static void verify_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof verify_cases / sizeof verify_cases[0]; i++) {
        const verify_case *vc = &verify_cases[i];
        print_message("case: %s\n", vc->name);
        server s = {.mode = SRV_TLS, .cert = vc->cert, .key = vc->key};
        server_start(&s);
        tlsconn_ctx *ctx = ctx_with(vc->ca, 0, 0);
        conn *c = dial(&s);
        tls_info info;
        tls_failure why = TLSF_OTHER;
        err e;
        err_clear(&e);
        int rc = tlsconn_handshake(c, ctx, vc->servername, clock_deadline_in(5000), &info, &why,
                                   &e);
        assert_int_equal(rc, 0);
        assert_int_equal(why, TLSF_NONE);
        assert_int_equal(info.problems, vc->problems);
        assert_int_equal(info.hostname_match, vc->hostname_match);
        assert_int_equal(info.verified, vc->problems == 0 && vc->hostname_match);
        assert_true(conn_ssl(c) != NULL);
        assert_int_equal(ERR_peek_error(), 0);
        if (info.problems & ~(unsigned)TLSV_HOSTNAME) {
            assert_int_not_equal(info.verify_code, 0);
            assert_non_null(info.verify_error);
        } else {
            assert_int_equal(info.verify_code, 0);
            assert_null(info.verify_error);
        }
        if (vc->servername)
            assert_string_equal(info.servername, vc->servername);
        else
            assert_null(info.servername);
        assert_true(info.chain_len >= 1);
        assert_int_equal(info.chain[0].self_signed, strcmp(vc->cert, "selfsigned.pem") == 0);
        if (strcmp(vc->cert, "chain.pem") == 0) {
            assert_int_equal(info.chain_len, 2);
            assert_true(info.chain[1].self_signed);
            assert_string_equal(info.chain[1].subject, "CN=smtpscope test CA,O=smtpscope tests");
        }
        if (strcmp(vc->cert, "expired.pem") == 0) {
            assert_true(info.chain[0].days_left < -1000);
            assert_string_equal(info.chain[0].not_before, "2020-01-01T00:00:00Z");
            assert_string_equal(info.chain[0].not_after, "2021-01-01T00:00:00Z");
        }
        tls_info_clear(&info);
        conn_free(c);
        tlsconn_ctx_free(ctx);
        server_stop(&s);
    }
}

/* A trusted handshake reports the session and the leaf in detail, and the
 * conn then carries application data over TLS. */
static void good_details_and_echo(void **state)
{
    (void)state;
    server s = {.mode = SRV_TLS, .cert = "good.pem", .key = "good.key"};
    server_start(&s);
    tlsconn_ctx *ctx = ctx_with(true, 0, 0);
    conn *c = dial(&s);
    tls_info info;
    tls_failure why;
    err e;
    err_clear(&e);
    assert_int_equal(tlsconn_handshake(c, ctx, "localhost", clock_deadline_in(5000), &info, &why,
                                       &e),
                     0);
    assert_true(info.verified);
    assert_true(info.hostname_match);
    assert_string_equal(info.version, "TLSv1.3");
    assert_non_null(info.cipher);
    assert_true(strncmp(info.cipher, "TLS_", 4) == 0);
    assert_non_null(info.group);
    assert_false(info.ocsp_stapled);
    assert_int_equal(info.chain_len, 1);
    const tls_cert *leaf = &info.chain[0];
    assert_string_equal(leaf->subject, "O=smtpscope tests,CN=localhost"); /* openssl ca reorders */
    assert_string_equal(leaf->issuer, "CN=smtpscope test CA,O=smtpscope tests");
    assert_int_equal(leaf->n_sans, 4);
    assert_true(has_san(leaf, "DNS:localhost"));
    assert_true(has_san(leaf, "DNS:mail.smtpscope.test"));
    assert_true(has_san(leaf, "IP:127.0.0.1"));
    assert_true(has_san(leaf, "IP:::1"));
    assert_string_equal(leaf->key_type, "RSA");
    assert_int_equal(leaf->key_bits, 2048);
    assert_string_equal(leaf->sig_alg, "sha256WithRSAEncryption");
    assert_int_equal(strlen(leaf->not_before), 20);
    assert_int_equal(leaf->not_after[19], 'Z');
    assert_int_equal(leaf->not_after[10], 'T');
    assert_true(leaf->days_left >= 29 && leaf->days_left <= 30);
    assert_false(leaf->self_signed);

    const char *line;
    size_t len;
    assert_int_equal(conn_write(c, "EHLO probe\r\n", 12, clock_deadline_in(5000), &e), 0);
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(5000), &line, &len, NULL, &e), 0);
    assert_string_equal(line, "EHLO probe");

    tls_info_clear(&info);
    tls_info_clear(&info); /* idempotent */
    conn_free(c);
    tlsconn_ctx_free(ctx);
    server_stop(&s);
}

/* The status request is sent and a stapled response is noticed. */
static void ocsp_staple_seen(void **state)
{
    (void)state;
    server s = {.mode = SRV_TLS, .cert = "chain.pem", .key = "good.key", .staple = true};
    server_start(&s);
    tlsconn_ctx *ctx = ctx_with(true, 0, 0);
    conn *c = dial(&s);
    tls_info info;
    tls_failure why;
    err e;
    err_clear(&e);
    assert_int_equal(tlsconn_handshake(c, ctx, "localhost", clock_deadline_in(5000), &info, &why,
                                       &e),
                     0);
    assert_true(info.ocsp_stapled);
    assert_true(info.verified);
    assert_int_equal(info.chain_len, 2);
    tls_info_clear(&info);
    conn_free(c);
    tlsconn_ctx_free(ctx);
    server_stop(&s);
}

/* ---- failures ---- */

typedef struct fail_case {
    const char *name;
    server srv;
    int client_min, client_max;
    int64_t timeout_ms;
    tls_failure why;
    err_class cls;
    const char *msg_part;   /* substring of e.msg */
} fail_case;

static const fail_case fail_cases[] = {
    {"plaintext SMTP banner", {.mode = SRV_PLAIN}, 0, 0, 5000, TLSF_PLAINTEXT_PEER, ERRC_TLS,
     "STARTTLS"},
    {"peer hangs up at once", {.mode = SRV_CLOSE}, 0, 0, 5000, TLSF_CLOSED, ERRC_CLOSED, "peer"},
    {"peer reads the ClientHello and hangs up", {.mode = SRV_READ_CLOSE}, 0, 0, 5000,
     TLSF_CLOSED, ERRC_CLOSED, "closed"},
    {"no shared version",
     {.mode = SRV_TLS, .cert = "good.pem", .key = "good.key", .max_version = TLS1_2_VERSION},
     TLS1_3_VERSION, 0, 5000, TLSF_NO_SHARED_VERSION, ERRC_TLS, "version"},
    {"fatal alert from the peer",
     {.mode = SRV_TLS, .cert = "good.pem", .key = "good.key", .max_version = TLS1_2_VERSION,
      .want_client_cert = true},
     0, 0, 5000, TLSF_ALERT, ERRC_TLS, "handshake failure"},
};

static void failure_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fail_cases / sizeof fail_cases[0]; i++) {
        const fail_case *fc = &fail_cases[i];
        print_message("case: %s\n", fc->name);
        server s = fc->srv;
        server_start(&s);
        tlsconn_ctx *ctx = ctx_with(true, fc->client_min, fc->client_max);
        conn *c = dial(&s);
        tls_info info;
        tls_failure why = TLSF_NONE;
        err e;
        err_clear(&e);
        e.stage = STAGE_TLS;
        int rc = tlsconn_handshake(c, ctx, "localhost", clock_deadline_in(fc->timeout_ms), &info,
                                   &why, &e);
        assert_int_equal(rc, -1);
        print_message("  -> %s / %s: %s\n", tls_failure_name(why), err_class_name(e.cls), e.msg);
        assert_int_equal(why, fc->why);
        assert_int_equal(e.cls, fc->cls);
        assert_int_equal(e.stage, STAGE_TLS);
        assert_non_null(strstr(e.msg, fc->msg_part));
        if (fc->why == TLSF_PLAINTEXT_PEER || fc->why == TLSF_ALERT ||
            fc->why == TLSF_NO_SHARED_VERSION)
            assert_int_not_equal(e.ssl_err, 0);
        assert_null(info.version);
        assert_int_equal(info.chain_len, 0);
        assert_null(conn_ssl(c));
        assert_int_equal(ERR_peek_error(), 0); /* nothing leaks to the next run */
        conn_free(c);
        tlsconn_ctx_free(ctx);
        server_stop(&s);
    }
}

/* A peer that accepts and never answers costs no more than the deadline. */
static void silent_peer_times_out(void **state)
{
    (void)state;
    server s = {.mode = SRV_SILENT};
    server_start(&s);
    tlsconn_ctx *ctx = ctx_with(true, 0, 0);
    conn *c = dial(&s);
    tls_info info;
    tls_failure why = TLSF_NONE;
    err e;
    err_clear(&e);
    int64_t t0 = clock_now_ms();
    assert_int_equal(tlsconn_handshake(c, ctx, "localhost", clock_deadline_in(300), &info, &why,
                                       &e),
                     -1);
    int64_t took = clock_now_ms() - t0;
    assert_true(took >= 250 && took < 800);
    assert_int_equal(why, TLSF_TIMEOUT);
    assert_int_equal(e.cls, ERRC_TIMEOUT);
    conn_free(c); /* the silent server sees EOF and ends */
    tlsconn_ctx_free(ctx);
    server_stop(&s);
}

static void bad_ca_file(void **state)
{
    (void)state;
    err e;
    err_clear(&e);
    tlsconn_opts o = {.ca_file = "/nonexistent/smtpscope/ca.pem"};
    assert_null(tlsconn_ctx_new(&o, &e));
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "/nonexistent/smtpscope/ca.pem"));
    assert_int_equal(ERR_peek_error(), 0);

    /* A readable file that holds no certificate is just as unusable. */
    const char *junk = test_pki_path("junk.pem");
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    fputs("not a certificate\n", f);
    fclose(f);
    err_clear(&e);
    o.ca_file = junk;
    assert_null(tlsconn_ctx_new(&o, &e));
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "junk.pem"));

    tlsconn_ctx_free(NULL);
    tls_info_clear(NULL);
}

static void failure_names(void **state)
{
    (void)state;
    static const struct {
        tls_failure f;
        const char *name;
    } rows[] = {
        {TLSF_NONE, "none"},
        {TLSF_TIMEOUT, "timeout"},
        {TLSF_CLOSED, "closed"},
        {TLSF_PLAINTEXT_PEER, "plaintext_peer"},
        {TLSF_ALERT, "alert"},
        {TLSF_NO_SHARED_VERSION, "no_shared_version"},
        {TLSF_OTHER, "other"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_string_equal(tls_failure_name(rows[i].f), rows[i].name);
}

int main(void)
{
    /* The test server writes with plain write(2) through OpenSSL's socket BIO;
     * a client that has already hung up must not kill the test process. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failure_names),
        cmocka_unit_test(bad_ca_file),
        cmocka_unit_test(good_details_and_echo),
        cmocka_unit_test(verify_table),
        cmocka_unit_test(ocsp_staple_seen),
        cmocka_unit_test(failure_table),
        cmocka_unit_test(silent_peer_times_out),
    };
    return cmocka_run_group_tests(tests, test_pki_setup, test_pki_teardown);
}
