/* domain_records.c — finding IDs of the domain report (SPF, DKIM, DMARC, MTA-STS, TLS-RPT).
 * Part of the catalogue assembled in finding.c; IDs are stable API (add, never
 * rename) and documented in docs/findings.md by scripts/gen-findings-doc.py.
 *
 * The record analyzers' problem codes (analysis/dmarc, dkim, mtasts, tlsrpt)
 * are finding IDs as they are; their severity here is the usual one, the
 * analyzer's own per case wins (dmarc.p_none is a warning only for a domain
 * that sends mail). The MTA-STS policy-file codes (the file is fetched over
 * HTTPS by section_sts.c) close the MTA-STS block. */
#include "checks/finding.h"

#define E SEV_ERROR
#define W SEV_WARNING
#define I SEV_INFO

static const finding_def defs[] = {
    /* ---- SPF (RFC 7208) ---- */
    {"spf.none", W, false, "The domain publishes no SPF record",
     "Publish a TXT record at the domain listing who may send for it, e.g. "
     "\"v=spf1 mx include:_spf.your-provider.example -all\"; a domain that sends no mail "
     "publishes \"v=spf1 -all\"."},
    {"spf.multiple", E, false, "The domain publishes more than one SPF record",
     "Merge them into a single \"v=spf1 ... -all\" TXT record: with two, every receiver "
     "returns permerror and SPF fails for all your mail (RFC 7208 §4.5)."},
    {"spf.permerror", E, false, "The SPF policy cannot be evaluated (permerror)",
     "Fix the error named in the message (a syntax error shows its column). Receivers treat a "
     "permerror like a failure under DMARC, so all your mail is at risk."},
    {"spf.temperror", E, true, "The SPF policy could not be evaluated because of a DNS error",
     "A name the policy refers to did not answer. Check that every include:, a: and mx: name "
     "resolves (dig TXT NAME) and that your name servers answer reliably."},
    {"spf.too_many_lookups", E, false, "The SPF policy needs more than 10 DNS lookups",
     "Receivers stop at 10 include/a/mx/ptr/exists/redirect lookups and return permerror. "
     "Remove includes you no longer use, replace a and mx with ip4:/ip6: ranges, or ask your "
     "provider for a flatter include."},
    {"spf.void_lookups", E, false, "The SPF policy makes more than 2 lookups that find nothing",
     "Names in include:, a:, mx: or exists: that do not exist count as void lookups; after 2 "
     "receivers return permerror (RFC 7208 §4.6.4). Remove the terms that name dead domains."},
    {"spf.all_pass", E, false, "The SPF policy ends in +all: anyone can send as you",
     "Replace '+all' (or a bare 'all') with '-all' (or '~all' while testing): '+all' tells "
     "every receiver that any host on the internet may send your mail."},
    {"spf.all_neutral", W, false, "The SPF policy ends in ?all: it asserts nothing",
     "'?all' makes unlisted senders neutral, as if you had no SPF record. List your senders "
     "and end with '-all' (or '~all' while testing)."},
    {"spf.no_all", W, false, "The SPF policy has no 'all' and no redirect",
     "Without a final 'all' unlisted senders get neutral (RFC 7208 §4.7). Append '-all' (or "
     "'~all') as the last term."},
    {"spf.softfail_all", I, false, "The SPF policy ends in ~all (softfail)",
     "'~all' asks receivers to accept but mark unlisted senders. Once your reports show every "
     "legitimate sender passes, switch to '-all'; with DMARC p=reject either works."},
    {"spf.ptr_used", W, false, "The SPF policy uses the ptr mechanism",
     "ptr is slow, unreliable and deprecated (RFC 7208 §5.5: do not use); many receivers "
     "skip it. Replace it with the ip4:/ip6: ranges of those hosts."},
    {"spf.include_missing", E, false, "An include or redirect target has no SPF record",
     "include: and redirect= of a domain without an SPF record make the whole evaluation a "
     "permerror. Fix the name (typos, a provider that moved its record) or remove the term."},
    {"spf.lookups_near_limit", W, false, "The SPF policy is close to the 10-lookup limit",
     "One more include (or a provider adding one to theirs) and receivers return permerror. "
     "Drop unused includes or replace a/mx terms with ip4:/ip6: ranges while there is room."},
    {"spf.record_long", I, false, "The SPF record is longer than 450 bytes",
     "DNS answers this large may not fit a UDP packet and need TCP, which some resolvers and "
     "firewalls break (RFC 7208 §3.4). Move parts into an include: on a subdomain."},
    {"spf.result", E, false, "The SPF result for the --ip address",
     "The severity follows the result: fail and permerror are errors, temperror a temporary "
     "one, softfail, neutral and none warnings, pass is information. To authorise the "
     "address, add it (ip4:/ip6:) or its provider's include: to the record."},
    {"spf.timeout", E, true, "The SPF record lookup timed out",
     "The domain's name servers did not answer in time. Check them (dig +trace TXT DOMAIN) or "
     "retry with another resolver (--dns IP)."},
    {"spf.lookup_failed", E, true, "The SPF record lookup failed",
     "The resolver answered SERVFAIL or the answer failed DNSSEC validation. Check the "
     "domain's name servers and its DNSSEC chain (e.g. with a DNSSEC debugger)."},

    /* ---- DKIM (RFC 6376, 8301, 8463) ---- */
    {"dkim.none_found", I, false, "No DKIM key found at the common selectors",
     "DKIM keys can only be found by selector. Pass the one your signer uses with --selector "
     "NAME (it is the s= tag of the DKIM-Signature header of a mail you sent)."},
    {"dkim.key_missing", E, false, "There is no DKIM key at the given selector",
     "Publish the public key as a TXT record at SELECTOR._domainkey.DOMAIN (your signer "
     "or mail provider gives its text), or check the selector's spelling."},
    {"dkim.timeout", E, true, "A DKIM key lookup timed out",
     "The domain's name servers did not answer in time. Check them or retry with --dns IP."},
    {"dkim.lookup_failed", E, true, "A DKIM key lookup failed",
     "The resolver answered SERVFAIL or the answer failed DNSSEC validation. Check the "
     "domain's name servers and its DNSSEC chain."},
    {"dkim.too_long", E, false, "The DKIM key record is too long to parse",
     "A key record is at most a few kilobytes even for RSA-4096; check that nothing else was "
     "pasted into the TXT record."},
    {"dkim.syntax", E, false, "The DKIM key record has a syntax error",
     "A key record is a list of tag=value pairs separated by ';' (RFC 6376 §3.2). Fix the "
     "tag at the column shown; regenerate the record from your signer if unsure."},
    {"dkim.empty_tag", W, false, "The DKIM key record has an empty tag (';;')",
     "Remove the doubled ';'. Most verifiers accept it, strict ones do not."},
    {"dkim.tag_duplicate", E, false, "A tag appears twice in the DKIM key record",
     "A record with a duplicated tag is invalid (RFC 6376 §3.2); keep one."},
    {"dkim.tag_unknown", I, false, "The DKIM key record has a tag verifiers ignore",
     "Unknown tags are ignored; check it is not a misspelling of v, k, h, s, t, n or p."},
    {"dkim.v_invalid", E, false, "The DKIM key record's v= is not DKIM1",
     "Write v=DKIM1 or leave v out; verifiers discard records with another version."},
    {"dkim.v_not_first", E, false, "v=DKIM1 is not the first tag of the DKIM key record",
     "Move v=DKIM1 to the start of the record (RFC 6376 §3.6.1), or remove it."},
    {"dkim.k_unknown", E, false, "The DKIM key type is not rsa or ed25519",
     "Use k=rsa (the default) or k=ed25519; verifiers cannot use any other key type."},
    {"dkim.h_invalid", E, false, "The DKIM key record's h= is malformed",
     "h= is a ':'-separated list of hash names, e.g. h=sha256; or leave it out."},
    {"dkim.h_unknown", W, false, "The DKIM key record names an unknown hash",
     "Only sha256 (and the obsolete sha1) exist for DKIM; remove other names."},
    {"dkim.h_sha1_only", W, false, "The DKIM key allows only sha1",
     "Signatures with sha1 must not be trusted (RFC 8301). Sign with rsa-sha256 and set "
     "h=sha256 or drop h=."},
    {"dkim.s_invalid", E, false, "The DKIM key record's s= is malformed",
     "s= is a ':'-separated list of service types, e.g. s=email; or leave it out."},
    {"dkim.s_not_email", E, false, "The DKIM key is not for email (s=)",
     "Set s=email or s=*, or leave s out: verifiers ignore this key for mail."},
    {"dkim.t_invalid", E, false, "The DKIM key record's t= is malformed",
     "t= is a ':'-separated list of flags (y, s); fix or remove it."},
    {"dkim.t_unknown", I, false, "The DKIM key record has an unknown t= flag",
     "Only y (testing) and s (strict) are defined; others are ignored."},
    {"dkim.t_testing", W, false, "The DKIM key is in testing mode (t=y)",
     "Verifiers treat failing signatures as if the mail were unsigned, so DKIM protects "
     "nothing. Remove t=y once signing works."},
    {"dkim.p_missing", E, false, "The DKIM key record has no public key (p=)",
     "Publish the key's p= tag; without it the record is invalid. An empty p= (revocation) "
     "is different and intended."},
    {"dkim.key_revoked", W, false, "The DKIM key has been revoked (empty p=)",
     "Mail signed with this selector fails DKIM. If your signer still uses it, publish the "
     "current key or switch the signer to a selector that has one."},
    {"dkim.p_base64", E, false, "The DKIM public key is not valid base64",
     "The p= value was damaged when pasted (a quote, a missing character or a split in the "
     "wrong place). Paste it again from your signer, splitting only into quoted strings."},
    {"dkim.key_invalid", E, false, "The DKIM public key does not decode",
     "p= must be a DER SubjectPublicKeyInfo for k=rsa, or the 32-byte key for k=ed25519. "
     "Regenerate the record from your signer."},
    {"dkim.key_pkcs1", W, false, "The DKIM RSA key is published in PKCS#1 form",
     "Many verifiers accept only SubjectPublicKeyInfo (openssl rsa -pubout gives it); "
     "republish the key in that form."},
    {"dkim.key_weak", E, false, "The DKIM RSA key is shorter than 1024 bits",
     "Verifiers must reject it (RFC 8301 §3.2): generate a 2048-bit key under a new selector, "
     "switch the signer to it, then revoke this one."},
    {"dkim.key_short", W, false, "The DKIM RSA key is shorter than 2048 bits",
     "1024-bit keys are within reach of attackers and some receivers distrust them. Rotate "
     "to a 2048-bit key (or add ed25519 alongside) under a new selector."},

    /* ---- DMARC (RFC 7489) ---- */
    {"dmarc.none", E, false, "The domain has no DMARC record",
     "Publish a TXT record at _dmarc.DOMAIN, starting with "
     "\"v=DMARC1; p=none; rua=mailto:dmarc-reports@DOMAIN\" to collect reports, then move to "
     "p=quarantine and p=reject. Without DMARC anyone can put your domain in From:."},
    {"dmarc.multiple", E, false, "The domain has more than one DMARC record",
     "With several v=DMARC1 records receivers apply none (RFC 7489 §6.6.3). Keep one."},
    {"dmarc.from_org", I, false, "The DMARC policy comes from the organisational domain",
     "Mail from this subdomain is judged by the parent's record and its sp= policy. Publish "
     "_dmarc for the subdomain if it needs a policy of its own."},
    {"dmarc.rua_unauthorized", W, false, "An external DMARC report address is not authorised",
     "Reports to a destination in another organisation are only sent when it publishes "
     "\"v=DMARC1\" at DOMAIN._report._dmarc.DESTINATION (RFC 7489 §7.1). Ask the destination "
     "to publish it, or send reports to an address of your own domain."},
    {"dmarc.timeout", E, true, "A DMARC lookup timed out",
     "The name servers did not answer in time. Check them or retry with --dns IP."},
    {"dmarc.lookup_failed", E, true, "A DMARC lookup failed",
     "The resolver answered SERVFAIL or the answer failed DNSSEC validation. Check the "
     "domain's name servers and its DNSSEC chain."},
    {"dmarc.too_long", E, false, "The DMARC record is too long to parse",
     "A DMARC record is a few short tags; check that nothing else was pasted into it."},
    {"dmarc.syntax", E, false, "The DMARC record has a syntax error",
     "The record is tag=value pairs separated by ';'. Fix the tag at the column shown."},
    {"dmarc.empty_tag", W, false, "The DMARC record has an empty tag (';;')",
     "Remove the doubled ';' (a single trailing ';' is fine)."},
    {"dmarc.v_missing", E, false, "The DMARC record does not start with v=DMARC1",
     "v=DMARC1 must be the first tag (RFC 7489 §6.4); receivers ignore the record otherwise."},
    {"dmarc.v_invalid", E, false, "The DMARC record's version is not DMARC1",
     "Write exactly v=DMARC1 (upper case)."},
    {"dmarc.tag_duplicate", E, false, "A tag appears twice in the DMARC record",
     "Keep one of them; receivers may reject the record."},
    {"dmarc.tag_unknown", W, false, "The DMARC record has an unknown tag",
     "Unknown tags are ignored; check for a misspelling of p, sp, np, pct, adkim, aspf, fo, "
     "rua, ruf or ri."},
    {"dmarc.p_missing", E, false, "The DMARC record has no policy (p=)",
     "Add p=none, p=quarantine or p=reject; without p the record is invalid."},
    {"dmarc.p_invalid", E, false, "The DMARC policy p= is not none, quarantine or reject",
     "Use one of the three values."},
    {"dmarc.sp_invalid", E, false, "The DMARC subdomain policy sp= is invalid",
     "Use none, quarantine or reject, or leave sp out to apply p to subdomains."},
    {"dmarc.np_invalid", E, false, "The DMARC np= policy is invalid",
     "Use none, quarantine or reject (RFC 9091), or leave np out."},
    {"dmarc.pct_invalid", E, false, "The DMARC pct= is not a number from 0 to 100",
     "Write a whole number (pct=100 is the default)."},
    {"dmarc.adkim_invalid", E, false, "The DMARC adkim= is not r or s", "Use adkim=r or adkim=s."},
    {"dmarc.aspf_invalid", E, false, "The DMARC aspf= is not r or s", "Use aspf=r or aspf=s."},
    {"dmarc.fo_invalid", E, false, "The DMARC fo= is malformed",
     "fo is a ':'-separated list of 0, 1, d and s, e.g. fo=1."},
    {"dmarc.ri_invalid", E, false, "The DMARC ri= is not a number of seconds",
     "Write a whole number of seconds (86400 is the default), or leave ri out."},
    {"dmarc.uri_invalid", E, false, "A DMARC report address is not a valid URI",
     "Write report addresses as mailto:local@domain, separated by commas."},
    {"dmarc.uri_size_invalid", E, false, "A DMARC report size limit is malformed",
     "The limit after '!' is digits with an optional k, m, g or t, e.g. mailto:x@y!10m."},
    {"dmarc.uri_scheme", W, false, "A DMARC report address is not mailto:",
     "Receivers send reports by mail only; use mailto: addresses."},
    {"dmarc.uri_too_many", W, false, "The DMARC record lists too many report addresses",
     "Receivers send to only a few of them; keep the addresses you read."},
    {"dmarc.p_none", W, false, "The DMARC policy is p=none: spoofed mail is still delivered",
     "p=none only collects reports. Once they show your own mail passes SPF or DKIM aligned, "
     "move to p=quarantine and then p=reject."},
    {"dmarc.pct_partial", W, false, "The DMARC policy applies to only part of the mail (pct<100)",
     "Raise pct step by step to 100 while watching the reports; the rest of failing mail is "
     "treated as p=none."},
    {"dmarc.sp_weaker", I, false, "The DMARC subdomain policy is weaker than p",
     "Spoofers can use made-up subdomains; set sp to the same policy as p unless subdomains "
     "send unauthenticated mail."},
    {"dmarc.rua_missing", I, false, "The DMARC record asks for no aggregate reports",
     "Add rua=mailto:ADDRESS to learn who sends mail as your domain and whether it passes."},

    /* ---- MTA-STS (RFC 8461) ---- */
    {"mtasts.none", I, false, "The domain publishes no MTA-STS record",
     "Without MTA-STS, sending servers deliver over plain text when STARTTLS is stripped. "
     "Publish a policy at https://mta-sts.DOMAIN/.well-known/mta-sts.txt and a TXT record "
     "\"v=STSv1; id=YYYYMMDD01\" at _mta-sts.DOMAIN."},
    {"mtasts.multiple", E, false, "The domain publishes more than one MTA-STS record",
     "With more than one v=STSv1 record senders assume there is no policy (RFC 8461 §3.1). "
     "Keep one."},
    {"mtasts.timeout", E, true, "The MTA-STS record lookup timed out",
     "The name servers did not answer in time. Check them or retry with --dns IP."},
    {"mtasts.lookup_failed", E, true, "The MTA-STS record lookup failed",
     "The resolver answered SERVFAIL or the answer failed DNSSEC validation. Check the "
     "domain's name servers and its DNSSEC chain."},
    {"mtasts.too_long", E, false, "The MTA-STS record is too long to parse",
     "The record is just \"v=STSv1; id=...\"; check what was pasted into it."},
    {"mtasts.syntax", E, false, "The MTA-STS record has a syntax error",
     "The record is \"v=STSv1; id=ID\" with fields separated by ';' and no blanks around "
     "'='. Fix the field at the column shown."},
    {"mtasts.empty_field", W, false, "The MTA-STS record has an empty field (';;')",
     "Remove the doubled ';'."},
    {"mtasts.v_missing", E, false, "The MTA-STS record does not start with v=STSv1",
     "Put v=STSv1 first; senders ignore the record otherwise."},
    {"mtasts.v_invalid", E, false, "The MTA-STS record's version is not STSv1",
     "Write exactly v=STSv1."},
    {"mtasts.id_missing", E, false, "The MTA-STS record has no id",
     "Add id=YYYYMMDDNN; senders fetch the policy again only when the id changes."},
    {"mtasts.id_invalid", E, false, "The MTA-STS id is not 1 to 32 letters and digits",
     "Use only letters and digits, e.g. id=2024060101 (no dashes, dots or blanks)."},
    {"mtasts.tag_duplicate", E, false, "A field appears twice in the MTA-STS record",
     "Keep one of them; senders use the first and may distrust the record."},
    {"mtasts.tag_unknown", I, false, "The MTA-STS record has an extension field",
     "Senders ignore unknown fields; check it is not a misspelling of id."},
    /* the policy file (RFC 8461 §3.2, §3.3) and the MX hosts against it (§4) */
    {"mtasts.policy_host_missing", E, false,
     "The MTA-STS record announces a policy but mta-sts.DOMAIN has no address",
     "Publish an A/AAAA record for mta-sts.DOMAIN and serve the policy at "
     "https://mta-sts.DOMAIN/.well-known/mta-sts.txt, or remove the _mta-sts TXT record."},
    {"mtasts.policy_unreachable", E, false, "The MTA-STS policy file cannot be fetched",
     "Senders fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt over HTTPS on port 443; "
     "without it they apply no policy. Check that a web server answers there (the message "
     "says how the attempt failed)."},
    {"mtasts.policy_cert_invalid", E, false,
     "The certificate of the MTA-STS policy host is not valid",
     "Senders require a certificate for mta-sts.DOMAIN from a public CA, in date, with the "
     "intermediates sent (RFC 8461 §3.3). Add the name to the web server's certificate."},
    {"mtasts.policy_redirect", E, false, "The MTA-STS policy URL answers with a redirect",
     "Senders must not follow redirects (RFC 8461 §3.3): serve the file itself at "
     "/.well-known/mta-sts.txt on mta-sts.DOMAIN, over HTTPS, with status 200."},
    {"mtasts.policy_http_status", E, false, "The MTA-STS policy URL does not answer 200",
     "Serve the policy file at /.well-known/mta-sts.txt with status 200; any other status "
     "means no policy."},
    {"mtasts.policy_bad_content_type", E, false,
     "The MTA-STS policy is not served as text/plain",
     "RFC 8461 §3.2 requires the media type text/plain; strict senders ignore the policy "
     "otherwise. Set the Content-Type of /.well-known/mta-sts.txt to text/plain."},
    {"mtasts.policy_too_long", E, false, "The MTA-STS policy file is larger than 64 KiB",
     "Senders read at most 64 KiB (RFC 8461 §3.3); a policy is a few lines."},
    {"mtasts.policy_syntax", E, false, "A line of the MTA-STS policy is not \"key: value\"",
     "Each line is key: value (version, mode, mx, max_age), ending in CRLF or LF. Fix the "
     "line shown."},
    {"mtasts.key_duplicate", E, false, "A key appears twice in the MTA-STS policy",
     "version, mode and max_age may appear once; senders keep the first."},
    {"mtasts.key_unknown", I, false, "The MTA-STS policy has an unknown key",
     "Senders ignore it; check it is not a misspelling of mode, mx or max_age."},
    {"mtasts.version_missing", E, false, "The MTA-STS policy has no version line",
     "Start the policy with \"version: STSv1\"."},
    {"mtasts.version_invalid", E, false, "The MTA-STS policy version is not STSv1",
     "Write exactly \"version: STSv1\"."},
    {"mtasts.mode_missing", E, false, "The MTA-STS policy has no mode",
     "Add \"mode: testing\" while you watch TLS reports, then \"mode: enforce\"."},
    {"mtasts.mode_invalid", E, false, "The MTA-STS policy mode is not enforce, testing or none",
     "Use one of enforce, testing or none."},
    {"mtasts.mode_testing", I, false, "The MTA-STS policy is in testing mode",
     "Senders deliver even when TLS to your MX fails and only report it (TLS-RPT). Switch "
     "to mode enforce once the reports are clean."},
    {"mtasts.mode_none", I, false, "The MTA-STS policy mode is none",
     "Mode none withdraws the policy: senders forget it. Use testing or enforce to protect "
     "mail to the domain."},
    {"mtasts.max_age_missing", E, false, "The MTA-STS policy has no max_age",
     "Add \"max_age: 604800\" (a week) or longer; senders cache the policy that long."},
    {"mtasts.max_age_invalid", E, false, "The MTA-STS max_age is not 0 to 31557600",
     "max_age is whole seconds, at most 31557600 (one year)."},
    {"mtasts.max_age_short", W, false, "The MTA-STS max_age is under one day",
     "A short max_age lets an attacker who blocks the policy fetch downgrade delivery soon "
     "after the cache expires. Use weeks (e.g. 1209600) once the policy is stable."},
    {"mtasts.mx_missing", E, false, "The MTA-STS policy lists no mx pattern",
     "With mode enforce or testing, list every MX host (\"mx: mail.example.com\") or a "
     "wildcard (\"mx: *.example.com\"); otherwise no MX is valid."},
    {"mtasts.mx_invalid", E, false, "An mx line of the MTA-STS policy is not a host name",
     "Write a host name or \"*.\" followed by one; a wildcard covers exactly one extra "
     "leftmost label."},
    {"mtasts.mx_too_many", W, false, "The MTA-STS policy has too many mx lines",
     "Use wildcards (\"*.example.com\") to cover many MX hosts."},
    {"mtasts.mx_not_covered", E, false, "An MX host is not covered by the MTA-STS policy",
     "Add an mx line naming it (or a \"*.\" wildcard for its parent domain; a wildcard "
     "covers one label only: *.example.com covers mx.example.com, not a.b.example.com). In "
     "mode enforce senders refuse to deliver to an MX the policy does not list."},
    {"mtasts.mx_cert_invalid", E, false,
     "An MX host's certificate is not valid for MTA-STS",
     "MTA-STS senders require a certificate from a trusted CA, in date, naming the MX host "
     "(RFC 8461 §4.2). Install one on the MX (e.g. from Let's Encrypt) and send the "
     "intermediates."},
    {"mtasts.mx_starttls_failed", E, false, "An MX host offers no usable STARTTLS",
     "MTA-STS senders deliver only over TLS: enable STARTTLS on port 25 of the MX with a "
     "valid certificate."},

    /* ---- TLS-RPT (RFC 8460) ---- */
    {"tlsrpt.none", I, false, "The domain publishes no TLS-RPT record",
     "Publish \"v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN\" at _smtp._tls.DOMAIN to learn "
     "when senders fail to deliver to you over TLS."},
    {"tlsrpt.multiple", E, false, "The domain publishes more than one TLS-RPT record",
     "With more than one v=TLSRPTv1 record senders send no reports (RFC 8460 §3). Keep one."},
    {"tlsrpt.timeout", E, true, "The TLS-RPT record lookup timed out",
     "The name servers did not answer in time. Check them or retry with --dns IP."},
    {"tlsrpt.lookup_failed", E, true, "The TLS-RPT record lookup failed",
     "The resolver answered SERVFAIL or the answer failed DNSSEC validation. Check the "
     "domain's name servers and its DNSSEC chain."},
    {"tlsrpt.too_long", E, false, "The TLS-RPT record is too long to parse",
     "The record is \"v=TLSRPTv1; rua=...\"; check what was pasted into it."},
    {"tlsrpt.syntax", E, false, "The TLS-RPT record has a syntax error",
     "The record is \"v=TLSRPTv1; rua=URI[,URI]\" with no blanks around '='. Fix the field at "
     "the column shown."},
    {"tlsrpt.empty_field", W, false, "The TLS-RPT record has an empty field (';;')",
     "Remove the doubled ';'."},
    {"tlsrpt.v_missing", E, false, "The TLS-RPT record does not start with v=TLSRPTv1",
     "Put v=TLSRPTv1 first; senders ignore the record otherwise."},
    {"tlsrpt.v_invalid", E, false, "The TLS-RPT record's version is not TLSRPTv1",
     "Write exactly v=TLSRPTv1."},
    {"tlsrpt.tag_duplicate", E, false, "A field appears twice in the TLS-RPT record",
     "Keep one of them; senders use the first and may distrust the record."},
    {"tlsrpt.tag_unknown", I, false, "The TLS-RPT record has an extension field",
     "Senders ignore unknown fields; check it is not a misspelling of rua."},
    {"tlsrpt.rua_missing", E, false, "The TLS-RPT record has no report address (rua)",
     "Add rua=mailto:ADDRESS (or an https: URL); without it the record is invalid."},
    {"tlsrpt.uri_invalid", E, false, "A TLS-RPT report address is not a valid URI",
     "Write mailto:local@domain or https://host/path, separated by commas."},
    {"tlsrpt.uri_scheme", E, false, "A TLS-RPT report address is neither mailto: nor https:",
     "Only mailto: and https: are defined (RFC 8460 §3); senders ignore other schemes."},
    {"tlsrpt.uri_too_many", W, false, "The TLS-RPT record lists too many report addresses",
     "Senders may send to only some of them; keep the addresses you read."},
};

const finding_part finding_part_domain_records = {defs, sizeof defs / sizeof defs[0]};
