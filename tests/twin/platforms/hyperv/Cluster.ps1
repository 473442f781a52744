# Cluster.ps1 - the simulated FailoverClusters cmdlets over the state's
# `cluster` and `cluster_groups` (one VM role per group, with its VM
# resource). Part of the engine module.

function Resolve-HvCluster {
    param($Bound)
    $st = Get-HvState
    $c = $st['cluster']
    # A cluster object given as -InputObject acts on its own cluster.
    if (-not $Bound.ContainsKey('Cluster') -and $Bound.ContainsKey('InputObject') -and $null -ne $Bound['InputObject'] -and
        $Bound['InputObject'].PSObject.Properties['Cluster'] -and $Bound['InputObject'].Cluster) {
        $Bound = @{ Cluster = [string]$Bound['InputObject'].Cluster }
    }
    if ($Bound.ContainsKey('Cluster') -and $Bound['Cluster'] -and $Bound['Cluster'] -ne '.') {
        $n = [string]$Bound['Cluster']
        if ($null -eq $c -or -not ((($c['name'] -eq $n)) -or (@(@(Get-HvList $c['nodes'])).Where({ ($_ -eq $n) })))) {
            Stop-TwinCommand -Message ('The cluster "{0}" could not be found or reached: it is neither the cluster name nor one of its nodes.' -f $n) -ErrorId 'ClusterNotFound' -Category ObjectNotFound -Target $n
        }
        $up = @(@(Get-HvList $c['nodes']).Where({ $h = Find-HvHost $st $_; $null -ne $h -and [bool]$h['reachable'] }))
        if ($up.Count -eq 0 -or ((@(@(Get-HvList $c['nodes'])).Where({ ($_ -eq $n) })) -and $null -eq (Resolve-TwinRemoteHost -Name $n))) {
            Stop-TwinCommand -Message ('The cluster "{0}" could not be reached.' -f $n) -ErrorId 'ClusterNotReachable' -Category ConnectionError -Target $n
        }
        return $c
    }
    if ($null -eq $script:HostName) {
        Stop-TwinCommand -Message ("The cluster service is not running on computer '{0}' (twin: the admin workstation is not a cluster node; pass -Cluster)." -f $script:HvWorkstation) -ErrorId 'ClusterServiceNotRunning' -Category ObjectNotFound
    }
    if ($null -eq $c -or -not (@(@(Get-HvList $c['nodes'])).Where({ ($_ -eq $script:HostName) }))) {
        Stop-TwinCommand -Message ("The cluster service is not running on computer '{0}': it is not a cluster node." -f $script:HostName) -ErrorId 'ClusterServiceNotRunning' -Category ObjectNotFound
    }
    $c
}

$script:HvNameToString = { $this.Name }

function New-HvNodeObject {
    param([string]$Name)
    $st = Get-HvState
    $h = Find-HvHost $st $Name
    $o = New-TwinObject -TypeName 'Microsoft.FailoverClusters.PowerShell.ClusterNode' -Properties ([ordered]@{
        Name = $Name; State = (Get-HvNodeState $h); DrainStatus = (Get-HvDrainStatus $h); Cluster = [string]$st['cluster']['name']
    })
    $o.PSObject.Methods.Add([System.Management.Automation.PSScriptMethod]::new('ToString', $script:HvNameToString))
    $o
}

function Find-HvVmOfGroup {
    param($Group)
    foreach ($h in (Get-HvState)['hosts']) {
        foreach ($v in $h['vms']) {
            if (($v['id'] -eq $Group['vm_id'])) {
                return @{ Host = $h; Vm = $v }
            }
        }
    }
    $null
}

function Get-HvGroupState {
    param($Group)
    $hv = Find-HvVmOfGroup $Group
    if ($null -ne $hv -and [bool]$hv.Host['reachable'] -and $hv.Vm['state'] -eq 'Running') { return 'Online' }
    'Offline'
}

function New-HvGroupObject {
    param($Group)
    $o = New-TwinObject -TypeName 'Microsoft.FailoverClusters.PowerShell.ClusterGroup' -Properties ([ordered]@{
        Name = [string]$Group['name']; OwnerNode = (New-HvNodeObject ([string]$Group['owner_node'])); State = (Get-HvGroupState $Group)
        GroupType = 'VirtualMachine'; Cluster = [string](Get-HvState)['cluster']['name']
    })
    $o.PSObject.Methods.Add([System.Management.Automation.PSScriptMethod]::new('ToString', $script:HvNameToString))
    $o
}

function New-HvResourceObject {
    param($Group)
    $o = New-TwinObject -TypeName 'Microsoft.FailoverClusters.PowerShell.ClusterResource' -Properties ([ordered]@{
        Name = [string]$Group['vm_resource']['name']; State = (Get-HvGroupState $Group); OwnerGroup = [string]$Group['name']
        ResourceType = 'Virtual Machine'; OwnerNode = (New-HvNodeObject ([string]$Group['owner_node'])); Cluster = [string](Get-HvState)['cluster']['name']
    })
    $o.PSObject.Methods.Add([System.Management.Automation.PSScriptMethod]::new('ToString', $script:HvNameToString))
    $o
}

# The group of a cluster object given as -InputObject (a group or a resource
# object, from this machine or deserialized), or $null.
function Find-HvGroupOfObject {
    param($Object)
    $type = [string]$Object.PSObject.TypeNames[0]
    foreach ($g in (Get-HvState)['cluster_groups']) {
        if ($type -like '*ClusterGroup' -and (($g['name'] -eq ([string]$Object.Name)))) { return @{ Group = $g; Kind = 'Group' } }
        if ($type -like '*ClusterResource' -and (($g['vm_resource']['name'] -eq ([string]$Object.Name)))) { return @{ Group = $g; Kind = 'Resource' } }
    }
    $null
}

function Find-HvGroups {
    param($Cmdlet, $Bound, [string]$Kind)
    $groups = @((Get-HvState)['cluster_groups'])
    $out = [System.Collections.Generic.List[object]]::new()
    if ($Bound.ContainsKey('VMId')) {
        $hit = @(@($groups).Where({ ($_['vm_id'] -eq ([string]$Bound['VMId'])) }))
        if ($hit.Count -eq 0) {
            $Cmdlet.WriteError((New-TwinErrorRecord -Message ('No clustered virtual machine with id {0} was found.' -f $Bound['VMId']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $Bound['VMId']))
        }
        foreach ($g in $hit) { $out.Add($g) }
        return , $out
    }
    if ($Bound.ContainsKey('InputObject')) {
        $f = Find-HvGroupOfObject $Bound['InputObject']
        if ($null -eq $f) {
            Stop-TwinNotModeled -What ('{0} -InputObject of type {1}' -f $Kind, $Bound['InputObject'].PSObject.TypeNames[0])
        }
        $out.Add($f.Group)
        return , $out
    }
    if (-not $Bound.ContainsKey('Name')) {
        foreach ($g in $groups) { $out.Add($g) }
        return , $out
    }
    foreach ($n in $Bound['Name']) {
        $hit = @(@($groups).Where({ if ($Kind -eq 'Resource') { ($_['vm_resource']['name'] -eq $n) } else { ($_['name'] -eq $n) } }))
        if ($hit.Count -eq 0) {
            $what = if ($Kind -eq 'Resource') { 'resource' } else { 'group' }
            $Cmdlet.WriteError((New-TwinErrorRecord -Message ("An error occurred opening cluster {0} '{1}'. The cluster {0} could not be found." -f $what, $n) -ErrorId ('ClusterObjectNotFound,Get-Cluster{0}' -f $Kind) -Category ObjectNotFound -Target $n))
        }
        foreach ($g in $hit) { $out.Add($g) }
    }
    , $out
}

$script:Behaviours['Get-ClusterNode'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    foreach ($n in $cl['nodes']) {
        if ($B.ContainsKey('Name') -and -not (@(@($B['Name'])).Where({ ($_ -eq $n) }))) { continue }
        $C.WriteObject((New-HvNodeObject $n))
    }
}

$script:Behaviours['Get-ClusterGroup'] = {
    param($C, $B)
    $null = Resolve-HvCluster $B
    foreach ($g in (Find-HvGroups -Cmdlet $C -Bound $B -Kind 'Group')) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-ClusterGroup' -Target $g['name'] -HostName ([string]$g['owner_node']) }
        $C.WriteObject((New-HvGroupObject $g))
    }
}

$script:Behaviours['Get-ClusterResource'] = {
    param($C, $B)
    $null = Resolve-HvCluster $B
    foreach ($g in (Find-HvGroups -Cmdlet $C -Bound $B -Kind 'Resource')) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-ClusterResource' -Target $g['vm_resource']['name'] -HostName ([string]$g['owner_node']) }
        $C.WriteObject((New-HvResourceObject $g))
    }
}

function Get-HvClusterObjectTarget {
    param($Bound, [string]$What)
    if (-not $Bound.ContainsKey('InputObject')) {
        Stop-TwinNotModeled -What ('{0} without -InputObject (cluster common properties)' -f $What)
    }
    $f = Find-HvGroupOfObject $Bound['InputObject']
    if ($null -eq $f -or $f.Kind -ne 'Resource') {
        Stop-TwinNotModeled -What ('{0} on an object that is not a VM resource' -f $What)
    }
    $f.Group
}

$script:Behaviours['Get-ClusterParameter'] = {
    param($C, $B)
    $null = Resolve-HvCluster $B
    $g = Get-HvClusterObjectTarget -Bound $B -What 'Get-ClusterParameter'
    $params = $g['vm_resource']['parameters']
    foreach ($k in @($params.Keys)) {
        if ($B.ContainsKey('Name') -and -not (@(@($B['Name'])).Where({ ($_ -eq $k) }))) { continue }
        $C.WriteObject((New-TwinObject -TypeName 'Microsoft.FailoverClusters.PowerShell.ClusterParameter' -Properties ([ordered]@{
            ClusterObject = [string]$g['vm_resource']['name']; Name = [string]$k; IsReadOnly = $false; ParameterType = 'UInt32'; Value = $params[$k]
        })))
    }
    if ($B.ContainsKey('Name')) {
        foreach ($n in $B['Name']) {
            if (-not (@(@($params.Keys)).Where({ ($_ -eq $n) }))) {
                $C.WriteError((New-TwinErrorRecord -Message ('The parameter "{0}" does not exist on resource "{1}".' -f $n, $g['vm_resource']['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $n))
            }
        }
    }
}

# OfflineAction (the VM resource's private property): 0..3 (docs/sources.md, Hyper-V).
$script:Behaviours['Set-ClusterParameter'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    $g = Get-HvClusterObjectTarget -Bound $B -What 'Set-ClusterParameter'
    if ([bool]$B['Delete']) { Stop-TwinNotModeled -What 'Set-ClusterParameter -Delete' }
    $pairs = [ordered]@{}
    if ($B.ContainsKey('Multiple')) {
        foreach ($k in $B['Multiple'].Keys) { $pairs[[string]$k] = $B['Multiple'][$k] }
    } elseif ($B.ContainsKey('Name')) {
        if (-not $B.ContainsKey('Value')) {
            Stop-TwinCommand -Message 'Set-ClusterParameter -Name needs -Value.' -ErrorId 'InvalidParameter' -Category InvalidArgument
        }
        $pairs[[string]$B['Name']] = $B['Value']
    } else {
        Stop-TwinCommand -Message 'Set-ClusterParameter needs -Name and -Value, or -Multiple.' -ErrorId 'InvalidParameter' -Category InvalidArgument
    }
    $res = $g['vm_resource']
    foreach ($k in $pairs.Keys) {
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Set-ClusterParameter' -Target $res['name'] -Action ('set {0}' -f $k) -HostName ([string]$cl['name']) -Bound $B)) {
            continue
        }
        $key = (Get-HvFirst @(@($res['parameters'].Keys)).Where({ ($_ -eq $k) }, 'First'))
        if ($null -eq $key -and -not [bool]$B['Create']) {
            Stop-TwinCommand -Message ('The parameter "{0}" does not exist on resource "{1}"; use -Create to create a private property.' -f $k, $res['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $k
        }
        $value = $pairs[$k]
        if ($value -is [psobject]) { $value = $value.PSObject.BaseObject }
        if ((($k -eq 'OfflineAction'))) {
            $n = 0
            if (-not [int]::TryParse([string]$value, [ref]$n) -or $n -lt 0 -or $n -gt 3) {
                Stop-TwinCommand -Message ('OfflineAction must be 0, 1, 2 or 3 (Turn Off, Save, Shutdown, Shutdown (Forced)); got {0}.' -f $value) -ErrorId 'InvalidParameter' -Category InvalidArgument -Target $k
            }
            $value = $n
        }
        if ($null -eq $key) { $key = $k }
        $res['parameters'][$key] = $value
    }
}

# -Group: the group's preferred owners; -Resource (or a resource object): the
# resource's possible owners.
$script:Behaviours['Set-ClusterOwnerNode'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    $kind = $null
    $g = $null
    $groups = @((Get-HvState)['cluster_groups'])
    if ($B.ContainsKey('Group')) {
        $kind = 'Group'
        $g = (Get-HvFirst @($groups).Where({ ($_['name'] -eq $B['Group']) }, 'First'))
    } elseif ($B.ContainsKey('Resource')) {
        $kind = 'Resource'
        $g = (Get-HvFirst @($groups).Where({ ($_['vm_resource']['name'] -eq $B['Resource']) }, 'First'))
    } elseif ($B.ContainsKey('InputObject')) {
        $f = Find-HvGroupOfObject $B['InputObject']
        if ($null -ne $f) { $kind = $f.Kind; $g = $f.Group }
    } else {
        Stop-TwinCommand -Message 'Set-ClusterOwnerNode needs -Group, -Resource or -InputObject.' -ErrorId 'InvalidParameter' -Category InvalidArgument
    }
    $name = (Get-HvFirst @(@($B['Group'], $B['Resource'], $(if ($B.ContainsKey('InputObject')) { $B['InputObject'].Name }))).Where({ $_ }, 'First'))
    if ($null -eq $g) {
        Stop-TwinCommand -Message ("An error occurred opening cluster object '{0}'. The cluster object could not be found." -f $name) -ErrorId 'ClusterObjectNotFound' -Category ObjectNotFound -Target $name
    }
    $target = if ($kind -eq 'Group') { [string]$g['name'] } else { [string]$g['vm_resource']['name'] }
    if (-not (Enter-TwinChange -Cmdlet $C -Command 'Set-ClusterOwnerNode' -Target $target -Action ('set {0} owners' -f $(if ($kind -eq 'Group') { 'preferred' } else { 'possible' })) -HostName ([string]$cl['name']) -Bound $B)) {
        return
    }
    $owners = [System.Collections.Generic.List[string]]::new()
    foreach ($o in $B['Owners']) {
        $node = (Get-HvFirst @(@(Get-HvList $cl['nodes'])).Where({ ($_ -eq $o) }, 'First'))
        if ($null -eq $node) {
            Stop-TwinCommand -Message ("The node '{0}' is not a node of cluster {1}." -f $o, $cl['name']) -ErrorId 'InvalidParameter' -Category InvalidArgument -Target $o
        }
        $owners.Add($node)
    }
    if ($kind -eq 'Group') {
        $g['preferred_owners'] = $owners.ToArray()
    } else {
        $g['vm_resource']['possible_owners'] = $owners.ToArray()
    }
}

$script:Behaviours['Get-ClusterOwnerNode'] = {
    param($C, $B)
    $null = Resolve-HvCluster $B
    if ($B.ContainsKey('ResourceType')) { Stop-TwinNotModeled -What 'Get-ClusterOwnerNode -ResourceType' }
    $groups = @((Get-HvState)['cluster_groups'])
    $kind = $null
    $g = $null
    if ($B.ContainsKey('Group')) {
        $kind = 'Group'; $g = (Get-HvFirst @($groups).Where({ ($_['name'] -eq $B['Group']) }, 'First'))
    } elseif ($B.ContainsKey('Resource')) {
        $kind = 'Resource'; $g = (Get-HvFirst @($groups).Where({ ($_['vm_resource']['name'] -eq $B['Resource']) }, 'First'))
    } elseif ($B.ContainsKey('InputObject')) {
        $f = Find-HvGroupOfObject $B['InputObject']
        if ($null -ne $f) { $kind = $f.Kind; $g = $f.Group }
    }
    if ($null -eq $g) {
        Stop-TwinCommand -Message 'An error occurred opening the cluster object: it could not be found.' -ErrorId 'ClusterObjectNotFound' -Category ObjectNotFound
    }
    $list = if ($kind -eq 'Group') { @(Get-HvList $g['preferred_owners']) } else { @(Get-HvList $g['vm_resource']['possible_owners']) }
    $C.WriteObject((New-TwinObject -TypeName 'Microsoft.FailoverClusters.PowerShell.ClusterOwnerNodeList' -Properties ([ordered]@{
        ClusterObject = $(if ($kind -eq 'Group') { [string]$g['name'] } else { [string]$g['vm_resource']['name'] })
        OwnerNodes = @($list | ForEach-Object { New-HvNodeObject $_ })
    })))
}

# No -WhatIf in its documented syntax: a call under -WhatIf still happens.
$script:Behaviours['Update-ClusterVirtualMachineConfiguration'] = {
    param($C, $B)
    $cl = Resolve-HvCluster $B
    $groups = @((Get-HvState)['cluster_groups'])
    $g = $null
    if ($B.ContainsKey('VMId')) {
        $g = (Get-HvFirst @($groups).Where({ ($_['vm_id'] -eq ([string]$B['VMId'])) }, 'First'))
    } elseif ($B.ContainsKey('InputObject')) {
        $f = Find-HvGroupOfObject $B['InputObject']
        if ($null -ne $f) { $g = $f.Group }
    } elseif ($B.ContainsKey('Name')) {
        $n = [string]$B['Name']
        $g = (Get-HvFirst @($groups).Where({ (($_['name'] -eq $n)) -or (($_['vm_resource']['name'] -eq $n)) -or ((('Virtual Machine Configuration ' + $_['name']) -eq $n)) }, 'First'))
    }
    if ($null -eq $g) {
        Stop-TwinCommand -Message 'No clustered virtual machine matches the given name, id or object.' -ErrorId 'ObjectNotFound' -Category ObjectNotFound
    }
    $null = Enter-TwinChange -Cmdlet $C -Command 'Update-ClusterVirtualMachineConfiguration' -Target ([string]$g['name']) -Action 'refresh the VM configuration' -HostName ([string]$cl['name']) -Bound $B
}
