<#
.SYNOPSIS
The second half of the adoption round trip (docs/adopt.md): the imported file,
completed, lints as the original and its script changes nothing.
.DESCRIPTION
For each cluster folder of -Dir that holds imported.vgpu (what `vgpuc import`
made of the inventory of the converged twin), converged.json (that state) and
json/*.json (the original file's `vgpuc build --target json` model):

1. complete the imported file with what an inventory cannot hold, taken from
   the original's model: the platform (and edition), the license server (its
   declaration copied from the original or its includes), the host failures
   to tolerate, Arc VM management, per VM its guest driver, migration, OS and
   firmware, and the vGPU Manager release where the import could write only
   the driver that several releases share (`# releases 16.4 to 16.5 share
   this driver`). Nothing else the inventory holds is taken from the
   original. Written to completed.vgpu.
2. `vgpuc lint` the original and the completed file: the same findings (code,
   level and message, as sorted lists: the import writes VMs in name order, so
   the locations and the order differ by design).
3. `vgpuc build` the completed file for the cluster's target (hyperv or
   vmware, -Dir/<name>/target), run its script on the converged state in the
   twin: exit 0 and zero mutating calls.

Prints "ok NAME: STEP" or "FAIL NAME: STEP: WHY" per step; every cluster
that converged is completed (none is left out).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Dir,
    [Parameter(Mandatory)][string]$Vgpuc,
    [Parameter(Mandatory)][string]$Today,
    [Parameter(Mandatory)][string]$Root
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath '../Twin.psm1')

# A name as the language writes it: a plain word, else a quoted string.
function Format-AdoptName {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    if ($Name -cmatch '^[A-Za-z0-9_][A-Za-z0-9_.+-]*$') {
        return $Name
    }
    return '"' + ($Name.Replace('\', '\\').Replace('"', '\"')) + '"'
}

# The top-level `license-server NAME { ... }` blocks of a file and of the files
# it includes (canonical layout: a block starts and ends in column 1).
function Get-AdoptLicenseBlock {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Path)
    $out = [System.Collections.Generic.List[string]]::new()
    $inside = $false
    foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
        if ($line -match '^include\s+"([^"]+)"') {
            $inc = Join-Path -Path (Split-Path -Path $Path -Parent) -ChildPath $Matches[1]
            foreach ($l in (Get-AdoptLicenseBlock -Path $inc)) {
                $out.Add($l)
            }
            continue
        }
        if ($line -match '^license-server\s') {
            $inside = $true
        }
        if ($inside) {
            $out.Add($line)
            if ($line -match '^\}') {
                $inside = $false
                $out.Add('')
            }
        }
    }
    return , $out
}

# The VM names of an imported `vm` header: a word, a string, or a range.
function Get-AdoptVmName {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Head)
    if ($Head.StartsWith('"')) {
        return , @($Head.Substring(1, $Head.Length - 2).Replace('\"', '"').Replace('\\', '\'))
    }
    if ($Head -match '^(.*)\[(\d+)\.\.(\d+)\](.*)$') {
        $pre = $Matches[1]
        $post = $Matches[4]
        $width = $Matches[2].Length
        $names = foreach ($n in ([int]$Matches[2])..([int]$Matches[3])) {
            '{0}{1}{2}' -f $pre, $n.ToString().PadLeft($width, '0'), $post
        }
        return , @($names)
    }
    return , @($Head)
}

function New-AdoptCompletedText {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Imported, [Parameter(Mandatory)][string]$Original, [Parameter(Mandatory)]$Model)
    $c = $Model['cluster']
    $vms = @{}
    foreach ($v in @($c['vms'])) {
        $vms[([string]$v['name']).ToLowerInvariant()] = $v
    }
    $out = [System.Collections.Generic.List[string]]::new()
    foreach ($l in (Get-AdoptLicenseBlock -Path $Original)) {
        $out.Add($l)
    }
    foreach ($line in [System.IO.File]::ReadAllLines($Imported)) {
        if ($line -match '^\s+vgpu-manager\s+\S+\s+# releases .* share this driver$') {
            $line = '    vgpu-manager {0}' -f $c['vgpu_manager']['text']
        }
        $out.Add($line)
        if ($line -match '^cluster\s') {
            $out.Add(('    platform {0} {1}' -f $c['platform']['family'], $c['platform']['version']))
            if ($null -ne $c['vcenter']) {
                $out.Add(('    vcenter {0}' -f $c['vcenter']))
            }
            if ($null -ne $c['edition']) {
                $out.Add(('    edition {0}' -f $c['edition']))
            }
            if ($null -ne $c['license_server']) {
                $out.Add(('    license-server {0}' -f (Format-AdoptName -Name ([string]$c['license_server']))))
            }
            if ([int]$c['tolerate_host_failures'] -gt 0) {
                $out.Add(('    tolerate-host-failures {0}' -f $c['tolerate_host_failures']))
            }
            if ($null -ne $c['arc']) {
                $out.Add(('    vm-management arc {{ resource-group {0} }}' -f (Format-AdoptName -Name ([string]$c['arc']['resource_group']))))
            }
        } elseif ($line -match '^\s+vm\s+(.+?)\s*\{\s*$') {
            $seen = $null
            foreach ($name in (Get-AdoptVmName -Head $Matches[1])) {
                $v = $vms[$name.ToLowerInvariant()]
                if ($null -eq $v) {
                    throw "the original declares no VM $name"
                }
                $add = @()
                if ($null -ne $v['guest_driver']['text']) {
                    $add += 'guest-driver {0}' -f $v['guest_driver']['text']
                }
                $add += 'migration {0}' -f $v['migration']
                if ($v['os'] -ne 'windows') {
                    $add += 'os {0}' -f $v['os']
                }
                if ($v['firmware'] -ne 'efi') {
                    $add += 'firmware {0}' -f $v['firmware']
                }
                $key = $add -join "`n"
                if ($null -ne $seen -and $seen -ne $key) {
                    throw "the VMs of the imported range $($Matches[1]) differ in the original"
                }
                $seen = $key
            }
            foreach ($a in ($seen -split "`n")) {
                $out.Add('        ' + $a)
            }
        }
    }
    return ($out -join "`n") + "`n"
}

# Findings as "level code message" lines, in order, without locations.
function Get-AdoptFinding {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Path)
    $json = & $Vgpuc lint -q --no-config --today $Today --allow-read $Root -f json $Path 2>$null
    $doc = ($json -join "`n") | ConvertFrom-Json -AsHashtable
    return , @($doc['diagnostics'] | ForEach-Object { '{0} {1} {2}' -f $_['level'], $_['code'], $_['message'] } | Sort-Object)
}

foreach ($d in @(Get-ChildItem -LiteralPath $Dir -Directory | Sort-Object -Property Name)) {
    $name = $d.Name
    $imported = Join-Path -Path $d.FullName -ChildPath 'imported.vgpu'
    $state = Join-Path -Path $d.FullName -ChildPath 'converged.json'
    $json = @(Get-ChildItem -LiteralPath (Join-Path -Path $d.FullName -ChildPath 'json') -Filter '*.json' -ErrorAction SilentlyContinue)
    if (-not (Test-Path -LiteralPath $imported) -or -not (Test-Path -LiteralPath $state) -or $json.Count -ne 1) {
        continue
    }
    $original = (Get-Content -LiteralPath (Join-Path -Path $d.FullName -ChildPath 'source') -TotalCount 1)
    $completed = Join-Path -Path $d.FullName -ChildPath 'completed.vgpu'
    try {
        $model = Get-Content -LiteralPath $json[0].FullName -Raw | ConvertFrom-Json -AsHashtable
        $text = New-AdoptCompletedText -Imported $imported -Original $original -Model $model
        [System.IO.File]::WriteAllText($completed, $text)
    } catch {
        Write-Output ('FAIL {0}: complete the import: {1}' -f $name, $_.Exception.Message)
        continue
    }
    $want = Get-AdoptFinding -Path $original
    $have = Get-AdoptFinding -Path $completed
    $diff = @(Compare-Object -ReferenceObject $want -DifferenceObject $have -SyncWindow 0)
    if ($diff.Count -eq 0 -and $want.Count -eq $have.Count) {
        Write-Output ('ok {0}: the completed import lints as the original ({1} findings)' -f $name, $want.Count)
    } else {
        Write-Output ('FAIL {0}: the completed import lints otherwise: original [{1}] imported [{2}]' -f $name, ($want -join '; '), ($have -join '; '))
    }
    $ps = Join-Path -Path $d.FullName -ChildPath 'rebuilt'
    $null = New-Item -ItemType Directory -Force -Path $ps
    $target = (Get-Content -LiteralPath (Join-Path -Path $d.FullName -ChildPath 'target') -TotalCount 1)
    $null = & $Vgpuc build -q --no-config --today $Today --allow-read $Root --target $target -o $ps $completed 2>&1
    $scripts = @(Get-ChildItem -LiteralPath $ps -Filter '*.ps1')
    if ($LASTEXITCODE -ne 0 -or $scripts.Count -ne 1) {
        Write-Output ('FAIL {0}: build the completed import: exit {1}' -f $name, $LASTEXITCODE)
        continue
    }
    $scriptArgs = @{}
    if ($target -eq 'vmware') {
        $scriptArgs['Server'] = [string]((Get-Content -LiteralPath $state -Raw | ConvertFrom-Json -AsHashtable)['vcenter']['name'])
    }
    $run = Invoke-TwinRun -StatePath $state -Script $scripts[0].FullName -ScriptArgs $scriptArgs -TimeoutSeconds 300
    if ($run.exit -ne 0) {
        Write-Output ('FAIL {0}: the completed import''s script: exit {1}: {2}' -f $name, $run.exit, $run.error)
    } elseif (@($run.calls).Count -ne 0) {
        Write-Output ('FAIL {0}: the completed import''s script made {1} mutating call(s): {2}' -f $name, @($run.calls).Count, (@($run.calls | ForEach-Object { $_['command'] }) -join ', '))
    } else {
        Write-Output ('ok {0}: the completed import''s script makes zero mutating calls on the converged cluster' -f $name)
    }
}
