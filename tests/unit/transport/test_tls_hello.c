/* test_tls_hello.c — the hand-built ClientHello and the ServerHello/alert
 * parser (transport/tls_hello.c).
 *
 * Three parts: the bytes tls_hello_build writes, decoded field by field;
 * tls_hello_parse on hand-written server answers (ServerHello, alerts, plain
 * SMTP text, every truncation, lying lengths); and tls_hello_probe against an
 * in-process OpenSSL server (security level 0, TLS 1.0 allowed; certificates
 * from tests/fixtures/mkcerts.sh in a fresh temporary directory) plus peers
 * that answer in plain text, hang up or stay silent. */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/buf.h"
#include "core/clock.h"
#include "transport/conn.h"
#include "transport/tls_hello.h"

#include "support/loopback.h"
#include "support/test_pki.h"
#include "support/tls_test_peer.h"

/* ---- decoding our own ClientHello ---- */

typedef struct hello_view {
    unsigned rec_version;
    unsigned client_version;
    uint16_t suites[2048];
    size_t n_suites;
    bool has_sni, has_groups, has_points, has_sigalgs, has_padding, has_versions;
    char sni[256];
    size_t hs_len; /* handshake message length including its 4-byte header */
} hello_view;

static unsigned g16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Decode with every length checked against the next (asserts on mismatch). */
static void decode_hello(const buf *b, hello_view *v)
{
    memset(v, 0, sizeof *v);
    const unsigned char *p = (const unsigned char *)b->data;
    assert_true(b->len > 9);
    assert_int_equal(p[0], 22);
    v->rec_version = g16(p + 1);
    assert_int_equal(g16(p + 3), b->len - 5);
    assert_int_equal(p[5], 1);
    size_t hl = (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8];
    assert_int_equal(hl, b->len - 9);
    v->hs_len = hl + 4;
    const unsigned char *h = p + 9, *end = h + hl;
    v->client_version = g16(h);
    h += 2 + 32;
    assert_int_equal(*h, 0); /* empty session id */
    h++;
    size_t sl = g16(h);
    h += 2;
    assert_int_equal(sl % 2, 0);
    assert_true(h + sl <= end);
    for (size_t i = 0; i < sl / 2; i++)
        v->suites[v->n_suites++] = (uint16_t)g16(h + 2 * i);
    h += sl;
    assert_int_equal(h[0], 1);
    assert_int_equal(h[1], 0);
    h += 2;
    size_t el = g16(h);
    h += 2;
    assert_true(h + el == end);
    while (h < end) {
        assert_true(end - h >= 4);
        unsigned type = g16(h), len = g16(h + 2);
        h += 4;
        assert_true(h + len <= end);
        switch (type) {
        case 0: {
            v->has_sni = true;
            assert_int_equal(g16(h), len - 2);
            assert_int_equal(h[2], 0);
            size_t nl = g16(h + 3);
            assert_int_equal(nl, len - 5);
            memcpy(v->sni, h + 5, nl);
            v->sni[nl] = '\0';
            break;
        }
        case 10:
            v->has_groups = true;
            assert_int_equal(g16(h), len - 2);
            assert_int_equal(len, 8);
            assert_int_equal(g16(h + 2), 0x001D);
            assert_int_equal(g16(h + 4), 0x0017);
            assert_int_equal(g16(h + 6), 0x0018);
            break;
        case 11:
            v->has_points = true;
            assert_int_equal(len, 2);
            assert_int_equal(h[0], 1);
            assert_int_equal(h[1], 0);
            break;
        case 13: {
            v->has_sigalgs = true;
            assert_int_equal(g16(h), len - 2);
            bool sha1 = false, sha256 = false, ecdsa_sha1 = false;
            for (unsigned i = 2; i + 1 < len; i += 2) {
                sha1 |= g16(h + i) == 0x0201;
                sha256 |= g16(h + i) == 0x0401;
                ecdsa_sha1 |= g16(h + i) == 0x0203;
            }
            assert_true(sha1 && sha256 && ecdsa_sha1);
            break;
        }
        case 21: v->has_padding = true; break;
        case 43: v->has_versions = true; break;
        default: fail_msg("unexpected extension %u", type);
        }
        h += len;
    }
}

static void build_basic(void **state)
{
    (void)state;
    const uint16_t suites[] = {0x000A, 0xC012};
    buf b;
    buf_init(&b, 8192);
    assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS10, suites, 2, "mx.example.test"), 0);
    hello_view v;
    decode_hello(&b, &v);
    assert_int_equal(v.rec_version, 0x0301);
    assert_int_equal(v.client_version, 0x0301);
    assert_int_equal(v.n_suites, 3);
    assert_int_equal(v.suites[0], 0x000A);
    assert_int_equal(v.suites[1], 0xC012);
    assert_int_equal(v.suites[2], 0x00FF);
    assert_true(v.has_sni);
    assert_string_equal(v.sni, "mx.example.test");
    assert_true(v.has_groups && v.has_points);
    assert_false(v.has_sigalgs); /* RFC 5246 §7.4.1.4.1: not below TLS 1.2 */
    assert_false(v.has_versions);
    assert_false(v.hs_len >= 256 && v.hs_len < 512);

    /* Two builds never share their random. */
    buf b2;
    buf_init(&b2, 8192);
    assert_int_equal(tls_hello_build(&b2, TLS_HELLO_TLS10, suites, 2, "mx.example.test"), 0);
    assert_int_equal(b.len, b2.len);
    assert_memory_not_equal(b.data + 11, b2.data + 11, 32);
    buf_free(&b2);

    buf_reset(&b);
    assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS12, suites, 2, "mx.example.test."), 0);
    decode_hello(&b, &v);
    assert_int_equal(v.rec_version, 0x0301);
    assert_int_equal(v.client_version, 0x0303);
    assert_true(v.has_sigalgs);
    assert_string_equal(v.sni, "mx.example.test"); /* no trailing dot on the wire */
    assert_false(v.hs_len >= 256 && v.hs_len < 512);
    buf_free(&b);
}

static void build_sni_only_for_names(void **state)
{
    (void)state;
    const uint16_t s = 0xC02F;
    const char *none[] = {NULL, "", "127.0.0.1", "::1", "[::1]", "a..b", ".", "bad name",
                          "caf\xc3\xa9.test", "10.0.0.300"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        buf b;
        buf_init(&b, 8192);
        assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS12, &s, 1, none[i]), 0);
        hello_view v;
        decode_hello(&b, &v);
        assert_false(v.has_sni);
        buf_free(&b);
    }
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    buf b;
    buf_init(&b, 8192);
    assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS12, &s, 1, longname), 0);
    hello_view v;
    decode_hello(&b, &v);
    assert_false(v.has_sni);
    buf_free(&b);
}

static void build_padding_and_limits(void **state)
{
    (void)state;
    uint16_t many[TLS_HELLO_MAX_SUITES + 1];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = (uint16_t)(0x1000 + i);
    /* Every suite count from 1 to 300: the hello never lands in 256..511. */
    for (size_t n = 1; n <= 300; n++) {
        buf b;
        buf_init(&b, 8192);
        assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS12, many, n, "mx.example.test"), 0);
        hello_view v;
        decode_hello(&b, &v);
        assert_int_equal(v.n_suites, n + 1);
        assert_false(v.hs_len >= 256 && v.hs_len < 512);
        buf_free(&b);
    }
    buf b;
    buf_init(&b, 8192);
    assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS12, many, TLS_HELLO_MAX_SUITES, NULL), 0);
    buf_reset(&b);
    assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS12, many, TLS_HELLO_MAX_SUITES + 1, NULL),
                     -1);
    assert_int_equal(tls_hello_build(&b, TLS_HELLO_TLS12, many, 0, NULL), -1);
    assert_int_equal(tls_hello_build(&b, 0x0304, many, 1, NULL), -1);
    assert_int_equal(tls_hello_build(&b, 0x0200, many, 1, NULL), -1);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    /* A cap too small leaves the buffer as it was. */
    buf small;
    buf_init(&small, 40);
    assert_int_equal(tls_hello_build(&small, TLS_HELLO_TLS12, many, 1, NULL), -1);
    assert_int_equal(small.len, 0);
    buf_free(&small);
}

/* ---- parsing hand-written answers ---- */

/* A ServerHello record: version, suite, optional extensions bytes. */
static size_t server_hello(unsigned char *out, unsigned rec_version, unsigned version,
                           unsigned suite, const unsigned char *ext, size_t ext_len,
                           const unsigned char *random_tail8)
{
    size_t body = 2 + 32 + 1 + 2 + 1 + (ext ? 2 + ext_len : 0);
    size_t k = 0;
    out[k++] = 22;
    out[k++] = (unsigned char)(rec_version >> 8);
    out[k++] = (unsigned char)rec_version;
    out[k++] = (unsigned char)((body + 4) >> 8);
    out[k++] = (unsigned char)(body + 4);
    out[k++] = 2;
    out[k++] = 0;
    out[k++] = (unsigned char)(body >> 8);
    out[k++] = (unsigned char)body;
    out[k++] = (unsigned char)(version >> 8);
    out[k++] = (unsigned char)version;
    for (int i = 0; i < 32; i++)
        out[k++] = (unsigned char)(0x40 + i);
    if (random_tail8)
        memcpy(out + k - 8, random_tail8, 8);
    out[k++] = 0; /* no session id */
    out[k++] = (unsigned char)(suite >> 8);
    out[k++] = (unsigned char)suite;
    out[k++] = 0;
    if (ext) {
        out[k++] = (unsigned char)(ext_len >> 8);
        out[k++] = (unsigned char)ext_len;
        memcpy(out + k, ext, ext_len);
        k += ext_len;
    }
    return k;
}

static void parse_server_hello_3des(void **state)
{
    (void)state;
    unsigned char m[128];
    size_t n = server_hello(m, 0x0301, 0x0301, 0x000A, NULL, 0, NULL);
    tls_hello_answer a;
    assert_int_equal(tls_hello_parse(m, n, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_ACCEPTED);
    assert_int_equal(a.version, 0x0301);
    assert_int_equal(a.suite, 0x000A);
    assert_false(a.downgrade_sentinel);
    assert_false(a.alert);
    assert_non_null(strstr(a.detail, "TLSv1.0"));
    assert_non_null(strstr(a.detail, "0x000A"));
    /* Every shorter prefix asks for more bytes. */
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(tls_hello_parse(m, k, &a), 1);
        assert_int_equal(a.kind, TLS_HELLO_UNDECIDED);
    }
    /* Bytes after the ServerHello (the Certificate in the same record, only
     * partly here) do not delay the decision. */
    unsigned char big[256];
    memcpy(big, m, n);
    size_t extra = 60;
    memset(big + n, 0x0B, extra);
    size_t rl = n - 5 + 1000;
    big[3] = (unsigned char)(rl >> 8);
    big[4] = (unsigned char)rl;
    assert_int_equal(tls_hello_parse(big, n + extra, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_ACCEPTED);
    assert_int_equal(a.suite, 0x000A);
}

static void parse_server_hello_extensions(void **state)
{
    (void)state;
    /* renegotiation_info (empty) and supported_versions = 0x0304 */
    const unsigned char ext[] = {0xFF, 0x01, 0x00, 0x01, 0x00, 0x00, 0x2B, 0x00, 0x02, 0x03, 0x04};
    unsigned char m[160];
    size_t n = server_hello(m, 0x0303, 0x0303, 0x1301, ext, sizeof ext, NULL);
    tls_hello_answer a;
    assert_int_equal(tls_hello_parse(m, n, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_ACCEPTED);
    assert_int_equal(a.version, 0x0304);
    assert_int_equal(a.suite, 0x1301);

    /* RFC 8446 downgrade marker: the server also speaks TLS 1.3. */
    const unsigned char dg[8] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, ext, 5, dg);
    assert_int_equal(tls_hello_parse(m, n, &a), 0);
    assert_int_equal(a.version, 0x0303);
    assert_true(a.downgrade_sentinel);

    /* A ServerHello fragmented over three records (1, 10, rest bytes). */
    unsigned char one[128], split[200];
    size_t on = server_hello(one, 0x0301, 0x0302, 0xC013, NULL, 0, NULL);
    const unsigned char *hs = one + 5;
    size_t hn = on - 5, cuts[] = {1, 10, hn - 11}, k = 0, at = 0;
    for (int i = 0; i < 3; i++) {
        split[k++] = 22;
        split[k++] = 3;
        split[k++] = 1;
        split[k++] = (unsigned char)(cuts[i] >> 8);
        split[k++] = (unsigned char)cuts[i];
        memcpy(split + k, hs + at, cuts[i]);
        k += cuts[i];
        at += cuts[i];
    }
    for (size_t j = 0; j < k; j++)
        assert_int_equal(tls_hello_parse(split, j, &a), 1);
    assert_int_equal(tls_hello_parse(split, k, &a), 0);
    assert_int_equal(a.version, 0x0302);
    assert_int_equal(a.suite, 0xC013);
}

static void parse_alerts(void **state)
{
    (void)state;
    tls_hello_answer a;
    const unsigned char hf[] = {21, 3, 1, 0, 2, 2, 40};
    assert_int_equal(tls_hello_parse(hf, sizeof hf, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_REFUSED);
    assert_true(a.alert);
    assert_int_equal(a.alert_level, 2);
    assert_int_equal(a.alert_desc, 40);
    assert_false(a.closed);
    assert_non_null(strstr(a.detail, "handshake_failure"));
    for (size_t k = 0; k < sizeof hf; k++)
        assert_int_equal(tls_hello_parse(hf, k, &a), 1);

    const unsigned char pv[] = {21, 3, 0, 0, 2, 2, 70};
    assert_int_equal(tls_hello_parse(pv, sizeof pv, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_REFUSED);
    assert_int_equal(a.alert_desc, 70);
    assert_string_equal(tls_hello_alert_name(70), "protocol_version");

    /* A warning (unrecognized_name) is skipped; the ServerHello decides. */
    unsigned char w[160] = {21, 3, 1, 0, 2, 1, 112};
    assert_int_equal(tls_hello_parse(w, 7, &a), 1);
    size_t n = 7 + server_hello(w + 7, 0x0303, 0x0303, 0xC02F, NULL, 0, NULL);
    assert_int_equal(tls_hello_parse(w, n, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_ACCEPTED);
    assert_int_equal(a.suite, 0xC02F);

    /* close_notify, even as a warning, ends it. */
    const unsigned char cn[] = {21, 3, 3, 0, 2, 1, 0};
    assert_int_equal(tls_hello_parse(cn, sizeof cn, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_REFUSED);
    assert_int_equal(a.alert_desc, 0);

    /* Two alerts in one record: the fatal second one counts. */
    const unsigned char two[] = {21, 3, 1, 0, 4, 1, 112, 2, 47};
    assert_int_equal(tls_hello_parse(two, sizeof two, &a), 0);
    assert_int_equal(a.alert_desc, 47);

    /* An alert after half a ServerHello. */
    unsigned char half[64];
    size_t hn = server_hello(half, 0x0303, 0x0303, 0xC02F, NULL, 0, NULL);
    (void)hn;
    half[3] = 0;
    half[4] = 10; /* the record holds 10 bytes of it */
    const unsigned char al[] = {21, 3, 3, 0, 2, 2, 80};
    memcpy(half + 15, al, sizeof al);
    assert_int_equal(tls_hello_parse(half, 15 + sizeof al, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_REFUSED);
    assert_int_equal(a.alert_desc, 80);
}

static void parse_plaintext(void **state)
{
    (void)state;
    tls_hello_answer a;
    const char *t = "220 mx.example.test ESMTP\r\n";
    assert_int_equal(tls_hello_parse((const unsigned char *)t, strlen(t), &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_NOT_TLS);
    assert_int_equal(a.smtp_code, 220);
    t = "554 5.7.0 no\r\n";
    assert_int_equal(tls_hello_parse((const unsigned char *)t, strlen(t), &a), 0);
    assert_int_equal(a.smtp_code, 554);
    assert_int_equal(tls_hello_parse((const unsigned char *)"5", 1, &a), 1);
    assert_int_equal(tls_hello_parse((const unsigned char *)"55", 2, &a), 1);
    assert_int_equal(tls_hello_parse((const unsigned char *)"5x", 2, &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_NOT_TLS);
    assert_int_equal(a.smtp_code, 0);
    t = "HTTP/1.1 400 Bad Request\r\n";
    assert_int_equal(tls_hello_parse((const unsigned char *)t, strlen(t), &a), 0);
    assert_int_equal(a.kind, TLS_HELLO_NOT_TLS);
    assert_int_equal(a.smtp_code, 0);
    assert_int_equal(tls_hello_parse((const unsigned char *)"", 0, &a), 1);
}

typedef struct bad_case {
    const char *name;
    unsigned char b[80];
    size_t n;
} bad_case;

static void parse_lying_lengths(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"empty handshake record", {22, 3, 1, 0, 0}, 5},
        {"record above 2^14", {22, 3, 1, 0x40, 0x01, 2}, 6},
        {"record version major 2", {22, 2}, 2},
        {"record version 3.9", {22, 3, 9}, 3},
        {"application data first", {23, 3, 3, 0, 1, 0}, 6},
        {"ChangeCipherSpec first", {20}, 1},
        {"binary noise", {0x80, 0x2e, 0x04}, 3},
        {"NUL byte", {0}, 1},
        {"Certificate before ServerHello", {22, 3, 1, 0, 4, 11, 0, 0, 0}, 9},
        {"ServerHello shorter than its fixed part", {22, 3, 1, 0, 4, 2, 0, 0, 37}, 9},
        {"ServerHello of 16 MB", {22, 3, 1, 0, 4, 2, 0xFF, 0xFF, 0xFF}, 9},
        {"alert of odd length", {21, 3, 1, 0, 3, 2, 40, 0}, 8},
        {"alert level 3", {21, 3, 1, 0, 2, 3, 40}, 7},
    };
    tls_hello_answer a;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("case: %s\n", cases[i].name);
        assert_int_equal(tls_hello_parse(cases[i].b, cases[i].n, &a), -1);
        assert_int_equal(a.kind, TLS_HELLO_GARBAGE);
        assert_true(a.detail[0] != '\0');
    }

    /* Lies inside a complete ServerHello. */
    unsigned char m[160];
    size_t n = server_hello(m, 0x0303, 0x0303, 0xC02F, NULL, 0, NULL);
    m[9 + 34] = 33; /* session id longer than 32 */
    assert_int_equal(tls_hello_parse(m, n, &a), -1);
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, NULL, 0, NULL);
    m[9 + 34] = 32; /* session id runs past the message */
    assert_int_equal(tls_hello_parse(m, n, &a), -1);
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, NULL, 0, NULL);
    m[n - 1] = 1; /* deflate, never offered */
    assert_int_equal(tls_hello_parse(m, n, &a), -1);
    n = server_hello(m, 0x0303, 0x0503, 0xC02F, NULL, 0, NULL);
    assert_int_equal(tls_hello_parse(m, n, &a), -1);

    const unsigned char ext_over[] = {0x00, 0x2B, 0x00, 0x09, 0x03, 0x03};
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, ext_over, sizeof ext_over, NULL);
    assert_int_equal(tls_hello_parse(m, n, &a), -1); /* extension longer than the block */
    const unsigned char sv_long[] = {0x00, 0x2B, 0x00, 0x03, 0x03, 0x03, 0x00};
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, sv_long, sizeof sv_long, NULL);
    assert_int_equal(tls_hello_parse(m, n, &a), -1);
    const unsigned char hdr_short[] = {0x00, 0x2B, 0x00};
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, hdr_short, sizeof hdr_short, NULL);
    assert_int_equal(tls_hello_parse(m, n, &a), -1);
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, hdr_short, 0, NULL);
    m[n - 1] = 5; /* extensions length 5, nothing follows */
    assert_int_equal(tls_hello_parse(m, n, &a), -1);
    n = server_hello(m, 0x0303, 0x0303, 0xC02F, NULL, 0, NULL);
    m[n++] = 0; /* a single stray byte where the extensions length would be */
    m[4] = (unsigned char)(m[4] + 1);
    m[8] = (unsigned char)(m[8] + 1);
    assert_int_equal(tls_hello_parse(m, n, &a), -1);
}

static void parse_gives_up_at_16k(void **state)
{
    (void)state;
    /* Warning alerts forever: no decision within the bound. */
    static unsigned char w[TLS_HELLO_MAX_INPUT + 7];
    for (size_t i = 0; i + 7 <= sizeof w; i += 7) {
        const unsigned char al[] = {21, 3, 1, 0, 2, 1, 112};
        memcpy(w + i, al, 7);
    }
    tls_hello_answer a;
    assert_int_equal(tls_hello_parse(w, TLS_HELLO_MAX_INPUT - 1, &a), 1);
    assert_int_equal(tls_hello_parse(w, TLS_HELLO_MAX_INPUT, &a), -1);
    assert_int_equal(a.kind, TLS_HELLO_GARBAGE);
    assert_int_equal(tls_hello_parse(w, sizeof w, &a), -1);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(tls_hello_kind_name(TLS_HELLO_ACCEPTED), "accepted");
    assert_string_equal(tls_hello_kind_name(TLS_HELLO_REFUSED), "refused");
    assert_string_equal(tls_hello_kind_name(TLS_HELLO_NOT_TLS), "not_tls");
    assert_string_equal(tls_hello_kind_name(TLS_HELLO_GARBAGE), "garbage");
    assert_string_equal(tls_hello_kind_name(TLS_HELLO_UNDECIDED), "undecided");
    assert_string_equal(tls_hello_alert_name(40), "handshake_failure");
    assert_null(tls_hello_alert_name(255));
    assert_string_equal(tls_hello_version_name(0x0301), "TLSv1.0");
    assert_string_equal(tls_hello_version_name(0x0303), "TLSv1.2");
    assert_null(tls_hello_version_name(0x0305));
}

/* ---- probing real peers ---- */

typedef enum peer_mode { PEER_TLS, PEER_SMTP_ERROR, PEER_CLOSE, PEER_SILENT } peer_mode;

typedef struct peer {
    peer_mode mode;
    int min_version;   /* PEER_TLS: lowest version the server allows */
    int lfd, port;
    SSL_CTX *ctx;
    pthread_t th;
} peer;

/* Read until the client goes away (at most 5 s). */
static void drain(int fd)
{
    char b[512];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, 5000) > 0 && read(fd, b, sizeof b) > 0)
        ;
}

static void *peer_main(void *arg)
{
    peer *s = arg;
    struct pollfd p = {.fd = s->lfd, .events = POLLIN};
    if (poll(&p, 1, 10000) <= 0)
        return NULL;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char b[4096];
    switch (s->mode) {
    case PEER_TLS: {
        /* The handshake fails once the client hangs up after our
         * ServerHello (or after the server's own alert): expected. */
        SSL *ssl = SSL_new(s->ctx);
        if (ssl) {
            SSL_set_fd(ssl, fd);
            SSL_accept(ssl);
            SSL_free(ssl);
        }
        ERR_clear_error();
        break;
    }
    case PEER_SMTP_ERROR: /* a plaintext server answering the binary hello */
        if (read(fd, b, sizeof b) > 0 && write(fd, "500 5.5.1 unknown command\r\n", 27) == 27)
            drain(fd);
        break;
    case PEER_CLOSE: /* takes the hello, then a clean FIN */
        if (read(fd, b, sizeof b) < 0)
            break;
        break;
    case PEER_SILENT: drain(fd); break;
    }
    close(fd);
    return NULL;
}

static void peer_start(peer *s)
{
    if (s->mode == PEER_TLS) {
        const char *cert = test_pki_path("good.pem"), *key = test_pki_path("good.key");
        s->ctx = SSL_CTX_new(TLS_server_method());
        assert_non_null(s->ctx);
        assert_int_equal(SSL_CTX_use_certificate_chain_file(s->ctx, cert), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM), 1);
        /* As permissive as this OpenSSL can be: whatever it still refuses,
         * it cannot do at all. */
        SSL_CTX_set_security_level(s->ctx, 0);
        assert_int_equal(SSL_CTX_set_cipher_list(s->ctx, "ALL:@SECLEVEL=0"), 1);
        assert_int_equal(SSL_CTX_set_min_proto_version(s->ctx, s->min_version), 1);
    }
    assert_int_equal(tls_test_peer_start(&s->lfd, &s->port, &s->th, peer_main, s), 0);
}

static void peer_stop(peer *s)
{
    tls_test_peer_stop(s->th, s->lfd, s->ctx);
}

static conn *dial(const peer *s)
{
    int fd = loopback_dial(s->port);
    assert_true(fd >= 0);
    conn *c = conn_from_fd(fd);
    assert_non_null(c);
    return c;
}

/* One probe against a fresh peer; returns probe's rc. */
static int probe_once(peer_mode mode, int min_version, uint16_t version, const uint16_t *suites,
                      size_t n, int64_t budget_ms, tls_hello_answer *a, err *e)
{
    peer s = {.mode = mode, .min_version = min_version};
    peer_start(&s);
    conn *c = dial(&s);
    err_clear(e);
    int rc = tls_hello_probe(c, version, suites, n, "localhost", clock_deadline_in(budget_ms), a,
                             e);
    conn_free(c);
    peer_stop(&s);
    return rc;
}

static void probe_openssl_modern_accepted(void **state)
{
    (void)state;
    const uint16_t modern = 0xC02F; /* ECDHE-RSA-AES128-GCM-SHA256 */
    tls_hello_answer a;
    err e;
    assert_int_equal(probe_once(PEER_TLS, TLS1_VERSION, TLS_HELLO_TLS12, &modern, 1, 10000, &a, &e),
                     0);
    assert_int_equal(a.kind, TLS_HELLO_ACCEPTED);
    assert_int_equal(a.version, 0x0303);
    assert_int_equal(a.suite, 0xC02F);
    /* OpenSSL 3 also speaks TLS 1.3, and says so in its random. */
    assert_true(a.downgrade_sentinel);

    /* TLS 1.0 is allowed by this peer: a 1.0 hello with a 1.0 suite is served at 1.0. */
    const uint16_t legacy = 0xC013; /* ECDHE-RSA-AES128-SHA */
    assert_int_equal(probe_once(PEER_TLS, TLS1_VERSION, TLS_HELLO_TLS10, &legacy, 1, 10000, &a, &e),
                     0);
    assert_int_equal(a.kind, TLS_HELLO_ACCEPTED);
    assert_int_equal(a.version, 0x0301);
    assert_int_equal(a.suite, 0xC013);
}

static void probe_openssl_refusals(void **state)
{
    (void)state;
    tls_hello_answer a;
    err e;
    /* This OpenSSL has no 3DES even at security level 0: the hello gets a
     * handshake_failure alert. */
    const uint16_t des3 = 0x000A;
    assert_int_equal(probe_once(PEER_TLS, TLS1_VERSION, TLS_HELLO_TLS12, &des3, 1, 10000, &a, &e),
                     0);
    assert_int_equal(a.kind, TLS_HELLO_REFUSED);
    assert_true(a.alert);
    assert_int_equal(a.alert_level, 2);
    assert_int_equal(a.alert_desc, 40);

    /* A server whose minimum is TLS 1.2 answers a TLS 1.0 hello with
     * protocol_version. */
    const uint16_t legacy = 0xC013;
    assert_int_equal(probe_once(PEER_TLS, TLS1_2_VERSION, TLS_HELLO_TLS10, &legacy, 1, 10000, &a,
                                &e),
                     0);
    assert_int_equal(a.kind, TLS_HELLO_REFUSED);
    assert_true(a.alert);
    assert_int_equal(a.alert_desc, 70);
}

static void probe_other_peers(void **state)
{
    (void)state;
    const uint16_t s = 0xC02F;
    tls_hello_answer a;
    err e;
    assert_int_equal(probe_once(PEER_SMTP_ERROR, 0, TLS_HELLO_TLS12, &s, 1, 10000, &a, &e), 0);
    assert_int_equal(a.kind, TLS_HELLO_NOT_TLS);
    assert_int_equal(a.smtp_code, 500);

    assert_int_equal(probe_once(PEER_CLOSE, 0, TLS_HELLO_TLS12, &s, 1, 10000, &a, &e), 0);
    assert_int_equal(a.kind, TLS_HELLO_REFUSED);
    assert_true(a.closed);
    assert_false(a.alert);
    assert_non_null(strstr(a.detail, "without an alert"));

    assert_int_equal(probe_once(PEER_SILENT, 0, TLS_HELLO_TLS12, &s, 1, 300, &a, &e), -1);
    assert_int_equal(e.cls, ERRC_TIMEOUT);
    assert_int_equal(a.kind, TLS_HELLO_UNDECIDED);

    /* Bad arguments never touch the wire. */
    assert_int_equal(tls_hello_probe(NULL, TLS_HELLO_TLS12, &s, 1, NULL, clock_deadline_in(100),
                                     &a, &e),
                     -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_basic),
        cmocka_unit_test(build_sni_only_for_names),
        cmocka_unit_test(build_padding_and_limits),
        cmocka_unit_test(parse_server_hello_3des),
        cmocka_unit_test(parse_server_hello_extensions),
        cmocka_unit_test(parse_alerts),
        cmocka_unit_test(parse_plaintext),
        cmocka_unit_test(parse_lying_lengths),
        cmocka_unit_test(parse_gives_up_at_16k),
        cmocka_unit_test(names),
        cmocka_unit_test(probe_openssl_modern_accepted),
        cmocka_unit_test(probe_openssl_refusals),
        cmocka_unit_test(probe_other_peers),
    };
    return cmocka_run_group_tests(tests, test_pki_setup, test_pki_teardown);
}
