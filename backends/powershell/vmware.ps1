# vmware.ps1 - the vSphere part of vgpuc's script runtime (vgpuc build --target vmware).
#
# A reconciler: read the live state of the declared cluster through the one
# connection the script opened, compare it with what the .vgpu file declares,
# print the plan of changes, apply only what differs, and report. It uses
# common.ps1 (embedded before it) for the run record, the plan, ShouldProcess
# (Invoke-VgpucChange), the per-VM power transaction (Invoke-VgpucTransaction),
# exact-name matching, console escaping, the summary and -LogPath.
#
# Identity: the declared cluster is resolved first (exactly one, exact name);
# every host and VM is looked up inside it (-Location), by exact,
# case-insensitive name over the full list (never a -Name wildcard), and used
# afterwards by its MoRef. Every PowerCLI call passes -Server $Connection.
#
# vSphere API members used (docs/sources.md, vSphere, developer.broadcom.com):
# HostGraphicsManager (GraphicsConfig, GraphicsInfo, SharedPassthruGpuTypes,
# UpdateGraphicsConfig, RefreshGraphicsManager), HostPciPassthruSystem
# (PciPassthruInfo, UpdatePassthruConfig, Refresh), HostServiceSystem
# (ServiceInfo, RestartService: the host's xorg service), HostSystem
# (RebootHost), VirtualMachine (Config, Runtime, Guest.ToolsRunningStatus,
# ReconfigVM, ShutdownGuest), VirtualMachineConfigSpec (DeviceChange, MemoryMB,
# MemoryReservationLockedToMax, ExtraConfig), VirtualPCIPassthrough with
# VirtualPCIPassthroughVmiopBackingInfo (vGPU) or
# VirtualPCIPassthroughDynamicBackingInfo (dynamic DirectPath I/O).
#
# Windows PowerShell 5.1 syntax only (no ternary, ??, ?., pipeline chains).

Set-StrictMode -Version Latest

function Get-VgpucVmwPciHex {
    <# A PCI vendor or device id (Int16 in PowerCLI, int in the API) as 4 lower-case hex digits. #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][AllowNull()][object]$Value)
    if ($null -eq $Value) {
        return ''
    }
    '{0:x4}' -f (([int]$Value) -band 0xFFFF)
}

function Get-VgpucVmwPciKey {
    <# "vvvv:dddd", or "vvvv:dddd/ssss:ssss" with the PCI subsystem where it is known. #>
    [CmdletBinding()]
    [OutputType([string])]
    param([AllowNull()][object]$VendorId, [AllowNull()][object]$DeviceId, [AllowNull()][object]$SubVendorId, [AllowNull()][object]$SubDeviceId)
    $key = '{0}:{1}' -f (Get-VgpucVmwPciHex -Value $VendorId), (Get-VgpucVmwPciHex -Value $DeviceId)
    if ($null -ne $SubDeviceId -and [int]$SubDeviceId -ne 0) {
        $key += '/{0}:{1}' -f (Get-VgpucVmwPciHex -Value $SubVendorId), (Get-VgpucVmwPciHex -Value $SubDeviceId)
    }
    $key
}

function Resolve-VgpucVmwCluster {
    <# The declared cluster: exactly one cluster of that exact name in the vCenter, or $null
       with a pre-flight problem. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Run, [Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][string]$Name)
    $found = @(Select-VgpucByName -InputObject @(Get-Cluster -Server $Connection) -Name $Name)
    if ($found.Count -ne 1) {
        Add-VgpucProblem -Run $Run -Text ('cluster {0}: {1} clusters of that name in {2}, exactly 1 expected' -f $Name, $found.Count, [string]$Connection.Name)
        return $null
    }
    $found[0]
}

function Find-VgpucVmwHostGpu {
    <# The host's NVIDIA GPUs of one declared model: by PCI vendor and device id when the
       catalog has them, else by the model name in the device name. Each with its PCI address
       ("bus:slot.function", the id HostPciPassthruInfo and HostGraphicsInfo use: the part of
       VMHostPciDevice.Id after the host's id), sorted by it. #>
    [CmdletBinding()]
    param([object[]]$PciDevices, [Parameter(Mandatory)][object]$Gpu)
    $found = @($PciDevices | Where-Object {
            if ($Gpu.VendorId -and $Gpu.DeviceId) {
                # Models that share a device id (A2 and A16: 10DE:25B6) differ in the PCI
                # subsystem, which the catalog gives for them (VMHostPciDevice.SubVendorId/SubDeviceId).
                (Get-VgpucVmwPciHex -Value $_.VendorId) -eq (Get-VgpucVmwPciHex -Value $Gpu.VendorId) -and (Get-VgpucVmwPciHex -Value $_.DeviceId) -eq (Get-VgpucVmwPciHex -Value $Gpu.DeviceId) -and
                (-not $Gpu.SubDeviceId -or ((Get-VgpucVmwPciHex -Value $_.SubVendorId) -eq (Get-VgpucVmwPciHex -Value $Gpu.SubVendorId) -and (Get-VgpucVmwPciHex -Value $_.SubDeviceId) -eq (Get-VgpucVmwPciHex -Value $Gpu.SubDeviceId)))
            } else {
                (Get-VgpucVmwPciHex -Value $_.VendorId) -eq '10de' -and ([string]$_.DeviceName) -match ('\b' + [regex]::Escape([string]$Gpu.Model) + '\b')
            }
        })
    @($found | ForEach-Object {
            [pscustomobject]@{ Id = (([string]$_.Id) -replace '^.*/', ''); VendorId = $_.VendorId; DeviceId = $_.DeviceId; SubVendorId = $_.SubVendorId; SubDeviceId = $_.SubDeviceId; DeviceName = [string]$_.DeviceName }
        } | Sort-Object -Property Id)
}

function Get-VgpucVmwHostState {
    <# Read one declared host: connection state, GPUs, vGPU Manager (installed component
       and loaded module), graphics (configured and active), passthrough. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Declared,
        [Parameter(Mandatory)][object]$VMHost
    )
    $name = $Declared.Name
    $st = [pscustomobject]@{
        Declared = $Declared; VMHost = $VMHost; View = $VMHost.ExtensionData; Usable = $true
        Maintenance = ([string]$VMHost.ConnectionState -eq 'Maintenance')
        GpusByModel = @{}; Graphics = $null; Passthru = $null; ServiceSystemId = $null
    }
    if (@('Connected', 'Maintenance') -notcontains [string]$VMHost.ConnectionState) {
        Add-VgpucProblem -Run $Run -Text ('host {0} is {1}' -f $name, $VMHost.ConnectionState)
        $st.Usable = $false
        return $st
    }
    $pci = @(Get-VMHostPciDevice -VMHost $VMHost -DeviceClass 'DisplayController' -Server $Connection)
    foreach ($g in @($Declared.Gpus)) {
        $have = @(Find-VgpucVmwHostGpu -PciDevices $pci -Gpu $g)
        $st.GpusByModel[[string]$g.Model] = $have
        if ($have.Count -ne $g.Count) {
            Add-VgpucProblem -Run $Run -Text ('host {0}: the file declares {1} {2} GPU(s), {3} found' -f $name, $g.Count, $g.Model, $have.Count)
        }
    }
    if ($Declared.Driver -and $Declared.VgpuHost) {
        $esxcliArgs = @{ VMHost = $VMHost; V2 = $true; Server = $Connection }
        $esxcli = Get-EsxCli @esxcliArgs
        $components = @($esxcli.software.component.list.Invoke() | Where-Object { ([string]$_.Name) -match '^NVD' -or ([string]$_.Vendor) -match 'NVIDIA' })
        if (@($components | Where-Object { ([string]$_.Version).StartsWith([string]$Declared.Driver) }).Count -eq 0) {
            $seen = @($components | ForEach-Object { '{0} {1}' -f $_.Name, $_.Version }) -join ', '
            if (-not $seen) {
                $seen = 'none'
            }
            Add-VgpucProblem -Run $Run -Text ('host {0}: the NVIDIA vGPU Manager {1} is not installed (found: {2})' -f $name, $Declared.Driver, $seen)
        }
        # Installed is not running: the kernel module must be loaded (vmkload_mod -l | grep nvidia).
        $loaded = @($esxcli.system.module.list.Invoke() | Where-Object { ([string]$_.Name) -eq 'nvidia' -and ([string]$_.IsLoaded) -eq 'true' })
        if ($loaded.Count -eq 0) {
            Add-VgpucProblem -Run $Run -Text ('host {0}: the NVIDIA vGPU Manager kernel module (nvidia) is not loaded; reboot the host after installing the component' -f $name)
        }
    }
    $st.Graphics = Get-View -Id $st.View.ConfigManager.GraphicsManager -Server $Connection
    $st.Passthru = Get-View -Id $st.View.ConfigManager.PciPassthruSystem -Server $Connection
    $st.ServiceSystemId = $st.View.ConfigManager.ServiceSystem
    $st
}

function Get-VgpucVmwVmGpuDevice {
    <# The VM's PCI passthrough devices (vGPU and DirectPath I/O), as objects. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Config)
    foreach ($d in @($Config.Hardware.Device)) {
        if ($d -is [VMware.Vim.VirtualPCIPassthrough]) {
            $kind = 'other'
            $profile = $null
            $ids = @()
            if ($d.Backing -is [VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo]) {
                $kind = 'vgpu'
                $profile = [string]$d.Backing.Vgpu
            } elseif ($d.Backing -is [VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo]) {
                $kind = 'dynamic'
                $ids = @(foreach ($a in @($d.Backing.AllowedDevice)) { if ($null -ne $a) { Get-VgpucVmwPciKey -VendorId $a.VendorId -DeviceId $a.DeviceId -SubVendorId $a.SubVendorId -SubDeviceId $a.SubDeviceId } })
            }
            [pscustomobject]@{ Device = $d; Kind = $kind; Profile = $profile; Ids = $ids }
        }
    }
}

function Get-VgpucVmwVmState {
    <# Read one VM (by its MoRef view): power, Tools, hardware version, firmware, memory,
       extra config and GPU devices. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$VM)
    $view = $VM.ExtensionData
    $extra = @{}
    foreach ($o in @($view.Config.ExtraConfig)) {
        if ($null -ne $o) {
            $extra[[string]$o.Key] = [string]$o.Value
        }
    }
    $hw = 0
    $m = [regex]::Match([string]$view.Config.Version, '^vmx-(\d+)$')
    if ($m.Success) {
        $hw = [int]$m.Groups[1].Value
    }
    [pscustomobject]@{
        VM = $VM; Id = $VM.Id; Name = [string]$VM.Name; View = $view
        PowerState = [string]$view.Runtime.PowerState
        ToolsRunning = ([string]$view.Guest.ToolsRunningStatus -eq 'guestToolsRunning')
        HardwareVersion = $hw
        Firmware = [string]$view.Config.Firmware
        MemoryMB = [long]$view.Config.Hardware.MemoryMB
        LockedToMax = [bool]$view.Config.MemoryReservationLockedToMax
        ExtraConfig = $extra
        HostId = [string]$view.Runtime.Host
        Devices = @(Get-VgpucVmwVmGpuDevice -Config $view.Config)
    }
}

function Compare-VgpucVmwVm {
    <# The difference between a declared VM and its live state: the devices to remove and
       to add (the declared devices are the whole truth), and the settings that differ. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Declared, [Parameter(Mandatory)][object]$State)
    $want = [int]$Declared.Count
    $keep = [System.Collections.Generic.List[object]]::new()
    $remove = [System.Collections.Generic.List[object]]::new()
    $wantIds = Get-VgpucVmwPciKey -VendorId $Declared.VendorId -DeviceId $Declared.DeviceId -SubVendorId $Declared.SubVendorId -SubDeviceId $Declared.SubDeviceId
    foreach ($d in @($State.Devices)) {
        $match = $false
        if ($Declared.Mode -eq 'vgpu') {
            $match = $d.Kind -eq 'vgpu' -and [string]::Equals($d.Profile, [string]$Declared.Profile, [StringComparison]::OrdinalIgnoreCase)
        } else {
            $match = $d.Kind -eq 'dynamic' -and @($d.Ids).Count -eq 1 -and $d.Ids[0] -eq $wantIds
        }
        if ($match -and $keep.Count -lt $want) {
            $keep.Add($d)
        } else {
            $remove.Add($d)
        }
    }
    $settings = [System.Collections.Generic.List[string]]::new()
    $extra = @{}
    if ($Declared.Mmio64Gb -gt 0) {
        $extra['pciPassthru.use64bitMMIO'] = 'TRUE'
        $extra['pciPassthru.64bitMMIOSizeGB'] = [string]$Declared.Mmio64Gb
    }
    $extraChange = @{}
    foreach ($k in @($extra.Keys | Sort-Object)) {
        if (-not $State.ExtraConfig.ContainsKey($k) -or $State.ExtraConfig[$k] -ne $extra[$k]) {
            $extraChange[$k] = $extra[$k]
            $settings.Add(('{0} = {1}' -f $k, $extra[$k]))
        }
    }
    if (-not $State.LockedToMax) {
        $settings.Add('reserve all guest memory (locked)')
    }
    # The declared firmware (EFI where the GPU needs it), set only on a powered-off VM.
    $fwWant = [string]$Declared.Firmware
    if ($Declared.Efi) {
        $fwWant = 'efi'
    }
    $firmware = $null
    $firmwareDrift = ''
    if ($fwWant -and $State.Firmware -ne $fwWant) {
        if ($State.PowerState -eq 'poweredOff') {
            $firmware = $fwWant
            $settings.Add(('firmware {0} -> {1}' -f $State.Firmware, $fwWant))
        } else {
            $firmwareDrift = 'boots with {0}, the file declares {1}: the firmware is changed only while the VM is powered off (convert the guest first); left as it is' -f $State.Firmware, $fwWant
        }
    }
    if ($Declared.MemoryMB -gt 0 -and $State.MemoryMB -ne $Declared.MemoryMB) {
        $settings.Add(('memory {0} MB -> {1} MB' -f $State.MemoryMB, $Declared.MemoryMB))
    }
    $changes = [System.Collections.Generic.List[string]]::new()
    foreach ($d in $remove) {
        if ($d.Kind -eq 'vgpu') {
            $changes.Add(('remove vGPU {0}' -f $d.Profile))
        } elseif ($d.Kind -eq 'dynamic') {
            $changes.Add(('remove DirectPath I/O device {0}' -f ($d.Ids -join ',')))
        } else {
            $changes.Add('remove a PCI passthrough device')
        }
    }
    $add = $want - $keep.Count
    if ($add -gt 0) {
        if ($Declared.Mode -eq 'vgpu') {
            $changes.Add(('add {0} vGPU {1}' -f $add, $Declared.Profile))
        } else {
            $changes.Add(('add {0} dynamic DirectPath I/O {1} ({2})' -f $add, $Declared.GpuModel, $wantIds))
        }
    }
    foreach ($s in $settings) {
        $changes.Add($s)
    }
    [long]$memory = 0
    if ($Declared.MemoryMB -gt 0 -and $State.MemoryMB -ne $Declared.MemoryMB) {
        $memory = [long]$Declared.MemoryMB
    }
    [pscustomobject]@{
        Remove = @($remove); Add = $add; ExtraConfig = $extraChange
        Lock = (-not $State.LockedToMax)
        MemoryMB = $memory
        Firmware = $firmware; FirmwareDrift = $firmwareDrift
        Changes = @($changes)
        NeedsChange = ($changes.Count -gt 0)
    }
}

function New-VgpucVmwConfigSpec {
    <# One VirtualMachineConfigSpec for the whole difference: removals, additions, memory,
       the locked reservation and the extra config. #>
    [CmdletBinding()]
    [OutputType('VMware.Vim.VirtualMachineConfigSpec')]
    param([Parameter(Mandatory)][object]$Declared, [Parameter(Mandatory)][object]$Diff)
    $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
    $spec.MemoryReservationLockedToMax = $true
    if ($Diff.MemoryMB -gt 0) {
        $spec.MemoryMB = $Diff.MemoryMB
    }
    if ($Diff.Firmware) {
        $spec.Firmware = $Diff.Firmware
    }
    $changes = @()
    foreach ($d in @($Diff.Remove)) {
        $dc = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
        $dc.Operation = 'remove'
        $dc.Device = $d.Device
        $changes += $dc
    }
    for ($k = 0; $k -lt $Diff.Add; $k++) {
        $dc = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
        $dc.Operation = 'add'
        $dc.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
        $dc.Device.Key = -100 - $k
        if ($Declared.Mode -eq 'vgpu') {
            $dc.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo'
            $dc.Device.Backing.Vgpu = $Declared.Profile
        } else {
            # Dynamic DirectPath I/O: any host with this device can run (and HA restart) the VM.
            $allowed = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughAllowedDevice'
            $allowed.VendorId = [int]$Declared.VendorId
            $allowed.DeviceId = [int]$Declared.DeviceId
            if ($Declared.SubDeviceId) {
                # The subsystem, where two models share the device id (A2 / A16).
                $allowed.SubVendorId = [int]$Declared.SubVendorId
                $allowed.SubDeviceId = [int]$Declared.SubDeviceId
            }
            $dc.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo'
            $dc.Device.Backing.AllowedDevice = @($allowed)
            $dc.Device.Backing.DeviceName = ''
        }
        $changes += $dc
    }
    if ($changes.Count -gt 0) {
        $spec.DeviceChange = $changes
    }
    $options = @()
    foreach ($key in @($Diff.ExtraConfig.Keys | Sort-Object)) {
        $opt = New-Object -TypeName 'VMware.Vim.OptionValue'
        $opt.Key = $key
        $opt.Value = $Diff.ExtraConfig[$key]
        $options += $opt
    }
    if ($options.Count -gt 0) {
        $spec.ExtraConfig = $options
    }
    $spec
}

function Wait-VgpucVmwPowerState {
    <# Poll the VM (by MoRef) until it reaches the power state, or throw at the timeout. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$MoRef,
        [Parameter(Mandatory)][string]$State,
        [Parameter(Mandatory)][int]$TimeoutSeconds
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $now = Get-View -Id $MoRef -Server $Connection
        if ([string]$now.Runtime.PowerState -eq $State) {
            return
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            throw ('the VM did not reach {0} within {1} seconds; it was not powered off' -f $State, $TimeoutSeconds)
        }
        Start-Sleep -Seconds 5
    }
}

function Stop-VgpucVmwGuest {
    <# Shut the guest down through VMware Tools (never a power-off) and wait for it. #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$State, [Parameter(Mandatory)][int]$TimeoutSeconds)
    if (-not $PSCmdlet.ShouldProcess($State.Name, 'shut down the guest OS (never a power-off)')) {
        return
    }
    $view = Get-View -Id $State.View.MoRef -Server $Connection
    $view.ShutdownGuest()
    Wait-VgpucVmwPowerState -Connection $Connection -MoRef $State.View.MoRef -State 'poweredOff' -TimeoutSeconds $TimeoutSeconds
}

function Start-VgpucVmwVm {
    <# Power the VM on again (it was running before the run). #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$State)
    if (-not $PSCmdlet.ShouldProcess($State.Name, 'power on')) {
        return
    }
    $vm = Get-VM -Id $State.Id -Server $Connection
    $null = Start-VM -VM $vm -Server $Connection -Confirm:$false
}

function Test-VgpucVmwCanStop {
    <# Why a VM cannot be stopped cleanly for a change, or '' when it can. #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][object]$State)
    if ($State.PowerState -eq 'suspended') {
        return 'the VM is suspended; it is left as it is, never resumed (resume or power it off, then run again)'
    }
    if ($State.PowerState -eq 'poweredOn' -and -not $State.ToolsRunning) {
        return 'VMware Tools is not running, so the guest cannot be shut down cleanly and it is never powered off (shut it down, then run again)'
    }
    ''
}

function Get-VgpucVmwPassthruPlan {
    <# The GPUs of a host to give to DirectPath I/O: per declared model, the plan's number,
       chosen stably by PCI id among the GPUs no vGPU uses (already enabled ones first). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$HostState)
    $info = @{}
    foreach ($p in @($HostState.Passthru.PciPassthruInfo)) {
        if ($null -ne $p) {
            $info[[string]$p.Id] = $p
        }
    }
    # A GPU that serves vGPUs now (not 'direct', with VMs on it) is never taken.
    $inUse = @{}
    foreach ($gi in @($HostState.Graphics.GraphicsInfo)) {
        if ($null -ne $gi -and [string]$gi.GraphicsType -ne 'direct' -and @($gi.Vm | Where-Object { $null -ne $_ }).Count -gt 0) {
            $inUse[[string]$gi.PciId] = $true
        }
    }
    foreach ($g in @($HostState.Declared.Passthrough)) {
        $devices = @($HostState.GpusByModel[[string]$g.Model])
        $ranked = @($devices | Where-Object { -not $inUse.ContainsKey([string]$_.Id) } | Sort-Object -Property @{ Expression = { $i = $info[[string]$_.Id]; -not ($null -ne $i -and $i.PassthruEnabled) } }, @{ Expression = { [string]$_.Id } })
        $take = @($ranked | Select-Object -First ([int]$g.Count))
        foreach ($d in $take) {
            $i = $info[[string]$d.Id]
            [pscustomobject]@{
                Id = [string]$d.Id; Model = [string]$g.Model
                Capable = ($null -ne $i -and [bool]$i.PassthruCapable)
                Enabled = ($null -ne $i -and [bool]$i.PassthruEnabled)
                Active = ($null -ne $i -and [bool]$i.PassthruActive)
            }
        }
    }
}

function Get-VgpucVmwPassthruExtra {
    <# The host's GPUs of the declared models that are enabled for passthrough although the
       plan gives them to no DirectPath I/O VM (drift; disabled with -RemoveUndeclared). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$HostState, [AllowEmptyCollection()][string[]]$PlannedIds)
    $info = @{}
    foreach ($p in @($HostState.Passthru.PciPassthruInfo)) {
        if ($null -ne $p) {
            $info[[string]$p.Id] = $p
        }
    }
    foreach ($model in @($HostState.GpusByModel.Keys | Sort-Object)) {
        foreach ($d in @($HostState.GpusByModel[$model])) {
            $i = $info[[string]$d.Id]
            if ($null -ne $i -and [bool]$i.PassthruEnabled -and -not (Test-VgpucNameInList -Name ([string]$d.Id) -List @($PlannedIds))) {
                [pscustomobject]@{ Id = [string]$d.Id; Model = [string]$model; Active = [bool]$i.PassthruActive }
            }
        }
    }
}

function Disable-VgpucVmwPassthru {
    <# -RemoveUndeclared: passthrough off on GPUs the plan does not give to DirectPath I/O (it
       takes effect at the host's next reboot, or now where ESXi can rebind the device). #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$HostState, [Parameter(Mandatory)][object[]]$Gpus)
    if (-not $PSCmdlet.ShouldProcess([string]$HostState.VMHost.Name, 'disable passthrough')) {
        return
    }
    $configs = @()
    foreach ($g in $Gpus) {
        $c = New-Object -TypeName 'VMware.Vim.HostPciPassthruConfig'
        $c.Id = $g.Id
        $c.PassthruEnabled = $false
        $c.ApplyNow = $true
        $configs += $c
    }
    $HostState.Passthru.UpdatePassthruConfig($configs)
    $HostState.Passthru.Refresh()
    $HostState.Passthru = Get-View -Id $HostState.View.ConfigManager.PciPassthruSystem -Server $Connection
}

function Get-VgpucVmwGraphicsDiff {
    <# What the host's graphics must change. The declared host default graphics type
       (HostGraphicsConfig.HostDefaultGraphicsType: sharedDirect, or shared where the file says
       `graphics shared`) on every host that declares one; on a vGPU host also, read on the
       ACTIVE state (GraphicsInfo), Shared Direct for every vGPU GPU and the declared vGPU
       mode; on another host the configured per-device types that override the default. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$HostState, [string[]]$PassthroughIds)
    $gm = $HostState.Graphics
    $declared = $HostState.Declared
    $why = [System.Collections.Generic.List[string]]::new()
    $devices = [System.Collections.Generic.List[string]]::new()
    $activeWrong = $false
    $want = [string]$declared.Graphics
    if (-not $want) {
        return [pscustomobject]@{ Needed = $false; ActiveWrong = $false; Why = @(); Devices = @(); PassthroughIds = @($PassthroughIds) }
    }
    if ([string]$gm.GraphicsConfig.HostDefaultGraphicsType -ne $want) {
        $why.Add(('default graphics type {0} -> {1}' -f $gm.GraphicsConfig.HostDefaultGraphicsType, $want))
    }
    if (-not $declared.VgpuHost) {
        foreach ($t in @($gm.GraphicsConfig.DeviceType)) {
            if ($null -eq $t -or (Test-VgpucNameInList -Name ([string]$t.DeviceId) -List @($PassthroughIds))) {
                continue
            }
            if ([string]$t.GraphicsType -ne $want) {
                $devices.Add([string]$t.DeviceId)
                $why.Add(('GPU {0}: configured graphics type {1} -> {2}' -f $t.DeviceId, $t.GraphicsType, $want))
            }
        }
        return [pscustomobject]@{ Needed = ($why.Count -gt 0); ActiveWrong = $false; Why = @($why); Devices = @($devices); PassthroughIds = @($PassthroughIds) }
    }
    $active = @{}
    foreach ($gi in @($gm.GraphicsInfo)) {
        if ($null -ne $gi) {
            $active[[string]$gi.PciId] = $gi
        }
    }
    foreach ($model in @($HostState.GpusByModel.Keys | Sort-Object)) {
        foreach ($d in @($HostState.GpusByModel[$model])) {
            $id = [string]$d.Id
            if (Test-VgpucNameInList -Name $id -List @($PassthroughIds)) {
                continue
            }
            $devices.Add($id)
            $gi = $active[$id]
            if ($null -eq $gi -or [string]$gi.GraphicsType -ne 'sharedDirect') {
                $activeWrong = $true
                $now = 'none'
                if ($null -ne $gi) {
                    $now = [string]$gi.GraphicsType
                }
                $why.Add(('GPU {0}: active graphics type {1} -> sharedDirect' -f $id, $now))
            }
            $mode = $null
            if ($null -ne $gi -and $gi.PSObject.Properties.Match('VgpuMode').Count -gt 0) {
                $mode = [string]$gi.VgpuMode
            }
            if (($declared.VgpuMode -eq 'mixedSize' -and $mode -ne 'mixedSize') -or ($declared.VgpuMode -eq 'sameSize' -and $mode -eq 'mixedSize')) {
                $activeWrong = $true
            }
            if ($declared.VgpuMode -eq 'mixedSize' -and $mode -ne 'mixedSize') {
                $why.Add(('GPU {0}: vGPU mode {1} -> mixedSize' -f $id, $(if ($mode) { $mode } else { 'none' })))
            } elseif ($declared.VgpuMode -eq 'sameSize' -and $mode -eq 'mixedSize') {
                $why.Add(('GPU {0}: vGPU mode mixedSize -> sameSize' -f $id))
            }
        }
    }
    [pscustomobject]@{ Needed = ($why.Count -gt 0); ActiveWrong = $activeWrong; Why = @($why); Devices = @($devices); PassthroughIds = @($PassthroughIds) }
}

function Set-VgpucVmwHostGraphics {
    <# Apply the graphics configuration and restart the host's Xorg service (the documented
       step: /etc/init.d/xorg restart), then check the ACTIVE type. Runs with no vGPU VM running. #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$HostState, [Parameter(Mandatory)][object]$Diff)
    if (-not $PSCmdlet.ShouldProcess([string]$HostState.VMHost.Name, 'update the graphics configuration and restart Xorg')) {
        return
    }
    $gm = $HostState.Graphics
    $want = [string]$HostState.Declared.Graphics
    # HostGraphicsConfig: hostDefaultGraphicsType and sharedPassthruAssignmentPolicy are both
    # required (vSphere API reference); the policy is kept as the host has it.
    $config = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'
    $config.HostDefaultGraphicsType = $want
    $config.SharedPassthruAssignmentPolicy = $gm.GraphicsConfig.SharedPassthruAssignmentPolicy
    $types = @()
    foreach ($id in @($Diff.Devices)) {
        $t = New-Object -TypeName 'VMware.Vim.HostGraphicsConfigDeviceType'
        $t.DeviceId = $id
        $t.GraphicsType = $want
        if ($HostState.Declared.VgpuHost -and ($HostState.Declared.VgpuMode -eq 'mixedSize' -or @($Diff.Why | Where-Object { $_ -match 'vGPU mode' }).Count -gt 0)) {
            $t.VgpuMode = $HostState.Declared.VgpuMode
        }
        $types += $t
    }
    if ($types.Count -gt 0) {
        $config.DeviceType = $types
    }
    $gm.UpdateGraphicsConfig($config)
    $services = Get-View -Id $HostState.ServiceSystemId -Server $Connection
    if (@($services.ServiceInfo.Service | Where-Object { $null -ne $_ -and [string]$_.Key -eq 'xorg' }).Count -eq 0) {
        throw 'the host has no xorg service to restart; reboot the host (in maintenance mode) to activate the graphics type'
    }
    $services.RestartService('xorg')
    $gm.RefreshGraphicsManager()
    $HostState.Graphics = Get-View -Id $HostState.View.ConfigManager.GraphicsManager -Server $Connection
    $after = Get-VgpucVmwGraphicsDiff -HostState $HostState -PassthroughIds $Diff.PassthroughIds
    if ($after.Needed) {
        throw ('after the Xorg restart the host still differs: {0}; reboot the host (in maintenance mode)' -f ($after.Why -join '; '))
    }
}

function Enable-VgpucVmwPassthru {
    <# Enable passthrough on the chosen GPUs (applied now where ESXi can; else it needs a reboot). #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$HostState, [Parameter(Mandatory)][object[]]$Gpus)
    if (-not $PSCmdlet.ShouldProcess([string]$HostState.VMHost.Name, 'enable passthrough')) {
        return
    }
    $configs = @()
    foreach ($g in $Gpus) {
        $c = New-Object -TypeName 'VMware.Vim.HostPciPassthruConfig'
        $c.Id = $g.Id
        $c.PassthruEnabled = $true
        $c.ApplyNow = $true
        $configs += $c
    }
    $HostState.Passthru.UpdatePassthruConfig($configs)
    $HostState.Passthru.Refresh()
    $HostState.Passthru = Get-View -Id $HostState.View.ConfigManager.PciPassthruSystem -Server $Connection
}

function Start-VgpucVmwHostReboot {
    <# Reboot a host in maintenance mode (HostSystem.RebootHost with force = false: ESXi
       refuses it outside maintenance mode) without waiting for it: returns what
       Wait-VgpucVmwHostReboot needs (Name, VMHost, Before: its HostRuntimeInfo.bootTime
       before the call; Back: $null until vCenter sees it again). The one reboot of the
       build (passthrough, Restart-VgpucVmwHost) and of the rollout (rollout-vmware.ps1,
       the hosts of a batch rebooted together). #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$VMHost
    )
    $view = Get-View -Id $VMHost.ExtensionData.MoRef -Server $Connection
    $before = $view.Runtime.BootTime
    $view.RebootHost($false)
    [pscustomobject]@{ Name = [string]$VMHost.Name; VMHost = $VMHost; Before = $before; Back = $null }
}

function Wait-VgpucVmwHostReboot {
    <# One wait for every host rebooted by Start-VgpucVmwHostReboot (the hosts of a batch
       together, or one): until vCenter sees each again (Connected or in maintenance mode),
       booted after its reboot call (HostRuntimeInfo.bootTime later than before; where a
       host reports no boot time, connected again is taken as back): in the first seconds
       after the call vCenter may still show a host connected, with its old boot time. Sets
       each one's Back to the host as vCenter sees it then. Returns the names of the hosts
       not back within the timeout. #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Rebooted,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $left = [System.Collections.Generic.List[object]]::new()
    foreach ($r in $Rebooted) {
        $left.Add($r)
    }
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ($left.Count -gt 0) {
        Start-Sleep -Seconds 10
        foreach ($r in @($left.ToArray())) {
            $h = Get-VMHost -Id $r.VMHost.Id -Server $Connection
            $booted = $h.ExtensionData.Runtime.BootTime
            if (@('Connected', 'Maintenance') -contains [string]$h.ConnectionState -and
                ($null -eq $r.Before -or ($null -ne $booted -and $booted -gt $r.Before))) {
                $r.Back = $h
                $null = $left.Remove($r)
                Write-Host ('  {0}: back after its reboot' -f (Format-VgpucText -Text $r.Name))
            }
        }
        if ($left.Count -gt 0 -and (Get-Date) -gt $deadline) {
            break
        }
    }
    [string[]]@($left | ForEach-Object { [string]$_.Name })
}

function Restart-VgpucVmwHost {
    <# Reboot one host in maintenance mode and wait for it (Start-VgpucVmwHostReboot, then
       Wait-VgpucVmwHostReboot): returns the host as vCenter sees it after the reboot;
       throws when it is not back within the timeout. #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$VMHost,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $r = Start-VgpucVmwHostReboot -Connection $Connection -VMHost $VMHost
    $late = @(Wait-VgpucVmwHostReboot -Connection $Connection -Rebooted @($r) -TimeoutSeconds $TimeoutSeconds)
    if ($late.Count -gt 0) {
        throw ('the host did not come back within {0} seconds' -f $TimeoutSeconds)
    }
    $r.Back
}

function Update-VgpucVmwDrsGroup {
    <# One DRS group with exactly the given members (VM or host group), created or reconciled. #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Cluster,
        [Parameter(Mandatory)][AllowNull()][object]$Existing,
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][ValidateSet('VM', 'VMHost')][string]$Kind,
        [Parameter(Mandatory)][object[]]$Members,
        # Keep members that are not in Members (a VM group: other VMs in it are drift,
        # taken out only with -RemoveUndeclared, by Remove-VgpucVmwDrsMember).
        [switch]$AddOnly
    )
    if (-not $PSCmdlet.ShouldProcess($Name, 'create or update the DRS group')) {
        return $Existing
    }
    if ($null -eq $Existing) {
        if ($Kind -eq 'VM') {
            return (New-DrsClusterGroup -Cluster $Cluster -Name $Name -VM $Members -Server $Connection)
        }
        return (New-DrsClusterGroup -Cluster $Cluster -Name $Name -VMHost $Members -Server $Connection)
    }
    $have = @($Existing.Member | Where-Object { $null -ne $_ })
    $haveIds = @($have | ForEach-Object { [string]$_.Id })
    $wantIds = @($Members | ForEach-Object { [string]$_.Id })
    $add = @($Members | Where-Object { $haveIds -notcontains [string]$_.Id })
    $drop = @($have | Where-Object { $wantIds -notcontains [string]$_.Id })
    if ($AddOnly) {
        $drop = @()
    }
    $group = $Existing
    if ($add.Count -gt 0) {
        if ($Kind -eq 'VM') {
            $group = Set-DrsClusterGroup -DrsClusterGroup $group -VM $add -Add -Server $Connection
        } else {
            $group = Set-DrsClusterGroup -DrsClusterGroup $group -VMHost $add -Add -Server $Connection
        }
    }
    if ($drop.Count -gt 0) {
        if ($Kind -eq 'VM') {
            $group = Set-DrsClusterGroup -DrsClusterGroup $group -VM $drop -Remove -Server $Connection
        } else {
            $group = Set-DrsClusterGroup -DrsClusterGroup $group -VMHost $drop -Remove -Server $Connection
        }
    }
    $group
}

function Get-VgpucVmwDrsDiff {
    <# What differs in the DRS objects of one pinned VM: its VM group, host group and rule. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Pin, [object[]]$Groups, [object[]]$Rules)
    $why = [System.Collections.Generic.List[string]]::new()
    $vmGroup = @($Groups | Where-Object { [string]$_.Name -ceq $Pin.VmGroup }) | Select-Object -First 1
    $hostGroup = @($Groups | Where-Object { [string]$_.Name -ceq $Pin.HostGroup }) | Select-Object -First 1
    $rule = @($Rules | Where-Object { [string]$_.Name -ceq $Pin.Rule }) | Select-Object -First 1
    if ($null -eq $vmGroup) {
        $why.Add(('create VM group {0}' -f $Pin.VmGroup))
    } else {
        # The pinned VM must be a member; other members are drift (Get-VgpucVmwDrsDrift).
        $ids = @($vmGroup.Member | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.Id })
        if ($ids -notcontains [string]$Pin.VM.Id) {
            $why.Add(('VM group {0}: add {1}' -f $Pin.VmGroup, $Pin.VM.Name))
        }
    }
    if ($null -eq $hostGroup) {
        $why.Add(('create host group {0}' -f $Pin.HostGroup))
    } else {
        $ids = @($hostGroup.Member | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.Id } | Sort-Object)
        $want = @($Pin.Hosts | ForEach-Object { [string]$_.Id } | Sort-Object)
        if (($ids -join '|') -ne ($want -join '|')) {
            $why.Add(('host group {0}: members -> {1}' -f $Pin.HostGroup, (@($Pin.Hosts | ForEach-Object { $_.Name }) -join ', ')))
        }
    }
    if ($null -eq $rule) {
        $why.Add(('create rule {0} (should run on)' -f $Pin.Rule))
    } else {
        if (-not [bool]$rule.Enabled) {
            $why.Add(('rule {0}: enable it' -f $Pin.Rule))
        }
        if ([string]$rule.Type -ne 'ShouldRunOn') {
            $why.Add(('rule {0}: type {1} -> ShouldRunOn' -f $Pin.Rule, $rule.Type))
        }
        if ($null -eq $rule.VMGroup -or [string]$rule.VMGroup.Name -cne $Pin.VmGroup -or $null -eq $rule.VMHostGroup -or [string]$rule.VMHostGroup.Name -cne $Pin.HostGroup) {
            $why.Add(('rule {0}: groups -> {1}, {2}' -f $Pin.Rule, $Pin.VmGroup, $Pin.HostGroup))
        }
    }
    [pscustomobject]@{ Why = @($why); VmGroup = $vmGroup; HostGroup = $hostGroup; Rule = $rule }
}

function Set-VgpucVmwDrs {
    <# Reconcile the DRS objects of one pinned VM (members, host group, rule type, enabled). #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$Cluster, [Parameter(Mandatory)][object]$Pin, [Parameter(Mandatory)][object]$Diff)
    if (-not $PSCmdlet.ShouldProcess($Pin.Rule, 'reconcile the DRS groups and rule')) {
        return
    }
    $g1 = Update-VgpucVmwDrsGroup -Connection $Connection -Cluster $Cluster -Existing $Diff.VmGroup -Name $Pin.VmGroup -Kind 'VM' -Members @($Pin.VM) -AddOnly -Confirm:$false
    $g2 = Update-VgpucVmwDrsGroup -Connection $Connection -Cluster $Cluster -Existing $Diff.HostGroup -Name $Pin.HostGroup -Kind 'VMHost' -Members @($Pin.Hosts) -Confirm:$false
    if ($null -eq $Diff.Rule) {
        $null = New-DrsVMHostRule -Cluster $Cluster -Name $Pin.Rule -VMGroup $g1 -VMHostGroup $g2 -Type 'ShouldRunOn' -Enabled $true -Server $Connection
    } elseif ([bool]$Diff.Rule.Enabled -ne $true -or [string]$Diff.Rule.Type -ne 'ShouldRunOn' -or [string]$Diff.Rule.VMGroup.Name -cne $Pin.VmGroup -or [string]$Diff.Rule.VMHostGroup.Name -cne $Pin.HostGroup) {
        $null = Set-DrsVMHostRule -Rule $Diff.Rule -Enabled $true -Type 'ShouldRunOn' -VMGroup $g1 -VMHostGroup $g2 -Server $Connection
    }
}

function Get-VgpucVmwDrsDrift {
    <# DRS drift: the VMs in a VM group vgpuc made (vgpuc-<vm>-vm, with its should-run-on rule)
       that the file does not pin there: every member of the group of a VM the file no longer
       pins (or does not declare), and any member other than the pinned VM in a pinned VM's
       group. One entry per group: the group and the members to take out. #>
    [CmdletBinding()]
    param([object[]]$Groups, [object[]]$Pins)
    foreach ($g in @($Groups | Where-Object { $null -ne $_ -and [string]$_.GroupType -eq 'VMGroup' -and [string]$_.Name -cmatch '^vgpuc-.+-vm$' } | Sort-Object -Property Name)) {
        $pin = @($Pins | Where-Object { [string]$_.VmGroup -ceq [string]$g.Name }) | Select-Object -First 1
        $extra = @($g.Member | Where-Object { $null -ne $_ -and ($null -eq $pin -or [string]$_.Id -ne [string]$pin.VM.Id) } | Sort-Object -Property Name)
        if ($extra.Count -gt 0) {
            $why = 'vgpuc made it for a VM the file no longer pins'
            if ($null -ne $pin) {
                $why = 'the file pins only {0} there' -f $pin.Name
            }
            [pscustomobject]@{ Group = $g; Name = [string]$g.Name; Members = $extra; Why = $why }
        }
    }
}

function Remove-VgpucVmwDrsMember {
    <# -RemoveUndeclared: take the VMs the file does not pin out of a vgpuc-made VM group. #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$Drift)
    if (-not $PSCmdlet.ShouldProcess($Drift.Name, 'remove VMs the file does not pin from the DRS group')) {
        return
    }
    $null = Set-DrsClusterGroup -DrsClusterGroup $Drift.Group -VM @($Drift.Members) -Remove -Server $Connection
}

function Get-VgpucVmwGpuNeed {
    <# How many GPUs of one model a host needs for these vGPUs (each @{ Vm; Count; FbMb; Max;
       MaxMixed; Key }), or -1 when they do not fit on Gpus GPUs at all. The rules of the plan
       (compiler/plan.c): a VM's vGPUs each take a different GPU; in same-size mode a GPU
       holds vGPUs of one kind (Key: the profile, or its frame-buffer size where ESXi 8.0 U2+
       lets types of one size share a GPU) up to the smallest per-GPU maximum among them; in
       mixed-size mode any sizes while the frame buffers fit, at most the mixed-size maximum
       per size (the equal-size one where the catalog gives none). Mixed-size packing is
       first fit by decreasing size. #>
    [CmdletBinding()]
    [OutputType([int])]
    param([Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Vgpus, [Parameter(Mandatory)][int]$GpuFbMb, [Parameter(Mandatory)][int]$Gpus, [Parameter(Mandatory)][string]$Mode)
    if (@($Vgpus).Count -eq 0) {
        return 0
    }
    $capOf = {
        param($v, [bool]$Mixed)
        $cap = [Math]::Floor($GpuFbMb / [Math]::Max(1, [int]$v.FbMb))
        if ($Mixed -and [int]$v.MaxMixed -gt 0) {
            $cap = [Math]::Min($cap, [int]$v.MaxMixed)
        } elseif ([int]$v.Max -gt 0) {
            $cap = [Math]::Min($cap, [int]$v.Max)
        }
        [int]$cap
    }
    if ($Mode -ne 'mixedSize') {
        $need = 0
        foreach ($grp in @($Vgpus | Group-Object -Property Key)) {
            $n = 0
            $cap = [int]::MaxValue
            $widest = 0
            foreach ($v in $grp.Group) {
                $n += [int]$v.Count
                $cap = [Math]::Min($cap, (& $capOf $v $false))
                $widest = [Math]::Max($widest, [int]$v.Count)
            }
            if ($cap -le 0) {
                return -1
            }
            $need += [Math]::Max([int][Math]::Ceiling($n / $cap), $widest)
        }
        if ($need -gt $Gpus) {
            return -1
        }
        return $need
    }
    $used = [int[]]::new($Gpus)
    $bySize = @(for ($i = 0; $i -lt $Gpus; $i++) { @{} })
    foreach ($v in @($Vgpus | Sort-Object -Property @{ Expression = { [int]$_.FbMb }; Descending = $true }, @{ Expression = { [string]$_.Vm } })) {
        $cap = & $capOf $v $true
        $taken = @{}
        for ($k = 0; $k -lt [int]$v.Count; $k++) {
            $placed = $false
            for ($i = 0; $i -lt $Gpus -and -not $placed; $i++) {
                $here = 0
                if ($bySize[$i].ContainsKey([int]$v.FbMb)) {
                    $here = $bySize[$i][[int]$v.FbMb]
                }
                if (-not $taken.ContainsKey($i) -and $used[$i] + [int]$v.FbMb -le $GpuFbMb -and $here -lt $cap) {
                    $used[$i] += [int]$v.FbMb
                    $bySize[$i][[int]$v.FbMb] = $here + 1
                    $taken[$i] = $true
                    $placed = $true
                }
            }
            if (-not $placed) {
                return -1
            }
        }
    }
    @($used | Where-Object { $_ -gt 0 }).Count
}

function Test-VgpucVmwVgpuCapacity {
    <# The capacity pre-flight of vGPUs: per host and GPU model, the declared vGPU VMs on the
       host (where they are now, else where the plan puts them) and the running vGPU VMs the
       file does not declare (unless -RemoveUndeclared takes their devices) must fit on the
       host's GPUs of that model that do not serve DirectPath I/O. A problem names the host,
       the model, the VMs and what is free. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Run, [Parameter(Mandatory)][object]$Inventory, [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Vms, [switch]$RemoveUndeclared)
    $byProfile = @{}
    foreach ($d in @($Vms | Where-Object { $_.Mode -eq 'vgpu' -and [int]$_.ProfileFbMb -gt 0 })) {
        $byProfile[([string]$d.Profile).ToLowerInvariant()] = $d
    }
    foreach ($hn in @($Inventory.Hosts.Keys | Sort-Object)) {
        $hs = $Inventory.Hosts[$hn]
        if (-not $hs.Usable -or $null -eq $hs.Passthru) {
            continue
        }
        $hostId = [string]$hs.VMHost.Id
        # ESXi 8.0 U2+ lets vGPU types of one frame-buffer size share a GPU (docs/sources.md, vSphere).
        $bySizeKey = $false
        $ver = [version]'0.0'
        if ([version]::TryParse(([string]$hs.VMHost.Version), [ref]$ver)) {
            $bySizeKey = $ver -ge [version]'8.0.2'
        }
        $ptIds = @(Get-VgpucVmwPassthruPlan -HostState $hs | ForEach-Object { $_.Id })
        $active = @{}
        foreach ($p in @($hs.Passthru.PciPassthruInfo)) {
            if ($null -ne $p -and [bool]$p.PassthruActive) {
                $active[[string]$p.Id] = $true
            }
        }
        foreach ($g in @($hs.Declared.Gpus)) {
            $free = @($hs.GpusByModel[[string]$g.Model] | Where-Object { -not $active.ContainsKey([string]$_.Id) -and -not (Test-VgpucNameInList -Name ([string]$_.Id) -List $ptIds) })
            $vgpus = [System.Collections.Generic.List[object]]::new()
            foreach ($d in @($Vms | Where-Object { $_.Mode -eq 'vgpu' -and $_.GpuModel -eq $g.Model -and [int]$_.ProfileFbMb -gt 0 })) {
                $on = [string]$d.Host
                if ($Inventory.Vms.ContainsKey($d.Name) -and $Inventory.HostById.ContainsKey([string]$Inventory.Vms[$d.Name].HostId)) {
                    $on = [string]$Inventory.HostById[[string]$Inventory.Vms[$d.Name].HostId].Name
                }
                if ($on -and (Test-VgpucName -Name $on -Other $hn)) {
                    $key = [string]$d.Profile
                    if ($bySizeKey) {
                        $key = [string]$d.ProfileFbMb
                    }
                    $vgpus.Add([pscustomobject]@{ Vm = $d.Name; Count = [int]$d.Count; FbMb = [int]$d.ProfileFbMb; Max = [int]$d.ProfileMax; MaxMixed = [int]$d.ProfileMaxMixed; Key = $key })
                }
            }
            if ($vgpus.Count -eq 0) {
                continue
            }
            if (-not $RemoveUndeclared) {
                foreach ($u in @($Inventory.Undeclared | Where-Object { $_.HostId -eq $hostId -and $_.PowerState -ne 'poweredOff' })) {
                    foreach ($dev in @($u.Devices | Where-Object { $_.Kind -eq 'vgpu' })) {
                        $known = $byProfile[([string]$dev.Profile).ToLowerInvariant()]
                        if ($null -ne $known -and $known.GpuModel -eq $g.Model) {
                            $key = [string]$known.Profile
                            if ($bySizeKey) {
                                $key = [string]$known.ProfileFbMb
                            }
                            $vgpus.Add([pscustomobject]@{ Vm = $u.Name; Count = 1; FbMb = [int]$known.ProfileFbMb; Max = [int]$known.ProfileMax; MaxMixed = [int]$known.ProfileMaxMixed; Key = $key })
                        } elseif (([string]$dev.Profile) -match ('^grid_' + [regex]::Escape(([string]$g.Model).ToLowerInvariant()) + '-')) {
                            # A profile of this model the file does not use: counted as a whole GPU.
                            $vgpus.Add([pscustomobject]@{ Vm = $u.Name; Count = 1; FbMb = [int]$g.FbMb; Max = 1; MaxMixed = 1; Key = ('other:' + [string]$dev.Profile) })
                        }
                    }
                }
            }
            $need = Get-VgpucVmwGpuNeed -Vgpus $vgpus.ToArray() -GpuFbMb ([int]$g.FbMb) -Gpus $free.Count -Mode ([string]$hs.Declared.VgpuMode)
            if ($need -lt 0) {
                $list = @($vgpus | Group-Object -Property Vm | ForEach-Object { '{0} ({1})' -f $_.Name, (@($_.Group | ForEach-Object { '{0}x{1} MB' -f $_.Count, $_.FbMb }) -join '+') }) -join ', '
                Add-VgpucProblem -Run $Run -Text ('host {0}: the vGPUs that run there do not fit on its {1} {2} GPU(s) free for vGPU ({3} MB each, {4} mode): {5}' -f $hn, $free.Count, $g.Model, $g.FbMb, $hs.Declared.VgpuMode, $list)
            }
        }
    }
}

function Get-VgpucVmwInventory {
    <# The pre-flight: read the cluster, every declared host and VM, change nothing; every
       problem is recorded on the run. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Cluster,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Hosts,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Vms,
        [switch]$RemoveUndeclared
    )
    $inv = [pscustomobject]@{ Cluster = $null; Hosts = @{}; HostById = @{}; Vms = @{}; Undeclared = @() }
    $inv.Cluster = Resolve-VgpucVmwCluster -Run $Run -Connection $Connection -Name $Cluster.Name
    if ($null -eq $inv.Cluster) {
        return $inv
    }
    $liveHosts = @(Get-VMHost -Location $inv.Cluster -Server $Connection)
    foreach ($h in $liveHosts) {
        $inv.HostById[[string]$h.Id] = $h
    }
    foreach ($d in $Hosts) {
        $match = @(Select-VgpucByName -InputObject $liveHosts -Name $d.Name)
        if ($match.Count -ne 1) {
            Add-VgpucProblem -Run $Run -Text ('host {0}: {1} hosts of that name in cluster {2}, exactly 1 expected' -f $d.Name, $match.Count, $Cluster.Name)
            continue
        }
        $inv.Hosts[$d.Name] = Get-VgpucVmwHostState -Run $Run -Connection $Connection -Declared $d -VMHost $match[0]
    }

    $liveVms = @(Get-VM -Location $inv.Cluster -Server $Connection)
    $declaredNames = @($Vms | ForEach-Object { [string]$_.Name })
    foreach ($d in $Vms) {
        $found = @(Select-VgpucByName -InputObject $liveVms -Name $d.Name)
        if ($found.Count -ne 1) {
            Add-VgpucProblem -Run $Run -Text ('VM {0}: {1} VMs of that name in cluster {2}, exactly 1 expected' -f $d.Name, $found.Count, $Cluster.Name)
            continue
        }
        $s = Get-VgpucVmwVmState -VM $found[0]
        $inv.Vms[$d.Name] = $s
        # Firmware changes only on a VM that is powered off before the run (a guest must be
        # converted first; the script never shuts a VM down for it). A running VM whose GPU
        # needs EFI is a problem; one whose declared firmware merely differs is drift (plan).
        if ($d.Efi -and $s.Firmware -ne 'efi' -and $s.PowerState -ne 'poweredOff') {
            Add-VgpucProblem -Run $Run -Text ('VM {0} boots with {1}; its {2} GPU needs EFI firmware, which is changed only while the VM is powered off (convert the guest to EFI, power it off, run again)' -f $d.Name, $s.Firmware, $d.GpuModel)
        }
        if ($d.Mode -eq 'passthrough' -and $s.HardwareVersion -lt 17) {
            Add-VgpucProblem -Run $Run -Text ('VM {0}: hardware version {1}; dynamic DirectPath I/O needs 17 or later (upgrade the VM compatibility first)' -f $d.Name, $s.HardwareVersion)
        }
        if ($d.Mode -eq 'passthrough' -and -not ($d.VendorId -and $d.DeviceId)) {
            # The catalog has no PCI ids for this model: read them from the planned host's GPU.
            $dev = $null
            if ($d.Host -and $inv.Hosts.ContainsKey($d.Host)) {
                $dev = @($inv.Hosts[$d.Host].GpusByModel[[string]$d.GpuModel]) | Select-Object -First 1
            }
            if ($null -eq $dev) {
                Add-VgpucProblem -Run $Run -Text ('VM {0}: no {1} GPU found on host {2} to read its PCI vendor and device id from' -f $d.Name, $d.GpuModel, [string]$d.Host)
            } else {
                $d.VendorId = ([int]$dev.VendorId) -band 0xFFFF
                $d.DeviceId = ([int]$dev.DeviceId) -band 0xFFFF
                Write-Host ('VM {0}: DirectPath I/O device {1}:{2} ({3}, read on host {4})' -f (Format-VgpucText -Text $d.Name), (Get-VgpucVmwPciHex -Value $d.VendorId), (Get-VgpucVmwPciHex -Value $d.DeviceId), (Format-VgpucText -Text ([string]$dev.DeviceName)), (Format-VgpucText -Text ([string]$d.Host)))
            }
        }
        if ($d.Mode -eq 'vgpu' -and $d.Host -and $inv.Hosts.ContainsKey($d.Host) -and $null -ne $inv.Hosts[$d.Host].Graphics) {
            $offered = @($inv.Hosts[$d.Host].Graphics.SharedPassthruGpuTypes | Where-Object { $null -ne $_ })
            if ($offered.Count -gt 0 -and -not (Test-VgpucNameInList -Name $d.Profile -List $offered)) {
                Add-VgpucProblem -Run $Run -Text ('VM {0}: host {1} does not offer the vGPU profile {2} (offered: {3})' -f $d.Name, $d.Host, $d.Profile, ($offered -join ', '))
            }
        }
    }

    # Capacity: enough GPUs of the model on each host for the DirectPath I/O VMs planned there.
    foreach ($hn in @($inv.Hosts.Keys | Sort-Object)) {
        $hs = $inv.Hosts[$hn]
        foreach ($g in @($hs.Declared.Passthrough)) {
            $need = 0
            foreach ($d in @($Vms | Where-Object { $_.Mode -eq 'passthrough' -and $_.GpuModel -eq $g.Model -and $_.Host -and (Test-VgpucName -Name ([string]$_.Host) -Other $hn) })) {
                $need += [int]$d.Count
            }
            $have = @($hs.GpusByModel[[string]$g.Model]).Count
            if ($need -gt $have) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: {1} {2} GPU(s) needed for DirectPath I/O, {3} present' -f $hn, $need, $g.Model, $have)
            }
        }
    }

    # Undeclared VMs of the cluster that hold GPU devices.
    $inv.Undeclared = @(foreach ($v in $liveVms) {
            if (Test-VgpucNameInList -Name ([string]$v.Name) -List $declaredNames) {
                continue
            }
            $s = Get-VgpucVmwVmState -VM $v
            if (@($s.Devices).Count -gt 0) {
                $s
            }
        })
    Test-VgpucVmwVgpuCapacity -Run $Run -Inventory $inv -Vms $Vms -RemoveUndeclared:$RemoveUndeclared
    $inv
}

function Get-VgpucVmwRunningVgpuVm {
    <# The VMs (declared or not) powered on or suspended on a host with a vGPU device. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Inventory, [Parameter(Mandatory)][object]$HostState)
    $id = [string]$HostState.VMHost.Id
    @(@($Inventory.Vms.Values) + @($Inventory.Undeclared) | Where-Object {
            $null -ne $_ -and $_.HostId -eq $id -and $_.PowerState -ne 'poweredOff' -and @($_.Devices | Where-Object { $_.Kind -eq 'vgpu' }).Count -gt 0
        } | Sort-Object -Property Name)
}

function Get-VgpucVmwPlan {
    <# Every difference between the file and the cluster, as plan items on the run, and the
       work to do: vCenter, host and VM steps, drift, DRS. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Inventory,
        [Parameter(Mandatory)][object]$Cluster,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Hosts,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Vms,
        [AllowEmptyCollection()][AllowNull()][string[]]$VMName,
        [AllowEmptyCollection()][AllowNull()][string[]]$HostName,
        [switch]$RemoveUndeclared
    )
    $plan = [pscustomobject]@{ HotMigrate = $null; HostWork = @(); VmWork = @(); Undeclared = @(); Drs = @(); DrsDrift = @() }
    $vmScope = @{}
    foreach ($d in $Vms) {
        $vmScope[$d.Name] = (Test-VgpucInScope -Name $d.Name -Scope $VMName) -and (Test-VgpucInScope -Name ([string]$d.Host) -Scope $HostName)
    }
    $neededHosts = @($Vms | Where-Object { $vmScope[$_.Name] -and $_.Host } | ForEach-Object { [string]$_.Host })

    if ($Cluster.HotMigrate) {
        $setting = Get-AdvancedSetting -Entity $Connection -Name 'vgpu.hotmigrate.enabled' -Server $Connection
        $right = $null -ne $setting -and [string]$setting.Value -eq 'true'
        $plan.HotMigrate = [pscustomobject]@{ Setting = $setting; Right = $right; InScope = (@($VMName).Count -eq 0 -and @($HostName).Count -eq 0) }
        if (-not $right) {
            Add-VgpucPlanItem -Run $Run -Target ([string]$Connection.Name) -Action 'set vgpu.hotmigrate.enabled = true' -Reason 'vGPU VMs declare migration live' -InScope $plan.HotMigrate.InScope
        }
    }

    foreach ($d in $Hosts) {
        if (-not $Inventory.Hosts.ContainsKey($d.Name)) {
            continue
        }
        $hs = $Inventory.Hosts[$d.Name]
        $inScope = $true
        if (@($HostName).Count -gt 0) {
            $inScope = Test-VgpucNameInList -Name $d.Name -List $HostName
        } elseif (@($VMName).Count -gt 0) {
            $inScope = Test-VgpucNameInList -Name $d.Name -List $neededHosts
        }
        $pt = @(Get-VgpucVmwPassthruPlan -HostState $hs)
        $ptIds = @($pt | ForEach-Object { $_.Id })
        $extra = @(Get-VgpucVmwPassthruExtra -HostState $hs -PlannedIds $ptIds)
        # A GPU enabled for passthrough serves no vGPU: it is left out of the graphics phase.
        $gfx = Get-VgpucVmwGraphicsDiff -HostState $hs -PassthroughIds (@($ptIds) + @($extra | ForEach-Object { $_.Id }))
        foreach ($x in $extra) {
            if ($RemoveUndeclared) {
                Add-VgpucPlanItem -Run $Run -Target $d.Name -Action ('disable passthrough on GPU {0} ({1})' -f $x.Id, $x.Model) -Reason 'no DirectPath I/O VM is planned on it; -RemoveUndeclared' -InScope $inScope
            } else {
                Add-VgpucDrift -Run $Run -Target $d.Name -Text ('GPU {0} ({1}) is enabled for passthrough but no DirectPath I/O VM is planned on it; left alone (-RemoveUndeclared disables it)' -f $x.Id, $x.Model)
            }
        }
        $running = @()
        $gfxInScope = $inScope
        if ($gfx.Needed) {
            $running = @(Get-VgpucVmwRunningVgpuVm -Inventory $Inventory -HostState $hs)
            # -VMName: a host phase that would stop VMs outside the list waits for a wider run.
            if (@($VMName).Count -gt 0 -and @($running | Where-Object { -not (Test-VgpucNameInList -Name $_.Name -List $VMName) }).Count -gt 0) {
                $gfxInScope = $false
            }
        }
        $plan.HostWork += [pscustomobject]@{ Declared = $d; State = $hs; Passthru = $pt; Extra = $extra; Graphics = $gfx; Running = $running; InScope = $inScope; GraphicsInScope = $gfxInScope; RemoveUndeclared = [bool]$RemoveUndeclared }
        foreach ($g in @($pt | Where-Object { -not $_.Enabled })) {
            Add-VgpucPlanItem -Run $Run -Target $d.Name -Action ('enable passthrough on GPU {0} ({1})' -f $g.Id, $g.Model) -Reason 'a DirectPath I/O VM is planned on it' -InScope $inScope
        }
        foreach ($g in @($pt | Where-Object { $_.Enabled -and -not $_.Active })) {
            Add-VgpucPlanItem -Run $Run -Target $d.Name -Action ('reboot to activate passthrough on GPU {0}' -f $g.Id) -Reason 'passthrough is enabled but not active; the host is rebooted only in maintenance mode' -InScope $inScope
        }
        if ($gfx.Needed) {
            $reason = 'vGPU VMs are declared on the host'
            if (-not $d.VgpuHost) {
                $reason = 'the file declares graphics type ' + $d.Graphics
            }
            if ($running.Count -gt 0) {
                $reason += '; these vGPU VMs are shut down for it and started again: ' + (@($running | ForEach-Object { $_.Name }) -join ', ')
            }
            Add-VgpucPlanItem -Run $Run -Target $d.Name -Action ('{0}, then restart Xorg' -f ($gfx.Why -join '; ')) -Reason $reason -InScope $gfxInScope
        }
    }

    foreach ($d in $Vms) {
        if (-not $Inventory.Vms.ContainsKey($d.Name)) {
            continue
        }
        $s = $Inventory.Vms[$d.Name]
        $diff = Compare-VgpucVmwVm -Declared $d -State $s
        $plan.VmWork += [pscustomobject]@{ Declared = $d; State = $s; Diff = $diff; InScope = $vmScope[$d.Name] }
        if ($diff.FirmwareDrift) {
            Add-VgpucDrift -Run $Run -Target $d.Name -Text $diff.FirmwareDrift
        }
        if ($diff.NeedsChange) {
            $what = 'DirectPath I/O ' + $d.GpuModel
            if ($d.Mode -eq 'vgpu') {
                $what = 'vGPU ' + $d.Profile
            }
            $reason = 'declared: {0} x{1}' -f $what, $d.Count
            if ($s.PowerState -eq 'poweredOn') {
                $reason += '; shut down and started again'
            }
            Add-VgpucPlanItem -Run $Run -Target $d.Name -Action ($diff.Changes -join '; ') -Reason $reason -InScope $vmScope[$d.Name]
        }
    }

    foreach ($u in @($Inventory.Undeclared)) {
        $what = @($u.Devices | ForEach-Object { if ($_.Kind -eq 'vgpu') { 'vGPU ' + $_.Profile } else { 'DirectPath I/O ' + ($_.Ids -join ',') } }) -join ', '
        $hostOf = ''
        if ($Inventory.HostById.ContainsKey($u.HostId)) {
            $hostOf = [string]$Inventory.HostById[$u.HostId].Name
        }
        $inScope = @($VMName).Count -eq 0 -and (Test-VgpucInScope -Name $hostOf -Scope $HostName)
        if ($RemoveUndeclared) {
            $plan.Undeclared += [pscustomobject]@{ State = $u; InScope = $inScope }
            Add-VgpucPlanItem -Run $Run -Target $u.Name -Action ('remove {0} (the VM is kept)' -f $what) -Reason 'not declared in the file; -RemoveUndeclared' -InScope $inScope
        } else {
            Add-VgpucDrift -Run $Run -Target $u.Name -Text ('holds {0}; not declared in the file, left alone (-RemoveUndeclared removes its GPU devices)' -f $what)
        }
    }

    $pinned = @($Vms | Where-Object { $_.Pinned -and $Inventory.Vms.ContainsKey($_.Name) })
    # The DRS groups are read whatever the file pins: a vgpuc-made group can be drift.
    $groups = @(Get-DrsClusterGroup -Cluster $Inventory.Cluster -Server $Connection)
    $pins = [System.Collections.Generic.List[object]]::new()
    if ($pinned.Count -gt 0) {
        $rules = @(Get-DrsVMHostRule -Cluster $Inventory.Cluster -Server $Connection)
        foreach ($d in $pinned) {
            $pin = [pscustomobject]@{
                Name = $d.Name
                VM = $Inventory.Vms[$d.Name].VM
                Hosts = @(foreach ($o in @($d.Owners)) { if ($Inventory.Hosts.ContainsKey($o)) { $Inventory.Hosts[$o].VMHost } })
                VmGroup = ('vgpuc-{0}-vm' -f $d.Name); HostGroup = ('vgpuc-{0}-hosts' -f $d.Name); Rule = ('vgpuc-{0}-should-run-on' -f $d.Name)
            }
            $pins.Add($pin)
            $drs = Get-VgpucVmwDrsDiff -Pin $pin -Groups $groups -Rules $rules
            $plan.Drs += [pscustomobject]@{ Pin = $pin; Diff = $drs; InScope = $vmScope[$d.Name] }
            if (@($drs.Why).Count -gt 0) {
                Add-VgpucPlanItem -Run $Run -Target $d.Name -Action ('DRS: {0}' -f ($drs.Why -join '; ')) -Reason ('should run on {0}' -f (@($d.Owners) -join ', ')) -InScope $vmScope[$d.Name]
            }
        }
    }
    $takeOut = [bool]$RemoveUndeclared
    foreach ($x in @(Get-VgpucVmwDrsDrift -Groups $groups -Pins $pins.ToArray())) {
        $names = @($x.Members | ForEach-Object { [string]$_.Name }) -join ', '
        if ($takeOut) {
            $inScope = @($VMName).Count -eq 0 -and @($HostName).Count -eq 0
            $plan.DrsDrift += [pscustomobject]@{ Drift = $x; InScope = $inScope }
            Add-VgpucPlanItem -Run $Run -Target $x.Name -Action ('remove {0} from the DRS group' -f $names) -Reason ($x.Why + '; -RemoveUndeclared') -InScope $inScope
        } else {
            Add-VgpucDrift -Run $Run -Target $x.Name -Text ('DRS group {0} holds {1}, which the file does not pin there ({2}); left alone (-RemoveUndeclared takes them out)' -f $x.Name, $names, $x.Why)
        }
    }
    $plan
}

function Invoke-VgpucVmwHostWork {
    <# One host: passthrough (and the gated reboot it needs), then the graphics phase with the
       host's vGPU VMs shut down and started again around it. Returns why VMs that need the
       host must wait, or ''. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Work,
        [Parameter(Mandatory)][int]$ShutdownTimeoutSeconds
    )
    $name = $Work.Declared.Name
    $hs = $Work.State
    $blocked = ''
    $ptStep = 'passthrough on the DirectPath I/O GPUs'
    $gStep = ('graphics type {0} and vGPU mode' -f $(if ($Work.Declared.Graphics) { $Work.Declared.Graphics } else { 'sharedDirect' }))
    if (-not $Work.InScope) {
        if (@($Work.Passthru | Where-Object { -not $_.Active }).Count -gt 0) {
            Add-VgpucResult -Run $Run -Target $name -Step $ptStep -Status 'out of scope'
        }
        if ($Work.Graphics.Needed) {
            Add-VgpucResult -Run $Run -Target $name -Step $gStep -Status 'out of scope'
        }
        return 'the host is outside -HostName/-VMName'
    }

    $toEnable = @($Work.Passthru | Where-Object { -not $_.Enabled })
    $incapable = @($toEnable | Where-Object { -not $_.Capable })
    if (@($Work.Passthru).Count -gt 0 -and $toEnable.Count -eq 0 -and @($Work.Passthru | Where-Object { -not $_.Active }).Count -eq 0) {
        Add-VgpucResult -Run $Run -Target $name -Step $ptStep -Status 'already right'
    } elseif ($incapable.Count -gt 0) {
        Add-VgpucResult -Run $Run -Target $name -Step $ptStep -Status 'failed' -Message ('GPU(s) {0} are not passthrough capable (check VT-d / IOMMU in the BIOS)' -f (@($incapable | ForEach-Object { $_.Id }) -join ', '))
        $blocked = 'its DirectPath I/O GPUs are not passthrough capable'
    } elseif ($toEnable.Count -gt 0) {
        $enable = {
            param($Connection, $HostState, $Gpus)
            Enable-VgpucVmwPassthru -Connection $Connection -HostState $HostState -Gpus $Gpus -Confirm:$false
        }
        try {
            $done = Invoke-VgpucChange -Run $Run -Target $name -Action ('enable passthrough on GPU(s) {0}' -f (@($toEnable | ForEach-Object { $_.Id }) -join ', ')) -ScriptBlock $enable -ArgumentList @($Connection, $hs, $toEnable)
            if (-not $done) {
                $blocked = 'passthrough was not enabled'
            }
        } catch {
            $blocked = 'enabling passthrough failed'
        }
    }
    if (-not $blocked -and @($Work.Passthru).Count -gt 0 -and -not $WhatIfPreference) {
        $now = @(Get-VgpucVmwPassthruPlan -HostState $hs)
        $inactive = @($now | Where-Object { $_.Enabled -and -not $_.Active })
        if ($inactive.Count -gt 0) {
            $ids = @($inactive | ForEach-Object { $_.Id }) -join ', '
            if (-not $hs.Maintenance) {
                Add-VgpucResult -Run $Run -Target $name -Step ('reboot to activate passthrough on {0}' -f $ids) -Status 'failed' -Message 'the host needs a reboot; the script reboots only a host in maintenance mode: put it in maintenance mode and run again'
                $blocked = 'the host needs a reboot to activate passthrough'
            } else {
                $reboot = {
                    param($Connection, $HostState)
                    $h = Restart-VgpucVmwHost -Connection $Connection -VMHost $HostState.VMHost -TimeoutSeconds 1800
                    $HostState.VMHost = $h
                    $HostState.View = $h.ExtensionData
                    $HostState.Passthru = Get-View -Id $HostState.View.ConfigManager.PciPassthruSystem -Server $Connection
                }
                try {
                    if (-not (Invoke-VgpucChange -Run $Run -Target $name -Action ('reboot (maintenance mode) to activate passthrough on {0}' -f $ids) -ScriptBlock $reboot -ArgumentList @($Connection, $hs))) {
                        $blocked = 'the host was not rebooted'
                    }
                } catch {
                    $blocked = 'the reboot failed'
                }
            }
        }
    }

    if ($Work.RemoveUndeclared -and @($Work.Extra).Count -gt 0) {
        $disable = {
            param($Connection, $HostState, $Gpus)
            Disable-VgpucVmwPassthru -Connection $Connection -HostState $HostState -Gpus $Gpus -Confirm:$false
        }
        try {
            $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('disable passthrough on GPU(s) {0} (active again for vGPU after the next host reboot)' -f (@($Work.Extra | ForEach-Object { $_.Id }) -join ', ')) -ScriptBlock $disable -ArgumentList @($Connection, $hs, @($Work.Extra))
        } catch {
            Write-Verbose ('disabling passthrough failed: {0}' -f $_.Exception.Message)
        }
    }
    if (-not $Work.Declared.Graphics) {
        return $blocked
    }
    if (-not $Work.Graphics.Needed) {
        Add-VgpucResult -Run $Run -Target $name -Step $gStep -Status 'already right'
        return $blocked
    }
    if (-not $Work.GraphicsInScope) {
        Add-VgpucResult -Run $Run -Target $name -Step $gStep -Status 'out of scope' -Message 'it would shut down vGPU VMs outside -VMName'
        if ($Work.Graphics.ActiveWrong) {
            return 'its active graphics type or vGPU mode waits for a run that may stop its vGPU VMs'
        }
        return $blocked
    }
    if (-not $Work.Declared.VgpuHost -and @($Work.Running).Count -gt 0) {
        # graphics shared (vSGA): a vGPU VM shut down for the change could not start again.
        Add-VgpucResult -Run $Run -Target $name -Step $gStep -Status 'failed' -Message ('skipped: vGPU VMs run on the host ({0}); the file declares graphics type {1}, where they could not start again: move them to a Shared Direct host first' -f (@($Work.Running | ForEach-Object { Format-VgpucText -Text $_.Name }) -join ', '), $Work.Declared.Graphics)
        return $blocked
    }
    $cannot = @($Work.Running | ForEach-Object { $why = Test-VgpucVmwCanStop -State $_; if ($why) { '{0}: {1}' -f $_.Name, $why } })
    if ($cannot.Count -gt 0) {
        Add-VgpucResult -Run $Run -Target $name -Step $gStep -Status 'failed' -Message ('skipped: vGPU VMs that cannot be shut down run on the host: ' + ($cannot -join '; '))
        if ($Work.Graphics.ActiveWrong) {
            return 'its active graphics type or vGPU mode could not be changed'
        }
        return $blocked
    }
    # The gated host phase: no vGPU VM runs on the host while its graphics change.
    $stopped = [System.Collections.Generic.List[object]]::new()
    $ok = $true
    $stop = {
        param($Connection, $State, [int]$TimeoutSeconds)
        Stop-VgpucVmwGuest -Connection $Connection -State $State -TimeoutSeconds $TimeoutSeconds -Confirm:$false
    }
    $start = {
        param($Connection, $State, [int]$TimeoutSeconds)
        Start-VgpucVmwVm -Connection $Connection -State $State -Confirm:$false
    }
    $change = {
        param($Connection, $HostState, $Diff)
        Set-VgpucVmwHostGraphics -Connection $Connection -HostState $HostState -Diff $Diff -Confirm:$false
    }
    try {
        foreach ($s in $Work.Running) {
            if (Invoke-VgpucChange -Run $Run -Target $s.Name -Action 'shut down the guest (never powered off) for the host graphics change' -ScriptBlock $stop -ArgumentList @($Connection, $s, $ShutdownTimeoutSeconds)) {
                $stopped.Add($s)
            } elseif (-not $WhatIfPreference) {
                Add-VgpucResult -Run $Run -Target $name -Step $gStep -Status 'skipped' -Message 'a vGPU VM on the host was not shut down'
                $ok = $false
                break
            }
        }
        if ($ok -and -not (Invoke-VgpucChange -Run $Run -Target $name -Action ('{0}; restart Xorg' -f ($Work.Graphics.Why -join '; ')) -ScriptBlock $change -ArgumentList @($Connection, $hs, $Work.Graphics))) {
            $ok = $false
        }
    } catch {
        $ok = $false
    } finally {
        foreach ($s in $stopped) {
            try {
                $null = Invoke-VgpucChange -Run $Run -Target $s.Name -Action 'start again (it was running)' -ScriptBlock $start -ArgumentList @($Connection, $s, $ShutdownTimeoutSeconds)
                $s.PowerState = 'poweredOn'
            } catch {
                Write-Warning ('{0} was running before this run and is left off: it could not be started again: {1}' -f (Format-VgpucText -Text $s.Name), (Format-VgpucText -Text $_.Exception.Message))
            }
        }
    }
    if (-not $ok -and -not $WhatIfPreference -and $Work.Graphics.ActiveWrong) {
        return 'its active graphics type or vGPU mode was not changed'
    }
    $blocked
}

function Invoke-VgpucVmwReconfigure {
    <# One VM's ReconfigVM with Spec inside its power transaction (shut down, change,
       started again if it was running). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][string]$Target,
        [Parameter(Mandatory)][object]$State,
        [Parameter(Mandatory)][object]$Spec,
        [Parameter(Mandatory)][string]$Action,
        [Parameter(Mandatory)][int]$ShutdownTimeoutSeconds
    )
    $reconfigure = {
        param($Connection, $MoRef, $Spec)
        $view = Get-View -Id $MoRef -Server $Connection
        $view.ReconfigVM($Spec)
    }
    $stop = {
        param($Connection, $State, [int]$TimeoutSeconds)
        Stop-VgpucVmwGuest -Connection $Connection -State $State -TimeoutSeconds $TimeoutSeconds -Confirm:$false
    }
    $start = {
        param($Connection, $State, [int]$TimeoutSeconds)
        Start-VgpucVmwVm -Connection $Connection -State $State -Confirm:$false
    }
    $changes = @(@{ Action = $Action; ScriptBlock = $reconfigure; ArgumentList = @($Connection, $State.View.MoRef, $Spec) })
    $null = Invoke-VgpucTransaction -Run $Run -Target $Target -WasRunning ($State.PowerState -eq 'poweredOn') -StopScript $stop -StartScript $start `
        -PowerArgumentList @($Connection, $State, $ShutdownTimeoutSeconds) -Changes $changes
}

function Invoke-VgpucVmwVmWork {
    <# One VM: the declared devices, memory, reservation and MMIO in one reconfiguration,
       inside its power transaction (shut down, change, start again if it was running). #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Work,
        [Parameter(Mandatory)][object]$Inventory,
        [Parameter(Mandatory)][hashtable]$Blocked,
        [Parameter(Mandatory)][int]$ShutdownTimeoutSeconds
    )
    $d = $Work.Declared
    $s = $Work.State
    $diff = $Work.Diff
    $step = 'GPU devices, memory and reservation'
    if (-not $diff.NeedsChange) {
        Add-VgpucResult -Run $Run -Target $d.Name -Step $step -Status 'already right'
        return
    }
    if (-not $Work.InScope) {
        Add-VgpucResult -Run $Run -Target $d.Name -Step $step -Status 'out of scope'
        return
    }
    $why = Test-VgpucVmwCanStop -State $s
    if ($why) {
        Add-VgpucResult -Run $Run -Target $d.Name -Step $step -Status 'failed' -Message ('skipped: ' + $why)
        Write-Warning ('{0}: skipped: {1}' -f (Format-VgpucText -Text $d.Name), $why)
        return
    }
    # A new device needs its host ready: the host the VM is on, else the planned one.
    $on = [string]$d.Host
    if ($Inventory.HostById.ContainsKey($s.HostId)) {
        $on = [string]$Inventory.HostById[$s.HostId].Name
    }
    if ($diff.Add -gt 0 -and $on -and $Blocked.ContainsKey($on)) {
        Add-VgpucResult -Run $Run -Target $d.Name -Step $step -Status 'skipped' -Message ('host {0}: {1}' -f $on, $Blocked[$on])
        return
    }
    $spec = New-VgpucVmwConfigSpec -Declared $d -Diff $diff
    Invoke-VgpucVmwReconfigure -Run $Run -Connection $Connection -Target $d.Name -State $s -Spec $spec `
        -Action ('reconfigure: {0}' -f ($diff.Changes -join '; ')) -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
}

function Invoke-VgpucVmwUndeclaredWork {
    <# -RemoveUndeclared: the GPU devices of one VM the file does not declare are removed
       (the VM is kept), inside its power transaction. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Work,
        [Parameter(Mandatory)][int]$ShutdownTimeoutSeconds
    )
    $u = $Work.State
    $step = 'remove the undeclared GPU devices'
    if (-not $Work.InScope) {
        Add-VgpucResult -Run $Run -Target $u.Name -Step $step -Status 'out of scope'
        return
    }
    $why = Test-VgpucVmwCanStop -State $u
    if ($why) {
        Add-VgpucResult -Run $Run -Target $u.Name -Step $step -Status 'failed' -Message ('skipped: ' + $why)
        return
    }
    $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
    $remove = @()
    foreach ($dev in @($u.Devices)) {
        $dc = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
        $dc.Operation = 'remove'
        $dc.Device = $dev.Device
        $remove += $dc
    }
    $spec.DeviceChange = $remove
    Invoke-VgpucVmwReconfigure -Run $Run -Connection $Connection -Target $u.Name -State $u -Spec $spec `
        -Action $step -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
}

function Invoke-VgpucVmwPlan {
    <# The changes, in order: vCenter, hosts (passthrough, graphics), VMs, undeclared VMs
       (-RemoveUndeclared), DRS. Each change goes through Invoke-VgpucChange. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)][object]$Run,
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Inventory,
        [Parameter(Mandatory)][object]$Plan,
        [Parameter(Mandatory)][int]$ShutdownTimeoutSeconds
    )
    # vCenter: vgpu.hotmigrate.enabled for vGPU vMotion.
    if ($null -ne $Plan.HotMigrate) {
        $hm = $Plan.HotMigrate
        $step = 'vgpu.hotmigrate.enabled = true'
        if ($hm.Right) {
            Add-VgpucResult -Run $Run -Target ([string]$Connection.Name) -Step $step -Status 'already right'
        } elseif (-not $hm.InScope) {
            Add-VgpucResult -Run $Run -Target ([string]$Connection.Name) -Step $step -Status 'out of scope'
        } else {
            $set = {
                param($Connection, $Setting)
                if ($null -eq $Setting) {
                    $null = New-AdvancedSetting -Entity $Connection -Name 'vgpu.hotmigrate.enabled' -Value 'true' -Type 'VIServer' -Server $Connection -Confirm:$false
                } else {
                    $null = Set-AdvancedSetting -AdvancedSetting $Setting -Value 'true' -Confirm:$false
                }
            }
            try {
                $null = Invoke-VgpucChange -Run $Run -Target ([string]$Connection.Name) -Action 'set the advanced setting vgpu.hotmigrate.enabled to true' -ScriptBlock $set -ArgumentList @($Connection, $hm.Setting)
            } catch {
                Write-Verbose ('vCenter step failed: {0}' -f $_.Exception.Message)
            }
        }
    }

    # Hosts: passthrough, then the graphics phase.
    $blocked = @{}
    foreach ($w in $Plan.HostWork) {
        $why = Invoke-VgpucVmwHostWork -Run $Run -Connection $Connection -Work $w -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
        if ($why -and $w.InScope) {
            $blocked[[string]$w.Declared.Name] = $why
        }
    }
    # VMs: one transaction each.
    foreach ($w in $Plan.VmWork) {
        Invoke-VgpucVmwVmWork -Run $Run -Connection $Connection -Work $w -Inventory $Inventory -Blocked $blocked -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
    }
    foreach ($w in $Plan.Undeclared) {
        Invoke-VgpucVmwUndeclaredWork -Run $Run -Connection $Connection -Work $w -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
    }
    # DRS: the groups and rule of each pinned VM.
    foreach ($w in $Plan.Drs) {
        $step = 'DRS should-run-on rule'
        if (@($w.Diff.Why).Count -eq 0) {
            Add-VgpucResult -Run $Run -Target $w.Pin.Name -Step $step -Status 'already right'
            continue
        }
        if (-not $w.InScope) {
            Add-VgpucResult -Run $Run -Target $w.Pin.Name -Step $step -Status 'out of scope'
            continue
        }
        $drs = {
            param($Connection, $Cluster, $Pin, $Diff)
            Set-VgpucVmwDrs -Connection $Connection -Cluster $Cluster -Pin $Pin -Diff $Diff -Confirm:$false
        }
        try {
            $null = Invoke-VgpucChange -Run $Run -Target $w.Pin.Name -Action ('DRS: {0}' -f ($w.Diff.Why -join '; ')) -ScriptBlock $drs -ArgumentList @($Connection, $Inventory.Cluster, $w.Pin, $w.Diff)
        } catch {
            Write-Verbose ('DRS step failed: {0}' -f $_.Exception.Message)
        }
    }
    # -RemoveUndeclared: VMs the file does not pin, out of the vgpuc-made DRS groups.
    foreach ($w in $Plan.DrsDrift) {
        $step = 'remove VMs the file does not pin from the DRS group'
        if (-not $w.InScope) {
            Add-VgpucResult -Run $Run -Target $w.Drift.Name -Step $step -Status 'out of scope'
            continue
        }
        $take = {
            param($Connection, $Drift)
            Remove-VgpucVmwDrsMember -Connection $Connection -Drift $Drift -Confirm:$false
        }
        try {
            $null = Invoke-VgpucChange -Run $Run -Target $w.Drift.Name -Action ('remove {0} from the DRS group' -f (@($w.Drift.Members | ForEach-Object { [string]$_.Name }) -join ', ')) -ScriptBlock $take -ArgumentList @($Connection, $w.Drift)
        } catch {
            Write-Verbose ('DRS drift step failed: {0}' -f $_.Exception.Message)
        }
    }
}

function Invoke-VgpucVmware {
    <# The entry of a vSphere script: connect, pre-flight, plan, changes, summary, disconnect.
       Returns the exit code: 0 done, 1 refused by the pre-flight or a step failed. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)][object]$Cluster,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Hosts,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Vms,
        [Parameter(Mandatory)][string]$Server,
        [AllowNull()][pscredential]$Credential,
        [AllowEmptyCollection()][AllowNull()][string[]]$VMName = @(),
        [AllowEmptyCollection()][AllowNull()][string[]]$HostName = @(),
        [switch]$RemoveUndeclared,
        [int]$ShutdownTimeoutSeconds = 600,
        [AllowEmptyString()][AllowNull()][string]$LogPath = ''
    )
    $run = Initialize-VgpucRun -Target 'vmware' -Cluster $Cluster.Name -LogPath $LogPath
    $code = 1
    $connection = $null
    try {
        try {
            Write-Host ('vgpuc: reconciling {0} on {1}; reading every host and VM of the cluster' -f (Format-VgpucText -Text $Cluster.Name), (Format-VgpucText -Text $Server))
            foreach ($n in @($VMName) + @($HostName)) {
                if ($null -ne $n -and [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($n)) {
                    Write-Host ('note: {0} is matched as an exact name, not as a wildcard pattern' -f (Format-VgpucText -Text $n))
                }
            }
            foreach ($n in @($VMName)) {
                if ($null -ne $n -and -not (Test-VgpucNameInList -Name $n -List @($Vms | ForEach-Object { $_.Name }))) {
                    Add-VgpucProblem -Run $run -Text ('-VMName {0}: the file declares no VM of that name' -f $n)
                }
            }
            foreach ($n in @($HostName)) {
                if ($null -ne $n -and -not (Test-VgpucNameInList -Name $n -List @($Hosts | ForEach-Object { $_.Name }))) {
                    Add-VgpucProblem -Run $run -Text ('-HostName {0}: the file declares no host of that name' -f $n)
                }
            }
            if ($null -ne $Credential) {
                $connection = Connect-VIServer -Server $Server -Credential $Credential
            } else {
                $connection = Connect-VIServer -Server $Server
            }
            # Sessions to other vCenters (default servers of this PowerShell session) are left
            # alone: every call passes -Server $connection, so the run acts on this one only.
            $others = @(@(Get-Variable -Name 'DefaultVIServers' -Scope Global -ValueOnly -ErrorAction SilentlyContinue) | Where-Object { $null -ne $_ -and -not (Test-VgpucName -Name ([string]$_.Name) -Other ([string]$connection.Name)) } | ForEach-Object { Format-VgpucText -Text ([string]$_.Name) })
            if ($others.Count -gt 0) {
                Write-Host ('note: other vCenter sessions are open ({0}); this run reads and changes only {1}' -f ($others -join ', '), (Format-VgpucText -Text ([string]$connection.Name)))
            }
            $inv = Get-VgpucVmwInventory -Run $run -Connection $connection -Cluster $Cluster -Hosts $Hosts -Vms $Vms -RemoveUndeclared:$RemoveUndeclared
            if ($run.Problems.Count -gt 0) {
                Write-VgpucProblems -Run $run
                $run.Outcome = 'refused'
            } else {
                $plan = Get-VgpucVmwPlan -Run $run -Connection $connection -Inventory $inv -Cluster $Cluster -Hosts $Hosts -Vms $Vms `
                    -VMName $VMName -HostName $HostName -RemoveUndeclared:$RemoveUndeclared
                Write-VgpucPlan -Run $run
                Write-Host 'Pre-flight passed.'
                Invoke-VgpucVmwPlan -Run $run -Connection $connection -Inventory $inv -Plan $plan -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
            }
        } finally {
            if ($null -ne $connection) {
                Disconnect-VIServer -Server $connection -Confirm:$false -WhatIf:$false
            }
        }
    } catch {
        Add-VgpucResult -Run $run -Target $Cluster.Name -Step 'run' -Status 'failed' -Message $_.Exception.Message
        Write-Warning ('the run stopped: {0}' -f (Format-VgpucText -Text $_.Exception.Message))
    } finally {
        $code = Complete-VgpucRun -Run $run
    }
    $code
}
