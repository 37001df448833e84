/* render_out.h — the last step every result-producing command shares
 * (check, send, domain, tls, relay): render the finished result in the
 * --format the user chose to standard output, then turn it into the exit
 * code; and the two output options themselves, --format and -v/--verbose,
 * parsed and worded alike in every command.
 *
 * Ownership: nothing is kept; the rendered document lives in a buffer freed
 * before returning. The result is only read. */
#ifndef SMTPSCOPE_FRONTEND_CLI_RENDER_OUT_H
#define SMTPSCOPE_FRONTEND_CLI_RENDER_OUT_H

#include <getopt.h>
#include <stdbool.h>

#include "core/err.h"
#include "report/result.h"

/* getopt_long value of --format; above any command's own (which start at
 * 256) and apart from conn_opts.h's (0x1000...) and audit_opts.h's
 * (0x1100...): one table holds all of them. */
enum { RENDER_OUT_OPT_FORMAT = 0x1200 };

/* --format and -v/--verbose as struct option entries for a command's table
 * (the command's short options must include "v"). */
#define RENDER_OUT_LONG_OPTS                                         \
    {"format", required_argument, NULL, RENDER_OUT_OPT_FORMAT},      \
    {"verbose", no_argument, NULL, 'v'}

/* What --format and -v chose. format is borrowed from argv (or static). */
typedef struct render_out_opts {
    const char *format;   /* a name renderer_find knows; default "text" */
    bool verbose;
} render_out_opts;

/* The defaults: text, not verbose. */
void render_out_init(render_out_opts *o);

/* One option from getopt_long (opt its return value, arg optarg): 1 when
 * it was --format or -v and is stored, 0 when it is not one of them, -1
 * with e set (ERRC_LOCAL_INPUT) for an unknown --format. */
int render_out_option(render_out_opts *o, int opt, const char *arg, err *e);

/* ANSI colour for this format: text, standard output a terminal, and no
 * (non-empty) NO_COLOR in the environment (no-color.org). */
bool render_out_color(const char *format);

/* Render r with the --format renderer `format` (a name renderer_find knows)
 * and -v `verbose` to standard output, and return exit_code(r). When
 * rendering runs out of memory nothing is written to standard output,
 * "smtpscope CMD: out of memory while rendering" goes to standard error,
 * and the return is EXIT_SOFTWARE. */
int render_out_emit(const char *cmd, const result *r, const char *format, bool verbose,
                    int (*exit_code)(const result *r));

#endif
