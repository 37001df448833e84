/* conn.h — a byte stream to a peer with deadlines on every operation.
 *
 * A conn owns a non-blocking socket and, after a TLS upgrade, the OpenSSL
 * SSL object layered on it; reads and writes go through TLS transparently
 * once one is attached (conn_set_ssl). Every blocking call takes an absolute
 * deadline (core/clock.h) and fails with ERRC_TIMEOUT when it passes, so no
 * peer can hold us longer than the caller allows. Reads are buffered for line
 * reading. The buffer can be inspected and dropped, which is how the STARTTLS
 * upgrade discards plaintext a server (or attacker) sent ahead of the TLS
 * handshake (CVE-2011-0411 class). The transport knows nothing of SMTP. */
#ifndef SMTPSCOPE_TRANSPORT_CONN_H
#define SMTPSCOPE_TRANSPORT_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct conn conn;
typedef struct ssl_st SSL;

/* Wrap a connected socket. Takes ownership of fd (closed by conn_free) and
 * makes it non-blocking. Returns NULL on OOM (fd is closed then). */
conn *conn_from_fd(int fd);

/* Close and free; also frees an attached SSL. NULL is a no-op. */
void conn_free(conn *c);

int conn_fd(const conn *c);

/* Attach an SSL object whose handshake is complete; the conn takes
 * ownership. Subsequent I/O is encrypted. */
void conn_set_ssl(conn *c, SSL *ssl);

/* The attached SSL, borrowed; NULL before TLS. */
SSL *conn_ssl(const conn *c);

/* Write all n bytes before `deadline`. Returns 0, or -1 with e set
 * (ERRC_TIMEOUT, ERRC_CLOSED, ERRC_CONNECTION, ERRC_TLS). */
int conn_write(conn *c, const void *p, size_t n, int64_t deadline, err *e);

/* Read one line ending in LF. On success *line points at the line without
 * its CR LF (borrowed: valid until the next read on c; NUL-terminated; may
 * contain NUL bytes, so use *len), *bare_lf tells whether the CR was missing,
 * and 0 is returned. A line longer than max_len bytes fails with
 * ERRC_TOO_LONG (the connection is then unusable for lines). EOF fails with
 * ERRC_CLOSED (any partial line is returned through *line and *len all the same
 * so the caller can show it). Untrusted peer data. */
int conn_read_line(conn *c, size_t max_len, int64_t deadline, const char **line, size_t *len,
                   int *bare_lf, err *e);

/* Bytes received and buffered but not yet returned by conn_read_line. */
size_t conn_pending(const conn *c);

/* Drop buffered bytes (before a TLS upgrade). Returns how many were dropped. */
size_t conn_drop_pending(conn *c);

/* Wait until the socket is readable/writable or the deadline passes.
 * want_write selects the direction. Returns 0, or -1 with ERRC_TIMEOUT. */
int conn_wait(conn *c, int want_write, int64_t deadline, err *e);

/* Totals, for statistics. */
uint64_t conn_bytes_in(const conn *c);
uint64_t conn_bytes_out(const conn *c);

#endif
