/* injection.c — placeholder until the probe lands (see injection.h). */
#include <stdlib.h>
#include <string.h>

#include "checks/security/injection.h"

const char *injection_state_name(injection_state s)
{
    static const char *const names[] = {"not_run", "safe", "vulnerable", "inconclusive"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "not_run";
}

int injection_probe(const injection_opts *o, injection_report *out, finding_list *findings,
                    transcript *t)
{
    (void)o;
    (void)findings;
    (void)t;
    memset(out, 0, sizeof *out);
    return 0;
}

void injection_report_clear(injection_report *r)
{
    if (!r)
        return;
    free(r->evidence);
    free(r->detail);
    memset(r, 0, sizeof *r);
}
