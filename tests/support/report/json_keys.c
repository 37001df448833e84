/* json_keys.c — documented versus rendered JSON keys (see json_keys.h). */
#include "support/report/json_keys.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/xalloc.h"
#include "support/golden.h"

bool keyset_has(const keyset *k, const char *s)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->v[i], s) == 0)
            return true;
    return false;
}

void keyset_add(keyset *k, const char *s, size_t len)
{
    char *c = xstrndup(s, len);
    assert_non_null(c);
    if (keyset_has(k, c)) {
        free(c);
        return;
    }
    assert_int_equal(xarray_push((void ***)&k->v, &k->n, c), 0);
}

void keyset_free(keyset *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i]);
    free(k->v);
    k->v = NULL;
    k->n = 0;
}

void json_doc_keys(const char *section, keyset *out)
{
    char *doc = golden_slurp(SOURCE_DIR "/docs/json.md");
    assert_non_null(doc);
    char head[96];
    snprintf(head, sizeof head, "\n## `%s`", section);
    char *start = strstr(doc, head);
    if (!start) {
        free(doc);
        fail_msg("docs/json.md has no \"## `%s`\" section", section);
        return;
    }
    char *end = strstr(start + 1, "\n## ");
    if (end)
        *end = '\0';
    for (char *line = start; line && *line; line = strchr(line + 1, '\n')) {
        char *l = line[0] == '\n' ? line + 1 : line;
        if (strncmp(l, "| `", 3) != 0)
            continue;
        char *cell_end = strstr(l + 1, " |");
        if (!cell_end)
            continue;
        for (char *p = l + 2; p < cell_end;) {
            char *q = strchr(p, '`');
            if (!q || q >= cell_end)
                break;
            char *r = strchr(q + 1, '`');
            if (!r || r >= cell_end)
                break;
            keyset_add(out, q + 1, (size_t)(r - q - 1));
            p = r + 1;
        }
    }
    free(doc);
}

static bool opaque_key(const char *const *opaque, const char *k)
{
    for (; opaque && *opaque; opaque++)
        if (strcmp(*opaque, k) == 0)
            return true;
    return false;
}

void json_rendered_keys(json_t *v, const char *const *opaque, keyset *out)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach(v, k, c) {
            keyset_add(out, k, strlen(k));
            if (!opaque_key(opaque, k))
                json_rendered_keys(c, opaque, out);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c)
            json_rendered_keys(c, opaque, out);
    }
}

void json_keys_assert_same(const char *what, const keyset *got, const keyset *doc)
{
    for (size_t i = 0; i < got->n; i++)
        if (!keyset_has(doc, got->v[i]))
            fail_msg("JSON key \"%s\" of %s is not documented in docs/json.md", got->v[i], what);
    for (size_t i = 0; i < doc->n; i++)
        if (!keyset_has(got, doc->v[i]))
            fail_msg("docs/json.md documents \"%s\" for %s, but the renderer never writes it",
                     doc->v[i], what);
}
