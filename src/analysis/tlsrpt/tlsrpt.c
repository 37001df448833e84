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
#include "core/xalloc.h"
/* analysis */
#include "analysis/common/tagrec.h"
#include "analysis/tlsrpt/tlsrpt.h"

typedef struct parser {
    const char *s;
    tlsrpt_record *r;
    tagrec_sink k;          /* into r's problem list */
} parser;

bool tlsrpt_is_tlsrpt(const char *s, size_t n)
{
    return n >= 10 && memcmp(s, "v=TLSRPTv1", 10) == 0 &&
           (n == 10 || s[10] == ';' || tagrec_is_blank(s[10]));
}

/* One URI s[a,b): scheme ":" rest, printable ASCII; mailto: needs local@domain. */
static void parse_uri(parser *p, size_t a, size_t b)
{
    const char *s = p->s;
    tlsrpt_record *r = p->r;
    size_t col = a + 1, scheme = 0;
    const char *at = NULL;
    bool ok = tagrec_uri_shape(s + a, b - a, &scheme, &at);
    bool mailto = ok && at != NULL;
    bool https = ok && tagrec_eq_ci(s + a, scheme, "https");
    size_t i = a + scheme; /* the ':' */
    if (ok && https)
        ok = b - i > 3 && s[i + 1] == '/' && s[i + 2] == '/' && s[i + 3] != '/';
    if (!ok) {
        tagrec_quote(&p->k, "tlsrpt.uri_invalid", TLSRPT_SEV_ERROR, col, "invalid report URI",
                     s + a, b - a);
        return;
    }
    if (!mailto && !https) {
        tagrec_quote(&p->k, "tlsrpt.uri_scheme", TLSRPT_SEV_ERROR, col,
                     "report URI is neither mailto: nor https:", s + a, b - a);
        return;
    }
    if (r->nrua >= TLSRPT_URIS_MAX) {
        tagrec_add(&p->k, "tlsrpt.uri_too_many", TLSRPT_SEV_WARNING, col,
                   xasprintf("more than %d rua URIs; the rest are ignored", TLSRPT_URIS_MAX));
        return;
    }
    char *u = xstrndup(s + a, b - a);
    char **nl = u ? realloc(r->rua, (r->nrua + 1) * sizeof *nl) : NULL;
    if (!nl) {
        free(u);
        p->k.oom = true;
        return;
    }
    r->rua = nl;
    nl[r->nrua++] = u;
}

static void parse_rua(parser *p, size_t pos, size_t end)
{
    size_t a, b;
    while (!p->k.oom && tagrec_next_item(p->s, end, false, &pos, &a, &b))
        parse_uri(p, a, b);
}

int tlsrpt_parse(const char *s, size_t n, tlsrpt_record **out, err *e)
{
    tlsrpt_record *r = calloc(1, sizeof *r);
    parser p = {.s = s, .r = r};
    bool seen_v = false, seen_rua = false;

    *out = NULL;
    if (!r)
        goto oom;
    p.k = (tagrec_sink){.v = &r->problems, .n = &r->nproblems, .nerr = &r->nerrors};
    if (tagrec_too_long(&p.k, "tlsrpt.too_long", "record", n, TLSRPT_RECORD_MAX))
        goto done;
    tagrec_iter it = {.s = s, .n = n, .empty_code = "tlsrpt.empty_field", .noun = "field",
                      .sink = &p.k};
    size_t a, b;
    while (tagrec_next(&it, &a, &b)) {
        bool first = it.count == 1;
        size_t i = tagrec_field_name_end(s, a, b);
        if (i == a || i - a > 32 || i >= b || s[i] != '=') {
            tagrec_quote(&p.k, "tlsrpt.syntax", TLSRPT_SEV_ERROR, (i < b ? i : a) + 1,
                         "invalid field", s + a, b - a);
            if (first)
                tagrec_add(&p.k, "tlsrpt.v_missing", TLSRPT_SEV_ERROR, a + 1,
                           xstrdup("the record does not start with v=TLSRPTv1"));
            continue;
        }
        /* values are %x21-3A / %x3C / %x3E-7E (§3); URIs in rua may hold '='
         * and blanks around their commas */
        bool is_rua = i - a == 3 && memcmp(s + a, "rua", 3) == 0;
        size_t v = i + 1, bad = v;
        for (; bad < b; bad++) {
            unsigned char c = (unsigned char)s[bad];
            if ((c > 0x20 && c < 0x7f && (c != '=' || is_rua)) ||
                (is_rua && tagrec_is_blank(s[bad])))
                continue;
            break;
        }
        if (bad < b) {
            tagrec_quote(&p.k, "tlsrpt.syntax", TLSRPT_SEV_ERROR, bad + 1, "invalid byte in field",
                         s + bad, 1);
            if (first)
                tagrec_add(&p.k, "tlsrpt.v_missing", TLSRPT_SEV_ERROR, a + 1,
                           xstrdup("the record does not start with v=TLSRPTv1"));
            continue;
        }
        bool is_v = i - a == 1 && s[a] == 'v';
        if (first && !is_v)
            tagrec_add(&p.k, "tlsrpt.v_missing", TLSRPT_SEV_ERROR, a + 1,
                       xstrdup("the record does not start with v=TLSRPTv1"));
        if ((is_v && seen_v) || (is_rua && seen_rua)) {
            tagrec_quote(&p.k, "tlsrpt.tag_duplicate", TLSRPT_SEV_ERROR, a + 1, "duplicate field",
                         s + a, i - a);
        } else if (is_v) {
            seen_v = true;
            if (first && (b - v != 8 || memcmp(s + v, "TLSRPTv1", 8) != 0))
                tagrec_quote(&p.k, "tlsrpt.v_invalid", TLSRPT_SEV_ERROR, v + 1, "invalid v value",
                             s + v, b - v);
        } else if (is_rua) {
            seen_rua = true;
            parse_rua(&p, v, b);
        } else {
            tagrec_quote(&p.k, "tlsrpt.tag_unknown", TLSRPT_SEV_INFO, a + 1,
                         "extension field ignored", s + a, i - a);
        }
    }
    if (!seen_rua && !p.k.oom)
        tagrec_add(&p.k, "tlsrpt.rua_missing", TLSRPT_SEV_ERROR, 0,
                   xstrdup("required field rua (report destinations) is missing"));
done:
    if (p.k.oom)
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
    tagrec_problems_free(r->problems, r->nproblems);
    free(r);
}
