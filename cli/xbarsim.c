/* xbarsim: command-line entry point. The only place in the project that exits. */
#include "cli/cli.h"
#include "core/core.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"run", xb_cli_run, "run the scenarios of a CSV file, writing results as they come"},
    {"report", xb_cli_report, "tables and figures from a results folder"},
    {"size", xb_cli_size, "area, energy and latency of crossbar designs from a CSV file"},
    {"device", xb_cli_device, "list, show, pulse, iv and fit device models"},
    {"spice", xb_cli_spice, "export a scenario's array as a netlist; check solvers against ngspice"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: xbarsim <command> [options]\n\n"
                "xbarsim %s: learning on memristive crossbar hardware.\n\ncommands:\n",
            XB_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(fp, "\n'xbarsim <command> --help' describes each command.\n");
}

int xb_cli_fail(const char *what, int status)
{
    const char *msg = xb_last_error();
    if (!msg[0]) {
        fprintf(stderr, "xbarsim: %s: %s\n", what, xb_strerror(status));
        return 1;
    }
    /* the message names the offending value; the status class ("file or parse
     * error") and a repeated file name only push it to the right */
    size_t n = strlen(what);
    if (!strncmp(msg, what, n) && msg[n] == ':') {
        fprintf(stderr, "xbarsim: %s\n", msg);
    } else {
        fprintf(stderr, "xbarsim: %s: %s\n", what, msg);
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("xbarsim %s\n", XB_VERSION);
        return 0;
    }
    xb_log_set_sink(stderr);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "xbarsim: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
