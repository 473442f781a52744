/*
 * ctx.c - creating and freeing one compilation context.
 */
#include "core/ctx.h"

#include "core/source.h"

#include <string.h>
#include <time.h>

void vg_ctx_init(struct vg_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->arena = vg_arena_new();
    ctx->opt.error_limit = 50;
    memset(ctx->opt.rule_level, -1, sizeof ctx->opt.rule_level);
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        ctx->opt.today = (uint32_t)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

void vg_ctx_free(struct vg_ctx *ctx)
{
    vg_sources_release(ctx);
    vg_arena_free(ctx->arena);
    memset(ctx, 0, sizeof *ctx);
}
