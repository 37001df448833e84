/* stage.h — the product-wide names of the stages of an SMTP check and the
 * sections of a domain report (what a finding belongs to).
 *
 * Lives in core because every layer tags its errors with the stage it was in
 * (the transport does not know SMTP, but its caller tells it which stage a
 * connect or read belongs to). Names are stable: they appear in JSON. */
#ifndef SMTPSCOPE_CORE_STAGE_H
#define SMTPSCOPE_CORE_STAGE_H

typedef enum stage_id {
    STAGE_NONE = 0,
    STAGE_RESOLVE,
    STAGE_CONNECT,
    STAGE_BANNER,
    STAGE_EHLO,
    STAGE_STARTTLS,
    STAGE_TLS,
    STAGE_EHLO_TLS,
    STAGE_AUTH,
    STAGE_MAIL,
    STAGE_RCPT,
    STAGE_DATA,
    STAGE_QUIT,
    /* sections of a domain report (checks/domain.h), in report order */
    STAGE_MX,
    STAGE_SPF,
    STAGE_DKIM,
    STAGE_DMARC,
    STAGE_MTASTS,
    STAGE_TLSRPT,
    STAGE_PTR,
    STAGE_HELO,
    STAGE_DNSBL,
    /* the security audit (checks/security/), in report order */
    STAGE_TLS_VERSIONS,
    STAGE_TLS_CIPHERS,
    STAGE_DANE,
    STAGE_INJECTION,
    STAGE_SMUGGLING,
    STAGE_RELAY,
    STAGE__COUNT
} stage_id;

/* Stable lower-case name ("resolve", "ehlo_tls", ...); "none" for STAGE_NONE
 * and for out-of-range values. Returns a static string. */
const char *stage_name(stage_id s);

/* Inverse of stage_name(); returns STAGE_NONE for an unknown name. */
stage_id stage_from_name(const char *name);

#endif
