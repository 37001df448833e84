/* conn_opts.h — the options every command that talks to one SMTP server
 * shares (check and send; tls and relay next), so they parse, merge and
 * word them alike: connection and TLS (--tls, --require-tls, --ca-file,
 * --servername, --insecure, --helo, --timeout, -4, -6), the resolver (--dns,
 * --trust-anchor), authentication (--auth-user, --auth, --password-file,
 * --oauth2-token-cmd, --allow-plaintext-auth) and --profile / --preset;
 * then the profile/preset merge (account.h) and the secrets (secret.h,
 * oauth_token.h: never from argv, SMTPSCOPE_PASSWORD, SMTPSCOPE_OAUTH2_TOKEN
 * or a prompt).
 *
 * Ownership: a conn_cli borrows the argv strings it is given. It owns what
 * --profile/--preset loaded (acct) and the password and OAuth token, which
 * conn_cli_free() wipes and frees. An endpoint_opts filled by
 * conn_cli_to_endpoint_opts() borrows all of these: keep the conn_cli alive
 * (and unfreed) while that endpoint_opts is used.
 *
 * Use, in this order (cmd_check.c is the short example):
 *   conn_cli_init(&cc, default_timeout_ms);
 *   getopt_long(argc, argv, CONN_CLI_SHORT_OPTS "vh", opts, NULL), opts
 *       starting with CONN_CLI_LONG_OPTS; give each option to
 *       conn_cli_option() first and handle it yourself on CONN_CLI_NOT_MINE;
 *   set cc.o.host and cc.o.port from the command's own arguments;
 *   conn_cli_finish()           profile/preset merge and consistency checks;
 *   ...the command's own checks: nothing has prompted yet...
 *   conn_cli_secrets()          password and token (may prompt or run a command);
 *   conn_cli_resolver()         the resolver for --dns / --trust-anchor;
 *   conn_cli_to_endpoint_opts() into the endpoint_opts the command runs;
 *   conn_cli_free(). */
#ifndef SMTPSCOPE_FRONTEND_CLI_CONN_OPTS_H
#define SMTPSCOPE_FRONTEND_CLI_CONN_OPTS_H

#include <getopt.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "core/err.h"
#include "dns/resolver.h"
#include "frontend/cli/account.h"
#include "frontend/cli/resolver_opts.h"

/* getopt_long values; above any command's own (which start at 256). */
enum {
    CONN_OPT_TLS = 0x1000, CONN_OPT_REQUIRE_TLS, CONN_OPT_CA_FILE, CONN_OPT_SERVERNAME,
    CONN_OPT_INSECURE, CONN_OPT_HELO, CONN_OPT_TIMEOUT, CONN_OPT_DNS, CONN_OPT_TRUST_ANCHOR,
    CONN_OPT_AUTH_USER, CONN_OPT_PASSWORD_FILE, CONN_OPT_OAUTH2_TOKEN_CMD, CONN_OPT_AUTH,
    CONN_OPT_ALLOW_PLAIN, CONN_OPT_PROFILE, CONN_OPT_PRESET,
};

/* The short options conn_cli_option() takes: -4 and -6. */
#define CONN_CLI_SHORT_OPTS "46"

/* The long options conn_cli_option() takes, as struct option entries: put
 * it first in the command's table, then the command's own and the
 * terminating {NULL, 0, NULL, 0}. */
#define CONN_CLI_LONG_OPTS                                                   \
    {"tls", required_argument, NULL, CONN_OPT_TLS},                          \
    {"require-tls", no_argument, NULL, CONN_OPT_REQUIRE_TLS},                \
    {"ca-file", required_argument, NULL, CONN_OPT_CA_FILE},                  \
    {"servername", required_argument, NULL, CONN_OPT_SERVERNAME},            \
    {"insecure", no_argument, NULL, CONN_OPT_INSECURE},                      \
    {"helo", required_argument, NULL, CONN_OPT_HELO},                        \
    {"timeout", required_argument, NULL, CONN_OPT_TIMEOUT},                  \
    {"dns", required_argument, NULL, CONN_OPT_DNS},                          \
    {"trust-anchor", required_argument, NULL, CONN_OPT_TRUST_ANCHOR},        \
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
    account acct;               /* owned: what --profile / --preset loaded */
    char *password;             /* owned secret; wiped by conn_cli_free */
    char *token;                /* owned secret (OAuth 2.0); wiped by conn_cli_free */
} conn_cli;

/* Empty options with the defaults: --tls auto, --timeout default_timeout_ms. */
void conn_cli_init(conn_cli *c, int64_t default_timeout_ms);

/* One option from getopt_long (opt its return value, arg optarg).
 * CONN_CLI_HANDLED, CONN_CLI_NOT_MINE (also for '?' and ':'), or
 * CONN_CLI_USAGE with e set (ERRC_LOCAL_INPUT: a bad --tls or --timeout). */
conn_cli_status conn_cli_option(conn_cli *c, int opt, const char *arg, err *e);

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

/* Wipe and free the secrets, free the profile/preset; c is left empty.
 * NULL is a no-op. */
void conn_cli_free(conn_cli *c);

#endif
