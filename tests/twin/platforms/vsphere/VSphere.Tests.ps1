# VSphere.Tests.ps1 - Pester 5 unit tests of the vSphere twin (test code).
#
# One Describe per behaviour of twin.md section 4 (vSphere), each showing the twin refusing
# the wrong call and accepting the right one, plus binding, wildcards, -Server, faults and
# the call log. Run: Invoke-Pester -Path tests/twin/platforms/vsphere/VSphere.Tests.ps1
#
# Each check was shown to fail on a planted fault (a check removed from the model); the
# twin README lists them.

BeforeAll {
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'VSphere.TestHost.ps1')
    $script:Fixture = Join-Path $PSScriptRoot 'fixtures/vsan-prod.json'
    function New-TestState {
        param([scriptblock]$Edit)
        $s = Get-Content -Raw -LiteralPath $script:Fixture | ConvertFrom-Json -AsHashtable
        if ($null -ne $Edit) { & $Edit $s }
        return $s
    }
    function Get-TestVm {
        param($State, [string]$Name)
        return @($State.vms | Where-Object { $_.name -eq $Name })[0]
    }
    function Get-TestHost {
        param($State, [string]$Name)
        return @($State.hosts | Where-Object { $_.name -eq $Name })[0]
    }
    function Start-TestTwin {
        param($State)
        Initialize-VSphereTwin -State $State
        Remove-Variable -Name 'DefaultVIServer', 'DefaultVIServers' -Scope Global -ErrorAction SilentlyContinue
        return (Connect-VIServer -Server 'vc01')
    }
    function New-VgpuSpec {
        param([string]$Profile)
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $dev = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
        $dev.Operation = 'add'
        $dev.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
        $dev.Device.Key = -100
        $dev.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo'
        $dev.Device.Backing.Vgpu = $Profile
        $spec.DeviceChange = @($dev)
        return $spec
    }
    function New-DynamicSpec {
        param([int]$VendorId = 0x10de, [int]$DeviceId = 0x26b5)
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $dev = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
        $dev.Operation = 'add'
        $dev.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
        $dev.Device.Key = -101
        $a = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughAllowedDevice'
        $a.VendorId = $VendorId
        $a.DeviceId = $DeviceId
        $dev.Device.Backing = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo'
        $dev.Device.Backing.AllowedDevice = @($a)
        $spec.DeviceChange = @($dev)
        return $spec
    }
    # The task a *_Task method returned, as a script reads it.
    function Get-TestTask {
        param($Ref, $Server)
        return (Get-View -Id $Ref -Server $Server).Info
    }
    function Get-TestCallNames {
        return @(Get-VSphereTwinCall | ForEach-Object { $_.command })
    }
    Import-VSphereTwin -State (New-TestState)
}

Describe 'Binding from powercli-cmdlets.tsv' {
    BeforeEach { $script:c = Start-TestTwin (New-TestState) }
    It 'refuses an undocumented parameter' {
        { Get-VM -ClusterName 'vsan-prod' -Server $script:c } | Should -Throw '*parameter*ClusterName*'
        { Get-EsxCli -VMHost 'esx-01' -V3 } | Should -Throw '*parameter*V3*'
    }
    It 'refuses a mix of parameter sets' {
        { Get-VM -Id 'VirtualMachine-vm-1001' -Name 'ml-01' -Server $script:c } | Should -Throw '*Parameter set cannot be resolved*'
    }
    It 'refuses a documented but unmodelled parameter' {
        { Get-VM -Tag 'x' -Server $script:c -ErrorAction Stop } | Should -Throw '*not modelled*'
    }
    It 'accepts the documented forms' {
        @(Get-VM -Name 'ml-01' -Server $script:c).Count | Should -Be 1
        @(Get-VM -Id 'VirtualMachine-vm-1001' -Server $script:c).Name | Should -Be 'ml-01'
    }
    It 'makes a misspelt VMware.Vim property fail under StrictMode' {
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        { $spec.DeviceChanges = @() } | Should -Throw '*DeviceChanges*cannot be found*'
        $b = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo'
        { $b.Profile = 'grid_l40-12q' } | Should -Throw '*Profile*cannot be found*'
        { $b.Vgpu = 'grid_l40-12q' } | Should -Not -Throw
    }
}

Describe 'Names: WildcardPattern, case-insensitive' {
    BeforeEach { $script:c = Start-TestTwin (New-TestState) }
    It 'matches -Name as a wildcard pattern' {
        @(Get-VM -Name 'ml-0[12]' -Server $script:c | ForEach-Object { $_.Name }) | Should -Be @('ml-01', 'ml-02')
        @(Get-VM -Name 'ML-01' -Server $script:c).Count | Should -Be 1
        @(Get-VM -Name '*' -Server $script:c).Count | Should -Be 7
    }
    It 'writes a not-found error for a name that matches nothing' {
        { Get-VM -Name 'nope' -Server $script:c -ErrorAction Stop } | Should -Throw '*was not found*'
        @(Get-VM -Name 'nope' -Server $script:c -ErrorAction SilentlyContinue).Count | Should -Be 0
    }
    It 'scopes Get-VM -Location to a cluster' {
        $s = New-TestState {
            param($s)
            $s.clusters += @{ name = 'other'; drs_enabled = $false; drs_groups = @(); drs_rules = @() }
            $h = (Get-TestHost $s 'esx-04'); $h.cluster = 'other'
            $v = Get-TestVm $s 'ml-06'; $v.host = 'esx-04'
        }
        $c = Start-TestTwin $s
        $cl = Get-Cluster -Name 'vsan-prod' -Server $c
        @(Get-VM -Location $cl -Server $c | ForEach-Object { $_.Name }) | Should -Not -Contain 'ml-06'
        @(Get-VM -Location (Get-Cluster -Name 'other' -Server $c) -Server $c | ForEach-Object { $_.Name }) | Should -Be @('ml-06')
    }
}

Describe '-Server: every call acts on the servers it is given' {
    BeforeEach {
        $s = New-TestState {
            param($s)
            $other = Get-Content -Raw -LiteralPath $script:Fixture | ConvertFrom-Json -AsHashtable
            $other.vcenter.name = 'vc02'
            $other.Remove('faults'); $other.Remove('platform')
            $s['other_vcenters'] = @($other)
        }
        Initialize-VSphereTwin -State $s
        Remove-Variable -Name 'DefaultVIServer', 'DefaultVIServers' -Scope Global -ErrorAction SilentlyContinue
        $script:c1 = Connect-VIServer -Server 'vc01'
        $script:c2 = Connect-VIServer -Server 'vc02'
    }
    It 'acts on all default servers without -Server (PowerCLI multiple mode)' {
        @(Get-VM -Name 'ml-01').Count | Should -Be 2
    }
    It 'acts on the given server only with -Server' {
        $vms = @(Get-VM -Name 'ml-01' -Server $script:c1)
        $vms.Count | Should -Be 1
        $vms[0].Uid | Should -BeLike '*@vc01:*'
    }
    It 'fails without any connection' {
        Disconnect-VIServer -Server $script:c1 -Confirm:$false
        Disconnect-VIServer -Server $script:c2 -Confirm:$false
        { Get-VM -Name 'ml-01' -ErrorAction Stop } | Should -Throw '*not currently connected*'
    }
    It 'refuses an unknown server' {
        { Connect-VIServer -Server 'vc99' -ErrorAction Stop } | Should -Throw '*Could not resolve*'
    }
}

Describe 'ReconfigVM_Task: adding or removing a PCI device needs the VM powered off' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'ends the task in error on a powered-on VM, and changes nothing' {
        $vm = Get-VM -Name 'ml-01' -Server $script:c
        $t = Get-TestTask ($vm.ExtensionData.ReconfigVM_Task((New-VgpuSpec 'grid_l40-12q'))) $script:c
        $t.State | Should -Be 'error'
        $t.Error.LocalizedMessage | Should -BeLike '*current state (Powered on)*'
        @((Get-TestVm $script:s 'ml-01').devices).Count | Should -Be 0
        { $vm.ExtensionData.ReconfigVM((New-VgpuSpec 'grid_l40-12q')) } | Should -Throw '*current state (Powered on)*'
    }
    It 'adds the device to a powered-off VM' {
        (Get-TestVm $script:s 'ml-01').power_state = 'PoweredOff'
        $vm = Get-VM -Name 'ml-01' -Server $script:c
        (Get-TestTask ($vm.ExtensionData.ReconfigVM_Task((New-VgpuSpec 'grid_l40-12q'))) $script:c).State | Should -Be 'success'
        (Get-TestVm $script:s 'ml-01').devices[0].profile | Should -Be 'grid_l40-12q'
    }
    It 'removes a device only by a key of the VM''s devices, with the VM off' {
        $v = Get-TestVm $script:s 'ml-01'
        $v.devices = @(@{ type = 'vgpu'; profile = 'grid_l40-24q' })
        $view = (Get-VM -Name 'ml-01' -Server $script:c).ExtensionData
        $rm = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
        $rm.Operation = 'remove'
        $rm.Device = $view.Config.Hardware.Device[0]
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $spec.DeviceChange = @($rm)
        { $view.ReconfigVM($spec) } | Should -Throw '*Powered on*'
        $v.power_state = 'PoweredOff'
        $bad = New-Object -TypeName 'VMware.Vim.VirtualDeviceConfigSpec'
        $bad.Operation = 'remove'
        $bad.Device = New-Object -TypeName 'VMware.Vim.VirtualPCIPassthrough'
        $bad.Device.Key = 13005
        $spec2 = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $spec2.DeviceChange = @($bad)
        { $view.ReconfigVM($spec2) } | Should -Throw '*no PCI device with key 13005*'
        $view.ReconfigVM($spec)
        @($v.devices).Count | Should -Be 0
    }
    It 'accepts a memory reservation change on a powered-on VM' {
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $spec.MemoryReservationLockedToMax = $true
        (Get-VM -Name 'ml-01' -Server $script:c).ExtensionData.ReconfigVM($spec)
        (Get-TestVm $script:s 'ml-01').memory_reservation_locked_to_max | Should -BeTrue
    }
    It 'refuses a spec field the twin does not model' {
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $spec.NumCPUs = 8
        { (Get-VM -Name 'ml-01' -Server $script:c).ExtensionData.ReconfigVM($spec) } | Should -Throw '*NumCPUs is not modelled*'
    }
}

Describe 'A suspended VM cannot be reconfigured' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'refuses any reconfiguration of a suspended VM' {
        (Get-TestVm $script:s 'ml-02').power_state = 'Suspended'
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $spec.MemoryReservationLockedToMax = $true
        { (Get-VM -Name 'ml-02' -Server $script:c).ExtensionData.ReconfigVM($spec) } | Should -Throw '*current state (Suspended)*'
        (Get-TestVm $script:s 'ml-02').memory_reservation_locked_to_max | Should -BeFalse
    }
    It 'accepts it once the VM is powered off' {
        (Get-TestVm $script:s 'ml-02').power_state = 'PoweredOff'
        $spec = New-Object -TypeName 'VMware.Vim.VirtualMachineConfigSpec'
        $spec.MemoryReservationLockedToMax = $true
        (Get-VM -Name 'ml-02' -Server $script:c).ExtensionData.ReconfigVM($spec)
        (Get-TestVm $script:s 'ml-02').memory_reservation_locked_to_max | Should -BeTrue
    }
}

Describe 'vGPU: the profile must be offered and the ACTIVE graphics type sharedDirect' {
    BeforeEach { $script:s = New-TestState; (Get-TestVm $script:s 'ml-01').power_state = 'PoweredOff'; $script:c = Start-TestTwin $script:s }
    It 'refuses a profile not in SharedPassthruGpuTypes' {
        { (Get-VM -Name 'ml-01' -Server $script:c).ExtensionData.ReconfigVM((New-VgpuSpec 'grid_l40-8q')) } | Should -Throw '*not found in allowed pci passthrough device list*'
    }
    It 'refuses when sharedDirect is configured but not yet active' {
        $h = Get-TestHost $script:s 'esx-01'
        $h.graphics.active_type = 'shared'
        { (Get-VM -Name 'ml-01' -Server $script:c).ExtensionData.ReconfigVM((New-VgpuSpec 'grid_l40-12q')) } | Should -Throw '*active graphics type is shared*'
    }
    It 'accepts an offered profile on an active sharedDirect host' {
        (Get-VM -Name 'ml-01' -Server $script:c).ExtensionData.ReconfigVM((New-VgpuSpec 'grid_l40-12q'))
        (Get-TestVm $script:s 'ml-01').devices[0].type | Should -Be 'vgpu'
    }
}

Describe 'Dynamic DirectPath I/O: an enabled, active GPU and hardware version 17' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'refuses hardware version 15' {
        (Get-TestVm $script:s 'train-01').hardware_version = 15
        { (Get-VM -Name 'train-01' -Server $script:c).ExtensionData.ReconfigVM((New-DynamicSpec)) } | Should -Throw '*hardware version 17 or later*'
    }
    It 'refuses a GPU enabled for passthrough but not active (no reboot yet)' {
        $g = (Get-TestHost $script:s 'esx-02').gpus[1]
        $g.passthrough_active = $false
        { (Get-VM -Name 'train-01' -Server $script:c).ExtensionData.ReconfigVM((New-DynamicSpec)) } | Should -Throw '*enabled and active for passthrough*'
    }
    It 'refuses a vendor/device id the host does not have' {
        { (Get-VM -Name 'train-01' -Server $script:c).ExtensionData.ReconfigVM((New-DynamicSpec -DeviceId 0x2236)) } | Should -Throw '*has no PCI device 10de:2236*'
    }
    It 'accepts it on a host with an active passthrough GPU' {
        (Get-VM -Name 'train-01' -Server $script:c).ExtensionData.ReconfigVM((New-DynamicSpec))
        (Get-TestVm $script:s 'train-01').devices[0].device_id | Should -Be '26b5'
    }
}

Describe 'Power on: locked reservation; large-BAR GPUs need 64-bit MMIO and EFI' {
    BeforeEach {
        $script:s = New-TestState {
            param($s)
            $v = Get-TestVm $s 'ml-01'; $v.power_state = 'PoweredOff'; $v.devices = @(@{ type = 'vgpu'; profile = 'grid_l40-12q' })
            $t = Get-TestVm $s 'train-01'; $t.devices = @(@{ type = 'dynamic_passthrough'; vendor_id = '10de'; device_id = '26b5' })
            $t.memory_reservation_locked_to_max = $true
        }
        $script:c = Start-TestTwin $script:s
    }
    It 'refuses a vGPU VM without a locked memory reservation' {
        { Start-VM -VM (Get-VM -Name 'ml-01' -Server $script:c) -Server $script:c -ErrorAction Stop } | Should -Throw '*memory reservation (sched.mem.min) should be equal to memsize(65536)*'
        (Get-TestVm $script:s 'ml-01').power_state | Should -Be 'PoweredOff'
    }
    It 'starts it with the reservation locked' {
        (Get-TestVm $script:s 'ml-01').memory_reservation_locked_to_max = $true
        Start-VM -VM (Get-VM -Name 'ml-01' -Server $script:c) -Server $script:c -ErrorAction Stop
        (Get-TestVm $script:s 'ml-01').power_state | Should -Be 'PoweredOn'
    }
    It 'refuses a large-BAR passthrough VM without pciPassthru.use64bitMMIO' {
        { Start-VM -VM (Get-VM -Name 'train-01' -Server $script:c) -Server $script:c -ErrorAction Stop } | Should -Throw '*use64bitMMIO*'
    }
    It 'refuses an MMIO size below the GPU''s (L40: 128 GB)' {
        $t = Get-TestVm $script:s 'train-01'
        $t.extra_config = @{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = '64' }
        { Start-VM -VM (Get-VM -Name 'train-01' -Server $script:c) -Server $script:c -ErrorAction Stop } | Should -Throw '*64bitMMIOSizeGB >= 128*'
    }
    It 'refuses BIOS firmware' {
        $t = Get-TestVm $script:s 'train-01'
        $t.extra_config = @{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = '128' }
        $t.firmware = 'bios'
        { Start-VM -VM (Get-VM -Name 'train-01' -Server $script:c) -Server $script:c -ErrorAction Stop } | Should -Throw '*EFI firmware*'
    }
    It 'starts it with 64-bit MMIO of the right size and EFI' {
        $t = Get-TestVm $script:s 'train-01'
        $t.extra_config = @{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = '128' }
        Start-VM -VM (Get-VM -Name 'train-01' -Server $script:c) -Server $script:c -ErrorAction Stop
        $t.power_state | Should -Be 'PoweredOn'
    }
    It 'refuses a second passthrough VM when the host''s only active GPU is taken' {
        $t = Get-TestVm $script:s 'train-01'
        $t.extra_config = @{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = '128' }
        $t.power_state = 'PoweredOn'
        $s2 = @{ name = 'train-02'; id = 'vm-2002'; host = 'esx-02'; power_state = 'PoweredOff'; tools_running = $false; hardware_version = 19; firmware = 'efi'; memory_mb = 1024; memory_reservation_locked_to_max = $true; extra_config = @{ 'pciPassthru.use64bitMMIO' = 'TRUE'; 'pciPassthru.64bitMMIOSizeGB' = '128' }; devices = @(@{ type = 'dynamic_passthrough'; vendor_id = '10de'; device_id = '26b5' }) }
        $script:s.vms += $s2
        { Start-VM -VM (Get-VM -Name 'train-02' -Server $script:c) -Server $script:c -ErrorAction Stop } | Should -Throw '*no free, enabled and active passthrough device*'
    }
}

Describe 'ShutdownGuest needs VMware Tools running' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'refuses without Tools and leaves the VM on' {
        (Get-TestVm $script:s 'ml-03').tools_running = $false
        { (Get-VM -Name 'ml-03' -Server $script:c).ExtensionData.ShutdownGuest() } | Should -Throw '*VMware Tools is not running*'
        (Get-TestVm $script:s 'ml-03').power_state | Should -Be 'PoweredOn'
    }
    It 'refuses a VM that is not powered on' {
        (Get-TestVm $script:s 'ml-03').power_state = 'Suspended'
        { (Get-VM -Name 'ml-03' -Server $script:c).ExtensionData.ShutdownGuest() } | Should -Throw '*current state (Suspended)*'
    }
    It 'shuts the guest down with Tools running' {
        (Get-VM -Name 'ml-03' -Server $script:c).ExtensionData.ShutdownGuest()
        (Get-TestVm $script:s 'ml-03').power_state | Should -Be 'PoweredOff'
    }
}

Describe 'Graphics type: active only after an Xorg restart or reboot with no vGPU VM running' {
    BeforeEach {
        $script:s = New-TestState {
            param($s)
            $h = Get-TestHost $s 'esx-01'; $h.graphics.default_type = 'shared'; $h.graphics.active_type = 'shared'
            $v = Get-TestVm $s 'ml-01'; $v.devices = @(@{ type = 'vgpu'; profile = 'grid_l40-12q' }); $v.memory_reservation_locked_to_max = $true
        }
        $script:c = Start-TestTwin $script:s
        $script:h = Get-VMHost -Name 'esx-01' -Server $script:c
        $script:gm = Get-View -Id $script:h.ExtensionData.ConfigManager.GraphicsManager -Server $script:c
        $script:ss = Get-View -Id $script:h.ExtensionData.ConfigManager.ServiceSystem -Server $script:c
    }
    It 'changes the configured type only' {
        $cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'
        $cfg.HostDefaultGraphicsType = 'sharedDirect'
        $script:gm.UpdateGraphicsConfig($cfg)
        (Get-TestHost $script:s 'esx-01').graphics.default_type | Should -Be 'sharedDirect'
        (Get-TestHost $script:s 'esx-01').graphics.active_type | Should -Be 'shared'
        $script:gm.UpdateViewData()
        $script:gm.GraphicsConfig.HostDefaultGraphicsType | Should -Be 'sharedDirect'
        @($script:gm.GraphicsInfo | ForEach-Object { $_.GraphicsType }) | Should -Not -Contain 'sharedDirect'
        'UpdateGraphicsConfig' | Should -BeIn (Get-TestCallNames)
    }
    It 'refuses a graphics type that is not in the enum' {
        $cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'
        $cfg.HostDefaultGraphicsType = 'SharedPassthru'
        { $script:gm.UpdateGraphicsConfig($cfg) } | Should -Throw '*hostDefaultGraphicsType*'
    }
    It 'does not activate it on an Xorg restart while a vGPU VM runs' {
        (Get-TestHost $script:s 'esx-01').graphics.active_type = 'sharedDirect'
        (Get-TestHost $script:s 'esx-01').graphics.default_type = 'shared'
        $script:ss.RestartService('xorg')
        (Get-TestHost $script:s 'esx-01').graphics.active_type | Should -Be 'sharedDirect'
    }
    It 'activates it on an Xorg restart with no vGPU VM running' {
        (Get-TestVm $script:s 'ml-01').power_state = 'PoweredOff'
        (Get-TestHost $script:s 'esx-01').graphics.default_type = 'sharedDirect'
        $script:ss.RestartService('xorg')
        (Get-TestHost $script:s 'esx-01').graphics.active_type | Should -Be 'sharedDirect'
        'RestartService' | Should -BeIn (Get-TestCallNames)
    }
    It 'refuses an unknown service' {
        { $script:ss.RestartService('xorgd') } | Should -Throw '*could not be found*'
    }
    It 'reboots only in maintenance mode, which needs no powered-on VM' {
        (Get-TestHost $script:s 'esx-01').graphics.default_type = 'sharedDirect'
        $t = Get-TestTask ($script:h.ExtensionData.RebootHost_Task($false)) $script:c
        $t.State | Should -Be 'error'
        $t.Error.LocalizedMessage | Should -BeLike '*not allowed in the current state*'
        { Set-VMHost -VMHost $script:h -State 'Maintenance' -Confirm:$false -Server $script:c -ErrorAction Stop } | Should -Throw '*cannot enter maintenance mode*'
        foreach ($v in @($script:s.vms | Where-Object { $_.host -eq 'esx-01' })) { $v.power_state = 'PoweredOff' }
        $null = Set-VMHost -VMHost $script:h -State 'Maintenance' -Confirm:$false -Server $script:c -ErrorAction Stop
        (Get-TestTask ($script:h.ExtensionData.RebootHost_Task($false)) $script:c).State | Should -Be 'success'
        (Get-TestHost $script:s 'esx-01').graphics.active_type | Should -Be 'sharedDirect'
    }
    It 'changes the vGPU mode only with no vGPU VM running' {
        $h = Get-TestHost $script:s 'esx-01'
        $h.graphics.default_type = 'sharedDirect'; $h.graphics.active_type = 'sharedDirect'
        $h.graphics['vgpu_mode'] = 'sameSize'
        $cfg = New-Object -TypeName 'VMware.Vim.HostGraphicsConfig'
        $cfg.HostDefaultGraphicsType = 'sharedDirect'
        $t = New-Object -TypeName 'VMware.Vim.HostGraphicsConfigDeviceType'
        $t.DeviceId = '0000:3b:00.0'; $t.GraphicsType = 'sharedDirect'; $t.VgpuMode = 'mixedSize'
        $cfg.DeviceType = @($t)
        { $script:gm.UpdateGraphicsConfig($cfg) } | Should -Throw '*while VMs run vGPUs*'
        (Get-TestVm $script:s 'ml-01').power_state = 'PoweredOff'
        $script:gm.UpdateGraphicsConfig($cfg)
        $h.graphics.vgpu_mode | Should -Be 'mixedSize'
    }
}

Describe 'Passthrough enable: active after a host reboot' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'enables now, activates at the reboot' {
        $h = Get-VMHost -Name 'esx-03' -Server $script:c
        $pt = Get-View -Id $h.ExtensionData.ConfigManager.PciPassthruSystem -Server $script:c
        $cfg = New-Object -TypeName 'VMware.Vim.HostPciPassthruConfig'
        $cfg.Id = '0000:3b:00.0'
        $cfg.PassthruEnabled = $true
        $pt.UpdatePassthruConfig(@($cfg))
        $g = (Get-TestHost $script:s 'esx-03').gpus[0]
        $g.passthrough_enabled | Should -BeTrue
        $g.passthrough_active | Should -BeFalse
        $null = Set-VMHost -VMHost $h -State 'Maintenance' -Confirm:$false -Server $script:c
        $h.ExtensionData.RebootHost($false)
        $g.passthrough_active | Should -BeTrue
    }
    It 'refuses a device id the host does not have' {
        $h = Get-VMHost -Name 'esx-03' -Server $script:c
        $pt = Get-View -Id $h.ExtensionData.ConfigManager.PciPassthruSystem -Server $script:c
        $cfg = New-Object -TypeName 'VMware.Vim.HostPciPassthruConfig'
        $cfg.Id = '0000:00:01.0'
        $cfg.PassthruEnabled = $true
        { $pt.UpdatePassthruConfig(@($cfg)) } | Should -Throw '*config.id*'
    }
}

Describe 'vGPU Manager check: esxcli software component list and system module list' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'shows the installed component and whether the nvidia module is loaded' {
        (Get-TestHost $script:s 'esx-02').nvidia_module_loaded = $false
        $e1 = Get-EsxCli -VMHost (Get-VMHost -Name 'esx-01' -Server $script:c) -V2 -Server $script:c
        $e2 = Get-EsxCli -VMHost (Get-VMHost -Name 'esx-02' -Server $script:c) -V2 -Server $script:c
        @($e1.software.component.list.Invoke())[0].Version | Should -BeLike '550.54.16-*'
        @($e1.system.module.list.Invoke() | Where-Object { $_.Name -eq 'nvidia' })[0].IsLoaded | Should -BeTrue
        @($e2.system.module.list.Invoke() | Where-Object { $_.Name -eq 'nvidia' })[0].IsLoaded | Should -BeFalse
        @($e2.system.module.list.Invoke(@{ loaded = $true })).Count | Should -Be 0
    }
    It 'refuses an esxcli namespace the twin does not model, and the V1 interface' {
        $e = Get-EsxCli -VMHost (Get-VMHost -Name 'esx-01' -Server $script:c) -V2 -Server $script:c
        { $e.hardware.pci.list.Invoke() } | Should -Throw '*hardware*'
        { Get-EsxCli -VMHost 'esx-01' -Server $script:c -ErrorAction Stop } | Should -Throw '*only Get-EsxCli -V2*'
    }
}

Describe 'DRS groups and VM-host rules' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'creates, refuses a duplicate, reconciles members and the rule' {
        $cl = Get-Cluster -Name 'vsan-prod' -Server $script:c
        $g1 = New-DrsClusterGroup -Cluster $cl -Name 'g-vm' -VM (Get-VM -Name 'train-01' -Server $script:c) -Server $script:c
        $g2 = New-DrsClusterGroup -Cluster $cl -Name 'g-host' -VMHost (Get-VMHost -Name 'esx-02' -Server $script:c) -Server $script:c
        { New-DrsClusterGroup -Cluster $cl -Name 'g-vm' -VM (Get-VM -Name 'ml-01' -Server $script:c) -Server $script:c -ErrorAction Stop } | Should -Throw '*already exists*'
        $null = New-DrsVMHostRule -Cluster $cl -Name 'r' -VMGroup $g1 -VMHostGroup $g2 -Type 'ShouldRunOn' -Enabled $true -Server $script:c
        { New-DrsVMHostRule -Cluster $cl -Name 'r2' -VMGroup $g2 -VMHostGroup $g1 -Type 'ShouldRunOn' -Server $script:c -ErrorAction Stop } | Should -Throw '*VMGroup*'
        $g = Get-DrsClusterGroup -Cluster $cl -Name 'g-host' -Server $script:c
        $null = Set-DrsClusterGroup -DrsClusterGroup $g -Add -VMHost (Get-VMHost -Name 'esx-03' -Server $script:c) -Confirm:$false -Server $script:c
        $script:s.clusters[0].drs_groups[1].members | Should -Be @('esx-02', 'esx-03')
        $r = Get-DrsVMHostRule -Cluster $cl -Name 'r' -Server $script:c
        $null = Set-DrsVMHostRule -Rule $r -Enabled $false -Confirm:$false -Server $script:c
        $script:s.clusters[0].drs_rules[0].enabled | Should -BeFalse
        @(Get-TestCallNames) | Should -Be @('New-DrsClusterGroup', 'New-DrsClusterGroup', 'New-DrsClusterGroup', 'New-DrsVMHostRule', 'Set-DrsClusterGroup', 'Set-DrsVMHostRule')
    }
    It 'refuses a group member outside the cluster' {
        $s = New-TestState { param($s) $s.clusters += @{ name = 'other'; drs_enabled = $true; drs_groups = @(); drs_rules = @() }; (Get-TestHost $s 'esx-04').cluster = 'other' }
        $c = Start-TestTwin $s
        { New-DrsClusterGroup -Cluster (Get-Cluster -Name 'vsan-prod' -Server $c) -Name 'g' -VMHost (Get-VMHost -Name 'esx-04' -Server $c) -Server $c -ErrorAction Stop } | Should -Throw '*not in cluster vsan-prod*'
    }
}

Describe 'Advanced settings' {
    BeforeEach { $script:s = New-TestState; $script:c = Start-TestTwin $script:s }
    It 'sets an existing vCenter setting, refuses to re-create it without -Force' {
        $a = Get-AdvancedSetting -Entity $script:c -Name 'vgpu.hotmigrate.enabled'
        $a.Value | Should -Be 'false'
        $null = Set-AdvancedSetting -AdvancedSetting $a -Value $true -Confirm:$false
        $script:s.vcenter.advanced_settings['vgpu.hotmigrate.enabled'] | Should -Be 'true'
        { New-AdvancedSetting -Entity $script:c -Name 'vgpu.hotmigrate.enabled' -Value $true -Confirm:$false -ErrorAction Stop } | Should -Throw '*already exists*'
    }
    It 'refuses a pciPassthru VM setting change while the VM runs' {
        $vm = Get-VM -Name 'ml-01' -Server $script:c
        { New-AdvancedSetting -Entity $vm -Name 'pciPassthru.use64bitMMIO' -Value 'TRUE' -Confirm:$false -ErrorAction Stop } | Should -Throw '*Powered on*'
        (Get-TestVm $script:s 'ml-01').power_state = 'PoweredOff'
        $null = New-AdvancedSetting -Entity (Get-VM -Name 'ml-01' -Server $script:c) -Name 'pciPassthru.use64bitMMIO' -Value 'TRUE' -Confirm:$false
        (Get-TestVm $script:s 'ml-01').extra_config['pciPassthru.use64bitMMIO'] | Should -Be 'TRUE'
    }
}

Describe 'Faults from the state, the call log and -WhatIf' {
    It 'fails ReconfigVM_Task on the planted fault the given number of times' {
        $s = New-TestState { param($s) $s.faults = @(@{ command = 'ReconfigVM_Task'; target = 'ml-04'; message = 'disk full'; times = 1 }); (Get-TestVm $s 'ml-04').power_state = 'PoweredOff' }
        $c = Start-TestTwin $s
        $view = (Get-VM -Name 'ml-04' -Server $c).ExtensionData
        $t = Get-TestTask ($view.ReconfigVM_Task((New-VgpuSpec 'grid_l40-12q'))) $c
        $t.State | Should -Be 'error'
        $t.Error.LocalizedMessage | Should -Be 'disk full'
        (Get-TestTask ($view.ReconfigVM_Task((New-VgpuSpec 'grid_l40-12q'))) $c).State | Should -Be 'success'
        $s.faults[0].times | Should -Be 0
        @(Get-TestCallNames) | Should -Be @('ReconfigVM_Task', 'ReconfigVM_Task')
    }
    It 'fails Start-VM on the planted fault, for that VM only' {
        $s = New-TestState { param($s) $s.faults = @(@{ command = 'Start-VM'; target = 'ml-05'; message = 'insufficient resources'; times = 1 }); foreach ($v in $s.vms) { $v.power_state = 'PoweredOff' } }
        $c = Start-TestTwin $s
        { Start-VM -VM (Get-VM -Name 'ml-05' -Server $c) -Server $c -ErrorAction Stop } | Should -Throw 'insufficient resources'
        Start-VM -VM (Get-VM -Name 'ml-06' -Server $c) -Server $c -ErrorAction Stop
        (Get-TestVm $s 'ml-05').power_state | Should -Be 'PoweredOff'
        (Get-TestVm $s 'ml-06').power_state | Should -Be 'PoweredOn'
    }
    It 'logs mutating calls only, and nothing under -WhatIf' {
        $s = New-TestState { param($s) (Get-TestVm $s 'ml-01').power_state = 'PoweredOff' }
        $c = Start-TestTwin $s
        $null = Get-VM -Server $c; $null = Get-VMHost -Server $c; $null = Get-Cluster -Server $c
        Start-VM -VM (Get-VM -Name 'ml-01' -Server $c) -Server $c -WhatIf
        @(Get-TestCallNames).Count | Should -Be 0
        (Get-TestVm $s 'ml-01').power_state | Should -Be 'PoweredOff'
        $null = Start-VM -VM (Get-VM -Name 'ml-01' -Server $c) -Server $c
        @(Get-TestCallNames) | Should -Be @('Start-VM')
    }
    It 'asks before Stop-VM (a prompt is an error in the twin) unless -Confirm:$false' {
        $s = New-TestState
        $c = Start-TestTwin $s
        $null = Stop-VM -VM (Get-VM -Name 'ml-02' -Server $c) -Server $c -Confirm:$false
        (Get-TestVm $s 'ml-02').power_state | Should -Be 'PoweredOff'
    }
}
