/*
 * platform.c - VG6001-VG6010: what the platform version supports and how the
 * hosts and VMs are configured for it.
 *
 * The support tables (GPU models per mode, Generation 2 only, partition
 * counts, large-BAR GPUs) are catalog data, with their sources in the
 * `source:` fields of catalog/platforms.yaml and catalog/gpus.yaml; the
 * fixed facts: GPU-P needs the same GPU model on every host
 * (learn.microsoft.com/windows-server/virtualization/hyper-v/partition-assign-vm-gpu),
 * low MMIO is a UInt32 of bytes (the Set-VM reference), EFI for large-BAR
 * GPUs (docs.nvidia.com/ai-enterprise/release-6/latest/appendix/vgpu.html)
 * and Shared Direct for vGPU on ESXi
 * (docs.nvidia.com/ai-enterprise/latest/user-guide/index.html).
 */
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

#include "catalog/aging.h"
#include "catalog/catalog.h"
#include "base/strbuf.h"

static const char *model_list(struct vg_ctx *ctx, const char *const *models, size_t n)
{
    return n ? vg_join(ctx->arena, models, n, "") : "none";
}

static void once_per_span(struct vg_hash *done, struct vg_ctx *ctx, struct vg_span s, int *first)
{
    char key[40];
    snprintf(key, sizeof key, "%u:%u", s.file, s.start);
    *first = !vg_hash_get(done, key);
    if (*first)
        vg_hash_put(done, vg_strdup(ctx->arena, key), (void *)1);
}

/* VG6004: one VM with both a pass-through GPU and a vGPU. */
static void check_both_modes(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    if (!vm->also_other_mode)
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG6004, vg_span_or(vg_vm_at(vm, VG_AT_GPU), vm->name_span),
                                     "`%s` has both a pass-through GPU and a vGPU", vm->name);
    vg_diag_subject(d, vm->name);
    vg_diag_note(ctx, d, "one VM uses either whole GPUs or vGPUs, and one GPU is either passed through or shared");
    vg_diag_help(ctx, d, "keep one `gpu` line: `gpu vgpu PROFILE` or `gpu passthrough MODEL`");
}

/* The last supported (platform, mode, model) seen: VMs in a row mostly ask the
 * same, and the answer compares model names. */
struct supported {
    const struct vg_platform *pf;
    const struct vg_gpu *model;
    enum vg_gpu_mode mode;
};

/* VG6001: the VM's GPU model in its mode, against what the platform version supports. */
static void check_model_supported(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm,
                                  struct supported *last)
{
    const struct vg_platform *pf = cl->platform;
    if (!pf || !vm->gpu_model || vm->mode == VG_MODE_NONE)
        return;
    if (last->pf == pf && last->model == vm->gpu_model && last->mode == vm->mode)
        return;
    int hyperv = cl->kind == VG_FAMILY_HYPERV;
    int pt = vm->mode == VG_MODE_PASSTHROUGH;
    const char *const *list = pt ? pf->passthrough_models : pf->vgpu_models;
    size_t n = pt ? pf->npassthrough_models : pf->nvgpu_models;
    if (vg_platform_supports(list, n, vm->gpu_model->model)) {
        last->pf = pf;
        last->model = vm->gpu_model;
        last->mode = vm->mode;
        return;
    }
    const char *mode = pt ? (hyperv ? "DDA (pass-through)" : "DirectPath I/O (pass-through)")
                          : (hyperv ? "GPU partitioning (GPU-P)" : "vGPU");
    struct vg_diag *d = vg_diag_emit(ctx, VG6001, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                                     "%s does not support %s on %s %s (`%s`)", vm->gpu_model->model, mode, pf->family,
                                     pf->version, vm->name);
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "%s", vm->gpu_model->model);
    if (vg_span_valid(cl->platform_span))
        vg_diag_span(ctx, d, cl->platform_span, "%s %s", pf->family, pf->version);
    vg_diag_note(ctx, d, "%s %s supports %s for: %s", pf->family, pf->version, mode, model_list(ctx, list, n));
    if (!pt && vg_platform_supports(pf->passthrough_models, pf->npassthrough_models, vm->gpu_model->model))
        vg_diag_help(ctx, d, "use `gpu passthrough %s`, or a supported GPU model", vm->gpu_model->model);
    else
        vg_diag_help(ctx, d, "use a GPU model that the platform version supports for this mode");
    if (!pf->verified)
        vg_diag_note(ctx, d, "the catalog marks %s %s as unverified", pf->family, pf->version);
}

/* VG6006: a large-BAR GPU on ESXi in a VM that boots with BIOS. */
static void check_efi(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    if (cl->kind != VG_FAMILY_VSPHERE || vm->firmware != VG_FW_BIOS || !vm->gpu_model || !vm->gpu_model->large_bar ||
        !(vm->mode == VG_MODE_PASSTHROUGH || (vm->mode == VG_MODE_VGPU && vm->profile && vm->profile->series == 'C')))
        return;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG6006, vg_span_or(vg_vm_at(vm, VG_AT_FIRMWARE), vm->name_span),
                     "`%s` boots with BIOS, but its %s %s needs EFI firmware and 64-bit MMIO", vm->name,
                     vm->gpu_model->model, vm->mode == VG_MODE_PASSTHROUGH ? "pass-through GPU" : "C-series vGPU");
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "`firmware bios`");
    if (vg_span_valid(vg_vm_at(vm, VG_AT_GPU)))
        vg_diag_span(ctx, d, vg_vm_at(vm, VG_AT_GPU), "large-BAR GPU");
    vg_diag_note(ctx, d, "GPUs with a BAR1 larger than 256 MB map their memory above 4 GB, which needs EFI");
    vg_diag_help(ctx, d, "use `firmware efi` (the default)");
    if (!vm->gpu_model->mmio_verified)
        vg_diag_note(ctx, d, "the catalog's large-BAR data for %s is derived, not sourced (unverified)",
                     vm->gpu_model->model);
}

/* VG6007: a low MMIO space that Hyper-V cannot take. */
static void check_low_mmio(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    if (cl->kind != VG_FAMILY_HYPERV || vm->mmio_low < (4ull << 30))
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG6007, vg_span_or(vg_vm_at(vm, VG_AT_MMIO), vm->name_span),
                                     "low MMIO space of `%s` is %llu MiB: Hyper-V takes at most 4095 MiB", vm->name,
                                     (unsigned long long)(vm->mmio_low >> 20));
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "4 GiB or more");
    vg_diag_note(ctx, d, "Set-VM -LowMemoryMappedIoSpace is a UInt32 (bytes)");
    vg_diag_help(ctx, d, "use a low MMIO below 4GB (3GB is the DDA guidance) and put the rest in `high`");
}

/* VG6008: a generation 1 GPU VM where GPU VMs must be generation 2. */
static void check_generation(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm)
{
    const struct vg_platform *pf = cl->platform;
    if (!pf || !pf->gpu_vm_gen2_only || vm->generation != 1 || vm->mode == VG_MODE_NONE)
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG6008, vg_span_or(vg_vm_at(vm, VG_AT_GENERATION), vm->name_span),
                                     "`%s` is a generation 1 VM, but GPU VMs on %s %s must be generation 2", vm->name,
                                     pf->family, pf->version);
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "`generation 1`");
    vg_diag_help(ctx, d, "use `generation 2` (the default)");
}

/* The checks of one VM, one per rule, in this order. */
static void check_vm(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *vm, struct supported *last)
{
    check_both_modes(ctx, cl, vm);
    check_model_supported(ctx, cl, vm, last);
    check_efi(ctx, cl, vm);
    check_low_mmio(ctx, cl, vm);
    check_generation(ctx, cl, vm);
}

/* VG6002, one VM: a GPU-P VM on another GPU model than the cluster's first. */
static void check_gpu_p_model(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *first,
                              const struct vg_vm *vm)
{
    if (vm->gpu_model == first->gpu_model)
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG6002, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                                     "GPU-P cluster `%s` uses %s GPUs for `%s` and %s GPUs for `%s`", cl->name,
                                     vm->gpu_model->model, vm->name, first->gpu_model->model, first->name);
    vg_diag_subject(d, vm->name);
    vg_diag_span(ctx, d, vg_vm_at(first, VG_AT_GPU_ARG), "%s", first->gpu_model->model);
    vg_diag_note(ctx, d, "GPU partitioning needs the same GPU make, model and partition count on every host");
    vg_diag_help(ctx, d, "use one GPU model for GPU-P in this cluster (other models only for pass-through)");
}

/* VG6003, one VM: a GPU-P partition of another size than the cluster's first
 * (reported once per cluster, *reported). */
static void check_gpu_p_size(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *first,
                             const struct vg_vm *vm, int *reported)
{
    if (vm->gpu_model != first->gpu_model || vm->profile->fb_mb == first->profile->fb_mb || *reported)
        return;
    *reported = 1;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG6003, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                     "GPU-P cluster `%s` uses partitions of two sizes: `%s` (%u MB) and `%s` "
                     "(%u MB)",
                     cl->name, vm->profile->name, vm->profile->fb_mb, first->profile->name, first->profile->fb_mb);
    vg_diag_span(ctx, d, vg_vm_at(first, VG_AT_GPU_ARG), "`%s`", first->profile->name);
    vg_diag_note(ctx, d,
                 "every GPU of a GPU-P cluster has the same partition count, so every partition "
                 "has the same size");
    vg_diag_help(ctx, d, "use one profile size for all GPU-P VMs of the cluster");
}

/* VG6002: a host of a GPU-P cluster whose GPUs are not the GPU-P model. */
static void check_gpu_p_hosts(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *first)
{
    const struct vg_gpu *g = first->gpu_model;
    /* no host has the profile's GPU at all: the profile is wrong, not the hosts
       (VG2002 says so); "give every host L40 GPUs" would mislead */
    int any = 0;
    for (size_t h = 0; h < cl->nhosts && !any; h++)
        for (size_t l = 0; l < cl->hosts[h]->ngpus && !any; l++)
            any = cl->hosts[h]->gpus[l].model == g;
    for (size_t h = 0; any && h < cl->nhosts; h++) {
        const struct vg_host *host = cl->hosts[h];
        if (!host->ngpus || !host->gpus[0].model)
            continue;
        size_t l = 0;
        while (l < host->ngpus && host->gpus[l].model != g)
            l++;
        if (l < host->ngpus)
            continue;
        struct vg_diag *d = vg_diag_emit(ctx, VG6002, vg_span_or(host->gpus[0].span, host->name_span),
                                         "host `%s` of GPU-P cluster `%s` has %s GPUs, the other hosts %s", host->name,
                                         cl->name, host->gpus[0].model->model, g->model);
        vg_diag_subject(d, host->name);
        vg_diag_note(ctx, d, "GPU partitioning needs the same GPU make, model and partition count on every host");
        vg_diag_help(ctx, d, "give every host of the cluster %s GPUs", g->model);
    }
}

/* VG6003: `gpu-partitions` against the model's valid counts and the partition size. */
static void check_gpu_p_partitions(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct vg_vm *first)
{
    const struct vg_gpu *g = first->gpu_model;
    uint32_t parts = cl->gpu_partitions;
    if (!parts)
        return;
    int valid = !g->npartition_counts;
    for (size_t i = 0; i < g->npartition_counts; i++)
        valid |= g->partition_counts[i] == parts;
    if (!valid) {
        char buf[128] = "";
        for (size_t i = 0; i < g->npartition_counts; i++) {
            size_t len = strlen(buf);
            snprintf(buf + len, sizeof buf - len, "%s%u", i ? ", " : "", g->partition_counts[i]);
        }
        struct vg_diag *d = vg_diag_emit(ctx, VG6003, vg_span_or(cl->partitions_span, cl->name_span),
                                         "`gpu-partitions %u` is not a valid partition count of %s", parts, g->model);
        vg_diag_label(ctx, d, "valid: %s", buf);
        uint32_t fit = first->profile->fb_mb ? g->fb_mb / first->profile->fb_mb : 0;
        int fit_valid = 0;
        for (size_t i = 0; i < g->npartition_counts; i++)
            fit_valid |= g->partition_counts[i] == fit;
        if (fit_valid)
            vg_diag_help(ctx, d,
                         "use `gpu-partitions %u`: %u partitions of %u MB fit the `%s` VMs (valid: %s; "
                         "Get-VMHostPartitionableGpu shows ValidPartitionCounts)",
                         fit, fit, first->profile->fb_mb, first->profile->name, buf);
        else
            vg_diag_help(ctx, d, "use one of %s (Get-VMHostPartitionableGpu shows ValidPartitionCounts)", buf);
        if (!g->partition_counts_verified)
            vg_diag_note(ctx, d, "the catalog's partition counts of %s are derived, not sourced (unverified)",
                         g->model);
    } else if ((uint64_t)first->profile->fb_mb * parts > g->fb_mb) {
        struct vg_diag *d = vg_diag_emit(ctx, VG6003, vg_span_or(cl->partitions_span, cl->name_span),
                                         "`gpu-partitions %u` does not fit `%s`: %u x %u MB is more than the %u MB of "
                                         "one %s GPU",
                                         parts, first->profile->name, parts, first->profile->fb_mb, g->fb_mb, g->model);
        vg_diag_span(ctx, d, vg_vm_at(first, VG_AT_GPU_ARG), "`%s`", first->profile->name);
        vg_diag_help(ctx, d, "use at most %u partitions for `%s`", g->fb_mb / first->profile->fb_mb,
                     first->profile->name);
    }
}

/* GPU-P on the Hyper-V family: the first vGPU VM sets the cluster's model and
 * partition size, and every check compares with it (VG6002, VG6003). */
static void check_gpu_p(struct vg_ctx *ctx, const struct vg_cluster *cl)
{
    const struct vg_vm *first = NULL;
    int size_reported = 0;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_vm *vm = cl->vms[i];
        if (vm->mode != VG_MODE_VGPU || !vm->profile)
            continue;
        if (!first) {
            first = vm;
            continue;
        }
        check_gpu_p_model(ctx, cl, first, vm);
        check_gpu_p_size(ctx, cl, first, vm, &size_reported);
    }
    if (!first)
        return;
    check_gpu_p_hosts(ctx, cl, first);
    check_gpu_p_partitions(ctx, cl, first);
}

/* VG6005: ESXi hosts in Shared graphics mode with vGPU VMs in the cluster. */
static void check_graphics(struct vg_ctx *ctx, const struct vg_cluster *cl, struct vg_hash *done)
{
    const struct vg_vm *vgpu = NULL;
    for (size_t i = 0; i < cl->nvms && !vgpu; i++)
        if (cl->vms[i]->mode == VG_MODE_VGPU)
            vgpu = cl->vms[i];
    if (!vgpu)
        return;
    for (size_t h = 0; h < cl->nhosts; h++) {
        const struct vg_host *host = cl->hosts[h];
        int own = vg_span_valid(host->graphics_span);
        if ((own ? host->graphics : cl->graphics) != VG_GRAPHICS_SHARED)
            continue;
        struct vg_span s = own ? host->graphics_span : cl->graphics_span;
        int first;
        once_per_span(done, ctx, s, &first);
        if (!first)
            continue;
        int cluster_wide = !own || (s.file == cl->graphics_span.file && s.start == cl->graphics_span.start);
        struct vg_diag *d = vg_diag_emit(ctx, VG6005, vg_span_or(s, host->name_span),
                                         "%s `%s` use%s host graphics type Shared, but vGPU VMs such as `%s` need "
                                         "Shared Direct",
                                         cluster_wide ? "the hosts of cluster" : "host",
                                         cluster_wide ? cl->name : host->name, cluster_wide ? "" : "s", vgpu->name);
        vg_diag_label(ctx, d, "`graphics shared`");
        vg_diag_note(ctx, d, "Shared is vSGA; NVIDIA vGPU needs the Shared Direct graphics type");
        vg_diag_help(ctx, d, "use `graphics shared-direct` (the default)");
    }
}

/* VG6011: the vCenter a cluster names is older than its ESXi hosts. */
static void check_vcenter(struct vg_ctx *ctx, const struct vg_cluster *cl)
{
    const struct vg_platform *pf = cl->platform;
    if (!cl->vcenter || !pf || cl->kind != VG_FAMILY_VSPHERE)
        return;
    int c = vg_version_cmp(cl->vcenter, pf->version);
    if (c != -1)
        return; /* same, newer, or not comparable (then VG1003 or nothing to say) */
    struct vg_diag *d =
        vg_diag_emit(ctx, VG6011, cl->vcenter_span, "vCenter %s is older than the ESXi %s hosts of cluster `%s`",
                     cl->vcenter, pf->version, cl->name);
    vg_diag_label(ctx, d, "vCenter %s", cl->vcenter);
    if (vg_span_valid(cl->platform_span))
        vg_diag_span(ctx, d, cl->platform_span, "ESXi %s", pf->version);
    vg_diag_note(ctx, d,
                 "VMware: the vCenter Server version must be the same as or higher than the ESXi hosts it "
                 "manages; a vCenter of an older major version cannot manage the hosts at all");
    vg_diag_help(ctx, d, "upgrade vCenter to %s or later first, then the hosts", pf->version);
}

/* VG6010: more hosts than one cluster of the platform may have. */
static void check_size(struct vg_ctx *ctx, const struct vg_cluster *cl)
{
    enum vg_family fam = cl->platform ? cl->platform->kind : cl->kind;
    uint32_t max = vg_cluster_max_hosts(fam);
    if (!fam || cl->nhosts <= max)
        return;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG6010, cl->name_span, "cluster `%s` has %zu hosts; a %s cluster has at most %u", cl->name,
                     cl->nhosts, fam == VG_FAMILY_HYPERV ? "Windows Server failover" : "vSphere", max);
    if (cl->tolerate == 2)
        vg_diag_note(ctx, d, "its `tolerate-host-failures 2` check (every pair of hosts) was skipped");
    vg_diag_help(ctx, d, "split the hosts into clusters of at most %u", max);
}

/* VG6009: `vm-management arc` on a version without Azure Local VMs; the
 * versions that have them are catalog data (`arc-vms`). */
static void check_arc(struct vg_ctx *ctx, const struct vg_cluster *cl)
{
    const struct vg_platform *pf = cl->platform;
    if (!cl->arc || !pf || pf->arc_vms)
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG6009, vg_span_or(cl->arc->span, cl->name_span),
                                     "cluster `%s` declares Azure Local VMs enabled by Azure Arc, but %s %s has no "
                                     "Azure Local VM management",
                                     cl->name, pf->family, pf->version);
    vg_diag_label(ctx, d, "`vm-management arc`");
    if (vg_span_valid(cl->platform_span))
        vg_diag_span(ctx, d, cl->platform_span, "%s %s", pf->family, pf->version);
    /* the first version of each family that has them: platforms are sorted by family, then order */
    char buf[256] = "";
    const char *last = NULL;
    const struct vg_catalog *cat = ctx->catalog;
    for (size_t i = 0; cat && i < cat->nplatforms; i++) {
        const struct vg_platform *q = cat->platforms[i];
        if (!q->arc_vms || (last && strcmp(last, q->family) == 0))
            continue;
        last = q->family;
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s`%s` %s and later", *buf ? ", " : "", q->family, q->version);
    }
    if (*buf)
        vg_diag_note(ctx, d, "Azure Local VMs enabled by Azure Arc exist on %s", buf);
    vg_diag_help(ctx, d,
                 "remove `vm-management` to manage the VMs with the Hyper-V cmdlets, or correct the "
                 "`platform`");
}

struct platform_run {
    struct vg_ctx *ctx;
    const struct vg_model *m;
    struct vg_hash done;   /* check_graphics: what was reported, across clusters */
    struct supported last; /* check_vm: the last answer, across clusters */
};

static void *platform_begin(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    (void)p;
    struct platform_run *st = vg_alloc(ctx->arena, sizeof *st);
    st->ctx = ctx;
    st->m = m;
    vg_hash_init(&st->done, ctx->arena);
    st->last = (struct supported){NULL, NULL, VG_MODE_NONE};
    return st;
}

static void platform_cluster(void *state, size_t k)
{
    struct platform_run *st = state;
    struct vg_ctx *ctx = st->ctx;
    const struct vg_cluster *cl = st->m->clusters[k];
    check_size(ctx, cl);
    for (size_t i = 0; i < cl->nvms; i++)
        check_vm(ctx, cl, cl->vms[i], &st->last);
    if (cl->kind == VG_FAMILY_HYPERV)
        check_gpu_p(ctx, cl);
    check_arc(ctx, cl);
    if (cl->kind == VG_FAMILY_VSPHERE) {
        check_graphics(ctx, cl, &st->done);
        check_vcenter(ctx, cl);
    }
}

const struct vg_rule_family vg_rules_platform = {platform_begin, platform_cluster};
