/* render_textw.c — the shared pieces of the text renderers (render_textw.h):
 * writer, status marks, the findings block and the verdict line. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/buf.h"
/* ---- checks ---- */
#include "checks/endpoint.h"
#include "checks/finding.h"
/* ---- report ---- */
#include "report/render_textw.h"
#include "report/result.h"

void textw_printf(textw *w, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) { /* s is undefined then */
        w->oom = true;
        return;
    }
    if (buf_append(w->out, s, (size_t)n) < 0)
        w->oom = true;
    free(s);
}

void textw_on(textw *w, const char *sgr)
{
    if (w->color && sgr)
        textw_printf(w, "\033[%sm", sgr);
}

void textw_off(textw *w, const char *sgr)
{
    if (w->color && sgr)
        textw_printf(w, "\033[0m");
}

const char *textw_status_mark(stage_status s)
{
    switch (s) {
    case SS_PASS: return "✓";
    case SS_WARN: return "!";
    case SS_FAIL: return "✗";
    case SS_SKIP: return "–";
    }
    return "–";
}

const char *textw_status_color(stage_status s)
{
    switch (s) {
    case SS_PASS: return TEXTW_GREEN;
    case SS_WARN: return TEXTW_YELLOW;
    case SS_FAIL: return TEXTW_RED;
    case SS_SKIP: return TEXTW_DIM;
    }
    return NULL;
}

size_t textw_findings(textw *w, const finding_list *l, textw_filter keep, const void *arg,
                      int indent)
{
    /* Worst first; within a severity, in the order found. */
    static const struct {
        severity sev;
        const char *mark;
        const char *color;
    } groups[] = {
        {SEV_ERROR, "✗", TEXTW_RED},
        {SEV_WARNING, "!", TEXTW_YELLOW},
        {SEV_INFO, "·", TEXTW_DIM},
    };
    size_t printed = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; i < l->n; i++) {
            const finding *f = &l->v[i];
            if (f->sev != groups[g].sev || (keep && !keep(f, arg)))
                continue;
            textw_printf(w, "%*s", indent, "");
            textw_on(w, groups[g].color);
            textw_printf(w, "%s %-7s %s", groups[g].mark, severity_name(f->sev),
                         f->id ? f->id : "?");
            textw_off(w, groups[g].color);
            if (f->temporary)
                textw_printf(w, " (temporary)");
            textw_printf(w, "\n%*s%s\n", indent + 10, "", f->message ? f->message : "");
            if (f->advice && f->advice[0])
                textw_printf(w, "%*s→ %s\n", indent + 10, "", f->advice);
            printed++;
        }
    return printed;
}

void textw_verdict(textw *w, const result *r)
{
    size_t errors = 0, warnings = 0;
    for (size_t i = 0; i < r->findings.n; i++) {
        errors += r->findings.v[i].sev == SEV_ERROR;
        warnings += r->findings.v[i].sev == SEV_WARNING;
    }
    const char *c = r->verdict == VERDICT_PASS   ? TEXTW_GREEN
                    : r->verdict == VERDICT_WARN ? TEXTW_YELLOW
                                                 : TEXTW_RED;
    char word[16];
    const char *name = verdict_name(r->verdict);
    size_t n = strlen(name) < sizeof word - 1 ? strlen(name) : sizeof word - 1;
    for (size_t i = 0; i < n; i++)
        word[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    word[n] = '\0';
    textw_printf(w, "\n");
    textw_on(w, TEXTW_BOLD);
    textw_on(w, c);
    textw_printf(w, "VERDICT: %s", word);
    textw_off(w, c);
    if (errors || warnings) {
        textw_printf(w, " (");
        if (errors)
            textw_printf(w, "%zu error%s", errors, errors == 1 ? "" : "s");
        if (warnings)
            textw_printf(w, "%s%zu warning%s", errors ? ", " : "", warnings,
                         warnings == 1 ? "" : "s");
        textw_printf(w, ")");
    }
    textw_printf(w, "\n");
}
