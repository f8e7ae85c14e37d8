/* xbarsim report (placeholder until its module lands). */
#include "cli/cli.h"

#include <stdio.h>

int xb_cli_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xbarsim report: not built yet\n");
    return 2;
}
