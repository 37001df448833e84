/* section_sts.c — the MTA-STS and TLS-RPT sections of a domain report
 * (records.h).
 *
 * RFC 8461 §3.1: the TXT record at _mta-sts.DOMAIN; records not starting
 * with v=STSv1 are ignored, and anything but exactly one means no policy.
 * RFC 8460 §3: the TXT record at _smtp._tls.DOMAIN, the same rule for
 * v=TLSRPTv1.
 *
 * With a record and domain_opts.sts_fetch, the policy file (RFC 8461 §3.3)
 * is fetched over HTTPS (transport/https.h: certificate and host name
 * verified, no redirects, 64 KiB, text/plain) from mta-sts.DOMAIN, whose
 * addresses are asked in wave 1 through the report's own resolver so --dns
 * applies; it is parsed (analysis/mtasts), every MX host is matched against
 * its mx patterns (§4.1), and with --connect each MX host's certificate is
 * checked in a STARTTLS handshake (checks/endpoint.h) against the MX name
 * (§4.2). The fetch and the handshakes run in finish(), after the waves and
 * the --connect sweep, on the caller's thread, each under the --timeout. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/https.h"
#include "transport/tlsinfo.h"
/* ---- analysis ---- */
#include "analysis/mtasts/mtasts.h"
#include "analysis/tlsrpt/tlsrpt.h"
/* ---- checks ---- */
#include "checks/domain/records.h"
#include "checks/endpoint.h"
#include "checks/sweep.h"

#define STS_DEFAULT_TIMEOUT_MS 5000
#define STS_CERT_HOSTS_MAX 8   /* MX hosts whose certificate is checked (more: a note) */
#define STS_CERT_ADDRS_MAX 4   /* addresses tried per MX host */
#define STS_ADDRS_MAX 16       /* policy host addresses handed to the fetch */

static bool is_sts(const char *s, size_t n);

/* Wave 1: the policy host's addresses, when there is exactly one record to
 * fetch a policy for and no --mta-sts-connect decides where to connect. */
static int plan_policy_host(domain_ctx *run, size_t *planned)
{
    const dns_answer *a = rec_answer(run, run->rec.q_mtasts);
    if (!run->o->sts_fetch || run->o->sts_connect || !a || a->status != DNS_OK)
        return 0;
    char *text = NULL;
    size_t len = 0;
    size_t n = rec_txt_pick(run, a, is_sts, &text, &len);
    free(text);
    if (n != 1)
        return run->oom ? -1 : 0;
    char name[300];
    snprintf(name, sizeof name, "mta-sts.%s", run->o->domain);
    run->rec.q_sts_host[0] = section_ask(run, name, DNS_RR_AAAA, planned);
    run->rec.q_sts_host[1] = section_ask(run, name, DNS_RR_A, planned);
    return run->oom ? -1 : 0;
}

int rec_sts_plan(domain_ctx *run, int wave, size_t *planned)
{
    if (wave == 0)
        run->rec.q_sts_host[0] = run->rec.q_sts_host[1] = -1;
    if (wave == 1)
        return plan_policy_host(run, planned);
    if (wave != 0)
        return 0;
    char name[300];
    snprintf(name, sizeof name, "_mta-sts.%s", run->o->domain);
    run->rec.q_mtasts = section_ask(run, name, DNS_RR_TXT, planned);
    snprintf(name, sizeof name, "_smtp._tls.%s", run->o->domain);
    run->rec.q_tlsrpt = section_ask(run, name, DNS_RR_TXT, planned);
    return run->oom ? -1 : 0;
}

/* "v=STSv1" then ';', a blank or the end (§3.1: "v=STSv1;" starts it; a
 * blank before the ';' is allowed by the field grammar). */
static bool is_sts(const char *s, size_t n)
{
    return n >= 7 && memcmp(s, "v=STSv1", 7) == 0 &&
           (n == 7 || s[7] == ';' || tagrec_is_blank(s[7]));
}

static bool is_tlsrpt(const char *s, size_t n)
{
    return tlsrpt_is_tlsrpt(s, n);
}

/* The common part: status, record count, the first record escaped. Returns
 * the raw text of the only record (allocated) when there is exactly one. A
 * finding is added for a failed lookup, no record (none_id) and several
 * (multiple_id). */
static char *take_txt(domain_ctx *run, domain_section_id s, int q, const char *name,
                      bool (*is)(const char *, size_t), domain_txt_policy *p, size_t *len,
                      const char *none_id, const char *none_msg, const char *multiple_id)
{
    const dns_answer *a = rec_answer(run, q);
    char *text = NULL;
    p->status = a ? a->status : DNS_ERROR;
    p->dnssec = a ? a->dnssec : DNSSEC_UNCHECKED;
    if (rec_failed(a)) {
        char what[320];
        snprintf(what, sizeof what, "the TXT lookup of %s", name);
        rec_lookup_failed(run, s, a, what);
        section_set(run, s, SS_PASS, "lookup failed (%s)", dns_status_name(p->status));
        return NULL;
    }
    p->n_records = rec_txt_pick(run, a, is, &text, len);
    if (p->n_records == 0) {
        section_finding(run, s, none_id, NULL, "no record at %s: %s", name, none_msg);
        section_set(run, s, SS_PASS, "no record");
        return NULL;
    }
    if (!(p->record = section_escape(run, text, *len))) {
        free(text);
        return NULL;
    }
    if (p->n_records > 1) {
        section_finding(run, s, multiple_id, NULL,
                        "%s has %zu records: senders must ignore them all", name, p->n_records);
        section_set(run, s, SS_PASS, "%zu records (ignored)", p->n_records);
        free(text);
        return NULL;
    }
    return text;
}

/* ------------------------------------------------------ policy file */

void domain_sts_policy_free(domain_sts_policy *p)
{
    if (!p)
        return;
    free(p->url);
    free(p->failure);
    free(p->error);
    free(p->content_type);
    free(p->address);
    mtasts_policy_free(p->parsed);
    for (size_t i = 0; i < p->n_mx; i++) {
        free(p->mx[i].host);
        free(p->mx[i].pattern);
        free(p->mx[i].cert_error);
    }
    free(p->mx);
    free(p);
}

/* The severity of a policy-dependent MX problem: mode enforce makes
 * senders refuse delivery (§5), mode testing only makes them report. */
static severity mode_sev(const mtasts_policy *pp)
{
    return pp->mode == MTASTS_MODE_ENFORCE ? SEV_ERROR : SEV_WARNING;
}

static bool mode_applies(const mtasts_policy *pp)
{
    return pp && (pp->mode == MTASTS_MODE_ENFORCE || pp->mode == MTASTS_MODE_TESTING);
}

/* The policy host's addresses from wave 1 (AAAA first). Returns how many
 * (at most max) were copied as borrowed pointers into v. *st is DNS_OK when
 * there are some, else a failure of either lookup (timeout, SERVFAIL) before
 * "does not exist" (NXDOMAIN, NODATA), so a broken resolver is not blamed on
 * the domain. */
static size_t policy_host_addrs(domain_ctx *run, const char **v, size_t max, dns_status *st)
{
    size_t n = 0;
    *st = DNS_NXDOMAIN;
    for (int k = 0; k < 2; k++) {
        const dns_answer *a = rec_answer(run, run->rec.q_sts_host[k]);
        if (!a) {
            *st = DNS_ERROR; /* never asked: the batch was full */
            continue;
        }
        if (a->status != DNS_OK && a->status != DNS_NXDOMAIN && a->status != DNS_NODATA)
            *st = a->status;
        else if (a->status == DNS_NODATA && *st == DNS_NXDOMAIN)
            *st = DNS_NODATA;
        for (size_t i = 0; i < a->addrs.n && n < max; i++)
            v[n++] = a->addrs.v[i].text;
    }
    if (n)
        *st = DNS_OK;
    return n;
}

/* Record a failed fetch in p and as a finding. */
static void fetch_failed(domain_ctx *run, domain_sts_policy *p, const char *failure,
                         const char *id, severity sev, bool temporary, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static void fetch_failed(domain_ctx *run, domain_sts_policy *p, const char *failure,
                         const char *id, severity sev, bool temporary, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0 || !(p->failure = xstrdup(failure))) {
        free(msg);
        run->oom = true;
        return;
    }
    p->error = msg;
    rec_finding(run, DSEC_MTASTS, id, sev, temporary, NULL, "%s: %s", p->url, msg);
}

/* A response that is not a usable policy: the finding that fits. */
static void response_failed(domain_ctx *run, domain_sts_policy *p, const https_response *r)
{
    const char *d = r->detail ? r->detail : "failed";
    const char *fname = https_failure_name(r->failure);
    switch (r->failure) {
    case HTTPSF_CERT:
        fetch_failed(run, p, fname, "mtasts.policy_cert_invalid", SEV_ERROR, false,
                     "the certificate of mta-sts.%s is not valid: %s", run->o->domain, d);
        break;
    case HTTPSF_REDIRECT:
        fetch_failed(run, p, fname, "mtasts.policy_redirect", SEV_ERROR, false,
                     "HTTP %ld redirect to %s; senders do not follow redirects (RFC 8461 "
                     "§3.3)", r->status, r->location ? r->location : "(no Location)");
        break;
    case HTTPSF_STATUS:
        fetch_failed(run, p, fname, "mtasts.policy_http_status", SEV_ERROR, false,
                     "HTTP status %ld, not 200", r->status);
        break;
    case HTTPSF_TOO_LARGE:
        fetch_failed(run, p, fname, "mtasts.policy_too_long", SEV_ERROR, false,
                     "the policy is larger than %d bytes (RFC 8461 §3.3)", MTASTS_POLICY_MAX);
        break;
    case HTTPSF_TIMEOUT:
        fetch_failed(run, p, fname, "mtasts.policy_unreachable", SEV_ERROR, true,
                     "no answer in time: %s", d);
        break;
    default:
        fetch_failed(run, p, fname, "mtasts.policy_unreachable", SEV_ERROR, false,
                     "cannot fetch the policy (%s): %s", fname, d);
        break;
    }
}

/* Each MX host against the policy's mx patterns (§4.1). */
static void match_mx(domain_ctx *run, domain_sts_policy *p)
{
    const domain_mx *mx = &run->out->mx;
    const mtasts_policy *pp = p->parsed;
    if (mx->null_mx || mx->n_hosts == 0) {
        section_note(run, "MTA-STS: no MX host to match against the policy's mx patterns");
        return;
    }
    if (!(p->mx = calloc(mx->n_hosts, sizeof *p->mx))) {
        run->oom = true;
        return;
    }
    for (size_t i = 0; i < mx->n_hosts; i++) {
        domain_sts_mx *x = &p->mx[p->n_mx++];
        const char *host = mx->hosts[i].host ? mx->hosts[i].host : "";
        const char *pat = mtasts_mx_match(pp, host);
        if (!(x->host = xstrdup(host)) || (pat && !(x->pattern = xstrdup(pat)))) {
            run->oom = true;
            return;
        }
        if (!pat && mode_applies(pp))
            rec_finding(run, DSEC_MTASTS, "mtasts.mx_not_covered", mode_sev(pp), false, NULL,
                        "MX host %s matches none of the policy's mx patterns: senders %s",
                        host, pp->mode == MTASTS_MODE_ENFORCE
                                  ? "refuse to deliver to it"
                                  : "report every delivery to it as a failure");
    }
}

/* The port the MX certificates are checked on: 25 (where senders deliver),
 * or the first --ports port when 25 is not swept (a lab on other ports). */
static int cert_port(const endpoint_opts *eo)
{
    if (!eo->sweep_ports || eo->n_sweep_ports == 0)
        return 25;
    for (size_t i = 0; i < eo->n_sweep_ports; i++)
        if (eo->sweep_ports[i] == 25)
            return 25;
    return eo->sweep_ports[0];
}

/* Why a verified=false certificate failed, in words. */
static char *cert_problems(const tls_info *ti, const char *host)
{
    static const struct { unsigned bit; const char *what; } bits[] = {
        {TLSV_EXPIRED, "expired"},
        {TLSV_NOT_YET_VALID, "not yet valid"},
        {TLSV_SELF_SIGNED, "self-signed"},
        {TLSV_UNTRUSTED, "not from a trusted CA"},
        {TLSV_MISSING_INTERMEDIATE, "intermediate certificate missing"},
    };
    char buf[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (ti->problems & bits[i].bit) {
            int w = snprintf(buf + len, sizeof buf - len, "%s%s", len ? ", " : "", bits[i].what);
            len += w > 0 && (size_t)w < sizeof buf - len ? (size_t)w : 0;
        }
    if (!ti->hostname_match || (ti->problems & TLSV_HOSTNAME)) {
        int w = snprintf(buf + len, sizeof buf - len, "%sdoes not name %s", len ? ", " : "",
                         host);
        len += w > 0 && (size_t)w < sizeof buf - len ? (size_t)w : 0;
    }
    if (!len && ti->verify_error)
        return xasprintf("%s", ti->verify_error);
    return xstrdup(len ? buf : "verification failed");
}

/* One STARTTLS handshake to an MX host, certificate checked against its
 * name (§4.2): SMTP stops after EHLO, no mail is sent. */
static void check_mx_cert(domain_ctx *run, const domain_mx_host *h, domain_sts_mx *x,
                          const mtasts_policy *pp, int port)
{
    const endpoint_opts *eo = run->o->connect_opts;
    x->port = port;
    if (h->probe) {
        for (size_t i = 0; i < h->probe->n; i++)
            if (h->probe->ports[i].port == port && h->probe->ports[i].state != PORT_OPEN) {
                x->cert_error = xasprintf("not checked: port %d is %s", port,
                                          port_state_name(h->probe->ports[i].state));
                if (!x->cert_error)
                    run->oom = true;
                return;
            }
    }
    if (h->n_addrs == 0) {
        if (!(x->cert_error = xstrdup("not checked: the host has no address")))
            run->oom = true;
        return;
    }
    endpoint_outcome eout;
    bool connected = false;
    for (size_t k = 0; k < h->n_addrs && k < STS_CERT_ADDRS_MAX && !connected; k++) {
        endpoint_opts o = *eo;
        o.host = h->addrs[k];
        o.servername = h->host;
        o.port = port;
        o.tls = TLSM_STARTTLS;
        o.require_tls = false;
        o.auth_user = NULL;
        o.from = NULL;
        o.to = NULL;
        o.n_to = 0;
        o.send = false;
        o.delivery = NULL;
        o.follow_mx = false;
        o.sweep_ports = NULL;
        o.n_sweep_ports = 0;
        if (o.timeout_ms <= 0)
            o.timeout_ms = STS_DEFAULT_TIMEOUT_MS;
        if (endpoint_run(&o, NULL, &eout) < 0) {
            endpoint_outcome_free(&eout);
            run->oom = true;
            return;
        }
        connected = eout.stages[STAGE_CONNECT].status == SS_PASS;
        if (!connected && k + 1 < h->n_addrs && k + 1 < STS_CERT_ADDRS_MAX)
            endpoint_outcome_free(&eout);
    }
    x->cert_checked = connected;
    if (!connected) {
        x->cert_error = xasprintf("not checked: no connection to port %d", port);
    } else if (!eout.tls_ok) {
        bool offered = eout.have_caps && eout.caps.starttls;
        x->cert_error = xasprintf("no TLS session on port %d: %s", port,
                                  offered ? "the STARTTLS handshake failed"
                                          : "STARTTLS is not offered");
        if (x->cert_error)
            rec_finding(run, DSEC_MTASTS, "mtasts.mx_starttls_failed", mode_sev(pp), false,
                        NULL, "MX host %s: %s", h->host, x->cert_error);
    } else if (!eout.tls.verified) {
        x->cert_error = cert_problems(&eout.tls, h->host);
        if (x->cert_error)
            rec_finding(run, DSEC_MTASTS, "mtasts.mx_cert_invalid", mode_sev(pp), false, NULL,
                        "MX host %s (port %d): the certificate is not valid for MTA-STS: %s",
                        h->host, port, x->cert_error);
    } else {
        x->cert_valid = true;
    }
    if (!x->cert_valid && !x->cert_error)
        run->oom = true;
    endpoint_outcome_free(&eout);
}

static void check_mx_certs(domain_ctx *run, domain_sts_policy *p)
{
    const domain_mx *mx = &run->out->mx;
    const mtasts_policy *pp = p->parsed;
    if (!mode_applies(pp) || p->n_mx == 0)
        return;
    if (!run->o->connect || !run->o->connect_opts) {
        section_note(run, "MTA-STS: the MX hosts' certificates were not checked; run with "
                          "--connect to check each one in a STARTTLS handshake");
        return;
    }
    int port = cert_port(run->o->connect_opts);
    for (size_t i = 0; i < p->n_mx && i < mx->n_hosts && !run->oom; i++) {
        if (i == STS_CERT_HOSTS_MAX) {
            section_note(run, "MTA-STS: only the first %d MX hosts' certificates were checked",
                         STS_CERT_HOSTS_MAX);
            break;
        }
        if (mx->hosts[i].ip_literal)
            continue;
        check_mx_cert(run, &mx->hosts[i], &p->mx[i], pp, port);
    }
    p->certs_checked = true;
}

/* Parse a fetched body and judge it. */
static void judge_policy(domain_ctx *run, domain_sts_policy *p, const https_response *r)
{
    err e;
    err_clear(&e);
    p->fetched = true;
    if (r->failure == HTTPSF_CONTENT_TYPE)
        rec_finding(run, DSEC_MTASTS, "mtasts.policy_bad_content_type", SEV_ERROR, false, NULL,
                    "%s: %s (RFC 8461 §3.2)", p->url, r->detail ? r->detail : "bad type");
    if (mtasts_policy_parse(r->body, r->body_len, &p->parsed, &e) < 0) {
        run->oom = true;
        return;
    }
    rec_problems(run, DSEC_MTASTS, p->parsed->problems, p->parsed->nproblems, p->url);
    if (p->parsed->mode == MTASTS_MODE_NONE)
        rec_finding(run, DSEC_MTASTS, "mtasts.mode_none", SEV_INFO, false, NULL,
                    "%s: mode none: senders forget the policy; MTA-STS is switched off",
                    p->url);
    match_mx(run, p);
    if (!run->oom)
        check_mx_certs(run, p);
}

/* Fetch, parse and judge the policy file into m->policy. */
static void fetch_policy(domain_ctx *run, domain_mtasts *m)
{
    const domain_opts *o = run->o;
    domain_sts_policy *p = calloc(1, sizeof *p);
    if (!p || !(p->url = xasprintf("https://mta-sts.%s/.well-known/mta-sts.txt", o->domain))) {
        free(p);
        run->oom = true;
        return;
    }
    m->policy = p;
    const char *addrs[STS_ADDRS_MAX];
    size_t n = 0;
    if (!o->sts_connect) {
        dns_status st;
        n = policy_host_addrs(run, addrs, STS_ADDRS_MAX, &st);
        if (n == 0) {
            if (st == DNS_NXDOMAIN || st == DNS_NODATA)
                fetch_failed(run, p, "resolve", "mtasts.policy_host_missing", SEV_ERROR, false,
                             "mta-sts.%s has no address (%s): the record announces a policy "
                             "nobody can fetch",
                             o->domain, dns_status_name(st));
            else
                fetch_failed(run, p, "resolve", "mtasts.policy_unreachable", SEV_ERROR, true,
                             "the address lookup of mta-sts.%s failed (%s)", o->domain,
                             dns_status_name(st));
            return;
        }
    }
    int64_t t = o->timeout_ms > 0 ? o->timeout_ms : STS_DEFAULT_TIMEOUT_MS;
    https_opts ho = {.deadline = clock_deadline_in(t), .ca_file = o->ca_file,
                     .connect_to = o->sts_connect, .addrs = addrs, .n_addrs = n,
                     .max_body = MTASTS_POLICY_MAX, .media_type = "text/plain"};
    https_response r;
    err e;
    err_clear(&e);
    if (https_get(p->url, &ho, &r, &e) < 0) {
        if (e.cls == ERRC_INTERNAL)
            run->oom = true;
        else
            fetch_failed(run, p, "other", "mtasts.policy_unreachable", SEV_ERROR, false,
                         "the policy was not fetched: %s", e.msg);
        return;
    }
    p->http_status = r.status;
    p->content_type = r.content_type;
    p->address = r.address;
    r.content_type = r.address = NULL;
    if (r.failure == HTTPSF_NONE || r.failure == HTTPSF_CONTENT_TYPE)
        judge_policy(run, p, &r);
    else
        response_failed(run, p, &r);
    https_response_clear(&r);
}

/* The section's one-liner once a policy was looked at. */
static void policy_summary(domain_ctx *run, const domain_mtasts *m)
{
    const domain_sts_policy *p = m->policy;
    const char *id = m->parsed && m->parsed->id ? m->parsed->id : "(invalid)";
    if (!p->parsed) {
        section_set(run, DSEC_MTASTS, SS_PASS, "id=%s; policy not fetched (%s)", id,
                    p->failure ? p->failure : "?");
        return;
    }
    size_t covered = 0;
    for (size_t i = 0; i < p->n_mx; i++)
        covered += p->mx[i].pattern != NULL;
    section_set(run, DSEC_MTASTS, SS_PASS,
                "id=%s; policy mode %s, max_age %lld, %zu mx pattern%s; %zu/%zu MX covered", id,
                mtasts_mode_name(p->parsed->mode), (long long)p->parsed->max_age,
                p->parsed->nmx, p->parsed->nmx == 1 ? "" : "s", covered, p->n_mx);
}

static void finish_mtasts(domain_ctx *run)
{
    domain_mtasts *m = &run->out->mtasts;
    char name[300];
    size_t len = 0;
    snprintf(name, sizeof name, "_mta-sts.%s", run->o->domain);
    char *text = take_txt(run, DSEC_MTASTS, run->rec.q_mtasts, name, is_sts, &m->txt, &len,
                          "mtasts.none", "senders cannot be made to require TLS to your MX",
                          "mtasts.multiple");
    if (m->txt.record && !run->o->sts_fetch)
        section_note(run,
                     "MTA-STS: the policy file https://mta-sts.%s/.well-known/mta-sts.txt was "
                     "not fetched (--no-mta-sts-fetch)",
                     run->o->domain);
    if (!text)
        return;
    err e;
    err_clear(&e);
    if (mtasts_record_parse(text, len, &m->parsed, &e) < 0) {
        run->oom = true;
    } else {
        rec_problems(run, DSEC_MTASTS, m->parsed->problems, m->parsed->nproblems, name);
        if (m->parsed->id)
            section_set(run, DSEC_MTASTS, SS_PASS, "id=%s (policy file not fetched)",
                        m->parsed->id);
        else
            section_set(run, DSEC_MTASTS, SS_PASS, "record without a valid id");
        /* A record with faults is still worth the fetch: its owner meant a
         * policy, and the policy's own faults are the next thing to fix. */
        if (run->o->sts_fetch && !run->oom) {
            fetch_policy(run, m);
            if (m->policy && !run->oom)
                policy_summary(run, m);
        }
    }
    free(text);
}

static void finish_tlsrpt(domain_ctx *run)
{
    domain_tlsrpt *t = &run->out->tlsrpt;
    char name[300];
    size_t len = 0;
    snprintf(name, sizeof name, "_smtp._tls.%s", run->o->domain);
    char *text = take_txt(run, DSEC_TLSRPT, run->rec.q_tlsrpt, name, is_tlsrpt, &t->txt, &len,
                          "tlsrpt.none", "senders do not report TLS failures to you",
                          "tlsrpt.multiple");
    if (!text)
        return;
    err e;
    err_clear(&e);
    if (tlsrpt_parse(text, len, &t->parsed, &e) < 0) {
        run->oom = true;
    } else {
        rec_problems(run, DSEC_TLSRPT, t->parsed->problems, t->parsed->nproblems, name);
        size_t n = t->parsed->nrua;
        if (n)
            section_set(run, DSEC_TLSRPT, SS_PASS, "rua %zu destination%s: %s%s", n,
                        n == 1 ? "" : "s", t->parsed->rua[0], n > 1 ? ", ..." : "");
        else
            section_set(run, DSEC_TLSRPT, SS_PASS, "no usable rua destination");
    }
    free(text);
}

void rec_sts_finish(domain_ctx *run)
{
    finish_mtasts(run);
    finish_tlsrpt(run);
}
