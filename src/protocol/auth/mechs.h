/* mechs.h — the SASL mechanism descriptors, internal to protocol/auth/.
 *
 * Each mechanism file (plain.c, login.c, cram_md5.c) exports exactly one
 * const sasl_mech; sasl.c lists them in its table. Nothing outside
 * protocol/auth/ includes this: everyone else goes through sasl_find and
 * sasl_pick (sasl.h). */
#ifndef SMTPSCOPE_PROTOCOL_AUTH_MECHS_H
#define SMTPSCOPE_PROTOCOL_AUTH_MECHS_H

#include "protocol/auth/sasl.h"

#define SASL_MAX_RESPONSE 4096   /* raw response bytes, before base64 */

extern const sasl_mech sasl_mech_plain;     /* RFC 4616 */
extern const sasl_mech sasl_mech_login;     /* draft-murchison-sasl-login */
extern const sasl_mech sasl_mech_cram_md5;  /* RFC 2195 */

#endif
