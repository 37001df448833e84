/* fuzz_explain.c — libFuzzer target for the `explain` parser
 * (checks/explain.c) and the enhanced status code helpers of protocol/esc.c
 * (RFC 3463 syntax, RFC 5248 registry).
 *
 * The input, cut at its first NUL, is explained as a whole; then every
 * whitespace-separated word is also given to esc_enhanced_parse and
 * esc_enhanced_lookup. The outcome's promises are checked: a parsed enhanced
 * code is strict "c.s.d" and agrees with esc_enhanced_parse, a lookup hit
 * implies a syntactically valid code. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "checks/explain.h"
#include "protocol/esc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_word(const char *w)
{
    int c = -1, s = -1, d = -1;
    int ok = esc_enhanced_parse(w, &c, &s, &d) == 0;
    if (ok && ((c != 2 && c != 4 && c != 5) || s < 0 || s > 999 || d < 0 || d > 999))
        abort();
    const esc_enhanced_info *info = esc_enhanced_lookup(w);
    if (info && (!ok || info->subject != s || info->detail != d || !info->title))
        abort();
    (void)esc_enhanced_title(w);
}

static void check_outcome(const explain_outcome *x)
{
    if (!x->input)
        abort();
    if (x->code != 0 && (x->code < 100 || x->code > 999))
        abort();
    if (x->code >= 200 && x->code <= 599 && !x->reply_category)
        abort();
    if (x->enhanced[0] != '\0') {
        if (memchr(x->enhanced, '\0', sizeof x->enhanced) == NULL)
            abort();
        int c, s, d;
        if (esc_enhanced_parse(x->enhanced, &c, &s, &d) != 0)
            abort();
    }
    if (x->temporary && x->permanent)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    err e;
    err_clear(&e);
    explain_outcome *x = explain_run(s, &e);
    if (x)
        check_outcome(x);
    explain_outcome_free(x);
    explain_outcome_free(NULL);

    /* Each word on its own (strtok-free split, so s is only cut in place). */
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n')
            j++;
        if (j > i) {
            char saved = s[j];
            s[j] = '\0';
            check_word(s + i);
            s[j] = saved;
        }
        i = j;
    }
    free(s);
    return 0;
}
