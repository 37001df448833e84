/* addr.h — parse and validate a mail address for MAIL FROM / RCPT TO and
 * for the From/To/Cc header fields (RFC 5321 §4.1.2, RFC 6531 §3.3).
 *
 * An address is `local@domain`: the local part a dot-string or a quoted
 * string, the domain a host name or an address literal ([192.0.2.1],
 * [IPv6:2001:db8::1]). A non-ASCII domain (an IDN such as bücher.example) is
 * converted to its A-label (xn--bcher-kva.example) with libidn2, so it needs
 * no extension; a non-ASCII local part can only travel with SMTPUTF8, which
 * the result says. Input is the user's (command line, profile), so every rule
 * and length limit (RFC 5321 §4.5.3.1) is checked and errors say which. */
#ifndef SMTPSCOPE_PROTOCOL_MESSAGE_ADDR_H
#define SMTPSCOPE_PROTOCOL_MESSAGE_ADDR_H

#include <stdbool.h>

#include "core/err.h"

#define ADDR_MAX_LOCAL  64   /* octets, RFC 5321 §4.5.3.1.1 */
#define ADDR_MAX_DOMAIN 255  /* octets, RFC 5321 §4.5.3.1.2 */
#define ADDR_MAX_PATH   254  /* local@domain; the path is 256 with < > (§4.5.3.1.3) */
#define ADDR_MAX_INPUT  1024 /* longest input looked at (a U-label domain grows shorter) */

typedef struct addr {
    char *local;    /* owned; as given, quotes included when quoted */
    char *domain;   /* owned; ASCII: host name, A-labels, or [literal] */
    char *mailbox;  /* owned; local "@" domain — what goes inside <...> */
    bool smtputf8;  /* the local part is non-ASCII: needs SMTPUTF8 (RFC 6531) */
    bool idn;       /* the domain was given as a U-label and converted */
    bool literal;   /* the domain is an address literal */
} addr;

/* Parse `in` (NUL-terminated, optionally wrapped in < >). On success fills
 * *out (free with addr_clear) and returns 0. Errors: ERRC_LOCAL_INPUT with a
 * sentence naming the rule broken (CR/LF and other control characters,
 * missing '@', bad dot-string or quoted string, lengths, invalid UTF-8, a
 * domain libidn2 rejects, a bad address literal), ERRC_INTERNAL on OOM.
 * *out is zeroed on failure. */
int addr_parse(const char *in, addr *out, err *e);

/* Free what addr_parse allocated; safe on a zeroed or cleared addr. */
void addr_clear(addr *a);

/* Split "Display Name <local@domain>" into its display name (NULL when
 * absent; surrounding white space and one level of double quotes removed,
 * backslash escapes undone) and address text (without < >). A string
 * without '<' is all address. Both outputs are allocated (free()).
 * ERRC_LOCAL_INPUT when the angle brackets are unbalanced or text follows
 * '>'; ERRC_INTERNAL on OOM. The parts still need validating (addr_parse). */
int addr_split_mailbox(const char *in, char **display, char **address, err *e);

#endif
