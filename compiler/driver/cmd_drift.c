/*
 * cmd_drift.c - `vgpuc drift [OPTIONS] FILE INVENTORY.json`.
 *
 * Builds the model and the plan of FILE (no rules: lint checks the file,
 * drift compares it), reads the inventory document, and has drift.c queue
 * one diagnostic per difference; they are rendered like lint's, in any
 * format and to --report files, so a scheduled CI job can upload them as
 * SARIF. Exit 0: no drift; 1: drift at or above --fail-on (default warning,
 * which every drift code is at least); 2: could not compare (bad usage, an
 * unreadable file or catalog, errors in FILE, an invalid inventory, VG8001).
 */
#include <stdio.h>
#include <string.h>

#include "driver/cli.h"
#include "core/diag.h"
#include "driver/drift.h"
#include "driver/pipeline.h"
#include "model/model.h"
#include "plan/plan.h"
#include "core/source.h"

/* A drift code: VG80xx other than VG8001 (invalid-inventory), so that a new
 * drift code in codes.def needs no change here. */
static int is_drift(enum vg_code c)
{
    const struct vg_code_info *i = vg_code_info(c);
    return c != VG8001 && i && strncmp(i->id, "VG80", 4) == 0;
}

/* Drift at or above --fail-on that is not suppressed. */
static int has_drift(const struct vg_ctx *ctx, int fail_on)
{
    if (fail_on == VG_LEVEL_OFF)
        return 0;
    for (size_t i = 0; i < ctx->diags.n; i++) {
        const struct vg_diag *d = ctx->diags.v[i];
        if (is_drift(d->code) && !d->suppressed && (int)d->level >= fail_on)
            return 1;
    }
    return 0;
}

static int could_not_run(struct vg_ctx *ctx, struct vg_cli *cli, const char *why)
{
    vg_diags_finish(ctx);
    (void)vg_pipeline_report(ctx, cli, 1, 0);
    if (why)
        fprintf(stderr, "vgpuc: error: %s\n", why);
    vg_ctx_free(ctx);
    return VG_EXIT_FAILURE;
}

int vg_cmd_drift(struct vg_cli *cli)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const char *file = cli->inputs[0], *inventory = cli->inputs[1];
    if (vg_pipeline_setup(&ctx, cli, &file, 1) != VG_EXIT_OK)
        return could_not_run(&ctx, cli, NULL);
    /* rules do not run, so suppressions of their codes are not "unused" here */
    ctx.opt.rule_level[VG9001] = VG_LEVEL_OFF;
    uint32_t root = vg_source_load(&ctx, file, NULL, vg_span_make(0, 0, 0));
    uint32_t inv_file = root ? vg_source_load(&ctx, inventory, NULL, vg_span_make(0, 0, 0)) : 0;
    if (!root || !inv_file)
        return could_not_run(&ctx, cli, NULL);
    struct vg_model *model = vg_model_build(&ctx, &root, 1);
    struct vg_plan *plan = vg_plan_build(&ctx, model);
    if (vg_diag_error_count(&ctx))
        return could_not_run(&ctx, cli,
                             "the file has errors: drift compares only a file that `vgpuc lint` "
                             "accepts");
    struct vg_inventory inv;
    if (vg_inventory_read(&ctx, inv_file, &inv) < 0)
        return could_not_run(&ctx, cli, NULL);
    vg_drift_compare(&ctx, model, plan, &inv);
    vg_diags_finish(&ctx);
    int rc = vg_pipeline_report(&ctx, cli, 1, 0);
    if (rc == VG_EXIT_FAILURE) {
        vg_ctx_free(&ctx);
        return rc;
    }
    rc = has_drift(&ctx, cli->fail_on) ? VG_EXIT_FINDINGS : VG_EXIT_OK;
    vg_ctx_free(&ctx);
    return rc;
}
