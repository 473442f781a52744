/*
 * plan_int.h - what the placement's files share (plan/ alone): the state of
 * one cluster's planning, the segment trees, and the few functions
 * plan_failover.c calls in plan.c. plan.h is the public header.
 */
#ifndef VG_PLAN_INT_H
#define VG_PLAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

#define DELTA_MAX 8 /* classes of a group whose leaves place_vm updates by the change */
#define MIX_MAX \
    12 /* distinct vGPU sizes on one mixed-size GPU (the sum of
                      distinct sizes cannot exceed the GPU's frame buffer) */

struct mix { /* vGPUs per frame-buffer size on one mixed-size GPU */
    uint32_t fb[MIX_MAX];
    uint16_t n[MIX_MAX];
    uint8_t k;
};

struct tree { /* max segment tree over a group's slots */
    uint32_t *v;
    size_t size; /* leaves: a power of two >= nslots */
};

struct group { /* one GPU model and the hosts that have it */
    const struct vg_gpu *model;
    uint32_t *slot_host;
    size_t nslots, cap_slots; /* host index per slot */
    uint32_t *slot_first, *slot_n;
    size_t cap_first, cap_n; /* range in gpu[] */
    uint32_t *gpu;
    size_t ngpu, cap_gpu; /* pgpu indexes by slot */
    uint32_t *classes;
    size_t nclasses, cap_classes;
};

struct klass { /* what one VM needs from a GPU */
    uint32_t group;
    const struct vg_profile *profile; /* NULL = pass-through */
    uint32_t cap_same, cap_mixed;
    struct tree t;
};

struct hslot {
    uint32_t group, slot;
};

struct undo {
    uint32_t pgpu;
    struct vg_pgpu old;
    struct mix oldmix;
};

struct leaf_undo {
    struct tree *t;
    uint32_t leaf, old;
}; /* a leaf a scenario changed */

struct state {
    struct vg_arena *arena;   /* where the cluster's plan goes */
    struct vg_arena *scratch; /* all below that the plan does not keep:
                                          released when the cluster is planned */
    struct vg_cluster *cl;
    struct vg_cluster_plan *cp;
    int hyperv;
    struct group *groups;
    size_t ngroups, cap_groups;
    struct klass *classes;
    size_t nclasses, cap_classes;
    struct vg_hash group_by_model, class_by_key;
    uint32_t *pg_group, *pg_slot; /* per pgpu */
    struct mix *mix;              /* per pgpu; NULL if no host is mixed-size */
    struct hslot *hs;
    size_t nhs, cap_hs;        /* (group, slot) pairs by host */
    uint32_t *hs_first, *hs_n; /* per host: range in hs[] */
    int32_t *vm_class;         /* per VM: class or -1 */
    struct vg_host ***allowed; /* per VM: `hosts` sorted by index */
    /* failover */
    struct undo *log;
    size_t nlog, cap_log;
    struct leaf_undo *leaves;
    size_t nleaves, cap_leaves;
    uint32_t epoch;     /* the scenario's number */
    uint32_t *pg_stamp; /* per pgpu: logged in this scenario */
    int scenario;
    uint32_t taken; /* free GPUs taken in this scenario */
    uint32_t *chosen;
    size_t nchosen, cap_chosen; /* GPUs of the placements, in
                                          blocks (an array per VM costs 16 bytes) */
};

static inline uint32_t vg_pl_tree_get(const struct tree *t, size_t i) { return t->v[t->size + i]; }

static inline int vg_pl_slot_of_host(const struct state *st, uint32_t h, uint32_t gi, uint32_t *slot)
{
    for (uint32_t j = 0; j < st->hs_n[h]; j++)
        if (st->hs[st->hs_first[h] + j].group == gi) {
            *slot = st->hs[st->hs_first[h] + j].slot;
            return 1;
        }
    return 0;
}

/* plan.c: set a leaf of a class's tree (no undo log) */
void vg_pl_tree_set(struct tree *t, size_t i, uint32_t val);
/* plan.c: recompute (or, with `zero`, clear) the leaves of slot s of group gi in every class */
void vg_pl_slot_refresh(struct state *st, uint32_t gi, uint32_t s, int zero);
/* plan.c: place the VM on the first slot with room; fills *pl if given; 0 if none has room */
int vg_pl_place_vm(struct state *st, const struct vg_vm *vm, struct vg_placement *pl);
/* plan_failover.c: the failover scenarios of `tolerate-host-failures` into st->cp */
void vg_pl_failover(struct state *st);

#endif
