/* render_json.c — the result model as one JSON document (docs/json.md,
 * schema 1), built with jansson.
 *
 * Field names and shapes are a public contract: scripts and CI jobs parse
 * them, so a field is never renamed or retyped, only added (with a schema
 * bump when a change is incompatible). Every stage is always present, absent
 * values are null rather than missing, and lists are empty arrays rather than
 * null, so consumers never need to test for a key. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/escape.h"
#include "core/stage.h"
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
#include "report/render_jsonb.h"
#include "report/result.h"

static json_t *target_json(jb *b, const endpoint_outcome *e)
{
    if (!e)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "host", jstr(b, e->host));
    set(b, o, "port", jint(b, e->port));
    set(b, o, "address", jstr(b, e->address));
    set(b, o, "mx_host", jstr(b, e->mx_host));
    set(b, o, "tls_mode", jstr(b, tls_mode_name(e->tls_used)));
    return o;
}

/* All twelve stages in order, even when no endpoint check ran (then every
 * stage is a skip), so consumers can index them by position. */
static json_t *stages_json(jb *b, const endpoint_outcome *e)
{
    json_t *a = jarr(b);
    for (int s = STAGE_RESOLVE; a && s <= STAGE_QUIT; s++) {
        const stage_record *sr = e ? &e->stages[s] : NULL;
        bool ran = sr && sr->ran;
        json_t *o = jobj(b);
        set(b, o, "name", jstr(b, stage_name((stage_id)s)));
        set(b, o, "status", jstr(b, stage_status_name(sr ? sr->status : SS_SKIP)));
        set(b, o, "start_ms", ran ? jint(b, sr->start_ms) : json_null());
        set(b, o, "ms", jint(b, ran ? sr->ms : 0));
        set(b, o, "reply", render_jsonb_reply(b, ran ? sr->reply : NULL));
        set(b, o, "detail", jstr(b, sr ? sr->detail : NULL));
        push(b, a, o);
    }
    return a;
}

static json_t *attempts_json(jb *b, const endpoint_outcome *e)
{
    json_t *a = jarr(b);
    for (size_t i = 0; a && e && i < e->n_attempts; i++) {
        const tcp_attempt *t = &e->attempts[i];
        json_t *o = jobj(b);
        set(b, o, "address", jstr(b, t->addr));
        set(b, o, "ok", json_boolean(t->ok));
        set(b, o, "ms", jint(b, t->ms));
        set(b, o, "error", !t->ok && t->e.msg[0] ? jstr(b, t->e.msg) : json_null());
        push(b, a, o);
    }
    return a;
}

static const struct {
    unsigned bit;
    const char *name;
} tls_problem_names[] = {
    {TLSV_EXPIRED, "expired"},
    {TLSV_NOT_YET_VALID, "not_yet_valid"},
    {TLSV_SELF_SIGNED, "self_signed"},
    {TLSV_UNTRUSTED, "untrusted"},
    {TLSV_HOSTNAME, "hostname"},
    {TLSV_MISSING_INTERMEDIATE, "missing_intermediate"},
    {TLSV_OTHER, "other"},
};

static json_t *cert_json(jb *b, const tls_cert *c)
{
    json_t *o = jobj(b);
    set(b, o, "subject", jstr(b, c->subject));
    set(b, o, "issuer", jstr(b, c->issuer));
    set(b, o, "sans", str_array(b, c->sans, c->n_sans));
    set(b, o, "key_type", jstr(b, c->key_type));
    set(b, o, "key_bits", jint(b, c->key_bits));
    set(b, o, "sig_alg", jstr(b, c->sig_alg));
    set(b, o, "not_before", jstr(b, c->not_before));
    set(b, o, "not_after", jstr(b, c->not_after));
    set(b, o, "days_left", jint(b, c->days_left));
    set(b, o, "self_signed", json_boolean(c->self_signed));
    return o;
}

static json_t *tls_json(jb *b, const endpoint_outcome *e)
{
    if (!e || !e->tls_ok)
        return json_null();
    const tls_info *t = &e->tls;
    const tls_cert *leaf = t->chain_len ? &t->chain[0] : NULL;
    json_t *o = jobj(b);
    set(b, o, "version", jstr(b, t->version));
    set(b, o, "cipher", jstr(b, t->cipher));
    set(b, o, "group", jstr(b, t->group));
    set(b, o, "verified", json_boolean(t->verified));
    set(b, o, "hostname_match", json_boolean(t->hostname_match));
    set(b, o, "servername", jstr(b, t->servername));
    set(b, o, "subject", jstr(b, leaf ? leaf->subject : NULL));
    set(b, o, "issuer", jstr(b, leaf ? leaf->issuer : NULL));
    set(b, o, "not_before", jstr(b, leaf ? leaf->not_before : NULL));
    set(b, o, "not_after", jstr(b, leaf ? leaf->not_after : NULL));
    set(b, o, "days_left", leaf ? jint(b, leaf->days_left) : json_null());
    set(b, o, "chain_length", jint(b, (int64_t)t->chain_len));
    set(b, o, "verify_error", jstr(b, t->verify_error));
    set(b, o, "ocsp_stapled", json_boolean(t->ocsp_stapled));
    json_t *p = jarr(b);
    for (size_t i = 0; p && i < sizeof tls_problem_names / sizeof tls_problem_names[0]; i++)
        if (t->problems & tls_problem_names[i].bit)
            push(b, p, jstr(b, tls_problem_names[i].name));
    set(b, o, "problems", p);
    json_t *chain = jarr(b);
    for (size_t i = 0; chain && i < t->chain_len; i++)
        push(b, chain, cert_json(b, &t->chain[i]));
    set(b, o, "chain", chain);
    return o;
}

/* `send` only: the message as a whole; null for every other command. */
static json_t *message_json(jb *b, const delivery_report *d)
{
    if (!d)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "id", jstr(b, d->message_id));
    set(b, o, "size", jint(b, (int64_t)d->message_size));
    set(b, o, "queue_id", jstr(b, d->queue_id));
    set(b, o, "pipelined", json_boolean(d->pipelined));
    set(b, o, "status", jstr(b, delivery_status_name(d->status)));
    set(b, o, "partial", json_boolean(d->partial));
    return o;
}

/* `send` only: one entry per envelope recipient, in envelope order; the
 * enhanced code is repeated at the top so a script need not dig for it. */
static json_t *recipients_json(jb *b, const delivery_report *d)
{
    json_t *a = jarr(b);
    for (size_t i = 0; a && d && i < d->n_rcpts; i++) {
        const delivery_rcpt *rc = &d->rcpts[i];
        json_t *o = jobj(b);
        set(b, o, "address", jstr(b, rc->address));
        set(b, o, "status", jstr(b, delivery_status_name(rc->status)));
        set(b, o, "reply", render_jsonb_reply(b, rc->reply));
        set(b, o, "enhanced",
            rc->reply && rc->reply->enhanced[0] ? jstr(b, rc->reply->enhanced) : json_null());
        set(b, o, "explanation", jstr(b, rc->explanation));
        push(b, a, o);
    }
    return a;
}

static json_t *check_json(jb *b, const result *r)
{
    const endpoint_outcome *e = r->endpoint;
    json_t *o = render_jsonb_header(b, r);
    set(b, o, "target", target_json(b, e));
    set(b, o, "verdict", jstr(b, verdict_name(r->verdict)));
    set(b, o, "duration_ms", jint(b, e ? e->total_ms : 0));
    set(b, o, "stages", stages_json(b, e));
    set(b, o, "connect_attempts", attempts_json(b, e));
    set(b, o, "tls", tls_json(b, e));
    bool caps = e && e->have_caps;
    set(b, o, "capabilities", str_array(b, caps ? e->caps.lines : NULL, caps ? e->caps.n_lines : 0));
    set(b, o, "auth_mechanisms", str_array(b, caps ? e->caps.auth : NULL, caps ? e->caps.n_auth : 0));
    set(b, o, "auth_mechanism_used", jstr(b, e ? e->auth_mech_used : NULL));
    set(b, o, "message", message_json(b, e ? e->delivery : NULL));
    set(b, o, "recipients", recipients_json(b, e ? e->delivery : NULL));
    if (r->tls_audit)
        set(b, o, "tls_audit", render_tls_audit_json(r->tls_audit));
    if (r->smuggling)
        set(b, o, "smuggling", render_smuggling_json(r->smuggling));
    if (r->relay)
        set(b, o, "relay", render_relay_json(r->relay));
    set(b, o, "findings", render_jsonb_findings(b, &r->findings));
    set(b, o, "notes", str_array(b, r->notes, r->n_notes));
    set(b, o, "sweep", render_jsonb_sweep(b, r->sweep));
    set(b, o, "transcript", render_jsonb_transcript(b, e ? e->transcript : NULL));
    set(b, o, "transcript_dropped", jint(b, e && e->transcript ? (int64_t)e->transcript->dropped : 0));
    return o;
}

static json_t *explain_json(jb *b, const result *r)
{
    json_t *o = render_jsonb_header(b, r);
    set(b, o, "command", jstr(b, "explain"));
    set(b, o, "verdict", jstr(b, verdict_name(r->verdict)));
    json_t *x = render_explain_json(r->explain);
    if (!x)
        b->oom = true;
    set(b, o, "explain", x);
    return o;
}

static int render(const result *r, const render_opts *o, buf *out)
{
    (void)o; /* colour and verbosity are for people; JSON always has it all */
    jb b = {.oom = false};
    json_t *doc = r->domain    ? render_domain_json(r)
                  : r->explain ? explain_json(&b, r)
                               : check_json(&b, r);
    int rc = -1;
    char *s = NULL;
    if (!doc || b.oom)
        goto out;
    s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!s || buf_append_str(out, s) < 0 || buf_append_str(out, "\n") < 0)
        goto out;
    rc = 0;
out:
    free(s);
    json_decref(doc);
    return rc;
}

const renderer render_json = {.name = "json", .render = render};
