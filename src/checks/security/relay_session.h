/* relay_session.h — one SMTP session for the relay battery and the smuggling
 * probe: connect, greeting, EHLO, STARTTLS when offered (tls AUTO), EHLO
 * again, optional AUTH. Shared by relay.c and smuggling.c so both open
 * sessions the same way; nothing here judges relay or smuggling.
 *
 * Ownership: relay_session_open fills *s (client, TLS context, capabilities,
 * names: all owned by s); relay_session_close sends QUIT when the session is
 * still usable and frees everything. The transcript is borrowed. */
#ifndef SMTPSCOPE_CHECKS_SECURITY_RELAY_SESSION_H
#define SMTPSCOPE_CHECKS_SECURITY_RELAY_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "core/err.h"
#include "protocol/client.h"
#include "protocol/ehlo.h"
#include "protocol/transcript.h"
#include "transport/tcp.h"
#include "transport/tlsconn.h"

typedef struct relay_session_opts {
    int port;
    tls_mode tls;              /* AUTO: implicit on 465, else STARTTLS when offered */
    const char *servername;    /* SNI; NULL: none */
    const char *ca_file;
    const char *helo;          /* NULL: this machine's name */
    const char *auth_user;     /* NULL: no AUTH */
    const char *auth_pass;     /* borrowed secret */
    bool allow_plaintext_auth; /* --allow-plaintext-auth: AUTH without TLS */
    int64_t timeout_ms;        /* per operation */
} relay_session_opts;

typedef struct relay_session {
    smtp_client *cl;           /* owned; NULL when closed */
    tlsconn_ctx *tls;          /* owned; may be NULL */
    ehlo_caps caps;            /* from the last EHLO */
    bool tls_ok;               /* a TLS session is established */
    char address[64];          /* the address connected to */
    char *greeting_name;       /* owned: first word of the 220 text; may be NULL */
} relay_session;

/* Open a session on addrs[0..n) (tried in order). Returns 0 with the
 * session READY (after EHLO, and AUTH if asked), or -1 with e->msg saying
 * which step failed and e->stage set; *s is then closed and safe to close
 * again. A 4xx/5xx greeting or EHLO is ERRC_REJECTED with e->smtp_code. */
int relay_session_open(const relay_session_opts *o, const tcp_addr *addrs, size_t n,
                       transcript *t, relay_session *s, err *e);

/* QUIT (when the session is usable; bounded by timeout_ms) and free. NULL
 * members are fine; s is zeroed. */
void relay_session_close(relay_session *s, int64_t timeout_ms);

/* The EHLO name smtpscope uses: `given`, else this machine's host name
 * (or "localhost"). */
void relay_session_helo(char *out, size_t outsz, const char *given);

#endif
