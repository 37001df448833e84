/* section_dnsbl.c — the DNS blocklist section of a domain report: every MX
 * address and --ip looked up in each blocklist zone (run.h, domain.h).
 *
 * RFC 5782 (DNSxL query form: the reversed address, IPv6 as nibbles, under
 * the zone). What an answer means is decided by analysis/dnsbl (a listing, a
 * refusal of our resolver, or not a blocklist answer at all).
 *
 * Waves: 0 --ip in every zone; 1 the TXT reason of its listings; 2 every
 * other distinct MX address in every zone; 3 the TXT reasons of those. Entries
 * are address-major, --ip first. An entry belongs to --ip when its address is
 * --ip (an MX address equal to --ip is not asked twice). Bounds: DNSBL_ZONES
 * zones and DNSBL_ADDRS MX addresses (DNS_BATCH_MAX must hold them all).
 *
 * Findings: a listing is an error per address and zone; refusals, foreign
 * answers, timeouts and failures are grouped into one warning per zone, since
 * they say something about the list or the resolver, not about an address. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- analysis ---- */
#include "analysis/dnsbl/dnsbl.h"
/* ---- checks ---- */
#include "checks/domain/run.h"

#define DNSBL_ZONES 16  /* blocklists used; more --dnsbl are ignored with a note */
#define DNSBL_ADDRS 20  /* distinct MX addresses checked */
#define DNSBL_QNAME 400 /* reversed IPv6 (73) + zone (253) + NUL fits */

static bool same_addr(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    if (!a || !b)
        return false;
    if (inet_pton(AF_INET, a, x) == 1)
        return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
    return inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1 &&
           memcmp(x, y, 16) == 0;
}

/* --ip in canonical text (IPv4-mapped IPv6 as IPv4), "" when not an address. */
static void canon_ip(const char *ip, char out[64])
{
    unsigned char bin[16];
    out[0] = '\0';
    if (!ip)
        return;
    if (inet_pton(AF_INET, ip, bin) == 1) {
        inet_ntop(AF_INET, bin, out, 64);
    } else if (inet_pton(AF_INET6, ip, bin) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(bin, mapped, 12) == 0)
            inet_ntop(AF_INET, bin + 12, out, 64);
        else
            inet_ntop(AF_INET6, bin, out, 64);
    }
}

/* The zone to query for zone i (given or default), trailing dot dropped. */
static void zone_name(const domain_opts *o, size_t i, char out[256])
{
    const char *z = o->n_dnsbls ? o->dnsbls[i] : domain_default_dnsbls[i];
    size_t n = strnlen(z, 255);
    if (n && z[n - 1] == '.')
        n--;
    memcpy(out, z, n);
    out[n] = '\0';
}

static size_t n_zones_given(const domain_opts *o)
{
    if (o->n_dnsbls)
        return o->n_dnsbls;
    size_t n = 0;
    while (domain_default_dnsbls[n])
        n++;
    return n;
}

/* ---------------------------------------------------------- entries */

/* One entry per zone for addr; the A queries go out in this wave. */
static void add_addr(domain_ctx *run, const char *addr, size_t *planned)
{
    domain_dnsbl *bl = &run->out->dnsbl;
    dnsbl_state *s = &run->bl;
    size_t nz = bl->n_zones;
    domain_dnsbl_entry *v = realloc(bl->v, (bl->n + nz) * sizeof *v);
    if (!v)
        return (void)(run->oom = true);
    bl->v = v;
    int *qa = realloc(s->q_a, (bl->n + nz) * sizeof *qa);
    if (!qa)
        return (void)(run->oom = true);
    s->q_a = qa;
    int *qt = realloc(s->q_txt, (bl->n + nz) * sizeof *qt);
    if (!qt)
        return (void)(run->oom = true);
    s->q_txt = qt;
    for (size_t z = 0; z < nz && !run->oom; z++) {
        char zone[256], qname[DNSBL_QNAME];
        zone_name(run->o, z, zone);
        domain_dnsbl_entry *e = &bl->v[bl->n];
        memset(e, 0, sizeof *e);
        e->status = DNS_TIMEOUT; /* until its wave answers */
        s->q_a[bl->n] = s->q_txt[bl->n] = -1;
        e->addr = xstrdup(addr);
        e->zone = xstrdup(bl->zones[z]);
        if (!e->addr || !e->zone) {
            free(e->addr);
            free(e->zone);
            run->oom = true;
            return;
        }
        bl->n++;
        if (dns_reverse_name(addr, zone, qname, sizeof qname) < 0) {
            e->status = DNS_ERROR;
            continue;
        }
        if (!(e->query = section_escape(run, qname, strlen(qname))))
            return;
        s->q_a[bl->n - 1] = section_ask(run, qname, DNS_RR_A, planned);
    }
    s->n_planned = bl->n;
}

static bool is_ip_entry(domain_ctx *run, const domain_dnsbl_entry *e)
{
    char ip[64];
    canon_ip(run->o->ip, ip);
    return ip[0] && same_addr(e->addr, ip);
}

static void plan_mx_addrs(domain_ctx *run, size_t *planned)
{
    const domain_mx *mx = &run->out->mx;
    char ip[64];
    canon_ip(run->o->ip, ip);
    size_t added = 0, skipped = 0;
    for (size_t h = 0; h < mx->n_hosts && !run->oom; h++) {
        for (size_t k = 0; k < mx->hosts[h].n_addrs && !run->oom; k++) {
            const char *a = mx->hosts[h].addrs[k];
            bool seen = ip[0] && same_addr(a, ip);
            for (size_t i = 0; i < run->out->dnsbl.n && !seen; i++)
                seen = same_addr(run->out->dnsbl.v[i].addr, a);
            if (seen)
                continue;
            if (added == DNSBL_ADDRS) {
                skipped++;
                continue;
            }
            add_addr(run, a, planned);
            added++;
        }
    }
    if (skipped)
        section_note(run, "blocklists: %zu more MX addresses were not checked (limit %d)", skipped,
                     DNSBL_ADDRS);
}

static void consume_a(domain_ctx *run, size_t i)
{
    domain_dnsbl_entry *e = &run->out->dnsbl.v[i];
    const dns_answer *a = dns_batch_answer(run->batch, run->bl.q_a[i]);
    if (!a)
        return;
    e->status = a->status;
    if (a->status != DNS_OK)
        return;
    unsigned char raw[DNSBL_MAX_ANSWERS * 4];
    size_t n = 0;
    for (size_t k = 0; k < a->addrs.n && n < DNSBL_MAX_ANSWERS; k++)
        if (inet_pton(AF_INET, a->addrs.v[k].text, raw + 4 * n) == 1)
            n++;
    dnsbl_class c;
    dnsbl_classify(raw, n, &c);
    e->listed = c.verdict == DNSBL_LISTED;
    e->refused = c.verdict == DNSBL_REFUSED;
    if (c.verdict == DNSBL_CLEAN)
        return;
    const unsigned char(*shown)[4] = c.verdict == DNSBL_LISTED ? c.codes : &c.decisive;
    size_t n_shown = c.verdict == DNSBL_LISTED ? c.n_codes : 1;
    if (!(e->codes = calloc(n_shown, sizeof *e->codes)))
        return (void)(run->oom = true);
    for (size_t k = 0; k < n_shown; k++) {
        char t[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, shown[k], t, sizeof t);
        if (!(e->codes[k] = xstrdup(t)))
            return (void)(run->oom = true);
        e->n_codes++;
    }
}

static void consume_txt(domain_ctx *run, size_t i)
{
    domain_dnsbl_entry *e = &run->out->dnsbl.v[i];
    const dns_answer *a = dns_batch_answer(run->batch, run->bl.q_txt[i]);
    if (!a || a->status != DNS_OK || !a->txt.n)
        return;
    const dns_txt *t = &a->txt.v[0];
    if (!(e->reason = dnsbl_reason((const char *const *)t->strs, t->lens, t->nstrs)))
        run->oom = true;
}

/* ---------------------------------------------------------- the ops */

static int bl_plan(domain_ctx *run, int wave, size_t *planned)
{
    domain_dnsbl *bl = &run->out->dnsbl;
    if (run->o->no_dnsbl)
        return 0;
    if (wave == 0) {
        size_t nz = n_zones_given(run->o);
        if (nz > DNSBL_ZONES) {
            section_note(run, "blocklists: only the first %d of %zu zones were used", DNSBL_ZONES,
                         nz);
            nz = DNSBL_ZONES;
        }
        if (nz && !(bl->zones = calloc(nz, sizeof *bl->zones)))
            return -1;
        for (size_t z = 0; z < nz; z++) {
            char zone[256];
            zone_name(run->o, z, zone);
            if (!(bl->zones[z] = section_escape(run, zone, strlen(zone))))
                return -1;
            bl->n_zones++;
        }
        char ip[64];
        canon_ip(run->o->ip, ip);
        if (ip[0] && nz)
            add_addr(run, ip, planned);
    } else if (wave == 2 && bl->n_zones) {
        plan_mx_addrs(run, planned);
    } else if (wave == 1 || wave == 3) {
        for (size_t i = 0; i < bl->n; i++)
            if (bl->v[i].listed && run->bl.q_txt[i] < 0 &&
                is_ip_entry(run, &bl->v[i]) == (wave == 1)) {
                char qname[DNSBL_QNAME];
                char zone[256];
                zone_name(run->o, i % bl->n_zones, zone);
                if (dns_reverse_name(bl->v[i].addr, zone, qname, sizeof qname) == 0)
                    run->bl.q_txt[i] = section_ask(run, qname, DNS_RR_TXT, planned);
            }
    }
    return run->oom ? -1 : 0;
}

static int bl_consume(domain_ctx *run, int wave)
{
    domain_dnsbl *bl = &run->out->dnsbl;
    for (size_t i = 0; i < bl->n && !run->oom; i++) {
        bool ip = is_ip_entry(run, &bl->v[i]);
        if ((wave == 0 && ip) || (wave == 2 && !ip))
            consume_a(run, i);
        else if (((wave == 1 && ip) || (wave == 3 && !ip)) && run->bl.q_txt[i] >= 0)
            consume_txt(run, i);
    }
    return run->oom ? -1 : 0;
}

/* Who an address is, for messages: "--ip" or its MX host. */
static const char *owner(domain_ctx *run, const char *addr)
{
    char ip[64];
    canon_ip(run->o->ip, ip);
    if (ip[0] && same_addr(addr, ip))
        return "the sending address";
    const domain_mx *mx = &run->out->mx;
    for (size_t h = 0; h < mx->n_hosts; h++)
        for (size_t k = 0; k < mx->hosts[h].n_addrs; k++)
            if (strcmp(mx->hosts[h].addrs[k], addr) == 0)
                return mx->hosts[h].host;
    return "?";
}

static void listing_finding(domain_ctx *run, const domain_dnsbl_entry *e)
{
    unsigned char code[4] = {0};
    const char *meaning = NULL;
    if (e->n_codes && inet_pton(AF_INET, e->codes[0], code) == 1)
        meaning = dnsbl_code_meaning(e->zone, code);
    char codes[128] = "";
    size_t len = 0;
    for (size_t k = 0; k < e->n_codes && len < sizeof codes; k++) {
        int w = snprintf(codes + len, sizeof codes - len, "%s%s", k ? ", " : "", e->codes[k]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    const char *who = owner(run, e->addr);
    section_finding(run, DSEC_DNSBL, "dnsbl.listed", NULL,
                    "%s (%s%s) is listed on %s: %s%s%s%s%s%s", e->addr,
                    strcmp(who, "the sending address") == 0 ? "" : "MX host ", who, e->zone,
                    codes, meaning ? " — " : "", meaning ? meaning : "",
                    e->reason ? " — reason: \"" : "", e->reason ? e->reason : "",
                    e->reason ? "\"" : "");
}

/* One warning per zone for what went wrong with it, whatever the address. */
static void zone_findings(domain_ctx *run, size_t z)
{
    const domain_dnsbl *bl = &run->out->dnsbl;
    size_t refused = 0, bogus = 0, timeouts = 0, failed = 0, total = 0;
    const domain_dnsbl_entry *first_refused = NULL, *first_bogus = NULL, *first_failed = NULL;
    for (size_t i = z; i < bl->n; i += bl->n_zones) {
        const domain_dnsbl_entry *e = &bl->v[i];
        total++;
        if (e->refused) {
            refused++;
            first_refused = first_refused ? first_refused : e;
        } else if (e->status == DNS_OK && !e->listed && e->n_codes) {
            bogus++;
            first_bogus = first_bogus ? first_bogus : e;
        } else if (e->status == DNS_TIMEOUT) {
            timeouts++;
        } else if (e->status == DNS_SERVFAIL || e->status == DNS_ERROR) {
            failed++;
            first_failed = first_failed ? first_failed : e;
        }
    }
    const char *zone = bl->zones[z];
    if (refused) {
        unsigned char code[4] = {0};
        if (first_refused->n_codes)
            inet_pton(AF_INET, first_refused->codes[0], code);
        section_finding(run, DSEC_DNSBL, "dnsbl.refused", NULL,
                        "%s did not answer %zu of %zu queries: it returned %s, meaning %s; those "
                        "addresses were not checked against it",
                        zone, refused, total,
                        first_refused->n_codes ? first_refused->codes[0] : "an error code",
                        dnsbl_refusal_meaning(code));
    }
    if (bogus)
        section_finding(run, DSEC_DNSBL, "dnsbl.bogus_answer", NULL,
                        "%s answered %zu of %zu queries with an address outside 127.0.0.0/8 (%s "
                        "for %s): that is not a blocklist answer, so its results were ignored",
                        zone, bogus, total, first_bogus->n_codes ? first_bogus->codes[0] : "?",
                        first_bogus->addr);
    if (timeouts)
        section_finding(run, DSEC_DNSBL, "dnsbl.timeout", NULL,
                        "%s did not answer %zu of %zu queries in time", zone, timeouts, total);
    if (failed)
        section_finding(run, DSEC_DNSBL, "dnsbl.lookup_failed", NULL,
                        "the queries to %s failed (%s for %s)", zone,
                        dns_status_name(first_failed->status), first_failed->addr);
}

static void bl_finish(domain_ctx *run)
{
    const domain_dnsbl *bl = &run->out->dnsbl;
    if (run->o->no_dnsbl) {
        section_set(run, DSEC_DNSBL, SS_SKIP, "skipped (--no-dnsbl)");
        return;
    }
    if (!bl->n_zones || !bl->n) {
        section_set(run, DSEC_DNSBL, SS_SKIP, bl->n_zones ? "no address to check" : "no blocklist");
        return;
    }
    size_t listed = 0;
    for (size_t i = 0; i < bl->n; i++)
        if (bl->v[i].listed) {
            listing_finding(run, &bl->v[i]);
            listed++;
        }
    for (size_t z = 0; z < bl->n_zones; z++)
        zone_findings(run, z);
    size_t n_addrs = bl->n / bl->n_zones;
    section_set(run, DSEC_DNSBL, SS_PASS, "%zu address%s on %zu list%s: %zu listing%s", n_addrs,
                n_addrs == 1 ? "" : "es", bl->n_zones, bl->n_zones == 1 ? "" : "s", listed,
                listed == 1 ? "" : "s");
}

static void bl_free_state(domain_ctx *run)
{
    free(run->bl.q_a);
    free(run->bl.q_txt);
    run->bl.q_a = run->bl.q_txt = NULL;
    run->bl.n_planned = 0;
}

const domain_section_ops domain_section_dnsbl = {
    .id = DSEC_DNSBL,
    .plan = bl_plan,
    .consume = bl_consume,
    .finish = bl_finish,
    .free_state = bl_free_state,
};
