/* tls_hello.h — a hand-built TLS ClientHello and a parser for the server's
 * first answer, to learn which protocol version and cipher suite a server
 * would accept without a TLS library in the way.
 *
 * Why by hand: the OpenSSL 3 this runs on has 3DES, RC4, EXPORT (and more)
 * compiled out, so a handshake through it cannot even offer those suites.
 * Like testssl.sh's socket mode, we write the ClientHello bytes ourselves,
 * offering exactly the suites under test, read until the server's ServerHello
 * (or alert) and stop there: the handshake is never continued. No library the
 * project links provides this, so it is product code.
 *
 * Everything parsed here is untrusted peer data; the parser checks every
 * length field and never reads past the bytes it is given.
 * RFCs: 5246 (TLS 1.2 records, ClientHello/ServerHello, alerts), 2246/4346
 * (TLS 1.0/1.1), 6066 (server_name), 8422 (EC groups and point formats),
 * 5746 (renegotiation SCSV), 7685 (padding), 8446 §4.1.3 (downgrade
 * sentinel). */
#ifndef SMTPSCOPE_TRANSPORT_TLS_HELLO_H
#define SMTPSCOPE_TRANSPORT_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "transport/conn.h"

/* Protocol versions as they appear on the wire. */
enum {
    TLS_HELLO_SSL3 = 0x0300,
    TLS_HELLO_TLS10 = 0x0301,
    TLS_HELLO_TLS11 = 0x0302,
    TLS_HELLO_TLS12 = 0x0303,
};

/* The parser gives up when this many bytes brought no decision. */
#define TLS_HELLO_MAX_INPUT 16384
/* At most this many suites per hello (the IANA registry has ~350). */
#define TLS_HELLO_MAX_SUITES 1024

typedef enum tls_hello_kind {
    TLS_HELLO_UNDECIDED = 0, /* more bytes needed (parse returned 1) */
    TLS_HELLO_ACCEPTED,      /* a ServerHello: version + suite chosen */
    TLS_HELLO_REFUSED,       /* a fatal alert (or close_notify), or a hang-up without one */
    TLS_HELLO_NOT_TLS,       /* plain text (an SMTP reply such as "554 ...") */
    TLS_HELLO_GARBAGE,       /* bytes that are neither TLS nor text, or a broken TLS answer */
} tls_hello_kind;

typedef struct tls_hello_answer {
    tls_hello_kind kind;
    uint16_t version;        /* ACCEPTED: the version the server chose (supported_versions
                                extension if present, else ServerHello.server_version) */
    uint16_t suite;          /* ACCEPTED: the cipher suite the server chose */
    bool downgrade_sentinel; /* ACCEPTED: server_random ends in the RFC 8446 "DOWNGRD"
                                marker, i.e. the server also speaks a newer version */
    bool alert;              /* REFUSED by an alert: level/description are valid */
    uint8_t alert_level;     /* 1 warning, 2 fatal */
    uint8_t alert_desc;      /* e.g. 40 handshake_failure, 70 protocol_version */
    bool closed;             /* REFUSED because the peer closed without an alert */
    int smtp_code;           /* NOT_TLS: the 3-digit reply code it starts with, else 0 */
    char detail[200];        /* our one-line sentence (printable ASCII, no peer text) */
} tls_hello_answer;

/* Append to `out` one TLS record (record version 0x0301, which every server
 * accepts) holding a ClientHello: client_version = version (0x0300..0x0303),
 * 32 random bytes from RAND_bytes, an empty session id, suites[0..n) followed
 * by TLS_EMPTY_RENEGOTIATION_INFO_SCSV, null compression, and extensions
 * server_name (only when sni is a DNS name, not an IP literal), supported_groups
 * (x25519, secp256r1, secp384r1), ec_point_formats (uncompressed),
 * signature_algorithms (only for 0x0303: RFC 5246 §7.4.1.4.1 forbids it in
 * older hellos) and padding when the hello would be 256..511 bytes long (some
 * middleboxes hang on those). No supported_versions: this is a TLS <= 1.2
 * hello. Returns 0, or -1 for bad arguments (version out of range, n == 0 or
 * above TLS_HELLO_MAX_SUITES), a failing RNG, OOM or out's cap (out is then
 * left as it was). */
int tls_hello_build(buf *out, uint16_t version, const uint16_t *suites, size_t n,
                    const char *sni);

/* Decide from the first n bytes a server sent after our ClientHello. Pure: no
 * I/O, no allocation; reads only p[0..n). Returns 0 when decided (out->kind
 * ACCEPTED, REFUSED or NOT_TLS), 1 when more bytes are needed (kind
 * UNDECIDED), -1 when the bytes are not a sane answer or no decision came
 * within TLS_HELLO_MAX_INPUT bytes (kind GARBAGE). Warning alerts other than
 * close_notify are skipped (some servers send unrecognized_name before their
 * ServerHello). The parser does not know what was offered: the caller checks
 * that the chosen suite and version were (tls_hello_probe does). out->detail
 * always says what was seen. */
int tls_hello_parse(const unsigned char *p, size_t n, tls_hello_answer *out);

/* Send the ClientHello (tls_hello_build) on c — connected, in plaintext, right
 * after the STARTTLS 220 or at once for implicit TLS — and read until
 * tls_hello_parse decides, the peer closes, or `deadline` passes. Bytes c had
 * buffered before are dropped first (plaintext sent ahead of the handshake is
 * not the server's TLS answer). Never continues the handshake: the caller
 * closes c without a QUIT (the server now expects TLS records). Reads go
 * straight to the socket, so conn_bytes_in() does not count them. A hang-up
 * without an alert (or a reset) before any byte is REFUSED with out->closed
 * set, as servers that do not like a hello often just close. A ServerHello
 * choosing a suite we did not offer (or the SCSV), or a version above the one
 * offered, is GARBAGE (a protocol violation, not an acceptance). Returns 0
 * with *out filled (any kind but UNDECIDED), or -1 with e set:
 * ERRC_LOCAL_INPUT (bad arguments, c already in TLS), ERRC_INTERNAL (RNG,
 * OOM), ERRC_TIMEOUT, ERRC_CONNECTION, ERRC_CLOSED (write failed because the
 * peer had gone). */
int tls_hello_probe(conn *c, uint16_t version, const uint16_t *suites, size_t n, const char *sni,
                    int64_t deadline, tls_hello_answer *out, err *e);

/* "accepted" / "refused" / "not_tls" / "garbage" / "undecided". Static. */
const char *tls_hello_kind_name(tls_hello_kind k);

/* The RFC name of an alert description ("handshake_failure"), or NULL when
 * unknown. Static. */
const char *tls_hello_alert_name(uint8_t desc);

/* "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSLv3", or NULL. Static. */
const char *tls_hello_version_name(uint16_t version);

#endif
