/* cli.c — subcommand dispatch, top-level help and version. */
#include <stdio.h>
#include <string.h>

/* ---- frontend ---- */
#include "frontend/cli/cli.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/exitcode.h"

static void usage(FILE *f)
{
    fputs("usage: smtpscope COMMAND [OPTIONS]\n"
          "\n"
          "Commands:\n"
          "  check HOST[:PORT]   diagnose an SMTP endpoint layer by layer\n"
          "                      (DNS, TCP, banner, EHLO, TLS, AUTH, MAIL/RCPT/DATA, QUIT);\n"
          "                      without :PORT, sweeps 25/465/587/2525 first\n"
          "  domain DOMAIN       the mail posture of a domain from DNS: MX, SPF tree,\n"
          "                      DKIM keys, DMARC, MTA-STS, TLS-RPT, PTR, blocklists\n"
          "  explain CODE        explain a reply code (550), an enhanced status code (5.1.1)\n"
          "                      or a whole reply line\n"
          "  send --server HOST[:PORT] --from ADDR --to ADDR\n"
          "                      send a test message (MIME, attachments, AUTH, pipelining,\n"
          "                      LMTP) and report per recipient: accepted, deferred, bounced\n"
          "  providers           list the provider presets for --preset (gmail, ses, ...)\n"
          "  tls HOST[:PORT]     TLS and server-security audit: certificate chain, protocol\n"
          "                      versions, weak ciphers, DANE, STARTTLS policy; opt-in\n"
          "                      STARTTLS-injection and SMTP-smuggling probes\n"
          "  relay HOST[:PORT]   open-relay battery (RSET after every RCPT: no mail is sent)\n"
          "\n"
          "Run 'smtpscope COMMAND --help' for a command's options.\n"
          "Exit codes: 0 pass, 1 failure, 75 temporary failure only, 64 usage error.\n",
          f);
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {
            char *sub[] = {argv[2], (char *)"--help", NULL};
            return cli_main(3, (char *[]){argv[0], sub[0], sub[1], NULL});
        }
        usage(stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("smtpscope %s\n", SMTPSCOPE_VERSION);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "domain") == 0)
        return cmd_domain(argc - 1, argv + 1);
    if (strcmp(cmd, "explain") == 0)
        return cmd_explain(argc - 1, argv + 1);
    if (strcmp(cmd, "send") == 0)
        return cmd_send(argc - 1, argv + 1);
    if (strcmp(cmd, "providers") == 0)
        return cmd_providers(argc - 1, argv + 1);
    if (strcmp(cmd, "tls") == 0)
        return cmd_tls(argc - 1, argv + 1);
    if (strcmp(cmd, "relay") == 0)
        return cmd_relay(argc - 1, argv + 1);
    fprintf(stderr, "smtpscope: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
