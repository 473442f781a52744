<#
.SYNOPSIS
    vgpuc inventory (VMware vSphere): read what a vSphere cluster runs and write
    it as one vgpuc inventory JSON document (docs/adopt.md). Read only.
.DESCRIPTION
    Written by `vgpuc inventory --target vmware`. It connects to the vCenter
    (-Server), finds exactly one cluster of the exact name -Cluster, and reads,
    through that one connection: the vCenter version and its advanced
    setting vgpu.hotmigrate.enabled; per host of the cluster
    its connection state and ESXi version, its NVIDIA GPUs (PCI devices of
    class DisplayController with vendor 10DE: PCI address, vendor and device
    id, name), per GPU the active graphics type and vGPU mode
    (HostGraphicsManager.GraphicsInfo) and its passthrough state
    (HostPciPassthruSystem.PciPassthruInfo), the host's default graphics type
    and the vGPU types it offers, the NVIDIA vGPU Manager component and
    whether its kernel module is loaded (esxcli software component list,
    system module list); per VM of the cluster that holds a vGPU or a
    DirectPath I/O device: its host, power state, hardware version,
    firmware, memory, the 64-bit MMIO settings, its vGPU profiles and its
    dynamic DirectPath I/O devices (PCI ids and subsystem); and the cluster's DRS VM/host groups and
    VM-host rules. It calls only Connect-VIServer, Get-* cmdlets, the esxcli
    list commands and Disconnect-VIServer; nothing is changed. GPU models and
    releases are left to `vgpuc import`, which maps them through the catalog.
    Must stay valid Windows PowerShell 5.1.
.EXAMPLE
    .\inventory-vmware.ps1 -Server vcenter.example.com -Cluster gpu-cluster -Path .\gpu-cluster.inventory.json
#>
#Requires -Version 5.1
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string]$Server,
    [Parameter(Mandatory)] [string]$Cluster,
    [Parameter(Mandatory)] [string]$Path,
    [pscredential]$Credential,
    # Credentials valid inside the guests: each powered-on VM's NVIDIA guest
    # driver is then read inside the guest through VMware Tools (Invoke-VMScript).
    [pscredential]$GuestCredential
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:InventoryVersion = 1

function Get-VgpucInvPciHex {
    <# A PCI vendor or device id (Int16 in PowerCLI) as 4 upper-case hex digits. #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [AllowNull()] [object]$Value)
    if ($null -eq $Value) {
        return $null
    }
    '{0:X4}' -f (([int]$Value) -band 0xFFFF)
}

function Select-VgpucInvByName {
    <# The objects whose Name is exactly $Name (ordinal, case-insensitive): never a pattern. #>
    [CmdletBinding()]
    param([AllowEmptyCollection()] [object[]]$InputObject, [Parameter(Mandatory)] [string]$Name)
    @($InputObject | Where-Object { $null -ne $_ -and [string]::Equals([string]$_.Name, $Name, [System.StringComparison]::OrdinalIgnoreCase) })
}

function Read-VgpucInvHost {
    <# One host: state, version, NVIDIA GPUs with their graphics and passthrough state, the
       default graphics type, the vGPU types offered, the vGPU Manager. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object]$Connection, [Parameter(Mandatory)] [object]$VMHost)
    $doc = [ordered]@{ name = [string]$VMHost.Name; reachable = $true; error = $null; connection_state = [string]$VMHost.ConnectionState }
    if (@('Connected', 'Maintenance') -notcontains [string]$VMHost.ConnectionState) {
        $doc['reachable'] = $false
        $doc['error'] = 'the host is {0}' -f $VMHost.ConnectionState
        return $doc
    }
    $view = $VMHost.ExtensionData
    $graphics = Get-View -Id $view.ConfigManager.GraphicsManager -Server $Connection
    $passthru = Get-View -Id $view.ConfigManager.PciPassthruSystem -Server $Connection
    $active = @{}
    foreach ($gi in @($graphics.GraphicsInfo)) {
        if ($null -ne $gi) {
            $active[[string]$gi.PciId] = $gi
        }
    }
    $pt = @{}
    foreach ($p in @($passthru.PciPassthruInfo)) {
        if ($null -ne $p) {
            $pt[[string]$p.Id] = $p
        }
    }
    $gpus = @()
    foreach ($d in @(Get-VMHostPciDevice -VMHost $VMHost -DeviceClass 'DisplayController' -Server $Connection | Sort-Object -Property Id)) {
        if ((Get-VgpucInvPciHex -Value $d.VendorId) -ne '10DE') {
            continue
        }
        $id = ([string]$d.Id) -replace '^.*/', ''
        $gi = $active[$id]
        $p = $pt[$id]
        $gtype = $null
        $mode = $null
        if ($null -ne $gi) {
            $gtype = [string]$gi.GraphicsType
            if ($gi.PSObject.Properties.Match('VgpuMode').Count -gt 0 -and $gi.VgpuMode) {
                $mode = [string]$gi.VgpuMode
            }
        }
        $gpus += , ([ordered]@{
                pci_id              = $id
                vendor_id           = Get-VgpucInvPciHex -Value $d.VendorId
                device_id           = Get-VgpucInvPciHex -Value $d.DeviceId
                device_name         = [string]$d.DeviceName
                graphics_type       = $gtype
                vgpu_mode           = $mode
                passthrough_capable = ($null -ne $p -and [bool]$p.PassthruCapable)
                passthrough_enabled = ($null -ne $p -and [bool]$p.PassthruEnabled)
                passthrough_active  = ($null -ne $p -and [bool]$p.PassthruActive)
            })
    }
    $esxcliArgs = @{ VMHost = $VMHost; V2 = $true; Server = $Connection }
    $esxcli = Get-EsxCli @esxcliArgs
    $component = @($esxcli.software.component.list.Invoke() | Where-Object { ([string]$_.Name) -match '^NVD' -or ([string]$_.Vendor) -match 'NVIDIA' }) | Select-Object -First 1
    $loaded = @($esxcli.system.module.list.Invoke() | Where-Object { ([string]$_.Name) -eq 'nvidia' -and ([string]$_.IsLoaded) -eq 'true' })
    $doc['esxi_version'] = [string]$VMHost.Version
    $doc['nvidia_component'] = $null
    if ($null -ne $component) {
        $doc['nvidia_component'] = [ordered]@{ name = [string]$component.Name; version = [string]$component.Version }
    }
    $doc['nvidia_module_loaded'] = ($loaded.Count -gt 0)
    $doc['default_graphics_type'] = [string]$graphics.GraphicsConfig.HostDefaultGraphicsType
    $doc['vgpu_types'] = @($graphics.SharedPassthruGpuTypes | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ } | Sort-Object)
    $doc['gpus'] = $gpus
    $doc
}

function Read-VgpucInvGuestDriver {
    <# A powered-on VM's NVIDIA guest driver, read inside the guest through
       VMware Tools (Invoke-VMScript, nvidia-smi): os, driver, error. The OS
       is the guest family VMware Tools reports (GuestInfo.guestFamily:
       windowsGuest, linuxGuest). Read only. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object]$VM, [Parameter(Mandatory)] [object]$View, [Parameter(Mandatory)] [pscredential]$Credential)
    if ([string]$View.Runtime.PowerState -ne 'poweredOn') {
        return [ordered]@{ os = $null; driver = $null; error = ('the VM is {0}; the driver is read inside a running guest' -f $View.Runtime.PowerState) }
    }
    if ([string]$View.Guest.ToolsRunningStatus -ne 'guestToolsRunning') {
        return [ordered]@{ os = $null; driver = $null; error = 'VMware Tools are not running in the guest; the driver is read through them' }
    }
    $family = [string]$View.Guest.GuestFamily
    if ($family -eq 'windowsGuest') {
        $os = 'windows'
        $type = 'Powershell'
        $text = "`$c = Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue; if (-not `$c) { 'nvidia-smi.exe is missing in the guest'; exit 127 }; & `$c.Source '--query-gpu=driver_version' '--format=csv,noheader'; exit `$LASTEXITCODE"
    } elseif ($family -eq 'linuxGuest') {
        $os = 'linux'
        $type = 'Bash'
        $text = 'nvidia-smi --query-gpu=driver_version --format=csv,noheader'
    } else {
        return [ordered]@{ os = $null; driver = $null; error = ('VMware Tools report the guest family ''{0}'', neither windowsGuest nor linuxGuest' -f $family) }
    }
    try {
        $r = Invoke-VMScript -VM $VM -Server $Connection -GuestCredential $Credential -ScriptText $text -ScriptType $type -WhatIf:$false -Confirm:$false -ErrorAction Stop
    } catch {
        return [ordered]@{ os = $os; driver = $null; error = $_.Exception.Message }
    }
    $versions = @(([string]$r.ScriptOutput) -split "`r?`n" | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' } | Sort-Object -Unique)
    if ([int]$r.ExitCode -ne 0 -or $versions.Count -ne 1) {
        return [ordered]@{ os = $os; driver = $null; error = ('nvidia-smi in the guest: exit {0}: {1}' -f $r.ExitCode, ($versions -join ' ')) }
    }
    [ordered]@{ os = $os; driver = [string]$versions[0]; error = $null }
}

function Read-VgpucInvVm {
    <# One VM, or $null when it holds no vGPU and no DirectPath I/O device. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object]$VM, [Parameter(Mandatory)] [hashtable]$HostNames)
    $view = $VM.ExtensionData
    $profiles = @()
    $devices = @()
    foreach ($d in @($view.Config.Hardware.Device)) {
        if ($d -isnot [VMware.Vim.VirtualPCIPassthrough]) {
            continue
        }
        if ($d.Backing -is [VMware.Vim.VirtualPCIPassthroughVmiopBackingInfo]) {
            $profiles += , [string]$d.Backing.Vgpu
        } elseif ($d.Backing -is [VMware.Vim.VirtualPCIPassthroughDynamicBackingInfo]) {
            foreach ($a in @($d.Backing.AllowedDevice)) {
                if ($null -ne $a) {
                    # the PCI subsystem tells models that share a device id apart (A2, A16)
                    $subVendor = $null
                    $subDevice = $null
                    if ($a.PSObject.Properties.Match('SubDeviceId').Count -gt 0 -and $null -ne $a.SubDeviceId -and [int]$a.SubDeviceId -ne 0) {
                        $subVendor = Get-VgpucInvPciHex -Value $a.SubVendorId
                        $subDevice = Get-VgpucInvPciHex -Value $a.SubDeviceId
                    }
                    $devices += , ([ordered]@{
                            vendor_id = Get-VgpucInvPciHex -Value $a.VendorId; device_id = Get-VgpucInvPciHex -Value $a.DeviceId
                            sub_vendor_id = $subVendor; sub_device_id = $subDevice
                        })
                }
            }
        }
    }
    if ($profiles.Count -eq 0 -and $devices.Count -eq 0) {
        return $null
    }
    $extra = @{}
    foreach ($o in @($view.Config.ExtraConfig)) {
        if ($null -ne $o) {
            $extra[[string]$o.Key] = [string]$o.Value
        }
    }
    $mmio = $null
    if ($extra.ContainsKey('pciPassthru.use64bitMMIO') -and $extra['pciPassthru.use64bitMMIO'] -eq 'TRUE' -and $extra['pciPassthru.64bitMMIOSizeGB'] -match '^\d+$') {
        $mmio = [int]$extra['pciPassthru.64bitMMIOSizeGB']
    }
    $hw = $null
    $m = [regex]::Match([string]$view.Config.Version, '^vmx-(\d+)$')
    if ($m.Success) {
        $hw = [int]$m.Groups[1].Value
    }
    $doc = [ordered]@{
        name                  = [string]$VM.Name
        id                    = [string]$VM.Id
        host                  = $HostNames[[string]$view.Runtime.Host]
        power_state           = [string]$view.Runtime.PowerState
        hardware_version      = $hw
        firmware              = [string]$view.Config.Firmware
        memory_mb             = [long]$view.Config.Hardware.MemoryMB
        memory_locked_to_max  = [bool]$view.Config.MemoryReservationLockedToMax
        mmio_64bit_gb         = $mmio
        vgpu_profiles         = $profiles
        passthrough_devices   = $devices
    }
    if ($null -ne $GuestCredential) {
        $g = Read-VgpucInvGuestDriver -VM $VM -View $view -Credential $GuestCredential
        $doc['guest_os'] = $g['os']
        $doc['guest_driver'] = $g['driver']
        $doc['guest_driver_error'] = $g['error']
    }
    $doc
}

function Read-VgpucInvVcenterSetting {
    <# The vCenter advanced settings the build script reads (vmware.ps1): the value of
       vgpu.hotmigrate.enabled as text, or $null when the vCenter has no such setting. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object]$Connection)
    $setting = Get-AdvancedSetting -Entity $Connection -Name 'vgpu.hotmigrate.enabled' -Server $Connection
    $value = $null
    foreach ($s in @($setting)) {
        if ($null -ne $s -and [string]$s.Name -eq 'vgpu.hotmigrate.enabled') {
            $value = [string]$s.Value
        }
    }
    [ordered]@{ 'vgpu.hotmigrate.enabled' = $value }
}

function Get-VgpucInventory {
    <# The document: vCenter, cluster, hosts with their GPUs and VMs, DRS groups and rules. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object]$Connection, [Parameter(Mandatory)] [string]$ClusterName)
    $found = @(Select-VgpucInvByName -InputObject @(Get-Cluster -Server $Connection) -Name $ClusterName)
    if ($found.Count -ne 1) {
        throw ('cluster {0}: {1} clusters of that name in {2}, exactly 1 expected' -f $ClusterName, $found.Count, [string]$Connection.Name)
    }
    $cl = $found[0]
    $liveHosts = @(Get-VMHost -Location $cl -Server $Connection | Sort-Object -Property Name)
    $hostNames = @{}
    $docs = @{}
    foreach ($h in $liveHosts) {
        $hostNames[[string]$h.Id] = [string]$h.Name
        $d = Read-VgpucInvHost -Connection $Connection -VMHost $h
        $d['vms'] = @()
        $docs[[string]$h.Name] = $d
    }
    foreach ($vm in @(Get-VM -Location $cl -Server $Connection | Sort-Object -Property Name)) {
        $r = Read-VgpucInvVm -VM $vm -HostNames $hostNames
        if ($null -ne $r -and $null -ne $r['host'] -and $docs.ContainsKey([string]$r['host'])) {
            $docs[[string]$r['host']]['vms'] += , $r
        }
    }
    $groups = @(foreach ($g in @(Get-DrsClusterGroup -Cluster $cl -Server $Connection | Sort-Object -Property Name)) {
            [ordered]@{ name = [string]$g.Name; type = [string]$g.GroupType; members = @($g.Member | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.Name } | Sort-Object) }
        })
    $rules = @(foreach ($r in @(Get-DrsVMHostRule -Cluster $cl -Server $Connection | Sort-Object -Property Name)) {
            $vg = $null
            $hg = $null
            if ($null -ne $r.VMGroup) {
                $vg = [string]$r.VMGroup.Name
            }
            if ($null -ne $r.VMHostGroup) {
                $hg = [string]$r.VMHostGroup.Name
            }
            [ordered]@{ name = [string]$r.Name; type = [string]$r.Type; enabled = [bool]$r.Enabled; vm_group = $vg; host_group = $hg }
        })
    [ordered]@{
        inventory_version = $script:InventoryVersion
        platform          = 'vmware'
        vcenter           = [ordered]@{
            name              = [string]$Connection.Name
            version           = [string]$Connection.Version
            advanced_settings = Read-VgpucInvVcenterSetting -Connection $Connection
        }
        cluster           = [ordered]@{
            name        = [string]$cl.Name
            nodes       = @($liveHosts | ForEach-Object { [string]$_.Name })
            drs_enabled = [bool]$cl.DrsEnabled
            drs_groups  = $groups
            drs_rules   = $rules
        }
        hosts             = @($liveHosts | ForEach-Object { $docs[[string]$_.Name] })
    }
}

$connection = $null
try {
    if ($null -ne $Credential) {
        $connection = Connect-VIServer -Server $Server -Credential $Credential
    } else {
        $connection = Connect-VIServer -Server $Server
    }
    $doc = Get-VgpucInventory -Connection $connection -ClusterName $Cluster
} finally {
    if ($null -ne $connection) {
        Disconnect-VIServer -Server $connection -Confirm:$false
    }
}
$json = ConvertTo-Json -InputObject $doc -Depth 12
# UTF-8 without BOM, LF: what `vgpuc import` reads (names keep any character).
[System.IO.File]::WriteAllText($Path, $json.Replace("`r`n", "`n") + "`n", (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
Write-Information -MessageData ('vgpuc inventory: {0} host(s) of cluster {1} written to {2}' -f @($doc['hosts']).Count, $Cluster, $Path) -InformationAction Continue
