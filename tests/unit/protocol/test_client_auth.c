/* test_client_auth.c — client_auth (src/protocol/client.c) driving the SCRAM
 * and OAuth mechanisms over a socketpair, against a scripted peer.
 *
 * test_client.c covers the AUTH framing with PLAIN, LOGIN and CRAM-MD5;
 * this file covers what the multi-step mechanisms add: the SCRAM server
 * signature checked even when the server then says 235, the OAuth error
 * dance (the empty or ^A answer to a JSON error challenge, the status in
 * the error), and that the transcript never holds a response, a proof or a
 * token. The SCRAM exchanges are RFC 7677 §3's, with its fixed nonce. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "protocol/auth/sasl.h"
#include "protocol/client.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "transport/conn.h"

/* ------------------------------------------------------------ scripted peer */

enum op { P_END = 0, P_READ, P_SEND };

typedef struct step {
    enum op op;
    const char *s;
} step;

#define MAX_STEPS 32
#define LOG_MAX 16384

typedef struct peer {
    int fd;
    const step *script;
    char log[LOG_MAX];
    size_t len;
    pthread_t th;
} peer;

static bool getc_logged(peer *p)
{
    char ch;
    if (read(p->fd, &ch, 1) != 1)
        return false;
    if (p->len + 1 < LOG_MAX)
        p->log[p->len++] = ch;
    return true;
}

static void *peer_main(void *arg)
{
    peer *p = arg;
    for (const step *s = p->script; s->op != P_END; s++) {
        if (s->op == P_READ) {
            do {
                if (!getc_logged(p))
                    goto done;
            } while (p->log[p->len - 1] != '\n');
        } else if (send(p->fd, s->s, strlen(s->s), MSG_NOSIGNAL) != (ssize_t)strlen(s->s)) {
            goto done;
        }
    }
    while (getc_logged(p))
        ;
done:
    close(p->fd);
    return NULL;
}

typedef struct fx {
    peer p;
    transcript *t;
    smtp_client *cl;
    err e;
} fx;

#define GREET_EHLO                                                       \
    {P_SEND, "220 mx.test ESMTP\r\n"}, {P_READ, NULL},                 \
        {P_SEND, "250-mx.test\r\n250 AUTH SCRAM-SHA-256 OAUTHBEARER\r\n"}

static int64_t dl(void)
{
    return clock_deadline_in(5000);
}

static fx *fx_start(const step *script)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->p.script = script;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    f->p.fd = sv[1];
    assert_int_equal(pthread_create(&f->p.th, NULL, peer_main, &f->p), 0);
    f->t = transcript_new(clock_now_ms());
    client_opts o = {.lmtp = false};
    f->cl = client_new(conn_from_fd(sv[0]), f->t, &o);
    assert_non_null(f->cl);
    err_clear(&f->e);
    smtp_reply *r = NULL;
    assert_int_equal(client_greeting(f->cl, dl(), &r, &f->e), 0);
    reply_free(r);
    ehlo_caps caps = {0};
    assert_int_equal(client_ehlo(f->cl, "client.test", false, dl(), &r, &caps, NULL, &f->e), 0);
    reply_free(r);
    ehlo_caps_free(&caps);
    return f;
}

/* Close the client and wait for the peer: the log is then complete. */
static void fx_stop(fx *f)
{
    client_free(f->cl);
    f->cl = NULL;
    pthread_join(f->p.th, NULL);
    f->p.log[f->p.len] = '\0';
}

static void fx_free(fx *f)
{
    if (f->cl)
        fx_stop(f);
    transcript_free(f->t);
    free(f);
}

static bool tr_any(const transcript *t, const char *s)
{
    for (size_t i = 0; i < t->n; i++)
        if (strstr(t->ev[i].line, s))
            return true;
    return false;
}

static size_t tr_count(const transcript *t, tr_dir d, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].dir == d && strcmp(t->ev[i].line, s) == 0)
            n++;
    return n;
}

/* Every line we sent after EHLO shows as <redacted> (or the bare AUTH
 * line, or the cancel): nothing of the exchange's content. */
static void assert_sends_redacted(const transcript *t, const char *auth_line)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->ev[i].dir != TR_SEND || strncmp(t->ev[i].line, "EHLO", 4) == 0)
            continue;
        const char *l = t->ev[i].line;
        if (strcmp(l, TRANSCRIPT_REDACTED) != 0 && strcmp(l, auth_line) != 0 &&
            strcmp(l, "*") != 0)
            fail_msg("transcript shows a sent line \"%s\"", l);
    }
}

/* ------------------------------------------------------------ SCRAM */

#define NONCE "rOprNGfwEbeRWgbNEkqO"
/* base64 of "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" */
#define C_FIRST "biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8="
/* base64 of "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096" */
#define S_FIRST                                                                            \
    "cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBT" \
    "Tlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY="
/* base64 of the client-final with p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ= */
#define C_FINAL                                                                            \
    "Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1k" \
    "SHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ=="
/* base64 of "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" */
#define S_FINAL "dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ=="
/* base64 of "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" (one byte off) */
#define S_FINAL_BAD "dj03cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ=="

static int reset_nonce(void **state)
{
    (void)state;
    sasl_scram_test_nonce(NULL);
    return 0;
}

static void scram_sha256_full_exchange(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "334 " S_FIRST "\r\n"},
        {P_READ, NULL}, {P_SEND, "334 " S_FINAL "\r\n"},
        {P_READ, NULL}, {P_SEND, "235 2.7.0 Authentication successful\r\n"},
        {P_END, NULL},
    };
    sasl_scram_test_nonce(NONCE);
    fx *f = fx_start(script);
    sasl_creds cr = {.user = "user", .pass = "pencil"};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, sasl_find("SCRAM-SHA-256"), &cr, dl(), &r, &f->e), 0);
    assert_int_equal(r->code, 235);
    reply_free(r);
    assert_int_equal(client_get_state(f->cl), CS_READY);
    assert_int_equal(tr_count(f->t, TR_SEND, "AUTH SCRAM-SHA-256 " TRANSCRIPT_REDACTED), 1);
    assert_int_equal(tr_count(f->t, TR_SEND, TRANSCRIPT_REDACTED), 2);
    assert_sends_redacted(f->t, "AUTH SCRAM-SHA-256 " TRANSCRIPT_REDACTED);
    assert_false(tr_any(f->t, C_FIRST));
    assert_false(tr_any(f->t, "Yz1iaXdz"));  /* the client-final */
    assert_false(tr_any(f->t, "pencil"));
    fx_stop(f);
    assert_string_equal(f->p.log, "EHLO client.test\r\nAUTH SCRAM-SHA-256 " C_FIRST "\r\n" C_FINAL
                                  "\r\n\r\n");
    fx_free(f);
}

static void scram_wrong_server_signature_cancels(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "334 " S_FIRST "\r\n"},
        {P_READ, NULL}, {P_SEND, "334 " S_FINAL_BAD "\r\n"},
        {P_READ, NULL}, {P_SEND, "501 5.7.0 cancelled\r\n"},
        {P_END, NULL},
    };
    sasl_scram_test_nonce(NONCE);
    fx *f = fx_start(script);
    sasl_creds cr = {.user = "user", .pass = "pencil"};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, sasl_find("SCRAM-SHA-256"), &cr, dl(), &r, &f->e), -1);
    assert_int_equal(f->e.cls, ERRC_INSECURE);
    assert_non_null(strstr(f->e.msg, "could not prove it knows the password"));
    assert_non_null(strstr(f->e.msg, "possible MITM"));
    assert_non_null(r);
    assert_int_equal(r->code, 501);
    reply_free(r);
    assert_int_equal(client_get_state(f->cl), CS_READY);
    fx_stop(f);
    assert_string_equal(f->p.log, "EHLO client.test\r\nAUTH SCRAM-SHA-256 " C_FIRST "\r\n" C_FINAL
                                  "\r\n*\r\n");
    fx_free(f);
}

static void scram_235_without_signature_fails(void **state)
{
    (void)state;
    /* A server (or a man in the middle who does not know the password)
     * skips the server-final and says 235 at once. */
    static const step script[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "334 " S_FIRST "\r\n"},
        {P_READ, NULL}, {P_SEND, "235 2.7.0 Authentication successful\r\n"},
        {P_END, NULL},
    };
    sasl_scram_test_nonce(NONCE);
    fx *f = fx_start(script);
    sasl_creds cr = {.user = "user", .pass = "pencil"};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, sasl_find("SCRAM-SHA-256"), &cr, dl(), &r, &f->e), -1);
    assert_int_equal(f->e.cls, ERRC_INSECURE);
    assert_non_null(strstr(f->e.msg, "possible MITM"));
    assert_non_null(r);
    assert_int_equal(r->code, 235);
    reply_free(r);
    assert_true(tr_any(f->t, "possible MITM"));  /* an info line says why */
    fx_free(f);
}

static void scram_server_error_then_535(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "334 " S_FIRST "\r\n"},
        {P_READ, NULL}, {P_SEND, "334 ZT1pbnZhbGlkLXByb29m\r\n"},  /* e=invalid-proof */
        {P_READ, NULL}, {P_SEND, "535 5.7.8 Authentication credentials invalid\r\n"},
        {P_END, NULL},
    };
    sasl_scram_test_nonce(NONCE);
    fx *f = fx_start(script);
    sasl_creds cr = {.user = "user", .pass = "pencil"};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, sasl_find("SCRAM-SHA-256"), &cr, dl(), &r, &f->e), 0);
    assert_int_equal(r->code, 535);
    reply_free(r);
    assert_int_equal(f->e.cls, ERRC_REJECTED);
    assert_non_null(strstr(f->e.msg, "invalid-proof"));
    fx_stop(f);
    assert_string_equal(f->p.log, "EHLO client.test\r\nAUTH SCRAM-SHA-256 " C_FIRST "\r\n" C_FINAL
                                  "\r\n\r\n");
    fx_free(f);
}

/* ------------------------------------------------------------ OAuth */

#define TOKEN "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
/* base64 of {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"} */
#define JSON_401                                                                           \
    "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xl" \
    "LmNvbS8ifQ=="

static void xoauth2_error_dance(void **state)
{
    (void)state;
    static const step script[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "334 " JSON_401 "\r\n"},
        {P_READ, NULL}, {P_SEND, "535 5.7.8 Username and Password not accepted\r\n"},
        {P_END, NULL},
    };
    fx *f = fx_start(script);
    sasl_creds cr = {.user = "someuser@example.com", .token = TOKEN};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, sasl_find("XOAUTH2"), &cr, dl(), &r, &f->e), 0);
    assert_int_equal(r->code, 535);
    reply_free(r);
    assert_int_equal(f->e.cls, ERRC_REJECTED);
    assert_int_equal(f->e.smtp_code, 535);
    assert_non_null(strstr(f->e.msg, "status \"401\""));
    assert_true(tr_any(f->t, "status \"401\""));
    assert_sends_redacted(f->t, "AUTH XOAUTH2 " TRANSCRIPT_REDACTED);
    assert_false(tr_any(f->t, TOKEN));
    assert_false(tr_any(f->t, "dXNlcj1zb21ldXNlckBleGFtcGxl"));
    fx_stop(f);
    /* The error challenge gets an empty line. */
    assert_string_equal(f->p.log,
                        "EHLO client.test\r\nAUTH XOAUTH2 "
                        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRj"
                        "Mk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n\r\n");
    fx_free(f);
}

static void oauthbearer_ok_and_error(void **state)
{
    (void)state;
    static const step ok[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "235 2.7.0 Accepted\r\n"},
        {P_END, NULL},
    };
    fx *f = fx_start(ok);
    sasl_creds cr = {.user = "u@example.com", .token = TOKEN};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, sasl_find("OAUTHBEARER"), &cr, dl(), &r, &f->e), 0);
    assert_int_equal(r->code, 235);
    reply_free(r);
    assert_int_equal(f->e.cls, ERRC_OK);
    assert_sends_redacted(f->t, "AUTH OAUTHBEARER " TRANSCRIPT_REDACTED);
    assert_false(tr_any(f->t, TOKEN));
    fx_free(f);

    static const step refused[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "334 " JSON_401 "\r\n"},
        {P_READ, NULL}, {P_SEND, "535 5.7.8 no\r\n"},
        {P_END, NULL},
    };
    f = fx_start(refused);
    assert_int_equal(client_auth(f->cl, sasl_find("OAUTHBEARER"), &cr, dl(), &r, &f->e), 0);
    assert_int_equal(r->code, 535);
    reply_free(r);
    assert_non_null(strstr(f->e.msg, "OAUTHBEARER"));
    assert_non_null(strstr(f->e.msg, "401"));
    fx_stop(f);
    /* The error challenge gets a lone 0x01 ("AQ=="). */
    size_t n = strlen(f->p.log);
    assert_true(n > 8);
    assert_string_equal(f->p.log + n - 8, "\r\nAQ==\r\n");
    fx_free(f);
}

static void oauth_token_too_long_for_the_auth_line(void **state)
{
    (void)state;
    /* A multi-kilobyte token (a JWT) makes the initial response too long for
     * the AUTH line: it is sent after the server's empty 334 instead. */
    static char token[3001];
    memset(token, 'A', sizeof token - 1);
    static const step script[] = {
        GREET_EHLO,
        {P_READ, NULL}, {P_SEND, "334 \r\n"},
        {P_READ, NULL}, {P_SEND, "235 ok\r\n"},
        {P_END, NULL},
    };
    fx *f = fx_start(script);
    sasl_creds cr = {.user = "u", .token = token};
    smtp_reply *r = NULL;
    assert_int_equal(client_auth(f->cl, sasl_find("XOAUTH2"), &cr, dl(), &r, &f->e), 0);
    assert_int_equal(r->code, 235);
    reply_free(r);
    assert_int_equal(tr_count(f->t, TR_SEND, "AUTH XOAUTH2"), 1);
    assert_int_equal(tr_count(f->t, TR_SEND, TRANSCRIPT_REDACTED), 1);
    assert_false(tr_any(f->t, "AAAAAAAA"));
    fx_stop(f);
    assert_int_equal(strncmp(f->p.log, "EHLO client.test\r\nAUTH XOAUTH2\r\ndXNlcj11", 40), 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(scram_sha256_full_exchange, reset_nonce),
        cmocka_unit_test_teardown(scram_wrong_server_signature_cancels, reset_nonce),
        cmocka_unit_test_teardown(scram_235_without_signature_fails, reset_nonce),
        cmocka_unit_test_teardown(scram_server_error_then_535, reset_nonce),
        cmocka_unit_test(xoauth2_error_dance),
        cmocka_unit_test(oauthbearer_ok_and_error),
        cmocka_unit_test(oauth_token_too_long_for_the_auth_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
