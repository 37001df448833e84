/* test_conn.c — line reading with deadlines over a socketpair, and TCP
 * connects across several addresses (tcp.c). */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "transport/conn.h"
#include "transport/tcp.h"

static conn *pair(int *peer)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    *peer = sv[1];
    return conn_from_fd(sv[0]);
}

static void lines_crlf_and_bare_lf(void **state)
{
    (void)state;
    int peer;
    conn *c = pair(&peer);
    const char *data = "220 hello\r\n250-one\n250 two\r\n";
    assert_int_equal(write(peer, data, strlen(data)), (ssize_t)strlen(data));
    const char *line;
    size_t len;
    int bare;
    err e;
    err_clear(&e);
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(1000), &line, &len, &bare, &e), 0);
    assert_string_equal(line, "220 hello");
    assert_int_equal(bare, 0);
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(1000), &line, &len, &bare, &e), 0);
    assert_string_equal(line, "250-one");
    assert_int_equal(bare, 1);
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(1000), &line, &len, &bare, &e), 0);
    assert_string_equal(line, "250 two");
    assert_int_equal(conn_pending(c), 0);
    close(peer);
    conn_free(c);
}

static void too_long_timeout_eof(void **state)
{
    (void)state;
    int peer;
    conn *c = pair(&peer);
    const char *line;
    size_t len;
    err e;
    err_clear(&e);
    /* Nothing arrives: the deadline bounds the wait. */
    int64_t t0 = clock_now_ms();
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(200), &line, &len, NULL, &e), -1);
    assert_int_equal(e.cls, ERRC_TIMEOUT);
    assert_true(clock_now_ms() - t0 < 1000);
    /* A line over the limit fails as too long, not by growing. */
    char big[3000];
    memset(big, 'x', sizeof big);
    assert_int_equal(write(peer, big, sizeof big), (ssize_t)sizeof big);
    err_clear(&e);
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(1000), &line, &len, NULL, &e), -1);
    assert_int_equal(e.cls, ERRC_TOO_LONG);
    conn_free(c);
    close(peer);

    /* EOF mid-line: ERRC_CLOSED and the partial line handed out. */
    c = pair(&peer);
    assert_int_equal(write(peer, "220 partial", 11), 11);
    close(peer);
    err_clear(&e);
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(1000), &line, &len, NULL, &e), -1);
    assert_int_equal(e.cls, ERRC_CLOSED);
    assert_int_equal(len, 11);
    conn_free(c);
}

static void pending_is_dropped(void **state)
{
    (void)state;
    int peer;
    conn *c = pair(&peer);
    const char *data = "220 go ahead\r\n250 injected\r\n";
    assert_int_equal(write(peer, data, strlen(data)), (ssize_t)strlen(data));
    const char *line;
    size_t len;
    err e;
    err_clear(&e);
    assert_int_equal(conn_read_line(c, 512, clock_deadline_in(1000), &line, &len, NULL, &e), 0);
    assert_string_equal(line, "220 go ahead");
    assert_int_equal(conn_pending(c), strlen("250 injected\r\n"));
    assert_int_equal(conn_drop_pending(c), strlen("250 injected\r\n"));
    assert_int_equal(conn_pending(c), 0);
    close(peer);
    conn_free(c);
}

static int listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

static void connect_tries_every_address(void **state)
{
    (void)state;
    int port;
    int lfd = listener(&port);
    /* ::1 has nothing on that port (or no IPv6 at all): refused, then 127.0.0.1 works. */
    tcp_addr addrs[2];
    assert_int_equal(tcp_addr_parse("[::1]", &addrs[0]), 0);
    assert_int_equal(tcp_addr_parse("127.0.0.1", &addrs[1]), 0);
    tcp_attempt *at = NULL;
    size_t n = 0, which = 9;
    err e;
    err_clear(&e);
    conn *c = tcp_connect_any(addrs, 2, port, 2000, &at, &n, &which, &e);
    assert_non_null(c);
    assert_int_equal(n, 2);
    assert_int_equal(which, 1);
    assert_false(at[0].ok);
    assert_true(at[1].ok);
    assert_string_equal(at[1].addr, "127.0.0.1");
    free(at);
    conn_free(c);
    close(lfd);

    /* The listener is gone: refused, with errno kept for the diagnosis. */
    err_clear(&e);
    c = tcp_connect_any(&addrs[1], 1, port, 2000, NULL, NULL, NULL, &e);
    assert_null(c);
    assert_int_equal(e.cls, ERRC_CONNECTION);
    assert_int_equal(e.sys_errno, ECONNREFUSED);

    tcp_addr bad;
    assert_int_equal(tcp_addr_parse("not-an-ip", &bad), -1);
    assert_int_equal(tcp_addr_parse("[::1", &bad), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_crlf_and_bare_lf),
        cmocka_unit_test(too_long_timeout_eof),
        cmocka_unit_test(pending_is_dropped),
        cmocka_unit_test(connect_tries_every_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
