/*
 * vmware.c - the VMware ESXi / vCenter deployment script (`vgpuc build
 * --target vmware`), for PowerCLI (VMware.VimAutomation.Core).
 *
 * The script is a reconciler whose logic is PowerShell, in
 * backends/powershell/vmware.ps1, embedded at build time. This file writes
 * only what differs per cluster: the header and parameters, the declared
 * data (the cluster, each host's GPUs and the ones the plan gives to
 * DirectPath I/O, each GPU VM with its device, memory, MMIO and firmware
 * needs) as single-quoted literals, and the one call of Invoke-VgpucVmware.
 */
#include <string.h>

#include "ps.h"

static const char *const params[] = {
    "# The vCenter to connect to; every PowerCLI call uses this one connection.",
    "[Parameter(Mandatory)]",
    "[string]$Server,",
    "[pscredential]$Credential,",
    "# Limit the change phase to these VMs / hosts (exact names; the pre-flight still reads everything).",
    "[string[]]$VMName = @(),",
    "[string[]]$HostName = @(),",
    "# Remove the GPU devices of VMs the file does not declare (the VMs are kept).",
    "[switch]$RemoveUndeclared,",
    "# Seconds to wait for a guest to shut down before giving up (it is never powered off).",
    "[int]$ShutdownTimeoutSeconds = 600,",
    "# Write a JSON record of the plan, each step and its result to this file.",
    "[string]$LogPath",
    NULL,
};

/* ESXi pciPassthru.64bitMMIOSizeGB: the per-GPU size times the GPUs, rounded
 * up to a power of two (the sizing rule of frankdenneman.nl/2023/05/30/
 * vsphere-ml-accelerator-spectrum-deep-dive-esxi-host-bios-vm-and-vcenter-settings). */
static uint32_t mmio64_size(uint32_t per_gpu, uint32_t count)
{
    uint64_t want = (uint64_t)per_gpu * (count ? count : 1), r = 1;
    while (r < want)
        r <<= 1;
    return (uint32_t)r;
}

/* 64-bit MMIO a VM needs, in GB (0 = none): large-BAR pass-through GPUs, and
 * C-series vGPUs, which NVIDIA documents as needing 64-bit MMIO (at least
 * 64 GB) and EFI on ESXi (docs.nvidia.com/ai-enterprise/release-6/latest/appendix/vgpu.html). */
static uint32_t vm_mmio64(const struct vg_vm *vm)
{
    const struct vg_gpu *g = vm->gpu_model;
    if (vm->mode == VG_MODE_PASSTHROUGH && g->large_bar && g->mmio64_gb)
        return mmio64_size(g->mmio64_gb, vm->count);
    if (vm->mode == VG_MODE_VGPU && vm->profile && vm->profile->series == 'C')
        return mmio64_size(g->mmio64_gb > 64 ? g->mmio64_gb : 64, vm->count);
    return 0;
}

static void lower_into(struct vg_strbuf *sb, const char *s)
{
    for (; *s; s++)
        vg_sb_putc(sb, (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s));
}

/* Hosts that may run a vGPU VM: the pinned or allowed hosts of vGPU VMs, and
 * every host with the GPU model of an unpinned vGPU VM. */
static void mark_vgpu_hosts(struct vg_arena *a, const struct vg_cluster *c, unsigned char *mark)
{
    struct vg_hash models;
    vg_hash_init(&models, a);
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        if (vm->mode != VG_MODE_VGPU || !vm->gpu_model)
            continue;
        if (vm->pin)
            mark[vm->pin->index] = 1;
        else if (vm->nallowed)
            for (size_t k = 0; k < vm->nallowed; k++)
                mark[vm->allowed[k]->index] = 1;
        else
            vg_hash_put(&models, vm->gpu_model->model, (void *)vm->gpu_model);
    }
    for (size_t i = 0; i < c->nhosts; i++)
        for (size_t g = 0; g < c->hosts[i]->ngpus; g++)
            if (c->hosts[i]->gpus[g].model && vg_hash_get(&models, c->hosts[i]->gpus[g].model->model))
                mark[i] = 1;
}

/* `VendorId = 0x10DE; DeviceId = 0x26B5`, or $null when the catalog has no verified ids;
 * then the PCI subsystem, which the catalog holds only where two models share a device
 * id (A2 and A16: 10DE:25B6), or $null. */
static void pci_ids(struct vg_strbuf *sb, const struct vg_gpu *g)
{
    if (g && g->vendor_id && g->device_id)
        vg_sb_printf(sb, "VendorId = 0x%04X; DeviceId = 0x%04X", g->vendor_id, g->device_id);
    else
        vg_sb_puts(sb, "VendorId = $null; DeviceId = $null");
    if (g && g->vendor_id && g->device_id && g->subvendor_id && g->subdevice_id)
        vg_sb_printf(sb, "; SubVendorId = 0x%04X; SubDeviceId = 0x%04X", g->subvendor_id, g->subdevice_id);
    else
        vg_sb_puts(sb, "; SubVendorId = $null; SubDeviceId = $null");
}

/* One host's GPUs per model, and how many of each the plan gives to DirectPath I/O. */
static void emit_host_gpus(struct vg_strbuf *sb, const struct vg_host *h, const struct vg_cluster_plan *p)
{
    uint32_t first = p->host_first ? p->host_first[h->index] : 0;
    vg_sb_puts(sb, "; Gpus = @(");
    for (size_t g = 0; g < h->ngpus; g++) {
        const struct vg_gpu *m = h->gpus[g].model;
        if (!m)
            continue;
        vg_sb_puts(sb, g ? ", [pscustomobject]@{ Model = " : "[pscustomobject]@{ Model = ");
        vg_ps_string(sb, m->model);
        vg_sb_puts(sb, "; ");
        pci_ids(sb, m);
        vg_sb_printf(sb, "; FbMb = %u; Count = %u }", m->fb_mb,
                     h->gpus[g].boards * (m->gpus_per_board ? m->gpus_per_board : 1));
    }
    vg_sb_puts(sb, "); Passthrough = @(");
    for (size_t g = 0, any = 0; g < h->ngpus; g++) {
        const struct vg_gpu *m = h->gpus[g].model;
        uint32_t n = 0;
        if (!m)
            continue;
        for (uint32_t k = 0; p->pgpus && k < h->npgpus && first + k < p->npgpus; k++)
            if (p->pgpus[first + k].use == VG_PGPU_PASSTHROUGH && p->pgpus[first + k].model == m)
                n++;
        if (!n)
            continue;
        vg_sb_puts(sb, any++ ? ", [pscustomobject]@{ Model = " : "[pscustomobject]@{ Model = ");
        vg_ps_string(sb, m->model);
        vg_sb_puts(sb, "; ");
        pci_ids(sb, m);
        vg_sb_printf(sb, "; Count = %u }", n);
    }
    vg_sb_puts(sb, ")");
}

/* One VM of $VgpucVms (none for a VM without a GPU). */
static void emit_vm(struct vg_strbuf *sb, const struct vg_vm *vm, const struct vg_cluster_plan *p,
                    struct vg_ps_owners *own)
{
    const struct vg_placement *pl = p->place ? &p->place[vm->index] : NULL;
    const struct vg_gpu *g = vm->gpu_model;
    int pt = vm->mode == VG_MODE_PASSTHROUGH;
    if (vm->mode == VG_MODE_NONE || !g)
        return;
    uint32_t mmio = vm_mmio64(vm);
    vg_sb_puts(sb, "    [pscustomobject]@{ Name = ");
    vg_ps_string(sb, vm->name);
    vg_sb_printf(sb, "; Mode = '%s'; Count = %u; Profile = ", pt ? "passthrough" : "vgpu", vm->count ? vm->count : 1);
    if (!pt && vm->profile) {
        struct vg_strbuf prof;
        vg_sb_init(&prof);
        vg_sb_puts(&prof, "grid_");
        lower_into(&prof, vm->profile->name);
        vg_ps_string(sb, vg_sb_str(&prof));
        vg_sb_free(&prof);
    } else {
        vg_sb_puts(sb, "$null");
    }
    vg_sb_puts(sb, "; Host = ");
    if (pl && pl->host)
        vg_ps_string(sb, pl->host->name);
    else
        vg_sb_puts(sb, "$null");
    vg_sb_printf(sb, "; Pinned = %s; Owners = %s; GpuModel = ", vg_ps_bool(vm->pin || vm->nallowed),
                 vg_ps_owners_of(own, vm));
    vg_ps_string(sb, g->model);
    vg_sb_puts(sb, "; ");
    pci_ids(sb, pt ? g : NULL);
    /* The vGPU's size and per-GPU maxima for the capacity pre-flight (0: not checked,
     * as for MIG-backed profiles, whose compute slices the script does not model). */
    const struct vg_profile *pr = !pt && vm->profile && !vm->profile->mig ? vm->profile : NULL;
    vg_sb_printf(sb, "; ProfileFbMb = %u; ProfileMax = %u; ProfileMaxMixed = %u", pr ? pr->fb_mb : 0,
                 pr ? pr->max_same : 0, pr ? pr->max_mixed : 0);
    /* Firmware: the declared one (language default efi); Efi: the GPU needs it. */
    vg_sb_printf(sb, "; MemoryMB = %llu; Mmio64Gb = %u; Efi = %s; Firmware = '%s' }\n",
                 (unsigned long long)(vm->memory_bytes / (1024u * 1024u)), mmio,
                 vg_ps_bool(mmio > 0 || (vg_vm_at(vm, VG_AT_FIRMWARE).file && vm->firmware == VG_FW_EFI)),
                 vm->firmware == VG_FW_BIOS ? "bios" : "efi");
}

static void emit_data(const struct vg_ctx *ctx, struct vg_strbuf *sb, const struct vg_cluster *c,
                      const struct vg_cluster_plan *p)
{
    unsigned char *mark = vg_alloc(ctx->arena, c->nhosts + 1);
    struct vg_ps_owners *own = vg_ps_owners_new(ctx->arena, c);
    int hotmigrate = 0;

    mark_vgpu_hosts(ctx->arena, c, mark);
    for (size_t i = 0; i < c->nvms; i++)
        if (c->vms[i]->mode == VG_MODE_VGPU && c->vms[i]->migration == VG_MIG_LIVE)
            hotmigrate = 1;
    vg_sb_puts(sb, "\n# --- What the .vgpu file declares (names are literals, never code) ---\n");
    vg_sb_puts(sb, "$VgpucCluster = [pscustomobject]@{ Name = ");
    vg_ps_string(sb, c->name);
    vg_sb_printf(sb, "; HotMigrate = %s }\n", vg_ps_bool(hotmigrate));
    vg_sb_puts(sb, "$VgpucHosts = @(\n");
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct vg_host *h = c->hosts[i];
        const char *drv = vg_ps_host_driver(h);
        vg_sb_puts(sb, "    [pscustomobject]@{ Name = ");
        vg_ps_string(sb, h->name);
        vg_sb_puts(sb, "; Driver = ");
        if (drv)
            vg_ps_string(sb, drv);
        else
            vg_sb_puts(sb, "$null");
        /* Graphics: the host default graphics type the script sets, where the file
         * declares it (`graphics`, cluster or host) or the host may run vGPU VMs. */
        int vgpu_host = mark[i] && h->graphics == VG_GRAPHICS_SHARED_DIRECT;
        vg_sb_printf(sb, "; VgpuHost = %s; VgpuMode = '%s'; Graphics = %s", vg_ps_bool(vgpu_host),
                     h->vgpu_mode == VG_VGPU_MIXED_SIZE ? "mixedSize" : "sameSize",
                     vgpu_host || vg_span_valid(h->graphics_span)
                         ? (h->graphics == VG_GRAPHICS_SHARED ? "'shared'" : "'sharedDirect'")
                         : "$null");
        emit_host_gpus(sb, h, p);
        vg_sb_puts(sb, " }\n");
    }
    vg_sb_puts(sb, ")\n$VgpucVms = @(\n");
    for (size_t i = 0; i < c->nvms; i++)
        emit_vm(sb, c->vms[i], p, own);
    vg_sb_puts(sb, ")\n");
}

static const char *const runtime[] = {"common.ps1", "vmware.ps1", NULL};

static const char *const entry[] = {
    "",
    "# --- Run: pre-flight, plan, changes, summary (backends/powershell/vmware.ps1) ---",
    "$VgpucArgs = @{",
    "    Cluster = $VgpucCluster; Hosts = $VgpucHosts; Vms = $VgpucVms",
    "    Server = $Server; Credential = $Credential; VMName = $VMName; HostName = $HostName",
    "    RemoveUndeclared = $RemoveUndeclared; ShutdownTimeoutSeconds = $ShutdownTimeoutSeconds; LogPath = $LogPath",
    "}",
    "exit (Invoke-VgpucVmware @VgpucArgs)",
    NULL,
};

void vg_emit_vmware(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                    const struct vg_emit_info *info, struct vg_strbuf *out)
{
    const char *modules[] = {"VMware.VimAutomation.Core"};
    struct vg_ps_header hd;

    memset(&hd, 0, sizeof hd);
    hd.info = info;
    hd.cluster = c->name;
    hd.platform = vg_sprintf(ctx->arena, "%s %s", c->family ? c->family : "?", c->version ? c->version : "?");
    hd.target = "vmware";
    hd.releases = vg_ps_releases(ctx->arena, c);
    hd.modules = modules;
    hd.nmodules = 1;
    hd.params = params;
    hd.runtime = runtime;
    vg_ps_header(out, &hd);
    emit_data(ctx, out, c, p);
    vg_ps_lines(out, 0, entry);
}
