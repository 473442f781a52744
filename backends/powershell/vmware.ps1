# vmware.ps1 - the runtime of the generated vSphere scripts (vgpuc build --target vmware).
#
# A reconciler: read the live state of the declared cluster through the one
# connection the script opened, compare it with what the .vgpu file declares,
# print the plan of changes, apply only what differs, and report. Read state ->
# compute the difference -> apply -> report, one function per job.
#
# Identity: the declared cluster is resolved first (exactly one, exact name);
# every host and VM is looked up inside it (-Location), by exact,
# case-insensitive name over the full list (never a -Name wildcard), and used
# afterwards by its MoRef. Every PowerCLI call passes -Server $Connection.
#
# vSphere API members used (reference/vmware.md, developer.broadcom.com):
# HostGraphicsManager (GraphicsConfig, GraphicsInfo, SharedPassthruGpuTypes,
# UpdateGraphicsConfig, RefreshGraphicsManager), HostPciPassthruSystem
# (PciPassthruInfo, UpdatePassthruConfig, Refresh), HostServiceSystem
# (ServiceInfo, RestartService: the host's xorg service), VirtualMachine
# (Config, Runtime, Guest.ToolsRunningStatus, ReconfigVM, ShutdownGuest),
# VirtualMachineConfigSpec (DeviceChange, MemoryMB, MemoryReservationLockedToMax,
# ExtraConfig), VirtualPCIPassthrough with VirtualPCIPassthroughVmiopBackingInfo
# (vGPU) or VirtualPCIPassthroughDynamicBackingInfo (dynamic DirectPath I/O).
#
# Windows PowerShell 5.1 syntax only (no ternary, ??, ?., pipeline chains).

Set-StrictMode -Version Latest

$script:VmwResults = New-Object -TypeName 'System.Collections.Generic.List[object]'
$script:VmwLog = New-Object -TypeName 'System.Collections.Generic.List[object]'

function Format-VgpucVmwText {
    <# Text from names for the console: control characters become \u{XXXX}. #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][AllowEmptyString()][string]$Text)
    $sb = New-Object -TypeName 'System.Text.StringBuilder'
    foreach ($ch in $Text.ToCharArray()) {
        $code = [int]$ch
        if ($code -lt 0x20 -or $code -eq 0x7F -or $code -eq 0x85 -or $code -eq 0x2028 -or $code -eq 0x2029 -or ($code -ge 0x80 -and $code -lt 0xA0)) {
            $null = $sb.AppendFormat('\u{{{0:X4}}}', $code)
        } else {
            $null = $sb.Append($ch)
        }
    }
    $sb.ToString()
}

function Add-VgpucVmwResult {
    <# One line of the summary, and one record of the -LogPath log. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Target,
        [Parameter(Mandatory)][string]$Step,
        [Parameter(Mandatory)][ValidateSet('changed', 'already right', 'skipped', 'failed', 'drift', 'removed')][string]$Status,
        [string]$Detail = ''
    )
    $r = [pscustomobject]@{ Target = $Target; Step = $Step; Status = $Status; Detail = $Detail }
    $script:VmwResults.Add($r)
    $script:VmwLog.Add([pscustomobject]@{ Kind = 'step'; Target = $Target; Step = $Step; Status = $Status; Detail = $Detail; Time = [DateTime]::UtcNow.ToString('o') })
    if ($Status -eq 'failed') {
        Write-Warning ('{0}: {1} failed: {2}' -f (Format-VgpucVmwText -Text $Target), $Step, (Format-VgpucVmwText -Text $Detail))
    } elseif ($Status -eq 'skipped' -and $Detail) {
        Write-Warning ('{0}: {1} skipped: {2}' -f (Format-VgpucVmwText -Text $Target), $Step, (Format-VgpucVmwText -Text $Detail))
    }
}

function Test-VgpucVmwNameIn {
    <# Exact, case-insensitive membership (no wildcard: [ ] * ? are plain characters). #>
    [CmdletBinding()]
    [OutputType([bool])]
    param([AllowEmptyString()][string]$Name, [AllowNull()][string[]]$List)
    foreach ($n in @($List)) {
        if ([string]::Equals($n, $Name, [StringComparison]::OrdinalIgnoreCase)) {
            return $true
        }
    }
    $false
}

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

function Resolve-VgpucVmwCluster {
    <# The declared cluster: exactly one cluster of that exact name in the vCenter. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][string]$Name)
    $found = @(Get-Cluster -Server $Connection | Where-Object { [string]::Equals([string]$_.Name, $Name, [StringComparison]::OrdinalIgnoreCase) })
    if ($found.Count -ne 1) {
        throw ('cluster {0}: {1} clusters of that name in {2}, exactly 1 expected; nothing was changed' -f (Format-VgpucVmwText -Text $Name), $found.Count, (Format-VgpucVmwText -Text ([string]$Connection.Name)))
    }
    $found[0]
}

function Find-VgpucVmwHostGpu {
    <# The host's NVIDIA GPUs of one declared model: by PCI vendor and device id when the
       catalog has them, else by the model name in the device name. Sorted by PCI id. #>
    [CmdletBinding()]
    param([object[]]$PciDevices, [Parameter(Mandatory)][object]$Gpu)
    @($PciDevices | Where-Object {
            if ($Gpu.VendorId -and $Gpu.DeviceId) {
                (Get-VgpucVmwPciHex -Value $_.VendorId) -eq (Get-VgpucVmwPciHex -Value $Gpu.VendorId) -and (Get-VgpucVmwPciHex -Value $_.DeviceId) -eq (Get-VgpucVmwPciHex -Value $Gpu.DeviceId)
            } else {
                (Get-VgpucVmwPciHex -Value $_.VendorId) -eq '10de' -and ([string]$_.DeviceName) -match ('\b' + [regex]::Escape([string]$Gpu.Model) + '\b')
            }
        } | Sort-Object -Property { [string]$_.Id })
}

function Get-VgpucVmwHostState {
    <# Read one declared host: connection state, GPUs, vGPU Manager (installed component
       and loaded module), graphics (configured and active), passthrough. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object]$Declared,
        [Parameter(Mandatory)][object]$VMHost,
        [Parameter(Mandatory)][AllowEmptyCollection()][System.Collections.Generic.List[string]]$Problems
    )
    $name = Format-VgpucVmwText -Text $Declared.Name
    $st = [pscustomobject]@{
        Declared = $Declared; VMHost = $VMHost; View = $VMHost.ExtensionData; Usable = $true
        Maintenance = ([string]$VMHost.ConnectionState -eq 'Maintenance')
        GpusByModel = @{}; Graphics = $null; Passthru = $null; ServiceSystemId = $null
    }
    if (@('Connected', 'Maintenance') -notcontains [string]$VMHost.ConnectionState) {
        $Problems.Add(('host {0} is {1}' -f $name, $VMHost.ConnectionState))
        $st.Usable = $false
        return $st
    }
    $pci = @(Get-VMHostPciDevice -VMHost $VMHost -DeviceClass 'DisplayController' -Server $Connection)
    foreach ($g in @($Declared.Gpus)) {
        $have = @(Find-VgpucVmwHostGpu -PciDevices $pci -Gpu $g)
        $st.GpusByModel[[string]$g.Model] = $have
        if ($have.Count -ne $g.Count) {
            $Problems.Add(('host {0}: the file declares {1} {2} GPU(s), {3} found' -f $name, $g.Count, $g.Model, $have.Count))
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
            $Problems.Add(('host {0}: the NVIDIA vGPU Manager {1} is not installed (found: {2})' -f $name, $Declared.Driver, $seen))
        }
        # Installed is not running: the kernel module must be loaded (vmkload_mod -l | grep nvidia).
        $loaded = @($esxcli.system.module.list.Invoke() | Where-Object { ([string]$_.Name) -eq 'nvidia' -and ([string]$_.IsLoaded) -eq 'true' })
        if ($loaded.Count -eq 0) {
            $Problems.Add(('host {0}: the NVIDIA vGPU Manager kernel module (nvidia) is not loaded; reboot the host after installing the component' -f $name))
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
                $ids = @(foreach ($a in @($d.Backing.AllowedDevice)) { if ($null -ne $a) { '{0}:{1}' -f (Get-VgpucVmwPciHex -Value $a.VendorId), (Get-VgpucVmwPciHex -Value $a.DeviceId) } })
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
    $keep = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $remove = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $wantIds = '{0}:{1}' -f (Get-VgpucVmwPciHex -Value $Declared.VendorId), (Get-VgpucVmwPciHex -Value $Declared.DeviceId)
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
    $settings = New-Object -TypeName 'System.Collections.Generic.List[string]'
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
    if ($Declared.MemoryMB -gt 0 -and $State.MemoryMB -ne $Declared.MemoryMB) {
        $settings.Add(('memory {0} MB -> {1} MB' -f $State.MemoryMB, $Declared.MemoryMB))
    }
    $changes = New-Object -TypeName 'System.Collections.Generic.List[string]'
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
    [pscustomobject]@{
        Remove = @($remove); Add = $add; ExtraConfig = $extraChange
        Lock = (-not $State.LockedToMax)
        MemoryMB = $(if ($Declared.MemoryMB -gt 0 -and $State.MemoryMB -ne $Declared.MemoryMB) { [long]$Declared.MemoryMB } else { 0 })
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
        [Parameter(Mandatory)][int]$TimeoutSeconds,
        [Parameter(Mandatory)][string]$Name
    )
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ($true) {
        $now = Get-View -Id $MoRef -Server $Connection
        if ([string]$now.Runtime.PowerState -eq $State) {
            return
        }
        if ((Get-Date) -gt $deadline) {
            throw ('VM {0} did not reach {1} within {2} seconds; it was not powered off' -f (Format-VgpucVmwText -Text $Name), $State, $TimeoutSeconds)
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
    Wait-VgpucVmwPowerState -Connection $Connection -MoRef $State.View.MoRef -State 'poweredOff' -TimeoutSeconds $TimeoutSeconds -Name $State.Name
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
    <# Why a running VM cannot be stopped cleanly, or '' when it can. #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][object]$State)
    if ($State.PowerState -eq 'suspended') {
        return 'the VM is suspended; it is left as it is (resume or power it off first)'
    }
    if ($State.PowerState -eq 'poweredOn' -and -not $State.ToolsRunning) {
        return 'VMware Tools is not running, so the guest cannot be shut down cleanly (it is never powered off); shut it down and run again'
    }
    ''
}

function Invoke-VgpucVmwVmTransaction {
    <# Stop (shut down) -> change -> start again if it was running, in try/finally: a failure is
       recorded, the VM goes back to its power state, and the caller goes on with the next VM. #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)][object]$Connection,
        [Parameter(Mandatory)][object[]]$States,
        [Parameter(Mandatory)][string]$Target,
        [Parameter(Mandatory)][string]$Step,
        [Parameter(Mandatory)][scriptblock]$Change,
        [Parameter(Mandatory)][int]$TimeoutSeconds
    )
    $stopped = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $ok = $false
    try {
        foreach ($s in $States) {
            if ($s.PowerState -eq 'poweredOn') {
                Stop-VgpucVmwGuest -Connection $Connection -State $s -TimeoutSeconds $TimeoutSeconds -Confirm:$false
                $stopped.Add($s)
                Add-VgpucVmwResult -Target $s.Name -Step 'shut down the guest' -Status 'changed'
            }
        }
        & $Change
        $ok = $true
        Add-VgpucVmwResult -Target $Target -Step $Step -Status 'changed'
    } catch {
        Add-VgpucVmwResult -Target $Target -Step $Step -Status 'failed' -Detail ([string]$_.Exception.Message)
    } finally {
        foreach ($s in $stopped) {
            try {
                Start-VgpucVmwVm -Connection $Connection -State $s -Confirm:$false
                Add-VgpucVmwResult -Target $s.Name -Step 'power on again (it was running)' -Status 'changed'
            } catch {
                Add-VgpucVmwResult -Target $s.Name -Step 'power on again (it was running)' -Status 'failed' -Detail ([string]$_.Exception.Message)
            }
        }
    }
    $ok
}

function Set-VgpucVmwHotMigrate {
    <# vCenter: vgpu.hotmigrate.enabled = true (vGPU vMotion), created when missing. #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection)
    $target = [string]$Connection.Name
    $step = 'vgpu.hotmigrate.enabled = true'
    $setting = Get-AdvancedSetting -Entity $Connection -Name 'vgpu.hotmigrate.enabled' -Server $Connection
    if ($null -ne $setting -and [string]$setting.Value -eq 'true') {
        Add-VgpucVmwResult -Target $target -Step $step -Status 'already right'
        return
    }
    if (-not $PSCmdlet.ShouldProcess($target, 'set the advanced setting vgpu.hotmigrate.enabled to true')) {
        Add-VgpucVmwResult -Target $target -Step $step -Status 'skipped'
        return
    }
    try {
        if ($null -eq $setting) {
            $null = New-AdvancedSetting -Entity $Connection -Name 'vgpu.hotmigrate.enabled' -Value 'true' -Type 'VIServer' -Server $Connection -Confirm:$false
        } else {
            $null = Set-AdvancedSetting -AdvancedSetting $setting -Value 'true' -Confirm:$false
        }
        Add-VgpucVmwResult -Target $target -Step $step -Status 'changed'
    } catch {
        Add-VgpucVmwResult -Target $target -Step $step -Status 'failed' -Detail ([string]$_.Exception.Message)
    }
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
    $inUse = @{}
    foreach ($gi in @($HostState.Graphics.GraphicsInfo)) {
        if ($null -ne $gi -and @($gi.Vm | Where-Object { $null -ne $_ }).Count -gt 0) {
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

function Get-VgpucVmwGraphicsDiff {
    <# What the host's graphics must change, read on the ACTIVE state (GraphicsInfo) as well as
       the configuration: Shared Direct for every vGPU GPU, and the declared vGPU mode. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$HostState, [string[]]$PassthroughIds)
    $gm = $HostState.Graphics
    $declared = $HostState.Declared
    $why = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $devices = New-Object -TypeName 'System.Collections.Generic.List[string]'
    if (-not $declared.VgpuHost) {
        return [pscustomobject]@{ Needed = $false; Why = @(); Devices = @() }
    }
    if ([string]$gm.GraphicsConfig.HostDefaultGraphicsType -ne 'sharedDirect') {
        $why.Add(('default graphics type {0} -> sharedDirect' -f $gm.GraphicsConfig.HostDefaultGraphicsType))
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
            if (Test-VgpucVmwNameIn -Name $id -List $PassthroughIds) {
                continue
            }
            $devices.Add($id)
            $gi = $active[$id]
            if ($null -eq $gi -or [string]$gi.GraphicsType -ne 'sharedDirect') {
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
            if ($declared.VgpuMode -eq 'mixedSize' -and $mode -ne 'mixedSize') {
                $why.Add(('GPU {0}: vGPU mode {1} -> mixedSize' -f $id, $(if ($mode) { $mode } else { 'none' })))
            } elseif ($declared.VgpuMode -eq 'sameSize' -and $mode -eq 'mixedSize') {
                $why.Add(('GPU {0}: vGPU mode mixedSize -> sameSize' -f $id))
            }
        }
    }
    [pscustomobject]@{ Needed = ($why.Count -gt 0); Why = @($why); Devices = @($devices) }
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
    $config = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'
    $config.HostDefaultGraphicsType = 'sharedDirect'
    $config.SharedPassthruAssignmentPolicy = $gm.GraphicsConfig.SharedPassthruAssignmentPolicy
    $types = @()
    foreach ($id in @($Diff.Devices)) {
        $t = New-Object -TypeName 'VMware.Vim.HostGraphicsConfigDeviceType'
        $t.DeviceId = $id
        $t.GraphicsType = 'sharedDirect'
        if ($HostState.Declared.VgpuMode -eq 'mixedSize' -or @($Diff.Why | Where-Object { $_ -match 'vGPU mode' }).Count -gt 0) {
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
    $after = Get-VgpucVmwGraphicsDiff -HostState $HostState -PassthroughIds @()
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

function Restart-VgpucVmwHost {
    <# The reboot passthrough needs: only for a host in maintenance mode (the administrator's
       gate), through HostSystem.RebootHost, then wait until vCenter sees it connected again. #>
    [CmdletBinding(SupportsShouldProcess)]
    param([Parameter(Mandatory)][object]$Connection, [Parameter(Mandatory)][object]$HostState, [int]$TimeoutSeconds = 1800)
    if (-not $PSCmdlet.ShouldProcess([string]$HostState.VMHost.Name, 'reboot the host')) {
        return
    }
    # HostSystem.RebootHost(force = false): refused by ESXi unless the host is in maintenance mode.
    $HostState.View.RebootHost($false)
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ($true) {
        Start-Sleep -Seconds 10
        $h = Get-VMHost -Id $HostState.VMHost.Id -Server $Connection
        if (@('Connected', 'Maintenance') -contains [string]$h.ConnectionState) {
            $HostState.VMHost = $h
            $HostState.View = $h.ExtensionData
            $HostState.Passthru = Get-View -Id $HostState.View.ConfigManager.PciPassthruSystem -Server $Connection
            return
        }
        if ((Get-Date) -gt $deadline) {
            throw ('the host did not come back within {0} seconds' -f $TimeoutSeconds)
        }
    }
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
        [Parameter(Mandatory)][object[]]$Members
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
    $why = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $vmGroup = @($Groups | Where-Object { [string]$_.Name -ceq $Pin.VmGroup }) | Select-Object -First 1
    $hostGroup = @($Groups | Where-Object { [string]$_.Name -ceq $Pin.HostGroup }) | Select-Object -First 1
    $rule = @($Rules | Where-Object { [string]$_.Name -ceq $Pin.Rule }) | Select-Object -First 1
    if ($null -eq $vmGroup) {
        $why.Add(('create VM group {0}' -f $Pin.VmGroup))
    } else {
        $ids = @($vmGroup.Member | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.Id })
        if ($ids.Count -ne 1 -or $ids[0] -ne [string]$Pin.VM.Id) {
            $why.Add(('VM group {0}: members -> {1}' -f $Pin.VmGroup, $Pin.VM.Name))
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
    $g1 = Update-VgpucVmwDrsGroup -Connection $Connection -Cluster $Cluster -Existing $Diff.VmGroup -Name $Pin.VmGroup -Kind 'VM' -Members @($Pin.VM) -Confirm:$false
    $g2 = Update-VgpucVmwDrsGroup -Connection $Connection -Cluster $Cluster -Existing $Diff.HostGroup -Name $Pin.HostGroup -Kind 'VMHost' -Members @($Pin.Hosts) -Confirm:$false
    if ($null -eq $Diff.Rule) {
        $null = New-DrsVMHostRule -Cluster $Cluster -Name $Pin.Rule -VMGroup $g1 -VMHostGroup $g2 -Type 'ShouldRunOn' -Enabled $true -Server $Connection
    } elseif ([bool]$Diff.Rule.Enabled -ne $true -or [string]$Diff.Rule.Type -ne 'ShouldRunOn' -or [string]$Diff.Rule.VMGroup.Name -cne $Pin.VmGroup -or [string]$Diff.Rule.VMHostGroup.Name -cne $Pin.HostGroup) {
        $null = Set-DrsVMHostRule -Rule $Diff.Rule -Enabled $true -Type 'ShouldRunOn' -VMGroup $g1 -VMHostGroup $g2 -Server $Connection
    }
}

function Write-VgpucVmwSummary {
    <# The summary table and counts; printed even when the run failed. #>
    [CmdletBinding()]
    param([string]$LogPath, [object[]]$Plan)
    $rows = @($script:VmwResults | ForEach-Object {
            [pscustomobject]@{ Target = (Format-VgpucVmwText -Text $_.Target); Step = (Format-VgpucVmwText -Text $_.Step); Status = $_.Status; Detail = (Format-VgpucVmwText -Text $_.Detail) }
        })
    if ($rows.Count -gt 0) {
        $rows | Format-Table -AutoSize -Property @('Target', 'Step', 'Status', 'Detail') | Out-String -Width 240 | Write-Host
    }
    $count = @{}
    foreach ($s in @('changed', 'already right', 'skipped', 'failed', 'drift', 'removed')) {
        $count[$s] = @($script:VmwResults | Where-Object { $_.Status -eq $s }).Count
    }
    Write-Host ('{0} changed, {1} already right, {2} skipped, {3} failed, {4} drift, {5} removed' -f $count['changed'], $count['already right'], $count['skipped'], $count['failed'], $count['drift'], $count['removed'])
    if ($count['changed'] -eq 0 -and $count['skipped'] -eq 0 -and $count['failed'] -eq 0 -and $count['removed'] -eq 0) {
        Write-Host 'Nothing to do: the cluster already matches the file.'
    }
    if ($LogPath) {
        $record = [pscustomobject]@{ Plan = @($Plan); Steps = @($script:VmwLog); Failed = $count['failed'] }
        $record | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $LogPath -Encoding UTF8 -WhatIf:$false -Confirm:$false
    }
    $count['failed']
}

function Invoke-VgpucVmware {
    <# The entry point of a generated vSphere script. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)][object]$Cluster,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Hosts,
        [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Vms,
        [Parameter(Mandatory)][string]$Server,
        [pscredential]$Credential,
        [string[]]$VMName = @(),
        [string[]]$HostName = @(),
        [switch]$RemoveUndeclared,
        [int]$ShutdownTimeoutSeconds = 600,
        [string]$LogPath
    )
    $ErrorActionPreference = 'Stop'
    $connection = $null
    $plan = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $failed = 0
    try {
        if ($null -ne $Credential) {
            $connection = Connect-VIServer -Server $Server -Credential $Credential
        } else {
            $connection = Connect-VIServer -Server $Server
        }

        # --- Pre-flight: read everything, change nothing ---
        Write-Host ('Pre-flight checks for cluster {0} on {1}' -f (Format-VgpucVmwText -Text $Cluster.Name), (Format-VgpucVmwText -Text $Server))
        $problems = New-Object -TypeName 'System.Collections.Generic.List[string]'
        $clusterObj = Resolve-VgpucVmwCluster -Connection $connection -Name $Cluster.Name
        foreach ($n in @($VMName)) {
            if (-not (Test-VgpucVmwNameIn -Name $n -List @($Vms | ForEach-Object { $_.Name }))) {
                $problems.Add(('-VMName {0}: the file declares no VM of that name' -f (Format-VgpucVmwText -Text $n)))
            }
        }
        foreach ($n in @($HostName)) {
            if (-not (Test-VgpucVmwNameIn -Name $n -List @($Hosts | ForEach-Object { $_.Name }))) {
                $problems.Add(('-HostName {0}: the file declares no host of that name' -f (Format-VgpucVmwText -Text $n)))
            }
        }

        $liveHosts = @(Get-VMHost -Location $clusterObj -Server $connection)
        $hostState = @{}
        $hostById = @{}
        foreach ($h in $liveHosts) {
            $hostById[[string]$h.Id] = $h
        }
        foreach ($d in $Hosts) {
            $match = @($liveHosts | Where-Object { [string]::Equals([string]$_.Name, [string]$d.Name, [StringComparison]::OrdinalIgnoreCase) })
            if ($match.Count -ne 1) {
                $problems.Add(('host {0}: {1} hosts of that name in cluster {2}, exactly 1 expected' -f (Format-VgpucVmwText -Text $d.Name), $match.Count, (Format-VgpucVmwText -Text $Cluster.Name)))
                continue
            }
            $hostState[$d.Name] = Get-VgpucVmwHostState -Connection $connection -Declared $d -VMHost $match[0] -Problems $problems
        }

        $liveVms = @(Get-VM -Location $clusterObj -Server $connection)
        $byName = @{}
        foreach ($v in $liveVms) {
            $key = ([string]$v.Name).ToLowerInvariant()
            if (-not $byName.ContainsKey($key)) {
                $byName[$key] = New-Object -TypeName 'System.Collections.Generic.List[object]'
            }
            $byName[$key].Add($v)
        }
        $vmState = @{}
        $declaredKeys = @{}
        foreach ($d in $Vms) {
            $key = ([string]$d.Name).ToLowerInvariant()
            $declaredKeys[$key] = $true
            $found = @()
            if ($byName.ContainsKey($key)) {
                $found = @($byName[$key])
            }
            $name = Format-VgpucVmwText -Text $d.Name
            if ($found.Count -ne 1) {
                $problems.Add(('VM {0}: {1} VMs of that name in cluster {2}, exactly 1 expected' -f $name, $found.Count, (Format-VgpucVmwText -Text $Cluster.Name)))
                continue
            }
            $s = Get-VgpucVmwVmState -VM $found[0]
            $vmState[$d.Name] = $s
            if ($d.Efi -and $s.Firmware -ne 'efi') {
                $problems.Add(('VM {0} boots with {1}; its {2} GPU needs EFI firmware (convert the guest to EFI first)' -f $name, $s.Firmware, $d.GpuModel))
            }
            if ($d.Mode -eq 'passthrough' -and $s.HardwareVersion -lt 17) {
                $problems.Add(('VM {0}: hardware version {1}; dynamic DirectPath I/O needs 17 or later (upgrade the VM compatibility first)' -f $name, $s.HardwareVersion))
            }
            if ($d.Mode -eq 'passthrough' -and -not ($d.VendorId -and $d.DeviceId)) {
                # The catalog has no PCI ids for this model: read them from the planned host's GPU.
                $dev = $null
                if ($d.Host -and $hostState.ContainsKey($d.Host)) {
                    $dev = @($hostState[$d.Host].GpusByModel[[string]$d.GpuModel]) | Select-Object -First 1
                }
                if ($null -eq $dev) {
                    $problems.Add(('VM {0}: no {1} GPU found on host {2} to read its PCI vendor and device id from' -f $name, $d.GpuModel, (Format-VgpucVmwText -Text ([string]$d.Host))))
                } else {
                    $d.VendorId = ([int]$dev.VendorId) -band 0xFFFF
                    $d.DeviceId = ([int]$dev.DeviceId) -band 0xFFFF
                    Write-Host ('VM {0}: DirectPath I/O device {1}:{2} ({3}, read on host {4})' -f $name, (Get-VgpucVmwPciHex -Value $d.VendorId), (Get-VgpucVmwPciHex -Value $d.DeviceId), (Format-VgpucVmwText -Text ([string]$dev.DeviceName)), (Format-VgpucVmwText -Text ([string]$d.Host)))
                }
            }
            if ($d.Mode -eq 'vgpu' -and $d.Host -and $hostState.ContainsKey($d.Host) -and $null -ne $hostState[$d.Host].Graphics) {
                $gm = $hostState[$d.Host].Graphics
                $offered = @($gm.SharedPassthruGpuTypes)
                if ($offered.Count -gt 0 -and -not (Test-VgpucVmwNameIn -Name $d.Profile -List $offered)) {
                    $problems.Add(('VM {0}: host {1} does not offer the vGPU profile {2} (offered: {3})' -f $name, (Format-VgpucVmwText -Text $d.Host), $d.Profile, ($offered -join ', ')))
                }
            }
        }

        # Capacity: enough DirectPath I/O GPUs on each host for the VMs planned there.
        foreach ($hn in @($hostState.Keys | Sort-Object)) {
            $hs = $hostState[$hn]
            foreach ($g in @($hs.Declared.Passthrough)) {
                $need = 0
                foreach ($d in @($Vms | Where-Object { $_.Mode -eq 'passthrough' -and $_.GpuModel -eq $g.Model -and [string]::Equals([string]$_.Host, $hn, [StringComparison]::OrdinalIgnoreCase) })) {
                    $need += [int]$d.Count
                }
                $free = @($hs.GpusByModel[[string]$g.Model]).Count
                if ($need -gt $free) {
                    $problems.Add(('host {0}: {1} {2} GPU(s) needed for DirectPath I/O, {3} present' -f (Format-VgpucVmwText -Text $hn), $need, $g.Model, $free))
                }
            }
        }

        if ($problems.Count -gt 0) {
            Write-Host 'Pre-flight found problems; nothing was changed:'
            foreach ($p in $problems) {
                Write-Host ('  - {0}' -f $p)
            }
            throw ('{0} pre-flight problem(s); nothing was changed' -f $problems.Count)
        }
        Write-Host 'Pre-flight passed.'

        # Undeclared VMs of the cluster that hold GPU devices: drift.
        $undeclared = @()
        foreach ($v in $liveVms) {
            if ($declaredKeys.ContainsKey(([string]$v.Name).ToLowerInvariant())) {
                continue
            }
            $s = Get-VgpucVmwVmState -VM $v
            if (@($s.Devices).Count -gt 0) {
                $undeclared += $s
            }
        }

        # Scope of the change phase.
        $vmInScope = {
            param($d)
            (@($VMName).Count -eq 0 -or (Test-VgpucVmwNameIn -Name $d.Name -List $VMName)) -and (@($HostName).Count -eq 0 -or (Test-VgpucVmwNameIn -Name ([string]$d.Host) -List $HostName))
        }
        $neededHosts = @($Vms | Where-Object { & $vmInScope $_ } | ForEach-Object { [string]$_.Host } | Where-Object { $_ })
        $hostInScope = {
            param($name)
            if (@($HostName).Count -gt 0) {
                return (Test-VgpucVmwNameIn -Name $name -List $HostName)
            }
            if (@($VMName).Count -gt 0) {
                return (Test-VgpucVmwNameIn -Name $name -List $neededHosts)
            }
            $true
        }

        # --- The plan: every difference, and why ---
        $hostWork = @{}
        foreach ($d in $Hosts) {
            if (-not $hostState.ContainsKey($d.Name) -or -not (& $hostInScope $d.Name)) {
                continue
            }
            $hs = $hostState[$d.Name]
            $pt = @(Get-VgpucVmwPassthruPlan -HostState $hs)
            $ptIds = @($pt | ForEach-Object { $_.Id })
            $gfx = Get-VgpucVmwGraphicsDiff -HostState $hs -PassthroughIds $ptIds
            $hostWork[$d.Name] = [pscustomobject]@{ Passthru = $pt; Graphics = $gfx; Blocked = '' }
            foreach ($g in @($pt | Where-Object { -not $_.Enabled })) {
                $plan.Add([pscustomobject]@{ Target = $d.Name; Change = ('enable passthrough on GPU {0} ({1})' -f $g.Id, $g.Model); Why = 'a DirectPath I/O VM is planned on it' })
            }
            foreach ($g in @($pt | Where-Object { $_.Enabled -and -not $_.Active })) {
                $plan.Add([pscustomobject]@{ Target = $d.Name; Change = ('reboot to activate passthrough on GPU {0}' -f $g.Id); Why = 'passthrough is enabled but not active' })
            }
            if ($gfx.Needed) {
                $running = @(@($vmState.Values) + @($undeclared) | Where-Object { $_.HostId -eq [string]$hs.VMHost.Id -and $_.PowerState -eq 'poweredOn' -and @($_.Devices | Where-Object { $_.Kind -eq 'vgpu' }).Count -gt 0 })
                $stop = ''
                if ($running.Count -gt 0) {
                    $stop = '; these vGPU VMs are shut down for it and started again: ' + (@($running | ForEach-Object { $_.Name }) -join ', ')
                }
                $plan.Add([pscustomobject]@{ Target = $d.Name; Change = ('graphics: {0}, then restart Xorg' -f ($gfx.Why -join '; ')); Why = ('vGPU VMs are declared on the host' + $stop) })
            }
        }
        $vmWork = @{}
        foreach ($d in $Vms) {
            if (-not (& $vmInScope $d)) {
                continue
            }
            $s = $vmState[$d.Name]
            $diff = Compare-VgpucVmwVm -Declared $d -State $s
            $vmWork[$d.Name] = $diff
            if ($diff.NeedsChange) {
                $stopNote = ''
                if ($s.PowerState -eq 'poweredOn') {
                    $stopNote = '; shut down and started again'
                }
                $plan.Add([pscustomobject]@{ Target = $d.Name; Change = ($diff.Changes -join '; '); Why = ('declared: {0} x{1}{2}' -f $(if ($d.Mode -eq 'vgpu') { $d.Profile } else { 'DirectPath I/O ' + $d.GpuModel }), $d.Count, $stopNote) })
            }
        }
        if ($Cluster.HotMigrate) {
            $plan.Add([pscustomobject]@{ Target = $Server; Change = 'check vgpu.hotmigrate.enabled = true'; Why = 'vGPU VMs declare migration live' })
        }
        foreach ($u in $undeclared) {
            $what = @($u.Devices | ForEach-Object { if ($_.Kind -eq 'vgpu') { 'vGPU ' + $_.Profile } else { 'DirectPath I/O ' + ($_.Ids -join ',') } }) -join ', '
            if ($RemoveUndeclared) {
                $plan.Add([pscustomobject]@{ Target = $u.Name; Change = ('remove {0}' -f $what); Why = 'not declared in the file (-RemoveUndeclared)' })
            } else {
                $plan.Add([pscustomobject]@{ Target = $u.Name; Change = ('drift: holds {0}; left alone' -f $what); Why = 'not declared in the file (remove with -RemoveUndeclared)' })
            }
        }
        Write-Host ''
        if ($plan.Count -eq 0) {
            Write-Host 'Plan: no change needed.'
        } else {
            Write-Host 'Plan of changes:'
            foreach ($p in $plan) {
                Write-Host ('  {0}: {1} ({2})' -f (Format-VgpucVmwText -Text $p.Target), (Format-VgpucVmwText -Text $p.Change), (Format-VgpucVmwText -Text $p.Why))
            }
        }
        $script:VmwLog.Add([pscustomobject]@{ Kind = 'plan'; Changes = @($plan) })
        Write-Host ''

        # --- vCenter ---
        if ($Cluster.HotMigrate) {
            Set-VgpucVmwHotMigrate -Connection $connection
        }

        # --- Hosts: passthrough (gated reboot), then graphics (gated: no vGPU VM running) ---
        $hostBlocked = @{}
        foreach ($d in $Hosts) {
            if (-not $hostWork.ContainsKey($d.Name)) {
                continue
            }
            $hs = $hostState[$d.Name]
            $w = $hostWork[$d.Name]
            $toEnable = @($w.Passthru | Where-Object { -not $_.Enabled })
            $step = 'passthrough on the DirectPath I/O GPUs'
            if (@($w.Passthru).Count -gt 0 -and $toEnable.Count -eq 0 -and @($w.Passthru | Where-Object { -not $_.Active }).Count -eq 0) {
                Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'already right'
            }
            if (@($toEnable | Where-Object { -not $_.Capable }).Count -gt 0) {
                Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'failed' -Detail ('GPU(s) {0} are not passthrough capable (check the BIOS: VT-d / IOMMU)' -f (@($toEnable | Where-Object { -not $_.Capable } | ForEach-Object { $_.Id }) -join ', '))
                $hostBlocked[$d.Name] = 'its DirectPath I/O GPUs are not passthrough capable'
            } elseif ($toEnable.Count -gt 0) {
                if ($PSCmdlet.ShouldProcess($d.Name, ('enable passthrough on GPU(s) {0}' -f (@($toEnable | ForEach-Object { $_.Id }) -join ', ')))) {
                    try {
                        Enable-VgpucVmwPassthru -Connection $connection -HostState $hs -Gpus $toEnable -Confirm:$false
                        Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'changed'
                    } catch {
                        Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'failed' -Detail ([string]$_.Exception.Message)
                        $hostBlocked[$d.Name] = 'enabling passthrough failed'
                    }
                } else {
                    Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'skipped'
                    $hostBlocked[$d.Name] = 'passthrough was not enabled'
                }
            }
            if (@($w.Passthru).Count -gt 0 -and -not $hostBlocked.ContainsKey($d.Name)) {
                $w.Passthru = @(Get-VgpucVmwPassthruPlan -HostState $hs)
                $inactive = @($w.Passthru | Where-Object { $_.Enabled -and -not $_.Active })
                if ($inactive.Count -gt 0) {
                    $rstep = 'reboot to activate passthrough'
                    if (-not $hs.Maintenance) {
                        Add-VgpucVmwResult -Target $d.Name -Step $rstep -Status 'skipped' -Detail ('passthrough on {0} needs a host reboot: put the host in maintenance mode and run again (the script reboots only a host in maintenance mode)' -f (@($inactive | ForEach-Object { $_.Id }) -join ', '))
                        $hostBlocked[$d.Name] = 'the host needs a reboot to activate passthrough'
                    } elseif ($PSCmdlet.ShouldProcess($d.Name, 'reboot the host (in maintenance mode) to activate passthrough')) {
                        try {
                            Restart-VgpucVmwHost -Connection $connection -HostState $hs -Confirm:$false
                            Add-VgpucVmwResult -Target $d.Name -Step $rstep -Status 'changed'
                        } catch {
                            Add-VgpucVmwResult -Target $d.Name -Step $rstep -Status 'failed' -Detail ([string]$_.Exception.Message)
                            $hostBlocked[$d.Name] = 'the reboot failed'
                        }
                    } else {
                        Add-VgpucVmwResult -Target $d.Name -Step $rstep -Status 'skipped'
                        $hostBlocked[$d.Name] = 'the host was not rebooted'
                    }
                }
            }

            $gstep = 'graphics type Shared Direct and vGPU mode'
            if (-not $d.VgpuHost) {
                continue
            }
            if (-not $w.Graphics.Needed) {
                Add-VgpucVmwResult -Target $d.Name -Step $gstep -Status 'already right'
                continue
            }
            $running = @(@($vmState.Values) + @($undeclared) | Where-Object { $_.HostId -eq [string]$hs.VMHost.Id -and $_.PowerState -ne 'poweredOff' -and @($_.Devices | Where-Object { $_.Kind -eq 'vgpu' }).Count -gt 0 })
            $cannot = @($running | ForEach-Object { $why = Test-VgpucVmwCanStop -State $_; if ($why) { '{0}: {1}' -f $_.Name, $why } })
            if ($cannot.Count -gt 0) {
                Add-VgpucVmwResult -Target $d.Name -Step $gstep -Status 'skipped' -Detail ('vGPU VMs that cannot be shut down run on the host: ' + ($cannot -join '; '))
                $hostBlocked[$d.Name] = 'its graphics type could not be changed'
                continue
            }
            $names = @($running | ForEach-Object { $_.Name }) -join ', '
            $action = 'set {0}; restart Xorg' -f ($w.Graphics.Why -join '; ')
            if ($running.Count -gt 0) {
                $action = 'shut down {0}; {1}; start them again' -f $names, $action
            }
            if (-not $PSCmdlet.ShouldProcess($d.Name, $action)) {
                Add-VgpucVmwResult -Target $d.Name -Step $gstep -Status 'skipped'
                $hostBlocked[$d.Name] = 'its graphics type was not changed'
                continue
            }
            $hsLocal = $hs
            $gLocal = $w.Graphics
            $ok = Invoke-VgpucVmwVmTransaction -Connection $connection -States $running -Target $d.Name -Step $gstep -TimeoutSeconds $ShutdownTimeoutSeconds -Confirm:$false -Change {
                Set-VgpucVmwHostGraphics -Connection $connection -HostState $hsLocal -Diff $gLocal -Confirm:$false
            }
            if (-not $ok) {
                $hostBlocked[$d.Name] = 'its graphics type change failed'
            }
            foreach ($r in $running) {
                $r.PowerState = [string](Get-View -Id $r.View.MoRef -Server $connection).Runtime.PowerState
            }
        }

        # --- VMs: the declared GPU devices, memory, reservation, MMIO (one transaction each) ---
        foreach ($d in $Vms) {
            if (-not $vmWork.ContainsKey($d.Name)) {
                continue
            }
            $s = $vmState[$d.Name]
            $diff = $vmWork[$d.Name]
            $step = 'GPU devices, memory and reservation'
            if (-not $diff.NeedsChange) {
                Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'already right'
                continue
            }
            if ($d.Host -and $hostBlocked.ContainsKey($d.Host) -and $diff.Add -gt 0) {
                Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'skipped' -Detail ('host {0}: {1}' -f $d.Host, $hostBlocked[$d.Host])
                continue
            }
            $why = Test-VgpucVmwCanStop -State $s
            if ($why) {
                Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'skipped' -Detail $why
                continue
            }
            $action = $diff.Changes -join '; '
            if ($s.PowerState -eq 'poweredOn') {
                $action = 'shut down; {0}; power on again' -f $action
            }
            if (-not $PSCmdlet.ShouldProcess($d.Name, $action)) {
                Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'skipped'
                continue
            }
            $dLocal = $d
            $diffLocal = $diff
            $sLocal = $s
            $null = Invoke-VgpucVmwVmTransaction -Connection $connection -States @($s) -Target $d.Name -Step $step -TimeoutSeconds $ShutdownTimeoutSeconds -Confirm:$false -Change {
                $spec = New-VgpucVmwConfigSpec -Declared $dLocal -Diff $diffLocal
                $view = Get-View -Id $sLocal.View.MoRef -Server $connection
                $view.ReconfigVM($spec)
            }
        }

        # --- Undeclared VMs holding GPUs: reported; their GPU devices removed only with -RemoveUndeclared ---
        foreach ($u in $undeclared) {
            if (@($VMName).Count -gt 0 -or (@($HostName).Count -gt 0 -and -not (Test-VgpucVmwNameIn -Name ([string]$hostById[$u.HostId].Name) -List $HostName))) {
                continue
            }
            $step = 'undeclared GPU devices'
            if (-not $RemoveUndeclared) {
                Add-VgpucVmwResult -Target $u.Name -Step $step -Status 'drift' -Detail 'not in the file; left alone (-RemoveUndeclared removes its GPU devices)'
                continue
            }
            $why = Test-VgpucVmwCanStop -State $u
            if ($why) {
                Add-VgpucVmwResult -Target $u.Name -Step $step -Status 'skipped' -Detail $why
                continue
            }
            if (-not $PSCmdlet.ShouldProcess($u.Name, 'remove its GPU devices (the VM is kept)')) {
                Add-VgpucVmwResult -Target $u.Name -Step $step -Status 'skipped'
                continue
            }
            $uLocal = $u
            $null = Invoke-VgpucVmwVmTransaction -Connection $connection -States @($u) -Target $u.Name -Step $step -TimeoutSeconds $ShutdownTimeoutSeconds -Confirm:$false -Change {
                $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
                $changes = @()
                foreach ($dev in @($uLocal.Devices)) {
                    $dc = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
                    $dc.Operation = 'remove'
                    $dc.Device = $dev.Device
                    $changes += $dc
                }
                $spec.DeviceChange = $changes
                $view = Get-View -Id $uLocal.View.MoRef -Server $connection
                $view.ReconfigVM($spec)
            }
        }

        # --- DRS: pinned VMs should run on their hosts (groups and rule reconciled) ---
        $pins = @($Vms | Where-Object { $_.Pinned -and (& $vmInScope $_) -and $vmState.ContainsKey($_.Name) })
        if ($pins.Count -gt 0) {
            $groups = @(Get-DrsClusterGroup -Cluster $clusterObj -Server $connection)
            $rules = @(Get-DrsVMHostRule -Cluster $clusterObj -Server $connection)
            foreach ($d in $pins) {
                $pin = [pscustomobject]@{
                    VM = $vmState[$d.Name].VM
                    Hosts = @(foreach ($o in @($d.Owners)) { if ($hostState.ContainsKey($o)) { $hostState[$o].VMHost } })
                    VmGroup = ('vgpuc-{0}-vm' -f $d.Name); HostGroup = ('vgpuc-{0}-hosts' -f $d.Name); Rule = ('vgpuc-{0}-should-run-on' -f $d.Name)
                }
                $step = 'DRS should-run-on rule'
                $drs = Get-VgpucVmwDrsDiff -Pin $pin -Groups $groups -Rules $rules
                if ($drs.Why.Count -eq 0) {
                    Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'already right'
                } elseif ($PSCmdlet.ShouldProcess($d.Name, ($drs.Why -join '; '))) {
                    try {
                        Set-VgpucVmwDrs -Connection $connection -Cluster $clusterObj -Pin $pin -Diff $drs -Confirm:$false
                        Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'changed'
                    } catch {
                        Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'failed' -Detail ([string]$_.Exception.Message)
                    }
                } else {
                    Add-VgpucVmwResult -Target $d.Name -Step $step -Status 'skipped'
                }
            }
        }
    } finally {
        Write-Host ''
        $failed = Write-VgpucVmwSummary -LogPath $LogPath -Plan @($plan)
        if ($null -ne $connection) {
            Disconnect-VIServer -Server $connection -Confirm:$false -WhatIf:$false
        }
    }
    if ($failed -gt 0) {
        throw ('{0} step(s) failed; see the summary above' -f $failed)
    }
}
