# VSphere.State.ps1 - loads the vSphere twin's .NET types and checks a "vmware" state
# (tests/twin/README.md) before a run. Dot-sourced by Twin.psm1 (ModelFile of Platform.ps1),
# in the harness's own process: the types are then there for every simulated machine.
Set-StrictMode -Version Latest

# One assembly, once per process: the PowerCLI objects hold VMware.Vim views.
# (Two runspaces importing the harness at once may race here: the loser finds the types.)
if ($null -eq ('VMware.Vim.VimTwin' -as [type])) {
    try {
        Add-Type -Path @((Join-Path $PSScriptRoot 'VimTypes.cs'), (Join-Path $PSScriptRoot 'PowerCliTypes.cs'))
    } catch {
        if ($null -eq ('VMware.Vim.VimTwin' -as [type])) { throw }
    }
}

# Field -> check, per record kind: a missing field or a value of the wrong kind is a
# problem (the twin reads every one of them).
$script:VSphereStateSchema = @{
    vcenter = [ordered]@{ name = 'string'; version = 'string'; advanced_settings = 'map' }
    cluster = [ordered]@{ name = 'string'; drs_enabled = 'bool'; drs_groups = 'list'; drs_rules = 'list' }
    group   = [ordered]@{ name = 'string'; type = 'VM|VMHost|Host'; members = 'list' }
    rule    = [ordered]@{ name = 'string'; vm_group = 'string'; host_group = 'string'; type = 'MustRunOn|ShouldRunOn|MustNotRunOn|ShouldNotRunOn'; enabled = 'bool' }
    host    = [ordered]@{ name = 'string'; cluster = 'string?'; connection_state = 'Connected|Maintenance|Disconnected|NotResponding'; version = 'string'; nvidia_component = 'map?'; nvidia_module_loaded = 'bool'; graphics = 'map'; gpus = 'list' }
    graphics = [ordered]@{ default_type = 'shared|sharedDirect'; active_type = 'shared|sharedDirect'; shared_passthru_gpu_types = 'list' }
    gpu     = [ordered]@{ pci_id = 'string'; vendor_id = 'hex'; device_id = 'hex'; model = 'string'; passthrough_capable = 'bool'; passthrough_enabled = 'bool'; passthrough_active = 'bool' }
    vm      = [ordered]@{ name = 'string'; id = 'string'; host = 'string'; power_state = 'PoweredOn|PoweredOff|Suspended'; tools_running = 'bool'; hardware_version = 'int'; firmware = 'bios|efi'; memory_mb = 'int'; memory_reservation_locked_to_max = 'bool'; extra_config = 'map'; devices = 'list' }
}

function Test-VSphereValue {
    param($Value, [string]$Kind)
    $optional = $Kind.EndsWith('?')
    $k = $Kind.TrimEnd('?')
    if ($null -eq $Value) { return $optional -or $k -eq 'list' }
    switch ($k) {
        'string' { return ($Value -is [string]) }
        'bool' { return ($Value -is [bool]) }
        'int' { return ($Value -is [int] -or $Value -is [long]) }
        'map' { return ($Value -is [System.Collections.IDictionary]) }
        'list' { return ($Value -is [System.Collections.IList]) }
        'hex' { return ($Value -is [string] -and $Value -cmatch '^[0-9a-f]{4}$') }
        default { return ($Value -is [string] -and ($k.Split('|') -ccontains $Value)) }
    }
}

# Optional fields (state extensions): checked only when present.
function Test-VSphereOptional {
    param($Record, [string]$Where, [hashtable]$Fields)
    $out = @()
    if ($Record -isnot [System.Collections.IDictionary]) { return $out }
    foreach ($f in @($Fields.Keys | Sort-Object)) {
        if ($Record.Contains($f) -and -not (Test-VSphereValue $Record[$f] $Fields[$f])) { $out += ('{0}.{1} must be {2}' -f $Where, $f, $Fields[$f]) }
    }
    if ($Record.Contains('sub_vendor_id') -ne $Record.Contains('sub_device_id')) { $out += ('{0}: sub_vendor_id and sub_device_id come together' -f $Where) }
    return $out
}

function Test-VSphereRecord {
    param($Record, [string]$Kind, [string]$Where)
    if ($Record -isnot [System.Collections.IDictionary]) { return @("$Where is not an object") }
    $out = @()
    foreach ($f in $script:VSphereStateSchema[$Kind].Keys) {
        $want = $script:VSphereStateSchema[$Kind][$f]
        if (-not $Record.Contains($f)) {
            if (-not $want.EndsWith('?')) { $out += "$Where has no ""$f""" }
            continue
        }
        if (-not (Test-VSphereValue $Record[$f] $want)) { $out += ('{0}.{1} must be {2}' -f $Where, $f, $want.TrimEnd('?')) }
    }
    return $out
}

# The problems of a "vmware" state (empty when it can be run).
function Test-VSphereState {
    param([Parameter(Mandatory)][System.Collections.IDictionary]$State)
    $p = @()
    foreach ($top in @('vcenter', 'clusters', 'hosts', 'vms')) {
        if (-not $State.Contains($top)) { $p += "the vmware state has no ""$top""" }
    }
    if ($p.Count -gt 0) { return $p }
    $p += Test-VSphereRecord $State['vcenter'] 'vcenter' 'vcenter'
    $i = 0
    foreach ($c in @($State['clusters'])) {
        $p += Test-VSphereRecord $c 'cluster' "clusters[$i]"
        if ($c -is [System.Collections.IDictionary]) {
            $j = 0; foreach ($g in @($c['drs_groups'])) { $p += Test-VSphereRecord $g 'group' "clusters[$i].drs_groups[$j]"; $j++ }
            $j = 0; foreach ($r in @($c['drs_rules'])) { $p += Test-VSphereRecord $r 'rule' "clusters[$i].drs_rules[$j]"; $j++ }
        }
        $i++
    }
    $names = @{}
    $i = 0
    foreach ($h in @($State['hosts'])) {
        $p += Test-VSphereRecord $h 'host' "hosts[$i]"
        if ($h -is [System.Collections.IDictionary]) {
            if ($h['graphics'] -is [System.Collections.IDictionary]) {
                $p += Test-VSphereRecord $h['graphics'] 'graphics' "hosts[$i].graphics"
                if ($h['graphics'].Contains('vgpu_mode') -and -not (Test-VSphereValue $h['graphics']['vgpu_mode'] 'sameSize|mixedSize')) { $p += "hosts[$i].graphics.vgpu_mode must be sameSize|mixedSize" }
            }
            $j = 0
            foreach ($g in @($h['gpus'])) {
                $p += Test-VSphereRecord $g 'gpu' "hosts[$i].gpus[$j]"
                $p += Test-VSphereOptional $g "hosts[$i].gpus[$j]" @{ fb_mb = 'int'; sub_vendor_id = 'hex'; sub_device_id = 'hex' }
                $j++
            }
            if ($h['graphics'] -is [System.Collections.IDictionary] -and $h['graphics'].Contains('vgpu_types')) {
                $t = $h['graphics']['vgpu_types']
                if ($t -isnot [System.Collections.IDictionary]) { $p += "hosts[$i].graphics.vgpu_types must be a map" }
                else {
                    foreach ($k in @($t.Keys)) {
                        $e = $t[$k]
                        if ($e -isnot [System.Collections.IDictionary] -or -not (Test-VSphereValue $e['fb_mb'] 'int') -or -not (Test-VSphereValue $e['max'] 'int') -or ($e.Contains('max_mixed') -and -not (Test-VSphereValue $e['max_mixed'] 'int'))) {
                            $p += "hosts[$i].graphics.vgpu_types.$k must be {fb_mb, max[, max_mixed]} (integers)"
                        }
                    }
                }
            }
            $names[[string]$h['name']] = $true
        }
        $i++
    }
    $i = 0
    foreach ($v in @($State['vms'])) {
        $p += Test-VSphereRecord $v 'vm' "vms[$i]"
        if ($v -is [System.Collections.IDictionary]) {
            if ($v['host'] -is [string] -and -not $names.ContainsKey($v['host'])) { $p += ('vms[{0}].host {1} is not a host of the state' -f $i, $v['host']) }
            if ($v.Contains('guest') -and $null -ne $v['guest'] -and ($v['guest'] -isnot [System.Collections.IDictionary] -or [string]$v['guest']['os'] -notin 'windows', 'linux')) { $p += "vms[$i].guest must be {os: windows|linux, driver[, user, password]}" }
            $j = 0
            foreach ($d in @($v['devices'])) {
                $ok = ($d -is [System.Collections.IDictionary]) -and (
                    ($d['type'] -eq 'vgpu' -and $d['profile'] -is [string]) -or
                    ($d['type'] -eq 'dynamic_passthrough' -and (Test-VSphereValue $d['vendor_id'] 'hex') -and (Test-VSphereValue $d['device_id'] 'hex') -and
                        ($d.Contains('sub_vendor_id') -eq $d.Contains('sub_device_id')) -and (-not $d.Contains('sub_device_id') -or ((Test-VSphereValue $d['sub_vendor_id'] 'hex') -and (Test-VSphereValue $d['sub_device_id'] 'hex')))))
                if (-not $ok) { $p += "vms[$i].devices[$j] must be {type: vgpu, profile} or {type: dynamic_passthrough, vendor_id, device_id[, sub_vendor_id, sub_device_id]}" }
                $j++
            }
        }
        $i++
    }
    # Rollout extensions (README "Rollouts"): clusters[].image_managed, hosts[].nvidia_loaded_version,
    # hosts[].boot_count, hosts[].stale_module_after_reboot (a planted fault: the next reboot
    # leaves the old nvidia module loaded), hosts[].reboot_seconds, hosts[].reboot_unseen_seconds,
    # hosts[].nvidia_daemon_component,
    # depots (the offline bundles esxcli software component apply may install).
    $i = 0
    foreach ($c in @($State['clusters'])) { $p += Test-VSphereOptional $c "clusters[$i]" @{ image_managed = 'bool' }; $i++ }
    $i = 0
    # hosts[].reboot_seconds (how long a reboot keeps the host away on the virtual clock),
    # hosts[].reboot_unseen_seconds (how long vCenter does not yet see it), hosts[].reboot_due
    # and hosts[].rebooting (a reboot under way when a run ended: not yet seen; away,
    # {from_state, until}), hosts[].maintenance_seconds (how long entering maintenance mode
    # takes on the virtual clock).
    foreach ($h in @($State['hosts'])) {
        $p += Test-VSphereOptional $h "hosts[$i]" @{ nvidia_loaded_version = 'string'; boot_count = 'int'; stale_module_after_reboot = 'bool'; reboot_seconds = 'int'; reboot_unseen_seconds = 'int'; reboot_due = 'int'; maintenance_seconds = 'int' }
        if ($h -is [System.Collections.IDictionary] -and $h.Contains('rebooting') -and $null -ne $h['rebooting'] -and
            ($h['rebooting'] -isnot [System.Collections.IDictionary] -or -not (Test-VSphereValue $h['rebooting']['from_state'] 'string'))) {
            $p += "hosts[$i].rebooting must be {from_state, until}"
        }
        # hosts[].nvidia_daemon_component: the GPU Management Daemon, a component of its own.
        if ($h -is [System.Collections.IDictionary] -and $h.Contains('nvidia_daemon_component')) {
            $dc = $h['nvidia_daemon_component']
            if (-not (($dc -is [System.Collections.IDictionary]) -and (Test-VSphereValue $dc['name'] 'string') -and (Test-VSphereValue $dc['version'] 'string'))) { $p += "hosts[$i].nvidia_daemon_component must be {name, version} (strings)" }
            elseif ($h['nvidia_component'] -is [System.Collections.IDictionary] -and [string]$h['nvidia_component']['name'] -eq [string]$dc['name']) { $p += "hosts[$i].nvidia_daemon_component has the name of nvidia_component (ESXi lists a component name once)" }
        }
        $i++
    }
    if ($State.Contains('depots')) {
        if ($State['depots'] -isnot [System.Collections.IList]) { $p += 'depots must be a list of {path, component: {name, version}}' }
        else {
            $k = 0
            foreach ($d in @($State['depots'])) {
                $ok = ($d -is [System.Collections.IDictionary]) -and (Test-VSphereValue $d['path'] 'string') -and ($d['component'] -is [System.Collections.IDictionary]) -and
                    (Test-VSphereValue $d['component']['name'] 'string') -and (Test-VSphereValue $d['component']['version'] 'string')
                if (-not $ok) { $p += "depots[$k] must be {path, component: {name, version}} (strings)" }
                # component.kind (optional): 'driver' (the default) or 'daemon', the NVIDIA GPU
                # Management Daemon's bundle (README "Rollouts").
                elseif ($d['component'].Contains('kind') -and @('driver', 'daemon') -cnotcontains [string]$d['component']['kind']) { $p += "depots[$k].component.kind must be driver or daemon" }
                $k++
            }
        }
    }
    # open_sessions: vCenters connected (default servers) before the script starts.
    if ($State.Contains('open_sessions')) {
        $known = @([string]$State['vcenter']['name']) + @(@($State['other_vcenters']) | Where-Object { $_ -is [System.Collections.IDictionary] -and $_['vcenter'] -is [System.Collections.IDictionary] } | ForEach-Object { [string]$_['vcenter']['name'] })
        if ($State['open_sessions'] -isnot [System.Collections.IList]) { $p += 'open_sessions must be a list of vCenter names' }
        else {
            foreach ($n in @($State['open_sessions'])) {
                if ($n -isnot [string] -or $known -cnotcontains $n) { $p += ('open_sessions: {0} is not the vcenter or one of other_vcenters ({1})' -f $n, ($known -join ', ')) }
            }
        }
    }
    if ($State.Contains('other_vcenters')) {
        $k = 0
        foreach ($o in @($State['other_vcenters'])) {
            if ($o -isnot [System.Collections.IDictionary]) { $p += "other_vcenters[$k] is not an object"; $k++; continue }
            $p += @(Test-VSphereState $o | ForEach-Object { "other_vcenters[$k]: $_" })
            $k++
        }
    }
    return $p
}
