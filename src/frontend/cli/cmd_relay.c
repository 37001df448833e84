/* cmd_relay.c — `smtpscope relay HOST[:PORT]`: parse options into an
 * immutable relay_opts, run the open-relay battery (checks/security/relay.h),
 * render, map to an exit code. One target per run, on purpose: the battery
 * is for your own servers, not for sweeping other people's (issue 5 item 8).
 * Options are documented in docs/cli/relay.md; keep the two in step. */
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
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/security/relay.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/commands.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/resolver_opts.h"

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
    "  -4, -6                IPv4 / IPv6 only\n"
    "  --dns IP[@PORT]       resolve through this DNS server\n"
    "  --trust-anchor FILE|auto|none  DNSSEC validation (as for check)\n"
    "  --format text|json    output format (default text)\n"
    "  -v, --verbose         include the SMTP transcript in text output\n"
    "\n"
    "Exit codes: 0 no relaying found, 1 relaying found (or the battery failed for\n"
    "good), 75 nothing could be tested for a temporary reason, 64 usage error.\n";

enum {
    OPT_DOMAIN = 256, OPT_EXTERNAL, OPT_DELAY, OPT_TLS, OPT_CA_FILE, OPT_SERVERNAME, OPT_HELO,
    OPT_TIMEOUT, OPT_DNS, OPT_TRUST_ANCHOR, OPT_FORMAT,
};

static const struct option long_opts[] = {
    {"domain", required_argument, NULL, OPT_DOMAIN},
    {"external-domain", required_argument, NULL, OPT_EXTERNAL},
    {"delay", required_argument, NULL, OPT_DELAY},
    {"tls", required_argument, NULL, OPT_TLS},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"servername", required_argument, NULL, OPT_SERVERNAME},
    {"helo", required_argument, NULL, OPT_HELO},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"dns", required_argument, NULL, OPT_DNS},
    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct relay_cli {
    relay_opts o;
    resolver_opts dns;
    const char *format;
    bool verbose;
    char *host;   /* owned */
} relay_cli;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    fputs("smtpscope relay: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nRun 'smtpscope relay --help' for the options.\n", stderr);
    return EXIT_USAGE;
}

/* HOST[:PORT], [v6]:PORT, a bare v6 literal; no port: 25. */
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
        if (colon && strchr(colon + 1, ':'))
            colon = NULL;
        *host = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
    }
    if (!*host || !**host || strchr(*host, ',') || strchr(*host, ' '))
        return -1;
    *port = 25;
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
    c->o = (relay_opts){.tls = TLSM_AUTO, .timeout_ms = 10000};
    c->format = "text";
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "46vh", long_opts, NULL)) != -1) {
        switch (ch) {
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
        case OPT_TLS:
            if (tls_mode_parse(optarg, &c->o.tls) < 0)
                return usage_error("--tls must be auto, starttls, implicit or none, not '%s'",
                                   optarg);
            break;
        case OPT_CA_FILE: c->o.ca_file = optarg; break;
        case OPT_SERVERNAME: c->o.servername = optarg; break;
        case OPT_HELO: c->o.helo = optarg; break;
        case OPT_TIMEOUT:
            if (seconds(optarg, 3600, &c->o.timeout_ms, false) < 0)
                return usage_error("--timeout takes seconds between 0 and 3600, not '%s'",
                                   optarg);
            break;
        case OPT_DNS: c->dns.dns = optarg; break;
        case OPT_TRUST_ANCHOR: c->dns.trust_anchor = optarg; break;
        case OPT_FORMAT:
            if (!renderer_find(optarg))
                return usage_error("--format must be text or json, not '%s'", optarg);
            c->format = optarg;
            break;
        case '4': c->o.family = 4; break;
        case '6': c->o.family = 6; break;
        case 'v': c->verbose = true; break;
        case 'h': fputs(relay_usage, stdout); return -1;
        default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error("%s", "missing HOST[:PORT]");
    if (optind != argc - 1)
        return usage_error("%s", "exactly one HOST[:PORT] per run: the relay battery does not "
                                 "take several targets at once");
    if (parse_target(argv[optind], &c->host, &c->o.port) < 0)
        return usage_error("'%s' is not HOST, HOST:PORT or [IPv6]:PORT (one target per run)",
                           argv[optind]);
    c->o.host = c->host;
    return 0;
}

static bool want_color(const char *format)
{
    const char *nc = getenv("NO_COLOR");
    return strcmp(format, "text") == 0 && isatty(STDOUT_FILENO) && !(nc && nc[0]);
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
        if (resolver_opts_create(&c.dns, &res, &e) < 0) {
            fprintf(stderr, "smtpscope relay: %s\n", e.msg);
            rc = EXIT_USAGE;
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
    {
        render_opts ro = {.color = want_color(c.format), .verbose = c.verbose};
        buf out;
        buf_init(&out, (size_t)1 << 30);
        if (renderer_find(c.format)->render(r, &ro, &out) < 0) {
            buf_free(&out);
            fputs("smtpscope relay: out of memory while rendering\n", stderr);
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
    free(c.host);
    return rc;
}
