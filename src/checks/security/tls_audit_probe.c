/* tls_audit_probe.c — one probe connection of the TLS audit
 * (tls_audit_probe.h): connect → banner → EHLO → STARTTLS (or implicit TLS)
 * → handshake with the probe's own context → QUIT, and the verdict.
 *
 * A verdict must say what the SERVER did, so local limits are told apart
 * from refusals: a context this OpenSSL cannot build, or one with no cipher
 * to offer, is UNTESTABLE (nothing is sent); an alert, a version or cipher
 * the server will not share, or a hang-up during the handshake is REFUSED;
 * timeouts, resets before the handshake and non-TLS answers are ERROR.
 * RFCs: 3207 (STARTTLS), 8314 (implicit TLS), 5321 (QUIT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tcp.h"
#include "transport/tls_hello.h"
#include "transport/tlsconn.h"
/* ---- protocol ---- */
#include "protocol/client.h"
#include "protocol/reply.h"
/* ---- checks ---- */
#include "checks/security/cipher_classes.h"
#include "checks/security/tls_audit_probe.h"

/* QUIT is a courtesy: it never gets the full --timeout. */
#define QUIT_BUDGET_MS 2000

int64_t audit_step_deadline(const audit_run *r, const audit_session *s)
{
    int64_t d = clock_deadline_in(r->o->timeout_ms);
    return s && s->deadline && s->deadline < d ? s->deadline : d;
}

void audit_pause(audit_run *r)
{
    if (!r->last_end_ms || r->o->delay_ms <= 0)
        return;
    int64_t until = r->last_end_ms + r->o->delay_ms;
    /* nanosleep may wake early on a signal: loop on the monotonic clock. */
    for (int64_t left; (left = until - clock_now_ms()) > 0;) {
        struct timespec ts = {.tv_sec = (time_t)(left / 1000),
                              .tv_nsec = (long)(left % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int audit_connect(audit_run *r, const char *label, audit_session *s, err *e)
{
    memset(s, 0, sizeof *s);
    audit_pause(r);
    tls_audit_outcome *out = r->out;
    transcript_addf(out->transcript, TR_INFO, "tls audit: %s", label);
    e->stage = STAGE_CONNECT;
    const tcp_addr *cand = r->have_addr ? &r->addr : r->addrs;
    size_t n = r->have_addr ? 1 : r->n_addrs;
    size_t which = 0;
    tcp_attempt *att = NULL;
    size_t n_att = 0;
    out->connections++;
    conn *c = tcp_connect_any(cand, n, r->o->port, r->o->timeout_ms, &att, &n_att, &which, e);
    for (size_t i = 0; i < n_att; i++)
        transcript_addf(out->transcript, TR_INFO, "connect %s port %d: %s (%lld ms)", att[i].addr,
                        r->o->port, att[i].ok ? "connected" : att[i].e.msg,
                        (long long)att[i].ms);
    if (c && !r->have_addr) {
        r->addr = cand[which];
        r->have_addr = true;
        free(out->address);
        out->address = xstrdup(att[which].addr);
    }
    free(att);
    if (!c) {
        r->last_end_ms = clock_now_ms();
        return -1;
    }
    /* Twice the step timeout: room for a slow banner plus the handshake,
     * yet a tarpit cannot hold a probe longer than that. */
    s->deadline = clock_deadline_in(2 * r->o->timeout_ms);
    s->cl = client_new(c, out->transcript, &(client_opts){.lmtp = false});
    if (!s->cl) {
        r->last_end_ms = clock_now_ms();
        return err_set(e, ERRC_INTERNAL, "out of memory");
    }
    return 0;
}

void audit_close(audit_run *r, audit_session *s)
{
    if (s->cl) {
        client_state st = client_get_state(s->cl);
        if (st != CS_BROKEN && st != CS_QUIT) {
            err e;
            err_clear(&e);
            smtp_reply *rep = NULL;
            int64_t d = clock_deadline_in(QUIT_BUDGET_MS);
            if (s->deadline && s->deadline < d)
                d = s->deadline;
            client_command(s->cl, "QUIT", d, &rep, &e);
            reply_free(rep);
        }
        client_free(s->cl);
        s->cl = NULL;
        r->last_end_ms = clock_now_ms();
    }
}

/* Local reasons a handshake cannot even start: nothing was offered. */
static bool local_inability(unsigned long ssl_err)
{
    if (!ssl_err || ERR_GET_LIB(ssl_err) != ERR_LIB_SSL)
        return false;
    int reason = ERR_GET_REASON(ssl_err);
    return reason == SSL_R_NO_CIPHERS_AVAILABLE || reason == SSL_R_NO_PROTOCOLS_AVAILABLE;
}

static probe_verdict classify(tls_failure why, const err *e)
{
    if (local_inability(e->ssl_err))
        return PROBE_UNTESTABLE;
    switch (why) {
    case TLSF_ALERT:
    case TLSF_NO_SHARED_VERSION:
    case TLSF_CLOSED: /* many servers just hang up on a ClientHello they dislike */
        return PROBE_REFUSED;
    case TLSF_TIMEOUT:
    case TLSF_PLAINTEXT_PEER:
    case TLSF_NONE:
        return PROBE_ERROR;
    case TLSF_OTHER:
        /* A handshake the server steered where we would not go (a version
         * or cipher outside what was offered) is a refusal of our offer;
         * socket trouble is not. */
        return e->cls == ERRC_TLS ? PROBE_REFUSED : PROBE_ERROR;
    }
    return PROBE_ERROR;
}

static char *reply_line(const smtp_reply *rep)
{
    char *text = rep ? reply_text(rep, " ") : NULL;
    char *s = xasprintf("%d %s", rep ? rep->code : 0, text ? text : "");
    free(text);
    return s;
}

/* STARTTLS written on the connection itself: the session's own command
 * functions insist on doing the handshake too (client_starttls), and here a
 * hand-built ClientHello follows instead. */
static int raw_starttls(audit_run *r, audit_session *s, smtp_reply **rep, err *e)
{
    static const char cmd[] = "STARTTLS\r\n";
    transcript_add(r->out->transcript, TR_SEND, "STARTTLS", 8);
    if (conn_write(client_conn(s->cl), cmd, sizeof cmd - 1, audit_step_deadline(r, s), e) < 0)
        return -1;
    return client_read_reply(s->cl, audit_step_deadline(r, s), rep, e);
}

/* Banner → EHLO → STARTTLS → handshake. Returns 0 with the handshake done
 * (info filled), 1 when the probe ended without a handshake verdict (p and
 * *stop say why), -1 on OOM. With ctx NULL it stops after the STARTTLS 220,
 * for a hand-built ClientHello. */
static int starttls_handshake(audit_run *r, audit_session *s, tlsconn_ctx *ctx, tls_probe *p,
                              tls_info *info, audit_stop *stop, char **stop_detail)
{
    err e;
    err_clear(&e);
    smtp_reply *rep = NULL;
    e.stage = STAGE_BANNER;
    if (client_greeting(s->cl, audit_step_deadline(r, s), &rep, &e) < 0) {
        p->verdict = PROBE_ERROR;
        p->detail = xasprintf("no greeting: %s", e.msg);
        return p->detail ? 1 : -1;
    }
    if (rep->code != 220) {
        *stop = AUDIT_STOP_BANNER;
        char *line = reply_line(rep);
        *stop_detail = xasprintf("the server refused service: %s", line ? line : "");
        free(line);
        reply_free(rep);
        p->verdict = PROBE_ERROR;
        return *stop_detail ? 1 : -1;
    }
    reply_free(rep);
    rep = NULL;
    ehlo_caps caps = {0};
    bool used_helo = false;
    e.stage = STAGE_EHLO;
    int rc = client_ehlo(s->cl, r->helo, true, audit_step_deadline(r, s), &rep, &caps, &used_helo,
                         &e);
    bool offered = rc == 0 && reply_ok(rep) && caps.starttls;
    ehlo_caps_free(&caps);
    if (rc < 0 || !reply_ok(rep)) {
        char *line = rc < 0 ? NULL : reply_line(rep);
        p->verdict = PROBE_ERROR;
        p->detail = xasprintf("EHLO failed: %s", rc < 0 ? e.msg : line ? line : "");
        free(line);
        reply_free(rep);
        return p->detail ? 1 : -1;
    }
    reply_free(rep);
    rep = NULL;
    if (!offered) {
        *stop = AUDIT_STOP_NO_STARTTLS;
        *stop_detail = xasprintf("the EHLO reply on port %d does not list STARTTLS", r->o->port);
        p->verdict = PROBE_NOT_RUN;
        return *stop_detail ? 1 : -1;
    }
    size_t discarded = 0;
    tls_failure why = TLSF_NONE;
    e.stage = STAGE_STARTTLS;
    if (!ctx) /* a raw ClientHello follows (audit_hello_probe): the command only */
        rc = raw_starttls(r, s, &rep, &e);
    else
        rc = client_starttls(s->cl, ctx, r->servername, audit_step_deadline(r, s), &rep,
                             &discarded, info, &why, &e);
    if (rc < 0 && !rep) {
        p->verdict = PROBE_ERROR;
        p->detail = xasprintf("STARTTLS failed: %s", e.msg);
        return p->detail ? 1 : -1;
    }
    if (rep && rep->code != 220) {
        *stop = AUDIT_STOP_STARTTLS_REFUSED;
        char *line = reply_line(rep);
        *stop_detail = xasprintf("the server answered STARTTLS with %s", line ? line : "");
        free(line);
        reply_free(rep);
        p->verdict = PROBE_NOT_RUN;
        return *stop_detail ? 1 : -1;
    }
    reply_free(rep);
    if (rc < 0) {
        p->verdict = classify(why, &e);
        p->detail = xstrdup(e.msg);
        return p->detail ? 1 : -1;
    }
    return 0;
}

int audit_tls_probe(audit_run *r, const char *label, const tlsconn_opts *to, tls_probe *p,
                    audit_stop *stop, char **stop_detail)
{
    *stop = AUDIT_GO_ON;
    *stop_detail = NULL;
    free(p->negotiated);
    free(p->detail);
    p->negotiated = p->detail = NULL;

    if (audit_offerable(to->cipher_list, to->min_version, to->max_version) <= 0) {
        p->verdict = PROBE_UNTESTABLE;
        p->detail = xasprintf("this OpenSSL (%s) cannot offer it, even at security level 0%s%s",
                              OpenSSL_version(OPENSSL_VERSION), to->cipher_list ? ": no cipher for "
                                                                                : "",
                              to->cipher_list ? to->cipher_list : "");
        return p->detail ? 0 : -1;
    }
    err e;
    err_clear(&e);
    tlsconn_ctx *ctx = tlsconn_ctx_new(to, &e);
    if (!ctx) {
        p->verdict = e.cls == ERRC_INTERNAL ? PROBE_ERROR : PROBE_UNTESTABLE;
        p->detail = xstrdup(e.msg);
        return p->detail ? 0 : -1;
    }
    audit_session s;
    tls_info info = {0};
    int ret = 0, rc;
    if (audit_connect(r, label, &s, &e) < 0) {
        p->verdict = PROBE_ERROR;
        p->detail = xasprintf("connection failed: %s", e.msg);
        ret = p->detail ? 0 : -1;
        goto out;
    }
    if (r->mode == TLSM_IMPLICIT) {
        tls_failure why = TLSF_NONE;
        e.stage = STAGE_TLS;
        rc = client_tls_implicit(s.cl, ctx, r->servername, audit_step_deadline(r, &s), &info,
                                 &why, &e);
        if (rc < 0) {
            p->verdict = classify(why, &e);
            p->detail = xstrdup(e.msg);
            rc = p->detail ? 1 : -1;
        }
    } else {
        rc = starttls_handshake(r, &s, ctx, p, &info, stop, stop_detail);
    }
    if (rc == 0) {
        p->verdict = PROBE_ACCEPTED;
        p->negotiated = xasprintf("%s %s", info.version ? info.version : "?",
                                  info.cipher ? info.cipher : "?");
        if (!p->negotiated)
            rc = -1;
        if (r->mode == TLSM_IMPLICIT) {
            /* Read the greeting the server sends inside TLS, so QUIT is in
             * order; its content does not matter here. */
            smtp_reply *rep = NULL;
            err ge;
            err_clear(&ge);
            client_greeting(s.cl, audit_step_deadline(r, &s), &rep, &ge);
            reply_free(rep);
        }
    }
    tls_info_clear(&info);
    ret = rc < 0 ? -1 : 0;
    audit_close(r, &s);
out:
    tlsconn_ctx_free(ctx);
    return ret;
}

/* The session is half way into a handshake: a QUIT in plaintext would only
 * be noise to the server (and wait for a reply that never comes). */
static void audit_abort(audit_run *r, audit_session *s)
{
    client_free(s->cl);
    s->cl = NULL;
    r->last_end_ms = clock_now_ms();
}

int audit_hello_probe(audit_run *r, const char *label, const uint16_t *suites, size_t n,
                      tls_probe *p, audit_stop *stop, char **stop_detail)
{
    *stop = AUDIT_GO_ON;
    *stop_detail = NULL;
    free(p->negotiated);
    free(p->detail);
    p->negotiated = p->detail = NULL;
    err e;
    err_clear(&e);
    audit_session s;
    if (audit_connect(r, label, &s, &e) < 0) {
        p->verdict = PROBE_ERROR;
        p->detail = xasprintf("connection failed: %s", e.msg);
        return p->detail ? 0 : -1;
    }
    int rc = 0;
    if (r->mode != TLSM_IMPLICIT)
        rc = starttls_handshake(r, &s, NULL, p, NULL, stop, stop_detail);
    if (rc != 0) {
        audit_close(r, &s); /* still in plaintext: QUIT is in order */
        return rc < 0 ? -1 : 0;
    }
    tls_hello_answer ans;
    e.stage = STAGE_TLS_CIPHERS;
    transcript_addf(r->out->transcript, TR_INFO,
                    "raw ClientHello: TLS 1.2 (server may choose lower), %zu suites", n);
    if (tls_hello_probe(client_conn(s.cl), TLS_HELLO_TLS12, suites, n, r->servername,
                        audit_step_deadline(r, &s), &ans, &e) < 0) {
        p->verdict = PROBE_ERROR;
        p->detail = xasprintf("no answer to the ClientHello: %s", e.msg);
        audit_abort(r, &s);
        return p->detail ? 0 : -1;
    }
    transcript_addf(r->out->transcript, TR_INFO, "raw ClientHello answer: %s", ans.detail);
    switch (ans.kind) {
    case TLS_HELLO_ACCEPTED: {
        const char *name = tls_suite_name(ans.suite);
        p->verdict = PROBE_ACCEPTED;
        p->negotiated = name ? xasprintf("%s %s", tls_hello_version_name(ans.version), name)
                             : xasprintf("%s suite 0x%04X", tls_hello_version_name(ans.version),
                                         (unsigned)ans.suite);
        if (!p->negotiated) {
            audit_abort(r, &s);
            return -1;
        }
        break;
    }
    case TLS_HELLO_REFUSED: p->verdict = PROBE_REFUSED; break;
    default: p->verdict = PROBE_ERROR; break;
    }
    p->detail = xasprintf("raw ClientHello (this OpenSSL cannot offer the class): %s",
                          ans.detail);
    audit_abort(r, &s);
    return p->detail ? 0 : -1;
}

int audit_offerable(const char *cipher_list, int min_version, int max_version)
{
    /* tlsconn_ctx_new accepts a cipher string that matches some cipher even
     * when none of them is usable between min and max, and only the
     * handshake would notice; ask OpenSSL what it would really put in the
     * ClientHello. A scratch context: no trust store is needed for that. */
    int n = 0;
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    SSL *s = NULL;
    if (!c)
        goto out;
    SSL_CTX_set_security_level(c, 0);
    if ((min_version && SSL_CTX_set_min_proto_version(c, min_version) != 1) ||
        (max_version && SSL_CTX_set_max_proto_version(c, max_version) != 1) ||
        (cipher_list && SSL_CTX_set_cipher_list(c, cipher_list) != 1))
        goto out;
    s = SSL_new(c);
    STACK_OF(SSL_CIPHER) *sk = s ? SSL_get1_supported_ciphers(s) : NULL;
    n = sk ? sk_SSL_CIPHER_num(sk) : 0;
    sk_SSL_CIPHER_free(sk);
out:
    SSL_free(s);
    SSL_CTX_free(c);
    ERR_clear_error();
    return n;
}
