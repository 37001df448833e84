/* render_relay.c — text and JSON for the open-relay battery (`smtpscope
 * relay`) and the SMTP smuggling probe (--probe-smuggling): a table of
 * cases / variants with the verdict and the reply or evidence that decided
 * it; the JSON keys "relay" and "smuggling" are documented in docs/json.md.
 * Every peer string in the outcomes was escaped when stored. Each function
 * returns what render_security.h says; nothing here does I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* report */
#include "report/render_jsonb.h"
#include "report/render_security.h"
#include "report/render_textw.h"

/* ---------------------------------------------------------------- shared */

static const char *mark(probe_verdict v, bool bad_when_accepted)
{
    switch (v) {
    case PROBE_ACCEPTED: return bad_when_accepted ? "✗" : "!";
    case PROBE_REFUSED: return "✓";
    case PROBE_ERROR:
    case PROBE_UNTESTABLE: return "!";
    case PROBE_NOT_RUN: return "–";
    }
    return "?";
}

static const char *mark_color(probe_verdict v, bool bad_when_accepted)
{
    switch (v) {
    case PROBE_ACCEPTED: return bad_when_accepted ? TEXTW_RED : TEXTW_YELLOW;
    case PROBE_REFUSED: return TEXTW_GREEN;
    case PROBE_ERROR:
    case PROBE_UNTESTABLE: return TEXTW_YELLOW;
    case PROBE_NOT_RUN: return TEXTW_DIM;
    }
    return NULL;
}

static void transcript_text(textw *w, const transcript *t)
{
    if (!t)
        return;
    textw_printf(w, "\n  Transcript\n");
    for (size_t i = 0; i < t->n; i++) {
        const tr_event *ev = &t->ev[i];
        const char *arrow = ev->dir == TR_SEND ? ">" : ev->dir == TR_RECV ? "<" : "*";
        textw_printf(w, "    %5lldms  %s %s\n", (long long)ev->ms, arrow,
                     ev->line ? ev->line : "");
    }
    if (t->dropped)
        textw_printf(w, "    … %zu more events not recorded\n", t->dropped);
}

/* ---------------------------------------------------------------- relay */

static const char *relay_word(const relay_case *c)
{
    if (c->verdict == PROBE_ACCEPTED)
        return c->foreign ? "RELAYED" : "accepted";
    return probe_verdict_name(c->verdict);
}

int render_relay_text(const relay_outcome *x, bool color, bool verbose, buf *out)
{
    textw w = {.out = out, .color = color, .oom = false};
    bool v6 = x->host && strchr(x->host, ':');
    textw_printf(&w, "\n");
    textw_on(&w, TEXTW_BOLD);
    textw_printf(&w, "Open-relay battery");
    textw_off(&w, TEXTW_BOLD);
    textw_printf(&w, " — %s%s%s:%d", v6 ? "[" : "", x->host ? x->host : "?", v6 ? "]" : "",
                 x->port);
    if (x->address)
        textw_printf(&w, " (%s)", x->address);
    textw_printf(&w, ", %s\n", x->tls_used ? "over TLS" : "plaintext");
    textw_printf(&w, "  server domain %s%s, external domain %s; MAIL, RCPT, RSET: nothing "
                 "was sent\n",
                 x->server_domain ? x->server_domain : "(unknown)",
                 x->server_domain_guessed ? " (guessed)" : "",
                 x->external_domain ? x->external_domain : "?");
    for (size_t i = 0; i < x->n_cases; i++) {
        const relay_case *c = &x->cases[i];
        textw_printf(&w, "  ");
        textw_on(&w, mark_color(c->verdict, c->foreign));
        textw_printf(&w, "%s %-9s", mark(c->verdict, c->foreign), relay_word(c));
        textw_off(&w, mark_color(c->verdict, c->foreign));
        textw_printf(&w, " %-28s", c->id);
        if (c->reply)
            textw_printf(&w, " %d %s", c->reply->code,
                         c->reply->n_lines ? c->reply->lines[0] : "");
        textw_printf(&w, "\n              MAIL FROM:<%s> RCPT TO:<%s>\n",
                     c->mail_from ? c->mail_from : "", c->rcpt_to ? c->rcpt_to : "");
        if (c->detail)
            textw_printf(&w, "              %s\n", c->detail);
    }
    textw_printf(&w, "  %zu of %zu cases relayed; %zu session%s, %lld ms\n", x->n_accepted,
                 x->n_cases, x->n_connections, x->n_connections == 1 ? "" : "s",
                 (long long)x->total_ms);
    if (verbose)
        transcript_text(&w, x->transcript);
    return w.oom ? -1 : 0;
}

json_t *render_relay_json(const relay_outcome *x)
{
    jb b = {.oom = false};
    json_t *o = jobj(&b);
    set(&b, o, "host", jstr(&b, x->host));
    set(&b, o, "port", jint(&b, x->port));
    set(&b, o, "address", jstr(&b, x->address));
    set(&b, o, "server_domain", jstr(&b, x->server_domain));
    set(&b, o, "server_domain_guessed", json_boolean(x->server_domain_guessed));
    set(&b, o, "external_domain", jstr(&b, x->external_domain));
    set(&b, o, "tls", json_boolean(x->tls_used));
    set(&b, o, "connections", jint(&b, (int64_t)x->n_connections));
    set(&b, o, "duration_ms", jint(&b, x->total_ms));
    json_t *cases = jarr(&b);
    for (size_t i = 0; cases && i < x->n_cases; i++) {
        const relay_case *c = &x->cases[i];
        json_t *k = jobj(&b);
        set(&b, k, "id", jstr(&b, c->id));
        set(&b, k, "title", jstr(&b, c->title));
        set(&b, k, "mail_from", jstr(&b, c->mail_from));
        set(&b, k, "rcpt_to", jstr(&b, c->rcpt_to));
        set(&b, k, "foreign", json_boolean(c->foreign));
        set(&b, k, "verdict", jstr(&b, probe_verdict_name(c->verdict)));
        set(&b, k, "reply", render_jsonb_reply_joined(&b, c->reply));
        set(&b, k, "detail", jstr(&b, c->detail));
        push(&b, cases, k);
    }
    set(&b, o, "cases", cases);
    set(&b, o, "accepted", jint(&b, (int64_t)x->n_accepted));
    set(&b, o, "transcript", render_jsonb_transcript(&b, x->transcript));
    if (b.oom) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- smuggling */

int render_smuggling_text(const smuggling_outcome *s, bool color, bool verbose, buf *out)
{
    textw w = {.out = out, .color = color, .oom = false};
    bool v6 = s->host && strchr(s->host, ':');
    textw_printf(&w, "\n");
    textw_on(&w, TEXTW_BOLD);
    textw_printf(&w, "SMTP smuggling probe");
    textw_off(&w, TEXTW_BOLD);
    textw_printf(&w, " — %s%s%s:%d, marker %s\n", v6 ? "[" : "", s->host ? s->host : "?",
                 v6 ? "]" : "", s->port, s->marker ? s->marker : "?");
    for (size_t i = 0; i < s->n_variants; i++) {
        const smuggling_variant *v = &s->variants[i];
        const char *word = v->verdict == PROBE_ACCEPTED  ? "VULNERABLE"
                           : v->verdict == PROBE_REFUSED ? "safe"
                                                         : probe_verdict_name(v->verdict);
        textw_printf(&w, "  ");
        textw_on(&w, mark_color(v->verdict, true));
        textw_printf(&w, "%s %-10s", mark(v->verdict, true), word);
        textw_off(&w, mark_color(v->verdict, true));
        textw_printf(&w, " %-18s %s\n", v->id, v->sequence ? v->sequence : "");
        if (v->evidence)
            textw_printf(&w, "               %s\n", v->evidence);
    }
    textw_printf(&w, "  %zu of %zu variants ended the message data early; %lld ms\n",
                 s->n_vulnerable, s->n_variants, (long long)s->total_ms);
    if (verbose)
        transcript_text(&w, s->transcript);
    return w.oom ? -1 : 0;
}

json_t *render_smuggling_json(const smuggling_outcome *s)
{
    jb b = {.oom = false};
    json_t *o = jobj(&b);
    set(&b, o, "host", jstr(&b, s->host));
    set(&b, o, "port", jint(&b, s->port));
    set(&b, o, "marker", jstr(&b, s->marker));
    set(&b, o, "duration_ms", jint(&b, s->total_ms));
    json_t *vs = jarr(&b);
    for (size_t i = 0; vs && i < s->n_variants; i++) {
        const smuggling_variant *v = &s->variants[i];
        json_t *k = jobj(&b);
        set(&b, k, "id", jstr(&b, v->id));
        set(&b, k, "sequence", jstr(&b, v->sequence));
        set(&b, k, "verdict", jstr(&b, probe_verdict_name(v->verdict)));
        set(&b, k, "evidence", jstr(&b, v->evidence));
        push(&b, vs, k);
    }
    set(&b, o, "variants", vs);
    set(&b, o, "vulnerable", jint(&b, (int64_t)s->n_vulnerable));
    set(&b, o, "delivered", jint(&b, (int64_t)s->n_delivered));
    set(&b, o, "transcript", render_jsonb_transcript(&b, s->transcript));
    if (b.oom) {
        json_decref(o);
        return NULL;
    }
    return o;
}
