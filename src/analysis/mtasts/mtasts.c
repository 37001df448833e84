/* mtasts.c — MTA-STS TXT record and policy file parser and validator, and
 * the MX pattern match (RFC 8461 §3.1, §3.2, §4.1).
 *
 * Both inputs are checked field by field so every fault is reported with its
 * position: the record by column, the policy file by line and column. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* core */
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* analysis */
#include "analysis/mtasts/mtasts.h"

/* Where problems go: the record's or the policy's list. */
typedef struct sink {
    mtasts_problem **v;
    size_t *n, *nerr;
    bool oom;
} sink;

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static void add_problem(sink *k, const char *code, mtasts_severity sev, size_t line,
                        size_t column, char *detail)
{
    if (!detail) {
        k->oom = true;
        return;
    }
    mtasts_problem *np = realloc(*k->v, (*k->n + 1) * sizeof *np);
    if (!np) {
        free(detail);
        k->oom = true;
        return;
    }
    *k->v = np;
    np[(*k->n)++] = (mtasts_problem){.code = code, .sev = sev, .line = line, .column = column,
                                     .detail = detail};
    if (sev == MTASTS_SEV_ERROR)
        (*k->nerr)++;
}

/* A problem whose sentence quotes `len` input bytes at t, escaped. */
static void problem_q(sink *k, const char *code, mtasts_severity sev, size_t line,
                      size_t column, const char *what, const char *t, size_t len)
{
    char *q = escape_display(t, len > 64 ? 64 : len);
    if (!q) {
        k->oom = true;
        return;
    }
    add_problem(k, code, sev, line, column,
                xasprintf("%s '%s%s' at line %zu column %zu", what, q, len > 64 ? "..." : "",
                          line, column));
    free(q);
}

int mtasts_record_parse(const char *s, size_t n, mtasts_record **out, err *e)
{
    mtasts_record *r = calloc(1, sizeof *r);
    sink k = {0};
    bool seen_v = false, seen_id = false;
    size_t nfields = 0;

    *out = NULL;
    if (!r)
        goto oom;
    k = (sink){.v = &r->problems, .n = &r->nproblems, .nerr = &r->nerrors};
    if (n > MTASTS_RECORD_MAX) {
        add_problem(&k, "mtasts.too_long", MTASTS_SEV_ERROR, 0, 0,
                    xasprintf("record is %zu bytes, more than the %d allowed", n,
                              MTASTS_RECORD_MAX));
        goto done;
    }
    for (size_t a = 0; a <= n && !k.oom;) {
        const char *semi = memchr(s + a, ';', n - a);
        size_t b = semi ? (size_t)(semi - s) : n, next = b + 1;
        while (a < b && is_wsp(s[a]))
            a++;
        while (b > a && is_wsp(s[b - 1]))
            b--;
        if (a == b) { /* empty field: fine only as the trailing ";" */
            if (semi)
                add_problem(&k, "mtasts.empty_field", MTASTS_SEV_WARNING, 1, next,
                            xasprintf("empty field before ';' at column %zu", next));
            a = next;
            continue;
        }
        bool first = nfields++ == 0;
        /* name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
        size_t i = a;
        while (i < b && (isalnum((unsigned char)s[i]) ||
                         (i > a && (s[i] == '_' || s[i] == '-' || s[i] == '.'))))
            i++;
        size_t v = i + 1, bad = v;
        bool ok = i > a && i - a <= 32 && i < b && s[i] == '=';
        /* values are %x21-3A / %x3C / %x3E-7E (§3.1) */
        while (ok && bad < b && (unsigned char)s[bad] > 0x20 && (unsigned char)s[bad] < 0x7f &&
               s[bad] != '=')
            bad++;
        if (!ok || bad < b) {
            size_t col = !ok ? (i < b ? i : a) + 1 : bad + 1;
            problem_q(&k, "mtasts.syntax", MTASTS_SEV_ERROR, 1, col, "invalid field", s + a,
                      b - a);
            if (first)
                add_problem(&k, "mtasts.v_missing", MTASTS_SEV_ERROR, 1, a + 1,
                            xstrdup("the record does not start with v=STSv1"));
            a = next;
            continue;
        }
        bool is_v = i - a == 1 && s[a] == 'v';
        bool is_id = i - a == 2 && memcmp(s + a, "id", 2) == 0;
        if (first && !is_v)
            add_problem(&k, "mtasts.v_missing", MTASTS_SEV_ERROR, 1, a + 1,
                        xstrdup("the record does not start with v=STSv1"));
        if ((is_v && seen_v) || (is_id && seen_id)) {
            problem_q(&k, "mtasts.tag_duplicate", MTASTS_SEV_ERROR, 1, a + 1,
                      "duplicate field", s + a, i - a);
        } else if (is_v) {
            seen_v = true;
            if (first && (b - v != 5 || memcmp(s + v, "STSv1", 5) != 0))
                problem_q(&k, "mtasts.v_invalid", MTASTS_SEV_ERROR, 1, v + 1, "invalid v value",
                          s + v, b - v);
        } else if (is_id) {
            seen_id = true;
            size_t j = v;
            while (j < b && isalnum((unsigned char)s[j]))
                j++;
            if (j != b || b == v || b - v > 32) {
                problem_q(&k, "mtasts.id_invalid", MTASTS_SEV_ERROR, 1, v + 1,
                          "id must be 1 to 32 letters and digits, not", s + v, b - v);
            } else if (!(r->id = xstrndup(s + v, b - v))) {
                k.oom = true;
            }
        } else {
            problem_q(&k, "mtasts.tag_unknown", MTASTS_SEV_INFO, 1, a + 1,
                      "extension field ignored", s + a, i - a);
        }
        a = next;
    }
    if (!seen_id && !k.oom)
        add_problem(&k, "mtasts.id_missing", MTASTS_SEV_ERROR, 0, 0,
                    xstrdup("required field id (policy id) is missing"));
done:
    if (k.oom)
        goto oom;
    *out = r;
    return 0;
oom:
    mtasts_record_free(r);
    return err_set(e, ERRC_INTERNAL, "out of memory parsing an MTA-STS record");
}

/* A host name of LDH labels (1-63 bytes, no leading/trailing '-'), at least
 * two labels, at most 253 bytes, optionally after "*." (§3.2 mx patterns). */
static bool mx_pattern_ok(const char *v, size_t n)
{
    if (n >= 2 && v[0] == '*' && v[1] == '.') {
        v += 2;
        n -= 2;
    }
    if (n == 0 || n > 253)
        return false;
    size_t labels = 0, len = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || v[i] == '.') {
            if (len == 0 || len > 63 || v[i - 1] == '-' || v[i - len] == '-')
                return false;
            labels++;
            len = 0;
        } else if (isalnum((unsigned char)v[i]) || v[i] == '-') {
            len++;
        } else {
            return false;
        }
    }
    return labels >= 2;
}

enum { K_VERSION, K_MODE, K_MAX_AGE, K_MX, K_COUNT };
static const char *const policy_keys[K_COUNT] = {"version", "mode", "max_age", "mx"};

static void policy_field(sink *k, mtasts_policy *p, int key, const char *v, size_t vn,
                         size_t line, size_t col)
{
    switch (key) {
    case K_VERSION:
        if (vn != 5 || memcmp(v, "STSv1", 5) != 0)
            problem_q(k, "mtasts.version_invalid", MTASTS_SEV_ERROR, line, col,
                      "invalid version", v, vn);
        break;
    case K_MODE:
        if (vn == 7 && strncasecmp(v, "enforce", 7) == 0)
            p->mode = MTASTS_MODE_ENFORCE;
        else if (vn == 7 && strncasecmp(v, "testing", 7) == 0) {
            p->mode = MTASTS_MODE_TESTING;
            add_problem(k, "mtasts.mode_testing", MTASTS_SEV_INFO, line, col,
                        xstrdup("mode testing: TLS failures are reported but mail is delivered"));
        } else if (vn == 4 && strncasecmp(v, "none", 4) == 0)
            p->mode = MTASTS_MODE_NONE;
        else
            problem_q(k, "mtasts.mode_invalid", MTASTS_SEV_ERROR, line, col, "invalid mode", v,
                      vn);
        break;
    case K_MAX_AGE: {
        int64_t x = 0;
        bool ok = vn > 0 && vn <= 10;
        for (size_t i = 0; ok && i < vn; i++) {
            ok = isdigit((unsigned char)v[i]);
            x = x * 10 + (v[i] - '0');
        }
        if (!ok || x > MTASTS_MAX_AGE_MAX) {
            problem_q(k, "mtasts.max_age_invalid", MTASTS_SEV_ERROR, line, col,
                      "invalid max_age", v, vn);
            break;
        }
        p->max_age = x;
        if (x < 86400)
            add_problem(k, "mtasts.max_age_short", MTASTS_SEV_WARNING, line, col,
                        xasprintf("max_age %lld is under one day; weeks are recommended",
                                  (long long)x));
        break;
    }
    case K_MX: {
        if (!mx_pattern_ok(v, vn)) {
            problem_q(k, "mtasts.mx_invalid", MTASTS_SEV_ERROR, line, col,
                      "invalid mx pattern", v, vn);
            break;
        }
        if (p->nmx >= MTASTS_MX_MAX) {
            add_problem(k, "mtasts.mx_too_many", MTASTS_SEV_WARNING, line, col,
                        xasprintf("more than %d mx lines; the rest are ignored", MTASTS_MX_MAX));
            break;
        }
        char *m = xstrndup(v, vn);
        char **nl = m ? realloc(p->mx, (p->nmx + 1) * sizeof *nl) : NULL;
        if (!nl) {
            free(m);
            k->oom = true;
            break;
        }
        for (char *c = m; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        p->mx = nl;
        nl[p->nmx++] = m;
        break;
    }
    default:
        break;
    }
}

int mtasts_policy_parse(const char *s, size_t n, mtasts_policy **out, err *e)
{
    mtasts_policy *p = calloc(1, sizeof *p);
    sink k = {0};
    bool seen[K_COUNT] = {false};

    *out = NULL;
    if (!p)
        goto oom;
    p->max_age = -1;
    k = (sink){.v = &p->problems, .n = &p->nproblems, .nerr = &p->nerrors};
    if (n > MTASTS_POLICY_MAX) {
        add_problem(&k, "mtasts.policy_too_long", MTASTS_SEV_ERROR, 0, 0,
                    xasprintf("policy is %zu bytes, more than the %d allowed", n,
                              MTASTS_POLICY_MAX));
        goto done;
    }
    size_t line = 0;
    for (size_t a = 0; a < n && !k.oom;) {
        const char *nl = memchr(s + a, '\n', n - a);
        size_t b = nl ? (size_t)(nl - s) : n, next = b + 1;
        if (b > a && s[b - 1] == '\r')
            b--;
        line++;
        const char *L = s + a;
        size_t len = b - a;
        if (len == 0) { /* blank lines (e.g. a final CRLF CRLF) carry nothing */
            a = next;
            continue;
        }
        /* key: 1*32(ALPHA / DIGIT / "_" / "-" / "."), ":", *WSP value *WSP */
        size_t i = 0;
        while (i < len && i < 33 &&
               (isalnum((unsigned char)L[i]) || L[i] == '_' || L[i] == '-' || L[i] == '.'))
            i++;
        size_t vs = i + 1, ve = len;
        bool ok = i > 0 && i <= 32 && i < len && L[i] == ':';
        while (ok && vs < len && is_wsp(L[vs]))
            vs++;
        while (ok && ve > vs && is_wsp(L[ve - 1]))
            ve--;
        size_t bad = vs;
        while (ok && bad < ve && (unsigned char)L[bad] > 0x20 && (unsigned char)L[bad] < 0x7f)
            bad++;
        if (!ok || bad < ve || vs == ve) {
            size_t col = !ok ? i + 1 : bad < ve ? bad + 1 : vs + 1;
            problem_q(&k, "mtasts.policy_syntax", MTASTS_SEV_ERROR, line, col,
                      "invalid policy line", L, len);
            a = next;
            continue;
        }
        int key = 0;
        while (key < K_COUNT && !(strlen(policy_keys[key]) == i &&
                                  memcmp(L, policy_keys[key], i) == 0))
            key++;
        if (key == K_COUNT)
            problem_q(&k, "mtasts.key_unknown", MTASTS_SEV_INFO, line, 1, "unknown key ignored",
                      L, i);
        else if (key != K_MX && seen[key])
            problem_q(&k, "mtasts.key_duplicate", MTASTS_SEV_ERROR, line, 1,
                      "duplicate key (the first one is kept)", L, i);
        else {
            seen[key] = true;
            policy_field(&k, p, key, L + vs, ve - vs, line, vs + 1);
        }
        a = next;
    }
    if (k.oom)
        goto oom;
    if (!seen[K_VERSION])
        add_problem(&k, "mtasts.version_missing", MTASTS_SEV_ERROR, 0, 0,
                    xstrdup("required key version is missing"));
    if (!seen[K_MODE])
        add_problem(&k, "mtasts.mode_missing", MTASTS_SEV_ERROR, 0, 0,
                    xstrdup("required key mode is missing"));
    if (!seen[K_MAX_AGE])
        add_problem(&k, "mtasts.max_age_missing", MTASTS_SEV_ERROR, 0, 0,
                    xstrdup("required key max_age is missing"));
    if (p->nmx == 0 && (p->mode == MTASTS_MODE_ENFORCE || p->mode == MTASTS_MODE_TESTING))
        add_problem(&k, "mtasts.mx_missing", MTASTS_SEV_ERROR, 0, 0,
                    xasprintf("mode %s needs at least one valid mx line",
                              mtasts_mode_name(p->mode)));
done:
    if (k.oom)
        goto oom;
    *out = p;
    return 0;
oom:
    mtasts_policy_free(p);
    return err_set(e, ERRC_INTERNAL, "out of memory parsing an MTA-STS policy");
}

bool mtasts_mx_matches(const mtasts_policy *p, const char *mxhost)
{
    size_t hn = mxhost ? strlen(mxhost) : 0;
    if (hn > 0 && mxhost[hn - 1] == '.')
        hn--;
    if (hn == 0)
        return false;
    for (size_t i = 0; i < p->nmx; i++) {
        const char *m = p->mx[i];
        size_t mn = strlen(m);
        if (m[0] == '*') {
            /* "*.suffix": one non-empty label, then ".suffix" */
            size_t sn = mn - 1; /* ".suffix" */
            if (hn > sn && strncasecmp(mxhost + hn - sn, m + 1, sn) == 0 &&
                memchr(mxhost, '.', hn - sn) == NULL)
                return true;
        } else if (hn == mn && strncasecmp(mxhost, m, mn) == 0) {
            return true;
        }
    }
    return false;
}

void mtasts_record_free(mtasts_record *r)
{
    if (!r)
        return;
    free(r->id);
    for (size_t i = 0; i < r->nproblems; i++)
        free(r->problems[i].detail);
    free(r->problems);
    free(r);
}

void mtasts_policy_free(mtasts_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nmx; i++)
        free(p->mx[i]);
    free(p->mx);
    for (size_t i = 0; i < p->nproblems; i++)
        free(p->problems[i].detail);
    free(p->problems);
    free(p);
}

const char *mtasts_mode_name(mtasts_mode m)
{
    switch (m) {
    case MTASTS_MODE_ENFORCE: return "enforce";
    case MTASTS_MODE_TESTING: return "testing";
    case MTASTS_MODE_NONE: return "none";
    default: return "unset";
    }
}
