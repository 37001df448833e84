/* cli.h — the command-line frontend: parse argv, dispatch to a subcommand,
 * render the result, map it to an exit code (exitcode.h). The only code that
 * writes to stdout/stderr or calls exit-like paths lives under frontend/. */
#ifndef SMTPSCOPE_FRONTEND_CLI_CLI_H
#define SMTPSCOPE_FRONTEND_CLI_CLI_H

/* Entry point; returns the process exit code. */
int cli_main(int argc, char **argv);

#endif
