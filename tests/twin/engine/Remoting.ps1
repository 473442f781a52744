# Remoting.ps1 - module 'VgpucTwin.Remoting': Invoke-Command, New-PSSession and
# Remove-PSSession over the simulated hosts. A documented subset of their
# parameters (tests/twin/README.md): anything else fails at binding.
# Module argument: the engine module.
param($TwinEngine)
$script:TwinEngine = $TwinEngine

function Get-TwinCallerPreference {
    param($Cmdlet, $Bound)
    $p = @{ EA = $ErrorActionPreference; WI = $WhatIfPreference; CF = $ConfirmPreference; WA = $WarningPreference }
    foreach ($n in @(@('ErrorAction', 'EA', 'ErrorActionPreference'), @('WarningAction', 'WA', 'WarningPreference'))) {
        if (-not $Bound.ContainsKey($n[0])) {
            $p[$n[1]] = $Cmdlet.SessionState.PSVariable.GetValue($n[2])
        }
    }
    $p
}

function Invoke-Command {
    [CmdletBinding(DefaultParameterSetName = 'InProcess')]
    param(
        [Parameter(ParameterSetName = 'ComputerName', Mandatory = $true, Position = 0)]
        [Alias('Cn')]
        [string[]] $ComputerName,

        [Parameter(ParameterSetName = 'Session', Mandatory = $true, Position = 0)]
        [ValidateScript({ $_ -is [psobject] -and $_.PSObject.TypeNames[0] -eq 'System.Management.Automation.Runspaces.PSSession' }, ErrorMessage = 'Cannot convert the "{0}" value to type "System.Management.Automation.Runspaces.PSSession".')]
        [psobject[]] $Session,

        # PowerShell Direct (Invoke-Command -VMName, from the Hyper-V host the
        # VM runs on): -Credential is mandatory in that set (a prompt otherwise).
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0)]
        [string[]] $VMName,

        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true)]
        [pscredential] $Credential,

        [Parameter(ParameterSetName = 'ComputerName', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'Session', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'InProcess', Mandatory = $true, Position = 0)]
        [Alias('Command')]
        [scriptblock] $ScriptBlock,

        [Parameter(ParameterSetName = 'InProcess')]
        [switch] $NoNewScope,

        [Parameter()]
        [Alias('Args')]
        [object[]] $ArgumentList
    )
    $pref = Get-TwinCallerPreference -Cmdlet $PSCmdlet -Bound $PSBoundParameters
    if ($PSCmdlet.ParameterSetName -eq 'InProcess') {
        if ($NoNewScope) {
            . $ScriptBlock @ArgumentList
        } else {
            & $ScriptBlock @ArgumentList
        }
        return
    }
    & $script:TwinEngine Invoke-TwinRemoting -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Pref $pref
}

function New-PSSession {
    [CmdletBinding(DefaultParameterSetName = 'ComputerName')]
    param(
        [Parameter(ParameterSetName = 'ComputerName', Position = 0)]
        [Alias('Cn')]
        [string[]] $ComputerName,

        [Parameter(ParameterSetName = 'ComputerName')]
        [pscredential] $Credential,

        [Parameter()]
        [string[]] $Name
    )
    $pref = Get-TwinCallerPreference -Cmdlet $PSCmdlet -Bound $PSBoundParameters
    & $script:TwinEngine New-TwinSession -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Pref $pref
}

function Remove-PSSession {
    [CmdletBinding(DefaultParameterSetName = 'Session', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'Session', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ValidateScript({ $_ -is [psobject] -and $_.PSObject.TypeNames[0] -eq 'System.Management.Automation.Runspaces.PSSession' }, ErrorMessage = 'Cannot convert the "{0}" value to type "System.Management.Automation.Runspaces.PSSession".')]
        [psobject[]] $Session
    )
    process {
        $pref = Get-TwinCallerPreference -Cmdlet $PSCmdlet -Bound $PSBoundParameters
        & $script:TwinEngine Remove-TwinSession -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Pref $pref
    }
}
