<#
.SYNOPSIS
Runs a generated script against a simulated cluster (the twin, tests/twin/README.md).
.DESCRIPTION
pwsh -NoProfile -File tests/twin/Invoke-Twin.ps1 -State IN.json -Script S.ps1 -Out OUT.json
     [-WhatIf] [-ScriptArgs '{"Server": "vc01", "RemoveUndeclared": true}']

Exit 0 when the script finished successfully, 1 when it threw or exited
non-zero, 2 when the twin itself could not run (bad state file, unknown
platform, bad -ScriptArgs): then a diagnostic FILE:LINE:COL: message goes to
stderr and OUT.json is not written.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$State,
    [Parameter(Mandatory)][string]$Script,
    [Parameter(Mandatory)][string]$Out,
    [switch]$WhatIf,
    [string]$ScriptArgs = '{}',
    [int]$TimeoutSeconds = 300
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Stop-Twin {
    param([string]$Message)
    [Console]::Error.WriteLine($Message)
    exit 2
}

try {
    Import-Module -Name (Join-Path $PSScriptRoot 'Twin.psm1') -Force
} catch {
    Stop-Twin ('twin: cannot load the twin: {0}' -f $_.Exception.Message)
}
$argsTable = $null
try {
    $argsTable = ConvertFrom-Json -InputObject $ScriptArgs -AsHashtable -ErrorAction Stop
} catch {
    $m = $_.Exception.Message
    $col = if ($m -match 'position (\d+)') { $Matches[1] } else { '1' }
    Stop-Twin ('-ScriptArgs:1:{0}: not valid JSON: {1}' -f $col, $m)
}
if ($null -eq $argsTable) {
    $argsTable = @{}
}
if ($argsTable -isnot [System.Collections.IDictionary]) {
    Stop-Twin '-ScriptArgs:1:1: must be a JSON object of the script''s parameters'
}
$r = Invoke-TwinRun -StatePath $State -Script $Script -Preview:$WhatIf -ScriptArgs $argsTable -TimeoutSeconds $TimeoutSeconds
if ($r.exit -eq 2) {
    Stop-Twin $r.error
}
$json = ConvertTo-TwinJson ([ordered]@{ exit = $r.exit; error = $r.error; state = $r.state; calls = @($r.calls); output = @($r.output) })
try {
    $full = [System.IO.Path]::GetFullPath($Out, (Get-Location).ProviderPath)
    $tmp = $full + '.tmp'
    [System.IO.File]::WriteAllText($tmp, $json + "`n", [System.Text.UTF8Encoding]::new($false))
    Move-Item -LiteralPath $tmp -Destination $full -Force
} catch {
    Stop-Twin ('{0}:1:1: cannot write the result: {1}' -f $Out, $_.Exception.Message)
}
exit $r.exit
