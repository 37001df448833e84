/* render_relay.c — placeholder until the relay and smuggling renderers land. */
#include "report/render_security.h"

int render_smuggling_text(const smuggling_outcome *s, bool color, bool verbose, buf *out)
{
    (void)s;
    (void)color;
    (void)verbose;
    (void)out;
    return 0;
}

json_t *render_smuggling_json(const smuggling_outcome *s)
{
    (void)s;
    return json_object();
}

int render_relay_text(const relay_outcome *x, bool color, bool verbose, buf *out)
{
    (void)x;
    (void)color;
    (void)verbose;
    (void)out;
    return 0;
}

json_t *render_relay_json(const relay_outcome *x)
{
    (void)x;
    return json_object();
}
