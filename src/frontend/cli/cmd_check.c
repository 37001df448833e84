/* cmd_check.c — `smtpscope check HOST[:PORT]`: parse options into an
 * immutable endpoint_opts, run the sweep (no port) and the endpoint check,
 * render the result, map it to an exit code. Options are documented in
 * docs/cli/check.md; keep the two in step. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- protocol ---- */
#include "protocol/auth/sasl.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/resolve.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/account.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/resolver_opts.h"
#include "frontend/cli/oauth_token.h"
#include "frontend/cli/secret.h"

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
    "  --preset NAME[:REGION]  a provider preset (smtpscope providers lists them)\n"
    "  --tls MODE            auto (default: implicit on 465, else STARTTLS if offered),\n"
    "                        starttls, implicit, none\n"
    "  --require-tls         fail unless a TLS session is established\n"
    "  --ca-file FILE        trust these CA certificates instead of the system store\n"
    "  --servername NAME     name for SNI and certificate checks (default: HOST or MX)\n"
    "  --insecure            report certificate problems as warnings and carry on\n"
    "  --helo NAME           EHLO name (default: this machine's host name)\n"
    "  --timeout SECONDS     deadline per stage (default 10)\n"
    "  -4, -6                IPv4 / IPv6 only\n"
    "  --dns IP[@PORT]       resolve through this DNS server\n"
    "  --trust-anchor FILE|auto|none  validate DNSSEC with the anchors in FILE, or\n"
    "                        the installed root anchor (auto); default none:\n"
    "                        answers are not validated (see --help in the docs)\n"
    "  --no-mx               do not follow MX when HOST has no address\n"
    "  --ports LIST          ports for the sweep when HOST has no :PORT\n"
    "                        (default 25,465,587,2525; at most 8)\n"
    "Authentication:\n"
    "  --auth-user USER      log in as USER; the password comes from --password-file,\n"
    "                        the SMTPSCOPE_PASSWORD environment variable, or a prompt\n"
    "  --password-file FILE  read the password from the first line of FILE\n"
    "  --oauth2-token-cmd CMD  run CMD (/bin/sh -c); the first line it prints is the\n"
    "                        OAuth 2.0 access token (else SMTPSCOPE_OAUTH2_TOKEN)\n"
    "  --auth MECH           SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN,\n"
    "                        OAUTHBEARER or XOAUTH2 (default: strongest offered;\n"
    "                        with a token, OAuth first)\n"
    "  --allow-plaintext-auth  allow sending credentials without TLS\n"
    "Envelope:\n"
    "  --from ADDR           MAIL FROM address (MAIL/RCPT then RSET)\n"
    "  --to ADDR             RCPT TO address (repeatable)\n"
    "  --send                also send a small test message through DATA\n"
    "Output:\n"
    "  --format text|json    output format (default text)\n"
    "  -v, --verbose         include the SMTP transcript in text output\n"
    "\n"
    "Exit codes: 0 pass (warnings allowed), 1 failure, 75 temporary failures only,\n"
    "64 usage error.\n";

enum {
    OPT_TLS = 256, OPT_REQUIRE_TLS, OPT_CA_FILE, OPT_SERVERNAME, OPT_INSECURE, OPT_HELO,
    OPT_AUTH_USER, OPT_PASSWORD_FILE, OPT_OAUTH2_TOKEN_CMD, OPT_AUTH, OPT_ALLOW_PLAIN, OPT_FROM, OPT_TO, OPT_SEND,
    OPT_TIMEOUT, OPT_DNS, OPT_FORMAT, OPT_NO_MX, OPT_PORTS, OPT_TRUST_ANCHOR,
    OPT_PROFILE, OPT_PRESET,
};

static const struct option long_opts[] = {
    {"tls", required_argument, NULL, OPT_TLS},
    {"require-tls", no_argument, NULL, OPT_REQUIRE_TLS},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"servername", required_argument, NULL, OPT_SERVERNAME},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"helo", required_argument, NULL, OPT_HELO},
    {"auth-user", required_argument, NULL, OPT_AUTH_USER},
    {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
    {"oauth2-token-cmd", required_argument, NULL, OPT_OAUTH2_TOKEN_CMD},
    {"auth", required_argument, NULL, OPT_AUTH},
    {"allow-plaintext-auth", no_argument, NULL, OPT_ALLOW_PLAIN},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"send", no_argument, NULL, OPT_SEND},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"dns", required_argument, NULL, OPT_DNS},
    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"preset", required_argument, NULL, OPT_PRESET},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"no-mx", no_argument, NULL, OPT_NO_MX},
    {"ports", required_argument, NULL, OPT_PORTS},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Everything parsed from argv; the endpoint_opts inside is handed down const. */
typedef struct check_cli {
    endpoint_opts o;
    const char *password_file;
    const char *token_cmd;   /* --oauth2-token-cmd */
    resolver_opts dns;   /* --dns, --trust-anchor */
    const char *format;
    bool verbose;
    const char **to;     /* owned array of borrowed argv strings */
    size_t n_to;
    char *host;          /* owned */
    const char *profile; /* --profile NAME */
    const char *preset;  /* --preset NAME[:REGION] */
    account acct;        /* what --profile / --preset filled in */
    int ports[SWEEP_MAX_PORTS];
} check_cli;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    fputs("smtpscope check: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nRun 'smtpscope check --help' for the options.\n", stderr);
    return EXIT_USAGE;
}

/* HOST[:PORT] with [v6]:port and bare v6 literals. Port 0 = sweep. */
static int parse_target(const char *arg, char **host, int *port)
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

static int parse_args(int argc, char **argv, check_cli *c)
{
    c->o = (endpoint_opts){.tls = TLSM_AUTO, .timeout_ms = 10000, .follow_mx = true};
    c->format = "text";
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "46vh", long_opts, NULL)) != -1) {
        switch (ch) {
        case OPT_TLS:
            if (tls_mode_parse(optarg, &c->o.tls) < 0)
                return usage_error("--tls must be auto, starttls, implicit or none, not '%s'",
                                   optarg);
            break;
        case OPT_REQUIRE_TLS: c->o.require_tls = true; break;
        case OPT_CA_FILE: c->o.ca_file = optarg; break;
        case OPT_SERVERNAME: c->o.servername = optarg; break;
        case OPT_INSECURE: c->o.insecure = true; break;
        case OPT_HELO: c->o.helo = optarg; break;
        case OPT_AUTH_USER: c->o.auth_user = optarg; break;
        case OPT_PASSWORD_FILE: c->password_file = optarg; break;
        case OPT_OAUTH2_TOKEN_CMD: c->token_cmd = optarg; break;
        case OPT_AUTH: c->o.auth_mech = optarg; break;
        case OPT_ALLOW_PLAIN: c->o.allow_plaintext_auth = true; break;
        case OPT_FROM: c->o.from = optarg; break;
        case OPT_TO:
            if (xarray_push((void ***)&c->to, &c->n_to, optarg) < 0)
                return EXIT_SOFTWARE;
            break;
        case OPT_SEND: c->o.send = true; break;
        case OPT_TIMEOUT: {
            char *end = NULL;
            double s = strtod(optarg, &end);
            if (!end || *end || !(s > 0) || s > 3600)
                return usage_error("--timeout takes seconds between 0 and 3600, not '%s'",
                                   optarg);
            c->o.timeout_ms = (int64_t)(s * 1000.0);
            break;
        }
        case OPT_DNS: c->dns.dns = optarg; break;
        case OPT_TRUST_ANCHOR: c->dns.trust_anchor = optarg; break;
        case OPT_PROFILE: c->profile = optarg; break;
        case OPT_PRESET: c->preset = optarg; break;
        case OPT_FORMAT:
            if (!renderer_find(optarg))
                return usage_error("--format must be text or json, not '%s'", optarg);
            c->format = optarg;
            break;
        case OPT_NO_MX: c->o.follow_mx = false; break;
        case OPT_PORTS: {
            size_t n = 0;
            const char *p = optarg;
            while (*p) {
                char *end = NULL;
                errno = 0;
                long v = strtol(p, &end, 10);
                if (errno || end == p || v < 1 || v > 65535 || (*end && *end != ',') ||
                    n == SWEEP_MAX_PORTS)
                    return usage_error("--ports takes up to %d comma-separated ports, not '%s'",
                                       SWEEP_MAX_PORTS, optarg);
                c->ports[n++] = (int)v;
                p = *end ? end + 1 : end;
            }
            if (n == 0)
                return usage_error("--ports needs at least one port, not '%s'", optarg);
            c->o.sweep_ports = c->ports;
            c->o.n_sweep_ports = n;
            break;
        }
        case '4': c->o.family = 4; break;
        case '6': c->o.family = 6; break;
        case 'v': c->verbose = true; break;
        case 'h': fputs(check_usage, stdout); return -1;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    bool named = c->profile || c->preset; /* the server may come from them */
    if (optind != argc - 1 && !(named && optind == argc))
        return usage_error("%s", optind >= argc ? "missing HOST[:PORT]"
                                                : "exactly one HOST[:PORT] is expected");
    if (optind < argc && parse_target(argv[optind], &c->host, &c->o.port) < 0)
        return usage_error("'%s' is not HOST, HOST:PORT or [IPv6]:PORT", argv[optind]);
    c->o.host = c->host;
    if (named) {
        err e;
        err_clear(&e);
        if (account_load(c->profile, c->preset, false, &c->o, &c->acct, &e) < 0)
            return usage_error("%s", e.msg);
        if (!c->o.host)
            return usage_error("--profile %s names no server (add 'server = HOST' to it)",
                               c->profile ? c->profile : "");
    }
    c->o.to = c->to;
    c->o.n_to = c->n_to;
    if (c->o.send && c->n_to == 0)
        return usage_error("%s", "--send needs at least one --to");
    if ((c->password_file || c->o.auth_mech || c->token_cmd) && !c->o.auth_user)
        return usage_error("%s",
                           "--password-file, --oauth2-token-cmd and --auth need --auth-user");
    return 0;
}

static bool want_color(const char *format)
{
    const char *nc = getenv("NO_COLOR");
    return strcmp(format, "text") == 0 && isatty(STDOUT_FILENO) && !(nc && nc[0]);
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
    char *password = NULL;
    char *token = NULL;
    dns_resolver *res = NULL;
    result *r = NULL;
    if (rc != 0) {
        rc = rc < 0 ? EXIT_PASS : rc;
        goto out;
    }
    if (c.o.auth_user) {
        err e;
        err_clear(&e);
        if (oauth_token_obtain(c.token_cmd, &token, &e) < 0) {
            fprintf(stderr, "smtpscope check: %s\n", e.msg);
            rc = EXIT_USAGE;
            goto out;
        }
        c.o.auth_token = token;
        /* An OAuth --auth needs no password, a password --auth does; with a
         * token and no --auth, a password is read only when given without a
         * prompt (for a server without OAuth). */
        const sasl_mech *m = c.o.auth_mech ? sasl_find(c.o.auth_mech) : NULL;
        if (m && m->uses_token && !token) {
            rc = usage_error("--auth %s needs --oauth2-token-cmd or SMTPSCOPE_OAUTH2_TOKEN",
                             m->name);
            goto out;
        }
        if (!(m && m->uses_token) &&
            (!token || m || c.password_file || getenv("SMTPSCOPE_PASSWORD"))) {
            password = account_password(&c.acct, c.password_file, c.o.auth_user, &e);
            if (!password) {
                fprintf(stderr, "smtpscope check: %s\n", e.msg);
                rc = EXIT_USAGE;
                goto out;
            }
            c.o.auth_pass = password;
        }
    }
    {
        err e;
        err_clear(&e);
        /* Without a working system resolver, IP literals still work. */
        if (resolver_opts_create(&c.dns, &res, &e) < 0) {
            fprintf(stderr, "smtpscope check: %s\n", e.msg);
            rc = EXIT_USAGE;
            goto out;
        }
    }
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
    } else {
        endpoint_outcome *eo = calloc(1, sizeof *eo);
        if (!eo || endpoint_run(&c.o, res, eo) < 0 || result_take_endpoint(r, eo) < 0) {
            if (eo && !r->endpoint) {
                endpoint_outcome_free(eo);
                free(eo);
            }
            rc = EXIT_SOFTWARE;
            goto out;
        }
    }
    result_finish(r);
    {
        render_opts ro = {.color = want_color(c.format), .verbose = c.verbose};
        buf out;
        buf_init(&out, (size_t)1 << 30);
        if (renderer_find(c.format)->render(r, &ro, &out) < 0) {
            buf_free(&out);
            fputs("smtpscope check: out of memory while rendering\n", stderr);
            rc = EXIT_SOFTWARE;
            goto out;
        }
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
        fflush(stdout);
        buf_free(&out);
    }
    rc = exitcode_for(r);
out:
    result_free(r);
    dns_resolver_free(res);
    secret_free(password);
    secret_free(token);
    free(c.to);
    free(c.host);
    account_free(&c.acct);
    return rc;
}
