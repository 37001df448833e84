/* main.c — the smtpscope binary: hands argv to the CLI dispatcher. */
#include "frontend/cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
