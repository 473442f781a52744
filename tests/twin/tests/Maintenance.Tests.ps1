# Maintenance.Tests.ps1 - host maintenance in the Hyper-V twin
# (platforms/hyperv/Maintenance.ps1 and pnputil in Tools.ps1): each behaviour
# refuses the wrong call and accepts the right one. Fixture: hci-small.json
# with the optional maintenance fields (hosts[].paused, driver_pending and
# the state's driver_packages).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    $script:Pkg = 'C:\vgpu\19.5\Display.Driver\nvgridswhci.inf'
    function Get-MaintState {
        param([scriptblock]$Edit)
        $s = Get-TestState
        foreach ($h in $s['hosts']) { $h['paused'] = $false; $h['driver_pending'] = $null }
        $s['driver_packages'] = @([ordered]@{ path = $script:Pkg; driver = '582.51' })
        if ($Edit) { $null = & $Edit $s }
        $s
    }
    # node-01 with its running VMs shut down, drained.
    $script:Drained = @'
Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'
Stop-VM -Name 'web[[]12]' -ComputerName 'hci-node-01' -TurnOff
Suspend-ClusterNode -Name 'hci-node-01' -Drain -Wait -Cluster 'hci-prod' -Confirm:$false | Out-Null
'@
}

Describe 'Suspend-ClusterNode and Resume-ClusterNode' {
    It 'is not modeled on a state whose hosts have no paused field (an old state stays as it was)' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Suspend-ClusterNode -Name 'hci-node-02' -Cluster 'hci-prod' -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modeled'
    }
    It '-Drain with a running VM on the node fails as a failed drain move, and the node stays Up' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Suspend-ClusterNode -Name 'hci-node-01' -Drain -Wait -Cluster 'hci-prod' -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match "Move of cluster role 'vdi-001' for drain could not be completed"
        (Get-TestHost $r.state 'hci-node-01')['paused'] | Should -BeFalse
        Get-TestCommands $r | Should -Be @('Suspend-ClusterNode')
    }
    It '-Drain of a node with no running VM pauses it; Get-ClusterNode reports Paused' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body ($script:Drained + "`nWrite-Host ('state: ' + (Get-ClusterNode -Name 'hci-node-01' -Cluster 'hci-prod').State)")
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'state: Paused'
        (Get-TestHost $r.state 'hci-node-01')['paused'] | Should -BeTrue
    }
    It 'a name that is not a node fails' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Suspend-ClusterNode -Name 'hci-node-09' -Drain -Cluster 'hci-prod' -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match "cluster node 'hci-node-09' was not found"
    }
    It 'Resume-ClusterNode without -Failback NoFailback is not modeled; with it the node is Up again' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body ($script:Drained + "`nResume-ClusterNode -Name 'hci-node-01' -Cluster 'hci-prod'")
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modeled'
        (Get-TestHost $r.state 'hci-node-01')['paused'] | Should -BeTrue
        $r = Invoke-TestScript -State (Get-MaintState) -Body ($script:Drained + "`nResume-ClusterNode -Name 'hci-node-01' -Failback NoFailback -Cluster 'hci-prod' | Out-Null")
        $r.exit | Should -Be 0
        (Get-TestHost $r.state 'hci-node-01')['paused'] | Should -BeFalse
    }
    It 'Resume-ClusterNode takes no -WhatIf (not in its syntax): binding refuses it' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Resume-ClusterNode -Name 'hci-node-01' -Failback NoFailback -Cluster 'hci-prod' -WhatIf"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'WhatIf'
    }
}

Describe 'pnputil /add-driver: the vGPU Manager installs only on a drained node' {
    It 'is refused on a node that is not paused, and the driver does not change' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body @"
`$o = Invoke-Command -ComputerName 'hci-node-01' -ArgumentList '$($script:Pkg)' -ScriptBlock { param(`$p) `$t = & 'pnputil.exe' '/add-driver' `$p '/install' 2>&1; [int]`$LASTEXITCODE }
Write-Host ('exit ' + `$o)
"@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'exit 1'
        $h = Get-TestHost $r.state 'hci-node-01'
        $h['driver_pending'] | Should -BeNullOrEmpty
        $h['nvidia_driver'] | Should -Be '538.33'
    }
    It 'fails for a package the state does not offer' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body ($script:Drained + @'

$o = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { $t = & 'pnputil.exe' '/add-driver' 'C:\other\x.inf' '/install' 2>&1; [int]$LASTEXITCODE }
Write-Host ('exit ' + $o)
'@)
        $r.output | Should -Contain 'exit 2'
        (Get-TestHost $r.state 'hci-node-01')['driver_pending'] | Should -BeNullOrEmpty
    }
    It 'a package copied to other hosts only (driver_packages[].hosts) is not on this one: Test-Path is false and pnputil cannot find it' {
        $s = Get-MaintState -Edit { param($s) $s['driver_packages'][0]['hosts'] = @('hci-node-02') }
        $r = Invoke-TestScript -State $s -Body ($script:Drained + @"

Write-Host ('node-01 ' + (Invoke-Command -ComputerName 'hci-node-01' -ArgumentList '$($script:Pkg)' -ScriptBlock { param(`$p) Test-Path -LiteralPath `$p -PathType Leaf }))
Write-Host ('node-02 ' + (Invoke-Command -ComputerName 'hci-node-02' -ArgumentList '$($script:Pkg)' -ScriptBlock { param(`$p) Test-Path -LiteralPath `$p -PathType Leaf }))
Write-Host ('case ' + (Invoke-Command -ComputerName 'hci-node-02' -ArgumentList '$($script:Pkg.ToUpperInvariant())' -ScriptBlock { param(`$p) Test-Path -LiteralPath `$p }))
`$o = Invoke-Command -ComputerName 'hci-node-01' -ArgumentList '$($script:Pkg)' -ScriptBlock { param(`$p) `$t = & 'pnputil.exe' '/add-driver' `$p '/install' 2>&1; [int]`$LASTEXITCODE }
Write-Host ('exit ' + `$o)
"@)
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'node-01 False'
        $r.output | Should -Contain 'node-02 True'
        $r.output | Should -Contain 'case True'
        $r.output | Should -Contain 'exit 2'
        (Get-TestHost $r.state 'hci-node-01')['driver_pending'] | Should -BeNullOrEmpty
    }
    It 'Test-Path on a host takes only -LiteralPath and -PathType Leaf|Any; the workstation''s Test-Path is the real one' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Test-Path -Path 'C:\vgpu\*' }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modeled'
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Test-Path -LiteralPath 'C:\vgpu' -PathType Container }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modeled'
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Test-Path -LiteralPath 'C:\x.inf' }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'driver_packages'
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Write-Host ('local ' + (Test-Path -LiteralPath '$($script:Pkg)'))"
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'local False'
    }
    It 'on a drained node it installs; nvidia-smi reports the new driver only after Restart-Computer' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body ($script:Drained + @"

`$o = Invoke-Command -ComputerName 'hci-node-01' -ArgumentList '$($script:Pkg)' -ScriptBlock { param(`$p) `$t = & 'pnputil.exe' '/add-driver' `$p '/install' 2>&1; [int]`$LASTEXITCODE }
Write-Host ('exit ' + `$o)
Write-Host ('before ' + (Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader')[0] }))
Restart-Computer -ComputerName 'hci-node-01' -Force -Wait -For PowerShell -Timeout 600 -Confirm:`$false
Write-Host ('after ' + (Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader')[0] }))
"@)
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'exit 0'
        $r.output | Should -Contain 'before 538.33'
        $r.output | Should -Contain 'after 582.51'
        (Get-TestHost $r.state 'hci-node-01')['driver_pending'] | Should -BeNullOrEmpty
        Get-TestCommands $r | Should -Contain 'pnputil /add-driver'
        Get-TestCommands $r | Should -Contain 'Restart-Computer'
    }
    It 'without /install the package is only staged: the restart loads nothing new' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body ($script:Drained + @"

`$null = Invoke-Command -ComputerName 'hci-node-01' -ArgumentList '$($script:Pkg)' -ScriptBlock { param(`$p) `$t = & 'pnputil.exe' '/add-driver' `$p 2>&1 }
Restart-Computer -ComputerName 'hci-node-01' -Force -Wait -Confirm:`$false
"@)
        $r.exit | Should -Be 0
        (Get-TestHost $r.state 'hci-node-01')['nvidia_driver'] | Should -Be '538.33'
    }
}

Describe 'Restart-Computer' {
    It 'turns off the VMs still running on the host' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Restart-Computer -ComputerName 'hci-node-01' -Force -Wait -Confirm:`$false"
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Off'
    }
    It 'fails for an unreachable host, and under -WhatIf it restarts nothing' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Restart-Computer -ComputerName 'hci-node-03' -Force -Wait -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'RPC server is unavailable'
        $r = Invoke-TestScript -State (Get-MaintState) -Preview -Body "Restart-Computer -ComputerName 'hci-node-01' -Force -Wait"
        $r.exit | Should -Be 0
        @($r.calls).Count | Should -Be 0
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Running'
    }
    It 'restarts several computers in one call; one it cannot restart is an error of its own, the others are still restarted' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body @'
$e = @()
Restart-Computer -ComputerName 'hci-node-03', 'hci-node-01' -Force -Wait -For PowerShell -Timeout 600 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e
# The twin's -ErrorVariable also holds the record its engine threw inside: one message.
$m = @($e | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $_.Exception.Message } | Sort-Object -Unique)
Write-Host ('errors ' + $m.Count + ': ' + $m[0])
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'errors 1: Failed to restart the computer hci-node-03 with the following error message: The RPC server is unavailable.'
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Off'
        @($r.calls | Where-Object { $_['command'] -eq 'Restart-Computer' } | ForEach-Object { $_['target'] }) | Should -Be @('hci-node-01')
        # Without -ErrorAction the error stops a script that runs with ErrorActionPreference Stop.
        $r = Invoke-TestScript -State (Get-MaintState) -Body "`$ErrorActionPreference = 'Stop'; Restart-Computer -ComputerName 'hci-node-03', 'hci-node-01' -Force -Wait -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'hci-node-03'
    }
    It 'takes only documented parameters (-Protocol is Windows PowerShell 5.1 only, not in the 7.6 syntax)' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Restart-Computer -ComputerName 'hci-node-01' -Protocol WSMan -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'Protocol'
    }
}

Describe 'Move-ClusterGroup and Move-ClusterVirtualMachineRole' {
    It 'Move-ClusterGroup refuses a running VM (a quick migration would save it)' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Move-ClusterGroup -Name 'vdi-001' -Node 'hci-node-02' -Cluster 'hci-prod'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'online'
        (Get-TestHost $r.state 'hci-node-01')['vms'].name | Should -Contain 'vdi-001'
    }
    It 'Move-ClusterGroup refuses a paused or down node and a node that is not a possible owner' {
        $r = Invoke-TestScript -State (Get-MaintState -Edit { param($s) (Get-TestHost $s 'hci-node-02')['paused'] = $true }) -Body @'
Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'
Move-ClusterGroup -Name 'vdi-001' -Node 'hci-node-02' -Cluster 'hci-prod'
'@
        $r.exit | Should -Be 1
        $r.error | Should -Match 'node is Paused'
        $r = Invoke-TestScript -State (Get-MaintState -Edit { param($s) $s['cluster']['nodes'] = @('hci-node-01', 'hci-node-02', 'hci-node-03'); (Get-TestHost $s 'hci-node-03')['reachable'] = $true }) -Body @'
Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'
Move-ClusterGroup -Name 'vdi-001' -Node 'hci-node-03' -Cluster 'hci-prod'
'@
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not a possible owner'
    }
    It 'Move-ClusterGroup moves an Off VM and its role to the node' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body @'
Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'
Move-ClusterGroup -Name 'vdi-001' -Node 'hci-node-02' -Cluster 'hci-prod' | Out-Null
Write-Host ('owner ' + (Get-ClusterGroup -Name 'vdi-001' -Cluster 'hci-prod').OwnerNode.Name)
Write-Host ('on ' + (Get-VM -Name 'vdi-001' -ComputerName 'hci-node-02').ComputerName)
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'owner hci-node-02'
        $r.output | Should -Contain 'on hci-node-02'
    }
    It 'live migration of a GPU-P VM is refused before Windows Server 2025 / Azure Local 12 (build 26100), accepted on it' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Move-ClusterVirtualMachineRole -Name 'vdi-001' -Node 'hci-node-02' -MigrationType Live -Cluster 'hci-prod'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'does not support live migration of GPU partitions'
        $new = { param($s) foreach ($h in $s['hosts']) { $h['os_build'] = '26100' }; foreach ($g in (Get-TestHost $s 'hci-node-02')['gpus']) { $g['driver'] = 'vgpu' } }
        $r = Invoke-TestScript -State (Get-MaintState -Edit $new) -Body "Move-ClusterVirtualMachineRole -Name 'vdi-001' -Node 'hci-node-02' -MigrationType Live -Cluster 'hci-prod' | Out-Null"
        $r.exit | Should -Be 0
        (Get-TestHost $r.state 'hci-node-02')['vms'].name | Should -Contain 'vdi-001'
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Running'
    }
    It 'only -MigrationType Live is modeled' {
        $r = Invoke-TestScript -State (Get-MaintState) -Body "Move-ClusterVirtualMachineRole -Name 'vdi-001' -Node 'hci-node-02' -MigrationType Quick -Cluster 'hci-prod'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modeled'
    }
}

Describe 'Drains that take time (hosts[].drain_seconds) and the node''s DrainStatus' {
    BeforeAll {
        $script:Slow = { param($s) $s['events'] = @(); foreach ($h in $s['hosts']) { $h['drain_seconds'] = 60 } }
        $script:Stopped = "Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'`nStop-VM -Name 'web[[]12]' -ComputerName 'hci-node-01' -TurnOff`n"
        $script:Both = "foreach (`$n in 'hci-node-01', 'hci-node-02') { Suspend-ClusterNode -Name `$n -Drain -Cluster 'hci-prod' -Confirm:`$false | Out-Null }`n"
        $script:Show = "function Show { foreach (`$n in 'hci-node-01', 'hci-node-02') { `$o = Get-ClusterNode -Name `$n -Cluster 'hci-prod'; Write-Host ('{0} {1} {2}' -f `$n, `$o.State, `$o.DrainStatus) } }`n"
    }
    It 'without -Wait the call returns at once: both nodes drain together, InProgress until their time is over, then Completed' {
        $r = Invoke-TestScript -State (Get-MaintState $script:Slow) -Body ($script:Stopped + $script:Show + "Show`n" + $script:Both + "Show`nStart-Sleep -Seconds 59`nShow`nStart-Sleep -Seconds 1`nShow")
        $r.exit | Should -Be 0
        $r.output | Should -Be @('hci-node-01 Up NotInitiated', 'hci-node-02 Up NotInitiated', 'hci-node-01 Paused InProgress', 'hci-node-02 Paused InProgress',
            'hci-node-01 Paused InProgress', 'hci-node-02 Paused InProgress', 'hci-node-01 Paused Completed', 'hci-node-02 Paused Completed')
        @($r.state['events'] | Where-Object { $_['kind'] -eq 'node-drain' } | ForEach-Object { '{0} {1}-{2}' -f $_['host'], $_['start'], $_['end'] }) | Should -Be @('hci-node-01 0-60', 'hci-node-02 0-60')
    }
    It 'with -Wait the call returns when the drain is over: drains one after another' {
        $body = $script:Stopped + "foreach (`$n in 'hci-node-01', 'hci-node-02') { Suspend-ClusterNode -Name `$n -Drain -Wait -Cluster 'hci-prod' -Confirm:`$false | Out-Null }"
        $r = Invoke-TestScript -State (Get-MaintState $script:Slow) -Body $body
        $r.exit | Should -Be 0
        @($r.state['events'] | Where-Object { $_['kind'] -eq 'node-drain' } | ForEach-Object { '{0} {1}-{2}' -f $_['host'], $_['start'], $_['end'] }) | Should -Be @('hci-node-01 0-60', 'hci-node-02 60-120')
    }
    It 'without -Wait a drain that cannot move a running VM returns, then ends Failed with the node no longer paused' {
        $r = Invoke-TestScript -State (Get-MaintState $script:Slow) -Body ($script:Show + "Suspend-ClusterNode -Name 'hci-node-01' -Drain -Cluster 'hci-prod' -Confirm:`$false | Out-Null`nStart-Sleep -Seconds 60`nShow")
        $r.exit | Should -Be 0
        $r.output[0] | Should -Be 'hci-node-01 Up Failed'
        (Get-TestHost $r.state 'hci-node-01')['paused'] | Should -BeFalse
    }
    It 'refuses a second drain, a resume and a vGPU Manager install while a drain is in progress; a resume after it resets DrainStatus' {
        $r = Invoke-TestScript -State (Get-MaintState $script:Slow) -Body ($script:Both + "Suspend-ClusterNode -Name 'hci-node-02' -Drain -Cluster 'hci-prod' -Confirm:`$false | Out-Null")
        $r.exit | Should -Be 1
        $r.error | Should -Match "hci-node-02' is being drained already"
        $r = Invoke-TestScript -State (Get-MaintState $script:Slow) -Body ($script:Both + "Resume-ClusterNode -Name 'hci-node-02' -Failback NoFailback -Cluster 'hci-prod' | Out-Null")
        $r.exit | Should -Be 1
        $r.error | Should -Match 'still being drained'
        $r = Invoke-TestScript -State (Get-MaintState $script:Slow) -Body ($script:Both + "`$o = Invoke-Command -ComputerName 'hci-node-02' -ArgumentList '$($script:Pkg)' -ScriptBlock { param(`$p) `$t = & 'pnputil.exe' '/add-driver' `$p '/install' 2>&1; [int]`$LASTEXITCODE }`nWrite-Host ('exit ' + `$o)")
        $r.output | Should -Contain 'exit 1'
        $r = Invoke-TestScript -State (Get-MaintState $script:Slow) -Body ($script:Stopped + $script:Show + $script:Both + "Start-Sleep -Seconds 60`nResume-ClusterNode -Name 'hci-node-02' -Failback NoFailback -Cluster 'hci-prod' | Out-Null`nShow")
        $r.exit | Should -Be 0
        $r.output | Should -Be @('hci-node-01 Paused Completed', 'hci-node-02 Up NotInitiated')
    }
    It 'a node that goes down during its drain ends it Failed' {
        $s = Get-MaintState { param($s) & $script:Slow $s; $s['faults'] = @([ordered]@{ command = 'node-failure'; target = 'hci-node-02'; at_call = 4; times = 1 }) }
        # hci-node-02 drains first; it fails as hci-node-01's drain (the 4th mutating call) is made.
        $r = Invoke-TestScript -State $s -Body ($script:Stopped + $script:Show + "foreach (`$n in 'hci-node-02', 'hci-node-01') { Suspend-ClusterNode -Name `$n -Drain -Cluster 'hci-prod' -Confirm:`$false | Out-Null }`nStart-Sleep -Seconds 60`nShow")
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'hci-node-02 Down Failed'
    }
    It 'checks hosts[].drain_seconds before a run' {
        $r = Invoke-TestScript -State (Get-MaintState { param($s) $s['hosts'][0]['drain_seconds'] = 'slow' }) -Body 'Write-Host 1'
        $r.exit | Should -Be 2
    }
}
