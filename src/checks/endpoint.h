/* endpoint.h — the layered check of one SMTP endpoint.
 *
 * Runs resolve → connect → banner → ehlo → starttls → tls → ehlo_tls → auth
 * → mail → rcpt → data → quit against HOST:PORT, each stage under its own
 * deadline, and records for each stage its status, timing and the reply that
 * decided it, plus findings with advice for everything that is wrong. It
 * never prints and never exits: the outcome is data for report/. A failing
 * stage ends the run (later stages stay "skip") except that QUIT is still
 * attempted on a live connection, so the server's session ends politely. */
#ifndef SMTPSCOPE_CHECKS_ENDPOINT_H
#define SMTPSCOPE_CHECKS_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/finding.h"
#include "core/stage.h"
#include "dns/resolver.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "transport/tcp.h"
#include "transport/tlsinfo.h"

typedef enum tls_mode { TLSM_AUTO = 0, TLSM_STARTTLS, TLSM_IMPLICIT, TLSM_NONE } tls_mode;

/* Stable names "auto" / "starttls" / "implicit" / "none"; parse returns -1 for
 * an unknown name. */
const char *tls_mode_name(tls_mode m);
int tls_mode_parse(const char *s, tls_mode *out);

/* What `smtpscope send` delivers (NULL in endpoint_opts for `check`). The
 * envelope and the message are prepared by the caller (protocol/message/);
 * the session adds the MAIL parameters the server advertises and needs.
 * All strings borrowed. */
typedef struct endpoint_delivery {
    const char *mail_from;        /* envelope sender ("" for the null sender <>) */
    const char *const *rcpts;     /* envelope recipients (To + Cc + Bcc), at least one */
    size_t n_rcpts;
    const char *msg;              /* the whole message, CRLF, NOT dot-stuffed */
    size_t msg_len;
    const char *message_id;       /* its Message-ID (for the report), may be NULL */
    bool needs_8bitmime;          /* BODY=8BITMIME required (refused if not offered) */
    bool needs_smtputf8;          /* SMTPUTF8 required (refused if not offered: clear error) */
    bool no_pipelining;           /* --no-pipelining */
    bool lmtp;                    /* --protocol lmtp: LHLO, one final reply per recipient */
    const char *dsn_notify;       /* --dsn-notify NEVER|SUCCESS,FAILURE,DELAY (RFC 3461) */
    const char *dsn_ret;          /* --dsn-ret FULL|HDRS */
    const char *envid;            /* --envid (xtext-encoded on the wire) */
    const char *const *xclient;   /* --xclient NAME=VALUE (repeatable), when advertised */
    size_t n_xclient;
    int proxy_version;            /* --proxy v1|v2: 1 or 2; 0 none (PROXY protocol header) */
    const char *proxy_source;     /* --proxy-source IP:PORT (required with proxy_version) */
} endpoint_delivery;

/* Immutable options of one check; each field names the flag that sets it. */
typedef struct endpoint_opts {
    const char *host;          /* HOST of HOST[:PORT] */
    int port;                  /* :PORT; must be set (the sweep picks one otherwise) */
    tls_mode tls;              /* --tls */
    bool require_tls;          /* --require-tls */
    const char *ca_file;       /* --ca-file */
    const char *servername;    /* --servername (default: host, or the MX name) */
    bool insecure;             /* --insecure */
    const char *helo;          /* --helo (default: the local host name) */
    const char *auth_user;     /* --auth-user */
    const char *auth_pass;     /* SMTPSCOPE_PASSWORD / --password-file / prompt; borrowed secret */
    const char *auth_mech;     /* --auth MECH, NULL = strongest offered */
    const char *auth_token;    /* --oauth2-token-cmd / SMTPSCOPE_OAUTH2_TOKEN; borrowed secret */
    bool allow_plaintext_auth; /* --allow-plaintext-auth */
    const char *from;          /* --from */
    const char *const *to;     /* --to (repeatable) */
    size_t n_to;
    bool send;                 /* --send: DATA with a small test message */
    const endpoint_delivery *delivery; /* `send`: deliver this message; NULL for check */
    int64_t timeout_ms;        /* --timeout SECONDS, per stage */
    int family;                /* -4 / -6: 4 or 6; 0 both */
    bool follow_mx;            /* follow MX when the host has no address (default on) */
    const int *sweep_ports;    /* --ports LIST for the sweep; NULL: 25, 465, 587, 2525 */
    size_t n_sweep_ports;
} endpoint_opts;

typedef enum stage_status { SS_SKIP = 0, SS_PASS, SS_WARN, SS_FAIL } stage_status;
const char *stage_status_name(stage_status s);  /* "skip" / "pass" / "warn" / "fail" */

typedef struct stage_record {
    stage_status status;
    bool ran;               /* false: skipped, start_ms/ms meaningless */
    int64_t start_ms;       /* since the run began */
    int64_t ms;             /* duration */
    smtp_reply *reply;      /* the reply that decided the stage; owned; may be NULL */
    char *detail;           /* one line of what happened; owned; may be NULL */
} stage_record;

/* How one recipient (or the whole message) fared. */
typedef enum delivery_status {
    DELIVERY_NOT_TRIED = 0,  /* the run stopped before this recipient's verdict */
    DELIVERY_ACCEPTED,       /* 2xx (for LMTP: the recipient's final reply after DATA) */
    DELIVERY_DEFERRED,       /* 4xx: try again later */
    DELIVERY_BOUNCED,        /* 5xx: refused for good */
} delivery_status;

/* "not_tried" / "accepted" / "deferred" / "bounced". */
const char *delivery_status_name(delivery_status s);

typedef struct delivery_rcpt {
    char *address;           /* owned, as given (escaped for display) */
    delivery_status status;
    smtp_reply *reply;       /* owned: the reply that decided (RCPT, or the final reply
                                after DATA when that refused the message, or LMTP's) */
    char *explanation;       /* owned: explain's title for the reply's enhanced/basic
                                code ("Bad destination mailbox address"); may be NULL */
} delivery_rcpt;

typedef struct delivery_report {
    delivery_status status;  /* the message: accepted when DATA's final reply was 2xx
                                (LMTP: at least one recipient accepted) */
    bool partial;            /* accepted for some recipients and refused for others */
    bool pipelined;          /* MAIL/RCPT/DATA went in one write (RFC 2920) */
    char *message_id;        /* owned copy; may be NULL */
    size_t message_size;     /* octets of the message as given (before dot-stuffing) */
    char *queue_id;          /* owned: parsed from the final reply ("queued as 4Xy..."), or NULL */
    delivery_rcpt *rcpts;    /* owned, in envelope order */
    size_t n_rcpts;
} delivery_report;

typedef struct endpoint_outcome {
    char *host;              /* as given; owned */
    int port;
    char *address;           /* the address connected to; owned; NULL if none */
    char *mx_host;           /* the MX followed to, or NULL */
    tls_mode tls_used;       /* STARTTLS / IMPLICIT / NONE actually used */
    stage_record stages[STAGE__COUNT];   /* indexed by stage_id; [STAGE_NONE] unused */
    bool tls_ok;             /* a TLS session was established; tls is valid */
    tls_info tls;
    ehlo_caps caps;          /* capabilities from the last successful EHLO */
    bool have_caps;
    char *auth_mech_used;    /* owned; NULL if no AUTH */
    tcp_attempt *attempts;   /* every connect attempt; owned */
    size_t n_attempts;
    finding_list findings;
    transcript *transcript;  /* owned */
    delivery_report *delivery; /* owned; `send` only, else NULL */
    char **notes;            /* informational lines ("followed MX ..."); owned */
    size_t n_notes;
    int64_t total_ms;
} endpoint_outcome;

/* Run the check. resolver is borrowed (NULL: host must be an IP literal).
 * Always fills *out (free with endpoint_outcome_free), even when the first
 * stage fails; returns -1 only on OOM. */
int endpoint_run(const endpoint_opts *o, dns_resolver *resolver, endpoint_outcome *out);

void endpoint_outcome_free(endpoint_outcome *out);

#endif
