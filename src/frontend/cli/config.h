/* config.h — the profile file: named server + account settings for
 * `--profile NAME` (`send` and `check`).
 *
 * Location: $XDG_CONFIG_HOME/smtpscope/config, else
 * ~/.config/smtpscope/config. Format (docs/cli/send.md#profiles), a small
 * INI subset:
 *
 *   # comment            ; comment too
 *   [profile work]
 *   server = smtp.example.com      # HOST or HOST:PORT
 *   port = 587
 *   tls = starttls                 # auto | starttls | implicit | none
 *   user = me@example.com
 *   password_cmd = pass show smtp/work   # or: password_file = ~/.smtp-pass
 *   from = Me <me@example.com>
 *   helo = laptop.example.com
 *   ca_file = /etc/ssl/private-ca.pem
 *
 * A password written into the file is refused (key `password`, `pass` or
 * `secret`), so secrets stay in a password manager or a file of their own.
 * The file is outside input: every line and the whole file are bounded,
 * unknown keys and sections are errors with their line number (a typo must
 * not silently drop a setting), and nothing here runs or opens anything but
 * the file itself. Fuzzed by tests/fuzz/fuzz_config.c. */
#ifndef SMTPSCOPE_FRONTEND_CLI_CONFIG_H
#define SMTPSCOPE_FRONTEND_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/endpoint.h"
#include "core/err.h"

#define CONFIG_MAX_FILE     (64 * 1024)  /* bytes */
#define CONFIG_MAX_LINE     1024         /* bytes, without the line ending */
#define CONFIG_MAX_PROFILES 64
#define CONFIG_MAX_NAME     64           /* profile name, [A-Za-z0-9._-] */

typedef struct config_profile {
    char *name;          /* owned; every string below owned or NULL when unset */
    char *server;        /* HOST or HOST:PORT ([v6]:PORT) as written */
    int port;            /* 0: unset */
    bool has_tls;
    tls_mode tls;
    char *user;
    char *password_cmd;  /* run with /bin/sh -c; first line is the password */
    char *password_file; /* a leading "~/" is expanded by config_expand_home */
    char *from;
    char *helo;
    char *ca_file;
    int line;            /* where its [profile] header is, for messages */
} config_profile;

typedef struct config {
    config_profile *v;   /* owned */
    size_t n;
    char *path;          /* owned; the file read, NULL when parsed from memory */
} config;

/* Parse text[0..len) (any bytes). origin names the file in messages.
 * Returns 0 with *out filled (free with config_free), or -1 with *out empty
 * and e set: ERRC_LOCAL_INPUT with "ORIGIN:LINE: what is wrong" (too long,
 * NUL or control bytes, bad section, unknown or repeated key, an inline
 * password, a bad port or tls value), ERRC_INTERNAL on OOM. */
int config_parse(const char *text, size_t len, const char *origin, config *out, err *e);

/* The default path (allocated; free()); NULL when neither XDG_CONFIG_HOME
 * nor HOME is set, or on OOM. */
char *config_default_path(void);

/* Read and parse path (NULL: the default path). A missing default file is
 * an empty config (0); a missing explicit file, an unreadable or oversized
 * one is ERRC_LOCAL_INPUT. */
int config_load(const char *path, config *out, err *e);

/* The profile called name (exact match), or NULL. Borrowed from c. */
const config_profile *config_find(const config *c, const char *name);

/* "~/x" -> "$HOME/x" (allocated); other paths copied. NULL on OOM or when
 * HOME is needed and unset. */
char *config_expand_home(const char *path);

void config_free(config *c);

#endif
