/* run_cmd.h — run a helper program (a fixture script, mkcerts.sh, rm -rf
 * of a test's own temporary directory) to completion from a C unit test.
 * Plain libc: fork + execvp, no shell, so arguments are never re-split. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_RUN_CMD_H
#define SMTPSCOPE_TESTS_SUPPORT_RUN_CMD_H

/* Run argv (argv[0] looked up in PATH, NULL-terminated) and wait for it.
 * Returns its exit status, 127 when it could not be executed, or -1 when
 * it could not be started or did not exit normally. */
int run_cmd(char *const argv[]);

/* The same with the program's stdout and stderr sent to /dev/null (a probe
 * such as `python3 -c "import ssl"`, whose output nobody reads). */
int run_cmd_quiet(char *const argv[]);

#endif
