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

#define GOLDEN_DIR SOURCE_DIR "/tests/golden/report"

/* ---- builders for synthetic outcomes ---- */

static char *dup_or_die(const char *s)
{
    char *p = xstrdup(s);
    assert_non_null(p);
    return p;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
    assert_int_equal(xarray_push((void ***)v, n, dup_or_die(s)), 0);
}

/* A reply with the given lines (NULL-terminated). */
static smtp_reply *mkreply(int code, const char *enhanced, ...)
{
    smtp_reply *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->code = code;
    snprintf(r->enhanced, sizeof r->enhanced, "%s", enhanced ? enhanced : "");
    va_list ap;
    va_start(ap, enhanced);
    for (const char *l; (l = va_arg(ap, const char *)) != NULL;)
        strv_push(&r->lines, &r->n_lines, l);
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

/* Findings are written out in full (not through finding_add's catalogue) so
 * the golden files do not change when catalogue advice is reworded. */
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

static endpoint_outcome *ep_new(const char *host, int port, const char *address, tls_mode m,
                                int64_t total_ms)
{
    endpoint_outcome *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->host = dup_or_die(host);
    e->port = port;
    e->address = address ? dup_or_die(address) : NULL;
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
    c->subject = dup_or_die(subject);
    c->issuer = dup_or_die(issuer);
    if (san)
        strv_push(&c->sans, &c->n_sans, san);
    c->key_type = dup_or_die("RSA");
    c->key_bits = 2048;
    c->sig_alg = dup_or_die("sha256WithRSAEncryption");
    c->not_before = dup_or_die(nb);
    c->not_after = dup_or_die(na);
    c->days_left = days_left;
}

/* A clean STARTTLS submission check: everything passes, AUTH not asked for. */
static result *build_pass_starttls(void)
{
    endpoint_outcome *e = ep_new("mail.example.com", 587, "192.0.2.1", TLSM_STARTTLS, 180);
    stage_set(e, STAGE_RESOLVE, SS_PASS, 0, 4, NULL, "1 address: 192.0.2.1");
    stage_set(e, STAGE_CONNECT, SS_PASS, 4, 20, NULL, "connected to 192.0.2.1 port 587");
    stage_set(e, STAGE_BANNER, SS_PASS, 24, 30,
              mkreply(220, NULL, "mail.example.com ESMTP Postfix", NULL), NULL);
    stage_set(e, STAGE_EHLO, SS_PASS, 54, 12,
              mkreply(250, NULL, "mail.example.com", "PIPELINING", "SIZE 10240000", "STARTTLS",
                      "ENHANCEDSTATUSCODES", "8BITMIME", NULL),
              "5 extensions, STARTTLS offered");
    stage_set(e, STAGE_STARTTLS, SS_PASS, 66, 10,
              mkreply(220, "2.0.0", "2.0.0 Ready to start TLS", NULL), NULL);
    stage_set(e, STAGE_TLS, SS_PASS, 76, 60, NULL,
              "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified");
    stage_set(e, STAGE_EHLO_TLS, SS_PASS, 136, 12,
              mkreply(250, NULL, "mail.example.com", "PIPELINING", "SIZE 10240000",
                      "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", NULL),
              "AUTH PLAIN LOGIN offered");
    stage_set(e, STAGE_AUTH, SS_SKIP, 0, 0, NULL, "no --auth-user given");
    stage_set(e, STAGE_QUIT, SS_PASS, 148, 20, mkreply(221, "2.0.0", "2.0.0 Bye", NULL), NULL);
    attempt(e, "192.0.2.1", true, 20, NULL);

    e->tls_ok = true;
    e->tls.version = dup_or_die("TLSv1.3");
    e->tls.cipher = dup_or_die("TLS_AES_256_GCM_SHA384");
    e->tls.group = dup_or_die("X25519");
    e->tls.servername = dup_or_die("mail.example.com");
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
    e->caps.domain = dup_or_die("mail.example.com");
    const char *lines[] = {"PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN",
                           "ENHANCEDSTATUSCODES", "8BITMIME"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        strv_push(&e->caps.lines, &e->caps.n_lines, lines[i]);
    strv_push(&e->caps.auth, &e->caps.n_auth, "PLAIN");
    strv_push(&e->caps.auth, &e->caps.n_auth, "LOGIN");

    fnd(&e->findings, "auth.skipped", SEV_INFO, false, STAGE_AUTH, "AUTH was not tested",
        "Give --auth-user to test authentication.");

    tr(e, 4, TR_INFO, "connect 192.0.2.1 port 587: connected (20 ms)");
    tr(e, 54, TR_RECV, "220 mail.example.com ESMTP Postfix");
    tr(e, 54, TR_SEND, "EHLO client.example");
    tr(e, 66, TR_RECV, "250-mail.example.com");
    tr(e, 66, TR_SEND, "STARTTLS");
    tr(e, 76, TR_RECV, "220 2.0.0 Ready to start TLS");
    tr(e, 136, TR_INFO, "TLS established: TLSv1.3 TLS_AES_256_GCM_SHA384");
    tr(e, 148, TR_SEND, "QUIT");
    tr(e, 168, TR_RECV, "221 2.0.0 Bye");

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
    stage_set(e, STAGE_RESOLVE, SS_PASS, 0, 15, NULL, "2 addresses: 2001:db8::7, 198.51.100.7");
    stage_set(e, STAGE_CONNECT, SS_WARN, 15, 1020, NULL,
              "2001:db8::7 unreachable; connected to 198.51.100.7 port 25");
    stage_set(e, STAGE_BANNER, SS_PASS, 1035, 300,
              mkreply(220, NULL, "mx.bad.example ESMTP \\x1B[31mGrüße\\x07", NULL), NULL);
    stage_set(e, STAGE_EHLO, SS_PASS, 1335, 40,
              mkreply(250, NULL, "mx.bad.example", "STARTTLS", "AUTH PLAIN", NULL),
              "2 extensions, STARTTLS offered");
    stage_set(e, STAGE_STARTTLS, SS_PASS, 1375, 25, mkreply(220, NULL, "Go ahead", NULL), NULL);
    stage_set(e, STAGE_TLS, SS_WARN, 1400, 500, NULL,
              "certificate not verified: expired, hostname mismatch (--insecure)");
    stage_set(e, STAGE_EHLO_TLS, SS_PASS, 1900, 40,
              mkreply(250, NULL, "mx.bad.example", "AUTH PLAIN", NULL), "AUTH PLAIN offered");
    stage_set(e, STAGE_AUTH, SS_FAIL, 1940, 380,
              mkreply(535, "5.7.8", "5.7.8 Error: authentication failed: \\xFF\\xFE", NULL),
              "PLAIN as alice: rejected");
    stage_set(e, STAGE_MAIL, SS_SKIP, 0, 0, NULL, NULL);
    stage_set(e, STAGE_QUIT, SS_PASS, 2320, 20, mkreply(221, NULL, "Bye", NULL), NULL);
    attempt(e, "2001:db8::7", false, 0, "network is unreachable");
    attempt(e, "198.51.100.7", true, 1020, NULL);

    e->tls_ok = true;
    e->tls.version = dup_or_die("TLSv1.2");
    e->tls.cipher = dup_or_die("ECDHE-RSA-AES128-GCM-SHA256");
    e->tls.servername = dup_or_die("mx.bad.example");
    e->tls.problems = TLSV_EXPIRED | TLSV_HOSTNAME;
    e->tls.verify_code = 10;
    e->tls.verify_error = dup_or_die("certificate has expired");
    e->tls.chain = calloc(1, sizeof *e->tls.chain);
    assert_non_null(e->tls.chain);
    e->tls.chain_len = 1;
    cert(&e->tls.chain[0], "CN=other.example", "CN=Bad CA", "DNS:other.example",
         "2025-01-01T00:00:00Z", "2025-12-01T00:00:00Z", -12);

    e->have_caps = true;
    strv_push(&e->caps.lines, &e->caps.n_lines, "AUTH PLAIN");
    strv_push(&e->caps.auth, &e->caps.n_auth, "PLAIN");
    e->auth_mech_used = dup_or_die("PLAIN");
    strv_push(&e->notes, &e->n_notes, "IPv6 address 2001:db8::7 unreachable; used IPv4");

    fnd(&e->findings, "connect.unreachable", SEV_INFO, false, STAGE_CONNECT,
        "2001:db8::7: network is unreachable", "No IPv6 route from here; try -4.");
    fnd(&e->findings, "tls.cert_expired", SEV_WARNING, false, STAGE_TLS,
        "The certificate for CN=other.example expired 12 days ago (2025-12-01T00:00:00Z)",
        "Renew the certificate and reload the mail server.");
    fnd(&e->findings, "tls.hostname_mismatch", SEV_WARNING, false, STAGE_TLS,
        "The certificate covers other.example, not mx.bad.example",
        "Issue a certificate that includes mx.bad.example.");
    fnd(&e->findings, "auth.failed", SEV_ERROR, false, STAGE_AUTH,
        "535 5.7.8: authentication failed for alice with PLAIN",
        "Check the user name and password; many providers need an app password.");

    tr(e, 15, TR_INFO, "connect 2001:db8::7 port 25: network is unreachable (0 ms)");
    tr(e, 1035, TR_INFO, "connect 198.51.100.7 port 25: connected (1020 ms)");
    tr(e, 1335, TR_RECV, "220 mx.bad.example ESMTP \\x1B[31mGrüße\\x07");
    tr(e, 1335, TR_SEND, "EHLO client.example");
    tr(e, 1375, TR_RECV, "250-mx.bad.example");
    tr(e, 1375, TR_RECV, "250-STARTTLS");
    tr(e, 1375, TR_RECV, "250 AUTH PLAIN");
    tr(e, 1940, TR_SEND, "AUTH PLAIN " TRANSCRIPT_REDACTED);
    tr(e, 2320, TR_RECV, "535 5.7.8 Error: authentication failed: \\xFF\\xFE");
    tr(e, 2320, TR_SEND, "QUIT");
    tr(e, 2340, TR_RECV, "221 Bye");

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
                      .summary = dup_or_die(summary)};
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
    e->mx_host = dup_or_die("mx.example.net");
    stage_set(e, STAGE_RESOLVE, SS_PASS, 0, 2, NULL, "1 address: 203.0.113.5");
    stage_set(e, STAGE_CONNECT, SS_PASS, 2, 43, NULL, "connected to 203.0.113.5 port 587");
    stage_set(e, STAGE_BANNER, SS_FAIL, 45, 50,
              mkreply(421, "4.3.2", "4.3.2 Service shutting down, try later", NULL),
              "the server refused service (temporary)");
    attempt(e, "203.0.113.5", true, 43, NULL);
    fnd(&e->findings, "banner.rejected", SEV_ERROR, true, STAGE_BANNER,
        "421 4.3.2: the greeting refused service",
        "A 421 greeting is temporary: retry later.");
    tr(e, 2, TR_INFO, "connect 203.0.113.5 port 587: connected (43 ms)");
    tr(e, 95, TR_RECV, "421 4.3.2 Service shutting down, try later");
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
    fnd(&r->findings, "connect.timeout", SEV_ERROR, true, STAGE_CONNECT,
        "example.org: none of the ports 25, 465, 587 and 2525 offered an SMTP session",
        "Try from another network.");
    result_finish(r);
    return r;
}

/* ---- golden comparison ---- */

/* Where actual output goes on a mismatch: next to the test binary (set in
 * main from argv[0]), so a run from the source tree does not litter it. */
static char out_dir[512] = ".";

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

/* Compare with GOLDEN_DIR/<name>.<ext>.ref, or rewrite it when
 * SMTPSCOPE_GOLDEN_UPDATE=1. On a mismatch the actual output is left next to
 * the test binary as <name>.<ext>.out for `diff`. */
/* The version changes with every release; the golden files should not. The
 * first "version" key (the document's) becomes @VERSION@. */
static char *normalize_version(const char *doc, const char *placeholder)
{
    const char *key = "\"version\": \"";
    const char *at = strstr(doc, key);
    const char *end = at ? strchr(at + strlen(key), '"') : NULL;
    char *s = end ? xasprintf("%.*s%s%s\"%s", (int)(at - doc), doc, key, placeholder, end + 1)
                  : xstrdup(doc);
    assert_non_null(s);
    return s;
}

static void golden(const char *name, const char *ext, const char *rendered)
{
    char *got = normalize_version(rendered, "@VERSION@");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s.ref", GOLDEN_DIR, name, ext);
    const char *upd = getenv("SMTPSCOPE_GOLDEN_UPDATE");
    if (upd && strcmp(upd, "1") == 0) {
        spit(path, got);
        free(got);
        return;
    }
    char *want = slurp(path);
    if (!want)
        fail_msg("missing golden file %s (create it with SMTPSCOPE_GOLDEN_UPDATE=1)", path);
    if (strcmp(want, got) != 0) {
        char out[1024];
        snprintf(out, sizeof out, "%s/%s.%s.out", out_dir, name, ext);
        spit(out, got);
        size_t line = 1;
        for (size_t i = 0; want[i] && want[i] == got[i]; i++)
            line += want[i] == '\n';
        free(want);
        free(got);
        fail_msg("%s differs from the golden file at line %zu; actual output in %s "
                 "(SMTPSCOPE_GOLDEN_UPDATE=1 rewrites the .ref)",
                 path, line, out);
    }
    free(want);
    free(got);
}

static char *render_with(const renderer *rd, const result *r, bool color, bool verbose)
{
    render_opts o = {.color = color, .verbose = verbose};
    buf b;
    buf_init(&b, 1 << 24);
    assert_int_equal(rd->render(r, &o, &b), 0);
    char *s = buf_steal(&b);
    assert_non_null(s);
    return s;
}

/* ---- JSON schema checks (docs/json.md) ---- */

static void expect_keys(json_t *o, const char *const *keys, size_t n, const char *what)
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

#define KEYS(o, what, ...)                                                      \
    do {                                                                        \
        static const char *const k_[] = {__VA_ARGS__};                          \
        expect_keys((o), k_, sizeof k_ / sizeof k_[0], (what));                 \
    } while (0)

static json_t *parse_back(const char *s)
{
    json_error_t je;
    json_t *doc = json_loads(s, 0, &je);
    if (!doc)
        fail_msg("renderer output is not JSON: %s (line %d)", je.text, je.line);
    size_t n = strlen(s);
    assert_true(n > 0 && s[n - 1] == '\n');
    return doc;
}

static void check_schema(json_t *doc)
{
    KEYS(doc, "document", "tool", "version", "schema", "command", "target", "verdict",
         "duration_ms", "stages", "connect_attempts", "tls", "capabilities", "auth_mechanisms",
         "auth_mechanism_used", "message", "recipients", "findings", "notes", "sweep",
         "transcript", "transcript_dropped");
    assert_string_equal(json_string_value(json_object_get(doc, "tool")), "smtpscope");
    assert_string_equal(json_string_value(json_object_get(doc, "version")), SMTPSCOPE_VERSION);
    assert_int_equal(json_integer_value(json_object_get(doc, "schema")), 1);
    assert_true(json_is_integer(json_object_get(doc, "duration_ms")));
    json_t *t = json_object_get(doc, "target");
    if (!json_is_null(t)) {
        KEYS(t, "target", "host", "port", "address", "mx_host", "tls_mode");
        assert_true(json_is_integer(json_object_get(t, "port")));
    }
    json_t *st = json_object_get(doc, "stages");
    assert_true(json_is_array(st));
    assert_int_equal(json_array_size(st), 12);
    static const char *const names[] = {"resolve", "connect", "banner", "ehlo", "starttls", "tls",
                                        "ehlo_tls", "auth", "mail", "rcpt", "data", "quit"};
    for (size_t i = 0; i < 12; i++) {
        json_t *s = json_array_get(st, i);
        KEYS(s, "stage", "name", "status", "start_ms", "ms", "reply", "detail");
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
            KEYS(rep, "reply", "code", "enhanced", "lines");
            assert_true(json_is_array(json_object_get(rep, "lines")));
        }
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "connect_attempts"), i, v)
        KEYS(v, "connect attempt", "address", "ok", "ms", "error");
    json_t *tls = json_object_get(doc, "tls");
    if (!json_is_null(tls)) {
        KEYS(tls, "tls", "version", "cipher", "group", "verified", "hostname_match", "servername",
             "subject", "issuer", "not_before", "not_after", "days_left", "chain_length",
             "verify_error", "ocsp_stapled", "problems", "chain");
        json_array_foreach(json_object_get(tls, "chain"), i, v)
            KEYS(v, "certificate", "subject", "issuer", "sans", "key_type", "key_bits", "sig_alg",
                 "not_before", "not_after", "days_left", "self_signed");
        assert_int_equal((size_t)json_integer_value(json_object_get(tls, "chain_length")),
                         json_array_size(json_object_get(tls, "chain")));
    }
    assert_true(json_is_array(json_object_get(doc, "capabilities")));
    assert_true(json_is_array(json_object_get(doc, "auth_mechanisms")));
    assert_true(json_is_array(json_object_get(doc, "notes")));
    json_array_foreach(json_object_get(doc, "findings"), i, v)
        KEYS(v, "finding", "id", "severity", "stage", "temporary", "message", "advice");
    json_t *sw = json_object_get(doc, "sweep");
    if (!json_is_null(sw)) {
        KEYS(sw, "sweep", "best_port", "ports");
        json_array_foreach(json_object_get(sw, "ports"), i, v)
            KEYS(v, "sweep port", "port", "state", "tls_mode", "banner_code", "ms", "summary");
    }
    json_array_foreach(json_object_get(doc, "transcript"), i, v)
        KEYS(v, "transcript event", "ms", "dir", "line");
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

        char *text = render_with(&render_text, r, false, gc->verbose);
        assert_null(strchr(text, '\033'));
        golden(gc->name, "txt", text);

        char *js = render_with(&render_json, r, false, false);
        golden(gc->name, "json", js);
        json_t *doc = parse_back(js);
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
    char *js = render_with(&render_json, r, false, false);
    json_t *doc = parse_back(js);
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
    js = render_with(&render_json, r, false, false);
    doc = parse_back(js);
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
    char *js = render_with(&render_json, r, false, false);
    json_t *doc = parse_back(js);
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
    char *c = render_with(&render_text, r, true, false);
    assert_non_null(strstr(c, "\033[32m"));
    assert_non_null(strstr(c, "VERDICT: PASS"));
    free(c);
    /* No transcript without -v. */
    char *t = render_with(&render_text, r, false, false);
    assert_null(strstr(t, "Transcript"));
    free(t);
    t = render_with(&render_text, r, false, true);
    assert_non_null(strstr(t, "> EHLO client.example"));
    free(t);
    result_free(r);

    /* An IPv6 literal is bracketed before the port. */
    r = result_new("check");
    assert_non_null(r);
    endpoint_outcome *e = ep_new("::1", 2525, "::1", TLSM_NONE, 0);
    assert_int_equal(result_take_endpoint(r, e), 0);
    result_finish(r);
    t = render_with(&render_text, r, false, false);
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
            fnd(&r->findings, "connect.failed", sev, temp, STAGE_CONNECT, "m", "a");
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
    fnd(&r->findings, "connect.failed", SEV_WARNING, false, STAGE_CONNECT, "result-level", "a");
    endpoint_outcome *e = ep_new("h", 25, NULL, TLSM_NONE, 0);
    strv_push(&e->notes, &e->n_notes, "from endpoint");
    fnd(&e->findings, "banner.rejected", SEV_ERROR, false, STAGE_BANNER, "endpoint-level", "a");
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
    char *doc = slurp(path);
    assert_non_null(doc);
    char *start = NULL;
    for (char *p = strstr(doc, fence); p; p = strstr(p + 1, fence))
        start = p + strlen(fence);
    assert_non_null(start);
    char *end = strstr(start, "```\n");
    assert_non_null(end);

    result *r = build_fail_auth();
    char *js = render_with(&render_json, r, false, false);
    const char *upd = getenv("SMTPSCOPE_GOLDEN_UPDATE");
    if (upd && strcmp(upd, "1") == 0) {
        char *fixed = xasprintf("%.*s%s%s", (int)(start - doc), doc, js, end);
        assert_non_null(fixed);
        spit(path, fixed);
        free(fixed);
    } else {
        *end = '\0';
        char *want = normalize_version(start, "@VERSION@");
        char *got = normalize_version(js, "@VERSION@");
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
    char *js = render_with(&render_json, r, false, false);
    json_t *doc = parse_back(js);
    KEYS(doc, "explain document", "tool", "version", "schema", "command", "verdict", "explain");
    assert_string_equal(json_string_value(json_object_get(doc, "command")), "explain");
    assert_true(json_is_object(json_object_get(doc, "explain")));
    json_decref(doc);
    free(js);
    char *t = render_with(&render_text, r, false, false);
    assert_true(strlen(t) > 0);
    assert_null(strstr(t, "Stages"));
    free(t);
    result_free(r);
}

int main(int argc, char **argv)
{
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    if (slash)
        snprintf(out_dir, sizeof out_dir, "%.*s", (int)(slash - argv[0]), argv[0]);
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
