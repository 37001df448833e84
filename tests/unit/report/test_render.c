/* test_render.c — the result model (src/report/result.c) and the text and
 * JSON renderers (render_text.c, render_json.c, render.c).
 *
 * Synthetic outcomes are filled by hand with fixed timings, so the rendered
 * documents are deterministic and compared with golden files under
 * tests/golden/report/ (<name>.txt.ref, <name>.json.ref). After an
 * intended change, regenerate them with SMTPSCOPE_GOLDEN_UPDATE=1 and review
 * the diff (docs/internals/TESTING.md). The JSON is also parsed back and
 * checked field by field against docs/json.md. */
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
#include "checks/explain.h"
#include "checks/finding.h"
#include "checks/sweep.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "report/render.h"
#include "report/result.h"
#include "transport/tlsinfo.h"
#include "support/golden.h"
#include "support/report/result_fixture.h"

#define GOLDEN_DIR SOURCE_DIR "/tests/golden/report"

/* ---- builders for synthetic outcomes ---- */

static endpoint_outcome *ep_new(const char *host, int port, const char *address, tls_mode m,
                                int64_t total_ms)
{
    endpoint_outcome *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->host = rf_strdup(host);
    e->port = port;
    e->address = address ? rf_strdup(address) : NULL;
    e->tls_used = m;
    e->total_ms = total_ms;
    e->transcript = transcript_new(0);
    assert_non_null(e->transcript);
    return e;
}

static void attempt(endpoint_outcome *e, const char *addr, bool ok, int64_t ms, const char *why)
{
    tcp_attempt *v = realloc(e->attempts, (e->n_attempts + 1) * sizeof *v);
    assert_non_null(v);
    e->attempts = v;
    tcp_attempt *a = &v[e->n_attempts++];
    memset(a, 0, sizeof *a);
    snprintf(a->addr, sizeof a->addr, "%s", addr);
    a->ok = ok;
    a->ms = ms;
    if (why) {
        a->e.cls = ERRC_CONNECTION;
        snprintf(a->e.msg, sizeof a->e.msg, "%s", why);
    }
}

static void cert(tls_cert *c, const char *subject, const char *issuer, const char *san,
                 const char *nb, const char *na, int64_t days_left)
{
    c->subject = rf_strdup(subject);
    c->issuer = rf_strdup(issuer);
    if (san)
        rf_strv_push(&c->sans, &c->n_sans, san);
    c->key_type = rf_strdup("RSA");
    c->key_bits = 2048;
    c->sig_alg = rf_strdup("sha256WithRSAEncryption");
    c->not_before = rf_strdup(nb);
    c->not_after = rf_strdup(na);
    c->days_left = days_left;
}

/* A clean STARTTLS submission check: everything passes, AUTH not asked for. */
static result *build_pass_starttls(void)
{
    endpoint_outcome *e = ep_new("mail.example.com", 587, "192.0.2.1", TLSM_STARTTLS, 180);
    rf_stage(e, STAGE_RESOLVE, SS_PASS, 0, 4, NULL, "1 address: 192.0.2.1");
    rf_stage(e, STAGE_CONNECT, SS_PASS, 4, 20, NULL, "connected to 192.0.2.1 port 587");
    rf_stage(e, STAGE_BANNER, SS_PASS, 24, 30,
             rf_reply(220, NULL, "mail.example.com ESMTP Postfix", NULL), NULL);
    rf_stage(e, STAGE_EHLO, SS_PASS, 54, 12,
             rf_reply(250, NULL, "mail.example.com", "PIPELINING", "SIZE 10240000", "STARTTLS",
                      "ENHANCEDSTATUSCODES", "8BITMIME", NULL),
             "5 extensions, STARTTLS offered");
    rf_stage(e, STAGE_STARTTLS, SS_PASS, 66, 10,
             rf_reply(220, "2.0.0", "2.0.0 Ready to start TLS", NULL), NULL);
    rf_stage(e, STAGE_TLS, SS_PASS, 76, 60, NULL,
             "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified");
    rf_stage(e, STAGE_EHLO_TLS, SS_PASS, 136, 12,
             rf_reply(250, NULL, "mail.example.com", "PIPELINING", "SIZE 10240000",
                      "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", NULL),
             "AUTH PLAIN LOGIN offered");
    rf_stage(e, STAGE_AUTH, SS_SKIP, 0, 0, NULL, "no --auth-user given");
    rf_stage(e, STAGE_QUIT, SS_PASS, 148, 20, rf_reply(221, "2.0.0", "2.0.0 Bye", NULL), NULL);
    attempt(e, "192.0.2.1", true, 20, NULL);

    e->tls_ok = true;
    e->tls.version = rf_strdup("TLSv1.3");
    e->tls.cipher = rf_strdup("TLS_AES_256_GCM_SHA384");
    e->tls.group = rf_strdup("X25519");
    e->tls.servername = rf_strdup("mail.example.com");
    e->tls.verified = true;
    e->tls.hostname_match = true;
    e->tls.chain = calloc(2, sizeof *e->tls.chain);
    assert_non_null(e->tls.chain);
    e->tls.chain_len = 2;
    cert(&e->tls.chain[0], "CN=mail.example.com", "CN=R3,O=Let's Encrypt,C=US",
         "DNS:mail.example.com", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z", 40);
    cert(&e->tls.chain[1], "CN=R3,O=Let's Encrypt,C=US", "CN=ISRG Root X1,O=Internet Security Research Group,C=US",
         NULL, "2020-09-04T00:00:00Z", "2027-09-15T16:00:00Z", 600);

    e->have_caps = true;
    e->caps.domain = rf_strdup("mail.example.com");
    const char *lines[] = {"PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN",
                           "ENHANCEDSTATUSCODES", "8BITMIME"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        rf_strv_push(&e->caps.lines, &e->caps.n_lines, lines[i]);
    rf_strv_push(&e->caps.auth, &e->caps.n_auth, "PLAIN");
    rf_strv_push(&e->caps.auth, &e->caps.n_auth, "LOGIN");

    rf_finding(&e->findings, "auth.skipped", SEV_INFO, false, STAGE_AUTH, "AUTH was not tested",
               "Give --auth-user to test authentication.");

    rf_tr(e, 4, TR_INFO, "connect 192.0.2.1 port 587: connected (20 ms)");
    rf_tr(e, 54, TR_RECV, "220 mail.example.com ESMTP Postfix");
    rf_tr(e, 54, TR_SEND, "EHLO client.example");
    rf_tr(e, 66, TR_RECV, "250-mail.example.com");
    rf_tr(e, 66, TR_SEND, "STARTTLS");
    rf_tr(e, 76, TR_RECV, "220 2.0.0 Ready to start TLS");
    rf_tr(e, 136, TR_INFO, "TLS established: TLSv1.3 TLS_AES_256_GCM_SHA384");
    rf_tr(e, 148, TR_SEND, "QUIT");
    rf_tr(e, 168, TR_RECV, "221 2.0.0 Bye");

    result *r = result_new("check");
    assert_non_null(r);
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    return r;
}

/* A failing check: certificate problems accepted with --insecure, then AUTH
 * refused; the peer's greeting carries escaped control bytes and UTF-8. */
static result *build_fail_auth(void)
{
    endpoint_outcome *e = ep_new("mx.bad.example", 25, "198.51.100.7", TLSM_STARTTLS, 2340);
    rf_stage(e, STAGE_RESOLVE, SS_PASS, 0, 15, NULL, "2 addresses: 2001:db8::7, 198.51.100.7");
    rf_stage(e, STAGE_CONNECT, SS_WARN, 15, 1020, NULL,
             "2001:db8::7 unreachable; connected to 198.51.100.7 port 25");
    rf_stage(e, STAGE_BANNER, SS_PASS, 1035, 300,
             rf_reply(220, NULL, "mx.bad.example ESMTP \\x1B[31mGrüße\\x07", NULL), NULL);
    rf_stage(e, STAGE_EHLO, SS_PASS, 1335, 40,
             rf_reply(250, NULL, "mx.bad.example", "STARTTLS", "AUTH PLAIN", NULL),
             "2 extensions, STARTTLS offered");
    rf_stage(e, STAGE_STARTTLS, SS_PASS, 1375, 25, rf_reply(220, NULL, "Go ahead", NULL), NULL);
    rf_stage(e, STAGE_TLS, SS_WARN, 1400, 500, NULL,
             "certificate not verified: expired, hostname mismatch (--insecure)");
    rf_stage(e, STAGE_EHLO_TLS, SS_PASS, 1900, 40,
             rf_reply(250, NULL, "mx.bad.example", "AUTH PLAIN", NULL), "AUTH PLAIN offered");
    rf_stage(e, STAGE_AUTH, SS_FAIL, 1940, 380,
             rf_reply(535, "5.7.8", "5.7.8 Error: authentication failed: \\xFF\\xFE", NULL),
             "PLAIN as alice: rejected");
    rf_stage(e, STAGE_MAIL, SS_SKIP, 0, 0, NULL, NULL);
    rf_stage(e, STAGE_QUIT, SS_PASS, 2320, 20, rf_reply(221, NULL, "Bye", NULL), NULL);
    attempt(e, "2001:db8::7", false, 0, "network is unreachable");
    attempt(e, "198.51.100.7", true, 1020, NULL);

    e->tls_ok = true;
    e->tls.version = rf_strdup("TLSv1.2");
    e->tls.cipher = rf_strdup("ECDHE-RSA-AES128-GCM-SHA256");
    e->tls.servername = rf_strdup("mx.bad.example");
    e->tls.problems = TLSV_EXPIRED | TLSV_HOSTNAME;
    e->tls.verify_code = 10;
    e->tls.verify_error = rf_strdup("certificate has expired");
    e->tls.chain = calloc(1, sizeof *e->tls.chain);
    assert_non_null(e->tls.chain);
    e->tls.chain_len = 1;
    cert(&e->tls.chain[0], "CN=other.example", "CN=Bad CA", "DNS:other.example",
         "2025-01-01T00:00:00Z", "2025-12-01T00:00:00Z", -12);

    e->have_caps = true;
    rf_strv_push(&e->caps.lines, &e->caps.n_lines, "AUTH PLAIN");
    rf_strv_push(&e->caps.auth, &e->caps.n_auth, "PLAIN");
    e->auth_mech_used = rf_strdup("PLAIN");
    rf_strv_push(&e->notes, &e->n_notes, "IPv6 address 2001:db8::7 unreachable; used IPv4");

    rf_finding(&e->findings, "connect.unreachable", SEV_INFO, false, STAGE_CONNECT,
               "2001:db8::7: network is unreachable", "No IPv6 route from here; try -4.");
    rf_finding(&e->findings, "tls.cert_expired", SEV_WARNING, false, STAGE_TLS,
               "The certificate for CN=other.example expired 12 days ago (2025-12-01T00:00:00Z)",
               "Renew the certificate and reload the mail server.");
    rf_finding(&e->findings, "tls.hostname_mismatch", SEV_WARNING, false, STAGE_TLS,
               "The certificate covers other.example, not mx.bad.example",
               "Issue a certificate that includes mx.bad.example.");
    rf_finding(&e->findings, "auth.failed", SEV_ERROR, false, STAGE_AUTH,
               "535 5.7.8: authentication failed for alice with PLAIN",
               "Check the user name and password; many providers need an app password.");

    rf_tr(e, 15, TR_INFO, "connect 2001:db8::7 port 25: network is unreachable (0 ms)");
    rf_tr(e, 1035, TR_INFO, "connect 198.51.100.7 port 25: connected (1020 ms)");
    rf_tr(e, 1335, TR_RECV, "220 mx.bad.example ESMTP \\x1B[31mGrüße\\x07");
    rf_tr(e, 1335, TR_SEND, "EHLO client.example");
    rf_tr(e, 1375, TR_RECV, "250-mx.bad.example");
    rf_tr(e, 1375, TR_RECV, "250-STARTTLS");
    rf_tr(e, 1375, TR_RECV, "250 AUTH PLAIN");
    rf_tr(e, 1940, TR_SEND, "AUTH PLAIN " TRANSCRIPT_REDACTED);
    rf_tr(e, 2320, TR_RECV, "535 5.7.8 Error: authentication failed: \\xFF\\xFE");
    rf_tr(e, 2320, TR_SEND, "QUIT");
    rf_tr(e, 2340, TR_RECV, "221 Bye");

    result *r = result_new("check");
    assert_non_null(r);
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    return r;
}

static void sweep_port_set(sweep_outcome *s, int port, port_state st, tls_mode m, int code,
                           int64_t ms, const char *summary)
{
    sweep_port *p = &s->ports[s->n++];
    *p = (sweep_port){.port = port, .state = st, .tls = m, .banner_code = code, .ms = ms,
                      .summary = rf_strdup(summary)};
}

/* No port given: the sweep picks 587, whose greeting is a temporary 421. */
static result *build_sweep_tempfail(void)
{
    result *r = result_new("check");
    assert_non_null(r);
    assert_int_equal(result_add_note(r, "%s has no address; probing its MX host %s", "example.net",
                                     "mx.example.net"),
                     0);
    sweep_outcome *s = calloc(1, sizeof *s);
    assert_non_null(s);
    sweep_port_set(s, 25, PORT_TIMEOUT, TLSM_NONE, 0, 10000,
                   "timed out — filtered; many ISPs and clouds block outbound 25");
    sweep_port_set(s, 465, PORT_REFUSED, TLSM_NONE, 0, 1, "refused — nothing listens on 465");
    sweep_port_set(s, 587, PORT_OPEN, TLSM_STARTTLS, 220, 85,
                   "open — submission, STARTTLS offered");
    sweep_port_set(s, 2525, PORT_REJECTING, TLSM_NONE, 554, 40,
                   "open, but refuses service — 554 no service here");
    s->best_port = 587;
    assert_int_equal(result_take_sweep(r, s), 0);
    assert_int_equal(result_add_note(r, "checking port %d, the best reachable submission port", 587), 0);

    endpoint_outcome *e = ep_new("mx.example.net", 587, "203.0.113.5", TLSM_NONE, 95);
    e->mx_host = rf_strdup("mx.example.net");
    rf_stage(e, STAGE_RESOLVE, SS_PASS, 0, 2, NULL, "1 address: 203.0.113.5");
    rf_stage(e, STAGE_CONNECT, SS_PASS, 2, 43, NULL, "connected to 203.0.113.5 port 587");
    rf_stage(e, STAGE_BANNER, SS_FAIL, 45, 50,
             rf_reply(421, "4.3.2", "4.3.2 Service shutting down, try later", NULL),
             "the server refused service (temporary)");
    attempt(e, "203.0.113.5", true, 43, NULL);
    rf_finding(&e->findings, "banner.rejected", SEV_ERROR, true, STAGE_BANNER,
               "421 4.3.2: the greeting refused service",
               "A 421 greeting is temporary: retry later.");
    rf_tr(e, 2, TR_INFO, "connect 203.0.113.5 port 587: connected (43 ms)");
    rf_tr(e, 95, TR_RECV, "421 4.3.2 Service shutting down, try later");
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    return r;
}

/* No port reachable: a sweep and no endpoint check at all. */
static result *build_sweep_none(void)
{
    result *r = result_new("check");
    assert_non_null(r);
    sweep_outcome *s = calloc(1, sizeof *s);
    assert_non_null(s);
    sweep_port_set(s, 25, PORT_TIMEOUT, TLSM_NONE, 0, 5000,
                   "timed out — filtered; many ISPs and clouds block outbound 25");
    sweep_port_set(s, 465, PORT_TIMEOUT, TLSM_NONE, 0, 5000,
                   "timed out — filtered by a firewall, or the host is down");
    sweep_port_set(s, 587, PORT_UNREACHABLE, TLSM_NONE, 0, 3,
                   "unreachable — no route to host");
    sweep_port_set(s, 2525, PORT_ERROR, TLSM_NONE, 0, 5000,
                   "open, but no greeting — timed out (a tarpit, or the port expects implicit TLS)");
    assert_int_equal(result_take_sweep(r, s), 0);
    rf_finding(&r->findings, "connect.timeout", SEV_ERROR, true, STAGE_CONNECT,
               "example.org: none of the ports 25, 465, 587 and 2525 offered an SMTP session",
               "Try from another network.");
    result_finish(r);
    return r;
}

/* ---- JSON schema checks (docs/json.md) ---- */

static void check_schema(json_t *doc)
{
    RF_KEYS(doc, "document", "tool", "version", "schema", "command", "target", "verdict",
            "duration_ms", "stages", "connect_attempts", "tls", "capabilities", "auth_mechanisms",
            "auth_mechanism_used", "message", "recipients", "findings", "notes", "sweep",
            "transcript", "transcript_dropped");
    assert_string_equal(json_string_value(json_object_get(doc, "tool")), "smtpscope");
    assert_string_equal(json_string_value(json_object_get(doc, "version")), SMTPSCOPE_VERSION);
    assert_int_equal(json_integer_value(json_object_get(doc, "schema")), 1);
    assert_true(json_is_integer(json_object_get(doc, "duration_ms")));
    json_t *t = json_object_get(doc, "target");
    if (!json_is_null(t)) {
        RF_KEYS(t, "target", "host", "port", "address", "mx_host", "tls_mode");
        assert_true(json_is_integer(json_object_get(t, "port")));
    }
    json_t *st = json_object_get(doc, "stages");
    assert_true(json_is_array(st));
    assert_int_equal(json_array_size(st), 12);
    static const char *const names[] = {"resolve", "connect", "banner", "ehlo", "starttls", "tls",
                                        "ehlo_tls", "auth", "mail", "rcpt", "data", "quit"};
    for (size_t i = 0; i < 12; i++) {
        json_t *s = json_array_get(st, i);
        RF_KEYS(s, "stage", "name", "status", "start_ms", "ms", "reply", "detail");
        assert_string_equal(json_string_value(json_object_get(s, "name")), names[i]);
        const char *status = json_string_value(json_object_get(s, "status"));
        assert_non_null(status);
        if (strcmp(status, "skip") == 0) {
            assert_true(json_is_null(json_object_get(s, "start_ms")));
            assert_true(json_is_null(json_object_get(s, "reply")));
            assert_int_equal(json_integer_value(json_object_get(s, "ms")), 0);
        }
        json_t *rep = json_object_get(s, "reply");
        if (!json_is_null(rep)) {
            RF_KEYS(rep, "reply", "code", "enhanced", "lines");
            assert_true(json_is_array(json_object_get(rep, "lines")));
        }
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "connect_attempts"), i, v)
        RF_KEYS(v, "connect attempt", "address", "ok", "ms", "error");
    json_t *tls = json_object_get(doc, "tls");
    if (!json_is_null(tls)) {
        RF_KEYS(tls, "tls", "version", "cipher", "group", "verified", "hostname_match",
                "servername", "subject", "issuer", "not_before", "not_after", "days_left",
                "chain_length", "verify_error", "ocsp_stapled", "problems", "chain");
        json_array_foreach(json_object_get(tls, "chain"), i, v)
            RF_KEYS(v, "certificate", "subject", "issuer", "sans", "key_type", "key_bits",
                    "sig_alg", "not_before", "not_after", "days_left", "self_signed");
        assert_int_equal((size_t)json_integer_value(json_object_get(tls, "chain_length")),
                         json_array_size(json_object_get(tls, "chain")));
    }
    assert_true(json_is_array(json_object_get(doc, "capabilities")));
    assert_true(json_is_array(json_object_get(doc, "auth_mechanisms")));
    assert_true(json_is_array(json_object_get(doc, "notes")));
    json_array_foreach(json_object_get(doc, "findings"), i, v)
        RF_KEYS(v, "finding", "id", "severity", "stage", "temporary", "message", "advice");
    json_t *sw = json_object_get(doc, "sweep");
    if (!json_is_null(sw)) {
        RF_KEYS(sw, "sweep", "best_port", "ports");
        json_array_foreach(json_object_get(sw, "ports"), i, v)
            RF_KEYS(v, "sweep port", "port", "state", "tls_mode", "banner_code", "ms", "summary");
    }
    json_array_foreach(json_object_get(doc, "transcript"), i, v)
        RF_KEYS(v, "transcript event", "ms", "dir", "line");
    assert_true(json_is_integer(json_object_get(doc, "transcript_dropped")));
    /* `check` has no delivery: message null, recipients empty. */
    assert_true(json_is_null(json_object_get(doc, "message")));
    assert_int_equal(json_array_size(json_object_get(doc, "recipients")), 0);
}

/* ---- tests ---- */

typedef struct golden_case {
    const char *name;
    result *(*build)(void);
    bool verbose;        /* text with the transcript */
    const char *verdict;
} golden_case;

static const golden_case golden_cases[] = {
    {"pass_starttls", build_pass_starttls, false, "pass"},
    {"fail_auth", build_fail_auth, true, "fail"},
    {"sweep_tempfail", build_sweep_tempfail, false, "tempfail"},
    {"sweep_none", build_sweep_none, false, "tempfail"},
};

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof golden_cases / sizeof golden_cases[0]; i++) {
        const golden_case *gc = &golden_cases[i];
        result *r = gc->build();
        assert_string_equal(verdict_name(r->verdict), gc->verdict);

        char *text = rf_render(&render_text, r, false, gc->verbose);
        assert_null(strchr(text, '\033'));
        GOLDEN_ASSERT(GOLDEN_DIR, gc->name, "txt", text);

        char *js = rf_render(&render_json, r, false, false);
        GOLDEN_ASSERT(GOLDEN_DIR, gc->name, "json", js);
        json_t *doc = rf_parse_json(js);
        check_schema(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "verdict")), gc->verdict);
        assert_int_equal(json_array_size(json_object_get(doc, "findings")), r->findings.n);

        json_decref(doc);
        free(js);
        free(text);
        result_free(r);
    }
}

static void test_json_values(void **state)
{
    (void)state;
    result *r = build_fail_auth();
    char *js = rf_render(&render_json, r, false, false);
    json_t *doc = rf_parse_json(js);
    /* tls null only without a session; problems named as documented. */
    json_t *tls = json_object_get(doc, "tls");
    assert_false(json_is_true(json_object_get(tls, "verified")));
    json_t *p = json_object_get(tls, "problems");
    assert_int_equal(json_array_size(p), 2);
    assert_string_equal(json_string_value(json_array_get(p, 0)), "expired");
    assert_string_equal(json_string_value(json_array_get(p, 1)), "hostname");
    assert_int_equal(json_integer_value(json_object_get(tls, "days_left")), -12);
    assert_true(json_is_null(json_object_get(tls, "group")));
    /* Failed attempt carries our sentence; enhanced code absent is null. */
    json_t *a0 = json_array_get(json_object_get(doc, "connect_attempts"), 0);
    assert_string_equal(json_string_value(json_object_get(a0, "error")), "network is unreachable");
    json_t *banner = json_array_get(json_object_get(doc, "stages"), 2);
    assert_true(json_is_null(json_object_get(json_object_get(banner, "reply"), "enhanced")));
    /* Escaped peer bytes stay escaped text; UTF-8 survives. */
    const char *line = json_string_value(
        json_array_get(json_object_get(json_object_get(banner, "reply"), "lines"), 0));
    assert_string_equal(line, "mx.bad.example ESMTP \\x1B[31mGrüße\\x07");
    /* Notes moved from the endpoint into the result. */
    assert_int_equal(json_array_size(json_object_get(doc, "notes")), 1);
    assert_string_equal(json_string_value(json_object_get(doc, "auth_mechanism_used")), "PLAIN");
    /* The AUTH line is redacted. */
    assert_non_null(strstr(js, "AUTH PLAIN <redacted>"));
    json_decref(doc);
    free(js);
    result_free(r);

    /* No TLS, no capabilities: null and empty arrays; a sweep with no best. */
    r = build_sweep_none();
    js = rf_render(&render_json, r, false, false);
    doc = rf_parse_json(js);
    assert_true(json_is_null(json_object_get(doc, "target")));
    assert_true(json_is_null(json_object_get(doc, "tls")));
    assert_int_equal(json_array_size(json_object_get(doc, "capabilities")), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "transcript")), 0);
    assert_true(json_is_null(json_object_get(json_object_get(doc, "sweep"), "best_port")));
    json_decref(doc);
    free(js);
    result_free(r);
}

/* A string that is not valid UTF-8 (jansson refuses it) is escaped rather
 * than dropped or allowed to break the document. */
static void test_json_invalid_utf8(void **state)
{
    (void)state;
    result *r = result_new("check");
    assert_non_null(r);
    assert_int_equal(result_add_note(r, "raw \xff\xfe byte"), 0);
    char *js = rf_render(&render_json, r, false, false);
    json_t *doc = rf_parse_json(js);
    check_schema(doc);
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "notes"), 0)),
                        "raw \\xFF\\xFE byte");
    json_decref(doc);
    free(js);
    result_free(r);
}

static void test_text_details(void **state)
{
    (void)state;
    result *r = build_pass_starttls();
    /* Colour only on request. */
    char *c = rf_render(&render_text, r, true, false);
    assert_non_null(strstr(c, "\033[32m"));
    assert_non_null(strstr(c, "VERDICT: PASS"));
    free(c);
    /* No transcript without -v. */
    char *t = rf_render(&render_text, r, false, false);
    assert_null(strstr(t, "Transcript"));
    free(t);
    t = rf_render(&render_text, r, false, true);
    assert_non_null(strstr(t, "> EHLO client.example"));
    free(t);
    result_free(r);

    /* An IPv6 literal is bracketed before the port. */
    r = result_new("check");
    assert_non_null(r);
    endpoint_outcome *e = ep_new("::1", 2525, "::1", TLSM_NONE, 0);
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    t = rf_render(&render_text, r, false, false);
    assert_non_null(strstr(t, "smtpscope check [::1]:2525 (::1) — no TLS\n"));
    free(t);
    result_free(r);
}

/* The buffer cap is honoured: a renderer reports -1, never a truncated
 * success, and frees what it built. */
static void test_render_cap(void **state)
{
    (void)state;
    result *r = build_fail_auth();
    render_opts o = {.color = false, .verbose = true};
    const renderer *all[] = {&render_text, &render_json};
    for (size_t i = 0; i < 2; i++) {
        buf b;
        buf_init(&b, 64);
        assert_int_equal(all[i]->render(r, &o, &b), -1);
        buf_free(&b);
    }
    result_free(r);
}

static void test_renderer_find(void **state)
{
    (void)state;
    assert_ptr_equal(renderer_find("text"), &render_text);
    assert_ptr_equal(renderer_find("json"), &render_json);
    assert_null(renderer_find("xml"));
    assert_null(renderer_find(""));
    assert_null(renderer_find(NULL));
}

typedef struct vrow {
    const char *name;
    const char *findings;  /* one letter per finding: i info, w warning, t temporary error,
                              e error, W temporary warning */
    verdict want;
} vrow;

static const vrow verdict_rows[] = {
    {"empty", "", VERDICT_PASS},
    {"info only", "ii", VERDICT_PASS},
    {"warning", "iw", VERDICT_WARN},
    {"temporary warning is a warning", "W", VERDICT_WARN},
    {"temporary error", "t", VERDICT_TEMPFAIL},
    {"temporary error beats warning", "wt", VERDICT_TEMPFAIL},
    {"error", "e", VERDICT_FAIL},
    {"permanent beats temporary", "te", VERDICT_FAIL},
    {"permanent beats temporary, any order", "ewt", VERDICT_FAIL},
};

static void test_verdict_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof verdict_rows / sizeof verdict_rows[0]; i++) {
        const vrow *row = &verdict_rows[i];
        result *r = result_new("check");
        assert_non_null(r);
        for (const char *f = row->findings; *f; f++) {
            severity sev = *f == 'i' ? SEV_INFO : (*f == 'w' || *f == 'W') ? SEV_WARNING : SEV_ERROR;
            bool temp = *f == 't' || *f == 'W';
            rf_finding(&r->findings, "connect.failed", sev, temp, STAGE_CONNECT, "m", "a");
        }
        result_finish(r);
        if (r->verdict != row->want)
            fail_msg("%s: verdict %s, expected %s", row->name, verdict_name(r->verdict),
                     verdict_name(row->want));
        result_free(r);
    }
    assert_string_equal(verdict_name(VERDICT_PASS), "pass");
    assert_string_equal(verdict_name(VERDICT_WARN), "warn");
    assert_string_equal(verdict_name(VERDICT_FAIL), "fail");
    assert_string_equal(verdict_name(VERDICT_TEMPFAIL), "tempfail");
}

static void test_take_moves(void **state)
{
    (void)state;
    result *r = result_new("check");
    assert_non_null(r);
    assert_string_equal(r->command, "check");
    assert_int_equal(result_add_note(r, "first %d", 1), 0);
    rf_finding(&r->findings, "connect.failed", SEV_WARNING, false, STAGE_CONNECT, "result-level",
               "a");
    endpoint_outcome *e = ep_new("h", 25, NULL, TLSM_NONE, 0);
    rf_strv_push(&e->notes, &e->n_notes, "from endpoint");
    rf_finding(&e->findings, "banner.rejected", SEV_ERROR, false, STAGE_BANNER, "endpoint-level",
               "a");
    assert_int_equal(result_take_endpoint(r, e), 0);
    assert_ptr_equal(r->endpoint, e);
    assert_int_equal(e->findings.n, 0);
    assert_int_equal(e->n_notes, 0);
    assert_int_equal(r->findings.n, 2);
    assert_string_equal(r->findings.v[1].message, "endpoint-level");
    assert_int_equal(r->n_notes, 2);
    assert_string_equal(r->notes[0], "first 1");
    assert_string_equal(r->notes[1], "from endpoint");
    assert_int_equal(result_take_endpoint(r, NULL), 0);
    assert_int_equal(result_take_sweep(r, NULL), 0);
    result_finish(r);
    assert_int_equal(r->verdict, VERDICT_FAIL);
    result_free(r);
    result_free(NULL);
}

/* docs/json.md ends with a complete example; it must be exactly what the
 * renderer produces for the fail_auth case (SMTPSCOPE_GOLDEN_UPDATE=1
 * rewrites it too). */
static void test_doc_example(void **state)
{
    (void)state;
    const char *path = SOURCE_DIR "/docs/json.md";
    const char *fence = "```json\n";
    char *doc = golden_slurp(path);
    assert_non_null(doc);
    char *start = NULL;
    for (char *p = strstr(doc, fence); p; p = strstr(p + 1, fence))
        start = p + strlen(fence);
    assert_non_null(start);
    char *end = strstr(start, "```\n");
    assert_non_null(end);

    result *r = build_fail_auth();
    char *js = rf_render(&render_json, r, false, false);
    if (golden_update_mode()) {
        char *fixed = xasprintf("%.*s%s%s", (int)(start - doc), doc, js, end);
        assert_non_null(fixed);
        assert_int_equal(golden_spit(path, fixed), 0);
        free(fixed);
    } else {
        *end = '\0';
        char *want = golden_normalize_version(start);
        char *got = golden_normalize_version(js);
        assert_non_null(want);
        assert_non_null(got);
        if (strcmp(want, got) != 0)
            fail_msg("the example at the end of %s is not what render_json produces for "
                     "fail_auth; run with SMTPSCOPE_GOLDEN_UPDATE=1", path);
        free(want);
        free(got);
    }
    free(js);
    result_free(r);
    free(doc);
}

/* `explain` results delegate to render_explain_{text,json}. */
static void test_explain_document(void **state)
{
    (void)state;
    err e;
    err_clear(&e);
    explain_outcome *x = explain_run("550 5.1.1 <bob@example.com>: Recipient address rejected", &e);
    if (!x)
        fail_msg("explain_run failed: %s", e.msg);
    result *r = result_new("explain");
    assert_non_null(r);
    r->explain = x;
    result_finish(r);
    char *js = rf_render(&render_json, r, false, false);
    json_t *doc = rf_parse_json(js);
    RF_KEYS(doc, "explain document", "tool", "version", "schema", "command", "verdict", "explain");
    assert_string_equal(json_string_value(json_object_get(doc, "command")), "explain");
    assert_true(json_is_object(json_object_get(doc, "explain")));
    json_decref(doc);
    free(js);
    char *t = rf_render(&render_text, r, false, false);
    assert_true(strlen(t) > 0);
    assert_null(strstr(t, "Stages"));
    free(t);
    result_free(r);
}

int main(int argc, char **argv)
{
    golden_out_dir_from_argv0(argc > 0 ? argv[0] : NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_json_invalid_utf8),
        cmocka_unit_test(test_text_details),
        cmocka_unit_test(test_render_cap),
        cmocka_unit_test(test_renderer_find),
        cmocka_unit_test(test_verdict_rules),
        cmocka_unit_test(test_take_moves),
        cmocka_unit_test(test_explain_document),
        cmocka_unit_test(test_doc_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
