/* err.h — the one error value every layer fills in.
 *
 * An err carries the stage it happened in, a class (what kind of failure),
 * the low-level causes that apply (errno, OpenSSL error, DNS rcode, SMTP reply
 * code) and one sentence written by us. The server's own words never go into
 * `msg`: they travel separately in the reply (protocol/reply.h). Nothing below
 * the frontends turns an err into an exit code; frontend/cli/exitcode.c does. */
#ifndef SMTPSCOPE_CORE_ERR_H
#define SMTPSCOPE_CORE_ERR_H

#include <stdbool.h>

#include "core/stage.h"

typedef enum err_class {
    ERRC_OK = 0,
    ERRC_INTERNAL,      /* our bug or out of memory */
    ERRC_CONNECTION,    /* refused, unreachable, reset */
    ERRC_TIMEOUT,       /* a deadline passed */
    ERRC_CLOSED,        /* the peer closed the connection */
    ERRC_PROTOCOL,      /* the peer broke the protocol (bad reply syntax) */
    ERRC_TOO_LONG,      /* a peer line/reply exceeded our limits */
    ERRC_MISSING,       /* a needed feature is not offered */
    ERRC_REJECTED,      /* the server answered 4xx/5xx */
    ERRC_LOCAL_INPUT,   /* bad user input (options, files) */
    ERRC_INSECURE,      /* refused for security (e.g. auth over plaintext) */
    ERRC_DNS,           /* resolution failed (see dns_status) */
    ERRC_TLS,           /* TLS handshake or verification failed */
} err_class;

typedef struct err {
    err_class cls;
    stage_id stage;
    int sys_errno;            /* errno, 0 if none */
    unsigned long ssl_err;    /* ERR_get_error() value, 0 if none */
    int dns_status;           /* dns_status from dns/resolver.h, 0 if none */
    int smtp_code;            /* reply code when cls == ERRC_REJECTED */
    char msg[256];            /* our sentence; never server text */
} err;

/* Reset to ERRC_OK with empty message. */
void err_clear(err *e);

/* Set class and printf-style sentence; keeps stage and cause fields.
 * `e` may be NULL (then nothing happens). Always returns -1 so callers can
 * `return err_set(...)`. */
int err_set(err *e, err_class cls, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like err_set, also recording errno `sys_errno` (appends strerror). */
int err_sys(err *e, err_class cls, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Stable lower-case class name ("timeout", "tls", ...). Static string. */
const char *err_class_name(err_class c);

/* True when the error is transient by nature (timeout, or a 4xx rejection). */
bool err_is_temporary(const err *e);

#endif
