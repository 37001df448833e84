/* oauth_token.h — where an OAuth 2.0 access token comes from (XOAUTH2,
 * OAUTHBEARER), never the command line itself.
 *
 * Order: --oauth2-token-cmd CMD, run as /bin/sh -c CMD with standard input
 * from /dev/null and its standard error passed through; the first line of
 * its standard output (CR/LF trimmed) is the token, and the command must
 * exit 0 within OAUTH_TOKEN_TIMEOUT_S seconds. Else the
 * SMTPSCOPE_OAUTH2_TOKEN environment variable. The token is never logged
 * or shown; every buffer that held it is wiped. */
#ifndef SMTPSCOPE_FRONTEND_CLI_OAUTH_TOKEN_H
#define SMTPSCOPE_FRONTEND_CLI_OAUTH_TOKEN_H

#include "core/err.h"

#define OAUTH_TOKEN_MAX 16384       /* bytes of token line */
#define OAUTH_TOKEN_TIMEOUT_S 60    /* for the command to print and exit */

/* 0 with *token an allocated token (free with secret_free), or with *token
 * NULL when neither source is configured; -1 with e set (ERRC_LOCAL_INPUT:
 * the command failed, timed out, printed nothing or too much; the message
 * never contains the output) and *token NULL. */
int oauth_token_obtain(const char *cmd, char **token, err *e);

#endif
