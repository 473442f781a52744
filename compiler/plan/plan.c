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
#include "plan/plan_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/vg_threads.h"

_Thread_local unsigned long long vg_plan_probes;
_Thread_local unsigned long long vg_plan_scenarios;
int vg_plan_replay_off;

/* ---- segment tree -------------------------------------------------------- */

static void tree_init(struct vg_arena *a, struct tree *t, size_t n)
{
    t->size = 1;
    while (t->size < n)
        t->size *= 2;
    t->v = vg_alloc_array(a, 2 * t->size, sizeof *t->v);
}

void vg_pl_tree_set(struct tree *t, size_t i, uint32_t val)
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
    if (st->mix && host_mode(g->host) == VG_VGPU_MIXED_SIZE) { /* st->mix: some host is mixed-size */
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
    if (st->mix && host_mode(g->host) == VG_VGPU_MIXED_SIZE) {
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
    if (st->scenario && vg_pl_tree_get(t, s) != n) {
        struct leaf_undo u = {t, s, vg_pl_tree_get(t, s)};
        VG_PUSH(st->scratch, st->leaves, st->nleaves, st->cap_leaves, u);
    }
    vg_pl_tree_set(t, s, n);
}

/* Recompute the leaves of slot s of group gi in every class of the group. */
void vg_pl_slot_refresh(struct state *st, uint32_t gi, uint32_t s, int zero)
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
        vg_pl_tree_set(&st->classes[ci].t, s, n);
    }
    return (int32_t)ci;
}

/* ---- placing one VM ------------------------------------------------------ */

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
        if (vg_pl_slot_of_host(st, vm->pin->index, k->group, &s) && s != skip && vg_pl_tree_get(&k->t, s) >= need)
            return s;
        return SIZE_MAX;
    }
    /* a rollout state (rollout.c): stay on the host it runs on while it has room */
    if (vm->prefer && vg_pl_slot_of_host(st, vm->prefer->index, k->group, &s) && s != skip &&
        vg_pl_tree_get(&k->t, s) >= need)
        return s;
    if (vm->nallowed) {
        struct vg_host **al = st->allowed[vm->index];
        for (size_t j = 0; j < vm->nallowed; j++)
            if (vg_pl_slot_of_host(st, al[j]->index, k->group, &s) && s != skip && vg_pl_tree_get(&k->t, s) >= need)
                return s;
        return SIZE_MAX;
    }
    size_t r = tree_find(&k->t, 0, need);
    if (r != SIZE_MAX && r == skip)
        r = tree_find(&k->t, skip + 1, need);
    return r;
}

/* Place the VM on the first slot with room; fills *pl if given. */
int vg_pl_place_vm(struct state *st, const struct vg_vm *vm, struct vg_placement *pl)
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
       instead of asking every GPU of the slot again (vg_pl_slot_refresh). */
    int32_t delta[DELTA_MAX] = {0};
    int by_delta = g->nclasses <= DELTA_MAX;
    for (uint32_t j = 0; j < g->slot_n[s] && got < need; j++) {
        uint32_t i = g->gpu[g->slot_first[s] + j];
        if (gpu_accepts(st, i, k)) {
            for (size_t c = 0; by_delta && c < g->nclasses; c++) /* k's own answer is the one just given */
                delta[c] -= g->classes[c] == (uint32_t)ci ? 1 : gpu_accepts(st, i, &st->classes[g->classes[c]]);
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
                     (uint32_t)((int32_t)vg_pl_tree_get(&st->classes[g->classes[c]].t, s) + delta[c]));
    else
        vg_pl_slot_refresh(st, k->group, (uint32_t)s, 0);
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
        if (vm->mode == VG_MODE_NONE || !vm->gpu_model) {
            st->cp->nunread++;
            continue;
        }
        if ((vm->mode == VG_MODE_VGPU && !vm->profile) || vm->parked == 1)
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
    st->cp->order = vg_alloc_array_uninit(st->arena, n ? n : 1, sizeof *st->cp->order);
    for (size_t i = 0; i < n; i++)
        st->cp->order[i] = keys[i].idx;
    st->cp->norder = n;
    free(nr);
    free(keys);
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
        if (!vg_pl_slot_of_host(st, pl->host->index, k->group, &own))
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
    st->vm_class = vg_alloc_array_uninit(st->scratch, cl->nvms ? cl->nvms : 1, sizeof *st->vm_class);
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
        if (!vg_pl_place_vm(&st, vm, &cp->place[vm->index]))
            cp->nunplaced++;
    }
    if (st.hyperv)
        cp->partitions = partitions_of(&st);
    live_targets(&st);
    vg_pl_failover(&st);
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
