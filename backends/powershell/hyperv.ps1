# ---------------------------------------------------------------------------
# hyperv.ps1 - the reconciler of vgpuc's Hyper-V family scripts (Azure Stack
# HCI, Azure Local, Windows Server), on top of common.ps1.
#
# Invoke-VgpucHyperV is the entry: read the live state of every declared host
# and VM (read only), check it against the declared state (the pre-flight:
# hosts, drivers, GPUs by PCI id and model, VMs by exact name, capacity),
# compute the plan of changes, print it, then apply it: host steps (DDA
# disable/dismount, GPU pools, partition counts), one transaction per VM
# (shut down, remove wrong GPUs, settings, add the declared GPUs, start again),
# then GPUs given back to the host, and the summary. The data it works on is
# $VgpucDeclared, written by `vgpuc build` (backends/hyperv.c).
#
# Host-side commands run on the node through Invoke-Command with their values
# passed by -ArgumentList (Set-VMHostPartitionableGpu -Name is documented
# locally only). VMs are found once by exact name over Get-VM's full list and
# are used as objects afterwards; no -Name/-VMName wildcard parameter is used.
# Embedded verbatim by the build; it must stay valid Windows PowerShell 5.1.
# ---------------------------------------------------------------------------

function Read-VgpucHyperVHost {
    <# What one node has, read on the node: NVIDIA devices that are present
       (driverless ones included), dismounted and pooled devices, the
       partitionable GPUs, the PciExpress pools and the NVIDIA driver. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Name,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]]$VendorIds,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$PoolName
    )
    $reader = {
        param([string[]]$Vendors, [string]$Pool)
        Set-StrictMode -Version Latest
        $ErrorActionPreference = 'Stop'
        $idPattern = '^PCIP?\\VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})(&SUBSYS_([0-9A-Fa-f]{8}))?'
        $devices = [System.Collections.Generic.List[object]]::new()
        foreach ($d in @(Get-PnpDevice -PresentOnly)) {
            $id = [string]$d.InstanceId
            if ($id -notmatch $idPattern) {
                continue
            }
            $vendor = $Matches[1].ToUpperInvariant()
            $device = $Matches[2].ToUpperInvariant()
            $subsys = ''
            if ($Matches[4]) {
                $subsys = $Matches[4].ToUpperInvariant()
            }
            if ($Vendors -notcontains $vendor) {
                continue
            }
            $class = ''
            $p = $d.PSObject.Properties['Class']
            if ($null -ne $p -and $null -ne $p.Value) {
                $class = [string]$p.Value
            }
            # Display adapters, with or without a driver; not audio, USB or bridges.
            if ($class -ne '' -and $class -ne 'Display') {
                continue
            }
            # Disabled: ConfigManagerErrorCode 22, the Problem CM_PROB_DISABLED.
            $code = 0
            $p = $d.PSObject.Properties['ConfigManagerErrorCode']
            if ($null -ne $p -and $null -ne $p.Value) {
                $code = [int]$p.Value
            }
            $p = $d.PSObject.Properties['Problem']
            if ($null -ne $p -and [string]$p.Value -eq 'CM_PROB_DISABLED') {
                $code = 22
            }
            $lp = ''
            $prop = Get-PnpDeviceProperty -InstanceId $id -KeyName 'DEVPKEY_Device_LocationPaths'
            foreach ($v in @($prop | ForEach-Object { $_.Data })) {
                if ([string]$v -like 'PCIROOT*') {
                    $lp = [string]$v
                    break
                }
            }
            $devices.Add([pscustomobject]@{
                    InstanceId   = $id
                    VendorId     = $vendor
                    DeviceId     = $device
                    SubsystemId  = $subsys
                    Class        = $class
                    FriendlyName = [string]$d.FriendlyName
                    Status       = [string]$d.Status
                    Disabled     = ($code -eq 22)
                    LocationPath = $lp
                })
        }
        $assignable = [System.Collections.Generic.List[object]]::new()
        $pools = @()
        foreach ($rp in @(Get-VMResourcePool -ResourcePoolType 'PciExpress')) {
            $pools += [string]$rp.Name
        }
        $poolExists = $false
        foreach ($n in $pools) {
            if ([string]::Equals($n, $Pool, [System.StringComparison]::OrdinalIgnoreCase)) {
                $poolExists = $true
            }
        }
        $sources = @(@{ InPool = $false; Items = @(Get-VMHostAssignableDevice) })
        if ($poolExists -and $Pool -ne '') {
            $sources += @{ InPool = $true; Items = @(Get-VMHostAssignableDevice -ResourcePoolName $Pool) }
        }
        foreach ($src in $sources) {
            foreach ($a in $src.Items) {
                $ip = ''
                foreach ($n in @('InstanceID', 'InstancePath')) {
                    $p = $a.PSObject.Properties[$n]
                    if ($null -ne $p -and $null -ne $p.Value -and $ip -eq '') {
                        $ip = [string]$p.Value
                    }
                }
                $assignable.Add([pscustomobject]@{
                        LocationPath = [string]$a.LocationPath
                        InstancePath = $ip
                        InPool       = $src.InPool
                    })
            }
        }
        $partitionable = [System.Collections.Generic.List[object]]::new()
        if (Get-Command -Name 'Get-VMHostPartitionableGpu' -ErrorAction SilentlyContinue) {
            foreach ($g in @(Get-VMHostPartitionableGpu)) {
                $partitionable.Add([pscustomobject]@{
                        Name           = [string]$g.Name
                        PartitionCount = [int]$g.PartitionCount
                        Valid          = @($g.ValidPartitionCounts | ForEach-Object { [int]$_ })
                    })
            }
        }
        $driver = $null
        $smi = ''
        $noDevices = $false
        if (Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue) {
            $ErrorActionPreference = 'Continue'
            $lines = @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader' 2>&1)
            $code = [int]$LASTEXITCODE
            $ErrorActionPreference = 'Stop'
            if ($code -ne 0) {
                $text = (@($lines | ForEach-Object { [string]$_ }) -join ' ').Trim()
                $smi = 'nvidia-smi.exe failed (exit {0}): {1}' -f $code, $text
                # The driver runs but sees no GPU (every one dismounted or disabled).
                $noDevices = $text -like '*No devices were found*'
            } else {
                foreach ($l in $lines) {
                    if ([string]$l -match '\S') {
                        $driver = ([string]$l).Trim()
                        break
                    }
                }
            }
        }
        [pscustomobject]@{
            Devices       = $devices.ToArray()
            Assignable    = $assignable.ToArray()
            Partitionable = $partitionable.ToArray()
            Pools         = $pools
            PoolExists    = $poolExists
            Driver        = $driver
            SmiError      = $smi
            SmiNoDevices  = $noDevices
        }
    }
    try {
        $st = Invoke-Command -ComputerName $Name -ScriptBlock $reader -ArgumentList $VendorIds, $PoolName
        [pscustomobject]@{ Name = $Name; Reachable = $true; Error = ''; State = $st }
    } catch {
        [pscustomobject]@{ Name = $Name; Reachable = $false; Error = $_.Exception.Message; State = $null }
    }
}

function Read-VgpucHyperVVm {
    <# One VM as the reconciler needs it: settings, GPU partition adapters,
       assigned devices and whether the guest can be shut down. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Vm
    )
    $adapters = @(Get-VMGpuPartitionAdapter -VM $Vm)
    $devices = @(Get-VMAssignableDevice -VM $Vm | ForEach-Object {
            [pscustomobject]@{
                LocationPath = [string]$_.LocationPath
                InstancePath = [string](Get-VgpucProperty -InputObject $_ -Name 'InstanceID' -Default '')
                Pool         = [string](Get-VgpucProperty -InputObject $_ -Name 'ResourcePoolName' -Default '')
                Kept         = $false # one of the devices its declared DDA configuration keeps
                Object       = $_
            }
        })
    [pscustomobject]@{
        Name          = [string]$Vm.Name
        Id            = $Vm.Id
        Host          = [string]$Vm.ComputerName
        State         = [string]$Vm.State
        Generation    = [int]$Vm.Generation
        MemoryStartup = [uint64]$Vm.MemoryStartup
        Dynamic       = [bool]$Vm.DynamicMemoryEnabled
        StopAction    = [string]$Vm.AutomaticStopAction
        CacheTypes    = [bool]$Vm.GuestControlledCacheTypes
        LowMmio       = [uint64]$Vm.LowMemoryMappedIoSpace
        HighMmio      = [uint64]$Vm.HighMemoryMappedIoSpace
        Adapters      = $adapters
        Devices       = $devices
        Object        = $Vm
        Declared      = $null
        Cluster       = $null
    }
}

function Test-VgpucShutdownService {
    <# Can the guest be shut down (Hyper-V Shutdown integration service on and answering)? #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [object]$Vm
    )
    try {
        $svc = @(Get-VMIntegrationService -VM $Vm -Name 'Shutdown')
    } catch {
        # Cannot tell: go on; Stop-VM, called without Force or TurnOff,
        # refuses to turn off a guest that does not shut down.
        Write-Verbose ('the Shutdown integration service of {0} could not be read: {1}' -f $Vm.Name, $_.Exception.Message)
        return $true
    }
    if ($svc.Count -eq 0) {
        return $false
    }
    $enabled = [bool](Get-VgpucProperty -InputObject $svc[0] -Name 'Enabled' -Default $false)
    $status = [string](Get-VgpucProperty -InputObject $svc[0] -Name 'PrimaryStatusDescription' -Default 'OK')
    $enabled -and $status -eq 'OK'
}

function Read-VgpucHyperVClusterRole {
    <# A clustered VM's role: group, VM resource, possible and preferred owners, OfflineAction. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$VmState
    )
    $node = $VmState.Host
    $group = Get-ClusterGroup -VMId $VmState.Id -Cluster $node -ErrorAction SilentlyContinue
    $res = Get-ClusterResource -VMId $VmState.Id -Cluster $node -ErrorAction SilentlyContinue
    if ($null -eq $group -or $null -eq $res) {
        return $null
    }
    $possible = @((Get-ClusterOwnerNode -Resource ([string]$res.Name) -Cluster $node).OwnerNodes | ForEach-Object { [string]$_.Name })
    $preferred = @((Get-ClusterOwnerNode -Group ([string]$group.Name) -Cluster $node).OwnerNodes | ForEach-Object { [string]$_.Name })
    $offline = Get-ClusterParameter -InputObject $res -Name 'OfflineAction'
    $offlineValue = -1
    if ($null -ne $offline) {
        $offlineValue = [int]$offline.Value
    }
    [pscustomobject]@{
        Node          = $node
        GroupName     = [string]$group.Name
        ResourceName  = [string]$res.Name
        Resource      = $res
        Possible      = $possible
        Preferred     = $preferred
        OfflineAction = $offlineValue
    }
}

function Resolve-VgpucGpuModel {
    <# The declared model of a PCI vendor/device(/subsystem) id, or $null. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Declared,
        [Parameter(Mandatory)] [string]$VendorId,
        [Parameter(Mandatory)] [string]$DeviceId,
        [AllowEmptyString()] [string]$SubsystemId = ''
    )
    $candidates = @()
    foreach ($m in $Declared.Models) {
        foreach ($id in @($m.Ids)) {
            $parts = ([string]$id).Split(':')
            if ($parts[0] -ne $VendorId -or $parts[1] -ne $DeviceId) {
                continue
            }
            if ($parts.Count -gt 2 -and $parts[2] -ne $SubsystemId) {
                continue
            }
            $candidates += [string]$m.Model
        }
    }
    $candidates = @($candidates | Select-Object -Unique)
    if ($candidates.Count -eq 1) {
        return $candidates[0]
    }
    $null
}

function Get-VgpucPciId {
    <# VEN/DEV/SUBSYS of a PCI or PCIP instance path, or $null. #>
    [CmdletBinding()]
    param(
        [AllowEmptyString()] [string]$InstancePath
    )
    if ($InstancePath -match '^PCIP?\\VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})(&SUBSYS_([0-9A-Fa-f]{8}))?') {
        $sub = ''
        if ($Matches[4]) {
            $sub = $Matches[4].ToUpperInvariant()
        }
        return [pscustomobject]@{ VendorId = $Matches[1].ToUpperInvariant(); DeviceId = $Matches[2].ToUpperInvariant(); SubsystemId = $sub }
    }
    $null
}

function ConvertTo-VgpucInstanceId {
    <# A partitionable GPU's Name (\\?\PCI#VEN_...#4&...#{guid}) as a PnP InstanceId (PCI\VEN_...\4&...). #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Name
    )
    $s = $Name
    if ($s.StartsWith('\\?\')) {
        $s = $s.Substring(4)
    }
    $cut = $s.IndexOf('#{')
    if ($cut -ge 0) {
        $s = $s.Substring(0, $cut)
    }
    $s.Replace('#', '\')
}

function Get-VgpucHyperVInventory {
    <# Every GPU of one host by location path, with its model and state:
       mounted (enabled or disabled), dismounted, pooled, assigned to a VM,
       partitionable (and its partition count). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Declared,
        [Parameter(Mandatory)] [object]$HostRead,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Vms
    )
    $byPath = [ordered]@{}
    $unknown = [System.Collections.Generic.List[object]]::new()
    $st = $HostRead.State
    $newGpu = {
        param([string]$Lp, [object]$Pci)
        $model = $null
        if ($null -ne $Pci) {
            $model = Resolve-VgpucGpuModel -Declared $Declared -VendorId $Pci.VendorId -DeviceId $Pci.DeviceId -SubsystemId $Pci.SubsystemId
        }
        [pscustomobject]@{
            LocationPath = $Lp; InstanceId = ''; Model = $model; Pci = $Pci; Present = $false; Disabled = $false
            Dismounted = $false; InPool = $false; AssignedTo = $null; Kept = $false; Partitionable = $null; VideoController = $false
        }
    }
    foreach ($d in @($st.Devices)) {
        $pci = [pscustomobject]@{ VendorId = $d.VendorId; DeviceId = $d.DeviceId; SubsystemId = $d.SubsystemId }
        $key = $d.LocationPath
        if ($key -eq '') {
            $key = 'instance:' + $d.InstanceId
        }
        $g = & $newGpu $d.LocationPath $pci
        $g.InstanceId = $d.InstanceId
        $g.Present = $true
        $g.Disabled = [bool]$d.Disabled
        $g.VideoController = ($d.Class -eq 'Display' -or $d.FriendlyName -like '*Video Controller*')
        $byPath[$key] = $g
    }
    foreach ($a in @($st.Assignable)) {
        $g = $byPath[$a.LocationPath]
        if ($null -eq $g) {
            $g = & $newGpu $a.LocationPath (Get-VgpucPciId -InstancePath $a.InstancePath)
            $g.VideoController = $true
            $byPath[$a.LocationPath] = $g
        }
        $g.Dismounted = $true
        if ($a.InPool) {
            $g.InPool = $true
        }
    }
    foreach ($vm in $Vms) {
        foreach ($dev in @($vm.Devices)) {
            if ($dev.LocationPath -eq '') {
                continue # assigned from a pool, resolved to a GPU only when the VM starts
            }
            $g = $byPath[$dev.LocationPath]
            if ($null -eq $g) {
                $g = & $newGpu $dev.LocationPath (Get-VgpucPciId -InstancePath $dev.InstancePath)
                $g.VideoController = $true
                $byPath[$dev.LocationPath] = $g
            }
            $g.Dismounted = $true
            $g.AssignedTo = $vm
            $g.Kept = [bool]$dev.Kept
            if ($Declared.PoolName -ne '' -and (Test-VgpucName -Name $dev.Pool -Other $Declared.PoolName)) {
                $g.InPool = $true
            }
        }
    }
    foreach ($p in @($st.Partitionable)) {
        $iid = ConvertTo-VgpucInstanceId -Name $p.Name
        foreach ($g in $byPath.Values) {
            if ($g.InstanceId -ne '' -and (Test-VgpucName -Name $g.InstanceId -Other $iid)) {
                $g.Partitionable = $p
            }
        }
    }
    $gpus = @($byPath.Values | Where-Object { $null -ne $_.Model })
    foreach ($g in @($byPath.Values | Where-Object { $null -eq $_.Model -and $_.VideoController })) {
        $unknown.Add($g)
    }
    [pscustomobject]@{ Gpus = $gpus; Unknown = $unknown.ToArray() }
}

function Select-VgpucDdaGpu {
    <# The GPUs of one model on one host that the plan gives to DDA, chosen
       stably: those a declared DDA VM keeps first, then pooled, dismounted
       (a declared VM's device it gives up included), disabled, then the
       rest, each group by location path. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Gpus,
        [Parameter(Mandatory)] [int]$Count,
        [switch]$RemoveUndeclared
    )
    $sorted = [System.Collections.Generic.SortedDictionary[string, object]]::new([System.StringComparer]::Ordinal)
    foreach ($g in $Gpus) {
        $rank = 4
        if ($null -ne $g.AssignedTo) {
            if ($null -ne $g.AssignedTo.Declared) {
                if ($g.AssignedTo.Declared.Mode -eq 'Dda' -and $g.Kept) {
                    $rank = 0
                } else {
                    $rank = 2
                }
            } elseif ($RemoveUndeclared) {
                $rank = 2
            } else {
                continue # an undeclared VM keeps it: drift, left alone
            }
        } elseif ($g.InPool) {
            $rank = 1
        } elseif ($g.Dismounted) {
            $rank = 2
        } elseif ($g.Disabled) {
            $rank = 3
        }
        $sorted[('{0}|{1}' -f $rank, $g.LocationPath)] = $g
    }
    $sorted.Values | Select-Object -First $Count # callers wrap the call in @()
}

function Invoke-VgpucAz {
    <# Runs the Azure CLI by name (az.cmd on Windows) with each value as its
       own argument, and throws with its error text when it exits non-zero. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string[]]$ArgumentList
    )
    # Windows PowerShell 5.1 turns a native program's stderr into a
    # terminating error under 'Stop': read it as text instead.
    $ErrorActionPreference = 'Continue'
    $out = @(& 'az' @ArgumentList 2>&1 6>&1)
    $code = [int]$LASTEXITCODE
    $ErrorActionPreference = 'Stop'
    if ($code -ne 0) {
        $text = (@($out | ForEach-Object { [string]$_ }) -join ' ').Trim()
        throw ('az {0} {1} failed (exit {2}): {3}' -f $ArgumentList[0], $ArgumentList[1], $code, $text)
    }
    $out
}

function Test-VgpucArcTool {
    <# Pre-flight of an Arc cluster: az and its stack-hci-vm extension are installed here. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run
    )
    if (-not (Get-Command -Name 'az' -ErrorAction SilentlyContinue)) {
        Add-VgpucProblem -Run $Run -Text 'the Azure CLI (az) is not installed on this machine; the cluster declares Azure Local VMs enabled by Arc, whose GPUs are attached with az stack-hci-vm'
        return
    }
    try {
        $null = Invoke-VgpucAz -ArgumentList @('extension', 'show', '--name', 'stack-hci-vm', '--output', 'json')
    } catch {
        Add-VgpucProblem -Run $Run -Text ('the Azure CLI extension stack-hci-vm is not installed (az extension add --name stack-hci-vm): {0}' -f $_.Exception.Message)
    }
}

function Read-VgpucArcVm {
    <# The GPUs Azure reports for an Arc VM (az stack-hci-vm show): a count per
       assignment type (GpuP, GpuDDA); $null when it cannot be read (a problem). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [string]$Name,
        [Parameter(Mandatory)] [string]$ResourceGroup
    )
    try {
        $json = (@(Invoke-VgpucAz -ArgumentList @('stack-hci-vm', 'show', '--name', $Name, '--resource-group', $ResourceGroup, '--output', 'json') | ForEach-Object { [string]$_ }) -join "`n")
        $o = ConvertFrom-Json -InputObject $json
    } catch {
        Add-VgpucProblem -Run $Run -Text ('VM {0}: az stack-hci-vm show in resource group {1} failed: {2}' -f $Name, $ResourceGroup, $_.Exception.Message)
        return $null
    }
    $count = @{ GpuP = 0; GpuDDA = 0 }
    $props = Get-VgpucProperty -InputObject $o -Name 'properties' -Default $o
    $hw = Get-VgpucProperty -InputObject $props -Name 'hardwareProfile' -Default $null
    foreach ($g in @(Get-VgpucProperty -InputObject $hw -Name 'virtualMachineGPUs' -Default @())) {
        $t = [string](Get-VgpucProperty -InputObject $g -Name 'assignmentType' -Default '')
        if ($count.ContainsKey($t)) {
            $count[$t]++
        }
    }
    $count
}

function Get-VgpucHyperVPlan {
    <# The pre-flight and the plan: checks the state against the declaration
       (problems stop the run), lists drift, and returns the host steps and
       the per-VM changes, each marked in or out of -VMName/-HostName scope. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Declared,
        [AllowEmptyCollection()] [string[]]$VMName = @(),
        [AllowEmptyCollection()] [string[]]$HostName = @(),
        [switch]$RemoveUndeclared,
        [int]$ShutdownTimeoutSeconds = 600
    )
    $vendors = @($Declared.Models | ForEach-Object { @($_.Ids) } | ForEach-Object { ([string]$_).Split(':')[0] } | Select-Object -Unique)
    $hostSteps = [System.Collections.Generic.List[object]]::new()
    $lateSteps = [System.Collections.Generic.List[object]]::new()
    $countSteps = [System.Collections.Generic.List[object]]::new()
    $vmWork = [System.Collections.Generic.List[object]]::new()
    $pool = [string]$Declared.PoolName
    $usePool = $Declared.Clustered -and $pool -ne ''
    $arc = $Declared.Arc

    foreach ($m in $Declared.Models) {
        if (@($m.Ids).Count -eq 0) {
            Add-VgpucProblem -Run $Run -Text ('GPU model {0}: the catalog has no PCI vendor/device id for it, so its GPUs cannot be identified' -f $m.Model)
        }
    }

    if ($null -ne $arc) {
        Test-VgpucArcTool -Run $Run
    }

    # --- Read every host (read only) ---
    $hostReads = [ordered]@{}
    foreach ($h in $Declared.Hosts) {
        $r = Read-VgpucHyperVHost -Name $h.Name -VendorIds $vendors -PoolName $pool
        if (-not $r.Reachable) {
            Add-VgpucProblem -Run $Run -Text ('host {0} is not reachable or could not be read: {1}' -f $h.Name, $r.Error)
        }
        $hostReads[$h.Name] = $r
    }
    $reachable = @($Declared.Hosts | Where-Object { $hostReads[$_.Name].Reachable } | ForEach-Object { [string]$_.Name })

    # --- Every VM of the declared hosts, resolved once by exact name ---
    $allVms = @()
    if ($reachable.Count -gt 0) {
        $allVms = @(Get-VM -ComputerName $reachable | ForEach-Object { Read-VgpucHyperVVm -Vm $_ })
    }
    $declaredVms = [System.Collections.Generic.List[object]]::new()
    foreach ($dv in $Declared.Vms) {
        $found = @(Select-VgpucByName -InputObject $allVms -Name $dv.Name)
        if ($found.Count -eq 0) {
            Add-VgpucProblem -Run $Run -Text ('VM {0} does not exist on any reachable host of the cluster' -f $dv.Name)
            continue
        }
        if ($found.Count -gt 1) {
            Add-VgpucProblem -Run $Run -Text ('{0} VMs are named {1} (on {2}); names must be unique' -f $found.Count, $dv.Name, ((@($found | ForEach-Object { $_.Host }) | Sort-Object) -join ', '))
            continue
        }
        $vm = $found[0]
        $vm.Declared = $dv
        $declaredVms.Add($vm)
    }
    $undeclared = @($allVms | Where-Object { $null -eq $_.Declared -and (@($_.Adapters).Count -gt 0 -or @($_.Devices).Count -gt 0) })

    # The devices each declared DDA VM keeps: the first of its declared count
    # that are of its model and, for clustered DDA, from the pool. Its other
    # devices are removed below, so their GPUs are free for the plan.
    foreach ($vm in $declaredVms) {
        $dv = $vm.Declared
        if ($dv.Mode -ne 'Dda') {
            continue
        }
        $n = 0
        foreach ($d in @($vm.Devices)) {
            if ($n -ge [int]$dv.Count) {
                break
            }
            if ($usePool -and $null -eq $arc -and -not (Test-VgpucName -Name $d.Pool -Other $pool)) {
                continue
            }
            $pci = Get-VgpucPciId -InstancePath $d.InstancePath
            $model = $null
            if ($null -ne $pci) {
                $model = Resolve-VgpucGpuModel -Declared $Declared -VendorId $pci.VendorId -DeviceId $pci.DeviceId -SubsystemId $pci.SubsystemId
            }
            if ($null -ne $model -and $null -ne $dv.Model -and $model -ne $dv.Model) {
                continue # a GPU of another model: replaced
            }
            $d.Kept = $true
            $n++
        }
    }

    # --- Hosts: driver, GPUs by PCI id and model, DDA choice, partition counts ---
    $ddaPaths = @{}     # host -> location paths the plan gives to DDA
    $poolFree = @{}     # host -> number of pool GPUs (clustered DDA)
    $inventory = @{}
    foreach ($h in $Declared.Hosts) {
        $r = $hostReads[$h.Name]
        if (-not $r.Reachable) {
            continue
        }
        $hostInScope = Test-VgpucInScope -Name $h.Name -Scope $HostName
        $onHost = @($allVms | Where-Object { Test-VgpucName -Name $_.Host -Other $h.Name })
        $inv = Get-VgpucHyperVInventory -Declared $Declared -HostRead $r -Vms $onHost
        $inventory[$h.Name] = $inv
        $st = $r.State
        # nvidia-smi sees only the GPUs mounted and enabled on the host: with
        # every GPU dismounted (DDA) or disabled it finds none, which says
        # nothing about the vGPU Manager. A GPU it should see makes it a problem.
        $seen = @($inv.Gpus | Where-Object { $_.Present -and -not $_.Disabled -and -not $_.Dismounted })
        if ($h.ServesGpuP) {
            if ($st.SmiError -ne '' -and $st.SmiNoDevices -and $seen.Count -eq 0 -and @($inv.Unknown).Count -eq 0) {
                Write-Warning ('host {0}: every GPU is dismounted or disabled, so nvidia-smi.exe finds none and the NVIDIA vGPU Manager version cannot be checked in this run' -f (Format-VgpucText -Text $h.Name))
            } elseif ($st.SmiError -ne '') {
                Add-VgpucProblem -Run $Run -Text ('host {0}: the NVIDIA vGPU Manager driver could not be read: {1}' -f $h.Name, $st.SmiError)
            } elseif ($null -eq $st.Driver) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: no NVIDIA vGPU Manager found (nvidia-smi.exe is missing); GPU-P needs it' -f $h.Name)
            } elseif ($null -ne $h.Driver -and $st.Driver -ne $h.Driver) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: the NVIDIA vGPU Manager driver is {1}, the file declares {2}' -f $h.Name, $st.Driver, $h.Driver)
            }
        } elseif ($h.DdaOnly -and -not $Declared.MitigationDriver -and $null -ne $st.Driver) {
            Add-VgpucProblem -Run $Run -Text ('host {0} serves only DDA but runs an NVIDIA host driver {1}; Microsoft documents no host driver for DDA: uninstall it first' -f $h.Name, $st.Driver)
        }
        foreach ($u in $inv.Unknown) {
            $what = 'unknown id'
            if ($null -ne $u.Pci) {
                $what = 'VEN_{0}&DEV_{1}' -f $u.Pci.VendorId, $u.Pci.DeviceId
            }
            Add-VgpucProblem -Run $Run -Text ('host {0}: GPU {1} ({2}) is of no model the file declares' -f $h.Name, $u.LocationPath, $what)
        }
        $ddaHere = [System.Collections.Generic.List[object]]::new()
        foreach ($dg in $h.Gpus) {
            $ofModel = @($inv.Gpus | Where-Object { $_.Model -eq $dg.Model })
            if ($ofModel.Count -ne $dg.Count) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: the file declares {1} {2} GPU(s), {3} found' -f $h.Name, $dg.Count, $dg.Model, $ofModel.Count)
                continue
            }
            $chosen = @(Select-VgpucDdaGpu -Gpus $ofModel -Count $dg.Dda -RemoveUndeclared:$RemoveUndeclared)
            if ($chosen.Count -lt $dg.Dda) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: {1} {2} GPU(s) are needed for DDA, only {3} are free (the others are held by undeclared VMs)' -f $h.Name, $dg.Dda, $dg.Model, $chosen.Count)
            }
            foreach ($g in $chosen) {
                $ddaHere.Add($g)
            }
        }
        foreach ($m in @($inv.Gpus | ForEach-Object { $_.Model } | Select-Object -Unique)) {
            if (-not (Test-VgpucNameInList -Name $m -List @($h.Gpus | ForEach-Object { $_.Model }))) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: has {1} GPU(s) the file does not declare' -f $h.Name, $m)
            }
        }
        $ddaPaths[$h.Name] = @($ddaHere | ForEach-Object { $_.LocationPath })
        $poolFree[$h.Name] = $ddaHere.Count

        # DDA: disable, dismount, pool. A GPU to be dismounted must not hold
        # partitions in use: the partitions of running VMs must fit on the
        # partitionable GPUs that stay (Hyper-V places partitions itself).
        $runningWithPartitions = @($onHost | Where-Object { $_.State -eq 'Running' -and @($_.Adapters).Count -gt 0 } | ForEach-Object { $_.Name })
        $partitionsInUse = 0
        foreach ($v in $onHost) {
            if ($v.State -eq 'Running') {
                $partitionsInUse += @($v.Adapters).Count
            }
        }
        $partitionsLeft = 0
        $toDismount = @{}
        foreach ($g in $ddaHere) {
            if (-not $g.Dismounted) {
                $toDismount[$g.LocationPath] = $true
            }
        }
        foreach ($g in $inv.Gpus) {
            if ($null -ne $g.Partitionable -and -not $toDismount.ContainsKey($g.LocationPath)) {
                $partitionsLeft += [int]$g.Partitionable.PartitionCount
            }
        }
        if ($usePool -and $ddaHere.Count -gt 0 -and -not $st.PoolExists) {
            $hostSteps.Add([pscustomobject]@{ Host = $h.Name; Gpu = ''; Kind = 'pool-create'; Action = ('create the GPU pool {0} (PciExpress)' -f $pool); Args = @($pool); InScope = $hostInScope })
        }
        foreach ($g in $ddaHere) {
            if (-not $g.Dismounted) {
                if ($null -ne $g.Partitionable -and $partitionsInUse -gt $partitionsLeft) {
                    Add-VgpucProblem -Run $Run -Text ('host {0}: GPU {1} must be dismounted for DDA, but running VMs use {2} GPU partitions and the other GPUs have {3} ({4}); stop some of them first' -f $h.Name, $g.LocationPath, $partitionsInUse, $partitionsLeft, ($runningWithPartitions -join ', '))
                }
                if (-not $g.Disabled) {
                    $hostSteps.Add([pscustomobject]@{ Host = $h.Name; Gpu = $g.LocationPath; Kind = 'disable'; Action = ('disable GPU {0} for DDA' -f $g.LocationPath); Args = @($g.InstanceId); InScope = $hostInScope })
                }
                $force = -not $Declared.MitigationDriver
                $action = 'dismount GPU {0} from the host for DDA' -f $g.LocationPath
                if ($force) {
                    $action += ' (-Force: no mitigation driver declared)'
                }
                $hostSteps.Add([pscustomobject]@{ Host = $h.Name; Gpu = $g.LocationPath; Kind = 'dismount'; Action = $action; Args = @($g.LocationPath, $force); InScope = $hostInScope })
            }
            if ($usePool -and -not $g.InPool) {
                $hostSteps.Add([pscustomobject]@{ Host = $h.Name; Gpu = $g.LocationPath; Kind = 'pool-add'; Action = ('add GPU {0} to the GPU pool {1}' -f $g.LocationPath, $pool); Args = @($g.LocationPath, $pool); InScope = $hostInScope })
            }
        }
        # GPUs dismounted or disabled that the plan gives to no VM.
        $isDda = @{}
        foreach ($g in $ddaHere) {
            $isDda[$g.LocationPath] = $true
        }
        foreach ($g in $inv.Gpus) {
            if ($isDda.ContainsKey($g.LocationPath)) {
                continue
            }
            if ($null -ne $g.AssignedTo -and $null -eq $g.AssignedTo.Declared) {
                continue # reported with its undeclared VM
            }
            if ($g.Dismounted -or $g.Disabled) {
                $what = 'disabled'
                if ($g.Dismounted) {
                    $what = 'dismounted for DDA'
                }
                Add-VgpucDrift -Run $Run -Target $h.Name -Text ('GPU {0} ({1}) is {2} but the plan gives it to no DDA VM; -RemoveUndeclared mounts it back and enables it' -f $g.LocationPath, $g.Model, $what)
                if ($RemoveUndeclared) {
                    $lateSteps.Add([pscustomobject]@{ Host = $h.Name; Gpu = $g.LocationPath; Kind = 'mount-back'; Action = ('give GPU {0} back to the host (mount and enable)' -f $g.LocationPath); Args = @($g.LocationPath, $g.InPool, $pool, $g.Dismounted, [int]$Declared.PartitionCount, [bool]$h.ServesGpuP); InScope = $hostInScope })
                }
            }
        }
        # GPU-P: partition count on every GPU that stays partitionable. It
        # runs after the VMs that give up all their partitions in this run
        # (DDA declared, or undeclared with -RemoveUndeclared); any other VM
        # holding a partition blocks it, as in Hyper-V.
        if ($h.ServesGpuP -and [int]$Declared.PartitionCount -gt 0) {
            $holders = @($onHost | Where-Object {
                    $releases = ($null -ne $_.Declared -and $_.Declared.Mode -eq 'Dda') -or ($null -eq $_.Declared -and $RemoveUndeclared)
                    $inRun = (Test-VgpucInScope -Name $_.Name -Scope $VMName) -and (Test-VgpucInScope -Name $_.Host -Scope $HostName)
                    @($_.Adapters).Count -gt 0 -and -not ($releases -and $inRun)
                } | ForEach-Object { $_.Name })
            foreach ($g in $inv.Gpus) {
                if ($isDda.ContainsKey($g.LocationPath) -or $null -eq $g.Partitionable) {
                    continue
                }
                $p = $g.Partitionable
                if ($p.PartitionCount -eq [int]$Declared.PartitionCount) {
                    continue
                }
                if (@($p.Valid) -notcontains [int]$Declared.PartitionCount) {
                    Add-VgpucProblem -Run $Run -Text ('host {0}: GPU {1} cannot have {2} partitions (ValidPartitionCounts: {3})' -f $h.Name, $g.LocationPath, $Declared.PartitionCount, (@($p.Valid) -join ', '))
                } elseif ($holders.Count -gt 0) {
                    Add-VgpucProblem -Run $Run -Text ('host {0}: GPU {1} must change from {2} to {3} partitions, which Hyper-V refuses while partitions are assigned ({4}); remove their GPU partition adapters first, or include those VMs in -VMName/-HostName' -f $h.Name, $g.LocationPath, $p.PartitionCount, $Declared.PartitionCount, ($holders -join ', '))
                } else {
                    $countSteps.Add([pscustomobject]@{ Host = $h.Name; Gpu = $g.LocationPath; Kind = 'partition-count'; Action = ('set the partition count of GPU {0} from {1} to {2}' -f $g.LocationPath, $p.PartitionCount, $Declared.PartitionCount); Args = @($p.Name, [int]$Declared.PartitionCount); InScope = $hostInScope })
                }
            }
        }
    }

    # --- Undeclared VMs that hold GPUs: drift ---
    foreach ($u in $undeclared) {
        Add-VgpucDrift -Run $Run -Target $u.Name -Text ('on {0}, not declared in the file, holds {1} GPU partition adapter(s) and {2} DDA device(s); -RemoveUndeclared removes them (the VM is never deleted)' -f $u.Host, @($u.Adapters).Count, @($u.Devices).Count)
        if ($RemoveUndeclared) {
            $changes = [System.Collections.Generic.List[object]]::new()
            foreach ($a in @($u.Adapters)) {
                $changes.Add((Get-VgpucChangeItem -Kind 'remove-adapter' -Action 'remove its GPU partition adapter' -ArgumentList @($u.Object, [string]$a.Id)))
            }
            foreach ($d in @($u.Devices)) {
                $changes.Add((Get-VgpucChangeItem -Kind 'remove-device' -Action ('remove DDA device {0}' -f $d.LocationPath) -ArgumentList @($d.Object)))
            }
            if ($Declared.Clustered -and $null -ne (Read-VgpucHyperVClusterRole -VmState $u)) {
                $changes.Add((Get-VgpucChangeItem -Kind 'update-cluster' -Action 'refresh its clustered configuration (Update-ClusterVirtualMachineConfiguration)' -ArgumentList @($u.Id, $u.Host)))
            }
            $inScope = (Test-VgpucInScope -Name $u.Name -Scope $VMName) -and (Test-VgpucInScope -Name $u.Host -Scope $HostName)
            $vmWork.Add([pscustomobject]@{ Vm = $u; Before = @(); Changes = $changes.ToArray(); InScope = $inScope; Order = 0 })
        }
    }

    # --- Declared VMs: the declared GPU configuration is the whole truth ---
    $right = [System.Collections.Generic.List[string]]::new()
    $freeDda = @{}
    foreach ($k in $ddaPaths.Keys) {
        $free = [System.Collections.Generic.List[string]]::new()
        foreach ($lp in $ddaPaths[$k]) {
            $holder = $null
            foreach ($vm in $declaredVms) {
                foreach ($d in @($vm.Devices)) {
                    if ($d.LocationPath -eq $lp -and $vm.Declared.Mode -eq 'Dda' -and $d.Kept) {
                        $holder = $vm
                    }
                }
            }
            if ($null -eq $holder) {
                $free.Add($lp)
            }
        }
        $freeDda[$k] = $free
    }
    $poolNeed = @{}
    $partitionNeed = @{}
    foreach ($vm in @($declaredVms | Sort-Object -Property @{ Expression = { $_.Name } })) {
        $dv = $vm.Declared
        $dda = $dv.Mode -eq 'Dda'
        $inScope = (Test-VgpucInScope -Name $vm.Name -Scope $VMName) -and (Test-VgpucInScope -Name $vm.Host -Scope $HostName)
        if ($null -ne $arc -and $vm.Name -match '[&|<>^%!"\r\n]') {
            Add-VgpucProblem -Run $Run -Text ('VM {0}: its name has a character that cmd.exe interprets (& | < > ^ % ! or a quote), and az runs through az.cmd; rename the VM or manage its GPU by hand' -f $vm.Name)
        }
        if ($dv.Generation -gt 0 -and $vm.Generation -ne $dv.Generation) {
            Add-VgpucProblem -Run $Run -Text ('VM {0} is generation {1}, the file declares generation {2} (it cannot be changed; recreate the VM)' -f $vm.Name, $vm.Generation, $dv.Generation)
        }
        if ($Declared.Clustered) {
            if (@($dv.Owners).Count -gt 0 -and -not (Test-VgpucNameInList -Name $vm.Host -List $dv.Owners)) {
                Add-VgpucProblem -Run $Run -Text ('VM {0} runs on {1}, which is not one of its hosts ({2}); move it first' -f $vm.Name, $vm.Host, (@($dv.Owners) -join ', '))
            }
        } elseif ($null -ne $dv.Host -and -not (Test-VgpucName -Name $vm.Host -Other $dv.Host)) {
            Add-VgpucProblem -Run $Run -Text ('VM {0} is on host {1}; the file places it on {2}: move it first' -f $vm.Name, $vm.Host, $dv.Host)
        }
        $before = [System.Collections.Generic.List[object]]::new()
        $changes = [System.Collections.Generic.List[object]]::new()
        $removes = 0
        $arcGpus = $null
        if ($null -ne $arc) {
            $arcGpus = Read-VgpucArcVm -Run $Run -Name $vm.Name -ResourceGroup $arc.ResourceGroup
            $vm | Add-Member -NotePropertyName 'Arc' -NotePropertyValue $arcGpus
        }
        # Wrong GPUs out first.
        if ($null -ne $arcGpus) {
            $wrongKind = 'GpuDDA'
            $rightKind = 'GpuP'
            if ($dda) {
                $wrongKind = 'GpuP'
                $rightKind = 'GpuDDA'
            }
            $have = [int]$arcGpus[$rightKind]
            if ([int]$arcGpus[$wrongKind] -gt 0) {
                $changes.Add((Get-VgpucChangeItem -Kind 'arc-detach' -Action ('detach {0} {1} GPU(s) with az stack-hci-vm gpu detach (the file declares {2})' -f $arcGpus[$wrongKind], $wrongKind, $rightKind) -ArgumentList @($arc.ResourceGroup, $vm.Name, $wrongKind, [int]$arcGpus[$wrongKind])))
                $removes++
            }
            if ($have -gt $dv.Count) {
                $changes.Add((Get-VgpucChangeItem -Kind 'arc-detach' -Action ('detach {0} extra {1} GPU(s) with az stack-hci-vm gpu detach' -f ($have - $dv.Count), $rightKind) -ArgumentList @($arc.ResourceGroup, $vm.Name, $rightKind, ($have - $dv.Count))))
                $removes++
            }
            # Hyper-V devices and adapters that Azure does not report are leftovers.
            $extraAdapters = @($vm.Adapters).Count - [int]$arcGpus['GpuP']
            for ($k = 0; $k -lt $extraAdapters; $k++) {
                $a = @($vm.Adapters)[$k]
                $changes.Add((Get-VgpucChangeItem -Kind 'remove-adapter' -Action ('remove GPU partition adapter {0} (not attached through Azure)' -f $a.Id) -ArgumentList @($vm.Object, [string]$a.Id)))
                $removes++
            }
            $extraDevices = @($vm.Devices).Count - [int]$arcGpus['GpuDDA']
            for ($k = 0; $k -lt $extraDevices; $k++) {
                $d = @($vm.Devices)[$k]
                $changes.Add((Get-VgpucChangeItem -Kind 'remove-device' -Action ('remove DDA device {0} (not attached through Azure)' -f $d.LocationPath) -ArgumentList @($d.Object)))
                $removes++
            }
            $need = [Math]::Max(0, $dv.Count - $have)
            if (-not $dda) {
                if (-not $partitionNeed.ContainsKey($vm.Host)) {
                    $partitionNeed[$vm.Host] = 0
                }
                if ($vm.State -eq 'Running' -or [int]$arcGpus['GpuP'] -lt $dv.Count) {
                    $partitionNeed[$vm.Host] += $dv.Count # it runs, or it gains a partition in this run
                }
            }
        } elseif ($dda) {
            foreach ($a in @($vm.Adapters)) {
                $changes.Add((Get-VgpucChangeItem -Kind 'remove-adapter' -Action 'remove GPU partition adapter (DDA is declared)' -ArgumentList @($vm.Object, [string]$a.Id)))
                $removes++
            }
            $keep = 0
            foreach ($d in @($vm.Devices)) {
                $ok = $d.Kept
                if ($ok -and -not $usePool) {
                    $ok = @($ddaPaths[$vm.Host]) -contains $d.LocationPath
                }
                if ($ok) {
                    $keep++
                } else {
                    $why = 'not a declared {0} GPU of the plan' -f $dv.Model
                    if ($d.Kept -eq $false -and $keep -ge $dv.Count) {
                        $why = 'the file declares {0} {1} GPU(s)' -f $dv.Count, $dv.Model
                    } elseif ($usePool -and -not (Test-VgpucName -Name $d.Pool -Other $pool)) {
                        $why = 'not from the GPU pool {0}' -f $pool
                    }
                    $changes.Add((Get-VgpucChangeItem -Kind 'remove-device' -Action ('remove DDA device {0} ({1})' -f $d.LocationPath, $why) -ArgumentList @($d.Object)))
                    $removes++
                }
            }
            $need = $dv.Count - $keep
        } else {
            foreach ($d in @($vm.Devices)) {
                $changes.Add((Get-VgpucChangeItem -Kind 'remove-device' -Action ('remove DDA device {0} (GPU-P is declared)' -f $d.LocationPath) -ArgumentList @($d.Object)))
                $removes++
            }
            $extra = @($vm.Adapters).Count - $dv.Count
            $i = 0
            foreach ($a in @($vm.Adapters)) {
                if ($i -lt $extra) {
                    $changes.Add((Get-VgpucChangeItem -Kind 'remove-adapter' -Action ('remove extra GPU partition adapter {0}' -f $a.Id) -ArgumentList @($vm.Object, [string]$a.Id)))
                    $removes++
                }
                $i++
            }
            $need = [Math]::Max(0, $dv.Count - @($vm.Adapters).Count)
            if (-not $partitionNeed.ContainsKey($vm.Host)) {
                $partitionNeed[$vm.Host] = 0
            }
            if ($vm.State -eq 'Running' -or @($vm.Adapters).Count -lt $dv.Count) {
                $partitionNeed[$vm.Host] += $dv.Count # it runs, or it gains a partition in this run
            }
        }
        # Settings.
        if (-not $vm.CacheTypes -or $vm.LowMmio -ne [uint64]$dv.LowMmio -or $vm.HighMmio -ne [uint64]$dv.HighMmio) {
            $changes.Add((Get-VgpucChangeItem -Kind 'set-mmio' -Action ('set guest-controlled cache types on, MMIO low {0} MB high {1} MB (was {2}, {3} MB, {4} MB)' -f ([uint64]$dv.LowMmio / 1MB), ([uint64]$dv.HighMmio / 1MB), $vm.CacheTypes, ($vm.LowMmio / 1MB), ($vm.HighMmio / 1MB)) -ArgumentList @($vm.Object, [uint64]$dv.LowMmio, [uint64]$dv.HighMmio)))
        }
        $static = $dda -and $vm.Dynamic
        $memory = [uint64]$dv.MemoryBytes -gt 0 -and $vm.MemoryStartup -ne [uint64]$dv.MemoryBytes
        if ($static -or $memory) {
            $what = @()
            if ($static) {
                $what += 'static memory (DDA)'
            }
            if ($memory) {
                $what += ('startup memory {0} MB (was {1} MB)' -f ([uint64]$dv.MemoryBytes / 1MB), ($vm.MemoryStartup / 1MB))
            }
            $changes.Add((Get-VgpucChangeItem -Kind 'set-memory' -Action ('set ' + ($what -join ', ')) -ArgumentList @($vm.Object, $static, [uint64]$dv.MemoryBytes)))
        }
        if ($dda -and $vm.StopAction -ne 'TurnOff') {
            $changes.Add((Get-VgpucChangeItem -Kind 'set-stop-action' -Action ('set AutomaticStopAction TurnOff (DDA; was {0})' -f $vm.StopAction) -ArgumentList @($vm.Object)))
        }
        # The declared GPUs in.
        if ($null -ne $arcGpus) {
            if ($need -gt 0) {
                $kind = 'GpuP'
                if ($dda) {
                    $kind = 'GpuDDA'
                    $free = $freeDda[$vm.Host]
                    for ($k = 0; $k -lt $need; $k++) {
                        if ($null -eq $free -or $free.Count -eq 0) {
                            Add-VgpucProblem -Run $Run -Text ('VM {0}: no free {1} GPU left for DDA on {2}' -f $vm.Name, $dv.Model, $vm.Host)
                            break
                        }
                        $free.RemoveAt(0)
                    }
                }
                $changes.Add((Get-VgpucChangeItem -Kind 'arc-attach' -Action ('attach {0} {1} GPU(s) with az stack-hci-vm gpu attach' -f $need, $kind) -ArgumentList @($arc.ResourceGroup, $vm.Name, $kind, $need)))
            }
        } elseif ($dda -and $need -gt 0) {
            if ($usePool) {
                if (-not $poolNeed.ContainsKey($vm.Host)) {
                    $poolNeed[$vm.Host] = 0
                }
                $poolNeed[$vm.Host] += $need
                for ($k = 0; $k -lt $need; $k++) {
                    $changes.Add((Get-VgpucChangeItem -Kind 'add-device-pool' -Action ('assign one {0} GPU from the GPU pool {1}' -f $dv.Model, $pool) -ArgumentList @($vm.Object, $pool)))
                }
            } else {
                $free = $freeDda[$vm.Host]
                for ($k = 0; $k -lt $need; $k++) {
                    if ($null -eq $free -or $free.Count -eq 0) {
                        Add-VgpucProblem -Run $Run -Text ('VM {0}: no free {1} GPU left for DDA on {2}' -f $vm.Name, $dv.Model, $vm.Host)
                        break
                    }
                    $lp = $free[0]
                    $free.RemoveAt(0)
                    $changes.Add((Get-VgpucChangeItem -Kind 'add-device' -Action ('assign DDA GPU {0} ({1})' -f $lp, $dv.Model) -ArgumentList @($vm.Object, $lp)))
                }
            }
        } elseif (-not $dda) {
            for ($k = 0; $k -lt $need; $k++) {
                $changes.Add((Get-VgpucChangeItem -Kind 'add-adapter' -Action 'add a GPU partition adapter' -ArgumentList @($vm.Object)))
            }
        }
        if ($dv.Live) {
            foreach ($a in @($vm.Adapters)) {
                $lm = Get-VgpucProperty -InputObject $a -Name 'SupportsOutgoingLiveMigration' -Default $null
                if ($null -ne $lm -and -not [bool]$lm) {
                    Write-Warning ('VM {0}: its GPU partition does not support outgoing live migration (SupportsOutgoingLiveMigration is false)' -f (Format-VgpucText -Text $vm.Name))
                }
            }
        }
        # Cluster: OfflineAction before any device is attached, owners, and a refresh after a change.
        if ($Declared.Clustered) {
            $role = Read-VgpucHyperVClusterRole -VmState $vm
            $vm.Cluster = $role
            if ($null -eq $role) {
                Add-VgpucProblem -Run $Run -Text ('VM {0} is not a clustered role; add it with Add-ClusterVirtualMachineRole first' -f $vm.Name)
            } else {
                if ($role.OfflineAction -ne 3) {
                    $before.Add((Get-VgpucChangeItem -Kind 'offline-action' -Action ('set the cluster OfflineAction to 3, force shutdown instead of save (was {0})' -f $role.OfflineAction) -ArgumentList @($role.Resource)))
                }
                $want = @($dv.Owners | Sort-Object)
                $have = @($role.Possible | Sort-Object)
                if (($want -join "`n").ToUpperInvariant() -ne ($have -join "`n").ToUpperInvariant()) {
                    $before.Add((Get-VgpucChangeItem -Kind 'possible-owners' -Action ('set the possible owners to {0} (were {1})' -f (@($dv.Owners) -join ', '), ($have -join ', ')) -ArgumentList @($role.ResourceName, [string[]]@($dv.Owners), $vm.Host)))
                }
                # Preferred owners: the declared spread; with a single possible
                # owner, that host, when a preferred owner outside it is set.
                $pref = @($dv.Preferred)
                if ($pref.Count -eq 0) {
                    foreach ($p in @($role.Preferred)) {
                        if (-not (Test-VgpucNameInList -Name $p -List $dv.Owners)) {
                            $pref = @($dv.Owners)
                        }
                    }
                }
                if ($pref.Count -gt 0 -and ((@($pref) -join "`n").ToUpperInvariant() -ne (@($role.Preferred) -join "`n").ToUpperInvariant())) {
                    $were = 'none were set'
                    if (@($role.Preferred).Count -gt 0) {
                        $were = 'were ' + (@($role.Preferred) -join ', ')
                    }
                    $before.Add((Get-VgpucChangeItem -Kind 'preferred-owners' -Action ('set the preferred owners to {0} ({1})' -f (@($pref) -join ', '), $were) -ArgumentList @($role.GroupName, [string[]]$pref, $vm.Host)))
                }
                if ($changes.Count -gt 0) {
                    $changes.Add((Get-VgpucChangeItem -Kind 'update-cluster' -Action 'refresh its clustered configuration (Update-ClusterVirtualMachineConfiguration)' -ArgumentList @($vm.Id, $vm.Host)))
                }
            }
        }
        if ($changes.Count -gt 0 -and $vm.State -ne 'Off' -and $vm.State -ne 'Running') {
            Add-VgpucProblem -Run $Run -Text ('VM {0} is {1}: it must be Off or Running to be changed (a saved or paused VM is not resumed by this script)' -f $vm.Name, $vm.State)
        }
        # VMs that only give GPUs up go first (before partition counts change
        # and before other VMs need what they free); VMs that gain a GPU
        # partition go after the partition counts are set.
        $order = 2
        $gains = @($changes | Where-Object { $_.Kind -eq 'add-adapter' -or ($_.Kind -eq 'arc-attach' -and $_.ArgumentList[2] -eq 'GpuP') }).Count
        if ($removes -gt 0 -and $gains -eq 0) {
            $order = 1
        }
        if ($before.Count -gt 0 -or $changes.Count -gt 0) {
            $vmWork.Add([pscustomobject]@{ Vm = $vm; Before = $before.ToArray(); Changes = $changes.ToArray(); InScope = $inScope; Order = $order })
        } else {
            $right.Add($vm.Name)
        }
    }

    # --- Capacity ---
    foreach ($h in $Declared.Hosts) {
        if ($usePool -and $poolNeed.ContainsKey($h.Name)) {
            $inUse = 0
            foreach ($vm in $allVms) {
                if ((Test-VgpucName -Name $vm.Host -Other $h.Name)) {
                    $inUse += @($vm.Devices | Where-Object { Test-VgpucName -Name $_.Pool -Other $pool }).Count
                }
            }
            $have = [int]$poolFree[$h.Name] - $inUse
            if ($poolNeed[$h.Name] -gt $have) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: DDA VMs there need {1} more GPU(s) from the pool {2}, which has {3} free' -f $h.Name, $poolNeed[$h.Name], $pool, [Math]::Max(0, $have))
            }
        }
        if ($partitionNeed.ContainsKey($h.Name) -and $null -ne $inventory[$h.Name]) {
            $isDda = @{}
            foreach ($lp in @($ddaPaths[$h.Name])) {
                $isDda[$lp] = $true
            }
            $gpus = @($inventory[$h.Name].Gpus | Where-Object { -not $isDda.ContainsKey($_.LocationPath) -and ($null -ne $_.Partitionable -or -not $_.Dismounted) })
            $capacity = $gpus.Count * [int]$Declared.PartitionCount
            $used = $partitionNeed[$h.Name]
            if (-not $RemoveUndeclared) {
                # An undeclared VM holds partitions only while it runs (Hyper-V
                # resolves a partition when the VM starts).
                foreach ($u in $undeclared) {
                    if ($u.State -eq 'Running' -and (Test-VgpucName -Name $u.Host -Other $h.Name)) {
                        $used += @($u.Adapters).Count
                    }
                }
            }
            if ($used -gt $capacity) {
                Add-VgpucProblem -Run $Run -Text ('host {0}: {1} GPU partition(s) are needed, {2} GPU(s) x {3} partitions give {4}' -f $h.Name, $used, $gpus.Count, $Declared.PartitionCount, $capacity)
            }
        }
    }

    # --- The plan, in the order it is applied, as printed ---
    foreach ($s in $hostSteps) {
        Add-VgpucPlanItem -Run $Run -Target $s.Host -Action $s.Action -InScope $s.InScope
    }
    $ordered = @($vmWork | Sort-Object -Property @{ Expression = { $_.Order } }, @{ Expression = { $_.Vm.Name } })
    $releasing = @($ordered | Where-Object { $_.Order -lt 2 })
    $gaining = @($ordered | Where-Object { $_.Order -ge 2 })
    foreach ($w in $releasing + @($countSteps) + $gaining) {
        if ($null -ne $w.PSObject.Properties['Kind']) {
            Add-VgpucPlanItem -Run $Run -Target $w.Host -Action $w.Action -InScope $w.InScope
            continue
        }
        foreach ($c in @($w.Before) + @($w.Changes)) {
            Add-VgpucPlanItem -Run $Run -Target $w.Vm.Name -Action $c.Action -InScope $w.InScope
        }
        if (@($w.Changes).Count -gt 0 -and $w.Vm.State -eq 'Running') {
            Add-VgpucPlanItem -Run $Run -Target $w.Vm.Name -Action 'shut down first and start again after (it is running)' -InScope $w.InScope
        }
    }
    foreach ($s in $lateSteps) {
        Add-VgpucPlanItem -Run $Run -Target $s.Host -Action $s.Action -InScope $s.InScope
    }
    [pscustomobject]@{
        Right      = $right.ToArray()
        HostSteps  = $hostSteps.ToArray()
        Releasing  = $releasing
        CountSteps = $countSteps.ToArray()
        VmWork     = $gaining
        LateSteps = $lateSteps.ToArray()
        Timeout   = $ShutdownTimeoutSeconds
    }
}

function Get-VgpucChangeItem {
    <# One planned change of a VM: what it does, its commands and the values
       they need (it only describes the change; Invoke-VgpucChange makes it). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Kind,
        [Parameter(Mandatory)] [string]$Action,
        [AllowEmptyCollection()] [object[]]$ArgumentList = @()
    )
    [pscustomobject]@{ Kind = $Kind; Action = $Action; ArgumentList = $ArgumentList; ScriptBlock = (Get-VgpucHyperVChangeScript -Kind $Kind) }
}

function Get-VgpucHyperVChangeScript {
    <# The commands of each kind of change; each takes its values as parameters. #>
    [CmdletBinding()]
    [OutputType([scriptblock])]
    param(
        [Parameter(Mandatory)] [string]$Kind
    )
    switch ($Kind) {
        'remove-adapter' {
            return { param($Vm, [string]$AdapterId) Remove-VMGpuPartitionAdapter -VM $Vm -AdapterId $AdapterId -Confirm:$false }
        }
        'remove-device' {
            return { param($Device) Remove-VMAssignableDevice -VMAssignableDevice $Device -Confirm:$false }
        }
        'set-mmio' {
            return { param($Vm, [uint64]$Low, [uint64]$High) Set-VM -VM $Vm -GuestControlledCacheTypes $true -LowMemoryMappedIoSpace $Low -HighMemoryMappedIoSpace $High -Confirm:$false }
        }
        'set-memory' {
            return {
                param($Vm, [bool]$Static, [uint64]$Bytes)
                if ($Static -and $Bytes -gt 0) {
                    Set-VM -VM $Vm -StaticMemory -MemoryStartupBytes $Bytes -Confirm:$false
                } elseif ($Static) {
                    Set-VM -VM $Vm -StaticMemory -Confirm:$false
                } else {
                    Set-VM -VM $Vm -MemoryStartupBytes $Bytes -Confirm:$false
                }
            }
        }
        'set-stop-action' {
            return { param($Vm) Set-VM -VM $Vm -AutomaticStopAction 'TurnOff' -Confirm:$false }
        }
        'add-adapter' {
            return { param($Vm) Add-VMGpuPartitionAdapter -VM $Vm -Confirm:$false }
        }
        'add-device' {
            return { param($Vm, [string]$LocationPath) Add-VMAssignableDevice -VM $Vm -LocationPath $LocationPath -Confirm:$false }
        }
        'add-device-pool' {
            return { param($Vm, [string]$Pool) Add-VMAssignableDevice -VM $Vm -ResourcePoolName $Pool -Confirm:$false }
        }
        'offline-action' {
            return { param($Resource) Set-ClusterParameter -InputObject $Resource -Name 'OfflineAction' -Value 3 }
        }
        'possible-owners' {
            return { param([string]$ResourceName, [string[]]$Owners, [string]$Node) Set-ClusterOwnerNode -Resource $ResourceName -Owners $Owners -Cluster $Node }
        }
        'preferred-owners' {
            return { param([string]$GroupName, [string[]]$Owners, [string]$Node) Set-ClusterOwnerNode -Group $GroupName -Owners $Owners -Cluster $Node }
        }
        'update-cluster' {
            return { param($VMId, [string]$Node) Update-ClusterVirtualMachineConfiguration -VMId $VMId -Cluster $Node }
        }
        'arc-attach' {
            return {
                param([string]$ResourceGroup, [string]$VmName, [string]$Kind, [int]$Count)
                $flag = '--gpu-p-count'
                if ($Kind -eq 'GpuDDA') {
                    $flag = '--gpu-dda-count'
                }
                Invoke-VgpucAz -ArgumentList @('stack-hci-vm', 'gpu', 'attach', '--resource-group', $ResourceGroup, '--vm-name', $VmName, $flag, [string]$Count, '--yes')
            }
        }
        'arc-detach' {
            return {
                param([string]$ResourceGroup, [string]$VmName, [string]$Kind, [int]$Count)
                $flag = '--gpu-p-count'
                if ($Kind -eq 'GpuDDA') {
                    $flag = '--gpu-dda-count'
                }
                Invoke-VgpucAz -ArgumentList @('stack-hci-vm', 'gpu', 'detach', '--resource-group', $ResourceGroup, '--vm-name', $VmName, $flag, [string]$Count, '--yes')
            }
        }
    }
    throw ('unknown change kind {0}' -f $Kind)
}

function Get-VgpucHyperVHostScript {
    <# The host-side commands of each kind of host step, run on the node. #>
    [CmdletBinding()]
    [OutputType([scriptblock])]
    param(
        [Parameter(Mandatory)] [string]$Kind
    )
    switch ($Kind) {
        'pool-create' {
            return { param([string]$Pool) New-VMResourcePool -Name $Pool -ResourcePoolType 'PciExpress' -Confirm:$false }
        }
        'disable' {
            return { param([string]$InstanceId) Disable-PnpDevice -InstanceId $InstanceId -Confirm:$false }
        }
        'dismount' {
            return {
                param([string]$LocationPath, [bool]$Force)
                if ($Force) {
                    Dismount-VMHostAssignableDevice -LocationPath $LocationPath -Force -Confirm:$false
                } else {
                    Dismount-VMHostAssignableDevice -LocationPath $LocationPath -Confirm:$false
                }
            }
        }
        'pool-add' {
            return { param([string]$LocationPath, [string]$Pool) Add-VMHostAssignableDevice -LocationPath $LocationPath -ResourcePoolName $Pool }
        }
        'partition-count' {
            return { param([string]$Name, [uint16]$Count) Set-VMHostPartitionableGpu -Name $Name -PartitionCount $Count }
        }
        'mount-back' {
            return {
                param([string]$LocationPath, [bool]$InPool, [string]$Pool, [bool]$Dismounted, [int]$Count, [bool]$Partition)
                $ErrorActionPreference = 'Stop'
                if ($InPool) {
                    Remove-VMHostAssignableDevice -LocationPath $LocationPath -ResourcePoolName $Pool -Confirm:$false
                }
                if ($Dismounted) {
                    Mount-VMHostAssignableDevice -LocationPath $LocationPath -Confirm:$false
                }
                foreach ($d in @(Get-PnpDevice -PresentOnly)) {
                    if ([string]$d.InstanceId -notlike 'PCI\VEN_*') {
                        continue
                    }
                    $paths = @(Get-PnpDeviceProperty -InstanceId ([string]$d.InstanceId) -KeyName 'DEVPKEY_Device_LocationPaths' | ForEach-Object { $_.Data })
                    if ($paths -notcontains $LocationPath) {
                        continue
                    }
                    $code = 0
                    $p = $d.PSObject.Properties['ConfigManagerErrorCode']
                    if ($null -ne $p -and $null -ne $p.Value) {
                        $code = [int]$p.Value
                    }
                    $p = $d.PSObject.Properties['Problem']
                    if ($null -ne $p -and [string]$p.Value -eq 'CM_PROB_DISABLED') {
                        $code = 22
                    }
                    if ($code -eq 22) {
                        Enable-PnpDevice -InstanceId ([string]$d.InstanceId) -Confirm:$false
                    }
                    if ($Partition -and $Count -gt 0) {
                        foreach ($g in @(Get-VMHostPartitionableGpu)) {
                            $n = [string]$g.Name
                            if ($n.StartsWith('\\?\')) {
                                $n = $n.Substring(4)
                            }
                            $cut = $n.IndexOf('#{')
                            if ($cut -ge 0) {
                                $n = $n.Substring(0, $cut)
                            }
                            if ([string]::Equals($n.Replace('#', '\'), [string]$d.InstanceId, [System.StringComparison]::OrdinalIgnoreCase) -and [int]$g.PartitionCount -ne $Count) {
                                Set-VMHostPartitionableGpu -Name ([string]$g.Name) -PartitionCount ([uint16]$Count)
                            }
                        }
                    }
                }
            }
        }
    }
    throw ('unknown host step {0}' -f $Kind)
}

function Invoke-VgpucHyperVHostStep {
    <# One host step, run on the node through Invoke-Command; a failure is
       recorded and the run goes on. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Step,
        # Host steps that failed: "host|location path", "host|" (pool), and
        # "host:dda" / "host:gpup" for the VMs that need that preparation.
        [Parameter(Mandatory)] [hashtable]$FailedHosts
    )
    if (-not $Step.InScope) {
        Add-VgpucResult -Run $Run -Target $Step.Host -Step $Step.Action -Status 'out of scope'
        return
    }
    # After a failed step, the later steps of the same GPU (or, after a pool
    # failed to be created, of the pool) would fail too: they are skipped.
    $key = '{0}|{1}' -f $Step.Host, $Step.Gpu
    if ($FailedHosts.ContainsKey($key) -or ($Step.Kind -eq 'pool-add' -and $FailedHosts.ContainsKey(('{0}|' -f $Step.Host)))) {
        Add-VgpucResult -Run $Run -Target $Step.Host -Step $Step.Action -Status 'skipped' -Message 'an earlier step of this GPU failed'
        return
    }
    $remote = Get-VgpucHyperVHostScript -Kind $Step.Kind
    $local = {
        param([string]$Node, [scriptblock]$Remote, [object[]]$Values)
        Invoke-Command -ComputerName $Node -ScriptBlock $Remote -ArgumentList $Values
    }
    try {
        $null = Invoke-VgpucChange -Run $Run -Target $Step.Host -Action $Step.Action -ScriptBlock $local -ArgumentList @($Step.Host, $remote, $Step.Args)
    } catch {
        $FailedHosts[$key] = $true
        $what = 'dda'
        if ($Step.Kind -eq 'partition-count') {
            $what = 'gpup'
        }
        $FailedHosts[('{0}:{1}' -f $Step.Host, $what)] = $true
    }
}

function Invoke-VgpucHyperVVmWork {
    <# One VM: cluster settings that need no power change, then its
       transaction (shut down, change, start again if it was running). #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Work,
        [Parameter(Mandatory)] [int]$ShutdownTimeoutSeconds,
        [AllowNull()] [object]$Arc = $null
    )
    $vm = $Work.Vm
    if (-not $Work.InScope) {
        foreach ($c in @($Work.Before) + @($Work.Changes)) {
            Add-VgpucResult -Run $Run -Target $vm.Name -Step $c.Action -Status 'out of scope'
        }
        return
    }
    try {
        foreach ($c in @($Work.Before)) {
            $null = Invoke-VgpucChange -Run $Run -Target $vm.Name -Action $c.Action -ScriptBlock $c.ScriptBlock -ArgumentList $c.ArgumentList
        }
    } catch {
        Add-VgpucResult -Run $Run -Target $vm.Name -Step 'GPU changes' -Status 'skipped' -Message 'a cluster setting before them failed'
        return
    }
    if (@($Work.Changes).Count -eq 0) {
        return
    }
    $running = $vm.State -eq 'Running'
    if ($running -and -not (Test-VgpucShutdownService -Vm $vm.Object)) {
        Add-VgpucResult -Run $Run -Target $vm.Name -Step 'shut down the guest' -Status 'failed' -Message 'the VM has no working shutdown integration service; it is never turned off, so it was skipped: shut it down, then run again'
        Write-Warning ('{0}: skipped, it cannot be shut down (no shutdown integration service) and is never turned off' -f (Format-VgpucText -Text $vm.Name))
        return
    }
    $stop = {
        param($Vm, [int]$TimeoutSeconds)
        $job = Stop-VM -VM $Vm -AsJob -Confirm:$false
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $now = Get-VM -Id $Vm.Id -ComputerName $Vm.ComputerName
            if ([string]$now.State -eq 'Off') {
                break
            }
            if ($null -ne $job -and $null -ne $job.PSObject.Properties['State'] -and [string]$job.State -eq 'Failed') {
                throw 'the shutdown failed'
            }
            if ([DateTime]::UtcNow -gt $deadline) {
                throw ('the guest did not shut down within {0} seconds; it was not turned off' -f $TimeoutSeconds)
            }
            Start-Sleep -Seconds 2
        }
    }
    $start = {
        param($Vm, [int]$TimeoutSeconds)
        Start-VM -VM $Vm -Confirm:$false
    }
    $powerArgs = @($vm.Object, $ShutdownTimeoutSeconds)
    if ($null -ne $Arc) {
        # Azure Local VMs enabled by Arc are stopped and started through Azure.
        $stop = {
            param([string]$ResourceGroup, [string]$VmName)
            Invoke-VgpucAz -ArgumentList @('stack-hci-vm', 'stop', '--name', $VmName, '--resource-group', $ResourceGroup)
        }
        $start = {
            param([string]$ResourceGroup, [string]$VmName)
            Invoke-VgpucAz -ArgumentList @('stack-hci-vm', 'start', '--name', $VmName, '--resource-group', $ResourceGroup)
        }
        $powerArgs = @($Arc.ResourceGroup, $vm.Name)
    }
    $null = Invoke-VgpucTransaction -Run $Run -Target $vm.Name -WasRunning $running -StopScript $stop -StartScript $start `
        -PowerArgumentList $powerArgs -Changes $Work.Changes
}

function Invoke-VgpucHyperV {
    <# The entry of a Hyper-V family script: pre-flight, plan, changes, summary.
       Returns the exit code: 0 done, 1 refused by the pre-flight or a step failed. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)] [object]$Declared,
        [AllowEmptyCollection()] [AllowNull()] [string[]]$VMName = @(),
        [AllowEmptyCollection()] [AllowNull()] [string[]]$HostName = @(),
        [switch]$RemoveUndeclared,
        [int]$ShutdownTimeoutSeconds = 600,
        [AllowEmptyString()] [AllowNull()] [string]$LogPath = ''
    )
    $run = Initialize-VgpucRun -Target 'hyperv' -Cluster $Declared.Cluster -LogPath $LogPath
    $code = 1
    try {
        Write-Host ('vgpuc: reconciling {0} ({1}); reading every host and VM' -f (Format-VgpucText -Text $Declared.Cluster), $Declared.Platform)
        foreach ($n in @($VMName) + @($HostName)) {
            if ($null -ne $n -and [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($n)) {
                Write-Host ('note: {0} is matched as an exact name, not as a wildcard pattern' -f (Format-VgpucText -Text $n))
            }
        }
        $plan = Get-VgpucHyperVPlan -Run $run -Declared $Declared -VMName $VMName -HostName $HostName `
            -RemoveUndeclared:$RemoveUndeclared -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
        Write-VgpucPlan -Run $run
        if ($run.Problems.Count -gt 0) {
            Write-VgpucProblems -Run $run
            $run.Outcome = 'refused'
        } else {
            Write-Host 'Pre-flight passed.'
            $failedHosts = @{}
            foreach ($n in $plan.Right) {
                Add-VgpucResult -Run $run -Target $n -Step 'GPU, settings and cluster role' -Status 'already right'
            }
            foreach ($s in $plan.HostSteps) {
                Invoke-VgpucHyperVHostStep -Run $run -Step $s -FailedHosts $failedHosts
            }
            foreach ($w in @($plan.Releasing) + @('partition counts') + @($plan.VmWork)) {
                if ($w -is [string]) {
                    foreach ($s in $plan.CountSteps) {
                        Invoke-VgpucHyperVHostStep -Run $run -Step $s -FailedHosts $failedHosts
                    }
                    continue
                }
                $vmArc = $null
                if ($null -ne $w.Vm.Declared) {
                    $vmArc = $Declared.Arc
                }
                $needs = @()
                foreach ($c in @($w.Changes)) {
                    if ($c.Kind -eq 'add-adapter' -or ($c.Kind -eq 'arc-attach' -and $c.ArgumentList[2] -eq 'GpuP')) {
                        $needs += 'gpup'
                    } elseif ($c.Kind -like 'add-device*' -or $c.Kind -eq 'arc-attach') {
                        $needs += 'dda'
                    }
                }
                $blocked = @($needs | Where-Object { $failedHosts.ContainsKey(('{0}:{1}' -f $w.Vm.Host, $_)) }).Count -gt 0
                if ($blocked) {
                    Add-VgpucResult -Run $run -Target $w.Vm.Name -Step 'change the VM' -Status 'skipped' -Message ('the preparation of its host {0} failed; the VM was left as it was' -f $w.Vm.Host)
                    continue
                }
                try {
                    Invoke-VgpucHyperVVmWork -Run $run -Work $w -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -Arc $vmArc
                } catch {
                    Add-VgpucResult -Run $run -Target $w.Vm.Name -Step 'change the VM' -Status 'failed' -Message $_.Exception.Message
                }
            }
            foreach ($s in $plan.LateSteps) {
                Invoke-VgpucHyperVHostStep -Run $run -Step $s -FailedHosts $failedHosts
            }
        }
    } catch {
        Add-VgpucResult -Run $run -Target $Declared.Cluster -Step 'run' -Status 'failed' -Message $_.Exception.Message
        Write-Warning ('the run stopped: {0}' -f (Format-VgpucText -Text $_.Exception.Message))
    } finally {
        $code = Complete-VgpucRun -Run $run
    }
    $code
}
