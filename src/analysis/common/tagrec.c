/* tagrec.c — problem list and tag-list walking shared by the DMARC, DKIM key,
 * MTA-STS and TLS-RPT analyzers (tagrec.h; RFC 6376 §3.2, RFC 8460 §3,
 * RFC 8461 §3.1). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* core */
#include "core/escape.h"
#include "core/xalloc.h"
/* analysis */
#include "analysis/common/tagrec.h"

#define QUOTE_MAX 64 /* input bytes quoted in one sentence */

void tagrec_add(tagrec_sink *k, const char *code, tagrec_severity sev, size_t column,
                char *detail)
{
    if (!detail) {
        k->oom = true;
        return;
    }
    tagrec_problem *np = realloc(*k->v, (*k->n + 1) * sizeof *np);
    if (!np) {
        free(detail);
        k->oom = true;
        return;
    }
    *k->v = np;
    np[(*k->n)++] = (tagrec_problem){.code = code, .sev = sev,
                                     .line = column ? k->line : 0, .column = column,
                                     .detail = detail};
    if (sev == TAGREC_SEV_ERROR)
        (*k->nerr)++;
}

void tagrec_quote(tagrec_sink *k, const char *code, tagrec_severity sev, size_t column,
                  const char *what, const char *t, size_t len)
{
    char *q = escape_display(t, len > QUOTE_MAX ? QUOTE_MAX : len);
    if (!q) {
        k->oom = true;
        return;
    }
    const char *more = len > QUOTE_MAX ? "..." : "";
    if (k->line)
        tagrec_add(k, code, sev, column,
                   xasprintf("%s '%s%s' at line %zu column %zu", what, q, more, k->line,
                             column));
    else
        tagrec_add(k, code, sev, column,
                   xasprintf("%s '%s%s' at column %zu", what, q, more, column));
    free(q);
}

bool tagrec_too_long(tagrec_sink *k, const char *code, const char *noun, size_t n, size_t max)
{
    if (n <= max)
        return false;
    tagrec_add(k, code, TAGREC_SEV_ERROR, 0,
               xasprintf("%s is %zu bytes, more than the %zu allowed", noun, n, max));
    return true;
}

void tagrec_problems_free(tagrec_problem *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].detail);
    free(v);
}

bool tagrec_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

bool tagrec_is_fws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_ws(char c, bool fws)
{
    return fws ? tagrec_is_fws(c) : tagrec_is_blank(c);
}

bool tagrec_eq_ci(const char *a, size_t alen, const char *lit)
{
    return strlen(lit) == alen && strncasecmp(a, lit, alen) == 0;
}

bool tagrec_next(tagrec_iter *it, size_t *pa, size_t *pb)
{
    const char *s = it->s;
    while (it->pos <= it->n && !it->sink->oom) {
        size_t a = it->pos;
        const char *semi = a < it->n ? memchr(s + a, ';', it->n - a) : NULL;
        size_t b = semi ? (size_t)(semi - s) : it->n;
        it->pos = b + 1;
        while (a < b && is_ws(s[a], it->fws))
            a++;
        while (b > a && is_ws(s[b - 1], it->fws))
            b--;
        if (a == b) {
            if (semi) {
                size_t col = (size_t)(semi - s) + 1;
                tagrec_add(it->sink, it->empty_code, TAGREC_SEV_WARNING, col,
                           xasprintf("empty %s before ';' at column %zu", it->noun, col));
            }
            continue;
        }
        it->count++;
        *pa = a;
        *pb = b;
        return true;
    }
    return false;
}

bool tagrec_split(tagrec_iter *it, const char *syntax_code, size_t a, size_t b, tagrec_tag *t)
{
    const char *s = it->s;
    tagrec_sink *k = it->sink;
    while (a < b && tagrec_is_fws(s[a]))
        a++;
    while (b > a && tagrec_is_fws(s[b - 1]))
        b--;
    const char *eq = memchr(s + a, '=', b - a);
    if (!eq) {
        tagrec_quote(k, syntax_code, TAGREC_SEV_ERROR, a + 1, "tag without '='", s + a, b - a);
        return false;
    }
    size_t e = (size_t)(eq - s), ne = e;
    while (ne > a && tagrec_is_fws(s[ne - 1]))
        ne--;
    bool ok = ne > a && isalpha((unsigned char)s[a]);
    for (size_t i = a; ok && i < ne; i++)
        ok = isalnum((unsigned char)s[i]) || s[i] == '_';
    if (!ok) {
        tagrec_quote(k, syntax_code, TAGREC_SEV_ERROR, a + 1, "invalid tag name", s + a, ne - a);
        return false;
    }
    size_t v = e + 1;
    while (v < b && tagrec_is_fws(s[v]))
        v++;
    for (size_t i = v; i < b; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!tagrec_is_fws(s[i]) && (c < 0x21 || c > 0x7e)) {
            tagrec_quote(k, syntax_code, TAGREC_SEV_ERROR, i + 1, "invalid byte in tag value",
                         s + i, 1);
            return false;
        }
    }
    *t = (tagrec_tag){.name = s + a, .nlen = ne - a, .val = s + v, .vlen = b - v,
                      .ncol = a + 1, .vcol = v + 1};
    return true;
}

void tagrec_invalid_value(tagrec_sink *k, const char *code, const tagrec_tag *t)
{
    char what[48];
    snprintf(what, sizeof what, "invalid %.*s value", (int)t->nlen, t->name);
    tagrec_quote(k, code, TAGREC_SEV_ERROR, t->vcol, what, t->val, t->vlen);
}

size_t tagrec_field_name_end(const char *s, size_t a, size_t b)
{
    size_t i = a;
    while (i < b && (isalnum((unsigned char)s[i]) ||
                     (i > a && (s[i] == '_' || s[i] == '-' || s[i] == '.'))))
        i++;
    return i;
}

bool tagrec_next_item(const char *s, size_t end, bool fws, size_t *pos, size_t *pa, size_t *pb)
{
    if (*pos > end)
        return false;
    size_t a = *pos;
    const char *c = a < end ? memchr(s + a, ',', end - a) : NULL;
    size_t b = c ? (size_t)(c - s) : end;
    *pos = b + 1;
    while (a < b && is_ws(s[a], fws))
        a++;
    while (b > a && is_ws(s[b - 1], fws))
        b--;
    *pa = a;
    *pb = b;
    return true;
}

bool tagrec_uri_shape(const char *u, size_t n, size_t *scheme_len, const char **at)
{
    *at = NULL;
    size_t i = 0;
    bool ok = n > 0 && isalpha((unsigned char)u[0]);
    while (ok && i < n && u[i] != ':') {
        ok = isalnum((unsigned char)u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.';
        i++;
    }
    /* a scheme, the ':' and at least one byte after it */
    ok = ok && i < n && i + 1 < n;
    for (size_t j = 0; ok && j < n; j++)
        ok = u[j] > 0x20 && u[j] < 0x7f;
    if (!ok)
        return false;
    *scheme_len = i;
    if (tagrec_eq_ci(u, i, "mailto")) {
        const char *m = memrchr(u + i + 1, '@', n - i - 1);
        if (!m || m == u + i + 1 || m + 1 == u + n)
            return false;
        *at = m;
    }
    return true;
}
