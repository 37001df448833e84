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
#include "support/golden.h"
#include "support/report/result_fixture.h"

#define GOLDEN_DIR SOURCE_DIR "/tests/golden/report"

static endpoint_outcome *ep_new(void)
{
    endpoint_outcome *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->host = rf_strdup("smtp.example.com");
    e->port = 587;
    e->address = rf_strdup("192.0.2.7");
    e->tls_used = TLSM_STARTTLS;
    e->total_ms = 200;
    e->transcript = transcript_new(0);
    assert_non_null(e->transcript);
    e->have_caps = true;
    e->caps.domain = rf_strdup("smtp.example.com");
    assert_int_equal(xarray_push((void ***)&e->caps.lines, &e->caps.n_lines,
                                 rf_strdup("PIPELINING")), 0);
    e->auth_mech_used = rf_strdup("PLAIN");
    e->tls_ok = true;
    e->tls.version = rf_strdup("TLSv1.3");
    e->tls.cipher = rf_strdup("TLS_AES_256_GCM_SHA384");
    e->tls.servername = rf_strdup("smtp.example.com");
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
    d->message_id = rf_strdup("<20260101120000.0123456789abcdef0123456789abcdef@example.com>");
    d->message_size = 1834;
    d->queue_id = queue_id ? rf_strdup(queue_id) : NULL;
    return d;
}

static void rcpt(delivery_report *d, const char *address, delivery_status st, smtp_reply *rep,
                 const char *explanation)
{
    delivery_rcpt *v = realloc(d->rcpts, (d->n_rcpts + 1) * sizeof *v);
    assert_non_null(v);
    d->rcpts = v;
    v[d->n_rcpts++] = (delivery_rcpt){.address = rf_strdup(address), .status = st,
                                      .reply = rep,
                                      .explanation = explanation ? rf_strdup(explanation) : NULL};
}

static void common_stages(endpoint_outcome *e)
{
    rf_stage(e, STAGE_RESOLVE, SS_PASS, 0, 2, NULL, "1 address: 192.0.2.7");
    rf_stage(e, STAGE_CONNECT, SS_PASS, 2, 10, NULL, "connected to 192.0.2.7 port 587");
    rf_stage(e, STAGE_BANNER, SS_PASS, 12, 8, rf_reply(220, NULL, "smtp.example.com ESMTP", NULL),
             NULL);
    rf_stage(e, STAGE_EHLO, SS_PASS, 20, 6, rf_reply(250, NULL, "smtp.example.com", NULL), NULL);
    rf_stage(e, STAGE_STARTTLS, SS_PASS, 26, 4,
             rf_reply(220, "2.0.0", "2.0.0 Ready to start TLS", NULL), NULL);
    rf_stage(e, STAGE_TLS, SS_PASS, 30, 40, NULL, "TLSv1.3 TLS_AES_256_GCM_SHA384");
    rf_stage(e, STAGE_EHLO_TLS, SS_PASS, 70, 6, rf_reply(250, NULL, "smtp.example.com", NULL),
             NULL);
    rf_stage(e, STAGE_AUTH, SS_PASS, 76, 20,
             rf_reply(235, "2.7.0", "2.7.0 Authentication successful", NULL), "PLAIN");
    rf_stage(e, STAGE_MAIL, SS_PASS, 96, 30, rf_reply(250, "2.1.0", "2.1.0 Ok", NULL), NULL);
}

/* Two recipients, one refused: partial acceptance, exit 1. */
static result *build_send_partial(void)
{
    endpoint_outcome *e = ep_new();
    common_stages(e);
    rf_stage(e, STAGE_RCPT, SS_FAIL, 96, 30,
             rf_reply(550, "5.1.1",
                      "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown",
                      NULL),
             "1 of 2 recipients refused");
    rf_stage(e, STAGE_DATA, SS_PASS, 126, 50,
             rf_reply(250, "2.0.0", "2.0.0 Ok: queued as 4ZxQ1k0Bz9z9", NULL), NULL);
    rf_stage(e, STAGE_QUIT, SS_PASS, 176, 24, rf_reply(221, "2.0.0", "2.0.0 Bye", NULL), NULL);
    delivery_report *d = dr_new(DELIVERY_ACCEPTED, true, true, "4ZxQ1k0Bz9z9");
    rcpt(d, "bob@example.org", DELIVERY_ACCEPTED, rf_reply(250, "2.1.5", "2.1.5 Ok", NULL), NULL);
    rcpt(d, "nobody@example.org", DELIVERY_BOUNCED,
         rf_reply(550, "5.1.1",
                  "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown", NULL),
         "Bad destination mailbox address");
    e->delivery = d;
    rf_finding(&e->findings, "rcpt.rejected", SEV_ERROR, false, STAGE_RCPT,
               "the server refused 1 of 2 recipients", "Check the address.");
    rf_tr(e, 96, TR_SEND, "MAIL FROM:<alice@example.com> SIZE=1834");
    rf_tr(e, 96, TR_SEND, "RCPT TO:<bob@example.org>");
    rf_tr(e, 96, TR_SEND, "RCPT TO:<nobody@example.org>");
    rf_tr(e, 96, TR_SEND, "DATA");
    rf_tr(e, 126, TR_RECV, "250 2.1.0 Ok");
    rf_tr(e, 126, TR_RECV, "250 2.1.5 Ok");
    rf_tr(e, 126, TR_RECV,
          "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown");
    rf_tr(e, 126, TR_RECV, "354 End data with <CR><LF>.<CR><LF>");
    rf_tr(e, 176, TR_RECV, "250 2.0.0 Ok: queued as 4ZxQ1k0Bz9z9");
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
    smtp_reply *rep = rf_reply(450, "4.2.0", "4.2.0 <carol@example.net>: Recipient address rejected:",
                               "4.2.0 Greylisted, see https://example.net/greylisting", NULL);
    rf_stage(e, STAGE_RCPT, SS_FAIL, 126, 20,
             rf_reply(450, "4.2.0", "4.2.0 <carol@example.net>: Recipient address rejected:",
                      "4.2.0 Greylisted, see https://example.net/greylisting", NULL),
             "no recipient accepted");
    rf_stage(e, STAGE_QUIT, SS_PASS, 146, 20, rf_reply(221, "2.0.0", "2.0.0 Bye", NULL), NULL);
    delivery_report *d = dr_new(DELIVERY_DEFERRED, false, false, NULL);
    rcpt(d, "carol@example.net", DELIVERY_DEFERRED, rep, "Other or undefined mailbox status");
    e->delivery = d;
    rf_finding(&e->findings, "rcpt.tempfail", SEV_ERROR, true, STAGE_RCPT,
               "the server deferred every recipient", "Retry later.");
    result *r = result_new("send");
    assert_non_null(r);
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    return r;
}

static void test_golden_partial(void **state)
{
    (void)state;
    result *r = build_send_partial();
    assert_int_equal(r->verdict, VERDICT_FAIL);
    char *text = rf_render(&render_text, r, false, true);
    assert_non_null(strstr(text, "smtpscope send smtp.example.com:587"));
    assert_non_null(strstr(text, "partial: 1 of 2 recipients accepted"));
    assert_non_null(strstr(text, "→ Bad destination mailbox address"));
    GOLDEN_ASSERT(GOLDEN_DIR, "send_partial", "txt", text);
    char *js = rf_render(&render_json, r, false, false);
    GOLDEN_ASSERT(GOLDEN_DIR, "send_partial", "json", js);

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
    char *text = rf_render(&render_text, r, false, false);
    assert_non_null(strstr(text, "! deferred  carol@example.net"));
    GOLDEN_ASSERT(GOLDEN_DIR, "send_deferred", "txt", text);
    char *js = rf_render(&render_json, r, false, false);
    GOLDEN_ASSERT(GOLDEN_DIR, "send_deferred", "json", js);
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

int main(int argc, char **argv)
{
    golden_out_dir_from_argv0(argc > 0 ? argv[0] : NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_partial),
        cmocka_unit_test(test_golden_deferred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
