/* smuggling.c — placeholder until the probe lands (see smuggling.h). */
#include <stdlib.h>
#include <string.h>

#include "checks/security/smuggling.h"

int smuggling_run(const smuggling_opts *o, dns_resolver *resolver, smuggling_outcome *out)
{
    (void)o;
    (void)resolver;
    memset(out, 0, sizeof *out);
    return 0;
}

void smuggling_outcome_free(smuggling_outcome *out)
{
    if (!out)
        return;
    free(out->host);
    for (size_t i = 0; i < out->n_variants; i++)
        free(out->variants[i].evidence);
    free(out->variants);
    finding_list_free(&out->findings);
    for (size_t i = 0; i < out->n_notes; i++)
        free(out->notes[i]);
    free(out->notes);
    transcript_free(out->transcript);
    memset(out, 0, sizeof *out);
}
