# Binding.ps1 - generates the param blocks of the simulated cmdlets from the
# project's cmdlet tables (tests/validators/cmdlets/*-cmdlets.tsv and
# *-cmdlet-param-details.tsv), so that every simulated command accepts exactly
# the documented parameter sets: names, types, mandatory, positions, aliases,
# pipeline input, switch versus value. Behaviour is not here: each generated
# function hands its bound parameters to Invoke-TwinCommand in the engine.
#
# Dot-sourced by Twin.psm1 (in the calling process, once per process).

Set-StrictMode -Version Latest

# Types that exist in this process and bind as in the real cmdlets.
$script:TwinNativeTypes = @{
    'String' = 'string'; 'String[]' = 'string[]'; 'Int32' = 'int'; 'Int64' = 'long'
    'UInt16' = 'uint16'; 'UInt32' = 'uint32'; 'UInt64' = 'uint64'; 'Guid' = 'guid'
    'Boolean' = 'bool'; 'Int16' = 'int16'; 'Hashtable' = 'hashtable'; 'PSObject' = 'psobject'
    'PSCredential[]' = 'pscredential[]'; 'PSCredential' = 'pscredential'
    'CimSession[]' = 'Microsoft.Management.Infrastructure.CimSession[]'
    'SwitchParameter' = 'switch'; 'Int32[]' = 'int[]'; 'UInt16[]' = 'uint16[]'
    'StringCollection' = 'System.Collections.Specialized.StringCollection'
    'Object[]' = 'object[]'; 'ScriptBlock' = 'scriptblock'
}

# Object types of the vendor modules that cannot be created here: they bind as
# [psobject] whose first type name must be the real type (so a string, or a
# deserialized object from a remote session, fails at binding as it does in
# PowerShell, where it cannot be converted to the vendor type).
$script:TwinObjectTypes = @{
    'VirtualMachine'         = 'Microsoft.HyperV.PowerShell.VirtualMachine'
    'VMGpuPartitionAdapter'  = 'Microsoft.HyperV.PowerShell.VMGpuPartitionAdapter'
    'VMHostPartitionableGpu' = 'Microsoft.HyperV.PowerShell.VMHostPartitionableGpu'
    'VMPartitionableGpu'     = 'Microsoft.HyperV.PowerShell.VMPartitionableGpu'
    'VMAssignedDevice'       = 'Microsoft.HyperV.PowerShell.VMAssignedDevice'
    'VMHostAssignableDevice' = 'Microsoft.HyperV.PowerShell.VMHostAssignableDevice'
    'CimInstance'            = 'Microsoft.Management.Infrastructure.CimInstance'
    'VMSnapshot'             = 'Microsoft.HyperV.PowerShell.VMSnapshot'
    'VMIntegrationComponent' = 'Microsoft.HyperV.PowerShell.VMIntegrationComponent'
}

function Read-TwinTsv {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Path)
    $lines = [System.IO.File]::ReadAllLines($Path)
    if ($lines.Count -lt 1) {
        throw "cmdlet table $Path is empty"
    }
    $head = $lines[0].Split("`t")
    $rows = [System.Collections.Generic.List[object]]::new()
    for ($i = 1; $i -lt $lines.Count; $i++) {
        if ($lines[$i].Length -eq 0) {
            continue
        }
        $cells = $lines[$i].Split("`t")
        $row = [ordered]@{}
        for ($c = 0; $c -lt $head.Count; $c++) {
            $row[$head[$c]] = if ($c -lt $cells.Count) { $cells[$c] } else { '' }
        }
        $row['line'] = $i + 1
        $rows.Add($row)
    }
    , $rows
}

# Reads the two tables into one spec per cmdlet:
#   @{ Name; Module; DefaultSet; Sets = [ordered]@{ set = @(params) }; Params = @{ name = @{ Type; Sets = @{ set = mandatory } ; Aliases; Values; Position; Pipeline } } }
function Read-TwinCmdletSpec {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$CmdletTable,
        [Parameter(Mandatory)][string]$DetailTable
    )
    $specs = [ordered]@{}
    foreach ($r in (Read-TwinTsv -Path $CmdletTable)) {
        $name = $r['cmdlet']
        if (-not $specs.Contains($name)) {
            $specs[$name] = @{ Name = $name; Module = $r['module']; DefaultSet = $null; Sets = [ordered]@{}; Params = [ordered]@{} }
        }
        $s = $specs[$name]
        $set = $r['parameter_set']
        if ($set -match '^(.*) \(Default\)$') {
            $set = $Matches[1]
            $s.DefaultSet = $set
        }
        if (-not $s.Sets.Contains($set)) {
            $s.Sets[$set] = [System.Collections.Generic.List[string]]::new()
        }
        $p = $r['parameter']
        $s.Sets[$set].Add($p)
        if (-not $s.Params.Contains($p)) {
            $s.Params[$p] = @{ Type = $r['type']; Sets = [ordered]@{}; Aliases = @(); Values = @(); Position = @{}; Pipeline = '' }
        } elseif ($s.Params[$p].Type -ne $r['type']) {
            throw ('{0}:{1}: parameter {2} of {3} has type {4} here and {5} in another set' -f $CmdletTable, $r['line'], $p, $name, $r['type'], $s.Params[$p].Type)
        }
        $s.Params[$p].Sets[$set] = ($r['mandatory'] -eq 'yes')
    }
    foreach ($r in (Read-TwinTsv -Path $DetailTable)) {
        $name = $r['cmdlet']
        if (-not $specs.Contains($name) -or -not $specs[$name].Params.Contains($r['parameter'])) {
            continue
        }
        $p = $specs[$name].Params[$r['parameter']]
        if ($r['aliases']) {
            $p.Aliases = @($r['aliases'].Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ })
        }
        if ($r['accepted_values']) {
            $p.Values = @($r['accepted_values'].Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ })
        }
        $sets = if ($r['parameter_sets'] -eq '(All)') { @('*') } else { @($r['parameter_sets'].Split(',') | ForEach-Object { ($_.Trim() -replace ' \(cdxml\)$', ' (cdxml)') }) }
        foreach ($ps in $sets) {
            if ($r['position'] -ne 'Named') {
                $p.Position[$ps] = [int]$r['position']
            }
        }
        $p.Pipeline = $r['pipeline_input']
    }
    # Accepted values are documented once per enum type: share them between
    # cmdlets that take the same enum type (e.g. VMResourcePoolType[]).
    $enumValues = @{}
    foreach ($s in $specs.Values) {
        foreach ($p in $s.Params.Values) {
            if ($p.Values.Count -gt 0) {
                $enumValues[$p.Type.TrimEnd('[', ']')] = $p.Values
            }
        }
    }
    foreach ($s in $specs.Values) {
        foreach ($p in $s.Params.Values) {
            $base = $p.Type.TrimEnd('[', ']')
            if ($p.Values.Count -eq 0 -and $enumValues.ContainsKey($base)) {
                $p.Values = $enumValues[$base]
            }
        }
    }
    $specs
}

function ConvertTo-TwinQuoted {
    param([string]$Text)
    "'" + $Text.Replace("'", "''") + "'"
}

# The text of one simulated cmdlet: an advanced function whose param block is
# generated from the spec; the body hands everything to the engine.
function New-TwinFunctionText {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Spec, [hashtable]$TypeMap)
    $sb = [System.Text.StringBuilder]::new()
    $setNames = @($Spec.Sets.Keys)
    $hasWhatIf = $Spec.Params.Contains('WhatIf') -or $Spec.Params.Contains('Confirm')
    $binding = [System.Collections.Generic.List[string]]::new()
    $default = $Spec.DefaultSet
    if (-not $default -and $setNames.Count -gt 1) {
        $default = $setNames[0]
    }
    if ($default -and $setNames.Count -gt 1) {
        $binding.Add('DefaultParameterSetName = ' + (ConvertTo-TwinQuoted $default))
    }
    if ($hasWhatIf) {
        $binding.Add('SupportsShouldProcess = $true')
        $impact = if ($Spec.Name -in $script:TwinHighImpact) { 'High' } else { 'Medium' }
        $binding.Add("ConfirmImpact = '$impact'")
    }
    $null = $sb.AppendLine('function ' + $Spec.Name + ' {')
    $null = $sb.AppendLine('    [CmdletBinding(' + ($binding -join ', ') + ')]')
    $null = $sb.AppendLine('    param(')
    $paramTexts = [System.Collections.Generic.List[string]]::new()
    foreach ($pn in $Spec.Params.Keys) {
        if ($pn -in 'WhatIf', 'Confirm') {
            continue
        }
        $p = $Spec.Params[$pn]
        $lines = [System.Collections.Generic.List[string]]::new()
        $single = ($setNames.Count -eq 1 -and $setNames[0] -in '__AllParameterSets', 'Default')
        foreach ($set in $p.Sets.Keys) {
            $attr = [System.Collections.Generic.List[string]]::new()
            if (-not $single) {
                $attr.Add('ParameterSetName = ' + (ConvertTo-TwinQuoted $set))
            }
            if ($p.Sets[$set]) {
                $attr.Add('Mandatory = $true')
            }
            $pos = $null
            if ($p.Position.ContainsKey($set)) {
                $pos = $p.Position[$set]
            } elseif ($p.Position.ContainsKey('*')) {
                $pos = $p.Position['*']
            } elseif ($p.Position.Count -eq 1) {
                # Detail sets are named without "(Default)"; positions do not differ between sets.
                $pos = @($p.Position.Values)[0]
            }
            if ($null -ne $pos) {
                $attr.Add("Position = $pos")
            }
            if ($p.Pipeline -match 'ByValue') {
                $attr.Add('ValueFromPipeline = $true')
            }
            if ($p.Pipeline -match 'ByPropertyName') {
                $attr.Add('ValueFromPipelineByPropertyName = $true')
            }
            $lines.Add('        [Parameter(' + ($attr -join ', ') + ')]')
        }
        if ($p.Aliases.Count -gt 0) {
            $lines.Add('        [Alias(' + (($p.Aliases | ForEach-Object { ConvertTo-TwinQuoted $_ }) -join ', ') + ')]')
        }
        $t = $p.Type
        $enum = @($p.Values)
        if ($null -ne $TypeMap) {
            # Tables with a type map (PowerCLI) note after the type: "VMHostState (Connected|
            # Disconnected|Maintenance)" gives the enum values, "Tag[] (type unverified)" none.
            if ($t -match '^(\S+)\s+\(([A-Za-z0-9]+(\|[A-Za-z0-9]+)+)\)') {
                $enum = $Matches[2].Split('|')
                $t = $Matches[1]
            } elseif ($t -match '^(\S+)\s') {
                $t = $Matches[1]
            }
        }
        $base = $t.TrimEnd('[', ']')
        $isArray = $t.EndsWith('[]')
        if ($null -ne $TypeMap -and $TypeMap.ContainsKey($base) -and $enum.Count -eq 0) {
            # A platform type: the platform's .NET type, or [object] accepting the twin's objects
            # of the listed types (and names, when the cmdlets take object-by-name).
            $m = $TypeMap[$base]
            if ($m.ContainsKey('Type')) {
                $type = $m.Type + $(if ($isArray) { '[]' } else { '' })
            } else {
                $tests = @($m.Accept | ForEach-Object { '$_ -is [' + $_ + ']' })
                if ($m.Names) { $tests = @('$_ -is [string]') + $tests }
                $msg = 'Cannot convert the "{0}" value to type "' + $base + '".'
                $lines.Add('        [ValidateScript({ ' + ($tests -join ' -or ') + ' }, ErrorMessage = ' + (ConvertTo-TwinQuoted $msg) + ')]')
                $type = if ($isArray) { 'object[]' } else { 'object' }
            }
        } elseif ($null -ne $TypeMap -and $enum.Count -gt 0 -and -not $script:TwinNativeTypes.ContainsKey($t)) {
            $lines.Add('        [ValidateSet(' + (($enum | ForEach-Object { ConvertTo-TwinQuoted $_ }) -join ', ') + ')]')
            $type = if ($isArray) { 'string[]' } else { 'string' }
        } elseif ($null -ne $TypeMap -and -not $script:TwinNativeTypes.ContainsKey($t)) {
            # Documented, but the twin has no such objects: any use fails at binding.
            $msg = 'twin: parameter -' + $pn + ' of ' + $Spec.Name + ' (type ' + $t + ') is documented but not modeled by the twin'
            $lines.Add('        [ValidateScript({ $false }, ErrorMessage = ' + (ConvertTo-TwinQuoted $msg) + ')]')
            $type = if ($isArray) { 'object[]' } else { 'object' }
        } elseif ($script:TwinNativeTypes.ContainsKey($t)) {
            $type = $script:TwinNativeTypes[$t]
        } elseif ($script:TwinObjectTypes.ContainsKey($base)) {
            # PSTypeName takes part in binding as a type does: pipeline input
            # goes to the parameter whose type the object has.
            $lines.Add('        [PSTypeName(' + (ConvertTo-TwinQuoted $script:TwinObjectTypes[$base]) + ')]')
            $type = if ($isArray) { 'psobject[]' } else { 'psobject' }
        } elseif ($p.Values.Count -gt 0) {
            # A documented enum type: its accepted values, case-insensitive, as PowerShell converts enums.
            $lines.Add('        [ValidateSet(' + (($p.Values | ForEach-Object { ConvertTo-TwinQuoted $_ }) -join ', ') + ')]')
            $type = if ($isArray) { 'string[]' } else { 'string' }
        } else {
            throw ('cmdlet table: type {0} of {1} -{2} has no binding in the twin (add it to Binding.ps1)' -f $t, $Spec.Name, $pn)
        }
        $lines.Add('        [' + $type + '] $' + $pn)
        $paramTexts.Add($lines -join "`n")
    }
    $null = $sb.AppendLine(($paramTexts -join ",`n`n"))
    $null = $sb.AppendLine('    )')
    $null = $sb.AppendLine('    begin { $__pref = @{ EA = $ErrorActionPreference; WI = $WhatIfPreference; CF = $ConfirmPreference; WA = $WarningPreference }')
    $null = $sb.AppendLine('        foreach ($__n in @(@(''ErrorAction'', ''EA'', ''ErrorActionPreference''), @(''WhatIf'', ''WI'', ''WhatIfPreference''), @(''Confirm'', ''CF'', ''ConfirmPreference''), @(''WarningAction'', ''WA'', ''WarningPreference''))) {')
    $null = $sb.AppendLine('            if (-not $PSBoundParameters.ContainsKey($__n[0])) { $__pref[$__n[1]] = $PSCmdlet.SessionState.PSVariable.GetValue($__n[2]) } } }')
    $null = $sb.AppendLine('    process { & $script:TwinEngine Invoke-TwinCommand -Cmdlet $PSCmdlet -Command ' + (ConvertTo-TwinQuoted $Spec.Name) + ' -Bound $PSBoundParameters -Pref $__pref }')
    $null = $sb.AppendLine('}')
    $sb.ToString()
}

# Cmdlets whose real ConfirmImpact is High, so that they ask unless
# -Confirm:$false (the PnpDevice docs always pass -Confirm:$false). Every
# other simulated cmdlet with -WhatIf/-Confirm is Medium, the PowerShell default.
$script:TwinHighImpact = @('Disable-PnpDevice', 'Enable-PnpDevice')

# One text per PowerShell module: @{ 'Hyper-V' = '...'; 'FailoverClusters' = '...' }
function New-TwinBindingText {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Specs, [hashtable]$TypeMap)
    $byModule = [ordered]@{}
    foreach ($s in $Specs.Values) {
        if (-not $byModule.Contains($s.Module)) {
            $byModule[$s.Module] = [System.Text.StringBuilder]::new()
            $null = $byModule[$s.Module].AppendLine('param($TwinEngine)')
            $null = $byModule[$s.Module].AppendLine('$script:TwinEngine = $TwinEngine')
        }
        $null = $byModule[$s.Module].AppendLine((New-TwinFunctionText -Spec $s -TypeMap $TypeMap))
    }
    $out = [ordered]@{}
    foreach ($k in $byModule.Keys) {
        $out[$k] = $byModule[$k].ToString()
    }
    $out
}
