# Twin.psm1 - the twin harness: runs a script against a simulated cluster loaded
# from a state (tests/twin/README.md). Invoke-TwinRun is the in-process entry (the scenario
# harness calls it many times); Invoke-Twin.ps1 is the command-line wrapper.
#
# Each run is isolated: a deep copy of the state, a fresh call log, and fresh
# runspaces (the admin workstation, and one per host reached by
# Invoke-Command), closed at the end. Platforms are discovered from
# platforms/<name>/Platform.ps1 (table-driven: unknown platform -> exit 2).

Set-StrictMode -Version Latest

$script:TwinRoot = $PSScriptRoot
. (Join-Path $PSScriptRoot 'engine/Binding.ps1')
. (Join-Path $PSScriptRoot 'engine/Runspace.ps1')
. (Join-Path $PSScriptRoot 'engine/ConfirmHost.ps1')

# --- platforms ---------------------------------------------------------------

# The vGPU load rule, for every platform (node failures run here too).
. (Join-Path $PSScriptRoot 'engine/VgpuCompat.ps1')

$script:TwinPlatforms = [ordered]@{}
foreach ($dir in (Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'platforms') -Directory | Sort-Object Name)) {
    $file = Join-Path $dir.FullName 'Platform.ps1'
    if (-not (Test-Path -LiteralPath $file)) {
        continue
    }
    $d = & $file
    $d['Dir'] = $dir.FullName
    $script:TwinPlatforms[$d.Name] = $d
    if ($d.ContainsKey('ModelFile') -and $d.ModelFile) {
        . (Join-Path $dir.FullName $d.ModelFile)
    }
}
$script:TwinBoot = @{}

# Start-Sleep and Get-Date on a virtual clock: a script waiting for a VM does
# not wait in real time, and its timeouts still expire.
function New-TwinClockModuleText {
    $sleep = [System.Management.Automation.CommandMetadata]::new((Get-Command -Name 'Microsoft.PowerShell.Utility\Start-Sleep'))
    $date = [System.Management.Automation.CommandMetadata]::new((Get-Command -Name 'Microsoft.PowerShell.Utility\Get-Date'))
    $pp = [System.Management.Automation.ProxyCommand]
    @"
param(`$TwinEngine)
`$script:TwinEngine = `$TwinEngine
function Start-Sleep {
    $($pp::GetCmdletBindingAttribute($sleep))
    param($($pp::GetParamBlock($sleep)))
    `$s = 0.0
    if (`$PSBoundParameters.ContainsKey('Seconds')) { `$s = [double]`$PSBoundParameters['Seconds'] }
    if (`$PSBoundParameters.ContainsKey('Milliseconds')) { `$s = [double]`$PSBoundParameters['Milliseconds'] / 1000 }
    if (`$PSBoundParameters.ContainsKey('Duration')) { `$s = ([timespan]`$PSBoundParameters['Duration']).TotalSeconds }
    & `$script:TwinEngine Add-TwinClock -Seconds `$s
}
function Get-Date {
    $($pp::GetCmdletBindingAttribute($date))
    param($($pp::GetParamBlock($date)))
    if (-not `$PSBoundParameters.ContainsKey('Date') -and -not `$PSBoundParameters.ContainsKey('UnixTimeSeconds')) {
        `$PSBoundParameters['Date'] = (Microsoft.PowerShell.Utility\Get-Date).AddSeconds((& `$script:TwinEngine Get-TwinClock))
    }
    Microsoft.PowerShell.Utility\Get-Date @PSBoundParameters
}
"@
}

# The texts a simulated machine of this platform is built from, once per process.
function Get-TwinBoot {
    param([Parameter(Mandatory)][string]$Platform)
    if ($script:TwinBoot.ContainsKey($Platform)) {
        return $script:TwinBoot[$Platform]
    }
    $d = $script:TwinPlatforms[$Platform]
    $engine = [System.Text.StringBuilder]::new()
    $null = $engine.AppendLine([System.IO.File]::ReadAllText((Join-Path $script:TwinRoot 'engine/Engine.ps1')))
    $null = $engine.AppendLine([System.IO.File]::ReadAllText((Join-Path $script:TwinRoot 'engine/Runspace.ps1')))
    $null = $engine.AppendLine([System.IO.File]::ReadAllText((Join-Path $script:TwinRoot 'engine/VgpuCompat.ps1')))
    foreach ($f in $d.EngineFiles) {
        $null = $engine.AppendLine([System.IO.File]::ReadAllText((Join-Path $d.Dir $f)))
    }
    $null = $engine.AppendLine('Export-ModuleMember -Function @()')
    $modules = [System.Collections.Generic.List[object]]::new()
    foreach ($t in $d.CmdletTables) {
        $specs = Read-TwinCmdletSpec -CmdletTable (Join-Path $d.Dir $t.Cmdlets) -DetailTable (Join-Path $d.Dir $t.Details)
        $types = if ($t.ContainsKey('Types')) { $t.Types } else { $null }
        $texts = New-TwinBindingText -Specs $specs -TypeMap $types
        foreach ($k in $texts.Keys) {
            # PowerShell's own modules (Restart-Computer is in
            # Microsoft.PowerShell.Management) stay loaded: the simulated
            # cmdlets come in a module of their own and shadow the real ones.
            $name = $k
            if ($k -like 'Microsoft.PowerShell.*') {
                $name = 'VgpucTwin.' + $k
            }
            $modules.Add(@{ Name = $name; Text = $texts[$k] })
        }
    }
    $modules.Add(@{ Name = 'VgpucTwin.Remoting'; Text = [System.IO.File]::ReadAllText((Join-Path $script:TwinRoot 'engine/Remoting.ps1')) })
    $modules.Add(@{ Name = 'VgpucTwin.Clock'; Text = (New-TwinClockModuleText) })
    if ($d.ContainsKey('ToolModules') -and $d.ToolModules) {
        $tools = & (Join-Path $d.Dir $d.ToolModules)
        foreach ($k in $tools.Keys) {
            $modules.Add(@{ Name = $k; Text = $tools[$k] })
        }
    }
    $boot = @{
        BootstrapText = [System.IO.File]::ReadAllText((Join-Path $script:TwinRoot 'engine/Bootstrap.ps1'))
        EngineText    = $engine.ToString()
        Modules       = $modules.ToArray()
    }
    $script:TwinBoot[$Platform] = $boot
    $boot
}

# --- state -------------------------------------------------------------------

# A state file or text as an ordered hashtable; a problem is a terminating
# error whose message starts with "FILE:LINE:COL: ".
function Import-TwinState {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Path')][string]$Path,
        [Parameter(Mandatory, ParameterSetName = 'Text')][string]$Text,
        [Parameter(ParameterSetName = 'Text')][string]$Name = 'state'
    )
    if ($PSCmdlet.ParameterSetName -eq 'Path') {
        if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
            throw ('{0}:1:1: the state file does not exist' -f $Path)
        }
        $Text = [System.IO.File]::ReadAllText((Resolve-Path -LiteralPath $Path).ProviderPath)
        $Name = $Path
    }
    try {
        $state = ConvertFrom-Json -InputObject $Text -AsHashtable -Depth 100 -ErrorAction Stop
    } catch {
        $m = $_.Exception.Message
        $line = 1
        $col = 1
        if ($m -match 'line (\d+), position (\d+)') {
            $line = [int]$Matches[1]
            $col = [math]::Max(1, [int]$Matches[2])
        }
        throw ('{0}:{1}:{2}: not valid JSON: {3}' -f $Name, $line, $col, ($m -replace '^Conversion from JSON failed with error: ', ''))
    }
    if ($state -isnot [System.Collections.IDictionary]) {
        throw ('{0}:1:1: the state must be a JSON object' -f $Name)
    }
    if (-not $state.Contains('platform') -or $state['platform'] -isnot [string]) {
        throw ('{0}:1:1: the state has no "platform" (one of: {1})' -f $Name, (@($script:TwinPlatforms.Keys) -join ', '))
    }
    if (-not $script:TwinPlatforms.Contains($state['platform'])) {
        throw ('{0}:1:1: unknown platform "{1}" (the twin knows: {2})' -f $Name, $state['platform'], (@($script:TwinPlatforms.Keys) -join ', '))
    }
    $d = $script:TwinPlatforms[$state['platform']]
    $problems = @(& $d.ValidateState $state | ForEach-Object { $_ })
    if ($problems.Count -gt 0) {
        # A problem may start with "JSON-PATH<tab>": it is shown at that place of the file.
        $lines = foreach ($p in $problems) {
            $path, $message = if ([string]$p -match "^([^\t]*)\t(.*)$") { $Matches[1], $Matches[2] } else { '', [string]$p }
            $at = Get-TwinJsonPosition -Text $Text -Path $path
            '{0}:{1}:{2}: {3}' -f $Name, $at[0], $at[1], $message
        }
        throw ($lines -join "`n")
    }
    $state
}

# Line and column (1-based) where a JSON path ('hosts[0].vms') starts in the text; 1:1 when not found.
function Get-TwinJsonPosition {
    param([string]$Text, [string]$Path)
    if (-not $Path) {
        return @(1, 1)
    }
    $reader = [Newtonsoft.Json.JsonTextReader]::new([System.IO.StringReader]::new($Text))
    try {
        while ($reader.Read()) {
            if ($reader.Path -eq $Path) {
                $col = $reader.LinePosition
                if ($reader.TokenType -eq [Newtonsoft.Json.JsonToken]::PropertyName) {
                    $col = $col - ([string]$reader.Value).Length - 2
                }
                return @($reader.LineNumber, [math]::Max(1, $col))
            }
        }
    } catch {
        $null = $_
    } finally {
        $reader.Close()
    }
    @(1, 1)
}

function ConvertTo-TwinJson {
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowNull()]$InputObject)
    ConvertTo-Json -InputObject $InputObject -Depth 100
}

function Copy-TwinState {
    param($State)
    ConvertFrom-Json -InputObject (ConvertTo-TwinJson $State) -AsHashtable -Depth 100
}

# --- running -----------------------------------------------------------------

function Get-TwinScriptSupportsShouldProcess {
    param([string]$Path)
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
    if ($null -eq $ast.ParamBlock) {
        return $false
    }
    foreach ($a in $ast.ParamBlock.Attributes) {
        if ($a.TypeName.Name -eq 'CmdletBinding') {
            foreach ($n in $a.NamedArguments) {
                if ($n.ArgumentName -eq 'SupportsShouldProcess') {
                    return ($n.ExpressionOmitted -or $n.Argument.Extent.Text -eq '$true')
                }
            }
        }
    }
    $false
}

function ConvertTo-TwinOutputLine {
    param($Item)
    $base = if ($Item -is [psobject]) { $Item.PSObject.BaseObject } else { $Item }
    if ($base -is [System.Management.Automation.InformationRecord]) {
        # One entry per console line: Write-Host of a multi-line string gives several.
        $text = ([string]$base.MessageData).TrimEnd("`r", "`n")
        return , @($text -split '\r?\n')
    }
    if ($base -is [System.Management.Automation.WarningRecord]) {
        return , @('WARNING: ' + $base.Message)
    }
    if ($base -is [System.Management.Automation.ErrorRecord]) {
        return , @('ERROR: ' + $base.Exception.Message)
    }
    if ($base -is [System.Management.Automation.VerboseRecord] -or $base -is [System.Management.Automation.DebugRecord] -or
        $base -is [System.Management.Automation.ProgressRecord]) {
        return , @()
    }
    , @(($Item | Out-String -Stream -Width 200) | Where-Object { $_ -ne '' })
}

<#
.SYNOPSIS
Runs one script against a simulated cluster and returns the outcome.
.DESCRIPTION
Returns an ordered dictionary with exit (0, 1 or 2), error, state (same
fields as the input), calls (mutating calls in order) and output (host,
warning and error stream lines), as OUT.json of tests/twin/README.md.
#>
function Invoke-TwinRun {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Path')][string]$StatePath,
        [Parameter(Mandatory, ParameterSetName = 'Object')][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Script,
        [switch]$Preview,
        [System.Collections.IDictionary]$ScriptArgs = @{},
        [int]$TimeoutSeconds = 300,
        # Run with -Confirm; the prompts whose text contains one of these are
        # answered No, the others Yes (engine/ConfirmHost.ps1; $r.prompts).
        [string[]]$Decline
    )
    $result = [ordered]@{ exit = 2; error = $null; state = $null; calls = @(); output = @(); prompts = @() }
    try {
        if ($PSCmdlet.ParameterSetName -eq 'Path') {
            $st = Import-TwinState -Path $StatePath
        } else {
            $st = Import-TwinState -Text (ConvertTo-TwinJson $State) -Name 'state'
        }
    } catch {
        $result.error = $_.Exception.Message
        return $result
    }
    if (-not (Test-Path -LiteralPath $Script -PathType Leaf)) {
        $result.error = ('{0}:1:1: the script does not exist' -f $Script)
        return $result
    }
    $scriptPath = (Resolve-Path -LiteralPath $Script).ProviderPath
    $platform = $script:TwinPlatforms[$st['platform']]
    $boot = Get-TwinBoot -Platform $platform.Name

    $faults = [System.Collections.Generic.List[object]]::new()
    if ($st.Contains('faults') -and $null -ne $st['faults']) {
        foreach ($f in @($st['faults'])) {
            $faults.Add(@{
                Command   = [string]$f['command']
                Target    = $(if ($f.Contains('target')) { $f['target'] } else { $null })
                Message   = $(if ($f.Contains('message') -and $f['message']) { [string]$f['message'] } else { 'injected fault' })
                Remaining = $(if ($f.Contains('times') -and $null -ne $f['times']) { [int]$f['times'] } else { 1 })
                Entry     = $f
            })
        }
    }
    $run = @{
        Platform      = $platform.Name
        State         = $st
        Calls         = [System.Collections.Generic.List[object]]::new()
        Faults        = $faults
        HostRunspaces = @{}
        Sessions      = @{}
        SessionCount  = 0
        Runspaces     = [System.Collections.Generic.List[object]]::new()
        Counters      = @{ Commands = 0; Time = @{} }
        Clock         = @{ Seconds = 0.0 }
        Boot          = $boot
    }
    $lines = [System.Collections.Generic.List[string]]::new()
    $ps = $null
    try {
        $confirmHost = $null
        if ($PSBoundParameters.ContainsKey('Decline')) {
            $confirmHost = New-TwinConfirmHost -Decline $Decline
        }
        $rs = New-TwinRunspace -Run $run -HostName $null -PSHost $confirmHost
        $ps = [powershell]::Create()
        $ps.Runspace = $rs
        $null = $ps.AddScript('$global:LASTEXITCODE = 0', $false)
        $null = $ps.Invoke()
        $ps.Commands.Clear()
        $cmd = [System.Management.Automation.Runspaces.Command]::new($scriptPath, $false)
        foreach ($k in $ScriptArgs.Keys) {
            $v = $ScriptArgs[$k]
            $cmd.Parameters.Add([string]$k, $v)
        }
        if (Get-TwinScriptSupportsShouldProcess -Path $scriptPath) {
            $cmd.Parameters.Add('Confirm', ($null -ne $confirmHost))
            if ($Preview) {
                $cmd.Parameters.Add('WhatIf', $true)
            }
        } elseif ($Preview) {
            $cmd.Parameters.Add('WhatIf', $true)
        }
        $cmd.MergeMyResults([System.Management.Automation.Runspaces.PipelineResultTypes]::All, [System.Management.Automation.Runspaces.PipelineResultTypes]::Output)
        $null = $ps.Commands.AddCommand($cmd)
        $out = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $failure = $null
        $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $out)
        if (-not $async.AsyncWaitHandle.WaitOne([timespan]::FromSeconds($TimeoutSeconds))) {
            $ps.Stop()
            $failure = "twin: the script did not finish within $TimeoutSeconds s"
        } else {
            try {
                $null = $ps.EndInvoke($async)
            } catch {
                $ex = $_.Exception
                while ($ex -is [System.Management.Automation.MethodInvocationException] -and $null -ne $ex.InnerException) {
                    $ex = $ex.InnerException
                }
                if ($ex -is [System.Management.Automation.IContainsErrorRecord] -and $null -ne $ex.ErrorRecord) {
                    $failure = $ex.ErrorRecord.Exception.Message
                } else {
                    $failure = $ex.Message
                }
            }
        }
        foreach ($item in $out) {
            foreach ($l in (ConvertTo-TwinOutputLine $item)) {
                $lines.Add($l)
            }
        }
        $code = 0
        if ($null -ne $failure) {
            $lines.Add('ERROR: ' + $failure)
            $code = 1
        } else {
            $ps2 = [powershell]::Create()
            $ps2.Runspace = $rs
            $last = @($ps2.AddScript('$global:LASTEXITCODE', $false).Invoke())
            $ps2.Dispose()
            if ($last.Count -gt 0 -and $null -ne $last[0]) {
                $lv = $last[0]
                $native = ($lv -is [psobject] -and $null -ne $lv.PSObject.Properties['VgpucTwinNative'])
                if (-not $native -and [int]$lv -ne 0) {
                    $code = 1
                    $failure = ('the script exited with code {0}' -f [int]$lv)
                }
            }
        }
        $result.exit = $code
        $result.error = $failure
    } catch {
        $result.exit = 2
        $result.error = 'twin: ' + $_.Exception.Message
    } finally {
        if ($null -ne $ps) {
            $ps.Dispose()
        }
        foreach ($r in $run.Runspaces) {
            try { $r.Dispose() } catch { $null = $_ }
        }
    }
    $result.state = $st
    if ($null -ne $confirmHost) {
        $result.prompts = @($confirmHost.Prompts)
    }
    $script:TwinLastCounters = $run.Counters
    $result.calls = @($run.Calls)
    $result.output = @($lines)
    $result
}

<#
.SYNOPSIS
A node failure as the cluster handles it (tests/twin/README.md), on a state.
.DESCRIPTION
Edits the state in place: the node becomes unreachable and each clustered VM
that ran on it restarts on the first possible owner with room. Returns the
moves made ("vm -> node").
#>
function Invoke-TwinNodeFailure {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [Parameter(Mandatory)][string]$Node
    )
    $d = $script:TwinPlatforms[[string]$State['platform']]
    if ($null -eq $d -or -not $d.ContainsKey('NodeFailure')) {
        throw ('twin: platform {0} has no node failure' -f $State['platform'])
    }
    & $d.NodeFailure $State $Node
}

# The twin runs scripts only; nothing in the state is executed.
Export-ModuleMember -Function Invoke-TwinRun, Invoke-TwinNodeFailure, Import-TwinState, ConvertTo-TwinJson, Copy-TwinState
