/* fuzz_proxy.c — libFuzzer target for the --proxy-source parser and the
 * PROXY header writer (protocol/proxy.c).
 *
 * The input is the IP:PORT text; when it parses, both header versions are
 * built against a fixed destination and their shape checked: v1 one line
 * within PROXY_V1_MAX bytes ending in CR LF, v2 the signature and a length
 * that matches the family. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    proxy_endpoint src, dst;
    err e;
    err_clear(&e);
    if (proxy_endpoint_parse(s, &src, &e) == 0) {
        if (src.port == 0 || (src.family != 4 && src.family != 6))
            abort();
        if (proxy_endpoint_make("127.0.0.1", 25, &dst, &e) < 0)
            abort();
        buf b;
        buf_init(&b, 256);
        if (proxy_header(1, &src, &dst, &b, &e) < 0 || b.len > PROXY_V1_MAX ||
            memcmp(b.data + b.len - 2, "\r\n", 2) != 0 || memchr(b.data, '\n', b.len - 1))
            abort();
        buf_reset(&b);
        if (proxy_header(2, &src, &dst, &b, &e) < 0 ||
            b.len != 16u + (unsigned char)b.data[15])
            abort();
        buf_free(&b);
    }
    free(s);
    return 0;
}
