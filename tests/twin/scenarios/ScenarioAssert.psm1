# ScenarioAssert.psm1 - what a twin state must show after a run, checked
# against the scenario model (ScenarioModel.psm1): every declared thing
# (partition counts, dismounted DDA GPUs, pools with the failover reserve,
# each VM's exact GPU configuration, settings, owners, OfflineAction, power
# state) and the things that must be left alone. Each check returns a list of
# failures @{ Host; Vm; Message }, empty when the state is right, so that a
# fault run can excuse the VM or host the fault hit and hold every other one.
Set-StrictMode -Version Latest
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioState.psm1')

$script:DefaultLowMmio = [int64]134217728
$script:DefaultHighMmio = [int64]536870912

function New-ScenarioFailure {
    [CmdletBinding()]
    param([AllowNull()][string]$HostName, [AllowNull()][string]$VmName, [Parameter(Mandatory)][string]$Message)
    return @{ Host = $HostName; Vm = $VmName; Message = $Message }
}

function Format-ScenarioName {
    # A name for a message: control characters escaped, as the console shows them.
    [CmdletBinding()]
    param([AllowNull()][AllowEmptyString()][string]$Name)
    if ($null -eq $Name) {
        return '<null>'
    }
    return ([regex]::Replace($Name, '[\x00-\x1F\x7F]', { param($m) '\x{0:X2}' -f [int][char]$m.Value }))
}

function Get-ScenarioPoolName {
    # The pool the clustered DDA VMs' devices name in the state (one name), or $null.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][System.Collections.IDictionary]$State)
    $dda = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' })
    foreach ($v in $dda) {
        foreach ($h in $State['hosts']) {
            foreach ($vm in $h['vms']) {
                if ($vm['name'] -ceq $v.Name) {
                    foreach ($d in @($vm['assignable_devices'])) {
                        if ($d['pool']) {
                            return [string]$d['pool']
                        }
                    }
                }
            }
        }
    }
    # No DDA VM holds a pooled device: the PciExpress pool on their hosts.
    foreach ($v in $dda) {
        foreach ($h in $State['hosts']) {
            if ($v.Owners -contains $h['name']) {
                foreach ($p in @($h['pools'])) {
                    if ([string]$p['type'] -eq 'PciExpress') {
                        return [string]$p['name']
                    }
                }
            }
        }
    }
    return $null
}

function Test-ScenarioSameSet {
    [CmdletBinding()]
    param([AllowNull()][object[]]$A, [AllowNull()][object[]]$B)
    $x = @($A | ForEach-Object { ([string]$_).ToLowerInvariant() } | Sort-Object -Unique)
    $y = @($B | ForEach-Object { ([string]$_).ToLowerInvariant() } | Sort-Object -Unique)
    return (($x -join "`n") -ceq ($y -join "`n"))
}

function Assert-ScenarioDeclared {
    <#
    .SYNOPSIS
    Every declared thing in $State. $Before (the run's input state) gives each
    declared VM's expected power state; without it power is not checked.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Model,
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [System.Collections.IDictionary]$Before
    )
    $fail = [System.Collections.Generic.List[object]]::new()
    $hostByName = @{}
    foreach ($h in $State['hosts']) {
        $hostByName[[string]$h['name']] = $h
    }
    $pooled = $Model.Clustered -and @($Model.Vms | Where-Object { $_.Mode -eq 'dda' }).Count -gt 0
    $poolName = $null
    if ($pooled) {
        $poolName = Get-ScenarioPoolName -Model $Model -State $State
        if (-not $poolName) {
            $fail.Add((New-ScenarioFailure -HostName $null -VmName $null -Message 'clustered DDA: no resource pool on any node a DDA VM may run on'))
        }
    }

    # --- hosts ----------------------------------------------------------------
    foreach ($hm in $Model.Hosts) {
        if (-not $hostByName.ContainsKey($hm.Name)) {
            $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message "host $($hm.Name) is gone from the state"))
            continue
        }
        $hs = $hostByName[$hm.Name]
        if ($hm.ServesGpuP) {
            foreach ($g in $hs['gpus']) {
                if ($g['present'] -and -not $g['dismounted'] -and $g['driver'] -eq 'vgpu' -and [int]$g['partition_count'] -ne $Model.Partitions) {
                    $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message ("{0}: GPU {1} has partition count {2}, declared {3}" -f $hm.Name, $g['location_path'], $g['partition_count'], $Model.Partitions)))
                }
            }
        }
        $wantDda = @{}
        foreach ($g in $hm.Gpus) {
            if ($g.Use -eq 'passthrough' -or ($pooled -and $g.Reserve)) {
                $wantDda[$g.Model] = 1 + [int]$wantDda[$g.Model]
            }
        }
        foreach ($m in $wantDda.Keys) {
            $have = @($hs['gpus'] | Where-Object { $_['dismounted'] -and $_['model'] -eq $m }).Count
            if ($have -lt $wantDda[$m]) {
                $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message ("{0}: {1} {2} GPU(s) dismounted for DDA, the plan gives {3} to pass-through" -f $hm.Name, $have, $m, $wantDda[$m])))
            }
        }
        if ($pooled -and $poolName) {
            $needPool = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' -and $_.Owners -contains $hm.Name }).Count -gt 0
            $pools = @($hs['pools'] | Where-Object { $_['name'] -ceq $poolName })
            if ($needPool -and $pools.Count -ne 1) {
                $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message ("{0}: no resource pool '{1}' (a DDA VM may run here)" -f $hm.Name, $poolName)))
            }
            if ($pools.Count -eq 1) {
                $p = $pools[0]
                if ([string]$p['type'] -ne 'PciExpress') {
                    $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message ("{0}: pool '{1}' has type {2}, not PciExpress" -f $hm.Name, $poolName, $p['type'])))
                }
                foreach ($g in $hs['gpus']) {
                    $inPool = @($p['location_paths']) -ccontains $g['location_path']
                    if ($g['dismounted'] -and ($g['pool'] -ceq $poolName) -ne $inPool) {
                        $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message ("{0}: GPU {1} pool field and pool '{2}' disagree" -f $hm.Name, $g['location_path'], $poolName)))
                    }
                }
                foreach ($g in $hm.Gpus) {
                    if ($g.Reserve) {
                        $lp = @($hs['gpus'] | Where-Object { $_['location_path'] -ceq (Get-ScenarioLocationPath -GpuIndex $g.Index) })
                        if ($lp.Count -eq 1 -and -not (@($p['location_paths']) -ccontains $lp[0]['location_path'])) {
                            $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message ("{0}: failover reserve GPU {1} is not in pool '{2}'" -f $hm.Name, $g.Index, $poolName)))
                        }
                    }
                }
            }
        }
    }

    # --- VMs ------------------------------------------------------------------
    $assigned = @{}
    foreach ($v in $Model.Vms) {
        $found = @()
        foreach ($h in $State['hosts']) {
            foreach ($vm in $h['vms']) {
                if ([string]::Equals([string]$vm['name'], $v.Name, [System.StringComparison]::OrdinalIgnoreCase)) {
                    $found += , @{ Host = $h; Vm = $vm }
                }
            }
        }
        $label = Format-ScenarioName -Name $v.Name
        if ($found.Count -ne 1) {
            $fail.Add((New-ScenarioFailure -HostName $null -VmName $v.Name -Message ("VM {0}: {1} VMs of that name in the state" -f $label, $found.Count)))
            continue
        }
        $vm = $found[0].Vm
        $hs = $found[0].Host
        $hn = [string]$hs['name']
        $say = {
            param([string]$Text)
            $fail.Add((New-ScenarioFailure -HostName $hn -VmName $v.Name -Message ("VM {0}: {1}" -f $label, $Text)))
        }
        if ($Before) {
            $was = $null
            foreach ($bh in $Before['hosts']) {
                foreach ($bvm in $bh['vms']) {
                    if ($bvm['id'] -eq $vm['id']) {
                        $was = $bvm['state']
                    }
                }
            }
            if ($was -and $vm['state'] -ne $was) {
                & $say ("state {0}, was {1} before the run" -f $vm['state'], $was)
            }
        }
        $adapters = @($vm['gpu_partition_adapters']).Count
        $devices = @($vm['assignable_devices'])
        if ($v.Mode -eq 'gpup') {
            if ($adapters -ne $v.Count) {
                & $say ("{0} GPU partition adapter(s), declared {1}" -f $adapters, $v.Count)
            }
            if ($devices.Count -ne 0) {
                & $say ("{0} assignable device(s) next to GPU-P" -f $devices.Count)
            }
        } else {
            if ($devices.Count -ne $v.Count) {
                & $say ("{0} assignable device(s), declared {1}" -f $devices.Count, $v.Count)
            }
            if ($adapters -ne 0) {
                & $say ("{0} GPU partition adapter(s) next to DDA" -f $adapters)
            }
            foreach ($d in $devices) {
                $lp = [string]$d['location_path']
                $g = @($hs['gpus'] | Where-Object { $_['location_path'] -ceq $lp })
                if ($g.Count -ne 1) {
                    & $say ("device {0} is no GPU of host {1}" -f $lp, $hn)
                    continue
                }
                if (-not $g[0]['dismounted']) {
                    & $say ("device {0} is not dismounted from {1}" -f $lp, $hn)
                }
                if ($g[0]['model'] -ne $v.Model) {
                    & $say ("device {0} is a {1}, declared {2}" -f $lp, $g[0]['model'], $v.Model)
                }
                $key = '{0}|{1}' -f $hn, $lp
                if ($assigned.ContainsKey($key)) {
                    & $say ("device {0} on {1} is also assigned to {2}" -f $lp, $hn, (Format-ScenarioName -Name $assigned[$key]))
                }
                $assigned[$key] = $v.Name
                if ($pooled -and $poolName -and $d['pool'] -cne $poolName) {
                    & $say ("device {0} is not attached through pool '{1}'" -f $lp, $poolName)
                }
            }
            if ($vm['automatic_stop_action'] -ne 'TurnOff') {
                & $say ("AutomaticStopAction {0}, DDA needs TurnOff" -f $vm['automatic_stop_action'])
            }
            if ($vm['dynamic_memory']) {
                & $say 'dynamic memory on, DDA needs static memory'
            }
        }
        if ($Model.Arc) {
            $arc = $vm['arc']
            $want = $(if ($v.Mode -eq 'dda') { 'GpuDDA' } else { 'GpuP' })
            $got = @()
            if ($arc) {
                $got = @($arc['gpus'] | ForEach-Object { [string]$_['assignment'] })
            }
            if ($got.Count -ne $v.Count -or @($got | Where-Object { $_ -ne $want }).Count -gt 0) {
                & $say ("Arc GPUs [{0}], declared {1} x {2}" -f ($got -join ', '), $v.Count, $want)
            }
        }
        if (-not $vm['guest_controlled_cache_types']) {
            & $say 'GuestControlledCacheTypes is off'
        }
        if ($v.LowMmio -gt 0 -and [int64]$vm['low_mmio_bytes'] -ne $v.LowMmio) {
            & $say ("low MMIO {0}, declared {1}" -f $vm['low_mmio_bytes'], $v.LowMmio)
        }
        if ($v.HighMmio -gt 0 -and [int64]$vm['high_mmio_bytes'] -ne $v.HighMmio) {
            & $say ("high MMIO {0}, declared {1}" -f $vm['high_mmio_bytes'], $v.HighMmio)
        }
        if ($v.LowMmio -eq 0 -and [int64]$vm['low_mmio_bytes'] -lt $script:DefaultLowMmio) {
            & $say ("low MMIO {0} is below Hyper-V's default" -f $vm['low_mmio_bytes'])
        }
        if ($v.HighMmio -eq 0 -and [int64]$vm['high_mmio_bytes'] -le $script:DefaultHighMmio) {
            & $say ("high MMIO {0} left at Hyper-V's default, too small for a GPU" -f $vm['high_mmio_bytes'])
        }
        if ($v.MemoryBytes -gt 0 -and [int64]$vm['memory_startup_bytes'] -ne $v.MemoryBytes) {
            & $say ("startup memory {0}, declared {1}" -f $vm['memory_startup_bytes'], $v.MemoryBytes)
        }
        if ([int]$vm['generation'] -ne $v.Generation) {
            & $say ("generation {0}, declared {1}" -f $vm['generation'], $v.Generation)
        }
        if ($Model.Clustered) {
            $g = @($State['cluster_groups'] | Where-Object { $_['vm_id'] -eq $vm['id'] })
            if ($g.Count -ne 1) {
                & $say ("{0} cluster groups for its VM id" -f $g.Count)
                continue
            }
            $g = $g[0]
            $possible = @($g['vm_resource']['possible_owners'])
            if (-not (Test-ScenarioSameSet -A $possible -B $v.Owners)) {
                & $say ("possible owners [{0}], declared [{1}]" -f ($possible -join ', '), ($v.Owners -join ', '))
            }
            foreach ($p in @($g['preferred_owners'])) {
                if (@($v.Owners | Where-Object { $_ -eq $p }).Count -eq 0) {
                    & $say ("preferred owner {0} is not a host it may run on" -f $p)
                }
            }
            $oa = $g['vm_resource']['parameters']['OfflineAction']
            if ([int]$oa -ne 3) {
                & $say ("OfflineAction {0}, declared 3 (force shutdown)" -f $oa)
            }
        }
    }

    # --- failover reserve: a restartable DDA VM finds free pooled GPUs elsewhere
    if ($pooled -and $poolName -and $Model.Tolerate -gt 0) {
        foreach ($hm in $Model.Hosts) {
            $onHost = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' -and $_.Migration -ne 'none' -and @($_.Owners).Count -gt 1 -and $_.Host -ceq $hm.Name })
            foreach ($m in @($onHost | ForEach-Object { $_.Model } | Select-Object -Unique)) {
                $need = 0
                foreach ($x in @($onHost | Where-Object { $_.Model -eq $m })) {
                    $need += $x.Count
                }
                $free = 0
                foreach ($oh in $State['hosts']) {
                    if ($oh['name'] -ceq $hm.Name) {
                        continue
                    }
                    foreach ($g in $oh['gpus']) {
                        $key = '{0}|{1}' -f $oh['name'], $g['location_path']
                        if ($g['dismounted'] -and $g['pool'] -ceq $poolName -and $g['model'] -eq $m -and -not $assigned.ContainsKey($key)) {
                            $free++
                        }
                    }
                }
                if ($free -lt $need) {
                    $fail.Add((New-ScenarioFailure -HostName $hm.Name -VmName $null -Message ("failover reserve: the DDA VMs on {0} need {1} free {2} GPU(s) in pool '{3}' on other nodes, there are {4}" -f $hm.Name, $need, $m, $poolName, $free)))
                }
            }
        }
    }
    return $fail.ToArray()
}

function Assert-ScenarioUntouched {
    <#
    .SYNOPSIS
    VMs (by exact name) and GPUs (host + location path) that must be exactly as
    they were: same fields, same cluster group.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Collections.IDictionary]$Before,
        [Parameter(Mandatory)][System.Collections.IDictionary]$After,
        [string[]]$VmNames = @(),
        [hashtable[]]$Gpus = @()
    )
    $fail = [System.Collections.Generic.List[object]]::new()
    foreach ($n in $VmNames) {
        $b = Find-ScenarioVmJson -State $Before -Name $n
        $a = Find-ScenarioVmJson -State $After -Name $n
        if ($a.Json -cne $b.Json -or $a.Host -cne $b.Host) {
            $fail.Add((New-ScenarioFailure -HostName $b.Host -VmName $n -Message ("VM {0} (not declared) was changed: {1} on {2} became {3} on {4}" -f (Format-ScenarioName -Name $n), $b.Json, $b.Host, $a.Json, $a.Host)))
        }
        if ($a.Group -cne $b.Group) {
            $fail.Add((New-ScenarioFailure -HostName $b.Host -VmName $n -Message ("VM {0} (not declared): its cluster group was changed" -f (Format-ScenarioName -Name $n))))
        }
    }
    foreach ($g in $Gpus) {
        $b = Find-ScenarioGpuJson -State $Before -HostName $g.Host -LocationPath $g.LocationPath
        $a = Find-ScenarioGpuJson -State $After -HostName $g.Host -LocationPath $g.LocationPath
        if ($a -cne $b) {
            $fail.Add((New-ScenarioFailure -HostName $g.Host -VmName $null -Message ("GPU {0} on {1} (not declared) was changed: {2} became {3}" -f $g.LocationPath, $g.Host, $b, $a)))
        }
    }
    return $fail.ToArray()
}

function Find-ScenarioVmJson {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State, [Parameter(Mandatory)][string]$Name)
    foreach ($h in $State['hosts']) {
        foreach ($vm in $h['vms']) {
            if ($vm['name'] -ceq $Name) {
                $group = @($State['cluster_groups'] | Where-Object { $_['vm_id'] -eq $vm['id'] })
                return @{
                    Host  = [string]$h['name']
                    Json  = (ConvertTo-Json -InputObject $vm -Depth 50 -Compress)
                    Group = (ConvertTo-Json -InputObject $group -Depth 50 -Compress)
                }
            }
        }
    }
    return @{ Host = $null; Json = '<absent>'; Group = '<absent>' }
}

function Find-ScenarioGpuJson {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State, [Parameter(Mandatory)][string]$HostName, [Parameter(Mandatory)][string]$LocationPath)
    foreach ($h in $State['hosts']) {
        if ($h['name'] -ceq $HostName) {
            foreach ($g in $h['gpus']) {
                if ($g['location_path'] -ceq $LocationPath) {
                    return (ConvertTo-Json -InputObject $g -Depth 20 -Compress)
                }
            }
        }
    }
    return '<absent>'
}

function Test-ScenarioNamed {
    # Does some output line hold every token (case-insensitive) and match the pattern?
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowEmptyCollection()][AllowEmptyString()][string[]]$Lines,
        [Parameter(Mandatory)][string[]]$Tokens,
        [string]$Pattern = ''
    )
    foreach ($line in $Lines) {
        $ok = $true
        foreach ($t in $Tokens) {
            $shown = Format-ScenarioName -Name $t
            if ($line.IndexOf($t, [System.StringComparison]::OrdinalIgnoreCase) -lt 0 -and
                $line.IndexOf($shown, [System.StringComparison]::OrdinalIgnoreCase) -lt 0) {
                $ok = $false
                break
            }
        }
        if ($ok -and ($Pattern -eq '' -or $line -match $Pattern)) {
            return $true
        }
    }
    return $false
}

Export-ModuleMember -Function Assert-ScenarioDeclared, Assert-ScenarioUntouched, Test-ScenarioNamed, Format-ScenarioName, Get-ScenarioPoolName, New-ScenarioFailure
