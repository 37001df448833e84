/* commands.h — one entry point per subcommand; each returns an exit code
 * (exitcode.h) and owns its own option parsing. */
#ifndef SMTPSCOPE_FRONTEND_CLI_COMMANDS_H
#define SMTPSCOPE_FRONTEND_CLI_COMMANDS_H

int cmd_check(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_providers(int argc, char **argv);
int cmd_tls(int argc, char **argv);
int cmd_relay(int argc, char **argv);

#endif
