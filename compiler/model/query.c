/*
 * query.c - questions asked of the built model: cluster size limits, a VM's
 * MMIO space, where a VM may run, and the names of its modes.
 */
#include "model/model.h"

#include <stddef.h>

/* The platforms' own cluster sizes (codes.def VG6010 gives the sources). */
static const struct {
    enum vg_family family;
    uint32_t max_hosts;
} cluster_limits[] = {
    {VG_FAMILY_HYPERV, 64},  /* Hyper-V scalability in Windows Server: nodes per cluster */
    {VG_FAMILY_VSPHERE, 96}, /* vSphere 7.0/8.0 configuration maximums: hosts per cluster */
};

uint32_t vg_cluster_max_hosts(enum vg_family family)
{
    uint32_t most = 0;
    for (size_t i = 0; i < sizeof cluster_limits / sizeof *cluster_limits; i++) {
        if (cluster_limits[i].family == family)
            return cluster_limits[i].max_hosts;
        if (cluster_limits[i].max_hosts > most)
            most = cluster_limits[i].max_hosts;
    }
    return most;
}

void vg_vm_mmio(const struct vg_vm *vm, uint64_t *low, uint64_t *high)
{
    int dda = vm->mode == VG_MODE_PASSTHROUGH;
    *low = vm->mmio_low ? vm->mmio_low : dda ? 3ull << 30 : 1ull << 30;
    *high = vm->mmio_high ? vm->mmio_high : dda ? 33280ull << 20 : 32ull << 30;
}

int vg_vm_may_run_on(const struct vg_vm *vm, const struct vg_host *h)
{
    if (h->cluster != vm->cluster)
        return 0;
    if (vm->pin && vm->pin != h)
        return 0;
    if (!vm->nallowed)
        return !vg_vm_at(vm, VG_AT_HOSTS).file; /* `hosts` whose names all failed: nowhere */
    for (size_t i = 0; i < vm->nallowed; i++)
        if (vm->allowed[i] == h)
            return 1;
    return 0;
}

const char *vg_mode_name(enum vg_gpu_mode m)
{
    switch (m) {
    case VG_MODE_VGPU: return "vgpu";
    case VG_MODE_PASSTHROUGH: return "passthrough";
    default: return "none";
    }
}

const char *vg_migration_name(enum vg_migration m)
{
    switch (m) {
    case VG_MIG_LIVE: return "live";
    case VG_MIG_NONE: return "none";
    default: return "restart";
    }
}
