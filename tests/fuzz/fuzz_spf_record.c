/* fuzz_spf_record.c — libFuzzer target for analysis/spf/spf_record.c and the
 * macro checker/expander of spf_macro.c.
 *
 * The input is one SPF record as it would come from DNS (any bytes). The
 * parser must not crash, and on success every term must lie inside the input
 * with its column; the input is also expanded as a macro-string in each mode
 * with fixed values, which must stay within the documented bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/spf/spf_macro.h"
#include "analysis/spf/spf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fixed_p(void *arg)
{
    (void)arg;
    return "mx.example.org";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    spf_record *r = NULL;
    err e;

    err_clear(&e);
    if (spf_record_parse(s, size, &r, &e) == 0) {
        if (!r)
            abort();
        for (size_t i = 0; i < r->nterms; i++) {
            const spf_term *t = &r->terms[i];
            size_t tl = strlen(t->text);
            if (t->column < 8 || t->column - 1 + tl > size ||
                memcmp(s + t->column - 1, t->text, tl) != 0)
                abort();
            if (t->cidr4 < 0 || t->cidr4 > 32 || t->cidr6 < 0 || t->cidr6 > 128)
                abort();
        }
        spf_record_free(r);
    } else if (r || e.msg[0] == '\0') {
        abort();
    }

    spf_macro_vars v = {
        .sender = "strong-bad@email.example.com", .local = "strong-bad",
        .sender_domain = "email.example.com", .domain = "email.example.com",
        .ip_dotted = "192.0.2.3", .ip_text = "192.0.2.3", .ip_version = "in-addr",
        .helo = "mx.example.org", .now = 1, .validated = fixed_p,
    };
    for (int mode = SPF_MACRO_DOMAIN; mode <= SPF_MACRO_MODIFIER; mode++) {
        char *out = NULL;
        size_t bad = 0;
        int ok = spf_macro_check(s, size, (spf_macro_mode)mode, &bad, NULL) == 0;
        if (!ok && bad >= size)
            abort();
        if (spf_macro_expand(s, size, (spf_macro_mode)mode, &v, &out, &e) == 0) {
            size_t n = strlen(out);
            if (n > SPF_MACRO_OUT_MAX || (mode == SPF_MACRO_DOMAIN && n > SPF_MACRO_DOMAIN_MAX))
                abort();
            free(out);
        } else if (out) {
            abort();
        }
    }
    return 0;
}
