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
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/finding.h"
#include "checks/security/injection.h"
#include "core/clock.h"
#include "protocol/transcript.h"

static char tmpdir[256];
static bool have_python;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static bool in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && strcmp(ci, "true") == 0;
}

static int run_wait(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/smtpscope-inj-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    char *py[] = {"python3", "-c", "import ssl", NULL};
    have_python = run_wait(py) == 0;
    if (!have_python)
        return in_ci() ? -1 : 0;
    char *mk[] = {"bash", SOURCE_DIR "/tests/fixtures/mkcerts.sh", tmpdir, NULL};
    return run_wait(mk) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (tmpdir[0])
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- fakesmtp as a child process ---- */

typedef struct fake {
    pid_t pid;
    int port;
    char log[300];
} fake;

static void fake_start(fake *f, const char *scenario)
{
    memset(f, 0, sizeof *f);
    char scn[512], portfile[300];
    snprintf(scn, sizeof scn, "%s/tests/scenarios/%s", SOURCE_DIR, scenario);
    snprintf(portfile, sizeof portfile, "%s/port", tmpdir);
    snprintf(f->log, sizeof f->log, "%s/fakesmtp.log", tmpdir);
    unlink(portfile);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        int log = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (null >= 0)
            dup2(null, 1);
        if (log >= 0)
            dup2(log, 2);
        /* Python turns SIGINT into a clean stop only if it is not ignored. */
        signal(SIGINT, SIG_DFL);
        execlp("python3", "python3", SOURCE_DIR "/tests/fakesmtp/fakesmtp.py", scn, "--certs",
               tmpdir, "--port-file", portfile, (char *)NULL);
        _exit(127);
    }
    /* The port file appears once the server listens; 10 s is plenty. */
    for (int i = 0; i < 200 && f->port <= 0; i++) {
        FILE *pf = fopen(portfile, "r");
        if (pf) {
            if (fscanf(pf, "%d", &f->port) != 1)
                f->port = 0;
            fclose(pf);
        }
        if (f->port <= 0) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(f->port > 0);
}

/* Stop exactly the child we started: SIGINT lets it close its sockets. */
static void fake_stop(fake *f)
{
    if (f->pid <= 0)
        return;
    kill(f->pid, SIGINT);
    for (int i = 0; i < 60; i++) {
        if (waitpid(f->pid, NULL, WNOHANG) == f->pid) {
            f->pid = 0;
            return;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(f->pid, SIGKILL);
    waitpid(f->pid, NULL, 0);
    f->pid = 0;
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
        fake f;
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
        fake_stop(&f);
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
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
