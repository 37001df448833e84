/* render_out.c — the --format and -v options; render a finished result to
 * standard output and map it to an exit code (render_out.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/err.h"
/* ---- report ---- */
#include "report/render.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/exitcode.h"
#include "frontend/cli/render_out.h"

/* A rendered report is never near this; it only bounds a runaway. */
#define RENDER_OUT_MAX ((size_t)1 << 30)

void render_out_init(render_out_opts *o)
{
    o->format = "text";
    o->verbose = false;
}

int render_out_option(render_out_opts *o, int opt, const char *arg, err *e)
{
    switch (opt) {
    case RENDER_OUT_OPT_FORMAT:
        if (!renderer_find(arg)) {
            err_set(e, ERRC_LOCAL_INPUT, "--format must be text or json, not '%s'", arg);
            return -1;
        }
        o->format = arg;
        return 1;
    case 'v': o->verbose = true; return 1;
    default: return 0;
    }
}

bool render_out_color(const char *format)
{
    const char *nc = getenv("NO_COLOR");
    return strcmp(format, "text") == 0 && isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

int render_out_emit(const char *cmd, const result *r, const char *format, bool verbose,
                    int (*exit_code)(const result *r))
{
    render_opts ro = {.color = render_out_color(format), .verbose = verbose};
    buf out;
    buf_init(&out, RENDER_OUT_MAX);
    if (renderer_find(format)->render(r, &ro, &out) < 0) {
        buf_free(&out);
        fprintf(stderr, "smtpscope %s: out of memory while rendering\n", cmd);
        return EXIT_SOFTWARE;
    }
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    fflush(stdout);
    buf_free(&out);
    return exit_code(r);
}
