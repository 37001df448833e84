/* cipher_classes.h — the weak cipher-suite classes the TLS audit tests
 * (NULL, EXPORT, RC4, 3DES, anonymous) as IANA suite IDs, the modern
 * "reference" suites that confirm a protocol version is accepted, and the
 * IANA names of every suite listed, for evidence ("server chose
 * TLS_RSA_WITH_3DES_EDE_CBC_SHA").
 *
 * The IDs are offered through a hand-built ClientHello (transport/tls_hello.h)
 * because the local OpenSSL cannot offer most of them. All data is static and
 * constant: nothing to free. Source: the IANA TLS Cipher Suites registry
 * (tls-parameters), plus the EXPORT1024 suites of an expired draft that the
 * registry lists only as "reserved to avoid conflicts with widely deployed
 * implementations" (old OpenSSL servers still offer them). */
#ifndef SMTPSCOPE_CHECKS_SECURITY_CIPHER_CLASSES_H
#define SMTPSCOPE_CHECKS_SECURITY_CIPHER_CLASSES_H

#include <stddef.h>
#include <stdint.h>

#include "checks/finding.h"

/* Class indexes, in the order of tls_audit_outcome.ciphers[]. */
enum {
    CIPHER_CLASS_NULL = 0,
    CIPHER_CLASS_EXPORT,
    CIPHER_CLASS_RC4,
    CIPHER_CLASS_3DES,
    CIPHER_CLASS_ANON,
    CIPHER_CLASS_COUNT,
};

typedef struct cipher_class {
    const char *name;       /* "NULL", "EXPORT", "RC4", "3DES", "anonymous" */
    const uint16_t *suites; /* IANA IDs, ascending; a suite may be in several classes
                               (TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 is EXPORT, RC4 and
                               anonymous): cipher_class_mask() tells which */
    size_t n;
    severity sev;           /* hint for the finding when the server accepts one */
    const char *why;        /* one sentence: what is wrong with the class */
} cipher_class;

/* CIPHER_CLASS_COUNT. */
size_t cipher_class_count(void);

/* The i-th class (static), or NULL when i is out of range. */
const cipher_class *cipher_class_get(size_t i);

/* Bit (1u << index) set for every class `suite` belongs to; 0 for none. */
unsigned cipher_class_mask(uint16_t suite);

/* Modern suites (no weak class among them) to offer when testing whether a
 * protocol version is accepted at all: for 0x0303 ECDHE/DHE/RSA with AES-GCM,
 * ChaCha20-Poly1305, AES-CBC (SHA-2 and SHA-1) and Camellia; below 0x0303 only
 * the subset defined for TLS 1.0/1.1 (CBC with SHA-1), since a server must not
 * pick a TLS 1.2-only suite there. Static; *n receives the count. */
const uint16_t *cipher_reference_suites(uint16_t version, size_t *n);

/* The IANA name of a suite in any of the lists above (or of
 * TLS_EMPTY_RENEGOTIATION_INFO_SCSV), e.g. "TLS_RSA_WITH_3DES_EDE_CBC_SHA";
 * NULL for a suite we do not list. Static. */
const char *tls_suite_name(uint16_t suite);

#endif
