# RolloutScenarios.VSphere.ps1 - the vSphere cases of the rollout scenarios
# (Invoke-RolloutScenarios.ps1, which dot-sources this file; docs/testing.md, "Rollout
# scenarios"): the case (Invoke-VmwCase), the GPU Management Daemon, the stale module, host
# failures, host batches, the guest phase, faults, refusals and planted faults. Not run on
# its own.

# ---- vSphere rollouts ---------------------------------------------------------------------
# The same checks as Invoke-Case on the vCenter twin (tests/twin/README.md state, with
# the rollout fields of tests/twin/README.md "Rollouts": depots, image_managed,
# nvidia_loaded_version). Functions of their own, so the Hyper-V ones stay as they are.

$script:VmwSuffix = '-1OEM.800.1.0.20613240'   # the component build suffix of ScenarioVmware.psm1

function Get-VmwDepot {
    param([string]$Release)
    '/vmfs/volumes/datastore1/nvidia/{0}/NVD-AIE-800.zip' -f $Release
}

function New-VmwRolloutCase {
    param($Case)
    $dir = Join-Path $Work $Case.Name
    $null = New-Item -ItemType Directory -Force -Path $dir
    Push-Location $root
    try {
        $planPath = Join-Path $dir 'plan.json'
        $json = & $Vgpuc rollout --no-config --today $Today -f json -o $dir @($Case.Args) 2>$null
        if ($LASTEXITCODE -ne 0) { throw ('vgpuc rollout {0}: exit {1}' -f ($Case.Args -join ' '), $LASTEXITCODE) }
        [System.IO.File]::WriteAllText($planPath, ($json -join "`n"))
        $current = $Case.Args[$Case.Args.Count - 1]
        if (-not ($Case.Args -contains '--drain')) { $current = $Case.Args[$Case.Args.Count - 2] }
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
    $state = New-VmwScenarioDeclaredState -Model $model -Catalog $script:Catalog
    foreach ($h in $state['hosts']) { $h['boot_count'] = 0 }   # HostRuntimeInfo.BootTime, which the script waits on
    $depots = [System.Collections.Generic.List[object]]::new()
    $depotArgs = @{}
    $expectDriver = @{}
    $expectHost = @{}
    $live = @{}
    foreach ($s in $cl.steps) {
        if ($s.kind -ne 'hosts') { continue }
        foreach ($h in $s.hosts) {
            $to = $h.vgpu_manager.to
            $expectDriver[$h.name] = [string]$to.driver
            if ($h.vgpu_manager.from.release -ne $to.release -and -not $depotArgs.ContainsKey([string]$to.release)) {
                $depotArgs[[string]$to.release] = Get-VmwDepot $to.release
                $depots.Add([ordered]@{ path = (Get-VmwDepot $to.release); component = [ordered]@{ name = 'NVD-AIE-800'; version = ([string]$to.driver + $script:VmwSuffix) } })
            }
        }
        foreach ($m in $s.moves) {
            if ($null -ne $m.to) { $expectHost[$m.vm] = [string]$m.to }
            if ($m.how -eq 'live-migrate') { $live[$m.vm] = $true }
        }
    }
    $state['depots'] = $depots.ToArray()
    Add-GuestDriverState -State $state -ModelJson $modelJson   # guest drivers: a vGPU that fails to load is recorded
    [pscustomobject]@{
        Name = $Case.Name; Script = $script; State = $state; ScriptArgs = @{ Server = 'vc01'; DepotPath = $depotArgs }
        ExpectDriver = $expectDriver; ExpectHost = $expectHost; Live = $live; Cluster = [string]$cl.name
        PlanGuestSteps = @($cl.steps | Where-Object { $_.kind -eq 'guests' })
    }
}

function Get-VmwPower {
    param($State)
    $m = @{}
    foreach ($v in $State['vms']) { $m[[string]$v['name']] = @{ State = [string]$v['power_state']; Host = [string]$v['host'] } }
    $m
}

# The end state of a completed vSphere rollout, and the invariants over its calls.
function Get-VmwConvergeProblems {
    param($C, $Start, $Result)
    $p = [System.Collections.Generic.List[string]]::new()
    foreach ($x in @(Get-InvariantProblems $C $Result.state | Where-Object { $_ -match 'failed to load' })) { $p.Add($x) }
    if ($Result.exit -ne 0) { $p.Add(('exit {0}, expected 0' -f $Result.exit)) }
    foreach ($h in $Result.state['hosts']) {
        $n = [string]$h['name']
        if ($C.ExpectDriver.ContainsKey($n)) {
            $v = if ($null -ne $h['nvidia_component']) { [string]$h['nvidia_component']['version'] } else { '' }
            if (-not $v.StartsWith($C.ExpectDriver[$n] + '-')) { $p.Add(('host {0} has component {1}, expected driver {2}' -f $n, $v, $C.ExpectDriver[$n])) }
            if ($h.Contains('nvidia_loaded_version')) { $p.Add(('host {0} still runs module {1}: not rebooted' -f $n, $h['nvidia_loaded_version'])) }
            if (-not [bool]$h['nvidia_module_loaded']) { $p.Add(('host {0} has no nvidia module loaded' -f $n)) }
            if ([int]$h['boot_count'] -lt 1) { $p.Add(('host {0} was not rebooted' -f $n)) }
        }
        if ([string]$h['connection_state'] -ne 'Connected') { $p.Add(('host {0} is left {1}' -f $n, $h['connection_state'])) }
    }
    $before = Get-VmwPower $Start
    $after = Get-VmwPower $Result.state
    foreach ($v in $before.Keys) {
        if (-not $after.ContainsKey($v)) { $p.Add(('VM {0} is gone' -f $v)); continue }
        if ($after[$v].State -ne $before[$v].State) { $p.Add(('VM {0} is {1}, was {2}' -f $v, $after[$v].State, $before[$v].State)) }
        $want = if ($C.ExpectHost.ContainsKey($v)) { $C.ExpectHost[$v] } else { $before[$v].Host }
        if ($after[$v].Host -ne $want) { $p.Add(('VM {0} is on {1}, the plan puts it on {2}' -f $v, $after[$v].Host, $want)) }
    }
    foreach ($call in @($Result.calls)) {
        $cmd = [string]$call['command']
        # The invariant: no VM the plan keeps up (vMotion) went down.
        if (@('ShutdownGuest', 'Stop-VM', 'PowerOffVM', 'PowerOffVM_Task') -contains $cmd -and $C.Live.ContainsKey([string]$call['target'])) {
            $p.Add(('VM {0} is moved with vMotion by the plan but went down ({1})' -f $call['target'], $cmd))
        }
        if (@('Stop-VM', 'PowerOffVM', 'PowerOffVM_Task') -contains $cmd) {
            $p.Add(('VM {0} was powered off ({1}), not shut down' -f $call['target'], $cmd))
        }
    }
    , $p
}

function Invoke-VmwCase {
    param($Case)
    $C = New-VmwRolloutCase $Case
    if ($Case.ContainsKey('RebootSeconds')) { foreach ($h in $C.State['hosts']) { $h['reboot_seconds'] = [int]$Case.RebootSeconds } }
    if ($Case.ContainsKey('RebootUnseenSeconds')) { foreach ($h in $C.State['hosts']) { $h['reboot_unseen_seconds'] = [int]$Case.RebootUnseenSeconds } }
    if ($Case.ContainsKey('MaintenanceSeconds')) { foreach ($h in $C.State['hosts']) { $h['maintenance_seconds'] = [int]$Case.MaintenanceSeconds } }
    $start = $C.State
    $conv = $null
    if ($Case.Checks -contains 'converge' -or $Case.Checks -contains 'rerun' -or $Case.Checks -contains 'faults') {
        $conv = Invoke-TwinRun -State $start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        Write-Verdict $C.Name 'converge' (Get-VmwConvergeProblems $C $start $conv) $conv
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
        foreach ($call in @($conv.calls)) {
            $key = '{0}|{1}' -f $call['command'], $call['target']
            if ($seen.ContainsKey($key)) { continue }
            $seen[$key] = $true
            $n++
            $s = Copy-VmwState -State $start
            Add-ScenarioFault -State $s -Command ([string]$call['command']) -Target ([string]$call['target'])
            $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            Write-Verdict $C.Name ('fault ' + $key) (Get-VmwFaultProblems $start $r) $r
            $again = Invoke-TwinRun -State $r.state -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $before = Get-VmwPower $start
            $all = Get-VmwConvergeProblems $C $start $again
            $ps = @($all | Where-Object {
                    $line = $_
                    -not (@($before.Keys | Where-Object { $line -like ('VM {0} is PoweredOff, was PoweredOn' -f $_) -and (Test-Named $r @($_) 'left off') }))
                })
            Write-Verdict $C.Name ('resume after ' + $key) $ps $again
        }
        Write-Host ('  {0}: {1} fault scenarios' -f $C.Name, $n)
    }
    if ($Case.Checks -contains 'preflight') {
        foreach ($pb in (Get-VmwPreflightProblems $C)) {
            $s = Copy-VmwState -State $start
            $null = & $pb.Edit $s
            $sa = if ($pb.ContainsKey('Args')) { $pb.Args } else { $C.ScriptArgs }
            $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
            Write-Verdict $C.Name ('preflight ' + $pb.Name) (Get-VmwRefusalProblems $r $pb.Tokens $pb.Pattern) $r
        }
    }
    if ($Case.Checks -contains 'vlcm') {
        $s = Copy-VmwState -State $start
        $s['clusters'][0]['image_managed'] = $true
        $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        Write-Verdict $C.Name 'vlcm: refused on a cluster managed by an image, with the way out' (Get-VmwRefusalProblems $r @($C.Cluster, 'image') 'remediate') $r
    }
    if ($Case.Checks -contains 'planted') {
        Invoke-VmwPlanted $C $start
    }
    if ($Case.Checks -contains 'host-failure') {
        Invoke-VmwHostFailureChecks -C $C -Start $start -Conv $conv
    }
    if ($Case.Checks -contains 'batch') {
        Invoke-VmwBatchChecks -C $C -Start $start -Conv $conv
    }
    if ($Case.Checks -contains 'stale-module') {
        $p = Get-VmwStaleModuleProblems -C $C -Start $start -Script $C.Script
        Write-Verdict $C.Name 'stale-module: a host rebooted with its old nvidia module loaded fails the verify, stays in maintenance mode, and the rerun converges' $p.Problems $p.Result
    }
    if ($Case.Checks -contains 'guests') {
        Invoke-VmwGuestChecks $C $start
    }
    if ($Case.Checks -contains 'host-failure-step2') {
        Invoke-VmwStepFailureChecks -C $C -Start $start -Step 1 -Expect 5
    }
    if ($Case.Checks -contains 'drain-rerun') {
        Invoke-DrainRerunChecks -C $C -Start $start -Platform vmware
    }
    if ($Case.Checks -contains 'host-failure-drain') {
        Invoke-VmwStepFailureChecks -C $C -Start $start -Step 0 -Expect 5
        # Planted (a drain installs nothing, so only the late reboot keeps its host in
        # maintenance mode): a host that failed while it rebooted let out of it.
        Invoke-VmwStepFailurePlant -C $C -Start $start -Step 0 -Expect 5 -Name 'a host that failed while it rebooted is let out of maintenance mode' `
            -Find "`$keep[`$n.ToLowerInvariant()] = 'it did not come back within {0} seconds of its reboot; once vCenter sees it again, run again (the host is rebooted and verified)' -f `$RestartTimeoutSeconds" `
            -Put '$null = $RestartTimeoutSeconds'
    }
    if ($Case.Checks -contains 'daemon') {
        $p = Get-VmwDaemonProblems -C $C -Start $start
        Write-Verdict $C.Name 'daemon: another NVIDIA component is not taken for the driver (named, left as it is); hosts with the GPU Management Daemon of another release are refused without -DaemonDepotPath' $p.Problems $p.Result
    }
    if ($Case.Checks -contains 'daemon-update') {
        Invoke-VmwDaemonUpdateChecks -C $C -Start $start
    }
}

# NVIDIA ships the GPU Management Daemon as a software component of its own beside the host
# driver (docs/sources.md, vSphere), with a version of its own, and installs and updates the
# two together. Run A: the last host of the plan has an NVIDIA component under a name of no
# daemon pattern (NVIDIA's example version 1.0-0.0.0001): the script must not take it for a
# second driver (the plan's host drivers, or the loaded module's version, tell the driver),
# converges, names it in a note, leaves it as it is, and a rerun changes nothing. Run B:
# every host of the plan has the daemon, of another release (the first host the
# 1.0-0.0.0001 of NVIDIA's example file name, the others their driver's release with
# -0.0.0000, as the bundles nvd-gpu-mgmt-daemon_VERSION-0.0.0000_BUILD.zip are named), and
# no -DaemonDepotPath is given: refused in the pre-flight, zero calls, a line naming the
# host, its daemon's version and the way out. (The update itself: esxi-l40-daemon-update.)
function Get-VmwDaemonProblems {
    param($C, $Start)
    $names = @($C.ExpectDriver.Keys | Sort-Object)
    $p = [System.Collections.Generic.List[string]]::new()
    $s = Copy-VmwState -State $Start
    $last = $names[$names.Count - 1]
    (Get-VmwHost -State $s -Name $last)['nvidia_daemon_component'] = [ordered]@{ name = 'NVD-unknown-tool'; version = '1.0-0.0.0001' }
    $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
    foreach ($x in (Get-VmwConvergeProblems $C $s $r)) { $p.Add('A: ' + $x) }
    $d = (Get-VmwHost -State $r.state -Name $last)['nvidia_daemon_component']
    if ($null -eq $d -or [string]$d['version'] -ne '1.0-0.0.0001') { $p.Add(('A: host {0}: its other NVIDIA component changed' -f $last)) }
    if (-not (Test-Named $r @($last, 'NVD-unknown-tool 1.0-0.0.0001') 'left as they are')) { $p.Add(('A: no note names the other NVIDIA component of host {0}' -f $last)) }
    if ($p.Count -eq 0) {
        $again = Invoke-TwinRun -State $r.state -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        if ($again.exit -ne 0) { $p.Add(('A: rerun: exit {0}' -f $again.exit)) }
        if (@($again.calls).Count -ne 0) { $p.Add(('A: rerun: {0} mutating calls' -f @($again.calls).Count)) }
    }
    $s = Copy-VmwState -State $Start
    for ($i = 0; $i -lt $names.Count; $i++) {
        $h = Get-VmwHost -State $s -Name $names[$i]
        $v = if ($i -eq 0) { '1.0-0.0.0001' } else { ([string]$h['nvidia_component']['version']).Split('-')[0] + '-0.0.0000' }
        $h['nvidia_daemon_component'] = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = $v }
    }
    $rb = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
    foreach ($x in (Get-VmwRefusalProblems $rb @($names[0], 'nvd-gpu-mgmt-daemon 1.0-0.0.0001') 'DaemonDepotPath')) { $p.Add('B: ' + $x) }
    if ($p.Count -eq 0) { $r = $rb }
    [pscustomobject]@{ Problems = $p.ToArray(); Result = $r }
}

# --- esxi-l40-daemon-update: the GPU Management Daemon installed with the driver ---------
# Every host of the plan has the daemon of its current release; the depots hold, for each
# release the plan installs, the driver bundle and the daemon bundle (component kind
# 'daemon', version DRIVER-0.0.0000, as NVIDIA names the bundles); the script gets both
# -DepotPath and -DaemonDepotPath.

function Get-VmwDaemonDepot {
    param([string]$Release)
    '/vmfs/volumes/datastore1/nvidia/{0}/nvd-gpu-mgmt-daemon.zip' -f $Release
}

# The case with daemons: State (hosts with the daemon of their release, the daemon depots),
# ScriptArgs (with DaemonDepotPath) and Daemon (host -> the daemon version it must end with).
function New-VmwDaemonCase {
    param($C, $Start)
    $s = Copy-VmwState -State $Start
    $daemonArgs = @{}
    $depots = [System.Collections.Generic.List[object]]::new()
    foreach ($d in @($s['depots'])) { $depots.Add($d) }
    foreach ($rel in @($C.ScriptArgs.DepotPath.Keys)) {
        $drv = ([string]@(@($s['depots']) | Where-Object { [string]$_['path'] -eq [string]$C.ScriptArgs.DepotPath[$rel] })[0]['component']['version']).Split('-')[0]
        $daemonArgs[$rel] = Get-VmwDaemonDepot $rel
        $depots.Add([ordered]@{ path = (Get-VmwDaemonDepot $rel); component = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = $drv + '-0.0.0000'; kind = 'daemon' } })
    }
    $s['depots'] = $depots.ToArray()
    $want = @{}
    foreach ($n in @($C.ExpectDriver.Keys)) {
        $h = Get-VmwHost -State $s -Name $n
        $h['nvidia_daemon_component'] = [ordered]@{ name = 'nvd-gpu-mgmt-daemon'; version = ([string]$h['nvidia_component']['version']).Split('-')[0] + '-0.0.0000' }
        $want[$n] = [string]$C.ExpectDriver[$n] + '-0.0.0000'
    }
    $sa = @{ Server = $C.ScriptArgs.Server; DepotPath = $C.ScriptArgs.DepotPath; DaemonDepotPath = $daemonArgs }
    [pscustomobject]@{ Name = $C.Name; Script = $C.Script; State = $s; ScriptArgs = $sa; ExpectDriver = $C.ExpectDriver; ExpectHost = $C.ExpectHost; Live = $C.Live; Cluster = $C.Cluster; Daemon = $want }
}

# The converge check with daemons: the end state of a rollout, and every host's daemon at
# the new release.
function Get-VmwDaemonConvergeProblems {
    param($D, $Start, $Result)
    $p = [System.Collections.Generic.List[string]]::new()
    foreach ($x in (Get-VmwConvergeProblems $D $Start $Result)) { $p.Add($x) }
    foreach ($n in @($D.Daemon.Keys | Sort-Object)) {
        $dc = (Get-VmwHost -State $Result.state -Name $n)['nvidia_daemon_component']
        $have = if ($null -eq $dc) { 'none' } else { [string]$dc['version'] }
        if ($have -ne $D.Daemon[$n]) { $p.Add(('host {0}: GPU Management Daemon {1}, the plan''s release needs {2}' -f $n, $have, $D.Daemon[$n])) }
    }
    , $p
}

# The checks of esxi-l40-daemon-update. -Quiet (for the planted copies): only converge and
# rerun, returning their problems instead of writing verdicts.
function Invoke-VmwDaemonUpdateChecks {
    param($C, $Start, [string]$Script = '', [switch]$Quiet)
    $D = New-VmwDaemonCase -C $C -Start $Start
    if ($Script -ne '') { $D.Script = $Script }
    $s0 = $D.State
    $all = [System.Collections.Generic.List[string]]::new()
    $verdict = {
        param([string]$Check, $Problems, $Result)
        foreach ($x in @($Problems)) { $all.Add(('{0}: {1}' -f $Check, $x)) }
        if (-not $Quiet) { Write-Verdict $D.Name $Check @($Problems) $Result }
    }
    # Converge: every host ends with driver and daemon of the new release, and the
    # -LogPath record has each daemon install as a step done on its host.
    $log = Join-Path $Work ('{0}-daemon-log-{1}.json' -f $D.Name, [guid]::NewGuid().ToString('N'))
    $sa = @{} + $D.ScriptArgs
    $sa['LogPath'] = $log
    $conv = Invoke-TwinRun -State $s0 -Script $D.Script -ScriptArgs $sa -TimeoutSeconds 600
    $p = @(Get-VmwDaemonConvergeProblems $D $s0 $conv | ForEach-Object { $_ })
    $steps = @()
    if (Test-Path -LiteralPath $log) { $steps = @((Get-Content -Raw -LiteralPath $log | ConvertFrom-Json).steps) } else { $p += 'no -LogPath record' }
    foreach ($n in @($D.Daemon.Keys | Sort-Object)) {
        if (@($steps | Where-Object { [string]$_.Target -eq $n -and [string]$_.Step -like 'install the GPU Management Daemon of vGPU*' -and [string]$_.Status -eq 'changed' }).Count -ne 1) {
            $p += 'the -LogPath record has no daemon install done on {0}' -f $n
        }
    }
    & $verdict 'daemon-update converge' $p $conv
    $daemonCalls = @(@($conv.calls) | Where-Object { [string]$_['command'] -eq 'esxcli software component apply' -and [string]$_['parameters']['depot'] -like '*nvd-gpu-mgmt-daemon*' })
    if (-not $Quiet) { Write-Host ('  {0}: daemon-update converge {1} mutating calls, {2} daemon installs' -f $D.Name, @($conv.calls).Count, $daemonCalls.Count) }
    # Rerun: a host whose daemon is already of the new release is not reinstalled.
    $r = Invoke-TwinRun -State $conv.state -Script $D.Script -ScriptArgs $D.ScriptArgs -TimeoutSeconds 600
    $p = @()
    if ($r.exit -ne 0) { $p += 'exit {0}' -f $r.exit }
    if (@($r.calls).Count -ne 0) { $p += '{0} mutating calls: {1}' -f @($r.calls).Count, ((@($r.calls) | ForEach-Object { $_['command'] + ' ' + $_['target'] }) -join ', ') }
    & $verdict 'daemon-update rerun' $p $r
    if ($Quiet) { return , $all }
    # Preview.
    $rel = @($D.ScriptArgs.DaemonDepotPath.Keys)[0]
    $r = Invoke-TwinRun -State $s0 -Script $D.Script -ScriptArgs $D.ScriptArgs -Preview -TimeoutSeconds 600
    $p = @()
    if ($r.exit -ne 0) { $p += 'exit {0}' -f $r.exit }
    if (@($r.calls).Count -ne 0) { $p += '{0} mutating calls under -WhatIf' -f @($r.calls).Count }
    if ((ConvertTo-TwinJson $r.state) -ne (ConvertTo-TwinJson $s0)) { $p += 'the state changed under -WhatIf' }
    if (-not (Test-Named $r @('GPU Management Daemon', (Get-VmwDaemonDepot $rel)) 'What if')) { $p += 'the preview does not show the daemon install' }
    & $verdict 'daemon-update preview' $p $r
    # The pre-flight: no daemon depot for a host with the daemon of another release (named
    # with both versions), and a daemon depot that is not an absolute path.
    $first = @($D.Daemon.Keys | Sort-Object)[0]
    $old = [string](Get-VmwHost -State $s0 -Name $first)['nvidia_daemon_component']['version']
    $r = Invoke-TwinRun -State $s0 -Script $D.Script -ScriptArgs @{ Server = 'vc01'; DepotPath = $D.ScriptArgs.DepotPath } -TimeoutSeconds 600
    & $verdict 'daemon-update preflight: no daemon depot' (Get-VmwRefusalProblems $r @($first, $old, ('vGPU ' + $rel), $D.ExpectDriver[$first]) 'DaemonDepotPath') $r
    $r = Invoke-TwinRun -State $s0 -Script $D.Script -ScriptArgs @{ Server = 'vc01'; DepotPath = $D.ScriptArgs.DepotPath; DaemonDepotPath = @{ $rel = 'nvd-gpu-mgmt-daemon.zip' } } -TimeoutSeconds 600
    & $verdict 'daemon-update preflight: relative daemon depot' (Get-VmwRefusalProblems $r @($rel, 'nvd-gpu-mgmt-daemon.zip') 'absolute') $r
    # The twin's refusal: a daemon depot the datastore does not have fails at its install;
    # the step stops with the host in maintenance mode (driver installed, named).
    $wrong = '/vmfs/volumes/datastore1/nvidia/missing/nvd-gpu-mgmt-daemon.zip'
    $r = Invoke-TwinRun -State $s0 -Script $D.Script -ScriptArgs @{ Server = 'vc01'; DepotPath = $D.ScriptArgs.DepotPath; DaemonDepotPath = @{ $rel = $wrong } } -TimeoutSeconds 600
    $p = @(Get-VmwFaultProblems $s0 $r | ForEach-Object { $_ })
    if (-not (Test-Named $r @($wrong) 'no depot')) { $p += 'no line names the missing daemon depot' }
    & $verdict 'daemon-update missing daemon depot' $p $r
    # A fault at each mutating call of the converge run (esxcli applies by their depot, so
    # the driver's and the daemon's install each fail once), then the resumed run.
    $seen = @{}
    $n = 0
    foreach ($call in @($conv.calls)) {
        $target = [string]$call['target']
        if ([string]$call['command'] -eq 'esxcli software component apply') { $target = [string]$call['parameters']['depot'] }
        $key = '{0}|{1}|{2}' -f $call['command'], $call['target'], $target
        if ($seen.ContainsKey($key)) { continue }
        $seen[$key] = $true
        $n++
        $s = Copy-VmwState -State $s0
        Add-ScenarioFault -State $s -Command ([string]$call['command']) -Target $target
        $rf = Invoke-TwinRun -State $s -Script $D.Script -ScriptArgs $D.ScriptArgs -TimeoutSeconds 600
        & $verdict ('daemon-update fault ' + $key) (Get-VmwFaultProblems $s0 $rf) $rf
        $again = Invoke-TwinRun -State $rf.state -Script $D.Script -ScriptArgs $D.ScriptArgs -TimeoutSeconds 600
        $before = Get-VmwPower $s0
        $ps = @(Get-VmwDaemonConvergeProblems $D $s0 $again | ForEach-Object { $_ } | Where-Object {
                $line = $_
                -not (@($before.Keys | Where-Object { $line -like ('VM {0} is PoweredOff, was PoweredOn' -f $_) -and (Test-Named $rf @($_) 'left off') }))
            })
        & $verdict ('daemon-update resume after ' + $key) $ps $again
    }
    Write-Host ('  {0}: daemon-update {1} fault scenarios' -f $D.Name, $n)
    Invoke-VmwDaemonPlanted -C $C -Start $Start -D $D
}

# Planted faults in the daemon install; the check named must catch each.
function Invoke-VmwDaemonPlanted {
    param($C, $Start, $D)
    $plants = @(
        @{ Name = 'the daemon is not installed'; Find = '-Depot (Get-VgpucRolloutVmwDaemonDepot -DaemonDepotPath $DaemonDepotPath -Release ([string]$h.ToRelease)) -Declined'; Put = "-Depot '' -Declined"; Check = 'converge' }
        @{ Name = 'a host with the daemon of another release is not refused without its depot'; Find = '} elseif ($daemonDepot -eq '''' -and $null -ne $d -and'; Put = '} elseif ($false -and $null -ne $d -and'; Check = 'preflight' }
        @{ Name = 'a done host is taken as not done (the daemon reinstalled on a rerun)'; Find = '            -not (Test-VgpucRolloutVmwDriver -Version $r.DaemonVersion -Driver $mine[$mine.Count - 1].Host.ToDriver)) {'; Put = '            $true) {'; Check = 'converge' }
    )
    $text = [System.IO.File]::ReadAllText($D.Script)
    foreach ($pl in $plants) {
        $n = ([regex]::Matches($text, [regex]::Escape($pl.Find))).Count
        if ($n -ne 1) {
            Write-Verdict $D.Name ('daemon-update planted: ' + $pl.Name) @(('the planted text occurs {0} times in the script, not once' -f $n)) $null
            continue
        }
        $path = [System.IO.Path]::ChangeExtension($D.Script, '.planted.ps1')
        [System.IO.File]::WriteAllText($path, $text.Replace($pl.Find, $pl.Put))
        $caught = @()
        if ($pl.Check -eq 'converge') {
            $caught = @(Invoke-VmwDaemonUpdateChecks -C $C -Start $Start -Script $path -Quiet)
        } else {
            $r = Invoke-TwinRun -State $D.State -Script $path -ScriptArgs @{ Server = 'vc01'; DepotPath = $D.ScriptArgs.DepotPath } -TimeoutSeconds 600
            $caught = @(Get-VmwRefusalProblems $r @('nvd-gpu-mgmt-daemon') 'DaemonDepotPath')
        }
        $caught = @($caught | ForEach-Object { $_ })
        $p = @()
        if ($caught.Count -eq 0) { $p += 'the {0} check did not catch it' -f $pl.Check }
        else { Write-Host ('  {0}: planted "{1}" caught: {2}' -f $D.Name, $pl.Name, $caught[0]) }
        Write-Verdict $D.Name ('daemon-update planted: ' + $pl.Name) $p $null
        Remove-Item -LiteralPath $path
    }
}

# The planted fault of the twin (hosts[].stale_module_after_reboot): the first host of the
# plan reboots, but its old nvidia module stays loaded. The verify must fail (exit 1), name
# the host and the module, leave the host in maintenance mode with a line saying so, every VM
# in its power state or named; the rerun (the next reboot loads the module) converges.
function Get-VmwStaleModuleProblems {
    param($C, $Start, [string]$Script)
    $first = @($C.ExpectDriver.Keys | Sort-Object)[0]
    $s = Copy-VmwState -State $Start
    (Get-VmwHost -State $s -Name $first)['stale_module_after_reboot'] = $true
    $r = Invoke-TwinRun -State $s -Script $Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    $fp = Get-VmwFaultProblems $Start $r
    foreach ($x in $fp) { $p.Add($x) }
    if (-not (Test-Named $r @($first, 'module loaded: version') 'stays in maintenance mode')) { $p.Add(('no line says the verify of {0} failed on the loaded module' -f $first)) }
    if ([string](Get-VmwHost -State $r.state -Name $first)['connection_state'] -ne 'Maintenance') { $p.Add(('host {0} is {1}: it must stay in maintenance mode' -f $first, (Get-VmwHost -State $r.state -Name $first)['connection_state'])) }
    if ($p.Count -eq 0) {
        $again = Invoke-TwinRun -State $r.state -Script $Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $before = Get-VmwPower $Start
        $cp = Get-VmwConvergeProblems $C $Start $again
        foreach ($x in $cp) {
            $line = $x
            if (@($before.Keys | Where-Object { $line -like ('VM {0} is PoweredOff, was PoweredOn' -f $_) -and (Test-Named $r @($_) 'left off') }).Count -gt 0) { continue }
            $p.Add('rerun: ' + $x)
        }
    }
    [pscustomobject]@{ Problems = $p.ToArray(); Result = $r }
}

# A host other than the one being upgraded fails (the twin's node-failure fault: the host
# stops responding, vSphere HA restarts its VMs where they can start) at three points of the
# first host step: before the drain (at its first vMotion; the host failing is where that VM
# goes), during the drain (as the drained host enters maintenance mode; the host failing is
# where the last VMs went), after the reboot (as the upgraded host leaves maintenance mode; a
# host outside the step that runs VMs). The run stops (exit 1) with the cluster serviceable:
# no host left in maintenance mode unless a line says so, every VM running, or named in a
# warning, or taken down by the failure itself; the invariants hold (no vGPU failed to load,
# no VM the plan vMotions went down because of the script). The host comes back, and the
# script run again converges.
# The host-failure checks of the first host step of a converge run (the batch of its hosts
# with --hosts-at-once): Invoke-VmwStepFailureChecks with -Step 0, on the given converge run.
function Invoke-VmwHostFailureChecks {
    param($C, $Start, $Conv)
    Invoke-VmwStepFailureChecks -C $C -Start $Start -Step 0 -Expect 5 -Conv $Conv
}

# ---- vSphere host batches (--hosts-at-once N; docs/rollout.md) ---------------------------
# The hosts of a batch go through each phase together: the twin's hosts take reboot_seconds
# (the case's RebootSeconds) on the virtual clock to come back, and record each reboot
# (`host-reboot` events, down and up), so a script that reboots them one after another is
# seen. The batches of the case: the host steps of its plan with more than one host.
function Get-VmwBatches {
    param($C)
    $plan = Get-Content -Raw -LiteralPath (Join-Path (Join-Path $Work $C.Name) 'plan.json') | ConvertFrom-Json
    $list = [System.Collections.Generic.List[object]]::new()
    foreach ($s in @($plan.clusters[0].steps)) {
        if ($s.kind -eq 'hosts' -and @($s.hosts).Count -gt 1) { $list.Add([string[]]@($s.hosts | ForEach-Object { [string]$_.name })) }
    }
    $list.ToArray()
}

# In a run, every batch: each host enters maintenance mode before any host of the batch
# installs (and before any leaves maintenance mode), so all are in it at the same time;
# each reboots once, and the reboots overlap (the last one goes down before the first one is
# back): the batch is down for about one reboot, not N.
function Get-VmwBatchProblems {
    param($C, $Result)
    $p = [System.Collections.Generic.List[string]]::new()
    $calls = @($Result.calls)
    $batches = @(Get-VmwBatches $C)
    if ($batches.Count -eq 0) { $p.Add('the plan has no batch of more than one host'); return , $p }
    foreach ($b in $batches) {
        $label = $b -join ', '
        $enter = @{}
        $firstInstall = -1
        $firstExit = -1
        for ($i = 0; $i -lt $calls.Count; $i++) {
            $t = [string]$calls[$i]['target']
            if ($b -notcontains $t) { continue }
            $cmd = [string]$calls[$i]['command']
            $state = if ($cmd -eq 'Set-VMHost') { [string]$calls[$i]['parameters']['State'] } else { '' }
            if ($state -eq 'Maintenance' -and -not $enter.ContainsKey($t)) { $enter[$t] = $i }
            if ($cmd -eq 'esxcli software component apply' -and $firstInstall -lt 0) { $firstInstall = $i }
            if ($state -eq 'Connected' -and $firstExit -lt 0) { $firstExit = $i }
        }
        if ($firstInstall -lt 0) { $p.Add(('batch {0}: no host installed the component' -f $label)) }
        foreach ($h in $b) {
            if (-not $enter.ContainsKey($h)) { $p.Add(('batch {0}: {1} never entered maintenance mode' -f $label, $h)); continue }
            if ($firstInstall -ge 0 -and $enter[$h] -gt $firstInstall) {
                $p.Add(('batch {0}: {1} entered maintenance mode (call {2}) after the batch''s first install (call {3}): the hosts were not all in maintenance mode before either installed' -f $label, $h, ($enter[$h] + 1), ($firstInstall + 1)))
            }
            if ($firstExit -ge 0 -and $enter[$h] -gt $firstExit) {
                $p.Add(('batch {0}: {1} entered maintenance mode (call {2}) after a host of the batch left it (call {3})' -f $label, $h, ($enter[$h] + 1), ($firstExit + 1)))
            }
        }
        # Maintenance mode entered together (the twin's host-maintenance events, on the virtual
        # clock): the last host of the batch started entering before the first one was in.
        $mm = @(@($Result.state['events']) | Where-Object { $null -ne $_ -and $_['kind'] -eq 'host-maintenance' -and $b -contains [string]$_['host'] })
        $timed = @($C.State['hosts'] | Where-Object { $b -contains [string]$_['name'] -and $_.Contains('maintenance_seconds') -and [int]$_['maintenance_seconds'] -gt 0 }).Count -eq $b.Count
        if ($timed -and $mm.Count -gt 0) {
            $lastStart = ($mm | ForEach-Object { [double]$_['start'] } | Measure-Object -Maximum).Maximum
            $firstEnd = ($mm | ForEach-Object { [double]$_['end'] } | Measure-Object -Minimum).Minimum
            if ($mm.Count -ne $b.Count) { $p.Add(('batch {0}: {1} maintenance-mode entries for {2} hosts' -f $label, $mm.Count, $b.Count)) }
            elseif ($lastStart -ge $firstEnd) {
                $p.Add(('batch {0}: the maintenance-mode entries did not overlap (the last started at {1:N0} s, the first was in at {2:N0} s): one after another, not together' -f $label, $lastStart, $firstEnd))
            }
        } elseif ($timed) {
            $p.Add(('batch {0}: no maintenance-mode entry was recorded' -f $label))
        }
        $ev = @(@($Result.state['events']) | Where-Object { $null -ne $_ -and $_['kind'] -eq 'host-reboot' -and $b -contains [string]$_['host'] })
        foreach ($h in $b) {
            $n = @($ev | Where-Object { [string]$_['host'] -eq $h }).Count
            if ($n -ne 1) { $p.Add(('batch {0}: {1} rebooted {2} time(s), expected once' -f $label, $h, $n)) }
        }
        if ($ev.Count -eq $b.Count) {
            $lastDown = ($ev | ForEach-Object { [double]$_['down'] } | Measure-Object -Maximum).Maximum
            $firstUp = ($ev | ForEach-Object { [double]$_['up'] } | Measure-Object -Minimum).Minimum
            if ($lastDown -ge $firstUp) {
                $p.Add(('batch {0}: the reboots did not overlap (the last host went down at {1:N0} s, the first was back at {2:N0} s): one after another, not together' -f $label, $lastDown, $firstUp))
            }
        }
    }
    , $p
}

# The batch checks of a case (Checks 'batch'): the order of the converge run; a host of the
# first batch failing (the node-failure fault) as it is to enter maintenance mode, and as it
# is to reboot while the other hosts of the batch are rebooting; and the plants.
function Invoke-VmwBatchChecks {
    param($C, $Start, $Conv)
    if ($null -eq $Conv) { $Conv = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600 }
    Write-Verdict $C.Name 'batch: the hosts of each batch are in maintenance mode together before either installs, and reboot together' (Get-VmwBatchProblems $C $Conv) $Conv
    $ev = @(@($Conv.state['events']) | Where-Object { $null -ne $_ -and $_['kind'] -eq 'host-reboot' })
    if ($ev.Count -gt 0) {
        $down = ($ev | ForEach-Object { [double]$_['up'] - [double]$_['down'] } | Measure-Object -Sum).Sum
        Write-Host ('  {0}: {1} reboots, {2:N0} s of host reboots in all, hosts rebooting during {3:N0} s of the run' -f $C.Name, $ev.Count, $down, (Get-VmwRebootSpan $ev))
    }
    Invoke-VmwBatchHostFailureChecks -C $C -Start $Start -Conv $Conv
    $t = Get-VmwBatchTimeoutProblems -C $C -Start $Start -Script $C.Script
    Write-Verdict $C.Name 'batch: hosts not back within -RestartTimeoutSeconds are named, left in maintenance mode, and the rerun converges' $t.Problems $t.Result
    Invoke-VmwBatchPlanted -C $C -Start $Start
}

# The first batch's hosts take longer to reboot than -RestartTimeoutSeconds allows: exit 1,
# each named in a warning that it did not come back (it stays in maintenance mode), no later
# step; the next run (the reboots over, the default timeout) converges.
function Get-VmwBatchTimeoutProblems {
    param($C, $Start, [string]$Script)
    $b = @(Get-VmwBatches $C)[0]
    $sa = @{} + $C.ScriptArgs
    $sa['RestartTimeoutSeconds'] = 120
    $r = Invoke-TwinRun -State $Start -Script $Script -ScriptArgs $sa -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    if ($r.exit -ne 1) { $p.Add(('exit {0}, expected 1' -f $r.exit)) }
    foreach ($h in $b) {
        if (-not (Test-Named $r @($h, 'maintenance mode') 'WARNING.*did not come back')) { $p.Add(('no warning says {0} did not come back and stays in maintenance mode' -f $h)) }
    }
    foreach ($call in @($r.calls)) {
        if ($b -notcontains [string]$call['target'] -and [string]$call['command'] -eq 'Set-VMHost') { $p.Add(('{0} {1}: a later step started' -f $call['command'], $call['target'])) }
    }
    if ($p.Count -eq 0) {
        $again = Invoke-TwinRun -State $r.state -Script $Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        foreach ($x in (Get-VmwConvergeProblems $C $Start $again)) { $p.Add('rerun: ' + $x) }
    }
    [pscustomobject]@{ Problems = $p.ToArray(); Result = $r }
}

# The time during which at least one host was rebooting (the union of the reboot intervals).
function Get-VmwRebootSpan {
    param([object[]]$Events)
    $total = 0.0
    $end = -1.0
    foreach ($e in @($Events | Sort-Object -Property { [double]$_['down'] })) {
        $d = [double]$e['down']; $u = [double]$e['up']
        if ($d -ge $end) { $total += $u - $d; $end = $u }
        elseif ($u -gt $end) { $total += $u - $end; $end = $u }
    }
    $total
}

# A host of the first batch fails (the node-failure fault) at two points of its batch:
#   enter  as it is to enter maintenance mode, the other hosts of the batch in it already:
#          the step stops before any install, the others leave maintenance mode;
#   reboot as it is to reboot, the hosts before it rebooting already: those are waited
#          for, verified and leave maintenance mode; no later step starts.
# Each: exit 1, the failed host NotResponding, no other host left in maintenance mode
# unless a line says so, every VM running, or named in a warning, or taken down by the
# failure, the invariants. The host comes back (Connected, or in maintenance mode if it was
# in it) and the rerun converges.
function Invoke-VmwBatchHostFailureChecks {
    param($C, $Start, $Conv)
    $b = @(Get-VmwBatches $C)[0]
    $calls = @($Conv.calls)
    $node = $b[$b.Count - 1]
    $points = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $calls.Count; $i++) {
        $one = $calls[$i]
        if ([string]$one['target'] -ne $node) { continue }
        if ([string]$one['command'] -eq 'Set-VMHost' -and [string]$one['parameters']['State'] -eq 'Maintenance' -and @($points | Where-Object { $_.Why -eq 'enter' }).Count -eq 0) {
            $points.Add([pscustomobject]@{ Why = 'enter'; At = $i + 1; Back = 'Connected'; Text = 'as it is to enter maintenance mode' })
        }
        if ([string]$one['command'] -eq 'RebootHost' -and @($points | Where-Object { $_.Why -eq 'reboot' }).Count -eq 0) {
            $points.Add([pscustomobject]@{ Why = 'reboot'; At = $i + 1; Back = 'Maintenance'; Text = 'as it is to reboot, the other hosts of its batch rebooting' })
        }
    }
    if ($points.Count -ne 2) { Write-Verdict $C.Name 'batch host-failure: the failure points' @(('found {0} of the two points of {1} in the converge run' -f $points.Count, $node)) $null; return }
    $before = Get-VmwPower $Start
    foreach ($pt in $points) {
        $name = 'batch host-failure: {0} of batch {1} fails {2} (call {3})' -f $node, ($b -join ', '), $pt.Text, $pt.At
        $s = Copy-VmwState -State $Start
        $s['faults'] = @([ordered]@{ command = 'node-failure'; target = $node; at_call = $pt.At; times = 1 })
        $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $p = [System.Collections.Generic.List[string]]::new()
        if ($r.exit -ne 1) { $p.Add(('exit {0}, expected 1' -f $r.exit)) }
        if (-not (@($r.output) -match '^Summary:')) { $p.Add('no summary') }
        if ([string](Get-VmwHost -State $r.state -Name $node)['connection_state'] -ne 'NotResponding') { $p.Add(('host {0} did not fail: the fault did not fire' -f $node)) }
        $byFailure = @{}
        foreach ($e in @($r.state['events'])) { if ($e['kind'] -eq 'vm-down' -and $e['by'] -eq 'host failure') { $byFailure[[string]$e['vm']] = $true } }
        foreach ($x in @(Get-InvariantProblems $C $r.state)) { if ($x -notmatch 'went down \(host failure') { $p.Add($x) } }
        $rc = @($r.calls)
        for ($k = $pt.At; $k -lt $rc.Count; $k++) {
            $cmd = [string]$rc[$k]['command']
            # After the failure: nothing is installed on or moved onto the failed host, and
            # no host outside the batch is touched but to power VMs on (no later step).
            if ([string]$rc[$k]['target'] -eq $node -or ($cmd -eq 'Move-VM' -and [string]$rc[$k]['parameters']['Destination'] -eq $node)) { $p.Add(('call {0} {1} {2} after {3} failed' -f ($k + 1), $cmd, $rc[$k]['target'], $node)) }
            if ($pt.Why -eq 'enter' -and $cmd -eq 'esxcli software component apply') { $p.Add(('call {0}: {1} installed after a host of its batch failed before the install' -f ($k + 1), $rc[$k]['target'])) }
            if ($b -notcontains [string]$rc[$k]['target'] -and @('Start-VM', 'PowerOnVM', 'PowerOnVM_Task') -notcontains $cmd) { $p.Add(('call {0} {1} {2} of a later step, with {3} down' -f ($k + 1), $cmd, $rc[$k]['target'], $node)) }
        }
        foreach ($h in $b) {
            if ($h -eq $node) { continue }
            $hs = Get-VmwHost -State $r.state -Name $h
            if ([string]$hs['connection_state'] -ne 'Connected') { $p.Add(('host {0} of the batch is {1}, expected back out of maintenance mode' -f $h, $hs['connection_state'])) }
            if ($pt.Why -eq 'reboot') {
                $v = if ($null -ne $hs['nvidia_component']) { [string]$hs['nvidia_component']['version'] } else { '' }
                if (-not $v.StartsWith($C.ExpectDriver[$h] + '-') -or $hs.Contains('nvidia_loaded_version')) { $p.Add(('host {0} of the batch, rebooting as {1} failed, was not brought to driver {2}: component {3}' -f $h, $node, $C.ExpectDriver[$h], $v)) }
            }
        }
        $now = Get-VmwPower $r.state
        foreach ($v in $before.Keys) {
            if ($before[$v].State -eq 'PoweredOn' -and $now[$v].State -ne 'PoweredOn' -and -not $byFailure.ContainsKey($v) -and -not (Test-Named $r @($v) 'WARNING')) {
                $p.Add(('VM {0} is {1}, was PoweredOn, not taken down by the failure, and no warning names it' -f $v, $now[$v].State))
            }
        }
        foreach ($h in $r.state['hosts']) {
            if ([string]$h['connection_state'] -eq 'Maintenance' -and -not (Test-Named $r @([string]$h['name']) 'maintenance mode')) { $p.Add(('host {0} is left in maintenance mode and no line says so' -f $h['name'])) }
        }
        Write-Verdict $C.Name $name $p $r
        $back = Copy-VmwState -State $r.state
        $back['faults'] = @()
        (Get-VmwHost -State $back -Name $node)['connection_state'] = $pt.Back
        $again = Invoke-TwinRun -State $back -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $all = Get-VmwConvergeProblems $C $Start $again
        $ps = @($all | Where-Object {
                $line = $_
                -not (@($before.Keys | Where-Object { $line -like ('VM {0} is PoweredOff, was PoweredOn' -f $_) -and ($byFailure.ContainsKey($_) -or (Test-Named $r @($_) 'left off')) }))
            })
        Write-Verdict $C.Name ('resume after ' + $name) $ps $again
    }
}

# Copies of the script with one batch fault planted; the check named must catch each.
function Invoke-VmwBatchPlanted {
    param($C, $Start)
    $one = '$ok = $true' + "`n" + '                    foreach ($one in @($w.Hosts)) { if ($ok) { $ok = Invoke-VgpucRolloutVmwHostStep -Run $run -Connection $connection -Work ([pscustomobject]@{ Step = $w.Step; Done = $false; Hosts = @($one); Extra = @() }) -Plan $plan -DepotPath $DepotPath -DaemonDepotPath $DaemonDepotPath -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -RestartTimeoutSeconds $RestartTimeoutSeconds } }'
    $plants = @(
        @{ Name = 'the hosts of a batch one by one (each its own maintenance, install, reboot, wait)'; Check = 'batch'
            Find = '$ok = Invoke-VgpucRolloutVmwHostStep -Run $run -Connection $connection -Work $w -Plan $plan -DepotPath $DepotPath -DaemonDepotPath $DaemonDepotPath `' + "`n" + '                        -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -RestartTimeoutSeconds $RestartTimeoutSeconds'
            Put = $one }
        @{ Name = 'each maintenance-mode entry waited for before the next host starts its own'; Check = 'batch'
            Find = '$L.Add([pscustomobject]@{ Name = $N; VMHost = $H; Task = $task; State = ''''; InMaintenance = $false })'
            Put = '$L.Add([pscustomobject]@{ Name = $N; VMHost = $H; Task = $task; State = ''''; InMaintenance = $false }); $null = Wait-VgpucRolloutVmwMaintenance -Connection $C -Entering @($L[$L.Count - 1]) -TimeoutSeconds 1800' }
        @{ Name = 'maintenance mode entered synchronously (Set-VMHost without -RunAsync), one host after another'; Check = 'batch'
            Find = "-State 'Maintenance' -RunAsync -Server"
            Put = "-State 'Maintenance' -Server" }
        @{ Name = 'each reboot waited for before the next'; Check = 'batch'
            Find = '$spec[$rebooted[$rebooted.Count - 1].Name.ToLowerInvariant()] = $h'
            Put = '$spec[$rebooted[$rebooted.Count - 1].Name.ToLowerInvariant()] = $h; $null = Wait-VgpucVmwHostReboot -Connection $Connection -Rebooted @($rebooted[$rebooted.Count - 1]) -TimeoutSeconds $RestartTimeoutSeconds' }
        @{ Name = 'the one wait takes a host vCenter still shows as before its reboot (old boot time) for back'; Check = 'converge'
            Find = '($null -eq $r.Before -or ($null -ne $booted -and $booted -gt $r.Before))'
            Put = '$true' }
        @{ Name = 'a host not back in time is not named (the wait reports none late)'; Check = 'timeout'
            Find = '[string[]]@($left | ForEach-Object { [string]$_.Name })'
            Put = '[string[]]@()' }
        @{ Name = 'a host that fails while it reboots stops the verification of the other hosts of its batch'; Check = 'step-failure'
            Find = "                `$failures.Add(('{0}: {1}' -f `$n, `$msg))`n                continue`n            }`n            # Verify what runs"
            Put = "                `$failures.Add(('{0}: {1}' -f `$n, `$msg))`n                break`n            }`n            # Verify what runs" }
        @{ Name = 'a failed reboot stops the step without waiting for the hosts already rebooting'; Check = 'host-failure'
            Find = "`$failures.Add(('{0}: the reboot failed: {1}' -f `$n, `$_.Exception.Message))"
            Put = 'throw' }
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
        if ($pl.Check -eq 'batch') {
            $r = Invoke-TwinRun -State $Start -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $caught = @(Get-VmwBatchProblems $C $r | ForEach-Object { $_ })   # the list's lines, not the list
        } elseif ($pl.Check -eq 'converge') {
            $r = Invoke-TwinRun -State $Start -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $caught = @(Get-VmwConvergeProblems $C $Start $r | ForEach-Object { $_ })
        } elseif ($pl.Check -eq 'timeout') {
            $caught = @((Get-VmwBatchTimeoutProblems -C $C -Start $Start -Script $path).Problems)
        } else {
            $save = $script:Fail
            $savePass = $script:Pass
            $conv = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
            $pc = [pscustomobject]@{ Name = $C.Name; Script = $path; State = $C.State; ScriptArgs = $C.ScriptArgs; ExpectDriver = $C.ExpectDriver; ExpectHost = $C.ExpectHost; Live = $C.Live; Cluster = $C.Cluster }
            if ($pl.Check -eq 'step-failure') { $out = Invoke-VmwStepFailureChecks -C $pc -Start $Start -Step 0 -Expect 5 -Conv $conv 6>&1 }
            else { $out = Invoke-VmwBatchHostFailureChecks -C $pc -Start $Start -Conv $conv 6>&1 }
            $caught = @(@($out) | ForEach-Object { [string]$_ } | Where-Object { $_ -match '^(FAIL|    )' } | Select-Object -First 2)
            if ($script:Fail -eq $save) { $caught = @() }
            $script:Fail = $save
            $script:Pass = $savePass
        }
        $p = @()
        if ($caught.Count -eq 0) { $p += 'the {0} check did not catch it' -f $pl.Check }
        else { Write-Host ('  planted: {0}: caught: {1}' -f $pl.Name, (@($caught) -join ' / ')) }
        Write-Verdict $C.Name ('planted: ' + $pl.Name) $p $null
        Remove-Item -LiteralPath $path
    }
}

# A host failure in any host step of a converge run (-Step: 0 the first, 1 the second, as
# the run makes them: the hosts that enter maintenance mode with no host leaving it between
# them are one step, a batch with --hosts-at-once; a step begins where the previous one's
# hosts left maintenance mode), of a change (vGPU Manager) or of a drain alone (`--drain
# HOST`, no install): the failure points within that step. Before its drain (at its first
# vMotion, the host its last VMs go to fails); during the drain (at the step's first install,
# or, with none, its first reboot or exit from maintenance mode: the host its first VMs went
# to fails); as the drained host enters maintenance mode (the host its last VMs went to
# fails, HA restarts them on the still Connected host); after the reboot (a host outside the
# step that runs VMs); while it reboots (the step's first rebooted host fails as it goes down
# for its reboot and never comes back: the node-failure fault `while_rebooting`).
function Get-VmwStepFailurePoints {
    param($Calls, [int]$Step, $Start, $Final)
    $calls = @($Calls)
    $state = { param($k) [string]$calls[$k]['parameters']['State'] }
    $groups = [System.Collections.Generic.List[object]]::new()
    $open = $null
    for ($i = 0; $i -lt $calls.Count; $i++) {
        if ([string]$calls[$i]['command'] -ne 'Set-VMHost') { continue }
        $t = [string]$calls[$i]['target']
        if ((& $state $i) -eq 'Maintenance') {
            if ($null -eq $open) { $open = [pscustomobject]@{ Enter = $i; Hosts = [System.Collections.Generic.List[string]]::new() } }
            if (-not $open.Hosts.Contains($t)) { $open.Hosts.Add($t) }
        } elseif ((& $state $i) -eq 'Connected' -and $null -ne $open -and $open.Hosts.Contains($t)) {
            $groups.Add($open)
            $open = $null
        }
    }
    if ($null -ne $open) { $groups.Add($open) }
    $points = [System.Collections.Generic.List[object]]::new()
    if ($Step -ge $groups.Count) { return [pscustomobject]@{ Host = ''; Hosts = @(); Points = $points } }
    $g = $groups[$Step]
    $enter = $g.Enter
    $hosts = $g.Hosts.ToArray()
    # Where the step begins: after the last exit from maintenance mode of the previous step.
    $lo = 0
    if ($Step -gt 0) {
        for ($i = $enter - 1; $i -gt $groups[$Step - 1].Enter; $i--) {
            if ([string]$calls[$i]['command'] -eq 'Set-VMHost' -and (& $state $i) -eq 'Connected' -and $groups[$Step - 1].Hosts.Contains([string]$calls[$i]['target'])) { $lo = $i + 1; break }
        }
    }
    $firstMove = -1; $lastMove = -1; $install = -1; $reboot = -1; $exit = -1
    for ($i = $lo; $i -lt $enter; $i++) {
        if ([string]$calls[$i]['command'] -eq 'Move-VM') { if ($firstMove -lt 0) { $firstMove = $i }; $lastMove = $i }
    }
    for ($i = $enter + 1; $i -lt $calls.Count; $i++) {
        $cmd = [string]$calls[$i]['command']
        if ($hosts -notcontains [string]$calls[$i]['target']) { continue }
        if ($cmd -eq 'esxcli software component apply' -and $install -lt 0) { $install = $i }
        if ($cmd -eq 'RebootHost' -and $reboot -lt 0) { $reboot = $i }
        if ($cmd -eq 'Set-VMHost' -and (& $state $i) -eq 'Connected') { $exit = $i; break }
    }
    $dest = { param($k) [string]$calls[$k]['parameters']['Destination'] }
    if ($firstMove -ge 0) {
        $points.Add([pscustomobject]@{ Why = 'before the drain'; At = $firstMove + 1; Node = (& $dest $lastMove); Rebooting = $false })
        $during = if ($install -ge 0) { $install } elseif ($reboot -ge 0) { $reboot } else { $exit }
        if ($during -ge 0) { $points.Add([pscustomobject]@{ Why = 'during the drain'; At = $during + 1; Node = (& $dest $firstMove); Rebooting = $false }) }
        $points.Add([pscustomobject]@{ Why = 'as the drained host enters maintenance mode'; At = $enter + 1; Node = (& $dest $lastMove); Rebooting = $false })
    }
    if ($reboot -ge 0 -and $reboot + 1 -lt $calls.Count) {
        $busy = @{}
        foreach ($v in $Final['vms']) { if ([string]$v['power_state'] -eq 'PoweredOn') { $busy[[string]$v['host']] = $true } }
        $other = @($Start['hosts'] | ForEach-Object { [string]$_['name'] } | Where-Object { $hosts -notcontains $_ -and $busy.ContainsKey($_) })
        if ($other.Count -gt 0) { $points.Add([pscustomobject]@{ Why = 'after the reboot'; At = $reboot + 2; Node = $other[0]; Rebooting = $false }) }
    }
    if ($reboot -ge 0) {
        $points.Add([pscustomobject]@{ Why = 'while it reboots'; At = $reboot + 1; Node = [string]$calls[$reboot]['target']; Rebooting = $true })
    }
    [pscustomobject]@{ Host = $hosts[0]; Hosts = $hosts; Points = $points }
}

# Each failure point of a host step: the run stops (exit 1, a summary) with the cluster
# serviceable (no host left in maintenance mode unless a line says so; every VM running, or
# named in a warning, or taken down by the failure); the invariants hold; no VM is moved onto
# the failed host after it failed; after the reboot (and while it reboots) no call of a later
# step runs while the host is down. A host that fails while it reboots is named in a warning
# that it stays in maintenance mode, and the other hosts of its batch are finished (out of
# maintenance mode, on the new driver). The host comes back (a host that failed rebooting
# comes back in maintenance mode, as it rebooted from it) and the script run again converges
# (VMs the failure took down, or a warning left off, excused). -Conv: the converge run of the
# case, when the caller has it.
function Invoke-VmwStepFailureChecks {
    param($C, $Start, [int]$Step, [int]$Expect, $Conv = $null)
    $conv = $Conv
    if ($null -eq $conv) {
        $conv = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        Write-Verdict $C.Name 'converge' (Get-VmwConvergeProblems $C $Start $conv) $conv
    }
    $found = Get-VmwStepFailurePoints -Calls $conv.calls -Step $Step -Start $Start -Final $conv.state
    $stepHosts = @($found.Hosts)
    $stepHost = $stepHosts -join ', '
    if ($found.Points.Count -ne $Expect) {
        Write-Verdict $C.Name ('host-failure in host step {0}: the failure points' -f ($Step + 1)) @(('found {0} of the {1} points in the converge run: {2}' -f $found.Points.Count, $Expect, ((@($found.Points) | ForEach-Object { $_.Why }) -join ', '))) $conv
    }
    $before = Get-VmwPower $Start
    foreach ($pt in $found.Points) {
        $name = 'host-failure in host step {0} ({1}) {2} ({3} at call {4})' -f ($Step + 1), $stepHost, $pt.Why, $pt.Node, $pt.At
        $s = Copy-VmwState -State $Start
        if ($pt.Rebooting) { $s['faults'] = @([ordered]@{ command = 'node-failure'; target = $pt.Node; while_rebooting = $true; times = 1 }) }
        else { $s['faults'] = @([ordered]@{ command = 'node-failure'; target = $pt.Node; at_call = $pt.At; times = 1 }) }
        $r = Invoke-TwinRun -State $s -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        $p = [System.Collections.Generic.List[string]]::new()
        if ($r.exit -ne 1) { $p.Add(('exit {0}, expected 1' -f $r.exit)) }
        if (-not (@($r.output) -match '^Summary:')) { $p.Add('no summary') }
        if ([string](Get-VmwHost -State $r.state -Name $pt.Node)['connection_state'] -ne 'NotResponding') { $p.Add(('host {0} did not fail: the fault did not fire' -f $pt.Node)) }
        $byFailure = @{}
        foreach ($e in @($r.state['events'])) { if ($e['kind'] -eq 'vm-down' -and $e['by'] -eq 'host failure') { $byFailure[[string]$e['vm']] = $true } }
        foreach ($x in @(Get-InvariantProblems $C $r.state)) { if ($x -notmatch 'went down \(host failure') { $p.Add($x) } }
        $rc = @($r.calls)
        $late = @('after the reboot', 'while it reboots') -contains $pt.Why
        for ($k = 0; $k -lt $rc.Count; $k++) {
            $call = $rc[$k]
            if (@('ShutdownGuest', 'Stop-VM', 'PowerOffVM', 'PowerOffVM_Task') -contains [string]$call['command'] -and $C.Live.ContainsKey([string]$call['target'])) {
                $p.Add(('VM {0} is moved with vMotion by the plan but the script took it down ({1})' -f $call['target'], $call['command']))
            }
            # Calls after the one the failure came with (number At): none moves a VM onto the failed host.
            if ([string]$call['command'] -eq 'Move-VM' -and [string]$call['parameters']['Destination'] -eq $pt.Node -and $k -ge $pt.At) {
                $p.Add(('VM {0} was moved onto {1} after it failed' -f $call['target'], $pt.Node))
            }
            # After (or during) the reboot: the step ends (its hosts leave maintenance mode, VMs
            # that stayed down start); no later step starts while a host of the cluster is down.
            if ($late -and $k -ge $pt.At -and -not ($stepHosts -contains [string]$call['target'] -or @('Start-VM', 'PowerOnVM', 'PowerOnVM_Task') -contains [string]$call['command'])) {
                $p.Add(('call {0} {1} {2} of a later step, with {3} down' -f ($k + 1), $call['command'], $call['target'], $pt.Node))
            }
            if ($pt.Rebooting -and $k -ge $pt.At -and [string]$call['target'] -eq $pt.Node) {
                $p.Add(('call {0} {1} on {2} after it failed rebooting' -f ($k + 1), $call['command'], $pt.Node))
            }
        }
        if ($pt.Rebooting) {
            if (-not (Test-Named $r @($pt.Node, 'maintenance mode') 'WARNING')) { $p.Add(('no warning names {0} as left in maintenance mode' -f $pt.Node)) }
            foreach ($h in $stepHosts) {
                if ($h -eq $pt.Node) { continue }
                $hs = Get-VmwHost -State $r.state -Name $h
                if ([string]$hs['connection_state'] -ne 'Connected') { $p.Add(('host {0} of the batch is {1}, expected finished and out of maintenance mode' -f $h, $hs['connection_state'])) }
            }
        }
        $now = Get-VmwPower $r.state
        foreach ($v in $before.Keys) {
            if ($before[$v].State -eq 'PoweredOn' -and $now[$v].State -ne 'PoweredOn' -and -not $byFailure.ContainsKey($v) -and -not (Test-Named $r @($v) 'WARNING')) {
                $p.Add(('VM {0} is {1}, was PoweredOn, not taken down by the failure, and no warning names it' -f $v, $now[$v].State))
            }
        }
        foreach ($h in $r.state['hosts']) {
            if ([string]$h['connection_state'] -eq 'Maintenance' -and -not (Test-Named $r @([string]$h['name']) 'maintenance mode')) {
                $p.Add(('host {0} is left in maintenance mode and no line says so' -f $h['name']))
            }
        }
        Write-Verdict $C.Name $name $p $r
        if ($env:VGPUC_DEBUG_NODEFAIL) { Write-Host "== $name"; foreach ($l in @($r.output)) { Write-Host ('    | ' + $l) } }
        $back = Copy-VmwState -State $r.state
        $back['faults'] = @()
        $backState = 'Connected'
        if ($pt.Rebooting) { $backState = 'Maintenance' }
        (Get-VmwHost -State $back -Name $pt.Node)['connection_state'] = $backState
        $again = Invoke-TwinRun -State $back -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
        # Excused: VMs the failure took down (their owners start them) or a warning left
        # off; a VM vSphere HA restarted that no step of the plan moves stays where HA put it.
        $all = Get-VmwConvergeProblems $C $Start $again
        $ps = @($all | Where-Object {
                $line = $_
                -not (@($before.Keys | Where-Object { $line -like ('VM {0} is PoweredOff, was PoweredOn' -f $_) -and ($byFailure.ContainsKey($_) -or (Test-Named $r @($_) 'left off')) })) -and
                -not (@($byFailure.Keys | Where-Object { -not $C.ExpectHost.ContainsKey($_) -and $line -like ('VM {0} is on {1}, the plan puts it on *' -f $_, $now[$_].Host) }))
            })
        foreach ($x in @(Get-InvariantProblems $C $again.state)) { if ($x -notmatch 'went down \(host failure' -and $x -notmatch 'failed to load') { $ps += $x } }
        Write-Verdict $C.Name ('resume after ' + $name) $ps $again
    }
    Write-Host ('  {0}: {1} host-failure scenarios in host step {2}' -f $C.Name, $found.Points.Count, ($Step + 1))
}

# A copy of the script with one fault planted, judged by the host-failure checks of a step
# (Invoke-VmwStepFailureChecks): they must fail on it.
function Invoke-VmwStepFailurePlant {
    param($C, $Start, [int]$Step, [int]$Expect, [string]$Name, [string]$Find, [string]$Put)
    $text = [System.IO.File]::ReadAllText($C.Script)
    $n = ([regex]::Matches($text, [regex]::Escape($Find))).Count
    if ($n -ne 1) { Write-Verdict $C.Name ('planted: ' + $Name) @(('the planted text occurs {0} times in the script, not once' -f $n)) $null; return }
    $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
    [System.IO.File]::WriteAllText($path, $text.Replace($Find, $Put))
    $save = $script:Fail
    $savePass = $script:Pass
    $conv = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
    $pc = [pscustomobject]@{ Name = $C.Name; Script = $path; State = $C.State; ScriptArgs = $C.ScriptArgs; ExpectDriver = $C.ExpectDriver; ExpectHost = $C.ExpectHost; Live = $C.Live; Cluster = $C.Cluster }
    $out = Invoke-VmwStepFailureChecks -C $pc -Start $Start -Step $Step -Expect $Expect -Conv $conv 6>&1
    $caught = @(@($out) | ForEach-Object { [string]$_ } | Where-Object { $_ -match '^(FAIL|    )' } | Select-Object -First 2)
    if ($script:Fail -eq $save) { $caught = @() }
    $script:Fail = $save
    $script:Pass = $savePass
    Remove-Item -LiteralPath $path
    $p = @()
    if ($caught.Count -eq 0) { $p += 'the host-failure check did not catch it' }
    else { Write-Host ('  planted: {0}: caught: {1}' -f $Name, (@($caught) -join ' / ')) }
    Write-Verdict $C.Name ('planted: ' + $Name) $p $null
}

# The owners upgrade the guest drivers of a plan's guest step inside the VMs of a
# vSphere state, except the VMs named in -Except (a guest not upgraded).
function Set-VmwGuestStepDone {
    param($State, $Step, [string[]]$Except = @())
    $names = @{}
    foreach ($v in $Step.vms) { $names[[string]$v.name] = $true }
    foreach ($v in @($State['vms'])) {
        $n = [string]$v['name']
        if (-not $names.ContainsKey($n) -or $Except -contains $n -or -not $v.Contains('guest') -or $null -eq $v['guest']) { continue }
        $v['guest']['driver'] = if ($v['guest']['os'] -eq 'linux') { [string]$Step.guest_driver.to.linux_driver } else { [string]$Step.guest_driver.to.windows_driver }
    }
}

# The lines of a run that name a VM still to upgrade, as 'vm' => line.
function Get-VmwGuestLeft {
    param($Result)
    $m = @{}
    foreach ($l in @($Result.output)) {
        if ([string]$l -match '^\s*still to upgrade: (\S+) ') { $m[$Matches[1]] = [string]$l }
    }
    $m
}

# The guest phase on vSphere (docs/rollout.md): with -GuestCredential the script reads each
# guest's driver through VMware Tools (Invoke-VMScript in the twin) and names the VMs still to
# upgrade; a guest whose driver was not upgraded is named, and only it; wrong credentials and
# a powered-off guest are named with why; once all run the new driver the step is done.
function Invoke-VmwGuestChecks {
    param($C, $Start)
    $gs = $C.PlanGuestSteps[0]
    $names = @($gs.vms | ForEach-Object { [string]$_.name })
    $from = [string]$gs.guest_driver.from.linux_driver
    $to = [string]$gs.guest_driver.to.linux_driver
    $withCred = @{} + $C.ScriptArgs
    $withCred['GuestCredential'] = New-GuestCredential
    # 1. The whole rollout with guest credentials: the hosts converge; every guest still runs
    #    the old driver, so each VM of the guest step is named with what it runs and needs.
    $r1 = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $withCred -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    foreach ($x in (Get-VmwConvergeProblems $C $Start $r1)) { $p.Add([string]$x) }
    $left = Get-VmwGuestLeft $r1
    foreach ($n in $names) {
        if (-not $left.ContainsKey($n)) { $p.Add(('{0} is not named as still to upgrade' -f $n)); continue }
        if ($left[$n] -notmatch [regex]::Escape(('runs {0}; needs {1}' -f $from, $to))) { $p.Add(('the line of {0} does not say it runs {1} and needs {2}: {3}' -f $n, $from, $to, $left[$n])) }
    }
    if ($left.Count -ne $names.Count) { $p.Add(('{0} VMs named as still to upgrade, the step has {1}' -f $left.Count, $names.Count)) }
    Write-Verdict $C.Name 'guests: converge with -GuestCredential names every VM still to upgrade' $p $r1
    # 2. Planted in the twin: the owners upgraded every guest but one.
    $odd = $names[[int]($names.Count / 2)]
    $s2 = Copy-VmwState -State $r1.state
    Set-VmwGuestStepDone -State $s2 -Step $gs -Except @($odd)
    $log = Join-Path $Work ('{0}-guests.log.json' -f $C.Name)
    $sa = @{} + $withCred
    $sa['LogPath'] = $log
    $r2 = Invoke-TwinRun -State $s2 -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    $left = Get-VmwGuestLeft $r2
    if (@($left.Keys) -join ',' -ne $odd) { $p.Add(('named as still to upgrade: {0}; expected only {1}' -f ((@($left.Keys) | Sort-Object) -join ', '), $odd)) }
    elseif ($left[$odd] -notmatch [regex]::Escape(('runs {0}; needs {1}' -f $from, $to))) { $p.Add(('the line of {0}: {1}' -f $odd, $left[$odd])) }
    if ($r2.exit -ne 0 -or @($r2.calls).Count -ne 0) { $p.Add(('exit {0}, {1} mutating calls; expected 0 and none' -f $r2.exit, @($r2.calls).Count)) }
    $steps = @((Get-Content -Raw -LiteralPath $log | ConvertFrom-Json).steps | Where-Object { $_.step -eq ('step {0} (guests)' -f $gs.index) })
    if ($steps.Count -ne 1 -or $steps[0].status -ne 'skipped' -or $steps[0].message -notmatch ('1 of {0} VM' -f $names.Count)) { $p.Add(('the log does not record the guest step as 1 of {0} VM(s) to upgrade: {1}' -f $names.Count, (($steps | ForEach-Object { $_.status + ': ' + $_.message }) -join '; '))) }
    Write-Verdict $C.Name ('guests: a guest not upgraded ({0}) is named, and only it' -f $odd) $p $r2
    # 3. Wrong credentials, and a guest powered off: named with why, nothing changed.
    $s3 = Copy-VmwState -State $s2
    $off = $names[0]
    @(Get-VmwVm -State $s3 -Name $off)[0]['power_state'] = 'PoweredOff'
    $bad = @{} + $C.ScriptArgs
    $bad['GuestCredential'] = New-GuestCredential -Password 'wrong'
    $r3 = Invoke-TwinRun -State $s3 -Script $C.Script -ScriptArgs $bad -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    $left = Get-VmwGuestLeft $r3
    if ($left.Count -ne $names.Count) { $p.Add(('{0} VMs named, expected all {1}' -f $left.Count, $names.Count)) }
    if (-not (Test-Named $r3 @('still to upgrade', $names[1]) 'Failed to authenticate')) { $p.Add('no line names the credentials the guest refused') }
    if (-not (Test-Named $r3 @('still to upgrade', $off) 'PoweredOff')) { $p.Add(('no line says {0} is powered off' -f $off)) }
    if (@($r3.calls).Count -ne 0) { $p.Add(('{0} mutating calls' -f @($r3.calls).Count)) }
    Write-Verdict $C.Name 'guests: wrong credentials and a powered-off guest are named with why' $p $r3
    # 4. The owners upgrade the last one: the step is done, nothing named, nothing changed.
    $s4 = Copy-VmwState -State $s2
    Set-VmwGuestStepDone -State $s4 -Step $gs
    $r4 = Invoke-TwinRun -State $s4 -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
    $p = [System.Collections.Generic.List[string]]::new()
    if ((Get-VmwGuestLeft $r4).Count -ne 0) { $p.Add('VMs named as still to upgrade after every guest was upgraded') }
    if ($r4.exit -ne 0 -or @($r4.calls).Count -ne 0) { $p.Add(('exit {0}, {1} mutating calls' -f $r4.exit, @($r4.calls).Count)) }
    $steps = @((Get-Content -Raw -LiteralPath $log | ConvertFrom-Json).steps | Where-Object { $_.step -eq ('step {0} (guests)' -f $gs.index) })
    if ($steps.Count -ne 1 -or $steps[0].status -ne 'already right') { $p.Add(('the guest step is not recorded already right: {0}' -f (($steps | ForEach-Object { $_.status }) -join ', '))) }
    Write-Verdict $C.Name 'guests: every guest upgraded: the step is done' $p $r4
    # Planted in the script: the guest step counted done without reading the guests.
    $text = [System.IO.File]::ReadAllText($C.Script)
    $find = '$w.Done = $w.Guest.Done'
    $p = @()
    if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) {
        $p += 'the planted text does not occur once in the script'
    } else {
        $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
        [System.IO.File]::WriteAllText($path, $text.Replace($find, '$w.Done = $true'))
        $pr = Invoke-TwinRun -State $s2 -Script $path -ScriptArgs $withCred -TimeoutSeconds 600
        Remove-Item -LiteralPath $path
        if ((Get-VmwGuestLeft $pr).ContainsKey($odd)) { $p += ('the planted script still names {0}: the check cannot see it' -f $odd) }
    }
    Write-Verdict $C.Name 'planted: a guest step counted done without reading the guests is caught (the guest not upgraded goes unnamed)' $p $null
    if (Test-Path -LiteralPath $log) { Remove-Item -LiteralPath $log }
}

# A fault run: exit 1, a summary, every VM in its power state or a warning naming it, no host
# left in maintenance mode unless a line says so.
function Get-VmwFaultProblems {
    param($Start, $Result)
    $p = [System.Collections.Generic.List[string]]::new()
    if ($Result.exit -ne 1) { $p.Add(('exit {0}, expected 1' -f $Result.exit)) }
    if (-not (@($Result.output) -match '^Summary:')) { $p.Add('no summary') }
    $before = Get-VmwPower $Start
    $after = Get-VmwPower $Result.state
    foreach ($v in $before.Keys) {
        if ($after[$v].State -ne $before[$v].State -and -not (Test-Named $Result @($v) 'WARNING')) {
            $p.Add(('VM {0} is {1}, was {2}, and no warning says why' -f $v, $after[$v].State, $before[$v].State))
        }
    }
    # A warning, not the summary's "enter maintenance mode ... changed" line.
    foreach ($h in $Result.state['hosts']) {
        if ([string]$h['connection_state'] -eq 'Maintenance' -and -not (Test-Named $Result @([string]$h['name']) 'WARNING.*maintenance mode')) {
            $p.Add(('host {0} is left in maintenance mode and no warning says so' -f $h['name']))
        }
    }
    , $p
}

# A refusal: exit 1, zero mutating calls, a line naming the problem.
function Get-VmwRefusalProblems {
    param($Result, [string[]]$Tokens, [string]$Pattern)
    $p = @()
    if ($Result.exit -ne 1) { $p += 'exit {0}, expected 1' -f $Result.exit }
    if (@($Result.calls).Count -ne 0) { $p += '{0} mutating calls: {1}' -f @($Result.calls).Count, ((@($Result.calls) | Select-Object -First 5 | ForEach-Object { $_['command'] + ' ' + $_['target'] }) -join ', ') }
    if (-not (Test-Named $Result $Tokens $Pattern)) { $p += 'no line names {0} ({1})' -f ($Tokens -join ', '), $Pattern }
    , $p
}

function Get-VmwPreflightProblems {
    param($C)
    $sa = $C.ScriptArgs
    @(
        @{ Name = 'wrong-driver'; Tokens = @('esx-02', '535.247.01'); Pattern = 'expects'; Edit = { param($s) (Get-VmwHost -State $s -Name 'esx-02')['nvidia_component']['version'] = '535.247.01' + $script:VmwSuffix } }
        @{ Name = 'missing-vm'; Tokens = @('ml-03'); Pattern = 'does not exist'; Edit = { param($s) $s['vms'] = @(@($s['vms']) | Where-Object { $_['name'] -ne 'ml-03' }) } }
        @{ Name = 'duplicate-vm'; Tokens = @('ml-02'); Pattern = 'unique'; Edit = { param($s) $d = (Copy-VmwState -State @{ x = @(Get-VmwVm -State $s -Name 'ml-02')[0] })['x']; $d['name'] = 'ML-02'; $d['id'] = 'vm-9999'; $d['power_state'] = 'PoweredOff'; $d['devices'] = @(); $s['vms'] = @($s['vms']) + @($d) } }
        @{ Name = 'no-depot'; Tokens = @('18.4'); Pattern = 'DepotPath'; Args = @{ Server = 'vc01' }; Edit = { param($s) } }
        @{ Name = 'relative-depot'; Tokens = @('18.4', 'NVD.zip'); Pattern = 'absolute'; Args = @{ Server = 'vc01'; DepotPath = @{ '18.4' = 'NVD.zip' } }; Edit = { param($s) } }
        @{ Name = 'host-not-responding'; Tokens = @('esx-03', 'NotResponding'); Pattern = 'bring it back'; Edit = { param($s) (Get-VmwHost -State $s -Name 'esx-03')['connection_state'] = 'NotResponding' } }
        @{ Name = 'vm-on-a-drained-host'; Tokens = @('train-01', 'esx-01', 'step 1'); Pattern = 'does not move it'; Edit = { param($s) @(Get-VmwVm -State $s -Name 'train-01')[0]['host'] = 'esx-01' } }
        @{ Name = 'suspended-vm'; Tokens = @('ml-05', 'Suspended'); Pattern = 'suspended'; Edit = { param($s) @(Get-VmwVm -State $s -Name 'ml-05')[0]['power_state'] = 'Suspended' } }
        @{ Name = 'no-tools'; Tokens = @('train-01'); Pattern = 'VMware Tools'; Edit = { param($s) @(Get-VmwVm -State $s -Name 'train-01')[0]['tools_running'] = $false } }
        @{ Name = 'no-hot-migrate'; Tokens = @('vgpu.hotmigrate.enabled'); Pattern = 'not true'; Edit = { param($s) $s['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] = 'false' } }
    ) | ForEach-Object { $x = $_; if (-not $x.ContainsKey('Args')) { $x['Args'] = $sa }; $x }
}

# Copies of the script with one fault planted in its runtime; the check named must catch each.
function Invoke-VmwPlanted {
    param($C, $Start)
    $plants = @(
        @{ Name = 'VMs not moved before maintenance mode'; Find = "foreach (`$m in `$extra + @(`$s.Moves)) {`n            `$back = Invoke-VgpucRolloutVmwMove"; Put = "foreach (`$m in @()) {`n            `$back = Invoke-VgpucRolloutVmwMove"; Check = 'converge' }
        @{ Name = 'a VM promised to stay up is shut down and moved cold'; Find = "if (`$Move.How -eq 'live-migrate' -and `$running) {"; Put = 'if ($false) {'; Check = 'converge' }
        @{ Name = 'VMs that stayed down are not powered on again'; Find = 'foreach ($vm in $down) {'; Put = 'foreach ($vm in @()) {'; Check = 'converge' }
        @{ Name = 'a guest is powered off, not shut down'; Find = "`$view.ShutdownGuest()`n    Wait-VgpucVmwPowerState -Connection `$Connection -MoRef `$Vm"; Put = "`$view.PowerOffVM()`n    Wait-VgpucVmwPowerState -Connection `$Connection -MoRef `$Vm"; Check = 'converge' }
        @{ Name = 'a host is not taken out of maintenance mode'; Find = 'foreach ($n in $inMaintenance) {'; Put = 'foreach ($n in @()) {'; Check = 'fault' }
        @{ Name = 'a host on another driver is not refused'; Find = "        if (`$done -lt 0) {`n            `$expected"; Put = "        if (`$false) {`n            `$expected"; Check = 'preflight' }
        @{ Name = 'the host is not rebooted'; Find = '$view.RebootHost($false)'; Put = '$null = $view'; Check = 'converge' }
        @{ Name = 'a cluster managed by a vLCM image is not refused'; Find = 'if ($null -ne $managed -and [bool]$managed -and $releases.Count -gt 0) {'; Put = 'if ($false) {'; Check = 'vlcm' }
        @{ Name = 'the loaded module is not verified, only the installed component'; Find = "-not `$now.Loaded -or`n                -not (Test-VgpucRolloutVmwModule -Version `$now.Module -Driver `$h.ToDriver)"; Put = "-not `$now.Loaded -or`n                `$false"; Check = 'stale-module' }
        @{ Name = 'a host that failed is not seen before the next step'; Find = '$notReady = @(Test-VgpucRolloutVmwHostsReady -Connection $connection -Plan $plan -Work $w)'; Put = '$notReady = @()'; Check = 'host-failure' }
        @{ Name = 'a VM is moved onto a host that failed since the pre-flight'; Find = "if (`$destState -ne 'Connected') {"; Put = 'if ($false) {'; Check = 'host-failure' }
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
                $r = Invoke-TwinRun -State $Start -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                $caught = @(Get-VmwConvergeProblems $C $Start $r)
            }
            'fault' {
                # The install fails on a host in maintenance mode, which must leave it.
                $s = Copy-VmwState -State $Start
                Add-ScenarioFault -State $s -Command 'esxcli software component apply' -Target (@($C.ExpectDriver.Keys | Sort-Object)[0])
                $r = Invoke-TwinRun -State $s -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                $caught = @(Get-VmwFaultProblems $Start $r)
            }
            'preflight' {
                $s = Copy-VmwState -State $Start
                (Get-VmwHost -State $s -Name 'esx-02')['nvidia_component']['version'] = '535.247.01' + $script:VmwSuffix
                $r = Invoke-TwinRun -State $s -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                $caught = @(Get-VmwRefusalProblems $r @('esx-02', '535.247.01') 'expects')
            }
            'stale-module' {
                $caught = @((Get-VmwStaleModuleProblems -C $C -Start $Start -Script $path).Problems)
            }
            'host-failure' {
                $save = $script:Fail
                $savePass = $script:Pass
                $out = Invoke-VmwHostFailureChecks -C ([pscustomobject]@{ Name = $C.Name; Script = $path; State = $C.State; ScriptArgs = $C.ScriptArgs; ExpectDriver = $C.ExpectDriver; ExpectHost = $C.ExpectHost; Live = $C.Live; Cluster = $C.Cluster }) -Start $Start -Conv $null 6>&1
                $caught = @(1..($script:Fail - $save))
                if ($script:Fail -eq $save) { $caught = @() }
                $script:Fail = $save
                $script:Pass = $savePass
                $null = $out
            }
            'vlcm' {
                $s = Copy-VmwState -State $Start
                $s['clusters'][0]['image_managed'] = $true
                $r = Invoke-TwinRun -State $s -Script $path -ScriptArgs $C.ScriptArgs -TimeoutSeconds 600
                $caught = @(Get-VmwRefusalProblems $r @($C.Cluster, 'image') 'remediate')
            }
        }
        # The checks return their problems as one list (`, $p`): count its lines, not the list.
        $caught = @($caught | ForEach-Object { $_ })
        $p = @()
        if ($caught.Count -eq 0) { $p += 'the {0} check did not catch it' -f $pl.Check }
        Write-Verdict $C.Name ('planted: ' + $pl.Name) $p $null
        Remove-Item -LiteralPath $path
    }
}
