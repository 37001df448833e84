/* json_keys.h — "docs/json.md documents exactly the keys the renderer
 * writes", shared by the renderer tests (tests/unit/report/test_render_*.c).
 *
 * A keyset is a set of key names (copies, owned by the set; free with
 * keyset_free). The documented keys of a section are the backticked names
 * in the first cell of each table row between "## `SECTION`" and the next
 * "## " heading. Out of memory and a missing section are cmocka failures,
 * so this is for cmocka tests only (linked through LAYER_report). */
#ifndef SMTPSCOPE_TESTS_SUPPORT_REPORT_JSON_KEYS_H
#define SMTPSCOPE_TESTS_SUPPORT_REPORT_JSON_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef struct keyset {
    char **v;
    size_t n;
} keyset;

/* Add the first len bytes of s, unless already present. */
void keyset_add(keyset *k, const char *s, size_t len);
bool keyset_has(const keyset *k, const char *s);
void keyset_free(keyset *k);

/* Add every key documented in section SECTION of docs/json.md. */
void json_doc_keys(const char *section, keyset *out);

/* Add every object key in v, recursively. A key named in opaque (a
 * NULL-terminated list, or NULL) is added but not descended into: its value
 * is a shape documented elsewhere. */
void json_rendered_keys(json_t *v, const char *const *opaque, keyset *out);

/* Fail unless got and doc hold the same names; what names the document in
 * the messages ("the relay battery"). */
void json_keys_assert_same(const char *what, const keyset *got, const keyset *doc);

#endif
