/* endpoint.c — the layered check of one SMTP endpoint (endpoint.h).
 *
 * Each stage is: begin (timestamp) → one protocol step under its own deadline
 * → judge the outcome → end (status, reply, detail) and, when something is
 * wrong, a finding with advice (diagnose.c). The first failing stage stops
 * the run; QUIT is still sent on a live connection. RFCs: 5321 (SMTP),
 * 3207 (STARTTLS), 8314 (implicit TLS), 4954 (AUTH), 1870 (SIZE). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tcp.h"
#include "transport/tlsconn.h"
/* ---- protocol ---- */
#include "protocol/auth/sasl.h"
#include "protocol/client.h"
/* ---- checks ---- */
#include "checks/diagnose.h"
#include "checks/endpoint.h"
#include "checks/endpoint_run.h"
#include "checks/delivery.h"
#include "checks/resolve.h"

const char *tls_mode_name(tls_mode m)
{
    switch (m) {
    case TLSM_AUTO: return "auto";
    case TLSM_STARTTLS: return "starttls";
    case TLSM_IMPLICIT: return "implicit";
    case TLSM_NONE: return "none";
    }
    return "auto";
}

int tls_mode_parse(const char *s, tls_mode *out)
{
    static const tls_mode all[] = {TLSM_AUTO, TLSM_STARTTLS, TLSM_IMPLICIT, TLSM_NONE};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, tls_mode_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    return -1;
}

const char *stage_status_name(stage_status s)
{
    switch (s) {
    case SS_SKIP: return "skip";
    case SS_PASS: return "pass";
    case SS_WARN: return "warn";
    case SS_FAIL: return "fail";
    }
    return "skip";
}

stage_record *ep_rec(run *r, stage_id s)
{
    return &r->out->stages[s];
}

void ep_stage_begin(run *r, stage_id s)
{
    stage_record *sr = ep_rec(r, s);
    sr->ran = true;
    sr->start_ms = clock_now_ms() - r->out->transcript->t0;
}

void ep_stage_end(run *r, stage_id s, stage_status st, smtp_reply *reply, const char *fmt, ...)
{
    stage_record *sr = ep_rec(r, s);
    sr->status = st;
    sr->ms = clock_now_ms() - r->out->transcript->t0 - sr->start_ms;
    if (reply) {
        reply_free(sr->reply);
        sr->reply = reply;
    }
    if (fmt) {
        free(sr->detail);
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&sr->detail, fmt, ap) < 0)
            sr->detail = NULL;
        va_end(ap);
    }
}

int64_t ep_stage_deadline(const run *r)
{
    return clock_deadline_in(r->o->timeout_ms);
}

int ep_io_fail(run *r, stage_id s, const err *e)
{
    diag_io_error(&r->d, s, e);
    ep_stage_end(r, s, SS_FAIL, NULL, "%s", e->msg);
    return -1;
}

/* ---------------------------------------------------------------- stages */

static int do_resolve(run *r, resolved_target *t)
{
    ep_stage_begin(r, STAGE_RESOLVE);
    err e;
    err_clear(&e);
    e.stage = STAGE_RESOLVE;
    if (resolve_target(r->o->host, r->o->family, r->o->follow_mx, r->d.resolver, r->o->timeout_ms,
                       t, &e) < 0) {
        diag_resolve_error(&r->d, r->o->host, t, &e);
        ep_stage_end(r, STAGE_RESOLVE, SS_FAIL, NULL, "%s", e.msg);
        return -1;
    }
    if (t->mx_host) {
        r->out->mx_host = xstrdup(t->mx_host);
        diag_add(&r->d, "dns.mx_followed", STAGE_RESOLVE, NULL,
                 "%s has no address record; following its MX to %s (preference %u)",
                 r->o->host, t->mx_host, t->mx_pref);
        xarray_push((void ***)&r->out->notes, &r->out->n_notes,
                    xasprintf("%s has no address; checked its MX host %s (preference %u)",
                              r->o->host, t->mx_host, t->mx_pref));
    }
    ep_stage_end(r, STAGE_RESOLVE, SS_PASS, NULL, "%s%s%s%s", t->mx_host ? "MX " : "",
              t->mx_host ? t->mx_host : "", t->mx_host ? ": " : "", t->summary ? t->summary : "");
    return 0;
}

static int do_connect(run *r, const resolved_target *t)
{
    ep_stage_begin(r, STAGE_CONNECT);
    err e;
    err_clear(&e);
    e.stage = STAGE_CONNECT;
    size_t which = 0;
    conn *c = tcp_connect_any(t->addrs, t->n, r->o->port, r->o->timeout_ms, &r->out->attempts,
                              &r->out->n_attempts, &which, &e);
    for (size_t i = 0; i < r->out->n_attempts; i++) {
        const tcp_attempt *a = &r->out->attempts[i];
        transcript_addf(r->out->transcript, TR_INFO, "connect %s port %d: %s (%lld ms)", a->addr,
                        r->o->port, a->ok ? "connected" : a->e.msg, (long long)a->ms);
    }
    if (!c) {
        diag_connect_error(&r->d, r->o->port, &e);
        ep_stage_end(r, STAGE_CONNECT, SS_FAIL, NULL, "%s", e.msg);
        return -1;
    }
    r->out->address = xstrdup(r->out->attempts[which].addr);
    client_opts co = {.lmtp = r->o->delivery && r->o->delivery->lmtp};
    r->cl = client_new(c, r->out->transcript, &co);
    if (!r->cl) {
        ep_stage_end(r, STAGE_CONNECT, SS_FAIL, NULL, "out of memory");
        return -1;
    }
    ep_stage_end(r, STAGE_CONNECT, SS_PASS, NULL, "%s port %d", r->out->address, r->o->port);
    return 0;
}

/* Judge tls_info: findings per problem; returns the stage status. */
static stage_status judge_certificate(run *r)
{
    const tls_info *ti = &r->out->tls;
    size_t before = r->d.findings->n;
    diag_tls_info(&r->d, ti, r->servername, r->o->insecure);
    stage_status st = SS_PASS;
    for (size_t i = before; i < r->d.findings->n; i++) {
        severity sev = r->d.findings->v[i].sev;
        if (sev == SEV_ERROR)
            st = SS_FAIL;
        else if (sev == SEV_WARNING && st == SS_PASS)
            st = SS_WARN;
    }
    return st;
}

static int finish_tls_stage(run *r)
{
    r->out->tls_ok = true;
    stage_status st = judge_certificate(r);
    const tls_info *ti = &r->out->tls;
    ep_stage_end(r, STAGE_TLS, st, NULL, "%s %s, certificate %s%s%s", ti->version ? ti->version : "?",
              ti->cipher ? ti->cipher : "?", ti->verified ? "verified" : "NOT verified",
              ti->verify_error ? ": " : "", ti->verify_error ? ti->verify_error : "");
    return st == SS_FAIL ? -1 : 0;
}

static int do_implicit_tls(run *r)
{
    ep_stage_begin(r, STAGE_TLS);
    err e;
    err_clear(&e);
    e.stage = STAGE_TLS;
    tls_failure why = TLSF_NONE;
    if (client_tls_implicit(r->cl, r->tls, r->servername, ep_stage_deadline(r), &r->out->tls, &why,
                            &e) < 0) {
        diag_tls_failure(&r->d, STAGE_TLS, TLSM_IMPLICIT, r->o->port, why, &e);
        ep_stage_end(r, STAGE_TLS, SS_FAIL, NULL, "%s", e.msg);
        return -1;
    }
    return finish_tls_stage(r);
}

/* After a banner timeout in plaintext mode: does the port speak implicit TLS?
 * A short extra connection settles "tarpit" vs "wrong mode". */
static bool port_speaks_tls(run *r)
{
    err e;
    err_clear(&e);
    tcp_addr a;
    if (!r->out->address || tcp_addr_parse(r->out->address, &a) < 0)
        return false;
    int64_t budget = r->o->timeout_ms < 1500 ? r->o->timeout_ms : 1500;
    /* --tls none has no context; the probe still deserves one. */
    tlsconn_opts to = {.ca_file = r->o->ca_file};
    tlsconn_ctx *ctx = r->tls ? r->tls : tlsconn_ctx_new(&to, &e);
    if (!ctx)
        return false;
    conn *c = tcp_connect_any(&a, 1, r->o->port, budget, NULL, NULL, NULL, &e);
    int rc = -1;
    if (c) {
        tls_info ti = {0};
        tls_failure why = TLSF_NONE;
        rc = tlsconn_handshake(c, ctx, r->servername, clock_deadline_in(budget), &ti, &why, &e);
        tls_info_clear(&ti);
        conn_free(c);
    }
    if (ctx != r->tls)
        tlsconn_ctx_free(ctx);
    return rc == 0;
}

static int do_banner(run *r)
{
    ep_stage_begin(r, STAGE_BANNER);
    err e;
    err_clear(&e);
    e.stage = STAGE_BANNER;
    smtp_reply *rep = NULL;
    if (client_greeting(r->cl, ep_stage_deadline(r), &rep, &e) < 0) {
        if (e.cls == ERRC_TIMEOUT && r->out->tls_used != TLSM_IMPLICIT && port_speaks_tls(r)) {
            diag_add(&r->d, "tls.port_mismatch", STAGE_BANNER, NULL,
                     "no greeting within %lld s on port %d, but the port completes a TLS "
                     "handshake: it expects implicit TLS; use --tls implicit",
                     (long long)(r->o->timeout_ms / 1000), r->o->port);
            ep_stage_end(r, STAGE_BANNER, SS_FAIL, NULL, "no greeting: the port expects TLS first");
            return -1;
        }
        return ep_io_fail(r, STAGE_BANNER, &e);
    }
    if (rep->code != 220) {
        diag_reply(&r->d, STAGE_BANNER, rep, NULL);
        ep_stage_end(r, STAGE_BANNER, SS_FAIL, rep, "server refused service");
        return -1;
    }
    ep_stage_end(r, STAGE_BANNER, SS_PASS, rep, NULL);
    return 0;
}

static int do_ehlo(run *r, stage_id s)
{
    ep_stage_begin(r, s);
    err e;
    err_clear(&e);
    e.stage = s;
    smtp_reply *rep = NULL;
    bool used_helo = false;
    ehlo_caps_free(&r->out->caps);
    r->out->have_caps = false;
    if (client_ehlo(r->cl, r->helo, true, ep_stage_deadline(r), &rep, &r->out->caps, &used_helo,
                    &e) < 0)
        return ep_io_fail(r, s, &e);
    if (!reply_ok(rep)) {
        diag_reply(&r->d, s, rep, NULL);
        ep_stage_end(r, s, SS_FAIL, rep, "%s rejected", used_helo ? "HELO" : "EHLO");
        return -1;
    }
    r->out->have_caps = true;
    stage_status st = SS_PASS;
    if (used_helo) {
        diag_add(&r->d, "ehlo.helo_fallback", s, NULL,
                 "EHLO was refused; the server accepted HELO, so no SMTP extensions are available");
        st = SS_WARN;
    }
    if (s == STAGE_EHLO && r->out->caps.n_auth > 0 && r->out->tls_used != TLSM_IMPLICIT) {
        diag_add(&r->d, "auth.plaintext_exposed", s, NULL,
                 "AUTH (%s) is offered on the unencrypted connection, before STARTTLS",
                 r->out->caps.auth[0]);
        st = SS_WARN;
    }
    ep_stage_end(r, s, st, rep, "%zu extension%s%s%s", r->out->caps.n_lines,
              r->out->caps.n_lines == 1 ? "" : "s", used_helo ? " (HELO)" : "",
              r->out->caps.starttls ? ", STARTTLS offered" : "");
    return 0;
}

static int do_starttls(run *r)
{
    ep_stage_begin(r, STAGE_STARTTLS);
    err e;
    err_clear(&e);
    e.stage = STAGE_STARTTLS;
    smtp_reply *rep = NULL;
    size_t discarded = 0;
    tls_failure why = TLSF_NONE;
    int rc = client_starttls(r->cl, r->tls, r->servername, ep_stage_deadline(r), &rep, &discarded,
                             &r->out->tls, &why, &e);
    if (rc < 0 && !rep)
        return ep_io_fail(r, STAGE_STARTTLS, &e);
    if (rep && rep->code != 220) {
        diag_reply(&r->d, STAGE_STARTTLS, rep, "starttls.refused");
        if (r->o->require_tls)
            diag_add(&r->d, "tls.required_missing", STAGE_STARTTLS, NULL,
                     "--require-tls was given and the server refused STARTTLS with %d",
                     rep->code);
        ep_stage_end(r, STAGE_STARTTLS, SS_FAIL, rep, "STARTTLS refused");
        return -1;
    }
    if (discarded)
        diag_add(&r->d, "starttls.injection", STAGE_STARTTLS, NULL,
                 "%zu byte%s arrived after the 220 reply to STARTTLS and before the TLS "
                 "handshake; they were discarded, not read as replies",
                 discarded, discarded == 1 ? "" : "s");
    ep_stage_end(r, STAGE_STARTTLS, discarded ? SS_FAIL : SS_PASS, rep, NULL);
    ep_stage_begin(r, STAGE_TLS);
    if (rc < 0) {
        diag_tls_failure(&r->d, STAGE_TLS, TLSM_STARTTLS, r->o->port, why, &e);
        ep_stage_end(r, STAGE_TLS, SS_FAIL, NULL, "%s", e.msg);
        return -1;
    }
    r->out->tls_used = TLSM_STARTTLS;
    /* The handshake time belongs to the tls stage; client_starttls ran both. */
    ep_rec(r, STAGE_TLS)->start_ms = ep_rec(r, STAGE_STARTTLS)->start_ms + ep_rec(r, STAGE_STARTTLS)->ms;
    /* Injected bytes were discarded, so the session is safe to continue:
     * the finding stands, and the user sees whether the real EHLO works. */
    return finish_tls_stage(r);
}

static int do_auth(run *r)
{
    const endpoint_opts *o = r->o;
    ep_stage_begin(r, STAGE_AUTH);
    const ehlo_caps *caps = &r->out->caps;
    if (!r->out->tls_ok && !o->allow_plaintext_auth) {
        diag_add(&r->d, "auth.refused_plaintext", STAGE_AUTH, NULL,
                 "the connection is not encrypted, so the password was not sent");
        ep_stage_end(r, STAGE_AUTH, SS_FAIL, NULL, "not attempted without TLS");
        return -1;
    }
    if (caps->n_auth == 0) {
        diag_add(&r->d, "auth.not_offered", STAGE_AUTH, NULL,
                 "the server's EHLO reply on port %d lists no AUTH mechanism%s", o->port,
                 r->out->tls_ok ? "" : " (many servers offer AUTH only after STARTTLS)");
        ep_stage_end(r, STAGE_AUTH, SS_FAIL, NULL, "AUTH not offered");
        return -1;
    }
    sasl_creds cr = {.user = o->auth_user, .pass = o->auth_pass, .authzid = NULL,
                     .token = o->auth_token};
    const sasl_mech *mech = NULL;
    if (o->auth_mech) {
        mech = sasl_find(o->auth_mech);
        if (!mech || !ehlo_has_auth(caps, o->auth_mech)) {
            diag_add(&r->d, "auth.mechanism_unsupported", STAGE_AUTH, NULL,
                     "%s was requested but %s", o->auth_mech,
                     !mech ? "smtpscope check does not implement it"
                           : "the server does not offer it");
            ep_stage_end(r, STAGE_AUTH, SS_FAIL, NULL, "mechanism unavailable");
            return -1;
        }
    } else {
        mech = sasl_pick(caps->auth, caps->n_auth, &cr);
        if (!mech) {
            diag_add(&r->d, "auth.mechanism_unsupported", STAGE_AUTH, NULL,
                     "the server offers %s; none of them is one smtpscope implements",
                     caps->auth[0]);
            ep_stage_end(r, STAGE_AUTH, SS_FAIL, NULL, "no usable mechanism");
            return -1;
        }
    }
    r->out->auth_mech_used = xstrdup(mech->name);
    err e;
    err_clear(&e);
    e.stage = STAGE_AUTH;
    smtp_reply *rep = NULL;
    if (client_auth(r->cl, mech, &cr, ep_stage_deadline(r), &rep, &e) < 0) {
        reply_free(rep);
        return ep_io_fail(r, STAGE_AUTH, &e);
    }
    if (!rep || rep->code != 235) {
        diag_reply(&r->d, STAGE_AUTH, rep, NULL);
        /* e says why when the mechanism learnt it (OAuth status, SCRAM e=). */
        bool why = e.cls == ERRC_REJECTED;
        ep_stage_end(r, STAGE_AUTH, SS_FAIL, rep, "%s authentication as %s failed%s%s", mech->name,
                  o->auth_user, why ? ": " : "", why ? e.msg : "");
        return -1;
    }
    ep_stage_end(r, STAGE_AUTH, SS_PASS, rep, "authenticated as %s with %s", o->auth_user,
              mech->name);
    return 0;
}

/* A small RFC 5322 test message. */
static char *test_message(run *r, const char *from)
{
    unsigned char rnd[8] = {0};
    RAND_bytes(rnd, sizeof rnd);
    char id[17];
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(id + 2 * i, 3, "%02x", rnd[i]);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    const char *at = strrchr(from, '@');
    const char *dom = at && at[1] ? at + 1 : r->helo;
    return xasprintf("From: <%s>\r\nTo: <%s>\r\nSubject: smtpscope test message\r\n"
                     "Date: %s\r\nMessage-ID: <smtpscope.%s@%s>\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
                     "This is a test message sent by smtpscope check --send.\r\n",
                     from, r->o->n_to ? r->o->to[0] : "", date, id, dom);
}

static int do_envelope(run *r)
{
    const endpoint_opts *o = r->o;
    const char *from = o->from ? o->from : "";
    char *msg = o->send ? test_message(r, from) : NULL;
    err e;
    err_clear(&e);

    /* MAIL */
    ep_stage_begin(r, STAGE_MAIL);
    e.stage = STAGE_MAIL;
    char line[600];
    if (msg && r->out->caps.size_present)
        snprintf(line, sizeof line, "MAIL FROM:<%s> SIZE=%zu", from, strlen(msg));
    else
        snprintf(line, sizeof line, "MAIL FROM:<%s>", from);
    smtp_reply *rep = NULL;
    if (client_command(r->cl, line, ep_stage_deadline(r), &rep, &e) < 0) {
        free(msg);
        return ep_io_fail(r, STAGE_MAIL, &e);
    }
    if (!reply_ok(rep)) {
        diag_reply(&r->d, STAGE_MAIL, rep, NULL);
        ep_stage_end(r, STAGE_MAIL, SS_FAIL, rep, "sender <%s> refused", from);
        free(msg);
        return -1;
    }
    ep_stage_end(r, STAGE_MAIL, SS_PASS, rep, "sender <%s> accepted", from);

    /* RCPT, every recipient, so one refusal does not hide another. */
    ep_stage_begin(r, STAGE_RCPT);
    size_t accepted = 0;
    smtp_reply *last = NULL;
    for (size_t i = 0; i < o->n_to; i++) {
        err_clear(&e);
        e.stage = STAGE_RCPT;
        snprintf(line, sizeof line, "RCPT TO:<%s>", o->to[i]);
        rep = NULL;
        if (client_command(r->cl, line, ep_stage_deadline(r), &rep, &e) < 0) {
            reply_free(last);
            free(msg);
            return ep_io_fail(r, STAGE_RCPT, &e);
        }
        if (reply_ok(rep))
            accepted++;
        else
            diag_reply(&r->d, STAGE_RCPT, rep, NULL);
        /* Keep the first refusal as the stage's reply, else the last reply. */
        if (!last || (reply_ok(last) && !reply_ok(rep))) {
            reply_free(last);
            last = rep;
        } else {
            reply_free(rep);
        }
    }
    stage_status rst = accepted == o->n_to ? SS_PASS : SS_FAIL;
    ep_stage_end(r, STAGE_RCPT, rst, last, "%zu of %zu recipient%s accepted", accepted, o->n_to,
              o->n_to == 1 ? "" : "s");
    if (rst == SS_FAIL) {
        free(msg);
        return -1;
    }

    if (!msg) {
        /* Leave no transaction open: RSET, then QUIT. Not a stage. */
        err_clear(&e);
        rep = NULL;
        client_command(r->cl, "RSET", ep_stage_deadline(r), &rep, &e);
        reply_free(rep);
        return 0;
    }

    ep_stage_begin(r, STAGE_DATA);
    err_clear(&e);
    e.stage = STAGE_DATA;
    smtp_reply *data_rep = NULL;
    rep = NULL;
    int rc = client_data(r->cl, msg, strlen(msg), ep_stage_deadline(r), &data_rep, &rep, &e);
    size_t msglen = strlen(msg);
    free(msg);
    if (rc < 0 && !(data_rep && data_rep->code != 354)) {
        reply_free(data_rep);
        reply_free(rep);
        return ep_io_fail(r, STAGE_DATA, &e);
    }
    if (data_rep && data_rep->code != 354) {
        diag_reply(&r->d, STAGE_DATA, data_rep, NULL);
        reply_free(rep);
        ep_stage_end(r, STAGE_DATA, SS_FAIL, data_rep, "DATA refused");
        return -1;
    }
    reply_free(data_rep);
    if (!reply_ok(rep)) {
        diag_reply(&r->d, STAGE_DATA, rep, NULL);
        ep_stage_end(r, STAGE_DATA, SS_FAIL, rep, "message of %zu bytes refused", msglen);
        return -1;
    }
    ep_stage_end(r, STAGE_DATA, SS_PASS, rep, "message of %zu bytes accepted", msglen);
    return 0;
}

static void do_quit(run *r)
{
    if (!r->cl || client_get_state(r->cl) == CS_BROKEN || client_get_state(r->cl) == CS_QUIT)
        return;
    ep_stage_begin(r, STAGE_QUIT);
    err e;
    err_clear(&e);
    e.stage = STAGE_QUIT;
    smtp_reply *rep = NULL;
    int64_t budget = r->o->timeout_ms < 5000 ? r->o->timeout_ms : 5000;
    if (client_command(r->cl, "QUIT", clock_deadline_in(budget), &rep, &e) < 0) {
        diag_add(&r->d, "quit.failed", STAGE_QUIT, NULL, "QUIT: %s", e.msg);
        ep_stage_end(r, STAGE_QUIT, SS_WARN, NULL, "%s", e.msg);
        return;
    }
    if (rep->code != 221) {
        diag_add(&r->d, "quit.failed", STAGE_QUIT, NULL, "QUIT was answered with %d, not 221",
                 rep->code);
        ep_stage_end(r, STAGE_QUIT, SS_WARN, rep, NULL);
        return;
    }
    ep_stage_end(r, STAGE_QUIT, SS_PASS, rep, NULL);
}

/* Stages that need a TLS session when --require-tls is given. */
static int require_tls_gate(run *r)
{
    if (!r->o->require_tls || r->out->tls_ok)
        return 0;
    diag_add(&r->d, "tls.required_missing", STAGE_TLS, NULL,
             "--require-tls was given but no TLS session was established on port %d",
             r->o->port);
    return -1;
}

static void default_helo(char *out, size_t outsz, const char *given)
{
    if (given) {
        snprintf(out, outsz, "%s", given);
        return;
    }
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) < 0 || !host[0] || !strchr(host, '.'))
        snprintf(out, outsz, "%s", host[0] && !strchr(host, '.') ? host : "localhost");
    else
        snprintf(out, outsz, "%s", host);
}

static int run_session(run *r)
{
    const endpoint_opts *o = r->o;
    tls_mode mode = o->tls;
    if (mode == TLSM_AUTO)
        mode = o->port == 465 ? TLSM_IMPLICIT : TLSM_STARTTLS;
    r->out->tls_used = mode == TLSM_IMPLICIT ? TLSM_IMPLICIT : TLSM_NONE;

    if (mode != TLSM_NONE) {
        err e;
        err_clear(&e);
        tlsconn_opts to = {.ca_file = o->ca_file};
        r->tls = tlsconn_ctx_new(&to, &e);
        if (!r->tls) {
            diag_add(&r->d, "local.input", STAGE_TLS, NULL, "%s", e.msg);
            return -1;
        }
    }
    /* The PROXY header belongs to the TCP stream: before TLS and banner. */
    if (ep_proxy_header(r) < 0)
        return -1;
    if (mode == TLSM_IMPLICIT && do_implicit_tls(r) < 0)
        return -1;
    if (do_banner(r) < 0 || do_ehlo(r, STAGE_EHLO) < 0)
        return -1;

    if (mode == TLSM_STARTTLS) {
        if (r->out->caps.starttls) {
            if (do_starttls(r) < 0)
                return -1;
            if (do_ehlo(r, STAGE_EHLO_TLS) < 0)
                return -1;
        } else {
            bool hard = o->require_tls;
            ep_stage_begin(r, STAGE_STARTTLS);
            diag_add(&r->d, "starttls.not_offered", STAGE_STARTTLS, NULL,
                     "the EHLO reply on port %d does not list STARTTLS%s", o->port,
                     hard ? " and --require-tls was given" : "");
            if (hard)
                diag_set_last_severity(&r->d, SEV_ERROR);
            ep_stage_end(r, STAGE_STARTTLS, hard ? SS_FAIL : SS_WARN, NULL, "not offered");
            if (hard)
                return -1;
        }
    }
    if (require_tls_gate(r) < 0)
        return -1;
    /* XCLIENT resets the server's session (Postfix: a new 220, EHLO
     * again), so it comes after TLS and before AUTH. */
    if (ep_xclient(r, r->out->tls_used == TLSM_STARTTLS ? STAGE_EHLO_TLS : STAGE_EHLO) < 0)
        return -1;
    if (o->auth_user && do_auth(r) < 0)
        return -1;
    if (o->delivery)
        return ep_deliver(r);
    if ((o->from || o->n_to) && o->n_to && do_envelope(r) < 0)
        return -1;
    return 0;
}

int endpoint_run(const endpoint_opts *o, dns_resolver *resolver, endpoint_outcome *out)
{
    memset(out, 0, sizeof *out);
    int64_t t0 = clock_now_ms();
    out->host = xstrdup(o->host);
    out->port = o->port;
    out->transcript = transcript_new(t0);
    if (!out->host || !out->transcript)
        return -1;
    if (o->delivery && !(out->delivery = ep_delivery_new(o->delivery)))
        return -1;

    run r = {.o = o, .out = out};
    diag_init(&r.d, &out->findings, resolver);
    default_helo(r.helo, sizeof r.helo, o->helo);

    resolved_target t = {0};
    if (do_resolve(&r, &t) == 0 && ep_proxy_check(&r) == 0) {
        r.servername = o->servername ? o->servername : t.mx_host ? out->mx_host : o->host;
        if (do_connect(&r, &t) == 0) {
            run_session(&r);
            do_quit(&r);
        }
    }
    resolved_target_free(&t);
    client_free(r.cl);
    tlsconn_ctx_free(r.tls);
    out->total_ms = clock_now_ms() - t0;
    return 0;
}

void endpoint_outcome_free(endpoint_outcome *out)
{
    if (!out)
        return;
    free(out->host);
    free(out->address);
    free(out->mx_host);
    for (int i = 0; i < STAGE__COUNT; i++) {
        reply_free(out->stages[i].reply);
        free(out->stages[i].detail);
    }
    tls_info_clear(&out->tls);
    ehlo_caps_free(&out->caps);
    free(out->auth_mech_used);
    free(out->attempts);
    delivery_report_free(out->delivery);
    finding_list_free(&out->findings);
    transcript_free(out->transcript);
    for (size_t i = 0; i < out->n_notes; i++)
        free(out->notes[i]);
    free(out->notes);
    memset(out, 0, sizeof *out);
}
