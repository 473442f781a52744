<#
.SYNOPSIS
Unit tests of the twin scenario generator and assertions (no twin needed):
the declared state passes the assertions, every planted difference fails
them, the start state needs every kind of change, drift, pre-flight and
hostile states hold what they say. Prints "N passed, M failed".
#>
[CmdletBinding()]
param([Parameter(Mandatory)][string]$Vgpuc)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioModel.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioState.psm1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'ScenarioAssert.psm1')

$script:Pass = 0
$script:Fail = 0
function Assert-That {
    [CmdletBinding()]
    param([Parameter(Mandatory)][bool]$Condition, [Parameter(Mandatory)][string]$What)
    if ($Condition) {
        $script:Pass++
    } else {
        $script:Fail++
        Write-Host ('FAIL: {0}' -f $What)
    }
}

$tmp = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('vgpuc-gen-{0}' -f $PID)
$null = New-Item -ItemType Directory -Path $tmp -Force
try {
    # A clustered A2 design (the A2 is the catalog model with a sourced PCI id):
    # GPU-P VMs with memory, and a restartable DDA VM with its own MMIO.
    $src = @'
cluster lab {
    platform azure-stack-hci 23H2
    vgpu-manager 16.5
    tolerate-host-failures 1
    gpu-partitions 4
    host lab-[1..3] { gpu A2 x 4 }
    vm vdi-[01..06] {
        gpu vgpu A2-4Q
        guest-driver 16.5
        memory 8GB
    }
    vm ml-01 {
        gpu passthrough A2
        host lab-1
        migration none
        memory 32GB
        mmio low 1GB high 64GB
    }
    vm "web[12]" {
        gpu vgpu A2-4Q
        guest-driver 16.5
    }
    vm "q‘x’" {
        gpu vgpu A2-4Q
        guest-driver 16.5
    }
}
'@
    $vgpu = Join-Path -Path $tmp -ChildPath 'lab.vgpu'
    [System.IO.File]::WriteAllText($vgpu, $src, [System.Text.UTF8Encoding]::new($false))
    & $Vgpuc build -q --today 2026-11-21 --target json -o $tmp $vgpu 2>&1 | Out-Null
    Assert-That -Condition ($LASTEXITCODE -eq 0) -What 'vgpuc build --target json of the test design'
    $catalog = Get-ScenarioCatalog -Vgpuc $Vgpuc
    $model = Read-ScenarioModel -JsonPath (Join-Path -Path $tmp -ChildPath 'lab.json') -Catalog $catalog

    # --- the model -------------------------------------------------------------
    Assert-That -Condition ($model.Clustered) -What 'model: an azure-stack-hci cluster is clustered'
    Assert-That -Condition ($model.Partitions -eq 4) -What 'model: partition count 4'
    Assert-That -Condition (@($model.Hosts).Count -eq 3 -and @($model.Hosts[0].Gpus).Count -eq 4) -What 'model: 3 hosts of 4 A2'
    Assert-That -Condition ($model.Hosts[0].Gpus[0].Device -eq '25B6' -and $model.Hosts[0].Gpus[0].Vendor -eq '10DE') -What 'model: A2 is 10DE:25B6 from the catalog'
    $ml = @($model.Vms | Where-Object { $_.Name -eq 'ml-01' })[0]
    Assert-That -Condition ($ml.Mode -eq 'dda' -and (@($ml.Owners) -join ',') -eq 'lab-1' -and $ml.HighMmio -eq 68719476736) -What 'model: ml-01 is DDA, pinned to lab-1, high MMIO 64 GB'
    $vdi = @($model.Vms | Where-Object { $_.Name -eq 'vdi-01' })[0]
    Assert-That -Condition ((@($vdi.Owners) -join ',') -eq 'lab-1,lab-2,lab-3' -and $vdi.MemoryBytes -eq 8589934592) -What 'model: an unpinned GPU-P VM may run on every A2 host'
    $noPci = @{ A2 = @{ Vendor = $null; Device = $null; PartitionCounts = @(16, 8, 4, 2); Mmio64Gb = 64; FbMb = 16384; Profiles = @{} } }
    $threw = ''
    $bare = Join-Path -Path $tmp -ChildPath 'bare.json'
    $text = [System.IO.File]::ReadAllText((Join-Path -Path $tmp -ChildPath 'lab.json'))
    [System.IO.File]::WriteAllText($bare, ($text -replace ',\s*"pci":\s*\{[^}]*\}', ''))
    Assert-That -Condition (-not $text.Contains('"pci"') -or -not [System.IO.File]::ReadAllText($bare).Contains('"pci"')) -What 'model: the test JSON without PCI ids'
    try {
        $null = Read-ScenarioModel -JsonPath $bare -Catalog $noPci
    } catch {
        $threw = $_.Exception.Message
    }
    Assert-That -Condition ($threw -like '*A2 has no PCI*') -What "model: a model without a PCI id stops the generator with a message (got '$threw')"

    # --- the declared state: the contract's shape, and the assertions agree -----
    $declared = New-ScenarioDeclaredState -Model $model
    $keys = { param($o) ($o.Keys | ForEach-Object { $_ }) -join ',' }
    Assert-That -Condition ((& $keys $declared) -eq 'platform,cluster,hosts,cluster_groups,arc,faults') -What 'state: top-level fields of tests/twin/README.md'
    Assert-That -Condition ((& $keys $declared['hosts'][0]) -eq 'name,reachable,os_build,nvidia_driver,gpus,pools,vms') -What 'state: host fields'
    Assert-That -Condition ((& $keys $declared['hosts'][0]['gpus'][0]) -eq 'instance_id,location_path,vendor_id,device_id,model,present,driver,enabled,dismounted,pool,valid_partition_counts,partition_count') -What 'state: GPU fields'
    Assert-That -Condition ((& $keys $declared['hosts'][0]['vms'][0]) -eq 'name,id,state,generation,shutdown_service,memory_startup_bytes,dynamic_memory,automatic_stop_action,guest_controlled_cache_types,low_mmio_bytes,high_mmio_bytes,gpu_partition_adapters,assignable_devices,arc') -What 'state: VM fields'
    Assert-That -Condition ((& $keys $declared['cluster_groups'][0]) -eq 'name,vm_id,owner_node,preferred_owners,vm_resource' -and (& $keys $declared['cluster_groups'][0]['vm_resource']) -eq 'name,possible_owners,parameters') -What 'state: cluster group fields'
    $json = ConvertTo-ScenarioStateJson -State $declared
    Assert-That -Condition ($json -eq (ConvertTo-ScenarioStateJson -State (Copy-ScenarioState -State $declared))) -What 'state: a copy serializes byte for byte the same'
    Assert-That -Condition ($json.Contains('"valid_partition_counts":[16,8,4,2]') -and $json.Contains('"gpu_partition_adapters":[{"id":') -and $json.Contains('"pools":[{"name":"GpuChildPool","type":"PciExpress","location_paths":["PCIROOT')) -What 'state: arrays stay arrays in JSON'
    $f = @(Assert-ScenarioDeclared -Model $model -State $declared -Before $declared)
    Assert-That -Condition ($f.Count -eq 0) -What ('declared state passes the assertions: ' + (($f | ForEach-Object { $_.Message }) -join '; '))
    $lp0 = $declared['hosts'][0]['gpus'][0]['location_path']
    Assert-That -Condition ($lp0 -ceq $declared['hosts'][1]['gpus'][0]['location_path'] -and $declared['hosts'][0]['gpus'][0]['instance_id'] -cne $declared['hosts'][1]['gpus'][0]['instance_id']) -What 'state: identical servers share location paths, not instance ids'

    # --- each planted difference fails the assertions, for the right VM or host --
    $plant = @(
        @{ What = 'a GPU-P VM without its adapter'; Vm = 'vdi-01'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-01').Vm['gpu_partition_adapters'] = @() } },
        @{ What = 'an extra partition'; Vm = 'vdi-02'; Edit = { param($s) $v = (Get-ScenarioVmState -State $s -Name 'vdi-02').Vm; $v['gpu_partition_adapters'] = @($v['gpu_partition_adapters']) + , ([ordered]@{ id = 'x' }) } },
        @{ What = 'a leftover DDA device on a GPU-P VM'; Vm = 'vdi-03'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-03').Vm['assignable_devices'] = @([ordered]@{ location_path = 'PCIROOT(9)'; pool = $null }) } },
        @{ What = 'a DDA VM without its device'; Vm = 'ml-01'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'ml-01').Vm['assignable_devices'] = @() } },
        @{ What = 'a DDA VM with stop action Save'; Vm = 'ml-01'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'ml-01').Vm['automatic_stop_action'] = 'Save' } },
        @{ What = 'a DDA VM with dynamic memory'; Vm = 'ml-01'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'ml-01').Vm['dynamic_memory'] = $true } },
        @{ What = 'a DDA device not through the pool'; Vm = 'ml-01'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'ml-01').Vm['assignable_devices'][0]['pool'] = $null } },
        @{ What = 'declared high MMIO not set'; Vm = 'ml-01'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'ml-01').Vm['high_mmio_bytes'] = 536870912 } },
        @{ What = 'undeclared MMIO left at the default'; Vm = 'vdi-04'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-04').Vm['high_mmio_bytes'] = 536870912 } },
        @{ What = 'cache types off'; Vm = 'vdi-05'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-05').Vm['guest_controlled_cache_types'] = $false } },
        @{ What = 'declared memory not set'; Vm = 'vdi-06'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-06').Vm['memory_startup_bytes'] = 1073741824 } },
        @{ What = 'generation 1'; Vm = 'vdi-05'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-05').Vm['generation'] = 1 } },
        @{ What = 'OfflineAction 1'; Vm = 'vdi-06'; Edit = { param($s) (Get-ScenarioGroupState -State $s -VmId (Get-ScenarioVmState -State $s -Name 'vdi-06').Vm['id'])['vm_resource']['parameters']['OfflineAction'] = 1 } },
        @{ What = 'possible owners of a pinned VM = every node'; Vm = 'ml-01'; Edit = { param($s) (Get-ScenarioGroupState -State $s -VmId (Get-ScenarioVmState -State $s -Name 'ml-01').Vm['id'])['vm_resource']['possible_owners'] = @('lab-1', 'lab-2', 'lab-3') } },
        @{ What = 'a preferred owner the VM may not run on'; Vm = 'ml-01'; Edit = { param($s) (Get-ScenarioGroupState -State $s -VmId (Get-ScenarioVmState -State $s -Name 'ml-01').Vm['id'])['preferred_owners'] = @('lab-2') } },
        @{ What = 'a VM left off'; Vm = 'vdi-03'; Edit = { param($s) (Get-ScenarioVmState -State $s -Name 'vdi-03').Vm['state'] = 'Off' } },
        @{ What = 'a second VM of one name (case-insensitive)'; Vm = 'vdi-04'; Edit = { param($s) Add-ScenarioUndeclaredVm -State $s -HostName 'lab-2' -Vm (New-ScenarioUndeclaredVm -Name 'VDI-04' -Number 999 -PowerState 'Off') } },
        @{ What = 'a wrong partition count'; Host = 'lab-3'; Edit = { param($s) (Get-ScenarioHostState -State $s -Name 'lab-3')['gpus'][1]['partition_count'] = 16 } },
        @{ What = 'a DDA GPU mounted back'; Host = 'lab-1'; Edit = { param($s) $g = (Get-ScenarioHostState -State $s -Name 'lab-1')['gpus'][0]; $g['dismounted'] = $false; $g['pool'] = $null } },
        @{ What = 'no pool on a node a DDA VM may run on'; Host = 'lab-1'; Edit = { param($s) (Get-ScenarioHostState -State $s -Name 'lab-1')['pools'] = @() } }
    )
    foreach ($p in $plant) {
        $s = Copy-ScenarioState -State $declared
        & $p.Edit $s
        $f = @(Assert-ScenarioDeclared -Model $model -State $s -Before $declared)
        $right = @(if ($p.Contains('Vm')) { $f | Where-Object { $_.Vm -eq $p.Vm } } else { $f | Where-Object { $_.Host -eq $p.Host -or $_.Vm } })
        Assert-That -Condition ($f.Count -gt 0 -and $right.Count -gt 0) -What ('assert: {0} is caught (got: {1})' -f $p.What, (($f | ForEach-Object { $_.Message }) -join '; '))
    }

    # A device taken from the pool at start (no location path, as the twin
    # records -ResourcePoolName): right while the pool holds a free GPU.
    $s = Copy-ScenarioState -State $declared
    $x = Get-ScenarioVmState -State $s -Name 'ml-01'
    $x.Vm['assignable_devices'] = @([ordered]@{ location_path = $null; pool = 'GpuChildPool' })
    $f = @(Assert-ScenarioDeclared -Model $model -State $s -Before $declared)
    Assert-That -Condition ($f.Count -eq 0) -What ('assert: a device from the pool with a free pool GPU passes ({0})' -f (($f | ForEach-Object { $_.Message }) -join '; '))
    $h1 = Get-ScenarioHostState -State $s -Name 'lab-1'
    $h1['pools'][0]['location_paths'] = @()
    foreach ($g in $h1['gpus']) {
        $g['pool'] = $null
    }
    $f = @(Assert-ScenarioDeclared -Model $model -State $s -Before $declared)
    Assert-That -Condition (@($f | Where-Object { $_.Message -like '*running VMs use 1 device(s) of pool*' }).Count -eq 1) -What ('assert: a device from an empty pool is caught ({0})' -f (($f | ForEach-Object { $_.Message }) -join '; '))

    # --- the start state needs every kind of change -------------------------------
    $st = New-ScenarioStartState -Model $model
    $f = @(Assert-ScenarioDeclared -Model $model -State $st.State)
    $msgs = ($f | ForEach-Object { $_.Message }) -join "`n"
    foreach ($kind in @('partition count', 'dismounted for DDA', 'resource pool', 'GPU partition adapter(s), declared', 'assignable device(s), declared',
            'AutomaticStopAction', 'dynamic memory', 'high MMIO', 'GuestControlledCacheTypes', 'startup memory', 'possible owners', 'OfflineAction', 'preferred owner')) {
        Assert-That -Condition ($msgs -like "*$kind*") -What "start state needs a change of kind '$kind'"
    }
    $powers = @($st.State['hosts'] | ForEach-Object { $_['vms'] } | ForEach-Object { $_['state'] } | Sort-Object -Unique)
    Assert-That -Condition (($powers -join ',') -eq 'Off,Running') -What 'start state has running and off VMs'
    Assert-That -Condition (@($st.Notes -match 'already right').Count -gt 0) -What 'start state keeps a VM already right'
    foreach ($h in $st.State['hosts']) {
        $wrongCount = @($h['gpus'] | Where-Object { -not $_['dismounted'] -and $_['driver'] -eq 'vgpu' -and [int]$_['partition_count'] -ne 4 }).Count -gt 0
        $holders = @($h['vms'] | Where-Object { @($_['gpu_partition_adapters']).Count -gt 0 }).Count
        Assert-That -Condition (-not $wrongCount -or $holders -eq 0) -What ("start state: {0} with a count to change holds no partition (else the run must refuse)" -f $h['name'])
    }
    Assert-That -Condition (@($st.State['hosts'] | Where-Object { @($_['gpus'] | Where-Object { -not $_['enabled'] -and -not $_['dismounted'] }).Count -gt 0 }).Count -le 1) -What 'start state: at most one GPU disabled but not dismounted'
    foreach ($h in $st.State['hosts']) {
        $mountedDda = @($h['gpus'] | Where-Object { -not $_['dismounted'] }).Count -gt 0 -and $h['name'] -eq 'lab-1'
        $running = @($h['vms'] | Where-Object { $_['state'] -eq 'Running' -and @($_['gpu_partition_adapters']).Count -gt 0 }).Count
        Assert-That -Condition (-not $mountedDda -or $running -eq 0) -What ("start state: no running VM holds a partition on {0}, whose DDA GPU is still to be dismounted" -f $h['name'])
    }
    $again = New-ScenarioStartState -Model $model
    Assert-That -Condition ((ConvertTo-ScenarioStateJson -State $again.State) -ceq (ConvertTo-ScenarioStateJson -State $st.State)) -What 'start state: deterministic'

    # --- drift ------------------------------------------------------------------------
    $d = New-ScenarioDriftState -Model $model -Converged $declared
    $names = @($d.Variants | ForEach-Object { $_.Name })
    foreach ($n in @('extra-partition', 'dda-instead-of-gpup', 'leftover-device', 'gpup-instead-of-dda', 'extra-device', 'undeclared-vm', 'undeclared-gpu')) {
        Assert-That -Condition ($names -contains $n) -What ("drift variant $n is made (skipped: " + ($d.Skipped -join '; ') + ')')
    }
    foreach ($v in $d.Variants) {
        $f = @(Assert-ScenarioDeclared -Model $model -State $v.State)
        if ($v.Vm) {
            Assert-That -Condition ($f.Count -gt 0 -and @($f | Where-Object { $_.Vm -ne $v.Vm }).Count -eq 0) -What ("drift {0}: only {1} differs from the declared state ({2})" -f $v.Name, $v.Vm, (($f | ForEach-Object { $_.Message }) -join '; '))
        } else {
            Assert-That -Condition ($f.Count -eq 0) -What ("drift {0}: the declared things are right ({1})" -f $v.Name, (($f | ForEach-Object { $_.Message }) -join '; '))
        }
        if ($v.UndeclaredGpu) {
            $g = Get-ScenarioGpuState -HostState (Get-ScenarioHostState -State $v.State -Name $v.UndeclaredGpu.Host) -LocationPath $v.UndeclaredGpu.LocationPath
            Assert-That -Condition ($g['dismounted'] -and -not $g['enabled'] -and $null -eq $g['pool']) -What ("drift {0}: the undeclared GPU is dismounted, disabled, in no pool" -f $v.Name)
        }
    }
    $u = @($d.Variants | Where-Object { $_.Name -eq 'undeclared-vm' })[0]
    $f = @(Assert-ScenarioUntouched -Before $u.State -After $u.State -VmNames @('old-gpu-vm'))
    Assert-That -Condition ($f.Count -eq 0) -What 'untouched: an unchanged VM passes'
    $s2 = Copy-ScenarioState -State $u.State
    (Get-ScenarioVmState -State $s2 -Name 'old-gpu-vm').Vm['gpu_partition_adapters'] = @()
    $f = @(Assert-ScenarioUntouched -Before $u.State -After $s2 -VmNames @('old-gpu-vm'))
    Assert-That -Condition ($f.Count -eq 1) -What 'untouched: a changed undeclared VM is caught'

    # --- pre-flight problems --------------------------------------------------------
    $pf = New-ScenarioPreflightState -Model $model -Catalog $catalog
    $kinds = @($pf | Where-Object { $_.Name -ne 'all' } | ForEach-Object { $_.Name })
    foreach ($k in @('wrong-driver', 'driver-unbound', 'missing-gpu', 'missing-vm', 'duplicate-vm', 'invalid-partition-count', 'capacity-gpup', 'capacity-dda', 'saved-vm', 'undeclared-model', 'unreachable-host', 'generation')) {
        Assert-That -Condition ($kinds -contains $k) -What "pre-flight state $k is made"
    }
    $startJson = ConvertTo-ScenarioStateJson -State $st.State
    foreach ($p in $pf) {
        Assert-That -Condition ((ConvertTo-ScenarioStateJson -State $p.State) -cne $startJson) -What ("pre-flight state {0} differs from the start state" -f $p.Name)
    }
    $all = @($pf | Where-Object { $_.Name -eq 'all' })[0]
    $alone = @('unreachable-host', 'driver-unbound')
    Assert-That -Condition (@($all.Problems).Count -eq $kinds.Count - $alone.Count -and @($all.Problems | Where-Object { $alone -contains $_.Kind }).Count -eq 0) -What ('pre-flight: the combined state holds every problem but the unreachable host and the unbound driver ({0} of {1})' -f @($all.Problems).Count, $kinds.Count)
    $ub = @($pf | Where-Object { $_.Name -eq 'driver-unbound' })[0]
    $ubHost = Get-ScenarioHostState -State $ub.State -Name $ub.Problems[0].Tokens[0]
    Assert-That -Condition ($ubHost['nvidia_driver'] -and @($ubHost['gpus'] | Where-Object { $null -ne $_['driver'] }).Count -eq 0) -What 'pre-flight: the unbound-driver host has the vGPU Manager and no GPU bound to it'
    $cap = @($pf | Where-Object { $_.Name -eq 'capacity-gpup' })[0]
    $capHost = $cap.Problems[0].Tokens[0]
    $need = @($model.Vms | Where-Object { $_.Mode -eq 'gpup' -and $_.Host -eq $capHost }).Count
    Assert-That -Condition ((Get-ScenarioFreePartitions -HostState (Get-ScenarioHostState -State $cap.State -Name $capHost)) -lt $need) -What 'pre-flight: the capacity state leaves fewer free partitions than the VMs need'
    $dup = @($pf | Where-Object { $_.Name -eq 'duplicate-vm' })[0]
    $dn = $dup.Problems[0].Tokens[0]
    $count = @($dup.State['hosts'] | ForEach-Object { $_['vms'] } | Where-Object { [string]::Equals($_['name'], $dn, [System.StringComparison]::OrdinalIgnoreCase) }).Count
    Assert-That -Condition ($count -eq 2) -What 'pre-flight: the duplicate state has two VMs of one name'
    Assert-That -Condition (Test-ScenarioNamed -Lines @('x', 'Host lab-2: partition count 4 is not valid') -Tokens @('LAB-2') -Pattern '(?i)partition') -What 'named: a token on a matching line is found'
    Assert-That -Condition (-not (Test-ScenarioNamed -Lines @('lab-2 ok', 'partition count 4 is not valid') -Tokens @('lab-2') -Pattern '(?i)partition')) -What 'named: token and pattern must be on one line'

    # --- hostile names -----------------------------------------------------------------
    $dn = @(Get-ScenarioDecoyName -Name 'web[12]')
    Assert-That -Condition ($dn -ccontains 'web1' -and $dn -ccontains 'web2') -What ('decoys of web[12]: web1 and web2 (got {0})' -f ($dn -join ', '))
    foreach ($x in $dn) {
        $wild = [System.Management.Automation.WildcardPattern]::new('web[12]', [System.Management.Automation.WildcardOptions]::IgnoreCase)
        Assert-That -Condition ($wild.IsMatch($x)) -What "decoy $x matches the pattern web[12]"
    }
    $dn = @(Get-ScenarioDecoyName -Name "q‘x’")
    Assert-That -Condition ($dn -ccontains "q'x'") -What ("decoys of q‘x’: q'x' (got {0})" -f ($dn -join ', '))
    $dn = @(Get-ScenarioDecoyName -Name "line`nRemove-Item x")
    Assert-That -Condition ($dn -ccontains 'line') -What 'decoys of a name with a line break: the first line'
    Assert-That -Condition (-not (Test-ScenarioHostileName -Name 'vdi-01') -and (Test-ScenarioHostileName -Name 'a*') -and (Test-ScenarioHostileName -Name "a`tb")) -What 'hostile names: plain is not, wildcard and control characters are'
    $hs = New-ScenarioHostileState -Model $model
    Assert-That -Condition ($null -ne $hs -and $hs.Decoys -ccontains 'web1' -and $hs.Decoys -ccontains "q'x'") -What "hostile state: decoys next to web[12] and q‘x’"
    $x = Get-ScenarioVmState -State $hs.State -Name 'web1'
    Assert-That -Condition ($x.Vm['state'] -eq 'Running' -and @($x.Vm['gpu_partition_adapters']).Count -eq 0) -What 'hostile state: a decoy runs without a GPU (a wrong match would change it)'
} catch {
    $script:Fail++
    Write-Host ('FAIL: the tests stopped: {0} {1}' -f $_.Exception.Message, $_.InvocationInfo.PositionMessage)
} finally {
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
}
Write-Host ('generator: {0} passed, {1} failed' -f $script:Pass, $script:Fail)
if ($script:Fail -gt 0) {
    exit 1
}
exit 0
