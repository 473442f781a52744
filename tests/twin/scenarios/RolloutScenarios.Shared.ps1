# RolloutScenarios.Shared.ps1 - the parts of the rollout scenarios (Invoke-RolloutScenarios.ps1,
# which dot-sources this file; docs/testing.md, "Rollout scenarios") that both platforms use:
# the verdicts, the vgpuc call, the guest drivers and the rollout's invariants, and the drain
# rerun and drain decline checks (-Platform hyperv or vmware). Not run on its own: it reads
# the caller's $Vgpuc, $Work, $Today and $script:Pass/$script:Fail.

function Write-Verdict {
    param([string]$Case, [string]$Check, [string[]]$Problems, $Result)
    if (@($Problems).Count -eq 0) {
        $script:Pass++
        return
    }
    $script:Fail++
    Write-Host ('FAIL {0} / {1}' -f $Case, $Check)
    foreach ($p in $Problems) { Write-Host ('    ' + $p) }
    if ($null -ne $Result) {
        Write-Host ('    error: {0}' -f $Result.error)
        foreach ($l in @($Result.output | Select-Object -Last 12)) { Write-Host ('    | ' + $l) }
    }
}

function Invoke-Vgpuc {
    param([string[]]$Arguments, [string]$Out)
    $a = @('rollout', '--no-config', '--today', $Today) + $Arguments
    $text = & $Vgpuc @a 2>&1
    if ($LASTEXITCODE -ne 0) { throw ('vgpuc {0} failed ({1}): {2}' -f ($a -join ' '), $LASTEXITCODE, ($text -join "`n")) }
}

function Test-Named {
    param($Result, [string[]]$Tokens, [string]$Pattern)
    foreach ($l in @($Result.output)) {
        $ok = $l -match $Pattern
        foreach ($t in $Tokens) { if ($l.IndexOf($t, [System.StringComparison]::OrdinalIgnoreCase) -lt 0) { $ok = $false } }
        if ($ok) { return $true }
    }
    $false
}

# --- Guest drivers and the rollout's invariants (tests/twin/README.md, "Guest drivers") ---

$script:GuestUser = 'vgpuc-twin\admin'
$script:GuestPassword = 'twin-guest-password'
function New-GuestCredential {
    param([string]$Password = $script:GuestPassword)
    [pscredential]::new($script:GuestUser, (ConvertTo-SecureString -String $Password -AsPlainText -Force))
}

# The catalog's releases as the twin's vgpu_compatibility table (host = the
# Windows and the Linux/ESXi vGPU Manager drivers, guest = the Windows and
# Linux guest drivers).
function Get-CompatibilityTable {
    if ($null -ne $script:CompatTable) { return $script:CompatTable }
    $text = & $Vgpuc catalog releases --format json 2>&1
    if ($LASTEXITCODE -ne 0) { throw "vgpuc catalog releases --format json failed: $text" }
    $cat = ($text -join "`n") | ConvertFrom-Json
    $rels = [System.Collections.Generic.List[object]]::new()
    $script:GuestDrivers = @{}
    foreach ($r in $cat.releases) {
        $d = $r.drivers
        $rels.Add([ordered]@{ release = [string]$r.release; lts = $r.lts; host = @(@($d.host_hyperv, $d.host_esxi) | Where-Object { $_ }); guest = @(@($d.guest_windows, $d.guest_linux) | Where-Object { $_ }) })
        $script:GuestDrivers[[string]$r.release] = @{ windows = [string]$d.guest_windows; linux = [string]$d.guest_linux }
    }
    $script:CompatTable = [ordered]@{ lts_pair_from = [string]$cat.compatibility.lts_pair_from; releases = $rels.ToArray() }
    $script:CompatTable
}

# Each GPU-P VM of CURRENT gets the guest driver its file declares (the
# catalog's driver of that release for its OS), guest credentials and
# PowerShell Direct; the state gets the compatibility table and an empty
# event list.
function Add-GuestDriverState {
    param($State, [string]$ModelJson)
    $State['vgpu_compatibility'] = Get-CompatibilityTable
    $State['events'] = @()
    $m = Get-Content -Raw -LiteralPath $ModelJson | ConvertFrom-Json
    $decl = @{}
    foreach ($v in @($m.cluster.vms)) {
        if ($null -ne $v.PSObject.Properties['guest_driver'] -and $null -ne $v.guest_driver -and @($v.guest_driver.releases).Count -gt 0) {
            $decl[[string]$v.name] = @{ Release = [string]@($v.guest_driver.releases)[0]; Os = [string]$v.os }
        }
    }
    foreach ($h in $State['hosts']) {
        foreach ($v in @($h['vms'] | Where-Object { $null -ne $_ })) {
            $d = $decl[[string]$v['name']]
            if ($null -eq $d -or @($v['gpu_partition_adapters']).Count -eq 0) { continue }
            $os = if ($d.Os -eq 'linux') { 'linux' } else { 'windows' }
            $v['guest'] = [ordered]@{ os = $os; driver = $script:GuestDrivers[$d.Release][$os]; user = $script:GuestUser; password = $script:GuestPassword; powershell_direct = $true }
        }
    }
    # A vSphere state: its VMs with a vGPU (VSphere.Model.ps1, Register-VTVmRunning).
    if ($State.Contains('vms')) {
        foreach ($v in @($State['vms'] | Where-Object { $null -ne $_ })) {
            $d = $decl[[string]$v['name']]
            if ($null -eq $d -or @($v['devices'] | Where-Object { $null -ne $_ -and $_['type'] -eq 'vgpu' }).Count -eq 0) { continue }
            $os = if ($d.Os -eq 'linux') { 'linux' } else { 'windows' }
            $v['guest'] = [ordered]@{ os = $os; driver = $script:GuestDrivers[$d.Release][$os]; user = $script:GuestUser; password = $script:GuestPassword }
        }
    }
}

# The owners upgrade the guest drivers of a plan's guest step inside the VMs
# (to the plan's driver for each VM's OS).
function Set-GuestStepDone {
    param($State, $Step)
    $names = @{}
    foreach ($v in $Step.vms) { $names[[string]$v.name] = $true }
    foreach ($h in $State['hosts']) {
        foreach ($v in $h['vms']) {
            if ($names.ContainsKey([string]$v['name']) -and $v.Contains('guest') -and $null -ne $v['guest']) {
                $v['guest']['driver'] = if ($v['guest']['os'] -eq 'linux') { [string]$Step.guest_driver.to.linux_driver } else { [string]$Step.guest_driver.to.windows_driver }
            }
        }
    }
}

# The owners do the guest step the script waits for: the first one of the
# plan whose VMs do not all run its driver yet.
function Set-NextGuestStepDone {
    param($State, $C)
    $now = @{}
    foreach ($h in $State['hosts']) { foreach ($v in $h['vms']) { if ($v.Contains('guest') -and $null -ne $v['guest']) { $now[[string]$v['name']] = [string]$v['guest']['driver'] } } }
    foreach ($gs in $C.PlanGuestSteps) {
        $left = @($gs.vms | Where-Object { $now[[string]$_.name] -ne $(if ($_.os -eq 'linux') { [string]$gs.guest_driver.to.linux_driver } else { [string]$gs.guest_driver.to.windows_driver }) })
        if ($left.Count -gt 0) {
            Set-GuestStepDone -State $State -Step $gs
            return
        }
    }
}

# The invariants over the twin's events: no vGPU failed to load, no VM the
# plan live-migrates went down.
function Get-InvariantProblems {
    param($C, $State)
    foreach ($e in @($State['events'])) {
        if ($e['kind'] -eq 'vgpu-load-failed') {
            'VM {0} ran on {1} with a vGPU that failed to load ({2})' -f $e['vm'], $e['host'], $e['message']
        }
        if ($e['kind'] -eq 'vm-down' -and $C.Live.ContainsKey([string]$e['vm'])) {
            'VM {0} is live-migrated by the plan but went down ({1} on {2})' -f $e['vm'], $e['by'], $e['host']
        }
    }
}

# A drain with no change: the rerun after success makes no mutating call when
# the earlier run's log (-LogPath) records the step done. -Platform vmware: the
# vSphere script (its converge check, maintenance mode for the drain).
function Invoke-DrainRerunChecks {
    param($C, $Start, [ValidateSet('hyperv', 'vmware')] [string]$Platform = 'hyperv')
    $log = Join-Path $Work ('{0}-log-{1}.json' -f $C.Name, [guid]::NewGuid().ToString('N'))
    $sa = @{} + $C.ScriptArgs
    $sa['LogPath'] = $log
    $r1 = Invoke-TwinRun -State $Start -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
    $converged = if ($Platform -eq 'vmware') { Get-VmwConvergeProblems $C $Start $r1 } else { Get-ConvergeProblems $C $Start $r1 }
    Write-Verdict $C.Name 'drain-rerun: converge with -LogPath' $converged $r1
    $r2 = Invoke-TwinRun -State $r1.state -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
    $p = @()
    if ($r2.exit -ne 0 -or @($r2.calls).Count -ne 0) { $p += 'rerun with the same log: exit {0}, {1} mutating calls: {2}' -f $r2.exit, @($r2.calls).Count, ((@($r2.calls) | Select-Object -First 4 | ForEach-Object { $_['command'] + ' ' + $_['target'] }) -join ', ') }
    Write-Verdict $C.Name 'drain-rerun: rerun with the same -LogPath makes no mutating call' $p $r2
    # The record survives a second rerun (each log carries it forward).
    $r3 = Invoke-TwinRun -State $r2.state -Script $C.Script -ScriptArgs $sa -TimeoutSeconds 600
    $p = @()
    if ($r3.exit -ne 0 -or @($r3.calls).Count -ne 0) { $p += 'second rerun: exit {0}, {1} mutating calls' -f $r3.exit, @($r3.calls).Count }
    Write-Verdict $C.Name 'drain-rerun: the record is carried forward' $p $r3
    $sa2 = @{} + $C.ScriptArgs
    $sa2['LogPath'] = $log + '.other.json'
    $r4 = Invoke-TwinRun -State $r1.state -Script $C.Script -ScriptArgs $sa2 -TimeoutSeconds 600
    $p = @()
    # The drain: Suspend-ClusterNode (Hyper-V), maintenance mode (vSphere).
    $drains = @($r4.calls | Where-Object { $_['command'] -eq 'Suspend-ClusterNode' -or ($_['command'] -eq 'Set-VMHost' -and [string]$_['parameters']['State'] -eq 'Maintenance') })
    if ($r4.exit -ne 0 -or $drains.Count -eq 0) { $p += 'with a new log the drain was not done again (exit {0})' -f $r4.exit }
    Write-Verdict $C.Name 'drain-rerun: a new log drains again' $p $r4
    # Planted: the record not read.
    $text = [System.IO.File]::ReadAllText($C.Script)
    $find = '$recorded = @(Read-VgpucRolloutRecord -LogPath $LogPath -Target ''{0} rollout'' -Rollout $Rollout -PlanId $planId)' -f $Platform
    $p = @()
    if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) {
        $p += 'the planted text does not occur once in the script'
    } else {
        $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
        [System.IO.File]::WriteAllText($path, $text.Replace($find, '$recorded = @()'))
        $pr = Invoke-TwinRun -State $r1.state -Script $path -ScriptArgs $sa -TimeoutSeconds 600
        Remove-Item -LiteralPath $path
        if (@($pr.calls).Count -eq 0) { $p += 'the rerun check did not catch a script that ignores its record' }
    }
    Write-Verdict $C.Name 'planted: the drain record not read' $p $null
    if ($Platform -eq 'vmware') {
        # A recorded host found in maintenance mode (put there since, or left
        # there): the record is not trusted, the step is done again and the
        # host leaves maintenance mode. Planted: the record trusted anyway.
        $drained = @(@($r1.calls) | Where-Object { $_['command'] -eq 'Set-VMHost' -and [string]$_['parameters']['State'] -eq 'Maintenance' } | ForEach-Object { [string]$_['target'] } | Select-Object -Unique)
        $check = {
            param([string]$Script)
            $s = Copy-VmwState -State $r1.state
            foreach ($h in $s['hosts']) { if ($drained -contains [string]$h['name']) { $h['connection_state'] = 'Maintenance' } }
            $r = Invoke-TwinRun -State $s -Script $Script -ScriptArgs $sa -TimeoutSeconds 600
            $ps = [System.Collections.Generic.List[string]]::new()
            foreach ($x in (Get-VmwConvergeProblems $C $Start $r)) { $ps.Add([string]$x) }
            foreach ($n in $drained) {
                $st = [string](Get-VmwHost -State $r.state -Name $n)['connection_state']
                if ($st -ne 'Connected') { $ps.Add(('host {0} is {1}: a recorded drain of a host in maintenance mode must be done again' -f $n, $st)) }
            }
            [pscustomobject]@{ Problems = $ps.ToArray(); Result = $r }
        }
        $p = @()
        if ($drained.Count -eq 0) { $p += 'the converge run put no host in maintenance mode' }
        $out = & $check $C.Script
        Write-Verdict $C.Name 'drain-rerun: a recorded host in maintenance mode is done again' (@($p) + @($out.Problems)) $out.Result
        $find = "`$plan.HostState[([string]`$h.Name).ToLowerInvariant()] -ne 'Maintenance' -and"
        $p = @()
        if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) {
            $p += 'the planted text does not occur once in the script'
        } else {
            $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
            [System.IO.File]::WriteAllText($path, $text.Replace($find, '$true -and'))
            $out = & $check $path
            Remove-Item -LiteralPath $path
            if (@($out.Problems).Count -eq 0) { $p += 'the maintenance check did not catch a script that trusts the record of a host in maintenance mode' }
        }
        Write-Verdict $C.Name 'planted: the record of a host in maintenance mode trusted' $p $null
    }
    foreach ($f in @($log, ($log + '.other.json'))) { if (Test-Path -LiteralPath $f) { Remove-Item -LiteralPath $f } }
    Invoke-DrainDeclineChecks -C $C -Start $Start -Platform $Platform
}

# The summary of a run with -Confirm that declined changes (the twin's -Decline): exit 0,
# as a run whose declined changes stop nothing ends today (the run is done without them),
# and the summary names each change answered No, target and step, as not done: after the
# counts, a line 'Declined (-Confirm answered No), N change(s) not made; ...', one line
# '  not done: TARGET: ACTION' per prompt answered No, and 'Result: done, except the N
# declined change(s) above.'
function Get-DeclineSummaryProblems {
    param($Result)
    if ($Result.exit -ne 0) { 'the run with a declined change ended exit {0}, expected 0 (done without it; error: {1})' -f $Result.exit, $Result.error }
    $lines = @((@($Result.output) -join "`n") -split "`r?`n")
    $head = -1
    $end = $lines.Count
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($head -lt 0 -and $lines[$i] -like 'Declined (-Confirm answered No), * change(s) not made; run the script again to make them:') { $head = $i }
        if ($head -ge 0 -and $i -gt $head -and $lines[$i] -like 'Result: *') { $end = $i; break }
    }
    $no = @(@($Result.prompts) | Where-Object { $_ -like 'No: *' })
    if ($head -lt 0) {
        'the summary has no line ''Declined (-Confirm answered No), ...'' naming the {0} declined change(s) as not done' -f $no.Count
        return
    }
    $named = @($lines | Select-Object -Skip ($head + 1) -First ($end - $head - 1) | Where-Object { $_ -like '  not done: *' })
    foreach ($q in $no) {
        $m = [regex]::Match([string]$q, 'Performing the operation "(.*)" on target "(.*)"\.$')
        if (-not $m.Success) { 'a prompt answered No names no operation and target: {0}' -f $q; continue }
        $want = '  not done: {0}: {1}' -f $m.Groups[2].Value, $m.Groups[1].Value
        if ($named -notcontains $want) { 'the summary does not name the declined change as not done: expected the line ''{0}'' under ''{1}''' -f $want, $lines[$head] }
    }
    if ($named.Count -ne $no.Count) { 'the summary names {0} declined change(s), the run answered No to {1} prompt(s)' -f $named.Count, $no.Count }
    $want = 'Result: done, except the {0} declined change(s) above.' -f $no.Count
    if ($end -ge $lines.Count -or $lines[$end] -ne $want) { 'the summary''s result is not ''{0}''' -f $want }
}

# Planted: the script with the lines of the summary that name each declined change
# removed (common.ps1's Write-VgpucSummary), run from -Start with the same -Decline; the
# summary check must catch it. Returns the verdict's problems.
function Test-DeclineSummaryPlant {
    param($C, $Start, [string[]]$Decline)
    $text = [System.IO.File]::ReadAllText($C.Script)
    $find = "            Write-Host ('  not done: {0}: {1}' -f (Format-VgpucText -Text `$d.Target), (Format-VgpucText -Text `$d.Step))"
    if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) { return @('the planted text does not occur once in the script') }
    $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
    [System.IO.File]::WriteAllText($path, $text.Replace($find, ''))
    $rp = Invoke-TwinRun -State $Start -Script $path -ScriptArgs $C.ScriptArgs -Decline $Decline -TimeoutSeconds 600
    Remove-Item -LiteralPath $path
    $caught = @(Get-DeclineSummaryProblems -Result $rp | Where-Object { $_ -like 'the summary does not name the declined change as not done*' })
    if ($caught.Count -eq 0) { return @('the summary check did not catch a script whose summary does not name the declined changes') }
    Write-Host ('  {0}: planted (the declined changes not named in the summary): caught: {1}' -f $C.Name, $caught[0])
    @()
}

# A drain declined with -Confirm (ShouldProcess answered No for every change
# of the drained host: the twin's -Decline) is not done, so it is not recorded
# in the -LogPath log: a rerun with the same log drains the host and converges.
# Planted: the record written for a declined host (rollout.ps1 without its
# filter of declined, skipped and failed changes).
function Invoke-DrainDeclineChecks {
    param($C, $Start, [ValidateSet('hyperv', 'vmware')] [string]$Platform = 'hyperv')
    $drained = @($C.ExpectDriver.Keys | ForEach-Object { [string]$_ })
    $decline = @($drained | ForEach-Object { 'on target "{0}"' -f $_ })
    $isDrain = { param($Call) $Call['command'] -eq 'Suspend-ClusterNode' -or ($Call['command'] -eq 'Set-VMHost' -and [string]$Call['parameters']['State'] -eq 'Maintenance') }
    $check = {
        param([string]$Script)
        $log = Join-Path $Work ('{0}-decline-{1}.json' -f $C.Name, [guid]::NewGuid().ToString('N'))
        $sa = @{} + $C.ScriptArgs
        $sa['LogPath'] = $log
        $ps = [System.Collections.Generic.List[string]]::new()
        $r1 = Invoke-TwinRun -State $Start -Script $Script -ScriptArgs $sa -Decline $decline -TimeoutSeconds 600
        $no = @(@($r1.prompts) | Where-Object { $_ -like 'No: *' })
        if ($no.Count -eq 0) { $ps.Add(('the run with -Confirm declined nothing ({0} prompts; error: {1})' -f @($r1.prompts).Count, $r1.error)) }
        $early = @(@($r1.calls) | Where-Object { (& $isDrain $_) -and $drained -contains [string]$_['target'] })
        if ($early.Count -gt 0) { $ps.Add(('the declined drain was done: {0}' -f (($early | ForEach-Object { $_['command'] + ' ' + $_['target'] }) -join ', '))) }
        $r2 = Invoke-TwinRun -State $r1.state -Script $Script -ScriptArgs $sa -TimeoutSeconds 600
        $again = @(@($r2.calls) | Where-Object { (& $isDrain $_) -and $drained -contains [string]$_['target'] })
        if ($again.Count -eq 0) { $ps.Add(('the rerun with the same -LogPath did not drain {0}: the declined step was recorded as done' -f ($drained -join ', '))) }
        $converged = if ($Platform -eq 'vmware') { Get-VmwConvergeProblems $C $Start $r2 } else { Get-ConvergeProblems $C $Start $r2 }
        foreach ($x in @($converged)) { $ps.Add([string]$x) }
        if (Test-Path -LiteralPath $log) { Remove-Item -LiteralPath $log }
        [pscustomobject]@{ Problems = $ps.ToArray(); Result = $r2; First = $r1 }
    }
    $out = & $check $C.Script
    Write-Verdict $C.Name 'drain-rerun: a drain declined with -Confirm is not recorded; the rerun drains' $out.Problems $out.Result
    Write-Verdict $C.Name 'drain-rerun: the summary names the declined drain as not done (exit 0)' @(Get-DeclineSummaryProblems -Result $out.First) $out.First
    $p = @(Test-DeclineSummaryPlant -C $C -Start $Start -Decline $decline)
    Write-Verdict $C.Name 'planted: the declined drain not named in the summary' $p $null
    if ($env:VGPUC_DEBUG_DECLINE) { foreach ($l in @($out.First.prompts) + @($out.First.output)) { Write-Host ('    | ' + $l) } }
    # Planted: a declined host recorded anyway.
    $text = [System.IO.File]::ReadAllText($C.Script)
    $find = ' -and -not (Test-VgpucNameInList -Name ([string]$h.Name) -List $notDone)) {'
    $p = @()
    if (([regex]::Matches($text, [regex]::Escape($find))).Count -ne 1) {
        $p += 'the planted text does not occur once in the script'
    } else {
        $path = [System.IO.Path]::ChangeExtension($C.Script, '.planted.ps1')
        [System.IO.File]::WriteAllText($path, $text.Replace($find, ') {'))
        $planted = & $check $path
        Remove-Item -LiteralPath $path
        if (@($planted.Problems | Where-Object { $_ -like '*was recorded as done*' }).Count -eq 0) { $p += 'the decline check did not catch a script that records a declined drain' }
        Write-Host ('  {0}: planted (a declined drain recorded): {1}' -f $C.Name, (@($planted.Problems) -join '; '))
    }
    Write-Verdict $C.Name 'planted: a drain declined with -Confirm recorded as done' $p $null
}

$script:CompatTable = $null
