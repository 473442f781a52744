/*
 * rules.c - runs the semantic rule families in their fixed order, cluster by
 * cluster (two groups at once for a large estate), and the small helpers
 * they share (how a version or a set of hosts reads in a message).
 */
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

#include "base/vg_threads.h"
#include "base/strbuf.h"

/*
 * The families in their order, run cluster by cluster: for each cluster every
 * family checks it before the next cluster is read, so its VMs come from
 * memory once and from the cache for the other families (one family after
 * the other read every VM of the model five times, ~20 MB each time at 100k
 * VMs). Each family queues its diagnostics in a context of its own (a copy
 * of the caller's with the same limits, an arena and a queue of its own: no
 * queue holds more than could be shown); the queues are then replayed in
 * family order, so the diagnostics, the limits and the dropped counts are
 * those of the families run one after the other. For a large estate the
 * families run in two groups at once, compat and license on a second thread,
 * the rest on this one. The families only read the model, the plan and the
 * catalog.
 */
static const struct vg_rule_family *const families[] = {&vg_rules_compat, &vg_rules_license, &vg_rules_migration,
                                                        &vg_rules_capacity, &vg_rules_platform};
#define NFAMILIES (sizeof families / sizeof families[0])
#define SPLIT 2 /* families [0, SPLIT) on the second thread */

/* One family's run. */
struct lane {
    struct vg_ctx ctx; /* a copy of the caller's, with its own arena and queue */
    void *state;       /* from its `begin`; NULL: nothing to check */
};

struct group { /* the families [from, to) on one thread */
    struct lane *lanes;
    const struct vg_model *m;
    const struct vg_plan *p;
    size_t from, to;
};

static void run_group(void *arg)
{
    struct group *g = arg;
    for (size_t i = g->from; i < g->to; i++)
        g->lanes[i].state = families[i]->begin(&g->lanes[i].ctx, g->m, g->p);
    for (size_t k = 0; k < g->m->nclusters; k++)
        for (size_t i = g->from; i < g->to; i++)
            if (g->lanes[i].state)
                families[i]->cluster(g->lanes[i].state, k);
}

void vg_rules_run(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    if (!m || !p)
        return;
    struct lane lanes[NFAMILIES];
    for (size_t i = 0; i < NFAMILIES; i++) {
        lanes[i].ctx = *ctx;
        lanes[i].ctx.arena = vg_arena_new();
        memset(&lanes[i].ctx.diags, 0, sizeof lanes[i].ctx.diags);
    }
    size_t nvms = 0;
    for (size_t i = 0; i < m->nclusters; i++)
        nvms += m->clusters[i]->nvms;
    if (!vg_threads_want(nvms, VG_THREADS_MIN_VMS)) {
        struct group all = {lanes, m, p, 0, NFAMILIES};
        run_group(&all);
    } else {
        struct group a = {lanes, m, p, 0, SPLIT}, b = {lanes, m, p, SPLIT, NFAMILIES};
        vg_threads_both(run_group, &a, run_group, &b);
    }
    for (size_t i = 0; i < NFAMILIES; i++) {
        vg_diags_replay(ctx, &lanes[i].ctx.diags);
        vg_arena_adopt(ctx->arena, lanes[i].ctx.arena);
    }
    vg_rules_unused(ctx, m, p); /* last: it reads the errors of the others */
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
