# Guest.ps1 - inside the VMs of the simulated Hyper-V family cluster:
# PowerShell Direct (`Invoke-Command -VMName V -Credential C`, run on the host
# V runs on) and the guest's nvidia-smi, which shows the guest driver when the
# vGPU loaded and no GPU when it failed to load (Model.ps1,
# Get-HvVgpuLoadProblem). Part of the engine module. A guest is a simulated
# machine of its own: a runspace whose machine name is 'guest:<VM id>', with
# nvidia-smi (when the guest has an NVIDIA driver) and none of the host's
# modules (no Hyper-V, FailoverClusters, PnpDevice, pnputil in a guest).
#
# The rules (MicrosoftDocs/Virtualization-Documentation,
# virtualization/hyper-v-on-windows/user-guide/powershell-direct.md,
# "Requirements" and "Troubleshooting"): the VM must run locally on the host
# (else "The input VMName parameter does not resolve to any virtual
# machine."), be running, with a guest OS that supports PowerShell Direct
# (Windows 10 / Windows Server 2016 or later; else "An error has occurred
# which Windows PowerShell cannot handle. A remote session might have
# ended."), and the credentials must be valid ("The credential is invalid.").

# The VM (and its host) a guest machine is, or $null on a host or the workstation.
function Get-HvGuestContext {
    if ($null -eq $script:HostName -or -not ([string]$script:HostName).StartsWith('guest:')) { return $null }
    $id = ([string]$script:HostName).Substring(6)
    foreach ($h in (Get-HvState)['hosts']) {
        foreach ($v in @($h['vms'])) {
            if ([string]$v['id'] -eq $id) { return @{ Host = $h; Vm = $v } }
        }
    }
    $null
}

function Invoke-TwinVmDirect {
    param($Cmdlet, $Bound, [scriptblock]$ScriptBlock, [object[]]$ArgumentList)
    $st = Get-HvState
    $h = $null
    if ($null -ne $script:HostName -and $null -eq (Get-HvGuestContext)) {
        $h = Find-HvHost $st $script:HostName
    }
    foreach ($name in @($Bound['VMName'])) {
        $vm = $null
        if ($null -ne $h) {
            $vm = Get-HvFirst @(@($h['vms']).Where({ ([string]$_['name'] -eq [string]$name) }, 'First'))
        }
        if ($null -eq $vm) {
            $Cmdlet.WriteError((New-TwinErrorRecord -Message 'The input VMName parameter does not resolve to any virtual machine.' -ErrorId 'InvalidVMNameNotSingle,Microsoft.PowerShell.Commands.InvokeCommandCommand' -Category InvalidArgument -Target $name))
            continue
        }
        try {
            Assert-TwinFault -Command 'Invoke-Command' -Target ([string]$vm['name']) -HostName ([string]$h['name'])
        } catch {
            $Cmdlet.WriteError($_)
            continue
        }
        $g = $null
        if ($vm.Contains('guest')) { $g = $vm['guest'] }
        $direct = $null -ne $g -and [string]$g['os'] -eq 'windows' -and -not ($g.Contains('powershell_direct') -and -not [bool]$g['powershell_direct'])
        if ($vm['state'] -ne 'Running' -or -not $direct) {
            $Cmdlet.WriteError((New-TwinErrorRecord -Message 'An error has occurred which Windows PowerShell cannot handle. A remote session might have ended.' -ErrorId 'PSSessionStateBroken' -Category OpenError -Target $name))
            continue
        }
        $cred = [pscredential]$Bound['Credential']
        if ([string]$cred.UserName -ne [string]$g['user'] -or $cred.GetNetworkCredential().Password -cne [string]$g['password']) {
            $Cmdlet.WriteError((New-TwinErrorRecord -Message 'The credential is invalid.' -ErrorId 'InvalidCredential,PSSessionOpenFailed' -Category InvalidArgument -Target $name))
            continue
        }
        $rs = New-TwinRunspace -Run $script:Run -HostName ('guest:' + [string]$vm['id'])
        Invoke-TwinRemoteBlock -Cmdlet $Cmdlet -Name ([string]$vm['name']) -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList -Runspace $rs -LocalScope $true
    }
}

# nvidia-smi inside a guest: the guest driver once per GPU partition when the
# vGPU loaded; "No devices were found" (exit 6) when it failed to load or the
# VM has no partition (the guest sees no GPU: docs/sources.md, Hyper-V,
# "nvidia-smi"; NVIDIA: "the NVIDIA vGPU fails to load").
function Invoke-HvGuestNvidiaSmi {
    param($Context, [string[]]$Arguments)
    $v = $Context.Vm
    if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'nvidia-smi.exe' -Target ([string]$v['name']) -HostName ([string]$Context.Host['name']) }
    $argv = @($Arguments)
    if ($argv.Count -eq 2 -and $argv -contains '--query-gpu=driver_version' -and $argv -contains '--format=csv,noheader') {
        $n = @($v['gpu_partition_adapters']).Count
        if ($n -eq 0 -or $v['state'] -ne 'Running' -or $null -ne (Get-HvVgpuLoadProblem (Get-HvState) $Context.Host $v)) {
            'No devices were found'
            Set-TwinNativeExit 6
            return
        }
        for ($i = 0; $i -lt $n; $i++) { [string]$v['guest']['driver'] }
        Set-TwinNativeExit 0
        return
    }
    Write-TwinStderr ('nvidia-smi.exe {0}: not modeled by the twin (only --query-gpu=driver_version --format=csv,noheader)' -f ($argv -join ' '))
    Set-TwinNativeExit 2
}
