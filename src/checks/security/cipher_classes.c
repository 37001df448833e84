/* cipher_classes.c — static tables of weak cipher-suite classes, reference
 * suites and suite names (see cipher_classes.h).
 *
 * Product code: the lists were assembled for smtpscope from the IANA TLS
 * Cipher Suites registry (no library we link exports such a table; OpenSSL's
 * own omits what it has compiled out, which is exactly what we must offer).
 * Deliberately left out: TLS_NULL_WITH_NULL_NULL (0x0000, never negotiable),
 * the TLS 1.3 integrity-only suites of RFC 9150 (0xC0B4/0xC0B5: our hello is
 * TLS <= 1.2) and single DES (0x0009 ...: not one of the audited classes; the
 * anonymous one, 0x001A, is listed as anonymous). */
#include <stddef.h>
#include <stdint.h>

/* ---- checks ---- */
#include "checks/security/cipher_classes.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* NULL encryption: the "TLS" session is readable by anyone on the path. */
static const uint16_t null_suites[] = {
    0x0001, /* TLS_RSA_WITH_NULL_MD5 */
    0x0002, /* TLS_RSA_WITH_NULL_SHA */
    0x002C, /* TLS_PSK_WITH_NULL_SHA */
    0x002D, /* TLS_DHE_PSK_WITH_NULL_SHA */
    0x002E, /* TLS_RSA_PSK_WITH_NULL_SHA */
    0x003B, /* TLS_RSA_WITH_NULL_SHA256 */
    0x00B0, /* TLS_PSK_WITH_NULL_SHA256 */
    0x00B1, /* TLS_PSK_WITH_NULL_SHA384 */
    0x00B4, /* TLS_DHE_PSK_WITH_NULL_SHA256 */
    0x00B5, /* TLS_DHE_PSK_WITH_NULL_SHA384 */
    0x00B8, /* TLS_RSA_PSK_WITH_NULL_SHA256 */
    0x00B9, /* TLS_RSA_PSK_WITH_NULL_SHA384 */
    0xC001, /* TLS_ECDH_ECDSA_WITH_NULL_SHA */
    0xC006, /* TLS_ECDHE_ECDSA_WITH_NULL_SHA */
    0xC00B, /* TLS_ECDH_RSA_WITH_NULL_SHA */
    0xC010, /* TLS_ECDHE_RSA_WITH_NULL_SHA */
    0xC015, /* TLS_ECDH_anon_WITH_NULL_SHA (also anonymous) */
    0xC039, /* TLS_ECDHE_PSK_WITH_NULL_SHA */
    0xC03A, /* TLS_ECDHE_PSK_WITH_NULL_SHA256 */
    0xC03B, /* TLS_ECDHE_PSK_WITH_NULL_SHA384 */
};

/* EXPORT: 40-bit (or 56-bit) keys and 512-bit (1024-bit) key exchange,
 * breakable today (FREAK, Logjam). */
static const uint16_t export_suites[] = {
    0x0003, /* TLS_RSA_EXPORT_WITH_RC4_40_MD5 (also RC4) */
    0x0006, /* TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 */
    0x0008, /* TLS_RSA_EXPORT_WITH_DES40_CBC_SHA */
    0x000B, /* TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA */
    0x000E, /* TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA */
    0x0011, /* TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA */
    0x0014, /* TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA */
    0x0017, /* TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 (also RC4 and anonymous) */
    0x0019, /* TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA (also anonymous) */
    0x0026, /* TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA */
    0x0027, /* TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA */
    0x0028, /* TLS_KRB5_EXPORT_WITH_RC4_40_SHA (also RC4) */
    0x0029, /* TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5 */
    0x002A, /* TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5 */
    0x002B, /* TLS_KRB5_EXPORT_WITH_RC4_40_MD5 (also RC4) */
    /* EXPORT1024 (expired draft; IANA: reserved, not assigned). */
    0x0060, /* TLS_RSA_EXPORT1024_WITH_RC4_56_MD5 (also RC4) */
    0x0061, /* TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5 */
    0x0062, /* TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA */
    0x0063, /* TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA */
    0x0064, /* TLS_RSA_EXPORT1024_WITH_RC4_56_SHA (also RC4) */
    0x0065, /* TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA (also RC4) */
};

/* RC4: prohibited in TLS by RFC 7465 (keystream biases). */
static const uint16_t rc4_suites[] = {
    0x0003, /* TLS_RSA_EXPORT_WITH_RC4_40_MD5 (also EXPORT) */
    0x0004, /* TLS_RSA_WITH_RC4_128_MD5 */
    0x0005, /* TLS_RSA_WITH_RC4_128_SHA */
    0x0017, /* TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 (also EXPORT and anonymous) */
    0x0018, /* TLS_DH_anon_WITH_RC4_128_MD5 (also anonymous) */
    0x0020, /* TLS_KRB5_WITH_RC4_128_SHA */
    0x0024, /* TLS_KRB5_WITH_RC4_128_MD5 */
    0x0028, /* TLS_KRB5_EXPORT_WITH_RC4_40_SHA (also EXPORT) */
    0x002B, /* TLS_KRB5_EXPORT_WITH_RC4_40_MD5 (also EXPORT) */
    0x0060, /* TLS_RSA_EXPORT1024_WITH_RC4_56_MD5 (also EXPORT; not IANA-assigned) */
    0x0064, /* TLS_RSA_EXPORT1024_WITH_RC4_56_SHA (also EXPORT; not IANA-assigned) */
    0x0065, /* TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA (also EXPORT; not IANA-assigned) */
    0x0066, /* TLS_DHE_DSS_WITH_RC4_128_SHA (not IANA-assigned) */
    0x008A, /* TLS_PSK_WITH_RC4_128_SHA */
    0x008E, /* TLS_DHE_PSK_WITH_RC4_128_SHA */
    0x0092, /* TLS_RSA_PSK_WITH_RC4_128_SHA */
    0xC002, /* TLS_ECDH_ECDSA_WITH_RC4_128_SHA */
    0xC007, /* TLS_ECDHE_ECDSA_WITH_RC4_128_SHA */
    0xC00C, /* TLS_ECDH_RSA_WITH_RC4_128_SHA */
    0xC011, /* TLS_ECDHE_RSA_WITH_RC4_128_SHA */
    0xC016, /* TLS_ECDH_anon_WITH_RC4_128_SHA (also anonymous) */
    0xC033, /* TLS_ECDHE_PSK_WITH_RC4_128_SHA */
};

/* 3DES: a 64-bit block cipher, open to Sweet32 on long sessions. */
static const uint16_t des3_suites[] = {
    0x000A, /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
    0x000D, /* TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA */
    0x0010, /* TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA */
    0x0013, /* TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA */
    0x0016, /* TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA */
    0x001B, /* TLS_DH_anon_WITH_3DES_EDE_CBC_SHA (also anonymous) */
    0x001F, /* TLS_KRB5_WITH_3DES_EDE_CBC_SHA */
    0x0023, /* TLS_KRB5_WITH_3DES_EDE_CBC_MD5 */
    0x008B, /* TLS_PSK_WITH_3DES_EDE_CBC_SHA */
    0x008F, /* TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA */
    0x0093, /* TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA */
    0xC003, /* TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA */
    0xC008, /* TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA */
    0xC00D, /* TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA */
    0xC012, /* TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA */
    0xC017, /* TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA (also anonymous) */
    0xC01A, /* TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA */
    0xC01B, /* TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA */
    0xC01C, /* TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA */
    0xC034, /* TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA */
};

/* Anonymous (DH_anon, ECDH_anon): no server authentication at all. PSK and
 * SRP suites authenticate with a shared secret and are not listed here. */
static const uint16_t anon_suites[] = {
    0x0017, /* TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 (also EXPORT and RC4) */
    0x0018, /* TLS_DH_anon_WITH_RC4_128_MD5 (also RC4) */
    0x0019, /* TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA (also EXPORT) */
    0x001A, /* TLS_DH_anon_WITH_DES_CBC_SHA */
    0x001B, /* TLS_DH_anon_WITH_3DES_EDE_CBC_SHA (also 3DES) */
    0x0034, /* TLS_DH_anon_WITH_AES_128_CBC_SHA */
    0x003A, /* TLS_DH_anon_WITH_AES_256_CBC_SHA */
    0x0046, /* TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA */
    0x006C, /* TLS_DH_anon_WITH_AES_128_CBC_SHA256 */
    0x006D, /* TLS_DH_anon_WITH_AES_256_CBC_SHA256 */
    0x0089, /* TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA */
    0x009B, /* TLS_DH_anon_WITH_SEED_CBC_SHA */
    0x00A6, /* TLS_DH_anon_WITH_AES_128_GCM_SHA256 */
    0x00A7, /* TLS_DH_anon_WITH_AES_256_GCM_SHA384 */
    0x00BF, /* TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256 */
    0x00C5, /* TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256 */
    0xC015, /* TLS_ECDH_anon_WITH_NULL_SHA (also NULL) */
    0xC016, /* TLS_ECDH_anon_WITH_RC4_128_SHA (also RC4) */
    0xC017, /* TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA (also 3DES) */
    0xC018, /* TLS_ECDH_anon_WITH_AES_128_CBC_SHA */
    0xC019, /* TLS_ECDH_anon_WITH_AES_256_CBC_SHA */
    0xC046, /* TLS_DH_anon_WITH_ARIA_128_CBC_SHA256 */
    0xC047, /* TLS_DH_anon_WITH_ARIA_256_CBC_SHA384 */
    0xC05A, /* TLS_DH_anon_WITH_ARIA_128_GCM_SHA256 */
    0xC05B, /* TLS_DH_anon_WITH_ARIA_256_GCM_SHA384 */
    0xC084, /* TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256 */
    0xC085, /* TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384 */
};

/* Severity hints: NULL, EXPORT and RC4 give no real protection (RC4 is
 * prohibited by RFC 7465); 3DES is weak but not broken for SMTP-sized
 * sessions; anonymous suites still encrypt, and RFC 7435 opportunistic TLS
 * (port 25) tolerates them against passive attackers, so they are warnings. */
static const cipher_class classes[CIPHER_CLASS_COUNT] = {
    {"NULL", null_suites, COUNT(null_suites), SEV_ERROR,
     "NULL cipher suites do not encrypt at all"},
    {"EXPORT", export_suites, COUNT(export_suites), SEV_ERROR,
     "EXPORT cipher suites use 40- or 56-bit keys and weak key exchange (FREAK, Logjam)"},
    {"RC4", rc4_suites, COUNT(rc4_suites), SEV_ERROR,
     "RC4 is prohibited in TLS (RFC 7465): its keystream biases leak plaintext"},
    {"3DES", des3_suites, COUNT(des3_suites), SEV_WARNING,
     "3DES has a 64-bit block and is open to Sweet32 on long sessions"},
    {"anonymous", anon_suites, COUNT(anon_suites), SEV_WARNING,
     "anonymous suites do not authenticate the server, so anyone on the path can "
     "intercept the session"},
};

/* TLS 1.2-only suites first, then those valid for TLS 1.0/1.1 too, so a
 * hello for an older version offers the tail (see cipher_reference_suites). */
static const uint16_t reference_suites[] = {
    0xC02B, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
    0xC02F, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
    0xC02C, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
    0xC030, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
    0xCCA9, /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
    0xCCA8, /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    0x009E, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
    0x009F, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
    0xCCAA, /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    0xC023, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
    0xC027, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
    0xC024, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
    0xC028, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
    0x0067, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
    0x006B, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
    0x009C, /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
    0x009D, /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
    0x003C, /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
    0x003D, /* TLS_RSA_WITH_AES_256_CBC_SHA256 */
    /* Valid for TLS 1.0 and 1.1 as well: */
    0xC009, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
    0xC013, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
    0xC00A, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
    0xC014, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
    0x0033, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
    0x0039, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
    0x002F, /* TLS_RSA_WITH_AES_128_CBC_SHA */
    0x0035, /* TLS_RSA_WITH_AES_256_CBC_SHA */
    0x0045, /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA */
    0x0088, /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA */
    0x0041, /* TLS_RSA_WITH_CAMELLIA_128_CBC_SHA */
    0x0084, /* TLS_RSA_WITH_CAMELLIA_256_CBC_SHA */
};
/* Index in reference_suites of the first suite TLS 1.0/1.1 may negotiate. */
#define REFERENCE_LEGACY_START 19

typedef struct suite_name {
    uint16_t id;
    const char *name;
} suite_name;

/* Every suite above, ascending by ID. */
static const suite_name names[] = {
    {0x0001, "TLS_RSA_WITH_NULL_MD5"},
    {0x0002, "TLS_RSA_WITH_NULL_SHA"},
    {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
    {0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
    {0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"},
    {0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"},
    {0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
    {0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"},
    {0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA"},
    {0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"},
    {0x001F, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA"},
    {0x0020, "TLS_KRB5_WITH_RC4_128_SHA"},
    {0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5"},
    {0x0024, "TLS_KRB5_WITH_RC4_128_MD5"},
    {0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA"},
    {0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA"},
    {0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA"},
    {0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5"},
    {0x002A, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5"},
    {0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5"},
    {0x002C, "TLS_PSK_WITH_NULL_SHA"},
    {0x002D, "TLS_DHE_PSK_WITH_NULL_SHA"},
    {0x002E, "TLS_RSA_PSK_WITH_NULL_SHA"},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
    {0x003B, "TLS_RSA_WITH_NULL_SHA256"},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0060, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5"},
    {0x0061, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5"},
    {0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"},
    {0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"},
    {0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"},
    {0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"},
    {0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"},
    {0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"},
    {0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"},
    {0x008A, "TLS_PSK_WITH_RC4_128_SHA"},
    {0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0x008E, "TLS_DHE_PSK_WITH_RC4_128_SHA"},
    {0x008F, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA"},
    {0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA"},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"},
    {0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"},
    {0x00B0, "TLS_PSK_WITH_NULL_SHA256"},
    {0x00B1, "TLS_PSK_WITH_NULL_SHA384"},
    {0x00B4, "TLS_DHE_PSK_WITH_NULL_SHA256"},
    {0x00B5, "TLS_DHE_PSK_WITH_NULL_SHA384"},
    {0x00B8, "TLS_RSA_PSK_WITH_NULL_SHA256"},
    {0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384"},
    {0x00BF, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"},
    {0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"},
    {0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"},
    {0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},
    {0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
    {0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
    {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA"},
    {0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},
    {0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
    {0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
    {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xC015, "TLS_ECDH_anon_WITH_NULL_SHA"},
    {0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
    {0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
    {0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
    {0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
    {0xC01A, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA"},
    {0xC01B, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC01C, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA"},
    {0xC034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0xC039, "TLS_ECDHE_PSK_WITH_NULL_SHA"},
    {0xC03A, "TLS_ECDHE_PSK_WITH_NULL_SHA256"},
    {0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384"},
    {0xC046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256"},
    {0xC047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384"},
    {0xC05A, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"},
    {0xC05B, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"},
    {0xC084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xC085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
};

size_t cipher_class_count(void)
{
    return CIPHER_CLASS_COUNT;
}

const cipher_class *cipher_class_get(size_t i)
{
    return i < CIPHER_CLASS_COUNT ? &classes[i] : NULL;
}

unsigned cipher_class_mask(uint16_t suite)
{
    unsigned mask = 0;
    for (size_t c = 0; c < CIPHER_CLASS_COUNT; c++)
        for (size_t i = 0; i < classes[c].n; i++)
            if (classes[c].suites[i] == suite)
                mask |= 1u << c;
    return mask;
}

const uint16_t *cipher_reference_suites(uint16_t version, size_t *n)
{
    size_t from = version >= 0x0303 ? 0 : REFERENCE_LEGACY_START;
    *n = COUNT(reference_suites) - from;
    return reference_suites + from;
}

const char *tls_suite_name(uint16_t suite)
{
    size_t lo = 0, hi = COUNT(names);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (names[mid].id == suite)
            return names[mid].name;
        if (names[mid].id < suite)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
