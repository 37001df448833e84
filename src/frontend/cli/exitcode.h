/* exitcode.h — the one place results become exit codes (docs/exit-codes.md).
 *   0  pass (warnings allowed)   1  failure
 *   75 only temporary failures (4xx, timeouts: EX_TEMPFAIL)
 *   64 usage error (EX_USAGE)    70 internal error (EX_SOFTWARE) */
#ifndef SMTPSCOPE_FRONTEND_CLI_EXITCODE_H
#define SMTPSCOPE_FRONTEND_CLI_EXITCODE_H

#include "report/result.h"

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_USAGE = 64, EXIT_SOFTWARE = 70, EXIT_TEMPFAIL = 75 };

int exitcode_for(const result *r);

#endif
