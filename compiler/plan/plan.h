/*
 * plan.h - placement: every VM on a host and physical GPU(s), and failover.
 *
 * Deterministic (docs/backends.md, the same input gives the same bytes): pinned VMs first, then by decreasing
 * frame buffer, ties by name; each on the first host in declaration order and
 * the first GPU where it fits. Rules read the plan (capacity, failover,
 * live-migration targets) and the backends turn it into owner-node / DRS rules
 * and DDA device choices.
 */
#ifndef VG_PLAN_H
#define VG_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

enum vg_pgpu_use { VG_PGPU_FREE = 0, VG_PGPU_VGPU, VG_PGPU_PASSTHROUGH };

struct vg_pgpu { /* one physical GPU of a host */
    struct vg_host *host;
    uint32_t index; /* 0-based within the host */
    uint32_t board; /* which board (0-based) */
    const struct vg_gpu *model;
    enum vg_pgpu_use use;
    const struct vg_profile *profile; /* same-size: the profile; mixed: the first */
    uint32_t used_fb_mb;
    uint32_t nvgpus;   /* vGPUs placed on it */
    uint16_t mig_used; /* MIG compute slices taken (models with mig-slices) */
    uint16_t mig_me;   /* a MIG profile with media extensions is on it */
};

struct vg_placement {
    struct vg_host *host; /* NULL = could not be placed */
    uint32_t *gpus;
    uint32_t ngpus;              /* indexes into the cluster plan's pgpus[] */
    struct vg_host *live_target; /* migration live: the first other allowed host that
                                    could receive it in the final plan; NULL = none */
};

struct vg_failover { /* one set of failed hosts that loses VMs */
    struct vg_host *failed[2];
    uint32_t nfailed;
    struct vg_vm **down;
    size_t ndown; /* VMs that would have nowhere to restart */
};

struct vg_cluster_plan {
    struct vg_cluster *cluster;
    struct vg_pgpu *pgpus;
    size_t npgpus;
    uint32_t *host_first;       /* per host index: first pgpu index of that host */
    struct vg_placement *place; /* per VM index */
    size_t nunplaced;
    size_t nunread; /* VMs without a GPU mode or model (no `gpu`, or one not understood): never placed */
    struct vg_failover *failovers;
    size_t nfailovers;   /* only the failing sets */
    size_t nsets_tried;  /* host sets tried for tolerate-host-failures */
    uint32_t partitions; /* Hyper-V family: GPU-P partition count of every GPU
                                    (gpu-partitions, else derived); 0 = not GPU-P */
    uint32_t *order;
    size_t norder; /* VM indexes in placement order (placeable VMs) */
    /* The failover reserve: GPUs free in the plan that some failing host set
     * restarts a VM on. They are spare on purpose, not unused. */
    uint8_t *reserve;       /* per pgpu: 1 = in the reserve */
    size_t nreserve;        /* GPUs marked in reserve[] */
    uint32_t reserve_worst; /* the most free GPUs that one failing host set takes */
};

struct vg_plan {
    struct vg_cluster_plan *clusters;
    size_t nclusters; /* same order as the model */
};

/* Place every cluster and run the failover scenarios; never emits diagnostics. */
struct vg_plan *vg_plan_build(struct vg_ctx *ctx, const struct vg_model *m);

/* Work counter (GPU and tree probes) for the linearity tests: per thread
 * (a large plan also runs on a second thread, plan.c). */
extern _Thread_local unsigned long long vg_plan_probes;

/* Failover scenarios actually run (the others replay an equal outcome, plan.c),
 * per thread; and, for the tests, a switch that runs every scenario. */
extern _Thread_local unsigned long long vg_plan_scenarios;
extern int vg_plan_replay_off;

/* The plan in `format` ("text", "json" or "svg"), as `vgpuc plan` prints it
 * (plan_render.c; the language server's vgpuc.plan command too). */
struct vg_strbuf;
void vg_plan_render(struct vg_ctx *ctx, const struct vg_plan *p, const char *format, struct vg_strbuf *sb);

/* The use of a physical GPU as every output names it: "vgpu", "passthrough", "free". */
const char *vg_pgpu_use_name(enum vg_pgpu_use u);

/*
 * The members that describe a physical GPU in every JSON placement (`plan -f
 * json`, `build --target json`), compact and in this order: "index", "board",
 * "model", "use", "profile" (null unless the GPU holds vGPUs). `inert` writes
 * the names inert (strbuf.c), as the plan's outputs do.
 */
void vg_plan_json_gpu(struct vg_strbuf *sb, const struct vg_pgpu *g, int inert);

#endif
