/* presets.h — built-in provider presets for `--preset NAME[:REGION]`
 * (`send` and `check`) and `smtpscope providers`.
 *
 * A preset is the submission endpoint a provider documents: host, port, TLS
 * mode and the username convention ("apikey" for SendGrid, the server token
 * for Postmark, the full address elsewhere). Each entry in presets.c cites
 * the provider page it was checked against. The table is static and
 * read-only; nothing here allocates or does I/O. */
#ifndef SMTPSCOPE_FRONTEND_CLI_PRESETS_H
#define SMTPSCOPE_FRONTEND_CLI_PRESETS_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/endpoint.h"
#include "core/err.h"

#define PRESET_HOST_MAX 256
#define PRESET_REGION_MAX 32

typedef struct preset {
    const char *name;        /* what --preset takes: "gmail" */
    const char *title;       /* "Gmail / Google Workspace" */
    const char *host;        /* host name; for a regional preset a pattern with one %s */
    int port;
    tls_mode tls;            /* TLSM_STARTTLS or TLSM_IMPLICIT */
    const char *fixed_user;  /* the username every account uses ("apikey"), or NULL */
    const char *user_hint;   /* what the username is, in words */
    const char *secret_hint; /* what the password is, in words */
    const char *default_region; /* regional presets only, else NULL */
    const char *doc;         /* the provider page the entry was checked against */
} preset;

/* The whole table in display order; *n receives its length. */
const preset *preset_table(size_t *n);

/* Exact, case-insensitive name lookup; NULL when unknown. */
const preset *preset_find(const char *name);

/* The endpoint a --preset argument names. */
typedef struct preset_target {
    const preset *p;                 /* borrowed, static */
    char host[PRESET_HOST_MAX];      /* with the region filled in */
    char region[PRESET_REGION_MAX];  /* "" for a preset without regions */
    int port;
    tls_mode tls;
} preset_target;

/* Parse "NAME" or "NAME:REGION" (REGION only for regional presets such as
 * ses; lower-case letters, digits and '-', at most 31 characters). Returns
 * 0 with *out filled, or -1 with e set (ERRC_LOCAL_INPUT: the sentence names
 * --preset and lists the known names, or says what is wrong with REGION). */
int preset_resolve(const char *spec, preset_target *out, err *e);

#endif
