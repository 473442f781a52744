# VSphere.Guest.ps1 - inside the VMs of the simulated vCenter (test code, never shipped):
# PowerCLI's Invoke-VMScript and the guest's nvidia-smi, which shows the guest driver once
# per GPU the guest sees (a vGPU that loaded: VSphere.Model.ps1, Get-VTVgpuLoadProblem; a
# DirectPath I/O GPU) and "No devices were found" when it sees none.
#
# Appended to the engine after VSphere.Cmdlets.ps1 (its entry joins $script:VTCmdlets, which
# VSphere.Engine.ps1 registers). The guest state is the VM's `guest` of tests/twin/README.md
# ({ os: windows|linux, driver, user, password }), the format the Hyper-V twin uses.
#
# What the real cmdlet does (PowerCLI technical note "Running Custom Scripts in the Guest
# Operating System with Invoke-VMScript", PowerCLI 5.1 R1; the vSphere API's guest
# operations faults; docs/sources.md, vSphere): it reads the VM's GuestInfo, checks that
# VMware Tools run, runs the script as PowerShell in a Windows guest and as Bash in a Linux
# one when -ScriptType is not given, authenticates with the guest credentials, and returns
# a VMScriptResult (ScriptOutput, ExitCode; a non-zero exit is a result, not an error).
# Refusals: a VM not powered on (vim.fault.InvalidPowerState), VMware Tools not running
# (vim.fault.GuestOperationsUnavailable: "The guest operations agent could not be
# contacted."), credentials the guest does not accept (vim.fault.InvalidGuestLogin: "Failed
# to authenticate with the guest operating system using the supplied credentials.").
# Stricter than the real one (the messages say "twin:"): no credential at all (PowerCLI
# would ask: a prompt is an error in the twin), -GuestCredential with -GuestUser, a
# -ScriptType the guest OS family cannot run (Bash in Windows, PowerShell or Bat in Linux),
# -ScriptType Bat and -RunAsync (not modelled), and in a Linux guest any Bash text but the
# nvidia-smi query. A PowerShell text runs for real, in a fresh runspace that is the guest:
# its only tool is nvidia-smi.exe (when the guest has an NVIDIA driver). Read only: not in
# the call log; a fault of command `Invoke-VMScript` (target the VM) makes it fail.
Set-StrictMode -Version Latest

$script:VTGuestMsg = @{
    NoTools  = 'The guest operations agent could not be contacted.'
    BadLogin = 'Failed to authenticate with the guest operating system using the supplied credentials.'
}

# What `nvidia-smi --query-gpu=driver_version --format=csv,noheader` prints in the guest and
# its exit code: the driver once per GPU the guest sees; "No devices were found" (exit 6)
# when it sees none; $null when the guest has no NVIDIA driver (no nvidia-smi).
function Get-VTGuestNvidiaSmi {
    param($Srv, $Vm)
    $g = $Vm.guest
    if ([string]::IsNullOrEmpty([string]$g.driver)) { return $null }
    $hostRec = Find-VTHost $Srv ([string]$Vm.host)
    $n = 0
    foreach ($d in (Get-VTDevices $Vm)) {
        if ([string]$d.type -eq 'dynamic_passthrough') { $n++; continue }
        if ([string]$d.type -eq 'vgpu' -and $null -eq (Get-VTVgpuLoadProblem $Srv.State $hostRec $Vm)) { $n++ }
    }
    if ($n -eq 0) { return @{ Lines = @('No devices were found'); Exit = 6 } }
    @{ Lines = @(1..$n | ForEach-Object { [string]$g.driver }); Exit = 0 }
}

# A PowerShell script text run in the guest: a fresh runspace with nvidia-smi.exe (a module
# of that name, as on the twin's Hyper-V hosts, so `(Get-Command nvidia-smi.exe).Source`
# runs it) when the guest has a driver; the text is a script file, as the real cmdlet runs
# it, so `exit N` is its exit code. Output and errors, as text, are ScriptOutput.
function Invoke-VTGuestPowerShell {
    param([string]$Text, $Smi)
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ('vgpuc-twin-guest-{0}.ps1' -f [guid]::NewGuid().ToString('N'))
    [System.IO.File]::WriteAllText($file, $Text)
    $rs = [runspacefactory]::CreateRunspace()
    $ps = [powershell]::Create()
    try {
        $rs.Open()
        $ps.Runspace = $rs
        $boot = @'
param($File, $Lines, $Exit)
if ($null -ne $Lines) {
    $m = New-Module -Name 'nvidia-smi.exe' -ArgumentList $Lines, $Exit -ScriptBlock {
        param($L, $E)
        $script:L = $L
        $script:E = $E
        function nvidia-smi.exe {
            if ($args.Count -eq 2 -and $args -contains '--query-gpu=driver_version' -and $args -contains '--format=csv,noheader') {
                $script:L
                $global:LASTEXITCODE = $script:E
                return
            }
            ('nvidia-smi.exe {0}: not modeled by the twin (only --query-gpu=driver_version --format=csv,noheader)' -f ($args -join ' '))
            $global:LASTEXITCODE = 2
        }
        Export-ModuleMember -Function 'nvidia-smi.exe'
    }
    Import-Module -ModuleInfo $m -Global
}
$global:LASTEXITCODE = 0
$out = & $File 2>&1 | Out-String
[pscustomobject]@{ Output = $out; Exit = [int]$global:LASTEXITCODE }
'@
        $lines = $null
        $exit = 0
        if ($null -ne $Smi) { $lines = [string[]]$Smi.Lines; $exit = [int]$Smi.Exit }
        $null = $ps.AddScript($boot).AddArgument($file).AddArgument($lines).AddArgument($exit)
        $r = @($ps.Invoke())
        if ($r.Count -ne 1) { throw ('twin: the guest script did not complete: {0}' -f (@($ps.Streams.Error) -join '; ')) }
        return $r[0]
    } finally {
        $ps.Dispose()
        $rs.Dispose()
        Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
    }
}

# A Bash text in a Linux guest: only the nvidia-smi query is modelled.
function Invoke-VTGuestBash {
    param([string]$Text, $Smi)
    $t = ($Text.Trim() -replace '\s+', ' ')
    if ($t -ne 'nvidia-smi --query-gpu=driver_version --format=csv,noheader') {
        throw ('twin: the Bash text {0} is not modelled in a Linux guest (only nvidia-smi --query-gpu=driver_version --format=csv,noheader)' -f $Text)
    }
    if ($null -eq $Smi) { return [pscustomobject]@{ Output = "bash: nvidia-smi: command not found`n"; Exit = 127 } }
    [pscustomobject]@{ Output = (($Smi.Lines -join "`n") + "`n"); Exit = [int]$Smi.Exit }
}

$script:VTCmdlets['Invoke-VMScript'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($k in @($P.Keys)) {
        if (@('VM', 'ScriptText', 'GuestCredential', 'GuestUser', 'GuestPassword', 'ToolsWaitSecs', 'ScriptType', 'Server', 'Confirm', 'WhatIf') -notcontains $k) { throw ('twin: Invoke-VMScript -{0} is not modelled' -f $k) }
    }
    $byCred = $P.ContainsKey('GuestCredential') -and $null -ne $P['GuestCredential']
    $byUser = $P.ContainsKey('GuestUser') -or $P.ContainsKey('GuestPassword')
    if ($byCred -and $byUser) { throw 'twin: Invoke-VMScript takes -GuestCredential or -GuestUser/-GuestPassword, not both' }
    if (-not $byCred -and -not $byUser) { throw 'twin: Invoke-VMScript without -GuestCredential or -GuestUser/-GuestPassword asks for the guest credentials (a prompt is an error in the twin)' }
    if ($byCred) {
        $user = [string]$P['GuestCredential'].UserName
        $password = $P['GuestCredential'].GetNetworkCredential().Password
    } else {
        $user = [string]$P['GuestUser']
        $password = ''
        if ($null -ne $P['GuestPassword']) { $password = [System.Net.NetworkCredential]::new('', [securestring]$P['GuestPassword']).Password }
    }
    $type = $null
    if ($P.ContainsKey('ScriptType') -and $null -ne $P['ScriptType']) { $type = [string]$P['ScriptType'] }
    foreach ($v in (Resolve-VTEntity 'VM' $P['VM'] (Get-VTScopeServers $P))) {
        $vm = $v.Rec
        $name = [string]$vm.name
        if (-not $Cmdlet.ShouldProcess($name, 'Invoke-VMScript')) { continue }
        try {
            Invoke-VTFault $v.Srv @('Invoke-VMScript') $name ([string]$vm.host)
            if ([string]$vm.power_state -ne 'PoweredOn') { throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $vm)) }
            if (-not $vm.tools_running) { throw $script:VTGuestMsg.NoTools }
            if (-not (Test-VTField $vm 'guest') -or $null -eq $vm.guest) { throw ('twin: VM {0} has no guest in the state (its OS and credentials are not modelled)' -f $name) }
            $os = [string]$vm.guest.os
            $want = if ($os -eq 'linux') { 'Bash' } else { 'PowerShell' }
            $use = $want
            if ($null -ne $type) { $use = $type }
            if (($os -eq 'linux') -ne ($use -eq 'Bash')) { throw ('twin: -ScriptType {0} does not fit the {1} guest of VM {2} (VMware Tools run Bash in Linux guests, PowerShell and Bat in Windows guests)' -f $use, $os, $name) }
            if ($use -eq 'Bat') { throw 'twin: Invoke-VMScript -ScriptType Bat is not modelled' }
            $gu = if (Test-VTField $vm.guest 'user') { [string]$vm.guest.user } else { $null }
            $gp = if (Test-VTField $vm.guest 'password') { [string]$vm.guest.password } else { $null }
            $userOk = ($null -ne $gu) -and $(if ($os -eq 'linux') { $user -ceq $gu } else { $user -eq $gu })
            if (-not $userOk -or $password -cne $gp) { throw $script:VTGuestMsg.BadLogin }
            $smi = Get-VTGuestNvidiaSmi $v.Srv $vm
            $r = if ($use -eq 'Bash') { Invoke-VTGuestBash ([string]$P['ScriptText']) $smi } else { Invoke-VTGuestPowerShell ([string]$P['ScriptText']) $smi }
            $o = [VgpucTwin.PowerCLI.VMScriptResult]::new()
            $o.TwinServer = $v.Srv.Name
            $o.VM = New-VTVmObject $v.Srv $vm
            $o.ExitCode = [int]$r.Exit
            $o.ScriptOutput = [string]$r.Output
            $o.Id = '{0}/VMScriptResult' -f $o.VM.Id
            $o.Uid = '{0}VMScriptResult/' -f $o.VM.Uid
            $o
        } catch {
            Write-VTError $Cmdlet $_.Exception.Message $name 'InvalidOperation'
        }
    }
}
