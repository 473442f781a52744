/*
 * vmware.c - the VMware ESXi / vCenter deployment script (`vgpuc build
 * --target vmware`), for PowerCLI (VMware.VimAutomation.Core).
 *
 * PowerCLI has no vGPU cmdlets, so the script drives the vSphere API through
 * Get-View where reference/vmware.md says so: HostGraphicsManager for the
 * Shared Direct graphics type and the host's vGPU profile list,
 * ReconfigVM_Task with a VirtualPCIPassthroughVmiopBackingInfo (vGPU) or a
 * VirtualPCIPassthroughDynamicBackingInfo (dynamic DirectPath I/O), and
 * ShutdownGuest to stop a guest cleanly. Like the Hyper-V script it is data
 * plus fixed logic: read-only pre-flight, vCenter, hosts, VMs, DRS, summary.
 */
#include <string.h>

#include "ps.h"

static const char *const params[] = {
    "[Parameter(Mandatory)]",
    "[string]$Server,",
    "[pscredential]$Credential,",
    "# Seconds to wait for a guest to shut down before giving up (it is never powered off).",
    "[int]$ShutdownTimeoutSeconds = 600",
    NULL,
};

/* ESXi pciPassthru.64bitMMIOSizeGB: the per-GPU size times the GPUs, rounded
 * up to a power of two (reference/vmware.md section 1.6 sizing rule). */
static uint32_t mmio64_size(const struct vg_vm *vm)
{
    uint64_t want = (uint64_t)vm->gpu_model->mmio64_gb * (vm->count ? vm->count : 1), r = 1;
    while (r < want)
        r <<= 1;
    return (uint32_t)r;
}

static void lower_into(struct vg_strbuf *sb, const char *s)
{
    for (; *s; s++)
        vg_sb_putc(sb, (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s));
}

struct vmw {
    int hotmigrate, pinned;
};

/* Hosts that may run a vGPU VM get the Shared Direct graphics type. */
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

static void emit_data(const struct vg_ctx *ctx, struct vg_strbuf *sb, const struct vg_cluster *c,
                      const struct vg_cluster_plan *p, struct vmw *x)
{
    unsigned char *mark = vg_alloc(ctx->arena, c->nhosts + 1);
    struct vg_ps_owners *own = vg_ps_owners_new(ctx->arena, c);

    mark_vgpu_hosts(ctx->arena, c, mark);
    for (size_t i = 0; i < c->nvms; i++) {
        if (c->vms[i]->mode == VG_MODE_VGPU && c->vms[i]->migration == VG_MIG_LIVE)
            x->hotmigrate = 1;
        if (c->vms[i]->mode != VG_MODE_NONE && (c->vms[i]->pin || c->vms[i]->nallowed))
            x->pinned = 1;
    }
    vg_sb_puts(sb, "\n# --- What the .vgpu file declares (names are literals, never code) ---\n");
    vg_sb_puts(sb, "$ClusterName = ");
    vg_ps_quote(sb, c->name);
    vg_sb_printf(sb, "\n$HotMigrate = %s\n", vg_ps_bool(x->hotmigrate));
    vg_sb_puts(sb, "$Hosts = @(\n");
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct vg_host *h = c->hosts[i];
        const char *drv = vg_ps_host_driver(h);
        vg_sb_puts(sb, "    [pscustomobject]@{ Name = ");
        vg_ps_quote(sb, h->name);
        vg_sb_printf(sb, "; Gpus = %u; Driver = ", h->npgpus);
        if (drv)
            vg_ps_quote(sb, drv);
        else
            vg_sb_puts(sb, "$null");
        vg_sb_printf(sb, "; SharedDirect = %s }\n",
                     vg_ps_bool(mark[i] && h->graphics == VG_GRAPHICS_SHARED_DIRECT));
    }
    vg_sb_puts(sb, ")\n$Vms = @(\n");
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        const struct vg_placement *pl = p->place ? &p->place[vm->index] : NULL;
        const struct vg_gpu *g = vm->gpu_model;
        int pt = vm->mode == VG_MODE_PASSTHROUGH;
        if (vm->mode == VG_MODE_NONE || !g)
            continue;
        vg_sb_puts(sb, "    [pscustomobject]@{ Name = ");
        vg_ps_quote(sb, vm->name);
        vg_sb_printf(sb, "; Mode = '%s'; Count = %u; Profile = ", pt ? "passthrough" : "vgpu", vm->count ? vm->count : 1);
        if (!pt && vm->profile) {
            struct vg_strbuf prof;
            vg_sb_init(&prof);
            vg_sb_puts(&prof, "grid_");
            lower_into(&prof, vm->profile->name);
            vg_ps_quote(sb, vg_sb_str(&prof));
            vg_sb_free(&prof);
        } else {
            vg_sb_puts(sb, "$null");
        }
        vg_sb_puts(sb, "; Host = ");
        if (pl && pl->host)
            vg_ps_quote(sb, pl->host->name);
        else
            vg_sb_puts(sb, "$null");
        vg_sb_printf(sb, "; Pinned = %s; Owners = %s; GpuModel = ", vg_ps_bool(vm->pin || vm->nallowed),
                     vg_ps_owners_of(own, vm));
        vg_ps_quote(sb, g->model);
        if (pt && g->vendor_id && g->device_id)
            vg_sb_printf(sb, "; VendorId = 0x%04X; DeviceId = 0x%04X", g->vendor_id, g->device_id);
        else
            vg_sb_puts(sb, "; VendorId = $null; DeviceId = $null");
        vg_sb_printf(sb, "; Mmio64Gb = %u; Efi = %s }\n", pt && g->large_bar && g->mmio64_gb ? mmio64_size(vm) : 0,
                     vg_ps_bool(vm->firmware == VG_FW_EFI && pt && g->large_bar));
    }
    vg_sb_puts(sb, ")\n");
}

static const char *const connect[] = {
    "",
    "$connection = $null",
    "try {",
    "    if ($null -ne $Credential) {",
    "        $connection = Connect-VIServer -Server $Server -Credential $Credential",
    "    } else {",
    "        $connection = Connect-VIServer -Server $Server",
    "    }",
    "",
    "    # --- Pre-flight: read every host and VM, change nothing ---",
    "    Write-Host ('Pre-flight checks for cluster {0}' -f $ClusterName)",
    "    $HostObj = @{}",
    "    $Profiles = @{}",
    "    foreach ($h in $Hosts) {",
    "        $vmh = Get-VMHost -Name $h.Name -ErrorAction SilentlyContinue",
    "        if ($null -eq $vmh) {",
    "            Add-VgpucProblem -Text ('host {0} is not in the inventory of {1}' -f $h.Name, $Server)",
    "            continue",
    "        }",
    "        if (@('Connected', 'Maintenance') -notcontains [string]$vmh.ConnectionState) {",
    "            Add-VgpucProblem -Text ('host {0} is {1}' -f $h.Name, $vmh.ConnectionState)",
    "            continue",
    "        }",
    "        $HostObj[$h.Name] = $vmh",
    "        $gpus = @(Get-VMHostPciDevice -VMHost $vmh -DeviceClass 'DisplayController' | Where-Object { $_.VendorName -match 'NVIDIA' })",
    "        if ($gpus.Count -lt $h.Gpus) {",
    "            Add-VgpucProblem -Text ('host {0}: the file declares {1} NVIDIA GPU(s), {2} found' -f $h.Name, $h.Gpus, $gpus.Count)",
    "        }",
    "        if ($null -ne $h.Driver) {",
    "            # Splatted: the tree-sitter grammar misreads a literal `-V2` as a redirection.",
    "            $esxcliArgs = @{ VMHost = $vmh; V2 = $true }",
    "            $esxcli = Get-EsxCli @esxcliArgs",
    "            $vibs = @($esxcli.software.vib.list.Invoke() | Where-Object { $_.Vendor -match 'NVIDIA' -or $_.Name -match '^NVD' })",
    "            if (@($vibs | Where-Object { ([string]$_.Version).StartsWith($h.Driver) }).Count -eq 0) {",
    "                $seen = @($vibs | ForEach-Object { '{0} {1}' -f $_.Name, $_.Version }) -join ', '",
    "                Add-VgpucProblem -Text ('host {0}: the NVIDIA vGPU Manager {1} is not installed (found: {2})' -f $h.Name, $h.Driver, $seen)",
    "            }",
    "        }",
    "        $gm = Get-View -Id $vmh.ExtensionData.ConfigManager.GraphicsManager",
    "        if ([string]$gm.GraphicsConfig.HostDefaultGraphicsType -eq 'sharedDirect') {",
    "            $Profiles[$h.Name] = @($gm.SharedPassthruGpuTypes)",
    "        }",
    "    }",
    "    foreach ($v in $Vms) {",
    "        $found = @(Get-VM -Name $v.Name -ErrorAction SilentlyContinue)",
    "        if ($found.Count -ne 1) {",
    "            Add-VgpucProblem -Text ('VM {0}: {1} VMs of that name found, 1 expected' -f $v.Name, $found.Count)",
    "            continue",
    "        }",
    "        if ($v.Efi -and [string]$found[0].ExtensionData.Config.Firmware -ne 'efi') {",
    "            Add-VgpucProblem -Text ('VM {0} boots with BIOS; its {1} GPU needs EFI firmware (reinstall or convert the guest first)' -f $v.Name, $v.GpuModel)",
    "        }",
    "        if ($v.Mode -eq 'vgpu' -and $null -ne $v.Host -and $Profiles.ContainsKey($v.Host) -and $Profiles[$v.Host] -notcontains $v.Profile) {",
    "            Add-VgpucProblem -Text ('VM {0}: host {1} does not offer the vGPU profile {2}' -f $v.Name, $v.Host, $v.Profile)",
    "        }",
    "        if ($v.Mode -eq 'passthrough' -and $null -eq $v.DeviceId -and $null -ne $v.Host -and $HostObj.ContainsKey($v.Host)) {",
    "            # The catalog has no PCI device id for this model: find the device on the planned host.",
    "            $pattern = '\\b' + [regex]::Escape($v.GpuModel) + '\\b'",
    "            $dev = @(Get-VMHostPciDevice -VMHost $HostObj[$v.Host] -DeviceClass 'DisplayController' | Where-Object { $_.VendorName -match 'NVIDIA' -and $_.DeviceName -match $pattern }) | Select-Object -First 1",
    "            if ($null -eq $dev) {",
    "                Add-VgpucProblem -Text ('VM {0}: no {1} device found on host {2} to read its PCI ids from' -f $v.Name, $v.GpuModel, $v.Host)",
    "            } else {",
    "                $v.VendorId = ([int]$dev.VendorId) -band 0xFFFF",
    "                $v.DeviceId = ([int]$dev.DeviceId) -band 0xFFFF",
    "                Write-Host ('VM {0}: using PCI ids {1:x4}:{2:x4} of {3} found on host {4}' -f $v.Name, $v.VendorId, $v.DeviceId, $dev.DeviceName, $v.Host)",
    "            }",
    "        }",
    "    }",
    NULL,
};

static const char *const preflight_cluster[] = {
    "    $cluster = Get-Cluster -Name $ClusterName -ErrorAction SilentlyContinue",
    "    if ($null -eq $cluster) {",
    "        Add-VgpucProblem -Text ('cluster {0} is not in the inventory of {1} (needed for the DRS rules)' -f $ClusterName, $Server)",
    "    }",
    NULL,
};

static const char *const hotmigrate_head[] = {
    "",
    "    # --- vCenter: vGPU vMotion needs vgpu.hotmigrate.enabled ---",
    "    $setting = Get-AdvancedSetting -Entity $global:DefaultVIServer -Name 'vgpu.hotmigrate.enabled'",
    "    if ($null -eq $setting) {",
    NULL,
};
static const char *const hotmigrate_new[] = {
    "$null = New-AdvancedSetting -Entity $global:DefaultVIServer -Name 'vgpu.hotmigrate.enabled' -Value $true -Type 'VIServer' -Confirm:$false",
    NULL,
};
static const char *const hotmigrate_set[] = {
    "$null = Set-AdvancedSetting -AdvancedSetting $setting -Value $true -Confirm:$false",
    NULL,
};

static const char *const hosts_head[] = {
    "",
    "    # --- Hosts: the Shared Direct graphics type for vGPU ---",
    "    foreach ($h in $Hosts) {",
    "        if (-not $h.SharedDirect) {",
    "            continue",
    "        }",
    "        $gm = Get-View -Id $HostObj[$h.Name].ExtensionData.ConfigManager.GraphicsManager",
    NULL,
};
static const char *const hosts_graphics[] = {
    "$config = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'",
    "$config.HostDefaultGraphicsType = 'sharedDirect'",
    "$config.SharedPassthruAssignmentPolicy = $gm.GraphicsConfig.SharedPassthruAssignmentPolicy",
    "$gm.UpdateGraphicsConfig($config)",
    "Write-Warning ('host {0}: restart Xorg (/etc/init.d/xorg restart) or reboot the host, with its VMs powered off, before vGPU VMs start' -f $h.Name)",
    NULL,
};

static const char *const vms_head[] = {
    "",
    "    # --- VMs: GPU devices, memory reservation, 64-bit MMIO (powered off for the change) ---",
    "    foreach ($v in $Vms) {",
    "        $vmo = Get-VM -Name $v.Name",
    "        $view = $vmo.ExtensionData",
    "        $devices = @($view.Config.Hardware.Device | Where-Object { $_ -is [VMware.Vim.VirtualPCIPassthrough] })",
    "        if ($v.Mode -eq 'vgpu') {",
    "            $have = @($devices | Where-Object { $_.Backing -is [VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo] -and $_.Backing.Vgpu -eq $v.Profile }).Count",
    "        } else {",
    "            $have = @($devices | Where-Object { $_.Backing -is [VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo] -and @($_.Backing.AllowedDevice | Where-Object { $_.VendorId -eq $v.VendorId -and $_.DeviceId -eq $v.DeviceId }).Count -gt 0 }).Count",
    "        }",
    "        $missing = [math]::Max(0, $v.Count - $have)",
    "        $extra = @{}",
    "        if ($v.Mmio64Gb -gt 0) {",
    "            $extra['pciPassthru.use64bitMMIO'] = 'TRUE'",
    "            $extra['pciPassthru.64bitMMIOSizeGB'] = [string]$v.Mmio64Gb",
    "        }",
    "        $current = @{}",
    "        foreach ($o in @($view.Config.ExtraConfig)) {",
    "            if ($null -ne $o) {",
    "                $current[[string]$o.Key] = [string]$o.Value",
    "            }",
    "        }",
    "        $extraMissing = @($extra.Keys | Where-Object { $current[$_] -ne $extra[$_] } | Sort-Object)",
    "        if ($missing -eq 0 -and $view.Config.MemoryReservationLockedToMax -and $extraMissing.Count -eq 0) {",
    "            Add-VgpucResult -Target $v.Name -Step 'GPU devices and memory reservation' -Status 'already right'",
    "            continue",
    "        }",
    "        if ($v.Mode -eq 'vgpu' -and $missing -gt 0) {",
    "            $types = @((Get-View -Id $vmo.VMHost.ExtensionData.ConfigManager.GraphicsManager).SharedPassthruGpuTypes)",
    "            if ($types -notcontains $v.Profile) {",
    "                Write-Warning ('VM {0}: host {1} does not offer {2} (is it Shared Direct, Xorg restarted?)' -f $v.Name, $vmo.VMHost.Name, $v.Profile)",
    "                Add-VgpucResult -Target $v.Name -Step 'GPU devices and memory reservation' -Status 'skipped'",
    "                continue",
    "            }",
    "        }",
    "        $wasOn = [string]$vmo.PowerState -eq 'PoweredOn'",
    "        $stopped = $false",
    "        if ($wasOn) {",
    "            if ($PSCmdlet.ShouldProcess($v.Name, 'shut down the guest OS (not powered off)')) {",
    "                $view.ShutdownGuest()",
    "                $deadline = (Get-Date).AddSeconds($ShutdownTimeoutSeconds)",
    "                while ([string](Get-VM -Name $v.Name).PowerState -ne 'PoweredOff') {",
    "                    if ((Get-Date) -gt $deadline) {",
    "                        throw ('VM {0} did not shut down within {1} seconds; it was not powered off' -f $v.Name, $ShutdownTimeoutSeconds)",
    "                    }",
    "                    Start-Sleep -Seconds 5",
    "                }",
    "                $stopped = $true",
    "                Add-VgpucResult -Target $v.Name -Step 'shut down' -Status 'changed'",
    "            } elseif (-not $WhatIfPreference) {",
    "                Add-VgpucResult -Target $v.Name -Step 'GPU devices and memory reservation' -Status 'skipped'",
    "                continue",
    "            }",
    "        }",
    NULL,
};

static const char *const vms_reconfig[] = {
    "$spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'",
    "$spec.MemoryReservationLockedToMax = $true",
    "$changes = @()",
    "for ($k = 0; $k -lt $missing; $k++) {",
    "    $dev = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'",
    "    $dev.Operation = 'add'",
    "    $dev.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'",
    "    $dev.Device.Key = -100 - $k",
    "    if ($v.Mode -eq 'vgpu') {",
    "        $dev.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo'",
    "        $dev.Device.Backing.Vgpu = $v.Profile",
    "    } else {",
    "        # Dynamic DirectPath I/O: any host with this device can run (and HA restart) the VM.",
    "        $allowed = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughAllowedDevice'",
    "        $allowed.VendorId = $v.VendorId",
    "        $allowed.DeviceId = $v.DeviceId",
    "        $dev.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo'",
    "        $dev.Device.Backing.AllowedDevice = @($allowed)",
    "        $dev.Device.Backing.DeviceName = ''",
    "    }",
    "    $changes += $dev",
    "}",
    "if ($changes.Count -gt 0) {",
    "    $spec.DeviceChange = $changes",
    "}",
    "$options = @()",
    "foreach ($key in $extraMissing) {",
    "    $opt = New-Object -TypeName 'VMware.Vim.OptionValue'",
    "    $opt.Key = $key",
    "    $opt.Value = $extra[$key]",
    "    $options += $opt",
    "}",
    "if ($options.Count -gt 0) {",
    "    $spec.ExtraConfig = $options",
    "}",
    "$taskRef = $view.ReconfigVM_Task($spec)",
    "do {",
    "    Start-Sleep -Seconds 2",
    "    $task = Get-View -Id $taskRef",
    "} while (@('running', 'queued') -contains [string]$task.Info.State)",
    "if ([string]$task.Info.State -ne 'success') {",
    "    throw ('reconfiguring VM {0} failed: {1}' -f $v.Name, $task.Info.Error.LocalizedMessage)",
    "}",
    NULL,
};

static const char *const vms_start[] = {
    "$null = Start-VM -VM (Get-VM -Name $v.Name) -Confirm:$false",
    NULL,
};

static const char *const drs_head[] = {
    "",
    "    # --- DRS: pinned VMs should run on their hosts ---",
    "    foreach ($v in @($Vms | Where-Object { $_.Pinned })) {",
    "        $vmGroup = 'vgpuc-{0}-vm' -f $v.Name",
    "        $hostGroup = 'vgpuc-{0}-hosts' -f $v.Name",
    "        $rule = 'vgpuc-{0}-should-run-on' -f $v.Name",
    "        $config = (Get-Cluster -Name $ClusterName).ExtensionData.ConfigurationEx",
    "        $groups = @(foreach ($g in @($config.Group)) { if ($null -ne $g) { [string]$g.Name } })",
    "        $rules = @(foreach ($r in @($config.Rule)) { if ($null -ne $r) { [string]$r.Name } })",
    "        $present = @(@($vmGroup, $hostGroup) | Where-Object { $groups -contains $_ }).Count + @(@($rule) | Where-Object { $rules -contains $_ }).Count",
    "        if ($present -gt 0 -and $present -lt 3) {",
    "            Write-Warning ('VM {0}: the DRS objects {1}, {2}, {3} are only partly there; remove them and run again' -f $v.Name, $vmGroup, $hostGroup, $rule)",
    "            Add-VgpucResult -Target $v.Name -Step 'DRS should-run-on rule' -Status 'skipped'",
    "            continue",
    "        }",
    NULL,
};
static const char *const drs_create[] = {
    "$cluster = Get-Cluster -Name $ClusterName",
    "$g1 = New-DrsClusterGroup -Cluster $cluster -Name $vmGroup -VM (Get-VM -Name $v.Name)",
    "$g2 = New-DrsClusterGroup -Cluster $cluster -Name $hostGroup -VMHost @($v.Owners | ForEach-Object { Get-VMHost -Name $_ })",
    "$null = New-DrsVMHostRule -Cluster $cluster -Name $rule -VMGroup $g1 -VMHostGroup $g2 -Type 'ShouldRunOn'",
    NULL,
};

static const char *const finish[] = {
    "} finally {",
    "    if ($null -ne $connection) {",
    "        Disconnect-VIServer -Server $connection -Confirm:$false -WhatIf:$false",
    "    }",
    "}",
    NULL,
};

void vg_emit_vmware(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                    const struct vg_emit_info *info, struct vg_strbuf *out)
{
    struct vmw x = {0, 0};
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
    vg_ps_header(out, &hd);
    emit_data(ctx, out, c, p, &x);

    vg_ps_lines(out, 0, connect);
    if (x.pinned)
        vg_ps_lines(out, 0, preflight_cluster);
    vg_ps_preflight_end(out, 1);

    if (x.hotmigrate) {
        vg_ps_lines(out, 0, hotmigrate_head);
        vg_ps_change(out, 2, NULL, "$Server", "'create vgpu.hotmigrate.enabled = true'", hotmigrate_new);
        vg_sb_puts(out, "    } else {\n");
        vg_ps_change(out, 2, "[string]$setting.Value -eq 'true'", "$Server", "'set vgpu.hotmigrate.enabled to true'",
                     hotmigrate_set);
        vg_sb_puts(out, "    }\n");
    }
    vg_ps_lines(out, 0, hosts_head);
    vg_ps_change(out, 2, "[string]$gm.GraphicsConfig.HostDefaultGraphicsType -eq 'sharedDirect'", "$h.Name",
                 "'set the default graphics type to Shared Direct'", hosts_graphics);
    vg_sb_puts(out, "    }\n");

    vg_ps_lines(out, 0, vms_head);
    vg_ps_change(out, 2, NULL, "$v.Name", "'add GPU device(s), lock the memory reservation, set 64-bit MMIO'",
                 vms_reconfig);
    vg_sb_puts(out, "        if ($stopped) {\n");
    vg_ps_change(out, 3, NULL, "$v.Name", "'power on again (it was on)'", vms_start);
    vg_sb_puts(out, "        }\n    }\n");

    if (x.pinned) {
        vg_ps_lines(out, 0, drs_head);
        vg_ps_change(out, 2, "$present -eq 3", "$v.Name", "('create DRS groups and the should-run-on rule {0}' -f $rule)",
                     drs_create);
        vg_sb_puts(out, "    }\n");
    }
    vg_sb_puts(out, "\n    # --- Summary ---\n");
    vg_ps_summary(out, 1);
    vg_ps_lines(out, 0, finish);
}
