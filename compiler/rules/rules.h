/*
 * rules.h - the semantic rule families (VG3xxx-VG6xxx).
 *
 * One file per family; each reads the model, the plan and the catalog and
 * queues diagnostics. They never print and never change the model.
 */
#ifndef VG_RULES_H
#define VG_RULES_H

#include "model/model.h"
#include "plan/plan.h"

void vg_rules_compat(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);    /* VG30xx */
void vg_rules_license(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);   /* VG31xx */
void vg_rules_migration(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p); /* VG4xxx */
void vg_rules_capacity(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);  /* VG5xxx */
void vg_rules_unused(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);    /* VG5006, last */
void vg_rules_platform(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);  /* VG6xxx */

/* All families in order. */
void vg_rules_run(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);

/* compat.c, for the rollout planner: 1 if a guest driver of release g loads on
 * a vGPU Manager of release h (perhaps with VG3003/VG3004), 0 if not (VG3001/VG3002). */
int vg_compat_loads(const struct vg_catalog *c, const struct vg_release *g, const struct vg_release *h);

/* Helpers shared by the families (rules.c). */
/* "16.5", or a driver with its release(s): "538.33 (vGPU 16.4/16.5)". */
const char *vg_rules_version_text(struct vg_ctx *ctx, const struct vg_version_ref *v);
/* "`a`, `b`, `c` and 4 more" from the first n of `total` names. */
const char *vg_rules_name_list(struct vg_ctx *ctx, const char *const *names, size_t n, size_t total);

#endif
