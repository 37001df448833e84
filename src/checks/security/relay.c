/* relay.c — placeholder until the battery lands (see relay.h). */
#include <stdlib.h>
#include <string.h>

#include "checks/security/relay.h"

int relay_run(const relay_opts *o, dns_resolver *resolver, relay_outcome *out)
{
    (void)o;
    (void)resolver;
    memset(out, 0, sizeof *out);
    return 0;
}

void relay_outcome_free(relay_outcome *out)
{
    if (!out)
        return;
    free(out->host);
    free(out->address);
    for (size_t i = 0; i < out->n_cases; i++) {
        free(out->cases[i].mail_from);
        free(out->cases[i].rcpt_to);
        reply_free(out->cases[i].reply);
    }
    free(out->cases);
    finding_list_free(&out->findings);
    for (size_t i = 0; i < out->n_notes; i++)
        free(out->notes[i]);
    free(out->notes);
    transcript_free(out->transcript);
    memset(out, 0, sizeof *out);
}
