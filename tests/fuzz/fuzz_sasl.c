/* fuzz_sasl.c — libFuzzer target for the SASL engine (protocol/auth/).
 *
 * The input is used as a 334 challenge for every mechanism (two steps each,
 * as a hostile server would send them); base64-encoded, as the SCRAM
 * server-first and server-final messages (split at the first newline) and
 * as the OAuth error JSON; and as base64 text and as raw bytes for the
 * base64 helpers, whose round trip must be exact. Every failure must carry
 * a class and a sentence; notes must be printable. The iteration bound
 * keeps a hostile i= from burning the fuzzer's time. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "protocol/auth/sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const unsigned char *raw, size_t n)
{
    char *enc = sasl_b64_encode(raw, n);
    if (!enc)
        return;
    size_t m = 0;
    unsigned char *dec = sasl_b64_decode(enc, &m);
    if (!dec || m != n || memcmp(dec, raw, n) != 0)
        abort();
    free(dec);
    free(enc);
}

/* One exchange: the initial response if the mechanism has one, then each
 * challenge in turn; every failure must come with a class and a sentence. */
static void exchange(const char *name, const sasl_creds *cr, const char *const *chal, size_t n)
{
    sasl_exchange x;
    err e;
    err_clear(&e);
    if (sasl_begin(&x, sasl_find(name), cr, &e) < 0)
        abort();
    if (x.mech->initial_response) {
        char *ir = sasl_respond(&x, NULL, &e);
        if (!ir)
            abort(); /* the credentials below are valid */
        xfree_secret(ir);
    }
    for (size_t i = 0; i < n; i++) {
        err_clear(&e);
        char *resp = sasl_respond(&x, chal[i], &e);
        if (!resp && (e.cls == ERRC_OK || !e.msg[0]))
            abort();
        xfree_secret(resp);
        if (!resp)
            break;
    }
    err_clear(&e);
    if (sasl_finish(&x, &e) < 0 && (e.cls == ERRC_OK || !e.msg[0]))
        abort();
    const char *note = sasl_note(&x);
    for (const char *p = note; p && *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            abort(); /* notes are displayed: printable ASCII only */
    sasl_end(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    /* The input as the text of a 334 challenge, for every mechanism. */
    static const char *const names[] = {"PLAIN",       "LOGIN",         "CRAM-MD5",
                                        "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2",
                                        "OAUTHBEARER"};
    sasl_creds cr = {.user = "fuzz", .pass = "secret", .authzid = NULL, .token = "tok"};
    const char *twice[] = {text, text};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        exchange(names[i], &cr, twice, 2);

    /* The input as the decoded content of the server's messages, so the
     * SCRAM parser and the OAuth JSON reader see it: split at the first
     * newline into server-first and server-final (SCRAM; a fixed nonce so
     * "r=fuzznonce..." seeds get through), or whole as the OAuth error. */
    const char *nl = memchr(text, '\n', size);
    size_t first_len = nl ? (size_t)(nl - text) : size;
    char *first = sasl_b64_encode(data, first_len);
    char *final = nl ? sasl_b64_encode((const unsigned char *)nl + 1, size - first_len - 1)
                     : NULL;
    char *whole = sasl_b64_encode(data, size);
    if (first && whole) {
        const char *scram[] = {first, final ? final : ""};
#ifdef SMTPSCOPE_TESTING
        sasl_scram_test_nonce("fuzznonce");
#endif
        exchange("SCRAM-SHA-1", &cr, scram, 2);
        exchange("SCRAM-SHA-256", &cr, scram, 2);
#ifdef SMTPSCOPE_TESTING
        sasl_scram_test_nonce(NULL);
#endif
        const char *oauth[] = {whole};
        exchange("XOAUTH2", &cr, oauth, 1);
        exchange("OAUTHBEARER", &cr, oauth, 1);
    }
    free(first);
    free(final);
    free(whole);

    size_t n = 0;
    unsigned char *dec = sasl_b64_decode(text, &n);
    if (dec) {
        round_trip(dec, n);
        free(dec);
    }
    round_trip(data, size);
    free(text);
    return 0;
}
