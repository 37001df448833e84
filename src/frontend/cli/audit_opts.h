/* audit_opts.h — the flags of the TLS audit and the run that uses them,
 * shared by `smtpscope tls` (cmd_tls.c) and `smtpscope check --tls-audit`
 * (cmd_check.c), so both parse, word and run the audit alike:
 *   --probe-injection, --probe-smuggling, --no-dane, --submission,
 *   --delay SECONDS, and --from ADDR / --to ADDR (the smuggling probe's
 *   envelope; --from is also the sender of the MAIL-before-STARTTLS probe).
 * Documented in docs/cli/tls.md.
 *
 * Use, like conn_opts.h: audit_cli_init(); put AUDIT_CLI_LONG_OPTS (and
 * AUDIT_CLI_ENVELOPE_OPTS unless the command has its own --from/--to, as
 * check does: then copy them into a.from / a.to yourself) in the getopt
 * table; give every option to audit_cli_option() after conn_cli_option();
 * audit_cli_finish() for the consistency checks; after the endpoint check
 * has been handed to the result, audit_cli_run().
 *
 * Ownership: an audit_cli borrows its strings (argv). audit_cli_run hands
 * the outcomes it makes to the result (result_take_tls_audit, _smuggling). */
#ifndef SMTPSCOPE_FRONTEND_CLI_AUDIT_OPTS_H
#define SMTPSCOPE_FRONTEND_CLI_AUDIT_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "core/err.h"
#include "dns/resolver.h"
#include "frontend/cli/conn_opts.h"
#include "report/result.h"

/* getopt_long values; above conn_opts.h's. */
enum {
    AUDIT_OPT_PROBE_INJECTION = 0x1100, AUDIT_OPT_PROBE_SMUGGLING, AUDIT_OPT_NO_DANE,
    AUDIT_OPT_SUBMISSION, AUDIT_OPT_DELAY, AUDIT_OPT_FROM, AUDIT_OPT_TO,
};

#define AUDIT_CLI_LONG_OPTS                                                   \
    {"probe-injection", no_argument, NULL, AUDIT_OPT_PROBE_INJECTION},        \
    {"probe-smuggling", no_argument, NULL, AUDIT_OPT_PROBE_SMUGGLING},        \
    {"no-dane", no_argument, NULL, AUDIT_OPT_NO_DANE},                        \
    {"submission", no_argument, NULL, AUDIT_OPT_SUBMISSION},                  \
    {"delay", required_argument, NULL, AUDIT_OPT_DELAY}

#define AUDIT_CLI_ENVELOPE_OPTS                                               \
    {"from", required_argument, NULL, AUDIT_OPT_FROM},                        \
    {"to", required_argument, NULL, AUDIT_OPT_TO}

/* Help lines for the audit flags (each ends in \n). */
#define AUDIT_CLI_HELP                                                                    \
    "  --delay SECONDS       pause between the audit's connections (default 0; they are\n" \
    "                        always one at a time)\n"                                      \
    "  --submission          judge the port as submission: MAIL accepted before\n"        \
    "                        STARTTLS is a warning (always so on 587)\n"                  \
    "  --no-dane             do not look up TLSA records\n"                               \
    "  --probe-injection     also probe for STARTTLS command injection (one connection)\n" \
    "  --probe-smuggling     also probe for SMTP smuggling (needs --from and --to, a\n"   \
    "                        mailbox you control: test messages are sent)\n"

#define AUDIT_CLI_HELP_ENVELOPE                                                      \
    "  --from ADDR           sender for --probe-smuggling and for the MAIL-before-\n" \
    "                        STARTTLS probe (default there: the null sender <>)\n"    \
    "  --to ADDR             recipient for --probe-smuggling\n"

typedef struct audit_cli {
    bool probe_injection;   /* --probe-injection */
    bool probe_smuggling;   /* --probe-smuggling */
    bool no_dane;           /* --no-dane */
    bool submission;        /* --submission */
    int64_t delay_ms;       /* --delay SECONDS */
    const char *from;       /* --from ADDR (borrowed) */
    const char *to;         /* --to ADDR (borrowed) */
} audit_cli;

void audit_cli_init(audit_cli *a);

/* One option from getopt_long: CONN_CLI_HANDLED, CONN_CLI_NOT_MINE, or
 * CONN_CLI_USAGE with e set (a bad --delay, a second --to). */
conn_cli_status audit_cli_option(audit_cli *a, int opt, const char *arg, err *e);

/* --probe-smuggling needs --from and --to; --to means nothing without it.
 * CONN_CLI_OK or CONN_CLI_USAGE with e set. */
conn_cli_status audit_cli_finish(const audit_cli *a, err *e);

/* Run the audit against the endpoint eo describes (host, port, tls,
 * servername, ca_file, helo, timeout, family, follow_mx; auth_user and
 * auth_pass for the smuggling probe only) and hand its outcome to r; then,
 * with --probe-smuggling, the smuggling probe likewise. When r already holds
 * the endpoint check (r->endpoint), the audit probes the address the check
 * connected to, reuses its TLS mode, does not repeat its findings, and does
 * not run at all when the check could not connect (the outcome then says
 * so). res is borrowed and may be NULL. Returns 0, or -1 on OOM. */
int audit_cli_run(const audit_cli *a, const endpoint_opts *eo, dns_resolver *res, result *r);

#endif
