# ScenarioChecks.psm1 - the seven checks of tests/twin/README.md for one
# generated Hyper-V script: converge, idempotent, preview, pre-flight refusal,
# faults (one run per mutating step of the converge run), drift (with and
# without -RemoveUndeclared), names (hostile goldens); and the extra
# scenarios of some goldens (an earlier version of the file, a node failure,
# a change declined with -Confirm).
# Each scenario gives one result @{ Script; Check; Scenario; Pass; Messages;
# Calls; Seconds }; nothing is skipped silently: a scenario the cluster cannot
# show is a result with Pass = $true and a note saying so only where the
# cluster lacks the thing (no DDA VM, no free GPU), never when a run failed.
Set-StrictMode -Version Latest
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioState.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioAssert.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioTwin.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioVmware.psm1')

# How the end-of-run summary shows in the output (docs/backends.md: a table with
# changed / already right / skipped and the counts).
$script:SummaryPattern = '(?i)(\d+\s+changed|summary)'
# A line that says why a VM is not in its original power state.
$script:PowerWhyPattern = '(?i)(\boff\b|stopped|not (re)?started|could not|cannot|failed|left|power)'

# What differs per platform: the states a check runs and what it asserts on them. Each
# entry takes the check's context first. Hyper-V: ScenarioState/ScenarioAssert; vSphere:
# ScenarioVmware.psm1 (tests/twin/README.md states).
$script:Platforms = @{
    hyperv = @{
        Start      = { param($Ctx) (New-ScenarioStartState -Model $Ctx.Model).State }
        Declared   = { param($Ctx) New-ScenarioDeclaredState -Model $Ctx.Model }
        Assert     = { param($Ctx, $State, $Before) if ($Before) { Assert-ScenarioDeclared -Model $Ctx.Model -State $State -Before $Before } else { Assert-ScenarioDeclared -Model $Ctx.Model -State $State } }
        Preflight  = { param($Ctx) New-ScenarioPreflightState -Model $Ctx.Model -Catalog $Ctx.Catalog }
        Power      = { param($Ctx, $Before, $After, $Run) Get-ScenarioPowerFailure -Before $Before -After $After -Run $Run }
        Excused    = { param($Ctx, $Call) Get-ScenarioExcused -Ctx $Ctx -Call $Call }
        Drift      = { param($Ctx, $Base) New-ScenarioDriftState -Model $Ctx.Model -Converged $Base }
        Undeclared = $null
        Hostile    = { param($Ctx) New-ScenarioHostileState -Model $Ctx.Model }
        Untouched  = { param($Ctx, $Before, $After, $H) Assert-ScenarioUntouched -Before $Before -After $After -VmNames $H.Decoys }
        Vms        = { param($State) foreach ($h in $State['hosts']) { foreach ($v in $h['vms']) { $v } } }
        PowerField = 'state'
    }
    vmware = @{
        Start      = { param($Ctx) (New-VmwScenarioStartState -Model $Ctx.Model -Catalog $Ctx.Catalog).State }
        Declared   = { param($Ctx) New-VmwScenarioDeclaredState -Model $Ctx.Model -Catalog $Ctx.Catalog }
        Assert     = { param($Ctx, $State, $Before) if ($Before) { Assert-VmwScenarioDeclared -Model $Ctx.Model -Catalog $Ctx.Catalog -State $State -Before $Before } else { Assert-VmwScenarioDeclared -Model $Ctx.Model -Catalog $Ctx.Catalog -State $State } }
        Preflight  = { param($Ctx) New-VmwScenarioPreflightState -Model $Ctx.Model -Catalog $Ctx.Catalog }
        Power      = { param($Ctx, $Before, $After, $Run) Get-VmwScenarioPowerFailure -Before $Before -After $After -Run $Run -Pattern $script:PowerWhyPattern }
        Excused    = { param($Ctx, $Call) Get-VmwScenarioExcused -Start $Ctx.Start -Call $Call }
        Drift      = { param($Ctx, $Base) New-VmwScenarioDriftState -Model $Ctx.Model -Catalog $Ctx.Catalog -Converged $Base }
        Undeclared = { param($Ctx, $Variant, $After, $Run, $Remove) Test-VmwScenarioUndeclared -Variant $Variant -After $After -Run $Run -Remove:$Remove -PowerPattern $script:PowerWhyPattern }
        Hostile    = { param($Ctx) New-VmwScenarioHostileState -Model $Ctx.Model -Catalog $Ctx.Catalog }
        Untouched  = { param($Ctx, $Before, $After, $H) Assert-VmwScenarioUntouched -Before $Before -After $After -VmIds $H.DecoyIds }
        Vms        = { param($State) foreach ($v in $State['vms']) { $v } }
        PowerField = 'power_state'
    }
}

# The clusters the decline check runs on (their folder/name label starts with
# one of these; `-Only decline` runs it on any): one Hyper-V and one vSphere
# cluster with a running VM to change, small, so that it stays cheap in CI.
$script:DeclineInputs = @('golden-ws2025-dda/', 'golden-esx-mixed-size/')
$script:ShutdownAction = 'shut down the guest (never turned off)'
$script:StartAction = 'start again (it was running)'

function New-ScenarioResult {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Script,
        [Parameter(Mandatory)][string]$Check,
        [Parameter(Mandatory)][string]$Scenario,
        [AllowEmptyCollection()][string[]]$Messages = @(),
        [int]$Calls = 0,
        [double]$Seconds = 0,
        [string]$Note = ''
    )
    return @{
        Script = $Script; Check = $Check; Scenario = $Scenario; Pass = ($Messages.Count -eq 0)
        Messages = $Messages; Calls = $Calls; Seconds = $Seconds; Note = $Note
    }
}

function Format-ScenarioCall {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$Call)
    $h = $(if ($Call.Contains('host')) { $Call['host'] } else { '' })
    $t = $(if ($Call.Contains('target')) { $Call['target'] } else { '' })
    return ('{0} {1} on {2}' -f $Call['command'], (Format-ScenarioName -Name ([string]$t)), $h)
}

function Get-ScenarioRunMessage {
    # The first lines of a run's output, for a failure message.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Run, [int]$Max = 12)
    $l = @($Run.Lines | Where-Object { $_ -ne '' })
    $text = ($l | Select-Object -Last $Max | ForEach-Object { '      | ' + (Format-ScenarioName -Name $_) }) -join "`n"
    return ("exit {0}; error: {1}; last output lines:`n{2}" -f $Run.Exit, (Format-ScenarioName -Name ([string]$Run.Error)), $text)
}

function Test-ScenarioStateEqual {
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowNull()][object]$A, [Parameter(Mandatory)][AllowNull()][object]$B)
    return ((ConvertTo-ScenarioStateJson -State $A) -ceq (ConvertTo-ScenarioStateJson -State $B))
}

function Get-ScenarioStateDiff {
    # The first differing line of the two states pretty-printed, for messages.
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowNull()][object]$A, [Parameter(Mandatory)][AllowNull()][object]$B)
    $a = (ConvertTo-Json -InputObject $A -Depth 100) -split "`n"
    $b = (ConvertTo-Json -InputObject $B -Depth 100) -split "`n"
    $n = [Math]::Min($a.Count, $b.Count)
    for ($i = 0; $i -lt $n; $i++) {
        if ($a[$i] -cne $b[$i]) {
            return ('line {0}: {1}  ->  {2}' -f ($i + 1), $a[$i].Trim(), $b[$i].Trim())
        }
    }
    return ('{0} lines -> {1} lines' -f $a.Count, $b.Count)
}

function Get-ScenarioVmNames {
    # Every VM name in a state (declared or not).
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State)
    $n = [System.Collections.Generic.List[string]]::new()
    foreach ($h in $State['hosts']) {
        foreach ($v in $h['vms']) {
            $n.Add([string]$v['name'])
        }
    }
    return $n.ToArray()
}

function Get-ScenarioPowerFailure {
    # VMs not in the power state they had before the run, and not explained.
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$Before, [Parameter(Mandatory)][System.Collections.IDictionary]$After, [Parameter(Mandatory)][hashtable]$Run)
    $msgs = [System.Collections.Generic.List[string]]::new()
    $now = @{}
    foreach ($h in $After['hosts']) {
        foreach ($v in $h['vms']) {
            $now[[string]$v['id']] = $v
        }
    }
    foreach ($h in $Before['hosts']) {
        foreach ($v in $h['vms']) {
            $a = $now[[string]$v['id']]
            $state = $(if ($a) { $a['state'] } else { '<gone>' })
            if ($state -ne $v['state']) {
                if (-not (Test-ScenarioNamed -Lines $Run.Lines -Tokens @([string]$v['name']) -Pattern $script:PowerWhyPattern)) {
                    $msgs.Add(('VM {0} was {1} and is {2}, and the output does not say why' -f (Format-ScenarioName -Name $v['name']), $v['state'], $state))
                }
            }
        }
    }
    return $msgs.ToArray()
}

function Invoke-ScenarioConverge {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $start = & $Ctx.P.Start $Ctx
    $r = Invoke-ScenarioTwin -State $start -Script $Ctx.Script -ScriptArgs $Ctx.Args
    $m = [System.Collections.Generic.List[string]]::new()
    if ($r.Exit -ne 0) {
        $m.Add(('converge run failed: {0}' -f (Get-ScenarioRunMessage -Run $r)))
    }
    if (@($r.Calls).Count -eq 0) {
        $m.Add('converge run made no mutating call on a state that needs every kind of change')
    }
    if ($r.State) {
        foreach ($f in (& $Ctx.P.Assert $Ctx $r.State $start)) {
            $m.Add($f.Message)
        }
    }
    $Ctx.Start = $start
    $Ctx.Converge = $r
    $Ctx.Converged = ($m.Count -eq 0)
    return (New-ScenarioResult -Script $Ctx.Name -Check 'converge' -Scenario 'start' -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds)
}

function Invoke-ScenarioIdempotent {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    if (-not $Ctx.Converge.State) {
        return (New-ScenarioResult -Script $Ctx.Name -Check 'idempotent' -Scenario 'second-run' -Messages @('no state from the converge run to run again on'))
    }
    $in = $Ctx.Converge.State
    $r = Invoke-ScenarioTwin -State $in -Script $Ctx.Script -ScriptArgs $Ctx.Args
    $m = [System.Collections.Generic.List[string]]::new()
    if ($r.Exit -ne 0) {
        $m.Add(('second run failed: {0}' -f (Get-ScenarioRunMessage -Run $r)))
    }
    foreach ($c in @($r.Calls)) {
        $m.Add(('second run made a mutating call: {0}' -f (Format-ScenarioCall -Call $c)))
    }
    if ($r.State -and -not (Test-ScenarioStateEqual -A $in -B $r.State)) {
        $m.Add(('second run changed the state: {0}' -f (Get-ScenarioStateDiff -A $in -B $r.State)))
    }
    return (New-ScenarioResult -Script $Ctx.Name -Check 'idempotent' -Scenario 'second-run' -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds)
}

function Invoke-ScenarioPreview {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $in = Copy-ScenarioState -State $Ctx.Start
    $r = Invoke-ScenarioTwin -State $in -Script $Ctx.Script -WhatIf -ScriptArgs $Ctx.Args
    $m = [System.Collections.Generic.List[string]]::new()
    if ($r.Exit -ne 0) {
        $m.Add(('-WhatIf run failed: {0}' -f (Get-ScenarioRunMessage -Run $r)))
    }
    foreach ($c in @($r.Calls)) {
        $m.Add(('-WhatIf made a mutating call: {0}' -f (Format-ScenarioCall -Call $c)))
    }
    if (-not $r.State) {
        $m.Add('-WhatIf run gave no state')
    } elseif (-not (Test-ScenarioStateEqual -A $in -B $r.State)) {
        $m.Add(('-WhatIf changed the state: {0}' -f (Get-ScenarioStateDiff -A $in -B $r.State)))
    }
    return (New-ScenarioResult -Script $Ctx.Name -Check 'preview' -Scenario 'whatif' -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds)
}

function Test-ScenarioRefusal {
    # A run that must stop in the pre-flight: exit 1, no mutating call, and
    # every problem named on an output line.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Run, [Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Problems)
    $m = [System.Collections.Generic.List[string]]::new()
    if ($Run.Exit -ne 1) {
        $m.Add(('exit {0}, a pre-flight refusal exits 1: {1}' -f $Run.Exit, (Get-ScenarioRunMessage -Run $Run)))
    }
    foreach ($c in @($Run.Calls)) {
        $m.Add(('mutating call despite the problem: {0}' -f (Format-ScenarioCall -Call $c)))
    }
    foreach ($p in $Problems) {
        if (-not (Test-ScenarioNamed -Lines $Run.Lines -Tokens $p.Tokens -Pattern $p.Pattern)) {
            $m.Add(('problem {0} is not named: no output line holds [{1}]{2}' -f $p.Kind, (($p.Tokens | ForEach-Object { Format-ScenarioName -Name $_ }) -join ', '),
                    $(if ($p.Pattern) { ' matching ' + $p.Pattern } else { '' })))
        }
    }
    if ($m.Count -gt 0 -and $Run.Exit -eq 1) {
        $m.Add((Get-ScenarioRunMessage -Run $Run -Max 20))
    }
    return $m.ToArray()
}

function Invoke-ScenarioPreflight {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $out = [System.Collections.Generic.List[object]]::new()
    foreach ($p in (& $Ctx.P.Preflight $Ctx)) {
        $r = Invoke-ScenarioTwin -State $p.State -Script $Ctx.Script -ScriptArgs $Ctx.Args
        $m = @(Test-ScenarioRefusal -Run $r -Problems $p.Problems)
        $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'preflight' -Scenario $p.Name -Messages $m -Calls @($r.Calls).Count -Seconds $r.Seconds))
    }
    return $out.ToArray()
}

function Get-ScenarioExcused {
    # What a fault at a call may leave undone: the VM it targets, or
    # everything on its host when it targets a host, GPU or pool.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx, [Parameter(Mandatory)][System.Collections.IDictionary]$Call)
    $target = $(if ($Call.Contains('target')) { [string]$Call['target'] } else { '' })
    $vms = @()
    foreach ($h in $Ctx.Start['hosts']) {
        foreach ($v in $h['vms']) {
            if ([string]::Equals([string]$v['name'], $target, [System.StringComparison]::OrdinalIgnoreCase) -or $v['id'] -eq $target -or
                ('Virtual Machine {0}' -f $v['name']) -eq $target) {
                $vms += [string]$v['name']
            }
        }
    }
    if ($vms.Count -gt 0) {
        return @{ Vms = $vms; Hosts = @() }
    }
    $hostName = $(if ($Call.Contains('host')) { [string]$Call['host'] } else { '' })
    $hosts = @($hostName)
    foreach ($h in $Ctx.Start['hosts']) {
        if ([string]$h['name'] -eq $target) {
            $hosts += $target
        }
    }
    foreach ($h in $Ctx.Start['hosts']) {
        if ($hosts -contains [string]$h['name']) {
            foreach ($v in $h['vms']) {
                $vms += [string]$v['name']
            }
        }
    }
    return @{ Vms = $vms; Hosts = $hosts }
}

function Invoke-ScenarioFaults {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $out = [System.Collections.Generic.List[object]]::new()
    $calls = @($Ctx.Converge.Calls)
    if ($calls.Count -eq 0) {
        $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'faults' -Scenario 'none' -Messages @('the converge run made no mutating call: no step to break')))
        return $out.ToArray()
    }
    # What the converge run itself leaves wrong is that check's failure; a
    # fault run is judged on what the fault changes (each such message is
    # counted once, in converge).
    $baseline = [System.Collections.Generic.HashSet[string]]::new()
    if ($Ctx.Converge.State) {
        foreach ($f in (& $Ctx.P.Assert $Ctx $Ctx.Converge.State $null)) {
            $null = $baseline.Add($f.Message)
        }
    }
    $seen = [System.Collections.Generic.HashSet[string]]::new()
    $step = 0
    foreach ($c in $calls) {
        $step++
        $target = $(if ($c.Contains('target') -and $null -ne $c['target']) { [string]$c['target'] } else { '' })
        # tests/twin/README.md: a call's target is what a fault of that command names.
        $key = '{0}|{1}' -f $c['command'], $target
        if (-not $seen.Add($key)) {
            # The contract's faults pick a command and target, so a later call
            # of the same pair cannot be broken alone; its first one is.
            continue
        }
        $in = Copy-ScenarioState -State $Ctx.Start
        Add-ScenarioFault -State $in -Command ([string]$c['command']) -Target $target
        $r = Invoke-ScenarioTwin -State $in -Script $Ctx.Script -ScriptArgs $Ctx.Args
        $m = [System.Collections.Generic.List[string]]::new()
        $label = ('step {0}: {1}' -f $step, (Format-ScenarioCall -Call $c))
        if ($r.Exit -ne 1) {
            $m.Add(('exit {0}, a run with a failed step exits 1: {1}' -f $r.Exit, (Get-ScenarioRunMessage -Run $r)))
        }
        if (-not (@($r.Lines | Where-Object { $_ -match $script:SummaryPattern }).Count -gt 0)) {
            $m.Add('no summary in the output')
        }
        if (-not $r.State) {
            $m.Add('no state after the run')
        } else {
            foreach ($x in (& $Ctx.P.Power $Ctx $in $r.State $r)) {
                $m.Add($x)
            }
            $ex = & $Ctx.P.Excused $Ctx $c
            foreach ($f in (& $Ctx.P.Assert $Ctx $r.State $null)) {
                # A host step that failed on any node may leave the failover
                # reserve of the others short.
                $reserve = $ex.Hosts.Count -gt 0 -and $f.Message -like 'failover reserve:*'
                $excused = ($f.Vm -and $ex.Vms -contains $f.Vm) -or ($f.Host -and -not $f.Vm -and $ex.Hosts -contains $f.Host) -or $reserve -or $baseline.Contains($f.Message)
                if (-not $excused) {
                    $m.Add(('not processed after the fault: {0}' -f $f.Message))
                }
            }
        }
        if ($m.Count -gt 0 -and @($r.Lines | Where-Object { $_ -like '*injected fault*' }).Count -eq 0) {
            $m.Add('(the injected fault message appears nowhere in the output: did the twin fire it?)')
        }
        $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'faults' -Scenario $label -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds))
    }
    return $out.ToArray()
}

function Invoke-ScenarioDrift {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $out = [System.Collections.Generic.List[object]]::new()
    $base = $null
    if ($Ctx.Converged) {
        $base = $Ctx.Converge.State
    } else {
        $base = & $Ctx.P.Declared $Ctx
    }
    $d = & $Ctx.P.Drift $Ctx $base
    foreach ($v in $d.Variants) {
        foreach ($remove in @($false, $true)) {
            $argsFor = @{} + $Ctx.Args
            if ($remove) {
                $argsFor['RemoveUndeclared'] = $true
            }
            $r = Invoke-ScenarioTwin -State $v.State -Script $Ctx.Script -ScriptArgs $argsFor
            $m = [System.Collections.Generic.List[string]]::new()
            if ($r.Exit -ne 0) {
                $m.Add(('run failed: {0}' -f (Get-ScenarioRunMessage -Run $r)))
            }
            if ($r.State -and $Ctx.P.Undeclared) {
                foreach ($f in (& $Ctx.P.Assert $Ctx $r.State $v.State)) {
                    $m.Add($f.Message)
                }
                foreach ($x in (& $Ctx.P.Undeclared $Ctx $v $r.State $r $remove)) {
                    $m.Add($x)
                }
            } elseif ($r.State) {
                foreach ($f in (& $Ctx.P.Assert $Ctx $r.State $v.State)) {
                    $m.Add($f.Message)
                }
                if ($v.UndeclaredVm) {
                    if (-not $remove) {
                        foreach ($f in (Assert-ScenarioUntouched -Before $v.State -After $r.State -VmNames @($v.UndeclaredVm))) {
                            $m.Add($f.Message)
                        }
                        if (-not (Test-ScenarioNamed -Lines $r.Lines -Tokens @($v.UndeclaredVm))) {
                            $m.Add(('the undeclared VM {0} is not reported' -f $v.UndeclaredVm))
                        }
                    } else {
                        $x = @(Find-ScenarioVmState -State $r.State -Name $v.UndeclaredVm)
                        $b = (Get-ScenarioVmState -State $v.State -Name $v.UndeclaredVm).Vm
                        if ($x.Count -ne 1) {
                            $m.Add(('-RemoveUndeclared: the undeclared VM {0} is gone (a VM is never deleted)' -f $v.UndeclaredVm))
                        } else {
                            $u = $x[0].Vm
                            if (@($u['gpu_partition_adapters']).Count -ne 0 -or @($u['assignable_devices']).Count -ne 0) {
                                $m.Add(('-RemoveUndeclared: the undeclared VM {0} still holds a GPU' -f $v.UndeclaredVm))
                            }
                            if ($u['state'] -ne $b['state'] -and -not (Test-ScenarioNamed -Lines $r.Lines -Tokens @($v.UndeclaredVm) -Pattern $script:PowerWhyPattern)) {
                                $m.Add(('-RemoveUndeclared: the undeclared VM {0} was {1} and is {2}' -f $v.UndeclaredVm, $b['state'], $u['state']))
                            }
                        }
                    }
                }
                if ($v.UndeclaredGpu) {
                    $ug = $v.UndeclaredGpu
                    $hs = Get-ScenarioHostState -State $r.State -Name $ug.Host
                    $g = @($hs['gpus'] | Where-Object { $_['location_path'] -ceq $ug.LocationPath })
                    $held = $false
                    foreach ($vm in $hs['vms']) {
                        foreach ($dev in @($vm['assignable_devices'])) {
                            if ($dev['location_path'] -ceq $ug.LocationPath) {
                                $held = $true
                            }
                        }
                    }
                    if ($g.Count -ne 1) {
                        $m.Add(('GPU {0} on {1} is gone' -f $ug.LocationPath, $ug.Host))
                    } elseif ($held) {
                        $m.Add(('GPU {0} on {1}, which the plan does not give to a VM, is still assigned' -f $ug.LocationPath, $ug.Host))
                    } elseif (-not $remove) {
                        if (-not $g[0]['dismounted']) {
                            $m.Add(('GPU {0} on {1} (dismounted, not declared) was mounted without -RemoveUndeclared' -f $ug.LocationPath, $ug.Host))
                        }
                        if (-not (Test-ScenarioNamed -Lines $r.Lines -Tokens @($ug.Host, $ug.LocationPath)) -and
                            -not (Test-ScenarioNamed -Lines $r.Lines -Tokens @($ug.LocationPath))) {
                            $m.Add(('the undeclared dismounted GPU {0} on {1} is not reported' -f $ug.LocationPath, $ug.Host))
                        }
                    } else {
                        if ($g[0]['dismounted'] -or -not $g[0]['enabled'] -or $g[0]['pool']) {
                            $m.Add(('-RemoveUndeclared: GPU {0} on {1} is not mounted back and enabled (dismounted {2}, enabled {3})' -f $ug.LocationPath, $ug.Host, $g[0]['dismounted'], $g[0]['enabled']))
                        }
                    }
                }
            }
            $name = $v.Name + $(if ($remove) { ' -RemoveUndeclared' } else { '' })
            $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'drift' -Scenario $name -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds))
        }
    }
    foreach ($s in $d.Skipped) {
        $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'drift' -Scenario 'not shown' -Note $s))
    }
    return $out.ToArray()
}

function Invoke-ScenarioNames {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $h = & $Ctx.P.Hostile $Ctx
    if (-not $h) {
        return @()
    }
    $r = Invoke-ScenarioTwin -State $h.State -Script $Ctx.Script -ScriptArgs $Ctx.Args
    $m = [System.Collections.Generic.List[string]]::new()
    if ($r.Exit -ne 0) {
        $m.Add(('run failed: {0}' -f (Get-ScenarioRunMessage -Run $r)))
    }
    if ($r.State) {
        foreach ($f in (& $Ctx.P.Assert $Ctx $r.State $h.State)) {
            $m.Add($f.Message)
        }
        foreach ($f in (& $Ctx.P.Untouched $Ctx $h.State $r.State $h)) {
            $m.Add($f.Message)
        }
    }
    foreach ($c in @($r.Calls)) {
        $t = $(if ($c.Contains('target')) { [string]$c['target'] } else { '' })
        if ($h.Decoys -ccontains $t) {
            $m.Add(('a call acted on the decoy VM {0}: {1}' -f (Format-ScenarioName -Name $t), (Format-ScenarioCall -Call $c)))
        }
    }
    $dec = ($h.Decoys | ForEach-Object { Format-ScenarioName -Name $_ }) -join ', '
    return @(New-ScenarioResult -Script $Ctx.Name -Check 'names' -Scenario ('decoys ' + $dec) -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds)
}

function Invoke-ScenarioFailover {
    <#
    .SYNOPSIS
    After converge, each node that runs restartable clustered VMs fails in the
    twin: every such VM must run again on another node it may run on, with its
    declared GPU (DDA from the pool's failover reserve).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $model = $Ctx.Model
    if ($model.Target -ne 'hyperv') {
        # vSphere HA restarts are not modelled by the vSphere twin (README of tests/twin).
        return @()
    }
    if (-not $model.Clustered -or $model.Tolerate -lt 1) {
        return @()
    }
    $restartable = @($model.Vms | Where-Object { $_.Migration -ne 'none' -and @($_.Owners).Count -gt 1 -and $_.Mode -eq 'dda' })
    if ($restartable.Count -eq 0) {
        return @()
    }
    if (-not $Ctx.Converge.State) {
        return @(New-ScenarioResult -Script $Ctx.Name -Check 'failover' -Scenario 'node failure' -Messages @('no converged state to fail a node in'))
    }
    $out = [System.Collections.Generic.List[object]]::new()
    $nodes = @($restartable | ForEach-Object { (Get-ScenarioVmState -State $Ctx.Converge.State -Name $_.Name).Host['name'] } | Select-Object -Unique)
    foreach ($node in $nodes) {
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $m = [System.Collections.Generic.List[string]]::new()
        $nf = $null
        try {
            $nf = Invoke-ScenarioNodeFailure -State $Ctx.Converge.State -Node $node
        } catch {
            $m.Add(('the node failure of {0} failed in the twin: {1}' -f $node, $_.Exception.Message))
        }
        if ($null -eq $nf) {
            if ($m.Count -eq 0) {
                $m.Add('the twin offers no node-failure function: failover not shown')
            }
        } else {
            $after = $nf.State
            foreach ($v in $restartable) {
                $before = Get-ScenarioVmState -State $Ctx.Converge.State -Name $v.Name
                if ($before.Host['name'] -cne $node -or $before.Vm['state'] -ne 'Running') {
                    continue
                }
                $x = @(Find-ScenarioVmState -State $after -Name $v.Name)
                if ($x.Count -ne 1) {
                    $m.Add(('VM {0}: {1} copies after the failure of {2}' -f $v.Name, $x.Count, $node))
                    continue
                }
                $now = $x[0]
                if ($now.Host['name'] -ceq $node -or $now.Vm['state'] -ne 'Running') {
                    $m.Add(('VM {0} did not restart on another node after {1} failed: it is {2} on {3}' -f $v.Name, $node, $now.Vm['state'], $now.Host['name']))
                    continue
                }
                if ($v.Owners -notcontains $now.Host['name']) {
                    $m.Add(('VM {0} restarted on {1}, which is not a host it may run on' -f $v.Name, $now.Host['name']))
                }
                $devs = @($now.Vm['assignable_devices'])
                if ($devs.Count -ne $v.Count) {
                    $m.Add(('VM {0} restarted on {1} with {2} device(s), declared {3}' -f $v.Name, $now.Host['name'], $devs.Count, $v.Count))
                }
            }
        }
        $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'failover' -Scenario ('node failure ' + $node) -Messages $m.ToArray() -Seconds $sw.Elapsed.TotalSeconds))
    }
    return $out.ToArray()
}

function Invoke-ScenarioPrevious {
    <#
    .SYNOPSIS
    The golden's earlier version (previous.json beside it): its declared,
    converged state, with the VMs in the power state the golden's expectations
    give, must converge to the new file or be refused with the problems named.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    if (-not $Ctx.Previous -or $Ctx.Model.Target -ne 'hyperv') {
        return @()
    }
    $exp = $Ctx.Previous.Expect
    $s = New-ScenarioDeclaredState -Model $Ctx.Previous.Model
    foreach ($h in $s['hosts']) {
        foreach ($v in $h['vms']) {
            $v['state'] = $exp.PowerState
            if ($exp.Adapters -eq 'remove') {
                $v['gpu_partition_adapters'] = @()
            }
        }
    }
    $r = Invoke-ScenarioTwin -State $s -Script $Ctx.Script
    $m = [System.Collections.Generic.List[string]]::new()
    if ($exp.Expect -eq 'refuse') {
        $problems = @($exp.Problems | ForEach-Object { @{ Kind = $_.Kind; Tokens = [string[]]$_.Tokens; Pattern = [string]$_.Pattern } })
        foreach ($x in (Test-ScenarioRefusal -Run $r -Problems $problems)) {
            $m.Add($x)
        }
    } else {
        if ($r.Exit -ne 0) {
            $m.Add(('run failed: {0}' -f (Get-ScenarioRunMessage -Run $r)))
        }
        if ($r.State) {
            foreach ($f in (Assert-ScenarioDeclared -Model $Ctx.Model -State $r.State -Before $s)) {
                $m.Add($f.Message)
            }
            $names = @($Ctx.Model.Vms | ForEach-Object { $_.Name })
            $gone = @($Ctx.Previous.Model.Vms | Where-Object { $names -notcontains $_.Name } | ForEach-Object { $_.Name })
            if ($gone.Count -gt 0) {
                foreach ($f in (Assert-ScenarioUntouched -Before $s -After $r.State -VmNames $gone)) {
                    $m.Add($f.Message)
                }
                foreach ($g in $gone) {
                    if (-not (Test-ScenarioNamed -Lines $r.Lines -Tokens @($g))) {
                        $m.Add(('VM {0}, removed from the file, is not reported as drift' -f $g))
                    }
                }
            }
            $r2 = Invoke-ScenarioTwin -State $r.State -Script $Ctx.Script
            foreach ($c in @($r2.Calls)) {
                $m.Add(('a second run after the change made a mutating call: {0}' -f (Format-ScenarioCall -Call $c)))
            }
        }
    }
    return @(New-ScenarioResult -Script $Ctx.Name -Check 'previous' -Scenario ('{0} from the earlier version (VMs {1}, adapters {2})' -f $exp.Expect, $exp.PowerState, $exp.Adapters) -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds)
}

function Invoke-ScenarioVsphere {
    <#
    .SYNOPSIS
    The vSphere scenarios of issue 12 on the converged state (New-VmwScenarioSpecialState):
    each must end as its Expect says, with every other VM as declared.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    if ($Ctx.Model.Target -ne 'vmware') {
        return @()
    }
    $base = $null
    if ($Ctx.Converged) {
        $base = $Ctx.Converge.State
    } else {
        $base = & $Ctx.P.Declared $Ctx
    }
    $sp = New-VmwScenarioSpecialState -Model $Ctx.Model -Catalog $Ctx.Catalog -Converged $base
    $out = [System.Collections.Generic.List[object]]::new()
    foreach ($sc in $sp.Scenarios) {
        $r = Invoke-ScenarioTwin -State $sc.State -Script $Ctx.Script -ScriptArgs $Ctx.Args
        $m = [System.Collections.Generic.List[string]]::new()
        if ($r.Exit -ne $sc.Exit) {
            $m.Add(('exit {0}, expected {1}: {2}' -f $r.Exit, $sc.Exit, (Get-ScenarioRunMessage -Run $r)))
        }
        $calls = @($r.Calls | ForEach-Object { [string]$_['command'] })
        if ($r.State) {
            $after = $r.State
            $left = @()
            if ($sc.Expect -eq 'skipped' -or $sc.Expect -eq 'enable') {
                $left = @($sc.Vm)
                foreach ($f in (Assert-VmwScenarioUntouched -Before $sc.State -After $after -VmNames @($sc.Vm))) {
                    $m.Add($f.Message)
                }
                if ($sc.Expect -eq 'skipped') {
                    # Reported and skipped: the script does not even try (no call on that VM).
                    foreach ($c in @($r.Calls | Where-Object { [string]$_['target'] -ceq $sc.Vm })) {
                        $m.Add(('a call on {0}, which must be skipped: {1}' -f $sc.Vm, (Format-ScenarioCall -Call $c)))
                    }
                }
                if (-not (Test-ScenarioNamed -Lines $r.Lines -Tokens @($sc.Vm) -Pattern $sc.Pattern) -and
                    -not (Test-ScenarioNamed -Lines $r.Lines -Tokens @($sc.Host) -Pattern $sc.Pattern)) {
                    $m.Add(('no output line names {0} with {1}' -f $sc.Vm, $sc.Pattern))
                }
            }
            foreach ($f in (Assert-VmwScenarioDeclared -Model $Ctx.Model -Catalog $Ctx.Catalog -State $after -Before $sc.State)) {
                if ($left -notcontains $f.Vm -and -not ($sc.Expect -eq 'enable' -and $f.Host -eq $sc.Host -and -not $f.Vm)) {
                    $m.Add($f.Message)
                }
            }
            if ($sc.Expect -eq 'enable') {
                $g = @((Get-VmwHost -State $after -Name $sc.Host)['gpus'] | Where-Object { $_['passthrough_enabled'] })
                if ($g.Count -eq 0) {
                    $m.Add(('host {0}: no GPU was enabled for passthrough' -f $sc.Host))
                }
                if ($calls -contains 'RebootHost' -or $calls -contains 'RebootHost_Task') {
                    $m.Add(('host {0} was rebooted although it is not in maintenance mode' -f $sc.Host))
                }
            }
            if ($sc.Expect -eq 'other-vcenter') {
                $was = ConvertTo-Json -InputObject $sc.State['other_vcenters'][0] -Depth 100 -Compress
                $now = ConvertTo-Json -InputObject $after['other_vcenters'][0] -Depth 100 -Compress
                if ($now -cne $was) {
                    $m.Add('the other vCenter (vc02, open before the script) was changed')
                }
                if (@($r.Calls).Count -eq 0) {
                    $m.Add('no change was made (the start state needs changes)')
                }
            }
            if ($sc.Expect -eq 'reboot' -and -not ($calls -contains 'RebootHost' -or $calls -contains 'RebootHost_Task')) {
                $m.Add(('host {0} (maintenance mode) was not rebooted to activate passthrough' -f $sc.Host))
            }
            if ($sc.Expect -eq 'graphics') {
                # Gated: every vGPU VM of the host is off before the change, started after the restart.
                $seq = @($r.Calls)
                $upd = -1
                for ($i = 0; $i -lt $seq.Count; $i++) {
                    if ($seq[$i]['command'] -eq 'UpdateGraphicsConfig') { $upd = $i; break }
                }
                if ($upd -lt 0) {
                    $m.Add('no UpdateGraphicsConfig call')
                } else {
                    $running = @($sc.State['vms'] | Where-Object { $_['host'] -ceq $sc.Host -and $_['power_state'] -eq 'PoweredOn' -and @($_['devices'] | Where-Object { $_['type'] -eq 'vgpu' }).Count -gt 0 } | ForEach-Object { [string]$_['name'] })
                    foreach ($n in $running) {
                        $stop = @(0..($upd) | Where-Object { $seq[$_]['command'] -eq 'ShutdownGuest' -and [string]$seq[$_]['target'] -ceq $n })
                        if ($stop.Count -eq 0) {
                            $m.Add(('vGPU VM {0} was not shut down before the graphics change' -f $n))
                        }
                    }
                    $restart = @(($upd)..($seq.Count - 1) | Where-Object { $seq[$_]['command'] -eq 'RestartService' })
                    if ($restart.Count -eq 0) {
                        $m.Add('Xorg was not restarted after the graphics change')
                    } else {
                        $early = @(($upd)..($restart[0]) | Where-Object { $seq[$_]['command'] -like 'Start-VM' -or $seq[$_]['command'] -like 'PowerOnVM*' })
                        if ($early.Count -gt 0) {
                            $m.Add('a VM was started again before the Xorg restart')
                        }
                    }
                }
            }
        } else {
            $m.Add('no state after the run')
        }
        $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'vsphere' -Scenario $sc.Name -Messages $m.ToArray() -Calls @($r.Calls).Count -Seconds $r.Seconds))
    }
    foreach ($n in $sp.Notes) {
        $out.Add((New-ScenarioResult -Script $Ctx.Name -Check 'vsphere' -Scenario 'not shown' -Note $n))
    }
    return $out.ToArray()
}

function Get-ScenarioPrompt {
    # A -Confirm prompt of a run with -Decline ('Yes: ...' or 'No: ...', with
    # ShouldProcess's 'Performing the operation "ACTION" on target "TARGET".')
    # as @{ Answer; Action; Target; Text }, or $null.
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Text)
    $m = [regex]::Match($Text, '^(Yes|No): .*Performing the operation "(.*)" on target "(.*)"\.$')
    if (-not $m.Success) {
        return $null
    }
    return @{ Answer = $m.Groups[1].Value; Action = $m.Groups[2].Value; Target = $m.Groups[3].Value; Text = $Text }
}

function Select-ScenarioDeclinePrompt {
    # The prompt to answer No, from the prompts of a run that answered all Yes:
    # the only change of a VM (an off VM with one change), else the shutdown of
    # a running VM whose every change comes between its shutdown and its start
    # (declined, the script makes none of them). Either way that VM must stay
    # as it was. $null when no VM has such a prompt.
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowEmptyCollection()][string[]]$Prompts, [Parameter(Mandatory)][string[]]$VmNames)
    $byVm = [ordered]@{}
    foreach ($t in $Prompts) {
        $p = Get-ScenarioPrompt -Text $t
        if ($p -and $VmNames -ccontains $p.Target) {
            if (-not $byVm.Contains($p.Target)) {
                $byVm[$p.Target] = [System.Collections.Generic.List[object]]::new()
            }
            $byVm[$p.Target].Add($p)
        }
    }
    foreach ($l in $byVm.Values) {
        if ($l.Count -eq 1 -and $l[0].Action -cne $script:ShutdownAction) {
            return $l[0]
        }
    }
    foreach ($l in $byVm.Values) {
        if ($l.Count -ge 3 -and $l[0].Action -ceq $script:ShutdownAction -and $l[$l.Count - 1].Action -ceq $script:StartAction) {
            return $l[0]
        }
    }
    return $null
}

function Get-ScenarioDeclineSummaryProblem {
    # The summary of a run with declined changes (common.ps1's Write-VgpucSummary,
    # the lines the rollout suite's Get-DeclineSummaryProblems asserts too):
    # after the counts, 'Declined (-Confirm answered No), N change(s) not made;
    # ...', one line '  not done: TARGET: ACTION' per prompt answered No, and
    # last 'Result: done, except the N declined change(s) above.'
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Run)
    $lines = @($Run.Lines)
    $no = @($Run.Prompts | Where-Object { $_ -like 'No: *' })
    $head = -1
    $end = $lines.Count
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($head -lt 0 -and $lines[$i] -like 'Declined (-Confirm answered No), * change(s) not made; run the script again to make them:') {
            $head = $i
        }
        if ($head -ge 0 -and $i -gt $head -and $lines[$i] -like 'Result: *') {
            $end = $i
            break
        }
    }
    if ($head -lt 0) {
        return @(('the summary has no line ''Declined (-Confirm answered No), ...'' naming the {0} declined change(s) as not done' -f $no.Count))
    }
    $m = [System.Collections.Generic.List[string]]::new()
    $named = @($lines | Select-Object -Skip ($head + 1) -First ($end - $head - 1) | Where-Object { $_ -like '  not done: *' })
    foreach ($q in $no) {
        $p = Get-ScenarioPrompt -Text $q
        if (-not $p) {
            $m.Add(('a prompt answered No names no operation and target: {0}' -f $q))
            continue
        }
        $want = '  not done: {0}: {1}' -f $p.Target, $p.Action
        if ($named -cnotcontains $want) {
            $m.Add(('the summary does not name the declined change as not done: expected the line ''{0}'' under ''{1}''' -f $want, $lines[$head]))
        }
    }
    if ($named.Count -ne $no.Count) {
        $m.Add(('the summary names {0} declined change(s), the run answered No to {1} prompt(s)' -f $named.Count, $no.Count))
    }
    $want = 'Result: done, except the {0} declined change(s) above.' -f $no.Count
    if ($end -ge $lines.Count -or $lines[$end] -cne $want) {
        $m.Add(('the summary''s result is not ''{0}''' -f $want))
    }
    return $m.ToArray()
}

function Invoke-ScenarioDecline {
    <#
    .SYNOPSIS
    A change declined with -Confirm: from the start state, a run with -Confirm
    (every prompt answered Yes) shows the prompts; one VM's change is picked
    (Select-ScenarioDeclinePrompt) and a second run answers No to its prompt
    only (Invoke-TwinRun -Decline). It must exit 0 with exactly that prompt
    answered No, its summary naming it as not done and ending 'Result: done,
    except ...'; that VM unchanged, every other change made, every VM in the
    power state it had; and a rerun without -Decline must make the change and
    converge. Runs on the clusters of $script:DeclineInputs, or any with
    -Only decline.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Ctx)
    $wanted = @($script:DeclineInputs | Where-Object { $Ctx.Name.StartsWith($_, [System.StringComparison]::Ordinal) })
    if ($wanted.Count -eq 0 -and $Ctx.Only -notcontains 'decline') {
        return @()
    }
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $m = [System.Collections.Generic.List[string]]::new()
    $ncalls = 0
    $start = $Ctx.Start
    if (-not $start) {
        $start = & $Ctx.P.Start $Ctx
    }
    $probe = Invoke-ScenarioTwin -State (Copy-ScenarioState -State $start) -Script $Ctx.Script -ScriptArgs $Ctx.Args -Decline @()
    $ncalls += @($probe.Calls).Count
    $vmNames = @($Ctx.Model.Vms | ForEach-Object { [string]$_.Name })
    $pick = $null
    if ($probe.Exit -ne 0) {
        $m.Add(('the run with -Confirm, every prompt answered Yes, failed: {0}' -f (Get-ScenarioRunMessage -Run $probe)))
    } else {
        $pick = Select-ScenarioDeclinePrompt -Prompts @($probe.Prompts) -VmNames $vmNames
        if (-not $pick) {
            $m.Add(('no VM has a change whose prompt, answered No, leaves it as it was ({0} prompts)' -f @($probe.Prompts).Count))
        }
    }
    if (-not $pick) {
        return @(New-ScenarioResult -Script $Ctx.Name -Check 'decline' -Scenario 'one change declined' -Messages $m.ToArray() -Calls $ncalls -Seconds $sw.Elapsed.TotalSeconds)
    }
    $scenario = '{0}: {1} declined' -f $pick.Target, $pick.Action
    $decline = 'Performing the operation "{0}" on target "{1}".' -f $pick.Action, $pick.Target
    $r = Invoke-ScenarioTwin -State (Copy-ScenarioState -State $start) -Script $Ctx.Script -ScriptArgs $Ctx.Args -Decline @($decline)
    $ncalls += @($r.Calls).Count
    if ($r.Exit -ne 0) {
        $m.Add(('the run with one change declined ended exit {0}, expected 0 (done without it): {1}' -f $r.Exit, (Get-ScenarioRunMessage -Run $r)))
    }
    $no = @($r.Prompts | Where-Object { $_ -like 'No: *' })
    if ($no.Count -ne 1 -or -not $no[0].EndsWith($decline, [System.StringComparison]::Ordinal)) {
        $m.Add(('expected exactly one prompt answered No ({0}), got {1} of {2}: {3}' -f $decline, $no.Count, @($r.Prompts).Count, ($no -join ' | ')))
    }
    foreach ($x in (Get-ScenarioDeclineSummaryProblem -Run $r)) {
        $m.Add($x)
    }
    if (-not $r.State) {
        $m.Add('the run with one change declined gave no state')
    } else {
        $field = $Ctx.P.PowerField
        $after = @{}
        foreach ($v in (& $Ctx.P.Vms $r.State)) {
            $after[[string]$v['id']] = $v
        }
        foreach ($v in (& $Ctx.P.Vms $start)) {
            $a = $after[[string]$v['id']]
            if (-not $a) {
                $m.Add(('VM {0} is gone after the run with one change declined' -f (Format-ScenarioName -Name $v['name'])))
                continue
            }
            if ([string]$a[$field] -ne [string]$v[$field]) {
                $m.Add(('VM {0} was {1} and is {2} after the run with one change declined' -f (Format-ScenarioName -Name $v['name']), $v[$field], $a[$field]))
            }
            if ([string]$v['name'] -ceq $pick.Target) {
                $bj = ConvertTo-Json -InputObject $v -Depth 20 -Compress
                $aj = ConvertTo-Json -InputObject $a -Depth 20 -Compress
                if ($aj -cne $bj) {
                    $m.Add(('VM {0}, whose change was declined, was changed: {1}' -f $pick.Target, (Get-ScenarioStateDiff -A $v -B $a)))
                }
            }
        }
        foreach ($c in @($r.Calls | Where-Object { $_.Contains('target') -and [string]$_['target'] -ceq $pick.Target })) {
            $m.Add(('a call on {0}, whose change was declined: {1}' -f $pick.Target, (Format-ScenarioCall -Call $c)))
        }
        foreach ($f in (& $Ctx.P.Assert $Ctx $r.State $start)) {
            if ([string]$f.Vm -cne $pick.Target) {
                $m.Add(('a change not declined was not made: {0}' -f $f.Message))
            }
        }
        $r2 = Invoke-ScenarioTwin -State $r.State -Script $Ctx.Script -ScriptArgs $Ctx.Args
        $ncalls += @($r2.Calls).Count
        if ($r2.Exit -ne 0) {
            $m.Add(('the rerun without -Decline failed: {0}' -f (Get-ScenarioRunMessage -Run $r2)))
        }
        if (@($r2.Calls | Where-Object { $_.Contains('target') -and [string]$_['target'] -ceq $pick.Target }).Count -eq 0) {
            $m.Add(('the rerun without -Decline made no change on {0}' -f $pick.Target))
        }
        if ($r2.State) {
            foreach ($f in (& $Ctx.P.Assert $Ctx $r2.State $start)) {
                $m.Add(('after the rerun: {0}' -f $f.Message))
            }
        } else {
            $m.Add('the rerun without -Decline gave no state')
        }
    }
    return @(New-ScenarioResult -Script $Ctx.Name -Check 'decline' -Scenario $scenario -Messages $m.ToArray() -Calls $ncalls -Seconds $sw.Elapsed.TotalSeconds)
}

function Invoke-ScenarioScript {
    <#
    .SYNOPSIS
    Every check for one generated script. Returns the results.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][string]$Script,
        [Parameter(Mandatory)][hashtable]$Model,
        [Parameter(Mandatory)][hashtable]$Catalog,
        [hashtable]$Previous,
        [string[]]$Only = @()
    )
    $ctx = @{ Name = $Name; Script = $Script; Model = $Model; Catalog = $Catalog; Previous = $Previous
        Start = $null; Converge = $null; Converged = $false; P = $script:Platforms[[string]$Model.Target]; Args = @{}; Only = $Only }
    if ($Model.Target -eq 'vmware') {
        # The vCenter the twin state names (New-VmwScenarioDeclaredState).
        $ctx.Args = @{ Server = 'vc01' }
    }
    $all = [System.Collections.Generic.List[object]]::new()
    $checks = [ordered]@{
        converge = 'Invoke-ScenarioConverge'; idempotent = 'Invoke-ScenarioIdempotent'; preview = 'Invoke-ScenarioPreview'
        preflight = 'Invoke-ScenarioPreflight'; faults = 'Invoke-ScenarioFaults'; drift = 'Invoke-ScenarioDrift'
        names = 'Invoke-ScenarioNames'; failover = 'Invoke-ScenarioFailover'; previous = 'Invoke-ScenarioPrevious'
        vsphere = 'Invoke-ScenarioVsphere'; decline = 'Invoke-ScenarioDecline'
    }
    foreach ($c in $checks.Keys) {
        if ($c -ne 'converge' -and $Only.Count -gt 0 -and $Only -notcontains $c) {
            continue
        }
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            $got = @(& $checks[$c] -Ctx $ctx)
            foreach ($x in $got) {
                $all.Add($x)
            }
            $ran = @($got | Where-Object { -not $_.Note })
            if ($ran.Count -gt 0) {
                Write-Host ('   {0} {1}: {2} scenario(s), {3} failed, {4:N1} s' -f $Name, $c, $ran.Count, @($ran | Where-Object { -not $_.Pass }).Count, $sw.Elapsed.TotalSeconds)
            }
        } catch {
            # A harness bug: reported as one failed scenario of that check.
            $all.Add((New-ScenarioResult -Script $Name -Check $c -Scenario 'harness' -Messages @(('the harness stopped: {0} {1}' -f $_.Exception.Message, $_.InvocationInfo.PositionMessage))))
        }
    }
    return $all.ToArray()
}

Export-ModuleMember -Function Invoke-ScenarioScript, Test-ScenarioRefusal, Get-ScenarioPowerFailure, Test-ScenarioStateEqual
