/* fuzz_eml.c — libFuzzer target for a prepared message (--data FILE):
 * protocol/message/eml.c, the DATA writer data.c and the encoded-word
 * decoder in headers.c.
 *
 * The input is the file. Checked: eml_prepare's output has only CR LF line
 * endings and the size it reports; its body offset lies inside; the
 * streaming dot-stuffer, fed the raw input in chunks whose sizes come from
 * the input, writes exactly what command_dot_stuff writes for the whole
 * and counts eml_prepare's size; no line of the stuffed output is a lone
 * "." except the terminator; decoding RFC 2047 words in the header section
 * stays within its cap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/command.h"
#include "protocol/message/data.h"
#include "protocol/message/eml.h"
#include "protocol/message/headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_crlf(const buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\r') {
            if (i + 1 >= b->len || b->data[i + 1] != '\n')
                abort();
            i++;
        } else if (b->data[i] == '\n') {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    buf norm, whole, streamed;
    buf_init(&norm, 1u << 22);
    buf_init(&whole, 1u << 22);
    buf_init(&streamed, 1u << 22);
    err e;
    eml_info info;
    if (eml_prepare(in, size, &norm, &info, &e) != 0)
        abort(); /* everything fits the cap */
    check_crlf(&norm);
    if (info.size != norm.len || info.body_offset > info.size ||
        info.longest_line > info.size || (info.needs_smtputf8 && !info.needs_8bitmime))
        abort();

    if (command_dot_stuff(&whole, in, size, &e) != 0)
        abort();
    data_stuffer s;
    data_stuffer_init(&s);
    size_t i = 0, k = 0;
    while (i < size) {
        size_t piece = 1 + (size_t)data[k++ % size] % 17;
        if (piece > size - i)
            piece = size - i;
        if (data_stuffer_feed(&s, &streamed, in + i, piece, &e) != 0)
            abort();
        i += piece;
    }
    if (data_stuffer_finish(&s, &streamed, &e) != 0)
        abort();
    if (streamed.len != whole.len || memcmp(streamed.data, whole.data, whole.len) != 0)
        abort();
    if (s.size != info.size || s.wire != streamed.len)
        abort();
    check_crlf(&streamed);
    const char *term = streamed.data + streamed.len - 3;
    for (const char *p = streamed.data; p < term; p++)
        if ((p == streamed.data || p[-1] == '\n') && p[0] == '.' && p[1] == '\r')
            abort();

    size_t hdr = info.body_offset < 8192 ? info.body_offset : 8192;
    buf dec;
    buf_init(&dec, 4096);
    err_clear(&e);
    if (hdr_decode_2047(norm.data ? norm.data : "", hdr, &dec, &e) != 0 && e.cls != ERRC_TOO_LONG)
        abort();
    if (dec.len > dec.max)
        abort();
    buf_free(&dec);
    buf_free(&norm);
    buf_free(&whole);
    buf_free(&streamed);
    return 0;
}
