/* conn_opts.c — the connection, TLS, authentication and profile/preset
 * options shared by the commands that talk to one SMTP server, their merge
 * with --profile/--preset and the secrets they need; the HOST[:PORT] and
 * --ports parsers and the usage-error message (conn_opts.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/err.h"
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- protocol ---- */
#include "protocol/auth/sasl.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/account.h"
#include "frontend/cli/conn_opts.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/oauth_token.h"
#include "frontend/cli/render_out.h"
#include "frontend/cli/resolver_opts.h"
#include "frontend/cli/secret.h"

void conn_cli_init(conn_cli *c, int64_t default_timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->o.tls = TLSM_AUTO;
    c->o.timeout_ms = default_timeout_ms;
}

conn_cli_status conn_cli_option(conn_cli *c, int opt, const char *arg, err *e)
{
    switch (opt) {
    case CONN_OPT_TLS:
        if (tls_mode_parse(arg, &c->o.tls) < 0) {
            err_set(e, ERRC_LOCAL_INPUT,
                    "--tls must be auto, starttls, implicit or none, not '%s'", arg);
            return CONN_CLI_USAGE;
        }
        break;
    case CONN_OPT_REQUIRE_TLS: c->o.require_tls = true; break;
    case CONN_OPT_CA_FILE: c->o.ca_file = arg; break;
    case CONN_OPT_SERVERNAME: c->o.servername = arg; break;
    case CONN_OPT_INSECURE: c->o.insecure = true; break;
    case CONN_OPT_HELO: c->o.helo = arg; break;
    case CONN_OPT_TIMEOUT: {
        char *end = NULL;
        double s = strtod(arg, &end);
        if (!end || *end || !(s > 0) || s > 3600) {
            err_set(e, ERRC_LOCAL_INPUT,
                    "--timeout takes seconds between 0 and 3600, not '%s'", arg);
            return CONN_CLI_USAGE;
        }
        c->o.timeout_ms = (int64_t)(s * 1000.0);
        break;
    }
    case CONN_OPT_DNS: c->dns.dns = arg; break;
    case CONN_OPT_TRUST_ANCHOR: c->dns.trust_anchor = arg; break;
    case CONN_OPT_AUTH_USER: c->o.auth_user = arg; break;
    case CONN_OPT_PASSWORD_FILE: c->password_file = arg; break;
    case CONN_OPT_OAUTH2_TOKEN_CMD: c->token_cmd = arg; break;
    case CONN_OPT_AUTH: c->o.auth_mech = arg; break;
    case CONN_OPT_ALLOW_PLAIN: c->o.allow_plaintext_auth = true; break;
    case CONN_OPT_PROFILE: c->profile = arg; break;
    case CONN_OPT_PRESET: c->preset = arg; break;
    case '4': c->o.family = 4; break;
    case '6': c->o.family = 6; break;
    default: return CONN_CLI_NOT_MINE;
    }
    return CONN_CLI_HANDLED;
}

int conn_cli_getopt(conn_cli *c, render_out_opts *out, int argc, char **argv,
                    const struct option *opts, err *e)
{
    if (!c->getopt_started) {
        optind = 1;
        opterr = 0;
        c->getopt_started = true;
    }
    int ch;
    while ((ch = getopt_long(argc, argv, CONN_CLI_SHORT_OPTS "vh", opts, NULL)) != -1) {
        conn_cli_status st = conn_cli_option(c, ch, optarg, e);
        if (st == CONN_CLI_USAGE)
            return CONN_CLI_BAD_OPTION;
        if (st == CONN_CLI_HANDLED)
            continue;
        int ro = render_out_option(out, ch, optarg, e);
        if (ro < 0)
            return CONN_CLI_BAD_OPTION;
        if (ro == 0)
            return ch;
    }
    return -1;
}

bool conn_cli_named(const conn_cli *c)
{
    return c->profile || c->preset;
}

conn_cli_status conn_cli_finish(conn_cli *c, const char **from, err *e)
{
    /* account_load fills only what is unset, so the command line's --from
     * (put in first) wins over the profile's. */
    c->o.from = from ? *from : NULL;
    if (account_load(c->profile, c->preset, from != NULL, &c->o, &c->acct, e) < 0)
        return CONN_CLI_FAILED;
    if (from)
        *from = c->o.from;
    c->o.from = NULL;
    if (!c->o.host) {
        err_set(e, ERRC_LOCAL_INPUT, "--profile %s names no server (add 'server = HOST' to it)",
                c->profile ? c->profile : "");
        return CONN_CLI_USAGE;
    }
    if ((c->password_file || c->o.auth_mech || c->token_cmd) && !c->o.auth_user) {
        err_set(e, ERRC_LOCAL_INPUT,
                "--password-file, --oauth2-token-cmd and --auth need --auth-user%s",
                conn_cli_named(c) ? " (or 'user' in the profile)" : "");
        return CONN_CLI_USAGE;
    }
    return CONN_CLI_OK;
}

conn_cli_status conn_cli_secrets(conn_cli *c, err *e)
{
    if (!c->o.auth_user)
        return CONN_CLI_OK;
    if (oauth_token_obtain(c->token_cmd, &c->token, e) < 0)
        return CONN_CLI_FAILED;
    c->o.auth_token = c->token;
    /* An OAuth --auth needs no password, a password --auth does; with a
     * token and no --auth, a password is read only when given without a
     * prompt (for a server without OAuth). */
    const sasl_mech *m = c->o.auth_mech ? sasl_find(c->o.auth_mech) : NULL;
    if (m && m->uses_token && !c->token) {
        err_set(e, ERRC_LOCAL_INPUT, "--auth %s needs --oauth2-token-cmd or SMTPSCOPE_OAUTH2_TOKEN",
                m->name);
        return CONN_CLI_USAGE;
    }
    if (!(m && m->uses_token) &&
        (!c->token || m || c->password_file || getenv("SMTPSCOPE_PASSWORD"))) {
        c->password = account_password(&c->acct, c->password_file, c->o.auth_user, e);
        if (!c->password)
            return CONN_CLI_FAILED;
        c->o.auth_pass = c->password;
    }
    return CONN_CLI_OK;
}

conn_cli_status conn_cli_resolver(const conn_cli *c, dns_resolver **out, err *e)
{
    return resolver_opts_create(&c->dns, out, e) < 0 ? CONN_CLI_FAILED : CONN_CLI_OK;
}

void conn_cli_to_endpoint_opts(const conn_cli *c, endpoint_opts *o)
{
    const endpoint_opts *s = &c->o;
    o->host = s->host;
    o->port = s->port;
    o->tls = s->tls;
    o->require_tls = s->require_tls;
    o->ca_file = s->ca_file;
    o->servername = s->servername;
    o->insecure = s->insecure;
    o->helo = s->helo;
    o->auth_user = s->auth_user;
    o->auth_pass = s->auth_pass;
    o->auth_mech = s->auth_mech;
    o->auth_token = s->auth_token;
    o->allow_plaintext_auth = s->allow_plaintext_auth;
    o->timeout_ms = s->timeout_ms;
    o->family = s->family;
}

int conn_cli_report(const char *cmd, conn_cli_status st, const err *e)
{
    fprintf(stderr, "smtpscope %s: %s\n", cmd, e->msg);
    if (st == CONN_CLI_USAGE) {
        fprintf(stderr, "Run 'smtpscope %s --help' for the options.\n", cmd);
        return EXIT_USAGE;
    }
    return e->cls == ERRC_INTERNAL ? EXIT_SOFTWARE : EXIT_USAGE;
}

int conn_cli_target(conn_cli *c, const char *arg)
{
    free(c->target);
    c->target = NULL;
    int rc = conn_cli_parse_target(arg, &c->target, &c->o.port);
    c->o.host = rc == 0 ? c->target : NULL;
    return rc;
}

int conn_cli_start(const char *cmd, conn_cli *c, dns_resolver **res, endpoint_opts *o)
{
    err e;
    err_clear(&e);
    conn_cli_status st = conn_cli_secrets(c, &e);
    if (st == CONN_CLI_OK) /* without a system resolver, IP literals still work */
        st = conn_cli_resolver(c, res, &e);
    if (st != CONN_CLI_OK)
        return conn_cli_report(cmd, st, &e);
    conn_cli_to_endpoint_opts(c, o);
    return 0;
}

int conn_cli_run_endpoint(const endpoint_opts *o, dns_resolver *res, result *r)
{
    endpoint_outcome *eo = calloc(1, sizeof *eo);
    if (!eo || endpoint_run(o, res, eo) < 0 || result_take_endpoint(r, eo) < 0) {
        if (eo && !r->endpoint) { /* not taken: still ours */
            endpoint_outcome_free(eo);
            free(eo);
        }
        return -1;
    }
    return 0;
}

int conn_cli_parse_target(const char *arg, char **host, int *port)
{
    const char *colon = NULL;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close)
            return -1;
        *host = xstrndup(arg + 1, (size_t)(close - arg - 1));
        colon = close[1] == ':' ? close + 1 : NULL;
        if (!colon && close[1])
            return -1;
    } else {
        colon = strchr(arg, ':');
        if (colon && strchr(colon + 1, ':')) /* bare IPv6 literal, no port */
            colon = NULL;
        *host = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
    }
    if (!*host || !**host)
        return -1;
    *port = 0;
    if (colon) {
        char *end = NULL;
        errno = 0;
        long p = strtol(colon + 1, &end, 10);
        if (errno || !end || *end || p < 1 || p > 65535)
            return -1;
        *port = (int)p;
    }
    return 0;
}

int conn_cli_parse_ports(const char *cmd, const char *arg, int *ports, size_t *n)
{
    size_t k = 0;
    const char *p = arg;
    while (*p) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v < 1 || v > 65535 || (*end && *end != ',') ||
            k == SWEEP_MAX_PORTS)
            return conn_cli_usage(cmd, "--ports takes up to %d comma-separated ports, not '%s'",
                                  SWEEP_MAX_PORTS, arg);
        ports[k++] = (int)v;
        p = *end ? end + 1 : end;
    }
    if (k == 0)
        return conn_cli_usage(cmd, "--ports needs at least one port, not '%s'", arg);
    *n = k;
    return 0;
}

int conn_cli_usage(const char *cmd, const char *fmt, ...)
{
    fprintf(stderr, "smtpscope %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'smtpscope %s --help' for the options.\n", cmd);
    return EXIT_USAGE;
}

void conn_cli_free(conn_cli *c)
{
    if (!c)
        return;
    secret_free(c->password);
    secret_free(c->token);
    account_free(&c->acct);
    free(c->target);
    memset(c, 0, sizeof *c);
}
