/* account.h — where `send` and `check` get the server and the credentials
 * when they are not all on the command line: `--profile NAME` (config.h)
 * and `--preset NAME[:REGION]` (presets.h).
 *
 * Precedence, highest first: the command line, the profile, the preset, the
 * command's defaults. Only fields the command line left unset are filled.
 * The password keeps secret.h's rule (never argv): --password-file, else
 * SMTPSCOPE_PASSWORD, else the profile's password_file, else its
 * password_cmd, else the echo-free prompt. */
#ifndef SMTPSCOPE_FRONTEND_CLI_ACCOUNT_H
#define SMTPSCOPE_FRONTEND_CLI_ACCOUNT_H

#include <stdbool.h>

#include "checks/endpoint.h"
#include "core/err.h"
#include "frontend/cli/config.h"
#include "frontend/cli/presets.h"

typedef struct account {
    config cfg;                   /* loaded only with --profile */
    const config_profile *prof;   /* borrowed from cfg, or NULL */
    bool have_preset;
    preset_target preset;
    char *host;                   /* owned: HOST parsed from the profile's server */
} account;

/* HOST[:PORT] with [v6]:port and bare v6 literals; *port 0 when absent.
 * *host allocated (free()). -1 on a malformed argument or OOM. */
int account_parse_server(const char *arg, char **host, int *port);

/* Load --profile (from SMTPSCOPE_CONFIG when set, else the default path)
 * and --preset (either may be NULL) and fill what o leaves unset: host,
 * port, tls (when TLSM_AUTO), ca_file, helo, auth_user, and from when
 * want_from. Strings put into o are borrowed from a (keep a alive; free with
 * account_free). Returns 0, or -1 with e set (ERRC_LOCAL_INPUT naming the
 * option, the file and line, or the unknown profile). */
int account_load(const char *profile, const char *preset_spec, bool want_from, endpoint_opts *o,
                 account *a, err *e);

/* The password for user, by the order above. Allocated (free with
 * secret_free) or NULL with e set (ERRC_LOCAL_INPUT). */
char *account_password(const account *a, const char *password_file, const char *user, err *e);

void account_free(account *a);

#endif
