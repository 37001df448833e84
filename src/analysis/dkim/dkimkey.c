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
#include "analysis/common/tagrec.h"
#include "analysis/dkim/dkimkey.h"

typedef struct parser {
    const char *s;
    dkimkey_record *r;
    tagrec_sink k;          /* into r's problem list */
} parser;

/* Walk a ':' list with whitespace around the colons; each item must be a
 * hyphenated word (ALPHA / DIGIT / "-", or "*" when star is allowed). Calls
 * fn for each item; false when the list is malformed. */
typedef void (*item_fn)(parser *p, const char *it, size_t len, size_t col, void *arg);

static bool colon_list(parser *p, const tagrec_tag *t, bool star, item_fn fn, void *arg)
{
    const char *v = t->val;
    size_t n = t->vlen, i = 0;
    for (;;) {
        while (i < n && tagrec_is_fws(v[i]))
            i++;
        size_t a = i;
        while (i < n && (isalnum((unsigned char)v[i]) || v[i] == '-' || (star && v[i] == '*')))
            i++;
        if (i == a)
            return false;
        size_t b = i;
        while (i < n && tagrec_is_fws(v[i]))
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
    if (tagrec_eq_ci(it, len, "sha1"))
        *h |= DKIMKEY_HASH_SHA1;
    else if (tagrec_eq_ci(it, len, "sha256"))
        *h |= DKIMKEY_HASH_SHA256;
    else {
        *h |= DKIMKEY_HASH_OTHER;
        tagrec_quote(&p->k, "dkim.h_unknown", DKIMKEY_SEV_WARNING, col, "unknown hash algorithm",
                     it, len);
    }
}

static void s_item(parser *p, const char *it, size_t len, size_t col, void *arg)
{
    (void)col;
    if (tagrec_eq_ci(it, len, "*") || tagrec_eq_ci(it, len, "email"))
        p->r->service_email = true;
    (void)arg;
}

static void t_item(parser *p, const char *it, size_t len, size_t col, void *arg)
{
    (void)arg;
    if (tagrec_eq_ci(it, len, "y"))
        p->r->testing = true;
    else if (tagrec_eq_ci(it, len, "s"))
        p->r->strict = true;
    else
        tagrec_quote(&p->k, "dkim.t_unknown", DKIMKEY_SEV_INFO, col, "unknown flag ignored", it,
                     len);
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
        if (tagrec_is_fws(v[i]))
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

static void check_key(parser *p, const tagrec_tag *t)
{
    dkimkey_record *r = p->r;
    size_t bad = 0;
    unsigned char *der = malloc(t->vlen * 3 / 4 + 3);
    if (!der) {
        p->k.oom = true;
        return;
    }
    long len = b64_decode(t->val, t->vlen, der, &bad);
    if (len < 0) {
        tagrec_add(&p->k, "dkim.p_base64", DKIMKEY_SEV_ERROR, t->vcol + bad,
                   xasprintf("p= is not valid base64 (at column %zu)", t->vcol + bad));
        goto cleanup;
    }
    if (r->k == DKIMKEY_TYPE_ED25519) {
        if (len != 32) {
            tagrec_add(&p->k, "dkim.key_invalid", DKIMKEY_SEV_ERROR, t->vcol,
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
        tagrec_add(&p->k, "dkim.key_invalid", DKIMKEY_SEV_ERROR, t->vcol,
                   xstrdup(pk ? "p= holds a public key that is not RSA although k=rsa"
                              : "p= does not decode to an RSA public key"));
        EVP_PKEY_free(pk);
        goto cleanup;
    }
    r->key_type = DKIMKEY_TYPE_RSA;
    r->key_bits = (unsigned)EVP_PKEY_get_bits(pk);
    EVP_PKEY_free(pk);
    if (pkcs1)
        tagrec_add(&p->k, "dkim.key_pkcs1", DKIMKEY_SEV_WARNING, t->vcol,
                   xstrdup("RSA key is a bare PKCS#1 RSAPublicKey, not SubjectPublicKeyInfo"));
    if (r->key_bits < 1024)
        tagrec_add(&p->k, "dkim.key_weak", DKIMKEY_SEV_ERROR, t->vcol,
                   xasprintf("RSA key of %u bits; verifiers must reject keys under 1024",
                             r->key_bits));
    else if (r->key_bits < 2048)
        tagrec_add(&p->k, "dkim.key_short", DKIMKEY_SEV_WARNING, t->vcol,
                   xasprintf("RSA key of %u bits; 2048 or more is recommended", r->key_bits));
cleanup:
    free(der);
}

enum { T_V, T_K, T_H, T_S, T_T, T_N, T_P, T_COUNT };
static const char *const known_tags[T_COUNT] = {"v", "k", "h", "s", "t", "n", "p"};

static void invalid_value(parser *p, const char *code, const tagrec_tag *t)
{
    tagrec_invalid_value(&p->k, code, t);
}

static void apply_tag(parser *p, int k, const tagrec_tag *t, bool first, tagrec_tag *ptag)
{
    dkimkey_record *r = p->r;
    switch (k) {
    case T_V:
        r->has_v = true;
        if (!first)
            tagrec_add(&p->k, "dkim.v_not_first", DKIMKEY_SEV_ERROR, t->ncol,
                       xasprintf("v= must be the first tag (found at column %zu)", t->ncol));
        if (t->vlen != 5 || strncmp(t->val, "DKIM1", 5) != 0)
            invalid_value(p, "dkim.v_invalid", t);
        break;
    case T_K:
        if (tagrec_eq_ci(t->val, t->vlen, "rsa"))
            r->k = DKIMKEY_TYPE_RSA;
        else if (tagrec_eq_ci(t->val, t->vlen, "ed25519"))
            r->k = DKIMKEY_TYPE_ED25519;
        else {
            r->k = DKIMKEY_TYPE_UNKNOWN;
            tagrec_quote(&p->k, "dkim.k_unknown", DKIMKEY_SEV_ERROR, t->vcol, "unknown key type",
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
                tagrec_add(&p->k, "dkim.h_sha1_only", DKIMKEY_SEV_WARNING, t->vcol,
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
            tagrec_quote(&p->k, "dkim.s_not_email", DKIMKEY_SEV_ERROR, t->vcol,
                         "service type excludes email", t->val, t->vlen);
        break;
    case T_T:
        if (!colon_list(p, t, false, t_item, NULL))
            invalid_value(p, "dkim.t_invalid", t);
        else if (r->testing)
            tagrec_add(&p->k, "dkim.t_testing", DKIMKEY_SEV_WARNING, t->vcol,
                       xstrdup("t=y: the domain is testing DKIM; failures are ignored"));
        break;
    case T_N:
        free(r->notes);
        r->notes = escape_display(t->val, t->vlen);
        if (!r->notes)
            p->k.oom = true;
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
    tagrec_tag ptag = {0};

    *out = NULL;
    if (!r)
        goto oom;
    p.k = (tagrec_sink){.v = &r->problems, .n = &r->nproblems, .nerr = &r->nerrors};
    r->k = DKIMKEY_TYPE_RSA;
    r->hashes = DKIMKEY_HASH_ALL;
    r->service_email = true;
    if (tagrec_too_long(&p.k, "dkim.too_long", "record", n, DKIMKEY_RECORD_MAX))
        goto done;
    tagrec_iter it = {.s = s, .n = n, .fws = true, .empty_code = "dkim.empty_tag",
                      .noun = "tag", .sink = &p.k};
    size_t a, b;
    while (tagrec_next(&it, &a, &b)) {
        tagrec_tag t;
        bool first = it.count == 1;
        if (!tagrec_split(&it, "dkim.syntax", a, b, &t))
            continue;
        /* tag names are case-sensitive (§3.2) */
        int k = 0;
        while (k < T_COUNT &&
               !(t.nlen == strlen(known_tags[k]) && memcmp(t.name, known_tags[k], t.nlen) == 0))
            k++;
        if (k == T_COUNT)
            tagrec_quote(&p.k, "dkim.tag_unknown", DKIMKEY_SEV_INFO, t.ncol, "unknown tag ignored",
                         t.name, t.nlen);
        else if (seen[k])
            tagrec_quote(&p.k, "dkim.tag_duplicate", DKIMKEY_SEV_ERROR, t.ncol, "duplicate tag",
                         t.name, t.nlen);
        else {
            seen[k] = true;
            apply_tag(&p, k, &t, first, &ptag);
        }
    }
    if (p.k.oom)
        goto oom;
    if (!seen[T_P])
        tagrec_add(&p.k, "dkim.p_missing", DKIMKEY_SEV_ERROR, 0,
                   xstrdup("required tag p (public key) is missing"));
    else if (ptag.vlen == 0) {
        r->revoked = true;
        tagrec_add(&p.k, "dkim.key_revoked", DKIMKEY_SEV_WARNING, ptag.vcol,
                   xstrdup("empty p=: this key has been revoked"));
    } else
        check_key(&p, &ptag);
done:
    if (p.k.oom)
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
    tagrec_problems_free(r->problems, r->nproblems);
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
