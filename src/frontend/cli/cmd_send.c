/* cmd_send.c — `smtpscope send`: compose a message (or read a prepared one),
 * deliver it through the layered endpoint run, and report how each
 * recipient fared.
 *
 * The frontend's whole job: parse options into an immutable endpoint_opts
 * plus an endpoint_delivery (checks/endpoint.h), build the message with
 * protocol/message/ (msg_compose, or eml_prepare for --data), obtain
 * credentials without argv (conn_opts.h, with check), run, render, and map
 * the delivery to an exit code. Options are documented in docs/cli/send.md;
 * keep the two in step. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/xalloc.h"
/* ---- dns ---- */
#include "dns/resolver.h"
/* ---- protocol ---- */
#include "protocol/message/addr.h"
#include "protocol/message/eml.h"
#include "protocol/message/message.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/account.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/conn_opts.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/render_out.h"

#define SEND_MAX_MESSAGE ((size_t)64 << 20)  /* octets of the whole message */
#define SEND_MAX_FILE    SEND_MAX_MESSAGE    /* any one input file */
#define SEND_DEFAULT_PORT 587                /* submission (RFC 6409) */

static const char send_usage[] =
    "usage: smtpscope send (--server HOST[:PORT] | --profile NAME | --preset NAME[:REGION])\n"
    "                      --from ADDR --to ADDR... [options]\n"
    "\n"
    "Send a test message and report, per recipient, whether it was accepted,\n"
    "deferred or bounced, and why. Without :PORT the port is 587 (or the\n"
    "profile's or preset's).\n"
    "\n"
    "Server:\n"
    "  --server HOST[:PORT]  the server to submit to\n"
    "  --profile NAME        [profile NAME] from $XDG_CONFIG_HOME/smtpscope/config\n"
    CONN_CLI_HELP_PRESET
    "  --tls MODE            auto (default), starttls, implicit, none\n"
    CONN_CLI_HELP_TLS_TRUST
    "  --servername NAME     name for SNI and certificate checks (default: HOST)\n"
    CONN_CLI_HELP_INSECURE
    "  --helo NAME           EHLO/LHLO name (default: this machine's host name)\n"
    "  --timeout SECONDS     deadline per stage (default 30)\n"
    CONN_CLI_HELP_FAMILY_DNS
    "  --trust-anchor FILE|none  DNSSEC trust anchors (see check --help)\n"
    "Authentication:\n"
    "  --auth-user USER      log in as USER; the password comes from --password-file,\n"
    "                        SMTPSCOPE_PASSWORD, the profile, or a prompt\n"
    CONN_CLI_HELP_PASSWORD_FILE
    "  --oauth2-token-cmd CMD  the first line CMD prints is the OAuth 2.0 token\n"
    CONN_CLI_HELP_AUTH_MECHS
    "                        OAUTHBEARER or XOAUTH2 (default: strongest offered)\n"
    CONN_CLI_HELP_ALLOW_PLAIN
    "Envelope and message:\n"
    "  --from ADDR           sender ('Name <a@b>' allowed; '<>' for the null sender)\n"
    "  --to ADDR             recipient (repeatable); --cc, --bcc likewise\n"
    "  --subject TEXT        the Subject (UTF-8 is encoded as RFC 2047 words)\n"
    "  --body TEXT|@FILE|-   the text body (- reads standard input)\n"
    "  --html TEXT|@FILE     an HTML alternative (multipart/alternative)\n"
    "  --attach @FILE        attach a file (repeatable; type from the extension)\n"
    "  --header 'Name: value'  add or replace a header field (repeatable)\n"
    "  --data @FILE|-        send this prepared message as is (line endings made\n"
    "                        CR LF); excludes --subject/--body/--html/--attach/--header\n"
    "Transaction:\n"
    "  --no-pipelining       one command per round trip even when PIPELINING is offered\n"
    "  --protocol smtp|lmtp  LMTP: LHLO and one reply per recipient after DATA\n"
    "  --dsn-notify LIST     NEVER, or SUCCESS,FAILURE,DELAY (RFC 3461)\n"
    "  --dsn-ret FULL|HDRS   what a bounce returns\n"
    "  --envid ID            envelope id for DSNs\n"
    "  --xclient NAME=VALUE  XCLIENT attribute (repeatable; when advertised)\n"
    "  --proxy v1|v2         send a PROXY protocol header first...\n"
    "  --proxy-source IP:PORT  ...claiming this client address\n"
    "Output:\n"
    "  --format text|json    output format (default text)\n"
    "  -v, --verbose         include the SMTP transcript in text output\n"
    "\n"
    "Exit codes: 0 accepted for every recipient, 1 any recipient bounced (or the\n"
    "message was not sent), 75 only deferrals, 64 usage error.\n";

enum {
    OPT_SERVER = 256, OPT_FROM, OPT_TO, OPT_CC, OPT_BCC, OPT_SUBJECT, OPT_BODY, OPT_HTML,
    OPT_ATTACH, OPT_HEADER, OPT_DATA, OPT_NO_PIPELINING, OPT_PROTOCOL, OPT_DSN_NOTIFY,
    OPT_DSN_RET, OPT_ENVID, OPT_XCLIENT, OPT_PROXY, OPT_PROXY_SOURCE, OPT_FORMAT,
};

static const struct option long_opts[] = {
    CONN_CLI_LONG_OPTS,
    {"server", required_argument, NULL, OPT_SERVER},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"cc", required_argument, NULL, OPT_CC},
    {"bcc", required_argument, NULL, OPT_BCC},
    {"subject", required_argument, NULL, OPT_SUBJECT},
    {"body", required_argument, NULL, OPT_BODY},
    {"html", required_argument, NULL, OPT_HTML},
    {"attach", required_argument, NULL, OPT_ATTACH},
    {"header", required_argument, NULL, OPT_HEADER},
    {"data", required_argument, NULL, OPT_DATA},
    {"no-pipelining", no_argument, NULL, OPT_NO_PIPELINING},
    {"protocol", required_argument, NULL, OPT_PROTOCOL},
    {"dsn-notify", required_argument, NULL, OPT_DSN_NOTIFY},
    {"dsn-ret", required_argument, NULL, OPT_DSN_RET},
    {"envid", required_argument, NULL, OPT_ENVID},
    {"xclient", required_argument, NULL, OPT_XCLIENT},
    {"proxy", required_argument, NULL, OPT_PROXY},
    {"proxy-source", required_argument, NULL, OPT_PROXY_SOURCE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A growable list of borrowed argv strings. */
typedef struct strv {
    const char **v;
    size_t n;
} strv;

/* Everything parsed from argv; o and d are handed down const. */
typedef struct send_cli {
    endpoint_opts o;
    endpoint_delivery d;
    conn_cli conn;               /* connection, TLS, auth, --dns, --profile/--preset */
    const char *server;
    const char *format;
    bool verbose;
    const char *from;            /* --from as given */
    strv to, cc, bcc, attach, header, xclient;
    const char *subject, *body, *html, *data;
    char *host;                  /* owned: HOST of --server */
} send_cli;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    fputs("smtpscope send: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nRun 'smtpscope send --help' for the options.\n", stderr);
    return EXIT_USAGE;
}

static int push(strv *l, const char *s)
{
    return xarray_push((void ***)&l->v, &l->n, (void *)s) < 0 ? EXIT_SOFTWARE : 0;
}

/* RFC 3461 §4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY. */
static bool dsn_notify_ok(const char *s)
{
    if (strcasecmp(s, "NEVER") == 0)
        return true;
    const char *p = s;
    unsigned seen = 0;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        unsigned bit = n == 7 && strncasecmp(p, "SUCCESS", 7) == 0   ? 1u
                       : n == 7 && strncasecmp(p, "FAILURE", 7) == 0 ? 2u
                       : n == 5 && strncasecmp(p, "DELAY", 5) == 0   ? 4u
                                                                      : 0u;
        if (!bit || (seen & bit))
            return false;
        seen |= bit;
        if (!comma)
            break;
        p = comma + 1;
        if (!*p)
            return false;
    }
    return seen != 0;
}

/* RFC 3461 §4.4: up to 100 printable ASCII characters (xtext-encoded by the
 * session as needed). */
static bool envid_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* Postfix XCLIENT attributes (www.postfix.org/XCLIENT_README.html); the
 * value is sent xtext-encoded, so only control characters are refused. */
static bool xclient_ok(const char *s)
{
    static const char *const names[] = {"NAME", "ADDR", "PORT", "PROTO", "HELO",
                                        "LOGIN", "DESTADDR", "DESTPORT"};
    const char *eq = strchr(s, '=');
    if (!eq || eq == s)
        return false;
    bool known = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        known |= strlen(names[i]) == (size_t)(eq - s) &&
                 strncasecmp(names[i], s, (size_t)(eq - s)) == 0;
    if (!known || strlen(eq + 1) > 255)
        return false;
    for (const char *p = eq + 1; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            return false;
    return true;
}

/* IP:PORT or [IPv6]:PORT, numeric only (it is written into a header). */
static bool ip_port_ok(const char *s)
{
    char ip[64];
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof ip)
            return false;
        memcpy(ip, s + 1, (size_t)(close - s - 1));
        ip[close - s - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof ip || memchr(s, ':', (size_t)(colon - s)))
            return false;
        memcpy(ip, s, (size_t)(colon - s));
        ip[colon - s] = '\0';
    }
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) != 1 && inet_pton(AF_INET6, ip, a) != 1)
        return false;
    char *end = NULL;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    return !errno && end != colon + 1 && !*end && p >= 0 && p <= 65535;
}

static int parse_args(int argc, char **argv, send_cli *c)
{
    c->o = (endpoint_opts){.follow_mx = false};
    conn_cli_init(&c->conn, 30000);
    c->format = "text";
    optind = 1;
    opterr = 0;
    int ch, rc = 0;
    err e;
    err_clear(&e);
    while ((ch = getopt_long(argc, argv, CONN_CLI_SHORT_OPTS "vh", long_opts, NULL)) != -1 &&
           rc == 0) {
        conn_cli_status st = conn_cli_option(&c->conn, ch, optarg, &e);
        if (st == CONN_CLI_USAGE)
            return usage_error("%s", e.msg);
        if (st == CONN_CLI_HANDLED)
            continue;
        switch (ch) {
        case OPT_SERVER: c->server = optarg; break;
        case OPT_FROM: c->from = optarg; break;
        case OPT_TO: rc = push(&c->to, optarg); break;
        case OPT_CC: rc = push(&c->cc, optarg); break;
        case OPT_BCC: rc = push(&c->bcc, optarg); break;
        case OPT_SUBJECT: c->subject = optarg; break;
        case OPT_BODY: c->body = optarg; break;
        case OPT_HTML: c->html = optarg; break;
        case OPT_ATTACH: rc = push(&c->attach, optarg); break;
        case OPT_HEADER: rc = push(&c->header, optarg); break;
        case OPT_DATA: c->data = optarg; break;
        case OPT_NO_PIPELINING: c->d.no_pipelining = true; break;
        case OPT_PROTOCOL:
            if (strcasecmp(optarg, "lmtp") == 0)
                c->d.lmtp = true;
            else if (strcasecmp(optarg, "smtp") != 0)
                return usage_error("--protocol must be smtp or lmtp, not '%s'", optarg);
            break;
        case OPT_DSN_NOTIFY:
            if (!dsn_notify_ok(optarg))
                return usage_error("--dsn-notify takes NEVER or a comma-separated list of "
                                   "SUCCESS, FAILURE, DELAY, not '%s'", optarg);
            c->d.dsn_notify = optarg;
            break;
        case OPT_DSN_RET:
            if (strcasecmp(optarg, "FULL") != 0 && strcasecmp(optarg, "HDRS") != 0)
                return usage_error("--dsn-ret must be FULL or HDRS, not '%s'", optarg);
            c->d.dsn_ret = optarg;
            break;
        case OPT_ENVID:
            if (!envid_ok(optarg))
                return usage_error("%s", "--envid takes 1 to 100 printable ASCII characters");
            c->d.envid = optarg;
            break;
        case OPT_XCLIENT:
            if (!xclient_ok(optarg))
                return usage_error("--xclient takes NAME=VALUE with NAME one of NAME, ADDR, "
                                   "PORT, PROTO, HELO, LOGIN, DESTADDR, DESTPORT, not '%s'",
                                   optarg);
            rc = push(&c->xclient, optarg);
            break;
        case OPT_PROXY:
            if (strcasecmp(optarg, "v1") == 0 || strcmp(optarg, "1") == 0)
                c->d.proxy_version = 1;
            else if (strcasecmp(optarg, "v2") == 0 || strcmp(optarg, "2") == 0)
                c->d.proxy_version = 2;
            else
                return usage_error("--proxy must be v1 or v2, not '%s'", optarg);
            break;
        case OPT_PROXY_SOURCE:
            if (!ip_port_ok(optarg))
                return usage_error("--proxy-source takes IP:PORT or [IPv6]:PORT, not '%s'",
                                   optarg);
            c->d.proxy_source = optarg;
            break;
        case OPT_FORMAT:
            if (!renderer_find(optarg))
                return usage_error("--format must be text or json, not '%s'", optarg);
            c->format = optarg;
            break;
        case 'v': c->verbose = true; break;
        case 'h': fputs(send_usage, stdout); return -1;
        default:
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (rc)
        return rc;
    if (optind != argc)
        return usage_error("unexpected argument '%s' (the server goes in --server)",
                           argv[optind]);
    if (c->server && c->conn.profile)
        return usage_error("%s", "--server and --profile both name the server; give one");
    if (c->server && c->conn.preset)
        return usage_error("%s", "--server and --preset both name the server; give one");
    if (!c->server && !conn_cli_named(&c->conn))
        return usage_error("%s", "no server: give --server HOST[:PORT], --profile NAME or "
                                 "--preset NAME");
    if (c->server && account_parse_server(c->server, &c->host, &c->conn.o.port) < 0)
        return usage_error("--server: '%s' is not HOST, HOST:PORT or [IPv6]:PORT", c->server);
    c->conn.o.host = c->host;
    if (c->to.n + c->cc.n + c->bcc.n == 0)
        return usage_error("%s", "no recipient: give at least one --to, --cc or --bcc");
    if (c->data && (c->subject || c->body || c->html || c->attach.n || c->header.n))
        return usage_error("%s", "--data sends the file as it is: --subject, --body, --html, "
                                 "--attach and --header cannot be combined with it");
    /* Before any file is read: each may be up to SEND_MAX_FILE. */
    if (c->attach.n > MSG_MAX_ATTACHMENTS)
        return usage_error("at most %d --attach files (got %zu)", MSG_MAX_ATTACHMENTS,
                           c->attach.n);
    if (c->body && c->html && strcmp(c->body, "-") == 0 && strcmp(c->html, "-") == 0)
        return usage_error("%s", "--body - and --html - cannot both read standard input");
    if ((c->d.proxy_version != 0) != (c->d.proxy_source != NULL))
        return usage_error("%s", "--proxy and --proxy-source go together");
    return 0;
}

/* Read a whole file ("-" = standard input) of at most SEND_MAX_FILE octets. */
static int slurp(const char *opt, const char *path, buf *out)
{
    buf_init(out, SEND_MAX_FILE);
    bool in = strcmp(path, "-") == 0;
    FILE *f = in ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "smtpscope send: %s: cannot read %s: %s\n", opt, path, strerror(errno));
        return EXIT_USAGE;
    }
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(out, chunk, n) < 0) {
            fprintf(stderr, "smtpscope send: %s: %s is larger than %zu MiB\n", opt, path,
                    SEND_MAX_FILE >> 20);
            rc = EXIT_USAGE;
            break;
        }
    if (!rc && ferror(f)) {
        fprintf(stderr, "smtpscope send: %s: cannot read %s\n", opt, path);
        rc = EXIT_USAGE;
    }
    if (!in)
        fclose(f);
    /* Keep a NUL after the data so text bodies can be used as strings. */
    if (!rc && buf_append(out, "", 1) < 0)
        rc = EXIT_USAGE;
    if (!rc)
        out->len--;
    return rc;
}

/* TEXT, @FILE or - (standard input). The result is in *hold when read. */
static int text_arg(const char *opt, const char *arg, buf *hold, const char **text,
                    size_t *len)
{
    if (arg[0] == '@' || strcmp(arg, "-") == 0) {
        int rc = slurp(opt, arg[0] == '@' ? arg + 1 : arg, hold);
        if (rc)
            return rc;
        *text = hold->data ? hold->data : "";
        *len = hold->len;
    } else {
        *text = arg;
        *len = strlen(arg);
    }
    return 0;
}

/* Mailboxes parsed from "Name <addr>" arguments; strings owned here. */
typedef struct mbox_list {
    msg_mailbox *v;
    size_t n;
} mbox_list;

static void mbox_list_free(mbox_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].name);
        free((char *)l->v[i].addr);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int mbox_parse(const char *opt, const char *arg, msg_mailbox *m)
{
    char *name = NULL, *address = NULL;
    err e;
    err_clear(&e);
    if (addr_split_mailbox(arg, &name, &address, &e) < 0) {
        fprintf(stderr, "smtpscope send: %s '%s': %s\n", opt, arg, e.msg);
        return e.cls == ERRC_INTERNAL ? EXIT_SOFTWARE : EXIT_USAGE;
    }
    m->name = name;
    m->addr = address;
    /* Validate here so the message names the option (the envelope builder
     * would only say "sender" or "recipient"). */
    addr a;
    if (addr_parse(address, &a, &e) < 0) {
        fprintf(stderr, "smtpscope send: %s '%s': %s\n", opt, arg, e.msg);
        return e.cls == ERRC_INTERNAL ? EXIT_SOFTWARE : EXIT_USAGE;
    }
    addr_clear(&a);
    return 0;
}

static int mbox_list_fill(const char *opt, const strv *args, mbox_list *l)
{
    l->v = calloc(args->n ? args->n : 1, sizeof *l->v);
    if (!l->v)
        return EXIT_SOFTWARE;
    for (size_t i = 0; i < args->n; i++) {
        int rc = mbox_parse(opt, args->v[i], &l->v[i]);
        if (rc)
            return rc;
        l->n++;
    }
    return 0;
}

/* What the message is built from; everything owned here. */
typedef struct send_msg {
    msg_mailbox from;
    mbox_list to, cc, bcc;
    buf body_hold, html_hold, data_hold;
    buf *att_hold;       /* one per --attach */
    msg_attachment *att;
    size_t n_att;
    buf msg;             /* the message as it goes into DATA (before stuffing) */
    char message_id[MSG_ID_MAX];
    msg_envelope env;
} send_msg;

static void send_msg_free(send_msg *m)
{
    free((char *)m->from.name);
    free((char *)m->from.addr);
    mbox_list_free(&m->to);
    mbox_list_free(&m->cc);
    mbox_list_free(&m->bcc);
    buf_free(&m->body_hold);
    buf_free(&m->html_hold);
    buf_free(&m->data_hold);
    for (size_t i = 0; i < m->n_att; i++)
        buf_free(&m->att_hold[i]);
    free(m->att_hold);
    free(m->att);
    buf_free(&m->msg);
    msg_envelope_clear(&m->env);
}

static int local_error(const char *what, const err *e)
{
    fprintf(stderr, "smtpscope send: %s%s\n", what, e->msg);
    return e->cls == ERRC_INTERNAL ? EXIT_SOFTWARE : EXIT_USAGE;
}

/* Compose (or read) the message and fill c->d. */
static int build_message(send_cli *c, send_msg *m)
{
    int rc;
    err e;
    err_clear(&e);
    if (!c->o.from)
        return usage_error("%s", "no sender: give --from ADDR (or 'from' in the profile)");
    if (strcmp(c->o.from, "<>") == 0 || strcmp(c->o.from, "") == 0) {
        /* The null reverse-path (bounces, RFC 5321 §4.5.5): the envelope is
         * empty; a composed message still needs a From field. */
        if (!c->data)
            return usage_error("%s", "--from '<>' (null sender) needs --data: a composed "
                                     "message needs a From address");
    } else if ((rc = mbox_parse("--from", c->o.from, &m->from)) != 0) {
        return rc;
    }
    if ((rc = mbox_list_fill("--to", &c->to, &m->to)) || (rc = mbox_list_fill("--cc", &c->cc, &m->cc)) ||
        (rc = mbox_list_fill("--bcc", &c->bcc, &m->bcc)))
        return rc;
    msg_spec spec = {.from = m->from, .to = m->to.v, .n_to = m->to.n, .cc = m->cc.v,
                     .n_cc = m->cc.n, .bcc = m->bcc.v, .n_bcc = m->bcc.n};
    bool null_sender = m->from.addr == NULL;
    if (null_sender)
        spec.from.addr = "postmaster@invalid"; /* only to validate the recipients */
    if (msg_envelope_build(&spec, &m->env, &e) < 0)
        return local_error("", &e);
    buf_init(&m->msg, SEND_MAX_MESSAGE);
    if (c->data) {
        const char *path = c->data[0] == '@' ? c->data + 1 : c->data;
        if ((rc = slurp("--data", path, &m->data_hold)) != 0)
            return rc;
        eml_info info;
        if (eml_prepare(m->data_hold.data ? m->data_hold.data : "", m->data_hold.len, &m->msg,
                        &info, &e) < 0)
            return local_error("--data: ", &e);
        if (info.has_nul)
            return usage_error("--data: %s contains a NUL byte, which SMTP cannot carry", path);
        if (info.n_long_lines)
            fprintf(stderr, "smtpscope send: warning: --data: %zu line%s longer than %d octets "
                            "(RFC 5322 §2.1.1); servers may refuse the message\n",
                    info.n_long_lines, info.n_long_lines == 1 ? " is" : "s are", EML_MAX_LINE);
        if (info.mbox_from)
            fprintf(stderr, "smtpscope send: warning: --data: line 1 is an mbox 'From ' "
                            "separator; it is sent as part of the message\n");
        snprintf(m->message_id, sizeof m->message_id, "%s", info.message_id);
        c->d.needs_8bitmime = info.needs_8bitmime;
        c->d.needs_smtputf8 = info.needs_smtputf8 || m->env.needs_smtputf8;
    } else {
        if (c->body &&
            (rc = text_arg("--body", c->body, &m->body_hold, &spec.text, &spec.text_len)))
            return rc;
        if (c->html &&
            (rc = text_arg("--html", c->html, &m->html_hold, &spec.html, &spec.html_len)))
            return rc;
        spec.subject = c->subject;
        spec.headers = c->header.v;
        spec.n_headers = c->header.n;
        m->att_hold = calloc(c->attach.n ? c->attach.n : 1, sizeof *m->att_hold);
        m->att = calloc(c->attach.n ? c->attach.n : 1, sizeof *m->att);
        if (!m->att_hold || !m->att)
            return EXIT_SOFTWARE;
        for (size_t i = 0; i < c->attach.n; i++) {
            const char *a = c->attach.v[i];
            const char *path = a[0] == '@' ? a + 1 : a;
            if ((rc = slurp("--attach", path, &m->att_hold[i])) != 0)
                return rc;
            m->n_att = i + 1;
            const char *slash = strrchr(path, '/');
            m->att[i] = (msg_attachment){.filename = slash ? slash + 1 : path,
                                         .data = (const unsigned char *)m->att_hold[i].data,
                                         .len = m->att_hold[i].len};
            if (!m->att[i].data)
                m->att[i].data = (const unsigned char *)"";
        }
        spec.att = m->att;
        spec.n_att = m->n_att;
        msg_info info;
        if (msg_compose(&spec, &m->msg, &info, &e) < 0)
            return local_error("", &e);
        snprintf(m->message_id, sizeof m->message_id, "%s", info.message_id);
        c->d.needs_8bitmime = info.needs_8bitmime;
        c->d.needs_smtputf8 = info.needs_smtputf8 || m->env.needs_smtputf8;
    }
    c->d.mail_from = null_sender ? "" : m->env.from;
    c->d.rcpts = (const char *const *)m->env.rcpt;
    c->d.n_rcpts = m->env.n_rcpt;
    c->d.msg = m->msg.data ? m->msg.data : "";
    c->d.msg_len = m->msg.len;
    c->d.message_id = m->message_id[0] ? m->message_id : NULL;
    c->d.xclient = c->xclient.v;
    c->d.n_xclient = c->xclient.n;
    /* The check's own envelope fields mirror the delivery's, for an engine
     * that reads them for the MAIL/RCPT stages. */
    c->o.from = c->d.mail_from;
    c->o.to = c->d.rcpts;
    c->o.n_to = c->d.n_rcpts;
    c->o.delivery = &c->d;
    return 0;
}

/* 0 accepted for every recipient, 1 any bounce, 75 only deferrals. A run
 * that never reached a verdict on the message (connection, TLS or AUTH
 * failed, SIZE refused it up front) keeps check's mapping, but never 0:
 * nothing was delivered. */
static int send_exit_code(const result *r)
{
    const delivery_report *d = r && r->endpoint ? r->endpoint->delivery : NULL;
    if (!d || d->status == DELIVERY_NOT_TRIED) {
        int rc = exitcode_for(r);
        return rc == EXIT_PASS ? EXIT_FAIL : rc;
    }
    bool bounced = d->status == DELIVERY_BOUNCED, deferred = d->status == DELIVERY_DEFERRED;
    for (size_t i = 0; i < d->n_rcpts; i++) {
        bounced |= d->rcpts[i].status == DELIVERY_BOUNCED;
        deferred |= d->rcpts[i].status == DELIVERY_DEFERRED;
    }
    if (bounced)
        return EXIT_FAIL;
    if (deferred)
        return EXIT_TEMPFAIL;
    return d->status == DELIVERY_ACCEPTED ? EXIT_PASS : EXIT_FAIL;
}

int cmd_send(int argc, char **argv)
{
    send_cli c = {0};
    send_msg m = {0};
    dns_resolver *res = NULL;
    result *r = NULL;
    err e;
    err_clear(&e);
    conn_cli_status st;
    int rc = parse_args(argc, argv, &c);
    if (rc != 0) {
        rc = rc < 0 ? EXIT_PASS : rc;
        goto out;
    }
    /* The profile's `from` fills in when --from was not given. */
    if ((st = conn_cli_finish(&c.conn, &c.from, &e)) != CONN_CLI_OK) {
        rc = conn_cli_report("send", st, &e);
        goto out;
    }
    if (!c.conn.o.port)
        c.conn.o.port = SEND_DEFAULT_PORT;
    c.o.from = c.from;
    if ((rc = build_message(&c, &m)) != 0)
        goto out;
    if ((st = conn_cli_secrets(&c.conn, &e)) != CONN_CLI_OK ||
        (st = conn_cli_resolver(&c.conn, &res, &e)) != CONN_CLI_OK) {
        rc = conn_cli_report("send", st, &e);
        goto out;
    }
    conn_cli_to_endpoint_opts(&c.conn, &c.o);
    r = result_new("send");
    endpoint_outcome *eo = r ? calloc(1, sizeof *eo) : NULL;
    if (!eo || endpoint_run(&c.o, res, eo) < 0 || result_take_endpoint(r, eo) < 0) {
        if (eo && r && !r->endpoint) {
            endpoint_outcome_free(eo);
            free(eo);
        }
        rc = EXIT_SOFTWARE;
        goto out;
    }
    result_finish(r);
    rc = render_out_emit("send", r, c.format, c.verbose, send_exit_code);
    /* send_exit_code never gives EXIT_SOFTWARE for a finished result: that
     * is rendering running out of memory, already reported. */
    if (rc != EXIT_SOFTWARE && !r->endpoint->delivery && rc != EXIT_USAGE)
        fputs("smtpscope send: the session reported no delivery: the message was not sent\n",
              stderr);
out:
    result_free(r);
    dns_resolver_free(res);
    conn_cli_free(&c.conn);
    send_msg_free(&m);
    free(c.to.v);
    free(c.cc.v);
    free(c.bcc.v);
    free(c.attach.v);
    free(c.header.v);
    free(c.xclient.v);
    free(c.host);
    return rc;
}
