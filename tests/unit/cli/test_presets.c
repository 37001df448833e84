/* test_presets.c — the provider presets (src/frontend/cli/presets.c): every
 * provider the issue names resolves to the documented endpoint, regions
 * for ses, and bad names and regions are refused with a sentence naming
 * --preset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/cli/presets.h"

static void expect(const char *spec, const char *host, int port, tls_mode tls, const char *user)
{
    preset_target t;
    err e;
    err_clear(&e);
    if (preset_resolve(spec, &t, &e) != 0)
        fail_msg("%s: %s", spec, e.msg);
    assert_string_equal(t.host, host);
    assert_int_equal(t.port, port);
    assert_int_equal(t.tls, tls);
    if (user)
        assert_string_equal(t.p->fixed_user, user);
    else
        assert_null(t.p->fixed_user);
    assert_non_null(t.p->doc);
    assert_true(strncmp(t.p->doc, "https://", 8) == 0);
}

static void test_every_provider(void **state)
{
    (void)state;
    expect("gmail", "smtp.gmail.com", 587, TLSM_STARTTLS, NULL);
    expect("office365", "smtp.office365.com", 587, TLSM_STARTTLS, NULL);
    expect("outlook", "smtp.office365.com", 587, TLSM_STARTTLS, NULL);
    expect("sendgrid", "smtp.sendgrid.net", 587, TLSM_STARTTLS, "apikey");
    expect("mailgun", "smtp.mailgun.org", 587, TLSM_STARTTLS, NULL);
    expect("postmark", "smtp.postmarkapp.com", 587, TLSM_STARTTLS, NULL);
    expect("ses", "email-smtp.us-east-1.amazonaws.com", 587, TLSM_STARTTLS, NULL);
    expect("ses:eu-west-1", "email-smtp.eu-west-1.amazonaws.com", 587, TLSM_STARTTLS, NULL);
    expect("zoho", "smtp.zoho.com", 587, TLSM_STARTTLS, NULL);
    expect("icloud", "smtp.mail.me.com", 587, TLSM_STARTTLS, NULL);
    expect("yahoo", "smtp.mail.yahoo.com", 465, TLSM_IMPLICIT, NULL);
    expect("GMAIL", "smtp.gmail.com", 587, TLSM_STARTTLS, NULL); /* names are case-blind */
}

static void test_table(void **state)
{
    (void)state;
    size_t n = 0;
    const preset *t = preset_table(&n);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(preset_find(t[i].name), &t[i]);
        assert_non_null(t[i].title);
        assert_non_null(t[i].user_hint);
        assert_non_null(t[i].secret_hint);
        /* Only regional presets carry a pattern. */
        assert_int_equal(strchr(t[i].host, '%') != NULL, t[i].default_region != NULL);
    }
    assert_null(preset_find("nope"));
    assert_null(preset_find(NULL));
}

static void refused(const char *spec, const char *fragment)
{
    preset_target t;
    err e;
    err_clear(&e);
    assert_int_equal(preset_resolve(spec, &t, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    if (!strstr(e.msg, fragment))
        fail_msg("'%s': message '%s' lacks '%s'", spec ? spec : "(null)", e.msg, fragment);
}

static void test_refused(void **state)
{
    (void)state;
    refused("hotmail", "known: gmail");
    refused("", "--preset");
    refused(NULL, "--preset");
    refused(":us-east-1", "--preset");
    refused("gmail:eu", "takes no :REGION");
    refused("ses:", "region");
    refused("ses:EU-WEST-1", "region");
    refused("ses:eu_west_1", "region");
    refused("ses:-eu", "region");
    refused("ses:eu--west", "region");
    refused("ses:eu.evil.example/x", "region");
    refused("ses:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "region");
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    refused(longname, "unknown provider");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_provider),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
