/* err.c — the error value (see err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

void err_clear(err *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

__attribute__((format(printf, 3, 0)))
static void vset(err *e, err_class cls, const char *fmt, va_list ap)
{
    e->cls = cls;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

int err_set(err *e, err_class cls, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vset(e, cls, fmt, ap);
    va_end(ap);
    return -1;
}

int err_sys(err *e, err_class cls, int sys_errno, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vset(e, cls, fmt, ap);
    va_end(ap);
    e->sys_errno = sys_errno;
    size_t n = strlen(e->msg);
    if (sys_errno && n < sizeof e->msg)
        snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(sys_errno));
    return -1;
}

const char *err_class_name(err_class c)
{
    switch (c) {
    case ERRC_OK: return "ok";
    case ERRC_INTERNAL: return "internal";
    case ERRC_CONNECTION: return "connection";
    case ERRC_TIMEOUT: return "timeout";
    case ERRC_CLOSED: return "closed";
    case ERRC_PROTOCOL: return "protocol";
    case ERRC_TOO_LONG: return "too_long";
    case ERRC_MISSING: return "missing_feature";
    case ERRC_REJECTED: return "rejected";
    case ERRC_LOCAL_INPUT: return "local_input";
    case ERRC_INSECURE: return "insecure";
    case ERRC_DNS: return "dns";
    case ERRC_TLS: return "tls";
    }
    return "unknown";
}

bool err_is_temporary(const err *e)
{
    if (!e)
        return false;
    if (e->cls == ERRC_TIMEOUT)
        return true;
    return e->cls == ERRC_REJECTED && e->smtp_code >= 400 && e->smtp_code < 500;
}
