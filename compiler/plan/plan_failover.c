/*
 * plan_failover.c - the failover scenarios of `tolerate-host-failures`: for
 * every set of 1 or 2 failed hosts, which of their VMs restart where and
 * which stay down, and the free GPUs that the restarts take (the failover
 * reserve). plan.c places the VMs and calls vg_pl_failover once per
 * cluster; a scenario zeroes the failed hosts' leaves, re-places only their
 * restartable VMs with vg_pl_place_vm, and undoes its changes from a log.
 */
#include "plan/plan_int.h"

#include <stdlib.h>
#include <string.h>

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
struct ask { /* what find_slot and vg_pl_place_vm read of a restarting VM */
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
    uint8_t *uroom;   /* per host: whether it had room for its uask's class */
    uint32_t *ask_id; /* per host: 0 = not uniform, else the same number for the same uask */
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
    return ci >= 0 && vg_pl_slot_of_host(st, h, st->classes[ci].group, &s) && vg_pl_tree_get(&st->classes[ci].t, s);
}

/* A number per distinct ask of the uniform hosts (the first ASK_IDS_MAX
 * asks looked up, any later one a number of its own): same_pair_key compares
 * numbers, and equal numbers are equal asks. */
#define ASK_IDS_MAX 16
static void ask_ids(struct state *st, struct fo *f)
{
    const struct ask *seen[ASK_IDS_MAX];
    uint32_t nseen = 0;
    f->ask_id = vg_alloc_array(st->scratch, st->cl->nhosts + 1, sizeof *f->ask_id);
    for (uint32_t h = 0; h < st->cl->nhosts; h++) {
        if (!f->rn[h] || !f->uniform[h])
            continue;
        uint32_t k = 0;
        while (k < nseen && memcmp(seen[k], &f->uask[h], sizeof f->uask[h]))
            k++;
        if (k < nseen)
            f->ask_id[h] = k + 1;
        else if (nseen < ASK_IDS_MAX) {
            seen[nseen++] = &f->uask[h];
            f->ask_id[h] = nseen;
        } else
            f->ask_id[h] = ASK_IDS_MAX + 1 + h;
    }
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
    ask_ids(st, f);
}

static void host_zero(struct state *st, uint32_t h, int zero)
{
    for (uint32_t j = 0; j < st->hs_n[h]; j++)
        vg_pl_slot_refresh(st, st->hs[st->hs_first[h] + j].group, st->hs[st->hs_first[h] + j].slot, zero);
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
        if (!vg_pl_place_vm(st, cl->vms[f->cand[i]], NULL))
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
        vg_pl_tree_set(u->t, u->leaf, u->old);
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

/* One set of failed hosts: its outcome, computed or replayed, into the plan;
 * returns how many of its VMs stay down. */
static uint32_t fail_set(struct state *st, struct fo *f, const uint32_t *failed, uint32_t nfailed)
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
        return 0;
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
    return ndown;
}

/*
 * Whether the pair {a, b} has the key (fo_key) of the pair {a, prev}, read
 * from the two hosts without building it: one ask for every restartable VM of
 * the pair, and b and prev alike in what the key holds of them (the number of
 * restartable VMs, their ask, and no room for it, so that their index is not
 * in the key). Then {a, b} ends as {a, prev} did. In a packed cluster nearly
 * every b after the first is such a host: the pairs of a host cost a compare
 * each, not a key and a lookup.
 */
static int same_pair_key(const struct state *st, const struct fo *f, uint32_t a, uint32_t prev, uint32_t b)
{
    if (f->rn[b] != f->rn[prev])
        return 0;
    uint32_t ia = f->rn[a] ? f->ask_id[a] : 0;
    if (f->rn[a] && !ia)
        return 0; /* a's VMs ask differently: the key lists every ask */
    if (f->rn[b]) {
        uint32_t ib = f->ask_id[b];
        return ib && ib == f->ask_id[prev] && !f->uroom[b] && !f->uroom[prev] && (!ia || ia == ib);
    }
    /* no restartable VM on either: in the key only by their room for a's ask */
    return !ia || (!host_room(st, b, f->uask[a].ci) && !host_room(st, prev, f->uask[a].ci));
}

void vg_pl_failover(struct state *st)
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
        uint32_t prev = UINT32_MAX, prev_down = 1;
        for (uint32_t b = a + 1; b < cl->nhosts; b++) {
            set[1] = b;
            st->cp->nsets_tried++;
            /* the outcome of {a, prev} again: nothing down, no other GPU taken */
            if (!prev_down && !vg_plan_replay_off && same_pair_key(st, &f, a, prev, b))
                continue;
            prev_down = fail_set(st, &f, set, 2);
            prev = b;
        }
    }
}
