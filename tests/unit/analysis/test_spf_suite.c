/* test_spf_suite.c — runs the OpenSPF RFC 7208 conformance suite
 * (tests/data/spf/rfc7208-tests.yml, converted to JSON at build time by
 * spf_suite_to_json.py) against spf_check_host() with a fake resolver that
 * serves each scenario's zone data. One line is printed per failing case;
 * cases listed in spf_known_failures.txt are expected to fail, and a listed
 * case that passes fails the run (so the list can only shrink). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/spf/spf_eval.h"

#ifndef SPF_SUITE_JSON
#error "SPF_SUITE_JSON must name the converted suite"
#endif

static const char *type_name(spf_rrtype t)
{
    switch (t) {
    case SPF_RR_TXT: return "TXT";
    case SPF_RR_A: return "A";
    case SPF_RR_AAAA: return "AAAA";
    case SPF_RR_MX: return "MX";
    case SPF_RR_PTR: return "PTR";
    }
    return "?";
}

static spf_dns_status zone_lookup(json_t *zone, spf_rrtype type, const char *name,
                                  spf_answer *ans, int depth)
{
    char key[512];
    size_t n = strlen(name), added = 0, i;
    json_t *ents, *ent;
    int seen = 0;

    if (n >= sizeof key)
        return SPF_DNS_NXDOMAIN;
    for (i = 0; i <= n; i++)
        key[i] = (char)tolower((unsigned char)name[i]);
    if (n > 1 && key[n - 1] == '.')
        key[n - 1] = '\0';
    if (!(ents = json_object_get(zone, key)))
        return SPF_DNS_NXDOMAIN;
    json_array_foreach(ents, i, ent) {
        const char *t = json_string_value(json_object_get(ent, "t"));
        const char *v = json_string_value(json_object_get(ent, "v"));
        if (strcmp(t, "TIMEOUT") == 0) {
            /* Like the reference driver: a timeout unless a record of the
             * asked type came first. */
            if (!seen)
                return SPF_DNS_ERROR;
            break;
        }
        if (strcmp(t, "CNAME") == 0) {
            if (depth > 8) /* CNAME loop: a real resolver gives SERVFAIL */
                return SPF_DNS_ERROR;
            return zone_lookup(zone, type, v, ans, depth + 1);
        }
        if (strcmp(t, type_name(type)) != 0)
            continue;
        seen = 1;
        int rc = 0;
        if (type == SPF_RR_TXT) {
            json_t *strs = json_object_get(ent, "s"), *s;
            size_t k, ns = json_array_size(strs);
            const char *p[16];
            size_t l[16];
            if (ns > 16)
                return SPF_DNS_ERROR;
            json_array_foreach(strs, k, s) {
                p[k] = json_string_value(s);
                l[k] = json_string_length(s);
            }
            rc = spf_answer_add_txt(ans, p, l, ns);
        } else if (type == SPF_RR_A || type == SPF_RR_AAAA) {
            unsigned char a[16];
            int fam = type == SPF_RR_A ? AF_INET : AF_INET6;
            if (inet_pton(fam, v, a) != 1)
                return SPF_DNS_ERROR;
            rc = spf_answer_add_addr(ans, a, fam == AF_INET ? 4 : 16);
        } else {
            rc = spf_answer_add_name(ans, v);
        }
        if (rc < 0)
            return SPF_DNS_ERROR;
        added++;
    }
    return added ? SPF_DNS_OK : SPF_DNS_NODATA;
}

static spf_dns_status fake_lookup(void *ctx, spf_rrtype type, const char *name, spf_answer *ans)
{
    return zone_lookup(ctx, type, name, ans, 0);
}

/* spf_known_failures.txt: "<test-name> <reason...>" per line, # comments. */
typedef struct known {
    char names[64][80];
    int used[64];
    size_t n;
} known;

static void load_known(known *k)
{
    char line[512];
    FILE *f = fopen(SOURCE_DIR "/tests/unit/analysis/spf_known_failures.txt", "r");
    memset(k, 0, sizeof *k);
    if (!f)
        return;
    while (fgets(line, sizeof line, f) && k->n < 64) {
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        size_t len = strcspn(p, " \t\r\n");
        if (len >= sizeof k->names[0])
            len = sizeof k->names[0] - 1;
        memcpy(k->names[k->n], p, len);
        k->names[k->n++][len] = '\0';
    }
    fclose(f);
}

static int known_index(const known *k, const char *name)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->names[i], name) == 0)
            return (int)i;
    return -1;
}

static void test_suite(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *root = json_load_file(SPF_SUITE_JSON, JSON_ALLOW_NUL, &jerr);
    json_t *scen;
    size_t si, total = 0, failed = 0, unexpected = 0;
    known k;

    if (!root)
        fail_msg("cannot load %s: %s", SPF_SUITE_JSON, jerr.text);
    load_known(&k);
    json_array_foreach(json_object_get(root, "scenarios"), si, scen) {
        json_t *zone = json_object_get(scen, "zone"), *t;
        const char *desc = json_string_value(json_object_get(scen, "description"));
        spf_dns dns = { .ctx = zone, .lookup = fake_lookup };
        size_t ti;
        json_array_foreach(json_object_get(scen, "tests"), ti, t) {
            const char *name = json_string_value(json_object_get(t, "name"));
            const char *want_exp = json_string_value(json_object_get(t, "explanation"));
            spf_request req = {
                .ip = json_string_value(json_object_get(t, "host")),
                .sender = json_string_value(json_object_get(t, "mailfrom")),
                .helo = json_string_value(json_object_get(t, "helo")),
                .receiver = "receiver.example",
                .default_exp = "DEFAULT",
                .now = 1000000000,
            };
            spf_outcome *o = NULL;
            err e;
            char want[128] = "";
            int ok = 0;
            json_t *r;
            size_t ri;

            total++;
            err_clear(&e);
            if (spf_check_host(&dns, &req, &o, &e) < 0) {
                printf("FAIL %s / %s: spf_check_host error: %s\n", desc, name, e.msg);
                failed++;
                continue;
            }
            json_array_foreach(json_object_get(t, "result"), ri, r) {
                const char *w = json_string_value(r);
                if (strcmp(w, spf_result_name(o->result)) == 0)
                    ok = 1;
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", ri ? "|" : "",
                         w);
            }
            /* DNS names are case-insensitive and the suite writes %{ir} of an
             * IPv6 address in upper case where RFC 7208 §7.4 uses lower case,
             * so explanations are compared without case. */
            if (ok && want_exp && (!o->explanation || strcasecmp(want_exp, o->explanation) != 0))
                ok = 0;
            int ki = known_index(&k, name);
            if (!ok) {
                failed++;
                if (ki >= 0)
                    k.used[ki] = 1;
                else
                    unexpected++;
                printf("%s %s / %s: expected %s%s%s%s, got %s%s%s%s (%s)\n",
                       ki >= 0 ? "KNOWN-FAIL" : "FAIL", desc, name, want,
                       want_exp ? " \"" : "", want_exp ? want_exp : "", want_exp ? "\"" : "",
                       spf_result_name(o->result), o->explanation ? " \"" : "",
                       o->explanation ? o->explanation : "", o->explanation ? "\"" : "",
                       o->reason);
            } else if (ki >= 0) {
                printf("FIXED %s / %s: listed in spf_known_failures.txt but passes; "
                       "remove it\n", desc, name);
                unexpected++;
                k.used[ki] = 1;
            }
            spf_outcome_free(o);
        }
    }
    json_decref(root);
    printf("RFC 7208 suite: %zu cases, %zu passed, %zu failed (%zu known)\n", total,
           total - failed, failed, k.n);
    assert_true(total >= 200);
    assert_int_equal(unexpected, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
