/* spf_eval.c — check_host() of RFC 7208 §4: record lookup and selection (§4.4,
 * §4.5), mechanism evaluation (§5), redirect/exp (§6), macros (§7, in
 * spf_macro.c) and the processing limits of §4.6.4.
 *
 * Hand-written on purpose: no C SPF library packaged by Debian is maintained
 * well enough to depend on (libspf2 has had no release since 2012 and fails
 * parts of the RFC 7208 conformance suite), and the evaluator must report a
 * tree and lookup counts that a library would not expose. */
/* ---- core ---- */
#include "core/err.h"
#include "core/xalloc.h"
/* ---- analysis ---- */
#include "analysis/spf/spf_dns.h"
#include "analysis/spf/spf_eval.h"
#include "analysis/spf/spf_macro.h"
#include "analysis/spf/spf_record.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_EXP "%{o} does not designate %{c} as a permitted sender"

/* One run of check_host(); passed down explicitly, no globals. */
typedef struct evalctx {
    const spf_dns *dns;
    const spf_request *req;
    unsigned terms;            /* DNS-querying terms so far (§4.6.4) */
    unsigned voids;            /* void lookups so far (§4.6.4) */
    int family;                /* AF_INET or AF_INET6 */
    unsigned char ip[16];
    char ip_text[INET6_ADDRSTRLEN];
    char ip_dotted[80];
    char *sender, *local, *sender_domain;
    const char *helo;
    long long now;
    const char *cur_domain;    /* <domain> for %{p} */
    char *p_value;             /* last %{p} result (owned) */
    char reason[256];          /* first error sentence */
    bool reason_set;
    bool oom;
} evalctx;

static const char *result_names[] = {
    [SPF_RESULT_NONE] = "none",         [SPF_RESULT_NEUTRAL] = "neutral",
    [SPF_RESULT_PASS] = "pass",         [SPF_RESULT_FAIL] = "fail",
    [SPF_RESULT_SOFTFAIL] = "softfail", [SPF_RESULT_TEMPERROR] = "temperror",
    [SPF_RESULT_PERMERROR] = "permerror",
};

const char *spf_result_name(spf_result r)
{
    return (unsigned)r < sizeof result_names / sizeof result_names[0] ? result_names[r] : "?";
}

__attribute__((format(printf, 3, 4)))
static spf_result fail_with(evalctx *c, spf_result r, const char *fmt, ...)
{
    if (!c->reason_set) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->reason, sizeof c->reason, fmt, ap);
        va_end(ap);
        c->reason_set = true;
    }
    return r;
}

/* A name we are willing to put into a query: 1..253 octets, labels 1..63.
 * Anything else behaves as if the name did not exist (RFC 1035 §2.3.4). */
static bool query_name_ok(const char *s)
{
    size_t len = strlen(s), lab = 0;
    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (s[i] == '.' || s[i] == '\0') {
            if (lab == 0 || lab > 63)
                return false;
            lab = 0;
        } else {
            lab++;
        }
    }
    return true;
}

/* Run one query. On SPF_DNS_OK *ans holds at least one record (free with
 * answer_free); otherwise *ans is NULL. Sets c->oom on allocation failure. */
static spf_dns_status query(evalctx *c, spf_rrtype t, const char *name, spf_answer **ans)
{
    *ans = NULL;
    if (!query_name_ok(name))
        return SPF_DNS_NXDOMAIN;
    spf_answer *a = calloc(1, sizeof *a);
    if (!a) {
        c->oom = true;
        return SPF_DNS_ERROR;
    }
    spf_dns_status st = c->dns->lookup(c->dns->ctx, t, name, a);
    if (st == SPF_DNS_OK && a->n == 0)
        st = SPF_DNS_NODATA;
    if (st != SPF_DNS_OK) {
        spf_answer_clear(a);
        free(a);
        return st;
    }
    *ans = a;
    return st;
}

static void answer_free(spf_answer *a)
{
    spf_answer_clear(a);
    free(a);
}

static bool count_term(evalctx *c)
{
    /* §4.6.4: at most 10 mechanisms/modifiers that query DNS. */
    return ++c->terms <= SPF_MAX_DNS_TERMS;
}

static bool count_void(evalctx *c)
{
    return ++c->voids <= SPF_MAX_VOID;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static bool addr_matches(const evalctx *c, const spf_answer_rr *rr, int cidr4, int cidr6)
{
    if (c->family == AF_INET && rr->addrlen == 4)
        return prefix_match(c->ip, rr->addr, cidr4);
    if (c->family == AF_INET6 && rr->addrlen == 16)
        return prefix_match(c->ip, rr->addr, cidr6);
    return false;
}

static void reverse_name(const evalctx *c, char *out, size_t len)
{
    if (c->family == AF_INET) {
        snprintf(out, len, "%u.%u.%u.%u.in-addr.arpa", c->ip[3], c->ip[2], c->ip[1], c->ip[0]);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 15; i >= 0; i--) {
        out[o++] = hex[c->ip[i] & 0xf];
        out[o++] = '.';
        out[o++] = hex[c->ip[i] >> 4];
        out[o++] = '.';
    }
    snprintf(out + o, len - o, "ip6.arpa");
}

/* The client's validated names (§5.5): PTR names of the IP, at most 10 of
 * them, whose A/AAAA records contain the IP. DNS errors skip the name.
 * Returns the count; names[] entries are allocated. */
static size_t validated_names(evalctx *c, char *names[SPF_MAX_PTR_NAMES], spf_dns_status *ptr_st)
{
    char rev[80];
    spf_answer *ptr = NULL;
    size_t n = 0;

    reverse_name(c, rev, sizeof rev);
    *ptr_st = query(c, SPF_RR_PTR, rev, &ptr);
    if (*ptr_st != SPF_DNS_OK)
        return 0;
    for (size_t i = 0; i < ptr->n && i < SPF_MAX_PTR_NAMES; i++) {
        spf_answer *addrs = NULL;
        spf_rrtype t = c->family == AF_INET ? SPF_RR_A : SPF_RR_AAAA;
        if (query(c, t, ptr->rr[i].data, &addrs) != SPF_DNS_OK)
            continue;
        for (size_t k = 0; k < addrs->n; k++) {
            if (addrs->rr[k].addrlen == (c->family == AF_INET ? 4u : 16u) &&
                memcmp(addrs->rr[k].addr, c->ip, addrs->rr[k].addrlen) == 0) {
                if ((names[n] = xstrdup(ptr->rr[i].data)) != NULL)
                    n++;
                else
                    c->oom = true;
                break;
            }
        }
        answer_free(addrs);
    }
    answer_free(ptr);
    return n;
}

/* name equals domain or ends with "." domain, without case (§5.5). */
static bool is_within(const char *name, const char *domain)
{
    size_t nl = strlen(name), dl = strlen(domain);
    if (nl == dl)
        return strcasecmp(name, domain) == 0;
    return nl > dl && name[nl - dl - 1] == '.' && strcasecmp(name + nl - dl, domain) == 0;
}

/* %{p} (§7.2): the domain itself if validated, else a subdomain, else any. */
static const char *macro_p(void *arg)
{
    evalctx *c = arg;
    char *names[SPF_MAX_PTR_NAMES];
    spf_dns_status st;
    size_t n = validated_names(c, names, &st);
    size_t pick = n;

    for (size_t i = 0; i < n && pick == n; i++)
        if (strcasecmp(names[i], c->cur_domain) == 0)
            pick = i;
    for (size_t i = 0; i < n && pick == n; i++)
        if (is_within(names[i], c->cur_domain))
            pick = i;
    if (pick == n && n > 0)
        pick = 0;
    free(c->p_value);
    c->p_value = xstrdup(pick < n ? names[pick] : "unknown");
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return c->p_value ? c->p_value : "unknown";
}

static void macro_vars(evalctx *c, const char *domain, spf_macro_vars *v)
{
    memset(v, 0, sizeof *v);
    v->sender = c->sender;
    v->local = c->local;
    v->sender_domain = c->sender_domain;
    v->domain = domain;
    v->ip_dotted = c->ip_dotted;
    v->ip_text = c->ip_text;
    v->ip_version = c->family == AF_INET ? "in-addr" : "ip6";
    v->helo = c->helo;
    v->receiver = c->req->receiver;
    v->now = c->now;
    v->validated = macro_p;
    v->validated_arg = c;
    c->cur_domain = domain;
}

/* Expand a term's domain-spec (or take <domain> when it has none) into an
 * allocated target name without trailing dot. Returns NULL on error with *res
 * set to permerror (or c->oom). */
static char *target_of(evalctx *c, const char *domain, const spf_term *t, spf_result *res)
{
    char *out = NULL;
    err e;
    spf_macro_vars v;

    if (!t->domain) {
        if (!(out = xstrdup(domain)))
            c->oom = true;
        return out;
    }
    err_clear(&e);
    macro_vars(c, domain, &v);
    if (spf_macro_expand(t->domain, strlen(t->domain), SPF_MACRO_DOMAIN, &v, &out, &e) < 0) {
        if (e.cls == ERRC_INTERNAL)
            c->oom = true;
        *res = fail_with(c, SPF_RESULT_PERMERROR, "cannot expand '%.60s' in %s: %s", t->text,
                         domain, e.msg);
        return NULL;
    }
    size_t len = strlen(out);
    if (len > 0 && out[len - 1] == '.')
        out[len - 1] = '\0';
    return out;
}

static spf_node *node_add(evalctx *c, spf_node *parent, spf_node_kind kind, const char *domain)
{
    spf_node *n = calloc(1, sizeof *n);
    spf_node **v = NULL;
    if (!n || !(n->domain = xstrdup(domain)) ||
        !(v = realloc(parent->children, (parent->nchildren + 1) * sizeof *v))) {
        if (n)
            free(n->domain);
        free(n);
        c->oom = true;
        return NULL;
    }
    n->kind = kind;
    parent->children = v;
    v[parent->nchildren++] = n;
    return n;
}

static void node_free(spf_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nchildren; i++)
        node_free(n->children[i]);
    free(n->children);
    free(n->domain);
    free(n->record);
    free(n->matched);
    free(n->reason);
    free(n);
}

static spf_result eval_domain(evalctx *c, const char *domain, spf_node *node, bool want_exp,
                              char **exp);

/* Mechanism outcomes inside this file. */
enum { NOMATCH = 0, MATCH = 1, ERROR = -1 };

static int eval_include(evalctx *c, const char *domain, const spf_term *t, spf_node *node,
                        spf_result *res)
{
    char *target = target_of(c, domain, t, res);
    if (!target)
        return ERROR;
    spf_node *child = node_add(c, node, SPF_NODE_INCLUDE, target);
    spf_result r = child ? eval_domain(c, target, child, false, NULL) : SPF_RESULT_TEMPERROR;
    int m = ERROR;
    /* §5.2: pass matches; fail/softfail/neutral do not; none is a permerror. */
    switch (r) {
    case SPF_RESULT_PASS: m = MATCH; break;
    case SPF_RESULT_FAIL:
    case SPF_RESULT_SOFTFAIL:
    case SPF_RESULT_NEUTRAL: m = NOMATCH; break;
    case SPF_RESULT_TEMPERROR: *res = SPF_RESULT_TEMPERROR; break;
    case SPF_RESULT_NONE:
        *res = fail_with(c, SPF_RESULT_PERMERROR, "'%.60s' in %s: %s has no SPF record",
                         t->text, domain, target);
        break;
    case SPF_RESULT_PERMERROR: *res = SPF_RESULT_PERMERROR; break;
    }
    free(target);
    return m;
}

/* a, mx, exists: query, and match addresses (exists: any A record). */
static int eval_addr_mech(evalctx *c, const char *domain, const spf_term *t, spf_result *res)
{
    char *target = target_of(c, domain, t, res);
    spf_answer *ans = NULL, *mx = NULL;
    spf_rrtype at = c->family == AF_INET ? SPF_RR_A : SPF_RR_AAAA;
    int m = NOMATCH;

    if (!target)
        return ERROR;
    spf_rrtype qt = t->mech == SPF_MECH_MX ? SPF_RR_MX : t->mech == SPF_MECH_EXISTS ? SPF_RR_A : at;
    spf_dns_status st = query(c, qt, target, t->mech == SPF_MECH_MX ? &mx : &ans);
    if (st == SPF_DNS_ERROR) {
        *res = fail_with(c, SPF_RESULT_TEMPERROR, "DNS error for '%.60s' (%s) in %s", t->text,
                         target, domain);
        m = ERROR;
        goto out;
    }
    if (st != SPF_DNS_OK) {
        if (!count_void(c)) {
            *res = fail_with(c, SPF_RESULT_PERMERROR,
                             "more than %d void lookups, the last for '%.60s' in %s "
                             "(RFC 7208 §4.6.4)", SPF_MAX_VOID, t->text, domain);
            m = ERROR;
        }
        goto out;
    }
    if (t->mech == SPF_MECH_EXISTS) {
        m = MATCH;
        goto out;
    }
    if (t->mech == SPF_MECH_A) {
        for (size_t i = 0; i < ans->n && m == NOMATCH; i++)
            if (addr_matches(c, &ans->rr[i], t->cidr4, t->cidr6))
                m = MATCH;
        goto out;
    }
    /* mx: §4.6.4, more than 10 MX names is a permerror. */
    if (mx->n > SPF_MAX_MX_NAMES || mx->truncated) {
        *res = fail_with(c, SPF_RESULT_PERMERROR, "'%.60s' in %s: %s has more than %d MX names",
                         t->text, domain, target, SPF_MAX_MX_NAMES);
        m = ERROR;
        goto out;
    }
    for (size_t i = 0; i < mx->n && m == NOMATCH; i++) {
        if (mx->rr[i].len == 0) /* null MX (RFC 7505) names no host */
            continue;
        st = query(c, at, mx->rr[i].data, &ans);
        if (st == SPF_DNS_ERROR) {
            *res = fail_with(c, SPF_RESULT_TEMPERROR, "DNS error for MX host %.80s in %s",
                             mx->rr[i].data, domain);
            m = ERROR;
            break;
        }
        for (size_t k = 0; ans && k < ans->n && m == NOMATCH; k++)
            if (addr_matches(c, &ans->rr[k], t->cidr4, t->cidr6))
                m = MATCH;
        answer_free(ans);
        ans = NULL;
    }
out:
    answer_free(ans);
    answer_free(mx);
    free(target);
    return m;
}

static int eval_ptr(evalctx *c, const char *domain, const spf_term *t, spf_result *res)
{
    char *target = target_of(c, domain, t, res);
    char *names[SPF_MAX_PTR_NAMES];
    spf_dns_status st;
    int m = NOMATCH;

    if (!target)
        return ERROR;
    size_t n = validated_names(c, names, &st);
    /* §5.5: a DNS error on the PTR query just means no match. */
    if ((st == SPF_DNS_NXDOMAIN || st == SPF_DNS_NODATA) && !count_void(c)) {
        *res = fail_with(c, SPF_RESULT_PERMERROR, "more than %d void lookups, the last for "
                         "'%.60s' in %s (RFC 7208 §4.6.4)", SPF_MAX_VOID, t->text, domain);
        m = ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        if (m == NOMATCH && is_within(names[i], target))
            m = MATCH;
        free(names[i]);
    }
    free(target);
    return m;
}

static int eval_mech(evalctx *c, const char *domain, const spf_term *t, spf_node *node,
                     spf_result *res)
{
    switch (t->mech) {
    case SPF_MECH_ALL:
        return MATCH;
    case SPF_MECH_IP4:
        return c->family == AF_INET && prefix_match(c->ip, t->addr, t->cidr4) ? MATCH : NOMATCH;
    case SPF_MECH_IP6:
        return c->family == AF_INET6 && prefix_match(c->ip, t->addr, t->cidr6) ? MATCH : NOMATCH;
    default:
        break;
    }
    if (!count_term(c)) {
        *res = fail_with(c, SPF_RESULT_PERMERROR,
                         "more than %d DNS-querying terms, at '%.60s' in %s (RFC 7208 §4.6.4)",
                         SPF_MAX_DNS_TERMS, t->text, domain);
        return ERROR;
    }
    switch (t->mech) {
    case SPF_MECH_INCLUDE:
        return eval_include(c, domain, t, node, res);
    case SPF_MECH_PTR:
        return eval_ptr(c, domain, t, res);
    default:
        return eval_addr_mech(c, domain, t, res);
    }
}

static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* §6.2: the explanation for a fail. Any problem with exp= (DNS error, no or
 * several TXT records, bad syntax, non-ASCII) falls back to the default. */
static char *explain(evalctx *c, const char *domain, const spf_record *rec)
{
    char *out = NULL, *target = NULL;
    spf_answer *txt = NULL;
    spf_macro_vars v;
    spf_result dummy;
    err e;

    err_clear(&e);
    /* A broken exp= must not become the reason for the fail result. */
    bool had_reason = c->reason_set;
    if (rec->exp)
        target = target_of(c, domain, rec->exp, &dummy);
    c->reason_set = had_reason;
    if (target &&
        query(c, SPF_RR_TXT, target, &txt) == SPF_DNS_OK && txt->n == 1 &&
        printable(txt->rr[0].data, txt->rr[0].len)) {
        macro_vars(c, domain, &v);
        if (spf_macro_expand(txt->rr[0].data, txt->rr[0].len, SPF_MACRO_EXP, &v, &out, &e) < 0)
            out = NULL;
    }
    answer_free(txt);
    free(target);
    if (!out) {
        const char *def = c->req->default_exp ? c->req->default_exp : DEFAULT_EXP;
        macro_vars(c, domain, &v);
        if (spf_macro_expand(def, strlen(def), SPF_MACRO_EXP, &v, &out, &e) < 0)
            out = xstrdup(def);
    }
    if (!out)
        c->oom = true;
    return out;
}

static spf_result qual_result(spf_qualifier q)
{
    switch (q) {
    case SPF_QUAL_FAIL: return SPF_RESULT_FAIL;
    case SPF_QUAL_SOFTFAIL: return SPF_RESULT_SOFTFAIL;
    case SPF_QUAL_NEUTRAL: return SPF_RESULT_NEUTRAL;
    default: return SPF_RESULT_PASS;
    }
}

/* Find the one SPF record of `domain` (§4.4, §4.5). Returns SPF_RESULT_PASS
 * as "found" with *text allocated, or none/temperror/permerror. */
static spf_result fetch_record(evalctx *c, const char *domain, char **text, size_t *len)
{
    spf_answer *txt = NULL;
    spf_dns_status st = query(c, SPF_RR_TXT, domain, &txt);
    size_t found = 0, idx = 0;

    *text = NULL;
    if (st == SPF_DNS_ERROR)
        return fail_with(c, SPF_RESULT_TEMPERROR, "DNS error looking up TXT of %s", domain);
    if (st != SPF_DNS_OK)
        return SPF_RESULT_NONE;
    for (size_t i = 0; i < txt->n; i++) {
        if (spf_record_is_spf(txt->rr[i].data, txt->rr[i].len)) {
            found++;
            idx = i;
        }
    }
    if (found == 1) {
        *len = txt->rr[idx].len;
        if (!(*text = malloc(*len + 1))) {
            c->oom = true;
            answer_free(txt);
            return SPF_RESULT_TEMPERROR;
        }
        memcpy(*text, txt->rr[idx].data, *len + 1);
    }
    answer_free(txt);
    if (found > 1) /* §4.5: more than one record is a permerror */
        return fail_with(c, SPF_RESULT_PERMERROR, "%s has %zu SPF records", domain, found);
    return found ? SPF_RESULT_PASS : SPF_RESULT_NONE;
}

static spf_result eval_record(evalctx *c, const char *domain, spf_node *node, bool want_exp,
                              char **exp)
{
    char *text = NULL;
    size_t len = 0;
    spf_record *rec = NULL;
    spf_result r = fetch_record(c, domain, &text, &len);
    err e;

    if (r != SPF_RESULT_PASS)
        return r;
    if (!(node->record = xstrdup(text)))
        c->oom = true;
    err_clear(&e);
    if (spf_record_parse(text, len, &rec, &e) < 0) {
        free(text);
        if (e.cls == ERRC_INTERNAL)
            c->oom = true;
        return fail_with(c, SPF_RESULT_PERMERROR, "syntax error in SPF record of %s: %s",
                         domain, e.msg);
    }
    free(text);
    for (size_t i = 0; i < rec->nterms && !c->oom; i++) {
        const spf_term *t = &rec->terms[i];
        if (t->kind != SPF_TERM_MECH)
            continue;
        int m = eval_mech(c, domain, t, node, &r);
        if (m == ERROR)
            goto out;
        if (m == MATCH) {
            node->matched = xstrdup(t->text);
            r = qual_result(t->qual);
            if (r == SPF_RESULT_FAIL && want_exp && exp)
                *exp = explain(c, domain, rec);
            goto out;
        }
    }
    r = SPF_RESULT_NEUTRAL; /* §4.7: no match and no redirect */
    if (rec->redirect) {
        const spf_term *t = rec->redirect;
        node->matched = xstrdup(t->text);
        if (!count_term(c)) {
            r = fail_with(c, SPF_RESULT_PERMERROR,
                          "more than %d DNS-querying terms, at '%.60s' in %s (RFC 7208 §4.6.4)",
                          SPF_MAX_DNS_TERMS, t->text, domain);
            goto out;
        }
        char *target = target_of(c, domain, t, &r);
        if (!target)
            goto out;
        spf_node *child = node_add(c, node, SPF_NODE_REDIRECT, target);
        /* §6.1: the redirect target's result (and its exp) replaces ours. */
        r = child ? eval_domain(c, target, child, want_exp, exp) : SPF_RESULT_TEMPERROR;
        if (r == SPF_RESULT_NONE)
            r = fail_with(c, SPF_RESULT_PERMERROR, "redirect target %s of %s has no SPF record",
                          target, domain);
        free(target);
    }
out:
    spf_record_free(rec);
    return r;
}

static spf_result eval_domain(evalctx *c, const char *domain, spf_node *node, bool want_exp,
                              char **exp)
{
    spf_result r = eval_record(c, domain, node, want_exp, exp);
    node->result = r;
    node->lookups = c->terms;
    if (r == SPF_RESULT_NONE || r == SPF_RESULT_TEMPERROR || r == SPF_RESULT_PERMERROR) {
        const char *why = c->reason_set ? c->reason : "no SPF record";
        if (!(node->reason = xstrdup(why)))
            c->oom = true;
    }
    return r;
}

/* §4.3: a malformed or single-label <domain> gives "none" before any query. */
static bool initial_domain_ok(const char *d)
{
    size_t len = strlen(d);
    char tmp[256];
    if (len == 0 || d[0] == '[' || len >= sizeof tmp)
        return false;
    memcpy(tmp, d, len + 1);
    if (tmp[len - 1] == '.')
        tmp[--len] = '\0';
    return strchr(tmp, '.') != NULL && query_name_ok(tmp);
}

static int setup_ip(evalctx *c, const char *ip)
{
    unsigned char a6[16];
    if (ip && inet_pton(AF_INET, ip, c->ip) == 1) {
        c->family = AF_INET;
    } else if (ip && inet_pton(AF_INET6, ip, a6) == 1) {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(a6, mapped, 12) == 0) { /* IPv4-mapped: treat as the IPv4 client */
            c->family = AF_INET;
            memcpy(c->ip, a6 + 12, 4);
        } else {
            c->family = AF_INET6;
            memcpy(c->ip, a6, 16);
        }
    } else {
        return -1;
    }
    inet_ntop(c->family, c->ip, c->ip_text, sizeof c->ip_text);
    if (c->family == AF_INET) {
        snprintf(c->ip_dotted, sizeof c->ip_dotted, "%s", c->ip_text);
    } else {
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;
        for (int i = 0; i < 16; i++) {
            c->ip_dotted[o++] = hex[c->ip[i] >> 4];
            c->ip_dotted[o++] = '.';
            c->ip_dotted[o++] = hex[c->ip[i] & 0xf];
            c->ip_dotted[o++] = i < 15 ? '.' : '\0';
        }
    }
    return 0;
}

/* §4.1/§4.3: <sender> is MAIL FROM, or postmaster@helo when it is empty; a
 * missing local part becomes "postmaster". */
static int setup_sender(evalctx *c, const spf_request *req)
{
    const char *s = req->sender && req->sender[0] ? req->sender : NULL;
    const char *at = s ? strrchr(s, '@') : NULL;

    if (!s) {
        c->local = xstrdup("postmaster");
        c->sender_domain = xstrdup(c->helo);
    } else if (!at) {
        c->local = xstrdup("postmaster");
        c->sender_domain = xstrdup(s);
    } else {
        c->local = at == s ? xstrdup("postmaster") : xstrndup(s, (size_t)(at - s));
        c->sender_domain = xstrdup(at + 1);
    }
    if (!c->local || !c->sender_domain)
        return -1;
    c->sender = xasprintf("%s@%s", c->local, c->sender_domain);
    return c->sender ? 0 : -1;
}

void spf_outcome_free(spf_outcome *o)
{
    if (!o)
        return;
    free(o->domain);
    free(o->explanation);
    free(o->reason);
    node_free(o->tree);
    free(o);
}

int spf_check_host(const spf_dns *dns, const spf_request *req, spf_outcome **out, err *e)
{
    evalctx c = { .dns = dns, .req = req };
    spf_outcome *o = NULL;
    const char *domain;
    int rc = -1;

    *out = NULL;
    c.helo = req->helo ? req->helo : "";
    c.now = req->now ? req->now : (long long)time(NULL);
    if (setup_ip(&c, req->ip) < 0) {
        err_set(e, ERRC_LOCAL_INPUT, "'%.60s' is not an IP address", req->ip ? req->ip : "");
        goto out;
    }
    if (setup_sender(&c, req) < 0 || !(o = calloc(1, sizeof *o)))
        goto oom;
    domain = req->domain ? req->domain : c.sender_domain;
    if (!(o->domain = xstrdup(domain)))
        goto oom;
    {
        size_t dl = strlen(o->domain);
        if (dl > 1 && o->domain[dl - 1] == '.')
            o->domain[dl - 1] = '\0';
    }
    if (!initial_domain_ok(o->domain)) {
        o->result = SPF_RESULT_NONE;
        o->reason = xasprintf("'%.80s' is not a usable domain name (RFC 7208 §4.3)", domain);
    } else {
        if (!(o->tree = calloc(1, sizeof *o->tree)) || !(o->tree->domain = xstrdup(o->domain)))
            goto oom;
        o->tree->kind = SPF_NODE_TOP;
        o->result = eval_domain(&c, o->domain, o->tree, true, &o->explanation);
        if (c.oom)
            goto oom;
        if (c.reason_set)
            o->reason = xstrdup(c.reason);
        else if (o->result == SPF_RESULT_NONE)
            o->reason = xasprintf("%s has no SPF record", o->domain);
        else if (o->tree->matched)
            o->reason = xasprintf("'%s' matched", o->tree->matched);
        else
            o->reason = xstrdup("no mechanism matched (default neutral, RFC 7208 §4.7)");
    }
    if (!o->reason)
        goto oom;
    o->dns_terms = c.terms;
    o->void_lookups = c.voids;
    *out = o;
    o = NULL;
    rc = 0;
    goto out;
oom:
    err_set(e, ERRC_INTERNAL, "out of memory");
out:
    spf_outcome_free(o);
    free(c.sender);
    free(c.local);
    free(c.sender_domain);
    free(c.p_value);
    return rc;
}
