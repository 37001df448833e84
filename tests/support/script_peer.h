/* script_peer.h — a scripted SMTP peer for C unit tests: the one "server"
 * the client and delivery tests talk to.
 *
 * A peer runs in its own thread on one connection, either the far end of a
 * socketpair (script_peer_pair) or the first connection accepted on a
 * loopback listener at a kernel-chosen port (script_peer_listen), and plays a
 * script: read a line, read a message up to the final dot, send bytes at once
 * or one by one, close, or accept TLS with a caller-provided SSL_CTX. Every
 * byte the client sends is logged (up to SCRIPT_PEER_LOG_MAX), so a test can
 * check exactly what went on the wire. When the script ends without SP_CLOSE
 * the peer keeps logging until the client closes.
 *
 * Never hangs a test: every read, write, accept and TLS handshake of the peer
 * gives up after SCRIPT_PEER_IO_TIMEOUT_S seconds without progress (the peer
 * then closes, as on SP_CLOSE), so script_peer_wait always returns even when
 * the client never closes or never connects. SIGPIPE is blocked in the peer
 * thread, so a peer writing to a client that hung up cannot kill the test,
 * while the client code under test is still held to its own rules.
 *
 * Ownership: the peer copies the script (at most SCRIPT_PEER_MAX_STEPS
 * steps); the strings the steps point to are borrowed and must outlive the
 * peer (string literals or static buffers). The SSL_CTX is borrowed too and
 * must outlive the peer. Plain libc and OpenSSL: no cmocka, no project layer;
 * the constructors return NULL on failure and the test asserts. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_SCRIPT_PEER_H
#define SMTPSCOPE_TESTS_SUPPORT_SCRIPT_PEER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

typedef enum script_peer_op {
    SP_END = 0,     /* end of script: log until the client closes */
    SP_READ,        /* read up to and including the next LF */
    SP_READ_DATA,   /* read until the stream ends in CR LF . CR LF */
    SP_SEND,        /* send s in one write */
    SP_SEND_SLOW,   /* send s one byte at a time, 2 ms apart */
    SP_CLOSE,       /* stop here and close the connection */
    SP_TLS_ACCEPT,  /* TLS server handshake; all later I/O goes through TLS */
} script_peer_op;

typedef struct script_peer_step {
    script_peer_op op;
    const char *s;  /* SP_SEND, SP_SEND_SLOW: the bytes (NUL-terminated) */
} script_peer_step;

#define SCRIPT_PEER_MAX_STEPS 64
#define SCRIPT_PEER_LOG_MAX (4 * 1024 * 1024)
#define SCRIPT_PEER_IO_TIMEOUT_S 20

typedef struct script_peer {
    /* Read these only after script_peer_wait: */
    char *log;       /* what the client sent, NUL-terminated (cut at LOG_MAX - 1) */
    size_t loglen;
    bool timed_out;  /* the peer gave up waiting on the client */
    /* Set by script_peer_listen (0 for a socketpair peer): */
    int port;
    /* Private to script_peer.c: */
    int fd, lfd;
    SSL_CTX *tls;
    SSL *ssl;
    script_peer_step script[SCRIPT_PEER_MAX_STEPS];
    char in[16384];  /* read-ahead; consumed a byte at a time */
    size_t in_pos, in_len;
    char tail[5];    /* the stream's last bytes, whatever the log cap */
    pthread_t th;
    bool started, joined;
} script_peer;

/* A peer on one end of a new AF_UNIX socketpair; *client_fd is the other end,
 * owned by the caller (closing it ends the peer's final logging). tls may be
 * NULL when the script has no SP_TLS_ACCEPT. Returns NULL on failure (too
 * many steps, no socket, no thread). Free with script_peer_free. */
script_peer *script_peer_pair(const script_peer_step *script, SSL_CTX *tls, int *client_fd);

/* A peer behind a listener on 127.0.0.1, port chosen by the kernel (->port);
 * it accepts one connection and plays the script on it. Returns NULL on
 * failure. Free with script_peer_free. */
script_peer *script_peer_listen(const script_peer_step *script, SSL_CTX *tls);

/* Wait for the peer to finish (the client closed, the script closed, or the
 * peer timed out; a listener that never got a connection is woken). The log
 * is complete and NUL-terminated afterwards. Idempotent. */
void script_peer_wait(script_peer *p);

/* Waits if not yet done, then frees. NULL is ignored. */
void script_peer_free(script_peer *p);

#endif
