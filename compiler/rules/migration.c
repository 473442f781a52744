/*
 * migration.c - VG4001-VG4006: live migration and restart per platform.
 *
 * What a platform version supports is catalog data (`lm_vgpu`,
 * `lm_vgpu_min`, `lm_passthrough`, `lm_needs_datacenter`); whether another
 * host could receive a VM comes from the plan (`live_target`). The facts and
 * their sources are the `source:` fields of catalog/platforms.yaml.
 */
#include "rules/rules.h"

#include <string.h>

#include "catalog/catalog.h"

static struct vg_span where_migration(const struct vg_vm *vm)
{
    return vg_span_or(vg_vm_at(vm, VG_AT_MIGRATION), vg_span_or(vg_vm_at(vm, VG_AT_GPU), vm->name_span));
}

static void unverified_note(struct vg_ctx *ctx, struct vg_diag *d, const struct vg_platform *pf)
{
    if (!pf->verified)
        vg_diag_note(ctx, d, "the catalog marks %s %s as unverified", pf->family, pf->version);
}

/* The oldest newer version of the same family whose vGPU / GPU-P VMs live-migrate. */
static const struct vg_platform *lm_version(const struct vg_catalog *c, const struct vg_platform *pf)
{
    const struct vg_platform *best = NULL;
    for (size_t i = 0; i < c->nplatforms; i++) {
        const struct vg_platform *q = c->platforms[i];
        if (q->lm_vgpu && q->kind == pf->kind && q->order > pf->order && !strcmp(q->family, pf->family) &&
            (!best || q->order < best->order))
            best = q;
    }
    return best;
}

static const char *gpu_word(const struct vg_cluster *cl, const struct vg_vm *vm)
{
    if (vm->mode == VG_MODE_PASSTHROUGH)
        return cl->kind == VG_FAMILY_HYPERV ? "a DDA (pass-through) GPU" : "a DirectPath I/O (pass-through) GPU";
    return cl->kind == VG_FAMILY_HYPERV ? "a GPU-P partition" : "a vGPU";
}

static int live_unsupported(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    const struct vg_platform *pf = cl->platform;
    int ok = vm->mode == VG_MODE_PASSTHROUGH ? pf->lm_passthrough : pf->lm_vgpu;
    if (ok)
        return 0;
    struct vg_diag *d = vg_diag_emit(ctx, VG4001, where_migration(vm),
                                     "`%s` cannot live-migrate: a VM with %s cannot live-migrate on %s %s", vm->name,
                                     gpu_word(cl, vm), pf->family, pf->version);
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "`migration live`");
    if (vg_span_valid(cl->platform_span))
        vg_diag_span(ctx, d, cl->platform_span, "%s %s", pf->family, pf->version);
    const struct vg_platform *up = vm->mode == VG_MODE_VGPU ? lm_version(ctx->catalog, pf) : NULL;
    if (up)
        vg_diag_help(ctx, d,
                     "use `migration restart` (it restarts on another host with room), or move to %s %s or later",
                     up->family, up->version);
    else
        vg_diag_help(ctx, d, "use `migration restart`: it restarts on another host with room");
    unverified_note(ctx, d, pf);
    return 1;
}

static void release_too_old(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    const struct vg_platform *pf = cl->platform;
    const struct vg_version_ref *g = &vm->guest;
    for (size_t i = 0; i < g->nrel; i++) {
        if (g->rel[i]->num >= pf->lm_vgpu_min)
            continue;
        struct vg_diag *d =
            vg_diag_emit(ctx, VG4002, g->span,
                         "`%s` cannot live-migrate on %s %s with guest driver %s: it needs vGPU %u.%u or "
                         "later",
                         vm->name, pf->family, pf->version, vg_rules_version_text(ctx, g), pf->lm_vgpu_min / 1000,
                         pf->lm_vgpu_min % 1000);
        vg_diag_subject(d, vm->name);
        vg_diag_label(ctx, d, "vGPU %s", g->rel[i]->name);
        if (vg_span_valid(vg_vm_at(vm, VG_AT_MIGRATION)))
            vg_diag_span(ctx, d, vg_vm_at(vm, VG_AT_MIGRATION), "`migration live`");
        vg_diag_help(ctx, d, "use a vGPU %u guest driver or later, or `migration restart`", pf->lm_vgpu_min / 1000);
        return;
    }
}

static void manager_too_old(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *first, size_t nlive)
{
    const struct vg_platform *pf = cl->platform;
    int default_done = 0;
    for (size_t h = 0; h < cl->nhosts; h++) {
        const struct vg_host *host = cl->hosts[h];
        const struct vg_version_ref *r = &host->manager;
        if (!r->nrel || (!host->manager_own && default_done))
            continue;
        default_done |= !host->manager_own;
        const struct vg_release *old = NULL;
        for (size_t i = 0; i < r->nrel && !old; i++)
            if (r->rel[i]->num < pf->lm_vgpu_min)
                old = r->rel[i];
        if (!old)
            continue;
        const char *who = host->manager_own ? vg_sprintf(ctx->arena, "`%s`", host->name) : "the cluster's hosts";
        struct vg_diag *d = vg_diag_emit(ctx, VG4002, vg_span_or(r->span, host->name_span),
                                         "vGPU Manager %s on %s is too old for GPU-P live migration on %s %s: it needs "
                                         "vGPU %u.%u or later (%zu VM%s use `migration live`)",
                                         vg_rules_version_text(ctx, r), who, pf->family, pf->version,
                                         pf->lm_vgpu_min / 1000, pf->lm_vgpu_min % 1000, nlive, nlive == 1 ? "" : "s");
        if (host->manager_own)
            vg_diag_subject(d, host->name);
        vg_diag_label(ctx, d, "vGPU %s", old->name);
        if (vg_span_valid(vg_vm_at(first, VG_AT_MIGRATION)))
            vg_diag_span(ctx, d, vg_vm_at(first, VG_AT_MIGRATION), "`%s` migrates live", first->name);
        vg_diag_help(ctx, d, "upgrade the hosts to vGPU %u or later, or use `migration restart`",
                     pf->lm_vgpu_min / 1000);
    }
}

static void no_target(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    const char *what = vm->mode == VG_MODE_VGPU ? vm->profile->name : vm->gpu_model->model;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG4003, where_migration(vm),
                     "`%s` cannot live-migrate: no other host it may run on has a GPU of model %s with room for `%s`",
                     vm->name, vm->gpu_model->model, what);
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "`migration live`");
    if (vm->pin) {
        if (vg_span_valid(vg_vm_at(vm, VG_AT_PIN)))
            vg_diag_span(ctx, d, vg_vm_at(vm, VG_AT_PIN), "pinned here");
        vg_diag_help(ctx, d, "list the hosts it may move to with `hosts` instead of pinning it with `host`");
    } else {
        if (vg_span_valid(vg_vm_at(vm, VG_AT_HOSTS)))
            vg_diag_span(ctx, d, vg_vm_at(vm, VG_AT_HOSTS), "the hosts it may run on");
        vg_diag_help(ctx, d,
                     "keep a free `%s` slot on another host (add GPUs or fewer VMs), or use `migration restart`", what);
    }
    vg_diag_note(ctx, d,
                 "a live migration needs a GPU of the same model on the target with a free slot for its profile");
    (void)cl;
}

/* VG4007: `migration restart` written on a VM that may run on one host only. */
static void check_restart_target(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    if (vm->migration != VG_MIG_RESTART || !vg_span_valid(vg_vm_at(vm, VG_AT_MIGRATION)))
        return;
    size_t n = vm->pin ? 1 : vm->nallowed ? vm->nallowed : cl->nhosts;
    if (n != 1)
        return;
    const struct vg_host *only = vm->pin ? vm->pin : vm->nallowed ? vm->allowed[0] : cl->nhosts ? cl->hosts[0] : NULL;
    if (!only)
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG4007, vg_vm_at(vm, VG_AT_MIGRATION),
                                     "`%s` has `migration restart`, but %s is the only host it may run on: when it "
                                     "fails there is nowhere to restart the VM",
                                     vm->name, vg_sprintf(ctx->arena, "`%s`", only->name));
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "`migration restart`");
    vg_diag_help(ctx, d, "%s",
                 vm->pin || vm->nallowed ? "allow more hosts (`hosts NAME...`), or write `migration none`"
                                         : "add a host with a free GPU to the cluster, or write "
                                           "`migration none`");
}

/* VG4006: a pass-through VM on vSphere restarted by HA; 1 if the VM is one
 * (it is then checked no further). */
static int check_ha_passthrough(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    if (vm->mode != VG_MODE_PASSTHROUGH || vm->migration != VG_MIG_RESTART || cl->kind != VG_FAMILY_VSPHERE)
        return 0;
    struct vg_diag *d = vg_diag_emit(
        ctx, VG4006, where_migration(vm),
        "`%s` has a pass-through GPU: vSphere HA does not restart VMs with static DirectPath I/O", vm->name);
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d,
                  vg_span_valid(vg_vm_at(vm, VG_AT_MIGRATION)) ? "`migration restart`"
                                                               : "pass-through, restarted by default");
    vg_diag_note(ctx, d,
                 "the generated script attaches the GPU with dynamic DirectPath I/O, which HA can "
                 "restart on any host with a matching device");
    vg_diag_help(ctx, d,
                 "keep the script's dynamic DirectPath I/O, or set `migration none` if the VM may "
                 "stay down");
    return 1;
}

/* VG4005: clustered GPU-P live migration on the Standard edition. */
static void check_edition(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *first_live)
{
    const struct vg_platform *pf = cl->platform;
    if (!pf->lm_needs_datacenter || cl->nhosts <= 1 || cl->edition != VG_EDITION_STANDARD)
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG4005, vg_span_or(cl->edition_span, cl->name_span),
                                     "cluster `%s` live-migrates GPU-P VMs between %zu clustered hosts on "
                                     "%s %s Standard edition",
                                     cl->name, cl->nhosts, pf->family, pf->version);
    vg_diag_label(ctx, d, "`edition standard`");
    if (vg_span_valid(vg_vm_at(first_live, VG_AT_MIGRATION)))
        vg_diag_span(ctx, d, vg_vm_at(first_live, VG_AT_MIGRATION), "`%s` migrates live", first_live->name);
    vg_diag_note(ctx, d,
                 "clustered GPU-P live migration needs the Datacenter edition; Standard supports it "
                 "between standalone hosts only");
    vg_diag_help(ctx, d, "use `edition datacenter`, or `migration restart` for these VMs");
}

/* VG4004: vGPU VMs that vMotion, for which the script enables vgpu.hotmigrate.enabled. */
static void check_hotmigrate(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *first_live,
                             size_t nlive_vgpu)
{
    if (cl->kind != VG_FAMILY_VSPHERE)
        return;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG4004, where_migration(first_live),
                     "%zu vGPU VM%s of cluster `%s` %s vMotion: the script enables vCenter's "
                     "`vgpu.hotmigrate.enabled`",
                     nlive_vgpu, nlive_vgpu == 1 ? "" : "s", cl->name, nlive_vgpu == 1 ? "uses" : "use");
    vg_diag_label(ctx, d, "`migration live`");
    vg_diag_note(ctx, d, "without it vCenter refuses with \"vGPU hot migration is not enabled.\"");
}

struct migration_run {
    struct vg_ctx *ctx;
    const struct vg_model *m;
    const struct vg_plan *p;
};

static void *migration_begin(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    if (!ctx->catalog)
        return NULL;
    struct migration_run *st = vg_alloc(ctx->arena, sizeof *st);
    *st = (struct migration_run){ctx, m, p};
    return st;
}

static void migration_cluster(void *state, size_t k)
{
    struct migration_run *st = state;
    struct vg_ctx *ctx = st->ctx;
    const struct vg_cluster *cl = st->m->clusters[k];
    const struct vg_cluster_plan *cp = st->p && k < st->p->nclusters ? &st->p->clusters[k] : NULL;
    const struct vg_platform *pf = cl->platform;
    if (!pf)
        return;
    size_t nlive_vgpu = 0;
    const struct vg_vm *first_live = NULL;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_vm *vm = cl->vms[i];
        if (vm->mode == VG_MODE_NONE || !vm->gpu_model)
            continue;
        check_restart_target(ctx, cl, vm);
        if (check_ha_passthrough(ctx, cl, vm))
            continue;
        if (vm->migration != VG_MIG_LIVE || live_unsupported(ctx, cl, vm))
            continue;
        if (vm->mode == VG_MODE_VGPU) {
            if (!nlive_vgpu++)
                first_live = vm;
            if (pf->lm_vgpu_min)
                release_too_old(ctx, cl, vm);
        }
        if (cp && cp->place[vm->index].host && !cp->place[vm->index].live_target)
            no_target(ctx, cl, vm);
    }
    if (!nlive_vgpu)
        return;
    if (pf->lm_vgpu_min)
        manager_too_old(ctx, cl, first_live, nlive_vgpu);
    check_edition(ctx, cl, first_live);
    check_hotmigrate(ctx, cl, first_live, nlive_vgpu);
}

const struct vg_rule_family vg_rules_migration = {migration_begin, migration_cluster};
