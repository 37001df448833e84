/* rdata.c — record data parsers for the query engine (rdata.h).
 *
 * RFC 1035 §3.3.9 (MX), §3.3.12 (PTR), §3.3.1 (CNAME), §3.3.14 (TXT),
 * §3.4.1 (A); RFC 3596 §2.2 (AAAA); RFC 6698 §2.1 (TLSA); RFC 7505 (null MX).
 * Names inside rdata are decoded by dname_to_text, which escapes every byte
 * outside printable ASCII, so all text produced here is safe to display. The
 * payload arrays are allocated once with the record count (capped), so no
 * parser can grow anything past that. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/dname.h"
#include "dns/rdata.h"

/* One A/AAAA rdata into *a. Returns 0, or -1 when the length is wrong. */
static int parse_addr(dns_rrtype type, const unsigned char *p, size_t len, dns_addr *a)
{
    memset(a, 0, sizeof *a);
    if (type == DNS_RR_A && len == 4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, p, 4);
        a->len = sizeof *sin;
        inet_ntop(AF_INET, &sin->sin_addr, a->text, sizeof a->text);
        return 0;
    }
    if (type == DNS_RR_AAAA && len == 16) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, p, 16);
        a->len = sizeof *sin6;
        inet_ntop(AF_INET6, &sin6->sin6_addr, a->text, sizeof a->text);
        return 0;
    }
    return -1;
}

/* A name that must use up exactly len bytes (PTR, CNAME). */
static int parse_name(const unsigned char *p, size_t len, char *out, size_t outsz)
{
    size_t used = 0;
    if (dname_to_text(p, len, &used, out, outsz) < 0 || used != len)
        return -1;
    return 0;
}

/* MX: a 16-bit preference, then a name that must use up the rest exactly. */
static int parse_mx(const unsigned char *p, size_t len, unsigned *pref, char *host, size_t hostsz)
{
    if (len < 3)
        return -1;
    *pref = (unsigned)p[0] << 8 | p[1];
    return parse_name(p + 2, len - 2, host, hostsz);
}

/* Split TXT rdata into its <character-string>s. Returns 0 or -1 (malformed
 * or OOM, *oom says which; t is then empty). */
static int parse_txt(const unsigned char *p, size_t len, dns_txt *t, bool *oom)
{
    size_t n = 0, i = 0;
    memset(t, 0, sizeof *t);
    while (i < len) { /* count, and check every length stays inside */
        i += 1 + (size_t)p[i];
        n++;
    }
    if (i != len)
        return -1;
    *oom = true;
    if (n && (!(t->strs = calloc(n, sizeof *t->strs)) || !(t->lens = calloc(n, sizeof *t->lens))))
        goto fail;
    for (i = 0; t->nstrs < n; t->nstrs++) {
        size_t l = p[i++];
        if (!(t->strs[t->nstrs] = malloc(l + 1)))
            goto fail;
        memcpy(t->strs[t->nstrs], p + i, l);
        t->strs[t->nstrs][l] = '\0';
        t->lens[t->nstrs] = l;
        i += l;
    }
    *oom = false;
    return 0;
fail:
    for (size_t k = 0; k < t->nstrs; k++)
        free(t->strs[k]);
    free(t->strs);
    free(t->lens);
    memset(t, 0, sizeof *t);
    return -1;
}

/* TLSA: usage, selector, matching type (one octet each), then the
 * certificate association data, which must not be empty. */
static int parse_tlsa(const unsigned char *p, size_t len, dns_tlsa *t, bool *oom)
{
    memset(t, 0, sizeof *t);
    *oom = false;
    if (len < 4)
        return -1;
    t->usage = p[0];
    t->selector = p[1];
    t->mtype = p[2];
    t->len = len - 3;
    if (!(t->data = malloc(t->len))) {
        *oom = true;
        return -1;
    }
    memcpy(t->data, p + 3, t->len);
    return 0;
}

/* Insert (pref, host) keeping l sorted by preference; stable, so ties keep
 * answer order. l->v has room (allocated for every record). */
static void mx_insert(dns_mx_list *l, unsigned pref, char *host)
{
    size_t j = l->n;
    while (j > 0 && l->v[j - 1].pref > pref) {
        l->v[j] = l->v[j - 1];
        j--;
    }
    l->v[j].pref = pref;
    l->v[j].host = host;
    l->n++;
}

/* Allocate the payload array for count records of type. */
static int alloc_payload(dns_answer *a, dns_rrtype type, size_t count)
{
    switch (type) {
    case DNS_RR_A:
    case DNS_RR_AAAA: return (a->addrs.v = calloc(count, sizeof *a->addrs.v)) ? 0 : -1;
    case DNS_RR_MX: return (a->mx.v = calloc(count, sizeof *a->mx.v)) ? 0 : -1;
    case DNS_RR_TXT: return (a->txt.v = calloc(count, sizeof *a->txt.v)) ? 0 : -1;
    case DNS_RR_PTR:
    case DNS_RR_CNAME: return (a->names.v = calloc(count, sizeof *a->names.v)) ? 0 : -1;
    case DNS_RR_TLSA: return (a->tlsa = calloc(count, sizeof *a->tlsa)) ? 0 : -1;
    }
    return 0;
}

/* Parse one record into the next free payload slot. Returns 1 kept,
 * 0 malformed (skipped), -1 OOM. */
static int parse_one(dns_answer *a, dns_rrtype type, const unsigned char *p, size_t len)
{
    char name[DNAME_TEXT_MAX];
    unsigned pref;
    bool oom = false;

    switch (type) {
    case DNS_RR_A:
    case DNS_RR_AAAA:
        if (parse_addr(type, p, len, &a->addrs.v[a->addrs.n]) < 0)
            return 0;
        a->addrs.n++;
        return 1;
    case DNS_RR_MX: {
        if (parse_mx(p, len, &pref, name, sizeof name) < 0)
            return 0;
        char *h = xstrdup(name);
        if (!h)
            return -1;
        mx_insert(&a->mx, pref, h);
        return 1;
    }
    case DNS_RR_TXT:
        if (parse_txt(p, len, &a->txt.v[a->txt.n], &oom) < 0)
            return oom ? -1 : 0;
        a->txt.n++;
        return 1;
    case DNS_RR_PTR:
    case DNS_RR_CNAME:
        if (parse_name(p, len, name, sizeof name) < 0)
            return 0;
        if (!(a->names.v[a->names.n] = xstrdup(name)))
            return -1;
        a->names.n++;
        return 1;
    case DNS_RR_TLSA:
        if (parse_tlsa(p, len, &a->tlsa[a->n_tlsa], &oom) < 0)
            return oom ? -1 : 0;
        a->n_tlsa++;
        return 1;
    }
    return 0;
}

int dns_rdata_parse(dns_answer *a, dns_rrtype type, char *const *data, const int *len,
                    size_t count)
{
    int kept = 0;
    if (count > DNS_RDATA_MAX_RECORDS)
        count = DNS_RDATA_MAX_RECORDS;
    if (count == 0)
        return 0;
    if (alloc_payload(a, type, count) < 0)
        goto oom;
    for (size_t i = 0; i < count; i++) {
        if (!data[i] || len[i] < 0)
            continue;
        int rc = parse_one(a, type, (const unsigned char *)data[i], (size_t)len[i]);
        if (rc < 0)
            goto oom;
        kept += rc;
    }
    return kept;
oom:
    dns_rdata_clear(a);
    return -1;
}

void dns_rdata_clear(dns_answer *a)
{
    dns_addr_list_free(&a->addrs);
    dns_mx_list_free(&a->mx);
    dns_txt_list_free(&a->txt);
    dns_name_list_free(&a->names);
    for (size_t i = 0; i < a->n_tlsa; i++)
        free(a->tlsa[i].data);
    free(a->tlsa);
    a->tlsa = NULL;
    a->n_tlsa = 0;
}
