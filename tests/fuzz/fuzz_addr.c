/* fuzz_addr.c — libFuzzer target for user-supplied address and header
 * text: protocol/message/addr.c (addr_parse, addr_split_mailbox) and the
 * header writers in headers.c.
 *
 * The input (up to its first NUL) is parsed as an address; on success the
 * mailbox must be within RFC 5321's limits, free of controls, ASCII apart
 * from a UTF-8 local part (then smtputf8 is set), and parse again to
 * itself. The same text is split as "Name <addr>", then written as a
 * Subject and as a display name: on success every line ends CR LF, none is
 * longer than 998 (76 with encoded words), no CR or LF of the input
 * survives into the value, and the Subject decodes back to the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "protocol/message/addr.h"
#include "protocol/message/headers.h"
#include "protocol/message/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const buf *b)
{
    size_t start = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\r') {
            if (i + 1 >= b->len || b->data[i + 1] != '\n' || i - start > HDR_MAX_LINE)
                abort();
            /* Every line after the first is a continuation. */
            if (i + 2 < b->len && b->data[i + 2] != ' ' && b->data[i + 2] != '\t')
                abort();
            start = i + 2;
            i++;
        } else if (b->data[i] == '\n') {
            abort();
        }
    }
    if (start != b->len)
        abort();
}

static void check_address(const char *s)
{
    addr a;
    err e;
    if (addr_parse(s, &a, &e) != 0)
        return;
    size_t n = strlen(a.mailbox);
    if (n > ADDR_MAX_PATH || strlen(a.local) > ADDR_MAX_LOCAL || !strchr(a.mailbox, '@'))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a.mailbox[i] < 0x20 || a.mailbox[i] == 0x7f)
            abort();
    if (text_has_8bit(a.domain, strlen(a.domain)))
        abort();
    if (a.smtputf8 != text_has_8bit(a.local, strlen(a.local)))
        abort();
    addr again;
    if (addr_parse(a.mailbox, &again, &e) != 0 || strcmp(again.mailbox, a.mailbox) != 0)
        abort();
    addr_clear(&again);
    addr_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = strnlen((const char *)data, size);
    char *s = malloc(n + 1);
    if (!s)
        return 0;
    memcpy(s, data, n);
    s[n] = '\0';
    check_address(s);

    char *display = NULL, *address = NULL;
    err e;
    if (addr_split_mailbox(s, &display, &address, &e) == 0) {
        check_address(address);
        buf b;
        buf_init(&b, 1u << 20);
        text_out o = {.b = &b};
        hdr_mailbox m = {.display = display, .mailbox = "a@example.com"};
        if (hdr_write_addresses(&o, "To", &m, 1, &e) == 0)
            check_field(&b);
        buf_free(&b);
    }
    free(display);
    free(address);

    buf b;
    buf_init(&b, 1u << 20);
    text_out o = {.b = &b};
    if (hdr_write_text(&o, "Subject", s, n, &e) == 0) {
        check_field(&b);
        /* Unfold, skip "Subject:", decode: the input again. */
        buf u, d;
        buf_init(&u, 1u << 20);
        buf_init(&d, 1u << 20);
        for (size_t i = 0; i + 2 <= b.len; i++) {
            if (b.data[i] == '\r' && b.data[i + 1] == '\n') {
                i++;
                continue;
            }
            buf_append(&u, b.data + i, 1);
        }
        if (u.len < 8 || memcmp(u.data, "Subject:", 8) != 0)
            abort();
        size_t skip = (u.len > 8 && u.data[8] == ' ') ? 9 : 8;
        buf_consume(&u, skip);
        bool encoded = memmem(b.data, b.len, "=?UTF-8?", 8) != NULL;
        if (encoded) {
            if (hdr_decode_2047(u.data ? u.data : "", u.len, &d, &e) != 0 || d.len != n ||
                (n && memcmp(d.data, s, n) != 0))
                abort();
        } else if (u.len != n || (n && memcmp(u.data, s, n) != 0)) {
            abort();
        }
        buf_free(&u);
        buf_free(&d);
    }
    buf_free(&b);
    free(s);
    return 0;
}
