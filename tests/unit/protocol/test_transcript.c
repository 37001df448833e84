/* test_transcript.c — the session record (src/protocol/transcript.c):
 * escaping at record time, timestamps, the event cap, direction names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "protocol/transcript.h"

static void lines_are_escaped(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } rows[] = {
        {"220 ready", 9, "220 ready"},
        {"250 a\tb", 7, "250 a\\tb"},
        {"250 \x1b[31mred", 12, "250 \\x1B[31mred"},
        {"nul\0byte", 8, "nul\\x00byte"},
        {"back\\slash", 10, "back\\\\slash"},
        {"", 0, ""},
    };
    transcript *t = transcript_new(clock_now_ms());
    assert_non_null(t);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        transcript_add(t, TR_RECV, rows[i].in, rows[i].len);
        assert_int_equal(t->n, i + 1);
        assert_string_equal(t->ev[i].line, rows[i].want);
        assert_int_equal(t->ev[i].dir, TR_RECV);
    }
    transcript_addf(t, TR_INFO, "note %d: %s", 7, "bell\a");
    assert_string_equal(t->ev[t->n - 1].line, "note 7: bell\\x07");
    assert_int_equal(t->ev[t->n - 1].dir, TR_INFO);
    transcript_free(t);
}

static void timestamps_are_relative_and_monotonic(void **state)
{
    (void)state;
    int64_t t0 = clock_now_ms() - 1000;
    transcript *t = transcript_new(t0);
    transcript_add(t, TR_SEND, "EHLO x", 6);
    transcript_add(t, TR_RECV, "250 x", 5);
    assert_true(t->ev[0].ms >= 1000);
    assert_true(t->ev[0].ms < 60000);
    assert_true(t->ev[1].ms >= t->ev[0].ms);
    transcript_free(t);
}

static void bounded_then_counted(void **state)
{
    (void)state;
    transcript *t = transcript_new(clock_now_ms());
    for (size_t i = 0; i < TRANSCRIPT_MAX_EVENTS + 25; i++)
        transcript_add(t, TR_RECV, "250-x", 5);
    transcript_addf(t, TR_INFO, "one more");
    assert_int_equal(t->n, TRANSCRIPT_MAX_EVENTS);
    assert_int_equal(t->dropped, 26);
    assert_true(t->cap <= TRANSCRIPT_MAX_EVENTS);
    transcript_free(t);
}

static void null_safe_and_names(void **state)
{
    (void)state;
    transcript_free(NULL);
    transcript_add(NULL, TR_SEND, "x", 1);
    transcript_addf(NULL, TR_INFO, "%s", "x");
    assert_string_equal(tr_dir_name(TR_SEND), "send");
    assert_string_equal(tr_dir_name(TR_RECV), "recv");
    assert_string_equal(tr_dir_name(TR_INFO), "info");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_are_escaped),
        cmocka_unit_test(timestamps_are_relative_and_monotonic),
        cmocka_unit_test(bounded_then_counted),
        cmocka_unit_test(null_safe_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
