/*
 * cmd_lint.c - `vgpuc lint`: run the checks and report the diagnostics.
 *
 * The report is the product, so it goes to stdout; the exit code says whether
 * anything reached --fail-on (1) or the run could not go on (2).
 */
#include "driver/cli.h"
#include "driver/pipeline.h"

int vg_cmd_lint(struct vg_cli *cli)
{
    struct vg_ctx ctx;
    struct vg_model *model;
    struct vg_plan *plan;
    size_t nfiles;
    vg_ctx_init(&ctx);
    int run = vg_pipeline_run(&ctx, cli, &model, &plan, &nfiles);
    int rc = vg_pipeline_report(&ctx, cli, nfiles, 0);
    vg_ctx_free(&ctx);
    return run ? run : rc;
}
