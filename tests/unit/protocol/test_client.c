/* test_client.c — the SMTP client session (src/protocol/client.c) against a
 * scripted peer (tests/support/script_peer.h) on the other end of a
 * socketpair.
 *
 * The peer runs in a thread and plays a script of steps (read a line, read a
 * message body, send bytes at once or one at a time, close, stay silent).
 * Everything it receives is logged, so a test can check the exact bytes the
 * client put on the wire — or that it wrote nothing at all. At the end of a
 * script the peer drains its socket until the client closes it, then the
 * test joins the thread and compares the log. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ssl.h>

#include "core/clock.h"
#include "core/err.h"
#include "protocol/auth/sasl.h"
#include "protocol/client.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "transport/conn.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"
#include "support/run_cmd.h"
#include "support/script_peer.h"

/* ------------------------------------------------------------ scripted peer */

typedef script_peer_step step;

/* Server side of SP_TLS_ACCEPT (set up by tls_setup). */
static SSL_CTX *peer_tls_ctx;

typedef struct fx {
    script_peer *p;
    transcript *t;
    smtp_client *cl;
    err e;
} fx;

static void fx_start(fx *f, const step *script, bool lmtp)
{
    memset(f, 0, sizeof *f);
    int fd = -1;
    f->p = script_peer_pair(script, peer_tls_ctx, &fd);
    assert_non_null(f->p);
    f->t = transcript_new(clock_now_ms());
    assert_non_null(f->t);
    client_opts o = {.lmtp = lmtp};
    f->cl = client_new(conn_from_fd(fd), f->t, &o);
    assert_non_null(f->cl);
    err_clear(&f->e);
}

/* Close the client, wait for the peer; the log is then complete. */
static void fx_stop(fx *f)
{
    client_free(f->cl);
    f->cl = NULL;
    script_peer_wait(f->p);
    assert_false(f->p->timed_out);
}

static void fx_free(fx *f)
{
    if (f->cl)
        fx_stop(f);
    transcript_free(f->t);
    script_peer_free(f->p);
}

static int64_t dl(void)
{
    return clock_deadline_in(5000);
}

/* Number of transcript events in direction d whose line contains s. */
static size_t tr_count(const transcript *t, tr_dir d, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].dir == d && strstr(t->ev[i].line, s))
            n++;
    return n;
}

static bool tr_any(const transcript *t, const char *s)
{
    return tr_count(t, TR_SEND, s) + tr_count(t, TR_RECV, s) + tr_count(t, TR_INFO, s) > 0;
}

/* Script pieces. ASK: read one command, send the reply. GREET_EHLO: the
 * greeting and the EHLO exchange that to_ready / fx_ready expect first. */
#define ASK(reply) {SP_READ, NULL}, {SP_SEND, reply}
#define GREET_EHLO                                                                 \
    {SP_SEND, "220 mx.test ESMTP\r\n"},                                            \
        ASK("250-mx.test hello\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250 8BITMIME\r\n")

static void to_ready(fx *f)
{
    smtp_reply *r = NULL;
    assert_int_equal(client_greeting(f->cl, dl(), &r, &f->e), 0);
    reply_free(r);
    ehlo_caps caps = {0};
    assert_int_equal(client_ehlo(f->cl, "client.test", true, dl(), &r, &caps, NULL, &f->e), 0);
    assert_int_equal(r->code, 250);
    reply_free(r);
    ehlo_caps_free(&caps);
    assert_int_equal(client_get_state(f->cl), CS_READY);
}

/* Start a session and take the greeting (a 2xx). */
static void fx_greeted(fx *f, const step *script)
{
    fx_start(f, script, false);
    smtp_reply *r = NULL;
    assert_int_equal(client_greeting(f->cl, dl(), &r, &f->e), 0);
    reply_free(r);
}

/* Start a session and bring it to CS_READY (script starts with GREET_EHLO). */
static void fx_ready(fx *f, const step *script)
{
    fx_start(f, script, false);
    to_ready(f);
}

/* End the session; the peer must have received exactly want. */
static void fx_end_log(fx *f, const char *want)
{
    fx_stop(f);
    assert_string_equal(f->p->log, want);
    fx_free(f);
}

static void command_ok(fx *f, const char *line, int code)
{
    smtp_reply *r = NULL;
    assert_int_equal(client_command(f->cl, line, dl(), &r, &f->e), 0);
    assert_non_null(r);
    assert_int_equal(r->code, code);
    reply_free(r);
}

static void command_refused(fx *f, const char *line, err_class cls)
{
    smtp_reply *r = (smtp_reply *)1;
    err_clear(&f->e);
    assert_int_equal(client_command(f->cl, line, dl(), &r, &f->e), -1);
    assert_null(r);
    assert_int_equal(f->e.cls, cls);
}

/* ------------------------------------------------------------ tests */

static void greeting_slow_and_multiline_ehlo(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND_SLOW, "220 mx.test ESMTP ready\r\n"},
        {SP_READ, NULL},
        {SP_SEND_SLOW, "250-mx.test hello\r\n250-PIPELINING\r\n"},
        {SP_SEND, "250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"},
        ASK("221 2.0.0 bye\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_start(&f, script, false);
    smtp_reply *r = NULL;
    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), 0);
    assert_int_equal(r->code, 220);
    assert_string_equal(r->lines[0], "mx.test ESMTP ready");
    reply_free(r);
    assert_int_equal(client_get_state(f.cl), CS_GREETED);

    ehlo_caps caps = {0};
    bool helo = true;
    assert_int_equal(client_ehlo(f.cl, "client.test", true, dl(), &r, &caps, &helo, &f.e), 0);
    assert_false(helo);
    assert_int_equal(r->code, 250);
    assert_int_equal(r->n_lines, 5);
    assert_true(caps.starttls);
    assert_true(caps.pipelining);
    assert_int_equal(caps.n_auth, 2);
    reply_free(r);
    ehlo_caps_free(&caps);
    assert_int_equal(client_get_state(f.cl), CS_READY);

    command_ok(&f, "QUIT", 221);
    assert_int_equal(client_get_state(f.cl), CS_QUIT);
    assert_string_equal(client_state_trace(f.cl), "CONNECTED>GREETED>READY>QUIT");
    command_refused(&f, "NOOP", ERRC_INTERNAL);

    /* The wire record: one event per line, in order, with directions. */
    assert_int_equal(f.t->n, 9);
    assert_int_equal(f.t->ev[0].dir, TR_RECV);
    assert_string_equal(f.t->ev[0].line, "220 mx.test ESMTP ready");
    assert_int_equal(f.t->ev[1].dir, TR_SEND);
    assert_string_equal(f.t->ev[1].line, "EHLO client.test");
    assert_string_equal(f.t->ev[6].line, "250 8BITMIME");
    assert_string_equal(f.t->ev[7].line, "QUIT");
    for (size_t i = 1; i < f.t->n; i++)
        assert_true(f.t->ev[i].ms >= f.t->ev[i - 1].ms);

    fx_end_log(&f, "EHLO client.test\r\nQUIT\r\n");
}

static void ehlo_502_falls_back_to_helo(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220 old.test\r\n"},
        ASK("502 5.5.2 command not implemented\r\n"),
        ASK("250 old.test\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_greeted(&f, script);
    smtp_reply *r = NULL;
    ehlo_caps caps = {0};
    bool helo = false;
    assert_int_equal(client_ehlo(f.cl, "client.test", true, dl(), &r, &caps, &helo, &f.e), 0);
    assert_true(helo);
    assert_int_equal(r->code, 250);
    assert_int_equal(caps.n_lines, 0);
    assert_false(caps.starttls);
    reply_free(r);
    ehlo_caps_free(&caps);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    fx_end_log(&f, "EHLO client.test\r\nHELO client.test\r\n");
}

static void ehlo_refused_without_fallback(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220 old.test\r\n"},
        ASK("502 5.5.2 no\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_greeted(&f, script);
    smtp_reply *r = NULL;
    bool helo = true;
    assert_int_equal(client_ehlo(f.cl, "client.test", false, dl(), &r, NULL, &helo, &f.e), 0);
    assert_false(helo);
    assert_int_equal(r->code, 502);
    reply_free(r);
    assert_int_equal(client_get_state(f.cl), CS_GREETED);
    fx_end_log(&f, "EHLO client.test\r\n");
}

static void peer_closes_mid_reply(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220 mx.test\r\n"},
        ASK("250-mx.test hello\r\n250-PIPEL"),
        {SP_CLOSE, NULL},
        {SP_END, NULL},
    };
    fx f;
    fx_greeted(&f, script);
    ehlo_caps caps = {0};
    smtp_reply *r = (smtp_reply *)1;   /* must be cleared on failure */
    assert_int_equal(client_ehlo(f.cl, "c.test", true, dl(), &r, &caps, NULL, &f.e), -1);
    assert_null(r);
    assert_int_equal(f.e.cls, ERRC_CLOSED);
    assert_int_equal(client_get_state(f.cl), CS_BROKEN);
    /* The partial line is in the record, then why it ended. */
    assert_int_equal(tr_count(f.t, TR_RECV, "250-PIPEL"), 1);
    assert_int_equal(tr_count(f.t, TR_INFO, "connection closed by server"), 1);
    command_refused(&f, "QUIT", ERRC_INTERNAL);
    assert_string_equal(client_state_trace(f.cl), "CONNECTED>GREETED>BROKEN");
    fx_free(&f);
}

static void peer_closes_before_greeting(void **state)
{
    (void)state;
    static const step script[] = {{SP_CLOSE, NULL}, {SP_END, NULL}};
    fx f;
    fx_start(&f, script, false);
    smtp_reply *r = NULL;
    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_CLOSED);
    assert_string_equal(f.e.msg, "connection closed by server");
    assert_int_equal(tr_count(f.t, TR_INFO, "connection closed by server"), 1);
    fx_free(&f);
}

static void silent_peer_times_out(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220 mx.test\r\n"},
        {SP_READ, NULL},
        {SP_END, NULL}, /* never answers EHLO */
    };
    fx f;
    fx_greeted(&f, script);
    smtp_reply *r = NULL;
    int64_t t0 = clock_now_ms();
    assert_int_equal(
        client_ehlo(f.cl, "c.test", true, clock_deadline_in(300), &r, NULL, NULL, &f.e), -1);
    int64_t took = clock_now_ms() - t0;
    assert_int_equal(f.e.cls, ERRC_TIMEOUT);
    assert_true(took >= 250);
    assert_true(took < 3000);
    assert_int_equal(client_get_state(f.cl), CS_BROKEN);
    assert_int_equal(tr_count(f.t, TR_INFO, "timed out after"), 1);
    assert_int_equal(tr_count(f.t, TR_INFO, "waiting for a reply"), 1);
    fx_free(&f);
}

static void overlong_line_is_cut(void **state)
{
    (void)state;
    static char greet[3100];
    memcpy(greet, "220 ", 4);
    memset(greet + 4, 'a', 3000);
    memcpy(greet + 3004, "\r\n", 3);
    const step script[] = {{SP_SEND, greet}, {SP_END, NULL}};
    fx f;
    fx_start(&f, script, false);
    smtp_reply *r = NULL;
    /* Let the whole line arrive so the note can give its length. */
    nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_TOO_LONG);
    assert_int_equal(f.t->n, 2);
    assert_int_equal(f.t->ev[0].dir, TR_RECV);
    assert_int_equal(strlen(f.t->ev[0].line), 200);
    assert_int_equal(f.t->ev[1].dir, TR_INFO);
    assert_non_null(strstr(f.t->ev[1].line, "(3004 bytes"));
    fx_free(&f);
}

static void bare_lf_noted_once(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220-mx.test\n220 ready\n"},
        ASK("250 hi\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_start(&f, script, false);
    smtp_reply *r = NULL;
    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), 0);
    assert_int_equal(r->n_lines, 2);
    reply_free(r);
    command_ok(&f, "EHLO c.test", 250);
    assert_int_equal(tr_count(f.t, TR_INFO, "bare LF"), 1);
    fx_free(&f);
}

static void malformed_reply_breaks(void **state)
{
    (void)state;
    static const step script[] = {{SP_SEND, "hello there\r\n"}, {SP_END, NULL}};
    fx f;
    fx_start(&f, script, false);
    smtp_reply *r = NULL;
    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_PROTOCOL);
    assert_int_equal(client_get_state(f.cl), CS_BROKEN);
    assert_int_equal(tr_count(f.t, TR_RECV, "hello there"), 1);
    assert_int_equal(tr_count(f.t, TR_INFO, "malformed reply"), 1);
    fx_free(&f);
}

static void peer_bytes_are_escaped(void **state)
{
    (void)state;
    static const step script[] = {{SP_SEND, "220 hi\x1b[2J\x07 there\r\n"}, {SP_END, NULL}};
    fx f;
    fx_greeted(&f, script);
    assert_string_equal(f.t->ev[0].line, "220 hi\\x1B[2J\\x07 there");
    fx_free(&f);
}

static void command_injection_refused(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        ASK("221 bye\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    size_t before = f.t->n;
    command_refused(&f, "MAIL FROM:<a>\r\nRCPT TO:<b>", ERRC_LOCAL_INPUT);
    command_refused(&f, "MAIL FROM:<a>\nRCPT TO:<b>", ERRC_LOCAL_INPUT);
    command_refused(&f, "MAIL FROM:<a>\r", ERRC_LOCAL_INPUT);
    assert_int_equal(f.t->n, before); /* nothing recorded: nothing sent */
    assert_int_equal(client_get_state(f.cl), CS_READY);
    command_ok(&f, "QUIT", 221);
    fx_end_log(&f, "EHLO client.test\r\nQUIT\r\n");
}

static void state_misuse_refused(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220 mx.test\r\n"},
        ASK("250 mx.test\r\n"), /* EHLO */
        ASK("250 2.1.0 ok\r\n"), /* MAIL */
        ASK("550 5.1.1 no such user\r\n"), /* RCPT refused */
        ASK("250 2.1.5 ok\r\n"), /* RCPT accepted */
        ASK("250 2.0.0 ok\r\n"), /* RSET */
        {SP_END, NULL},
    };
    fx f;
    fx_start(&f, script, false);
    smtp_reply *r = NULL, *r2 = NULL;

    /* Before the greeting only QUIT may go out. */
    command_refused(&f, "NOOP", ERRC_INTERNAL);
    command_refused(&f, "EHLO c.test", ERRC_INTERNAL);
    assert_int_equal(client_ehlo(f.cl, "c.test", true, dl(), &r, NULL, NULL, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_INTERNAL);

    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), 0);
    reply_free(r);
    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), -1); /* only once */

    /* Greeted, not yet EHLO'd. */
    command_refused(&f, "MAIL FROM:<a@b.test>", ERRC_INTERNAL);
    command_refused(&f, "rcpt TO:<a@b.test>", ERRC_INTERNAL);
    command_refused(&f, "AUTH PLAIN AAAA", ERRC_INTERNAL);
    err_clear(&f.e);
    sasl_creds cr = {.user = "u", .pass = "p"};
    assert_int_equal(client_auth(f.cl, sasl_find("PLAIN"), &cr, dl(), &r, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_INTERNAL);
    assert_int_equal(client_starttls(f.cl, NULL, NULL, dl(), &r, NULL, NULL, NULL, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_INTERNAL);

    command_ok(&f, "EHLO c.test", 250);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    /* Verbs with their own functions are refused through client_command. */
    command_refused(&f, "DATA", ERRC_INTERNAL);
    command_refused(&f, "StartTLS", ERRC_INTERNAL);
    command_refused(&f, "RCPT TO:<a@b.test>", ERRC_INTERNAL);
    assert_int_equal(client_data(f.cl, "x", 1, dl(), &r, &r2, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_INTERNAL);
    assert_null(r);
    assert_null(r2);
    assert_int_equal(client_tls_implicit(f.cl, NULL, NULL, dl(), NULL, NULL, &f.e), -1);

    command_ok(&f, "mail FROM:<a@b.test>", 250);
    assert_int_equal(client_get_state(f.cl), CS_MAIL);
    command_refused(&f, "MAIL FROM:<a@b.test>", ERRC_INTERNAL); /* nested transaction */
    command_ok(&f, "RCPT TO:<nobody@b.test>", 550);
    assert_int_equal(client_get_state(f.cl), CS_MAIL);
    assert_int_equal(client_data(f.cl, "x", 1, dl(), &r, &r2, &f.e), -1); /* no RCPT yet */
    command_ok(&f, "RCPT TO:<someone@b.test>", 250);
    assert_int_equal(client_get_state(f.cl), CS_RCPT);
    command_ok(&f, "RSET", 250);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    assert_string_equal(client_state_trace(f.cl), "CONNECTED>GREETED>READY>MAIL>RCPT>READY");

    fx_end_log(&f, "EHLO c.test\r\nmail FROM:<a@b.test>\r\n"
                   "RCPT TO:<nobody@b.test>\r\nRCPT TO:<someone@b.test>\r\n"
                   "RSET\r\n");
}

/* MAIL FROM:<a@b.test> and RCPT TO:<c@d.test>, both accepted (the script
 * has MAIL_RCPT_OK for them). */
#define MAIL_RCPT_OK ASK("250 ok\r\n"), ASK("250 ok\r\n")

static void mail_rcpt(fx *f)
{
    command_ok(f, "MAIL FROM:<a@b.test>", 250);
    command_ok(f, "RCPT TO:<c@d.test>", 250);
}

static void data_is_dot_stuffed(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        MAIL_RCPT_OK,
        ASK("354 go ahead\r\n"),
        {SP_READ_DATA, NULL},
        {SP_SEND, "250 2.0.0 queued as X\r\n"},
        ASK("221 bye\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    mail_rcpt(&f);
    const char *msg = "Subject: t\n\n.hidden\nline2\r\n..two\n.";
    smtp_reply *dr = NULL, *r = NULL;
    assert_int_equal(client_data(f.cl, msg, strlen(msg), dl(), &dr, &r, &f.e), 0);
    assert_int_equal(dr->code, 354);
    assert_int_equal(r->code, 250);
    reply_free(dr);
    reply_free(r);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    command_ok(&f, "QUIT", 221);
    assert_string_equal(client_state_trace(f.cl),
                        "CONNECTED>GREETED>READY>MAIL>RCPT>DATA>READY>QUIT");
    /* The body is summarised, not copied into the transcript. */
    assert_int_equal(tr_count(f.t, TR_SEND, "<message: "), 1);
    assert_int_equal(tr_count(f.t, TR_SEND, " 6 lines>"), 1);
    assert_false(tr_any(f.t, "hidden"));
    fx_end_log(&f, "EHLO client.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n"
                   "DATA\r\nSubject: t\r\n\r\n..hidden\r\nline2\r\n...two\r\n..\r\n.\r\n"
                   "QUIT\r\n");
}

static void data_refused(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        MAIL_RCPT_OK,
        ASK("554 5.5.1 no valid recipients\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    mail_rcpt(&f);
    smtp_reply *dr = NULL, *r = NULL;
    assert_int_equal(client_data(f.cl, "body\n", 5, dl(), &dr, &r, &f.e), 0);
    assert_int_equal(dr->code, 554);
    assert_null(r);
    reply_free(dr);
    assert_int_equal(client_get_state(f.cl), CS_RCPT);
    fx_stop(&f);
    /* No body after a refused DATA. */
    assert_null(strstr(f.p->log, "body"));
    fx_free(&f);
}

static void lmtp_one_reply_per_recipient(void **state)
{
    (void)state;
    static const step script[] = {
        {SP_SEND, "220 lmtp.test LMTP\r\n"},
        ASK("250-lmtp.test\r\n250 PIPELINING\r\n"),
        ASK("250 ok\r\n"),
        ASK("250 ok\r\n"),
        ASK("250 ok\r\n"),
        ASK("354 go\r\n"),
        {SP_READ_DATA, NULL},
        {SP_SEND, "250 2.0.0 <a> delivered\r\n452 4.2.2 <b> mailbox full\r\n"},
        {SP_END, NULL},
    };
    fx f;
    fx_start(&f, script, true);
    smtp_reply *r = NULL, *dr = NULL;
    assert_int_equal(client_greeting(f.cl, dl(), &r, &f.e), 0);
    reply_free(r);
    ehlo_caps caps = {0};
    assert_int_equal(client_ehlo(f.cl, "c.test", true, dl(), &r, &caps, NULL, &f.e), 0);
    reply_free(r);
    ehlo_caps_free(&caps);
    command_ok(&f, "MAIL FROM:<>", 250);
    command_ok(&f, "RCPT TO:<a@x.test>", 250);
    command_ok(&f, "RCPT TO:<b@x.test>", 250);
    assert_int_equal(client_data(f.cl, "hi\r\n", 4, dl(), &dr, &r, &f.e), 0);
    assert_int_equal(r->code, 452);
    reply_free(r);
    reply_free(dr);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    fx_stop(&f);
    assert_int_equal(strncmp(f.p->log, "LHLO c.test\r\n", 13), 0);
    fx_free(&f);
}

/* ---- AUTH ---- */

#define PASS "s3cret!"
#define PASS_B64 "czNjcmV0IQ=="
#define PLAIN_B64 "AGFsaWNlAHMzY3JldCE=" /* "\0alice\0s3cret!" */

static void assert_no_secret(const transcript *t)
{
    assert_false(tr_any(t, PASS));
    assert_false(tr_any(t, PASS_B64));
    assert_false(tr_any(t, PLAIN_B64));
}

/* AUTH as user with mech: client_auth must return rc and leave the final
 * reply, with the given code. */
static void auth_expect(fx *f, const sasl_mech *mech, const char *user, const char *pass, int rc,
                        int code)
{
    sasl_creds cr = {.user = user, .pass = pass};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, mech, &cr, dl(), &r, &f->e), rc);
    assert_non_null(r);
    assert_int_equal(r->code, code);
    reply_free(r);
}

/* AUTH PLAIN as alice, answered with reply (code): either way the session
 * stays READY and no form of the password reaches the transcript. */
static void auth_plain_answered(fx *f, const char *reply, int code)
{
    const step script[] = {GREET_EHLO, ASK(reply), {SP_END, NULL}};
    fx_ready(f, script);
    auth_expect(f, sasl_find("PLAIN"), "alice", PASS, 0, code);
    assert_int_equal(client_get_state(f->cl), CS_READY);
    assert_no_secret(f->t);
}

static void auth_plain_initial_response(void **state)
{
    (void)state;
    fx f;
    auth_plain_answered(&f, "235 2.7.0 Authentication successful\r\n", 235);
    assert_int_equal(tr_count(f.t, TR_SEND, "AUTH PLAIN " TRANSCRIPT_REDACTED), 1);
    fx_end_log(&f, "EHLO client.test\r\nAUTH PLAIN " PLAIN_B64 "\r\n");
}

static void auth_login_challenges(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        ASK("334 VXNlcm5hbWU6\r\n"),
        ASK("334 UGFzc3dvcmQ6\r\n"),
        ASK("235 2.7.0 ok\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    auth_expect(&f, sasl_find("LOGIN"), "alice", PASS, 0, 235);
    assert_int_equal(tr_count(f.t, TR_SEND, "AUTH LOGIN"), 1);
    assert_int_equal(tr_count(f.t, TR_SEND, TRANSCRIPT_REDACTED), 2);
    assert_no_secret(f.t);
    assert_false(tr_any(f.t, "YWxpY2U=")); /* base64 of the user, also a response */
    fx_end_log(&f, "EHLO client.test\r\nAUTH LOGIN\r\nYWxpY2U=\r\n" PASS_B64 "\r\n");
}

static void auth_cram_md5_rfc2195(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        ASK("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
        ASK("235 ok\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    auth_expect(&f, sasl_find("CRAM-MD5"), "tim", "tanstaaftanstaaf", 0, 235);
    assert_int_equal(tr_count(f.t, TR_SEND, TRANSCRIPT_REDACTED), 1);
    assert_false(tr_any(f.t, "dGltIGI5MTNh"));
    assert_false(tr_any(f.t, "tanstaaf"));
    fx_end_log(&f, "EHLO client.test\r\nAUTH CRAM-MD5\r\n"
                   "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");
}

static void auth_rejected_is_not_an_error(void **state)
{
    (void)state;
    fx f;
    auth_plain_answered(&f, "535 5.7.8 Authentication credentials invalid\r\n", 535);
    fx_free(&f);
}

static void auth_bad_challenge_cancels(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        ASK("334 not*base64!\r\n"),
        ASK("501 5.7.0 cancelled\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    auth_expect(&f, sasl_find("LOGIN"), "alice", PASS, -1, 501);
    assert_int_equal(f.e.cls, ERRC_PROTOCOL);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    assert_no_secret(f.t);
    fx_end_log(&f, "EHLO client.test\r\nAUTH LOGIN\r\n*\r\n");
}

/* A mechanism that answers every challenge with "x", to test the bound. */
static int endless_step(const sasl_creds *cr, void *st, const unsigned char *chal, size_t chal_len,
                        buf *out, err *e)
{
    (void)cr, (void)st, (void)chal, (void)chal_len;
    if (buf_append(out, "x", 1) < 0)
        return err_set(e, ERRC_INTERNAL, "oom");
    return 0;
}

static void auth_endless_challenges_bounded(void **state)
{
    (void)state;
    static const sasl_mech endless = {.name = "XENDLESS", .step = endless_step};
    step script[SCRIPT_PEER_MAX_STEPS] = {GREET_EHLO, {SP_READ, NULL}};
    size_t n = 4;
    for (int i = 0; i < 11; i++) {
        script[n++] = (step){SP_SEND, "334 \r\n"};
        script[n++] = (step){SP_READ, NULL};
    }
    script[n++] = (step){SP_SEND, "501 cancelled\r\n"};
    script[n] = (step){SP_END, NULL};
    fx f;
    fx_ready(&f, script);
    auth_expect(&f, &endless, "u", "p", -1, 501);
    assert_int_equal(f.e.cls, ERRC_PROTOCOL);
    assert_int_equal(tr_count(f.t, TR_SEND, TRANSCRIPT_REDACTED), 10);
    fx_stop(&f);
    assert_true(strlen(f.p->log) > 3);
    assert_string_equal(f.p->log + strlen(f.p->log) - 3, "*\r\n");
    fx_free(&f);
}

/* ---- STARTTLS (an in-process OpenSSL server as the peer) ---- */

static char cert_dir[64];

static int tls_setup(void **state)
{
    (void)state;
    snprintf(cert_dir, sizeof cert_dir, "/tmp/smtpscope-client-XXXXXX");
    if (!mkdtemp(cert_dir))
        return -1;
    char script[1024];
    snprintf(script, sizeof script, "%s/tests/fixtures/mkcerts.sh", SOURCE_DIR);
    if (run_cmd((char *const[]){"bash", script, cert_dir, NULL}) != 0)
        return -1;
    char cert[128], key[128];
    snprintf(cert, sizeof cert, "%s/good.pem", cert_dir);
    snprintf(key, sizeof key, "%s/good.key", cert_dir);
    peer_tls_ctx = SSL_CTX_new(TLS_server_method());
    if (!peer_tls_ctx || SSL_CTX_use_certificate_file(peer_tls_ctx, cert, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(peer_tls_ctx, key, SSL_FILETYPE_PEM) != 1)
        return -1;
    return 0;
}

static int tls_teardown(void **state)
{
    (void)state;
    SSL_CTX_free(peer_tls_ctx);
    peer_tls_ctx = NULL;
    if (cert_dir[0])
        run_cmd((char *const[]){"rm", "-rf", cert_dir, NULL});
    return 0;
}

static tlsconn_ctx *client_tls_ctx(void)
{
    char ca[128];
    snprintf(ca, sizeof ca, "%s/ca.pem", cert_dir);
    err e;
    err_clear(&e);
    tlsconn_ctx *ctx = tlsconn_ctx_new(&(tlsconn_opts){.ca_file = ca}, &e);
    assert_non_null(ctx);
    return ctx;
}

static void starttls_discards_injected_bytes(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        {SP_READ, NULL},
        /* One write: the 220 and an injected reply the client must not read
         * inside TLS (CVE-2011-0411). */
        {SP_SEND, "220 2.0.0 go ahead\r\n250 injected\r\n"},
        {SP_TLS_ACCEPT, NULL},
        ASK("250-mx.test\r\n250 AUTH PLAIN\r\n"),
        ASK("221 bye\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    tlsconn_ctx *ctx = client_tls_ctx();
    smtp_reply *r = NULL;
    size_t discarded = 0;
    tls_info ti = {0};
    tls_failure why = TLSF_OTHER;
    assert_int_equal(
        client_starttls(f.cl, ctx, "localhost", dl(), &r, &discarded, &ti, &why, &f.e), 0);
    assert_int_equal(r->code, 220);
    reply_free(r);
    assert_int_equal(discarded, strlen("250 injected\r\n"));
    assert_int_equal(why, TLSF_NONE);
    assert_true(ti.verified);
    assert_non_null(conn_ssl(client_conn(f.cl)));
    /* RFC 3207 §4.2: EHLO again before anything else. */
    assert_int_equal(client_get_state(f.cl), CS_GREETED);
    command_refused(&f, "MAIL FROM:<a@b.test>", ERRC_INTERNAL);
    ehlo_caps caps = {0};
    assert_int_equal(client_ehlo(f.cl, "client.test", true, dl(), &r, &caps, NULL, &f.e), 0);
    assert_int_equal(caps.n_auth, 1);
    reply_free(r);
    ehlo_caps_free(&caps);
    command_ok(&f, "QUIT", 221);
    assert_string_equal(client_state_trace(f.cl),
                        "CONNECTED>GREETED>READY>GREETED>READY>QUIT");
    assert_int_equal(tr_count(f.t, TR_INFO, "discarded 14 bytes"), 1);
    assert_int_equal(tr_count(f.t, TR_INFO, "CVE-2011-0411"), 1);
    assert_int_equal(tr_count(f.t, TR_INFO, "TLS established: TLSv1."), 1);
    assert_int_equal(tr_count(f.t, TR_INFO, "certificate CN=localhost (verified)"), 1);
    assert_int_equal(tr_count(f.t, TR_RECV, "injected"), 0);
    tls_info_clear(&ti);
    fx_stop(&f);
    assert_string_equal(f.p->log,
                        "EHLO client.test\r\nSTARTTLS\r\nEHLO client.test\r\nQUIT\r\n");
    tlsconn_ctx_free(ctx);
    fx_free(&f);
}

static void starttls_refused_and_handshake_failure(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        ASK("454 4.7.0 TLS not available\r\n"),
        ASK("220 go ahead\r\n"),
        {SP_CLOSE, NULL},
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    tlsconn_ctx *ctx = client_tls_ctx();
    smtp_reply *r = NULL;
    tls_info ti = {0};
    tls_failure why = TLSF_NONE;
    /* Refused: 0 with the reply, no handshake, still READY. */
    assert_int_equal(client_starttls(f.cl, ctx, "localhost", dl(), &r, NULL, &ti, &why, &f.e),
                     0);
    assert_int_equal(r->code, 454);
    reply_free(r);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    /* Accepted, then the peer hangs up instead of handshaking. */
    assert_int_equal(client_starttls(f.cl, ctx, "localhost", dl(), &r, NULL, &ti, &why, &f.e),
                     -1);
    assert_non_null(r);
    assert_int_equal(r->code, 220);
    reply_free(r);
    assert_int_not_equal(why, TLSF_NONE);
    assert_int_equal(client_get_state(f.cl), CS_BROKEN);
    assert_int_equal(tr_count(f.t, TR_INFO, "TLS handshake failed"), 1);
    tls_info_clear(&ti);
    tlsconn_ctx_free(ctx);
    fx_free(&f);
}

/* ---- pipelining (RFC 2920) ---- */

static void pipeline_group_and_transcript(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        {SP_READ, NULL},
        {SP_READ, NULL},
        {SP_READ, NULL},
        ASK("250 2.1.0 ok\r\n550 5.1.1 unknown\r\n250 2.1.5 ok\r\n354 go\r\n"),
        {SP_READ_DATA, NULL},
        {SP_SEND, "250 2.0.0 queued as X\r\n"},
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    const char *lines[] = {"MAIL FROM:<a@b.test>", "RCPT TO:<x@d.test>", "RCPT TO:<y@d.test>",
                           "DATA"};
    smtp_reply *rep[4] = {0};
    size_t got = 0;
    assert_int_equal(client_pipeline(f.cl, lines, 4, dl(), rep, &got, &f.e), 0);
    assert_int_equal(got, 4);
    assert_int_equal(rep[1]->code, 550);
    assert_int_equal(rep[3]->code, 354);
    assert_int_equal(client_get_state(f.cl), CS_DATA);
    smtp_reply **fin = NULL;
    size_t nf = 0;
    assert_int_equal(client_data_send(f.cl, "hi\n", 3, dl(), &fin, &nf, &f.e), 0);
    assert_int_equal(nf, 1);
    assert_int_equal(fin[0]->code, 250);
    client_replies_free(fin, nf);
    for (size_t i = 0; i < got; i++)
        reply_free(rep[i]);
    assert_string_equal(client_state_trace(f.cl), "CONNECTED>GREETED>READY>MAIL>RCPT>DATA>READY");
    /* Each command is followed by the reply matched to it. */
    size_t i = 0;
    while (i < f.t->n && strcmp(f.t->ev[i].line, "RCPT TO:<x@d.test>") != 0)
        i++;
    assert_true(i + 2 < f.t->n);
    assert_int_equal(f.t->ev[i + 1].dir, TR_RECV);
    assert_string_equal(f.t->ev[i + 1].line, "550 5.1.1 unknown");
    assert_string_equal(f.t->ev[i + 2].line, "RCPT TO:<y@d.test>");
    assert_int_equal(tr_count(f.t, TR_INFO, "pipelining (RFC 2920): 4 commands"), 1);
    fx_end_log(&f, "EHLO client.test\r\nMAIL FROM:<a@b.test>\r\nRCPT "
                   "TO:<x@d.test>\r\nRCPT TO:<y@d.test>\r\nDATA\r\nhi\r\n.\r\n");
}

static void pipeline_checked_before_writing(void **state)
{
    (void)state;
    static const step script[] = {GREET_EHLO, {SP_END, NULL}};
    fx f;
    fx_ready(&f, script);
    smtp_reply *rep[4] = {0};
    size_t got = 0;
    const char *data_first[] = {"DATA", "MAIL FROM:<a@b.test>"};
    assert_int_equal(client_pipeline(f.cl, data_first, 2, dl(), rep, &got, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_INTERNAL);
    const char *rcpt_first[] = {"RCPT TO:<x@d.test>"};
    assert_int_equal(client_pipeline(f.cl, rcpt_first, 1, dl(), rep, &got, &f.e), -1);
    const char *ehlo[] = {"MAIL FROM:<a@b.test>", "EHLO again"};
    assert_int_equal(client_pipeline(f.cl, ehlo, 2, dl(), rep, &got, &f.e), -1);
    const char *inject[] = {"MAIL FROM:<a@b.test>", "RCPT TO:<x@d.test>\r\nRSET"};
    err_clear(&f.e);
    assert_int_equal(client_pipeline(f.cl, inject, 2, dl(), rep, &got, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_LOCAL_INPUT);
    assert_int_equal(got, 0);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    fx_stop(&f);
    assert_string_equal(f.p->log, "EHLO client.test\r\n");   /* nothing else written */
    fx_free(&f);
}

static void pipeline_misfit(const char *replies, size_t want_got)
{
    const step script[] = {
        GREET_EHLO,
        {SP_READ, NULL},
        {SP_READ, NULL},
        ASK(replies),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    const char *lines[] = {"MAIL FROM:<a@b.test>", "RCPT TO:<x@d.test>", "DATA"};
    smtp_reply *rep[3] = {0};
    size_t got = 0;
    assert_int_equal(client_pipeline(f.cl, lines, 3, dl(), rep, &got, &f.e), -1);
    assert_int_equal(f.e.cls, ERRC_PROTOCOL);
    assert_int_equal(got, want_got);
    assert_int_equal(client_get_state(f.cl), CS_BROKEN);
    for (size_t i = 0; i < got; i++)
        reply_free(rep[i]);
    fx_free(&f);
}

static void pipeline_misfits_break(void **state)
{
    (void)state;
    pipeline_misfit("354 go\r\n250 ok\r\n250 ok\r\n", 0);               /* 354 to MAIL */
    pipeline_misfit("250 2.1.5 ok\r\n250 2.1.0 ok\r\n354 go\r\n", 0);   /* RCPT's first */
    pipeline_misfit("250 ok\r\n250 ok\r\n250 ok\r\n", 2);               /* 2xx to DATA */
    pipeline_misfit("250 ok\r\n250 ok\r\n354 go\r\n250 extra\r\n", 3);  /* too many */
}

static void pipeline_lone_dot_without_recipients(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        {SP_READ, NULL},
        {SP_READ, NULL},
        ASK("250 ok\r\n550 no\r\n354 go\r\n"),
        ASK("554 5.5.1 No valid recipients\r\n"),
        {SP_END, NULL},
    };
    fx f;
    fx_ready(&f, script);
    const char *lines[] = {"MAIL FROM:<a@b.test>", "RCPT TO:<x@d.test>", "DATA"};
    smtp_reply *rep[3] = {0};
    size_t got = 0;
    assert_int_equal(client_pipeline(f.cl, lines, 3, dl(), rep, &got, &f.e), 0);
    assert_int_equal(client_get_state(f.cl), CS_DATA);
    smtp_reply *r = NULL;
    assert_int_equal(client_data_cancel(f.cl, dl(), &r, &f.e), 0);
    assert_int_equal(r->code, 554);
    reply_free(r);
    for (size_t i = 0; i < got; i++)
        reply_free(rep[i]);
    assert_int_equal(client_get_state(f.cl), CS_READY);
    fx_stop(&f);
    assert_non_null(strstr(f.p->log, "DATA\r\n.\r\n"));
    fx_free(&f);
}

int main(void)
{
    /* The in-process TLS peer uses OpenSSL's plain socket BIO, which may write
     * (session tickets, alerts) after the client hung up. The library itself
     * never raises SIGPIPE (MSG_NOSIGNAL everywhere); this is test-peer code. */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greeting_slow_and_multiline_ehlo),
        cmocka_unit_test(ehlo_502_falls_back_to_helo),
        cmocka_unit_test(ehlo_refused_without_fallback),
        cmocka_unit_test(peer_closes_mid_reply),
        cmocka_unit_test(peer_closes_before_greeting),
        cmocka_unit_test(silent_peer_times_out),
        cmocka_unit_test(overlong_line_is_cut),
        cmocka_unit_test(bare_lf_noted_once),
        cmocka_unit_test(malformed_reply_breaks),
        cmocka_unit_test(peer_bytes_are_escaped),
        cmocka_unit_test(command_injection_refused),
        cmocka_unit_test(state_misuse_refused),
        cmocka_unit_test(data_is_dot_stuffed),
        cmocka_unit_test(data_refused),
        cmocka_unit_test(lmtp_one_reply_per_recipient),
        cmocka_unit_test(pipeline_group_and_transcript),
        cmocka_unit_test(pipeline_checked_before_writing),
        cmocka_unit_test(pipeline_misfits_break),
        cmocka_unit_test(pipeline_lone_dot_without_recipients),
        cmocka_unit_test(auth_plain_initial_response),
        cmocka_unit_test(auth_login_challenges),
        cmocka_unit_test(auth_cram_md5_rfc2195),
        cmocka_unit_test(auth_rejected_is_not_an_error),
        cmocka_unit_test(auth_bad_challenge_cancels),
        cmocka_unit_test(auth_endless_challenges_bounded),
    };
    const struct CMUnitTest tls_tests[] = {
        cmocka_unit_test(starttls_discards_injected_bytes),
        cmocka_unit_test(starttls_refused_and_handshake_failure),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    failed += cmocka_run_group_tests(tls_tests, tls_setup, tls_teardown);
    return failed;
}
