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

/* A rule family in two steps: `begin` makes its state for one run (and makes
 * the checks of the model as a whole); NULL means the family has nothing to
 * check. `cluster` then checks cluster k, for every k in order. The state
 * carries what the family keeps from one cluster to the next. rules.c runs
 * the families cluster by cluster, so a cluster's VMs are read from memory
 * once and from the cache by the other families. */
struct vg_rule_family {
    void *(*begin)(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);
    void (*cluster)(void *state, size_t k);
};

extern const struct vg_rule_family vg_rules_compat;    /* VG30xx */
extern const struct vg_rule_family vg_rules_license;   /* VG31xx */
extern const struct vg_rule_family vg_rules_migration; /* VG4xxx */
extern const struct vg_rule_family vg_rules_capacity;  /* VG5xxx */
extern const struct vg_rule_family vg_rules_platform;  /* VG6xxx */
/* VG5006, after the others: it reads the errors they queued */
void vg_rules_unused(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p);

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
