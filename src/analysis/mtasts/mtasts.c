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
#include "core/xalloc.h"
/* analysis */
#include "analysis/common/tagrec.h"
#include "analysis/mtasts/mtasts.h"

int mtasts_record_parse(const char *s, size_t n, mtasts_record **out, err *e)
{
    mtasts_record *r = calloc(1, sizeof *r);
    tagrec_sink k = {0};
    bool seen_v = false, seen_id = false;

    *out = NULL;
    if (!r)
        goto oom;
    /* a record is line 1: positions read "line 1 column C", as in a policy file */
    k = (tagrec_sink){.v = &r->problems, .n = &r->nproblems, .nerr = &r->nerrors, .line = 1};
    if (tagrec_too_long(&k, "mtasts.too_long", "record", n, MTASTS_RECORD_MAX))
        goto done;
    tagrec_iter it = {.s = s, .n = n, .empty_code = "mtasts.empty_field", .noun = "field",
                      .sink = &k};
    size_t a, b;
    while (tagrec_next(&it, &a, &b)) {
        bool first = it.count == 1;
        size_t i = tagrec_field_name_end(s, a, b);
        size_t v = i + 1, bad = v;
        bool ok = i > a && i - a <= 32 && i < b && s[i] == '=';
        /* values are %x21-3A / %x3C / %x3E-7E (§3.1) */
        while (ok && bad < b && (unsigned char)s[bad] > 0x20 && (unsigned char)s[bad] < 0x7f &&
               s[bad] != '=')
            bad++;
        if (!ok || bad < b) {
            size_t col = !ok ? (i < b ? i : a) + 1 : bad + 1;
            tagrec_quote(&k, "mtasts.syntax", MTASTS_SEV_ERROR, col, "invalid field", s + a, b - a);
            if (first)
                tagrec_add(&k, "mtasts.v_missing", MTASTS_SEV_ERROR, a + 1,
                           xstrdup("the record does not start with v=STSv1"));
            continue;
        }
        bool is_v = i - a == 1 && s[a] == 'v';
        bool is_id = i - a == 2 && memcmp(s + a, "id", 2) == 0;
        if (first && !is_v)
            tagrec_add(&k, "mtasts.v_missing", MTASTS_SEV_ERROR, a + 1,
                       xstrdup("the record does not start with v=STSv1"));
        if ((is_v && seen_v) || (is_id && seen_id)) {
            tagrec_quote(&k, "mtasts.tag_duplicate", MTASTS_SEV_ERROR, a + 1, "duplicate field",
                         s + a, i - a);
        } else if (is_v) {
            seen_v = true;
            if (first && (b - v != 5 || memcmp(s + v, "STSv1", 5) != 0))
                tagrec_quote(&k, "mtasts.v_invalid", MTASTS_SEV_ERROR, v + 1, "invalid v value",
                             s + v, b - v);
        } else if (is_id) {
            seen_id = true;
            size_t j = v;
            while (j < b && isalnum((unsigned char)s[j]))
                j++;
            if (j != b || b == v || b - v > 32) {
                tagrec_quote(&k, "mtasts.id_invalid", MTASTS_SEV_ERROR, v + 1,
                             "id must be 1 to 32 letters and digits, not", s + v, b - v);
            } else if (!(r->id = xstrndup(s + v, b - v))) {
                k.oom = true;
            }
        } else {
            tagrec_quote(&k, "mtasts.tag_unknown", MTASTS_SEV_INFO, a + 1,
                         "extension field ignored", s + a, i - a);
        }
    }
    if (!seen_id && !k.oom)
        tagrec_add(&k, "mtasts.id_missing", MTASTS_SEV_ERROR, 0,
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

static void policy_field(tagrec_sink *k, mtasts_policy *p, int key, const char *v, size_t vn,
                         size_t col)
{
    switch (key) {
    case K_VERSION:
        if (vn != 5 || memcmp(v, "STSv1", 5) != 0)
            tagrec_quote(k, "mtasts.version_invalid", MTASTS_SEV_ERROR, col, "invalid version", v,
                         vn);
        break;
    case K_MODE:
        if (vn == 7 && strncasecmp(v, "enforce", 7) == 0)
            p->mode = MTASTS_MODE_ENFORCE;
        else if (vn == 7 && strncasecmp(v, "testing", 7) == 0) {
            p->mode = MTASTS_MODE_TESTING;
            tagrec_add(k, "mtasts.mode_testing", MTASTS_SEV_INFO, col,
                       xstrdup("mode testing: TLS failures are reported but mail is delivered"));
        } else if (vn == 4 && strncasecmp(v, "none", 4) == 0)
            p->mode = MTASTS_MODE_NONE;
        else
            tagrec_quote(k, "mtasts.mode_invalid", MTASTS_SEV_ERROR, col, "invalid mode", v, vn);
        break;
    case K_MAX_AGE: {
        int64_t x = 0;
        bool ok = vn > 0 && vn <= 10;
        for (size_t i = 0; ok && i < vn; i++) {
            ok = isdigit((unsigned char)v[i]);
            x = x * 10 + (v[i] - '0');
        }
        if (!ok || x > MTASTS_MAX_AGE_MAX) {
            tagrec_quote(k, "mtasts.max_age_invalid", MTASTS_SEV_ERROR, col, "invalid max_age", v,
                         vn);
            break;
        }
        p->max_age = x;
        if (x < 86400)
            tagrec_add(
                k, "mtasts.max_age_short", MTASTS_SEV_WARNING, col,
                xasprintf("max_age %lld is under one day; weeks are recommended", (long long)x));
        break;
    }
    case K_MX: {
        if (!mx_pattern_ok(v, vn)) {
            tagrec_quote(k, "mtasts.mx_invalid", MTASTS_SEV_ERROR, col, "invalid mx pattern", v,
                         vn);
            break;
        }
        if (p->nmx >= MTASTS_MX_MAX) {
            tagrec_add(k, "mtasts.mx_too_many", MTASTS_SEV_WARNING, col,
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
    tagrec_sink k = {0};
    bool seen[K_COUNT] = {false};

    *out = NULL;
    if (!p)
        goto oom;
    p->max_age = -1;
    k = (tagrec_sink){.v = &p->problems, .n = &p->nproblems, .nerr = &p->nerrors};
    if (tagrec_too_long(&k, "mtasts.policy_too_long", "policy", n, MTASTS_POLICY_MAX))
        goto done;
    size_t line = 0;
    for (size_t a = 0; a < n && !k.oom;) {
        const char *nl = memchr(s + a, '\n', n - a);
        size_t b = nl ? (size_t)(nl - s) : n, next = b + 1;
        if (b > a && s[b - 1] == '\r')
            b--;
        line++;
        k.line = line;
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
        while (ok && vs < len && tagrec_is_blank(L[vs]))
            vs++;
        while (ok && ve > vs && tagrec_is_blank(L[ve - 1]))
            ve--;
        size_t bad = vs;
        while (ok && bad < ve && (unsigned char)L[bad] > 0x20 && (unsigned char)L[bad] < 0x7f)
            bad++;
        if (!ok || bad < ve || vs == ve) {
            size_t col = !ok ? i + 1 : bad < ve ? bad + 1 : vs + 1;
            tagrec_quote(&k, "mtasts.policy_syntax", MTASTS_SEV_ERROR, col, "invalid policy line",
                         L, len);
            a = next;
            continue;
        }
        int key = 0;
        while (key < K_COUNT && !(strlen(policy_keys[key]) == i &&
                                  memcmp(L, policy_keys[key], i) == 0))
            key++;
        if (key == K_COUNT)
            tagrec_quote(&k, "mtasts.key_unknown", MTASTS_SEV_INFO, 1, "unknown key ignored", L, i);
        else if (key != K_MX && seen[key])
            tagrec_quote(&k, "mtasts.key_duplicate", MTASTS_SEV_ERROR, 1,
                         "duplicate key (the first one is kept)", L, i);
        else {
            seen[key] = true;
            policy_field(&k, p, key, L + vs, ve - vs, vs + 1);
        }
        a = next;
    }
    if (k.oom)
        goto oom;
    if (!seen[K_VERSION])
        tagrec_add(&k, "mtasts.version_missing", MTASTS_SEV_ERROR, 0,
                   xstrdup("required key version is missing"));
    if (!seen[K_MODE])
        tagrec_add(&k, "mtasts.mode_missing", MTASTS_SEV_ERROR, 0,
                   xstrdup("required key mode is missing"));
    if (!seen[K_MAX_AGE])
        tagrec_add(&k, "mtasts.max_age_missing", MTASTS_SEV_ERROR, 0,
                   xstrdup("required key max_age is missing"));
    if (p->nmx == 0 && (p->mode == MTASTS_MODE_ENFORCE || p->mode == MTASTS_MODE_TESTING))
        tagrec_add(
            &k, "mtasts.mx_missing", MTASTS_SEV_ERROR, 0,
            xasprintf("mode %s needs at least one valid mx line", mtasts_mode_name(p->mode)));
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
    return mtasts_mx_match(p, mxhost) != NULL;
}

const char *mtasts_mx_match(const mtasts_policy *p, const char *mxhost)
{
    size_t hn = mxhost ? strlen(mxhost) : 0;
    if (hn > 0 && mxhost[hn - 1] == '.')
        hn--;
    if (hn == 0)
        return NULL;
    for (size_t i = 0; i < p->nmx; i++) {
        const char *m = p->mx[i];
        size_t mn = strlen(m);
        if (m[0] == '*') {
            /* "*.suffix": one non-empty label, then ".suffix" */
            size_t sn = mn - 1; /* ".suffix" */
            if (hn > sn && strncasecmp(mxhost + hn - sn, m + 1, sn) == 0 &&
                memchr(mxhost, '.', hn - sn) == NULL)
                return m;
        } else if (hn == mn && strncasecmp(mxhost, m, mn) == 0) {
            return m;
        }
    }
    return NULL;
}

void mtasts_record_free(mtasts_record *r)
{
    if (!r)
        return;
    free(r->id);
    tagrec_problems_free(r->problems, r->nproblems);
    free(r);
}

void mtasts_policy_free(mtasts_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nmx; i++)
        free(p->mx[i]);
    free(p->mx);
    tagrec_problems_free(p->problems, p->nproblems);
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
