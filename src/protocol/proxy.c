/* proxy.c — PROXY protocol v1/v2 headers (proxy.h).
 *
 * Reference: HAProxy's PROXY protocol specification ("proxy-protocol.txt"):
 * §2.1 the human-readable v1 line "PROXY TCP4|TCP6 src dst sport dport\r\n",
 * at most 107 bytes; §2.2 the binary v2 header: the 12-byte signature, one
 * byte version+command (0x21: version 2, PROXY), one byte family+transport
 * (0x11 TCP over IPv4, 0x21 TCP over IPv6), a 16-bit big-endian length of
 * the address block, then source address, destination address, source port
 * and destination port, all in network order. No TLVs are written. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/proxy.h"

static const unsigned char v2_signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                               0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

/* Fill out->family/ip from an address literal of n bytes (brackets allowed
 * around IPv6). */
static int parse_ip(const char *s, size_t n, proxy_endpoint *out, err *e)
{
    char tmp[64];
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof tmp)
        return err_set(e, ERRC_LOCAL_INPUT, "the PROXY source address is empty or too long");
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    memset(out->ip, 0, sizeof out->ip);
    if (inet_pton(AF_INET, tmp, out->ip) == 1) {
        out->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, out->ip) == 1) {
        out->family = 6;
        return 0;
    }
    return err_set(e, ERRC_LOCAL_INPUT,
                   "'%s' is not an IPv4 or IPv6 address (a PROXY header carries addresses, "
                   "not host names)",
                   tmp);
}

static int check_port(long port, err *e)
{
    if (port < 1 || port > 65535)
        return err_set(e, ERRC_LOCAL_INPUT, "the PROXY port must be 1 to 65535");
    return 0;
}

int proxy_endpoint_parse(const char *text, proxy_endpoint *out, err *e)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return err_set(e, ERRC_LOCAL_INPUT, "--proxy-source is required with --proxy: IP:PORT");
    const char *colon = strrchr(text, ':');
    /* An unbracketed IPv6 address has colons of its own: demand brackets so
     * "2001:db8::1:25" is not silently split at the wrong place. */
    if (!colon || colon == text)
        return err_set(e, ERRC_LOCAL_INPUT,
                       "--proxy-source needs IP:PORT (IPv6 as [2001:db8::1]:PORT)");
    if (memchr(text, ':', (size_t)(colon - text)) && text[0] != '[')
        return err_set(e, ERRC_LOCAL_INPUT,
                       "--proxy-source: write an IPv6 address in brackets: [2001:db8::1]:PORT");
    const char *p = colon + 1;
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5)
        return err_set(e, ERRC_LOCAL_INPUT, "--proxy-source: the port must be a number");
    long port = strtol(p, NULL, 10);
    if (check_port(port, e) < 0 || parse_ip(text, (size_t)(colon - text), out, e) < 0)
        return -1;
    if (text[0] == '[' && out->family != 6)
        return err_set(e, ERRC_LOCAL_INPUT, "--proxy-source: brackets are for IPv6 addresses");
    out->port = (uint16_t)port;
    return 0;
}

int proxy_endpoint_make(const char *ip, int port, proxy_endpoint *out, err *e)
{
    memset(out, 0, sizeof *out);
    if (!ip)
        return err_set(e, ERRC_LOCAL_INPUT, "no address for the PROXY header");
    if (check_port(port, e) < 0 || parse_ip(ip, strlen(ip), out, e) < 0)
        return -1;
    out->port = (uint16_t)port;
    return 0;
}

/* The 16-byte IPv6 form of an endpoint (IPv4 mapped as ::ffff:a.b.c.d). */
static void as_v6(const proxy_endpoint *p, unsigned char out[16])
{
    if (p->family == 6) {
        memcpy(out, p->ip, 16);
        return;
    }
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, p->ip, 4);
}

static int v1(const proxy_endpoint *src, const proxy_endpoint *dst, bool six, buf *out, err *e)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    if (six) {
        unsigned char a[16], b[16];
        as_v6(src, a);
        as_v6(dst, b);
        inet_ntop(AF_INET6, a, s, sizeof s);
        inet_ntop(AF_INET6, b, d, sizeof d);
    } else {
        inet_ntop(AF_INET, src->ip, s, sizeof s);
        inet_ntop(AF_INET, dst->ip, d, sizeof d);
    }
    char line[PROXY_V1_MAX + 1];
    int n = snprintf(line, sizeof line, "PROXY %s %s %s %u %u\r\n", six ? "TCP6" : "TCP4", s, d,
                     (unsigned)src->port, (unsigned)dst->port);
    if (n < 0 || (size_t)n > PROXY_V1_MAX)
        return err_set(e, ERRC_INTERNAL, "PROXY v1 line too long");
    if (buf_append(out, line, (size_t)n) < 0)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    return 0;
}

static int v2(const proxy_endpoint *src, const proxy_endpoint *dst, bool six, buf *out, err *e)
{
    unsigned char h[16 + 36];
    size_t n = 0;
    memcpy(h, v2_signature, sizeof v2_signature);
    n += sizeof v2_signature;
    h[n++] = 0x21;               /* version 2, command PROXY */
    h[n++] = six ? 0x21 : 0x11;  /* AF_INET6/AF_INET, STREAM */
    size_t alen = six ? 36 : 12;
    h[n++] = (unsigned char)(alen >> 8);
    h[n++] = (unsigned char)(alen & 0xff);
    if (six) {
        as_v6(src, h + n);
        as_v6(dst, h + n + 16);
        n += 32;
    } else {
        memcpy(h + n, src->ip, 4);
        memcpy(h + n + 4, dst->ip, 4);
        n += 8;
    }
    h[n++] = (unsigned char)(src->port >> 8);
    h[n++] = (unsigned char)(src->port & 0xff);
    h[n++] = (unsigned char)(dst->port >> 8);
    h[n++] = (unsigned char)(dst->port & 0xff);
    if (buf_append(out, h, n) < 0)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    return 0;
}

int proxy_header(int version, const proxy_endpoint *src, const proxy_endpoint *dst, buf *out,
                 err *e)
{
    if (!src || !dst || (src->family != 4 && src->family != 6) ||
        (dst->family != 4 && dst->family != 6))
        return err_set(e, ERRC_INTERNAL, "PROXY header without valid endpoints");
    /* One family for both addresses: IPv6 when either is IPv6. */
    bool six = src->family == 6 || dst->family == 6;
    switch (version) {
    case 1: return v1(src, dst, six, out, e);
    case 2: return v2(src, dst, six, out, e);
    default:
        return err_set(e, ERRC_LOCAL_INPUT, "PROXY protocol version %d: use 1 or 2", version);
    }
}
