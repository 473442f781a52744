# Plants.ps1 - the drift planted in a converged twin state (docs/adopt.md,
# step 4). Each plant names the cluster (as run.sh names it), the kind of
# drift, and an edit of the converged state; Invoke-AdoptRoundTrip.ps1 runs
# the inventory script on each edited state (read only: zero mutating calls)
# and run.sh asserts that `vgpuc drift` reports exactly what
# tests/twin/adopt/drift/CLUSTER-NAME.txt holds: one diagnostic, at its line.
# The edits change only what a person or a failure could change on a live
# cluster; values are those of the catalog (573.55 is vGPU 18.4's Windows
# vGPU Manager and 570.172.07 its Linux one, for ESXi; catalog/releases.yaml).
# The vSphere plants edit the vSphere twin's state (VSphere.State.ps1).
# A plant with `GuestCredential` runs the inventory with guest credentials
# (-GuestCredential: the guests' drivers read through PowerShell Direct on
# Hyper-V, through VMware Tools, Invoke-VMScript, on vSphere); its `Guests`
# (VM => driver) are the guest drivers the inventory document must hold.
# 573.48 is vGPU 18.4's Windows guest driver, 570.172.08 its Linux one;
# 580.82.07 is vGPU 19.1's Linux guest driver.

function Get-PlantHost {
    param($State, [string]$Name)
    @($State['hosts']) | Where-Object { $_['name'] -eq $Name } | Select-Object -First 1
}

function Get-PlantVm {
    param($State, [string]$Name)
    foreach ($h in @($State['hosts'])) {
        foreach ($v in @($h['vms'])) {
            if ($v['name'] -eq $Name) {
                return $v
            }
        }
    }
    throw "no VM $Name in the state"
}

function Get-PlantVsVm {
    param($State, [string]$Name)
    $v = @($State['vms']) | Where-Object { $_['name'] -eq $Name } | Select-Object -First 1
    if ($null -eq $v) {
        throw "no VM $Name in the vSphere state"
    }
    $v
}

function Get-PlantGroup {
    param($State, [string]$Name)
    @($State['cluster_groups']) | Where-Object { $_['name'] -eq $Name } | Select-Object -First 1
}

@(
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'gpu-removed'; Edit = {
            param($st)
            # a board failed: hci-03 shows one of its two A10s
            $h = Get-PlantHost $st 'hci-03'
            $h['gpus'] = @(@($h['gpus'])[0])
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'partitions-changed'; Edit = {
            param($st)
            (@((Get-PlantHost $st 'hci-03')['gpus'])[0])['partition_count'] = 4
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'driver-changed'; Edit = {
            param($st)
            (Get-PlantHost $st 'hci-02')['nvidia_driver'] = '573.55'
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'host-unreachable'; Edit = {
            param($st)
            (Get-PlantHost $st 'hci-03')['reachable'] = $false
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'memory-changed'; Edit = {
            param($st)
            (Get-PlantVm $st 'vdi-05')['memory_startup_bytes'] = 16GB
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'mmio-changed'; Edit = {
            param($st)
            (Get-PlantVm $st 'vdi-12')['low_mmio_bytes'] = 512MB
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'vm-gpu-removed'; Edit = {
            param($st)
            (Get-PlantVm $st 'vdi-03')['gpu_partition_adapters'] = @()
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'dda-to-gpup'; Edit = {
            param($st)
            $vm = Get-PlantVm $st 'render-01'
            $vm['assignable_devices'] = @()
            $vm['gpu_partition_adapters'] = @([ordered]@{ id = 'adapter-planted' })
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'guest-driver-changed'; GuestCredential = $true; Edit = {
            param($st)
            # vdi-01's owner rolled its guest driver back to 18.4's; vdi-02, started by
            # its owner, runs the declared 19.1 one (no drift); the other guests cannot
            # be read (off, or no guest record: not reported)
            $cred = [ordered]@{ user = 'vgpuc-twin\admin'; password = 'twin-guest-password'; powershell_direct = $true }
            $v1 = Get-PlantVm $st 'vdi-01'
            $v1['guest'] = [ordered]@{ os = 'windows'; driver = '573.48' } + $cred
            $v2 = Get-PlantVm $st 'vdi-02'
            $v2['state'] = 'Running'
            $v2['guest'] = [ordered]@{ os = 'windows'; driver = '581.15' } + $cred
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'owners-changed'; Edit = {
            param($st)
            (Get-PlantGroup $st 'render-02')['vm_resource']['possible_owners'] = @('hci-02', 'hci-03')
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'undeclared-vm'; Edit = {
            param($st)
            $h = Get-PlantHost $st 'hci-03'
            $vm = Copy-TwinState -State (Get-PlantVm $st 'vdi-01')
            $vm['name'] = 'test-gpu'
            $vm['id'] = '6f1c0a52-0000-4000-8000-0000000000ff'
            $h['vms'] = @(@($h['vms']) + $vm)
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'gpu-dismounted'; Edit = {
            param($st)
            # a GPU-P GPU of hci-03 disabled and dismounted by hand
            $g = @((Get-PlantHost $st 'hci-03')['gpus'])[1]
            $g['enabled'] = $false
            $g['dismounted'] = $true
        } }
    @{ Cluster = 'examples-mixed-dda-gpup'; Name = 'preferred-owner-outside'; Edit = {
            param($st)
            # render-02 (pinned to hci-02) given a preferred owner by hand
            # outside the hosts it may run on; its possible owners are right
            (Get-PlantGroup $st 'render-02')['preferred_owners'] = @('hci-02', 'hci-03')
        } }
    @{ Cluster = 'build-hci-dda-failover'; Name = 'reserve-mounted'; Edit = {
            param($st)
            # a GPU of dda-node-1's pool (a VM's or the failover reserve) taken out and mounted back
            $h = Get-PlantHost $st 'dda-node-1'
            $g = @($h['gpus'])[1]
            $lp = [string]$g['location_path']
            $g['pool'] = $null
            $g['dismounted'] = $false
            $g['enabled'] = $true
            foreach ($pool in @($h['pools'])) {
                $pool['location_paths'] = @(@($pool['location_paths']) | Where-Object { $_ -ne $lp })
            }
        } }
    @{ Cluster = 'build-hci-dda-failover'; Name = 'gpu-not-in-pnp'; Edit = {
            param($st)
            # a pooled, dismounted GPU that PnP no longer lists: only
            # Get-VMHostAssignableDevice shows it, by its PCIP\ instance path,
            # which still names its PCI ids and subsystem (an A2): no drift
            $g = @((Get-PlantHost $st 'dda-node-1')['gpus'] | Where-Object { [bool]$_['dismounted'] -and $_['pool'] })[0]
            $g['pnp'] = $false
            $g['instance_id'] = ([string]$g['instance_id']) -replace '^PCI\\', 'PCIP\'
        } }
    @{ Cluster = 'build-hci-dda-failover'; Name = 'gpu-not-in-pnp-no-id'; Edit = {
            param($st)
            # the same, with no instance path reported: its model cannot be
            # known, so the host has a GPU fewer of its model and one unknown
            $g = @((Get-PlantHost $st 'dda-node-1')['gpus'] | Where-Object { [bool]$_['dismounted'] -and $_['pool'] })[0]
            $g['pnp'] = $false
            $g['instance_id'] = $null
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'guest-driver-changed'; GuestCredential = $true
        Guests = @{ 'ml-01' = '570.172.08'; 'ml-09' = '580.82.07' }; Edit = {
            param($st)
            # running guests: ml-01's owner rolled its guest driver back to 18.4's; ml-09
            # runs the declared 19.1 one (no drift); ml-11 refuses the credentials and
            # ml-07's VMware Tools do not run (not read: not reported); the other guests
            # are off or have no guest record (VMware Tools report no guest family)
            $cred = [ordered]@{ user = 'vgpuc-twin\admin'; password = 'twin-guest-password' }
            (Get-PlantVsVm $st 'ml-01')['guest'] = [ordered]@{ os = 'linux'; driver = '570.172.08' } + $cred
            (Get-PlantVsVm $st 'ml-09')['guest'] = [ordered]@{ os = 'linux'; driver = '580.82.07' } + $cred
            (Get-PlantVsVm $st 'ml-11')['guest'] = [ordered]@{ os = 'linux'; driver = '570.172.08'; user = 'root'; password = 'other' }
            $v7 = Get-PlantVsVm $st 'ml-07'
            $v7['guest'] = [ordered]@{ os = 'linux'; driver = '570.172.08' } + $cred
            $v7['tools_running'] = $false
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'gpu-removed'; Edit = {
            param($st)
            $h = Get-PlantHost $st 'esx-03'
            $h['gpus'] = @(@($h['gpus'])[0])
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'driver-changed'; Edit = {
            param($st)
            (Get-PlantHost $st 'esx-02')['nvidia_component']['version'] = '570.172.07-1OEM.800.1.0.20613240'
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'profile-changed'; Edit = {
            param($st)
            (@((Get-PlantVsVm $st 'ml-05')['devices'])[0])['profile'] = 'grid_l40-24q'
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'memory-changed'; Edit = {
            param($st)
            (Get-PlantVsVm $st 'ml-07')['memory_mb'] = 32768
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'vm-gpu-removed'; Edit = {
            param($st)
            (Get-PlantVsVm $st 'ml-03')['devices'] = @()
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'pinned-vm-moved'; Edit = {
            param($st)
            (Get-PlantVsVm $st 'train-01')['host'] = 'esx-03'
        } }
    # vSphere host and vCenter settings the build script makes (VG8013), and DRS (VG8011)
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'graphics-default-shared'; Edit = {
            param($st)
            # someone set the host default to Shared and restarted Xorg
            $g = (Get-PlantHost $st 'esx-02')['graphics']
            $g['default_type'] = 'shared'
            $g['active_type'] = 'shared'
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'graphics-active-shared'; Edit = {
            param($st)
            # the default is right, but the active type is still Shared (Xorg not restarted)
            (Get-PlantHost $st 'esx-03')['graphics']['active_type'] = 'shared'
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'vgpu-mode-mixed'; Edit = {
            param($st)
            (Get-PlantHost $st 'esx-01')['graphics']['vgpu_mode'] = 'mixedSize'
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'passthrough-disabled'; Edit = {
            param($st)
            # train-01's GPU taken out of passthrough (and the host rebooted)
            $g = @((Get-PlantHost $st 'esx-04')['gpus'])[0]
            $g['passthrough_enabled'] = $false
            $g['passthrough_active'] = $false
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'passthrough-extra'; Edit = {
            param($st)
            # a second GPU enabled for passthrough, not yet active (no reboot)
            (@((Get-PlantHost $st 'esx-03')['gpus'])[1])['passthrough_enabled'] = $true
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'hotmigrate-off'; Edit = {
            param($st)
            $st['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] = 'false'
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'drs-rule-disabled'; Edit = {
            param($st)
            $r = @(@($st['clusters'])[0]['drs_rules']) | Where-Object { $_['name'] -eq 'vgpuc-train-01-should-run-on' }
            $r['enabled'] = $false
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'drs-extra-member'; Edit = {
            param($st)
            # ml-01 put into train-01's VM group: DRS now keeps it on esx-04
            $g = @(@($st['clusters'])[0]['drs_groups']) | Where-Object { $_['name'] -eq 'vgpuc-train-01-vm' }
            $g['members'] = @(@($g['members']) + 'ml-01')
        } }
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'undeclared-vm'; Edit = {
            param($st)
            $vm = Copy-TwinState -State (Get-PlantVsVm $st 'ml-01')
            $vm['name'] = 'scratch'
            $vm['id'] = 'vm-9999'
            $vm['host'] = 'esx-03'
            $st['vms'] = @(@($st['vms']) + $vm)
        } }
)
