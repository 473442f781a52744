/*
 * main.c - the vgpuc entry point: parse the command line, dispatch a command.
 *
 * Nothing else happens here: options are parsed by cli.c and every command is
 * one function of cli.h, run from its row of cli.c's command table, that
 * returns the process exit code.
 */
#include <stdio.h>

#include "driver/cli.h"

static int print_help(const char *command)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_cli_help(command, &sb);
    fputs(vg_sb_str(&sb), stdout);
    vg_sb_free(&sb);
    return fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    struct vg_cli cli;
    char err[512];
    int action = vg_cli_parse(&cli, argc, argv, err, sizeof err);
    int rc = VG_EXIT_FAILURE;
    switch (action) {
    case VG_CLI_VERSION:
        rc = printf("vgpuc %s\n", VGPUC_VERSION) > 0 && fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAILURE;
        break;
    case VG_CLI_HELP: rc = print_help(cli.command); break;
    case VG_CLI_ERROR: {
        struct vg_strbuf sb; /* the message quotes arguments: inert, as every output */
        vg_sb_init(&sb);
        vg_sb_put_inert(&sb, err);
        fprintf(stderr, "vgpuc: error: %s\ntry 'vgpuc %s%s--help'\n", vg_sb_str(&sb), cli.command ? cli.command : "",
                cli.command ? " " : "");
        vg_sb_free(&sb);
        break;
    }
    default: rc = vg_cli_run(&cli); break;
    }
    vg_cli_free(&cli);
    return rc;
}
