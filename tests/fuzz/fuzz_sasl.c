/* fuzz_sasl.c — libFuzzer target for the SASL engine (protocol/auth/).
 *
 * The input is used as a 334 challenge for every mechanism (two steps each,
 * as a hostile server would send them), and as base64 text and as raw bytes
 * for the base64 helpers, whose round trip must be exact. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    static const char *const names[] = {"PLAIN", "LOGIN", "CRAM-MD5"};
    sasl_creds cr = {.user = "fuzz", .pass = "secret", .authzid = NULL};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sasl_exchange x = {.mech = sasl_find(names[i]), .cr = &cr, .state = 0};
        if (!x.mech)
            abort();
        for (int step = 0; step < 2; step++) {
            err e;
            err_clear(&e);
            char *resp = sasl_respond(&x, text, &e);
            if (!resp && (e.cls == ERRC_OK || !e.msg[0]))
                abort();
            xfree_secret(resp);
        }
    }

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
