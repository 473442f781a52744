# Behaviours.ps1 - what each simulated Hyper-V, FailoverClusters and PnpDevice
# cmdlet does to the state (tests/twin/README.md), hand-written, one entry of
# $script:Behaviours per cmdlet. Binding (which parameters and sets exist) is
# generated from the cmdlet tables; a documented cmdlet without an entry here
# fails with "not modeled by the twin". Part of the engine module.

# --- machines ----------------------------------------------------------------

$script:HvWorkstation = 'ADMIN-WS'

function Get-HvState { $script:Run.State }

function Resolve-TwinRemoteHost {
    param([string]$Name)
    if ($Name -in 'localhost', '.' -and $null -ne $script:HostName) {
        $Name = $script:HostName
    }
    $h = Find-HvHost (Get-HvState) $Name
    if ($null -eq $h -or -not [bool]$h['reachable']) {
        return $null
    }
    [string]$h['name']
}

function Test-TwinModuleWanted {
    param([string]$Name)
    $st = Get-HvState
    $guest = Get-HvGuestContext
    if ($null -ne $guest) {
        # A guest has its NVIDIA driver's nvidia-smi and the twin's own modules, no host tools.
        if ($Name -eq 'nvidia-smi.exe') {
            return ($guest.Vm.Contains('guest') -and $null -ne $guest.Vm['guest'] -and -not [string]::IsNullOrEmpty([string]$guest.Vm['guest']['driver']))
        }
        return ($Name -like 'VgpucTwin.*' -and $Name -notin 'VgpucTwin.AzureCli', 'VgpucTwin.HostFiles')
    }
    switch ($Name) {
        'nvidia-smi.exe' {
            if ($null -eq $script:HostName) { return $false }
            $h = Find-HvHost $st $script:HostName
            return ($null -ne $h -and $null -ne $h['nvidia_driver'])
        }
        'pnputil.exe' { return ($null -ne $script:HostName) }
        # A host's files (Test-Path): the driver packages of the state.
        'VgpucTwin.HostFiles' { return ($null -ne $script:HostName) }
        'VgpucTwin.AzureCli' {
            if ($null -ne $script:HostName -or -not $st.Contains('arc') -or $null -eq $st['arc']) { return $false }
            return -not ($st['arc'] -is [System.Collections.IDictionary] -and $st['arc'].Contains('az_cli') -and -not [bool]$st['arc']['az_cli'])
        }
        default { return $true }
    }
}

# The hosts a Hyper-V cmdlet acts on: -ComputerName, else the machine it runs
# on. The admin workstation has no Hyper-V; an unreachable host fails.
function Get-HvTargetHosts {
    param($Cmdlet, $Bound)
    if ($Bound.ContainsKey('CimSession')) {
        Stop-TwinNotModeled -What '-CimSession'
    }
    $names = @()
    if ($Bound.ContainsKey('ComputerName')) {
        $names = @($Bound['ComputerName'])
    } else {
        $names = @('.')
    }
    $out = [System.Collections.Generic.List[object]]::new()
    foreach ($n in $names) {
        if (($n -in 'localhost', '.' -or (($n -eq $script:HvWorkstation))) -and $null -eq $script:HostName) {
            Stop-TwinCommand -Message ("The Hyper-V Management Tools could not access an expected WMI class on computer '{0}'. This may indicate that the Hyper-V Platform is not enabled on the target computer or that the WMI classes are not present. (twin: the admin workstation has no Hyper-V; use -ComputerName or Invoke-Command)" -f $script:HvWorkstation) -ErrorId 'ObjectNotFound,Microsoft.HyperV.PowerShell' -Category ObjectNotFound
        }
        $name = Resolve-TwinRemoteHost -Name $n
        if ($null -eq $name) {
            $er = New-TwinErrorRecord -Message ("The operation on computer '{0}' failed: WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer." -f $n) -ErrorId 'OperationFailed,Microsoft.HyperV.PowerShell' -Category ConnectionError -Target $n
            $Cmdlet.WriteError($er)
            continue
        }
        $out.Add((Find-HvHost (Get-HvState) $name))
    }
    , $out
}

function Get-HvLocalHost {
    param([string]$What)
    if ($null -eq $script:HostName) {
        Stop-TwinCommand -Message ("{0}: the admin workstation '{1}' has no Hyper-V host (twin: run it on the node, in Invoke-Command)" -f $What, $script:HvWorkstation) -ErrorId 'ObjectNotFound' -Category ObjectNotFound
    }
    Find-HvHost (Get-HvState) $script:HostName
}

# --- objects -----------------------------------------------------------------

function New-HvVmObject {
    param($HostRec, $Vm)
    $id = [guid]$Vm['id']
    $clustered = $false
    foreach ($g in $script:Run.State['cluster_groups']) {
        if ($g['vm_id'] -eq $Vm['id']) {
            $clustered = $true
            break
        }
    }
    $o = [pscustomobject]([ordered]@{
        Name = [string]$Vm['name']; VMName = [string]$Vm['name']; Id = $id; VMId = $id
        State = [string]$Vm['state']; Status = 'Operating normally'; ComputerName = [string]$HostRec['name']
        Generation = [int]$Vm['generation']; MemoryStartup = [int64]$Vm['memory_startup_bytes']
        DynamicMemoryEnabled = [bool]$Vm['dynamic_memory']; AutomaticStopAction = [string]$Vm['automatic_stop_action']
        GuestControlledCacheTypes = [bool]$Vm['guest_controlled_cache_types']
        LowMemoryMappedIoSpace = [uint32]$Vm['low_mmio_bytes']; HighMemoryMappedIoSpace = [uint64]$Vm['high_mmio_bytes']
        IsClustered = $clustered
    })
    $o.PSObject.TypeNames.Insert(0, 'Microsoft.HyperV.PowerShell.VirtualMachine')
    $o
}

# VMs named by -Name/-VMName (wildcards, as WildcardPattern) or given as -VM
# objects; a name without wildcard that matches nothing is an error.
function Get-HvVmTargets {
    param($Cmdlet, $Bound, [string]$NameParameter = 'VMName')
    $out = [System.Collections.Generic.List[object]]::new()
    if ($Bound.ContainsKey('VM')) {
        foreach ($o in $Bound['VM']) {
            $h = Find-HvHost (Get-HvState) ([string]$o.ComputerName)
            $hit = $null
            if ($null -ne $h -and [bool]$h['reachable']) {
                foreach ($v in $h['vms']) {
                    if (($v['id'] -eq ([string]$o.Id))) {
                        $hit = $v
                    }
                }
            }
            if ($null -eq $hit) {
                $Cmdlet.WriteError((New-TwinErrorRecord -Message ('Hyper-V was unable to find a virtual machine with name "{0}".' -f $o.Name) -ErrorId 'InvalidParameter' -Category InvalidArgument -Target $o.Name))
                continue
            }
            $out.Add(@{ Host = $h; Vm = $hit })
        }
        return , $out
    }
    $hosts = Get-HvTargetHosts -Cmdlet $Cmdlet -Bound $Bound
    $names = @('*')
    if ($Bound.ContainsKey($NameParameter)) {
        $names = @($Bound[$NameParameter])
    }
    foreach ($n in $names) {
        $found = 0
        $pattern = [System.Management.Automation.WildcardPattern]::new($n, [System.Management.Automation.WildcardOptions]::IgnoreCase)
        foreach ($h in $hosts) {
            foreach ($v in $h['vms']) {
                if ($pattern.IsMatch($v['name'])) {
                    $out.Add(@{ Host = $h; Vm = $v })
                    $found++
                }
            }
        }
        if ($found -eq 0 -and -not (Test-TwinHasWildcard $n)) {
            $Cmdlet.WriteError((New-TwinErrorRecord -Message ('Hyper-V was unable to find a virtual machine with name "{0}".' -f $n) -ErrorId 'InvalidParameter' -Category InvalidArgument -Target $n))
        }
    }
    , $out
}

function Assert-HvVmOff {
    param($Vm, [string]$What)
    if ($Vm['state'] -ne 'Off') {
        Stop-TwinCommand -Message ("{0}: the operation cannot be performed while the virtual machine '{1}' is in its current state ({2}); it must be Off." -f $What, $Vm['name'], $Vm['state']) -ErrorId 'InvalidState' -Category InvalidOperation -Target $Vm['name']
    }
}

# A Hyper-V -AsJob: the change is done now; the job (a real thread job)
# returns its output or fails with its error, for Wait-Job / Receive-Job.
function Invoke-HvMaybeJob {
    param($Cmdlet, $Bound, [scriptblock]$Action)
    if (-not ($Bound.ContainsKey('AsJob') -and [bool]$Bound['AsJob'])) {
        & $Action
        return
    }
    $result = @()
    $message = $null
    try {
        $result = @(& $Action)
    } catch {
        $message = $_.Exception.Message
    }
    $Cmdlet.WriteObject((Start-ThreadJob -ScriptBlock { param($r, $m) if ($m) { throw $m }; $r } -ArgumentList (, $result), $message))
}

# --- Hyper-V: VMs ------------------------------------------------------------

$script:Behaviours['Get-VM'] = {
    param($C, $B)
    if ($B.ContainsKey('ClusterObject')) {
        $o = $B['ClusterObject']
        $g = $null
        foreach ($x in (Get-HvState)['cluster_groups']) {
            if ((($x['name'] -eq ([string]$o.Name))) -or (($x['vm_resource']['name'] -eq ([string]$o.Name)))) {
                $g = $x
            }
        }
        if ($null -eq $g) {
            Stop-TwinCommand -Message ('The cluster object "{0}" is not a virtual machine role or resource' -f $o.Name) -ErrorId 'InvalidParameter' -Category InvalidArgument
        }
        foreach ($h in (Get-HvState)['hosts']) {
            foreach ($v in $h['vms']) {
                if (($v['id'] -eq $g['vm_id'])) {
                    if (-not [bool]$h['reachable']) {
                        Stop-TwinCommand -Message ("The operation on computer '{0}' failed: WinRM cannot complete the operation." -f $h['name']) -Category ConnectionError
                    }
                    if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VM' -Target $v['name'] -HostName $h['name'] }
                    $C.WriteObject((New-HvVmObject $h $v))
                }
            }
        }
        return
    }
    if ($B.ContainsKey('Id')) {
        $hosts = Get-HvTargetHosts -Cmdlet $C -Bound $B
        $hit = $false
        foreach ($h in $hosts) {
            foreach ($v in $h['vms']) {
                if (($v['id'] -eq ([string]$B['Id']))) {
                    if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VM' -Target $v['name'] -HostName $h['name'] }
                    $C.WriteObject((New-HvVmObject $h $v))
                    $hit = $true
                }
            }
        }
        if (-not $hit) {
            Stop-TwinCommand -Message ('Hyper-V was unable to find a virtual machine with ID "{0}".' -f $B['Id']) -ErrorId 'InvalidParameter' -Category InvalidArgument
        }
        return
    }
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B -NameParameter 'Name')) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VM' -Target $t.Vm['name'] -HostName $t.Host['name'] }
        $C.WriteObject((New-HvVmObject $t.Host $t.Vm))
    }
}

# Azure Local VMs enabled by Arc (a VM's `arc` in a state whose `arc` is set):
# Microsoft supports stop, start and restart of them only through the Azure
# portal or CLI ("Supported operations for Azure Local VMs", docs/sources.md;
# moving them between nodes with the cluster cmdlets is supported). Hyper-V
# itself would obey: the twin is stricter, as the docs are, and refuses.
function Assert-HvNotArcVm {
    param($C, $Vm, [string]$What, [string]$AzVerb)
    $st = Get-HvState
    if ($null -ne $st['arc'] -and $Vm.Contains('arc') -and $null -ne $Vm['arc']) {
        Stop-TwinCommand -Message ("twin: '{0}' is an Azure Local VM enabled by Arc: {1} of it is supported only through Azure (az stack-hci-vm {2} --name NAME --resource-group RG), not with the local tools." -f $Vm['name'], $What, $AzVerb) -ErrorId 'ArcVmLocalPower' -Category InvalidOperation -Target $Vm['name']
    }
}

$script:Behaviours['Start-VM'] = {
    param($C, $B)
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B -NameParameter 'Name')) {
        $v = $t.Vm
        $h = $t.Host
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Start-VM' -Target $v['name'] -Action 'Start-VM' -HostName $h['name'] -Bound $B)) {
            continue
        }
        Assert-HvNotArcVm $C $v 'Start-VM' 'start'
        Invoke-HvMaybeJob -Cmdlet $C -Bound $B -Action {
            if ($v['state'] -eq 'Running') {
                $C.WriteWarning('The virtual machine is already in the specified state.')
            } else {
                $why = Get-HvStartProblem $h $v
                if ($null -ne $why) {
                    Stop-TwinCommand -Message ("'{0}' failed to start. Insufficient system resources exist to complete the requested service. (twin: {1})" -f $v['name'], $why) -ErrorId 'OperationFailed' -Category ResourceUnavailable -Target $v['name']
                }
                $v['state'] = 'Running'
                Register-HvVmRunning (Get-HvState) $h $v 'Start-VM'
            }
            if ($B.ContainsKey('Passthru') -and [bool]$B['Passthru']) {
                New-HvVmObject $h $v
            }
        }
    }
}

$script:Behaviours['Stop-VM'] = {
    param($C, $B)
    if ([bool]$B['Save'] -and [bool]$B['TurnOff']) {
        Stop-TwinCommand -Message 'The Save and TurnOff parameters cannot be used together.' -ErrorId 'InvalidParameter' -Category InvalidArgument
    }
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B -NameParameter 'Name')) {
        $v = $t.Vm
        $h = $t.Host
        $action = if ([bool]$B['Save']) { 'Stop-VM -Save' } elseif ([bool]$B['TurnOff']) { 'Stop-VM -TurnOff' } else { 'Stop-VM (shut down)' }
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Stop-VM' -Target $v['name'] -Action $action -HostName $h['name'] -Bound $B)) {
            continue
        }
        Assert-HvNotArcVm $C $v 'Stop-VM' 'stop'
        Invoke-HvMaybeJob -Cmdlet $C -Bound $B -Action {
            $was = [string]$v['state']
            if ($v['state'] -eq 'Off') {
                $C.WriteWarning('The virtual machine is already in the specified state.')
            } elseif ([bool]$B['Save']) {
                if (@($v['assignable_devices']).Count -gt 0) {
                    Stop-TwinCommand -Message ("'{0}' could not be saved: a VM with an assigned device (DDA) cannot be saved." -f $v['name']) -Category InvalidOperation -Target $v['name']
                }
                $v['state'] = 'Saved'
            } elseif ([bool]$B['TurnOff']) {
                $v['state'] = 'Off'
            } elseif ($v['state'] -ne 'Running') {
                Stop-TwinCommand -Message ("'{0}' cannot be shut down from the {1} state." -f $v['name'], $v['state']) -Category InvalidOperation -Target $v['name']
            } elseif ($v.Contains('shutdown_service') -and -not [bool]$v['shutdown_service']) {
                # Hyper-V asks whether to turn the VM off instead (ShouldContinue; -Force answers yes).
                if ([bool]$B['Force'] -or $C.ShouldContinue(("The virtual machine '{0}' does not have the shutdown integration service. Turn it off instead?" -f $v['name']), 'Stop-VM')) {
                    $v['state'] = 'Off'
                }
            } else {
                $v['state'] = 'Off'
            }
            if ($was -eq 'Running' -and $v['state'] -ne 'Running') {
                $by = if ([bool]$B['Save']) { 'Stop-VM -Save' } elseif ([bool]$B['TurnOff']) { 'Stop-VM -TurnOff' } else { 'Stop-VM (shut down)' }
                Register-HvVmDown (Get-HvState) $h $v $by
            }
            if ($B.ContainsKey('Passthru') -and [bool]$B['Passthru']) {
                New-HvVmObject $h $v
            }
        }
    }
}

# Get-VMIntegrationService: the Shutdown service only (the state's
# `shutdown_service`); a VM that is not running has no contact.
$script:Behaviours['Get-VMIntegrationService'] = {
    param($C, $B)
    if ($B.ContainsKey('VMSnapshot')) {
        Stop-TwinNotModeled -What 'Get-VMIntegrationService -VMSnapshot'
    }
    $names = @('*')
    if ($B.ContainsKey('Name')) {
        $names = @($B['Name'])
    }
    foreach ($n in $names) {
        if (-not [System.Management.Automation.WildcardPattern]::new($n, 'IgnoreCase').IsMatch('Shutdown')) {
            Stop-TwinNotModeled -What ('Get-VMIntegrationService -Name {0} (only Shutdown)' -f $n)
        }
    }
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B)) {
        $v = $t.Vm
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VMIntegrationService' -Target $v['name'] -HostName $t.Host['name'] }
        $enabled = -not ($v.Contains('shutdown_service') -and -not [bool]$v['shutdown_service'])
        $C.WriteObject((New-TwinObject -TypeName 'Microsoft.HyperV.PowerShell.VMIntegrationComponent' -Properties ([ordered]@{
            Name = 'Shutdown'; VMName = [string]$v['name']; VMId = [guid]$v['id']; ComputerName = [string]$t.Host['name']
            Enabled = $enabled
            PrimaryStatusDescription = $(if ($enabled -and $v['state'] -eq 'Running') { 'OK' } else { 'No Contact' })
        })))
    }
}

# Set-VM: the settings of the state; every other parameter is not modeled.
# MMIO, cache types, memory, dynamic/static memory and the automatic stop
# action need the VM off (the last one strict: the docs do not say).
$script:HvSetVmFields = [ordered]@{
    GuestControlledCacheTypes = 'guest_controlled_cache_types'
    LowMemoryMappedIoSpace    = 'low_mmio_bytes'
    HighMemoryMappedIoSpace   = 'high_mmio_bytes'
    MemoryStartupBytes        = 'memory_startup_bytes'
    AutomaticStopAction       = 'automatic_stop_action'
}
$script:Behaviours['Set-VM'] = {
    param($C, $B)
    foreach ($k in $B.Keys) {
        if ($k -notin @('Name', 'VM', 'ComputerName', 'Passthru', 'DynamicMemory', 'StaticMemory') + @($script:HvSetVmFields.Keys) -and
            $k -notin 'WhatIf', 'Confirm', 'ErrorAction', 'WarningAction', 'Verbose', 'Debug', 'ErrorVariable', 'WarningVariable', 'OutVariable', 'OutBuffer', 'InformationAction', 'InformationVariable', 'PipelineVariable', 'ProgressAction') {
            Stop-TwinNotModeled -What ('Set-VM -{0}' -f $k)
        }
    }
    if ([bool]$B['DynamicMemory'] -and [bool]$B['StaticMemory']) {
        Stop-TwinCommand -Message 'The DynamicMemory and StaticMemory parameters cannot be used together.' -ErrorId 'InvalidParameter' -Category InvalidArgument
    }
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B -NameParameter 'Name')) {
        $v = $t.Vm
        $h = $t.Host
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Set-VM' -Target $v['name'] -Action 'Set-VM' -HostName $h['name'] -Bound $B)) {
            continue
        }
        $changes = @(@($B.Keys).Where({ $_ -in @($script:HvSetVmFields.Keys) + @('DynamicMemory', 'StaticMemory') }))
        if ($changes.Count -gt 0) {
            Assert-HvVmOff -Vm $v -What ('Set-VM -{0}' -f ($changes -join ' -'))
        }
        foreach ($k in $script:HvSetVmFields.Keys) {
            if ($B.ContainsKey($k)) {
                $val = $B[$k]
                if ($k -eq 'AutomaticStopAction') {
                    $val = (Get-HvFirst @(@('TurnOff', 'Save', 'ShutDown')).Where({ $_ -eq $val }, 'First'))
                } elseif ($k -eq 'GuestControlledCacheTypes') {
                    $val = [bool]$val
                } else {
                    $val = [int64]$val
                }
                $v[$script:HvSetVmFields[$k]] = $val
            }
        }
        if ([bool]$B['DynamicMemory']) {
            if (@($v['assignable_devices']).Count -gt 0) {
                Stop-TwinCommand -Message ("'{0}': dynamic memory cannot be enabled on a VM with an assigned device (DDA)." -f $v['name']) -Category InvalidOperation -Target $v['name']
            }
            $v['dynamic_memory'] = $true
        }
        if ([bool]$B['StaticMemory']) {
            $v['dynamic_memory'] = $false
        }
        if ($B.ContainsKey('Passthru') -and [bool]$B['Passthru']) {
            $C.WriteObject((New-HvVmObject $h $v))
        }
    }
}

# --- Hyper-V: GPU partitioning -----------------------------------------------

function New-HvAdapterObject {
    param($HostRec, $Vm, $Adapter)
    New-TwinObject -TypeName 'Microsoft.HyperV.PowerShell.VMGpuPartitionAdapter' -Properties ([ordered]@{
        Name = 'GPU Partition Settings'; Id = [string]$Adapter['id']; VMName = [string]$Vm['name']; VMId = [guid]$Vm['id']
        ComputerName = [string]$HostRec['name']; InstancePath = ''
    })
}

function New-HvPartitionableGpuObject {
    param($HostRec, $Gpu)
    New-TwinObject -TypeName 'Microsoft.HyperV.PowerShell.VMHostPartitionableGpu' -Properties ([ordered]@{
        Name = (Get-HvGpuInterfaceName $Gpu); ComputerName = [string]$HostRec['name']
        ValidPartitionCounts = [uint16[]]@(Get-HvList $Gpu['valid_partition_counts'])
        PartitionCount = [uint16]$Gpu['partition_count']
    })
}

$script:Behaviours['Get-VMHostPartitionableGpu'] = {
    param($C, $B)
    foreach ($h in (Get-HvTargetHosts -Cmdlet $C -Bound $B)) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VMHostPartitionableGpu' -Target $h['name'] -HostName $h['name'] }
        foreach ($g in (Get-HvPartitionableGpus $h)) {
            if ($B.ContainsKey('Name') -and -not (($B['Name'] -eq (Get-HvGpuInterfaceName $g)))) {
                continue
            }
            $C.WriteObject((New-HvPartitionableGpuObject $h $g))
        }
    }
}

$script:Behaviours['Set-VMHostPartitionableGpu'] = {
    param($C, $B)
    if (-not $B.ContainsKey('PartitionCount')) {
        Stop-TwinNotModeled -What 'Set-VMHostPartitionableGpu without -PartitionCount'
    }
    $targets = [System.Collections.Generic.List[object]]::new()
    switch ($C.ParameterSetName) {
        'Name' {
            $h = Get-HvLocalHost -What 'Set-VMHostPartitionableGpu -Name'
            $hit = @(@(Get-HvPartitionableGpus $h).Where({ ((Get-HvGpuInterfaceName $_) -eq $B['Name']) }))
            if ($hit.Count -eq 0) {
                Stop-TwinCommand -Message ('Unable to find a partitionable GPU with name "{0}" on host {1} (a dismounted, disabled or driverless GPU is not partitionable).' -f $B['Name'], $h['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $B['Name']
            }
            $targets.Add(@{ Host = $h; Gpu = $hit[0] })
        }
        'Object' {
            foreach ($o in $B['HostPartitionableGpu']) {
                $h = Find-HvHost (Get-HvState) ([string]$o.ComputerName)
                $hit = @()
                if ($null -ne $h) {
                    $hit = @(@(Get-HvPartitionableGpus $h).Where({ ((Get-HvGpuInterfaceName $_) -eq ([string]$o.Name)) }))
                }
                if ($hit.Count -eq 0) {
                    Stop-TwinCommand -Message ('Unable to find the partitionable GPU "{0}".' -f $o.Name) -Category ObjectNotFound
                }
                $targets.Add(@{ Host = $h; Gpu = $hit[0] })
            }
        }
        default {
            foreach ($h in (Get-HvTargetHosts -Cmdlet $C -Bound $B)) {
                foreach ($g in (Get-HvPartitionableGpus $h)) {
                    $targets.Add(@{ Host = $h; Gpu = $g })
                }
            }
        }
    }
    foreach ($t in $targets) {
        $h = $t.Host
        $g = $t.Gpu
        $name = Get-HvGpuInterfaceName $g
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Set-VMHostPartitionableGpu' -Target $name -Action ('set PartitionCount {0}' -f $B['PartitionCount']) -HostName $h['name'] -Bound $B)) {
            continue
        }
        $valid = @(Get-HvList $g['valid_partition_counts'] | ForEach-Object { [int]$_ })
        if ($valid -notcontains [int]$B['PartitionCount']) {
            Stop-TwinCommand -Message ('The partition count {0} is not valid for the GPU {1}; ValidPartitionCounts: {2}.' -f $B['PartitionCount'], $name, ($valid -join ', ')) -ErrorId 'InvalidParameter' -Category InvalidArgument -Target $name
        }
        $holders = @(Get-HvVmsWithPartitions $h)
        if ($holders.Count -gt 0 -and [int]$g['partition_count'] -ne [int]$B['PartitionCount']) {
            Stop-TwinCommand -Message ('The partition count of GPU {0} cannot change while GPU partitions are assigned (VMs: {1}); remove them with Remove-VMGpuPartitionAdapter first.' -f $name, (($holders | ForEach-Object { $_['name'] }) -join ', ')) -ErrorId 'PartitionsAssigned' -Category ResourceBusy -Target $name
        }
        $g['partition_count'] = [int]$B['PartitionCount']
        if ([bool]$B['Passthru']) {
            $C.WriteObject((New-HvPartitionableGpuObject $h $g))
        }
    }
}

$script:Behaviours['Get-VMGpuPartitionAdapter'] = {
    param($C, $B)
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B)) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VMGpuPartitionAdapter' -Target $t.Vm['name'] -HostName $t.Host['name'] }
        foreach ($a in $t.Vm['gpu_partition_adapters']) {
            if ($B.ContainsKey('AdapterId') -and -not (($a['id'] -eq $B['AdapterId']))) {
                continue
            }
            $C.WriteObject((New-HvAdapterObject $t.Host $t.Vm $a))
        }
    }
}

$script:Behaviours['Add-VMGpuPartitionAdapter'] = {
    param($C, $B)
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B)) {
        $v = $t.Vm
        $h = $t.Host
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Add-VMGpuPartitionAdapter' -Target $v['name'] -Action 'Add-VMGpuPartitionAdapter' -HostName $h['name'] -Bound $B)) {
            continue
        }
        Assert-HvVmOff -Vm $v -What 'Add-VMGpuPartitionAdapter'
        $gpus = @(Get-HvPartitionableGpus $h)
        if ($gpus.Count -eq 0) {
            Stop-TwinCommand -Message ('Host {0} has no partitionable GPU (a GPU with the vGPU driver, enabled and not dismounted).' -f $h['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $v['name']
        }
        if ($B.ContainsKey('InstancePath') -and -not (@($gpus).Where({ ((Get-HvGpuInterfaceName $_) -eq $B['InstancePath']) }))) {
            Stop-TwinCommand -Message ('Unable to find a partitionable GPU with instance path "{0}" (the Name of Get-VMHostPartitionableGpu, not a PnP InstanceId).' -f $B['InstancePath']) -ErrorId 'InvalidParameter' -Category InvalidArgument -Target $v['name']
        }
        $ids = @(Get-HvList $v['gpu_partition_adapters'] | ForEach-Object { [string]$_['id'] })
        $n = $ids.Count + 1
        while ($ids -contains "adapter-$n") {
            $n++
        }
        $a = [ordered]@{ id = "adapter-$n" }
        $v['gpu_partition_adapters'] = @($v['gpu_partition_adapters']) + @($a)
        if ([bool]$B['Passthru']) {
            $C.WriteObject((New-HvAdapterObject $h $v $a))
        }
    }
}

$script:Behaviours['Remove-VMGpuPartitionAdapter'] = {
    param($C, $B)
    $work = [System.Collections.Generic.List[object]]::new()
    if ($B.ContainsKey('VMGpuPartitionAdapter')) {
        foreach ($o in $B['VMGpuPartitionAdapter']) {
            $h = Find-HvHost (Get-HvState) ([string]$o.ComputerName)
            $vm = $null
            if ($null -ne $h) {
                $vm = (Get-HvFirst @($h['vms']).Where({ ($_['id'] -eq ([string]$o.VMId)) }, 'First'))
            }
            if ($null -eq $vm) {
                Stop-TwinCommand -Message ('Unable to find a Gpu partition adapter matching the given criteria.') -Category ObjectNotFound
            }
            $work.Add(@{ Host = $h; Vm = $vm; Id = [string]$o.Id })
        }
    } else {
        foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B)) {
            $work.Add(@{ Host = $t.Host; Vm = $t.Vm; Id = $(if ($B.ContainsKey('AdapterId')) { [string]$B['AdapterId'] } else { $null }) })
        }
    }
    foreach ($w in $work) {
        $v = $w.Vm
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Remove-VMGpuPartitionAdapter' -Target $v['name'] -Action 'Remove-VMGpuPartitionAdapter' -HostName $w.Host['name'] -Bound $B)) {
            continue
        }
        $all = @($v['gpu_partition_adapters'])
        $keep = @(@($all).Where({ $null -ne $w.Id -and -not (($_['id'] -eq $w.Id)) }))
        if ($all.Count -eq 0 -or $keep.Count -eq $all.Count) {
            Stop-TwinCommand -Message 'Unable to find a Gpu partition adapter matching the given criteria.' -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $v['name']
        }
        Assert-HvVmOff -Vm $v -What 'Remove-VMGpuPartitionAdapter'
        $v['gpu_partition_adapters'] = $keep
    }
}

# --- Hyper-V: discrete device assignment -------------------------------------

function New-HvHostDeviceObject {
    param($HostRec, $Gpu)
    New-TwinObject -TypeName 'Microsoft.HyperV.PowerShell.VMHostAssignableDevice' -Properties ([ordered]@{
        InstanceID = [string]$Gpu['instance_id']; LocationPath = [string]$Gpu['location_path']
        ResourcePoolName = $(if ($Gpu['pool']) { [string]$Gpu['pool'] } else { 'Primordial' })
        ComputerName = [string]$HostRec['name']
    })
}

function New-HvAssignedDeviceObject {
    param($HostRec, $Vm, $Device)
    $g = $null
    if ($Device['location_path']) {
        $g = Find-HvGpuByLocation $HostRec $Device['location_path']
    }
    New-TwinObject -TypeName 'Microsoft.HyperV.PowerShell.VMAssignedDevice' -Properties ([ordered]@{
        VMName = [string]$Vm['name']; VMId = [guid]$Vm['id']; ComputerName = [string]$HostRec['name']
        LocationPath = [string]$Device['location_path']; InstanceID = $(if ($g) { [string]$g['instance_id'] } else { '' })
        ResourcePoolName = $(if ($Device['pool']) { [string]$Device['pool'] } else { 'Primordial' })
    })
}

# The device a DDA cmdlet names: -LocationPath (a PCIROOT path) or
# -InstancePath (the PnP InstanceId); a location path given to -InstancePath
# matches nothing (a documented docs defect, docs/sources.md, Hyper-V).
function Find-HvNamedDevice {
    param($HostRec, $Bound)
    if ($Bound.ContainsKey('LocationPath')) {
        return Find-HvGpuByLocation $HostRec $Bound['LocationPath']
    }
    if ($Bound.ContainsKey('InstancePath')) {
        return Find-HvGpuByInstance $HostRec $Bound['InstancePath']
    }
    Stop-TwinCommand -Message 'Specify -LocationPath or -InstancePath.' -ErrorId 'InvalidParameter' -Category InvalidArgument
}

function Get-HvDeviceName {
    param($Bound)
    if ($Bound.ContainsKey('LocationPath')) { return [string]$Bound['LocationPath'] }
    if ($Bound.ContainsKey('InstancePath')) { return [string]$Bound['InstancePath'] }
    ''
}

$script:Behaviours['Get-VMHostAssignableDevice'] = {
    param($C, $B)
    foreach ($h in (Get-HvTargetHosts -Cmdlet $C -Bound $B)) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VMHostAssignableDevice' -Target $h['name'] -HostName $h['name'] }
        foreach ($g in $h['gpus']) {
            if (-not [bool]$g['present'] -or -not [bool]$g['dismounted']) { continue }
            if ($B.ContainsKey('LocationPath') -and -not (($g['location_path'] -eq $B['LocationPath']))) { continue }
            if ($B.ContainsKey('InstancePath') -and -not (($g['instance_id'] -eq $B['InstancePath']))) { continue }
            if ($B.ContainsKey('ResourcePoolName') -and -not (@(@($B['ResourcePoolName'])).Where({ Test-HvGpuInPool $h $g $_ }))) { continue }
            $C.WriteObject((New-HvHostDeviceObject $h $g))
        }
    }
}

$script:Behaviours['Dismount-VMHostAssignableDevice'] = {
    param($C, $B)
    foreach ($h in (Get-HvTargetHosts -Cmdlet $C -Bound $B)) {
        $target = Get-HvDeviceName $B
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Dismount-VMHostAssignableDevice' -Target $target -Action 'Dismount-VMHostAssignableDevice' -HostName $h['name'] -Bound $B)) {
            continue
        }
        $g = Find-HvNamedDevice $h $B
        if ($null -eq $g -or -not [bool]$g['present']) {
            Stop-TwinCommand -Message ('The specified device was not found on host {0}: {1}' -f $h['name'], $target) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $target
        }
        if ([bool]$g['dismounted']) {
            Stop-TwinCommand -Message ('The device {0} is already dismounted from host {1}.' -f $target, $h['name']) -ErrorId 'InvalidOperation' -Category InvalidOperation -Target $target
        }
        if ([bool]$g['enabled']) {
            Stop-TwinCommand -Message ('The device {0} must be disabled (Disable-PnpDevice) before it is dismounted.' -f $target) -ErrorId 'DeviceNotDisabled' -Category InvalidOperation -Target $target
        }
        if ($g['driver'] -ne 'mitigation' -and -not [bool]$B['Force']) {
            Stop-TwinCommand -Message ('The device {0} has no partitioning (mitigation) driver: dismounting it needs -Force to bypass the security warning.' -f $target) -ErrorId 'ForceRequired' -Category SecurityError -Target $target
        }
        if ($g['driver'] -eq 'vgpu' -and (Get-HvUsedPartitions $h) -gt (Get-HvTotalPartitions $h $g)) {
            Stop-TwinCommand -Message ('The device {0} holds GPU partitions in use by running VMs.' -f $target) -ErrorId 'ResourceBusy' -Category ResourceBusy -Target $target
        }
        $g['dismounted'] = $true
    }
}

# The host devices a *-VMHostAssignableDevice call names: the objects of
# -HostAssignableDevice, or the -LocationPath/-InstancePath device on each
# target host. Each: @{ Host; Gpu (null when not found); Name }.
function Get-HvHostDeviceWork {
    param($C, $B)
    $work = [System.Collections.Generic.List[object]]::new()
    if ($B.ContainsKey('HostAssignableDevice')) {
        foreach ($o in $B['HostAssignableDevice']) {
            $h = Find-HvHost (Get-HvState) ([string]$o.ComputerName)
            $work.Add(@{ Host = $h; Gpu = $(if ($h) { Find-HvGpuByLocation $h ([string]$o.LocationPath) } else { $null }); Name = [string]$o.LocationPath })
        }
    } else {
        foreach ($h in (Get-HvTargetHosts -Cmdlet $C -Bound $B)) {
            $work.Add(@{ Host = $h; Gpu = (Find-HvNamedDevice $h $B); Name = (Get-HvDeviceName $B) })
        }
    }
    , $work
}

$script:Behaviours['Mount-VMHostAssignableDevice'] = {
    param($C, $B)
    $work = Get-HvHostDeviceWork $C $B
    foreach ($w in $work) {
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Mount-VMHostAssignableDevice' -Target $w.Name -Action 'Mount-VMHostAssignableDevice' -HostName $w.Host['name'] -Bound $B)) {
            continue
        }
        $g = $w.Gpu
        if ($null -eq $g -or -not [bool]$g['dismounted']) {
            Stop-TwinCommand -Message ('The device {0} is not a dismounted (host assignable) device.' -f $w.Name) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $w.Name
        }
        $holders = @(Get-HvDeviceHolders $w.Host $g['location_path'])
        if ($holders.Count -gt 0) {
            Stop-TwinCommand -Message ('The device {0} is assigned to VM {1}; remove it with Remove-VMAssignableDevice first.' -f $w.Name, $holders[0]['name']) -ErrorId 'ResourceBusy' -Category ResourceBusy -Target $w.Name
        }
        if ($g['pool']) {
            Stop-TwinCommand -Message ('The device {0} is in the resource pool {1}; remove it with Remove-VMHostAssignableDevice first (twin: strict).' -f $w.Name, $g['pool']) -ErrorId 'ResourceBusy' -Category ResourceBusy -Target $w.Name
        }
        $g['dismounted'] = $false
        if ($g.Contains('pnp')) {
            # Mounted back, the device is a PnP device of the host again.
            $g['pnp'] = $true
        }
    }
}

function Set-HvPoolMembership {
    param($HostRec, $Gpu, [string]$Pool, [bool]$Member)
    $p = Find-HvPool $HostRec $Pool
    $paths = @(@(Get-HvList $p['location_paths']).Where({ -not (($_ -eq $Gpu['location_path'])) }))
    if ($Member) {
        $paths += @([string]$Gpu['location_path'])
        $Gpu['pool'] = [string]$p['name']
    } else {
        $Gpu['pool'] = $null
    }
    $p['location_paths'] = $paths
}

$script:Behaviours['Add-VMHostAssignableDevice'] = {
    param($C, $B)
    $work = Get-HvHostDeviceWork $C $B
    foreach ($w in $work) {
        foreach ($pool in $B['ResourcePoolName']) {
            if (-not (Enter-TwinChange -Cmdlet $C -Command 'Add-VMHostAssignableDevice' -Target $w.Name -Action ('add to resource pool {0}' -f $pool) -HostName $w.Host['name'] -Bound $B)) {
                continue
            }
            $p = Find-HvPool $w.Host $pool
            if ($null -eq $p -or $p['type'] -ne 'PciExpress') {
                Stop-TwinCommand -Message ('The PciExpress resource pool "{0}" does not exist on host {1}.' -f $pool, $w.Host['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $pool
            }
            if ($null -eq $w.Gpu -or -not [bool]$w.Gpu['dismounted']) {
                Stop-TwinCommand -Message ('The device {0} is not dismounted from host {1}; dismount it first.' -f $w.Name, $w.Host['name']) -ErrorId 'InvalidOperation' -Category InvalidOperation -Target $w.Name
            }
            if ($w.Gpu['pool'] -and -not (($w.Gpu['pool'] -eq $pool))) {
                Stop-TwinCommand -Message ('The device {0} is already in the resource pool {1}.' -f $w.Name, $w.Gpu['pool']) -Category InvalidOperation -Target $w.Name
            }
            Set-HvPoolMembership $w.Host $w.Gpu $pool $true
        }
    }
}

$script:Behaviours['Remove-VMHostAssignableDevice'] = {
    param($C, $B)
    $work = Get-HvHostDeviceWork $C $B
    foreach ($w in $work) {
        foreach ($pool in $B['ResourcePoolName']) {
            if (-not (Enter-TwinChange -Cmdlet $C -Command 'Remove-VMHostAssignableDevice' -Target $w.Name -Action ('remove from resource pool {0}' -f $pool) -HostName $w.Host['name'] -Bound $B)) {
                continue
            }
            if ($null -eq $w.Gpu -or -not (Test-HvGpuInPool $w.Host $w.Gpu $pool)) {
                Stop-TwinCommand -Message ('The device {0} is not in the resource pool {1}.' -f $w.Name, $pool) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $w.Name
            }
            Set-HvPoolMembership $w.Host $w.Gpu $pool $false
        }
    }
}

$script:Behaviours['Get-VMAssignableDevice'] = {
    param($C, $B)
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B)) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VMAssignableDevice' -Target $t.Vm['name'] -HostName $t.Host['name'] }
        foreach ($d in $t.Vm['assignable_devices']) {
            if ($B.ContainsKey('LocationPath') -and -not (($d['location_path'] -eq $B['LocationPath']))) { continue }
            $o = New-HvAssignedDeviceObject $t.Host $t.Vm $d
            if ($B.ContainsKey('InstancePath') -and -not (($o.InstanceID -eq $B['InstancePath']))) { continue }
            $C.WriteObject($o)
        }
    }
}

$script:Behaviours['Add-VMAssignableDevice'] = {
    param($C, $B)
    foreach ($k in 'VirtualFunction') {
        if ($B.ContainsKey($k)) { Stop-TwinNotModeled -What ('Add-VMAssignableDevice -{0}' -f $k) }
    }
    foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B)) {
        $v = $t.Vm
        $h = $t.Host
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Add-VMAssignableDevice' -Target $v['name'] -Action 'Add-VMAssignableDevice' -HostName $h['name'] -Bound $B)) {
            continue
        }
        Assert-HvVmOff -Vm $v -What 'Add-VMAssignableDevice'
        if ($B.ContainsKey('ResourcePoolName')) {
            if ($B.ContainsKey('LocationPath') -or $B.ContainsKey('InstancePath')) {
                Stop-TwinNotModeled -What 'Add-VMAssignableDevice -ResourcePoolName with a device path'
            }
            $p = Find-HvPool $h $B['ResourcePoolName']
            if ($null -eq $p) {
                Stop-TwinCommand -Message ('The resource pool "{0}" does not exist on host {1}.' -f $B['ResourcePoolName'], $h['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $v['name']
            }
            $entry = [ordered]@{ location_path = $null; pool = [string]$p['name'] }
        } else {
            $g = Find-HvNamedDevice $h $B
            $name = Get-HvDeviceName $B
            if ($null -eq $g -or -not [bool]$g['present'] -or -not [bool]$g['dismounted']) {
                Stop-TwinCommand -Message ('The device {0} is not a dismounted device of host {1}; dismount it with Dismount-VMHostAssignableDevice first.' -f $name, $h['name']) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $v['name']
            }
            $holders = @(Get-HvDeviceHolders $h $g['location_path'])
            if ($holders.Count -gt 0) {
                Stop-TwinCommand -Message ('The device {0} is already assigned to VM {1}.' -f $name, $holders[0]['name']) -ErrorId 'ResourceBusy' -Category ResourceBusy -Target $v['name']
            }
            if ($g['pool']) {
                Stop-TwinCommand -Message ('The device {0} is in the resource pool {1}: assign it with -ResourcePoolName.' -f $name, $g['pool']) -ErrorId 'ResourceBusy' -Category ResourceBusy -Target $v['name']
            }
            $entry = [ordered]@{ location_path = [string]$g['location_path']; pool = $null }
        }
        $v['assignable_devices'] = @($v['assignable_devices']) + @($entry)
        if ([bool]$B['Passthru']) {
            $C.WriteObject((New-HvAssignedDeviceObject $h $v $entry))
        }
    }
}

$script:Behaviours['Remove-VMAssignableDevice'] = {
    param($C, $B)
    $work = [System.Collections.Generic.List[object]]::new()
    if ($B.ContainsKey('VMAssignableDevice')) {
        foreach ($o in $B['VMAssignableDevice']) {
            $h = Find-HvHost (Get-HvState) ([string]$o.ComputerName)
            $vm = $null
            if ($null -ne $h) {
                $vm = (Get-HvFirst @($h['vms']).Where({ ($_['id'] -eq ([string]$o.VMId)) }, 'First'))
            }
            $work.Add(@{ Host = $h; Vm = $vm; Path = [string]$o.LocationPath; Pool = [string]$o.ResourcePoolName; Name = $(if ($vm) { $vm['name'] } else { [string]$o.VMName }) })
        }
    } else {
        if (-not $B.ContainsKey('LocationPath') -and -not $B.ContainsKey('InstancePath')) {
            Stop-TwinNotModeled -What 'Remove-VMAssignableDevice -VMName without -LocationPath or -InstancePath'
        }
        foreach ($t in (Get-HvVmTargets -Cmdlet $C -Bound $B)) {
            $path = $null
            if ($B.ContainsKey('LocationPath')) {
                $path = [string]$B['LocationPath']
            } else {
                $g = Find-HvGpuByInstance $t.Host $B['InstancePath']
                $path = $(if ($g) { [string]$g['location_path'] } else { [string]$B['InstancePath'] })
            }
            $work.Add(@{ Host = $t.Host; Vm = $t.Vm; Path = $path; Pool = $null; Name = $t.Vm['name'] })
        }
    }
    foreach ($w in $work) {
        $v = $w.Vm
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Remove-VMAssignableDevice' -Target $w.Name -Action 'Remove-VMAssignableDevice' -HostName $(if ($w.Host) { $w.Host['name'] } else { '' }) -Bound $B)) {
            continue
        }
        if ($null -eq $v) {
            Stop-TwinCommand -Message ('Hyper-V was unable to find a virtual machine with name "{0}".' -f $w.Name) -ErrorId 'InvalidParameter' -Category InvalidArgument
        }
        $all = @($v['assignable_devices'])
        $idx = -1
        for ($i = 0; $i -lt $all.Count; $i++) {
            $d = $all[$i]
            if ($w.Path -and $d['location_path'] -and (($d['location_path'] -eq $w.Path))) { $idx = $i; break }
            if (-not $w.Path -and -not $d['location_path'] -and $w.Pool -and (($d['pool'] -eq $w.Pool))) { $idx = $i; break }
        }
        if ($idx -lt 0) {
            Stop-TwinCommand -Message ('The VM {0} has no assigned device {1}.' -f $v['name'], $(if ($w.Path) { $w.Path } else { 'in pool ' + $w.Pool })) -ErrorId 'ObjectNotFound' -Category ObjectNotFound -Target $v['name']
        }
        Assert-HvVmOff -Vm $v -What 'Remove-VMAssignableDevice'
        $v['assignable_devices'] = @(for ($i = 0; $i -lt $all.Count; $i++) { if ($i -ne $idx) { $all[$i] } })
    }
}

$script:Behaviours['New-VMResourcePool'] = {
    param($C, $B)
    foreach ($k in 'ParentName', 'Paths') {
        if ($B.ContainsKey($k)) { Stop-TwinNotModeled -What ('New-VMResourcePool -{0}' -f $k) }
    }
    $types = @($B['ResourcePoolType'])
    if ($types.Count -ne 1 -or $types[0] -ne 'PciExpress') {
        Stop-TwinNotModeled -What ('New-VMResourcePool -ResourcePoolType {0} (only PciExpress)' -f ($types -join ','))
    }
    foreach ($h in (Get-HvTargetHosts -Cmdlet $C -Bound $B)) {
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'New-VMResourcePool' -Target $B['Name'] -Action 'New-VMResourcePool' -HostName $h['name'] -Bound $B)) {
            continue
        }
        if ($null -ne (Find-HvPool $h $B['Name'])) {
            Stop-TwinCommand -Message ('The resource pool "{0}" already exists on host {1}.' -f $B['Name'], $h['name']) -ErrorId 'ResourceExists' -Category ResourceExists -Target $B['Name']
        }
        $p = [ordered]@{ name = [string]$B['Name']; type = 'PciExpress'; location_paths = @() }
        $h['pools'] = @(Get-HvList $h['pools']) + @($p)
        $C.WriteObject((New-TwinObject -TypeName 'Microsoft.HyperV.PowerShell.VMResourcePool' -Properties ([ordered]@{ Name = $p['name']; ResourcePoolType = 'PciExpress'; ComputerName = [string]$h['name'] })))
    }
}

$script:Behaviours['Get-VMResourcePool'] = {
    param($C, $B)
    $names = @('*')
    if ($B.ContainsKey('Name')) { $names = @($B['Name']) }
    foreach ($h in (Get-HvTargetHosts -Cmdlet $C -Bound $B)) {
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-VMResourcePool' -Target $h['name'] -HostName $h['name'] }
        foreach ($n in $names) {
            $found = 0
            foreach ($p in $h['pools']) {
                if (-not (Test-TwinWildcard -Pattern $n -Name $p['name'])) { continue }
                if ($B.ContainsKey('ResourcePoolType') -and @($B['ResourcePoolType']) -notcontains $p['type']) { continue }
                $found++
                $C.WriteObject((New-TwinObject -TypeName 'Microsoft.HyperV.PowerShell.VMResourcePool' -Properties ([ordered]@{ Name = [string]$p['name']; ResourcePoolType = [string]$p['type']; ComputerName = [string]$h['name'] })))
            }
            if ($found -eq 0 -and -not (Test-TwinHasWildcard $n)) {
                $C.WriteError((New-TwinErrorRecord -Message ('Hyper-V was unable to find a resource pool with name "{0}".' -f $n) -ErrorId 'InvalidParameter' -Category ObjectNotFound -Target $n))
            }
        }
    }
}

# --- PnpDevice ---------------------------------------------------------------

# A device's Win32_PnPEntity: ConfigManagerErrorCode (uint32) is the Device
# Manager problem code, as Microsoft documents them (learn.microsoft.com,
# windows-hardware/drivers/install/device-manager-error-messages): 22
# CM_PROB_DISABLED, 28 CM_PROB_FAILED_INSTALL (no driver), 45 CM_PROB_PHANTOM
# (not connected); 0 when the device works. Problem is its name. A disabled
# device is 22 with or without a driver: 28 is the problem only when the
# kernel reports none (Microsoft, debugger/device-manager-problem-codes: 22
# corresponds to DNF_DISABLED; 28 when "the kernel did not report a problem").
function New-HvPnpObject {
    param($HostRec, $Gpu)
    $status = 'OK'
    $problem = 'CM_PROB_NONE'
    $code = 0
    if (-not [bool]$Gpu['present'] -or [bool]$Gpu['dismounted']) {
        $status = 'Unknown'
        $problem = 'CM_PROB_PHANTOM'
        $code = 45
    } elseif (-not [bool]$Gpu['enabled']) {
        $status = 'Error'
        $problem = 'CM_PROB_DISABLED'
        $code = 22
    } elseif ($null -eq $Gpu['driver']) {
        $status = 'Error'
        $problem = 'CM_PROB_FAILED_INSTALL'
        $code = 28
    }
    $friendly = if ($null -eq $Gpu['driver']) { '3D Video Controller' } else { 'NVIDIA ' + $(if ($Gpu['model']) { [string]$Gpu['model'] } else { 'GPU' }) }
    $o = New-TwinObject -TypeName 'Microsoft.Management.Infrastructure.CimInstance#ROOT/cimv2/Win32_PnPEntity' -Properties ([ordered]@{
        Class = $(if ($null -eq $Gpu['driver']) { '' } else { 'Display' }); FriendlyName = $friendly; Name = $friendly
        InstanceId = [string]$Gpu['instance_id']; DeviceID = [string]$Gpu['instance_id']; Status = $status
        Present = [bool]$Gpu['present']; ConfigManagerErrorCode = [uint32]$code; Problem = $problem; PSComputerName = $null
    })
    $o.PSObject.TypeNames.Insert(1, 'Microsoft.Management.Infrastructure.CimInstance')
    $o
}

$script:Behaviours['Get-PnpDevice'] = {
    param($C, $B)
    if ($B.ContainsKey('CimSession')) { Stop-TwinNotModeled -What 'Get-PnpDevice -CimSession' }
    if ($B.ContainsKey('AsJob')) { Stop-TwinNotModeled -What 'Get-PnpDevice -AsJob' }
    $h = $null
    if ($null -ne $script:HostName) {
        $h = Find-HvHost (Get-HvState) $script:HostName
        if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'Get-PnpDevice' -Target $h['name'] -HostName $h['name'] }
    }
    $devices = @()
    if ($null -ne $h) {
        # A GPU with `pnp: false` (dismounted, gone from PnP) is not listed at all.
        $devices = @(Get-HvList $h['gpus'] | Where-Object { -not (Test-HvGpuNotInPnp $_) } | ForEach-Object { New-HvPnpObject $h $_ })
    }
    $ids = @()
    if ($B.ContainsKey('InstanceId')) { $ids = @($B['InstanceId']) }
    foreach ($d in $devices) {
        if ([bool]$B['PresentOnly'] -and -not $d.Present) { continue }
        if ($B.ContainsKey('Class') -and -not (@(@($B['Class'])).Where({ Test-TwinWildcard -Pattern $_ -Name $d.Class }))) { continue }
        if ($B.ContainsKey('FriendlyName') -and -not (@(@($B['FriendlyName'])).Where({ Test-TwinWildcard -Pattern $_ -Name $d.FriendlyName }))) { continue }
        if ($B.ContainsKey('Status') -and -not (@(@($B['Status'])).Where({ ($_ -eq $d.Status) }))) { continue }
        if ($ids.Count -gt 0 -and -not (@($ids).Where({ ($_ -eq $d.InstanceId) }))) { continue }
        $C.WriteObject($d)
    }
    foreach ($i in $ids) {
        if (-not (@($devices).Where({ ($_.InstanceId -eq $i) }))) {
            $C.WriteError((New-TwinErrorRecord -Message ('No matching Win32_PnPEntity objects found by CIM query for instances of the ROOT\cimv2\Win32_PnPEntity class on the  CIM server: SELECT * FROM Win32_PnPEntity  WHERE ((DeviceId LIKE ''{0}'')). Verify query parameters and retry.' -f $i) -ErrorId 'CmdletizationQuery_NotFound,Get-PnpDevice' -Category ObjectNotFound -Target $i))
        }
    }
}

function Get-HvPnpTargets {
    param($Bound, [string]$What)
    if ($Bound.ContainsKey('CimSession')) { Stop-TwinNotModeled -What ('{0} -CimSession' -f $What) }
    if ($Bound.ContainsKey('AsJob')) { Stop-TwinNotModeled -What ('{0} -AsJob' -f $What) }
    $ids = @()
    if ($Bound.ContainsKey('InputObject')) {
        $ids = @($Bound['InputObject'] | ForEach-Object { [string]$_.InstanceId })
    } else {
        $ids = @($Bound['InstanceId'])
    }
    $h = $null
    if ($null -ne $script:HostName) { $h = Find-HvHost (Get-HvState) $script:HostName }
    $out = [System.Collections.Generic.List[object]]::new()
    foreach ($i in $ids) {
        $g = $null
        if ($null -ne $h) { $g = Find-HvGpuByInstance $h $i }
        $out.Add(@{ Host = $h; Gpu = $g; Id = $i })
    }
    , $out
}

function Assert-HvPnpFound {
    param($Target, [string]$What)
    if ($null -eq $Target.Gpu -or -not [bool]$Target.Gpu['present'] -or (Test-HvGpuNotInPnp $Target.Gpu)) {
        Stop-TwinCommand -Message ('No matching Win32_PnPEntity objects found by CIM query for instances of the ROOT\cimv2\Win32_PnPEntity class on the  CIM server: SELECT * FROM Win32_PnPEntity  WHERE ((DeviceId LIKE ''{0}'')). Verify query parameters and retry.' -f $Target.Id) -ErrorId ('CmdletizationQuery_NotFound,{0}' -f $What) -Category ObjectNotFound -Target $Target.Id
    }
}

$script:Behaviours['Disable-PnpDevice'] = {
    param($C, $B)
    foreach ($t in (Get-HvPnpTargets -Bound $B -What 'Disable-PnpDevice')) {
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Disable-PnpDevice' -Target $t.Id -Action 'Disable' -HostName $(if ($t.Host) { $t.Host['name'] } else { $script:HvWorkstation }) -Bound $B)) {
            continue
        }
        Assert-HvPnpFound -Target $t -What 'Disable-PnpDevice'
        $t.Gpu['enabled'] = $false
        if ([bool]$B['PassThru']) { $C.WriteObject((New-HvPnpObject $t.Host $t.Gpu)) }
    }
}

$script:Behaviours['Enable-PnpDevice'] = {
    param($C, $B)
    foreach ($t in (Get-HvPnpTargets -Bound $B -What 'Enable-PnpDevice')) {
        if (-not (Enter-TwinChange -Cmdlet $C -Command 'Enable-PnpDevice' -Target $t.Id -Action 'Enable' -HostName $(if ($t.Host) { $t.Host['name'] } else { $script:HvWorkstation }) -Bound $B)) {
            continue
        }
        Assert-HvPnpFound -Target $t -What 'Enable-PnpDevice'
        if ([bool]$t.Gpu['dismounted']) {
            Stop-TwinCommand -Message ('The device {0} is dismounted from the host; mount it with Mount-VMHostAssignableDevice first (twin: strict).' -f $t.Id) -ErrorId 'InvalidOperation' -Category InvalidOperation -Target $t.Id
        }
        $t.Gpu['enabled'] = $true
        if ([bool]$B['PassThru']) { $C.WriteObject((New-HvPnpObject $t.Host $t.Gpu)) }
    }
}

$script:Behaviours['Get-PnpDeviceProperty'] = {
    param($C, $B)
    if (-not $B.ContainsKey('KeyName')) { Stop-TwinNotModeled -What 'Get-PnpDeviceProperty without -KeyName' }
    foreach ($t in (Get-HvPnpTargets -Bound $B -What 'Get-PnpDeviceProperty')) {
        Assert-HvPnpFound -Target $t -What 'Get-PnpDeviceProperty'
        foreach ($k in $B['KeyName']) {
            if ($k -ne 'DEVPKEY_Device_LocationPaths') {
                Stop-TwinNotModeled -What ('Get-PnpDeviceProperty -KeyName {0} (only DEVPKEY_Device_LocationPaths)' -f $k)
            }
            $C.WriteObject((New-TwinObject -TypeName 'Microsoft.Management.Infrastructure.CimInstance#ROOT/cimv2/Win32_PnPDeviceProperty' -Properties ([ordered]@{
                InstanceId = [string]$t.Gpu['instance_id']; KeyName = 'DEVPKEY_Device_LocationPaths'; Type = 'StringList'
                Data = [string[]]@([string]$t.Gpu['location_path'])
            })))
        }
    }
}
