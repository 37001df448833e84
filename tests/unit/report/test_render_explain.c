/* test_render_explain.c — the `explain` documents: text carries the title,
 * the retry verdict and the advice (and ANSI only with colour); JSON parses
 * back and has every documented field; the --list catalogue is complete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "checks/explain.h"
#include "core/buf.h"
#include "protocol/esc.h"
#include "report/render_explain.h"

static explain_outcome *run(const char *in)
{
    err e;
    err_clear(&e);
    explain_outcome *x = explain_run(in, &e);
    if (!x)
        fail_msg("explain_run('%s'): %s", in, e.msg);
    return x;
}

static char *text_of(const char *in, bool color)
{
    explain_outcome *x = run(in);
    buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(render_explain_text(x, color, &b), 0);
    explain_outcome_free(x);
    return buf_steal(&b);
}

static void text_has_title_verdict_advice(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *must[5];
    } rows[] = {
        {"550 5.1.1 <bob@x>: Recipient address rejected",
         {"550 5.1.1  Bad destination mailbox address", "Permanent \u2014 fix before retrying",
          "Server text: <bob@x>: Recipient address rejected", "What to do:", "RFC 3463"}},
        {"421",
         {"421  Service not available", "Temporary \u2014 retry later", "Typical causes:",
          "RFC 5321 §4.2.3", NULL}},
        {"4.2.2", {"4.2.2  Mailbox full", "Temporary \u2014 retry later", "Meaning:", NULL}},
        {"250 2.0.0 Ok", {"Success \u2014 nothing to fix", NULL}},
        {"354", {"Intermediate", NULL}},
        {"599", {"not defined by the SMTP RFCs", "5yz permanent failure", NULL}},
        {"5.1.99", {"not in the IANA registry", "addressing", NULL}},
        {"250 5.1.1 x", {"disagree on the class", NULL}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *t = text_of(rows[i].in, false);
        for (size_t j = 0; j < 5 && rows[i].must[j]; j++)
            if (!strstr(t, rows[i].must[j]))
                fail_msg("'%s': text lacks '%s':\n%s", rows[i].in, rows[i].must[j], t);
        assert_null(strchr(t, '\033'));
        free(t);
    }
    char *t = text_of("550 5.7.1 Relay access denied", true);
    assert_non_null(strstr(t, "\033[1m"));
    assert_non_null(strstr(t, "\033[0m"));
    free(t);
}

static void text_wraps_long_lines(void **state)
{
    (void)state;
    char *t = text_of("550 5.7.26", false);
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
        if (strlen(line) > 80 && strchr(line, ' '))
            fail_msg("line too long (%zu): %s", strlen(line), line);
    free(t);
}

static void json_has_fields(void **state)
{
    (void)state;
    explain_outcome *x = run("550-5.1.1 <bob@x>: unknown");
    json_t *o = render_explain_json(x);
    assert_non_null(o);
    char *s = json_dumps(o, 0);
    json_decref(o);
    json_error_t je;
    json_t *back = json_loads(s, 0, &je);
    free(s);
    assert_non_null(back);
    static const char *const keys[] = {"input", "code", "enhanced", "text", "temporary",
                                       "permanent", "reply", "reply_category",
                                       "enhanced_info", "class_mismatch"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_object_get(back, keys[i]))
            fail_msg("missing key %s", keys[i]);
    assert_int_equal(json_integer_value(json_object_get(back, "code")), 550);
    assert_string_equal(json_string_value(json_object_get(back, "enhanced")), "5.1.1");
    assert_string_equal(json_string_value(json_object_get(back, "text")), "<bob@x>: unknown");
    assert_true(json_is_true(json_object_get(back, "permanent")));
    assert_true(json_is_false(json_object_get(back, "temporary")));
    assert_true(json_is_false(json_object_get(back, "class_mismatch")));
    json_t *r = json_object_get(back, "reply");
    assert_int_equal(json_integer_value(json_object_get(r, "code")), 550);
    static const char *const rkeys[] = {"meaning", "causes", "action", "reference"};
    for (size_t i = 0; i < 4; i++)
        assert_true(json_is_string(json_object_get(r, rkeys[i])));
    json_t *en = json_object_get(back, "enhanced_info");
    assert_string_equal(json_string_value(json_object_get(en, "code")), "X.1.1");
    assert_string_equal(json_string_value(json_object_get(en, "title")),
                        "Bad destination mailbox address");
    static const char *const ekeys[] = {"meaning", "causes", "action", "reference"};
    for (size_t i = 0; i < 4; i++)
        assert_true(json_is_string(json_object_get(en, ekeys[i])));
    json_decref(back);
    explain_outcome_free(x);

    /* Absent parts are null, not missing. */
    x = run("5.9.9");
    o = render_explain_json(x);
    assert_true(json_is_null(json_object_get(o, "code")));
    assert_true(json_is_null(json_object_get(o, "reply")));
    assert_true(json_is_null(json_object_get(o, "reply_category")));
    assert_true(json_is_null(json_object_get(o, "enhanced_info")));
    assert_true(json_is_null(json_object_get(o, "text")));
    json_decref(o);
    explain_outcome_free(x);
    assert_null(render_explain_json(NULL));
}

static void list_is_complete(void **state)
{
    (void)state;
    size_t nr = 0, ne = 0;
    const esc_reply_info *r = esc_reply_table(&nr);
    const esc_enhanced_info *e = esc_enhanced_table(&ne);
    json_t *doc = render_explain_list_json();
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "reply_codes")), nr);
    assert_int_equal(json_array_size(json_object_get(doc, "enhanced_codes")), ne);
    json_decref(doc);

    buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(render_explain_list_text(false, &b), 0);
    for (size_t i = 0; i < nr; i++)
        assert_non_null(strstr(b.data, r[i].meaning));
    for (size_t i = 0; i < ne; i++)
        assert_non_null(strstr(b.data, e[i].title));
    assert_non_null(strstr(b.data, "  X.7.30   REQUIRETLS support required\n"));
    buf_free(&b);

    /* A cap too small for the document fails cleanly. */
    buf_init(&b, 64);
    assert_int_equal(render_explain_list_text(false, &b), -1);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_has_title_verdict_advice),
        cmocka_unit_test(text_wraps_long_lines),
        cmocka_unit_test(json_has_fields),
        cmocka_unit_test(list_is_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
