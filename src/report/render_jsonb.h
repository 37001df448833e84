/* render_jsonb.h — the JSON renderers' shared builder (jansson): small
 * constructors that remember an allocation failure instead of making every
 * caller test each one, and the parts that `check` and `domain` documents
 * share — the header fields, findings[], a port sweep, SMTP replies and
 * transcripts — so their shapes (docs/json.md) cannot drift apart.
 *
 * Building a document is a long series of allocations; the builder records
 * that one failed in jb.oom and the caller checks once at the end. Every
 * function returns a new reference (or json_null()); set()/push() steal it.
 * The inline helpers are file-local in each renderer that includes this. */
#ifndef SMTPSCOPE_REPORT_RENDER_JSONB_H
#define SMTPSCOPE_REPORT_RENDER_JSONB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checks/finding.h"
#include "checks/sweep.h"
#include "core/escape.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "report/result.h"

#ifndef SMTPSCOPE_VERSION
#define SMTPSCOPE_VERSION "0.0.0"
#endif

#define JSON_SCHEMA 1

typedef struct jb {
    bool oom;
} jb;

/* A JSON string, or null for NULL. Peer strings are escaped when stored and
 * so are valid UTF-8; jansson refuses anything else, so if it does refuse, the
 * string is escaped again rather than dropped. */
static inline json_t *jstr(jb *b, const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (!j) {
        char *esc = escape_display(s, strlen(s));
        j = esc ? json_string(esc) : NULL;
        free(esc);
    }
    if (!j)
        b->oom = true;
    return j;
}

static inline json_t *jint(jb *b, int64_t v)
{
    json_t *j = json_integer((json_int_t)v);
    if (!j)
        b->oom = true;
    return j;
}

static inline json_t *jobj(jb *b)
{
    json_t *j = json_object();
    if (!j)
        b->oom = true;
    return j;
}

static inline json_t *jarr(jb *b)
{
    json_t *j = json_array();
    if (!j)
        b->oom = true;
    return j;
}

/* Steals v (also on failure, as json_object_set_new does). */
static inline void set(jb *b, json_t *obj, const char *key, json_t *v)
{
    if (!v || json_object_set_new(obj, key, v) < 0)
        b->oom = true;
}

static inline void push(jb *b, json_t *arr, json_t *v)
{
    if (!v || json_array_append_new(arr, v) < 0)
        b->oom = true;
}

static inline json_t *str_array(jb *b, char *const *v, size_t n)
{
    json_t *a = jarr(b);
    for (size_t i = 0; a && i < n; i++)
        push(b, a, jstr(b, v[i]));
    return a;
}

/* An SMTP reply {"code","enhanced","lines":[...]}, or null for NULL. */
json_t *render_jsonb_reply(jb *b, const smtp_reply *r);

/* An SMTP reply {"code","enhanced","text"} with every line joined by a
 * space (the security probes' form), or null for NULL. */
json_t *render_jsonb_reply_joined(jb *b, const smtp_reply *r);

/* A transcript [{"ms","dir","line"}, ...]; [] for NULL. */
json_t *render_jsonb_transcript(jb *b, const transcript *t);

/* {"tool","version","schema","command"}: the first keys of every document. */
json_t *render_jsonb_header(jb *b, const result *r);

/* findings[]: {"id","severity","stage","temporary","message","advice"}. */
json_t *render_jsonb_findings(jb *b, const finding_list *l);

/* A port sweep {"best_port","ports":[...]}, or null for NULL. */
json_t *render_jsonb_sweep(jb *b, const sweep_outcome *s);

#endif
