/* explain.c — parse what a user pasted (a reply code, an enhanced status
 * code, or a whole reply line) and look it up in protocol/esc.
 *
 * Accepted: "550", "5.1.1", "550 5.1.1 text", "550-5.1.1 text" (RFC 5321
 * §4.2.1 continuation marker), "5.1.1 text", with surrounding whitespace.
 * Enhanced codes follow RFC 3463 §2; by RFC 2034 §4 the enhanced class
 * should repeat the reply's first digit, so a disagreement is flagged. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/err.h"
#include "core/escape.h"
/* ---- protocol ---- */
#include "protocol/esc.h"
/* ---- checks ---- */
#include "checks/explain.h"

/* How much of a bad input our error sentence repeats (err.msg is 256). */
#define EXPLAIN_ECHO_MAX 60

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A reply code is exactly three digits, the first 2-5 (RFC 5321 §4.2),
 * followed by the end, a space or '-'. Returns the code or 0. */
static int take_reply_code(const char *p, size_t len)
{
    if (len < 3 || p[0] < '2' || p[0] > '5' || !is_digit(p[1]) || !is_digit(p[2]))
        return 0;
    if (len > 3 && p[3] != ' ' && p[3] != '\t' && p[3] != '-')
        return 0;
    return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* The enhanced code at p (a whitespace-delimited token of at most `len`
 * bytes). On success writes the normalised "c.s.d" into out and returns the
 * token length; 0 if the token is not an enhanced code. */
static size_t take_enhanced(const char *p, size_t len, char out[16], int *cls)
{
    size_t n = 0;
    while (n < len && !is_space(p[n]))
        n++;
    if (n == 0 || n > 11) /* "5.999.999" is 9; allow a few leading zeros */
        return 0;
    char tok[12];
    memcpy(tok, p, n);
    tok[n] = '\0';
    int s, d;
    if (esc_enhanced_parse(tok, cls, &s, &d) < 0)
        return 0;
    /* Normalised so "5.01.1" and "5.1.1" print and compare alike. */
    snprintf(out, 16, "%d.%d.%d", *cls, s, d);
    return n;
}

static int bad_input(const char *s, size_t len, err *e)
{
    char *shown = escape_display(s, len > EXPLAIN_ECHO_MAX ? EXPLAIN_ECHO_MAX : len);
    if (!shown)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    err_set(e, ERRC_LOCAL_INPUT,
            "'%s%s' is not a reply code (3 digits, e.g. 550) or an enhanced status code "
            "(e.g. 5.1.1)",
            shown, len > EXPLAIN_ECHO_MAX ? "..." : "");
    free(shown);
    return -1;
}

explain_outcome *explain_run(const char *input, err *e)
{
    if (!input)
        input = "";
    const char *p = input;
    size_t len = strlen(input);
    while (len && is_space(*p)) {
        p++;
        len--;
    }
    while (len && is_space(p[len - 1]))
        len--;

    int code = take_reply_code(p, len);
    int enh_cls = 0;
    char enhanced[16] = "";
    size_t used = 0;
    if (code) {
        used = 3;
        if (used < len)
            used++; /* the space or '-' after the code */
        while (used < len && is_space(p[used]))
            used++;
        size_t n = take_enhanced(p + used, len - used, enhanced, &enh_cls);
        used += n;
    } else {
        used = take_enhanced(p, len, enhanced, &enh_cls);
        if (!used) {
            bad_input(len ? p : input, len, e);
            return NULL;
        }
    }
    while (used < len && is_space(p[used]))
        used++;

    explain_outcome *x = calloc(1, sizeof *x);
    if (!x)
        goto oom;
    x->input = escape_display(p, len);
    if (!x->input)
        goto oom;
    if (used < len) {
        x->text = escape_display(p + used, len - used);
        if (!x->text)
            goto oom;
    }
    x->code = code;
    memcpy(x->enhanced, enhanced, sizeof x->enhanced);
    if (code) {
        x->reply = esc_reply_lookup(code);
        x->reply_category = esc_reply_category(code);
    }
    if (enhanced[0])
        x->enh = esc_enhanced_lookup(enhanced);
    /* The reply code governs when both are present: RFC 2034 §4 expects
     * the enhanced class to repeat its first digit, so a disagreement is a
     * server bug worth showing, not a reason to trust the enhanced code. */
    int cls = code ? code / 100 : enh_cls;
    x->temporary = cls == 4;
    x->permanent = cls == 5;
    x->class_mismatch = code && enhanced[0] && code / 100 != enh_cls;
    return x;
oom:
    explain_outcome_free(x);
    err_set(e, ERRC_INTERNAL, "out of memory");
    return NULL;
}

void explain_outcome_free(explain_outcome *x)
{
    if (!x)
        return;
    free(x->input);
    free(x->text);
    free(x);
}
