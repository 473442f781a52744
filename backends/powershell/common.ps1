# ---------------------------------------------------------------------------
# common.ps1 - the part of vgpuc's script runtime that every target shares.
#
# A generated script is a reconciler: it reads the live state, computes the
# difference with what the .vgpu file declares, prints that plan, applies it
# one object at a time and prints a summary. This file holds what does not
# depend on the platform: the run record (problems, drift, plan, results and
# the -LogPath JSON log), the one ShouldProcess wrapper every change goes
# through, the per-VM transaction that puts a VM back in its power state
# whatever fails, exact-name matching (names are never wildcard patterns),
# and console text with control characters escaped. The Hyper-V runtime
# (hyperv.ps1) and the later VMware runtime call these functions.
#
# It is embedded verbatim into each generated script by the build (see
# backends/README.md); it must stay valid Windows PowerShell 5.1.
# ---------------------------------------------------------------------------

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Format-VgpucText {
    <# Text for the console: control characters, the Unicode line separators and
       the bidirectional overrides are written as \u{XXXX}, so a name from the
       file or from the cluster cannot move the cursor or fake a line. #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [AllowNull()] [AllowEmptyString()] [object]$Text
    )
    $s = [string]$Text
    $sb = [System.Text.StringBuilder]::new()
    foreach ($ch in $s.ToCharArray()) {
        $code = [int]$ch
        if ($code -lt 0x20 -or ($code -ge 0x7F -and $code -le 0x9F) -or $code -eq 0x2028 -or $code -eq 0x2029 -or
            ($code -ge 0x202A -and $code -le 0x202E) -or ($code -ge 0x2066 -and $code -le 0x2069)) {
            $null = $sb.AppendFormat('\u{{{0:X4}}}', $code)
        } else {
            $null = $sb.Append($ch)
        }
    }
    $sb.ToString()
}

function Test-VgpucName {
    <# Exact, case-insensitive name comparison: no wildcard, no culture rules. #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Name,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Other
    )
    [string]::Equals($Name, $Other, [System.StringComparison]::OrdinalIgnoreCase)
}

function Test-VgpucNameInList {
    <# True when Name equals one of List exactly (case-insensitive). #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Name,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [AllowNull()] [object[]]$List
    )
    foreach ($item in @($List)) {
        if ($null -ne $item -and (Test-VgpucName -Name $Name -Other ([string]$item))) {
            return $true
        }
    }
    $false
}

function Select-VgpucByName {
    <# The objects of InputObject whose Property equals Name exactly. #>
    [CmdletBinding()]
    [OutputType([object[]])]
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [AllowNull()] [object[]]$InputObject,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Name,
        [string]$Property = 'Name'
    )
    $found = [System.Collections.Generic.List[object]]::new()
    foreach ($o in @($InputObject)) {
        if ($null -ne $o -and (Test-VgpucName -Name $Name -Other ([string]$o.$Property))) {
            $found.Add($o)
        }
    }
    $found.ToArray() # callers wrap the call in @()
}

function Get-VgpucProperty {
    <# A property that an object may not have (Set-StrictMode refuses to read a
       missing one): its value, or Default. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [AllowNull()] [object]$InputObject,
        [Parameter(Mandatory)] [string]$Name,
        [AllowNull()] [object]$Default = $null
    )
    if ($null -eq $InputObject) {
        return $Default
    }
    $p = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $p) {
        return $Default
    }
    $p.Value
}

function Test-VgpucInScope {
    <# -VMName / -HostName: an empty scope means everything. #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Name,
        [AllowEmptyCollection()] [AllowNull()] [string[]]$Scope
    )
    if ($null -eq $Scope -or @($Scope).Count -eq 0) {
        return $true
    }
    Test-VgpucNameInList -Name $Name -List $Scope
}

function Initialize-VgpucRun {
    <# The record of one run: what the pre-flight found, the plan, each step. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Target,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Cluster,
        [AllowEmptyString()] [AllowNull()] [string]$LogPath
    )
    [pscustomobject]@{
        Target   = $Target
        Cluster  = $Cluster
        LogPath  = $LogPath
        Started  = [DateTime]::UtcNow.ToString('o')
        WhatIf   = [bool]$WhatIfPreference
        Problems = [System.Collections.Generic.List[string]]::new()
        Drift    = [System.Collections.Generic.List[object]]::new()
        Plan     = [System.Collections.Generic.List[object]]::new()
        Results  = [System.Collections.Generic.List[object]]::new()
        Failed   = $false
        Outcome  = 'running'
    }
}

function Add-VgpucProblem {
    <# A pre-flight problem: the run stops before any change and lists them all. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [string]$Text
    )
    $Run.Problems.Add($Text)
}

function Add-VgpucDrift {
    <# Something on the cluster that the file does not declare. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Target,
        [Parameter(Mandatory)] [string]$Text
    )
    $Run.Drift.Add([pscustomobject]@{ Target = $Target; Text = $Text })
}

function Add-VgpucPlanItem {
    <# One change the run intends to make, and why. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Target,
        [Parameter(Mandatory)] [string]$Action,
        [AllowEmptyString()] [string]$Reason = '',
        [bool]$InScope = $true
    )
    $Run.Plan.Add([pscustomobject]@{ Target = $Target; Action = $Action; Reason = $Reason; InScope = $InScope })
}

function Add-VgpucResult {
    <# One step's outcome: changed, already right, skipped, failed, left off. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Target,
        [Parameter(Mandatory)] [string]$Step,
        [Parameter(Mandatory)] [ValidateSet('changed', 'already right', 'what if', 'declined', 'failed', 'skipped', 'out of scope')]
        [string]$Status,
        [AllowEmptyString()] [string]$Message = ''
    )
    $Run.Results.Add([pscustomobject]@{
            Target  = $Target
            Step    = $Step
            Status  = $Status
            Message = $Message
            Time    = [DateTime]::UtcNow.ToString('o')
        })
    if ($Status -eq 'failed') {
        $Run.Failed = $true
    }
}

function Write-VgpucPlan {
    <# The plan of changes, printed before any change is made. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run
    )
    Write-Host ''
    Write-Host ('Plan for {0} (target {1}):' -f (Format-VgpucText -Text $Run.Cluster), $Run.Target)
    $inScope = @($Run.Plan | Where-Object { $_.InScope })
    $outScope = @($Run.Plan | Where-Object { -not $_.InScope })
    if ($inScope.Count -eq 0) {
        Write-Host '  no changes: the cluster matches the file'
    }
    foreach ($p in $inScope) {
        $line = '  {0}: {1}' -f (Format-VgpucText -Text $p.Target), (Format-VgpucText -Text $p.Action)
        if ($p.Reason) {
            $line += ' (' + (Format-VgpucText -Text $p.Reason) + ')'
        }
        Write-Host $line
    }
    if ($outScope.Count -gt 0) {
        Write-Host ('  {0} change(s) outside -VMName/-HostName, not made in this run:' -f $outScope.Count)
        foreach ($p in $outScope) {
            Write-Host ('    {0}: {1}' -f (Format-VgpucText -Text $p.Target), (Format-VgpucText -Text $p.Action))
        }
    }
    if ($Run.Drift.Count -gt 0) {
        Write-Host 'Not declared in the file (drift):'
        foreach ($d in $Run.Drift) {
            Write-Host ('  {0}: {1}' -f (Format-VgpucText -Text $d.Target), (Format-VgpucText -Text $d.Text))
        }
    }
    Write-Host ''
}

function Write-VgpucProblems {
    <# Every pre-flight problem, one per line. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run
    )
    Write-Host ('Pre-flight found {0} problem(s); nothing was changed:' -f $Run.Problems.Count)
    foreach ($p in $Run.Problems) {
        Write-Host ('  - {0}' -f (Format-VgpucText -Text $p))
    }
}

function Invoke-VgpucChange {
    <# The one place where a change is made: inside ShouldProcess (-WhatIf
       previews it, -Confirm asks), recorded as a result, and a failure is
       recorded and thrown so that the caller's transaction stops. The script
       block gets ArgumentList and must not read the caller's variables. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Target,
        [Parameter(Mandatory)] [string]$Action,
        [Parameter(Mandatory)] [scriptblock]$ScriptBlock,
        [AllowEmptyCollection()] [object[]]$ArgumentList = @()
    )
    $shown = Format-VgpucText -Text $Target
    if (-not $PSCmdlet.ShouldProcess($shown, $Action)) {
        if ($WhatIfPreference) {
            Add-VgpucResult -Run $Run -Target $Target -Step $Action -Status 'what if'
        } else {
            Add-VgpucResult -Run $Run -Target $Target -Step $Action -Status 'declined'
        }
        return $false
    }
    try {
        $null = & $ScriptBlock @ArgumentList
    } catch {
        Add-VgpucResult -Run $Run -Target $Target -Step $Action -Status 'failed' -Message $_.Exception.Message
        Write-Warning ('{0}: {1} failed: {2}' -f $shown, $Action, (Format-VgpucText -Text $_.Exception.Message))
        throw
    }
    Add-VgpucResult -Run $Run -Target $Target -Step $Action -Status 'changed'
    Write-Host ('  {0}: {1}' -f $shown, $Action)
    $true
}

function Invoke-VgpucTransaction {
    <# One VM's changes: stop it (Stop script block: a shutdown, never a turn
       off), make the changes in order, and in `finally` start it again if it
       was running and was stopped here. A failure is recorded, the VM is put
       back in its power state where possible (or the output says why not),
       and the run goes on with the next VM. Returns $true when every change
       was made. Each change is @{ Action; ScriptBlock; ArgumentList }. #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [object]$Run,
        [Parameter(Mandatory)] [AllowEmptyString()] [string]$Target,
        [Parameter(Mandatory)] [bool]$WasRunning,
        [Parameter(Mandatory)] [scriptblock]$StopScript,
        [Parameter(Mandatory)] [scriptblock]$StartScript,
        [AllowEmptyCollection()] [object[]]$PowerArgumentList = @(),
        [Parameter(Mandatory)] [AllowEmptyCollection()] [object[]]$Changes
    )
    $stopped = $false
    $ok = $true
    try {
        if ($WasRunning) {
            $stopped = Invoke-VgpucChange -Run $Run -Target $Target -Action 'shut down the guest (never turned off)' `
                -ScriptBlock $StopScript -ArgumentList $PowerArgumentList
            if (-not $stopped -and -not $WhatIfPreference) {
                Add-VgpucResult -Run $Run -Target $Target -Step 'change the VM' -Status 'skipped' -Message 'the shutdown was declined'
                return $false
            }
        }
        foreach ($c in $Changes) {
            $null = Invoke-VgpucChange -Run $Run -Target $Target -Action $c.Action -ScriptBlock $c.ScriptBlock -ArgumentList $c.ArgumentList
        }
    } catch {
        $ok = $false
    } finally {
        if ($stopped) {
            try {
                $null = Invoke-VgpucChange -Run $Run -Target $Target -Action 'start again (it was running)' `
                    -ScriptBlock $StartScript -ArgumentList $PowerArgumentList
            } catch {
                $ok = $false
                Write-Warning ('{0} was running before this run and is left off: it could not be started again: {1}' -f `
                    (Format-VgpucText -Text $Target), (Format-VgpucText -Text $_.Exception.Message))
            }
        }
    }
    $ok
}

function Write-VgpucSummary {
    <# The table of every step and the counts; printed even when the run failed.
       Each change declined (-Confirm answered No) is named again after the
       counts, target and step, as not done: a run that goes on without it
       (a declined drain stops nothing) still ends done, exit 0, and the
       administrator sees what is left to do. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run
    )
    Write-Host ''
    Write-Host 'Summary:'
    if ($Run.Results.Count -gt 0) {
        $rows = foreach ($r in $Run.Results) {
            [pscustomobject]@{
                Target  = Format-VgpucText -Text $r.Target
                Step    = Format-VgpucText -Text $r.Step
                Status  = $r.Status
                Message = Format-VgpucText -Text $r.Message
            }
        }
        $rows | Format-Table -AutoSize -Property @('Target', 'Step', 'Status', 'Message') | Out-String -Width 240 | Write-Host
    }
    $count = @{}
    foreach ($s in @('changed', 'already right', 'what if', 'declined', 'failed', 'skipped', 'out of scope')) {
        $count[$s] = @($Run.Results | Where-Object { $_.Status -eq $s }).Count
    }
    Write-Host ('{0} changed, {1} already right, {2} previewed (what if), {3} skipped, {4} out of scope, {5} failed' -f `
        $count['changed'], $count['already right'], $count['what if'], ($count['skipped'] + $count['declined']), $count['out of scope'], $count['failed'])
    $declined = @($Run.Results | Where-Object { $_.Status -eq 'declined' })
    if ($declined.Count -gt 0) {
        Write-Host ('Declined (-Confirm answered No), {0} change(s) not made; run the script again to make them:' -f $declined.Count)
        foreach ($d in $declined) {
            Write-Host ('  not done: {0}: {1}' -f (Format-VgpucText -Text $d.Target), (Format-VgpucText -Text $d.Step))
        }
    }
    if ($Run.Outcome -eq 'refused') {
        Write-Host 'Result: refused by the pre-flight; nothing was changed.'
    } elseif ($Run.Outcome -eq 'waiting') {
        Write-Host 'Result: waiting for a step done by hand (above); run the script again when it is done.'
    } elseif ($Run.WhatIf -and -not $Run.Failed) {
        Write-Host 'Result: preview (-WhatIf); nothing was changed.'
    } elseif ($Run.Failed) {
        Write-Host 'Result: FAILED; see the failed steps above. Every VM was put back in its power state unless a warning says otherwise.'
    } elseif (@($Run.Plan | Where-Object { $_.InScope }).Count -eq 0) {
        Write-Host 'Result: nothing to do; the cluster already matches the file.'
    } elseif ($declined.Count -gt 0) {
        Write-Host ('Result: done, except the {0} declined change(s) above.' -f $declined.Count)
    } else {
        Write-Host 'Result: done.'
    }
}

function Save-VgpucLog {
    <# -LogPath: the run as JSON (plan, drift, problems, every step). Written
       also under -WhatIf: the log of a preview is its plan. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object]$Run
    )
    if ([string]::IsNullOrEmpty($Run.LogPath)) {
        return
    }
    $record = [ordered]@{
        tool     = 'vgpuc'
        target   = $Run.Target
        cluster  = $Run.Cluster
        started  = $Run.Started
        finished = [DateTime]::UtcNow.ToString('o')
        whatIf   = $Run.WhatIf
        outcome  = $Run.Outcome
        problems = @($Run.Problems)
        drift    = @($Run.Drift)
        plan     = @($Run.Plan)
        steps    = @($Run.Results)
    }
    $path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Run.LogPath)
    $json = ConvertTo-Json -InputObject $record -Depth 6
    [System.IO.File]::WriteAllText($path, $json, [System.Text.UTF8Encoding]::new($false))
}

function Complete-VgpucRun {
    <# End of a run: summary, log, and the exit code (0 = done, 1 = refused or failed). #>
    [CmdletBinding()]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)] [object]$Run
    )
    if ($Run.Outcome -eq 'running') {
        if ($Run.Failed) {
            $Run.Outcome = 'failed'
        } else {
            $Run.Outcome = 'done'
        }
    }
    Write-VgpucSummary -Run $Run
    try {
        Save-VgpucLog -Run $Run
    } catch {
        Write-Warning ('the log could not be written to {0}: {1}' -f (Format-VgpucText -Text $Run.LogPath), $_.Exception.Message)
        $Run.Outcome = 'failed'
    }
    if ($Run.Outcome -eq 'done') {
        return 0
    }
    1
}
