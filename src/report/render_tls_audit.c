/* render_tls_audit.c — the TLS audit (checks/security/tls_audit.h) as a text
 * section and as the JSON object "tls_audit" (docs/json.md#tls_audit),
 * including the DANE and STARTTLS-injection sub-objects.
 *
 * Marks follow the rest of the report, judged from the user's side: a weak
 * thing refused is ✓, a weak thing accepted is ✗ (or ! for the merely
 * deprecated), what could not be tested is –. Every peer string in the
 * outcome was escaped when stored and is printed as is. The findings
 * themselves and the notes were moved into the result (result_take_tls_audit)
 * and are printed with the rest of the run's. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- core ---- */
#include "core/buf.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- protocol ---- */
#include "protocol/reply.h"
#include "protocol/transcript.h"
/* ---- checks ---- */
#include "checks/security/dane.h"
#include "checks/security/injection.h"
#include "checks/security/tls_audit.h"
/* ---- report ---- */
#include "report/render_jsonb.h"
#include "report/render_security.h"
#include "report/render_textw.h"

/* ------------------------------------------------------------------ text */

/* How a version verdict looks to the user: index 0/1 are deprecated, 2/3
 * are the ones a server should accept. */
static stage_status version_status(size_t i, const tls_probe *p, const tls_audit_outcome *a)
{
    switch (p->verdict) {
    case PROBE_ACCEPTED: return i < 2 ? SS_WARN : SS_PASS;
    case PROBE_REFUSED:
        if (i < 2)
            return SS_PASS;
        if (i == 2)  /* no TLS 1.2 is only fine when 1.3 is there */
            return a->versions[3].verdict == PROBE_ACCEPTED ? SS_PASS : SS_FAIL;
        return a->versions[2].verdict == PROBE_ACCEPTED ? SS_SKIP : SS_FAIL;
    case PROBE_ERROR: return SS_WARN;
    case PROBE_UNTESTABLE:
    case PROBE_NOT_RUN: return SS_SKIP;
    }
    return SS_SKIP;
}

static stage_status cipher_status(const tls_probe *p)
{
    switch (p->verdict) {
    case PROBE_ACCEPTED: return strcmp(p->name, "3DES") == 0 ? SS_WARN : SS_FAIL;
    case PROBE_REFUSED: return SS_PASS;
    case PROBE_ERROR: return SS_WARN;
    case PROBE_UNTESTABLE:
    case PROBE_NOT_RUN: return SS_SKIP;
    }
    return SS_SKIP;
}

static void probe_line(textw *w, const tls_probe *p, stage_status st)
{
    const char *c = textw_status_color(st);
    textw_printf(w, "    ");
    textw_on(w, c);
    textw_printf(w, "%s %-10s %-10s", textw_status_mark(st), p->name ? p->name : "?",
                 probe_verdict_name(p->verdict));
    textw_off(w, c);
    if (p->negotiated)
        textw_printf(w, " %s", p->negotiated);
    else if (p->detail)
        textw_printf(w, " %s", p->detail);
    textw_printf(w, "\n");
}

static void tri_line(textw *w, const char *label, tri v, bool yes_is_bad, const char *extra)
{
    stage_status st = v == TRI_UNKNOWN ? SS_SKIP
                      : (v == TRI_YES) == yes_is_bad ? SS_WARN
                                                     : SS_PASS;
    const char *c = textw_status_color(st);
    textw_printf(w, "    ");
    textw_on(w, c);
    textw_printf(w, "%s %-22s %s", textw_status_mark(st), label, tri_name(v));
    textw_off(w, c);
    if (extra && *extra)
        textw_printf(w, " (%s)", extra);
    textw_printf(w, "\n");
}

static void policy_section(textw *w, const tls_audit_outcome *a)
{
    if (a->tls == TLSM_IMPLICIT) {
        textw_printf(w, "  before TLS\n    – implicit TLS: nothing is exchanged in plaintext\n");
        return;
    }
    textw_printf(w, "  before STARTTLS\n");
    tri_line(w, "STARTTLS offered", a->starttls_offered, false, NULL);
    char auth[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < a->n_plaintext_auth && used < sizeof auth; i++) {
        int n = snprintf(auth + used, sizeof auth - used, "%s%s", i ? " " : "",
                         a->plaintext_auth[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    tri_line(w, "AUTH before STARTTLS", a->auth_before_starttls, true, auth);
    char *said = a->mail_reply ? reply_text(a->mail_reply, " ") : NULL;
    char mail[320] = "";
    if (a->mail_reply)
        snprintf(mail, sizeof mail, "MAIL before STARTTLS: %d %s", a->mail_reply->code,
                 said ? said : "");
    free(said);
    /* Only on a submission port is "not required" a problem. */
    tri v = a->starttls_required;
    stage_status st = v == TRI_UNKNOWN ? SS_SKIP
                      : v == TRI_YES   ? SS_PASS
                      : a->submission  ? SS_WARN
                                       : SS_SKIP;
    const char *c = textw_status_color(st);
    textw_printf(w, "    ");
    textw_on(w, c);
    textw_printf(w, "%s %-22s %s", textw_status_mark(st), "STARTTLS required", tri_name(v));
    textw_off(w, c);
    if (mail[0])
        textw_printf(w, " (%s)", mail);
    textw_printf(w, "\n");
}

static void audit_transcript(textw *w, const transcript *t)
{
    if (!t || !t->n)
        return;
    textw_printf(w, "  transcript\n");
    for (size_t i = 0; i < t->n; i++) {
        const tr_event *ev = &t->ev[i];
        const char *arrow = ev->dir == TR_SEND ? ">" : ev->dir == TR_RECV ? "<" : "*";
        textw_printf(w, "    %5lldms  ", (long long)ev->ms);
        if (ev->dir == TR_INFO)
            textw_on(w, TEXTW_DIM);
        textw_printf(w, "%s %s", arrow, ev->line ? ev->line : "");
        if (ev->dir == TR_INFO)
            textw_off(w, TEXTW_DIM);
        textw_printf(w, "\n");
    }
    if (t->dropped)
        textw_printf(w, "    … %zu more event%s not recorded (limit %d)\n", t->dropped,
                     t->dropped == 1 ? "" : "s", TRANSCRIPT_MAX_EVENTS);
}

int render_tls_audit_text(const tls_audit_outcome *a, bool color, bool verbose, buf *out)
{
    textw w = {.out = out, .color = color, .oom = false};
    textw_printf(&w, "\n");
    textw_on(&w, TEXTW_BOLD);
    textw_printf(&w, "TLS audit");
    textw_off(&w, TEXTW_BOLD);
    bool v6 = a->address && strchr(a->address, ':');
    textw_printf(&w, " — %s%s%s port %d, %s%s, %zu connection%s, %lld ms\n",
                 v6 ? "[" : "", a->address ? a->address : a->host ? a->host : "?", v6 ? "]" : "",
                 a->port, a->tls == TLSM_IMPLICIT ? "implicit TLS" : "STARTTLS",
                 a->submission ? " (submission)" : "", a->connections,
                 a->connections == 1 ? "" : "s", (long long)a->total_ms);
    if (a->stopped) {
        textw_on(&w, TEXTW_YELLOW);
        textw_printf(&w, "  stopped: %s\n", a->stopped);
        textw_off(&w, TEXTW_YELLOW);
    }
    textw_printf(&w, "  protocol versions (each offered alone)\n");
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++)
        probe_line(&w, &a->versions[i], version_status(i, &a->versions[i], a));
    textw_printf(&w, "  weak cipher classes (each offered alone, TLS 1.0-1.2)\n");
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES; i++)
        probe_line(&w, &a->ciphers[i], cipher_status(&a->ciphers[i]));
    policy_section(&w, a);

    const dane_report *d = &a->dane;
    stage_status ds = d->state == DANE_VERIFIED ? SS_PASS
                      : d->state == DANE_MISMATCH || d->state == DANE_BOGUS ? SS_FAIL
                      : d->state == DANE_INSECURE || d->state == DANE_UNUSABLE ||
                              d->state == DANE_ERROR
                          ? SS_WARN
                          : SS_SKIP;
    const char *c = textw_status_color(ds);
    textw_printf(&w, "  DANE\n    ");
    textw_on(&w, c);
    textw_printf(&w, "%s %s", textw_status_mark(ds), dane_state_name(d->state));
    textw_off(&w, c);
    if (d->qname)
        textw_printf(&w, " %s", d->qname);
    if (d->detail)
        textw_printf(&w, " — %s", d->detail);
    textw_printf(&w, "\n");
    for (size_t i = 0; i < d->n_records; i++) {
        const dane_record_view *rv = &d->records[i];
        const char *hex = rv->data_hex ? rv->data_hex : "";
        size_t n = strlen(hex);
        textw_printf(&w, "      TLSA %u %u %u %.16s%s%s%s\n", rv->usage, rv->selector, rv->mtype,
                     hex, n > 16 ? "…" : "", rv->matched ? "  matched" : "",
                     rv->usable ? "" : "  (not usable for SMTP)");
    }

    const injection_report *inj = &a->injection;
    if (inj->state != INJECTION_NOT_RUN) {
        stage_status is = inj->state == INJECTION_SAFE         ? SS_PASS
                          : inj->state == INJECTION_VULNERABLE ? SS_FAIL
                                                               : SS_WARN;
        c = textw_status_color(is);
        textw_printf(&w, "  STARTTLS injection\n    ");
        textw_on(&w, c);
        textw_printf(&w, "%s %s", textw_status_mark(is), injection_state_name(inj->state));
        textw_off(&w, c);
        if (inj->detail)
            textw_printf(&w, " — %s", inj->detail);
        if (inj->evidence)
            textw_printf(&w, " (evidence: %s)", inj->evidence);
        textw_printf(&w, "\n");
    }
    if (verbose)
        audit_transcript(&w, a->transcript);
    return w.oom ? -1 : 0;
}

/* ------------------------------------------------------------------ JSON */

static json_t *probes_json(jb *b, const tls_probe *v, size_t n)
{
    json_t *arr = jarr(b);
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = jobj(b);
        set(b, o, "name", jstr(b, v[i].name));
        set(b, o, "verdict", jstr(b, probe_verdict_name(v[i].verdict)));
        set(b, o, "negotiated", jstr(b, v[i].negotiated));
        set(b, o, "detail", jstr(b, v[i].detail));
        push(b, arr, o);
    }
    return arr;
}

static json_t *dane_json(jb *b, const dane_report *d)
{
    json_t *o = jobj(b);
    set(b, o, "state", jstr(b, dane_state_name(d->state)));
    set(b, o, "qname", jstr(b, d->qname));
    set(b, o, "dnssec",
        d->state == DANE_NOT_CHECKED ? json_null() : jstr(b, dns_dnssec_name((dns_dnssec)d->dnssec)));
    json_t *recs = jarr(b);
    for (size_t i = 0; recs && i < d->n_records; i++) {
        const dane_record_view *rv = &d->records[i];
        json_t *r = jobj(b);
        set(b, r, "usage", jint(b, rv->usage));
        set(b, r, "selector", jint(b, rv->selector));
        set(b, r, "matching_type", jint(b, rv->mtype));
        set(b, r, "data", jstr(b, rv->data_hex ? rv->data_hex : ""));
        set(b, r, "usable", json_boolean(rv->usable));
        set(b, r, "matched", json_boolean(rv->matched));
        push(b, recs, r);
    }
    set(b, o, "records", recs);
    set(b, o, "match_depth", d->match_depth >= 0 ? jint(b, d->match_depth) : json_null());
    set(b, o, "detail", jstr(b, d->detail));
    return o;
}

static json_t *injection_json(jb *b, const injection_report *r)
{
    json_t *o = jobj(b);
    set(b, o, "state", jstr(b, injection_state_name(r->state)));
    set(b, o, "evidence", jstr(b, r->evidence));
    set(b, o, "detail", jstr(b, r->detail));
    return o;
}

json_t *render_tls_audit_json(const tls_audit_outcome *a)
{
    jb b = {.oom = false};
    json_t *o = jobj(&b);
    if (!o)
        return NULL;
    set(&b, o, "host", jstr(&b, a->host));
    set(&b, o, "port", jint(&b, a->port));
    set(&b, o, "address", jstr(&b, a->address));
    set(&b, o, "mx_host", jstr(&b, a->mx_host));
    set(&b, o, "tls_mode", jstr(&b, tls_mode_name(a->tls)));
    set(&b, o, "submission", json_boolean(a->submission));
    set(&b, o, "versions", probes_json(&b, a->versions, TLS_AUDIT_VERSIONS));
    set(&b, o, "ciphers", probes_json(&b, a->ciphers, TLS_AUDIT_CIPHER_CLASSES));
    set(&b, o, "starttls_offered", jstr(&b, tri_name(a->starttls_offered)));
    set(&b, o, "auth_before_starttls", jstr(&b, tri_name(a->auth_before_starttls)));
    set(&b, o, "plaintext_auth_mechanisms", str_array(&b, a->plaintext_auth, a->n_plaintext_auth));
    set(&b, o, "starttls_required", jstr(&b, tri_name(a->starttls_required)));
    set(&b, o, "mail_before_starttls", render_jsonb_reply(&b, a->mail_reply));
    set(&b, o, "dane", dane_json(&b, &a->dane));
    set(&b, o, "injection", injection_json(&b, &a->injection));
    set(&b, o, "stopped", jstr(&b, a->stopped));
    set(&b, o, "connections", jint(&b, (int64_t)a->connections));
    set(&b, o, "duration_ms", jint(&b, a->total_ms));
    set(&b, o, "transcript", render_jsonb_transcript(&b, a->transcript));
    set(&b, o, "transcript_dropped",
        jint(&b, a->transcript ? (int64_t)a->transcript->dropped : 0));
    if (b.oom) {
        json_decref(o);
        return NULL;
    }
    return o;
}
