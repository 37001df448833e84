/* render_tls_audit.c — placeholder until the audit renderer lands. */
#include "report/render_security.h"

int render_tls_audit_text(const tls_audit_outcome *a, bool color, bool verbose, buf *out)
{
    (void)a;
    (void)color;
    (void)verbose;
    (void)out;
    return 0;
}

json_t *render_tls_audit_json(const tls_audit_outcome *a)
{
    (void)a;
    return json_object();
}
