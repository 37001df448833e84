/* section_mx.c — the MX section of a domain report: where mail for the
 * domain goes, and whether it can get there (run.h, domain.h).
 *
 * RFC 5321 §5.1 (MX lookup, the implicit MX of a domain without MX records),
 * RFC 7505 (null MX), RFC 2181 §10.3 (an MX target must not be an alias),
 * RFC 6890 (special-purpose address blocks).
 *
 * Wave 0 asks the MX records; wave 1 the AAAA and A of every MX host (or of
 * the domain itself when it has no MX). Everything is judged as soon as its
 * wave is answered, so the PTR and blocklist sections find the addresses in
 * run->out->mx when they plan wave 2. Bounds: at most MX_HOSTS_MAX hosts are
 * checked and MX_ADDRS_PER_FAMILY addresses of each family kept per host, so a
 * hostile zone cannot make the later waves unbounded. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- checks ---- */
#include "checks/domain/run.h"

#define MX_HOSTS_MAX 10        /* more MX records: a warning, the rest unchecked */
#define MX_ADDRS_PER_FAMILY 4  /* per host and family; more are ignored */

/* dname text from the batch is already printable ASCII (dns/dname.h) and is
 * what a query for the name must use; anything else is escaped. */
static char *display_copy(domain_ctx *run, const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return section_escape(run, s, strlen(s));
    char *c = xstrdup(s);
    if (!c)
        run->oom = true;
    return c;
}

static bool same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* An MX target written as an address ("192.0.2.1", "[192.0.2.1]"): the MX
 * RDATA must be a host name, so senders look it up as a name and fail. */
static bool is_ip_literal(const char *h)
{
    char tmp[64];
    size_t n = strlen(h);
    if (n >= sizeof tmp)
        return false;
    memcpy(tmp, h, n + 1);
    if (n && tmp[n - 1] == '.')
        tmp[--n] = '\0';
    char *p = tmp;
    if (n >= 2 && tmp[0] == '[' && tmp[n - 1] == ']') {
        tmp[n - 1] = '\0';
        p++;
    }
    unsigned char bin[16];
    return inet_pton(AF_INET, p, bin) == 1 || inet_pton(AF_INET6, p, bin) == 1;
}

/* Why an address cannot be reached from the internet (RFC 6890 and friends),
 * or NULL for a global address. */
static const char *non_public(const char *text)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, text, a) == 1) {
        if (a[0] == 127)
            return "loopback";
        if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168))
            return "private (RFC 1918)";
        if (a[0] == 169 && a[1] == 254)
            return "link-local";
        if (a[0] == 100 && (a[1] & 0xc0) == 64)
            return "shared address space (carrier-grade NAT)";
        if ((a[0] == 192 && a[1] == 0 && a[2] == 2) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
            (a[0] == 203 && a[1] == 0 && a[2] == 113))
            return "documentation (RFC 5737)";
        if (a[0] == 0)
            return "\"this network\" (not an address)";
        if (a[0] == 192 && a[1] == 0 && a[2] == 0)
            return "IETF protocol assignment";
        if (a[0] == 198 && (a[1] & 0xfe) == 18)
            return "benchmarking";
        if (a[0] >= 224)
            return a[0] < 240 ? "multicast" : "reserved";
        return NULL;
    }
    if (inet_pton(AF_INET6, text, a) != 1)
        return NULL;
    static const unsigned char zero[16];
    if (memcmp(a, zero, 15) == 0)
        return a[15] == 1 ? "loopback" : "unspecified";
    if ((a[0] & 0xfe) == 0xfc)
        return "unique local (private)";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return "link-local";
    if (a[0] == 0xff)
        return "multicast";
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return "documentation (RFC 3849)";
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0)
        return "IPv4-mapped (not an IPv6 address of its own)";
    return NULL;
}

static dns_dnssec dnssec_worst(dns_dnssec a, dns_dnssec b)
{
    if (a == DNSSEC_BOGUS || b == DNSSEC_BOGUS)
        return DNSSEC_BOGUS;
    if (a == DNSSEC_UNCHECKED || b == DNSSEC_UNCHECKED)
        return DNSSEC_UNCHECKED;
    if (a == DNSSEC_INSECURE || b == DNSSEC_INSECURE)
        return DNSSEC_INSECURE;
    return DNSSEC_SECURE;
}

/* The status that best explains why neither family gave an address
 * (dns/resolver.h's rule: NXDOMAIN > SERVFAIL > ERROR > TIMEOUT > NODATA). */
static dns_status addr_status(const dns_answer *a6, const dns_answer *a4)
{
    static const dns_status order[] = {DNS_NXDOMAIN, DNS_SERVFAIL, DNS_ERROR, DNS_TIMEOUT};
    if ((a6 && a6->status == DNS_OK && a6->addrs.n) || (a4 && a4->status == DNS_OK && a4->addrs.n))
        return DNS_OK;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if ((a6 && a6->status == order[i]) || (a4 && a4->status == order[i]))
            return order[i];
    return DNS_NODATA;
}

/* ------------------------------------------------------------- wave 0 */

static void add_host(domain_ctx *run, unsigned pref, const char *name)
{
    domain_mx *mx = &run->out->mx;
    domain_mx_host *v = realloc(mx->hosts, (mx->n_hosts + 1) * sizeof *v);
    if (!v) {
        run->oom = true;
        return;
    }
    mx->hosts = v;
    domain_mx_host *h = &v[mx->n_hosts];
    memset(h, 0, sizeof *h);
    h->pref = pref;
    h->addr_status = DNS_TIMEOUT; /* until its wave answers */
    if (!(h->host = display_copy(run, name)))
        return;
    h->ip_literal = is_ip_literal(name);
    mx->n_hosts++;
}

static void consume_mx(domain_ctx *run, const dns_answer *a)
{
    domain_mx *mx = &run->out->mx;
    mx->status = a->status;
    mx->dnssec = a->dnssec;
    if (a->dnssec == DNSSEC_BOGUS)
        section_finding(run, DSEC_MX, "mx.dnssec_bogus", NULL,
                        "the MX records of %s fail DNSSEC validation", run->out->domain);
    switch (a->status) {
    case DNS_OK: break;
    case DNS_NODATA:
        mx->implicit = true; /* judged once the domain's own addresses are known */
        return;
    case DNS_NXDOMAIN:
        section_finding(run, DSEC_MX, "domain.nxdomain", NULL,
                        "%s does not exist in DNS (NXDOMAIN): it can neither receive mail nor "
                        "publish SPF, DKIM or DMARC, so every other section fails too",
                        run->out->domain);
        return;
    case DNS_TIMEOUT:
        section_finding(run, DSEC_MX, "mx.timeout", NULL, "no answer to the MX query for %s",
                        run->out->domain);
        return;
    case DNS_SERVFAIL:
        section_finding(run, DSEC_MX, "mx.servfail", NULL, "%s",
                        a->why ? a->why : "the MX lookup failed (SERVFAIL)");
        return;
    default:
        section_finding(run, DSEC_MX, "mx.dns_error", NULL, "%s",
                        a->why ? a->why : "the MX lookup failed");
        return;
    }

    size_t n_null = 0;
    for (size_t i = 0; i < a->mx.n; i++)
        n_null += strcmp(a->mx.v[i].host, ".") == 0;
    if (n_null && n_null == a->mx.n) {
        mx->null_mx = true;
        section_finding(run, DSEC_MX, "mx.null", NULL,
                        "%s publishes a null MX (MX %u .): it declares that it accepts no mail",
                        run->out->domain, a->mx.v[0].pref);
        return;
    }
    if (n_null)
        section_finding(run, DSEC_MX, "mx.null_mixed", NULL,
                        "%s has a null MX (\".\") next to %zu real MX records; RFC 7505 §3 "
                        "allows the null MX only alone, so senders may treat the domain as "
                        "accepting no mail",
                        run->out->domain, a->mx.n - n_null);

    size_t distinct = 0;
    for (size_t i = 0; i < a->mx.n && !run->oom; i++) {
        const dns_mx *m = &a->mx.v[i];
        if (strcmp(m->host, ".") == 0)
            continue;
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++)
            dup = same_name(a->mx.v[k].host, m->host);
        if (dup) {
            char *h = display_copy(run, m->host);
            if (h)
                section_finding(run, DSEC_MX, "mx.duplicate", NULL,
                                "%s appears more than once in the MX records of %s", h,
                                run->out->domain);
            free(h);
            continue;
        }
        if (++distinct <= MX_HOSTS_MAX)
            add_host(run, m->pref, m->host);
    }
    if (distinct > MX_HOSTS_MAX)
        section_finding(run, DSEC_MX, "mx.too_many", NULL,
                        "%s has %zu MX hosts; only the first %d by preference were checked, and "
                        "senders try only a few",
                        run->out->domain, distinct, MX_HOSTS_MAX);
    for (size_t i = 0; i < mx->n_hosts; i++)
        if (mx->hosts[i].ip_literal)
            section_finding(run, DSEC_MX, "mx.ip_literal", NULL,
                            "the MX target %s is an IP address, not a host name: senders look it "
                            "up as a name and find nothing",
                            mx->hosts[i].host);
}

/* ------------------------------------------------------------- wave 1 */

static int fill_addrs(domain_ctx *run, domain_mx_host *h, const dns_answer *a6,
                      const dns_answer *a4)
{
    const dns_answer *fam[2] = {a6, a4};
    h->addr_status = addr_status(a6, a4);
    h->dnssec = dnssec_worst(a6 ? a6->dnssec : DNSSEC_UNCHECKED,
                             a4 ? a4->dnssec : DNSSEC_UNCHECKED);
    size_t cap = 2 * MX_ADDRS_PER_FAMILY;
    if (!(h->addrs = calloc(cap, sizeof *h->addrs)))
        return run->oom = true, -1;
    for (int f = 0; f < 2; f++) {
        const dns_answer *a = fam[f];
        if (!a || a->status != DNS_OK)
            continue;
        size_t kept = 0;
        for (size_t i = 0; i < a->addrs.n && kept < MX_ADDRS_PER_FAMILY; i++) {
            bool dup = false;
            for (size_t k = 0; k < h->n_addrs && !dup; k++)
                dup = strcmp(h->addrs[k], a->addrs.v[i].text) == 0;
            if (dup)
                continue;
            if (!(h->addrs[h->n_addrs] = xstrdup(a->addrs.v[i].text)))
                return run->oom = true, -1;
            h->n_addrs++;
            kept++;
        }
        if (a->addrs.n > MX_ADDRS_PER_FAMILY)
            section_note(run, "%s has %zu %s records; only the first %d were checked", h->host,
                         a->addrs.n, dns_rrtype_name(a->type), MX_ADDRS_PER_FAMILY);
        /* A CNAME was followed to reach the addresses (RFC 2181 §10.3). For
         * the implicit MX that is allowed (RFC 5321 §5.1 follows it). */
        if (a->canonical && !h->cname && !run->out->mx.implicit &&
            !same_name(a->canonical, h->host))
            h->cname = display_copy(run, a->canonical);
    }
    return 0;
}

static const char *status_words(dns_status s)
{
    switch (s) {
    case DNS_NXDOMAIN: return "does not exist (NXDOMAIN)";
    case DNS_NODATA: return "has no AAAA or A record";
    case DNS_TIMEOUT: return "did not answer in time";
    case DNS_SERVFAIL: return "could not be resolved (SERVFAIL)";
    default: return "could not be resolved";
    }
}

static void judge_hosts(domain_ctx *run)
{
    domain_mx *mx = &run->out->mx;
    size_t usable = 0, with_v6 = 0;
    for (size_t i = 0; i < mx->n_hosts; i++) {
        usable += mx->hosts[i].n_addrs > 0;
        for (size_t k = 0; k < mx->hosts[i].n_addrs; k++)
            if (strchr(mx->hosts[i].addrs[k], ':')) {
                with_v6++;
                break;
            }
    }
    /* Every host definitively without an address: one error, not a warning per host. */
    bool none_usable = mx->n_hosts > 0 && !usable;
    for (size_t i = 0; i < mx->n_hosts && none_usable; i++)
        none_usable = mx->hosts[i].ip_literal || mx->hosts[i].addr_status == DNS_NXDOMAIN ||
                      mx->hosts[i].addr_status == DNS_NODATA;
    for (size_t i = 0; i < mx->n_hosts; i++) {
        domain_mx_host *h = &mx->hosts[i];
        if (h->cname)
            section_finding(run, DSEC_MX, "mx.cname", NULL,
                            "the MX target %s is an alias (CNAME) for %s; RFC 2181 §10.3 "
                            "forbids aliases as MX targets",
                            h->host, h->cname);
        if (h->n_addrs || h->ip_literal)
            continue;
        if (h->addr_status == DNS_TIMEOUT)
            section_finding(run, DSEC_MX, "mx.host_timeout", NULL,
                            "the address lookup of MX host %s timed out", h->host);
        else if (h->addr_status == DNS_SERVFAIL || h->addr_status == DNS_ERROR)
            section_finding(run, DSEC_MX, "mx.host_lookup_failed", NULL,
                            "the addresses of MX host %s %s", h->host,
                            status_words(h->addr_status));
        else if (!none_usable)
            section_finding(run, DSEC_MX, "mx.host_no_address", NULL,
                            "MX host %s %s; senders skip it and try the other MX hosts", h->host,
                            status_words(h->addr_status));
    }
    if (none_usable)
        section_finding(run, DSEC_MX, "mx.no_usable_host", NULL,
                        "none of the %zu MX host%s of %s has an address: the domain cannot "
                        "receive mail",
                        mx->n_hosts, mx->n_hosts == 1 ? "" : "s", run->out->domain);
    for (size_t i = 0; i < mx->n_hosts; i++) {
        domain_mx_host *h = &mx->hosts[i];
        for (size_t k = 0; k < h->n_addrs; k++) {
            const char *why = non_public(h->addrs[k]);
            if (why)
                section_finding(run, DSEC_MX, "mx.private_address", NULL,
                                "MX host %s has the address %s, which is %s: senders on the "
                                "internet cannot reach it",
                                h->host, h->addrs[k], why);
        }
    }
    if (usable && !with_v6)
        section_finding(run, DSEC_MX, "mx.no_ipv6", NULL,
                        "no MX host of %s has an IPv6 address: IPv6-only senders cannot deliver",
                        run->out->domain);
}

static void consume_implicit(domain_ctx *run)
{
    domain_mx *mx = &run->out->mx;
    const dns_answer *a6 = dns_batch_answer(run->batch, run->mx.q_self[0]);
    const dns_answer *a4 = dns_batch_answer(run->batch, run->mx.q_self[1]);
    dns_status st = addr_status(a6, a4);
    if (st == DNS_OK) {
        add_host(run, 0, run->o->domain);
        if (mx->n_hosts == 1 && fill_addrs(run, &mx->hosts[0], a6, a4) == 0) {
            section_finding(run, DSEC_MX, "mx.implicit", NULL,
                            "%s has no MX record; senders fall back to its own address (%s, "
                            "RFC 5321 §5.1)",
                            run->out->domain, mx->hosts[0].addrs[0]);
            judge_hosts(run);
        }
    } else if (st == DNS_NODATA || st == DNS_NXDOMAIN) {
        mx->implicit = false;
        section_finding(run, DSEC_MX, "mx.none", NULL,
                        "%s has neither an MX record nor an address: the domain cannot receive "
                        "mail",
                        run->out->domain);
    } else {
        section_finding(run, DSEC_MX,
                        st == DNS_TIMEOUT ? "mx.host_timeout" : "mx.host_lookup_failed", NULL,
                        "%s has no MX record, and its own address (the implicit MX) %s",
                        run->out->domain, status_words(st));
    }
}

/* ------------------------------------------------------------ the ops */

static int mx_plan(domain_ctx *run, int wave, size_t *planned)
{
    mx_state *s = &run->mx;
    domain_mx *mx = &run->out->mx;
    if (wave == 0) {
        s->q_self[0] = s->q_self[1] = -1;
        mx->status = DNS_TIMEOUT; /* until answered */
        s->q_mx = section_ask(run, run->o->domain, DNS_RR_MX, planned);
        return run->oom ? -1 : 0;
    }
    if (wave != 1)
        return 0;
    if (mx->implicit) {
        s->q_self[0] = section_ask(run, run->o->domain, DNS_RR_AAAA, planned);
        s->q_self[1] = section_ask(run, run->o->domain, DNS_RR_A, planned);
        return run->oom ? -1 : 0;
    }
    if (!mx->n_hosts)
        return 0;
    if (!(s->q_host = malloc(2 * mx->n_hosts * sizeof *s->q_host)))
        return -1;
    for (size_t i = 0; i < mx->n_hosts; i++) {
        s->q_host[2 * i] = s->q_host[2 * i + 1] = -1;
        if (mx->hosts[i].ip_literal)
            continue;
        s->q_host[2 * i] = section_ask(run, mx->hosts[i].host, DNS_RR_AAAA, planned);
        s->q_host[2 * i + 1] = section_ask(run, mx->hosts[i].host, DNS_RR_A, planned);
    }
    return run->oom ? -1 : 0;
}

static int mx_consume(domain_ctx *run, int wave)
{
    mx_state *s = &run->mx;
    domain_mx *mx = &run->out->mx;
    if (wave == 0) {
        const dns_answer *a = dns_batch_answer(run->batch, s->q_mx);
        if (a)
            consume_mx(run, a);
        else /* the batch was full before the first query: cannot happen, but say so */
            mx->status = DNS_ERROR;
    } else if (wave == 1) {
        if (mx->implicit) {
            consume_implicit(run);
        } else if (s->q_host) {
            for (size_t i = 0; i < mx->n_hosts && !run->oom; i++) {
                if (mx->hosts[i].ip_literal)
                    continue;
                fill_addrs(run, &mx->hosts[i], dns_batch_answer(run->batch, s->q_host[2 * i]),
                           dns_batch_answer(run->batch, s->q_host[2 * i + 1]));
            }
            judge_hosts(run);
        }
    }
    return run->oom ? -1 : 0;
}

static void mx_finish(domain_ctx *run)
{
    domain_mx *mx = &run->out->mx;
    size_t n_addrs = 0, usable = 0;
    for (size_t i = 0; i < mx->n_hosts; i++) {
        n_addrs += mx->hosts[i].n_addrs;
        usable += mx->hosts[i].n_addrs > 0;
    }
    if (mx->status == DNS_NXDOMAIN)
        section_set(run, DSEC_MX, SS_PASS, "%s does not exist", run->out->domain);
    else if (mx->null_mx)
        section_set(run, DSEC_MX, SS_PASS, "null MX: the domain accepts no mail");
    else if (mx->implicit && usable)
        section_set(run, DSEC_MX, SS_PASS, "no MX; mail goes to the domain's own address");
    else if (mx->n_hosts)
        section_set(run, DSEC_MX, SS_PASS, "%zu MX host%s, %zu with addresses (%zu address%s)",
                    mx->n_hosts, mx->n_hosts == 1 ? "" : "s", usable, n_addrs,
                    n_addrs == 1 ? "" : "es");
    else if (mx->status == DNS_OK || mx->status == DNS_NODATA)
        section_set(run, DSEC_MX, SS_PASS, "no mail exchanger");
    else
        section_set(run, DSEC_MX, SS_PASS, "MX lookup failed (%s)", dns_status_name(mx->status));
}

static void mx_free_state(domain_ctx *run)
{
    free(run->mx.q_host);
    run->mx.q_host = NULL;
}

const domain_section_ops domain_section_mx = {
    .id = DSEC_MX,
    .plan = mx_plan,
    .consume = mx_consume,
    .finish = mx_finish,
    .free_state = mx_free_state,
};
