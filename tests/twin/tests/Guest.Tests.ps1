# Guest.Tests.ps1 - guest drivers in the Hyper-V twin (platforms/hyperv/Guest.ps1
# and the load rule of Model.ps1): a GPU-P VM whose guest driver the host's
# vGPU Manager cannot load runs with no GPU and the twin records it; VMs going
# down are recorded; PowerShell Direct refuses what the real one refuses.
# Fixture: hci-small.json with the optional fields vgpu_compatibility,
# hosts[].vms[].guest and events.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    # Drivers of the catalog (catalog/releases.yaml): host = Windows vGPU Manager, guest = Windows guest driver.
    $script:Compat = [ordered]@{
        lts_pair_from = '19.0'
        releases      = @(
            [ordered]@{ release = '16.5'; lts = $true; host = @('538.33'); guest = @('538.46') }
            [ordered]@{ release = '17.3'; lts = $false; host = @('552.55'); guest = @('552.74') }
            [ordered]@{ release = '18.4'; lts = $false; host = @('573.55'); guest = @('573.48') }
            [ordered]@{ release = '19.5'; lts = $true; host = @('582.51'); guest = @('582.53') }
            [ordered]@{ release = '20.1'; lts = $null; host = @('596.38'); guest = @('596.36') }
        )
    }
    # vdi-001 (GPU-P, on hci-node-01) off, with a Windows guest of this driver.
    function Get-GuestState {
        param([string]$HostDriver = '538.33', [string]$GuestDriver = '538.46', [scriptblock]$Edit)
        $s = Get-TestState
        $s['vgpu_compatibility'] = $script:Compat
        $s['events'] = @()
        foreach ($h in $s['hosts']) { $h['paused'] = $false; $h['driver_pending'] = $null }
        (Get-TestHost $s 'hci-node-01')['nvidia_driver'] = $HostDriver
        $v = Get-TestVm $s 'vdi-001'
        $v['state'] = 'Off'
        $v['guest'] = [ordered]@{ os = 'windows'; driver = $GuestDriver; user = 'vdi\admin'; password = 'Pa55-twin'; powershell_direct = $true }
        if ($Edit) { $null = & $Edit $s }
        $s
    }
    $script:Read = @'
$c = [pscredential]::new('vdi\admin', (ConvertTo-SecureString -String 'Pa55-twin' -AsPlainText -Force))
$r = Invoke-Command -ComputerName 'hci-node-01' -ArgumentList @($c) -ScriptBlock {
    param([pscredential]$C)
    Invoke-Command -VMName 'vdi-001' -Credential $C -ScriptBlock {
        $out = @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader')
        [pscustomobject]@{ Code = [int]$LASTEXITCODE; Text = ($out -join ',') }
    }
}
Write-Host ('guest: {0} exit {1}' -f $r.Text, $r.Code)
'@
    function Get-LoadEvents { param($State) @(@($State['events']) | Where-Object { $_['kind'] -eq 'vgpu-load-failed' }) }
}

Describe 'A vGPU loads only with a compatible guest driver' {
    It 'same release: Start-VM runs the VM, no event; the guest reads its driver' {
        $r = Invoke-TestScript -State (Get-GuestState) -Body ("Start-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:`$false`n" + $script:Read)
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Running'
        @(Get-LoadEvents $r.state).Count | Should -Be 0
        $r.output | Should -Contain 'guest: 538.46 exit 0'
    }
    It 'a guest driver of a later branch than the Manager: the VM runs, the vGPU fails to load, the twin records it and the guest sees no GPU' {
        $r = Invoke-TestScript -State (Get-GuestState -GuestDriver '582.53') -Body ("Start-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:`$false`n" + $script:Read)
        $r.exit | Should -Be 0
        (Get-TestVm $r.state 'vdi-001')['state'] | Should -Be 'Running'
        $e = @(Get-LoadEvents $r.state)
        $e.Count | Should -Be 1
        $e[0]['vm'] | Should -Be 'vdi-001'
        $e[0]['host'] | Should -Be 'hci-node-01'
        $e[0]['by'] | Should -Be 'Start-VM'
        $e[0]['message'] | Should -Match 'fails to load'
        $r.output | Should -Contain 'guest: No devices were found exit 6'
    }
    It 'the branch rule: one branch later loads, two later does not, the LTS pair from 19.0 does, 20.x with 16.x does not' -ForEach @(
        @{ HostDriver = '552.55'; Loads = $true }    # 17.3 Manager, 16.5 guest: previous branch
        @{ HostDriver = '573.55'; Loads = $false }   # 18.4 Manager, 16.5 guest: two branches
        @{ HostDriver = '582.51'; Loads = $true }    # 19.5 (LTS) Manager, 16.5 (previous LTS) guest
        @{ HostDriver = '596.38'; Loads = $false }   # 20.1 Manager, 16.5 guest
    ) {
        $r = Invoke-TestScript -State (Get-GuestState -HostDriver $HostDriver) -Body "Start-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:`$false"
        $r.exit | Should -Be 0
        @(Get-LoadEvents $r.state).Count | Should -Be $(if ($Loads) { 0 } else { 1 })
    }
    It 'a driver the table does not know is not modeled (never guessed)' {
        $r = Invoke-TestScript -State (Get-GuestState -GuestDriver '999.99') -Body "Start-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:`$false"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modeled'
    }
    It 'a state without vgpu_compatibility judges nothing and round-trips unchanged' {
        $s = Get-GuestState -GuestDriver '582.53' -Edit { param($s) $s.Remove('vgpu_compatibility'); $s.Remove('events') }
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:`$false"
        $r.exit | Should -Be 0
        $r.state.Contains('events') | Should -BeFalse
    }
    It 'a live migration onto a host whose Manager cannot load the guest driver is recorded' {
        $s = Get-GuestState -Edit {
            param($s)
            foreach ($h in $s['hosts']) { $h['os_build'] = '26100' }
            $n2 = Get-TestHost $s 'hci-node-02'
            $n2['nvidia_driver'] = '596.38'
            foreach ($g in $n2['gpus']) { $g['driver'] = 'vgpu' }
            (Get-TestVm $s 'vdi-001')['state'] = 'Running'
        }
        $r = Invoke-TestScript -State $s -Body "Move-ClusterVirtualMachineRole -Name 'vdi-001' -Node 'hci-node-02' -MigrationType Live -Cluster 'hci-prod' | Out-Null"
        $r.exit | Should -Be 0
        $e = @(Get-LoadEvents $r.state)
        $e.Count | Should -Be 1
        $e[0]['host'] | Should -Be 'hci-node-02'
    }
    It 'a node failure that restarts the VM on an incompatible host is recorded, and the VM going down too' {
        $s = Get-GuestState -Edit {
            param($s)
            $n2 = Get-TestHost $s 'hci-node-02'
            $n2['nvidia_driver'] = '596.38'
            foreach ($g in $n2['gpus']) { $g['driver'] = 'vgpu' }
            (Get-TestVm $s 'vdi-001')['state'] = 'Running'
        }
        $moves = Invoke-TwinNodeFailure -State $s -Node 'hci-node-01'
        $moves | Should -Contain 'vdi-001 -> hci-node-02'
        @(Get-LoadEvents $s).Count | Should -Be 1
        @(@($s['events']) | Where-Object { $_['kind'] -eq 'vm-down' -and $_['vm'] -eq 'vdi-001' -and $_['by'] -eq 'node failure' }).Count | Should -Be 1
    }
}

Describe 'VMs going down are recorded' {
    It 'Stop-VM and Restart-Computer of running VMs add vm-down events; a VM already off adds none' {
        $s = Get-GuestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['state'] = 'Running' }
        $r = Invoke-TestScript -State $s -Body "Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:`$false`nStop-VM -Name 'web1' -ComputerName 'hci-node-01' -Confirm:`$false -WarningAction SilentlyContinue`nRestart-Computer -ComputerName 'hci-node-01' -Force"
        $r.exit | Should -Be 0
        $down = @(@($r.state['events']) | Where-Object { $_['kind'] -eq 'vm-down' } | ForEach-Object { '{0} by {1}' -f $_['vm'], $_['by'] })
        $down | Should -Be @('vdi-001 by Stop-VM (shut down)', 'web[12] by Restart-Computer')
    }
}

Describe 'PowerShell Direct (Invoke-Command -VMName)' {
    It 'refuses from the admin workstation: the VM is not local' {
        $s = Get-GuestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['state'] = 'Running' }
        $r = Invoke-TestScript -State $s -Body "`$c = [pscredential]::new('vdi\admin', (ConvertTo-SecureString -String 'Pa55-twin' -AsPlainText -Force))`nInvoke-Command -VMName 'vdi-001' -Credential `$c -ScriptBlock { 1 }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'does not resolve to any virtual machine'
    }
    It 'refuses a VM that is off' {
        $r = Invoke-TestScript -State (Get-GuestState) -Body $script:Read
        $r.exit | Should -Be 1
        $r.error | Should -Match 'A remote session might have ended'
    }
    It 'refuses wrong credentials' {
        $s = Get-GuestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['state'] = 'Running'; (Get-TestVm $s 'vdi-001')['guest']['password'] = 'other' }
        $r = Invoke-TestScript -State $s -Body $script:Read
        $r.exit | Should -Be 1
        $r.error | Should -Match 'The credential is invalid'
    }
    It 'refuses a guest without PowerShell Direct (a Linux guest, or the service off)' -ForEach @(
        @{ Field = 'os'; Value = 'linux' }
        @{ Field = 'powershell_direct'; Value = $false }
    ) {
        $s = Get-GuestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['state'] = 'Running'; (Get-TestVm $s 'vdi-001')['guest'][$Field] = $Value }
        $r = Invoke-TestScript -State $s -Body $script:Read
        $r.exit | Should -Be 1
        $r.error | Should -Match 'A remote session might have ended'
    }
    It 'needs -Credential (no prompt in a script)' {
        $s = Get-GuestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['state'] = 'Running' }
        $r = Invoke-TestScript -State $s -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Invoke-Command -VMName 'vdi-001' -ScriptBlock { 1 } }"
        $r.exit | Should -Be 1
    }
    It 'a guest has no host tools: no Hyper-V cmdlets, no pnputil' {
        $s = Get-GuestState -Edit { param($s) (Get-TestVm $s 'vdi-001')['state'] = 'Running' }
        $body = $script:Read.Replace("`$out = @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader')", "`$out = @([bool](Get-Command -Name 'Get-VM' -ErrorAction SilentlyContinue), [bool](Get-Command -Name 'pnputil.exe' -ErrorAction SilentlyContinue), [bool](Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue))")
        $r = Invoke-TestScript -State $s -Body $body
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'guest: False,False,True exit 0'
    }
}

Describe 'A node failure as a fault (node-failure at mutating call N)' {
    It 'fails the node when the Nth mutating call is made; that call, acting on the node, fails; earlier calls stand' {
        $s = Get-GuestState -Edit {
            param($s)
            (Get-TestVm $s 'vdi-001')['state'] = 'Running'
            $s['faults'] = @([ordered]@{ command = 'node-failure'; target = 'hci-node-01'; at_call = 2; times = 1 })
        }
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01' -Confirm:`$false`nWrite-Host 'after 1'`nStop-VM -Name 'web1' -ComputerName 'hci-node-01' -Confirm:`$false`nWrite-Host 'after 2'"
        $r.exit | Should -Be 1
        $r.error | Should -Match "node 'hci-node-01' failed"
        $r.output | Should -Contain 'after 1'
        $r.output | Should -Not -Contain 'after 2'
        (Get-TestHost $r.state 'hci-node-01')['reachable'] | Should -BeFalse
        @($r.state['faults'])[0]['times'] | Should -Be 0
        @(@($r.state['events']) | Where-Object { $_['kind'] -eq 'vm-down' -and $_['by'] -eq 'node failure' }).Count | Should -BeGreaterThan 0
    }
    It 'does nothing before its call number' {
        $s = Get-GuestState -Edit { param($s) $s['faults'] = @([ordered]@{ command = 'node-failure'; target = 'hci-node-01'; at_call = 3; times = 1 }) }
        $r = Invoke-TestScript -State $s -Body "Start-VM -Name 'web1' -ComputerName 'hci-node-01' -Confirm:`$false"
        $r.exit | Should -Be 0
        (Get-TestHost $r.state 'hci-node-01')['reachable'] | Should -BeTrue
    }
    It 'a paused node takes no role when another node fails' {
        $s = Get-GuestState -Edit {
            param($s)
            $n2 = Get-TestHost $s 'hci-node-02'
            $n2['nvidia_driver'] = '538.33'
            $n2['paused'] = $true
            foreach ($g in $n2['gpus']) { $g['driver'] = 'vgpu' }
            (Get-TestVm $s 'vdi-001')['state'] = 'Running'
        }
        $moves = Invoke-TwinNodeFailure -State $s -Node 'hci-node-01'
        $moves | Should -Not -Contain 'vdi-001 -> hci-node-02'
        @((Get-TestHost $s 'hci-node-01')['vms'] | Where-Object { $_['name'] -eq 'vdi-001' -and $_['state'] -eq 'Off' }).Count | Should -Be 1
    }
}

Describe 'vSphere: a vGPU loads only with a compatible guest driver' {
    BeforeAll {
        # ml-01 off with an L40 vGPU on esx-01, whose NVIDIA component is 550.54.16 (vGPU 17.1's Linux vGPU Manager).
        $script:VsCompat = [ordered]@{
            lts_pair_from = '19.0'
            releases      = @(
                [ordered]@{ release = '16.5'; lts = $true; host = @('535.161.05'); guest = @('538.46', '535.161.08') }
                [ordered]@{ release = '17.1'; lts = $false; host = @('550.54.16'); guest = @('551.78', '550.54.15') }
                [ordered]@{ release = '19.5'; lts = $true; host = @('580.159.01'); guest = @('582.53', '580.159.03') }
            )
        }
        function Get-VsGuestState {
            param([string]$GuestDriver)
            Get-TestState -Name 'vsan-small' -Edit {
                param($s)
                $s['vgpu_compatibility'] = $script:VsCompat
                $s['events'] = @()
                $v = @($s['vms']) | Where-Object { $_['name'] -ceq 'ml-01' } | Select-Object -First 1
                $v['power_state'] = 'PoweredOff'
                $v['memory_reservation_locked_to_max'] = $true
                $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' })
                $v['guest'] = [ordered]@{ os = 'linux'; driver = $GuestDriver }
            }
        }
        $script:PowerOn = "`$c = Connect-VIServer -Server 'vc01'`n`$null = Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c`nStop-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -Confirm:`$false | Out-Null"
    }
    It 'a previous-branch guest loads; the power-off is recorded as a VM going down' {
        $r = Invoke-TestScript -State (Get-VsGuestState -GuestDriver '535.161.08') -Body $script:PowerOn
        $r.exit | Should -Be 0
        @(@($r.state['events']) | Where-Object { $_['kind'] -eq 'vgpu-load-failed' }).Count | Should -Be 0
        @(@($r.state['events']) | Where-Object { $_['kind'] -eq 'vm-down' -and $_['vm'] -eq 'ml-01' }).Count | Should -Be 1
    }
    It 'a guest of a later branch than the component: the VM powers on, the vGPU fails to load, recorded' {
        $r = Invoke-TestScript -State (Get-VsGuestState -GuestDriver '580.159.03') -Body $script:PowerOn
        $r.exit | Should -Be 0
        $e = @(@($r.state['events']) | Where-Object { $_['kind'] -eq 'vgpu-load-failed' })
        $e.Count | Should -Be 1
        $e[0]['host'] | Should -Be 'esx-01'
        $e[0]['host_driver'] | Should -Be '550.54.16'
        $e[0]['message'] | Should -Match 'fails to load'
    }
}
