/* xbarsim run (placeholder until its module lands). */
#include "cli/cli.h"

#include <stdio.h>

int xb_cli_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xbarsim run: not built yet\n");
    return 2;
}
