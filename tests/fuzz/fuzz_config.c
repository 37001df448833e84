/* fuzz_config.c — libFuzzer target for the profile file parser
 * (src/frontend/cli/config.c): the file is outside input, written by hand
 * or by a tool, possibly hostile when shared.
 *
 * config.c lives in the frontend library, which the fuzz build does not
 * link (FUZZ_LINK is ss_report); it is compiled into this target directly,
 * which also gets it the fuzzer's coverage instrumentation. The parser
 * only needs core and tls_mode_parse from checks.
 *
 * Checked: a failed parse leaves an empty config and a message with a line
 * number; a successful one has at most CONFIG_MAX_PROFILES profiles with
 * valid, unique names, ports in range, no control characters in any value,
 * and config_find finds each profile. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/cli/config.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_value(const char *v)
{
    if (!v)
        return;
    size_t n = strlen(v);
    if (n == 0 || n > CONFIG_MAX_LINE)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    config c;
    err e;
    err_clear(&e);
    if (config_parse((const char *)data, size, "fuzz", &c, &e) != 0) {
        if (c.n || c.v || !e.msg[0] || (e.cls != ERRC_LOCAL_INPUT && e.cls != ERRC_INTERNAL))
            abort();
        return 0;
    }
    if (c.n > CONFIG_MAX_PROFILES)
        abort();
    for (size_t i = 0; i < c.n; i++) {
        const config_profile *p = &c.v[i];
        if (!name_ok(p->name, strlen(p->name)) || config_find(&c, p->name) != p)
            abort();
        if (p->port < 0 || p->port > 65535)
            abort();
        check_value(p->server);
        check_value(p->user);
        check_value(p->password_cmd);
        check_value(p->password_file);
        check_value(p->from);
        check_value(p->helo);
        check_value(p->ca_file);
    }
    config_free(&c);
    return 0;
}
