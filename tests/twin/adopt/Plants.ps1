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
# (-GuestCredential: the guests' drivers read through PowerShell Direct);
# 573.48 is vGPU 18.4's Windows guest driver.

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
    @{ Cluster = 'examples-esxi-l40-vgpu'; Name = 'undeclared-vm'; Edit = {
            param($st)
            $vm = Copy-TwinState -State (Get-PlantVsVm $st 'ml-01')
            $vm['name'] = 'scratch'
            $vm['id'] = 'vm-9999'
            $vm['host'] = 'esx-03'
            $st['vms'] = @(@($st['vms']) + $vm)
        } }
)
