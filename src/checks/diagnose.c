/* diagnose.c — judging outcomes into findings (diagnose.h).
 *
 * Replies are classified first by enhanced status code (RFC 3463), which is
 * what servers mean to be machine-read, then by reply code, and only as a
 * last resort by well-known words in the text ("relay", "greylist"), which
 * servers phrase freely; the server's text is always quoted in the message so
 * the user sees the evidence. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/xalloc.h"
/* ---- protocol ---- */
#include "protocol/esc.h"
/* ---- checks ---- */
#include "checks/diagnose.h"

void diag_init(diag *d, finding_list *findings, dns_resolver *resolver)
{
    d->findings = findings;
    d->resolver = resolver;
}

static void vadd(diag *d, const char *id, stage_id stage, const char *advice, const char *msg)
{
    finding_add(d->findings, id, stage, advice, "%s", msg ? msg : "");
}

void diag_add(diag *d, const char *id, stage_id stage, const char *advice, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    vadd(d, id, stage, advice, msg);
    free(msg);
}

void diag_set_last_severity(diag *d, severity sev)
{
    if (d->findings->n)
        d->findings->v[d->findings->n - 1].sev = sev;
}

static void set_last_temporary(diag *d, bool temporary)
{
    if (d->findings->n)
        d->findings->v[d->findings->n - 1].temporary = temporary;
}

void diag_io_error(diag *d, stage_id stage, const err *e)
{
    const char *sn = stage_name(stage);
    char id[48];
    switch (e->cls) {
    case ERRC_TIMEOUT:
        if (stage == STAGE_BANNER) {
            diag_add(d, "banner.timeout", stage, NULL, "no greeting from the server: %s", e->msg);
        } else {
            snprintf(id, sizeof id, "%s.timeout", sn);
            diag_add(d, id, stage, NULL, "no complete reply during %s: %s", sn, e->msg);
        }
        return;
    case ERRC_CLOSED:
    case ERRC_CONNECTION:
    case ERRC_TLS:
        diag_add(d, "server.closed", stage, NULL, "during %s: %s", sn, e->msg);
        return;
    case ERRC_PROTOCOL:
        diag_add(d, "protocol.invalid_reply", stage, NULL, "during %s: %s", sn, e->msg);
        return;
    case ERRC_TOO_LONG:
        diag_add(d, "protocol.line_too_long", stage, NULL, "during %s: %s", sn, e->msg);
        return;
    case ERRC_LOCAL_INPUT:
        diag_add(d, "local.input", stage, NULL, "%s", e->msg);
        return;
    case ERRC_INSECURE:
    case ERRC_REJECTED:
        /* The SASL mechanism refused the exchange: a SCRAM server that could
         * not prove it knows the password, or one that reported an error. */
        if (stage == STAGE_AUTH) {
            diag_add(d, "auth.failed", stage, NULL, "%s", e->msg);
            return;
        }
        /* fall through */
    default:
        diag_add(d, "internal.error", stage, NULL, "during %s: %s", sn, e->msg);
        return;
    }
}

void diag_resolve_error(diag *d, const char *host, const resolved_target *t, const err *e)
{
    if (t->null_mx) {
        diag_add(d, "dns.null_mx", STAGE_RESOLVE, NULL, "%s", e->msg);
        return;
    }
    if (e->cls == ERRC_LOCAL_INPUT) {
        diag_add(d, "local.input", STAGE_RESOLVE, NULL, "%s", e->msg);
        return;
    }
    switch ((dns_status)e->dns_status) {
    case DNS_NXDOMAIN:
        diag_add(d, "dns.nxdomain", STAGE_RESOLVE, NULL, "%s", e->msg);
        break;
    case DNS_NODATA:
        diag_add(d, "dns.nodata", STAGE_RESOLVE, NULL, "%s", e->msg);
        break;
    case DNS_SERVFAIL:
        diag_add(d, "dns.servfail", STAGE_RESOLVE, NULL, "%s", e->msg);
        break;
    case DNS_TIMEOUT:
        diag_add(d, "resolve.timeout", STAGE_RESOLVE,
                 finding_def_lookup("dns.timeout")->advice, "%s", e->msg);
        break;
    default:
        if (e->cls == ERRC_DNS && e->msg[0])
            diag_add(d, "dns.error", STAGE_RESOLVE, NULL, "%s: %s", host, e->msg);
        else
            diag_add(d, "dns.error", STAGE_RESOLVE, NULL, "cannot resolve %s: %s", host, e->msg);
    }
}

void diag_connect_error(diag *d, int port, const err *e)
{
    if (e->cls == ERRC_TIMEOUT) {
        char advice[400];
        snprintf(advice, sizeof advice,
                 "Packets to port %d are dropped: a firewall (yours, the network's or the "
                 "server's) filters it, or the host is down.%s",
                 port,
                 port == 25 ? " Many ISPs and clouds block outbound port 25; use the submission "
                              "ports 587 or 465 to send, or test from a server network."
                            : " Check security groups and firewall rules for this port.");
        diag_add(d, "connect.timeout", STAGE_CONNECT, advice, "port %d: %s", port, e->msg);
    } else if (e->sys_errno == ECONNREFUSED) {
        diag_add(d, "connect.refused", STAGE_CONNECT, NULL,
                 "port %d: connection refused (nothing listens there, or a firewall rejects it)",
                 port);
    } else if (e->sys_errno == ENETUNREACH || e->sys_errno == EHOSTUNREACH) {
        diag_add(d, "connect.unreachable", STAGE_CONNECT, NULL, "port %d: %s", port, e->msg);
    } else {
        diag_add(d, "connect.failed", STAGE_CONNECT, NULL, "port %d: %s", port, e->msg);
    }
}

void diag_tls_failure(diag *d, stage_id stage, tls_mode mode, int port, tls_failure why,
                      const err *e)
{
    bool starttls = mode == TLSM_STARTTLS;
    const char *failed = starttls ? "starttls.handshake_failed" : "tls.handshake_failed";
    switch (why) {
    case TLSF_PLAINTEXT_PEER:
        if (!starttls) {
            char advice[300];
            snprintf(advice, sizeof advice,
                     "Port %d starts in plaintext: use --tls starttls (or --tls auto). Implicit "
                     "TLS is usually port 465.",
                     port);
            diag_add(d, "tls.port_mismatch", stage, advice,
                     "port %d answered a TLS ClientHello with plaintext (likely an SMTP greeting): "
                     "it expects STARTTLS, not implicit TLS",
                     port);
        } else {
            diag_add(d, failed, stage, NULL,
                     "after accepting STARTTLS the server sent plaintext instead of a TLS "
                     "handshake: %s",
                     e->msg);
        }
        return;
    case TLSF_TIMEOUT:
        diag_add(d, "tls.timeout", stage, NULL, "the TLS handshake did not complete: %s", e->msg);
        return;
    case TLSF_NO_SHARED_VERSION:
        diag_add(d, failed, stage,
                 "Client and server share no TLS version. Modern clients need TLS 1.2 or 1.3 "
                 "(Postfix: smtpd_tls_protocols = >=TLSv1.2).",
                 "no common TLS protocol version: %s", e->msg);
        return;
    default:
        diag_add(d, failed, stage, NULL, "%s", e->msg);
        return;
    }
}

static void cert_finding(diag *d, const char *id, bool insecure, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cert_finding(diag *d, const char *id, bool insecure, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (insecure) {
        diag_add(d, id, STAGE_TLS, NULL, "%s (ignored because of --insecure)", msg ? msg : "");
        diag_set_last_severity(d, SEV_WARNING);
    } else {
        diag_add(d, id, STAGE_TLS, NULL, "%s", msg ? msg : "");
    }
    free(msg);
}

void diag_tls_info(diag *d, const tls_info *ti, const char *servername, bool insecure)
{
    const tls_cert *leaf = ti->chain_len ? &ti->chain[0] : NULL;
    const char *subj = leaf && leaf->subject ? leaf->subject : "(no certificate)";
    unsigned p = ti->problems;
    if (p & TLSV_EXPIRED) {
        if (leaf && leaf->days_left < 0)
            cert_finding(d, "tls.cert_expired", insecure,
                         "the certificate %s expired on %s (%lld days ago)", subj,
                         leaf->not_after ? leaf->not_after : "?", (long long)-leaf->days_left);
        else
            cert_finding(d, "tls.cert_expired", insecure,
                         "a certificate in the chain of %s has expired", subj);
    }
    if (p & TLSV_NOT_YET_VALID)
        cert_finding(d, "tls.cert_not_yet_valid", insecure,
                     "the certificate %s is valid only from %s", subj,
                     leaf && leaf->not_before ? leaf->not_before : "?");
    if (p & TLSV_SELF_SIGNED)
        cert_finding(d, "tls.self_signed", insecure, "the certificate %s is self-signed", subj);
    else if (p & TLSV_UNTRUSTED)
        /* From the client's side a leaf signed by an unknown root looks just like a
         * leaf whose intermediate was not sent: say both, decide neither. */
        cert_finding(d, "tls.untrusted", insecure, "the chain of %s is not trusted: %s%s", subj,
                     ti->verify_error ? ti->verify_error : "no trusted root",
                     p & TLSV_MISSING_INTERMEDIATE
                         ? " (its issuer was not sent: a missing intermediate, or a private CA "
                           "that needs --ca-file)"
                         : "");
    else if (p & TLSV_MISSING_INTERMEDIATE)
        cert_finding(d, "tls.missing_intermediate", insecure,
                     "the server sent %zu certificate%s and the issuer of %s is missing: %s",
                     ti->chain_len, ti->chain_len == 1 ? "" : "s", subj,
                     ti->verify_error ? ti->verify_error : "unable to get issuer certificate");
    if ((p & TLSV_HOSTNAME) || (servername && !ti->hostname_match)) {
        buf names;
        buf_init(&names, 2048);
        for (size_t i = 0; leaf && i < leaf->n_sans && i < 8; i++)
            buf_appendf(&names, "%s%s", i ? ", " : "", leaf->sans[i]);
        cert_finding(d, "tls.hostname_mismatch", insecure,
                     "the certificate does not cover %s (it names %s)",
                     servername ? servername : "the server's name",
                     names.len ? names.data : subj);
        buf_free(&names);
    }
    if ((p & TLSV_OTHER) && !(p & ~(unsigned)TLSV_OTHER))
        cert_finding(d, "tls.verify_failed", insecure, "%s",
                     ti->verify_error ? ti->verify_error : "verification failed");
    if (ti->version && (strcmp(ti->version, "TLSv1") == 0 || strcmp(ti->version, "TLSv1.1") == 0 ||
                        strncmp(ti->version, "SSL", 3) == 0))
        diag_add(d, "tls.weak_protocol", STAGE_TLS, NULL, "the session uses %s", ti->version);
    if (leaf && leaf->days_left >= 0 && leaf->days_left < 14 && !(p & TLSV_EXPIRED))
        diag_add(d, "tls.expiring_soon", STAGE_TLS, NULL, "the certificate %s expires in %lld day%s (%s)",
                 subj, (long long)leaf->days_left, leaf->days_left == 1 ? "" : "s",
                 leaf->not_after ? leaf->not_after : "?");
}

static bool text_has(const smtp_reply *r, const char *word)
{
    for (size_t i = 0; i < r->n_lines; i++)
        if (strcasestr(r->lines[i], word))
            return true;
    return false;
}

static bool enh_is(const smtp_reply *r, const char *subject_detail)
{
    /* Compare ".1.1" of "5.1.1" regardless of class. */
    return r->enhanced[0] && strcmp(r->enhanced + 1, subject_detail) == 0;
}

static const char *classify(stage_id stage, const smtp_reply *r)
{
    int c = r->code;
    bool temp = c >= 400 && c < 500;
    if (c == 530 && stage >= STAGE_MAIL)
        return "auth.required";
    switch (stage) {
    case STAGE_BANNER: return "banner.rejected";
    case STAGE_EHLO:
    case STAGE_EHLO_TLS: return "ehlo.rejected";
    case STAGE_STARTTLS: return "starttls.refused";
    case STAGE_AUTH:
        if (c == 504 || c == 534)
            return "auth.mechanism_unsupported";
        if (c == 530)
            return "auth.required";
        if (c == 538)
            return "auth.refused_plaintext";
        return temp ? "auth.temporary_failure" : "auth.failed";
    case STAGE_MAIL:
        if (c == 552 || enh_is(r, ".3.4"))
            return "size.exceeded";
        return "mail.rejected";
    case STAGE_RCPT:
        if (temp) {
            if (text_has(r, "greylist") || enh_is(r, ".2.0") || enh_is(r, ".7.1") ||
                text_has(r, "try again later"))
                return "rcpt.greylisted";
            return "rcpt.deferred";
        }
        if (enh_is(r, ".1.1") || enh_is(r, ".1.0") || text_has(r, "user unknown") ||
            text_has(r, "unknown user") || text_has(r, "does not exist") ||
            text_has(r, "no such user"))
            return "rcpt.unknown_user";
        if (text_has(r, "relay") || (enh_is(r, ".7.1") && c == 554))
            return "rcpt.relay_denied";
        return "rcpt.rejected";
    case STAGE_DATA:
        if (c == 552 || enh_is(r, ".3.4") || enh_is(r, ".2.3"))
            return "size.exceeded";
        return temp ? "data.deferred" : "data.rejected";
    default:
        return temp ? "stage.timeout" : "server.closed";
    }
}

void diag_reply(diag *d, stage_id stage, const smtp_reply *r, const char *id)
{
    if (!r)
        return;
    if (!id)
        id = classify(stage, r);
    char *text = reply_text(r, " ");
    const char *title = r->enhanced[0] ? esc_enhanced_title(r->enhanced) : NULL;
    const esc_reply_info *ri = esc_reply_lookup(r->code);
    char cmd[16];
    snprintf(cmd, sizeof cmd, "%s", stage == STAGE_EHLO_TLS ? "EHLO" : stage_name(stage));
    for (char *p = cmd; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    if (stage == STAGE_BANNER)
        snprintf(cmd, sizeof cmd, "greeting");
    /* Keep the message one readable line even for a huge reply. */
    size_t tl = text ? strlen(text) : 0;
    diag_add(d, id, stage, NULL, "%s answered %d%s%s (%s): %.*s%s", cmd, r->code,
             r->enhanced[0] ? " " : "", r->enhanced,
             title ? title : ri ? ri->meaning : esc_reply_category(r->code) ? esc_reply_category(r->code) : "?",
             (int)(tl > 300 ? 300 : tl), text ? text : "", tl > 300 ? "..." : "");
    set_last_temporary(d, r->code >= 400 && r->code < 500);
    free(text);
}
