/* tls_audit.c — placeholder until the audit lands (see tls_audit.h). */
#include <stdlib.h>
#include <string.h>

#include "checks/security/tls_audit.h"

const char *probe_verdict_name(probe_verdict v)
{
    static const char *const names[] = {"not_run", "accepted", "refused", "untestable", "error"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "not_run";
}

const char *tri_name(tri t)
{
    return t == TRI_YES ? "yes" : t == TRI_NO ? "no" : "unknown";
}

int tls_audit_run(const tls_audit_opts *o, dns_resolver *resolver, tls_audit_outcome *out)
{
    (void)o;
    (void)resolver;
    memset(out, 0, sizeof *out);
    return 0;
}

void tls_audit_outcome_free(tls_audit_outcome *out)
{
    if (!out)
        return;
    free(out->host);
    for (size_t i = 0; i < TLS_AUDIT_VERSIONS; i++) {
        free(out->versions[i].negotiated);
        free(out->versions[i].detail);
    }
    for (size_t i = 0; i < TLS_AUDIT_CIPHER_CLASSES; i++) {
        free(out->ciphers[i].negotiated);
        free(out->ciphers[i].detail);
    }
    dane_report_clear(&out->dane);
    injection_report_clear(&out->injection);
    finding_list_free(&out->findings);
    for (size_t i = 0; i < out->n_notes; i++)
        free(out->notes[i]);
    free(out->notes);
    transcript_free(out->transcript);
    memset(out, 0, sizeof *out);
}
