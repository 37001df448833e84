/* script_peer.c — the scripted SMTP peer of the unit tests (see
 * script_peer.h): one thread, one connection, one script interpreter for
 * both socketpair and TCP peers.
 *
 * Reads go through a small read-ahead buffer, so a megabyte message costs a
 * few hundred syscalls rather than a million; the steps still consume the
 * stream byte by byte, so SP_READ and SP_READ_DATA see exactly the line or
 * message boundaries they wait for, and the end-of-data match looks at the
 * stream's last bytes even once the log is full. Every blocking call is
 * bounded by SO_RCVTIMEO / SO_SNDTIMEO (and the listener's SO_RCVTIMEO for
 * accept), which is what keeps a test from hanging on a client that never
 * closes. */
#include "support/script_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = SCRIPT_PEER_IO_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static bool io_timed_out(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK;
}

static bool peer_write(script_peer *p, const char *s, size_t n)
{
    if (p->ssl)
        return SSL_write(p->ssl, s, (int)n) == (int)n;
    while (n > 0) {
        ssize_t w = send(p->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            p->timed_out = w < 0 && io_timed_out();
            return false;
        }
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* Refill the read-ahead buffer; false at EOF, error or timeout. */
static bool peer_fill(script_peer *p)
{
    for (;;) {
        errno = 0;
        ssize_t n = p->ssl ? SSL_read(p->ssl, p->in, (int)sizeof p->in)
                           : read(p->fd, p->in, sizeof p->in);
        if (n > 0) {
            p->in_pos = 0;
            p->in_len = (size_t)n;
            return true;
        }
        if (n < 0 && errno == EINTR && !p->ssl)
            continue;
        p->timed_out = n < 0 && io_timed_out();
        return false;
    }
}

/* Take one byte into the log (bounded) and the tail window. */
static bool peer_getc(script_peer *p)
{
    if (p->in_pos == p->in_len && !peer_fill(p))
        return false;
    char ch = p->in[p->in_pos++];
    if (p->loglen + 1 < SCRIPT_PEER_LOG_MAX)
        p->log[p->loglen++] = ch;
    memmove(p->tail, p->tail + 1, sizeof p->tail - 1);
    p->tail[sizeof p->tail - 1] = ch;
    return true;
}

static bool tail_is(const script_peer *p, const char *end)
{
    size_t n = strlen(end);
    return memcmp(p->tail + sizeof p->tail - n, end, n) == 0;
}

static bool read_until(script_peer *p, const char *end)
{
    do {
        if (!peer_getc(p))
            return false;
    } while (!tail_is(p, end));
    return true;
}

static bool tls_accept(script_peer *p)
{
    /* Bytes read ahead of the handshake would be lost to it; a client that
     * sent any before the 220 is broken, so the peer hangs up. */
    if (!p->tls || p->in_pos != p->in_len)
        return false;
    p->ssl = SSL_new(p->tls);
    if (!p->ssl || SSL_set_fd(p->ssl, p->fd) != 1 || SSL_accept(p->ssl) != 1) {
        p->timed_out = io_timed_out();
        return false;
    }
    return true;
}

static bool run_step(script_peer *p, const script_peer_step *s)
{
    switch (s->op) {
    case SP_READ: return read_until(p, "\n");
    case SP_READ_DATA: return read_until(p, "\r\n.\r\n");
    case SP_SEND: return peer_write(p, s->s, strlen(s->s));
    case SP_SEND_SLOW:
        for (const char *c = s->s; *c; c++) {
            if (!peer_write(p, c, 1))
                return false;
            nanosleep(&(struct timespec){.tv_nsec = 2 * 1000 * 1000}, NULL);
        }
        return true;
    case SP_TLS_ACCEPT: return tls_accept(p);
    case SP_CLOSE:
    case SP_END: break;
    }
    return false;
}

static void *peer_main(void *arg)
{
    script_peer *p = arg;
    /* A write to a client that already hung up raises SIGPIPE (OpenSSL writes
     * with write(2)); block it in this thread only. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    if (p->lfd >= 0) {
        do
            p->fd = accept(p->lfd, NULL, NULL);
        while (p->fd < 0 && errno == EINTR);
        if (p->fd < 0) {
            p->timed_out = io_timed_out();
            return NULL;
        }
        set_timeouts(p->fd);
    }
    const script_peer_step *s = p->script;
    while (s->op != SP_END && run_step(p, s))
        s++;
    if (s->op == SP_END) {
        /* Script over: log whatever else arrives until the client closes. */
        while (peer_getc(p))
            ;
    }
    SSL_free(p->ssl);
    p->ssl = NULL;
    shutdown(p->fd, SHUT_RDWR);
    close(p->fd);
    p->fd = -1;
    return NULL;
}

static script_peer *peer_new(const script_peer_step *script, SSL_CTX *tls)
{
    size_t n = 0;
    while (n < SCRIPT_PEER_MAX_STEPS && script[n].op != SP_END)
        n++;
    if (n == SCRIPT_PEER_MAX_STEPS)
        return NULL;   /* the last slot must hold SP_END */
    script_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->log = calloc(1, SCRIPT_PEER_LOG_MAX);
    if (!p->log) {
        free(p);
        return NULL;
    }
    memcpy(p->script, script, n * sizeof *script);   /* the rest stays SP_END */
    p->tls = tls;
    p->fd = -1;
    p->lfd = -1;
    return p;
}

static bool peer_start(script_peer *p)
{
    p->started = pthread_create(&p->th, NULL, peer_main, p) == 0;
    return p->started;
}

script_peer *script_peer_pair(const script_peer_step *script, SSL_CTX *tls, int *client_fd)
{
    script_peer *p = peer_new(script, tls);
    if (!p)
        return NULL;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        script_peer_free(p);
        return NULL;
    }
    p->fd = sv[1];
    set_timeouts(p->fd);
    if (!peer_start(p)) {
        close(sv[0]);
        script_peer_free(p);   /* closes sv[1] */
        return NULL;
    }
    *client_fd = sv[0];
    return p;
}

script_peer *script_peer_listen(const script_peer_step *script, SSL_CTX *tls)
{
    script_peer *p = peer_new(script, tls);
    if (!p)
        return NULL;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    p->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(p->lfd, 1) != 0 || getsockname(p->lfd, (struct sockaddr *)&a, &al) != 0) {
        script_peer_free(p);
        return NULL;
    }
    p->port = ntohs(a.sin_port);
    set_timeouts(p->lfd);   /* bounds accept() when no client ever comes */
    if (!peer_start(p)) {
        script_peer_free(p);
        return NULL;
    }
    return p;
}

void script_peer_wait(script_peer *p)
{
    if (!p || p->joined)
        return;
    /* Wakes an accept() still waiting when the client never connected. */
    if (p->lfd >= 0)
        shutdown(p->lfd, SHUT_RDWR);
    if (p->started)
        pthread_join(p->th, NULL);
    p->joined = true;
    if (p->lfd >= 0)
        close(p->lfd);
    p->lfd = -1;
    p->log[p->loglen] = '\0';
}

void script_peer_free(script_peer *p)
{
    if (!p)
        return;
    script_peer_wait(p);
    if (p->fd >= 0)
        close(p->fd);   /* a pair whose thread never started */
    free(p->log);
    free(p);
}
