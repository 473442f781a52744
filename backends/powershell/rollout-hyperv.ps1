# ---------------------------------------------------------------------------
# rollout-hyperv.ps1 - the runtime of vgpuc's Hyper-V family rollout scripts
# (`vgpuc rollout -o DIR`), on top of common.ps1, hyperv.ps1, guest.ps1 and
# rollout.ps1.
#
# Invoke-VgpucRolloutHyperV is the entry. $VgpucRollout, written by
# backends/rollout.c, is the plan of `vgpuc rollout`: per host batch the hosts
# (vGPU Manager release and host driver before and after), the VMs that leave
# them and how (live migration, shut down and start on a named node, stay
# down) and the VMs started again on resume; the guest driver groups; the
# license server step.
#
# Pre-flight (read only; any problem: nothing is changed): every host is an
# Up node of the cluster (or Paused by an earlier run of this rollout), runs
# the host driver of a state of the plan (which says which steps are done),
# a package is given for every release to install and is on each node that
# installs it (Test-Path on the node: the script does not copy it), every VM exists once,
# runs where the plan expects it and can be shut down if it must be. Then,
# step by step, each host batch phase by phase over all its hosts: move the
# VMs as planned, Suspend-ClusterNode -Drain every node (all at the same
# time, then one wait on their DrainStatus), install the vGPU
# Manager with pnputil on every node (NVIDIA's documented procedure), restart
# them all with one Restart-Computer -Wait (one wait for all), verify every
# driver with nvidia-smi, Resume-ClusterNode every node, start the VMs that
# stayed down. A node whose drain is declined (-Confirm) is neither installed
# nor restarted nor resumed; the other nodes of its batch go on (as on
# vSphere, a host whose maintenance mode is declined). The first failure
# stops the rollout: every node of the batch
# is resumed (unless its driver is unknown or not of the plan, then it stays
# paused and the output says so) and every VM is put back in its power
# state, or a warning says why not. A step already done is skipped, so a
# rollout is resumed by running the script again. Guest drivers are updated
# inside the VMs by their owners: the script lists them, and before a host
# step that needs them updated it stops until the step is done: with
# -GuestCredential it reads each guest's driver (nvidia-smi inside the guest,
# through PowerShell Direct from the VM's node; guest.ps1) and the step is
# done when every VM reports the new driver; without, -GuestStepDone says so.
# Azure Local VMs enabled by Arc (the plan's Arc, from `vm-management arc`)
# are stopped and started through Azure (`az stack-hci-vm stop|start --name
# VM --resource-group RG`): Microsoft supports stop, start and restart of
# these VMs only through the Azure portal or CLI, and moving them between the
# nodes of their cluster (quick or live migration) with the local tools
# (docs/sources.md, "Supported operations for Azure Local VMs"); the cluster
# cmdlets move them as any clustered VM.
# A host step that changes no vGPU Manager (a drain, `--drain HOST`) leaves
# no live trace on the host: with -LogPath, its completion is recorded in the
# log (a step 'no-change step N done (plan ID)') and a rerun with the same
# -LogPath skips it; without a log it is done again on every run (rollout.ps1,
# shared with the vSphere rollout).
# Embedded verbatim by the build; it must stay valid Windows PowerShell 5.1.
# ---------------------------------------------------------------------------

function Read-VgpucRolloutDriver {
    <# The vGPU Manager's driver version on a node (nvidia-smi), or '' and why. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Name
    )
    $reader = {
        Set-StrictMode -Version Latest
        $ErrorActionPreference = 'Stop'
        if (-not (Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue)) {
            return [pscustomobject]@{ Driver = ''; Error = 'nvidia-smi.exe is missing (no NVIDIA driver)' }
        }
        $ErrorActionPreference = 'Continue'
        $lines = @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader' 2>&1)
        $code = [int]$LASTEXITCODE
        $ErrorActionPreference = 'Stop'
        $versions = @($lines | ForEach-Object { ([string]$_).Trim() } | Where-Object { $_ -ne '' })
        if ($code -ne 0 -or $versions.Count -eq 0) {
            return [pscustomobject]@{ Driver = ''; Error = ('nvidia-smi.exe failed (exit {0}): {1}' -f $code, ($versions -join ' ')) }
        }
        $distinct = @($versions | Sort-Object -Unique)
        if ($distinct.Count -ne 1) {
            return [pscustomobject]@{ Driver = ''; Error = ('nvidia-smi.exe reports several versions: {0}' -f ($distinct -join ', ')) }
        }
        [pscustomobject]@{ Driver = $distinct[0]; Error = '' }
    }
    try {
        $r = Invoke-Command -ComputerName $Name -ScriptBlock $reader
        [pscustomobject]@{ Driver = [string]$r.Driver; Error = [string]$r.Error; Reachable = $true }
    } catch {
        [pscustomobject]@{ Driver = ''; Error = $_.Exception.Message; Reachable = $false }
    }
}

function Read-VgpucGuestDriverHyperV {
    <# The NVIDIA guest driver a VM runs: nvidia-smi inside the guest, through
       PowerShell Direct (Invoke-Command -VMName -Credential) from the node it
       runs on; or '' and why. Read only. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Name,
        [Parameter(Mandatory)] [string]$Os,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$AllVms,
        [Parameter(Mandatory)] [System.Management.Automation.PSCredential]$Credential
    )
    if ($Os -ne 'windows') {
        return [pscustomobject]@{ Driver = ''; Error = 'a Linux guest: PowerShell Direct reaches Windows guests only; check it inside the VM' }
    }
    $found = @(Select-VgpucByName -InputObject $AllVms -Name $Name)
    if ($found.Count -ne 1) {
        return [pscustomobject]@{ Driver = ''; Error = ('{0} VMs of this name in the cluster' -f $found.Count) }
    }
    $vm = $found[0]
    if ([string]$vm.State -ne 'Running') {
        return [pscustomobject]@{ Driver = ''; Error = ('it is {0}; the driver is read inside a running guest' -f $vm.State) }
    }
    try {
        $r = Invoke-Command -ComputerName ([string]$vm.ComputerName) -ErrorAction Stop -ArgumentList @([string]$vm.Name, $Credential) -ScriptBlock {
            param([string]$V, [System.Management.Automation.PSCredential]$C)
            Invoke-Command -VMName $V -Credential $C -ErrorAction Stop -ScriptBlock {
                Set-StrictMode -Version Latest
                $ErrorActionPreference = 'Stop'
                if (-not (Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue)) {
                    return [pscustomobject]@{ Driver = ''; Error = 'nvidia-smi.exe is missing in the guest (no NVIDIA guest driver)' }
                }
                $ErrorActionPreference = 'Continue'
                $lines = @(& 'nvidia-smi.exe' '--query-gpu=driver_version' '--format=csv,noheader' 2>&1)
                $code = [int]$LASTEXITCODE
                $ErrorActionPreference = 'Stop'
                $versions = @($lines | ForEach-Object { ([string]$_).Trim() } | Where-Object { $_ -ne '' })
                if ($code -ne 0 -or $versions.Count -eq 0) {
                    return [pscustomobject]@{ Driver = ''; Error = ('nvidia-smi.exe in the guest failed (exit {0}): {1}; the guest sees no GPU (its vGPU did not load?)' -f $code, ($versions -join ' ')) }
                }
                $distinct = @($versions | Sort-Object -Unique)
                if ($distinct.Count -ne 1) {
                    return [pscustomobject]@{ Driver = ''; Error = ('nvidia-smi.exe in the guest reports several versions: {0}' -f ($distinct -join ', ')) }
                }
                [pscustomobject]@{ Driver = $distinct[0]; Error = '' }
            }
        }
        [pscustomobject]@{ Driver = [string]$r.Driver; Error = [string]$r.Error }
    } catch {
        [pscustomobject]@{ Driver = ''; Error = $_.Exception.Message }
    }
}

function Test-VgpucRolloutPackage {
    <# The vGPU Manager package is where pnputil will read it: on the node
       itself (the install runs there, in a remote session that cannot reach
       a share without credential delegation). Test-Path on the node; a
       missing file or a node that cannot be asked is a problem. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [string]$Name,
        [Parameter(Mandatory)] [string]$Path,
        [Parameter(Mandatory)] [string]$Release
    )
    try {
        $found = Invoke-Command -ComputerName $Name -ArgumentList $Path -ScriptBlock {
            param([string]$P)
            Test-Path -LiteralPath $P -PathType Leaf
        }
    } catch {
        Add-VgpucProblem -Run $Run -Text ('host {0}: the package of vGPU {1} ({2}) could not be checked on the host: {3}' -f $Name, $Release, $Path, $_.Exception.Message)
        return
    }
    if (-not [bool]$found) {
        Add-VgpucProblem -Run $Run -Text ('host {0}: the package of vGPU {1} is not on the host: {2} does not exist there; copy NVIDIA''s Display.Driver folder to the same path on every host first (e.g. Copy-Item -Recurse -ToSession)' -f $Name, $Release, $Path)
    }
}

function Find-VgpucRolloutVm {
    <# A VM of the cluster by exact name: the one object, or $null (the problem is recorded). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$AllVms,
        [Parameter(Mandatory)] [string]$Name
    )
    $found = @(Select-VgpucByName -InputObject $AllVms -Name $Name)
    if ($found.Count -eq 0) {
        Add-VgpucProblem -Run $Run -Text ('VM {0} does not exist on any node of the cluster' -f $Name)
        return $null
    }
    if ($found.Count -gt 1) {
        Add-VgpucProblem -Run $Run -Text ('{0} VMs are named {1} (on {2}); names must be unique' -f $found.Count, $Name, ((@($found | ForEach-Object { [string]$_.ComputerName }) | Sort-Object) -join ', '))
        return $null
    }
    $found[0]
}

function Get-VgpucRolloutPlan {
    <# The pre-flight: live state against the plan. Returns per step whether it
       is done, and the VMs resolved to objects; problems go to the run. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Rollout,
        [Parameter(Mandatory)] [AllowNull()] [hashtable]$DriverPackage,
        [switch]$LicenseServerReady,
        [AllowEmptyCollection()] [AllowNull()] [int[]]$GuestStepDone = @(),
        [AllowNull()] [System.Management.Automation.PSCredential]$GuestCredential = $null,
        [AllowEmptyCollection()] [AllowNull()] [string[]]$Recorded = @()
    )
    $steps = @($Rollout.Steps)
    $hostNames = [System.Collections.Generic.List[string]]::new()
    foreach ($s in $steps) {
        if ($s.Kind -eq 'hosts') {
            foreach ($h in @($s.Hosts)) {
                if (-not (Test-VgpucNameInList -Name $h.Name -List $hostNames.ToArray())) {
                    $hostNames.Add([string]$h.Name)
                }
            }
        }
    }

    # --- The nodes: every host of the plan an Up node (or Paused by an earlier run) ---
    $nodeState = @{}
    $clusterRef = ''
    $drivers = @{}
    foreach ($n in $hostNames) {
        $drivers[$n] = Read-VgpucRolloutDriver -Name $n
        if ($drivers[$n].Reachable -and $clusterRef -eq '') {
            $clusterRef = $n
        }
    }
    $allNodes = @()
    if ($clusterRef -ne '') {
        try {
            $allNodes = @(Get-ClusterNode -Cluster $clusterRef)
        } catch {
            Add-VgpucProblem -Run $Run -Text ('the cluster could not be read through {0}: {1}' -f $clusterRef, $_.Exception.Message)
        }
    } elseif ($hostNames.Count -gt 0) {
        Add-VgpucProblem -Run $Run -Text 'no host of the plan is reachable'
    }
    foreach ($node in $allNodes) {
        $nodeState[([string]$node.Name).ToLowerInvariant()] = [string]$node.State
    }
    foreach ($n in $hostNames) {
        if (-not $drivers[$n].Reachable) {
            Add-VgpucProblem -Run $Run -Text ('host {0} is not reachable or could not be read: {1}' -f $n, $drivers[$n].Error)
            continue
        }
        if ($allNodes.Count -gt 0 -and -not $nodeState.ContainsKey($n.ToLowerInvariant())) {
            Add-VgpucProblem -Run $Run -Text ('host {0} is not a node of the cluster' -f $n)
        }
    }
    foreach ($node in $allNodes) {
        $name = [string]$node.Name
        $state = [string]$node.State
        $inPlan = Test-VgpucNameInList -Name $name -List $hostNames.ToArray()
        if ($state -eq 'Up' -or ($state -eq 'Paused' -and $inPlan)) {
            continue
        }
        Add-VgpucProblem -Run $Run -Text ('node {0} is {1}: the plan counts on every node; bring it back (or resume it) first' -f $name, $state)
    }

    # --- Which host steps are done: the driver each host runs now ---
    $position = @{}
    foreach ($n in $hostNames) {
        if (-not $drivers[$n].Reachable) {
            continue
        }
        $d = $drivers[$n].Driver
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
            if ($mine[$i].Host.FromDriver -eq $d) {
                $done = $i
                break
            }
        }
        if ($done -lt 0 -and $mine.Count -gt 0 -and $mine[$mine.Count - 1].Host.ToDriver -eq $d) {
            $done = $mine.Count
        }
        if ($done -lt 0) {
            $expected = @($mine | ForEach-Object { $_.Host.FromDriver; $_.Host.ToDriver } | Sort-Object -Unique) -join ' or '
            $found = $d
            if ($found -eq '') {
                $found = 'none (' + $drivers[$n].Error + ')'
            }
            Add-VgpucProblem -Run $Run -Text ('host {0} runs vGPU Manager driver {1}; the plan expects {2}' -f $n, $found, $expected)
            continue
        }
        $position[$n.ToLowerInvariant()] = [pscustomobject]@{ Done = $done; Steps = $mine }
    }

    # --- The license server and the packages ---
    foreach ($s in $steps) {
        if ($s.Kind -eq 'license-server' -and -not $LicenseServerReady) {
            Add-VgpucProblem -Run $Run -Text ('the plan upgrades license server {0} from {1} to {2} before any host: upgrade it, then run again with -LicenseServerReady' -f $s.Name, $s.FromVersion, $s.ToVersion)
        }
    }
    $work = [System.Collections.Generic.List[object]]::new()
    $stepIndex = 0
    foreach ($s in $steps) {
        $stepIndex++
        if ($s.Kind -ne 'hosts') {
            $work.Add([pscustomobject]@{ Step = $s; Done = ($s.Kind -eq 'license-server' -or @($GuestStepDone) -contains [int]$s.Index); Hosts = @(); Guest = $null })
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
                if ($h.FromRelease -eq $h.ToRelease -and $h.FromDriver -eq $h.ToDriver -and
                    @($Recorded) -contains ('{0}|{1}' -f $s.Index, ([string]$h.Name).ToLowerInvariant())) {
                    continue
                }
                $pending += $h
                if ($h.FromRelease -ne $h.ToRelease) {
                    $pkg = $null
                    if ($null -ne $DriverPackage -and $DriverPackage.ContainsKey([string]$h.ToRelease)) {
                        $pkg = [string]$DriverPackage[[string]$h.ToRelease]
                    }
                    if ([string]::IsNullOrEmpty($pkg)) {
                        Add-VgpucProblem -Run $Run -Text ('host {0} moves to vGPU {1}: give its package with -DriverPackage @{{ ''{1}'' = ''<path of nvgridswhci.inf on the host>'' }}' -f $h.Name, $h.ToRelease)
                    } else {
                        Test-VgpucRolloutPackage -Run $Run -Name ([string]$h.Name) -Path $pkg -Release ([string]$h.ToRelease)
                    }
                }
            }
        }
        $work.Add([pscustomobject]@{ Step = $s; Done = ($pending.Count -eq 0); Hosts = $pending; Guest = $null })
    }

    # --- The VMs: each once, where the plan expects it, able to shut down if it must ---
    $allVms = @()
    $reachable = @($hostNames | Where-Object { $drivers[$_].Reachable })
    foreach ($node in $allNodes) {
        if ([string]$node.State -ne 'Down' -and -not (Test-VgpucNameInList -Name ([string]$node.Name) -List $reachable)) {
            $reachable += [string]$node.Name
        }
    }
    if ($reachable.Count -gt 0) {
        $allVms = @(Get-VM -ComputerName $reachable)
    }
    # --- The guest steps: with guest credentials, each guest's driver read ---
    $haveCredential = $null -ne $GuestCredential -and $GuestCredential -ne [System.Management.Automation.PSCredential]::Empty
    if ($haveCredential) {
        foreach ($w in $work) {
            if ($w.Done -or $w.Step.Kind -ne 'guests') {
                continue
            }
            $w.Guest = Get-VgpucGuestStepStatus -Step $w.Step -Reader {
                param($V)
                Read-VgpucGuestDriverHyperV -Name ([string]$V.Name) -Os ([string]$V.Os) -AllVms $allVms -Credential $GuestCredential
            }
            $w.Done = $w.Guest.Done
        }
    }
    $vms = @{}
    $where = @{}
    $arcReady = $false
    if ($null -ne $Rollout.PSObject.Properties['Arc'] -and $null -ne $Rollout.Arc) {
        $before = $Run.Problems.Count
        Test-VgpucArcTool -Run $Run
        $arcReady = $Run.Problems.Count -eq $before
    }
    foreach ($w in $work) {
        if ($w.Done -or $w.Step.Kind -ne 'hosts') {
            continue
        }
        foreach ($m in @($w.Step.Moves) + @($w.Step.Returns)) {
            $key = ([string]$m.Vm).ToLowerInvariant()
            if (-not $where.ContainsKey($key)) {
                $where[$key] = [System.Collections.Generic.List[string]]::new()
            }
            foreach ($h in @($m.From, $m.To)) {
                if (-not [string]::IsNullOrEmpty($h)) {
                    $where[$key].Add([string]$h)
                }
            }
        }
    }
    foreach ($w in $work) {
        if ($w.Done -or $w.Step.Kind -ne 'hosts') {
            continue
        }
        foreach ($m in @($w.Step.Moves)) {
            $key = ([string]$m.Vm).ToLowerInvariant()
            if ($vms.ContainsKey($key)) {
                continue
            }
            $vm = Find-VgpucRolloutVm -Run $Run -AllVms $allVms -Name $m.Vm
            if ($null -eq $vm) {
                $vms[$key] = $null
                continue
            }
            $vms[$key] = $vm
            $at = [string]$vm.ComputerName
            if (-not (Test-VgpucNameInList -Name $at -List $where[$key].ToArray())) {
                Add-VgpucProblem -Run $Run -Text ('VM {0} runs on {1}; the plan expects it on {2}: plan again from the cluster as it is' -f $m.Vm, $at, (($where[$key] | Sort-Object -Unique) -join ' or '))
            }
            if ($arcReady) {
                # Stopped and started through Azure: Azure must know it in the resource group.
                $null = Read-VgpucArcVm -Run $Run -Name ([string]$vm.Name) -ResourceGroup ([string]$Rollout.Arc.ResourceGroup)
            }
            $state = [string]$vm.State
            if ($state -ne 'Running' -and $state -ne 'Off') {
                Add-VgpucProblem -Run $Run -Text ('VM {0} is {1}: it must be Running or Off (a saved or paused VM is never resumed by this script)' -f $m.Vm, $state)
            } elseif ($state -eq 'Running' -and $m.How -ne 'live-migrate' -and -not (Test-VgpucShutdownService -Vm $vm)) {
                Add-VgpucProblem -Run $Run -Text ('VM {0} must be shut down for the drain of {1}, but has no working shutdown integration service (it is never turned off)' -f $m.Vm, $m.From)
            }
        }
    }
    # Nodes an earlier run left paused after their last step (a failed resume).
    $resume = @($hostNames | Where-Object {
            $p = $position[$_.ToLowerInvariant()]
            $null -ne $p -and $p.Done -ge $p.Steps.Count -and $nodeState[$_.ToLowerInvariant()] -eq 'Paused'
        })
    $arc = $null
    if ($null -ne $Rollout.PSObject.Properties['Arc']) {
        $arc = $Rollout.Arc
    }
    [pscustomobject]@{ ClusterRef = $clusterRef; Work = $work.ToArray(); NodeState = $nodeState; Vms = $vms; Resume = $resume; Arc = $arc }
}

function Stop-VgpucRolloutVm {
    <# Shut a guest down (never turned off) and wait until it is Off. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Vm,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $job = Stop-VM -VM $Vm -AsJob -Confirm:$false
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ($true) {
        $now = Get-VM -Id $Vm.Id -ComputerName $Vm.ComputerName
        if ([string]$now.State -eq 'Off') {
            return
        }
        if ($null -ne $job -and $null -ne $job.PSObject.Properties['State'] -and [string]$job.State -eq 'Failed') {
            throw 'the shutdown failed'
        }
        if ((Get-Date) -gt $deadline) {
            throw ('the guest did not shut down within {0} seconds; it was not turned off' -f $TimeoutSeconds)
        }
        Start-Sleep -Seconds 2
    }
}

function Stop-VgpucRolloutGuest {
    <# Shut a VM down for a move: an Azure Local VM enabled by Arc through
       Azure (az stack-hci-vm stop), any other with Stop-VM; then wait until
       Hyper-V reports it Off. Never turned off. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Vm,
        [Parameter(Mandatory)] [int]$TimeoutSeconds,
        [AllowNull()] [object]$Arc = $null
    )
    if ($null -eq $Arc) {
        Stop-VgpucRolloutVm -Vm $Vm -TimeoutSeconds $TimeoutSeconds
        return
    }
    $null = Invoke-VgpucAz -ArgumentList @('stack-hci-vm', 'stop', '--name', [string]$Vm.Name, '--resource-group', [string]$Arc.ResourceGroup)
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ([string](Get-VM -Id $Vm.Id -ComputerName $Vm.ComputerName).State -ne 'Off') {
        if ((Get-Date) -gt $deadline) {
            throw ('az stack-hci-vm stop returned, but Hyper-V does not report the VM Off within {0} seconds' -f $TimeoutSeconds)
        }
        Start-Sleep -Seconds 2
    }
}

function Start-VgpucRolloutGuest {
    <# Start a VM on the node its role is on: an Azure Local VM enabled by Arc
       through Azure (az stack-hci-vm start), any other with Start-VM. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Vm,
        [Parameter(Mandatory)] [string]$Node,
        [AllowNull()] [object]$Arc = $null
    )
    if ($null -eq $Arc) {
        Start-VM -VM (Get-VM -Id $Vm.Id -ComputerName $Node) -Confirm:$false
        return
    }
    $null = Invoke-VgpucAz -ArgumentList @('stack-hci-vm', 'start', '--name', [string]$Vm.Name, '--resource-group', [string]$Arc.ResourceGroup)
}

function Get-VgpucRolloutVmNow {
    <# A VM as it is now, by id, wherever it runs in the cluster. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Vm,
        [Parameter(Mandatory)] [string]$ClusterRef
    )
    $group = Get-ClusterGroup -VMId $Vm.Id -Cluster $ClusterRef
    Get-VM -Id $Vm.Id -ComputerName ([string]$group.OwnerNode.Name)
}

function Invoke-VgpucRolloutMove {
    <# One VM leaving a drained host as planned. Returns the VM object to start
       again on resume (it stayed down and was running), or $null. A failure
       puts the VM back in its power state where possible and throws. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Move,
        [Parameter(Mandatory)] [object]$Vm,
        [Parameter(Mandatory)] [string]$ClusterRef,
        [Parameter(Mandatory)] [int]$ShutdownTimeoutSeconds,
        [AllowNull()] [object]$Arc = $null
    )
    $name = [string]$Move.Vm
    $how = ''
    if ($null -ne $Arc) {
        $how = ' through Azure (az stack-hci-vm stop)'
    }
    $vm = Get-VgpucRolloutVmNow -Vm $Vm -ClusterRef $ClusterRef
    $at = [string]$vm.ComputerName
    $running = [string]$vm.State -eq 'Running'
    $group = [string](Get-ClusterGroup -VMId $vm.Id -Cluster $ClusterRef).Name
    if ($Move.How -eq 'stay-down') {
        if (-not $running) {
            Add-VgpucResult -Run $Run -Target $name -Step ('stays down while {0} is drained' -f $Move.From) -Status 'already right' -Message 'it is off'
            return $null
        }
        $done = Invoke-VgpucChange -Run $Run -Target $name -Action ('shut down{0}; it stays down until {1} is back' -f $how, $Move.From) `
            -ScriptBlock { param($V, [int]$T, $A) Stop-VgpucRolloutGuest -Vm $V -TimeoutSeconds $T -Arc $A } -ArgumentList @($vm, $ShutdownTimeoutSeconds, $Arc)
        if ($done) {
            return $vm
        }
        return $null
    }
    if (Test-VgpucName -Name $at -Other $Move.To) {
        Add-VgpucResult -Run $Run -Target $name -Step ('on {0}' -f $Move.To) -Status 'already right'
        return $null
    }
    if ($Move.How -eq 'live-migrate' -and $running) {
        $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('live-migrate to {0}' -f $Move.To) -ScriptBlock {
            param([string]$G, [string]$N, [string]$C)
            $null = Move-ClusterVirtualMachineRole -Name $G -Node $N -MigrationType Live -Cluster $C
        } -ArgumentList @($group, [string]$Move.To, $ClusterRef)
        return $null
    }
    # Shut down, move the role, start on the planned node.
    $stopped = $false
    if ($running) {
        $stopped = Invoke-VgpucChange -Run $Run -Target $name -Action ('shut down the guest{0} (never turned off)' -f $how) `
            -ScriptBlock { param($V, [int]$T, $A) Stop-VgpucRolloutGuest -Vm $V -TimeoutSeconds $T -Arc $A } -ArgumentList @($vm, $ShutdownTimeoutSeconds, $Arc)
        if (-not $stopped) {
            return $null
        }
    }
    $moved = $false
    try {
        $moved = Invoke-VgpucChange -Run $Run -Target $name -Action ('move the role to {0}' -f $Move.To) -ScriptBlock {
            param([string]$G, [string]$N, [string]$C)
            $null = Move-ClusterGroup -Name $G -Node $N -Cluster $C
        } -ArgumentList @($group, [string]$Move.To, $ClusterRef)
    } catch {
        if ($stopped) {
            try {
                $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('start again on {0} (it was running)' -f $at) -ScriptBlock {
                    param($V, [string]$N, $A) Start-VgpucRolloutGuest -Vm $V -Node $N -Arc $A
                } -ArgumentList @($vm, $at, $Arc)
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
        $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('start on {0}' -f $Move.To) -ScriptBlock {
            param($V, [string]$N, $A)
            Start-VgpucRolloutGuest -Vm $V -Node $N -Arc $A
        } -ArgumentList @($vm, [string]$Move.To, $Arc)
    } catch {
        # Back where it came from: that node is not drained yet.
        try {
            $null = Invoke-VgpucChange -Run $Run -Target $name -Action ('move back to {0} and start there' -f $at) -ScriptBlock {
                param($V, [string]$G, [string]$N, [string]$C, $A)
                $null = Move-ClusterGroup -Name $G -Node $N -Cluster $C
                Start-VgpucRolloutGuest -Vm $V -Node $N -Arc $A
            } -ArgumentList @($vm, $group, $at, $ClusterRef, $Arc)
        } catch {
            Write-Warning ('{0} was running and is left off: it could not be started on {1} nor on {2}: {3}' -f (Format-VgpucText -Text $name), $Move.To, $at, (Format-VgpucText -Text $_.Exception.Message))
        }
        throw
    }
    $null
}

function Wait-VgpucRolloutDrain {
    <# One wait for the drains of a batch, started together with
       Suspend-ClusterNode -Drain without -Wait: reads each node (Get-ClusterNode
       through that node) until its DrainStatus, the node's NodeDrainStatus
       (NotInitiated, InProgress, Completed, Failed: docs/sources.md), is
       Completed or Failed, or the timeout (the poll of Wait-VgpucRolloutEnd,
       rollout.ps1). Returns per node Name, Status ('' when
       still in progress at the timeout) and State (Up, Paused, Down, or why it
       could not be read). #>
    [CmdletBinding()]
    [OutputType([object[]])]
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]]$Nodes,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $ended = @(Wait-VgpucRolloutEnd -Item $Nodes -Pending @('InProgress', 'NotInitiated') -TimeoutSeconds $TimeoutSeconds -Probe {
        param([string]$N)
        try {
            [string](Get-ClusterNode -Name $N -Cluster $N -ErrorAction Stop).DrainStatus
        } catch {
            'unknown (Get-ClusterNode: {0})' -f $_.Exception.Message
        }
    })
    for ($i = 0; $i -lt $Nodes.Count; $i++) {
        $n = $Nodes[$i]
        $state = ''
        try {
            $state = [string](Get-ClusterNode -Name $n -Cluster $n -ErrorAction Stop).State
        } catch {
            $state = 'not read ({0})' -f $_.Exception.Message
        }
        [pscustomobject]@{ Name = $n; Status = $ended[$i]; State = $state }
    }
}

function Complete-VgpucRolloutDrain {
    <# The drains of a batch waited for (Wait-VgpucRolloutDrain): each node
       whose drain did not complete is a failure of the step, recorded; a node
       the cluster no longer shows paused (a failed drain does not keep the
       pause) is taken off -Suspended, so it is not resumed. Returns the
       failures. #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]]$Nodes,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [System.Collections.Generic.List[string]]$Suspended,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $failures = [System.Collections.Generic.List[string]]::new()
    foreach ($d in @(Wait-VgpucRolloutDrain -Nodes $Nodes -TimeoutSeconds $TimeoutSeconds)) {
        if ($d.Status -eq 'Completed') {
            Write-Host ('  {0}: drained' -f (Format-VgpucText -Text $d.Name))
            continue
        }
        $msg = 'its drain ended {0}; the node is {1}' -f $d.Status, $d.State
        if ($d.Status -eq '') {
            $msg = 'its drain did not end within {0} seconds; the node is {1}' -f $TimeoutSeconds, $d.State
        }
        if ($d.State -ne 'Paused') {
            $null = $Suspended.Remove($d.Name)
        }
        Add-VgpucResult -Run $Run -Target $d.Name -Step 'drain (DrainStatus)' -Status 'failed' -Message $msg
        $failures.Add(('{0}: {1}' -f $d.Name, $msg))
    }
    [string[]]$failures.ToArray()
}

function Invoke-VgpucRolloutHostStep {
    <# One host batch, phase by phase over all its hosts (docs/rollout.md, "A
       batch of hosts"): the VMs leave as planned, every node is drained, the
       vGPU Manager is installed on every node, all the nodes are restarted by
       one Restart-Computer -Wait (one wait for all), every node is verified,
       every node resumed, and the VMs that stayed down are started again.
       Returns $true when it completed. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Work,
        [Parameter(Mandatory)] [object]$Plan,
        [AllowNull()] [hashtable]$DriverPackage,
        [Parameter(Mandatory)] [int]$ShutdownTimeoutSeconds,
        [Parameter(Mandatory)] [int]$RestartTimeoutSeconds
    )
    $s = $Work.Step
    # The cluster is reached through a node of the operation (the drained
    # node, the node a VM leaves), never through one node for everything: a
    # node that fails mid-rollout must not cut the script off the cluster.
    $ref = $Plan.ClusterRef
    $names = @($Work.Hosts | ForEach-Object { [string]$_.Name })
    Write-Host ''
    Write-Host ('Step {0}: {1} (downtime: {2})' -f $s.Index, (Format-VgpucText -Text ($names -join ', ')), $s.Downtime)
    $down = [System.Collections.Generic.List[object]]::new()
    $suspended = [System.Collections.Generic.List[string]]::new()
    $draining = [System.Collections.Generic.List[string]]::new()
    $waited = $false
    # Nodes an install or the restart was tried on, and nodes verified: a
    # failure in between reads the node before it is resumed.
    $touched = @{}
    $verified = @{}
    $keepPaused = @{}
    $ok = $true
    $previewed = $false
    try {
        # --- The VMs of every host of the batch leave as planned ---
        foreach ($m in @($s.Moves)) {
            $vm = $Plan.Vms[([string]$m.Vm).ToLowerInvariant()]
            if ($m.How -eq 'stay-down' -and -not (Test-VgpucNameInList -Name ([string]$m.From) -List $names)) {
                # Its host's part of the batch is done (an earlier run): it stays up.
                Add-VgpucResult -Run $Run -Target ([string]$m.Vm) -Step ('stays down while {0} is drained' -f $m.From) -Status 'already right' -Message ('{0} is done' -f $m.From)
                continue
            }
            $via = [string]$m.From
            if ([string]::IsNullOrEmpty($via)) {
                $via = $ref
            }
            $back = Invoke-VgpucRolloutMove -Run $Run -Move $m -Vm $vm -ClusterRef $via -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -Arc $Plan.Arc
            if ($null -ne $back) {
                $down.Add($back)
            }
        }
        # --- Drain every node, all at the same time: Suspend-ClusterNode -Drain
        # without -Wait returns once the drain has started; then one wait for all
        # the drains (Wait-VgpucRolloutDrain, the nodes' DrainStatus) ---
        foreach ($h in @($Work.Hosts)) {
            $n = [string]$h.Name
            if ($Plan.NodeState[$n.ToLowerInvariant()] -eq 'Paused') {
                Add-VgpucResult -Run $Run -Target $n -Step 'drain' -Status 'already right' -Message 'paused by an earlier run'
                $suspended.Add($n)
                continue
            }
            $done = Invoke-VgpucChange -Run $Run -Target $n -Action 'drain (Suspend-ClusterNode -Drain)' -ScriptBlock {
                param([string]$N, [string]$C)
                $null = Suspend-ClusterNode -Name $N -Drain -Cluster $C
            } -ArgumentList @($n, $n)
            if ($done) {
                $suspended.Add($n)
                $draining.Add($n)
            } else {
                $previewed = $true
            }
        }
        $waited = $true
        $failures = @(Complete-VgpucRolloutDrain -Run $Run -Nodes $draining.ToArray() -Suspended $suspended -TimeoutSeconds $RestartTimeoutSeconds)
        if ($failures.Count -gt 0) {
            throw ($failures -join '; ')
        }
        # --- Only the drained nodes go on (paused now or by an earlier run): a
        # node whose drain was declined (-Confirm) is neither installed nor
        # restarted nor resumed, the other nodes of the batch go on; under
        # -WhatIf every node is previewed ---
        $go = @($Work.Hosts | Where-Object { $WhatIfPreference -or (Test-VgpucNameInList -Name ([string]$_.Name) -List $suspended.ToArray()) })
        foreach ($h in @($Work.Hosts)) {
            if (-not (Test-VgpucNameInList -Name ([string]$h.Name) -List @($go | ForEach-Object { [string]$_.Name }))) {
                Add-VgpucResult -Run $Run -Target ([string]$h.Name) -Step 'install, restart, verify, resume' -Status 'skipped' -Message 'not drained (the drain was declined)'
            }
        }
        $previewed = $false
        # --- Install the vGPU Manager on every node that changes release ---
        foreach ($h in $go) {
            $n = [string]$h.Name
            if ($h.FromRelease -eq $h.ToRelease) {
                continue
            }
            $pkg = [string]$DriverPackage[[string]$h.ToRelease]
            $touched[$n.ToLowerInvariant()] = $true
            $done = Invoke-VgpucChange -Run $Run -Target $n -Action ('install vGPU Manager {0} (pnputil /add-driver {1} /install)' -f $h.ToRelease, $pkg) -ScriptBlock {
                param([string]$N, [string]$P)
                $out = Invoke-Command -ComputerName $N -ArgumentList $P -ScriptBlock {
                    param([string]$Inf)
                    $ErrorActionPreference = 'Continue'
                    $text = @(& 'pnputil.exe' '/add-driver' $Inf '/install' 2>&1 | ForEach-Object { [string]$_ })
                    [pscustomobject]@{ Code = [int]$LASTEXITCODE; Text = ($text -join ' ').Trim() }
                }
                # pnputil: 0 done, 3010 done and a restart is needed (the next phase).
                if ($out.Code -ne 0 -and $out.Code -ne 3010) {
                    throw ('pnputil failed (exit {0}): {1}' -f $out.Code, $out.Text)
                }
            } -ArgumentList @($n, $pkg)
            if (-not $done) {
                $previewed = $true
            }
        }
        # --- Restart every node together: one Restart-Computer -Wait restarts
        # them all, then waits until all of them are back (a computer it cannot
        # restart is an error of its own; the others are still waited for) ---
        $goNames = @($go | ForEach-Object { [string]$_.Name })
        foreach ($n in $goNames) {
            $touched[$n.ToLowerInvariant()] = $true
        }
        $action = 'restart and wait for it'
        if ($goNames.Count -gt 1) {
            $action = 'restart together and wait for all (Restart-Computer -Wait)'
        }
        if ($goNames.Count -gt 0) {
            $done = Invoke-VgpucChange -Run $Run -Target ($goNames -join ', ') -Action $action -ScriptBlock {
                param([string[]]$N, [int]$T)
                $failed = @()
                Restart-Computer -ComputerName $N -Force -Wait -For PowerShell -Timeout $T -ErrorAction SilentlyContinue -ErrorVariable failed
                if (@($failed).Count -gt 0) {
                    throw ((@($failed | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $_.Exception.Message } | Sort-Object -Unique)) -join '; ')
                }
            } -ArgumentList @($goNames, $RestartTimeoutSeconds)
            if (-not $done) {
                $previewed = $true
            }
        }
        # --- Verify every node (nvidia-smi); a node on another driver stays paused ---
        if (-not $previewed) {
            $wrong = [System.Collections.Generic.List[string]]::new()
            foreach ($h in $go) {
                $n = [string]$h.Name
                $now = Read-VgpucRolloutDriver -Name $n
                if ($now.Driver -ne $h.ToDriver) {
                    $keepPaused[$n.ToLowerInvariant()] = $true
                    $what = $now.Driver
                    if ($what -eq '') {
                        $what = 'none (' + $now.Error + ')'
                    }
                    $msg = 'the vGPU Manager reports driver {0}, not {1} (vGPU {2}); the node stays paused' -f $what, $h.ToDriver, $h.ToRelease
                    Add-VgpucResult -Run $Run -Target $n -Step 'verify the driver (nvidia-smi)' -Status 'failed' -Message $msg
                    $wrong.Add(('{0}: {1}' -f $n, $msg))
                    continue
                }
                $verified[$n.ToLowerInvariant()] = $true
                Add-VgpucResult -Run $Run -Target $n -Step 'verify the driver (nvidia-smi)' -Status 'already right' -Message ('driver {0}' -f $now.Driver)
                Write-Host ('  {0}: verified, driver {1}' -f (Format-VgpucText -Text $n), $now.Driver)
            }
            if ($wrong.Count -gt 0) {
                throw ($wrong -join '; ')
            }
        }
    } catch {
        $ok = $false
        Write-Warning ('step {0} stopped: {1}' -f $s.Index, (Format-VgpucText -Text $_.Exception.Message))
    } finally {
        if (-not $waited -and $draining.Count -gt 0) {
            # The step stopped while nodes were draining (the drain of a later
            # node of the batch failed to start): their drains are waited for
            # before they are resumed.
            foreach ($f in @(Complete-VgpucRolloutDrain -Run $Run -Nodes $draining.ToArray() -Suspended $suspended -TimeoutSeconds $RestartTimeoutSeconds)) {
                Write-Warning (Format-VgpucText -Text $f)
            }
        }
        # --- Resume every node ---
        foreach ($n in $suspended) {
            $key = $n.ToLowerInvariant()
            if (-not $keepPaused.ContainsKey($key) -and $touched.ContainsKey($key) -and -not $verified.ContainsKey($key)) {
                # Stopped between its install and its verification: resumed
                # only on a driver of the plan (the old one: the rerun does it
                # again; the new one: done), never on an unknown one.
                $h = @($Work.Hosts | Where-Object { Test-VgpucName -Name ([string]$_.Name) -Other $n })[0]
                $now = Read-VgpucRolloutDriver -Name $n
                if ($now.Driver -ne $h.FromDriver -and $now.Driver -ne $h.ToDriver) {
                    $keepPaused[$key] = $true
                    $what = $now.Driver
                    if ($what -eq '') {
                        $what = 'none (' + $now.Error + ')'
                    }
                    Add-VgpucResult -Run $Run -Target $n -Step 'read the driver before resuming (nvidia-smi)' -Status 'failed' -Message ('driver {0}, not {1} nor {2}' -f $what, $h.FromDriver, $h.ToDriver)
                    Write-Warning ('{0} is left paused: its vGPU Manager is not the planned one (driver {1}, not {2} nor {3}); check it, then run again' -f (Format-VgpucText -Text $n), (Format-VgpucText -Text $what), $h.FromDriver, $h.ToDriver)
                    continue
                }
            }
            if ($keepPaused.ContainsKey($key)) {
                Write-Warning ('{0} is left paused: its vGPU Manager is not the planned one; check it, then run again' -f (Format-VgpucText -Text $n))
                continue
            }
            try {
                $null = Invoke-VgpucChange -Run $Run -Target $n -Action 'resume (Resume-ClusterNode -Failback NoFailback)' -ScriptBlock {
                    param([string]$N, [string]$C)
                    $null = Resume-ClusterNode -Name $N -Failback NoFailback -Cluster $C
                } -ArgumentList @($n, $n)
            } catch {
                $ok = $false
                $keepPaused[$key] = $true
                Write-Warning ('{0} could not be resumed and is still paused: {1}' -f (Format-VgpucText -Text $n), (Format-VgpucText -Text $_.Exception.Message))
            }
        }
        foreach ($vm in $down) {
            $n = [string]$vm.ComputerName
            if ($keepPaused.ContainsKey($n.ToLowerInvariant())) {
                Write-Warning ('{0} was running and is left off: its host {1} is still paused' -f (Format-VgpucText -Text $vm.Name), $n)
                $Run.Failed = $true
                continue
            }
            try {
                $null = Invoke-VgpucChange -Run $Run -Target ([string]$vm.Name) -Action ('start again on {0} (it was running)' -f $n) -ScriptBlock {
                    param($V, $A)
                    Start-VgpucRolloutGuest -Vm $V -Node ([string]$V.ComputerName) -Arc $A
                } -ArgumentList @($vm, $Plan.Arc)
            } catch {
                $ok = $false
                Write-Warning ('{0} was running and is left off: {1}' -f (Format-VgpucText -Text $vm.Name), (Format-VgpucText -Text $_.Exception.Message))
            }
        }
    }
    $ok
}

function Invoke-VgpucRolloutHyperV {
    <# The entry of a Hyper-V family rollout script: pre-flight, plan, steps,
       summary. Returns the exit code: 0 done, 1 refused, failed or waiting
       for the guest drivers. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)] [object]$Rollout,
        [AllowNull()] [hashtable]$DriverPackage = @{},
        [switch]$LicenseServerReady,
        [AllowEmptyCollection()] [AllowNull()] [int[]]$GuestStepDone = @(),
        [AllowNull()] [System.Management.Automation.PSCredential]$GuestCredential = $null,
        [int]$ShutdownTimeoutSeconds = 600,
        [int]$RestartTimeoutSeconds = 1800,
        [AllowEmptyString()] [AllowNull()] [string]$LogPath = ''
    )
    $run = Initialize-VgpucRun -Target 'hyperv rollout' -Cluster $Rollout.Cluster -LogPath $LogPath
    try {
        $planId = Get-VgpucRolloutPlanId -Rollout $Rollout
        $recorded = @(Read-VgpucRolloutRecord -LogPath $LogPath -Target 'hyperv rollout' -Rollout $Rollout -PlanId $planId)
        Write-Host ('vgpuc: rollout of {0} ({1}); reading every host and VM' -f (Format-VgpucText -Text $Rollout.Cluster), $Rollout.Platform)
        $plan = Get-VgpucRolloutPlan -Run $run -Rollout $Rollout -DriverPackage $DriverPackage `
            -LicenseServerReady:$LicenseServerReady -GuestStepDone $GuestStepDone -GuestCredential $GuestCredential -Recorded $recorded
        # The no-change steps the log recorded, and the pre-flight took as
        # done, stay recorded in this run's log.
        Add-VgpucRolloutRecordCarried -Run $run -Work $plan.Work -Recorded $recorded -PlanId $planId
        $guestNotes = [System.Collections.Generic.List[string]]::new()
        foreach ($w in $plan.Work) {
            $s = $w.Step
            if ($s.Kind -eq 'hosts' -and -not $w.Done) {
                foreach ($h in $w.Hosts) {
                    $what = 'drain, restart, verify driver {0}, resume' -f $h.ToDriver
                    if ($h.FromRelease -ne $h.ToRelease) {
                        $what = 'drain, vGPU Manager {0} -> {1} (driver {2} -> {3}), restart, verify, resume' -f $h.FromRelease, $h.ToRelease, $h.FromDriver, $h.ToDriver
                    }
                    Add-VgpucPlanItem -Run $run -Target $h.Name -Action ('step {0}: {1}' -f $s.Index, $what)
                }
                foreach ($m in @($s.Moves)) {
                    $how = switch ($m.How) {
                        'live-migrate' { 'live-migrate to {0}' -f $m.To }
                        'restart' { 'shut down, start on {0}' -f $m.To }
                        default { 'shut down, stays down until {0} is back' -f $m.From }
                    }
                    Add-VgpucPlanItem -Run $run -Target $m.Vm -Action ('step {0}: {1}' -f $s.Index, $how)
                }
            } elseif ($s.Kind -eq 'guests' -and -not $w.Done) {
                $guestNotes.Add(('step {0}: update the guest driver {1} -> {2} (Windows {3}, Linux {4}) inside {5} VM(s): {6}' -f `
                    $s.Index, $s.FromRelease, $s.ToRelease, $s.WindowsDriver, $s.LinuxDriver, @($s.Vms).Count, ((@($s.Vms) | ForEach-Object { $_.Name }) -join ', ')))
            }
        }
        foreach ($n in @($plan.Resume)) {
            Add-VgpucPlanItem -Run $run -Target $n -Action 'resume: its steps are done, an earlier run left it paused'
        }
        Write-VgpucPlan -Run $run
        foreach ($g in $guestNotes) {
            Write-Host ('Inside the VMs, by their owners (this script does not do it): {0}' -f (Format-VgpucText -Text $g))
        }
        if ($run.Problems.Count -gt 0) {
            Write-VgpucProblems -Run $run
            $run.Outcome = 'refused'
        } else {
            Write-Host 'Pre-flight passed.'
            $hostsLeft = $false
            foreach ($n in @($plan.Resume)) {
                $hostsLeft = $true
                try {
                    $null = Invoke-VgpucChange -Run $run -Target $n -Action 'resume (Resume-ClusterNode -Failback NoFailback)' -ScriptBlock {
                        param([string]$N, [string]$C)
                        $null = Resume-ClusterNode -Name $N -Failback NoFailback -Cluster $C
                    } -ArgumentList @($n, $n)
                } catch {
                    Write-Warning ('{0} could not be resumed and is still paused: {1}' -f (Format-VgpucText -Text $n), (Format-VgpucText -Text $_.Exception.Message))
                }
            }
            if ($run.Failed) {
                $plan = [pscustomobject]@{ Work = @() }
            }
            for ($i = 0; $i -lt $plan.Work.Count; $i++) {
                $w = $plan.Work[$i]
                $s = $w.Step
                if ($w.Done) {
                    $what = 'step {0} ({1})' -f $s.Index, $s.Kind
                    Add-VgpucResult -Run $run -Target $Rollout.Cluster -Step $what -Status 'already right'
                    continue
                }
                if ($s.Kind -eq 'guests') {
                    $later = @($plan.Work | Select-Object -Skip ($i + 1) | Where-Object { -not $_.Done -and $_.Step.Kind -eq 'hosts' })
                    $msg = 'update the guest driver of {0} VM(s) to {1} inside each VM' -f @($s.Vms).Count, $s.ToRelease
                    $again = 'then run again with -GuestStepDone {0}' -f $s.Index
                    if ($null -ne $w.Guest) {
                        $msg = 'update the guest driver of {0} of {1} VM(s) to {2} inside each VM' -f @($w.Guest.Left).Count, @($s.Vms).Count, $s.ToRelease
                        $again = 'then run again with -GuestCredential: the step is done when every VM reports the new driver'
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
                $mark = $run.Results.Count
                $ok = Invoke-VgpucRolloutHostStep -Run $run -Work $w -Plan $plan -DriverPackage $DriverPackage `
                    -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -RestartTimeoutSeconds $RestartTimeoutSeconds
                if ($ok -and -not $run.WhatIf) {
                    Add-VgpucRolloutRecordDone -Run $run -Work $w -Mark $mark -PlanId $planId -Message 'drained, restarted, verified and resumed'
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
        }
    } catch {
        Add-VgpucResult -Run $run -Target $Rollout.Cluster -Step 'run' -Status 'failed' -Message $_.Exception.Message
        Write-Warning ('the run stopped: {0}' -f (Format-VgpucText -Text $_.Exception.Message))
    }
    Complete-VgpucRun -Run $run
}
