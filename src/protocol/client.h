/* client.h — the SMTP client session: one command, one reply, recorded.
 *
 * A session owns a conn and appends every line it sends and receives to a
 * transcript (borrowed from the caller, who owns the run). It tracks the
 * protocol state so a caller cannot, say, send MAIL before a greeting; every
 * state change goes through one setter that records "STATE -> STATE" in the
 * trace. It never prints and never decides what a reply means for the user:
 * that is checks/. Secrets reach the wire through client_command_secret only,
 * which records the redacted form. RFCs: 5321 (SMTP), 3207 (STARTTLS: the
 * server's capabilities are forgotten after TLS and any plaintext read ahead
 * is discarded, §4.2), 4954 (AUTH), 2033 (LMTP: LHLO instead of EHLO). */
#ifndef SMTPSCOPE_PROTOCOL_CLIENT_H
#define SMTPSCOPE_PROTOCOL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "protocol/auth/sasl.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
#include "protocol/transcript.h"
#include "transport/conn.h"
#include "transport/tlsconn.h"

typedef enum client_state {
    CS_CONNECTED,   /* waiting for the greeting */
    CS_GREETED,
    CS_READY,       /* EHLO/HELO accepted */
    CS_MAIL,        /* MAIL accepted */
    CS_RCPT,        /* at least one RCPT accepted */
    CS_DATA,        /* DATA accepted (354), sending the body */
    CS_QUIT,
    CS_BROKEN,      /* I/O or protocol error: only client_free is useful */
    CS__COUNT
} client_state;

typedef struct smtp_client smtp_client;

typedef struct client_opts {
    bool lmtp;      /* LHLO instead of EHLO (RFC 2033) */
} client_opts;

/* Take ownership of conn; t is borrowed and must outlive the client.
 * NULL on OOM (conn is freed then). */
smtp_client *client_new(conn *c, transcript *t, const client_opts *o);

/* Free; closes the connection. NULL is a no-op. */
void client_free(smtp_client *cl);

client_state client_get_state(const smtp_client *cl);
const char *client_state_name(client_state s);

/* The states this session has been in, oldest first, joined by '>':
 * "CONNECTED>GREETED>READY>MAIL>RCPT>DATA>READY>QUIT". Bounded: only the
 * last 32 states are kept, and a leading "...>" says older ones were dropped.
 * Kept apart from the transcript (which is the wire record) for tests and
 * debugging. Borrowed; valid until the next call on cl. */
const char *client_state_trace(const smtp_client *cl);
conn *client_conn(smtp_client *cl);   /* borrowed */

/* Read one complete reply (e.g. the greeting) before deadline. On success
 * *out is an allocated reply (reply_free). On failure returns -1 with e set
 * (ERRC_TIMEOUT, ERRC_CLOSED, ERRC_PROTOCOL, ERRC_TOO_LONG, ...) and *out
 * NULL; the session is then CS_BROKEN. A syntactically valid 4xx/5xx reply is
 * NOT a failure here: the caller judges codes. */
int client_read_reply(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e);

/* Send one command line (no CR LF) and read its reply. Same contract as
 * client_read_reply; ERRC_LOCAL_INPUT if the line contains CR/LF/NUL.
 * The session enforces command order from the line's verb: MAIL needs
 * CS_READY, RCPT needs CS_MAIL/CS_RCPT, AUTH needs CS_READY, nothing but QUIT
 * before the greeting, and DATA/STARTTLS/BDAT must use their own functions;
 * misuse fails with ERRC_INTERNAL, nothing sent, state unchanged. A 2xx reply
 * moves the state: EHLO/HELO/LHLO -> CS_READY, MAIL -> CS_MAIL, RCPT ->
 * CS_RCPT, RSET -> CS_READY; any reply to QUIT -> CS_QUIT. */
int client_command(smtp_client *cl, const char *line, int64_t deadline, smtp_reply **out, err *e);

/* As client_command, but the transcript records `shown` instead of `line`
 * (e.g. "AUTH PLAIN <redacted>"). */
int client_command_secret(smtp_client *cl, const char *line, const char *shown, int64_t deadline,
                          smtp_reply **out, err *e);

/* Greeting: read the banner; moves to CS_GREETED on 2xx. */
int client_greeting(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e);

/* EHLO name (LHLO with lmtp). If the server answers 5xx to EHLO and
 * allow_helo_fallback, tries HELO and sets *used_helo. On a 2xx reply fills
 * caps (previous contents freed) and moves to CS_READY. */
int client_ehlo(smtp_client *cl, const char *name, bool allow_helo_fallback, int64_t deadline,
                smtp_reply **out, ehlo_caps *caps, bool *used_helo, err *e);

/* STARTTLS: send it; on 220, drop any bytes already buffered (recording how
 * many in *discarded — the server or a man in the middle injected them),
 * run the TLS handshake and fill *info; the session is back to CS_GREETED
 * and the caller must EHLO again (RFC 3207 §4.2). On a non-220 reply returns
 * 0 with *out set and no handshake (caller judges). *why tells why a
 * handshake failed. */
int client_starttls(smtp_client *cl, tlsconn_ctx *ctx, const char *servername, int64_t deadline,
                    smtp_reply **out, size_t *discarded, tls_info *info, tls_failure *why, err *e);

/* Implicit TLS (RFC 8314): handshake right after connect, before the
 * greeting. */
int client_tls_implicit(smtp_client *cl, tlsconn_ctx *ctx, const char *servername,
                        int64_t deadline, tls_info *info, tls_failure *why, err *e);

/* AUTH with mechanism `mech` and creds (borrowed). Returns 0 with *out the
 * final reply (235 on success; the caller judges other codes), or -1 on I/O
 * or protocol errors. Every client line of the exchange is recorded as
 * "<redacted>" (the AUTH line keeps its mechanism name). A 235 the
 * mechanism does not accept (SCRAM: the server never proved it knows the
 * password) returns -1 with ERRC_INSECURE and *out the 235. When the final
 * reply is not 235 and the mechanism learnt why (an OAuth error status, a
 * SCRAM e=), 0 is returned and e is set to ERRC_REJECTED with that sentence
 * (also recorded in the transcript). */
int client_auth(smtp_client *cl, const sasl_mech *mech, const sasl_creds *cr, int64_t deadline,
                smtp_reply **out, err *e);

/* DATA with a complete message (headers + body, any line endings): sends
 * DATA, on 354 sends the dot-stuffed message and reads the final reply.
 * *data_reply gets the reply to DATA itself, *out the final one (either may
 * be NULL on error). A DATA reply other than 354 returns 0 with *out NULL.
 * With lmtp, one final reply per accepted recipient is read (RFC 2033 §4.2)
 * and *out is the first that is not 2xx, else the last. */
int client_data(smtp_client *cl, const char *msg, size_t len, int64_t deadline,
                smtp_reply **data_reply, smtp_reply **out, err *e);

/* As client_data, but every final reply is returned: *finals is an
 * allocated array of *n_finals replies (free with client_replies_free, also
 * after an error: the replies read before it are there), one per accepted
 * recipient with LMTP, else one. A reply to DATA that cannot be DATA's (a
 * 2xx) is ERRC_PROTOCOL and breaks the session. */
int client_data_all(smtp_client *cl, const char *msg, size_t len, int64_t deadline,
                    smtp_reply **data_reply, smtp_reply ***finals, size_t *n_finals, err *e);

void client_replies_free(smtp_reply **v, size_t n);

/* Write bytes before the greeting (the PROXY protocol header, protocol/
 * proxy.h), recording `shown` (may be NULL) in the transcript. Only in
 * CS_CONNECTED, before implicit TLS too. Errors as conn_write; the session is
 * then broken. */
int client_write_preamble(smtp_client *cl, const void *p, size_t n, const char *shown,
                          int64_t deadline, err *e);

/* Most commands in one pipelined group. */
#define CLIENT_PIPELINE_MAX 100

/* RFC 2920 pipelining: write lines[0..n) (RSET, MAIL, RCPT; DATA only
 * last) in one write, then read one reply per command, in order, into
 * replies[] (caller's array of n; *n_replies tells how many were filled,
 * caller frees them). The group is checked first: a command out of order
 * is ERRC_INTERNAL, a bad line ERRC_LOCAL_INPUT, nothing written. Each
 * reply moves the state as client_command would; a 354 to DATA moves to
 * CS_DATA: then call client_data_send, or client_data_cancel when no RCPT
 * was accepted (RFC 2920 §3.1). A reply stream that does not fit the group
 * (see client.c) or extra replies after the last one fail with
 * ERRC_PROTOCOL and break the session; I/O errors as client_read_reply. */
int client_pipeline(smtp_client *cl, const char *const *lines, size_t n, int64_t deadline,
                    smtp_reply **replies, size_t *n_replies, err *e);

/* After a 354 (CS_DATA): stream the message (dot-stuffed, CR LF "." CR LF)
 * and read the final reply, or with LMTP one per accepted recipient; the
 * array as client_data_all. Bytes the server sent after its 354 and before
 * the body are ERRC_PROTOCOL; nothing is sent then. */
int client_data_send(smtp_client *cl, const char *msg, size_t len, int64_t deadline,
                     smtp_reply ***finals, size_t *n_finals, err *e);

/* After a 354 that no accepted recipient justifies: send a lone "." and
 * read the reply (*out, allocated); the session is CS_READY again. */
int client_data_cancel(smtp_client *cl, int64_t deadline, smtp_reply **out, err *e);

#endif
