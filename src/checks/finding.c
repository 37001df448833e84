/* finding.c — the catalogue of finding IDs and the finding list (finding.h).
 *
 * The advice here is the default; endpoint.c often replaces it with advice
 * that names this run's port, host or reply. IDs are stable API: they are in
 * JSON, in users' alerting rules and in docs/findings.md — add, never rename. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- checks ---- */
#include "checks/finding.h"

#define E SEV_ERROR
#define W SEV_WARNING
#define I SEV_INFO

static const finding_def catalogue[] = {
    /* DNS */
    {"dns.nxdomain", E, false, "The host name does not exist in DNS",
     "Check the spelling of the host name. If it is new, the record may not be published yet; "
     "query the domain's authoritative servers (dig +trace NAME) to see where it stops."},
    {"dns.nodata", E, false, "The host name exists but has no address or MX record",
     "Publish an A/AAAA record for the host, or an MX record pointing at a host that has one."},
    {"dns.servfail", E, true, "The DNS resolver failed to answer (SERVFAIL)",
     "The domain's name servers are broken or its DNSSEC does not validate. Try another "
     "resolver (--dns 9.9.9.9) and check the zone with a DNSSEC debugger."},
    {"dns.timeout", E, true, "DNS resolution timed out",
     "The resolver did not answer in time. Check /etc/resolv.conf, or name a resolver with "
     "--dns IP."},
    {"dns.error", E, false, "DNS resolution failed",
     "Check the resolver configuration (/etc/resolv.conf or --dns)."},
    {"dns.null_mx", E, false, "The domain publishes a null MX: it accepts no mail (RFC 7505)",
     "This domain declares that it receives no email. If it should, replace the '0 .' MX with "
     "real mail exchangers."},
    {"dns.mx_followed", I, false, "The host has no address; its MX hosts were checked instead",
     "Give a mail server's host name (the MX target) to check it directly."},
    /* connect */
    {"connect.refused", E, false, "The connection was refused: nothing listens on that port",
     "Check that the mail server is running and listening on this port and address (ss -ltn), "
     "and that no firewall answers with a reset. Submission is usually 587 (STARTTLS) or 465 "
     "(implicit TLS); server-to-server mail uses 25."},
    {"connect.timeout", E, true, "The connection attempt timed out: packets are being dropped",
     "A firewall is silently dropping the traffic, or the host is down. Many ISPs and clouds "
     "block outbound port 25; try the submission ports 587 or 465, or test from another "
     "network."},
    {"connect.unreachable", E, false, "The network or host is unreachable",
     "The route to this address is missing (no IPv6 connectivity is common: try -4), or the "
     "host is down."},
    {"connect.failed", E, false, "The connection failed",
     "See the error above; check the address, port and local network."},
    /* banner */
    {"banner.timeout", E, true, "The server accepted the connection but sent no greeting",
     "The server may be overloaded or tarpitting this client, or the port expects TLS first "
     "(port 465: use --tls implicit). Check the server's logs for this connection."},
    {"banner.rejected", E, false, "The server refused service in its greeting",
     "The greeting's reply says why; common causes are a blocklisted client IP, rate limits or "
     "a server in maintenance. A 421 greeting is temporary: retry later."},
    {"banner.invalid", W, false, "The greeting does not follow RFC 5321",
     "Fix the server's banner (smtpd_banner in Postfix) to start with '220 ' and a host name."},
    {"server.closed", E, false, "The server closed the connection unexpectedly",
     "The server dropped the session mid-conversation. Its logs will say why: often a "
     "policy (too many errors, blocked client, pregreet test) or a crash."},
    {"protocol.invalid_reply", E, false, "The server sent a reply that is not valid SMTP",
     "The reply does not start with a three-digit code as RFC 5321 §4.2 requires. Check that "
     "this port really runs SMTP (not HTTP, POP3 or IMAP) and that no proxy mangles it."},
    {"protocol.line_too_long", E, false, "The server sent a line longer than smtpscope accepts",
     "RFC 5321 §4.5.3.1.5 limits reply lines to 512 bytes. A runaway line usually means the "
     "port does not speak SMTP or a middlebox is broken."},
    {"protocol.bare_lf", W, false, "The server ends lines with a bare LF instead of CR LF",
     "RFC 5321 §2.3.8 requires CR LF line endings; strict clients may reject this server."},
    /* EHLO */
    {"ehlo.rejected", E, false, "The server rejected EHLO",
     "The reply says why. Servers reject EHLO names that are not fully qualified or not "
     "resolvable; set a proper name with --helo."},
    {"ehlo.helo_fallback", W, false, "The server does not support EHLO; HELO was used",
     "Without EHLO there are no extensions: no STARTTLS, AUTH, SIZE or PIPELINING. Enable "
     "ESMTP on the server."},
    /* STARTTLS / TLS */
    {"starttls.not_offered", W, false, "The server does not offer STARTTLS",
     "Mail to and from this server travels unencrypted. Enable TLS (Postfix: "
     "smtpd_tls_security_level = may, with smtpd_tls_cert_file/key_file), or use the "
     "implicit-TLS port 465 if the server has one."},
    {"starttls.refused", E, false, "The server refused the STARTTLS command",
     "The server advertises TLS but cannot start it (454 usually means its certificate or key "
     "is missing or unreadable). Check the server's TLS configuration and logs."},
    {"starttls.handshake_failed", E, false, "The TLS handshake after STARTTLS failed",
     "The server's TLS configuration is broken or incompatible (no shared protocol version or "
     "cipher). Test with: openssl s_client -starttls smtp -connect HOST:PORT."},
    {"starttls.injection", E, false,
     "The server sent plaintext after its STARTTLS 220, before TLS started",
     "Bytes that arrive before the handshake can be injected by an attacker and were "
     "discarded (CVE-2011-0411 class). If the server itself sends them it is buggy: upgrade "
     "it; otherwise look for a man-in-the-middle on the path."},
    {"tls.port_mismatch", E, false, "The TLS mode does not match the port",
     "This port uses the other TLS mode. Port 465 speaks TLS from the first byte "
     "(--tls implicit); 25 and 587 start in plaintext and upgrade with STARTTLS "
     "(--tls starttls)."},
    {"tls.handshake_failed", E, false, "The TLS handshake failed",
     "The server's TLS configuration is broken or incompatible. Test with: openssl s_client "
     "-connect HOST:PORT."},
    {"tls.cert_expired", E, false, "The server's certificate has expired",
     "Renew the certificate and reload the mail server (with certbot: certbot renew, then "
     "reload Postfix/Exim). Check that the server presents the renewed file."},
    {"tls.cert_not_yet_valid", E, false, "The server's certificate is not valid yet",
     "Either the certificate was issued with a future start date or a clock is wrong: check "
     "the server's and this machine's time (timedatectl)."},
    {"tls.hostname_mismatch", E, false, "The certificate does not match the server's name",
     "Clients verify the name they connect to (the MX host name) against the certificate's "
     "subjectAltName. Issue a certificate that includes this name, or connect using a name "
     "the certificate covers (--servername)."},
    {"tls.untrusted", E, false, "The certificate chain is not trusted",
     "The chain does not lead to a trusted root. Usually the server does not send its "
     "intermediate certificate: configure the full chain (Postfix: smtpd_tls_chain_files or a "
     "fullchain.pem). For a private CA, pass --ca-file."},
    {"tls.self_signed", E, false, "The server presents a self-signed certificate",
     "Opportunistic TLS between MTAs still works, but submission clients will refuse it. Use "
     "a certificate from a public CA (e.g. Let's Encrypt), or --ca-file for a private one."},
    {"tls.missing_intermediate", E, false, "The server does not send its intermediate certificate",
     "Configure the full chain (leaf followed by intermediates), not just the leaf."},
    {"tls.weak_protocol", W, false, "The connection used a TLS version older than 1.2",
     "TLS 1.0 and 1.1 are deprecated (RFC 8996). Disable them (Postfix: "
     "smtpd_tls_protocols = >=TLSv1.2)."},
    {"tls.verify_failed", E, false, "The certificate could not be verified",
     "See OpenSSL's reason in the message; fix the certificate or chain."},
    {"tls.expiring_soon", W, false, "The certificate expires soon",
     "Renew it before it expires; check that automatic renewal (certbot timer) runs and "
     "reloads the mail server."},
    {"tls.required_missing", E, false, "TLS was required but could not be used",
     "--require-tls was given and no TLS session was established."},
    {"tls.insecure_accepted", W, false, "Certificate problems were ignored (--insecure)",
     "The run continued despite the certificate problems listed; clients that verify will "
     "still fail."},
    /* AUTH */
    {"auth.not_offered", E, false, "The server does not offer AUTH",
     "Authentication is usually offered only on the submission ports (587/465) and only after "
     "STARTTLS. Check that you use the right port and that SASL is enabled "
     "(Postfix: smtpd_sasl_auth_enable = yes)."},
    {"auth.plaintext_exposed", W, false, "AUTH is offered before TLS",
     "Passwords can be sent unencrypted on this connection. Offer AUTH only after STARTTLS "
     "(Postfix: smtpd_tls_auth_only = yes)."},
    {"auth.required", E, false, "The server requires authentication (530)",
     "Log in before sending: give --auth-user and a password (SMTPSCOPE_PASSWORD, "
     "--password-file or the prompt). On port 587 most providers require AUTH."},
    {"auth.failed", E, false, "Authentication failed (535)",
     "The user name or password is wrong, or the account may not use SMTP AUTH: many "
     "providers need an app password or an API key as the password, or SMTP AUTH enabled per "
     "mailbox. With SCRAM, a server that cannot prove it knows the password fails too: "
     "something between you and the server may be intercepting the session."},
    {"auth.temporary_failure", E, true, "Authentication failed temporarily (454)",
     "The server's authentication backend is unavailable; retry later and check its logs."},
    {"auth.mechanism_unsupported", E, false, "No usable AUTH mechanism is offered",
     "smtpscope supports SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN and LOGIN with a "
     "password, and OAUTHBEARER and XOAUTH2 with a token (--oauth2-token-cmd); choose one the "
     "server offers with --auth or enable one on the server."},
    {"auth.refused_plaintext", E, false, "Credentials were not sent over an unencrypted connection",
     "Use STARTTLS or implicit TLS, or, on a trusted test network only, "
     "--allow-plaintext-auth."},
    {"auth.skipped", I, false, "AUTH was not tested",
     "Give --auth-user (and the password through SMTPSCOPE_PASSWORD, --password-file or the "
     "prompt) to test authentication."},
    /* envelope */
    {"mail.rejected", E, false, "The server rejected the sender (MAIL FROM)",
     "The reply says why: often the sender domain fails SPF or does not exist, the sender is "
     "not one this account may use, or the client must authenticate first."},
    {"rcpt.unknown_user", E, false, "The recipient does not exist (550 5.1.1)",
     "Check the address for typos. If it should exist, the server's recipient table does not "
     "know it (Postfix: virtual_mailbox_maps / local_recipient_maps)."},
    {"rcpt.relay_denied", E, false, "The server refused to relay to this recipient",
     "The server accepts mail only for its own domains from unauthenticated clients. "
     "Authenticate (--auth-user) to send to other domains, or use the recipient domain's own "
     "MX."},
    {"rcpt.greylisted", E, true, "The recipient was greylisted (temporary refusal)",
     "Greylisting refuses the first attempt from an unknown sender; a real MTA retries after "
     "a few minutes and is then accepted. Retry later."},
    {"rcpt.rejected", E, false, "The server rejected the recipient",
     "The reply and its enhanced status code say why."},
    {"rcpt.deferred", E, true, "The server temporarily refused the recipient",
     "A 4xx reply: the mailbox may be full or the server busy. Retry later."},
    {"data.rejected", E, false, "The server rejected the message",
     "The reply says why: content filters, DMARC/SPF/DKIM policy, or a malformed message."},
    {"data.deferred", E, true, "The server temporarily refused the message",
     "A 4xx reply after DATA; the message was not accepted. Retry later."},
    {"size.exceeded", E, false, "The message is larger than the server accepts",
     "Send a smaller message, or raise the limit (Postfix: message_size_limit). The EHLO SIZE "
     "keyword tells the limit in bytes."},
    /* send: delivery of a message (endpoint_deliver.c) */
    {"send.size_exceeded", E, false,
     "The message is larger than the server's advertised SIZE limit; it was not sent",
     "The server announced its limit in the EHLO reply (RFC 1870), so sending would only be "
     "refused. Send a smaller message (attachments are base64: a third larger than the "
     "file), or raise the limit (Postfix: message_size_limit)."},
    {"send.smtputf8_unsupported", E, false,
     "An address needs SMTPUTF8 and the server does not offer it; nothing was sent",
     "A non-ASCII local part (before the @) can only travel with SMTPUTF8 (RFC 6531). Use an "
     "ASCII address, or enable SMTPUTF8 on the server (Postfix: smtputf8_enable = yes)."},
    {"send.8bitmime_unsupported", E, false,
     "The message has 8-bit content and the server does not offer 8BITMIME; nothing was sent",
     "Without 8BITMIME (RFC 6152) a server may mangle 8-bit bytes. Encode the content (quoted-"
     "printable or base64), or enable 8BITMIME on the server."},
    {"send.dsn_ignored", W, false, "The server does not offer DSN; the DSN options were not sent",
     "--dsn-notify, --dsn-ret and --envid need the DSN extension (RFC 3461). The message was "
     "sent without them, so the server's default notifications apply."},
    {"send.partial", W, false, "The message was accepted for some recipients and not for others",
     "The recipients listed were refused or deferred: see their findings. The accepted ones "
     "will get the message; resend to the others once the cause is fixed."},
    {"xclient.not_offered", W, false, "XCLIENT was requested but the server does not offer it",
     "XCLIENT is a Postfix extension offered only to authorized clients "
     "(smtpd_authorized_xclient_hosts). Add this host there, or drop --xclient."},
    {"xclient.rejected", E, false, "The server refused the XCLIENT command",
     "The reply says why: an attribute the server does not know, a bad value, or a client not "
     "in smtpd_authorized_xclient_hosts."},
    {"quit.failed", I, false, "QUIT did not get a 221 reply",
     "Harmless for delivery, but a well-behaved server answers QUIT with 221."},
    {"stage.timeout", E, true, "The server did not answer in time",
     "The server stalled mid-conversation. It may be overloaded, tarpitting this client, or "
     "a middlebox is interfering. Raise --timeout to see if it is just slow."},
    {"tls.timeout", E, true, "The TLS handshake stalled",
     "The server accepted the connection but did not complete the TLS handshake in time. "
     "It may be overloaded, or a middlebox is interfering with TLS."},
    {"internal.error", E, false, "smtpscope hit an internal error",
     "Please report this with the -v transcript (secrets are already redacted)."},
    {"local.input", E, false, "The input given to smtpscope is invalid",
     "Check the command line options."},
};

static const finding_part *part(size_t i)
{
    static const finding_part check = {catalogue, sizeof catalogue / sizeof catalogue[0]};
    switch (i) {
    case 0: return &check;
    case 1: return &finding_part_domain_dns;
    case 2: return &finding_part_domain_records;
    case 3: return &finding_part_tls_audit;
    case 4: return &finding_part_tls_probes;
    case 5: return &finding_part_relay;
    default: return NULL;
    }
}

size_t finding_catalogue_size(void)
{
    size_t n = 0;
    for (size_t i = 0; part(i); i++)
        n += part(i)->n;
    return n;
}

const finding_def *finding_catalogue_get(size_t i)
{
    for (size_t p = 0; part(p); p++) {
        if (i < part(p)->n)
            return &part(p)->defs[i];
        i -= part(p)->n;
    }
    return NULL;
}

const finding_def *finding_def_lookup(const char *id)
{
    if (!id)
        return NULL;
    for (size_t p = 0; part(p); p++)
        for (size_t i = 0; i < part(p)->n; i++)
            if (strcmp(part(p)->defs[i].id, id) == 0)
                return &part(p)->defs[i];
    /* "<stage>.timeout" for any stage shares the generic entry. */
    const char *dot = strchr(id, '.');
    if (dot && strcmp(dot, ".timeout") == 0) {
        char name[32];
        size_t n = (size_t)(dot - id);
        if (n < sizeof name) {
            memcpy(name, id, n);
            name[n] = '\0';
            if (stage_from_name(name) != STAGE_NONE || strcmp(name, "stage") == 0)
                return finding_def_lookup("stage.timeout");
        }
    }
    return NULL;
}

int finding_add(finding_list *l, const char *id, stage_id stage, const char *advice,
                const char *fmt, ...)
{
    const finding_def *def = finding_def_lookup(id);
    finding f = {0};
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&f.message, fmt, ap) < 0)
        f.message = NULL;
    va_end(ap);
    f.id = xstrdup(id);
    f.sev = def ? def->sev : SEV_ERROR;
    f.temporary = def ? def->temporary : false;
    f.stage = stage;
    f.advice = xstrdup(advice ? advice : def ? def->advice : "");
    finding *v = f.message && f.id && f.advice ? realloc(l->v, (l->n + 1) * sizeof *v) : NULL;
    if (!v) {
        free(f.message);
        free(f.id);
        free(f.advice);
        return -1;
    }
    v[l->n++] = f;
    l->v = v;
    return 0;
}

bool finding_has(const finding_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return true;
    return false;
}

int finding_list_move(finding_list *dst, finding_list *src)
{
    if (src->n == 0)
        return 0;
    finding *v = realloc(dst->v, (dst->n + src->n) * sizeof *v);
    if (!v)
        return -1;
    memcpy(v + dst->n, src->v, src->n * sizeof *v);
    dst->v = v;
    dst->n += src->n;
    free(src->v);
    src->v = NULL;
    src->n = 0;
    return 0;
}

void finding_list_free(finding_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].message);
        free(l->v[i].advice);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

const char *severity_name(severity s)
{
    switch (s) {
    case SEV_ERROR: return "error";
    case SEV_WARNING: return "warning";
    case SEV_INFO: return "info";
    }
    return "info";
}
