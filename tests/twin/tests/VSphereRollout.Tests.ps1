# VSphereRollout.Tests.ps1 - the vSphere twin's rollout behaviours (README "Rollouts"):
# vMotion and cold moves (Move-VM), maintenance mode in and out (Set-VMHost -State),
# esxcli software component apply from a depot (Get-EsxCli -V2), the reboot that loads the
# new module (HostSystem.RebootHost), the loaded module's version (HostKernelModuleSystem.
# QueryModules), a host failure with vSphere HA (the node-failure fault), the vLCM image flag
# and the state fields they use.
# Each behaviour: the wrong call is refused, the right one changes the state. Fixture:
# fixtures/vsan-small.json (see VSphere.Tests.ps1), edited per test.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    function Get-VsVm {
        param($State, [string]$Name)
        @($State['vms']) | Where-Object { $_['name'] -ceq $Name } | Select-Object -First 1
    }
    function Get-VsHost {
        param($State, [string]$Name)
        @($State['hosts']) | Where-Object { $_['name'] -ceq $Name } | Select-Object -First 1
    }
    # vsan-small with: ml-01 running a grid_l40-12q vGPU on esx-01, ml-02 running with a
    # DirectPath I/O L40 on esx-02 (its active GPU), vGPU vMotion enabled, one depot.
    function Get-RoState {
        param([scriptblock]$Edit)
        $s = Get-TestState -Name 'vsan-small'
        $s['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] = 'true'
        $v = Get-VsVm $s 'ml-01'
        $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' })
        $v['memory_reservation_locked_to_max'] = $true
        $g = @((Get-VsHost $s 'esx-02')['gpus'])[1]
        $p = Get-VsVm $s 'ml-02'
        $p['host'] = 'esx-02'
        $p['devices'] = @([ordered]@{ type = 'dynamic_passthrough'; vendor_id = $g['vendor_id']; device_id = $g['device_id'] })
        $p['memory_reservation_locked_to_max'] = $true
        $s['depots'] = @([ordered]@{ path = '/vmfs/volumes/ds1/nvd-570.zip'; component = [ordered]@{ name = 'NVD-AIE-800'; version = '570.172.07-1OEM.800.1.0.20613240' } })
        if ($Edit) { $null = & $Edit $s }
        $s
    }
    function Invoke-RoScript {
        param($State, [string]$Body, [switch]$Preview)
        Invoke-TestScript -State $State -Body ("`$c = Connect-VIServer -Server 'vc01'`n" + $Body) -Preview:$Preview
    }
    # esx-03 emptied and in maintenance mode (no VM runs there in the fixture).
    $script:InMaintenance = { param($s) (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance' }
    $script:Apply = @'
function Invoke-Apply([string]$HostName, [string]$Depot) {
    $e = Get-EsxCli -VMHost (Get-VMHost -Name $HostName -Server $c) -V2 -Server $c
    $a = $e.software.component.apply.CreateArgs()
    $a['depot'] = $Depot
    $e.software.component.apply.Invoke($a)
}

'@
}

Describe 'Move-VM: vMotion of a running VM, cold move of one powered off' {
    It 'moves a running vGPU VM onto a Connected host that can run it; it stays powered on' {
        $r = Invoke-RoScript (Get-RoState) "`$null = Move-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Destination (Get-VMHost -Name 'esx-03' -Server `$c) -Server `$c"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['host'] | Should -Be 'esx-03'
        (Get-VsVm $r.state 'ml-01')['power_state'] | Should -Be 'PoweredOn'
        Get-TestCommands $r | Should -Be @('Move-VM')
    }
    It 'refuses vMotion of a vGPU VM while vgpu.hotmigrate.enabled is not true' {
        $s = Get-RoState { param($s) $s['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] = 'false' }
        $r = Invoke-RoScript $s "Move-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Destination (Get-VMHost -Name 'esx-03' -Server `$c) -Server `$c"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*vGPU hot migration is not enabled*'
        (Get-VsVm $r.state 'ml-01')['host'] | Should -Be 'esx-01'
    }
    It 'refuses vMotion of a running VM with a DirectPath I/O device' {
        $r = Invoke-RoScript (Get-RoState) "Move-VM -VM (Get-VM -Name 'ml-02' -Server `$c) -Destination (Get-VMHost -Name 'esx-03' -Server `$c) -Server `$c"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*DirectPath I/O*vMotion is not supported*'
        (Get-VsVm $r.state 'ml-02')['host'] | Should -Be 'esx-02'
    }
    It 'refuses a destination in maintenance mode, even for a VM powered off' {
        $r = Invoke-RoScript (Get-RoState $script:InMaintenance) "Move-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Destination (Get-VMHost -Name 'esx-03' -Server `$c) -Server `$c"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is Maintenance*'
        (Get-VsVm $r.state 'train-01')['host'] | Should -Be 'esx-02'
    }
    It 'refuses vMotion of a vGPU VM onto a host without the NVIDIA module loaded' {
        $r = Invoke-RoScript (Get-RoState { param($s) (Get-VsHost $s 'esx-04')['nvidia_module_loaded'] = $false }) "Move-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Destination (Get-VMHost -Name 'esx-04' -Server `$c) -Server `$c"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-04 has no NVIDIA vGPU Manager module loaded*'
    }
    It 'refuses a move onto the host the VM is on, and a cluster as the destination' {
        $r = Invoke-RoScript (Get-RoState) "Move-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Destination (Get-VMHost -Name 'esx-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*already on host esx-01*'
        $r = Invoke-RoScript (Get-RoState) "Move-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Destination (Get-Cluster -Name 'vsan-prod' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*cluster is not modelled*'
    }
    It 'moves a powered-off DirectPath I/O VM cold; it stays off' {
        $s = Get-RoState { param($s) (Get-VsVm $s 'ml-02')['power_state'] = 'PoweredOff' }
        $r = Invoke-RoScript $s "`$null = Move-VM -VM (Get-VM -Name 'ml-02' -Server `$c) -Destination (Get-VMHost -Name 'esx-03' -Server `$c) -Server `$c"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-02')['host'] | Should -Be 'esx-03'
        (Get-VsVm $r.state 'ml-02')['power_state'] | Should -Be 'PoweredOff'
    }
    It 'previews under -WhatIf without a call' {
        $r = Invoke-RoScript (Get-RoState) "`$null = Move-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Destination (Get-VMHost -Name 'esx-03' -Server `$c) -Server `$c" -Preview
        $r.exit | Should -Be 0
        @($r.calls).Count | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['host'] | Should -Be 'esx-01'
    }
}

Describe 'Maintenance mode: Set-VMHost -State Maintenance and Connected' {
    It 'refuses to enter while a VM runs on the host (DRS does not evacuate vGPU VMs)' {
        $r = Invoke-RoScript (Get-RoState) "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-01' -Server `$c) -State 'Maintenance' -Server `$c -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-01 cannot enter maintenance mode while VM(s) ml-01*'
        (Get-VsHost $r.state 'esx-01')['connection_state'] | Should -Be 'Connected'
    }
    It 'enters with only powered-off VMs on the host, and exits' {
        $r = Invoke-RoScript (Get-RoState { param($s) (Get-VsVm $s 'ml-02')['power_state'] = 'PoweredOff' }) "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-02' -Server `$c) -State 'Maintenance' -Server `$c -Confirm:`$false; Write-Host (Get-VMHost -Name 'esx-02' -Server `$c).ConnectionState; `$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-02' -Server `$c) -State 'Connected' -Server `$c -Confirm:`$false"
        $r.exit | Should -Be 0
        $r.output | Should -Be @('Maintenance')
        (Get-VsHost $r.state 'esx-02')['connection_state'] | Should -Be 'Connected'
    }
    It 'refuses to exit maintenance mode a host that is not in it' {
        $r = Invoke-RoScript (Get-RoState) "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Connected' -Server `$c -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*not allowed in the current state*esx-03 is Connected, not in maintenance mode*'
    }
    It 'refuses to enter maintenance mode a host that is already in it' {
        $r = Invoke-RoScript (Get-RoState $script:InMaintenance) "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Maintenance' -Server `$c -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is Maintenance; only a Connected host enters maintenance mode*'
    }
    It 'refuses to power on a VM on a host in maintenance mode' {
        $s = Get-RoState { param($s) (Get-VsVm $s 'train-01')['host'] = 'esx-03'; (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance' }
        $r = Invoke-RoScript $s "`$null = Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c -Confirm:`$false -ErrorAction Stop"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is Maintenance*cannot be powered on*'
    }
}

Describe 'Host component: esxcli software component apply -d, active after the reboot' {
    It 'installs the depot''s component in maintenance mode; the old module stays loaded until RebootHost' {
        $body = $script:Apply + @'
$out = Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-570.zip'
Write-Host $out.RebootRequired
$e = Get-EsxCli -VMHost (Get-VMHost -Name 'esx-03' -Server $c) -V2 -Server $c
Write-Host @($e.software.component.list.Invoke())[0].Version
'@
        $r = Invoke-RoScript (Get-RoState $script:InMaintenance) $body
        $r.exit | Should -Be 0
        $r.output | Should -Be @('true', '570.172.07-1OEM.800.1.0.20613240')
        $h = Get-VsHost $r.state 'esx-03'
        $h['nvidia_component']['version'] | Should -Be '570.172.07-1OEM.800.1.0.20613240'
        $h['nvidia_loaded_version'] | Should -Be '550.54.16-1OEM.800.1.0.20613240'
        Get-TestCommands $r | Should -Be @('esxcli software component apply')
        $r.state['hosts'][2]['boot_count'] = 4
        $r2 = Invoke-RoScript $r.state "`$h = Get-VMHost -Name 'esx-03' -Server `$c; Write-Host `$h.ExtensionData.Runtime.BootTime.ToString('o'); `$h.ExtensionData.RebootHost(`$false); Write-Host (Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.Runtime.BootTime.ToString('o')"
        $r2.exit | Should -Be 0
        $r2.output | Should -Be @('2026-01-01T04:00:00.0000000Z', '2026-01-01T05:00:00.0000000Z')
        (Get-VsHost $r2.state 'esx-03')['boot_count'] | Should -Be 5
        (Get-VsHost $r2.state 'esx-03').Contains('nvidia_loaded_version') | Should -BeFalse
        (Get-VsHost $r2.state 'esx-03')['nvidia_module_loaded'] | Should -BeTrue
        (Get-VsHost $r2.state 'esx-03')['connection_state'] | Should -Be 'Maintenance'
    }
    It 'refuses outside maintenance mode' {
        $r = Invoke-RoScript (Get-RoState) ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-570.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is Connected, not in maintenance mode*'
        (Get-VsHost $r.state 'esx-03')['nvidia_component']['version'] | Should -Be '550.54.16-1OEM.800.1.0.20613240'
    }
    It 'refuses a depot the state does not have, and no depot at all' {
        $r = Invoke-RoScript (Get-RoState $script:InMaintenance) ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/other.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*no depot at /vmfs/volumes/ds1/other.zip*'
        $r = Invoke-RoScript (Get-RoState $script:InMaintenance) ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot ''")
        $r.error | Should -BeLike '*Missing required parameter -d|--depot*'
    }
    It 'refuses on a cluster managed by a vLCM image, which the cluster view says' {
        $s = Get-RoState { param($s) (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance'; $s['clusters'][0]['image_managed'] = $true }
        $r = Invoke-RoScript $s ($script:Apply + "Write-Host (Get-Cluster -Name 'vsan-prod' -Server `$c).ExtensionData.LifecycleManaged`nInvoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-570.zip'")
        $r.output[0] | Should -Be 'True'
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*managed by a vLCM image*'
    }
    It 'changes nothing when the component is already installed' {
        $s = Get-RoState { param($s) $s['depots'][0]['component']['version'] = '550.54.16-1OEM.800.1.0.20613240'; (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance' }
        $r = Invoke-RoScript $s ($script:Apply + "Write-Host (Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-570.zip').Message")
        $r.output | Should -Be @('Host is not changed.')
        (Get-VsHost $r.state 'esx-03').Contains('nvidia_loaded_version') | Should -BeFalse
    }
    It 'lists the GPU Management Daemon as a component of its own; its depot updates it, not the driver, and is refused outside maintenance mode' {
        $daemon = { param($s)
            (Get-VsHost $s 'esx-03')['nvidia_daemon_component'] = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = '550.54.16-0.0.0000' }
            $s['depots'] += [ordered]@{ path = '/vmfs/volumes/ds1/daemon-570.zip'; component = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = '570.172.07-0.0.0000' } } }
        $list = "`n`$e = Get-EsxCli -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -V2 -Server `$c`n@(`$e.software.component.list.Invoke()) | ForEach-Object { Write-Host (`$_.Name + ' ' + `$_.Version) }"
        $r = Invoke-RoScript (Get-RoState $daemon) ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/daemon-570.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*not in maintenance mode*'
        $s = Get-RoState { param($s) & $daemon $s; (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance' }
        $r = Invoke-RoScript $s ($script:Apply + "`$null = Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/daemon-570.zip'" + $list)
        $r.exit | Should -Be 0
        $r.output | Should -Be @('NVD-AIE-800 550.54.16-1OEM.800.1.0.20613240', 'nvd-gpu-mgmt-daemon 570.172.07-0.0.0000')
        $h = Get-VsHost $r.state 'esx-03'
        $h['nvidia_component']['version'] | Should -Be '550.54.16-1OEM.800.1.0.20613240'
        $h.Contains('nvidia_loaded_version') | Should -BeFalse
    }
    It 'installs a daemon bundle (kind daemon) beside the driver on a host without one, only in maintenance mode; the driver and the module stay' {
        $bundle = { param($s) $s['depots'] += [ordered]@{ path = '/vmfs/volumes/ds1/nvd-gpu-mgmt-daemon-570.zip'; component = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = '570.172.07-0.0.0000'; kind = 'daemon' } } }
        $list = "`n`$e = Get-EsxCli -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -V2 -Server `$c`n@(`$e.software.component.list.Invoke()) | ForEach-Object { Write-Host (`$_.Name + ' ' + `$_.Version) }"
        $r = Invoke-RoScript (Get-RoState $bundle) ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-gpu-mgmt-daemon-570.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is Connected, not in maintenance mode*'
        (Get-VsHost $r.state 'esx-03').Contains('nvidia_daemon_component') | Should -BeFalse
        $s = Get-RoState { param($s) & $bundle $s; (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance' }
        $r = Invoke-RoScript $s ($script:Apply + "Write-Host (Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-gpu-mgmt-daemon-570.zip').RebootRequired" + $list)
        $r.exit | Should -Be 0
        $r.output | Should -Be @('true', 'NVD-AIE-800 550.54.16-1OEM.800.1.0.20613240', 'nvd-gpu-mgmt-daemon 570.172.07-0.0.0000')
        $h = Get-VsHost $r.state 'esx-03'
        $h['nvidia_component']['version'] | Should -Be '550.54.16-1OEM.800.1.0.20613240'
        $h.Contains('nvidia_loaded_version') | Should -BeFalse
        Get-TestCommands $r | Should -Be @('esxcli software component apply')
    }
    It 'refuses a daemon bundle: missing on the datastore, on a vLCM image cluster, a second daemon of another name, one named as the driver' {
        $bundle = { param($s, [string]$Name)
            $s['depots'] += [ordered]@{ path = '/vmfs/volumes/ds1/daemon.zip'; component = [ordered]@{ name = $Name; version = '570.172.07-0.0.0000'; kind = 'daemon' } }
            (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance' }
        $s = Get-RoState { param($s) & $bundle $s 'nvd-gpu-mgmt-daemon' }
        $r = Invoke-RoScript $s ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/missing-daemon.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*no depot at /vmfs/volumes/ds1/missing-daemon.zip*'
        $s = Get-RoState { param($s) & $bundle $s 'nvd-gpu-mgmt-daemon'; $s['clusters'][0]['image_managed'] = $true }
        $r = Invoke-RoScript $s ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/daemon.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*managed by a vLCM image*'
        $s = Get-RoState { param($s) & $bundle $s 'nvd-gpu-mgmt-daemon'; (Get-VsHost $s 'esx-03')['nvidia_daemon_component'] = [ordered]@{ name = 'VMW-esx-7.0.2-nvd-gpu-mgmt-daemon'; version = '1.0-0.0.0001' } }
        $r = Invoke-RoScript $s ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/daemon.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*a second daemon component (nvd-gpu-mgmt-daemon) is not modelled*'
        (Get-VsHost $r.state 'esx-03')['nvidia_daemon_component']['version'] | Should -Be '1.0-0.0.0001'
        $s = Get-RoState { param($s) & $bundle $s 'NVD-AIE-800' }
        $r = Invoke-RoScript $s ($script:Apply + "Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/daemon.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*daemon component named as the host driver NVD-AIE-800*'
        (Get-VsHost $r.state 'esx-03')['nvidia_component']['version'] | Should -Be '550.54.16-1OEM.800.1.0.20613240'
    }
    It 'fails the apply of one depot when a fault targets that depot path, the other depot''s apply not' {
        $s = Get-RoState { param($s)
            $s['depots'] += [ordered]@{ path = '/vmfs/volumes/ds1/daemon.zip'; component = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = '570.172.07-0.0.0000'; kind = 'daemon' } }
            (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance'
            $s['faults'] = @([ordered]@{ command = 'esxcli software component apply'; target = '/vmfs/volumes/ds1/daemon.zip'; message = 'injected'; times = 1 }) }
        $r = Invoke-RoScript $s ($script:Apply + "`$null = Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-570.zip'`nInvoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/daemon.zip'")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*injected*'
        $h = Get-VsHost $r.state 'esx-03'
        $h['nvidia_component']['version'] | Should -Be '570.172.07-1OEM.800.1.0.20613240'
        $h.Contains('nvidia_daemon_component') | Should -BeFalse
    }
    It 'reboot_unseen_seconds: vCenter shows the host as before the reboot for that long and refuses calls on it; then it has booted' {
        $s = Get-RoState { param($s) $h = Get-VsHost $s 'esx-03'; $h['connection_state'] = 'Maintenance'; $h['boot_count'] = 2; $h['reboot_unseen_seconds'] = 30 }
        $body = @'
$h = Get-VMHost -Name 'esx-03' -Server $c
$h.ExtensionData.RebootHost($false)
Start-Sleep -Seconds 10
$h = Get-VMHost -Name 'esx-03' -Server $c
Write-Host ('{0} {1}' -f $h.ConnectionState, $h.ExtensionData.Runtime.BootTime.ToString('o'))
try { $null = Set-VMHost -VMHost $h -State Connected -Server $c -ErrorAction Stop } catch { Write-Host ('refused: ' + $_.Exception.Message) }
Start-Sleep -Seconds 20
$h = Get-VMHost -Name 'esx-03' -Server $c
Write-Host ('{0} {1}' -f $h.ConnectionState, $h.ExtensionData.Runtime.BootTime.ToString('o'))
'@
        $r = Invoke-RoScript $s $body
        $r.exit | Should -Be 0
        $r.output[0] | Should -Be 'Maintenance 2026-01-01T02:00:00.0000000Z'
        $r.output[1] | Should -BeLike 'refused: *esx-03 is rebooting*'
        $r.output[2] | Should -Be 'Maintenance 2026-01-01T03:00:00.0000000Z'
        $h = Get-VsHost $r.state 'esx-03'
        $h['boot_count'] | Should -Be 3
        $h.Contains('reboot_due') | Should -BeFalse
    }
    It 'RebootHost without force is refused outside maintenance mode' {
        $r = Invoke-RoScript (Get-RoState) "(Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.RebootHost(`$false)"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*not allowed in the current state*'
    }
}

Describe 'A reboot that takes time (hosts[].reboot_seconds, on the virtual clock)' {
    BeforeAll {
        $script:Rebooting = { param($s) (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance'; (Get-VsHost $s 'esx-03')['reboot_seconds'] = 300; (Get-VsHost $s 'esx-03')['boot_count'] = 2 }
        $script:Show = "function Show { `$h = Get-VMHost -Name 'esx-03' -Server `$c; Write-Host ('{0} {1}' -f `$h.ConnectionState, `$h.ExtensionData.Runtime.BootTime.ToString('HH')) }`n"
    }
    It 'the host is NotResponding until the time has passed, then back in maintenance mode, booted later' {
        $body = $script:Show + "(Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.RebootHost(`$false)`nShow`nStart-Sleep -Seconds 299`nShow`nStart-Sleep -Seconds 1`nShow"
        $r = Invoke-RoScript (Get-RoState $script:Rebooting) $body
        $r.exit | Should -Be 0
        $r.output | Should -Be @('NotResponding 02', 'NotResponding 02', 'Maintenance 03')
        (Get-VsHost $r.state 'esx-03')['boot_count'] | Should -Be 3
        (Get-VsHost $r.state 'esx-03').Contains('rebooting') | Should -BeFalse
    }
    It 'refuses what needs the rebooting host: esxcli, the kernel modules, exit from maintenance mode' {
        $reboot = "(Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.RebootHost(`$false)`n"
        $r = Invoke-RoScript (Get-RoState $script:Rebooting) ($reboot + "`$null = Get-EsxCli -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -V2 -Server `$c")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is NotResponding*'
        $r = Invoke-RoScript (Get-RoState $script:Rebooting) ($reboot + "`$null = (Get-View -Id (Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.ConfigManager.KernelModuleSystem -Server `$c).QueryModules()")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is NotResponding*'
        $r = Invoke-RoScript (Get-RoState $script:Rebooting) ($reboot + "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Connected' -Server `$c -Confirm:`$false -ErrorAction Stop")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is NotResponding*'
        (Get-VsHost $r.state 'esx-03')['connection_state'] | Should -Be 'NotResponding'
    }
    It 'a reboot under way when a run ends is over when the next run starts' {
        $r = Invoke-RoScript (Get-RoState $script:Rebooting) "(Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.RebootHost(`$false)"
        (Get-VsHost $r.state 'esx-03')['connection_state'] | Should -Be 'NotResponding'
        $r2 = Invoke-RoScript $r.state ($script:Show + 'Show')
        $r2.output | Should -Be @('Maintenance 03')
    }
    It 'with reboot_unseen_seconds too, one reboot: first as before the call (calls refused), then NotResponding, then back' {
        $s = Get-RoState { param($s) & $script:Rebooting $s; (Get-VsHost $s 'esx-03')['reboot_unseen_seconds'] = 30; $s['events'] = @() }
        $body = $script:Show + @'
(Get-VMHost -Name 'esx-03' -Server $c).ExtensionData.RebootHost($false)
Start-Sleep -Seconds 10
Show
try { $null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server $c) -State Connected -Server $c -ErrorAction Stop } catch { Write-Host ('refused: ' + $_.Exception.Message) }
try { (Get-VMHost -Name 'esx-03' -Server $c).ExtensionData.RebootHost($false) } catch { Write-Host ('again: ' + $_.Exception.Message) }
Start-Sleep -Seconds 20
Show
Start-Sleep -Seconds 299
Show
Start-Sleep -Seconds 1
Show
'@
        $r = Invoke-RoScript $s $body
        $r.exit | Should -Be 0
        $r.output[0] | Should -Be 'Maintenance 02'
        $r.output[1] | Should -BeLike 'refused: *esx-03 is rebooting*'
        $r.output[2] | Should -BeLike 'again: *esx-03 is*rebooting*'
        $r.output[3..5] | Should -Be @('NotResponding 02', 'NotResponding 02', 'Maintenance 03')
        $h = Get-VsHost $r.state 'esx-03'
        $h['boot_count'] | Should -Be 3
        $h.Contains('reboot_due') | Should -BeFalse
        $h.Contains('rebooting') | Should -BeFalse
        $ev = @(@($r.state['events']) | Where-Object { $null -ne $_ -and $_['kind'] -eq 'host-reboot' })
        $ev.Count | Should -Be 1
        [double]$ev[0]['down'] | Should -Be 30
        [double]$ev[0]['up'] | Should -Be 330
    }
    It 'a reboot not yet seen when a run ends is over when the next run starts' {
        $s = Get-RoState { param($s) & $script:Rebooting $s; (Get-VsHost $s 'esx-03')['reboot_unseen_seconds'] = 30 }
        $r = Invoke-RoScript $s "(Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.RebootHost(`$false)"
        (Get-VsHost $r.state 'esx-03')['reboot_due'] | Should -Be 30
        $r2 = Invoke-RoScript $r.state ($script:Show + 'Show')
        $r2.output | Should -Be @('Maintenance 03')
        (Get-VsHost $r2.state 'esx-03').Contains('reboot_due') | Should -BeFalse
    }
    It 'refuses a malformed reboot_seconds (exit 2)' {
        $r = Invoke-RoScript (Get-RoState { param($s) (Get-VsHost $s 'esx-01')['reboot_seconds'] = 'long' }) 'Write-Host 1'
        $r.exit | Should -Be 2
        $r.error | Should -Match 'reboot_seconds'
    }
}

Describe 'State: the rollout fields are checked before a run' {
    It 'refuses a malformed depot, image_managed, nvidia_loaded_version and boot_count (exit 2)' {
        foreach ($edit in @(
                { param($s) $s['depots'] = @([ordered]@{ path = '/x.zip' }) },
                { param($s) $s['clusters'][0]['image_managed'] = 'yes' },
                { param($s) (Get-VsHost $s 'esx-01')['nvidia_loaded_version'] = 5 },
                { param($s) (Get-VsHost $s 'esx-01')['boot_count'] = 'twice' },
                { param($s) (Get-VsHost $s 'esx-01')['stale_module_after_reboot'] = 'yes' },
                { param($s) (Get-VsHost $s 'esx-01')['nvidia_daemon_component'] = [ordered]@{ name = 'nvd-gpu-mgmt-daemon' } },
                { param($s) (Get-VsHost $s 'esx-01')['nvidia_daemon_component'] = [ordered]@{ name = 'NVD-AIE-800'; version = '1.0-0.0.0001' } },
                { param($s) (Get-VsHost $s 'esx-01')['reboot_unseen_seconds'] = 'soon' },
                { param($s) $s['depots'] = @([ordered]@{ path = '/x.zip'; component = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = '1'; kind = 'tool' } }) })) {
            $r = Invoke-RoScript (Get-RoState $edit) 'Write-Host 1'
            $r.exit | Should -Be 2
            $r.error | Should -Match 'depots\[0\]|image_managed|nvidia_loaded_version|boot_count|stale_module_after_reboot|nvidia_daemon_component|reboot_unseen_seconds'
        }
    }
}

Describe 'The loaded module: HostKernelModuleSystem.QueryModules' {
    BeforeAll {
        $script:Modules = @'
function Get-Nvidia([string]$HostName) {
    $h = Get-VMHost -Name $HostName -Server $c
    $k = Get-View -Id $h.ExtensionData.ConfigManager.KernelModuleSystem -Server $c
    @($k.QueryModules() | Where-Object { $_.Name -eq 'nvidia' })[0]
}

'@
    }
    It 'reports the module loaded: the installed version, the old one after an install until RebootHost, then the new one' {
        $body = $script:Apply + $script:Modules + @'
$m = Get-Nvidia 'esx-03'; Write-Host ('{0} {1}' -f $m.Loaded, $m.Version)
$null = Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-570.zip'
$m = Get-Nvidia 'esx-03'; Write-Host ('{0} {1}' -f $m.Loaded, $m.Version)
(Get-VMHost -Name 'esx-03' -Server $c).ExtensionData.RebootHost($false)
$m = Get-Nvidia 'esx-03'; Write-Host ('{0} {1}' -f $m.Loaded, $m.Version)
'@
        $r = Invoke-RoScript (Get-RoState $script:InMaintenance) $body
        $r.exit | Should -Be 0
        $r.output | Should -Be @('True 550.54.16-1OEM.800.1.0.20613240', 'True 550.54.16-1OEM.800.1.0.20613240', 'True 570.172.07-1OEM.800.1.0.20613240')
    }
    It 'refuses an argument: QueryModules takes none' {
        $body = "`$k = Get-View -Id (Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.ConfigManager.KernelModuleSystem -Server `$c`n`$null = `$k.QueryModules('nvidia')"
        $r = Invoke-RoScript (Get-RoState) $body
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*QueryModules*argument count*'
    }
    It 'a planted fault (stale_module_after_reboot): the next reboot leaves the old module loaded, once' {
        $body = $script:Apply + $script:Modules + @'
$null = Invoke-Apply -HostName 'esx-03' -Depot '/vmfs/volumes/ds1/nvd-570.zip'
(Get-VMHost -Name 'esx-03' -Server $c).ExtensionData.RebootHost($false)
$m = Get-Nvidia 'esx-03'; Write-Host $m.Version
(Get-VMHost -Name 'esx-03' -Server $c).ExtensionData.RebootHost($false)
$m = Get-Nvidia 'esx-03'; Write-Host $m.Version
'@
        $s = Get-RoState { param($s) (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance'; (Get-VsHost $s 'esx-03')['stale_module_after_reboot'] = $true }
        $r = Invoke-RoScript $s $body
        $r.exit | Should -Be 0
        $r.output | Should -Be @('550.54.16-1OEM.800.1.0.20613240', '570.172.07-1OEM.800.1.0.20613240')
        (Get-VsHost $r.state 'esx-03')['stale_module_after_reboot'] | Should -BeFalse
    }
}

Describe 'A host failure (the node-failure fault) and vSphere HA' {
    BeforeAll {
        # The script's first mutating call puts esx-03 (no VM) in maintenance mode: the fault
        # fires as it is made.
        $script:First = "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Maintenance' -Server `$c -Confirm:`$false`n"
        # Or takes esx-03 out of maintenance mode: HA acts while it is still in it.
        $script:FirstOut = "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Connected' -Server `$c -Confirm:`$false`n"
        $script:NoRoom = { param($s) (Get-VsHost $s 'esx-02')['nvidia_module_loaded'] = $false; (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance'; (Get-VsHost $s 'esx-04')['connection_state'] = 'Maintenance' }
        function Get-FailState {
            param([string]$Node, [scriptblock]$Edit)
            $s = Get-RoState
            $s['events'] = @()
            $s['faults'] = @([ordered]@{ command = 'node-failure'; target = $Node; at_call = 1; times = 1 })
            if ($Edit) { $null = & $Edit $s }
            $s
        }
    }
    It 'the host stops responding; HA restarts its running VMs on the first Connected host where they can start' {
        $r = Invoke-RoScript (Get-FailState 'esx-01') $script:First
        $r.exit | Should -Be 0
        (Get-VsHost $r.state 'esx-01')['connection_state'] | Should -Be 'NotResponding'
        foreach ($n in 'ml-01', 'ml-03', 'ml-04', 'ml-05', 'ml-06') {
            (Get-VsVm $r.state $n)['host'] | Should -Be 'esx-02'
            (Get-VsVm $r.state $n)['power_state'] | Should -Be 'PoweredOn'
        }
        (Get-VsVm $r.state 'ml-02')['host'] | Should -Be 'esx-02'
        @($r.state['events'] | Where-Object { $_['kind'] -eq 'vm-down' -and $_['by'] -eq 'host failure' } | ForEach-Object { $_['vm'] }) | Should -Be @('ml-01', 'ml-03', 'ml-04', 'ml-05', 'ml-06')
        (Get-VsHost $r.state 'esx-03')['connection_state'] | Should -Be 'Maintenance'
    }
    It 'a VM that can start nowhere stays off on the failed host: never on a host in maintenance mode or without the module' {
        $r = Invoke-RoScript (Get-FailState 'esx-01' $script:NoRoom) $script:FirstOut
        $r.exit | Should -Be 0
        # ml-01 (vGPU): esx-02 has no module, esx-03 and esx-04 are in maintenance mode (esx-03
        # leaves it with the call the failure comes with, after HA acted).
        (Get-VsVm $r.state 'ml-01')['host'] | Should -Be 'esx-01'
        (Get-VsVm $r.state 'ml-01')['power_state'] | Should -Be 'PoweredOff'
        # The VMs without a GPU start on esx-02.
        (Get-VsVm $r.state 'ml-03')['host'] | Should -Be 'esx-02'
        (Get-VsVm $r.state 'ml-03')['power_state'] | Should -Be 'PoweredOn'
    }
    It 'a DirectPath I/O VM stays off when no other host has a free active passthrough GPU' {
        $r = Invoke-RoScript (Get-FailState 'esx-02') $script:First
        (Get-VsVm $r.state 'ml-02')['host'] | Should -Be 'esx-02'
        (Get-VsVm $r.state 'ml-02')['power_state'] | Should -Be 'PoweredOff'
    }
    It 'refuses what needs the failed host: esxcli, the kernel modules, maintenance mode, a move onto it, a power-on there' {
        $body = $script:FirstOut + @'
$h = Get-VMHost -Name 'esx-01' -Server $c
Write-Host $h.ConnectionState
try { $null = Get-EsxCli -VMHost $h -V2 -Server $c -ErrorAction Stop } catch { Write-Host $_.Exception.Message }
try { $null = (Get-View -Id $h.ExtensionData.ConfigManager.KernelModuleSystem -Server $c).QueryModules() } catch { Write-Host $_.Exception.Message }
try { $null = Set-VMHost -VMHost $h -State 'Maintenance' -Server $c -Confirm:$false -ErrorAction Stop } catch { Write-Host $_.Exception.Message }
try { $null = Move-VM -VM (Get-VM -Name 'ml-02' -Server $c) -Destination $h -Server $c -ErrorAction Stop } catch { Write-Host $_.Exception.Message }
'@
        $r = Invoke-RoScript (Get-FailState 'esx-01' $script:NoRoom) ($body + "try { `$null = Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -Confirm:`$false -ErrorAction Stop } catch { Write-Host `$_.Exception.Message }")
        $r.exit | Should -Be 0
        $r.output[0] | Should -Be 'NotResponding'
        $r.output[1] | Should -BeLike '*esx-01 is NotResponding; esxcli cannot reach it*'
        $r.output[2] | Should -BeLike '*esx-01 is NotResponding; vCenter cannot reach it*'
        $r.output[3] | Should -BeLike '*only a Connected host enters maintenance mode*'
        $r.output[4] | Should -BeLike '*esx-01 is NotResponding; a VM cannot be moved onto it*'
        $r.output[5] | Should -BeLike '*esx-01 is NotResponding; a VM cannot be powered on there*'
    }
    It 'a call on the failed host itself fails as the host fails' {
        $s = Get-FailState 'esx-03'
        $r = Invoke-RoScript $s $script:First
        $r.exit | Should -Be 1
        $r.error | Should -BeLike "*The node 'esx-03' failed*"
        (Get-VsHost $r.state 'esx-03')['connection_state'] | Should -Be 'NotResponding'
    }
}

Describe 'Maintenance mode entered with -RunAsync (a PowerCLI Task), read with Get-Task -Id' {
    BeforeAll {
        # esx-03 and esx-04 run no VM; entering maintenance mode takes 60 s on the virtual clock.
        $script:Slow = { param($s) $s['events'] = @(); foreach ($n in 'esx-03', 'esx-04') { (Get-VsHost $s $n)['maintenance_seconds'] = 60 } }
        $script:Both = "`$t3 = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Maintenance' -RunAsync -Server `$c -Confirm:`$false`n" +
            "`$t4 = Set-VMHost -VMHost (Get-VMHost -Name 'esx-04' -Server `$c) -State 'Maintenance' -RunAsync -Server `$c -Confirm:`$false`n" +
            "function Show { foreach (`$p in @(@(`$t3, 'esx-03'), @(`$t4, 'esx-04'))) { Write-Host ('{0} {1}' -f (Get-Task -Id `$p[0].Id -Server `$c -ErrorAction Stop).State, (Get-VMHost -Name `$p[1] -Server `$c).ConnectionState) } }`n"
    }
    It 'returns a task at once; both hosts enter together, when their time is over' {
        $r = Invoke-RoScript (Get-RoState $script:Slow) ($script:Both + "Show`nStart-Sleep -Seconds 59`nShow`nStart-Sleep -Seconds 1`nShow")
        $r.exit | Should -Be 0
        $r.output | Should -Be @('Running Connected', 'Running Connected', 'Running Connected', 'Running Connected', 'Success Maintenance', 'Success Maintenance')
        @($r.state['events'] | Where-Object { $_['kind'] -eq 'host-maintenance' } | ForEach-Object { '{0} {1}-{2}' -f $_['host'], $_['start'], $_['end'] }) | Should -Be @('esx-03 0-60', 'esx-04 0-60')
        Get-TestCommands $r | Should -Be @('Set-VMHost', 'Set-VMHost')
    }
    It 'without -RunAsync the call returns when the host is in maintenance mode: one after another' {
        $body = "foreach (`$n in 'esx-03', 'esx-04') { `$null = Set-VMHost -VMHost (Get-VMHost -Name `$n -Server `$c) -State 'Maintenance' -Server `$c -Confirm:`$false }"
        $r = Invoke-RoScript (Get-RoState $script:Slow) $body
        $r.exit | Should -Be 0
        @($r.state['events'] | Where-Object { $_['kind'] -eq 'host-maintenance' } | ForEach-Object { '{0} {1}-{2}' -f $_['host'], $_['start'], $_['end'] }) | Should -Be @('esx-03 0-60', 'esx-04 60-120')
    }
    It 'the task -RunAsync returned is not updated: only Get-Task reads the state now' {
        $r = Invoke-RoScript (Get-RoState $script:Slow) ($script:Both + "Start-Sleep -Seconds 60`nWrite-Host `$t3.State`nWrite-Host (Get-Task -Id `$t3.Id -Server `$c).State")
        $r.exit | Should -Be 0
        $r.output | Should -Be @('Running', 'Success')
    }
    It 'refuses Get-Task of an unknown id, Get-Task without -Id, and -Status (not modelled)' {
        $r = Invoke-RoScript (Get-RoState) "`$null = Get-Task -Id 'Task-task-999' -Server `$c -ErrorAction Stop"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike "*no task with id 'Task-task-999'*"
        $r = Invoke-RoScript (Get-RoState) "`$null = Get-Task -Server `$c"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*Id*'   # the twin binds the call to the -Id set, which needs -Id
        $r = Invoke-RoScript (Get-RoState) "`$null = Get-Task -Status 'Running' -Server `$c"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*-Status of Get-Task*not modeled*'
    }
    It 'refuses Wait-Task (not modelled: its reference does not say what it returns or throws for a task that fails)' {
        $r = Invoke-RoScript (Get-RoState $script:Slow) ($script:Both + "Wait-Task -Task `$t3")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike "*Wait-Task*"
    }
    It 'refuses -RunAsync for leaving maintenance mode, and any change of a host while it enters' {
        $r = Invoke-RoScript (Get-RoState $script:InMaintenance) "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Connected' -RunAsync -Server `$c -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*-State Connected -RunAsync is not modelled*'
        $r = Invoke-RoScript (Get-RoState $script:Slow) ($script:Both + "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -State 'Connected' -Server `$c -Confirm:`$false")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is entering maintenance mode: task Task-task-* still runs*'
        $r = Invoke-RoScript (Get-RoState $script:Slow) ($script:Both + "`$null = Move-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Destination (Get-VMHost -Name 'esx-03' -Server `$c) -Server `$c")
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is entering maintenance mode; a VM cannot be moved onto it*'
    }
    It 'a fault of the state fails the task, not the call: the host stays Connected' {
        $s = Get-RoState { param($s) & $script:Slow $s; $s['faults'] = @([ordered]@{ command = 'Set-VMHost'; target = 'esx-03'; message = 'A general system error occurred.'; times = 1 }) }
        $r = Invoke-RoScript $s ($script:Both + "Start-Sleep -Seconds 60`nShow")
        $r.exit | Should -Be 0
        $r.output | Should -Be @('Error Connected', 'Success Maintenance')
    }
    It 'a host that fails while it enters ends its task in Error' {
        $s = Get-RoState { param($s) & $script:Slow $s; $s['faults'] = @([ordered]@{ command = 'node-failure'; target = 'esx-03'; at_call = 2; times = 1 }) }
        $r = Invoke-RoScript $s ($script:Both + "Start-Sleep -Seconds 60`nShow")
        $r.exit | Should -Be 0
        $r.output | Should -Be @('Error NotResponding', 'Success Maintenance')
    }
    It 'checks hosts[].maintenance_seconds before a run' {
        $r = Invoke-RoScript (Get-RoState { param($s) (Get-VsHost $s 'esx-03')['maintenance_seconds'] = 'slow' }) 'Write-Host 1'
        $r.exit | Should -Be 2
    }
}

Describe 'A host that fails while it reboots never comes back' {
    BeforeAll {
        $script:Rebooting3 = { param($s) (Get-VsHost $s 'esx-03')['connection_state'] = 'Maintenance'; (Get-VsHost $s 'esx-03')['reboot_seconds'] = 300; (Get-VsHost $s 'esx-03')['boot_count'] = 2 }
        $script:Reboot3 = "(Get-VMHost -Name 'esx-03' -Server `$c).ExtensionData.RebootHost(`$false)`n"
        $script:Show3 = "Start-Sleep -Seconds 600`nWrite-Host (Get-VMHost -Name 'esx-03' -Server `$c).ConnectionState"
    }
    It 'node-failure while_rebooting: the host goes down for its reboot and stays NotResponding' {
        $s = Get-RoState { param($s) & $script:Rebooting3 $s; $s['faults'] = @([ordered]@{ command = 'node-failure'; target = 'esx-03'; while_rebooting = $true; times = 1 }) }
        $r = Invoke-RoScript $s ($script:Reboot3 + $script:Show3)
        $r.exit | Should -Be 0
        $r.output | Should -Be @('NotResponding')
        (Get-VsHost $r.state 'esx-03')['boot_count'] | Should -Be 2
        (Get-VsHost $r.state 'esx-03').Contains('rebooting') | Should -BeFalse
        $r.state['faults'][0]['times'] | Should -Be 0
    }
    It 'node-failure at a call made while the host is away rebooting (NotResponding): it never comes back' {
        # The second mutating call (esx-04 into maintenance mode) comes while esx-03 reboots.
        $s = Get-RoState { param($s) & $script:Rebooting3 $s; $s['faults'] = @([ordered]@{ command = 'node-failure'; target = 'esx-03'; at_call = 2; times = 1 }) }
        $r = Invoke-RoScript $s ($script:Reboot3 + "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-04' -Server `$c) -State 'Maintenance' -Server `$c -Confirm:`$false`n" + $script:Show3)
        $r.exit | Should -Be 0
        $r.output | Should -Be @('NotResponding')
        (Get-VsHost $r.state 'esx-03')['boot_count'] | Should -Be 2
    }
    It 'still refuses a node failure of a host that has failed already (not rebooting)' {
        $s = Get-RoState { param($s) (Get-VsHost $s 'esx-03')['connection_state'] = 'NotResponding'; $s['faults'] = @([ordered]@{ command = 'node-failure'; target = 'esx-03'; at_call = 1; times = 1 }) }
        $r = Invoke-RoScript $s "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-04' -Server `$c) -State 'Maintenance' -Server `$c -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*esx-03 is already NotResponding*'
    }
}
