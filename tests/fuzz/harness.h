/*
 * harness.h - the part of a compilation both fuzz targets share: from loaded
 * sources to every report format and, when the design is error-free, the
 * scripts of every cluster, the way `vgpuc build` would write them (its own
 * target by platform family, plus JSON), checking that every report stays
 * inert (vg_fuzz_check_inert). Header-only and static, so that each
 * fuzz_*.c still links alone against libvgpuc.a (the Makefile's rule).
 */
#ifndef VG_FUZZ_HARNESS_H
#define VG_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "backends/backend.h"
#include "backends/sha256.h"
#include "core/ctx.h"
#include "model/model.h"
#include "plan/plan.h"
#include "report/render.h"
#include "rules/rules.h"
#include "core/source.h"

/* The date the golden tests use, so that end-of-support rules behave alike. */
#define VG_FUZZ_TODAY 20261121u

/* A sink the optimiser cannot remove, so output is really produced and read. */
static volatile size_t vg_fuzz_sink;

/*
 * The output channels stay inert (issue 13): an uncoloured report holds no
 * control byte but the line feed, no DEL, no C1 control, no bidirectional or
 * zero-width character and no invalid UTF-8, whatever the input held; the
 * github format has one line per diagnostic. A report that breaks this aborts
 * (a finding, like a crash).
 */
static void vg_fuzz_check_inert(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (vg_char_class((const unsigned char *)s + i, n - i, &len, &cp) != VG_CHAR_PLAIN)
            abort();
        i += len;
    }
}

static void vg_fuzz_render_all(const struct vg_ctx *ctx, size_t nfiles)
{
    struct vg_render_opts ro = {0, nfiles, "fuzz"};
    for (int f = VG_FMT_HUMAN; f <= VG_FMT_GITHUB; f++) {
        for (int color = 0; color <= (f == VG_FMT_HUMAN); color++) { /* the coloured path too */
            struct vg_strbuf sb;
            vg_sb_init(&sb);
            ro.color = color;
            vg_render(ctx, (enum vg_format)f, &ro, &sb);
            if (!color)
                vg_fuzz_check_inert(sb.data ? sb.data : "", sb.len);
            if (f == VG_FMT_GITHUB) {
                size_t lines = 0, shown = 0;
                for (size_t i = 0; i < sb.len; i++)
                    lines += sb.data[i] == '\n';
                for (size_t i = 0; i < ctx->diags.n; i++)
                    shown += !ctx->diags.v[i]->suppressed;
                if (lines != shown)
                    abort(); /* a diagnostic printed a line of its own */
            }
            vg_fuzz_sink += sb.len;
            vg_sb_free(&sb);
        }
    }
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_render_summary(ctx, nfiles, &sb);
    vg_fuzz_sink += sb.len;
    vg_sb_free(&sb);
}

static void vg_fuzz_emit_all(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    for (size_t i = 0; i < m->nclusters; i++) {
        const struct vg_cluster *c = m->clusters[i];
        const struct vg_source *src = c->span.file ? vg_source_get(ctx, c->span.file) : NULL;
        char hex[65] = "";
        if (src)
            vg_sha256_hex(src->text, src->len, hex);
        struct vg_emit_info info = {"vgpuc fuzz", src ? src->path : "<unknown>", hex};
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        switch (vg_target_for(c)) {
        case VG_TARGET_HYPERV: vg_emit_hyperv(ctx, c, &p->clusters[i], &info, &sb); break;
        case VG_TARGET_VMWARE: vg_emit_vmware(ctx, c, &p->clusters[i], &info, &sb); break;
        case VG_TARGET_JSON:
        case VG_TARGET_AUTO: break;
        }
        vg_fuzz_sink += sb.len;
        sb.len = 0;
        vg_emit_json(ctx, c, &p->clusters[i], &info, &sb);
        vg_fuzz_sink += sb.len;
        vg_sb_free(&sb);
    }
}

/* Model, plan, rules, reports, scripts for the roots already added to ctx. */
static void vg_fuzz_compile(struct vg_ctx *ctx, const uint32_t *roots, size_t nroots)
{
    struct vg_model *m = vg_model_build(ctx, roots, nroots);
    struct vg_plan *p = vg_plan_build(ctx, m);
    vg_rules_run(ctx, m, p);
    vg_diags_finish(ctx);
    vg_fuzz_render_all(ctx, nroots);
    if (m && p && vg_diags_max_level(ctx) < VG_LEVEL_ERROR)
        vg_fuzz_emit_all(ctx, m, p);
}

#endif
