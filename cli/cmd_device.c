/* xbarsim device (placeholder until its module lands). */
#include "cli/cli.h"

#include <stdio.h>

int xb_cli_device(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "xbarsim device: not built yet\n");
    return 2;
}
