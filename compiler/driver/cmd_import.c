/*
 * cmd_import.c - `vgpuc import [-o FILE] INVENTORY.json`.
 *
 * Loads the catalog and the inventory document, has compiler/driver/import.c write
 * the cluster it describes, then passes that text through the fmt engine, so
 * the file is in the canonical layout and is known to parse before anything
 * is written. Output goes to stdout or, atomically, to FILE: an invalid
 * document (VG8001, rendered on stderr) or any failure writes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "driver/cli.h"
#include "core/diag.h"
#include "syntax/fmt.h"
#include "driver/import.h"
#include "core/source.h"
#include "base/strbuf.h"

static int fail(struct vg_ctx *ctx, struct vg_cli *cli)
{
    vg_diags_finish(ctx);
    struct vg_render_opts o = {cli->color, 1, VGPUC_VERSION};
    struct vg_strbuf err;
    vg_sb_init(&err);
    vg_render_human(ctx, &o, 0, &err);
    fputs(vg_sb_str(&err), stderr);
    vg_sb_free(&err);
    vg_ctx_free(ctx);
    return VG_EXIT_FAILURE;
}

int vg_cmd_import(struct vg_cli *cli)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.catalog = vg_catalog_load(&ctx, cli->catalogs, cli->ncatalogs);
    if (!ctx.catalog)
        return fail(&ctx, cli);
    uint32_t file = vg_source_load(&ctx, cli->inputs[0], NULL, vg_span_make(0, 0, 0));
    if (!file || vg_diag_error_count(&ctx))
        return fail(&ctx, cli);
    struct vg_strbuf raw, out;
    vg_sb_init(&raw);
    vg_sb_init(&out);
    if (vg_import_inventory(&ctx, file, &raw) < 0) {
        vg_sb_free(&raw);
        vg_sb_free(&out);
        return fail(&ctx, cli);
    }
    const char *name = cli->outdir ? cli->outdir : "<import>";
    uint32_t gen = vg_source_add(&ctx, name, raw.data, raw.len, vg_span_make(0, 0, 0));
    if (!vg_fmt_source(&ctx, gen, &out)) {
        fprintf(stderr, "vgpuc: internal error: the imported text does not parse; nothing written\n");
        vg_sb_free(&raw);
        vg_sb_free(&out);
        return fail(&ctx, cli);
    }
    int rc = VG_EXIT_OK;
    if (!cli->outdir) {
        if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
            rc = VG_EXIT_FAILURE;
    } else if (vg_write_file_atomic(cli->outdir, out.data, out.len) != 0) {
        fprintf(stderr, "vgpuc: error: %s: cannot write: %s\n", vg_inert(ctx.arena, cli->outdir), strerror(errno));
        rc = VG_EXIT_FAILURE;
    }
    vg_sb_free(&raw);
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
    return rc;
}
