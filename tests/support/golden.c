/* golden.c — golden-file comparison for the unit tests (see golden.h). One
 * copy of the read / normalize / compare / rewrite logic that the renderer
 * tests used to carry each. */
#include "support/golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_MAX (16u * 1024 * 1024)

static char out_dir[512] = ".";

void golden_out_dir_from_argv0(const char *argv0)
{
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
    if (slash)
        snprintf(out_dir, sizeof out_dir, "%.*s", (int)(slash - argv0), argv0);
}

bool golden_update_mode(void)
{
    const char *upd = getenv("SMTPSCOPE_GOLDEN_UPDATE");
    return upd && strcmp(upd, "1") == 0;
}

char *golden_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    while (s) {
        if (cap - len < 2) {
            char *t = cap < GOLDEN_MAX ? realloc(s, cap * 2) : NULL;
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
        size_t n = fread(s + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    if (s && ferror(f)) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s)
        s[len] = '\0';
    return s;
}

int golden_spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(s);
    int ok = fwrite(s, 1, n, f) == n;
    ok &= fclose(f) == 0;
    return ok ? 0 : -1;
}

char *golden_normalize_version(const char *doc)
{
    static const char key[] = "\"version\": \"";
    static const char placeholder[] = "@VERSION@";
    const char *at = strstr(doc, key);
    const char *end = at ? strchr(at + strlen(key), '"') : NULL;
    if (!end)
        return strdup(doc);
    size_t head = (size_t)(at - doc) + strlen(key);
    size_t n = head + strlen(placeholder) + strlen(end) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%.*s%s%s", (int)head, doc, placeholder, end);
    return s;
}

int golden_check(const char *dir, const char *name, const char *ext, const char *rendered,
                 char *why, size_t why_len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s.ref", dir, name, ext);
    char *got = golden_normalize_version(rendered);
    if (!got) {
        snprintf(why, why_len, "out of memory comparing with %s", path);
        return -1;
    }
    if (golden_update_mode()) {
        int rc = golden_spit(path, got);
        free(got);
        if (rc != 0)
            snprintf(why, why_len, "cannot write %s", path);
        return rc;
    }
    char *want = golden_slurp(path);
    if (!want) {
        free(got);
        snprintf(why, why_len, "missing golden file %s (create it with SMTPSCOPE_GOLDEN_UPDATE=1)",
                 path);
        return -1;
    }
    int rc = 0;
    if (strcmp(want, got) != 0) {
        char out[1024];
        snprintf(out, sizeof out, "%s/%s.%s.out", out_dir, name, ext);
        size_t line = 1;
        for (size_t i = 0; want[i] && want[i] == got[i]; i++)
            line += want[i] == '\n';
        snprintf(why, why_len,
                 "%s differs from the golden file at line %zu; actual output in %s%s "
                 "(SMTPSCOPE_GOLDEN_UPDATE=1 rewrites the .ref)",
                 path, line, out, golden_spit(out, got) == 0 ? "" : " (could not be written)");
        rc = -1;
    }
    free(want);
    free(got);
    return rc;
}
