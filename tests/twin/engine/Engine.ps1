# Engine.ps1 - the core of the twin inside one simulated machine (a runspace):
# the admin workstation that runs the script, or a host reached through
# Invoke-Command. It is the body of the dynamic module 'VgpucTwin', with the
# platform's model and behaviour files appended. Every generated cmdlet
# function calls Invoke-TwinCommand, which applies the caller's preferences
# (-WhatIf, -ErrorAction, -Confirm cross module boundaries only this way),
# runs the hand-written behaviour and turns a twin failure into the error
# record the real cmdlet would write.
#
# Module arguments: $Run (the run shared by every runspace of one twin run:
# state, call log, faults, runspaces) and $HostName ($null on the workstation).

param($Run, $HostName)

Set-StrictMode -Version Latest

$script:Run = $Run
$script:HostName = $HostName
$script:Behaviours = @{}

# --- errors ------------------------------------------------------------------

# A failure of a simulated command: thrown by behaviours, written by
# Invoke-TwinCommand as the command's error (non-terminating, so that
# -ErrorAction and $ErrorActionPreference decide, as with the real cmdlets).
function New-TwinErrorRecord {
    param(
        [Parameter(Mandatory)][string]$Message,
        [string]$ErrorId = 'TwinFailure',
        [System.Management.Automation.ErrorCategory]$Category = 'InvalidOperation',
        $Target = $null
    )
    $ex = [System.Management.Automation.RuntimeException]::new($Message)
    $ex.Data['VgpucTwin'] = $true
    [System.Management.Automation.ErrorRecord]::new($ex, $ErrorId, $Category, $Target)
}

function Stop-TwinCommand {
    param(
        [Parameter(Mandatory)][string]$Message,
        [string]$ErrorId = 'TwinFailure',
        [System.Management.Automation.ErrorCategory]$Category = 'InvalidOperation',
        $Target = $null
    )
    $er = New-TwinErrorRecord -Message $Message -ErrorId $ErrorId -Category $Category -Target $Target
    throw $er
}

function Stop-TwinNotModeled {
    param([Parameter(Mandatory)][string]$What)
    Stop-TwinCommand -Message ('{0} is not modeled by the twin (tests/twin/README.md)' -f $What) -ErrorId 'NotModeledByTwin' -Category NotImplemented
}

# --- dispatch ----------------------------------------------------------------

function Invoke-TwinCommand {
    param($Cmdlet, [string]$Command, $Bound, $Pref)
    $ErrorActionPreference = $Pref.EA
    $WhatIfPreference = $Pref.WI
    $ConfirmPreference = $Pref.CF
    $WarningPreference = $Pref.WA
    $behaviour = $script:Behaviours[$Command]
    if ($null -eq $behaviour) {
        $er = New-TwinErrorRecord -Message ('{0} is documented but not modeled by the twin (tests/twin/README.md)' -f $Command) -ErrorId 'NotModeledByTwin' -Category NotImplemented
        $Cmdlet.ThrowTerminatingError($er)
    }
    $script:Run.Counters.Commands++
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        & $behaviour $Cmdlet $Bound
    } catch {
        $record = $_
        if ($record.Exception.Data.Contains('VgpucTwin')) {
            $Cmdlet.WriteError($record)
        } else {
            throw
        }
    } finally {
        $t = $script:Run.Counters.Time
        if ($null -ne $t) {
            $t[$Command] = $watch.Elapsed.TotalMilliseconds + $(if ($t.ContainsKey($Command)) { $t[$Command] } else { 0 })
        }
    }
}

# --- calls, faults, ShouldProcess --------------------------------------------

# Plain JSON-able value of a bound parameter for the call log.
function ConvertTo-TwinPlain {
    param($Value)
    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [System.Management.Automation.SwitchParameter]) {
        return [bool]$Value
    }
    if ($Value -is [string] -or $Value -is [bool] -or $Value -is [int] -or $Value -is [long] -or
        $Value -is [uint16] -or $Value -is [uint32] -or $Value -is [uint64] -or $Value -is [double]) {
        return $Value
    }
    if ($Value -is [guid]) {
        return $Value.ToString()
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $h = [ordered]@{}
        foreach ($k in $Value.Keys) {
            $h[[string]$k] = ConvertTo-TwinPlain $Value[$k]
        }
        return $h
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        return , @(foreach ($v in $Value) { ConvertTo-TwinPlain $v })
    }
    if ($Value -is [psobject] -and $Value.PSObject.Properties['Name']) {
        return [string]$Value.Name
    }
    [string]$Value
}

function Add-TwinCall {
    param([string]$Command, [string]$HostName, [string]$Target, $Bound)
    $params = [ordered]@{}
    if ($null -ne $Bound) {
        foreach ($k in $Bound.Keys) {
            if ($k -in 'WhatIf', 'Confirm', 'ErrorAction', 'WarningAction', 'InformationAction', 'Verbose', 'Debug', 'ErrorVariable', 'WarningVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'InformationVariable', 'ProgressAction') {
                continue
            }
            $params[$k] = ConvertTo-TwinPlain $Bound[$k]
        }
    }
    $script:Run.Calls.Add([ordered]@{ command = $Command; host = $HostName; target = $Target; parameters = $params })
    if ($script:Run.Faults.Count -gt 0) {
        Invoke-TwinNodeFailureFault -HostName $HostName -Target $Target
    }
}

# A fault of kind node failure: { "command": "node-failure", "target": NODE,
# "at_call": N } fails NODE (the platform's node failure) when the Nth
# mutating call of the run is made, before that call acts; the call itself
# then fails when it acts on that node.
function Invoke-TwinNodeFailureFault {
    param([string]$HostName, [string]$Target)
    foreach ($f in $script:Run.Faults) {
        if ($f.Command -ne 'node-failure' -or $f.Remaining -le 0 -or $null -eq $f.Entry -or -not $f.Entry.Contains('at_call')) {
            continue
        }
        if ([int]$f.Entry['at_call'] -ne $script:Run.Calls.Count) {
            continue
        }
        $f.Remaining--
        if ($f.Entry.Contains('times')) {
            $f.Entry['times'] = $f.Remaining
        }
        $node = [string]$f.Target
        $null = Invoke-TwinPlatformNodeFailure -Node $node
        if ($HostName -eq $node -or $Target -eq $node) {
            Stop-TwinCommand -Message ("The node '{0}' failed (twin: fault node-failure at mutating call {1})." -f $node, $script:Run.Calls.Count) -ErrorId 'NodeFailed' -Category ConnectionError -Target $Target
        }
    }
}

function Invoke-TwinPlatformNodeFailure {
    param([string]$Node)
    throw 'twin: a node failure is not modeled on this platform'
}

# A fault of the state fires for (command, target): the target of the call or
# its host; a fault without target fires for every target.
function Assert-TwinFault {
    param([string]$Command, [string]$Target, [string]$HostName)
    foreach ($f in $script:Run.Faults) {
        if ($f.Remaining -le 0) {
            continue
        }
        if ($f.Command -ne $Command) {
            continue
        }
        if ($null -ne $f.Target -and $f.Target -ne '' -and $f.Target -ne $Target -and $f.Target -ne $HostName) {
            continue
        }
        $f.Remaining--
        if ($null -ne $f.Entry -and $f.Entry.Contains('times')) {
            $f.Entry['times'] = $f.Remaining
        }
        Stop-TwinCommand -Message $f.Message -ErrorId 'InjectedFault' -Category OperationStopped -Target $Target
    }
}

# The gate of every mutating simulated command: ShouldProcess (so -WhatIf and
# -Confirm act as with the real cmdlet; a confirmation prompt fails because the
# twin has no console), then the call is logged and faults fire.
function Enter-TwinChange {
    param($Cmdlet, [string]$Command, [string]$Target, [string]$Action, [string]$HostName, $Bound)
    # A cmdlet without -WhatIf/-Confirm in its documented syntax does not ask
    # and is not previewed: the change happens even under -WhatIf.
    if ($Cmdlet.MyInvocation.MyCommand.Parameters.ContainsKey('WhatIf') -and -not $Cmdlet.ShouldProcess($Target, $Action)) {
        return $false
    }
    Add-TwinCall -Command $Command -HostName $HostName -Target $Target -Bound $Bound
    Assert-TwinFault -Command $Command -Target $Target -HostName $HostName
    $true
}

# --- names -------------------------------------------------------------------

# -Name / -VMName matching exactly as the real cmdlets: a WildcardPattern,
# case-insensitive ('web[12]' matches 'web1', not 'web[12]').
function Test-TwinWildcard {
    param([string]$Pattern, [string]$Name)
    [System.Management.Automation.WildcardPattern]::new($Pattern, [System.Management.Automation.WildcardOptions]::IgnoreCase).IsMatch($Name)
}

function Test-TwinHasWildcard {
    param([string]$Pattern)
    [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Pattern)
}

# A simulated object: a PSCustomObject whose first type name is the real type.
function New-TwinObject {
    param([string]$TypeName, [System.Collections.IDictionary]$Properties)
    $o = [pscustomobject]$Properties
    $o.PSObject.TypeNames.Insert(0, $TypeName)
    $o
}

# --- remoting ----------------------------------------------------------------

function Get-TwinSerialized {
    param($Value)
    [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($Value, 1))
}

function Get-TwinHostRunspace {
    param([string]$Name, [bool]$Fresh)
    if (-not $Fresh -and $script:Run.HostRunspaces.ContainsKey($Name)) {
        return $script:Run.HostRunspaces[$Name]
    }
    $rs = New-TwinRunspace -Run $script:Run -HostName $Name
    if (-not $Fresh) {
        $script:Run.HostRunspaces[$Name] = $rs
    }
    $rs
}

# Runs a script block "on" a host: in that host's runspace, from its text (a
# remote session sees none of the caller's variables or functions), with
# arguments and results serialized as PowerShell remoting does.
function Invoke-TwinRemoteBlock {
    param($Cmdlet, [string]$Name, [scriptblock]$ScriptBlock, [object[]]$ArgumentList, $Runspace, [bool]$LocalScope)
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $Runspace
        $null = $ps.AddScript($ScriptBlock.ToString(), $LocalScope)
        foreach ($a in @($ArgumentList)) {
            $null = $ps.AddArgument((Get-TwinSerialized $a))
        }
        $ps.Commands.Commands[0].MergeMyResults([System.Management.Automation.Runspaces.PipelineResultTypes]::All, [System.Management.Automation.Runspaces.PipelineResultTypes]::Output)
        $out = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $failure = $null
        # Waited for in steps, so that the run's timeout (which stops the
        # caller's pipeline) also stops the remote block (finally below).
        $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $out)
        try {
            while (-not $async.AsyncWaitHandle.WaitOne(100)) {
            }
            $null = $ps.EndInvoke($async)
        } catch {
            $failure = $_.Exception
            while ($failure -is [System.Management.Automation.MethodInvocationException] -and $null -ne $failure.InnerException) {
                $failure = $failure.InnerException
            }
        } finally {
            if (-not $async.IsCompleted) {
                $ps.Stop()
            }
        }
        foreach ($item in $out) {
            $base = if ($item -is [psobject]) { $item.PSObject.BaseObject } else { $item }
            if ($base -is [System.Management.Automation.ErrorRecord]) {
                $Cmdlet.WriteError($base)
            } elseif ($base -is [System.Management.Automation.WarningRecord]) {
                $Cmdlet.WriteWarning($base.Message)
            } elseif ($base -is [System.Management.Automation.InformationRecord]) {
                $Cmdlet.WriteInformation($base)
            } elseif ($base -is [System.Management.Automation.VerboseRecord]) {
                $Cmdlet.WriteVerbose($base.Message)
            } elseif ($base -is [System.Management.Automation.DebugRecord]) {
                $Cmdlet.WriteDebug($base.Message)
            } else {
                $r = Get-TwinSerialized $item
                if ($null -ne $r) {
                    $r = [psobject]$r
                    $r.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('PSComputerName', $Name))
                    $r.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('PSShowComputerName', $true))
                    $r.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('RunspaceId', $Runspace.InstanceId))
                }
                $Cmdlet.WriteObject($r)
            }
        }
        if ($null -ne $failure) {
            $record = if ($failure -is [System.Management.Automation.IContainsErrorRecord]) { $failure.ErrorRecord } else { [System.Management.Automation.ErrorRecord]::new($failure, 'RemoteFailure', 'NotSpecified', $Name) }
            $Cmdlet.WriteError($record)
        }
    } finally {
        $ps.Dispose()
    }
}

function Get-TwinWinRMError {
    param([string]$Name)
    New-TwinErrorRecord -Message ('[{0}] Connecting to remote server {0} failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer. For more information, see the about_Remote_Troubleshooting Help topic.' -f $Name) -ErrorId 'WinRMOperationTimeout,PSSessionStateBroken' -Category OpenError -Target $Name
}

function Invoke-TwinRemoting {
    param($Cmdlet, $Bound, $Pref)
    $ErrorActionPreference = $Pref.EA
    $WarningPreference = $Pref.WA
    $sb = $Bound['ScriptBlock']
    $using = $sb.Ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.UsingExpressionAst] }, $true)
    if (@($using).Count -gt 0) {
        $Cmdlet.ThrowTerminatingError((New-TwinErrorRecord -Message ('The twin does not support $using: in a remote script block ({0}); pass the values with -ArgumentList and a param() block (tests/twin/README.md)' -f @($using)[0].Extent.Text) -ErrorId 'UsingNotSupportedByTwin' -Category NotImplemented))
    }
    $argList = @()
    if ($Bound.ContainsKey('ArgumentList')) {
        $argList = @($Bound['ArgumentList'])
    }
    if ($Bound.ContainsKey('VMName')) {
        # PowerShell Direct: from the host the VM runs on, over VMBus (no network hop).
        Invoke-TwinVmDirect -Cmdlet $Cmdlet -Bound $Bound -ScriptBlock $sb -ArgumentList $argList
        return
    }
    if ($null -ne $script:HostName) {
        $Cmdlet.ThrowTerminatingError((New-TwinErrorRecord -Message ('[{0}] Invoke-Command from inside a remote session: the second hop is refused (Kerberos double hop; the twin does not model CredSSP)' -f $script:HostName) -ErrorId 'AccessDenied,PSSessionStateBroken' -Category OpenError))
    }
    if ($Bound.ContainsKey('ComputerName')) {
        foreach ($name in $Bound['ComputerName']) {
            try {
                Assert-TwinFault -Command 'Invoke-Command' -Target $name -HostName $name
            } catch {
                $Cmdlet.WriteError($_)
                continue
            }
            $h = Resolve-TwinRemoteHost -Name $name
            if ($null -eq $h) {
                $Cmdlet.WriteError((Get-TwinWinRMError -Name $name))
                continue
            }
            $rs = Get-TwinHostRunspace -Name $h -Fresh $false
            Invoke-TwinRemoteBlock -Cmdlet $Cmdlet -Name $name -ScriptBlock $sb -ArgumentList $argList -Runspace $rs -LocalScope $true
        }
        return
    }
    foreach ($s in $Bound['Session']) {
        $entry = $script:Run.Sessions[[string]$s.InstanceId]
        if ($null -eq $entry -or $entry.Closed) {
            $Cmdlet.WriteError((New-TwinErrorRecord -Message ('Because the session state for session {0}, {1}, {2} is not equal to Open, you cannot run a command in the session.  The session state is Closed.' -f $s.Name, $s.InstanceId, $s.ComputerName) -ErrorId 'InvalidSessionState' -Category InvalidOperation))
            continue
        }
        try {
            Assert-TwinFault -Command 'Invoke-Command' -Target $entry.Host -HostName $entry.Host
        } catch {
            $Cmdlet.WriteError($_)
            continue
        }
        if ($null -eq (Resolve-TwinRemoteHost -Name $entry.Host)) {
            $Cmdlet.WriteError((Get-TwinWinRMError -Name $entry.Host))
            continue
        }
        Invoke-TwinRemoteBlock -Cmdlet $Cmdlet -Name $entry.Host -ScriptBlock $sb -ArgumentList $argList -Runspace $entry.Runspace -LocalScope $false
    }
}

function New-TwinSession {
    param($Cmdlet, $Bound, $Pref)
    $ErrorActionPreference = $Pref.EA
    if ($null -ne $script:HostName) {
        $Cmdlet.ThrowTerminatingError((New-TwinErrorRecord -Message 'New-PSSession from inside a remote session: the second hop is refused' -ErrorId 'AccessDenied,PSSessionOpenFailed' -Category OpenError))
    }
    $names = @('localhost')
    if ($Bound.ContainsKey('ComputerName')) {
        $names = @($Bound['ComputerName'])
    }
    $i = 0
    foreach ($name in $names) {
        $h = Resolve-TwinRemoteHost -Name $name
        if ($null -eq $h) {
            $Cmdlet.WriteError((Get-TwinWinRMError -Name $name))
            continue
        }
        $script:Run.SessionCount++
        $rs = Get-TwinHostRunspace -Name $h -Fresh $true
        $id = [guid]::NewGuid()
        $sname = 'Runspace{0}' -f $script:Run.SessionCount
        if ($Bound.ContainsKey('Name') -and $i -lt @($Bound['Name']).Count) {
            $sname = @($Bound['Name'])[$i]
        }
        $script:Run.Sessions[[string]$id] = @{ Host = $h; Runspace = $rs; Closed = $false }
        $Cmdlet.WriteObject((New-TwinObject -TypeName 'System.Management.Automation.Runspaces.PSSession' -Properties ([ordered]@{
            Id = $script:Run.SessionCount; Name = $sname; ComputerName = $name; ComputerType = 'RemoteMachine'
            State = 'Opened'; ConfigurationName = 'Microsoft.PowerShell'; Availability = 'Available'; InstanceId = $id
        })))
        $i++
    }
}

function Remove-TwinSession {
    param($Cmdlet, $Bound, $Pref)
    foreach ($s in $Bound['Session']) {
        $entry = $script:Run.Sessions[[string]$s.InstanceId]
        if ($null -ne $entry -and -not $entry.Closed) {
            $entry.Closed = $true
            $entry.Runspace.Close()
        }
    }
}

function Add-TwinClock {
    param([double]$Seconds)
    $script:Run.Clock.Seconds += [math]::Max(0, $Seconds)
}

function Get-TwinClock {
    $script:Run.Clock.Seconds
}

# Default platform hooks (a platform's model file overrides them).
function Test-TwinModuleWanted {
    param([string]$Name)
    $true
}

function Invoke-TwinVmDirect {
    param($Cmdlet, $Bound, [scriptblock]$ScriptBlock, [object[]]$ArgumentList)
    $Cmdlet.ThrowTerminatingError((New-TwinErrorRecord -Message 'Invoke-Command -VMName (PowerShell Direct) is not modeled by the twin on this platform' -ErrorId 'NotModeledByTwin' -Category NotImplemented))
}
