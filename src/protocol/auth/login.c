/* login.c — the LOGIN SASL mechanism (draft-murchison-sasl-login-00).
 *
 * The server prompts twice ("Username:", then "Password:") and the client
 * answers each. Servers word (and localise) the prompts differently, so the
 * answer is chosen by the step counter, never by the prompt text. The
 * password travels in clear: needs_tls. */
#include <stddef.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/auth/mechs.h"
#include "protocol/auth/sasl.h"

static int login_step(const sasl_creds *cr, void *state, const unsigned char *chal,
                      size_t chal_len, buf *out, err *e)
{
    sasl_counter *st = state;
    (void)chal;
    (void)chal_len; /* any prompt is accepted; see the file comment */
    if (!cr || !cr->user || !cr->user[0] || !cr->pass)
        return err_set(e, ERRC_LOCAL_INPUT, "LOGIN needs a user name and a password");
    const char *answer;
    switch (st->steps) {
    case 0: answer = cr->user; break;
    case 1: answer = cr->pass; break;
    default:
        return err_set(e, ERRC_PROTOCOL,
                       "the server sent a third LOGIN challenge after user name and password");
    }
    if (buf_append_str(out, answer) < 0)
        return err_set(e, ERRC_LOCAL_INPUT, "LOGIN credentials are too long");
    st->steps++;
    return 0;
}

const sasl_mech sasl_mech_login = {
    .name = "LOGIN",
    .initial_response = false,
    .needs_tls = true,
    .state_size = sizeof(sasl_counter),
    .step = login_step,
};
