# VSphere.Model.ps1 - the simulated vCenter of the twin: inventory, views, API methods and
# the vSphere behaviours of tests/twin/README.md (test code, never shipped).
#
# Dot-sourced by VSphere.psm1. The state is the "vmware" state of tests/twin/README.md, held as
# loaded (hashtables or PSCustomObjects: dot access works on both) and changed in place, so
# the saved state has exactly the input's fields. Every rule the twin enforces is one entry
# of a table or one function below, and each has a refusal test in tests/twin/VSphere.Tests.ps1.
Set-StrictMode -Version Latest

# ---- the simulated servers ---------------------------------------------------------------
# name -> @{ Name; State } ; the first one is the state file's vCenter. Tests may add more
# (Add-VSphereTwinServer) to prove that scripts pass -Server.
$script:VTServers = [ordered]@{}
$script:VTCallSink = $null      # scriptblock(entry) the harness gives, else $script:VTCalls
$script:VTCalls = New-Object -TypeName 'System.Collections.Generic.List[object]'
$script:VTFaultHook = $null     # scriptblock(command, target) the harness gives, else local
$script:VTTaskSeq = 0
$script:VTTasks = @{}           # "server|task-n" -> VMware.Vim.TaskInfo
$script:VTHostTasks = [ordered]@{}   # PowerCLI task id -> a maintenance entry run with -RunAsync (README "Rollouts")

# Large-BAR GPUs: 64-bit MMIO size each needs (GB), from NVIDIA (docs/sources.md, NVIDIA)
# section 1.6 (NVIDIA AI Enterprise "vGPU" appendix table). A pass-through device of one of
# these models needs pciPassthru.use64bitMMIO = TRUE, pciPassthru.64bitMMIOSizeGB >= the sum
# over its devices, and EFI firmware (README "Large-BAR rule").
$script:VTLargeBarMmioGb = @{
    'H200' = 512; 'H100' = 256; 'A100 80GB' = 256; 'A100 40GB' = 128; 'A100' = 128
    'L40' = 128; 'L20' = 128; 'A40' = 128; 'RTX A6000' = 128
    'L4' = 64; 'A30' = 64; 'A10' = 64; 'V100' = 64
}

# Messages of real vSphere faults the twin raises (vim.fault.*); the others are prefixed
# "twin:" and say what the twin checked.
$script:VTMsg = @{
    InvalidPowerState = 'The attempted operation cannot be performed in the current state ({0}).'
    ToolsUnavailable  = 'Cannot complete operation because VMware Tools is not running in this virtual machine.'
    NotFound          = 'The object or item referred to could not be found.'
    InvalidState      = 'The operation is not allowed in the current state.'
    NotConnected      = 'You are not currently connected to any servers. Please connect first using a Connect cmdlet.'
}

# ---- small helpers over the loaded JSON (hashtable or PSCustomObject) ---------------------
function Test-VTDictionary {
    param($Object)
    return ($Object -is [System.Collections.IDictionary])
}

function Get-VTKey {
    param($Map)
    if ($null -eq $Map) { return @() }
    if (Test-VTDictionary $Map) { return @($Map.Keys) }
    return @($Map.PSObject.Properties | ForEach-Object { $_.Name })
}

function Test-VTField {
    param($Object, [string]$Name)
    if ($null -eq $Object) { return $false }
    if (Test-VTDictionary $Object) { return $Object.Contains($Name) }
    return ($null -ne $Object.PSObject.Properties[$Name])
}

function Get-VTValue {
    param($Map, [string]$Key)
    if (-not (Test-VTField $Map $Key)) { return $null }
    if (Test-VTDictionary $Map) { return $Map[$Key] }
    return $Map.PSObject.Properties[$Key].Value
}

function Set-VTValue {
    param($Map, [string]$Key, $Value)
    if (Test-VTDictionary $Map) { $Map[$Key] = $Value; return }
    $p = $Map.PSObject.Properties[$Key]
    if ($null -ne $p) { $p.Value = $Value } else { $Map | Add-Member -NotePropertyName $Key -NotePropertyValue $Value }
}

function Remove-VTValue {
    param($Map, [string]$Key)
    if (Test-VTDictionary $Map) { $Map.Remove($Key); return }
    $Map.PSObject.Properties.Remove($Key)
}

# A new record shaped like the state's own records (the harness may load either form).
function New-VTRecord {
    param($Like, [System.Collections.Specialized.OrderedDictionary]$Fields)
    if (Test-VTDictionary $Like) {
        $h = [ordered]@{}
        foreach ($k in $Fields.Keys) { $h[$k] = $Fields[$k] }
        return $h
    }
    return [pscustomobject]$Fields
}

function Test-VTWildcard {
    param([string]$Pattern, [string]$Name)
    return ([System.Management.Automation.WildcardPattern]::new($Pattern, [System.Management.Automation.WildcardOptions]::IgnoreCase)).IsMatch($Name)
}

function ConvertFrom-VTHex {
    param([string]$Hex)
    return [Convert]::ToInt32($Hex, 16)
}

# A GPU's (or device's) PCI subsystem id from the state (optional fields; 0 when absent).
function Get-VTSubId {
    param($Rec, [string]$Field)
    $v = Get-VTValue $Rec $Field
    if ($null -eq $v) { return 0 }
    return (ConvertFrom-VTHex ([string]$v))
}

# Does a GPU record match a device's vendor/device id, and its subsystem where the device
# names one (dynamic DirectPath I/O AllowedDevice.subVendorId/subDeviceId)?
function Test-VTGpuMatches {
    param($Gpu, $Dev)
    if ([string]$Gpu.vendor_id -ne [string]$Dev.vendor_id -or [string]$Gpu.device_id -ne [string]$Dev.device_id) { return $false }
    if ((Get-VTSubId $Dev 'sub_device_id') -eq 0) { return $true }
    return ((Get-VTSubId $Gpu 'sub_vendor_id') -eq (Get-VTSubId $Dev 'sub_vendor_id') -and (Get-VTSubId $Gpu 'sub_device_id') -eq (Get-VTSubId $Dev 'sub_device_id'))
}

# A PCI id as the signed 16-bit value the API's xsd:short fields hold.
function ConvertTo-VTShort {
    param([int]$Value)
    $v = $Value -band 0xFFFF
    if ($v -ge 0x8000) { $v -= 0x10000 }
    return [int16]$v
}

# ---- servers, calls, faults --------------------------------------------------------------
function Add-VSphereTwinServer {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$State)
    $name = [string]$State.vcenter.name
    $script:VTServers[$name] = @{ Name = $name; State = $State }
}

function Get-VTServer {
    param([string]$Name)
    $key = @($script:VTServers.Keys | Where-Object { $_ -eq $Name })
    if ($key.Count -eq 0) { throw ('twin: no simulated vCenter named {0}' -f $Name) }
    return $script:VTServers[$key[0]]
}

# Views and objects built within one read are memoized (a Get-VM of many VMs on few hosts
# builds each host once); any change (every change is logged first) drops the memo.
$script:VTMemo = @{}

function Get-VTMemo {
    param([string]$Key, [scriptblock]$Build)
    if (-not $script:VTMemo.ContainsKey($Key)) { $script:VTMemo[$Key] = & $Build }
    return $script:VTMemo[$Key]
}

function Clear-VTMemo {
    $script:VTMemo = @{}
}

function Add-VTCall {
    param([string]$Command, [string]$HostName, [string]$Target, $Parameters)
    Clear-VTMemo
    $entry = [ordered]@{ command = $Command; host = $HostName; target = $Target; parameters = $Parameters }
    if ($null -ne $script:VTCallSink) { & $script:VTCallSink $entry } else { $script:VTCalls.Add($entry) }
}

# Fail the call when the state's faults name it (tests/twin/README.md); each entry fails
# its command for its target `times` times with its message.
function Invoke-VTFault {
    param($Srv, [string[]]$Command, [string]$Target, [string]$HostName)
    foreach ($n in @($HostName, $Target)) {
        if ([string]::IsNullOrEmpty($n)) { continue }
        $hr = Find-VTHost $Srv $n
        if (Test-VTRebooting $hr) {
            throw ('twin: host {0} is rebooting (vCenter has not yet seen it go down: its boot time is still the old one); {1} on it fails' -f $n, $Command[0])
        }
    }
    if ($null -ne $script:VTFaultHook) {
        foreach ($c in $Command) { & $script:VTFaultHook $c $Target $HostName }
        return
    }
    if (-not (Test-VTField $Srv.State 'faults')) { return }
    foreach ($f in @($Srv.State.faults)) {
        if ($null -eq $f) { continue }
        if ($Command -notcontains [string]$f.command) { continue }
        if ((Test-VTField $f 'target') -and $null -ne $f.target -and [string]$f.target -ne $Target -and [string]$f.target -ne $HostName) { continue }
        if ([int]$f.times -le 0) { continue }
        $f.times = [int]$f.times - 1
        throw ([string]$f.message)
    }
}

# ---- inventory lookups -------------------------------------------------------------------
function Get-VTHostMoid {
    param($Srv, $HostRec)
    $i = [array]::IndexOf(@($Srv.State.hosts), $HostRec)
    return ('host-{0}' -f (10 + $i))
}

function Get-VTClusterMoid {
    param($Srv, $ClusterRec)
    $i = [array]::IndexOf(@($Srv.State.clusters), $ClusterRec)
    return ('domain-c{0}' -f (1 + $i))
}

function Find-VTHost {
    param($Srv, [string]$Name)
    foreach ($h in @($Srv.State.hosts)) { if ([string]$h.name -eq $Name) { return $h } }
    return $null
}

function Find-VTHostByMoid {
    param($Srv, [string]$Moid)
    foreach ($h in @($Srv.State.hosts)) { if ((Get-VTHostMoid $Srv $h) -eq $Moid) { return $h } }
    return $null
}

function Find-VTCluster {
    param($Srv, [string]$Name)
    foreach ($c in @($Srv.State.clusters)) { if ([string]$c.name -eq $Name) { return $c } }
    return $null
}

function Find-VTClusterByMoid {
    param($Srv, [string]$Moid)
    foreach ($c in @($Srv.State.clusters)) { if ((Get-VTClusterMoid $Srv $c) -eq $Moid) { return $c } }
    return $null
}

function Find-VTVm {
    param($Srv, [string]$Moid)
    foreach ($v in @($Srv.State.vms)) { if ([string]$v.id -eq $Moid) { return $v } }
    return $null
}

function Get-VTVmsOnHost {
    param($Srv, [string]$HostName)
    return @($Srv.State.vms | Where-Object { $null -ne $_ -and [string]$_.host -eq $HostName })
}

function Get-VTDevices {
    param($Vm)
    return @($Vm.devices | Where-Object { $null -ne $_ })
}

function Test-VTRunsVgpu {
    param($Vm)
    return ([string]$Vm.power_state -eq 'PoweredOn' -and @(Get-VTDevices $Vm | Where-Object { [string]$_.type -eq 'vgpu' }).Count -gt 0)
}

# ---- views (VMware.Vim) ------------------------------------------------------------------
function New-VTMoRef {
    param([string]$Type, [string]$Value)
    return [VMware.Vim.ManagedObjectReference]::new($Type, $Value)
}

function ConvertTo-VTVimDevice {
    param($Dev, [int]$Index, [string]$AssignedId)
    $d = [VMware.Vim.VirtualPCIPassthrough]::new()
    $d.Key = 13000 + $Index
    $info = [VMware.Vim.Description]::new()
    $info.Label = 'PCI device {0}' -f $Index
    switch ([string]$Dev.type) {
        'vgpu' {
            $b = [VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo]::new()
            $b.Vgpu = [string]$Dev.profile
            $d.Backing = $b
            $info.Summary = 'NVIDIA GRID vGPU {0}' -f $Dev.profile
        }
        'dynamic_passthrough' {
            $a = [VMware.Vim.VirtualPCIPassthroughAllowedDevice]::new()
            $a.VendorId = ConvertFrom-VTHex ([string]$Dev.vendor_id)
            $a.DeviceId = ConvertFrom-VTHex ([string]$Dev.device_id)
            if ((Get-VTSubId $Dev 'sub_device_id') -ne 0) {
                $a.SubVendorId = Get-VTSubId $Dev 'sub_vendor_id'
                $a.SubDeviceId = Get-VTSubId $Dev 'sub_device_id'
            }
            $b = [VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo]::new()
            $b.AllowedDevice = @($a)
            $b.DeviceName = ''
            $b.AssignedId = $AssignedId
            $d.Backing = $b
            $info.Summary = 'Dynamic DirectPath I/O {0}:{1}' -f $Dev.vendor_id, $Dev.device_id
        }
        default { throw ('twin: state error: VM device type {0} is not one the twin models (vgpu, dynamic_passthrough)' -f $Dev.type) }
    }
    $d.DeviceInfo = $info
    return $d
}

# Which host GPU each powered-on pass-through device holds (stable: VMs in state order).
function Get-VTPassthroughAssignment {
    param($Srv, $HostRec)
    return (Get-VTMemo ('assign|{0}|{1}' -f $Srv.Name, $HostRec.name) { Get-VTPassthroughAssignmentNow $Srv $HostRec })
}

function Get-VTPassthroughAssignmentNow {
    param($Srv, $HostRec)
    $taken = @{}
    $map = @{}
    foreach ($vm in (Get-VTVmsOnHost $Srv ([string]$HostRec.name))) {
        if ([string]$vm.power_state -eq 'PoweredOff') { continue }
        $i = 0
        foreach ($dev in (Get-VTDevices $vm)) {
            if ([string]$dev.type -eq 'dynamic_passthrough') {
                foreach ($g in @($HostRec.gpus)) {
                    if ($taken.ContainsKey([string]$g.pci_id)) { continue }
                    if (-not (Test-VTGpuMatches $g $dev) -or -not $g.passthrough_active) { continue }
                    $taken[[string]$g.pci_id] = $vm
                    $map['{0}|{1}' -f $vm.id, $i] = [string]$g.pci_id
                    break
                }
            }
            $i++
        }
    }
    return @{ ByDevice = $map; ByGpu = $taken }
}

function New-VTVmView {
    param($Srv, $Vm)
    $v = [VMware.Vim.VirtualMachine]::new()
    $v.MoRef = New-VTMoRef 'VirtualMachine' ([string]$Vm.id)
    $v.TwinServer = $Srv.Name
    $v.Name = [string]$Vm.name
    $hostRec = Find-VTHost $Srv ([string]$Vm.host)
    $assign = @{ ByDevice = @{} }
    if ($null -ne $hostRec) { $assign = Get-VTPassthroughAssignment $Srv $hostRec }
    $devs = New-Object -TypeName 'System.Collections.Generic.List[VMware.Vim.VirtualDevice]'
    $i = 0
    foreach ($d in (Get-VTDevices $Vm)) {
        $aid = $assign.ByDevice['{0}|{1}' -f $Vm.id, $i]
        $devs.Add((ConvertTo-VTVimDevice $d $i $aid))
        $i++
    }
    $hw = [VMware.Vim.VirtualHardware]::new()
    $hw.MemoryMB = [int]$Vm.memory_mb
    $hw.NumCPU = 1
    $hw.Device = $devs.ToArray()
    $cfg = [VMware.Vim.VirtualMachineConfigInfo]::new()
    $cfg.Name = [string]$Vm.name
    $cfg.Version = 'vmx-{0:d2}' -f [int]$Vm.hardware_version
    $cfg.Firmware = [string]$Vm.firmware
    $cfg.MemoryReservationLockedToMax = [bool]$Vm.memory_reservation_locked_to_max
    $cfg.Hardware = $hw
    $opts = New-Object -TypeName 'System.Collections.Generic.List[VMware.Vim.OptionValue]'
    foreach ($k in (Get-VTKey $Vm.extra_config)) {
        $o = [VMware.Vim.OptionValue]::new()
        $o.Key = $k
        $o.Value = [string](Get-VTValue $Vm.extra_config $k)
        $opts.Add($o)
    }
    $cfg.ExtraConfig = $opts.ToArray()
    $v.Config = $cfg
    $rt = [VMware.Vim.VirtualMachineRuntimeInfo]::new()
    $rt.PowerState = switch ([string]$Vm.power_state) { 'PoweredOn' { 'poweredOn' } 'Suspended' { 'suspended' } default { 'poweredOff' } }
    $rt.ConnectionState = 'connected'
    if ($null -ne $hostRec) { $rt.Host = New-VTMoRef 'HostSystem' (Get-VTHostMoid $Srv $hostRec) }
    $v.Runtime = $rt
    $g = [VMware.Vim.GuestInfo]::new()
    $on = ([string]$Vm.power_state -eq 'PoweredOn')
    $g.ToolsRunningStatus = if ($on -and $Vm.tools_running) { 'guestToolsRunning' } else { 'guestToolsNotRunning' }
    $g.GuestState = if ($on) { 'running' } else { 'notRunning' }
    if ($on -and $Vm.tools_running -and (Test-VTField $Vm 'guest') -and $null -ne $Vm.guest) { $g.GuestFamily = '{0}Guest' -f $Vm.guest.os }
    $v.Guest = $g
    return $v
}

function New-VTGraphicsInfo {
    param($Srv, $HostRec)
    $assign = Get-VTPassthroughAssignment $Srv $HostRec
    $list = New-Object -TypeName 'System.Collections.Generic.List[VMware.Vim.HostGraphicsInfo]'
    $vgpuVms = @(Get-VTVmsOnHost $Srv ([string]$HostRec.name) | Where-Object { Test-VTRunsVgpu $_ })
    $first = $true
    foreach ($g in @($HostRec.gpus)) {
        $gi = [VMware.Vim.HostGraphicsInfo]::new()
        $gi.DeviceName = 'NVIDIA {0}' -f $g.model
        $gi.VendorName = 'NVIDIA Corporation'
        $gi.PciId = [string]$g.pci_id
        $gi.MemorySizeInKB = 0
        if ($g.passthrough_active) {
            $gi.GraphicsType = 'direct'
            if ($assign.ByGpu.ContainsKey([string]$g.pci_id)) { $gi.Vm = @(New-VTMoRef 'VirtualMachine' ([string]$assign.ByGpu[[string]$g.pci_id].id)) }
        } elseif ($HostRec.nvidia_module_loaded) {
            $gi.GraphicsType = [string]$HostRec.graphics.active_type
            if (Test-VTField $HostRec.graphics 'vgpu_mode') { $gi.VgpuMode = [string]$HostRec.graphics.vgpu_mode }
            # The twin does not place vGPUs on GPUs; it lists the vGPU VMs on the first one.
            if ($first -and $vgpuVms.Count -gt 0) { $gi.Vm = @($vgpuVms | ForEach-Object { New-VTMoRef 'VirtualMachine' ([string]$_.id) }) }
            $first = $false
        } else {
            $gi.GraphicsType = 'basic'
        }
        $list.Add($gi)
    }
    return $list.ToArray()
}

function New-VTGraphicsConfig {
    param($HostRec)
    $c = [VMware.Vim.HostGraphicsConfig]::new()
    $c.HostDefaultGraphicsType = [string]$HostRec.graphics.default_type
    $c.SharedPassthruAssignmentPolicy = 'performance'
    if (Test-VTField $HostRec.graphics 'vgpu_mode') {
        $c.DeviceType = @($HostRec.gpus | Where-Object { -not $_.passthrough_active } | ForEach-Object {
                $t = [VMware.Vim.HostGraphicsConfigDeviceType]::new()
                $t.DeviceId = [string]$_.pci_id
                $t.GraphicsType = [string]$HostRec.graphics.default_type
                $t.VgpuMode = [string]$HostRec.graphics.vgpu_mode
                $t
            })
    }
    return $c
}

function New-VTPassthruInfo {
    param($HostRec)
    return @($HostRec.gpus | ForEach-Object {
            $p = [VMware.Vim.HostPciPassthruInfo]::new()
            $p.Id = [string]$_.pci_id
            $p.DependentDevice = [string]$_.pci_id
            $p.PassthruCapable = [bool]$_.passthrough_capable
            $p.PassthruEnabled = [bool]$_.passthrough_enabled
            $p.PassthruActive = [bool]$_.passthrough_active
            $p
        })
}

function New-VTHostView {
    param($Srv, $HostRec)
    $null = Test-VTRebooting $HostRec
    $moid = Get-VTHostMoid $Srv $HostRec
    $h = [VMware.Vim.HostSystem]::new()
    $h.MoRef = New-VTMoRef 'HostSystem' $moid
    $h.TwinServer = $Srv.Name
    $h.Name = [string]$HostRec.name
    $cl = Find-VTCluster $Srv ([string]$HostRec.cluster)
    if ($null -ne $cl) { $h.Parent = New-VTMoRef 'ClusterComputeResource' (Get-VTClusterMoid $Srv $cl) }
    $cm = [VMware.Vim.HostConfigManager]::new()
    $cm.GraphicsManager = New-VTMoRef 'HostGraphicsManager' ('graphicsManager-{0}' -f $moid)
    $cm.PciPassthruSystem = New-VTMoRef 'HostPciPassthruSystem' ('pciPassthruSystem-{0}' -f $moid)
    $cm.ServiceSystem = New-VTMoRef 'HostServiceSystem' ('serviceSystem-{0}' -f $moid)
    $cm.KernelModuleSystem = New-VTMoRef 'HostKernelModuleSystem' ('kernelModuleSystem-{0}' -f $moid)
    $h.ConfigManager = $cm
    $rt = [VMware.Vim.HostRuntimeInfo]::new()
    $rt.ConnectionState = switch ([string]$HostRec.connection_state) { 'Disconnected' { 'disconnected' } 'NotResponding' { 'notResponding' } default { 'connected' } }
    $rt.PowerState = 'poweredOn'
    $rt.InMaintenanceMode = ([string]$HostRec.connection_state -eq 'Maintenance')
    # boot_count (optional): the host's boots; BootTime is one hour per boot after 2026-01-01 UTC.
    if (Test-VTField $HostRec 'boot_count') { $rt.BootTime = [DateTime]::new(2026, 1, 1, 0, 0, 0, [DateTimeKind]::Utc).AddHours([int]$HostRec.boot_count) }
    $h.Runtime = $rt
    $hw = [VMware.Vim.HostHardwareInfo]::new()
    $hw.PciDevice = @($HostRec.gpus | ForEach-Object {
            $p = [VMware.Vim.HostPciDevice]::new()
            $p.Id = [string]$_.pci_id
            $p.ClassId = 3
            $p.VendorId = ConvertTo-VTShort (ConvertFrom-VTHex ([string]$_.vendor_id))
            $p.DeviceId = ConvertTo-VTShort (ConvertFrom-VTHex ([string]$_.device_id))
            $p.SubVendorId = ConvertTo-VTShort (Get-VTSubId $_ 'sub_vendor_id')
            $p.SubDeviceId = ConvertTo-VTShort (Get-VTSubId $_ 'sub_device_id')
            $p.VendorName = 'NVIDIA Corporation'
            $p.DeviceName = 'NVIDIA {0}' -f $_.model
            $p
        })
    $h.Hardware = $hw
    $ci = [VMware.Vim.HostConfigInfo]::new()
    $about = [VMware.Vim.AboutInfo]::new()
    $about.Name = 'VMware ESXi'
    $about.Version = [string]$HostRec.version
    $ci.Product = $about
    $ci.GraphicsInfo = New-VTGraphicsInfo $Srv $HostRec
    $ci.GraphicsConfig = New-VTGraphicsConfig $HostRec
    $ci.PciPassthruInfo = New-VTPassthruInfo $HostRec
    $h.Config = $ci
    $h.Vm = @(Get-VTVmsOnHost $Srv ([string]$HostRec.name) | ForEach-Object { New-VTMoRef 'VirtualMachine' ([string]$_.id) })
    return $h
}

function New-VTClusterView {
    param($Srv, $ClusterRec)
    $c = [VMware.Vim.ClusterComputeResource]::new()
    $c.MoRef = New-VTMoRef 'ClusterComputeResource' (Get-VTClusterMoid $Srv $ClusterRec)
    $c.TwinServer = $Srv.Name
    $c.Name = [string]$ClusterRec.name
    $c.Host = @($Srv.State.hosts | Where-Object { [string]$_.cluster -eq [string]$ClusterRec.name } | ForEach-Object { New-VTMoRef 'HostSystem' (Get-VTHostMoid $Srv $_) })
    $ex = [VMware.Vim.ClusterConfigInfoEx]::new()
    $drs = [VMware.Vim.ClusterDrsConfigInfo]::new()
    $drs.Enabled = [bool]$ClusterRec.drs_enabled
    $ex.DrsConfig = $drs
    # image_managed (optional): the cluster is managed with a vLCM image.
    if (Test-VTField $ClusterRec 'image_managed') { $c.LifecycleManaged = [bool]$ClusterRec.image_managed }
    $groups = New-Object -TypeName 'System.Collections.Generic.List[VMware.Vim.ClusterGroupInfo]'
    foreach ($g in @($ClusterRec.drs_groups | Where-Object { $null -ne $_ })) {
        if ([string]$g.type -eq 'VM') {
            $x = [VMware.Vim.ClusterVmGroup]::new()
            $x.Vm = @($g.members | ForEach-Object { $m = Find-VTVmByName $Srv ([string]$_); if ($null -ne $m) { New-VTMoRef 'VirtualMachine' ([string]$m.id) } })
        } else {
            $x = [VMware.Vim.ClusterHostGroup]::new()
            $x.Host = @($g.members | ForEach-Object { $m = Find-VTHost $Srv ([string]$_); if ($null -ne $m) { New-VTMoRef 'HostSystem' (Get-VTHostMoid $Srv $m) } })
        }
        $x.Name = [string]$g.name
        $x.UserCreated = $true
        $groups.Add($x)
    }
    $ex.Group = $groups.ToArray()
    $rules = New-Object -TypeName 'System.Collections.Generic.List[VMware.Vim.ClusterRuleInfo]'
    $k = 1
    foreach ($r in @($ClusterRec.drs_rules | Where-Object { $null -ne $_ })) {
        $x = [VMware.Vim.ClusterVmHostRuleInfo]::new()
        $x.Key = $k++
        $x.Name = [string]$r.name
        $x.Enabled = [bool]$r.enabled
        $x.Mandatory = ([string]$r.type -like 'Must*')
        $x.VmGroupName = [string]$r.vm_group
        if ([string]$r.type -like '*Not*') { $x.AntiAffineHostGroupName = [string]$r.host_group } else { $x.AffineHostGroupName = [string]$r.host_group }
        $x.UserCreated = $true
        $rules.Add($x)
    }
    $ex.Rule = $rules.ToArray()
    $c.ConfigurationEx = $ex
    return $c
}

function Find-VTVmByName {
    param($Srv, [string]$Name)
    foreach ($v in @($Srv.State.vms)) { if ([string]$v.name -eq $Name) { return $v } }
    return $null
}

function New-VTServiceView {
    param($Srv, $HostRec, [string]$Moid)
    $s = [VMware.Vim.HostServiceSystem]::new()
    $s.MoRef = New-VTMoRef 'HostServiceSystem' $Moid
    $s.TwinServer = $Srv.Name
    $x = [VMware.Vim.HostService]::new()
    $x.Key = 'xorg'
    $x.Label = 'X.Org Server'
    $x.Running = $true
    $x.Policy = 'on'
    $info = [VMware.Vim.HostServiceInfo]::new()
    $info.Service = @($x)
    $s.ServiceInfo = $info
    return $s
}

# Get-View -Id: the view of any managed object the twin models.
function Get-VTView {
    param($Srv, [string]$Type, [string]$Moid)
    switch ($Type) {
        'VirtualMachine' {
            $vm = Find-VTVm $Srv $Moid
            if ($null -ne $vm) { return (New-VTVmView $Srv $vm) }
        }
        'HostSystem' {
            $h = Find-VTHostByMoid $Srv $Moid
            if ($null -ne $h) { return (New-VTHostView $Srv $h) }
        }
        'ClusterComputeResource' {
            $c = Find-VTClusterByMoid $Srv $Moid
            if ($null -ne $c) { return (New-VTClusterView $Srv $c) }
        }
        'HostGraphicsManager' {
            $h = Find-VTHostByMoid $Srv ($Moid -replace '^graphicsManager-', '')
            if ($null -ne $h) {
                $g = [VMware.Vim.HostGraphicsManager]::new()
                $g.MoRef = New-VTMoRef $Type $Moid
                $g.TwinServer = $Srv.Name
                $g.GraphicsConfig = New-VTGraphicsConfig $h
                $g.GraphicsInfo = New-VTGraphicsInfo $Srv $h
                $g.SharedPassthruGpuTypes = @($h.graphics.shared_passthru_gpu_types | ForEach-Object { [string]$_ })
                return $g
            }
        }
        'HostPciPassthruSystem' {
            $h = Find-VTHostByMoid $Srv ($Moid -replace '^pciPassthruSystem-', '')
            if ($null -ne $h) {
                $p = [VMware.Vim.HostPciPassthruSystem]::new()
                $p.MoRef = New-VTMoRef $Type $Moid
                $p.TwinServer = $Srv.Name
                $p.PciPassthruInfo = New-VTPassthruInfo $h
                return $p
            }
        }
        'HostServiceSystem' {
            $h = Find-VTHostByMoid $Srv ($Moid -replace '^serviceSystem-', '')
            if ($null -ne $h) { return (New-VTServiceView $Srv $h $Moid) }
        }
        'HostKernelModuleSystem' {
            $h = Find-VTHostByMoid $Srv ($Moid -replace '^kernelModuleSystem-', '')
            if ($null -ne $h) {
                $k = [VMware.Vim.HostKernelModuleSystem]::new()
                $k.MoRef = New-VTMoRef $Type $Moid
                $k.TwinServer = $Srv.Name
                return $k
            }
        }
        'Task' {
            $info = $script:VTTasks['{0}|{1}' -f $Srv.Name, $Moid]
            if ($null -ne $info) {
                $t = [VMware.Vim.Task]::new()
                $t.MoRef = New-VTMoRef 'Task' $Moid
                $t.TwinServer = $Srv.Name
                $t.Info = $info
                return $t
            }
        }
    }
    return $null
}

# The host record behind a host-scoped managed object (graphics manager, ...).
function Get-VTHostOf {
    param($Srv, [string]$Moid)
    $h = Find-VTHostByMoid $Srv ($Moid -replace '^(graphicsManager|pciPassthruSystem|serviceSystem|kernelModuleSystem)-', '')
    if ($null -eq $h) { throw $script:VTMsg.NotFound }
    return $h
}

# ---- tasks -------------------------------------------------------------------------------
# Run an operation the API exposes as a task: a fault raised while it runs ends the task in
# state error (Info.Error.LocalizedMessage), as vCenter does; the method itself returns the
# task. The synchronous form (ReconfigVM, ...) throws instead.
function Invoke-VTTask {
    param($Srv, [string]$DescriptionId, [VMware.Vim.ManagedObjectReference]$Entity, [string]$EntityName, [scriptblock]$Action, [object[]]$ArgumentList)
    $script:VTTaskSeq++
    $moid = 'task-{0}' -f $script:VTTaskSeq
    $info = [VMware.Vim.TaskInfo]::new()
    $info.Key = $moid
    $info.Task = New-VTMoRef 'Task' $moid
    $info.DescriptionId = $DescriptionId
    $info.Entity = $Entity
    $info.EntityName = $EntityName
    try {
        $null = & $Action @ArgumentList
        $info.State = 'success'
    } catch {
        $info.State = 'error'
        $f = [VMware.Vim.LocalizedMethodFault]::new()
        $f.LocalizedMessage = $_.Exception.Message
        $info.Error = $f
    }
    $script:VTTasks['{0}|{1}' -f $Srv.Name, $moid] = $info
    return $info.Task
}

# ---- the API methods ---------------------------------------------------------------------
function Invoke-VTMethod {
    param([string]$Server, [string]$Type, [string]$Moid, [string]$Method, [object[]]$Arguments)
    $srv = Get-VTServer $Server
    $key = '{0}.{1}' -f $Type, $Method
    switch ($key) {
        'VirtualMachine.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'HostSystem.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'ClusterComputeResource.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'HostGraphicsManager.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'HostPciPassthruSystem.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'HostServiceSystem.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'HostKernelModuleSystem.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'HostKernelModuleSystem.QueryModules' {
            if (@($Arguments | Where-Object { $null -ne $_ }).Count -gt 0) { throw 'twin: QueryModules takes no argument' }
            return (Get-VTKernelModules (Get-VTHostOf $srv $Moid))
        }
        'Task.UpdateViewData' { return (Get-VTView $srv $Type $Moid) }
        'VirtualMachine.ReconfigVM_Task' {
            $vm = Find-VTVm $srv $Moid
            if ($null -eq $vm) { throw $script:VTMsg.NotFound }
            $spec = $Arguments[0]
            Add-VTCall 'ReconfigVM_Task' ([string]$vm.host) ([string]$vm.name) (ConvertTo-VTSpecSummary $spec)
            return (Invoke-VTTask $srv 'VirtualMachine.reconfigure' (New-VTMoRef 'VirtualMachine' $Moid) ([string]$vm.name) {
                    param($s, $v, $sp)
                    Invoke-VTFault $s @('ReconfigVM_Task', 'ReconfigVM') ([string]$v.name) ([string]$v.host)
                    Invoke-VTReconfig $s $v $sp
                } @($srv, $vm, $spec))
        }
        'VirtualMachine.ReconfigVM' {
            $vm = Find-VTVm $srv $Moid
            if ($null -eq $vm) { throw $script:VTMsg.NotFound }
            $spec = $Arguments[0]
            Add-VTCall 'ReconfigVM' ([string]$vm.host) ([string]$vm.name) (ConvertTo-VTSpecSummary $spec)
            Invoke-VTFault $srv @('ReconfigVM_Task', 'ReconfigVM') ([string]$vm.name) ([string]$vm.host)
            Invoke-VTReconfig $srv $vm $spec
            return $null
        }
        'VirtualMachine.ShutdownGuest' {
            $vm = Find-VTVm $srv $Moid
            if ($null -eq $vm) { throw $script:VTMsg.NotFound }
            Add-VTCall 'ShutdownGuest' ([string]$vm.host) ([string]$vm.name) ([ordered]@{})
            Invoke-VTFault $srv @('ShutdownGuest') ([string]$vm.name) ([string]$vm.host)
            Invoke-VTShutdownGuest $vm
            return $null
        }
        'VirtualMachine.PowerOnVM_Task' {
            $vm = Find-VTVm $srv $Moid
            if ($null -eq $vm) { throw $script:VTMsg.NotFound }
            Add-VTCall 'PowerOnVM_Task' ([string]$vm.host) ([string]$vm.name) ([ordered]@{})
            return (Invoke-VTTask $srv 'VirtualMachine.powerOn' (New-VTMoRef 'VirtualMachine' $Moid) ([string]$vm.name) {
                    param($s, $v)
                    Invoke-VTFault $s @('PowerOnVM_Task', 'PowerOnVM', 'Start-VM') ([string]$v.name) ([string]$v.host)
                    Invoke-VTPowerOn $s $v
                } @($srv, $vm))
        }
        'VirtualMachine.PowerOnVM' {
            $vm = Find-VTVm $srv $Moid
            if ($null -eq $vm) { throw $script:VTMsg.NotFound }
            Add-VTCall 'PowerOnVM' ([string]$vm.host) ([string]$vm.name) ([ordered]@{})
            Invoke-VTFault $srv @('PowerOnVM_Task', 'PowerOnVM', 'Start-VM') ([string]$vm.name) ([string]$vm.host)
            Invoke-VTPowerOn $srv $vm
            return $null
        }
        'VirtualMachine.PowerOffVM_Task' {
            $vm = Find-VTVm $srv $Moid
            if ($null -eq $vm) { throw $script:VTMsg.NotFound }
            Add-VTCall 'PowerOffVM_Task' ([string]$vm.host) ([string]$vm.name) ([ordered]@{})
            return (Invoke-VTTask $srv 'VirtualMachine.powerOff' (New-VTMoRef 'VirtualMachine' $Moid) ([string]$vm.name) {
                    param($s, $v)
                    Invoke-VTFault $s @('PowerOffVM_Task', 'PowerOffVM', 'Stop-VM') ([string]$v.name) ([string]$v.host)
                    Invoke-VTPowerOff $v
                } @($srv, $vm))
        }
        'VirtualMachine.PowerOffVM' {
            $vm = Find-VTVm $srv $Moid
            if ($null -eq $vm) { throw $script:VTMsg.NotFound }
            Add-VTCall 'PowerOffVM' ([string]$vm.host) ([string]$vm.name) ([ordered]@{})
            Invoke-VTFault $srv @('PowerOffVM_Task', 'PowerOffVM', 'Stop-VM') ([string]$vm.name) ([string]$vm.host)
            Invoke-VTPowerOff $vm
            return $null
        }
        'HostGraphicsManager.UpdateGraphicsConfig' {
            $h = Get-VTHostOf $srv $Moid
            $cfg = $Arguments[0]
            Add-VTCall 'UpdateGraphicsConfig' ([string]$h.name) ([string]$h.name) (ConvertTo-VTPlain $cfg)
            Invoke-VTFault $srv @('UpdateGraphicsConfig') ([string]$h.name)
            Invoke-VTUpdateGraphicsConfig $srv $h $cfg
            return $null
        }
        'HostGraphicsManager.RefreshGraphicsManager' { return $null }
        'HostPciPassthruSystem.UpdatePassthruConfig' {
            $h = Get-VTHostOf $srv $Moid
            $cfgs = @($Arguments[0])
            Add-VTCall 'UpdatePassthruConfig' ([string]$h.name) ([string]$h.name) ([ordered]@{ config = @($cfgs | ForEach-Object { ConvertTo-VTPlain $_ }) })
            Invoke-VTFault $srv @('UpdatePassthruConfig') ([string]$h.name)
            Invoke-VTUpdatePassthru $h $cfgs
            return $null
        }
        'HostPciPassthruSystem.Refresh' { return $null }
        'HostServiceSystem.RefreshServices' { return $null }
        'HostServiceSystem.RestartService' {
            $h = Get-VTHostOf $srv $Moid
            $id = [string]$Arguments[0]
            Add-VTCall 'RestartService' ([string]$h.name) ([string]$h.name) ([ordered]@{ id = $id })
            Invoke-VTFault $srv @('RestartService') ([string]$h.name)
            Invoke-VTRestartService $srv $h $id
            return $null
        }
        'HostServiceSystem.StartService' {
            $h = Get-VTHostOf $srv $Moid
            $id = [string]$Arguments[0]
            Add-VTCall 'StartService' ([string]$h.name) ([string]$h.name) ([ordered]@{ id = $id })
            Invoke-VTFault $srv @('StartService') ([string]$h.name)
            Invoke-VTRestartService $srv $h $id
            return $null
        }
        'HostServiceSystem.StopService' {
            $h = Get-VTHostOf $srv $Moid
            $id = [string]$Arguments[0]
            Add-VTCall 'StopService' ([string]$h.name) ([string]$h.name) ([ordered]@{ id = $id })
            Invoke-VTFault $srv @('StopService') ([string]$h.name)
            if ($id -ne 'xorg') { throw $script:VTMsg.NotFound }
            return $null
        }
        'HostSystem.RebootHost_Task' {
            $h = Find-VTHostByMoid $srv $Moid
            if ($null -eq $h) { throw $script:VTMsg.NotFound }
            $force = [bool]$Arguments[0]
            Add-VTCall 'RebootHost_Task' ([string]$h.name) ([string]$h.name) ([ordered]@{ force = $force })
            return (Invoke-VTTask $srv 'HostSystem.reboot' (New-VTMoRef 'HostSystem' $Moid) ([string]$h.name) {
                    param($s, $hr, $f)
                    Invoke-VTFault $s @('RebootHost_Task', 'RebootHost') ([string]$hr.name)
                    Invoke-VTReboot $s $hr $f
                } @($srv, $h, $force))
        }
        'HostSystem.RebootHost' {
            $h = Find-VTHostByMoid $srv $Moid
            if ($null -eq $h) { throw $script:VTMsg.NotFound }
            $force = [bool]$Arguments[0]
            Add-VTCall 'RebootHost' ([string]$h.name) ([string]$h.name) ([ordered]@{ force = $force })
            Invoke-VTFault $srv @('RebootHost_Task', 'RebootHost') ([string]$h.name)
            Invoke-VTReboot $srv $h $force
            return $null
        }
        default { throw ('twin: {0} is not modelled by the vSphere twin' -f $key) }
    }
}

# Plain (JSON-able) form of a VMware.Vim data object, for the call log.
function ConvertTo-VTPlain {
    param($Object)
    if ($null -eq $Object) { return $null }
    if ($Object -is [string] -or $Object -is [ValueType]) { return $Object }
    if ($Object -is [System.Array]) { return @($Object | ForEach-Object { ConvertTo-VTPlain $_ }) }
    $h = [ordered]@{}
    foreach ($p in $Object.GetType().GetProperties()) {
        $v = $p.GetValue($Object)
        if ($null -ne $v) { $h[$p.Name] = ConvertTo-VTPlain $v }
    }
    return $h
}

function ConvertTo-VTSpecSummary {
    param($Spec)
    if ($Spec -isnot [VMware.Vim.VirtualMachineConfigSpec]) { return [ordered]@{ spec = [string]$Spec } }
    return (ConvertTo-VTPlain $Spec)
}

# ---- behaviours --------------------------------------------------------------------------
function Get-VTPowerLabel {
    param($Vm)
    switch ([string]$Vm.power_state) {
        'PoweredOn' { return 'Powered on' }
        'Suspended' { return 'Suspended' }
        default { return 'Powered off' }
    }
}

# Which spec fields the twin applies; any other field set is refused (the twin does not
# model it, so a script relying on it is not proven).
$script:VTSpecFields = @('DeviceChange', 'ExtraConfig', 'MemoryReservationLockedToMax', 'MemoryMB', 'Firmware', 'ChangeVersion')

# ReconfigVM_Task / ReconfigVM on the simulated VM (tests/twin/README.md, vSphere).
function Invoke-VTReconfig {
    param($Srv, $Vm, $Spec)
    if ($Spec -isnot [VMware.Vim.VirtualMachineConfigSpec]) { throw 'twin: ReconfigVM needs a VMware.Vim.VirtualMachineConfigSpec' }
    foreach ($p in $Spec.GetType().GetProperties()) {
        if ($null -ne $p.GetValue($Spec) -and $script:VTSpecFields -notcontains $p.Name) {
            throw ('twin: VirtualMachineConfigSpec.{0} is not modelled by the twin' -f $p.Name)
        }
    }
    $state = [string]$Vm.power_state
    # A suspended VM cannot be reconfigured.
    if ($state -eq 'Suspended') { throw ($script:VTMsg.InvalidPowerState -f 'Suspended') }
    $hostRec = Find-VTHost $Srv ([string]$Vm.host)
    $devs = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($d in (Get-VTDevices $Vm)) { $devs.Add($d) }
    $removeIdx = New-Object -TypeName 'System.Collections.Generic.List[int]'
    $adds = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($dc in @($Spec.DeviceChange | Where-Object { $null -ne $_ })) {
        if ($null -eq $dc.Operation) { throw 'twin: VirtualDeviceConfigSpec.Operation is not set' }
        if ($null -ne $dc.FileOperation) { throw 'twin: VirtualDeviceConfigSpec.FileOperation is not modelled' }
        if ($dc.Device -isnot [VMware.Vim.VirtualPCIPassthrough]) { throw ('twin: only VirtualPCIPassthrough devices are modelled, not {0}' -f $(if ($null -eq $dc.Device) { 'null' } else { $dc.Device.GetType().Name })) }
        # Adding or removing a PCI device needs the VM powered off.
        if ($state -ne 'PoweredOff') { throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $Vm)) }
        switch ([string]$dc.Operation) {
            'add' { $adds.Add((ConvertFrom-VTVimDevice $Srv $Vm $hostRec $dc.Device)) }
            'remove' {
                $idx = $dc.Device.Key - 13000
                if ($idx -lt 0 -or $idx -ge $devs.Count -or $removeIdx.Contains($idx)) {
                    throw ('twin: VM {0} has no PCI device with key {1} (a device to remove must come from the VM''s Config.Hardware.Device)' -f $Vm.name, $dc.Device.Key)
                }
                $removeIdx.Add($idx)
            }
            default { throw ('twin: device operation {0} is not modelled' -f $dc.Operation) }
        }
    }
    if ($null -ne $Spec.MemoryMB -and [long]$Spec.MemoryMB -ne [long]$Vm.memory_mb -and $state -ne 'PoweredOff') {
        throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $Vm))
    }
    if ($null -ne $Spec.Firmware) {
        if (@('bios', 'efi') -notcontains $Spec.Firmware) { throw ('twin: firmware {0} is not bios or efi' -f $Spec.Firmware) }
        if ($Spec.Firmware -ne [string]$Vm.firmware -and $state -ne 'PoweredOff') { throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $Vm)) }
    }
    foreach ($o in @($Spec.ExtraConfig | Where-Object { $null -ne $_ })) {
        if ([string]::IsNullOrEmpty($o.Key)) { throw 'twin: an ExtraConfig OptionValue has no Key' }
        # pciPassthru* settings are read at power-on; the twin requires the VM off to change them.
        if ($o.Key -like 'pciPassthru*' -and $state -ne 'PoweredOff') {
            $cur = Get-VTValue $Vm.extra_config $o.Key
            if ([string]$cur -ne [string]$o.Value) { throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $Vm)) }
        }
    }
    # All checks passed: apply.
    $kept = New-Object -TypeName 'System.Collections.Generic.List[object]'
    for ($i = 0; $i -lt $devs.Count; $i++) { if (-not $removeIdx.Contains($i)) { $kept.Add($devs[$i]) } }
    foreach ($a in $adds) { $kept.Add($a) }
    if ($Spec.DeviceChange) { $Vm.devices = @($kept.ToArray()) }
    if ($null -ne $Spec.MemoryMB) { $Vm.memory_mb = [long]$Spec.MemoryMB }
    if ($null -ne $Spec.Firmware) { $Vm.firmware = [string]$Spec.Firmware }
    if ($null -ne $Spec.MemoryReservationLockedToMax) { $Vm.memory_reservation_locked_to_max = [bool]$Spec.MemoryReservationLockedToMax }
    foreach ($o in @($Spec.ExtraConfig | Where-Object { $null -ne $_ })) {
        # An empty value removes the option (vSphere extraConfig semantics).
        if ([string]::IsNullOrEmpty([string]$o.Value)) {
            if (Test-VTField $Vm.extra_config $o.Key) { Remove-VTValue $Vm.extra_config $o.Key }
        } else {
            Set-VTValue $Vm.extra_config $o.Key ([string]$o.Value)
        }
    }
}

# A device of a ConfigSpec -> the state's device record, checking what the host offers.
function ConvertFrom-VTVimDevice {
    param($Srv, $Vm, $HostRec, $Device)
    $b = $Device.Backing
    if ($b -is [VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo]) {
        if ([string]::IsNullOrEmpty($b.Vgpu)) { throw 'twin: VmiopBackingInfo.Vgpu is empty' }
        # A vGPU profile must be offered by the host and the ACTIVE graphics type be sharedDirect.
        $types = @($HostRec.graphics.shared_passthru_gpu_types | ForEach-Object { [string]$_ })
        if ($types -notcontains $b.Vgpu) {
            throw ('Device {0} not found in allowed pci passthrough device list of host {1} (twin: not in its SharedPassthruGpuTypes)' -f $b.Vgpu, $HostRec.name)
        }
        if ([string]$HostRec.graphics.active_type -ne 'sharedDirect') {
            throw ('Device {0} not found in allowed pci passthrough device list of host {1} (twin: the active graphics type is {2}, not sharedDirect)' -f $b.Vgpu, $HostRec.name, $HostRec.graphics.active_type)
        }
        return (New-VTRecord $Vm ([ordered]@{ type = 'vgpu'; profile = [string]$b.Vgpu }))
    }
    if ($b -is [VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo]) {
        $allowed = @($b.AllowedDevice | Where-Object { $null -ne $_ })
        if ($allowed.Count -ne 1) { throw ('twin: a dynamic DirectPath I/O device with {0} AllowedDevice entries is not modelled (exactly one)' -f $allowed.Count) }
        # Dynamic DirectPath I/O needs virtual hardware 17 or later ...
        if ([int]$Vm.hardware_version -lt 17) {
            throw ('twin: Dynamic DirectPath I/O needs virtual hardware version 17 or later; VM {0} is vmx-{1}' -f $Vm.name, $Vm.hardware_version)
        }
        $vend = '{0:x4}' -f ($allowed[0].VendorId -band 0xFFFF)
        $devid = '{0:x4}' -f ($allowed[0].DeviceId -band 0xFFFF)
        $rec = [ordered]@{ type = 'dynamic_passthrough'; vendor_id = $vend; device_id = $devid }
        $what = '{0}:{1}' -f $vend, $devid
        # The optional subsystem narrows the match (A2 and A16 share 10DE:25B6).
        if ($null -ne $allowed[0].SubDeviceId -and [int]$allowed[0].SubDeviceId -ne 0) {
            if ($null -eq $allowed[0].SubVendorId) { throw 'twin: AllowedDevice.SubDeviceId without SubVendorId' }
            $rec['sub_vendor_id'] = '{0:x4}' -f ([int]$allowed[0].SubVendorId -band 0xFFFF)
            $rec['sub_device_id'] = '{0:x4}' -f ([int]$allowed[0].SubDeviceId -band 0xFFFF)
            $what += ' subsystem {0}:{1}' -f $rec['sub_vendor_id'], $rec['sub_device_id']
        }
        # ... and an enabled, ACTIVE passthrough GPU of that vendor/device id on the host.
        $match = @($HostRec.gpus | Where-Object { Test-VTGpuMatches $_ $rec })
        if ($match.Count -eq 0) { throw ('twin: host {0} has no PCI device {1} for Dynamic DirectPath I/O' -f $HostRec.name, $what) }
        if (@($match | Where-Object { $_.passthrough_enabled -and $_.passthrough_active }).Count -eq 0) {
            throw ('twin: no device {0} on host {1} is enabled and active for passthrough (enable it with UpdatePassthruConfig, then reboot the host)' -f $what, $HostRec.name)
        }
        return (New-VTRecord $Vm $rec)
    }
    if ($null -eq $b) { throw 'twin: the VirtualPCIPassthrough has no Backing' }
    throw ('twin: backing {0} is not modelled (vGPU and dynamic DirectPath I/O are)' -f $b.GetType().Name)
}

# Guest drivers (optional state fields, as on Hyper-V: tests/twin/README.md,
# "Guest drivers"): a VM's `guest` ({ os, driver }), the state's
# `vgpu_compatibility` and `events`. When a VM with a vGPU powers on, its vGPU
# loads only if the host's vGPU Manager (the NVIDIA component's version, up to
# its '-') is compatible with its guest driver (engine/VgpuCompat.ps1); else
# the VM runs with no GPU and the twin records it. A VM going down is recorded.
# $null when the vGPUs of a VM load on a host (or nothing is judged: no
# vgpu_compatibility, no vGPU, no guest driver), else why not. The one place
# of the rule on vSphere: power-on and vMotion record it (Register-VTVmRunning),
# the guest's nvidia-smi shows it (VSphere.Guest.ps1).
function Get-VTVgpuLoadProblem {
    param($State, $HostRec, $Vm)
    if ($null -eq $State -or -not $State.Contains('vgpu_compatibility') -or $null -eq $State['vgpu_compatibility']) { return $null }
    if (@(Get-VTDevices $Vm | Where-Object { [string]$_.type -eq 'vgpu' }).Count -eq 0) { return $null }
    if (-not $Vm.Contains('guest') -or $null -eq $Vm['guest'] -or [string]::IsNullOrEmpty([string]$Vm['guest']['driver'])) { return $null }
    # The module loaded: the installed component's, or the one loaded before an install
    # that waits for its reboot (nvidia_loaded_version).
    $hd = Get-VTLoadedManagerDriver $HostRec
    if ($hd -eq '') { return ('host {0} has no vGPU Manager component' -f $HostRec['name']) }
    Get-TwinVgpuCompatProblem -Compat $State['vgpu_compatibility'] -HostDriver $hd -GuestDriver ([string]$Vm['guest']['driver']) -HostName ([string]$HostRec['name']) -VmName ([string]$Vm['name'])
}

# The vGPU Manager driver a host runs: the loaded module's version up to its '-', or ''.
function Get-VTLoadedManagerDriver {
    param($HostRec)
    if ($HostRec.Contains('nvidia_loaded_version') -and -not [string]::IsNullOrEmpty([string]$HostRec['nvidia_loaded_version'])) { return ([string]$HostRec['nvidia_loaded_version']).Split('-')[0] }
    if ($null -ne $HostRec['nvidia_component']) { return ([string]$HostRec['nvidia_component']['version']).Split('-')[0] }
    ''
}

function Register-VTVmRunning {
    param($State, $HostRec, $Vm, [string]$By)
    $why = Get-VTVgpuLoadProblem $State $HostRec $Vm
    if ($null -ne $why) {
        Add-TwinEvent $State ([ordered]@{ kind = 'vgpu-load-failed'; vm = [string]$Vm['name']; host = [string]$HostRec['name']; host_driver = (Get-VTLoadedManagerDriver $HostRec); guest_driver = [string]$Vm['guest']['driver']; by = $By; message = $why })
    }
}

function Register-VTVmDown {
    param($Vm, [string]$By)
    Add-TwinEvent $script:Run.State ([ordered]@{ kind = 'vm-down'; vm = [string]$Vm['name']; host = [string]$Vm['host']; by = $By })
}

function Invoke-VTShutdownGuest {
    param($Vm)
    if ([string]$Vm.power_state -ne 'PoweredOn') { throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $Vm)) }
    if (-not $Vm.tools_running) { throw $script:VTMsg.ToolsUnavailable }
    # The guest shuts down at once in the twin.
    $Vm.power_state = 'PoweredOff'
    Register-VTVmDown $Vm 'ShutdownGuest'
}

function Invoke-VTPowerOff {
    param($Vm)
    if ([string]$Vm.power_state -ne 'PoweredOn') { throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $Vm)) }
    $Vm.power_state = 'PoweredOff'
    Register-VTVmDown $Vm 'PowerOffVM'
}

# Powering on: the checks of tests/twin/README.md for VMs with a vGPU or passthrough device.
function Invoke-VTPowerOn {
    param($Srv, $Vm, [string]$By = 'PowerOnVM')
    if ([string]$Vm.power_state -eq 'PoweredOn') { throw ($script:VTMsg.InvalidPowerState -f 'Powered on') }
    $hostRec = Find-VTHost $Srv ([string]$Vm.host)
    if ($null -eq $hostRec) { throw ('twin: state error: VM {0} is on unknown host {1}' -f $Vm.name, $Vm.host) }
    if ([string]$hostRec.connection_state -ne 'Connected') {
        throw ('twin: host {0} is {1}; a VM cannot be powered on there' -f $hostRec.name, $hostRec.connection_state)
    }
    $devs = @(Get-VTDevices $Vm)
    if ($devs.Count -gt 0) {
        # All guest memory must be reserved (memoryReservationLockedToMax).
        if (-not $Vm.memory_reservation_locked_to_max) {
            throw ('Invalid memory setting: memory reservation (sched.mem.min) should be equal to memsize({0}).' -f $Vm.memory_mb)
        }
    }
    $mmioNeeded = 0
    $needsEfi = $false
    $assign = Get-VTPassthroughAssignment $Srv $hostRec
    $free = @($hostRec.gpus | Where-Object { $_.passthrough_active -and -not $assign.ByGpu.ContainsKey([string]$_.pci_id) })
    $freeTaken = @{}
    foreach ($d in $devs) {
        if ([string]$d.type -eq 'vgpu') {
            if (-not $hostRec.nvidia_module_loaded) {
                throw ('twin: host {0} has no NVIDIA vGPU Manager module loaded; vGPU {1} cannot start' -f $hostRec.name, $d.profile)
            }
            if ([string]$hostRec.graphics.active_type -ne 'sharedDirect') {
                throw 'The amount of graphics resource available in the parent resource pool is insufficient for the operation.'
            }
            if (@($hostRec.graphics.shared_passthru_gpu_types | ForEach-Object { [string]$_ }) -notcontains [string]$d.profile) {
                throw ('Device {0} not found in allowed pci passthrough device list of host {1}' -f $d.profile, $hostRec.name)
            }
            # C-series vGPUs need 64-bit MMIO and EFI (NVAIE; reference section 1.6).
            if ([string]$d.profile -match 'c$') { $needsEfi = $true; $mmioNeeded = [math]::Max($mmioNeeded, 1) }
        } elseif ([string]$d.type -eq 'dynamic_passthrough') {
            $g = @($free | Where-Object { -not $freeTaken.ContainsKey([string]$_.pci_id) -and (Test-VTGpuMatches $_ $d) -and $_.passthrough_enabled }) | Select-Object -First 1
            if ($null -eq $g) {
                throw ('twin: no free, enabled and active passthrough device {0}:{1} on host {2} for VM {3}' -f $d.vendor_id, $d.device_id, $hostRec.name, $Vm.name)
            }
            $freeTaken[[string]$g.pci_id] = $true
            $size = Get-VTLargeBarSize ([string]$g.model)
            if ($size -gt 0) { $needsEfi = $true; $mmioNeeded += $size }
        }
    }
    if ($mmioNeeded -gt 0) {
        if ([string](Get-VTValue $Vm.extra_config 'pciPassthru.use64bitMMIO') -ne 'TRUE') {
            throw ('PCIPassthru: total number of pages needed exceeds limit; Module ''DevicePowerOn'' power on failed. (twin: VM {0} needs pciPassthru.use64bitMMIO = TRUE)' -f $Vm.name)
        }
        $have = Get-VTValue $Vm.extra_config 'pciPassthru.64bitMMIOSizeGB'
        $haveGb = 0
        if ($null -ne $have -and -not [int]::TryParse([string]$have, [ref]$haveGb)) { $haveGb = 0 }
        if ($mmioNeeded -gt 1 -and $haveGb -lt $mmioNeeded) {
            throw ('PCIPassthru: total number of pages needed exceeds limit; Module ''DevicePowerOn'' power on failed. (twin: VM {0} needs pciPassthru.64bitMMIOSizeGB >= {1}, has {2})' -f $Vm.name, $mmioNeeded, $(if ($null -eq $have) { 'none' } else { $have }))
        }
    }
    if ($needsEfi -and [string]$Vm.firmware -ne 'efi') {
        throw ('twin: VM {0} boots with {1}; its GPU needs EFI firmware' -f $Vm.name, $Vm.firmware)
    }
    $why = Test-VTVgpuCapacity $Srv $hostRec $Vm
    if ($why) { throw $why }
    $Vm.power_state = 'PoweredOn'
    Register-VTVmRunning $Srv.State $hostRec $Vm $By
}

# vGPU capacity per physical GPU (README "vGPU capacity"), where the state gives the sizes
# (gpus[].fb_mb and graphics.vgpu_types): the vGPUs of the VMs running on the host and of
# the VM to power on must find GPUs. A VM's vGPUs take different GPUs; a GPU active for
# passthrough holds none; in same-size mode a GPU holds vGPUs of one type (one frame-buffer
# size on ESXi 8.0.2 or later, where types of one size may share it: docs/sources.md, vSphere
# 3.3) up to the smallest per-GPU maximum among them; in mixed-size mode (graphics.vgpu_mode)
# any sizes while the frame buffers fit, at most max_mixed (else max) of one size. A profile
# goes only on GPUs of its model (grid_<model>-...). The check is whether the vGPUs fit at
# all (placed first fit by decreasing size), not ESXi's assignment policy. '' = it fits.
function Test-VTVgpuCapacity {
    param($Srv, $HostRec, $Vm)
    $types = Get-VTValue $HostRec.graphics 'vgpu_types'
    $gpus = @($HostRec.gpus | Where-Object { -not $_.passthrough_active -and $null -ne (Get-VTValue $_ 'fb_mb') })
    if ($null -eq $types -or $gpus.Count -eq 0) { return '' }
    if (@(Get-VTDevices $Vm | Where-Object { [string]$_.type -eq 'vgpu' }).Count -eq 0) { return '' }
    $mixed = (Test-VTField $HostRec.graphics 'vgpu_mode') -and [string]$HostRec.graphics.vgpu_mode -eq 'mixedSize'
    $bySize = $false
    $ver = [version]'0.0'
    if ([version]::TryParse(([string]$HostRec.version), [ref]$ver)) { $bySize = $ver -ge [version]'8.0.2' }
    $items = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $order = 0
    foreach ($v in @(@(Get-VTVmsOnHost $Srv ([string]$HostRec.name) | Where-Object { $_ -ne $Vm -and [string]$_.power_state -eq 'PoweredOn' }) + @($Vm))) {
        foreach ($d in @(Get-VTDevices $v | Where-Object { [string]$_.type -eq 'vgpu' })) {
            $t = Get-VTValue $types ([string]$d.profile)
            if ($null -eq $t) { throw ('twin: state error: host {0} graphics.vgpu_types has no entry for {1}' -f $HostRec.name, $d.profile) }
            $items.Add([pscustomobject]@{ Vm = [string]$v.name; Order = $order; Profile = [string]$d.profile; Fb = [int]$t.fb_mb; Max = [int]$t.max; MaxMixed = $(if (Test-VTField $t 'max_mixed') { [int]$t.max_mixed } else { 0 }) })
        }
        $order++
    }
    $slots = @($gpus | ForEach-Object { @{ Gpu = $_; Fb = [int](Get-VTValue $_ 'fb_mb'); Used = 0; Key = $null; Cap = 0; N = 0; Sizes = @{}; Vms = @{} } })
    foreach ($it in @($items | Sort-Object -Property @{ Expression = { $_.Fb }; Descending = $true }, Order)) {
        $key = if ($bySize) { [string]$it.Fb } else { $it.Profile }
        $placed = $false
        foreach ($s in $slots) {
            if ($s.Vms.ContainsKey($it.Vm)) { continue }
            if (-not $it.Profile.StartsWith(('grid_{0}-' -f ([string]$s.Gpu.model).ToLowerInvariant()))) { continue }
            if ($s.Used + $it.Fb -gt $s.Fb) { continue }
            if ($mixed) {
                $cap = if ($it.MaxMixed -gt 0) { $it.MaxMixed } else { $it.Max }
                $here = if ($s.Sizes.ContainsKey($it.Fb)) { $s.Sizes[$it.Fb] } else { 0 }
                if ($here -ge $cap) { continue }
                $s.Sizes[$it.Fb] = $here + 1
            } else {
                if ($null -ne $s.Key -and $s.Key -ne $key) { continue }
                $cap = if ($null -eq $s.Key) { $it.Max } else { [Math]::Min($s.Cap, $it.Max) }
                if ($s.N -ge $cap) { continue }
                $s.Key = $key; $s.Cap = $cap; $s.N++
            }
            $s.Used += $it.Fb
            $s.Vms[$it.Vm] = $true
            $placed = $true
            break
        }
        if (-not $placed) {
            $mine = @(Get-VTDevices $Vm | Where-Object { [string]$_.type -eq 'vgpu' } | ForEach-Object { [string]$_.profile }) -join ', '
            return ('twin: no physical GPU of host {0} has room for vGPU {1} of VM {2} ({3} mode, next to the vGPUs of the VMs running there); the VM cannot power on' -f $HostRec.name, $mine, $Vm.name, $(if ($mixed) { 'mixed-size' } else { 'same-size' }))
        }
    }
    return ''
}

function Get-VTLargeBarSize {
    param([string]$Model)
    foreach ($k in $script:VTLargeBarMmioGb.Keys) { if ($k -eq $Model) { return [int]$script:VTLargeBarMmioGb[$k] } }
    return 0
}

$script:VTGraphicsTypes = @('shared', 'sharedDirect')
$script:VTAssignmentPolicies = @('performance', 'consolidation')
$script:VTVgpuModes = @('sameSize', 'mixedSize')

function Invoke-VTUpdateGraphicsConfig {
    param($Srv, $HostRec, $Config)
    if ($Config -isnot [VMware.Vim.HostGraphicsConfig]) { throw 'twin: UpdateGraphicsConfig needs a VMware.Vim.HostGraphicsConfig' }
    if ($null -ne $Config.HostDefaultGraphicsType -and $script:VTGraphicsTypes -cnotcontains $Config.HostDefaultGraphicsType) {
        throw ('A specified parameter was not correct: hostDefaultGraphicsType ({0}; twin: shared or sharedDirect)' -f $Config.HostDefaultGraphicsType)
    }
    if ($null -ne $Config.SharedPassthruAssignmentPolicy -and $script:VTAssignmentPolicies -cnotcontains $Config.SharedPassthruAssignmentPolicy) {
        throw ('A specified parameter was not correct: sharedPassthruAssignmentPolicy ({0})' -f $Config.SharedPassthruAssignmentPolicy)
    }
    $mode = $null
    foreach ($t in @($Config.DeviceType | Where-Object { $null -ne $_ })) {
        if (@($HostRec.gpus | Where-Object { [string]$_.pci_id -eq $t.DeviceId }).Count -eq 0) {
            throw ('A specified parameter was not correct: deviceType.deviceId ({0} is not a graphics device of host {1})' -f $t.DeviceId, $HostRec.name)
        }
        $want = if ($null -ne $Config.HostDefaultGraphicsType) { $Config.HostDefaultGraphicsType } else { [string]$HostRec.graphics.default_type }
        if ($t.GraphicsType -cne $want) { throw ('twin: a per-device graphics type ({0} for {1}) other than the host default is not modelled' -f $t.GraphicsType, $t.DeviceId) }
        if ($null -ne $t.VgpuMode) {
            if ($script:VTVgpuModes -cnotcontains $t.VgpuMode) { throw ('A specified parameter was not correct: deviceType.vgpuMode ({0})' -f $t.VgpuMode) }
            if ($null -ne $mode -and $mode -ne $t.VgpuMode) { throw 'twin: different vGPU modes per device are not modelled' }
            $mode = $t.VgpuMode
        }
    }
    if ($null -ne $mode) {
        $cur = if (Test-VTField $HostRec.graphics 'vgpu_mode') { [string]$HostRec.graphics.vgpu_mode } else { 'sameSize' }
        if ($cur -ne $mode -and @(Get-VTVmsOnHost $Srv ([string]$HostRec.name) | Where-Object { Test-VTRunsVgpu $_ }).Count -gt 0) {
            throw ('twin: host {0}: the vGPU mode cannot change while VMs run vGPUs on it' -f $HostRec.name)
        }
        if ($cur -ne $mode -or (Test-VTField $HostRec.graphics 'vgpu_mode')) { Set-VTValue $HostRec.graphics 'vgpu_mode' $mode }
    }
    # The configured (default) type changes now; the ACTIVE type only after an Xorg restart
    # or a reboot with no VM running a vGPU on the host.
    if ($null -ne $Config.HostDefaultGraphicsType) { $HostRec.graphics.default_type = $Config.HostDefaultGraphicsType }
}

# Activate the configured graphics type (Xorg restart or reboot), when no vGPU VM runs there.
function Update-VTActiveGraphics {
    param($Srv, $HostRec)
    if (@(Get-VTVmsOnHost $Srv ([string]$HostRec.name) | Where-Object { Test-VTRunsVgpu $_ }).Count -gt 0) { return }
    $HostRec.graphics.active_type = [string]$HostRec.graphics.default_type
}

function Invoke-VTRestartService {
    param($Srv, $HostRec, [string]$Id)
    if ($Id -ne 'xorg') { throw $script:VTMsg.NotFound }
    Update-VTActiveGraphics $Srv $HostRec
}

function Invoke-VTUpdatePassthru {
    param($HostRec, [object[]]$Configs)
    foreach ($c in $Configs) {
        if ($c -isnot [VMware.Vim.HostPciPassthruConfig]) { throw 'twin: UpdatePassthruConfig needs VMware.Vim.HostPciPassthruConfig[]' }
        $g = @($HostRec.gpus | Where-Object { [string]$_.pci_id -eq $c.Id }) | Select-Object -First 1
        if ($null -eq $g) { throw ('A specified parameter was not correct: config.id ({0} is not a PCI device of host {1} the twin models)' -f $c.Id, $HostRec.name) }
        if ($c.PassthruEnabled -and -not $g.passthrough_capable) { throw ('twin: device {0} of host {1} is not passthrough capable' -f $c.Id, $HostRec.name) }
    }
    foreach ($c in $Configs) {
        $g = @($HostRec.gpus | Where-Object { [string]$_.pci_id -eq $c.Id }) | Select-Object -First 1
        # Enabled now; active only after the host reboots (the twin's GPUs never rebind live,
        # whatever ApplyNow says).
        $g.passthrough_enabled = [bool]$c.PassthruEnabled
    }
}

function Invoke-VTReboot {
    param($Srv, $HostRec, [bool]$Force)
    if (-not $Force -and [string]$HostRec.connection_state -ne 'Maintenance') { throw $script:VTMsg.InvalidState }
    $on = @(Get-VTVmsOnHost $Srv ([string]$HostRec.name) | Where-Object { [string]$_.power_state -eq 'PoweredOn' })
    if ($on.Count -gt 0) {
        throw ('twin: host {0} still runs VM(s) {1}; the twin does not model rebooting under running VMs' -f $HostRec.name, (($on | ForEach-Object { $_.name }) -join ', '))
    }
    if (Test-VTRebooting $HostRec) { throw ('twin: host {0} is already rebooting' -f $HostRec.name) }
    # One reboot, on the twin's clock from this call (README "Rollouts"): first unseen
    # (reboot_unseen_seconds: reboot_due set, the host reads as before the call and calls on
    # it are refused), then away (reboot_seconds: `rebooting` set, NotResponding as vCenter
    # shows a rebooting host), then back (Complete-VTReboot) in the state it rebooted from,
    # with a later boot time. Both absent: back at once. A reboot that keeps the host away is
    # a `host-reboot` event (down: when vCenter sees it go, up: when it is back).
    $now = Get-TwinClock
    $unseen = 0
    if (Test-VTField $HostRec 'reboot_unseen_seconds') { $unseen = [int]$HostRec.reboot_unseen_seconds }
    $secs = 0
    if (Test-VTField $HostRec 'reboot_seconds') { $secs = [int]$HostRec.reboot_seconds }
    if ($secs -gt 0) {
        $down = $now
        if ($unseen -gt 0) { $down = [int][math]::Ceiling($now + $unseen) }
        Add-TwinEvent $script:Run.State ([ordered]@{ kind = 'host-reboot'; host = [string]$HostRec.name; down = $down; up = $down + $secs })
    }
    if ($unseen -gt 0) {
        Set-VTValue $HostRec 'reboot_due' ([int][math]::Ceiling($now + $unseen))
        return
    }
    Start-VTRebootAway $HostRec $now
}

# The reboot of a host seen by vCenter at $From (the call, or its reboot_due): away for
# reboot_seconds from then (NotResponding, `rebooting` = {from_state, until}), or, with
# none or already over, done.
function Start-VTRebootAway {
    param($HostRec, [double]$From)
    if (Test-VTField $HostRec 'reboot_due') { Remove-VTValue $HostRec 'reboot_due' }
    if (Test-VTRebootFailure $HostRec) {
        # The node-failure fault `while_rebooting`: the host fails as it goes down for its
        # reboot and never comes back (README "Host failure").
        $HostRec.connection_state = 'NotResponding'
        Clear-VTMemo
        return
    }
    $secs = 0
    if (Test-VTField $HostRec 'reboot_seconds') { $secs = [int]$HostRec.reboot_seconds }
    if ($secs -gt 0 -and $From + $secs -gt (Get-TwinClock)) {
        Set-VTValue $HostRec 'rebooting' (New-VTRecord $HostRec ([ordered]@{ from_state = [string]$HostRec.connection_state; until = $From + $secs }))
        $HostRec.connection_state = 'NotResponding'
        Clear-VTMemo
        return
    }
    Complete-VTReboot $HostRec
    Clear-VTMemo
}

# A host whose reboot vCenter has not yet seen (reboot_due, set by Invoke-VTReboot): it
# reads as before the call, and every call on it or its VMs is refused (Invoke-VTFault).
# The reboot is seen (Start-VTRebootAway, from its due time) at the first read or call at or
# after its due time.
function Test-VTRebooting {
    param($HostRec)
    if ($null -eq $HostRec -or -not (Test-VTField $HostRec 'reboot_due')) { return $false }
    $due = [double]$HostRec.reboot_due
    if ((Get-TwinClock) -ge $due) {
        Start-VTRebootAway $HostRec $due
        return $false
    }
    $true
}

# Reboots whose phase is over on the virtual clock move on: a reboot seen by vCenter
# (reboot_due passed) takes the host away, a host away long enough comes back; at the start
# of a run ($All) every reboot still under way is over (the administrator runs it later).
function Update-VTReboots {
    param([switch]$All)
    $now = 0
    if (-not $All) { $now = Get-TwinClock }
    foreach ($srv in @($script:VTServers.Values)) {
        foreach ($h in @($srv.State.hosts)) {
            if ($null -eq $h) { continue }
            if (Test-VTField $h 'reboot_due') {
                if ($All) { Complete-VTReboot $h; Clear-VTMemo; continue }
                $null = Test-VTRebooting $h
            }
            if (-not (Test-VTField $h 'rebooting') -or $null -eq $h.rebooting) { continue }
            if (-not $All -and [double]$h.rebooting.until -gt $now) { continue }
            $h.connection_state = [string]$h.rebooting.from_state
            Remove-VTValue $h 'rebooting'
            Complete-VTReboot $h
            Clear-VTMemo
        }
    }
    if (-not $All) { Update-VTHostTasks }
}

# ---- maintenance mode entered with -RunAsync (README "Rollouts") --------------------------
# Set-VMHost -State Maintenance takes hosts[].maintenance_seconds on the virtual clock (none:
# done at once). Synchronous, the call returns when the host is in maintenance mode (the clock
# moves on by that time); with -RunAsync it returns a PowerCLI Task at once (State Running)
# and the host enters maintenance mode when its time is over, read by the next call (Get-Task
# -Id, Get-VMHost, ...). The host stays Connected until then; the task ends in Error, the host
# Connected, when a fault of the state hits the call (the fault is the task's error, as
# vCenter reports a failure while a task runs), when the host fails meanwhile, or when a VM
# runs on it at the end (vSphere HA restarted one there: EnterMaintenanceMode_Task completes
# only when no VM runs on the host; the twin ends it in Error instead of waiting). Each entry
# that completes is a `host-maintenance` event {host, start, end} when the state has `events`.
function Get-VTMaintenanceSeconds {
    param($HostRec)
    if (Test-VTField $HostRec 'maintenance_seconds') { return [int]$HostRec.maintenance_seconds }
    return 0
}

function Get-VTEnteringMaintenance {
    param($Srv, $HostRec)
    foreach ($t in @($script:VTHostTasks.Values)) {
        if ($t.Srv.Name -eq $Srv.Name -and [string]$t.Host.name -eq [string]$HostRec.name -and $t.Task.State -eq 'Running') { return $t }
    }
    return $null
}

function Complete-VTMaintenance {
    param($Srv, $HostRec, [double]$Start, [double]$End)
    $HostRec.connection_state = 'Maintenance'
    Add-TwinEvent $Srv.State ([ordered]@{ kind = 'host-maintenance'; host = [string]$HostRec.name; start = $Start; end = $End })
    Clear-VTMemo
}

function ConvertTo-VTTaskTime {
    param([double]$Seconds)
    return ([datetime]::new(2026, 1, 1, 0, 0, 0, [System.DateTimeKind]::Utc)).AddSeconds($Seconds)
}

# Start the entry of a host (checked by the caller): a task record; done at once when the
# host takes no time.
function Start-VTMaintenanceTask {
    param($Srv, $HostRec, [string]$Fault)
    $script:VTTaskSeq++
    $t = [VgpucTwin.PowerCLI.Task]::new()
    $t.TwinServer = $Srv.Name
    $t.Id = 'Task-task-{0}' -f $script:VTTaskSeq
    $t.Uid = '/VIServer={0}@{1}:443/Task={2}/' -f 'twin', $Srv.Name, $t.Id
    $t.Name = 'EnterMaintenanceMode_Task'
    $t.Description = 'Enter maintenance mode'
    $t.ObjectId = 'HostSystem-{0}' -f (Get-VTHostMoid $Srv $HostRec)
    $t.IsCancelable = $false
    $t.PercentComplete = 0
    $now = Get-TwinClock
    $t.StartTime = ConvertTo-VTTaskTime $now
    $t.State = 'Running'
    $rec = @{ Srv = $Srv; Host = $HostRec; Task = $t; Start = $now; Due = $now + (Get-VTMaintenanceSeconds $HostRec); Fault = $Fault }
    $script:VTHostTasks[$t.Id] = $rec
    Update-VTHostTasks
    return $rec
}

function Stop-VTMaintenanceTask {
    param($Rec, [string]$Message, [double]$At)
    $Rec.Task.State = 'Error'
    $Rec.Task.FinishTime = ConvertTo-VTTaskTime $At
    $Rec.Error = $Message
}

# Entries whose time is over complete (or end in Error).
function Update-VTHostTasks {
    $now = Get-TwinClock
    foreach ($rec in @($script:VTHostTasks.Values)) {
        if ($rec.Task.State -ne 'Running' -or $rec.Due -gt $now) { continue }
        $h = $rec.Host
        if (-not [string]::IsNullOrEmpty($rec.Fault)) { Stop-VTMaintenanceTask $rec $rec.Fault $rec.Due; continue }
        if ([string]$h.connection_state -ne 'Connected') { Stop-VTMaintenanceTask $rec ('twin: host {0} is {1}' -f $h.name, $h.connection_state) $rec.Due; continue }
        $on = @(Get-VTVmsOnHost $rec.Srv ([string]$h.name) | Where-Object { [string]$_.power_state -eq 'PoweredOn' })
        if ($on.Count -gt 0) { Stop-VTMaintenanceTask $rec ('twin: VM(s) {0} run on host {1}; it cannot enter maintenance mode' -f (($on | ForEach-Object { $_.name }) -join ', '), $h.name) $rec.Due; continue }
        Complete-VTMaintenance $rec.Srv $h $rec.Start $rec.Due
        $rec.Task.State = 'Success'
        $rec.Task.PercentComplete = 100
        $rec.Task.FinishTime = ConvertTo-VTTaskTime $rec.Due
    }
}

# What Get-Task returns: a new object each call (the one -RunAsync returned is not updated).
function Copy-VTTaskObject {
    param($Task)
    $o = [VgpucTwin.PowerCLI.Task]::new()
    foreach ($n in @('TwinServer', 'Id', 'Uid', 'Name', 'Description', 'ObjectId', 'IsCancelable', 'PercentComplete', 'StartTime', 'FinishTime', 'State', 'Result')) { $o.$n = $Task.$n }
    return $o
}

# What a reboot does to the host (README "Rollouts"): the GPUs' passthrough and graphics
# type as configured, the installed component's module loaded, one more boot.
function Complete-VTReboot {
    param($HostRec)
    if (Test-VTField $HostRec 'reboot_due') { Remove-VTValue $HostRec 'reboot_due' }
    foreach ($g in @($HostRec.gpus)) { $g.passthrough_active = [bool]$g.passthrough_enabled }
    if ((Test-VTField $HostRec 'stale_module_after_reboot') -and [bool]$HostRec.stale_module_after_reboot) {
        # A planted fault (README "Rollouts"): this reboot leaves the module loaded as it
        # was (the old vGPU Manager still runs); the flag is spent.
        Set-VTValue $HostRec 'stale_module_after_reboot' $false
    } else {
        $HostRec.nvidia_module_loaded = ($null -ne $HostRec.nvidia_component)
        # The module loaded now is the one of the installed component (README "Rollouts").
        if (Test-VTField $HostRec 'nvidia_loaded_version') { Remove-VTValue $HostRec 'nvidia_loaded_version' }
    }
    if (Test-VTField $HostRec 'boot_count') { Set-VTValue $HostRec 'boot_count' ([int]$HostRec.boot_count + 1) }
    $HostRec.graphics.active_type = [string]$HostRec.graphics.default_type
}

# ---- rollouts: vMotion, the host component from a depot (README "Rollouts") --------------
# Where a VM may be moved to: a Connected host of its own cluster (vCenter refuses a
# destination in maintenance mode), and, powered on (vMotion), never with a DirectPath I/O
# device (docs/sources.md, vSphere, KB 312208), a vGPU only with the vCenter setting
# vgpu.hotmigrate.enabled = true ("vGPU hot migration is not enabled.", 3.1) onto a host
# that can run it now (module loaded, Shared Direct, the type allowed, room on a GPU).
function Invoke-VTMigrate {
    param($Srv, $Vm, $DestRec)
    $from = Find-VTHost $Srv ([string]$Vm.host)
    if ($null -eq $from) { throw ('twin: state error: VM {0} is on unknown host {1}' -f $Vm.name, $Vm.host) }
    if ([string]$DestRec.name -eq [string]$from.name) { throw ('twin: VM {0} is already on host {1}' -f $Vm.name, $DestRec.name) }
    if ([string]$DestRec.cluster -ne [string]$from.cluster) { throw ('twin: moving VM {0} from cluster {1} to {2} is not modelled' -f $Vm.name, $from.cluster, $DestRec.cluster) }
    if ([string]$DestRec.connection_state -ne 'Connected') {
        throw ('{0} (twin: host {1} is {2}; a VM cannot be moved onto it)' -f $script:VTMsg.InvalidState, $DestRec.name, $DestRec.connection_state)
    }
    if ($null -ne (Get-VTEnteringMaintenance $Srv $DestRec)) {
        throw ('{0} (twin: host {1} is entering maintenance mode; a VM cannot be moved onto it)' -f $script:VTMsg.InvalidState, $DestRec.name)
    }
    if ([string]$Vm.power_state -eq 'PoweredOn') {
        $devs = @(Get-VTDevices $Vm)
        if (@($devs | Where-Object { [string]$_.type -eq 'dynamic_passthrough' }).Count -gt 0) {
            throw ('twin: VM {0} uses DirectPath I/O; vMotion is not supported (shut it down to move it)' -f $Vm.name)
        }
        $vgpus = @($devs | Where-Object { [string]$_.type -eq 'vgpu' })
        if ($vgpus.Count -gt 0) {
            if ([string](Get-VTValue $Srv.State.vcenter.advanced_settings 'vgpu.hotmigrate.enabled') -ne 'true') { throw 'vGPU hot migration is not enabled.' }
            if (-not $DestRec.nvidia_module_loaded) { throw ('twin: host {0} has no NVIDIA vGPU Manager module loaded; vGPU {1} cannot run there' -f $DestRec.name, $vgpus[0].profile) }
            if ([string]$DestRec.graphics.active_type -ne 'sharedDirect') { throw 'The amount of graphics resource available in the parent resource pool is insufficient for the operation.' }
            foreach ($d in $vgpus) {
                if (@($DestRec.graphics.shared_passthru_gpu_types | ForEach-Object { [string]$_ }) -notcontains [string]$d.profile) {
                    throw ('Device {0} not found in allowed pci passthrough device list of host {1}' -f $d.profile, $DestRec.name)
                }
            }
            $why = Test-VTVgpuCapacity $Srv $DestRec $Vm
            if ($why) { throw $why }
        }
    }
    $Vm.host = [string]$DestRec.name
    if ([string]$Vm.power_state -eq 'PoweredOn') { Register-VTVmRunning $Srv.State $DestRec $Vm 'Move-VM (vMotion)' }
}

# esxcli software component apply -d <depot>: the component of the depot (state `depots`)
# becomes the installed one; the module loaded stays the old one until the host reboots
# (nvidia_loaded_version). Refused outside maintenance mode (the NVIDIA procedure installs
# in maintenance mode, docs/sources.md, vSphere), for a depot the state does not have, and on
# a cluster managed by a vLCM image (the image would remove a component installed aside).
function Invoke-VTComponentApply {
    param($Srv, $HostRec, [string]$Depot)
    if ([string]$HostRec.connection_state -ne 'Maintenance') {
        throw ('twin: host {0} is {1}, not in maintenance mode; install the vGPU Manager in maintenance mode' -f $HostRec.name, $HostRec.connection_state)
    }
    $cl = Find-VTCluster $Srv ([string]$HostRec.cluster)
    if ($null -ne $cl -and (Test-VTField $cl 'image_managed') -and [bool]$cl.image_managed) {
        throw ('twin: cluster {0} is managed by a vLCM image; a component installed with esxcli is not in the image (add it to the image instead)' -f $cl.name)
    }
    $hit = @(@(Get-VTValue $Srv.State 'depots') | Where-Object { $null -ne $_ -and [string]$_.path -ceq $Depot })
    if ($hit.Count -eq 0) { throw ('twin: no depot at {0} (the state''s depots; esxcli needs the absolute path of an offline bundle on a datastore of the host)' -f $Depot) }
    $new = $hit[0].component
    $hasDaemon = (Test-VTField $HostRec 'nvidia_daemon_component') -and $null -ne $HostRec.nvidia_daemon_component
    # A daemon bundle (component.kind 'daemon') installs the GPU Management Daemon: on a host
    # without one it is added beside the driver (NVIDIA installs the two, 2.9.1.1); a daemon
    # of another name on the host would be a second daemon component, which the twin does
    # not model (strict). A driver bundle of the daemon's name would replace the daemon with
    # a driver: a state error.
    $isDaemon = (Test-VTField $new 'kind') -and [string]$new.kind -eq 'daemon'
    if ($isDaemon -and $hasDaemon -and [string]$HostRec.nvidia_daemon_component.name -cne [string]$new.name) {
        throw ('twin: host {0} has the GPU Management Daemon component {1}; a second daemon component ({2}) is not modelled' -f $HostRec.name, $HostRec.nvidia_daemon_component.name, $new.name)
    }
    if ($isDaemon -and $null -ne $HostRec.nvidia_component -and [string]$HostRec.nvidia_component.name -ceq [string]$new.name) {
        throw ('twin: state error: depot {0} holds a daemon component named as the host driver {1}' -f $Depot, $new.name)
    }
    if ($isDaemon -and -not $hasDaemon) {
        Set-VTValue $HostRec 'nvidia_daemon_component' (New-VTRecord $HostRec ([ordered]@{ name = [string]$new.name; version = [string]$new.version }))
        return [pscustomobject]@{ Message = 'The update completed successfully, but the system needs to be rebooted for the changes to be effective.'; RebootRequired = 'true' }
    }
    # A depot of the component the host has as its GPU Management Daemon updates that one
    # (ESXi replaces the installed component of the same name); the module is not touched.
    if ($hasDaemon -and [string]$HostRec.nvidia_daemon_component.name -ceq [string]$new.name) {
        if ([string]$HostRec.nvidia_daemon_component.version -eq [string]$new.version) { return [pscustomobject]@{ Message = 'Host is not changed.'; RebootRequired = 'false' } }
        Set-VTValue $HostRec 'nvidia_daemon_component' (New-VTRecord $HostRec ([ordered]@{ name = [string]$new.name; version = [string]$new.version }))
        return [pscustomobject]@{ Message = 'The update completed successfully, but the system needs to be rebooted for the changes to be effective.'; RebootRequired = 'true' }
    }
    $cur = $HostRec.nvidia_component
    if ($null -ne $cur -and [string]$cur.version -eq [string]$new.version) {
        return [pscustomobject]@{ Message = 'Host is not changed.'; RebootRequired = 'false' }
    }
    if ($null -ne $cur -and $HostRec.nvidia_module_loaded -and -not (Test-VTField $HostRec 'nvidia_loaded_version')) {
        Set-VTValue $HostRec 'nvidia_loaded_version' ([string]$cur.version)
    }
    $HostRec.nvidia_component = New-VTRecord $HostRec ([ordered]@{ name = [string]$new.name; version = [string]$new.version })
    return [pscustomobject]@{ Message = 'The update completed successfully, but the system needs to be rebooted for the changes to be effective.'; RebootRequired = 'true' }
}

# ---- the loaded module (HostKernelModuleSystem.QueryModules; README "Rollouts") -----------
# The nvidia module as KernelModuleInfo: Loaded as nvidia_module_loaded; Version the version
# of the module loaded (nvidia_loaded_version while an installed component waits for its
# reboot, else the installed component's version), or, not loaded, the installed one's. The
# twin writes the component's version string there; the exact text ESXi reports for the
# nvidia module was not found in a source (docs/sources.md). No component: no nvidia module.
function Get-VTKernelModules {
    param($HostRec)
    if (@('Connected', 'Maintenance') -notcontains [string]$HostRec.connection_state) {
        throw ('twin: host {0} is {1}; vCenter cannot reach it to query its kernel modules' -f $HostRec.name, $HostRec.connection_state)
    }
    $comp = $HostRec.nvidia_component
    $loadedVer = ''
    if ((Test-VTField $HostRec 'nvidia_loaded_version') -and -not [string]::IsNullOrEmpty([string]$HostRec.nvidia_loaded_version)) { $loadedVer = [string]$HostRec.nvidia_loaded_version }
    elseif ($null -ne $comp) { $loadedVer = [string]$comp.version }
    if ($null -eq $comp -and $loadedVer -eq '') { return , ([VMware.Vim.KernelModuleInfo[]]@()) }
    $m = [VMware.Vim.KernelModuleInfo]::new()
    $m.Id = 42
    $m.Name = 'nvidia'
    $m.Filename = 'nvidia'
    $m.Loaded = [bool]$HostRec.nvidia_module_loaded
    $m.Enabled = $true
    $m.Version = $loadedVer
    return , ([VMware.Vim.KernelModuleInfo[]]@($m))
}

# ---- a host failure and vSphere HA (README "Host failure") ------------------------------
# The engine's node-failure fault with `while_rebooting` (no at_call): fires for its target
# when vCenter sees that host go down for a reboot; the reboot never ends.
function Test-VTRebootFailure {
    param($HostRec)
    if (-not (Get-Variable -Name 'Run' -Scope Script -ErrorAction SilentlyContinue) -or $null -eq $script:Run) { return $false }
    foreach ($f in @($script:Run.Faults)) {
        if ($f.Command -ne 'node-failure' -or $f.Remaining -le 0 -or $null -eq $f.Entry -or -not $f.Entry.Contains('while_rebooting') -or -not [bool]$f.Entry['while_rebooting']) { continue }
        if ([string]$f.Target -ne [string]$HostRec.name) { continue }
        $f.Remaining--
        if ($f.Entry.Contains('times')) { $f.Entry['times'] = $f.Remaining }
        return $true
    }
    return $false
}

# The host stops responding (connection_state NotResponding, as vCenter shows a host it
# lost); its powered-on VMs go down; vSphere HA (on in every cluster of the twin) restarts
# each on the first other host of its cluster, in state order, that is Connected (not in
# maintenance mode, not failed) and where the power-on rules of the twin let it start
# (module loaded, graphics type, room on a GPU, a free passthrough device, ...); a VM that
# finds none stays powered off on the failed host. Returns the restarts ("vm -> host").
function Invoke-VTHostFailure {
    param($Srv, $HostRec)
    $state = [string]$HostRec.connection_state
    # A host rebooting (seen by vCenter or not yet) that fails never comes back from it.
    $wasRebooting = (Test-VTField $HostRec 'reboot_due') -or ((Test-VTField $HostRec 'rebooting') -and $null -ne $HostRec.rebooting)
    if (Test-VTField $HostRec 'reboot_due') { Remove-VTValue $HostRec 'reboot_due' }
    if (Test-VTField $HostRec 'rebooting') { Remove-VTValue $HostRec 'rebooting' }
    if (-not $wasRebooting -and @('Connected', 'Maintenance') -notcontains $state) { throw ('twin: host {0} is already {1}' -f $HostRec.name, $state) }
    $HostRec.connection_state = 'NotResponding'
    $entering = Get-VTEnteringMaintenance $Srv $HostRec
    if ($null -ne $entering) { Stop-VTMaintenanceTask $entering ('twin: host {0} stopped responding while it entered maintenance mode' -f $HostRec.name) (Get-TwinClock) }
    $moved = [System.Collections.Generic.List[string]]::new()
    foreach ($vm in @(Get-VTVmsOnHost $Srv ([string]$HostRec.name) | Where-Object { [string]$_.power_state -eq 'PoweredOn' })) {
        $vm.power_state = 'PoweredOff'
        Register-VTVmDown $vm 'host failure'
        foreach ($h in @($Srv.State.hosts)) {
            if ([string]$h.cluster -ne [string]$HostRec.cluster -or [string]$h.name -eq [string]$HostRec.name -or [string]$h.connection_state -ne 'Connected') { continue }
            $vm.host = [string]$h.name
            try {
                Invoke-VTPowerOn $Srv $vm 'host failure (restarted by vSphere HA)'
                $moved.Add(('{0} -> {1}' -f $vm.name, $h.name))
                break
            } catch {
                $vm.host = [string]$HostRec.name
            }
        }
    }
    Clear-VTMemo
    , $moved.ToArray()
}

# The engine's node-failure fault (engine/Engine.ps1, Invoke-TwinNodeFailureFault): on
# vSphere, a host failure of the run's vCenter.
function Invoke-TwinPlatformNodeFailure {
    param([string]$Node)
    $srv = Get-VTServer ([string]$script:Run.State.vcenter.name)
    $h = Find-VTHost $srv $Node
    if ($null -eq $h) { throw ('twin: node-failure: {0} is not a host of the state' -f $Node) }
    Invoke-VTHostFailure $srv $h
}
