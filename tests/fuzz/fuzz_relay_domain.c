/* fuzz_relay_domain.c — libFuzzer target for the guess of a server's own
 * domain from the host name in its greeting/EHLO reply (checks/security/
 * relay.c, relay_guess_domain), which is untrusted peer text.
 *
 * The input is the name (NUL-terminated copy). The promises checked: a
 * guess, when made, is a non-empty suffix of the input after lower-casing,
 * made only of [a-z0-9.-], with no empty label and at least one dot. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/security/relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *g = relay_guess_domain(in);
    if (g) {
        size_t n = strlen(g), m = strlen(in);
        if (n == 0 || n > m || strcasecmp(in + m - n, g) != 0 || !strchr(g, '.'))
            abort();
        for (size_t i = 0; i < n; i++) {
            char c = g[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
                abort();
            if (c == '.' && (i == 0 || i + 1 == n || g[i + 1] == '.'))
                abort();
        }
        free(g);
    }
    free(in);
    return 0;
}
