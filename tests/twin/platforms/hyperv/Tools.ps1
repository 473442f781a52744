# Tools.ps1 - the native tools of the Hyper-V family as the engine runs them:
# nvidia-smi.exe and pnputil.exe on a host, az (Azure CLI with the
# stack-hci-vm extension) on the admin workstation of an Arc cluster. Each
# sets $LASTEXITCODE as a native program does, and writes its error text to
# the console (host stream), never as a PowerShell error. Part of the engine
# module; the thin functions that call these are the modules of ToolModules.ps1.

# $LASTEXITCODE as set by a simulated native tool, marked so that the twin
# can tell it from a script's own `exit N`.
function Set-TwinNativeExit {
    param([int]$Code)
    $v = [psobject]$Code
    $v.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('VgpucTwinNative', $true))
    $global:LASTEXITCODE = $v
}

function Write-TwinStderr {
    param([string]$Text)
    Write-Information -MessageData $Text -Tags 'stderr' -InformationAction Continue
}

function Invoke-HvNvidiaSmi {
    param([string[]]$Arguments)
    $guest = Get-HvGuestContext
    if ($null -ne $guest) {
        Invoke-HvGuestNvidiaSmi -Context $guest -Arguments $Arguments
        return
    }
    $h = Find-HvHost (Get-HvState) $script:HostName
    if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'nvidia-smi.exe' -Target $h['name'] -HostName $h['name'] }
    $gpus = @(@($h['gpus']).Where({ [bool]$_['present'] -and $_['driver'] -eq 'vgpu' -and [bool]$_['enabled'] -and -not [bool]$_['dismounted'] }))
    $argv = @($Arguments)
    if ($argv.Count -eq 2 -and $argv -contains '--query-gpu=driver_version' -and $argv -contains '--format=csv,noheader') {
        if ($gpus.Count -eq 0) {
            'No devices were found'
            Set-TwinNativeExit 6
            return
        }
        foreach ($g in $gpus) {
            [string]$h['nvidia_driver']
        }
        Set-TwinNativeExit 0
        return
    }
    Write-TwinStderr ('nvidia-smi.exe {0}: not modeled by the twin (only --query-gpu=driver_version --format=csv,noheader)' -f ($argv -join ' '))
    Set-TwinNativeExit 2
}

function Invoke-HvPnputil {
    param([string[]]$Arguments)
    $h = Find-HvHost (Get-HvState) $script:HostName
    $argv = @($Arguments)
    if ($argv.Count -ge 2 -and $argv[0] -in '/add-driver', '-add-driver') {
        Add-TwinCall -Command 'pnputil /add-driver' -HostName $h['name'] -Target $argv[1] -Bound ([ordered]@{ arguments = $argv })
        try {
            if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'pnputil /add-driver' -Target $argv[1] -HostName $h['name'] }
        } catch {
            Write-TwinStderr $_.Exception.Message
            Set-TwinNativeExit 1
            return
        }
        # A state with driver_packages models the vGPU Manager install
        # (Maintenance.ps1): the package must be one of them, the node drained
        # (NVIDIA's installer on a cluster node with VMs running on it is what
        # the rollout must never do; the twin refuses it), and with /install
        # its driver is loaded at the next restart.
        $st = Get-HvState
        if ($st.Contains('driver_packages')) {
            $pkg = Find-HvDriverPackage $h $argv[1]
            if ($null -eq $pkg) {
                Write-TwinStderr ('Failed to add driver package: The system cannot find the file specified. ({0})' -f $argv[1])
                Set-TwinNativeExit 2
                return
            }
            $running = @(@($h['vms']).Where({ $_['state'] -eq 'Running' }))
            if (-not ($h.Contains('paused') -and [bool]$h['paused']) -or $running.Count -gt 0 -or (Get-HvDrainStatus $h) -eq 'InProgress') {
                Write-TwinStderr ('twin: the vGPU Manager is installed only on a drained node with no VM running; {0} is {1} (drain {2}) with {3} VM(s) running' -f $h['name'], (Get-HvNodeState $h), (Get-HvDrainStatus $h), $running.Count)
                Set-TwinNativeExit 1
                return
            }
            if ($argv -contains '/install') {
                $h['driver_pending'] = [string]$pkg['driver']
            }
        }
        'Microsoft PnP Utility'
        ''
        ('Adding driver package:  {0}' -f $argv[1])
        'Driver package added successfully.'
        Set-TwinNativeExit 0
        return
    }
    if ($argv.Count -ge 1 -and $argv[0] -in '/enum-devices', '-enum-devices') {
        'Microsoft PnP Utility'
        ''
        foreach ($g in $h['gpus']) {
            $o = New-HvPnpObject $h $g
            ('Instance ID:                {0}' -f $o.InstanceId)
            ('Device Description:         {0}' -f $o.FriendlyName)
            ('Class Name:                 {0}' -f $o.Class)
            ('Status:                     {0}' -f $o.Status)
            ''
        }
        Set-TwinNativeExit 0
        return
    }
    Write-TwinStderr ('pnputil.exe {0}: not modeled by the twin (only /add-driver and /enum-devices)' -f ($argv -join ' '))
    Set-TwinNativeExit 1
}

# --- files on a host: the driver packages of the state ---------------------------

# The package of `driver_packages` at PATH on host H: a package lists the
# hosts it was copied to (`hosts`; absent: every host). Paths compare as
# Windows paths do, case-insensitively.
function Find-HvDriverPackage {
    param($HostRec, [string]$Path)
    $st = Get-HvState
    if (-not $st.Contains('driver_packages')) {
        return $null
    }
    foreach ($d in @(Get-HvList $st['driver_packages'])) {
        if (-not ([string]$d['path']).Equals($Path, [System.StringComparison]::OrdinalIgnoreCase)) {
            continue
        }
        if ($d.Contains('hosts') -and -not (@($d['hosts']) | Where-Object { ([string]$_).Equals([string]$HostRec['name'], [System.StringComparison]::OrdinalIgnoreCase) })) {
            continue
        }
        return $d
    }
    $null
}

# Test-Path on a host (inside Invoke-Command): the host's file system holds
# the state's driver packages and nothing else the twin knows of. Only
# -LiteralPath and -PathType Leaf|Any are modeled; a package is a file.
function Invoke-HvTestPath {
    param([hashtable]$Bound)
    foreach ($k in $Bound.Keys) {
        if ($k -notin 'LiteralPath', 'PathType') {
            throw ('twin: Test-Path -{0} on a host is not modeled (only -LiteralPath and -PathType)' -f $k)
        }
    }
    if (-not $Bound.ContainsKey('LiteralPath')) {
        throw 'twin: Test-Path on a host needs -LiteralPath (a path is never a pattern here)'
    }
    $type = if ($Bound.ContainsKey('PathType')) { [string]$Bound['PathType'] } else { 'Any' }
    if ($type -notin 'Leaf', 'Any') {
        throw ('twin: Test-Path -PathType {0} on a host is not modeled (a package is a file: Leaf or Any)' -f $type)
    }
    $st = Get-HvState
    $h = Find-HvHost $st $script:HostName
    if (-not $st.Contains('driver_packages')) {
        throw 'twin: Test-Path on a host is modeled only for a state with driver_packages'
    }
    foreach ($p in @($Bound['LiteralPath'])) {
        $null -ne (Find-HvDriverPackage $h ([string]$p))
    }
}

# --- az (Azure CLI, stack-hci-vm extension) -------------------------------------

function Get-HvAzOptions {
    param([string[]]$Tokens)
    $o = @{}
    $i = 0
    while ($i -lt $Tokens.Count) {
        $t = $Tokens[$i]
        if ($t -like '--*' -or $t -eq '-g' -or $t -eq '-n') {
            $key = switch ($t) { '-g' { '--resource-group' } '-n' { '--name' } default { $t } }
            $vals = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Tokens.Count -and -not ($Tokens[$i] -like '--*' -or $Tokens[$i] -in '-g', '-n')) {
                $vals.Add($Tokens[$i])
                $i++
            }
            $o[$key] = $vals.ToArray()
        } else {
            $o['__positional'] = @($(if ($o.ContainsKey('__positional')) { $o['__positional'] }) + $t)
            $i++
        }
    }
    $o
}

function Get-HvArcVm {
    param([string]$Name, [string]$ResourceGroup)
    $st = Get-HvState
    if (-not (($st['arc']['resource_group'] -eq $ResourceGroup))) {
        return $null
    }
    foreach ($h in $st['hosts']) {
        foreach ($v in $h['vms']) {
            if ($v.Contains('arc') -and $null -ne $v['arc'] -and (($v['name'] -eq $Name))) {
                return @{ Host = $h; Vm = $v }
            }
        }
    }
    $null
}

function ConvertTo-HvArcJson {
    param($Hv)
    $st = Get-HvState
    $v = $Hv.Vm
    $gpus = @(Get-HvList $v['arc']['gpus'] | ForEach-Object {
        [ordered]@{ assignmentType = [string]$_['assignment']; gpuName = $null; partitionSizeMb = $null }
    })
    $power = if ($v['state'] -eq 'Running') { 'Running' } else { 'Stopped' }
    [ordered]@{
        name = [string]$v['name']; resourceGroup = [string]$st['arc']['resource_group']
        type = 'microsoft.azurestackhci/virtualmachineinstances'
        properties = [ordered]@{
            hardwareProfile = [ordered]@{ virtualMachineGPUs = $gpus }
            status = [ordered]@{ powerState = $power }
        }
    } | ConvertTo-Json -Depth 8
}

function Stop-HvAz {
    param([string]$Message, [int]$Code = 1)
    Write-TwinStderr ('ERROR: {0}' -f $Message)
    Set-TwinNativeExit $Code
}

function Invoke-HvAz {
    param([string[]]$Arguments)
    $st = Get-HvState
    $a = @($Arguments)
    $ext = -not ($st['arc'] -is [System.Collections.IDictionary] -and $st['arc'].Contains('stack_hci_vm_extension') -and -not [bool]$st['arc']['stack_hci_vm_extension'])
    if ($a.Count -ge 1 -and $a[0] -eq 'version') {
        $o = [ordered]@{ 'azure-cli' = 'twin'; extensions = [ordered]@{} }
        if ($ext) { $o.extensions['stack-hci-vm'] = 'twin' }
        $o | ConvertTo-Json
        Set-TwinNativeExit 0
        return
    }
    if ($a.Count -ge 2 -and $a[0] -eq 'extension' -and $a[1] -eq 'list') {
        $list = @()
        if ($ext) { $list = @([ordered]@{ name = 'stack-hci-vm'; version = 'twin'; extensionType = 'whl' }) }
        ConvertTo-Json -InputObject $list -Depth 4
        Set-TwinNativeExit 0
        return
    }
    if ($a.Count -ge 2 -and $a[0] -eq 'extension' -and $a[1] -eq 'show') {
        $o = Get-HvAzOptions @($a | Select-Object -Skip 2)
        if ($ext -and $o.ContainsKey('--name') -and $o['--name'][0] -eq 'stack-hci-vm') {
            [ordered]@{ name = 'stack-hci-vm'; version = 'twin'; extensionType = 'whl' } | ConvertTo-Json
            Set-TwinNativeExit 0
        } else {
            Stop-HvAz ("The extension {0} is not installed." -f $(if ($o.ContainsKey('--name')) { $o['--name'][0] } else { '' }))
        }
        return
    }
    if ($a.Count -lt 2 -or $a[0] -ne 'stack-hci-vm') {
        Stop-HvAz ('az {0}: not modeled by the twin' -f ($a -join ' ')) 2
        return
    }
    if (-not $ext) {
        Stop-HvAz "'stack-hci-vm' is misspelled or not recognized by the system." 2
        return
    }
    $verb = $a[1]
    $rest = @($a | Select-Object -Skip 2)
    if ($verb -eq 'gpu') {
        $verb = 'gpu ' + $(if ($rest.Count -gt 0) { $rest[0] } else { '' })
        $rest = @($rest | Select-Object -Skip 1)
    }
    $o = Get-HvAzOptions $rest
    if ($o.ContainsKey('--custom-location')) {
        # In the how-to docs, not in the reference syntax (docs/sources.md, Hyper-V): refused.
        Stop-HvAz 'unrecognized arguments: --custom-location (twin: not in the reference syntax of az stack-hci-vm)' 2
        return
    }
    # Each verb takes exactly the options of its reference syntax that the twin
    # models (a flag no value, the others one value); anything else is refused
    # as az refuses an unknown argument: exit 2, no call.
    $allowed = @{
        'show'       = @{ '--name' = 1; '--resource-group' = 1; '--output' = 1 }
        'stop'       = @{ '--name' = 1; '--resource-group' = 1 }
        'start'      = @{ '--name' = 1; '--resource-group' = 1 }
        'gpu attach' = @{ '--vm-name' = 1; '--resource-group' = 1; '--gpu-p-count' = 1; '--gpu-dda-count' = 1; '--gpus' = -1; '--yes' = 0 }
        'gpu detach' = @{ '--vm-name' = 1; '--resource-group' = 1; '--gpu-p-count' = 1; '--gpu-dda-count' = 1; '--gpus' = -1; '--yes' = 0 }
    }
    if ($allowed.ContainsKey($verb)) {
        foreach ($k in @($o.Keys)) {
            $n = @($o[$k]).Count
            if ($k -eq '__positional') {
                Stop-HvAz ('unrecognized arguments: {0}' -f (@($o[$k]) -join ' ')) 2
                return
            }
            if (-not $allowed[$verb].ContainsKey($k)) {
                Stop-HvAz ('unrecognized arguments: {0} (twin: az stack-hci-vm {1} takes {2})' -f $k, $verb, ((@($allowed[$verb].Keys) | Sort-Object) -join ', ')) 2
                return
            }
            $want = $allowed[$verb][$k]
            if ($want -ge 0 -and $n -ne $want) {
                Stop-HvAz ('argument {0}: expected {1} argument(s), got {2}' -f $k, $want, $n) 2
                return
            }
        }
        if ($o.ContainsKey('--output') -and $o['--output'][0] -ne 'json') {
            Stop-HvAz ('--output {0}: not modeled by the twin (json only)' -f $o['--output'][0]) 2
            return
        }
    }
    $rg = if ($o.ContainsKey('--resource-group')) { $o['--resource-group'][0] } else { $null }
    $nameKey = if ($verb -like 'gpu *') { '--vm-name' } else { '--name' }
    $name = if ($o.ContainsKey($nameKey)) { $o[$nameKey][0] } else { $null }
    if (-not $rg -or -not $name) {
        Stop-HvAz ('the following arguments are required: --resource-group, {0}' -f $nameKey) 2
        return
    }
    $hv = Get-HvArcVm -Name $name -ResourceGroup $rg
    if ($null -eq $hv) {
        Stop-HvAz ("(ResourceNotFound) The Resource 'Microsoft.AzureStackHCI/virtualMachineInstances/default' under resource group '{0}' was not found (VM {1})." -f $rg, $name) 3
        return
    }
    $v = $hv.Vm
    $h = $hv.Host
    switch ($verb) {
        'show' {
            if ($script:Run.Faults.Count -gt 0) { Assert-TwinFault -Command 'az stack-hci-vm show' -Target $name -HostName $h['name'] }
            ConvertTo-HvArcJson $hv
            Set-TwinNativeExit 0
        }
        'stop' {
            Add-TwinCall -Command 'az stack-hci-vm stop' -HostName $h['name'] -Target $name -Bound ([ordered]@{ arguments = $a })
            try { Assert-TwinFault -Command 'az stack-hci-vm stop' -Target $name -HostName $h['name'] } catch { Stop-HvAz $_.Exception.Message; return }
            if ($v['state'] -eq 'Running' -and $v.Contains('shutdown_service') -and -not [bool]$v['shutdown_service']) {
                Stop-HvAz ('VM {0} could not be shut down: no shutdown integration service' -f $name)
                return
            }
            if ($v['state'] -eq 'Running') { Register-HvVmDown (Get-HvState) $h $v 'az stack-hci-vm stop' }
            $v['state'] = 'Off'
            Set-TwinNativeExit 0
        }
        'start' {
            Add-TwinCall -Command 'az stack-hci-vm start' -HostName $h['name'] -Target $name -Bound ([ordered]@{ arguments = $a })
            try { Assert-TwinFault -Command 'az stack-hci-vm start' -Target $name -HostName $h['name'] } catch { Stop-HvAz $_.Exception.Message; return }
            if ($v['state'] -ne 'Running') {
                $why = Get-HvStartProblem $h $v
                if ($null -ne $why) {
                    Stop-HvAz ('VM {0} failed to start: {1}' -f $name, $why)
                    return
                }
                $v['state'] = 'Running'
                Register-HvVmRunning (Get-HvState) $h $v 'az stack-hci-vm start'
            }
            Set-TwinNativeExit 0
        }
        { $_ -in 'gpu attach', 'gpu detach' } {
            $cmd = 'az stack-hci-vm ' + $verb
            if ($o.ContainsKey('--gpus')) {
                Stop-HvAz ('{0} --gpus: not modeled by the twin (use --gpu-p-count or --gpu-dda-count)' -f $cmd) 2
                return
            }
            $kind = $null
            $count = 0
            if ($o.ContainsKey('--gpu-p-count')) { $kind = 'GpuP'; $count = [int]$o['--gpu-p-count'][0] }
            if ($o.ContainsKey('--gpu-dda-count')) {
                if ($kind) { Stop-HvAz 'use either --gpu-p-count or --gpu-dda-count' 2; return }
                $kind = 'GpuDDA'; $count = [int]$o['--gpu-dda-count'][0]
            }
            if (-not $kind -or $count -lt 1) {
                Stop-HvAz ('{0}: give --gpu-p-count N or --gpu-dda-count N' -f $cmd) 2
                return
            }
            Add-TwinCall -Command $cmd -HostName $h['name'] -Target $name -Bound ([ordered]@{ arguments = $a })
            try { Assert-TwinFault -Command $cmd -Target $name -HostName $h['name'] } catch { Stop-HvAz $_.Exception.Message; return }
            if ($v['state'] -ne 'Off') {
                Stop-HvAz ('VM {0} must be stopped to {1} a GPU (az stack-hci-vm stop).' -f $name, $verb.Substring(4))
                return
            }
            if ($verb -eq 'gpu attach') {
                for ($i = 0; $i -lt $count; $i++) {
                    if ($kind -eq 'GpuP') {
                        if (@(Get-HvPartitionableGpus $h).Count -eq 0) {
                            Stop-HvAz ('host {0} has no partitionable GPU' -f $h['name'])
                            return
                        }
                        $ids = @(Get-HvList $v['gpu_partition_adapters'] | ForEach-Object { [string]$_['id'] })
                        $n = $ids.Count + 1
                        while ($ids -contains "adapter-$n") { $n++ }
                        $v['gpu_partition_adapters'] = @($v['gpu_partition_adapters']) + @([ordered]@{ id = "adapter-$n" })
                    } else {
                        $free = (Get-HvFirst @($h['gpus']).Where({ [bool]$_['present'] -and [bool]$_['dismounted'] -and -not $_['pool'] -and @(Get-HvDeviceHolders $h $_['location_path']).Count -eq 0 }, 'First'))
                        if ($null -eq $free) {
                            Stop-HvAz ('host {0} has no free GPU for DDA (dismounted, unassigned)' -f $h['name'])
                            return
                        }
                        $v['assignable_devices'] = @($v['assignable_devices']) + @([ordered]@{ location_path = [string]$free['location_path']; pool = $null })
                    }
                    $v['arc']['gpus'] = @($v['arc']['gpus']) + @([ordered]@{ assignment = $kind })
                }
            } else {
                $have = @(@($v['arc']['gpus']).Where({ $_['assignment'] -eq $kind }))
                if ($have.Count -lt $count) {
                    Stop-HvAz ('VM {0} has {1} {2} GPU(s), cannot detach {3}' -f $name, $have.Count, $kind, $count)
                    return
                }
                for ($i = 0; $i -lt $count; $i++) {
                    $list = @($v['arc']['gpus'])
                    $idx = [array]::FindLastIndex([object[]]$list, [Predicate[object]] { param($x) $x['assignment'] -eq $kind })
                    $v['arc']['gpus'] = @(for ($j = 0; $j -lt $list.Count; $j++) { if ($j -ne $idx) { $list[$j] } })
                    if ($kind -eq 'GpuP') {
                        $ad = @($v['gpu_partition_adapters'])
                        $v['gpu_partition_adapters'] = @($ad | Select-Object -First ([math]::Max(0, $ad.Count - 1)))
                    } else {
                        $dd = @($v['assignable_devices'])
                        $v['assignable_devices'] = @($dd | Select-Object -First ([math]::Max(0, $dd.Count - 1)))
                    }
                }
            }
            Set-TwinNativeExit 0
        }
        default {
            Stop-HvAz ('az stack-hci-vm {0}: not modeled by the twin' -f $verb) 2
        }
    }
}
