/* dane.c — placeholder until DANE lands (see dane.h). */
#include <stdlib.h>
#include <string.h>

#include "checks/security/dane.h"

const char *dane_state_name(dane_state s)
{
    static const char *const names[] = {"not_checked", "no_tlsa", "insecure", "bogus",
                                        "verified", "mismatch", "unusable", "error"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "not_checked";
}

int dane_check(const dane_opts *o, dns_resolver *resolver, dane_report *out,
               finding_list *findings, transcript *t)
{
    (void)o;
    (void)resolver;
    (void)findings;
    (void)t;
    memset(out, 0, sizeof *out);
    out->match_depth = -1;
    return 0;
}

void dane_report_clear(dane_report *r)
{
    if (!r)
        return;
    free(r->qname);
    for (size_t i = 0; i < r->n_records; i++)
        free(r->records[i].data_hex);
    free(r->records);
    free(r->detail);
    memset(r, 0, sizeof *r);
}
