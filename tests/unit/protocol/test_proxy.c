/* test_proxy.c — PROXY protocol headers (src/protocol/proxy.c): exact bytes
 * of v1 lines and v2 binary headers, and --proxy-source validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/proxy.h"

static const unsigned char SIG[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                      0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

static void header(int v, const char *src, const char *dst_ip, int dst_port, buf *out)
{
    proxy_endpoint s, d;
    err e;
    err_clear(&e);
    assert_int_equal(proxy_endpoint_parse(src, &s, &e), 0);
    assert_int_equal(proxy_endpoint_make(dst_ip, dst_port, &d, &e), 0);
    buf_init(out, 256);
    assert_int_equal(proxy_header(v, &s, &d, out, &e), 0);
}

static void v1_tcp4(void **state)
{
    (void)state;
    buf b;
    header(1, "192.0.2.7:4711", "127.0.0.1", 25, &b);
    assert_int_equal(b.len, strlen("PROXY TCP4 192.0.2.7 127.0.0.1 4711 25\r\n"));
    assert_memory_equal(b.data, "PROXY TCP4 192.0.2.7 127.0.0.1 4711 25\r\n", b.len);
    buf_free(&b);
}

static void v1_tcp6_and_mixed(void **state)
{
    (void)state;
    buf b;
    header(1, "[2001:db8::1]:65535", "::1", 587, &b);
    assert_string_equal(b.data, "PROXY TCP6 2001:db8::1 ::1 65535 587\r\n");
    buf_free(&b);
    /* One family for both: the IPv4 side is written v4-mapped. */
    header(1, "192.0.2.7:1", "::1", 25, &b);
    assert_string_equal(b.data, "PROXY TCP6 ::ffff:192.0.2.7 ::1 1 25\r\n");
    buf_free(&b);
}

static void v2_tcp4(void **state)
{
    (void)state;
    buf b;
    header(2, "192.0.2.7:4711", "127.0.0.1", 25, &b);
    static const unsigned char want[] = {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
        0x21,             /* version 2, PROXY */
        0x11,             /* AF_INET, STREAM */
        0x00, 0x0C,       /* 12 bytes of addresses */
        192, 0, 2, 7,     /* source */
        127, 0, 0, 1,     /* destination */
        0x12, 0x67,       /* 4711 */
        0x00, 0x19,       /* 25 */
    };
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    buf_free(&b);
}

static void v2_tcp6(void **state)
{
    (void)state;
    buf b;
    header(2, "[2001:db8::1]:4711", "::1", 587, &b);
    assert_int_equal(b.len, 16 + 36);
    assert_memory_equal(b.data, SIG, 12);
    const unsigned char *p = (const unsigned char *)b.data;
    assert_int_equal(p[12], 0x21);
    assert_int_equal(p[13], 0x21);   /* AF_INET6, STREAM */
    assert_int_equal(p[14], 0x00);
    assert_int_equal(p[15], 36);
    static const unsigned char src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                          0,    0,    0,    0,    0, 0, 0, 1};
    static const unsigned char dst[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_memory_equal(p + 16, src, 16);
    assert_memory_equal(p + 32, dst, 16);
    assert_int_equal(p[48], 0x12);
    assert_int_equal(p[49], 0x67);
    assert_int_equal(p[50], 0x02);   /* 587 = 0x024B */
    assert_int_equal(p[51], 0x4B);
    buf_free(&b);
}

static void v2_mixed_maps_v4(void **state)
{
    (void)state;
    buf b;
    header(2, "192.0.2.7:4711", "::1", 25, &b);
    const unsigned char *p = (const unsigned char *)b.data;
    assert_int_equal(p[13], 0x21);
    static const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                                             192, 0, 2, 7};
    assert_memory_equal(p + 16, mapped, 16);
    buf_free(&b);
}

static void bad_sources(void **state)
{
    (void)state;
    static const char *bad[] = {
        "", "192.0.2.7", "192.0.2.7:", "192.0.2.7:0", "192.0.2.7:65536", "192.0.2.7:25x",
        "host.example:25", "2001:db8::1:25", "[192.0.2.7]:25", "[2001:db8::1]", ":25",
        "192.0.2.7:-1", "999.0.2.7:25", "192.0.2.7:123456",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        proxy_endpoint p;
        err e;
        err_clear(&e);
        if (proxy_endpoint_parse(bad[i], &p, &e) != -1)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
    }
    proxy_endpoint p;
    err e;
    err_clear(&e);
    assert_int_equal(proxy_endpoint_parse(NULL, &p, &e), -1);
}

static void bad_version(void **state)
{
    (void)state;
    proxy_endpoint s, d;
    err e;
    err_clear(&e);
    assert_int_equal(proxy_endpoint_parse("192.0.2.7:1", &s, &e), 0);
    assert_int_equal(proxy_endpoint_make("127.0.0.1", 25, &d, &e), 0);
    buf b;
    buf_init(&b, 256);
    assert_int_equal(proxy_header(3, &s, &d, &b, &e), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_tcp4),         cmocka_unit_test(v1_tcp6_and_mixed),
        cmocka_unit_test(v2_tcp4),         cmocka_unit_test(v2_tcp6),
        cmocka_unit_test(v2_mixed_maps_v4), cmocka_unit_test(bad_sources),
        cmocka_unit_test(bad_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
