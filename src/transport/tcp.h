/* tcp.h — TCP connect with a deadline, across every address of a host.
 *
 * Addresses come from the caller (dns/ resolves names). Each address is tried
 * in order until one connects; every attempt — address, outcome, time — is
 * reported so the user sees "::1 refused, 127.0.0.1 connected in 2 ms". */
#ifndef SMTPSCOPE_TRANSPORT_TCP_H
#define SMTPSCOPE_TRANSPORT_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/err.h"
#include "transport/conn.h"

typedef struct tcp_addr {
    struct sockaddr_storage ss; /* port is set by tcp_connect_any */
    socklen_t len;
} tcp_addr;

typedef struct tcp_attempt {
    char addr[64];  /* "127.0.0.1" or "::1" */
    int64_t ms;     /* how long the attempt took */
    bool ok;
    err e;          /* why it failed (ERRC_CONNECTION refused/unreachable, ERRC_TIMEOUT) */
} tcp_attempt;

/* Parse an IPv4 or IPv6 literal (brackets allowed: "[::1]"). Returns 0 or -1. */
int tcp_addr_parse(const char *text, tcp_addr *out);

/* Numeric text of an address without port ("::1"). */
void tcp_addr_text(const tcp_addr *a, char *out, size_t outsz);

/* Try addrs[0..n) on `port` in order, each attempt bounded by timeout_ms.
 * On success returns a conn and sets *which to the index that connected. On
 * failure returns NULL with e describing the last attempt's failure.
 * attempts (may be NULL) receives an allocated array of n_attempts records
 * (caller frees with free()). */
conn *tcp_connect_any(const tcp_addr *addrs, size_t n, int port, int64_t timeout_ms,
                      tcp_attempt **attempts, size_t *n_attempts, size_t *which, err *e);

#endif
