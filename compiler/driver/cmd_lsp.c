/*
 * cmd_lsp.c - `vgpuc lsp`: start the language server on stdin/stdout.
 *
 * The command line gives the server what `lint` would take from it: the
 * extra catalog files (--catalog, VGPUC_CATALOG) and the date for
 * end-of-support checks (--today). The server itself is compiler/lsp*.c.
 */
#include <stdio.h>
#include <unistd.h>

#include "driver/cli.h"
#include "driver/lsp.h"

#ifndef VGPUC_DOCS_URL
#define VGPUC_DOCS_URL "file:///usr/local/share/vgpuc/rules.md"
#endif

int vg_cmd_lsp(struct vg_cli *cli)
{
    struct vg_lsp_settings s = {0};
    s.catalogs = cli->catalogs;
    s.ncatalogs = cli->ncatalogs;
    s.today = cli->today;
    s.today_set = cli->today_set;
    s.docs_url = VGPUC_DOCS_URL;
    return vg_lsp_serve(STDIN_FILENO, STDOUT_FILENO, &s);
}
