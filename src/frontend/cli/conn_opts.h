/* conn_opts.h — the options every command that talks to one SMTP server
 * shares (check, send and tls; relay the connection part), so they parse,
 * merge and word them alike: connection and TLS (--tls, --require-tls,
 * --ca-file, --servername, --insecure, --helo, --timeout, -4, -6), the
 * resolver (--dns, --trust-anchor), authentication (--auth-user, --auth,
 * --password-file, --oauth2-token-cmd, --allow-plaintext-auth) and
 * --profile / --preset;
 * then the profile/preset merge (account.h) and the secrets (secret.h,
 * oauth_token.h: never from argv, SMTPSCOPE_PASSWORD, SMTPSCOPE_OAUTH2_TOKEN
 * or a prompt).
 *
 * Ownership: a conn_cli borrows the argv strings it is given. It owns the
 * host conn_cli_target() parsed, what --profile/--preset loaded (acct) and
 * the password and OAuth token, which conn_cli_free() wipes and frees. An
 * endpoint_opts filled by conn_cli_to_endpoint_opts() borrows all of
 * these: keep the conn_cli alive (and unfreed) while that endpoint_opts is
 * used.
 *
 * Also here, for every command that takes a server on its command line:
 * the HOST[:PORT] argument (conn_cli_parse_target), the --ports list
 * (conn_cli_parse_ports) and the usage-error message (conn_cli_usage).
 *
 * Use, in this order (cmd_check.c is the short example):
 *   conn_cli_init(&cc, default_timeout_ms);
 *   render_out_init(&out);
 *   conn_cli_getopt(&cc, &out, argc, argv, opts, &e) in a loop, opts
 *       starting with CONN_CLI_LONG_OPTS and holding RENDER_OUT_LONG_OPTS
 *       (or getopt_long with CONN_CLI_SHORT_OPTS, giving each option to
 *       conn_cli_option() first); handle what it returns yourself;
 *   conn_cli_target() (or set cc.o.host and cc.o.port from the command's
 *       own arguments);
 *   conn_cli_finish()           profile/preset merge and consistency checks;
 *   ...the command's own checks: nothing has prompted yet...
 *   conn_cli_secrets()          password and token (may prompt or run a command);
 *   conn_cli_resolver()         the resolver for --dns / --trust-anchor;
 *   conn_cli_to_endpoint_opts() into the endpoint_opts the command runs
 *                               (conn_cli_start() does these three);
 *   conn_cli_free().
 * A command that neither logs in nor reads a profile (relay) puts
 * CONN_CLI_LONG_OPTS_SERVER in its table instead, skips conn_cli_finish
 * and conn_cli_secrets, and copies what it needs from c.o itself. */
#ifndef SMTPSCOPE_FRONTEND_CLI_CONN_OPTS_H
#define SMTPSCOPE_FRONTEND_CLI_CONN_OPTS_H

#include <getopt.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "checks/sweep.h"
#include "core/err.h"
#include "dns/resolver.h"
#include "frontend/cli/account.h"
#include "frontend/cli/render_out.h"
#include "frontend/cli/resolver_opts.h"
#include "report/result.h"

/* getopt_long values; above any command's own (which start at 256). */
enum {
    CONN_OPT_TLS = 0x1000, CONN_OPT_REQUIRE_TLS, CONN_OPT_CA_FILE, CONN_OPT_SERVERNAME,
    CONN_OPT_INSECURE, CONN_OPT_HELO, CONN_OPT_TIMEOUT, CONN_OPT_DNS, CONN_OPT_TRUST_ANCHOR,
    CONN_OPT_AUTH_USER, CONN_OPT_PASSWORD_FILE, CONN_OPT_OAUTH2_TOKEN_CMD, CONN_OPT_AUTH,
    CONN_OPT_ALLOW_PLAIN, CONN_OPT_PROFILE, CONN_OPT_PRESET,
};

/* The short options conn_cli_option() takes: -4 and -6. */
#define CONN_CLI_SHORT_OPTS "46"

/* The long options of the connection itself, as struct option entries:
 * what a command that neither logs in nor reads a profile takes (relay).
 * Kept apart so such a command's getopt_long knows only these: an option it
 * does not take stays "unknown", and abbreviations stay unambiguous. */
#define CONN_CLI_LONG_OPTS_SERVER                                            \
    {"tls", required_argument, NULL, CONN_OPT_TLS},                          \
    {"ca-file", required_argument, NULL, CONN_OPT_CA_FILE},                  \
    {"servername", required_argument, NULL, CONN_OPT_SERVERNAME},            \
    {"helo", required_argument, NULL, CONN_OPT_HELO},                        \
    {"timeout", required_argument, NULL, CONN_OPT_TIMEOUT},                  \
    {"dns", required_argument, NULL, CONN_OPT_DNS},                          \
    {"trust-anchor", required_argument, NULL, CONN_OPT_TRUST_ANCHOR}

/* All the long options conn_cli_option() takes, as struct option entries:
 * put it first in the command's table, then the command's own and the
 * terminating {NULL, 0, NULL, 0}. */
#define CONN_CLI_LONG_OPTS                                                   \
    CONN_CLI_LONG_OPTS_SERVER,                                               \
    {"require-tls", no_argument, NULL, CONN_OPT_REQUIRE_TLS},                \
    {"insecure", no_argument, NULL, CONN_OPT_INSECURE},                      \
    {"auth-user", required_argument, NULL, CONN_OPT_AUTH_USER},              \
    {"password-file", required_argument, NULL, CONN_OPT_PASSWORD_FILE},      \
    {"oauth2-token-cmd", required_argument, NULL, CONN_OPT_OAUTH2_TOKEN_CMD}, \
    {"auth", required_argument, NULL, CONN_OPT_AUTH},                        \
    {"allow-plaintext-auth", no_argument, NULL, CONN_OPT_ALLOW_PLAIN},       \
    {"profile", required_argument, NULL, CONN_OPT_PROFILE},                  \
    {"preset", required_argument, NULL, CONN_OPT_PRESET}

/* Help lines worded the same in every command (each ends in \n); the lines
 * whose defaults differ per command stay in the command's own text. */
#define CONN_CLI_HELP_PRESET \
    "  --preset NAME[:REGION]  a provider preset (smtpscope providers lists them)\n"
#define CONN_CLI_HELP_TLS_TRUST                                                      \
    "  --require-tls         fail unless a TLS session is established\n"              \
    "  --ca-file FILE        trust these CA certificates instead of the system store\n"
#define CONN_CLI_HELP_INSECURE \
    "  --insecure            report certificate problems as warnings and carry on\n"
#define CONN_CLI_HELP_FAMILY_DNS                                  \
    "  -4, -6                IPv4 / IPv6 only\n"                  \
    "  --dns IP[@PORT]       resolve through this DNS server\n"
#define CONN_CLI_HELP_PASSWORD_FILE \
    "  --password-file FILE  read the password from the first line of FILE\n"
#define CONN_CLI_HELP_AUTH_MECHS \
    "  --auth MECH           SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN,\n"
#define CONN_CLI_HELP_ALLOW_PLAIN \
    "  --allow-plaintext-auth  allow sending credentials without TLS\n"

/* conn_cli_getopt's return for a usage error in an option it handles. */
#define CONN_CLI_BAD_OPTION (-2)

/* What the functions below return. */
typedef enum conn_cli_status {
    CONN_CLI_OK = 0,
    CONN_CLI_HANDLED = 1,   /* conn_cli_option: the option was ours, and is stored */
    CONN_CLI_NOT_MINE = 2,  /* conn_cli_option: not ours; the command handles it */
    CONN_CLI_USAGE = -1,    /* a mistake in the options; e->msg names it (EXIT_USAGE) */
    CONN_CLI_FAILED = -2,   /* a source failed (profile file, preset, password, token
                             * command); e->msg says how; e->cls ERRC_INTERNAL on OOM */
} conn_cli_status;

typedef struct conn_cli {
    /* The connection part of an endpoint_opts: host, port (set by the
     * command), tls, require_tls, ca_file, servername, insecure, helo,
     * timeout_ms, family, auth_user, auth_mech, allow_plaintext_auth from
     * the options; profile/preset values and auth_pass/auth_token added by
     * conn_cli_finish/conn_cli_secrets. Its other fields are unused. */
    endpoint_opts o;
    resolver_opts dns;          /* --dns, --trust-anchor */
    const char *profile;        /* --profile NAME */
    const char *preset;         /* --preset NAME[:REGION] */
    const char *password_file;  /* --password-file FILE */
    const char *token_cmd;      /* --oauth2-token-cmd CMD */
    char *target;               /* owned: HOST of the command's HOST[:PORT] (conn_cli_target) */
    account acct;               /* owned: what --profile / --preset loaded */
    char *password;             /* owned secret; wiped by conn_cli_free */
    char *token;                /* owned secret (OAuth 2.0); wiped by conn_cli_free */
    bool getopt_started;        /* conn_cli_getopt has reset getopt for this parse */
} conn_cli;

/* Empty options with the defaults: --tls auto, --timeout default_timeout_ms. */
void conn_cli_init(conn_cli *c, int64_t default_timeout_ms);

/* One option from getopt_long (opt its return value, arg optarg).
 * CONN_CLI_HANDLED, CONN_CLI_NOT_MINE (also for '?' and ':'), or
 * CONN_CLI_USAGE with e set (ERRC_LOCAL_INPUT: a bad --tls or --timeout). */
conn_cli_status conn_cli_option(conn_cli *c, int opt, const char *arg, err *e);

/* The getopt_long loop of a command (short options CONN_CLI_SHORT_OPTS
 * "vh", long options opts): stores what conn_cli_option and
 * render_out_option take into c and out and returns the next option the
 * command handles itself (getopt_long's value, optarg set; '?' and ':' for
 * unknown or incomplete ones), -1 at the end of the options, or
 * CONN_CLI_BAD_OPTION with e set (ERRC_LOCAL_INPUT) for a bad value. The
 * first call after conn_cli_init starts at argv[1] (it resets optind) and
 * silences getopt's own messages (opterr): the command words them. */
int conn_cli_getopt(conn_cli *c, render_out_opts *out, int argc, char **argv,
                    const struct option *opts, err *e);

/* True when --profile or --preset was given (either may name the server). */
bool conn_cli_named(const conn_cli *c);

/* Merge --profile/--preset under the command line (account.h) into c->o,
 * and into *from when from is not NULL and *from is NULL (the profile's
 * `from`; *from is then borrowed from c). Then check that there is a
 * server and that --password-file, --oauth2-token-cmd and --auth come with
 * a user. CONN_CLI_OK; CONN_CLI_FAILED with e set when the profile or the
 * preset cannot be loaded; CONN_CLI_USAGE with e set for the checks. */
conn_cli_status conn_cli_finish(conn_cli *c, const char **from, err *e);

/* With a user (c->o.auth_user): the OAuth token (--oauth2-token-cmd, else
 * SMTPSCOPE_OAUTH2_TOKEN) and the password (account_password's order), as
 * --auth needs them; a password is read beside a token only when --auth,
 * --password-file or SMTPSCOPE_PASSWORD asks for one, so a token alone
 * never prompts. Sets c->o.auth_token and c->o.auth_pass, owned by c.
 * CONN_CLI_OK; CONN_CLI_USAGE with e set (an OAuth --auth without a token);
 * CONN_CLI_FAILED with e set (a source failed; never with the secret). */
conn_cli_status conn_cli_secrets(conn_cli *c, err *e);

/* The resolver for --dns and --trust-anchor (resolver_opts_create): *out
 * may be NULL when no --dns was given and the system resolver cannot be
 * used (IP literals still work). CONN_CLI_OK, or CONN_CLI_FAILED with e
 * set (ERRC_LOCAL_INPUT or ERRC_DNS) and *out NULL. Free *out with
 * dns_resolver_free(). */
conn_cli_status conn_cli_resolver(const conn_cli *c, dns_resolver **out, err *e);

/* Copy the connection part of c->o (see conn_cli) into o, leaving o's
 * other fields (envelope, delivery, follow_mx, sweep) alone. Strings are
 * borrowed from c. */
void conn_cli_to_endpoint_opts(const conn_cli *c, endpoint_opts *o);

/* Print a failed status for command cmd ("check") on stderr and return its
 * exit code: CONN_CLI_USAGE as "smtpscope CMD: MSG" plus the --help hint,
 * EXIT_USAGE; CONN_CLI_FAILED as "smtpscope CMD: MSG", EXIT_SOFTWARE when
 * e->cls is ERRC_INTERNAL, else EXIT_USAGE. */
int conn_cli_report(const char *cmd, conn_cli_status st, const err *e);

/* The command's HOST[:PORT] argument (conn_cli_parse_target) into
 * c->o.host, owned by c, and c->o.port (0 without :PORT). 0, or -1 when
 * arg is not a server (c->o.host then unset). */
int conn_cli_target(conn_cli *c, const char *arg);

/* conn_cli_secrets, conn_cli_resolver (into *res) and
 * conn_cli_to_endpoint_opts (into o) in one: 0, or the exit code after
 * conn_cli_report(cmd, ...) has said what failed. */
int conn_cli_start(const char *cmd, conn_cli *c, dns_resolver **res, endpoint_opts *o);

/* Run the endpoint check o against the server and move its outcome into r
 * (result_take_endpoint). 0, or -1 when out of memory (nothing leaks). */
int conn_cli_run_endpoint(const endpoint_opts *o, dns_resolver *res, result *r);

/* The server argument: HOST, HOST:PORT, [IPv6]:PORT, [IPv6] or a bare IPv6
 * literal (whose colons are not a port). *host gets a new string (free it
 * also after a failure: it may be set then); *port the port, 0 when none
 * is given. 0, or -1 when arg is none of these or out of memory. */
int conn_cli_parse_target(const char *arg, char **host, int *port);

/* --ports LIST: up to SWEEP_MAX_PORTS comma-separated ports 1-65535 into
 * ports (room for SWEEP_MAX_PORTS), their number into *n. 0, or, after a
 * usage error for command cmd (conn_cli_usage), EXIT_USAGE. */
int conn_cli_parse_ports(const char *cmd, const char *arg, int *ports, size_t *n);

/* A usage error of command cmd on stderr: "smtpscope CMD: " and the
 * message, then the --help hint. Returns EXIT_USAGE. */
int conn_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Wipe and free the secrets, free the profile/preset and the target host;
 * c is left empty.
 * NULL is a no-op. */
void conn_cli_free(conn_cli *c);

#endif
