/* test_render_send.c — the `send` parts of the text and JSON renderers
 * (render_text.c delivery section, render_json.c `message` and
 * `recipients`), against golden files tests/golden/report/send_*.ref.
 *
 * Synthetic outcomes with fixed timings, as in test_render.c; after an
 * intended change regenerate with SMTPSCOPE_GOLDEN_UPDATE=1 and review the
 * diff. The JSON is parsed back and the delivery keys checked one by one
 * against docs/json.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "checks/endpoint.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "report/render.h"
#include "report/result.h"

#define GOLDEN_DIR SOURCE_DIR "/tests/golden/report"

static char *dup_or_die(const char *s)
{
    char *p = xstrdup(s);
    assert_non_null(p);
    return p;
}

static smtp_reply *mkreply(int code, const char *enhanced, ...)
{
    smtp_reply *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->code = code;
    snprintf(r->enhanced, sizeof r->enhanced, "%s", enhanced ? enhanced : "");
    va_list ap;
    va_start(ap, enhanced);
    for (const char *l; (l = va_arg(ap, const char *)) != NULL;)
        assert_int_equal(xarray_push((void ***)&r->lines, &r->n_lines, dup_or_die(l)), 0);
    va_end(ap);
    return r;
}

static void stage_set(endpoint_outcome *e, stage_id s, stage_status st, int64_t start, int64_t ms,
                      smtp_reply *reply, const char *detail)
{
    stage_record *sr = &e->stages[s];
    sr->status = st;
    sr->ran = st != SS_SKIP;
    sr->start_ms = start;
    sr->ms = ms;
    sr->reply = reply;
    sr->detail = detail ? dup_or_die(detail) : NULL;
}

static void tr(endpoint_outcome *e, int64_t ms, tr_dir dir, const char *line)
{
    transcript *t = e->transcript;
    tr_event *v = realloc(t->ev, (t->n + 1) * sizeof *v);
    assert_non_null(v);
    t->ev = v;
    t->ev[t->n++] = (tr_event){.ms = ms, .dir = dir, .line = dup_or_die(line)};
    t->cap = t->n;
}

static void fnd(finding_list *l, const char *id, severity sev, bool temporary, stage_id stage,
                const char *message, const char *advice)
{
    finding *v = realloc(l->v, (l->n + 1) * sizeof *v);
    assert_non_null(v);
    l->v = v;
    l->v[l->n++] = (finding){.id = dup_or_die(id), .sev = sev, .temporary = temporary,
                             .stage = stage, .message = dup_or_die(message),
                             .advice = dup_or_die(advice)};
}

static endpoint_outcome *ep_new(void)
{
    endpoint_outcome *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->host = dup_or_die("smtp.example.com");
    e->port = 587;
    e->address = dup_or_die("192.0.2.7");
    e->tls_used = TLSM_STARTTLS;
    e->total_ms = 200;
    e->transcript = transcript_new(0);
    assert_non_null(e->transcript);
    e->have_caps = true;
    e->caps.domain = dup_or_die("smtp.example.com");
    assert_int_equal(xarray_push((void ***)&e->caps.lines, &e->caps.n_lines,
                                 dup_or_die("PIPELINING")), 0);
    e->auth_mech_used = dup_or_die("PLAIN");
    e->tls_ok = true;
    e->tls.version = dup_or_die("TLSv1.3");
    e->tls.cipher = dup_or_die("TLS_AES_256_GCM_SHA384");
    e->tls.servername = dup_or_die("smtp.example.com");
    e->tls.verified = true;
    e->tls.hostname_match = true;
    return e;
}

static delivery_report *dr_new(delivery_status st, bool partial, bool pipelined,
                               const char *queue_id)
{
    delivery_report *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->status = st;
    d->partial = partial;
    d->pipelined = pipelined;
    d->message_id = dup_or_die("<20260101120000.0123456789abcdef0123456789abcdef@example.com>");
    d->message_size = 1834;
    d->queue_id = queue_id ? dup_or_die(queue_id) : NULL;
    return d;
}

static void rcpt(delivery_report *d, const char *address, delivery_status st, smtp_reply *rep,
                 const char *explanation)
{
    delivery_rcpt *v = realloc(d->rcpts, (d->n_rcpts + 1) * sizeof *v);
    assert_non_null(v);
    d->rcpts = v;
    v[d->n_rcpts++] = (delivery_rcpt){.address = dup_or_die(address), .status = st,
                                      .reply = rep,
                                      .explanation = explanation ? dup_or_die(explanation) : NULL};
}

static void common_stages(endpoint_outcome *e)
{
    stage_set(e, STAGE_RESOLVE, SS_PASS, 0, 2, NULL, "1 address: 192.0.2.7");
    stage_set(e, STAGE_CONNECT, SS_PASS, 2, 10, NULL, "connected to 192.0.2.7 port 587");
    stage_set(e, STAGE_BANNER, SS_PASS, 12, 8, mkreply(220, NULL, "smtp.example.com ESMTP", NULL),
              NULL);
    stage_set(e, STAGE_EHLO, SS_PASS, 20, 6, mkreply(250, NULL, "smtp.example.com", NULL), NULL);
    stage_set(e, STAGE_STARTTLS, SS_PASS, 26, 4,
              mkreply(220, "2.0.0", "2.0.0 Ready to start TLS", NULL), NULL);
    stage_set(e, STAGE_TLS, SS_PASS, 30, 40, NULL, "TLSv1.3 TLS_AES_256_GCM_SHA384");
    stage_set(e, STAGE_EHLO_TLS, SS_PASS, 70, 6, mkreply(250, NULL, "smtp.example.com", NULL),
              NULL);
    stage_set(e, STAGE_AUTH, SS_PASS, 76, 20,
              mkreply(235, "2.7.0", "2.7.0 Authentication successful", NULL), "PLAIN");
    stage_set(e, STAGE_MAIL, SS_PASS, 96, 30, mkreply(250, "2.1.0", "2.1.0 Ok", NULL), NULL);
}

/* Two recipients, one refused: partial acceptance, exit 1. */
static result *build_send_partial(void)
{
    endpoint_outcome *e = ep_new();
    common_stages(e);
    stage_set(e, STAGE_RCPT, SS_FAIL, 96, 30,
              mkreply(550, "5.1.1",
                      "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown",
                      NULL),
              "1 of 2 recipients refused");
    stage_set(e, STAGE_DATA, SS_PASS, 126, 50,
              mkreply(250, "2.0.0", "2.0.0 Ok: queued as 4ZxQ1k0Bz9z9", NULL), NULL);
    stage_set(e, STAGE_QUIT, SS_PASS, 176, 24, mkreply(221, "2.0.0", "2.0.0 Bye", NULL), NULL);
    delivery_report *d = dr_new(DELIVERY_ACCEPTED, true, true, "4ZxQ1k0Bz9z9");
    rcpt(d, "bob@example.org", DELIVERY_ACCEPTED, mkreply(250, "2.1.5", "2.1.5 Ok", NULL), NULL);
    rcpt(d, "nobody@example.org", DELIVERY_BOUNCED,
         mkreply(550, "5.1.1",
                 "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown", NULL),
         "Bad destination mailbox address");
    e->delivery = d;
    fnd(&e->findings, "rcpt.rejected", SEV_ERROR, false, STAGE_RCPT,
        "the server refused 1 of 2 recipients", "Check the address.");
    tr(e, 96, TR_SEND, "MAIL FROM:<alice@example.com> SIZE=1834");
    tr(e, 96, TR_SEND, "RCPT TO:<bob@example.org>");
    tr(e, 96, TR_SEND, "RCPT TO:<nobody@example.org>");
    tr(e, 96, TR_SEND, "DATA");
    tr(e, 126, TR_RECV, "250 2.1.0 Ok");
    tr(e, 126, TR_RECV, "250 2.1.5 Ok");
    tr(e, 126, TR_RECV, "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown");
    tr(e, 126, TR_RECV, "354 End data with <CR><LF>.<CR><LF>");
    tr(e, 176, TR_RECV, "250 2.0.0 Ok: queued as 4ZxQ1k0Bz9z9");
    result *r = result_new("send");
    assert_non_null(r);
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    return r;
}

/* A greylisting server: the only recipient deferred, no DATA, exit 75. */
static result *build_send_deferred(void)
{
    endpoint_outcome *e = ep_new();
    common_stages(e);
    smtp_reply *rep = mkreply(450, "4.2.0", "4.2.0 <carol@example.net>: Recipient address rejected:",
                              "4.2.0 Greylisted, see https://example.net/greylisting", NULL);
    stage_set(e, STAGE_RCPT, SS_FAIL, 126, 20,
              mkreply(450, "4.2.0", "4.2.0 <carol@example.net>: Recipient address rejected:",
                      "4.2.0 Greylisted, see https://example.net/greylisting", NULL),
              "no recipient accepted");
    stage_set(e, STAGE_QUIT, SS_PASS, 146, 20, mkreply(221, "2.0.0", "2.0.0 Bye", NULL), NULL);
    delivery_report *d = dr_new(DELIVERY_DEFERRED, false, false, NULL);
    rcpt(d, "carol@example.net", DELIVERY_DEFERRED, rep, "Other or undefined mailbox status");
    e->delivery = d;
    fnd(&e->findings, "rcpt.tempfail", SEV_ERROR, true, STAGE_RCPT,
        "the server deferred every recipient", "Retry later.");
    result *r = result_new("send");
    assert_non_null(r);
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    return r;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b;
    buf_init(&b, 1 << 24);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) < 0)
            break;
    fclose(f);
    return buf_steal(&b);
}

static void spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    assert_int_equal(fclose(f), 0);
}

static char *no_version(const char *doc)
{
    const char *key = "\"version\": \"";
    const char *at = strstr(doc, key);
    const char *end = at ? strchr(at + strlen(key), '"') : NULL;
    char *s = end ? xasprintf("%.*s%s@VERSION@\"%s", (int)(at - doc), doc, key, end + 1)
                  : xstrdup(doc);
    assert_non_null(s);
    return s;
}

static void golden(const char *name, const char *ext, const char *rendered)
{
    char *got = no_version(rendered);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s.ref", GOLDEN_DIR, name, ext);
    const char *upd = getenv("SMTPSCOPE_GOLDEN_UPDATE");
    if (upd && strcmp(upd, "1") == 0) {
        spit(path, got);
        free(got);
        return;
    }
    char *want = slurp(path);
    if (!want) {
        free(got);
        fail_msg("missing golden file %s (create it with SMTPSCOPE_GOLDEN_UPDATE=1)", path);
    }
    int same = strcmp(want, got) == 0;
    if (!same) {
        char out[1024];
        snprintf(out, sizeof out, "%s.%s.out", name, ext);
        spit(out, got);
    }
    free(want);
    free(got);
    if (!same)
        fail_msg("%s differs from the golden file; actual output in %s.%s.out", path, name, ext);
}

static char *render_with(const renderer *rd, const result *r, bool verbose)
{
    render_opts o = {.color = false, .verbose = verbose};
    buf b;
    buf_init(&b, 1 << 24);
    assert_int_equal(rd->render(r, &o, &b), 0);
    char *s = buf_steal(&b);
    assert_non_null(s);
    return s;
}

static void test_golden_partial(void **state)
{
    (void)state;
    result *r = build_send_partial();
    assert_int_equal(r->verdict, VERDICT_FAIL);
    char *text = render_with(&render_text, r, true);
    assert_non_null(strstr(text, "smtpscope send smtp.example.com:587"));
    assert_non_null(strstr(text, "partial: 1 of 2 recipients accepted"));
    assert_non_null(strstr(text, "→ Bad destination mailbox address"));
    golden("send_partial", "txt", text);
    char *js = render_with(&render_json, r, false);
    golden("send_partial", "json", js);

    json_error_t je;
    json_t *doc = json_loads(js, 0, &je);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "command")), "send");
    json_t *m = json_object_get(doc, "message");
    assert_true(json_is_object(m));
    assert_int_equal(json_object_size(m), 6);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "accepted");
    assert_true(json_is_true(json_object_get(m, "partial")));
    assert_true(json_is_true(json_object_get(m, "pipelined")));
    assert_int_equal(json_integer_value(json_object_get(m, "size")), 1834);
    assert_string_equal(json_string_value(json_object_get(m, "queue_id")), "4ZxQ1k0Bz9z9");
    assert_non_null(json_string_value(json_object_get(m, "id")));
    json_t *rc = json_object_get(doc, "recipients");
    assert_int_equal(json_array_size(rc), 2);
    json_t *r0 = json_array_get(rc, 0), *r1 = json_array_get(rc, 1);
    assert_int_equal(json_object_size(r1), 5);
    assert_string_equal(json_string_value(json_object_get(r0, "status")), "accepted");
    assert_true(json_is_null(json_object_get(r0, "explanation")));
    assert_string_equal(json_string_value(json_object_get(r1, "address")), "nobody@example.org");
    assert_string_equal(json_string_value(json_object_get(r1, "status")), "bounced");
    assert_string_equal(json_string_value(json_object_get(r1, "enhanced")), "5.1.1");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r1, "reply"), "code")),
                     550);
    assert_string_equal(json_string_value(json_object_get(r1, "explanation")),
                        "Bad destination mailbox address");
    json_decref(doc);
    free(js);
    free(text);
    result_free(r);
}

static void test_golden_deferred(void **state)
{
    (void)state;
    result *r = build_send_deferred();
    assert_int_equal(r->verdict, VERDICT_TEMPFAIL);
    char *text = render_with(&render_text, r, false);
    assert_non_null(strstr(text, "! deferred  carol@example.net"));
    golden("send_deferred", "txt", text);
    char *js = render_with(&render_json, r, false);
    golden("send_deferred", "json", js);
    json_t *doc = json_loads(js, 0, NULL);
    assert_non_null(doc);
    json_t *m = json_object_get(doc, "message");
    assert_string_equal(json_string_value(json_object_get(m, "status")), "deferred");
    assert_true(json_is_null(json_object_get(m, "queue_id")));
    json_t *r0 = json_array_get(json_object_get(doc, "recipients"), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(r0, "reply"), "lines")), 2);
    json_decref(doc);
    free(js);
    free(text);
    result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_partial),
        cmocka_unit_test(test_golden_deferred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
