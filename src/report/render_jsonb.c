/* render_jsonb.c — the parts every JSON document shares (render_jsonb.h):
 * the header fields, findings[], the port sweep, SMTP replies and
 * transcripts, one implementation for `check`, `domain`, the TLS audit and
 * the relay/smuggling objects so their shapes stay identical
 * (docs/json.md). */
#include <stdlib.h>
#include <stddef.h>

#include <jansson.h>

/* ---- core ---- */
#include "core/stage.h"
/* ---- protocol ---- */
#include "protocol/reply.h"
#include "protocol/transcript.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/render_jsonb.h"
#include "report/result.h"

json_t *render_jsonb_header(jb *b, const result *r)
{
    json_t *o = jobj(b);
    set(b, o, "tool", jstr(b, "smtpscope"));
    set(b, o, "version", jstr(b, SMTPSCOPE_VERSION));
    set(b, o, "schema", jint(b, JSON_SCHEMA));
    set(b, o, "command", jstr(b, r->command ? r->command : "check"));
    return o;
}

json_t *render_jsonb_findings(jb *b, const finding_list *l)
{
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < l->n; i++) {
        const finding *f = &l->v[i];
        json_t *o = jobj(b);
        set(b, o, "id", jstr(b, f->id));
        set(b, o, "severity", jstr(b, severity_name(f->sev)));
        set(b, o, "stage", jstr(b, stage_name(f->stage)));
        set(b, o, "temporary", json_boolean(f->temporary));
        set(b, o, "message", jstr(b, f->message));
        set(b, o, "advice", jstr(b, f->advice));
        push(b, a, o);
    }
    return a;
}

json_t *render_jsonb_sweep(jb *b, const sweep_outcome *s)
{
    if (!s)
        return json_null();
    json_t *o = jobj(b);
    set(b, o, "best_port", s->best_port ? jint(b, s->best_port) : json_null());
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < s->n && i < SWEEP_MAX_PORTS; i++) {
        const sweep_port *p = &s->ports[i];
        json_t *po = jobj(b);
        set(b, po, "port", jint(b, p->port));
        set(b, po, "state", jstr(b, port_state_name(p->state)));
        set(b, po, "tls_mode", jstr(b, tls_mode_name(p->tls)));
        set(b, po, "banner_code", p->banner_code ? jint(b, p->banner_code) : json_null());
        set(b, po, "ms", jint(b, p->ms));
        set(b, po, "summary", jstr(b, p->summary));
        push(b, a, po);
    }
    set(b, o, "ports", a);
    return o;
}

/* The keys both reply forms start with. */
static json_t *reply_head(jb *b, const smtp_reply *r)
{
    json_t *o = jobj(b);
    set(b, o, "code", jint(b, r->code));
    set(b, o, "enhanced", r->enhanced[0] ? jstr(b, r->enhanced) : json_null());
    return o;
}

json_t *render_jsonb_reply(jb *b, const smtp_reply *r)
{
    if (!r)
        return json_null();
    json_t *o = reply_head(b, r);
    set(b, o, "lines", str_array(b, r->lines, r->n_lines));
    return o;
}

json_t *render_jsonb_reply_joined(jb *b, const smtp_reply *r)
{
    if (!r)
        return json_null();
    json_t *o = reply_head(b, r);
    char *text = reply_text(r, " ");
    if (!text)
        b->oom = true;
    set(b, o, "text", jstr(b, text ? text : ""));
    free(text);
    return o;
}

json_t *render_jsonb_transcript(jb *b, const transcript *t)
{
    json_t *a = jarr(b);
    for (size_t i = 0; a && t && i < t->n; i++) {
        json_t *o = jobj(b);
        set(b, o, "ms", jint(b, t->ev[i].ms));
        set(b, o, "dir", jstr(b, tr_dir_name(t->ev[i].dir)));
        set(b, o, "line", jstr(b, t->ev[i].line));
        push(b, a, o);
    }
    return a;
}
