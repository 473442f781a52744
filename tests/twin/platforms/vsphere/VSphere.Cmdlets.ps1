# VSphere.Cmdlets.ps1 - what the simulated PowerCLI cmdlets do (test code, never shipped).
#
# Dot-sourced by VSphere.psm1. Binding (parameter names and sets) is not here: it is
# generated from tests/validators/cmdlets/powercli-cmdlets.tsv, and the generated wrapper
# calls the entry of $script:VTCmdlets for its cmdlet with the bound parameters, the
# parameter set and its own $PSCmdlet (for ShouldProcess and non-terminating errors).
Set-StrictMode -Version Latest

# ---- servers and object resolution -------------------------------------------------------
function Write-VTError {
    param($Cmdlet, [string]$Message, $Target, [string]$Category = 'ObjectNotFound')
    $rec = [System.Management.Automation.ErrorRecord]::new([System.Exception]::new($Message), 'VSphereTwin', $Category, $Target)
    if ($null -ne $Cmdlet) { $Cmdlet.WriteError($rec) } else { Write-Error -ErrorRecord $rec }
}

# $global:DefaultVIServers as a flat list of VIServer objects.
function Get-VTDefaultList {
    $out = @()
    foreach ($x in @(Get-Variable -Name 'DefaultVIServers' -Scope Global -ValueOnly -ErrorAction SilentlyContinue)) {
        foreach ($y in @($x)) { if ($y -is [VgpucTwin.PowerCLI.VIServer]) { $out += $y } }
    }
    return $out
}

function Get-VTDefaultServerNames {
    return @(Get-VTDefaultList | Where-Object { $_.IsConnected } | ForEach-Object { $_.Name })
}

# The servers a call acts on: -Server when given, else every default server (PowerCLI's
# "Multiple" default server mode: a call without -Server acts on all connected defaults).
function Resolve-VTServers {
    param([hashtable]$P)
    $connected = @(Get-VTDefaultServerNames)
    if ($P.ContainsKey('Server') -and $null -ne $P['Server']) {
        $out = @()
        foreach ($s in @($P['Server'])) {
            $name = if ($s -is [VgpucTwin.PowerCLI.VIServer]) { $s.Name } else { [string]$s }
            if ($s -is [VgpucTwin.PowerCLI.VIServer] -and -not $s.IsConnected) { throw ('Server {0} is not connected.' -f $name) }
            $hit = @($script:VTConnected.Keys | Where-Object { Test-VTWildcard $name $_ })
            if ($hit.Count -eq 0) { throw ('Could not find VIServer with name ''{0}''.' -f $name) }
            $out += $hit
        }
        return @($out | Select-Object -Unique | ForEach-Object { Get-VTServer $_ })
    }
    if ($connected.Count -eq 0) { throw $script:VTMsg.NotConnected }
    return @($connected | ForEach-Object { Get-VTServer $_ })
}

# Servers for resolving names in -VM/-VMHost arguments; objects carry their own server.
function Get-VTScopeServers {
    param([hashtable]$P)
    if (($P.ContainsKey('Server') -and $null -ne $P['Server']) -or @(Get-VTDefaultServerNames).Count -gt 0) { return @(Resolve-VTServers $P) }
    return @()
}

# name -> VIServer object of the open connections
$script:VTConnected = [ordered]@{}

function New-VTVmObject {
    param($Srv, $Vm)
    $o = [VgpucTwin.PowerCLI.VirtualMachine]::new()
    $o.TwinServer = $Srv.Name
    $o.Name = [string]$Vm.name
    $o.Id = 'VirtualMachine-{0}' -f $Vm.id
    $o.Uid = '/VIServer={0}@{1}:443/VirtualMachine={2}/' -f 'twin', $Srv.Name, $o.Id
    $o.PowerState = [string]$Vm.power_state
    $hostRec = Find-VTHost $Srv ([string]$Vm.host)
    if ($null -ne $hostRec) {
        $o.VMHost = New-VTHostObject $Srv $hostRec
        $o.VMHostId = $o.VMHost.Id
    }
    $o.MemoryMB = [int]$Vm.memory_mb
    $o.MemoryGB = [decimal]$Vm.memory_mb / 1024
    $o.HardwareVersion = 'vmx-{0:d2}' -f [int]$Vm.hardware_version
    $o.ExtensionData = New-VTVmView $Srv $Vm
    return $o
}

function New-VTHostObject {
    param($Srv, $HostRec)
    return (Get-VTMemo ('hostobj|{0}|{1}' -f $Srv.Name, $HostRec.name) { New-VTHostObjectNow $Srv $HostRec })
}

function New-VTHostObjectNow {
    param($Srv, $HostRec)
    $o = [VgpucTwin.PowerCLI.VMHost]::new()
    $o.TwinServer = $Srv.Name
    $o.Name = [string]$HostRec.name
    $o.Id = 'HostSystem-{0}' -f (Get-VTHostMoid $Srv $HostRec)
    $o.Uid = '/VIServer={0}@{1}:443/VMHost={2}/' -f 'twin', $Srv.Name, $o.Id
    $null = Test-VTRebooting $HostRec
    $o.ConnectionState = [string]$HostRec.connection_state
    $o.Version = [string]$HostRec.version
    $cl = Find-VTCluster $Srv ([string]$HostRec.cluster)
    if ($null -ne $cl) { $o.ParentId = 'ClusterComputeResource-{0}' -f (Get-VTClusterMoid $Srv $cl) }
    $o.ExtensionData = New-VTHostView $Srv $HostRec
    return $o
}

function New-VTClusterObject {
    param($Srv, $ClusterRec)
    $o = [VgpucTwin.PowerCLI.Cluster]::new()
    $o.TwinServer = $Srv.Name
    $o.Name = [string]$ClusterRec.name
    $o.Id = 'ClusterComputeResource-{0}' -f (Get-VTClusterMoid $Srv $ClusterRec)
    $o.Uid = '/VIServer={0}@{1}:443/Cluster={2}/' -f 'twin', $Srv.Name, $o.Id
    $o.DrsEnabled = [bool]$ClusterRec.drs_enabled
    $o.ExtensionData = New-VTClusterView $Srv $ClusterRec
    return $o
}

# A -VM / -VMHost / -Cluster / -Location argument: objects, or names (PowerCLI's
# object-by-name, with wildcards), resolved on the given servers.
function Resolve-VTEntity {
    param([string]$Kind, $Value, [object[]]$Servers)
    $spec = @{
        VM      = @{ Type = [VgpucTwin.PowerCLI.VirtualMachine]; List = 'vms'; Label = 'VirtualMachine' }
        VMHost  = @{ Type = [VgpucTwin.PowerCLI.VMHost]; List = 'hosts'; Label = 'VMHost' }
        Cluster = @{ Type = [VgpucTwin.PowerCLI.Cluster]; List = 'clusters'; Label = 'Cluster' }
    }[$Kind]
    $out = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($v in @($Value)) {
        if ($null -eq $v) { continue }
        if ($v -is [System.Management.Automation.PSObject]) { $v = $v.PSObject.BaseObject }
        if ($v -is $spec.Type) {
            $srv = Get-VTServer $v.TwinServer
            $rec = switch ($Kind) {
                'VM' { Find-VTVm $srv ($v.Id -replace '^VirtualMachine-', '') }
                'VMHost' { Find-VTHost $srv $v.Name }
                default { Find-VTCluster $srv $v.Name }
            }
            if ($null -eq $rec) { throw ('{0} {1} no longer exists on {2}.' -f $spec.Label, $v.Name, $srv.Name) }
            $out.Add(@{ Srv = $srv; Rec = $rec })
        } elseif ($v -is [string]) {
            $found = $false
            foreach ($srv in $Servers) {
                foreach ($rec in @($srv.State.($spec.List))) {
                    if ($null -ne $rec -and (Test-VTWildcard $v ([string]$rec.name))) { $out.Add(@{ Srv = $srv; Rec = $rec }); $found = $true }
                }
            }
            if (-not $found) { throw ('Could not find {0} with name ''{1}''.' -f $spec.Label, $v) }
        } else {
            throw ('twin: a {0} argument of type {1} is not modelled' -f $Kind, $v.GetType().FullName)
        }
    }
    return $out.ToArray()
}

# Name filter of the Get- cmdlets: wildcard, case-insensitive; a -Name value that matches
# nothing is a non-terminating "not found" error, as PowerCLI writes.
function Select-VTByName {
    param([object[]]$Items, [hashtable]$P, [string]$Kind, $Cmdlet)
    if (-not $P.ContainsKey('Name') -or $null -eq $P['Name']) { return $Items }
    $out = @()
    foreach ($n in @($P['Name'])) {
        $hit = @($Items | Where-Object { Test-VTWildcard ([string]$n) ([string]$_.Rec.name) })
        if ($hit.Count -eq 0 -and -not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters([string]$n)) {
            Write-VTError $Cmdlet ('{0} with name ''{1}'' was not found using the specified filter(s).' -f $Kind, $n) $n
        }
        $out += $hit
    }
    # each object once, in inventory order
    return @($Items | Where-Object { $out -contains $_ })
}

function ConvertTo-VTCallParameters {
    param([hashtable]$P)
    $h = [ordered]@{}
    foreach ($k in ($P.Keys | Sort-Object)) {
        $v = $P[$k]
        if ($v -is [System.Management.Automation.SwitchParameter]) { $h[$k] = $v.IsPresent; continue }
        $h[$k] = @($v) | ForEach-Object {
            $x = $_
            if ($x -is [System.Management.Automation.PSObject]) { $x = $x.PSObject.BaseObject }
            if ($null -eq $x -or $x -is [string] -or $x -is [ValueType]) { $x }
            elseif ($null -ne $x.PSObject.Properties['Name']) { [string]$x.Name }
            else { [string]$x }
        }
        if (@($v).Count -eq 1 -and $v -isnot [array]) { $h[$k] = @($h[$k])[0] }
    }
    return $h
}

# ---- the cmdlets -------------------------------------------------------------------------
$script:VTCmdlets = @{}

$script:VTCmdlets['Connect-VIServer'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    if ($Set -ne 'Default') { throw ('twin: Connect-VIServer parameter set {0} is not modelled' -f $Set) }
    foreach ($name in @($P['Server'])) {
        $key = @($script:VTServers.Keys | Where-Object { $_ -eq $name })
        if ($key.Count -eq 0) { throw ('Could not resolve the requested VC server ''{0}''. (twin: the simulated vCenter is {1})' -f $name, (@($script:VTServers.Keys) -join ', ')) }
        $srv = $script:VTServers[$key[0]]
        $o = [VgpucTwin.PowerCLI.VIServer]::new()
        $o.Name = $srv.Name
        $o.Port = 443
        $o.User = if ($P.ContainsKey('Credential') -and $null -ne $P['Credential']) { $P['Credential'].UserName } elseif ($P.ContainsKey('User')) { [string]$P['User'] } else { 'twin' }
        $o.IsConnected = $true
        $o.Version = [string]$srv.State.vcenter.version
        $o.ProductLine = 'vpx'
        $o.Id = '/VIServer={0}@{1}:443/' -f $o.User, $o.Name
        $o.Uid = $o.Id
        $script:VTConnected[$srv.Name] = $o
        if (-not ($P.ContainsKey('NotDefault') -and $P['NotDefault'])) {
            $list = @(Get-VTDefaultList | Where-Object { $_.Name -ne $o.Name })
            Set-Variable -Name 'DefaultVIServers' -Scope Global -Value ([object[]](@($list) + $o)) -WhatIf:$false -Confirm:$false
            Set-Variable -Name 'DefaultVIServer' -Scope Global -Value $o -WhatIf:$false -Confirm:$false
        }
        $o
    }
}

$script:VTCmdlets['Disconnect-VIServer'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    $targets = if ($P.ContainsKey('Server') -and $null -ne $P['Server']) { @($P['Server']) } else { @(Get-Variable -Name 'DefaultVIServer' -Scope Global -ValueOnly -ErrorAction SilentlyContinue) }
    foreach ($t in $targets) {
        if ($null -eq $t) { continue }
        $name = if ($t -is [VgpucTwin.PowerCLI.VIServer]) { $t.Name } else { [string]$t }
        $names = @($script:VTConnected.Keys | Where-Object { Test-VTWildcard $name $_ })
        foreach ($n in $names) {
            if (-not $Cmdlet.ShouldProcess($n, 'Disconnect')) { continue }
            $script:VTConnected[$n].IsConnected = $false
            $script:VTConnected.Remove($n)
            $rest = @(Get-VTDefaultList | Where-Object { $_.Name -ne $n })
            Set-Variable -Name 'DefaultVIServers' -Scope Global -Value ([object[]]$rest) -WhatIf:$false -Confirm:$false
            $last = if ($rest.Count -gt 0) { $rest[-1] } else { $null }
            Set-Variable -Name 'DefaultVIServer' -Scope Global -Value $last -WhatIf:$false -Confirm:$false
        }
    }
}

$script:VTCmdlets['Get-Cluster'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($k in @('Tag', 'VM', 'VMHost', 'RelatedObject', 'NoRecursion')) { if ($P.ContainsKey($k)) { throw ('twin: Get-Cluster -{0} is not modelled' -f $k) } }
    $servers = Resolve-VTServers $P
    $items = @()
    foreach ($srv in $servers) { foreach ($c in @($srv.State.clusters)) { $items += @{ Srv = $srv; Rec = $c } } }
    if ($P.ContainsKey('Id')) { $items = @($items | Where-Object { @($P['Id']) -contains ('ClusterComputeResource-{0}' -f (Get-VTClusterMoid $_.Srv $_.Rec)) }) }
    if ($P.ContainsKey('Location')) { throw 'twin: Get-Cluster -Location is not modelled (one datacenter)' }
    foreach ($i in (Select-VTByName $items $P 'Cluster' $Cmdlet)) { New-VTClusterObject $i.Srv $i.Rec }
}

$script:VTCmdlets['Get-VMHost'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($k in @('Datastore', 'VM', 'ResourcePool', 'DistributedSwitch', 'Tag', 'RelatedObject', 'NoRecursion')) { if ($P.ContainsKey($k)) { throw ('twin: Get-VMHost -{0} is not modelled' -f $k) } }
    $servers = Resolve-VTServers $P
    $items = @()
    foreach ($srv in $servers) { foreach ($h in @($srv.State.hosts)) { $items += @{ Srv = $srv; Rec = $h } } }
    if ($P.ContainsKey('Id')) { $items = @($items | Where-Object { @($P['Id']) -contains ('HostSystem-{0}' -f (Get-VTHostMoid $_.Srv $_.Rec)) }) }
    if ($P.ContainsKey('Location')) {
        $locs = Resolve-VTEntity 'Cluster' $P['Location'] $servers
        $items = @($items | Where-Object { $i = $_; @($locs | Where-Object { $_.Srv -eq $i.Srv -and [string]$_.Rec.name -eq [string]$i.Rec.cluster }).Count -gt 0 })
    }
    if ($P.ContainsKey('State')) { $items = @($items | Where-Object { @($P['State'] | ForEach-Object { [string]$_ }) -contains [string]$_.Rec.connection_state }) }
    foreach ($i in (Select-VTByName $items $P 'VMHost' $Cmdlet)) { New-VTHostObject $i.Srv $i.Rec }
}

$script:VTCmdlets['Get-VM'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($k in @('Datastore', 'Tag', 'VirtualSwitch', 'RelatedObject', 'NoRecursion')) { if ($P.ContainsKey($k)) { throw ('twin: Get-VM -{0} is not modelled' -f $k) } }
    $servers = Resolve-VTServers $P
    $items = @()
    foreach ($srv in $servers) { foreach ($v in @($srv.State.vms)) { $items += @{ Srv = $srv; Rec = $v } } }
    if ($P.ContainsKey('Id')) { $items = @($items | Where-Object { @($P['Id']) -contains ('VirtualMachine-{0}' -f $_.Rec.id) }) }
    if ($P.ContainsKey('Location')) {
        $keep = @()
        foreach ($loc in @($P['Location'])) {
            $l = $loc
            if ($l -is [System.Management.Automation.PSObject]) { $l = $l.PSObject.BaseObject }
            if ($l -is [VgpucTwin.PowerCLI.VMHost]) { $keep += @($items | Where-Object { $_.Srv.Name -eq $l.TwinServer -and [string]$_.Rec.host -eq $l.Name }); continue }
            $cls = Resolve-VTEntity 'Cluster' $l $servers
            foreach ($c in $cls) {
                $hn = @($c.Srv.State.hosts | Where-Object { [string]$_.cluster -eq [string]$c.Rec.name } | ForEach-Object { [string]$_.name })
                $keep += @($items | Where-Object { $_.Srv -eq $c.Srv -and $hn -contains [string]$_.Rec.host })
            }
        }
        $items = @($items | Where-Object { $keep -contains $_ })
    }
    foreach ($i in (Select-VTByName $items $P 'VM' $Cmdlet)) { New-VTVmObject $i.Srv $i.Rec }
}

$script:VTCmdlets['Get-View'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    switch ($Set) {
        'GetViewByVIObject' {
            foreach ($o in @($P['VIObject'])) {
                if ($o -is [System.Management.Automation.PSObject]) { $o = $o.PSObject.BaseObject }
                if ($o -is [VgpucTwin.PowerCLI.VirtualMachine] -or $o -is [VgpucTwin.PowerCLI.VMHost] -or $o -is [VgpucTwin.PowerCLI.Cluster]) {
                    $srv = Get-VTServer $o.TwinServer
                    $type, $moid = ($o.Id -split '-', 2)
                    Get-VTView $srv $type $moid
                } else {
                    throw ('twin: Get-View -VIObject of type {0} is not modelled' -f $o.GetType().FullName)
                }
            }
        }
        'GetViewByMoRef' {
            $servers = Resolve-VTServers $P
            foreach ($id in @($P['Id'])) {
                if ($id -is [System.Management.Automation.PSObject]) { $id = $id.PSObject.BaseObject }
                if ($id -is [VMware.Vim.ManagedObjectReference]) { $type = $id.Type; $moid = $id.Value }
                else { $type, $moid = ([string]$id -split '-', 2) }
                $found = $false
                foreach ($srv in $servers) {
                    $v = Get-VTView $srv $type $moid
                    if ($null -ne $v) { $v; $found = $true }
                }
                if (-not $found) { Write-VTError $Cmdlet ('The object ''{0}'' has already been deleted or has not been completely created' -f $id) $id }
            }
        }
        'GetEntity' {
            $servers = Resolve-VTServers $P
            $typeName = if ($P['ViewType'] -is [type]) { $P['ViewType'].Name } else { [string]$P['ViewType'] }
            if ($P.ContainsKey('SearchRoot')) { throw 'twin: Get-View -SearchRoot is not modelled' }
            foreach ($srv in $servers) {
                $views = switch ($typeName) {
                    'VirtualMachine' { @($srv.State.vms | ForEach-Object { New-VTVmView $srv $_ }) }
                    'HostSystem' { @($srv.State.hosts | ForEach-Object { New-VTHostView $srv $_ }) }
                    'ClusterComputeResource' { @($srv.State.clusters | ForEach-Object { New-VTClusterView $srv $_ }) }
                    default { throw ('twin: Get-View -ViewType {0} is not modelled' -f $typeName) }
                }
                foreach ($v in $views) {
                    $ok = $true
                    if ($P.ContainsKey('Filter') -and $null -ne $P['Filter']) {
                        foreach ($k in $P['Filter'].Keys) {
                            if ($k -ne 'Name') { throw ('twin: Get-View -Filter on {0} is not modelled (Name only)' -f $k) }
                            # The filter value is a regular expression, matched case-insensitively.
                            if ($v.Name -notmatch [string]$P['Filter'][$k]) { $ok = $false }
                        }
                    }
                    if ($ok) { $v }
                }
            }
        }
        default { throw ('twin: Get-View parameter set {0} is not modelled' -f $Set) }
    }
}

$script:VTCmdlets['Get-VMHostPciDevice'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    $servers = Resolve-VTServers $P
    $hosts = if ($P.ContainsKey('VMHost')) { Resolve-VTEntity 'VMHost' $P['VMHost'] $servers } else { @($servers | ForEach-Object { $s = $_; @($s.State.hosts) | ForEach-Object { @{ Srv = $s; Rec = $_ } } }) }
    foreach ($h in $hosts) {
        $ho = New-VTHostObject $h.Srv $h.Rec
        foreach ($g in @($h.Rec.gpus)) {
            $d = [VgpucTwin.PowerCLI.VMHostPciDevice]::new()
            $d.TwinServer = $h.Srv.Name
            $d.Id = '{0}/{1}' -f $ho.Id, $g.pci_id
            $d.Name = 'NVIDIA {0}' -f $g.model
            $d.DeviceName = 'NVIDIA {0}' -f $g.model
            $d.VendorName = 'NVIDIA Corporation'
            $d.VendorId = ConvertTo-VTShort (ConvertFrom-VTHex ([string]$g.vendor_id))
            $d.DeviceId = ConvertTo-VTShort (ConvertFrom-VTHex ([string]$g.device_id))
            $d.SubVendorId = ConvertTo-VTShort (Get-VTSubId $g 'sub_vendor_id')
            $d.SubDeviceId = ConvertTo-VTShort (Get-VTSubId $g 'sub_device_id')
            $d.ClassId = 3
            $d.DeviceClass = 'DisplayController'
            $d.VMHost = $ho
            if ($P.ContainsKey('DeviceClass') -and @($P['DeviceClass'] | ForEach-Object { [string]$_ }) -notcontains 'DisplayController') { continue }
            if ($P.ContainsKey('Name') -and @($P['Name'] | Where-Object { Test-VTWildcard ([string]$_) $d.Name }).Count -eq 0) { continue }
            $d
        }
    }
}

$script:VTCmdlets['Get-EsxCli'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    if (-not ($P.ContainsKey('V2') -and $P['V2'])) { throw 'twin: only Get-EsxCli -V2 is modelled (the V1 interface is deprecated)' }
    $servers = Resolve-VTServers $P
    foreach ($h in (Resolve-VTEntity 'VMHost' $P['VMHost'] $servers)) {
        # esxcli runs on the host: one that is not responding (a host failure) cannot answer.
        if (@('Connected', 'Maintenance') -notcontains [string]$h.Rec.connection_state) { throw ('twin: host {0} is {1}; esxcli cannot reach it' -f $h.Rec.name, $h.Rec.connection_state) }
        New-VTEsxCli $h.Srv $h.Rec
    }
}

$script:VTCmdlets['Get-AdvancedSetting'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($e in @($P['Entity'])) {
        foreach ($s in (Get-VTAdvancedSettings $e)) {
            if ($P.ContainsKey('Name') -and $null -ne $P['Name'] -and @($P['Name'] | Where-Object { Test-VTWildcard ([string]$_) $s.Name }).Count -eq 0) { continue }
            $s
        }
    }
}

$script:VTCmdlets['Set-AdvancedSetting'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($s in @($P['AdvancedSetting'])) {
        if ($s -is [System.Management.Automation.PSObject]) { $s = $s.PSObject.BaseObject }
        if ($s -isnot [VgpucTwin.PowerCLI.AdvancedSetting]) { throw 'twin: Set-AdvancedSetting -AdvancedSetting needs objects from Get-AdvancedSetting' }
        $ent = Resolve-VTSettingEntity $s.Entity
        if (-not $Cmdlet.ShouldProcess($s.Name, ('Set value to {0}' -f $P['Value']))) { continue }
        Add-VTCall 'Set-AdvancedSetting' $ent.HostName $ent.Target (ConvertTo-VTCallParameters $P)
        Invoke-VTFault $ent.Srv @('Set-AdvancedSetting') $ent.Target $ent.HostName
        Set-VTSettingValue $ent $s.Name $P['Value'] $false
        Get-VTAdvancedSettings $s.Entity | Where-Object { $_.Name -eq $s.Name }
    }
}

$script:VTCmdlets['New-AdvancedSetting'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    $ent = Resolve-VTSettingEntity $P['Entity']
    $name = [string]$P['Name']
    if (-not $Cmdlet.ShouldProcess($ent.Target, ('Create advanced setting {0}' -f $name))) { return }
    Add-VTCall 'New-AdvancedSetting' $ent.HostName $ent.Target (ConvertTo-VTCallParameters $P)
    Invoke-VTFault $ent.Srv @('New-AdvancedSetting') $ent.Target $ent.HostName
    if ((Test-VTField $ent.Map $name) -and -not ($P.ContainsKey('Force') -and $P['Force'])) {
        throw ('The advanced setting ''{0}'' already exists on {1}; use -Force or Set-AdvancedSetting.' -f $name, $ent.Target)
    }
    Set-VTSettingValue $ent $name $P['Value'] $true
    Get-VTAdvancedSettings $P['Entity'] | Where-Object { $_.Name -eq $name }
}

$script:VTCmdlets['Start-VM'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($v in (Resolve-VTEntity 'VM' $P['VM'] (Get-VTScopeServers $P))) {
        if (-not $Cmdlet.ShouldProcess($v.Rec.name, 'Start-VM')) { continue }
        Add-VTCall 'Start-VM' ([string]$v.Rec.host) ([string]$v.Rec.name) (ConvertTo-VTCallParameters $P)
        try {
            Invoke-VTFault $v.Srv @('Start-VM', 'PowerOnVM_Task', 'PowerOnVM') ([string]$v.Rec.name) ([string]$v.Rec.host)
            Invoke-VTPowerOn $v.Srv $v.Rec
            New-VTVmObject $v.Srv $v.Rec
        } catch {
            Write-VTError $Cmdlet $_.Exception.Message $v.Rec.name 'InvalidOperation'
        }
    }
}

$script:VTCmdlets['Stop-VM'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($v in (Resolve-VTEntity 'VM' $P['VM'] (Get-VTScopeServers $P))) {
        if (-not $Cmdlet.ShouldProcess($v.Rec.name, 'Stop-VM')) { continue }
        Add-VTCall 'Stop-VM' ([string]$v.Rec.host) ([string]$v.Rec.name) (ConvertTo-VTCallParameters $P)
        try {
            Invoke-VTFault $v.Srv @('Stop-VM', 'PowerOffVM_Task', 'PowerOffVM') ([string]$v.Rec.name) ([string]$v.Rec.host)
            Invoke-VTPowerOff $v.Rec
            New-VTVmObject $v.Srv $v.Rec
        } catch {
            Write-VTError $Cmdlet $_.Exception.Message $v.Rec.name 'InvalidOperation'
        }
    }
}

$script:VTCmdlets['Set-VMHost'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($k in @($P.Keys)) {
        if (@('VMHost', 'State', 'Server', 'Confirm', 'WhatIf', 'RunAsync', 'Reason') -notcontains $k) { throw ('twin: Set-VMHost -{0} is not modelled' -f $k) }
    }
    $async = $P.ContainsKey('RunAsync') -and [bool]$P['RunAsync']
    foreach ($h in (Resolve-VTEntity 'VMHost' $P['VMHost'] (Get-VTScopeServers $P))) {
        if (-not $P.ContainsKey('State')) { continue }
        $want = [string]$P['State']
        if (@('Connected', 'Maintenance') -notcontains $want) { throw ('twin: Set-VMHost -State {0} is not modelled' -f $want) }
        if ($async -and $want -ne 'Maintenance') { throw ('twin: Set-VMHost -State {0} -RunAsync is not modelled (only entering maintenance mode runs as a task in the twin)' -f $want) }
        if (-not $Cmdlet.ShouldProcess($h.Rec.name, ('Set state to {0}' -f $want))) { continue }
        Add-VTCall 'Set-VMHost' ([string]$h.Rec.name) ([string]$h.Rec.name) (ConvertTo-VTCallParameters $P)
        # With -RunAsync a fault of the state fails the task, not the call (README "Rollouts").
        $fault = ''
        if ($async -and $want -eq 'Maintenance') {
            try { Invoke-VTFault $h.Srv @('Set-VMHost') ([string]$h.Rec.name) } catch { $fault = $_.Exception.Message; if ($fault -match '^twin: host .* is rebooting') { throw } }
        } else {
            Invoke-VTFault $h.Srv @('Set-VMHost') ([string]$h.Rec.name)
        }
        $cur = [string]$h.Rec.connection_state
        $entering = Get-VTEnteringMaintenance $h.Srv $h.Rec
        if ($null -ne $entering) { throw ('{0} (twin: host {1} is entering maintenance mode: task {2} still runs)' -f $script:VTMsg.InvalidState, $h.Rec.name, $entering.Task.Id) }
        if ($want -eq 'Maintenance') {
            if ($cur -ne 'Connected') { throw ('{0} (twin: host {1} is {2}; only a Connected host enters maintenance mode)' -f $script:VTMsg.InvalidState, $h.Rec.name, $cur) }
            # EnterMaintenanceMode_Task completes only when no VM runs on the host; vGPU VMs
            # are not evacuated by DRS by default (docs/sources.md, vSphere, KB 88271), and
            # DRS evacuation is not modelled: the script migrates or shuts them down first.
            $on = @(Get-VTVmsOnHost $h.Srv ([string]$h.Rec.name) | Where-Object { [string]$_.power_state -eq 'PoweredOn' })
            if ($on.Count -gt 0) { throw ('twin: host {0} cannot enter maintenance mode while VM(s) {1} run on it (DRS does not evacuate vGPU VMs by default; migrate or shut them down first)' -f $h.Rec.name, (($on | ForEach-Object { $_.name }) -join ', ')) }
            if ($async) {
                $rec = Start-VTMaintenanceTask $h.Srv $h.Rec $fault
                Copy-VTTaskObject $rec.Task
                continue
            }
            # Synchronous: the call returns when the host is in maintenance mode.
            $start = Get-TwinClock
            Add-TwinClock (Get-VTMaintenanceSeconds $h.Rec)
            Complete-VTMaintenance $h.Srv $h.Rec $start (Get-TwinClock)
            New-VTHostObject $h.Srv $h.Rec
            continue
        } elseif ($cur -ne 'Maintenance') {
            throw ('{0} (twin: host {1} is {2}, not in maintenance mode)' -f $script:VTMsg.InvalidState, $h.Rec.name, $cur)
        }
        $h.Rec.connection_state = $want
        New-VTHostObject $h.Srv $h.Rec
    }
}

# Get-Task -Id: the tasks of the run's -RunAsync calls (README "Rollouts"), each read anew;
# an id the vCenter does not know is a non-terminating error. Get-Task -Status (every recent
# task of the server) is not modelled: -Status fails at binding (its TaskState type is not
# verified), and the set without it is refused.
$script:VTCmdlets['Get-Task'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    if (-not $P.ContainsKey('Id')) { throw 'twin: Get-Task without -Id is not modelled (the twin knows only the tasks of the run''s -RunAsync calls: ask for them by id)' }
    $servers = @(Resolve-VTServers $P | ForEach-Object { $_.Name })
    foreach ($id in @($P['Id'] | Select-Object -Unique)) {
        $rec = $null
        if ($script:VTHostTasks.Contains([string]$id)) { $rec = $script:VTHostTasks[[string]$id] }
        if ($null -eq $rec -or $servers -notcontains $rec.Srv.Name) {
            Write-VTError $Cmdlet ('twin: no task with id ''{0}'' on {1}' -f $id, ($servers -join ', ')) $id
            continue
        }
        Copy-VTTaskObject $rec.Task
    }
}

$script:VTCmdlets['Move-VM'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($k in @($P.Keys)) {
        if (@('VM', 'Destination', 'Server', 'Confirm', 'WhatIf') -notcontains $k) { throw ('twin: Move-VM -{0} is not modelled' -f $k) }
    }
    if (-not $P.ContainsKey('Destination') -or $null -eq $P['Destination']) { throw 'twin: Move-VM without -Destination is not modelled (the twin models moves between hosts)' }
    $servers = Get-VTScopeServers $P
    $dest = @($P['Destination'] | ForEach-Object { $d = $_; if ($d -is [System.Management.Automation.PSObject]) { $d = $d.PSObject.BaseObject }; if ($d -is [VgpucTwin.PowerCLI.Cluster]) { throw 'twin: Move-VM -Destination of a cluster is not modelled (name the host)' }; $d })
    $to = @(Resolve-VTEntity 'VMHost' $dest $servers)
    if ($to.Count -ne 1) { throw ('twin: Move-VM -Destination must be one host, got {0}' -f $to.Count) }
    foreach ($v in (Resolve-VTEntity 'VM' $P['VM'] $servers)) {
        if ($v.Srv -ne $to[0].Srv) { throw 'twin: moving a VM between vCenters is not modelled' }
        if (-not $Cmdlet.ShouldProcess($v.Rec.name, ('Move-VM to {0}' -f $to[0].Rec.name))) { continue }
        Add-VTCall 'Move-VM' ([string]$v.Rec.host) ([string]$v.Rec.name) (ConvertTo-VTCallParameters $P)
        Invoke-VTFault $v.Srv @('Move-VM') ([string]$v.Rec.name) ([string]$v.Rec.host)
        Invoke-VTMigrate $v.Srv $v.Rec $to[0].Rec
        New-VTVmObject $v.Srv $v.Rec
    }
}

# ---- DRS groups and rules ----------------------------------------------------------------
function Get-VTGroupType {
    param($GroupRec)
    if ([string]$GroupRec.type -eq 'VM') { return 'VMGroup' }
    return 'VMHostGroup'
}

function New-VTGroupObject {
    param($Srv, $ClusterRec, $GroupRec)
    $co = New-VTClusterObject $Srv $ClusterRec
    if ((Get-VTGroupType $GroupRec) -eq 'VMGroup') {
        $o = [VgpucTwin.PowerCLI.DrsClusterVMGroup]::new()
        $o.Member = @($GroupRec.members | ForEach-Object { $m = Find-VTVmByName $Srv ([string]$_); if ($null -ne $m) { New-VTVmObject $Srv $m } })
    } else {
        $o = [VgpucTwin.PowerCLI.DrsClusterVMHostGroup]::new()
        $o.Member = @($GroupRec.members | ForEach-Object { $m = Find-VTHost $Srv ([string]$_); if ($null -ne $m) { New-VTHostObject $Srv $m } })
    }
    $o.TwinServer = $Srv.Name
    $o.Name = [string]$GroupRec.name
    $o.Cluster = $co
    $o.GroupType = Get-VTGroupType $GroupRec
    $o.Id = '{0}/DrsClusterGroup={1}' -f $co.Id, $GroupRec.name
    $o.Uid = '{0}DrsClusterGroup={1}/' -f $co.Uid, $GroupRec.name
    return $o
}

function New-VTRuleObject {
    param($Srv, $ClusterRec, $RuleRec)
    $o = [VgpucTwin.PowerCLI.DrsVMHostRule]::new()
    $o.TwinServer = $Srv.Name
    $o.Name = [string]$RuleRec.name
    $o.Cluster = New-VTClusterObject $Srv $ClusterRec
    $o.Enabled = [bool]$RuleRec.enabled
    $o.Type = [string]$RuleRec.type
    $vg = @($ClusterRec.drs_groups | Where-Object { $null -ne $_ -and [string]$_.name -eq [string]$RuleRec.vm_group }) | Select-Object -First 1
    $hg = @($ClusterRec.drs_groups | Where-Object { $null -ne $_ -and [string]$_.name -eq [string]$RuleRec.host_group }) | Select-Object -First 1
    if ($null -ne $vg) { $o.VMGroup = New-VTGroupObject $Srv $ClusterRec $vg }
    if ($null -ne $hg) { $o.VMHostGroup = New-VTGroupObject $Srv $ClusterRec $hg }
    $o.Id = '{0}/DrsVMHostRule={1}' -f $o.Cluster.Id, $RuleRec.name
    $o.Uid = '{0}DrsVMHostRule={1}/' -f $o.Cluster.Uid, $RuleRec.name
    return $o
}

function Resolve-VTGroup {
    param($Group)
    $g = $Group
    if ($g -is [System.Management.Automation.PSObject]) { $g = $g.PSObject.BaseObject }
    if ($g -isnot [VgpucTwin.PowerCLI.DrsClusterGroup]) { throw 'twin: a DRS cluster group argument must be an object from Get-DrsClusterGroup or New-DrsClusterGroup' }
    $srv = Get-VTServer $g.TwinServer
    $cl = Find-VTCluster $srv $g.Cluster.Name
    $rec = @($cl.drs_groups | Where-Object { $null -ne $_ -and [string]$_.name -eq $g.Name }) | Select-Object -First 1
    if ($null -eq $rec) { throw ('DRS cluster group {0} no longer exists in cluster {1}.' -f $g.Name, $cl.name) }
    return @{ Srv = $srv; Cluster = $cl; Rec = $rec }
}

$script:VTCmdlets['Get-DrsClusterGroup'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    $servers = Resolve-VTServers $P
    $clusters = if ($P.ContainsKey('Cluster') -and $null -ne $P['Cluster']) { Resolve-VTEntity 'Cluster' $P['Cluster'] $servers } else { @($servers | ForEach-Object { $s = $_; @($s.State.clusters) | ForEach-Object { @{ Srv = $s; Rec = $_ } } }) }
    $vmFilter = $null
    if ($P.ContainsKey('VM') -and $null -ne $P['VM']) { $vmFilter = @(Resolve-VTEntity 'VM' $P['VM'] $servers) }
    if ($P.ContainsKey('VMHost') -and $null -ne $P['VMHost']) { throw 'twin: Get-DrsClusterGroup -VMHost is not modelled' }
    foreach ($c in $clusters) {
        foreach ($g in @($c.Rec.drs_groups | Where-Object { $null -ne $_ })) {
            if ($P.ContainsKey('Type') -and [string]$P['Type'] -ne 'All' -and [string]$P['Type'] -ne (Get-VTGroupType $g)) { continue }
            if ($P.ContainsKey('Name') -and $null -ne $P['Name'] -and @($P['Name'] | Where-Object { Test-VTWildcard ([string]$_) ([string]$g.name) }).Count -eq 0) { continue }
            if ($null -ne $vmFilter -and @($vmFilter | Where-Object { [string]$g.type -eq 'VM' -and @($g.members) -contains [string]$_.Rec.name }).Count -eq 0) { continue }
            New-VTGroupObject $c.Srv $c.Rec $g
        }
    }
}

$script:VTCmdlets['New-DrsClusterGroup'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    $servers = Resolve-VTServers $P
    $cls = @(Resolve-VTEntity 'Cluster' $P['Cluster'] $servers)
    if ($cls.Count -ne 1) { throw ('twin: New-DrsClusterGroup -Cluster must name one cluster, got {0}' -f $cls.Count) }
    $c = $cls[0]
    $name = [string]$P['Name']
    if (-not $Cmdlet.ShouldProcess($c.Rec.name, ('Create DRS cluster group {0}' -f $name))) { return }
    # The call's target is the group it creates (as Set-DrsClusterGroup's is the group it
    # changes), and a fault of the state names that same target (tests/twin/README.md).
    Add-VTCall 'New-DrsClusterGroup' $null $name (ConvertTo-VTCallParameters $P)
    Invoke-VTFault $c.Srv @('New-DrsClusterGroup') $name
    if (@($c.Rec.drs_groups | Where-Object { $null -ne $_ -and [string]$_.name -eq $name }).Count -gt 0) {
        throw ('A DRS cluster group named ''{0}'' already exists in cluster {1}.' -f $name, $c.Rec.name)
    }
    $hostNames = @($c.Srv.State.hosts | Where-Object { [string]$_.cluster -eq [string]$c.Rec.name } | ForEach-Object { [string]$_.name })
    if ($Set -eq 'VMGroup') {
        $members = @(Resolve-VTEntity 'VM' $P['VM'] @($c.Srv))
        foreach ($m in $members) { if ($hostNames -notcontains [string]$m.Rec.host) { throw ('VM {0} is not in cluster {1}.' -f $m.Rec.name, $c.Rec.name) } }
        $rec = New-VTRecord $c.Rec ([ordered]@{ name = $name; type = 'VM'; members = @($members | ForEach-Object { [string]$_.Rec.name }) })
    } else {
        $members = @(Resolve-VTEntity 'VMHost' $P['VMHost'] @($c.Srv))
        foreach ($m in $members) { if ($hostNames -notcontains [string]$m.Rec.name) { throw ('VMHost {0} is not in cluster {1}.' -f $m.Rec.name, $c.Rec.name) } }
        $rec = New-VTRecord $c.Rec ([ordered]@{ name = $name; type = 'VMHost'; members = @($members | ForEach-Object { [string]$_.Rec.name }) })
    }
    $c.Rec.drs_groups = @(@($c.Rec.drs_groups | Where-Object { $null -ne $_ }) + $rec)
    New-VTGroupObject $c.Srv $c.Rec $rec
}

$script:VTCmdlets['Set-DrsClusterGroup'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($g in @($P['DrsClusterGroup'])) {
        $r = Resolve-VTGroup $g
        $isVm = ([string]$r.Rec.type -eq 'VM')
        if ($isVm -and -not $P.ContainsKey('VM')) { throw ('DRS cluster group {0} is a VM group; use -VM.' -f $r.Rec.name) }
        if (-not $isVm -and -not $P.ContainsKey('VMHost')) { throw ('DRS cluster group {0} is a VMHost group; use -VMHost.' -f $r.Rec.name) }
        if (-not $Cmdlet.ShouldProcess($r.Rec.name, 'Set DRS cluster group')) { continue }
        Add-VTCall 'Set-DrsClusterGroup' $null ([string]$r.Rec.name) (ConvertTo-VTCallParameters $P)
        Invoke-VTFault $r.Srv @('Set-DrsClusterGroup') ([string]$r.Rec.name)
        $names = if ($isVm) { @(Resolve-VTEntity 'VM' $P['VM'] @($r.Srv) | ForEach-Object { [string]$_.Rec.name }) } else { @(Resolve-VTEntity 'VMHost' $P['VMHost'] @($r.Srv) | ForEach-Object { [string]$_.Rec.name }) }
        $cur = @($r.Rec.members | ForEach-Object { [string]$_ })
        if ($P.ContainsKey('Add') -and $P['Add']) { $cur = @($cur + @($names | Where-Object { $cur -notcontains $_ })) }
        elseif ($P.ContainsKey('Remove') -and $P['Remove']) { $cur = @($cur | Where-Object { $names -notcontains $_ }) }
        else { throw 'twin: Set-DrsClusterGroup needs -Add or -Remove' }
        $r.Rec.members = $cur
        New-VTGroupObject $r.Srv $r.Cluster $r.Rec
    }
}

$script:VTCmdlets['Get-DrsVMHostRule'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    $servers = Resolve-VTServers $P
    $clusters = if ($P.ContainsKey('Cluster') -and $null -ne $P['Cluster']) { Resolve-VTEntity 'Cluster' $P['Cluster'] $servers } else { @($servers | ForEach-Object { $s = $_; @($s.State.clusters) | ForEach-Object { @{ Srv = $s; Rec = $_ } } }) }
    foreach ($c in $clusters) {
        foreach ($r in @($c.Rec.drs_rules | Where-Object { $null -ne $_ })) {
            if ($P.ContainsKey('Name') -and $null -ne $P['Name'] -and @($P['Name'] | Where-Object { Test-VTWildcard ([string]$_) ([string]$r.name) }).Count -eq 0) { continue }
            if ($P.ContainsKey('Type') -and @($P['Type'] | ForEach-Object { [string]$_ }) -notcontains [string]$r.type) { continue }
            if ($P.ContainsKey('VMGroup') -and @($P['VMGroup'] | ForEach-Object { [string]$_.Name }) -notcontains [string]$r.vm_group) { continue }
            if ($P.ContainsKey('VMHostGroup') -and @($P['VMHostGroup'] | ForEach-Object { [string]$_.Name }) -notcontains [string]$r.host_group) { continue }
            New-VTRuleObject $c.Srv $c.Rec $r
        }
    }
}

$script:VTCmdlets['New-DrsVMHostRule'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    $vg = Resolve-VTGroup $P['VMGroup']
    $hg = Resolve-VTGroup $P['VMHostGroup']
    if ($vg.Cluster -ne $hg.Cluster) { throw 'The VM group and the VMHost group must be in the same cluster.' }
    if ([string]$vg.Rec.type -ne 'VM') { throw ('{0} is not a VM group.' -f $vg.Rec.name) }
    if ([string]$hg.Rec.type -eq 'VM') { throw ('{0} is not a VMHost group.' -f $hg.Rec.name) }
    if ($P.ContainsKey('Cluster') -and $null -ne $P['Cluster']) {
        $cls = @(Resolve-VTEntity 'Cluster' $P['Cluster'] @($vg.Srv))
        if ($cls.Count -ne 1 -or $cls[0].Rec -ne $vg.Cluster) { throw 'twin: -Cluster is not the cluster of the groups' }
    }
    $name = [string]$P['Name']
    if (-not $Cmdlet.ShouldProcess($vg.Cluster.name, ('Create DRS VM-host rule {0}' -f $name))) { return }
    # Target: the rule it creates (as for Set-DrsVMHostRule), for the call log and the faults.
    Add-VTCall 'New-DrsVMHostRule' $null $name (ConvertTo-VTCallParameters $P)
    Invoke-VTFault $vg.Srv @('New-DrsVMHostRule') $name
    if (@($vg.Cluster.drs_rules | Where-Object { $null -ne $_ -and [string]$_.name -eq $name }).Count -gt 0) {
        throw ('A DRS rule named ''{0}'' already exists in cluster {1}.' -f $name, $vg.Cluster.name)
    }
    # Enabled when -Enabled is not given (twin assumption; scripts should pass -Enabled).
    $enabled = if ($P.ContainsKey('Enabled')) { [bool]$P['Enabled'] } else { $true }
    $rec = New-VTRecord $vg.Cluster ([ordered]@{ name = $name; vm_group = [string]$vg.Rec.name; host_group = [string]$hg.Rec.name; type = [string]$P['Type']; enabled = $enabled })
    $vg.Cluster.drs_rules = @(@($vg.Cluster.drs_rules | Where-Object { $null -ne $_ }) + $rec)
    New-VTRuleObject $vg.Srv $vg.Cluster $rec
}

$script:VTCmdlets['Set-DrsVMHostRule'] = {
    param([hashtable]$P, [string]$Set, $Cmdlet)
    foreach ($ro in @($P['Rule'])) {
        $o = $ro
        if ($o -is [System.Management.Automation.PSObject]) { $o = $o.PSObject.BaseObject }
        if ($o -isnot [VgpucTwin.PowerCLI.DrsVMHostRule]) { throw 'twin: Set-DrsVMHostRule -Rule needs objects from Get-DrsVMHostRule' }
        $srv = Get-VTServer $o.TwinServer
        $cl = Find-VTCluster $srv $o.Cluster.Name
        $rec = @($cl.drs_rules | Where-Object { $null -ne $_ -and [string]$_.name -eq $o.Name }) | Select-Object -First 1
        if ($null -eq $rec) { throw ('DRS rule {0} no longer exists in cluster {1}.' -f $o.Name, $cl.name) }
        if (-not $Cmdlet.ShouldProcess($o.Name, 'Set DRS VM-host rule')) { continue }
        Add-VTCall 'Set-DrsVMHostRule' $null ([string]$o.Name) (ConvertTo-VTCallParameters $P)
        Invoke-VTFault $srv @('Set-DrsVMHostRule') ([string]$o.Name)
        if ($P.ContainsKey('VMGroup')) {
            $g = Resolve-VTGroup $P['VMGroup']
            if ($g.Cluster -ne $cl -or [string]$g.Rec.type -ne 'VM') { throw ('{0} is not a VM group of cluster {1}.' -f $g.Rec.name, $cl.name) }
        }
        if ($P.ContainsKey('VMHostGroup')) {
            $g = Resolve-VTGroup $P['VMHostGroup']
            if ($g.Cluster -ne $cl -or [string]$g.Rec.type -eq 'VM') { throw ('{0} is not a VMHost group of cluster {1}.' -f $g.Rec.name, $cl.name) }
        }
        if ($P.ContainsKey('Name') -and [string]$P['Name'] -ne [string]$rec.name -and @($cl.drs_rules | Where-Object { $null -ne $_ -and [string]$_.name -eq [string]$P['Name'] }).Count -gt 0) {
            throw ('A DRS rule named ''{0}'' already exists in cluster {1}.' -f $P['Name'], $cl.name)
        }
        if ($P.ContainsKey('Enabled')) { $rec.enabled = [bool]$P['Enabled'] }
        if ($P.ContainsKey('Name')) { $rec.name = [string]$P['Name'] }
        if ($P.ContainsKey('Type')) { $rec.type = [string]$P['Type'] }
        if ($P.ContainsKey('VMGroup')) { $rec.vm_group = [string]$P['VMGroup'].Name }
        if ($P.ContainsKey('VMHostGroup')) { $rec.host_group = [string]$P['VMHostGroup'].Name }
        New-VTRuleObject $srv $cl $rec
    }
}

# ---- advanced settings (vCenter and VM extraConfig) --------------------------------------
function Resolve-VTSettingEntity {
    param($Entity)
    $e = $Entity
    if ($e -is [System.Management.Automation.PSObject]) { $e = $e.PSObject.BaseObject }
    if ($e -is [VgpucTwin.PowerCLI.VIServer]) {
        if (-not $e.IsConnected) { throw ('Server {0} is not connected.' -f $e.Name) }
        $srv = Get-VTServer $e.Name
        return @{ Srv = $srv; Map = $srv.State.vcenter.advanced_settings; Target = $srv.Name; HostName = $null; Vm = $null; Type = 'VIServer' }
    }
    if ($e -is [VgpucTwin.PowerCLI.VirtualMachine]) {
        $srv = Get-VTServer $e.TwinServer
        $vm = Find-VTVm $srv ($e.Id -replace '^VirtualMachine-', '')
        return @{ Srv = $srv; Map = $vm.extra_config; Target = [string]$vm.name; HostName = [string]$vm.host; Vm = $vm; Type = 'VM' }
    }
    throw ('twin: advanced settings of {0} are not modelled (vCenter and VM only)' -f $(if ($null -eq $e) { 'null' } else { $e.GetType().Name }))
}

function Get-VTAdvancedSettings {
    param($Entity)
    $ent = Resolve-VTSettingEntity $Entity
    foreach ($k in (Get-VTKey $ent.Map)) {
        $s = [VgpucTwin.PowerCLI.AdvancedSetting]::new()
        $s.TwinServer = $ent.Srv.Name
        $s.Name = $k
        $s.Value = Get-VTValue $ent.Map $k
        $s.Type = $ent.Type
        $s.Entity = $Entity
        $s.Id = '{0}/AdvancedSetting={1}' -f $ent.Target, $k
        $s.Uid = $s.Id
        $s
    }
}

function Set-VTSettingValue {
    param($Ent, [string]$Name, $Value, [bool]$Create)
    if ($null -ne $Ent.Vm -and $Name -like 'pciPassthru*' -and [string]$Ent.Vm.power_state -ne 'PoweredOff') {
        $cur = Get-VTValue $Ent.Map $Name
        if ([string]$cur -ne [string]$Value) { throw ($script:VTMsg.InvalidPowerState -f (Get-VTPowerLabel $Ent.Vm)) }
    }
    $old = Get-VTValue $Ent.Map $Name
    if ($Value -is [bool] -and $old -isnot [bool]) { $Value = ([string]$Value).ToLowerInvariant() }
    elseif ($Value -isnot [bool] -and $old -isnot [bool]) { $Value = [string]$Value }
    Set-VTValue $Ent.Map $Name $Value
}

# ---- esxcli (Get-EsxCli -V2) -------------------------------------------------------------
# The namespaces the twin models: software vib list, software component list and apply
# (-d|--depot, as `depot`: README "Rollouts"), system module list (Name/IsLoaded/IsEnabled,
# the loaded-module check), graphics host get. Any other
# namespace is a missing property, an error under StrictMode.
function New-VTEsxCliCommand {
    param([scriptblock]$Body, [string[]]$Arguments)
    $cmd = [pscustomobject]@{}
    $argsList = $Arguments
    $cmd | Add-Member -MemberType ScriptMethod -Name 'CreateArgs' -Value ({ $h = @{}; foreach ($a in $argsList) { $h[$a] = $null }; $h }.GetNewClosure())
    $cmd | Add-Member -MemberType ScriptMethod -Name 'Invoke' -Value $Body
    return $cmd
}

function New-VTEsxCli {
    param($Srv, $HostRec)
    $hostName = [string]$HostRec.name
    $srvName = $Srv.Name
    $comp = $HostRec.nvidia_component
    $vibRows = @()
    $compRows = @()
    if ($null -ne $comp) {
        $vibRows = @([pscustomobject]@{ Name = [string]$comp.name; Version = [string]$comp.version; Vendor = 'NVIDIA'; AcceptanceLevel = 'VMwareAccepted'; InstallDate = '2024-01-01' })
        $compRows = @([pscustomobject]@{ Name = [string]$comp.name; DisplayName = [string]$comp.name; Version = [string]$comp.version; DisplayVersion = [string]$comp.version; Vendor = 'NVIDIA'; AcceptanceLevel = 'VMwareAccepted' })
    }
    # The GPU Management Daemon installed as a component of its own (README "Rollouts"):
    # listed after the driver, with its own name and version.
    if ((Test-VTField $HostRec 'nvidia_daemon_component') -and $null -ne $HostRec.nvidia_daemon_component) {
        $dc = $HostRec.nvidia_daemon_component
        $vibRows += [pscustomobject]@{ Name = [string]$dc.name; Version = [string]$dc.version; Vendor = 'NVIDIA'; AcceptanceLevel = 'VMwareAccepted'; InstallDate = '2024-01-01' }
        $compRows += [pscustomobject]@{ Name = [string]$dc.name; DisplayName = [string]$dc.name; Version = [string]$dc.version; DisplayVersion = [string]$dc.version; Vendor = 'NVIDIA'; AcceptanceLevel = 'VMwareAccepted' }
    }
    # esxcli V2 returns every field as a string ("true"/"false"), so `if ($m.IsLoaded)` is
    # always true there too: scripts must compare the text.
    $loaded = ([string][bool]$HostRec.nvidia_module_loaded).ToLowerInvariant()
    $modRows = @([pscustomobject]@{ Name = 'nvidia'; IsLoaded = $loaded; IsEnabled = 'true' } | Where-Object { $null -ne $comp })
    $typeName = if ([string]$HostRec.graphics.default_type -eq 'sharedDirect') { 'SharedPassthru' } else { 'Shared' }
    $vibList = New-VTEsxCliCommand ({ param($a) if ($null -ne $a -and @($a.Keys | Where-Object { $null -ne $a[$_] }).Count -gt 0) { throw 'twin: esxcli software vib list arguments are not modelled' }; $vibRows }.GetNewClosure()) @('rebootingimage')
    $compList = New-VTEsxCliCommand ({ param($a) if ($null -ne $a -and @($a.Keys | Where-Object { $null -ne $a[$_] }).Count -gt 0) { throw 'twin: esxcli software component list arguments are not modelled' }; $compRows }.GetNewClosure()) @('rebootingimage')
    $modList = New-VTEsxCliCommand ({
            param($a)
            $rows = $modRows
            if ($null -ne $a) {
                foreach ($k in $a.Keys) {
                    if ($null -eq $a[$k]) { continue }
                    if ($k -eq 'loaded') { $want = ([string][bool]$a[$k]).ToLowerInvariant(); $rows = @($rows | Where-Object { $_.IsLoaded -eq $want }) }
                    elseif ($k -eq 'enabled') { $want = ([string][bool]$a[$k]).ToLowerInvariant(); $rows = @($rows | Where-Object { $_.IsEnabled -eq $want }) }
                    else { throw ('Invalid argument: {0} (esxcli system module list takes enabled, loaded)' -f $k) }
                }
            }
            $rows
        }.GetNewClosure()) @('enabled', 'loaded')
    # No closure: the body stays bound to this module (Add-VTCall, Invoke-VTComponentApply);
    # its host and server are note properties of the command object ($this).
    $compApply = New-VTEsxCliCommand {
        param($a)
        if ($null -eq $a -or -not $a.ContainsKey('depot') -or [string]::IsNullOrEmpty([string]$a['depot'])) { throw 'Missing required parameter -d|--depot (twin: the absolute path of the offline bundle)' }
        foreach ($k in $a.Keys) { if ($k -ne 'depot' -and $null -ne $a[$k]) { throw ('twin: esxcli software component apply --{0} is not modelled' -f $k) } }
        $depot = [string]$a['depot']
        $hn = [string]$this.TwinHost.name
        Add-VTCall 'esxcli software component apply' $hn $hn ([ordered]@{ depot = $depot })
        # A fault targets the host (its first apply) or the depot path (that apply only).
        Invoke-VTFault $this.TwinSrv @('esxcli software component apply') $depot $hn
        Invoke-VTComponentApply $this.TwinSrv $this.TwinHost $depot
    } @('depot')
    $compApply | Add-Member -NotePropertyName 'TwinSrv' -NotePropertyValue $Srv
    $compApply | Add-Member -NotePropertyName 'TwinHost' -NotePropertyValue $HostRec
    $gfxGet = New-VTEsxCliCommand ({ param($a) [pscustomobject]@{ DefaultGraphicsType = $typeName; SharedPassthruAssignmentPolicy = 'Performance' } }.GetNewClosure()) @()
    return [pscustomobject]@{
        VMHost   = $hostName
        software = [pscustomobject]@{ vib = [pscustomobject]@{ list = $vibList }; component = [pscustomobject]@{ list = $compList; apply = $compApply } }
        system   = [pscustomobject]@{ module = [pscustomobject]@{ list = $modList } }
        graphics = [pscustomobject]@{ host = [pscustomobject]@{ get = $gfxGet } }
        TwinServer = $srvName
    }
}
