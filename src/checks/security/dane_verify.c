/* dane_verify.c — the DANE handshake (see dane_verify.h): one fresh SMTP
 * connection with the usable TLSA records loaded into OpenSSL (through
 * tlsconn_opts.dane), then the verdict from what the handshake matched.
 *
 * RFC 7672 §2.2 / §3: the TLSA base domain is the host name, used as SNI and,
 * for DANE-TA, as the reference name; DANE-EE needs no name or validity
 * check (done in transport/tlsconn.c). Ownership: everything allocated here
 * is freed here, except what goes into the report and the findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/conn.h"
#include "transport/tcp.h"
#include "transport/tlsconn.h"
#include "transport/tlsinfo.h"
/* ---- protocol ---- */
#include "protocol/client.h"
#include "protocol/ehlo.h"
#include "protocol/reply.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/security/dane.h"
#include "checks/security/dane_verify.h"

#define DANE_DEFAULT_TIMEOUT_MS 10000

static int unhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode the report's lower-case hex back to bytes. NULL on OOM or bad hex. */
static unsigned char *bytes_of(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    unsigned char *p = malloc(n ? n : 1);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi = unhex(hex[2 * i]), lo = unhex(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(p);
            return NULL;
        }
        p[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n;
    return p;
}

/* "3 1 1" digest of the peer's leaf key, hex, for the mismatch advice
 * ("publish this"). NULL when there is no leaf or on OOM. */
static char *leaf_spki_sha256(SSL *ssl)
{
    X509 *leaf = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
    if (!leaf)
        return NULL;
    unsigned char *der = NULL;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &der);
    if (n <= 0)
        return NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    int ok = EVP_Digest(der, (size_t)n, md, &ml, EVP_sha256(), NULL);
    OPENSSL_free(der);
    if (!ok)
        return NULL;
    char *s = malloc(ml * 2 + 1);
    if (!s)
        return NULL;
    for (unsigned int i = 0; i < ml; i++)
        snprintf(s + 2 * i, 3, "%02x", md[i]);
    return s;
}

/* What one DANE session needs, freed by session_end. */
typedef struct session {
    tls_dane_rec *recs;
    size_t *view_of;       /* recs[i] is r->records[view_of[i]] */
    size_t n;
    tlsconn_ctx *ctx;
    smtp_client *cl;
    tls_info info;
    bool have_info;
} session;

static void session_end(session *s, int64_t timeout_ms)
{
    if (s->cl && client_get_state(s->cl) != CS_BROKEN && client_get_state(s->cl) != CS_QUIT) {
        smtp_reply *rep = NULL;
        err e;
        err_clear(&e);
        /* QUIT is politeness: its outcome changes nothing. */
        client_command(s->cl, "QUIT", clock_deadline_in(timeout_ms), &rep, &e);
        reply_free(rep);
    }
    client_free(s->cl);
    tlsconn_ctx_free(s->ctx);
    if (s->have_info)
        tls_info_clear(&s->info);
    for (size_t i = 0; i < s->n; i++)
        free((void *)s->recs[i].data);
    free(s->recs);
    free(s->view_of);
}

/* The handshake could not be made: state ERROR and dane.handshake_failed. */
static int failed(dane_report *r, finding_list *f, const char *why)
{
    r->state = DANE_ERROR;
    if (finding_add(f, "dane.handshake_failed", STAGE_DANE, NULL,
                    "TLSA records at %s are DNSSEC-signed, but %s", r->qname, why) < 0)
        return -1;
    free(r->detail);
    r->detail = xasprintf("cannot verify the TLSA records: %s", why);
    return r->detail ? 0 : -1;
}

/* Connect, greet and bring up TLS. Returns 1 with TLS up, 0 when that was
 * not possible (the verdict is set), -1 on OOM. */
static int bring_up_tls(const dane_opts *o, const char *host, session *s, dane_report *r,
                        finding_list *f, transcript *t, int64_t to)
{
    char why[600];
    err e;
    err_clear(&e);
    tcp_addr a;
    if (!o->address || tcp_addr_parse(o->address, &a) < 0)
        return failed(r, f, "no address to connect to was given");
    conn *c = tcp_connect_any(&a, 1, o->port, to, NULL, NULL, NULL, &e);
    if (!c) {
        snprintf(why, sizeof why, "the connection to %s port %d failed: %s", o->address, o->port,
                 e.msg);
        return failed(r, f, why);
    }
    transcript_addf(t, TR_INFO, "DANE: connected to %s port %d, %zu TLSA record%s loaded",
                    o->address, o->port, s->n, s->n == 1 ? "" : "s");
    if (!(s->cl = client_new(c, t, NULL)))
        return -1;
    smtp_reply *rep = NULL;
    tls_failure tf = TLSF_NONE;
    bool implicit = o->tls == TLSM_IMPLICIT || (o->tls == TLSM_AUTO && o->port == 465);
    int rc;
    if (implicit) {
        rc = client_tls_implicit(s->cl, s->ctx, host, clock_deadline_in(to), &s->info, &tf, &e);
        if (rc < 0) {
            snprintf(why, sizeof why, "the TLS handshake failed: %s", e.msg);
            return failed(r, f, why);
        }
        s->have_info = true;
        /* Read the greeting so QUIT is in order; its code changes nothing. */
        if (client_greeting(s->cl, clock_deadline_in(to), &rep, &e) == 0)
            reply_free(rep);
        return 1;
    }
    if (client_greeting(s->cl, clock_deadline_in(to), &rep, &e) < 0) {
        snprintf(why, sizeof why, "no greeting: %s", e.msg);
        return failed(r, f, why);
    }
    int code = rep->code;
    reply_free(rep);
    if (code / 100 != 2) {
        snprintf(why, sizeof why, "the server greeted with %d instead of 220", code);
        return failed(r, f, why);
    }
    ehlo_caps caps;
    memset(&caps, 0, sizeof caps);
    bool used_helo = false;
    rc = client_ehlo(s->cl, o->helo && *o->helo ? o->helo : "localhost", true,
                     clock_deadline_in(to), &rep, &caps, &used_helo, &e);
    code = rep ? rep->code : 0;
    reply_free(rep);
    bool starttls = caps.starttls;
    ehlo_caps_free(&caps);
    if (rc < 0 || code / 100 != 2) {
        snprintf(why, sizeof why, "EHLO failed: %s", rc < 0 ? e.msg : "refused");
        return failed(r, f, why);
    }
    if (!starttls)
        return failed(r, f, "the server does not offer STARTTLS");
    size_t discarded = 0;
    rc = client_starttls(s->cl, s->ctx, host, clock_deadline_in(to), &rep, &discarded, &s->info,
                         &tf, &e);
    code = rep ? rep->code : 0;
    reply_free(rep);
    if (rc < 0 && code == 220) {
        snprintf(why, sizeof why, "the TLS handshake failed: %s", e.msg);
        return failed(r, f, why);
    }
    if (rc < 0) {
        snprintf(why, sizeof why, "STARTTLS failed: %s", e.msg);
        return failed(r, f, why);
    }
    if (code != 220) {
        snprintf(why, sizeof why, "the server refused STARTTLS with %d", code);
        return failed(r, f, why);
    }
    s->have_info = true;
    return 1;
}

static const char *usage_name(unsigned u)
{
    return u == 2 ? "DANE-TA" : u == 3 ? "DANE-EE" : "?";
}

/* The verdict from the completed handshake. */
static int judge(session *s, dane_report *r, finding_list *f)
{
    const tls_info *ti = &s->info;
    if (ti->dane && ti->verified && ti->dane_record >= 0 && (size_t)ti->dane_record < s->n) {
        dane_record_view *v = &r->records[s->view_of[ti->dane_record]];
        v->matched = true;
        r->state = DANE_VERIFIED;
        r->match_depth = ti->dane_depth;
        char where[64];
        if (ti->dane_depth == 0)
            snprintf(where, sizeof where, "the server's own certificate");
        else
            snprintf(where, sizeof where, "the issuer at depth %d of the chain", ti->dane_depth);
        if (finding_add(f, "dane.verified", STAGE_DANE, NULL,
                        "TLSA %u %u %u (%s) at %s matches %s", v->usage, v->selector, v->mtype,
                        usage_name(v->usage), r->qname, where) < 0)
            return -1;
        free(r->detail);
        r->detail = xasprintf("verified: TLSA %u %u %u matches %s", v->usage, v->selector,
                              v->mtype, where);
        return r->detail ? 0 : -1;
    }
    r->state = DANE_MISMATCH;
    char *key = leaf_spki_sha256(conn_ssl(client_conn(s->cl)));
    char why[200] = "";
    /* A DANE-TA record matched the chain but the leaf does not name the
     * base domain (RFC 7672 §3.2.2): OpenSSL reports the name, not DANE. */
    if (ti->verify_code == X509_V_ERR_HOSTNAME_MISMATCH)
        snprintf(why, sizeof why, "; with DANE-TA the certificate must also name the host");
    else if (ti->verify_error)
        snprintf(why, sizeof why, " (%s)", ti->verify_error);
    /* A record past the cap was never given to OpenSSL: say so, or a match
     * there would read as a plain mismatch. */
    if (r->n_published > r->n_records) {
        size_t used = strlen(why);
        snprintf(why + used, sizeof why - used, "; only the first %zu of %zu TLSA records were "
                 "checked", r->n_records, r->n_published);
    }
    int rc = finding_add(f, "dane.mismatch", STAGE_DANE, NULL,
                         "no usable TLSA record at %s (%zu) matches the certificate chain the "
                         "server presented%s%s%s",
                         r->qname, s->n, why,
                         key ? "; its key as a DANE-EE record would be 3 1 1 " : "",
                         key ? key : "");
    free(key);
    if (rc < 0)
        return -1;
    free(r->detail);
    r->detail = xasprintf("mismatch: no usable TLSA record matches the presented chain%s", why);
    return r->detail ? 0 : -1;
}

int dane_verify(const dane_opts *o, const char *host, dane_report *r, finding_list *f,
                transcript *t)
{
    int64_t to = o->timeout_ms > 0 ? o->timeout_ms : DANE_DEFAULT_TIMEOUT_MS;
    session s;
    memset(&s, 0, sizeof s);
    int rc = -1;
    if (!(s.recs = calloc(r->n_records, sizeof *s.recs)) ||
        !(s.view_of = calloc(r->n_records, sizeof *s.view_of)))
        goto out;
    for (size_t i = 0; i < r->n_records; i++) {
        const dane_record_view *v = &r->records[i];
        if (!v->usable)
            continue; /* RFC 7672 §3.1.3: never offered to OpenSSL */
        size_t len = 0;
        unsigned char *data = bytes_of(v->data_hex, &len);
        if (!data)
            goto out;
        s.recs[s.n] = (tls_dane_rec){.usage = v->usage, .selector = v->selector,
                                     .mtype = v->mtype, .data = data, .len = len};
        s.view_of[s.n++] = i;
    }
    tlsconn_dane dane = {.basedomain = host, .recs = s.recs, .n = s.n};
    /* PKIX plays no part: the system store is loaded only because the
     * context always has one; `verified` means DANE-authenticated here. */
    tlsconn_opts topts = {.dane = &dane};
    err e;
    err_clear(&e);
    if (!(s.ctx = tlsconn_ctx_new(&topts, &e))) {
        rc = e.cls == ERRC_INTERNAL ? -1 : failed(r, f, e.msg);
        goto out;
    }
    rc = bring_up_tls(o, host, &s, r, f, t, to);
    if (rc == 1)
        rc = judge(&s, r, f);
out:
    session_end(&s, to);
    return rc;
}
