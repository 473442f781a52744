<#
.SYNOPSIS
    vgpuc inventory (Hyper-V family): read what a cluster or standalone host runs
    and write it as one vgpuc inventory JSON document (docs/adopt.md). Read only.
.DESCRIPTION
    Written by `vgpuc inventory --target hyperv`. For every node (the cluster's,
    or the hosts named by -ComputerName) it reads, through Invoke-Command on the
    node: the NVIDIA display devices that are present (driverless ones
    included), their location paths, the partitionable GPUs and their partition
    counts, the dismounted (assignable) devices and the PciExpress pools, and
    the driver that nvidia-smi.exe reports. Then every VM that holds a GPU
    partition adapter or an assigned device: settings, MMIO, power state and,
    on a cluster, its possible and preferred owners. It calls only Get-*
    commands and nvidia-smi.exe; nothing is changed. GPU models are left to
    `vgpuc import`, which maps the PCI ids through the catalog.
    With -GuestCredential, each running VM's NVIDIA guest driver is read inside
    the guest (nvidia-smi.exe, through PowerShell Direct from its node:
    Invoke-Command -VMName -Credential); a guest that cannot be read gets the
    reason instead. Still read only.
    Must stay valid Windows PowerShell 5.1.
.EXAMPLE
    .\inventory-hyperv.ps1 -Cluster hci-prod -Path .\hci-prod.inventory.json
.EXAMPLE
    .\inventory-hyperv.ps1 -Cluster hci-prod -Path .\hci-prod.inventory.json -GuestCredential (Get-Credential)
#>
#Requires -Version 5.1
[CmdletBinding(DefaultParameterSetName = 'Cluster')]
param(
    [Parameter(Mandatory, ParameterSetName = 'Cluster')] [string]$Cluster,
    [Parameter(Mandatory, ParameterSetName = 'Hosts')] [string[]]$ComputerName,
    [Parameter(Mandatory)] [string]$Path,
    [System.Management.Automation.PSCredential]$GuestCredential = [System.Management.Automation.PSCredential]::Empty
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:InventoryVersion = 1

function Get-VgpucInvProperty {
    <# A property of an object, or the default when it has none. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [AllowNull()] [object]$InputObject,
        [Parameter(Mandatory)] [string]$Name,
        [AllowNull()] [object]$Default = $null
    )
    if ($null -eq $InputObject) {
        return $Default
    }
    $p = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $p -or $null -eq $p.Value) {
        return $Default
    }
    $p.Value
}

function Read-VgpucInvHost {
    <# One node, read on the node: NVIDIA display devices, partitionable GPUs,
       dismounted devices, PciExpress pools, the NVIDIA driver version. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Name
    )
    $reader = {
        Set-StrictMode -Version Latest
        $ErrorActionPreference = 'Stop'
        $idPattern = '^PCIP?\\VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})(&SUBSYS_([0-9A-Fa-f]{8}))?'
        $gpus = [System.Collections.Generic.List[object]]::new()
        foreach ($d in @(Get-PnpDevice -PresentOnly)) {
            $id = [string]$d.InstanceId
            if ($id -notmatch $idPattern -or $Matches[1].ToUpperInvariant() -ne '10DE') {
                continue
            }
            $device = $Matches[2].ToUpperInvariant()
            $subsys = $null
            if ($Matches[4]) {
                $subsys = $Matches[4].ToUpperInvariant()
            }
            $class = ''
            $p = $d.PSObject.Properties['Class']
            if ($null -ne $p -and $null -ne $p.Value) {
                $class = [string]$p.Value
            }
            if ($class -ne '' -and $class -ne 'Display') {
                continue
            }
            $lp = $null
            $prop = Get-PnpDeviceProperty -InstanceId $id -KeyName 'DEVPKEY_Device_LocationPaths'
            foreach ($v in @($prop | ForEach-Object { $_.Data })) {
                if ([string]$v -like 'PCIROOT*') {
                    $lp = [string]$v
                    break
                }
            }
            $gpus.Add([ordered]@{
                    instance_id   = $id
                    location_path = $lp
                    vendor_id     = '10DE'
                    device_id     = $device
                    subsystem_id  = $subsys
                    friendly_name = [string]$d.FriendlyName
                    status        = [string]$d.Status
                })
        }
        $partitionable = @()
        if (Get-Command -Name 'Get-VMHostPartitionableGpu' -ErrorAction SilentlyContinue) {
            $partitionable = @(Get-VMHostPartitionableGpu | ForEach-Object {
                    [ordered]@{
                        name                   = [string]$_.Name
                        partition_count        = [int]$_.PartitionCount
                        valid_partition_counts = @($_.ValidPartitionCounts | ForEach-Object { [int]$_ })
                    }
                })
        }
        # A dismounted device may be absent from PnP: its InstanceID (PCIP\VEN_..&DEV_..&SUBSYS_..)
        # still names its PCI id and subsystem, as hyperv.ps1 reads it.
        $dismounted = @(Get-VMHostAssignableDevice | ForEach-Object {
                $iid = ''
                foreach ($n in @('InstanceID', 'InstancePath')) {
                    $p = $_.PSObject.Properties[$n]
                    if ($null -ne $p -and $null -ne $p.Value -and $iid -eq '') {
                        $iid = [string]$p.Value
                    }
                }
                [ordered]@{ location_path = [string]$_.LocationPath; instance_id = $iid; pool = $null }
            })
        $pools = @()
        foreach ($rp in @(Get-VMResourcePool -ResourcePoolType 'PciExpress')) {
            $members = @(Get-VMHostAssignableDevice -ResourcePoolName ([string]$rp.Name) | ForEach-Object { [string]$_.LocationPath })
            $pools += , ([ordered]@{ name = [string]$rp.Name; location_paths = $members })
        }
        $driver = $null
        if (Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue) {
            $ErrorActionPreference = 'Continue'
            $lines = @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader' 2>&1)
            $code = [int]$LASTEXITCODE
            $ErrorActionPreference = 'Stop'
            if ($code -eq 0) {
                foreach ($l in $lines) {
                    if ([string]$l -match '\S') {
                        $driver = ([string]$l).Trim()
                        break
                    }
                }
            }
        }
        $build = $null
        if (Get-Command -Name 'Get-CimInstance' -ErrorAction SilentlyContinue) {
            $build = [string](Get-CimInstance -ClassName 'Win32_OperatingSystem').BuildNumber
        }
        [ordered]@{
            os_build      = $build
            nvidia_driver = $driver
            gpus          = $gpus.ToArray()
            partitionable = $partitionable
            dismounted    = $dismounted
            pools         = $pools
        }
    }
    try {
        $st = Invoke-Command -ComputerName $Name -ScriptBlock $reader
    } catch {
        return [ordered]@{ name = $Name; reachable = $false; error = $_.Exception.Message }
    }
    $pooled = @{}
    foreach ($pool in @($st['pools'])) {
        foreach ($lp in @($pool['location_paths'])) {
            $pooled[[string]$lp] = [string]$pool['name']
        }
    }
    $byInstance = @{}
    foreach ($p in @($st['partitionable'])) {
        # \\?\PCI#VEN_...#4&...#{guid} is the PnP instance PCI\VEN_...\4&...
        $s = [string]$p['name']
        if ($s.StartsWith('\\?\')) {
            $s = $s.Substring(4)
        }
        $cut = $s.IndexOf('#{')
        if ($cut -ge 0) {
            $s = $s.Substring(0, $cut)
        }
        $byInstance[$s.Replace('#', '\').ToUpperInvariant()] = $p
    }
    $gpus = @()
    $seen = @{}
    foreach ($g in @($st['gpus'])) {
        $p = $byInstance[([string]$g['instance_id']).ToUpperInvariant()]
        $g['mode'] = 'host'
        $g['partition_count'] = $null
        $g['valid_partition_counts'] = @()
        if ($null -ne $p) {
            $g['mode'] = 'partitionable'
            $g['partition_count'] = $p['partition_count']
            $g['valid_partition_counts'] = $p['valid_partition_counts']
        }
        $g['pool'] = $null
        $g['assigned_to'] = $null
        if ($null -ne $g['location_path']) {
            $seen[[string]$g['location_path']] = $true
        }
        $gpus += , $g
    }
    foreach ($d in @($st['dismounted'])) {
        $lp = [string]$d['location_path']
        $pool = $null
        if ($pooled.ContainsKey($lp)) {
            $pool = $pooled[$lp]
        }
        if ($seen.ContainsKey($lp)) {
            foreach ($g in $gpus) {
                if ([string]$g['location_path'] -eq $lp) {
                    $g['mode'] = 'dismounted'
                    $g['pool'] = $pool
                }
            }
            continue
        }
        $seen[$lp] = $true
        $ven = $null; $dev = $null; $sub = $null; $iid = $null
        if ([string]$d['instance_id'] -match '^PCIP?\\VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})(&SUBSYS_([0-9A-Fa-f]{8}))?') {
            $iid = [string]$d['instance_id']
            $ven = $Matches[1].ToUpperInvariant()
            $dev = $Matches[2].ToUpperInvariant()
            if ($Matches[4]) {
                $sub = $Matches[4].ToUpperInvariant()
            }
        }
        $gpus += , ([ordered]@{
                instance_id = $iid; location_path = $lp; vendor_id = $ven; device_id = $dev; subsystem_id = $sub
                friendly_name = $null; status = $null; mode = 'dismounted'; partition_count = $null
                valid_partition_counts = @(); pool = $pool; assigned_to = $null
            })
    }
    [ordered]@{
        name          = $Name
        reachable     = $true
        error         = $null
        os_build      = $st['os_build']
        nvidia_driver = $st['nvidia_driver']
        gpus          = $gpus
        pools         = @($st['pools'])
        vms           = @()
    }
}

function Read-VgpucInvGuestDriver {
    <# A running VM's NVIDIA guest driver (nvidia-smi.exe in the guest, through
       PowerShell Direct from its node): os, driver, error. PowerShell Direct
       reaches Windows guests only, so a guest read is a Windows guest. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Vm,
        [Parameter(Mandatory)] [System.Management.Automation.PSCredential]$Credential
    )
    if ([string]$Vm.State -ne 'Running') {
        return [ordered]@{ os = $null; driver = $null; error = ('the VM is {0}; the driver is read inside a running guest' -f $Vm.State) }
    }
    try {
        $r = Invoke-Command -ComputerName ([string]$Vm.ComputerName) -ErrorAction Stop -ArgumentList @([string]$Vm.Name, $Credential) -ScriptBlock {
            param([string]$V, [System.Management.Automation.PSCredential]$C)
            Invoke-Command -VMName $V -Credential $C -ErrorAction Stop -ScriptBlock {
                Set-StrictMode -Version Latest
                $ErrorActionPreference = 'Stop'
                if (-not (Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue)) {
                    return [pscustomobject]@{ Driver = ''; Error = 'nvidia-smi.exe is missing in the guest (no NVIDIA guest driver)' }
                }
                $ErrorActionPreference = 'Continue'
                $lines = @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader' 2>&1)
                $code = [int]$LASTEXITCODE
                $ErrorActionPreference = 'Stop'
                $versions = @($lines | ForEach-Object { ([string]$_).Trim() } | Where-Object { $_ -ne '' } | Sort-Object -Unique)
                if ($code -ne 0 -or $versions.Count -ne 1) {
                    return [pscustomobject]@{ Driver = ''; Error = ('nvidia-smi.exe in the guest: exit {0}: {1}' -f $code, ($versions -join ' ')) }
                }
                [pscustomobject]@{ Driver = [string]$versions[0]; Error = '' }
            }
        }
    } catch {
        return [ordered]@{ os = $null; driver = $null; error = $_.Exception.Message }
    }
    $d = [string]$r.Driver
    if ($d -eq '') {
        return [ordered]@{ os = 'windows'; driver = $null; error = [string]$r.Error }
    }
    [ordered]@{ os = 'windows'; driver = $d; error = $null }
}

function Read-VgpucInvVm {
    <# A VM with a GPU, or $null for a VM without one. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Vm,
        [AllowEmptyString()] [string]$Cluster = '',
        [AllowNull()] [System.Management.Automation.PSCredential]$GuestCredential = $null
    )
    $adapters = @(Get-VMGpuPartitionAdapter -VM $Vm)
    $devices = @(Get-VMAssignableDevice -VM $Vm | ForEach-Object {
            $pool = [string](Get-VgpucInvProperty -InputObject $_ -Name 'ResourcePoolName' -Default '')
            if ($pool -eq '') {
                $pool = $null
            }
            $lp = [string](Get-VgpucInvProperty -InputObject $_ -Name 'LocationPath' -Default '')
            if ($lp -eq '') {
                $lp = $null
            }
            $iid = [string](Get-VgpucInvProperty -InputObject $_ -Name 'InstanceID' -Default '')
            if ($iid -eq '') {
                $iid = $null
            }
            [ordered]@{ location_path = $lp; instance_id = $iid; pool = $pool }
        })
    if ($adapters.Count -eq 0 -and $devices.Count -eq 0) {
        return $null
    }
    $possible = $null
    $preferred = $null
    if ($Cluster -ne '') {
        $node = [string]$Vm.ComputerName
        $group = Get-ClusterGroup -VMId $Vm.Id -Cluster $node -ErrorAction SilentlyContinue
        $res = Get-ClusterResource -VMId $Vm.Id -Cluster $node -ErrorAction SilentlyContinue
        if ($null -ne $group -and $null -ne $res) {
            $possible = @((Get-ClusterOwnerNode -Resource ([string]$res.Name) -Cluster $node).OwnerNodes | ForEach-Object { [string]$_.Name })
            $preferred = @((Get-ClusterOwnerNode -Group ([string]$group.Name) -Cluster $node).OwnerNodes | ForEach-Object { [string]$_.Name })
        }
    }
    $doc = [ordered]@{
        name                         = [string]$Vm.Name
        id                           = [string]$Vm.Id
        state                        = [string]$Vm.State
        generation                   = [int]$Vm.Generation
        memory_startup_bytes         = [uint64]$Vm.MemoryStartup
        dynamic_memory               = [bool]$Vm.DynamicMemoryEnabled
        automatic_stop_action        = [string]$Vm.AutomaticStopAction
        guest_controlled_cache_types = [bool]$Vm.GuestControlledCacheTypes
        low_mmio_bytes               = [uint64]$Vm.LowMemoryMappedIoSpace
        high_mmio_bytes              = [uint64]$Vm.HighMemoryMappedIoSpace
        gpu_partition_adapters       = $adapters.Count
        assignable_devices           = $devices
        possible_owners              = $possible
        preferred_owners             = $preferred
    }
    if ($null -ne $GuestCredential -and $GuestCredential -ne [System.Management.Automation.PSCredential]::Empty) {
        $g = Read-VgpucInvGuestDriver -Vm $Vm -Credential $GuestCredential
        $doc['guest_os'] = $g['os']
        $doc['guest_driver'] = $g['driver']
        $doc['guest_driver_error'] = $g['error']
    }
    $doc
}

function Get-VgpucInventory {
    <# The whole document: every node, its GPUs and its VMs with GPUs. #>
    [CmdletBinding()]
    param(
        [AllowEmptyString()] [string]$ClusterName = '',
        [AllowEmptyCollection()] [string[]]$Nodes = @()
    )
    $clusterDoc = $null
    if ($ClusterName -ne '') {
        $Nodes = @(Get-ClusterNode -Cluster $ClusterName | ForEach-Object { [string]$_.Name })
        $clusterDoc = [ordered]@{ name = $ClusterName; nodes = $Nodes }
    }
    $hosts = @()
    foreach ($n in ($Nodes | Sort-Object)) {
        $h = Read-VgpucInvHost -Name $n
        if ($h['reachable']) {
            $vms = @()
            foreach ($vm in @(Get-VM -ComputerName $n | Sort-Object -Property Name)) {
                $r = Read-VgpucInvVm -Vm $vm -Cluster $ClusterName -GuestCredential $GuestCredential
                if ($null -ne $r) {
                    $vms += , $r
                }
            }
            $h['vms'] = $vms
            # A device assigned to a VM is neither present on the host nor
            # assignable: it is a GPU of the host all the same.
            $known = @{}
            foreach ($g in @($h['gpus'])) {
                if ($null -ne $g['location_path']) {
                    $known[[string]$g['location_path']] = $g
                }
            }
            foreach ($vm in $vms) {
                foreach ($d in @($vm['assignable_devices'])) {
                    if ($null -eq $d['location_path']) {
                        continue
                    }
                    if ($known.ContainsKey([string]$d['location_path'])) {
                        $g = $known[[string]$d['location_path']]
                        $g['mode'] = 'assigned'
                        $g['pool'] = $d['pool']
                        $g['assigned_to'] = $vm['name']
                        continue
                    }
                    $known[[string]$d['location_path']] = $true
                    $ven = $null; $dev = $null; $sub = $null
                    if ([string]$d['instance_id'] -match '^PCIP?\\VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})(&SUBSYS_([0-9A-Fa-f]{8}))?') {
                        $ven = $Matches[1].ToUpperInvariant()
                        $dev = $Matches[2].ToUpperInvariant()
                        if ($Matches[4]) {
                            $sub = $Matches[4].ToUpperInvariant()
                        }
                    }
                    $h['gpus'] += , ([ordered]@{
                            instance_id = $d['instance_id']; location_path = $d['location_path']; vendor_id = $ven
                            device_id = $dev; subsystem_id = $sub; friendly_name = $null; status = $null; mode = 'assigned'
                            partition_count = $null; valid_partition_counts = @(); pool = $d['pool']; assigned_to = $vm['name']
                        })
                }
            }
        }
        $hosts += , $h
    }
    [ordered]@{
        inventory_version = $script:InventoryVersion
        platform          = 'hyperv'
        cluster           = $clusterDoc
        hosts             = $hosts
    }
}

if ($PSCmdlet.ParameterSetName -eq 'Cluster') {
    $doc = Get-VgpucInventory -ClusterName $Cluster
} else {
    $doc = Get-VgpucInventory -Nodes $ComputerName
}
$json = ConvertTo-Json -InputObject $doc -Depth 12
# UTF-8 without BOM, LF: what `vgpuc import` reads (names keep any character).
[System.IO.File]::WriteAllText($Path, $json.Replace("`r`n", "`n") + "`n", (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
Write-Information -MessageData ('vgpuc inventory: {0} host(s) written to {1}' -f @($doc['hosts']).Count, $Path) -InformationAction Continue
