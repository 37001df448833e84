/* https.h — one bounded HTTPS GET over libcurl, for fetching small policy
 * files (the MTA-STS policy, RFC 8461 §3.3).
 *
 * Deliberately narrow: https:// only (no other scheme, also not after a
 * redirect), the certificate chain and the host name always verified (there
 * is no "insecure" switch), redirects never followed but reported, the body
 * capped (64 KiB by default), one absolute deadline for the whole exchange,
 * no proxy, no cookies, no compression. Tests point a host:port at a local
 * server with connect_to (CURLOPT_CONNECT_TO): the URL's name still decides
 * the SNI, the Host header and the name the certificate must carry.
 *
 * Every failure is classified (https_failure) so the caller can give advice;
 * only OOM and bad options are errors of the call. Response text (status
 * line data, headers, body) is untrusted peer data: content_type and location
 * are escaped for display, the body is raw bytes for a parser. */
#ifndef SMTPSCOPE_TRANSPORT_HTTPS_H
#define SMTPSCOPE_TRANSPORT_HTTPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HTTPS_BODY_MAX 65536   /* default body cap: RFC 8461 §3.3's 64 KiB */
#define HTTPS_RESOLVE_MAX 16   /* addresses pinned for the URL's host */

typedef struct https_opts {
    int64_t deadline;          /* absolute (clock_deadline_in); required */
    const char *ca_file;       /* --ca-file: trust these CAs; NULL: the system store */
    const char *connect_to;    /* "ADDR:PORT" (IPv6 in brackets) to connect to instead of
                                  the URL's host:port; NULL: connect normally (testing hook) */
    const char *const *addrs;  /* numeric addresses the URL's host resolves to (from our own
                                  resolver, so --dns applies); n_addrs 0: libcurl resolves */
    size_t n_addrs;
    size_t max_body;           /* 0: HTTPS_BODY_MAX */
    const char *media_type;    /* required Content-Type media type ("text/plain"; parameters
                                  such as charset are ignored); NULL: any */
} https_opts;

typedef enum https_failure {
    HTTPSF_NONE = 0,           /* 200 with an acceptable body */
    HTTPSF_RESOLVE,            /* the host name did not resolve */
    HTTPSF_CONNECT,            /* TCP connect failed (refused, unreachable) */
    HTTPSF_TIMEOUT,            /* the deadline passed */
    HTTPSF_TLS,                /* no TLS session (handshake failed, alert) */
    HTTPSF_CERT,               /* the certificate was refused: untrusted, expired, or not
                                  for the host name; cert_error says why */
    HTTPSF_REDIRECT,           /* a 3xx answer (not followed); location says where */
    HTTPSF_STATUS,             /* any other non-200 status */
    HTTPSF_CONTENT_TYPE,       /* 200 but not the required media type */
    HTTPSF_TOO_LARGE,          /* the body exceeded max_body (nothing kept) */
    HTTPSF_OTHER,              /* anything else (protocol error, ...); detail says what */
} https_failure;

typedef struct https_response {
    https_failure failure;
    long status;               /* HTTP status; 0 when no response */
    char *content_type;        /* owned, escaped; NULL when none */
    char *location;            /* owned, escaped: a redirect's target; NULL when none */
    char *body;                /* owned, NUL-terminated raw bytes (untrusted); body_len long;
                                  NULL unless failure is NONE or CONTENT_TYPE */
    size_t body_len;
    char *address;             /* owned: the numeric address connected to; NULL if none */
    char *detail;              /* owned: one sentence about a failure (libcurl's words,
                                  escaped); NULL on success */
    int64_t ms;                /* time taken */
} https_response;

/* GET url (must start with "https://", at most 2048 bytes) under o. Fills
 * *out (free its fields with https_response_clear) and returns 0 whenever the
 * attempt ran, successful or not: out->failure says how it ended. Returns -1
 * with e set and *out cleared only for ERRC_LOCAL_INPUT (not an https URL, a
 * bad connect_to or address) or ERRC_INTERNAL (OOM, libcurl could not be
 * initialised). Safe to call from several threads at once (one handle each). */
int https_get(const char *url, const https_opts *o, https_response *out, err *e);

/* Free every field and zero the struct; NULL is a no-op. */
void https_response_clear(https_response *r);

/* Stable name ("none", "resolve", "connect", "timeout", "tls", "cert",
 * "redirect", "status", "content_type", "too_large", "other"). Static. */
const char *https_failure_name(https_failure f);

#endif
