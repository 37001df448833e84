/* spf_record.c — strict parser for one SPF record (RFC 7208 §4.5, §4.6, §12).
 *
 * A record is "v=spf1" followed by terms separated by one or more spaces
 * (§4.6.1; trailing spaces allowed). Each term is a mechanism with an optional
 * qualifier, or a modifier name=value. Only printable ASCII is accepted (§3.1,
 * §4.6.1: other control characters are not separators). The first syntax
 * error anywhere makes the record a permerror (§4.6), even past a match. */
/* ---- core ---- */
#include "core/err.h"
#include "core/xalloc.h"
/* ---- analysis ---- */
#include "analysis/spf/spf_macro.h"
#include "analysis/spf/spf_record.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    spf_mech mech;
} mech_table[] = {
    { "all", SPF_MECH_ALL }, { "include", SPF_MECH_INCLUDE }, { "a", SPF_MECH_A },
    { "mx", SPF_MECH_MX },   { "ptr", SPF_MECH_PTR },         { "ip4", SPF_MECH_IP4 },
    { "ip6", SPF_MECH_IP6 }, { "exists", SPF_MECH_EXISTS },
};

const char *spf_mech_name(spf_mech m)
{
    for (size_t i = 0; i < sizeof mech_table / sizeof mech_table[0]; i++)
        if (mech_table[i].mech == m)
            return mech_table[i].name;
    return "?";
}

bool spf_record_is_spf(const char *s, size_t n)
{
    return n >= 6 && strncasecmp(s, "v=spf1", 6) == 0 && (n == 6 || s[6] == ' ');
}

/* toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool toplabel_ok(const char *s, size_t n)
{
    bool alpha = false, dash = false;
    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-')
            dash = true;
        else if (isalpha(c))
            alpha = true;
        else if (!isdigit(c))
            return false;
    }
    return alpha || dash;
}

/* domain-spec = macro-string domain-end
 * domain-end  = ( "." toplabel [ "." ] ) / macro-expand          (§7.1) */
static bool domain_spec_ok(const char *s, size_t n, size_t *bad)
{
    size_t last_macro = 0;
    *bad = 0;
    if (n == 0)
        return false;
    if (spf_macro_check(s, n, SPF_MACRO_DOMAIN, bad, &last_macro) < 0)
        return false;
    if (last_macro == n)
        return true;
    size_t end = n;
    if (s[end - 1] == '.')
        end--;
    size_t dot = end;
    while (dot > 0 && s[dot - 1] != '.')
        dot--;
    *bad = dot;
    if (dot == 0) /* no "." before the top label */
        return false;
    return toplabel_ok(s + dot, end - dot);
}

/* A CIDR length: "0" or a number without leading zero, at most `max`. */
static int cidr_value(const char *s, size_t n, int max)
{
    int v = 0;
    if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= max ? v : -1;
}

/* Length of a trailing "/digits" in s[0..n), including the slash; 0 if none. */
static size_t trailing_cidr(const char *s, size_t n)
{
    size_t d = n;
    while (d > 0 && isdigit((unsigned char)s[d - 1]))
        d--;
    if (d == n || d == 0 || s[d - 1] != '/')
        return 0;
    return n - d + 1;
}

/* dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] at the end
 * of s[0..*n); shortens *n to what precedes it. Returns 0 or -1. */
static int split_dual_cidr(const char *s, size_t *n, int *c4, int *c6)
{
    size_t t = trailing_cidr(s, *n);
    if (t && *n - t >= 1 && s[*n - t - 1] == '/') { /* "//nn" */
        if ((*c6 = cidr_value(s + *n - t + 1, t - 1, 128)) < 0)
            return -1;
        *n -= t + 1;
        t = trailing_cidr(s, *n);
    }
    if (t) {
        if ((*c4 = cidr_value(s + *n - t + 1, t - 1, 32)) < 0)
            return -1;
        *n -= t;
    }
    return 0;
}

/* dotted-quad with dec-octet = 0-255 without leading zeros (RFC 7208 §5.6
 * refers to RFC 3986 IPv4address). */
static bool parse_ip4(const char *s, size_t n, unsigned char out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        size_t st = i;
        unsigned v = 0;
        while (i < n && isdigit((unsigned char)s[i]) && i - st < 4)
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t len = i - st;
        if (len == 0 || len > 3 || v > 255 || (len > 1 && s[st] == '0'))
            return false;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
    }
    return i == n;
}

static int term_error(err *e, const spf_term *t, const char *what)
{
    return err_set(e, ERRC_PROTOCOL, "%s '%.60s' at column %zu", what, t->text, t->column);
}

static int parse_modifier(spf_term *t, const char *s, size_t n, size_t eq, err *e)
{
    size_t bad;
    const char *val = s + eq + 1;
    size_t vlen = n - eq - 1;

    if (eq == 0 || !isalpha((unsigned char)s[0]))
        return term_error(e, t, "invalid modifier name in");
    if (!(t->name = xstrndup(s, eq)) || !(t->domain = xstrndup(val, vlen)))
        return err_set(e, ERRC_INTERNAL, "out of memory");
    if (strcasecmp(t->name, "redirect") == 0 || strcasecmp(t->name, "exp") == 0) {
        t->kind = tolower((unsigned char)t->name[0]) == 'r' ? SPF_TERM_REDIRECT : SPF_TERM_EXP;
        if (!domain_spec_ok(val, vlen, &bad))
            return term_error(e, t, "invalid domain-spec in modifier");
        return 0;
    }
    t->kind = SPF_TERM_UNKNOWN;
    if (spf_macro_check(val, vlen, SPF_MACRO_MODIFIER, &bad, NULL) < 0)
        return term_error(e, t, "invalid macro-string in modifier");
    return 0;
}

static int parse_mechanism(spf_term *t, const char *s, size_t n, err *e)
{
    size_t i = 0, bad;

    t->kind = SPF_TERM_MECH;
    t->qual = SPF_QUAL_PASS;
    if (n > 0 && strchr("+-~?", s[0])) {
        t->qual = (spf_qualifier)s[0];
        i = 1;
    }
    size_t nst = i;
    while (i < n && isalnum((unsigned char)s[i]))
        i++;
    size_t nlen = i - nst;
    bool found = false;
    for (size_t k = 0; k < sizeof mech_table / sizeof mech_table[0]; k++) {
        if (strlen(mech_table[k].name) == nlen &&
            strncasecmp(mech_table[k].name, s + nst, nlen) == 0) {
            t->mech = mech_table[k].mech;
            found = true;
        }
    }
    if (!found || (i < n && s[i] != ':' && s[i] != '/'))
        return term_error(e, t, "unknown mechanism");

    const char *rest = s + i;
    size_t rlen = n - i;
    bool colon = rlen > 0 && rest[0] == ':';
    const char *arg = colon ? rest + 1 : rest;
    size_t alen = colon ? rlen - 1 : rlen;

    switch (t->mech) {
    case SPF_MECH_ALL:
        if (rlen)
            return term_error(e, t, "'all' takes no argument:");
        return 0;
    case SPF_MECH_INCLUDE:
    case SPF_MECH_EXISTS:
    case SPF_MECH_PTR:
        if (!colon) {
            if (rlen || t->mech != SPF_MECH_PTR)
                return term_error(e, t, "missing or bad domain-spec in");
            return 0;
        }
        if (!domain_spec_ok(arg, alen, &bad))
            return term_error(e, t, "invalid domain-spec in");
        break;
    case SPF_MECH_A:
    case SPF_MECH_MX:
        if (split_dual_cidr(arg, &alen, &t->cidr4, &t->cidr6) < 0)
            return term_error(e, t, "invalid CIDR length in");
        if (!colon) {
            if (alen)
                return term_error(e, t, "unknown mechanism");
            return 0;
        }
        if (!domain_spec_ok(arg, alen, &bad))
            return term_error(e, t, "invalid domain-spec in");
        break;
    case SPF_MECH_IP4:
    case SPF_MECH_IP6: {
        if (!colon)
            return term_error(e, t, "missing address in");
        bool v4 = t->mech == SPF_MECH_IP4;
        size_t c = trailing_cidr(arg, alen);
        if (c) {
            int v = cidr_value(arg + alen - c + 1, c - 1, v4 ? 32 : 128);
            if (v < 0)
                return term_error(e, t, "invalid CIDR length in");
            *(v4 ? &t->cidr4 : &t->cidr6) = v;
            alen -= c;
        }
        char tmp[64];
        if (alen == 0 || alen >= sizeof tmp)
            return term_error(e, t, "invalid address in");
        memcpy(tmp, arg, alen);
        tmp[alen] = '\0';
        if (v4 ? !parse_ip4(tmp, alen, t->addr) : inet_pton(AF_INET6, tmp, t->addr) != 1)
            return term_error(e, t, "invalid address in");
        return 0;
    }
    }
    if (!(t->domain = xstrndup(arg, alen)))
        return err_set(e, ERRC_INTERNAL, "out of memory");
    return 0;
}

static int parse_term(spf_term *t, const char *s, size_t n, err *e)
{
    /* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) followed by "=" makes
     * a modifier (§4.6.1); a qualifier can only start a mechanism. */
    size_t i = 0;
    if (n > 0 && !strchr("+-~?", s[0])) {
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
                         s[i] == '.'))
            i++;
        if (i < n && s[i] == '=')
            return parse_modifier(t, s, n, i, e);
    }
    return parse_mechanism(t, s, n, e);
}

void spf_record_free(spf_record *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nterms; i++) {
        free(r->terms[i].text);
        free(r->terms[i].name);
        free(r->terms[i].domain);
    }
    free(r->terms);
    free(r);
}

int spf_record_parse(const char *s, size_t n, spf_record **out, err *e)
{
    spf_record *r = NULL;
    size_t i;

    *out = NULL;
    if (n > SPF_RECORD_MAX)
        return err_set(e, ERRC_TOO_LONG, "SPF record of %zu bytes exceeds %d", n,
                       SPF_RECORD_MAX);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e)
            return err_set(e, ERRC_PROTOCOL, "%s byte 0x%02x at column %zu",
                           c > 0x7e ? "non-ASCII" : "control", c, i + 1);
    }
    if (!spf_record_is_spf(s, n))
        return err_set(e, ERRC_PROTOCOL, "record does not start with \"v=spf1\"");
    if (!(r = calloc(1, sizeof *r)))
        goto oom;
    i = 6;
    for (;;) {
        while (i < n && s[i] == ' ')
            i++;
        if (i >= n)
            break;
        size_t st = i;
        while (i < n && s[i] != ' ')
            i++;
        if (r->nterms == SPF_TERMS_MAX) {
            err_set(e, ERRC_TOO_LONG, "more than %d terms in SPF record", SPF_TERMS_MAX);
            goto fail;
        }
        spf_term *nt = realloc(r->terms, (r->nterms + 1) * sizeof *nt);
        if (!nt)
            goto oom;
        r->terms = nt;
        spf_term *t = &r->terms[r->nterms++];
        memset(t, 0, sizeof *t);
        t->cidr4 = 32;
        t->cidr6 = 128;
        t->column = st + 1;
        if (!(t->text = xstrndup(s + st, i - st)))
            goto oom;
        if (parse_term(t, s + st, i - st, e) < 0)
            goto fail;
        /* §6: redirect and exp each appear at most once. */
        if (t->kind == SPF_TERM_REDIRECT || t->kind == SPF_TERM_EXP) {
            const spf_term **slot = t->kind == SPF_TERM_REDIRECT ? &r->redirect : &r->exp;
            if (*slot) {
                term_error(e, t, "second modifier");
                goto fail;
            }
            *slot = t;
        }
    }
    /* The slots point into terms, which realloc may have moved: redo them. */
    r->redirect = r->exp = NULL;
    for (i = 0; i < r->nterms; i++) {
        if (r->terms[i].kind == SPF_TERM_REDIRECT)
            r->redirect = &r->terms[i];
        else if (r->terms[i].kind == SPF_TERM_EXP)
            r->exp = &r->terms[i];
    }
    *out = r;
    return 0;
oom:
    err_set(e, ERRC_INTERNAL, "out of memory");
fail:
    spf_record_free(r);
    return -1;
}
