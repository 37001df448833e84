/* tls_audit.c — the TLS audit of one SMTP endpoint (tls_audit.h): what the
 * server accepts, probed one connection at a time.
 *
 * Order: resolve once; a plaintext connection for the STARTTLS policy
 * (STARTTLS offered? AUTH before it? MAIL accepted before it?); one
 * connection per protocol version, offering only that version; one per weak
 * cipher class, offering only that class (TLS 1.0-1.2, security level 0;
 * a class this OpenSSL cannot offer is asked with a hand-built ClientHello,
 * transport/tls_hello.h);
 * then DANE (dane.c) and, when asked, the injection probe (injection.c).
 * A server that will not do TLS at all on the port stops the series with a
 * finding, and two failed probes in a row stop it too (a server that drops
 * us would only cost a timeout per remaining probe), so the run ends within
 * (probes x 2 x --timeout) + delays. SSLv3 is not probed: OpenSSL 3 cannot
 * offer it. RFCs: 3207 (STARTTLS), 8314 (implicit TLS, submission), 8996
 * (TLS 1.0/1.1 deprecated), 7465 (no RC4), 7672 (DANE for SMTP). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tcp.h"
#include "transport/tlsconn.h"
/* ---- protocol ---- */
#include "protocol/client.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
/* ---- checks ---- */
#include "checks/resolve.h"
#include "checks/security/tls_audit.h"
#include "checks/security/cipher_classes.h"
#include "checks/security/tls_audit_probe.h"

/* What a version probe offers below TLS 1.3: everything with encryption and
 * authentication, so only the version decides. */
#define VERSION_PROBE_CIPHERS "ALL:!eNULL:!aNULL"

/* Probes ending in PROBE_ERROR in a row before the rest are given up. */
#define MAX_FAILURES_IN_ROW 2

static const struct {
    const char *name;
    int version;
    const char *finding; /* when accepted; NULL: fine */
} versions[TLS_AUDIT_VERSIONS] = {
    {"TLSv1.0", TLS1_VERSION, "tls_audit.tls10_accepted"},
    {"TLSv1.1", TLS1_1_VERSION, "tls_audit.tls11_accepted"},
    {"TLSv1.2", TLS1_2_VERSION, NULL},
    {"TLSv1.3", TLS1_3_VERSION, NULL},
};

static const struct {
    const char *name;
    const char *ciphers; /* OpenSSL cipher string offering only this class */
    const char *finding;
} classes[TLS_AUDIT_CIPHER_CLASSES] = {
    {"NULL", "eNULL", "tls_audit.cipher_null"},
    {"EXPORT", "EXPORT", "tls_audit.cipher_export"},
    {"RC4", "RC4", "tls_audit.cipher_rc4"},
    {"3DES", "3DES", "tls_audit.cipher_3des"},
    {"anonymous", "aNULL:!eNULL", "tls_audit.cipher_anonymous"},
};

const char *probe_verdict_name(probe_verdict v)
{
    static const char *const names[] = {"not_run", "accepted", "refused", "untestable", "error"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "not_run";
}

const char *tri_name(tri t)
{
    return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "unknown";
}

static int add_note(tls_audit_outcome *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int add_note(tls_audit_outcome *out, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if (xarray_push((void ***)&out->notes, &out->n_notes, s) < 0) {
        free(s);
        return -1;
    }
    return 0;
}

/* The outcome before any probe: names set, every verdict not_run. */
static int outcome_init(const tls_audit_opts *o, tls_audit_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->host = xstrdup(o->host);
    out->port = o->port;
    out->transcript = transcript_new(clock_now_ms());
    out->dane.match_depth = -1;
    bool implicit = o->tls == TLSM_IMPLICIT || (o->tls == TLSM_AUTO && o->port == 465);
    out->tls = implicit ? TLSM_IMPLICIT : TLSM_STARTTLS;
    out->submission = o->submission || o->port == 587;
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++)
        out->versions[i].name = versions[i].name;
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES; i++)
        out->ciphers[i].name = classes[i].name;
    return out->host && out->transcript ? 0 : -1;
}

int tls_audit_skip(const tls_audit_opts *o, const char *why, tls_audit_outcome *out)
{
    if (outcome_init(o, out) < 0)
        return -1;
    out->stopped = xstrdup(why);
    return out->stopped ? 0 : -1;
}

/* Stop the probe series: `why` (owned) becomes out->stopped; a finding with
 * it as the message when fid is given. */
static int stop_series(audit_run *r, const char *fid, stage_id st, char *why)
{
    if (!why)
        return -1;
    free(r->out->stopped);
    r->out->stopped = why;
    if (fid && finding_add(&r->out->findings, fid, st, NULL, "%s", why) < 0)
        return -1;
    return 0;
}

static void default_helo(char *out, size_t outsz, const char *given)
{
    if (given) {
        snprintf(out, outsz, "%s", given);
        return;
    }
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) < 0 || !host[0] || !strchr(host, '.'))
        snprintf(out, outsz, "%s", host[0] && !strchr(host, '.') ? host : "localhost");
    else
        snprintf(out, outsz, "%s", host);
}

static char *reply_line(const smtp_reply *rep)
{
    char *text = reply_text(rep, " ");
    char *s = xasprintf("%d %s", rep->code, text ? text : "");
    free(text);
    return s;
}

/* ---- the plaintext connection: STARTTLS policy (RFC 3207, RFC 8314) ---- */

/* MAIL before STARTTLS (the EHLO reply already read into caps). */
static int probe_mail(audit_run *r, audit_session *s, const ehlo_caps *caps)
{
    tls_audit_outcome *out = r->out;
    const tls_audit_opts *o = r->o;
    char *line = xasprintf("MAIL FROM:<%s>", o->mail_from ? o->mail_from : "");
    if (!line)
        return -1;
    err e;
    err_clear(&e);
    e.stage = STAGE_MAIL;
    smtp_reply *rep = NULL;
    int rc = client_command(s->cl, line, audit_step_deadline(r, s), &rep, &e);
    free(line);
    if (rc < 0)
        return add_note(out, "MAIL before STARTTLS could not be tested: %s", e.msg);
    out->mail_reply = rep;
    char *said = reply_line(rep);
    if (!said)
        return -1;
    int ret = 0;
    if (reply_ok(rep)) {
        out->starttls_required = TRI_NO;
        smtp_reply *rs = NULL;
        err_clear(&e);
        client_command(s->cl, "RSET", audit_step_deadline(r, s), &rs, &e);
        reply_free(rs);
        if (out->submission)
            ret = finding_add(&out->findings, "tls_audit.starttls_not_required", STAGE_MAIL, NULL,
                              "MAIL FROM was accepted on port %d before STARTTLS (%s): mail "
                              "can be submitted unencrypted",
                              o->port, said);
        else
            ret = add_note(out,
                           "MAIL FROM was accepted before STARTTLS on port %d (%s); normal for "
                           "server-to-server SMTP, where TLS is opportunistic (RFC 3207 §4)",
                           o->port, said);
    } else {
        /* Refused, but a client that may AUTH in plaintext can still get
         * its mail through without TLS. */
        out->starttls_required = caps->n_auth ? TRI_NO : TRI_YES;
    }
    free(said);
    return ret;
}

static int plaintext_probe(audit_run *r)
{
    tls_audit_outcome *out = r->out;
    audit_session s;
    err e;
    err_clear(&e);
    if (audit_connect(r, "plaintext policy (EHLO, MAIL before STARTTLS)", &s, &e) < 0)
        return stop_series(r, "tls_audit.incomplete", STAGE_CONNECT,
                           xasprintf("the audit could not connect to port %d: %s", r->o->port,
                                     e.msg));
    int ret = 0;
    smtp_reply *rep = NULL;
    ehlo_caps caps = {0};
    e.stage = STAGE_BANNER;
    if (client_greeting(s.cl, audit_step_deadline(r, &s), &rep, &e) < 0) {
        ret = stop_series(r, "tls_audit.incomplete", STAGE_BANNER,
                          xasprintf("no greeting on the audit's connection: %s", e.msg));
        goto out;
    }
    if (rep->code != 220) {
        char *said = reply_line(rep);
        ret = stop_series(r, "tls_audit.incomplete", STAGE_BANNER,
                          said ? xasprintf("the server refused service to the audit: %s", said)
                               : NULL);
        free(said);
        goto out;
    }
    reply_free(rep);
    rep = NULL;
    bool used_helo = false;
    e.stage = STAGE_EHLO;
    if (client_ehlo(s.cl, r->helo, true, audit_step_deadline(r, &s), &rep, &caps, &used_helo, &e) <
        0) {
        ret = stop_series(r, "tls_audit.incomplete", STAGE_EHLO,
                          xasprintf("EHLO failed on the audit's connection: %s", e.msg));
        goto out;
    }
    if (!reply_ok(rep)) {
        char *said = reply_line(rep);
        ret = stop_series(r, "tls_audit.incomplete", STAGE_EHLO,
                          said ? xasprintf("the server refused EHLO and HELO: %s", said) : NULL);
        free(said);
        goto out;
    }
    out->starttls_offered = caps.starttls ? TRI_YES : TRI_NO;
    out->auth_before_starttls = caps.n_auth ? TRI_YES : TRI_NO;
    for (size_t i = 0; i < caps.n_auth; i++) {
        char *m = xstrdup(caps.auth[i]);
        if (!m || xarray_push((void ***)&out->plaintext_auth, &out->n_plaintext_auth, m) < 0) {
            free(m);
            ret = -1;
            goto out;
        }
    }
    if (caps.n_auth && !(r->o->known && finding_has(r->o->known, "auth.plaintext_exposed"))) {
        char *list = NULL;
        for (size_t i = 0; i < caps.n_auth; i++) {
            char *next = xasprintf("%s%s%s", list ? list : "", list ? " " : "", caps.auth[i]);
            free(list);
            if (!(list = next)) {
                ret = -1;
                goto out;
            }
        }
        ret = finding_add(&out->findings, "tls_audit.auth_before_starttls", STAGE_EHLO, NULL,
                          "the EHLO reply on port %d, before STARTTLS, offers AUTH %s",
                          r->o->port, list);
        free(list);
        if (ret < 0)
            goto out;
    }
    if (probe_mail(r, &s, &caps) < 0) {
        ret = -1;
        goto out;
    }
    if (!caps.starttls)
        ret = stop_series(r, "tls_audit.starttls_unavailable", STAGE_STARTTLS,
                          xasprintf("the EHLO reply on port %d does not list STARTTLS, so no "
                                    "TLS version or cipher could be probed",
                                    r->o->port));
out:
    reply_free(rep);
    ehlo_caps_free(&caps);
    audit_close(r, &s);
    return ret;
}

/* ---- the TLS probes ---- */

static int after_probe(audit_run *r, const tls_probe *p, audit_stop stop, char *stop_detail)
{
    if (p->verdict == PROBE_ERROR)
        r->failures_in_row++;
    else if (p->verdict == PROBE_ACCEPTED || p->verdict == PROBE_REFUSED)
        r->failures_in_row = 0;
    switch (stop) {
    case AUDIT_GO_ON:
        free(stop_detail);
        return 0;
    case AUDIT_STOP_BANNER:
        return stop_series(r, "tls_audit.incomplete", STAGE_BANNER, stop_detail);
    case AUDIT_STOP_NO_STARTTLS:
    case AUDIT_STOP_STARTTLS_REFUSED: {
        char *why = stop_detail ? xasprintf("%s, so no further TLS version or cipher could be "
                                            "probed", stop_detail)
                                : NULL;
        free(stop_detail);
        return stop_series(r, "tls_audit.starttls_unavailable", STAGE_STARTTLS, why);
    }
    }
    free(stop_detail);
    return 0;
}

/* True when the series must not go on (stopped, or too many failures). */
static bool series_over(audit_run *r)
{
    if (r->out->stopped)
        return true;
    if (r->failures_in_row >= MAX_FAILURES_IN_ROW) {
        r->out->stopped = xasprintf("%d probes in a row failed to connect or complete; the "
                                    "remaining probes were not run",
                                    MAX_FAILURES_IN_ROW);
        return true;
    }
    return false;
}

static int run_probes(audit_run *r)
{
    tls_audit_outcome *out = r->out;
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS && !series_over(r); i++) {
        tlsconn_opts to = {.ca_file = r->o->ca_file,
                           .min_version = versions[i].version,
                           .max_version = versions[i].version,
                           .cipher_list = versions[i].version < TLS1_3_VERSION
                                              ? VERSION_PROBE_CIPHERS
                                              : NULL,
                           .legacy = true};
        char label[64];
        snprintf(label, sizeof label, "%s probe (only %s offered)", versions[i].name,
                 versions[i].name);
        audit_stop stop;
        char *why = NULL;
        if (audit_tls_probe(r, label, &to, &out->versions[i], &stop, &why) < 0 ||
            after_probe(r, &out->versions[i], stop, why) < 0)
            return -1;
    }
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES && !series_over(r); i++) {
        tlsconn_opts to = {.ca_file = r->o->ca_file,
                           .min_version = TLS1_VERSION,
                           .max_version = TLS1_2_VERSION,
                           .cipher_list = classes[i].ciphers,
                           .legacy = true};
        char label[80];
        snprintf(label, sizeof label, "%s cipher probe (only %s offered, TLS 1.0-1.2)",
                 classes[i].name, classes[i].ciphers);
        audit_stop stop;
        char *why = NULL;
        /* What this OpenSSL cannot offer (3DES, RC4, EXPORT on Debian 12) is
         * asked with a hand-built ClientHello: the server's choice is the
         * answer, and no handshake is needed to know it. */
        const cipher_class *cc = cipher_class_get(i);
        int rc = audit_offerable(classes[i].ciphers, TLS1_VERSION, TLS1_2_VERSION) > 0 || !cc
                     ? audit_tls_probe(r, label, &to, &out->ciphers[i], &stop, &why)
                     : audit_hello_probe(r, label, cc->suites, cc->n, &out->ciphers[i], &stop,
                                         &why);
        if (rc < 0 || after_probe(r, &out->ciphers[i], stop, why) < 0)
            return -1;
    }
    return 0;
}

/* Findings and notes from the verdicts. */
static int judge(audit_run *r)
{
    tls_audit_outcome *out = r->out;
    finding_list *fl = &out->findings;
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++) {
        const tls_probe *p = &out->versions[i];
        if (p->verdict == PROBE_ACCEPTED && versions[i].finding &&
            finding_add(fl, versions[i].finding, STAGE_TLS_VERSIONS, NULL,
                        "the server completed a handshake offering only %s (%s)", p->name,
                        p->negotiated ? p->negotiated : "?") < 0)
            return -1;
    }
    const tls_probe *v12 = &out->versions[2], *v13 = &out->versions[3];
    if (v12->verdict == PROBE_REFUSED && v13->verdict == PROBE_REFUSED) {
        bool old = out->versions[0].verdict == PROBE_ACCEPTED ||
                   out->versions[1].verdict == PROBE_ACCEPTED;
        if (finding_add(fl, "tls_audit.no_modern_version", STAGE_TLS_VERSIONS, NULL,
                        "the server refused TLS 1.2 and TLS 1.3%s", old
                            ? "; it only negotiates deprecated versions"
                            : "") < 0)
            return -1;
    } else if (v12->verdict == PROBE_ACCEPTED && v13->verdict == PROBE_REFUSED) {
        if (finding_add(fl, "tls_audit.no_tls13", STAGE_TLS_VERSIONS, NULL,
                        "the server refused a handshake offering only TLS 1.3 (%s)",
                        v13->detail ? v13->detail : "no reason given") < 0)
            return -1;
    }
    char *untestable = NULL;
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES; i++) {
        const tls_probe *p = &out->ciphers[i];
        if (p->verdict == PROBE_ACCEPTED &&
            finding_add(fl, classes[i].finding, STAGE_TLS_CIPHERS, NULL,
                        "the server completed a handshake offering only %s ciphers (%s)",
                        p->name, p->negotiated ? p->negotiated : "?") < 0)
            goto oom;
        if (p->verdict == PROBE_UNTESTABLE) {
            char *next = xasprintf("%s%s%s", untestable ? untestable : "", untestable ? ", " : "",
                                   p->name);
            free(untestable);
            if (!(untestable = next))
                return -1;
        }
    }
    if (untestable &&
        add_note(out, "not tested (this machine's OpenSSL cannot offer them): %s", untestable) < 0)
        goto oom;
    free(untestable);
    untestable = NULL;
    /* Probes that ended in an error: the audit is incomplete. */
    char *failed = NULL;
    size_t n_failed = 0;
    tls_probe *all[TLS_AUDIT_VERSIONS + TLS_AUDIT_CIPHER_CLASSES];
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++)
        all[i] = &out->versions[i];
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES; i++)
        all[TLS_AUDIT_VERSIONS + i] = &out->ciphers[i];
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i]->verdict != PROBE_ERROR)
            continue;
        char *next = xasprintf("%s%s%s (%s)", failed ? failed : "", failed ? "; " : "",
                               all[i]->name, all[i]->detail ? all[i]->detail : "failed");
        free(failed);
        if (!(failed = next))
            return -1;
        n_failed++;
    }
    /* Probes the series never reached say so. */
    for (size_t i = 0; out->stopped && i < sizeof all / sizeof all[0]; i++) {
        tls_probe *p = all[i];
        if (p->verdict == PROBE_NOT_RUN && !p->detail &&
            !(p->detail = xstrdup("not run: the audit stopped before this probe"))) {
            free(failed);
            return -1;
        }
    }
    int rc = 0;
    if (failed)
        rc = finding_add(fl, "tls_audit.incomplete", STAGE_TLS_VERSIONS, NULL,
                         "%zu probe%s failed: %s", n_failed, n_failed == 1 ? "" : "s", failed);
    free(failed);
    return rc;
oom:
    free(untestable);
    return -1;
}

/* ---- DANE and the injection probe (dane.c, injection.c) ---- */

static int set_detail(char **slot, const char *why)
{
    free(*slot);
    *slot = xstrdup(why);
    return *slot ? 0 : -1;
}

static int run_dane(audit_run *r, dns_resolver *resolver, bool host_is_literal)
{
    tls_audit_outcome *out = r->out;
    const char *skip = r->o->skip_dane             ? "not checked (--no-dane)"
                       : !resolver                 ? "not checked: no DNS resolver"
                       : host_is_literal           ? "not checked: the host is an IP address, "
                                                     "and TLSA records hang off a name"
                       : !r->have_addr             ? "not checked: no connection"
                       : out->starttls_offered == TRI_NO ? "not checked: no STARTTLS"
                                                         : NULL;
    if (skip) {
        out->dane.state = DANE_NOT_CHECKED;
        return set_detail(&out->dane.detail, skip);
    }
    dane_opts d = {.host = out->mx_host ? out->mx_host : r->o->host,
                   .port = r->o->port,
                   .address = out->address,
                   .tls = (int)r->mode,
                   .helo = r->helo,
                   .timeout_ms = r->o->timeout_ms};
    audit_pause(r);
    transcript_addf(out->transcript, TR_INFO, "tls audit: DANE (TLSA _%d._tcp.%s)", d.port, d.host);
    int rc = dane_check(&d, resolver, &out->dane, &out->findings, out->transcript);
    r->last_end_ms = clock_now_ms();
    return rc;
}

static int run_injection(audit_run *r)
{
    tls_audit_outcome *out = r->out;
    if (!r->o->probe_injection)
        return 0;
    bool handshake = false;
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++)
        handshake |= out->versions[i].verdict == PROBE_ACCEPTED;
    const char *skip = r->mode == TLSM_IMPLICIT ? "implicit TLS: there is no STARTTLS to inject into"
                       : !r->have_addr ? "no connection to the server"
                       : out->starttls_offered != TRI_YES ? "the server does not offer STARTTLS"
                       : !handshake ? "no TLS handshake of the audit succeeded"
                                    : NULL;
    if (skip) {
        out->injection.state = INJECTION_INCONCLUSIVE;
        return set_detail(&out->injection.detail, skip);
    }
    injection_opts io = {.address = out->address,
                         .port = r->o->port,
                         .servername = r->servername,
                         .helo = r->helo,
                         .timeout_ms = r->o->timeout_ms};
    audit_pause(r);
    transcript_addf(out->transcript, TR_INFO, "tls audit: STARTTLS injection probe");
    int rc = injection_probe(&io, &out->injection, &out->findings, out->transcript);
    r->last_end_ms = clock_now_ms();
    return rc;
}

/* ---- the run ---- */

int tls_audit_run(const tls_audit_opts *o, dns_resolver *resolver, tls_audit_outcome *out)
{
    int64_t t0 = clock_now_ms();
    if (outcome_init(o, out) < 0)
        return -1;
    audit_run r = {.o = o, .out = out, .mode = out->tls};
    default_helo(r.helo, sizeof r.helo, o->helo);
    resolved_target t = {0};
    int rc = 0;
    bool literal = false;

    if (o->address) {
        /* The check's address: both look at the same server. */
        if (tcp_addr_parse(o->address, &r.addr) < 0) {
            rc = stop_series(&r, "tls_audit.incomplete", STAGE_RESOLVE,
                             xasprintf("'%s' is not an IP address", o->address));
            goto done;
        }
        r.have_addr = true;
        out->address = xstrdup(o->address);
        out->mx_host = xstrdup(o->mx_host);
        tcp_addr tmp;
        literal = tcp_addr_parse(o->host, &tmp) == 0;
    } else {
        err e;
        err_clear(&e);
        e.stage = STAGE_RESOLVE;
        if (resolve_target(o->host, o->family, !o->no_mx, resolver, o->timeout_ms, &t, &e) < 0) {
            rc = stop_series(&r, "tls_audit.incomplete", STAGE_RESOLVE,
                             xasprintf("%s could not be resolved: %s", o->host, e.msg));
            goto done;
        }
        literal = t.literal;
        out->mx_host = xstrdup(t.mx_host);
        if (t.mx_host && add_note(out, "%s has no address; the TLS audit probed its MX host %s",
                                  o->host, t.mx_host) < 0) {
            rc = -1;
            goto done;
        }
        r.addrs = t.addrs;
        r.n_addrs = t.n;
    }
    r.servername = o->servername ? o->servername : out->mx_host ? out->mx_host : o->host;

    if (r.mode == TLSM_IMPLICIT) {
        /* Nothing happens in plaintext on an implicit-TLS port. */
        out->auth_before_starttls = TRI_NO;
        out->starttls_required = TRI_YES;
    } else if (plaintext_probe(&r) < 0) {
        rc = -1;
        goto done;
    }
    if (!out->stopped && run_probes(&r) < 0) {
        rc = -1;
        goto done;
    }
    if (judge(&r) < 0 || run_dane(&r, resolver, literal) < 0 || run_injection(&r) < 0)
        rc = -1;
    resolved_target_free(&t);
    out->total_ms = clock_now_ms() - t0;
    return rc;
done: /* no address to probe */
    resolved_target_free(&t);
    if (rc == 0 && set_detail(&out->dane.detail, "not checked: no address to connect to") < 0)
        rc = -1;
    if (rc == 0 && o->probe_injection) {
        out->injection.state = INJECTION_INCONCLUSIVE;
        rc = set_detail(&out->injection.detail, "no address to connect to");
    }
    out->total_ms = clock_now_ms() - t0;
    return rc;
}

void tls_audit_outcome_free(tls_audit_outcome *out)
{
    if (!out)
        return;
    free(out->host);
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++) {
        free(out->versions[i].negotiated);
        free(out->versions[i].detail);
    }
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES; i++) {
        free(out->ciphers[i].negotiated);
        free(out->ciphers[i].detail);
    }
    dane_report_clear(&out->dane);
    injection_report_clear(&out->injection);
    finding_list_free(&out->findings);
    for (size_t i = 0; i < out->n_notes; i++)
        free(out->notes[i]);
    free(out->notes);
    transcript_free(out->transcript);
    free(out->address);
    free(out->mx_host);
    for (size_t i = 0; i < out->n_plaintext_auth; i++)
        free(out->plaintext_auth[i]);
    free(out->plaintext_auth);
    reply_free(out->mail_reply);
    free(out->stopped);
    memset(out, 0, sizeof *out);
}
