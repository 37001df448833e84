/* injection.c — the STARTTLS command-injection probe (see injection.h).
 *
 * CVE-2011-0411 and its many relatives: a server that reads "STARTTLS\r\n"
 * and keeps the rest of that read ("NOOP\r\n") in its input buffer runs the
 * buffered command after the handshake, as if it had come through TLS, so a
 * man in the middle can inject commands into the encrypted session. The probe
 * does exactly what such an attacker does, with a harmless NOOP, on its own
 * connection: banner, EHLO, "STARTTLS\r\nNOOP\r\n" in ONE write, the 220,
 * the handshake, then a short bounded wait (min(timeout, 2 s)) for a reply
 * nobody asked for inside TLS. Then QUIT. Nothing prints; the evidence is the
 * escaped reply. RFC 3207 (STARTTLS). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/conn.h"
#include "transport/tcp.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"
/* ---- protocol ---- */
#include "protocol/client.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
/* ---- checks ---- */
#include "checks/security/injection.h"

#define INJ_DEFAULT_TIMEOUT_MS 10000
#define INJ_WAIT_MAX_MS 2000      /* how long an unsolicited reply may take */
#define INJ_LINE_MAX 1000         /* RFC 5321 §4.5.3.1.5: reply lines are <= 512 */
#define INJ_EVIDENCE_LINES 10     /* lines of a multi-line reply kept as evidence */
#define INJ_PROBE "STARTTLS\r\nNOOP\r\n"

const char *injection_state_name(injection_state s)
{
    static const char *const names[] = {"not_run", "safe", "vulnerable", "inconclusive"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "not_run";
}

void injection_report_clear(injection_report *r)
{
    if (!r)
        return;
    free(r->evidence);
    free(r->detail);
    memset(r, 0, sizeof *r);
}

static int set_detail(injection_report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int set_detail(injection_report *r, const char *fmt, ...)
{
    char line[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    free(r->detail);
    r->detail = xstrdup(line);
    return r->detail ? 0 : -1;
}

/* The probe could not run: INCONCLUSIVE, starttls.injection_untested. */
static int inconclusive(injection_report *r, finding_list *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int inconclusive(injection_report *r, finding_list *f, const char *fmt, ...)
{
    char why[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->state = INJECTION_INCONCLUSIVE;
    if (finding_add(f, "starttls.injection_untested", STAGE_INJECTION, NULL, "%s", why) < 0)
        return -1;
    return set_detail(r, "%s", why);
}

/* Append one escaped line to the evidence (" | " between lines). */
static int add_evidence(injection_report *r, const char *line, size_t len)
{
    char *esc = escape_display(line, len);
    if (!esc)
        return -1;
    char *joined = r->evidence ? xasprintf("%s | %s", r->evidence, esc) : esc;
    if (r->evidence) {
        free(esc);
        if (!joined)
            return -1;
        free(r->evidence);
    }
    r->evidence = joined;
    return 0;
}

/* After the handshake: wait for a reply nobody asked for. Returns 0 with
 * r->state set (VULNERABLE / SAFE / INCONCLUSIVE), -1 on OOM. */
static int watch(conn *c, int64_t to, injection_report *r, finding_list *f, transcript *t)
{
    int64_t wait_ms = to < INJ_WAIT_MAX_MS ? to : INJ_WAIT_MAX_MS;
    int64_t dl = clock_deadline_in(wait_ms);
    transcript_addf(t, TR_INFO,
                    "injection probe: waiting up to %lld ms for a reply to the NOOP sent before "
                    "the handshake",
                    (long long)wait_ms);
    err e;
    size_t lines = 0;
    for (;;) {
        const char *line = NULL;
        size_t len = 0;
        int bare = 0;
        err_clear(&e);
        int rc = conn_read_line(c, INJ_LINE_MAX, dl, &line, &len, &bare, &e);
        if (rc == 0 || (e.cls == ERRC_CLOSED && len > 0)) {
            transcript_add(t, TR_RECV, line, len);
            if (add_evidence(r, line, len) < 0)
                return -1;
            lines++;
            /* A multi-line reply goes on while its lines read "ddd-". */
            if (rc == 0 && len >= 4 && line[3] == '-' && lines < INJ_EVIDENCE_LINES)
                continue;
            break;
        }
        if (e.cls == ERRC_TOO_LONG) {
            if (add_evidence(r, "(a line longer than 1000 bytes)", 31) < 0)
                return -1;
            lines++;
            break;
        }
        if (lines > 0)
            break; /* the rest of a multi-line reply did not come: enough evidence */
        if (e.cls == ERRC_TIMEOUT) {
            r->state = INJECTION_SAFE;
            return set_detail(r,
                              "the NOOP sent in plaintext with STARTTLS was not answered inside "
                              "TLS within %lld ms: the server discarded it",
                              (long long)wait_ms);
        }
        if (e.cls == ERRC_CLOSED) {
            r->state = INJECTION_SAFE;
            return set_detail(r, "the server closed the connection after the handshake without "
                                 "answering the NOOP sent in plaintext");
        }
        return inconclusive(r, f, "reading after the TLS handshake failed: %s", e.msg);
    }
    r->state = INJECTION_VULNERABLE;
    if (finding_add(f, "starttls.injection_vulnerable", STAGE_INJECTION, NULL,
                    "the NOOP sent in plaintext in the same write as STARTTLS was answered "
                    "inside TLS: %s",
                    r->evidence) < 0)
        return -1;
    return set_detail(r, "the server answered a command sent before the TLS handshake");
}

/* Banner and EHLO; returns 1 when STARTTLS is offered, 0 when the verdict
 * is already INCONCLUSIVE, -1 on OOM. */
static int greet(smtp_client *cl, const char *helo, int64_t to, injection_report *r,
                 finding_list *f)
{
    smtp_reply *rep = NULL;
    err e;
    err_clear(&e);
    if (client_greeting(cl, clock_deadline_in(to), &rep, &e) < 0)
        return inconclusive(r, f, "no greeting: %s", e.msg);
    int code = rep->code;
    reply_free(rep);
    if (code / 100 != 2)
        return inconclusive(r, f, "the server greeted with %d instead of 220", code);
    ehlo_caps caps;
    memset(&caps, 0, sizeof caps);
    bool used_helo = false;
    int rc = client_ehlo(cl, helo && *helo ? helo : "localhost", true, clock_deadline_in(to),
                         &rep, &caps, &used_helo, &e);
    code = rep ? rep->code : 0;
    reply_free(rep);
    bool starttls = caps.starttls;
    ehlo_caps_free(&caps);
    if (rc < 0)
        return inconclusive(r, f, "EHLO failed: %s", e.msg);
    if (code / 100 != 2)
        return inconclusive(r, f, "EHLO was refused with %d", code);
    if (!starttls)
        return inconclusive(r, f, "the server does not offer STARTTLS");
    return 1;
}

/* The probe proper on a greeted session. */
static int probe(smtp_client *cl, const injection_opts *o, int64_t to, injection_report *r,
                 finding_list *f, transcript *t)
{
    conn *c = client_conn(cl);
    err e;
    err_clear(&e);
    /* Both commands in one write: that is the attack. The session's own
     * command functions would send them one by one. */
    transcript_add(t, TR_SEND, "STARTTLS", 8);
    transcript_add(t, TR_SEND, "NOOP", 4);
    transcript_addf(t, TR_INFO, "injection probe: STARTTLS and NOOP sent in one write");
    if (conn_write(c, INJ_PROBE, sizeof INJ_PROBE - 1, clock_deadline_in(to), &e) < 0)
        return inconclusive(r, f, "sending STARTTLS failed: %s", e.msg);
    smtp_reply *rep = NULL;
    if (client_read_reply(cl, clock_deadline_in(to), &rep, &e) < 0)
        return inconclusive(r, f, "no reply to STARTTLS: %s", e.msg);
    int code = rep->code;
    reply_free(rep);
    if (code != 220)
        return inconclusive(r, f, "the server answered STARTTLS with %d, not 220", code);
    /* A server that answered the NOOP right away, in plaintext, is not the
     * vulnerable kind; those bytes must not reach the TLS layer either. */
    size_t early = conn_drop_pending(c);
    if (early)
        transcript_addf(t, TR_INFO,
                        "injection probe: %zu byte%s arrived in plaintext after the 220 and "
                        "were discarded",
                        early, early == 1 ? "" : "s");
    tlsconn_opts topts = {.legacy = true}; /* reach the handshake with old servers too */
    tlsconn_ctx *ctx = tlsconn_ctx_new(&topts, &e);
    if (!ctx)
        return e.cls == ERRC_INTERNAL ? -1 : inconclusive(r, f, "%s", e.msg);
    tls_info info;
    tls_failure why = TLSF_NONE;
    int rc = tlsconn_handshake(c, ctx, o->servername, clock_deadline_in(to), &info, &why, &e);
    tlsconn_ctx_free(ctx);
    if (rc < 0) {
        transcript_addf(t, TR_INFO, "TLS handshake failed (%s): %s", tls_failure_name(why),
                        e.msg);
        return inconclusive(r, f, "the TLS handshake failed: %s", e.msg);
    }
    transcript_addf(t, TR_INFO, "TLS established: %s %s", info.version ? info.version : "?",
                    info.cipher ? info.cipher : "?");
    tls_info_clear(&info);
    rc = watch(c, to, r, f, t);
    if (rc == 0 && r->state == INJECTION_SAFE && early)
        rc = set_detail(r, "the server answered the NOOP in plaintext before the handshake "
                           "(%zu bytes, discarded) and nothing inside TLS", early);
    return rc;
}

int injection_probe(const injection_opts *o, injection_report *out, finding_list *findings,
                    transcript *t)
{
    memset(out, 0, sizeof *out);
    if (!o)
        return inconclusive(out, findings, "no target was given");
    int64_t to = o->timeout_ms > 0 ? o->timeout_ms : INJ_DEFAULT_TIMEOUT_MS;
    tcp_addr a;
    if (!o->address || tcp_addr_parse(o->address, &a) < 0 || o->port <= 0 || o->port > 65535)
        return inconclusive(out, findings, "no address and port to connect to");
    err e;
    err_clear(&e);
    conn *c = tcp_connect_any(&a, 1, o->port, to, NULL, NULL, NULL, &e);
    if (!c)
        return inconclusive(out, findings, "the connection to %s port %d failed: %s", o->address,
                            o->port, e.msg);
    transcript_addf(t, TR_INFO, "injection probe: connected to %s port %d", o->address, o->port);
    smtp_client *cl = client_new(c, t, NULL);
    if (!cl)
        return -1;
    int rc = greet(cl, o->helo, to, out, findings);
    bool probed = rc == 1;
    if (probed)
        rc = probe(cl, o, to, out, findings, t);
    /* No QUIT into a half-done upgrade (220 read, no TLS): the server is
     * waiting for a ClientHello and would only make us wait. */
    bool quit_ok = !probed || conn_ssl(client_conn(cl)) != NULL;
    if (quit_ok && client_get_state(cl) != CS_BROKEN) {
        smtp_reply *rep = NULL;
        err_clear(&e);
        /* QUIT is politeness; after the probe it goes inside TLS. */
        client_command(cl, "QUIT", clock_deadline_in(to), &rep, &e);
        reply_free(rep);
    }
    client_free(cl);
    return rc < 0 ? -1 : 0;
}
