/* dane.c — DANE for SMTP (see dane.h): the TLSA lookup, what its DNSSEC state
 * means, which records count, and the verdict. The handshake with the records
 * loaded is in dane_verify.c.
 *
 * RFCs: 6698 (TLSA), 7671 (DANE operations), 7672 (DANE for SMTP): TLSA at
 * _PORT._tcp.HOST (§2.2.3), usable only when DNSSEC-validated (§2.2), usages
 * 0/1 unusable for SMTP (§3.1.3), DANE-EE without name or validity checks
 * (§3.1.1). Nothing here prints; every peer or DNS string is escaped before it
 * lands in the report or a finding. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tcp.h"
/* ---- dns ---- */
#include "dns/batch.h"
#include "dns/resolver.h"
/* ---- checks ---- */
#include "checks/security/dane.h"
#include "checks/security/dane_verify.h"

/* More TLSA records than this in one answer are not looked at (a real RRset
 * has two or three; the cap bounds work on hostile DNS data). */
#define DANE_MAX_RECORDS 32
#define DANE_DEFAULT_TIMEOUT_MS 10000

const char *dane_state_name(dane_state s)
{
    static const char *const names[] = {"not_checked", "no_tlsa", "insecure", "bogus",
                                        "verified", "mismatch", "unusable", "error"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "not_checked";
}

void dane_report_clear(dane_report *r)
{
    if (!r)
        return;
    free(r->qname);
    for (size_t i = 0; i < r->n_records; i++)
        free(r->records[i].data_hex);
    free(r->records);
    free(r->detail);
    memset(r, 0, sizeof *r);
}

/* Replace r->detail with a formatted line. Returns 0 or -1 on OOM. */
static int set_detail(dane_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_detail(dane_report *r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(r->detail);
    r->detail = xstrdup(buf);
    return r->detail ? 0 : -1;
}

/* RFC 7672 §3.1.3 and RFC 7671 §5: only DANE-TA(2) and DANE-EE(3), with a
 * known selector and matching type and a digest of the right size, count. */
static bool record_usable(unsigned usage, unsigned selector, unsigned mtype, size_t len)
{
    if (usage != 2 && usage != 3)
        return false;
    if (selector > 1)
        return false;
    switch (mtype) {
    case 0: return len > 0;
    case 1: return len == 32;
    case 2: return len == 64;
    default: return false;
    }
}

static char *hex_of(const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(n * 2 + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    return s;
}

/* Copy the answer's records into the report; *n_usable counts the usable. */
static int copy_records(const dns_answer *a, dane_report *r, size_t *n_usable)
{
    *n_usable = 0;
    r->n_published = a->n_tlsa;
    size_t n = a->n_tlsa < DANE_MAX_RECORDS ? a->n_tlsa : DANE_MAX_RECORDS;
    if (n == 0)
        return 0;
    r->records = calloc(n, sizeof *r->records);
    if (!r->records)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const dns_tlsa *t = &a->tlsa[i];
        dane_record_view *v = &r->records[i];
        v->usage = (uint8_t)t->usage;
        v->selector = (uint8_t)t->selector;
        v->mtype = (uint8_t)t->mtype;
        if (!(v->data_hex = hex_of(t->data, t->len)))
            return -1;
        r->n_records++;
        v->usable = record_usable(t->usage, t->selector, t->mtype, t->len);
        if (v->usable)
            (*n_usable)++;
    }
    return 0;
}

static bool is_ip_literal(const char *h)
{
    tcp_addr a;
    return tcp_addr_parse(h, &a) == 0;
}

/* The DNSSEC-state part of the verdict, for an answer with records. Returns
 * 1 when the records may be used (secure), 0 when the verdict is final,
 * -1 on OOM. */
static int judge_dnssec(const dns_answer *a, const char *qn, dane_report *r, finding_list *f)
{
    switch (a->dnssec) {
    case DNSSEC_SECURE: return 1;
    case DNSSEC_BOGUS:
        r->state = DANE_BOGUS;
        if (finding_add(f, "dane.bogus", STAGE_DANE, NULL,
                        "the TLSA answer for %s failed DNSSEC validation", qn) < 0)
            return -1;
        return set_detail(r, "TLSA at %s: DNSSEC bogus", qn) < 0 ? -1 : 0;
    case DNSSEC_INSECURE:
        r->state = DANE_INSECURE;
        if (finding_add(f, "dane.insecure_tlsa", STAGE_DANE, NULL,
                        "%zu TLSA record%s at %s, but the zone is not DNSSEC-signed: senders "
                        "ignore them",
                        r->n_records, r->n_records == 1 ? "" : "s", qn) < 0)
            return -1;
        return set_detail(r, "TLSA at %s without DNSSEC (insecure): not usable", qn) < 0 ? -1 : 0;
    case DNSSEC_UNCHECKED:
    default:
        r->state = DANE_INSECURE;
        if (finding_add(f, "dane.unvalidated", STAGE_DANE, NULL,
                        "%zu TLSA record%s at %s; DNSSEC was not validated in this run",
                        r->n_records, r->n_records == 1 ? "" : "s", qn) < 0)
            return -1;
        return set_detail(r, "TLSA at %s, DNSSEC not validated (no trust anchor)", qn) < 0 ? -1
                                                                                        : 0;
    }
}

/* Look the TLSA RRset up and fill r (state, dnssec, records) for every
 * outcome but "secure with records". Returns 1 when the records are to be
 * verified by a handshake, 0 when the verdict is final, -1 on OOM. */
static int lookup(const dane_opts *o, dns_resolver *res, const char *name, const char *qn,
                  dane_report *r, finding_list *f)
{
    dns_batch *b = dns_batch_new(res);
    if (!b)
        return -1;
    int rc = -1;
    int i = dns_batch_add(b, name, DNS_RR_TLSA);
    if (i < 0)
        goto out;
    err e;
    err_clear(&e);
    int64_t to = o->timeout_ms > 0 ? o->timeout_ms : DANE_DEFAULT_TIMEOUT_MS;
    if (dns_batch_run(b, clock_deadline_in(to), &e) < 0) {
        if (e.cls == ERRC_INTERNAL)
            goto out;
        r->state = DANE_ERROR;
        rc = finding_add(f, "dane.lookup_failed", STAGE_DANE, NULL, "TLSA lookup for %s: %s", qn,
                         e.msg) < 0 || set_detail(r, "TLSA lookup failed: %s", e.msg) < 0
                 ? -1
                 : 0;
        goto out;
    }
    const dns_answer *a = dns_batch_answer(b, i);
    r->dnssec = (int)a->dnssec;
    /* Bogus first: a validating resolver withholds the data (SERVFAIL). */
    if (a->dnssec == DNSSEC_BOGUS) {
        rc = judge_dnssec(a, qn, r, f);
        goto out;
    }
    switch (a->status) {
    case DNS_OK: break;
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        r->state = DANE_NO_TLSA;
        rc = set_detail(r, "no TLSA record at %s (DANE not published%s)", qn,
                        a->dnssec == DNSSEC_SECURE ? ", proven by DNSSEC" : "") < 0
                 ? -1
                 : 0;
        goto out;
    default: {
        char *why = a->why ? escape_display(a->why, strlen(a->why)) : NULL;
        r->state = DANE_ERROR;
        rc = finding_add(f, "dane.lookup_failed", STAGE_DANE, NULL, "TLSA lookup for %s: %s", qn,
                         why ? why : dns_status_name(a->status)) < 0 ||
                     set_detail(r, "TLSA lookup failed (%s)", dns_status_name(a->status)) < 0
                 ? -1
                 : 0;
        free(why);
        goto out;
    }
    }
    size_t usable = 0;
    if (copy_records(a, r, &usable) < 0)
        goto out;
    if (r->n_records == 0) { /* "ok" never comes without data; be safe anyway */
        r->state = DANE_NO_TLSA;
        rc = set_detail(r, "no TLSA record at %s", qn) < 0 ? -1 : 0;
        goto out;
    }
    rc = judge_dnssec(a, qn, r, f);
    if (rc != 1)
        goto out;
    if (usable == 0) {
        r->state = DANE_UNUSABLE;
        rc = finding_add(f, "dane.unusable_records", STAGE_DANE, NULL,
                         "the %zu TLSA record%s at %s %s usage 0/1 or unknown parameters",
                         r->n_records, r->n_records == 1 ? "" : "s", qn,
                         r->n_records == 1 ? "has" : "all have") < 0 ||
                     set_detail(r, "no TLSA record at %s is usable for SMTP", qn) < 0
                 ? -1
                 : 0;
        goto out;
    }
    if (usable < r->n_records &&
        finding_add(f, "dane.ignored_records", STAGE_DANE, NULL,
                    "%zu of the %zu TLSA records at %s are not usable for SMTP and were ignored",
                    r->n_records - usable, r->n_records, qn) < 0)
        goto out;
    rc = 1;
out:
    dns_batch_free(b);
    return rc;
}

int dane_check(const dane_opts *o, dns_resolver *resolver, dane_report *out,
               finding_list *findings, transcript *t)
{
    memset(out, 0, sizeof *out);
    out->match_depth = -1;
    out->dnssec = DNSSEC_UNCHECKED;
    if (!o || !o->host || !*o->host || o->port <= 0 || o->port > 65535)
        return set_detail(out, "DANE not checked: no host name or port");
    /* The TLSA base domain is the host name without a final dot. */
    char name[300];
    size_t hl = strlen(o->host);
    if (hl && o->host[hl - 1] == '.')
        hl--;
    if (hl == 0 || hl > 253)
        return set_detail(out, "DANE not checked: the host name is empty or too long");
    char host[256];
    memcpy(host, o->host, hl);
    host[hl] = '\0';
    char *shown = escape_display(host, hl);
    if (!shown)
        return -1;
    if (is_ip_literal(host)) {
        int rc = set_detail(out, "DANE not checked: %s is an address; TLSA needs a host name",
                            shown);
        free(shown);
        return rc;
    }
    snprintf(name, sizeof name, "_%d._tcp.%s", o->port, host);
    out->qname = xasprintf("_%d._tcp.%s.", o->port, shown);
    free(shown);
    if (!out->qname)
        return -1;
    if (!resolver)
        return set_detail(out, "DANE not checked: no DNS resolver");

    int rc = lookup(o, resolver, name, out->qname, out, findings);
    if (rc <= 0)
        return rc;
    return dane_verify(o, host, out, findings, t);
}
