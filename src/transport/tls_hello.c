/* tls_hello.c — hand-built ClientHello, ServerHello/alert parser and the probe
 * that joins them (see tls_hello.h for why this exists at all).
 *
 * Product code written for smtpscope: no library we link can offer suites the
 * local OpenSSL has compiled out, so the wire format is written here from the
 * RFCs (5246 §6.2 records, §7.2 alerts, §7.4.1 hellos; 6066, 8422, 5746,
 * 7685). The parser is pure and bounded by TLS_HELLO_MAX_INPUT; the probe
 * owns nothing beyond its call (the conn stays the caller's). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/rand.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/clock.h"
/* ---- transport ---- */
#include "transport/conn.h"
#include "transport/tls_hello.h"

enum {
    REC_ALERT = 21,
    REC_HANDSHAKE = 22,
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    EXT_SERVER_NAME = 0,
    EXT_SUPPORTED_GROUPS = 10,
    EXT_EC_POINT_FORMATS = 11,
    EXT_SIGNATURE_ALGORITHMS = 13,
    EXT_PADDING = 21,
    EXT_SUPPORTED_VERSIONS = 43,
    SUITE_RENEGO_SCSV = 0x00FF,
    /* TLSPlaintext.length may not exceed 2^14 (RFC 5246 §6.2.1); a ServerHello
     * travels in plaintext records. */
    REC_MAX_PLAIN = 16384,
};

/* Big enough for TLS_HELLO_MAX_SUITES suites, a 253-byte SNI and every other
 * extension (about 2.7 KB at most). */
#define HELLO_BUF 4096

/* ---- building ---- */

typedef struct wr {
    unsigned char b[HELLO_BUF];
    size_t len;
    bool overflow;
} wr;

static void put8(wr *w, unsigned v)
{
    if (w->len + 1 > sizeof w->b) {
        w->overflow = true;
        return;
    }
    w->b[w->len++] = (unsigned char)v;
}

static void put16(wr *w, unsigned v)
{
    put8(w, (v >> 8) & 0xFF);
    put8(w, v & 0xFF);
}

static void put_bytes(wr *w, const void *p, size_t n)
{
    if (w->len + n > sizeof w->b) {
        w->overflow = true;
        return;
    }
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

/* Patch a length field of `width` bytes at `at` with the bytes written since
 * `from`. */
static void patch_len(wr *w, size_t at, int width, size_t from)
{
    if (w->overflow)
        return;
    size_t v = w->len - from;
    for (int i = width - 1; i >= 0; i--) {
        w->b[at + (size_t)i] = (unsigned char)(v & 0xFF);
        v >>= 8;
    }
}

static bool is_ldh(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

/* The length of sni to send as a HostName, or 0 when it must not be sent: RFC
 * 6066 §3 allows only DNS names (no IP literals, no trailing dot), and only
 * ASCII (the caller converts IDNs to A-labels). A numeric last label marks an
 * IPv4 literal (no top-level domain is all digits). */
static size_t sni_len(const char *sni)
{
    if (!sni)
        return 0;
    size_t n = strlen(sni);
    if (n > 0 && sni[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return 0;
    size_t label = 0;
    bool digits_only = true;
    for (size_t i = 0; i < n; i++) {
        if (sni[i] == '.') {
            if (label == 0)
                return 0;
            label = 0;
            digits_only = true;
            continue;
        }
        if (!is_ldh(sni[i]) || ++label > 63)
            return 0;
        if (sni[i] < '0' || sni[i] > '9')
            digits_only = false;
    }
    if (label == 0 || digits_only)
        return 0;
    return n;
}

/* TLS 1.2 SignatureAndHashAlgorithm / TLS 1.3 SignatureScheme codes: broad on
 * purpose, old servers included (SHA-1, SHA-224, DSA), so that no server
 * refuses for want of a signature it can make. */
static const uint16_t sigalgs[] = {
    0x0403, 0x0503, 0x0603,         /* ecdsa_secp256r1_sha256 .. secp521r1_sha512 */
    0x0807, 0x0808,                 /* ed25519, ed448 */
    0x0804, 0x0805, 0x0806,         /* rsa_pss_rsae_sha256/384/512 */
    0x0809, 0x080A, 0x080B,         /* rsa_pss_pss_sha256/384/512 */
    0x0401, 0x0501, 0x0601,         /* rsa_pkcs1_sha256/384/512 */
    0x0303, 0x0301, 0x0302,         /* ecdsa/rsa/dsa with SHA-224 */
    0x0402, 0x0502, 0x0602,         /* dsa with SHA-256/384/512 */
    0x0203, 0x0201, 0x0202,         /* ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1 */
};

/* x25519, secp256r1, secp384r1 (RFC 8422 §5.1.1, RFC 7748). */
static const uint16_t groups[] = {0x001D, 0x0017, 0x0018};

int tls_hello_build(buf *out, uint16_t version, const uint16_t *suites, size_t n,
                    const char *sni)
{
    if (!out || !suites || n == 0 || n > TLS_HELLO_MAX_SUITES || version < TLS_HELLO_SSL3 ||
        version > TLS_HELLO_TLS12)
        return -1;
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1)
        return -1;

    wr w = {.len = 0};
    /* Record header; the legacy 0x0301 record version is what servers of every
     * age accept in the first record (RFC 5246 appendix E.1). */
    put8(&w, REC_HANDSHAKE);
    put16(&w, TLS_HELLO_TLS10);
    size_t rec_len_at = w.len;
    put16(&w, 0);
    size_t rec_start = w.len;
    put8(&w, HS_CLIENT_HELLO);
    size_t hs_len_at = w.len;
    put8(&w, 0);
    put16(&w, 0);
    size_t hs_start = w.len;

    put16(&w, version);
    put_bytes(&w, random, sizeof random);
    put8(&w, 0); /* empty session id: nothing to resume */
    put16(&w, (unsigned)(2 * (n + 1)));
    for (size_t i = 0; i < n; i++)
        put16(&w, suites[i]);
    put16(&w, SUITE_RENEGO_SCSV); /* RFC 5746: says we do secure renegotiation */
    put8(&w, 1);
    put8(&w, 0); /* null compression only */

    size_t ext_len_at = w.len;
    put16(&w, 0);
    size_t ext_start = w.len;

    size_t sn = sni_len(sni);
    if (sn) {
        put16(&w, EXT_SERVER_NAME);
        put16(&w, (unsigned)(sn + 5));
        put16(&w, (unsigned)(sn + 3)); /* server_name_list */
        put8(&w, 0);                   /* host_name */
        put16(&w, (unsigned)sn);
        put_bytes(&w, sni, sn);
    }
    put16(&w, EXT_SUPPORTED_GROUPS);
    put16(&w, (unsigned)(2 + 2 * (sizeof groups / sizeof groups[0])));
    put16(&w, (unsigned)(2 * (sizeof groups / sizeof groups[0])));
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        put16(&w, groups[i]);
    put16(&w, EXT_EC_POINT_FORMATS);
    put16(&w, 2);
    put8(&w, 1);
    put8(&w, 0); /* uncompressed */
    if (version >= TLS_HELLO_TLS12) {
        put16(&w, EXT_SIGNATURE_ALGORITHMS);
        put16(&w, (unsigned)(2 + 2 * (sizeof sigalgs / sizeof sigalgs[0])));
        put16(&w, (unsigned)(2 * (sizeof sigalgs / sizeof sigalgs[0])));
        for (size_t i = 0; i < sizeof sigalgs / sizeof sigalgs[0]; i++)
            put16(&w, sigalgs[i]);
    }
    /* Some TLS terminators (F5, documented with RFC 7685) stall on a
     * ClientHello of 256..511 bytes; pad such a hello to 512. */
    size_t hs_total = w.len - hs_start + 4;
    if (hs_total >= 256 && hs_total < 512) {
        size_t pad = 512 - hs_total;
        pad = pad >= 5 ? pad - 4 : 1;
        static const unsigned char zeros[256];
        put16(&w, EXT_PADDING);
        put16(&w, (unsigned)pad);
        put_bytes(&w, zeros, pad);
    }
    patch_len(&w, ext_len_at, 2, ext_start);
    patch_len(&w, hs_len_at, 3, hs_start);
    patch_len(&w, rec_len_at, 2, rec_start);
    if (w.overflow || w.len - rec_start > REC_MAX_PLAIN)
        return -1;
    return buf_append(out, w.b, w.len) < 0 ? -1 : 0;
}

/* ---- parsing ---- */

static unsigned rd16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static int decide(tls_hello_answer *out, tls_hello_kind k, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int decide(tls_hello_answer *out, tls_hello_kind k, int rc, const char *fmt, ...)
{
    out->kind = k;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof out->detail, fmt, ap);
    va_end(ap);
    return rc;
}

#define GARBAGE(...) decide(out, TLS_HELLO_GARBAGE, -1, __VA_ARGS__)

/* Plain text instead of TLS: a server that never switched (or answers our
 * binary hello with an SMTP error such as "500 unrecognized command"). */
static int parse_text(const unsigned char *p, size_t n, tls_hello_answer *out)
{
    size_t digits = 0;
    while (digits < 3 && digits < n && p[digits] >= '0' && p[digits] <= '9')
        digits++;
    if (digits == n && n < 3)
        return decide(out, TLS_HELLO_UNDECIDED, 1, "plain text so far; waiting for a reply code");
    if (digits == 3) {
        out->smtp_code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
        return decide(out, TLS_HELLO_NOT_TLS, 0,
                      "the server answered the ClientHello in plain text (SMTP reply %d), "
                      "not TLS",
                      out->smtp_code);
    }
    return decide(out, TLS_HELLO_NOT_TLS, 0,
                  "the server answered the ClientHello in plain text, not TLS");
}

/* The first handshake message, collected from one or more records. Returns 0
 * (ACCEPTED), 1 (incomplete) or -1 (GARBAGE). */
static int parse_server_hello(const unsigned char *h, size_t n, tls_hello_answer *out)
{
    if (n < 1)
        return 1;
    if (h[0] != HS_SERVER_HELLO)
        return GARBAGE("the server's first handshake message has type %u, not ServerHello (2)",
                       h[0]);
    if (n < 4)
        return 1;
    size_t mlen = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    /* version 2 + random 32 + session id length 1 + suite 2 + compression 1 */
    if (mlen < 38)
        return GARBAGE("ServerHello of %zu bytes is shorter than its fixed fields", mlen);
    if (mlen > TLS_HELLO_MAX_INPUT)
        return GARBAGE("ServerHello claims %zu bytes (limit %d)", mlen, TLS_HELLO_MAX_INPUT);
    if (n < 4 + mlen)
        return 1;
    const unsigned char *b = h + 4;
    unsigned version = rd16(b);
    if (b[0] != 3 || b[1] > 4)
        return GARBAGE("ServerHello names an unknown protocol version 0x%04X", version);
    /* RFC 8446 §4.1.3: a TLS 1.3 server negotiating 1.2 or below ends its
     * random with "DOWNGRD" and 0x01 (for 1.2) or 0x00 (for older). */
    static const unsigned char sentinel[7] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};
    bool downgrade = memcmp(b + 2 + 24, sentinel, 7) == 0 && b[2 + 31] <= 1;
    size_t pos = 34;
    size_t sid = b[pos++];
    if (sid > 32)
        return GARBAGE("ServerHello session id of %zu bytes (at most 32 allowed)", sid);
    if (pos + sid + 3 > mlen)
        return GARBAGE("ServerHello is too short for its session id of %zu bytes", sid);
    pos += sid;
    unsigned suite = rd16(b + pos);
    pos += 2;
    unsigned comp = b[pos++];
    if (comp != 0)
        return GARBAGE("the server chose compression method %u, which was not offered", comp);
    if (pos < mlen) {
        if (mlen - pos < 2)
            return GARBAGE("ServerHello has a truncated extensions length");
        size_t elen = rd16(b + pos);
        pos += 2;
        if (elen != mlen - pos)
            return GARBAGE("ServerHello extensions claim %zu bytes but %zu follow", elen,
                           mlen - pos);
        while (pos < mlen) {
            if (mlen - pos < 4)
                return GARBAGE("ServerHello has a truncated extension header");
            unsigned type = rd16(b + pos);
            size_t len = rd16(b + pos + 2);
            pos += 4;
            if (len > mlen - pos)
                return GARBAGE("ServerHello extension %u claims %zu bytes but %zu remain", type,
                               len, mlen - pos);
            if (type == EXT_SUPPORTED_VERSIONS) {
                if (len != 2)
                    return GARBAGE("ServerHello supported_versions of %zu bytes (must be 2)",
                                   len);
                version = rd16(b + pos);
                if (b[pos] != 3 || b[pos + 1] > 4)
                    return GARBAGE("ServerHello selects unknown version 0x%04X", version);
            }
            pos += len;
        }
    }
    out->version = (uint16_t)version;
    out->suite = (uint16_t)suite;
    out->downgrade_sentinel = downgrade;
    const char *vn = tls_hello_version_name(out->version);
    return decide(out, TLS_HELLO_ACCEPTED, 0, "ServerHello: %s, cipher suite 0x%04X%s",
                  vn ? vn : "?", suite,
                  downgrade ? " (downgrade sentinel: the server also speaks TLS 1.3)" : "");
}

int tls_hello_parse(const unsigned char *p, size_t n, tls_hello_answer *out)
{
    memset(out, 0, sizeof *out);
    bool capped = n >= TLS_HELLO_MAX_INPUT;
    if (capped)
        n = TLS_HELLO_MAX_INPUT;
    if (n == 0)
        return decide(out, TLS_HELLO_UNDECIDED, 1, "nothing received yet");
    if (p[0] >= 0x20 && p[0] <= 0x7E)
        return parse_text(p, n, out);

    /* Handshake bytes gathered across records: a ServerHello may be split
     * over several (RFC 5246 §6.2.1 allows any fragmentation). */
    unsigned char hs[TLS_HELLO_MAX_INPUT];
    size_t hs_len = 0;
    size_t off = 0;
    while (off < n) {
        size_t avail = n - off;
        const unsigned char *r = p + off;
        unsigned type = r[0];
        if (type != REC_ALERT && type != REC_HANDSHAKE) {
            if (type >= 20 && type <= 24)
                return GARBAGE("a TLS record of type %u came before any ServerHello", type);
            return GARBAGE("byte 0x%02X at offset %zu is not the start of a TLS record", type,
                           off);
        }
        if (avail >= 2 && r[1] != 3)
            return GARBAGE("TLS record with version major %u (not 3)", r[1]);
        if (avail >= 3 && r[2] > 4)
            return GARBAGE("TLS record with unknown version 3.%u", r[2]);
        if (avail < 5)
            break;
        size_t len = rd16(r + 3);
        if (len == 0)
            return GARBAGE("empty TLS record of type %u", type);
        if (len > REC_MAX_PLAIN)
            return GARBAGE("TLS record of %zu bytes (the limit is %d)", len, REC_MAX_PLAIN);
        size_t have = avail - 5 < len ? avail - 5 : len;
        const unsigned char *body = r + 5;
        if (type == REC_ALERT) {
            if (len % 2)
                return GARBAGE("alert record of odd length %zu", len);
            /* Judge each complete alert; skip warnings except close_notify. */
            for (size_t i = 0; i + 2 <= have; i += 2) {
                unsigned level = body[i], desc = body[i + 1];
                if (level != 1 && level != 2)
                    return GARBAGE("alert with unknown level %u", level);
                if (level == 2 || desc == 0) {
                    out->alert = true;
                    out->alert_level = (uint8_t)level;
                    out->alert_desc = (uint8_t)desc;
                    const char *an = tls_hello_alert_name((uint8_t)desc);
                    return decide(out, TLS_HELLO_REFUSED, 0, "%s alert %s (%u)",
                                  level == 2 ? "fatal" : "warning", an ? an : "unknown", desc);
                }
            }
        } else {
            memcpy(hs + hs_len, body, have); /* hs_len + have <= n <= sizeof hs */
            hs_len += have;
            int k = parse_server_hello(hs, hs_len, out);
            if (k != 1)
                return k;
        }
        if (have < len)
            break;
        off += 5 + len;
    }
    if (capped)
        return GARBAGE("no ServerHello or alert within the first %d bytes", TLS_HELLO_MAX_INPUT);
    return decide(out, TLS_HELLO_UNDECIDED, 1, "incomplete answer (%zu bytes so far)", n);
}

/* ---- probing ---- */

static bool offered(uint16_t suite, const uint16_t *suites, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (suites[i] == suite)
            return true;
    return false;
}

int tls_hello_probe(conn *c, uint16_t version, const uint16_t *suites, size_t n, const char *sni,
                    int64_t deadline, tls_hello_answer *out, err *e)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !out || !suites || n == 0 || n > TLS_HELLO_MAX_SUITES ||
        version < TLS_HELLO_SSL3 || version > TLS_HELLO_TLS12)
        return err_set(e, ERRC_LOCAL_INPUT, "invalid ClientHello parameters");
    if (conn_ssl(c))
        return err_set(e, ERRC_LOCAL_INPUT, "the connection already speaks TLS");

    buf hello;
    buf_init(&hello, HELLO_BUF);
    if (tls_hello_build(&hello, version, suites, n, sni) < 0) {
        buf_free(&hello);
        return err_set(e, ERRC_INTERNAL, "could not build the ClientHello (RNG or memory)");
    }
    /* Whatever the server sent before our hello is not its TLS answer. */
    conn_drop_pending(c);
    int w = conn_write(c, hello.data, hello.len, deadline, e);
    buf_free(&hello);
    if (w < 0)
        return -1;

    unsigned char in[TLS_HELLO_MAX_INPUT];
    size_t len = 0;
    int fd = conn_fd(c);
    for (;;) {
        ssize_t r = recv(fd, in + len, sizeof in - len, 0);
        if (r > 0) {
            len += (size_t)r;
            if (tls_hello_parse(in, len, out) != 1)
                break;
            continue;
        }
        if (r == 0 || errno == ECONNRESET) {
            const char *how = r == 0 ? "closed" : "reset";
            if (len == 0) {
                out->closed = true;
                decide(out, TLS_HELLO_REFUSED, 0,
                       "the server %s the connection without an alert (taken as refused)", how);
            } else {
                decide(out, TLS_HELLO_GARBAGE, 0,
                       "the server %s the connection in the middle of its answer "
                       "(%zu bytes received)",
                       how, len);
            }
            return 0;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (conn_wait(c, 0, deadline, e) < 0) {
                if (e && e->cls == ERRC_TIMEOUT)
                    err_set(e, ERRC_TIMEOUT,
                            "no decisive answer to the ClientHello before the deadline "
                            "(%zu bytes received)",
                            len);
                return -1;
            }
            continue;
        }
        return err_sys(e, ERRC_CONNECTION, errno, "reading the answer to the ClientHello failed");
    }

    if (out->kind == TLS_HELLO_ACCEPTED) {
        if (out->suite == SUITE_RENEGO_SCSV || !offered(out->suite, suites, n)) {
            uint16_t s = out->suite;
            decide(out, TLS_HELLO_GARBAGE, 0,
                   "the server chose cipher suite 0x%04X, which was not offered (protocol "
                   "violation)",
                   s);
        } else if (out->version > version) {
            uint16_t v = out->version;
            decide(out, TLS_HELLO_GARBAGE, 0,
                   "the server chose version 0x%04X, above the 0x%04X offered (protocol "
                   "violation)",
                   v, version);
        }
    }
    return 0;
}

/* ---- names ---- */

const char *tls_hello_kind_name(tls_hello_kind k)
{
    switch (k) {
    case TLS_HELLO_UNDECIDED: return "undecided";
    case TLS_HELLO_ACCEPTED: return "accepted";
    case TLS_HELLO_REFUSED: return "refused";
    case TLS_HELLO_NOT_TLS: return "not_tls";
    case TLS_HELLO_GARBAGE: return "garbage";
    }
    return "garbage";
}

const char *tls_hello_alert_name(uint8_t desc)
{
    /* RFC 5246 §7.2, RFC 8446 §6, RFC 6066, RFC 7301, RFC 7507. */
    switch (desc) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 111: return "certificate_unobtainable";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 114: return "bad_certificate_hash_value";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    }
    return NULL;
}

const char *tls_hello_version_name(uint16_t version)
{
    switch (version) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1.0";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    }
    return NULL;
}
