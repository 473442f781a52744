/*
 * test_plan.c - placement and failover on hand-built models: order and
 * determinism, same-size and mixed-size GPUs, pass-through, pinning, A16
 * boards, the GPU-P partition bound, failover with one and two failed hosts
 * and its reserve of free GPUs, and a work count that grows linearly with the
 * cluster.
 */
#include "unit.h"

#include <stdio.h>

#include "core/ctx.h"
#include "plan/plan.h"

struct fx {
    struct vg_ctx ctx;
    struct vg_gpu a16, l40;
    struct vg_profile a16p[3]; /* 4Q, 8Q, 16Q */
    struct vg_profile l40p[1]; /* 12Q */
    struct vg_model m;
    struct vg_cluster *cl;
};

static void fx_init(struct fx *f, enum vg_family kind)
{
    memset(f, 0, sizeof *f);
    vg_ctx_init(&f->ctx);
    f->a16 = (struct vg_gpu){.model = "A16", .fb_mb = 16384, .gpus_per_board = 4};
    f->l40 = (struct vg_gpu){.model = "L40", .fb_mb = 49152, .gpus_per_board = 1};
    f->a16p[0] = (struct vg_profile){.name = "A16-4Q", .series = 'Q', .fb_mb = 4096, .max_same = 4, .gpu = &f->a16};
    f->a16p[1] = (struct vg_profile){.name = "A16-8Q", .series = 'Q', .fb_mb = 8192, .max_same = 2, .gpu = &f->a16};
    f->a16p[2] = (struct vg_profile){.name = "A16-16Q", .series = 'Q', .fb_mb = 16384, .max_same = 1, .gpu = &f->a16};
    f->l40p[0] = (struct vg_profile){.name = "L40-12Q", .series = 'Q', .fb_mb = 12288, .max_same = 4, .gpu = &f->l40};
    f->cl = vg_alloc(f->ctx.arena, sizeof *f->cl);
    f->cl->name = "c";
    f->cl->kind = kind;
    vg_hash_init(&f->cl->host_by_name, f->ctx.arena);
    VG_PUSH(f->ctx.arena, f->m.clusters, f->m.nclusters, f->m.cap_clusters, f->cl);
}

static struct vg_host *add_host(struct fx *f, const char *name, const struct vg_gpu *g, uint32_t boards)
{
    struct vg_host *h = vg_alloc(f->ctx.arena, sizeof *h);
    h->name = vg_strdup(f->ctx.arena, name);
    h->index = (uint32_t)f->cl->nhosts;
    h->cluster = f->cl;
    h->gpus = vg_alloc(f->ctx.arena, sizeof *h->gpus);
    h->gpus[0].model = g;
    h->gpus[0].model_name = g->model;
    h->gpus[0].boards = boards;
    h->ngpus = 1;
    h->npgpus = boards * g->gpus_per_board;
    VG_PUSH(f->ctx.arena, f->cl->hosts, f->cl->nhosts, f->cl->cap_hosts, h);
    return h;
}

static struct vg_vm *add_vm(struct fx *f, const char *name, const struct vg_profile *p, const struct vg_gpu *pt,
                            uint32_t count)
{
    struct vg_vm *vm = vg_alloc(f->ctx.arena, sizeof *vm);
    vm->name = vg_strdup(f->ctx.arena, name);
    vm->index = (uint32_t)f->cl->nvms;
    vm->cluster = f->cl;
    vm->mode = p ? VG_MODE_VGPU : VG_MODE_PASSTHROUGH;
    vm->profile = p;
    vm->gpu_model = p ? p->gpu : pt;
    vm->count = count;
    vm->generation = 2;
    VG_PUSH(f->ctx.arena, f->cl->vms, f->cl->nvms, f->cl->cap_vms, vm);
    return vm;
}

static const struct vg_placement *pl(const struct vg_plan *p, const struct vg_vm *vm)
{
    return &p->clusters[0].place[vm->index];
}

static const struct vg_pgpu *gpu_of(const struct vg_plan *p, const struct vg_vm *vm, uint32_t j)
{
    return &p->clusters[0].pgpus[pl(p, vm)->gpus[j]];
}

static void test_order_and_determinism(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    add_host(&f, "h1", &f.a16, 1);
    struct vg_vm *small_b = add_vm(&f, "b", &f.a16p[0], NULL, 1);
    struct vg_vm *small_a = add_vm(&f, "a", &f.a16p[0], NULL, 1);
    struct vg_vm *big = add_vm(&f, "z", &f.a16p[1], NULL, 1);
    struct vg_vm *pinned = add_vm(&f, "p", &f.a16p[0], NULL, 1);
    pinned->pin = f.cl->hosts[0];
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    const struct vg_cluster_plan *cp = &p->clusters[0];
    assert_int_equal(cp->norder, 4);
    assert_int_equal(cp->order[0], pinned->index);  /* pinned first */
    assert_int_equal(cp->order[1], big->index);     /* larger frame buffer */
    assert_int_equal(cp->order[2], small_a->index); /* ties by name */
    assert_int_equal(cp->order[3], small_b->index);
    /* pinned 4Q takes GPU 0; 8Q cannot share it (same-size), goes to GPU 1 */
    assert_int_equal(gpu_of(p, pinned, 0)->index, 0);
    assert_int_equal(gpu_of(p, big, 0)->index, 1);
    assert_int_equal(gpu_of(p, small_a, 0)->index, 0);
    assert_int_equal(gpu_of(p, small_b, 0)->index, 0);
    assert_int_equal(cp->pgpus[0].nvgpus, 3);
    assert_int_equal(cp->nunplaced, 0);
    /* a second build gives the same plan */
    struct vg_plan *q = vg_plan_build(&f.ctx, &f.m);
    for (size_t i = 0; i < f.cl->nvms; i++) {
        assert_ptr_equal(pl(p, f.cl->vms[i])->host, pl(q, f.cl->vms[i])->host);
        assert_int_equal(pl(p, f.cl->vms[i])->gpus[0], pl(q, f.cl->vms[i])->gpus[0]);
    }
    vg_ctx_free(&f.ctx);
}

static void test_same_size_and_boards(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    add_host(&f, "h1", &f.a16, 2); /* two boards: 8 GPUs */
    add_host(&f, "h2", &f.a16, 1);
    char name[16];
    for (int i = 0; i < 33; i++) { /* 8 GPUs x 4 = 32 on h1, the 33rd on h2 */
        snprintf(name, sizeof name, "v%02d", i);
        add_vm(&f, name, &f.a16p[0], NULL, 1);
    }
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    const struct vg_cluster_plan *cp = &p->clusters[0];
    assert_int_equal(cp->npgpus, 12);
    assert_int_equal(cp->host_first[1], 8);
    assert_int_equal(cp->pgpus[5].board, 1);
    assert_int_equal(cp->pgpus[3].board, 0);
    for (int i = 0; i < 32; i++) {
        assert_ptr_equal(pl(p, f.cl->vms[i])->host, f.cl->hosts[0]);
        assert_int_equal(gpu_of(p, f.cl->vms[i], 0)->index, (uint32_t)i / 4);
    }
    assert_ptr_equal(pl(p, f.cl->vms[32])->host, f.cl->hosts[1]);
    assert_int_equal(cp->pgpus[0].nvgpus, 4);
    assert_int_equal(cp->pgpus[0].used_fb_mb, 16384);
    vg_ctx_free(&f.ctx);
}

static void test_mixed_size(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    struct vg_host *h = add_host(&f, "h1", &f.a16, 1);
    struct vg_vm *b = add_vm(&f, "big", &f.a16p[1], NULL, 1);
    struct vg_vm *s1 = add_vm(&f, "s1", &f.a16p[0], NULL, 1);
    struct vg_vm *s2 = add_vm(&f, "s2", &f.a16p[0], NULL, 1);
    struct vg_vm *s3 = add_vm(&f, "s3", &f.a16p[0], NULL, 1);
    /* same-size: the 4Q VMs cannot join the 8Q GPU */
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(gpu_of(p, b, 0)->index, 0);
    assert_int_equal(gpu_of(p, s1, 0)->index, 1);
    /* mixed-size: 8 + 4 + 4 fills GPU 0, the third 4Q goes to GPU 1 */
    h->vgpu_mode = VG_VGPU_MIXED_SIZE;
    h->vgpu_mode_span = vg_span_make(1, 0, 1);
    p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(gpu_of(p, b, 0)->index, 0);
    assert_int_equal(gpu_of(p, s1, 0)->index, 0);
    assert_int_equal(gpu_of(p, s2, 0)->index, 0);
    assert_int_equal(gpu_of(p, s3, 0)->index, 1);
    assert_int_equal(p->clusters[0].pgpus[0].used_fb_mb, 16384);
    /* the mixed-size maximum of a size bounds it */
    f.a16p[0].max_mixed = 1;
    p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(gpu_of(p, s1, 0)->index, 0);
    assert_int_equal(gpu_of(p, s2, 0)->index, 1);
    vg_ctx_free(&f.ctx);
}

static void test_passthrough_no_mixing(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    add_host(&f, "h1", &f.a16, 1);
    add_host(&f, "h2", &f.a16, 1);
    struct vg_vm *v = add_vm(&f, "v", &f.a16p[0], NULL, 1);
    v->pin = f.cl->hosts[0];
    struct vg_vm *pt3 = add_vm(&f, "pt3", NULL, &f.a16, 3);
    struct vg_vm *pt2 = add_vm(&f, "pt2", NULL, &f.a16, 2);
    struct vg_vm *pt1 = add_vm(&f, "pt1", NULL, &f.a16, 1);
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    const struct vg_cluster_plan *cp = &p->clusters[0];
    /* h1 has GPU 0 with a vGPU: three free GPUs left, all taken by pt3 */
    assert_ptr_equal(pl(p, pt3)->host, f.cl->hosts[0]);
    assert_int_equal(pl(p, pt3)->ngpus, 3);
    for (uint32_t j = 0; j < 3; j++) {
        assert_int_equal(gpu_of(p, pt3, j)->index, j + 1);
        assert_int_equal(gpu_of(p, pt3, j)->use, VG_PGPU_PASSTHROUGH);
    }
    assert_ptr_equal(pl(p, pt2)->host, f.cl->hosts[1]);
    assert_ptr_equal(pl(p, pt1)->host, f.cl->hosts[1]);
    assert_int_equal(gpu_of(p, pt1, 0)->index, 2);
    assert_int_equal(cp->pgpus[0].use, VG_PGPU_VGPU);
    /* a second vGPU VM now has only GPU 0 of h1 and GPU 3 of h2 */
    struct vg_vm *w = add_vm(&f, "w", &f.a16p[1], NULL, 1);
    p = vg_plan_build(&f.ctx, &f.m);
    assert_ptr_equal(pl(p, w)->host, f.cl->hosts[1]);
    assert_int_equal(gpu_of(p, w, 0)->index, 3);
    /* one more pass-through GPU (larger, so placed first) takes GPU 3; w is left over */
    struct vg_vm *pt9 = add_vm(&f, "pt9", NULL, &f.a16, 1);
    p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(p->clusters[0].nunplaced, 1);
    assert_ptr_equal(pl(p, pt9)->host, f.cl->hosts[1]);
    assert_null(pl(p, w)->host);
    vg_ctx_free(&f.ctx);
}

static void test_multi_vgpu_and_pinning(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    add_host(&f, "h1", &f.l40, 1);
    add_host(&f, "h2", &f.l40, 2);
    add_host(&f, "h3", &f.l40, 2);
    struct vg_vm *two = add_vm(&f, "two", &f.l40p[0], NULL, 2); /* needs 2 GPUs of one host */
    struct vg_vm *pin = add_vm(&f, "pin", &f.l40p[0], NULL, 1);
    pin->pin = f.cl->hosts[2];
    struct vg_vm *al = add_vm(&f, "al", &f.l40p[0], NULL, 1);
    struct vg_host *allowed[2] = {f.cl->hosts[2], f.cl->hosts[1]};
    al->allowed = allowed;
    al->nallowed = 2;
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    assert_ptr_equal(pl(p, pin)->host, f.cl->hosts[2]);
    assert_ptr_equal(pl(p, al)->host, f.cl->hosts[1]); /* declaration order, not list order */
    assert_ptr_equal(pl(p, two)->host, f.cl->hosts[1]);
    assert_int_equal(pl(p, two)->ngpus, 2);
    assert_int_not_equal(pl(p, two)->gpus[0], pl(p, two)->gpus[1]);
    /* a pin to a host without room leaves it unplaced */
    struct vg_vm *stuck = add_vm(&f, "stuck", &f.l40p[0], NULL, 2);
    stuck->pin = f.cl->hosts[0];
    p = vg_plan_build(&f.ctx, &f.m);
    assert_null(pl(p, stuck)->host);
    assert_int_equal(p->clusters[0].nunplaced, 1);
    vg_ctx_free(&f.ctx);
}

static void test_gpu_p_partitions(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_HYPERV);
    add_host(&f, "h1", &f.a16, 1);
    for (int i = 0; i < 9; i++) {
        char name[8];
        snprintf(name, sizeof name, "v%d", i);
        add_vm(&f, name, &f.a16p[0], NULL, 1);
    }
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(p->clusters[0].partitions, 4); /* derived: the profile's maximum */
    assert_int_equal(p->clusters[0].nunplaced, 0);
    f.cl->gpu_partitions = 2;
    p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(p->clusters[0].partitions, 2);
    assert_int_equal(p->clusters[0].pgpus[0].nvgpus, 2);
    assert_int_equal(p->clusters[0].nunplaced, 1); /* 4 GPUs x 2 partitions = 8 */
    vg_ctx_free(&f.ctx);
}

static void test_failover_k1(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    add_host(&f, "h1", &f.l40, 1);
    add_host(&f, "h2", &f.l40, 1);
    f.l40p[0].max_same = 2;
    struct vg_vm *a = add_vm(&f, "a", &f.l40p[0], NULL, 1);
    struct vg_vm *b = add_vm(&f, "b", &f.l40p[0], NULL, 1);
    struct vg_vm *c = add_vm(&f, "c", &f.l40p[0], NULL, 1);
    f.cl->tolerate = 1;
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    const struct vg_cluster_plan *cp = &p->clusters[0];
    assert_ptr_equal(pl(p, a)->host, f.cl->hosts[0]);
    assert_ptr_equal(pl(p, b)->host, f.cl->hosts[0]);
    assert_ptr_equal(pl(p, c)->host, f.cl->hosts[1]);
    assert_int_equal(cp->nsets_tried, 2);
    assert_int_equal(cp->nfailovers, 2);
    /* h1 fails: a moves to h2's last slot, b stays down */
    assert_ptr_equal(cp->failovers[0].failed[0], f.cl->hosts[0]);
    assert_int_equal(cp->failovers[0].ndown, 1);
    assert_ptr_equal(cp->failovers[0].down[0], b);
    /* h2 fails: h1 is full, c stays down */
    assert_ptr_equal(cp->failovers[1].failed[0], f.cl->hosts[1]);
    assert_int_equal(cp->failovers[1].ndown, 1);
    assert_ptr_equal(cp->failovers[1].down[0], c);
    /* the scenarios left the plan as it was */
    assert_int_equal(cp->pgpus[1].nvgpus, 1);
    /* a VM with `migration none` is not restarted, so h1's loss is fine now */
    b->migration = VG_MIG_NONE;
    c->migration = VG_MIG_NONE;
    p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(p->clusters[0].nfailovers, 0);
    /* live target: a on h1 could move to h2 (one free slot) */
    a->migration = VG_MIG_LIVE;
    p = vg_plan_build(&f.ctx, &f.m);
    assert_ptr_equal(pl(p, a)->live_target, f.cl->hosts[1]);
    add_vm(&f, "d", &f.l40p[0], NULL, 1);
    p = vg_plan_build(&f.ctx, &f.m);
    assert_null(pl(p, a)->live_target);
    vg_ctx_free(&f.ctx);
}

static void test_failover_k2(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "h%d", i);
        add_host(&f, name, &f.l40, 1);
    }
    f.l40p[0].max_same = 2;
    char name[8];
    for (int i = 0; i < 4; i++) { /* h0: v0 v1, h1: v2 v3; h2, h3 empty */
        snprintf(name, sizeof name, "v%d", i);
        add_vm(&f, name, &f.l40p[0], NULL, 1);
    }
    f.cl->tolerate = 2;
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    const struct vg_cluster_plan *cp = &p->clusters[0];
    assert_int_equal(cp->nsets_tried, 6);
    assert_int_equal(cp->nfailovers, 0);
    /* v4 (`migration none`) takes a slot of h2 and is never restarted */
    struct vg_vm *v4 = add_vm(&f, "v4", &f.l40p[0], NULL, 1);
    v4->migration = VG_MIG_NONE;
    p = vg_plan_build(&f.ctx, &f.m);
    cp = &p->clusters[0];
    assert_ptr_equal(pl(p, v4)->host, f.cl->hosts[2]);
    assert_int_equal(cp->nfailovers, 3);
    static const int want[3][3] = {{0, 1, 3}, {0, 3, 1}, {1, 3, 3}}; /* failed, failed, down */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cp->failovers[i].nfailed, 2);
        assert_ptr_equal(cp->failovers[i].failed[0], f.cl->hosts[want[i][0]]);
        assert_ptr_equal(cp->failovers[i].failed[1], f.cl->hosts[want[i][1]]);
        assert_int_equal(cp->failovers[i].ndown, 1);
        assert_ptr_equal(cp->failovers[i].down[0], f.cl->vms[want[i][2]]);
    }
    vg_ctx_free(&f.ctx);
    /* fewer hosts than K: one set, everything fails */
    fx_init(&f, VG_FAMILY_VSPHERE);
    add_host(&f, "h", &f.l40, 1);
    add_vm(&f, "x", &f.l40p[0], NULL, 1);
    f.cl->tolerate = 2;
    p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(p->clusters[0].nsets_tried, 1);
    assert_int_equal(p->clusters[0].nfailovers, 1);
    vg_ctx_free(&f.ctx);
}

/* Free GPUs that a failover scenario restarts VMs on are the reserve; the worst set's count is kept. */
/*
 * A pair is skipped as the pair before it only when the key would be the
 * same (plan_failover.c same_pair_key): h1 and h2 hold two VMs of one
 * class each, but h2 has a free GPU, so losing h0 and h2 is not losing h0
 * and h1. h0, h1: one L40 each; h2: two; h3: one; two vGPUs per GPU.
 */
static void test_failover_pair_with_room(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    add_host(&f, "h0", &f.l40, 1);
    add_host(&f, "h1", &f.l40, 1);
    add_host(&f, "h2", &f.l40, 2);
    add_host(&f, "h3", &f.l40, 1);
    f.l40p[0].max_same = 2;
    char name[8];
    for (int i = 0; i < 6; i++) { /* h0: v0 v1, h1: v2 v3, h2: v4 v5 and a free GPU, h3 free */
        snprintf(name, sizeof name, "v%d", i);
        add_vm(&f, name, &f.l40p[0], NULL, 1);
    }
    f.cl->tolerate = 2;
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    const struct vg_cluster_plan *cp = &p->clusters[0];
    assert_int_equal(cp->nsets_tried, 6);
    /* h0 + h1 restart on h2 and h3; every pair with h2 leaves two VMs down */
    assert_int_equal(cp->nfailovers, 3);
    static const int want[3][2] = {{0, 2}, {1, 2}, {2, 3}};
    for (int i = 0; i < 3; i++) {
        assert_ptr_equal(cp->failovers[i].failed[0], f.cl->hosts[want[i][0]]);
        assert_ptr_equal(cp->failovers[i].failed[1], f.cl->hosts[want[i][1]]);
        assert_int_equal(cp->failovers[i].ndown, 2);
    }
    vg_ctx_free(&f.ctx);
}

static void test_failover_reserve(void **state)
{
    (void)state;
    for (uint32_t k = 0; k <= 2; k++) {
        struct fx f;
        fx_init(&f, VG_FAMILY_VSPHERE);
        char name[8];
        for (int i = 0; i < 4; i++) { /* one L40 each; a on h0, b on h1, h2 and h3 free */
            snprintf(name, sizeof name, "h%d", i);
            add_host(&f, name, &f.l40, 1);
        }
        f.l40p[0].max_same = 1;
        add_vm(&f, "a", &f.l40p[0], NULL, 1);
        add_vm(&f, "b", &f.l40p[0], NULL, 1);
        f.cl->tolerate = k;
        struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
        const struct vg_cluster_plan *cp = &p->clusters[0];
        assert_int_equal(cp->nfailovers, 0);
        /* k = 1: either loss restarts its VM on h2; k = 2: losing h0 + h1 fills h2 and h3 */
        static const uint8_t want[3][4] = {{0, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 1, 1}};
        for (int i = 0; i < 4; i++)
            assert_int_equal(cp->reserve[i], want[k][i]);
        assert_int_equal(cp->nreserve, k);
        assert_int_equal(cp->reserve_worst, k);
        for (int i = 2; i < 4; i++) /* the scenarios left the plan as it was */
            assert_int_equal(cp->pgpus[i].use, VG_PGPU_FREE);
        vg_ctx_free(&f.ctx);
    }
}

/*
 * Failover outcomes are computed once per (non-full failed hosts, VMs' asks)
 * and replayed for the other host sets (plan_failover.c): random clusters, packed and
 * not, with several classes, pass-through, pins, `hosts` lists and
 * `migration none`, give the same failovers, down VMs, reserve marks and
 * worst count as running every scenario; a packed 96-host cluster with one
 * class runs a handful of scenarios for its 4,560 pairs.
 */
static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xffffffu;
}

static void random_cluster(struct fx *f, uint32_t seed)
{
    uint32_t s = seed;
    fx_init(f, VG_FAMILY_VSPHERE);
    char name[32];
    uint32_t nh = 3 + rnd(&s) % 10;
    for (uint32_t i = 0; i < nh; i++) {
        snprintf(name, sizeof name, "h%02u", i);
        add_host(f, name, &f->a16, 1 + rnd(&s) % 2);
    }
    /* 4..28 vGPU slots of 4Q per host: fill 60-110 % of them */
    uint32_t nv = nh * (4 + rnd(&s) % 20) * (6 + rnd(&s) % 6) / 10;
    uint32_t mix = rnd(&s) % 4; /* 0: one class only */
    for (uint32_t i = 0; i < nv; i++) {
        snprintf(name, sizeof name, "v%04u", i);
        uint32_t r = rnd(&s) % 16;
        struct vg_vm *vm = !mix || r < 10 ? add_vm(f, name, &f->a16p[0], NULL, 1)
            : r < 13                      ? add_vm(f, name, &f->a16p[1], NULL, 1 + (r == 12))
            : r < 15                      ? add_vm(f, name, &f->a16p[2], NULL, 1)
                                          : add_vm(f, name, NULL, &f->a16, 1);
        r = rnd(&s) % 32;
        if (mix && r == 0)
            vm->pin = f->cl->hosts[rnd(&s) % nh];
        else if (mix && r == 1) {
            vm->nallowed = 2;
            vm->allowed = vg_alloc_array(f->ctx.arena, 2, sizeof *vm->allowed);
            vm->allowed[0] = f->cl->hosts[rnd(&s) % nh];
            vm->allowed[1] = f->cl->hosts[rnd(&s) % nh];
        } else if (r == 2)
            vm->migration = VG_MIG_NONE;
    }
    f->cl->tolerate = 1 + rnd(&s) % 2;
}

static void same_failovers(const struct vg_cluster_plan *a, const struct vg_cluster_plan *b)
{
    assert_int_equal(a->nsets_tried, b->nsets_tried);
    assert_int_equal(a->nfailovers, b->nfailovers);
    for (size_t i = 0; i < a->nfailovers; i++) {
        assert_int_equal(a->failovers[i].nfailed, b->failovers[i].nfailed);
        for (uint32_t j = 0; j < a->failovers[i].nfailed; j++)
            assert_ptr_equal(a->failovers[i].failed[j], b->failovers[i].failed[j]);
        assert_int_equal(a->failovers[i].ndown, b->failovers[i].ndown);
        for (size_t j = 0; j < a->failovers[i].ndown; j++)
            assert_ptr_equal(a->failovers[i].down[j], b->failovers[i].down[j]);
    }
    assert_int_equal(a->npgpus, b->npgpus);
    assert_int_equal(a->nreserve, b->nreserve);
    assert_int_equal(a->reserve_worst, b->reserve_worst);
    assert_memory_equal(a->reserve, b->reserve, a->npgpus);
}

static void test_failover_replayed(void **state)
{
    (void)state;
    unsigned long long run = 0, all = 0;
    size_t losing = 0, replayed_losing = 0; /* clusters with more losing sets than scenarios run */
    for (uint32_t seed = 1; seed <= 300; seed++) {
        struct fx f;
        random_cluster(&f, seed);
        vg_plan_scenarios = 0;
        struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
        run += vg_plan_scenarios;
        replayed_losing += p->clusters[0].nfailovers > vg_plan_scenarios;
        vg_plan_replay_off = 1;
        vg_plan_scenarios = 0;
        struct vg_plan *q = vg_plan_build(&f.ctx, &f.m);
        vg_plan_replay_off = 0;
        all += vg_plan_scenarios;
        assert_int_equal(vg_plan_scenarios, q->clusters[0].nsets_tried);
        same_failovers(&p->clusters[0], &q->clusters[0]);
        losing += p->clusters[0].nfailovers;
        vg_ctx_free(&f.ctx);
    }
    /* the clusters exercise both: sets that lose VMs, and outcomes replayed */
    assert_true(losing > 100);
    assert_true(replayed_losing >= 5);
    assert_true(run < all);
    /* 96 hosts, packed with one class to survive two failures: the last two
       hosts are free, so the pairs of the 94 full hosts are one outcome */
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    char name[32];
    for (int i = 0; i < 96; i++) {
        snprintf(name, sizeof name, "h%02d", i);
        add_host(&f, name, &f.l40, 2);
    }
    f.l40p[0].max_same = 4;
    for (int i = 0; i < 94 * 8; i++) {
        snprintf(name, sizeof name, "v%04d", i);
        add_vm(&f, name, &f.l40p[0], NULL, 1);
    }
    f.cl->tolerate = 2;
    vg_plan_scenarios = 0;
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    const struct vg_cluster_plan *cp = &p->clusters[0];
    assert_int_equal(cp->nsets_tried, 96 * 95 / 2);
    assert_int_equal(cp->nfailovers, 0);
    assert_int_equal(cp->nreserve, 4);
    assert_int_equal(cp->reserve_worst, 4);
    assert_true(vg_plan_scenarios <= 4);
    vg_ctx_free(&f.ctx);
}

static unsigned long long work_for(int scale)
{
    struct fx f;
    fx_init(&f, VG_FAMILY_VSPHERE);
    char name[32];
    for (int i = 0; i < 50 * scale; i++) {
        snprintf(name, sizeof name, "h%06d", i);
        add_host(&f, name, &f.a16, 2);
    }
    for (int i = 0; i < 1000 * scale; i++) {
        snprintf(name, sizeof name, "v%07d", i);
        add_vm(&f, name, &f.a16p[i % 3 == 0 ? 1 : 0], NULL, 1);
    }
    f.cl->tolerate = 1;
    vg_plan_probes = 0;
    struct vg_plan *p = vg_plan_build(&f.ctx, &f.m);
    assert_int_equal(p->clusters[0].nunplaced, 0);
    assert_int_equal(p->clusters[0].nsets_tried, (size_t)(50 * scale));
    unsigned long long w = vg_plan_probes;
    vg_ctx_free(&f.ctx);
    return w;
}

static void test_linear_work(void **state)
{
    (void)state;
    unsigned long long w1 = work_for(4), w4 = work_for(16);
    assert_true(w1 > 0);
    assert_true(w4 <= 5 * w1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_determinism),
        cmocka_unit_test(test_same_size_and_boards),
        cmocka_unit_test(test_mixed_size),
        cmocka_unit_test(test_passthrough_no_mixing),
        cmocka_unit_test(test_multi_vgpu_and_pinning),
        cmocka_unit_test(test_gpu_p_partitions),
        cmocka_unit_test(test_failover_k1),
        cmocka_unit_test(test_failover_k2),
        cmocka_unit_test(test_failover_reserve),
        cmocka_unit_test(test_failover_replayed),
        cmocka_unit_test(test_failover_pair_with_room),
        cmocka_unit_test(test_linear_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
