/* test_render_relay.c — the relay and smuggling renderers (report/render_relay.c)
 * on synthetic outcomes: the JSON keys in the documented order and shape,
 * every key documented in the "relay" / "smuggling" sections of docs/json.md
 * and every documented key written, the whole `relay` document through
 * render_json, and the text tables (verdict words, replies, evidence). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "checks/finding.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "report/render.h"
#include "report/render_security.h"
#include "report/result.h"
#include "support/report/json_keys.h"
#include "support/report/result_fixture.h"

static smtp_reply *mk_reply(int code, const char *enh, const char *line)
{
    smtp_reply *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->code = code;
    snprintf(r->enhanced, sizeof r->enhanced, "%s", enh);
    r->lines = calloc(1, sizeof *r->lines);
    assert_non_null(r->lines);
    r->lines[0] = xstrdup(line);
    r->n_lines = 1;
    return r;
}

static relay_outcome *mk_relay(void)
{
    relay_outcome *x = calloc(1, sizeof *x);
    assert_non_null(x);
    x->host = xstrdup("mx.example.org");
    x->port = 25;
    x->address = xstrdup("192.0.2.25");
    x->server_domain = xstrdup("example.org");
    x->server_domain_guessed = true;
    x->external_domain = xstrdup("example.net");
    x->tls_used = true;
    x->n_connections = 2;
    x->total_ms = 1234;
    assert_int_equal(relay_cases_build("example.org", "192.0.2.25", "example.net", &x->cases,
                                       &x->n_cases), 0);
    x->cases[0].verdict = PROBE_ACCEPTED;
    x->cases[0].reply = mk_reply(250, "2.1.5", "Ok");
    x->cases[1].verdict = PROBE_REFUSED;
    x->cases[1].reply = mk_reply(554, "5.7.1", "<relay-test@example.net>: Relay access denied");
    x->cases[2].verdict = PROBE_ERROR;
    x->cases[2].detail = xstrdup("RCPT TO failed: connection closed by server");
    x->n_accepted = 1;
    x->transcript = transcript_new(clock_now_ms());
    transcript_add(x->transcript, TR_SEND, "RSET", 4);
    assert_int_equal(finding_add(&x->findings, "relay.open", STAGE_RELAY, NULL, "%s",
                                 "accepted external_to_external"), 0);
    return x;
}

static smuggling_outcome *mk_smuggling(void)
{
    smuggling_outcome *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->host = xstrdup("mx.example.org");
    s->port = 25;
    s->marker = xstrdup("smtpscope-smuggling-1");
    s->n_variants = 3;
    s->variants = calloc(3, sizeof *s->variants);
    assert_non_null(s->variants);
    s->variants[0] = (smuggling_variant){"lf_dot_lf", "<LF>.<LF>", PROBE_ACCEPTED,
                                         xstrdup("250 2.0.0 Ok: queued as X: answered right "
                                                 "after <LF>.<LF>")};
    s->variants[1] = (smuggling_variant){"cr_dot_cr", "<CR>.<CR>", PROBE_REFUSED,
                                         xstrdup("250 2.0.0 Ok only after the real end")};
    s->variants[2] = (smuggling_variant){"crlf_nul_dot_crlf", "<CR><LF><NUL>.<CR><LF>",
                                         PROBE_ERROR, NULL};
    s->n_vulnerable = 1;
    s->n_delivered = 2;
    s->transcript = transcript_new(clock_now_ms());
    transcript_add(s->transcript, TR_RECV, "250 ok", 6);
    return s;
}

#define KEYS(o, what, ...)                                                   \
    do {                                                                     \
        static const char *const k_[] = {__VA_ARGS__};                       \
        rf_expect_keys((o), k_, sizeof k_ / sizeof k_[0], (what));           \
    } while (0)

static void test_relay_json_shape(void **state)
{
    (void)state;
    relay_outcome *x = mk_relay();
    json_t *j = render_relay_json(x);
    KEYS(j, "relay", "host", "port", "address", "server_domain", "server_domain_guessed",
         "external_domain", "tls", "connections", "duration_ms", "cases", "accepted",
         "transcript");
    json_t *cases = json_object_get(j, "cases");
    assert_int_equal(json_array_size(cases), x->n_cases);
    json_t *c0 = json_array_get(cases, 0);
    KEYS(c0, "case", "id", "title", "mail_from", "rcpt_to", "foreign", "verdict", "reply",
         "detail");
    assert_string_equal(json_string_value(json_object_get(c0, "verdict")), "accepted");
    json_t *rep = json_object_get(c0, "reply");
    KEYS(rep, "reply", "code", "enhanced", "text");
    assert_int_equal(json_integer_value(json_object_get(rep, "code")), 250);
    assert_string_equal(json_string_value(json_object_get(rep, "enhanced")), "2.1.5");
    json_t *c2 = json_array_get(cases, 2);
    assert_string_equal(json_string_value(json_object_get(c2, "verdict")), "error");
    assert_true(json_is_null(json_object_get(c2, "reply")));
    assert_non_null(strstr(json_string_value(json_object_get(c2, "detail")), "closed"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(cases, 3), "verdict")),
                        "not_run");
    assert_int_equal(json_integer_value(json_object_get(j, "accepted")), 1);
    KEYS(json_array_get(json_object_get(j, "transcript"), 0), "transcript", "ms", "dir", "line");
    json_decref(j);
    relay_outcome_free(x);
    free(x);
}

static void test_smuggling_json_shape(void **state)
{
    (void)state;
    smuggling_outcome *s = mk_smuggling();
    json_t *j = render_smuggling_json(s);
    KEYS(j, "smuggling", "host", "port", "marker", "duration_ms", "variants", "vulnerable",
         "delivered", "transcript");
    json_t *v0 = json_array_get(json_object_get(j, "variants"), 0);
    KEYS(v0, "variant", "id", "sequence", "verdict", "evidence");
    assert_string_equal(json_string_value(json_object_get(v0, "verdict")), "accepted");
    json_t *v2 = json_array_get(json_object_get(j, "variants"), 2);
    assert_true(json_is_null(json_object_get(v2, "evidence")));
    assert_int_equal(json_integer_value(json_object_get(j, "vulnerable")), 1);
    json_decref(j);
    smuggling_outcome_free(s);
    free(s);
}

/* ---- docs/json.md covers exactly the keys written ---- */

static void both_ways(const char *what, json_t *rendered, const keyset *doc)
{
    keyset got = {0};
    json_rendered_keys(rendered, NULL, &got);
    json_keys_assert_same(what, &got, doc);
    keyset_free(&got);
}

static void test_doc_covers_keys(void **state)
{
    (void)state;
    keyset rdoc = {0}, sdoc = {0};
    json_doc_keys("relay", &rdoc);
    json_doc_keys("smuggling", &sdoc);
    /* The transcript[] table is shared (documented once, under relay). */
    keyset_add(&sdoc, "ms", 2);
    keyset_add(&sdoc, "dir", 3);
    keyset_add(&sdoc, "line", 4);
    relay_outcome *x = mk_relay();
    json_t *wrap = json_object();
    json_object_set_new(wrap, "relay", render_relay_json(x));
    both_ways("the relay battery", wrap, &rdoc);
    json_decref(wrap);
    relay_outcome_free(x);
    free(x);
    smuggling_outcome *s = mk_smuggling();
    wrap = json_object();
    json_object_set_new(wrap, "smuggling", render_smuggling_json(s));
    both_ways("the smuggling probe", wrap, &sdoc);
    json_decref(wrap);
    smuggling_outcome_free(s);
    free(s);
    keyset_free(&rdoc);
    keyset_free(&sdoc);
}

static char *render_result(const renderer *rd, result *r, bool verbose)
{
    buf b;
    buf_init(&b, 1 << 24);
    render_opts ro = {.color = false, .verbose = verbose};
    assert_int_equal(rd->render(r, &ro, &b), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    return buf_steal(&b);
}

/* The whole `relay` document: check's top level plus "relay", findings moved. */
static void test_relay_document(void **state)
{
    (void)state;
    result *r = result_new("relay");
    assert_non_null(r);
    assert_int_equal(result_take_relay(r, mk_relay()), 0);
    result_finish(r);
    assert_int_equal(r->verdict, VERDICT_FAIL);
    char *js = render_result(&render_json, r, false);
    json_error_t je;
    json_t *doc = json_loads(js, 0, &je);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "command")), "relay");
    assert_true(json_is_null(json_object_get(doc, "target")));
    assert_int_equal(json_array_size(json_object_get(doc, "stages")), 12);
    assert_true(json_is_object(json_object_get(doc, "relay")));
    json_t *f0 = json_array_get(json_object_get(doc, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f0, "id")), "relay.open");
    json_decref(doc);
    free(js);

    char *txt = render_result(&render_text, r, true);
    assert_non_null(strstr(txt, "Open-relay battery"));
    assert_non_null(strstr(txt, "RELAYED"));
    assert_non_null(strstr(txt, "external_to_external"));
    assert_non_null(strstr(txt, "MAIL FROM:<relay-sender@example.net> RCPT TO:<relay-test@example.net>"));
    assert_non_null(strstr(txt, "554 <relay-test@example.net>: Relay access denied"));
    assert_non_null(strstr(txt, "connection closed by server"));
    assert_non_null(strstr(txt, "example.org (guessed)"));
    assert_non_null(strstr(txt, "1 of 17 cases relayed"));
    assert_non_null(strstr(txt, "> RSET")); /* -v: the battery's transcript */
    assert_non_null(strstr(txt, "relay.open"));
    free(txt);
    result_free(r);
}

static void test_smuggling_text(void **state)
{
    (void)state;
    smuggling_outcome *s = mk_smuggling();
    buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(render_smuggling_text(s, false, false, &b), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    assert_non_null(strstr(b.data, "SMTP smuggling probe"));
    assert_non_null(strstr(b.data, "VULNERABLE"));
    assert_non_null(strstr(b.data, "lf_dot_lf"));
    assert_non_null(strstr(b.data, "<CR><LF><NUL>.<CR><LF>"));
    assert_non_null(strstr(b.data, "answered right after <LF>.<LF>"));
    assert_non_null(strstr(b.data, "1 of 3 variants"));
    assert_null(strstr(b.data, "\x1b["));
    assert_null(strstr(b.data, "250 ok")); /* the transcript only with -v */
    buf_free(&b);
    smuggling_outcome_free(s);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_json_shape),
        cmocka_unit_test(test_smuggling_json_shape),
        cmocka_unit_test(test_doc_covers_keys),
        cmocka_unit_test(test_relay_document),
        cmocka_unit_test(test_smuggling_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
