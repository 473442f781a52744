# ScenarioTwin.psm1 - one way to run a generated script in the twin
# (tests/twin/README.md) for the scenario checks. With the twin's in-process
# entry loaded, every run stays in this pwsh process; without it, each run is
# `pwsh -NoProfile -File tests/twin/Invoke-Twin.ps1 -State IN -Script S -Out OUT`,
# the contract's command line. Either way a run returns
# @{ Exit; Error; State; Calls; Output; Lines; Prompts; Seconds } (Prompts: the
# -Confirm prompts of a run with -Decline, each 'Yes: TEXT' or 'No: TEXT').
Set-StrictMode -Version Latest

$script:TwinRoot = Split-Path -Path $PSScriptRoot -Parent
$script:Mode = $null
$script:InProcess = $null
$script:NodeFailure = $null
$script:Runs = 0
$script:RunSeconds = 0.0
$script:Scratch = $null

function Initialize-ScenarioTwin {
    <#
    .SYNOPSIS
    Load the twin: its in-process entry when tests/twin offers one (unless
    -Process), else the command line of the contract.
    #>
    [CmdletBinding()]
    param([switch]$Process, [string]$TwinRoot = '')
    if ($TwinRoot) {
        $script:TwinRoot = (Resolve-Path -LiteralPath $TwinRoot).ProviderPath
    }
    $script:Scratch = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('vgpuc-scen-{0}' -f $PID)
    $null = New-Item -ItemType Directory -Path $script:Scratch -Force
    $cli = Join-Path -Path $script:TwinRoot -ChildPath 'Invoke-Twin.ps1'
    $script:Mode = $null
    if (Test-Path -LiteralPath $cli) {
        $script:Mode = 'process'
    }
    if (-not $Process) {
        foreach ($m in @('Twin.psd1', 'Twin.psm1')) {
            $path = Join-Path -Path $script:TwinRoot -ChildPath $m
            if (Test-Path -LiteralPath $path) {
                Import-Module -Name $path -Global
                break
            }
        }
        foreach ($name in @('Invoke-TwinRun')) {
            $cmd = Get-Command -Name $name -CommandType Function -ErrorAction SilentlyContinue
            if ($cmd) {
                $script:InProcess = $cmd
                $script:Mode = 'in-process'
                break
            }
        }
    }
    if (-not $script:Mode) {
        throw ('the twin is missing: neither {0} nor its in-process entry (Invoke-TwinRun in Twin.psm1)' -f $cli)
    }
    foreach ($name in @('Invoke-TwinNodeFailure')) {
        $cmd = Get-Command -Name $name -CommandType Function -ErrorAction SilentlyContinue
        if ($cmd) {
            $script:NodeFailure = $cmd
            break
        }
    }
    return $script:Mode
}

function Get-ScenarioTwinStat {
    [CmdletBinding()]
    param()
    return @{ Mode = $script:Mode; Runs = $script:Runs; Seconds = $script:RunSeconds }
}

function ConvertTo-ScenarioRun {
    # The contract's OUT object (parsed) as the run the checks read.
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowNull()][object]$Out, [int]$ProcessExit = -1, [double]$Seconds = 0)
    if ($null -eq $Out) {
        return @{ Exit = $(if ($ProcessExit -ge 0) { $ProcessExit } else { 2 }); Error = 'the twin wrote no result'; State = $null
            Calls = @(); Output = @(); Lines = @('the twin wrote no result'); Prompts = @(); Seconds = $Seconds }
    }
    $get = {
        param($o, $k)
        if ($o -is [System.Collections.IDictionary]) {
            if ($o.Contains($k)) { return $o[$k] }
            return $null
        }
        $p = $o.PSObject.Properties[$k]
        if ($p) { return $p.Value }
        return $null
    }
    $output = @(& $get $Out 'output' | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
    $err = & $get $Out 'error'
    $lines = [System.Collections.Generic.List[string]]::new()
    foreach ($o in $output) {
        foreach ($l in ($o -split "`r?`n")) {
            $lines.Add($l)
        }
    }
    if ($err) {
        foreach ($l in ([string]$err -split "`r?`n")) {
            $lines.Add($l)
        }
    }
    $exit = & $get $Out 'exit'
    if ($null -eq $exit) {
        $exit = $ProcessExit
    }
    $state = & $get $Out 'state'
    if ($state -and -not ($state -is [System.Collections.IDictionary])) {
        $state = ConvertFrom-Json -InputObject (ConvertTo-Json -InputObject $state -Depth 100 -Compress) -AsHashtable -DateKind String -Depth 100
    }
    $calls = @(& $get $Out 'calls' | Where-Object { $null -ne $_ })
    $calls = @($calls | ForEach-Object {
            if ($_ -is [System.Collections.IDictionary]) { $_ }
            else { ConvertFrom-Json -InputObject (ConvertTo-Json -InputObject $_ -Depth 20 -Compress) -AsHashtable -DateKind String -Depth 20 }
        })
    $prompts = @(& $get $Out 'prompts' | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
    return @{ Exit = [int]$exit; Error = $err; State = $state; Calls = $calls; Output = $output; Lines = $lines.ToArray(); Prompts = $prompts; Seconds = $Seconds }
}

function Invoke-ScenarioTwin {
    <#
    .SYNOPSIS
    Run one generated script on one state in the twin.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Script,
        [switch]$WhatIf,
        [hashtable]$ScriptArgs = @{},
        # Run with -Confirm, answering No to the prompts that contain one of
        # these texts and Yes to the others (Invoke-TwinRun -Decline; an empty
        # list answers every prompt Yes). In process only: the contract's
        # command line has no -Decline.
        [AllowEmptyCollection()][string[]]$Decline
    )
    if (-not $script:Mode) {
        throw 'Initialize-ScenarioTwin first'
    }
    $declining = $PSBoundParameters.ContainsKey('Decline')
    if ($declining -and -not ($script:Mode -eq 'in-process' -and $script:InProcess.Parameters.ContainsKey('Decline'))) {
        throw 'a run with -Decline needs the twin in process (Invoke-TwinRun -Decline); the command line of the contract has none'
    }
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $script:Runs++
    if ($script:Mode -eq 'in-process' -and $script:InProcess.Parameters.ContainsKey('State') -and $script:InProcess.Parameters.ContainsKey('Preview')) {
        # The twin's own entry on the state object: no files, no new process.
        $p = @{ State = $State; Script = $Script; ScriptArgs = $ScriptArgs }
        if ($WhatIf) {
            $p['Preview'] = $true
        }
        if ($declining) {
            $p['Decline'] = [string[]]@($Decline)
        }
        $items = @(& $script:InProcess @p)
        # The result is the run's dictionary (anything else written is ignored).
        $out = $null
        foreach ($i in $items) {
            if ($i -is [System.Collections.IDictionary] -and $i.Contains('exit')) {
                $out = $i
            }
        }
        $result = ConvertTo-ScenarioRun -Out $out -Seconds $sw.Elapsed.TotalSeconds
        $script:RunSeconds += $sw.Elapsed.TotalSeconds
        return $result
    }
    $inJson = ConvertTo-Json -InputObject $State -Depth 100
    $id = $script:Runs
    $in = Join-Path -Path $script:Scratch -ChildPath ('in-{0}.json' -f $id)
    $out = Join-Path -Path $script:Scratch -ChildPath ('out-{0}.json' -f $id)
    [System.IO.File]::WriteAllText($in, $inJson, [System.Text.UTF8Encoding]::new($false))
    $argsJson = ConvertTo-Json -InputObject $ScriptArgs -Depth 10 -Compress
    $result = $null
    try {
        if ($script:Mode -eq 'in-process') {
            $p = @{ State = $in; Script = $Script; Out = $out }
            if ($WhatIf) {
                $p['WhatIf'] = $true
            }
            if ($ScriptArgs.Count -gt 0) {
                $p['ScriptArgs'] = $argsJson
            }
            $null = & $script:InProcess @p
            $exit = -1
        } else {
            $cli = Join-Path -Path $script:TwinRoot -ChildPath 'Invoke-Twin.ps1'
            $argv = @('-NoProfile', '-NonInteractive', '-File', $cli, '-State', $in, '-Script', $Script, '-Out', $out)
            if ($WhatIf) {
                $argv += '-WhatIf'
            }
            if ($ScriptArgs.Count -gt 0) {
                $argv += @('-ScriptArgs', $argsJson)
            }
            $pwsh = (Get-Process -Id $PID).Path
            $null = & $pwsh @argv 2>&1
            $exit = $LASTEXITCODE
        }
        if (Test-Path -LiteralPath $out) {
            $parsed = ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($out)) -AsHashtable -DateKind String -Depth 100
            $result = ConvertTo-ScenarioRun -Out $parsed -ProcessExit $exit -Seconds $sw.Elapsed.TotalSeconds
        } else {
            $result = ConvertTo-ScenarioRun -Out $null -ProcessExit $exit -Seconds $sw.Elapsed.TotalSeconds
        }
    } finally {
        Remove-Item -LiteralPath $in, $out -ErrorAction SilentlyContinue
    }
    $script:RunSeconds += $sw.Elapsed.TotalSeconds
    return $result
}

function Invoke-ScenarioNodeFailure {
    <#
    .SYNOPSIS
    The twin's node failure on a copy of a state: the node becomes unreachable
    and the cluster restarts each clustered VM of the node on the first
    possible owner with room. Returns @{ State; Moves }, or $null when the
    twin offers no such function.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State, [Parameter(Mandatory)][string]$Node)
    if (-not $script:NodeFailure) {
        return $null
    }
    # The twin edits the state in place (and returns the moves it made).
    $copy = ConvertFrom-Json -InputObject (ConvertTo-Json -InputObject $State -Depth 100 -Compress) -AsHashtable -DateKind String -Depth 100
    $moves = @(& $script:NodeFailure -State $copy -Node $Node)
    return @{ State = $copy; Moves = @($moves | ForEach-Object { [string]$_ }) }
}

function Remove-ScenarioScratch {
    [CmdletBinding(SupportsShouldProcess)]
    param()
    if ($script:Scratch -and (Test-Path -LiteralPath $script:Scratch) -and $PSCmdlet.ShouldProcess($script:Scratch, 'remove')) {
        Remove-Item -LiteralPath $script:Scratch -Recurse -Force
    }
}

Export-ModuleMember -Function Initialize-ScenarioTwin, Invoke-ScenarioTwin, Invoke-ScenarioNodeFailure, Get-ScenarioTwinStat, Remove-ScenarioScratch, ConvertTo-ScenarioRun
