/*
 * drift.h - a declared cluster compared with an inventory of the live one.
 *
 * `vgpuc drift FILE INVENTORY.json` (docs/adopt.md, step 4): the model and
 * plan of FILE against the document the inventory script wrote. Every
 * difference is one diagnostic (VG8002-VG8014) located at the declaration it
 * concerns, or at the cluster's name for live objects the file does not
 * declare, so that drift is reported in every output format lint has.
 * Compared is what the Hyper-V build script would converge (the same
 * defaults, the same owners, the same partition count); what the inventory
 * does not hold (guest drivers, the license server, live migration) is not.
 */
#ifndef VG_DRIFT_H
#define VG_DRIFT_H

#include "core/ctx.h"
#include "driver/inventory.h"
#include "model/model.h"
#include "plan/plan.h"

/*
 * Queue one diagnostic per difference between the declared model (and its
 * plan) and the inventory. The inventory's cluster is matched by name, else
 * by the hosts it shares with a declared cluster (VG8002 when no declared
 * cluster matches). Returns the number of differences queued.
 */
size_t vg_drift_compare(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p,
                        struct vg_inventory *inv);

#endif
