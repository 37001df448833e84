/* dname.h — DNS wire-format names to presentation text (RFC 1035 §3.1, §5.1).
 *
 * Record parsers (MX, PTR, TLSA owner names, SPF targets) get names from
 * libunbound as uncompressed wire format and turn them into dotted text here.
 * The bytes come from the network: the decoder is strict and bounds-checked,
 * and the text it produces is safe to display (see dname_to_text). */
#ifndef SMTPSCOPE_DNS_DNAME_H
#define SMTPSCOPE_DNS_DNAME_H

#include <stddef.h>

/* Longest wire-format name, length octets and root label included. */
#define DNAME_WIRE_MAX 255
/* Output buffer size that fits any valid name: at most 250 label bytes (63-byte
 * labels force at least four length octets into 255), each escaped as \DDD
 * (4 chars), plus three dots and the NUL: 1004. */
#define DNAME_TEXT_MAX 1024

/* Decode the wire-format name at p (len bytes available) into out.
 *
 * Text form: labels joined by '.', no trailing dot; the root name is ".".
 * Letter case is kept. Inside a label, '.' and '\' become "\." and "\\", and
 * any byte outside 0x21..0x7E becomes \DDD (three decimal digits, RFC 1035
 * §5.1), so the text is printable ASCII and round-trips to the same name.
 *
 * Strict: compression pointers (top bits 11) and the obsolete extended label
 * types (01, 10 — which is also every "label longer than 63") are rejected,
 * as is a name over 255 octets or one that runs past len. libunbound hands us
 * rdata already decompressed, so a pointer here means malformed data.
 *
 * Returns 0 and sets *consumed (may be NULL) to the wire length including the
 * final zero octet; returns -1 on malformed input or when outsz is too small
 * (out then holds "" if outsz > 0). p may be NULL only when len is 0. */
int dname_to_text(const unsigned char *p, size_t len, size_t *consumed, char *out, size_t outsz);

#endif
