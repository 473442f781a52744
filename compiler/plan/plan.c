/*
 * plan.c - deterministic placement of every VM on a host and physical GPU(s),
 * and the failover scenarios of `tolerate-host-failures`.
 *
 * Order (deterministic: the same input gives the same plan): VMs pinned with `host` first, then those with
 * a `hosts` list, then the rest; within each group by decreasing frame buffer
 * (profile fb x count, pass-through: the model's fb x count), ties by name.
 * Each goes to the first host in declaration order, and there to the first
 * GPUs, that can take it. A vGPU goes on a GPU of its profile's model that is
 * free or already runs vGPUs: in same-size mode of the same frame-buffer size
 * and fewer than the profile's per-GPU maximum (on the Hyper-V family also the
 * `gpu-partitions` count); in mixed-size mode while the frame buffer fits and
 * fewer than the profile's mixed-size maximum of that size are there. A GPU
 * runs MIG-backed vGPUs or time-sliced ones, never both; on a model with
 * `mig-slices`, MIG-backed vGPUs of different sizes share a GPU while their
 * compute slices and frame buffers fit (one with media extensions). A VM
 * with `x N` vGPUs takes N vGPUs on N different GPUs of one host (one vGPU per
 * physical GPU; NVIDIA's multi-vGPU documentation assigns each vGPU of a VM
 * its own physical GPU on the platforms vgpuc targets). Pass-through takes N
 * free GPUs of the model on one host; a GPU is never shared by pass-through
 * and vGPU.
 *
 * Speed: the hosts holding one GPU model are "slots" of a group, and each
 * class (a profile, or pass-through of a model) keeps a max segment tree over
 * the group's slots with the number of GPUs on that host that could take one
 * more VM of the class. Finding the first host with room is one descent
 * (O(log hosts)), and placing a VM refreshes only its host's leaves. A
 * failover scenario zeroes the failed hosts' leaves, re-places only their
 * restartable VMs, then undoes its changes from a log: its cost is about
 * (VMs on the failed hosts) x log(hosts), never the whole cluster. The GPUs
 * free in the plan that a scenario takes are the failover reserve (VG5006
 * does not call them unused).
 *
 * Rollout states (rollout.c) set three marks on the model: a drained host
 * offers no GPU, a parked VM is left out, and a VM with a `prefer` host goes
 * there first when it has room, so only the drained hosts' VMs move.
 */
#include "plan/plan.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/vg_threads.h"

_Thread_local unsigned long long vg_plan_probes;
_Thread_local unsigned long long vg_plan_scenarios;
int vg_plan_replay_off;

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

/* ---- segment tree -------------------------------------------------------- */

static void tree_init(struct vg_arena *a, struct tree *t, size_t n)
{
    t->size = 1;
    while (t->size < n)
        t->size *= 2;
    t->v = vg_alloc_array(a, 2 * t->size, sizeof *t->v);
}

static void tree_set(struct tree *t, size_t i, uint32_t val)
{
    size_t k = t->size + i;
    if (t->v[k] == val)
        return;
    t->v[k] = val;
    for (k /= 2; k >= 1; k /= 2) {
        uint32_t m = t->v[2 * k] > t->v[2 * k + 1] ? t->v[2 * k] : t->v[2 * k + 1];
        vg_plan_probes++;
        if (t->v[k] == m)
            break;
        t->v[k] = m;
    }
}

static uint32_t tree_get(const struct tree *t, size_t i) { return t->v[t->size + i]; }

/* Leftmost leaf >= lo whose value is >= need, or SIZE_MAX. */
static size_t tree_first(const struct tree *t, size_t node, size_t nl, size_t nr, size_t lo, uint32_t need)
{
    vg_plan_probes++;
    if (nr <= lo || t->v[node] < need)
        return SIZE_MAX;
    if (nr - nl == 1)
        return nl;
    size_t mid = nl + (nr - nl) / 2;
    size_t r = tree_first(t, 2 * node, nl, mid, lo, need);
    return r != SIZE_MAX ? r : tree_first(t, 2 * node + 1, mid, nr, lo, need);
}

static size_t tree_find(const struct tree *t, size_t lo, uint32_t need)
{
    if (lo)
        return tree_first(t, 1, 0, t->size, lo, need);
    /* from the first leaf: the leftmost child with room, straight down (a
       failover scenario asks this for every VM it moves) */
    vg_plan_probes++;
    if (t->v[1] < need)
        return SIZE_MAX;
    size_t k = 1;
    while (k < t->size) {
        vg_plan_probes++;
        k = t->v[2 * k] >= need ? 2 * k : 2 * k + 1;
    }
    return k - t->size;
}

/* ---- capacity of one GPU ------------------------------------------------- */

static enum vg_vgpu_mode host_mode(const struct vg_host *h)
{
    return vg_span_valid(h->vgpu_mode_span) ? h->vgpu_mode : h->cluster->vgpu_mode;
}

static uint32_t fb_of(const struct vg_vm *vm)
{
    if (vm->mode == VG_MODE_VGPU)
        return vm->profile ? vm->profile->fb_mb : 0;
    return vm->gpu_model ? vm->gpu_model->fb_mb : 0;
}

/* Can pgpu i take one more VM of class k? */
static int gpu_accepts(const struct state *st, uint32_t i, const struct klass *k)
{
    const struct vg_pgpu *g = &st->cp->pgpus[i];
    vg_plan_probes++;
    if (!k->profile)
        return g->use == VG_PGPU_FREE;
    if (g->use == VG_PGPU_PASSTHROUGH)
        return 0;
    const struct vg_profile *p = k->profile;
    if (host_mode(g->host) == VG_VGPU_MIXED_SIZE) {
        if (g->used_fb_mb + p->fb_mb > g->model->fb_mb)
            return 0;
        const struct mix *mx = &st->mix[i];
        for (unsigned j = 0; j < mx->k; j++)
            if (mx->fb[j] == p->fb_mb)
                return mx->n[j] < k->cap_mixed;
        return mx->k < MIX_MAX && k->cap_mixed > 0;
    }
    if (g->use == VG_PGPU_FREE)
        return k->cap_same > 0;
    if (g->profile->mig != p->mig)
        return 0; /* a GPU runs MIG-backed vGPUs or time-sliced ones, not both */
    if (p->mig && g->model->mig_slices && g->profile->mig_slices && p->mig_slices)
        /* MIG instances of different sizes share the GPU within its compute slices and memory */
        return g->mig_used + p->mig_slices <= g->model->mig_slices && g->used_fb_mb + p->fb_mb <= g->model->fb_mb &&
            !(p->media_ext && g->mig_me) && g->nvgpus < k->cap_same + (g->profile == p ? 0 : g->nvgpus);
    /* same-size mode: the same frame buffer, and no more than either profile allows */
    uint32_t cap = k->cap_same;
    if (g->profile != p && g->profile->max_same && g->profile->max_same < cap)
        cap = g->profile->max_same;
    return g->profile->fb_mb == p->fb_mb && g->nvgpus < cap;
}

static void gpu_take(struct state *st, uint32_t i, const struct klass *k)
{
    struct vg_pgpu *g = &st->cp->pgpus[i];
    if (st->scenario && g->use == VG_PGPU_FREE) { /* free in the plan: a reserve GPU */
        st->taken++;
        if (!st->cp->reserve[i]) {
            st->cp->reserve[i] = 1;
            st->cp->nreserve++;
        }
    }
    if (st->scenario && st->pg_stamp[i] != st->epoch) {
        struct undo u = {i, *g, {{0}, {0}, 0}};
        if (st->mix)
            u.oldmix = st->mix[i];
        VG_PUSH(st->scratch, st->log, st->nlog, st->cap_log, u);
        st->pg_stamp[i] = st->epoch;
    }
    if (!k->profile) {
        g->use = VG_PGPU_PASSTHROUGH;
        g->used_fb_mb = g->model->fb_mb;
        return;
    }
    if (g->use == VG_PGPU_FREE) {
        g->use = VG_PGPU_VGPU;
        g->profile = k->profile;
    }
    g->used_fb_mb += k->profile->fb_mb;
    g->nvgpus++;
    g->mig_used = (uint16_t)(g->mig_used + k->profile->mig_slices);
    g->mig_me |= (uint16_t)k->profile->media_ext;
    if (host_mode(g->host) == VG_VGPU_MIXED_SIZE) {
        struct mix *mx = &st->mix[i];
        unsigned j = 0;
        while (j < mx->k && mx->fb[j] != k->profile->fb_mb)
            j++;
        if (j == mx->k) {
            mx->fb[j] = k->profile->fb_mb;
            mx->n[j] = 0;
            mx->k++;
        }
        mx->n[j]++;
    }
}

/* Set a leaf; in a failover scenario, log the old value for the undo. */
static void leaf_set(struct state *st, struct tree *t, uint32_t s, uint32_t n)
{
    if (st->scenario && tree_get(t, s) != n) {
        struct leaf_undo u = {t, s, tree_get(t, s)};
        VG_PUSH(st->scratch, st->leaves, st->nleaves, st->cap_leaves, u);
    }
    tree_set(t, s, n);
}

/* Recompute the leaves of slot s of group gi in every class of the group. */
static void slot_refresh(struct state *st, uint32_t gi, uint32_t s, int zero)
{
    struct group *g = &st->groups[gi];
    for (size_t c = 0; c < g->nclasses; c++) {
        struct klass *k = &st->classes[g->classes[c]];
        uint32_t n = 0;
        if (!zero)
            for (uint32_t j = 0; j < g->slot_n[s]; j++)
                n += (uint32_t)gpu_accepts(st, g->gpu[g->slot_first[s] + j], k);
        leaf_set(st, &k->t, s, n);
    }
}

/* ---- building the cluster ------------------------------------------------ */

static uint32_t group_for(struct state *st, const struct vg_gpu *model)
{
    void *v = vg_hash_get(&st->group_by_model, model->model);
    if (v)
        return (uint32_t)((uintptr_t)v - 1);
    struct group g;
    memset(&g, 0, sizeof g);
    g.model = model;
    VG_PUSH(st->scratch, st->groups, st->ngroups, st->cap_groups, g);
    vg_hash_put(&st->group_by_model, model->model, (void *)(uintptr_t)st->ngroups);
    return (uint32_t)(st->ngroups - 1);
}

static void build_gpus(struct state *st)
{
    struct vg_arena *a = st->arena, *sa = st->scratch;
    struct vg_cluster *cl = st->cl;
    struct vg_cluster_plan *cp = st->cp;
    size_t n = 0;
    for (size_t h = 0; h < cl->nhosts; h++)
        for (size_t l = 0; l < cl->hosts[h]->ngpus; l++)
            if (cl->hosts[h]->gpus[l].model && !cl->hosts[h]->drained)
                n += (size_t)cl->hosts[h]->gpus[l].boards * cl->hosts[h]->gpus[l].model->gpus_per_board;
    cp->pgpus = vg_alloc_array(a, n ? n : 1, sizeof *cp->pgpus);
    cp->host_first = vg_alloc_array(a, cl->nhosts + 1, sizeof *cp->host_first);
    st->pg_group = vg_alloc_array(sa, n ? n : 1, sizeof *st->pg_group);
    st->pg_slot = vg_alloc_array(sa, n ? n : 1, sizeof *st->pg_slot);
    st->hs_first = vg_alloc_array(sa, cl->nhosts + 1, sizeof *st->hs_first);
    st->hs_n = vg_alloc_array(sa, cl->nhosts + 1, sizeof *st->hs_n);
    int any_mixed = 0;
    for (size_t h = 0; h < cl->nhosts; h++) {
        struct vg_host *host = cl->hosts[h];
        uint32_t idx = 0;
        cp->host_first[h] = (uint32_t)cp->npgpus;
        st->hs_first[h] = (uint32_t)st->nhs;
        any_mixed |= host_mode(host) == VG_VGPU_MIXED_SIZE;
        for (size_t l = 0; l < host->ngpus; l++) {
            const struct vg_host_gpu *hg = &host->gpus[l];
            if (!hg->model || host->drained) /* a host in maintenance offers no GPU */
                continue;
            uint32_t gi = group_for(st, hg->model);
            struct group *g = &st->groups[gi];
            if (!g->nslots || g->slot_host[g->nslots - 1] != h) {
                struct hslot pair = {gi, (uint32_t)g->nslots};
                VG_PUSH(sa, g->slot_host, g->nslots, g->cap_slots, (uint32_t)h);
                size_t nf = g->nslots - 1, nn = g->nslots - 1;
                VG_PUSH(sa, g->slot_first, nf, g->cap_first, (uint32_t)g->ngpu);
                VG_PUSH(sa, g->slot_n, nn, g->cap_n, 0u);
                VG_PUSH(sa, st->hs, st->nhs, st->cap_hs, pair);
                st->hs_n[h]++;
            }
            uint32_t per = (uint32_t)hg->boards * hg->model->gpus_per_board;
            for (uint32_t j = 0; j < per; j++) {
                struct vg_pgpu *pg = &cp->pgpus[cp->npgpus];
                pg->host = host;
                pg->index = idx++;
                pg->board = j / (hg->model->gpus_per_board ? hg->model->gpus_per_board : 1);
                pg->model = hg->model;
                st->pg_group[cp->npgpus] = gi;
                st->pg_slot[cp->npgpus] = (uint32_t)(g->nslots - 1);
                VG_PUSH(sa, g->gpu, g->ngpu, g->cap_gpu, (uint32_t)cp->npgpus);
                g->slot_n[g->nslots - 1]++;
                cp->npgpus++;
            }
        }
    }
    cp->host_first[cl->nhosts] = (uint32_t)cp->npgpus;
    if (any_mixed)
        st->mix = vg_alloc_array(sa, n ? n : 1, sizeof *st->mix);
    st->pg_stamp = vg_alloc_array(sa, n ? n : 1, sizeof *st->pg_stamp);
    cp->reserve = vg_alloc_array(a, n ? n : 1, sizeof *cp->reserve);
}

static uint32_t cap_same(const struct state *st, const struct vg_profile *p)
{
    uint32_t c = p->max_same;
    if (!c && p->fb_mb)
        c = p->gpu->fb_mb / p->fb_mb;
    if (st->hyperv && st->cl->gpu_partitions && st->cl->gpu_partitions < c)
        c = st->cl->gpu_partitions;
    return c;
}

static int32_t class_for(struct state *st, const struct vg_vm *vm)
{
    const struct vg_gpu *model = vm->mode == VG_MODE_VGPU ? (vm->profile ? vm->profile->gpu : NULL) : vm->gpu_model;
    if (vm->mode == VG_MODE_NONE || !model)
        return -1;
    void *gv = vg_hash_get(&st->group_by_model, model->model);
    if (!gv)
        return -1; /* no host has the model: cannot be placed */
    const char *key = vm->mode == VG_MODE_VGPU ? vm->profile->name : model->model;
    char buf[256];
    size_t klen = strlen(key);
    if (klen + 2 > sizeof buf)
        klen = sizeof buf - 2;
    buf[0] = vm->mode == VG_MODE_VGPU ? 'v' : 'p';
    memcpy(buf + 1, key, klen);
    buf[klen + 1] = 0;
    void *v = vg_hash_getn(&st->class_by_key, buf, klen + 1);
    if (v)
        return (int32_t)((uintptr_t)v - 1);
    struct klass k;
    memset(&k, 0, sizeof k);
    k.group = (uint32_t)((uintptr_t)gv - 1);
    if (vm->mode == VG_MODE_VGPU) {
        k.profile = vm->profile;
        k.cap_same = cap_same(st, vm->profile);
        k.cap_mixed = vm->profile->max_mixed ? vm->profile->max_mixed : k.cap_same;
    }
    struct group *g = &st->groups[k.group];
    tree_init(st->scratch, &k.t, g->nslots);
    VG_PUSH(st->scratch, st->classes, st->nclasses, st->cap_classes, k);
    uint32_t ci = (uint32_t)(st->nclasses - 1);
    VG_PUSH(st->scratch, g->classes, g->nclasses, g->cap_classes, ci);
    vg_hash_put(&st->class_by_key, vg_strndup(st->scratch, buf, klen + 1), (void *)(uintptr_t)(ci + 1));
    /* the new class starts from the current state of every slot */
    for (size_t s = 0; s < g->nslots; s++) {
        uint32_t n = 0;
        for (uint32_t j = 0; j < g->slot_n[s]; j++)
            n += (uint32_t)gpu_accepts(st, g->gpu[g->slot_first[s] + j], &st->classes[ci]);
        tree_set(&st->classes[ci].t, s, n);
    }
    return (int32_t)ci;
}

/* ---- placing one VM ------------------------------------------------------ */

static int slot_of_host(const struct state *st, uint32_t h, uint32_t gi, uint32_t *slot)
{
    for (uint32_t j = 0; j < st->hs_n[h]; j++)
        if (st->hs[st->hs_first[h] + j].group == gi) {
            *slot = st->hs[st->hs_first[h] + j].slot;
            return 1;
        }
    return 0;
}

static int cmp_host_index(const void *a, const void *b)
{
    const struct vg_host *x = *(struct vg_host *const *)a, *y = *(struct vg_host *const *)b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The first slot (host) that could take the VM, skipping `skip` (SIZE_MAX = none). */
static size_t find_slot(const struct state *st, const struct vg_vm *vm, const struct klass *k, size_t skip)
{
    uint32_t need = vm->count ? vm->count : 1;
    uint32_t s;
    if (vm->pin) {
        if (slot_of_host(st, vm->pin->index, k->group, &s) && s != skip && tree_get(&k->t, s) >= need)
            return s;
        return SIZE_MAX;
    }
    /* a rollout state (rollout.c): stay on the host it runs on while it has room */
    if (vm->prefer && slot_of_host(st, vm->prefer->index, k->group, &s) && s != skip && tree_get(&k->t, s) >= need)
        return s;
    if (vm->nallowed) {
        struct vg_host **al = st->allowed[vm->index];
        for (size_t j = 0; j < vm->nallowed; j++)
            if (slot_of_host(st, al[j]->index, k->group, &s) && s != skip && tree_get(&k->t, s) >= need)
                return s;
        return SIZE_MAX;
    }
    size_t r = tree_find(&k->t, 0, need);
    if (r != SIZE_MAX && r == skip)
        r = tree_find(&k->t, skip + 1, need);
    return r;
}

/* Place the VM on the first slot with room; fills *pl if given. */
static int place_vm(struct state *st, const struct vg_vm *vm, struct vg_placement *pl)
{
    int32_t ci = st->vm_class[vm->index];
    if (ci < 0)
        return 0;
    struct klass *k = &st->classes[ci];
    size_t s = find_slot(st, vm, k, SIZE_MAX);
    if (s == SIZE_MAX)
        return 0;
    struct group *g = &st->groups[k->group];
    uint32_t need = vm->count ? vm->count : 1, got = 0;
    if (pl && st->cap_chosen - st->nchosen < need) {
        st->cap_chosen = need > 1024 ? need : 1024;
        st->chosen = vg_alloc_array(st->arena, st->cap_chosen, sizeof *st->chosen);
        st->nchosen = 0;
    }
    uint32_t *chosen = pl ? st->chosen + st->nchosen : NULL;
    /* A slot's leaf in a class counts its GPUs that accept the class, and only
       the GPUs taken change: with few classes, count the change on those
       instead of asking every GPU of the slot again (slot_refresh). */
    int32_t delta[DELTA_MAX] = {0};
    int by_delta = g->nclasses <= DELTA_MAX;
    for (uint32_t j = 0; j < g->slot_n[s] && got < need; j++) {
        uint32_t i = g->gpu[g->slot_first[s] + j];
        if (gpu_accepts(st, i, k)) {
            for (size_t c = 0; by_delta && c < g->nclasses; c++)
                delta[c] -= gpu_accepts(st, i, &st->classes[g->classes[c]]);
            gpu_take(st, i, k);
            for (size_t c = 0; by_delta && c < g->nclasses; c++)
                delta[c] += gpu_accepts(st, i, &st->classes[g->classes[c]]);
            if (chosen)
                chosen[got] = i;
            got++;
        }
    }
    if (by_delta)
        for (size_t c = 0; c < g->nclasses; c++)
            leaf_set(st, &st->classes[g->classes[c]].t, (uint32_t)s,
                     (uint32_t)((int32_t)tree_get(&st->classes[g->classes[c]].t, s) + delta[c]));
    else
        slot_refresh(st, k->group, (uint32_t)s, 0);
    if (pl) {
        pl->host = st->cl->hosts[g->slot_host[s]];
        pl->gpus = chosen;
        pl->ngpus = got;
        st->nchosen += got;
    }
    return 1;
}

/* ---- ordering ------------------------------------------------------------ */

struct vkey {
    uint32_t rank;
    uint32_t name_rank;
    uint64_t fb;
    uint32_t idx;
};

static int cmp_vkey(const void *a, const void *b)
{
    const struct vkey *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->fb != y->fb)
        return x->fb > y->fb ? -1 : 1;
    return x->name_rank < y->name_rank ? -1 : x->name_rank > y->name_rank;
}

struct nkey {
    const char *name;
    uint32_t idx;
};

static int cmp_nkey(const void *a, const void *b)
{
    const struct nkey *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Position of every VM in (name, declaration) order. VMs are nearly always
 * declared in name order (ranges expand ascending), which one pass confirms;
 * otherwise the names are sorted once, so the placement sort compares
 * integers only. */
static uint32_t *name_ranks(struct state *st)
{
    struct vg_cluster *cl = st->cl;
    uint32_t *r = vg_xmalloc((cl->nvms ? cl->nvms : 1) * sizeof *r); /* the caller frees */
    size_t i = 1;
    while (i < cl->nvms && strcmp(cl->vms[i - 1]->name, cl->vms[i]->name) < 0)
        i++;
    if (i >= cl->nvms) {
        for (i = 0; i < cl->nvms; i++)
            r[i] = (uint32_t)i;
        return r;
    }
    struct nkey *k = vg_xmalloc(cl->nvms * sizeof *k);
    for (i = 0; i < cl->nvms; i++) {
        k[i].name = cl->vms[i]->name;
        k[i].idx = (uint32_t)i;
    }
    qsort(k, cl->nvms, sizeof *k, cmp_nkey);
    for (i = 0; i < cl->nvms; i++)
        r[k[i].idx] = (uint32_t)i;
    free(k);
    return r;
}

static void order_vms(struct state *st)
{
    struct vg_cluster *cl = st->cl;
    struct vkey *keys = vg_xmalloc((cl->nvms ? cl->nvms : 1) * sizeof *keys);
    uint32_t *nr = name_ranks(st);
    size_t n = 0;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_vm *vm = cl->vms[i];
        if (vm->mode == VG_MODE_NONE || !vm->gpu_model || (vm->mode == VG_MODE_VGPU && !vm->profile) || vm->parked == 1)
            continue;
        /* in a rollout state, the VMs of drained hosts after the ones that stay */
        keys[n].rank = (vm->pin ? 0u : vm->nallowed ? 1u : 2u) * 2u + (vm->parked == 2);
        keys[n].fb = (uint64_t)fb_of(vm) * (vm->count ? vm->count : 1);
        keys[n].name_rank = nr[i];
        keys[n].idx = (uint32_t)i;
        n++;
    }
    size_t sorted = 1; /* declared in placement order already (one class, names ascending)? */
    while (sorted < n && cmp_vkey(&keys[sorted - 1], &keys[sorted]) < 0)
        sorted++;
    if (sorted < n)
        qsort(keys, n, sizeof *keys, cmp_vkey);
    st->cp->order = vg_alloc_array(st->arena, n ? n : 1, sizeof *st->cp->order);
    for (size_t i = 0; i < n; i++)
        st->cp->order[i] = keys[i].idx;
    st->cp->norder = n;
    free(nr);
    free(keys);
}

/* ---- failover ------------------------------------------------------------ */

/*
 * Fewer scenarios at the cause. A scenario starts from the plan's state (the
 * one before undoes everything) with the failed hosts' leaves zeroed, and
 * re-places the failed hosts' restartable VMs in placement order; where each
 * goes depends only on the trees and on what the VM asks for (its class, GPU
 * count, pin, prefer and allowed hosts). A host with no room for any class in
 * the plan ("full": every leaf of it is 0) is not changed by zeroing it, so
 * every set of failed hosts with the same non-full hosts and the same
 * sequence of asks ends the same way: the same VMs positions down, the same
 * free GPUs taken. Each such outcome is computed once and replayed for the
 * other sets (a 96-host cluster with tolerate-host-failures 2 has 4,560 host
 * pairs, and in a packed cluster nearly all of them are pairs of full hosts
 * with VMs of one class). Every failover, reserve mark and count is the one
 * the scenario itself would give.
 */
struct ask { /* what find_slot and place_vm read of a restarting VM */
    int32_t ci;
    uint32_t count, pin, prefer, nallowed, pad; /* host index + 1, 0 = none */
    const void *allowed;
};

struct outcome { /* a scenario's result, by position in its VM list */
    uint64_t h;
    uint32_t key_off, key_len; /* the key, in fo.keys */
    uint32_t taken, ndown;
    uint32_t *down; /* positions */
};

#define MEMO_MAX_KEYS (8u << 20) /* bytes of keys kept per cluster; past it, scenarios run */

struct fo {              /* per cluster: placed VMs by host, in placement order */
    uint32_t *first, *n; /* per host: range in vms[] */
    uint32_t *vms;
    uint32_t *rfirst, *rn; /* per host: range in rvms[], the restartable VMs */
    uint32_t *rvms;
    uint32_t *rank;   /* per VM: position in placement order */
    uint8_t *uniform; /* per host: every restartable VM asks the same (uask) */
    struct ask *uask;
    uint8_t *uroom; /* per host: whether it had room for its uask's class */
    uint32_t *down;
    size_t ndown, cap_down; /* positions in cand[] */
    uint32_t *cand;
    size_t ncand, cap_cand;
    size_t cap_fo;
    unsigned char *keys;
    size_t nkeys, cap_keys; /* the outcomes' keys */
    unsigned char *key;
    size_t nkey, cap_key; /* the key being looked up */
    struct outcome *memo;
    size_t nmemo, cap_memo; /* open addressing, cap_memo a power of 2 */
    size_t recent[4];       /* memo slots + 1 of the last outcomes used (consecutive
                            sets mostly share one: no hashing then) */
};

static struct ask ask_of(const struct state *st, const struct vg_vm *vm)
{
    struct ask a;
    memset(&a, 0, sizeof a);
    a.ci = st->vm_class[vm->index];
    a.count = vm->count;
    a.pin = vm->pin ? vm->pin->index + 1 : 0;
    a.prefer = vm->prefer ? vm->prefer->index + 1 : 0;
    a.nallowed = (uint32_t)vm->nallowed;
    a.allowed = vm->nallowed && !vm->pin ? (const void *)st->allowed[vm->index] : NULL;
    return a;
}

/* Could host h take a VM of class ci in the plan? */
static int host_room(const struct state *st, uint32_t h, int32_t ci)
{
    uint32_t s;
    return ci >= 0 && slot_of_host(st, h, st->classes[ci].group, &s) && tree_get(&st->classes[ci].t, s);
}

static void fo_build(struct state *st, struct fo *f)
{
    struct vg_arena *a = st->scratch;
    struct vg_cluster *cl = st->cl;
    struct vg_cluster_plan *cp = st->cp;
    memset(f, 0, sizeof *f);
    size_t nh = cl->nhosts + 1, nv = cp->norder ? cp->norder : 1;
    f->first = vg_alloc_array(a, nh, sizeof *f->first);
    f->n = vg_alloc_array(a, nh, sizeof *f->n);
    f->rfirst = vg_alloc_array(a, nh, sizeof *f->rfirst);
    f->rn = vg_alloc_array(a, nh, sizeof *f->rn);
    f->uniform = vg_alloc_array(a, nh, sizeof *f->uniform);
    f->uask = vg_alloc_array(a, nh, sizeof *f->uask);
    f->uroom = vg_alloc_array(a, nh, sizeof *f->uroom);
    f->vms = vg_alloc_array(a, nv, sizeof *f->vms);
    f->rvms = vg_alloc_array(a, nv, sizeof *f->rvms);
    f->rank = vg_alloc_array(a, cl->nvms ? cl->nvms : 1, sizeof *f->rank);
    for (size_t i = 0; i < cp->norder; i++) {
        f->rank[cp->order[i]] = (uint32_t)i;
        struct vg_host *h = cp->place[cp->order[i]].host;
        if (h) {
            f->n[h->index]++;
            f->rn[h->index] += cl->vms[cp->order[i]]->migration != VG_MIG_NONE;
        }
    }
    uint32_t acc = 0, racc = 0;
    for (size_t h = 0; h < cl->nhosts; h++) {
        f->first[h] = acc;
        acc += f->n[h];
        f->n[h] = 0;
        f->rfirst[h] = racc;
        racc += f->rn[h];
        f->rn[h] = 0;
        f->uniform[h] = 1;
    }
    for (size_t i = 0; i < cp->norder; i++) {
        struct vg_host *h = cp->place[cp->order[i]].host;
        if (!h)
            continue;
        uint32_t x = h->index;
        f->vms[f->first[x] + f->n[x]++] = cp->order[i];
        const struct vg_vm *vm = cl->vms[cp->order[i]];
        if (vm->migration == VG_MIG_NONE)
            continue;
        struct ask k = ask_of(st, vm);
        if (!f->rn[x])
            f->uask[x] = k;
        else if (memcmp(&k, &f->uask[x], sizeof k))
            f->uniform[x] = 0;
        f->rvms[f->rfirst[x] + f->rn[x]++] = cp->order[i];
    }
    for (size_t h = 0; h < cl->nhosts; h++)
        f->uroom[h] = (uint8_t)(f->rn[h] && f->uniform[h] && host_room(st, (uint32_t)h, f->uask[h].ci));
}

static void host_zero(struct state *st, uint32_t h, int zero)
{
    for (uint32_t j = 0; j < st->hs_n[h]; j++)
        slot_refresh(st, st->hs[st->hs_first[h] + j].group, st->hs[st->hs_first[h] + j].slot, zero);
}

/* f->cand: the failed hosts' restartable VMs, in placement order. */
static void fo_cands(struct state *st, struct fo *f, const uint32_t *failed, uint32_t nfailed)
{
    f->ncand = 0;
    for (uint32_t j = 0; j < nfailed; j++)
        for (uint32_t k = 0; k < f->rn[failed[j]]; k++)
            VG_PUSH(st->scratch, f->cand, f->ncand, f->cap_cand, f->rvms[f->rfirst[failed[j]] + k]);
    if (nfailed == 2 && f->rn[failed[0]] && f->rn[failed[1]]) { /* merge the two lists */
        uint32_t na = f->rn[failed[0]];
        uint32_t *tmp = vg_xmalloc(f->ncand * sizeof *tmp);
        size_t i = 0, j = na, o = 0;
        while (i < na || j < f->ncand)
            tmp[o++] =
                (j >= f->ncand || (i < na && f->rank[f->cand[i]] < f->rank[f->cand[j]])) ? f->cand[i++] : f->cand[j++];
        memcpy(f->cand, tmp, f->ncand * sizeof *tmp);
        free(tmp);
    }
}

/* Re-place f->cand with the failed hosts' leaves zeroed; f->down gets the
 * positions of the VMs with nowhere to go; returns the free GPUs taken. */
static uint32_t scenario(struct state *st, struct fo *f, const uint32_t *failed, uint32_t nfailed)
{
    struct vg_cluster *cl = st->cl;
    struct vg_cluster_plan *cp = st->cp;
    vg_plan_scenarios++;
    st->epoch++;
    st->scenario = 1;
    st->nlog = st->nleaves = 0;
    st->taken = 0;
    f->ndown = 0;
    for (uint32_t j = 0; j < nfailed; j++)
        host_zero(st, failed[j], 1);
    for (size_t i = 0; i < f->ncand; i++)
        if (!place_vm(st, cl->vms[f->cand[i]], NULL))
            VG_PUSH(st->scratch, f->down, f->ndown, f->cap_down, (uint32_t)i);
    /* undo: GPUs in reverse order, then the leaves that changed */
    while (st->nlog) {
        struct undo *u = &st->log[--st->nlog];
        cp->pgpus[u->pgpu] = u->old;
        if (st->mix)
            st->mix[u->pgpu] = u->oldmix;
    }
    st->scenario = 0;
    /* the leaves of the slots the scenario changed (the failed hosts' and the
       receiving ones'), newest first: the same values a recount would give,
       without asking every GPU again */
    while (st->nleaves) {
        const struct leaf_undo *u = &st->leaves[--st->nleaves];
        tree_set(u->t, u->leaf, u->old);
    }
    return st->taken;
}

/* The key of a set of failed hosts: the failed hosts that had room for a
 * class its VMs ask for (zeroing the others changes no tree the scenario
 * reads), and the VMs' asks in placement order. Returns 1 if it listed the
 * VMs in f->cand (not when they all ask the same). */
static int fo_key(struct state *st, struct fo *f, const uint32_t *failed, uint32_t nfailed)
{
    uint32_t head[5] = {nfailed, UINT32_MAX, UINT32_MAX, 0, 1};
    const struct ask *u = NULL;
    for (uint32_t j = 0; j < nfailed; j++) {
        uint32_t h = failed[j];
        head[3] += f->rn[h];
        if (!f->rn[h])
            continue;
        if (!f->uniform[h] || (u && memcmp(u, &f->uask[h], sizeof *u)))
            head[4] = 0;
        u = &f->uask[h];
    }
    size_t need = sizeof head + sizeof(struct ask) * (head[4] ? 1 : head[3]);
    if (f->cap_key < need)
        vg_grow(st->scratch, (void **)&f->key, &f->cap_key, need, 1);
    f->nkey = need;
    if (head[4]) { /* one ask repeated: the order of the VMs does not matter */
        if (u) {
            memcpy(f->key + sizeof head, u, sizeof *u);
            for (uint32_t j = 0; j < nfailed; j++) /* uroom: the room for its own ask */
                if (f->rn[failed[j]] ? f->uroom[failed[j]] : host_room(st, failed[j], u->ci))
                    head[1 + j] = failed[j];
        } else
            f->nkey = sizeof head;
        memcpy(f->key, head, sizeof head);
        return 0;
    }
    fo_cands(st, f, failed, nfailed);
    for (size_t i = 0; i < f->ncand; i++) {
        struct ask a = ask_of(st, st->cl->vms[f->cand[i]]);
        memcpy(f->key + sizeof head + i * sizeof a, &a, sizeof a);
        for (uint32_t j = 0; j < nfailed; j++)
            if (head[1 + j] == UINT32_MAX && host_room(st, failed[j], a.ci))
                head[1 + j] = failed[j];
    }
    memcpy(f->key, head, sizeof head);
    return 1;
}

static struct outcome *memo_find(struct fo *f, uint64_t h)
{
    for (size_t i = (size_t)h & (f->cap_memo - 1);; i = (i + 1) & (f->cap_memo - 1)) {
        struct outcome *o = &f->memo[i];
        if (!o->key_len || (o->h == h && o->key_len == f->nkey && !memcmp(f->keys + o->key_off, f->key, f->nkey)))
            return o;
    }
}

static void memo_grow(struct state *st, struct fo *f)
{
    struct outcome *old = f->memo;
    size_t n = f->cap_memo;
    f->cap_memo = n ? 2 * n : 64;
    f->memo = vg_alloc_array(st->scratch, f->cap_memo, sizeof *f->memo);
    for (size_t i = 0; i < n; i++)
        if (old[i].key_len) {
            size_t j = (size_t)old[i].h & (f->cap_memo - 1);
            while (f->memo[j].key_len)
                j = (j + 1) & (f->cap_memo - 1);
            f->memo[j] = old[i];
        }
}

/* Outcome o was just used: first in f->recent. */
static void used(struct fo *f, const struct outcome *o)
{
    size_t slot = (size_t)(o - f->memo) + 1;
    int r = 0;
    while (r < 3 && f->recent[r] != slot)
        r++;
    for (; r > 0; r--)
        f->recent[r] = f->recent[r - 1];
    f->recent[0] = slot;
}

/* One set of failed hosts: its outcome, computed or replayed, into the plan. */
static void fail_set(struct state *st, struct fo *f, const uint32_t *failed, uint32_t nfailed)
{
    struct vg_cluster *cl = st->cl;
    struct vg_cluster_plan *cp = st->cp;
    int cands = fo_key(st, f, failed, nfailed);
    struct outcome *o = NULL;
    uint64_t h = 0;
    for (int r = 0; r < 4 && !o && f->recent[r] && !vg_plan_replay_off; r++) {
        o = &f->memo[f->recent[r] - 1];
        if (o->key_len != f->nkey || memcmp(f->keys + o->key_off, f->key, f->nkey))
            o = NULL;
    }
    if (!o && !vg_plan_replay_off) {
        if (2 * (f->nmemo + 1) > f->cap_memo) {
            memo_grow(st, f);
            memset(f->recent, 0, sizeof f->recent);
        }
        h = vg_hash_bytes((const char *)f->key, f->nkey);
        o = memo_find(f, h);
    }
    uint32_t taken, ndown;
    const uint32_t *down;
    if (o && o->key_len) { /* the same outcome as a set before: its reserve GPUs are marked */
        used(f, o);
        taken = o->taken;
        ndown = o->ndown;
        down = o->down;
    } else {
        if (!cands)
            fo_cands(st, f, failed, nfailed);
        cands = 1;
        taken = scenario(st, f, failed, nfailed);
        ndown = (uint32_t)f->ndown;
        down = f->down;
        if (o && f->nkeys + f->nkey <= MEMO_MAX_KEYS) {
            vg_grow(st->scratch, (void **)&f->keys, &f->cap_keys, f->nkeys + f->nkey, 1);
            memcpy(f->keys + f->nkeys, f->key, f->nkey);
            o->h = h;
            o->key_off = (uint32_t)f->nkeys;
            o->key_len = (uint32_t)f->nkey;
            f->nkeys += f->nkey;
            o->taken = taken;
            o->ndown = ndown;
            o->down = ndown ? vg_alloc_array(st->scratch, ndown, sizeof *o->down) : NULL;
            if (ndown)
                memcpy(o->down, f->down, ndown * sizeof *o->down);
            f->nmemo++;
            used(f, o);
        }
    }
    if (taken > cp->reserve_worst)
        cp->reserve_worst = taken;
    if (!ndown)
        return;
    if (!cands)
        fo_cands(st, f, failed, nfailed);
    struct vg_failover fv;
    memset(&fv, 0, sizeof fv);
    for (uint32_t j = 0; j < nfailed; j++)
        fv.failed[j] = cl->hosts[failed[j]];
    fv.nfailed = nfailed;
    fv.down = vg_alloc_array(st->arena, ndown, sizeof *fv.down);
    for (uint32_t i = 0; i < ndown; i++)
        fv.down[i] = cl->vms[f->cand[down[i]]];
    fv.ndown = ndown;
    VG_PUSH(st->arena, cp->failovers, cp->nfailovers, f->cap_fo, fv);
}

static void run_failover(struct state *st)
{
    struct vg_cluster *cl = st->cl;
    uint32_t k = cl->tolerate;
    if (!k || !cl->nhosts)
        return;
    if (k == 2 && cl->nhosts > vg_cluster_max_hosts(cl->platform ? cl->platform->kind : cl->kind))
        return; /* VG6010: the cluster cannot exist, and its H(H-1)/2 pairs could take hours */
    struct fo f;
    fo_build(st, &f);
    uint32_t set[2];
    if (cl->nhosts <= k) { /* every host fails at once */
        for (uint32_t j = 0; j < cl->nhosts; j++)
            set[j] = j;
        fail_set(st, &f, set, (uint32_t)cl->nhosts);
        st->cp->nsets_tried = 1;
        return;
    }
    for (uint32_t a = 0; a < cl->nhosts; a++) {
        set[0] = a;
        if (k == 1) {
            fail_set(st, &f, set, 1);
            st->cp->nsets_tried++;
            continue;
        }
        for (uint32_t b = a + 1; b < cl->nhosts; b++) {
            set[1] = b;
            fail_set(st, &f, set, 2);
            st->cp->nsets_tried++;
        }
    }
}

/* The first other host that could receive each live-migrating VM now. */
static void live_targets(struct state *st)
{
    struct vg_cluster_plan *cp = st->cp;
    for (size_t i = 0; i < cp->norder; i++) {
        const struct vg_vm *vm = st->cl->vms[cp->order[i]];
        struct vg_placement *pl = &cp->place[vm->index];
        int32_t ci = st->vm_class[vm->index];
        if (vm->migration != VG_MIG_LIVE || !pl->host || ci < 0)
            continue;
        struct klass *k = &st->classes[ci];
        uint32_t own;
        if (!slot_of_host(st, pl->host->index, k->group, &own))
            continue;
        size_t s = find_slot(st, vm, k, own);
        if (s != SIZE_MAX)
            pl->live_target = st->cl->hosts[st->groups[k->group].slot_host[s]];
    }
}

/* The class and sorted `hosts` list of every VM to place. */
static void classes_of_vms(struct state *st)
{
    struct vg_cluster *cl = st->cl;
    struct vg_cluster_plan *cp = st->cp;
    st->vm_class = vg_alloc_array(st->scratch, cl->nvms ? cl->nvms : 1, sizeof *st->vm_class);
    st->allowed = vg_alloc_array(st->scratch, cl->nvms ? cl->nvms : 1, sizeof *st->allowed);
    for (size_t i = 0; i < cl->nvms; i++)
        st->vm_class[i] = -1;
    struct vg_host *const *last_src = NULL; /* the VMs of one statement share their list */
    struct vg_host **last_sorted = NULL;
    /* class_for depends on the mode, profile and model alone; VMs in placement
       order mostly share them, so the last answer saves two lookups per VM */
    const struct vg_vm *last_vm = NULL;
    int32_t last_class = -1;
    for (size_t i = 0; i < cp->norder; i++) {
        struct vg_vm *vm = cl->vms[cp->order[i]];
        if (!last_vm || vm->mode != last_vm->mode || vm->profile != last_vm->profile ||
            vm->gpu_model != last_vm->gpu_model) {
            last_class = class_for(st, vm);
            last_vm = vm;
        }
        st->vm_class[vm->index] = last_class;
        if (vm->nallowed && !vm->pin) {
            if (vm->allowed != last_src) {
                last_sorted = vg_alloc_array(st->scratch, vm->nallowed, sizeof *last_sorted);
                memcpy(last_sorted, vm->allowed, vm->nallowed * sizeof *last_sorted);
                qsort(last_sorted, vm->nallowed, sizeof *last_sorted, cmp_host_index);
                last_src = vm->allowed;
            }
            st->allowed[vm->index] = last_sorted;
        }
    }
}

/* Hyper-V family: the GPU-P partition count (gpu-partitions, else that of the
 * first vGPU in placement order that gives one). */
static uint32_t partitions_of(const struct state *st)
{
    const struct vg_cluster *cl = st->cl;
    const struct vg_cluster_plan *cp = st->cp;
    uint32_t n = cl->gpu_partitions;
    for (size_t i = 0; i < cp->norder && !n; i++) {
        const struct vg_vm *vm = cl->vms[cp->order[i]];
        if (vm->mode == VG_MODE_VGPU)
            n = cap_same(st, vm->profile);
    }
    return n;
}

/* Plan one cluster into `arena`: reads the model, writes only *cp. */
static void plan_cluster(struct vg_arena *arena, struct vg_cluster *cl, struct vg_cluster_plan *cp)
{
    struct state st;
    memset(&st, 0, sizeof st);
    st.arena = arena;
    st.cl = cl;
    st.cp = cp;
    st.hyperv = cl->kind == VG_FAMILY_HYPERV;
    st.scratch = vg_arena_new_child(arena);
    vg_hash_init(&st.group_by_model, st.scratch);
    vg_hash_init(&st.class_by_key, st.scratch);
    cp->cluster = cl;
    cp->place = vg_alloc_array(arena, cl->nvms ? cl->nvms : 1, sizeof *cp->place);
    build_gpus(&st);
    order_vms(&st);
    classes_of_vms(&st);
    for (size_t i = 0; i < cp->norder; i++) {
        struct vg_vm *vm = cl->vms[cp->order[i]];
        if (!place_vm(&st, vm, &cp->place[vm->index]))
            cp->nunplaced++;
    }
    if (st.hyperv)
        cp->partitions = partitions_of(&st);
    live_targets(&st);
    run_failover(&st);
    vg_arena_free(st.scratch);
}

/*
 * The clusters are independent: with enough VMs, a second thread plans them
 * too, each thread taking the next unplanned cluster, into an arena of its
 * own that the context adopts at the end. The plan is the same either way
 * (the threshold is the rule families' too: VG_THREADS_MIN_VMS).
 */
struct planner {
    const struct vg_model *m;
    struct vg_plan *p;
    _Atomic size_t next; /* the next cluster to plan */
};

static void plan_some(struct planner *pl, struct vg_arena *arena)
{
    for (size_t i; (i = atomic_fetch_add(&pl->next, 1)) < pl->p->nclusters;)
        plan_cluster(arena, pl->m->clusters[i], &pl->p->clusters[i]);
}

/* One thread's share: the planner and the arena its plans go to. */
struct share {
    struct planner *pl;
    struct vg_arena *arena;
};

static void plan_share(void *arg)
{
    struct share *sh = arg;
    plan_some(sh->pl, sh->arena);
}

struct vg_plan *vg_plan_build(struct vg_ctx *ctx, const struct vg_model *m)
{
    struct vg_plan *p = vg_alloc(ctx->arena, sizeof *p);
    p->nclusters = m ? m->nclusters : 0;
    p->clusters = vg_alloc_array(ctx->arena, p->nclusters ? p->nclusters : 1, sizeof *p->clusters);
    struct planner pl = {m, p, 0};
    size_t nvms = 0;
    for (size_t i = 0; i < p->nclusters; i++)
        nvms += m->clusters[i]->nvms;
    if (p->nclusters < 2 || !vg_threads_want(nvms, VG_THREADS_MIN_VMS)) {
        plan_some(&pl, ctx->arena);
        return p;
    }
    struct share other = {&pl, vg_arena_new()}, here = {&pl, ctx->arena};
    vg_threads_both(plan_share, &other, plan_share, &here);
    vg_arena_adopt(ctx->arena, other.arena);
    return p;
}
