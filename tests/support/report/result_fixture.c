/* result_fixture.c — builders for the renderer tests' synthetic results
 * (see result_fixture.h). cmocka assertions stand in for error returns: a
 * builder that cannot allocate fails the test at once. */
#include "support/report/result_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/xalloc.h"

char *rf_strdup(const char *s)
{
    char *p = xstrdup(s);
    assert_non_null(p);
    return p;
}

void rf_strv_push(char ***v, size_t *n, const char *s)
{
    assert_int_equal(xarray_push((void ***)v, n, rf_strdup(s)), 0);
}

smtp_reply *rf_reply(int code, const char *enhanced, ...)
{
    smtp_reply *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->code = code;
    snprintf(r->enhanced, sizeof r->enhanced, "%s", enhanced ? enhanced : "");
    va_list ap;
    va_start(ap, enhanced);
    for (const char *l; (l = va_arg(ap, const char *)) != NULL;)
        rf_strv_push(&r->lines, &r->n_lines, l);
    va_end(ap);
    return r;
}

void rf_stage(endpoint_outcome *e, stage_id s, stage_status st, int64_t start, int64_t ms,
              smtp_reply *reply, const char *detail)
{
    stage_record *sr = &e->stages[s];
    sr->status = st;
    sr->ran = st != SS_SKIP;
    sr->start_ms = start;
    sr->ms = ms;
    sr->reply = reply;
    sr->detail = detail ? rf_strdup(detail) : NULL;
}

void rf_tr(endpoint_outcome *e, int64_t ms, tr_dir dir, const char *line)
{
    transcript *t = e->transcript;
    tr_event *v = realloc(t->ev, (t->n + 1) * sizeof *v);
    assert_non_null(v);
    t->ev = v;
    t->ev[t->n++] = (tr_event){.ms = ms, .dir = dir, .line = rf_strdup(line)};
    t->cap = t->n;
}

void rf_finding(finding_list *l, const char *id, severity sev, bool temporary, stage_id stage,
                const char *message, const char *advice)
{
    finding *v = realloc(l->v, (l->n + 1) * sizeof *v);
    assert_non_null(v);
    l->v = v;
    l->v[l->n++] = (finding){.id = rf_strdup(id), .sev = sev, .temporary = temporary,
                             .stage = stage, .message = rf_strdup(message),
                             .advice = rf_strdup(advice)};
}

char *rf_render(const renderer *rd, const result *r, bool color, bool verbose)
{
    render_opts o = {.color = color, .verbose = verbose};
    buf b;
    buf_init(&b, 1 << 24);
    assert_int_equal(rd->render(r, &o, &b), 0);
    char *s = buf_steal(&b);
    assert_non_null(s);
    return s;
}

json_t *rf_parse_json(const char *s)
{
    json_error_t je;
    json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        fail_msg("renderer output is not valid JSON: %s (line %d)", je.text, je.line);
    size_t n = strlen(s);
    assert_true(n > 0 && s[n - 1] == '\n');
    return doc;
}

void rf_expect_keys(json_t *o, const char *const *keys, size_t n, const char *what)
{
    if (!json_is_object(o))
        fail_msg("%s is not an object", what);
    if (json_object_size(o) != n)
        fail_msg("%s has %zu keys, expected %zu", what, json_object_size(o), n);
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        (void)v;
        if (strcmp(k, keys[i]) != 0)
            fail_msg("%s: key %zu is \"%s\", expected \"%s\"", what, i, k, keys[i]);
        i++;
    }
}
