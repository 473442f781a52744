# ScenarioPlanted.psm1 - the checks must fail on a broken script: each row
# plants one fault in a copy of a generated script (a text replacement in its
# embedded runtime) and runs the check that must catch it. A planted fault
# that no longer applies (the text is gone from the runtime) is a failure
# too, so the table follows the runtime.
Set-StrictMode -Version Latest
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioChecks.psm1')

$script:Planted = @(
    @{ Name = 'forgets to start a VM again'; Input = 'golden-ws2025-dda'; Check = 'converge'
        Find = '        if ($stopped) {'; Replace = '        if ($false) {' }
    @{ Name = 'makes host changes under -WhatIf'; Input = 'golden-ws2025-dda'; Check = 'preview'
        Find = '$null = Invoke-VgpucChange -Run $Run -Target $Step.Host -Action $Step.Action -ScriptBlock $local -ArgumentList @($Step.Host, $remote, $Step.Args)'
        Replace = '$null = & $local $Step.Host $remote $Step.Args' }
    @{ Name = 'goes on after pre-flight problems'; Input = 'golden-ws2025-dda'; Check = 'preflight'
        Find = '        if ($run.Problems.Count -gt 0) {'; Replace = '        if ($false) {' }
    @{ Name = 'matches VM names as wildcard patterns'; Input = 'golden-hostile-wildcard'; Check = 'names'
        Find = '[string]::Equals($Name, $Other, [System.StringComparison]::OrdinalIgnoreCase)'; Replace = '($Other -like $Name)' }
    @{ Name = 'keeps an extra GPU partition'; Input = 'golden-hostile-wildcard'; Check = 'drift'
        Find = '$extra = @($vm.Adapters).Count - $dv.Count'; Replace = '$extra = 0' }
    # vSphere (issue 12): each new check fails on the runtime without its part.
    @{ Name = 'vsphere: no vGPU capacity pre-flight'; Input = 'golden-esx-mixed-size'; Check = 'preflight'
        Find = '    Test-VgpucVmwVgpuCapacity -Run $Run -Inventory $inv -Vms $Vms -RemoveUndeclared:$RemoveUndeclared'; Replace = '' }
    @{ Name = 'vsphere: A2 and A16 by device id only (no subsystem)'; Input = 'golden-esx-passthrough-shared'; Check = 'converge'
        Find = '(-not $Gpu.SubDeviceId -or'; Replace = '($true -or' }
    @{ Name = 'vsphere: graphics shared not applied'; Input = 'golden-esx-passthrough-shared'; Check = 'converge'
        Find = '    $want = [string]$declared.Graphics'; Replace = '    $want = [string]$(if ($declared.VgpuHost) { $declared.Graphics })' }
    @{ Name = 'vsphere: firmware of a powered-off VM not set'; Input = 'golden-esx-mixed-size'; Check = 'vsphere'
        Find = '            $firmware = $fwWant'; Replace = '            $firmware = $null' }
    @{ Name = 'vsphere: DRS drift left with -RemoveUndeclared'; Input = 'golden-esx-vgpu-passthrough'; Check = 'drift'
        Find = '$plan.DrsDrift += [pscustomobject]@{ Drift = $x; InScope = $inScope }'; Replace = '$null = $x' }
    @{ Name = 'vsphere: DRS drift removed without -RemoveUndeclared'; Input = 'golden-esx-vgpu-passthrough'; Check = 'drift'
        Find = '$takeOut = [bool]$RemoveUndeclared'; Replace = '$takeOut = $true' }
    @{ Name = 'vsphere: the cluster looked up on every open vCenter'; Input = 'golden-esx-mixed-size'; Check = 'vsphere'
        Find = '@(Get-Cluster -Server $Connection)'; Replace = '@(Get-Cluster)' }
    @{ Name = 'takes nvidia-smi finding no GPU for GPUs all dismounted'; Input = 'golden-hostile-wildcard'; Check = 'preflight'
        Find = '$st.SmiNoDevices -and $seen.Count -eq 0 -and'; Replace = '$st.SmiNoDevices -and' }
    @{ Name = 'keeps the pool reserve for DDA and mounts back a VM''s device'; Input = 'golden-hci-gpup-dda'; Check = 'drift'
        Find = '$g.AssignedTo.Declared.Mode -eq ''Dda'' -and $g.Kept'; Replace = '$g.AssignedTo.Declared.Mode -eq ''Dda''' }
    # A change declined with -Confirm (the decline check; common.ps1's Write-VgpucSummary
    # and Invoke-VgpucChange, shared by both targets).
    @{ Name = 'the declined change not named in the summary'; Input = 'golden-ws2025-dda'; Check = 'decline'
        Find = "            Write-Host ('  not done: {0}: {1}' -f (Format-VgpucText -Text `$d.Target), (Format-VgpucText -Text `$d.Step))"; Replace = '' }
    @{ Name = 'vsphere: the declined change not named in the summary'; Input = 'golden-esx-mixed-size'; Check = 'decline'
        Find = "            Write-Host ('  not done: {0}: {1}' -f (Format-VgpucText -Text `$d.Target), (Format-VgpucText -Text `$d.Step))"; Replace = '' }
    @{ Name = 'vsphere: a change declined with -Confirm made anyway'; Input = 'golden-esx-mixed-size'; Check = 'decline'
        Find = '    if (-not $PSCmdlet.ShouldProcess($shown, $Action)) {'; Replace = '    if (-not $PSCmdlet.ShouldProcess($shown, $Action) -and $WhatIfPreference) {' }
)

function Invoke-ScenarioPlanted {
    <#
    .SYNOPSIS
    Each planted fault must make its check fail. Returns results (Pass = the
    check caught the fault).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$BuildRoot,
        [Parameter(Mandatory)][hashtable]$Catalog,
        [Parameter(Mandatory)][scriptblock]$ReadModel,
        # Only the rows whose Name or Input contains one of these texts (none: all).
        [string[]]$Match = @()
    )
    $out = [System.Collections.Generic.List[object]]::new()
    foreach ($p in $script:Planted) {
        if ($Match.Count -gt 0 -and @($Match | Where-Object { $p.Name.Contains($_) -or $p.Input.Contains($_) }).Count -eq 0) {
            continue
        }
        $dir = Join-Path -Path $BuildRoot -ChildPath $p.Input
        $json = @(Get-ChildItem -LiteralPath (Join-Path -Path $dir -ChildPath 'json') -Filter '*.json' -File -ErrorAction SilentlyContinue)
        $m = [System.Collections.Generic.List[string]]::new()
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        if ($json.Count -ne 1) {
            $m.Add(('no build of {0} to plant the fault in' -f $p.Input))
        } else {
            $script = Join-Path -Path (Join-Path -Path $dir -ChildPath 'ps') -ChildPath ([System.IO.Path]::ChangeExtension($json[0].Name, '.ps1'))
            $text = [System.IO.File]::ReadAllText($script)
            $n = ([regex]::Matches($text, [regex]::Escape($p.Find))).Count
            if ($n -ne 1) {
                $m.Add(('the text to replace is in the script {0} times, not once: {1}' -f $n, $p.Find))
            } else {
                $planted = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('vgpuc-planted-{0}-{1}' -f $PID, $json[0].Name.Replace('.json', '.ps1'))
                [System.IO.File]::WriteAllText($planted, $text.Replace($p.Find, $p.Replace), [System.Text.UTF8Encoding]::new($true))
                try {
                    $model = & $ReadModel $json[0].FullName
                    $res = @(Invoke-ScenarioScript -Name ('planted: ' + $p.Name) -Script $planted -Model $model -Catalog $Catalog -Only @($p.Check))
                    $caught = @($res | Where-Object { $_.Check -eq $p.Check -and -not $_.Pass -and $_.Scenario -ne 'harness' })
                    if ($caught.Count -eq 0) {
                        $m.Add(('the {0} check did not catch it' -f $p.Check))
                    } else {
                        $first = @($caught[0].Messages)[0]
                        Write-Host ('  caught: {0} -> {1} / {2}: {3}' -f $p.Name, $caught[0].Check, $caught[0].Scenario, ($first -split "`n")[0])
                    }
                } finally {
                    Remove-Item -LiteralPath $planted -ErrorAction SilentlyContinue
                }
            }
        }
        $out.Add(@{ Script = $p.Input; Check = 'planted'; Scenario = $p.Name; Pass = ($m.Count -eq 0); Messages = $m.ToArray(); Calls = 0
                Seconds = $sw.Elapsed.TotalSeconds; Note = '' })
    }
    return $out.ToArray()
}

Export-ModuleMember -Function Invoke-ScenarioPlanted
