/* audit_opts.c — parsing of the TLS audit flags and the run that turns them
 * into outcomes in the result (audit_opts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- core ---- */
#include "core/clock.h"
/* ---- checks ---- */
#include "checks/security/smuggling.h"
#include "checks/security/tls_audit.h"
/* ---- report ---- */
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/audit_opts.h"

/* Longest --delay: a politeness pause, not a scheduler. */
#define AUDIT_MAX_DELAY_S 3600.0

void audit_cli_init(audit_cli *a)
{
    memset(a, 0, sizeof *a);
}

conn_cli_status audit_cli_option(audit_cli *a, int opt, const char *arg, err *e)
{
    switch (opt) {
    case AUDIT_OPT_PROBE_INJECTION: a->probe_injection = true; break;
    case AUDIT_OPT_PROBE_SMUGGLING: a->probe_smuggling = true; break;
    case AUDIT_OPT_NO_DANE: a->no_dane = true; break;
    case AUDIT_OPT_SUBMISSION: a->submission = true; break;
    case AUDIT_OPT_DELAY: {
        char *end = NULL;
        double s = arg ? strtod(arg, &end) : -1;
        if (!arg || !end || end == arg || *end || !(s >= 0) || s > AUDIT_MAX_DELAY_S) {
            err_set(e, ERRC_LOCAL_INPUT, "--delay takes seconds between 0 and %.0f, not '%s'",
                    AUDIT_MAX_DELAY_S, arg ? arg : "");
            return CONN_CLI_USAGE;
        }
        a->delay_ms = (int64_t)(s * 1000.0);
        break;
    }
    case AUDIT_OPT_FROM: a->from = arg; break;
    case AUDIT_OPT_TO:
        if (a->to) {
            /* The smuggling probe sends to one mailbox the user controls. */
            err_set(e, ERRC_LOCAL_INPUT, "%s", "--to is given once: the mailbox the smuggling "
                                               "probe's test messages go to");
            return CONN_CLI_USAGE;
        }
        a->to = arg;
        break;
    default: return CONN_CLI_NOT_MINE;
    }
    return CONN_CLI_HANDLED;
}

conn_cli_status audit_cli_finish(const audit_cli *a, err *e)
{
    if (a->probe_smuggling && (!a->from || !a->to)) {
        err_set(e, ERRC_LOCAL_INPUT, "%s",
                "--probe-smuggling needs --from ADDR and --to ADDR (a mailbox you control: "
                "the probe sends test messages)");
        return CONN_CLI_USAGE;
    }
    if (a->to && !a->probe_smuggling) {
        err_set(e, ERRC_LOCAL_INPUT, "%s", "--to is only used with --probe-smuggling");
        return CONN_CLI_USAGE;
    }
    return CONN_CLI_OK;
}

static void pause_ms(int64_t ms)
{
    int64_t until = clock_now_ms() + ms;
    for (int64_t left; (left = until - clock_now_ms()) > 0;) {
        struct timespec ts = {.tv_sec = (time_t)(left / 1000),
                              .tv_nsec = (long)(left % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* The TLS mode the audit uses: the one the check settled on when it got
 * that far, else the option (AUTO: implicit on 465, else STARTTLS). With
 * AUTO, a port the check found to want the other mode (tls.port_mismatch:
 * silent in plaintext but speaking TLS, or the reverse) is audited in that
 * mode rather than failing the same way again. */
static tls_mode audit_mode(const endpoint_opts *eo, const endpoint_outcome *ep,
                           const finding_list *known)
{
    if (ep && eo->tls == TLSM_AUTO && finding_has(known, "tls.port_mismatch"))
        return ep->tls_used == TLSM_IMPLICIT ? TLSM_STARTTLS : TLSM_IMPLICIT;
    if (ep && (ep->tls_used == TLSM_STARTTLS || ep->tls_used == TLSM_IMPLICIT))
        return ep->tls_used;
    return eo->tls == TLSM_IMPLICIT ? TLSM_IMPLICIT
           : eo->tls == TLSM_AUTO   ? TLSM_AUTO
                                    : TLSM_STARTTLS;
}

static int run_tls_audit(const audit_cli *a, const endpoint_opts *eo, dns_resolver *res,
                         result *r)
{
    const endpoint_outcome *ep = r->endpoint;
    tls_audit_opts o = {.host = eo->host,
                        .port = eo->port,
                        .tls = audit_mode(eo, ep, &r->findings),
                        .servername = eo->servername,
                        .ca_file = eo->ca_file,
                        .helo = eo->helo,
                        .timeout_ms = eo->timeout_ms,
                        .delay_ms = a->delay_ms,
                        .family = eo->family,
                        .probe_injection = a->probe_injection,
                        .skip_dane = a->no_dane,
                        .submission = a->submission,
                        .mail_from = a->from,
                        .no_mx = !eo->follow_mx,
                        .known = &r->findings,
                        .address = ep ? ep->address : NULL,
                        .mx_host = ep ? ep->mx_host : NULL};
    tls_audit_outcome *out = calloc(1, sizeof *out);
    if (!out)
        return -1;
    int rc;
    if (ep && !ep->address) {
        char why[160];
        snprintf(why, sizeof why, "not run: the check could not connect to port %d", eo->port);
        rc = tls_audit_skip(&o, why, out);
    } else {
        rc = tls_audit_run(&o, res, out);
    }
    if (result_take_tls_audit(r, out) < 0)
        rc = -1;
    return rc;
}

static int run_smuggling(const audit_cli *a, const endpoint_opts *eo, dns_resolver *res,
                         result *r)
{
    const tls_audit_outcome *ta = r->tls_audit;
    smuggling_opts so = {.host = eo->host,
                         .port = eo->port,
                         .tls = ta ? ta->tls : eo->tls,
                         .servername = eo->servername,
                         .ca_file = eo->ca_file,
                         .insecure = eo->insecure,
                         .helo = eo->helo,
                         .from = a->from,
                         .to = a->to,
                         .auth_user = eo->auth_user,
                         .auth_pass = eo->auth_pass,
                         .allow_plaintext_auth = eo->allow_plaintext_auth,
                         .timeout_ms = eo->timeout_ms,
                         .delay_ms = a->delay_ms,
                         .family = eo->family};
    smuggling_outcome *out = calloc(1, sizeof *out);
    if (!out)
        return -1;
    if (a->delay_ms > 0) /* the audit's last connection just ended */
        pause_ms(a->delay_ms);
    int rc = smuggling_run(&so, res, out);
    if (result_take_smuggling(r, out) < 0)
        rc = -1;
    return rc;
}

int audit_cli_run(const audit_cli *a, const endpoint_opts *eo, dns_resolver *res, result *r)
{
    if (run_tls_audit(a, eo, res, r) < 0)
        return -1;
    if (a->probe_smuggling && run_smuggling(a, eo, res, r) < 0)
        return -1;
    return 0;
}
