/* envelope.c — msg_envelope_build: MAIL FROM and RCPT TO for a msg_spec.
 *
 * RFC 5321 §3.3: the envelope, not the header, decides delivery, which is
 * why Bcc recipients appear here and nowhere in the message. A recipient
 * named twice (To and Cc, or with a differently-cased domain, RFC 5321
 * §2.4: domains are case-insensitive, local parts are not) is sent one RCPT
 * only, so a test message is not delivered twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* core */
#include "core/err.h"
#include "core/xalloc.h"

/* protocol */
#include "protocol/message/addr.h"
#include "protocol/message/message.h"

static bool same_mailbox(const char *a, const char *b)
{
    const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');
    if (!at_a || !at_b || at_a - a != at_b - b)
        return false;
    return memcmp(a, b, (size_t)(at_a - a)) == 0 && strcasecmp(at_a, at_b) == 0;
}

static int add_list(msg_envelope *env, const msg_mailbox *list, size_t n, const char *what,
                    err *e)
{
    for (size_t i = 0; i < n; i++) {
        addr a;
        if (addr_parse(list[i].addr, &a, e) < 0) {
            char why[sizeof e->msg];
            snprintf(why, sizeof why, "%s", e ? e->msg : "");
            return err_set(e, ERRC_LOCAL_INPUT, "%s address %zu: %s", what, i + 1, why);
        }
        env->needs_smtputf8 |= a.smtputf8;
        bool dup = false;
        for (size_t k = 0; k < env->n_rcpt && !dup; k++)
            dup = same_mailbox(env->rcpt[k], a.mailbox);
        int rc = 0;
        if (!dup) {
            rc = xarray_push((void ***)&env->rcpt, &env->n_rcpt, a.mailbox);
            if (rc == 0)
                a.mailbox = NULL; /* moved into the list */
        }
        addr_clear(&a);
        if (rc < 0)
            return err_set(e, ERRC_INTERNAL, "out of memory");
    }
    return 0;
}

int msg_envelope_build(const msg_spec *spec, msg_envelope *env, err *e)
{
    memset(env, 0, sizeof *env);
    if (spec->n_to + spec->n_cc + spec->n_bcc > MSG_MAX_RECIPIENTS)
        return err_set(e, ERRC_LOCAL_INPUT, "too many recipients; at most %d are allowed",
                       MSG_MAX_RECIPIENTS);
    addr f;
    if (addr_parse(spec->from.addr, &f, e) < 0) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e ? e->msg : "");
        return err_set(e, ERRC_LOCAL_INPUT, "sender address: %s", why);
    }
    env->from = f.mailbox;
    f.mailbox = NULL;
    env->needs_smtputf8 = f.smtputf8;
    addr_clear(&f);
    if (add_list(env, spec->to, spec->n_to, "To", e) < 0 ||
        add_list(env, spec->cc, spec->n_cc, "Cc", e) < 0 ||
        add_list(env, spec->bcc, spec->n_bcc, "Bcc", e) < 0)
        goto fail;
    if (env->n_rcpt == 0) {
        err_set(e, ERRC_LOCAL_INPUT, "no recipient given (To, Cc or Bcc)");
        goto fail;
    }
    return 0;
fail:
    msg_envelope_clear(env);
    return -1;
}

void msg_envelope_clear(msg_envelope *env)
{
    if (!env)
        return;
    free(env->from);
    for (size_t i = 0; i < env->n_rcpt; i++)
        free(env->rcpt[i]);
    free(env->rcpt);
    memset(env, 0, sizeof *env);
}
