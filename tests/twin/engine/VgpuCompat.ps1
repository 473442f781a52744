# VgpuCompat.ps1 - whether a vGPU loads: NVIDIA's compatibility of a vGPU
# Manager (host) driver with a guest driver, for every platform of the twin,
# written here once. Loaded into every simulated machine (the engine) and
# into Twin.psm1 (node failures run there).
#
# The table is the state's optional `vgpu_compatibility`: { lts_pair_from,
# releases: [{ release, lts, host: [drivers], guest: [drivers] }] } (the
# catalog's releases; the scenarios fill it from `vgpuc catalog releases
# --format json`). NVIDIA: "If you install an incompatible guest VM driver
# release for the release of the vGPU Manager that you are using, the NVIDIA
# vGPU fails to load" (docs/sources.md, NVIDIA); compatible: the
# same branch, the Manager one branch later, and from lts_pair_from an LTS
# Manager with guests of the previous LTS branch (docs/sources.md, NVIDIA; the rule of
# compiler/rules/compat.c). The events the platforms record go to the
# state's optional `events` list.

# "16.5" -> @{ Major = 16; Num = 16005 }.
function ConvertTo-TwinReleaseNumber {
    param([string]$Release)
    $parts = $Release.Split('.')
    $minor = 0
    if ($parts.Count -gt 1) { $minor = [int]$parts[1] }
    @{ Major = [int]$parts[0]; Num = [int]$parts[0] * 1000 + $minor }
}

# $null when a guest driver loads with a host driver, else why not (NVIDIA's
# words and the releases). A driver the table does not list is not modeled:
# it throws, never guesses.
function Get-TwinVgpuCompatProblem {
    param($Compat, [string]$HostDriver, [string]$GuestDriver, [string]$HostName, [string]$VmName)
    $all = @($Compat['releases'] | Where-Object { $null -ne $_ })
    $hr = @($all | Where-Object { @($_['host']) -contains $HostDriver })
    $gr = @($all | Where-Object { @($_['guest']) -contains $GuestDriver })
    if ($hr.Count -eq 0) {
        throw ('twin: the vGPU Manager driver {0} of host {1} is in no release of vgpu_compatibility (not modeled)' -f $HostDriver, $HostName)
    }
    if ($gr.Count -eq 0) {
        throw ('twin: the guest driver {0} of VM {1} is in no release of vgpu_compatibility (not modeled)' -f $GuestDriver, $VmName)
    }
    $ltsFrom = 0
    if ($Compat['lts_pair_from'] -and [string]$Compat['lts_pair_from'] -ne 'never') { $ltsFrom = (ConvertTo-TwinReleaseNumber ([string]$Compat['lts_pair_from'])).Num }
    foreach ($h in $hr) {
        $hn = ConvertTo-TwinReleaseNumber ([string]$h['release'])
        $prevLts = 0
        foreach ($r in $all) {
            $rn = ConvertTo-TwinReleaseNumber ([string]$r['release'])
            if ($r['lts'] -eq $true -and $rn.Major -lt $hn.Major -and $rn.Major -gt $prevLts) { $prevLts = $rn.Major }
        }
        foreach ($g in $gr) {
            $gn = ConvertTo-TwinReleaseNumber ([string]$g['release'])
            $ok = $gn.Major -eq $hn.Major -or $hn.Major -eq $gn.Major + 1 -or
                ($ltsFrom -gt 0 -and $hn.Num -ge $ltsFrom -and $h['lts'] -eq $true -and $g['lts'] -eq $true -and $prevLts -eq $gn.Major)
            if (-not $ok) {
                return ('guest driver {0} (vGPU {1}) is incompatible with the vGPU Manager {2} (vGPU {3}) of host {4}: the NVIDIA vGPU fails to load' -f $GuestDriver, $g['release'], $HostDriver, $h['release'], $HostName)
            }
        }
    }
    $null
}

# Appends an event to the state's `events` (when the state has that list).
function Add-TwinEvent {
    param($State, [System.Collections.IDictionary]$Event)
    if ($null -ne $State -and $State.Contains('events')) {
        $State['events'] = @(@($State['events']) | Where-Object { $null -ne $_ }) + @($Event)
    }
}
