/* oauth.c — the OAuth 2.0 bearer-token SASL mechanisms: XOAUTH2 (Google's
 * and Microsoft's documented format) and OAUTHBEARER (RFC 7628).
 *
 * Both send the token as the initial response:
 *   XOAUTH2:     user=USER ^A auth=Bearer TOKEN ^A ^A
 *   OAUTHBEARER: n,a=USER, ^A auth=Bearer TOKEN ^A ^A   (RFC 7628 §3.1; the
 *                optional host= and port= pairs are not sent: SMTP servers
 *                do not need them and the engine does not know them)
 * (^A is the byte 0x01.) A server that refuses the token answers with a 334
 * whose base64 text is a JSON object such as {"status":"401",...} (Google)
 * or {"status":"invalid_token",...} (RFC 7628 §3.2.2); the client must
 * answer it — XOAUTH2 with an empty line, OAUTHBEARER with a lone ^A (RFC
 * 7628 §3.2.3) — and the server then sends its final 5xx. The JSON's
 * "status" is kept (sanitised, bounded) as the exchange's note, so the user
 * learns why. The token travels in clear inside TLS: needs_tls. The JSON
 * reader below is small, bounded and lenient: it only looks for a
 * top-level "status" member and gives up quietly on anything it does not
 * understand. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* core */
#include "core/buf.h"
#include "core/err.h"

/* protocol */
#include "protocol/auth/mechs.h"
#include "protocol/auth/sasl.h"

#define OAUTH_STATUS_MAX 64
#define OAUTH_JSON_DEPTH 16

typedef struct oauth_state {
    int steps;
    char note[OAUTH_STATUS_MAX + 64];
} oauth_state;

/* ---- the error challenge's JSON (untrusted) ---- */

typedef struct jcur {
    const unsigned char *p, *end;
} jcur;

static void ws(jcur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

/* A JSON string at c->p (the opening quote); its content, with escapes
 * reduced to one character ('?' for \u), goes to out (truncated to cap-1,
 * NUL-terminated) when out is not NULL. -1 if unterminated. */
static int jstring(jcur *c, char *out, size_t cap)
{
    size_t n = 0;
    if (c->p >= c->end || *c->p != '"')
        return -1;
    c->p++;
    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = *c->p++;
        if (ch == '\\') {
            if (c->p >= c->end)
                return -1;
            ch = *c->p++;
            if (ch == 'u') {
                for (int i = 0; i < 4 && c->p < c->end; i++)
                    c->p++;
                ch = '?';
            }
        }
        if (out && n + 1 < cap)
            out[n++] = (char)(ch >= 0x20 && ch <= 0x7e ? ch : '?');
    }
    if (c->p >= c->end)
        return -1;
    c->p++;
    if (out && cap)
        out[n] = '\0';
    return 0;
}

/* Skip one value; a number or literal is copied to out like a string. */
static int jvalue(jcur *c, char *out, size_t cap, int depth)
{
    ws(c);
    if (c->p >= c->end)
        return -1;
    if (*c->p == '"')
        return jstring(c, out, cap);
    if (*c->p == '{' || *c->p == '[') {
        if (depth >= OAUTH_JSON_DEPTH)
            return -1;
        unsigned char close = *c->p == '{' ? '}' : ']';
        c->p++;
        for (int guard = 0; guard < 4096; guard++) {
            ws(c);
            if (c->p < c->end && *c->p == close) {
                c->p++;
                return 0;
            }
            if (close == '}' && (jstring(c, NULL, 0) < 0 || (ws(c), c->p >= c->end) ||
                                 *c->p++ != ':'))
                return -1;
            if (jvalue(c, NULL, 0, depth + 1) < 0)
                return -1;
            ws(c);
            if (c->p < c->end && *c->p == ',')
                c->p++;
            else if (c->p >= c->end || *c->p != close)
                return -1;
        }
        return -1;
    }
    size_t n = 0;
    while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']' && *c->p != ' ' &&
           *c->p != '\t' && *c->p != '\r' && *c->p != '\n') {
        unsigned char ch = *c->p++;
        if (out && n + 1 < cap)
            out[n++] = (char)(ch >= 0x20 && ch <= 0x7e ? ch : '?');
    }
    if (out && cap)
        out[n] = '\0';
    return n || !out ? 0 : -1;
}

/* The top-level "status" member of a JSON object, as text; -1 if absent or
 * the text is not such an object. */
static int json_status(const unsigned char *p, size_t n, char *out, size_t cap)
{
    jcur c = {p, p + n};
    out[0] = '\0';
    ws(&c);
    if (c.p >= c.end || *c.p != '{')
        return -1;
    c.p++;
    for (int guard = 0; guard < 4096; guard++) {
        char key[16];
        ws(&c);
        if (c.p >= c.end || *c.p == '}')
            return -1;
        if (jstring(&c, key, sizeof key) < 0)
            return -1;
        ws(&c);
        if (c.p >= c.end || *c.p++ != ':')
            return -1;
        bool want = strcmp(key, "status") == 0;
        if (jvalue(&c, want ? out : NULL, want ? cap : 0, 1) < 0)
            return -1;
        if (want)
            return out[0] ? 0 : -1;
        ws(&c);
        if (c.p >= c.end || *c.p++ != ',')
            return -1;
    }
    return -1;
}

static void error_challenge(oauth_state *st, const char *mname, const unsigned char *chal,
                            size_t n)
{
    char status[OAUTH_STATUS_MAX];
    if (json_status(chal, n, status, sizeof status) == 0)
        snprintf(st->note, sizeof st->note, "%s: the server refused the token, status \"%s\"",
                 mname, status);
    else
        snprintf(st->note, sizeof st->note,
                 "%s: the server refused the token (its error is not the expected JSON)", mname);
}

/* ---- the messages ---- */

/* RFC 6750 §2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool b64token(const char *t)
{
    size_t i = 0;
    for (; t[i] && t[i] != '='; i++) {
        char ch = t[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == '+' || ch == '/'))
            return false;
    }
    if (i == 0)
        return false;
    for (; t[i]; i++)
        if (t[i] != '=')
            return false;
    return true;
}

static int check_creds(const sasl_creds *cr, const char *mname, err *e)
{
    if (!cr || !cr->user || !cr->user[0])
        return err_set(e, ERRC_LOCAL_INPUT, "%s needs a user name", mname);
    if (!cr->token || !cr->token[0])
        return err_set(e, ERRC_LOCAL_INPUT,
                       "%s needs an OAuth 2.0 access token (--oauth2-token-cmd or "
                       "SMTPSCOPE_OAUTH2_TOKEN)", mname);
    for (const unsigned char *p = (const unsigned char *)cr->user; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return err_set(e, ERRC_LOCAL_INPUT, "%s: the user name contains a control character",
                           mname);
    if (!b64token(cr->token))
        return err_set(e, ERRC_LOCAL_INPUT,
                       "%s: the access token has characters a bearer token cannot have "
                       "(RFC 6750 §2.1)", mname);
    return 0;
}

static int xoauth2_step(const sasl_creds *cr, void *state, const unsigned char *chal,
                        size_t chal_len, buf *out, err *e)
{
    oauth_state *st = state;
    switch (st->steps++) {
    case 0:
        if (chal_len)
            return err_set(e, ERRC_PROTOCOL, "the server sent an XOAUTH2 challenge first");
        if (check_creds(cr, "XOAUTH2", e) < 0)
            return -1;
        if (buf_append_str(out, "user=") < 0 || buf_append_str(out, cr->user) < 0 ||
            buf_append_str(out, "\001auth=Bearer ") < 0 || buf_append_str(out, cr->token) < 0 ||
            buf_append(out, "\001\001", 2) < 0)
            return err_set(e, ERRC_LOCAL_INPUT, "XOAUTH2 credentials are too long");
        return 0;
    case 1:
        /* The error challenge: an empty response lets the server send its
         * final reply. */
        error_challenge(st, "XOAUTH2", chal, chal_len);
        return 0;
    default:
        return err_set(e, ERRC_PROTOCOL,
                       "the server sent another XOAUTH2 challenge after its error");
    }
}

static int oauthbearer_step(const sasl_creds *cr, void *state, const unsigned char *chal,
                            size_t chal_len, buf *out, err *e)
{
    oauth_state *st = state;
    switch (st->steps++) {
    case 0:
        if (chal_len)
            return err_set(e, ERRC_PROTOCOL, "the server sent an OAUTHBEARER challenge first");
        if (check_creds(cr, "OAUTHBEARER", e) < 0)
            return -1;
        /* RFC 7628 §3.1: gs2-header "n,a=USER," (no channel binding), then
         * kvsep-separated pairs and a final kvsep. */
        if (buf_append_str(out, "n,a=") < 0 || sasl_append_saslname(out, cr->user) < 0 ||
            buf_append_str(out, ",\001auth=Bearer ") < 0 || buf_append_str(out, cr->token) < 0 ||
            buf_append(out, "\001\001", 2) < 0)
            return err_set(e, ERRC_LOCAL_INPUT, "OAUTHBEARER credentials are too long");
        return 0;
    case 1:
        /* RFC 7628 §3.2.3: answer the error with a lone kvsep. */
        error_challenge(st, "OAUTHBEARER", chal, chal_len);
        if (buf_append(out, "\001", 1) < 0)
            return err_set(e, ERRC_INTERNAL, "out of memory in SASL");
        return 0;
    default:
        return err_set(e, ERRC_PROTOCOL,
                       "the server sent another OAUTHBEARER challenge after its error");
    }
}

static const char *oauth_note(const void *state)
{
    const oauth_state *st = state;
    return st->note;
}

const sasl_mech sasl_mech_xoauth2 = {
    .name = "XOAUTH2",
    .initial_response = true,
    .needs_tls = true,
    .uses_token = true,
    .state_size = sizeof(oauth_state),
    .step = xoauth2_step,
    .finish = NULL,
    .note = oauth_note,
};

const sasl_mech sasl_mech_oauthbearer = {
    .name = "OAUTHBEARER",
    .initial_response = true,
    .needs_tls = true,
    .uses_token = true,
    .state_size = sizeof(oauth_state),
    .step = oauthbearer_step,
    .finish = NULL,
    .note = oauth_note,
};
