/* test_config.c — the profile file (src/frontend/cli/config.c) and how a
 * profile and a preset fill endpoint options and find the password
 * (account.c): the grammar, every refusal with its line number, the inline
 * password refusal, the default path rules, precedence, password_cmd and
 * password_file. Files live in a mkdtemp directory removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "frontend/cli/account.h"
#include "frontend/cli/config.h"
#include "frontend/cli/secret.h"

static const char good[] =
    "\xEF\xBB\xBF# my servers\r\n"
    "; another comment\n"
    "\n"
    "[profile work]\n"
    "server = smtp.example.com:2525\n"
    "tls=implicit\n"
    "  user   =   me@example.com  \n"
    "password_cmd = printf 'hunter2#x\\n'\n"
    "from = \"Me Myself <me@example.com>\"\n"
    "helo = laptop.example.com\n"
    "ca_file = /etc/ssl/ca.pem\n"
    "[ profile   home ]\n"
    "server = [2001:db8::1]\n"
    "port = 465\n"
    "password_file = ~/.smtp-pass\n";

static void test_parse_good(void **state)
{
    (void)state;
    config c;
    err e;
    err_clear(&e);
    if (config_parse(good, strlen(good), "t", &c, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(c.n, 2);
    const config_profile *w = config_find(&c, "work");
    assert_non_null(w);
    assert_string_equal(w->server, "smtp.example.com:2525");
    assert_true(w->has_tls);
    assert_int_equal(w->tls, TLSM_IMPLICIT);
    assert_string_equal(w->user, "me@example.com");
    assert_string_equal(w->password_cmd, "printf 'hunter2#x\\n'"); /* '#' kept */
    assert_string_equal(w->from, "Me Myself <me@example.com>");    /* quotes stripped */
    assert_string_equal(w->helo, "laptop.example.com");
    assert_string_equal(w->ca_file, "/etc/ssl/ca.pem");
    assert_int_equal(w->port, 0);
    assert_int_equal(w->line, 4);
    const config_profile *h = config_find(&c, "home");
    assert_non_null(h);
    assert_int_equal(h->port, 465);
    assert_false(h->has_tls);
    assert_null(h->user);
    assert_null(config_find(&c, "Work")); /* names are exact */
    config_free(&c);
    config_free(&c); /* idempotent */
}

static void refused(const char *text, const char *fragment)
{
    config c;
    err e;
    err_clear(&e);
    assert_int_equal(config_parse(text, strlen(text), "f", &c, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    assert_int_equal(c.n, 0);
    assert_null(c.v);
    if (!strstr(e.msg, fragment))
        fail_msg("message '%s' lacks '%s' for input:\n%s", e.msg, fragment, text);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("[profile a]\npassword = hunter2\n", "f:2: passwords are never stored");
    refused("[profile a]\nPass=x\n", "password_cmd");
    refused("[profile a]\nsecret = x\n", "never stored");
    refused("server = x\n", "f:1: a setting before the first [profile NAME]");
    refused("[profile a]\nsevrer = x\n", "f:2: unknown key 'sevrer'");
    refused("[profile a]\nserver = x\nserver = y\n", "f:3: 'server' is set twice");
    refused("[profile a]\n[profile a]\n", "f:2: this profile is already defined");
    refused("[profile a\n", "must end with ']'");
    refused("[defaults]\n", "only [profile NAME]");
    refused("[profile]\n", "only [profile NAME]");
    refused("[profile a b]\n", "profile name");
    refused("[profile a]\nport = 0\n", "port must be");
    refused("[profile a]\nport = 65536\n", "port must be");
    refused("[profile a]\nport = 99999999999999\n", "port must be");
    refused("[profile a]\nport = 25x\n", "port must be");
    refused("[profile a]\ntls = ssl\n", "tls must be");
    refused("[profile a]\nuser =\n", "empty value");
    refused("[profile a]\njust text\n", "f:2: expected 'key = value'");
    refused("[profile a]\nuser = a\x01" "b\n", "control character");
    refused("[profile a]\n= x\n", "expected 'key = value'");
    char *lng = calloc(1, CONFIG_MAX_LINE + 40);
    assert_non_null(lng);
    memcpy(lng, "[profile a]\nuser = ", 19);
    memset(lng + 19, 'x', CONFIG_MAX_LINE + 10);
    refused(lng, "f:2: line too long");
    free(lng);
    /* A NUL byte inside the text. */
    config c;
    err e;
    err_clear(&e);
    assert_int_equal(config_parse("[profile a]\nuser = a\0b\n", 23, "f", &c, &e), -1);
    assert_non_null(strstr(e.msg, "control character"));
    /* Too many profiles. */
    buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i <= CONFIG_MAX_PROFILES; i++)
        assert_int_equal(buf_appendf(&b, "[profile p%d]\n", i), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    refused(b.data, "too many profiles");
    buf_free(&b);
}

static char dir[] = "/tmp/smtpscope-config-XXXXXX";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_paths_and_load(void **state)
{
    (void)state;
    setenv("XDG_CONFIG_HOME", dir, 1);
    char *p = config_default_path();
    char *want = xasprintf("%s/smtpscope/config", dir);
    assert_string_equal(p, want);
    free(p);
    /* A relative XDG_CONFIG_HOME is ignored (XDG base directory spec). */
    setenv("XDG_CONFIG_HOME", "relative", 1);
    setenv("HOME", "/home/u", 1);
    p = config_default_path();
    assert_string_equal(p, "/home/u/.config/smtpscope/config");
    free(p);
    char *x = config_expand_home("~/pw");
    assert_string_equal(x, "/home/u/pw");
    free(x);
    x = config_expand_home("/abs/pw");
    assert_string_equal(x, "/abs/pw");
    free(x);

    /* Missing default file: empty, not an error. Missing explicit: error. */
    setenv("XDG_CONFIG_HOME", dir, 1);
    config c;
    err e;
    err_clear(&e);
    assert_int_equal(config_load(NULL, &c, &e), 0);
    assert_int_equal(c.n, 0);
    config_free(&c);
    assert_int_equal(config_load("/nonexistent/smtpscope.conf", &c, &e), -1);
    assert_non_null(strstr(e.msg, "cannot read the profile file"));

    char *sub = xasprintf("%s/smtpscope", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(want, good);
    assert_int_equal(config_load(NULL, &c, &e), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.path, want);
    config_free(&c);
    /* Oversized file. */
    char *big = xasprintf("%s/big", dir);
    FILE *f = fopen(big, "w");
    assert_non_null(f);
    for (int i = 0; i < CONFIG_MAX_FILE / 10 + 10; i++)
        fputs("#########\n", f);
    fclose(f);
    assert_int_equal(config_load(big, &c, &e), -1);
    assert_non_null(strstr(e.msg, "larger than"));
    unlink(big);
    free(big);
    free(sub);
    free(want);
}

static void test_account_precedence(void **state)
{
    (void)state;
    char *cfg = xasprintf("%s/smtpscope/config", dir);
    write_file(cfg, good);
    setenv("SMTPSCOPE_CONFIG", cfg, 1);
    err e;
    err_clear(&e);

    /* Profile only: its host, port, tls, user, helo, ca_file, from. */
    endpoint_opts o = {.tls = TLSM_AUTO};
    account a;
    assert_int_equal(account_load("work", NULL, true, &o, &a, &e), 0);
    assert_string_equal(o.host, "smtp.example.com");
    assert_int_equal(o.port, 2525);
    assert_int_equal(o.tls, TLSM_IMPLICIT);
    assert_string_equal(o.auth_user, "me@example.com");
    assert_string_equal(o.helo, "laptop.example.com");
    assert_string_equal(o.ca_file, "/etc/ssl/ca.pem");
    assert_string_equal(o.from, "Me Myself <me@example.com>");
    account_free(&a);

    /* The command line wins; check does not take `from`. */
    o = (endpoint_opts){.tls = TLSM_STARTTLS, .auth_user = "cli", .host = "cli.example",
                        .port = 25};
    assert_int_equal(account_load("work", NULL, false, &o, &a, &e), 0);
    assert_string_equal(o.host, "cli.example");
    assert_int_equal(o.port, 25);
    assert_int_equal(o.tls, TLSM_STARTTLS);
    assert_string_equal(o.auth_user, "cli");
    assert_null(o.from);
    account_free(&a);

    /* Preset: host, port, tls and the fixed username. */
    o = (endpoint_opts){.tls = TLSM_AUTO};
    assert_int_equal(account_load(NULL, "sendgrid", true, &o, &a, &e), 0);
    assert_string_equal(o.host, "smtp.sendgrid.net");
    assert_int_equal(o.port, 587);
    assert_int_equal(o.tls, TLSM_STARTTLS);
    assert_string_equal(o.auth_user, "apikey");
    account_free(&a);

    /* Profile over preset: the profile's host wins, and then its tls. */
    o = (endpoint_opts){.tls = TLSM_AUTO};
    assert_int_equal(account_load("home", "yahoo", true, &o, &a, &e), 0);
    assert_string_equal(o.host, "2001:db8::1");
    assert_int_equal(o.port, 465);
    assert_int_equal(o.tls, TLSM_AUTO);
    account_free(&a);

    /* Unknown profile and bad preset. */
    o = (endpoint_opts){.tls = TLSM_AUTO};
    assert_int_equal(account_load("nope", NULL, true, &o, &a, &e), -1);
    assert_non_null(strstr(e.msg, "no [profile nope]"));
    account_free(&a);
    assert_int_equal(account_load(NULL, "ses:BAD", true, &o, &a, &e), -1);
    assert_non_null(strstr(e.msg, "--preset"));
    account_free(&a);
    unsetenv("SMTPSCOPE_CONFIG");
    free(cfg);
}

static void test_account_password(void **state)
{
    (void)state;
    char *cfg = xasprintf("%s/pw.conf", dir);
    char *pwf = xasprintf("%s/pw.txt", dir);
    write_file(pwf, "from-file\n");
    char *text = xasprintf("[profile cmd]\nserver = h\npassword_cmd = printf 'from-cmd\\n'\n"
                           "[profile file]\nserver = h\npassword_file = %s\n"
                           "[profile failing]\nserver = h\npassword_cmd = exit 3\n",
                           pwf);
    write_file(cfg, text);
    setenv("SMTPSCOPE_CONFIG", cfg, 1);
    unsetenv("SMTPSCOPE_PASSWORD");
    err e;
    err_clear(&e);
    endpoint_opts o = {.tls = TLSM_AUTO};
    account a;

    assert_int_equal(account_load("cmd", NULL, true, &o, &a, &e), 0);
    char *pw = account_password(&a, NULL, "u", &e);
    assert_non_null(pw);
    assert_string_equal(pw, "from-cmd");
    secret_free(pw);
    /* SMTPSCOPE_PASSWORD and --password-file come before the profile. */
    setenv("SMTPSCOPE_PASSWORD", "from-env", 1);
    pw = account_password(&a, NULL, "u", &e);
    assert_string_equal(pw, "from-env");
    secret_free(pw);
    pw = account_password(&a, pwf, "u", &e);
    assert_string_equal(pw, "from-file");
    secret_free(pw);
    unsetenv("SMTPSCOPE_PASSWORD");
    account_free(&a);

    o = (endpoint_opts){.tls = TLSM_AUTO};
    assert_int_equal(account_load("file", NULL, true, &o, &a, &e), 0);
    pw = account_password(&a, NULL, "u", &e);
    assert_string_equal(pw, "from-file");
    secret_free(pw);
    account_free(&a);

    o = (endpoint_opts){.tls = TLSM_AUTO};
    assert_int_equal(account_load("failing", NULL, true, &o, &a, &e), 0);
    assert_null(account_password(&a, NULL, "u", &e));
    assert_non_null(strstr(e.msg, "profile failing: password_cmd failed (exit status 3)"));
    assert_null(strstr(e.msg, "oauth"));
    account_free(&a);

    unsetenv("SMTPSCOPE_CONFIG");
    unlink(cfg);
    unlink(pwf);
    free(text);
    free(cfg);
    free(pwf);
}

static void test_parse_server(void **state)
{
    (void)state;
    char *h;
    int port;
    assert_int_equal(account_parse_server("mx.example:25", &h, &port), 0);
    assert_string_equal(h, "mx.example");
    assert_int_equal(port, 25);
    free(h);
    assert_int_equal(account_parse_server("[::1]:2525", &h, &port), 0);
    assert_string_equal(h, "::1");
    assert_int_equal(port, 2525);
    free(h);
    assert_int_equal(account_parse_server("2001:db8::1", &h, &port), 0);
    assert_string_equal(h, "2001:db8::1");
    assert_int_equal(port, 0);
    free(h);
    assert_int_equal(account_parse_server("host:", &h, &port), -1);
    assert_int_equal(account_parse_server("host:0", &h, &port), -1);
    assert_int_equal(account_parse_server(":25", &h, &port), -1);
    assert_int_equal(account_parse_server("[::1", &h, &port), -1);
    assert_int_equal(account_parse_server("[::1]x", &h, &port), -1);
    assert_int_equal(account_parse_server("", &h, &port), -1);
    assert_null(h);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cfg = xasprintf("%s/smtpscope/config", dir);
    char *sub = xasprintf("%s/smtpscope", dir);
    unlink(cfg);
    rmdir(sub);
    rmdir(dir);
    free(cfg);
    free(sub);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_paths_and_load),
        cmocka_unit_test(test_account_precedence),
        cmocka_unit_test(test_account_password),
        cmocka_unit_test(test_parse_server),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
