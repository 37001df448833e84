/* presets.c — the provider preset table and --preset parsing (presets.h).
 *
 * Every entry was checked against the page cited in its `doc` field and the
 * comment above it (read in 2026; providers do move hosts, so
 * `smtpscope providers` prints the page too). Only the submission endpoint
 * each provider recommends is listed: port 587 with STARTTLS, except Yahoo,
 * whose published client settings lead with 465 and implicit TLS. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- frontend ---- */
#include "frontend/cli/presets.h"

static const preset presets[] = {
    /* Google: smtp.gmail.com, 587 STARTTLS (465 implicit also offered), the
     * username is the full Gmail or Workspace address, the password an app
     * password (2-Step Verification) or an OAuth token.
     * https://developers.google.com/workspace/gmail/imap/imap-smtp, as
     * summarised in https://inboxtooling.com/blog/gmail-smtp-settings and
     * https://developer.nylas.com/docs/cookbook/email/gmail-smtp-settings/ */
    {"gmail", "Gmail / Google Workspace", "smtp.gmail.com", 587, TLSM_STARTTLS, NULL,
     "your full address (you@gmail.com or your Workspace address)",
     "an app password (needs 2-Step Verification) or --oauth2-token-cmd", NULL,
     "https://developers.google.com/workspace/gmail/imap/imap-smtp"},
    /* Microsoft: "SMTP AUTH client submission" endpoint smtp.office365.com,
     * port 587, STARTTLS, TLS 1.2+; the username is the mailbox address;
     * Basic AUTH is being retired in favour of OAuth.
     * https://learn.microsoft.com/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365
     * Outlook.com mailboxes use the same endpoint
     * (https://smtptester.org/guides/outlook-365-smtp-test/). */
    {"office365", "Microsoft 365 / Office 365", "smtp.office365.com", 587, TLSM_STARTTLS, NULL,
     "the mailbox address", "the mailbox password, an app password, or --oauth2-token-cmd", NULL,
     "https://learn.microsoft.com/exchange/mail-flow-best-practices/"
     "how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365"},
    {"outlook", "Outlook.com (same endpoint as Microsoft 365)", "smtp.office365.com", 587,
     TLSM_STARTTLS, NULL, "your full Outlook.com address",
     "your password, an app password, or --oauth2-token-cmd", NULL,
     "https://smtptester.org/guides/outlook-365-smtp-test/"},
    /* SendGrid: host smtp.sendgrid.net, username the literal string "apikey",
     * password the API key, port 587 recommended (25/2525/587 STARTTLS, 465
     * implicit). https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api */
    {"sendgrid", "Twilio SendGrid", "smtp.sendgrid.net", 587, TLSM_STARTTLS, "apikey",
     "the literal string \"apikey\"", "an API key with Mail Send permission", NULL,
     "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api"},
    /* Mailgun: smtp.mailgun.org (EU accounts: smtp.eu.mailgun.org), relayhost
     * [smtp.mailgun.org]:587, per-domain SMTP credentials whose login is a
     * full address such as postmaster@your-domain.
     * https://documentation.mailgun.com/docs/mailgun/user-manual/smtp-protocol/smtp-relay */
    {"mailgun", "Mailgun (US region; EU: --server smtp.eu.mailgun.org:587)", "smtp.mailgun.org",
     587, TLSM_STARTTLS, NULL, "the domain's SMTP login (postmaster@your-domain)",
     "that SMTP credential's password", NULL,
     "https://documentation.mailgun.com/docs/mailgun/user-manual/smtp-protocol/smtp-relay"},
    /* Postmark: smtp.postmarkapp.com, ports 25, 2525 or 587 with STARTTLS;
     * the Server API Token is both username and password.
     * https://postmarkapp.com/support/article/811-what-are-the-smtp-details-api-tokens-i-should-be-using */
    {"postmark", "Postmark (transactional stream)", "smtp.postmarkapp.com", 587, TLSM_STARTTLS, NULL,
     "the Server API Token", "the same Server API Token", NULL,
     "https://postmarkapp.com/support/article/811-what-are-the-smtp-details-api-tokens-i-should-be-using"},
    /* Amazon SES: email-smtp.REGION.amazonaws.com; STARTTLS on 25, 587 or
     * 2587 (TLS wrapper on 465/2465); SMTP credentials are per region.
     * https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html */
    {"ses", "Amazon SES (--preset ses:REGION)", "email-smtp.%s.amazonaws.com", 587, TLSM_STARTTLS,
     NULL, "the SES SMTP username (not an access key id)", "the SES SMTP password for that region",
     "us-east-1", "https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html"},
    /* Zoho: smtp.zoho.com, 587 TLS or 465 SSL, the full address as username;
     * an application-specific password with two-factor authentication.
     * https://www.zoho.com/mail/help/zoho-smtp.html */
    {"zoho", "Zoho Mail (US data centre)", "smtp.zoho.com", 587, TLSM_STARTTLS, NULL,
     "your full address", "your password or an application-specific password", NULL,
     "https://www.zoho.com/mail/help/zoho-smtp.html"},
    /* iCloud: smtp.mail.me.com, 587, STARTTLS, the full iCloud address and an
     * app-specific password. https://support.apple.com/en-us/102525 (as
     * quoted in https://developer.nylas.com/docs/cookbook/email/icloud-mail-api/) */
    {"icloud", "iCloud Mail", "smtp.mail.me.com", 587, TLSM_STARTTLS, NULL,
     "your full iCloud address", "an app-specific password", NULL,
     "https://support.apple.com/en-us/102525"},
    /* Yahoo: smtp.mail.yahoo.com, 465 with SSL (587 also answers), the full
     * address and an app password. https://help.yahoo.com/kb/SLN4075.html;
     * the same endpoint in the provider database of
     * https://github.com/deltachat/provider-db/blob/master/_providers/yahoo.md */
    {"yahoo", "Yahoo Mail", "smtp.mail.yahoo.com", 465, TLSM_IMPLICIT, NULL,
     "your full Yahoo address", "an app password", NULL, "https://help.yahoo.com/kb/SLN4075.html"},
};

#define N_PRESETS (sizeof presets / sizeof presets[0])

const preset *preset_table(size_t *n)
{
    *n = N_PRESETS;
    return presets;
}

const preset *preset_find(const char *name)
{
    for (size_t i = 0; name && i < N_PRESETS; i++)
        if (strcasecmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

/* AWS region names are lower-case words and digits joined by '-'. */
static bool region_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n >= PRESET_REGION_MAX || r[0] == '-' || r[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') ||
              (r[i] == '-' && r[i + 1] != '-')))
            return false;
    return true;
}

static int unknown(const char *name, err *e)
{
    char list[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < N_PRESETS; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", presets[i].name);
        if (w < 0 || (size_t)w >= sizeof list - used)
            break;
        used += (size_t)w;
    }
    return err_set(e, ERRC_LOCAL_INPUT, "--preset: unknown provider '%.40s' (known: %s)", name,
                   list);
}

int preset_resolve(const char *spec, preset_target *out, err *e)
{
    memset(out, 0, sizeof *out);
    if (!spec || !spec[0])
        return err_set(e, ERRC_LOCAL_INPUT, "--preset needs a provider name");
    char name[64];
    const char *colon = strchr(spec, ':');
    size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (nlen == 0 || nlen >= sizeof name)
        return unknown(spec, e);
    memcpy(name, spec, nlen);
    name[nlen] = '\0';
    const preset *p = preset_find(name);
    if (!p)
        return unknown(name, e);
    const char *region = colon ? colon + 1 : p->default_region;
    if (colon && !p->default_region)
        return err_set(e, ERRC_LOCAL_INPUT, "--preset %s takes no :REGION (only ses does)",
                       p->name);
    if (p->default_region && !region_ok(region))
        return err_set(e, ERRC_LOCAL_INPUT,
                       "--preset %s:REGION: '%.40s' is not a region name such as us-east-1",
                       p->name, region);
    out->p = p;
    out->port = p->port;
    out->tls = p->tls;
    if (p->default_region) {
        snprintf(out->region, sizeof out->region, "%s", region);
        /* The pattern is ours and has exactly one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(out->host, sizeof out->host, p->host, out->region);
#pragma GCC diagnostic pop
    } else {
        snprintf(out->host, sizeof out->host, "%s", p->host);
    }
    return 0;
}
