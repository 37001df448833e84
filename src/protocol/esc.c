/* esc.c — reply-code knowledge and lookups into the enhanced-status-code
 * registry (esc_registry.c).
 *
 * Reply codes: RFC 5321 §4.2.2/§4.2.3 (and the code theory of §4.2.1), plus
 * RFC 1985 (ETRN), 3207 (STARTTLS), 4954 (AUTH) and 7504 (521/556).
 * Enhanced status syntax: RFC 3463 §2 (class "." subject "." detail, class
 * 2/4/5, subject and detail 1*3digit). */
#include <stddef.h>
#include <string.h>

/* ---- protocol ---- */
#include "protocol/esc.h"

/* Ascending by code (binary search below; the unit test checks the order).
 * `meaning` is a short phrase without a final period: diagnoses embed it in
 * their own sentence (checks/diagnose.c). */
static const esc_reply_info replies[] = {
    {211, "System status or help reply",
     "Answer to a HELP or status request.",
     "Nothing to do; it is informational.",
     "RFC 5321 §4.2.3"},
    {214, "Help message",
     "Answer to HELP: text meant for a human.",
     "Nothing to do; read the text if you asked for help.",
     "RFC 5321 §4.2.3"},
    {220, "Service ready",
     "The greeting when a connection opens, or the go-ahead after STARTTLS.",
     "Nothing to do: the server is ready for EHLO (or for the TLS handshake).",
     "RFC 5321 §4.2.3, RFC 3207 §4"},
    {221, "Service closing transmission channel",
     "Answer to QUIT: the server says goodbye and closes the connection.",
     "Nothing to do.",
     "RFC 5321 §4.2.3"},
    {235, "Authentication successful",
     "AUTH succeeded: the user name and password (or token) were accepted.",
     "Nothing to do; the session may now send mail as that user.",
     "RFC 4954 §6"},
    {250, "Requested mail action okay, completed",
     "The command worked: EHLO, MAIL, RCPT, RSET, or a message accepted after DATA.",
     "Nothing to do. After DATA this means the server has taken responsibility for the "
     "message.",
     "RFC 5321 §4.2.3"},
    {251, "User not local; will forward",
     "The recipient is elsewhere and this server will forward the message.",
     "Nothing to do; the message continues to the forward path.",
     "RFC 5321 §4.2.3"},
    {252, "Cannot verify the user, but will accept the message and attempt delivery",
     "Answer to VRFY from servers that do not reveal which mailboxes exist (most of them).",
     "Nothing to do: VRFY cannot tell you whether the address exists; try RCPT TO instead.",
     "RFC 5321 §4.2.3, §3.5.3"},
    {334, "Authentication challenge",
     "The server waits for the next step of an AUTH exchange (a base64 challenge).",
     "Nothing to do: the client sends its base64 response next.",
     "RFC 4954 §4"},
    {354, "Start mail input; end with <CRLF>.<CRLF>",
     "The server accepted DATA and waits for the message body.",
     "Nothing to do: the client sends the message, ending with a line holding only a dot.",
     "RFC 5321 §4.2.3"},
    {421, "Service not available, closing transmission channel",
     "The server is shutting down the session: overload, too many connections from your "
     "IP, rate limiting, a timeout, or maintenance. Some servers greet with 421 to refuse "
     "whole IP ranges.",
     "Retry later (mail servers do so automatically); if it persists, reduce connection "
     "rate and parallelism, or check whether your IP is blocked.",
     "RFC 5321 §4.2.3"},
    {432, "A password transition is needed",
     "The account must log in once with PLAIN (over TLS) before the requested mechanism "
     "works.",
     "Authenticate once with AUTH PLAIN over TLS, then use the original mechanism.",
     "RFC 4954 §6"},
    {450, "Requested mail action not taken: mailbox unavailable",
     "A temporary refusal for this mailbox: greylisting (very common on first contact), a "
     "busy or locked mailbox, or a temporary policy/DNS check failure.",
     "Retry later; a correctly configured mail server retries on its own, and greylisting "
     "lets the retry through after a few minutes.",
     "RFC 5321 §4.2.3"},
    {451, "Requested action aborted: local error in processing",
     "A temporary problem on the server: DNS lookups failing (e.g. for SPF), a filter or "
     "database unavailable, greylisting, or rate limiting.",
     "Retry later; if it lasts more than a few hours, report it to the receiving site.",
     "RFC 5321 §4.2.3"},
    {452, "Requested action not taken: insufficient system storage",
     "The server is low on disk space, or (after RCPT) you sent too many recipients in one "
     "transaction.",
     "Retry later; after RCPT, send the remaining recipients in a new transaction.",
     "RFC 5321 §4.2.3, §4.5.3.1.10"},
    {454, "Temporary authentication failure / TLS not available",
     "After AUTH: the authentication back end is down. After STARTTLS: the server cannot "
     "start TLS right now (missing or broken certificate, TLS library error).",
     "Retry later; if it persists, the server administrator must fix the auth back end or "
     "the TLS configuration.",
     "RFC 4954 §6, RFC 3207 §4"},
    {455, "Server unable to accommodate parameters",
     "The server cannot handle a MAIL FROM or RCPT TO parameter right now (e.g. a SIZE it "
     "cannot take at the moment).",
     "Retry later, or without the parameter.",
     "RFC 5321 §4.2.3"},
    {458, "Unable to queue messages for node",
     "Answer to ETRN: the server cannot start delivering the queue for that domain now.",
     "Retry the ETRN later.",
     "RFC 1985 §5"},
    {459, "Node not allowed",
     "Answer to ETRN: this client may not request the queue for that domain.",
     "Ask the server administrator to allow ETRN for your host and domain.",
     "RFC 1985 §5"},
    {500, "Syntax error, command unrecognized",
     "The server did not understand the command: a typo, an extension it lacks, a line "
     "too long, or non-SMTP data (e.g. TLS or HTTP bytes sent to a plain SMTP port).",
     "Check the client's commands and that you use the right port and TLS mode.",
     "RFC 5321 §4.2.3"},
    {501, "Syntax error in parameters or arguments",
     "The command was known but its argument was malformed: a bad address (missing <>), "
     "an invalid EHLO name, or bad base64 in AUTH.",
     "Fix the argument; for MAIL/RCPT use the form MAIL FROM:<user@example.com>.",
     "RFC 5321 §4.2.3"},
    {502, "Command not implemented",
     "The server does not support this command (e.g. VRFY, EXPN, ETRN, or AUTH on a port "
     "without authentication).",
     "Do without the command, or use a server or port that supports it.",
     "RFC 5321 §4.2.3"},
    {503, "Bad sequence of commands",
     "Commands in the wrong order: RCPT before MAIL, DATA with no accepted recipient, MAIL "
     "before EHLO, or AUTH/MAIL before the required STARTTLS.",
     "Fix the client's command order; check earlier replies for the real failure.",
     "RFC 5321 §4.2.3"},
    {504, "Command parameter not implemented",
     "A parameter of the command is not supported (e.g. an unknown AUTH mechanism).",
     "Use a parameter or mechanism the server lists in its EHLO reply.",
     "RFC 5321 §4.2.3"},
    {521, "Host does not accept mail",
     "This host never accepts mail (e.g. a web server with a dummy SMTP listener).",
     "Do not retry this host; check the domain's MX records point to a real mail server.",
     "RFC 7504 §3"},
    {530, "Authentication required",
     "The server requires AUTH (or STARTTLS first) before it accepts mail: a submission "
     "port without login, or sending to a relay without credentials.",
     "Authenticate (and use STARTTLS or port 465) before MAIL FROM.",
     "RFC 4954 §6, RFC 3207 §4"},
    {534, "Authentication mechanism is too weak",
     "The chosen AUTH mechanism is not allowed for this user by server policy.",
     "Use a stronger mechanism that the server offers.",
     "RFC 4954 §6"},
    {535, "Authentication credentials invalid",
     "Wrong user name or password, a user name in the wrong form, an expired password, or "
     "an account that needs an app password or OAuth.",
     "Check the credentials; many providers require an app password when 2FA is on.",
     "RFC 4954 §6"},
    {538, "Encryption required for requested authentication mechanism",
     "A clear-text login (PLAIN/LOGIN) was attempted without TLS.",
     "Use STARTTLS or implicit TLS (port 465) before AUTH.",
     "RFC 4954 §6"},
    {550, "Requested action not taken: mailbox unavailable",
     "The mailbox does not exist, or policy refuses the message: relay denied, sender or "
     "IP on a blocklist, SPF/DMARC failure, spam content, or the recipient blocks you.",
     "Read the enhanced code and text: fix the address for unknown users; authenticate for "
     "relay denied; fix SPF/DKIM/DMARC or delisting for policy blocks. Retrying as-is will "
     "not help.",
     "RFC 5321 §4.2.3"},
    {551, "User not local; please try the forward path",
     "The recipient is not handled here; the server may name a different address.",
     "Send to the address the server suggests, or check the recipient's domain and MX.",
     "RFC 5321 §4.2.3"},
    {552, "Requested mail action aborted: exceeded storage allocation",
     "The message is too large (beyond SIZE) or the recipient's mailbox is full.",
     "Send a smaller message (see the SIZE in EHLO), or ask the recipient to free space.",
     "RFC 5321 §4.2.3, RFC 1870"},
    {553, "Requested action not taken: mailbox name not allowed",
     "The address is invalid or not permitted: bad syntax, a sender address you may not "
     "use (not owned by your login), or a refused domain.",
     "Fix the address; send as an address your account is allowed to use.",
     "RFC 5321 §4.2.3"},
    {554, "Transaction failed (or no SMTP service here)",
     "The message was rejected, often for spam, malware or policy. As a greeting it means "
     "the server refuses your connection outright (commonly an IP blocklist).",
     "Read the text and enhanced code; check blocklists, content and authentication. Do "
     "not retry unchanged.",
     "RFC 5321 §4.2.3"},
    {555, "MAIL FROM/RCPT TO parameters not recognized or not implemented",
     "The client sent a parameter (SIZE, BODY, SMTPUTF8, REQUIRETLS...) the server does "
     "not support.",
     "Only send parameters the server advertises in its EHLO reply.",
     "RFC 5321 §4.2.3"},
    {556, "Domain does not accept mail",
     "The recipient's domain accepts no mail at all (typically it publishes a null MX).",
     "Do not retry; use another address for this recipient.",
     "RFC 7504 §3, RFC 7505"},
};

const esc_reply_info *esc_reply_table(size_t *n)
{
    if (n)
        *n = sizeof replies / sizeof replies[0];
    return replies;
}

const esc_reply_info *esc_reply_lookup(int code)
{
    size_t lo = 0, hi = sizeof replies / sizeof replies[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (replies[mid].code == code)
            return &replies[mid];
        if (replies[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* RFC 5321 §4.2.1: the first digit says how it went, the second what the
 * reply is about (0 syntax, 1 information, 2 connections, 5 mail system; 3
 * and 4 unspecified; 6-9 undefined). One fixed phrase per combination, so a
 * code without an exact entry (e.g. 471 or 571 from an odd server) still gets
 * a meaning, and the result is static and thread-safe. */
const char *esc_reply_category(int code)
{
    static const char *const phrases[4][7] = {
        {"2yz positive completion: syntax", "2yz positive completion: information",
         "2yz positive completion: connection", "2yz positive completion",
         "2yz positive completion", "2yz positive completion: mail system",
         "2yz positive completion (category undefined)"},
        {"3yz positive intermediate, more input expected: syntax",
         "3yz positive intermediate, more input expected: information",
         "3yz positive intermediate, more input expected: connection",
         "3yz positive intermediate, more input expected",
         "3yz positive intermediate, more input expected",
         "3yz positive intermediate, more input expected: mail system",
         "3yz positive intermediate, more input expected (category undefined)"},
        {"4yz transient failure, retry later: syntax",
         "4yz transient failure, retry later: information",
         "4yz transient failure, retry later: connection",
         "4yz transient failure, retry later",
         "4yz transient failure, retry later",
         "4yz transient failure, retry later: mail system",
         "4yz transient failure, retry later (category undefined)"},
        {"5yz permanent failure: syntax", "5yz permanent failure: information",
         "5yz permanent failure: connection", "5yz permanent failure",
         "5yz permanent failure", "5yz permanent failure: mail system",
         "5yz permanent failure (category undefined)"},
    };
    if (code < 200 || code > 599)
        return NULL;
    int second = (code / 10) % 10;
    return phrases[code / 100 - 2][second > 5 ? 6 : second];
}

/* Parse 1*3DIGIT from *p (RFC 3463 §2), advancing *p. -1 if none. */
static int parse_num3(const char **p)
{
    const char *s = *p;
    int v = 0, n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 3)
            return -1;
        v = v * 10 + (s[n] - '0');
        n++;
    }
    if (n == 0)
        return -1;
    *p = s + n;
    return v;
}

/* RFC 3463 §2: class "." subject "." detail, subject and detail 1*3DIGIT. */
int esc_enhanced_parse(const char *code, int *cls, int *subject, int *detail)
{
    if (!code || (code[0] != '2' && code[0] != '4' && code[0] != '5') || code[1] != '.')
        return -1;
    const char *p = code + 2;
    int s = parse_num3(&p);
    if (s < 0 || *p++ != '.')
        return -1;
    int d = parse_num3(&p);
    if (d < 0 || *p)
        return -1;
    *cls = code[0] - '0';
    *subject = s;
    *detail = d;
    return 0;
}

const esc_enhanced_info *esc_enhanced_lookup(const char *code)
{
    int c, s, d;
    if (esc_enhanced_parse(code, &c, &s, &d) < 0)
        return NULL;
    size_t n = 0;
    const esc_enhanced_info *t = esc_enhanced_table(&n);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = t[mid].subject != s ? (t[mid].subject < s ? -1 : 1)
                                      : (t[mid].detail < d ? -1 : t[mid].detail > d);
        if (cmp == 0)
            return &t[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *esc_enhanced_title(const char *code)
{
    const esc_enhanced_info *e = esc_enhanced_lookup(code);
    return e ? e->title : NULL;
}

/* Accepts a reply code (4yz) or a bare enhanced class digit (4). */
bool esc_is_temporary_code(int code)
{
    return code == 4 || (code >= 400 && code <= 499);
}
