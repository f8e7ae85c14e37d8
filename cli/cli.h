/* cli: the xbarsim command. Each subcommand lives in its own file and returns
 * the process exit status; only main() exits. */
#ifndef XB_CLI_H
#define XB_CLI_H

/* argv[0] is the subcommand name. */
int xb_cli_run(int argc, char **argv);    /* cli/cmd_run.c */
int xb_cli_report(int argc, char **argv); /* cli/cmd_report.c */
int xb_cli_size(int argc, char **argv);   /* cli/cmd_size.c */
int xb_cli_device(int argc, char **argv); /* cli/cmd_device.c */
int xb_cli_spice(int argc, char **argv);  /* cli/cmd_spice.c */

/* Prints "xbarsim: <what>: <status text>: <last error>" to stderr; returns 1. */
int xb_cli_fail(const char *what, int status);

#endif
