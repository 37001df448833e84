/* cmd_tls.c — placeholder until `smtpscope tls` lands. */
#include <stdio.h>

#include "frontend/cli/commands.h"
#include "frontend/cli/exitcode.h"

int cmd_tls(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("smtpscope tls: not implemented yet\n", stderr);
    return EXIT_USAGE;
}
