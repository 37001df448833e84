/* test_conn_opts.c — the connection/TLS/auth options shared by check, send
 * and tls, and the subset relay takes (src/frontend/cli/conn_opts.c): every
 * option through a real getopt_long loop, the usage errors, the profile
 * merge and its checks, the secrets (a password file, an OAuth token from
 * the environment), the copy into an endpoint_opts that leaves the
 * command's own fields alone, HOST[:PORT], --ports and the usage message. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks/sweep.h"
#include "core/err.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/render_out.h"
#include "frontend/cli/audit_opts.h"
#include "frontend/cli/conn_opts.h"

enum { OPT_FORMAT = 256 };

static const struct option opts[] = {
    CONN_CLI_LONG_OPTS,
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

/* Parse argv (NULL-terminated) into c; returns the first non-HANDLED status
 * other than NOT_MINE for --format, or CONN_CLI_OK. */
static conn_cli_status parse(conn_cli *c, char **argv, err *e)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    conn_cli_init(c, 10000);
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, CONN_CLI_SHORT_OPTS "v", opts, NULL)) != -1) {
        conn_cli_status st = conn_cli_option(c, ch, optarg, e);
        if (st == CONN_CLI_USAGE)
            return st;
        if (st == CONN_CLI_NOT_MINE && ch != OPT_FORMAT && ch != 'v')
            return CONN_CLI_NOT_MINE;
    }
    return CONN_CLI_OK;
}

static char *tmp_file(const char *content)
{
    char *path = strdup("/tmp/test_conn_opts.XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

static void test_every_option(void **state)
{
    (void)state;
    char *argv[] = {"x", "--tls", "starttls", "--require-tls", "--ca-file", "ca.pem",
                    "--servername", "mx.example", "--insecure", "--helo", "me.example",
                    "--timeout", "2.5", "--dns", "127.0.0.1@53", "--trust-anchor", "none",
                    "--auth-user", "u", "--password-file", "pw", "--oauth2-token-cmd", "cmd",
                    "--auth", "PLAIN", "--allow-plaintext-auth", "--profile", "p",
                    "--preset", "gmail", "--format", "json", "-v", "-6", NULL};
    conn_cli c;
    err e;
    err_clear(&e);
    assert_int_equal(parse(&c, argv, &e), CONN_CLI_OK);
    assert_int_equal(c.o.tls, TLSM_STARTTLS);
    assert_true(c.o.require_tls);
    assert_string_equal(c.o.ca_file, "ca.pem");
    assert_string_equal(c.o.servername, "mx.example");
    assert_true(c.o.insecure);
    assert_string_equal(c.o.helo, "me.example");
    assert_int_equal(c.o.timeout_ms, 2500);
    assert_int_equal(c.o.family, 6);
    assert_string_equal(c.dns.dns, "127.0.0.1@53");
    assert_string_equal(c.dns.trust_anchor, "none");
    assert_string_equal(c.o.auth_user, "u");
    assert_string_equal(c.password_file, "pw");
    assert_string_equal(c.token_cmd, "cmd");
    assert_string_equal(c.o.auth_mech, "PLAIN");
    assert_true(c.o.allow_plaintext_auth);
    assert_string_equal(c.profile, "p");
    assert_string_equal(c.preset, "gmail");
    assert_true(conn_cli_named(&c));
    conn_cli_free(&c);

    /* Defaults, and what is not ours. */
    conn_cli_init(&c, 30000);
    assert_int_equal(c.o.tls, TLSM_AUTO);
    assert_int_equal(c.o.timeout_ms, 30000);
    assert_false(conn_cli_named(&c));
    assert_int_equal(conn_cli_option(&c, '?', NULL, &e), CONN_CLI_NOT_MINE);
    assert_int_equal(conn_cli_option(&c, 'v', NULL, &e), CONN_CLI_NOT_MINE);
    assert_int_equal(conn_cli_option(&c, OPT_FORMAT, "json", &e), CONN_CLI_NOT_MINE);
    assert_int_equal(conn_cli_option(&c, '4', NULL, &e), CONN_CLI_HANDLED);
    assert_int_equal(c.o.family, 4);
    conn_cli_free(&c);
}

static void test_usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *opt, *arg, *words;
    } rows[] = {
        {"--tls", "sometimes", "--tls must be auto, starttls, implicit or none, not 'sometimes'"},
        {"--timeout", "0", "--timeout takes seconds between 0 and 3600, not '0'"},
        {"--timeout", "3601", "not '3601'"},
        {"--timeout", "5s", "not '5s'"},
        {"--timeout", "nan", "not 'nan'"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *argv[] = {"x", (char *)rows[i].opt, (char *)rows[i].arg, NULL};
        conn_cli c;
        err e;
        err_clear(&e);
        assert_int_equal(parse(&c, argv, &e), CONN_CLI_USAGE);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
        if (!strstr(e.msg, rows[i].words))
            fail_msg("%s %s: \"%s\" lacks \"%s\"", rows[i].opt, rows[i].arg, e.msg,
                     rows[i].words);
        conn_cli_free(&c);
    }
}

static void test_finish(void **state)
{
    (void)state;
    char *cfg = tmp_file("[profile full]\nserver = mail.example:2525\nuser = alice\n"
                         "from = alice@example.com\nhelo = cfg.example\n"
                         "[profile noserver]\nuser = bob\n");
    setenv("SMTPSCOPE_CONFIG", cfg, 1);
    conn_cli c;
    err e;

    /* The command line's host and --from win; the rest fills in. */
    char *a1[] = {"x", "--profile", "full", "--helo", "cli.example", NULL};
    err_clear(&e);
    assert_int_equal(parse(&c, a1, &e), CONN_CLI_OK);
    const char *from = "cli@example.com";
    assert_int_equal(conn_cli_finish(&c, &from, &e), CONN_CLI_OK);
    assert_string_equal(c.o.host, "mail.example");
    assert_int_equal(c.o.port, 2525);
    assert_string_equal(c.o.auth_user, "alice");
    assert_string_equal(c.o.helo, "cli.example");
    assert_string_equal(from, "cli@example.com");
    conn_cli_free(&c);

    from = NULL;
    assert_int_equal(parse(&c, a1, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_finish(&c, &from, &e), CONN_CLI_OK);
    assert_string_equal(from, "alice@example.com");
    conn_cli_free(&c);

    /* check does not take the profile's from. */
    assert_int_equal(parse(&c, a1, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_finish(&c, NULL, &e), CONN_CLI_OK);
    assert_null(c.o.from);
    conn_cli_free(&c);

    char *a2[] = {"x", "--profile", "noserver", NULL};
    assert_int_equal(parse(&c, a2, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_finish(&c, NULL, &e), CONN_CLI_USAGE);
    assert_non_null(strstr(e.msg, "--profile noserver names no server"));
    conn_cli_free(&c);

    char *a3[] = {"x", "--profile", "nope", NULL};
    assert_int_equal(parse(&c, a3, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_finish(&c, NULL, &e), CONN_CLI_FAILED);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_non_null(strstr(e.msg, "no [profile nope]"));
    conn_cli_free(&c);

    /* Credentials options need a user; the hint names the profile only
     * when one could give it. */
    char *a4[] = {"x", "--auth", "PLAIN", NULL};
    assert_int_equal(parse(&c, a4, &e), CONN_CLI_OK);
    c.o.host = "h";
    assert_int_equal(conn_cli_finish(&c, NULL, &e), CONN_CLI_USAGE);
    assert_string_equal(e.msg, "--password-file, --oauth2-token-cmd and --auth need --auth-user");
    conn_cli_free(&c);

    char *a5[] = {"x", "--preset", "gmail", "--password-file", "pw", NULL};
    assert_int_equal(parse(&c, a5, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_finish(&c, NULL, &e), CONN_CLI_USAGE);
    assert_non_null(strstr(e.msg, "need --auth-user (or 'user' in the profile)"));
    conn_cli_free(&c);

    char *a6[] = {"x", "--profile", "full", "--auth", "PLAIN", NULL};
    assert_int_equal(parse(&c, a6, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_finish(&c, NULL, &e), CONN_CLI_OK);
    conn_cli_free(&c);

    unsetenv("SMTPSCOPE_CONFIG");
    unlink(cfg);
    free(cfg);
}

static void test_secrets(void **state)
{
    (void)state;
    unsetenv("SMTPSCOPE_PASSWORD");
    unsetenv("SMTPSCOPE_OAUTH2_TOKEN");
    char *pw = tmp_file("hunter2\nsecond line\n");
    conn_cli c;
    err e;
    err_clear(&e);

    /* No user: nothing is read. */
    char *a0[] = {"x", NULL};
    assert_int_equal(parse(&c, a0, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_secrets(&c, &e), CONN_CLI_OK);
    assert_null(c.o.auth_pass);
    assert_null(c.o.auth_token);
    conn_cli_free(&c);

    char *a1[] = {"x", "--auth-user", "u", "--password-file", pw, NULL};
    assert_int_equal(parse(&c, a1, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_secrets(&c, &e), CONN_CLI_OK);
    assert_string_equal(c.o.auth_pass, "hunter2");
    assert_ptr_equal(c.o.auth_pass, c.password);
    assert_null(c.o.auth_token);
    conn_cli_free(&c);
    assert_null(c.password);
    assert_null(c.o.auth_pass);

    /* A token alone never asks for a password (no terminal here: asking
     * would fail). */
    setenv("SMTPSCOPE_OAUTH2_TOKEN", "tok-123", 1);
    char *a2[] = {"x", "--auth-user", "u", NULL};
    assert_int_equal(parse(&c, a2, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_secrets(&c, &e), CONN_CLI_OK);
    assert_string_equal(c.o.auth_token, "tok-123");
    assert_null(c.o.auth_pass);
    conn_cli_free(&c);
    unsetenv("SMTPSCOPE_OAUTH2_TOKEN");

    char *a3[] = {"x", "--auth-user", "u", "--auth", "XOAUTH2", NULL};
    assert_int_equal(parse(&c, a3, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_secrets(&c, &e), CONN_CLI_USAGE);
    assert_string_equal(e.msg, "--auth XOAUTH2 needs --oauth2-token-cmd or SMTPSCOPE_OAUTH2_TOKEN");
    conn_cli_free(&c);

    char *a4[] = {"x", "--auth-user", "u", "--oauth2-token-cmd", "exit 3", NULL};
    assert_int_equal(parse(&c, a4, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_secrets(&c, &e), CONN_CLI_FAILED);
    assert_non_null(strstr(e.msg, "exit status 3"));
    assert_null(c.token);
    conn_cli_free(&c);

    char *a5[] = {"x", "--auth-user", "u", "--password-file", "/nonexistent/pw", NULL};
    assert_int_equal(parse(&c, a5, &e), CONN_CLI_OK);
    assert_int_equal(conn_cli_secrets(&c, &e), CONN_CLI_FAILED);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_null(c.password);
    conn_cli_free(&c);

    unlink(pw);
    free(pw);
}

static void test_to_endpoint_opts(void **state)
{
    (void)state;
    char *argv[] = {"x", "--tls", "implicit", "--servername", "sni", "--auth-user", "u",
                    "--timeout", "7", "-4", NULL};
    conn_cli c;
    err e;
    err_clear(&e);
    assert_int_equal(parse(&c, argv, &e), CONN_CLI_OK);
    c.o.host = "h.example";
    c.o.port = 465;
    const char *const to[] = {"r@example"};
    endpoint_opts o = {.from = "f@example", .to = to, .n_to = 1, .follow_mx = true,
                       .send = true};
    conn_cli_to_endpoint_opts(&c, &o);
    assert_string_equal(o.host, "h.example");
    assert_int_equal(o.port, 465);
    assert_int_equal(o.tls, TLSM_IMPLICIT);
    assert_string_equal(o.servername, "sni");
    assert_string_equal(o.auth_user, "u");
    assert_int_equal(o.timeout_ms, 7000);
    assert_int_equal(o.family, 4);
    assert_string_equal(o.from, "f@example");
    assert_ptr_equal(o.to, to);
    assert_int_equal(o.n_to, 1);
    assert_true(o.follow_mx);
    assert_true(o.send);
    conn_cli_free(&c);
    conn_cli_free(NULL);
}

/* What f(arg) writes to stderr, into out (NUL-terminated). */
static int capture_stderr(int (*f)(const char *arg), const char *arg, char *out, size_t cap)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    int rc = f(arg);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, cap - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return rc;
}

static void test_parse_target(void **state)
{
    (void)state;
    static const struct {
        const char *arg, *host;
        int port; /* -1: refused */
    } rows[] = {
        {"mx.example", "mx.example", 0},
        {"mx.example:587", "mx.example", 587},
        {"192.0.2.1:25", "192.0.2.1", 25},
        {"[2001:db8::1]:465", "2001:db8::1", 465},
        {"[2001:db8::1]", "2001:db8::1", 0},
        {"2001:db8::1", "2001:db8::1", 0}, /* bare IPv6: its colons are no port */
        {"mx.example:0", NULL, -1},
        {"mx.example:65536", NULL, -1},
        {"mx.example:25x", NULL, -1},
        {"mx.example:", NULL, -1},
        {":25", NULL, -1},
        {"", NULL, -1},
        {"[2001:db8::1", NULL, -1},
        {"[2001:db8::1]x", NULL, -1},
        {"[]:25", NULL, -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *host = NULL;
        int port = -7;
        int rc = conn_cli_parse_target(rows[i].arg, &host, &port);
        if (rows[i].port < 0) {
            if (rc != -1)
                fail_msg("'%s' was taken", rows[i].arg);
        } else {
            if (rc != 0)
                fail_msg("'%s' was refused", rows[i].arg);
            assert_string_equal(host, rows[i].host);
            assert_int_equal(port, rows[i].port);
        }
        free(host);
    }
}

static int ports_of(const char *arg)
{
    int ports[SWEEP_MAX_PORTS];
    size_t n = 0;
    return conn_cli_parse_ports("check", arg, ports, &n);
}

static void test_parse_ports(void **state)
{
    (void)state;
    int ports[SWEEP_MAX_PORTS];
    size_t n = 0;
    assert_int_equal(conn_cli_parse_ports("check", "25", ports, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ports[0], 25);
    assert_int_equal(conn_cli_parse_ports("domain", "1,65535,587,2525,465,25,26,27", ports, &n),
                     0);
    assert_int_equal(n, SWEEP_MAX_PORTS);
    assert_int_equal(ports[1], 65535);
    assert_int_equal(ports[7], 27);

    char err_text[512];
    assert_int_equal(capture_stderr(ports_of, "1,2,3,4,5,6,7,8,9", err_text, sizeof err_text),
                     EXIT_USAGE);
    assert_string_equal(err_text, "smtpscope check: --ports takes up to 8 comma-separated ports, "
                                  "not '1,2,3,4,5,6,7,8,9'\n"
                                  "Run 'smtpscope check --help' for the options.\n");
    assert_int_equal(capture_stderr(ports_of, "", err_text, sizeof err_text), EXIT_USAGE);
    assert_string_equal(err_text, "smtpscope check: --ports needs at least one port, not ''\n"
                                  "Run 'smtpscope check --help' for the options.\n");
    static const char *const bad[] = {"0", "65536", ",25", "25,,587", "25;587", "x",
                                      "25 ", "-25", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (capture_stderr(ports_of, bad[i], err_text, sizeof err_text) != EXIT_USAGE ||
            !strstr(err_text, "--ports"))
            fail_msg("--ports '%s' was taken", bad[i]);
}

/* relay's table: only the connection options; the rest stay unknown. */
static void test_server_subset(void **state)
{
    (void)state;
    static const struct option server_opts[] = {
        CONN_CLI_LONG_OPTS_SERVER,
        {NULL, 0, NULL, 0},
    };
    char *argv[] = {"x", "--tls", "none", "--ca-file", "ca.pem", "--servername", "sni",
                    "--helo", "me", "--timeout", "3", "--dns", "127.0.0.1", "--trust-anchor",
                    "none", "-6", "--insecure", "--auth-user", "u", "--profile", "p", NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    conn_cli c;
    conn_cli_init(&c, 10000);
    err e;
    err_clear(&e);
    optind = 1;
    opterr = 0;
    int ch, unknown = 0;
    while ((ch = getopt_long(argc, argv, CONN_CLI_SHORT_OPTS, server_opts, NULL)) != -1)
        if (conn_cli_option(&c, ch, optarg, &e) == CONN_CLI_NOT_MINE)
            unknown++;
    assert_int_equal(unknown, 3); /* --insecure, --auth-user, --profile */
    assert_int_equal(c.o.tls, TLSM_NONE);
    assert_string_equal(c.o.ca_file, "ca.pem");
    assert_string_equal(c.o.servername, "sni");
    assert_string_equal(c.o.helo, "me");
    assert_int_equal(c.o.timeout_ms, 3000);
    assert_string_equal(c.dns.dns, "127.0.0.1");
    assert_string_equal(c.dns.trust_anchor, "none");
    assert_int_equal(c.o.family, 6);
    assert_false(c.o.insecure);
    assert_null(c.o.auth_user);
    assert_null(c.profile);
    conn_cli_free(&c);
}

/* check's table holds the connection, audit and output options together:
 * their getopt values must never collide (a --format once read as
 * --probe-injection), and render_out_option takes only its own two. */
static void test_option_values_distinct(void **state)
{
    (void)state;
    static const struct option all[] = {
        CONN_CLI_LONG_OPTS,
        AUDIT_CLI_LONG_OPTS,
        AUDIT_CLI_ENVELOPE_OPTS,
        RENDER_OUT_LONG_OPTS,
        {NULL, 0, NULL, 0},
    };
    size_t n = sizeof all / sizeof all[0] - 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            if (all[i].val == all[k].val)
                fail_msg("--%s and --%s share the value %d", all[i].name, all[k].name,
                         all[i].val);
    render_out_opts ro;
    render_out_init(&ro);
    assert_string_equal(ro.format, "text");
    assert_false(ro.verbose);
    err e;
    err_clear(&e);
    for (size_t i = 0; i < n; i++)
        if (all[i].val != RENDER_OUT_OPT_FORMAT && all[i].val != 'v')
            assert_int_equal(render_out_option(&ro, all[i].val, "x", &e), 0);
    assert_int_equal(render_out_option(&ro, RENDER_OUT_OPT_FORMAT, "json", &e), 1);
    assert_int_equal(render_out_option(&ro, 'v', NULL, &e), 1);
    assert_string_equal(ro.format, "json");
    assert_true(ro.verbose);
    assert_int_equal(render_out_option(&ro, RENDER_OUT_OPT_FORMAT, "xml", &e), -1);
    assert_string_equal(e.msg, "--format must be text or json, not 'xml'");
    assert_string_equal(ro.format, "json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_to_endpoint_opts),
        cmocka_unit_test(test_parse_target),
        cmocka_unit_test(test_parse_ports),
        cmocka_unit_test(test_server_subset),
        cmocka_unit_test(test_option_values_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
