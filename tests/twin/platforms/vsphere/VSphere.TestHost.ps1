# VSphere.TestHost.ps1 - loads the vSphere twin into the current session on its own, for
# its unit tests (VSphere.Tests.ps1) and until the twin engine (tests/twin/engine) runs it.
#
# Builds the module 'VMware.VimAutomation.Core' from the model, cmdlet and platform files, and the
# simulated PowerCLI cmdlets from tests/validators/cmdlets/powercli-cmdlets.tsv: one advanced
# function per cmdlet with exactly the documented parameter sets (names, mandatory, switches,
# documented enum values), so an undocumented parameter or combination fails at binding.
# PowerCLI object parameters accept the twin's objects or names (PowerCLI's object-by-name).
#
#   . ./VSphere.TestHost.ps1; Import-VSphereTwin -State $state
Set-StrictMode -Version Latest

$script:VTHostDir = $PSScriptRoot
$script:VTRepo = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../../../..')).Path

# TSV type (before any " (" note) -> @(PowerShell type, validation or $null)
$script:VTTypeMap = @{
    'String'          = @('string', $null)
    'String[]'        = @('string[]', $null)
    'Int32'           = @('int', $null)
    'Int32[]'         = @('int[]', $null)
    'Int64'           = @('long', $null)
    'Int64[]'         = @('long[]', $null)
    'Decimal'         = @('decimal', $null)
    'Decimal[]'       = @('decimal[]', $null)
    'Boolean'         = @('bool', $null)
    'Hashtable'       = @('hashtable', $null)
    'Object'          = @('object', $null)
    'PSCredential'    = @('pscredential', $null)
    'SwitchParameter' = @('switch', $null)
    'Type'            = @('object', $null)
    'VIServer'        = @('object', 'VgpucTwin.PowerCLI.VIServer')
    'VirtualMachine'  = @('object', 'VgpucTwin.PowerCLI.VirtualMachine')
    'VMHost'          = @('object', 'VgpucTwin.PowerCLI.VMHost')
    'Cluster'         = @('object', 'VgpucTwin.PowerCLI.Cluster')
    'VIContainer'     = @('object', 'VgpucTwin.PowerCLI.Cluster|VgpucTwin.PowerCLI.VMHost')
    'VIObject'        = @('object', 'VgpucTwin.PowerCLI.VIServer|VgpucTwin.PowerCLI.VirtualMachine|VgpucTwin.PowerCLI.VMHost|VgpucTwin.PowerCLI.Cluster')
    'AdvancedSetting' = @('object', 'VgpucTwin.PowerCLI.AdvancedSetting')
    'DrsClusterGroup' = @('object', 'VgpucTwin.PowerCLI.DrsClusterGroup')
    'DrsClusterVMGroup' = @('object', 'VgpucTwin.PowerCLI.DrsClusterVMGroup')
    'DrsClusterVMHostGroup' = @('object', 'VgpucTwin.PowerCLI.DrsClusterVMHostGroup')
    'DrsVMHostRule'   = @('object', 'VgpucTwin.PowerCLI.DrsVMHostRule')
    'ManagedObjectReference' = @('object', 'VMware.Vim.ManagedObjectReference')
    'AdvancedSettingType' = @('string', $null)
    'PciDeviceClass'  = @('VMware.VimAutomation.ViCore.Types.V1.Host.PciDeviceClass', $null)
    'VMHostState'     = @('VMware.VimAutomation.ViCore.Types.V1.Inventory.VMHostState', $null)
    'DrsVMHostRuleType' = @('VMware.VimAutomation.ViCore.Types.V1.Cluster.DrsVMHostRuleType', $null)
    'DrsClusterGroupType' = @('VMware.VimAutomation.ViCore.Types.V1.Cluster.DrsClusterGroupType', $null)
}

function ConvertTo-VTQuoted {
    param([string]$Text)
    return "'" + $Text.Replace("'", "''") + "'"
}

# The param text of one parameter from its TSV type (or $null: not bindable in the twin,
# the parameter is left out and the cmdlet refuses it as PowerShell would).
function Get-VTParamType {
    param([string]$Type)
    $t = $Type
    $values = $null
    if ($t -match '^(\S+)\s*\(([A-Za-z0-9|]+)\)') { $values = $Matches[2].Split('|'); $t = $Matches[1] }
    elseif ($t -match '^(\S+)') { $t = $Matches[1] }
    $isArray = $t.EndsWith('[]')
    $base = $t.TrimEnd('[', ']')
    if ($null -ne $values -and $base -notin @('VIObject', 'Type')) {
        return @{ Type = $(if ($isArray) { 'string[]' } else { 'string' }); Values = $values; Check = $null }
    }
    if ($script:VTTypeMap.ContainsKey($t)) { $m = $script:VTTypeMap[$t] }
    elseif ($script:VTTypeMap.ContainsKey($base)) { $m = $script:VTTypeMap[$base] }
    else { return $null }
    $ps = $m[0]
    if ($isArray -and -not $ps.EndsWith('[]')) { $ps = $ps + '[]' }
    return @{ Type = $ps; Values = $null; Check = $m[1] }
}

function New-VTCmdletText {
    param([string]$Name, $Rows)
    $sets = [ordered]@{}
    $params = [ordered]@{}
    foreach ($r in $Rows) {
        if (-not $sets.Contains($r.Set)) { $sets[$r.Set] = $true }
        if (-not $params.Contains($r.Param)) { $params[$r.Param] = @{ Type = $r.Type; Sets = [ordered]@{} } }
        $params[$r.Param].Sets[$r.Set] = ($r.Mandatory -eq 'yes')
    }
    $hasShould = $params.Contains('WhatIf') -or $params.Contains('Confirm')
    $attr = @()
    if ($sets.Count -gt 1) { $attr += 'DefaultParameterSetName = ' + (ConvertTo-VTQuoted @($sets.Keys)[0]) }
    if ($hasShould) { $attr += 'SupportsShouldProcess = $true'; $attr += "ConfirmImpact = '$(if ($Name -in $script:VTHighImpact) { 'High' } else { 'Medium' })'" }
    $text = New-Object -TypeName 'System.Text.StringBuilder'
    $null = $text.AppendLine("function $Name {")
    $null = $text.AppendLine('    [CmdletBinding(' + ($attr -join ', ') + ')]')
    $null = $text.AppendLine('    param(')
    $plist = @()
    foreach ($pn in $params.Keys) {
        if ($pn -in 'WhatIf', 'Confirm') { continue }
        $p = $params[$pn]
        $t = Get-VTParamType $p.Type
        if ($null -eq $t) {
            # Bound as [object]; the behaviour refuses it (Invoke-VSphereTwinCmdlet).
            $script:VTUnbound += ('{0} -{1}' -f $Name, $pn)
            $t = @{ Type = $(if ($p.Type -match '^\S+\[\]') { 'object[]' } else { 'object' }); Values = $null; Check = $null }
        }
        $lines = @()
        foreach ($s in $p.Sets.Keys) {
            $a = @()
            if ($sets.Count -gt 1) { $a += 'ParameterSetName = ' + (ConvertTo-VTQuoted $s) }
            if ($p.Sets[$s]) { $a += 'Mandatory = $true' }
            $lines += '        [Parameter(' + ($a -join ', ') + ')]'
        }
        if ($null -ne $t.Values) { $lines += '        [ValidateSet(' + (($t.Values | ForEach-Object { ConvertTo-VTQuoted $_ }) -join ', ') + ')]' }
        if ($null -ne $t.Check) {
            $tests = ($t.Check.Split('|') | ForEach-Object { '$_ -is [' + $_ + ']' }) -join ' -or '
            $lines += '        [ValidateScript({ $null -eq $_ -or $_ -is [string] -or ' + $tests + ' })]'
        }
        $lines += '        [' + $t.Type + '] $' + $pn
        $plist += ($lines -join "`n")
    }
    $null = $text.AppendLine(($plist -join ",`n"))
    $null = $text.AppendLine('    )')
    $null = $text.AppendLine('    process { Invoke-VSphereTwinCmdlet -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Command ' + (ConvertTo-VTQuoted $Name) + ' }')
    $null = $text.AppendLine('}')
    return $text.ToString()
}

# Parameters whose types the twin does not model: bound as [object], refused when used.
$script:VTUnbound = @()

# PowerCLI cmdlets that ask for confirmation unless -Confirm:$false (ConfirmImpact High).
$script:VTHighImpact = @('Stop-VM', 'Set-VMHost')

function Import-VSphereTwin {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$State)
    $dir = $script:VTHostDir
    if ($null -eq ('VMware.Vim.VimTwin' -as [type])) { Add-Type -Path @((Join-Path $dir 'VimTypes.cs'), (Join-Path $dir 'PowerCliTypes.cs')) }
    $rows = @{}
    foreach ($line in [System.IO.File]::ReadAllLines((Join-Path $script:VTRepo 'tests/validators/cmdlets/powercli-cmdlets.tsv')) | Select-Object -Skip 1) {
        if ($line.Length -eq 0) { continue }
        $c = $line.Split("`t")
        if (-not $rows.ContainsKey($c[1])) { $rows[$c[1]] = @() }
        $rows[$c[1]] += [pscustomobject]@{ Set = $c[2]; Param = $c[3]; Type = $c[4]; Mandatory = $c[5] }
    }
    $body = New-Object -TypeName 'System.Text.StringBuilder'
    foreach ($f in @('VSphere.Model.ps1', 'VSphere.Cmdlets.ps1', 'VSphere.Platform.ps1')) {
        $null = $body.AppendLine([System.IO.File]::ReadAllText((Join-Path $dir $f)))
    }
    $names = @()
    foreach ($name in ($rows.Keys | Sort-Object)) {
        $null = $body.AppendLine((New-VTCmdletText $name $rows[$name]))
        $names += $name
    }
    $null = $body.AppendLine('$script:VTUnmodelled = @(' + (($script:VTUnbound | ForEach-Object { ConvertTo-VTQuoted $_ }) -join ', ') + ')')
    $null = $body.AppendLine('Export-ModuleMember -Function @(' + (($names + @('Initialize-VSphereTwin', 'Get-VSphereTwinCall') | ForEach-Object { ConvertTo-VTQuoted $_ }) -join ', ') + ')')
    Get-Module -Name 'VMware.VimAutomation.Core' | Remove-Module -Force
    $mod = New-Module -Name 'VMware.VimAutomation.Core' -ScriptBlock ([scriptblock]::Create($body.ToString()))
    Import-Module -ModuleInfo $mod -Global -Force
    Remove-Variable -Name 'DefaultVIServer', 'DefaultVIServers' -Scope Global -ErrorAction SilentlyContinue
    Initialize-VSphereTwin -State $State
}
