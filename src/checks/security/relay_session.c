/* relay_session.c — open and close the SMTP sessions of the relay battery
 * and the smuggling probe (see relay_session.h). RFC 5321 (greeting, EHLO),
 * RFC 3207 (STARTTLS; EHLO again afterwards, §4.2), RFC 8314 (implicit TLS
 * on 465), RFC 4954 (AUTH). Certificate problems do not stop these probes:
 * the question is how the server handles envelopes and data, and the
 * certificate report is the check's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* core */
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
/* transport */
#include "transport/tcp.h"
#include "transport/tlsconn.h"
/* protocol */
#include "protocol/auth/sasl.h"
#include "protocol/client.h"
#include "protocol/reply.h"
/* checks */
#include "checks/security/relay_session.h"

void relay_session_helo(char *out, size_t outsz, const char *given)
{
    if (given && *given) {
        snprintf(out, outsz, "%s", given);
        return;
    }
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) < 0 || !host[0])
        snprintf(out, outsz, "localhost");
    else
        snprintf(out, outsz, "%s", host);
}

static int64_t dl(const relay_session_opts *o)
{
    return clock_deadline_in(o->timeout_ms);
}

/* A 4xx/5xx where a 2xx was needed: ERRC_REJECTED naming the step. */
static int refused(err *e, stage_id st, const char *what, const smtp_reply *r)
{
    err_set(e, ERRC_REJECTED, "the server answered %d to %s", r ? r->code : 0, what);
    e->smtp_code = r ? r->code : 0;
    e->stage = st;
    return -1;
}

static int ehlo(relay_session *s, const relay_session_opts *o, const char *name, stage_id st,
                err *e)
{
    smtp_reply *rep = NULL;
    bool used_helo = false;
    e->stage = st;
    if (client_ehlo(s->cl, name, true, dl(o), &rep, &s->caps, &used_helo, e) < 0) {
        reply_free(rep);
        return -1;
    }
    int rc = reply_ok(rep) ? 0 : refused(e, st, "EHLO", rep);
    reply_free(rep);
    return rc;
}

static int tls_upgrade(relay_session *s, const relay_session_opts *o, bool implicit, err *e)
{
    if (!s->tls) {
        tlsconn_opts to = {.ca_file = o->ca_file};
        s->tls = tlsconn_ctx_new(&to, e);
        if (!s->tls)
            return -1;
    }
    tls_info info;
    memset(&info, 0, sizeof info);
    tls_failure why = TLSF_NONE;
    int rc;
    if (implicit) {
        e->stage = STAGE_TLS;
        rc = client_tls_implicit(s->cl, s->tls, o->servername, dl(o), &info, &why, e);
    } else {
        smtp_reply *rep = NULL;
        size_t discarded = 0;
        e->stage = STAGE_STARTTLS;
        rc = client_starttls(s->cl, s->tls, o->servername, dl(o), &rep, &discarded, &info, &why,
                             e);
        if (rc == 0 && rep && rep->code != 220)
            rc = refused(e, STAGE_STARTTLS, "STARTTLS", rep);
        reply_free(rep);
    }
    tls_info_clear(&info);
    if (rc == 0)
        s->tls_ok = true;
    return rc;
}

int relay_session_open(const relay_session_opts *o, const tcp_addr *addrs, size_t n,
                       transcript *t, relay_session *s, err *e)
{
    memset(s, 0, sizeof *s);
    e->stage = STAGE_CONNECT;
    tcp_attempt *att = NULL;
    size_t n_att = 0, which = 0;
    conn *c = tcp_connect_any(addrs, n, o->port, o->timeout_ms, &att, &n_att, &which, e);
    for (size_t i = 0; i < n_att; i++)
        transcript_addf(t, TR_INFO, "connect %s port %d: %s (%lld ms)", att[i].addr, o->port,
                        att[i].ok ? "connected" : att[i].e.msg, (long long)att[i].ms);
    if (c && which < n_att)
        snprintf(s->address, sizeof s->address, "%s", att[which].addr);
    free(att);
    if (!c)
        return -1;
    client_opts co = {.lmtp = false};
    s->cl = client_new(c, t, &co);
    if (!s->cl)
        return err_set(e, ERRC_INTERNAL, "out of memory");

    tls_mode mode = o->tls;
    if (mode == TLSM_AUTO)
        mode = o->port == 465 ? TLSM_IMPLICIT : TLSM_STARTTLS;
    if (mode == TLSM_IMPLICIT && tls_upgrade(s, o, true, e) < 0)
        goto fail;

    smtp_reply *greet = NULL;
    e->stage = STAGE_BANNER;
    if (client_greeting(s->cl, dl(o), &greet, e) < 0)
        goto fail;
    if (!reply_ok(greet)) {
        refused(e, STAGE_BANNER, "the connection (greeting)", greet);
        reply_free(greet);
        goto fail;
    }
    if (greet->n_lines > 0 && greet->lines[0][0]) {
        size_t w = strcspn(greet->lines[0], " ");
        s->greeting_name = xstrndup(greet->lines[0], w);
    }
    reply_free(greet);

    char name[256];
    relay_session_helo(name, sizeof name, o->helo);
    if (ehlo(s, o, name, STAGE_EHLO, e) < 0)
        goto fail;
    if (mode == TLSM_STARTTLS && s->caps.starttls) {
        if (tls_upgrade(s, o, false, e) < 0 || ehlo(s, o, name, STAGE_EHLO_TLS, e) < 0)
            goto fail;
    } else if (mode == TLSM_STARTTLS && o->tls == TLSM_STARTTLS) {
        err_set(e, ERRC_MISSING, "the server does not offer STARTTLS and --tls starttls was given");
        e->stage = STAGE_STARTTLS;
        goto fail;
    }
    if (o->auth_user) {
        e->stage = STAGE_AUTH;
        /* Credentials never cross an unencrypted connection unless asked
         * (the same rule as check and send). */
        if (!s->tls_ok && !o->allow_plaintext_auth) {
            err_set(e, ERRC_MISSING, "not logging in without TLS (the password would be sent in "
                                     "clear); use STARTTLS or --allow-plaintext-auth");
            goto fail;
        }
        sasl_creds cr = {.user = o->auth_user, .pass = o->auth_pass};
        const sasl_mech *mech = sasl_pick(s->caps.auth, s->caps.n_auth, &cr);
        if (!mech) {
            err_set(e, ERRC_MISSING, "the server offers no AUTH mechanism smtpscope can use%s",
                    s->tls_ok ? "" : " (many offer AUTH only after STARTTLS)");
            goto fail;
        }
        smtp_reply *rep = NULL;
        if (client_auth(s->cl, mech, &cr, dl(o), &rep, e) < 0) {
            reply_free(rep);
            goto fail;
        }
        if (!rep || rep->code != 235) {
            refused(e, STAGE_AUTH, "AUTH", rep);
            reply_free(rep);
            goto fail;
        }
        reply_free(rep);
    }
    return 0;
fail:
    relay_session_close(s, o->timeout_ms);
    return -1;
}

void relay_session_close(relay_session *s, int64_t timeout_ms)
{
    if (s->cl) {
        client_state st = client_get_state(s->cl);
        if (st != CS_BROKEN && st != CS_QUIT && st != CS_DATA) {
            smtp_reply *rep = NULL;
            err e;
            err_clear(&e);
            /* Politeness only: the answer does not matter. */
            int64_t d = clock_deadline_in(timeout_ms < 5000 ? timeout_ms : 5000);
            client_command(s->cl, "QUIT", d, &rep, &e);
            reply_free(rep);
        }
    }
    client_free(s->cl);
    tlsconn_ctx_free(s->tls);
    ehlo_caps_free(&s->caps);
    free(s->greeting_name);
    memset(s, 0, sizeof *s);
}
