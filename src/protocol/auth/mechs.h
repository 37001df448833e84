/* mechs.h — the SASL mechanism descriptors, internal to protocol/auth/.
 *
 * Each mechanism file (plain.c, login.c, cram_md5.c, scram.c, oauth.c)
 * exports its const sasl_mech descriptors; sasl.c lists them in its table.
 * Nothing outside protocol/auth/ includes this: everyone else goes through
 * sasl_find and sasl_pick (sasl.h). Also the small helpers the mechanism
 * files share. */
#ifndef SMTPSCOPE_PROTOCOL_AUTH_MECHS_H
#define SMTPSCOPE_PROTOCOL_AUTH_MECHS_H

#include <stdbool.h>

#include "protocol/auth/sasl.h"

/* Raw response bytes, before base64. 9000 bytes encode to 12000 characters,
 * which with CR LF still fits RFC 4954 §4's 12288-octet response line; OAuth
 * access tokens (JWTs) can run to several kilobytes. */
#define SASL_MAX_RESPONSE 9000

extern const sasl_mech sasl_mech_plain;          /* RFC 4616 */
extern const sasl_mech sasl_mech_login;          /* draft-murchison-sasl-login */
extern const sasl_mech sasl_mech_cram_md5;       /* RFC 2195 */
extern const sasl_mech sasl_mech_scram_sha1;     /* RFC 5802 */
extern const sasl_mech sasl_mech_scram_sha256;   /* RFC 7677 */
extern const sasl_mech sasl_mech_xoauth2;        /* Google's XOAUTH2 */
extern const sasl_mech sasl_mech_oauthbearer;    /* RFC 7628 */

/* The step counter the simple mechanisms (PLAIN, LOGIN, CRAM-MD5) keep as
 * their whole state. */
typedef struct sasl_counter {
    int steps;
} sasl_counter;

/* Append `s` to out as an RFC 5802 §5.1 saslname: '=' becomes "=3D" and ','
 * becomes "=2C" (RFC 7628 reuses it for the gs2 "a=" field). -1 when out is
 * full. */
int sasl_append_saslname(buf *out, const char *s);

#endif
