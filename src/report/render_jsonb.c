/* render_jsonb.c — the parts every JSON document shares (render_jsonb.h):
 * the header fields, findings[] and the port sweep, one implementation for
 * `check` and `domain` so their shapes stay identical (docs/json.md). */
#include <stddef.h>

#include <jansson.h>

/* ---- core ---- */
#include "core/stage.h"
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
