/* test_domain_sts.c — the MTA-STS policy part of the domain report
 * (checks/domain/section_sts.c) and what it is built on: the policy file
 * validation and the §4.1 MX match (analysis/mtasts), and the refusals of
 * the HTTPS fetch (transport/https.c).
 *
 * The parser and matcher tests are table-driven and need nothing. The
 * domain_run tests use the Unbound fixture (zones.d/domain-sts.conf) for the
 * paths that need no HTTPS server: no policy host, a closed policy port, the
 * fetch switched off; the HTTPS server cases are in
 * tests/integration/test_domain_sts.py. Every code the policy parser and the
 * section can produce must be in the finding catalogue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "analysis/mtasts/mtasts.h"
#include "checks/domain.h"
#include "checks/finding.h"
#include "core/clock.h"
#include "core/err.h"
#include "dns/resolver.h"
#include "transport/https.h"

#include "support/unbound_fixture.h"

#define STS ".sts.smtpscope.test"

/* ---------------------------------------------------- policy validation */

typedef struct policy_case {
    const char *name;
    const char *text;
    mtasts_mode mode;
    int64_t max_age;
    size_t nmx;
    const char *codes; /* every problem code, space-separated, in order; "" for none */
} policy_case;

static const policy_case policy_cases[] = {
    {"enforce, CRLF", "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                      "mx: *.example.net\r\nmax_age: 604800\r\n",
     MTASTS_MODE_ENFORCE, 604800, 2, ""},
    {"LF, no final newline", "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400",
     MTASTS_MODE_ENFORCE, 86400, 1, ""},
    {"blanks around values", "version:  STSv1 \nmode:\tenforce\nmx: MAIL.Example.com\n"
                             "max_age: 86400\n",
     MTASTS_MODE_ENFORCE, 86400, 1, ""},
    {"testing", "version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 1209600\n",
     MTASTS_MODE_TESTING, 1209600, 1, "mtasts.mode_testing"},
    {"none needs no mx", "version: STSv1\nmode: none\nmax_age: 86400\n", MTASTS_MODE_NONE, 86400,
     0, ""},
    {"max_age 0", "version: STSv1\nmode: none\nmax_age: 0\n", MTASTS_MODE_NONE, 0, 0,
     "mtasts.max_age_short"},
    {"max_age one year", "version: STSv1\nmode: none\nmax_age: 31557600\n", MTASTS_MODE_NONE,
     31557600, 0, ""},
    {"max_age over a year", "version: STSv1\nmode: none\nmax_age: 31557601\n", MTASTS_MODE_NONE,
     -1, 0, "mtasts.max_age_invalid"},
    {"max_age negative", "version: STSv1\nmode: none\nmax_age: -1\n", MTASTS_MODE_NONE, -1, 0,
     "mtasts.max_age_invalid"},
    {"max_age short", "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 3600\n",
     MTASTS_MODE_ENFORCE, 3600, 1, "mtasts.max_age_short"},
    {"nothing", "", MTASTS_MODE_UNSET, -1, 0,
     "mtasts.version_missing mtasts.mode_missing mtasts.max_age_missing"},
    {"bad version and mode", "version: STSv2\nmode: always\nmax_age: 86400\n",
     MTASTS_MODE_UNSET, 86400, 0, "mtasts.version_invalid mtasts.mode_invalid"},
    {"enforce without mx", "version: STSv1\nmode: enforce\nmax_age: 86400\n",
     MTASTS_MODE_ENFORCE, 86400, 0, "mtasts.mx_missing"},
    {"bad mx patterns", "version: STSv1\nmode: enforce\nmx: *.*.example.com\nmx: bad_host.example\n"
                        "mx: example\nmx: ok.example\nmax_age: 86400\n",
     MTASTS_MODE_ENFORCE, 86400, 1, "mtasts.mx_invalid mtasts.mx_invalid mtasts.mx_invalid"},
    {"duplicate and unknown keys", "version: STSv1\nmode: none\nmode: enforce\nfoo: bar\n"
                                   "max_age: 86400\n",
     MTASTS_MODE_NONE, 86400, 0, "mtasts.key_duplicate mtasts.key_unknown"},
    {"not key: value", "version: STSv1\nmode none\nmax_age: 86400\n", MTASTS_MODE_UNSET, 86400, 0,
     "mtasts.policy_syntax mtasts.mode_missing"},
};

static void test_policy_validation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof policy_cases / sizeof policy_cases[0]; i++) {
        const policy_case *c = &policy_cases[i];
        mtasts_policy *p = NULL;
        err e;
        err_clear(&e);
        assert_int_equal(mtasts_policy_parse(c->text, strlen(c->text), &p, &e), 0);
        char got[512] = "";
        size_t len = 0;
        for (size_t k = 0; k < p->nproblems; k++) {
            int w = snprintf(got + len, sizeof got - len, "%s%s", k ? " " : "",
                             p->problems[k].code);
            len += w > 0 ? (size_t)w : 0;
            if (!finding_def_lookup(p->problems[k].code))
                fail_msg("%s: %s is not in the catalogue", c->name, p->problems[k].code);
        }
        if (strcmp(got, c->codes) != 0)
            fail_msg("%s: codes '%s', want '%s'", c->name, got, c->codes);
        if (p->mode != c->mode || p->max_age != c->max_age || p->nmx != c->nmx)
            fail_msg("%s: mode %d max_age %lld nmx %zu", c->name, (int)p->mode,
                     (long long)p->max_age, p->nmx);
        mtasts_policy_free(p);
    }
}

static void test_policy_size_cap(void **state)
{
    (void)state;
    size_t n = MTASTS_POLICY_MAX + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    mtasts_policy *p = NULL;
    err e;
    err_clear(&e);
    assert_int_equal(mtasts_policy_parse(big, n, &p, &e), 0);
    assert_int_equal(p->nproblems, 1);
    assert_string_equal(p->problems[0].code, "mtasts.policy_too_long");
    mtasts_policy_free(p);
    free(big);
}

/* ----------------------------------------------------------- MX match */

typedef struct match_case {
    const char *host;
    const char *pattern; /* the pattern it matches, NULL for none */
} match_case;

static void test_mx_match(void **state)
{
    (void)state;
    static const char text[] = "version: STSv1\nmode: enforce\nmx: *.example.com\n"
                               "mx: mail.example.org\nmax_age: 86400\n";
    static const match_case cases[] = {
        {"mx.example.com", "*.example.com"},
        {"MX.Example.COM.", "*.example.com"},   /* case and one trailing dot */
        {"a.b.example.com", NULL},              /* a wildcard covers one label only */
        {"example.com", NULL},                  /* nor the parent itself */
        {".example.com", NULL},                 /* an empty label is not a label */
        {"mxexample.com", NULL},
        {"mail.example.org", "mail.example.org"},
        {"mail.example.org.", "mail.example.org"},
        {"x.mail.example.org", NULL},           /* a name matches only itself */
        {"", NULL},
        {".", NULL},
    };
    mtasts_policy *p = NULL;
    err e;
    err_clear(&e);
    assert_int_equal(mtasts_policy_parse(text, sizeof text - 1, &p, &e), 0);
    assert_int_equal(p->nerrors, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = mtasts_mx_match(p, cases[i].host);
        bool ok = cases[i].pattern ? got && strcmp(got, cases[i].pattern) == 0 : got == NULL;
        if (!ok)
            fail_msg("%s: matched %s, want %s", cases[i].host, got ? got : "none",
                     cases[i].pattern ? cases[i].pattern : "none");
        assert_int_equal(mtasts_mx_matches(p, cases[i].host), cases[i].pattern != NULL);
    }
    mtasts_policy_free(p);
}

/* --------------------------------------------------------- HTTPS fetch */

/* A loopback port where nothing listens (bound, then closed). */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void test_https_refusals(void **state)
{
    (void)state;
    https_response r;
    err e;
    https_opts o = {.deadline = clock_deadline_in(5000)};
    static const char *const bad_urls[] = {
        "http://mta-sts.example.com/.well-known/mta-sts.txt", /* https only */
        "ftp://example.com/x", "https://", "https:///x", "https://exa mple.com/",
        "https://example.com:0/", "https://example.com:99999/",
    };
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        err_clear(&e);
        if (https_get(bad_urls[i], &o, &r, &e) != -1 || e.cls != ERRC_LOCAL_INPUT)
            fail_msg("%s was not refused", bad_urls[i]);
        assert_null(r.body);
    }
    static const char *const bad_connect[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:x",
                                              "127.0.0.1:70000", "a b:1", "a,b:1"};
    for (size_t i = 0; i < sizeof bad_connect / sizeof bad_connect[0]; i++) {
        o.connect_to = bad_connect[i];
        err_clear(&e);
        if (https_get("https://mta-sts.example.com/x", &o, &r, &e) != -1)
            fail_msg("connect_to %s was not refused", bad_connect[i]);
    }
    o.connect_to = NULL;
    const char *addrs[] = {"not-an-address"};
    o.addrs = addrs;
    o.n_addrs = 1;
    err_clear(&e);
    assert_int_equal(https_get("https://mta-sts.example.com/x", &o, &r, &e), -1);
    assert_int_equal(e.cls, ERRC_LOCAL_INPUT);

    /* a closed port: the attempt runs and says how it ended */
    char to[32];
    snprintf(to, sizeof to, "127.0.0.1:%d", closed_port());
    https_opts c = {.deadline = clock_deadline_in(5000), .connect_to = to,
                    .media_type = "text/plain"};
    err_clear(&e);
    assert_int_equal(https_get("https://mta-sts.example.com/.well-known/mta-sts.txt", &c, &r, &e),
                     0);
    assert_int_equal(r.failure, HTTPSF_CONNECT);
    assert_int_equal(r.status, 0);
    assert_null(r.body);
    assert_non_null(r.detail);
    https_response_clear(&r);

    /* addresses from our resolver are pinned (CURLOPT_RESOLVE), IPv6 too: the
     * name is never resolved by libcurl, so the attempt reaches the closed
     * port instead of failing to resolve */
    static const char *const pins[][1] = {{"127.0.0.1"}, {"::1"}};
    for (size_t i = 0; i < 2; i++) {
        char url[96];
        snprintf(url, sizeof url, "https://mta-sts.pinned.invalid:%d/.well-known/mta-sts.txt",
                 closed_port());
        https_opts po = {.deadline = clock_deadline_in(5000), .addrs = pins[i], .n_addrs = 1};
        err_clear(&e);
        assert_int_equal(https_get(url, &po, &r, &e), 0);
        if (r.failure != HTTPSF_CONNECT)
            fail_msg("pinned %s: %s (%s)", pins[i][0], https_failure_name(r.failure),
                     r.detail ? r.detail : "");
        https_response_clear(&r);
    }
    https_response_clear(NULL);
    assert_string_equal(https_failure_name(HTTPSF_CONTENT_TYPE), "content_type");
}

/* ---------------------------------------------------- the domain report */

static const finding *find(const domain_outcome *o, const char *id)
{
    for (size_t i = 0; i < o->findings.n; i++)
        if (strcmp(o->findings.v[i].id, id) == 0)
            return &o->findings.v[i];
    return NULL;
}

static const finding *must(const domain_outcome *o, const char *id)
{
    const finding *f = find(o, id);
    if (!f) {
        for (size_t i = 0; i < o->findings.n; i++)
            print_message("  have %s: %s\n", o->findings.v[i].id, o->findings.v[i].message);
        fail_msg("no finding %s", id);
    }
    return f;
}

static void report(void **state, domain_opts *o, domain_outcome *out)
{
    unbound_fixture *f = *state;
    if (!f->port)
        skip();
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(f->server, &e);
    if (!r)
        fail_msg("dns_resolver_new(%s): %s", f->server, e.msg);
    o->no_dnsbl = true;
    o->timeout_ms = 5000;
    assert_int_equal(domain_run(o, r, NULL, out), 0);
    dns_resolver_free(r);
    for (size_t i = 0; i < out->findings.n; i++)
        if (!finding_def_lookup(out->findings.v[i].id))
            fail_msg("finding %s is not in the catalogue", out->findings.v[i].id);
}

static void test_no_policy_host(void **state)
{
    domain_outcome o;
    domain_opts opts = {.domain = "nohost" STS, .sts_fetch = true};
    report(state, &opts, &o);
    const finding *f = must(&o, "mtasts.policy_host_missing");
    assert_int_equal(f->sev, SEV_ERROR);
    assert_false(f->temporary);
    assert_int_equal(o.status[DSEC_MTASTS], SS_FAIL);
    assert_non_null(o.mtasts.policy);
    assert_false(o.mtasts.policy->fetched);
    assert_string_equal(o.mtasts.policy->failure, "resolve");
    assert_string_equal(o.mtasts.policy->url,
                        "https://mta-sts.nohost" STS "/.well-known/mta-sts.txt");
    assert_null(o.mtasts.policy->parsed);
    domain_outcome_free(&o);
}

static void test_closed_policy_port(void **state)
{
    char to[32];
    snprintf(to, sizeof to, "127.0.0.1:%d", closed_port());
    domain_outcome o;
    domain_opts opts = {.domain = "good" STS, .sts_fetch = true, .sts_connect = to};
    report(state, &opts, &o);
    must(&o, "mtasts.policy_unreachable");
    assert_string_equal(o.mtasts.policy->failure, "connect");
    assert_null(find(&o, "mtasts.policy_host_missing"));
    domain_outcome_free(&o);
}

static void test_fetch_off(void **state)
{
    domain_outcome o;
    domain_opts opts = {.domain = "nohost" STS};
    report(state, &opts, &o);
    assert_null(o.mtasts.policy);
    assert_null(find(&o, "mtasts.policy_host_missing"));
    assert_int_equal(o.status[DSEC_MTASTS], SS_PASS);
    bool noted = false;
    for (size_t i = 0; i < o.n_notes; i++)
        noted |= strstr(o.notes[i], "not fetched") != NULL;
    assert_true(noted);
    domain_outcome_free(&o);
}

/* Every "mtasts.…" literal in the policy parser and in the section is a
 * catalogued finding ID. */
static void catalogued_in(const char *path)
{
    char full[256];
    snprintf(full, sizeof full, SOURCE_DIR "/%s", path);
    FILE *fp = fopen(full, "r");
    assert_non_null(fp);
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    size_t found = 0;
    for (char *q = strstr(buf, "\"mtasts."); q; q = strstr(q + 1, "\"mtasts.")) {
        char id[64];
        size_t k = 0;
        for (const char *c = q + 1; *c != '"' && k < sizeof id - 1; c++)
            id[k++] = *c;
        id[k] = '\0';
        if (!finding_def_lookup(id))
            fail_msg("%s: %s is not in the catalogue", path, id);
        found++;
    }
    assert_true(found > 5);
}

static void test_catalogue(void **state)
{
    (void)state;
    catalogued_in("src/analysis/mtasts/mtasts.c");
    catalogued_in("src/checks/domain/section_sts.c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_validation),
        cmocka_unit_test(test_policy_size_cap),
        cmocka_unit_test(test_mx_match),
        cmocka_unit_test(test_https_refusals),
        cmocka_unit_test(test_no_policy_host),
        cmocka_unit_test(test_closed_policy_port),
        cmocka_unit_test(test_fetch_off),
        cmocka_unit_test(test_catalogue),
    };
    return cmocka_run_group_tests(tests, unbound_fixture_group_setup,
                                  unbound_fixture_group_teardown);
}
