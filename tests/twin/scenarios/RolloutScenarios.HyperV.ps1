# RolloutScenarios.HyperV.ps1 - the Hyper-V family cases of the rollout scenarios
# (Invoke-RolloutScenarios.ps1, which dot-sources this file; docs/testing.md, "Rollout
# scenarios"): the case (Invoke-Case), node failures, the guest phase, and the batches of
# hosts (--hosts-at-once) with their drain decline. Not run on its own.

function Get-Package {
    param([string]$Release)
    'C:\vgpu\{0}\Display.Driver\nvgridswhci.inf' -f $Release
}

# The case's state, plan and script.
function New-RolloutCase {
    param($Case)
    $dir = Join-Path $Work $Case.Name
    $null = New-Item -ItemType Directory -Force -Path $dir
    Push-Location $root
    try {
        $planPath = Join-Path $dir 'plan.json'
        $json = & $Vgpuc rollout --no-config --today $Today -f json -o $dir @($Case.Args) 2>$null
        if ($LASTEXITCODE -ne 0) { throw ('vgpuc rollout {0}: exit {1}' -f ($Case.Args -join ' '), $LASTEXITCODE) }
        [System.IO.File]::WriteAllText($planPath, ($json -join "`n"))
        # CURRENT: the file before DESIRED, or the one file of a drain.
        $current = $Case.Args[$Case.Args.Count - 1]
        if (-not ($Case.Args -contains '--drain')) {
            $current = $Case.Args[$Case.Args.Count - 2]
        }
        $null = & $Vgpuc build --no-config --today $Today --target json -o (Join-Path $dir 'current') $current 2>$null
        if ($LASTEXITCODE -ne 0) { throw ('vgpuc build {0}: exit {1}' -f $current, $LASTEXITCODE) }
    } finally {
        Pop-Location
    }
    $plan = Get-Content -Raw -LiteralPath $planPath | ConvertFrom-Json
    $cl = $plan.clusters[0]
    $script = @(Get-ChildItem -LiteralPath $dir -Filter '*-rollout.ps1')[0].FullName
    $modelJson = @(Get-ChildItem -LiteralPath (Join-Path $dir 'current') -Filter '*.json')[0].FullName
    $model = Read-ScenarioModel -JsonPath $modelJson -Catalog $script:Catalog
    $state = New-ScenarioDeclaredState -Model $model
    foreach ($h in $state['hosts']) { $h['paused'] = $false; $h['driver_pending'] = $null }
    $packages = [System.Collections.Generic.List[object]]::new()
    $pkgArgs = @{}
    $expectDriver = @{}
    $expectHost = @{}
    $live = @{}
    $guestSteps = [System.Collections.Generic.List[int]]::new()
    $batches = [System.Collections.Generic.List[object]]::new()
    foreach ($s in $cl.steps) {
        if ($s.kind -eq 'guests') { $guestSteps.Add([int]$s.index); continue }
        if ($s.kind -ne 'hosts') { continue }
        if (@($s.hosts).Count -gt 1) { $batches.Add(@($s.hosts | ForEach-Object { [string]$_.name })) }
        foreach ($h in $s.hosts) {
            $to = $h.vgpu_manager.to
            $expectDriver[$h.name] = [string]$to.driver
            if ($h.vgpu_manager.from.release -ne $to.release -and -not $pkgArgs.ContainsKey($to.release)) {
                $pkgArgs[[string]$to.release] = Get-Package $to.release
                $packages.Add([ordered]@{ path = (Get-Package $to.release); driver = [string]$to.driver })
            }
        }
        foreach ($m in $s.moves) {
            if ($null -ne $m.to) { $expectHost[$m.vm] = [string]$m.to }
            if ($m.how -eq 'live-migrate') { $live[$m.vm] = $true }
        }
    }
    $state['driver_packages'] = $packages.ToArray()
    Add-GuestDriverState -State $state -ModelJson $modelJson
    # Guest steps are numbered across the plan document; the script numbers its own steps.
    $first = if (@($cl.steps).Count -gt 0) { [int]$cl.steps[0].index } else { 1 }
    [pscustomobject]@{
        Name = $Case.Name; Script = $script; State = $state; ScriptArgs = @{ DriverPackage = $pkgArgs }
        ExpectDriver = $expectDriver; ExpectHost = $expectHost; Live = $live
        GuestSteps = @($guestSteps | ForEach-Object { $_ - $first + 1 }); Drain = ($Case.Args -contains '--drain')
        PlanGuestSteps = @($cl.steps | Where-Object { $_.kind -eq 'guests' })
        Batches = $batches.ToArray()
    }
}

# The driver packages copied to every host but one (the twin's
# driver_packages[].hosts): Test-Path on that host finds nothing.
function Set-PackageHosts {
    param($State, [string]$Without)
    $others = @($State['hosts'] | ForEach-Object { [string]$_['name'] } | Where-Object { $_ -ne $Without })
    foreach ($d in @($State['driver_packages'])) { $d['hosts'] = $others }
}

function Get-VmPower {
    param($State)
    $m = @{}
    foreach ($h in $State['hosts']) { foreach ($v in $h['vms']) { $m[[string]$v['name']] = @{ State = [string]$v['state']; Host = [string]$h['name'] } } }
    $m
}

# The end state of a completed rollout.
function Get-ConvergeProblems {
    param($C, $Start, $Result)
    $p = [System.Collections.Generic.List[string]]::new()
    foreach ($x in @(Get-InvariantProblems $C $Result.state)) { $p.Add($x) }
    if ($Result.exit -ne 0) { $p.Add(('exit {0}, expected 0' -f $Result.exit)) }
    foreach ($h in $Result.state['hosts']) {
        $n = [string]$h['name']
        if ($C.ExpectDriver.ContainsKey($n) -and [string]$h['nvidia_driver'] -ne $C.ExpectDriver[$n]) {
            $p.Add(('host {0} runs driver {1}, expected {2}' -f $n, $h['nvidia_driver'], $C.ExpectDriver[$n]))
        }
        if ([bool]$h['paused']) { $p.Add(('host {0} is left paused' -f $n)) }
        if ($null -ne $h['driver_pending']) { $p.Add(('host {0} has a driver pending' -f $n)) }
    }
    $before = Get-VmPower $Start
    $after = Get-VmPower $Result.state
    foreach ($v in $before.Keys) {
        if (-not $after.ContainsKey($v)) { $p.Add(('VM {0} is gone' -f $v)); continue }
        if ($after[$v].State -ne $before[$v].State) { $p.Add(('VM {0} is {1}, was {2}' -f $v, $after[$v].State, $before[$v].State)) }
        $want = if ($C.ExpectHost.ContainsKey($v)) { $C.ExpectHost[$v] } else { $before[$v].Host }
        if ($after[$v].Host -ne $want) { $p.Add(('VM {0} is on {1}, the plan puts it on {2}' -f $v, $after[$v].Host, $want)) }
    }
    foreach ($call in @($Result.calls)) {
        if ($call['command'] -eq 'Stop-VM' -and $C.Live.ContainsKey([string]$call['target'])) {
            $p.Add(('VM {0} is live-migrated by the plan but was shut down' -f $call['target']))
        }
        if ($call['command'] -eq 'Stop-VM' -and ($call['parameters'].Contains('TurnOff') -or $call['parameters'].Contains('Force'))) {
            $p.Add(('VM {0} was turned off, not shut down' -f $call['target']))
        }
    }
    , $p
}

function Invoke-Case {
    param($Case)
    $C = New-RolloutCase $Case
    $start = $C.State
    # DrainSeconds: each node's drain takes that long on the virtual clock, so drains one
    # after another are seen (the twin's node-drain events).
    if ($Case.ContainsKey('DrainSeconds')) { foreach ($h in $start['hosts']) { $h['drain_seconds'] = [int]$Case.DrainSeconds } }
    $conv = $null
    $argsFor = { param([int[]]$Done) $a = @{} + $C.ScriptArgs; if ($Done) { $a['GuestStepDone'] = $Done }; $a }
    if ($Case.Checks -contains 'converge' -or $Case.Checks -contains 'rerun' -or $Case.Checks -contains 'faults') {
        $conv = Invoke-TwinRun -State $start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        Write-Verdict $C.Name 'converge' (Get-ConvergeProblems $C $start $conv) $conv
        Write-Host ('  {0}: converge {1} mutating calls' -f $C.Name, @($conv.calls).Count)
    }
    if ($Case.Checks -contains 'rerun') {
        $r = Invoke-TwinRun -State $conv.state -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $p = @()
        if ($r.exit -ne 0) { $p += 'exit {0}' -f $r.exit }
        if (@($r.calls).Count -ne 0) { $p += '{0} mutating calls: {1}' -f @($r.calls).Count, ((@($r.calls) | ForEach-Object { $_['command'] + ' ' + $_['target'] }) -join ', ') }
        Write-Verdict $C.Name 'rerun' $p $r
    }
    if ($Case.Checks -contains 'preview') {
        $r = Invoke-TwinRun -State $start -Script $C.Script -ScriptArgs $C.ScriptArgs -Preview -TimeoutSeconds 600
        $p = @()
        if ($r.exit -ne 0) { $p += 'exit {0}' -f $r.exit }
        if (@($r.calls).Count -ne 0) { $p += '{0} mutating calls under -WhatIf' -f @($r.calls).Count }
        if ((ConvertTo-TwinJson $r.state) -ne (ConvertTo-TwinJson $start)) { $p += 'the state changed under -WhatIf' }
        Write-Verdict $C.Name 'preview' $p $r
    }
    if ($Case.Checks -contains 'faults') {
        $seen = @{}
        $n = 0
        $faultCalls = @($conv.calls)
        if ($Case.Checks -contains 'batch') { $faultCalls = @(Select-BatchFaultCalls -Calls $conv.calls) }
        foreach ($call in $faultCalls) {
            $key = '{0}|{1}' -f $call['command'], $call['target']
            if ($seen.ContainsKey($key)) { continue }
            $seen[$key] = $true
            $n++
            $s = Copy-ScenarioState -State $start
            Add-ScenarioFault -State $s -Command ([string]$call['command']) -Target ([string]$call['target'])
            $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $p = [System.Collections.Generic.List[string]]::new()
            if ($r.exit -ne 1) { $p.Add(('exit {0}, expected 1' -f $r.exit)) }
            if (-not (@($r.output) -match '^Summary:')) { $p.Add('no summary') }
            $before = Get-VmPower $start
            $after = Get-VmPower $r.state
            foreach ($v in $before.Keys) {
                if ($after[$v].State -ne $before[$v].State -and -not (Test-Named $r @($v) 'WARNING')) {
                    $p.Add(('VM {0} is {1}, was {2}, and no warning says why' -f $v, $after[$v].State, $before[$v].State))
                }
            }
            foreach ($h in $r.state['hosts']) {
                if ([bool]$h['paused'] -and -not (Test-Named $r @([string]$h['name']) 'paused')) {
                    $p.Add(('host {0} is left paused and no line says so' -f $h['name']))
                }
            }
            foreach ($x in @(Get-InvariantProblems $C $r.state)) { $p.Add($x) }
            Write-Verdict $C.Name ('fault ' + $key) $p $r
            # Resumed: the interrupted rollout run again, without the fault, completes.
            $again = Invoke-TwinRun -State $r.state -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            # A VM the fault run reported as left off is for its owner to start
            # (the script cannot know it ran before): excused, by name.
            $all = Get-ConvergeProblems $C $start $again
            $ps = @($all | Where-Object {
                    $line = $_
                    -not (@($before.Keys | Where-Object { $line -like ('VM {0} is Off, was Running' -f $_) -and (Test-Named $r @($_) 'left off') }))
                })
            Write-Verdict $C.Name ('resume after ' + $key) $ps $again
        }
        Write-Host ('  {0}: {1} fault scenarios' -f $C.Name, $n)
    }
    if ($Case.Checks -contains 'preflight') {
        $node2 = 'hci-node-02'
        $problems = @(
            @{ Name = 'wrong-driver'; Tokens = @($node2, '551.78'); Pattern = 'driver'; Edit = { param($s) (Get-ScenarioHostState -State $s -Name $node2)['nvidia_driver'] = '551.78' } }
            @{ Name = 'missing-vm'; Tokens = @('vdi-03'); Pattern = 'does not exist'; Edit = { param($s) foreach ($h in $s['hosts']) { $h['vms'] = @(@($h['vms']) | Where-Object { $_['name'] -ne 'vdi-03' }) }; $s['cluster_groups'] = @(@($s['cluster_groups']) | Where-Object { $_['name'] -ne 'vdi-03' }) } }
            @{ Name = 'duplicate-vm'; Tokens = @('vdi-02'); Pattern = 'unique'; Edit = { param($s) $v = (Get-ScenarioVmState -State $s -Name 'vdi-02').Vm; $d = (Copy-ScenarioState -State @{ x = $v })['x']; $d['name'] = 'VDI-02'; $d['id'] = '6f1c0a52-0000-4000-8000-0000000000ff'; $d['state'] = 'Off'; $d['gpu_partition_adapters'] = @(); (Get-ScenarioHostState -State $s -Name $node2)['vms'] = @((Get-ScenarioHostState -State $s -Name $node2)['vms']) + @($d) } }
            @{ Name = 'no-package'; Tokens = @('19.5'); Pattern = 'DriverPackage'; Args = @{}; Edit = { param($s) } }
            @{ Name = 'package-not-on-host'; Tokens = @($node2, (Get-Package '19.5')); Pattern = 'not on the host'; Edit = { param($s) Set-PackageHosts -State $s -Without $node2 } }
            @{ Name = 'node-down'; Tokens = @($node2); Pattern = 'not reachable'; Edit = { param($s) (Get-ScenarioHostState -State $s -Name $node2)['reachable'] = $false } }
            @{ Name = 'vm-elsewhere'; Tokens = @('vdi-04', $node2); Pattern = 'expects'; Edit = { param($s) $v = (Get-ScenarioVmState -State $s -Name 'vdi-04').Vm; foreach ($h in $s['hosts']) { $h['vms'] = @(@($h['vms']) | Where-Object { $_['name'] -ne 'vdi-04' }) }; (Get-ScenarioHostState -State $s -Name $node2)['vms'] = @((Get-ScenarioHostState -State $s -Name $node2)['vms']) + @($v); foreach ($g in $s['cluster_groups']) { if ($g['name'] -eq 'vdi-04') { $g['owner_node'] = $node2 } } } }
            @{ Name = 'saved-vm'; Tokens = @('vdi-05', 'Saved'); Pattern = 'Saved'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-05').Vm['state'] = 'Saved' } }
        )
        foreach ($pb in $problems) {
            $s = Copy-ScenarioState -State $start
            $null = & $pb.Edit $s
            $sa = if ($pb.ContainsKey('Args')) { $pb.Args } else { $C.ScriptArgs }
            $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
            $p = @()
            if ($r.exit -ne 1) { $p += 'exit {0}, expected 1' -f $r.exit }
            if (@($r.calls).Count -ne 0) { $p += '{0} mutating calls' -f @($r.calls).Count }
            if (-not (Test-Named $r $pb.Tokens $pb.Pattern)) { $p += 'no line names {0} ({1})' -f ($pb.Tokens -join ', '), $pb.Pattern }
            Write-Verdict $C.Name ('preflight ' + $pb.Name) $p $r
        }
    }
    if ($Case.Checks -contains 'arc') {
        $azCalls = @(@($conv.calls) | Where-Object { $_['command'] -like 'az stack-hci-vm *' } | ForEach-Object { $_['command'] })
        $p = @()
        if (-not ($azCalls -contains 'az stack-hci-vm stop') -or -not ($azCalls -contains 'az stack-hci-vm start')) { $p += 'the converge run did not stop and start the Arc VMs through az: {0}' -f ($azCalls -join ', ') }
        if (@(@($conv.calls) | Where-Object { $_['command'] -in 'Stop-VM', 'Start-VM' }).Count -gt 0) { $p += 'Stop-VM or Start-VM was called on an Arc cluster' }
        Write-Verdict $C.Name 'arc: stopped and started through Azure' $p $conv
        $moved = @($conv.calls | Where-Object { $_['command'] -eq 'az stack-hci-vm stop' } | ForEach-Object { [string]$_['target'] })[0]
        $rg = [string]$start['arc']['resource_group']
        $problems = @(
            @{ Name = 'no az'; Tokens = @('Azure CLI'); Pattern = 'not installed'; Edit = { param($s) $s['arc']['az_cli'] = $false } }
            @{ Name = 'no extension'; Tokens = @('stack-hci-vm'); Pattern = 'extension'; Edit = { param($s) $s['arc']['stack_hci_vm_extension'] = $false } }
            @{ Name = 'vm unknown to Azure'; Tokens = @($moved, $rg); Pattern = 'az stack-hci-vm show'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name $moved).Vm['arc'] = $null } }
            @{ Name = 'other resource group'; Tokens = @($moved, 'rg-elsewhere'); Pattern = 'az stack-hci-vm show'; Edit = { param($s) $s['arc']['resource_group'] = 'rg-elsewhere' } }
        )
        foreach ($pb in $problems) {
            $s = Copy-ScenarioState -State $start
            $null = & $pb.Edit $s
            $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $p = @()
            if ($r.exit -ne 1) { $p += 'exit {0}, expected 1' -f $r.exit }
            if (@($r.calls).Count -ne 0) { $p += '{0} mutating calls' -f @($r.calls).Count }
            if ($pb.Name -eq 'other resource group') {
                # The script names the resource group it declares; Azure has the VM in another.
                $pb.Tokens = @($moved, $rg)
            }
            if (-not (Test-Named $r $pb.Tokens $pb.Pattern)) { $p += 'no line names {0} ({1})' -f ($pb.Tokens -join ', '), $pb.Pattern }
            Write-Verdict $C.Name ('arc preflight ' + $pb.Name) $p $r
        }
        $text = [System.IO.File]::ReadAllText($C.Script)
        $find = "    if (`$null -eq `$Arc) {`n        Stop-VgpucRolloutVm"
        $p = @()
        if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) {
            $p += 'the planted text does not occur once in the script'
        } else {
            $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
            [System.IO.File]::WriteAllText($path, $text.Replace($find, "    if (`$true) {`n        Stop-VgpucRolloutVm"))
            $r = Invoke-TwinRun -State $start -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            if ((Get-ConvergeProblems $C $start $r).Count -eq 0) { $p += 'the converge check did not catch Arc VMs stopped with Stop-VM' }
            Remove-Item -LiteralPath $path
        }
        Write-Verdict $C.Name 'planted: Arc VMs stopped with Stop-VM' $p $null
    }
    if ($Case.Checks -contains 'planted') {
        # Copies of the script with one fault planted in its runtime; the
        # check named must catch each (docs/testing.md).
        $plants = @(
            @{ Name = 'drain before the VMs leave'; Find = "foreach (`$m in @(`$s.Moves)) {`n            `$vm = `$Plan.Vms"; Put = "foreach (`$m in @()) {`n            `$vm = `$Plan.Vms"; Check = 'converge' }
            @{ Name = 'VMs that stayed down are not started again'; Find = 'foreach ($vm in $down) {'; Put = 'foreach ($vm in @()) {'; Check = 'converge' }
            @{ Name = 'a guest is turned off'; Find = "Stop-VM -VM `$Vm -AsJob -Confirm:`$false`n    `$deadline = (Get-Date)"; Put = "Stop-VM -VM `$Vm -TurnOff -Confirm:`$false`n    `$deadline = (Get-Date)"; Check = 'converge' }
            @{ Name = 'a node is not resumed after a failure'; Find = 'foreach ($n in $suspended) {'; Put = 'foreach ($n in @()) {'; Check = 'fault' }
            @{ Name = 'a host on another driver is not refused'; Find = "        if (`$done -lt 0) {`n            `$expected"; Put = "        if (`$false) {`n            `$expected"; Check = 'preflight' }
            @{ Name = 'a package missing on a host is not refused'; Find = "    if (-not [bool]`$found) {"; Put = "    if (`$false) {"; Check = 'preflight-package' }
        )
        $text = [System.IO.File]::ReadAllText($C.Script)
        foreach ($pl in $plants) {
            $n = ([regex]::Matches($text, [regex]::Escape($pl.Find))).Count
            if ($n -ne 1) {
                Write-Verdict $C.Name ('planted: ' + $pl.Name) @(('the planted text occurs {0} times in the script, not once' -f $n)) $null
                continue
            }
            $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
            [System.IO.File]::WriteAllText($path, $text.Replace($pl.Find, $pl.Put))
            $caught = @()
            switch ($pl.Check) {
                'converge' {
                    $r = Invoke-TwinRun -State $start -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                    $caught = Get-ConvergeProblems $C $start $r   # the List itself: @() of it would count one item
                }
                'fault' {
                    $s = Copy-ScenarioState -State $start
                    Add-ScenarioFault -State $s -Command 'pnputil /add-driver' -Target (Get-Package '19.5')
                    $r = Invoke-TwinRun -State $s -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                    $caught = @($r.state['hosts'] | Where-Object { [bool]$_['paused'] -and -not (Test-Named $r @([string]$_['name']) 'paused') })
                }
                'preflight-package' {
                    $s = Copy-ScenarioState -State $start
                    Set-PackageHosts -State $s -Without 'hci-node-02'
                    $r = Invoke-TwinRun -State $s -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                    if ($r.exit -ne 1 -or @($r.calls).Count -ne 0 -or -not (Test-Named $r @('hci-node-02') 'not on the host')) { $caught = @('refused no more') }
                }
                'preflight' {
                    $s = Copy-ScenarioState -State $start
                    (Get-ScenarioHostState -State $s -Name 'hci-node-02')['nvidia_driver'] = '551.78'
                    $r = Invoke-TwinRun -State $s -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                    if ($r.exit -ne 1 -or @($r.calls).Count -ne 0 -or -not (Test-Named $r @('hci-node-02', '551.78') 'driver')) { $caught = @('refused no more') }
                }
            }
            $p = @()
            if ($caught.Count -eq 0) { $p += 'the {0} check did not catch it' -f $pl.Check }
            Write-Verdict $C.Name ('planted: ' + $pl.Name) $p $null
            Remove-Item -LiteralPath $path
        }
    }
    if ($Case.Checks -contains 'license') {
        $r = Invoke-TwinRun -State $start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $p = @()
        if ($r.exit -ne 1 -or @($r.calls).Count -ne 0) { $p += 'exit {0}, {1} mutating calls; expected a refusal' -f $r.exit, @($r.calls).Count }
        if (-not (Test-Named $r @('dls-east', 'LicenseServerReady') 'license server')) { $p += 'no line names the license server step' }
        Write-Verdict $C.Name 'license: refused until the server is upgraded' $p $r
        $sa = @{} + $C.ScriptArgs
        $sa['LicenseServerReady'] = $true
        $r = Invoke-TwinRun -State $start -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
        Write-Verdict $C.Name 'license: converge with -LicenseServerReady' (Get-ConvergeProblems $C $start $r) $r
    }
    if ($Case.Checks -contains 'legs') {
        $r1 = Invoke-TwinRun -State $start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $p = @()
        if ($r1.exit -ne 1) { $p += 'first run: exit {0}, expected 1 (waiting for the guest step)' -f $r1.exit }
        if (-not (@($r1.output) -match 'GuestStepDone')) { $p += 'first run: no line asks for -GuestStepDone' }
        Write-Verdict $C.Name 'legs: waits for the guests' $p $r1
        $done = @($C.GuestSteps)
        $upgraded = Copy-ScenarioState -State $r1.state
        Set-NextGuestStepDone -State $upgraded -C $C
        $r2 = Invoke-TwinRun -State $upgraded -Script $C.Script -ScriptArgs (& $argsFor $done) -TimeoutSeconds 600
        Write-Verdict $C.Name 'legs: converge with -GuestStepDone' (Get-ConvergeProblems $C $start $r2) $r2
        $r3 = Invoke-TwinRun -State $r2.state -Script $C.Script -ScriptArgs (& $argsFor $done) -TimeoutSeconds 600
        $p = @()
        if ($r3.exit -ne 0 -or @($r3.calls).Count -ne 0) { $p += 'rerun: exit {0}, {1} mutating calls' -f $r3.exit, @($r3.calls).Count }
        Write-Verdict $C.Name 'legs: rerun' $p $r3
        Write-Host ('  {0}: {1} + {2} mutating calls over two runs' -f $C.Name, @($r1.calls).Count, @($r2.calls).Count)
    }
    if ($Case.Checks -contains 'guests') {
        Invoke-GuestChecks -C $C -Start $start
    }
    if ($Case.Checks -contains 'drain-rerun') {
        Invoke-DrainRerunChecks -C $C -Start $start
    }
    if ($Case.Checks -contains 'batch') {
        Invoke-BatchChecks -C $C -Start $start -Conv $conv
    }
    if ($Case.Checks -contains 'drain-decline') {
        Invoke-BatchDrainDeclineChecks -C $C -Start $start
    }
    if ($Case.Checks -contains 'node-failure') {
        Invoke-NodeFailureChecks -C $C -Start $start -Conv $conv
    }
}

# A node fails in the middle of the rollout; the resumed run converges.
function Invoke-NodeFailureChecks {
    param($C, $Start, $Conv)
    if ($null -eq $Conv) { $Conv = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600 }
    $calls = @($Conv.calls)
    $points = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $calls.Count; $i++) {
        $call = $calls[$i]
        if ($call['command'] -eq 'pnputil /add-driver' -and @($points | Where-Object { $_.Why -eq 'install' }).Count -eq 0) {
            $points.Add([pscustomobject]@{ Why = 'install'; At = $i + 1; Node = [string]$call['host'] })
        }
        if ($call['command'] -eq 'Start-VM' -and @($points | Where-Object { $_.Why -eq 'start' }).Count -eq 0) {
            $points.Add([pscustomobject]@{ Why = 'start'; At = $i + 1; Node = [string]$call['host'] })
        }
        if ($call['command'] -eq 'Suspend-ClusterNode' -and $i -gt 0 -and @($points | Where-Object { $_.Why -eq 'other' }).Count -eq 0) {
            # A node outside this step, one that runs VMs.
            $other = @($Start['hosts'] | Where-Object { [string]$_['name'] -ne [string]$call['target'] -and @($_['vms'] | Where-Object { $_['state'] -eq 'Running' }).Count -gt 0 } | Select-Object -Last 1)
            if ($other.Count -gt 0) { $points.Add([pscustomobject]@{ Why = 'other'; At = $i + 1; Node = [string]$other[0]['name'] }) }
        }
    }
    foreach ($pt in @(Get-BatchFailurePoints -C $C -Calls $calls)) { $points.Add($pt) }
    foreach ($pt in $points) {
        $name = 'node-failure {0} ({1} at call {2})' -f $pt.Why, $pt.Node, $pt.At
        $s = Copy-ScenarioState -State $Start
        $s['faults'] = @([ordered]@{ command = 'node-failure'; target = $pt.Node; at_call = $pt.At; times = 1 })
        $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $p = [System.Collections.Generic.List[string]]::new()
        if ($r.exit -ne 1) { $p.Add(('exit {0}, expected 1' -f $r.exit)) }
        $byFailure = @{}
        foreach ($e in @($r.state['events'])) {
            if ($e['kind'] -eq 'vm-down' -and $e['by'] -eq 'node failure') { $byFailure[[string]$e['vm']] = $true }
        }
        foreach ($x in @(Get-InvariantProblems $C $r.state)) {
            if ($x -match 'went down \(node failure') { continue }
            $p.Add($x)
        }
        $before = Get-VmPower $Start
        $after = Get-VmPower $r.state
        foreach ($v in $before.Keys) {
            if ($before[$v].State -eq 'Running' -and $after[$v].State -ne 'Running' -and -not $byFailure.ContainsKey($v) -and -not (Test-Named $r @($v) 'WARNING')) {
                $p.Add(('VM {0} is {1}, was Running, not taken down by the failure, and no warning names it' -f $v, $after[$v].State))
            }
        }
        # Serviceable: a node the failure did not hit is never left paused
        # (unless its vGPU Manager is not the planned one, which a line says).
        foreach ($h in $r.state['hosts']) {
            if ([bool]$h['reachable'] -and [bool]$h['paused'] -and -not (Test-Named $r @([string]$h['name']) 'not the planned one')) {
                $p.Add(('host {0} is left paused, though the failure was on {1}' -f $h['name'], $pt.Node))
            }
        }
        Write-Verdict $C.Name $name $p $r
        if ($env:VGPUC_DEBUG_NODEFAIL) { Write-Host "== $name"; foreach ($l in @($r.output)) { Write-Host ('    | ' + $l) } }
        # The node comes back: reachable, the driver pnputil installed loaded (its reboot).
        $back = Copy-ScenarioState -State $r.state
        $back['faults'] = @()
        foreach ($h in $back['hosts']) {
            if ([string]$h['name'] -eq $pt.Node) {
                $h['reachable'] = $true
                if ($null -ne $h['driver_pending']) { $h['nvidia_driver'] = $h['driver_pending']; $h['driver_pending'] = $null }
            }
        }
        $again = Invoke-TwinRun -State $back -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        # Excused: VMs the failure or a warning left off (their owners start them), VMs the cluster restarted elsewhere.
        $all = Get-ConvergeProblems $C $Start $again
        $ps = @($all | Where-Object {
                $line = $_
                -not (@($before.Keys | Where-Object {
                            ($line -like ('VM {0} is Off, was Running' -f $_) -and ($byFailure.ContainsKey($_) -or (Test-Named $r @($_) 'left off'))) -or
                            ($line -like ('VM {0} is on *' -f $_) -and $byFailure.ContainsKey($_))
                        })) -and $line -notmatch 'went down \(node failure'
            })
        # The cluster restarted the failed node's VMs on a node where the plan
        # does not have them (e.g. a node of the batch not drained yet): the
        # right answer is the pre-flight's refusal naming exactly those VMs
        # (plan again from the cluster as it is), with no change.
        $elsewhere = @($again.output | Where-Object { $_ -match 'the plan expects it on' })
        if ($ps.Count -gt 0 -and $again.exit -eq 1 -and @($again.calls).Count -eq 0 -and $elsewhere.Count -gt 0 -and
            @($elsewhere | Where-Object { $_ -notmatch '^\s*- VM (\S+) runs on' -or -not $byFailure.ContainsKey($Matches[1]) }).Count -eq 0) {
            Write-Host ('  {0}: resume after {1}: refused, {2} VM(s) the cluster restarted elsewhere named (plan again)' -f $C.Name, $name, $elsewhere.Count)
            $ps = @()
        }
        Write-Verdict $C.Name ('resume after ' + $name) $ps $again
    }
    Write-Host ('  {0}: {1} node-failure scenarios' -f $C.Name, $points.Count)
}

# The guest phase: -GuestCredential instead of -GuestStepDone.
function Invoke-GuestChecks {
    param($C, $Start)
    $withCred = @{} + $C.ScriptArgs
    $withCred['GuestCredential'] = New-GuestCredential
    $first = $C.PlanGuestSteps[0]
    $r1 = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $withCred -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    if ($r1.exit -ne 1) { $p.Add(('first run: exit {0}, expected 1 (waiting for the guests)' -f $r1.exit)) }
    $vm1 = [string]$first.vms[0].name
    if (-not (Test-Named $r1 @('still to upgrade', $vm1, [string]$first.guest_driver.from.windows_driver) 'needs')) { $p.Add(('no line names {0} with the driver it runs as still to upgrade' -f $vm1)) }
    foreach ($x in @(Get-InvariantProblems $C $r1.state)) { $p.Add($x) }
    Write-Verdict $C.Name 'guests: waits and names the VMs still to upgrade' $p $r1
    # Wrong credentials: still waiting, the error named, nothing more changed.
    $bad = @{} + $C.ScriptArgs
    $bad['GuestCredential'] = New-GuestCredential -Password 'wrong'
    $upgraded = Copy-ScenarioState -State $r1.state
    Set-NextGuestStepDone -State $upgraded -C $C
    $rb = Invoke-TwinRun -State $upgraded -Script $C.Script -ScriptArgs $bad -TimeoutSeconds 600
    $p = @()
    if ($rb.exit -ne 1 -or @($rb.calls).Count -ne 0) { $p += 'wrong credentials: exit {0}, {1} mutating calls; expected a wait with none' -f $rb.exit, @($rb.calls).Count }
    if (-not (Test-Named $rb @('still to upgrade', 'credential is invalid') '')) { $p += 'no line names the invalid credential' }
    Write-Verdict $C.Name 'guests: wrong credentials keep it waiting' $p $rb
    # The owners upgraded every guest of each step as it came: the script goes on by itself.
    $state = $upgraded
    $runs = 0
    $r = $null
    $calls = 0
    while ($runs -lt 4) {
        $runs++
        $r = Invoke-TwinRun -State $state -Script $C.Script -ScriptArgs $withCred -TimeoutSeconds 600
        $calls += @($r.calls).Count
        if ($r.exit -eq 0) { break }
        $state = Copy-ScenarioState -State $r.state
        Set-NextGuestStepDone -State $state -C $C
    }
    Write-Verdict $C.Name ('guests: converge with -GuestCredential ({0} runs)' -f ($runs + 1)) (Get-ConvergeProblems $C $Start $r) $r
    Write-Host ('  {0}: guests: {1} runs, {2} mutating calls after the first' -f $C.Name, ($runs + 1), $calls)
    $rr = Invoke-TwinRun -State $r.state -Script $C.Script -ScriptArgs $withCred -TimeoutSeconds 600
    $p = @()
    if ($rr.exit -ne 0 -or @($rr.calls).Count -ne 0) { $p += 'rerun: exit {0}, {1} mutating calls' -f $rr.exit, @($rr.calls).Count }
    Write-Verdict $C.Name 'guests: rerun with -GuestCredential' $p $rr
    # -GuestStepDone said without the upgrade: the twin must see the vGPUs fail to load.
    $lie = Invoke-TwinRun -State $r1.state -Script $C.Script -ScriptArgs (@{} + $C.ScriptArgs + @{ GuestStepDone = @($C.GuestSteps) }) -TimeoutSeconds 600
    $p = @()
    if (@(Get-InvariantProblems $C $lie.state | Where-Object { $_ -match 'failed to load' }).Count -eq 0) { $p += 'the guests were not upgraded, yet the twin recorded no vGPU that failed to load' }
    Write-Verdict $C.Name 'guests: -GuestStepDone without the upgrade is caught by the invariant' $p $lie
    # Planted in the script: a guest step counted done without its drivers read.
    $text = [System.IO.File]::ReadAllText($C.Script)
    $find = '$w.Done = $w.Guest.Done'
    $p = @()
    if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) {
        $p += 'the planted text does not occur once in the script'
    } else {
        $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
        [System.IO.File]::WriteAllText($path, $text.Replace($find, '$w.Done = $true'))
        $pr = Invoke-TwinRun -State $Start -Script $path -ScriptArgs $withCred -TimeoutSeconds 600
        Remove-Item -LiteralPath $path
        if (@(Get-InvariantProblems $C $pr.state | Where-Object { $_ -match 'failed to load' }).Count -eq 0) { $p += 'the invariant did not catch the VMs started on hosts that cannot load their guest driver' }
    }
    Write-Verdict $C.Name 'planted: a guest step counted done without reading the guests' $p $null
}


# --- Batches of hosts (--hosts-at-once N): phase by phase over the batch ---

# The phase of a mutating call of a host step, and its node.
function Get-BatchPhase {
    param($Call)
    $phase = switch ([string]$Call['command']) {
        'Suspend-ClusterNode' { 'drain' }
        'pnputil /add-driver' { 'install' }
        'Restart-Computer' { 'restart' }
        'Resume-ClusterNode' { 'resume' }
        default { '' }
    }
    $node = if ($phase -eq 'install') { [string]$Call['host'] } else { [string]$Call['target'] }
    [pscustomobject]@{ Phase = $phase; Node = $node }
}

# The twin's call log of a run against the batches of the plan: every node of
# a batch drained before any of them installs (all paused at once), every
# install before any restart, one Restart-Computer -Wait naming every node of
# the batch (restarted together, one wait), every restart before any resume.
function Get-BatchOrderProblems {
    param($C, $Start, $Calls)
    $calls = @($Calls)
    foreach ($b in $C.Batches) {
        $at = @{ drain = @{}; install = @{}; restart = @{}; resume = @{} }
        for ($i = 0; $i -lt $calls.Count; $i++) {
            $ph = Get-BatchPhase $calls[$i]
            if ($ph.Phase -eq '' -or $b -notcontains $ph.Node) { continue }
            $at[$ph.Phase][$ph.Node] = $i + 1
            if ($ph.Phase -eq 'restart') {
                $named = @($calls[$i]['parameters']['ComputerName'])
                $missing = @($b | Where-Object { $named -notcontains $_ })
                if ($missing.Count -gt 0 -or -not [bool]$calls[$i]['parameters']['Wait']) {
                    'the restart of {0} (call {1}) is Restart-Computer -ComputerName {2}{3}: not one restart of the whole batch {4} with one wait' -f $ph.Node, ($i + 1), ($named -join ','), $(if ([bool]$calls[$i]['parameters']['Wait']) { ' -Wait' } else { '' }), ($b -join ', ')
                }
            }
        }
        foreach ($n in $b) {
            $installs = [string](Get-ScenarioHostState -State $Start -Name $n)['nvidia_driver'] -ne $C.ExpectDriver[$n]
            foreach ($phase in 'drain', 'install', 'restart', 'resume') {
                if ($phase -eq 'install' -and -not $installs) { continue }
                if (-not $at[$phase].ContainsKey($n)) { 'node {0} of the batch {1} has no {2} call' -f $n, ($b -join ', '), $phase }
            }
        }
        $order = @('drain', 'install', 'restart', 'resume')
        for ($k = 0; $k -lt $order.Count - 1; $k++) {
            $before = $order[$k]
            for ($j = $k + 1; $j -lt $order.Count; $j++) {
                $after = $order[$j]
                foreach ($x in $at[$before].Keys) {
                    foreach ($y in $at[$after].Keys) {
                        if ($at[$before][$x] -gt $at[$after][$y]) {
                            'batch {0}: {1} of {2} (call {3}) comes after {4} of {5} (call {6}): not phase by phase' -f ($b -join ', '), $before, $x, $at[$before][$x], $after, $y, $at[$after][$y]
                        }
                    }
                }
            }
        }
    }
}

# The drains of each batch overlap (nodes with drain_seconds: the twin's node-drain events,
# on the virtual clock): the last node of the batch started draining before the first one
# was drained. Nodes without drain_seconds: nothing to tell.
function Get-BatchDrainProblems {
    param($C, $Start, $Result)
    foreach ($b in $C.Batches) {
        $timed = @($Start['hosts'] | Where-Object { $b -contains [string]$_['name'] -and $_.Contains('drain_seconds') -and [int]$_['drain_seconds'] -gt 0 }).Count -eq $b.Count
        if (-not $timed) { continue }
        $ev = @(@($Result.state['events']) | Where-Object { $null -ne $_ -and $_['kind'] -eq 'node-drain' -and $b -contains [string]$_['host'] })
        if ($ev.Count -ne $b.Count) { 'batch {0}: {1} drains recorded for {2} nodes' -f ($b -join ', '), $ev.Count, $b.Count; continue }
        $lastStart = ($ev | ForEach-Object { [double]$_['start'] } | Measure-Object -Maximum).Maximum
        $firstEnd = ($ev | ForEach-Object { [double]$_['end'] } | Measure-Object -Minimum).Minimum
        if ($lastStart -ge $firstEnd) {
            'batch {0}: the drains did not overlap (the last started at {1:N0} s, the first was drained at {2:N0} s): one after another, not together' -f ($b -join ', '), $lastStart, $firstEnd
        }
    }
}

# Node failures inside a batch (added to the node-failure checks): the node
# of the batch that installs second fails at the batch's first install (it is
# drained, waiting); the second node of the restart fails as the one
# Restart-Computer restarts the batch (the first one is restarted).
function Get-BatchFailurePoints {
    param($C, $Calls)
    $calls = @($Calls)
    foreach ($b in $C.Batches) {
        $installs = @()
        $restarts = @()
        for ($i = 0; $i -lt $calls.Count; $i++) {
            $ph = Get-BatchPhase $calls[$i]
            if ($b -notcontains $ph.Node) { continue }
            if ($ph.Phase -eq 'install') { $installs += [pscustomobject]@{ At = $i + 1; Node = $ph.Node } }
            if ($ph.Phase -eq 'restart') { $restarts += [pscustomobject]@{ At = $i + 1; Node = $ph.Node } }
        }
        if ($installs.Count -gt 1) {
            [pscustomobject]@{ Why = 'batch-install'; At = $installs[0].At; Node = $installs[1].Node }
        }
        if ($restarts.Count -gt 1) {
            [pscustomobject]@{ Why = 'batch-restart'; At = $restarts[0].At; Node = $restarts[1].Node }
        }
    }
}

# The faults of a batch case: every call of every node's host phases (drain,
# install, restart, resume: a failure at any call of any host of a batch),
# and of the VMs' calls (48 VMs; each kind of VM call is covered by the
# hci-small case) the first and the last target of each command.
function Select-BatchFaultCalls {
    param($Calls)
    $calls = @($Calls)
    $vmFirst = @{}
    $vmLast = @{}
    foreach ($call in $calls) {
        if ((Get-BatchPhase $call).Phase -ne '') { continue }
        $c = [string]$call['command']
        if (-not $vmFirst.ContainsKey($c)) { $vmFirst[$c] = [string]$call['target'] }
        $vmLast[$c] = [string]$call['target']
    }
    foreach ($call in $calls) {
        $c = [string]$call['command']
        if ((Get-BatchPhase $call).Phase -ne '' -or $vmFirst[$c] -eq [string]$call['target'] -or $vmLast[$c] -eq [string]$call['target']) { $call }
    }
}

function Invoke-BatchChecks {
    param($C, $Start, $Conv)
    if (@($C.Batches).Count -eq 0) {
        Write-Verdict $C.Name 'batch' @('the plan has no batch of more than one host') $null
        return
    }
    if ($null -eq $Conv) { $Conv = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600 }
    Write-Verdict $C.Name 'batch: phase by phase (all drained before any install, one restart of the batch, all restarted before any resume)' @(Get-BatchOrderProblems -C $C -Start $Start -Calls $Conv.calls) $Conv
    Write-Verdict $C.Name 'batch: the drains of a batch run together (each started before the first is over)' @(Get-BatchDrainProblems -C $C -Start $Start -Result $Conv) $Conv
    Write-Host ('  {0}: batches {1}' -f $C.Name, ((@($C.Batches) | ForEach-Object { '[' + ($_ -join ', ') + ']' }) -join ' '))
    # A failure between the restart and the verification: the package loads
    # a driver the plan does not know, and the restart of the batch fails for
    # its second node. The first node (restarted, on that driver) stays
    # paused with a line; the second (not restarted, on the old driver) is
    # resumed.
    $b = @($C.Batches)[0]
    $s = Copy-ScenarioState -State $Start
    foreach ($d in @($s['driver_packages'])) { $d['driver'] = '999.99' }
    Add-ScenarioFault -State $s -Command 'Restart-Computer' -Target $b[1]
    $wrongDriverState = $s
    $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    if ($r.exit -ne 1) { $p.Add(('exit {0}, expected 1' -f $r.exit)) }
    $first = Get-ScenarioHostState -State $r.state -Name $b[0]
    $second = Get-ScenarioHostState -State $r.state -Name $b[1]
    if ([string]$first['nvidia_driver'] -ne '999.99') { $p.Add(('{0} runs {1}, expected the unknown 999.99 (restarted)' -f $b[0], $first['nvidia_driver'])) }
    if (-not [bool]$first['paused']) { $p.Add(('{0} runs a driver of no state of the plan (999.99) and was resumed' -f $b[0])) }
    elseif (-not (Test-Named $r @($b[0], '999.99') 'not the planned one')) { $p.Add(('no line says {0} is left paused on 999.99' -f $b[0])) }
    if ([bool]$second['paused']) { $p.Add(('{0} is left paused, though its restart failed before it acted (still on its old driver)' -f $b[1])) }
    foreach ($x in @(Get-InvariantProblems $C $r.state)) { $p.Add($x) }
    Write-Verdict $C.Name ('batch: restart of {0} fails, {1} restarted on an unknown driver stays paused, {0} resumed' -f $b[1], $b[0]) $p $r
    # Planted: the batch run one host after another (each host's whole cycle,
    # as before), the nodes restarted one by one, a batch node not resumed
    # when another node of its batch fails during the restart.
    $text = [System.IO.File]::ReadAllText($C.Script)
    $plants = @(
        @{ Name = 'a batch runs one host after another'; Check = 'order'
            Find = "`$ok = Invoke-VgpucRolloutHostStep -Run `$run -Work `$w -Plan `$plan -DriverPackage `$DriverPackage ```n                    -ShutdownTimeoutSeconds `$ShutdownTimeoutSeconds -RestartTimeoutSeconds `$RestartTimeoutSeconds"
            Put = "`$ok = `$true; foreach (`$one in @(`$w.Hosts)) { if (`$ok) { `$ok = Invoke-VgpucRolloutHostStep -Run `$run -Work ([pscustomobject]@{ Step = `$w.Step; Hosts = @(`$one) }) -Plan `$plan -DriverPackage `$DriverPackage -ShutdownTimeoutSeconds `$ShutdownTimeoutSeconds -RestartTimeoutSeconds `$RestartTimeoutSeconds } }" }
        @{ Name = 'each drain waited for before the next node''s drain starts'; Check = 'order'
            Find = '$null = Suspend-ClusterNode -Name $N -Drain -Cluster $C'
            Put = '$null = Suspend-ClusterNode -Name $N -Drain -Cluster $C; $null = Wait-VgpucRolloutDrain -Nodes @($N) -TimeoutSeconds 1800' }
        @{ Name = 'the drains with -Wait, one after another'; Check = 'order'
            Find = '$null = Suspend-ClusterNode -Name $N -Drain -Cluster $C'
            Put = '$null = Suspend-ClusterNode -Name $N -Drain -Wait -Cluster $C' }
        @{ Name = 'the nodes of a batch are restarted one by one'; Check = 'order'
            Find = 'Restart-Computer -ComputerName $N -Force -Wait -For PowerShell -Timeout $T -ErrorAction SilentlyContinue -ErrorVariable failed'
            Put = 'foreach ($one in $N) { Restart-Computer -ComputerName $one -Force -Wait -For PowerShell -Timeout $T -ErrorAction SilentlyContinue -ErrorVariable +failed }' }
        @{ Name = 'the nodes of a batch are not resumed after a failure'; Check = 'node-failure'
            Find = 'foreach ($n in $suspended) {'; Put = 'foreach ($n in @()) {' }
        @{ Name = 'a node is resumed after a failure without its driver read'; Check = 'wrong-driver'
            Find = 'if ($now.Driver -ne $h.FromDriver -and $now.Driver -ne $h.ToDriver) {'; Put = 'if ($false) {' }
    )
    foreach ($pl in $plants) {
        $n = ([regex]::Matches($text, [regex]::Escape($pl.Find))).Count
        if ($n -ne 1) {
            Write-Verdict $C.Name ('planted: ' + $pl.Name) @(('the planted text occurs {0} times in the script, not once' -f $n)) $null
            continue
        }
        $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
        [System.IO.File]::WriteAllText($path, $text.Replace($pl.Find, $pl.Put))
        $caught = @()
        if ($pl.Check -eq 'order') {
            $r = Invoke-TwinRun -State $Start -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            if ($r.exit -ne 0) { $caught = @('exit {0}' -f $r.exit) }
            $caught += @(Get-BatchOrderProblems -C $C -Start $Start -Calls $r.calls)
            $caught += @(Get-BatchDrainProblems -C $C -Start $Start -Result $r)
        } elseif ($pl.Check -eq 'wrong-driver') {
            $r = Invoke-TwinRun -State $wrongDriverState -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $caught = @($r.state['hosts'] | Where-Object { [string]$_['nvidia_driver'] -eq '999.99' -and -not [bool]$_['paused'] })
        } else {
            $pt = @(Get-BatchFailurePoints -C $C -Calls $Conv.calls | Where-Object { $_.Why -eq 'batch-restart' })[0]
            $s = Copy-ScenarioState -State $Start
            $s['faults'] = @([ordered]@{ command = 'node-failure'; target = $pt.Node; at_call = $pt.At; times = 1 })
            $r = Invoke-TwinRun -State $s -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $caught = @($r.state['hosts'] | Where-Object { [bool]$_['reachable'] -and [bool]$_['paused'] -and -not (Test-Named $r @([string]$_['name']) 'not the planned one') })
        }
        $p = @()
        if ($caught.Count -eq 0) { $p += 'the {0} check did not catch it' -f $pl.Check }
        else { Write-Host ('  {0}: planted: {1}: caught: {2}' -f $C.Name, $pl.Name, $(if ($caught[0] -is [string]) { $caught[0] } else { 'host ' + $caught[0]['name'] })) }
        Write-Verdict $C.Name ('planted: ' + $pl.Name) $p $null
        Remove-Item -LiteralPath $path
    }
}

# A drain declined with -Confirm in a batch (Checks 'drain-decline'; the twin's -Decline:
# the drain prompt of the batch's first node answered No, every other prompt Yes): that
# node, never drained, is neither installed nor restarted nor resumed and keeps its
# driver; the other node of its batch is drained, installed, restarted, verified and
# resumed. Planted: every node of the batch installed and restarted whatever its drain
# (the script before the fix).
function Get-DrainDeclineProblems {
    param($C, $Start, $Result, [string]$Declined, [string]$Other)
    $no = @(@($Result.prompts) | Where-Object { $_ -like 'No: *' })
    if ($no.Count -ne 1) { 'expected exactly one prompt answered No (the drain of {0}), got {1} of {2}: {3}' -f $Declined, $no.Count, @($Result.prompts).Count, ($no -join ' | ') }
    $calls = @($Result.calls)
    $otherAt = @{}
    for ($i = 0; $i -lt $calls.Count; $i++) {
        $ph = Get-BatchPhase $calls[$i]
        if ($ph.Phase -eq '') { continue }
        $named = @($ph.Node)
        if ($ph.Phase -eq 'restart') { $named = @($calls[$i]['parameters']['ComputerName'] | ForEach-Object { [string]$_ }) }
        if ($named -contains $Declined) { '{0}, whose drain was declined, got a {1} call (call {2}: {3} {4})' -f $Declined, $ph.Phase, ($i + 1), $calls[$i]['command'], ($named -join ',') }
        if ($named -contains $Other -and -not $otherAt.ContainsKey($ph.Phase)) { $otherAt[$ph.Phase] = $i + 1 }
    }
    foreach ($phase in 'drain', 'install', 'restart', 'resume') {
        if (-not $otherAt.ContainsKey($phase)) { '{0}, the other node of the batch, has no {1} call: the batch did not go on' -f $Other, $phase }
    }
    $d = Get-ScenarioHostState -State $Result.state -Name $Declined
    $was = [string](Get-ScenarioHostState -State $Start -Name $Declined)['nvidia_driver']
    if ([string]$d['nvidia_driver'] -ne $was) { '{0} runs driver {1}, expected its old {2} (never drained, nothing installed)' -f $Declined, $d['nvidia_driver'], $was }
    if ([bool]$d['paused']) { '{0} is paused, though its drain was declined' -f $Declined }
    $o = Get-ScenarioHostState -State $Result.state -Name $Other
    if ([string]$o['nvidia_driver'] -ne [string]$C.ExpectDriver[$Other] -or [bool]$o['paused']) { '{0} runs driver {1} (paused: {2}), expected {3}, resumed' -f $Other, $o['nvidia_driver'], [bool]$o['paused'], $C.ExpectDriver[$Other] }
    foreach ($x in @(Get-InvariantProblems $C $Result.state)) { $x }
}

function Invoke-BatchDrainDeclineChecks {
    param($C, $Start)
    if (@($C.Batches).Count -eq 0) {
        Write-Verdict $C.Name 'drain-decline' @('the plan has no batch of more than one host') $null
        return
    }
    $b = @($C.Batches)[0]
    $declined = [string]$b[0]
    $other = [string]$b[1]
    $decline = @(('drain (Suspend-ClusterNode -Drain)" on target "{0}"' -f $declined))
    $r = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $C.ScriptArgs -Decline $decline -TimeoutSeconds 600
    Write-Verdict $C.Name ('drain-decline: the drain of {0} declined, the rest confirmed: {0} neither installed nor restarted, {1} goes on' -f $declined, $other) @(Get-DrainDeclineProblems -C $C -Start $Start -Result $r -Declined $declined -Other $other) $r
    Write-Verdict $C.Name ('drain-decline: the summary names the declined drain of {0} as not done (exit 0)' -f $declined) @(Get-DeclineSummaryProblems -Result $r) $r
    $p = @(Test-DeclineSummaryPlant -C $C -Start $Start -Decline $decline)
    Write-Verdict $C.Name 'planted: the declined drain of a batch node not named in the summary' $p $null
    $text = [System.IO.File]::ReadAllText($C.Script)
    $find = '$go = @($Work.Hosts | Where-Object { $WhatIfPreference -or (Test-VgpucNameInList -Name ([string]$_.Name) -List $suspended.ToArray()) })'
    $p = @()
    if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) {
        $p += 'the planted text does not occur once in the script'
    } else {
        $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
        [System.IO.File]::WriteAllText($path, $text.Replace($find, '$go = @($Work.Hosts)'))
        $rp = Invoke-TwinRun -State $Start -Script $path -ScriptArgs $C.ScriptArgs -Decline $decline -TimeoutSeconds 600
        Remove-Item -LiteralPath $path
        $caught = @(Get-DrainDeclineProblems -C $C -Start $Start -Result $rp -Declined $declined -Other $other | Where-Object { $_ -like ('{0}, whose drain was declined, got *' -f $declined) })
        if ($caught.Count -eq 0) { $p += 'the drain-decline check did not catch a script that installs and restarts a node whose drain was declined' }
        else { Write-Host ('  {0}: planted (a node whose drain was declined installed and restarted): caught: {1}' -f $C.Name, ($caught -join '; ')) }
    }
    Write-Verdict $C.Name 'planted: a node whose drain was declined installed and restarted' $p $null
}
