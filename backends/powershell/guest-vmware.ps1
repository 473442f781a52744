# ---------------------------------------------------------------------------
# guest-vmware.ps1 - the guest driver reader of the vSphere rollout scripts:
# the NVIDIA guest driver a VM runs, read inside the guest through VMware
# Tools (PowerCLI Invoke-VMScript) with nvidia-smi
# (--query-gpu=driver_version --format=csv,noheader, the query the host
# readers use). Read only.
#
# For the vSphere rollout runtime: give it to Get-VgpucGuestStepStatus
# (guest.ps1) as the reader of a guest step, e.g.
#   Get-VgpucGuestStepStatus -Step $s -Reader {
#       param($V)
#       Read-VgpucGuestDriverVSphere -Name ([string]$V.Name) -Os ([string]$V.Os) -Vms $allVms -Credential $GuestCredential -Server $server
#   }
# Invoke-VMScript: -VM, -Server, -GuestCredential, -ScriptText, -ScriptType
# (Powershell for a Windows guest, Bash for a Linux one), -ToolsWaitSecs; the
# result's ScriptOutput and ExitCode (PowerCLI reference, VMScriptResult). It
# needs the VM powered on with VMware Tools running and valid guest
# credentials; it acts (ShouldProcess), so a read under -WhatIf passes
# -WhatIf:$false -Confirm:$false. Embedded verbatim; it must stay valid
# Windows PowerShell 5.1.
# ---------------------------------------------------------------------------

function Read-VgpucGuestDriverVSphere {
    <# The NVIDIA guest driver a VM runs, through VMware Tools; or '' and why. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Name,
        [Parameter(Mandatory)] [string]$Os,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Vms,
        [Parameter(Mandatory)] [System.Management.Automation.PSCredential]$Credential,
        [Parameter(Mandatory)] [object]$Server,
        [ValidateRange(1, 3600)]
        [int]$ToolsWaitSeconds = 60
    )
    $found = @(Select-VgpucByName -InputObject $Vms -Name $Name)
    if ($found.Count -ne 1) {
        return [pscustomobject]@{ Driver = ''; Error = ('{0} VMs of this name in the cluster' -f $found.Count) }
    }
    $vm = $found[0]
    if ([string]$vm.PowerState -ne 'PoweredOn') {
        return [pscustomobject]@{ Driver = ''; Error = ('it is {0}; the driver is read inside a running guest' -f $vm.PowerState) }
    }
    if ($Os -eq 'linux') {
        $type = 'Bash'
        $text = 'nvidia-smi --query-gpu=driver_version --format=csv,noheader'
    } else {
        $type = 'Powershell'
        $text = "`$c = Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue; if (-not `$c) { 'nvidia-smi.exe is missing in the guest (no NVIDIA guest driver)'; exit 127 }; & `$c.Source '--query-gpu=driver_version' '--format=csv,noheader'; exit `$LASTEXITCODE"
    }
    try {
        $r = Invoke-VMScript -VM $vm -Server $Server -GuestCredential $Credential -ScriptText $text -ScriptType $type `
            -ToolsWaitSecs $ToolsWaitSeconds -WhatIf:$false -Confirm:$false -ErrorAction Stop
    } catch {
        return [pscustomobject]@{ Driver = ''; Error = $_.Exception.Message }
    }
    $versions = @(([string]$r.ScriptOutput) -split "`r?`n" | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
    if ([int]$r.ExitCode -ne 0 -or $versions.Count -eq 0) {
        return [pscustomobject]@{ Driver = ''; Error = ('nvidia-smi in the guest failed (exit {0}): {1}; the guest sees no GPU (its vGPU did not load?)' -f $r.ExitCode, ($versions -join ' ')) }
    }
    $distinct = @($versions | Sort-Object -Unique)
    if ($distinct.Count -ne 1) {
        return [pscustomobject]@{ Driver = ''; Error = ('nvidia-smi in the guest reports several versions: {0}' -f ($distinct -join ', ')) }
    }
    [pscustomobject]@{ Driver = $distinct[0]; Error = '' }
}
