/* relay.c — the open-relay battery (see relay.h; docs/cli/relay.md says
 * what each case tries and why it matters).
 *
 * RFC 5321 §3.6 (relaying; a server "MUST NOT" be an open relay in spirit:
 * RFC 2505 §2 "Anti-Spam Recommendations for SMTP MTAs"), §4.1.1.3 (RCPT,
 * source routes "MUST" be accepted syntactically but SHOULD be ignored),
 * §4.1.2 (address syntax: quoted local parts, domain literals), §4.1.3
 * (address literals "[192.0.2.1]", "[IPv6:...]"), RFC 3974 (percent and bang
 * paths are legacy routing that open relays honoured).
 *
 * Design. One session (relay_session.c) runs every case in battery order:
 * MAIL FROM, RCPT TO, RSET — never DATA, so nothing is delivered whatever the
 * server answers. A 2xx to RCPT of a recipient outside the server's domain
 * is "accepted": the server took responsibility for relaying it. When the
 * server drops us (or answers 421) the case is an ERROR and the next case
 * opens a new session after --delay, at most RELAY_MAX_CONNECTIONS sessions
 * per run; cases never reached are ERROR too. The whole battery is bounded
 * by RELAY_MAX_RUN_MS on top of the per-operation --timeout. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* core */
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
/* dns, transport */
#include "dns/resolver.h"
#include "transport/tcp.h"
/* protocol */
#include "protocol/client.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
/* checks */
#include "checks/finding.h"
#include "checks/resolve.h"
#include "checks/security/relay.h"
#include "checks/security/relay_session.h"

/* The battery. %D is the server's domain, %X the external domain, %I the
 * server's address literal ("[192.0.2.1]" / "[IPv6:2001:db8::1]"). The
 * foreign IP of ip_literal_recipient is TEST-NET-1 (RFC 5737): a
 * documentation address that is nobody's mail server. */
typedef struct case_def {
    const char *id;
    const char *title;
    const char *from;
    const char *to;
    bool foreign;
} case_def;

static const case_def battery[] = {
    {"external_to_external", "external sender to external recipient",
     "relay-sender@%X", "relay-test@%X", true},
    {"null_sender_external", "null sender <> to external recipient",
     "", "relay-test@%X", true},
    {"local_sender_spoof_external", "the server's own domain as sender, external recipient",
     "postmaster@%D", "relay-test@%X", true},
    {"server_ip_sender_external", "the server's address literal as sender, external recipient",
     "postmaster@%I", "relay-test@%X", true},
    {"unqualified_sender_external", "unqualified sender (no domain), external recipient",
     "postmaster", "relay-test@%X", true},
    {"percent_hack", "%-hack: external mailbox routed through the server's domain",
     "relay-sender@%X", "relay-test%%%X@%D", true},
    {"percent_hack_ip_literal", "%-hack through the server's address literal",
     "relay-sender@%X", "relay-test%%%X@%I", true},
    {"percent_hack_unqualified", "%-hack with no domain",
     "relay-sender@%X", "relay-test%%%X", true},
    {"quoted_local", "quoted local part holding an external address",
     "relay-sender@%X", "\"relay-test@%X\"@%D", true},
    {"quoted_local_ip_literal", "quoted external address at the server's address literal",
     "relay-sender@%X", "\"relay-test@%X\"@%I", true},
    {"bang_path", "UUCP bang path through the server's domain",
     "relay-sender@%X", "%X!relay-test@%D", true},
    {"bang_path_unqualified", "UUCP bang path with no domain",
     "relay-sender@%X", "%X!relay-test", true},
    {"source_route", "source route through the server's domain (RFC 5321 §4.1.1.3)",
     "relay-sender@%X", "@%D:relay-test@%X", true},
    {"ip_literal_recipient", "recipient at a foreign address literal (192.0.2.1)",
     "relay-sender@%X", "relay-test@[192.0.2.1]", true},
    {"double_at", "two @ signs: external address inside the server's domain",
     "relay-sender@%X", "relay-test@%X@%D", true},
    {"trailing_dot_domain", "external recipient with a trailing dot on the domain",
     "relay-sender@%X", "relay-test@%X.", true},
    {"unqualified_recipient", "unqualified recipient (no domain)",
     "relay-sender@%X", "relay-test", false},
};

enum { N_BATTERY = sizeof battery / sizeof battery[0] };

/* Expand %D, %X, %I and %% in pattern. NULL on OOM. */
static char *expand(const char *pat, const char *d, const char *x, const char *ip)
{
    size_t n = 1;
    for (const char *p = pat; *p; p++) {
        if (p[0] == '%' && p[1]) {
            const char *v = p[1] == 'D' ? d : p[1] == 'X' ? x : p[1] == 'I' ? ip : "%";
            n += strlen(v);
            p++;
        } else {
            n++;
        }
    }
    char *out = malloc(n);
    if (!out)
        return NULL;
    size_t k = 0;
    for (const char *p = pat; *p; p++) {
        if (p[0] == '%' && p[1]) {
            const char *v = p[1] == 'D' ? d : p[1] == 'X' ? x : p[1] == 'I' ? ip : "%";
            memcpy(out + k, v, strlen(v));
            k += strlen(v);
            p++;
        } else {
            out[k++] = *p;
        }
    }
    out[k] = '\0';
    return out;
}

void relay_cases_free(relay_case *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].mail_from);
        free(v[i].rcpt_to);
        reply_free(v[i].reply);
        free(v[i].detail);
    }
    free(v);
}

int relay_cases_build(const char *server_domain, const char *server_ip,
                      const char *external_domain, relay_case **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *x = external_domain && *external_domain ? external_domain : RELAY_DEFAULT_EXTERNAL;
    /* RFC 5321 §4.1.3: "[192.0.2.1]", "[IPv6:2001:db8::1]". */
    char lit[80];
    if (server_ip && *server_ip)
        snprintf(lit, sizeof lit, "[%s%s]", strchr(server_ip, ':') ? "IPv6:" : "", server_ip);
    else
        snprintf(lit, sizeof lit, "%s", server_domain && *server_domain ? server_domain
                                                                        : "localhost");
    const char *d = server_domain && *server_domain ? server_domain : lit;
    relay_case *v = calloc(N_BATTERY, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < N_BATTERY; i++) {
        v[i].id = battery[i].id;
        v[i].title = battery[i].title;
        v[i].foreign = battery[i].foreign;
        v[i].verdict = PROBE_NOT_RUN;
        v[i].mail_from = expand(battery[i].from, d, x, lit);
        v[i].rcpt_to = expand(battery[i].to, d, x, lit);
        if (!v[i].mail_from || !v[i].rcpt_to) {
            relay_cases_free(v, N_BATTERY);
            return -1;
        }
    }
    *out = v;
    *n = N_BATTERY;
    return 0;
}

char *relay_guess_domain(const char *name)
{
    if (!name || !*name || strlen(name) > 253 || name[0] == '[')
        return NULL;
    size_t labels = 1;
    bool digits_only = true;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
        if (!ok)
            return NULL;
        if (c == '.') {
            if (p == name || p[1] == '.' || p[1] == '\0')
                return NULL;
            labels++;
        } else if (c < '0' || c > '9') {
            digits_only = false;
        }
    }
    if (digits_only || labels < 2) /* an IPv4 address, or a bare host name */
        return NULL;
    const char *d = labels >= 3 ? strchr(name, '.') + 1 : name;
    char *out = xstrdup(d);
    for (char *p = out; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

/* ------------------------------------------------------------------ run */

typedef struct relay_run_ctx {
    const relay_opts *o;
    relay_outcome *out;
    relay_session s;
    bool open;
    relay_session_opts so;
    const tcp_addr *addrs;
    size_t n_addrs;
    int64_t end;            /* the whole run's deadline */
    err last;               /* why the last session failed or could not open */
} relay_run_ctx;

static void note(relay_outcome *out, char *s)
{
    if (s && xarray_push((void ***)&out->notes, &out->n_notes, s) < 0)
        free(s);
}

static void pause_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void case_error(relay_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void case_error(relay_case *c, const char *fmt, ...)
{
    c->verdict = PROBE_ERROR;
    free(c->detail);
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&c->detail, fmt, ap) < 0)
        c->detail = NULL;
    va_end(ap);
}

static void session_drop(relay_run_ctx *r)
{
    if (r->open)
        relay_session_close(&r->s, r->so.timeout_ms);
    r->open = false;
}

static int session_open(relay_run_ctx *r)
{
    err_clear(&r->last);
    if (r->out->n_connections > 0)
        transcript_addf(r->out->transcript, TR_INFO,
                        "reconnecting (session %zu of at most %d)", r->out->n_connections + 1,
                        RELAY_MAX_CONNECTIONS);
    r->out->n_connections++;
    if (relay_session_open(&r->so, r->addrs, r->n_addrs, r->out->transcript, &r->s, &r->last) <
        0) {
        transcript_addf(r->out->transcript, TR_INFO, "session failed: %s", r->last.msg);
        return -1;
    }
    r->open = true;
    if (!r->out->address && r->s.address[0])
        r->out->address = xstrdup(r->s.address);
    r->out->tls_used = r->s.tls_ok;
    return 0;
}

/* After a failed exchange: was it the connection (reconnect) or a reply? */
static bool io_failed(relay_run_ctx *r)
{
    return client_get_state(r->s.cl) == CS_BROKEN;
}

/* One case on the open session. */
static void run_case(relay_run_ctx *r, relay_case *c)
{
    int64_t to = r->so.timeout_ms;
    err e;
    err_clear(&e);
    smtp_reply *rep = NULL;
    char *line = xasprintf("MAIL FROM:<%s>", c->mail_from);
    if (!line) {
        case_error(c, "%s", "out of memory");
        return;
    }
    int rc = client_command(r->s.cl, line, clock_deadline_in(to), &rep, &e);
    free(line);
    if (rc < 0) {
        case_error(c, "MAIL FROM failed: %s", e.msg);
        reply_free(rep);
        if (io_failed(r))
            session_drop(r);
        return;
    }
    if (rep->code == 421) {
        case_error(c, "%s", "the server answered 421 to MAIL FROM and is closing the session");
        c->reply = rep;
        session_drop(r);
        return;
    }
    if (!reply_ok(rep)) {
        c->verdict = PROBE_REFUSED;
        c->reply = rep;
        goto rset;
    }
    reply_free(rep);
    rep = NULL;
    line = xasprintf("RCPT TO:<%s>", c->rcpt_to);
    if (!line) {
        case_error(c, "%s", "out of memory");
        goto rset;
    }
    rc = client_command(r->s.cl, line, clock_deadline_in(to), &rep, &e);
    free(line);
    if (rc < 0) {
        case_error(c, "RCPT TO failed: %s", e.msg);
        reply_free(rep);
        if (io_failed(r)) {
            session_drop(r);
            return;
        }
        goto rset;
    }
    c->reply = rep;
    if (rep->code == 421) {
        case_error(c, "%s", "the server answered 421 to RCPT TO and is closing the session");
        session_drop(r);
        return;
    }
    c->verdict = reply_ok(rep) ? PROBE_ACCEPTED : PROBE_REFUSED;
rset:
    /* Always RSET: the transaction must not survive into the next case. */
    rep = NULL;
    err_clear(&e);
    rc = client_command(r->s.cl, "RSET", clock_deadline_in(to), &rep, &e);
    bool ok = rc == 0 && reply_ok(rep);
    reply_free(rep);
    if (!ok) {
        transcript_addf(r->out->transcript, TR_INFO,
                        "RSET was not accepted; the next case uses a new session");
        session_drop(r);
    }
}

static bool is_loopback(const char *a)
{
    return a && (strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0);
}

/* Findings from the verdicts. */
static int judge(relay_outcome *out)
{
    size_t acc = 0, lenient = 0, errs = 0, decided = 0;
    char ids[1024] = "", errids[1024] = "";
    const relay_case *first = NULL;
    for (size_t i = 0; i < out->n_cases; i++) {
        const relay_case *c = &out->cases[i];
        if (c->verdict == PROBE_ACCEPTED && c->foreign) {
            size_t l = strlen(ids);
            snprintf(ids + l, sizeof ids - l, "%s%s", acc ? ", " : "", c->id);
            if (!first)
                first = c;
            acc++;
        } else if (c->verdict == PROBE_ACCEPTED) {
            lenient++;
        }
        if (c->verdict == PROBE_ERROR || c->verdict == PROBE_NOT_RUN) {
            size_t l = strlen(errids);
            snprintf(errids + l, sizeof errids - l, "%s%s", errs ? ", " : "", c->id);
            errs++;
        } else {
            decided++;
        }
    }
    out->n_accepted = acc;
    int rc = 0;
    if (decided == 0) {
        const char *why = out->n_cases && out->cases[0].detail ? out->cases[0].detail
                                                                 : "no case could be run";
        return finding_add(&out->findings, "relay.unreachable", STAGE_RELAY, NULL,
                           "no relay case could be tested on %s port %d: %s", out->host,
                           out->port, why);
    }
    if (acc) {
        rc |= finding_add(&out->findings, "relay.open", STAGE_RELAY, NULL,
                          "the server accepted %zu of %zu relay attempts without "
                          "authentication (%s); e.g. MAIL FROM:<%s> RCPT TO:<%s> got %d%s",
                          acc, out->n_cases, ids, first->mail_from, first->rcpt_to,
                          first->reply ? first->reply->code : 0,
                          is_loopback(out->address)
                              ? " (tested over loopback: a server that trusts local clients "
                                "relays for them by design; test from outside too)"
                              : "");
    }
    if (lenient)
        rc |= finding_add(&out->findings, "relay.unqualified_accepted", STAGE_RELAY, NULL,
                          "the server accepted the unqualified recipient <relay-test> "
                          "(no domain)");
    if (errs)
        rc |= finding_add(&out->findings, "relay.inconclusive", STAGE_RELAY, NULL,
                          "%zu of %zu cases could not be tested (%s)", errs, out->n_cases,
                          errids);
    if (!acc && !errs)
        rc |= finding_add(&out->findings, "relay.refused_all", STAGE_RELAY, NULL,
                          "all %zu relay attempts were refused", out->n_cases);
    return rc ? -1 : 0;
}

int relay_run(const relay_opts *o, dns_resolver *resolver, relay_outcome *out)
{
    memset(out, 0, sizeof *out);
    int64_t t0 = clock_now_ms();
    out->host = xstrdup(o->host);
    out->port = o->port;
    out->transcript = transcript_new(t0);
    out->external_domain = xstrdup(o->external_domain && *o->external_domain
                                       ? o->external_domain
                                       : RELAY_DEFAULT_EXTERNAL);
    if (!out->host || !out->transcript || !out->external_domain)
        return -1;
    int64_t timeout = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    relay_run_ctx r = {
        .o = o,
        .out = out,
        .end = t0 + RELAY_MAX_RUN_MS,
        .so = {.port = o->port,
               .tls = o->tls,
               .servername = o->servername ? o->servername : o->host,
               .ca_file = o->ca_file,
               .helo = o->helo,
               .timeout_ms = timeout},
    };
    resolved_target t = {0};
    err e;
    err_clear(&e);
    bool reached = false;
    if (resolve_target(o->host, o->family, true, resolver, timeout, &t, &e) < 0) {
        r.last = e;
        transcript_addf(out->transcript, TR_INFO, "resolving %s failed: %s", o->host, e.msg);
    } else {
        if (t.mx_host)
            note(out, xasprintf("%s has no address; tested its MX host %s", o->host,
                                t.mx_host));
        r.addrs = t.addrs;
        r.n_addrs = t.n;
        reached = session_open(&r) == 0;
        /* tls auto: a STARTTLS the server offers but cannot complete must not
         * hide its relaying policy; the battery runs in plaintext then. */
        stage_id st = r.last.stage;
        if (!reached && o->tls == TLSM_AUTO && o->port != 465 &&
            (st == STAGE_STARTTLS || st == STAGE_TLS || st == STAGE_EHLO_TLS)) {
            note(out, xasprintf("STARTTLS failed (%s); the battery ran without TLS", r.last.msg));
            r.so.tls = TLSM_NONE;
            reached = session_open(&r) == 0;
        }
    }

    /* The server's own domain: --domain, else a guess from its names. */
    if (o->server_domain && *o->server_domain) {
        out->server_domain = xstrdup(o->server_domain);
    } else if (reached) {
        out->server_domain = relay_guess_domain(r.s.caps.domain);
        if (!out->server_domain)
            out->server_domain = relay_guess_domain(r.s.greeting_name);
        out->server_domain_guessed = out->server_domain != NULL;
        if (out->server_domain)
            note(out, xasprintf("the server's own domain was guessed as %s from its host "
                                "name; use --domain to set it",
                                out->server_domain));
        else
            note(out, xasprintf("%s", "the server's own domain could not be guessed from its "
                                      "host name; its address literal stands in (--domain sets it)"));
    }
    if (relay_cases_build(out->server_domain, out->address, out->external_domain, &out->cases,
                          &out->n_cases) < 0) {
        session_drop(&r);
        resolved_target_free(&t);
        return -1;
    }

    for (size_t i = 0; i < out->n_cases; i++) {
        relay_case *c = &out->cases[i];
        if (!reached) {
            case_error(c, "not reached: %s", r.last.msg[0] ? r.last.msg : "no session");
            continue;
        }
        if (clock_now_ms() >= r.end) {
            case_error(c, "%s", "not reached: the run's time limit passed");
            continue;
        }
        if (i > 0 && o->delay_ms > 0) {
            int64_t left = r.end - clock_now_ms();
            pause_ms(o->delay_ms < left ? o->delay_ms : left);
        }
        if (!r.open) {
            if (out->n_connections >= RELAY_MAX_CONNECTIONS) {
                case_error(c, "not reached: the server dropped the session %s",
                           "too often (reconnect limit)");
                continue;
            }
            if (session_open(&r) < 0) {
                case_error(c, "not reached: reconnecting failed: %s", r.last.msg);
                continue;
            }
        }
        transcript_addf(out->transcript, TR_INFO, "case %s", c->id);
        run_case(&r, c);
    }
    session_drop(&r);
    resolved_target_free(&t);
    out->total_ms = clock_now_ms() - t0;
    return judge(out);
}

void relay_outcome_free(relay_outcome *out)
{
    if (!out)
        return;
    free(out->host);
    free(out->address);
    relay_cases_free(out->cases, out->n_cases);
    finding_list_free(&out->findings);
    for (size_t i = 0; i < out->n_notes; i++)
        free(out->notes[i]);
    free(out->notes);
    transcript_free(out->transcript);
    free(out->server_domain);
    free(out->external_domain);
    memset(out, 0, sizeof *out);
}
