/* ehlo.h — EHLO reply to capability set (RFC 5321 §4.1.1.1, §4.1.4).
 *
 * The first line of a 250 EHLO reply is the server's domain and greeting; each
 * further line is one extension keyword with optional parameters. Keywords
 * are matched case-insensitively as whole words — never by substring search
 * of the raw reply (a greeting that says "...STARTTLS..." is not an offer). */
#ifndef SMTPSCOPE_PROTOCOL_EHLO_H
#define SMTPSCOPE_PROTOCOL_EHLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "protocol/reply.h"

typedef struct ehlo_caps {
    char *domain;           /* first word of the first line; owned; may be "" */
    char **lines;           /* every capability line as sent (escaped); owned */
    size_t n_lines;
    bool starttls, pipelining, eightbitmime, smtputf8, chunking, dsn,
         enhancedstatuscodes, binarymime, requiretls, size_present;
    uint64_t size;          /* SIZE parameter; 0 = no fixed limit (RFC 1870) */
    char **auth;            /* AUTH mechanisms (from "AUTH" and "AUTH="), upper-case,
                               deduplicated, in order offered; owned */
    size_t n_auth;
} ehlo_caps;

/* Parse a 2xx EHLO reply into caps (zeroed first). Returns 0, or -1 with e
 * set (ERRC_INTERNAL on OOM; a malformed capability line is kept verbatim,
 * not an error). Free with ehlo_caps_free. */
int ehlo_caps_parse(const smtp_reply *r, ehlo_caps *caps, err *e);

void ehlo_caps_free(ehlo_caps *caps);

/* Case-insensitive test for an AUTH mechanism. */
bool ehlo_has_auth(const ehlo_caps *caps, const char *mech);

#endif
