/*
 * bench-stages.c - time, arena bytes and peak RSS after each stage of
 * `vgpuc lint` on one file: catalog load, file read + byte check, front end
 * (parse, schema, model), placement, rules, diagnostics; then the parse alone,
 * in a second context. Used to find where the time and memory of the
 * benchmark go (docs/performance.md); links against libvgpuc.a.
 * Usage: bench-stages FILE
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"
#include "syntax/parse.h"
#include "plan/plan.h"
#include "rules/rules.h"

static double peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The parse alone, as the front end runs it: each block's tree released when read. */
static void drop_block(void *arg, struct vg_stmt *st)
{
    (void)arg;
    if (st->own) {
        vg_arena_free(st->own);
        st->own = NULL;
        st->body = NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench-stages FILE\n");
        return 2;
    }
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    double t0 = now_ms(), t;
    size_t a0 = vg_arena_used(ctx.arena);
#define STAGE(label, stmt)                                                               \
    do {                                                                                 \
        t = now_ms();                                                                    \
        stmt;                                                                            \
        printf("%-10s %8.2f ms %9.2f MB arena %8.1f MB peak RSS\n", label, now_ms() - t, \
               (double)(vg_arena_used(ctx.arena) - a0) / 1048576, peak_mb());            \
        a0 = vg_arena_used(ctx.arena);                                                   \
    } while (0)
    struct vg_model *m = NULL;
    struct vg_plan *p = NULL;
    uint32_t id = 0;
    STAGE("catalog", ctx.catalog = vg_catalog_load(&ctx, NULL, 0));
    STAGE("read", id = vg_source_load(&ctx, argv[1], NULL, vg_span_make(0, 0, 0)));
    STAGE("model", m = vg_model_build(&ctx, &id, 1));
    STAGE("plan", p = vg_plan_build(&ctx, m));
    STAGE("rules", vg_rules_run(&ctx, m, p));
    STAGE("finish", vg_diags_finish(&ctx));
    printf("%-10s %8.2f ms %9.2f MB arena total, %zu diagnostics\n", "total", now_ms() - t0,
           (double)vg_arena_used(ctx.arena) / 1048576, ctx.diags.n);
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    a0 = vg_arena_used(ctx.arena);
    STAGE("read", id = vg_source_load(&ctx, argv[1], NULL, vg_span_make(0, 0, 0)));
    STAGE("parse", vg_parse_stream(&ctx, id, drop_block, NULL));
    vg_ctx_free(&ctx);
    return 0;
}
