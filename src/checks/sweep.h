/* sweep.h — probe the usual SMTP ports of a host concurrently.
 *
 * `check HOST` without a port probes 25, 465, 587 and 2525 at the same time:
 * connect, read the banner (or, on 465, complete a TLS handshake first) and,
 * on plaintext ports, EHLO to see whether STARTTLS is offered. Each port gets
 * a one-line verdict a user can act on ("25: timed out — filtered; many ISPs
 * and clouds block outbound 25") and the best submission port is chosen for
 * the full check: 587 with STARTTLS, then 465, then 2525, then 25. */
#ifndef SMTPSCOPE_CHECKS_SWEEP_H
#define SMTPSCOPE_CHECKS_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "checks/endpoint.h"
#include "transport/tcp.h"

#define SWEEP_MAX_PORTS 8

typedef enum port_state {
    PORT_OPEN = 0,       /* connected and got a 2xx banner */
    PORT_REJECTING,      /* connected, banner was 4xx/5xx */
    PORT_REFUSED,
    PORT_TIMEOUT,
    PORT_UNREACHABLE,
    PORT_ERROR,          /* connected but the exchange failed (no banner, bad TLS...) */
} port_state;

const char *port_state_name(port_state s);  /* "open", "refused", ... */

typedef struct sweep_port {
    int port;
    port_state state;
    tls_mode tls;        /* IMPLICIT if TLS came first, STARTTLS if offered, NONE */
    int banner_code;     /* 0 if none */
    int64_t ms;          /* connect-to-verdict time */
    char *summary;       /* one line for people; owned */
} sweep_port;

typedef struct sweep_outcome {
    sweep_port ports[SWEEP_MAX_PORTS];
    size_t n;
    int best_port;       /* 0 if none reachable */
} sweep_outcome;

/* Probe o->sweep_ports (default 25, 465, 587, 2525; at most SWEEP_MAX_PORTS)
 * on addrs (borrowed) concurrently, each port under o->timeout_ms per step. A
 * port that sends no greeting is probed again with a TLS handshake, so
 * implicit TLS is recognised on any port. The best port is the first open one
 * in the order 587, 465, 2525, 25, then any other port in the order given.
 * o gives TLS settings (ca_file, helo). Returns 0, or -1 on OOM. */
int sweep_run(const endpoint_opts *o, const tcp_addr *addrs, size_t n_addrs, sweep_outcome *out);

void sweep_outcome_free(sweep_outcome *s);

#endif
