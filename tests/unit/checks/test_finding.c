/* test_finding.c — the finding catalogue and the reply/error diagnosis table.
 * Also a doc-consistency check: every catalogue ID is documented in
 * docs/findings.md, so an ID can't be added without its documentation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/diagnose.h"
#include "checks/finding.h"
#include "core/xalloc.h"

static void catalogue_ids_unique_and_complete(void **state)
{
    (void)state;
    size_t n = finding_catalogue_size();
    assert_true(n > 40);
    assert_null(finding_catalogue_get(n));
    for (size_t i = 0; i < n; i++) {
        const finding_def *c = finding_catalogue_get(i);
        assert_non_null(c->title);
        assert_true(strlen(c->advice) > 20);
        assert_non_null(strchr(c->id, '.'));
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(c->id, finding_catalogue_get(j)->id);
    }
    /* The IDs the foundation issue promises. */
    static const char *const promised[] = {
        "connect.refused", "connect.timeout", "dns.nxdomain", "banner.timeout",
        "banner.rejected", "server.closed", "protocol.invalid_reply", "protocol.line_too_long",
        "starttls.not_offered", "starttls.refused", "starttls.handshake_failed",
        "tls.port_mismatch", "tls.cert_expired", "tls.cert_not_yet_valid",
        "tls.hostname_mismatch", "tls.untrusted", "tls.self_signed", "tls.weak_protocol",
        "auth.not_offered", "auth.plaintext_exposed", "auth.required", "auth.failed",
        "auth.mechanism_unsupported", "mail.rejected", "rcpt.unknown_user",
        "rcpt.relay_denied", "rcpt.greylisted", "data.rejected", "size.exceeded",
        "ehlo.timeout", "mail.timeout", "quit.timeout", "starttls.injection",
    };
    for (size_t i = 0; i < sizeof promised / sizeof promised[0]; i++)
        assert_non_null(finding_def_lookup(promised[i]));
    assert_null(finding_def_lookup("nosuch.thing"));
    assert_null(finding_def_lookup("bogus.timeout"));
    assert_true(finding_def_lookup("rcpt.timeout")->temporary);
}

static void catalogue_is_documented(void **state)
{
    (void)state;
    FILE *f = fopen(SOURCE_DIR "/docs/findings.md", "r");
    assert_non_null(f);
    static char doc[1 << 19];
    size_t len = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[len] = '\0';
    size_t n = finding_catalogue_size();
    for (size_t i = 0; i < n; i++) {
        char needle[80];
        snprintf(needle, sizeof needle, "`%s`", finding_catalogue_get(i)->id);
        if (!strstr(doc, needle))
            fail_msg("docs/findings.md does not document %s", finding_catalogue_get(i)->id);
    }
}

static smtp_reply *mkreply(int code, const char *enh, const char *text)
{
    smtp_reply *r = calloc(1, sizeof *r);
    r->code = code;
    snprintf(r->enhanced, sizeof r->enhanced, "%s", enh);
    r->lines = calloc(1, sizeof *r->lines);
    r->lines[0] = xstrdup(text);
    r->n_lines = 1;
    return r;
}

static void reply_classification_table(void **state)
{
    (void)state;
    static const struct {
        stage_id stage;
        int code;
        const char *enh, *text, *id;
        bool temporary;
    } rows[] = {
        {STAGE_BANNER, 421, "4.3.2", "4.3.2 Service not available", "banner.rejected", true},
        {STAGE_BANNER, 554, "", "No SMTP service here", "banner.rejected", false},
        {STAGE_STARTTLS, 454, "4.7.0", "4.7.0 TLS not available", "starttls.refused", true},
        {STAGE_AUTH, 535, "5.7.8", "5.7.8 Error: authentication failed", "auth.failed", false},
        {STAGE_AUTH, 454, "4.7.0", "4.7.0 Temporary authentication failure",
         "auth.temporary_failure", true},
        {STAGE_AUTH, 504, "5.5.4", "5.5.4 Unrecognized authentication type",
         "auth.mechanism_unsupported", false},
        {STAGE_MAIL, 530, "5.7.0", "5.7.0 Authentication required", "auth.required", false},
        {STAGE_MAIL, 552, "5.3.4", "5.3.4 Message size exceeds fixed limit", "size.exceeded",
         false},
        {STAGE_MAIL, 553, "5.7.1", "5.7.1 Sender address rejected", "mail.rejected", false},
        {STAGE_RCPT, 550, "5.1.1", "5.1.1 <x@y>: Recipient address rejected: User unknown",
         "rcpt.unknown_user", false},
        {STAGE_RCPT, 550, "", "No such user here", "rcpt.unknown_user", false},
        {STAGE_RCPT, 554, "5.7.1", "5.7.1 <x@example.org>: Relay access denied",
         "rcpt.relay_denied", false},
        {STAGE_RCPT, 450, "4.2.0", "4.2.0 Greylisted, try again later", "rcpt.greylisted", true},
        {STAGE_RCPT, 451, "4.7.1", "4.7.1 Please try again later", "rcpt.greylisted", true},
        {STAGE_RCPT, 452, "4.2.2", "4.2.2 Mailbox full", "rcpt.deferred", true},
        {STAGE_RCPT, 550, "5.7.26", "5.7.26 DMARC policy", "rcpt.rejected", false},
        {STAGE_DATA, 552, "5.3.4", "5.3.4 Message too big", "size.exceeded", false},
        {STAGE_DATA, 554, "5.7.1", "5.7.1 Message rejected as spam", "data.rejected", false},
        {STAGE_DATA, 451, "4.3.0", "4.3.0 Try later", "data.deferred", true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        finding_list l = {0};
        diag d;
        diag_init(&d, &l, NULL);
        smtp_reply *r = mkreply(rows[i].code, rows[i].enh, rows[i].text);
        diag_reply(&d, rows[i].stage, r, NULL);
        assert_int_equal(l.n, 1);
        if (strcmp(l.v[0].id, rows[i].id) != 0)
            fail_msg("row %zu: %d %s \"%s\" -> %s, expected %s", i, rows[i].code, rows[i].enh,
                     rows[i].text, l.v[0].id, rows[i].id);
        assert_int_equal(l.v[0].temporary, rows[i].temporary);
        assert_non_null(strstr(l.v[0].message, rows[i].text)); /* evidence quoted */
        assert_true(strlen(l.v[0].advice) > 0);
        reply_free(r);
        finding_list_free(&l);
    }
}

static void io_error_mapping(void **state)
{
    (void)state;
    static const struct {
        stage_id stage;
        err_class cls;
        const char *id;
    } rows[] = {
        {STAGE_BANNER, ERRC_TIMEOUT, "banner.timeout"},
        {STAGE_EHLO, ERRC_TIMEOUT, "ehlo.timeout"},
        {STAGE_RCPT, ERRC_TIMEOUT, "rcpt.timeout"},
        {STAGE_EHLO, ERRC_CLOSED, "server.closed"},
        {STAGE_BANNER, ERRC_PROTOCOL, "protocol.invalid_reply"},
        {STAGE_EHLO, ERRC_TOO_LONG, "protocol.line_too_long"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        finding_list l = {0};
        diag d;
        diag_init(&d, &l, NULL);
        err e;
        err_clear(&e);
        err_set(&e, rows[i].cls, "something happened");
        diag_io_error(&d, rows[i].stage, &e);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.v[0].id, rows[i].id);
        assert_non_null(finding_def_lookup(l.v[0].id));
        finding_list_free(&l);
    }
}

static void tls_problems_become_findings(void **state)
{
    (void)state;
    tls_cert leaf = {.subject = (char *)"CN=localhost", .not_after = (char *)"2021-01-01T00:00:00Z",
                     .days_left = -100};
    tls_info ti = {.version = (char *)"TLSv1.1", .chain = &leaf, .chain_len = 1,
                   .problems = TLSV_EXPIRED | TLSV_HOSTNAME};
    finding_list l = {0};
    diag d;
    diag_init(&d, &l, NULL);
    diag_tls_info(&d, &ti, "mail.example.test", false);
    assert_true(finding_has(&l, "tls.cert_expired"));
    assert_true(finding_has(&l, "tls.hostname_mismatch"));
    assert_true(finding_has(&l, "tls.weak_protocol"));
    finding_list_free(&l);

    /* --insecure downgrades certificate errors to warnings. */
    diag_tls_info(&d, &ti, "mail.example.test", true);
    for (size_t i = 0; i < l.n; i++)
        assert_int_not_equal(l.v[i].sev, SEV_ERROR);
    finding_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_ids_unique_and_complete),
        cmocka_unit_test(catalogue_is_documented),
        cmocka_unit_test(reply_classification_table),
        cmocka_unit_test(io_error_mapping),
        cmocka_unit_test(tls_problems_become_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
