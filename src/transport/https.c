/* https.c — a bounded, verifying HTTPS GET over libcurl (https.h).
 *
 * Why libcurl and not our own conn + tlsconn: HTTP/1.1 framing (chunked
 * encoding, keep-alive, status lines, header folding) and HTTP/2 are a
 * maintained library's job; what we add is the policy: https only, verify
 * always, never follow a redirect (RFC 8461 §3.3), cap the body, one deadline.
 *
 * libcurl is loaded on first use (dlopen), not linked: with its own
 * dependencies (GnuTLS, Kerberos, LDAP, SSH, RTMP, ...) it added ~3.7 MB of
 * RSS and twenty libraries to every run of every command, while only the
 * MTA-STS policy fetch of `domain` needs it (bench/send-vs-swaks.sh showed
 * it). The headers still come from libcurl4-openssl-dev (scripts/deps.sh);
 * only the nine entry points below are used.
 *
 * Ownership: one easy handle per call, created and cleaned up here, so calls
 * in different threads share nothing. Loading and libcurl's global init run
 * once (pthread_once) and are never undone: write-once library state. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/err.h"
#include "core/escape.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/https.h"

#define URL_MAX 2048
#define HOSTPORT_MAX 300

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

/* The libcurl entry points, resolved once by curl_init_once. */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode c);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} C;

/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
#define LOAD(field, name)                                      \
    do {                                                       \
        void *sym_ = dlsym(lib, name);                         \
        if (!sym_)                                             \
            return;                                            \
        memcpy(&C.field, &sym_, sizeof C.field);               \
    } while (0)

static void curl_init_once(void)
{
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return; /* curl_init_rc stays CURLE_FAILED_INIT: the fetch says why */
    LOAD(global_init, "curl_global_init");
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_getinfo, "curl_easy_getinfo");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(slist_append, "curl_slist_append");
    LOAD(slist_free_all, "curl_slist_free_all");
    curl_init_rc = C.global_init(CURL_GLOBAL_DEFAULT);
}

const char *https_failure_name(https_failure f)
{
    switch (f) {
    case HTTPSF_NONE: return "none";
    case HTTPSF_RESOLVE: return "resolve";
    case HTTPSF_CONNECT: return "connect";
    case HTTPSF_TIMEOUT: return "timeout";
    case HTTPSF_TLS: return "tls";
    case HTTPSF_CERT: return "cert";
    case HTTPSF_REDIRECT: return "redirect";
    case HTTPSF_STATUS: return "status";
    case HTTPSF_CONTENT_TYPE: return "content_type";
    case HTTPSF_TOO_LARGE: return "too_large";
    case HTTPSF_OTHER: return "other";
    }
    return "other";
}

void https_response_clear(https_response *r)
{
    if (!r)
        return;
    free(r->content_type);
    free(r->location);
    free(r->body);
    free(r->address);
    free(r->detail);
    memset(r, 0, sizeof *r);
}

/* The body, kept up to a cap: libcurl hands it over in pieces. */
typedef struct sink {
    char *data;
    size_t len, cap, max;
    bool too_large, oom;
} sink;

static size_t sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->too_large = true;
        return 0; /* stops the transfer with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *d = realloc(s->data, cap);
        if (!d) {
            s->oom = true;
            return 0;
        }
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, n);
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

/* "https://HOST[:PORT]/..." → HOST and PORT. Only plain names and IPv4
 * literals: an MTA-STS policy host is always a name. */
static bool url_host_port(const char *url, char *host, size_t hostsz, int *port)
{
    static const char pfx[] = "https://";
    if (strncasecmp(url, pfx, sizeof pfx - 1) != 0)
        return false;
    const char *h = url + sizeof pfx - 1;
    size_t n = strcspn(h, ":/?#");
    if (n == 0 || n >= hostsz)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    *port = 443;
    if (h[n] == ':') {
        char *end = NULL;
        long v = strtol(h + n + 1, &end, 10);
        if (end == h + n + 1 || v < 1 || v > 65535 || (*end && *end != '/'))
            return false;
        *port = (int)v;
    }
    return true;
}

/* "ADDR:PORT" or "[V6]:PORT": printable, no blanks or commas, a numeric port. */
static bool connect_to_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > HOSTPORT_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == ',')
            return false;
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1])
        return false;
    char *end = NULL;
    long v = strtol(colon + 1, &end, 10);
    return *end == '\0' && v >= 1 && v <= 65535;
}

static bool addr_ok(const char *a)
{
    size_t n = strlen(a);
    if (n == 0 || n > 45)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == '.' || c == ':'))
            return false;
    }
    return true;
}

static char *escaped(const char *s)
{
    return s ? escape_display(s, strlen(s)) : NULL;
}

/* Media type of a Content-Type value: up to ';', blanks trimmed, compared
 * case-insensitively (RFC 9110 §8.3.1). */
static bool media_type_is(const char *ct, const char *want)
{
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == strlen(want) && strncasecmp(ct, want, n) == 0;
}

static https_failure classify(CURLcode rc, bool too_large)
{
    if (too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return HTTPSF_TOO_LARGE;
    switch (rc) {
    case CURLE_OK: return HTTPSF_NONE;
    case CURLE_COULDNT_RESOLVE_HOST: return HTTPSF_RESOLVE;
    case CURLE_COULDNT_CONNECT: return HTTPSF_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return HTTPSF_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION: return HTTPSF_CERT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_SHUTDOWN_FAILED: return HTTPSF_TLS;
    default: return HTTPSF_OTHER;
    }
}

/* Set every option; false when libcurl refused one. */
static bool configure(CURL *h, const char *url, const https_opts *o, sink *s, char *errbuf,
                      struct curl_slist *pins, struct curl_slist *conn_to, int64_t left)
{
    bool ok = true;
    ok &= C.easy_setopt(h, CURLOPT_URL, url) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
    ok &= C.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https") == CURLE_OK;
#else
    ok &= C.easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS) == CURLE_OK;
#endif
    /* RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed". */
    ok &= C.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
    if (o->ca_file) {
        /* instead of the system store, as tlsconn's --ca-file: a test CA must
         * not pass because some system CA also would */
        ok &= C.easy_setopt(h, CURLOPT_CAINFO, o->ca_file) == CURLE_OK;
        ok &= C.easy_setopt(h, CURLOPT_CAPATH, NULL) == CURLE_OK;
    }
    /* A sender's MTA connects directly; a proxy from the environment would
     * test the proxy's view, not the domain's. */
    ok &= C.easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)left) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_WRITEDATA, s) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
    ok &= C.easy_setopt(h, CURLOPT_USERAGENT, "smtpscope/" SMTPSCOPE_VERSION) == CURLE_OK;
    if (pins)
        ok &= C.easy_setopt(h, CURLOPT_RESOLVE, pins) == CURLE_OK;
    if (conn_to)
        ok &= C.easy_setopt(h, CURLOPT_CONNECT_TO, conn_to) == CURLE_OK;
    return ok;
}

/* "HOST:PORT:ADDR,ADDR" for CURLOPT_RESOLVE (IPv6 in brackets). */
static char *pin_entry(const char *host, int port, const char *const *addrs, size_t n)
{
    char *s = xasprintf("%s:%d:", host, port);
    for (size_t i = 0; s && i < n && i < HTTPS_RESOLVE_MAX; i++) {
        bool v6 = strchr(addrs[i], ':') != NULL;
        char *t = xasprintf("%s%s%s%s%s", s, i ? "," : "", v6 ? "[" : "", addrs[i],
                            v6 ? "]" : "");
        free(s);
        s = t;
    }
    return s;
}

int https_get(const char *url, const https_opts *o, https_response *out, err *e)
{
    memset(out, 0, sizeof *out);
    char host[HOSTPORT_MAX];
    int port = 443;
    if (!url || strlen(url) > URL_MAX || !url_host_port(url, host, sizeof host, &port))
        return err_set(e, ERRC_LOCAL_INPUT, "not an https:// URL with a host name");
    if (o->connect_to && !connect_to_ok(o->connect_to))
        return err_set(e, ERRC_LOCAL_INPUT, "connect-to must be ADDRESS:PORT");
    for (size_t i = 0; i < o->n_addrs; i++)
        if (!addr_ok(o->addrs[i]))
            return err_set(e, ERRC_LOCAL_INPUT, "not a numeric address for %s", host);
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return err_set(e, ERRC_INTERNAL, "libcurl (libcurl.so.4) could not be loaded or "
                                          "initialised; install the libcurl4 package");

    int64_t t0 = clock_now_ms();
    int64_t left = clock_remaining_ms(o->deadline);
    sink s = {.max = o->max_body ? o->max_body : HTTPS_BODY_MAX};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *pins = NULL, *conn_to = NULL;
    CURL *h = NULL;
    int rc = -1;

    if (left <= 0) {
        out->failure = HTTPSF_TIMEOUT;
        out->detail = xstrdup("the deadline passed before the request");
        return out->detail ? 0 : err_set(e, ERRC_INTERNAL, "out of memory");
    }
    if (o->n_addrs && !o->connect_to) {
        char *p = pin_entry(host, port, o->addrs, o->n_addrs);
        struct curl_slist *l = p ? C.slist_append(NULL, p) : NULL;
        free(p);
        if (!l)
            goto oom;
        pins = l;
    }
    if (o->connect_to) {
        char *p = xasprintf("%s:%d:%s", host, port, o->connect_to);
        struct curl_slist *l = p ? C.slist_append(NULL, p) : NULL;
        free(p);
        if (!l)
            goto oom;
        conn_to = l;
    }
    if (!(h = C.easy_init()))
        goto oom;
    if (!configure(h, url, o, &s, errbuf, pins, conn_to, left)) {
        err_set(e, ERRC_INTERNAL, "libcurl refused an option");
        goto out;
    }

    CURLcode cc = C.easy_perform(h);
    if (s.oom)
        goto oom;
    long status = 0;
    char *ct = NULL, *ip = NULL, *loc = NULL;
    C.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    C.easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    C.easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
    C.easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
    out->status = status;
    if ((ct && !(out->content_type = escaped(ct))) || (ip && ip[0] && !(out->address = xstrdup(ip))))
        goto oom;

    out->failure = classify(cc, s.too_large);
    if (out->failure == HTTPSF_NONE) {
        if (status >= 300 && status < 400) {
            out->failure = HTTPSF_REDIRECT;
            if (loc && !(out->location = escaped(loc)))
                goto oom;
        } else if (status != 200) {
            out->failure = HTTPSF_STATUS;
        } else if (o->media_type && !media_type_is(ct, o->media_type)) {
            out->failure = HTTPSF_CONTENT_TYPE;
        }
    }
    if (out->failure == HTTPSF_NONE || out->failure == HTTPSF_CONTENT_TYPE) {
        if (!s.data && !(s.data = calloc(1, 1)))
            goto oom;
        out->body = s.data;
        out->body_len = s.len;
        s.data = NULL;
        if (out->failure == HTTPSF_CONTENT_TYPE &&
            !(out->detail = xasprintf("Content-Type is %s, not %s",
                                      out->content_type ? out->content_type : "missing",
                                      o->media_type)))
            goto oom;
    } else {
        const char *why = errbuf[0] ? errbuf : C.easy_strerror(cc);
        if (out->failure == HTTPSF_TOO_LARGE)
            out->detail = xasprintf("the body is larger than %zu bytes", s.max);
        else if (out->failure == HTTPSF_REDIRECT)
            out->detail = xasprintf("HTTP %ld redirect (not followed)", status);
        else if (out->failure == HTTPSF_STATUS)
            out->detail = xasprintf("HTTP status %ld", status);
        else
            out->detail = escape_display(why, strnlen(why, sizeof errbuf));
        if (!out->detail)
            goto oom;
    }
    out->ms = clock_now_ms() - t0;
    rc = 0;
    goto out;
oom:
    https_response_clear(out);
    err_set(e, ERRC_INTERNAL, "out of memory in an HTTPS request");
out:
    if (h)
        C.easy_cleanup(h);
    C.slist_free_all(pins);
    C.slist_free_all(conn_to);
    free(s.data);
    return rc;
}
