/*
 * rollout.c - the rollout planner (rollout.h): states, steps, the order
 * search and the intermediate-release search.
 *
 * The desired model is the working model. For each cluster the planner keeps
 * what every host and VM runs now (`now_mgr`, `now_guest`, the license server,
 * the partition count), writes it into the model before each check and puts
 * the desired values back at the end. A state is checked by placing the one
 * cluster with plan.c and running every rule family into a context of its own
 * (the caller's sources, catalog, options and suppressions; a scratch arena
 * and queue): no error means the state is safe. Placement in a state prefers
 * the host each VM runs on now (`prefer`), so only the drained hosts' VMs
 * move; drained hosts offer no GPU; VMs that stay down are parked.
 *
 * The order: the license server first (when it changes); then rounds, each
 * trying every pending host batch once (in the preferred order, `at_once`
 * hosts per batch) and then every pending guest group once, until nothing is
 * pending or a round makes no progress. A batch is two checks (drained, then
 * resumed), a guest group one, so a rollout that works costs about
 * 2 x hosts + groups checks, each linear in the cluster: no quadratic step.
 * When a round makes no progress on a driver rule (VG3001/VG3002), the
 * release graph of the catalog is searched (breadth first over branches, an
 * edge where one side can move while the other stays) and the plan is made
 * again through the intermediate releases found; otherwise VG7001.
 */
#include "rollout/rollout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "plan/plan.h"
#include "rules/rules.h"
#include "core/suppress.h"

_Thread_local unsigned long long vg_rollout_states;

#define MAX_WAYPOINTS 4 /* intermediate releases on one path */
#define SHOWN_ERRORS 3  /* blocking errors quoted in VG7001 */

const char *vg_ro_downtime_name(enum vg_ro_downtime d)
{
    static const char *const n[] = {"none", "restart", "window"};
    return n[d];
}

const char *vg_ro_how_name(enum vg_ro_how h)
{
    static const char *const n[] = {"live-migrate", "restart", "stay-down", "start"};
    return n[h];
}

struct blocker { /* one error of a state that failed */
    enum vg_code code;
    struct vg_span span;
    const char *message;
};

struct check { /* the result of checking one state */
    int ok;
    struct blocker errs[SHOWN_ERRORS];
    size_t nerrs, total_errs;
    int driver_rule;        /* one of the errors is VG3001/VG3002 */
    int capacity_rule;      /* VG5001-VG5003 or VG4003 */
    struct vg_arena *arena; /* the state's plan lives here; freed by check_done */
    struct vg_cluster_plan *cp;
};

struct group { /* VMs whose guest driver changes the same way */
    const struct vg_version_ref *from, *to;
    uint32_t *vms;
    size_t n, cap;
    int done;
};

struct cstate { /* one cluster being planned */
    struct vg_ro_cluster *rc;
    struct vg_cluster *cl, *cur;
    size_t nh, nv;
    /* desired values, saved: the model gets them back at the end */
    struct vg_version_ref *want_mgr;
    int *want_own;
    enum vg_graphics *want_gr;
    struct vg_span *want_gr_span;
    enum vg_vgpu_mode *want_mode;
    struct vg_span *want_mode_span;
    struct vg_version_ref *want_guest;
    struct vg_license_server *want_lic;
    uint32_t want_part;
    /* the start */
    struct vg_version_ref *cur_mgr, *cur_guest;
    enum vg_graphics *cur_gr;
    enum vg_vgpu_mode *cur_mode;
    struct vg_license_server *cur_lic;
    uint32_t cur_part;
    /* now: what each host and VM runs between steps */
    const struct vg_version_ref **now_mgr, **now_guest;
    uint8_t *host_done; /* per host: graphics, mode and partitions are the desired ones */
    size_t nhosts_done;
    int lic_done;
    struct vg_host **where; /* per VM: the host it runs on now (NULL: not placed) */
    /* per leg */
    const struct vg_version_ref **leg_mgr, **leg_guest; /* the leg's target per host / VM */
    uint8_t *host_pending;
    struct group *groups;
    size_t ngroups, cap_groups;
    uint32_t leg;
    const uint32_t *order;
    size_t norder; /* the pending hosts of this round, in order */
    const struct vg_release *free_guests[32];
    size_t nfree_guests; /* of VMs that may run anywhere */
    int quick;           /* quick_fail may skip a candidate */
    const uint32_t *quick_batch;
    size_t quick_n;         /* the first candidate skipped this round */
    struct check block;     /* the first failure of the last round */
    const char *block_what; /* the step that failed, in words */
};

struct ro {
    struct vg_ctx *ctx;
    const struct vg_ro_options *opt;
    struct vg_model *want;
    struct vg_hash allow_down, drain, order_rank;
};

/* ---- reading the two models ----------------------------------------------- */

static int same_ref(const struct vg_version_ref *a, const struct vg_version_ref *b)
{
    if (!a->text || !b->text)
        return !a->text && !b->text;
    if (a->nrel != b->nrel)
        return 0;
    if (!a->nrel)
        return strcmp(a->text, b->text) == 0;
    for (uint32_t i = 0; i < a->nrel; i++)
        if (a->rel[i] != b->rel[i])
            return 0;
    return 1;
}

static int same_license(const struct vg_license_server *a, const struct vg_license_server *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a->name, b->name) == 0 && a->kind == b->kind && a->editions == b->editions &&
        ((!a->version && !b->version) || (a->version && b->version && strcmp(a->version, b->version) == 0));
}

static enum vg_graphics eff_graphics(const struct vg_host *h)
{
    return vg_span_valid(h->graphics_span) ? h->graphics : h->cluster->graphics;
}

static enum vg_vgpu_mode eff_mode(const struct vg_host *h)
{
    return vg_span_valid(h->vgpu_mode_span) ? h->vgpu_mode : h->cluster->vgpu_mode;
}

/* The same hosts named in `host` / `hosts` (by name: the two models differ). */
static int same_hosts(const struct vg_vm *a, const struct vg_vm *b)
{
    if (!a->pin != !b->pin || a->nallowed != b->nallowed)
        return 0;
    if (a->pin)
        return strcmp(a->pin->name, b->pin->name) == 0;
    for (size_t i = 0; i < a->nallowed; i++)
        if (strcmp(a->allowed[i]->name, b->allowed[i]->name) != 0)
            return 0;
    return 1;
}

static void inventory_error(struct vg_ctx *ctx, struct vg_span at, const char *what)
{
    struct vg_diag *d = vg_diag_emit(ctx, VG7003, at, "%s", what);
    vg_diag_note(ctx, d,
                 "a rollout changes vGPU Manager releases, GPU-P partition counts, graphics types, vGPU "
                 "modes, guest drivers and the license server; nothing else");
    vg_diag_help(ctx, d,
                 "deploy this change with `vgpuc build`, then plan the rollout between files that differ "
                 "only in what a rollout changes");
}

/* VG7003 for every difference a rollout does not make; 1 if there was none. */
static int same_inventory(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_cluster *cur)
{
    int ok = 1;
    if (!cl->family || !cur->family || strcmp(cl->family, cur->family) != 0 ||
        strcmp(cl->version ? cl->version : "", cur->version ? cur->version : "") != 0) {
        inventory_error(ctx, vg_span_or(cl->platform_span, cl->name_span),
                        vg_sprintf(ctx->arena, "cluster `%s` changes its platform from %s %s to %s %s", cl->name,
                                   cur->family ? cur->family : "?", cur->version ? cur->version : "",
                                   cl->family ? cl->family : "?", cl->version ? cl->version : ""));
        ok = 0;
    }
    for (size_t h = 0; h < cl->nhosts; h++) {
        const struct vg_host *a = cl->hosts[h], *b = vg_hash_get(&cur->host_by_name, a->name);
        if (!b) {
            inventory_error(ctx, a->name_span,
                            vg_sprintf(ctx->arena, "host `%s` of cluster `%s` is not in CURRENT", a->name, cl->name));
            ok = 0;
            continue;
        }
        int same = a->ngpus == b->ngpus;
        for (size_t g = 0; same && g < a->ngpus; g++)
            same = a->gpus[g].model == b->gpus[g].model && a->gpus[g].boards == b->gpus[g].boards;
        if (!same) {
            inventory_error(ctx, a->ngpus ? a->gpus[0].span : a->name_span,
                            vg_sprintf(ctx->arena, "host `%s` has other GPUs in DESIRED than in CURRENT", a->name));
            ok = 0;
        }
    }
    for (size_t h = 0; h < cur->nhosts; h++)
        if (!vg_hash_get(&cl->host_by_name, cur->hosts[h]->name)) {
            inventory_error(
                ctx, cur->hosts[h]->name_span,
                vg_sprintf(ctx->arena, "host `%s` of cluster `%s` is not in DESIRED", cur->hosts[h]->name, cl->name));
            ok = 0;
        }
    struct vg_hash vm_by_name;
    vg_hash_init(&vm_by_name, ctx->arena);
    for (size_t i = 0; i < cur->nvms; i++)
        vg_hash_put(&vm_by_name, cur->vms[i]->name, cur->vms[i]);
    size_t found = 0;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_vm *a = cl->vms[i], *b = vg_hash_get(&vm_by_name, a->name);
        if (!b) {
            inventory_error(ctx, a->name_span,
                            vg_sprintf(ctx->arena, "VM `%s` of cluster `%s` is not in CURRENT", a->name, cl->name));
            ok = 0;
            continue;
        }
        found++;
        if (a->mode != b->mode || a->profile != b->profile || a->gpu_model != b->gpu_model || a->count != b->count ||
            a->migration != b->migration || !same_hosts(a, b)) {
            inventory_error(ctx, vg_span_or(vg_vm_at(a, VG_AT_GPU), a->name_span),
                            vg_sprintf(ctx->arena,
                                       "VM `%s` changes its GPU, migration or hosts between CURRENT and DESIRED",
                                       a->name));
            ok = 0;
        }
    }
    if (found != cur->nvms) { /* VMs were removed: which */
        struct vg_hash want_vms;
        vg_hash_init(&want_vms, ctx->arena);
        for (size_t i = 0; i < cl->nvms; i++)
            vg_hash_put(&want_vms, cl->vms[i]->name, cl->vms[i]);
        for (size_t i = 0; i < cur->nvms; i++) {
            if (vg_hash_get(&want_vms, cur->vms[i]->name))
                continue;
            inventory_error(
                ctx, cur->vms[i]->name_span,
                vg_sprintf(ctx->arena, "VM `%s` of cluster `%s` is not in DESIRED", cur->vms[i]->name, cl->name));
            ok = 0;
        }
    }
    return ok;
}

/* ---- states ------------------------------------------------------------------ */

static uint32_t mixed_partitions(const struct cstate *cs)
{
    uint32_t a = cs->cur_part, b = cs->want_part;
    if (!a || !b)
        return a ? a : b;
    return a < b ? a : b; /* hosts on both counts: the smaller one holds for capacity */
}

/* Write `now` into the model. */
static void apply_now(struct cstate *cs)
{
    struct vg_cluster *cl = cs->cl;
    for (size_t h = 0; h < cs->nh; h++) {
        struct vg_host *host = cl->hosts[h];
        host->manager = *cs->now_mgr[h];
        host->manager_own = 1;
        int done = cs->host_done[h];
        host->graphics = done ? cs->want_gr[h] : cs->cur_gr[h];
        host->graphics_span = vg_span_or(cs->want_gr_span[h], host->name_span);
        host->vgpu_mode = done ? cs->want_mode[h] : cs->cur_mode[h];
        host->vgpu_mode_span = vg_span_or(cs->want_mode_span[h], host->name_span);
    }
    for (size_t i = 0; i < cs->nv; i++)
        cl->vms[i]->guest = *cs->now_guest[i];
    cl->license = cs->lic_done ? cs->want_lic : cs->cur_lic;
    if (cs->cur_part == cs->want_part || cs->nhosts_done == 0)
        cl->gpu_partitions = cs->cur_part;
    else if (cs->nhosts_done == cs->nh)
        cl->gpu_partitions = cs->want_part;
    else
        cl->gpu_partitions = mixed_partitions(cs);
}

static void restore_want(struct cstate *cs)
{
    struct vg_cluster *cl = cs->cl;
    for (size_t h = 0; h < cs->nh; h++) {
        struct vg_host *host = cl->hosts[h];
        host->manager = cs->want_mgr[h];
        host->manager_own = cs->want_own[h];
        host->graphics = cs->want_gr[h];
        host->graphics_span = cs->want_gr_span[h];
        host->vgpu_mode = cs->want_mode[h];
        host->vgpu_mode_span = cs->want_mode_span[h];
        host->drained = 0;
    }
    for (size_t i = 0; i < cs->nv; i++) {
        cl->vms[i]->guest = cs->want_guest[i];
        cl->vms[i]->prefer = NULL;
        cl->vms[i]->parked = 0;
    }
    cl->license = cs->want_lic;
    cl->gpu_partitions = cs->want_part;
}

static int is_driver_code(enum vg_code c) { return c == VG3001 || c == VG3002; }
static int is_capacity_code(enum vg_code c) { return c == VG5001 || c == VG5002 || c == VG5003 || c == VG4003; }

/* Place the cluster as the model says now and run every rule on it. */
static void check_state(struct ro *r, struct cstate *cs, struct check *c)
{
    struct vg_ctx *ctx = r->ctx;
    struct vg_ctx sc = *ctx;
    memset(c, 0, sizeof *c);
    sc.arena = vg_arena_new();
    memset(&sc.diags, 0, sizeof sc.diags);
    sc.opt.error_limit = 0;
    /* only errors decide; warnings and infos are not even made (a state of a
     * large cluster would otherwise format thousands of them) */
    for (int code = 0; code < VG_CODE_COUNT; code++) {
        int lvl = sc.opt.rule_level[code] >= 0 ? sc.opt.rule_level[code] : (int)vg_code_info((enum vg_code)code)->level;
        if (lvl != VG_LEVEL_ERROR)
            sc.opt.rule_level[code] = VG_LEVEL_OFF;
    }
    vg_suppress_copy(&sc, ctx); /* the user's suppressions hold in every state */
    uint32_t tolerate = cs->cl->tolerate;
    int drained = 0;
    for (size_t h = 0; h < cs->nh; h++)
        drained |= cs->cl->hosts[h]->drained;
    if (drained && !r->opt->keep_failover) {
        /* the drained host is the failure the cluster tolerates: no failover
         * scenarios, and no spare live-migration target for every VM (VG4003)
         * while it is out; the VMs that leave it still must fit (VG5001) */
        cs->cl->tolerate = 0;
        sc.opt.rule_level[VG4003] = VG_LEVEL_OFF;
    }
    struct vg_model m = *r->want;
    struct vg_cluster *one[1] = {cs->cl};
    m.clusters = one;
    m.nclusters = 1;
    struct vg_plan *p = vg_plan_build(&sc, &m);
    vg_rules_run(&sc, &m, p);
    vg_suppress_apply(&sc);
    cs->cl->tolerate = tolerate;
    vg_rollout_states++;
    cs->rc->nstates++;
    for (size_t i = 0; i < sc.diags.n; i++) {
        const struct vg_diag *d = sc.diags.v[i];
        if (d->suppressed || d->code == VG9001)
            continue;
        if (d->level != VG_LEVEL_ERROR)
            continue;
        c->driver_rule |= is_driver_code(d->code);
        c->capacity_rule |= is_capacity_code(d->code);
        if (c->nerrs < SHOWN_ERRORS) {
            struct blocker *b = &c->errs[c->nerrs++];
            b->code = d->code;
            b->span = d->span;
            b->message = vg_strdup(ctx->arena, d->message);
        }
        c->total_errs++;
    }
    c->ok = c->total_errs == 0;
    c->arena = sc.arena;
    c->cp = &p->clusters[0];
}

static void check_done(struct check *c)
{
    if (c->arena)
        vg_arena_free(c->arena);
    c->arena = NULL;
    c->cp = NULL;
}

static void keep_block(struct cstate *cs, const struct check *c, const char *what)
{
    if (cs->block_what)
        return;
    cs->block = *c;
    cs->block.arena = NULL;
    cs->block.cp = NULL;
    cs->block_what = what;
}

/* ---- steps --------------------------------------------------------------------- */

static struct vg_ro_step *new_step(struct ro *r, struct cstate *cs, enum vg_ro_kind kind)
{
    struct vg_ro_cluster *rc = cs->rc;
    struct vg_ro_step s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.leg = cs->leg;
    VG_PUSH(r->ctx->arena, rc->steps, rc->nsteps, rc->cap_steps, s);
    return &rc->steps[rc->nsteps - 1];
}

static int license_step(struct ro *r, struct cstate *cs)
{
    if (cs->lic_done)
        return 1;
    cs->lic_done = 1;
    apply_now(cs);
    struct check c;
    check_state(r, cs, &c);
    check_done(&c);
    if (!c.ok) {
        cs->lic_done = 0;
        keep_block(cs, &c, vg_sprintf(r->ctx->arena, "changing license server `%s`", cs->want_lic->name));
        return 0;
    }
    struct vg_ro_step *s = new_step(r, cs, VG_RO_LICENSE);
    s->lic_from = cs->cur_lic;
    s->lic_to = cs->want_lic;
    return 1;
}

/* Why a VM on a drained host leaves it the way it does. */
static int must_stay_down(struct ro *r, const struct vg_vm *vm, const char **why)
{
    if (vm->migration == VG_MIG_NONE) {
        *why = "`migration none`";
        return 1;
    }
    if (vg_hash_get(&r->allow_down, vm->name)) {
        *why = "`--allow-down`";
        return 1;
    }
    if (vm->pin && vm->pin->drained) {
        *why = vg_sprintf(r->ctx->arena, "pinned to `%s`", vm->pin->name);
        return 1;
    }
    if (vm->nallowed) {
        for (size_t j = 0; j < vm->nallowed; j++)
            if (!vm->allowed[j]->drained)
                return 0;
        *why = "every host it may run on is drained";
        return 1;
    }
    return 0;
}

static const char *batch_words(struct ro *r, struct cstate *cs, const uint32_t *batch, size_t n)
{
    const char *s = vg_sprintf(r->ctx->arena, "`%s`", cs->cl->hosts[batch[0]]->name);
    for (size_t i = 1; i < n; i++)
        s = vg_sprintf(r->ctx->arena, "%s, `%s`", s, cs->cl->hosts[batch[i]]->name);
    return s;
}

/* What the step changes on host h, in words ("with no change" for a drain). */
static const char *change_words(struct ro *r, struct cstate *cs, uint32_t h)
{
    struct vg_ctx *ctx = r->ctx;
    const struct vg_version_ref *to = cs->leg_mgr[h];
    const char *s = NULL;
    if (!same_ref(cs->now_mgr[h], to))
        s = vg_sprintf(ctx->arena, "vGPU Manager %s", vg_rules_version_text(ctx, to));
    if (!cs->host_done[h]) {
        if (cs->cur_part != cs->want_part)
            s = vg_sprintf(ctx->arena, "%s%sGPU-P partitions %u", s ? s : "", s ? ", " : "", cs->want_part);
        if (cs->cur_gr[h] != cs->want_gr[h])
            s = vg_sprintf(ctx->arena, "%s%sgraphics %s", s ? s : "", s ? ", " : "",
                           cs->want_gr[h] == VG_GRAPHICS_SHARED ? "shared" : "shared-direct");
        if (cs->cur_mode[h] != cs->want_mode[h])
            s = vg_sprintf(ctx->arena, "%s%svGPU mode %s", s ? s : "", s ? ", " : "",
                           cs->want_mode[h] == VG_VGPU_MIXED_SIZE ? "mixed-size" : "same-size");
    }
    return s ? vg_sprintf(ctx->arena, "changing it to %s", s) : "with no change";
}

/*
 * A necessary condition, cheaper than a state check: every guest driver of a
 * VM that may run on any host must load on `rel` (the same judgement as
 * VG3001/VG3002, rules/compat.c). A candidate that fails it would fail its
 * check on those rules; it is skipped, and checked in full only when it is
 * the one a VG7001 quotes. The distinct guest releases are collected once
 * per round.
 */
static void free_guests_collect(struct cstate *cs)
{
    cs->nfree_guests = 0;
    for (size_t i = 0; i < cs->nv; i++) {
        const struct vg_vm *vm = cs->cl->vms[i];
        const struct vg_version_ref *g = cs->now_guest[i];
        if (vm->mode != VG_MODE_VGPU || vm->pin || vm->nallowed)
            continue;
        for (uint32_t k = 0; k < g->nrel; k++) {
            size_t j = 0;
            while (j < cs->nfree_guests && cs->free_guests[j] != g->rel[k])
                j++;
            if (j == cs->nfree_guests && j < sizeof cs->free_guests / sizeof cs->free_guests[0])
                cs->free_guests[cs->nfree_guests++] = g->rel[k];
        }
    }
}

/* quick_fail stands for VG3001/VG3002 only while both are errors (--rule and
 * .vgpuc.yaml may lower them; a suppression is caught by the full check of the
 * first candidate skipped, plan_leg). */
static int driver_rules_are_errors(const struct vg_ctx *ctx)
{
    static const enum vg_code codes[] = {VG3001, VG3002};
    for (size_t i = 0; i < 2; i++) {
        int8_t o = ctx->opt.rule_level[codes[i]];
        if ((o >= 0 ? (enum vg_level)o : vg_code_info(codes[i])->level) != VG_LEVEL_ERROR)
            return 0;
    }
    return 1;
}

static int quick_fail(const struct ro *r, const struct cstate *cs, const struct vg_version_ref *host_rel)
{
    for (uint32_t h = 0; h < host_rel->nrel; h++)
        for (size_t g = 0; g < cs->nfree_guests; g++)
            if (!vg_compat_loads(r->ctx->catalog, cs->free_guests[g], host_rel->rel[h]))
                return 1;
    return 0;
}

/* Where the drained hosts' VMs go first: a host already done (it is not
 * drained again), else the one this round takes last. */
static struct vg_host *evacuation_host(const struct cstate *cs)
{
    struct vg_cluster *cl = cs->cl;
    for (size_t h = 0; h < cs->nh; h++)
        if (cs->host_done[h] && !cs->host_pending[h] && !cl->hosts[h]->drained)
            return cl->hosts[h];
    for (size_t j = cs->norder; j > 0; j--)
        if (!cl->hosts[cs->order[j - 1]]->drained)
            return cl->hosts[cs->order[j - 1]];
    return NULL;
}

/* Mark the VMs of the drained hosts: those that stay down through the window
 * (parked[i], why[i]) and those that leave, preferring `evac`. */
static void park_vms(struct ro *r, struct cstate *cs, uint8_t *parked, const char **why)
{
    struct vg_cluster *cl = cs->cl;
    struct vg_host *evac = evacuation_host(cs);
    for (size_t i = 0; i < cs->nv; i++) {
        struct vg_vm *vm = cl->vms[i];
        vm->prefer = cs->where[i];
        vm->parked = parked[i] = cs->where[i] && cs->where[i]->drained && must_stay_down(r, vm, &why[i]);
        if (vm->prefer && vm->prefer->drained && !parked[i]) {
            vm->parked = 2; /* placed after the VMs that stay, on `evac` if it has room */
            if (evac && vg_vm_may_run_on(vm, evac))
                vm->prefer = evac;
        }
    }
}

/* The step's hosts: each one's Manager, partition count, graphics type and
 * vGPU mode before and after. */
static void record_hosts(struct ro *r, const struct cstate *cs, struct vg_ro_step *s, const uint32_t *batch, size_t n,
                         const struct vg_version_ref **old, const uint8_t *old_done)
{
    s->hosts = vg_alloc_array(r->ctx->arena, n, sizeof *s->hosts);
    s->nhosts = n;
    for (size_t i = 0; i < n; i++) {
        uint32_t h = batch[i];
        struct vg_ro_host *sh = &s->hosts[i];
        sh->host = cs->cl->hosts[h];
        sh->mgr_from = old[i];
        sh->mgr_to = cs->now_mgr[h];
        sh->part_from = cs->cur_part;
        sh->part_to = cs->want_part;
        sh->graphics_from = cs->cur_gr[h];
        sh->graphics_to = cs->want_gr[h];
        sh->mode_from = cs->cur_mode[h];
        sh->mode_to = cs->want_mode[h];
        if (old_done[i]) /* an earlier leg changed the settings */
            sh->part_from = sh->part_to, sh->graphics_from = sh->graphics_to, sh->mode_from = sh->mode_to;
    }
}

/* The step's moves: how each VM leaves a drained host (or makes room), from
 * where it was to mid[i], and the VMs started again after the window. */
static void record_moves(struct ro *r, const struct cstate *cs, struct vg_ro_step *s, const uint32_t *batch, size_t n,
                         struct vg_host *const *mid, const uint8_t *parked, const char *const *why)
{
    struct vg_ctx *ctx = r->ctx;
    struct vg_cluster *cl = cs->cl;
    size_t cap = 0, capb = 0;
    for (size_t i = 0; i < cs->nv; i++) {
        struct vg_vm *vm = cl->vms[i];
        struct vg_host *from = cs->where[i], *to = mid[i];
        if (!from)
            continue;
        int drained_from = 0;
        for (size_t k = 0; k < n; k++)
            drained_from |= cl->hosts[batch[k]] == from;
        struct vg_ro_move mv = {vm, from, NULL, VG_RO_RESTART, NULL};
        if (parked[i]) { /* down through the window, back on its host after it */
            mv.how = VG_RO_DOWN;
            mv.why = why[i];
            VG_PUSH(ctx->arena, s->moves, s->nmoves, cap, mv);
            struct vg_ro_move back = {vm, NULL, from, VG_RO_BACK, why[i]};
            VG_PUSH(ctx->arena, s->backs, s->nbacks, capb, back);
            if (s->downtime < VG_RO_DT_WINDOW)
                s->downtime = VG_RO_DT_WINDOW;
            continue;
        }
        if (to == from)
            continue;
        mv.to = to;
        if (vm->migration == VG_MIG_LIVE) {
            mv.how = VG_RO_LIVE;
            mv.why = "`migration live`";
        } else {
            mv.why = drained_from ? "`migration restart`"
                                  : "`migration restart`: room for the drained "
                                    "hosts' VMs";
            if (s->downtime < VG_RO_DT_RESTART)
                s->downtime = VG_RO_DT_RESTART;
        }
        VG_PUSH(ctx->arena, s->moves, s->nmoves, cap, mv);
    }
}

/* The batch's hosts take their new Manager (remembering the old one). */
static void change_batch(struct cstate *cs, const uint32_t *batch, size_t n, const struct vg_version_ref **old,
                         uint8_t *old_done)
{
    for (size_t i = 0; i < n; i++) {
        old[i] = cs->now_mgr[batch[i]];
        old_done[i] = cs->host_done[batch[i]];
        cs->now_mgr[batch[i]] = cs->leg_mgr[batch[i]];
        if (!cs->host_done[batch[i]]) {
            cs->host_done[batch[i]] = 1;
            cs->nhosts_done++;
        }
    }
}

/* After the step: no host drained, no VM preferred; on failure the batch's
 * hosts get their old Manager back, on success they are no longer pending. */
static void end_host_step(struct cstate *cs, const uint32_t *batch, size_t n, const struct vg_version_ref **old,
                          const uint8_t *old_done, int ok)
{
    struct vg_cluster *cl = cs->cl;
    for (size_t h = 0; h < cs->nh; h++)
        cl->hosts[h]->drained = 0;
    for (size_t i = 0; i < cs->nv; i++) {
        cl->vms[i]->prefer = NULL;
        cl->vms[i]->parked = 0;
    }
    if (!ok)
        for (size_t i = 0; i < n; i++) {
            cs->now_mgr[batch[i]] = old[i];
            if (!old_done[i] && cs->host_done[batch[i]]) {
                cs->host_done[batch[i]] = 0;
                cs->nhosts_done--;
            }
        }
    else
        for (size_t i = 0; i < n; i++)
            cs->host_pending[batch[i]] = 0;
}

/* A batch whose new Manager cannot load the guest drivers of VMs that may run
 * anywhere fails before its state is built (remembered for the diagnostic). */
static int quick_refused(struct ro *r, struct cstate *cs, const uint32_t *batch, size_t n)
{
    if (!cs->quick)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (quick_fail(r, cs, cs->leg_mgr[batch[i]])) {
            if (!cs->quick_batch && !cs->block_what) {
                cs->quick_batch = batch;
                cs->quick_n = n;
            }
            return 1;
        }
    return 0;
}

/* Drain the batch, change it, check; then resume, check. Commits the step on success. */
static int host_step(struct ro *r, struct cstate *cs, const uint32_t *batch, size_t n)
{
    struct vg_ctx *ctx = r->ctx;
    struct vg_cluster *cl = cs->cl;
    if (quick_refused(r, cs, batch, n))
        return 0;
    const char *what = n == 1
        ? vg_sprintf(ctx->arena, "draining %s and %s", batch_words(r, cs, batch, n), change_words(r, cs, batch[0]))
        : vg_sprintf(ctx->arena, "draining %s together", batch_words(r, cs, batch, n));
    const struct vg_version_ref **old = vg_alloc_array(ctx->arena, n, sizeof *old);
    uint8_t *old_done = vg_alloc_array(ctx->arena, n, 1);
    change_batch(cs, batch, n, old, old_done);
    apply_now(cs);
    for (size_t i = 0; i < n; i++)
        cl->hosts[batch[i]]->drained = 1;
    const char **why = vg_alloc_array(ctx->arena, cs->nv ? cs->nv : 1, sizeof *why);
    uint8_t *parked = vg_alloc_array(ctx->arena, cs->nv ? cs->nv : 1, 1);
    park_vms(r, cs, parked, why);
    struct check dr, up;
    check_state(r, cs, &dr);
    int ok = dr.ok;
    if (ok) {
        /* resumed: the parked VMs come back on their hosts, the rest stay where they went */
        struct vg_host **mid = vg_alloc_array(ctx->arena, cs->nv ? cs->nv : 1, sizeof *mid);
        for (size_t i = 0; i < cs->nv; i++)
            mid[i] = parked[i] ? cs->where[i] : dr.cp->place[i].host;
        for (size_t h = 0; h < cs->nh; h++)
            cl->hosts[h]->drained = 0;
        for (size_t i = 0; i < cs->nv; i++) {
            cl->vms[i]->prefer = mid[i];
            cl->vms[i]->parked = 0;
        }
        check_state(r, cs, &up);
        if (!up.ok) {
            keep_block(cs, &up, vg_sprintf(ctx->arena, "resuming %s after %s", batch_words(r, cs, batch, n), what));
            ok = 0;
        } else {
            struct vg_ro_step *s = new_step(r, cs, VG_RO_HOSTS);
            record_hosts(r, cs, s, batch, n, old, old_done);
            record_moves(r, cs, s, batch, n, mid, parked, why);
            for (size_t i = 0; i < cs->nv; i++)
                cs->where[i] = up.cp->place[i].host;
        }
        check_done(&up);
    } else {
        keep_block(cs, &dr, what);
    }
    check_done(&dr);
    end_host_step(cs, batch, n, old, old_done, ok);
    return ok;
}

static int guest_step(struct ro *r, struct cstate *cs, struct group *g)
{
    for (size_t k = 0; k < g->n; k++)
        cs->now_guest[g->vms[k]] = g->to;
    apply_now(cs);
    struct check c;
    check_state(r, cs, &c);
    check_done(&c);
    if (!c.ok) {
        for (size_t k = 0; k < g->n; k++)
            cs->now_guest[g->vms[k]] = g->from;
        keep_block(cs, &c,
                   vg_sprintf(r->ctx->arena, "upgrading the guest driver of %zu VM%s (`%s`%s) to %s", g->n,
                              g->n == 1 ? "" : "s", cs->cl->vms[g->vms[0]]->name, g->n > 1 ? ", ..." : "",
                              vg_rules_version_text(r->ctx, g->to)));
        return 0;
    }
    struct vg_ro_step *s = new_step(r, cs, VG_RO_GUESTS);
    s->vms = vg_alloc_array(r->ctx->arena, g->n, sizeof *s->vms);
    for (size_t k = 0; k < g->n; k++)
        s->vms[k] = cs->cl->vms[g->vms[k]];
    s->nvms = g->n;
    s->guest_from = g->from;
    s->guest_to = g->to;
    s->downtime = VG_RO_DT_RESTART;
    g->done = 1;
    return 1;
}

/* ---- legs and rounds ------------------------------------------------------------ */

static unsigned ref_major(const struct vg_version_ref *v)
{
    unsigned m = 0;
    for (uint32_t i = 0; i < v->nrel; i++)
        if (v->rel[i]->major > m)
            m = v->rel[i]->major;
    return m;
}

/* The leg's target of one value: the waypoint for what is below it and goes above it. */
static const struct vg_version_ref *leg_target(const struct vg_version_ref *now, const struct vg_version_ref *want,
                                               const struct vg_version_ref *wp)
{
    if (!wp || !now->nrel || !want->nrel)
        return want;
    unsigned w = ref_major(wp);
    if (ref_major(want) <= w)
        return want;
    return ref_major(now) < w ? wp : now;
}

static int settings_change(const struct cstate *cs, size_t h)
{
    return cs->cur_gr[h] != cs->want_gr[h] || cs->cur_mode[h] != cs->want_mode[h] || cs->cur_part != cs->want_part;
}

static uint32_t host_rank(struct ro *r, const struct cstate *cs, uint32_t h)
{
    uintptr_t v = (uintptr_t)vg_hash_get(&r->order_rank, cs->cl->hosts[h]->name);
    return v ? (uint32_t)v - 1 : (uint32_t)r->opt->norder + h;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The leg's target Manager per host; the hosts it changes, drains or
 * reconfigures are pending. Returns how many. */
static size_t pending_hosts(struct ro *r, struct cstate *cs, const struct vg_version_ref *wp, int last)
{
    struct vg_cluster *cl = cs->cl;
    size_t npending = 0;
    for (size_t h = 0; h < cs->nh; h++) {
        cs->leg_mgr[h] = leg_target(cs->now_mgr[h], &cs->want_mgr[h], wp);
        cs->host_pending[h] = !same_ref(cs->now_mgr[h], cs->leg_mgr[h]) ||
            (!cs->host_done[h] && settings_change(cs, h)) ||
            (last && vg_hash_get(&r->drain, cl->hosts[h]->name) && !cs->host_done[h]);
        if (cs->host_pending[h] && same_ref(cs->now_mgr[h], cs->leg_mgr[h]))
            cs->leg_mgr[h] = cs->now_mgr[h]; /* settings or a drain only: the release stays */
        npending += cs->host_pending[h];
    }
    return npending;
}

/* The leg's guest driver updates, one group per (from, to) pair. */
static void group_guests(struct ro *r, struct cstate *cs, const struct vg_version_ref *wp)
{
    struct vg_ctx *ctx = r->ctx;
    cs->ngroups = 0;
    struct vg_hash by_key;
    vg_hash_init(&by_key, ctx->arena);
    for (size_t i = 0; i < cs->nv; i++) {
        cs->leg_guest[i] = leg_target(cs->now_guest[i], &cs->want_guest[i], wp);
        if (same_ref(cs->now_guest[i], cs->leg_guest[i]))
            continue;
        const char *key =
            vg_sprintf(ctx->arena, "%s\n%s\n%p", cs->now_guest[i]->text ? cs->now_guest[i]->text : "",
                       cs->leg_guest[i]->text ? cs->leg_guest[i]->text : "", (const void *)cs->leg_guest[i]->rel);
        uintptr_t gi = (uintptr_t)vg_hash_get(&by_key, key);
        if (!gi) {
            struct group g;
            memset(&g, 0, sizeof g);
            g.from = cs->now_guest[i];
            g.to = cs->leg_guest[i];
            VG_PUSH(ctx->arena, cs->groups, cs->ngroups, cs->cap_groups, g);
            gi = cs->ngroups;
            vg_hash_put(&by_key, key, (void *)gi);
        }
        struct group *g = &cs->groups[gi - 1];
        VG_PUSH(ctx->arena, g->vms, g->n, g->cap, (uint32_t)i);
    }
}

static int plan_leg(struct ro *r, struct cstate *cs, const struct vg_version_ref *wp, int last)
{
    struct vg_ctx *ctx = r->ctx;
    size_t npending = pending_hosts(r, cs, wp, last);
    group_guests(r, cs, wp);
    uint32_t *list = vg_alloc_array(ctx->arena, cs->nh ? cs->nh : 1, sizeof *list);
    uint64_t *keys = vg_alloc_array(ctx->arena, cs->nh ? cs->nh : 1, sizeof *keys);
    uint32_t at_once = r->opt->at_once ? r->opt->at_once : 1;
    for (;;) {
        size_t ngroups_left = 0;
        for (size_t k = 0; k < cs->ngroups; k++)
            ngroups_left += !cs->groups[k].done;
        if (!npending && !ngroups_left)
            return 1;
        int progress = 0;
        cs->block_what = NULL;
        cs->quick_batch = NULL;
        cs->quick = driver_rules_are_errors(r->ctx);
        free_guests_collect(cs);
        /* the pending hosts in the preferred order (ranks are distinct) */
        size_t nl = 0;
        for (size_t h = 0; h < cs->nh; h++)
            if (cs->host_pending[h])
                keys[nl++] = (uint64_t)host_rank(r, cs, (uint32_t)h) << 32 | h;
        qsort(keys, nl, sizeof *keys, cmp_u64);
        for (size_t i = 0; i < nl; i++)
            list[i] = (uint32_t)keys[i];
        cs->order = list;
        cs->norder = nl;
        for (size_t i = 0; i < nl;) {
            size_t nb = nl - i < at_once ? nl - i : at_once;
            if (host_step(r, cs, list + i, nb)) {
                progress = 1;
                npending -= nb;
                i += nb;
            } else if (nb > 1 && host_step(r, cs, list + i, 1)) { /* the batch did not fit: one host alone */
                progress = 1;
                npending--;
                i++;
            } else {
                i++;
            }
        }
        for (size_t k = 0; k < cs->ngroups; k++)
            if (!cs->groups[k].done && guest_step(r, cs, &cs->groups[k])) {
                progress = 1;
                free_guests_collect(cs);
            }
        if (!progress) {
            if (cs->quick_batch) { /* the first candidate was skipped: check it in full for VG7001 */
                const uint32_t *b = cs->quick_batch;
                size_t n = cs->quick_n;
                cs->quick = 0;
                cs->block_what = NULL;
                if (host_step(r, cs, b, n)) /* cannot pass what quick_fail refused; keep going if it did */
                    continue;
            }
            return 0;
        }
    }
}

/* ---- the release graph -------------------------------------------------------------- */

struct relset {
    const struct vg_release *v[32];
    size_t n;
};

static void relset_add_ref(struct relset *s, const struct vg_version_ref *r)
{
    for (uint32_t i = 0; i < r->nrel; i++) {
        size_t j = 0;
        while (j < s->n && s->v[j] != r->rel[i])
            j++;
        if (j == s->n && s->n < sizeof s->v / sizeof s->v[0])
            s->v[s->n++] = r->rel[i];
    }
}

static int all_load(const struct vg_catalog *c, const struct relset *guests, const struct relset *hosts)
{
    for (size_t g = 0; g < guests->n; g++)
        for (size_t h = 0; h < hosts->n; h++)
            if (!vg_compat_loads(c, guests->v[g], hosts->v[h]))
                return 0;
    return 1;
}

/* From configuration a to b: hosts first (a's guests on b's hosts) or guests first. */
static int edge(const struct vg_catalog *c, const struct relset *ag, const struct relset *ah, const struct relset *bg,
                const struct relset *bh)
{
    return all_load(c, ag, bh) || all_load(c, bg, ah);
}

/* The release that stands for a branch on this platform: the newest with a
 * package for the platform version, preferring one whose host driver is known. */
static const struct vg_release *branch_release(const struct vg_catalog *c, const struct vg_platform *pf, unsigned major)
{
    const struct vg_release *best = NULL, *known = NULL;
    for (size_t i = 0; i < c->nreleases; i++) {
        const struct vg_release *rel = c->releases[i];
        if (rel->major != major)
            continue;
        if (pf && ((pf->vgpu_min && rel->num < pf->vgpu_min) || (pf->vgpu_max && rel->num > pf->vgpu_max)))
            continue;
        best = rel;
        if (!pf || rel->driver[pf->host_driver])
            known = rel;
    }
    return known ? known : best;
}

/* Shortest path of intermediate branches from CURRENT to DESIRED; 0 if none. */
static size_t search_path(struct ro *r, struct cstate *cs, const struct vg_release **out)
{
    const struct vg_catalog *c = r->ctx->catalog;
    struct relset cg = {{0}, 0}, ch = {{0}, 0}, wg = {{0}, 0}, wh = {{0}, 0};
    for (size_t h = 0; h < cs->nh; h++) {
        relset_add_ref(&ch, &cs->cur_mgr[h]);
        relset_add_ref(&wh, &cs->want_mgr[h]);
    }
    for (size_t i = 0; i < cs->nv; i++) {
        relset_add_ref(&cg, &cs->cur_guest[i]);
        relset_add_ref(&wg, &cs->want_guest[i]);
    }
    if (!ch.n || !wh.n)
        return 0;
    unsigned lo = 1000, hi = 0;
    for (size_t i = 0; i < ch.n; i++)
        lo = ch.v[i]->major < lo ? ch.v[i]->major : lo;
    for (size_t i = 0; i < cg.n; i++)
        lo = cg.v[i]->major < lo ? cg.v[i]->major : lo;
    for (size_t i = 0; i < wh.n; i++)
        hi = wh.v[i]->major > hi ? wh.v[i]->major : hi;
    if (hi <= lo + 1)
        return 0;
    /* nodes: 0 = CURRENT, 1..k = branches between, k+1 = DESIRED */
    enum { MAXN = 64 };
    struct relset node[MAXN];
    size_t nn = 1;
    node[0] = cg; /* guests; hosts in ch */
    for (unsigned m = lo + 1; m < hi && nn < MAXN - 1; m++) {
        const struct vg_release *rel = branch_release(c, cs->cl->platform, m);
        if (!rel)
            continue;
        node[nn].v[0] = rel;
        node[nn].n = 1;
        nn++;
    }
    size_t end = nn++;
    int prev[MAXN];
    for (size_t i = 0; i < nn; i++)
        prev[i] = -2;
    size_t queue[MAXN], qh = 0, qt = 0;
    queue[qt++] = 0;
    prev[0] = -1;
    while (qh < qt && prev[end] == -2) {
        size_t a = queue[qh++];
        const struct relset *ag = a == 0 ? &cg : &node[a], *ah = a == 0 ? &ch : &node[a];
        for (size_t b = 1; b < nn; b++) {
            if (prev[b] != -2)
                continue;
            const struct relset *bg = b == end ? &wg : &node[b], *bh = b == end ? &wh : &node[b];
            if (b != end && node[b].v[0]->major <= (a == 0 ? lo : node[a].v[0]->major))
                continue; /* only upwards */
            if (edge(c, ag, ah, bg, bh)) {
                prev[b] = (int)a;
                queue[qt++] = b;
            }
        }
    }
    if (prev[end] < 0)
        return 0;
    size_t n = 0;
    const struct vg_release *rev[MAX_WAYPOINTS + 1];
    for (int b = prev[end]; b > 0; b = prev[b]) {
        if (n == MAX_WAYPOINTS)
            return 0;
        rev[n++] = node[b].v[0];
    }
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    return n;
}

/* ---- one cluster ------------------------------------------------------------------------ */

static void reset_to_current(struct ro *r, struct cstate *cs, struct vg_host **start)
{
    for (size_t h = 0; h < cs->nh; h++) {
        cs->now_mgr[h] = &cs->cur_mgr[h];
        cs->host_done[h] = 0;
    }
    for (size_t i = 0; i < cs->nv; i++) {
        cs->now_guest[i] = &cs->cur_guest[i];
        cs->where[i] = start[i];
    }
    cs->nhosts_done = 0;
    cs->lic_done = same_license(cs->cur_lic, cs->want_lic);
    cs->rc->nsteps = 0;
    cs->leg = 0;
    (void)r;
}

static int plan_path(struct ro *r, struct cstate *cs, struct vg_version_ref *wps, size_t nwps)
{
    if (!license_step(r, cs))
        return 0;
    for (size_t k = 0; k <= nwps; k++) {
        cs->leg = (uint32_t)k;
        if (!plan_leg(r, cs, k < nwps ? &wps[k] : NULL, k == nwps))
            return 0;
    }
    return 1;
}

static void report_block(struct ro *r, struct cstate *cs, int searched)
{
    struct vg_ctx *ctx = r->ctx;
    const struct check *b = &cs->block;
    struct vg_span at = cs->cl->name_span;
    for (size_t i = 0; i < b->nerrs; i++)
        if (vg_span_valid(b->errs[i].span)) {
            at = b->errs[i].span;
            break;
        }
    const struct vg_code_info *first = vg_code_info(b->nerrs ? b->errs[0].code : VG7001);
    struct vg_diag *d = vg_diag_emit(ctx, VG7001, at, "no safe order for cluster `%s`: %s breaks %s (%s)", cs->cl->name,
                                     cs->block_what ? cs->block_what : "the first step", first->id, first->slug);
    vg_diag_label(ctx, d, "%s", b->nerrs ? b->errs[0].message : "");
    if (vg_span_valid(cs->cl->name_span) && at.start != cs->cl->name_span.start)
        vg_diag_span(ctx, d, cs->cl->name_span, "cluster `%s`", cs->cl->name);
    for (size_t i = 0; i < b->nerrs; i++)
        vg_diag_note(ctx, d, "%s: %s", vg_code_info(b->errs[i].code)->id, b->errs[i].message);
    if (b->total_errs > b->nerrs)
        vg_diag_note(ctx, d, "and %zu more error%s in that state", b->total_errs - b->nerrs,
                     b->total_errs - b->nerrs == 1 ? "" : "s");
    vg_diag_note(ctx, d, "%zu step%s could be planned before it; every state is checked with every rule",
                 cs->rc->nsteps, cs->rc->nsteps == 1 ? "" : "s");
    if (b->driver_rule) {
        if (searched)
            vg_diag_help(ctx, d,
                         "no intermediate release in the catalog connects these releases on %s %s: add one "
                         "with `--catalog`, or upgrade the guest drivers first to a release that both the "
                         "old and the new vGPU Manager load",
                         cs->cl->family ? cs->cl->family : "", cs->cl->version ? cs->cl->version : "");
        else
            vg_diag_help(ctx, d,
                         "upgrade the guest drivers first to a release that both the old and the new vGPU "
                         "Manager load");
    }
    if (b->capacity_rule) {
        vg_diag_help(ctx, d,
                     "add GPU capacity, drain fewer hosts at once (`--hosts-at-once`), or let named VMs stay "
                     "down during their host's maintenance (`--allow-down VM`)");
        if (r->opt->keep_failover && cs->cl->tolerate)
            vg_diag_help(ctx, d,
                         "or plan without `--keep-failover` (the drained host is then the failure the "
                         "cluster tolerates)");
    }
    if (!b->driver_rule && !b->capacity_rule)
        vg_diag_help(ctx, d, "change CURRENT or DESIRED so that the states between them can pass this rule");
}

/* The cluster's state before the search: what DESIRED wants and CURRENT has,
 * per host (Manager, graphics type, vGPU mode) and per VM (guest driver),
 * and the license server and partition count of each. */
static void init_cstate(struct ro *r, struct cstate *cs, struct vg_ro_cluster *rc)
{
    struct vg_arena *a = r->ctx->arena;
    memset(cs, 0, sizeof *cs);
    cs->rc = rc;
    cs->cl = rc->cl;
    cs->cur = rc->cur;
    size_t nh = cs->nh = rc->cl->nhosts, nv = cs->nv = rc->cl->nvms;
    size_t H = nh ? nh : 1, V = nv ? nv : 1;
    cs->want_mgr = vg_alloc_array(a, H, sizeof *cs->want_mgr);
    cs->want_own = vg_alloc_array(a, H, sizeof *cs->want_own);
    cs->want_gr = vg_alloc_array(a, H, sizeof *cs->want_gr);
    cs->want_gr_span = vg_alloc_array(a, H, sizeof *cs->want_gr_span);
    cs->want_mode = vg_alloc_array(a, H, sizeof *cs->want_mode);
    cs->want_mode_span = vg_alloc_array(a, H, sizeof *cs->want_mode_span);
    cs->cur_mgr = vg_alloc_array(a, H, sizeof *cs->cur_mgr);
    cs->cur_gr = vg_alloc_array(a, H, sizeof *cs->cur_gr);
    cs->cur_mode = vg_alloc_array(a, H, sizeof *cs->cur_mode);
    cs->now_mgr = vg_alloc_array(a, H, sizeof *cs->now_mgr);
    cs->leg_mgr = vg_alloc_array(a, H, sizeof *cs->leg_mgr);
    cs->host_done = vg_alloc_array(a, H, 1);
    cs->host_pending = vg_alloc_array(a, H, 1);
    cs->want_guest = vg_alloc_array(a, V, sizeof *cs->want_guest);
    cs->cur_guest = vg_alloc_array(a, V, sizeof *cs->cur_guest);
    cs->now_guest = vg_alloc_array(a, V, sizeof *cs->now_guest);
    cs->leg_guest = vg_alloc_array(a, V, sizeof *cs->leg_guest);
    cs->where = vg_alloc_array(a, V, sizeof *cs->where);
    for (size_t h = 0; h < nh; h++) {
        struct vg_host *host = cs->cl->hosts[h], *ch = vg_hash_get(&cs->cur->host_by_name, host->name);
        cs->want_mgr[h] = host->manager;
        cs->want_own[h] = host->manager_own;
        cs->want_gr[h] = eff_graphics(host);
        cs->want_gr_span[h] = vg_span_or(host->graphics_span, cs->cl->graphics_span);
        cs->want_mode[h] = eff_mode(host);
        cs->want_mode_span[h] = vg_span_or(host->vgpu_mode_span, cs->cl->vgpu_mode_span);
        cs->cur_mgr[h] = ch->manager;
        cs->cur_gr[h] = eff_graphics(ch);
        cs->cur_mode[h] = eff_mode(ch);
    }
    struct vg_hash vm_by_name;
    vg_hash_init(&vm_by_name, a);
    for (size_t i = 0; i < cs->cur->nvms; i++)
        vg_hash_put(&vm_by_name, cs->cur->vms[i]->name, cs->cur->vms[i]);
    for (size_t i = 0; i < nv; i++) {
        const struct vg_vm *cv = vg_hash_get(&vm_by_name, cs->cl->vms[i]->name);
        cs->want_guest[i] = cs->cl->vms[i]->guest;
        cs->cur_guest[i] = cv->guest;
    }
    cs->want_lic = cs->cl->license;
    cs->cur_lic = cs->cur->license;
    cs->want_part = cs->cl->gpu_partitions;
    cs->cur_part = cs->cur->gpu_partitions;
}

/* No direct order keeps every guest driver loadable: search the catalog's
 * releases for intermediate ones (VG7002 when a path is found). Sets
 * *searched; returns whether the cluster is planned through them. */
static int plan_through_waypoints(struct ro *r, struct cstate *cs, struct vg_ro_cluster *rc, struct vg_host **start,
                                  int *searched)
{
    struct vg_ctx *ctx = r->ctx;
    struct vg_arena *a = ctx->arena;
    int ok = 0;
    const struct vg_release *path[MAX_WAYPOINTS];
    size_t n = search_path(r, cs, path);
    *searched = 1;
    if (n) {
        struct check direct = cs->block;
        const char *direct_what = cs->block_what;
        struct vg_version_ref *wps = vg_alloc_array(a, n, sizeof *wps);
        for (size_t k = 0; k < n; k++) {
            const struct vg_release **one = vg_alloc(a, sizeof *one);
            one[0] = path[k];
            wps[k].text = path[k]->name;
            wps[k].rel = one;
            wps[k].nrel = 1;
        }
        reset_to_current(r, cs, start);
        cs->block_what = NULL;
        ok = plan_path(r, cs, wps, n);
        if (ok) {
            rc->waypoints = vg_alloc_array(a, n, sizeof *rc->waypoints);
            memcpy(rc->waypoints, path, n * sizeof *path);
            rc->nwaypoints = n;
            const struct vg_version_ref *shown = &cs->want_mgr[0];
            struct vg_span at = vg_span_or(shown->span, cs->cl->name_span);
            const char *via = path[0]->name;
            for (size_t k = 1; k < n; k++)
                via = vg_sprintf(a, "%s, then %s", via, path[k]->name);
            struct vg_diag *d = vg_diag_emit(ctx, VG7002, at,
                                             "cluster `%s` goes through vGPU %s on its way to %s: no direct order "
                                             "keeps every guest driver loadable",
                                             cs->cl->name, via, vg_rules_version_text(ctx, shown));
            vg_diag_label(ctx, d, "reached through vGPU %s", via);
            if (direct.nerrs)
                vg_diag_note(ctx, d, "directly, %s breaks %s: %s", direct_what ? direct_what : "a step",
                             vg_code_info(direct.errs[0].code)->id, direct.errs[0].message);
            vg_diag_help(ctx, d, "plan the vGPU Manager and guest driver packages of vGPU %s into the maintenance",
                         via);
        } else if (!cs->block_what) {
            cs->block = direct;
            cs->block_what = direct_what;
        }
    }
    return ok;
}

static void plan_cluster(struct ro *r, struct vg_ro_cluster *rc)
{
    struct vg_arena *a = r->ctx->arena;
    struct cstate cs;
    init_cstate(r, &cs, rc);
    size_t nh = cs.nh, nv = cs.nv, H = nh ? nh : 1, V = nv ? nv : 1;

    /* keep the hosts' own graphics / mode values to put back */
    enum vg_graphics *own_gr = vg_alloc_array(a, H, sizeof *own_gr);
    enum vg_vgpu_mode *own_mode = vg_alloc_array(a, H, sizeof *own_mode);
    struct vg_span *own_gr_span = vg_alloc_array(a, H, sizeof *own_gr_span);
    struct vg_span *own_mode_span = vg_alloc_array(a, H, sizeof *own_mode_span);
    for (size_t h = 0; h < nh; h++) {
        own_gr[h] = cs.cl->hosts[h]->graphics;
        own_gr_span[h] = cs.cl->hosts[h]->graphics_span;
        own_mode[h] = cs.cl->hosts[h]->vgpu_mode;
        own_mode_span[h] = cs.cl->hosts[h]->vgpu_mode_span;
    }

    /* the start: CURRENT placed as declared */
    struct vg_host **start = vg_alloc_array(a, V, sizeof *start);
    reset_to_current(r, &cs, start);
    apply_now(&cs);
    struct check c0;
    check_state(r, &cs, &c0);
    for (size_t i = 0; i < nv; i++)
        start[i] = c0.cp->place[i].host;
    check_done(&c0);
    reset_to_current(r, &cs, start);

    int ok = plan_path(r, &cs, NULL, 0), searched = 0;
    if (!ok && cs.block.driver_rule)
        ok = plan_through_waypoints(r, &cs, rc, start, &searched);
    rc->planned = ok;
    if (!ok) {
        report_block(r, &cs, searched);
        rc->nsteps = 0;
    }
    restore_want(&cs);
    for (size_t h = 0; h < nh; h++) {
        cs.cl->hosts[h]->graphics = own_gr[h];
        cs.cl->hosts[h]->graphics_span = own_gr_span[h];
        cs.cl->hosts[h]->vgpu_mode = own_mode[h];
        cs.cl->hosts[h]->vgpu_mode_span = own_mode_span[h];
    }
}

struct vg_rollout *vg_rollout_plan(struct vg_ctx *ctx, struct vg_model *cur, struct vg_model *want,
                                   const struct vg_ro_options *opt)
{
    struct vg_rollout *ro = vg_alloc(ctx->arena, sizeof *ro);
    struct ro r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.opt = opt;
    r.want = want;
    vg_hash_init(&r.allow_down, ctx->arena);
    vg_hash_init(&r.drain, ctx->arena);
    vg_hash_init(&r.order_rank, ctx->arena);
    for (size_t i = 0; i < opt->nallow_down; i++)
        vg_hash_put(&r.allow_down, opt->allow_down[i], (void *)1);
    for (size_t i = 0; i < opt->ndrain; i++)
        vg_hash_put(&r.drain, opt->drain[i], (void *)1);
    for (size_t i = 0; i < opt->norder; i++)
        vg_hash_put(&r.order_rank, opt->order[i], (void *)(uintptr_t)(i + 1));
    ro->ok = 1;
    ro->nclusters = want->nclusters;
    ro->clusters = vg_alloc_array(ctx->arena, want->nclusters ? want->nclusters : 1, sizeof *ro->clusters);
    for (size_t k = 0; k < cur->nclusters; k++)
        if (!vg_hash_get(&want->cluster_by_name, cur->clusters[k]->name)) {
            inventory_error(ctx, cur->clusters[k]->name_span,
                            vg_sprintf(ctx->arena, "cluster `%s` is not in DESIRED", cur->clusters[k]->name));
            ro->ok = 0;
        }
    for (size_t k = 0; k < want->nclusters; k++) {
        struct vg_ro_cluster *rc = &ro->clusters[k];
        rc->cl = want->clusters[k];
        rc->cur = vg_hash_get(&cur->cluster_by_name, rc->cl->name);
        if (!rc->cur) {
            inventory_error(ctx, rc->cl->name_span,
                            vg_sprintf(ctx->arena, "cluster `%s` is not in CURRENT", rc->cl->name));
            ro->ok = 0;
            continue;
        }
        if (rc->cur != rc->cl && !same_inventory(ctx, rc->cl, rc->cur)) {
            ro->ok = 0;
            continue;
        }
        plan_cluster(&r, rc);
        ro->nstates += rc->nstates;
        ro->ok &= rc->planned;
    }
    return ro;
}
