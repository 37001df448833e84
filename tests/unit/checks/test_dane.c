/* test_dane.c — the DANE check (checks/security/dane.c, dane_verify.c) end to
 * end: real TLSA answers from the private Unbound with DNSSEC, and real
 * STARTTLS handshakes against the scripted server tests/fakesmtp/fakesmtp.py.
 *
 * The group setup, in order:
 *   1. makes a throw-away CA and a leaf certificate named
 *      dane-ta.dnssec.test (openssl CLI) in a temporary directory, laid out
 *      as fakesmtp's certificate directory (good.pem, good.key, chain.pem);
 *   2. starts two fakesmtp children (by PID): one offering STARTTLS and
 *      serving leaf + CA, one without STARTTLS;
 *   3. computes the TLSA records from those files and writes them, at
 *      _PORT._tcp.NAME.dnssec.test for the ports the servers got, to a file
 *      named by SMTPSCOPE_UNBOUND_DNSSEC_EXTRA, which fixture.sh appends to
 *      the dnssec.test zone before signing it (see fixture.sh);
 *   4. starts the Unbound fixture with its trust anchor.
 * The unsigned TLSA (insecure) is in tests/integration/unbound/zones.d/
 * dane.conf; bogus answers come from the fixture's bogus.test zone. Skips
 * when unbound, ldnsutils or python3 is missing (fails instead under CI). */
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "checks/endpoint.h"
#include "checks/finding.h"
#include "checks/security/dane.h"
#include "core/clock.h"
#include "dns/resolver.h"
#include "protocol/transcript.h"
#include "support/fakesmtp_child.h"
#include "support/run_cmd.h"
#include "support/unbound_fixture.h"

/* ---- group state ---- */

typedef struct env {
    char dir[256];
    unbound_fixture ub;
    fakesmtp_child tls;   /* STARTTLS, leaf + CA */
    fakesmtp_child plain; /* no STARTTLS */
    char leaf_spki[65]; /* hex SHA-256 of the leaf's SubjectPublicKeyInfo */
    bool ready;      /* everything runs, DNSSEC included: tests run, else skip */
} env;

static env E;

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static const char *path_in(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", E.dir, name);
    return p[k];
}

/* The test PKI: a CA and one leaf for dane-ta.dnssec.test (EC P-256: fast). */
static const char mkcerts[] =
    "set -e; cd \"$1\"\n"
    "ec='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
    "openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj '/CN=smtpscope DANE test CA'"
    " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign\n"
    "openssl req -new $ec -keyout good.key -out good.csr -subj /CN=dane-ta.dnssec.test\n"
    "printf 'basicConstraints=CA:FALSE\\nsubjectAltName=DNS:dane-ta.dnssec.test\\n' > leaf.ext\n"
    "openssl x509 -req -in good.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2"
    " -extfile leaf.ext -out good.pem\n"
    "cat good.pem ca.pem > chain.pem\n";

/* fakesmtp scripts: with STARTTLS (serving the chain), and without. */
static const char script_tls[] =
    "send \"220 dane.smtpscope.test ESMTP fakesmtp\\r\\n\"\n"
    "expect EHLO\n"
    "send \"250-dane.smtpscope.test\\r\\n250-STARTTLS\\r\\n250 8BITMIME\\r\\n\"\n"
    "expect STARTTLS\n"
    "send \"220 2.0.0 go ahead\\r\\n\"\n"
    "starttls chain\n";
static const char script_plain[] =
    "send \"220 dane.smtpscope.test ESMTP fakesmtp\\r\\n\"\n"
    "expect EHLO\n"
    "send \"250-dane.smtpscope.test\\r\\n250 8BITMIME\\r\\n\"\n";

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

/* fakesmtp on the script DIR/NAME: port file DIR/NAME.port, log DIR/NAME.log. */
static int fake_start(fakesmtp_child *f, const char *script_name)
{
    char script[300], portfile[320], log[320];
    snprintf(script, sizeof script, "%s", path_in(script_name));
    snprintf(portfile, sizeof portfile, "%s.port", script);
    snprintf(log, sizeof log, "%s.log", script);
    return fakesmtp_child_start(f, script, E.dir, portfile, log);
}

/* Hex digest (SHA-256) of a PEM certificate's DER (selector 0) or SPKI (1). */
static int digest_hex(const char *pem, int selector, char out[65])
{
    FILE *fp = fopen(pem, "r");
    if (!fp)
        return -1;
    X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    if (!x)
        return -1;
    unsigned char *der = NULL;
    int n = selector == 0 ? i2d_X509(x, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    X509_free(x);
    if (n <= 0)
        return -1;
    unsigned char md[32];
    unsigned int ml = 0;
    int ok = EVP_Digest(der, (size_t)n, md, &ml, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (!ok || ml != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* The run's TLSA records, relative to dnssec.test. */
static int write_zone_extra(const char *path)
{
    char ca[65];
    if (digest_hex(path_in("good.pem"), 1, E.leaf_spki) < 0 ||
        digest_hex(path_in("ca.pem"), 0, ca) < 0)
        return -1;
    int p = E.tls.port, q = E.plain.port;
    char text[4096];
    snprintf(text, sizeof text,
             "; added by tests/unit/checks/test_dane.c\n"
             "_%d._tcp.dane-ee IN TLSA 3 1 1 %s\n"
             "_%d._tcp.dane-ta IN TLSA 2 0 1 %s\n"
             "_%d._tcp.dane-bad IN TLSA 3 1 1 %s\n"
             "_%d._tcp.dane-pkix IN TLSA 1 1 1 %s\n"
             "_%d._tcp.dane-mixed IN TLSA 0 0 1 %s\n"
             "_%d._tcp.dane-mixed IN TLSA 3 1 1 %s\n"
             "_%d._tcp.dane-nostarttls IN TLSA 3 1 1 %s\n",
             p, E.leaf_spki, p, ca, p,
             "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", p, E.leaf_spki,
             p, ca, p, E.leaf_spki, q, E.leaf_spki);
    return write_file(path, text);
}

static int group_setup(void **state)
{
    (void)state;
    memset(&E, 0, sizeof E);
    const char *tmp = getenv("TMPDIR");
    snprintf(E.dir, sizeof E.dir, "%s/smtpscope-dane-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(E.dir)) {
        E.dir[0] = '\0';
        return -1;
    }
    char *py[] = {"python3", "-c", "import ssl", NULL};
    if (run_cmd_quiet(py) != 0)
        return unbound_fixture_in_ci() ? -1 : 0; /* skip: no python3 for fakesmtp */
    char *mk[] = {"bash", "-c", (char *)mkcerts, "mkcerts", E.dir, NULL};
    if (run_cmd_quiet(mk) != 0) {
        fprintf(stderr, "test_dane: making certificates failed\n");
        return -1;
    }
    if (write_file(path_in("tls.script"), script_tls) < 0 ||
        write_file(path_in("plain.script"), script_plain) < 0)
        return -1;
    if (fake_start(&E.tls, "tls.script") != 0 || fake_start(&E.plain, "plain.script") != 0) {
        fprintf(stderr, "test_dane: fakesmtp did not start (see %s/*.log)\n", E.dir);
        return -1;
    }
    const char *extra = path_in("dnssec-extra.zone");
    if (write_zone_extra(extra) < 0)
        return -1;
    setenv("SMTPSCOPE_UNBOUND_DNSSEC_EXTRA", extra, 1);
    int rc = unbound_fixture_start(&E.ub, "dane", UNBOUND_FIXTURE_ANCHOR);
    unsetenv("SMTPSCOPE_UNBOUND_DNSSEC_EXTRA");
    if (rc < 0)
        return -1;
    E.ready = E.ub.port > 0 && E.ub.anchor[0];
    if (!E.ready)
        fprintf(stderr, "test_dane: unbound or ldnsutils missing, skipping\n");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unbound_fixture_stop(&E.ub);
    fakesmtp_child_stop(&E.tls);
    fakesmtp_child_stop(&E.plain);
    if (E.dir[0])
        nftw(E.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static dns_resolver *resolver(bool validate)
{
    err e;
    err_clear(&e);
    dns_resolver *r = dns_resolver_new(E.ub.server, &e);
    assert_non_null(r);
    if (validate)
        assert_int_equal(dns_resolver_set_trust_anchor(r, E.ub.anchor, &e), 0);
    return r;
}

/* The transcript as "dir line" lines, for substring checks. */
static char *transcript_text(const transcript *t)
{
    size_t cap = 1 << 16, off = 0;
    char *s = calloc(1, cap);
    assert_non_null(s);
    for (size_t i = 0; i < t->n && off < cap - 1; i++)
        off += (size_t)snprintf(s + off, cap - off, "%s %s\n", tr_dir_name(t->ev[i].dir),
                                t->ev[i].line);
    return s;
}

/* ---- cases ---- */

enum { PORT_TLS = -1, PORT_PLAIN = -2 };

typedef struct dane_case {
    const char *name;
    const char *host;
    int port;               /* PORT_TLS / PORT_PLAIN: the fakesmtp ports */
    bool validate;
    dane_state state;
    dns_dnssec dnssec;
    const char *finding;    /* a finding expected (NULL: no findings at all) */
    const char *finding2;   /* a second one, or NULL */
    size_t n_records;
    int matched_usage;      /* usage of the record marked matched; -1: none marked */
    int depth;
    const char *msg_part;   /* substring of the first finding's message, or NULL */
} dane_case;

static const dane_case cases[] = {
    {"DANE-EE record matches the leaf", "dane-ee.dnssec.test", PORT_TLS, true, DANE_VERIFIED,
     DNSSEC_SECURE, "dane.verified", NULL, 1, 3, 0, "3 1 1 (DANE-EE)"},
    {"DANE-TA record matches the CA at depth 1", "dane-ta.dnssec.test", PORT_TLS, true,
     DANE_VERIFIED, DNSSEC_SECURE, "dane.verified", NULL, 1, 2, 1, "depth 1"},
    {"trailing dot in the host name", "dane-ee.dnssec.test.", PORT_TLS, true, DANE_VERIFIED,
     DNSSEC_SECURE, "dane.verified", NULL, 1, 3, 0, NULL},
    {"digest of no key the server has", "dane-bad.dnssec.test", PORT_TLS, true, DANE_MISMATCH,
     DNSSEC_SECURE, "dane.mismatch", NULL, 1, -1, -1, "3 1 1 "},
    {"only PKIX-EE (usage 1): unusable for SMTP", "dane-pkix.dnssec.test", PORT_TLS, true,
     DANE_UNUSABLE, DNSSEC_SECURE, "dane.unusable_records", NULL, 1, -1, -1, "usage 0/1"},
    {"PKIX-TA ignored, DANE-EE next to it matches", "dane-mixed.dnssec.test", PORT_TLS, true,
     DANE_VERIFIED, DNSSEC_SECURE, "dane.verified", "dane.ignored_records", 2, 3, 0, NULL},
    {"secure TLSA but no STARTTLS", "dane-nostarttls.dnssec.test", PORT_PLAIN, true,
     DANE_ERROR, DNSSEC_SECURE, "dane.handshake_failed", NULL, 1, -1, -1, "STARTTLS"},
    {"no TLSA, proven by DNSSEC", "nope.dnssec.test", PORT_TLS, true, DANE_NO_TLSA,
     DNSSEC_SECURE, NULL, NULL, 0, -1, -1, NULL},
    {"no TLSA in an unsigned zone", "mail.smtpscope.test", 25, true, DANE_NO_TLSA,
     DNSSEC_INSECURE, NULL, NULL, 0, -1, -1, NULL},
    {"TLSA in an unsigned zone", "dane-insecure.smtpscope.test", 25, true, DANE_INSECURE,
     DNSSEC_INSECURE, "dane.insecure_tlsa", NULL, 1, -1, -1, "not DNSSEC-signed"},
    {"bogus signatures", "mail.bogus.test", 25, true, DANE_BOGUS, DNSSEC_BOGUS, "dane.bogus",
     NULL, 0, -1, -1, "failed DNSSEC validation"},
    {"no validation: the records cannot be trusted", "dane-ee.dnssec.test", PORT_TLS, false,
     DANE_INSECURE, DNSSEC_UNCHECKED, "dane.unvalidated", NULL, 1, -1, -1, "not validated"},
};

static void check_table(void **state)
{
    (void)state;
    if (!E.ready)
        skip();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const dane_case *dc = &cases[i];
        print_message("case: %s\n", dc->name);
        int port = dc->port == PORT_TLS ? E.tls.port : dc->port == PORT_PLAIN ? E.plain.port
                                                                               : dc->port;
        dane_opts o = {.host = dc->host,
                       .port = port,
                       .address = "127.0.0.1",
                       .tls = TLSM_STARTTLS,
                       .helo = "probe.smtpscope.test",
                       .timeout_ms = 5000};
        dns_resolver *res = resolver(dc->validate);
        transcript *t = transcript_new(clock_now_ms());
        assert_non_null(t);
        dane_report r;
        finding_list fl = {0};
        assert_int_equal(dane_check(&o, res, &r, &fl, t), 0);
        print_message("  -> %s (%s) %zu record(s), depth %d: %s\n", dane_state_name(r.state),
                      dns_dnssec_name((dns_dnssec)r.dnssec), r.n_records, r.match_depth,
                      r.detail ? r.detail : "-");
        for (size_t k = 0; k < fl.n; k++)
            print_message("     %s: %s\n", fl.v[k].id, fl.v[k].message);
        assert_int_equal(r.state, dc->state);
        assert_int_equal(r.dnssec, dc->dnssec);
        assert_int_equal(r.n_records, dc->n_records);
        assert_int_equal(r.match_depth, dc->depth);
        assert_non_null(r.detail);
        char qn[300];
        size_t hl = strlen(dc->host);
        snprintf(qn, sizeof qn, "_%d._tcp.%.*s.", port,
                 (int)(dc->host[hl - 1] == '.' ? hl - 1 : hl), dc->host);
        assert_string_equal(r.qname, qn);
        size_t matched = 0;
        for (size_t k = 0; k < r.n_records; k++) {
            const dane_record_view *v = &r.records[k];
            assert_non_null(v->data_hex);
            assert_int_equal(v->usable, v->usage >= 2);
            if (v->matched) {
                matched++;
                assert_int_equal(v->usage, dc->matched_usage);
                assert_true(v->usable);
            }
            if (v->usage == 3 && strstr(dc->host, ".dnssec.test") &&
                strcmp(dc->host, "dane-bad.dnssec.test") != 0)
                assert_string_equal(v->data_hex, E.leaf_spki);
        }
        assert_int_equal(matched, dc->matched_usage >= 0 ? 1 : 0);
        if (dc->finding) {
            assert_true(finding_has(&fl, dc->finding));
            assert_int_equal(fl.v[0].stage, STAGE_DANE);
            if (dc->msg_part)
                assert_non_null(strstr(fl.v[0].message, dc->msg_part));
        }
        if (dc->finding2)
            assert_true(finding_has(&fl, dc->finding2));
        assert_int_equal(fl.n, (dc->finding ? 1u : 0u) + (dc->finding2 ? 1u : 0u));
        /* The mismatch says what the server's key would need in DNS. */
        if (dc->state == DANE_MISMATCH)
            assert_non_null(strstr(fl.v[0].message, E.leaf_spki));
        char *tt = transcript_text(t);
        bool handshake = dc->state == DANE_VERIFIED || dc->state == DANE_MISMATCH;
        assert_int_equal(strstr(tt, "DANE: connected") != NULL,
                         handshake || dc->state == DANE_ERROR);
        if (handshake) {
            assert_non_null(strstr(tt, "send STARTTLS"));
            assert_non_null(strstr(tt, "send QUIT"));
        }
        free(tt);
        transcript_free(t);
        finding_list_free(&fl);
        dane_report_clear(&r);
        dns_resolver_free(res);
    }
}

/* A resolver that gets no answer: lookup failed, a temporary warning. */
static void lookup_timeout(void **state)
{
    (void)state;
    if (!E.ready)
        skip();
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    char server[64];
    snprintf(server, sizeof server, "127.0.0.1@%d", ntohs(a.sin_port));
    err e;
    err_clear(&e);
    dns_resolver *res = dns_resolver_new(server, &e); /* s stays open and never answers */
    assert_non_null(res);
    dane_opts o = {.host = "mx.example.test", .port = 25, .address = "127.0.0.1",
                   .timeout_ms = 400};
    dane_report r;
    finding_list fl = {0};
    assert_int_equal(dane_check(&o, res, &r, &fl, NULL), 0);
    assert_int_equal(r.state, DANE_ERROR);
    assert_true(finding_has(&fl, "dane.lookup_failed"));
    assert_true(finding_def_lookup("dane.lookup_failed")->temporary);
    finding_list_free(&fl);
    dane_report_clear(&r);
    dns_resolver_free(res);
    close(s);
}

static void not_checked(void **state)
{
    (void)state;
    dane_report r;
    finding_list fl = {0};
    dane_opts o = {.host = "mx.example.test", .port = 25, .address = "127.0.0.1"};
    /* No resolver. */
    assert_int_equal(dane_check(&o, NULL, &r, &fl, NULL), 0);
    assert_int_equal(r.state, DANE_NOT_CHECKED);
    assert_string_equal(r.qname, "_25._tcp.mx.example.test.");
    assert_int_equal(r.match_depth, -1);
    dane_report_clear(&r);
    /* An IP literal has no TLSA base domain. */
    o.host = "192.0.2.25";
    assert_int_equal(dane_check(&o, NULL, &r, &fl, NULL), 0);
    assert_int_equal(r.state, DANE_NOT_CHECKED);
    assert_non_null(strstr(r.detail, "host name"));
    dane_report_clear(&r);
    o.host = "";
    assert_int_equal(dane_check(&o, NULL, &r, &fl, NULL), 0);
    assert_int_equal(r.state, DANE_NOT_CHECKED);
    dane_report_clear(&r);
    assert_int_equal(dane_check(NULL, NULL, &r, &fl, NULL), 0);
    assert_int_equal(r.state, DANE_NOT_CHECKED);
    dane_report_clear(&r);
    dane_report_clear(&r);
    dane_report_clear(NULL);
    assert_int_equal(fl.n, 0);
}

static void names_and_catalogue(void **state)
{
    (void)state;
    static const char *const names[] = {"not_checked", "no_tlsa", "insecure", "bogus",
                                        "verified", "mismatch", "unusable", "error"};
    for (int s = 0; s < 8; s++)
        assert_string_equal(dane_state_name((dane_state)s), names[s]);
    assert_string_equal(dane_state_name((dane_state)99), "not_checked");
    static const struct {
        const char *id;
        severity sev;
    } ids[] = {{"dane.verified", SEV_INFO},          {"dane.mismatch", SEV_ERROR},
               {"dane.insecure_tlsa", SEV_WARNING},  {"dane.unvalidated", SEV_INFO},
               {"dane.bogus", SEV_ERROR},            {"dane.unusable_records", SEV_WARNING},
               {"dane.ignored_records", SEV_INFO},   {"dane.lookup_failed", SEV_WARNING},
               {"dane.handshake_failed", SEV_ERROR}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const finding_def *d = finding_def_lookup(ids[i].id);
        assert_non_null(d);
        assert_int_equal(d->sev, ids[i].sev);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_catalogue),
        cmocka_unit_test(not_checked),
        cmocka_unit_test(check_table),
        cmocka_unit_test(lookup_timeout),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
