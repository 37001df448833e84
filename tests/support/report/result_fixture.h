/* result_fixture.h — builders for synthetic results and JSON shape checks,
 * shared by the renderer tests (tests/unit/report/test_render*.c).
 *
 * The renderer tests fill endpoint outcomes and results by hand with fixed
 * timings so the rendered documents are deterministic (golden files, see
 * support/golden.h). These are the builders that were the same in each.
 * Everything they return or attach is allocated and owned by the object it
 * is attached to (freed by result_free / endpoint_outcome_free); strings are
 * copied. Out of memory is a cmocka test failure, never a silent NULL, so
 * this library is for cmocka tests of the report layer only (linked through
 * LAYER_report in tests/CMakeLists.txt). */
#ifndef SMTPSCOPE_TESTS_SUPPORT_REPORT_RESULT_FIXTURE_H
#define SMTPSCOPE_TESTS_SUPPORT_REPORT_RESULT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "checks/endpoint.h"
#include "checks/finding.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "report/render.h"
#include "report/result.h"

/* A copy of s. */
char *rf_strdup(const char *s);

/* Append a copy of s to the string vector *v of *n entries. */
void rf_strv_push(char ***v, size_t *n, const char *s);

/* A reply with code, enhanced code (NULL for none) and the given lines,
 * NULL-terminated. */
smtp_reply *rf_reply(int code, const char *enhanced, ...);

/* Record stage s as run (or skipped when st is SS_SKIP) with its timing,
 * reply (taken) and detail (copied; NULL for none). */
void rf_stage(endpoint_outcome *e, stage_id s, stage_status st, int64_t start, int64_t ms,
              smtp_reply *reply, const char *detail);

/* Append one transcript event. */
void rf_tr(endpoint_outcome *e, int64_t ms, tr_dir dir, const char *line);

/* Append a finding written out in full (not through the catalogue, so golden
 * files do not change when catalogue advice is reworded). */
void rf_finding(finding_list *l, const char *id, severity sev, bool temporary, stage_id stage,
                const char *message, const char *advice);

/* r rendered by rd; the caller frees it. A failing render fails the test. */
char *rf_render(const renderer *rd, const result *r, bool color, bool verbose);

/* Parse a rendered JSON document back: it must be valid JSON without
 * duplicate keys and end in one newline. Free with json_decref. */
json_t *rf_parse_json(const char *s);

/* o must be an object with exactly keys[0..n), in that order. */
void rf_expect_keys(json_t *o, const char *const *keys, size_t n, const char *what);

#define RF_KEYS(o, what, ...)                                                    \
    do {                                                                         \
        static const char *const k_[] = {__VA_ARGS__};                           \
        rf_expect_keys((o), k_, sizeof k_ / sizeof k_[0], (what));               \
    } while (0)

#endif
