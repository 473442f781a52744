# ---------------------------------------------------------------------------
# rollout-vmware.ps1 - the runtime of vgpuc's vSphere rollout scripts
# (`vgpuc rollout -o DIR`), on top of common.ps1, vmware.ps1, guest.ps1,
# guest-vmware.ps1 and rollout.ps1.
#
# Invoke-VgpucRolloutVmware is the entry. $VgpucRollout, written by
# backends/rollout.c, is the plan of `vgpuc rollout`: per host batch the hosts
# (vGPU Manager release and host driver before and after), the VMs that leave
# them and how (vMotion, shut down and start on a named host, stay down) and
# the VMs started again on resume; the guest driver groups; the license
# server step.
#
# Identity and connection as in vmware.ps1: the script opens its own vCenter
# connection and passes -Server $Connection to every PowerCLI call (sessions
# to other vCenters are left alone); the cluster is resolved by exact name,
# its hosts and VMs by exact, case-insensitive name inside it, then used by id.
#
# Pre-flight (read only; any problem: nothing is changed): the cluster is not
# managed by a vSphere Lifecycle Manager image (then the component belongs in
# the image: the output says how); every host of the cluster is Connected (a
# host of the plan may be in maintenance mode from an earlier run); each host
# of the plan runs the host driver of a state of the plan (which says which
# steps are done; the GPU Management Daemon, a component of its own, is not
# taken for the driver); a depot path is given for every release to install,
# and a daemon depot path (-DaemonDepotPath) for every host to upgrade that
# has the daemon of another release (never a new driver beside the old
# release's daemon), both absolute; the license server step is confirmed;
# every VM to move exists once in the cluster, is powered on or off (never
# suspended) and, if it must shut down,
# has VMware Tools running; no running VM is on a host a step drains without
# being moved (a VM that vSphere HA restarted on another host is moved from
# there, with a note); vMotion of vGPU VMs is enabled
# (vgpu.hotmigrate.enabled). Before each host step every host of the cluster
# is read again: one that failed since (Not Responding) stops the rollout
# before the step, and no VM is moved onto a host that is not Connected;
# after the last step too: one that failed during it fails the run.
# Then, step by step, per host batch: vMotion (Move-VM -Destination; its
# reference lists no -Confirm, so a run with -Confirm may ask twice) the VMs
# the plan live-migrates (first those found on the batch's hosts that the
# plan has elsewhere, back there); shut
# down (the guest OS, never a power-off), move and start those it restarts
# elsewhere; shut down those that stay down (the moves of every host of the
# batch first); then the hosts of the batch together, phase by phase:
# Set-VMHost -State Maintenance -RunAsync on each, one wait; install the NVIDIA host component
# from the depot with `esxcli software component apply -d` (Get-EsxCli -V2)
# on each, then the GPU Management Daemon component from its own depot
# (-DaemonDepotPath: NVIDIA installs and updates the two together; the daemon
# is not stopped first, which no vCenter path can do: its install takes
# effect at the reboot that follows; Install-VgpucRolloutVmwDaemon); reboot each (HostSystem.RebootHost, refused by ESXi outside
# maintenance mode) without waiting, then one wait for vCenter to see every
# one of them again with a later boot time (HostRuntimeInfo.bootTime;
# Start-VgpucVmwHostReboot and Wait-VgpucVmwHostReboot of vmware.ps1, the
# build's reboot too); verify on each that the installed component is the
# planned driver and that the nvidia module loaded is that version
# (HostKernelModuleSystem.QueryModules), and the daemon's component when
# one was installed;
# Set-VMHost -State Connected on each; start the VMs that stayed down. A
# batch of N hosts is down for about one reboot, not N. The first failure
# stops the rollout (a failed reboot stops the next reboots; the hosts
# already rebooting are waited for and verified): the hosts leave
# maintenance mode and every VM is put back in its power state, except a
# host whose new component is installed but not yet verified, or that did
# not come back from its reboot in time: it stays in maintenance mode and
# the output says so (running the script again reboots and verifies it).
# Maintenance mode is entered by every host of the batch at the same time
# (Set-VMHost -RunAsync; the hosts are empty by then), then one wait for the
# tasks (Get-Task -Id) and each host read: one that did not enter fails the
# step, the others are let out as above. A step already done is
# skipped, so a rollout is resumed by running the script again. A host step
# that changes no vGPU Manager (a drain, `--drain HOST`) leaves no live trace
# on the host: with -LogPath, its completion is recorded in the log (a step
# 'no-change step N done (plan ID)', rollout.ps1) and a rerun with the same
# -LogPath skips it (unless the host is in maintenance mode: then it is done
# again); without a log it is done again on every run. Guest
# drivers are updated inside the VMs by their owners: the script lists them,
# and before a host step that needs them updated it stops until the step is
# done: with -GuestCredential it reads each guest's driver (nvidia-smi inside
# the guest through VMware Tools, Invoke-VMScript: guest-vmware.ps1,
# guest.ps1), lists the VMs still to upgrade, and the step is done when every
# VM reports the new driver; without, -GuestStepDone says so.
# Sources: docs/sources.md, vSphere (maintenance mode, component apply with
# the absolute depot path, reboot and boot time, the loaded module's version,
# ComputeResource.lifecycleManaged), 3.1 (vGPU vMotion and
# vgpu.hotmigrate.enabled; vLCM), 3.2 (no vMotion with DirectPath I/O).
# Embedded verbatim by the build; it must stay valid Windows PowerShell 5.1.
# ---------------------------------------------------------------------------

function Test-VgpucRolloutVmwDaemon {
    <# Is an NVIDIA component of `esxcli software component list` the GPU
       Management Daemon, which NVIDIA ships as a software component of its own
       beside the host driver (Virtual GPU Software User Guide 17, 2.9.1.1:
       docs/sources.md, vSphere)? Told by its name or display name: NVIDIA names
       the daemon's offline bundles nvd-gpu-mgmt-daemon_VERSION_BUILD.zip (also
       VMW-esx-7.0.2-nvd-gpu-mgmt-daemon-1.0-0.0.0001), its VIB nvdgpumgmtdaemon,
       and a vLCM image lists it as "NVIDIA GPU monitoring and management daemon". #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [object]$Component
    )
    $names = @([string](Get-VgpucProperty -InputObject $Component -Name 'Name'), [string](Get-VgpucProperty -InputObject $Component -Name 'DisplayName'))
    foreach ($n in $names) {
        if ($n -match 'gpu-?mgmt-?daemon|management daemon') {
            return $true
        }
    }
    $false
}

function Read-VgpucRolloutVmwDriver {
    <# The NVIDIA host driver component a host has installed (esxcli software
       component list through Get-EsxCli -V2) and the nvidia kernel module it runs:
       loaded or not, and the version of the module loaded
       (HostKernelModuleSystem.QueryModules, KernelModuleInfo.loaded and .version:
       docs/sources.md, vSphere), or why not. The component changes at install; the
       module loaded only at the reboot. The GPU Management Daemon, a component of
       its own with a version of its own (Test-VgpucRolloutVmwDaemon), is not the
       driver: it is given in Others, and as DaemonName and DaemonVersion (the first
       one found; DaemonCount how many). Several other NVIDIA components of different
       versions: the driver is the one that is a host driver of the plan (-PlanDrivers,
       the catalog's), else the one whose version the loaded module names; none or
       several: an error. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$VMHost,
        [AllowEmptyCollection()] [string[]]$PlanDrivers = @()
    )
    try {
        $esxcliArgs = @{ VMHost = $VMHost; V2 = $true; Server = $Connection }
        $esxcli = Get-EsxCli @esxcliArgs
        $components = @($esxcli.software.component.list.Invoke() | Where-Object { ([string]$_.Name) -match '^NVD' -or ([string]$_.Vendor) -match 'NVIDIA' })
        $kms = Get-View -Id $VMHost.ExtensionData.ConfigManager.KernelModuleSystem -Server $Connection
        $nv = @($kms.QueryModules() | Where-Object { [string]$_.Name -eq 'nvidia' })
        $loaded = $nv.Count -gt 0 -and [bool]$nv[0].Loaded
        $module = ''
        if ($loaded) {
            $module = [string]$nv[0].Version
        }
        $drivers = @($components | Where-Object { -not (Test-VgpucRolloutVmwDaemon -Component $_) })
        $daemons = @($components | Where-Object { Test-VgpucRolloutVmwDaemon -Component $_ })
        $daemonName = ''
        $daemonVersion = ''
        if ($daemons.Count -gt 0) {
            $daemonName = [string]$daemons[0].Name
            $daemonVersion = [string]$daemons[0].Version
        }
        $versions = @($drivers | ForEach-Object { [string]$_.Version } | Sort-Object -Unique)
        if ($versions.Count -gt 1 -and @($PlanDrivers).Count -gt 0) {
            $planned = @($versions | Where-Object { $cand = $_; @($PlanDrivers | Where-Object { Test-VgpucRolloutVmwDriver -Version $cand -Driver $_ }).Count -gt 0 })
            if ($planned.Count -eq 1) {
                $versions = $planned
            }
        }
        if ($versions.Count -gt 1 -and $module -ne '') {
            $versions = @($versions | Where-Object { Test-VgpucRolloutVmwModule -Version $module -Driver $_.Split('-')[0] })
        }
        if ($versions.Count -gt 1 -or ($versions.Count -eq 0 -and $drivers.Count -gt 0)) {
            $all = @($drivers | ForEach-Object { '{0} {1}' -f $_.Name, $_.Version }) -join ', '
            return [pscustomobject]@{ Version = ''; Loaded = $loaded; Module = $module; Others = @(); DaemonName = $daemonName; DaemonVersion = $daemonVersion; DaemonCount = $daemons.Count; Error = ('several NVIDIA components are installed and the loaded nvidia module names none of them alone: {0}' -f $all) }
        }
        $v = ''
        if ($versions.Count -eq 1) {
            $v = $versions[0]
        }
        $others = @($components | Where-Object { [string]$_.Version -ne $v } | ForEach-Object { '{0} {1}' -f $_.Name, $_.Version })
        [pscustomobject]@{ Version = $v; Loaded = $loaded; Module = $module; Others = $others; DaemonName = $daemonName; DaemonVersion = $daemonVersion; DaemonCount = $daemons.Count; Error = '' }
    } catch {
        [pscustomobject]@{ Version = ''; Loaded = $false; Module = ''; Others = @(); DaemonName = ''; DaemonVersion = ''; DaemonCount = 0; Error = $_.Exception.Message }
    }
}

function Test-VgpucRolloutVmwDriver {
    <# Is an installed component version (e.g. 570.172.07-1OEM.800.1.0.20613240)
       the host driver of the catalog (570.172.07)? #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Version,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Driver
    )
    if ($Driver -eq '' -or $Version -eq '') {
        return $false
    }
    $Version -eq $Driver -or $Version.StartsWith($Driver + '-')
}

function Get-VgpucRolloutVmwDaemonDepot {
    <# The -DaemonDepotPath entry of a release ('' when not given): the offline bundle of
       the NVIDIA GPU Management Daemon component NVIDIA installs and updates with the host
       driver of that release (Virtual GPU Software User Guide, 2.9.1.1 and 2.9.1.2:
       docs/sources.md, vSphere). #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()] [hashtable]$DaemonDepotPath,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Release
    )
    if ($null -eq $DaemonDepotPath -or -not $DaemonDepotPath.ContainsKey($Release)) {
        return ''
    }
    [string]$DaemonDepotPath[$Release]
}

function Test-VgpucRolloutVmwModule {
    <# Does the loaded nvidia module's version string name the host driver (e.g.
       570.172.07)? The exact text ESXi reports for the module was not found in a
       source, so the driver version must appear in it as a whole dotted number. #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Version,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Driver
    )
    if ($Driver -eq '' -or $Version -eq '') {
        return $false
    }
    $Version -match ('(^|[^0-9.]){0}($|[^0-9.]|\.[^0-9])' -f [regex]::Escape($Driver))
}

function Read-VgpucRolloutVmwGuestStep {
    <# The guest phase of the pre-flight: with guest credentials, each guest
       step not yet done reads the NVIDIA driver inside each of its VMs
       (Read-VgpucGuestDriverVSphere of guest-vmware.ps1, through VMware
       Tools) and is done when every VM reports the step's driver
       (Get-VgpucGuestStepStatus of guest.ps1). Gives every step its Guest
       status ($null when not read). Read only. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Work,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$AllVms,
        [Parameter(Mandatory)] [object]$Connection,
        [AllowNull()] [System.Management.Automation.PSCredential]$GuestCredential = $null
    )
    $haveCredential = $null -ne $GuestCredential -and $GuestCredential -ne [System.Management.Automation.PSCredential]::Empty
    foreach ($w in $Work) {
        $w | Add-Member -NotePropertyName 'Guest' -NotePropertyValue $null -Force
        if (-not $haveCredential -or $w.Done -or $w.Step.Kind -ne 'guests') {
            continue
        }
        $w.Guest = Get-VgpucGuestStepStatus -Step $w.Step -Reader {
            param($V)
            Read-VgpucGuestDriverVSphere -Name ([string]$V.Name) -Os ([string]$V.Os) -Vms $AllVms -Credential $GuestCredential -Server $Connection
        }
        $w.Done = $w.Guest.Done
    }
}

function Get-VgpucRolloutVmwPlan {
    <# The pre-flight: live state against the plan. Returns per step whether it
       is done, the hosts and VMs resolved to objects; problems go to the run. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$Rollout,
        [AllowNull()] [hashtable]$DepotPath,
        [AllowNull()] [hashtable]$DaemonDepotPath,
        [switch]$LicenseServerReady,
        [AllowEmptyCollection()] [AllowNull()] [int[]]$GuestStepDone = @(),
        [AllowNull()] [System.Management.Automation.PSCredential]$GuestCredential = $null,
        [AllowEmptyCollection()] [AllowNull()] [string[]]$Recorded = @()
    )
    $steps = @($Rollout.Steps)
    $plan = [pscustomobject]@{ Work = @(); Hosts = @{}; HostState = @{}; Vms = @{}; Resume = @(); Notes = [System.Collections.Generic.List[string]]::new() }
    $cluster = Resolve-VgpucVmwCluster -Run $Run -Connection $Connection -Name $Rollout.Cluster
    if ($null -eq $cluster) {
        return $plan
    }
    $hostNames = [System.Collections.Generic.List[string]]::new()
    $releases = [System.Collections.Generic.List[string]]::new()
    foreach ($s in $steps) {
        if ($s.Kind -ne 'hosts') {
            continue
        }
        foreach ($h in @($s.Hosts)) {
            if (-not (Test-VgpucNameInList -Name $h.Name -List $hostNames.ToArray())) {
                $hostNames.Add([string]$h.Name)
            }
            if ($h.FromRelease -ne $h.ToRelease -and -not ($releases -contains [string]$h.ToRelease)) {
                $releases.Add([string]$h.ToRelease)
            }
        }
    }

    # --- vLCM: a cluster managed by an image gets its components from the image ---
    $managed = Get-VgpucProperty -InputObject $cluster.ExtensionData -Name 'LifecycleManaged'
    if ($null -ne $managed -and [bool]$managed -and $releases.Count -gt 0) {
        $what = @($steps | Where-Object { $_.Kind -eq 'hosts' } | ForEach-Object { @($_.Hosts) } | Where-Object { $_.FromRelease -ne $_.ToRelease } |
                ForEach-Object { 'vGPU {0} (host driver {1})' -f $_.ToRelease, $_.ToDriver } | Sort-Object -Unique) -join ', '
        Add-VgpucProblem -Run $Run -Text ('cluster {0} is managed by a vSphere Lifecycle Manager image: this script never installs a component beside the image (the next remediation would remove it). Change the image instead: add the NVIDIA vGPU Manager host component of {1} to the cluster''s image in vSphere Lifecycle Manager and remediate the cluster host by host, moving the VMs as this plan says (vLCM remediates hosts with powered-on vGPU VMs from vCenter 8.0 U1a)' -f $Rollout.Cluster, $what)
    }

    # --- The hosts: every host of the cluster Connected (a host of the plan may be in maintenance mode) ---
    $all = @(Get-VMHost -Location $cluster -Server $Connection)
    foreach ($h in $all) {
        $plan.Hosts[([string]$h.Name).ToLowerInvariant()] = $h
        $state = [string]$h.ConnectionState
        $inPlan = Test-VgpucNameInList -Name ([string]$h.Name) -List $hostNames.ToArray()
        $plan.HostState[([string]$h.Name).ToLowerInvariant()] = $state
        if ($state -eq 'Connected' -or ($state -eq 'Maintenance' -and $inPlan)) {
            continue
        }
        Add-VgpucProblem -Run $Run -Text ('host {0} is {1}: the plan counts on every host of the cluster; bring it back (or out of maintenance mode) first' -f $h.Name, $state)
    }
    $drivers = @{}
    foreach ($n in $hostNames) {
        $found = @(Select-VgpucByName -InputObject $all -Name $n)
        if ($found.Count -ne 1) {
            Add-VgpucProblem -Run $Run -Text ('host {0} is not a host of cluster {1}' -f $n, $Rollout.Cluster)
            continue
        }
        if (@('Connected', 'Maintenance') -notcontains [string]$found[0].ConnectionState) {
            continue
        }
        $planned = @($steps | Where-Object { $_.Kind -eq 'hosts' } | ForEach-Object { @($_.Hosts) } | Where-Object { Test-VgpucName -Name $_.Name -Other $n } |
                ForEach-Object { [string]$_.FromDriver; [string]$_.ToDriver } | Where-Object { $_ -ne '' } | Sort-Object -Unique)
        $drivers[$n.ToLowerInvariant()] = Read-VgpucRolloutVmwDriver -Connection $Connection -VMHost $found[0] -PlanDrivers $planned
    }

    # --- Which host steps are done: the component each host has installed ---
    $position = @{}
    foreach ($n in $hostNames) {
        $key = $n.ToLowerInvariant()
        if (-not $drivers.ContainsKey($key)) {
            continue
        }
        $r = $drivers[$key]
        if ($r.Error -ne '') {
            Add-VgpucProblem -Run $Run -Text ('host {0}: its NVIDIA component could not be read: {1}' -f $n, $r.Error)
            continue
        }
        $mine = @()
        foreach ($s in $steps) {
            if ($s.Kind -ne 'hosts') {
                continue
            }
            foreach ($h in @($s.Hosts)) {
                if (Test-VgpucName -Name $h.Name -Other $n) {
                    $mine += [pscustomobject]@{ Step = $s; Host = $h }
                }
            }
        }
        $unknown = @($mine | Where-Object { [string]::IsNullOrEmpty($_.Host.FromDriver) -or [string]::IsNullOrEmpty($_.Host.ToDriver) })
        if ($unknown.Count -gt 0) {
            Add-VgpucProblem -Run $Run -Text ('host {0}: the catalog knows no host driver of vGPU {1}, so the script cannot verify it; add it with --catalog' -f $n, $unknown[0].Host.ToRelease)
            continue
        }
        $done = -1
        for ($i = 0; $i -lt $mine.Count; $i++) {
            if (Test-VgpucRolloutVmwDriver -Version $r.Version -Driver $mine[$i].Host.FromDriver) {
                $done = $i
                break
            }
        }
        if ($done -lt 0 -and $mine.Count -gt 0 -and (Test-VgpucRolloutVmwDriver -Version $r.Version -Driver $mine[$mine.Count - 1].Host.ToDriver)) {
            $done = $mine.Count
        }
        if ($done -lt 0) {
            $expected = @($mine | ForEach-Object { $_.Host.FromDriver; $_.Host.ToDriver } | Sort-Object -Unique) -join ' or '
            $found = $r.Version
            if ($found -eq '') {
                $found = 'none'
            }
            Add-VgpucProblem -Run $Run -Text ('host {0} has NVIDIA host component {1}; the plan expects driver {2}' -f $n, $found, $expected)
            continue
        }
        # In maintenance mode after its last change: installed, not yet verified (an
        # interrupted run): that step is done again (reboot, verify, exit).
        if ($done -eq $mine.Count -and $plan.HostState[$key] -eq 'Maintenance') {
            $done = $mine.Count - 1
        } elseif ($done -eq $mine.Count -and -not ($r.Loaded -and (Test-VgpucRolloutVmwModule -Version $r.Module -Driver $mine[$mine.Count - 1].Host.ToDriver))) {
            # Installed, yet the module loaded is another (a reboot that did not load it):
            # that step is done again (reboot, verify).
            $done = $mine.Count - 1
        } elseif ($done -eq $mine.Count -and $mine[$mine.Count - 1].Host.FromRelease -ne $mine[$mine.Count - 1].Host.ToRelease -and
            (Get-VgpucRolloutVmwDaemonDepot -DaemonDepotPath $DaemonDepotPath -Release ([string]$mine[$mine.Count - 1].Host.ToRelease)) -ne '' -and
            -not (Test-VgpucRolloutVmwDriver -Version $r.DaemonVersion -Driver $mine[$mine.Count - 1].Host.ToDriver)) {
            # The driver is done, its GPU Management Daemon is not (none, or of another
            # release: a run before -DaemonDepotPath was given): that step is done again
            # (maintenance mode, the daemon installed, reboot, verify).
            $done = $mine.Count - 1
        }
        # The components left as they are: every other NVIDIA component, and the daemon
        # unless a step still to do installs it (-DaemonDepotPath of its release).
        $others = @($r.Others)
        $last = $null
        if ($done -lt $mine.Count) {
            $last = @($mine | Select-Object -Skip ([Math]::Max($done, 0)) | Where-Object { $_.Host.FromRelease -ne $_.Host.ToRelease } | Select-Object -Last 1)
        }
        if ($null -ne $last -and @($last).Count -eq 1 -and $r.DaemonName -ne '' -and
            (Get-VgpucRolloutVmwDaemonDepot -DaemonDepotPath $DaemonDepotPath -Release ([string]$last[0].Host.ToRelease)) -ne '') {
            $others = @($others | Where-Object { $_ -ne ('{0} {1}' -f $r.DaemonName, $r.DaemonVersion) })
        }
        if ($others.Count -gt 0) {
            $plan.Notes.Add(('host {0}: NVIDIA component(s) {1} beside the host driver are left as they are (the script installs the host driver component, and the GPU Management Daemon component when -DaemonDepotPath gives it)' -f $n, ($others -join ', ')))
        }
        $position[$key] = [pscustomobject]@{ Done = $done; Steps = $mine; Daemon = $r }
    }

    # --- The license server and the depots ---
    foreach ($s in $steps) {
        if ($s.Kind -eq 'license-server' -and -not $LicenseServerReady) {
            Add-VgpucProblem -Run $Run -Text ('the plan upgrades license server {0} from {1} to {2} before any host: upgrade it, then run again with -LicenseServerReady' -f $s.Name, $s.FromVersion, $s.ToVersion)
        }
    }
    $work = [System.Collections.Generic.List[object]]::new()
    foreach ($s in $steps) {
        if ($s.Kind -ne 'hosts') {
            $work.Add([pscustomobject]@{ Step = $s; Done = ($s.Kind -eq 'license-server' -or @($GuestStepDone) -contains [int]$s.Index); Hosts = @() })
            continue
        }
        $pending = @()
        foreach ($h in @($s.Hosts)) {
            $p = $position[([string]$h.Name).ToLowerInvariant()]
            if ($null -eq $p) {
                continue
            }
            $k = 0
            for ($i = 0; $i -lt $p.Steps.Count; $i++) {
                if ($p.Steps[$i].Step -eq $s) {
                    $k = $i
                }
            }
            if ($k -ge $p.Done) {
                # A no-change step the log of an earlier run recorded as done is
                # skipped, unless its host is in maintenance mode (the step did
                # not end there: it is done again).
                if ($h.FromRelease -eq $h.ToRelease -and $h.FromDriver -eq $h.ToDriver -and
                    $plan.HostState[([string]$h.Name).ToLowerInvariant()] -ne 'Maintenance' -and
                    @($Recorded) -contains ('{0}|{1}' -f $s.Index, ([string]$h.Name).ToLowerInvariant())) {
                    continue
                }
                $pending += $h
                if ($h.FromRelease -ne $h.ToRelease) {
                    $depot = ''
                    if ($null -ne $DepotPath -and $DepotPath.ContainsKey([string]$h.ToRelease)) {
                        $depot = [string]$DepotPath[[string]$h.ToRelease]
                    }
                    if ($depot -eq '') {
                        Add-VgpucProblem -Run $Run -Text ('host {0} moves to vGPU {1}: give its host component with -DepotPath @{{ ''{1}'' = ''/vmfs/volumes/<datastore>/<NVIDIA host driver component>.zip'' }}' -f $h.Name, $h.ToRelease)
                    } elseif (-not $depot.StartsWith('/')) {
                        Add-VgpucProblem -Run $Run -Text ('-DepotPath for vGPU {0}: {1} is not an absolute path on the host (esxcli needs the full path, e.g. /vmfs/volumes/<datastore>/...zip)' -f $h.ToRelease, $depot)
                    }
                    # The GPU Management Daemon: NVIDIA installs and updates it with the
                    # driver. Its depot is checked like the driver's; a host that has the
                    # daemon of another release and no depot for it is refused (never a new
                    # driver beside the old release's daemon).
                    $daemonDepot = Get-VgpucRolloutVmwDaemonDepot -DaemonDepotPath $DaemonDepotPath -Release ([string]$h.ToRelease)
                    $d = $p.Daemon
                    if ($daemonDepot -ne '' -and -not $daemonDepot.StartsWith('/')) {
                        Add-VgpucProblem -Run $Run -Text ('-DaemonDepotPath for vGPU {0}: {1} is not an absolute path on the host (esxcli needs the full path, e.g. /vmfs/volumes/<datastore>/nvd-gpu-mgmt-daemon_...zip)' -f $h.ToRelease, $daemonDepot)
                    } elseif ($daemonDepot -eq '' -and $null -ne $d -and $d.DaemonName -ne '' -and -not (Test-VgpucRolloutVmwDriver -Version $d.DaemonVersion -Driver $h.ToDriver)) {
                        Add-VgpucProblem -Run $Run -Text ('host {0} has the NVIDIA GPU Management Daemon component {1} {2}, and its step {3} moves the driver to vGPU {4} (driver {5}): NVIDIA updates the daemon with the driver; give the daemon component of vGPU {4} with -DaemonDepotPath @{{ ''{4}'' = ''/vmfs/volumes/<datastore>/nvd-gpu-mgmt-daemon_{5}-<build>.zip'' }}' -f $h.Name, $d.DaemonName, $d.DaemonVersion, $s.Index, $h.ToRelease, $h.ToDriver)
                    }
                }
            }
        }
        $work.Add([pscustomobject]@{ Step = $s; Done = ($pending.Count -eq 0); Hosts = $pending })
    }

    # --- The VMs: each once in the cluster, where the plan expects it, able to shut down if it must ---
    $allVms = @(Get-VM -Location $cluster -Server $Connection)
    Read-VgpucRolloutVmwGuestStep -Work $work -AllVms $allVms -Connection $Connection -GuestCredential $GuestCredential
    $placed = Test-VgpucRolloutVmwPlacement -Run $Run -Plan $plan -Work $work.ToArray() -Vms $allVms
    foreach ($note in $placed.Notes) {
        $plan.Notes.Add($note)
    }
    $live = $placed.Live
    foreach ($w in $work) {
        if ($w.Done -or $w.Step.Kind -ne 'hosts') {
            continue
        }
        foreach ($m in @($w.Step.Moves)) {
            $key = ([string]$m.Vm).ToLowerInvariant()
            if ($plan.Vms.ContainsKey($key)) {
                continue
            }
            $found = @(Select-VgpucByName -InputObject $allVms -Name $m.Vm)
            if ($found.Count -eq 0) {
                Add-VgpucProblem -Run $Run -Text ('VM {0} does not exist in cluster {1}' -f $m.Vm, $Rollout.Cluster)
                $plan.Vms[$key] = $null
                continue
            }
            if ($found.Count -gt 1) {
                Add-VgpucProblem -Run $Run -Text ('{0} VMs are named {1} in cluster {2}; names must be unique' -f $found.Count, $m.Vm, $Rollout.Cluster)
                $plan.Vms[$key] = $null
                continue
            }
            $vm = $found[0]
            $plan.Vms[$key] = $vm
            $at = [string]$vm.VMHost.Name
            $power = [string]$vm.PowerState
            if ($power -ne 'PoweredOn' -and $power -ne 'PoweredOff') {
                Add-VgpucProblem -Run $Run -Text ('VM {0} is {1}: it must be powered on or off (a suspended VM is never resumed by this script)' -f $m.Vm, $power)
            } elseif ($power -eq 'PoweredOn' -and $m.How -ne 'live-migrate' -and [string]$vm.ExtensionData.Guest.ToolsRunningStatus -ne 'guestToolsRunning') {
                Add-VgpucProblem -Run $Run -Text ('VM {0} must be shut down for the drain of {1}, but VMware Tools is not running in it (it is never powered off)' -f $m.Vm, $m.From)
            } elseif ($power -eq 'PoweredOn' -and $m.How -eq 'live-migrate' -and -not (Test-VgpucNameInList -Name $at -List @($m.To))) {
                $live = $true
            }
        }
    }
    if ($live) {
        $setting = @(Get-AdvancedSetting -Entity $Connection -Name 'vgpu.hotmigrate.enabled' -Server $Connection)
        if ($setting.Count -eq 0 -or ([string]$setting[0].Value).ToLowerInvariant() -ne 'true') {
            Add-VgpucProblem -Run $Run -Text ('vCenter {0}: vgpu.hotmigrate.enabled is not true, so the vMotion of vGPU VMs the plan needs fails ("vGPU hot migration is not enabled."); run the cluster''s build script, which sets it, then run again' -f $Connection.Name)
        }
    }
    $plan.Work = $work.ToArray()
    $plan
}

function Test-VgpucRolloutVmwPlacement {
    <# Where the running VMs are against the steps still to do. Each powered-on VM
       of the cluster is followed through the host steps in order, with where the
       plan has it (the host of its last move, else where its next move takes it
       from). A step that moves it may find it on another host (vSphere HA restarts
       the VMs of a failed host elsewhere): the step moves it from there. A step
       that drains the host it runs on without moving it: a VM the plan moves with
       vMotion goes back first, with vMotion, to where the plan has it (an extra
       move of that step, when that host is not drained too); any other is a
       problem (plan again). A VM that stays down must be on its own host. Adds the
       extra moves to the steps (Extra) and the VMs to Plan.Vms; problems go to the
       run. Returns the notes and whether an extra move is a vMotion. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Plan,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Work,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Vms
    )
    $notes = [System.Collections.Generic.List[string]]::new()
    $live = $false
    $steps = @($Work | Where-Object { $_.Step.Kind -eq 'hosts' })
    # The moves of each VM, in step order, indexed once by lower-case name.
    $byVm = @{}
    foreach ($w in $steps) {
        if ($null -eq $w.PSObject.Properties['Extra']) {
            $w | Add-Member -NotePropertyName 'Extra' -NotePropertyValue ([System.Collections.Generic.List[object]]::new())
        }
        foreach ($m in @($w.Step.Moves)) {
            $key = ([string]$m.Vm).ToLowerInvariant()
            if (-not $byVm.ContainsKey($key)) {
                $byVm[$key] = [System.Collections.Generic.List[object]]::new()
            }
            $byVm[$key].Add([pscustomobject]@{ Work = $w; Move = $m })
        }
    }
    foreach ($vm in @($Vms | Where-Object { [string]$_.PowerState -eq 'PoweredOn' })) {
        $name = [string]$vm.Name
        $cur = [string]$vm.VMHost.Name
        $mine = @()
        if ($byVm.ContainsKey($name.ToLowerInvariant())) {
            $mine = $byVm[$name.ToLowerInvariant()].ToArray()
        }
        $vmotion = @($mine | Where-Object { $_.Move.How -eq 'live-migrate' }).Count -gt 0
        $planned = $null
        foreach ($x in $mine) {
            if (-not $x.Work.Done) {
                if ($null -eq $planned) {
                    $planned = [string]$x.Move.From
                }
                break
            }
            $planned = [string]$x.Move.To
        }
        foreach ($w in @($steps | Where-Object { -not $_.Done })) {
            $drained = @(@($w.Step.Hosts) | ForEach-Object { [string]$_.Name })
            $m = @($mine | Where-Object { $_.Work -eq $w } | ForEach-Object { $_.Move }) | Select-Object -First 1
            if ($null -eq $m) {
                if (Test-VgpucNameInList -Name $cur -List $drained) {
                    if ($vmotion -and -not [string]::IsNullOrEmpty($planned) -and -not (Test-VgpucNameInList -Name $planned -List $drained) -and $Plan.Hosts.ContainsKey($planned.ToLowerInvariant())) {
                        $w.Extra.Add([pscustomobject]@{ Vm = $name; From = $cur; To = $planned; How = 'live-migrate'; Migration = 'live'; Reason = 'back where the plan has it' })
                        $Plan.Vms[$name.ToLowerInvariant()] = $vm
                        $notes.Add(('VM {0} runs on {1}, which step {2} drains; the plan has it on {3} (vSphere HA restarts the VMs of a failed host elsewhere): step {2} first moves it back to {3} with vMotion' -f $name, $cur, $w.Step.Index, $planned))
                        $live = $true
                        $cur = $planned
                        continue
                    }
                    Add-VgpucProblem -Run $Run -Text ('VM {0} runs on {1}, which step {2} drains, and the plan does not move it: plan again from the cluster as it is' -f $name, $cur, $w.Step.Index)
                    break
                }
                continue
            }
            if ($m.How -eq 'stay-down') {
                if (-not (Test-VgpucName -Name $cur -Other ([string]$m.From))) {
                    Add-VgpucProblem -Run $Run -Text ('VM {0} runs on {1}; the plan expects it on {2}, where it stays down while step {3} drains that host: plan again from the cluster as it is' -f $name, $cur, $m.From, $w.Step.Index)
                    break
                }
                continue
            }
            if (-not (Test-VgpucNameInList -Name $cur -List @([string]$m.From, [string]$m.To))) {
                $notes.Add(('VM {0} runs on {1}, not on {2} as the plan assumed (vSphere HA restarts the VMs of a failed host elsewhere): step {3} moves it from {1} to {4}' -f $name, $cur, $m.From, $w.Step.Index, $m.To))
            }
            $cur = [string]$m.To
            $planned = $cur
        }
    }
    [pscustomobject]@{ Notes = $notes.ToArray(); Live = $live }
}

function Stop-VgpucRolloutVmwGuest {
    <# Shut the guest OS down through VMware Tools (never a power-off) and wait until it is off. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$Vm,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $view = Get-View -Id $Vm.ExtensionData.MoRef -Server $Connection
    $view.ShutdownGuest()
    Wait-VgpucVmwPowerState -Connection $Connection -MoRef $Vm.ExtensionData.MoRef -State 'poweredOff' -TimeoutSeconds $TimeoutSeconds
}

function Invoke-VgpucRolloutVmwMove {
    <# One VM leaving a host as planned. Returns the VM to start again at the end
       of the step (it stayed down and was running), or $null. A failure puts the
       VM back in its power state where possible and throws. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$Plan,
        [Parameter(Mandatory)] [object]$Move,
        [Parameter(Mandatory)] [int]$ShutdownTimeoutSeconds
    )
    $name = [string]$Move.Vm
    $vm = Get-VM -Id $Plan.Vms[$name.ToLowerInvariant()].Id -Server $Connection
    $at = [string]$vm.VMHost.Name
    $running = [string]$vm.PowerState -eq 'PoweredOn'
    if ($Move.How -eq 'stay-down') {
        if (-not $running) {
            Add-VgpucResult -Run $Run -Target $name -Step ('stays down while {0} is in maintenance' -f $Move.From) -Status 'already right' -Message 'it is off'
            return $null
        }
        $done = Invoke-VgpucChange -Run $Run -Target $name -Action ('shut down the guest; it stays down until {0} is back' -f $Move.From) -ScriptBlock {
            param($C, $V, [int]$T) Stop-VgpucRolloutVmwGuest -Connection $C -Vm $V -TimeoutSeconds $T
        } -ArgumentList @($Connection, $vm, $ShutdownTimeoutSeconds)
        if ($done) {
            return $vm
        }
        return $null
    }
    if (Test-VgpucName -Name $at -Other $Move.To) {
        Add-VgpucResult -Run $Run -Target $name -Step ('on {0}' -f $Move.To) -Status 'already right'
        return $null
    }
    $dest = $Plan.Hosts[([string]$Move.To).ToLowerInvariant()]
    if ($null -eq $dest) {
        throw ('host {0} is not a host of the cluster' -f $Move.To)
    }
    # Never onto a host that failed since the pre-flight (read again now).
    $destState = [string](Get-VMHost -Id $dest.Id -Server $Connection).ConnectionState
    if ($destState -ne 'Connected') {
        throw ('host {0} is {1}: {2} is not moved onto it; bring the host back, then run the script again' -f $Move.To, $destState, $name)
    }
    if ($Move.How -eq 'live-migrate' -and $running) {
        $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('vMotion to {0} (Move-VM)' -f $Move.To) -ScriptBlock {
            param($C, $V, $D)
            $null = Move-VM -VM $V -Destination $D -Server $C -ErrorAction Stop
        } -ArgumentList @($Connection, $vm, $dest)
        return $null
    }
    # Shut down, move (cold), start on the planned host.
    $stopped = $false
    if ($running) {
        $stopped = Invoke-VgpucChange -Run $Run -Target $name -Action 'shut down the guest (never powered off)' -ScriptBlock {
            param($C, $V, [int]$T) Stop-VgpucRolloutVmwGuest -Connection $C -Vm $V -TimeoutSeconds $T
        } -ArgumentList @($Connection, $vm, $ShutdownTimeoutSeconds)
        if (-not $stopped) {
            return $null
        }
    }
    $moved = $false
    try {
        $moved = Invoke-VgpucChange -Run $Run -Target $name -Action ('move to {0} (Move-VM, powered off)' -f $Move.To) -ScriptBlock {
            param($C, $V, $D)
            $null = Move-VM -VM (Get-VM -Id $V.Id -Server $C) -Destination $D -Server $C -ErrorAction Stop
        } -ArgumentList @($Connection, $vm, $dest)
    } catch {
        if ($stopped) {
            try {
                $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('power on again on {0} (it was running)' -f $at) -ScriptBlock {
                    param($C, $V) $null = Start-VM -VM (Get-VM -Id $V.Id -Server $C) -Server $C -Confirm:$false -ErrorAction Stop
                } -ArgumentList @($Connection, $vm)
            } catch {
                Write-Warning ('{0} was running and is left off on {1}: {2}' -f (Format-VgpucText -Text $name), $at, (Format-VgpucText -Text $_.Exception.Message))
            }
        }
        throw
    }
    if (-not $stopped -or -not $moved) {
        return $null
    }
    try {
        $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('power on on {0}' -f $Move.To) -ScriptBlock {
            param($C, $V) $null = Start-VM -VM (Get-VM -Id $V.Id -Server $C) -Server $C -Confirm:$false -ErrorAction Stop
        } -ArgumentList @($Connection, $vm)
    } catch {
        # Back where it came from: that host is not in maintenance mode yet.
        try {
            $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('move back to {0} and power on there' -f $at) -ScriptBlock {
                param($C, $V, $D)
                $null = Move-VM -VM (Get-VM -Id $V.Id -Server $C) -Destination $D -Server $C -ErrorAction Stop
                $null = Start-VM -VM (Get-VM -Id $V.Id -Server $C) -Server $C -Confirm:$false -ErrorAction Stop
            } -ArgumentList @($Connection, $vm, $Plan.Hosts[$at.ToLowerInvariant()])
        } catch {
            Write-Warning ('{0} was running and is left off: it could not be powered on on {1} nor on {2}: {3}' -f (Format-VgpucText -Text $name), $Move.To, $at, (Format-VgpucText -Text $_.Exception.Message))
        }
        throw
    }
    $null
}

function Install-VgpucRolloutVmwComponent {
    <# One NVIDIA component file (the host driver's or the GPU Management Daemon's)
       installed on a host in maintenance mode: `esxcli software component apply -d
       DEPOT` through Get-EsxCli -V2 (docs/sources.md, vSphere). Called inside
       Invoke-VgpucChange, which asks and records; a failure throws. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$VMHost,
        [Parameter(Mandatory)] [string]$Depot
    )
    $esxcliArgs = @{ VMHost = $VMHost; V2 = $true; Server = $Connection }
    $esxcli = Get-EsxCli @esxcliArgs
    $a = $esxcli.software.component.apply.CreateArgs()
    $a['depot'] = $Depot
    $null = $esxcli.software.component.apply.Invoke($a)
}

function Install-VgpucRolloutVmwDaemon {
    <# The NVIDIA GPU Management Daemon component of the step's release, on a host in
       maintenance mode, after its driver and before its reboot, as NVIDIA installs and
       updates the two together (Virtual GPU Software User Guide, 2.9.1.1 and 2.9.1.2:
       docs/sources.md, vSphere): `esxcli software component apply -d DEPOT` through
       Get-EsxCli -V2, one call per component file as in NVIDIA's procedure. Skipped when
       no -DaemonDepotPath is given for the release (the pre-flight refused a host with
       the daemon of another release), when the daemon installed is already of the new
       release (a rerun), and when the driver install was declined (-Confirm). NVIDIA
       stops the daemon (/etc/init.d/nvdGpuMgmtDaemon stop) before an update; no PowerCLI
       cmdlet, vSphere API method or esxcli command runs that script, and the install
       does not need it: esxcli reports the daemon's install as effective only after a
       reboot (a non-live install, staged for the next boot), and the host is rebooted in
       maintenance mode right after, so the old daemon runs until the reboot and the new
       one starts with it (docs/rollout.md, docs/sources.md). A failure throws: the step
       stops with the host in maintenance mode (its driver installed, not verified).
       Returns $false when the install was previewed (-WhatIf) or declined (-Confirm). #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$VMHost,
        [Parameter(Mandatory)] [object]$HostSpec,
        [Parameter(Mandatory)] [object]$Now,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Depot,
        [switch]$Declined
    )
    $n = [string]$HostSpec.Name
    if ($Depot -eq '' -or $Declined) {
        return (-not $Declined)
    }
    $step = 'install the GPU Management Daemon of vGPU {0}' -f $HostSpec.ToRelease
    if (Test-VgpucRolloutVmwDriver -Version ([string]$Now.DaemonVersion) -Driver ([string]$HostSpec.ToDriver)) {
        Add-VgpucResult -Run $Run -Target $n -Step $step -Status 'already right' -Message ('component {0} {1} is installed' -f $Now.DaemonName, $Now.DaemonVersion)
        return $true
    }
    $from = 'none'
    if ([string]$Now.DaemonName -ne '') {
        $from = '{0} {1}' -f $Now.DaemonName, $Now.DaemonVersion
    }
    Invoke-VgpucChange -Run $Run -Target $n -Action ('{0}, was {1} (esxcli software component apply -d {2})' -f $step, $from, $Depot) -ScriptBlock {
        param($C, $H, [string]$D)
        Install-VgpucRolloutVmwComponent -Connection $C -VMHost $H -Depot $D
    } -ArgumentList @($Connection, $VMHost, $Depot)
}

function Wait-VgpucRolloutVmwMaintenance {
    <# One wait for the maintenance-mode entries of a batch, started together with
       Set-VMHost -State Maintenance -RunAsync (each entry: Name, VMHost, Task). Polls each
       task with Get-Task -Id (the task -RunAsync returns is not updated; Get-Task reads it
       anew) until its State is Success or Error, or the timeout (the poll of
       Wait-VgpucRolloutEnd, rollout.ps1); Wait-Task is not used: its
       reference does not say what it returns or throws for a task that fails. Then reads each
       host: InMaintenance is what vCenter shows (ConnectionState Maintenance), whatever the
       task said. Sets each entry's State ('' when the task had not ended in time) and
       InMaintenance, and returns the entries. #>
    [CmdletBinding()]
    [OutputType([object[]])]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Entering,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $ended = @(Wait-VgpucRolloutEnd -Item $Entering -Pending @('Running', 'Queued') -TimeoutSeconds $TimeoutSeconds -ArgumentList @($Connection) -Probe {
        param($E, $C)
        try {
            [string](Get-Task -Id ([string]$E.Task.Id) -Server $C -ErrorAction Stop).State
        } catch {
            'unknown (Get-Task: {0})' -f $_.Exception.Message
        }
    })
    for ($i = 0; $i -lt $Entering.Count; $i++) {
        $Entering[$i].State = $ended[$i]
    }
    foreach ($e in $Entering) {
        $now = Get-VMHost -Id $e.VMHost.Id -Server $Connection
        $e.InMaintenance = [string]$now.ConnectionState -eq 'Maintenance'
        if ($e.InMaintenance) {
            Write-Host ('  {0}: in maintenance mode' -f (Format-VgpucText -Text $e.Name))
        }
    }
    , $Entering
}

function Format-VgpucRolloutVmwEntry {
    <# Why a host entering maintenance mode (Wait-VgpucRolloutVmwMaintenance) is not in it. #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$Entry,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $now = Get-VMHost -Id $Entry.VMHost.Id -Server $Connection
    if ($Entry.State -eq '') {
        return ('entering maintenance mode did not end within {0} seconds (task {1} still runs; the host is {2}): check it, it may end in maintenance mode' -f $TimeoutSeconds, $Entry.Task.Id, $now.ConnectionState)
    }
    'entering maintenance mode failed (task {0} ended: {1}); the host is {2}, not in maintenance mode' -f $Entry.Task.Id, $Entry.State, $now.ConnectionState
}

function Invoke-VgpucRolloutVmwHostStep {
    <# One host batch, its hosts together phase by phase: the moves of all of
       them, maintenance mode on each, the install on each, the reboot of each,
       one wait for all, the verify of each, exit maintenance mode on each (in
       `finally`), and the VMs that stayed down powered on again.
       Returns $true when it completed. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$Work,
        [Parameter(Mandatory)] [object]$Plan,
        [AllowNull()] [hashtable]$DepotPath,
        [AllowNull()] [hashtable]$DaemonDepotPath,
        [Parameter(Mandatory)] [int]$ShutdownTimeoutSeconds,
        [Parameter(Mandatory)] [int]$RestartTimeoutSeconds
    )
    $s = $Work.Step
    $names = @($Work.Hosts | ForEach-Object { [string]$_.Name })
    Write-Host ''
    Write-Host ('Step {0}: {1} (downtime: {2})' -f $s.Index, (Format-VgpucText -Text ($names -join ', ')), $s.Downtime)
    $down = [System.Collections.Generic.List[object]]::new()
    $inMaintenance = [System.Collections.Generic.List[string]]::new()
    $entering = [System.Collections.Generic.List[object]]::new()
    $waited = $false
    $keep = @{}
    $ok = $true
    $previewed = $false
    try {
        # First the VMs the pre-flight found on this step's hosts that the plan has
        # elsewhere (vSphere HA), then the plan's moves.
        $extra = @()
        if ($null -ne $Work.PSObject.Properties['Extra']) {
            $extra = @($Work.Extra)
        }
        foreach ($m in $extra + @($s.Moves)) {
            $back = Invoke-VgpucRolloutVmwMove -Run $Run -Connection $Connection -Plan $Plan -Move $m -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds
            if ($null -ne $back) {
                $down.Add($back)
            }
        }
        # Maintenance mode: every host of the batch enters at the same time (Set-VMHost
        # -RunAsync returns the vCenter task at once), then one wait for all the tasks, and
        # each host is read: only a host vCenter shows in maintenance mode goes on (and is
        # let out in `finally`); a task that failed or did not end in time fails the step.
        foreach ($h in @($Work.Hosts)) {
            $n = [string]$h.Name
            $vmhost = $Plan.Hosts[$n.ToLowerInvariant()]
            if ($Plan.HostState[$n.ToLowerInvariant()] -eq 'Maintenance') {
                Add-VgpucResult -Run $Run -Target $n -Step 'maintenance mode' -Status 'already right' -Message 'in maintenance mode from an earlier run'
                $inMaintenance.Add($n)
                continue
            }
            $done = Invoke-VgpucChange -Run $Run -Target $n -Action 'enter maintenance mode (Set-VMHost -State Maintenance -RunAsync)' -ScriptBlock {
                param($C, $H, $L, [string]$N)
                $task = Set-VMHost -VMHost $H -State 'Maintenance' -RunAsync -Server $C -Confirm:$false -ErrorAction Stop
                $L.Add([pscustomobject]@{ Name = $N; VMHost = $H; Task = $task; State = ''; InMaintenance = $false })
            } -ArgumentList @($Connection, $vmhost, $entering, $n)
            if (-not $done) {
                $previewed = $true
            }
        }
        $waited = $true
        $failures = [System.Collections.Generic.List[string]]::new()
        foreach ($e in (Wait-VgpucRolloutVmwMaintenance -Connection $Connection -Entering $entering.ToArray() -TimeoutSeconds $RestartTimeoutSeconds)) {
            if ($e.InMaintenance) {
                $inMaintenance.Add($e.Name)
                continue
            }
            $msg = Format-VgpucRolloutVmwEntry -Connection $Connection -Entry $e -TimeoutSeconds $RestartTimeoutSeconds
            Add-VgpucResult -Run $Run -Target $e.Name -Step 'enter maintenance mode (the task)' -Status 'failed' -Message $msg
            $failures.Add(('{0}: {1}' -f $e.Name, $msg))
        }
        if ($failures.Count -gt 0) {
            throw ($failures -join '; ')
        }
        # Every host of the batch is in maintenance mode now: install on each, then reboot
        # them together and wait for all at once, verify each, and (finally) let each out.
        $toReboot = [System.Collections.Generic.List[object]]::new()
        foreach ($h in @($Work.Hosts)) {
            $n = [string]$h.Name
            $vmhost = $Plan.Hosts[$n.ToLowerInvariant()]
            if (-not $WhatIfPreference -and -not (Test-VgpucNameInList -Name $n -List $inMaintenance.ToArray())) {
                # Maintenance mode was declined (-Confirm): nothing is installed or rebooted.
                Add-VgpucResult -Run $Run -Target $n -Step 'install, reboot, verify' -Status 'skipped' -Message 'not in maintenance mode'
                continue
            }
            $previewed = $false
            if ($h.FromRelease -ne $h.ToRelease) {
                $now = Read-VgpucRolloutVmwDriver -Connection $Connection -VMHost $vmhost
                if (Test-VgpucRolloutVmwDriver -Version $now.Version -Driver $h.ToDriver) {
                    Add-VgpucResult -Run $Run -Target $n -Step ('install vGPU Manager {0}' -f $h.ToRelease) -Status 'already right' -Message ('component {0} is installed' -f $now.Version)
                    $keep[$n.ToLowerInvariant()] = $true
                } else {
                    $depot = [string]$DepotPath[[string]$h.ToRelease]
                    $done = Invoke-VgpucChange -Run $Run -Target $n -Action ('install vGPU Manager {0} (esxcli software component apply -d {1})' -f $h.ToRelease, $depot) -ScriptBlock {
                        param($C, $H, [string]$D)
                        Install-VgpucRolloutVmwComponent -Connection $C -VMHost $H -Depot $D
                    } -ArgumentList @($Connection, $vmhost, $depot)
                    if ($done) {
                        # Installed, not yet running: until it is verified the host stays in maintenance mode.
                        $keep[$n.ToLowerInvariant()] = $true
                    } else {
                        $previewed = $true
                    }
                }
                $daemonDone = Install-VgpucRolloutVmwDaemon -Run $Run -Connection $Connection -VMHost $vmhost -HostSpec $h -Now $now `
                    -Depot (Get-VgpucRolloutVmwDaemonDepot -DaemonDepotPath $DaemonDepotPath -Release ([string]$h.ToRelease)) -Declined:($previewed -and -not $WhatIfPreference)
                if (-not $daemonDone) {
                    $previewed = $true
                }
            }
            if ($previewed -and -not $WhatIfPreference) {
                # The install was declined (-Confirm): the host is not rebooted.
                Add-VgpucResult -Run $Run -Target $n -Step 'reboot, verify' -Status 'skipped' -Message 'the install was declined'
                continue
            }
            $toReboot.Add($h)
        }
        # The reboots: one after another without waiting (a reboot that fails stops the
        # next ones; those already rebooting are waited for and verified), then one wait.
        # Start-VgpucVmwHostReboot and Wait-VgpucVmwHostReboot (vmware.ps1) are the build's
        # reboot too; each started reboot is added to $rebooted inside the change.
        $rebooted = [System.Collections.Generic.List[object]]::new()
        $spec = @{}
        foreach ($h in $toReboot) {
            $n = [string]$h.Name
            $vmhost = $Plan.Hosts[$n.ToLowerInvariant()]
            try {
                $done = Invoke-VgpucChange -Run $Run -Target $n -Action 'reboot (HostSystem.RebootHost)' -ScriptBlock {
                    param($C, $H, $L)
                    $L.Add((Start-VgpucVmwHostReboot -Connection $C -VMHost $H))
                } -ArgumentList @($Connection, $vmhost, $rebooted)
            } catch {
                $failures.Add(('{0}: the reboot failed: {1}' -f $n, $_.Exception.Message))
                break
            }
            if ($done) {
                $spec[$rebooted[$rebooted.Count - 1].Name.ToLowerInvariant()] = $h
            }
        }
        $late = @()
        if ($rebooted.Count -gt 0) {
            Write-Host ('  waiting for {0} to come back' -f (Format-VgpucText -Text ((@($rebooted) | ForEach-Object { $_.Name }) -join ', ')))
            $late = @(Wait-VgpucVmwHostReboot -Connection $Connection -Rebooted $rebooted.ToArray() -TimeoutSeconds $RestartTimeoutSeconds)
        }
        foreach ($r in $rebooted) {
            $h = $spec[$r.Name.ToLowerInvariant()]
            $n = [string]$h.Name
            $vmhost = $r.VMHost
            if (Test-VgpucNameInList -Name $n -List $late) {
                $msg = 'the host did not come back within {0} seconds of its reboot; it stays in maintenance mode' -f $RestartTimeoutSeconds
                $keep[$n.ToLowerInvariant()] = 'it did not come back within {0} seconds of its reboot; once vCenter sees it again, run again (the host is rebooted and verified)' -f $RestartTimeoutSeconds
                Add-VgpucResult -Run $Run -Target $n -Step 'wait for the host after its reboot' -Status 'failed' -Message $msg
                $failures.Add(('{0}: {1}' -f $n, $msg))
                continue
            }
            # Verify what runs, not only what is installed: the component (esxcli) and the
            # version of the nvidia module loaded (HostKernelModuleSystem.QueryModules).
            $now = Read-VgpucRolloutVmwDriver -Connection $Connection -VMHost $vmhost
            if (-not (Test-VgpucRolloutVmwDriver -Version $now.Version -Driver $h.ToDriver) -or -not $now.Loaded -or
                -not (Test-VgpucRolloutVmwModule -Version $now.Module -Driver $h.ToDriver)) {
                $keep[$n.ToLowerInvariant()] = $true
                $what = $now.Version
                if ($what -eq '') {
                    $what = 'none'
                }
                $mod = 'none'
                if ($now.Loaded) {
                    $mod = 'version ' + $now.Module
                }
                if ($now.Error -ne '') {
                    $what += ' (' + $now.Error + ')'
                }
                $msg = 'the NVIDIA component installed is {0}, the nvidia module loaded: {1}; the plan needs driver {2} (vGPU {3}) installed and loaded; the host stays in maintenance mode' -f $what, $mod, $h.ToDriver, $h.ToRelease
                Add-VgpucResult -Run $Run -Target $n -Step 'verify the driver (component and loaded module)' -Status 'failed' -Message $msg
                $failures.Add(('{0}: {1}' -f $n, $msg))
                continue
            }
            # The GPU Management Daemon the step installed is of the new release too.
            if ($h.FromRelease -ne $h.ToRelease -and (Get-VgpucRolloutVmwDaemonDepot -DaemonDepotPath $DaemonDepotPath -Release ([string]$h.ToRelease)) -ne '' -and
                -not (Test-VgpucRolloutVmwDriver -Version $now.DaemonVersion -Driver $h.ToDriver)) {
                $keep[$n.ToLowerInvariant()] = $true
                $have = 'none'
                if ($now.DaemonName -ne '') {
                    $have = '{0} {1}' -f $now.DaemonName, $now.DaemonVersion
                }
                $msg = 'the NVIDIA GPU Management Daemon component installed is {0}; the plan needs the daemon of vGPU {1} (driver {2}); the host stays in maintenance mode' -f $have, $h.ToRelease, $h.ToDriver
                Add-VgpucResult -Run $Run -Target $n -Step 'verify the GPU Management Daemon component' -Status 'failed' -Message $msg
                $failures.Add(('{0}: {1}' -f $n, $msg))
                continue
            }
            $keep.Remove($n.ToLowerInvariant())
            Add-VgpucResult -Run $Run -Target $n -Step 'verify the driver (component and loaded module)' -Status 'already right' -Message ('component {0}, nvidia module {1} loaded' -f $now.Version, $now.Module)
            Write-Host ('  {0}: verified, component {1}, nvidia module {2} loaded' -f (Format-VgpucText -Text $n), $now.Version, (Format-VgpucText -Text $now.Module))
        }
        if ($failures.Count -gt 0) {
            throw ($failures -join '; ')
        }
    } catch {
        $ok = $false
        Write-Warning ('step {0} stopped: {1}' -f $s.Index, (Format-VgpucText -Text $_.Exception.Message))
    } finally {
        if (-not $waited -and $entering.Count -gt 0) {
            # The step stopped while hosts were entering maintenance mode (the call for a
            # later host of the batch failed): their tasks are waited for, so that each host
            # vCenter shows in maintenance mode is let out below.
            foreach ($e in (Wait-VgpucRolloutVmwMaintenance -Connection $Connection -Entering $entering.ToArray() -TimeoutSeconds $RestartTimeoutSeconds)) {
                if ($e.InMaintenance) {
                    $inMaintenance.Add($e.Name)
                } else {
                    Write-Warning ('{0}: {1}' -f (Format-VgpucText -Text $e.Name), (Format-VgpucText -Text (Format-VgpucRolloutVmwEntry -Connection $Connection -Entry $e -TimeoutSeconds $RestartTimeoutSeconds)))
                }
            }
        }
        foreach ($n in $inMaintenance) {
            if ($keep.ContainsKey($n.ToLowerInvariant())) {
                $why = 'its new vGPU Manager is installed but not verified; check it, then run again (the host is rebooted and verified)'
                if ($keep[$n.ToLowerInvariant()] -is [string]) {
                    $why = $keep[$n.ToLowerInvariant()]
                }
                Write-Warning ('{0} is left in maintenance mode: {1}' -f (Format-VgpucText -Text $n), $why)
                continue
            }
            try {
                $null = Invoke-VgpucChange -Run $Run -Target $n -Action 'exit maintenance mode (Set-VMHost -State Connected)' -ScriptBlock {
                    param($C, $H)
                    $null = Set-VMHost -VMHost (Get-VMHost -Id $H.Id -Server $C) -State 'Connected' -Server $C -Confirm:$false -ErrorAction Stop
                } -ArgumentList @($Connection, $Plan.Hosts[$n.ToLowerInvariant()])
            } catch {
                $ok = $false
                $keep[$n.ToLowerInvariant()] = $true
                Write-Warning ('{0} could not exit maintenance mode and is still in it: {1}' -f (Format-VgpucText -Text $n), (Format-VgpucText -Text $_.Exception.Message))
            }
        }
        foreach ($vm in $down) {
            $n = [string]$vm.VMHost.Name
            if ($keep.ContainsKey($n.ToLowerInvariant())) {
                Write-Warning ('{0} was running and is left off: its host {1} is still in maintenance mode' -f (Format-VgpucText -Text $vm.Name), $n)
                $Run.Failed = $true
                continue
            }
            try {
                $null = Invoke-VgpucChange -Run $Run -Target ([string]$vm.Name) -Action ('power on again on {0} (it was running)' -f $n) -ScriptBlock {
                    param($C, $V)
                    $null = Start-VM -VM (Get-VM -Id $V.Id -Server $C) -Server $C -Confirm:$false -ErrorAction Stop
                } -ArgumentList @($Connection, $vm)
            } catch {
                $ok = $false
                Write-Warning ('{0} was running and is left off: {1}' -f (Format-VgpucText -Text $vm.Name), (Format-VgpucText -Text $_.Exception.Message))
            }
        }
    }
    $ok
}

function Test-VgpucRolloutVmwHostsReady {
    <# Before a host step: every host of the cluster is read again; each must be
       Connected, or in maintenance mode when it is a host of this step (an earlier
       run). A host that failed since the pre-flight (Not Responding, Disconnected)
       stops the rollout before the step: its VMs are vSphere HA's, and the plan's
       capacity counts on it. Returns the problems, empty when ready. #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$Plan,
        [Parameter(Mandatory)] [object]$Work
    )
    $problems = [System.Collections.Generic.List[string]]::new()
    $mine = @(@($Work.Step.Hosts) | ForEach-Object { [string]$_.Name })
    foreach ($h in @($Plan.Hosts.Values)) {
        $now = Get-VMHost -Id $h.Id -Server $Connection
        $state = [string]$now.ConnectionState
        if ($state -eq 'Connected' -or ($state -eq 'Maintenance' -and (Test-VgpucNameInList -Name ([string]$now.Name) -List $mine))) {
            continue
        }
        $problems.Add(('host {0} is {1}' -f $now.Name, $state))
    }
    $problems.ToArray()
}

function Test-VgpucRolloutVmwHostsAfter {
    <# After the last host step of a run: every host of the cluster is read again
       (Test-VgpucRolloutVmwHostsReady). A host that failed during the last step
       (Not Responding, Disconnected) fails the run: the steps are done, but the
       cluster is not the plan's end state; its VMs are vSphere HA's (restarted
       where they could start, the others left off until it is back). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Connection,
        [Parameter(Mandatory)] [object]$Plan,
        [Parameter(Mandatory)] [string]$Cluster
    )
    $none = [pscustomobject]@{ Step = [pscustomobject]@{ Hosts = @() } }
    $down = @(Test-VgpucRolloutVmwHostsReady -Connection $Connection -Plan $Plan -Work $none)
    if ($down.Count -eq 0) {
        return
    }
    $msg = '{0}: it failed during the last step; the host steps are done, but its VMs are vSphere HA''s (restarted on other hosts where they could start, the others off until it is back); when it is back, check them and run the script again' -f ($down -join '; ')
    Add-VgpucResult -Run $Run -Target $Cluster -Step 'cluster after the last step' -Status 'failed' -Message $msg
    Write-Warning ('the rollout ends with a host down: {0}' -f (Format-VgpucText -Text $msg))
    $Run.Failed = $true
}

function Invoke-VgpucRolloutVmware {
    <# The entry of a vSphere rollout script: connect, pre-flight, plan, steps,
       summary, disconnect. Returns the exit code: 0 done, 1 refused, failed or
       waiting for the guest drivers. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)] [object]$Rollout,
        [Parameter(Mandatory)] [string]$Server,
        [AllowNull()] [pscredential]$Credential,
        [AllowNull()] [hashtable]$DepotPath = @{},
        [AllowNull()] [hashtable]$DaemonDepotPath = @{},
        [switch]$LicenseServerReady,
        [AllowEmptyCollection()] [AllowNull()] [int[]]$GuestStepDone = @(),
        [AllowNull()] [System.Management.Automation.PSCredential]$GuestCredential = $null,
        [int]$ShutdownTimeoutSeconds = 600,
        [int]$RestartTimeoutSeconds = 1800,
        [AllowEmptyString()] [AllowNull()] [string]$LogPath = ''
    )
    $run = Initialize-VgpucRun -Target 'vmware rollout' -Cluster $Rollout.Cluster -LogPath $LogPath
    $connection = $null
    try {
        try {
            Write-Host ('vgpuc: rollout of {0} ({1}) on {2}; reading every host and VM of the cluster' -f (Format-VgpucText -Text $Rollout.Cluster), $Rollout.Platform, (Format-VgpucText -Text $Server))
            if ($null -ne $Credential) {
                $connection = Connect-VIServer -Server $Server -Credential $Credential
            } else {
                $connection = Connect-VIServer -Server $Server
            }
            # Sessions to other vCenters are left alone: every call passes -Server $connection.
            $others = @(@(Get-Variable -Name 'DefaultVIServers' -Scope Global -ValueOnly -ErrorAction SilentlyContinue) | Where-Object { $null -ne $_ -and -not (Test-VgpucName -Name ([string]$_.Name) -Other ([string]$connection.Name)) } | ForEach-Object { Format-VgpucText -Text ([string]$_.Name) })
            if ($others.Count -gt 0) {
                Write-Host ('note: other vCenter sessions are open ({0}); this run reads and changes only {1}' -f ($others -join ', '), (Format-VgpucText -Text ([string]$connection.Name)))
            }
            $planId = Get-VgpucRolloutPlanId -Rollout $Rollout
            $recorded = @(Read-VgpucRolloutRecord -LogPath $LogPath -Target 'vmware rollout' -Rollout $Rollout -PlanId $planId)
            $plan = Get-VgpucRolloutVmwPlan -Run $run -Connection $connection -Rollout $Rollout -DepotPath $DepotPath -DaemonDepotPath $DaemonDepotPath `
                -LicenseServerReady:$LicenseServerReady -GuestStepDone $GuestStepDone -GuestCredential $GuestCredential -Recorded $recorded
            # The no-change steps the log recorded, and the pre-flight took as
            # done, stay recorded in this run's log.
            Add-VgpucRolloutRecordCarried -Run $run -Work $plan.Work -Recorded $recorded -PlanId $planId
            $guestNotes = [System.Collections.Generic.List[string]]::new()
            foreach ($w in $plan.Work) {
                $s = $w.Step
                if ($s.Kind -eq 'hosts' -and -not $w.Done) {
                    foreach ($h in $w.Hosts) {
                        $what = 'maintenance mode, reboot, verify driver {0}, exit maintenance mode' -f $h.ToDriver
                        if ($h.FromRelease -ne $h.ToRelease) {
                            $daemon = ''
                            if ((Get-VgpucRolloutVmwDaemonDepot -DaemonDepotPath $DaemonDepotPath -Release ([string]$h.ToRelease)) -ne '') {
                                $daemon = ', GPU Management Daemon of {0}' -f $h.ToRelease
                            }
                            $what = 'maintenance mode, vGPU Manager {0} -> {1} (driver {2} -> {3}){4}, reboot, verify, exit maintenance mode' -f $h.FromRelease, $h.ToRelease, $h.FromDriver, $h.ToDriver, $daemon
                        }
                        Add-VgpucPlanItem -Run $run -Target $h.Name -Action ('step {0}: {1}' -f $s.Index, $what)
                    }
                    foreach ($m in @($s.Moves)) {
                        $how = switch ($m.How) {
                            'live-migrate' { 'vMotion to {0}' -f $m.To }
                            'restart' { 'shut down, power on on {0}' -f $m.To }
                            default { 'shut down, stays down until {0} is back' -f $m.From }
                        }
                        Add-VgpucPlanItem -Run $run -Target $m.Vm -Action ('step {0}: {1}' -f $s.Index, $how)
                    }
                } elseif ($s.Kind -eq 'guests' -and -not $w.Done) {
                    $guestNotes.Add(('step {0}: update the guest driver {1} -> {2} (Windows {3}, Linux {4}) inside {5} VM(s): {6}' -f `
                        $s.Index, $s.FromRelease, $s.ToRelease, $s.WindowsDriver, $s.LinuxDriver, @($s.Vms).Count, ((@($s.Vms) | ForEach-Object { $_.Name }) -join ', ')))
                }
            }
            Write-VgpucPlan -Run $run
            foreach ($note in $plan.Notes) {
                Write-Host ('note: {0}' -f (Format-VgpucText -Text $note))
            }
            foreach ($g in $guestNotes) {
                Write-Host ('Inside the VMs, by their owners (this script does not do it): {0}' -f (Format-VgpucText -Text $g))
            }
            if ($run.Problems.Count -gt 0) {
                Write-VgpucProblems -Run $run
                $run.Outcome = 'refused'
            } else {
                Write-Host 'Pre-flight passed.'
                $hostsLeft = $false
                for ($i = 0; $i -lt $plan.Work.Count; $i++) {
                    $w = $plan.Work[$i]
                    $s = $w.Step
                    if ($w.Done) {
                        Add-VgpucResult -Run $run -Target $Rollout.Cluster -Step ('step {0} ({1})' -f $s.Index, $s.Kind) -Status 'already right'
                        continue
                    }
                    if ($s.Kind -eq 'guests') {
                        $later = @($plan.Work | Select-Object -Skip ($i + 1) | Where-Object { -not $_.Done -and $_.Step.Kind -eq 'hosts' })
                        $msg = 'update the guest driver of {0} VM(s) to {1} inside each VM' -f @($s.Vms).Count, $s.ToRelease
                        $again = 'then run this script again with -GuestStepDone {0}' -f $s.Index
                        if ($null -ne $w.Guest) {
                            $msg = 'update the guest driver of {0} of {1} VM(s) to {2} inside each VM' -f @($w.Guest.Left).Count, @($s.Vms).Count, $s.ToRelease
                            $again = 'then run this script again with -GuestCredential: the step is done when every VM reports the new driver'
                            foreach ($line in (Format-VgpucGuestLeft -Status $w.Guest)) {
                                Write-Host ('  still to upgrade: {0}' -f (Format-VgpucText -Text $line))
                            }
                        }
                        if ($later.Count -gt 0) {
                            Add-VgpucResult -Run $run -Target $Rollout.Cluster -Step ('step {0} (guests)' -f $s.Index) -Status 'skipped' -Message ($msg + '; ' + $again)
                            Write-Host ('Waiting for step {0}: {1}, {2}; the later host steps need it.' -f $s.Index, $msg, $again)
                            $run.Outcome = 'waiting'
                            break
                        }
                        Add-VgpucResult -Run $run -Target $Rollout.Cluster -Step ('step {0} (guests)' -f $s.Index) -Status 'skipped' -Message ($msg + ' (by the VMs'' owners)')
                        continue
                    }
                    $hostsLeft = $true
                    $notReady = @(Test-VgpucRolloutVmwHostsReady -Connection $connection -Plan $plan -Work $w)
                    if ($notReady.Count -gt 0) {
                        $msg = '{0}: the step would drain onto the cluster with that host down; bring it back, then run the script again (the steps done are skipped)' -f ($notReady -join '; ')
                        Add-VgpucResult -Run $run -Target $Rollout.Cluster -Step ('step {0} (hosts)' -f $s.Index) -Status 'failed' -Message $msg
                        Write-Warning ('the rollout stops before step {0}: {1}' -f $s.Index, (Format-VgpucText -Text $msg))
                        $run.Failed = $true
                        break
                    }
                    $mark = $run.Results.Count
                    $ok = Invoke-VgpucRolloutVmwHostStep -Run $run -Connection $connection -Work $w -Plan $plan -DepotPath $DepotPath -DaemonDepotPath $DaemonDepotPath `
                        -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -RestartTimeoutSeconds $RestartTimeoutSeconds
                    if ($ok -and -not $run.WhatIf) {
                        Add-VgpucRolloutRecordDone -Run $run -Work $w -Mark $mark -PlanId $planId -Message 'maintenance mode, rebooted, verified and out of maintenance mode'
                    }
                    if (-not $ok) {
                        $run.Failed = $true
                        Write-Warning ('the rollout stopped at step {0}; fix the cause and run the script again: the steps already done are skipped' -f $s.Index)
                        break
                    }
                }
                if (-not $hostsLeft -and $run.Outcome -eq 'running') {
                    Write-Host 'Every host step is already done.'
                }
                if ($hostsLeft -and -not $run.Failed -and $run.Outcome -eq 'running') {
                    Test-VgpucRolloutVmwHostsAfter -Run $run -Connection $connection -Plan $plan -Cluster $Rollout.Cluster
                }
            }
        } finally {
            if ($null -ne $connection) {
                Disconnect-VIServer -Server $connection -Confirm:$false -WhatIf:$false
            }
        }
    } catch {
        Add-VgpucResult -Run $run -Target $Rollout.Cluster -Step 'run' -Status 'failed' -Message $_.Exception.Message
        Write-Warning ('the run stopped: {0}' -f (Format-VgpucText -Text $_.Exception.Message))
    }
    Complete-VgpucRun -Run $run
}
