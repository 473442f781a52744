# VSphere.Tests.ps1 - each vSphere behaviour the twin enforces (tests/twin/README.md, vSphere):
# the wrong call is refused as vCenter refuses it, and the right call is accepted and
# changes the state; plus binding, wildcards, -Server, faults and the call log. Every test
# runs a script in the twin through Invoke-TwinRun. Fixture: fixtures/vsan-small.json
# (cluster vsan-prod, esx-01..04 with two L40 each; esx-02's second GPU is active for
# passthrough; ml-01..06 running on esx-01 without GPU; train-01 off on esx-02).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    function Get-VsState {
        param([scriptblock]$Edit)
        Get-TestState -Name 'vsan-small' -Edit $Edit
    }
    function Get-VsVm {
        param($State, [string]$Name)
        @($State['vms']) | Where-Object { $_['name'] -ceq $Name } | Select-Object -First 1
    }
    function Get-VsHost {
        param($State, [string]$Name)
        @($State['hosts']) | Where-Object { $_['name'] -ceq $Name } | Select-Object -First 1
    }
    # A script body run after `$c = Connect-VIServer -Server 'vc01'`.
    function Invoke-VsScript {
        param($State, [string]$Body, [switch]$Preview)
        Invoke-TestScript -State $State -Body ("`$c = Connect-VIServer -Server 'vc01'`n" + $Body) -Preview:$Preview
    }
    # Script text that builds a ConfigSpec adding a vGPU ($spec).
    $script:VgpuSpec = @'
function New-VgpuSpec([string]$Name) {
    $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
    $dev = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
    $dev.Operation = 'add'
    $dev.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
    $dev.Device.Key = -100
    $dev.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo'
    $dev.Device.Backing.Vgpu = $Name
    $spec.DeviceChange = @($dev)
    $spec
}
function New-DynamicSpec([int]$DeviceId = 0x26b5) {
    $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
    $dev = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
    $dev.Operation = 'add'
    $dev.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
    $dev.Device.Key = -101
    $a = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughAllowedDevice'
    $a.VendorId = 0x10de
    $a.DeviceId = $DeviceId
    $dev.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo'
    $dev.Device.Backing.AllowedDevice = @($a)
    $spec.DeviceChange = @($dev)
    $spec
}
function Get-TaskInfo($Ref) { (Get-View -Id $Ref -Server $c).Info }

'@
}

Describe 'Binding: generated from powercli-cmdlets.tsv' {
    It 'refuses an undocumented parameter (-ClusterName does not exist)' {
        $r = Invoke-VsScript (Get-VsState) "Get-VM -ClusterName 'vsan-prod' -Server `$c"
        $r.exit | Should -Be 1
        $r.error | Should -BeLike '*parameter*ClusterName*'
    }
    It 'refuses a mix of parameter sets (-Id with -Name)' {
        $r = Invoke-VsScript (Get-VsState) "Get-VM -Id 'VirtualMachine-vm-1001' -Name 'ml-01' -Server `$c"
        $r.error | Should -BeLike '*Parameter set cannot be resolved*'
    }
    It 'refuses a documented parameter whose type the twin does not model' {
        $r = Invoke-VsScript (Get-VsState) "Get-VM -Tag 'gpu' -Server `$c"
        $r.error | Should -BeLike '*-Tag of Get-VM*not modeled*'
    }
    It 'refuses an object of the wrong type (a host where a VM is expected)' {
        $r = Invoke-VsScript (Get-VsState) "Start-VM -VM (Get-VMHost -Name 'esx-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*Cannot convert*VirtualMachine*'
    }
    It 'accepts the documented forms, names for objects included' {
        $r = Invoke-VsScript (Get-VsState) "Write-Host (Get-VM -Id 'VirtualMachine-vm-1001' -Server `$c).Name; Get-VM -Name 'ml-01' -Server `$c | Get-View | ForEach-Object { Write-Host `$_.Config.Version }"
        $r.exit | Should -Be 0
        $r.output | Should -Be @('ml-01', 'vmx-19')
    }
    It 'makes a misspelt VMware.Vim property fail under StrictMode' {
        $r = Invoke-VsScript (Get-VsState) "`$s = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'; `$s.DeviceChanges = @()"
        $r.error | Should -BeLike '*DeviceChanges*cannot be found*'
        $r = Invoke-VsScript (Get-VsState) "`$b = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo'; `$b.Profile = 'grid_l40-12q'"
        $r.error | Should -BeLike '*Profile*cannot be found*'
        $r = Invoke-VsScript (Get-VsState) "`$v = Get-VM -Name 'ml-01' -Server `$c; Write-Host `$v.ExtensionData.Config.Hardware.Devices"
        $r.error | Should -BeLike '*Devices*cannot be found*'
    }
}

Describe 'Names: -Name matches as WildcardPattern, case-insensitive' {
    It 'ml-0[12] matches ml-01 and ml-02; a literal name matches case-insensitively; * matches all' {
        $r = Invoke-VsScript (Get-VsState) "Get-VM -Name 'ml-0[12]' -Server `$c | ForEach-Object { Write-Host `$_.Name }; Write-Host @(Get-VM -Name 'ML-01' -Server `$c).Count; Write-Host @(Get-VM -Name '*' -Server `$c).Count"
        $r.output | Should -Be @('ml-01', 'ml-02', '1', '7')
    }
    It 'a literal name that matches nothing is an error; a pattern that matches nothing is not' {
        $r = Invoke-VsScript (Get-VsState) "Write-Host @(Get-VM -Name 'ml-9*' -Server `$c).Count; Get-VM -Name 'nope' -Server `$c"
        $r.output[0] | Should -Be '0'
        $r.error | Should -BeLike "*VM with name 'nope' was not found*"
    }
    It 'Get-VM -Location scopes to a cluster' {
        $s = Get-VsState {
            param($s)
            $s['clusters'] += [ordered]@{ name = 'other'; drs_enabled = $false; drs_groups = @(); drs_rules = @() }
            (Get-VsHost $s 'esx-04')['cluster'] = 'other'
            (Get-VsVm $s 'ml-06')['host'] = 'esx-04'
        }
        $r = Invoke-VsScript $s "Write-Host ((Get-VM -Location (Get-Cluster -Name 'vsan-prod' -Server `$c) -Server `$c | ForEach-Object { `$_.Name }) -join ','); Write-Host ((Get-VM -Location (Get-Cluster -Name 'other' -Server `$c) -Server `$c).Name)"
        $r.output | Should -Be @('ml-01,ml-02,ml-03,ml-04,ml-05,train-01', 'ml-06')
    }
}

Describe '-Server: every call acts on the servers it is given' {
    BeforeAll {
        $script:Two = {
            param($s)
            $o = Get-TestState -Name 'vsan-small'
            $o['vcenter']['name'] = 'vc02'
            $o.Remove('platform'); $o.Remove('faults')
            $s['other_vcenters'] = @($o)
        }
    }
    It 'without -Server a call acts on every default server (PowerCLI multiple mode)' {
        $r = Invoke-VsScript (Get-VsState $script:Two) "`$c2 = Connect-VIServer -Server 'vc02'; Write-Host @(Get-VM -Name 'ml-01').Count; Write-Host @(Get-VM -Name 'ml-01' -Server `$c).Count; Write-Host `$global:DefaultVIServer.Name"
        $r.output | Should -Be @('2', '1', 'vc02')
    }
    It 'a change through an object acts on that object''s server only' {
        $r = Invoke-VsScript (Get-VsState $script:Two) "`$c2 = Connect-VIServer -Server 'vc02'; `$null = Stop-VM -VM (Get-VM -Name 'ml-01' -Server `$c2) -Confirm:`$false"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['power_state'] | Should -Be 'PoweredOn'
        (Get-VsVm $r.state['other_vcenters'][0] 'ml-01')['power_state'] | Should -Be 'PoweredOff'
    }
    It 'fails with no connection, and for a server that does not exist' {
        $r = Invoke-TestScript -State (Get-VsState) -Body "Get-VM -Name 'ml-01'"
        $r.error | Should -BeLike '*not currently connected*'
        $r = Invoke-TestScript -State (Get-VsState) -Body "Connect-VIServer -Server 'vc99'"
        $r.error | Should -BeLike '*Could not resolve*vc99*'
    }
    It 'Disconnect-VIServer closes the connection' {
        $r = Invoke-VsScript (Get-VsState) "Disconnect-VIServer -Server `$c -Confirm:`$false; Get-VM -Name 'ml-01'"
        $r.error | Should -BeLike '*not currently connected*'
    }
}

Describe 'ReconfigVM_Task: adding or removing a PCI device needs the VM powered off' {
    It 'ends the task in error on a powered-on VM and changes nothing; ReconfigVM throws' {
        $r = Invoke-VsScript (Get-VsState) ($script:VgpuSpec + "`$v = (Get-VM -Name 'ml-01' -Server `$c).ExtensionData; `$t = Get-TaskInfo (`$v.ReconfigVM_Task((New-VgpuSpec 'grid_l40-12q'))); Write-Host `$t.State; Write-Host `$t.Error.LocalizedMessage; `$v.ReconfigVM((New-VgpuSpec 'grid_l40-12q'))")
        $r.output[0] | Should -Be 'error'
        $r.output[1] | Should -BeLike '*current state (Powered on)*'
        $r.error | Should -BeLike '*current state (Powered on)*'
        @((Get-VsVm $r.state 'ml-01')['devices']).Count | Should -Be 0
        Get-TestCommands $r | Should -Be @('ReconfigVM_Task', 'ReconfigVM')
    }
    It 'adds the device to a powered-off VM' {
        $s = Get-VsState { param($s) (Get-VsVm $s 'ml-01')['power_state'] = 'PoweredOff' }
        $r = Invoke-VsScript $s ($script:VgpuSpec + "Write-Host (Get-TaskInfo ((Get-VM -Name 'ml-01' -Server `$c).ExtensionData.ReconfigVM_Task((New-VgpuSpec 'grid_l40-12q')))).State")
        $r.output | Should -Be @('success')
        (Get-VsVm $r.state 'ml-01')['devices'][0]['profile'] | Should -Be 'grid_l40-12q'
    }
    It 'removes a device only with the VM off and only by a key of the VM''s devices' {
        $s = Get-VsState { param($s) (Get-VsVm $s 'ml-01')['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-24q' }) }
        $body = @'
$v = (Get-VM -Name 'ml-01' -Server $c).ExtensionData
$rm = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
$rm.Operation = 'remove'
$rm.Device = $v.Config.Hardware.Device[0]
$spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
$spec.DeviceChange = @($rm)
try { $v.ReconfigVM($spec) } catch { Write-Host $_.Exception.Message }
$v.ShutdownGuest()
$bad = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
$bad.Operation = 'remove'
$bad.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
$bad.Device.Key = 13005
$spec2 = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
$spec2.DeviceChange = @($bad)
try { $v.ReconfigVM($spec2) } catch { Write-Host $_.Exception.Message }
$v.ReconfigVM($spec)
'@
        $r = Invoke-VsScript $s $body
        $r.exit | Should -Be 0
        $r.output[0] | Should -BeLike '*Powered on*'
        $r.output[1] | Should -BeLike '*no PCI device with key 13005*'
        @((Get-VsVm $r.state 'ml-01')['devices']).Count | Should -Be 0
    }
    It 'accepts a memory reservation change on a powered-on VM' {
        $r = Invoke-VsScript (Get-VsState) "`$s = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'; `$s.MemoryReservationLockedToMax = `$true; (Get-VM -Name 'ml-01' -Server `$c).ExtensionData.ReconfigVM(`$s)"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['memory_reservation_locked_to_max'] | Should -BeTrue
    }
    It 'refuses a memory size change on a powered-on VM' {
        $r = Invoke-VsScript (Get-VsState) "`$s = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'; `$s.MemoryMB = 32768; (Get-VM -Name 'ml-01' -Server `$c).ExtensionData.ReconfigVM(`$s)"
        $r.error | Should -BeLike '*Powered on*'
    }
    It 'refuses a ConfigSpec field the twin does not model (strict)' {
        $r = Invoke-VsScript (Get-VsState) "`$s = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'; `$s.NumCPUs = 8; (Get-VM -Name 'ml-01' -Server `$c).ExtensionData.ReconfigVM(`$s)"
        $r.error | Should -BeLike '*NumCPUs is not modelled*'
    }
}

Describe 'A suspended VM cannot be reconfigured' {
    It 'refuses any reconfiguration of a suspended VM; accepts it once the VM is off' {
        $s = Get-VsState { param($s) (Get-VsVm $s 'ml-02')['power_state'] = 'Suspended'; (Get-VsVm $s 'ml-03')['power_state'] = 'PoweredOff' }
        $body = "`$s = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'; `$s.MemoryReservationLockedToMax = `$true; (Get-VM -Name 'ml-03' -Server `$c).ExtensionData.ReconfigVM(`$s); (Get-VM -Name 'ml-02' -Server `$c).ExtensionData.ReconfigVM(`$s)"
        $r = Invoke-VsScript $s $body
        $r.error | Should -BeLike '*current state (Suspended)*'
        (Get-VsVm $r.state 'ml-02')['memory_reservation_locked_to_max'] | Should -BeFalse
        (Get-VsVm $r.state 'ml-03')['memory_reservation_locked_to_max'] | Should -BeTrue
    }
}

Describe 'vGPU: the profile must be offered and the ACTIVE graphics type sharedDirect' {
    BeforeAll { $script:Off = { param($s) (Get-VsVm $s 'ml-01')['power_state'] = 'PoweredOff' } }
    It 'refuses a profile not in SharedPassthruGpuTypes' {
        $r = Invoke-VsScript (Get-VsState $script:Off) ($script:VgpuSpec + "(Get-VM -Name 'ml-01' -Server `$c).ExtensionData.ReconfigVM((New-VgpuSpec 'grid_l40-8q'))")
        $r.error | Should -BeLike '*grid_l40-8q not found in allowed pci passthrough device list*'
    }
    It 'refuses when sharedDirect is configured but not active yet' {
        $s = Get-VsState { param($s) & $script:Off $s; (Get-VsHost $s 'esx-01')['graphics']['active_type'] = 'shared' }
        $r = Invoke-VsScript $s ($script:VgpuSpec + "(Get-VM -Name 'ml-01' -Server `$c).ExtensionData.ReconfigVM((New-VgpuSpec 'grid_l40-12q'))")
        $r.error | Should -BeLike '*active graphics type is shared*'
    }
    It 'accepts an offered profile on an active sharedDirect host' {
        $r = Invoke-VsScript (Get-VsState $script:Off) ($script:VgpuSpec + "(Get-VM -Name 'ml-01' -Server `$c).ExtensionData.ReconfigVM((New-VgpuSpec 'grid_l40-12q'))")
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['devices'][0]['type'] | Should -Be 'vgpu'
    }
}

Describe 'Dynamic DirectPath I/O: an enabled, active GPU of that id and hardware version 17' {
    It 'refuses hardware version 15' {
        $s = Get-VsState { param($s) (Get-VsVm $s 'train-01')['hardware_version'] = 15 }
        $r = Invoke-VsScript $s ($script:VgpuSpec + "(Get-VM -Name 'train-01' -Server `$c).ExtensionData.ReconfigVM((New-DynamicSpec))")
        $r.error | Should -BeLike '*hardware version 17 or later*'
    }
    It 'refuses a GPU enabled for passthrough but not active (host not rebooted)' {
        $s = Get-VsState { param($s) (Get-VsHost $s 'esx-02')['gpus'][1]['passthrough_active'] = $false }
        $r = Invoke-VsScript $s ($script:VgpuSpec + "(Get-VM -Name 'train-01' -Server `$c).ExtensionData.ReconfigVM((New-DynamicSpec))")
        $r.error | Should -BeLike '*enabled and active for passthrough*'
    }
    It 'refuses a vendor/device id the host does not have' {
        $r = Invoke-VsScript (Get-VsState) ($script:VgpuSpec + "(Get-VM -Name 'train-01' -Server `$c).ExtensionData.ReconfigVM((New-DynamicSpec -DeviceId 0x2236))")
        $r.error | Should -BeLike '*has no PCI device 10de:2236*'
    }
    It 'accepts it on a host with an active passthrough GPU' {
        $r = Invoke-VsScript (Get-VsState) ($script:VgpuSpec + "(Get-VM -Name 'train-01' -Server `$c).ExtensionData.ReconfigVM((New-DynamicSpec))")
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'train-01')['devices'][0]['device_id'] | Should -Be '26b5'
    }
}

Describe 'Power on: locked memory reservation; large-BAR GPUs need 64-bit MMIO and EFI' {
    BeforeAll {
        $script:Gpus = {
            param($s)
            $v = Get-VsVm $s 'ml-01'; $v['power_state'] = 'PoweredOff'; $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' })
            $t = Get-VsVm $s 'train-01'; $t['devices'] = @([ordered]@{ type = 'dynamic_passthrough'; vendor_id = '10de'; device_id = '26b5' }); $t['memory_reservation_locked_to_max'] = $true
        }
        $script:Mmio = { param($s, $size) (Get-VsVm $s 'train-01')['extra_config'] = [ordered]@{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = $size } }
    }
    It 'refuses a vGPU VM without a locked memory reservation; starts it with one' {
        $r = Invoke-VsScript (Get-VsState $script:Gpus) "Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*memory reservation (sched.mem.min) should be equal to memsize(65536)*'
        (Get-VsVm $r.state 'ml-01')['power_state'] | Should -Be 'PoweredOff'
        $s = Get-VsState { param($s) & $script:Gpus $s; (Get-VsVm $s 'ml-01')['memory_reservation_locked_to_max'] = $true }
        $r = Invoke-VsScript $s "`$null = Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['power_state'] | Should -Be 'PoweredOn'
    }
    It 'refuses a large-BAR passthrough VM without pciPassthru.use64bitMMIO' {
        $r = Invoke-VsScript (Get-VsState $script:Gpus) "Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*use64bitMMIO*'
    }
    It 'refuses an MMIO size below the GPU''s (L40: 128 GB)' {
        $r = Invoke-VsScript (Get-VsState { param($s) & $script:Gpus $s; & $script:Mmio $s '64' }) "Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*64bitMMIOSizeGB >= 128, has 64*'
    }
    It 'refuses BIOS firmware' {
        $r = Invoke-VsScript (Get-VsState { param($s) & $script:Gpus $s; & $script:Mmio $s '128'; (Get-VsVm $s 'train-01')['firmware'] = 'bios' }) "Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*EFI firmware*'
    }
    It 'starts it with 64-bit MMIO of the right size and EFI' {
        $r = Invoke-VsScript (Get-VsState { param($s) & $script:Gpus $s; & $script:Mmio $s '128' }) "`$null = Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'train-01')['power_state'] | Should -Be 'PoweredOn'
    }
    It 'refuses a C-series vGPU without 64-bit MMIO or with BIOS; starts it with both' {
        $c = {
            param($s)
            $g = (Get-VsHost $s 'esx-01')['graphics']; $g['shared_passthru_gpu_types'] = @('grid_l40-12q', 'grid_l40-24c')
            $v = Get-VsVm $s 'ml-01'; $v['power_state'] = 'PoweredOff'; $v['memory_reservation_locked_to_max'] = $true
            $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-24c' })
        }
        $r = Invoke-VsScript (Get-VsState $c) "Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*needs pciPassthru.use64bitMMIO = TRUE*'
        $r = Invoke-VsScript (Get-VsState { param($s) & $c $s; $v = Get-VsVm $s 'ml-01'; $v['extra_config'] = [ordered]@{ 'pciPassthru.use64bitMMIO' = 'TRUE' }; $v['firmware'] = 'bios' }) "Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*EFI firmware*'
        $r = Invoke-VsScript (Get-VsState { param($s) & $c $s; (Get-VsVm $s 'ml-01')['extra_config'] = [ordered]@{ 'pciPassthru.use64bitMMIO' = 'TRUE' } }) "`$null = Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['power_state'] | Should -Be 'PoweredOn'
    }
    It 'refuses a VM on a host in maintenance mode' {
        $s = Get-VsState { param($s) (Get-VsHost $s 'esx-02')['connection_state'] = 'Maintenance' }
        $r = Invoke-VsScript $s "Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*host esx-02 is Maintenance*'
        $r = Invoke-VsScript $s "`$null = Set-VMHost -VMHost (Get-VMHost -Name 'esx-02' -Server `$c) -State 'Connected' -Confirm:`$false -Server `$c; `$null = Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c"
        $r.exit | Should -Be 0
    }
    It 'refuses a second passthrough VM when the host''s only active GPU is taken' {
        $s = Get-VsState {
            param($s)
            & $script:Gpus $s; & $script:Mmio $s '128'
            (Get-VsVm $s 'train-01')['power_state'] = 'PoweredOn'
            $s['vms'] += [ordered]@{ name = 'train-02'; id = 'vm-2002'; host = 'esx-02'; power_state = 'PoweredOff'; tools_running = $false; hardware_version = 19; firmware = 'efi'; memory_mb = 1024; memory_reservation_locked_to_max = $true; extra_config = [ordered]@{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = '128' }; devices = @([ordered]@{ type = 'dynamic_passthrough'; vendor_id = '10de'; device_id = '26b5' }) }
        }
        $r = Invoke-VsScript $s "Start-VM -VM (Get-VM -Name 'train-02' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*no free, enabled and active passthrough device*'
    }
}

Describe 'ShutdownGuest needs VMware Tools running' {
    It 'refuses without Tools (the VM stays on), and on a VM that is not on' {
        $s = Get-VsState { param($s) (Get-VsVm $s 'ml-03')['tools_running'] = $false; (Get-VsVm $s 'ml-04')['power_state'] = 'Suspended' }
        $r = Invoke-VsScript $s "try { (Get-VM -Name 'ml-04' -Server `$c).ExtensionData.ShutdownGuest() } catch { Write-Host `$_.Exception.Message }; (Get-VM -Name 'ml-03' -Server `$c).ExtensionData.ShutdownGuest()"
        $r.output[0] | Should -BeLike '*current state (Suspended)*'
        $r.error | Should -BeLike '*VMware Tools is not running*'
        (Get-VsVm $r.state 'ml-03')['power_state'] | Should -Be 'PoweredOn'
    }
    It 'shuts the guest down with Tools running' {
        $r = Invoke-VsScript (Get-VsState) "(Get-VM -Name 'ml-03' -Server `$c).ExtensionData.ShutdownGuest()"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-03')['power_state'] | Should -Be 'PoweredOff'
        Get-TestCommands $r | Should -Be @('ShutdownGuest')
    }
}

Describe 'Graphics type: active only after an Xorg restart or a reboot with no vGPU VM running' {
    BeforeAll {
        $script:Shared = {
            param($s)
            $g = (Get-VsHost $s 'esx-01')['graphics']; $g['default_type'] = 'shared'; $g['active_type'] = 'shared'
            $v = Get-VsVm $s 'ml-01'; $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' }); $v['memory_reservation_locked_to_max'] = $true
        }
        $script:Views = "`$h = Get-VMHost -Name 'esx-01' -Server `$c; `$gm = Get-View -Id `$h.ExtensionData.ConfigManager.GraphicsManager -Server `$c; `$ss = Get-View -Id `$h.ExtensionData.ConfigManager.ServiceSystem -Server `$c`n"
        $script:ToDirect = "`$cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'; `$cfg.HostDefaultGraphicsType = 'sharedDirect'; `$gm.UpdateGraphicsConfig(`$cfg)`n"
    }
    It 'UpdateGraphicsConfig changes the configured type only (GraphicsInfo shows the active one)' {
        $r = Invoke-VsScript (Get-VsState $script:Shared) ($script:Views + $script:ToDirect + "`$gm.UpdateViewData(); Write-Host `$gm.GraphicsConfig.HostDefaultGraphicsType; Write-Host `$gm.GraphicsInfo[0].GraphicsType")
        $r.output | Should -Be @('sharedDirect', 'shared')
        (Get-VsHost $r.state 'esx-01')['graphics']['active_type'] | Should -Be 'shared'
        Get-TestCommands $r | Should -Be @('UpdateGraphicsConfig')
    }
    It 'refuses a graphics type outside the API enum (SharedPassthru is the esxcli name)' {
        $r = Invoke-VsScript (Get-VsState $script:Shared) ($script:Views + "`$cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'; `$cfg.HostDefaultGraphicsType = 'SharedPassthru'; `$gm.UpdateGraphicsConfig(`$cfg)")
        $r.error | Should -BeLike '*hostDefaultGraphicsType*'
    }
    It 'an Xorg restart while a vGPU VM runs leaves the active type' {
        $s = Get-VsState { param($s) & $script:Shared $s; (Get-VsHost $s 'esx-01')['graphics']['active_type'] = 'sharedDirect' }
        $r = Invoke-VsScript $s ($script:Views + "`$cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'; `$cfg.HostDefaultGraphicsType = 'shared'; `$gm.UpdateGraphicsConfig(`$cfg); `$ss.RestartService('xorg')")
        $r.exit | Should -Be 0
        (Get-VsHost $r.state 'esx-01')['graphics']['active_type'] | Should -Be 'sharedDirect'
    }
    It 'an Xorg restart with no vGPU VM running activates it; an unknown service is refused' {
        $s = Get-VsState { param($s) & $script:Shared $s; (Get-VsVm $s 'ml-01')['power_state'] = 'PoweredOff' }
        $r = Invoke-VsScript $s ($script:Views + $script:ToDirect + "`$ss.RestartService('xorg'); `$ss.RestartService('xorgd')")
        (Get-VsHost $r.state 'esx-01')['graphics']['active_type'] | Should -Be 'sharedDirect'
        $r.error | Should -BeLike '*could not be found*'
        Get-TestCommands $r | Should -Be @('UpdateGraphicsConfig', 'RestartService', 'RestartService')
    }
    It 'a host switched to Shared (vSGA) and activated refuses to power on a vGPU VM' {
        $s = Get-VsState { param($s) & $script:Shared $s; $g = (Get-VsHost $s 'esx-01')['graphics']; $g['default_type'] = 'sharedDirect'; $g['active_type'] = 'sharedDirect'; (Get-VsVm $s 'ml-01')['power_state'] = 'PoweredOff' }
        $r = Invoke-VsScript $s ($script:Views + "`$cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'; `$cfg.HostDefaultGraphicsType = 'shared'; `$cfg.SharedPassthruAssignmentPolicy = 'performance'; `$gm.UpdateGraphicsConfig(`$cfg); `$ss.RestartService('xorg'); Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c")
        (Get-VsHost $r.state 'esx-01')['graphics']['active_type'] | Should -Be 'shared'
        $r.error | Should -BeLike '*graphics resource available in the parent resource pool is insufficient*'
    }
    It 'refuses a per-device graphics type other than the host default (not modelled: strict)' {
        $body = $script:Views + @'
$cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'
$cfg.HostDefaultGraphicsType = 'shared'
$d = New-Object -TypeName 'VMware.Vim.HostGraphicsConfigDeviceType'
$d.DeviceId = '0000:3b:00.0'; $d.GraphicsType = 'sharedDirect'
$cfg.DeviceType = @($d)
$gm.UpdateGraphicsConfig($cfg)
'@
        $r = Invoke-VsScript (Get-VsState) $body
        $r.error | Should -BeLike '*per-device graphics type (sharedDirect for 0000:3b:00.0) other than the host default*'
        (Get-VsHost $r.state 'esx-01')['graphics']['default_type'] | Should -Be 'sharedDirect'
    }
    It 'a reboot needs maintenance mode, which needs no powered-on VM; it activates the type' {
        $body = $script:Views + $script:ToDirect + @'
$t = (Get-View -Id ($h.ExtensionData.RebootHost_Task($false)) -Server $c).Info
Write-Host $t.State $t.Error.LocalizedMessage
try { $null = Set-VMHost -VMHost $h -State 'Maintenance' -Confirm:$false -Server $c } catch { Write-Host $_.Exception.Message }
foreach ($v in @(Get-VM -Location $h -Server $c | Where-Object { $_.PowerState -eq 'PoweredOn' })) { $v.ExtensionData.ShutdownGuest() }
$null = Set-VMHost -VMHost $h -State 'Maintenance' -Confirm:$false -Server $c
Write-Host (Get-View -Id ($h.ExtensionData.RebootHost_Task($false)) -Server $c).Info.State
'@
        $r = Invoke-VsScript (Get-VsState $script:Shared) $body
        $r.output[0] | Should -BeLike 'error*not allowed in the current state*'
        $r.output[1] | Should -BeLike '*cannot enter maintenance mode*'
        $r.output[2] | Should -Be 'success'
        (Get-VsHost $r.state 'esx-01')['graphics']['active_type'] | Should -Be 'sharedDirect'
        (Get-VsHost $r.state 'esx-01')['connection_state'] | Should -Be 'Maintenance'
    }
    It 'the vGPU mode (mixed size) changes only with no vGPU VM running' {
        $s = Get-VsState { param($s) $g = (Get-VsHost $s 'esx-01')['graphics']; $g['vgpu_mode'] = 'sameSize'; (Get-VsVm $s 'ml-01')['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' }) }
        $body = $script:Views + @'
$cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'
$cfg.HostDefaultGraphicsType = 'sharedDirect'
$d = New-Object -TypeName 'VMware.Vim.HostGraphicsConfigDeviceType'
$d.DeviceId = '0000:3b:00.0'; $d.GraphicsType = 'sharedDirect'; $d.VgpuMode = 'mixedSize'
$cfg.DeviceType = @($d)
try { $gm.UpdateGraphicsConfig($cfg) } catch { Write-Host $_.Exception.Message }
(Get-VM -Name 'ml-01' -Server $c).ExtensionData.ShutdownGuest()
$gm.UpdateGraphicsConfig($cfg)
'@
        $r = Invoke-VsScript $s $body
        $r.output[0] | Should -BeLike '*while VMs run vGPUs*'
        (Get-VsHost $r.state 'esx-01')['graphics']['vgpu_mode'] | Should -Be 'mixedSize'
    }
}

Describe 'vGPU capacity per physical GPU at power-on (graphics.vgpu_types, gpus[].fb_mb)' {
    BeforeAll {
        # esx-01: two L40 (48 GB each); ml-01..06 on it, locked reservation; sizes from the
        # catalog's L40 rows (12Q: 12288 MB, 4 per GPU; 24Q: 24576 MB, 2; 48Q: 49152 MB, 1).
        $script:Cap = {
            param($s, [string]$Version = '8.0.2', [string]$Mode = '')
            $h = Get-VsHost $s 'esx-01'
            $h['version'] = $Version
            foreach ($g in $h['gpus']) { $g['fb_mb'] = 49152 }
            $h['graphics']['shared_passthru_gpu_types'] = @('grid_l40-12q', 'grid_l40-24q', 'grid_l40-48q')
            $h['graphics']['vgpu_types'] = [ordered]@{
                'grid_l40-12q' = [ordered]@{ fb_mb = 12288; max = 4 }
                'grid_l40-24q' = [ordered]@{ fb_mb = 24576; max = 2 }
                'grid_l40-48q' = [ordered]@{ fb_mb = 49152; max = 1 }
            }
            if ($Mode) { $h['graphics']['vgpu_mode'] = $Mode }
            foreach ($v in $s['vms']) { $v['memory_reservation_locked_to_max'] = $true; $v['power_state'] = 'PoweredOff' }
        }
        $script:Give = {
            param($s, [string]$Vm, [string]$Profile, [string]$Power = 'PoweredOff')
            $v = Get-VsVm $s $Vm; $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = $Profile }); $v['power_state'] = $Power
        }
        $script:Start = { param([string]$Vm) "try { `$null = Start-VM -VM (Get-VM -Name '$Vm' -Server `$c) -Server `$c; Write-Host 'on $Vm' } catch { Write-Host `$_.Exception.Message }`n" }
    }
    It 'refuses a vGPU when whole-GPU vGPUs fill every GPU; starts it once one of them is off' {
        $s = Get-VsState { param($s) & $script:Cap $s; & $script:Give $s 'ml-01' 'grid_l40-48q' 'PoweredOn'; & $script:Give $s 'ml-02' 'grid_l40-48q' 'PoweredOn'; & $script:Give $s 'ml-03' 'grid_l40-12q' }
        $r = Invoke-VsScript $s ((& $script:Start 'ml-03') + "(Get-VM -Name 'ml-02' -Server `$c).ExtensionData.ShutdownGuest()`n" + (& $script:Start 'ml-03'))
        $r.output[0] | Should -BeLike 'twin: no physical GPU of host esx-01 has room for vGPU grid_l40-12q of VM ml-03*'
        $r.output[1] | Should -Be 'on ml-03'
    }
    It 'same-size mode: one vGPU type per GPU (ESXi before 8.0.2), up to its per-GPU maximum' {
        $s = Get-VsState { param($s) & $script:Cap $s '8.0.1'; & $script:Give $s 'ml-01' 'grid_l40-12q' 'PoweredOn'; & $script:Give $s 'ml-02' 'grid_l40-24q' 'PoweredOn'; & $script:Give $s 'ml-03' 'grid_l40-24q'; & $script:Give $s 'ml-04' 'grid_l40-24q'; & $script:Give $s 'ml-05' 'grid_l40-12q' }
        $r = Invoke-VsScript $s ((& $script:Start 'ml-03') + (& $script:Start 'ml-04') + (& $script:Start 'ml-05'))
        $r.output[0] | Should -Be 'on ml-03'
        # Two 24Q fill the GPU that runs 24Q (max 2); the other GPU runs 12Q, not 24Q.
        $r.output[1] | Should -BeLike '*no physical GPU*grid_l40-24q of VM ml-04*same-size*'
        $r.output[2] | Should -Be 'on ml-05'
    }
    It 'mixed-size mode: sizes share a GPU while the frame buffer fits' {
        $s = Get-VsState {
            param($s)
            & $script:Cap $s '8.0.3' 'mixedSize'
            (Get-VsHost $s 'esx-01')['gpus'][1]['passthrough_active'] = $true; (Get-VsHost $s 'esx-01')['gpus'][1]['passthrough_enabled'] = $true
            & $script:Give $s 'ml-01' 'grid_l40-24q' 'PoweredOn'; & $script:Give $s 'ml-02' 'grid_l40-12q'; & $script:Give $s 'ml-03' 'grid_l40-12q'; & $script:Give $s 'ml-04' 'grid_l40-12q'
        }
        $r = Invoke-VsScript $s ((& $script:Start 'ml-02') + (& $script:Start 'ml-03') + (& $script:Start 'ml-04'))
        $r.output[0] | Should -Be 'on ml-02'
        $r.output[1] | Should -Be 'on ml-03'
        $r.output[2] | Should -BeLike '*no physical GPU*ml-04*mixed-size*'
        # The same VMs in same-size mode: the 12Q cannot join the GPU running a 24Q.
        $s = Get-VsState {
            param($s)
            & $script:Cap $s '8.0.3'
            (Get-VsHost $s 'esx-01')['gpus'][1]['passthrough_active'] = $true; (Get-VsHost $s 'esx-01')['gpus'][1]['passthrough_enabled'] = $true
            & $script:Give $s 'ml-01' 'grid_l40-24q' 'PoweredOn'; & $script:Give $s 'ml-02' 'grid_l40-12q'
        }
        $r = Invoke-VsScript $s (& $script:Start 'ml-02')
        $r.output[0] | Should -BeLike '*no physical GPU*ml-02*same-size*'
    }
    It 'a VM''s vGPUs take different GPUs' {
        $s = Get-VsState { param($s) & $script:Cap $s; (Get-VsHost $s 'esx-01')['gpus'][1]['passthrough_active'] = $true; (Get-VsHost $s 'esx-01')['gpus'][1]['passthrough_enabled'] = $true; $v = Get-VsVm $s 'ml-01'; $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' }, [ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' }) }
        $r = Invoke-VsScript $s (& $script:Start 'ml-01')
        $r.output[0] | Should -BeLike '*no physical GPU*ml-01*'
    }
    It 'refuses a state whose vGPU type sizes are malformed, and a running type it has no size for' {
        $r = Invoke-VsScript (Get-VsState { param($s) & $script:Cap $s; (Get-VsHost $s 'esx-01')['graphics']['vgpu_types']['grid_l40-12q'] = [ordered]@{ fb_mb = '12288'; max = 4 } }) "Get-VM -Server `$c"
        $r.exit | Should -Be 2
        $r.error | Should -BeLike '*vgpu_types.grid_l40-12q must be*'
        $s = Get-VsState { param($s) & $script:Cap $s; (Get-VsHost $s 'esx-01')['graphics']['shared_passthru_gpu_types'] += 'grid_l40-6q'; & $script:Give $s 'ml-01' 'grid_l40-6q' }
        $r = Invoke-VsScript $s (& $script:Start 'ml-01')
        $r.output[0] | Should -BeLike '*vgpu_types has no entry for grid_l40-6q*'
    }
}

Describe 'PCI subsystem: models that share a device id (A2 and A16, 10DE:25B6)' {
    BeforeAll {
        # esx-03: GPU 0 an A16 (subsystem 10de:14a9), GPU 1 an A2 (10de:157e), both active for
        # passthrough; train-01 (off, on esx-02) moves to esx-03.
        $script:Shared25b6 = {
            param($s)
            $h = Get-VsHost $s 'esx-03'
            $i = 0
            foreach ($g in $h['gpus']) {
                $g['device_id'] = '25b6'; $g['sub_vendor_id'] = '10de'; $g['sub_device_id'] = @('14a9', '157e')[$i]; $g['model'] = @('A16', 'A2')[$i]
                $g['passthrough_enabled'] = $true; $g['passthrough_active'] = $true
                $i++
            }
            $t = Get-VsVm $s 'train-01'; $t['host'] = 'esx-03'; $t['memory_reservation_locked_to_max'] = $true
        }
        $script:SubSpec = @'
function New-SubSpec([int]$SubDevice) {
    $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
    $dev = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
    $dev.Operation = 'add'
    $dev.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
    $dev.Device.Key = -101
    $a = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughAllowedDevice'
    $a.VendorId = 0x10de; $a.DeviceId = 0x25b6; $a.SubVendorId = 0x10de; $a.SubDeviceId = $SubDevice
    $dev.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo'
    $dev.Device.Backing.AllowedDevice = @($a)
    $spec.DeviceChange = @($dev)
    $spec
}

'@
    }
    It 'Get-VMHostPciDevice shows the subsystem of each GPU' {
        $r = Invoke-VsScript (Get-VsState $script:Shared25b6) "Get-VMHostPciDevice -VMHost (Get-VMHost -Name 'esx-03' -Server `$c) -DeviceClass 'DisplayController' -Server `$c | ForEach-Object { Write-Host ('{0:x4}:{1:x4} {2:x4}:{3:x4}' -f `$_.VendorId, `$_.DeviceId, `$_.SubVendorId, `$_.SubDeviceId) }"
        $r.output | Should -Be @('10de:25b6 10de:14a9', '10de:25b6 10de:157e')
    }
    It 'refuses a dynamic device whose subsystem no GPU of the host has; accepts the A2''s' {
        $s = Get-VsState { param($s) & $script:Shared25b6 $s; (Get-VsHost $s 'esx-03')['gpus'][1]['sub_device_id'] = '14a9' }
        $r = Invoke-VsScript $s ($script:SubSpec + "(Get-VM -Name 'train-01' -Server `$c).ExtensionData.ReconfigVM((New-SubSpec 0x157e))")
        $r.error | Should -BeLike '*no PCI device 10de:25b6 subsystem 10de:157e*'
        $r = Invoke-VsScript (Get-VsState $script:Shared25b6) ($script:SubSpec + "(Get-VM -Name 'train-01' -Server `$c).ExtensionData.ReconfigVM((New-SubSpec 0x157e))")
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'train-01')['devices'][0]['sub_device_id'] | Should -Be '157e'
    }
    It 'powers the VM on only where a GPU of that subsystem is free' {
        $s = Get-VsState {
            param($s)
            & $script:Shared25b6 $s
            $t = Get-VsVm $s 'train-01'; $t['devices'] = @([ordered]@{ type = 'dynamic_passthrough'; vendor_id = '10de'; device_id = '25b6'; sub_vendor_id = '10de'; sub_device_id = '157e' })
            $t['extra_config'] = [ordered]@{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = '64' }
            # another VM already holds the A2
            $o = Get-VsVm $s 'ml-06'; $o['host'] = 'esx-03'; $o['memory_reservation_locked_to_max'] = $true
            $o['devices'] = @([ordered]@{ type = 'dynamic_passthrough'; vendor_id = '10de'; device_id = '25b6'; sub_vendor_id = '10de'; sub_device_id = '157e' })
        }
        $r = Invoke-VsScript $s "Start-VM -VM (Get-VM -Name 'train-01' -Server `$c) -Server `$c"
        # The free A16 (same device id, other subsystem) does not take it.
        $r.error | Should -BeLike '*no free, enabled and active passthrough device 10de:25b6*'
    }
}

Describe 'Sessions open before the script (open_sessions)' {
    BeforeAll {
        $script:Open = {
            param($s)
            $o = Get-TestState -Name 'vsan-small'
            $o['vcenter']['name'] = 'vc02'
            $o.Remove('platform'); $o.Remove('faults')
            $s['other_vcenters'] = @($o)
            $s['open_sessions'] = @('vc02')
        }
    }
    It 'the script starts with the session as a default server: a call without -Server reaches it' {
        $r = Invoke-TestScript -State (Get-VsState $script:Open) -Body "Write-Host (@(`$global:DefaultVIServers | ForEach-Object { `$_.Name }) -join ','); `$c = Connect-VIServer -Server 'vc01'; Write-Host @(Get-VM -Name 'ml-01').Count; Write-Host @(Get-VM -Name 'ml-01' -Server `$c).Count; `$null = Stop-VM -VM (Get-VM -Name 'ml-02' -Server `$c) -Confirm:`$false"
        $r.output | Should -Be @('vc02', '2', '1')
        (Get-VsVm $r.state['other_vcenters'][0] 'ml-02')['power_state'] | Should -Be 'PoweredOn'
        (Get-VsVm $r.state 'ml-02')['power_state'] | Should -Be 'PoweredOff'
        $r.state['open_sessions'] | Should -Be @('vc02')
    }
    It 'refuses a session to a vCenter the state does not have (exit 2)' {
        $r = Invoke-TestScript -State (Get-VsState { param($s) $s['open_sessions'] = @('vc09') }) -Body 'Write-Host 1'
        $r.exit | Should -Be 2
        $r.error | Should -BeLike '*open_sessions: vc09 is not the vcenter*'
    }
}

Describe 'Passthrough enable: UpdatePassthruConfig, active after a host reboot' {
    It 'enables now and activates at the reboot; refuses a device the host does not have' {
        $body = @'
$h = Get-VMHost -Name 'esx-03' -Server $c
$pt = Get-View -Id $h.ExtensionData.ConfigManager.PciPassthruSystem -Server $c
$bad = New-Object -TypeName 'VMware.Vim.HostPciPassthruConfig'
$bad.Id = '0000:00:01.0'; $bad.PassthruEnabled = $true
try { $pt.UpdatePassthruConfig(@($bad)) } catch { Write-Host $_.Exception.Message }
$cfg = New-Object -TypeName 'VMware.Vim.HostPciPassthruConfig'
$cfg.Id = '0000:3b:00.0'; $cfg.PassthruEnabled = $true
$pt.UpdatePassthruConfig(@($cfg))
$pt.UpdateViewData()
Write-Host $pt.PciPassthruInfo[0].PassthruEnabled $pt.PciPassthruInfo[0].PassthruActive
$null = Set-VMHost -VMHost $h -State 'Maintenance' -Confirm:$false -Server $c
$h.ExtensionData.RebootHost($false)
'@
        $r = Invoke-VsScript (Get-VsState) $body
        $r.output[0] | Should -BeLike '*config.id*'
        $r.output[1] | Should -Be 'True False'
        $g = (Get-VsHost $r.state 'esx-03')['gpus'][0]
        $g['passthrough_enabled'] | Should -BeTrue
        $g['passthrough_active'] | Should -BeTrue
        Get-TestCommands $r | Should -Be @('UpdatePassthruConfig', 'UpdatePassthruConfig', 'Set-VMHost', 'RebootHost')
    }
}

Describe 'vGPU Manager check: esxcli (Get-EsxCli -V2) component list and loaded modules' {
    It 'shows the installed component and whether the nvidia module is loaded' {
        $s = Get-VsState { param($s) (Get-VsHost $s 'esx-02')['nvidia_module_loaded'] = $false }
        $body = @'
foreach ($n in 'esx-01', 'esx-02') {
    $e = Get-EsxCli -VMHost (Get-VMHost -Name $n -Server $c) -V2 -Server $c
    $m = @($e.system.module.list.Invoke() | Where-Object { $_.Name -eq 'nvidia' })
    Write-Host $n @($e.software.component.list.Invoke())[0].Version $m[0].IsLoaded @($e.system.module.list.Invoke(@{ loaded = $true })).Count
}
'@
        $r = Invoke-VsScript $s $body
        $r.output | Should -Be @('esx-01 550.54.16-1OEM.800.1.0.20613240 true 1', 'esx-02 550.54.16-1OEM.800.1.0.20613240 false 0')
    }
    It 'refuses an esxcli namespace the twin does not model, and the V1 interface' {
        $r = Invoke-VsScript (Get-VsState) "`$e = Get-EsxCli -VMHost 'esx-01' -V2 -Server `$c; `$e.hardware.pci.list.Invoke()"
        $r.error | Should -BeLike '*hardware*cannot be found*'
        $r = Invoke-VsScript (Get-VsState) "Get-EsxCli -VMHost 'esx-01' -Server `$c"
        $r.error | Should -BeLike '*only Get-EsxCli -V2*'
    }
}

Describe 'DRS groups and VM-host rules' {
    It 'creates, refuses a duplicate and a wrong group type, reconciles members and the rule' {
        $body = @'
$cl = Get-Cluster -Name 'vsan-prod' -Server $c
$g1 = New-DrsClusterGroup -Cluster $cl -Name 'g-vm' -VM (Get-VM -Name 'train-01' -Server $c) -Server $c
$g2 = New-DrsClusterGroup -Cluster $cl -Name 'g-host' -VMHost (Get-VMHost -Name 'esx-02' -Server $c) -Server $c
try { $null = New-DrsClusterGroup -Cluster $cl -Name 'g-vm' -VM (Get-VM -Name 'ml-01' -Server $c) -Server $c } catch { Write-Host $_.Exception.Message }
$null = New-DrsVMHostRule -Cluster $cl -Name 'r' -VMGroup $g1 -VMHostGroup $g2 -Type 'ShouldRunOn' -Enabled $true -Server $c
try { $null = New-DrsVMHostRule -Cluster $cl -Name 'r2' -VMGroup $g2 -VMHostGroup $g1 -Type 'ShouldRunOn' -Server $c } catch { Write-Host $_.Exception.Message }
$null = Set-DrsClusterGroup -DrsClusterGroup (Get-DrsClusterGroup -Cluster $cl -Name 'g-host' -Server $c) -Add -VMHost (Get-VMHost -Name 'esx-03' -Server $c) -Confirm:$false -Server $c
$null = Get-DrsVMHostRule -Cluster $cl -Name 'r' -Server $c | Set-DrsVMHostRule -Enabled $false -Confirm:$false -Server $c
'@
        $r = Invoke-VsScript (Get-VsState) $body
        $r.exit | Should -Be 0
        $r.output[0] | Should -BeLike '*already exists*'
        $r.output[1] | Should -BeLike '*Cannot convert*DrsClusterVMGroup*'
        $cl = $r.state['clusters'][0]
        $cl['drs_groups'][1]['members'] | Should -Be @('esx-02', 'esx-03')
        $cl['drs_rules'][0]['enabled'] | Should -BeFalse
        $cl['drs_rules'][0]['type'] | Should -Be 'ShouldRunOn'
        Get-TestCommands $r | Should -Be @('New-DrsClusterGroup', 'New-DrsClusterGroup', 'New-DrsClusterGroup', 'New-DrsVMHostRule', 'Set-DrsClusterGroup', 'Set-DrsVMHostRule')
    }
    It 'names the group or rule it creates as the call target, and a fault of that target fails the call' {
        $body = @'
$cl = Get-Cluster -Name 'vsan-prod' -Server $c
$g1 = New-DrsClusterGroup -Cluster $cl -Name 'g-vm' -VM (Get-VM -Name 'train-01' -Server $c) -Server $c
$g2 = New-DrsClusterGroup -Cluster $cl -Name 'g-host' -VMHost (Get-VMHost -Name 'esx-02' -Server $c) -Server $c
try { $null = New-DrsVMHostRule -Cluster $cl -Name 'r' -VMGroup $g1 -VMHostGroup $g2 -Type 'ShouldRunOn' -Enabled $true -Server $c } catch { Write-Host $_.Exception.Message }
'@
        $s = Get-VsState { param($s) $s['faults'] = @(
                [ordered]@{ command = 'New-DrsClusterGroup'; target = 'g-host'; message = 'group fault'; times = 1 },
                [ordered]@{ command = 'New-DrsVMHostRule'; target = 'r'; message = 'rule fault'; times = 1 }) }
        $r = Invoke-VsScript $s ("try {`n" + $body + "`n} catch { Write-Host `$_.Exception.Message }")
        $r.output | Should -Be @('group fault')
        @($r.calls | ForEach-Object { $_['target'] }) | Should -Be @('g-vm', 'g-host')
        $s = Get-VsState { param($s) $s['faults'] = @([ordered]@{ command = 'New-DrsVMHostRule'; target = 'r'; message = 'rule fault'; times = 1 }) }
        $r = Invoke-VsScript $s $body
        $r.output | Should -Be @('rule fault')
        @($r.calls | ForEach-Object { '{0} {1}' -f $_['command'], $_['target'] }) | Should -Be @('New-DrsClusterGroup g-vm', 'New-DrsClusterGroup g-host', 'New-DrsVMHostRule r')
        # The cluster is not the target: a fault naming it does not fire.
        $s = Get-VsState { param($s) $s['faults'] = @([ordered]@{ command = 'New-DrsVMHostRule'; target = 'vsan-prod'; message = 'rule fault'; times = 1 }) }
        $r = Invoke-VsScript $s $body
        @($r.output).Count | Should -Be 0
        @($r.state['clusters'][0]['drs_rules']).Count | Should -Be 1
    }
    It 'refuses a group member outside the cluster' {
        $s = Get-VsState { param($s) $s['clusters'] += [ordered]@{ name = 'other'; drs_enabled = $true; drs_groups = @(); drs_rules = @() }; (Get-VsHost $s 'esx-04')['cluster'] = 'other' }
        $r = Invoke-VsScript $s "New-DrsClusterGroup -Cluster (Get-Cluster -Name 'vsan-prod' -Server `$c) -Name 'g' -VMHost (Get-VMHost -Name 'esx-04' -Server `$c) -Server `$c"
        $r.error | Should -BeLike '*not in cluster vsan-prod*'
    }
}

Describe 'Advanced settings (vCenter and VM extraConfig)' {
    It 'sets an existing vCenter setting; refuses to re-create it without -Force' {
        $r = Invoke-VsScript (Get-VsState) "`$a = Get-AdvancedSetting -Entity `$global:DefaultVIServer -Name 'vgpu.hotmigrate.enabled' -Server `$c; Write-Host `$a.Value; `$null = `$a | Set-AdvancedSetting -Value `$true -Confirm:`$false; New-AdvancedSetting -Entity `$c -Name 'vgpu.hotmigrate.enabled' -Value `$true -Confirm:`$false"
        $r.output[0] | Should -Be 'false'
        $r.state['vcenter']['advanced_settings']['vgpu.hotmigrate.enabled'] | Should -Be 'true'
        $r.error | Should -BeLike '*already exists*'
    }
    It 'refuses a pciPassthru VM setting change while the VM runs; accepts it when off' {
        $r = Invoke-VsScript (Get-VsState) "New-AdvancedSetting -Entity (Get-VM -Name 'ml-01' -Server `$c) -Name 'pciPassthru.use64bitMMIO' -Value 'TRUE' -Confirm:`$false"
        $r.error | Should -BeLike '*Powered on*'
        $r = Invoke-VsScript (Get-VsState { param($s) (Get-VsVm $s 'ml-01')['power_state'] = 'PoweredOff' }) "`$null = New-AdvancedSetting -Entity (Get-VM -Name 'ml-01' -Server `$c) -Name 'pciPassthru.use64bitMMIO' -Value 'TRUE' -Confirm:`$false"
        $r.exit | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['extra_config']['pciPassthru.use64bitMMIO'] | Should -Be 'TRUE'
    }
}

Describe 'Faults of the state, the call log and -WhatIf' {
    It 'fails ReconfigVM_Task on the injected fault the given number of times (the task ends in error)' {
        $s = Get-VsState { param($s) $s['faults'] = @([ordered]@{ command = 'ReconfigVM_Task'; target = 'ml-04'; message = 'disk full'; times = 1 }); (Get-VsVm $s 'ml-04')['power_state'] = 'PoweredOff' }
        $r = Invoke-VsScript $s ($script:VgpuSpec + "`$v = (Get-VM -Name 'ml-04' -Server `$c).ExtensionData; foreach (`$i in 1, 2) { `$t = Get-TaskInfo (`$v.ReconfigVM_Task((New-VgpuSpec 'grid_l40-12q'))); Write-Host (@(`$t.State, `$(if (`$t.Error) { `$t.Error.LocalizedMessage })) -join ' ').Trim() }")
        $r.output | Should -Be @('error disk full', 'success')
        $r.state['faults'][0]['times'] | Should -Be 0
        Get-TestCommands $r | Should -Be @('ReconfigVM_Task', 'ReconfigVM_Task')
        @((Get-VsVm $r.state 'ml-04')['devices']).Count | Should -Be 1
    }
    It 'fails Start-VM on the injected fault for that VM only' {
        $s = Get-VsState { param($s) $s['faults'] = @([ordered]@{ command = 'Start-VM'; target = 'ml-05'; message = 'insufficient resources'; times = 1 }); foreach ($v in $s['vms']) { $v['power_state'] = 'PoweredOff' } }
        $r = Invoke-VsScript $s "try { `$null = Start-VM -VM (Get-VM -Name 'ml-05' -Server `$c) -Server `$c } catch { Write-Host `$_.Exception.Message }; `$null = Start-VM -VM (Get-VM -Name 'ml-06' -Server `$c) -Server `$c"
        $r.output | Should -Be @('insufficient resources')
        (Get-VsVm $r.state 'ml-05')['power_state'] | Should -Be 'PoweredOff'
        (Get-VsVm $r.state 'ml-06')['power_state'] | Should -Be 'PoweredOn'
    }
    It 'logs mutating calls only; under -WhatIf nothing is called or changed' {
        $s = Get-VsState { param($s) (Get-VsVm $s 'ml-01')['power_state'] = 'PoweredOff' }
        $body = "`$null = Get-VM -Server `$c; `$null = Get-VMHost -Server `$c; `$null = Get-Cluster -Server `$c; `$null = Get-View -ViewType 'HostSystem' -Filter @{ Name = '^esx-01$' } -Server `$c; `$null = Start-VM -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c"
        $r = Invoke-VsScript $s $body -Preview
        $r.exit | Should -Be 0
        @($r.calls).Count | Should -Be 0
        (Get-VsVm $r.state 'ml-01')['power_state'] | Should -Be 'PoweredOff'
        $r = Invoke-VsScript $s $body
        Get-TestCommands $r | Should -Be @('Start-VM')
        $r.calls[0]['host'] | Should -Be 'esx-01'
        $r.calls[0]['target'] | Should -Be 'ml-01'
    }
    It 'a script run with -WhatIf still connects and reads (only changes are previewed)' {
        $r = Invoke-VsScript (Get-VsState) "Write-Host @(Get-VM -Server `$c).Count; Write-Host `$global:DefaultVIServer.Name" -Preview
        $r.output | Should -Be @('7', 'vc01')
    }
    It 'an untouched cluster comes out equal to its state' {
        $s = Get-VsState
        $r = Invoke-VsScript $s "`$null = Get-VM -Server `$c; `$null = Get-EsxCli -VMHost 'esx-01' -V2 -Server `$c"
        (ConvertTo-TwinJson $r.state) | Should -Be (ConvertTo-TwinJson $s)
    }
}

Describe 'State check' {
    It 'refuses a state with a wrong field before running (exit 2)' {
        $s = Get-VsState { param($s) (Get-VsVm $s 'ml-01')['power_state'] = 'Running'; (Get-VsHost $s 'esx-01')['gpus'][0]['vendor_id'] = '10DE' }
        $r = Invoke-VsScript $s "Get-VM -Server `$c"
        $r.exit | Should -Be 2
        $r.error | Should -BeLike '*vms*power_state must be PoweredOn|PoweredOff|Suspended*'
        $r.error | Should -BeLike '*vendor_id must be hex*'
    }
}
