<#
.SYNOPSIS
Writes one scenario state of a cluster to a file, to run a script on it by
hand with tests/twin/Invoke-Twin.ps1 (docs/testing.md).

.DESCRIPTION
-Json is the cluster's `vgpuc build --target json` output. -Kind is one of:
declared, start, hostile, drift:NAME (extra-partition, dda-instead-of-gpup,
leftover-device, gpup-instead-of-dda, gpup-next-to-dda, extra-device,
undeclared-vm, undeclared-gpu; made from the declared state), preflight:NAME
(wrong-driver, driver-on-dda-host, driver-unbound, missing-gpu, missing-vm, duplicate-vm,
invalid-partition-count, capacity-gpup, capacity-dda, saved-vm,
undeclared-model, unreachable-host, generation, all). -Fault adds a fault
('COMMAND=TARGET'). The kinds a cluster cannot show are listed on error.

.EXAMPLE
pwsh -NoProfile -File tests/twin/scenarios/New-ScenarioStateFile.ps1 -Vgpuc ./vgpuc -Json out/ws-gpu.json -Kind start -Out start.json
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Json,
    [Parameter(Mandatory)][string]$Kind,
    [Parameter(Mandatory)][string]$Out,
    [string]$Vgpuc = 'vgpuc',
    [string[]]$Fault = @()
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioModel.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioState.psm1')

$catalog = Get-ScenarioCatalog -Vgpuc $Vgpuc
$model = Read-ScenarioModel -JsonPath $Json -Catalog $catalog
$what, $name = $Kind.Split(':', 2)
$state = $null
switch ($what) {
    'declared' { $state = New-ScenarioDeclaredState -Model $model }
    'start' { $state = (New-ScenarioStartState -Model $model).State }
    'hostile' {
        $h = New-ScenarioHostileState -Model $model
        if (-not $h) {
            throw 'no VM of this cluster has a hostile name'
        }
        $state = $h.State
    }
    'drift' {
        $d = New-ScenarioDriftState -Model $model -Converged (New-ScenarioDeclaredState -Model $model)
        $v = @($d.Variants | Where-Object { $_.Name -eq $name })
        if ($v.Count -ne 1) {
            throw ('no drift variant {0}; this cluster has: {1} (not shown: {2})' -f $name, (($d.Variants | ForEach-Object { $_.Name }) -join ', '), ($d.Skipped -join '; '))
        }
        $state = $v[0].State
    }
    'preflight' {
        $p = @(New-ScenarioPreflightState -Model $model -Catalog $catalog | Where-Object { $_.Name -eq $name })
        if ($p.Count -ne 1) {
            throw ('no pre-flight state {0}; this cluster has: {1}' -f $name, ((New-ScenarioPreflightState -Model $model -Catalog $catalog | ForEach-Object { $_.Name }) -join ', '))
        }
        $state = $p[0].State
    }
    default { throw ('unknown kind {0}: declared, start, hostile, drift:NAME or preflight:NAME' -f $Kind) }
}
foreach ($f in $Fault) {
    $c, $t = $f.Split('=', 2)
    Add-ScenarioFault -State $state -Command $c -Target ([string]$t)
}
[System.IO.File]::WriteAllText($Out, (ConvertTo-Json -InputObject $state -Depth 100), [System.Text.UTF8Encoding]::new($false))
