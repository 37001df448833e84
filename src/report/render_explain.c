/* render_explain.c — the `explain` documents: a wrapped, human text page
 * and a JSON object per explained code, plus the `--list` catalogue.
 *
 * Only the outcome's input/text come from the user, and explain.c escaped
 * them already; the rest is static table text (protocol/esc). Subject names
 * for codes missing from the registry follow RFC 3463 §3. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

/* ---- core ---- */
#include "core/buf.h"
/* ---- protocol ---- */
#include "protocol/esc.h"
/* ---- checks ---- */
#include "checks/explain.h"
/* ---- report ---- */
#include "report/render_explain.h"

#define WRAP_COLS 78
#define LABEL_W 16 /* "  Typical causes" + ": " aligns the values */

#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[31m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_CYAN "\033[36m"
#define ANSI_RESET "\033[0m"

/* RFC 3463 §3: what each subject digit is about. */
static const char *subject_name(int subject)
{
    static const char *const names[] = {
        "other or undefined status", "addressing", "mailbox", "mail system",
        "network and routing", "mail delivery protocol", "message content or media",
        "security or policy",
    };
    return subject >= 0 && subject < (int)(sizeof names / sizeof names[0]) ? names[subject]
                                                                             : NULL;
}

/* State of one text render: the buffer, colour, and a sticky failure flag
 * so the body reads as a sequence of appends with one check at the end. */
typedef struct tw {
    buf *out;
    bool color;
    bool failed;
} tw;

static void put(tw *w, const char *s)
{
    if (!w->failed && buf_append_str(w->out, s) < 0)
        w->failed = true;
}

static void putn(tw *w, const char *s, size_t n)
{
    if (!w->failed && buf_append(w->out, s, n) < 0)
        w->failed = true;
}

static void style(tw *w, const char *ansi)
{
    if (w->color)
        put(w, ansi);
}

/* "  Label:        value" with the value word-wrapped at WRAP_COLS and
 * continuation lines indented under the value. Words longer than a line are
 * written whole rather than split. */
static void field(tw *w, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    char head[LABEL_W + 8];
    int hl = snprintf(head, sizeof head, "  %s:", label);
    if (hl < 0)
        hl = 0;
    put(w, head);
    size_t col = (size_t)hl;
    for (; col < LABEL_W + 2; col++)
        put(w, " ");
    const size_t indent = LABEL_W + 2;
    bool line_start = true;
    const char *p = value;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t wl = strcspn(p, " ");
        if (!line_start && col + 1 + wl > WRAP_COLS) {
            put(w, "\n");
            for (col = 0; col < indent; col++)
                put(w, " ");
            line_start = true;
        }
        if (!line_start) {
            put(w, " ");
            col++;
        }
        putn(w, p, wl);
        col += wl;
        p += wl;
        line_start = false;
    }
    put(w, "\n");
}

static const char *headline_title(const explain_outcome *x)
{
    if (x->enh)
        return x->enh->title;
    if (x->reply)
        return x->reply->meaning;
    if (x->code)
        return x->reply_category;
    return "Unregistered enhanced status code";
}

static void verdict_line(tw *w, const explain_outcome *x)
{
    int cls = x->code ? x->code / 100 : x->enhanced[0] - '0';
    if (x->temporary) {
        style(w, ANSI_BOLD ANSI_YELLOW);
        put(w, "Temporary \u2014 retry later");
    } else if (x->permanent) {
        style(w, ANSI_BOLD ANSI_RED);
        put(w, "Permanent \u2014 fix before retrying");
    } else if (cls == 3) {
        style(w, ANSI_BOLD ANSI_CYAN);
        put(w, "Intermediate \u2014 the server waits for more input");
    } else {
        style(w, ANSI_BOLD ANSI_GREEN);
        put(w, "Success \u2014 nothing to fix");
    }
    style(w, ANSI_RESET);
    put(w, "\n");
}

static void reply_block(tw *w, const explain_outcome *x)
{
    char head[64];
    snprintf(head, sizeof head, "Reply code %d: ", x->code);
    put(w, "\n");
    style(w, ANSI_BOLD);
    put(w, head);
    put(w, x->reply ? x->reply->meaning : "not defined by the SMTP RFCs");
    style(w, ANSI_RESET);
    put(w, "\n");
    if (x->reply) {
        field(w, "Typical causes", x->reply->causes);
        field(w, "What to do", x->reply->action);
        field(w, "Reference", x->reply->reference);
    } else {
        field(w, "By its digits", x->reply_category);
        field(w, "Reference", "RFC 5321 §4.2.1");
    }
}

static void enhanced_block(tw *w, const explain_outcome *x)
{
    put(w, "\n");
    style(w, ANSI_BOLD);
    put(w, "Enhanced code ");
    put(w, x->enhanced);
    put(w, ": ");
    put(w, x->enh ? x->enh->title : "not in the IANA registry");
    style(w, ANSI_RESET);
    put(w, "\n");
    if (x->enh) {
        field(w, "Meaning", x->enh->meaning);
        field(w, "Typical causes", x->enh->causes);
        field(w, "What to do", x->enh->action);
        field(w, "Reference", x->enh->reference);
        return;
    }
    int c, s, d;
    if (esc_enhanced_parse(x->enhanced, &c, &s, &d) == 0 && subject_name(s)) {
        char about[96];
        snprintf(about, sizeof about, "its subject (X.%d.x) is about %s", s, subject_name(s));
        field(w, "By its digits", about);
    }
    field(w, "Reference", "RFC 3463, IANA SMTP Enhanced Status Codes registry");
}

int render_explain_text(const explain_outcome *x, bool color, buf *out)
{
    if (!x || !out)
        return -1;
    tw w = {.out = out, .color = color};
    char codes[32] = "";
    if (x->code)
        snprintf(codes, sizeof codes, "%d%s%s", x->code, x->enhanced[0] ? " " : "", x->enhanced);
    else
        snprintf(codes, sizeof codes, "%s", x->enhanced);
    style(&w, ANSI_BOLD);
    put(&w, codes);
    put(&w, "  ");
    put(&w, headline_title(x));
    style(&w, ANSI_RESET);
    put(&w, "\n");
    verdict_line(&w, x);
    if (x->text) {
        put(&w, "Server text: ");
        put(&w, x->text);
        put(&w, "\n");
    }
    if (x->class_mismatch) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "Note: the reply code %d and the enhanced code %s disagree on the class\n"
                 "(%c vs %c); clients act on the reply code, and the server should fix this.\n",
                 x->code, x->enhanced, '0' + x->code / 100, x->enhanced[0]);
        style(&w, ANSI_YELLOW);
        put(&w, msg);
        style(&w, ANSI_RESET);
    }
    if (x->code)
        reply_block(&w, x);
    if (x->enhanced[0])
        enhanced_block(&w, x);
    return w.failed ? -1 : 0;
}

/* json_object_set_new that tracks failure; NULL values become JSON null
 * only where the caller asked for it (json_null never fails). */
static bool set(json_t *o, const char *key, json_t *v)
{
    return v && json_object_set_new(o, key, v) == 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *reply_json(const esc_reply_info *r)
{
    if (!r)
        return json_null();
    json_t *o = json_object();
    if (!o || !set(o, "code", json_integer(r->code)) ||
        !set(o, "meaning", json_string(r->meaning)) ||
        !set(o, "causes", json_string(r->causes)) ||
        !set(o, "action", json_string(r->action)) ||
        !set(o, "reference", json_string(r->reference))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *enhanced_json(const esc_enhanced_info *e)
{
    if (!e)
        return json_null();
    char code[24];
    snprintf(code, sizeof code, "X.%d.%d", e->subject, e->detail);
    json_t *o = json_object();
    if (!o || !set(o, "code", json_string(code)) || !set(o, "title", json_string(e->title)) ||
        !set(o, "meaning", json_string(e->meaning)) ||
        !set(o, "causes", json_string(e->causes)) ||
        !set(o, "action", json_string(e->action)) ||
        !set(o, "reference", json_string(e->reference))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *render_explain_json(const explain_outcome *x)
{
    if (!x)
        return NULL;
    json_t *o = json_object();
    if (!o || !set(o, "input", str_or_null(x->input)) ||
        !set(o, "code", x->code ? json_integer(x->code) : json_null()) ||
        !set(o, "enhanced", x->enhanced[0] ? json_string(x->enhanced) : json_null()) ||
        !set(o, "text", str_or_null(x->text)) || !set(o, "temporary", json_boolean(x->temporary)) ||
        !set(o, "permanent", json_boolean(x->permanent)) || !set(o, "reply", reply_json(x->reply)) ||
        !set(o, "reply_category", str_or_null(x->reply_category)) ||
        !set(o, "enhanced_info", enhanced_json(x->enh)) ||
        !set(o, "class_mismatch", json_boolean(x->class_mismatch))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int render_explain_list_text(bool color, buf *out)
{
    if (!out)
        return -1;
    tw w = {.out = out, .color = color};
    size_t n = 0;
    const esc_reply_info *r = esc_reply_table(&n);
    style(&w, ANSI_BOLD);
    put(&w, "Reply codes (RFC 5321 and extensions)\n");
    style(&w, ANSI_RESET);
    for (size_t i = 0; i < n; i++) {
        char line[160];
        snprintf(line, sizeof line, "  %d  %s\n", r[i].code, r[i].meaning);
        put(&w, line);
    }
    const esc_enhanced_info *e = esc_enhanced_table(&n);
    put(&w, "\n");
    style(&w, ANSI_BOLD);
    put(&w, "Enhanced status codes (IANA registry; X is 2 success, 4 temporary, 5 permanent)\n");
    style(&w, ANSI_RESET);
    for (size_t i = 0; i < n; i++) {
        char code[24];
        snprintf(code, sizeof code, "X.%d.%d", e[i].subject, e[i].detail);
        char line[200];
        snprintf(line, sizeof line, "  %-7s  %s\n", code, e[i].title);
        put(&w, line);
    }
    return w.failed ? -1 : 0;
}

json_t *render_explain_list_json(void)
{
    json_t *doc = json_object(), *replies = json_array(), *enh = json_array();
    if (!doc || !replies || !enh)
        goto fail;
    size_t n = 0;
    const esc_reply_info *r = esc_reply_table(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(replies, o) < 0 ||
            !set(o, "code", json_integer(r[i].code)) ||
            !set(o, "meaning", json_string(r[i].meaning)) ||
            !set(o, "reference", json_string(r[i].reference)))
            goto fail;
    }
    const esc_enhanced_info *e = esc_enhanced_table(&n);
    for (size_t i = 0; i < n; i++) {
        char code[24];
        snprintf(code, sizeof code, "X.%d.%d", e[i].subject, e[i].detail);
        json_t *o = json_object();
        if (!o || json_array_append_new(enh, o) < 0 || !set(o, "code", json_string(code)) ||
            !set(o, "title", json_string(e[i].title)) ||
            !set(o, "reference", json_string(e[i].reference)))
            goto fail;
    }
    if (json_object_set_new(doc, "reply_codes", replies) < 0) {
        replies = NULL;
        goto fail;
    }
    replies = NULL;
    if (json_object_set_new(doc, "enhanced_codes", enh) < 0) {
        enh = NULL;
        goto fail;
    }
    return doc;
fail:
    json_decref(replies);
    json_decref(enh);
    json_decref(doc);
    return NULL;
}
