# ScenarioModel.psm1 - the resolved model of one cluster, as the twin scenarios
# need it: read from `vgpuc build --target json` (hosts, physical GPUs and their
# use, VMs with mode, profile, placement, pins, memory, MMIO) and completed from
# `vgpuc catalog gpus --format json` (PCI vendor and device id, the GPU-P
# partition counts) where the build output does not carry them.
#
# Nothing here invents a domain fact: a GPU model without a PCI id in either
# source stops the generator with a message that says so.
Set-StrictMode -Version Latest

# Platforms whose clusters are failover clusters even with one host (the same
# rule as backends/hyperv.c: more than one host, or Azure Stack HCI / Azure Local).
$script:ClusterFamilies = @('azure-stack-hci', 'azure-local')

function Get-ScenarioProperty {
    # A property of a parsed JSON object (ordered hashtable) or $Default when absent.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowNull()][object]$InputObject,
        [Parameter(Mandatory)][string]$Name,
        [AllowNull()][object]$Default = $null
    )
    if ($null -eq $InputObject) {
        return $Default
    }
    if ($InputObject -is [System.Collections.IDictionary]) {
        if ($InputObject.Contains($Name)) {
            return $InputObject[$Name]
        }
        return $Default
    }
    $p = $InputObject.PSObject.Properties[$Name]
    if ($p) {
        return $p.Value
    }
    return $Default
}

function ConvertFrom-ScenarioJson {
    # JSON text to ordered hashtables; strings stay strings (no date guessing).
    [CmdletBinding()]
    param([Parameter(Mandatory)][AllowEmptyString()][string]$Text)
    return ($Text | ConvertFrom-Json -AsHashtable -DateKind String -Depth 100)
}

function ConvertTo-PciHex {
    # '0x10DE' or '10de' or 4318 -> '10DE'.
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Value)
    if ($Value -is [string]) {
        $s = $Value.Trim()
        if ($s -match '^(0x)?([0-9A-Fa-f]{1,4})$') {
            return $Matches[2].ToUpperInvariant().PadLeft(4, '0')
        }
        throw "not a PCI id: '$Value'"
    }
    return ('{0:X4}' -f [int]$Value)
}

function Get-ScenarioCatalog {
    # GPU models of the catalog: model -> @{ Vendor; Device; SubVendor; SubDevice; PartitionCounts;
    # Mmio64Gb; FbMb; Profiles (name -> max); Sizes (name -> @{ FbMb; Max; MaxMixed; Mig }) }.
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Vgpuc)
    $text = & $Vgpuc catalog gpus --format json 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "vgpuc catalog gpus --format json failed: $text"
    }
    $cat = ConvertFrom-ScenarioJson -Text ($text -join "`n")
    $models = @{}
    foreach ($g in $cat['gpus']) {
        $pci = Get-ScenarioProperty -InputObject $g -Name 'pci'
        $profiles = @{}
        $sizes = @{}
        foreach ($p in @($g['profiles'])) {
            $profiles[[string]$p['name']] = [int]$p['max']
            $sizes[[string]$p['name']] = @{
                FbMb = [int]$p['fb_mb']; Max = [int]$p['max']; Mig = [bool]$p['mig']
                MaxMixed = [int](Get-ScenarioProperty -InputObject $p -Name 'max_mixed' -Default 0)
            }
        }
        $models[[string]$g['model']] = @{
            Vendor          = $(if ($pci) { ConvertTo-PciHex -Value $pci['vendor'] } else { $null })
            Device          = $(if ($pci) { ConvertTo-PciHex -Value $pci['device'] } else { $null })
            SubVendor       = $(if ($pci -and $pci.Contains('subvendor')) { ConvertTo-PciHex -Value $pci['subvendor'] } else { $null })
            SubDevice       = $(if ($pci -and $pci.Contains('subdevice')) { ConvertTo-PciHex -Value $pci['subdevice'] } else { $null })
            PartitionCounts = @($g['partition_counts'] | ForEach-Object { [int]$_ })
            Mmio64Gb        = [int](Get-ScenarioProperty -InputObject $g -Name 'mmio64_gb' -Default 0)
            FbMb            = [int]$g['fb_mb']
            Profiles        = $profiles
            Sizes           = $sizes
        }
    }
    return $models
}

function Find-ScenarioPci {
    # The PCI id of a model from the build output, when it carries one (on the
    # host's gpus entry or on a physical GPU), else $null.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][object]$Cluster,
        [Parameter(Mandatory)][string]$Model
    )
    foreach ($h in @($Cluster['hosts'])) {
        foreach ($list in @((Get-ScenarioProperty -InputObject $h -Name 'gpus' -Default @()),
                (Get-ScenarioProperty -InputObject $h -Name 'pgpus' -Default @()))) {
            foreach ($g in @($list)) {
                if ([string](Get-ScenarioProperty -InputObject $g -Name 'model') -ne $Model) {
                    continue
                }
                $pci = Get-ScenarioProperty -InputObject $g -Name 'pci'
                if ($pci -is [System.Collections.IDictionary] -and $pci.Contains('vendor') -and $pci.Contains('device')) {
                    return @{ Vendor = (ConvertTo-PciHex -Value $pci['vendor']); Device = (ConvertTo-PciHex -Value $pci['device']) }
                }
                $v = Get-ScenarioProperty -InputObject $g -Name 'vendor_id'
                $d = Get-ScenarioProperty -InputObject $g -Name 'device_id'
                if ($v -and $d) {
                    return @{ Vendor = (ConvertTo-PciHex -Value $v); Device = (ConvertTo-PciHex -Value $d) }
                }
            }
        }
    }
    return $null
}

function Read-ScenarioModel {
    <#
    .SYNOPSIS
    The scenario model of one cluster from its `vgpuc build --target json` file.
    .DESCRIPTION
    Returns a hashtable: Name, Family, Version, Target, Clustered, Partitions,
    Hosts (Name, Index, Driver, Gpus: Index, Model, Use, Profile, Reserve,
    Vendor, Device, ValidCounts), Vms (Name, Index, Mode 'gpup'|'dda', Model,
    Profile, Count, Host, Pin, PinHosts, Owners, MemoryBytes, Generation,
    LowMmio, HighMmio, Migration, Gpus) and Arc.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$JsonPath,
        [Parameter(Mandatory)][hashtable]$Catalog
    )
    $doc = ConvertFrom-ScenarioJson -Text (Get-Content -LiteralPath $JsonPath -Raw -Encoding utf8)
    $c = $doc['cluster']
    $family = [string]$c['platform']['family']
    $hostList = @($c['hosts'])
    $clustered = Get-ScenarioProperty -InputObject $c -Name 'clustered'
    if ($null -eq $clustered) {
        $clustered = ($hostList.Count -gt 1) -or ($script:ClusterFamilies -contains $family)
    }
    $pciByModel = @{}
    $hosts = [System.Collections.Generic.List[object]]::new()
    $hi = 0
    foreach ($h in $hostList) {
        $gpus = [System.Collections.Generic.List[object]]::new()
        foreach ($g in @($h['pgpus'])) {
            $model = [string]$g['model']
            if (-not $pciByModel.ContainsKey($model)) {
                $pci = Find-ScenarioPci -Cluster $c -Model $model
                if (-not $pci -and $Catalog.ContainsKey($model) -and $Catalog[$model].Vendor) {
                    $pci = @{ Vendor = $Catalog[$model].Vendor; Device = $Catalog[$model].Device }
                }
                if (-not $pci) {
                    throw "GPU model $model has no PCI vendor/device id in the build output or the catalog: the twin state cannot show it as the script will look for it"
                }
                $pciByModel[$model] = $pci
            }
            $use = [string]$g['use']
            $reserve = [bool](Get-ScenarioProperty -InputObject $g -Name 'reserve' -Default $false)
            $valid = @()
            if ($Catalog.ContainsKey($model)) {
                $valid = @($Catalog[$model].PartitionCounts)
            }
            $gpus.Add(@{
                    Index       = [int]$g['index']
                    Model       = $model
                    Use         = $use
                    Profile     = $g['profile']
                    Reserve     = ($reserve -or $use -eq 'reserve')
                    Vendor      = $pciByModel[$model].Vendor
                    Device      = $pciByModel[$model].Device
                    ValidCounts = $valid
                })
        }
        $release = $null
        $vm0 = Get-ScenarioProperty -InputObject $h -Name 'vgpu_manager'
        if ($vm0 -is [System.Collections.IDictionary]) {
            $release = $vm0['text']
        }
        $hosts.Add(@{
                Name    = [string]$h['name']
                Index   = $hi
                Driver  = $h['host_driver']
                Release = $release
                Gpus   = $gpus.ToArray()
            })
        $hi++
    }
    $vms = [System.Collections.Generic.List[object]]::new()
    $vi = 0
    foreach ($v in @($c['vms'])) {
        $mode = [string]$v['mode']
        if ($mode -ne 'vgpu' -and $mode -ne 'passthrough') {
            $vi++
            continue
        }
        $model = [string]$v['gpu_model']
        $pin = $v['host']
        $pinHosts = @($v['hosts'] | ForEach-Object { [string]$_ })
        if ($pin) {
            $owners = @([string]$pin)
        } elseif ($pinHosts.Count -gt 0) {
            $owners = $pinHosts
        } else {
            $owners = @($hosts | Where-Object { @($_.Gpus | Where-Object { $_.Model -eq $model }).Count -gt 0 } | ForEach-Object { $_.Name })
        }
        $placement = $v['placement']
        $placedOn = $null
        $placedGpus = @()
        if ($placement) {
            $placedOn = $placement['host']
            $placedGpus = @($placement['gpus'] | ForEach-Object { [int]$_ })
        }
        if (-not $placedOn) {
            $placedOn = $owners[0]
        }
        $arc = Get-ScenarioProperty -InputObject $v -Name 'arc'
        $vms.Add(@{
                Name        = [string]$v['name']
                Index       = $vi
                Mode        = $(if ($mode -eq 'vgpu') { 'gpup' } else { 'dda' })
                Model       = $model
                Profile     = $v['profile']
                Count       = [int]$(if ($v['count']) { $v['count'] } else { 1 })
                Host        = [string]$placedOn
                Pin         = $pin
                PinHosts    = $pinHosts
                Owners      = $owners
                MemoryBytes = [int64]$v['memory_bytes']
                Generation  = [int]$v['generation']
                LowMmio     = [int64]$v['mmio']['low_bytes']
                HighMmio    = [int64]$v['mmio']['high_bytes']
                Migration   = [string]$v['migration']
                Gpus        = $placedGpus
                Arc         = $arc
            })
        $vi++
    }
    # Hosts that serve GPU-P: a host some GPU-P VM may run on (its pin, its
    # hosts, else every host with its model) that keeps GPUs of that model
    # out of pass-through.
    foreach ($h in $hosts) {
        $h.ServesGpuP = $false
        foreach ($v in @($vms | Where-Object { $_.Mode -eq 'gpup' -and $_.Owners -contains $h.Name })) {
            if (@($h.Gpus | Where-Object { $_.Model -eq $v.Model -and $_.Use -ne 'passthrough' }).Count -gt 0) {
                $h.ServesGpuP = $true
            }
        }
    }
    return @{
        Name       = [string]$c['name']
        Family     = $family
        Version    = [string]$c['platform']['version']
        Target     = [string]$c['target']
        Clustered  = [bool]$clustered
        Partitions = [int]$c['gpu_partitions']
        Tolerate   = [int]$c['tolerate_host_failures']
        Hosts      = $hosts.ToArray()
        Vms        = $vms.ToArray()
        Arc        = (Get-ScenarioProperty -InputObject $c -Name 'arc')
        Source     = $JsonPath
    }
}

Export-ModuleMember -Function Get-ScenarioProperty, ConvertFrom-ScenarioJson, ConvertTo-PciHex, Get-ScenarioCatalog, Read-ScenarioModel
