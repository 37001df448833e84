/* section_reverse.c — the PTR and HELO sections of a domain report: reverse
 * DNS with forward confirmation (FCrDNS) for every MX address and for --ip,
 * and the --helo name (run.h, domain.h).
 *
 * RFC 1912 §2.1 (every address should have a PTR that maps back), RFC 8601
 * §3 and common receiver practice (Postfix reject_unknown_client_hostname,
 * Gmail's sender guidelines) for why a sending address without FCrDNS gets
 * mail rejected; RFC 5321 §4.1.1.1 and §4.1.3 (the EHLO argument: a FQDN or
 * an address literal), §2.3.5 (domain syntax).
 *
 * Waves: 0 --helo AAAA/A and the --ip PTR; 1 forward confirmation of the
 * --ip PTR names; 2 the PTR of every distinct MX address (known once the MX
 * section has consumed wave 1); 3 their forward confirmation. Forward
 * confirmation asks only the family of the address (A for IPv4, AAAA for
 * IPv6). Bounds: PTR_ADDRS_MAX MX addresses, PTR_NAMES_MAX names per PTR.
 *
 * State (run->rev): q_ptr[i] is entry i's PTR query; q_fwd holds FWD_STRIDE
 * slots per entry (AAAA, A for each of its first PTR_NAMES_MAX names). The
 * --ip entry is made in wave 0 and moved behind the MX entries in wave 2, so
 * out->ptr lists the MX addresses first, as domain.h promises. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- checks ---- */
#include "checks/domain/run.h"

#define PTR_ADDRS_MAX 20 /* distinct MX addresses checked */
#define PTR_NAMES_MAX 3  /* PTR names per address forward-confirmed */
#define FWD_STRIDE (2 * PTR_NAMES_MAX)
#define HELO_MAX 255

/* Parse a numeric address (IPv4-mapped IPv6 counts as IPv4, as for SPF).
 * Returns AF_INET / AF_INET6 with the bytes in bin, or 0. */
static int parse_addr(const char *text, unsigned char bin[16])
{
    if (!text)
        return 0;
    if (inet_pton(AF_INET, text, bin) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, text, bin) != 1)
        return 0;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(bin, mapped, 12) == 0) {
        memmove(bin, bin + 12, 4);
        return AF_INET;
    }
    return AF_INET6;
}

static bool same_addr(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    int fx = parse_addr(a, x), fy = parse_addr(b, y);
    return fx && fx == fy && memcmp(x, y, fx == AF_INET ? 4 : 16) == 0;
}

/* The canonical text of --ip ("::FFFF:192.0.2.1" -> "192.0.2.1"), or "" when
 * it is not an address. */
static void canon_ip(const char *ip, char out[64])
{
    unsigned char bin[16];
    int f = parse_addr(ip, bin);
    out[0] = '\0';
    if (f)
        inet_ntop(f, bin, out, 64);
}

/* ---------------------------------------------------------- entries */

static domain_ptr_entry *new_entry(domain_ctx *run, const char *addr, const char *for_host)
{
    domain_ptr *p = &run->out->ptr;
    reverse_state *s = &run->rev;
    domain_ptr_entry *v = realloc(p->v, (p->n + 1) * sizeof *v);
    if (!v)
        return run->oom = true, NULL;
    p->v = v;
    int *q = realloc(s->q_ptr, (p->n + 1) * sizeof *q);
    if (!q)
        return run->oom = true, NULL;
    s->q_ptr = q;
    int *f = realloc(s->q_fwd, (p->n + 1) * FWD_STRIDE * sizeof *f);
    if (!f)
        return run->oom = true, NULL;
    s->q_fwd = f;
    domain_ptr_entry *e = &v[p->n];
    memset(e, 0, sizeof *e);
    e->status = DNS_TIMEOUT; /* until its wave answers */
    e->addr = xstrdup(addr);
    e->for_host = for_host ? xstrdup(for_host) : NULL;
    if (!e->addr || (for_host && !e->for_host)) {
        free(e->addr);
        free(e->for_host);
        return run->oom = true, NULL;
    }
    s->q_ptr[p->n] = -1;
    for (int k = 0; k < FWD_STRIDE; k++)
        s->q_fwd[p->n * FWD_STRIDE + k] = -1;
    p->n++;
    s->n_fwd = p->n * FWD_STRIDE;
    return e;
}

static void plan_ptr(domain_ctx *run, size_t i, size_t *planned)
{
    char name[128];
    if (dns_reverse_name(run->out->ptr.v[i].addr, NULL, name, sizeof name) == 0)
        run->rev.q_ptr[i] = section_ask(run, name, DNS_RR_PTR, planned);
    else
        run->out->ptr.v[i].status = DNS_ERROR;
    run->rev.n_planned = run->out->ptr.n;
}

/* Move element 0 of an array of n elements of size sz to the end. */
static void rotate_first_to_end(void *base, size_t n, size_t sz)
{
    unsigned char tmp[sizeof(domain_ptr_entry) > FWD_STRIDE * sizeof(int)
                          ? sizeof(domain_ptr_entry)
                          : FWD_STRIDE * sizeof(int)];
    unsigned char *b = base;
    if (n < 2 || sz > sizeof tmp)
        return;
    memcpy(tmp, b, sz);
    memmove(b, b + sz, (n - 1) * sz);
    memcpy(b + (n - 1) * sz, tmp, sz);
}

/* Wave 2: one entry per distinct MX address, then the --ip entry last. */
static void plan_mx_entries(domain_ctx *run, size_t *planned)
{
    const domain_mx *mx = &run->out->mx;
    domain_ptr *p = &run->out->ptr;
    bool ip_first = p->n == 1 && p->v[0].for_host == NULL;
    size_t added = 0, skipped = 0;
    for (size_t h = 0; h < mx->n_hosts && !run->oom; h++) {
        for (size_t k = 0; k < mx->hosts[h].n_addrs && !run->oom; k++) {
            const char *a = mx->hosts[h].addrs[k];
            bool seen = false;
            for (size_t i = 0; i < p->n && !seen; i++)
                seen = p->v[i].for_host && same_addr(p->v[i].addr, a);
            if (seen)
                continue;
            if (added == PTR_ADDRS_MAX) {
                skipped++;
                continue;
            }
            if (!new_entry(run, a, mx->hosts[h].host))
                return;
            plan_ptr(run, p->n - 1, planned);
            added++;
        }
    }
    if (skipped)
        section_note(run, "reverse DNS: %zu more MX addresses were not checked (limit %d)",
                     skipped, PTR_ADDRS_MAX);
    if (ip_first && added) {
        rotate_first_to_end(p->v, p->n, sizeof *p->v);
        rotate_first_to_end(run->rev.q_ptr, p->n, sizeof *run->rev.q_ptr);
        rotate_first_to_end(run->rev.q_fwd, p->n, FWD_STRIDE * sizeof *run->rev.q_fwd);
    }
}

static char *name_copy(domain_ctx *run, const char *s)
{
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            return section_escape(run, s, strlen(s));
    char *d = xstrdup(s);
    if (!d)
        run->oom = true;
    return d;
}

static void consume_ptr(domain_ctx *run, size_t i)
{
    domain_ptr_entry *e = &run->out->ptr.v[i];
    const dns_answer *a = dns_batch_answer(run->batch, run->rev.q_ptr[i]);
    if (!a)
        return;
    e->status = a->status;
    if (a->status != DNS_OK || !a->names.n)
        return;
    if (!(e->names = calloc(a->names.n, sizeof *e->names)))
        return (void)(run->oom = true);
    for (size_t k = 0; k < a->names.n; k++) {
        if (!(e->names[k] = name_copy(run, a->names.v[k])))
            return;
        e->n_names++;
    }
}

static void plan_fwd(domain_ctx *run, size_t i, size_t *planned)
{
    domain_ptr_entry *e = &run->out->ptr.v[i];
    const dns_answer *a = dns_batch_answer(run->batch, run->rev.q_ptr[i]);
    unsigned char bin[16];
    int fam = parse_addr(e->addr, bin);
    if (!a || a->status != DNS_OK)
        return;
    for (size_t k = 0; k < a->names.n && k < PTR_NAMES_MAX; k++)
        run->rev.q_fwd[i * FWD_STRIDE + 2 * k + (fam == AF_INET6 ? 0 : 1)] =
            section_ask(run, a->names.v[k], fam == AF_INET6 ? DNS_RR_AAAA : DNS_RR_A, planned);
}

static void consume_fwd(domain_ctx *run, size_t i)
{
    domain_ptr_entry *e = &run->out->ptr.v[i];
    for (size_t k = 0; k < e->n_names && k < PTR_NAMES_MAX && !e->confirmed; k++) {
        for (int f = 0; f < 2 && !e->confirmed; f++) {
            const dns_answer *a =
                dns_batch_answer(run->batch, run->rev.q_fwd[i * FWD_STRIDE + 2 * k + f]);
            if (!a || a->status != DNS_OK)
                continue;
            for (size_t j = 0; j < a->addrs.n && !e->confirmed; j++)
                if (same_addr(a->addrs.v[j].text, e->addr)) {
                    e->confirmed = true;
                    if (!(e->confirmed_name = xstrdup(e->names[k])))
                        run->oom = true;
                }
        }
    }
}

/* ------------------------------------------------------------- HELO */

static bool ldh_label(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

/* RFC 5321 §4.1.2: Domain = sub-domain 1*("." sub-domain), LDH labels, and a
 * top-level label that is not all digits (else it is a bare address). */
static bool helo_fqdn(const char *s)
{
    size_t n = strlen(s), labels = 0;
    if (n == 0 || n > 253)
        return false;
    const char *last = s;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            if (!ldh_label(last, (size_t)(p - last)))
                return false;
            labels++;
            if (*p == '\0')
                break;
            last = p + 1;
        }
    }
    bool digits = true;
    for (const char *p = last; *p; p++)
        digits &= isdigit((unsigned char)*p) != 0;
    return labels >= 2 && !digits;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3): the address in
 * out (canonical text), true when well-formed. */
static bool helo_literal(const char *s, char out[64])
{
    size_t n = strlen(s);
    char tmp[64];
    unsigned char bin[16];
    out[0] = '\0';
    if (n < 3 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= sizeof tmp)
        return false;
    memcpy(tmp, s + 1, n - 2);
    tmp[n - 2] = '\0';
    if (inet_pton(AF_INET, tmp, bin) == 1)
        return inet_ntop(AF_INET, bin, out, 64) != NULL;
    if (strncasecmp(tmp, "IPv6:", 5) == 0 && inet_pton(AF_INET6, tmp + 5, bin) == 1)
        return inet_ntop(AF_INET6, bin, out, 64) != NULL;
    return false;
}

static void helo_plan(domain_ctx *run, size_t *planned)
{
    const char *name = run->o->helo;
    domain_helo *h = &run->out->helo;
    size_t n = strnlen(name, HELO_MAX + 1);
    if (!(h->name = section_escape(run, name, n > HELO_MAX ? HELO_MAX : n)))
        return;
    h->status = DNS_TIMEOUT;
    char lit[64];
    if (name[0] == '[') {
        h->is_literal = true;
        h->syntax_ok = helo_literal(name, lit);
        h->status = DNS_OK;
        if (h->syntax_ok) {
            char ip[64];
            canon_ip(run->o->ip, ip);
            h->matches_ip = ip[0] && same_addr(lit, ip);
            if ((h->addrs = calloc(1, sizeof *h->addrs)) && (h->addrs[0] = xstrdup(lit)))
                h->n_addrs = 1;
            else
                run->oom = true;
        }
        return;
    }
    h->syntax_ok = n <= HELO_MAX && helo_fqdn(name);
    if (!h->syntax_ok)
        return;
    run->rev.q_helo[0] = section_ask(run, name, DNS_RR_AAAA, planned);
    run->rev.q_helo[1] = section_ask(run, name, DNS_RR_A, planned);
}

static void helo_consume(domain_ctx *run)
{
    domain_helo *h = &run->out->helo;
    const dns_answer *a6 = dns_batch_answer(run->batch, run->rev.q_helo[0]);
    const dns_answer *a4 = dns_batch_answer(run->batch, run->rev.q_helo[1]);
    const dns_answer *fam[2] = {a6, a4};
    char ip[64];
    canon_ip(run->o->ip, ip);
    static const dns_status order[] = {DNS_NXDOMAIN, DNS_SERVFAIL, DNS_ERROR, DNS_TIMEOUT};
    h->status = DNS_NODATA;
    for (size_t i = sizeof order / sizeof order[0]; i-- > 0;)
        if ((a6 && a6->status == order[i]) || (a4 && a4->status == order[i]))
            h->status = order[i];
    size_t total = (a6 ? a6->addrs.n : 0) + (a4 ? a4->addrs.n : 0);
    if (total > 16)
        total = 16;
    if (total && !(h->addrs = calloc(total, sizeof *h->addrs)))
        return (void)(run->oom = true);
    for (int f = 0; f < 2; f++) {
        const dns_answer *a = fam[f];
        if (!a || a->status != DNS_OK)
            continue;
        for (size_t i = 0; i < a->addrs.n && h->n_addrs < total; i++) {
            if (!(h->addrs[h->n_addrs] = xstrdup(a->addrs.v[i].text)))
                return (void)(run->oom = true);
            h->n_addrs++;
            h->status = DNS_OK;
            if (ip[0] && same_addr(a->addrs.v[i].text, ip))
                h->matches_ip = true;
        }
    }
}

static void helo_finish(domain_ctx *run)
{
    const domain_helo *h = &run->out->helo;
    const char *ip = run->o->ip;
    if (!h->name) {
        section_set(run, DSEC_HELO, SS_SKIP, "not checked (no --helo)");
        return;
    }
    unsigned char bin[16];
    size_t n = strlen(h->name);
    bool bare_ip = !h->is_literal && parse_addr(run->o->helo, bin);
    bool local = strcasecmp(h->name, "localhost") == 0 ||
                 strcasecmp(h->name, "localhost.localdomain") == 0 ||
                 (n >= 10 && strcasecmp(h->name + n - 10, ".localhost") == 0) ||
                 (n >= 12 && strcasecmp(h->name + n - 12, ".localdomain") == 0);
    if (local) {
        section_finding(run, DSEC_HELO, "helo.localhost", NULL,
                        "the HELO name %s is a local name; receivers reject it as a "
                        "misconfigured or forged sender",
                        h->name);
    } else if (bare_ip) {
        section_finding(run, DSEC_HELO, "helo.bare_ip", NULL,
                        "the HELO name %s is an address without brackets; RFC 5321 §4.1.3 "
                        "writes an address as a literal, [%s]",
                        h->name, h->name);
    } else if (!h->syntax_ok) {
        section_finding(run, DSEC_HELO, h->is_literal ? "helo.literal_invalid" : "helo.syntax",
                        NULL,
                        h->is_literal ? "the HELO address literal %s is malformed"
                                      : "the HELO name %s is not a fully qualified domain name "
                                        "(letters, digits and hyphens, at least one dot)",
                        h->name);
    } else if (h->is_literal) {
        section_finding(run, DSEC_HELO, "helo.literal", NULL,
                        "the HELO name %s is an address literal; it is valid, but many "
                        "receivers score or reject it",
                        h->name);
        if (ip && !h->matches_ip)
            section_finding(run, DSEC_HELO, "helo.ip_mismatch", NULL,
                            "the HELO literal %s is not the sending address %s", h->name, ip);
    } else if (h->status == DNS_OK && ip && !h->matches_ip) {
        section_finding(run, DSEC_HELO, "helo.ip_mismatch", NULL,
                        "the HELO name %s does not resolve to the sending address %s (it has "
                        "%s%s)",
                        h->name, ip, h->addrs[0], h->n_addrs > 1 ? ", ..." : "");
    } else if (h->status == DNS_TIMEOUT) {
        section_finding(run, DSEC_HELO, "helo.timeout", NULL,
                        "the address lookup of the HELO name %s timed out", h->name);
    } else if (h->status != DNS_OK) {
        section_finding(run, DSEC_HELO, "helo.unresolvable", NULL,
                        "the HELO name %s has no address (%s)", h->name,
                        dns_status_name(h->status));
    }
    section_set(run, DSEC_HELO, SS_PASS, "%s%s", h->name,
                h->matches_ip ? " (resolves to --ip)" : h->syntax_ok ? "" : " (invalid)");
}

/* ------------------------------------------------- generic PTR names */

static bool generic_word(const char *w, size_t n)
{
    static const char *const words[] = {
        "dynamic", "dyn", "dhcp", "pool", "dsl", "adsl", "xdsl", "vdsl", "dialup", "dial",
        "ppp", "pppoe", "cable", "broadband", "client", "clients", "cust", "customer",
        "residential", "unassigned",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && strncasecmp(words[i], w, n) == 0)
            return true;
    return false;
}

/* A PTR name that looks assigned by an access provider rather than chosen
 * by a mail administrator: it contains the address's octets (in order or
 * reversed) or a word such as "dynamic", "dhcp", "pool". Tokens are maximal
 * runs of letters or of digits, so "ppp123" and "1-2-3-4" both split. */
static bool looks_generic(const char *name, const char *addr)
{
    unsigned char a[16];
    int fam = parse_addr(addr, a);
    unsigned long nums[64];
    size_t n_nums = 0;
    bool word = false;
    for (const char *p = name; *p;) {
        const char *st = p;
        if (isdigit((unsigned char)*p)) {
            unsigned long v = 0;
            while (isdigit((unsigned char)*p)) {
                if (v < 100000)
                    v = v * 10 + (unsigned long)(*p - '0');
                p++;
            }
            if (n_nums < sizeof nums / sizeof nums[0])
                nums[n_nums++] = v;
        } else if (isalpha((unsigned char)*p)) {
            while (isalpha((unsigned char)*p))
                p++;
            word |= generic_word(st, (size_t)(p - st));
        } else {
            p++;
        }
    }
    if (word)
        return true;
    if (fam != AF_INET || n_nums < 4)
        return false;
    for (size_t i = 0; i + 4 <= n_nums; i++) {
        bool fwd = true, rev = true;
        for (int k = 0; k < 4; k++) {
            fwd &= nums[i + k] == a[k];
            rev &= nums[i + k] == a[3 - k];
        }
        if (fwd || rev)
            return true;
    }
    return false;
}

/* ---------------------------------------------------------- the ops */

static int rev_plan(domain_ctx *run, int wave, size_t *planned)
{
    reverse_state *s = &run->rev;
    domain_ptr *p = &run->out->ptr;
    if (wave == 0) {
        s->q_helo[0] = s->q_helo[1] = -1;
        if (run->o->helo)
            helo_plan(run, planned);
        char ip[64];
        canon_ip(run->o->ip, ip);
        if (ip[0] && new_entry(run, ip, NULL))
            plan_ptr(run, p->n - 1, planned);
        else if (run->o->ip && !ip[0])
            section_note(run, "--ip is not an IPv4 or IPv6 address; its reverse DNS was not "
                              "checked");
    } else if (wave == 1 || wave == 3) {
        for (size_t i = 0; i < p->n; i++)
            if ((p->v[i].for_host == NULL) == (wave == 1))
                plan_fwd(run, i, planned);
    } else if (wave == 2) {
        plan_mx_entries(run, planned);
    }
    return run->oom ? -1 : 0;
}

static int rev_consume(domain_ctx *run, int wave)
{
    domain_ptr *p = &run->out->ptr;
    if (wave == 0 && run->o->helo && run->out->helo.syntax_ok && !run->out->helo.is_literal)
        helo_consume(run);
    for (size_t i = 0; i < p->n && !run->oom; i++) {
        bool is_ip = p->v[i].for_host == NULL;
        if ((wave == 0 && is_ip) || (wave == 2 && !is_ip))
            consume_ptr(run, i);
        else if ((wave == 1 && is_ip) || (wave == 3 && !is_ip))
            consume_fwd(run, i);
    }
    return run->oom ? -1 : 0;
}

static void ptr_findings(domain_ctx *run, const domain_ptr_entry *e)
{
    bool ip = e->for_host == NULL;
    char who[300];
    if (ip)
        snprintf(who, sizeof who, "the sending address %s", e->addr);
    else
        snprintf(who, sizeof who, "%s (MX host %s)", e->addr, e->for_host);
    switch (e->status) {
    case DNS_OK: break;
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        section_finding(run, DSEC_PTR, ip ? "ptr.ip_missing" : "ptr.mx_missing", NULL,
                        "%s has no reverse DNS (PTR) record", who);
        return;
    case DNS_TIMEOUT:
        section_finding(run, DSEC_PTR, "ptr.timeout", NULL,
                        "the PTR lookup of %s timed out", who);
        return;
    default:
        section_finding(run, DSEC_PTR, "ptr.lookup_failed", NULL,
                        "the PTR lookup of %s failed (%s)", who, dns_status_name(e->status));
        return;
    }
    if (!e->n_names)
        return;
    if (!e->confirmed)
        section_finding(run, DSEC_PTR, ip ? "ptr.ip_unconfirmed" : "ptr.mx_unconfirmed", NULL,
                        "the PTR of %s is %s, but that name does not resolve back to %s "
                        "(no forward-confirmed reverse DNS)",
                        who, e->names[0], e->addr);
    if (e->n_names > 1)
        section_finding(run, DSEC_PTR, "ptr.multiple", NULL,
                        "%s has %zu PTR records (%s, %s%s); receivers may check any one of them",
                        who, e->n_names, e->names[0], e->names[1], e->n_names > 2 ? ", ..." : "");
    if (ip) {
        const char *name = e->confirmed_name ? e->confirmed_name : e->names[0];
        if (looks_generic(name, e->addr))
            section_finding(run, DSEC_PTR, "ptr.ip_generic", NULL,
                            "the PTR name %s of the sending address %s looks generic (assigned "
                            "by an access provider, not named for a mail server)",
                            name, e->addr);
    }
}

static void rev_finish(domain_ctx *run)
{
    const domain_ptr *p = &run->out->ptr;
    size_t confirmed = 0;
    for (size_t i = 0; i < p->n; i++) {
        ptr_findings(run, &p->v[i]);
        confirmed += p->v[i].confirmed;
    }
    if (p->n)
        section_set(run, DSEC_PTR, SS_PASS, "%zu of %zu address%s with forward-confirmed "
                    "reverse DNS", confirmed, p->n, p->n == 1 ? "" : "es");
    else
        section_set(run, DSEC_PTR, SS_SKIP, "no address to check");
    helo_finish(run);
}

static void rev_free_state(domain_ctx *run)
{
    free(run->rev.q_ptr);
    free(run->rev.q_fwd);
    run->rev.q_ptr = run->rev.q_fwd = NULL;
    run->rev.n_fwd = run->rev.n_planned = 0;
}

const domain_section_ops domain_section_reverse = {
    .id = DSEC_PTR,
    .plan = rev_plan,
    .consume = rev_consume,
    .finish = rev_finish,
    .free_state = rev_free_state,
};
