/*
 * rollout.h - the rollout planner: from the current to the desired state of
 * each cluster, a sequence of steps in which every intermediate state passes
 * the whole rule set.
 *
 * A step is one of: the license server's upgrade; a batch of hosts going
 * through drain -> change (vGPU Manager release, GPU-P partition count,
 * graphics type, vGPU mode) -> restart -> verify -> resume, with the moves of
 * the VMs that ran on them; or the guest driver upgrade of a group of VMs.
 * Each state between steps is the desired model with the not-yet-changed
 * values put back, the drained hosts marked (plan.c places nothing on them)
 * and the VMs that stay down parked; it is placed by plan.c and checked by
 * every rule family, exactly as `vgpuc lint` checks a file. A step whose
 * state has an error is never planned. When no order exists, the planner
 * searches the catalog's release graph for intermediate releases and, failing
 * that, queues VG7001 with the blocking rule and the ways out.
 */
#ifndef VG_ROLLOUT_H
#define VG_ROLLOUT_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

enum vg_ro_kind { VG_RO_LICENSE = 0, VG_RO_HOSTS, VG_RO_GUESTS };
enum vg_ro_how { VG_RO_LIVE = 0, VG_RO_RESTART, VG_RO_DOWN, VG_RO_BACK };
/* Expected downtime of a step, worst of its VMs: none (live migration or no
 * VM), restart (a VM is shut down and started again, elsewhere or after its
 * driver update), window (a VM stays down until its host is back). */
enum vg_ro_downtime { VG_RO_DT_NONE = 0, VG_RO_DT_RESTART, VG_RO_DT_WINDOW };

struct vg_ro_move { /* one VM leaving a drained host, or coming back */
    const struct vg_vm *vm;
    const struct vg_host *from, *to; /* to = NULL: stays down */
    enum vg_ro_how how;
    const char *why; /* why it moves this way */
};

struct vg_ro_host { /* one host of a host step */
    const struct vg_host *host;
    const struct vg_version_ref *mgr_from, *mgr_to; /* equal: no release change */
    uint32_t part_from, part_to;                    /* GPU-P partitions; equal: no change */
    enum vg_graphics graphics_from, graphics_to;
    enum vg_vgpu_mode mode_from, mode_to;
};

struct vg_ro_step {
    enum vg_ro_kind kind;
    uint32_t leg; /* 0 .. nwaypoints: which leg of the path */
    enum vg_ro_downtime downtime;
    /* VG_RO_LICENSE */
    const struct vg_license_server *lic_from, *lic_to;
    /* VG_RO_HOSTS */
    struct vg_ro_host *hosts;
    size_t nhosts;
    struct vg_ro_move *moves;
    size_t nmoves; /* while drained */
    struct vg_ro_move *backs;
    size_t nbacks; /* parked VMs started again on resume */
    /* VG_RO_GUESTS */
    const struct vg_vm **vms;
    size_t nvms;
    const struct vg_version_ref *guest_from, *guest_to;
};

struct vg_ro_cluster {
    struct vg_cluster *cl;  /* in the desired model */
    struct vg_cluster *cur; /* in the current model */
    struct vg_ro_step *steps;
    size_t nsteps, cap_steps;
    const struct vg_release **waypoints;
    size_t nwaypoints;
    int planned;    /* 1: a full order was found */
    size_t nstates; /* states checked with the rules */
};

struct vg_rollout {
    struct vg_ro_cluster *clusters;
    size_t nclusters;
    size_t nstates;
    int ok; /* every cluster planned */
};

struct vg_ro_options {
    uint32_t at_once; /* hosts drained at once (>= 1) */
    const char *const *order;
    size_t norder; /* hosts to take first, in this order */
    const char *const *allow_down;
    size_t nallow_down; /* VMs that may stay down in their host's window */
    const char *const *drain;
    size_t ndrain;     /* hosts to put through maintenance with no change */
    int keep_failover; /* keep tolerate-host-failures while hosts are drained */
};

/*
 * Plan the rollout from `cur` to `want` (both built in ctx; `want` is used as
 * the working model and left as it was). Runs no rules on the end states:
 * the caller lints them first and plans only when neither has errors.
 * Queues VG7001-VG7003 in ctx. Never returns NULL.
 */
struct vg_rollout *vg_rollout_plan(struct vg_ctx *ctx, struct vg_model *cur, struct vg_model *want,
                                   const struct vg_ro_options *opt);

struct vg_strbuf;
/* rollout_render.c: the plan as a runbook, JSON (format_version 1) or SVG;
 * ro NULL = nothing was planned (errors in CURRENT or DESIRED). */
void vg_rollout_text(struct vg_ctx *ctx, const struct vg_rollout *ro, struct vg_strbuf *sb);
void vg_rollout_json(struct vg_ctx *ctx, const struct vg_rollout *ro, struct vg_strbuf *sb);
void vg_rollout_svg(struct vg_ctx *ctx, const struct vg_rollout *ro, struct vg_strbuf *sb);

/* The driver version of a release in one column of the catalog (host or
 * guest), NULL if unknown; the release name of a version ref; the host driver
 * column of a cluster's platform. */
const char *vg_ro_driver(const struct vg_version_ref *v, enum vg_driver_kind k);
const char *vg_ro_release(const struct vg_version_ref *v);
enum vg_driver_kind vg_ro_host_kind(const struct vg_cluster *cl);

const char *vg_ro_downtime_name(enum vg_ro_downtime d); /* "none", "restart", "window" */
const char *vg_ro_how_name(enum vg_ro_how h);           /* "live-migrate", "restart", "stay-down", "start" */

/* Work counter for the tests: states checked in this thread. */
extern _Thread_local unsigned long long vg_rollout_states;

#endif
