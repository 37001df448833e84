/* render_out.h — the last step every result-producing command shares
 * (check, send, domain): render the finished result in the --format the
 * user chose to standard output, then turn it into the exit code.
 *
 * Ownership: nothing is kept; the rendered document lives in a buffer freed
 * before returning. The result is only read. */
#ifndef SMTPSCOPE_FRONTEND_CLI_RENDER_OUT_H
#define SMTPSCOPE_FRONTEND_CLI_RENDER_OUT_H

#include <stdbool.h>

#include "report/result.h"

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
