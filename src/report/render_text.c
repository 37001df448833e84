/* render_text.c — the result model for people reading a terminal.
 *
 * Order follows how a person diagnoses: what was checked, the port sweep,
 * the stage table (where did it stop?), a timing waterfall (where did the
 * time go?), the TLS summary, for `send` the delivery per recipient, findings worst first with advice, the
 * transcript with -v, and the verdict last so it is the line left on screen.
 * Marks are ✓ pass, ! warn, ✗ fail, – skip (docs/internals/RESULT-MODEL.md);
 * ANSI colour only when the frontend asks for it. Every peer string in the
 * result was escaped when stored, so it is printed as is. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/stage.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tlsinfo.h"
/* ---- protocol ---- */
#include "protocol/reply.h"
#include "protocol/transcript.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/render_domain.h"
#include "report/render_security.h"
#include "report/render_explain.h"
#include "report/render_textw.h"
#include "report/result.h"

#define WATERFALL_COLS 40

/* ANSI SGR parameters. */
#define C_GREEN "32"
#define C_YELLOW "33"
#define C_RED "31"
#define C_DIM "2"
#define C_BOLD "1"

typedef struct tw {
    buf *out;
    bool color;
    bool verbose;
    bool oom;     /* an append failed; checked once at the end */
} tw;

static void pr(tw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pr(tw *w, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) { /* s is undefined then */
        w->oom = true;
        return;
    }
    if (buf_append(w->out, s, (size_t)n) < 0)
        w->oom = true;
    free(s);
}

/* Start / end a coloured span; nothing at all without colour, so text output
 * (and the golden files) carry no escape sequences. */
static void on(tw *w, const char *sgr)
{
    if (w->color && sgr)
        pr(w, "\033[%sm", sgr);
}

static void off(tw *w, const char *sgr)
{
    if (w->color && sgr)
        pr(w, "\033[0m");
}

static const char *mode_text(tls_mode m)
{
    switch (m) {
    case TLSM_STARTTLS: return "STARTTLS";
    case TLSM_IMPLICIT: return "implicit TLS";
    case TLSM_NONE: return "no TLS";
    case TLSM_AUTO: return "TLS not negotiated";
    }
    return "TLS not negotiated";
}

static void header(tw *w, const result *r)
{
    const endpoint_outcome *e = r->endpoint;
    on(w, C_BOLD);
    pr(w, "smtpscope %s", r->command ? r->command : "check");
    if (e) {
        /* An IPv6 literal needs brackets before the port. */
        bool v6 = e->host && strchr(e->host, ':');
        pr(w, " %s%s%s:%d", v6 ? "[" : "", e->host ? e->host : "?", v6 ? "]" : "", e->port);
        if (e->address)
            pr(w, " (%s)", e->address);
        pr(w, " — %s", mode_text(e->tls_used));
    }
    off(w, C_BOLD);
    pr(w, "\n");
    for (size_t i = 0; i < r->n_notes; i++)
        pr(w, "  note: %s\n", r->notes[i]);
}

static const char *port_color(port_state s)
{
    switch (s) {
    case PORT_OPEN: return C_GREEN;
    case PORT_REJECTING:
    case PORT_ERROR: return C_YELLOW;
    case PORT_REFUSED:
    case PORT_TIMEOUT:
    case PORT_UNREACHABLE: return C_RED;
    }
    return NULL;
}

static void sweep_section(tw *w, const sweep_outcome *s)
{
    pr(w, "\nPort sweep\n");
    for (size_t i = 0; i < s->n && i < SWEEP_MAX_PORTS; i++) {
        const sweep_port *p = &s->ports[i];
        const char *c = port_color(p->state);
        pr(w, "  %-5d ", p->port);
        on(w, c);
        pr(w, "%-11s", port_state_name(p->state));
        off(w, c);
        char t[32];
        if (p->ms < 1000)
            snprintf(t, sizeof t, "%lld ms", (long long)(p->ms < 0 ? 0 : p->ms));
        else
            snprintf(t, sizeof t, "%lld.%lld s", (long long)(p->ms / 1000),
                     (long long)(p->ms % 1000 / 100));
        pr(w, " %8s  %s\n", t, p->summary ? p->summary : "");
    }
    if (s->best_port)
        pr(w, "  → checking %d (best reachable submission port)\n", s->best_port);
    else
        pr(w, "  → no port offered an SMTP session\n");
}

static void stage_table(tw *w, const endpoint_outcome *e)
{
    pr(w, "\nStages\n");
    for (int s = STAGE_RESOLVE; s <= STAGE_QUIT; s++) {
        const stage_record *sr = &e->stages[s];
        stage_status st = sr->ran ? sr->status : SS_SKIP;
        const char *c = textw_status_color(st);
        /* Columns: mark, name, time, reply code + enhanced code, detail. */
        char ms[32] = "", code[32] = "";
        if (sr->ran)
            snprintf(ms, sizeof ms, "%lld ms", (long long)sr->ms);
        if (sr->reply)
            snprintf(code, sizeof code, "%d%s%s", sr->reply->code, sr->reply->enhanced[0] ? " " : "",
                     sr->reply->enhanced);
        const char *detail = sr->detail;
        if (!detail && sr->reply && sr->reply->n_lines)
            detail = sr->reply->lines[0];
        /* Padding must not leave trailing blanks (golden files, copy-paste). */
        char *rest = xasprintf(" %8s  %-10s %s", ms, code, detail ? detail : "");
        if (!rest) {
            w->oom = true;
            return;
        }
        size_t n = strlen(rest);
        while (n && rest[n - 1] == ' ')
            rest[--n] = '\0';
        pr(w, "  ");
        on(w, c);
        pr(w, "%s %s", textw_status_mark(st), stage_name((stage_id)s));
        if (rest[0])
            pr(w, "%*s", 9 - (int)strlen(stage_name((stage_id)s)), "");
        if (st != SS_SKIP)
            off(w, c);
        pr(w, "%s", rest);
        if (st == SS_SKIP)
            off(w, c);
        free(rest);
        pr(w, "\n");
    }
}

static void waterfall(tw *w, const endpoint_outcome *e)
{
    int64_t total = e->total_ms;
    bool any = false;
    for (int s = STAGE_RESOLVE; s <= STAGE_QUIT; s++) {
        const stage_record *sr = &e->stages[s];
        if (!sr->ran)
            continue;
        any = true;
        if (sr->start_ms + sr->ms > total)
            total = sr->start_ms + sr->ms;
    }
    if (!any)
        return;
    if (total <= 0)
        total = 1;
    /* Column titles over the numbers: a row is 2 + 9 + 1 + WATERFALL_COLS
     * columns, then " %5lld ms %5lld ms". */
    int hlen = snprintf(NULL, 0, "Timing (total %lld ms)", (long long)e->total_ms);
    pr(w, "\nTiming (total %lld ms)%*s%9s\n", (long long)e->total_ms,
       2 + 9 + 1 + WATERFALL_COLS + 6 - hlen, "start", "took");
    for (int s = STAGE_RESOLVE; s <= STAGE_QUIT; s++) {
        const stage_record *sr = &e->stages[s];
        if (!sr->ran)
            continue;
        int64_t start = sr->start_ms < 0 ? 0 : sr->start_ms;
        int64_t dur = sr->ms < 0 ? 0 : sr->ms;
        int col = (int)(start * WATERFALL_COLS / total);
        int len = (int)((dur * WATERFALL_COLS + total - 1) / total); /* round up */
        if (len < 1)
            len = 1;
        if (col > WATERFALL_COLS - len)
            col = WATERFALL_COLS - len;
        const char *c = textw_status_color(sr->status);
        pr(w, "  %-9s ", stage_name((stage_id)s));
        on(w, C_DIM);
        for (int i = 0; i < col; i++)
            pr(w, "░");
        off(w, C_DIM);
        on(w, c);
        for (int i = 0; i < len; i++)
            pr(w, "█");
        off(w, c);
        on(w, C_DIM);
        for (int i = col + len; i < WATERFALL_COLS; i++)
            pr(w, "░");
        off(w, C_DIM);
        pr(w, " %5lld ms %5lld ms\n", (long long)start, (long long)dur);
    }
}

static const struct {
    unsigned bit;
    const char *text;
} problem_text[] = {
    {TLSV_EXPIRED, "expired"},
    {TLSV_NOT_YET_VALID, "not yet valid"},
    {TLSV_SELF_SIGNED, "self-signed"},
    {TLSV_UNTRUSTED, "untrusted chain"},
    {TLSV_HOSTNAME, "hostname mismatch"},
    {TLSV_MISSING_INTERMEDIATE, "missing intermediate"},
    {TLSV_OTHER, "other problem"},
};

/* Shown when TLS was established or at least attempted; a run that never got
 * that far (refused connection, --tls none) has nothing to say about TLS. */
static void tls_section(tw *w, const endpoint_outcome *e)
{
    if (!e->tls_ok && !e->stages[STAGE_TLS].ran)
        return;
    pr(w, "\nTLS\n");
    if (!e->tls_ok) {
        on(w, C_RED);
        pr(w, "  not established");
        off(w, C_RED);
        pr(w, "\n");
        return;
    }
    const tls_info *t = &e->tls;
    pr(w, "  protocol  %s, %s", t->version ? t->version : "?", t->cipher ? t->cipher : "?");
    if (t->group)
        pr(w, " (%s)", t->group);
    pr(w, "\n  verified  ");
    if (t->verified) {
        on(w, C_GREEN);
        pr(w, "yes");
        off(w, C_GREEN);
        if (t->servername)
            pr(w, " — certificate valid for %s", t->servername);
    } else {
        on(w, C_RED);
        pr(w, "no");
        off(w, C_RED);
        const char *sep = " — ";
        for (size_t i = 0; i < sizeof problem_text / sizeof problem_text[0]; i++)
            if (t->problems & problem_text[i].bit) {
                pr(w, "%s%s", sep, problem_text[i].text);
                sep = ", ";
            }
        if (t->verify_error)
            pr(w, " (%s)", t->verify_error);
    }
    pr(w, "\n");
    if (t->chain_len) {
        const tls_cert *leaf = &t->chain[0];
        pr(w, "  subject   %s\n", leaf->subject ? leaf->subject : "?");
        pr(w, "  issuer    %s\n", leaf->issuer ? leaf->issuer : "?");
        pr(w, "  expires   %s ", leaf->not_after ? leaf->not_after : "?");
        const char *c = leaf->days_left < 0 ? C_RED : leaf->days_left < 14 ? C_YELLOW : NULL;
        on(w, c);
        if (leaf->days_left < 0)
            pr(w, "(expired %lld days ago)", (long long)-leaf->days_left);
        else
            pr(w, "(%lld day%s left)", (long long)leaf->days_left, leaf->days_left == 1 ? "" : "s");
        off(w, c);
        pr(w, "\n");
    }
    pr(w, "  chain     %zu certificate%s sent\n", t->chain_len, t->chain_len == 1 ? "" : "s");
}

static stage_status delivery_mark(delivery_status s)
{
    switch (s) {
    case DELIVERY_ACCEPTED: return SS_PASS;
    case DELIVERY_DEFERRED: return SS_WARN;
    case DELIVERY_BOUNCED: return SS_FAIL;
    case DELIVERY_NOT_TRIED: return SS_SKIP;
    }
    return SS_SKIP;
}

#define DELIVERY_REPLY_LINES 5 /* of a multi-line reply; -v shows them all */

/* `send`: the message, then each recipient with the reply that decided it
 * and what that reply means. */
static void delivery_section(tw *w, const delivery_report *d)
{
    if (!d)
        return;
    pr(w, "\nDelivery\n");
    pr(w, "  message   %s, %zu octets%s\n", d->message_id ? d->message_id : "(no Message-ID)",
       d->message_size, d->pipelined ? ", pipelined" : "");
    const char *c = textw_status_color(delivery_mark(d->status));
    pr(w, "  result    ");
    on(w, c);
    pr(w, "%s", delivery_status_name(d->status));
    off(w, c);
    if (d->queue_id)
        pr(w, ", queued as %s", d->queue_id);
    if (d->partial) {
        size_t ok = 0;
        for (size_t i = 0; i < d->n_rcpts; i++)
            ok += d->rcpts[i].status == DELIVERY_ACCEPTED;
        pr(w, " (partial: %zu of %zu recipient%s accepted)", ok, d->n_rcpts,
           d->n_rcpts == 1 ? "" : "s");
    }
    pr(w, "\n");
    for (size_t i = 0; i < d->n_rcpts; i++) {
        const delivery_rcpt *rc = &d->rcpts[i];
        stage_status st = delivery_mark(rc->status);
        const char *rcol = textw_status_color(st);
        pr(w, "  ");
        on(w, rcol);
        pr(w, "%s %-9s", textw_status_mark(st), delivery_status_name(rc->status));
        off(w, rcol);
        pr(w, " %s\n", rc->address ? rc->address : "?");
        const smtp_reply *rep = rc->reply;
        for (size_t l = 0; rep && l < rep->n_lines && l < DELIVERY_REPLY_LINES; l++)
            pr(w, "              %d %s\n", rep->code, rep->lines[l] ? rep->lines[l] : "");
        if (rep && rep->n_lines > DELIVERY_REPLY_LINES)
            pr(w, "              … %zu more line%s (-v shows the transcript)\n",
               rep->n_lines - DELIVERY_REPLY_LINES,
               rep->n_lines - DELIVERY_REPLY_LINES == 1 ? "" : "s");
        if (rep && rep->n_lines == 0)
            pr(w, "              %d\n", rep->code);
        if (rc->explanation && rc->status != DELIVERY_ACCEPTED)
            pr(w, "              → %s\n", rc->explanation);
    }
}

static void findings_section(tw *w, const finding_list *l)
{
    if (!l->n)
        return;
    pr(w, "\nFindings\n");
    textw x = {.out = w->out, .color = w->color, .oom = false};
    textw_findings(&x, l, NULL, NULL, 2);
    w->oom |= x.oom;
}

static void transcript_section(tw *w, const transcript *t)
{
    if (!t)
        return;
    pr(w, "\nTranscript\n");
    for (size_t i = 0; i < t->n; i++) {
        const tr_event *ev = &t->ev[i];
        const char *arrow = ev->dir == TR_SEND ? ">" : ev->dir == TR_RECV ? "<" : "*";
        pr(w, "  %5lldms  ", (long long)ev->ms);
        if (ev->dir == TR_INFO)
            on(w, C_DIM);
        pr(w, "%s %s", arrow, ev->line ? ev->line : "");
        if (ev->dir == TR_INFO)
            off(w, C_DIM);
        pr(w, "\n");
    }
    if (t->dropped)
        pr(w, "  … %zu more event%s not recorded (limit %d)\n", t->dropped,
           t->dropped == 1 ? "" : "s", TRANSCRIPT_MAX_EVENTS);
}

static void verdict_line(tw *w, const result *r)
{
    textw x = {.out = w->out, .color = w->color, .oom = false};
    textw_verdict(&x, r);
    w->oom |= x.oom;
}

static int render(const result *r, const render_opts *o, buf *out)
{
    bool color = o && o->color;
    if (r->domain)
        return render_domain_text(r, color, o && o->verbose, out);
    if (r->explain)
        return render_explain_text(r->explain, color, out);
    tw w = {.out = out, .color = color, .verbose = o && o->verbose, .oom = false};
    header(&w, r);
    if (r->sweep)
        sweep_section(&w, r->sweep);
    if (r->endpoint) {
        stage_table(&w, r->endpoint);
        waterfall(&w, r->endpoint);
        tls_section(&w, r->endpoint);
        delivery_section(&w, r->endpoint->delivery);
    }
    bool verbose = o && o->verbose;
    if (r->tls_audit && render_tls_audit_text(r->tls_audit, color, verbose, out) < 0)
        w.oom = true;
    if (r->smuggling && render_smuggling_text(r->smuggling, color, verbose, out) < 0)
        w.oom = true;
    if (r->relay && render_relay_text(r->relay, color, verbose, out) < 0)
        w.oom = true;
    findings_section(&w, &r->findings);
    if (w.verbose && r->endpoint)
        transcript_section(&w, r->endpoint->transcript);
    verdict_line(&w, r);
    return w.oom ? -1 : 0;
}

const renderer render_text = {.name = "text", .render = render};
