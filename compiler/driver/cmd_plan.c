/*
 * cmd_plan.c - `vgpuc plan`: the placement as text, JSON or SVG.
 *
 * Runs the same pipeline as `lint`, prints the diagnostics on stderr and the
 * plan on stdout (plan/plan_render.c). The plan is printed even when there
 * are errors (it shows what could be placed); the exit code is lint's (1 for
 * findings at or above --fail-on, 2 when nothing could be built).
 */
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "driver/cli.h"
#include "driver/pipeline.h"
#include "plan/plan.h"

int vg_cmd_plan(struct vg_cli *cli)
{
    const char *fmt = cli->format_arg ? cli->format_arg : "text";
    struct vg_ctx ctx;
    struct vg_model *model = NULL;
    struct vg_plan *plan = NULL;
    size_t nfiles = 0;
    vg_ctx_init(&ctx);
    int run = vg_pipeline_run(&ctx, cli, &model, &plan, &nfiles);
    int rc = vg_pipeline_report(&ctx, cli, nfiles, 1);
    if (plan) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        vg_plan_render(&ctx, plan, fmt, &sb);
        fwrite(vg_sb_str(&sb), 1, sb.len, stdout);
        vg_sb_free(&sb);
        if (fflush(stdout) != 0 && !run)
            run = VG_EXIT_FAILURE;
    }
    vg_ctx_free(&ctx);
    return run ? run : rc;
}
