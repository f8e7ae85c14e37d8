/* xbarsim spice (placeholder until its module lands). */
#include "cli/cli.h"

#include <stdio.h>

int xb_cli_spice(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xbarsim spice: not built yet\n");
    return 2;
}
