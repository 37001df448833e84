/* conn_opts.c — the connection, TLS, authentication and profile/preset
 * options shared by the commands that talk to one SMTP server, their merge
 * with --profile/--preset and the secrets they need (conn_opts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/err.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- protocol ---- */
#include "protocol/auth/sasl.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
/* ---- frontend ---- */
#include "frontend/cli/account.h"
#include "frontend/cli/conn_opts.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/oauth_token.h"
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

void conn_cli_free(conn_cli *c)
{
    if (!c)
        return;
    secret_free(c->password);
    secret_free(c->token);
    account_free(&c->acct);
    memset(c, 0, sizeof *c);
}
