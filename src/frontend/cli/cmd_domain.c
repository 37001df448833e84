/* cmd_domain.c — `smtpscope domain DOMAIN`: parse options into an immutable
 * domain_opts, create the two resolvers (the waves' and the SPF
 * evaluation's, same settings), run the report, render it, map the verdict
 * to an exit code. Options are documented in docs/cli/domain.md; keep the
 * two in step.
 *
 * Everything the user gives is checked here, before any query, so a typo is
 * a usage error (64) that names the problem rather than a report about a
 * domain nobody meant. A non-ASCII DOMAIN becomes its A-label (IDNA 2008 /
 * UTS #46 non-transitional, libidn2), the form DNS is asked in. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <idn2.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- checks ---- */
#include "checks/domain.h"
#include "checks/endpoint.h"
#include "checks/sweep.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/commands.h"
#include "frontend/cli/conn_opts.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/render_out.h"
#include "frontend/cli/resolver_opts.h"

#define DOMAIN_NAME_MAX 253   /* RFC 1035 §2.3.4, presentation form without the dot */
#define DOMAIN_LABEL_MAX 63
#define MAX_SELECTORS 64      /* --selector given more often is a usage error */
#define MAX_DNSBLS 16      /* section_dnsbl.c uses at most 16 zones */
#define DEFAULT_TIMEOUT_MS 5000

static const char domain_usage[] =
    "usage: smtpscope domain DOMAIN [options]\n"
    "\n"
    "Check the mail posture of DOMAIN from DNS: MX, SPF (with its include tree\n"
    "and lookup count), DKIM keys, DMARC, MTA-STS and TLS-RPT records, reverse\n"
    "DNS of the mail hosts, and DNS blocklists. Every section is pass, warn or\n"
    "fail, with findings and advice.\n"
    "\n"
    "Sending address:\n"
    "  --ip ADDR             evaluate SPF for mail sent from ADDR, and check its\n"
    "                        reverse DNS and blocklist entries\n"
    "  --helo NAME           the HELO/EHLO name that sender uses (checked, and used\n"
    "                        for SPF with --ip)\n"
    "  --sender ADDR         MAIL FROM address for the SPF evaluation (needs --ip;\n"
    "                        default postmaster@DOMAIN)\n"
    "Records:\n"
    "  --selector S          DKIM selector to check (repeatable; default: a list\n"
    "                        of common selectors)\n"
    "  --dnsbl ZONE          DNS blocklist to query (repeatable; default: a list\n"
    "                        of widely used public lists)\n"
    "  --no-dnsbl            skip the blocklist section\n"
    "Mail hosts:\n"
    "  --connect             also probe the SMTP ports of every MX host\n"
    "  --ports LIST          ports to probe with --connect (default\n"
    "                        25,465,587,2525; at most 8)\n"
    "  --ca-file FILE        trust these CA certificates (the MTA-STS policy fetch,\n"
    "                        and the probes of --connect)\n"
    "MTA-STS:\n"
    "  --no-mta-sts-fetch    do not fetch the MTA-STS policy file over HTTPS\n"
    "  --mta-sts-connect ADDR:PORT  fetch the policy from ADDR:PORT instead of\n"
    "                        mta-sts.DOMAIN:443 (for testing a policy host; the\n"
    "                        certificate must still name mta-sts.DOMAIN)\n"
    "DNS:\n"
    "  --dns IP[@PORT]       resolve through this DNS server\n"
    "  --trust-anchor FILE|auto|none  validate DNSSEC with the anchors in FILE, or\n"
    "                        the installed root anchor (auto); default none:\n"
    "                        answers are not validated (see --help in the docs)\n"
    "  --timeout SECONDS     deadline per round of DNS queries and per probe step\n"
    "                        (default 5)\n"
    "Output:\n"
    "  --format text|json    output format (default text)\n"
    "  -v, --verbose         also show clean blocklist rows, DKIM key records and\n"
    "                        the tree of the --ip evaluation\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit codes: 0 pass (warnings allowed), 1 failure, 75 temporary failures only\n"
    "(DNS timeouts, SERVFAIL), 64 usage error, 70 internal error.\n";

enum {
    OPT_SELECTOR = 256, OPT_IP, OPT_HELO, OPT_SENDER, OPT_DNSBL, OPT_NO_DNSBL, OPT_CONNECT,
    OPT_PORTS, OPT_CA_FILE, OPT_DNS, OPT_TRUST_ANCHOR, OPT_TIMEOUT,
    OPT_NO_STS_FETCH, OPT_STS_CONNECT,
};

static const struct option long_opts[] = {
    {"selector", required_argument, NULL, OPT_SELECTOR},
    {"ip", required_argument, NULL, OPT_IP},
    {"helo", required_argument, NULL, OPT_HELO},
    {"sender", required_argument, NULL, OPT_SENDER},
    {"dnsbl", required_argument, NULL, OPT_DNSBL},
    {"no-dnsbl", no_argument, NULL, OPT_NO_DNSBL},
    {"connect", no_argument, NULL, OPT_CONNECT},
    {"ports", required_argument, NULL, OPT_PORTS},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"no-mta-sts-fetch", no_argument, NULL, OPT_NO_STS_FETCH},
    {"mta-sts-connect", required_argument, NULL, OPT_STS_CONNECT},
    {"dns", required_argument, NULL, OPT_DNS},
    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    RENDER_OUT_LONG_OPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Everything parsed from argv; o and connect are handed down const. */
typedef struct domain_cli {
    domain_opts o;
    endpoint_opts connect;    /* --connect: --ports, --ca-file, --timeout */
    resolver_opts dns;        /* --dns, --trust-anchor */
    render_out_opts out;      /* --format, -v */
    char *domain;             /* owned: normalised DOMAIN */
    char *ip;                 /* owned: --ip in canonical form */
    char **selectors;         /* owned strings and array */
    size_t n_selectors;
    char **dnsbls;            /* owned strings and array */
    size_t n_dnsbls;
    int ports[SWEEP_MAX_PORTS];
    bool have_ports;          /* --ports given (needs --connect) */
} domain_cli;

#define usage_error(...) conn_cli_usage("domain", __VA_ARGS__)

/* The user's argument, safe to echo in a message (it may hold anything). */
static char *shown(const char *s)
{
    char *e = escape_display(s, strlen(s));
    return e ? e : xstrdup("?");
}

static bool is_address(const char *s)
{
    unsigned char tmp[16];
    return inet_pton(AF_INET, s, tmp) == 1 || inet_pton(AF_INET6, s, tmp) == 1;
}

/* Host-name rules for DOMAIN and --dnsbl zones (RFC 1123 §2.1 LDH labels):
 * NULL when name is valid, else why not (a static sentence). */
static const char *name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return "is empty";
    if (len > DOMAIN_NAME_MAX)
        return "is longer than 253 characters";
    if (is_address(name))
        return "is an IP address, not a domain name";
    const char *label = name;
    for (const char *p = name;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t l = (size_t)(p - label);
            if (l == 0)
                return "has an empty label (two dots in a row, or a leading dot)";
            if (l > DOMAIN_LABEL_MAX)
                return "has a label longer than 63 characters";
            if (label[0] == '-' || p[-1] == '-')
                return "has a label that starts or ends with '-'";
            if (*p == '\0')
                return NULL;
            label = p + 1;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return "may only hold letters, digits, '-' and dots";
    }
}

/* DOMAIN or ZONE as given → lower-case A-label without the trailing dot.
 * Returns the name (allocated) or NULL after printing a usage error (*rc
 * set) or on OOM (*rc = EXIT_SOFTWARE). */
static char *normalize_name(const char *what, const char *arg, int *rc)
{
    size_t len = strlen(arg);
    char *s = xstrndup(arg, len && arg[len - 1] == '.' ? len - 1 : len);
    if (!s) {
        *rc = EXIT_SOFTWARE;
        return NULL;
    }
    bool ascii = true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        ascii &= *p < 0x80;
    if (!ascii) {
        char *alabel = NULL;
        int irc = idn2_to_ascii_8z(s, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (irc != IDN2_OK) {
            char *e = shown(arg);
            *rc = usage_error("%s '%s' is not a valid internationalised name: %s", what, e,
                              idn2_strerror(irc));
            free(e);
            free(s);
            return NULL;
        }
        free(s);
        s = xstrdup(alabel);
        idn2_free(alabel);
        if (!s) {
            *rc = EXIT_SOFTWARE;
            return NULL;
        }
    }
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    const char *why = name_problem(s);
    if (why) {
        char *e = shown(arg);
        *rc = usage_error("%s '%s' %s", what, e, why);
        free(e);
        free(s);
        return NULL;
    }
    return s;
}

/* Printable ASCII without blanks, 1..max bytes: what --helo, --sender and
 * --selector may hold at all (their finer rules are the report's to judge). */
static bool plain_token(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f)
            return false;
    return true;
}

static bool selector_ok(const char *s)
{
    if (!plain_token(s, DOMAIN_NAME_MAX) || s[0] == '.' || s[strlen(s) - 1] == '.' ||
        strstr(s, ".."))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static int parse_ports(domain_cli *c, const char *arg)
{
    if (conn_cli_parse_ports("domain", arg, c->ports, &c->connect.n_sweep_ports) != 0)
        return EXIT_USAGE;
    c->connect.sweep_ports = c->ports;
    c->have_ports = true;
    return 0;
}

static int parse_ip(domain_cli *c, const char *arg)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    int af = inet_pton(AF_INET, arg, a) == 1 ? AF_INET
             : inet_pton(AF_INET6, arg, a) == 1 ? AF_INET6
                                                 : 0;
    if (!af) {
        char *e = shown(arg);
        int rc = usage_error("--ip '%s' is not an IPv4 or IPv6 address", e);
        free(e);
        return rc;
    }
    if (!inet_ntop(af, a, text, sizeof text))
        return EXIT_SOFTWARE;
    free(c->ip);
    c->ip = xstrdup(text);
    return c->ip ? 0 : EXIT_SOFTWARE;
}

/* --mta-sts-connect: a numeric address (IPv6 in brackets) and a port. */
static int parse_sts_connect(domain_cli *c, const char *arg)
{
    const char *colon = strrchr(arg, ':');
    char addr[INET6_ADDRSTRLEN + 2] = "";
    size_t alen = colon ? (size_t)(colon - arg) : 0;
    bool ok = colon && alen > 0 && alen < sizeof addr;
    if (ok) {
        memcpy(addr, arg, alen);
        addr[alen] = '\0';
        unsigned char tmp[16];
        if (addr[0] == '[' && alen > 2 && addr[alen - 1] == ']') {
            addr[alen - 1] = '\0';
            ok = inet_pton(AF_INET6, addr + 1, tmp) == 1;
        } else {
            ok = inet_pton(AF_INET, addr, tmp) == 1;
        }
        char *end = NULL;
        errno = 0;
        long port = strtol(colon + 1, &end, 10);
        ok = ok && !errno && end != colon + 1 && !*end && port >= 1 && port <= 65535;
    }
    if (!ok) {
        char *e = shown(arg);
        int rc = usage_error("--mta-sts-connect takes ADDRESS:PORT (IPv6 as [ADDR]:PORT), "
                             "not '%s'", e);
        free(e);
        return rc;
    }
    c->o.sts_connect = arg;
    return 0;
}

static int push_owned(char ***v, size_t *n, char *s)
{
    if (!s || xarray_push((void ***)v, n, s) < 0) {
        free(s);
        return EXIT_SOFTWARE;
    }
    return 0;
}

/* One option; 0, or an exit code. */
static int parse_opt(domain_cli *c, int ch, char **argv)
{
    err fe;
    err_clear(&fe);
    int rc = render_out_option(&c->out, ch, optarg, &fe);
    if (rc != 0) /* --format or -v */
        return rc < 0 ? usage_error("%s", fe.msg) : 0;
    switch (ch) {
    case OPT_SELECTOR:
        if (!selector_ok(optarg)) {
            char *e = shown(optarg);
            rc = usage_error("--selector '%s' is not a DKIM selector (letters, digits, '-', "
                             "'_' and dots)", e);
            free(e);
            return rc;
        }
        if (c->n_selectors == MAX_SELECTORS)
            return usage_error("at most %d --selector options", MAX_SELECTORS);
        return push_owned(&c->selectors, &c->n_selectors, xstrdup(optarg));
    case OPT_IP: return parse_ip(c, optarg);
    case OPT_HELO:
        if (!plain_token(optarg, 255))
            return usage_error("%s", "--helo takes a host name or an address literal of at "
                                     "most 255 printable characters");
        c->o.helo = optarg;
        return 0;
    case OPT_SENDER: {
        const char *at = strrchr(optarg, '@');
        if (!plain_token(optarg, 320) || !at || at == optarg || !at[1])
            return usage_error("%s", "--sender takes a mail address, local-part@domain");
        c->o.sender = optarg;
        return 0;
    }
    case OPT_DNSBL: {
        if (c->n_dnsbls == MAX_DNSBLS)
            return usage_error("at most %d --dnsbl options", MAX_DNSBLS);
        char *z = normalize_name("--dnsbl", optarg, &rc);
        return z ? push_owned(&c->dnsbls, &c->n_dnsbls, z) : rc;
    }
    case OPT_NO_DNSBL: c->o.no_dnsbl = true; return 0;
    case OPT_CONNECT: c->o.connect = true; return 0;
    case OPT_PORTS: return parse_ports(c, optarg);
    case OPT_CA_FILE:
        c->connect.ca_file = optarg;
        c->o.ca_file = optarg;
        return 0;
    case OPT_NO_STS_FETCH: c->o.sts_fetch = false; return 0;
    case OPT_STS_CONNECT: return parse_sts_connect(c, optarg);
    case OPT_DNS: c->dns.dns = optarg; return 0;
    case OPT_TRUST_ANCHOR:
        if (!optarg[0])
            return usage_error("%s", "--trust-anchor takes a file, 'auto' or 'none'");
        c->dns.trust_anchor = optarg;
        return 0;
    case OPT_TIMEOUT: {
        char *end = NULL;
        double s = strtod(optarg, &end);
        if (!end || *end || !(s > 0) || s > 3600)
            return usage_error("--timeout takes seconds between 0 and 3600, not '%s'", optarg);
        c->o.timeout_ms = (int64_t)(s * 1000.0);
        if (c->o.timeout_ms < 1)
            c->o.timeout_ms = 1;
        c->connect.timeout_ms = c->o.timeout_ms;
        return 0;
    }
    case 'h': fputs(domain_usage, stdout); return -1;
    default:
        return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
    }
}

/* Returns 0, -1 after --help, or an exit code. */
static int parse_args(int argc, char **argv, domain_cli *c)
{
    c->o = (domain_opts){.timeout_ms = DEFAULT_TIMEOUT_MS, .sts_fetch = true};
    c->connect = (endpoint_opts){.tls = TLSM_AUTO, .timeout_ms = DEFAULT_TIMEOUT_MS};
    render_out_init(&c->out);
    optind = 1;
    opterr = 0;
    int ch, rc;
    while ((ch = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1)
        if ((rc = parse_opt(c, ch, argv)) != 0)
            return rc;
    if (optind != argc - 1)
        return usage_error("%s", optind >= argc ? "missing DOMAIN"
                                                : "exactly one DOMAIN is expected");
    rc = 0;
    c->domain = normalize_name("DOMAIN", argv[optind], &rc);
    if (!c->domain)
        return rc;
    if (c->o.sender && !c->ip)
        return usage_error("%s", "--sender needs --ip (it is only used to evaluate SPF)");
    if (c->o.no_dnsbl && c->n_dnsbls)
        return usage_error("%s", "--no-dnsbl and --dnsbl contradict each other");
    if (c->have_ports && !c->o.connect)
        return usage_error("%s", "--ports only applies with --connect");
    if (c->o.ca_file && access(c->o.ca_file, R_OK) != 0) {
        char *e = shown(c->o.ca_file);
        int rc2 = usage_error("--ca-file '%s' cannot be read: %s", e, strerror(errno));
        free(e);
        return rc2;
    }
    if (c->o.sts_connect && !c->o.sts_fetch)
        return usage_error("%s", "--mta-sts-connect and --no-mta-sts-fetch contradict each "
                                 "other");
    c->o.domain = c->domain;
    c->o.ip = c->ip;
    c->o.selectors = (const char *const *)c->selectors;
    c->o.n_selectors = c->n_selectors;
    c->o.dnsbls = (const char *const *)c->dnsbls;
    c->o.n_dnsbls = c->n_dnsbls;
    c->o.connect_opts = c->o.connect ? &c->connect : NULL;
    return 0;
}

static void cli_free(domain_cli *c)
{
    for (size_t i = 0; i < c->n_selectors; i++)
        free(c->selectors[i]);
    free(c->selectors);
    for (size_t i = 0; i < c->n_dnsbls; i++)
        free(c->dnsbls[i]);
    free(c->dnsbls);
    free(c->domain);
    free(c->ip);
}

/* Run the report into r. Returns 0, or -1 on OOM. */
static int run_report(const domain_cli *c, dns_resolver *res, dns_resolver *spf_res, result *r)
{
    domain_outcome *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    if (domain_run(&c->o, res, spf_res, d) < 0) {
        domain_outcome_free(d);
        free(d);
        return -1;
    }
    return result_take_domain(r, d); /* ownership passes either way */
}

int cmd_domain(int argc, char **argv)
{
    domain_cli c = {0};
    dns_resolver *res = NULL, *spf_res = NULL;
    result *r = NULL;
    int rc = parse_args(argc, argv, &c);
    if (rc != 0) {
        rc = rc < 0 ? EXIT_PASS : rc;
        goto out;
    }
    err e;
    err_clear(&e);
    if (resolver_opts_create(&c.dns, &res, &e) < 0) {
        fprintf(stderr, "smtpscope domain: %s\n", e.msg);
        rc = EXIT_USAGE;
        goto out;
    }
    if (!res) {
        fputs("smtpscope domain: the system resolver cannot be used here; "
              "give one with --dns IP[@PORT]\n", stderr);
        rc = EXIT_SOFTWARE;
        goto out;
    }
    /* A second resolver with the same settings lets the SPF evaluation run
     * beside the waves; without it SPF runs after them, on res. */
    err_clear(&e);
    if (resolver_opts_create(&c.dns, &spf_res, &e) < 0)
        spf_res = NULL;
    r = result_new("domain");
    if (!r || run_report(&c, res, spf_res, r) < 0) {
        fputs("smtpscope domain: out of memory\n", stderr);
        rc = EXIT_SOFTWARE;
        goto out;
    }
    result_finish(r);
    rc = render_out_emit("domain", r, c.out.format, c.out.verbose, exitcode_for);
out:
    result_free(r);
    dns_resolver_free(spf_res);
    dns_resolver_free(res);
    cli_free(&c);
    return rc;
}
