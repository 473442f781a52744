# HyperV.Tests.ps1 - each Hyper-V behaviour the twin enforces (tests/twin/README.md):
# the wrong call is refused as the real cmdlet refuses it, and the right
# call is accepted and changes the state. Fixture: fixtures/hci-small.json.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    $script:Lp0 = 'PCIROOT(0)#PCI(0300)#PCI(0000)#PCI(0800)#PCI(0000)'   # node-01 GPU 0, vGPU driver
    $script:Lp1 = 'PCIROOT(0)#PCI(0300)#PCI(0000)#PCI(1000)#PCI(0000)'   # node-01 GPU 1, mitigation driver
    $script:Id0 = 'PCI\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\4&1A2B3C4D&0&0010'
    $script:Id1 = 'PCI\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\4&1A2B3C4D&0&0020'
}

Describe 'Wildcards: -Name and -VMName match as WildcardPattern, case-insensitive' {
    It 'web[12] matches web1, not the VM named web[12]' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
$names = @(Get-VM -Name 'web[12]' -ComputerName 'hci-node-01' | ForEach-Object { $_.Name })
Write-Host ('matched: ' + ($names -join ','))
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'matched: web1'
    }
    It 'a literal name matches case-insensitively, * matches all, and a missing literal name is an error' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
Write-Host ('upper: ' + (Get-VM -Name 'WEB1' -ComputerName 'hci-node-01').Name)
Write-Host ('all: ' + @(Get-VM -Name '*' -ComputerName 'hci-node-01').Count)
Write-Host ('none: ' + @(Get-VM -Name 'nomatch*' -ComputerName 'hci-node-01').Count)
Get-VM -Name 'nosuchvm' -ComputerName 'hci-node-01'
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'upper: web1'
        $r.output | Should -Contain 'all: 3'
        $r.output | Should -Contain 'none: 0'
        $r.error | Should -Be 'Hyper-V was unable to find a virtual machine with name "nosuchvm".'
    }
    It 'Set-VM -Name web[12] changes web1 (the wildcard trap a script must avoid)' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-VM -Name 'web[12]' -ComputerName 'hci-node-01' -HighMemoryMappedIoSpace 1GB"
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'web1')['high_mmio_bytes'] | Should -Be 1GB
        (Get-TestVm $r.state 'web[12]')['high_mmio_bytes'] | Should -Be 536870912
    }
}

Describe 'VM off: GPU and memory changes need the VM Off' {
    It 'Add-VMGpuPartitionAdapter on a running VM is refused; on an Off VM it adds one adapter' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Add-VMGpuPartitionAdapter -VMName 'vdi-001' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'must be Off'
        @((Get-TestVm $r.state 'vdi-001')['gpu_partition_adapters']).Count | Should -Be 1
        $r = Invoke-TestScript -State (Get-TestState) -Body "Add-VMGpuPartitionAdapter -VMName 'web1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
        @((Get-TestVm $r.state 'web1')['gpu_partition_adapters']).Count | Should -Be 1
        Get-TestCommands $r | Should -Be @('Add-VMGpuPartitionAdapter')
    }
    It 'Remove-VMGpuPartitionAdapter on a running VM is refused; after a shutdown it removes the adapter' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Remove-VMGpuPartitionAdapter -VMName 'vdi-001' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'must be Off'
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'
Remove-VMGpuPartitionAdapter -VMName 'vdi-001' -ComputerName 'hci-node-01'
'@
        $r.exit | Should -Be 0
        @((Get-TestVm $r.state 'vdi-001')['gpu_partition_adapters']).Count | Should -Be 0
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Off'
    }
    It 'Set-VM of MMIO, cache types, memory and stop action on a running VM is refused' -TestCases @(
        @{ Arg = '-HighMemoryMappedIoSpace 32GB' }, @{ Arg = '-LowMemoryMappedIoSpace 1GB' },
        @{ Arg = '-GuestControlledCacheTypes $true' }, @{ Arg = '-MemoryStartupBytes 8GB' },
        @{ Arg = '-StaticMemory' }, @{ Arg = '-AutomaticStopAction TurnOff' }
    ) {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-VM -Name 'vdi-001' -ComputerName 'hci-node-01' $Arg"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'must be Off'
    }
    It 'Set-VM on an Off VM applies every modeled setting' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-VM -Name 'web1' -ComputerName 'hci-node-01' -GuestControlledCacheTypes `$true -LowMemoryMappedIoSpace 3GB -HighMemoryMappedIoSpace 33280MB -MemoryStartupBytes 16GB -StaticMemory -AutomaticStopAction TurnOff"
        $r.exit | Should -Be 0
        $v = Get-TestVm $r.state 'web1'
        $v['guest_controlled_cache_types'] | Should -BeTrue
        $v['low_mmio_bytes'] | Should -Be 3GB
        $v['high_mmio_bytes'] | Should -Be 33280MB
        $v['memory_startup_bytes'] | Should -Be 16GB
        $v['dynamic_memory'] | Should -BeFalse
        $v['automatic_stop_action'] | Should -Be 'TurnOff'
    }
    It 'Set-VM of a setting the twin does not model fails (strict)' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-VM -Name 'web1' -ComputerName 'hci-node-01' -ProcessorCount 4"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modeled by the twin'
    }
}

Describe 'Start-VM: capacity, DDA rules and MMIO' {
    It 'a GPU-P VM does not start when its host has no free partition' {
        $s = Get-TestState -Edit { param($s) (Get-TestGpu $s 'hci-node-01' 0)['partition_count'] = 1; (Get-TestVm $s 'web1')['gpu_partition_adapters'] = @([ordered]@{ id = 'adapter-1' }) }
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'Insufficient system resources.*0 free GPU partition'
        (Get-TestVm $r.state 'web1')['state'] | Should -Be 'Off'
        $r = Invoke-TestScript -State $s -Body "Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'; Start-VM -Name 'web1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'web1')['state'] | Should -Be 'Running'
    }
    It 'a DDA VM needs AutomaticStopAction TurnOff, static memory and the high MMIO of the README' {
        $edit = {
            param($s)
            $g = Get-TestGpu $s 'hci-node-01' 1; $g['enabled'] = $false; $g['dismounted'] = $true
            $v = Get-TestVm $s 'web1'; $v['assignable_devices'] = @([ordered]@{ location_path = $script:Lp1; pool = $null })
        }
        $cases = @(
            @{ Fix = { }; Match = 'AutomaticStopAction TurnOff' },
            @{ Fix = { param($v) $v['automatic_stop_action'] = 'TurnOff' }; Match = 'dynamic memory' },
            @{ Fix = { param($v) $v['automatic_stop_action'] = 'TurnOff'; $v['dynamic_memory'] = $false; $v['high_mmio_bytes'] = 32GB }; Match = 'high MMIO space' }
        )
        foreach ($c in $cases) {
            $s = Get-TestState -Edit $edit
            & $c.Fix (Get-TestVm $s 'web1')
            $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01'"
            $r.exit | Should -Be 1
            $r.error | Should -Match $c.Match
        }
        $s = Get-TestState -Edit $edit
        $v = Get-TestVm $s 'web1'; $v['automatic_stop_action'] = 'TurnOff'; $v['dynamic_memory'] = $false; $v['high_mmio_bytes'] = 33280MB
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'web1')['state'] | Should -Be 'Running'
    }
    It 'a pooled DDA VM does not start when the pool has no free device' {
        $edit = {
            param($s)
            $v = Get-TestVm $s 'web1'
            $v['assignable_devices'] = @([ordered]@{ location_path = $null; pool = 'GpuChildPool' })
            $v['automatic_stop_action'] = 'TurnOff'; $v['dynamic_memory'] = $false; $v['high_mmio_bytes'] = 33280MB
        }
        $r = Invoke-TestScript -State (Get-TestState -Edit $edit) -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'GpuChildPool on host hci-node-01 has 0 free'
        $s = Get-TestState -Edit $edit
        $g = Get-TestGpu $s 'hci-node-01' 1; $g['enabled'] = $false; $g['dismounted'] = $true; $g['pool'] = 'GpuChildPool'
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
    }
}

Describe 'Set-VMHostPartitionableGpu: ValidPartitionCounts, assigned partitions, no -ComputerName with -Name' {
    It 'a count outside ValidPartitionCounts is refused' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock {
    $g = Get-VMHostPartitionableGpu
    Set-VMHostPartitionableGpu -Name $g.Name -PartitionCount 3
}
'@
        $r.exit | Should -Be 1
        $r.error | Should -Match 'The partition count 3 is not valid.*ValidPartitionCounts: 16, 8, 4, 2, 1'
    }
    It 'a change while partitions are assigned is refused; after Remove-VMGpuPartitionAdapter it is made' {
        $set = @'
Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock {
    $g = Get-VMHostPartitionableGpu
    Set-VMHostPartitionableGpu -Name $g.Name -PartitionCount 8
}
'@
        $r = Invoke-TestScript -State (Get-TestState) -Body $set
        $r.exit | Should -Be 1
        $r.error | Should -Match 'cannot change while GPU partitions are assigned \(VMs: vdi-001\)'
        (Get-TestGpu $r.state 'hci-node-01' 0)['partition_count'] | Should -Be 16
        $r = Invoke-TestScript -State (Get-TestState) -Body ("Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'`nRemove-VMGpuPartitionAdapter -VMName 'vdi-001' -ComputerName 'hci-node-01'`n" + $set)
        $r.exit | Should -Be 0
        (Get-TestGpu $r.state 'hci-node-01' 0)['partition_count'] | Should -Be 8
    }
    It '-ComputerName with -Name is not a documented parameter set' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-VMHostPartitionableGpu -ComputerName 'hci-node-01' -Name 'x' -PartitionCount 8"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'Parameter set cannot be resolved'
        $r.calls.Count | Should -Be 0
    }
    It 'a dismounted GPU is not partitionable' {
        $s = Get-TestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['gpu_partition_adapters'] = @(); $g = Get-TestGpu $s 'hci-node-01' 0; $g['enabled'] = $false; $g['dismounted'] = $true }
        $r = Invoke-TestScript -State $s -Body @'
Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock {
    Write-Host ('partitionable: ' + @(Get-VMHostPartitionableGpu).Count)
    Set-VMHostPartitionableGpu -Name '\\?\PCI#VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1#4&1A2B3C4D&0&0010#{064092b3-625e-43bf-9eb5-dc845897dd59}' -PartitionCount 8
}
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'partitionable: 0'
        $r.error | Should -Match 'Unable to find a partitionable GPU'
    }
}

Describe 'Dismount-VMHostAssignableDevice: disabled first, -Force without a mitigation driver' {
    It 'an enabled device is refused' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Dismount-VMHostAssignableDevice -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'must be disabled'
    }
    It 'a device without mitigation driver needs -Force; with the mitigation driver it does not' {
        $body = @'
Invoke-Command -ComputerName 'hci-node-01' -ArgumentList $args[0], $args[1] -ScriptBlock {
    param($Id, $Lp, $Force)
    Disable-PnpDevice -InstanceId $Id -Confirm:$false
    Dismount-VMHostAssignableDevice -LocationPath $Lp -Force:$Force
}
'@
        $noForce = $body.Replace('$args[0], $args[1]', "'$script:Id0', '$script:Lp0', `$false")
        $s = Get-TestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['state'] = 'Off' }
        $r = Invoke-TestScript -State $s -Body $noForce
        $r.exit | Should -Be 1
        $r.error | Should -Match 'needs -Force'
        (Get-TestGpu $r.state 'hci-node-01' 0)['dismounted'] | Should -BeFalse
        $r = Invoke-TestScript -State $s -Body ($body.Replace('$args[0], $args[1]', "'$script:Id0', '$script:Lp0', `$true"))
        $r.exit | Should -Be 0
        (Get-TestGpu $r.state 'hci-node-01' 0)['dismounted'] | Should -BeTrue
        $r = Invoke-TestScript -State $s -Body ($body.Replace('$args[0], $args[1]', "'$script:Id1', '$script:Lp1', `$false"))
        $r.exit | Should -Be 0
        (Get-TestGpu $r.state 'hci-node-01' 1)['dismounted'] | Should -BeTrue
        Get-TestCommands $r | Should -Be @('Disable-PnpDevice', 'Dismount-VMHostAssignableDevice')
    }
    It 'a location path given to -InstancePath matches nothing (the docs defect)' {
        $s = Get-TestState -Edit { param($s) (Get-TestGpu $s 'hci-node-01' 1)['enabled'] = $false }
        $r = Invoke-TestScript -State $s -Body "Dismount-VMHostAssignableDevice -InstancePath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not found'
    }
}

Describe 'Pools and DDA assignment' {
    It 'Add-VMHostAssignableDevice needs an existing PciExpress pool and a dismounted device' {
        $s = Get-TestState -Edit { param($s) $g = Get-TestGpu $s 'hci-node-01' 1; $g['enabled'] = $false; $g['dismounted'] = $true }
        $r = Invoke-TestScript -State $s -Body "Add-VMHostAssignableDevice -LocationPath '$script:Lp1' -ResourcePoolName 'NoSuchPool' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'resource pool "NoSuchPool" does not exist'
        $r = Invoke-TestScript -State (Get-TestState) -Body "Add-VMHostAssignableDevice -LocationPath '$script:Lp1' -ResourcePoolName 'GpuChildPool' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not dismounted'
        $r = Invoke-TestScript -State $s -Body "Add-VMHostAssignableDevice -LocationPath '$script:Lp1' -ResourcePoolName 'GpuChildPool' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
        (Get-TestGpu $r.state 'hci-node-01' 1)['pool'] | Should -Be 'GpuChildPool'
        @((Get-TestHost $r.state 'hci-node-01')['pools'][0]['location_paths']) | Should -Be @($script:Lp1)
    }
    It 'New-VMResourcePool refuses a second pool of the same name' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "New-VMResourcePool -Name 'GpuChildPool' -ResourcePoolType PciExpress -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'already exists'
        $r = Invoke-TestScript -State (Get-TestState) -Body "`$null = New-VMResourcePool -Name 'Other' -ResourcePoolType PciExpress -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
        @((Get-TestHost $r.state 'hci-node-01')['pools']).Count | Should -Be 2
    }
    It 'Add-VMAssignableDevice refuses a device that is not dismounted, or already held by another VM' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Add-VMAssignableDevice -VMName 'web1' -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not a dismounted device'
        $s = Get-TestState -Edit { param($s) $g = Get-TestGpu $s 'hci-node-01' 1; $g['enabled'] = $false; $g['dismounted'] = $true; $v = Get-TestVm $s 'vdi-001'; $v['assignable_devices'] = @([ordered]@{ location_path = $script:Lp1; pool = $null }) }
        $r = Invoke-TestScript -State $s -Body "Add-VMAssignableDevice -VMName 'web1' -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'already assigned to VM vdi-001'
        $s = Get-TestState -Edit { param($s) $g = Get-TestGpu $s 'hci-node-01' 1; $g['enabled'] = $false; $g['dismounted'] = $true }
        $r = Invoke-TestScript -State $s -Body "Add-VMAssignableDevice -VMName 'web1' -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'web1')['assignable_devices'][0]['location_path'] | Should -Be $script:Lp1
    }
}

Describe 'Cluster: groups and resources by name or VM id; preferred versus possible owners' {
    It 'Get-ClusterGroup and Get-ClusterResource find by name and by VM id, and fail on an unknown name' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
Write-Host ('group: ' + (Get-ClusterGroup -Name 'vdi-001' -Cluster 'hci-prod').Name)
Write-Host ('group by id: ' + (Get-ClusterGroup -VMId '6f1c0a52-0000-4000-8000-000000000001' -Cluster 'hci-prod').Name)
Write-Host ('resource by id: ' + (Get-ClusterResource -VMId '6f1c0a52-0000-4000-8000-000000000001' -Cluster 'hci-node-02').Name)
Get-ClusterResource -Name 'vdi-001' -Cluster 'hci-prod'
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'group: vdi-001'
        $r.output | Should -Contain 'group by id: vdi-001'
        $r.output | Should -Contain 'resource by id: Virtual Machine vdi-001'
        $r.error | Should -Match "cluster resource 'vdi-001'"
    }
    It 'Set-ClusterOwnerNode -Group sets preferred owners only, -Resource possible owners only' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-ClusterOwnerNode -Group 'vdi-001' -Owners 'hci-node-02' -Cluster 'hci-prod'"
        $r.exit | Should -Be 0
        @($r.state['cluster_groups'][0]['preferred_owners']) | Should -Be @('hci-node-02')
        @($r.state['cluster_groups'][0]['vm_resource']['possible_owners']) | Should -Be @('hci-node-01', 'hci-node-02')
        $r = Invoke-TestScript -State (Get-TestState) -Body "Get-ClusterResource -Name 'Virtual Machine vdi-001' -Cluster 'hci-prod' | Set-ClusterOwnerNode -Owners 'hci-node-01'"
        $r.exit | Should -Be 0
        @($r.state['cluster_groups'][0]['preferred_owners']).Count | Should -Be 0
        @($r.state['cluster_groups'][0]['vm_resource']['possible_owners']) | Should -Be @('hci-node-01')
    }
    It 'an owner that is not a cluster node is refused' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-ClusterOwnerNode -Resource 'Virtual Machine vdi-001' -Owners 'hci-node-01', 'elsewhere' -Cluster 'hci-prod'"
        $r.exit | Should -Be 1
        $r.error | Should -Match "'elsewhere' is not a node"
    }
    It 'Set-ClusterParameter OfflineAction accepts 0..3 only, on the VM resource' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Get-ClusterResource -Name 'Virtual Machine vdi-001' -Cluster 'hci-prod' | Set-ClusterParameter -Name OfflineAction -Value 7"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'OfflineAction must be 0, 1, 2 or 3'
        $r = Invoke-TestScript -State (Get-TestState) -Body "Get-ClusterResource -Name 'Virtual Machine vdi-001' -Cluster 'hci-prod' | Set-ClusterParameter -Name OfflineAction -Value 3"
        $r.exit | Should -Be 0
        $r.state['cluster_groups'][0]['vm_resource']['parameters']['OfflineAction'] | Should -Be 3
    }
    It 'the admin workstation is not a cluster node: without -Cluster a cluster cmdlet fails' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Get-ClusterGroup -Name 'vdi-001'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'cluster service is not running'
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-02' -ScriptBlock { Write-Host ('owner: ' + (Get-ClusterGroup -Name 'vdi-001').OwnerNode) }"
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'owner: hci-node-01'
    }
}

Describe 'Prompts are errors: the twin has no console' {
    It 'Stop-VM without -TurnOff on a VM without the shutdown service asks, which fails' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Stop-VM -Name 'web``[12``]' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        (Get-TestVm $r.state 'web[12]')['state'] | Should -Be 'Running'
        foreach ($arg in '-TurnOff', '-Force') {
            $r = Invoke-TestScript -State (Get-TestState) -Body "Stop-VM -Name 'web``[12``]' -ComputerName 'hci-node-01' $arg"
            $r.exit | Should -Be 0
            (Get-TestVm $r.state 'web[12]')['state'] | Should -Be 'Off'
        }
    }
    It 'Disable-PnpDevice (ConfirmImpact High) in a remote session asks unless -Confirm:$false' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { param(`$Id) Disable-PnpDevice -InstanceId `$Id } -ArgumentList '$script:Id1'"
        $r.exit | Should -Be 1
        (Get-TestGpu $r.state 'hci-node-01' 1)['enabled'] | Should -BeTrue
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { param(`$Id) Disable-PnpDevice -InstanceId `$Id -Confirm:`$false } -ArgumentList '$script:Id1'"
        $r.exit | Should -Be 0
        (Get-TestGpu $r.state 'hci-node-01' 1)['enabled'] | Should -BeFalse
    }
    It 'Read-Host fails' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "`$x = Read-Host 'Continue?'; Write-Host 'not reached'"
        $r.exit | Should -Be 1
        $r.output | Should -Not -Contain 'not reached'
    }
    It 'a script run with -Confirm asks at its own ShouldProcess, which fails' {
        $r = Invoke-TestScript -State (Get-TestState) -ScriptArgs @{ Confirm = $true } -Body "if (`$PSCmdlet.ShouldProcess('web1', 'start')) { Start-VM -Name 'web1' -ComputerName 'hci-node-01' }"
        $r.exit | Should -Be 1
        $r.calls.Count | Should -Be 0
    }
}

Describe 'PnpDevice: phantoms, driverless GPUs, location paths' {
    It 'a phantom device shows only without -PresentOnly; a driverless GPU is a 3D Video Controller in Error with no class' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
$o = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { @(Get-PnpDevice).Count; @(Get-PnpDevice -PresentOnly).Count }
Write-Host ('all/present: ' + ($o -join '/'))
$d = Invoke-Command -ComputerName 'hci-node-02' -ScriptBlock { Get-PnpDevice -PresentOnly }
Write-Host ('driverless: [{0}] {1} {2}' -f $d.Class, $d.FriendlyName, $d.Status)
$lp = Invoke-Command -ComputerName 'hci-node-02' -ScriptBlock { (Get-PnpDevice -PresentOnly | Get-PnpDeviceProperty -KeyName 'DEVPKEY_Device_LocationPaths').Data[0] }
Write-Host ('path: ' + $lp)
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'all/present: 3/2'
        $r.output | Should -Contain 'driverless: [] 3D Video Controller Error'
        $r.output | Should -Contain 'path: PCIROOT(0)#PCI(0300)#PCI(0000)#PCI(0800)#PCI(0001)'
    }
    It 'ConfigManagerErrorCode is the Device Manager problem code: 0 working, 22 disabled (with or without a driver), 28 no driver, 45 phantom' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
$show = { param($Node) Invoke-Command -ComputerName $Node -ScriptBlock { Get-PnpDevice | ForEach-Object { '{0} {1} {2}' -f $_.InstanceId.Substring($_.InstanceId.Length - 4), $_.Status, $_.ConfigManagerErrorCode } } }
Write-Host ('node1: ' + ((& $show 'hci-node-01') -join ', '))
Write-Host ('node2: ' + ((& $show 'hci-node-02') -join ', '))
Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Disable-PnpDevice -InstanceId 'PCI\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\4&1A2B3C4D&0&0010' -Confirm:$false }
Write-Host ('disabled: ' + ((& $show 'hci-node-01') -join ', '))
Invoke-Command -ComputerName 'hci-node-02' -ScriptBlock { Disable-PnpDevice -InstanceId 'PCI\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\4&2B3C4D5E&0&0010' -Confirm:$false }
Write-Host ('driverless disabled: ' + ((& $show 'hci-node-02') -join ', '))
$t = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { (Get-PnpDevice -PresentOnly)[0].ConfigManagerErrorCode.GetType().Name }
Write-Host ('type: ' + $t)
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'node1: 0010 OK 0, 0020 OK 0, 0030 Unknown 45'
        # A driverless GPU is in Error as a disabled one is: only the code tells them apart.
        $r.output | Should -Contain 'node2: 0010 Error 28'
        $r.output | Should -Contain 'disabled: 0010 Error 22, 0020 OK 0, 0030 Unknown 45'
        # Disabled wins over no driver (28 only when the kernel reports no problem).
        $r.output | Should -Contain 'driverless disabled: 0010 Error 22'
        $r.output | Should -Contain 'type: UInt32'
    }
    It 'a dismounted GPU gone from PnP (pnp: false) is listed only by Get-VMHostAssignableDevice, with its PCIP instance path or none; PnP cmdlets do not find it; mounting it back lists it again' {
        $s = Get-TestState -Edit {
            param($s)
            $g = @((Get-TestHost $s 'hci-node-01')['gpus'])[0]
            $g['enabled'] = $false; $g['dismounted'] = $true; $g['pnp'] = $false
            $g['instance_id'] = 'PCIP\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\5&1A2B3C4D&0&0010'
            $g2 = @((Get-TestHost $s 'hci-node-01')['gpus'])[1]
            $g2['enabled'] = $false; $g2['dismounted'] = $true; $g2['pnp'] = $false; $g2['instance_id'] = $null
        }
        $r = Invoke-TestScript -State $s -Body @'
$o = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { @(Get-PnpDevice).Count; @(Get-PnpDevice -PresentOnly).Count }
Write-Host ('all/present: ' + ($o -join '/'))
$a = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Get-VMHostAssignableDevice | ForEach-Object { '[' + $_.InstanceID + '] ' + $_.LocationPath } }
Write-Host ('assignable: ' + ($a -join ', '))
$e = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { try { $null = Get-PnpDeviceProperty -InstanceId 'PCIP\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\5&1A2B3C4D&0&0010' -KeyName 'DEVPKEY_Device_LocationPaths' -ErrorAction Stop; 'found' } catch { 'not found' } }
Write-Host ('property: ' + $e)
Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Mount-VMHostAssignableDevice -LocationPath 'PCIROOT(0)#PCI(0300)#PCI(0000)#PCI(0800)#PCI(0000)' }
$o = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { @(Get-PnpDevice -PresentOnly).Count }
Write-Host ('mounted: ' + $o)
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'all/present: 1/0'
        $r.output | Should -Contain 'assignable: [PCIP\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\5&1A2B3C4D&0&0010] PCIROOT(0)#PCI(0300)#PCI(0000)#PCI(0800)#PCI(0000), [] PCIROOT(0)#PCI(0300)#PCI(0000)#PCI(1000)#PCI(0000)'
        $r.output | Should -Contain 'property: not found'
        $r.output | Should -Contain 'mounted: 1'
        (@((Get-TestHost $r.state 'hci-node-01')['gpus'])[0])['pnp'] | Should -BeTrue
    }
    It 'pnp: false on a GPU that is not dismounted is a state error' {
        $s = Get-TestState -Edit { param($s) (@((Get-TestHost $s 'hci-node-01')['gpus'])[0])['pnp'] = $false }
        $r = Invoke-TestScript -State $s -Body "Write-Host 'x'"
        $r.exit | Should -Be 2
        $r.error | Should -Match "'pnp' is a boolean, and false only for a dismounted GPU"
    }
    It 'an unknown -InstanceId is an error as the CIM query is' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Get-PnpDevice -InstanceId 'PCI\VEN_FFFF' -ErrorAction Stop }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'No matching Win32_PnPEntity objects'
    }
}

Describe 'Faults from the state' {
    It 'a fault makes the command fail for its target the given number of times, with its message' {
        $s = Get-TestState -Edit { param($s) $s['faults'] = @([ordered]@{ command = 'Start-VM'; target = 'web1'; message = 'insufficient system resources'; times = 1 }) }
        $r = Invoke-TestScript -State $s -Body @'
try { Start-VM -Name 'web1' -ComputerName 'hci-node-01' } catch { Write-Host ('first: ' + $_.Exception.Message) }
Start-VM -Name 'web1' -ComputerName 'hci-node-01'
Write-Host 'second: ok'
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'first: insufficient system resources'
        $r.output | Should -Contain 'second: ok'
        (Get-TestVm $r.state 'web1')['state'] | Should -Be 'Running'
        $r.state['faults'][0]['times'] | Should -Be 0
        Get-TestCommands $r | Should -Be @('Start-VM', 'Start-VM')
    }
    It 'a fault does not fire for another target' {
        $s = Get-TestState -Edit { param($s) $s['faults'] = @([ordered]@{ command = 'Set-VM'; target = 'other'; message = 'boom'; times = 1 }) }
        $r = Invoke-TestScript -State $s -Body "Set-VM -Name 'web1' -ComputerName 'hci-node-01' -StaticMemory"
        $r.exit | Should -Be 0
        $r.state['faults'][0]['times'] | Should -Be 1
    }
    It 'a fault on Invoke-Command for a host breaks the remote call' {
        $s = Get-TestState -Edit { param($s) $s['faults'] = @([ordered]@{ command = 'Invoke-Command'; target = 'hci-node-01'; message = 'WinRM timeout'; times = 2 }) }
        $r = Invoke-TestScript -State $s -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { 1 }"
        $r.exit | Should -Be 1
        $r.error | Should -Be 'WinRM timeout'
    }
}

Describe 'Node failure: clustered VMs restart on the first possible owner with room' {
    It 'a GPU-P VM restarts on a node with a free partition; the failed node is unreachable' {
        $s = Get-TestState -Edit { param($s)
            $g = Get-TestGpu $s 'hci-node-02' 0; $g['driver'] = 'vgpu'; (Get-TestHost $s 'hci-node-02')['nvidia_driver'] = '538.33' }
        $moves = Invoke-TwinNodeFailure -State $s -Node 'hci-node-01'
        @($moves) | Should -Be @('vdi-001 -> hci-node-02')
        (Get-TestHost $s 'hci-node-01')['reachable'] | Should -BeFalse
        @((Get-TestHost $s 'hci-node-02')['vms'] | ForEach-Object { $_['name'] }) | Should -Be @('vdi-001')
        (Get-TestVm $s 'vdi-001')['state'] | Should -Be 'Running'
        $s['cluster_groups'][0]['owner_node'] | Should -Be 'hci-node-02'
    }
    It 'a VM without room elsewhere stays off on the failed node' {
        $s = Get-TestState
        $moves = Invoke-TwinNodeFailure -State $s -Node 'hci-node-01'
        @($moves).Count | Should -Be 0
        (Get-TestVm $s 'vdi-001')['state'] | Should -Be 'Off'
        $s['cluster_groups'][0]['owner_node'] | Should -Be 'hci-node-01'
    }
    It 'a pooled DDA VM restarts on a node whose same-named pool has a free device' {
        $s = Get-TestState -Edit { param($s)
            $v = Get-TestVm $s 'vdi-001'; $v['gpu_partition_adapters'] = @(); $v['assignable_devices'] = @([ordered]@{ location_path = $null; pool = 'GpuChildPool' })
            $v['automatic_stop_action'] = 'TurnOff'; $v['high_mmio_bytes'] = 33280MB
            $g = Get-TestGpu $s 'hci-node-02' 0; $g['enabled'] = $false; $g['dismounted'] = $true; $g['pool'] = 'GpuChildPool' }
        $moves = Invoke-TwinNodeFailure -State $s -Node 'hci-node-01'
        @($moves) | Should -Be @('vdi-001 -> hci-node-02')
    }
}

Describe 'Integration services and jobs' {
    It 'Get-VMIntegrationService reports the Shutdown service of the state; other services are not modeled' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
foreach ($n in 'vdi-001', 'web1') {
    $s = Get-VM -Name $n -ComputerName 'hci-node-01' | Get-VMIntegrationService -Name 'Shutdown'
    Write-Host ('{0}: {1} {2}' -f $n, $s.Enabled, $s.PrimaryStatusDescription)
}
$s = Get-VMIntegrationService -VMName 'web`[12`]' -ComputerName 'hci-node-01'
Write-Host ('web[12]: {0}' -f $s.Enabled)
Get-VMIntegrationService -VMName 'web1' -ComputerName 'hci-node-01' -Name 'Heartbeat'
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'vdi-001: True OK'
        $r.output | Should -Contain 'web1: True No Contact'
        $r.output | Should -Contain 'web[12]: False'
        $r.error | Should -Match 'not modeled by the twin'
    }
    It 'Stop-VM -AsJob returns a job that Wait-Job and Receive-Job handle; a failure comes out of Receive-Job' {
        $s = Get-TestState -Edit { param($s) $s['faults'] = @([ordered]@{ command = 'Stop-VM'; target = 'web[12]'; message = 'shutdown failed'; times = 1 }) }
        $r = Invoke-TestScript -State $s -Body @'
$job = Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -AsJob
$null = Wait-Job -Job $job -Timeout 60
Write-Host ('job: ' + $job.State)
Receive-Job -Job $job
$job2 = Stop-VM -Name 'web`[12`]' -ComputerName 'hci-node-01' -TurnOff -AsJob
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'job: Completed'
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Off'
        $r.error | Should -Be 'shutdown failed'
    }
}

Describe 'More refusals: each modeled rule refuses its wrong call' {
    BeforeAll {
        # GPU 1 of node-01 disabled and dismounted, free.
        $script:Dismounted = { param($s) $g = Get-TestGpu $s 'hci-node-01' 1; $g['enabled'] = $false; $g['dismounted'] = $true }
    }
    It 'Mount-VMHostAssignableDevice refuses a device assigned to a VM or in a pool, and mounts a free one' {
        $s = Get-TestState -Edit { param($s) & $script:Dismounted $s; (Get-TestVm $s 'web1')['assignable_devices'] = @([ordered]@{ location_path = $script:Lp1; pool = $null }) }
        $r = Invoke-TestScript -State $s -Body "Mount-VMHostAssignableDevice -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'assigned to VM web1'
        $s = Get-TestState -Edit { param($s) & $script:Dismounted $s; (Get-TestGpu $s 'hci-node-01' 1)['pool'] = 'GpuChildPool' }
        $r = Invoke-TestScript -State $s -Body "Mount-VMHostAssignableDevice -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'in the resource pool GpuChildPool'
        $r = Invoke-TestScript -State (Get-TestState -Edit $script:Dismounted) -Body "Mount-VMHostAssignableDevice -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 0
        (Get-TestGpu $r.state 'hci-node-01' 1)['dismounted'] | Should -BeFalse
    }
    It 'Remove-VMHostAssignableDevice refuses a device that is not in the pool' {
        $r = Invoke-TestScript -State (Get-TestState -Edit $script:Dismounted) -Body "Remove-VMHostAssignableDevice -LocationPath '$script:Lp1' -ResourcePoolName 'GpuChildPool' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not in the resource pool GpuChildPool'
    }
    It 'Enable-PnpDevice refuses a dismounted device' {
        $r = Invoke-TestScript -State (Get-TestState -Edit $script:Dismounted) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Enable-PnpDevice -InstanceId '$script:Id1' -Confirm:`$false }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'dismounted'
    }
    It 'Remove-VMAssignableDevice refuses a running VM and a device the VM does not have' {
        $s = Get-TestState -Edit { param($s) & $script:Dismounted $s; (Get-TestVm $s 'vdi-001')['assignable_devices'] = @([ordered]@{ location_path = $script:Lp1; pool = $null }) }
        $r = Invoke-TestScript -State $s -Body "Remove-VMAssignableDevice -VMName 'vdi-001' -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'must be Off'
        $r = Invoke-TestScript -State $s -Body "Remove-VMAssignableDevice -VMName 'web1' -LocationPath '$script:Lp1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'has no assigned device'
    }
    It 'a DDA VM refuses dynamic memory and -Save' {
        $s = Get-TestState -Edit { param($s) & $script:Dismounted $s; (Get-TestVm $s 'web1')['assignable_devices'] = @([ordered]@{ location_path = $script:Lp1; pool = $null }); (Get-TestVm $s 'vdi-001')['assignable_devices'] = @([ordered]@{ location_path = $null; pool = 'GpuChildPool' }) }
        $r = Invoke-TestScript -State $s -Body "Set-VM -Name 'web1' -ComputerName 'hci-node-01' -DynamicMemory"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'dynamic memory cannot be enabled'
        $r = Invoke-TestScript -State $s -Body "Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Save"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'cannot be saved'
        $r = Invoke-TestScript -State (Get-TestState) -Body "Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Save -TurnOff"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'cannot be used together'
    }
    It 'Start-VM refuses a DDA device that a running VM uses' {
        $s = Get-TestState -Edit { param($s)
            & $script:Dismounted $s
            foreach ($n in 'vdi-001', 'web1') {
                $v = Get-TestVm $s $n; $v['assignable_devices'] = @([ordered]@{ location_path = $script:Lp1; pool = $null })
                $v['automatic_stop_action'] = 'TurnOff'; $v['dynamic_memory'] = $false; $v['high_mmio_bytes'] = 33280MB
            } }
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'in use by VM vdi-001'
    }
    It 'Add-VMGpuPartitionAdapter refuses a PnP InstanceId as -InstancePath and a host without a partitionable GPU' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Add-VMGpuPartitionAdapter -VMName 'web1' -ComputerName 'hci-node-01' -InstancePath '$script:Id0'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not a PnP InstanceId'
        $s = Get-TestState -Edit { param($s) $h = Get-TestHost $s 'hci-node-02'; $h['vms'] = @((Get-TestVm $s 'web1')); (Get-TestHost $s 'hci-node-01')['vms'] = @((Get-TestVm $s 'vdi-001')) }
        $r = Invoke-TestScript -State $s -Body "Add-VMGpuPartitionAdapter -VMName 'web1' -ComputerName 'hci-node-02'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'has no partitionable GPU'
    }
    It 'Dismount-VMHostAssignableDevice refuses a vGPU GPU whose partitions running VMs use' {
        $s = Get-TestState -Edit { param($s) (Get-TestGpu $s 'hci-node-01' 0)['enabled'] = $false }
        $r = Invoke-TestScript -State $s -Body "Dismount-VMHostAssignableDevice -LocationPath '$script:Lp0' -Force -ComputerName 'hci-node-01'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'partitions in use'
    }
    It 'Set-ClusterParameter refuses a parameter the resource does not have, unless -Create' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Get-ClusterResource -Name 'Virtual Machine vdi-001' -Cluster 'hci-prod' | Set-ClusterParameter -Name 'NoSuch' -Value 1"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'use -Create'
    }
    It 'Update-ClusterVirtualMachineConfiguration refuses a VM that is not clustered' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Update-ClusterVirtualMachineConfiguration -VMId '6f1c0a52-0000-4000-8000-000000000002' -Cluster 'hci-prod'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'No clustered virtual machine'
    }
    It 'what the twin does not model fails, it is never silently accepted' -TestCases @(
        @{ Call = "New-VMResourcePool -Name 'm' -ResourcePoolType Memory -ComputerName 'hci-node-01'" },
        @{ Call = "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Get-PnpDevice -PresentOnly | Get-PnpDeviceProperty -KeyName 'DEVPKEY_Device_DriverVersion' }" },
        @{ Call = "Get-VM -ComputerName 'hci-node-01' -CimSession `$null" },
        @{ Call = "Move-ClusterVirtualMachineRole -Name 'vdi-001' -Node 'hci-node-02' -Cluster 'hci-prod'" }
    ) {
        $r = Invoke-TestScript -State (Get-TestState) -Body $Call
        $r.exit | Should -Be 1
        $r.calls.Count | Should -Be 0
    }
    It 'az stack-hci-vm stop|start|show refuse an unknown option, a positional argument, a missing value, an unknown VM or resource group; no call is made' {
        $s = Get-TestState -Edit { param($s) $s['arc'] = [ordered]@{ resource_group = 'rg'; custom_location = 'cl' }; (Get-TestVm $s 'web1')['arc'] = [ordered]@{ gpus = @() } }
        $r = Invoke-TestScript -State $s -Body @'
az stack-hci-vm stop --name web1 --resource-group rg --skip-shutdown
Write-Host ('unknown option: ' + $LASTEXITCODE)
az stack-hci-vm start --name web1 --resource-group rg extra
Write-Host ('positional: ' + $LASTEXITCODE)
az stack-hci-vm stop --name --resource-group rg
Write-Host ('no value: ' + $LASTEXITCODE)
az stack-hci-vm show --name web1 --resource-group rg --output table
Write-Host ('output table: ' + $LASTEXITCODE)
az stack-hci-vm stop --name vdi-001 --resource-group rg
Write-Host ('not an Arc VM: ' + $LASTEXITCODE)
az stack-hci-vm start --name web1 --resource-group other
Write-Host ('other resource group: ' + $LASTEXITCODE)
az stack-hci-vm start --name web1 --resource-group rg
Write-Host ('right: ' + $LASTEXITCODE)
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'unknown option: 2'
        $r.output | Should -Contain 'positional: 2'
        $r.output | Should -Contain 'no value: 2'
        $r.output | Should -Contain 'output table: 2'
        $r.output | Should -Contain 'not an Arc VM: 3'
        $r.output | Should -Contain 'other resource group: 3'
        $r.output | Should -Contain 'right: 0'
        Get-TestCommands $r | Should -Be @('az stack-hci-vm start')
    }
    It 'Stop-VM and Start-VM of an Azure Local VM enabled by Arc are refused (supported only through Azure); a VM that is not an Arc VM is not' {
        $s = Get-TestState -Edit { param($s) $s['arc'] = [ordered]@{ resource_group = 'rg'; custom_location = 'cl' }; (Get-TestVm $s 'web1')['arc'] = [ordered]@{ gpus = @() } }
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01' -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'az stack-hci-vm start'
        (Get-TestVm $r.state 'web1')['state'] | Should -Be 'Off'
        $r = Invoke-TestScript -State $s -Body "az stack-hci-vm start --name web1 --resource-group rg; Stop-VM -Name 'web1' -ComputerName 'hci-node-01' -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'az stack-hci-vm stop'
        (Get-TestVm $r.state 'web1')['state'] | Should -Be 'Running'
        $r = Invoke-TestScript -State $s -Body "Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:`$false"
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Off'
    }
    It 'native tools: an argument the twin does not model is a non-zero exit code and a message, not a success' {
        $s = Get-TestState -Edit { param($s) $s['arc'] = [ordered]@{ resource_group = 'rg'; custom_location = 'cl' }; (Get-TestVm $s 'web1')['arc'] = [ordered]@{ gpus = @() } }
        $r = Invoke-TestScript -State $s -Body @'
$c = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { nvidia-smi.exe -q; $LASTEXITCODE; pnputil.exe /delete-driver oem1.inf; $LASTEXITCODE }
Write-Host ('smi/pnputil: ' + ($c -join '/'))
az stack-hci-vm gpu attach --resource-group rg --vm-name web1 --gpu-p-count 1 --custom-location cl
Write-Host ('custom-location: ' + $LASTEXITCODE)
az stack-hci-vm gpu detach --resource-group rg --vm-name web1 --gpu-dda-count 1
Write-Host ('detach: ' + $LASTEXITCODE)
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'smi/pnputil: 2/1'
        $r.output | Should -Contain 'custom-location: 2'
        $r.output | Should -Contain 'detach: 1'
        # An argument az itself refuses makes no call; a detach it sends is a call, even when it fails.
        Get-TestCommands $r | Should -Be @('az stack-hci-vm gpu detach')
    }
}
