/* render.c — the table of renderers, looked up by their --format name
 * (render.h). A new renderer is one file exporting a `const renderer` and
 * one line here. */
#include <stddef.h>
#include <string.h>

/* ---- report ---- */
#include "report/render.h"

static const renderer *const renderers[] = {&render_text, &render_json};

const renderer *renderer_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof renderers / sizeof renderers[0]; i++)
        if (strcmp(renderers[i]->name, name) == 0)
            return renderers[i];
    return NULL;
}
