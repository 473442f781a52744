# Model.ps1 - the Hyper-V family state (tests/twin/README.md) and the rules that
# read it: hosts, partitionable GPUs, free partitions, DDA devices and pools,
# what a VM needs to start, and a node failure as the cluster handles it.
# Pure functions over the state: loaded into every simulated machine (engine)
# and into Twin.psm1 (state validation, Invoke-TwinNodeFailure).

Set-StrictMode -Version Latest

# The twin's approximation of the BAR (MMIO) requirement, written down once
# (tests/twin/README.md, "MMIO"): a VM with N DDA GPUs needs a high MMIO space
# of at least N x 32 GiB + 512 MiB (Microsoft's DDA example value 33280 MB for
# one GPU: Deploying-graphics-devices-using-dda.md; the 512 MB buffer: the
# DDA planning doc). GPU-P VMs: Microsoft documents no requirement, the twin
# checks none.
$script:HvMmioPerDdaDevice = 32GB
$script:HvMmioBuffer = 512MB
# The GUID Windows appends to a partitionable GPU's device interface path
# (the Name of Get-VMHostPartitionableGpu; sample in gpu-preparation.md).
$script:HvGpuInterfaceGuid = '{064092b3-625e-43bf-9eb5-dc845897dd59}'

# The elements of a JSON array of the state (none for null), unrolled.
function Get-HvList {
    param($Value)
    if ($null -eq $Value) {
        return
    }
    foreach ($x in $Value) {
        $x
    }
}

# The first element of a collection, or $null.
function Get-HvFirst {
    param($Collection)
    if ($null -ne $Collection -and $Collection.Count -gt 0) {
        return $Collection[0]
    }
    $null
}

function Find-HvHost {
    param($State, [string]$Name)
    foreach ($h in $State['hosts']) {
        if (($h['name'] -eq $Name)) {
            return $h
        }
    }
    $null
}

# The partitionable-GPU Name Windows shows: \\?\PCI#VEN_...#4&...#{guid}.
function Get-HvGpuInterfaceName {
    param($Gpu)
    '\\?\' + ([string]$Gpu['instance_id']).Replace('\', '#') + '#' + $script:HvGpuInterfaceGuid
}

function Test-HvGpuPartitionable {
    param($Gpu)
    [bool]$Gpu['present'] -and $Gpu['driver'] -eq 'vgpu' -and [bool]$Gpu['enabled'] -and -not [bool]$Gpu['dismounted']
}

function Get-HvPartitionableGpus {
    param($HostRec)
    @(@($HostRec['gpus']).Where({ Test-HvGpuPartitionable $_ }))
}

function Get-HvTotalPartitions {
    param($HostRec, $Except = $null)
    $n = 0
    foreach ($g in (Get-HvPartitionableGpus $HostRec)) {
        if ($null -ne $Except -and [object]::ReferenceEquals($g, $Except)) {
            continue
        }
        $n += [int]$g['partition_count']
    }
    $n
}

# Partitions are resolved when a VM starts: a running VM holds one partition
# per GPU partition adapter.
function Get-HvUsedPartitions {
    param($HostRec, $ExceptVm = $null)
    $n = 0
    foreach ($v in $HostRec['vms']) {
        if ($null -ne $ExceptVm -and [object]::ReferenceEquals($v, $ExceptVm)) {
            continue
        }
        if ($v['state'] -eq 'Running') {
            $n += @($v['gpu_partition_adapters']).Count
        }
    }
    $n
}

function Get-HvVmsWithPartitions {
    param($HostRec)
    @(@($HostRec['vms']).Where({ @($_['gpu_partition_adapters']).Count -gt 0 }))
}

function Find-HvGpuByLocation {
    param($HostRec, [string]$LocationPath)
    foreach ($g in $HostRec['gpus']) {
        if (($g['location_path'] -eq $LocationPath)) {
            return $g
        }
    }
    $null
}

# A dismounted GPU that PnP no longer lists (`pnp: false`, optional, absent =
# listed): Get-PnpDevice does not show it, even without -PresentOnly; only
# Get-VMHostAssignableDevice does, with its InstanceID (the state's
# instance_id: a `PCIP\VEN_...` path, or null when none is reported).
function Test-HvGpuNotInPnp {
    param($Gpu)
    $Gpu -is [System.Collections.IDictionary] -and $Gpu.Contains('pnp') -and -not [bool]$Gpu['pnp']
}

function Find-HvGpuByInstance {
    param($HostRec, [string]$InstanceId)
    foreach ($g in $HostRec['gpus']) {
        if (($g['instance_id'] -eq $InstanceId)) {
            return $g
        }
    }
    $null
}

function Find-HvPool {
    param($HostRec, [string]$Name)
    foreach ($p in $HostRec['pools']) {
        if (($p['name'] -eq $Name)) {
            return $p
        }
    }
    $null
}

# A GPU is in a pool when its `pool` says so or the pool lists its path.
function Test-HvGpuInPool {
    param($HostRec, $Gpu, [string]$Pool)
    if ($Gpu['pool'] -and (($Gpu['pool'] -eq $Pool))) {
        return $true
    }
    $p = Find-HvPool $HostRec $Pool
    if ($null -eq $p) {
        return $false
    }
    foreach ($lp in $p['location_paths']) {
        if (($lp -eq $Gpu['location_path'])) {
            return $true
        }
    }
    $false
}

# VMs of the host that hold a device by its location path.
function Get-HvDeviceHolders {
    param($HostRec, [string]$LocationPath)
    @(@($HostRec['vms']).Where({
        foreach ($d in $_['assignable_devices']) {
            if ($d['location_path'] -and (($d['location_path'] -eq $LocationPath))) {
                return $true
            }
        }
        $false
    }))
}

# Free devices of a pool on a host: present, dismounted, in the pool, not held
# by any VM through its location path, minus the pool devices running VMs use.
function Get-HvPoolFree {
    param($HostRec, [string]$Pool, $ExceptVm = $null)
    $free = 0
    foreach ($g in $HostRec['gpus']) {
        if ([bool]$g['present'] -and [bool]$g['dismounted'] -and (Test-HvGpuInPool $HostRec $g $Pool) -and
            @(Get-HvDeviceHolders $HostRec $g['location_path']).Count -eq 0) {
            $free++
        }
    }
    foreach ($v in $HostRec['vms']) {
        if ($null -ne $ExceptVm -and [object]::ReferenceEquals($v, $ExceptVm)) {
            continue
        }
        if ($v['state'] -ne 'Running') {
            continue
        }
        foreach ($d in $v['assignable_devices']) {
            if (-not $d['location_path'] -and $d['pool'] -and (($d['pool'] -eq $Pool))) {
                $free--
            }
        }
    }
    $free
}

# Why the VM cannot start on this host now ($null when it can).
function Get-HvStartProblem {
    param($HostRec, $Vm)
    $devices = @($Vm['assignable_devices'])
    if ($devices.Count -gt 0) {
        if ($Vm['automatic_stop_action'] -ne 'TurnOff') {
            return ('a VM with an assigned device (DDA) must have AutomaticStopAction TurnOff; it is {0}' -f $Vm['automatic_stop_action'])
        }
        if ([bool]$Vm['dynamic_memory']) {
            return 'a VM with an assigned device (DDA) cannot use dynamic memory'
        }
        $need = [int64]$devices.Count * $script:HvMmioPerDdaDevice + $script:HvMmioBuffer
        if ([int64]$Vm['high_mmio_bytes'] -lt $need) {
            return ('the high MMIO space ({0} bytes) is below what {1} DDA device(s) need ({2} bytes: the twin''s BAR approximation, tests/twin/README.md)' -f $Vm['high_mmio_bytes'], $devices.Count, $need)
        }
        $poolNeed = @{}
        foreach ($d in $devices) {
            if ($d['location_path']) {
                $g = Find-HvGpuByLocation $HostRec $d['location_path']
                if ($null -eq $g -or -not [bool]$g['present']) {
                    return ('the assigned device {0} is not present on host {1}' -f $d['location_path'], $HostRec['name'])
                }
                if (-not [bool]$g['dismounted']) {
                    return ('the assigned device {0} is not dismounted from host {1}' -f $d['location_path'], $HostRec['name'])
                }
                foreach ($o in (Get-HvDeviceHolders $HostRec $d['location_path'])) {
                    if (-not [object]::ReferenceEquals($o, $Vm) -and $o['state'] -eq 'Running') {
                        return ('the assigned device {0} is in use by VM {1}' -f $d['location_path'], $o['name'])
                    }
                }
            } elseif ($d['pool']) {
                $poolNeed[[string]$d['pool']] = 1 + $(if ($poolNeed.ContainsKey([string]$d['pool'])) { $poolNeed[[string]$d['pool']] } else { 0 })
            }
        }
        foreach ($p in $poolNeed.Keys) {
            if ($null -eq (Find-HvPool $HostRec $p)) {
                return ('the resource pool {0} does not exist on host {1}' -f $p, $HostRec['name'])
            }
            $free = Get-HvPoolFree $HostRec $p $Vm
            if ($free -lt $poolNeed[$p]) {
                return ('the resource pool {0} on host {1} has {2} free device(s), {3} needed' -f $p, $HostRec['name'], [math]::Max(0, $free), $poolNeed[$p])
            }
        }
    }
    $adapters = @($Vm['gpu_partition_adapters']).Count
    if ($adapters -gt 0) {
        $free = (Get-HvTotalPartitions $HostRec) - (Get-HvUsedPartitions $HostRec $Vm)
        if ($free -lt $adapters) {
            return ('host {0} has {1} free GPU partition(s), {2} needed' -f $HostRec['name'], [math]::Max(0, $free), $adapters)
        }
    }
    $null
}

# The problems of a state file (empty when it is usable): the fields the twin
# reads, with their types. Each is "JSON-PATH<tab>message" (path '' = the
# whole state), so that Import-TwinState can point at its line and column.
function Test-HvState {
    param($State)
    $p = [System.Collections.Generic.List[string]]::new()
    foreach ($k in 'platform', 'cluster', 'hosts', 'cluster_groups') {
        if (-not $State.Contains($k)) {
            $p.Add("`tstate: missing field '$k'")
        }
    }
    if ($p.Count -gt 0) {
        return , $p
    }
    # The lists the twin walks must be JSON arrays (an empty list is [], not null).
    foreach ($k in 'hosts', 'cluster_groups') {
        if ($State[$k] -isnot [array]) {
            $p.Add("$k`tstate: '$k' must be an array")
        }
    }
    if ($null -ne $State['cluster'] -and $State['cluster'] -is [System.Collections.IDictionary] -and $State['cluster']['nodes'] -isnot [array]) {
        $p.Add("cluster.nodes`tstate: 'cluster.nodes' must be an array")
    }
    $gi = 0
    foreach ($g in @($State['cluster_groups'])) {
        if ($g -isnot [System.Collections.IDictionary] -or -not $g['name'] -or -not $g['vm_id'] -or $g['vm_resource'] -isnot [System.Collections.IDictionary] -or
            $g['vm_resource']['parameters'] -isnot [System.Collections.IDictionary]) {
            $p.Add("cluster_groups[$gi]`tstate: a cluster group needs name, vm_id and vm_resource with parameters")
        }
        $gi++
    }
    if ($p.Count -gt 0) {
        return , $p
    }
    if ($null -ne $State['cluster'] -and ($State['cluster'] -isnot [System.Collections.IDictionary] -or -not $State['cluster']['name'])) {
        $p.Add("cluster`tstate: 'cluster' must be null or an object with a name and nodes")
    }
    $i = 0
    foreach ($h in $State['hosts']) {
        if ($h -isnot [System.Collections.IDictionary] -or -not $h['name']) {
            $p.Add("hosts[$i]`tstate: hosts[$i] has no name")
            $i++
            continue
        }
        foreach ($k in 'reachable', 'gpus', 'vms') {
            if (-not $h.Contains($k)) {
                $p.Add(("hosts[{2}]`tstate: host {0} has no '{1}'" -f $h['name'], $k, $i))
            } elseif ($k -ne 'reachable' -and $h[$k] -isnot [array]) {
                $p.Add(("hosts[{2}].{1}`tstate: host {0}: '{1}' must be an array" -f $h['name'], $k, $i))
            }
        }
        if ($h.Contains('paused') -and $h['paused'] -isnot [bool]) {
            $p.Add(("hosts[{1}].paused`tstate: host {0}: 'paused' must be true or false" -f $h['name'], $i))
        }
        if ($h.Contains('drain_seconds') -and ($h['drain_seconds'] -isnot [int] -and $h['drain_seconds'] -isnot [long] -or [long]$h['drain_seconds'] -lt 0)) {
            $p.Add(("hosts[{1}].drain_seconds`tstate: host {0}: 'drain_seconds' must be a whole number of seconds, 0 or more" -f $h['name'], $i))
        }
        if ($h.Contains('driver_pending') -and $null -ne $h['driver_pending'] -and $h['driver_pending'] -isnot [string]) {
            $p.Add(("hosts[{1}].driver_pending`tstate: host {0}: 'driver_pending' must be a string or null" -f $h['name'], $i))
        }
        $j = 0
        foreach ($g in $h['gpus']) {
            foreach ($k in 'instance_id', 'location_path', 'present', 'driver', 'enabled', 'dismounted', 'valid_partition_counts', 'partition_count') {
                if ($g -isnot [System.Collections.IDictionary] -or -not $g.Contains($k)) {
                    $p.Add(("hosts[{3}].gpus[{1}]`tstate: host {0} gpus[{1}] has no '{2}'" -f $h['name'], $j, $k, $i))
                }
            }
            if ($g -is [System.Collections.IDictionary] -and $g.Contains('pnp') -and ($g['pnp'] -isnot [bool] -or (-not $g['pnp'] -and -not [bool]$g['dismounted']))) {
                $p.Add(("hosts[{2}].gpus[{1}].pnp`tstate: host {0} gpus[{1}]: 'pnp' is a boolean, and false only for a dismounted GPU" -f $h['name'], $j, $i))
            }
            if ($g -is [System.Collections.IDictionary] -and $g['driver'] -notin @($null, 'vgpu', 'mitigation')) {
                $p.Add(("hosts[{2}].gpus[{1}].driver`tstate: host {0} gpus[{1}] driver must be vgpu, mitigation or null" -f $h['name'], $j, $i))
            }
            $j++
        }
        $j = 0
        foreach ($v in $h['vms']) {
            foreach ($k in 'name', 'id', 'state', 'generation', 'memory_startup_bytes', 'dynamic_memory', 'automatic_stop_action', 'guest_controlled_cache_types', 'low_mmio_bytes', 'high_mmio_bytes', 'gpu_partition_adapters', 'assignable_devices') {
                if ($v -isnot [System.Collections.IDictionary] -or -not $v.Contains($k)) {
                    $p.Add(("hosts[{3}].vms[{1}]`tstate: host {0} vms[{1}] has no '{2}'" -f $h['name'], $j, $k, $i))
                }
            }
            foreach ($k in 'gpu_partition_adapters', 'assignable_devices') {
                if ($v -is [System.Collections.IDictionary] -and $v.Contains($k) -and $v[$k] -isnot [array]) {
                    $p.Add(("hosts[{3}].vms[{4}].{2}`tstate: host {0} VM {1}: '{2}' must be an array" -f $h['name'], $v['name'], $k, $i, $j))
                }
            }
            if ($v -is [System.Collections.IDictionary] -and $v.Contains('id')) {
                $g = [guid]::Empty
                if (-not [guid]::TryParse([string]$v['id'], [ref]$g)) {
                    $p.Add(("hosts[{3}].vms[{4}].id`tstate: host {0} VM {1}: id '{2}' is not a GUID" -f $h['name'], $v['name'], $v['id'], $i, $j))
                }
            }
            if ($v -is [System.Collections.IDictionary] -and $v['state'] -notin 'Running', 'Off', 'Saved', 'Paused') {
                $p.Add(("hosts[{2}].vms[{3}].state`tstate: host {0} VM {1}: state must be Running, Off, Saved or Paused" -f $h['name'], $v['name'], $i, $j))
            }
            $j++
        }
        $i++
    }
    Test-HvGuestState $State $p
    if ($State.Contains('driver_packages')) {
        $k = 0
        foreach ($d in @($State['driver_packages'])) {
            if ($d -isnot [System.Collections.IDictionary] -or -not $d['path'] -or -not $d['driver']) {
                $p.Add("driver_packages[$k]`tstate: a driver package needs a path and a driver")
            } elseif ($d.Contains('hosts')) {
                foreach ($n in @($d['hosts'])) {
                    if ($null -eq (Find-HvHost $State ([string]$n))) {
                        $p.Add(("driver_packages[$k].hosts`tstate: {0} is not a host of the state" -f $n))
                    }
                }
            }
            $k++
        }
    }
    , $p
}

# A node failure as the cluster handles it: the node becomes unreachable, and
# each clustered VM that ran on it is restarted on the first node that may own
# it (preferred owners first, in order, then the other possible owners in the
# order of the cluster's nodes) with room for it (a free partition, a free
# device in its pool): Get-HvStartProblem decides. A VM that finds no room is
# left off on the failed node. Unclustered VMs of the node are off.
function Invoke-HvNodeFailure {
    param($State, [string]$Node)
    $failed = Find-HvHost $State $Node
    if ($null -eq $failed) {
        throw "twin: node $Node is not a host of the state"
    }
    $failed['reachable'] = $false
    $moved = [System.Collections.Generic.List[string]]::new()
    $groups = @($State['cluster_groups'])
    $keep = [System.Collections.Generic.List[object]]::new()
    foreach ($v in $failed['vms']) {
        $wasRunning = $v['state'] -eq 'Running'
        if ($wasRunning) { Register-HvVmDown $State $failed $v 'node failure' }
        $v['state'] = 'Off'
        $group = $null
        foreach ($g in $groups) {
            if (($g['vm_id'] -eq $v['id'])) {
                $group = $g
            }
        }
        if (-not $wasRunning -or $null -eq $group) {
            $keep.Add($v)
            continue
        }
        $possible = @(Get-HvList $group['vm_resource']['possible_owners'])
        if ($possible.Count -eq 0) {
            $possible = @(Get-HvList $State['cluster']['nodes'])
        }
        $order = [System.Collections.Generic.List[string]]::new()
        foreach ($n in $group['preferred_owners']) {
            if ((@($possible).Where({ ($_ -eq $n) })) -and -not (@($order).Where({ ($_ -eq $n) }))) {
                $order.Add($n)
            }
        }
        foreach ($n in $State['cluster']['nodes']) {
            if ((@($possible).Where({ ($_ -eq $n) })) -and -not (@($order).Where({ ($_ -eq $n) }))) {
                $order.Add($n)
            }
        }
        $target = $null
        foreach ($n in $order) {
            $h = Find-HvHost $State $n
            # A paused (drained) node takes no role (FailoverClusters: roles are not moved to it).
            if ($null -eq $h -or [object]::ReferenceEquals($h, $failed) -or -not [bool]$h['reachable'] -or ($h.Contains('paused') -and [bool]$h['paused'])) {
                continue
            }
            if ($null -eq (Get-HvStartProblem $h $v)) {
                $target = $h
                break
            }
        }
        if ($null -eq $target) {
            $keep.Add($v)
            continue
        }
        $v['state'] = 'Running'
        Register-HvVmRunning $State $target $v 'node failure (restarted by the cluster)'
        $target['vms'] = @($target['vms']) + @($v)
        $group['owner_node'] = $target['name']
        $moved.Add(('{0} -> {1}' -f $v['name'], $target['name']))
    }
    $failed['vms'] = $keep.ToArray()
    , $moved
}

# --- Guest drivers and whether a vGPU loads (optional state fields) ----------
#
# `vgpu_compatibility` (state): { lts_pair_from, releases: [{ release, lts,
# host: [driver...], guest: [driver...] }] }, the catalog's releases as
# `vgpuc catalog releases --format json` gives them; `hosts[].vms[].guest`:
# { os, driver, user, password, powershell_direct }; `events` (state): the
# list the twin appends what happened to (a vGPU that failed to load, a VM
# that went down). A state without them round-trips unchanged and no vGPU is
# judged. NVIDIA: "If you install an incompatible guest VM driver release for
# the release of the vGPU Manager that you are using, the NVIDIA vGPU fails to
# load" (docs/sources.md, NVIDIA); compatible: the same
# branch, the Manager one branch later, and from lts_pair_from on an LTS
# Manager with guests of the previous LTS branch (docs/sources.md, NVIDIA, the rule of
# compiler/rules/compat.c): the judge is Get-TwinVgpuCompatProblem of
# engine/VgpuCompat.ps1, shared with the vSphere twin.

# $null when the guest driver loads with the host's vGPU Manager, else why
# not. Only for a VM with GPU partitions and a guest driver, on a state with
# `vgpu_compatibility`.
function Get-HvVgpuLoadProblem {
    param($State, $HostRec, $Vm)
    if (-not $State.Contains('vgpu_compatibility') -or $null -eq $State['vgpu_compatibility']) { return $null }
    if (@($Vm['gpu_partition_adapters']).Count -eq 0) { return $null }
    if (-not $Vm.Contains('guest') -or $null -eq $Vm['guest'] -or [string]::IsNullOrEmpty([string]$Vm['guest']['driver'])) { return $null }
    $c = $State['vgpu_compatibility']
    $hd = [string]$HostRec['nvidia_driver']
    $gd = [string]$Vm['guest']['driver']
    if ($hd -eq '') {
        return ('host {0} has no vGPU Manager' -f $HostRec['name'])
    }
    Get-TwinVgpuCompatProblem -Compat $c -HostDriver $hd -GuestDriver $gd -HostName ([string]$HostRec['name']) -VmName ([string]$Vm['name'])
}

# Appends an event to the state's `events` (engine/VgpuCompat.ps1).
function Add-HvEvent {
    param($State, [System.Collections.IDictionary]$Event)
    Add-TwinEvent $State $Event
}

# A VM now runs on a host (started, restarted by the cluster, or moved while
# running): its vGPU loads or fails to load, which the twin records. The VM
# runs either way (NVIDIA: the vGPU fails to load; the guest sees no GPU).
function Register-HvVmRunning {
    param($State, $HostRec, $Vm, [string]$By)
    $why = Get-HvVgpuLoadProblem $State $HostRec $Vm
    if ($null -ne $why) {
        Add-HvEvent $State ([ordered]@{ kind = 'vgpu-load-failed'; vm = [string]$Vm['name']; host = [string]$HostRec['name']; host_driver = [string]$HostRec['nvidia_driver']; guest_driver = [string]$Vm['guest']['driver']; by = $By; message = $why })
    }
}

# A running VM went down (shut down, turned off, saved, its host restarted or failed).
function Register-HvVmDown {
    param($State, $HostRec, $Vm, [string]$By)
    Add-HvEvent $State ([ordered]@{ kind = 'vm-down'; vm = [string]$Vm['name']; host = [string]$HostRec['name']; by = $By })
}

# The state problems of the guest-driver fields.
function Test-HvGuestState {
    param($State, $p)
    if ($State.Contains('events') -and $null -ne $State['events'] -and $State['events'] -isnot [array]) {
        $p.Add("events`tstate: 'events' must be an array")
    }
    if ($State.Contains('vgpu_compatibility') -and $null -ne $State['vgpu_compatibility']) {
        $c = $State['vgpu_compatibility']
        if ($c -isnot [System.Collections.IDictionary] -or $c['releases'] -isnot [array]) {
            $p.Add("vgpu_compatibility`tstate: 'vgpu_compatibility' needs a 'releases' array")
        } else {
            $k = 0
            foreach ($r in $c['releases']) {
                if ($r -isnot [System.Collections.IDictionary] -or -not $r['release'] -or [string]$r['release'] -notmatch '^\d+(\.\d+)?$') {
                    $p.Add("vgpu_compatibility.releases[$k]`tstate: a release needs 'release' as MAJOR.MINOR")
                }
                $k++
            }
        }
    }
    $i = 0
    foreach ($h in @($State['hosts'])) {
        $j = 0
        foreach ($v in @($h['vms'])) {
            if ($v -is [System.Collections.IDictionary] -and $v.Contains('guest') -and $null -ne $v['guest']) {
                $g = $v['guest']
                if ($g -isnot [System.Collections.IDictionary] -or [string]$g['os'] -notin 'windows', 'linux') {
                    $p.Add(("hosts[{0}].vms[{1}].guest`tstate: VM {2}: 'guest' needs os windows or linux" -f $i, $j, $v['name']))
                }
            }
            $j++
        }
        $i++
    }
}
