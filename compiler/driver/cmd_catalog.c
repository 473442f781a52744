/*
 * cmd_catalog.c - `vgpuc catalog [--format text|json] [gpus|releases|platforms]`:
 * load the catalog with the --catalog files merged, print it
 * (catalog/catalog_print.c), or the errors of a bad file (exit 2).
 */
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "catalog/catalog.h"
#include "core/ctx.h"
#include "driver/cli.h"
#include "report/render.h"

int vg_cmd_catalog(struct vg_cli *cli)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, cli->catalogs, cli->ncatalogs);
    if (!c) {
        vg_diags_finish(&ctx);
        struct vg_render_opts o = {cli->color, cli->ncatalogs, VGPUC_VERSION};
        struct vg_strbuf err;
        vg_sb_init(&err);
        vg_render_human(&ctx, &o, 0, &err);
        fputs(vg_sb_str(&err), stderr);
        vg_sb_free(&err);
        vg_ctx_free(&ctx);
        return VG_EXIT_FAILURE;
    }
    int json = cli->format_arg && strcmp(cli->format_arg, "json") == 0;
    uint32_t today = cli->today_set ? cli->today : ctx.opt.today;
    struct vg_strbuf out;
    vg_sb_init(&out);
    vg_catalog_print(ctx.arena, c, cli->section, json, today, &out);
    fwrite(out.data, 1, out.len, stdout);
    int rc = fflush(stdout) == 0 ? VG_EXIT_OK : VG_EXIT_FAILURE;
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
    return rc;
}
