/* endpoint_deliver.c — delivering a message for `smtpscope send`
 * (endpoint_run.h): the PROXY header, XCLIENT, and MAIL/RCPT/DATA with the
 * per-recipient verdicts in out->delivery.
 *
 * RFCs: 5321 (MAIL/RCPT/DATA, §4.1.1; reply classes, §4.2.1), 2920
 * (PIPELINING), 1870 (SIZE: declared, and checked against the limit before
 * anything is sent, §4), 6152 (8BITMIME: BODY=8BITMIME), 6531 (SMTPUTF8),
 * 3461 (DSN: RET, ENVID, NOTIFY), 2033 (LMTP: one final reply per accepted
 * recipient, §4.2). Postfix's XCLIENT_README (XCLIENT: 220, then EHLO).
 *
 * Flow. Local refusals first (a message over the advertised SIZE, SMTPUTF8
 * or 8BITMIME needed and not offered): nothing is sent, so no server sees a
 * transaction it must refuse. Then the envelope, pipelined when offered:
 * MAIL, the RCPTs and DATA in groups of at most CLIENT_PIPELINE_MAX
 * commands, DATA last. Each recipient's RCPT reply is its first verdict;
 * the final reply after the dot decides for every accepted recipient (all
 * of them in SMTP, each its own in LMTP). Every refusal becomes a finding
 * through diagnose.c (rcpt.unknown_user, rcpt.deferred, data.rejected ...),
 * prefixed with the recipient, so the exit code follows from findings: any
 * permanent refusal fails, only temporary ones give 75. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/clock.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* ---- protocol ---- */
#include "protocol/client.h"
#include "protocol/command.h"
#include "protocol/proxy.h"
/* ---- checks ---- */
#include "checks/delivery.h"
#include "checks/endpoint_run.h"

delivery_report *ep_delivery_new(const endpoint_delivery *dv)
{
    delivery_report *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->message_size = dv->msg_len;
    if (dv->message_id && !(d->message_id = xstrdup(dv->message_id)))
        goto oom;
    if (dv->n_rcpts) {
        d->rcpts = calloc(dv->n_rcpts, sizeof *d->rcpts);
        if (!d->rcpts)
            goto oom;
        d->n_rcpts = dv->n_rcpts;
        for (size_t i = 0; i < dv->n_rcpts; i++) {
            const char *a = dv->rcpts[i] ? dv->rcpts[i] : "";
            if (!(d->rcpts[i].address = escape_display(a, strlen(a))))
                goto oom;
        }
    }
    return d;
oom:
    delivery_report_free(d);
    return NULL;
}

/* ------------------------------------------------------------ PROXY */

int ep_proxy_header(run *r)
{
    const endpoint_delivery *dv = r->o->delivery;
    if (!dv || dv->proxy_version == 0)
        return 0;
    err e;
    err_clear(&e);
    e.stage = STAGE_CONNECT;
    proxy_endpoint src, dst;
    buf b;
    buf_init(&b, 256);
    int rc = -1;
    if (proxy_endpoint_parse(dv->proxy_source, &src, &e) < 0 ||
        proxy_endpoint_make(r->out->address, r->o->port, &dst, &e) < 0 ||
        proxy_header(dv->proxy_version, &src, &dst, &b, &e) < 0) {
        diag_add(&r->d, e.cls == ERRC_INTERNAL ? "internal.error" : "local.input", STAGE_CONNECT,
                 NULL, "PROXY protocol header: %s", e.msg);
        goto out;
    }
    char shown[160];
    if (dv->proxy_version == 1)
        snprintf(shown, sizeof shown, "%.*s", (int)(b.len - 2), b.data);
    else
        snprintf(shown, sizeof shown, "<PROXY v2 header, %zu bytes, from %s>", b.len,
                 dv->proxy_source);
    if (client_write_preamble(r->cl, b.data, b.len, shown, ep_stage_deadline(r), &e) < 0) {
        ep_io_fail(r, STAGE_CONNECT, &e);
        goto out;
    }
    rc = 0;
out:
    buf_free(&b);
    return rc;
}

int ep_proxy_check(run *r)
{
    const endpoint_delivery *dv = r->o->delivery;
    if (!dv || dv->proxy_version == 0)
        return 0;
    err e;
    err_clear(&e);
    proxy_endpoint src;
    if (dv->proxy_version != 1 && dv->proxy_version != 2)
        err_set(&e, ERRC_LOCAL_INPUT, "--proxy takes v1 or v2");
    else if (proxy_endpoint_parse(dv->proxy_source, &src, &e) == 0)
        return 0;
    diag_add(&r->d, "local.input", STAGE_CONNECT, NULL, "PROXY protocol header: %s", e.msg);
    return -1;
}

/* ------------------------------------------------------------ XCLIENT */

/* The attribute list after "XCLIENT" in the EHLO reply, or NULL when the
 * keyword is not offered. Matched as a whole first word, never a substring. */
static const char *xclient_offer(const ehlo_caps *caps)
{
    for (size_t i = 0; i < caps->n_lines; i++) {
        const char *l = caps->lines[i];
        if (strncasecmp(l, "XCLIENT", 7) == 0 && (l[7] == '\0' || l[7] == ' '))
            return l[7] ? l + 8 : "";
    }
    return NULL;
}

static bool word_in(const char *list, const char *w, size_t n)
{
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        size_t k = strcspn(p, " ");
        if (k == n && strncasecmp(p, w, n) == 0)
            return true;
        p += k;
    }
    return false;
}

int ep_xclient(run *r, stage_id stage)
{
    const endpoint_delivery *dv = r->o->delivery;
    if (!dv || dv->n_xclient == 0)
        return 0;
    const char *offer = r->out->have_caps ? xclient_offer(&r->out->caps) : NULL;
    if (!offer) {
        diag_add(&r->d, "xclient.not_offered", stage, NULL,
                 "--xclient was given but the EHLO reply does not list XCLIENT; the message is "
                 "sent without it");
        return 0;
    }
    err e;
    err_clear(&e);
    e.stage = stage;
    buf line;
    buf_init(&line, COMMAND_MAX_LINE);
    int rc = -1;
    buf_append_str(&line, "XCLIENT");
    for (size_t i = 0; i < dv->n_xclient; i++) {
        const char *a = dv->xclient[i] ? dv->xclient[i] : "";
        size_t n = strcspn(a, "=");
        if (n == 0 || !a[n] || strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_") < n) {
            diag_add(&r->d, "local.input", stage, NULL, "--xclient '%s': use NAME=VALUE", a);
            goto out;
        }
        if (offer[0] && !word_in(offer, a, n))
            diag_add(&r->d, "xclient.not_offered", stage, NULL,
                     "the server's XCLIENT does not list the attribute %.*s (it offers: %s)",
                     (int)n, a, offer);
        /* Postfix XCLIENT_README: attribute values are xtext. */
        if (buf_appendf(&line, " %.*s=", (int)n, a) < 0 || delivery_xtext(&line, a + n + 1) < 0) {
            diag_add(&r->d, "local.input", stage, NULL,
                     "the XCLIENT command would exceed %d bytes", COMMAND_MAX_LINE);
            goto out;
        }
    }
    smtp_reply *rep = NULL;
    if (client_command(r->cl, line.data, ep_stage_deadline(r), &rep, &e) < 0) {
        ep_io_fail(r, stage, &e);
        goto out;
    }
    if (rep->code != 220) {
        diag_reply(&r->d, stage, rep, "xclient.rejected");
        ep_stage_end(r, stage, SS_FAIL, rep, "XCLIENT refused");
        goto out;
    }
    reply_free(rep);
    rep = NULL;
    /* After XCLIENT's 220 the server starts over: EHLO again. */
    bool used_helo = false;
    ehlo_caps_free(&r->out->caps);
    r->out->have_caps = false;
    if (client_ehlo(r->cl, r->helo, true, ep_stage_deadline(r), &rep, &r->out->caps, &used_helo,
                    &e) < 0) {
        ep_io_fail(r, stage, &e);
        goto out;
    }
    if (!reply_ok(rep)) {
        diag_reply(&r->d, stage, rep, NULL);
        ep_stage_end(r, stage, SS_FAIL, rep, "EHLO after XCLIENT rejected");
        goto out;
    }
    r->out->have_caps = true;
    reply_free(rep);
    rc = 0;
out:
    buf_free(&line);
    return rc;
}

/* ------------------------------------------------------------ delivery */

typedef struct dlv {
    run *r;
    const endpoint_delivery *dv;
    delivery_report *rep;
    char *mail;              /* the MAIL line */
    char **rcpt;             /* the RCPT lines */
    smtp_reply *mail_reply;  /* owned */
    smtp_reply *data_reply;  /* owned; NULL until DATA is answered */
    size_t answered;         /* RCPTs with a reply */
    size_t accepted;         /* RCPTs answered 2xx */
    bool mail_done;          /* MAIL's verdict is in its stage */
    bool mail_ok;            /* ... and it was 2xx */
} dlv;

/* A finding for a refusing reply, naming the recipient it concerns. */
static void refusal_finding(dlv *x, stage_id stage, const smtp_reply *rep, const char *addr)
{
    finding_list *fl = x->r->d.findings;
    size_t before = fl->n;
    diag_reply(&x->r->d, stage, rep, NULL);
    if (addr && fl->n == before + 1) {
        char *m = xasprintf("<%s>: %s", addr, fl->v[before].message);
        if (m) {
            free(fl->v[before].message);
            fl->v[before].message = m;
        }
    }
}

/* Give recipient i its verdict from rep (copied). */
static void set_verdict(dlv *x, size_t i, const smtp_reply *rep)
{
    delivery_rcpt *dr = &x->rep->rcpts[i];
    smtp_reply *c = reply_dup(rep);
    if (!c)
        return;
    reply_free(dr->reply);
    free(dr->explanation);
    dr->reply = c;
    dr->status = delivery_classify(rep);
    dr->explanation = delivery_explain(rep);
}

/* Refusals before anything is sent. Returns -1 to stop. */
static int preflight(dlv *x)
{
    run *r = x->r;
    const endpoint_delivery *dv = x->dv;
    const ehlo_caps *c = &r->out->caps;
    const char *why = NULL, *id = NULL;
    char msg[300];
    if (c->size_present && c->size > 0 && dv->msg_len > c->size) {
        id = "send.size_exceeded";
        snprintf(msg, sizeof msg,
                 "the message is %zu bytes, the server accepts at most %llu (SIZE in its EHLO "
                 "reply); it was not sent",
                 dv->msg_len, (unsigned long long)c->size);
        why = "message over the server's SIZE limit";
    } else if (dv->needs_smtputf8 && !c->smtputf8) {
        id = "send.smtputf8_unsupported";
        snprintf(msg, sizeof msg,
                 "an address has a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), and "
                 "the server does not offer it; the message was not sent");
        why = "SMTPUTF8 needed, not offered";
    } else if (dv->needs_8bitmime && !c->eightbitmime) {
        id = "send.8bitmime_unsupported";
        snprintf(msg, sizeof msg,
                 "the message has 8-bit content and the server does not offer 8BITMIME "
                 "(RFC 6152); it was not sent");
        why = "8BITMIME needed, not offered";
    }
    if (id) {
        ep_stage_begin(r, STAGE_MAIL);
        diag_add(&r->d, id, STAGE_MAIL, NULL, "%s", msg);
        ep_stage_end(r, STAGE_MAIL, SS_FAIL, NULL, "not sent: %s", why);
        return -1;
    }
    if ((dv->dsn_notify || dv->dsn_ret || dv->envid) && !c->dsn)
        diag_add(&r->d, "send.dsn_ignored", STAGE_MAIL, NULL,
                 "the server does not offer DSN (RFC 3461): %s%s%s were not sent",
                 dv->dsn_notify ? "NOTIFY " : "", dv->dsn_ret ? "RET " : "",
                 dv->envid ? "ENVID" : "");
    return 0;
}

/* DSN keywords are plain words ("SUCCESS,FAILURE", "HDRS"); anything else
 * would break the parameter syntax. */
static bool dsn_word_ok(const char *s)
{
    return s && *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz,") ==
                          strlen(s);
}

static int build_lines(dlv *x)
{
    run *r = x->r;
    const endpoint_delivery *dv = x->dv;
    const ehlo_caps *c = &r->out->caps;
    bool dsn = c->dsn;
    if (dsn && ((dv->dsn_notify && !dsn_word_ok(dv->dsn_notify)) ||
                (dv->dsn_ret && !dsn_word_ok(dv->dsn_ret)))) {
        diag_add(&r->d, "local.input", STAGE_MAIL, NULL,
                 "--dsn-notify takes NEVER or SUCCESS,FAILURE,DELAY and --dsn-ret FULL or HDRS");
        return -1;
    }
    buf b;
    /* Roomier than a command line: an over-long MAIL must reach
     * command_format and be refused whole (local.input), never be sent
     * with a parameter silently left out. */
    buf_init(&b, 4 * COMMAND_MAX_LINE);
    buf_appendf(&b, "MAIL FROM:<%s>", dv->mail_from ? dv->mail_from : "");
    if (c->size_present)
        buf_appendf(&b, " SIZE=%zu", dv->msg_len);
    if (dv->needs_8bitmime && c->eightbitmime)
        buf_append_str(&b, " BODY=8BITMIME");
    if (dv->needs_smtputf8 && c->smtputf8)
        buf_append_str(&b, " SMTPUTF8");
    if (dsn && dv->dsn_ret)
        buf_appendf(&b, " RET=%s", dv->dsn_ret);
    if (dsn && dv->envid) {
        buf_append_str(&b, " ENVID=");
        delivery_xtext(&b, dv->envid);
    }
    x->mail = buf_steal(&b);
    x->rcpt = calloc(dv->n_rcpts ? dv->n_rcpts : 1, sizeof *x->rcpt);
    if (!x->mail || !x->rcpt)
        return -1;
    for (size_t i = 0; i < dv->n_rcpts; i++) {
        bool notify = dsn && dv->dsn_notify;
        x->rcpt[i] = xasprintf("RCPT TO:<%s>%s%s", dv->rcpts[i] ? dv->rcpts[i] : "",
                               notify ? " NOTIFY=" : "", notify ? dv->dsn_notify : "");
        if (!x->rcpt[i])
            return -1;
    }
    return 0;
}

/* Take recipient i's RCPT reply. */
static void rcpt_answered(dlv *x, size_t i, smtp_reply *rep)
{
    delivery_rcpt *dr = &x->rep->rcpts[i];
    reply_free(dr->reply);
    free(dr->explanation);
    dr->reply = rep;
    dr->status = delivery_classify(rep);
    dr->explanation = delivery_explain(rep);
    x->answered++;
    if (dr->status == DELIVERY_ACCEPTED)
        x->accepted++;
    else
        refusal_finding(x, STAGE_RCPT, rep, dr->address);
}

/* MAIL's verdict, once its reply is in: the stage, and when refused the
 * finding and the message status (recipients stay "not tried"). */
static void end_mail(dlv *x)
{
    run *r = x->r;
    const char *from = x->dv->mail_from ? x->dv->mail_from : "";
    x->mail_done = true;
    if (x->mail_reply && x->mail_reply->code >= 200 && x->mail_reply->code < 300) {
        x->mail_ok = true;
        ep_stage_end(r, STAGE_MAIL, SS_PASS, x->mail_reply, "sender <%s> accepted%s", from,
                     x->rep->pipelined ? " (pipelined)" : "");
        x->mail_reply = NULL;
        return;
    }
    if (!x->mail_reply)
        return;
    diag_reply(&r->d, STAGE_MAIL, x->mail_reply, NULL);
    x->rep->status = x->mail_reply->code >= 400 && x->mail_reply->code < 500 ? DELIVERY_DEFERRED
                                                                            : DELIVERY_BOUNCED;
    ep_stage_end(r, STAGE_MAIL, SS_FAIL, x->mail_reply, "sender <%s> refused", from);
    x->mail_reply = NULL;
}

/* MAIL and every RCPT, one command at a time. */
static int envelope_plain(dlv *x)
{
    run *r = x->r;
    err e;
    err_clear(&e);
    e.stage = STAGE_MAIL;
    ep_stage_begin(r, STAGE_MAIL);
    if (client_command(r->cl, x->mail, ep_stage_deadline(r), &x->mail_reply, &e) < 0)
        return ep_io_fail(r, STAGE_MAIL, &e);
    end_mail(x);
    if (!x->mail_ok)
        return 0;
    ep_stage_begin(r, STAGE_RCPT);
    for (size_t i = 0; i < x->dv->n_rcpts; i++) {
        smtp_reply *rep = NULL;
        err_clear(&e);
        e.stage = STAGE_RCPT;
        if (client_command(r->cl, x->rcpt[i], ep_stage_deadline(r), &rep, &e) < 0)
            return ep_io_fail(r, STAGE_RCPT, &e);
        rcpt_answered(x, i, rep);
    }
    return 0;
}

/* The stage a pipelined command at envelope position k belongs to. */
static stage_id stage_of(const dlv *x, size_t k)
{
    return k == 0 ? STAGE_MAIL : k <= x->dv->n_rcpts ? STAGE_RCPT : STAGE_DATA;
}

/* MAIL, the RCPTs and DATA in groups (RFC 2920). Position k of the whole
 * envelope: 0 MAIL, 1..n RCPT, n+1 DATA. */
static int envelope_pipelined(dlv *x)
{
    run *r = x->r;
    size_t n = x->dv->n_rcpts, total = n + 2;
    const char *lines[CLIENT_PIPELINE_MAX];
    smtp_reply *replies[CLIENT_PIPELINE_MAX];
    ep_stage_begin(r, STAGE_MAIL);
    ep_stage_begin(r, STAGE_RCPT);
    for (size_t k = 0; k < total;) {
        size_t g = 0, first = k;
        for (; k < total && g < CLIENT_PIPELINE_MAX; k++)
            lines[g++] = k == 0 ? x->mail : k <= n ? x->rcpt[k - 1] : "DATA";
        if (k == total)
            ep_stage_begin(r, STAGE_DATA);
        err e;
        err_clear(&e);
        e.stage = stage_of(x, first);
        size_t got = 0;
        int rc = client_pipeline(r->cl, lines, g, ep_stage_deadline(r), replies, &got, &e);
        if (rc < 0 && e.cls == ERRC_PROTOCOL) {
            /* A reply stream that does not fit: which reply belongs to
             * which command is unknowable, so none of the group's replies
             * gives a verdict (they stay in the transcript). */
            for (size_t j = 0; j < got; j++)
                reply_free(replies[j]);
            got = 0;
        }
        for (size_t j = 0; j < got; j++) {
            size_t pos = first + j;
            if (pos == 0) {
                x->mail_reply = replies[j];
                end_mail(x);
            } else if (!x->mail_ok) {
                /* After a refused MAIL the rest is answered 503: only a
                 * consequence, kept in the transcript, judged nowhere. */
                reply_free(replies[j]);
            } else if (pos <= n) {
                rcpt_answered(x, pos - 1, replies[j]);
            } else {
                x->data_reply = replies[j];
            }
        }
        if (rc < 0) {
            /* Later stages begun with the group never got a verdict. */
            stage_id s = stage_of(x, first + got);
            for (stage_id t = s + 1; t <= STAGE_DATA; t++)
                if (ep_rec(r, t)->status == SS_SKIP)
                    ep_rec(r, t)->ran = false;
            return ep_io_fail(r, s, &e);
        }
        if (!x->mail_ok)
            break;   /* no further group */
    }
    if (!x->mail_ok) {
        ep_stage_end(r, STAGE_RCPT, SS_SKIP, NULL, "not tried: MAIL was refused");
        if (ep_rec(r, STAGE_DATA)->ran)
            ep_stage_end(r, STAGE_DATA, SS_SKIP, NULL, "not tried: MAIL was refused");
    }
    return 0;
}

/* Message status when nothing was delivered: bounced if any recipient (or
 * MAIL) was refused for good, else deferred. */
static delivery_status undelivered(const dlv *x)
{
    bool any_deferred = false;
    for (size_t i = 0; i < x->rep->n_rcpts; i++) {
        if (x->rep->rcpts[i].status == DELIVERY_BOUNCED)
            return DELIVERY_BOUNCED;
        if (x->rep->rcpts[i].status == DELIVERY_DEFERRED)
            any_deferred = true;
    }
    return any_deferred ? DELIVERY_DEFERRED : DELIVERY_BOUNCED;
}

/* The final replies after the dot: finals[0] for all (SMTP), or one per
 * accepted recipient in RCPT order (LMTP, RFC 2033 §4.2). */
static void judge_finals(dlv *x, smtp_reply **finals, size_t n_finals)
{
    delivery_report *d = x->rep;
    bool lmtp = x->dv->lmtp;
    size_t k = 0, ok = 0;
    for (size_t i = 0; i < d->n_rcpts; i++) {
        if (d->rcpts[i].status != DELIVERY_ACCEPTED)
            continue;
        const smtp_reply *f = lmtp ? (k < n_finals ? finals[k] : NULL) : finals[0];
        k++;
        if (!f) {
            /* LMTP reply missing (the session broke): no verdict. */
            d->rcpts[i].status = DELIVERY_NOT_TRIED;
            continue;
        }
        if (delivery_classify(f) == DELIVERY_ACCEPTED) {
            ok++;
            if (lmtp)
                set_verdict(x, i, f);
            if (!d->queue_id)
                d->queue_id = delivery_queue_id(f);
            continue;
        }
        set_verdict(x, i, f);
        if (lmtp)
            refusal_finding(x, STAGE_DATA, f, d->rcpts[i].address);
    }
    if (!lmtp && n_finals > 0 && delivery_classify(finals[0]) != DELIVERY_ACCEPTED)
        refusal_finding(x, STAGE_DATA, finals[0], NULL);
    d->status = ok > 0 ? DELIVERY_ACCEPTED : undelivered(x);
}

static void judge_partial(dlv *x)
{
    delivery_report *d = x->rep;
    size_t ok = 0, refused = 0;
    buf names;
    buf_init(&names, 600);
    for (size_t i = 0; i < d->n_rcpts; i++) {
        delivery_rcpt *dr = &d->rcpts[i];
        if (dr->status == DELIVERY_ACCEPTED) {
            ok++;
        } else if (dr->status != DELIVERY_NOT_TRIED) {
            if (refused++ < 5)
                buf_appendf(&names, "%s<%s> %s %d", refused > 1 ? ", " : "", dr->address,
                            delivery_status_name(dr->status), dr->reply ? dr->reply->code : 0);
        }
    }
    d->partial = ok > 0 && refused > 0;
    if (d->partial)
        diag_add(&x->r->d, "send.partial", STAGE_RCPT, NULL,
                 "accepted for %zu of %zu recipients; not for %s%s", ok, d->n_rcpts,
                 names.data ? names.data : "", refused > 5 ? ", ..." : "");
    buf_free(&names);
}

/* DATA and the message, with `data_reply` already read when DATA was
 * pipelined. Returns -1 to stop. */
static int data_phase(dlv *x)
{
    run *r = x->r;
    const endpoint_delivery *dv = x->dv;
    err e;
    err_clear(&e);
    e.stage = STAGE_DATA;
    smtp_reply **finals = NULL;
    size_t n_finals = 0;
    int rc = -1;
    if (!x->data_reply) {
        ep_stage_begin(r, STAGE_DATA);
        if (client_data_all(r->cl, dv->msg, dv->msg_len, ep_stage_deadline(r), &x->data_reply,
                            &finals, &n_finals, &e) < 0)
            goto io;
    } else if (x->data_reply->code == 354) {
        if (client_data_send(r->cl, dv->msg, dv->msg_len, ep_stage_deadline(r), &finals,
                             &n_finals, &e) < 0)
            goto io;
    }
    if (x->data_reply->code != 354) {
        refusal_finding(x, STAGE_DATA, x->data_reply, NULL);
        for (size_t i = 0; i < x->rep->n_rcpts; i++)
            if (x->rep->rcpts[i].status == DELIVERY_ACCEPTED)
                set_verdict(x, i, x->data_reply);
        x->rep->status = delivery_classify(x->data_reply);
        ep_stage_end(r, STAGE_DATA, SS_FAIL, x->data_reply, "DATA refused");
        x->data_reply = NULL;
        goto out;
    }
    judge_finals(x, finals, n_finals);
    const delivery_report *d = x->rep;
    size_t ok = 0;
    for (size_t i = 0; i < d->n_rcpts; i++)
        ok += d->rcpts[i].status == DELIVERY_ACCEPTED;
    /* The stage keeps the reply that decided: the first refusal, else the
     * last final reply. */
    size_t pick = n_finals - 1;
    for (size_t i = 0; i < n_finals; i++)
        if (delivery_classify(finals[i]) != DELIVERY_ACCEPTED) {
            pick = i;
            break;
        }
    smtp_reply *decided = finals[pick];
    finals[pick] = NULL;
    if (d->status == DELIVERY_ACCEPTED)
        ep_stage_end(r, STAGE_DATA, ok < x->accepted ? SS_WARN : SS_PASS, decided,
                     "message of %zu bytes accepted%s%s%s", dv->msg_len,
                     d->queue_id ? " (queued as " : "", d->queue_id ? d->queue_id : "",
                     d->queue_id ? ")" : "");
    else
        ep_stage_end(r, STAGE_DATA, SS_FAIL, decided, "message of %zu bytes %s", dv->msg_len,
                     d->status == DELIVERY_DEFERRED ? "deferred" : "refused");
    rc = d->status == DELIVERY_ACCEPTED ? 0 : -1;
    goto out;
io:
    /* LMTP replies read before the failure still give their verdicts. */
    if (n_finals > 0 && dv->lmtp)
        judge_finals(x, finals, n_finals);
    ep_io_fail(r, STAGE_DATA, &e);
out:
    client_replies_free(finals, n_finals);
    return rc;
}

static void dlv_free(dlv *x)
{
    free(x->mail);
    for (size_t i = 0; x->rcpt && i < x->dv->n_rcpts; i++)
        free(x->rcpt[i]);
    free(x->rcpt);
    reply_free(x->mail_reply);
    reply_free(x->data_reply);
}

/* A 354 nobody should act on (MAIL or every RCPT refused, DATA pipelined
 * anyway) leaves the session in DATA: end it with a lone dot. */
static void close_data(dlv *x)
{
    if (client_get_state(x->r->cl) != CS_DATA)
        return;
    err e;
    err_clear(&e);
    smtp_reply *rep = NULL;
    client_data_cancel(x->r->cl, ep_stage_deadline(x->r), &rep, &e);
    reply_free(rep);
}

int ep_deliver(run *r)
{
    dlv x = {.r = r, .dv = r->o->delivery, .rep = r->out->delivery};
    int rc = -1;
    if (!x.rep || preflight(&x) < 0)
        goto out;
    if (build_lines(&x) < 0) {
        if (!x.mail || !x.rcpt)
            diag_add(&r->d, "internal.error", STAGE_MAIL, NULL, "out of memory");
        goto out;
    }
    const ehlo_caps *c = &r->out->caps;
    x.rep->pipelined = c->pipelining && !x.dv->no_pipelining && x.dv->n_rcpts > 0;
    if ((x.rep->pipelined ? envelope_pipelined(&x) : envelope_plain(&x)) < 0)
        goto out;

    if (!x.mail_ok)
        goto out;

    /* The RCPT stage keeps the first refusal, else the last reply. */
    const delivery_report *d = x.rep;
    const smtp_reply *show = NULL;
    for (size_t i = 0; i < d->n_rcpts; i++)
        if (d->rcpts[i].reply && (!show || (d->rcpts[i].status != DELIVERY_ACCEPTED &&
                                            delivery_classify(show) == DELIVERY_ACCEPTED)))
            show = d->rcpts[i].reply;
    stage_status rst = x.accepted == d->n_rcpts ? SS_PASS : x.accepted ? SS_WARN : SS_FAIL;
    ep_stage_end(r, STAGE_RCPT, rst, show ? reply_dup(show) : NULL,
                 "%zu of %zu recipient%s accepted", x.accepted, d->n_rcpts,
                 d->n_rcpts == 1 ? "" : "s");
    if (x.accepted == 0) {
        x.rep->status = undelivered(&x);
        if (x.data_reply)
            ep_stage_end(r, STAGE_DATA, SS_SKIP, x.data_reply, "not sent: no recipient accepted");
        x.data_reply = NULL;
        goto out;
    }
    rc = data_phase(&x);
    judge_partial(&x);
out:
    close_data(&x);
    dlv_free(&x);
    return rc;
}
