/* delivery.c — the pure parts of a delivery (delivery.h).
 *
 * RFC 5321 §4.2.1 (reply classes: 2yz done, 4yz transient, 5yz permanent),
 * RFC 3461 §4 (xtext for ENVID and ORCPT-style values), RFC 3463 (enhanced
 * codes, whose titles explain a reply). Queue ids are read from untrusted,
 * already escaped reply text: only after a known keyword, one bounded
 * token, never a guess from free text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/xalloc.h"
/* ---- protocol ---- */
#include "protocol/esc.h"
/* ---- checks ---- */
#include "checks/delivery.h"

const char *delivery_status_name(delivery_status s)
{
    switch (s) {
    case DELIVERY_NOT_TRIED: return "not_tried";
    case DELIVERY_ACCEPTED: return "accepted";
    case DELIVERY_DEFERRED: return "deferred";
    case DELIVERY_BOUNCED: return "bounced";
    }
    return "not_tried";
}

void delivery_report_free(delivery_report *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_rcpts; i++) {
        free(d->rcpts[i].address);
        reply_free(d->rcpts[i].reply);
        free(d->rcpts[i].explanation);
    }
    free(d->rcpts);
    free(d->message_id);
    free(d->queue_id);
    free(d);
}

delivery_status delivery_classify(const smtp_reply *r)
{
    if (!r)
        return DELIVERY_NOT_TRIED;
    if (r->code >= 200 && r->code < 300)
        return DELIVERY_ACCEPTED;
    if (r->code >= 400 && r->code < 500)
        return DELIVERY_DEFERRED;
    if (r->code >= 500 && r->code < 600)
        return DELIVERY_BOUNCED;
    return DELIVERY_NOT_TRIED;
}

static bool is_token(char c)
{
    return c > ' ' && c <= '~';
}

/* The token starting at p (within end), trimmed; NULL if none or too long. */
static char *token_at(const char *p, const char *end)
{
    while (p < end && *p == ' ')
        p++;
    const char *q = p;
    while (q < end && is_token(*q))
        q++;
    if (p < q && *p == '<')
        p++;
    while (q > p && strchr(").,;>]", q[-1]))
        q--;
    size_t n = (size_t)(q - p);
    if (n == 0 || n > DELIVERY_QUEUE_ID_MAX)
        return NULL;
    char *id = malloc(n + 1);
    if (!id)
        return NULL;
    memcpy(id, p, n);
    id[n] = '\0';
    return id;
}

/* Case-insensitive search for a keyword within [s, end). */
static const char *find_kw(const char *s, const char *end, const char *kw)
{
    size_t k = strlen(kw);
    for (const char *p = s; p + k <= end; p++)
        if (strncasecmp(p, kw, k) == 0)
            return p;
    return NULL;
}

char *delivery_queue_id_text(const char *line, size_t len)
{
    if (!line)
        return NULL;
    const char *end = line + len;
    const char *p;
    if ((p = find_kw(line, end, "queued as ")))
        return token_at(p + 10, end);
    /* "id=" as a word of its own: at the start, or after a space or '('. */
    for (const char *s = line; (p = find_kw(s, end, "id=")); s = p + 3)
        if (p == line || p[-1] == ' ' || p[-1] == '(')
            return token_at(p + 3, end);
    if ((p = find_kw(line, end, "ok id ")) && (p == line || p[-1] == ' '))
        return token_at(p + 6, end);
    if ((p = find_kw(line, end, " message accepted for delivery"))) {
        /* The word right before: "x7SLx8Fh012345 Message accepted ...". */
        const char *q = p;
        while (q > line && is_token(q[-1]))
            q--;
        char tmp[16];
        /* Not the enhanced status code itself ("2.0.0 Message accepted"). */
        if (q < p && reply_parse_enhanced(q, (size_t)(p - q), tmp) == (size_t)(p - q))
            return NULL;
        return q < p ? token_at(q, p) : NULL;
    }
    return NULL;
}

char *delivery_queue_id(const smtp_reply *r)
{
    if (!r)
        return NULL;
    for (size_t i = 0; i < r->n_lines; i++) {
        char *id = delivery_queue_id_text(r->lines[i], strlen(r->lines[i]));
        if (id)
            return id;
    }
    return NULL;
}

int delivery_xtext(buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        int rc = *p < '!' || *p > '~' || *p == '+' || *p == '='
                     ? buf_appendf(out, "+%02X", *p)
                     : buf_append(out, p, 1);
        if (rc < 0)
            return -1;
    }
    return 0;
}

char *delivery_explain(const smtp_reply *r)
{
    if (!r)
        return NULL;
    const char *title = r->enhanced[0] ? esc_enhanced_title(r->enhanced) : NULL;
    if (!title) {
        const esc_reply_info *ri = esc_reply_lookup(r->code);
        title = ri ? ri->meaning : esc_reply_category(r->code);
    }
    return title ? xstrdup(title) : NULL;
}
