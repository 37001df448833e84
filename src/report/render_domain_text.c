/* render_domain_text.c — the `domain` report for people (docs/cli/domain.md).
 *
 * Order: a header line (domain, verdict, time, DNS queries, whether DNSSEC
 * was validated), then one block per section in report order — status mark,
 * name, summary, then the details that let a person see *why*: the MX table,
 * the SPF records and the include/redirect tree with the lookup count, DKIM
 * keys, the DMARC policy and report destinations, PTR/FCrDNS, HELO and the
 * blocklist rows that matter — then the findings grouped by section with
 * advice, the notes, and the verdict last so it is the line left on screen.
 * The findings block and verdict line are shared with `check` (render_textw).
 * The SPF trees hold raw DNS text and are escaped here; every other string
 * of the model was escaped when it was stored. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/escape.h"
#include "core/stage.h"
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- analysis ---- */
#include "analysis/dkim/dkimkey.h"
#include "analysis/dmarc/dmarc.h"
#include "analysis/mtasts/mtasts.h"
#include "analysis/spf/spf_eval.h"
#include "analysis/tlsrpt/tlsrpt.h"
/* ---- checks ---- */
#include "checks/domain.h"
#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/render_domain.h"
#include "report/render_textw.h"
#include "report/result.h"

#define TABLE_COLS 6
#define SPF_TREE_DEPTH_MAX 24 /* the evaluator's limits keep trees far smaller */

static const char *const section_title[DSEC__COUNT] = {
    [DSEC_MX] = "MX",         [DSEC_SPF] = "SPF",         [DSEC_DKIM] = "DKIM",
    [DSEC_DMARC] = "DMARC",   [DSEC_MTASTS] = "MTA-STS",  [DSEC_TLSRPT] = "TLS-RPT",
    [DSEC_PTR] = "PTR",       [DSEC_HELO] = "HELO",       [DSEC_DNSBL] = "DNSBL",
};

typedef struct dw {
    textw w;
    bool verbose;
    const domain_outcome *d;
} dw;

#define P(dwp, ...) textw_printf(&(dwp)->w, __VA_ARGS__)

/* ---- a small table: columns padded to their widest cell ---- */

typedef struct cell {
    char *text;         /* owned */
    const char *color;  /* SGR or NULL */
} cell;

typedef struct table {
    cell (*rows)[TABLE_COLS]; /* owned */
    size_t n;
    bool oom;
} table;

/* Display columns of UTF-8 text: code points, not bytes (the model's strings
 * are valid UTF-8 after escaping; the marks ✓ ✗ → are one column each). */
static size_t width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void table_row(table *t)
{
    void *v = realloc(t->rows, (t->n + 1) * sizeof *t->rows);
    if (!v) {
        t->oom = true;
        return;
    }
    t->rows = v;
    memset(t->rows[t->n], 0, sizeof t->rows[t->n]);
    t->n++;
}

static void table_cell(table *t, size_t col, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void table_cell(table *t, size_t col, const char *color, const char *fmt, ...)
{
    if (!t->n || col >= TABLE_COLS)
        return;
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        t->oom = true;
        return;
    }
    cell *c = &t->rows[t->n - 1][col];
    free(c->text);
    c->text = s;
    c->color = color;
}

/* Print every row at indent, two blanks between columns, no trailing blanks. */
static void table_print(dw *o, table *t, int indent)
{
    size_t wid[TABLE_COLS] = {0};
    for (size_t r = 0; r < t->n; r++)
        for (size_t c = 0; c < TABLE_COLS; c++)
            if (t->rows[r][c].text && width(t->rows[r][c].text) > wid[c])
                wid[c] = width(t->rows[r][c].text);
    for (size_t r = 0; r < t->n; r++) {
        size_t last = 0;
        for (size_t c = 0; c < TABLE_COLS; c++)
            if (t->rows[r][c].text && t->rows[r][c].text[0])
                last = c + 1;
        P(o, "%*s", indent, "");
        for (size_t c = 0; c < last; c++) {
            const cell *ce = &t->rows[r][c];
            const char *s = ce->text ? ce->text : "";
            textw_on(&o->w, ce->color);
            P(o, "%s", s);
            textw_off(&o->w, ce->color);
            if (c + 1 < last && wid[c])
                P(o, "%*s", (int)(wid[c] - width(s) + 2), "");
        }
        P(o, "\n");
    }
    if (t->oom)
        o->w.oom = true;
    for (size_t r = 0; r < t->n; r++)
        for (size_t c = 0; c < TABLE_COLS; c++)
            free(t->rows[r][c].text);
    free(t->rows);
    *t = (table){0};
}

/* "a, b, c" of n strings; "" for none. Allocated; NULL on OOM. */
static char *join(char *const *v, size_t n, const char *sep)
{
    buf b;
    buf_init(&b, (size_t)1 << 20);
    for (size_t i = 0; i < n; i++)
        if ((i && buf_append_str(&b, sep) < 0) || buf_append_str(&b, v[i] ? v[i] : "") < 0) {
            buf_free(&b);
            return NULL;
        }
    return buf_steal(&b);
}

/* Escaped copy of raw text (the SPF tree); NULL in, NULL out. */
static char *esc(dw *o, const char *s)
{
    if (!s)
        return NULL;
    char *e = escape_display(s, strlen(s));
    if (!e)
        o->w.oom = true;
    return e;
}

/* ---- header and section lines ---- */

static void header(dw *o, const result *r)
{
    const domain_outcome *d = o->d;
    textw_on(&o->w, TEXTW_BOLD);
    P(o, "smtpscope domain %s", d->domain ? d->domain : "?");
    textw_off(&o->w, TEXTW_BOLD);
    P(o, " — %s, %lld ms, %u DNS quer%s in %u wave%s, DNSSEC %s\n", verdict_name(r->verdict),
      (long long)d->total_ms, d->queries, d->queries == 1 ? "y" : "ies", d->waves,
      d->waves == 1 ? "" : "s", d->dnssec_validated ? "validated" : "not validated");
}

static void section_line(dw *o, domain_section_id s)
{
    stage_status st = o->d->status[s];
    const char *c = textw_status_color(st);
    const char *sum = o->d->summary[s];
    P(o, "\n");
    textw_on(&o->w, c);
    P(o, "%s %s", textw_status_mark(st), section_title[s]);
    textw_off(&o->w, c);
    if (sum && sum[0])
        P(o, "%*s%s", (int)(9 - strlen(section_title[s])), "", sum);
    else if (st == SS_SKIP)
        P(o, "%*s%s", (int)(9 - strlen(section_title[s])), "", "skipped");
    P(o, "\n");
}

/* "secure" etc. only means something when answers were validated. */
static const char *dnssec_word(const dw *o, dns_dnssec s)
{
    return o->d->dnssec_validated ? dns_dnssec_name(s) : NULL;
}

/* ---- MX ---- */

static const char *port_color(port_state s)
{
    switch (s) {
    case PORT_OPEN: return TEXTW_GREEN;
    case PORT_REJECTING:
    case PORT_ERROR: return TEXTW_YELLOW;
    case PORT_REFUSED:
    case PORT_TIMEOUT:
    case PORT_UNREACHABLE: return TEXTW_RED;
    }
    return NULL;
}

static void mx_probe(dw *o, const domain_mx_host *h)
{
    const sweep_outcome *s = h->probe;
    P(o, "    ports of %s\n", h->host ? h->host : "?");
    table t = {0};
    for (size_t i = 0; i < s->n && i < SWEEP_MAX_PORTS; i++) {
        const sweep_port *p = &s->ports[i];
        table_row(&t);
        table_cell(&t, 0, NULL, "%d", p->port);
        table_cell(&t, 1, port_color(p->state), "%s", port_state_name(p->state));
        table_cell(&t, 2, NULL, "%lld ms", (long long)p->ms);
        table_cell(&t, 3, NULL, "%s", p->summary ? p->summary : "");
    }
    table_print(o, &t, 6);
}

static void mx_details(dw *o)
{
    const domain_mx *mx = &o->d->mx;
    if (mx->null_mx)
        P(o, "    null MX (RFC 7505): the domain says it accepts no mail\n");
    else if (mx->implicit)
        P(o, "    no MX record: mail goes to the domain's own address (RFC 5321 §5.1)\n");
    else if (mx->status != DNS_OK && mx->n_hosts == 0)
        P(o, "    MX lookup: %s\n", dns_status_name(mx->status));
    if (mx->null_mx || mx->n_hosts == 0)
        return;
    table t = {0};
    for (size_t i = 0; i < mx->n_hosts; i++) {
        const domain_mx_host *h = &mx->hosts[i];
        table_row(&t);
        table_cell(&t, 0, NULL, "%u", h->pref);
        table_cell(&t, 1, NULL, "%s", h->host ? h->host : "?");
        if (h->n_addrs) {
            char *a = join(h->addrs, h->n_addrs, ", ");
            table_cell(&t, 2, NULL, "%s", a ? a : "?");
            free(a);
        } else {
            table_cell(&t, 2, TEXTW_RED, "no address (%s)", dns_status_name(h->addr_status));
        }
        const char *ds = dnssec_word(o, h->dnssec);
        table_cell(&t, 3, NULL, "%s", ds ? ds : "");
        if (h->ip_literal)
            table_cell(&t, 4, TEXTW_RED, "an IP literal, not a host name");
        else if (h->cname)
            table_cell(&t, 4, TEXTW_YELLOW, "CNAME → %s", h->cname);
    }
    table_print(o, &t, 4);
    for (size_t i = 0; i < mx->n_hosts; i++)
        if (mx->hosts[i].probe)
            mx_probe(o, &mx->hosts[i]);
}

/* ---- SPF ---- */

static const char *result_color(spf_result r)
{
    switch (r) {
    case SPF_RESULT_PASS: return TEXTW_GREEN;
    case SPF_RESULT_FAIL:
    case SPF_RESULT_PERMERROR: return TEXTW_RED;
    case SPF_RESULT_SOFTFAIL:
    case SPF_RESULT_TEMPERROR: return TEXTW_YELLOW;
    case SPF_RESULT_NONE:
    case SPF_RESULT_NEUTRAL: return NULL;
    }
    return NULL;
}

/* One node and its children: an indent step per include/redirect level.
 *   example.com  softfail  matched ~all  lookups 1
 *     "v=spf1 include:_spf.example.com ~all"
 *     include:_spf.example.com  ... */
static void spf_node_text(dw *o, const spf_node *n, int depth)
{
    int ind = 6 + 2 * depth;
    char *dom = esc(o, n->domain), *rec = esc(o, n->record), *m = esc(o, n->matched),
         *why = esc(o, n->reason);
    const char *kind = n->kind == SPF_NODE_INCLUDE ? "include:" : n->kind == SPF_NODE_REDIRECT
                                                                  ? "redirect="
                                                                  : "";
    P(o, "%*s%s%s  ", ind, "", kind, dom ? dom : "?");
    textw_on(&o->w, result_color(n->result));
    P(o, "%s", spf_result_name(n->result));
    textw_off(&o->w, result_color(n->result));
    if (m)
        P(o, "  matched %s", m);
    P(o, "  lookups %u", n->lookups);
    /* The reason (set for none, temperror, permerror) travels up the tree
     * unchanged; show it once, where it arose, not on every ancestor. */
    bool from_child = false;
    for (size_t i = 0; why && n->reason && i < n->nchildren && !from_child; i++)
        from_child = n->children[i] && n->children[i]->reason &&
                     strcmp(n->children[i]->reason, n->reason) == 0;
    if (why && !from_child)
        P(o, " — %s", why);
    P(o, "\n");
    if (rec)
        P(o, "%*s\"%s\"\n", ind + 2, "", rec);
    free(dom);
    free(rec);
    free(m);
    free(why);
    if (depth >= SPF_TREE_DEPTH_MAX) {
        if (n->nchildren)
            P(o, "%*s…\n", ind + 2, "");
        return;
    }
    for (size_t i = 0; i < n->nchildren; i++)
        if (n->children[i])
            spf_node_text(o, n->children[i], depth + 1);
}

static void spf_details(dw *o)
{
    const domain_spf *spf = &o->d->spf;
    for (size_t i = 0; i < spf->n_records; i++)
        P(o, "    record   %s\n", spf->records[i] ? spf->records[i] : "");
    if (spf->n_records == 0 && o->d->status[DSEC_SPF] != SS_SKIP)
        P(o, "    no SPF record (TXT lookup: %s)\n", dns_status_name(spf->status));
    const spf_outcome *w = spf->walk;
    if (w) {
        P(o, "    lookups: %u/%d, void: %u/%d\n", w->dns_terms, SPF_MAX_DNS_TERMS,
          w->void_lookups, SPF_MAX_VOID);
        char *why = esc(o, w->reason);
        P(o, "    any other address: ");
        textw_on(&o->w, result_color(w->result));
        P(o, "%s", spf_result_name(w->result));
        textw_off(&o->w, result_color(w->result));
        P(o, "%s%s\n", why ? " — " : "", why ? why : "");
        free(why);
        if (w->tree) {
            P(o, "    tree\n");
            spf_node_text(o, w->tree, 0);
        }
    }
    const spf_outcome *e = spf->eval;
    if (e) {
        char *why = esc(o, e->reason), *exp = esc(o, e->explanation);
        P(o, "    --ip %s: ", spf->eval_ip ? spf->eval_ip : "?");
        textw_on(&o->w, result_color(e->result));
        P(o, "%s", spf_result_name(e->result));
        textw_off(&o->w, result_color(e->result));
        P(o, "%s%s (lookups %u)\n", why ? " — " : "", why ? why : "", e->dns_terms);
        if (exp)
            P(o, "      explanation: %s\n", exp);
        free(why);
        free(exp);
        if (o->verbose && e->tree)
            spf_node_text(o, e->tree, 0);
    }
}

/* ---- DKIM ---- */

static void dkim_flags(table *t, size_t col, const dkimkey_record *k)
{
    char f[160] = "";
    size_t n = 0;
    const struct {
        bool on;
        const char *text;
    } flags[] = {
        {k->revoked, "revoked"},
        {k->testing, "testing (t=y)"},
        {k->strict, "strict (t=s)"},
        {k->hashes == DKIMKEY_HASH_SHA1, "sha1 only"},
        {!k->service_email, "not for email"},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i].on && n < sizeof f)
            n += (size_t)snprintf(f + n, sizeof f - n, "%s%s", n ? ", " : "", flags[i].text);
    const char *c = k->revoked ? TEXTW_YELLOW : NULL;
    table_cell(t, col, c, "%s", f);
}

static void dkim_details(dw *o)
{
    const domain_dkim *dk = &o->d->dkim;
    if (dk->defaults_used)
        P(o, "    no --selector given: tried %zu common selector%s, found %zu\n", dk->n_tried,
          dk->n_tried == 1 ? "" : "s", dk->n_keys);
    table t = {0};
    for (size_t i = 0; i < dk->n_keys; i++) {
        const domain_dkim_key *k = &dk->keys[i];
        table_row(&t);
        table_cell(&t, 0, NULL, "%s", k->selector ? k->selector : "?");
        if (!k->key) {
            table_cell(&t, 1, TEXTW_RED, "no key (%s)", dns_status_name(k->status));
            continue;
        }
        const dkimkey_record *kr = k->key;
        dkimkey_type ty = kr->key_type != DKIMKEY_TYPE_UNKNOWN ? kr->key_type : kr->k;
        bool rsa = kr->key_type == DKIMKEY_TYPE_RSA;
        const char *bits_color = rsa && kr->key_bits < 1024   ? TEXTW_RED
                                 : rsa && kr->key_bits < 2048 ? TEXTW_YELLOW
                                                              : NULL;
        if (kr->key_bits)
            table_cell(&t, 1, bits_color, "%s %u bits", dkimkey_type_name(ty), kr->key_bits);
        else
            table_cell(&t, 1, NULL, "%s", dkimkey_type_name(ty));
        const char *ds = dnssec_word(o, k->dnssec);
        table_cell(&t, 2, NULL, "%s", ds ? ds : "");
        dkim_flags(&t, 3, kr);
    }
    table_print(o, &t, 4);
    if (o->verbose)
        for (size_t i = 0; i < dk->n_keys; i++)
            if (dk->keys[i].record)
                P(o, "    %s: %s\n", dk->keys[i].name ? dk->keys[i].name : "?",
                  dk->keys[i].record);
}

/* ---- DMARC ---- */

static void dmarc_details(dw *o)
{
    const domain_dmarc *dm = &o->d->dmarc;
    if (!dm->record) {
        if (o->d->status[DSEC_DMARC] != SS_SKIP)
            P(o, "    no DMARC record (lookup: %s)\n", dns_status_name(dm->status));
        return;
    }
    P(o, "    found at  %s", dm->found_at ? dm->found_at : "?");
    if (dm->from_org && dm->org_domain)
        P(o, " (the organisational domain %s)", dm->org_domain);
    P(o, "\n    record    %s\n", dm->record);
    if (dm->n_records > 1)
        P(o, "              %zu DMARC records there; receivers ignore them all\n",
          dm->n_records);
    const dmarc_record *p = dm->parsed;
    if (p) {
        dmarc_policy sp = p->sp != DMARC_POLICY_UNSET ? p->sp : p->p;
        P(o, "    policy    p=%s sp=%s%s pct=%d adkim=%c aspf=%c\n", dmarc_policy_name(p->p),
          dmarc_policy_name(sp), p->sp == DMARC_POLICY_UNSET ? " (from p)" : "", p->pct,
          p->adkim ? p->adkim : 'r', p->aspf ? p->aspf : 'r');
    }
    table t = {0};
    for (size_t i = 0; i < dm->n_dests; i++) {
        const domain_dmarc_dest *dd = &dm->dests[i];
        table_row(&t);
        /* "reports " pads to the width of the labels above. */
        table_cell(&t, 0, NULL, "%s", i == 0 ? "reports " : "");
        table_cell(&t, 1, NULL, "%s", dd->uri ? dd->uri : "?");
        if (!dd->external)
            table_cell(&t, 2, NULL, "same organisation");
        else if (dd->authorized)
            table_cell(&t, 2, TEXTW_GREEN, "external, authorised: yes");
        else
            table_cell(&t, 2, TEXTW_RED, "external, authorised: no (%s: %s)",
                       dd->auth_name ? dd->auth_name : "?", dns_status_name(dd->auth_status));
    }
    table_print(o, &t, 4);
}

/* ---- MTA-STS, TLS-RPT ---- */

static void txt_details(dw *o, domain_section_id s, const domain_txt_policy *t, const char *at)
{
    if (!t->record) {
        if (o->d->status[s] != SS_SKIP)
            P(o, "    no record at %s.%s (%s)\n", at, o->d->domain ? o->d->domain : "?",
              dns_status_name(t->status));
        return;
    }
    P(o, "    record    %s\n", t->record);
    if (t->n_records > 1)
        P(o, "              %zu records there; there must be exactly one\n", t->n_records);
}

/* The fetched policy: where from, what it says, and each MX against it
 * (host, the pattern that covers it, its certificate with --connect). */
static void sts_policy_details(dw *o, const domain_sts_policy *p)
{
    P(o, "    policy    %s\n", p->url ? p->url : "?");
    if (p->http_status)
        P(o, "              HTTP %ld%s%s%s%s\n", p->http_status, p->content_type ? " " : "",
          p->content_type ? p->content_type : "", p->address ? " from " : "",
          p->address ? p->address : "");
    else if (p->address)
        P(o, "              no HTTP answer from %s\n", p->address);
    if (!p->parsed) {
        textw_on(&o->w, TEXTW_RED);
        P(o, "              not fetched: %s\n", p->error ? p->error : "?");
        textw_off(&o->w, TEXTW_RED);
        return;
    }
    const mtasts_policy *pp = p->parsed;
    P(o, "    mode      %s\n", mtasts_mode_name(pp->mode));
    if (pp->max_age >= 0)
        P(o, "    max_age   %lld (%lld days)\n", (long long)pp->max_age,
          (long long)(pp->max_age / 86400));
    for (size_t i = 0; i < pp->nmx; i++)
        P(o, "    %s %s\n", i == 0 ? "mx       " : "         ", pp->mx[i]);
    table t = {0};
    for (size_t i = 0; i < p->n_mx; i++) {
        const domain_sts_mx *x = &p->mx[i];
        table_row(&t);
        table_cell(&t, 0, NULL, "MX %s", x->host ? x->host : "?");
        if (x->pattern)
            table_cell(&t, 1, TEXTW_GREEN, "covered by %s", x->pattern);
        else
            table_cell(&t, 1, TEXTW_RED, "not covered");
        if (x->cert_valid)
            table_cell(&t, 2, TEXTW_GREEN, "certificate ✓ (port %d)", x->port);
        else if (x->cert_checked)
            table_cell(&t, 2, TEXTW_RED, "certificate ✗ %s", x->cert_error ? x->cert_error : "");
        else if (x->cert_error)
            table_cell(&t, 2, NULL, "certificate %s", x->cert_error);
        else if (!p->certs_checked)
            table_cell(&t, 2, NULL, "certificate not checked");
    }
    table_print(o, &t, 4);
}

static void mtasts_details(dw *o)
{
    const domain_mtasts *m = &o->d->mtasts;
    txt_details(o, DSEC_MTASTS, &m->txt, "_mta-sts");
    if (m->parsed && m->parsed->id)
        P(o, "    id        %s\n", m->parsed->id);
    if (m->policy)
        sts_policy_details(o, m->policy);
}

static void tlsrpt_details(dw *o)
{
    const domain_tlsrpt *t = &o->d->tlsrpt;
    txt_details(o, DSEC_TLSRPT, &t->txt, "_smtp._tls");
    for (size_t i = 0; t->parsed && i < t->parsed->nrua; i++)
        P(o, "    %s %s\n", i == 0 ? "reports  " : "         ", t->parsed->rua[i]);
}

/* ---- PTR, HELO ---- */

static void ptr_details(dw *o)
{
    const domain_ptr *p = &o->d->ptr;
    table t = {0};
    for (size_t i = 0; i < p->n; i++) {
        const domain_ptr_entry *e = &p->v[i];
        table_row(&t);
        table_cell(&t, 0, NULL, "%s", e->addr ? e->addr : "?");
        table_cell(&t, 1, NULL, "%s", e->for_host ? e->for_host : "(--ip)");
        table_cell(&t, 2, NULL, "→");
        if (e->n_names) {
            char *names = join(e->names, e->n_names, ", ");
            table_cell(&t, 3, NULL, "%s", names ? names : "?");
            free(names);
        } else {
            table_cell(&t, 3, TEXTW_RED, "no PTR (%s)", dns_status_name(e->status));
        }
        if (e->confirmed)
            table_cell(&t, 4, TEXTW_GREEN, "FCrDNS ✓");
        else
            table_cell(&t, 4, TEXTW_RED, "FCrDNS ✗");
    }
    table_print(o, &t, 4);
}

static void helo_details(dw *o)
{
    const domain_helo *h = &o->d->helo;
    if (!h->name)
        return;
    P(o, "    name      %s: %s", h->name,
      !h->syntax_ok     ? "not a valid host name"
      : h->is_literal   ? "an address literal"
                        : "a valid host name");
    if (h->syntax_ok && !h->is_literal) {
        if (h->n_addrs) {
            char *a = join(h->addrs, h->n_addrs, ", ");
            P(o, ", resolves to %s", a ? a : "?");
            free(a);
        } else {
            P(o, ", no address (%s)", dns_status_name(h->status));
        }
    }
    P(o, "\n");
    if (o->d->spf.eval_ip && h->n_addrs)
        P(o, "    --ip      %s %s\n", o->d->spf.eval_ip,
          h->matches_ip ? "is among its addresses" : "is not among its addresses");
}

/* ---- DNSBL ---- */

static bool dnsbl_clean(const domain_dnsbl_entry *e)
{
    return !e->listed && !e->refused && e->status == DNS_NXDOMAIN;
}

/* Distinct addresses of the entries (they are address-major, but count
 * without relying on it). */
static size_t distinct_addrs(const domain_dnsbl *bl)
{
    size_t n = 0;
    for (size_t i = 0; i < bl->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = bl->v[i].addr && bl->v[j].addr && strcmp(bl->v[i].addr, bl->v[j].addr) == 0;
        n += !seen;
    }
    return n;
}

static void dnsbl_details(dw *o)
{
    const domain_dnsbl *bl = &o->d->dnsbl;
    table t = {0};
    size_t clean = 0;
    for (size_t i = 0; i < bl->n; i++) {
        const domain_dnsbl_entry *e = &bl->v[i];
        bool ok = dnsbl_clean(e);
        clean += ok;
        if (ok && !o->verbose)
            continue;
        table_row(&t);
        table_cell(&t, 0, NULL, "%s", e->addr ? e->addr : "?");
        table_cell(&t, 1, NULL, "%s", e->zone ? e->zone : "?");
        if (e->listed) {
            char *codes = join(e->codes, e->n_codes, ",");
            table_cell(&t, 2, TEXTW_RED, "listed");
            table_cell(&t, 3, NULL, "%s", codes ? codes : "");
            free(codes);
            if (e->reason)
                table_cell(&t, 4, NULL, "%s", e->reason);
        } else if (e->refused) {
            char *codes = join(e->codes, e->n_codes, ",");
            table_cell(&t, 2, TEXTW_YELLOW, "refused");
            table_cell(&t, 3, NULL, "%s", codes ? codes : "");
            table_cell(&t, 4, NULL, "the list does not answer this resolver");
            free(codes);
        } else if (ok) {
            table_cell(&t, 2, TEXTW_GREEN, "clean");
        } else {
            table_cell(&t, 2, TEXTW_YELLOW, "error");
            table_cell(&t, 3, NULL, "%s", dns_status_name(e->status));
        }
    }
    table_print(o, &t, 4);
    if (bl->n) {
        size_t na = distinct_addrs(bl), nz = bl->n_zones;
        if (clean == bl->n)
            P(o, "    %zu address%s × %zu list%s clean\n", na, na == 1 ? "" : "es", nz,
              nz == 1 ? "" : "s");
        else
            P(o, "    %zu address%s × %zu list%s: %zu of %zu clean\n", na, na == 1 ? "" : "es",
              nz, nz == 1 ? "" : "s", clean, bl->n);
    }
}

/* ---- findings, notes ---- */

static bool in_stage(const finding *f, const void *arg)
{
    return f->stage == *(const stage_id *)arg;
}

static bool in_no_section(const finding *f, const void *arg)
{
    (void)arg;
    for (int s = 0; s < DSEC__COUNT; s++)
        if (f->stage == domain_section_stage((domain_section_id)s))
            return false;
    return true;
}

static void findings_block(dw *o, const finding_list *l)
{
    if (!l->n)
        return;
    P(o, "\nFindings\n");
    for (int s = 0; s < DSEC__COUNT; s++) {
        stage_id st = domain_section_stage((domain_section_id)s);
        bool any = false;
        for (size_t i = 0; i < l->n && !any; i++)
            any = l->v[i].stage == st;
        if (!any)
            continue;
        P(o, "  %s\n", section_title[s]);
        textw_findings(&o->w, l, in_stage, &st, 4);
    }
    bool other = false;
    for (size_t i = 0; i < l->n && !other; i++)
        other = in_no_section(&l->v[i], NULL);
    if (other) {
        P(o, "  other\n");
        textw_findings(&o->w, l, in_no_section, NULL, 4);
    }
}

static void notes_block(dw *o, const result *r)
{
    if (!r->n_notes)
        return;
    P(o, "\nNotes\n");
    for (size_t i = 0; i < r->n_notes; i++)
        P(o, "  · %s\n", r->notes[i] ? r->notes[i] : "");
}

int render_domain_text(const result *r, bool color, bool verbose, buf *out)
{
    if (!r->domain)
        return -1;
    dw o = {.w = {.out = out, .color = color, .oom = false}, .verbose = verbose, .d = r->domain};
    static void (*const details[DSEC__COUNT])(dw *) = {
        [DSEC_MX] = mx_details,         [DSEC_SPF] = spf_details,
        [DSEC_DKIM] = dkim_details,     [DSEC_DMARC] = dmarc_details,
        [DSEC_MTASTS] = mtasts_details, [DSEC_TLSRPT] = tlsrpt_details,
        [DSEC_PTR] = ptr_details,       [DSEC_HELO] = helo_details,
        [DSEC_DNSBL] = dnsbl_details,
    };
    header(&o, r);
    for (int s = 0; s < DSEC__COUNT; s++) {
        section_line(&o, (domain_section_id)s);
        details[s](&o);
    }
    findings_block(&o, &r->findings);
    notes_block(&o, r);
    textw_verdict(&o.w, r);
    return o.w.oom ? -1 : 0;
}
