/* conn.c — deadline-bounded, buffered byte stream over a socket, with TLS
 * layered in once conn_set_ssl() is called (see conn.h).
 *
 * The socket is non-blocking; every operation loops over poll() with the time
 * left until its deadline, so a stalled peer costs at most that long. Line
 * reading keeps a small input buffer (capped: a line longer than the caller's
 * max fails as too long rather than growing without bound). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/clock.h"
/* ---- transport ---- */
#include "transport/conn.h"

#define CONN_READ_CHUNK 4096
/* The input buffer may hold a line of max_len plus one read's worth of
 * lookahead; this is the hard ceiling across all callers. */
#define CONN_INBUF_MAX (1024 * 1024)

struct conn {
    int fd;
    SSL *ssl;
    buf in;            /* received, not yet consumed */
    size_t consumed;   /* bytes of `in` handed out by the last read_line */
    uint64_t bytes_in, bytes_out;
};

conn *conn_from_fd(int fd)
{
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    c->fd = fd;
    buf_init(&c->in, CONN_INBUF_MAX);
    return c;
}

void conn_free(conn *c)
{
    if (!c)
        return;
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->fd >= 0)
        close(c->fd);
    buf_free(&c->in);
    free(c);
}

int conn_fd(const conn *c)
{
    return c->fd;
}

void conn_set_ssl(conn *c, SSL *ssl)
{
    if (c->ssl && c->ssl != ssl)
        SSL_free(c->ssl);
    c->ssl = ssl;
}

SSL *conn_ssl(const conn *c)
{
    return c->ssl;
}

uint64_t conn_bytes_in(const conn *c)
{
    return c->bytes_in;
}

uint64_t conn_bytes_out(const conn *c)
{
    return c->bytes_out;
}

int conn_wait(conn *c, int want_write, int64_t deadline, err *e)
{
    for (;;) {
        int64_t left = clock_remaining_ms(deadline);
        if (left <= 0)
            return err_set(e, ERRC_TIMEOUT, "timed out after waiting for the peer");
        struct pollfd p = {.fd = c->fd, .events = want_write ? POLLOUT : POLLIN};
        int n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (n > 0)
            return 0; /* readable, writable, or an error the next I/O call reports */
        if (n < 0 && errno != EINTR)
            return err_sys(e, ERRC_CONNECTION, errno, "poll failed");
    }
}

/* Drop bytes handed out by the previous conn_read_line. */
static void settle(conn *c)
{
    if (c->consumed) {
        buf_consume(&c->in, c->consumed);
        c->consumed = 0;
    }
}

static int ssl_io_error(conn *c, int ret, int *want_write, err *e)
{
    int code = SSL_get_error(c->ssl, ret);
    switch (code) {
    case SSL_ERROR_WANT_READ: *want_write = 0; return 1;
    case SSL_ERROR_WANT_WRITE: *want_write = 1; return 1;
    case SSL_ERROR_ZERO_RETURN: return err_set(e, ERRC_CLOSED, "the peer closed the TLS session");
    case SSL_ERROR_SYSCALL: {
        int saved = errno;
        ERR_clear_error();
        if (saved == 0 || saved == EPIPE || saved == ECONNRESET)
            return err_set(e, ERRC_CLOSED, "the peer closed the connection");
        return err_sys(e, ERRC_CONNECTION, saved, "TLS I/O failed");
    }
    default: {
        unsigned long ec = ERR_get_error();
        char reason[160] = "unknown TLS error";
        if (ec)
            ERR_error_string_n(ec, reason, sizeof reason);
        ERR_clear_error();
        err_set(e, ERRC_TLS, "TLS error: %s", reason);
        if (e)
            e->ssl_err = ec;
        return -1;
    }
    }
}

/* One read into the input buffer. Returns bytes read (>0), or -1 with e set
 * (ERRC_CLOSED at EOF). */
static ssize_t fill(conn *c, int64_t deadline, err *e)
{
    char chunk[CONN_READ_CHUNK];
    for (;;) {
        ssize_t n;
        int want_write = 0;
        if (c->ssl) {
            ERR_clear_error();
            int r = SSL_read(c->ssl, chunk, sizeof chunk);
            if (r > 0) {
                n = r;
            } else {
                int k = ssl_io_error(c, r, &want_write, e);
                if (k < 0)
                    return -1;
                if (conn_wait(c, want_write, deadline, e) < 0)
                    return -1;
                continue;
            }
        } else {
            n = recv(c->fd, chunk, sizeof chunk, 0);
            if (n == 0)
                return err_set(e, ERRC_CLOSED, "the peer closed the connection");
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    if (conn_wait(c, 0, deadline, e) < 0)
                        return -1;
                    continue;
                }
                if (errno == ECONNRESET)
                    return err_set(e, ERRC_CLOSED, "the peer reset the connection");
                return err_sys(e, ERRC_CONNECTION, errno, "read failed");
            }
        }
        if (buf_append(&c->in, chunk, (size_t)n) < 0)
            return err_set(e, ERRC_TOO_LONG, "peer sent more than %d bytes without a line end",
                           CONN_INBUF_MAX);
        c->bytes_in += (uint64_t)n;
        return n;
    }
}

int conn_read_line(conn *c, size_t max_len, int64_t deadline, const char **line, size_t *len,
                   int *bare_lf, err *e)
{
    settle(c);
    size_t scanned = 0;
    *line = NULL;
    *len = 0;
    if (bare_lf)
        *bare_lf = 0;
    for (;;) {
        char *nl = c->in.len > scanned ? memchr(c->in.data + scanned, '\n', c->in.len - scanned)
                                       : NULL;
        if (nl) {
            size_t end = (size_t)(nl - c->in.data);
            size_t l = end;
            int bare = 1;
            if (l > 0 && c->in.data[l - 1] == '\r') {
                l--;
                bare = 0;
            }
            if (l > max_len) {
                *line = c->in.data;
                *len = max_len;
                return err_set(e, ERRC_TOO_LONG, "line of %zu bytes exceeds the limit of %zu", l,
                               max_len);
            }
            c->in.data[l] = '\0'; /* overwrites CR or LF; the line is consumed anyway */
            c->consumed = end + 1;
            *line = c->in.data;
            *len = l;
            if (bare_lf)
                *bare_lf = bare;
            return 0;
        }
        scanned = c->in.len;
        if (c->in.len > max_len + 1) {
            *line = c->in.data;
            *len = max_len;
            return err_set(e, ERRC_TOO_LONG, "line exceeds the limit of %zu bytes", max_len);
        }
        if (fill(c, deadline, e) < 0) {
            /* Hand out what we have so the caller can show a partial line. */
            *line = c->in.data ? c->in.data : "";
            *len = c->in.len;
            c->consumed = c->in.len;
            return -1;
        }
    }
}

size_t conn_pending(const conn *c)
{
    return c->in.len - c->consumed;
}

size_t conn_drop_pending(conn *c)
{
    size_t n = conn_pending(c);
    c->consumed = 0;
    buf_reset(&c->in);
    return n;
}

int conn_write(conn *c, const void *p, size_t n, int64_t deadline, err *e)
{
    const char *s = p;
    while (n > 0) {
        ssize_t w;
        int want_write = 1;
        if (c->ssl) {
            ERR_clear_error();
            int chunk = n > 1 << 20 ? 1 << 20 : (int)n;
            int r = SSL_write(c->ssl, s, chunk);
            if (r > 0) {
                w = r;
            } else {
                int k = ssl_io_error(c, r, &want_write, e);
                if (k < 0)
                    return -1;
                if (conn_wait(c, want_write, deadline, e) < 0)
                    return -1;
                continue;
            }
        } else {
            w = send(c->fd, s, n, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    if (conn_wait(c, 1, deadline, e) < 0)
                        return -1;
                    continue;
                }
                if (errno == EPIPE || errno == ECONNRESET)
                    return err_set(e, ERRC_CLOSED, "the peer closed the connection");
                return err_sys(e, ERRC_CONNECTION, errno, "write failed");
            }
        }
        s += w;
        n -= (size_t)w;
        c->bytes_out += (uint64_t)w;
    }
    return 0;
}
