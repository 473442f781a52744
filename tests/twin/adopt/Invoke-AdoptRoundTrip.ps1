<#
.SYNOPSIS
The adoption round trip in the twin (docs/adopt.md), for one or more clusters.
.DESCRIPTION
For each cluster (its `vgpuc build --target json` model and its Hyper-V script,
in -Dir/<name>/json/*.json and -Dir/<name>/ps/*.ps1): make the scenario start
state, run the build script on it (it must converge, exit 0), run the
inventory script on the converged state (exit 0, zero mutating calls, state
byte-identical), then write the inventory document to -Dir/<name>/inventory.json
for `vgpuc import` (run by run.sh) and the converged state to
-Dir/<name>/converged.json (for Invoke-AdoptRebuild.ps1). Prints "ok NAME: STEP" or "FAIL NAME: STEP:
WHY" per step.

With -Plants (tests/twin/adopt/Plants.ps1), each planted drift of a cluster
edits a copy of its converged state, and the inventory script runs on it too
(zero mutating calls): -Dir/<name>/inventory-<plant>.json, for run.sh to
run `vgpuc drift` on.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Dir,
    [Parameter(Mandatory)][string]$Vgpuc,
    [Parameter(Mandatory)][string]$Inventory,
    [Parameter(Mandatory)][string]$VmwareInventory,
    [string]$Plants = ''
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$scen = Join-Path -Path $PSScriptRoot -ChildPath '../scenarios'
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath '../Twin.psm1')
Import-Module -Name (Join-Path -Path $scen -ChildPath 'ScenarioModel.psm1')
Import-Module -Name (Join-Path -Path $scen -ChildPath 'ScenarioState.psm1')
Import-Module -Name (Join-Path -Path $scen -ChildPath 'ScenarioVmware.psm1')

$catalog = Get-ScenarioCatalog -Vgpuc $Vgpuc
$planted = @()
if ($Plants -ne '') {
    $planted = @(. $Plants)
}

function Invoke-AdoptInventory {
    param($State, [string]$Path, [string]$Label, [switch]$GuestCredential, [hashtable]$Guests = @{})
    $invArgs = @{ Path = $Path }
    if ($GuestCredential) {
        $invArgs['GuestCredential'] = [pscredential]::new('vgpuc-twin\admin', (ConvertTo-SecureString -String 'twin-guest-password' -AsPlainText -Force))
    }
    $invScript = $Inventory
    if ([string]$State['platform'] -eq 'vmware') {
        # the vSphere inventory: the vCenter the state simulates, its one cluster
        $invScript = $VmwareInventory
        $invArgs['Server'] = [string]$State['vcenter']['name']
        $invArgs['Cluster'] = [string]@($State['clusters'])[0]['name']
    } elseif ($null -ne $State['cluster']) {
        $invArgs['Cluster'] = [string]$State['cluster']['name']
    } else {
        $invArgs['ComputerName'] = @($State['hosts'] | ForEach-Object { [string]$_['name'] })
    }
    $before = ConvertTo-Json -InputObject $State -Depth 30
    $inv = Invoke-TwinRun -State $State -Script $invScript -ScriptArgs $invArgs -TimeoutSeconds 300
    $after = ConvertTo-Json -InputObject $inv.state -Depth 30
    if ($inv.exit -ne 0) {
        Write-Output ('FAIL {0}: exit {1}: {2}' -f $Label, $inv.exit, $inv.error)
    } elseif (@($inv.calls).Count -ne 0) {
        Write-Output ('FAIL {0}: {1} mutating call(s): {2}' -f $Label, @($inv.calls).Count, (@($inv.calls | ForEach-Object { $_['command'] }) -join ', '))
    } elseif ($after -ne $before) {
        Write-Output ('FAIL {0}: the state changed' -f $Label)
    } else {
        Write-Output ('ok {0} read only' -f $Label)
    }
    # the guest drivers the document must hold (read with -GuestCredential)
    if ($inv.exit -eq 0 -and $Guests.Count -gt 0) {
        $held = @{}
        foreach ($h in @((Get-Content -Raw -LiteralPath $Path | ConvertFrom-Json).hosts)) {
            foreach ($v in @($h.vms)) { if ($null -ne $v -and $null -ne $v.PSObject.Properties['guest_driver']) { $held[[string]$v.name] = [string]$v.guest_driver } }
        }
        $wrong = @($Guests.Keys | Sort-Object | Where-Object { $held[$_] -ne $Guests[$_] } | ForEach-Object { '{0} holds {1}, expected {2}' -f $_, $held[$_], $Guests[$_] })
        if ($wrong.Count -gt 0) { Write-Output ('FAIL {0}: guest drivers: {1}' -f $Label, ($wrong -join '; ')) }
        else { Write-Output ('ok {0}: holds the guest drivers {1}' -f $Label, ((@($Guests.Keys) | Sort-Object | ForEach-Object { '{0}={1}' -f $_, $Guests[$_] }) -join ', ')) }
    }
}
foreach ($d in @(Get-ChildItem -LiteralPath $Dir -Directory | Sort-Object -Property Name)) {
    $name = $d.Name
    $json = @(Get-ChildItem -LiteralPath (Join-Path -Path $d.FullName -ChildPath 'json') -Filter '*.json')
    $ps = @(Get-ChildItem -LiteralPath (Join-Path -Path $d.FullName -ChildPath 'ps') -Filter '*.ps1')
    if ($json.Count -eq 0 -and $ps.Count -eq 0) {
        Write-Output ('not run: {0}: the file declares no cluster' -f $name)
        continue
    }
    if ($json.Count -ne 1 -or $ps.Count -ne 1) {
        Write-Output ('FAIL {0}: build: expected one cluster, got {1} models and {2} scripts' -f $name, $json.Count, $ps.Count)
        continue
    }
    try {
        $model = Read-ScenarioModel -JsonPath $json[0].FullName -Catalog $catalog
        $scriptArgs = @{}
        if ($model.Target -eq 'vmware') {
            $start = (New-VmwScenarioStartState -Model $model -Catalog $catalog).State
            $scriptArgs['Server'] = [string]$start['vcenter']['name']
        } else {
            $start = (New-ScenarioStartState -Model $model).State
        }
    } catch {
        Write-Output ('FAIL {0}: start state: {1}' -f $name, $_.Exception.Message)
        continue
    }
    $conv = Invoke-TwinRun -State $start -Script $ps[0].FullName -ScriptArgs $scriptArgs -TimeoutSeconds 300
    if ($conv.exit -ne 0) {
        Write-Output ('FAIL {0}: converge: exit {1}: {2}' -f $name, $conv.exit, $conv.error)
        continue
    }
    Write-Output ('ok {0}: converge' -f $name)
    $state = $conv.state
    [System.IO.File]::WriteAllText((Join-Path -Path $d.FullName -ChildPath 'converged.json'), (ConvertTo-TwinJson $state))
    $invPath = Join-Path -Path $d.FullName -ChildPath 'inventory.json'
    Invoke-AdoptInventory -State $state -Path $invPath -Label ('{0}: inventory' -f $name)
    foreach ($p in @($planted | Where-Object { $_.Cluster -eq $name })) {
        $edited = Copy-TwinState -State $state
        & $p.Edit $edited
        $path = Join-Path -Path $d.FullName -ChildPath ('inventory-{0}.json' -f $p.Name)
        Invoke-AdoptInventory -State $edited -Path $path -Label ('{0}: planted {1}: inventory' -f $name, $p.Name) -GuestCredential:($p.ContainsKey('GuestCredential') -and [bool]$p.GuestCredential) -Guests $(if ($p.ContainsKey('Guests')) { $p.Guests } else { @{} })
    }
}
