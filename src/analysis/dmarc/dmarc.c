/* dmarc.c — DMARC record parser and validator (RFC 7489 §6.3, §6.4, §7.1;
 * np from RFC 9091), organisational domain via libpsl's built-in list.
 *
 * The record is a DKIM-style tag-list (RFC 6376 §3.2). Each tag is checked on
 * its own so every fault is reported with its column; an invalid value leaves
 * the field at its default (or UNSET for policies). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

/* core */
#include "core/err.h"
#include "core/xalloc.h"
/* analysis */
#include "analysis/common/tagrec.h"
#include "analysis/dmarc/dmarc.h"

#define NAME_MAX_LEN 253

typedef struct parser {
    const char *s;
    dmarc_record *r;
    tagrec_sink k;          /* into r's problem list */
} parser;

bool dmarc_is_dmarc(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && tagrec_is_fws(s[i]))
        i++;
    if (i >= n || (s[i] != 'v' && s[i] != 'V'))
        return false;
    i++;
    while (i < n && tagrec_is_fws(s[i]))
        i++;
    if (i >= n || s[i] != '=')
        return false;
    i++;
    while (i < n && tagrec_is_fws(s[i]))
        i++;
    if (n - i < 6 || strncmp(s + i, "DMARC1", 6) != 0)
        return false;
    i += 6;
    return i == n || s[i] == ';' || tagrec_is_fws(s[i]);
}

static dmarc_policy parse_policy(const char *v, size_t n)
{
    if (tagrec_eq_ci(v, n, "none"))
        return DMARC_POLICY_NONE;
    if (tagrec_eq_ci(v, n, "quarantine"))
        return DMARC_POLICY_QUARANTINE;
    if (tagrec_eq_ci(v, n, "reject"))
        return DMARC_POLICY_REJECT;
    return DMARC_POLICY_UNSET;
}

/* Unsigned decimal of at most maxdigits digits and value <= max; -1 if not. */
static int64_t parse_uint(const char *v, size_t n, size_t maxdigits, uint64_t max)
{
    if (n == 0 || n > maxdigits)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)v[i]))
            return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    return x > max ? -1 : (int64_t)x;
}

static bool parse_fo(const char *v, size_t n, unsigned *out)
{
    unsigned fo = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && tagrec_is_fws(v[i]))
            i++;
        if (i >= n)
            return false;
        switch (v[i]) {
        case '0': fo |= DMARC_FO_0; break;
        case '1': fo |= DMARC_FO_1; break;
        case 'd': case 'D': fo |= DMARC_FO_D; break;
        case 's': case 'S': fo |= DMARC_FO_S; break;
        default: return false;
        }
        i++;
        while (i < n && tagrec_is_fws(v[i]))
            i++;
        if (i == n)
            break;
        if (v[i] != ':')
            return false;
        i++;
    }
    *out = fo;
    return true;
}

/* "!" 1*DIGIT [ "k" / "m" / "g" / "t" ]; units are powers of two (§6.2). */
static bool parse_size(const char *v, size_t n, uint64_t *out)
{
    unsigned shift = 0;
    if (n > 0) {
        switch (tolower((unsigned char)v[n - 1])) {
        case 'k': shift = 10; n--; break;
        case 'm': shift = 20; n--; break;
        case 'g': shift = 30; n--; break;
        case 't': shift = 40; n--; break;
        default: break;
        }
    }
    int64_t x = parse_uint(v, n, 15, UINT64_C(999999999999999));
    if (x <= 0 || (uint64_t)x > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)x << shift;
    return true;
}

/* Check one URI s[a,b) (record offsets) and append it to *list. */
static void parse_uri(parser *p, const char *tag, size_t a, size_t b, dmarc_uri **list,
                      size_t *count)
{
    const char *s = p->s;
    size_t col = a + 1;
    if (a == b) {
        tagrec_add(&p->k, "dmarc.uri_invalid", DMARC_SEV_ERROR, col,
                   xasprintf("empty %s URI at column %zu", tag, col));
        return;
    }
    const char *bang = memchr(s + a, '!', b - a);
    size_t ue = bang ? (size_t)(bang - s) : b;
    uint64_t size = 0;
    if (bang && !parse_size(bang + 1, b - ue - 1, &size)) {
        tagrec_quote(&p->k, "dmarc.uri_size_invalid", DMARC_SEV_ERROR, ue + 1,
                     "invalid report size limit", s + ue, b - ue);
        return;
    }
    size_t scheme = 0;
    const char *at = NULL;
    if (!tagrec_uri_shape(s + a, ue - a, &scheme, &at)) {
        tagrec_quote(&p->k, "dmarc.uri_invalid", DMARC_SEV_ERROR, col, "invalid report URI", s + a,
                     b - a);
        return;
    }
    bool mailto = at != NULL;
    if (!mailto)
        tagrec_quote(&p->k, "dmarc.uri_scheme", DMARC_SEV_WARNING, col,
                     "report URI is not mailto: (rarely supported)", s + a, ue - a);
    if (*count >= DMARC_URIS_MAX) {
        tagrec_add(&p->k, "dmarc.uri_too_many", DMARC_SEV_WARNING, col,
                   xasprintf("more than %d %s URIs; the rest are ignored", DMARC_URIS_MAX, tag));
        return;
    }
    dmarc_uri u = {.max_size = size, .is_mailto = mailto};
    u.uri = xstrndup(s + a, ue - a);
    if (mailto) {
        u.mailto_domain = xstrndup(at + 1, (size_t)(s + ue - at - 1));
        if (u.mailto_domain)
            for (char *c = u.mailto_domain; *c; c++)
                *c = (char)tolower((unsigned char)*c);
    }
    dmarc_uri *nl = realloc(*list, (*count + 1) * sizeof *nl);
    if (!u.uri || (mailto && !u.mailto_domain) || !nl) {
        if (nl)
            *list = nl;
        free(u.uri);
        free(u.mailto_domain);
        p->k.oom = true;
        return;
    }
    *list = nl;
    nl[(*count)++] = u;
}

static void parse_uri_list(parser *p, const char *tag, const tagrec_tag *t, dmarc_uri **list,
                           size_t *count)
{
    size_t pos = t->vcol - 1, end = pos + t->vlen, a, b;
    while (tagrec_next_item(p->s, end, true, &pos, &a, &b))
        parse_uri(p, tag, a, b, list, count);
}

/* Known tags, in a fixed order so duplicates can be tracked by index. */
static const char *const known_tags[] = {"v",  "p",  "sp",  "np",  "pct", "adkim",
                                         "aspf", "fo", "rua", "ruf", "ri"};
#define NKNOWN (sizeof known_tags / sizeof known_tags[0])

static void invalid_value(parser *p, const char *code, const tagrec_tag *t)
{
    tagrec_invalid_value(&p->k, code, t);
}

static void apply_tag(parser *p, size_t k, const tagrec_tag *t)
{
    dmarc_record *r = p->r;
    int64_t x;
    switch (k) {
    case 0: /* v */
        if (t->vlen != 6 || strncmp(t->val, "DMARC1", 6) != 0)
            invalid_value(p, "dmarc.v_invalid", t);
        break;
    case 1: case 2: case 3: { /* p, sp, np */
        static const char *const codes[] = {"dmarc.p_invalid", "dmarc.sp_invalid",
                                            "dmarc.np_invalid"};
        dmarc_policy *dst = k == 1 ? &r->p : k == 2 ? &r->sp : &r->np;
        *dst = parse_policy(t->val, t->vlen);
        if (*dst == DMARC_POLICY_UNSET)
            invalid_value(p, codes[k - 1], t);
        break;
    }
    case 4: /* pct */
        if ((x = parse_uint(t->val, t->vlen, 3, 100)) < 0)
            invalid_value(p, "dmarc.pct_invalid", t);
        else
            r->pct = (int)x;
        break;
    case 5: case 6: /* adkim, aspf */
        if (t->vlen == 1 && strchr("rRsS", t->val[0]))
            *(k == 5 ? &r->adkim : &r->aspf) = (char)tolower((unsigned char)t->val[0]);
        else
            invalid_value(p, k == 5 ? "dmarc.adkim_invalid" : "dmarc.aspf_invalid", t);
        break;
    case 7: /* fo */
        if (!parse_fo(t->val, t->vlen, &r->fo))
            invalid_value(p, "dmarc.fo_invalid", t);
        break;
    case 8:
        parse_uri_list(p, "rua", t, &r->rua, &r->nrua);
        break;
    case 9:
        parse_uri_list(p, "ruf", t, &r->ruf, &r->nruf);
        break;
    case 10: /* ri */
        if ((x = parse_uint(t->val, t->vlen, 10, UINT32_MAX)) < 0)
            invalid_value(p, "dmarc.ri_invalid", t);
        else
            r->ri = (uint32_t)x;
        break;
    default:
        break;
    }
}

int dmarc_parse(const char *s, size_t n, dmarc_record **out, err *e)
{
    dmarc_record *r = calloc(1, sizeof *r);
    parser p = {.s = s, .r = r};
    bool seen[NKNOWN] = {false};

    *out = NULL;
    if (!r)
        goto oom;
    p.k = (tagrec_sink){.v = &r->problems, .n = &r->nproblems, .nerr = &r->nerrors};
    r->pct = 100;
    r->adkim = r->aspf = 'r';
    r->fo = DMARC_FO_0;
    r->ri = 86400;
    if (tagrec_too_long(&p.k, "dmarc.too_long", "record", n, DMARC_RECORD_MAX))
        goto done;
    tagrec_iter it = {.s = s, .n = n, .fws = true, .empty_code = "dmarc.empty_tag",
                      .noun = "tag", .sink = &p.k};
    size_t a, b;
    while (tagrec_next(&it, &a, &b)) {
        tagrec_tag t;
        bool first = it.count == 1;
        if (!tagrec_split(&it, "dmarc.syntax", a, b, &t)) {
            if (first)
                tagrec_add(&p.k, "dmarc.v_missing", DMARC_SEV_ERROR, 1,
                           xstrdup("the record does not start with v=DMARC1"));
            continue;
        }
        size_t k = 0;
        while (k < NKNOWN && !tagrec_eq_ci(t.name, t.nlen, known_tags[k]))
            k++;
        if (first && k != 0)
            tagrec_add(&p.k, "dmarc.v_missing", DMARC_SEV_ERROR, t.ncol,
                       xstrdup("the record does not start with v=DMARC1"));
        if (k == NKNOWN) {
            tagrec_quote(&p.k, "dmarc.tag_unknown", DMARC_SEV_WARNING, t.ncol,
                         "unknown tag ignored", t.name, t.nlen);
        } else if (seen[k]) {
            tagrec_quote(&p.k, "dmarc.tag_duplicate", DMARC_SEV_ERROR, t.ncol, "duplicate tag",
                         t.name, t.nlen);
        } else if (k == 0 && !first) {
            /* a late v=: already reported as dmarc.v_missing at the first tag */
        } else {
            seen[k] = true;
            apply_tag(&p, k, &t);
        }
    }
    if (it.count == 0 && !p.k.oom)
        tagrec_add(&p.k, "dmarc.v_missing", DMARC_SEV_ERROR, 0,
                   xstrdup("empty record; v=DMARC1 must come first"));
    if (!seen[1] && !p.k.oom)
        tagrec_add(&p.k, "dmarc.p_missing", DMARC_SEV_ERROR, 0,
                   xstrdup("required tag p (policy) is missing"));
done:
    if (p.k.oom)
        goto oom;
    *out = r;
    return 0;
oom:
    dmarc_record_free(r);
    return err_set(e, ERRC_INTERNAL, "out of memory parsing a DMARC record");
}

static int strength(dmarc_policy p)
{
    return p == DMARC_POLICY_REJECT ? 2 : p == DMARC_POLICY_QUARANTINE ? 1 : 0;
}

int dmarc_advise(dmarc_record *r, bool sending_domain, err *e)
{
    tagrec_sink k = {.v = &r->problems, .n = &r->nproblems, .nerr = &r->nerrors};
    if (r->p == DMARC_POLICY_NONE)
        tagrec_add(&k, "dmarc.p_none", sending_domain ? DMARC_SEV_WARNING : DMARC_SEV_INFO, 0,
                   xstrdup("p=none only monitors: spoofed mail is still delivered"));
    if (r->pct < 100 && strength(r->p) > 0)
        tagrec_add(&k, "dmarc.pct_partial", DMARC_SEV_WARNING, 0,
                   xasprintf("the %s policy applies to only %d%% of failing mail",
                             dmarc_policy_name(r->p), r->pct));
    if (r->sp != DMARC_POLICY_UNSET && strength(r->sp) < strength(r->p))
        tagrec_add(&k, "dmarc.sp_weaker", DMARC_SEV_INFO, 0,
                   xasprintf("subdomain policy sp=%s is weaker than p=%s", dmarc_policy_name(r->sp),
                             dmarc_policy_name(r->p)));
    if (r->nrua == 0)
        tagrec_add(&k, "dmarc.rua_missing", DMARC_SEV_INFO, 0,
                   xstrdup("no rua address: no aggregate reports are received"));
    if (k.oom)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    return 0;
}

static void free_uris(dmarc_uri *u, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(u[i].uri);
        free(u[i].mailto_domain);
    }
    free(u);
}

void dmarc_record_free(dmarc_record *r)
{
    if (!r)
        return;
    free_uris(r->rua, r->nrua);
    free_uris(r->ruf, r->nruf);
    tagrec_problems_free(r->problems, r->nproblems);
    free(r);
}

const char *dmarc_policy_name(dmarc_policy p)
{
    switch (p) {
    case DMARC_POLICY_NONE: return "none";
    case DMARC_POLICY_QUARANTINE: return "quarantine";
    case DMARC_POLICY_REJECT: return "reject";
    default: return "unset";
    }
}

/* Lower-cased copy without one trailing dot; NULL with e set if unusable. */
static char *norm_name(const char *d, err *e)
{
    size_t n = d ? strlen(d) : 0;
    if (n > 0 && d[n - 1] == '.')
        n--;
    if (n == 0 || n > NAME_MAX_LEN) {
        err_set(e, ERRC_LOCAL_INPUT, "domain name is empty or longer than %d bytes",
                NAME_MAX_LEN);
        return NULL;
    }
    char *c = xstrndup(d, n);
    if (!c) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        return NULL;
    }
    for (char *q = c; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return c;
}

int dmarc_org_domain(const char *domain, char **out, err *e)
{
    *out = NULL;
    const psl_ctx_t *psl = psl_builtin();
    if (!psl)
        return err_set(e, ERRC_INTERNAL, "libpsl has no built-in public suffix list");
    char *d = norm_name(domain, e);
    if (!d)
        return -1;
    const char *reg = psl_registrable_domain(psl, d);
    if (!reg) {
        free(d);
        return err_set(e, ERRC_LOCAL_INPUT, "the name is a public suffix, not a domain");
    }
    *out = xstrdup(reg);
    free(d);
    if (!*out)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    return 0;
}

int dmarc_report_auth_name(const char *domain, const char *dest, char **out, err *e)
{
    *out = NULL;
    char *d = norm_name(domain, e), *t = d ? norm_name(dest, e) : NULL;
    int rc = -1;
    if (!d || !t)
        goto cleanup;
    if (strlen(d) + strlen(t) + strlen("._report._dmarc.") > NAME_MAX_LEN) {
        err_set(e, ERRC_LOCAL_INPUT, "the report authorization name exceeds %d bytes",
                NAME_MAX_LEN);
        goto cleanup;
    }
    *out = xasprintf("%s._report._dmarc.%s", d, t);
    if (!*out) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(d);
    free(t);
    return rc;
}

int dmarc_uri_is_external(const char *domain, const dmarc_uri *u, bool *external, err *e)
{
    char *a = NULL, *b = NULL;
    int rc = -1;
    if (!u->is_mailto || !u->mailto_domain) {
        err_set(e, ERRC_LOCAL_INPUT, "not a mailto: URI");
        goto cleanup;
    }
    if (dmarc_org_domain(domain, &a, e) < 0 || dmarc_org_domain(u->mailto_domain, &b, e) < 0)
        goto cleanup;
    *external = strcmp(a, b) != 0;
    rc = 0;
cleanup:
    free(a);
    free(b);
    return rc;
}
