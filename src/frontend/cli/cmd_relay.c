/* cmd_relay.c — `smtpscope relay HOST[:PORT]`: parse options into an
 * immutable relay_opts, run the open-relay battery (checks/security/relay.h),
 * render, map to an exit code. One target per run, on purpose: the battery
 * is for your own servers, not for sweeping other people's (issue 5 item 8).
 * Options are documented in docs/cli/relay.md; keep the two in step. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/security/relay.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/commands.h"
#include "frontend/cli/conn_opts.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/render_out.h"

static const char relay_usage[] =
    "usage: smtpscope relay HOST[:PORT] [options]\n"
    "\n"
    "Open-relay battery: for each case (external to external, null sender, spoofed\n"
    "own domain, %-hack, quoted local parts, bang paths, source routes, IP literals,\n"
    "unqualified addresses, ...) MAIL FROM and RCPT TO, then RSET. DATA is never\n"
    "sent, so no mail is delivered. Any foreign recipient accepted without\n"
    "authentication is the error relay.open. PORT defaults to 25. One target per run.\n"
    "\n"
    "  --domain DOMAIN       the server's own domain (default: guessed from its\n"
    "                        greeting/EHLO host name, mail.example.com -> example.com)\n"
    "  --external-domain D   a domain the server must not relay to\n"
    "                        (default " RELAY_DEFAULT_EXTERNAL ")\n"
    "  --delay SECONDS       pause between cases (default 0; politeness)\n"
    "  --tls MODE            auto (default: implicit on 465, else STARTTLS when offered),\n"
    "                        starttls, implicit, none\n"
    "  --ca-file FILE        CA certificates for the TLS handshake\n"
    "  --servername NAME     name for SNI (default: HOST)\n"
    "  --helo NAME           EHLO name (default: this machine's host name)\n"
    "  --timeout SECONDS     deadline per command (default 10)\n"
    CONN_CLI_HELP_FAMILY_DNS
    "  --trust-anchor FILE|auto|none  DNSSEC validation (as for check)\n"
    "  --format text|json    output format (default text)\n"
    "  -v, --verbose         include the SMTP transcript in text output\n"
    "\n"
    "Exit codes: 0 no relaying found, 1 relaying found (or the battery failed for\n"
    "good), 75 nothing could be tested for a temporary reason, 64 usage error.\n";

enum { OPT_DOMAIN = 256, OPT_EXTERNAL, OPT_DELAY };

/* The connection options without login, profiles or --insecure: the
 * battery never authenticates (an authenticated client may relay). */
static const struct option long_opts[] = {
    CONN_CLI_LONG_OPTS_SERVER,
    {"domain", required_argument, NULL, OPT_DOMAIN},
    {"external-domain", required_argument, NULL, OPT_EXTERNAL},
    {"delay", required_argument, NULL, OPT_DELAY},
    RENDER_OUT_LONG_OPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct relay_cli {
    relay_opts o;
    conn_cli conn;        /* --tls, --ca-file, --servername, --helo, --timeout, -4/-6,
                           * --dns, --trust-anchor; the target */
    render_out_opts out;  /* --format, -v */
} relay_cli;

#define usage_error(...) conn_cli_usage("relay", __VA_ARGS__)

/* HOST[:PORT], [v6]:PORT, a bare v6 literal; no port: 25. A comma or a
 * space in HOST is refused: several targets are not taken. */
static int parse_target(conn_cli *c, const char *arg)
{
    if (conn_cli_target(c, arg) < 0 || strchr(c->o.host, ',') || strchr(c->o.host, ' '))
        return -1;
    if (c->o.port == 0)
        c->o.port = 25;
    return 0;
}

static int seconds(const char *arg, double max, int64_t *ms, bool zero_ok)
{
    char *end = NULL;
    double s = strtod(arg, &end);
    if (!end || *end || end == arg || s != s || s < 0 || (!zero_ok && s == 0) || s > max)
        return -1;
    *ms = (int64_t)(s * 1000.0);
    return 0;
}

/* A domain for --domain / --external-domain: letters, digits, '-', '.'. */
static bool plain_domain(const char *d)
{
    if (!*d || strlen(d) > 253)
        return false;
    for (const char *p = d; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.'))
            return false;
    return true;
}

static int parse_args(int argc, char **argv, relay_cli *c)
{
    c->o = (relay_opts){0};
    conn_cli_init(&c->conn, 10000);
    render_out_init(&c->out);
    int ch;
    err e;
    err_clear(&e);
    while ((ch = conn_cli_getopt(&c->conn, &c->out, argc, argv, long_opts, &e)) != -1) {
        switch (ch) {
        case CONN_CLI_BAD_OPTION: return usage_error("%s", e.msg);
        case OPT_DOMAIN:
            if (!plain_domain(optarg))
                return usage_error("--domain takes a domain name, not '%s'", optarg);
            c->o.server_domain = optarg;
            break;
        case OPT_EXTERNAL:
            if (!plain_domain(optarg))
                return usage_error("--external-domain takes a domain name, not '%s'", optarg);
            c->o.external_domain = optarg;
            break;
        case OPT_DELAY:
            if (seconds(optarg, 60, &c->o.delay_ms, true) < 0)
                return usage_error("--delay takes seconds between 0 and 60, not '%s'", optarg);
            break;
        case 'h': fputs(relay_usage, stdout); return -1;
        default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "missing HOST[:PORT]");
    if (optind != argc - 1)
        return usage_error("%s", "exactly one HOST[:PORT] per run: the relay battery does not "
                                 "take several targets at once");
    if (parse_target(&c->conn, argv[optind]) < 0)
        return usage_error("'%s' is not HOST, HOST:PORT or [IPv6]:PORT (one target per run)",
                           argv[optind]);
    const endpoint_opts *k = &c->conn.o;
    c->o.host = k->host;
    c->o.port = k->port;
    c->o.tls = k->tls;
    c->o.ca_file = k->ca_file;
    c->o.servername = k->servername;
    c->o.helo = k->helo;
    c->o.timeout_ms = k->timeout_ms;
    c->o.family = k->family;
    return 0;
}

int cmd_relay(int argc, char **argv)
{
    relay_cli c = {0};
    dns_resolver *res = NULL;
    result *r = NULL;
    int rc = parse_args(argc, argv, &c);
    if (rc != 0) {
        rc = rc < 0 ? EXIT_PASS : rc;
        goto out;
    }
    {
        err e;
        err_clear(&e);
        conn_cli_status st = conn_cli_resolver(&c.conn, &res, &e);
        if (st != CONN_CLI_OK) {
            rc = conn_cli_report("relay", st, &e);
            goto out;
        }
    }
    r = result_new("relay");
    relay_outcome *x = r ? calloc(1, sizeof *x) : NULL;
    if (!x || relay_run(&c.o, res, x) < 0 || result_take_relay(r, x) < 0) {
        if (x && r && r->relay != x) {
            relay_outcome_free(x);
            free(x);
        }
        fputs("smtpscope relay: out of memory\n", stderr);
        rc = EXIT_SOFTWARE;
        goto out;
    }
    result_finish(r);
    rc = render_out_emit("relay", r, c.out.format, c.out.verbose, exitcode_for);
out:
    result_free(r);
    dns_resolver_free(res);
    conn_cli_free(&c.conn);
    return rc;
}
