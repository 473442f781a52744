/*
 * rules.h - the semantic rule families (VG3xxx-VG6xxx).
 *
 * One file per family; each reads the model, the plan and the catalog and
 * queues diagnostics. They never print and never change the model.
 */
#ifndef VG_RULES_H
#define VG_RULES_H

#include "../model.h"
#include "../plan.h"

void vg_rules_compat(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);    /* VG30xx */
void vg_rules_license(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);   /* VG31xx */
void vg_rules_migration(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p); /* VG4xxx */
void vg_rules_capacity(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);  /* VG5xxx */
void vg_rules_platform(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);  /* VG6xxx */

/* All families in order. */
void vg_rules_run(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);

#endif
