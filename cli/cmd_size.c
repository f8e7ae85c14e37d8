/* xbarsim size (placeholder until its module lands). */
#include "cli/cli.h"

#include <stdio.h>

int xb_cli_size(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xbarsim size: not built yet\n");
    return 2;
}
