/* dkimkey.c — DKIM key record parser and validator (RFC 6376 §3.2, §3.6.1;
 * RFC 8463 ed25519; RFC 8301 key sizes).
 *
 * Tag names are case-sensitive (§3.2). The key in p= is base64 with optional
 * folding whitespace; RSA keys are DER SubjectPublicKeyInfo (d2i_PUBKEY), and
 * ed25519 keys are the raw 32-byte public key (RFC 8463 §4.2). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* core */
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* analysis */
#include "analysis/dkim/dkimkey.h"

typedef struct tagspan {
    const char *name, *val;
    size_t nlen, vlen;
    size_t ncol, vcol;      /* 1-based columns */
} tagspan;

typedef struct parser {
    const char *s;
    dkimkey_record *r;
    bool oom;
} parser;

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void add_problem(parser *p, const char *code, dkimkey_severity sev, size_t column,
                        char *detail)
{
    dkimkey_record *r = p->r;
    if (!detail) {
        p->oom = true;
        return;
    }
    dkimkey_problem *np = realloc(r->problems, (r->nproblems + 1) * sizeof *np);
    if (!np) {
        free(detail);
        p->oom = true;
        return;
    }
    r->problems = np;
    np[r->nproblems++] = (dkimkey_problem){.code = code, .sev = sev, .column = column,
                                           .detail = detail};
    if (sev == DKIMKEY_SEV_ERROR)
        r->nerrors++;
}

/* A problem whose sentence quotes `len` record bytes at t, escaped. */
static void problem_q(parser *p, const char *code, dkimkey_severity sev, size_t column,
                      const char *what, const char *t, size_t len)
{
    char *q = escape_display(t, len > 64 ? 64 : len);
    if (!q) {
        p->oom = true;
        return;
    }
    add_problem(p, code, sev, column,
                xasprintf("%s '%s%s' at column %zu", what, q, len > 64 ? "..." : "", column));
    free(q);
}

static bool eq_ci(const char *a, size_t alen, const char *lit)
{
    return strlen(lit) == alen && strncasecmp(a, lit, alen) == 0;
}

/* Split the tag-spec s[a,b) into name and value (RFC 6376 §3.2); false with a
 * problem reported on a syntax error. */
static bool split_tag(parser *p, size_t a, size_t b, tagspan *t)
{
    const char *s = p->s;
    while (a < b && is_wsp(s[a]))
        a++;
    while (b > a && is_wsp(s[b - 1]))
        b--;
    const char *eq = memchr(s + a, '=', b - a);
    if (!eq) {
        problem_q(p, "dkim.syntax", DKIMKEY_SEV_ERROR, a + 1, "tag without '='", s + a, b - a);
        return false;
    }
    size_t e = (size_t)(eq - s), ne = e;
    while (ne > a && is_wsp(s[ne - 1]))
        ne--;
    bool ok = ne > a && isalpha((unsigned char)s[a]);
    for (size_t i = a; ok && i < ne; i++)
        ok = isalnum((unsigned char)s[i]) || s[i] == '_';
    if (!ok) {
        problem_q(p, "dkim.syntax", DKIMKEY_SEV_ERROR, a + 1, "invalid tag name", s + a, ne - a);
        return false;
    }
    size_t v = e + 1;
    while (v < b && is_wsp(s[v]))
        v++;
    for (size_t i = v; i < b; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_wsp(s[i]) && (c < 0x21 || c > 0x7e)) {
            problem_q(p, "dkim.syntax", DKIMKEY_SEV_ERROR, i + 1, "invalid byte in tag value",
                      s + i, 1);
            return false;
        }
    }
    *t = (tagspan){.name = s + a, .nlen = ne - a, .val = s + v, .vlen = b - v,
                   .ncol = a + 1, .vcol = v + 1};
    return true;
}

/* Walk a ':' list with whitespace around the colons; each item must be a
 * hyphenated word (ALPHA / DIGIT / "-", or "*" when star is allowed). Calls
 * fn for each item; false when the list is malformed. */
typedef void (*item_fn)(parser *p, const char *it, size_t len, size_t col, void *arg);

static bool colon_list(parser *p, const tagspan *t, bool star, item_fn fn, void *arg)
{
    const char *v = t->val;
    size_t n = t->vlen, i = 0;
    for (;;) {
        while (i < n && is_wsp(v[i]))
            i++;
        size_t a = i;
        while (i < n && (isalnum((unsigned char)v[i]) || v[i] == '-' || (star && v[i] == '*')))
            i++;
        if (i == a)
            return false;
        size_t b = i;
        while (i < n && is_wsp(v[i]))
            i++;
        if (i < n && v[i] != ':')
            return false;
        fn(p, v + a, b - a, t->vcol + a, arg);
        if (i == n)
            return true;
        i++;
    }
}

static void h_item(parser *p, const char *it, size_t len, size_t col, void *arg)
{
    unsigned *h = arg;
    if (eq_ci(it, len, "sha1"))
        *h |= DKIMKEY_HASH_SHA1;
    else if (eq_ci(it, len, "sha256"))
        *h |= DKIMKEY_HASH_SHA256;
    else {
        *h |= DKIMKEY_HASH_OTHER;
        problem_q(p, "dkim.h_unknown", DKIMKEY_SEV_WARNING, col, "unknown hash algorithm", it,
                  len);
    }
}

static void s_item(parser *p, const char *it, size_t len, size_t col, void *arg)
{
    (void)col;
    if (eq_ci(it, len, "*") || eq_ci(it, len, "email"))
        p->r->service_email = true;
    (void)arg;
}

static void t_item(parser *p, const char *it, size_t len, size_t col, void *arg)
{
    (void)arg;
    if (eq_ci(it, len, "y"))
        p->r->testing = true;
    else if (eq_ci(it, len, "s"))
        p->r->strict = true;
    else
        problem_q(p, "dkim.t_unknown", DKIMKEY_SEV_INFO, col, "unknown flag ignored", it, len);
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict base64 (RFC 4648 §4) ignoring whitespace; out holds n*3/4+3 bytes.
 * Returns the decoded length, or -1 with *bad the offset of the first fault. */
static long b64_decode(const char *v, size_t n, unsigned char *out, size_t *bad)
{
    unsigned acc = 0;
    int bits = 0, pad = 0;
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_wsp(v[i]))
            continue;
        *bad = i;
        if (v[i] == '=') {
            if (++pad > 2)
                return -1;
            chars++;
            continue;
        }
        int x = b64val((unsigned char)v[i]);
        if (x < 0 || pad)
            return -1;
        chars++;
        acc = (acc << 6) | (unsigned)x;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *bad = n;
    /* a whole number of quanta, and no stray bits left over */
    if (chars % 4 != 0 || acc != 0 || (pad && bits != (pad == 1 ? 2 : 4)))
        return -1;
    return (long)o;
}

static void check_key(parser *p, const tagspan *t)
{
    dkimkey_record *r = p->r;
    size_t bad = 0;
    unsigned char *der = malloc(t->vlen * 3 / 4 + 3);
    if (!der) {
        p->oom = true;
        return;
    }
    long len = b64_decode(t->val, t->vlen, der, &bad);
    if (len < 0) {
        add_problem(p, "dkim.p_base64", DKIMKEY_SEV_ERROR, t->vcol + bad,
                    xasprintf("p= is not valid base64 (at column %zu)", t->vcol + bad));
        goto cleanup;
    }
    if (r->k == DKIMKEY_TYPE_ED25519) {
        if (len != 32) {
            add_problem(p, "dkim.key_invalid", DKIMKEY_SEV_ERROR, t->vcol,
                        xasprintf("an ed25519 key is 32 bytes, p= has %ld", len));
            goto cleanup;
        }
        r->key_type = DKIMKEY_TYPE_ED25519;
        r->key_bits = 256;
        goto cleanup;
    }
    if (r->k != DKIMKEY_TYPE_RSA)
        goto cleanup;
    const unsigned char *q = der;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, len);
    if (pk && q != der + len) { /* trailing bytes after the DER */
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    bool pkcs1 = false;
    if (!pk) {
        q = der;
        pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, len);
        pkcs1 = pk && q == der + len;
        if (pk && !pkcs1) {
            EVP_PKEY_free(pk);
            pk = NULL;
        }
    }
    if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        add_problem(p, "dkim.key_invalid", DKIMKEY_SEV_ERROR, t->vcol,
                    xstrdup(pk ? "p= holds a public key that is not RSA although k=rsa"
                               : "p= does not decode to an RSA public key"));
        EVP_PKEY_free(pk);
        goto cleanup;
    }
    r->key_type = DKIMKEY_TYPE_RSA;
    r->key_bits = (unsigned)EVP_PKEY_get_bits(pk);
    EVP_PKEY_free(pk);
    if (pkcs1)
        add_problem(p, "dkim.key_pkcs1", DKIMKEY_SEV_WARNING, t->vcol,
                    xstrdup("RSA key is a bare PKCS#1 RSAPublicKey, not SubjectPublicKeyInfo"));
    if (r->key_bits < 1024)
        add_problem(p, "dkim.key_weak", DKIMKEY_SEV_ERROR, t->vcol,
                    xasprintf("RSA key of %u bits; verifiers must reject keys under 1024",
                              r->key_bits));
    else if (r->key_bits < 2048)
        add_problem(p, "dkim.key_short", DKIMKEY_SEV_WARNING, t->vcol,
                    xasprintf("RSA key of %u bits; 2048 or more is recommended", r->key_bits));
cleanup:
    free(der);
}

enum { T_V, T_K, T_H, T_S, T_T, T_N, T_P, T_COUNT };
static const char *const known_tags[T_COUNT] = {"v", "k", "h", "s", "t", "n", "p"};

static void invalid_value(parser *p, const char *code, const tagspan *t)
{
    char what[48];
    snprintf(what, sizeof what, "invalid %.*s value", (int)t->nlen, t->name);
    problem_q(p, code, DKIMKEY_SEV_ERROR, t->vcol, what, t->val, t->vlen);
}

static void apply_tag(parser *p, int k, const tagspan *t, bool first, tagspan *ptag)
{
    dkimkey_record *r = p->r;
    switch (k) {
    case T_V:
        r->has_v = true;
        if (!first)
            add_problem(p, "dkim.v_not_first", DKIMKEY_SEV_ERROR, t->ncol,
                        xasprintf("v= must be the first tag (found at column %zu)", t->ncol));
        if (t->vlen != 5 || strncmp(t->val, "DKIM1", 5) != 0)
            invalid_value(p, "dkim.v_invalid", t);
        break;
    case T_K:
        if (eq_ci(t->val, t->vlen, "rsa"))
            r->k = DKIMKEY_TYPE_RSA;
        else if (eq_ci(t->val, t->vlen, "ed25519"))
            r->k = DKIMKEY_TYPE_ED25519;
        else {
            r->k = DKIMKEY_TYPE_UNKNOWN;
            problem_q(p, "dkim.k_unknown", DKIMKEY_SEV_ERROR, t->vcol, "unknown key type",
                      t->val, t->vlen);
        }
        break;
    case T_H: {
        unsigned h = 0;
        if (!colon_list(p, t, false, h_item, &h))
            invalid_value(p, "dkim.h_invalid", t);
        else {
            r->hashes = h;
            if (h == DKIMKEY_HASH_SHA1)
                add_problem(p, "dkim.h_sha1_only", DKIMKEY_SEV_WARNING, t->vcol,
                            xstrdup("h=sha1 only: RFC 8301 forbids signing with sha1"));
        }
        break;
    }
    case T_S:
        r->service_email = false;
        if (!colon_list(p, t, true, s_item, NULL)) {
            r->service_email = true;
            invalid_value(p, "dkim.s_invalid", t);
        } else if (!r->service_email)
            problem_q(p, "dkim.s_not_email", DKIMKEY_SEV_ERROR, t->vcol,
                      "service type excludes email", t->val, t->vlen);
        break;
    case T_T:
        if (!colon_list(p, t, false, t_item, NULL))
            invalid_value(p, "dkim.t_invalid", t);
        else if (r->testing)
            add_problem(p, "dkim.t_testing", DKIMKEY_SEV_WARNING, t->vcol,
                        xstrdup("t=y: the domain is testing DKIM; failures are ignored"));
        break;
    case T_N:
        free(r->notes);
        r->notes = escape_display(t->val, t->vlen);
        if (!r->notes)
            p->oom = true;
        break;
    case T_P:
        *ptag = *t; /* checked after all tags: it depends on k= */
        break;
    default:
        break;
    }
}

int dkimkey_parse(const char *s, size_t n, dkimkey_record **out, err *e)
{
    dkimkey_record *r = calloc(1, sizeof *r);
    parser p = {.s = s, .r = r};
    bool seen[T_COUNT] = {false};
    size_t ntags = 0;
    tagspan ptag = {0};

    *out = NULL;
    if (!r)
        goto oom;
    r->k = DKIMKEY_TYPE_RSA;
    r->hashes = DKIMKEY_HASH_ALL;
    r->service_email = true;
    if (n > DKIMKEY_RECORD_MAX) {
        add_problem(&p, "dkim.too_long", DKIMKEY_SEV_ERROR, 0,
                    xasprintf("record is %zu bytes, more than the %d allowed", n,
                              DKIMKEY_RECORD_MAX));
        goto done;
    }
    for (size_t a = 0; a <= n && !p.oom;) {
        const char *semi = memchr(s + a, ';', n - a);
        size_t b = semi ? (size_t)(semi - s) : n, i = a;
        while (i < b && is_wsp(s[i]))
            i++;
        if (i == b) { /* empty tag-spec: fine only as the trailing ";" */
            if (semi)
                add_problem(&p, "dkim.empty_tag", DKIMKEY_SEV_WARNING, b + 1,
                            xasprintf("empty tag before ';' at column %zu", b + 1));
            a = b + 1;
            continue;
        }
        tagspan t;
        bool first = ntags++ == 0;
        if (split_tag(&p, a, b, &t)) {
            int k = 0;
            while (k < T_COUNT && !(t.nlen == strlen(known_tags[k]) &&
                                    memcmp(t.name, known_tags[k], t.nlen) == 0))
                k++;
            if (k == T_COUNT)
                problem_q(&p, "dkim.tag_unknown", DKIMKEY_SEV_INFO, t.ncol,
                          "unknown tag ignored", t.name, t.nlen);
            else if (seen[k])
                problem_q(&p, "dkim.tag_duplicate", DKIMKEY_SEV_ERROR, t.ncol,
                          "duplicate tag", t.name, t.nlen);
            else {
                seen[k] = true;
                apply_tag(&p, k, &t, first, &ptag);
            }
        }
        a = b + 1;
    }
    if (p.oom)
        goto oom;
    if (!seen[T_P])
        add_problem(&p, "dkim.p_missing", DKIMKEY_SEV_ERROR, 0,
                    xstrdup("required tag p (public key) is missing"));
    else if (ptag.vlen == 0) {
        r->revoked = true;
        add_problem(&p, "dkim.key_revoked", DKIMKEY_SEV_WARNING, ptag.vcol,
                    xstrdup("empty p=: this key has been revoked"));
    } else
        check_key(&p, &ptag);
done:
    if (p.oom)
        goto oom;
    *out = r;
    return 0;
oom:
    dkimkey_record_free(r);
    return err_set(e, ERRC_INTERNAL, "out of memory parsing a DKIM key record");
}

void dkimkey_record_free(dkimkey_record *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nproblems; i++)
        free(r->problems[i].detail);
    free(r->problems);
    free(r->notes);
    free(r);
}

const char *dkimkey_type_name(dkimkey_type t)
{
    switch (t) {
    case DKIMKEY_TYPE_RSA: return "rsa";
    case DKIMKEY_TYPE_ED25519: return "ed25519";
    default: return "unknown";
    }
}
