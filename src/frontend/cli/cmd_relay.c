/* cmd_relay.c — placeholder until `smtpscope relay` lands. */
#include <stdio.h>

#include "frontend/cli/commands.h"
#include "frontend/cli/exitcode.h"

int cmd_relay(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("smtpscope relay: not implemented yet\n", stderr);
    return EXIT_USAGE;
}
