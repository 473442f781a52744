# Maintenance.ps1 - host maintenance in the simulated Hyper-V family cluster:
# node drain and resume (Suspend-/Resume-ClusterNode), moving a VM role
# between nodes (Move-ClusterGroup for a VM that is off,
# Move-ClusterVirtualMachineRole -MigrationType Live for a running one where
# the platform supports it) and host restarts (Restart-Computer), which load a
# vGPU Manager that pnputil installed (Tools.ps1). Part of the engine module.
#
# State fields (optional; a behaviour that needs one fails as not modeled on
# a state without it, so an old state round-trips unchanged): hosts[].paused
# (the node is paused: drained), hosts[].driver_pending (the host driver
# pnputil installed, loaded at the next restart), and the state's
# driver_packages (the packages a scenario offers: [{ path, driver }]).

# ---- drains that take time (hosts[].drain_seconds; README "Rollouts") ----
# Suspend-ClusterNode -Drain pauses the node at once and drains it for
# drain_seconds on the virtual clock (none: done at once): with -Wait the call
# returns when the drain is over (the clock moves on by that time); without, it
# returns at once and the node's DrainStatus (the node common property
# NodeDrainStatus: NotInitiated, InProgress, Completed, Failed; Microsoft Learn,
# CLUSTER_NODE_DRAIN_STATUS) is InProgress until then, Completed after. A
# drain that cannot move a running VM (the twin's drains move none) fails:
# with -Wait the call fails; without, DrainStatus becomes Failed when its time
# is over and the node is no longer paused (the pause is not kept on a move
# error: PauseClusterNodeEx's CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR
# flag is what keeps it). A node that goes down during a drain ends it Failed.
# Resume-ClusterNode resets it (NotInitiated). A node paused in the state with
# no drain of this run reads Completed. The drains live in the run (shared by
# every simulated machine), not in the state; each completed one is a
# `node-drain` event {host, start, end} when the state has `events`.
function Get-HvDrains {
    if (-not $script:Run.ContainsKey('HvDrains')) { $script:Run['HvDrains'] = @{} }
    $script:Run['HvDrains']
}

function New-HvDrainSeq {
    if (-not $script:Run.ContainsKey('HvDrainSeq')) { $script:Run['HvDrainSeq'] = 0 }
    $script:Run['HvDrainSeq'] = [int]$script:Run['HvDrainSeq'] + 1
    [int]$script:Run['HvDrainSeq']
}

function Get-HvDrainSeconds {
    param($HostRec)
    if ($HostRec.Contains('drain_seconds')) { return [int]$HostRec['drain_seconds'] }
    0
}

function Update-HvDrains {
    $drains = Get-HvDrains
    if ($drains.Count -eq 0) { return }
    $now = Get-TwinClock
    # In the order the drains were started (events in that order).
    foreach ($k in @($drains.Keys | Sort-Object -Property @{ Expression = { $drains[$_].Seq } })) {
        $d = $drains[$k]
        if ($d.Status -ne 'InProgress') { continue }
        $h = $d.Host
        if (-not [bool]$h['reachable']) { $d.Status = 'Failed'; continue }
        if ($d.Due -gt $now) { continue }
        if ($d.Fails) {
            $d.Status = 'Failed'
            $h['paused'] = $false
            continue
        }
        $d.Status = 'Completed'
        Add-TwinEvent (Get-HvState) ([ordered]@{ kind = 'node-drain'; host = [string]$h['name']; start = $d.Start; end = $d.Due })
    }
}

function Get-HvDrainStatus {
    param($HostRec)
    Update-HvDrains
    $drains = Get-HvDrains
    $k = ([string]$HostRec['name']).ToLowerInvariant()
    if ($drains.ContainsKey($k)) { return $drains[$k].Status }
    if ($HostRec.Contains('paused') -and [bool]$HostRec['paused']) { return 'Completed' }
    'NotInitiated'
}

# Up, Paused or Down, as Get-ClusterNode reports it.
function Get-HvNodeState {
    param($HostRec)
    Update-HvDrains
    if ($null -eq $HostRec -or -not [bool]$HostRec['reachable']) { return 'Down' }
    if ($HostRec.Contains('paused') -and [bool]$HostRec['paused']) { return 'Paused' }
    'Up'
}

# The state's host of a cluster node named by -Name or a node object; fails
# as the cluster cmdlets do for a name that is not a node.
function Resolve-HvNodeArgument {
    param($Cluster, $Bound, [string]$Command)
    $names = [System.Collections.Generic.List[string]]::new()
    if ($Bound.ContainsKey('Name')) {
        foreach ($n in $Bound['Name']) { $names.Add([string]$n) }
    } elseif ($Bound.ContainsKey('InputObject')) {
        $names.Add([string]$Bound['InputObject'].Name)
    } else {
        Stop-TwinNotModeled -What ('{0} without -Name (the local node)' -f $Command)
    }
    $out = [System.Collections.Generic.List[object]]::new()
    foreach ($n in $names) {
        $node = Get-HvFirst @(@(Get-HvList $Cluster['nodes'])).Where({ ($_ -eq $n) }, 'First')
        $h = $null
        if ($null -ne $node) { $h = Find-HvHost (Get-HvState) $node }
        if ($null -eq $h) {
            Stop-TwinCommand -Message ("The cluster node '{0}' was not found." -f $n) -ErrorId 'ClusterNodeNotFound' -Category ObjectNotFound -Target $n
        }
        if (-not $h.Contains('paused')) {
            Stop-TwinNotModeled -What ('{0} on a state whose hosts have no "paused" field' -f $Command)
        }
        $out.Add($h)
    }
    , $out
}

# The VM (and its host) of a cluster group.
function Find-HvGroupByArgument {
    param($Bound, [string]$Command)
    $groups = @((Get-HvState)['cluster_groups'])
    $g = $null
    if ($Bound.ContainsKey('VMId')) {
        $g = Get-HvFirst @($groups).Where({ ($_['vm_id'] -eq ([string]$Bound['VMId'])) }, 'First')
    } elseif ($Bound.ContainsKey('InputObject')) {
        $f = Find-HvGroupOfObject $Bound['InputObject']
        if ($null -ne $f) { $g = $f.Group }
    } elseif ($Bound.ContainsKey('Name')) {
        $n = [string]$Bound['Name']
        $g = Get-HvFirst @($groups).Where({ ($_['name'] -eq $n) }, 'First')
    } else {
        Stop-TwinNotModeled -What ('{0} without a group' -f $Command)
    }
    if ($null -eq $g) {
        $what = [string]$Bound['Name']
        Stop-TwinCommand -Message ("An error occurred opening cluster group '{0}'. The cluster group could not be found." -f $what) -ErrorId 'ClusterObjectNotFound' -Category ObjectNotFound -Target $what
    }
    $hv = Find-HvVmOfGroup $g
    if ($null -eq $hv) {
        Stop-TwinCommand -Message ("The virtual machine of cluster group '{0}' was not found." -f $g['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $g['name']
    }
    @{ Group = $g; Host = $hv.Host; Vm = $hv.Vm }
}

# The node a role may move to: a reachable, not paused node among the VM
# resource's possible owners (all nodes when the list is empty).
function Assert-HvMoveTarget {
    param($Cluster, $Group, [string]$Node)
    $n = Get-HvFirst @(@(Get-HvList $Cluster['nodes'])).Where({ ($_ -eq $Node) }, 'First')
    $h = $null
    if ($null -ne $n) { $h = Find-HvHost (Get-HvState) $n }
    if ($null -eq $h) {
        Stop-TwinCommand -Message ("The cluster node '{0}' was not found." -f $Node) -ErrorId 'ClusterNodeNotFound' -Category ObjectNotFound -Target $Node
    }
    $state = Get-HvNodeState $h
    if ($state -ne 'Up') {
        Stop-TwinCommand -Message ("The group '{0}' cannot be moved to node '{1}': the node is {2}." -f $Group['name'], $n, $state) -ErrorId 'ClusterNodeNotUp' -Category InvalidOperation -Target $Node
    }
    $possible = @(Get-HvList $Group['vm_resource']['possible_owners'])
    if ($possible.Count -gt 0 -and -not (@($possible).Where({ ($_ -eq $n) }))) {
        Stop-TwinCommand -Message ("The group '{0}' cannot be moved to node '{1}': it is not a possible owner of its VM resource." -f $Group['name'], $n) -ErrorId 'ClusterNodeNotPossibleOwner' -Category InvalidOperation -Target $Node
    }
    $h
}

function Move-HvVmRecord {
    param($From, $To, $Vm, $Group)
    $From['vms'] = @(@($From['vms']).Where({ -not [object]::ReferenceEquals($_, $Vm) }))
    $To['vms'] = @($To['vms']) + @($Vm)
    $Group['owner_node'] = [string]$To['name']
}

# -Drain: the twin does not live-migrate roles during a drain, so a node with a
# running VM fails to drain, with the error text of a failed drain move
# (MicrosoftDocs/azure-stack-docs#1555); the rollout moves or shuts down the
# GPU VMs first. Roles that are off stay on the node.
$script:Behaviours['Suspend-ClusterNode'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    if ($B.ContainsKey('ForceDrain') -or $B.ContainsKey('TargetNode')) {
        Stop-TwinNotModeled -What 'Suspend-ClusterNode -ForceDrain / -TargetNode'
    }
    foreach ($h in (Resolve-HvNodeArgument $cl $B 'Suspend-ClusterNode')) {
        if (-not [bool]$h['reachable']) {
            Stop-TwinCommand -Message ("The cluster node '{0}' is down." -f $h['name']) -ErrorId 'ClusterNodeDown' -Category ConnectionError -Target $h['name']
        }
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Suspend-ClusterNode' -Target ([string]$h['name']) -Action 'pause the node' -HostName ([string]$h['name']) -Bound $B)) {
            continue
        }
        $key = ([string]$h['name']).ToLowerInvariant()
        if ((Get-HvDrainStatus $h) -eq 'InProgress') {
            Stop-TwinCommand -Message ("twin: node '{0}' is being drained already (DrainStatus InProgress)" -f $h['name']) -ErrorId 'DrainInProgress' -Category InvalidOperation -Target $h['name']
        }
        if ($B.ContainsKey('Drain') -and [bool]$B['Drain']) {
            $wait = $B.ContainsKey('Wait') -and [bool]$B['Wait']
            $fails = ''
            foreach ($v in @($h['vms'])) {
                if ($v['state'] -ne 'Running') { continue }
                $g = Get-HvFirst @(@((Get-HvState)['cluster_groups'])).Where({ ($_['vm_id'] -eq $v['id']) }, 'First')
                $gn = if ($null -ne $g) { [string]$g['name'] } else { [string]$v['name'] }
                $fails = "Move of cluster role '{0}' for drain could not be completed. The operation failed with error code 0x32. (twin: a drain does not move running VMs; move or shut them down first)" -f $gn
                if ($wait) { Stop-TwinCommand -Message $fails -ErrorId 'DrainFailed' -Category InvalidOperation -Target $h['name'] }
                break
            }
            $start = Get-TwinClock
            $h['paused'] = $true
            (Get-HvDrains)[$key] = @{ Host = $h; Start = $start; Due = $start + (Get-HvDrainSeconds $h); Status = 'InProgress'; Fails = ($fails -ne ''); Seq = (New-HvDrainSeq) }
            if ($wait) {
                # -Wait: the call returns when the drain is over.
                Add-TwinClock (Get-HvDrainSeconds $h)
            }
            Update-HvDrains
        } else {
            $h['paused'] = $true
        }
        $C.WriteObject((New-HvNodeObject ([string]$h['name'])))
    }
}

# Only -Failback NoFailback is modeled: Immediate and Policy move roles back
# to their preferred owners, which the twin does not do.
$script:Behaviours['Resume-ClusterNode'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    if (-not $B.ContainsKey('Failback') -or [string]$B['Failback'] -ne 'NoFailback') {
        Stop-TwinNotModeled -What 'Resume-ClusterNode without -Failback NoFailback (failback of roles)'
    }
    foreach ($h in (Resolve-HvNodeArgument $cl $B 'Resume-ClusterNode')) {
        if (-not [bool]$h['reachable']) {
            Stop-TwinCommand -Message ("The cluster node '{0}' is down." -f $h['name']) -ErrorId 'ClusterNodeDown' -Category ConnectionError -Target $h['name']
        }
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Resume-ClusterNode' -Target ([string]$h['name']) -Action 'resume the node' -HostName ([string]$h['name']) -Bound $B)) {
            continue
        }
        if ((Get-HvDrainStatus $h) -eq 'InProgress') {
            Stop-TwinCommand -Message ("twin: node '{0}' is still being drained (DrainStatus InProgress); resuming it mid-drain is not modeled" -f $h['name']) -ErrorId 'DrainInProgress' -Category InvalidOperation -Target $h['name']
        }
        $h['paused'] = $false
        (Get-HvDrains).Remove(([string]$h['name']).ToLowerInvariant())
        $C.WriteObject((New-HvNodeObject ([string]$h['name'])))
    }
}

# A role that is off moves to the named node (its VM record with it). A
# running VM would be quick-migrated (saved), which no GPU document allows:
# the twin refuses it (strict).
$script:Behaviours['Move-ClusterGroup'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    if (-not $B.ContainsKey('Node')) {
        Stop-TwinNotModeled -What 'Move-ClusterGroup without -Node (the cluster picks the node)'
    }
    $f = Find-HvGroupByArgument $B 'Move-ClusterGroup'
    $to = Assert-HvMoveTarget $cl $f.Group ([string]$B['Node'])
    if (-not (Enter-TwinChange -Cmdlet $C -Command 'Move-ClusterGroup' -Target ([string]$f.Group['name']) -Action ('move to {0}' -f $to['name']) -HostName ([string]$f.Host['name']) -Bound $B)) {
        return
    }
    if ($f.Vm['state'] -ne 'Off') {
        Stop-TwinCommand -Message ("The group '{0}' is online: moving it would save its VM (quick migration), which a VM with a GPU does not support (twin: strict; shut it down first)." -f $f.Group['name']) -ErrorId 'GroupOnline' -Category InvalidOperation -Target $f.Group['name']
    }
    if (-not [object]::ReferenceEquals($to, $f.Host)) {
        Move-HvVmRecord $f.Host $to $f.Vm $f.Group
    }
    $C.WriteObject((New-HvGroupObject $f.Group))
}

# Live migration of a running VM: DDA VMs cannot be live-migrated; GPU-P VMs
# only between hosts of Windows Server 2025 / Azure Local 12.x (OS build
# 26100, docs/sources.md, Hyper-V) with a free partition on the
# target. Only -MigrationType Live is modeled.
$script:HvLiveMigrationBuild = 26100
$script:Behaviours['Move-ClusterVirtualMachineRole'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    if (-not $B.ContainsKey('MigrationType') -or [string]$B['MigrationType'] -ne 'Live' -or $B.ContainsKey('Cancel') -or -not $B.ContainsKey('Node')) {
        Stop-TwinNotModeled -What 'Move-ClusterVirtualMachineRole other than -MigrationType Live -Node'
    }
    $f = Find-HvGroupByArgument $B 'Move-ClusterVirtualMachineRole'
    $to = Assert-HvMoveTarget $cl $f.Group ([string]$B['Node'])
    if (-not (Enter-TwinChange -Cmdlet $C -Command 'Move-ClusterVirtualMachineRole' -Target ([string]$f.Group['name']) -Action ('live-migrate to {0}' -f $to['name']) -HostName ([string]$f.Host['name']) -Bound $B)) {
        return
    }
    $v = $f.Vm
    if ($v['state'] -ne 'Running') {
        Stop-TwinCommand -Message ("The virtual machine '{0}' is not running: it cannot be live-migrated." -f $v['name']) -ErrorId 'VMNotRunning' -Category InvalidOperation -Target $v['name']
    }
    if (@($v['assignable_devices']).Count -gt 0) {
        Stop-TwinCommand -Message ("Live migration of '{0}' failed: live migration of VMs using GPUs provided by DDA isn't supported." -f $v['name']) -ErrorId 'LiveMigrationFailed' -Category InvalidOperation -Target $v['name']
    }
    if (@($v['gpu_partition_adapters']).Count -gt 0) {
        foreach ($h in @($f.Host, $to)) {
            $build = 0
            if ($h.Contains('os_build')) { $null = [int]::TryParse([string]$h['os_build'], [ref]$build) }
            if ($build -lt $script:HvLiveMigrationBuild) {
                Stop-TwinCommand -Message ("Live migration of '{0}' failed: host {1} (OS build {2}) does not support live migration of GPU partitions (Windows Server 2025 / Azure Local 12.x)." -f $v['name'], $h['name'], $build) -ErrorId 'LiveMigrationFailed' -Category InvalidOperation -Target $v['name']
            }
        }
        $why = Get-HvStartProblem $to $v
        if ($null -ne $why) {
            Stop-TwinCommand -Message ("Live migration of '{0}' to {1} failed: {2}" -f $v['name'], $to['name'], $why) -ErrorId 'LiveMigrationFailed' -Category ResourceUnavailable -Target $v['name']
        }
    }
    Move-HvVmRecord $f.Host $to $v $f.Group
    Register-HvVmRunning (Get-HvState) $to $v 'Move-ClusterVirtualMachineRole -MigrationType Live'
    $C.WriteObject((New-HvGroupObject $f.Group))
}

# A host restart: every VM still running on it ends off (the twin does not
# model the automatic stop action or a failover), the host driver pnputil
# installed is loaded (driver_pending -> nvidia_driver), and the host is back
# at once on the virtual clock. Several computers: each is restarted in turn
# and a computer that cannot be restarted (unreachable, a fault) is a
# non-terminating error of its own while the others are still restarted and
# waited for, as the cmdlet does (PowerShell's Computer.cs: WriteError
# "RestartcomputerFailed" per computer, then one wait over the computers it
# restarted).
$script:Behaviours['Restart-Computer'] = {
    param($C, $B)
    if (-not $B.ContainsKey('ComputerName')) {
        Stop-TwinNotModeled -What 'Restart-Computer of the local machine'
    }
    foreach ($n in @($B['ComputerName'])) {
        try {
            $h = Find-HvHost (Get-HvState) ([string]$n)
            if ($null -eq $h -or -not [bool]$h['reachable']) {
                Stop-TwinCommand -Message ("Failed to restart the computer {0} with the following error message: The RPC server is unavailable." -f $n) -ErrorId 'RestartcomputerFailed' -Category OperationStopped -Target $n
            }
            if (-not (Enter-TwinChange -Cmdlet $C -Command 'Restart-Computer' -Target ([string]$h['name']) -Action 'restart' -HostName ([string]$h['name']) -Bound $B)) {
                continue
            }
            foreach ($v in @($h['vms'])) {
                if ($v['state'] -eq 'Running') {
                    Register-HvVmDown (Get-HvState) $h $v 'Restart-Computer'
                    $v['state'] = 'Off'
                }
            }
            if ($h.Contains('driver_pending') -and $null -ne $h['driver_pending']) {
                $h['nvidia_driver'] = [string]$h['driver_pending']
                $h['driver_pending'] = $null
            }
        } catch {
            if (-not $_.Exception.Data.Contains('VgpucTwin')) { throw }
            $C.WriteError($_)
        }
    }
}

# The engine's node-failure fault (Engine.ps1, Invoke-TwinNodeFailureFault):
# the cluster's handling of a failed node, on the live state.
function Invoke-TwinPlatformNodeFailure {
    param([string]$Node)
    Invoke-HvNodeFailure (Get-HvState) $Node
}
