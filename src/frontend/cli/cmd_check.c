/* cmd_check.c — `smtpscope check HOST[:PORT]`: parse options into an
 * immutable endpoint_opts (the connection, TLS and authentication ones
 * through conn_opts.h), run the sweep (no port) and the endpoint check,
 * render the result, map it to an exit code. Options are documented in
 * docs/cli/check.md; keep the two in step. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/resolve.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/audit_opts.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/conn_opts.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/render_out.h"
#include "frontend/cli/resolver_opts.h"

static const char check_usage[] =
    "usage: smtpscope check HOST[:PORT] [options]\n"
    "       smtpscope check (--profile NAME | --preset NAME[:REGION]) [options]\n"
    "\n"
    "Diagnose an SMTP endpoint stage by stage. Without :PORT the ports 25, 465,\n"
    "587 and 2525 are probed concurrently and the best submission port is checked.\n"
    "\n"
    "Connection:\n"
    "  --profile NAME        server and account from [profile NAME] in\n"
    "                        $XDG_CONFIG_HOME/smtpscope/config (docs/cli/send.md)\n"
    CONN_CLI_HELP_PRESET
    "  --tls MODE            auto (default: implicit on 465, else STARTTLS if offered),\n"
    "                        starttls, implicit, none\n"
    CONN_CLI_HELP_TLS_TRUST
    "  --servername NAME     name for SNI and certificate checks (default: HOST or MX)\n"
    CONN_CLI_HELP_INSECURE
    "  --helo NAME           EHLO name (default: this machine's host name)\n"
    "  --timeout SECONDS     deadline per stage (default 10)\n"
    CONN_CLI_HELP_FAMILY_DNS
    "  --trust-anchor FILE|auto|none  validate DNSSEC with the anchors in FILE, or\n"
    "                        the installed root anchor (auto); default none:\n"
    "                        answers are not validated (see --help in the docs)\n"
    "  --no-mx               do not follow MX when HOST has no address\n"
    "  --ports LIST          ports for the sweep when HOST has no :PORT\n"
    "                        (default 25,465,587,2525; at most 8)\n"
    "Authentication:\n"
    "  --auth-user USER      log in as USER; the password comes from --password-file,\n"
    "                        the SMTPSCOPE_PASSWORD environment variable, or a prompt\n"
    CONN_CLI_HELP_PASSWORD_FILE
    "  --oauth2-token-cmd CMD  run CMD (/bin/sh -c); the first line it prints is the\n"
    "                        OAuth 2.0 access token (else SMTPSCOPE_OAUTH2_TOKEN)\n"
    CONN_CLI_HELP_AUTH_MECHS
    "                        OAUTHBEARER or XOAUTH2 (default: strongest offered;\n"
    "                        with a token, OAuth first)\n"
    CONN_CLI_HELP_ALLOW_PLAIN
    "Envelope:\n"
    "  --from ADDR           MAIL FROM address (MAIL/RCPT then RSET)\n"
    "  --to ADDR             RCPT TO address (repeatable)\n"
    "  --send                also send a small test message through DATA\n"
    "TLS and security audit (docs/cli/tls.md):\n"
    "  --tls-audit           after the check, probe TLS versions, weak cipher classes,\n"
    "                        DANE and the STARTTLS policy (like `smtpscope tls`); the\n"
    "                        flags below imply it\n"
    AUDIT_CLI_HELP
    "                        (--from and --to above are its envelope; one --to)\n"
    "Output:\n"
    "  --format text|json    output format (default text)\n"
    "  -v, --verbose         include the SMTP transcript in text output\n"
    "\n"
    "Exit codes: 0 pass (warnings allowed), 1 failure, 75 temporary failures only,\n"
    "64 usage error.\n";

enum { OPT_FROM = 256, OPT_TO, OPT_SEND, OPT_NO_MX, OPT_PORTS, OPT_TLS_AUDIT };

static const struct option long_opts[] = {
    CONN_CLI_LONG_OPTS,
    AUDIT_CLI_LONG_OPTS,
    {"tls-audit", no_argument, NULL, OPT_TLS_AUDIT},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"send", no_argument, NULL, OPT_SEND},
    {"no-mx", no_argument, NULL, OPT_NO_MX},
    {"ports", required_argument, NULL, OPT_PORTS},
    RENDER_OUT_LONG_OPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Everything parsed from argv; the endpoint_opts inside is handed down const. */
typedef struct check_cli {
    endpoint_opts o;
    conn_cli conn;       /* connection, TLS, auth, --dns, --profile/--preset */
    audit_cli audit;     /* --tls-audit and its probes */
    bool tls_audit;      /* --tls-audit, or any audit flag */
    render_out_opts out; /* --format, -v */
    const char **to;     /* owned array of borrowed argv strings */
    size_t n_to;
    int ports[SWEEP_MAX_PORTS];
} check_cli;

#define usage_error(...) conn_cli_usage("check", __VA_ARGS__)

static int parse_args(int argc, char **argv, check_cli *c)
{
    c->o = (endpoint_opts){.follow_mx = true};
    conn_cli_init(&c->conn, 10000);
    audit_cli_init(&c->audit);
    render_out_init(&c->out);
    int ch;
    err e;
    err_clear(&e);
    while ((ch = conn_cli_getopt(&c->conn, &c->out, argc, argv, long_opts, &e)) != -1) {
        if (ch == CONN_CLI_BAD_OPTION)
            return usage_error("%s", e.msg);
        conn_cli_status st = audit_cli_option(&c->audit, ch, optarg, &e);
        if (st == CONN_CLI_USAGE)
            return usage_error("%s", e.msg);
        if (st == CONN_CLI_HANDLED) {
            c->tls_audit = true;
            continue;
        }
        switch (ch) {
        case OPT_TLS_AUDIT: c->tls_audit = true; break;
        case OPT_FROM: c->o.from = optarg; break;
        case OPT_TO:
            if (xarray_push((void ***)&c->to, &c->n_to, optarg) < 0)
                return EXIT_SOFTWARE;
            break;
        case OPT_SEND: c->o.send = true; break;
        case OPT_NO_MX: c->o.follow_mx = false; break;
        case OPT_PORTS:
            if (conn_cli_parse_ports("check", optarg, c->ports, &c->o.n_sweep_ports) != 0)
                return EXIT_USAGE;
            c->o.sweep_ports = c->ports;
            break;
        case 'h': fputs(check_usage, stdout); return -1;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    bool named = conn_cli_named(&c->conn); /* the server may come from them */
    if (optind != argc - 1 && !(named && optind == argc))
        return usage_error("%s", optind >= argc ? "missing HOST[:PORT]"
                                                : "exactly one HOST[:PORT] is expected");
    if (optind < argc && conn_cli_target(&c->conn, argv[optind]) < 0)
        return usage_error("'%s' is not HOST, HOST:PORT or [IPv6]:PORT", argv[optind]);
    if (conn_cli_finish(&c->conn, NULL, &e) != CONN_CLI_OK)
        return usage_error("%s", e.msg);
    c->o.to = c->to;
    c->o.n_to = c->n_to;
    if (c->o.send && c->n_to == 0)
        return usage_error("%s", "--send needs at least one --to");
    c->audit.from = c->o.from;
    /* check's --to is its own RCPT list; it is the probe's recipient only
     * with --probe-smuggling. */
    c->audit.to = c->audit.probe_smuggling && c->n_to ? c->to[0] : NULL;
    if (c->audit.probe_smuggling && c->n_to != 1)
        return usage_error("%s", "--probe-smuggling takes exactly one --to");
    if (c->audit.probe_smuggling && c->o.send)
        return usage_error("%s", "--probe-smuggling and --send cannot be combined");
    if (audit_cli_finish(&c->audit, &e) != CONN_CLI_OK)
        return usage_error("%s", e.msg);
    return 0;
}

/* No port: sweep, then check the best port. Fills r; returns 0 or -1 (OOM). */
static int sweep_then_check(check_cli *c, dns_resolver *res, result *r)
{
    resolved_target t = {0};
    err e;
    err_clear(&e);
    endpoint_opts o = c->o;
    if (resolve_target(o.host, o.family, o.follow_mx, res, o.timeout_ms, &t, &e) < 0) {
        /* Let the endpoint check report the resolution failure in full. */
        resolved_target_free(&t);
        o.port = 587;
        endpoint_outcome *eo = calloc(1, sizeof *eo);
        if (!eo)
            return -1;
        endpoint_run(&o, res, eo);
        return result_take_endpoint(r, eo);
    }
    if (t.mx_host)
        result_add_note(r, "%s has no address; probing its MX host %s", o.host, t.mx_host);
    if (!o.servername && t.mx_host)
        o.servername = t.mx_host;
    sweep_outcome *sw = calloc(1, sizeof *sw);
    if (!sw) {
        resolved_target_free(&t);
        return -1;
    }
    sweep_run(&o, t.addrs, t.n, sw);
    int best = sw->best_port;
    bool any_timeout = false;
    for (size_t i = 0; i < sw->n; i++)
        any_timeout |= sw->ports[i].state == PORT_TIMEOUT;
    for (size_t i = 0; i < sw->n; i++)
        if (sw->ports[i].port == best && sw->ports[i].tls == TLSM_IMPLICIT && o.tls == TLSM_AUTO)
            o.tls = TLSM_IMPLICIT; /* the sweep saw TLS first on this port */
    result_take_sweep(r, sw);
    if (!best) {
        finding_add(&r->findings, any_timeout ? "connect.timeout" : "connect.refused",
                    STAGE_CONNECT, NULL,
                    "%s: none of the probed ports offered an SMTP session",
                    o.host);
        resolved_target_free(&t);
        return 0;
    }
    o.port = best;
    endpoint_outcome *eo = calloc(1, sizeof *eo);
    int rc = eo ? endpoint_run(&o, res, eo) : -1;
    resolved_target_free(&t);
    if (!eo)
        return -1;
    return rc < 0 ? -1 : result_take_endpoint(r, eo);
}

int cmd_check(int argc, char **argv)
{
    check_cli c = {0};
    int rc = parse_args(argc, argv, &c);
    dns_resolver *res = NULL;
    result *r = NULL;
    if (rc != 0) {
        rc = rc < 0 ? EXIT_PASS : rc;
        goto out;
    }
    rc = conn_cli_start("check", &c.conn, &res, &c.o);
    if (rc != 0)
        goto out;
    r = result_new("check");
    if (!r) {
        rc = EXIT_SOFTWARE;
        goto out;
    }
    if (c.o.port == 0) {
        if (sweep_then_check(&c, res, r) < 0) {
            rc = EXIT_SOFTWARE;
            goto out;
        }
    } else if (conn_cli_run_endpoint(&c.o, res, r) < 0) {
        rc = EXIT_SOFTWARE;
        goto out;
    }
    if (c.tls_audit) {
        if (!r->endpoint) {
            result_add_note(r, "TLS audit not run: no port offered an SMTP session");
        } else {
            /* The audit probes the port the check (or the sweep) settled on. */
            endpoint_opts ao = c.o;
            ao.port = r->endpoint->port;
            if (audit_cli_run(&c.audit, &ao, res, r) < 0) {
                rc = EXIT_SOFTWARE;
                goto out;
            }
        }
    }
    result_finish(r);
    rc = render_out_emit("check", r, c.out.format, c.out.verbose, exitcode_for);
out:
    result_free(r);
    dns_resolver_free(res);
    conn_cli_free(&c.conn);
    free(c.to);
    return rc;
}
