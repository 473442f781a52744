# VSphere.Engine.ps1 - plugs the vSphere twin into the twin engine (test code).
#
# Appended, after VSphere.Model.ps1 and VSphere.Cmdlets.ps1, to the engine module of the
# simulated machine (tests/twin/engine/Engine.ps1): loads the run's state, registers one
# behaviour per simulated PowerCLI cmdlet in the engine's $script:Behaviours table, and the
# VMware.Vim method handler of this runspace. Calls and faults go through the engine
# (Add-TwinCall, Assert-TwinFault); the .NET types are loaded by VSphere.State.ps1.
Set-StrictMode -Version Latest

# "Cmdlet -Parameter" of the table whose type the twin does not model (set by the binding).
$script:VTUnmodelled = @()

# Load the state of a run: the state file's vCenter, and each entry of the optional
# `other_vcenters` (same shape: vcenter, clusters, hosts, vms) as another simulated server,
# so a scenario can prove that a script passes -Server.
function Initialize-VSphereTwin {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$State, [scriptblock]$CallSink, [scriptblock]$FaultHook)
    $script:VTServers = [ordered]@{}
    $script:VTConnected = [ordered]@{}
    $script:VTTasks = @{}
    $script:VTTaskSeq = 0
    $script:VTHostTasks = [ordered]@{}
    $script:VTCalls.Clear()
    $script:VTCallSink = $CallSink
    $script:VTFaultHook = $FaultHook
    Add-VSphereTwinServer -State $State
    if (Test-VTField $State 'other_vcenters') {
        foreach ($o in @($State.other_vcenters)) {
            if ($null -ne $o) { Add-VSphereTwinServer -State $o }
        }
    }
    # A reboot still under way when the last run ended (reboot_due: not yet seen by vCenter;
    # rebooting: away) is done when this one starts.
    Update-VTReboots -All
    [VMware.Vim.VimTwin]::SetHandler({
            param($Server, $Type, $Moid, $Method, $Arguments)
            Clear-VTMemo
            Update-VTReboots
            Invoke-VTMethod -Server $Server -Type $Type -Moid $Moid -Method $Method -Arguments $Arguments
        })
    # `open_sessions`: the sessions an administrator already has open when the script starts
    # (a console where Connect-VIServer ran before): connected as Connect-VIServer connects,
    # so they are default servers ($global:DefaultVIServers) the script finds.
    if (Test-VTField $State 'open_sessions') {
        foreach ($n in @($State.open_sessions)) {
            $null = & $script:VTCmdlets['Connect-VIServer'] @{ Server = @([string]$n) } 'Default' $null
        }
    }
}

function Get-VSphereTwinCall {
    [CmdletBinding()]
    param()
    return $script:VTCalls.ToArray()
}

# One behaviour for every simulated PowerCLI cmdlet: run the model's entry with a copy of
# the bound parameters; a refusal becomes the cmdlet's error record (non-terminating, so
# -ErrorAction and $ErrorActionPreference decide, as with PowerCLI).
function Invoke-VSphereTwinCmdlet {
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Cmdlet, [Parameter(Mandatory)]$Bound, [string]$Command)
    if (-not $Command) { $Command = $Cmdlet.MyInvocation.MyCommand.Name }
    $impl = $script:VTCmdlets[$Command]
    if ($null -eq $impl) { throw ('twin: {0} is not modelled by the vSphere twin' -f $Command) }
    Clear-VTMemo
    Update-VTReboots
    $p = @{}
    foreach ($k in $Bound.Keys) {
        if ($script:VTUnmodelled -contains ('{0} -{1}' -f $Command, $k)) { throw ('twin: {0} -{1} is documented but not modelled by the vSphere twin' -f $Command, $k) }
        if (@('ErrorAction', 'WarningAction', 'InformationAction', 'Verbose', 'Debug', 'ErrorVariable', 'WarningVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'InformationVariable', 'ProgressAction') -notcontains $k) { $p[$k] = $Bound[$k] }
    }
    try {
        & $impl $p $Cmdlet.ParameterSetName $Cmdlet
    } catch {
        $rec = $_
        if ($rec.Exception.Data.Contains('VgpucTwin')) { throw }
        $ex = [System.Management.Automation.RuntimeException]::new($rec.Exception.Message, $rec.Exception)
        $ex.Data['VgpucTwin'] = $true
        throw ([System.Management.Automation.ErrorRecord]::new($ex, 'VSphereTwin', 'InvalidOperation', $null))
    }
}

# The engine's behaviour table: every simulated PowerCLI cmdlet the twin models.
foreach ($name in @($script:VTCmdlets.Keys)) {
    $script:Behaviours[$name] = { param($Cmdlet, $Bound) Invoke-VSphereTwinCmdlet -Cmdlet $Cmdlet -Bound $Bound }
}

# This machine's view of the run: its state, the engine's call log and faults.
Initialize-VSphereTwin -State $script:Run.State -CallSink {
    param($Entry)
    Add-TwinCall -Command $Entry.command -HostName $Entry.host -Target $Entry.target -Bound $Entry.parameters
} -FaultHook {
    param($Command, $Target, $HostName)
    Assert-TwinFault -Command $Command -Target $Target -HostName $HostName
}
