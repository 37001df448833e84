/* cmd_providers.c — `smtpscope providers`: list the built-in presets that
 * `--preset NAME` takes (presets.h), as a table or JSON. Pure output of a
 * static table; documented in docs/cli/providers.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- frontend ---- */
#include "frontend/cli/commands.h"
#include "frontend/cli/exitcode.h"
#include "frontend/cli/presets.h"

static const char providers_usage[] =
    "usage: smtpscope providers [--format text|json]\n"
    "\n"
    "List the provider presets for --preset NAME[:REGION] (send and check): host,\n"
    "port, TLS mode, what the username is, and the page each was checked against.\n";

static int as_json(void)
{
    size_t n;
    const preset *t = preset_table(&n);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            return EXIT_SOFTWARE;
        }
        json_object_set_new(o, "name", json_string(t[i].name));
        json_object_set_new(o, "title", json_string(t[i].title));
        json_object_set_new(o, "host", json_string(t[i].host));
        json_object_set_new(o, "port", json_integer(t[i].port));
        json_object_set_new(o, "tls_mode", json_string(tls_mode_name(t[i].tls)));
        json_object_set_new(o, "user", t[i].fixed_user ? json_string(t[i].fixed_user) : json_null());
        json_object_set_new(o, "user_hint", json_string(t[i].user_hint));
        json_object_set_new(o, "secret_hint", json_string(t[i].secret_hint));
        json_object_set_new(o, "default_region",
                            t[i].default_region ? json_string(t[i].default_region) : json_null());
        json_object_set_new(o, "doc", json_string(t[i].doc));
    }
    char *s = a ? json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(a);
    if (!s)
        return EXIT_SOFTWARE;
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
    return EXIT_PASS;
}

static void as_text(void)
{
    size_t n;
    const preset *t = preset_table(&n);
    printf("%-10s %-32s %-5s %-9s %s\n", "preset", "host", "port", "tls", "username");
    for (size_t i = 0; i < n; i++) {
        char host[64];
        if (t[i].default_region)
            snprintf(host, sizeof host, "email-smtp.REGION.amazonaws.com");
        else
            snprintf(host, sizeof host, "%s", t[i].host);
        printf("%-10s %-32s %-5d %-9s %s\n", t[i].name, host, t[i].port, tls_mode_name(t[i].tls),
               t[i].user_hint);
    }
    printf("\nPassword, per provider:\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-10s %s\n", t[i].name, t[i].secret_hint);
    printf("\nSources (checked against):\n");
    for (size_t i = 0; i < n; i++)
        printf("  %-10s %s\n", t[i].name, t[i].doc);
    printf("\nUse: smtpscope send --preset gmail --auth-user you@gmail.com --from ... --to ...\n"
           "     smtpscope check --preset ses:eu-west-1 --auth-user AKIA...\n");
}

int cmd_providers(int argc, char **argv)
{
    const char *format = "text";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(providers_usage, stdout);
            return EXIT_PASS;
        }
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else {
            fprintf(stderr, "smtpscope providers: unknown option '%s'\n%s", argv[i],
                    providers_usage);
            return EXIT_USAGE;
        }
    }
    if (strcmp(format, "json") == 0)
        return as_json();
    if (strcmp(format, "text") != 0) {
        fprintf(stderr, "smtpscope providers: --format must be text or json, not '%s'\n", format);
        return EXIT_USAGE;
    }
    as_text();
    return EXIT_PASS;
}
