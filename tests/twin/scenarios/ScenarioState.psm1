# ScenarioState.psm1 - twin states (tests/twin contract, tests/twin/README.md) made
# from a scenario model (ScenarioModel.psm1):
#   New-ScenarioDeclaredState  what the file declares, as a converged cluster
#   New-ScenarioStartState     a cluster that needs every kind of change
#   New-ScenarioDriftState     a converged cluster with one kind of drift
#   New-ScenarioPreflightState a cluster with problems the pre-flight must refuse
#   New-ScenarioHostileState   the start state plus decoy VMs whose names a
#                              wildcard or quote-folding lookup would confuse
# A state is an ordered hashtable that serializes to exactly the contract's
# fields; nothing here adds a field the contract does not have.
Set-StrictMode -Version Latest

# What Hyper-V gives a new VM: 128 MB low and 512 MB high MMIO (docs/sources.md, Hyper-V).
$script:DefaultLowMmio = [int64]134217728
$script:DefaultHighMmio = [int64]536870912
# What the declared state assumes for MMIO the file leaves to the script (the
# v1 defaults of backends/hyperv.c); only a plausible converged value: the
# assertions never require it.
$script:AssumedMmio = @{
    dda  = @{ Low = [int64]3221225472; High = [int64]34896609280 }
    gpup = @{ Low = [int64]1073741824; High = [int64]34359738368 }
}
$script:UndeclaredMemory = [int64]8589934592
# OS builds (os_build): 23H2 and Azure Local 11.x = 25398, Azure Local 12.x =
# 26100 (docs/sources.md, Hyper-V); 22H2 = 20349 (the tests/twin/README.md sample);
# Windows Server 2025 = 26100, 2022 = 20348, 2019 = 17763 (GA build numbers).
$script:OsBuilds = @{
    'azure-stack-hci/21H2' = '20348'; 'azure-stack-hci/22H2' = '20349'; 'azure-stack-hci/23H2' = '25398'
    'windows-server/2025' = '26100'; 'windows-server/2022' = '20348'; 'windows-server/2019' = '17763'
    'windows-server/2016' = '14393'
}
$script:InjectedFault = 'vgpuc-scenario: injected fault'
# PCI subsystems (device, vendor) of each model's first board variant, as the
# catalog's source fields give them (catalog/gpus.yaml `source:`, from
# NVIDIA/open-gpu-kernel-modules README and pci.ids): the A2 and the A16 share
# device 0x25B6 and differ only here.
$script:Subsystems = @{
    A2 = '157E10DE'; A16 = '14A910DE'; A10 = '148210DE'; A40 = '145A10DE'; L2 = '193310DE'; L4 = '16CA10DE'
    L40 = '169D10DE'; L40S = '185110DE'; A100 = '145F10DE'; A100D = '153310DE'
}

function Get-ScenarioOsBuild {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model)
    $key = '{0}/{1}' -f $Model.Family, $Model.Version
    if ($script:OsBuilds.ContainsKey($key)) {
        return $script:OsBuilds[$key]
    }
    if ($Model.Family -eq 'azure-local') {
        if ($Model.Version -like '12.*') {
            return '26100'
        }
        return '25398'
    }
    return '26100'
}

function Get-ScenarioVmId {
    [CmdletBinding()]
    param([Parameter(Mandatory)][int]$Number)
    return ('6f1c0a52-0000-4000-8000-{0:D12}' -f $Number)
}

function Get-ScenarioLocationPath {
    # The same on every host, as on identical servers: a script must key a
    # device by host and path, never by path alone.
    [CmdletBinding()]
    param([Parameter(Mandatory)][int]$GpuIndex)
    return ('PCIROOT(0)#PCI(0300)#PCI(0000)#PCI({0:X2}00)#PCI(0000)' -f (8 + $GpuIndex))
}

function Copy-ScenarioState {
    # A deep copy (JSON round trip keeps exactly the contract's shape).
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State)
    $json = ConvertTo-Json -InputObject $State -Depth 100 -Compress
    return (ConvertFrom-Json -InputObject $json -AsHashtable -DateKind String -Depth 100)
}

function ConvertTo-ScenarioStateJson {
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowNull()][object]$State)
    return (ConvertTo-Json -InputObject $State -Depth 100 -Compress)
}

function Get-ScenarioHostState {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Name
    )
    foreach ($h in $State['hosts']) {
        if ($h['name'] -ceq $Name) {
            return $h
        }
    }
    throw "no host '$Name' in the state"
}

function Find-ScenarioVmState {
    # Every VM of the state with exactly this name (ordinal), with its host.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Name
    )
    $found = @()
    foreach ($h in $State['hosts']) {
        foreach ($v in $h['vms']) {
            if ($v['name'] -ceq $Name) {
                $found += , @{ Host = $h; Vm = $v }
            }
        }
    }
    return $found
}

function Get-ScenarioVmState {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Name
    )
    $f = @(Find-ScenarioVmState -State $State -Name $Name)
    if ($f.Count -ne 1) {
        throw "expected one VM '$Name' in the state, found $($f.Count)"
    }
    return $f[0]
}

function Get-ScenarioGroupState {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$VmId
    )
    foreach ($g in $State['cluster_groups']) {
        if ($g['vm_id'] -eq $VmId) {
            return $g
        }
    }
    return $null
}

function Get-ScenarioGpuState {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$HostState,
        [Parameter(Mandatory)][string]$LocationPath
    )
    foreach ($g in $HostState['gpus']) {
        if ($g['location_path'] -ceq $LocationPath) {
            return $g
        }
    }
    throw "no GPU $LocationPath on $($HostState['name'])"
}

function New-ScenarioGpu {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Gpu,
        [Parameter(Mandatory)][int]$HostIndex,
        [AllowNull()][string]$Driver,
        [Parameter(Mandatory)][int]$PartitionCount
    )
    $valid = @($Gpu.ValidCounts)
    $sub = ('0000{0}' -f $Gpu.Vendor)
    if ($script:Subsystems.ContainsKey([string]$Gpu.Model)) {
        $sub = $script:Subsystems[[string]$Gpu.Model]
    }
    return [ordered]@{
        instance_id            = ('PCI\VEN_{0}&DEV_{1}&SUBSYS_{4}&REV_A1\4&{2:X8}&0&{3:X2}00' -f $Gpu.Vendor, $Gpu.Device, (0x1A2B3C00 + $HostIndex), (8 + $Gpu.Index), $sub)
        location_path          = (Get-ScenarioLocationPath -GpuIndex $Gpu.Index)
        vendor_id              = $Gpu.Vendor
        device_id              = $Gpu.Device
        model                  = $Gpu.Model
        present                = $true
        driver                 = $(if ($Driver) { $Driver } else { $null })
        enabled                = $true
        dismounted             = $false
        pool                   = $null
        valid_partition_counts = $valid
        partition_count        = $PartitionCount
    }
}

function Test-ScenarioDdaPooled {
    # Clustered DDA: the GPUs go into a resource pool (tests/twin/README.md, docs/backends.md).
    # Not for Azure Local VMs enabled by Arc: `az stack-hci-vm gpu attach`
    # takes a dismounted GPU that is in no pool.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model)
    return ($Model.Clustered -and -not $Model.Arc -and @($Model.Vms | Where-Object { $_.Mode -eq 'dda' }).Count -gt 0)
}

function Get-ScenarioDefaultCount {
    # The count a GPU shows before anyone set it: the largest valid one.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Gpu)
    $valid = @($Gpu.ValidCounts)
    if ($valid.Count -gt 0) {
        return [int]($valid | Measure-Object -Maximum).Maximum
    }
    return 1
}

function New-ScenarioDeclaredState {
    <#
    .SYNOPSIS
    The cluster as the file declares it, converged: drivers, partition counts,
    dismounted and pooled DDA GPUs, every VM running with exactly its GPU, its
    settings and (clustered) its cluster group with possible owners and
    OfflineAction 3.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Model,
        [string]$PoolName = 'GpuChildPool'
    )
    $pooled = Test-ScenarioDdaPooled -Model $Model
    $hosts = [System.Collections.Generic.List[object]]::new()
    foreach ($h in $Model.Hosts) {
        $driver = $null
        if ($h.ServesGpuP) {
            $driver = [string]$h.Driver
            if (-not $driver) {
                # The catalog has no host driver version for the declared
                # release, so the script cannot compare one: the host still
                # runs a vGPU Manager (its GPUs bind to it); show the release.
                $driver = $(if ($h.Release) { [string]$h.Release } else { 'unknown' })
            }
        }
        $gpus = [System.Collections.Generic.List[object]]::new()
        $poolPaths = [System.Collections.Generic.List[string]]::new()
        foreach ($g in $h.Gpus) {
            $gpuDriver = $(if ($driver) { 'vgpu' } else { $null })
            $dda = $g.Use -eq 'passthrough' -or ($pooled -and $g.Reserve)
            $count = $(if ($h.ServesGpuP -and -not $dda) { $Model.Partitions } else { Get-ScenarioDefaultCount -Gpu $g })
            $s = New-ScenarioGpu -Gpu $g -HostIndex $h.Index -Driver $gpuDriver -PartitionCount $count
            if ($dda) {
                $s['enabled'] = $false
                $s['dismounted'] = $true
                if ($pooled) {
                    $s['pool'] = $PoolName
                    $poolPaths.Add($s['location_path'])
                }
            }
            $gpus.Add($s)
        }
        $pools = @()
        if ($pooled) {
            $pools = @([ordered]@{ name = $PoolName; type = 'PciExpress'; location_paths = $poolPaths.ToArray() })
        }
        $hosts.Add([ordered]@{
                name          = $h.Name
                reachable     = $true
                os_build      = (Get-ScenarioOsBuild -Model $Model)
                nvidia_driver = $driver
                gpus          = $gpus.ToArray()
                pools         = $pools
                vms           = @()
            })
    }
    $groups = [System.Collections.Generic.List[object]]::new()
    $n = 0
    foreach ($v in $Model.Vms) {
        $n++
        $hs = $null
        foreach ($x in $hosts) {
            if ($x['name'] -ceq $v.Host) {
                $hs = $x
            }
        }
        if (-not $hs) {
            throw "VM $($v.Name) is placed on unknown host $($v.Host)"
        }
        $dda = $v.Mode -eq 'dda'
        $mmio = $script:AssumedMmio[$v.Mode]
        $adapters = @()
        $devices = @()
        if ($dda) {
            foreach ($gi in $v.Gpus) {
                $devices += , ([ordered]@{ location_path = (Get-ScenarioLocationPath -GpuIndex $gi); pool = $(if ($pooled) { $PoolName } else { $null }) })
            }
        } else {
            for ($i = 1; $i -le $v.Count; $i++) {
                $adapters += , ([ordered]@{ id = ('adapter-{0}-{1}' -f $n, $i) })
            }
        }
        $vm = [ordered]@{
            name                         = $v.Name
            id                           = (Get-ScenarioVmId -Number $n)
            state                        = 'Running'
            generation                   = $v.Generation
            shutdown_service             = $true
            memory_startup_bytes         = $(if ($v.MemoryBytes -gt 0) { $v.MemoryBytes } else { $script:UndeclaredMemory })
            dynamic_memory               = $false
            automatic_stop_action        = $(if ($dda) { 'TurnOff' } else { 'Save' })
            guest_controlled_cache_types = $true
            low_mmio_bytes               = $(if ($v.LowMmio -gt 0) { $v.LowMmio } else { $mmio.Low })
            high_mmio_bytes              = $(if ($v.HighMmio -gt 0) { $v.HighMmio } else { $mmio.High })
            gpu_partition_adapters       = $adapters
            assignable_devices           = $devices
            arc                          = $null
        }
        if ($Model.Arc) {
            $vm['arc'] = [ordered]@{ gpus = @(for ($i = 1; $i -le $v.Count; $i++) { [ordered]@{ assignment = $(if ($dda) { 'GpuDDA' } else { 'GpuP' }) } }) }
        }
        $hs['vms'] = @($hs['vms']) + , $vm
        if ($Model.Clustered) {
            $groups.Add([ordered]@{
                    name             = $v.Name
                    vm_id            = $vm['id']
                    owner_node       = $v.Host
                    preferred_owners = @()
                    vm_resource      = [ordered]@{
                        name            = ('Virtual Machine {0}' -f $v.Name)
                        possible_owners = @($v.Owners)
                        parameters      = [ordered]@{ OfflineAction = 3 }
                    }
                })
        }
    }
    $cluster = $null
    if ($Model.Clustered) {
        $cluster = [ordered]@{ name = $Model.Name; nodes = @($Model.Hosts | ForEach-Object { $_.Name }) }
    }
    $arc = $null
    if ($Model.Arc) {
        $arc = [ordered]@{
            resource_group  = [string](Get-ScenarioArcValue -Arc $Model.Arc -Names @('resource_group', 'resource-group', 'resourceGroup'))
            custom_location = (Get-ScenarioArcValue -Arc $Model.Arc -Names @('custom_location', 'custom-location', 'customLocation'))
        }
    }
    return [ordered]@{
        platform       = 'hyperv'
        cluster        = $cluster
        hosts          = $hosts.ToArray()
        cluster_groups = $groups.ToArray()
        arc            = $arc
        faults         = @()
    }
}

function Get-ScenarioArcValue {
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Arc, [Parameter(Mandatory)][string[]]$Names)
    foreach ($n in $Names) {
        if ($Arc -is [System.Collections.IDictionary] -and $Arc.Contains($n)) {
            return $Arc[$n]
        }
    }
    return $null
}

function Get-ScenarioWrongCount {
    # A valid partition count other than the declared one, or $null.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$HostModel)
    foreach ($g in $HostModel.Gpus) {
        foreach ($c in ($g.ValidCounts | Sort-Object -Descending)) {
            if ([int]$c -ne $Model.Partitions) {
                return [int]$c
            }
        }
    }
    return $null
}

function Set-ScenarioVmWrong {
    # One VM's settings as a fresh Hyper-V VM has them (and memory off by half).
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$Vm, [Parameter(Mandatory)][hashtable]$VmModel)
    $Vm['low_mmio_bytes'] = $script:DefaultLowMmio
    $Vm['high_mmio_bytes'] = $script:DefaultHighMmio
    $Vm['guest_controlled_cache_types'] = $false
    if ($VmModel.MemoryBytes -gt 0) {
        $Vm['memory_startup_bytes'] = [int64]($VmModel.MemoryBytes / 2)
    }
    if ($VmModel.Mode -eq 'dda') {
        $Vm['dynamic_memory'] = $true
        $Vm['automatic_stop_action'] = 'Save'
    }
}

function Set-ScenarioGroupWrong {
    # Possible owners that are not the declared ones, a preferred owner the VM
    # may not run on (when there is one), OfflineAction 1 (save, the default).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][System.Collections.IDictionary]$Vm,
        [Parameter(Mandatory)][hashtable]$VmModel,
        [Parameter(Mandatory)][hashtable]$Model
    )
    $g = Get-ScenarioGroupState -State $State -VmId $Vm['id']
    if (-not $g) {
        return
    }
    $nodes = @($Model.Hosts | ForEach-Object { $_.Name })
    $g['vm_resource']['parameters']['OfflineAction'] = 1
    if (@($VmModel.Owners).Count -lt $nodes.Count) {
        $g['vm_resource']['possible_owners'] = $nodes
        $other = @($nodes | Where-Object { $VmModel.Owners -notcontains $_ })
        if ($other.Count -gt 0) {
            $g['preferred_owners'] = @($other[0])
        }
    } else {
        $g['vm_resource']['possible_owners'] = @($VmModel.Host)
    }
}

function Sync-ScenarioArc {
    # Arc VMs: what Azure reports (arc.gpus) follows the VM's devices, one
    # GpuP per partition adapter and one GpuDDA per assigned device.
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State)
    if (-not $State['arc']) {
        return
    }
    foreach ($h in $State['hosts']) {
        foreach ($v in $h['vms']) {
            if ($null -eq $v['arc']) {
                continue
            }
            $gpus = @()
            foreach ($a in @($v['gpu_partition_adapters'])) {
                $gpus += , ([ordered]@{ assignment = 'GpuP' })
            }
            foreach ($d in @($v['assignable_devices'])) {
                $gpus += , ([ordered]@{ assignment = 'GpuDDA' })
            }
            $v['arc'] = [ordered]@{ gpus = $gpus }
        }
    }
}

function New-ScenarioStartState {
    <#
    .SYNOPSIS
    A state that needs every kind of change, and that one correct run converges.
    .DESCRIPTION
    Hosts: the GPU-P host with the fewest VMs has another valid partition count
    on two of its GPUs and no assigned partition; DDA GPUs are mounted and
    enabled (the second one disabled only, as an interrupted run leaves it);
    clustered DDA has no pool (an empty one on the last node). GPU-P VMs on the
    other hosts, in turn by their order in the file (the first 6): no GPU
    (running, every setting wrong, owners and OfflineAction wrong); no GPU
    (off); an extra partition; already right; wrong MMIO and cache types;
    off with owners and OfflineAction wrong (off as well when they hold a
    partition on a host whose DDA GPU is still mounted). DDA VMs: no device,
    dynamic memory, stop action Save (running); a GPU-P adapter instead of the
    device (off). Returns @{ State; Notes }.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model)
    $s = New-ScenarioDeclaredState -Model $Model
    $notes = [System.Collections.Generic.List[string]]::new()
    $pooled = Test-ScenarioDdaPooled -Model $Model
    # GPU-P hosts that show another partition count hold no partition (Hyper-V
    # refuses a new count while partitions are assigned): those without VMs,
    # else the one with the fewest. The others keep their count ("keepers")
    # and show the per-VM kinds.
    $gpupHosts = @($Model.Hosts | Where-Object { $_.ServesGpuP })
    $load = @{}
    foreach ($h in $gpupHosts) {
        $load[$h.Name] = @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' -and $_.Host -ceq $h.Name }).Count
    }
    # One such host, and on it at most two GPUs with the other count: every
    # kind of change once, not every GPU of a large cluster (each change is
    # one more fault run).
    $wrongHosts = @()
    if ($gpupHosts.Count -gt 0) {
        $wrongHosts = @(($gpupHosts | Sort-Object -Property @{ Expression = { $load[$_.Name] } }, @{ Expression = { $_.Index } } | Select-Object -First 1).Name)
    }
    $keepers = @($gpupHosts | Where-Object { $wrongHosts -notcontains $_.Name } | ForEach-Object { $_.Name })
    foreach ($h in $gpupHosts) {
        if ($wrongHosts -notcontains $h.Name) {
            continue
        }
        $wrong = Get-ScenarioWrongCount -Model $Model -HostModel $h
        if ($null -eq $wrong) {
            $keepers += $h.Name
            continue
        }
        $hs = Get-ScenarioHostState -State $s -Name $h.Name
        $n = 0
        foreach ($g in $hs['gpus']) {
            if (-not $g['dismounted'] -and $n -lt 2) {
                $g['partition_count'] = $wrong
                $n++
            }
        }
        $notes.Add(('{0}: partition count {1} instead of {2} on {3} GPU(s)' -f $h.Name, $wrong, $Model.Partitions, $n))
    }
    # Hosts whose DDA GPUs are mounted in this state, where no running VM may
    # hold a partition (the GPU could not be dismounted under it).
    $ddaMounted = @{}
    # DDA GPUs back on the host.
    $nDda = 0
    foreach ($hs in $s['hosts']) {
        foreach ($g in $hs['gpus']) {
            if ($g['dismounted']) {
                $ddaMounted[[string]$hs['name']] = $true
                $g['dismounted'] = $false
                $g['pool'] = $null
                if ($hs['nvidia_driver']) {
                    # A GPU-P GPU before: it shows the count the others have.
                    $g['partition_count'] = $Model.Partitions
                }
                $g['enabled'] = ($nDda -ne 1)
                if ($nDda -eq 1) {
                    $notes.Add(('{0}: GPU {1} disabled but not dismounted' -f $hs['name'], $g['location_path']))
                }
                $nDda++
            }
        }
        if ($pooled) {
            if ($hs -eq $s['hosts'][-1]) {
                $hs['pools'] = @([ordered]@{ name = $hs['pools'][0]['name']; type = 'PciExpress'; location_paths = @() })
            } else {
                $hs['pools'] = @()
            }
        }
    }
    if ($nDda -gt 0) {
        $notes.Add(('{0} DDA GPU(s) mounted{1}' -f $nDda, $(if ($pooled) { '; an empty pool on the last node, none elsewhere' } else { '' })))
    }
    # VMs: DDA VMs all need their device (their GPUs are mounted); GPU-P VMs
    # on the host with another count all need their partition; on the keepers
    # the first $cap GPU-P VMs take the six kinds in turn, the rest are right
    # (a bound on the steps, and so on the fault runs, of a large cluster).
    $cap = 6
    $kG = 0
    $kW = 0
    $kD = 0
    foreach ($v in $Model.Vms) {
        $x = Get-ScenarioVmState -State $s -Name $v.Name
        $vm = $x.Vm
        $keeperHost = $keepers -contains $v.Host
        if ($v.Mode -eq 'dda') {
            $vm['assignable_devices'] = @()
            Set-ScenarioVmWrong -Vm $vm -VmModel $v
            if ($kD % 2 -eq 0) {
                $vm['state'] = 'Running'
                Set-ScenarioGroupWrong -State $s -Vm $vm -VmModel $v -Model $Model
                $notes.Add(('{0}: no device, running, settings and owners wrong' -f $v.Name))
            } else {
                $vm['state'] = 'Off'
                if ($x.Host['nvidia_driver'] -and $keeperHost) {
                    $vm['gpu_partition_adapters'] = @([ordered]@{ id = ('adapter-wrong-{0}' -f $vm['id']) })
                    $notes.Add(('{0}: a GPU-P adapter instead of its device, off' -f $v.Name))
                } else {
                    $notes.Add(('{0}: no device, off' -f $v.Name))
                }
            }
            $kD++
            continue
        }
        if (-not $keeperHost) {
            $vm['gpu_partition_adapters'] = @()
            switch ($kW % 3) {
                0 {
                    Set-ScenarioVmWrong -Vm $vm -VmModel $v
                    Set-ScenarioGroupWrong -State $s -Vm $vm -VmModel $v -Model $Model
                    $notes.Add(('{0}: no partition, running, settings and owners wrong' -f $v.Name))
                }
                1 {
                    $vm['state'] = 'Off'
                    $notes.Add(('{0}: no partition, off' -f $v.Name))
                }
                2 {
                    Set-ScenarioGroupWrong -State $s -Vm $vm -VmModel $v -Model $Model
                    $notes.Add(('{0}: no partition, running, owners wrong' -f $v.Name))
                }
            }
            $kW++
            continue
        }
        $kind = $(if ($kG -lt $cap) { $kG % 6 } else { 3 })
        switch ($kind) {
            0 {
                $vm['gpu_partition_adapters'] = @()
                Set-ScenarioVmWrong -Vm $vm -VmModel $v
                Set-ScenarioGroupWrong -State $s -Vm $vm -VmModel $v -Model $Model
                $notes.Add(('{0}: no partition, running, settings and owners wrong' -f $v.Name))
            }
            1 {
                $vm['gpu_partition_adapters'] = @()
                $vm['state'] = 'Off'
                $notes.Add(('{0}: no partition, off' -f $v.Name))
            }
            2 {
                $vm['gpu_partition_adapters'] = @($vm['gpu_partition_adapters']) + , ([ordered]@{ id = ('adapter-extra-{0}' -f $vm['id']) })
                $notes.Add(('{0}: an extra partition' -f $v.Name))
            }
            3 {
                $notes.Add(('{0}: already right' -f $v.Name))
            }
            4 {
                $vm['low_mmio_bytes'] = $script:DefaultLowMmio
                $vm['high_mmio_bytes'] = $script:DefaultHighMmio
                $vm['guest_controlled_cache_types'] = $false
                $notes.Add(('{0}: MMIO and cache types wrong' -f $v.Name))
            }
            5 {
                $vm['state'] = 'Off'
                Set-ScenarioGroupWrong -State $s -Vm $vm -VmModel $v -Model $Model
                $notes.Add(('{0}: off, owners and OfflineAction wrong' -f $v.Name))
            }
        }
        if ($ddaMounted.ContainsKey($v.Host) -and $vm['state'] -eq 'Running' -and @($vm['gpu_partition_adapters']).Count -gt 0) {
            $vm['state'] = 'Off'
            $notes[$notes.Count - 1] += ' (off: a DDA GPU of its host is still to be dismounted)'
        }
        $kG++
    }
    Sync-ScenarioArc -State $s
    return @{ State = $s; Notes = $notes.ToArray() }
}

function Find-ScenarioFreeGpu {
    # A GPU the plan leaves free (never a possible failover reserve of a DDA VM
    # that can restart elsewhere), on one of $Hosts when given, as @{ Host; Gpu }.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Model,
        [string[]]$Hosts,
        [string]$GpuModel,
        [int]$Skip = 0
    )
    $reserveModels = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' -and $_.Migration -ne 'none' -and @($_.Owners).Count -gt 1 } |
            ForEach-Object { $_.Model })
    foreach ($h in $Model.Hosts) {
        if ($Hosts -and $Hosts -notcontains $h.Name) {
            continue
        }
        foreach ($g in $h.Gpus) {
            if ($g.Use -ne 'free' -or $g.Reserve) {
                continue
            }
            if ($GpuModel -and $g.Model -ne $GpuModel) {
                continue
            }
            if ($reserveModels -contains $g.Model) {
                continue
            }
            if ($Skip -gt 0) {
                $Skip--
                continue
            }
            return @{ Host = $h; Gpu = $g }
        }
    }
    return $null
}

function Move-ScenarioVm {
    # Put a VM of the state on another host (the cluster group follows).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][string]$To
    )
    $x = Get-ScenarioVmState -State $State -Name $Name
    if ($x.Host['name'] -ceq $To) {
        return $x.Vm
    }
    $x.Host['vms'] = @($x.Host['vms'] | Where-Object { $_['name'] -cne $Name })
    $dest = Get-ScenarioHostState -State $State -Name $To
    $dest['vms'] = @($dest['vms']) + , $x.Vm
    $g = Get-ScenarioGroupState -State $State -VmId $x.Vm['id']
    if ($g) {
        $g['owner_node'] = $To
    }
    return $x.Vm
}

function Set-ScenarioGpuDismounted {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$Gpu)
    $Gpu['enabled'] = $false
    $Gpu['dismounted'] = $true
    $Gpu['pool'] = $null
}

function New-ScenarioUndeclaredVm {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][int]$Number,
        [Parameter(Mandatory)][string]$PowerState
    )
    return [ordered]@{
        name                         = $Name
        id                           = (Get-ScenarioVmId -Number $Number)
        state                        = $PowerState
        generation                   = 2
        shutdown_service             = $true
        memory_startup_bytes         = $script:UndeclaredMemory
        dynamic_memory               = $false
        automatic_stop_action        = 'Save'
        guest_controlled_cache_types = $false
        low_mmio_bytes               = $script:DefaultLowMmio
        high_mmio_bytes              = $script:DefaultHighMmio
        gpu_partition_adapters       = @()
        assignable_devices           = @()
        arc                          = $null
    }
}

function Add-ScenarioUndeclaredVm {
    # An undeclared VM on a host (and, clustered, its cluster group).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$HostName,
        [Parameter(Mandatory)][System.Collections.IDictionary]$Vm
    )
    $hs = Get-ScenarioHostState -State $State -Name $HostName
    $hs['vms'] = @($hs['vms']) + , $Vm
    if ($State['cluster']) {
        $State['cluster_groups'] = @($State['cluster_groups']) + , ([ordered]@{
                name             = $Vm['name']
                vm_id            = $Vm['id']
                owner_node       = $HostName
                preferred_owners = @()
                vm_resource      = [ordered]@{
                    name            = ('Virtual Machine {0}' -f $Vm['name'])
                    possible_owners = @($State['cluster']['nodes'])
                    parameters      = [ordered]@{ OfflineAction = 1 }
                }
            })
    }
}

function Get-ScenarioFreePartitions {
    # Partitions a host's GPU-P GPUs have beyond those its VMs hold (a VM
    # holds its partition adapters whether it runs or not: Hyper-V refuses a
    # new partition count under them, and the scripts count them so).
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$HostState)
    if (-not $HostState['nvidia_driver']) {
        return 0
    }
    $total = 0
    foreach ($g in $HostState['gpus']) {
        if ($g['driver'] -eq 'vgpu' -and -not $g['dismounted'] -and $g['present']) {
            $total += [int]$g['partition_count']
        }
    }
    $used = 0
    foreach ($v in $HostState['vms']) {
        $used += @($v['gpu_partition_adapters']).Count
    }
    return ($total - $used)
}

function New-ScenarioDriftState {
    <#
    .SYNOPSIS
    Drift variants of a converged state: each @{ Name; State; Vm; UndeclaredVm;
    UndeclaredGpu = @{ Host; LocationPath } }, $null members when not used.
    .DESCRIPTION
    extra-partition, dda-instead-of-gpup, leftover-device (GPU-P VMs);
    gpup-instead-of-dda, extra-device (DDA VMs); undeclared-vm (a VM the file
    does not declare, holding a GPU); undeclared-gpu (a GPU dismounted for a
    DDA VM that is gone). A variant the cluster cannot show (no free GPU, no
    VM of that mode) is left out and named in Skipped.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Model,
        [Parameter(Mandatory)][System.Collections.IDictionary]$Converged
    )
    $out = [System.Collections.Generic.List[object]]::new()
    $skipped = [System.Collections.Generic.List[string]]::new()
    $gpupVms = @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' })
    $ddaVms = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' })
    $pooled = Test-ScenarioDdaPooled -Model $Model

    if ($gpupVms.Count -gt 0) {
        $v = $gpupVms[0]
        $s = Copy-ScenarioState -State $Converged
        $x = Get-ScenarioVmState -State $s -Name $v.Name
        $x.Vm['gpu_partition_adapters'] = @($x.Vm['gpu_partition_adapters']) + , ([ordered]@{ id = 'adapter-drift-extra' })
        $out.Add(@{ Name = 'extra-partition'; State = $s; Vm = $v.Name; UndeclaredVm = $null; UndeclaredGpu = $null })

        $usedOn = @{}
        foreach ($kind in @('dda-instead-of-gpup', 'leftover-device')) {
            # A GPU-P VM and a free GPU on a host it may run on, where the
            # VM's partition still fits once that GPU is dismounted.
            $pick = $null
            foreach ($cand in $gpupVms) {
                foreach ($hn in $cand.Owners) {
                    $free = Find-ScenarioFreeGpu -Model $Model -Hosts @($hn) -GpuModel $cand.Model -Skip ([int]$usedOn[$hn])
                    if (-not $free) {
                        continue
                    }
                    $hs0 = Get-ScenarioHostState -State $Converged -Name $hn
                    $g0 = Get-ScenarioGpuState -HostState $hs0 -LocationPath (Get-ScenarioLocationPath -GpuIndex $free.Gpu.Index)
                    $room = Get-ScenarioFreePartitions -HostState $hs0
                    if ($g0['driver'] -eq 'vgpu' -and -not $g0['dismounted']) {
                        $room -= [int]$g0['partition_count']
                    }
                    $need = $(if ($cand.Host -ceq $hn) { 0 } else { $cand.Count })
                    if ($room -ge $need) {
                        $pick = @{ Vm = $cand; Free = $free }
                        break
                    }
                }
                if ($pick) {
                    break
                }
            }
            if (-not $pick) {
                $skipped.Add(('{0}: no free {1} GPU where a GPU-P VM may run and its partition still fits' -f $kind, $gpupVms[0].Model))
                continue
            }
            $usedOn[$pick.Free.Host.Name] = 1 + [int]$usedOn[$pick.Free.Host.Name]
            $s = Copy-ScenarioState -State $Converged
            $vm = Move-ScenarioVm -State $s -Name $pick.Vm.Name -To $pick.Free.Host.Name
            $hs = Get-ScenarioHostState -State $s -Name $pick.Free.Host.Name
            $lp = Get-ScenarioLocationPath -GpuIndex $pick.Free.Gpu.Index
            Set-ScenarioGpuDismounted -Gpu (Get-ScenarioGpuState -HostState $hs -LocationPath $lp)
            $vm['assignable_devices'] = @([ordered]@{ location_path = $lp; pool = $null })
            if ($kind -eq 'dda-instead-of-gpup') {
                $vm['gpu_partition_adapters'] = @()
            }
            $out.Add(@{ Name = $kind; State = $s; Vm = $pick.Vm.Name; UndeclaredVm = $null
                    UndeclaredGpu = @{ Host = $pick.Free.Host.Name; LocationPath = $lp } })
        }
    } else {
        $skipped.Add('extra-partition, dda-instead-of-gpup, leftover-device: no GPU-P VM')
    }

    if ($ddaVms.Count -gt 0) {
        $v = $ddaVms[0]
        $s = Copy-ScenarioState -State $Converged
        $x = Get-ScenarioVmState -State $s -Name $v.Name
        if ($x.Host['nvidia_driver']) {
            $x.Vm['assignable_devices'] = @()
            $x.Vm['gpu_partition_adapters'] = @([ordered]@{ id = 'adapter-drift-gpup' })
            $out.Add(@{ Name = 'gpup-instead-of-dda'; State = $s; Vm = $v.Name; UndeclaredVm = $null; UndeclaredGpu = $null })
        } else {
            $x.Vm['gpu_partition_adapters'] = @([ordered]@{ id = 'adapter-drift-leftover' })
            $out.Add(@{ Name = 'gpup-next-to-dda'; State = $s; Vm = $v.Name; UndeclaredVm = $null; UndeclaredGpu = $null })
        }
        $free = Find-ScenarioFreeGpu -Model $Model -Hosts @($x.Host['name']) -GpuModel $v.Model
        if ($free) {
            $s = Copy-ScenarioState -State $Converged
            $x = Get-ScenarioVmState -State $s -Name $v.Name
            $lp = Get-ScenarioLocationPath -GpuIndex $free.Gpu.Index
            $g = Get-ScenarioGpuState -HostState $x.Host -LocationPath $lp
            Set-ScenarioGpuDismounted -Gpu $g
            $poolName = $null
            if ($pooled -and @($x.Vm['assignable_devices']).Count -gt 0) {
                $poolName = $x.Vm['assignable_devices'][0]['pool']
            }
            $x.Vm['assignable_devices'] = @($x.Vm['assignable_devices']) + , ([ordered]@{ location_path = $lp; pool = $null })
            $out.Add(@{ Name = 'extra-device'; State = $s; Vm = $v.Name; UndeclaredVm = $null
                    UndeclaredGpu = @{ Host = $x.Host['name']; LocationPath = $lp } })
            $null = $poolName
        } else {
            $skipped.Add(('extra-device: no free {0} GPU on {1}' -f $v.Model, $x.Host['name']))
        }
    } else {
        $skipped.Add('gpup-instead-of-dda, extra-device: no DDA VM')
    }

    # An undeclared VM holding a partition: running where the host has one free.
    $s = Copy-ScenarioState -State $Converged
    $target = $null
    foreach ($hs in $s['hosts']) {
        if ((Get-ScenarioFreePartitions -HostState $hs) -gt 0) {
            $target = $hs
            break
        }
    }
    $power = 'Running'
    if (-not $target) {
        $target = $s['hosts'][0]
        $power = 'Off'
    }
    $uvm = New-ScenarioUndeclaredVm -Name 'old-gpu-vm' -Number 900001 -PowerState $power
    $uvm['gpu_partition_adapters'] = @([ordered]@{ id = 'adapter-undeclared' })
    Add-ScenarioUndeclaredVm -State $s -HostName $target['name'] -Vm $uvm
    $out.Add(@{ Name = 'undeclared-vm'; State = $s; Vm = $null; UndeclaredVm = 'old-gpu-vm'; UndeclaredGpu = $null })

    $free = Find-ScenarioFreeGpu -Model $Model
    if ($free) {
        $s = Copy-ScenarioState -State $Converged
        $hs = Get-ScenarioHostState -State $s -Name $free.Host.Name
        $lp = Get-ScenarioLocationPath -GpuIndex $free.Gpu.Index
        Set-ScenarioGpuDismounted -Gpu (Get-ScenarioGpuState -HostState $hs -LocationPath $lp)
        $out.Add(@{ Name = 'undeclared-gpu'; State = $s; Vm = $null; UndeclaredVm = $null
                UndeclaredGpu = @{ Host = $free.Host.Name; LocationPath = $lp } })
    } else {
        $skipped.Add('undeclared-gpu: no GPU that the plan leaves free (and that is no failover reserve)')
    }
    foreach ($v in $out) {
        Sync-ScenarioArc -State $v.State
    }
    return @{ Variants = $out.ToArray(); Skipped = $skipped.ToArray() }
}

function New-ScenarioProblem {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Kind,
        [Parameter(Mandatory)][string[]]$Tokens,
        [string]$Pattern = ''
    )
    return @{ Kind = $Kind; Tokens = $Tokens; Pattern = $Pattern }
}

function Get-ScenarioOtherDevice {
    # A PCI device id of an NVIDIA GPU model the cluster does not declare:
    # another catalog model with an id, else an id no catalog model has.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog)
    $used = @($Model.Hosts | ForEach-Object { $_.Gpus } | ForEach-Object { $_.Device } | Select-Object -Unique)
    foreach ($name in ($Catalog.Keys | Sort-Object)) {
        $c = $Catalog[$name]
        if ($c.Device -and $used -notcontains $c.Device) {
            return @{ Model = $name; Device = $c.Device }
        }
    }
    return @{ Model = 'unknown'; Device = 'FFFE' }
}

function New-ScenarioPreflightState {
    <#
    .SYNOPSIS
    Pre-flight problem states: each @{ Name; State; Problems } on the start
    state (so that a run that ignored them would change things), and a last
    one, 'all', with every problem at once on different hosts and VMs where the
    cluster allows. A problem is @{ Kind; Tokens; Pattern }: the refusal must
    have an output line holding every token (case-insensitive) that also
    matches the pattern.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Model,
        [Parameter(Mandatory)][hashtable]$Catalog
    )
    $start = (New-ScenarioStartState -Model $Model).State
    $declared = New-ScenarioDeclaredState -Model $Model
    $list = [System.Collections.Generic.List[object]]::new()
    $all = Copy-ScenarioState -State $start
    $allProblems = [System.Collections.Generic.List[object]]::new()
    $usedVms = [System.Collections.Generic.HashSet[string]]::new()
    $usedHosts = [System.Collections.Generic.HashSet[string]]::new()
    $want = $Model.Partitions
    $combine = $true
    # The first DDA VM's host is kept for the DDA capacity problem (its GPUs
    # all taken); other problems go elsewhere when the cluster has room.
    $picked = [System.Collections.Generic.HashSet[string]]::new()
    $ddaFirst = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' })
    if ($ddaFirst.Count -gt 0) {
        $null = $usedHosts.Add($ddaFirst[0].Host)
    }

    # Pick a VM (or host) not used yet in the combined state, else the first.
    $pickVm = {
        param([scriptblock]$Filter)
        $c = @($Model.Vms | Where-Object $Filter)
        foreach ($v in $c) {
            if (-not $usedVms.Contains($v.Name)) {
                $null = $usedVms.Add($v.Name)
                return $v
            }
        }
        if ($c.Count -gt 0) {
            return $c[0]
        }
        return $null
    }
    $pickHost = {
        param([scriptblock]$Filter)
        $c = @($Model.Hosts | Where-Object $Filter)
        foreach ($h in $c) {
            if (-not $usedHosts.Contains($h.Name)) {
                $null = $usedHosts.Add($h.Name)
                $null = $picked.Add($h.Name)
                return $h
            }
        }
        if ($c.Count -gt 0) {
            $null = $picked.Add($c[0].Name)
            return $c[0]
        }
        return $null
    }
    $apply = {
        param([string]$Name, [scriptblock]$Edit, [hashtable]$Problem)
        $one = Copy-ScenarioState -State $start
        & $Edit $one
        $list.Add(@{ Name = $Name; State = $one; Problems = @($Problem) })
        if (-not $combine) {
            return
        }
        try {
            & $Edit $all
            $allProblems.Add($Problem)
        } catch {
            # The combined state cannot take this one on top of the others.
            $null = $_
        }
    }

    # Wrong vGPU Manager on a GPU-P host; a vGPU Manager on a DDA-only host.
    # (Only where the file's release has a known host driver: else the script
    # has no version to compare, docs/backends.md.)
    $h = & $pickHost { $_.ServesGpuP -and $_.Driver }
    $driverHost = $(if ($h) { $h.Name } else { (& $pickHost { $true }).Name })
    if ($h) {
        $hn = $h.Name
        & $apply 'wrong-driver' { param($st) (Get-ScenarioHostState -State $st -Name $hn)['nvidia_driver'] = '512.78' } `
        (New-ScenarioProblem -Kind 'wrong-driver' -Tokens @($hn, '512.78'))
    } elseif (@($Model.Hosts | Where-Object { $_.ServesGpuP }).Count -eq 0) {
        $hn = $driverHost
        & $apply 'driver-on-dda-host' {
            param($st)
            # The vGPU Manager installed: the host's GPUs bind to it.
            $hs = Get-ScenarioHostState -State $st -Name $hn
            $hs['nvidia_driver'] = '538.33'
            foreach ($g in $hs['gpus']) {
                $g['driver'] = 'vgpu'
            }
        } `
        (New-ScenarioProblem -Kind 'driver-on-dda-host' -Tokens @($hn, '538.33'))
    }

    # The vGPU Manager installed on a GPU-P host but bound to none of its
    # GPUs (each a driverless 3D Video Controller): nvidia-smi finds no GPU
    # although the host has some, a driver failure, unlike a host whose GPUs
    # are all dismounted for DDA. (Alone: it hides that host's driver version.)
    $h = @($Model.Hosts | Where-Object { $_.ServesGpuP })
    if ($h.Count -gt 0) {
        $hn = $h[0].Name
        $combine = $false
        & $apply 'driver-unbound' {
            param($st)
            $hs = Get-ScenarioHostState -State $st -Name $hn
            if (-not $hs['nvidia_driver']) {
                $hs['nvidia_driver'] = '538.33'
            }
            foreach ($g in $hs['gpus']) {
                $g['driver'] = $null
            }
        } (New-ScenarioProblem -Kind 'driver-unbound' -Tokens @($hn) -Pattern '(?i)(nvidia-smi|driver)')
        $combine = $true
    }

    # A declared GPU missing (the host's last one).
    $h = & $pickHost { @($_.Gpus).Count -gt 0 }
    $hn = $h.Name
    & $apply 'missing-gpu' {
        param($st)
        $hs = Get-ScenarioHostState -State $st -Name $hn
        $keep = @($hs['gpus'])
        $hs['gpus'] = @($keep | Select-Object -First ($keep.Count - 1))
    } (New-ScenarioProblem -Kind 'missing-gpu' -Tokens @($hn) -Pattern '(?i)(missing|found|expected|declare|present|only|\bof\b)')

    # A declared VM missing.
    $v = & $pickVm { $true }
    $vn = $v.Name
    & $apply 'missing-vm' {
        param($st)
        $x = Get-ScenarioVmState -State $st -Name $vn
        $x.Host['vms'] = @($x.Host['vms'] | Where-Object { $_['name'] -cne $vn })
        $st['cluster_groups'] = @($st['cluster_groups'] | Where-Object { $_['vm_id'] -ne $x.Vm['id'] })
    } (New-ScenarioProblem -Kind 'missing-vm' -Tokens @($vn) -Pattern '(?i)(not found|missing|does not exist|no VM|not exist|absent)')

    # Two VMs of one name (case-insensitive), on two hosts when there are two.
    $v = & $pickVm { $true }
    $vn = $v.Name
    $other = @($Model.Hosts | Where-Object { $_.Name -cne $v.Host } | ForEach-Object { $_.Name })
    $dupHost = $(if ($other.Count -gt 0) { $other[0] } else { $v.Host })
    & $apply 'duplicate-vm' {
        param($st)
        $dup = New-ScenarioUndeclaredVm -Name $vn.ToUpperInvariant() -Number 900101 -PowerState 'Off'
        if ($dup['name'] -ceq $vn) {
            $dup['name'] = $vn
        }
        Add-ScenarioUndeclaredVm -State $st -HostName $dupHost -Vm $dup
    } (New-ScenarioProblem -Kind 'duplicate-vm' -Tokens @($vn) -Pattern '(?i)(duplicate|more than one|twice|two|\b2\b|same name|several|multiple)')

    # Partition counts not valid on a GPU-P host.
    $h = & $pickHost { $_.ServesGpuP }
    if ($h) {
        $hn = $h.Name
        & $apply 'invalid-partition-count' {
            param($st)
            foreach ($g in (Get-ScenarioHostState -State $st -Name $hn)['gpus']) {
                $g['valid_partition_counts'] = @($g['valid_partition_counts'] | Where-Object { [int]$_ -ne $want })
                if ([int]$g['partition_count'] -eq $want) {
                    $g['partition_count'] = @($g['valid_partition_counts'])[0]
                }
            }
        } (New-ScenarioProblem -Kind 'invalid-partition-count' -Tokens @($hn) -Pattern '(?i)partition')
    }

    # Not enough free capacity: GPU-P (running VMs that the file does not
    # declare hold all but fewer partitions than the host's declared VMs need).
    $h = & $pickHost { $hh = $_; $_.ServesGpuP -and @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' -and $_.Host -ceq $hh.Name }).Count -gt 0 }
    if ($h) {
        $hn = $h.Name
        & $apply 'capacity-gpup' {
            param($st)
            $hs = Get-ScenarioHostState -State $st -Name $hn
            foreach ($g in $hs['gpus']) {
                if (-not $g['dismounted'] -and @($g['valid_partition_counts']) -contains $want) {
                    $g['partition_count'] = $want
                }
            }
            foreach ($vm in $hs['vms']) {
                $vm['gpu_partition_adapters'] = @()
            }
            # Hogs take all but need-1 of every partition on the host, counting
            # the GPUs the plan gives to DDA too: short whichever way a script
            # counts. (Need: the declared GPU-P VMs still there.)
            $need = 0
            foreach ($vv in @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' -and $_.Host -ceq $hn })) {
                if (@($hs['vms'] | Where-Object { $_['name'] -ceq $vv.Name }).Count -gt 0) {
                    $need += $vv.Count
                }
            }
            # Two more than just short: the combined state may drop a VM
            # from the count (missing, or a duplicate a script leaves out).
            $free = Get-ScenarioFreePartitions -HostState $hs
            for ($i = 0; $i -le ($free - $need + 2); $i++) {
                $hog = New-ScenarioUndeclaredVm -Name ('hog-{0:D2}' -f $i) -Number (900200 + $i) -PowerState 'Running'
                $hog['gpu_partition_adapters'] = @([ordered]@{ id = ('adapter-hog-{0}' -f $i) })
                Add-ScenarioUndeclaredVm -State $st -HostName $hn -Vm $hog
            }
        } (New-ScenarioProblem -Kind 'capacity-gpup' -Tokens @($hn) -Pattern '(?i)(capacity|free|enough|room|available|needed)')
    }
    # DDA: the DDA VM's host has every GPU of its model taken by other VMs.
    $v = & $pickVm { $_.Mode -eq 'dda' }
    if ($v) {
        $vn = $v.Name
        $hn = $v.Host
        $hm = @($Model.Hosts | Where-Object { $_.Name -ceq $hn })[0]
        $paths = @($hm.Gpus | Where-Object { $_.Model -eq $v.Model } | ForEach-Object { Get-ScenarioLocationPath -GpuIndex $_.Index })
        $mine = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' -and $_.Host -ceq $hn } | ForEach-Object { $_.Name })
        # In the combined state only on a host no other problem uses: its GPUs
        # all dismounted would hide that host's driver (nvidia-smi finds no GPU).
        $combine = ($hn -cne $driverHost)
        & $apply 'capacity-dda' {
            param($st)
            $hs = Get-ScenarioHostState -State $st -Name $hn
            foreach ($vm in $hs['vms']) {
                if ($mine -contains $vm['name']) {
                    $vm['assignable_devices'] = @()
                }
            }
            $i = 0
            foreach ($lp in $paths) {
                $g = Get-ScenarioGpuState -HostState $hs -LocationPath $lp
                Set-ScenarioGpuDismounted -Gpu $g
                $hog = New-ScenarioUndeclaredVm -Name ('dda-hog-{0:D2}' -f $i) -Number (900300 + $i) -PowerState 'Running'
                $hog['automatic_stop_action'] = 'TurnOff'
                $hog['assignable_devices'] = @([ordered]@{ location_path = $lp; pool = $null })
                Add-ScenarioUndeclaredVm -State $st -HostName $hn -Vm $hog
                $i++
            }
        } (New-ScenarioProblem -Kind 'capacity-dda' -Tokens @($hn) -Pattern '(?i)(capacity|free|enough|room|available|needed)')
        $combine = $true
    }

    # A declared VM in Saved state.
    $v = & $pickVm { $true }
    $vn = $v.Name
    & $apply 'saved-vm' { param($st) (Get-ScenarioVmState -State $st -Name $vn).Vm['state'] = 'Saved' } `
    (New-ScenarioProblem -Kind 'saved-vm' -Tokens @($vn) -Pattern '(?i)saved')

    # A GPU of a model the file does not declare, next to the declared ones.
    $h = & $pickHost { $true }
    $hn = $h.Name
    $od = Get-ScenarioOtherDevice -Model $Model -Catalog $Catalog
    $first = $h.Gpus[0]
    & $apply 'undeclared-model' {
        param($st)
        $hs = Get-ScenarioHostState -State $st -Name $hn
        $g = New-ScenarioGpu -Gpu @{ Index = 40; Model = $od.Model; Vendor = $first.Vendor; Device = $od.Device; ValidCounts = @() } `
            -HostIndex $h.Index -Driver $(if ($hs['nvidia_driver']) { 'vgpu' } else { $null }) -PartitionCount 1
        $hs['gpus'] = @($hs['gpus']) + , $g
    } (New-ScenarioProblem -Kind 'undeclared-model' -Tokens @($hn) -Pattern ('(?i)({0}|{1}|model|undeclared|unexpected|not declared)' -f [regex]::Escape($od.Device), [regex]::Escape($od.Model)))

    # A host that does not answer.
    $h = & $pickHost { $true }
    $hn = $h.Name
    # (Alone only: a script cannot see the other problems of a host it cannot reach.)
    $combine = $false
    & $apply 'unreachable-host' { param($st) (Get-ScenarioHostState -State $st -Name $hn)['reachable'] = $false } `
    (New-ScenarioProblem -Kind 'unreachable-host' -Tokens @($hn) -Pattern '(?i)(unreachable|reach|connect|WinRM|answer|respond)')
    $combine = $true

    # A VM of generation 1 where 2 is declared.
    $v = & $pickVm { $_.Generation -eq 2 }
    if ($v) {
        $vn = $v.Name
        & $apply 'generation' { param($st) (Get-ScenarioVmState -State $st -Name $vn).Vm['generation'] = 1 } `
        (New-ScenarioProblem -Kind 'generation' -Tokens @($vn) -Pattern '(?i)generation')
    }

    $list.Add(@{ Name = 'all'; State = $all; Problems = $allProblems.ToArray() })
    foreach ($p in $list) {
        Sync-ScenarioArc -State $p.State
    }
    return $list.ToArray()
}

function Get-ScenarioDecoyName {
    # Names that are not $Name but that a wildcard match of $Name, or a lookup
    # that folds typographic quotes, drops backticks, `$x` or what follows a
    # line break, would take for it.
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    $cands = [System.Collections.Generic.List[string]]::new()
    if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Name)) {
        # Expand the first character class to each of its members; * and ? to text.
        $expanded = [regex]::Replace($Name, '\[([^\]]+)\]', { param($m) [string]$m.Groups[1].Value[0] })
        $cands.Add(($expanded -replace '\*', 'x' -replace '\?', 'z'))
        $second = [regex]::Replace($Name, '\[([^\]]+)\]', { param($m) [string]$m.Groups[1].Value[$m.Groups[1].Value.Length - 1] })
        $cands.Add(($second -replace '\*', '' -replace '\?', 'q'))
    }
    $folded = $Name -replace "[\u2018\u2019\u201A\u201B]", "'" -replace '[\u201C\u201D\u201E]', '"'
    $cands.Add($folded)
    $cands.Add(($Name -replace "'", [string][char]0x2019))
    $cands.Add(($Name -replace '`', ''))
    $cands.Add(($Name -replace '`?\$x', ''))
    $cands.Add((($Name -split "`n")[0]))
    $out = [System.Collections.Generic.List[string]]::new()
    foreach ($c in $cands) {
        if ($c -and $c -ne $Name -and -not $out.Contains($c)) {
            $out.Add($c)
        }
    }
    return $out.ToArray()
}

function Test-ScenarioHostileName {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    return ($Name -match '[\[\]\*\?''"`$\u2018-\u201F]' -or $Name -match '[\x00-\x1F\x7F]')
}

function New-ScenarioHostileState {
    <#
    .SYNOPSIS
    The start state plus, next to every VM with a hostile name, undeclared
    decoy VMs (running, no GPU, fresh settings) that a wildcard or
    quote-folding lookup would match. Returns @{ State; Decoys } or $null when
    no VM name is hostile.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model)
    $declaredNames = @($Model.Vms | ForEach-Object { $_.Name })
    $s = (New-ScenarioStartState -Model $Model).State
    $decoys = [System.Collections.Generic.List[string]]::new()
    $n = 900400
    foreach ($v in $Model.Vms) {
        if (-not (Test-ScenarioHostileName -Name $v.Name)) {
            continue
        }
        foreach ($d in (Get-ScenarioDecoyName -Name $v.Name)) {
            $clash = $false
            foreach ($x in (@($declaredNames) + @($decoys))) {
                if ($x -eq $d) {
                    $clash = $true
                }
            }
            if ($clash) {
                continue
            }
            $n++
            Add-ScenarioUndeclaredVm -State $s -HostName $v.Host -Vm (New-ScenarioUndeclaredVm -Name $d -Number $n -PowerState 'Running')
            $decoys.Add($d)
        }
    }
    if ($decoys.Count -eq 0) {
        return $null
    }
    return @{ State = $s; Decoys = $decoys.ToArray() }
}

function Add-ScenarioFault {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Command,
        [Parameter(Mandatory)][AllowEmptyString()][string]$Target
    )
    $State['faults'] = @($State['faults']) + , ([ordered]@{ command = $Command; target = $Target; message = $script:InjectedFault; times = 1 })
}

Export-ModuleMember -Function New-ScenarioDeclaredState, New-ScenarioStartState, New-ScenarioDriftState, New-ScenarioPreflightState,
New-ScenarioHostileState, Get-ScenarioDecoyName, Test-ScenarioHostileName, Copy-ScenarioState, ConvertTo-ScenarioStateJson,
Get-ScenarioHostState, Find-ScenarioVmState, Get-ScenarioVmState, Get-ScenarioGroupState, Get-ScenarioGpuState,
Get-ScenarioLocationPath, Add-ScenarioFault, Get-ScenarioFreePartitions, Move-ScenarioVm, Add-ScenarioUndeclaredVm, New-ScenarioUndeclaredVm
