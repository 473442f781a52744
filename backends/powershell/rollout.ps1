# ---------------------------------------------------------------------------
# rollout.ps1 - the runtime both rollout scripts share (`vgpuc rollout -o
# DIR`): rollout-hyperv.ps1 and rollout-vmware.ps1 run on top of it.
#
# The record of the host steps that change no vGPU Manager (a drain,
# `--drain HOST`, or a step that changes no release): such a step leaves no
# live trace on the host (its driver is the same before and after), so the
# pre-flight cannot tell it is done. With -LogPath, the run records each one
# it completed in its log (Initialize-VgpucRun, Add-VgpucResult of
# common.ps1): a step 'no-change step N done (plan ID)' for the host, ID a
# fingerprint of the plan (Get-VgpucRolloutPlanId); a rerun with the same
# -LogPath reads them (Read-VgpucRolloutRecord), skips those steps and carries
# the record forward into its own log (Add-VgpucRolloutRecordCarried). Only a
# step the run went through is recorded (Add-VgpucRolloutRecordDone): a host
# whose change was declined (-Confirm answered No), skipped or failed is not,
# so the next run does its step. A log of another target, cluster or plan
# records nothing; without a log a drain is done again on every run.
#
# The wait of a batch (Wait-VgpucRolloutEnd): the poll until each started
# operation has ended or the deadline, of a Hyper-V batch's drains
# (Wait-VgpucRolloutDrain) and of a vSphere batch's entries into maintenance
# mode (Wait-VgpucRolloutVmwMaintenance), each with its own probe.
# Embedded verbatim by the build; it must stay valid Windows PowerShell 5.1.
# ---------------------------------------------------------------------------

function Get-VgpucRolloutPlanId {
    <# A short fingerprint of the plan (SHA-256 of its JSON), so that a log
       records the steps of this plan and no other. #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [object]$Rollout
    )
    $json = ConvertTo-Json -InputObject $Rollout -Depth 12 -Compress
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $bytes = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($json))
    } finally {
        $sha.Dispose()
    }
    (@($bytes[0..7] | ForEach-Object { $_.ToString('x2') }) -join '')
}

function Get-VgpucRolloutRecordStep {
    <# The log step that records a no-change host step as done. #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [int]$Index,
        [Parameter(Mandatory)] [string]$PlanId
    )
    'no-change step {0} done (plan {1})' -f $Index, $PlanId
}

function Read-VgpucRolloutRecord {
    <# From the log of an earlier run of this plan (-LogPath), the no-change
       host steps it completed: keys 'INDEX|host'. Nothing when there is no
       log, or it is another target's (-Target, the run's: 'hyperv rollout',
       'vmware rollout'), another cluster's or another plan's. #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [AllowEmptyString()] [AllowNull()] [string]$LogPath,
        [Parameter(Mandatory)] [string]$Target,
        [Parameter(Mandatory)] [object]$Rollout,
        [Parameter(Mandatory)] [string]$PlanId
    )
    if ([string]::IsNullOrEmpty($LogPath)) {
        return @()
    }
    $path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($LogPath)
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        return @()
    }
    try {
        $log = [System.IO.File]::ReadAllText($path) | ConvertFrom-Json
    } catch {
        Write-Warning ('the log {0} is not JSON; no step is taken as recorded: {1}' -f (Format-VgpucText -Text $LogPath), $_.Exception.Message)
        return @()
    }
    if ($null -eq $log.PSObject.Properties['target'] -or [string]$log.target -ne $Target -or -not (Test-VgpucName -Name ([string]$log.cluster) -Other ([string]$Rollout.Cluster))) {
        return @()
    }
    $keys = [System.Collections.Generic.List[string]]::new()
    foreach ($s in @($log.steps)) {
        if ($null -eq $s -or $null -eq $s.PSObject.Properties['Step']) {
            continue
        }
        $m = [regex]::Match([string]$s.Step, '^no-change step (\d+) done \(plan ([0-9a-f]+)\)$')
        if ($m.Success -and $m.Groups[2].Value -eq $PlanId -and @('changed', 'already right') -contains [string]$s.Status) {
            $keys.Add(('{0}|{1}' -f $m.Groups[1].Value, ([string]$s.Target).ToLowerInvariant()))
        }
    }
    $keys.ToArray()
}

function Add-VgpucRolloutRecordCarried {
    <# The no-change steps the log of an earlier run recorded (-Recorded, keys
       'INDEX|host') that this run's pre-flight took as done (the host is not
       pending in its step's work), recorded again in this run's log, so that
       every log carries the record forward. A recorded host the pre-flight
       did not take as done (e.g. found in maintenance mode on vSphere) is
       not carried: its step is done again and recorded if it completes. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Work,
        [AllowEmptyCollection()] [AllowNull()] [string[]]$Recorded = @(),
        [Parameter(Mandatory)] [string]$PlanId
    )
    foreach ($w in $Work) {
        if ($w.Step.Kind -ne 'hosts') {
            continue
        }
        $pending = @(@($w.Hosts) | ForEach-Object { [string]$_.Name })
        foreach ($h in @($w.Step.Hosts)) {
            $name = ([string]$h.Name).ToLowerInvariant()
            if (@($Recorded) -contains ('{0}|{1}' -f $w.Step.Index, $name) -and -not (Test-VgpucNameInList -Name $name -List $pending)) {
                Add-VgpucResult -Run $Run -Target $name -Step (Get-VgpucRolloutRecordStep -Index ([int]$w.Step.Index) -PlanId $PlanId) -Status 'already right' -Message 'recorded in the log of an earlier run'
            }
        }
    }
}

function Add-VgpucRolloutRecordDone {
    <# After a host step that completed (not under -WhatIf): records each
       no-change host of the step (-Work) that went through it, that is none
       of whose changes since -Mark (the count of the run's results before the
       step) was declined (-Confirm answered No), skipped or failed. A change
       of several hosts (a batch's restart, target 'a, b') counts for each.
       A declined step is not done: recorded, the next run with the same log
       would skip a drain that never happened. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [object]$Work,
        [Parameter(Mandatory)] [int]$Mark,
        [Parameter(Mandatory)] [string]$PlanId,
        [Parameter(Mandatory)] [string]$Message
    )
    $notDone = @(@($Run.Results) | Select-Object -Skip $Mark | Where-Object { @('declined', 'skipped', 'failed') -contains [string]$_.Status } | ForEach-Object { ([string]$_.Target).Split([string[]]@(', '), [System.StringSplitOptions]::None) })
    foreach ($h in @($Work.Hosts)) {
        if ($h.FromRelease -eq $h.ToRelease -and $h.FromDriver -eq $h.ToDriver -and -not (Test-VgpucNameInList -Name ([string]$h.Name) -List $notDone)) {
            Add-VgpucResult -Run $Run -Target ([string]$h.Name).ToLowerInvariant() -Step (Get-VgpucRolloutRecordStep -Index ([int]$Work.Step.Index) -PlanId $PlanId) -Status 'changed' -Message $Message
        }
    }
}

function Wait-VgpucRolloutEnd {
    <# One wait for operations started together (a batch's drains, its
       entries into maintenance mode): calls -Probe for each item of -Item
       still under way (the item, then -ArgumentList) until the state it
       returns is none of -Pending (the states of an operation under way),
       or the timeout; one round over them every 5 seconds. Returns, per
       item in its order, the state it ended in ('' when still under way at
       the timeout). The probe reads one item and returns its state; it
       catches its own errors (a state that says why it could not read) and
       must not read the caller's variables. #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Item,
        [Parameter(Mandatory)] [scriptblock]$Probe,
        [AllowEmptyCollection()] [object[]]$ArgumentList = @(),
        [Parameter(Mandatory)] [string[]]$Pending,
        [Parameter(Mandatory)] [int]$TimeoutSeconds
    )
    $ended = [string[]]::new($Item.Count)
    $left = [System.Collections.Generic.List[int]]::new()
    for ($i = 0; $i -lt $Item.Count; $i++) {
        $ended[$i] = ''
        $left.Add($i)
    }
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ($left.Count -gt 0) {
        foreach ($i in @($left.ToArray())) {
            $one = $Item[$i]
            $state = [string](& $Probe $one @ArgumentList)
            if ($Pending -notcontains $state) {
                $ended[$i] = $state
                $null = $left.Remove($i)
            }
        }
        if ($left.Count -eq 0 -or (Get-Date) -gt $deadline) {
            break
        }
        Start-Sleep -Seconds 5
    }
    $ended
}
