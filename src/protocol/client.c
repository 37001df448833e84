/* client.c — the SMTP/LMTP client session: one command, one reply, recorded.
 *
 * RFC 5321 (SMTP: command order §4.1.4, replies §4.2, DATA §4.1.1.4 and
 * dot-stuffing §4.5.2), RFC 3207 (STARTTLS: discard plaintext read ahead,
 * forget capabilities, EHLO again, §4.2), RFC 4954 (AUTH: 334 challenges,
 * "=" for an empty initial response and "*" to cancel, §4), RFC 8314
 * (implicit TLS), RFC 2033 (LMTP: LHLO, one reply per recipient after DATA).
 *
 * Design. The session is an explicit state machine (client_state, names in
 * state_names[]). Sending and receiving are apart: send_line()/send_raw()
 * only write and record, read_reply() only reads one complete reply, and
 * apply_reply() alone decides the next state from the verb that was sent and
 * the reply's code. set_state() is the ONLY place that assigns cl->st; it
 * appends the new state to a small trace ring (client_state_trace) rather
 * than to the transcript, which stays the record of the wire. Order is
 * checked before anything is written (command_allowed): a misuse is our own
 * bug (ERRC_INTERNAL) and must not put a stray command on the wire.
 *
 * Pipelining (RFC 2920). client_pipeline() writes a group of commands (RSET,
 * MAIL, RCPTs and, last, DATA) in one write, then reads the replies in the
 * order the commands were sent and feeds each to apply_reply() with its
 * own verb. The sender may run ahead only through those; it stops and waits
 * at EHLO, STARTTLS, AUTH, the 354 to DATA and the end-of-data reply, whose
 * outcome changes what may be sent next (RFC 2920 §3.1). A group is checked
 * whole before anything is written. A reply stream that does not fit the
 * group — a 354 to anything but DATA, a 2xx to DATA, RCPT's 2.1.5 arriving
 * for MAIL, or bytes left over after the last reply — breaks the session
 * (ERRC_PROTOCOL): matching a reply to the wrong command would blame the
 * wrong recipient, which is worse than stopping. The transcript shows each
 * command right before the reply matched to it, after one note saying the
 * group went out in one write; commands written but never answered are
 * listed after the failure. Groups are at most CLIENT_PIPELINE_MAX commands
 * so the replies we are not reading yet cannot fill the socket buffers and
 * deadlock both ends; the caller splits longer envelopes.
 *
 * DATA. The body is streamed through protocol/message/data.h's stuffer in
 * CLIENT_DATA_CHUNK pieces through one CLIENT_DATA_BUF buffer, so a large
 * message is never copied whole. With LMTP one final reply per accepted
 * RCPT is read (RFC 2033 §4.2) and all of them are returned.
 *
 * Every received line is recorded as it arrives (a partial last line and the
 * head of an over-long line included), so a broken session still shows
 * exactly what the server said. Secrets never reach the transcript: AUTH
 * lines are recorded in their redacted form and the buffers that held them
 * are wiped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* core */
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"

/* transport */
#include "transport/conn.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"

/* protocol */
#include "protocol/auth/sasl.h"
#include "protocol/client.h"
#include "protocol/command.h"
#include "protocol/message/data.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"

#define CLIENT_TRACE_MAX 32
/* A message bigger than this is refused locally before DATA is sent. */
#define CLIENT_DATA_MAX ((size_t)64 * 1024 * 1024)
/* The body goes out through one buffer of this size, fed this much at a
 * time: the stuffed form of a chunk is at most twice its size. */
#define CLIENT_DATA_BUF ((size_t)64 * 1024)
#define CLIENT_DATA_CHUNK ((size_t)16 * 1024)
/* RFC 4954 §4: servers accept SASL response lines of at least 12288 octets. */
#define CLIENT_AUTH_LINE_MAX 12288
/* Challenges answered before we give up on a server that never finishes. */
#define CLIENT_AUTH_MAX_STEPS 10
/* How much of an over-long line the transcript keeps. */
#define CLIENT_LONG_LINE_SHOWN 200

static const char *const state_names[CS__COUNT] = {
    [CS_CONNECTED] = "CONNECTED", [CS_GREETED] = "GREETED", [CS_READY] = "READY",
    [CS_MAIL] = "MAIL",           [CS_RCPT] = "RCPT",       [CS_DATA] = "DATA",
    [CS_QUIT] = "QUIT",           [CS_BROKEN] = "BROKEN",
};

struct smtp_client {
    conn *c;                 /* owned */
    transcript *t;           /* borrowed */
    client_opts o;
    client_state st;         /* assigned only by set_state() */
    reply_parser rp;
    bool noted_bare_lf;      /* the bare-LF note is made once per session */
    size_t rcpt_ok;          /* RCPTs accepted in the open transaction (LMTP) */
    client_state ring[CLIENT_TRACE_MAX];
    size_t ring_total;       /* states ever recorded; ring holds the last ones */
    char trace[CLIENT_TRACE_MAX * 12 + 8];
};

/* Verbs the session cares about; anything else is V_OTHER. */
typedef enum verb {
    V_OTHER, V_EHLO, V_HELO, V_LHLO, V_MAIL, V_RCPT, V_DATA, V_BDAT, V_RSET, V_QUIT,
    V_STARTTLS, V_AUTH,
} verb;

static const struct {
    const char *name;
    verb v;
} verb_table[] = {
    {"EHLO", V_EHLO}, {"HELO", V_HELO}, {"LHLO", V_LHLO},         {"MAIL", V_MAIL},
    {"RCPT", V_RCPT}, {"DATA", V_DATA}, {"BDAT", V_BDAT},         {"RSET", V_RSET},
    {"QUIT", V_QUIT}, {"AUTH", V_AUTH}, {"STARTTLS", V_STARTTLS},
};

/* The case-insensitive first word of a command line (RFC 5321 §2.4: verbs
 * are case-insensitive). */
static verb verb_of(const char *line)
{
    size_t n = strcspn(line, " ");
    for (size_t i = 0; i < sizeof verb_table / sizeof verb_table[0]; i++)
        if (strlen(verb_table[i].name) == n && strncasecmp(line, verb_table[i].name, n) == 0)
            return verb_table[i].v;
    return V_OTHER;
}

/* ------------------------------------------------------------ state */

const char *client_state_name(client_state s)
{
    if ((unsigned)s >= CS__COUNT)
        return "?";
    return state_names[s];
}

static void trace_rebuild(smtp_client *cl)
{
    size_t kept = cl->ring_total < CLIENT_TRACE_MAX ? cl->ring_total : CLIENT_TRACE_MAX;
    size_t first = cl->ring_total - kept;
    size_t off = 0;
    cl->trace[0] = '\0';
    if (first > 0)
        off += (size_t)snprintf(cl->trace, sizeof cl->trace, "...");
    for (size_t i = first; i < cl->ring_total && off < sizeof cl->trace; i++)
        off += (size_t)snprintf(cl->trace + off, sizeof cl->trace - off, "%s%s",
                                off ? ">" : "",
                                client_state_name(cl->ring[i % CLIENT_TRACE_MAX]));
}

/* The ONLY function that changes the state. */
static void set_state(smtp_client *cl, client_state s)
{
    if (cl->ring_total > 0 && cl->st == s)
        return;
    cl->ring[cl->ring_total % CLIENT_TRACE_MAX] = s;
    cl->ring_total++;
    cl->st = s;
    trace_rebuild(cl);
}

const char *client_state_trace(const smtp_client *cl)
{
    return cl ? cl->trace : "";
}

client_state client_get_state(const smtp_client *cl)
{
    return cl->st;
}

conn *client_conn(smtp_client *cl)
{
    return cl->c;
}

/* Why `v` may not be sent now, or NULL if it may (RFC 5321 §4.1.4). */
static const char *command_refusal(const smtp_client *cl, verb v)
{
    switch (cl->st) {
    case CS_BROKEN: return "the session is broken";
    case CS_QUIT: return "QUIT was already sent";
    case CS_DATA: return "the message is being sent";
    default: break;
    }
    if (v == V_QUIT)
        return NULL; /* always allowed, even after a refusing greeting */
    if (cl->st == CS_CONNECTED)
        return "the greeting has not been read yet";
    switch (v) {
    case V_MAIL:
        return cl->st == CS_READY ? NULL
                                  : "MAIL needs an accepted EHLO/HELO and no open transaction";
    case V_RCPT:
        return cl->st == CS_MAIL || cl->st == CS_RCPT ? NULL : "RCPT needs an accepted MAIL";
    case V_AUTH:
        return cl->st == CS_READY ? NULL
                                  : "AUTH needs an accepted EHLO and no open transaction";
    case V_DATA: return "DATA goes through client_data";
    case V_STARTTLS: return "STARTTLS goes through client_starttls";
    case V_BDAT: return "BDAT is not supported by this client";
    default: return NULL;
    }
}

/* The reply to `v` decides the next state. */
static void apply_reply(smtp_client *cl, verb v, const smtp_reply *r)
{
    bool ok = r->code >= 200 && r->code < 300;
    switch (v) {
    case V_EHLO:
    case V_HELO:
    case V_LHLO:
        /* RFC 5321 §4.1.4: EHLO also clears any open transaction. */
        if (ok) {
            cl->rcpt_ok = 0;
            set_state(cl, CS_READY);
        }
        break;
    case V_MAIL:
        if (ok) {
            cl->rcpt_ok = 0;
            set_state(cl, CS_MAIL);
        }
        break;
    case V_RCPT:
        if (ok) {
            cl->rcpt_ok++;
            set_state(cl, CS_RCPT);
        }
        break;
    case V_RSET:
        if (ok && (cl->st == CS_MAIL || cl->st == CS_RCPT)) {
            cl->rcpt_ok = 0;
            set_state(cl, CS_READY);
        }
        break;
    case V_QUIT: set_state(cl, CS_QUIT); break;
    default: break;
    }
}

/* ------------------------------------------------------------ life cycle */

smtp_client *client_new(conn *c, transcript *t, const client_opts *o)
{
    if (!c)
        return NULL;
    smtp_client *cl = calloc(1, sizeof *cl);
    if (!cl) {
        conn_free(c);
        return NULL;
    }
    cl->c = c;
    cl->t = t;
    if (o)
        cl->o = *o;
    reply_parser_init(&cl->rp);
    set_state(cl, CS_CONNECTED);
    return cl;
}

void client_free(smtp_client *cl)
{
    if (!cl)
        return;
    reply_parser_reset(&cl->rp);
    conn_free(cl->c);
    free(cl);
}

/* An I/O or protocol failure: note why in the transcript and stop. */
static int broken(smtp_client *cl, const err *e)
{
    transcript_addf(cl->t, TR_INFO, "%s", e->msg);
    set_state(cl, CS_BROKEN);
    return -1;
}

/* ------------------------------------------------------------ receiving */

/* conn_read_line failed after n_lines complete lines of this reply; record
 * what there is, rewrite the sentence in terms of the session, and break. */
static int read_failed(smtp_client *cl, const char *line, size_t len, size_t n_lines,
                       int64_t start, err *e)
{
    if (e->cls == ERRC_TOO_LONG) {
        size_t shown = len < CLIENT_LONG_LINE_SHOWN ? len : CLIENT_LONG_LINE_SHOWN;
        if (line)
            transcript_add(cl->t, TR_RECV, line, shown);
        /* conn_read_line leaves the long line at the head of the pending
         * input; its true length is up to the LF if one has arrived. */
        size_t pend = conn_pending(cl->c);
        const char *nl = line && pend >= len ? memchr(line, '\n', pend) : NULL;
        if (nl) {
            size_t total = (size_t)(nl - line);
            if (total > 0 && line[total - 1] == '\r')
                total--;
            transcript_addf(cl->t, TR_INFO, "... (%zu bytes)", total);
            err_set(e, ERRC_TOO_LONG, "the server sent a reply line of %zu bytes, over the "
                    "limit of %d", total, REPLY_MAX_LINE);
        } else {
            size_t seen = pend > len ? pend : len;
            transcript_addf(cl->t, TR_INFO, "... (more than %zu bytes without a line end)",
                            seen);
            err_set(e, ERRC_TOO_LONG, "the server sent more than %zu bytes without a line "
                    "end, over the reply line limit of %d", seen, REPLY_MAX_LINE);
        }
        set_state(cl, CS_BROKEN);
        return -1;
    }
    if (line && len > 0)
        transcript_add(cl->t, TR_RECV, line, len);
    const char *where = len > 0       ? " in the middle of a line"
                        : n_lines > 0 ? " in the middle of a multi-line reply"
                                      : "";
    switch (e->cls) {
    case ERRC_TIMEOUT:
        err_set(e, ERRC_TIMEOUT, "timed out after %lld ms waiting for %s",
                (long long)(clock_now_ms() - start),
                len > 0 || n_lines > 0 ? "the rest of the reply" : "a reply");
        break;
    case ERRC_CLOSED: err_set(e, ERRC_CLOSED, "connection closed by server%s", where); break;
    default: {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        err_set(e, e->cls, "reading the reply failed: %s", why);
        break;
    }
    }
    return broken(cl, e);
}

static int read_reply(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e)
{
    *out = NULL;
    int64_t start = clock_now_ms();
    size_t n_lines = 0;
    reply_parser_reset(&cl->rp);
    for (;;) {
        const char *line = NULL;
        size_t len = 0;
        int bare = 0;
        if (conn_read_line(cl->c, REPLY_MAX_LINE, deadline, &line, &len, &bare, e) < 0)
            return read_failed(cl, line, len, n_lines, start, e);
        transcript_add(cl->t, TR_RECV, line, len);
        n_lines++;
        if (bare && !cl->noted_bare_lf) {
            /* RFC 5321 §2.3.8: lines end in CR LF. Tolerated, but worth
             * knowing: bare LF handling is where smuggling bugs live. */
            cl->noted_bare_lf = true;
            transcript_addf(cl->t, TR_INFO,
                            "the server ends lines with a bare LF instead of CR LF");
        }
        int r = reply_parser_feed(&cl->rp, line, len, e);
        if (r < 0) {
            reply_parser_reset(&cl->rp);
            if (e->cls != ERRC_INTERNAL) {
                char why[sizeof e->msg];
                snprintf(why, sizeof why, "%s", e->msg);
                err_set(e, e->cls, "malformed reply: %s", why);
            }
            return broken(cl, e);
        }
        if (r == REPLY_DONE) {
            *out = reply_parser_take(&cl->rp);
            if (!*out) {
                err_set(e, ERRC_INTERNAL, "reply parser returned no reply");
                return broken(cl, e);
            }
            return 0;
        }
    }
}

int client_read_reply(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e)
{
    *out = NULL;
    if (cl->st == CS_BROKEN)
        return err_set(e, ERRC_INTERNAL, "the session is broken");
    return read_reply(cl, deadline, out, e);
}

/* ------------------------------------------------------------ sending */

/* Record bytes the server sent for no command as evidence: up to 20 complete
 * lines already buffered go into the transcript, then everything buffered is
 * dropped. Returns how many bytes were pending (0: nothing was). */
static size_t record_pending(smtp_client *cl)
{
    size_t pending = conn_pending(cl->c);
    if (pending == 0)
        return 0;
    const char *line;
    size_t len;
    int bare;
    err ignore;
    for (int i = 0; i < 20 && conn_pending(cl->c) > 0; i++) {
        err_clear(&ignore);
        /* An expired deadline: only complete lines already buffered are read. */
        if (conn_read_line(cl->c, REPLY_MAX_LINE, 0, &line, &len, &bare, &ignore) < 0)
            break;
        transcript_add(cl->t, TR_RECV, line, len);
    }
    conn_drop_pending(cl->c);
    return pending;
}

/* Anything already buffered when we are about to send a command was sent by
 * the server unprompted: a reply nobody asked for. Read as the next command's
 * reply it would shift every later reply by one (blaming MAIL for a stray
 * 550), so it is recorded as evidence and the session fails as a protocol
 * error. Before QUIT it is only dropped: QUIT still ends the session politely.
 * (A pipelining sender, later, must run this check once per batch.) */
static int refuse_unsolicited(smtp_client *cl, bool quitting, err *e)
{
    size_t pending = record_pending(cl);
    if (pending == 0)
        return 0;
    transcript_addf(cl->t, TR_INFO,
                    "the server sent %zu byte%s nobody asked for before the next command", pending,
                    pending == 1 ? "" : "s");
    if (quitting)
        return 0;
    err_set(e, ERRC_PROTOCOL,
            "the server sent %zu unsolicited byte%s (a reply to no command) before the next "
            "command; later replies could not be matched to their commands",
            pending, pending == 1 ? "" : "s");
    return broken(cl, e);
}

/* Write raw bytes plus CR LF, recording `shown`. For SASL responses, which
 * are not commands: RFC 4954 §4 allows them up to 12288 octets. */
static int send_raw(smtp_client *cl, const char *data, const char *shown, int64_t deadline,
                    err *e)
{
    size_t n = strlen(data);
    if (n + 2 > CLIENT_AUTH_LINE_MAX)
        return err_set(e, ERRC_INTERNAL, "SASL response longer than %d bytes",
                       CLIENT_AUTH_LINE_MAX - 2);
    /* One allocation, never grown, so no unwiped copy is left behind. */
    char *p = malloc(n + 2);
    if (!p)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    memcpy(p, data, n);
    memcpy(p + n, "\r\n", 2);
    int rc = 0;
    if (refuse_unsolicited(cl, false, e) < 0) {
        explicit_bzero(p, n + 2);
        free(p);
        return -1;
    }
    transcript_add(cl->t, TR_SEND, shown, strlen(shown));
    if (conn_write(cl->c, p, n + 2, deadline, e) < 0)
        rc = broken(cl, e);
    explicit_bzero(p, n + 2);
    free(p);
    return rc;
}

/* Format, record and write one command line. command_format refuses CR, LF
 * and NUL before anything is written, so user input cannot smuggle a second
 * command. The buffer is wiped: it may hold an AUTH initial response. */
static int send_line(smtp_client *cl, const char *line, const char *shown, int64_t deadline,
                     err *e)
{
    buf b;
    buf_init(&b, COMMAND_MAX_LINE + 1);
    int rc = -1;
    /* Reserve the whole capacity first so the buffer is never realloc'd
     * with a secret in it (a freed old block could not be wiped). */
    static const char zeros[COMMAND_MAX_LINE + 1];
    if (buf_append(&b, zeros, sizeof zeros) < 0) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        goto out;
    }
    buf_reset(&b);
    if (command_format(&b, e, "%s", line) < 0)
        goto out; /* ERRC_LOCAL_INPUT; the session is untouched */
    if (refuse_unsolicited(cl, verb_of(line) == V_QUIT, e) < 0)
        goto out;
    transcript_add(cl->t, TR_SEND, shown, strlen(shown));
    if (conn_write(cl->c, b.data, b.len, deadline, e) < 0) {
        broken(cl, e);
        goto out;
    }
    rc = 0;
out:
    if (b.data)
        explicit_bzero(b.data, b.len);
    buf_free(&b);
    return rc;
}

/* Send a command and read its reply, without the order check (callers that
 * own a verb, such as client_data for DATA, check for themselves). */
static int exchange(smtp_client *cl, const char *line, const char *shown, int64_t deadline,
                    smtp_reply **out, err *e)
{
    *out = NULL;
    if (send_line(cl, line, shown, deadline, e) < 0)
        return -1;
    if (read_reply(cl, deadline, out, e) < 0)
        return -1;
    apply_reply(cl, verb_of(line), *out);
    return 0;
}

int client_command_secret(smtp_client *cl, const char *line, const char *shown, int64_t deadline,
                          smtp_reply **out, err *e)
{
    *out = NULL;
    const char *why = command_refusal(cl, verb_of(line));
    if (why)
        return err_set(e, ERRC_INTERNAL, "command refused by the session (%s state): %s",
                       client_state_name(cl->st), why);
    return exchange(cl, line, shown ? shown : line, deadline, out, e);
}

int client_command(smtp_client *cl, const char *line, int64_t deadline, smtp_reply **out, err *e)
{
    return client_command_secret(cl, line, line, deadline, out, e);
}

/* ------------------------------------------------------------ greeting, EHLO */

int client_greeting(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e)
{
    *out = NULL;
    if (cl->st != CS_CONNECTED)
        return err_set(e, ERRC_INTERNAL, "greeting read in %s state", client_state_name(cl->st));
    if (read_reply(cl, deadline, out, e) < 0)
        return -1;
    if ((*out)->code >= 200 && (*out)->code < 300)
        set_state(cl, CS_GREETED);
    return 0;
}

int client_ehlo(smtp_client *cl, const char *name, bool allow_helo_fallback, int64_t deadline,
                smtp_reply **out, ehlo_caps *caps, bool *used_helo, err *e)
{
    *out = NULL;
    if (used_helo)
        *used_helo = false;
    if (cl->st != CS_GREETED && cl->st != CS_READY && cl->st != CS_MAIL && cl->st != CS_RCPT)
        return err_set(e, ERRC_INTERNAL, "EHLO in %s state", client_state_name(cl->st));
    int rc = -1;
    bool helo = false;
    smtp_reply *rep = NULL;
    char *line = xasprintf("%s %s", cl->o.lmtp ? "LHLO" : "EHLO", name ? name : "");
    if (!line) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        goto out;
    }
    if (exchange(cl, line, line, deadline, &rep, e) < 0)
        goto out;
    /* RFC 5321 §4.1.4 / §3.2: a server that does not know EHLO answers 5xx
     * (usually 500 or 502); HELO is the old form. LMTP has no HELO. */
    if (rep->code >= 500 && allow_helo_fallback && !cl->o.lmtp) {
        reply_free(rep);
        rep = NULL;
        free(line);
        line = xasprintf("HELO %s", name ? name : "");
        if (!line) {
            err_set(e, ERRC_INTERNAL, "out of memory");
            goto out;
        }
        helo = true;
        if (used_helo)
            *used_helo = true;
        if (exchange(cl, line, line, deadline, &rep, e) < 0)
            goto out;
    }
    if (rep->code >= 200 && rep->code < 300 && caps) {
        ehlo_caps_free(caps);
        memset(caps, 0, sizeof *caps);
        if (!helo && ehlo_caps_parse(rep, caps, e) < 0)
            goto out;
    }
    *out = rep;
    rep = NULL;
    rc = 0;
out:
    reply_free(rep);
    free(line);
    return rc;
}

/* ------------------------------------------------------------ TLS */

/* "CN=value" from a one-line RFC 2253 subject, or the whole subject when it
 * has no CN. Commas inside a value are escaped there ("\,"). */
static void subject_cn(const char *subject, char *out, size_t outsz)
{
    const char *p = subject;
    while (p && *p) {
        if (strncmp(p, "CN=", 3) == 0) {
            size_t n = 0;
            while (p[n] && !(p[n] == ',' && (n == 0 || p[n - 1] != '\\')))
                n++;
            snprintf(out, outsz, "%.*s", (int)n, p);
            return;
        }
        /* next RDN: after the next unescaped comma */
        const char *q = p;
        while (*q && !(*q == ',' && (q == p || q[-1] != '\\')))
            q++;
        p = *q ? q + 1 : NULL;
    }
    snprintf(out, outsz, "%s", subject ? subject : "(no subject)");
}

static void tls_established_note(smtp_client *cl, const tls_info *ti)
{
    static const struct {
        unsigned bit;
        const char *name;
    } problems[] = {
        {TLSV_EXPIRED, "expired"},
        {TLSV_NOT_YET_VALID, "not yet valid"},
        {TLSV_SELF_SIGNED, "self-signed"},
        {TLSV_UNTRUSTED, "untrusted issuer"},
        {TLSV_HOSTNAME, "host name mismatch"},
        {TLSV_MISSING_INTERMEDIATE, "missing intermediate"},
        {TLSV_OTHER, "other verification error"},
    };
    char cert[256];
    if (ti->chain_len > 0)
        subject_cn(ti->chain[0].subject, cert, sizeof cert);
    else
        snprintf(cert, sizeof cert, "(none sent)");
    char why[256] = "";
    size_t off = 0;
    for (size_t i = 0; i < sizeof problems / sizeof problems[0] && off < sizeof why; i++)
        if (ti->problems & problems[i].bit)
            off += (size_t)snprintf(why + off, sizeof why - off, "%s%s", off ? ", " : "",
                                    problems[i].name);
    if (!why[0])
        snprintf(why, sizeof why, "%s",
                 ti->verify_error ? ti->verify_error
                 : !ti->servername ? "no host name to check against"
                                   : "unknown reason");
    transcript_addf(cl->t, TR_INFO, "TLS established: %s %s, certificate %s (%s%s)",
                    ti->version ? ti->version : "?", ti->cipher ? ti->cipher : "?", cert,
                    ti->verified ? "verified" : "NOT verified: ", ti->verified ? "" : why);
}

static int handshake(smtp_client *cl, tlsconn_ctx *ctx, const char *servername,
                     int64_t deadline, tls_info *info, tls_failure *why, err *e)
{
    tls_failure f = TLSF_NONE;
    if (tlsconn_handshake(cl->c, ctx, servername, deadline, info, &f, e) < 0) {
        if (why)
            *why = f;
        transcript_addf(cl->t, TR_INFO, "TLS handshake failed (%s): %s", tls_failure_name(f),
                        e->msg);
        set_state(cl, CS_BROKEN);
        return -1;
    }
    if (why)
        *why = TLSF_NONE;
    tls_established_note(cl, info);
    return 0;
}

int client_starttls(smtp_client *cl, tlsconn_ctx *ctx, const char *servername, int64_t deadline,
                    smtp_reply **out, size_t *discarded, tls_info *info, tls_failure *why, err *e)
{
    *out = NULL;
    if (discarded)
        *discarded = 0;
    if (why)
        *why = TLSF_NONE;
    if (cl->st != CS_READY)
        return err_set(e, ERRC_INTERNAL, "STARTTLS in %s state", client_state_name(cl->st));
    if (conn_ssl(cl->c))
        return err_set(e, ERRC_INTERNAL, "STARTTLS on a connection that already has TLS");
    if (exchange(cl, "STARTTLS", "STARTTLS", deadline, out, e) < 0)
        return -1;
    if ((*out)->code != 220)
        return 0; /* refused; the caller judges, the session stays usable */
    /* RFC 3207 §4.2 / CVE-2011-0411: anything already buffered arrived in
     * plaintext after the 220 and before TLS; it must never be read as a
     * reply inside the TLS session. */
    size_t n = conn_drop_pending(cl->c);
    if (discarded)
        *discarded = n;
    if (n > 0)
        transcript_addf(cl->t, TR_INFO,
                        "discarded %zu bytes the server sent before the TLS handshake "
                        "(possible STARTTLS command injection, CVE-2011-0411)",
                        n);
    if (handshake(cl, ctx, servername, deadline, info, why, e) < 0)
        return -1;
    /* RFC 3207 §4.2: the client must discard what it learnt before TLS and
     * issue EHLO again; GREETED is exactly "EHLO expected next". */
    cl->rcpt_ok = 0;
    set_state(cl, CS_GREETED);
    return 0;
}

int client_tls_implicit(smtp_client *cl, tlsconn_ctx *ctx, const char *servername,
                        int64_t deadline, tls_info *info, tls_failure *why, err *e)
{
    if (why)
        *why = TLSF_NONE;
    if (cl->st != CS_CONNECTED)
        return err_set(e, ERRC_INTERNAL, "implicit TLS in %s state", client_state_name(cl->st));
    if (conn_ssl(cl->c))
        return err_set(e, ERRC_INTERNAL, "the connection already has TLS");
    return handshake(cl, ctx, servername, deadline, info, why, e);
}

/* ------------------------------------------------------------ AUTH */

/* RFC 4954 §4: "*" cancels the exchange; the server answers 501. The
 * original error is kept; *out gets the reply to the cancel. */
static int auth_cancel(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e)
{
    err saved = *e;
    transcript_addf(cl->t, TR_INFO, "cancelling AUTH: %s", e->msg);
    if (send_raw(cl, "*", "*", deadline, e) < 0)
        return -1;
    if (read_reply(cl, deadline, out, e) < 0)
        return -1;
    *e = saved;
    return -1;
}

int client_auth(smtp_client *cl, const sasl_mech *mech, const sasl_creds *cr, int64_t deadline,
                smtp_reply **out, err *e)
{
    *out = NULL;
    if (!mech || !cr)
        return err_set(e, ERRC_INTERNAL, "AUTH without a mechanism or credentials");
    const char *refusal = command_refusal(cl, V_AUTH);
    if (refusal)
        return err_set(e, ERRC_INTERNAL, "AUTH refused by the session (%s state): %s",
                       client_state_name(cl->st), refusal);
    sasl_exchange x;
    char *pending = NULL; /* a response computed before the server asked for it */
    char *line = NULL;
    char *shown = NULL;
    smtp_reply *rep = NULL;
    int rc = -1;

    if (sasl_begin(&x, mech, cr, e) < 0)
        goto out;
    if (mech->initial_response) {
        char *ir = sasl_respond(&x, NULL, e);
        if (!ir)
            goto out; /* nothing sent yet */
        /* RFC 4954 §4: an empty initial response is sent as "="; one that
         * would make the AUTH line too long waits for the first 334. */
        const char *arg = ir[0] ? ir : "=";
        if (strlen(mech->name) + strlen(arg) + 8 <= COMMAND_MAX_LINE) {
            line = xasprintf("AUTH %s %s", mech->name, arg);
            shown = xasprintf("AUTH %s %s", mech->name, TRANSCRIPT_REDACTED);
            xfree_secret(ir);
        } else {
            pending = ir;
        }
    }
    if (!line) {
        line = xasprintf("AUTH %s", mech->name);
        shown = xstrdup(line);
    }
    if (!line || !shown) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        goto out;
    }
    if (exchange(cl, line, shown, deadline, &rep, e) < 0)
        goto out;
    for (int steps = 0; rep->code == 334; steps++) {
        if (steps >= CLIENT_AUTH_MAX_STEPS) {
            err_set(e, ERRC_PROTOCOL, "the server sent more than %d AUTH challenges",
                    CLIENT_AUTH_MAX_STEPS);
            reply_free(rep);
            rep = NULL;
            auth_cancel(cl, deadline, &rep, e);
            goto out;
        }
        char *resp = pending;
        pending = NULL;
        if (!resp) {
            /* RFC 4954 §4: the 334 text is the base64 challenge. */
            resp = sasl_respond(&x, rep->n_lines ? rep->lines[0] : "", e);
            if (!resp) {
                reply_free(rep);
                rep = NULL;
                auth_cancel(cl, deadline, &rep, e);
                goto out;
            }
        }
        reply_free(rep);
        rep = NULL;
        int w = send_raw(cl, resp, TRANSCRIPT_REDACTED, deadline, e);
        xfree_secret(resp);
        if (w < 0 || read_reply(cl, deadline, &rep, e) < 0)
            goto out;
    }
    if (rep->code == 235) {
        /* The mechanism may still refuse the success: SCRAM insists that
         * the server proved it knows the password. */
        if (sasl_finish(&x, e) < 0) {
            transcript_addf(cl->t, TR_INFO, "%s: %s", mech->name, e->msg);
            goto out;
        }
    } else if (sasl_note(&x)) {
        /* Why the server refused, as far as the mechanism learnt it (the
         * OAuth error status, a SCRAM e=): for the transcript and the
         * caller, who still judges the code. */
        transcript_addf(cl->t, TR_INFO, "%s", sasl_note(&x));
        err_set(e, ERRC_REJECTED, "%s", sasl_note(&x));
        e->smtp_code = rep->code;
    }
    /* 235 on success; any other code is the caller's to judge. */
    rc = 0;
out:
    if (rc == 0 || rep) {
        *out = rep;
        rep = NULL;
    }
    sasl_end(&x);
    xfree_secret(pending);
    xfree_secret(line);
    free(shown);
    return rc;
}

/* ------------------------------------------------------------ preamble */

int client_write_preamble(smtp_client *cl, const void *p, size_t n, const char *shown,
                          int64_t deadline, err *e)
{
    if (cl->st != CS_CONNECTED)
        return err_set(e, ERRC_INTERNAL, "a preamble can only precede the greeting (%s state)",
                       client_state_name(cl->st));
    if (shown)
        transcript_add(cl->t, TR_SEND, shown, strlen(shown));
    if (conn_write(cl->c, p, n, deadline, e) < 0)
        return broken(cl, e);
    return 0;
}

/* ------------------------------------------------------------ DATA */

/* Replies that cannot belong to the command they were matched with. In a
 * pipelined group this is how a reply stream that does not fit the
 * commands shows itself: a 354 to MAIL or RCPT, a 2xx to DATA, or a 250
 * to MAIL carrying the recipient code 2.1.5 (RFC 3463 X.1.5 "destination
 * address valid": RCPT's reply arriving first). RFC 5321 §4.3.2 lists the
 * codes each command may get; no command but DATA has a 3xx. */
static const char *reply_misfit(verb v, const smtp_reply *r)
{
    int c = r->code;
    switch (v) {
    case V_DATA:
        if (c == 354 || c >= 400)
            return NULL;
        return "DATA can only be answered 354, 4xx or 5xx";
    case V_MAIL:
        if (c >= 200 && c < 300 && strcmp(r->enhanced, "2.1.5") == 0)
            return "MAIL got a reply with the recipient status 2.1.5";
        /* fall through */
    default:
        if (c >= 300 && c < 400)
            return "only DATA may be answered with 3xx";
        return NULL;
    }
}

/* Bytes already buffered after the last expected reply were sent for no
 * command: the stream does not fit the commands. */
static int refuse_extra(smtp_client *cl, const char *after, err *e)
{
    size_t pending = record_pending(cl);
    if (pending == 0)
        return 0;
    err_set(e, ERRC_PROTOCOL,
            "the server sent %zu byte%s more than the replies to %s (too many replies); "
            "replies could not be matched to commands",
            pending, pending == 1 ? "" : "s", after);
    return broken(cl, e);
}

int client_pipeline(smtp_client *cl, const char *const *lines, size_t n, int64_t deadline,
                    smtp_reply **replies, size_t *n_replies, err *e)
{
    *n_replies = 0;
    if (n == 0 || n > CLIENT_PIPELINE_MAX)
        return err_set(e, ERRC_INTERNAL, "a pipelined group needs 1 to %d commands",
                       CLIENT_PIPELINE_MAX);
    /* Check the whole group before anything is written: order (as if every
     * command succeeded; RFC 2920 §3.1 lets only RSET, MAIL, RCPT lead a
     * group, DATA only end it) and the form of every line. */
    client_state sim = cl->st;
    if (sim == CS_BROKEN || sim == CS_QUIT || sim == CS_DATA || sim == CS_CONNECTED ||
        sim == CS_GREETED)
        return err_set(e, ERRC_INTERNAL, "pipelining in %s state", client_state_name(sim));
    for (size_t i = 0; i < n; i++) {
        verb v = verb_of(lines[i]);
        bool ok = (v == V_RSET) || (v == V_MAIL && sim == CS_READY) ||
                  (v == V_RCPT && (sim == CS_MAIL || sim == CS_RCPT)) ||
                  (v == V_DATA && i == n - 1 && (sim == CS_MAIL || sim == CS_RCPT));
        if (!ok)
            return err_set(e, ERRC_INTERNAL, "'%.*s' cannot be pipelined at position %zu",
                           (int)strcspn(lines[i], " "), lines[i], i + 1);
        sim = v == V_RSET ? CS_READY : v == V_MAIL ? CS_MAIL : v == V_RCPT ? CS_RCPT : CS_DATA;
    }
    buf b;
    buf_init(&b, (size_t)n * COMMAND_MAX_LINE);
    int rc = -1;
    size_t i = 0;
    for (size_t k = 0; k < n; k++)
        if (command_format(&b, e, "%s", lines[k]) < 0)
            goto out; /* ERRC_LOCAL_INPUT (or OOM): nothing was sent */
    if (refuse_unsolicited(cl, false, e) < 0)
        goto out;
    transcript_addf(cl->t, TR_INFO,
                    "pipelining (RFC 2920): %zu commands sent in one write; each is shown "
                    "with the reply matched to it",
                    n);
    if (conn_write(cl->c, b.data, b.len, deadline, e) < 0) {
        for (size_t k = 0; k < n; k++)
            transcript_add(cl->t, TR_SEND, lines[k], strlen(lines[k]));
        broken(cl, e);
        goto out;
    }
    for (i = 0; i < n; i++) {
        verb v = verb_of(lines[i]);
        transcript_add(cl->t, TR_SEND, lines[i], strlen(lines[i]));
        smtp_reply *r = NULL;
        if (read_reply(cl, deadline, &r, e) < 0)
            goto unanswered;
        const char *why = reply_misfit(v, r);
        if (why) {
            /* Not this command's reply: it stays in the transcript only. */
            reply_free(r);
            err_set(e, ERRC_PROTOCOL,
                    "the replies to the pipelined commands do not fit them: %s (reply %zu of "
                    "%zu); the rest of the session cannot be trusted",
                    why, i + 1, n);
            broken(cl, e);
            goto unanswered;
        }
        replies[(*n_replies)++] = r;
        apply_reply(cl, v, r);
        if (v == V_DATA && r->code == 354)
            set_state(cl, CS_DATA);
    }
    if (refuse_extra(cl, "the pipelined commands", e) < 0)
        goto out;
    rc = 0;
    goto out;
unanswered:
    /* Written, but no usable reply: the transcript still shows them. */
    for (size_t k = i + 1; k < n; k++)
        transcript_add(cl->t, TR_SEND, lines[k], strlen(lines[k]));
    if (i + 1 < n)
        transcript_addf(cl->t, TR_INFO, "(%zu pipelined command%s above got no reply)",
                        n - i - 1, n - i - 1 == 1 ? "" : "s");
out:
    buf_free(&b);
    return rc;
}

/* Write msg dot-stuffed and terminated (RFC 5321 §4.5.2, §4.1.1.4) in
 * chunks through one small buffer: a 1 MB message is never copied whole. */
static int send_body(smtp_client *cl, const char *msg, size_t len, int64_t deadline, err *e)
{
    buf out;
    buf_init(&out, CLIENT_DATA_BUF);
    data_stuffer s;
    data_stuffer_init(&s);
    uint64_t crlfs = 0;
    size_t off = 0;
    int rc = -1;
    /* The stuffed form of a chunk is at most twice its size (every byte a
     * bare LF, or a '.' after each line end), so a chunk always fits an
     * emptied buffer. */
    for (;;) {
        size_t n = len - off < CLIENT_DATA_CHUNK ? len - off : CLIENT_DATA_CHUNK;
        bool last = off == len;
        int f = last ? data_stuffer_finish(&s, &out, e)
                     : data_stuffer_feed(&s, &out, msg + off, n, e);
        if (f < 0 && (e->cls != ERRC_LOCAL_INPUT || out.len == 0))
            goto out;
        if (f == 0 && !last)
            off += n;
        if (f < 0 || last || out.len >= CLIENT_DATA_BUF / 2) {
            for (size_t i = 0; i + 1 < out.len; i++)
                if (out.data[i] == '\r' && out.data[i + 1] == '\n')
                    crlfs++;
            if (conn_write(cl->c, out.data, out.len, deadline, e) < 0) {
                transcript_addf(cl->t, TR_SEND, "<message: partly sent, %llu bytes>",
                                (unsigned long long)(s.wire - out.len));
                broken(cl, e);
                goto out;
            }
            buf_reset(&out);
            if (f < 0) {
                stage_id st = e->stage;
                err_clear(e);
                e->stage = st;
            }
        }
        if (f == 0 && last)
            break;
    }
    transcript_addf(cl->t, TR_SEND, "<message: %llu bytes, %llu lines>",
                    (unsigned long long)(s.wire - 3), (unsigned long long)(crlfs - 1));
    transcript_add(cl->t, TR_SEND, ".", 1);
    rc = 0;
out:
    buf_free(&out);
    return rc;
}

int client_data_send(smtp_client *cl, const char *msg, size_t len, int64_t deadline,
                     smtp_reply ***finals, size_t *n_finals, err *e)
{
    *finals = NULL;
    *n_finals = 0;
    if (cl->st != CS_DATA)
        return err_set(e, ERRC_INTERNAL, "message body in %s state: it needs a 354 to DATA",
                       client_state_name(cl->st));
    if (len > CLIENT_DATA_MAX)
        return err_set(e, ERRC_LOCAL_INPUT, "the message is over %zu bytes", CLIENT_DATA_MAX);
    /* A reply the server sent after its 354 is a reply to nothing. */
    if (refuse_extra(cl, "DATA", e) < 0)
        return -1;
    /* RFC 2033 §4.2: LMTP answers once per accepted recipient. */
    size_t want = cl->o.lmtp && cl->rcpt_ok > 0 ? cl->rcpt_ok : 1;
    smtp_reply **v = calloc(want, sizeof *v);
    if (!v)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    *finals = v;
    if (send_body(cl, msg ? msg : "", msg ? len : 0, deadline, e) < 0)
        return -1;
    for (size_t i = 0; i < want; i++) {
        if (read_reply(cl, deadline, &v[i], e) < 0)
            return -1;
        (*n_finals)++;
    }
    /* RFC 5321 §4.1.1.4: after the final reply, accepted or not, the
     * transaction is over. */
    cl->rcpt_ok = 0;
    set_state(cl, CS_READY);
    return 0;
}

int client_data_cancel(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e)
{
    *out = NULL;
    if (cl->st != CS_DATA)
        return err_set(e, ERRC_INTERNAL, "no DATA to cancel in %s state",
                       client_state_name(cl->st));
    /* RFC 2920 §3.1: DATA pipelined after RCPTs that were all refused, and
     * still answered 354: "the client SMTP should send a single dot". */
    transcript_addf(cl->t, TR_INFO,
                    "no recipient was accepted but DATA got 354: ending it with a lone dot "
                    "(RFC 2920 §3.1)");
    transcript_add(cl->t, TR_SEND, ".", 1);
    if (conn_write(cl->c, ".\r\n", 3, deadline, e) < 0)
        return broken(cl, e);
    if (read_reply(cl, deadline, out, e) < 0)
        return -1;
    cl->rcpt_ok = 0;
    set_state(cl, CS_READY);
    return 0;
}

void client_replies_free(smtp_reply **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        reply_free(v[i]);
    free(v);
}

int client_data_all(smtp_client *cl, const char *msg, size_t len, int64_t deadline,
                    smtp_reply **data_reply, smtp_reply ***finals, size_t *n_finals, err *e)
{
    *data_reply = NULL;
    *finals = NULL;
    *n_finals = 0;
    if (cl->st != CS_RCPT)
        return err_set(e, ERRC_INTERNAL, "DATA in %s state: it needs an accepted RCPT",
                       client_state_name(cl->st));
    if (len > CLIENT_DATA_MAX)
        return err_set(e, ERRC_LOCAL_INPUT, "the message is over %zu bytes", CLIENT_DATA_MAX);
    if (exchange(cl, "DATA", "DATA", deadline, data_reply, e) < 0)
        return -1;
    const char *why = reply_misfit(V_DATA, *data_reply);
    if (why) {
        err_set(e, ERRC_PROTOCOL, "the reply to DATA does not fit: %s", why);
        return broken(cl, e);
    }
    if ((*data_reply)->code != 354)
        return 0; /* refused; the transaction is still open, the caller judges */
    set_state(cl, CS_DATA);
    return client_data_send(cl, msg, len, deadline, finals, n_finals, e);
}

int client_data(smtp_client *cl, const char *msg, size_t len, int64_t deadline,
                smtp_reply **data_reply, smtp_reply **out, err *e)
{
    *out = NULL;
    smtp_reply **v = NULL;
    size_t n = 0;
    int rc = client_data_all(cl, msg, len, deadline, data_reply, &v, &n, e);
    if (rc == 0 && n > 0) {
        /* The first reply that is not 2xx, else the last. */
        size_t pick = n - 1;
        for (size_t i = 0; i < n; i++)
            if (!reply_ok(v[i])) {
                pick = i;
                break;
            }
        *out = v[pick];
        v[pick] = NULL;
    }
    client_replies_free(v, n);
    return rc;
}
