/* exitcode.c — verdict to exit code, the only such mapping (exitcode.h). */
#include "frontend/cli/exitcode.h"

int exitcode_for(const result *r)
{
    if (!r)
        return EXIT_SOFTWARE;
    switch (r->verdict) {
    case VERDICT_PASS:
    case VERDICT_WARN: return EXIT_PASS;
    case VERDICT_TEMPFAIL: return EXIT_TEMPFAIL;
    case VERDICT_FAIL: return EXIT_FAIL;
    }
    return EXIT_SOFTWARE;
}
