/* test_tls_audit.c — the TLS audit (src/checks/security/tls_audit.c and
 * tls_audit_probe.c) against an in-process SMTP server on 127.0.0.1.
 *
 * The server runs in a thread, accepts one connection at a time (as the
 * audit opens them) and plays a small SMTP dialogue whose knobs each test
 * sets: which TLS versions and ciphers its OpenSSL context allows (security
 * level 0, so it can accept what a real legacy server would), whether the
 * plaintext EHLO lists STARTTLS and AUTH, what it answers to STARTTLS and to
 * MAIL, implicit TLS. It records when it accepted each connection, so the
 * --delay test can check the gaps. Certificates come from
 * tests/fixtures/mkcerts.sh in a temporary directory. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ssl.h>

#include "checks/finding.h"
#include "checks/security/tls_audit.h"
#include "checks/security/tls_audit_probe.h"
#include "core/clock.h"

#include "support/test_pki.h"

/* ------------------------------------------------------------ the server */

typedef struct srv_cfg {
    int min_version, max_version;  /* 0: OpenSSL's range */
    const char *ciphers;           /* TLS <= 1.2 cipher string; NULL: "ALL:!aNULL" */
    bool no_starttls;              /* plaintext EHLO without STARTTLS */
    int starttls_code;             /* 0: 220 */
    bool auth_plain;               /* plaintext EHLO lists AUTH PLAIN LOGIN */
    int mail_code;                 /* reply to MAIL before TLS; 0: 250 */
    bool implicit;                 /* TLS before the greeting */
} srv_cfg;

#define MAX_ACCEPTS 64

typedef struct srv {
    srv_cfg cfg;
    SSL_CTX *ctx;
    int lfd;
    int port;
    pthread_t th;
    atomic_bool stop;
    size_t accepts;
    int64_t accepted_at[MAX_ACCEPTS];
    int64_t closed_at[MAX_ACCEPTS];
} srv;


typedef struct io {
    int fd;
    SSL *ssl;
} io;

static bool io_write(io *c, const char *s)
{
    size_t n = strlen(s);
    if (c->ssl)
        return SSL_write(c->ssl, s, (int)n) == (int)n;
    return send(c->fd, s, n, MSG_NOSIGNAL) == (ssize_t)n;
}

/* One line (CR LF stripped) into line; false at EOF, error or timeout. */
static bool io_line(io *c, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        char ch;
        if (c->ssl ? SSL_read(c->ssl, &ch, 1) != 1 : read(c->fd, &ch, 1) != 1)
            return false;
        if (ch == '\n')
            break;
        if (ch != '\r' && n + 1 < cap)
            line[n++] = ch;
    }
    line[n] = '\0';
    return true;
}

static bool verb_is(const char *line, const char *verb)
{
    size_t n = strlen(verb);
    return strncasecmp(line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

static bool start_tls(srv *s, io *c)
{
    c->ssl = SSL_new(s->ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || SSL_accept(c->ssl) != 1)
        return false;
    return true;
}

static void serve(srv *s, int fd)
{
    io c = {.fd = fd};
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const srv_cfg *k = &s->cfg;
    if (k->implicit && !start_tls(s, &c))
        goto done;
    if (!io_write(&c, "220 audit.test ESMTP\r\n"))
        goto done;
    char line[1024];
    while (io_line(&c, line, sizeof line)) {
        const char *rep = "500 5.5.1 what\r\n";
        char reply[256];
        if (verb_is(line, "EHLO")) {
            bool plain = !c.ssl;
            snprintf(reply, sizeof reply, "250-audit.test\r\n%s%s250 8BITMIME\r\n",
                     plain && !k->no_starttls && !k->implicit ? "250-STARTTLS\r\n" : "",
                     !plain || k->auth_plain ? "250-AUTH PLAIN LOGIN\r\n" : "");
            rep = reply;
        } else if (verb_is(line, "STARTTLS") && !c.ssl) {
            int code = k->starttls_code ? k->starttls_code : 220;
            snprintf(reply, sizeof reply, "%d %s\r\n", code,
                     code == 220 ? "2.0.0 go ahead" : "4.7.0 TLS not available");
            if (!io_write(&c, reply) || (code == 220 && !start_tls(s, &c)))
                goto done;
            continue;
        } else if (verb_is(line, "MAIL")) {
            int code = k->mail_code ? k->mail_code : 250;
            snprintf(reply, sizeof reply, "%d %s\r\n", code,
                     code == 250 ? "2.1.0 Ok" : "5.7.0 Must issue a STARTTLS command first");
            rep = reply;
        } else if (verb_is(line, "RSET") || verb_is(line, "NOOP")) {
            rep = "250 2.0.0 Ok\r\n";
        } else if (verb_is(line, "QUIT")) {
            io_write(&c, "221 2.0.0 Bye\r\n");
            goto done;
        }
        if (!io_write(&c, rep))
            goto done;
    }
done:
    if (c.ssl)
        SSL_free(c.ssl);
    close(fd);
}

static void *srv_main(void *arg)
{
    srv *s = arg;
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        size_t i = s->accepts < MAX_ACCEPTS ? s->accepts : MAX_ACCEPTS - 1;
        s->accepted_at[i] = clock_now_ms();
        serve(s, fd);
        s->closed_at[i] = clock_now_ms();
        s->accepts++;
    }
    return NULL;
}

static srv *srv_start(const srv_cfg *cfg)
{
    srv *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->cfg = *cfg;
    s->ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(s->ctx);
    const char *cert = test_pki_path("good.pem"), *key = test_pki_path("good.key");
    assert_int_equal(SSL_CTX_use_certificate_file(s->ctx, cert, SSL_FILETYPE_PEM), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM), 1);
    /* Level 0: the server may accept what a legacy server accepts. */
    SSL_CTX_set_security_level(s->ctx, 0);
    SSL_CTX_set_dh_auto(s->ctx, 1);
    if (cfg->min_version)
        assert_int_equal(SSL_CTX_set_min_proto_version(s->ctx, cfg->min_version), 1);
    else
        assert_int_equal(SSL_CTX_set_min_proto_version(s->ctx, TLS1_VERSION), 1);
    if (cfg->max_version)
        assert_int_equal(SSL_CTX_set_max_proto_version(s->ctx, cfg->max_version), 1);
    assert_int_equal(SSL_CTX_set_cipher_list(s->ctx, cfg->ciphers ? cfg->ciphers : "ALL:!aNULL"), 1);

    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 8), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    atomic_store(&s->stop, false);
    assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
    return s;
}

/* After the server thread has been joined. */
static void srv_free(srv *s)
{
    close(s->lfd);
    SSL_CTX_free(s->ctx);
    free(s);
}

/* ------------------------------------------------------------ helpers */

static char ca_file[512];

static tls_audit_opts opts_for(const srv *s)
{
    /* The test CA rather than the system store: loading that for every
     * probe's context is most of a sanitized run's time. */
    return (tls_audit_opts){.host = "127.0.0.1",
                            .port = s->port,
                            .tls = s->cfg.implicit ? TLSM_IMPLICIT : TLSM_STARTTLS,
                            .servername = "localhost",
                            .ca_file = ca_file,
                            .helo = "client.test",
                            .timeout_ms = 5000};
}

static const finding *find(const tls_audit_outcome *out, const char *id)
{
    for (size_t i = 0; i < out->findings.n; i++)
        if (strcmp(out->findings.v[i].id, id) == 0)
            return &out->findings.v[i];
    return NULL;
}

static size_t count(const tls_audit_outcome *out, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < out->findings.n; i++)
        n += strcmp(out->findings.v[i].id, id) == 0;
    return n;
}

static bool has_note(const tls_audit_outcome *out, const char *part)
{
    for (size_t i = 0; i < out->n_notes; i++)
        if (strstr(out->notes[i], part))
            return true;
    return false;
}

static void run_audit(srv_cfg cfg, tls_audit_opts *extra, tls_audit_outcome *out, srv **keep)
{
    srv *s = srv_start(&cfg);
    tls_audit_opts o = opts_for(s);
    if (extra) {
        extra->host = o.host;
        extra->port = o.port;
        extra->tls = o.tls;
        extra->servername = o.servername;
        extra->helo = o.helo;
        extra->ca_file = o.ca_file;
        if (!extra->timeout_ms)
            extra->timeout_ms = o.timeout_ms;
        o = *extra;
    }
    assert_int_equal(tls_audit_run(&o, NULL, out), 0);
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    if (keep) {
        *keep = s;
        return;
    }
    srv_free(s);
}

#define V(out, i) ((out).versions[i].verdict)
#define C(out, i) ((out).ciphers[i].verdict)
enum { V10, V11, V12, V13 };
enum { C_NULL, C_EXPORT, C_RC4, C_3DES, C_ANON };

/* ------------------------------------------------------------ tests */

static void only_tls12(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION}, NULL,
              &out, NULL);
    assert_int_equal(V(out, V10), PROBE_REFUSED);
    assert_int_equal(V(out, V11), PROBE_REFUSED);
    assert_int_equal(V(out, V12), PROBE_ACCEPTED);
    assert_int_equal(V(out, V13), PROBE_REFUSED);
    assert_non_null(strstr(out.versions[V12].negotiated, "TLSv1.2"));
    assert_non_null(out.versions[V10].detail);
    assert_null(find(&out, "tls_audit.tls10_accepted"));
    assert_null(find(&out, "tls_audit.tls11_accepted"));
    assert_null(find(&out, "tls_audit.no_modern_version"));
    assert_int_equal(find(&out, "tls_audit.no_tls13")->sev, SEV_INFO);
    assert_null(find(&out, "tls_audit.incomplete"));
    /* The default server cipher list has no NULL and no anonymous cipher. */
    assert_int_equal(C(out, C_NULL), PROBE_REFUSED);
    assert_int_equal(C(out, C_ANON), PROBE_REFUSED);
    assert_null(find(&out, "tls_audit.cipher_anonymous"));
    assert_null(out.stopped);
    assert_string_equal(out.address, "127.0.0.1");
    assert_string_equal(out.versions[V10].name, "TLSv1.0");
    assert_string_equal(out.ciphers[C_ANON].name, "anonymous");
    /* Every connection has its label in the transcript. */
    bool seen = false;
    for (size_t i = 0; i < out.transcript->n; i++)
        seen |= strstr(out.transcript->ev[i].line, "TLSv1.1 probe") != NULL;
    assert_true(seen);
    tls_audit_outcome_free(&out);
}

static void tls10_and_tls11_accepted(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.min_version = TLS1_VERSION, .max_version = TLS1_3_VERSION}, NULL, &out,
              NULL);
    assert_int_equal(V(out, V10), PROBE_ACCEPTED);
    assert_int_equal(V(out, V11), PROBE_ACCEPTED);
    assert_int_equal(V(out, V12), PROBE_ACCEPTED);
    assert_int_equal(V(out, V13), PROBE_ACCEPTED);
    assert_non_null(strstr(out.versions[V10].negotiated, "TLSv1 "));
    assert_int_equal(find(&out, "tls_audit.tls10_accepted")->sev, SEV_WARNING);
    assert_int_equal(find(&out, "tls_audit.tls11_accepted")->sev, SEV_WARNING);
    assert_int_equal(find(&out, "tls_audit.tls10_accepted")->stage, STAGE_TLS_VERSIONS);
    assert_null(find(&out, "tls_audit.no_tls13"));
    tls_audit_outcome_free(&out);
}

static void only_old_versions(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.min_version = TLS1_VERSION, .max_version = TLS1_1_VERSION}, NULL, &out,
              NULL);
    assert_int_equal(V(out, V10), PROBE_ACCEPTED);
    assert_int_equal(V(out, V12), PROBE_REFUSED);
    assert_int_equal(V(out, V13), PROBE_REFUSED);
    assert_int_equal(find(&out, "tls_audit.no_modern_version")->sev, SEV_ERROR);
    tls_audit_outcome_free(&out);
}

static void anonymous_accepted(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.max_version = TLS1_2_VERSION, .ciphers = "aNULL:!eNULL"}, NULL, &out,
              NULL);
    assert_int_equal(C(out, C_ANON), PROBE_ACCEPTED);
    assert_non_null(out.ciphers[C_ANON].negotiated);
    assert_int_equal(find(&out, "tls_audit.cipher_anonymous")->sev, SEV_ERROR);
    assert_int_equal(find(&out, "tls_audit.cipher_anonymous")->stage, STAGE_TLS_CIPHERS);
    assert_int_equal(C(out, C_NULL), PROBE_REFUSED);
    assert_null(find(&out, "tls_audit.cipher_null"));
    tls_audit_outcome_free(&out);
}

static void null_accepted(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.max_version = TLS1_2_VERSION, .ciphers = "eNULL:ALL"}, NULL, &out, NULL);
    assert_int_equal(C(out, C_NULL), PROBE_ACCEPTED);
    assert_non_null(strstr(out.ciphers[C_NULL].negotiated, "NULL"));
    assert_int_equal(find(&out, "tls_audit.cipher_null")->sev, SEV_ERROR);
    tls_audit_outcome_free(&out);
}

/* 3DES, RC4 and EXPORT: accepted where this OpenSSL can still offer them
 * (3DES a warning, the others errors); else asked with a hand-built
 * ClientHello, which this test server (the same OpenSSL) refuses. The
 * hello's acceptance is tested against Exim in integration/tls_audit. */
static void legacy_classes(void **state)
{
    (void)state;
    static const struct {
        size_t idx;
        const char *list, *id;
        severity sev;
    } cls[] = {
        {C_3DES, "3DES", "tls_audit.cipher_3des", SEV_WARNING},
        {C_RC4, "RC4", "tls_audit.cipher_rc4", SEV_ERROR},
        {C_EXPORT, "EXPORT", "tls_audit.cipher_export", SEV_ERROR},
    };
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++) {
        bool offerable = audit_offerable(cls[i].list, TLS1_VERSION, TLS1_2_VERSION) > 0;
        tls_audit_outcome out;
        srv *s = NULL;
        run_audit((srv_cfg){.max_version = TLS1_2_VERSION,
                            .ciphers = offerable ? cls[i].list : NULL},
                  NULL, &out, &s);
        if (offerable) {
            assert_int_equal(C(out, cls[i].idx), PROBE_ACCEPTED);
            assert_int_equal(find(&out, cls[i].id)->sev, cls[i].sev);
        } else {
            assert_int_equal(C(out, cls[i].idx), PROBE_REFUSED);
            assert_non_null(strstr(out.ciphers[cls[i].idx].detail, "raw ClientHello"));
            assert_null(find(&out, cls[i].id));
        }
        /* One connection per probe that ran, plus the plaintext one. */
        size_t ran = 1;
        for (size_t k = 0; k < TLS_AUDIT_VERSIONS; k++)
            ran += out.versions[k].verdict != PROBE_UNTESTABLE &&
                   out.versions[k].verdict != PROBE_NOT_RUN;
        for (size_t k = 0; k < TLS_AUDIT_CIPHER_CLASSES; k++)
            ran += out.ciphers[k].verdict != PROBE_UNTESTABLE &&
                   out.ciphers[k].verdict != PROBE_NOT_RUN;
        assert_int_equal(out.connections, ran);
        assert_int_equal(s->accepts, ran);
        srv_free(s);
        tls_audit_outcome_free(&out);
    }
}

static void auth_before_starttls(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.auth_plain = true}, NULL, &out, NULL);
    assert_int_equal(out.auth_before_starttls, TRI_YES);
    assert_int_equal(out.n_plaintext_auth, 2);
    assert_string_equal(out.plaintext_auth[0], "PLAIN");
    const finding *f = find(&out, "tls_audit.auth_before_starttls");
    assert_non_null(f);
    assert_int_equal(f->sev, SEV_WARNING);
    assert_non_null(strstr(f->message, "PLAIN LOGIN"));
    /* AUTH offered before STARTTLS: a client could log in and send without
     * TLS, so STARTTLS is not required even when MAIL alone is refused. */
    tls_audit_outcome_free(&out);

    run_audit((srv_cfg){.auth_plain = true, .mail_code = 530}, NULL, &out, NULL);
    assert_int_equal(out.starttls_required, TRI_NO);
    tls_audit_outcome_free(&out);

    /* Already reported by the check: not repeated. */
    finding_list known = {0};
    assert_int_equal(finding_add(&known, "auth.plaintext_exposed", STAGE_EHLO, NULL, "x"), 0);
    tls_audit_opts o = {.known = &known};
    run_audit((srv_cfg){.auth_plain = true}, &o, &out, NULL);
    assert_int_equal(out.auth_before_starttls, TRI_YES);
    assert_int_equal(count(&out, "tls_audit.auth_before_starttls"), 0);
    tls_audit_outcome_free(&out);
    finding_list_free(&known);

    run_audit((srv_cfg){0}, NULL, &out, NULL);
    assert_int_equal(out.auth_before_starttls, TRI_NO);
    assert_int_equal(out.n_plaintext_auth, 0);
    assert_null(find(&out, "tls_audit.auth_before_starttls"));
    tls_audit_outcome_free(&out);
}

static void mail_before_starttls(void **state)
{
    (void)state;
    tls_audit_outcome out;
    /* A submission port that takes MAIL in plaintext: warning. */
    tls_audit_opts o = {.submission = true};
    run_audit((srv_cfg){0}, &o, &out, NULL);
    assert_true(out.submission);
    assert_int_equal(out.starttls_required, TRI_NO);
    assert_int_equal(out.mail_reply->code, 250);
    const finding *f = find(&out, "tls_audit.starttls_not_required");
    assert_non_null(f);
    assert_int_equal(f->sev, SEV_WARNING);
    assert_int_equal(f->stage, STAGE_MAIL);
    tls_audit_outcome_free(&out);

    /* The same on a relay port: normal, a note only. */
    run_audit((srv_cfg){0}, NULL, &out, NULL);
    assert_false(out.submission);
    assert_int_equal(out.starttls_required, TRI_NO);
    assert_null(find(&out, "tls_audit.starttls_not_required"));
    assert_true(has_note(&out, "RFC 3207"));
    tls_audit_outcome_free(&out);

    /* Refused before STARTTLS: required. */
    o = (tls_audit_opts){.submission = true, .mail_from = "probe@client.test"};
    run_audit((srv_cfg){.mail_code = 530}, &o, &out, NULL);
    assert_int_equal(out.starttls_required, TRI_YES);
    assert_int_equal(out.mail_reply->code, 530);
    assert_string_equal(out.mail_reply->enhanced, "5.7.0");
    assert_null(find(&out, "tls_audit.starttls_not_required"));
    bool sent = false;
    for (size_t i = 0; i < out.transcript->n; i++)
        sent |= strcmp(out.transcript->ev[i].line, "MAIL FROM:<probe@client.test>") == 0;
    assert_true(sent);
    tls_audit_outcome_free(&out);
}

static void starttls_not_offered_stops(void **state)
{
    (void)state;
    tls_audit_outcome out;
    srv *s = NULL;
    run_audit((srv_cfg){.no_starttls = true}, NULL, &out, &s);
    assert_int_equal(out.starttls_offered, TRI_NO);
    assert_non_null(out.stopped);
    const finding *f = find(&out, "tls_audit.starttls_unavailable");
    assert_non_null(f);
    assert_int_equal(f->sev, SEV_ERROR);
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++)
        assert_int_equal(V(out, i), PROBE_NOT_RUN);
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES; i++)
        assert_int_equal(C(out, i), PROBE_NOT_RUN);
    assert_int_equal(out.connections, 1);
    assert_int_equal(s->accepts, 1);
    srv_free(s);
    tls_audit_outcome_free(&out);
}

static void starttls_refused_stops(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.starttls_code = 454}, NULL, &out, NULL);
    assert_int_equal(out.starttls_offered, TRI_YES);
    assert_non_null(out.stopped);
    assert_non_null(strstr(out.stopped, "454"));
    assert_int_equal(count(&out, "tls_audit.starttls_unavailable"), 1);
    assert_int_equal(V(out, V10), PROBE_NOT_RUN);
    assert_int_equal(V(out, V13), PROBE_NOT_RUN);
    assert_int_equal(out.connections, 2);
    tls_audit_outcome_free(&out);
}

static void implicit_tls(void **state)
{
    (void)state;
    tls_audit_outcome out;
    run_audit((srv_cfg){.implicit = true, .min_version = TLS1_2_VERSION}, NULL, &out, NULL);
    assert_int_equal(out.tls, TLSM_IMPLICIT);
    assert_int_equal(V(out, V10), PROBE_REFUSED);
    assert_int_equal(V(out, V12), PROBE_ACCEPTED);
    assert_int_equal(V(out, V13), PROBE_ACCEPTED);
    assert_int_equal(out.auth_before_starttls, TRI_NO);
    assert_int_equal(out.starttls_required, TRI_YES);
    assert_null(out.mail_reply);
    assert_null(out.stopped);
    tls_audit_outcome_free(&out);
}

static void unreachable_stops(void **state)
{
    (void)state;
    /* A port nothing listens on: bound and released. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    tls_audit_opts o = {.host = "127.0.0.1", .port = ntohs(a.sin_port), .tls = TLSM_STARTTLS,
                        .timeout_ms = 2000, .probe_injection = true};
    tls_audit_outcome out;
    assert_int_equal(tls_audit_run(&o, NULL, &out), 0);
    assert_non_null(out.stopped);
    const finding *f = find(&out, "tls_audit.incomplete");
    assert_non_null(f);
    assert_true(f->temporary);
    assert_int_equal(out.connections, 1);
    assert_int_equal(out.injection.state, INJECTION_INCONCLUSIVE);
    assert_int_equal(out.dane.state, DANE_NOT_CHECKED);
    assert_non_null(out.dane.detail);
    tls_audit_outcome_free(&out);
}

/* --delay: the server saw every connection start at least that long after
 * the previous one ended (a lower bound, so no flakiness). */
static void delay_between_connections(void **state)
{
    (void)state;
    tls_audit_outcome out;
    srv *s = NULL;
    tls_audit_opts o = {.delay_ms = 150};
    run_audit((srv_cfg){.min_version = TLS1_2_VERSION}, &o, &out, &s);
    assert_true(s->accepts >= 5);
    for (size_t i = 1; i < s->accepts && i < MAX_ACCEPTS; i++)
        assert_true(s->accepted_at[i] - s->closed_at[i - 1] >= 100);
    srv_free(s);
    tls_audit_outcome_free(&out);
}

static void skip_fills_outcome(void **state)
{
    (void)state;
    tls_audit_opts o = {.host = "mx.example", .port = 25};
    tls_audit_outcome out;
    assert_int_equal(tls_audit_skip(&o, "not run: because", &out), 0);
    assert_string_equal(out.stopped, "not run: because");
    assert_string_equal(out.versions[V13].name, "TLSv1.3");
    assert_int_equal(V(out, V13), PROBE_NOT_RUN);
    assert_int_equal(out.findings.n, 0);
    assert_int_equal(out.connections, 0);
    tls_audit_outcome_free(&out);
}

static void names_and_catalogue(void **state)
{
    (void)state;
    assert_string_equal(probe_verdict_name(PROBE_UNTESTABLE), "untestable");
    assert_string_equal(probe_verdict_name((probe_verdict)99), "not_run");
    assert_string_equal(tri_name(TRI_YES), "yes");
    static const char *const ids[] = {
        "tls_audit.tls10_accepted", "tls_audit.tls11_accepted", "tls_audit.no_modern_version",
        "tls_audit.no_tls13", "tls_audit.cipher_null", "tls_audit.cipher_export",
        "tls_audit.cipher_rc4", "tls_audit.cipher_3des", "tls_audit.cipher_anonymous",
        "tls_audit.auth_before_starttls", "tls_audit.starttls_not_required",
        "tls_audit.starttls_unavailable", "tls_audit.incomplete"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_non_null(finding_def_lookup(ids[i]));
    assert_true(audit_offerable(NULL, TLS1_3_VERSION, TLS1_3_VERSION) > 0);
    assert_int_equal(audit_offerable("NO-SUCH-CIPHER", 0, 0), 0);
}

/* ------------------------------------------------------------ setup */

static int setup(void **state)
{
    if (test_pki_setup(state) < 0)
        return -1;
    snprintf(ca_file, sizeof ca_file, "%s", test_pki_path("ca.pem"));
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_catalogue),
        cmocka_unit_test(skip_fills_outcome),
        cmocka_unit_test(only_tls12),
        cmocka_unit_test(tls10_and_tls11_accepted),
        cmocka_unit_test(only_old_versions),
        cmocka_unit_test(anonymous_accepted),
        cmocka_unit_test(null_accepted),
        cmocka_unit_test(legacy_classes),
        cmocka_unit_test(auth_before_starttls),
        cmocka_unit_test(mail_before_starttls),
        cmocka_unit_test(starttls_not_offered_stops),
        cmocka_unit_test(starttls_refused_stops),
        cmocka_unit_test(implicit_tls),
        cmocka_unit_test(unreachable_stops),
        cmocka_unit_test(delay_between_connections),
    };
    return cmocka_run_group_tests(tests, setup, test_pki_teardown);
}
