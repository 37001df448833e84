/* test_oauth_token.c — OAuth access token sources (src/frontend/cli/oauth_token.c).
 *
 * Real /bin/sh commands: the first output line is the token (CR LF trimmed,
 * later lines ignored), a failing, silent or over-long command is an error
 * whose message names the cause but never the output, and without a
 * command SMTPSCOPE_OAUTH2_TOKEN is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "frontend/cli/oauth_token.h"
#include "frontend/cli/secret.h"

static void expect_token(const char *cmd, const char *want)
{
    err e;
    err_clear(&e);
    char *t = NULL;
    if (oauth_token_obtain(cmd, &t, &e) < 0)
        fail_msg("%s: %s", cmd, e.msg);
    assert_non_null(t);
    assert_string_equal(t, want);
    secret_free(t);
}

static void expect_error(const char *cmd, const char *words, const char *not_words)
{
    err e;
    err_clear(&e);
    char *t = (char *)1;
    assert_int_equal(oauth_token_obtain(cmd, &t, &e), -1);
    assert_null(t);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    if (!strstr(e.msg, words))
        fail_msg("%s: message \"%s\" lacks \"%s\"", cmd, e.msg, words);
    if (not_words && strstr(e.msg, not_words))
        fail_msg("%s: message \"%s\" shows the output", cmd, e.msg);
}

static void test_command(void **state)
{
    (void)state;
    unsetenv("SMTPSCOPE_OAUTH2_TOKEN");
    expect_token("printf 'ya29.abc\\n'", "ya29.abc");
    expect_token("printf 'tok\\r\\nsecond line\\n'", "tok");
    expect_token("printf tok", "tok");
    expect_token("echo first; echo second >&2", "first");
    expect_token("read x; printf 'stdin-was-empty:%s\\n' \"$x\"", "stdin-was-empty:");
    expect_token("printf 'tok\\n'; sleep 0.1; exit 0", "tok");
    expect_error("printf 'leaked\\n'; exit 3", "exit status 3", "leaked");
    expect_error("true", "printed no token", NULL);
    expect_error("printf '\\n'", "empty", NULL);
    expect_error("head -c 20000 /dev/zero | tr '\\0' a", "longer than", NULL);
    expect_error("kill -9 $$", "exit status 137", NULL);
}

static void test_environment(void **state)
{
    (void)state;
    err e;
    err_clear(&e);
    char *t = (char *)1;
    unsetenv("SMTPSCOPE_OAUTH2_TOKEN");
    assert_int_equal(oauth_token_obtain(NULL, &t, &e), 0);
    assert_null(t); /* no source: no token, no error */
    setenv("SMTPSCOPE_OAUTH2_TOKEN", "", 1);
    assert_int_equal(oauth_token_obtain(NULL, &t, &e), 0);
    assert_null(t);
    setenv("SMTPSCOPE_OAUTH2_TOKEN", "env-token\n", 1);
    expect_token(NULL, "env-token");
    /* A command wins over the environment. */
    expect_token("echo cmd-token", "cmd-token");
    unsetenv("SMTPSCOPE_OAUTH2_TOKEN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command),
        cmocka_unit_test(test_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
