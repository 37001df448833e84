/* stage.c — stage names (see stage.h). */
#include <string.h>

#include "core/stage.h"

static const char *const names[STAGE__COUNT] = {
    [STAGE_NONE] = "none",         [STAGE_RESOLVE] = "resolve", [STAGE_CONNECT] = "connect",
    [STAGE_BANNER] = "banner",     [STAGE_EHLO] = "ehlo",       [STAGE_STARTTLS] = "starttls",
    [STAGE_TLS] = "tls",           [STAGE_EHLO_TLS] = "ehlo_tls", [STAGE_AUTH] = "auth",
    [STAGE_MAIL] = "mail",         [STAGE_RCPT] = "rcpt",       [STAGE_DATA] = "data",
    [STAGE_QUIT] = "quit",         [STAGE_MX] = "mx",           [STAGE_SPF] = "spf",
    [STAGE_DKIM] = "dkim",         [STAGE_DMARC] = "dmarc",     [STAGE_MTASTS] = "mtasts",
    [STAGE_TLSRPT] = "tlsrpt",     [STAGE_PTR] = "ptr",         [STAGE_HELO] = "helo",
    [STAGE_DNSBL] = "dnsbl",
    [STAGE_TLS_VERSIONS] = "tls_versions",
    [STAGE_TLS_CIPHERS] = "tls_ciphers",
    [STAGE_DANE] = "dane",
    [STAGE_INJECTION] = "injection",
    [STAGE_SMUGGLING] = "smuggling",
    [STAGE_RELAY] = "relay",
};

const char *stage_name(stage_id s)
{
    if ((int)s < 0 || s >= STAGE__COUNT)
        return "none";
    return names[s];
}

stage_id stage_from_name(const char *name)
{
    for (int i = 0; i < STAGE__COUNT; i++)
        if (name && strcmp(names[i], name) == 0)
            return (stage_id)i;
    return STAGE_NONE;
}
