/* tcp.c — connect to the first reachable address with a per-attempt
 * deadline, recording every attempt (see tcp.h). Non-blocking connect plus
 * poll, so an address that drops SYNs costs exactly the timeout, not the
 * kernel's two minutes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- core ---- */
#include "core/clock.h"
/* ---- transport ---- */
#include "transport/tcp.h"

int tcp_addr_parse(const char *text, tcp_addr *out)
{
    char tmp[64];
    size_t n = strlen(text);
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, text, n + 1);
    if (n >= 2 && tmp[0] == '[' && tmp[n - 1] == ']') {
        memmove(tmp, tmp + 1, n - 2);
        tmp[n - 2] = '\0';
    }
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, tmp, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        out->len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        out->len = sizeof *v6;
        return 0;
    }
    return -1;
}

void tcp_addr_text(const tcp_addr *a, char *out, size_t outsz)
{
    const void *src = a->ss.ss_family == AF_INET6
                          ? (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr
                          : (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
    if (!inet_ntop(a->ss.ss_family, src, out, (socklen_t)outsz) && outsz)
        out[0] = '\0';
}

static void set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* One attempt; returns a connected fd or -1 with e set. */
static int connect_one(const tcp_addr *a, int port, int64_t timeout_ms, err *e)
{
    struct sockaddr_storage ss = a->ss;
    set_port(&ss, port);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return err_sys(e, ERRC_CONNECTION, errno, "cannot create a socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int64_t deadline = clock_deadline_in(timeout_ms);
    if (connect(fd, (struct sockaddr *)&ss, a->len) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        int saved = errno;
        close(fd);
        return err_sys(e, ERRC_CONNECTION, saved, "connect failed");
    }
    for (;;) {
        int64_t left = clock_remaining_ms(deadline);
        if (left <= 0) {
            close(fd);
            return err_set(e, ERRC_TIMEOUT, "no answer to the connection attempt within %lld ms",
                           (long long)timeout_ms);
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            return err_sys(e, ERRC_CONNECTION, saved, "poll failed");
        }
        if (n == 0)
            continue;
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr == 0)
            return fd;
        close(fd);
        if (soerr == ETIMEDOUT)
            return err_sys(e, ERRC_TIMEOUT, soerr, "connect failed");
        return err_sys(e, ERRC_CONNECTION, soerr, "connect failed");
    }
}

conn *tcp_connect_any(const tcp_addr *addrs, size_t n, int port, int64_t timeout_ms,
                      tcp_attempt **attempts, size_t *n_attempts, size_t *which, err *e)
{
    tcp_attempt *log = n ? calloc(n, sizeof *log) : NULL;
    size_t logged = 0;
    conn *c = NULL;
    if (n == 0)
        err_set(e, ERRC_CONNECTION, "no address to connect to");
    for (size_t i = 0; i < n; i++) {
        err ae;
        err_clear(&ae);
        ae.stage = e ? e->stage : STAGE_CONNECT;
        int64_t t0 = clock_now_ms();
        int fd = connect_one(&addrs[i], port, timeout_ms, &ae);
        if (log) {
            tcp_attempt *at = &log[logged++];
            tcp_addr_text(&addrs[i], at->addr, sizeof at->addr);
            at->ms = clock_now_ms() - t0;
            at->ok = fd >= 0;
            at->e = ae;
        }
        if (fd >= 0) {
            c = conn_from_fd(fd);
            if (!c)
                err_set(e, ERRC_INTERNAL, "out of memory");
            else if (which)
                *which = i;
            break;
        }
        if (e) {
            stage_id st = e->stage;
            *e = ae;
            e->stage = st;
        }
    }
    if (attempts)
        *attempts = log;
    else
        free(log);
    if (n_attempts)
        *n_attempts = logged;
    return c;
}
