/*
 * lsp_meaning.c - what each directive means, in one sentence, for hover.
 *
 * The schema table (schema.c) says where a directive is allowed and with
 * which arguments; this table says what it is for, in the words of the
 * language reference (docs/language.md). tests/lsp hovers every directive
 * the schema lists, so a directive added without a meaning fails the tests.
 */
#include <string.h>

#include "driver/lsp.h"
#include "model/schema.h"

static const struct {
    enum vg_block block;
    const char *name;
    const char *meaning;
} meanings[] = {
    {VG_BLOCK_TOP, "include", "Read another file first; the path is relative to this file. A cycle is an error."},
    {VG_BLOCK_TOP, "license-server",
     "An NVIDIA License System instance that clusters name with `license-server NAME`."},
    {VG_BLOCK_TOP, "cluster", "A failover cluster (Hyper-V) or a vSphere cluster: its platform, hosts and VMs."},
    {VG_BLOCK_LICENSE, "kind",
     "Delegated License Service (`dls`), Cloud License Service (`cls`) or the legacy (FlexNet) license server "
     "(`legacy`)."},
    {VG_BLOCK_LICENSE, "version",
     "The DLS appliance version (e.g. `3.4.1`) or the legacy server version; not for `cls`."},
    {VG_BLOCK_LICENSE, "editions",
     "The license editions it serves (`vws`, `vpc`, `vapps`, `vcs`; `nvaie` = `vcs`). Default: all four."},
    {VG_BLOCK_CLUSTER, "platform",
     "The platform family and version: `azure-stack-hci`, `azure-local`, `windows-server` or `esxi`; the known "
     "versions come from the catalog."},
    {VG_BLOCK_CLUSTER, "edition", "The Windows Server edition (windows-server only)."},
    {VG_BLOCK_CLUSTER, "vcenter", "The vCenter version (esxi only; default: the ESXi version)."},
    {VG_BLOCK_CLUSTER, "vgpu-manager",
     "The default NVIDIA vGPU Manager of every host: a release (`16.5`) or a host driver version."},
    {VG_BLOCK_CLUSTER, "license-server", "The license server the cluster's VMs use."},
    {VG_BLOCK_CLUSTER, "tolerate-host-failures",
     "How many simultaneous host failures the GPU VMs with `migration restart` or `live` must survive by restarting "
     "elsewhere. Default 0."},
    {VG_BLOCK_CLUSTER, "gpu-partitions",
     "Hyper-V GPU-P: the partition count set on every GPU. Default: derived from the vGPU profiles used."},
    {VG_BLOCK_CLUSTER, "graphics", "esxi: the host graphics type. Default `shared-direct`."},
    {VG_BLOCK_CLUSTER, "vgpu-mode", "The NVIDIA vGPU mode of every GPU. Default `same-size`."},
    {VG_BLOCK_CLUSTER, "vm-management",
     "The cluster's VMs are Azure Local VMs enabled by Azure Arc, whose GPUs are attached through Azure."},
    {VG_BLOCK_CLUSTER, "host",
     "A host of the cluster; may be repeated and range-expanded (`host node-[01..04] { ... }`)."},
    {VG_BLOCK_CLUSTER, "vm", "A VM of the cluster; may be repeated and range-expanded (`vm vdi-[001..024] { ... }`)."},
    {VG_BLOCK_HOST, "gpu",
     "N boards of a GPU model (default 1); the catalog says how many GPUs a board has. May repeat for different "
     "models."},
    {VG_BLOCK_HOST, "vgpu-manager", "This host's NVIDIA vGPU Manager, overriding the cluster's."},
    {VG_BLOCK_HOST, "graphics", "esxi: this host's graphics type, overriding the cluster's."},
    {VG_BLOCK_HOST, "vgpu-mode", "This host's vGPU mode, overriding the cluster's."},
    {VG_BLOCK_VM, "gpu",
     "A vGPU (GPU-P partition on Hyper-V) of a profile, or N whole GPUs by pass-through (DDA on Hyper-V, DirectPath "
     "I/O on ESXi). Required, once."},
    {VG_BLOCK_VM, "guest-driver",
     "The NVIDIA guest driver: a release (`16.3`) or a guest driver version. Required for `vgpu`."},
    {VG_BLOCK_VM, "os", "The guest OS family. Default `windows`."},
    {VG_BLOCK_VM, "migration",
     "What must happen to it on host maintenance or failure: live migration / vMotion (`live`), restart on another "
     "host (`restart`), or stay down (`none`). Default `restart`."},
    {VG_BLOCK_VM, "host", "Pin the VM to one host."},
    {VG_BLOCK_VM, "hosts", "The hosts the VM may run on (possible owners)."},
    {VG_BLOCK_VM, "memory", "Guest memory (ESXi: the reservation that the script locks to it)."},
    {VG_BLOCK_VM, "firmware", "esxi: the VM firmware; default `efi`."},
    {VG_BLOCK_VM, "generation", "The Hyper-V VM generation; default 2."},
    {VG_BLOCK_VM, "mmio", "Hyper-V MMIO space (low and high); default computed from the GPU."},
    {VG_BLOCK_VM_MANAGEMENT, "resource-group", "The Azure resource group of the cluster's Azure Local VMs."},
};

const char *vg_lsp_meaning(int block, const char *name)
{
    for (size_t i = 0; i < sizeof meanings / sizeof meanings[0]; i++)
        if ((int)meanings[i].block == block && strcmp(meanings[i].name, name) == 0)
            return meanings[i].meaning;
    return NULL;
}
