/* plain.c — the PLAIN SASL mechanism (RFC 4616).
 *
 * One message, sent as the initial response: [authzid] NUL authcid NUL
 * passwd (RFC 4616 §2). The password travels in clear, so the mechanism is
 * marked needs_tls. */
#include <stddef.h>
#include <string.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/auth/mechs.h"
#include "protocol/auth/sasl.h"

static int plain_step(const sasl_creds *cr, void *state, const unsigned char *chal,
                      size_t chal_len, buf *out, err *e)
{
    sasl_counter *st = state;
    (void)chal;
    (void)chal_len; /* RFC 4616 §2: the server's challenge, if any, is empty */
    if (st->steps > 0)
        return err_set(e, ERRC_PROTOCOL,
                       "the server sent another challenge after the PLAIN response");
    if (!cr || !cr->user || !cr->user[0] || !cr->pass)
        return err_set(e, ERRC_LOCAL_INPUT, "PLAIN needs a user name and a password");
    /* A C string cannot hold the NUL that would break the framing, so the
     * fields need no further check. */
    const char *authz = cr->authzid ? cr->authzid : "";
    if (buf_append_str(out, authz) < 0 || buf_append(out, "", 1) < 0 ||
        buf_append_str(out, cr->user) < 0 || buf_append(out, "", 1) < 0 ||
        buf_append_str(out, cr->pass) < 0)
        return err_set(e, ERRC_LOCAL_INPUT, "PLAIN credentials are too long");
    st->steps++;
    return 0;
}

const sasl_mech sasl_mech_plain = {
    .name = "PLAIN",
    .initial_response = true,
    .needs_tls = true,
    .state_size = sizeof(sasl_counter),
    .step = plain_step,
};
