# ScenarioVmware.psm1 - the vSphere side of the twin scenarios: twin states in the
# "vmware" shape of tests/twin/README.md made from a scenario model (ScenarioModel.psm1,
# read from `vgpuc build --target json`), and what the checks of ScenarioChecks.psm1
# assert on them. The same functions as ScenarioState.psm1 / ScenarioAssert.psm1 give
# for Hyper-V, under Vmw names:
#   New-VmwScenarioDeclaredState   what the file declares, as a converged vCenter
#   New-VmwScenarioStartState      a vCenter that needs every kind of change
#   Assert-VmwScenarioDeclared     what differs from the declared state (failures)
#   New-VmwScenarioDriftState      a converged vCenter with one kind of drift each
#   New-VmwScenarioPreflightState  problems the pre-flight must refuse
#   New-VmwScenarioHostileState    decoy VMs a wildcard or cross-cluster lookup would hit
#   New-VmwScenarioSpecialState    the vSphere scenarios of issue 12 with their expectations
# Domain facts used: the vSphere profile string grid_<profile in lower case>
# (docs/sources.md, vSphere), 64-bit MMIO sized per GPU as the catalog says,
# rounded up to a power of two, C-series at least 64 GB (section 1.6). Nothing here adds
# a field the contract does not have.
Set-StrictMode -Version Latest

$script:ExtraCache = @{}
$script:ComponentSuffix = '-1OEM.800.1.0.20613240' # an ESXi 8.0 build suffix, as NVIDIA's component versions carry
$script:Decoy = 'vgpuc-scenario decoy'

function Get-VmwModelExtra {
    # What the scenario model leaves out and the build output has: the vCenter version, each
    # host's vGPU mode and graphics, each VM's firmware.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model)
    if ($script:ExtraCache.ContainsKey($Model.Source)) {
        return $script:ExtraCache[$Model.Source]
    }
    $doc = Get-Content -LiteralPath $Model.Source -Raw -Encoding utf8 | ConvertFrom-Json -AsHashtable -DateKind String -Depth 100
    $c = $doc['cluster']
    $x = @{ VCenter = [string]$c['vcenter']; Mode = @{}; Firmware = @{}; Graphics = @{} }
    foreach ($h in @($c['hosts'])) {
        $x.Mode[[string]$h['name']] = [string]$h['vgpu_mode']
        $x.Graphics[[string]$h['name']] = [string]$h['graphics']
    }
    foreach ($v in @($c['vms'])) {
        $x.Firmware[[string]$v['name']] = [string]$v['firmware']
    }
    $script:ExtraCache[$Model.Source] = $x
    return $x
}

function Get-VmwProfileString {
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Profile)
    return ('grid_' + $Profile.ToLowerInvariant())
}

function Get-VmwMmioGb {
    # 64-bit MMIO the VM needs (0 = none): large-BAR pass-through, and C-series vGPUs.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Vm, [Parameter(Mandatory)][hashtable]$Catalog)
    $per = 0
    if ($Catalog.ContainsKey($Vm.Model)) {
        $per = [int]$Catalog[$Vm.Model].Mmio64Gb
    }
    if ($Vm.Mode -eq 'gpup') {
        if (-not ([string]$Vm.Profile).EndsWith('C')) {
            return 0
        }
        $per = [Math]::Max($per, 64)
    }
    if ($per -le 0) {
        return 0
    }
    $want = $per * [Math]::Max(1, $Vm.Count)
    $r = 1
    while ($r -lt $want) {
        $r *= 2
    }
    return $r
}

function Get-VmwVgpuHosts {
    # Hosts some vGPU VM may run on: they need Shared Direct (and the declared vGPU mode).
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model)
    $n = @{}
    foreach ($v in @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' })) {
        foreach ($o in @($v.Owners)) {
            $n[[string]$o] = $true
        }
    }
    return $n
}

function Get-VmwPinned {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model)
    return @($Model.Vms | Where-Object { $_.Pin -or @($_.PinHosts).Count -gt 0 })
}

function Get-VmwModelPci {
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][string]$GpuModel)
    foreach ($h in $Model.Hosts) {
        foreach ($g in $h.Gpus) {
            if ($g.Model -eq $GpuModel) {
                return @{ Vendor = ([string]$g.Vendor).ToLowerInvariant(); Device = ([string]$g.Device).ToLowerInvariant() }
            }
        }
    }
    return $null
}

function New-VmwDevices {
    # The declared devices of a VM, in the state's shape.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Vm, [Parameter(Mandatory)][hashtable]$Catalog)
    $out = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt [Math]::Max(1, $Vm.Count); $i++) {
        if ($Vm.Mode -eq 'gpup') {
            $out.Add([ordered]@{ type = 'vgpu'; profile = (Get-VmwProfileString -Profile ([string]$Vm.Profile)) })
        } else {
            $pci = Get-VmwModelPci -Model $Model -GpuModel $Vm.Model
            $dev = [ordered]@{ type = 'dynamic_passthrough'; vendor_id = $pci.Vendor; device_id = $pci.Device }
            if ($Catalog.ContainsKey($Vm.Model) -and $Catalog[$Vm.Model].SubDevice) {
                # The subsystem the script gives where two models share a device id (A2 / A16).
                $dev['sub_vendor_id'] = ([string]$Catalog[$Vm.Model].SubVendor).ToLowerInvariant()
                $dev['sub_device_id'] = ([string]$Catalog[$Vm.Model].SubDevice).ToLowerInvariant()
            }
            $out.Add($dev)
        }
    }
    return , $out.ToArray()
}

function New-VmwScenarioDeclaredState {
    <#
    .SYNOPSIS
    The vCenter as the file declares it, converged: Shared Direct on the vGPU hosts,
    passthrough enabled and active on the GPUs the plan gives to DirectPath I/O, each VM with
    exactly its devices, locked reservation, memory and MMIO, the DRS objects of pinned VMs.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog)
    $x = Get-VmwModelExtra -Model $Model
    $vgpuHosts = Get-VmwVgpuHosts -Model $Model
    $hot = @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' -and $_.Migration -eq 'live' }).Count -gt 0
    $hosts = [System.Collections.Generic.List[object]]::new()
    foreach ($h in $Model.Hosts) {
        $types = [System.Collections.Generic.List[string]]::new()
        foreach ($m in @($h.Gpus | ForEach-Object { $_.Model } | Select-Object -Unique)) {
            if ($Catalog.ContainsKey($m)) {
                foreach ($p in @($Catalog[$m].Profiles.Keys | Sort-Object)) {
                    $types.Add((Get-VmwProfileString -Profile $p))
                }
            }
        }
        # The host's graphics type as the file declares it (graphics shared: vSGA).
        $gt = 'sharedDirect'
        if ($x.Graphics[$h.Name] -eq 'shared') {
            $gt = 'shared'
        }
        $graphics = [ordered]@{ default_type = $gt; active_type = $gt; shared_passthru_gpu_types = $types.ToArray() }
        if ($x.Mode[$h.Name] -eq 'mixed-size' -and $vgpuHosts.ContainsKey($h.Name)) {
            $graphics['vgpu_mode'] = 'mixedSize'
        }
        # The vGPU types' sizes and per-GPU maxima from the catalog (the twin's capacity rule).
        $vt = [ordered]@{}
        foreach ($m in @($h.Gpus | ForEach-Object { $_.Model } | Select-Object -Unique)) {
            if ($Catalog.ContainsKey($m)) {
                foreach ($p in @($Catalog[$m].Sizes.Keys | Sort-Object)) {
                    $z = $Catalog[$m].Sizes[$p]
                    $e = [ordered]@{ fb_mb = $z.FbMb; max = $z.Max }
                    if ($z.MaxMixed -gt 0) {
                        $e['max_mixed'] = $z.MaxMixed
                    }
                    $vt[(Get-VmwProfileString -Profile $p)] = $e
                }
            }
        }
        $graphics['vgpu_types'] = $vt
        $gpus = [System.Collections.Generic.List[object]]::new()
        foreach ($g in $h.Gpus) {
            $pt = $g.Use -eq 'passthrough'
            $rec = [ordered]@{
                pci_id = ('0000:{0:x2}:00.0' -f (0x3b + $g.Index)); vendor_id = ([string]$g.Vendor).ToLowerInvariant()
                device_id = ([string]$g.Device).ToLowerInvariant(); model = $g.Model
                passthrough_capable = $true; passthrough_enabled = $pt; passthrough_active = $pt
            }
            if ($Catalog.ContainsKey($g.Model)) {
                $rec['fb_mb'] = $Catalog[$g.Model].FbMb
                if ($Catalog[$g.Model].SubDevice) {
                    $rec['sub_vendor_id'] = ([string]$Catalog[$g.Model].SubVendor).ToLowerInvariant()
                    $rec['sub_device_id'] = ([string]$Catalog[$g.Model].SubDevice).ToLowerInvariant()
                }
            }
            $gpus.Add($rec)
        }
        $component = $null
        if ($h.Driver) {
            $component = [ordered]@{ name = 'NVD-AIE-800'; version = ([string]$h.Driver + $script:ComponentSuffix) }
        }
        $hosts.Add([ordered]@{
                name = $h.Name; cluster = $Model.Name; connection_state = 'Connected'; version = '8.0.2'
                nvidia_component = $component; nvidia_module_loaded = ($null -ne $component)
                graphics = $graphics; gpus = $gpus.ToArray()
            })
    }
    $vms = [System.Collections.Generic.List[object]]::new()
    foreach ($v in $Model.Vms) {
        $mmio = Get-VmwMmioGb -Vm $v -Catalog $Catalog
        $extra = [ordered]@{}
        if ($mmio -gt 0) {
            $extra['pciPassthru.use64bitMMIO'] = 'TRUE'
            $extra['pciPassthru.64bitMMIOSizeGB'] = [string]$mmio
        }
        $mem = 16384
        if ($v.MemoryBytes -gt 0) {
            $mem = [int]($v.MemoryBytes / 1048576)
        }
        $fw = 'efi'
        if ($x.Firmware[$v.Name] -eq 'bios' -and $mmio -eq 0) {
            $fw = 'bios'
        }
        $vms.Add([ordered]@{
                name = $v.Name; id = ('vm-{0}' -f (1001 + $v.Index)); host = $v.Host; power_state = 'PoweredOn'
                tools_running = $true; hardware_version = 19; firmware = $fw; memory_mb = $mem
                memory_reservation_locked_to_max = $true; extra_config = $extra; devices = (New-VmwDevices -Model $Model -Vm $v -Catalog $Catalog)
            })
    }
    $groups = [System.Collections.Generic.List[object]]::new()
    $rules = [System.Collections.Generic.List[object]]::new()
    foreach ($v in (Get-VmwPinned -Model $Model)) {
        $groups.Add([ordered]@{ name = ('vgpuc-{0}-vm' -f $v.Name); type = 'VM'; members = @($v.Name) })
        $groups.Add([ordered]@{ name = ('vgpuc-{0}-hosts' -f $v.Name); type = 'VMHost'; members = @($v.Owners) })
        $rules.Add([ordered]@{ name = ('vgpuc-{0}-should-run-on' -f $v.Name); vm_group = ('vgpuc-{0}-vm' -f $v.Name)
                host_group = ('vgpuc-{0}-hosts' -f $v.Name); type = 'ShouldRunOn'; enabled = $true })
    }
    return [ordered]@{
        platform = 'vmware'
        vcenter  = [ordered]@{ name = 'vc01'; version = '8.0.2'; advanced_settings = [ordered]@{ 'vgpu.hotmigrate.enabled' = $(if ($hot) { 'true' } else { 'false' }) } }
        clusters = @([ordered]@{ name = $Model.Name; drs_enabled = $true; drs_groups = $groups.ToArray(); drs_rules = $rules.ToArray() })
        hosts    = $hosts.ToArray()
        vms      = $vms.ToArray()
        faults   = @()
    }
}

function Copy-VmwState {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State)
    return (ConvertTo-Json -InputObject $State -Depth 100 -Compress | ConvertFrom-Json -AsHashtable -DateKind String -Depth 100)
}

function Get-VmwHost {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State, [Parameter(Mandatory)][string]$Name)
    return (@($State['hosts'] | Where-Object { [string]$_['name'] -ceq $Name }) | Select-Object -First 1)
}

function Get-VmwVm {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State, [Parameter(Mandatory)][string]$Name)
    return @($State['vms'] | Where-Object { [string]$_['name'] -ceq $Name })
}

function Get-VmwClusterVm {
    # The VMs of that exact name on the hosts of one cluster (a VM of the same name elsewhere
    # in the vCenter is another VM).
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State, [Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][string]$Cluster)
    $hosts = @($State['hosts'] | Where-Object { [string]$_['cluster'] -ceq $Cluster } | ForEach-Object { [string]$_['name'] })
    return @($State['vms'] | Where-Object { [string]$_['name'] -ceq $Name -and $hosts -ccontains [string]$_['host'] })
}

function Get-VmwPlainVm {
    # A declared VM whose name has no control character (the problems that must be named in
    # the output compare names as printed).
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [string]$Mode = '')
    $all = @($Model.Vms | Where-Object { -not $Mode -or $_.Mode -eq $Mode })
    $plain = @($all | Where-Object { $_.Name -notmatch '[\x00-\x1f\x7f-\x9f\u2028\u2029]' })
    if ($plain.Count -gt 0) {
        return , $plain
    }
    return , $all
}

function New-VmwScenarioStartState {
    <#
    .SYNOPSIS
    A vCenter that needs every kind of change the script makes: vgpu.hotmigrate.enabled off,
    a vGPU host in Shared (configured and active) with its vGPU VMs off, the vGPU mode not
    set, VMs without devices / with another profile / with an extra device, reservation not
    locked, memory and MMIO not set, DRS objects missing, with wrong members or disabled.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog)
    $s = New-VmwScenarioDeclaredState -Model $Model -Catalog $Catalog
    $s['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] = 'false'
    $vgpuHosts = Get-VmwVgpuHosts -Model $Model
    $shared = $null
    foreach ($h in $s['hosts']) {
        if ($h['graphics'].Contains('vgpu_mode')) {
            $h['graphics']['vgpu_mode'] = 'sameSize'
        }
        if ($null -eq $shared -and $vgpuHosts.ContainsKey([string]$h['name'])) {
            $shared = [string]$h['name']
            $h['graphics']['default_type'] = 'shared'
            $h['graphics']['active_type'] = 'shared'
        } elseif ([string]$h['graphics']['default_type'] -eq 'shared') {
            # A host the file declares `graphics shared` starts in Shared Direct.
            $h['graphics']['default_type'] = 'sharedDirect'
            $h['graphics']['active_type'] = 'sharedDirect'
        }
    }
    $i = 0
    foreach ($v in $s['vms']) {
        $d = @($Model.Vms | Where-Object { $_.Name -ceq [string]$v['name'] })[0]
        $v['memory_reservation_locked_to_max'] = $false
        $v['extra_config'] = [ordered]@{}
        if ($d.MemoryBytes -gt 0) {
            $v['memory_mb'] = [int]($d.MemoryBytes / 2097152)
        }
        $onShared = $v['host'] -ceq $shared
        switch ($i % 3) {
            0 { $v['devices'] = @() }
            1 {
                if ($d.Mode -eq 'gpup') {
                    $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = (Get-VmwOtherProfile -Model $Model -Catalog $Catalog -Vm $d) })
                } else {
                    $v['devices'] = @()
                }
            }
            2 { $v['devices'] = @($v['devices']) + @($v['devices'][0]) }
        }
        # vGPU devices cannot run on a host whose active type is not Shared Direct.
        if ($onShared -and @($v['devices'] | Where-Object { $_['type'] -eq 'vgpu' }).Count -gt 0) {
            $v['power_state'] = 'PoweredOff'
        } elseif ($i % 2 -eq 1) {
            $v['power_state'] = 'PoweredOff'
        }
        $i++
    }
    $c = $s['clusters'][0]
    $groups = [System.Collections.Generic.List[object]]::new()
    $rules = [System.Collections.Generic.List[object]]::new()
    $k = 0
    foreach ($v in (Get-VmwPinned -Model $Model)) {
        $vmG = ('vgpuc-{0}-vm' -f $v.Name); $hG = ('vgpuc-{0}-hosts' -f $v.Name); $rN = ('vgpuc-{0}-should-run-on' -f $v.Name)
        switch ($k % 3) {
            0 { }
            1 {
                $other = @($Model.Hosts | Where-Object { $v.Owners -notcontains $_.Name } | ForEach-Object { $_.Name })
                $groups.Add([ordered]@{ name = $vmG; type = 'VM'; members = @() })
                $groups.Add([ordered]@{ name = $hG; type = 'VMHost'; members = @($v.Owners | Select-Object -First 1) + @($other | Select-Object -First 1) })
                $rules.Add([ordered]@{ name = $rN; vm_group = $vmG; host_group = $hG; type = 'ShouldRunOn'; enabled = $true })
            }
            2 {
                $groups.Add([ordered]@{ name = $vmG; type = 'VM'; members = @($v.Name) })
                $groups.Add([ordered]@{ name = $hG; type = 'VMHost'; members = @($v.Owners) })
                $rules.Add([ordered]@{ name = $rN; vm_group = $vmG; host_group = $hG; type = 'ShouldRunOn'; enabled = $false })
            }
        }
        $k++
    }
    $c['drs_groups'] = $groups.ToArray()
    $c['drs_rules'] = $rules.ToArray()
    return @{ State = $s }
}

function Get-VmwOtherProfile {
    # Another profile of the VM's GPU model that its host offers (a profile change).
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog, [Parameter(Mandatory)][hashtable]$Vm)
    $all = @($Catalog[$Vm.Model].Profiles.Keys | Sort-Object | Where-Object { $_ -ne $Vm.Profile -and $_.EndsWith(([string]$Vm.Profile).Substring(([string]$Vm.Profile).Length - 1)) })
    if ($all.Count -eq 0) {
        $all = @($Catalog[$Vm.Model].Profiles.Keys | Sort-Object | Where-Object { $_ -ne $Vm.Profile })
    }
    return (Get-VmwProfileString -Profile $all[0])
}

function New-VmwFailure {
    [CmdletBinding()]
    param([string]$Message, [string]$Vm = '', [string]$HostName = '')
    return @{ Message = $Message; Vm = $Vm; Host = $HostName }
}

function Assert-VmwScenarioDeclared {
    <#
    .SYNOPSIS
    Every difference between a state and what the file declares, as failures
    @{ Message; Vm; Host }. With -Before, a VM must also be in its earlier power state.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Model,
        [Parameter(Mandatory)][hashtable]$Catalog,
        [Parameter(Mandatory)][System.Collections.IDictionary]$State,
        [System.Collections.IDictionary]$Before
    )
    $f = [System.Collections.Generic.List[object]]::new()
    $want = New-VmwScenarioDeclaredState -Model $Model -Catalog $Catalog
    if ($want['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] -eq 'true' -and
        [string]$State['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] -ne 'true') {
        $f.Add((New-VmwFailure -Message 'vCenter: vgpu.hotmigrate.enabled is not true' -HostName ([string]$State['vcenter']['name'])))
    }
    $vgpuHosts = Get-VmwVgpuHosts -Model $Model
    foreach ($wh in $want['hosts']) {
        $name = [string]$wh['name']
        $h = Get-VmwHost -State $State -Name $name
        if ($null -eq $h) {
            $f.Add((New-VmwFailure -Message ('host {0} is gone' -f $name) -HostName $name))
            continue
        }
        if ($wh['graphics']['default_type'] -eq 'shared' -and [string]$h['graphics']['default_type'] -ne 'shared') {
            $f.Add((New-VmwFailure -Message ('host {0}: graphics default_type is {1}, the file declares shared' -f $name, $h['graphics']['default_type']) -HostName $name))
        }
        if ($vgpuHosts.ContainsKey($name)) {
            foreach ($k in @('default_type', 'active_type')) {
                if ([string]$h['graphics'][$k] -ne 'sharedDirect') {
                    $f.Add((New-VmwFailure -Message ('host {0}: graphics {1} is {2}, not sharedDirect' -f $name, $k, $h['graphics'][$k]) -HostName $name))
                }
            }
            if ($wh['graphics'].Contains('vgpu_mode') -and (-not $h['graphics'].Contains('vgpu_mode') -or $h['graphics']['vgpu_mode'] -ne 'mixedSize')) {
                $f.Add((New-VmwFailure -Message ('host {0}: the vGPU mode is not mixedSize' -f $name) -HostName $name))
            }
        }
        foreach ($wg in $wh['gpus']) {
            $g = @($h['gpus'] | Where-Object { $_['pci_id'] -ceq $wg['pci_id'] })[0]
            if ($wg['passthrough_enabled'] -and -not $g['passthrough_enabled']) {
                $f.Add((New-VmwFailure -Message ('host {0}: GPU {1} is not enabled for passthrough' -f $name, $wg['pci_id']) -HostName $name))
            }
        }
    }
    foreach ($wv in $want['vms']) {
        $name = [string]$wv['name']
        $x = @(Get-VmwClusterVm -State $State -Name $name -Cluster $Model.Name)
        if ($x.Count -ne 1) {
            $f.Add((New-VmwFailure -Message ('VM {0}: {1} copies in the state' -f $name, $x.Count) -Vm $name))
            continue
        }
        $v = $x[0]
        $have = (@($v['devices']) | ForEach-Object { ConvertTo-Json -InputObject $_ -Compress }) -join ' '
        $need = (@($wv['devices']) | ForEach-Object { ConvertTo-Json -InputObject $_ -Compress }) -join ' '
        if ($have -cne $need) {
            $f.Add((New-VmwFailure -Message ('VM {0}: devices [{1}], declared [{2}]' -f $name, $have, $need) -Vm $name))
        }
        if ([string]$v['firmware'] -ne [string]$wv['firmware'] -and ($v['power_state'] -eq 'PoweredOff' -or $wv['extra_config'].Count -gt 0)) {
            # Changed only on a VM that is off (a running one is drift, or refused where its GPU needs EFI).
            $f.Add((New-VmwFailure -Message ('VM {0}: firmware {1}, declared {2}' -f $name, $v['firmware'], $wv['firmware']) -Vm $name))
        }
        if (-not $v['memory_reservation_locked_to_max']) {
            $f.Add((New-VmwFailure -Message ('VM {0}: the memory reservation is not locked to the memory size' -f $name) -Vm $name))
        }
        $d = @($Model.Vms | Where-Object { $_.Name -ceq $name })[0]
        if ($d.MemoryBytes -gt 0 -and [int]$v['memory_mb'] -ne [int]$wv['memory_mb']) {
            $f.Add((New-VmwFailure -Message ('VM {0}: memory {1} MB, declared {2} MB' -f $name, $v['memory_mb'], $wv['memory_mb']) -Vm $name))
        }
        foreach ($k in @($wv['extra_config'].Keys)) {
            if (-not $v['extra_config'].Contains($k) -or [string]$v['extra_config'][$k] -ne [string]$wv['extra_config'][$k]) {
                $f.Add((New-VmwFailure -Message ('VM {0}: extra config {1} is not {2}' -f $name, $k, $wv['extra_config'][$k]) -Vm $name))
            }
        }
        if ($Before) {
            $b = @(Get-VmwClusterVm -State $Before -Name $name -Cluster $Model.Name)
            if ($b.Count -eq 1 -and $b[0]['power_state'] -ne $v['power_state']) {
                $f.Add((New-VmwFailure -Message ('VM {0} was {1} and is {2}' -f $name, $b[0]['power_state'], $v['power_state']) -Vm $name))
            }
        }
    }
    $c = @($State['clusters'] | Where-Object { $_['name'] -ceq $Model.Name })[0]
    $wc = $want['clusters'][0]
    foreach ($wg in $wc['drs_groups']) {
        $g = @($c['drs_groups'] | Where-Object { $_['name'] -ceq $wg['name'] })
        $vm = ([string]$wg['name'] -replace '^vgpuc-', '') -replace '-(vm|hosts)$', ''
        if ($g.Count -ne 1) {
            $f.Add((New-VmwFailure -Message ('DRS group {0}: {1} in the cluster' -f $wg['name'], $g.Count) -Vm $vm))
        } elseif ($wg['type'] -eq 'VM') {
            # A VM group holds the pinned VM; other members are drift (-RemoveUndeclared).
            foreach ($mv in @($wg['members'])) {
                if (@($g[0]['members']) -cnotcontains $mv) {
                    $f.Add((New-VmwFailure -Message ('DRS group {0}: members {1}, {2} missing' -f $wg['name'], (@($g[0]['members']) -join ','), $mv) -Vm $vm))
                }
            }
        } elseif (((@($g[0]['members']) | Sort-Object) -join '|') -cne ((@($wg['members']) | Sort-Object) -join '|')) {
            $f.Add((New-VmwFailure -Message ('DRS group {0}: members {1}, declared {2}' -f $wg['name'], (@($g[0]['members']) -join ','), (@($wg['members']) -join ',')) -Vm $vm))
        }
    }
    foreach ($wr in $wc['drs_rules']) {
        $r = @($c['drs_rules'] | Where-Object { $_['name'] -ceq $wr['name'] })
        $vm = ([string]$wr['name'] -replace '^vgpuc-', '') -replace '-should-run-on$', ''
        if ($r.Count -ne 1) {
            $f.Add((New-VmwFailure -Message ('DRS rule {0}: {1} in the cluster' -f $wr['name'], $r.Count) -Vm $vm))
            continue
        }
        foreach ($k in @('vm_group', 'host_group', 'type', 'enabled')) {
            if ([string]$r[0][$k] -cne [string]$wr[$k]) {
                $f.Add((New-VmwFailure -Message ('DRS rule {0}: {1} is {2}, declared {3}' -f $wr['name'], $k, $r[0][$k], $wr[$k]) -Vm $vm))
            }
        }
    }
    return $f.ToArray()
}

function Assert-VmwScenarioUntouched {
    # The named VMs (or the VMs of these ids) are exactly as before (devices, power, settings).
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$Before, [Parameter(Mandatory)][System.Collections.IDictionary]$After, [AllowEmptyCollection()][string[]]$VmNames = @(), [AllowEmptyCollection()][string[]]$VmIds = @())
    $f = [System.Collections.Generic.List[object]]::new()
    foreach ($id in $VmIds) {
        $b = @($Before['vms'] | Where-Object { [string]$_['id'] -ceq $id })
        $a = @($After['vms'] | Where-Object { [string]$_['id'] -ceq $id })
        if ($b.Count -eq 1 -and ($a.Count -ne 1 -or (ConvertTo-Json -InputObject $a[0] -Depth 20 -Compress) -cne (ConvertTo-Json -InputObject $b[0] -Depth 20 -Compress))) {
            $f.Add((New-VmwFailure -Message ('VM {0} ({1}, on {2}), which the file does not declare, was changed' -f $b[0]['name'], $id, $b[0]['host']) -Vm ([string]$b[0]['name'])))
        }
    }
    foreach ($n in $VmNames) {
        $b = @($Before['vms'] | Where-Object { $_['name'] -ceq $n })
        $a = @($After['vms'] | Where-Object { $_['name'] -ceq $n })
        for ($i = 0; $i -lt $b.Count; $i++) {
            $bj = ConvertTo-Json -InputObject $b[$i] -Depth 20 -Compress
            $same = @($a | Where-Object { (ConvertTo-Json -InputObject $_ -Depth 20 -Compress) -ceq $bj })
            if ($same.Count -eq 0) {
                $f.Add((New-VmwFailure -Message ('VM {0} ({1}), which the file does not declare, was changed' -f $n, $b[$i]['id']) -Vm $n))
            }
        }
    }
    return $f.ToArray()
}

function Get-VmwScenarioPowerFailure {
    # VMs not in the power state they had before the run, and not explained in the output.
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$Before, [Parameter(Mandatory)][System.Collections.IDictionary]$After, [Parameter(Mandatory)][hashtable]$Run, [Parameter(Mandatory)][string]$Pattern)
    $m = [System.Collections.Generic.List[string]]::new()
    $now = @{}
    foreach ($v in $After['vms']) {
        $now[[string]$v['id']] = $v
    }
    foreach ($v in $Before['vms']) {
        $a = $now[[string]$v['id']]
        $state = $(if ($a) { $a['power_state'] } else { '<gone>' })
        if ($state -ne $v['power_state']) {
            $named = @($Run.Lines | Where-Object { $_.Contains([string]$v['name']) -and $_ -match $Pattern }).Count -gt 0
            if (-not $named) {
                $m.Add(('VM {0} was {1} and is {2}, and the output does not say why' -f $v['name'], $v['power_state'], $state))
            }
        }
    }
    return $m.ToArray()
}

function Get-VmwScenarioExcused {
    # What a fault at a call may leave undone: the VM it targets, or every VM on the host it
    # targets (a host step blocks the VMs that need it).
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$Start, [Parameter(Mandatory)][System.Collections.IDictionary]$Call)
    $target = $(if ($Call.Contains('target')) { [string]$Call['target'] } else { '' })
    $vms = @($Start['vms'] | Where-Object { [string]$_['name'] -ceq $target -or [string]$_['id'] -ceq $target } | ForEach-Object { [string]$_['name'] })
    if ($vms.Count -gt 0) {
        return @{ Vms = $vms; Hosts = @() }
    }
    $hostName = $(if ($Call.Contains('host') -and $Call['host']) { [string]$Call['host'] } else { $target })
    $hosts = @($Start['hosts'] | Where-Object { [string]$_['name'] -ceq $hostName -or [string]$_['name'] -ceq $target } | ForEach-Object { [string]$_['name'] })
    if ($hosts.Count -eq 0) {
        # A cluster- or vCenter-wide step (DRS, an advanced setting): what it sets is excused.
        return @{ Vms = @($Start['vms'] | ForEach-Object { [string]$_['name'] }); Hosts = @($target, [string]$Start['vcenter']['name']); Global = $true }
    }
    $vms = @($Start['vms'] | Where-Object { $hosts -contains [string]$_['host'] } | ForEach-Object { [string]$_['name'] })
    return @{ Vms = $vms; Hosts = $hosts }
}

function New-VmwUndeclaredVm {
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State, [Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][string]$HostName, [object[]]$Devices)
    return [ordered]@{
        name = $Name; id = ('vm-{0}' -f (9000 + @($State['vms']).Count)); host = $HostName; power_state = 'PoweredOn'; tools_running = $true
        hardware_version = 19; firmware = 'efi'; memory_mb = 8192; memory_reservation_locked_to_max = $true; extra_config = [ordered]@{}; devices = $Devices
    }
}

function Get-VmwVgpuRoom {
    # The host with the most room for one more vGPU of a profile, counted as the plan counts
    # (same size: GPUs not given to DirectPath I/O, each with vGPUs of one profile up to its
    # maximum; mixed size: frame buffer), and that room (vGPUs). @{ Host; Room }.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog, [Parameter(Mandatory)][string]$Profile, [Parameter(Mandatory)][string]$GpuModel)
    $x = Get-VmwModelExtra -Model $Model
    $sz = $Catalog[$GpuModel].Sizes
    $best = @{ Host = $null; Room = -1 }
    foreach ($h in $Model.Hosts) {
        $free = @($h.Gpus | Where-Object { $_.Model -eq $GpuModel -and $_.Use -ne 'passthrough' }).Count
        if ($free -eq 0) {
            continue
        }
        $on = @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' -and $_.Model -eq $GpuModel -and $_.Host -ceq $h.Name })
        if ($x.Mode[$h.Name] -eq 'mixed-size') {
            $fb = 0
            foreach ($v in $on) {
                $fb += $sz[[string]$v.Profile].FbMb * [Math]::Max(1, $v.Count)
            }
            $room = [Math]::Floor(($free * $Catalog[$GpuModel].FbMb - $fb) / $sz[$Profile].FbMb)
        } else {
            $busy = 0
            $same = 0
            foreach ($grp in @($on | Group-Object -Property Profile)) {
                $n = 0
                foreach ($v in $grp.Group) {
                    $n += [Math]::Max(1, $v.Count)
                }
                if ($grp.Name -ceq $Profile) {
                    $same = $n
                } else {
                    $busy += [Math]::Ceiling($n / [Math]::Max(1, $sz[$grp.Name].Max))
                }
            }
            $room = ($free - $busy) * $sz[$Profile].Max - $same
        }
        if ($room -gt $best.Room) {
            $best = @{ Host = $h.Name; Room = [int]$room }
        }
    }
    return $best
}

function New-VmwScenarioDriftState {
    <#
    .SYNOPSIS
    Drift variants of a converged state: a VM with another profile, an extra device, a
    DirectPath I/O device where vGPU is declared (or a vGPU where DirectPath I/O is), an
    undeclared VM holding a vGPU, a GPU enabled for passthrough that the plan does not use.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog, [Parameter(Mandatory)][System.Collections.IDictionary]$Converged)
    $variants = [System.Collections.Generic.List[object]]::new()
    $skipped = [System.Collections.Generic.List[string]]::new()
    $vg = @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' })
    $pt = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' })
    if ($vg.Count -gt 0) {
        $s = Copy-VmwState -State $Converged
        $v = @(Get-VmwVm -State $s -Name $vg[0].Name)[0]
        $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = (Get-VmwOtherProfile -Model $Model -Catalog $Catalog -Vm $vg[0]) })
        $variants.Add(@{ Name = ('other profile on ' + $vg[0].Name); State = $s; UndeclaredVm = $null; UndeclaredGpu = $null })
        $s = Copy-VmwState -State $Converged
        $v = @(Get-VmwVm -State $s -Name $vg[-1].Name)[0]
        $v['devices'] = @($v['devices']) + @([ordered]@{ type = 'vgpu'; profile = (Get-VmwProfileString -Profile ([string]$vg[-1].Profile)) })
        $variants.Add(@{ Name = ('extra vGPU on ' + $vg[-1].Name); State = $s; UndeclaredVm = $null; UndeclaredGpu = $null })
        $s = Copy-VmwState -State $Converged
        $v = @(Get-VmwVm -State $s -Name $vg[0].Name)[0]
        $pci = Get-VmwModelPci -Model $Model -GpuModel $vg[0].Model
        $v['power_state'] = 'PoweredOff'
        $v['devices'] = @([ordered]@{ type = 'dynamic_passthrough'; vendor_id = $pci.Vendor; device_id = $pci.Device })
        $variants.Add(@{ Name = ('DirectPath I/O instead of vGPU on ' + $vg[0].Name); State = $s; UndeclaredVm = $null; UndeclaredGpu = $null })
        $s = Copy-VmwState -State $Converged
        # On the host with the most room for one more vGPU of that profile; powered off where
        # none has room (a running one could not be: the pre-flight refuses that state).
        $room = Get-VmwVgpuRoom -Model $Model -Catalog $Catalog -Profile ([string]$vg[0].Profile) -GpuModel ([string]$vg[0].Model)
        $hn = $room.Host
        $u = New-VmwUndeclaredVm -State $s -Name 'vgpuc-undeclared-01' -HostName $hn -Devices @([ordered]@{ type = 'vgpu'; profile = (Get-VmwProfileString -Profile ([string]$vg[0].Profile)) })
        if ($room.Room -lt 1) {
            $u['power_state'] = 'PoweredOff'
        }
        $s['vms'] = @($s['vms']) + @($u)
        $variants.Add(@{ Name = ('undeclared VM with a vGPU ({0} on {1})' -f $u['power_state'], $hn); State = $s; UndeclaredVm = 'vgpuc-undeclared-01'; UndeclaredGpu = $null })
    } else {
        $skipped.Add('no vGPU VM: profile, extra vGPU and undeclared vGPU VM variants not shown')
    }
    if ($pt.Count -gt 0) {
        $s = Copy-VmwState -State $Converged
        $v = @(Get-VmwVm -State $s -Name $pt[0].Name)[0]
        $v['power_state'] = 'PoweredOff'
        $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = (Get-VmwProfileString -Profile (@($Catalog[$pt[0].Model].Profiles.Keys | Sort-Object)[0])) })
        $variants.Add(@{ Name = ('vGPU instead of DirectPath I/O on ' + $pt[0].Name); State = $s; UndeclaredVm = $null; UndeclaredGpu = $null })
    }
    # DRS: a VM the file does not pin there in a vgpuc-made VM group (another VM in a pinned
    # VM's group; the group and rule of a VM the file does not pin).
    $pinned = @(Get-VmwPinned -Model $Model)
    $loose = @($Model.Vms | Where-Object { -not ($_.Pin -or @($_.PinHosts).Count -gt 0) })
    if ($pinned.Count -gt 0 -and @($Model.Vms).Count -gt 1) {
        $p = $pinned[0]
        $o = @($Model.Vms | Where-Object { $_.Name -cne $p.Name })[0]
        $s = Copy-VmwState -State $Converged
        $g = @($s['clusters'][0]['drs_groups'] | Where-Object { $_['name'] -ceq ('vgpuc-{0}-vm' -f $p.Name) })[0]
        $g['members'] = @($g['members']) + @($o.Name)
        $variants.Add(@{ Name = ('{0} in the DRS group of pinned {1}' -f $o.Name, $p.Name); State = $s; UndeclaredVm = $null; UndeclaredGpu = $null; UndeclaredDrs = @{ Group = ('vgpuc-{0}-vm' -f $p.Name); Vm = $o.Name } })
    }
    if ($loose.Count -gt 0) {
        $u = $loose[0]
        $s = Copy-VmwState -State $Converged
        $c = $s['clusters'][0]
        $c['drs_groups'] = @($c['drs_groups']) + @([ordered]@{ name = ('vgpuc-{0}-vm' -f $u.Name); type = 'VM'; members = @($u.Name) }, [ordered]@{ name = ('vgpuc-{0}-hosts' -f $u.Name); type = 'VMHost'; members = @([string]$Model.Hosts[0].Name) })
        $c['drs_rules'] = @($c['drs_rules']) + @([ordered]@{ name = ('vgpuc-{0}-should-run-on' -f $u.Name); vm_group = ('vgpuc-{0}-vm' -f $u.Name); host_group = ('vgpuc-{0}-hosts' -f $u.Name); type = 'ShouldRunOn'; enabled = $true })
        $variants.Add(@{ Name = ('unpinned {0} in a DRS group vgpuc made for an earlier pin' -f $u.Name); State = $s; UndeclaredVm = $null; UndeclaredGpu = $null; UndeclaredDrs = @{ Group = ('vgpuc-{0}-vm' -f $u.Name); Vm = $u.Name } })
    }
    # A free GPU enabled for passthrough that no DirectPath I/O VM is planned on.
    $free = $null
    foreach ($h in $Model.Hosts) {
        foreach ($g in $h.Gpus) {
            if ($null -eq $free -and $g.Use -eq 'free') {
                $free = @{ Host = $h.Name; PciId = ('0000:{0:x2}:00.0' -f (0x3b + $g.Index)) }
            }
        }
    }
    if ($free) {
        $s = Copy-VmwState -State $Converged
        $g = @((Get-VmwHost -State $s -Name $free.Host)['gpus'] | Where-Object { $_['pci_id'] -ceq $free.PciId })[0]
        $g['passthrough_enabled'] = $true
        $g['passthrough_active'] = $true
        $variants.Add(@{ Name = ('undeclared passthrough GPU {0} on {1}' -f $free.PciId, $free.Host); State = $s; UndeclaredVm = $null; UndeclaredGpu = $free })
    } else {
        $skipped.Add('no free GPU: the undeclared passthrough GPU variant is not shown')
    }
    return @{ Variants = $variants.ToArray(); Skipped = $skipped.ToArray() }
}

function Test-VmwScenarioUndeclared {
    # The drift check's verdict on the undeclared VM / GPU of a variant.
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Variant, [Parameter(Mandatory)][System.Collections.IDictionary]$After, [Parameter(Mandatory)][hashtable]$Run, [switch]$Remove, [Parameter(Mandatory)][string]$PowerPattern)
    $m = [System.Collections.Generic.List[string]]::new()
    $say = { param($t) @($Run.Lines | Where-Object { $_.Contains($t) }).Count -gt 0 }
    if ($Variant.UndeclaredVm) {
        $n = $Variant.UndeclaredVm
        if (-not $Remove) {
            foreach ($f in (Assert-VmwScenarioUntouched -Before $Variant.State -After $After -VmNames @($n))) {
                $m.Add($f.Message)
            }
            if (-not (& $say $n)) {
                $m.Add(('the undeclared VM {0} is not reported' -f $n))
            }
        } else {
            $x = @(Get-VmwVm -State $After -Name $n)
            $b = @(Get-VmwVm -State $Variant.State -Name $n)[0]
            if ($x.Count -ne 1) {
                $m.Add(('-RemoveUndeclared: the undeclared VM {0} is gone (a VM is never deleted)' -f $n))
            } else {
                if (@($x[0]['devices']).Count -ne 0) {
                    $m.Add(('-RemoveUndeclared: the undeclared VM {0} still holds a GPU device' -f $n))
                }
                if ($x[0]['power_state'] -ne $b['power_state']) {
                    $m.Add(('-RemoveUndeclared: the undeclared VM {0} was {1} and is {2}' -f $n, $b['power_state'], $x[0]['power_state']))
                }
            }
        }
    }
    if ($Variant.ContainsKey('UndeclaredDrs') -and $Variant.UndeclaredDrs) {
        $ud = $Variant.UndeclaredDrs
        $g = @(@($After['clusters'] | Where-Object { $_['name'] -ceq $Variant.State['clusters'][0]['name'] })[0]['drs_groups'] | Where-Object { $_['name'] -ceq $ud.Group })
        $in = $g.Count -eq 1 -and @($g[0]['members']) -ccontains $ud.Vm
        if (-not $Remove) {
            if (-not $in) {
                $m.Add(('{0} was taken out of DRS group {1} without -RemoveUndeclared' -f $ud.Vm, $ud.Group))
            }
            if (-not (& $say $ud.Group)) {
                $m.Add(('the DRS drift of {0} in {1} is not reported' -f $ud.Vm, $ud.Group))
            }
        } elseif ($in) {
            $m.Add(('-RemoveUndeclared: {0} is still in DRS group {1}' -f $ud.Vm, $ud.Group))
        }
    }
    if ($Variant.UndeclaredGpu) {
        $ug = $Variant.UndeclaredGpu
        $g = @((Get-VmwHost -State $After -Name $ug.Host)['gpus'] | Where-Object { $_['pci_id'] -ceq $ug.PciId })[0]
        if (-not $Remove) {
            if (-not $g['passthrough_enabled']) {
                $m.Add(('GPU {0} on {1} (enabled for passthrough, not declared) was disabled without -RemoveUndeclared' -f $ug.PciId, $ug.Host))
            }
            if (-not (& $say $ug.PciId)) {
                $m.Add(('the undeclared passthrough GPU {0} on {1} is not reported' -f $ug.PciId, $ug.Host))
            }
        } elseif ($g['passthrough_enabled']) {
            $m.Add(('-RemoveUndeclared: passthrough is still enabled on GPU {0} of {1}' -f $ug.PciId, $ug.Host))
        }
    }
    return $m.ToArray()
}

function New-VmwProblem {
    # A problem the output must name. A token with a control character is looked for as the
    # scripts print it (common.ps1 Format-VgpucText: \u{XXXX}).
    [CmdletBinding()]
    param([string]$Kind, [string[]]$Tokens, [string]$Pattern = '')
    $shown = @($Tokens | ForEach-Object {
            $t = [string]$_
            $sb = [System.Text.StringBuilder]::new()
            foreach ($ch in $t.ToCharArray()) {
                $code = [int]$ch
                if ($code -lt 0x20 -or ($code -ge 0x7F -and $code -le 0x9F) -or $code -eq 0x2028 -or $code -eq 0x2029) {
                    $null = $sb.AppendFormat('\u{{{0:X4}}}', $code)
                } else {
                    $null = $sb.Append($ch)
                }
            }
            $sb.ToString()
        })
    return @{ Kind = $Kind; Tokens = $shown; Pattern = $Pattern }
}

function New-VmwScenarioPreflightState {
    <#
    .SYNOPSIS
    States the pre-flight must refuse, each with the problems its output must name: another
    vGPU Manager, the module not loaded, a GPU missing, a VM missing, two VMs of one name in
    the cluster, the cluster missing, hardware version 16 / BIOS for DirectPath I/O, not
    enough GPUs for DirectPath I/O, a profile the host does not offer.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog)
    $out = [System.Collections.Generic.List[object]]::new()
    $base = New-VmwScenarioDeclaredState -Model $Model -Catalog $Catalog
    $vgpuHosts = Get-VmwVgpuHosts -Model $Model
    $vh = @($Model.Hosts | Where-Object { $vgpuHosts.ContainsKey($_.Name) -and $_.Driver })
    if ($vh.Count -gt 0) {
        $s = Copy-VmwState -State $base
        $h = Get-VmwHost -State $s -Name $vh[0].Name
        $h['nvidia_component']['version'] = '535.161.05' + $script:ComponentSuffix
        $out.Add(@{ Name = 'wrong vGPU Manager'; State = $s; Problems = @(New-VmwProblem -Kind 'driver' -Tokens @($vh[0].Name, [string]$vh[0].Driver)) })
        $s = Copy-VmwState -State $base
        (Get-VmwHost -State $s -Name $vh[-1].Name)['nvidia_module_loaded'] = $false
        $out.Add(@{ Name = 'module not loaded'; State = $s; Problems = @(New-VmwProblem -Kind 'module' -Tokens @($vh[-1].Name) -Pattern '(?i)module|loaded') })
    }
    $s = Copy-VmwState -State $base
    $h = $s['hosts'][0]
    $h['gpus'] = @($h['gpus'] | Select-Object -Skip 1)
    $out.Add(@{ Name = 'GPU missing'; State = $s; Problems = @(New-VmwProblem -Kind 'gpu' -Tokens @([string]$h['name']) -Pattern '(?i)GPU') })
    $plainVms = Get-VmwPlainVm -Model $Model
    if (@($Model.Vms).Count -gt 0) {
        $gone = $plainVms[-1].Name
        $s = Copy-VmwState -State $base
        $s['vms'] = @($s['vms'] | Where-Object { $_['name'] -cne $gone })
        $out.Add(@{ Name = 'VM missing'; State = $s; Problems = @(New-VmwProblem -Kind 'vm' -Tokens @($gone)) })
        $s = Copy-VmwState -State $base
        $twin = Copy-VmwState -State @(Get-VmwVm -State $s -Name $plainVms[0].Name)[0]
        $twin['id'] = 'vm-8999'
        $twin['name'] = ([string]$twin['name']).ToUpperInvariant()
        $twin['devices'] = @()
        $s['vms'] = @($s['vms']) + @($twin)
        $out.Add(@{ Name = 'two VMs of one name (case-insensitive) in the cluster'; State = $s; Problems = @(New-VmwProblem -Kind 'duplicate' -Tokens @($plainVms[0].Name) -Pattern '\b2\b') })
    }
    $s = Copy-VmwState -State $base
    $s['clusters'][0]['name'] = $Model.Name + '-other'
    foreach ($h in $s['hosts']) {
        $h['cluster'] = $Model.Name + '-other'
    }
    $out.Add(@{ Name = 'cluster missing'; State = $s; Problems = @(New-VmwProblem -Kind 'cluster' -Tokens @($Model.Name) -Pattern '(?i)cluster') })
    $pt = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' })
    if ($pt.Count -gt 0) {
        $pt = Get-VmwPlainVm -Model $Model -Mode 'dda'
        $s = Copy-VmwState -State $base
        $v = @(Get-VmwVm -State $s -Name $pt[0].Name)[0]
        $v['hardware_version'] = 16
        $v['firmware'] = 'bios'
        $out.Add(@{ Name = 'DirectPath I/O VM with hardware version 16 and BIOS'; State = $s; Problems = @(
                    (New-VmwProblem -Kind 'hardware' -Tokens @($pt[0].Name, '16')),
                    (New-VmwProblem -Kind 'firmware' -Tokens @($pt[0].Name) -Pattern '(?i)EFI')) })
        $s = Copy-VmwState -State $base
        $h = Get-VmwHost -State $s -Name $pt[0].Host
        $keep = @($h['gpus'] | Where-Object { $_['model'] -ne $pt[0].Model })
        $h['gpus'] = $keep
        $out.Add(@{ Name = 'no GPU for DirectPath I/O'; State = $s; Problems = @(New-VmwProblem -Kind 'capacity' -Tokens @($pt[0].Host) -Pattern '(?i)GPU') })
    }
    $vg = @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' })
    if ($vg.Count -gt 0) {
        $s = Copy-VmwState -State $base
        $p = Get-VmwProfileString -Profile ([string]$vg[0].Profile)
        $h = Get-VmwHost -State $s -Name $vg[0].Host
        $h['graphics']['shared_passthru_gpu_types'] = @($h['graphics']['shared_passthru_gpu_types'] | Where-Object { $_ -cne $p })
        $out.Add(@{ Name = 'profile not offered'; State = $s; Problems = @(New-VmwProblem -Kind 'profile' -Tokens @($vg[0].Name, $p)) })
        # vGPU capacity: running VMs the file does not declare fill the host's GPUs with a
        # whole-GPU profile of the model, so the declared vGPUs there do not fit.
        $hn = [string]$vg[0].Host
        $s = Copy-VmwState -State $base
        $h = Get-VmwHost -State $s -Name $hn
        $full = @($Catalog[$vg[0].Model].Sizes.Keys | Where-Object { -not $Catalog[$vg[0].Model].Sizes[$_].Mig -and $Catalog[$vg[0].Model].Sizes[$_].FbMb -eq $Catalog[$vg[0].Model].FbMb } | Sort-Object)[0]
        $n = @($h['gpus'] | Where-Object { $_['model'] -eq $vg[0].Model -and -not $_['passthrough_active'] }).Count
        for ($k = 0; $k -lt $n; $k++) {
            $s['vms'] = @($s['vms']) + @(New-VmwUndeclaredVm -State $s -Name ('vgpuc-other-{0:d2}' -f ($k + 1)) -HostName $hn -Devices @([ordered]@{ type = 'vgpu'; profile = (Get-VmwProfileString -Profile $full) }))
        }
        $out.Add(@{ Name = ('vGPU capacity: {0} GPU(s) of {1} taken by VMs the file does not declare' -f $n, $hn); State = $s; Problems = @(New-VmwProblem -Kind 'vgpu-capacity' -Tokens @($hn) -Pattern '(?i)do not fit') })
    }
    return $out.ToArray()
}

function New-VmwScenarioHostileState {
    <#
    .SYNOPSIS
    For a file with names a wildcard would widen ([ ] * ?) or a quote-folding lookup would
    confuse: the start state plus decoy VMs (web1 for web[12], a VM of the very same name in
    another cluster), which must be left exactly as they are. $null when no name is hostile.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog)
    $hostile = @($Model.Vms | Where-Object { $_.Name -match '[\[\]\*\?''`‘’]' })
    if ($hostile.Count -eq 0) {
        return $null
    }
    $s = (New-VmwScenarioStartState -Model $Model -Catalog $Catalog).State
    $decoys = [System.Collections.Generic.List[string]]::new()
    $other = [ordered]@{
        name = ($Model.Name + '-other'); cluster = $null; connection_state = 'Connected'; version = '8.0.2'
        nvidia_component = $null; nvidia_module_loaded = $false
        graphics = [ordered]@{ default_type = 'shared'; active_type = 'shared'; shared_passthru_gpu_types = @() }; gpus = @()
    }
    $otherCluster = $Model.Name + '-other'
    $other['cluster'] = $otherCluster
    $other['name'] = 'esx-other-01'
    $s['hosts'] = @($s['hosts']) + @($other)
    $s['clusters'] = @($s['clusters']) + @([ordered]@{ name = $otherCluster; drs_enabled = $true; drs_groups = @(); drs_rules = @() })
    $n = 0
    foreach ($v in $hostile) {
        $candidates = @()
        $plain = ($v.Name -replace '\[([^\]]*)\]', { $_.Groups[1].Value.Substring(0, 1) }) -replace '[\*\?]', 'x'
        if ($plain -cne $v.Name) {
            $candidates += $plain
        }
        $folded = $v.Name -replace '[‘’‚‛]', "'"
        if ($folded -cne $v.Name) {
            $candidates += $folded
        }
        foreach ($c in $candidates) {
            if (@($s['vms'] | Where-Object { $_['name'] -eq $c }).Count -eq 0) {
                $d = New-VmwUndeclaredVm -State $s -Name $c -HostName ([string]$v.Host) -Devices @()
                $d['memory_reservation_locked_to_max'] = $false
                $s['vms'] = @($s['vms']) + @($d)
                $decoys.Add($c)
            }
        }
        # The same name in another cluster of the same vCenter.
        $same = New-VmwUndeclaredVm -State $s -Name $v.Name -HostName 'esx-other-01' -Devices @()
        $same['id'] = ('vm-{0}' -f (9500 + $n))
        $same['memory_reservation_locked_to_max'] = $false
        $s['vms'] = @($s['vms']) + @($same)
        $n++
    }
    $ids = @($s['vms'] | Where-Object { $decoys -ccontains [string]$_['name'] -or [string]$_['host'] -ceq 'esx-other-01' } | ForEach-Object { [string]$_['id'] })
    return @{ State = $s; Decoys = $decoys.ToArray(); DecoyIds = $ids }
}

function New-VmwScenarioSpecialState {
    <#
    .SYNOPSIS
    The vSphere scenarios of issue 12, each on the converged state: a profile change, a
    passthrough GPU not yet enabled (host connected, then in maintenance mode), a host in
    the wrong graphics mode with running vGPU VMs, mixed-size mode not set, a suspended VM,
    a VM without VMware Tools. Each: @{ Name; State; Exit; Vm; Host; Expect } where Expect
    names what must hold (ScenarioChecks.psm1 Invoke-ScenarioVsphere checks it).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][hashtable]$Model, [Parameter(Mandatory)][hashtable]$Catalog, [Parameter(Mandatory)][System.Collections.IDictionary]$Converged)
    $out = [System.Collections.Generic.List[object]]::new()
    $notes = [System.Collections.Generic.List[string]]::new()
    $vg = @($Model.Vms | Where-Object { $_.Mode -eq 'gpup' })
    $pt = @($Model.Vms | Where-Object { $_.Mode -eq 'dda' })
    $x = Get-VmwModelExtra -Model $Model
    if ($vg.Count -gt 0) {
        $v = $vg[0]
        $s = Copy-VmwState -State $Converged
        @(Get-VmwVm -State $s -Name $v.Name)[0]['devices'] = @([ordered]@{ type = 'vgpu'; profile = (Get-VmwOtherProfile -Model $Model -Catalog $Catalog -Vm $v) })
        $out.Add(@{ Name = ('profile change on running VM ' + $v.Name); State = $s; Exit = 0; Vm = $v.Name; Host = $v.Host; Expect = 'converge' })

        $hn = [string]$v.Host
        $s = Copy-VmwState -State $Converged
        $h = Get-VmwHost -State $s -Name $hn
        $h['graphics']['default_type'] = 'shared'
        $out.Add(@{ Name = ('host {0}: default graphics type Shared, vGPU VMs running' -f $hn); State = $s; Exit = 0; Vm = $null; Host = $hn; Expect = 'graphics' })

        if ($x.Mode[$hn] -eq 'mixed-size') {
            $s = Copy-VmwState -State $Converged
            (Get-VmwHost -State $s -Name $hn)['graphics']['vgpu_mode'] = 'sameSize'
            $out.Add(@{ Name = ('host {0}: vGPU mode sameSize, mixed-size declared, vGPU VMs running' -f $hn); State = $s; Exit = 0; Vm = $null; Host = $hn; Expect = 'graphics' })
        } else {
            $notes.Add('the file declares no mixed-size host: the mixed-size scenario is shown by the esx-mixed-size golden')
        }

        $s = Copy-VmwState -State $Converged
        $sv = @(Get-VmwVm -State $s -Name $v.Name)[0]
        $sv['power_state'] = 'Suspended'
        $sv['devices'] = @()
        $out.Add(@{ Name = ('suspended VM ' + $v.Name); State = $s; Exit = 1; Vm = $v.Name; Host = $hn; Expect = 'skipped'; Pattern = '(?i)suspend' })

        $s = Copy-VmwState -State $Converged
        $tv = @(Get-VmwVm -State $s -Name $v.Name)[0]
        $tv['tools_running'] = $false
        $tv['devices'] = @()
        $out.Add(@{ Name = ('VM without VMware Tools ' + $v.Name); State = $s; Exit = 1; Vm = $v.Name; Host = $hn; Expect = 'skipped'; Pattern = '(?i)tools' })
    } else {
        $notes.Add('no vGPU VM: the profile, graphics, suspended and Tools scenarios are not shown')
    }
    # Firmware: a powered-off VM gets the declared firmware; a running one whose GPU does not
    # need EFI keeps its firmware and is reported (changed only while the VM is off).
    $any = Get-VmwPlainVm -Model $Model
    if (@($any).Count -gt 0) {
        $v = $any[0]
        $s = Copy-VmwState -State $Converged
        $fv = @(Get-VmwVm -State $s -Name $v.Name)[0]
        $other = $(if ($fv['firmware'] -eq 'efi') { 'bios' } else { 'efi' })
        $fv['firmware'] = $other
        $fv['power_state'] = 'PoweredOff'
        $out.Add(@{ Name = ('powered-off VM {0} with firmware {1}' -f $v.Name, $other); State = $s; Exit = 0; Vm = $v.Name; Host = $v.Host; Expect = 'converge' })
    }
    $soft = @(@($any) | Where-Object { (Get-VmwMmioGb -Vm $_ -Catalog $Catalog) -eq 0 })
    if ($soft.Count -gt 0) {
        $v = $soft[0]
        $s = Copy-VmwState -State $Converged
        $fv = @(Get-VmwVm -State $s -Name $v.Name)[0]
        $fv['firmware'] = $(if ($fv['firmware'] -eq 'efi') { 'bios' } else { 'efi' })
        $out.Add(@{ Name = ('running VM {0} with firmware {1}' -f $v.Name, $fv['firmware']); State = $s; Exit = 0; Vm = $v.Name; Host = $v.Host; Expect = 'skipped'; Pattern = '(?i)firmware' })
    } else {
        $notes.Add('every VM needs EFI for its GPU: the running-VM firmware drift scenario is not shown (the pre-flight refusal is)')
    }
    # A second vCenter session open before the script (open_sessions): the run acts only on
    # its -Server; the other vCenter, whose cluster, hosts and VMs have the same names, is
    # left exactly as it was.
    $s = (New-VmwScenarioStartState -Model $Model -Catalog $Catalog).State
    $o = Copy-VmwState -State $s
    $o['vcenter']['name'] = 'vc02'
    $o.Remove('platform')
    $o.Remove('faults')
    $s['other_vcenters'] = @($o)
    $s['open_sessions'] = @('vc02')
    $out.Add(@{ Name = 'a second vCenter session (vc02) open before the script'; State = $s; Exit = 0; Vm = $null; Host = $null; Expect = 'other-vcenter' })
    if ($pt.Count -gt 0) {
        $v = $pt[0]
        $hn = [string]$v.Host
        foreach ($maint in @($false, $true)) {
            $s = Copy-VmwState -State $Converged
            $h = Get-VmwHost -State $s -Name $hn
            foreach ($g in $h['gpus']) {
                $g['passthrough_enabled'] = $false
                $g['passthrough_active'] = $false
            }
            $pv = @(Get-VmwVm -State $s -Name $v.Name)[0]
            $pv['devices'] = @()
            $pv['power_state'] = 'PoweredOff'
            if ($maint) {
                $h['connection_state'] = 'Maintenance'
                foreach ($o in $s['vms']) {
                    if ([string]$o['host'] -ceq $hn) {
                        $o['power_state'] = 'PoweredOff'
                    }
                }
                $out.Add(@{ Name = ('passthrough GPU not enabled, host {0} in maintenance mode' -f $hn); State = $s; Exit = 0; Vm = $v.Name; Host = $hn; Expect = 'reboot' })
                # The same, with the reboot seen by vCenter only 30 s after RebootHost (the
                # host reads connected, with its old boot time, until then): the script must
                # wait for a later boot time, not for the first read that shows it connected.
                $u = Copy-VmwState -State $s
                $uh = Get-VmwHost -State $u -Name $hn
                $uh['boot_count'] = 0
                $uh['reboot_unseen_seconds'] = 30
                $out.Add(@{ Name = ('passthrough GPU not enabled, host {0} in maintenance mode, its reboot seen by vCenter 30 s after the call' -f $hn); State = $u; Exit = 0; Vm = $v.Name; Host = $hn; Expect = 'reboot' })
            } else {
                $out.Add(@{ Name = ('passthrough GPU not enabled on host {0}' -f $hn); State = $s; Exit = 1; Vm = $v.Name; Host = $hn; Expect = 'enable'; Pattern = '(?i)reboot' })
            }
        }
    } else {
        $notes.Add('no DirectPath I/O VM: the passthrough-enable scenarios are not shown')
    }
    return @{ Scenarios = $out.ToArray(); Notes = $notes.ToArray() }
}

Export-ModuleMember -Function New-VmwScenarioSpecialState,  New-VmwScenarioDeclaredState, New-VmwScenarioStartState, Assert-VmwScenarioDeclared,
    Assert-VmwScenarioUntouched, Get-VmwScenarioPowerFailure, Get-VmwScenarioExcused, New-VmwScenarioDriftState,
    Test-VmwScenarioUndeclared, New-VmwScenarioPreflightState, New-VmwScenarioHostileState, Copy-VmwState, Get-VmwVm,
    Get-VmwHost, Get-VmwProfileString, Get-VmwVgpuHosts
