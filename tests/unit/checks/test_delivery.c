/* test_delivery.c — `smtpscope send`'s delivery engine (checks/
 * endpoint_deliver.c, checks/delivery.c) through endpoint_run against a
 * scripted SMTP server on 127.0.0.1 (tests/support/script_peer.h).
 *
 * The server accepts one connection and plays a script (read a line, read a
 * message up to the final dot, send bytes, close), logging every byte it
 * receives, so each test checks both what the engine concluded
 * (per-recipient statuses, findings, stages) and exactly what it put on the
 * wire. A pipelining test is one where the script reads every command before
 * it answers any: a client that waited for each reply would time out
 * instead. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/delivery.h"
#include "checks/endpoint.h"
#include "checks/finding.h"
#include "support/script_peer.h"

/* ------------------------------------------------------------ helpers */

typedef script_peer_step step;

#define GREET "220 mx.test ESMTP\r\n"

/* Script pieces. HELLO: greeting, EHLO, its reply. ASK: one command, one
 * reply (what a client that waits for each reply gets). PIPELINED4: MAIL,
 * RCPT, RCPT and DATA all read before one write of their replies: only a
 * pipelining client gets past it. LOCKSTEP_OK1/2: MAIL, one or two RCPTs and
 * DATA answered one by one. MESSAGE_THEN_QUIT ends a script: the message up
 * to its dot, the reply to it, QUIT, 221. */
#define HELLO(caps) {SP_SEND, GREET}, {SP_READ, NULL}, {SP_SEND, caps}
#define ASK(reply) {SP_READ, NULL}, {SP_SEND, reply}
#define PIPELINED4(replies)                                                              \
    {SP_READ, NULL}, {SP_READ, NULL}, {SP_READ, NULL}, {SP_READ, NULL}, {SP_SEND, replies}
#define LOCKSTEP_OK1 ASK("250 ok\r\n"), ASK("250 ok\r\n"), ASK("354 go\r\n")
#define LOCKSTEP_OK2 ASK("250 ok\r\n"), LOCKSTEP_OK1
#define MESSAGE_THEN_QUIT(reply)                                                         \
    {SP_READ_DATA, NULL}, {SP_SEND, reply}, ASK("221 bye\r\n"), {SP_END, NULL}
#define MSG "From: <a@x.test>\r\nTo: <b@x.test>\r\nSubject: t\r\n\r\n.dot line\r\nbody\r\n"

static endpoint_opts opts(int port, const endpoint_delivery *dv)
{
    endpoint_opts o = {
        .host = "127.0.0.1",
        .port = port,
        .tls = TLSM_NONE,
        .helo = "client.test",
        .from = dv->mail_from,
        .delivery = dv,
        .timeout_ms = 5000,
        .follow_mx = false,
    };
    return o;
}

/* A server without extensions that accepts both recipients and the message,
 * answering every command in turn. */
static const step plain_accepting[] = {
    HELLO("250 mx.test\r\n"),
    LOCKSTEP_OK2,
    MESSAGE_THEN_QUIT("250 ok\r\n"),
};

static const char *rcpts2[] = {"a@x.test", "b@x.test"};

static endpoint_delivery delivery(void)
{
    endpoint_delivery dv = {
        .mail_from = "s@x.test",
        .rcpts = rcpts2,
        .n_rcpts = 2,
        .msg = MSG,
        .msg_len = strlen(MSG),
        .message_id = "<m1@x.test>",
    };
    return dv;
}

/* The single-recipient variant of delivery(). */
static endpoint_delivery delivery1(void)
{
    static const char *one[] = {"b@x.test"};
    endpoint_delivery dv = delivery();
    dv.rcpts = one;
    dv.n_rcpts = 1;
    return dv;
}

/* Run one delivery against script; returns the server (log complete). */
static script_peer *run_delivery(const step *script, const endpoint_delivery *dv,
                                 endpoint_outcome *out)
{
    script_peer *sv = script_peer_listen(script, NULL);
    assert_non_null(sv);
    endpoint_opts o = opts(sv->port, dv);
    assert_int_equal(endpoint_run(&o, NULL, out), 0);
    script_peer_wait(sv);
    assert_false(sv->timed_out);
    assert_non_null(out->delivery);
    return sv;
}

static void done(endpoint_outcome *out, script_peer *sv)
{
    endpoint_outcome_free(out);
    script_peer_free(sv);
}

static const finding *find(const endpoint_outcome *out, const char *id)
{
    for (size_t i = 0; i < out->findings.n; i++)
        if (strcmp(out->findings.v[i].id, id) == 0)
            return &out->findings.v[i];
    return NULL;
}

static bool any_permanent_error(const endpoint_outcome *out)
{
    for (size_t i = 0; i < out->findings.n; i++)
        if (out->findings.v[i].sev == SEV_ERROR && !out->findings.v[i].temporary)
            return true;
    return false;
}

/* ------------------------------------------------------------ tests */

static void pipelined_one_refused(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-ENHANCEDSTATUSCODES\r\n"
                 "250 8BITMIME\r\n"),
        /* Every command is read before any reply: only a pipelining client
         * gets past this point. */
        PIPELINED4("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <b@x.test>: Recipient address "
                 "rejected: User unknown\r\n354 End data with <CR><LF>.<CR><LF>\r\n"),
        {SP_READ_DATA, NULL},
        {SP_SEND, "250 2.0.0 Ok: queued as 4XyZ12\r\n"},
        ASK("221 2.0.0 Bye\r\n"),
        {SP_END, NULL},
    };
    endpoint_delivery dv = delivery();
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    const delivery_report *d = out.delivery;
    assert_true(d->pipelined);
    assert_int_equal(d->status, DELIVERY_ACCEPTED);
    assert_true(d->partial);
    assert_int_equal(d->n_rcpts, 2);
    assert_int_equal(d->rcpts[0].status, DELIVERY_ACCEPTED);
    assert_int_equal(d->rcpts[0].reply->code, 250);
    assert_int_equal(d->rcpts[1].status, DELIVERY_BOUNCED);
    assert_int_equal(d->rcpts[1].reply->code, 550);
    assert_string_equal(d->rcpts[1].explanation, "Bad destination mailbox address");
    assert_string_equal(d->queue_id, "4XyZ12");
    assert_string_equal(d->message_id, "<m1@x.test>");
    assert_int_equal(d->message_size, strlen(MSG));
    const finding *f = find(&out, "rcpt.unknown_user");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "<b@x.test>"));
    assert_non_null(find(&out, "send.partial"));
    assert_true(any_permanent_error(&out));  /* exit 1: a recipient bounced */
    assert_int_equal(out.stages[STAGE_MAIL].status, SS_PASS);
    assert_int_equal(out.stages[STAGE_RCPT].status, SS_WARN);
    assert_int_equal(out.stages[STAGE_DATA].status, SS_PASS);
    char expect[512];
    /* needs_8bitmime was not set: no BODY=, though 8BITMIME is offered. */
    snprintf(expect, sizeof expect,
             "EHLO client.test\r\nMAIL FROM:<s@x.test> SIZE=%zu\r\nRCPT TO:<a@x.test>\r\n"
             "RCPT TO:<b@x.test>\r\nDATA\r\nFrom: <a@x.test>\r\nTo: <b@x.test>\r\nSubject: t\r\n"
             "\r\n..dot line\r\nbody\r\n.\r\nQUIT\r\n",
             strlen(MSG));
    assert_string_equal(sv->log, expect);
    /* The transcript pairs each command with its reply. */
    const transcript *t = out.transcript;
    size_t i = 0;
    while (i < t->n && !(t->ev[i].dir == TR_SEND && strncmp(t->ev[i].line, "RCPT TO:<b", 10) == 0))
        i++;
    assert_true(i + 1 < t->n);
    assert_int_equal(t->ev[i + 1].dir, TR_RECV);
    assert_non_null(strstr(t->ev[i + 1].line, "550 5.1.1"));
    done(&out, sv);
}

static void unpipelined(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"),
        ASK("250 2.1.0 Ok\r\n"),
        ASK("250 2.1.5 Ok\r\n"),
        ASK("250 2.1.5 Ok\r\n"),
        ASK("354 go\r\n"),
        MESSAGE_THEN_QUIT("250 OK id=1abcD-000123-AB\r\n"),
    };
    endpoint_delivery dv = delivery();
    dv.no_pipelining = true;
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    const delivery_report *d = out.delivery;
    assert_false(d->pipelined);
    assert_int_equal(d->status, DELIVERY_ACCEPTED);
    assert_false(d->partial);
    assert_int_equal(d->rcpts[0].status, DELIVERY_ACCEPTED);
    assert_int_equal(d->rcpts[1].status, DELIVERY_ACCEPTED);
    assert_string_equal(d->queue_id, "1abcD-000123-AB");
    assert_int_equal(out.findings.n, 0);
    assert_non_null(strstr(sv->log, "MAIL FROM:<s@x.test>\r\nRCPT"));  /* no SIZE: not offered */
    done(&out, sv);
}

/* Replies that do not fit the pipelined commands: never a verdict. */
static void pipelined_misfit(const char *replies)
{
    const step script[] = {
        HELLO("250-mx.test\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING\r\n"),
        PIPELINED4(replies),
        {SP_END, NULL},
    };
    endpoint_delivery dv = delivery();
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_non_null(find(&out, "protocol.invalid_reply"));
    /* No message went out, and no recipient got a verdict from a reply
     * that was not its own. */
    assert_null(strstr(sv->log, "Subject"));
    assert_int_equal(out.delivery->status, DELIVERY_NOT_TRIED);
    assert_int_equal(out.delivery->rcpts[1].status, DELIVERY_NOT_TRIED);
    done(&out, sv);
}

static void pipelined_out_of_order(void **state)
{
    (void)state;
    /* RCPT's 250 2.1.5 arrives before MAIL's. */
    pipelined_misfit("250 2.1.5 Ok\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n");
}

static void pipelined_too_many_replies(void **state)
{
    (void)state;
    pipelined_misfit("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n250 2.0.0 extra\r\n");
}

static void pipelined_354_to_rcpt(void **state)
{
    (void)state;
    pipelined_misfit("250 2.1.0 Ok\r\n354 go\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
}

static void size_refused_up_front(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250-PIPELINING\r\n250 SIZE 20\r\n"),
        ASK("221 bye\r\n"),
        {SP_END, NULL},
    };
    endpoint_delivery dv = delivery();
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    const finding *f = find(&out, "send.size_exceeded");
    assert_non_null(f);
    char nums[64];
    snprintf(nums, sizeof nums, "%zu bytes", strlen(MSG));
    assert_non_null(strstr(f->message, nums));
    assert_non_null(strstr(f->message, "at most 20"));
    assert_string_equal(sv->log, "EHLO client.test\r\nQUIT\r\n");
    assert_int_equal(out.stages[STAGE_MAIL].status, SS_FAIL);
    assert_int_equal(out.delivery->status, DELIVERY_NOT_TRIED);
    done(&out, sv);
}

static void smtputf8_missing(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250 8BITMIME\r\n"),
        ASK("221 bye\r\n"),
        {SP_END, NULL},
    };
    endpoint_delivery dv = delivery();
    dv.needs_smtputf8 = true;
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_non_null(find(&out, "send.smtputf8_unsupported"));
    assert_null(strstr(sv->log, "MAIL"));
    done(&out, sv);
}

static void params_when_offered(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250-SIZE 0\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 DSN\r\n"),
        LOCKSTEP_OK1,
        MESSAGE_THEN_QUIT("250 ok\r\n"),
    };
    endpoint_delivery dv = delivery1();
    dv.needs_8bitmime = true;
    dv.needs_smtputf8 = true;
    dv.dsn_ret = "HDRS";
    dv.dsn_notify = "SUCCESS,FAILURE";
    dv.envid = "a+b=c d";
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    char expect[256];
    snprintf(expect, sizeof expect,
             "MAIL FROM:<s@x.test> SIZE=%zu BODY=8BITMIME SMTPUTF8 RET=HDRS "
             "ENVID=a+2Bb+3Dc+20d\r\nRCPT TO:<b@x.test> NOTIFY=SUCCESS,FAILURE\r\nDATA\r\n",
             strlen(MSG));
    assert_non_null(strstr(sv->log, expect));
    assert_int_equal(out.delivery->status, DELIVERY_ACCEPTED);
    assert_null(find(&out, "send.dsn_ignored"));
    done(&out, sv);
}

static void dsn_ignored_warning(void **state)
{
    (void)state;
    endpoint_delivery dv = delivery();
    dv.dsn_notify = "NEVER";
    endpoint_outcome out;
    script_peer *sv = run_delivery(plain_accepting, &dv, &out);
    const finding *f = find(&out, "send.dsn_ignored");
    assert_non_null(f);
    assert_int_equal(f->sev, SEV_WARNING);
    assert_null(strstr(sv->log, "NOTIFY"));
    assert_int_equal(out.delivery->status, DELIVERY_ACCEPTED);
    done(&out, sv);
}

static void deferred_after_dot(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250 ENHANCEDSTATUSCODES\r\n"),
        ASK("250 2.1.0 ok\r\n"),
        ASK("250 2.1.5 ok\r\n"),
        ASK("250 2.1.5 ok\r\n"),
        ASK("354 go\r\n"),
        MESSAGE_THEN_QUIT("451 4.3.0 Error: queue file write error\r\n"),
    };
    endpoint_delivery dv = delivery();
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    const delivery_report *d = out.delivery;
    assert_int_equal(d->status, DELIVERY_DEFERRED);
    assert_int_equal(d->rcpts[0].status, DELIVERY_DEFERRED);
    assert_int_equal(d->rcpts[0].reply->code, 451);
    assert_int_equal(d->rcpts[1].status, DELIVERY_DEFERRED);
    assert_false(d->partial);
    assert_null(d->queue_id);
    const finding *f = find(&out, "data.deferred");
    assert_non_null(f);
    assert_true(f->temporary);
    assert_false(any_permanent_error(&out));  /* exit 75 */
    assert_int_equal(out.stages[STAGE_DATA].status, SS_FAIL);
    done(&out, sv);
}

static void lmtp_per_recipient(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220 lmtp.test LMTP\r\n"},
        ASK("250-lmtp.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"),
        PIPELINED4("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go\r\n"),
        MESSAGE_THEN_QUIT("250 2.0.0 <a@x.test> Ok: queued as LMTP1\r\n"
                 "452 4.2.2 <b@x.test> Mailbox full\r\n"),
    };
    endpoint_delivery dv = delivery();
    dv.lmtp = true;
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_int_equal(strncmp(sv->log, "LHLO client.test\r\n", 18), 0);
    const delivery_report *d = out.delivery;
    assert_int_equal(d->status, DELIVERY_ACCEPTED);
    assert_true(d->partial);
    assert_int_equal(d->rcpts[0].status, DELIVERY_ACCEPTED);
    assert_int_equal(d->rcpts[1].status, DELIVERY_DEFERRED);
    assert_int_equal(d->rcpts[1].reply->code, 452);
    assert_string_equal(d->queue_id, "LMTP1");
    const finding *f = find(&out, "data.deferred");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "<b@x.test>"));
    assert_int_equal(out.stages[STAGE_DATA].status, SS_WARN);
    done(&out, sv);
}

/* RFC 2920 §3.1: every RCPT refused, DATA pipelined and answered 354 all
 * the same: a lone dot, never the message. */
static void all_refused_then_354(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250 PIPELINING\r\n"),
        PIPELINED4("250 ok\r\n550 5.1.1 no\r\n550 5.1.1 no\r\n354 go\r\n"),
        ASK("554 5.5.1 No valid recipients\r\n"),
        ASK("221 bye\r\n"),
        {SP_END, NULL},
    };
    endpoint_delivery dv = delivery();
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_non_null(strstr(sv->log, "DATA\r\n.\r\nQUIT\r\n"));
    assert_null(strstr(sv->log, "Subject"));
    assert_int_equal(out.delivery->status, DELIVERY_BOUNCED);
    assert_int_equal(out.stages[STAGE_RCPT].status, SS_FAIL);
    done(&out, sv);
}

static void mail_refused_pipelined(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250 PIPELINING\r\n"),
        PIPELINED4("451 4.3.0 try later\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n"
                 "503 5.5.1 need MAIL\r\n"),
        ASK("221 bye\r\n"),
        {SP_END, NULL},
    };
    endpoint_delivery dv = delivery();
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_int_equal(out.delivery->status, DELIVERY_DEFERRED);
    assert_int_equal(out.delivery->rcpts[0].status, DELIVERY_NOT_TRIED);
    assert_null(find(&out, "rcpt.rejected"));   /* the 503s are consequences */
    assert_false(any_permanent_error(&out));
    assert_int_equal(out.stages[STAGE_MAIL].status, SS_FAIL);
    done(&out, sv);
}

static void close_after_mail(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250 mx.test\r\n"),
        ASK("250 2.1.0 ok\r\n"),
        {SP_CLOSE, NULL},
        {SP_END, NULL},
    };
    endpoint_delivery dv = delivery();
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_non_null(find(&out, "server.closed"));
    assert_int_equal(out.stages[STAGE_RCPT].status, SS_FAIL);
    assert_int_equal(out.delivery->status, DELIVERY_NOT_TRIED);
    done(&out, sv);
}

static void large_message_streamed(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250 PIPELINING\r\n"),
        PIPELINED4("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
        MESSAGE_THEN_QUIT("250 ok\r\n"),
    };
    /* 1 MB of 99-byte lines with bare LF, every tenth starting with '.'. */
    size_t n = 1024 * 1024;
    char *m = malloc(n);
    assert_non_null(m);
    size_t dots = 0, lines = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 100 == 99) {
            m[i] = '\n';
            lines++;
        } else if (i % 100 == 0 && (i / 100) % 10 == 0) {
            m[i] = '.';
            dots++;
        } else {
            m[i] = 'x';
        }
    }
    endpoint_delivery dv = delivery();
    dv.msg = m;
    dv.msg_len = n;
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_int_equal(out.delivery->status, DELIVERY_ACCEPTED);
    const char *body = strstr(sv->log, "DATA\r\n");
    assert_non_null(body);
    body += 6;
    const char *end = strstr(body, "\r\n.\r\n");
    assert_non_null(end);
    /* Every LF became CR LF, every leading dot doubled, then CR LF . CR LF
     * (the last line had no line end). */
    size_t expect = n + lines + dots + 2 + 3;
    assert_int_equal((size_t)(end - body) + 5, expect);
    free(m);
    done(&out, sv);
}

static void xclient_then_ehlo(void **state)
{
    (void)state;
    static const step script[] = {
        HELLO("250-mx.test\r\n250 XCLIENT NAME ADDR\r\n"),
        ASK("220 mx.test ESMTP\r\n"),
        ASK("250 mx.test\r\n"),
        LOCKSTEP_OK1,
        MESSAGE_THEN_QUIT("250 ok\r\n"),
    };
    static const char *xc[] = {"ADDR=192.0.2.1", "NAME=host name.test"};
    endpoint_delivery dv = delivery1();
    dv.xclient = xc;
    dv.n_xclient = 2;
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_int_equal(strncmp(sv->log,
                             "EHLO client.test\r\nXCLIENT ADDR=192.0.2.1 NAME=host+20name.test\r\n"
                             "EHLO client.test\r\nMAIL FROM:",
                             84),
                     0);
    assert_int_equal(out.delivery->status, DELIVERY_ACCEPTED);
    assert_null(find(&out, "xclient.not_offered"));
    done(&out, sv);
}

static void xclient_not_offered(void **state)
{
    (void)state;
    static const char *xc[] = {"ADDR=192.0.2.1"};
    endpoint_delivery dv = delivery();
    dv.xclient = xc;
    dv.n_xclient = 1;
    endpoint_outcome out;
    script_peer *sv = run_delivery(plain_accepting, &dv, &out);
    assert_non_null(find(&out, "xclient.not_offered"));
    assert_null(strstr(sv->log, "XCLIENT"));
    done(&out, sv);
}

static void proxy_v1_before_banner(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_READ, NULL},   /* the PROXY line comes before our greeting */
        HELLO("250 mx.test\r\n"),
        LOCKSTEP_OK2,
        MESSAGE_THEN_QUIT("250 ok\r\n"),
    };
    endpoint_delivery dv = delivery();
    dv.proxy_version = 1;
    dv.proxy_source = "192.0.2.7:4711";
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    char expect[128];
    snprintf(expect, sizeof expect, "PROXY TCP4 192.0.2.7 127.0.0.1 4711 %d\r\nEHLO client.test\r\n",
             out.port);
    assert_int_equal(strncmp(sv->log, expect, strlen(expect)), 0);
    assert_int_equal(out.delivery->status, DELIVERY_ACCEPTED);
    done(&out, sv);
}

static void proxy_bad_source(void **state)
{
    (void)state;
    static const step script[] = {{SP_END, NULL}};
    endpoint_delivery dv = delivery();
    dv.proxy_version = 2;
    dv.proxy_source = "mail.example:25";
    endpoint_outcome out;
    script_peer *sv = run_delivery(script, &dv, &out);
    assert_non_null(find(&out, "local.input"));
    assert_int_equal(sv->loglen, 0);   /* nothing was written */
    assert_false(out.stages[STAGE_CONNECT].ran);   /* not even connected */
    done(&out, sv);
}

static void queue_id_table(void **state)
{
    (void)state;
    static const struct {
        const char *line, *id;
    } rows[] = {
        {"2.0.0 Ok: queued as 4XyZ12", "4XyZ12"},
        {"Ok: queued as 4XyZ12.", "4XyZ12"},
        {"2.0.0 OK QUEUED AS abc123", "abc123"},
        {"OK id=1abcD-000123-AB", "1abcD-000123-AB"},
        {"2.0.0 OK (id=1abcD-000123-AB)", "1abcD-000123-AB"},
        {"Message accepted OK id ABC-1", "ABC-1"},
        {"2.0.0 x7SLx8Fh012345 Message accepted for delivery", "x7SLx8Fh012345"},
        {"2.0.0 Message accepted for delivery", NULL},
        {"2.0.0 Ok", NULL},
        {"queued as ", NULL},
        {"uid=5 accepted", NULL},          /* "id=" inside a word */
        {"queued as <1234@host>", "1234@host"},
        {"queued as "
         "0123456789012345678901234567890123456789012345678901234567890123456789", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *id = delivery_queue_id_text(rows[i].line, strlen(rows[i].line));
        if (!rows[i].id) {
            if (id)
                fail_msg("row %zu '%s': got '%s', want none", i, rows[i].line, id);
        } else {
            if (!id || strcmp(id, rows[i].id) != 0)
                fail_msg("row %zu '%s': got '%s', want '%s'", i, rows[i].line,
                         id ? id : "(none)", rows[i].id);
        }
        free(id);
    }
}

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(delivery_status_name(DELIVERY_NOT_TRIED), "not_tried");
    assert_string_equal(delivery_status_name(DELIVERY_ACCEPTED), "accepted");
    assert_string_equal(delivery_status_name(DELIVERY_DEFERRED), "deferred");
    assert_string_equal(delivery_status_name(DELIVERY_BOUNCED), "bounced");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pipelined_one_refused),
        cmocka_unit_test(unpipelined),
        cmocka_unit_test(pipelined_out_of_order),
        cmocka_unit_test(pipelined_too_many_replies),
        cmocka_unit_test(pipelined_354_to_rcpt),
        cmocka_unit_test(size_refused_up_front),
        cmocka_unit_test(smtputf8_missing),
        cmocka_unit_test(params_when_offered),
        cmocka_unit_test(dsn_ignored_warning),
        cmocka_unit_test(deferred_after_dot),
        cmocka_unit_test(lmtp_per_recipient),
        cmocka_unit_test(all_refused_then_354),
        cmocka_unit_test(mail_refused_pipelined),
        cmocka_unit_test(close_after_mail),
        cmocka_unit_test(large_message_streamed),
        cmocka_unit_test(xclient_then_ehlo),
        cmocka_unit_test(xclient_not_offered),
        cmocka_unit_test(proxy_v1_before_banner),
        cmocka_unit_test(proxy_bad_source),
        cmocka_unit_test(queue_id_table),
        cmocka_unit_test(status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
