/* domain_dns.c — finding IDs of the domain report (MX, PTR/FCrDNS, HELO, DNS blocklists).
 * Part of the catalogue assembled in finding.c; IDs are stable API (add, never
 * rename) and documented in docs/findings.md by scripts/gen-findings-doc.py. */
#include "checks/finding.h"

#define E SEV_ERROR
#define W SEV_WARNING
#define I SEV_INFO

static const finding_def defs[] = {
    {"mx.none", W, false, "placeholder",
     "placeholder advice to be replaced by the section's real entries"},
};

const finding_part finding_part_domain_dns = {defs, sizeof defs / sizeof defs[0]};
