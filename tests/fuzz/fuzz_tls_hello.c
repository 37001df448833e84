/* fuzz_tls_hello.c — libFuzzer target for the server-answer parser of the
 * hand-built TLS hello (transport/tls_hello.c, tls_hello_parse).
 *
 * The input is what a server sent after our ClientHello, as hostile as it
 * likes. The promises checked: the return value and the kind agree, a
 * decision is never "undecided", the detail is a NUL-terminated line of
 * printable ASCII, an alert is only reported for a refusal, and every prefix
 * of the input parses without touching bytes beyond it (ASan sees the
 * prefix as its own allocation). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const unsigned char *p, size_t n)
{
    tls_hello_answer a;
    int rc = tls_hello_parse(p, n, &a);
    switch (rc) {
    case 0:
        if (a.kind != TLS_HELLO_ACCEPTED && a.kind != TLS_HELLO_REFUSED &&
            a.kind != TLS_HELLO_NOT_TLS)
            abort();
        break;
    case 1:
        if (a.kind != TLS_HELLO_UNDECIDED || n >= TLS_HELLO_MAX_INPUT)
            abort();
        break;
    case -1:
        if (a.kind != TLS_HELLO_GARBAGE)
            abort();
        break;
    default: abort();
    }
    if (a.alert && a.kind != TLS_HELLO_REFUSED)
        abort();
    if (a.kind == TLS_HELLO_ACCEPTED && (a.version < 0x0300 || a.version > 0x0304))
        abort();
    size_t dl = strnlen(a.detail, sizeof a.detail);
    if (dl == sizeof a.detail || dl == 0)
        abort();
    for (size_t i = 0; i < dl; i++)
        if (a.detail[i] < 0x20 || a.detail[i] > 0x7E)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The whole input in an exact-size copy, then one prefix of it. */
    unsigned char *p = malloc(size ? size : 1);
    if (!p)
        return 0;
    memcpy(p, data, size);
    check(p, size);
    size_t cut = size ? (size_t)data[0] % (size + 1) : 0;
    check(p, cut);
    free(p);
    return 0;
}
