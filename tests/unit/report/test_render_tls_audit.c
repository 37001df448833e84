/* test_render_tls_audit.c — the TLS audit's text section and JSON object
 * (src/report/render_tls_audit.c), from an outcome filled by hand.
 *
 * The JSON object must have exactly the documented keys in order, and
 * docs/json.md's "## `tls_audit`" section must document exactly the keys
 * the renderer writes (the reply and transcript shapes it shares with the
 * check document are documented there and skipped here). The text section
 * must show every probe with its verdict, the STARTTLS policy, DANE and the
 * injection probe, and stay free of escape sequences without colour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "checks/security/tls_audit.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "report/render.h"
#include "report/render_security.h"
#include "report/result.h"
#include "support/golden.h"
#include "support/report/result_fixture.h"
#include "support/report/json_keys.h"

static void probe(tls_probe *p, const char *name, probe_verdict v, const char *neg,
                  const char *detail)
{
    p->name = name;
    p->verdict = v;
    p->negotiated = neg ? rf_strdup(neg) : NULL;
    p->detail = detail ? rf_strdup(detail) : NULL;
}

static tls_audit_outcome *build(void)
{
    tls_audit_outcome *a = calloc(1, sizeof *a);
    assert_non_null(a);
    a->host = rf_strdup("mx.example");
    a->port = 587;
    a->address = rf_strdup("192.0.2.25");
    a->tls = TLSM_STARTTLS;
    a->submission = true;
    probe(&a->versions[0], "TLSv1.0", PROBE_ACCEPTED, "TLSv1 ECDHE-RSA-AES256-SHA", NULL);
    probe(&a->versions[1], "TLSv1.1", PROBE_REFUSED, NULL, "protocol version alert");
    probe(&a->versions[2], "TLSv1.2", PROBE_ACCEPTED, "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384", NULL);
    probe(&a->versions[3], "TLSv1.3", PROBE_REFUSED, NULL, "no shared version");
    probe(&a->ciphers[0], "NULL", PROBE_REFUSED, NULL, "handshake failure");
    probe(&a->ciphers[1], "EXPORT", PROBE_UNTESTABLE, NULL, "this OpenSSL cannot offer it");
    probe(&a->ciphers[2], "RC4", PROBE_UNTESTABLE, NULL, "this OpenSSL cannot offer it");
    probe(&a->ciphers[3], "3DES", PROBE_ACCEPTED, "TLSv1.2 DES-CBC3-SHA", NULL);
    probe(&a->ciphers[4], "anonymous", PROBE_ERROR, NULL, "timed out \\x1B[31m");
    a->starttls_offered = TRI_YES;
    a->auth_before_starttls = TRI_YES;
    rf_strv_push(&a->plaintext_auth, &a->n_plaintext_auth, "PLAIN");
    rf_strv_push(&a->plaintext_auth, &a->n_plaintext_auth, "LOGIN");
    a->starttls_required = TRI_NO;
    a->mail_reply = rf_reply(250, "2.1.0", "2.1.0 Ok", NULL);
    a->dane.state = DANE_MISMATCH;
    a->dane.qname = rf_strdup("_587._tcp.mx.example.");
    a->dane.dnssec = 2; /* DNSSEC_SECURE */
    a->dane.records = calloc(1, sizeof *a->dane.records);
    assert_non_null(a->dane.records);
    a->dane.n_records = 1;
    a->dane.records[0] = (dane_record_view){.usage = 3, .selector = 1, .mtype = 1,
                                            .data_hex = rf_strdup("00112233445566778899aabbccdd"),
                                            .usable = true, .matched = false};
    a->dane.match_depth = -1;
    a->dane.detail = rf_strdup("no record matched the chain");
    a->injection.state = INJECTION_VULNERABLE;
    a->injection.evidence = rf_strdup("250 2.0.0 Ok");
    a->injection.detail = rf_strdup("the NOOP sent before the handshake was answered after it");
    a->stopped = rf_strdup("2 probes in a row failed");
    a->connections = 9;
    a->total_ms = 1234;
    a->transcript = transcript_new(clock_now_ms());
    assert_non_null(a->transcript);
    transcript_addf(a->transcript, TR_INFO, "tls audit: TLSv1.0 probe (only TLSv1.0 offered)");
    transcript_addf(a->transcript, TR_SEND, "EHLO client.test");
    rf_finding(&a->findings, "tls_audit.tls10_accepted", SEV_WARNING, false, STAGE_TLS_VERSIONS,
               "accepted", "raise the minimum");
    rf_strv_push(&a->notes, &a->n_notes, "not tested: EXPORT, RC4");
    return a;
}

static json_t *audit_json(const tls_audit_outcome *a)
{
    json_t *j = render_tls_audit_json(a);
    assert_non_null(j);
    return j;
}

static void json_shape(void **state)
{
    (void)state;
    tls_audit_outcome *a = build();
    json_t *j = audit_json(a);
    static const char *const keys[] = {
        "host", "port", "address", "mx_host", "tls_mode", "submission", "versions", "ciphers",
        "starttls_offered", "auth_before_starttls", "plaintext_auth_mechanisms",
        "starttls_required", "mail_before_starttls", "dane", "injection", "stopped",
        "connections", "duration_ms", "transcript", "transcript_dropped"};
    rf_expect_keys(j, keys, sizeof keys / sizeof keys[0], "tls_audit");
    assert_string_equal(json_string_value(json_object_get(j, "tls_mode")), "starttls");
    assert_true(json_is_null(json_object_get(j, "mx_host")));
    json_t *v = json_object_get(j, "versions");
    assert_int_equal(json_array_size(v), TLS_AUDIT_VERSIONS);
    static const char *const pkeys[] = {"name", "verdict", "negotiated", "detail"};
    for (size_t i = 0; i < json_array_size(v); i++)
        rf_expect_keys(json_array_get(v, i), pkeys, 4, "versions[]");
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "verdict")),
                        "accepted");
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 3), "name")),
                        "TLSv1.3");
    json_t *c = json_object_get(j, "ciphers");
    assert_int_equal(json_array_size(c), TLS_AUDIT_CIPHER_CLASSES);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "verdict")),
                        "untestable");
    /* Peer text stays escaped text. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 4), "detail")),
                        "timed out \\x1B[31m");
    assert_string_equal(json_string_value(json_object_get(j, "auth_before_starttls")), "yes");
    assert_string_equal(json_string_value(json_object_get(j, "starttls_required")), "no");
    assert_int_equal(json_array_size(json_object_get(j, "plaintext_auth_mechanisms")), 2);
    json_t *mail = json_object_get(j, "mail_before_starttls");
    assert_int_equal(json_integer_value(json_object_get(mail, "code")), 250);
    json_t *d = json_object_get(j, "dane");
    static const char *const dkeys[] = {"state", "qname", "dnssec", "records", "match_depth",
                                        "detail"};
    rf_expect_keys(d, dkeys, 6, "dane");
    assert_string_equal(json_string_value(json_object_get(d, "state")), "mismatch");
    assert_string_equal(json_string_value(json_object_get(d, "dnssec")), "secure");
    assert_true(json_is_null(json_object_get(d, "match_depth")));
    json_t *rec = json_array_get(json_object_get(d, "records"), 0);
    static const char *const rkeys[] = {"usage", "selector", "matching_type", "data", "usable",
                                        "matched"};
    rf_expect_keys(rec, rkeys, 6, "dane.records[]");
    assert_int_equal(json_integer_value(json_object_get(rec, "usage")), 3);
    json_t *inj = json_object_get(j, "injection");
    static const char *const ikeys[] = {"state", "evidence", "detail"};
    rf_expect_keys(inj, ikeys, 3, "injection");
    assert_string_equal(json_string_value(json_object_get(inj, "state")), "vulnerable");
    assert_int_equal(json_integer_value(json_object_get(j, "connections")), 9);
    assert_int_equal(json_array_size(json_object_get(j, "transcript")), 2);
    json_decref(j);
    tls_audit_outcome_free(a);
    free(a);
}

/* ---- docs/json.md covers exactly the keys the renderer writes ---- */

static void doc_covers_keys(void **state)
{
    (void)state;
    /* Not descended into: shapes documented with the check document (a
     * reply, a transcript event). */
    static const char *const opaque[] = {"mail_before_starttls", "transcript", NULL};
    keyset doc = {0}, got = {0};
    json_doc_keys("tls_audit", &doc);
    tls_audit_outcome *a = build();
    json_t *wrap = json_object();
    json_object_set_new(wrap, "tls_audit", audit_json(a));
    json_rendered_keys(wrap, opaque, &got);
    json_keys_assert_same("tls_audit", &got, &doc);
    keyset_free(&doc);
    keyset_free(&got);
    json_decref(wrap);
    tls_audit_outcome_free(a);
    free(a);
}

/* In a whole `tls` document: the key sits before the findings, which (and
 * the notes) the result took from the outcome. */
static void in_document(void **state)
{
    (void)state;
    result *r = result_new("tls");
    assert_non_null(r);
    assert_int_equal(result_take_tls_audit(r, build()), 0);
    result_finish(r);
    assert_string_equal(verdict_name(r->verdict), "warn");
    char *js = rf_render(&render_json, r, false, false);
    json_t *doc = rf_parse_json(js);
    assert_string_equal(json_string_value(json_object_get(doc, "command")), "tls");
    assert_true(json_is_object(json_object_get(doc, "tls_audit")));
    assert_int_equal(json_array_size(json_object_get(doc, "findings")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "notes")), 1);
    const char *tl = strstr(js, "\"tls_audit\"");
    const char *fi = strstr(js, "\"findings\"");
    assert_true(tl && fi && tl < fi);
    json_decref(doc);
    free(js);
    result_free(r);
}

static void text_section(void **state)
{
    (void)state;
    tls_audit_outcome *a = build();
    buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(render_tls_audit_text(a, false, false, &b), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    const char *t = b.data;
    assert_null(strchr(t, '\033'));
    static const char *const want[] = {
        "TLS audit — 192.0.2.25 port 587, STARTTLS (submission), 9 connections",
        "! TLSv1.0    accepted   TLSv1 ECDHE-RSA-AES256-SHA",
        "✓ TLSv1.1    refused    protocol version alert",
        "✓ TLSv1.2    accepted",
        "– EXPORT     untestable this OpenSSL cannot offer it",
        "! 3DES       accepted   TLSv1.2 DES-CBC3-SHA",
        "! anonymous  error      timed out \\x1B[31m",
        "! AUTH before STARTTLS   yes (PLAIN LOGIN)",
        "! STARTTLS required      no (MAIL before STARTTLS: 250 2.1.0 Ok)",
        "✗ mismatch _587._tcp.mx.example. — no record matched the chain",
        "TLSA 3 1 1 0011223344556677…",
        "✗ vulnerable",
        "stopped: 2 probes in a row failed",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(t, want[i]))
            fail_msg("text lacks \"%s\":\n%s", want[i], t);
    assert_null(strstr(t, "EHLO client.test")); /* transcript only with -v */
    buf_free(&b);

    buf_init(&b, 1 << 20);
    assert_int_equal(render_tls_audit_text(a, true, true, &b), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    assert_non_null(strstr(b.data, "> EHLO client.test"));
    assert_non_null(strchr(b.data, '\033'));
    buf_free(&b);
    tls_audit_outcome_free(a);
    free(a);
}

int main(int argc, char **argv)
{
    (void)argc;
    golden_out_dir_from_argv0(argv[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_shape),
        cmocka_unit_test(doc_covers_keys),
        cmocka_unit_test(in_document),
        cmocka_unit_test(text_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
