/* secret.h — where a password comes from, never the command line.
 *
 * Order: --password-file FILE (first line), else the SMTPSCOPE_PASSWORD
 * environment variable, else an echo-free prompt on the controlling terminal.
 * With no terminal and no other source it fails, so scripts never hang on a
 * prompt. The returned string is wiped by secret_free(). */
#ifndef SMTPSCOPE_FRONTEND_CLI_SECRET_H
#define SMTPSCOPE_FRONTEND_CLI_SECRET_H

#include "core/err.h"

/* Returns an allocated secret (free with secret_free), or NULL with e set
 * (ERRC_LOCAL_INPUT, saying which source failed and how to give one). */
char *secret_obtain(const char *password_file, const char *prompt_user, err *e);

void secret_free(char *s);

#endif
