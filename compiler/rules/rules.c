/*
 * rules.c - runs the semantic rule families in their fixed order (two groups
 * at once for a large estate), and the small helpers they share (how a version or a set of hosts reads in a
 * message).
 */
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

#include "base/vg_threads.h"
#include "base/strbuf.h"

/*
 * The families in their order. For a large estate they run in two groups at
 * once, compat and license on a second thread, the rest on this one: each
 * group queues its diagnostics in a context of its own (the same limits, an
 * arena of its own: no queue holds more than could be shown), and the two
 * queues are then replayed in family order, so the diagnostics, the limits and
 * the dropped counts are those of one thread. The families only read the model, the plan and the catalog.
 */
typedef void (*family_fn)(struct vg_ctx *, const struct vg_model *, const struct vg_plan *);
static const family_fn families[] = {vg_rules_compat, vg_rules_license, vg_rules_migration, vg_rules_capacity,
                                     vg_rules_platform};
#define NFAMILIES (sizeof families / sizeof families[0])
#define SPLIT 2 /* families [0, SPLIT) on the second thread */

struct group {
    struct vg_ctx ctx; /* a copy of the caller's, with its own arena and queue */
    const struct vg_model *m;
    const struct vg_plan *p;
    size_t from, to;
};

static void run_group(void *arg)
{
    struct group *g = arg;
    for (size_t i = g->from; i < g->to; i++)
        families[i](&g->ctx, g->m, g->p);
}

static void group_init(struct group *g, const struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p,
                       size_t from, size_t to)
{
    g->ctx = *ctx;
    g->ctx.arena = vg_arena_new();
    memset(&g->ctx.diags, 0, sizeof g->ctx.diags);
    g->m = m;
    g->p = p;
    g->from = from;
    g->to = to;
}

static void run_groups(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);

void vg_rules_run(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    if (!m || !p)
        return;
    size_t nvms = 0;
    for (size_t i = 0; i < m->nclusters; i++)
        nvms += m->clusters[i]->nvms;
    if (!vg_threads_want(nvms, VG_THREADS_MIN_VMS)) {
        for (size_t i = 0; i < NFAMILIES; i++)
            families[i](ctx, m, p);
    } else {
        run_groups(ctx, m, p);
    }
    vg_rules_unused(ctx, m, p); /* last: it reads the errors of the others */
}

static void run_groups(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    struct group a, b;
    group_init(&a, ctx, m, p, 0, SPLIT);
    group_init(&b, ctx, m, p, SPLIT, NFAMILIES);
    vg_threads_both(run_group, &a, run_group, &b);
    vg_diags_replay(ctx, &a.ctx.diags);
    vg_diags_replay(ctx, &b.ctx.diags);
    vg_arena_adopt(ctx->arena, a.ctx.arena);
    vg_arena_adopt(ctx->arena, b.ctx.arena);
}

const char *vg_rules_version_text(struct vg_ctx *ctx, const struct vg_version_ref *v)
{
    if (!v->text)
        return "(none)";
    if (!v->is_driver || !v->nrel)
        return v->text;
    if (v->nrel == 1)
        return vg_sprintf(ctx->arena, "%s (vGPU %s)", v->text, v->rel[0]->name);
    char buf[64] = "";
    for (size_t i = 0; i < v->nrel; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s", i ? "/" : "", v->rel[i]->name);
    }
    return vg_sprintf(ctx->arena, "%s (vGPU %s)", v->text, buf);
}

const char *vg_rules_name_list(struct vg_ctx *ctx, const char *const *names, size_t n, size_t total)
{
    size_t shown = n < 3 ? n : 3;
    const char *list = vg_join(ctx->arena, names, shown, "`");
    if (total > shown)
        return vg_sprintf(ctx->arena, "%s and %zu more", list, total - shown);
    return list;
}
