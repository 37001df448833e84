/* proxy.h — the PROXY protocol header a client writes right after connect.
 *
 * A load balancer in front of an MTA tells the MTA who the real client is by
 * writing one header before any SMTP byte (HAProxy's PROXY protocol, text
 * version 1 and binary version 2). `smtpscope send --proxy v1|v2` plays that
 * balancer to test a server configured to expect it (Postfix:
 * smtpd_upstream_proxy_protocol = haproxy). The header goes before the
 * banner is read and, on an implicit-TLS port, before the TLS handshake: it
 * belongs to the TCP stream, not to SMTP. Only TCP over IPv4/IPv6 is
 * written; when source and destination families differ, both are written
 * as IPv6 (an IPv4 address as ::ffff:a.b.c.d) because the header has one
 * family for both. Reference: the PROXY protocol specification (HAProxy,
 * "proxy-protocol.txt", sections 2.1 and 2.2). Input is the user's
 * (--proxy-source) and our own connected address; no peer data. */
#ifndef SMTPSCOPE_PROTOCOL_PROXY_H
#define SMTPSCOPE_PROTOCOL_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define PROXY_V1_MAX 107   /* longest v1 line, CR LF included (spec §2.1) */

typedef struct proxy_endpoint {
    int family;               /* 4 or 6 */
    unsigned char ip[16];     /* network order; IPv4 in the first 4 bytes */
    uint16_t port;
} proxy_endpoint;

/* Parse "IP:PORT" (IPv4 "192.0.2.1:4711", IPv6 "[2001:db8::1]:4711"),
 * port 1..65535. Returns 0, or -1 with ERRC_LOCAL_INPUT and a sentence
 * saying what is wrong. */
int proxy_endpoint_parse(const char *text, proxy_endpoint *out, err *e);

/* An address literal without port ("127.0.0.1", "::1", brackets allowed)
 * plus a port. Same errors. */
int proxy_endpoint_make(const char *ip, int port, proxy_endpoint *out, err *e);

/* Append the version 1 (text) or 2 (binary) header for a proxied TCP
 * connection from src to dst to out. ERRC_LOCAL_INPUT for a bad version,
 * ERRC_INTERNAL when out cannot take it (cap or OOM; out unchanged). */
int proxy_header(int version, const proxy_endpoint *src, const proxy_endpoint *dst, buf *out,
                 err *e);

#endif
