/*
 * rules.c - runs the semantic rule families in their fixed order, and the
 * small helpers they share (how a version or a set of hosts reads in a
 * message).
 */
#include "rules.h"

#include <stdio.h>
#include <string.h>

void vg_rules_run(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    if (!m || !p)
        return;
    vg_rules_compat(ctx, m, p);
    vg_rules_license(ctx, m, p);
    vg_rules_migration(ctx, m, p);
    vg_rules_capacity(ctx, m, p);
    vg_rules_platform(ctx, m, p);
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
    char buf[256] = "";
    size_t shown = n < 3 ? n : 3;
    for (size_t i = 0; i < shown; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s`%s`", i ? ", " : "", names[i]);
    }
    if (total > shown)
        return vg_sprintf(ctx->arena, "%s and %zu more", buf, total - shown);
    return vg_strdup(ctx->arena, buf);
}
