/* test_injection.c — the STARTTLS injection probe (checks/security/injection.c)
 * against the scripted server tests/fakesmtp/fakesmtp.py.
 *
 * Each case starts fakesmtp as a child process (python3, by PID; stopped with
 * SIGINT, then SIGKILL if it lingers) playing one of the scenario files
 * tests/scenarios/006x-injection-probe-*.scn — the same scripts the CLI
 * scenario tests use — with certificates from tests/fixtures/mkcerts.sh in a
 * fresh temporary directory. A vulnerable server keeps the plaintext NOOP
 * across the handshake (`starttls good buffered keep`), a safe one drops it.
 * Skips (not fails) when python3 is missing, unless CI=true. */
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/finding.h"
#include "checks/security/injection.h"
#include "core/clock.h"
#include "protocol/transcript.h"

#include "support/fakesmtp_child.h"
#include "support/run_cmd.h"
#include "support/test_pki.h"
#include "support/unbound_fixture.h"

static bool have_python;

static int group_setup(void **state)
{
    have_python = run_cmd_quiet((char *[]){"python3", "-c", "import ssl", NULL}) == 0;
    if (!have_python)
        return unbound_fixture_in_ci() ? -1 : 0;
    return test_pki_setup(state);
}

/* ---- fakesmtp as a child process ---- */

/* fakesmtp on tests/scenarios/SCENARIO with the test PKI; fails the test
 * unless it listens. */
static void fake_start(fakesmtp_child *f, const char *scenario)
{
    char scn[512], portfile[300], log[300];
    snprintf(scn, sizeof scn, "%s/tests/scenarios/%s", SOURCE_DIR, scenario);
    snprintf(portfile, sizeof portfile, "%s", test_pki_path("port"));
    snprintf(log, sizeof log, "%s", test_pki_path("fakesmtp.log"));
    assert_int_equal(fakesmtp_child_start(f, scn, test_pki_dir(), portfile, log), 0);
}

/* The transcript as "dir line" lines, for substring checks. */
static char *transcript_text(const transcript *t)
{
    size_t cap = 1 << 16, off = 0;
    char *s = calloc(1, cap);
    assert_non_null(s);
    for (size_t i = 0; i < t->n && off < cap - 1; i++)
        off += (size_t)snprintf(s + off, cap - off, "%s %s\n", tr_dir_name(t->ev[i].dir),
                                t->ev[i].line);
    return s;
}

/* ---- cases ---- */

typedef struct probe_case {
    const char *scenario;
    injection_state state;
    const char *evidence_part;  /* substring of the evidence; NULL: no evidence */
    const char *finding;        /* the one finding expected; NULL: none */
    const char *detail_part;    /* substring of detail */
    const char *transcript_part;/* substring of the transcript */
} probe_case;

static const probe_case cases[] = {
    {"0060-injection-probe-vulnerable.scn", INJECTION_VULNERABLE,
     "250 2.0.0 injected-noop-answered", "starttls.injection_vulnerable", "answered",
     "recv 250 2.0.0 injected-noop-answered"},
    {"0061-injection-probe-safe.scn", INJECTION_SAFE, NULL, NULL, "not answered",
     "STARTTLS and NOOP sent in one write"},
    {"0062-injection-probe-no-starttls.scn", INJECTION_INCONCLUSIVE, NULL,
     "starttls.injection_untested", "does not offer STARTTLS", "send EHLO"},
    {"0063-injection-probe-handshake-alert.scn", INJECTION_INCONCLUSIVE, NULL,
     "starttls.injection_untested", "TLS handshake failed", "TLS handshake failed"},
    {"0064-injection-probe-plaintext-answer.scn", INJECTION_SAFE, NULL, NULL, "in plaintext",
     "arrived in plaintext after the 220"},
    {"0065-injection-probe-vulnerable-multiline.scn", INJECTION_VULNERABLE,
     "250-injected first line | 250 2.0.0 second \\x1B[31mred", "starttls.injection_vulnerable",
     "answered", "recv 250-injected first line"},
};

static void probe_table(void **state)
{
    (void)state;
    if (!have_python)
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const probe_case *pc = &cases[i];
        print_message("case: %s\n", pc->scenario);
        fakesmtp_child f;
        fake_start(&f, pc->scenario);
        injection_opts o = {.address = "127.0.0.1",
                            .port = f.port,
                            .servername = "localhost",
                            .helo = "probe.smtpscope.test",
                            .timeout_ms = 5000};
        injection_report r;
        finding_list fl = {0};
        transcript *t = transcript_new(clock_now_ms());
        assert_non_null(t);
        assert_int_equal(injection_probe(&o, &r, &fl, t), 0);
        char *tt = transcript_text(t);
        print_message("  -> %s: %s / evidence %s\n", injection_state_name(r.state),
                      r.detail ? r.detail : "-", r.evidence ? r.evidence : "-");
        fakesmtp_child_stop(&f);
        assert_int_equal(r.state, pc->state);
        if (pc->evidence_part) {
            assert_non_null(r.evidence);
            assert_non_null(strstr(r.evidence, pc->evidence_part));
            for (const char *p = r.evidence; *p; p++) /* escaped: no control bytes */
                assert_true((unsigned char)*p >= 0x20);
        } else {
            assert_null(r.evidence);
        }
        if (pc->finding) {
            assert_int_equal(fl.n, 1);
            assert_string_equal(fl.v[0].id, pc->finding);
            assert_int_equal(fl.v[0].stage, STAGE_INJECTION);
            assert_non_null(finding_def_lookup(pc->finding));
            if (pc->evidence_part)
                assert_non_null(strstr(fl.v[0].message, pc->evidence_part));
        } else {
            assert_int_equal(fl.n, 0);
        }
        assert_non_null(r.detail);
        assert_non_null(strstr(r.detail, pc->detail_part));
        assert_non_null(strstr(tt, pc->transcript_part));
        /* Every probe that got that far ends politely, inside TLS if it is up. */
        if (pc->state != INJECTION_INCONCLUSIVE)
            assert_non_null(strstr(tt, "send QUIT"));
        free(tt);
        transcript_free(t);
        finding_list_free(&fl);
        injection_report_clear(&r);
    }
}

static void severities(void **state)
{
    (void)state;
    assert_int_equal(finding_def_lookup("starttls.injection_vulnerable")->sev, SEV_ERROR);
    assert_int_equal(finding_def_lookup("starttls.injection_untested")->sev, SEV_INFO);
}

/* Nothing listens: inconclusive, quickly, with the reason. */
static void connection_refused(void **state)
{
    (void)state;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    close(s); /* the port is now (almost certainly) closed */
    injection_opts o = {.address = "127.0.0.1", .port = ntohs(a.sin_port), .timeout_ms = 2000};
    injection_report r;
    finding_list fl = {0};
    assert_int_equal(injection_probe(&o, &r, &fl, NULL), 0);
    assert_int_equal(r.state, INJECTION_INCONCLUSIVE);
    assert_non_null(strstr(r.detail, "connection"));
    assert_true(finding_has(&fl, "starttls.injection_untested"));
    finding_list_free(&fl);
    injection_report_clear(&r);
    injection_report_clear(&r); /* idempotent */
    injection_report_clear(NULL);
}

static void bad_options(void **state)
{
    (void)state;
    injection_report r;
    finding_list fl = {0};
    injection_opts o = {.address = "not-an-address", .port = 25};
    assert_int_equal(injection_probe(&o, &r, &fl, NULL), 0);
    assert_int_equal(r.state, INJECTION_INCONCLUSIVE);
    injection_report_clear(&r);
    o.address = "127.0.0.1";
    o.port = 0;
    assert_int_equal(injection_probe(&o, &r, &fl, NULL), 0);
    assert_int_equal(r.state, INJECTION_INCONCLUSIVE);
    injection_report_clear(&r);
    assert_int_equal(injection_probe(NULL, &r, &fl, NULL), 0);
    assert_int_equal(r.state, INJECTION_INCONCLUSIVE);
    injection_report_clear(&r);
    assert_int_equal(fl.n, 3);
    finding_list_free(&fl);
}

static void state_names(void **state)
{
    (void)state;
    assert_string_equal(injection_state_name(INJECTION_NOT_RUN), "not_run");
    assert_string_equal(injection_state_name(INJECTION_SAFE), "safe");
    assert_string_equal(injection_state_name(INJECTION_VULNERABLE), "vulnerable");
    assert_string_equal(injection_state_name(INJECTION_INCONCLUSIVE), "inconclusive");
    assert_string_equal(injection_state_name((injection_state)42), "not_run");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_names),
        cmocka_unit_test(severities),
        cmocka_unit_test(bad_options),
        cmocka_unit_test(connection_refused),
        cmocka_unit_test(probe_table),
    };
    return cmocka_run_group_tests(tests, group_setup, test_pki_teardown);
}
