/* test_smuggling.c — the SMTP smuggling probe (checks/security/smuggling.c)
 * against tests/fakesmtp/fakesmtp.py playing small scripts: a server that
 * honours <LF>.<LF> (that variant vulnerable, every other safe), a strict
 * server (all safe), one that answers <LF>.<LF> late (caught by the extra
 * replies), one that rejects a bare <LF> and hangs up like Postfix's
 * smtpd_forbid_bare_newline=reject (safe), and one refusing the recipient
 * (inconclusive). The fake server is started per test as a child process
 * and stopped by its PID; the test skips when python3 is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/finding.h"
#include "checks/security/smuggling.h"

#include "support/fakesmtp_child.h"

typedef struct fake {
    fakesmtp_child c;
    int port;
    char dir[64];
} fake;

static void fake_stop(fake *f)
{
    fakesmtp_child_stop(&f->c);
    if (f->dir[0]) {
        char p[128];
        snprintf(p, sizeof p, "%s/script", f->dir);
        unlink(p);
        snprintf(p, sizeof p, "%s/port", f->dir);
        unlink(p);
        rmdir(f->dir);
    }
    memset(f, 0, sizeof *f);
}

/* Start fakesmtp.py on script; port 0 when python3 is missing (skip). */
static void fake_start(fake *f, const char *script)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/smtpscope-smuggling-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char sp[128], pp[128];
    snprintf(sp, sizeof sp, "%s/script", f->dir);
    snprintf(pp, sizeof pp, "%s/port", f->dir);
    FILE *fp = fopen(sp, "w");
    assert_non_null(fp);
    fputs(script, fp);
    fclose(fp);
    int rc = fakesmtp_child_start(&f->c, sp, NULL, pp, NULL);
    if (rc < 0) {
        fake_stop(f);
        fail_msg("fakesmtp.py did not report its port");
    }
    f->port = f->c.port; /* 0 when it ended at once: python3 missing, skip */
}

static const char envelope[] =
    "send \"220 mx.smtpscope.test ESMTP fakesmtp\\r\\n\"\n"
    "expect EHLO\n"
    "send \"250-mx.smtpscope.test\\r\\n250 8BITMIME\\r\\n\"\n"
    "expect MAIL\n"
    "send \"250 2.1.0 Ok\\r\\n\"\n"
    "expect RCPT\n"
    "send \"250 2.1.5 Ok\\r\\n\"\n"
    "expect DATA\n"
    "send \"354 End data with <CR><LF>.<CR><LF>\\r\\n\"\n";

/* After the end of data: replies for a smuggled transaction, if one comes. */
static const char smuggled_defaults[] =
    "default MAIL \"250 2.1.0 smuggled MAIL accepted\\r\\n\"\n"
    "default RCPT \"250 2.1.5 smuggled RCPT accepted\\r\\n\"\n"
    "default DATA \"354 smuggled DATA\\r\\n\"\n";

static void run_probe(const char *tail, smuggling_outcome *out, bool *skipped)
{
    char script[4096];
    snprintf(script, sizeof script, "%s%s%s", envelope, tail, smuggled_defaults);
    fake f;
    fake_start(&f, script);
    *skipped = f.port == 0;
    if (*skipped) {
        fake_stop(&f);
        return;
    }
    smuggling_opts o = {
        .host = "127.0.0.1",
        .port = f.port,
        .tls = TLSM_AUTO,
        .helo = "client.smtpscope.test",
        .from = "probe@smtpscope.test",
        .to = "user@smtpscope.test",
        .timeout_ms = 4000,
        .early_wait_ms = 400,
    };
    assert_int_equal(smuggling_run(&o, NULL, out), 0);
    fake_stop(&f);
}

static const smuggling_variant *variant(const smuggling_outcome *o, const char *id)
{
    for (size_t i = 0; i < o->n_variants; i++)
        if (strcmp(o->variants[i].id, id) == 0)
            return &o->variants[i];
    fail_msg("no variant %s", id);
    return NULL;
}

static void expect_all_refused_except(const smuggling_outcome *o, const char *except)
{
    for (size_t i = 0; i < o->n_variants; i++) {
        const smuggling_variant *v = &o->variants[i];
        if (except && strcmp(v->id, except) == 0)
            continue;
        if (v->verdict != PROBE_REFUSED)
            fail_msg("variant %s: verdict %s, expected refused (%s)", v->id,
                     probe_verdict_name(v->verdict), v->evidence ? v->evidence : "");
    }
}

/* The variant table: ids, labels and the exact bytes. */
static void test_variants(void **state)
{
    (void)state;
    static const struct {
        const char *id, *label, *bytes;
        size_t n;
    } want[] = {
        {"lf_dot_lf", "<LF>.<LF>", "\n.\n", 3},
        {"cr_dot_cr", "<CR>.<CR>", "\r.\r", 3},
        {"lf_dot_crlf", "<LF>.<CR><LF>", "\n.\r\n", 4},
        {"crlf_dot_lf", "<CR><LF>.<LF>", "\r\n.\n", 4},
        {"crlf_dot_cr", "<CR><LF>.<CR>", "\r\n.\r", 4},
        {"cr_dot_crlf", "<CR>.<CR><LF>", "\r.\r\n", 4},
        {"cr_dot_lf", "<CR>.<LF>", "\r.\n", 3},
        {"lf_dot_cr", "<LF>.<CR>", "\n.\r", 3},
        {"crlf_nul_dot_crlf", "<CR><LF><NUL>.<CR><LF>", "\r\n\0.\r\n", 6},
    };
    assert_int_equal(smuggling_variant_count(), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t n = 0;
        const char *b = smuggling_variant_bytes(i, &n);
        assert_string_equal(smuggling_variant_id(i), want[i].id);
        assert_string_equal(smuggling_variant_label(i), want[i].label);
        assert_int_equal(n, want[i].n);
        assert_memory_equal(b, want[i].bytes, n);
        /* Never the standard end itself. */
        assert_true(n != 5 || memcmp(b, "\r\n.\r\n", 5) != 0);
    }
    assert_null(smuggling_variant_id(smuggling_variant_count()));
}

static void test_lf_dot_lf_vulnerable(void **state)
{
    (void)state;
    smuggling_outcome o;
    bool skip;
    run_probe("read_data \"\\n.\\n\"\nsend \"250 2.0.0 Ok: queued as FIRST\\r\\n\"\n", &o, &skip);
    if (skip)
        skip();
    const smuggling_variant *v = variant(&o, "lf_dot_lf");
    assert_int_equal(v->verdict, PROBE_ACCEPTED);
    assert_non_null(v->evidence);
    assert_non_null(strstr(v->evidence, "queued as FIRST"));
    assert_non_null(strstr(v->evidence, "before the real end"));
    expect_all_refused_except(&o, "lf_dot_lf");
    assert_int_equal(o.n_vulnerable, 1);
    assert_true(finding_has(&o.findings, "smuggling.vulnerable"));
    assert_false(finding_has(&o.findings, "smuggling.safe"));
    assert_false(finding_has(&o.findings, "smuggling.inconclusive"));
    /* Every carrier was accepted (the vulnerable one cut at the sequence). */
    assert_int_equal(o.n_delivered, smuggling_variant_count());
    smuggling_outcome_free(&o);
}

/* A server honouring <CR><LF>.<CR> only: a different single variant. */
static void test_crlf_dot_cr_vulnerable(void **state)
{
    (void)state;
    smuggling_outcome o;
    bool skip;
    run_probe("read_data \"\\r\\n.\\r\"\nsend \"250 2.0.0 Ok: queued as CR\\r\\n\"\n", &o, &skip);
    if (skip)
        skip();
    assert_int_equal(variant(&o, "crlf_dot_cr")->verdict, PROBE_ACCEPTED);
    expect_all_refused_except(&o, "crlf_dot_cr");
    assert_int_equal(o.n_vulnerable, 1);
    smuggling_outcome_free(&o);
}

static void test_strict_server_safe(void **state)
{
    (void)state;
    smuggling_outcome o;
    bool skip;
    run_probe("read_data\nsend \"250 2.0.0 Ok: queued as SAFE\\r\\n\"\n", &o, &skip);
    if (skip)
        skip();
    expect_all_refused_except(&o, NULL);
    assert_int_equal(o.n_vulnerable, 0);
    assert_true(finding_has(&o.findings, "smuggling.safe"));
    assert_false(finding_has(&o.findings, "smuggling.vulnerable"));
    const smuggling_variant *v = variant(&o, "lf_dot_lf");
    assert_non_null(strstr(v->evidence, "queued as SAFE"));
    assert_non_null(o.marker);
    assert_int_equal(strncmp(o.marker, "smtpscope-smuggling-", 20), 0);
    smuggling_outcome_free(&o);
}

/* The end at <LF>.<LF> is answered only after the wait: the probe has sent
 * the rest by then, and the smuggled MAIL/RCPT/DATA get replies of their
 * own — more replies than one message gets. */
static void test_late_reply_caught(void **state)
{
    (void)state;
    smuggling_outcome o;
    bool skip;
    run_probe("read_data \"\\n.\\n\"\nsleep 0.8\nsend \"250 2.0.0 Ok: queued as LATE\\r\\n\"\n",
              &o, &skip);
    if (skip)
        skip();
    const smuggling_variant *v = variant(&o, "lf_dot_lf");
    assert_int_equal(v->verdict, PROBE_ACCEPTED);
    assert_non_null(strstr(v->evidence, "more replies than one message gets"));
    expect_all_refused_except(&o, "lf_dot_lf");
    smuggling_outcome_free(&o);
}

/* Postfix's smtpd_forbid_bare_newline=reject: 521 and hang up. Safe. */
static void test_reject_and_close_is_safe(void **state)
{
    (void)state;
    smuggling_outcome o;
    bool skip;
    run_probe("read_data \"\\n.\\n\"\nsend \"521 5.5.2 mx Error: bare <LF> received\\r\\n\"\n"
              "close\n",
              &o, &skip);
    if (skip)
        skip();
    const smuggling_variant *v = variant(&o, "lf_dot_lf");
    assert_int_equal(v->verdict, PROBE_REFUSED);
    assert_non_null(strstr(v->evidence, "521"));
    assert_non_null(strstr(v->evidence, "closed the connection"));
    assert_true(finding_has(&o.findings, "smuggling.safe"));
    smuggling_outcome_free(&o);
}

/* Run the probe against a whole fakesmtp script with opt (host and port
 * filled in here). False when fakesmtp cannot run (python3 missing): skip. */
static bool run_script(const char *script, smuggling_opts opt, smuggling_outcome *o)
{
    fake f;
    fake_start(&f, script);
    if (f.port == 0) {
        fake_stop(&f);
        return false;
    }
    opt.host = "127.0.0.1";
    opt.port = f.port;
    assert_int_equal(smuggling_run(&opt, NULL, o), 0);
    fake_stop(&f);
    return true;
}

/* Every variant ended in an error whose evidence says `why`. */
static void expect_all_errors(const smuggling_outcome *o, const char *why)
{
    for (size_t i = 0; i < o->n_variants; i++) {
        assert_int_equal(o->variants[i].verdict, PROBE_ERROR);
        assert_non_null(strstr(o->variants[i].evidence, why));
    }
}

/* The recipient is refused: nothing can be judged. */
static void test_rcpt_refused_inconclusive(void **state)
{
    (void)state;
    static const char script[] =
        "send \"220 mx.smtpscope.test ESMTP fakesmtp\\r\\n\"\n"
        "expect EHLO\n"
        "send \"250 mx.smtpscope.test\\r\\n\"\n"
        "default MAIL \"250 2.1.0 Ok\\r\\n\"\n"
        "default RCPT \"550 5.1.1 no such user\\r\\n\"\n";
    smuggling_outcome o;
    if (!run_script(script,
                    (smuggling_opts){.tls = TLSM_NONE, .from = "a@smtpscope.test",
                                     .to = "nobody@smtpscope.test", .timeout_ms = 3000,
                                     .early_wait_ms = 200},
                    &o))
        skip();
    expect_all_errors(&o, "RCPT TO refused: 550");
    assert_true(finding_has(&o.findings, "smuggling.inconclusive"));
    assert_false(finding_has(&o.findings, "smuggling.safe"));
    smuggling_outcome_free(&o);
}

/* AUTH offered only in plaintext: the password is never sent without
 * TLS (no --allow-plaintext-auth), every variant says why. */
static void test_no_plaintext_auth(void **state)
{
    (void)state;
    static const char script[] =
        "send \"220 mx.smtpscope.test ESMTP fakesmtp\\r\\n\"\n"
        "default EHLO \"250-mx.smtpscope.test\\r\\n250 AUTH PLAIN LOGIN\\r\\n\"\n"
        "default AUTH \"235 2.7.0 ok\\r\\n\"\n"
        "default MAIL \"250 2.1.0 Ok\\r\\n\"\n"
        "default RCPT \"250 2.1.5 Ok\\r\\n\"\n";
    smuggling_outcome o;
    if (!run_script(script,
                    (smuggling_opts){.tls = TLSM_AUTO, .from = "a@smtpscope.test",
                                     .to = "b@smtpscope.test", .auth_user = "a@smtpscope.test",
                                     .auth_pass = "s3cret-never-sent", .timeout_ms = 3000,
                                     .early_wait_ms = 200},
                    &o))
        skip();
    expect_all_errors(&o, "without TLS");
    for (size_t i = 0; o.transcript && i < o.transcript->n; i++)
        if (o.transcript->ev[i].dir == TR_SEND)
            assert_null(strstr(o.transcript->ev[i].line, "AUTH"));
    smuggling_outcome_free(&o);
}

/* Missing --from/--to: nothing is sent, every variant says why. */
static void test_needs_from_to(void **state)
{
    (void)state;
    smuggling_opts opt = {.host = "127.0.0.1", .port = 9, .timeout_ms = 1000};
    smuggling_outcome o;
    assert_int_equal(smuggling_run(&opt, NULL, &o), 0);
    assert_int_equal(o.n_variants, smuggling_variant_count());
    assert_non_null(strstr(o.variants[0].evidence, "--from and --to"));
    assert_true(finding_has(&o.findings, "smuggling.inconclusive"));
    for (size_t i = 0; i < o.findings.n; i++)
        assert_non_null(finding_def_lookup(o.findings.v[i].id));
    smuggling_outcome_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_lf_dot_lf_vulnerable),
        cmocka_unit_test(test_crlf_dot_cr_vulnerable),
        cmocka_unit_test(test_strict_server_safe),
        cmocka_unit_test(test_late_reply_caught),
        cmocka_unit_test(test_reject_and_close_is_safe),
        cmocka_unit_test(test_rcpt_refused_inconclusive),
        cmocka_unit_test(test_no_plaintext_auth),
        cmocka_unit_test(test_needs_from_to),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
