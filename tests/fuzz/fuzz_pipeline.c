/*
 * fuzz_pipeline.c - libFuzzer target for the whole pipeline, in memory.
 *
 * Input bytes are one .vgpu file: parse -> schema/model -> plan -> rules ->
 * every diagnostic renderer -> (when error-free) every backend for every
 * cluster. The built-in catalog is loaded once per process. Any crash, leak,
 * sanitizer report or timeout is a bug; each one found becomes a regression
 * case in tests/golden/cases/ or tests/fuzz/regressions/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../backends/backend.h"
#include "catalog.h"
#include "ctx.h"
#include "model.h"
#include "plan.h"
#include "render.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vg_ctx catalog_ctx;
static const struct vg_catalog *catalog;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!catalog) {
        vg_ctx_init(&catalog_ctx);
        catalog = vg_catalog_load(&catalog_ctx, NULL, 0);
        if (!catalog)
            abort();
    }
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.catalog = catalog;
    ctx.opt.today = 20261121;
    uint32_t id = vg_source_add(&ctx, "fuzz.vgpu", (const char *)data, size, vg_span_make(0, 0, 0));
    struct vg_model *m = vg_model_build(&ctx, &id, 1);
    struct vg_plan *p = vg_plan_build(&ctx, m);
    vg_rules_run(&ctx, m, p);
    vg_diags_finish(&ctx);

    struct vg_render_opts ro = {0, 1, "fuzz"};
    for (int f = VG_FMT_HUMAN; f <= VG_FMT_GITHUB; f++) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        vg_render(&ctx, (enum vg_format)f, &ro, &sb);
        vg_sb_free(&sb);
    }
    if (vg_diags_max_level(&ctx) < VG_LEVEL_ERROR) {
        struct vg_emit_info info = {"vgpuc fuzz", "fuzz.vgpu", "0"};
        for (size_t i = 0; i < m->nclusters; i++) {
            struct vg_strbuf sb;
            vg_sb_init(&sb);
            vg_emit_hyperv(&ctx, m->clusters[i], &p->clusters[i], &info, &sb);
            vg_emit_vmware(&ctx, m->clusters[i], &p->clusters[i], &info, &sb);
            vg_emit_json(&ctx, m->clusters[i], &p->clusters[i], &info, &sb);
            vg_sb_free(&sb);
        }
    }
    vg_ctx_free(&ctx);
    return 0;
}
