/* tlsrpt.c — SMTP TLS Reporting record parser and validator (RFC 8460 §3).
 *
 * The grammar is case-sensitive ("v=TLSRPTv1", "rua=") and has no blanks
 * around '='; blanks are allowed only around ';' and ','. Each field is
 * checked on its own so every fault is reported with its column. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* core */
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* analysis */
#include "analysis/tlsrpt/tlsrpt.h"

typedef struct parser {
    const char *s;
    tlsrpt_record *r;
    bool oom;
} parser;

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static void add_problem(parser *p, const char *code, tlsrpt_severity sev, size_t column,
                        char *detail)
{
    tlsrpt_record *r = p->r;
    if (!detail) {
        p->oom = true;
        return;
    }
    tlsrpt_problem *np = realloc(r->problems, (r->nproblems + 1) * sizeof *np);
    if (!np) {
        free(detail);
        p->oom = true;
        return;
    }
    r->problems = np;
    np[r->nproblems++] = (tlsrpt_problem){.code = code, .sev = sev, .column = column,
                                          .detail = detail};
    if (sev == TLSRPT_SEV_ERROR)
        r->nerrors++;
}

/* A problem whose sentence quotes `len` record bytes at t, escaped. */
static void problem_q(parser *p, const char *code, tlsrpt_severity sev, size_t column,
                      const char *what, const char *t, size_t len)
{
    char *q = escape_display(t, len > 64 ? 64 : len);
    if (!q) {
        p->oom = true;
        return;
    }
    add_problem(p, code, sev, column,
                xasprintf("%s '%s%s' at column %zu", what, q, len > 64 ? "..." : "", column));
    free(q);
}

bool tlsrpt_is_tlsrpt(const char *s, size_t n)
{
    return n >= 10 && memcmp(s, "v=TLSRPTv1", 10) == 0 &&
           (n == 10 || s[10] == ';' || is_wsp(s[10]));
}

/* One URI s[a,b): scheme ":" rest, printable ASCII; mailto: needs local@domain. */
static void parse_uri(parser *p, size_t a, size_t b)
{
    const char *s = p->s;
    tlsrpt_record *r = p->r;
    size_t col = a + 1, i = a;
    bool ok = a < b && isalpha((unsigned char)s[a]);
    while (ok && i < b && s[i] != ':') {
        ok = isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.';
        i++;
    }
    ok = ok && i < b && i + 1 < b;
    for (size_t j = a; ok && j < b; j++)
        ok = s[j] > 0x20 && s[j] < 0x7f;
    bool mailto = ok && i - a == 6 && strncasecmp(s + a, "mailto", 6) == 0;
    bool https = ok && i - a == 5 && strncasecmp(s + a, "https", 5) == 0;
    if (ok && mailto) {
        const char *at = memrchr(s + i + 1, '@', b - i - 1);
        ok = at && at > s + i + 1 && at + 1 < s + b;
    }
    if (ok && https)
        ok = b - i > 3 && s[i + 1] == '/' && s[i + 2] == '/' && s[i + 3] != '/';
    if (!ok) {
        problem_q(p, "tlsrpt.uri_invalid", TLSRPT_SEV_ERROR, col, "invalid report URI", s + a,
                  b - a);
        return;
    }
    if (!mailto && !https) {
        problem_q(p, "tlsrpt.uri_scheme", TLSRPT_SEV_ERROR, col,
                  "report URI is neither mailto: nor https:", s + a, b - a);
        return;
    }
    if (r->nrua >= TLSRPT_URIS_MAX) {
        add_problem(p, "tlsrpt.uri_too_many", TLSRPT_SEV_WARNING, col,
                    xasprintf("more than %d rua URIs; the rest are ignored", TLSRPT_URIS_MAX));
        return;
    }
    char *u = xstrndup(s + a, b - a);
    char **nl = u ? realloc(r->rua, (r->nrua + 1) * sizeof *nl) : NULL;
    if (!nl) {
        free(u);
        p->oom = true;
        return;
    }
    r->rua = nl;
    nl[r->nrua++] = u;
}

static void parse_rua(parser *p, size_t a, size_t end)
{
    for (;;) {
        const char *c = memchr(p->s + a, ',', end - a);
        size_t b = c ? (size_t)(c - p->s) : end, ua = a, ub = b;
        while (ua < ub && is_wsp(p->s[ua]))
            ua++;
        while (ub > ua && is_wsp(p->s[ub - 1]))
            ub--;
        parse_uri(p, ua, ub);
        if (!c || p->oom)
            return;
        a = b + 1;
    }
}

int tlsrpt_parse(const char *s, size_t n, tlsrpt_record **out, err *e)
{
    tlsrpt_record *r = calloc(1, sizeof *r);
    parser p = {.s = s, .r = r};
    bool seen_v = false, seen_rua = false;
    size_t nfields = 0;

    *out = NULL;
    if (!r)
        goto oom;
    if (n > TLSRPT_RECORD_MAX) {
        add_problem(&p, "tlsrpt.too_long", TLSRPT_SEV_ERROR, 0,
                    xasprintf("record is %zu bytes, more than the %d allowed", n,
                              TLSRPT_RECORD_MAX));
        goto done;
    }
    for (size_t a = 0; a <= n && !p.oom;) {
        const char *semi = memchr(s + a, ';', n - a);
        size_t b = semi ? (size_t)(semi - s) : n;
        while (a < b && is_wsp(s[a]))
            a++;
        while (b > a && is_wsp(s[b - 1]))
            b--;
        size_t next = (semi ? (size_t)(semi - s) : n) + 1;
        if (a == b) { /* empty field: fine only as the trailing ";" */
            if (semi)
                add_problem(&p, "tlsrpt.empty_field", TLSRPT_SEV_WARNING, (size_t)(semi - s) + 1,
                            xasprintf("empty field before ';' at column %zu",
                                      (size_t)(semi - s) + 1));
            a = next;
            continue;
        }
        bool first = nfields++ == 0;
        /* name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
        size_t i = a;
        while (i < b && (isalnum((unsigned char)s[i]) ||
                         (i > a && (s[i] == '_' || s[i] == '-' || s[i] == '.'))))
            i++;
        if (i == a || i - a > 32 || i >= b || s[i] != '=') {
            problem_q(&p, "tlsrpt.syntax", TLSRPT_SEV_ERROR, (i < b ? i : a) + 1,
                      "invalid field", s + a, b - a);
            if (first)
                add_problem(&p, "tlsrpt.v_missing", TLSRPT_SEV_ERROR, a + 1,
                            xstrdup("the record does not start with v=TLSRPTv1"));
            a = next;
            continue;
        }
        /* values are %x21-3A / %x3C / %x3E-7E (§3); URIs in rua may hold '='
         * and blanks around their commas */
        bool is_rua = i - a == 3 && memcmp(s + a, "rua", 3) == 0;
        size_t v = i + 1, bad = v;
        for (; bad < b; bad++) {
            unsigned char c = (unsigned char)s[bad];
            if ((c > 0x20 && c < 0x7f && (c != '=' || is_rua)) || (is_rua && is_wsp(s[bad])))
                continue;
            break;
        }
        if (bad < b) {
            problem_q(&p, "tlsrpt.syntax", TLSRPT_SEV_ERROR, bad + 1, "invalid byte in field",
                      s + bad, 1);
            if (first)
                add_problem(&p, "tlsrpt.v_missing", TLSRPT_SEV_ERROR, a + 1,
                            xstrdup("the record does not start with v=TLSRPTv1"));
            a = next;
            continue;
        }
        bool is_v = i - a == 1 && s[a] == 'v';
        if (first && !is_v)
            add_problem(&p, "tlsrpt.v_missing", TLSRPT_SEV_ERROR, a + 1,
                        xstrdup("the record does not start with v=TLSRPTv1"));
        if ((is_v && seen_v) || (is_rua && seen_rua)) {
            problem_q(&p, "tlsrpt.tag_duplicate", TLSRPT_SEV_ERROR, a + 1, "duplicate field",
                      s + a, i - a);
        } else if (is_v) {
            seen_v = true;
            if (first && (b - v != 8 || memcmp(s + v, "TLSRPTv1", 8) != 0))
                problem_q(&p, "tlsrpt.v_invalid", TLSRPT_SEV_ERROR, v + 1,
                          "invalid v value", s + v, b - v);
        } else if (is_rua) {
            seen_rua = true;
            parse_rua(&p, v, b);
        } else {
            problem_q(&p, "tlsrpt.tag_unknown", TLSRPT_SEV_INFO, a + 1,
                      "extension field ignored", s + a, i - a);
        }
        a = next;
    }
    if (!seen_rua && !p.oom)
        add_problem(&p, "tlsrpt.rua_missing", TLSRPT_SEV_ERROR, 0,
                    xstrdup("required field rua (report destinations) is missing"));
done:
    if (p.oom)
        goto oom;
    *out = r;
    return 0;
oom:
    tlsrpt_record_free(r);
    return err_set(e, ERRC_INTERNAL, "out of memory parsing a TLS-RPT record");
}

void tlsrpt_record_free(tlsrpt_record *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrua; i++)
        free(r->rua[i]);
    free(r->rua);
    for (size_t i = 0; i < r->nproblems; i++)
        free(r->problems[i].detail);
    free(r->problems);
    free(r);
}
