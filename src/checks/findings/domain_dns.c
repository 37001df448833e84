/* domain_dns.c — finding IDs of the domain report (MX, PTR/FCrDNS, HELO, DNS blocklists).
 * Part of the catalogue assembled in finding.c; IDs are stable API (add, never
 * rename) and documented in docs/findings.md by scripts/gen-findings-doc.py.
 * Emitted by checks/domain/section_mx.c, section_reverse.c, section_dnsbl.c
 * and domain.c (--connect). Zone-file examples use example.com and the
 * documentation addresses. */
#include "checks/finding.h"

#define E SEV_ERROR
#define W SEV_WARNING
#define I SEV_INFO

static const finding_def defs[] = {
    /* the domain itself */
    {"domain.nxdomain", E, false, "The domain does not exist in DNS (NXDOMAIN)",
     "Check the spelling. A registered domain whose zone is not delegated or not published "
     "yet also gives NXDOMAIN: check the registration and the NS records at the registrar "
     "(dig +trace DOMAIN NS). Every other section fails with it."},
    /* MX */
    {"mx.timeout", E, true, "The MX lookup timed out",
     "The resolver or the domain's name servers did not answer. Retry, try another resolver "
     "(--dns 9.9.9.9), and check that every NS of the domain answers (dig @NS DOMAIN MX)."},
    {"mx.servfail", E, true, "The MX lookup failed (SERVFAIL)",
     "The domain's name servers are broken or its DNSSEC does not validate. Check each NS "
     "(dig @NS DOMAIN MX) and the DNSSEC chain (delv DOMAIN MX, or an online DNSSEC "
     "debugger)."},
    {"mx.dns_error", E, false, "The MX lookup failed",
     "The resolver refused or could not ask; check the resolver (--dns) and the domain's "
     "name servers."},
    {"mx.dnssec_bogus", E, false, "The MX records fail DNSSEC validation",
     "Validating resolvers cannot see the MX records at all, so mail to the domain fails. "
     "Re-sign the zone or fix the DS record at the registrar so it matches the zone's key."},
    {"mx.null", W, false, "The domain publishes a null MX: it accepts no mail (RFC 7505)",
     "Right for a domain that never receives mail; pair it with \"v=spf1 -all\" and a DMARC "
     "p=reject policy. If the domain should receive mail, replace it with real MX records: "
     "example.com. 3600 IN MX 10 mail.example.com."},
    {"mx.null_mixed", E, false, "A null MX is published next to other MX records",
     "RFC 7505 §3 allows the null MX (MX 0 .) only as the single MX record. Remove it if the "
     "domain receives mail, or remove the other MX records if it does not."},
    {"mx.implicit", W, false, "No MX record: mail goes to the domain's own address",
     "RFC 5321 §5.1 lets senders fall back to the domain's A/AAAA when there is no MX, and "
     "most still do, but it is fragile (some senders and filters refuse it). Publish an "
     "explicit MX: example.com. 3600 IN MX 10 mail.example.com."},
    {"mx.none", E, false, "No MX record and no address: the domain cannot receive mail",
     "Publish an MX record pointing at a host with an address: example.com. 3600 IN MX 10 "
     "mail.example.com. and mail.example.com. 3600 IN A 192.0.2.25. If the domain should "
     "never receive mail, publish a null MX instead: example.com. 3600 IN MX 0 ."},
    {"mx.ip_literal", E, false, "An MX target is an IP address instead of a host name",
     "The MX RDATA must be a host name (RFC 5321 §5.1); senders look \"192.0.2.25\" up as a "
     "name and find nothing. Point the MX at a name with an A/AAAA record: example.com. IN "
     "MX 10 mail.example.com. and mail.example.com. IN A 192.0.2.25."},
    {"mx.cname", W, false, "An MX target is an alias (CNAME)",
     "RFC 2181 §10.3 (and RFC 5321 §5.1) require the MX target to be the host's own name. "
     "Most senders follow the alias, some do not. Point the MX at the canonical name the "
     "CNAME leads to, or replace the CNAME with A/AAAA records."},
    {"mx.host_no_address", W, false, "An MX host has no address",
     "Senders skip this MX host; if it is the best one, every delivery is delayed. Publish "
     "its A/AAAA records (mail.example.com. IN A 192.0.2.25) or remove the MX record."},
    {"mx.no_usable_host", E, false, "No MX host has an address: the domain cannot receive mail",
     "Every MX target is missing, has no A/AAAA record, or is an IP literal. Publish "
     "addresses for the MX hosts (mail.example.com. IN A 192.0.2.25) or point the MX at a "
     "host that has them."},
    {"mx.host_timeout", W, true, "The address lookup of an MX host timed out",
     "The host's name servers did not answer in time. Retry; if it persists, check every NS "
     "of the host's zone (dig @NS HOST A)."},
    {"mx.host_lookup_failed", W, true, "The address lookup of an MX host failed",
     "SERVFAIL or another error: the host's zone is broken or its DNSSEC does not validate. "
     "Check its name servers and DNSSEC (delv HOST A)."},
    {"mx.duplicate", W, false, "The same host appears in several MX records",
     "Duplicates add no redundancy and make senders retry the same server. Keep one MX "
     "record per host and add a second, independent host for backup."},
    {"mx.too_many", W, false, "The domain has more MX hosts than were checked",
     "Senders try only a few MX hosts (Postfix: 5 addresses by default), so the tail is "
     "rarely used. Keep the list short and make sure the first hosts work."},
    {"mx.private_address", W, false,
     "An MX host has an address that is not reachable from the internet",
     "Loopback, private (RFC 1918), link-local or documentation addresses in public DNS "
     "cannot receive mail from outside and leak internal layout. Publish the server's public "
     "address, and keep internal names in an internal (split-horizon) view."},
    {"mx.no_ipv6", I, false, "No MX host has an IPv6 address",
     "Fine for now: senders use IPv4. To receive from IPv6-only senders, give the MX host an "
     "AAAA record (mail.example.com. IN AAAA 2001:db8::25) with reverse DNS for it."},
    {"mx.unreachable", E, false, "No SMTP port answered on an MX host (--connect)",
     "Nothing accepted a connection on any probed port. Check that the mail server runs and "
     "listens on the public address (ss -ltn), and the firewall. If this machine cannot "
     "connect out on port 25 (many ISPs and clouds block it), test from elsewhere."},
    {"mx.port25_closed", W, false, "An MX host does not accept SMTP on port 25 (--connect)",
     "Other mail servers deliver to an MX only on port 25; submission ports (587, 465) do "
     "not help them. Open port 25 on the host and firewall. Outbound 25 is often blocked "
     "where smtpscope runs: confirm from another network before changing anything."},
    /* PTR / FCrDNS */
    {"ptr.mx_missing", W, false, "An MX address has no reverse DNS (PTR)",
     "Receiving needs no PTR, but the same host usually sends too (bounces, forwards), and "
     "mail from an address without reverse DNS is widely rejected. Ask whoever owns the "
     "address block (hosting provider, ISP) to set a PTR to the host's name; for your own "
     "block: 25.2.0.192.in-addr.arpa. IN PTR mail.example.com."},
    {"ptr.mx_unconfirmed", W, false, "An MX address's PTR name does not resolve back to it",
     "Forward-confirmed reverse DNS (FCrDNS) needs both directions: the PTR name must have "
     "an A/AAAA record with this address (mail.example.com. IN A 192.0.2.25). Fix whichever "
     "side is wrong."},
    {"ptr.ip_missing", E, false, "The sending address has no reverse DNS (PTR)",
     "Many receivers (Gmail, Microsoft, Postfix reject_unknown_client_hostname) reject or "
     "junk mail from addresses without reverse DNS. Ask the provider that owns the address "
     "to set a PTR to your mail server's name (in cloud consoles: \"reverse DNS\"), and give "
     "that name an A/AAAA record with the same address."},
    {"ptr.ip_unconfirmed", E, false, "The sending address's PTR name does not resolve back to it",
     "Receivers check forward-confirmed reverse DNS: the PTR name must resolve (A/AAAA) to "
     "the sending address. Add the record, e.g. mail.example.com. IN A 192.0.2.25, or "
     "change the PTR to a name that has it."},
    {"ptr.ip_generic", W, false, "The sending address's PTR name looks generic (dynamic/pool)",
     "Names like 192-0-2-25.dynamic.isp.example look like an end-user connection and are "
     "scored as spam or blocked (Spamhaus PBL-style policies). Set a PTR that names your "
     "mail server (mail.example.com), or relay through a server that has one."},
    {"ptr.multiple", I, false, "An address has several PTR records",
     "Allowed, but receivers usually check only one, and which one varies. Keep a single PTR "
     "per address, naming the host that sends from it."},
    {"ptr.timeout", W, true, "The reverse DNS lookup timed out",
     "The reverse zone's name servers did not answer. Retry; if it persists, the address "
     "owner's reverse DNS servers are broken (dig -x ADDRESS +trace)."},
    {"ptr.lookup_failed", W, true, "The reverse DNS lookup failed",
     "SERVFAIL or another error for the reverse zone: its delegation or DNSSEC is broken. "
     "Tell the provider that owns the address block (dig -x ADDRESS +trace shows where)."},
    /* HELO */
    {"helo.syntax", E, false, "The HELO name is not a fully qualified domain name",
     "RFC 5321 §4.1.1.1 wants the client's FQDN: letters, digits and hyphens, at least one "
     "dot (mail.example.com). Set it in the MTA (Postfix: smtp_helo_name or myhostname) and "
     "give it an A record."},
    {"helo.bare_ip", E, false, "The HELO name is an IP address without brackets",
     "An address in HELO must be written as a literal, [192.0.2.25] (RFC 5321 §4.1.3); a "
     "bare address is a syntax error many receivers reject. Better still, use the server's "
     "name (Postfix: smtp_helo_name = mail.example.com)."},
    {"helo.literal", W, false, "The HELO name is an address literal",
     "Valid (RFC 5321 §4.1.3) but unusual for a server, and many spam filters score it. Use "
     "the server's FQDN, one that resolves to the sending address and matches its PTR."},
    {"helo.literal_invalid", E, false, "The HELO address literal is malformed",
     "Write it as [192.0.2.25] or [IPv6:2001:db8::25] (RFC 5321 §4.1.3), or better, use the "
     "server's name."},
    {"helo.localhost", E, false, "The HELO name is localhost or another local name",
     "Receivers reject localhost/localdomain as a sign of a misconfigured or forged sender. "
     "Set the MTA's HELO name to its public FQDN (Postfix: myhostname = mail.example.com)."},
    {"helo.unresolvable", W, false, "The HELO name has no address in DNS",
     "Receivers such as Postfix with reject_unknown_helo_hostname refuse it. Publish an A/AAAA "
     "record for the name (mail.example.com. IN A 192.0.2.25) or use a name that has one."},
    {"helo.ip_mismatch", W, false, "The HELO name does not resolve to the sending address",
     "Best practice is one name for the host: HELO name, PTR of the sending address and "
     "the name's A/AAAA all agree. Point the name at the sending address or use the name "
     "that does."},
    {"helo.timeout", W, true, "The address lookup of the HELO name timed out",
     "The name's DNS servers did not answer in time. Retry; if it persists, check the zone's "
     "name servers."},
    /* DNS blocklists */
    {"dnsbl.listed", E, false, "The address is listed on a DNS blocklist",
     "Receivers using this list reject or junk mail from the address. Find and fix the cause "
     "first (a compromised account or machine, an open relay, missing reverse DNS, mail to "
     "spam traps), then request removal on the list's own lookup page; most lists delist "
     "automatically once the abuse stops. The reason text comes from the list."},
    {"dnsbl.refused", W, false, "A blocklist refused to answer (error code, not a listing)",
     "Several lists (Spamhaus among them) refuse queries that come through large public "
     "resolvers (8.8.8.8, 1.1.1.1) and answer 127.255.255.x instead. Nothing was checked "
     "against this list. Query through your own recursive resolver, e.g. a local Unbound: "
     "--dns 127.0.0.1, or use the list's registered data-query service."},
    {"dnsbl.bogus_answer", W, false, "A blocklist answered with an address outside 127.0.0.0/8",
     "That is not a blocklist answer: the resolver rewrites NXDOMAIN (ad-serving ISP "
     "resolvers do), or the list is dead and its domain now has a wildcard. Its results "
     "were ignored; use another resolver (--dns) or drop the list (--dnsbl)."},
    {"dnsbl.timeout", W, true, "A blocklist did not answer in time",
     "The list's servers are slow or unreachable from here; its result is unknown. Retry, "
     "or use another resolver (--dns)."},
    {"dnsbl.lookup_failed", W, false, "Queries to a blocklist failed",
     "SERVFAIL or another error: the list may be gone, misspelled, or blocking this "
     "resolver. Check the zone name given with --dnsbl."},
};

const finding_part finding_part_domain_dns = {defs, sizeof defs / sizeof defs[0]};
