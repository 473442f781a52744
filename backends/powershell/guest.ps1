# ---------------------------------------------------------------------------
# guest.ps1 - the guest phase of vgpuc's rollout scripts, for every platform:
# which VMs of a guest driver step still run another guest driver.
#
# Get-VgpucGuestStepStatus reads the installed guest driver of each VM of a
# guest step through the platform's reader (a script block given the VM's
# plan entry, returning Driver and Error: Read-VgpucGuestDriverHyperV in
# rollout-hyperv.ps1, Read-VgpucGuestDriverVSphere in guest-vmware.ps1) and
# compares it with the driver of the step's release for the VM's OS. The
# step is done when every VM reports that driver; a VM that could not be
# read (off, a Linux guest where the platform reaches Windows guests only,
# wrong credentials, no GPU seen: its vGPU did not load) is still to check.
# Read only. Embedded verbatim; it must stay valid Windows PowerShell 5.1.
# ---------------------------------------------------------------------------

function Get-VgpucGuestStepStatus {
    <# Per VM of a guest step: the driver it runs and whether it is the
       step's; Done when all are. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Step,
        [Parameter(Mandatory)] [scriptblock]$Reader
    )
    $rows = [System.Collections.Generic.List[object]]::new()
    foreach ($v in @($Step.Vms)) {
        $want = [string]$Step.WindowsDriver
        if ([string]$v.Os -eq 'linux') {
            $want = [string]$Step.LinuxDriver
        }
        $read = & $Reader $v
        $driver = [string]$read.Driver
        $rows.Add([pscustomobject]@{
                Name     = [string]$v.Name
                Os       = [string]$v.Os
                Want     = $want
                Driver   = $driver
                Error    = [string]$read.Error
                Upgraded = ($driver -ne '' -and $driver -eq $want)
            })
    }
    $left = @($rows | Where-Object { -not $_.Upgraded })
    [pscustomobject]@{ Step = $Step; Vms = $rows.ToArray(); Left = $left; Done = ($left.Count -eq 0) }
}

function Format-VgpucGuestLeft {
    <# One line per VM still to upgrade or check: name, what it runs, what it needs. #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [Parameter(Mandatory)] [object]$Status
    )
    foreach ($r in @($Status.Left)) {
        $now = $r.Driver
        if ($now -eq '') {
            $now = 'not read: ' + $r.Error
        }
        '{0} ({1}): runs {2}; needs {3}' -f $r.Name, $r.Os, $now, $r.Want
    }
}
