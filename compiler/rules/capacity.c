/*
 * capacity.c - VG5001-VG5006: what the plan could not place, what a failed
 * host set leaves down, mixed-size and multi-vGPU support, unused GPUs
 * beyond the failover reserve.
 *
 * Placement itself is plan.c's; this file only reads the plan and explains
 * it: for each profile (or pass-through model) that did not fit, how many VMs
 * and vGPUs are missing and which hosts hold that GPU model.
 */
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "base/strbuf.h"

#define FAILOVER_WORST 3 /* failing host sets named in the one VG5003 of a cluster */

struct modelinfo { /* the cluster's GPUs of one model */
    size_t ngpus, nhosts;
    const char *names[3];
};

struct shortfall { /* unplaced VMs of one profile / pass-through model */
    const struct vg_vm *first;
    size_t nvms, nunits, demand;
    const char *names[3];
};

static int host_has_model(const struct vg_host *h, const struct vg_gpu *g)
{
    for (size_t i = 0; i < h->ngpus; i++)
        if (h->gpus[i].model == g)
            return 1;
    return 0;
}

static uint32_t per_gpu(const struct vg_cluster *cl, const struct vg_cluster_plan *cp, const struct vg_profile *p)
{
    uint32_t c = p->max_same;
    if (cl->kind == VG_FAMILY_HYPERV && cp->partitions && cp->partitions < c)
        c = cp->partitions;
    return c;
}

/* VG5001, vGPU VMs: what holds the capacity of the profile's GPU model (pass-through VMs,
 * other vGPU sizes, MIG slices), as a note on d. */
static void note_held_capacity(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_cluster_plan *cp,
                               const struct shortfall *sf, const struct modelinfo *mi, const char *hosts, uint32_t cap,
                               struct vg_diag *d)
{
    const struct vg_vm *vm = sf->first;
    /* GPUs of the model that pass-through VMs or other vGPU sizes took */
    size_t pt = 0, other = 0, npt = 0;
    const char *ptnames[3];
    for (size_t i = 0; i < cp->npgpus; i++) {
        const struct vg_pgpu *g = &cp->pgpus[i];
        if (g->model != vm->gpu_model)
            continue;
        if (g->use == VG_PGPU_PASSTHROUGH)
            pt++;
        else if (g->use != VG_PGPU_FREE && g->profile && g->profile->fb_mb != vm->profile->fb_mb)
            other++;
    }
    for (size_t i = 0; i < cl->nvms && pt && npt < 3; i++) {
        const struct vg_vm *o = cl->vms[i];
        if (o->mode == VG_MODE_PASSTHROUGH && o->gpu_model == vm->gpu_model && cp->place[o->index].host)
            ptnames[npt++] = o->name;
    }
    if (vm->profile->mig && vm->gpu_model->mig_slices && vm->profile->mig_slices) {
        uint32_t most = 0; /* the most free slices on one GPU of the model */
        for (size_t i = 0; i < cp->npgpus; i++) {
            const struct vg_pgpu *g = &cp->pgpus[i];
            uint32_t f = g->model != vm->gpu_model || g->use == VG_PGPU_PASSTHROUGH ? 0
                : g->use == VG_PGPU_FREE                                            ? g->model->mig_slices
                : g->profile && g->profile->mig ? (uint32_t)(g->model->mig_slices - g->mig_used)
                                                : 0;
            most = f > most ? f : most;
        }
        vg_diag_note(ctx, d,
                     "MIG instances of different sizes share a GPU within its %u compute slices and its memory: "
                     "`%s` needs %u slices, and no %s GPU on %s has more than %u free",
                     vm->gpu_model->mig_slices, vm->profile->name, vm->profile->mig_slices, vm->gpu_model->model, hosts,
                     most);
    } else if (pt || other) {
        size_t npass = 0;
        for (size_t i = 0; i < cl->nvms; i++)
            npass += cl->vms[i]->mode == VG_MODE_PASSTHROUGH && cl->vms[i]->gpu_model == vm->gpu_model &&
                cp->place[cl->vms[i]->index].host;
        const char *by = pt && other ? vg_sprintf(ctx->arena, "%zu run pass-through VMs (%s) and %zu other vGPU sizes",
                                                  pt, vg_rules_name_list(ctx, ptnames, npt, npass), other)
            : pt
            ? vg_sprintf(ctx->arena, "%zu run pass-through VMs (%s)", pt, vg_rules_name_list(ctx, ptnames, npt, npass))
            : vg_sprintf(ctx->arena, "%zu run vGPUs of other sizes", other);
        vg_diag_note(ctx, d,
                     "of the %zu %s GPU%s on %s, %s; the rest hold at most %zu `%s` vGPUs, and %zu are "
                     "asked for",
                     mi->ngpus, vm->gpu_model->model, mi->ngpus == 1 ? "" : "s", hosts, by,
                     (mi->ngpus - pt - other) * cap, vm->profile->name, sf->demand);
    } else {
        vg_diag_note(ctx, d, "the %zu %s GPU%s on %s hold at most %zu `%s` vGPUs; %zu are asked for", mi->ngpus,
                     vm->gpu_model->model, mi->ngpus == 1 ? "" : "s", hosts, mi->ngpus * cap, vm->profile->name,
                     sf->demand);
    }
}

/* VG5001 for vGPU VMs of one profile. */
static struct vg_diag *report_vgpu_shortfall(struct vg_ctx *ctx, const struct vg_cluster *cl,
                                             const struct vg_cluster_plan *cp, const struct shortfall *sf,
                                             const struct modelinfo *mi, const char *hosts)
{
    const struct vg_vm *vm = sf->first;
    uint32_t cap = per_gpu(cl, cp, vm->profile);
    struct vg_diag *d =
        vg_diag_emit(ctx, VG5001, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                     "%zu VM%s with `%s` could not be placed in cluster `%s`: %zu vGPU%s missing", sf->nvms,
                     sf->nvms == 1 ? "" : "s", vm->profile->name, cl->name, sf->nunits, sf->nunits == 1 ? "" : "s");
    vg_diag_label(ctx, d, "at most %u per GPU", cap);
    note_held_capacity(ctx, cl, cp, sf, mi, hosts, cap, d);
    if (!vm->profile->verified)
        vg_diag_note(ctx, d, "the per-GPU maximum of `%s` is derived, not sourced (unverified)", vm->profile->name);
    return d;
}

/* VG5001 for pass-through VMs of one GPU model. */
static struct vg_diag *report_passthrough_shortfall(struct vg_ctx *ctx, const struct vg_cluster *cl,
                                                    const struct shortfall *sf, const struct modelinfo *mi,
                                                    const char *hosts)
{
    const struct vg_vm *vm = sf->first;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG5001, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                     "%zu pass-through VM%s with %s could not be placed in cluster `%s`: %zu GPU%s missing", sf->nvms,
                     sf->nvms == 1 ? "" : "s", vm->gpu_model->model, cl->name, sf->nunits, sf->nunits == 1 ? "" : "s");
    vg_diag_label(ctx, d, "whole GPUs");
    if (mi->ngpus)
        vg_diag_note(ctx, d,
                     "the cluster has %zu %s GPU%s (on %s) for pass-through and vGPU; %zu are asked for by "
                     "pass-through VMs",
                     mi->ngpus, vm->gpu_model->model, mi->ngpus == 1 ? "" : "s", hosts, sf->demand);
    else
        vg_diag_note(ctx, d, "no host of cluster `%s` has a %s GPU", cl->name, vm->gpu_model->model);
    return d;
}

/* VG5001: VMs of one profile (or pass-through model) that could not be placed. */
static void report_shortfall(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_cluster_plan *cp,
                             const struct shortfall *sf, const struct modelinfo *mi)
{
    const struct vg_vm *vm = sf->first;
    const char *hosts = vg_rules_name_list(ctx, mi->names, mi->nhosts < 3 ? mi->nhosts : 3, mi->nhosts);
    struct vg_diag *d = vm->mode == VG_MODE_VGPU ? report_vgpu_shortfall(ctx, cl, cp, sf, mi, hosts)
                                                 : report_passthrough_shortfall(ctx, cl, sf, mi, hosts);
    vg_diag_note(ctx, d, "not placed: %s", vg_rules_name_list(ctx, sf->names, sf->nvms < 3 ? sf->nvms : 3, sf->nvms));
    vg_diag_help(ctx, d, "add %s GPUs or hosts, or move VMs to a smaller profile or another cluster",
                 vm->gpu_model->model);
}

/* VG5002: a pinned VM (`host`, `hosts`) that its hosts cannot take. */
static void report_pinned(struct vg_ctx *ctx, const struct vg_vm *vm)
{
    const char *what = vm->mode == VG_MODE_VGPU ? vm->profile->name : vm->gpu_model->model;
    struct vg_host *const *hs = vm->pin ? &vm->pin : (struct vg_host *const *)vm->allowed;
    size_t nh = vm->pin ? 1 : vm->nallowed;
    int any_model = 0;
    for (size_t j = 0; j < nh && !any_model; j++)
        any_model = host_has_model(hs[j], vm->gpu_model);
    const char *names[3];
    for (size_t j = 0; j < nh && j < 3; j++)
        names[j] = hs[j]->name;
    const char *list = vg_rules_name_list(ctx, names, nh < 3 ? nh : 3, nh);
    struct vg_diag *d = vg_diag_emit(
        ctx, VG5002, vg_span_or(vm->pin ? vg_vm_at(vm, VG_AT_PIN) : vg_vm_at(vm, VG_AT_HOSTS), vg_vm_at(vm, VG_AT_GPU)),
        "`%s` may run only on %s, which %s %s", vm->name, list, nh == 1 ? "has" : "have",
        any_model ? vg_sprintf(ctx->arena, "no room left for `%s`", what)
                  : vg_sprintf(ctx->arena, "no %s GPU", vm->gpu_model->model));
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, vm->pin ? "pinned here" : "allowed hosts");
    if (vg_span_valid(vg_vm_at(vm, VG_AT_GPU_ARG)))
        vg_diag_span(ctx, d, vg_vm_at(vm, VG_AT_GPU_ARG), "needs %s%s",
                     vm->count > 1 ? vg_sprintf(ctx->arena, "%u x ", vm->count) : "", what);
    vg_diag_help(ctx, d, "pin it to a host with a free %s GPU, or allow more hosts", vm->gpu_model->model);
}

static void check_placement(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_cluster_plan *cp)
{
    struct vg_hash by_model, by_profile, by_passthrough; /* shortfalls by profile / pass-through model */
    vg_hash_init(&by_model, ctx->arena);
    vg_hash_init(&by_profile, ctx->arena);
    vg_hash_init(&by_passthrough, ctx->arena);
    for (size_t h = 0; h < cl->nhosts; h++) {
        const struct vg_host *host = cl->hosts[h];
        for (size_t l = 0; l < host->ngpus; l++) {
            const struct vg_gpu *g = host->gpus[l].model;
            if (!g)
                continue;
            struct modelinfo *mi = vg_hash_get(&by_model, g->model);
            if (!mi) {
                mi = vg_alloc(ctx->arena, sizeof *mi);
                vg_hash_put(&by_model, g->model, mi);
            }
            mi->ngpus += (size_t)host->gpus[l].boards * g->gpus_per_board;
            size_t e = 0;
            while (e < l && host->gpus[e].model != g)
                e++;
            if (e < l)
                continue; /* a second line of the same model on this host */
            if (mi->nhosts < 3)
                mi->names[mi->nhosts] = host->name;
            mi->nhosts++;
        }
    }
    struct shortfall **order = NULL, *last = NULL; /* VMs of one class come in runs: `last` saves the probe */
    const struct vg_hash *last_class = NULL;
    const char *last_key = NULL;
    size_t norder = 0, cap = 0;
    for (size_t k = 0; k < cp->norder; k++) {
        const struct vg_vm *vm = cl->vms[cp->order[k]];
        const char *key = vm->mode == VG_MODE_VGPU ? vm->profile->name : vm->gpu_model->model;
        struct vg_hash *by_class = vm->mode == VG_MODE_VGPU ? &by_profile : &by_passthrough;
        struct shortfall *sf = last && last_class == by_class && last_key == key ? last : vg_hash_get(by_class, key);
        if (!sf) {
            sf = vg_alloc(ctx->arena, sizeof *sf);
            vg_hash_put(by_class, key, sf);
            VG_PUSH(ctx->arena, order, norder, cap, sf);
        }
        last = sf;
        last_class = by_class;
        last_key = key;
        uint32_t n = vm->count ? vm->count : 1;
        sf->demand += n;
        if (cp->place[vm->index].host)
            continue;
        if (vm->pin || vm->nallowed) {
            report_pinned(ctx, vm);
            continue;
        }
        if (!sf->nvms)
            sf->first = vm;
        if (sf->nvms < 3)
            sf->names[sf->nvms] = vm->name;
        sf->nvms++;
        sf->nunits += n;
    }
    static const struct modelinfo none;
    for (size_t i = 0; i < norder; i++) {
        if (!order[i]->nvms)
            continue;
        const struct modelinfo *mi = vg_hash_get(&by_model, order[i]->first->gpu_model->model);
        if (!mi && order[i]->first->mode == VG_MODE_VGPU)
            continue; /* no host has the profile's GPU model: VG2002 */
        report_shortfall(ctx, cl, cp, order[i], mi ? mi : &none);
    }
}

static const char *failed_text(struct vg_ctx *ctx, const struct vg_failover *f)
{
    return f->nfailed == 1 ? vg_sprintf(ctx->arena, "`%s`", f->failed[0]->name)
                           : vg_sprintf(ctx->arena, "`%s` and `%s`", f->failed[0]->name, f->failed[1]->name);
}

static const char *down_text(struct vg_ctx *ctx, const struct vg_failover *f)
{
    const char *names[3];
    size_t n = f->ndown < 3 ? f->ndown : 3;
    for (size_t j = 0; j < n; j++)
        names[j] = f->down[j]->name;
    return vg_rules_name_list(ctx, names, n, f->ndown);
}

/* One diagnostic per cluster: how many failing host sets leave VMs down, and
   the worst ones (most VMs down; the first of equals) as notes. */
static void check_failover(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_cluster_plan *cp)
{
    if (!cp->nfailovers)
        return;
    size_t worst[FAILOVER_WORST], nworst = 0;
    for (size_t i = 0; i < cp->nfailovers; i++) {
        size_t k = nworst < FAILOVER_WORST ? nworst++ : FAILOVER_WORST;
        while (k > 0 && cp->failovers[worst[k - 1]].ndown < cp->failovers[i].ndown) {
            if (k < FAILOVER_WORST)
                worst[k] = worst[k - 1];
            k--;
        }
        if (k < FAILOVER_WORST)
            worst[k] = i;
    }
    const struct vg_failover *w = &cp->failovers[worst[0]];
    const char *sets = cl->tolerate == 1 ? "single-host failures" : "host sets";
    struct vg_diag *d = vg_diag_emit(
        ctx, VG5003, vg_span_or(cl->tolerate_span, cl->name_span),
        "%zu of the %zu %s tried leave VMs with nowhere to restart; the worst, losing %s, leaves %zu VM%s down: %s",
        cp->nfailovers, cp->nsets_tried, sets, failed_text(ctx, w), w->ndown, w->ndown == 1 ? "" : "s",
        down_text(ctx, w));
    vg_diag_label(ctx, d, "must survive %u host failure%s", cl->tolerate, cl->tolerate == 1 ? "" : "s");
    for (size_t i = 1; i < nworst; i++) {
        const struct vg_failover *f = &cp->failovers[worst[i]];
        vg_diag_note(ctx, d, "losing %s leaves %zu VM%s down: %s", failed_text(ctx, f), f->ndown,
                     f->ndown == 1 ? "" : "s", down_text(ctx, f));
    }
    if (cp->nfailovers > nworst)
        vg_diag_note(ctx, d, "%zu more host sets leave VMs down (`vgpuc plan` lists them)", cp->nfailovers - nworst);
    vg_diag_help(ctx, d,
                 "add GPU capacity, lower `tolerate-host-failures`, or set `migration none` on VMs that "
                 "may stay down");
}

/* VG5004: one report per `vgpu-mode mixed-size` directive that the platform or release cannot do. */
static void check_mixed(struct vg_ctx *ctx, const struct vg_cluster *cl, struct vg_hash *done)
{
    const struct vg_platform *pf = cl->platform;
    if (!pf)
        return;
    for (size_t h = 0; h < cl->nhosts; h++) {
        const struct vg_host *host = cl->hosts[h];
        int own = vg_span_valid(host->vgpu_mode_span);
        enum vg_vgpu_mode mode = own ? host->vgpu_mode : cl->vgpu_mode;
        struct vg_span span = own ? host->vgpu_mode_span : cl->vgpu_mode_span;
        if (mode != VG_VGPU_MIXED_SIZE || !vg_span_valid(span))
            continue;
        const struct vg_release *old = NULL;
        for (size_t i = 0; pf->mixed_size && pf->mixed_size_min && i < host->manager.nrel && !old; i++)
            if (host->manager.rel[i]->num < pf->mixed_size_min)
                old = host->manager.rel[i];
        if (pf->mixed_size && !old)
            continue;
        char key[40];
        snprintf(key, sizeof key, "%u:%u", span.file, span.start);
        if (vg_hash_get(done, key))
            continue;
        vg_hash_put(done, vg_strdup(ctx->arena, key), (void *)1);
        struct vg_diag *d;
        if (!pf->mixed_size) {
            d = vg_diag_emit(ctx, VG5004, span, "`vgpu-mode mixed-size` is not supported on %s %s", pf->family,
                             pf->version);
            vg_diag_help(ctx, d, "use `vgpu-mode same-size` (one profile size per GPU)");
            if (cl->kind == VG_FAMILY_HYPERV)
                vg_diag_note(ctx, d, "NVIDIA marks mixed-size vGPU N/A on Azure Local");
        } else {
            d = vg_diag_emit(ctx, VG5004, span, "`vgpu-mode mixed-size` needs vGPU %u.%u or later; `%s` runs %s",
                             pf->mixed_size_min / 1000, pf->mixed_size_min % 1000, host->name,
                             vg_rules_version_text(ctx, &host->manager));
            vg_diag_help(ctx, d, "upgrade the vGPU Manager to %u.%u or later, or use `vgpu-mode same-size`",
                         pf->mixed_size_min / 1000, pf->mixed_size_min % 1000);
            if (vg_span_valid(host->manager.span))
                vg_diag_span(ctx, d, host->manager.span, "vGPU %s", old->name);
        }
        vg_diag_label(ctx, d, "mixed-size");
        if (vg_span_valid(cl->platform_span))
            vg_diag_span(ctx, d, cl->platform_span, "%s %s", pf->family, pf->version);
    }
}

/* "Q- or C-series" from "QC". */
static const char *series_text(struct vg_ctx *ctx, const char *fs)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (const char *c = fs; *c; c++)
        vg_sb_printf(&sb, "%s%c%s", c == fs ? "" : c[1] ? ", " : " or ", *c, c[1] ? "-" : "-series");
    const char *out = vg_strdup(ctx->arena, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return out;
}

/* VG5005: several vGPUs in one VM where the platform does not allow it. */
static void check_multi(struct vg_ctx *ctx, const struct vg_cluster *cl)
{
    const struct vg_platform *pf = cl->platform;
    if (!pf)
        return;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_vm *vm = cl->vms[i];
        if (vm->mode != VG_MODE_VGPU || !vm->profile || vm->count <= 1)
            continue;
        const char *why = NULL, *help = NULL;
        int full = vm->profile->fb_mb == vm->profile->gpu->fb_mb;
        const char *fs = pf->multi_vgpu_full_fb_series;
        int full_ok = full && fs && strchr(fs, vm->profile->series); /* VMware: Q/C, max frame buffer */
        if (pf->max_vgpus_per_vm && vm->count > pf->max_vgpus_per_vm) {
            why = vg_sprintf(ctx->arena, "%s %s allows %u %s per VM", pf->family, pf->version, pf->max_vgpus_per_vm,
                             cl->kind == VG_FAMILY_HYPERV ? "GPU partition" : "vGPU");
            help = vg_sprintf(ctx->arena, "use one larger profile (`gpu vgpu PROFILE`) or pass-through GPUs");
        } else if (full_ok) {
            /* allowed */
        } else if (pf->multi_vgpu_c_only && vm->profile->series != 'C') {
            why = fs ? vg_sprintf(ctx->arena,
                                  "%s %s allows several vGPUs per VM only for C-series profiles, or for %s profiles "
                                  "that take the whole GPU",
                                  pf->family, pf->version, series_text(ctx, fs))
                     : vg_sprintf(ctx->arena, "%s %s allows several vGPUs per VM only for C-series profiles",
                                  pf->family, pf->version);
            help = fs ? vg_sprintf(ctx->arena,
                                   "use `%s-%uQ` (the whole GPU) or a C-series profile, or one larger "
                                   "profile",
                                   vm->profile->gpu->profile_prefix ? vm->profile->gpu->profile_prefix
                                                                    : vm->profile->gpu->model,
                                   vm->profile->gpu->fb_mb / 1024)
                      : "use a C-series profile, or one larger profile";
        } else if (pf->multi_vgpu_full_fb && !full) {
            why = vg_sprintf(ctx->arena, "%s %s allows several vGPUs per VM only with full-frame-buffer profiles",
                             pf->family, pf->version);
            help = "use the profile that takes the whole GPU";
        } else if (!pf->multi_vgpu_c_only && !pf->multi_vgpu_full_fb && fs && !full_ok) {
            why =
                vg_sprintf(ctx->arena, "%s %s allows several vGPUs per VM only for %s profiles that take the whole GPU",
                           pf->family, pf->version, series_text(ctx, fs));
            help = "use the profile that takes the whole GPU, or one larger profile";
        }
        if (!why)
            continue;
        struct vg_diag *d =
            vg_diag_emit(ctx, VG5005, vg_span_or(vg_vm_at(vm, VG_AT_GPU), vm->name_span),
                         "`%s` asks for %u x `%s`, but %s", vm->name, vm->count, vm->profile->name, why);
        vg_diag_subject(d, vm->name);
        vg_diag_label(ctx, d, "%u vGPUs", vm->count);
        vg_diag_help(ctx, d, "%s", help);
        if (!pf->verified)
            vg_diag_note(ctx, d, "the catalog marks %s %s as unverified", pf->family, pf->version);
    }
}

/*
 * VG5006: GPUs that no VM uses, per host (a range of equal hosts merges).
 * With `tolerate-host-failures`, free GPUs that a failing host set restarts
 * VMs on are the reserve the user asked for; only those beyond it count.
 */
static void check_unused(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_cluster_plan *cp)
{
    /* GPUs left free because a VM could not be read (unknown model or profile,
       a broken `gpu`) or placed are not unused: the errors say why, an info
       would only mislead */
    if (cp->nunplaced || cp->nunread)
        return;
    for (size_t h = 0; h < cl->nhosts; h++)
        for (size_t j = 0; j < cl->hosts[h]->ngpus; j++)
            if (!cl->hosts[h]->gpus[j].model)
                return;
    int reserve = cl->tolerate && cp->nreserve;
    for (size_t h = 0; h < cl->nhosts; h++) {
        size_t nfree = 0, n = cp->host_first[h + 1] - cp->host_first[h];
        for (uint32_t i = cp->host_first[h]; i < cp->host_first[h + 1]; i++)
            nfree += cp->pgpus[i].use == VG_PGPU_FREE && !(reserve && cp->reserve[i]);
        if (!nfree)
            continue;
        const struct vg_host *host = cl->hosts[h];
        struct vg_diag *d = vg_diag_emit(ctx, VG5006, vg_span_or(host->name_span, host->span),
                                         "`%s` has %zu of %zu GPU%s that no VM uses%s", host->name, nfree, n,
                                         n == 1 ? "" : "s", reserve ? ", beyond the failover reserve" : "");
        vg_diag_subject(d, host->name);
        if (reserve)
            vg_diag_note(ctx, d,
                         "the failover reserve of cluster `%s` is the %zu free GPU%s that VMs restart on when %u "
                         "host%s fail%s (the worst failure needs %u); it is not counted here",
                         cl->name, cp->nreserve, cp->nreserve == 1 ? "" : "s", cl->tolerate,
                         cl->tolerate == 1 ? "" : "s", cl->tolerate == 1 ? "s" : "", cp->reserve_worst);
        vg_diag_help(ctx, d, "`vgpuc plan` shows the placement%s; add VMs or remove GPUs",
                     reserve ? " and the reserve" : "");
    }
}

struct capacity_run {
    struct vg_ctx *ctx;
    const struct vg_model *m;
    const struct vg_plan *p;
    struct vg_hash done; /* check_mixed: what was reported, across clusters */
};

static void *capacity_begin(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    struct capacity_run *st = vg_alloc(ctx->arena, sizeof *st);
    st->ctx = ctx;
    st->m = m;
    st->p = p;
    vg_hash_init(&st->done, ctx->arena);
    return st;
}

static void capacity_cluster(void *state, size_t k)
{
    struct capacity_run *st = state;
    const struct vg_cluster *cl = st->m->clusters[k];
    check_mixed(st->ctx, cl, &st->done);
    check_multi(st->ctx, cl);
    if (!st->p || k >= st->p->nclusters)
        return;
    check_placement(st->ctx, cl, &st->p->clusters[k]);
    check_failover(st->ctx, cl, &st->p->clusters[k]);
}

const struct vg_rule_family vg_rules_capacity = {capacity_begin, capacity_cluster};

/* Runs after every other family: a cluster in a file with an error gets no
 * VG5006 info, because its plan is not yet what the file means. */
void vg_rules_unused(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    unsigned char *has_error = vg_alloc_array(ctx->arena, ctx->sources.n + 1, 1);
    for (size_t i = 0; i < ctx->diags.n; i++)
        if (ctx->diags.v[i]->level == VG_LEVEL_ERROR && ctx->diags.v[i]->span.file <= ctx->sources.n)
            has_error[ctx->diags.v[i]->span.file] = 1;
    for (size_t k = 0; k < m->nclusters && k < p->nclusters; k++)
        if (!has_error[m->clusters[k]->span.file])
            check_unused(ctx, m->clusters[k], &p->clusters[k]);
}
