/* relay.c — finding IDs of the open-relay battery (`smtpscope relay`) and the
 * SMTP smuggling probe (--probe-smuggling). Part of the catalogue assembled
 * in finding.c; IDs are stable API (add, never rename) and documented in
 * docs/findings.md (scripts/gen-findings-doc.py). Emitted by
 * checks/security/relay.c and checks/security/smuggling.c. */
#include <stddef.h>

#include "checks/finding.h"

#define E SEV_ERROR
#define W SEV_WARNING
#define I SEV_INFO

static const finding_def defs[] = {
    /* open relay */
    {"relay.open", E, false, "The server relays mail for strangers (open relay)",
     "A recipient outside the server's own domains was accepted from an unauthenticated "
     "client, so anyone can send spam through it and it will be blocklisted. Relay only for "
     "authenticated users and trusted networks. Postfix: smtpd_relay_restrictions = "
     "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination (and a "
     "mynetworks that lists only your own networks); Exim: relay_from_hosts and "
     "accept domains = +relay_to_domains in the RCPT ACL; OpenSMTPD: 'action relay' only "
     "on 'match from local' or 'match auth'. Then run smtpscope relay again."},
    {"relay.refused_all", I, false, "Every relay attempt was refused",
     "Nothing to do: the server refused every recipient outside its own domains (tested "
     "without authentication from this client's address)."},
    {"relay.unqualified_accepted", W, false,
     "The server accepts a recipient with no domain",
     "RFC 5321 §4.1.2 requires a domain in every forward-path except <postmaster>. A server "
     "that qualifies bare names with a domain it relays for can be tricked into relaying; "
     "reject them (Postfix: smtpd_recipient_restrictions = reject_non_fqdn_recipient)."},
    {"relay.inconclusive", W, false, "Some relay cases could not be tested",
     "The server dropped the session, answered 421, or a command failed for another reason "
     "before it judged those cases; they are listed as errors. Run again later, with "
     "--delay if the server limits how fast a client may send commands."},
    {"relay.unreachable", E, true, "The relay battery could not run at all",
     "No SMTP session could be opened (name, connection, greeting or EHLO failed). Run "
     "smtpscope check HOST:PORT for the stage-by-stage diagnosis."},
    /* SMTP smuggling */
    {"smuggling.vulnerable", E, false,
     "The server ends DATA at a non-standard sequence (SMTP smuggling)",
     "RFC 5321 §4.1.1.4: only <CR><LF>.<CR><LF> ends the message data; a server that also "
     "accepts a bare <LF> or <CR> form lets a sender hide a second, spoofed message inside "
     "the first (SMTP smuggling, CVE-2023-51764/51765/51766). Postfix 3.9+: "
     "smtpd_forbid_bare_newline = normalize (or reject; 3.5.23-3.8.4: yes); Exim 4.97.1+; "
     "Sendmail 8.18: srv_features 'o'; otherwise upgrade or put a compliant MTA in front."},
    {"smuggling.safe", I, false, "No non-standard end-of-data sequence ended DATA",
     "Nothing to do: every variant tested was read as part of the message and only the real "
     "<CR><LF>.<CR><LF> ended it. The test messages went to the --to mailbox."},
    {"smuggling.inconclusive", W, false, "Some smuggling variants could not be tested",
     "The session failed before the variant was judged (connection, MAIL/RCPT/DATA refused, "
     "timeout). Check --from/--to (the recipient must be a mailbox the server accepts for "
     "you, with --auth-user when it needs authentication) and run again."},
};

const finding_part finding_part_relay = {defs, sizeof defs / sizeof defs[0]};
