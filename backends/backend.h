/*
 * backend.h - the script generators: hyperv, vmware, json.
 *
 * A backend reads the model and the plan of one cluster (they have passed the
 * rules without errors) and appends one complete script to `out`. Output is a
 * pure function of its inputs: same input, same bytes.
 */
#ifndef VG_BACKEND_H
#define VG_BACKEND_H

#include "model/model.h"
#include "plan/plan.h"
#include "base/strbuf.h"

enum vg_target { VG_TARGET_AUTO = 0, VG_TARGET_HYPERV, VG_TARGET_VMWARE, VG_TARGET_JSON };

struct vg_emit_info {
    const char *tool_version;  /* "vgpuc 0.1.0" */
    const char *source_path;   /* the file the cluster was declared in */
    const char *source_sha256; /* hex digest of that file's bytes */
};

int vg_target_parse(const char *s); /* -1 if unknown */
const char *vg_target_name(enum vg_target t);
/* The target a cluster needs by its platform family (auto). */
enum vg_target vg_target_for(const struct vg_cluster *c);
/* File extension for the target: ".ps1" or ".json". */
const char *vg_target_ext(enum vg_target t);
/* Append the script of cluster c for target t (its emitter in target.c's table). */
void vg_target_emit(enum vg_target t, const struct vg_ctx *ctx, const struct vg_cluster *c,
                    const struct vg_cluster_plan *p, const struct vg_emit_info *info, struct vg_strbuf *out);
/* Whether a script of the target with a non-ASCII byte starts with a UTF-8 BOM. */
int vg_target_bom(enum vg_target t);

/* What a target is asked for: the scripts of `build`, the rollout scripts of
 * `rollout -o`, the read-only scripts of `inventory`. */
enum vg_target_use { VG_USE_BUILD, VG_USE_ROLLOUT, VG_USE_INVENTORY };
/* Whether `--target NAME` of that command may name t (auto included where
 * the command resolves it per cluster). */
int vg_target_usable(enum vg_target t, enum vg_target_use use);
/* The names usable for `use`, in table order, joined by `|`: the values
 * `--help` shows and the completion offers (checked against each other by
 * tests/validators/check-completion.sh). */
void vg_target_names(enum vg_target_use use, struct vg_strbuf *out);

void vg_emit_hyperv(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                    const struct vg_emit_info *info, struct vg_strbuf *out);
void vg_emit_vmware(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                    const struct vg_emit_info *info, struct vg_strbuf *out);
void vg_emit_json(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                  const struct vg_emit_info *info, struct vg_strbuf *out);

/* rollout.c: the rollout script of one planned cluster (compiler/rollout.h)
 * for target t; vg_rollout_target_supported() says which targets have one. */
struct vg_ro_cluster;
int vg_rollout_target_supported(enum vg_target t);
void vg_emit_rollout(const struct vg_ctx *ctx, enum vg_target t, const struct vg_ro_cluster *rc,
                     const struct vg_emit_info *info, struct vg_strbuf *out);

#endif
