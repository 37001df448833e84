/* cmd_tls.c — `smtpscope tls HOST[:PORT]`: the check's stages up to TLS and
 * the EHLO after it (the certificate report), then the TLS audit
 * (checks/security/tls_audit.h: versions, weak ciphers, STARTTLS policy,
 * DANE; opt-in injection and smuggling probes), rendered from one result
 * and mapped to an exit code like check. One target per run, on purpose:
 * the audit opens a dozen connections and is for servers you run (issue 5
 * item 8). Options are documented in docs/cli/tls.md; keep the two in step. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/audit_opts.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/conn_opts.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/render_out.h"

/* Without :PORT: where other mail servers deliver, and so where TLS
 * matters to everyone who sends to this domain. */
#define TLS_DEFAULT_PORT 25

static const char tls_usage[] =
    "usage: smtpscope tls HOST[:PORT] [options]\n"
    "\n"
    "Audit the TLS of one SMTP endpoint: the certificate chain (as check reports\n"
    "it), which protocol versions (TLS 1.0-1.3) and weak cipher classes (NULL,\n"
    "EXPORT, RC4, 3DES, anonymous) the server accepts, whether AUTH is offered\n"
    "and MAIL accepted before STARTTLS, and DANE. One connection at a time.\n"
    "PORT defaults to 25. One target per run.\n"
    "\n"
    "Connection:\n"
    "  --tls MODE            auto (default: implicit on 465, else STARTTLS),\n"
    "                        starttls, implicit\n"
    "  --ca-file FILE        trust these CA certificates instead of the system store\n"
    CONN_CLI_HELP_INSECURE
    "  --servername NAME     name for SNI and certificate checks (default: HOST or MX)\n"
    "  --helo NAME           EHLO name (default: this machine's host name)\n"
    "  --timeout SECONDS     deadline per step (default 10); each audit connection\n"
    "                        ends within twice that\n"
    CONN_CLI_HELP_FAMILY_DNS
    "  --trust-anchor FILE|auto|none  validate DNSSEC (needed for DANE: TLSA records\n"
    "                        count only when validated); default none\n"
    "  --no-mx               do not follow MX when HOST has no address\n"
    "Audit:\n"
    AUDIT_CLI_HELP
    AUDIT_CLI_HELP_ENVELOPE
    "  --auth-user USER      log in as USER for --probe-smuggling (password as for\n"
    "                        check: --password-file, SMTPSCOPE_PASSWORD or a prompt)\n"
    "Output:\n"
    "  --format text|json    output format (default text)\n"
    "  -v, --verbose         include the SMTP transcripts in text output\n"
    "\n"
    "Exit codes: 0 pass (warnings allowed), 1 failure, 75 temporary failures only,\n"
    "64 usage error.\n";

enum { OPT_NO_MX = 256 };

static const struct option long_opts[] = {
    CONN_CLI_LONG_OPTS,
    AUDIT_CLI_LONG_OPTS,
    AUDIT_CLI_ENVELOPE_OPTS,
    {"no-mx", no_argument, NULL, OPT_NO_MX},
    RENDER_OUT_LONG_OPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct tls_cli {
    endpoint_opts o;     /* the check part: connection and TLS, no envelope */
    conn_cli conn;
    audit_cli audit;
    render_out_opts out; /* --format, -v */
} tls_cli;

#define usage_error(...) conn_cli_usage("tls", __VA_ARGS__)

static int parse_args(int argc, char **argv, tls_cli *c)
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
        if (st == CONN_CLI_HANDLED)
            continue;
        switch (ch) {
        case OPT_NO_MX: c->o.follow_mx = false; break;
        case 'h': fputs(tls_usage, stdout); return -1;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    bool named = conn_cli_named(&c->conn);
    if (optind < argc - 1)
        return usage_error("one target per run: '%s' is one too many (the audit opens many "
                           "connections; run it once per server)",
                           argv[optind + 1]);
    if (optind == argc && !named)
        return usage_error("%s", "missing HOST[:PORT]");
    if (optind < argc && conn_cli_target(&c->conn, argv[optind]) < 0)
        return usage_error("'%s' is not HOST, HOST:PORT or [IPv6]:PORT", argv[optind]);
    if (c->conn.o.tls == TLSM_NONE)
        return usage_error("%s", "--tls none leaves nothing to audit; use auto, starttls or "
                                 "implicit");
    if (conn_cli_finish(&c->conn, NULL, &e) != CONN_CLI_OK ||
        audit_cli_finish(&c->audit, &e) != CONN_CLI_OK)
        return usage_error("%s", e.msg);
    if (c->conn.o.auth_user && !c->audit.probe_smuggling)
        return usage_error("%s", "--auth-user is only used by --probe-smuggling (the audit "
                                 "itself never logs in)");
    if (c->conn.o.port == 0)
        c->conn.o.port = TLS_DEFAULT_PORT;
    return 0;
}

int cmd_tls(int argc, char **argv)
{
    tls_cli c = {0};
    int rc = parse_args(argc, argv, &c);
    dns_resolver *res = NULL;
    result *r = NULL;
    if (rc != 0) {
        rc = rc < 0 ? EXIT_PASS : rc;
        goto out;
    }
    rc = conn_cli_start("tls", &c.conn, &res, &c.o);
    if (rc != 0)
        goto out;
    r = result_new("tls");
    if (!r) {
        rc = EXIT_SOFTWARE;
        goto out;
    }
    {
        /* The certificate report is the check's, up to the EHLO after TLS:
         * no AUTH (the credentials are the smuggling probe's), no MAIL. */
        endpoint_opts check = c.o;
        check.auth_user = NULL;
        check.auth_pass = NULL;
        check.auth_token = NULL;
        check.auth_mech = NULL;
        if (conn_cli_run_endpoint(&check, res, r) < 0) {
            rc = EXIT_SOFTWARE;
            goto out;
        }
    }
    if (audit_cli_run(&c.audit, &c.o, res, r) < 0) {
        rc = EXIT_SOFTWARE;
        goto out;
    }
    result_finish(r);
    rc = render_out_emit("tls", r, c.out.format, c.out.verbose, exitcode_for);
out:
    result_free(r);
    dns_resolver_free(res);
    conn_cli_free(&c.conn);
    return rc;
}
