/* render.h — renderers of the result model.
 *
 * Each renderer writes a whole document into a buf; the frontend decides
 * where it goes (stdout, an HTTP response, a file). Renderers never see a
 * secret: the result holds none (transcripts are redacted at the source). */
#ifndef SMTPSCOPE_REPORT_RENDER_H
#define SMTPSCOPE_REPORT_RENDER_H

#include <stdbool.h>

#include "core/buf.h"
#include "report/result.h"

typedef struct render_opts {
    bool color;       /* ANSI colour (frontend decides: TTY and no NO_COLOR) */
    bool verbose;     /* -v: include the transcript in text output */
} render_opts;

typedef struct renderer {
    const char *name; /* "text", "json" */
    int (*render)(const result *r, const render_opts *o, buf *out);  /* 0 or -1 on OOM */
} renderer;

extern const renderer render_text;
extern const renderer render_json;

/* Renderer by --format name; NULL if unknown. */
const renderer *renderer_find(const char *name);

#endif
