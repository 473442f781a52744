<#
.SYNOPSIS
Runs the twin scenarios (tests/twin/README.md) for every generated Hyper-V and VMware script
under -BuildRoot, in this one pwsh process, and prints "N passed, M failed".

.DESCRIPTION
-BuildRoot holds one folder per input file (tests/twin/scenarios/run.sh makes
them): json/ (the `vgpuc build --target json` output), ps/ (the scripts of the
default target), and, for a golden with an earlier version in
tests/twin/scenarios/previous/, previous/ (its JSON) and expect.psd1. Hyper-V
clusters run against the Hyper-V twin, VMware ones against the vSphere twin;
a cluster of another target is listed as not run.

.EXAMPLE
pwsh -NoProfile -File tests/twin/scenarios/Invoke-Scenarios.ps1 -BuildRoot /tmp/b -Vgpuc ./vgpuc -Filter ws-gpu -Only converge,faults
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$BuildRoot,
    [Parameter(Mandatory)][string]$Vgpuc,
    # Only input folders whose name contains this text.
    [string]$Filter = '',
    # Only these checks (converge always runs): idempotent, preview, preflight,
    # faults, drift, names, failover, previous, vsphere, decline (this one
    # then on every cluster, not only those of ScenarioChecks.psm1's list).
    [string[]]$Only = @(),
    # Run each twin run as its own pwsh process (the contract's command line).
    [switch]$Process,
    # Print every scenario, not only the failed ones.
    [switch]$ShowAll,
    # Another twin than tests/twin (a folder with Invoke-Twin.ps1 or Twin.psm1).
    [string]$TwinRoot = '',
    # Leave out the planted faults (ScenarioPlanted.psm1; also left out with -Filter or -Only).
    [switch]$SkipPlanted,
    # Only the planted faults whose name or input contains one of these texts
    # (comma-separated); no cluster is run.
    [string]$Planted = '',
    # Clusters run at the same time, each in its own runspace of this process
    # (0: one per processor).
    [int]$Jobs = 0
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioModel.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioTwin.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioChecks.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioPlanted.psm1')

# `pwsh -File` passes "a,b" as one string.
$Only = @($Only | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$mode = Initialize-ScenarioTwin -Process:$Process -TwinRoot $TwinRoot
$catalog = Get-ScenarioCatalog -Vgpuc $Vgpuc
$passed = 0
$failed = 0
$scenarios = 0
$totalCalls = 0
$perScript = [System.Collections.Generic.List[string]]::new()
$leftOut = [System.Collections.Generic.List[string]]::new()

function Write-ScenarioResult {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Result, [switch]$Always)
    if ($Result.Note) {
        Write-Host ('  note  {0} {1}: {2}' -f $Result.Check, $Result.Scenario, $Result.Note)
        return
    }
    if ($Result.Pass -and -not $Always) {
        return
    }
    $word = $(if ($Result.Pass) { 'ok  ' } else { 'FAIL' })
    Write-Host ('  {0}  {1} / {2}  ({3} calls, {4:N2} s)' -f $word, $Result.Check, $Result.Scenario, $Result.Calls, $Result.Seconds)
    foreach ($m in $Result.Messages) {
        Write-Host ('        - {0}' -f $m)
    }
}

# --- the work: one item per cluster --------------------------------------------
$work = [System.Collections.Generic.List[object]]::new()
$seen = @{}
foreach ($dir in (Get-ChildItem -LiteralPath $BuildRoot -Directory | Sort-Object -Property Name)) {
    if ($Planted) {
        break
    }
    # -Filter takes one text or several, comma-separated (pwsh -File passes one string).
    $wanted = @($Filter -split ',' | Where-Object { $_ })
    if ($wanted.Count -gt 0 -and -not @($wanted | Where-Object { $dir.Name -like "*$_*" }).Count) {
        continue
    }
    $jsonDir = Join-Path -Path $dir.FullName -ChildPath 'json'
    $psDir = Join-Path -Path $dir.FullName -ChildPath 'ps'
    $jsons = @(Get-ChildItem -LiteralPath $jsonDir -Filter '*.json' -File -ErrorAction SilentlyContinue | Sort-Object -Property Name)
    if ($jsons.Count -eq 0) {
        $leftOut.Add(('{0}: no cluster in the file, nothing to run' -f $dir.Name))
        continue
    }
    $previous = $null
    $prevDir = Join-Path -Path $dir.FullName -ChildPath 'previous'
    $expectFile = Join-Path -Path $dir.FullName -ChildPath 'expect.psd1'
    if ((Test-Path -LiteralPath $prevDir) -and (Test-Path -LiteralPath $expectFile)) {
        $pj = @(Get-ChildItem -LiteralPath $prevDir -Filter '*.json' -File)
        if ($pj.Count -eq 1) {
            $previous = @{
                Name   = 'previous/' + $dir.Name
                Model  = Read-ScenarioModel -JsonPath $pj[0].FullName -Catalog $catalog
                Expect = Import-PowerShellDataFile -LiteralPath $expectFile
            }
        }
    }
    foreach ($j in $jsons) {
        $label = '{0}/{1}' -f $dir.Name, [System.IO.Path]::GetFileNameWithoutExtension($j.Name)
        try {
            $model = Read-ScenarioModel -JsonPath $j.FullName -Catalog $catalog
        } catch {
            Write-Host ('FAIL  {0}: no scenario model: {1}' -f $label, $_.Exception.Message)
            $failed++
            continue
        }
        if (@('hyperv', 'vmware') -notcontains $model.Target) {
            $leftOut.Add(('{0}: target {1}, no twin for it' -f $label, $model.Target))
            continue
        }
        $script = Join-Path -Path $psDir -ChildPath ([System.IO.Path]::ChangeExtension($j.Name, '.ps1'))
        if (-not (Test-Path -LiteralPath $script)) {
            Write-Host ('FAIL  {0}: no generated script {1}' -f $label, $script)
            $failed++
            continue
        }
        # The same cluster from two inputs (hci-json.vgpu is hci-gpup-dda.vgpu
        # built as JSON): its script differs only in the header comments; run once.
        $doc = ConvertFrom-ScenarioJson -Text (Get-Content -LiteralPath $j.FullName -Raw)
        $body = (@(Get-Content -LiteralPath $script) | Where-Object { $_ -notmatch '^#' }) -join "`n"
        $key = (ConvertTo-Json -InputObject $doc['cluster'] -Depth 100 -Compress) + "`n" + $body
        if ($seen.ContainsKey($key) -and -not $previous) {
            $leftOut.Add(('{0}: the same cluster and script (but for the header) as {1}, run once there' -f $label, $seen[$key]))
            continue
        }
        $seen[$key] = $label
        $work.Add(@{ Label = $label; Script = $script; Json = $j.FullName; Model = $model; Previous = $previous })
    }
}

# --- running: each cluster's checks in one runspace of this process ------------
$worker = {
    param($ModuleDir, $TwinRoot, $Process, $Item, $Catalog, $Only)
    Set-StrictMode -Version Latest
    $ErrorActionPreference = 'Stop'
    Import-Module -Name (Join-Path -Path $ModuleDir -ChildPath 'ScenarioTwin.psm1')
    Import-Module -Name (Join-Path -Path $ModuleDir -ChildPath 'ScenarioChecks.psm1')
    $null = Initialize-ScenarioTwin -Process:$Process -TwinRoot $TwinRoot
    # A runspace of the pool may have run another cluster before: count this one's runs.
    $before = Get-ScenarioTwinStat
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $results = @()
    try {
        $results = @(Invoke-ScenarioScript -Name $Item.Label -Script $Item.Script -Model $Item.Model -Catalog $Catalog -Previous $Item.Previous -Only $Only)
    } finally {
        Remove-ScenarioScratch
    }
    $after = Get-ScenarioTwinStat
    @{ Results = $results; Seconds = $sw.Elapsed.TotalSeconds
        Stat = @{ Mode = $after.Mode; Runs = $after.Runs - $before.Runs; Seconds = $after.Seconds - $before.Seconds } }
}
$jobsWanted = $Jobs
if ($jobsWanted -lt 1) {
    $jobsWanted = [Math]::Max(1, [Environment]::ProcessorCount)
}
$jobsWanted = [Math]::Min($jobsWanted, [Math]::Max(1, $work.Count))
Write-Host ('{0} cluster(s) to run (Hyper-V and VMware), {1} at a time' -f $work.Count, $jobsWanted)
$pool = [runspacefactory]::CreateRunspacePool(1, $jobsWanted, $Host)
$pool.Open()
$running = [System.Collections.Generic.List[object]]::new()
# The largest clusters first, so that they do not finish last alone.
foreach ($item in @($work | Sort-Object -Property @{ Expression = { -@($_.Model.Vms).Count } }, @{ Expression = { $_.Label } })) {
    $ps = [powershell]::Create()
    $ps.RunspacePool = $pool
    $null = $ps.AddScript($worker).AddArgument($PSScriptRoot).AddArgument($TwinRoot).AddArgument([bool]$Process).AddArgument($item).AddArgument($catalog).AddArgument($Only)
    $running.Add(@{ Item = $item; Ps = $ps; Async = $ps.BeginInvoke() })
}
$twinRuns = 0
$twinSeconds = 0.0
foreach ($r0 in $running) {
    $item = $r0.Item
    $label = $item.Label
    $model = $item.Model
    $out = $null
    try {
        $out = @($r0.Ps.EndInvoke($r0.Async))[-1]
    } catch {
        Write-Host ('FAIL  {0}: the harness stopped: {1}' -f $label, $_.Exception.Message)
        $failed++
        continue
    } finally {
        $r0.Ps.Dispose()
    }
    $results = @($out.Results)
    $twinRuns += $out.Stat.Runs
    $twinSeconds += $out.Stat.Seconds
    Write-Host ('== {0} ({1} hosts, {2} VMs{3})' -f $label, @($model.Hosts).Count, @($model.Vms).Count, $(if ($model.Clustered) { ', clustered' } else { '' }))
    $calls = 0
    $converge = 0
    $byCheck = [ordered]@{}
    foreach ($r in $results) {
        Write-ScenarioResult -Result $r -Always:$ShowAll
        if ($r.Note) {
            continue
        }
        $scenarios++
        $calls += $r.Calls
        if ($r.Check -eq 'converge') {
            $converge = $r.Calls
        }
        if (-not $byCheck.Contains($r.Check)) {
            $byCheck[$r.Check] = @(0, 0)
        }
        if ($r.Pass) {
            $passed++
            $byCheck[$r.Check][0]++
        } else {
            $failed++
            $byCheck[$r.Check][1]++
        }
    }
    $totalCalls += $calls
    $summary = ($byCheck.Keys | ForEach-Object { '{0} {1}/{2}' -f $_, $byCheck[$_][0], ($byCheck[$_][0] + $byCheck[$_][1]) }) -join ', '
    Write-Host ('   {0}' -f $summary)
    $line = '{0}: {1} scenarios, {2} mutating calls to converge, {3} in all runs, {4} twin runs, {5:N1} s' -f $label, @($results | Where-Object { -not $_.Note }).Count, $converge, $calls, $out.Stat.Runs, $out.Seconds
    Write-Host ('   {0}' -f $line)
    $perScript.Add($line)
}
$pool.Close()

if ($Planted -or (-not $SkipPlanted -and -not $Filter -and $Only.Count -eq 0)) {
    Write-Host '== planted faults: each check must fail on a script broken for it'
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $read = { param($Path) Read-ScenarioModel -JsonPath $Path -Catalog $catalog }
    foreach ($r in (Invoke-ScenarioPlanted -BuildRoot $BuildRoot -Catalog $catalog -ReadModel $read -Match @($Planted -split ',' | Where-Object { $_ }))) {
        Write-ScenarioResult -Result $r
        $scenarios++
        if ($r.Pass) {
            $passed++
        } else {
            $failed++
        }
    }
    $perScript.Add(('planted faults: {0:N1} s' -f $sw.Elapsed.TotalSeconds))
}

foreach ($l in $leftOut) {
    Write-Host ('not run: {0}' -f $l)
}
$stat = Get-ScenarioTwinStat
$twinRuns += $stat.Runs
$twinSeconds += $stat.Seconds
Write-Host ''
Write-Host 'Twin scenarios per script:'
foreach ($l in $perScript) {
    Write-Host ('  {0}' -f $l)
}
Write-Host ('Total: {0} scripts, {1} scenarios, {2} mutating calls, {3} twin runs ({4}, {5} at a time), {6:N1} s in the twin, {7:N1} s in all' -f $work.Count, $scenarios, $totalCalls, $twinRuns, $stat.Mode, $jobsWanted, $twinSeconds, $clock.Elapsed.TotalSeconds)
Remove-ScenarioScratch
Write-Host ('{0} passed, {1} failed' -f $passed, $failed)
if ($failed -gt 0) {
    exit 1
}
exit 0
