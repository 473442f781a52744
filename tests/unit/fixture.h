/*
 * fixture.h - compile a .vgpu text into a model against the built-in catalog
 * (or all the way to a report, as `vgpuc lint` does) and look at the
 * diagnostics: shared by the unit tests.
 *
 * Everything is `static inline` so that a test file that uses only some of
 * the helpers compiles warning-free.
 */
#ifndef VG_TEST_FIXTURE_H
#define VG_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"
#include "plan/plan.h"
#include "report/render.h"
#include "rules/rules.h"
#include "base/strbuf.h"

struct fx {
    struct vg_ctx ctx;
    const char *text;
    struct vg_model *m;
};

/* A context with the built-in catalog and no error limit. */
static inline struct fx *prepare(void)
{
    struct fx *f = vg_xcalloc(1, sizeof *f);
    vg_ctx_init(&f->ctx);
    f->ctx.opt.error_limit = 0;
    f->ctx.catalog = vg_catalog_load(&f->ctx, NULL, 0);
    assert_non_null(f->ctx.catalog);
    return f;
}

/* `text` as the one root file t.vgpu, through vg_model_build. */
static inline struct fx *build(const char *text)
{
    struct fx *f = prepare();
    f->text = text;
    uint32_t id = vg_source_add(&f->ctx, "t.vgpu", text, strlen(text), vg_span_make(0, 0, 0));
    f->m = vg_model_build(&f->ctx, &id, 1);
    return f;
}

static inline void done(struct fx *f)
{
    vg_ctx_free(&f->ctx);
    free(f);
}

static inline size_t count(const struct fx *f, enum vg_code code)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ctx.diags.n; i++)
        n += f->ctx.diags.v[i]->code == code;
    return n;
}

static inline const struct vg_diag *find(const struct fx *f, enum vg_code code)
{
    for (size_t i = 0; i < f->ctx.diags.n; i++)
        if (f->ctx.diags.v[i]->code == code)
            return f->ctx.diags.v[i];
    return NULL;
}

/* Offset of the n-th (0-based) occurrence of `needle` in the source. */
static inline uint32_t off(const struct fx *f, const char *needle, int nth)
{
    const char *p = f->text;
    for (;;) {
        p = strstr(p, needle);
        assert_non_null(p);
        if (nth-- == 0)
            return (uint32_t)(p - f->text);
        p++;
    }
}

/* Every queued diagnostic on stderr: context for a failing assertion. */
static inline void dump(const struct fx *f)
{
    for (size_t i = 0; i < f->ctx.diags.n; i++)
        fprintf(stderr, "  have %s: %s\n", vg_code_info(f->ctx.diags.v[i]->code)->id, f->ctx.diags.v[i]->message);
}

/* A `code` diagnostic whose message has `msg_part` and, if `needle` is given,
 * whose span starts at its nth occurrence. */
static inline void expect(const struct fx *f, enum vg_code code, const char *msg_part, const char *needle, int nth)
{
    const struct vg_diag *d = find(f, code);
    if (!d || !strstr(d->message, msg_part))
        dump(f);
    assert_non_null(d);
    assert_non_null(strstr(d->message, msg_part));
    if (needle)
        assert_int_equal(d->span.start, off(f, needle, nth));
}

/* `part` appears in a note, help or label of the diagnostic. */
static inline int has_text(const struct vg_diag *d, const char *part)
{
    for (size_t i = 0; i < d->nnotes; i++)
        if (strstr(d->notes[i], part))
            return 1;
    for (size_t i = 0; i < d->nhelps; i++)
        if (strstr(d->helps[i], part))
            return 1;
    for (size_t i = 0; i < d->nlabels; i++)
        if (d->labels[i].msg && strstr(d->labels[i].msg, part))
            return 1;
    return d->label && strstr(d->label, part);
}

/*
 * The rest of `vgpuc lint` for a root file already added to ctx: model,
 * plan, rules, the finished queue, and the reports in `formats` (VG_FMT_*,
 * `nformats` of them) appended to out. Returns the model.
 */
static inline struct vg_model *lint_report(struct vg_ctx *ctx, uint32_t id, const enum vg_format *formats,
                                           size_t nformats, struct vg_strbuf *out)
{
    struct vg_model *m = NULL;
    if (id) {
        m = vg_model_build(ctx, &id, 1);
        vg_rules_run(ctx, m, vg_plan_build(ctx, m));
    }
    vg_diags_finish(ctx);
    struct vg_render_opts o = {0, 1, "test"};
    for (size_t i = 0; i < nformats; i++)
        vg_render(ctx, formats[i], &o, out);
    return m;
}

#endif
