# Runspace.ps1 - creates one simulated machine: a fresh runspace with the twin
# engine (module 'VgpucTwin', exports nothing) and the simulated modules
# (Hyper-V, FailoverClusters, PnpDevice, tools...) imported globally, so that
# `#Requires -Modules Hyper-V` and Get-Command see them as on a real machine.
# Used by Twin.psm1 for the admin workstation and by the engine for hosts
# (Invoke-Command, New-PSSession): it only uses the strings of $Run.Boot, never
# a script block of another runspace.

function New-TwinRunspace {
    param($Run, [string]$HostName, [System.Management.Automation.Host.PSHost]$PSHost)
    $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
    $iss.LanguageMode = 'FullLanguage'
    if ($null -ne $PSHost) {
        # The admin workstation of a -Decline run: its host answers -Confirm.
        $rs = [runspacefactory]::CreateRunspace($PSHost, $iss)
    } else {
        $rs = [runspacefactory]::CreateRunspace($iss)
    }
    $rs.Open()
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $rs
        $null = $ps.AddScript($Run.Boot.BootstrapText, $false).AddArgument($Run).AddArgument($(if ($HostName) { $HostName } else { $null })).AddArgument($Run.Boot)
        $null = $ps.Invoke()
        if ($ps.HadErrors -and $ps.Streams.Error.Count -gt 0) {
            throw ('twin: could not start the simulated machine {0}: {1}' -f $HostName, $ps.Streams.Error[0])
        }
    } finally {
        $ps.Dispose()
    }
    $Run.Runspaces.Add($rs)
    $rs
}
