/*
 * hyperv.c - the Hyper-V / Azure Stack HCI / Azure Local / Windows Server
 * deployment script (`vgpuc build --target hyperv`).
 *
 * The script is data plus fixed logic: the top holds what the .vgpu file
 * declares (names only as single-quoted literals), the rest follows the
 * documented procedures of reference/hyperv.md section 2 in order: a
 * read-only pre-flight on every host and VM, DDA dismount and GPU pools,
 * GPU-P partition counts, then each VM (shut down if needed, Set-VM, GPU-P
 * adapter or DDA devices, cluster OfflineAction and possible owners, started
 * again if it was running), and a summary. Host-side steps run through
 * Invoke-Command on the node, because Set-VMHostPartitionableGpu -Name is
 * documented only locally; ShouldProcess always runs on the admin side.
 */
#include <string.h>

#include "ps.h"

/* Microsoft's DDA guidance for a GPU (language.md section 5). */
#define DDA_LOW_MMIO (3ull << 30)
#define DDA_HIGH_MMIO (33280ull << 20)
#define GPUP_LOW_MMIO (1ull << 30)
#define GPUP_HIGH_MMIO (32ull << 30)

struct hv {
    const struct vg_cluster *c;
    const struct vg_cluster_plan *p;
    int clustered, gpup, dda, live;
};

static const char *const params[] = {
    "# Seconds to wait for a guest to shut down before giving up (it is never turned off).",
    "[int]$ShutdownTimeoutSeconds = 600",
    NULL,
};

static void emit_data(struct vg_strbuf *sb, const struct hv *x, struct vg_ps_owners *own)
{
    const struct vg_cluster *c = x->c;
    const struct vg_cluster_plan *p = x->p;

    vg_sb_puts(sb, "\n# --- What the .vgpu file declares (names are literals, never code) ---\n");
    vg_sb_puts(sb, "$ClusterName = ");
    vg_ps_quote(sb, c->name);
    vg_sb_printf(sb, "\n$Clustered = %s\n", vg_ps_bool(x->clustered));
    vg_sb_printf(sb, "$UseGpuP = %s\n$UseDda = %s\n", vg_ps_bool(x->gpup), vg_ps_bool(x->dda));
    if (x->gpup)
        vg_sb_printf(sb, "$PartitionCount = %u\n", p->partitions);
    if (x->dda && x->clustered)
        vg_sb_puts(sb, "$PoolName = 'GpuChildPool'\n");

    vg_sb_puts(sb, "$Hosts = @(\n");
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct vg_host *h = c->hosts[i];
        const char *drv = vg_ps_host_driver(h);
        uint32_t first = p->host_first ? p->host_first[h->index] : 0;
        int any = 0;
        vg_sb_puts(sb, "    [pscustomobject]@{ Name = ");
        vg_ps_quote(sb, h->name);
        vg_sb_printf(sb, "; Gpus = %u; Driver = ", h->npgpus);
        if (drv)
            vg_ps_quote(sb, drv);
        else
            vg_sb_puts(sb, "$null");
        vg_sb_puts(sb, "; Dda = @(");
        for (uint32_t g = 0; p->pgpus && g < h->npgpus && first + g < p->npgpus; g++)
            if (p->pgpus[first + g].use == VG_PGPU_PASSTHROUGH) {
                vg_sb_printf(sb, "%s%u", any ? ", " : "", g);
                any = 1;
            }
        vg_sb_puts(sb, ") }\n");
    }
    vg_sb_puts(sb, ")\n$Vms = @(\n");
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        const struct vg_placement *pl = p->place ? &p->place[vm->index] : NULL;
        int dda = vm->mode == VG_MODE_PASSTHROUGH;
        if (vm->mode == VG_MODE_NONE)
            continue;
        vg_sb_puts(sb, "    [pscustomobject]@{ Name = ");
        vg_ps_quote(sb, vm->name);
        vg_sb_printf(sb, "; Mode = '%s'; Count = %u; Host = ", dda ? "dda" : "gpu-p", vm->count ? vm->count : 1);
        if (pl && pl->host)
            vg_ps_quote(sb, pl->host->name);
        else
            vg_sb_puts(sb, "$null");
        vg_sb_puts(sb, "; Gpus = @(");
        for (uint32_t k = 0; dda && pl && k < pl->ngpus; k++)
            vg_sb_printf(sb, "%s%u", k ? ", " : "", p->pgpus[pl->gpus[k]].index);
        vg_sb_printf(sb, "); Owners = %s; LowMmio = ", vg_ps_owners_of(own, vm));
        vg_ps_bytes(sb, vm->mmio_low ? vm->mmio_low : dda ? DDA_LOW_MMIO : GPUP_LOW_MMIO);
        vg_sb_puts(sb, "; HighMmio = ");
        vg_ps_bytes(sb, vm->mmio_high ? vm->mmio_high : dda ? DDA_HIGH_MMIO : GPUP_HIGH_MMIO);
        vg_sb_printf(sb, "; Live = %s }\n",
                     vg_ps_bool(!dda && vm->migration == VG_MIG_LIVE && c->platform && c->platform->lm_vgpu));
    }
    vg_sb_puts(sb, ")\n");
}

/* --- pre-flight: reads only ------------------------------------------------ */

static const char *const preflight_hosts[] = {
    "",
    "# --- Pre-flight: read every host and VM, change nothing ---",
    "Write-Host ('Pre-flight checks for cluster {0}' -f $ClusterName)",
    "$HostState = @{}",
    "foreach ($h in $Hosts) {",
    "    try {",
    "        $st = Invoke-Command -ComputerName $h.Name -ArgumentList $UseGpuP, $UseDda -ScriptBlock {",
    "            param([bool]$ReadPartitions, [bool]$ReadAssignable)",
    "            Set-StrictMode -Version Latest",
    "            $ErrorActionPreference = 'Stop'",
    "            # NVIDIA GPUs by PCI location path: stable across reboots and dismounts.",
    "            $paths = @{}",
    "            foreach ($d in @(Get-PnpDevice -Class 'Display' | Where-Object { $_.InstanceId -like 'PCI\\VEN_10DE*' })) {",
    "                $lp = @((Get-PnpDeviceProperty -InstanceId $d.InstanceId -KeyName 'DEVPKEY_Device_LocationPaths').Data) | Select-Object -First 1",
    "                if ($lp) {",
    "                    $paths[[string]$lp] = [string]$d.InstanceId",
    "                }",
    "            }",
    "            $dismounted = @()",
    "            if ($ReadAssignable) {",
    "                $dismounted = @(Get-VMHostAssignableDevice | ForEach-Object { [string]$_.LocationPath })",
    "                foreach ($lp in $dismounted) {",
    "                    if (-not $paths.ContainsKey($lp)) {",
    "                        $paths[$lp] = ''",
    "                    }",
    "                }",
    "            }",
    "            $driver = $null",
    "            $smi = Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue",
    "            if ($smi) {",
    "                $driver = ([string](& $smi.Source '--query-gpu=driver_version' '--format=csv,noheader' | Select-Object -First 1)).Trim()",
    "            }",
    "            $partitionable = @()",
    "            $partitionedVms = @()",
    "            if ($ReadPartitions) {",
    "                $partitionable = @(Get-VMHostPartitionableGpu | ForEach-Object {",
    "                    [pscustomobject]@{ Name = [string]$_.Name; PartitionCount = [int]$_.PartitionCount; Valid = @($_.ValidPartitionCounts | ForEach-Object { [int]$_ }) }",
    "                })",
    "                $partitionedVms = @(Get-VM | Where-Object { @(Get-VMGpuPartitionAdapter -VMName $_.Name).Count -gt 0 } | ForEach-Object { [string]$_.Name })",
    "            }",
    "            [pscustomobject]@{",
    "                LocationPaths = @($paths.Keys | Sort-Object)",
    "                InstanceIds = $paths",
    "                Dismounted = $dismounted",
    "                Driver = $driver",
    "                Partitionable = $partitionable",
    "                PartitionedVms = $partitionedVms",
    "            }",
    "        }",
    "    } catch {",
    "        Add-VgpucProblem -Text ('host {0} is not reachable or could not be read: {1}' -f $h.Name, $_.Exception.Message)",
    "        continue",
    "    }",
    "    $HostState[$h.Name] = $st",
    "    $present = @($st.LocationPaths).Count",
    "    if ($present -lt $h.Gpus) {",
    "        Add-VgpucProblem -Text ('host {0}: the file declares {1} NVIDIA GPU(s), {2} found' -f $h.Name, $h.Gpus, $present)",
    "    }",
    "    if ($null -ne $h.Driver -and $st.Driver -ne $h.Driver) {",
    "        Add-VgpucProblem -Text ('host {0}: the NVIDIA vGPU Manager driver is {1}, the file declares {2}' -f $h.Name, $st.Driver, $h.Driver)",
    "    }",
    "    foreach ($i in $h.Dda) {",
    "        if ($i -ge $present) {",
    "            Add-VgpucProblem -Text ('host {0}: GPU {1} for DDA does not exist' -f $h.Name, $i)",
    "        }",
    "    }",
    NULL,
};

static const char *const preflight_gpup[] = {
    "    foreach ($g in $st.Partitionable) {",
    "        if ($g.Valid -notcontains $PartitionCount) {",
    "            Add-VgpucProblem -Text ('host {0}: GPU {1} cannot have {2} partitions (ValidPartitionCounts: {3})' -f $h.Name, $g.Name, $PartitionCount, ($g.Valid -join ', '))",
    "        } elseif ($g.PartitionCount -ne $PartitionCount -and @($st.PartitionedVms).Count -gt 0) {",
    "            Add-VgpucProblem -Text ('host {0}: GPU {1} must change to {2} partitions but VMs hold partitions ({3}); remove their adapters first' -f $h.Name, $g.Name, $PartitionCount, ($st.PartitionedVms -join ', '))",
    "        }",
    "    }",
    NULL,
};

static const char *const preflight_vms[] = {
    "}",
    "",
    "# Every VM must exist on a host it may run on.",
    "$Found = @{}",
    "$reachable = @($HostState.Keys | Sort-Object)",
    "if ($reachable.Count -gt 0) {",
    "    foreach ($vm in @(Get-VM -ComputerName $reachable)) {",
    "        if ($Found.ContainsKey($vm.Name)) {",
    "            Add-VgpucProblem -Text ('VM {0} exists on both {1} and {2}' -f $vm.Name, $Found[$vm.Name].ComputerName, $vm.ComputerName)",
    "        } else {",
    "            $Found[$vm.Name] = $vm",
    "        }",
    "    }",
    "}",
    "foreach ($v in $Vms) {",
    "    if (-not $Found.ContainsKey($v.Name)) {",
    "        Add-VgpucProblem -Text ('VM {0} does not exist on any reachable host' -f $v.Name)",
    "        continue",
    "    }",
    "    $on = [string]$Found[$v.Name].ComputerName",
    "    if ($v.Mode -eq 'dda' -and -not $Clustered -and $on -ne $v.Host) {",
    "        Add-VgpucProblem -Text ('VM {0} is on host {1}; its DDA GPU is on host {2}: move it first' -f $v.Name, $on, $v.Host)",
    "    } elseif (@($v.Owners).Count -gt 0 -and $v.Owners -notcontains $on) {",
    "        Add-VgpucProblem -Text ('VM {0} is on host {1}, which is not one of its hosts ({2})' -f $v.Name, $on, ($v.Owners -join ', '))",
    "    }",
    NULL,
};

static const char *const preflight_cluster[] = {
    "    if ($null -eq (Get-ClusterGroup -VMId $Found[$v.Name].Id -Cluster $on -ErrorAction SilentlyContinue)) {",
    "        Add-VgpucProblem -Text ('VM {0} is not a clustered role; add it with Add-ClusterVirtualMachineRole first' -f $v.Name)",
    "    }",
    NULL,
};

/* Windows Server 2025 / Azure Local 12.x: pre-validate GPU-P live migration. */
static const char *const preflight_live[] = {
    "    if ($v.Live) {",
    "        foreach ($a in @(Get-VMGpuPartitionAdapter -VMName $v.Name -ComputerName $on)) {",
    "            if ($a.PSObject.Properties['SupportsOutgoingLiveMigration'] -and -not $a.SupportsOutgoingLiveMigration) {",
    "                Add-VgpucProblem -Text ('VM {0}: its GPU partition does not support outgoing live migration (SupportsOutgoingLiveMigration is false)' -f $v.Name)",
    "            }",
    "        }",
    "    }",
    NULL,
};

/* --- step 1: hosts --------------------------------------------------------- */

static const char *const dda_hosts_head[] = {
    "",
    "# --- Step 1: hosts ---",
    "# DDA: disable and dismount the GPUs that the plan gives to pass-through VMs.",
    "# No GPU mitigation driver is declared, so the dismount uses -Force, which",
    "# bypasses the security warning (Microsoft: use DDA only for trusted tenants).",
    "foreach ($h in $Hosts) {",
    "    $st = $HostState[$h.Name]",
    "    foreach ($i in $h.Dda) {",
    "        $lp = @($st.LocationPaths)[$i]",
    "        $target = '{0} GPU {1} ({2})' -f $h.Name, $i, $lp",
    "        if ($st.Dismounted -notcontains $lp) {",
    "            Write-Warning ('{0}: dismounting with -Force (no mitigation driver declared)' -f $target)",
    "        }",
    NULL,
};

static const char *const dda_dismount[] = {
    "Invoke-Command -ComputerName $h.Name -ArgumentList $st.InstanceIds[$lp], $lp -ScriptBlock {",
    "    param([string]$InstanceId, [string]$LocationPath)",
    "    Disable-PnpDevice -InstanceId $InstanceId -Confirm:$false",
    "    Dismount-VMHostAssignableDevice -LocationPath $LocationPath -Force -Confirm:$false",
    "}",
    NULL,
};

static const char *const dda_pool_head[] = {
    "# Clustered DDA: a GPU pool of the same name on every node, holding its DDA GPUs.",
    "foreach ($h in $Hosts) {",
    "    $st = $HostState[$h.Name]",
    "    $pool = Get-VMResourcePool -Name $PoolName -ResourcePoolType 'PciExpress' -ComputerName $h.Name -ErrorAction SilentlyContinue",
    NULL,
};

static const char *const dda_pool_new[] = {
    "$null = New-VMResourcePool -Name $PoolName -ResourcePoolType 'PciExpress' -ComputerName $h.Name -Confirm:$false",
    NULL,
};

static const char *const dda_pool_loop[] = {
    "    $inPool = @()",
    "    if ($null -ne $pool) {",
    "        $inPool = @(Get-VMHostAssignableDevice -ResourcePoolName $PoolName -ComputerName $h.Name | ForEach-Object { [string]$_.LocationPath })",
    "    }",
    "    foreach ($i in $h.Dda) {",
    "        $lp = @($st.LocationPaths)[$i]",
    "        $target = '{0} GPU {1} ({2})' -f $h.Name, $i, $lp",
    NULL,
};

static const char *const dda_pool_add[] = {
    "Add-VMHostAssignableDevice -LocationPath $lp -ResourcePoolName $PoolName -ComputerName $h.Name",
    NULL,
};

static const char *const gpup_hosts_head[] = {
    "",
    "# GPU-P: the same partition count on every GPU of every node, set locally on the node.",
    "foreach ($h in $Hosts) {",
    "    if (-not $HostState.ContainsKey($h.Name)) {",
    "        continue",
    "    }",
    "    $gpus = @(Invoke-Command -ComputerName $h.Name -ScriptBlock {",
    "        Get-VMHostPartitionableGpu | ForEach-Object { [pscustomobject]@{ Name = [string]$_.Name; PartitionCount = [int]$_.PartitionCount } }",
    "    })",
    "    foreach ($g in $gpus) {",
    "        $target = '{0} GPU {1}' -f $h.Name, $g.Name",
    NULL,
};

static const char *const gpup_set[] = {
    "Invoke-Command -ComputerName $h.Name -ArgumentList $g.Name, $PartitionCount -ScriptBlock {",
    "    param([string]$Name, [uint16]$Count)",
    "    Set-VMHostPartitionableGpu -Name $Name -PartitionCount $Count",
    "}",
    NULL,
};

/* --- step 2: VMs ----------------------------------------------------------- */

static const char *const vm_head[] = {
    "",
    "# --- Step 2: VMs ---",
    "foreach ($v in $Vms) {",
    "    $vm = Get-VM -Name $v.Name -ComputerName ([string]$Found[$v.Name].ComputerName)",
    "    $on = [string]$vm.ComputerName",
    "    $dda = $v.Mode -eq 'dda'",
    "    $settingsRight = $vm.GuestControlledCacheTypes -and $vm.LowMemoryMappedIoSpace -eq $v.LowMmio -and $vm.HighMemoryMappedIoSpace -eq $v.HighMmio -and (-not $dda -or [string]$vm.AutomaticStopAction -eq 'TurnOff')",
    "    $missing = 0",
    "    $missingPaths = @()",
    "    if ($dda) {",
    "        $assigned = @(Get-VMAssignableDevice -VMName $v.Name -ComputerName $on)",
    "        if ($Clustered) {",
    "            $missing = [math]::Max(0, $v.Count - $assigned.Count)",
    "        } else {",
    "            $have = @($assigned | ForEach-Object { [string]$_.LocationPath })",
    "            $missingPaths = @($v.Gpus | ForEach-Object { @($HostState[$v.Host].LocationPaths)[$_] } | Where-Object { $have -notcontains $_ })",
    "            $missing = $missingPaths.Count",
    "        }",
    "    } else {",
    "        $missing = [math]::Max(0, $v.Count - @(Get-VMGpuPartitionAdapter -VMName $v.Name -ComputerName $on).Count)",
    "    }",
    "    if ($settingsRight -and $missing -eq 0) {",
    "        Add-VgpucResult -Target $v.Name -Step 'GPU and MMIO settings' -Status 'already right'",
    "    } else {",
    "        # The changes need the VM off: shut the guest down (never turn it off).",
    "        $wasRunning = [string]$vm.State -eq 'Running'",
    "        $stopped = $false",
    "        if ([string]$vm.State -ne 'Off' -and -not $wasRunning) {",
    "            Write-Warning ('VM {0} is {1}; start it or shut it down, then run the script again' -f $v.Name, $vm.State)",
    "            Add-VgpucResult -Target $v.Name -Step 'GPU and MMIO settings' -Status 'skipped'",
    "            continue",
    "        }",
    "        if ($wasRunning) {",
    "            if ($PSCmdlet.ShouldProcess($v.Name, 'shut down the guest (Stop-VM, not turned off)')) {",
    "                $null = Stop-VM -Name $v.Name -ComputerName $on -AsJob",
    "                $deadline = (Get-Date).AddSeconds($ShutdownTimeoutSeconds)",
    "                while ([string](Get-VM -Name $v.Name -ComputerName $on).State -ne 'Off') {",
    "                    if ((Get-Date) -gt $deadline) {",
    "                        throw ('VM {0} did not shut down within {1} seconds; it was not turned off' -f $v.Name, $ShutdownTimeoutSeconds)",
    "                    }",
    "                    Start-Sleep -Seconds 5",
    "                }",
    "                $stopped = $true",
    "                Add-VgpucResult -Target $v.Name -Step 'shut down' -Status 'changed'",
    "            } elseif (-not $WhatIfPreference) {",
    "                Add-VgpucResult -Target $v.Name -Step 'GPU and MMIO settings' -Status 'skipped'",
    "                continue",
    "            }",
    "        }",
    NULL,
};

static const char *const vm_set[] = {
    "if ($dda) {",
    "    Set-VM -Name $v.Name -ComputerName $on -GuestControlledCacheTypes $true -LowMemoryMappedIoSpace $v.LowMmio -HighMemoryMappedIoSpace $v.HighMmio -AutomaticStopAction 'TurnOff' -Confirm:$false",
    "} else {",
    "    Set-VM -Name $v.Name -ComputerName $on -GuestControlledCacheTypes $true -LowMemoryMappedIoSpace $v.LowMmio -HighMemoryMappedIoSpace $v.HighMmio -Confirm:$false",
    "}",
    NULL,
};

static const char *const vm_gpup[] = {
    "for ($k = 0; $k -lt $missing; $k++) {",
    "    Add-VMGpuPartitionAdapter -VMName $v.Name -ComputerName $on -Confirm:$false",
    "}",
    NULL,
};

static const char *const vm_dda_pool[] = {
    "for ($k = 0; $k -lt $missing; $k++) {",
    "    Add-VMAssignableDevice -VMName $v.Name -ComputerName $on -ResourcePoolName $PoolName -Confirm:$false",
    "}",
    NULL,
};

static const char *const vm_dda_path[] = {
    "foreach ($lp in $missingPaths) {",
    "    Add-VMAssignableDevice -VMName $v.Name -ComputerName $on -LocationPath $lp -Confirm:$false",
    "}",
    NULL,
};

static const char *const vm_start[] = {
    "Start-VM -Name $v.Name -ComputerName $on -Confirm:$false",
    NULL,
};

static const char *const vm_live_after[] = {
    "        if ($v.Live -and $stopped) {",
    "            foreach ($a in @(Get-VMGpuPartitionAdapter -VMName $v.Name -ComputerName $on)) {",
    "                if ($a.PSObject.Properties['SupportsOutgoingLiveMigration'] -and -not $a.SupportsOutgoingLiveMigration) {",
    "                    Write-Warning ('VM {0}: the new GPU partition does not support outgoing live migration' -f $v.Name)",
    "                }",
    "            }",
    "        }",
    NULL,
};

static const char *const vm_cluster_head[] = {
    "    # Cluster: force shutdown instead of save on failover, and the possible owners.",
    "    $res = Get-ClusterResource -VMId $vm.Id -Cluster $on",
    "    $offline = Get-ClusterParameter -InputObject $res -Name 'OfflineAction' -Cluster $on",
    NULL,
};

static const char *const vm_offline[] = {
    "Set-ClusterParameter -InputObject $res -Name 'OfflineAction' -Value 3 -Cluster $on",
    NULL,
};

static const char *const vm_owners_head[] = {
    "    $group = Get-ClusterGroup -VMId $vm.Id -Cluster $on",
    "    $owners = @((Get-ClusterOwnerNode -Group $group.Name -Cluster $on).OwnerNodes | ForEach-Object { [string]$_.Name } | Sort-Object)",
    NULL,
};

static const char *const vm_owners_set[] = {
    "Set-ClusterOwnerNode -Group $group.Name -Owners $v.Owners -Cluster $on",
    NULL,
};

static void compute_flags(struct hv *x)
{
    const struct vg_cluster *c = x->c;
    x->clustered = c->nhosts > 1 || !c->family || strcmp(c->family, "windows-server") != 0;
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        if (vm->mode == VG_MODE_VGPU) {
            x->gpup = 1;
            if (vm->migration == VG_MIG_LIVE && c->platform && c->platform->lm_vgpu)
                x->live = 1;
        } else if (vm->mode == VG_MODE_PASSTHROUGH) {
            x->dda = 1;
        }
    }
    if (!x->p->partitions)
        x->gpup = 0;
}

void vg_emit_hyperv(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                    const struct vg_emit_info *info, struct vg_strbuf *out)
{
    struct hv x = {c, p, 0, 0, 0, 0};
    const char *modules[] = {"Hyper-V", "FailoverClusters"};
    struct vg_ps_header hd;
    char *platform = vg_sprintf(ctx->arena, "%s %s", c->family ? c->family : "?", c->version ? c->version : "?");

    compute_flags(&x);
    memset(&hd, 0, sizeof hd);
    hd.info = info;
    hd.cluster = c->name;
    hd.platform = platform;
    hd.target = "hyperv";
    hd.releases = vg_ps_releases(ctx->arena, c);
    hd.modules = modules;
    hd.nmodules = x.clustered ? 2 : 1;
    hd.params = params;
    vg_ps_header(out, &hd);
    emit_data(out, &x, vg_ps_owners_new(ctx->arena, c));

    vg_ps_lines(out, 0, preflight_hosts);
    if (x.gpup)
        vg_ps_lines(out, 0, preflight_gpup);
    vg_ps_lines(out, 0, preflight_vms);
    if (x.clustered)
        vg_ps_lines(out, 0, preflight_cluster);
    if (x.live)
        vg_ps_lines(out, 0, preflight_live);
    vg_sb_puts(out, "}\n");
    vg_ps_preflight_end(out, 0);

    if (x.dda) {
        vg_ps_lines(out, 0, dda_hosts_head);
        vg_ps_change(out, 2, "$st.Dismounted -contains $lp", "$target", "'disable and dismount for DDA'", dda_dismount);
        vg_sb_puts(out, "    }\n}\n");
        if (x.clustered) {
            vg_ps_lines(out, 0, dda_pool_head);
            vg_ps_change(out, 1, "$null -ne $pool", "$h.Name", "('create GPU pool {0}' -f $PoolName)", dda_pool_new);
            vg_ps_lines(out, 0, dda_pool_loop);
            vg_ps_change(out, 2, "$inPool -contains $lp", "$target", "('add to GPU pool {0}' -f $PoolName)", dda_pool_add);
            vg_sb_puts(out, "    }\n}\n");
        }
    }
    if (x.gpup) {
        vg_ps_lines(out, 0, gpup_hosts_head);
        vg_ps_change(out, 2, "$g.PartitionCount -eq $PartitionCount", "$target",
                     "('set the partition count to {0}' -f $PartitionCount)", gpup_set);
        vg_sb_puts(out, "    }\n}\n");
    }

    vg_ps_lines(out, 0, vm_head);
    vg_ps_change(out, 2, "$settingsRight", "$v.Name", "'set cache types and MMIO space'", vm_set);
    if (x.gpup) {
        vg_sb_puts(out, "        if (-not $dda) {\n");
        vg_ps_change(out, 3, "$missing -eq 0", "$v.Name", "'add GPU partition adapter(s)'", vm_gpup);
        vg_sb_puts(out, "        }\n");
    }
    if (x.dda) {
        vg_sb_puts(out, "        if ($dda) {\n");
        vg_ps_change(out, 3, "$missing -eq 0", "$v.Name", "'assign DDA GPU(s)'", x.clustered ? vm_dda_pool : vm_dda_path);
        vg_sb_puts(out, "        }\n");
    }
    vg_sb_puts(out, "        if ($stopped) {\n");
    vg_ps_change(out, 3, NULL, "$v.Name", "'start again (it was running)'", vm_start);
    vg_sb_puts(out, "        }\n");
    if (x.live)
        vg_ps_lines(out, 0, vm_live_after);
    vg_sb_puts(out, "    }\n");
    if (x.clustered) {
        vg_ps_lines(out, 0, vm_cluster_head);
        vg_ps_change(out, 1, "$null -ne $offline -and [int]$offline.Value -eq 3", "$v.Name",
                     "'set cluster OfflineAction to 3 (force shutdown, not save)'", vm_offline);
        vg_ps_lines(out, 0, vm_owners_head);
        vg_ps_change(out, 1, "($owners -join ',') -eq (@($v.Owners | Sort-Object) -join ',')", "$v.Name",
                     "('set possible owners to {0}' -f ($v.Owners -join ', '))", vm_owners_set);
    }
    vg_sb_puts(out, "}\n\n# --- Summary ---\n");
    vg_ps_summary(out, 0);
}
