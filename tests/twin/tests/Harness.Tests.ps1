# Harness.Tests.ps1 - the twin's interface (tests/twin/README.md) and the parts
# that are not one cmdlet: bindings generated from the cmdlet tables, exit
# codes, the state round trip, -WhatIf, remoting (isolation, serialization,
# unreachable hosts, $using:), the admin workstation, the native tools.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).ProviderPath
    $script:Pwsh = (Get-Command -Name 'pwsh' -CommandType Application | Select-Object -First 1).Source
    $script:Scratch = Join-Path ([System.IO.Path]::GetTempPath()) ('vgpuc-twin-cli-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Force -Path $script:Scratch
}

AfterAll {
    Remove-Item -LiteralPath $script:Scratch -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Bindings: exactly the documented parameter sets of the cmdlet tables' {
    It 'every cmdlet of the tables exists in the twin with exactly its documented parameters' {
        $specs = & (Get-Module Twin) { Read-TwinCmdletSpec -CmdletTable (Join-Path $script:TwinRoot '../validators/cmdlets/hyperv-cmdlets.tsv') -DetailTable (Join-Path $script:TwinRoot '../validators/cmdlets/hyperv-cmdlet-param-details.tsv') }
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
foreach ($c in @(Get-Command -Module 'Hyper-V', 'FailoverClusters', 'PnpDevice', 'VgpucTwin.Microsoft.PowerShell.Management' | Sort-Object Name)) {
    $p = @($c.Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object)
    $sets = @($c.ParameterSets | ForEach-Object { $_.Name } | Sort-Object)
    Write-Host ('{0}|{1}|{2}' -f $c.Name, ($p -join ','), ($sets -join ','))
}
'@
        $r.exit | Should -Be 0
        $seen = @{}
        foreach ($line in $r.output) {
            $name, $params, $sets = $line.Split('|')
            $seen[$name] = @{ Params = $params; Sets = $sets }
        }
        @($seen.Keys | Sort-Object) | Should -Be @($specs.Keys | Sort-Object)
        foreach ($s in $specs.Values) {
            $want = @($s.Params.Keys | Where-Object { $_ -notin 'WhatIf', 'Confirm' } | Sort-Object) -join ','
            $seen[$s.Name].Params | Should -Be $want -Because $s.Name
            if ($s.Params.Contains('WhatIf')) {
                # SupportsShouldProcess: -WhatIf and -Confirm as in the docs.
                $r.output | Where-Object { $_ -like "$($s.Name)|*" } | Should -Not -BeNullOrEmpty
            }
        }
    }
    # -ClusterPath and -ClusterId do not exist: they are the defects of an old Azure
    # Local page (docs/sources.md, Hyper-V) that the twin must refuse.
    It 'an undocumented parameter fails at binding' -TestCases @(
        @{ Call = "Add-VMGpuPartitionAdapter -VMName 'web1' -ComputerName 'hci-node-01' -InstanceId 'x'"; Param = 'InstanceId' },
        @{ Call = "Dismount-VMHostAssignableDevice -ClusterPath 'x'"; Param = 'ClusterPath' },
        @{ Call = "Disable-PnpDevice -ClusterId 'x' -Confirm:`$false"; Param = 'ClusterId' },
        @{ Call = "Mount-VMHostAssignableDevice -VMName 'web1' -LocationPath 'x'"; Param = 'VMName' }
    ) {
        $r = Invoke-TestScript -State (Get-TestState) -Body $Call
        $r.exit | Should -Be 1
        $r.error | Should -Match ("A parameter cannot be found that matches parameter name '{0}'" -f $Param)
        $r.calls.Count | Should -Be 0
    }
    It 'a value of the wrong type or outside the documented enum fails at binding' -TestCases @(
        @{ Call = "Set-VM -Name 'web1' -ComputerName 'hci-node-01' -LowMemoryMappedIoSpace 4GB"; Match = 'UInt32' },
        @{ Call = "Set-VM -Name 'web1' -ComputerName 'hci-node-01' -AutomaticStopAction Shutdwn"; Match = 'does not belong to the set' },
        @{ Call = "Stop-VM -VM 'web1'"; Match = 'Microsoft.HyperV.PowerShell.VirtualMachine' },
        @{ Call = "New-VMResourcePool -Name 'p' -ResourcePoolType 'Gpu' -ComputerName 'hci-node-01'"; Match = 'does not belong to the set' }
    ) {
        $r = Invoke-TestScript -State (Get-TestState) -Body $Call
        $r.exit | Should -Be 1
        $r.error | Should -Match $Match
        $r.calls.Count | Should -Be 0
    }
    It 'a missing mandatory parameter would prompt, which fails' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-ClusterOwnerNode -Group 'vdi-001' -Cluster 'hci-prod'"
        $r.exit | Should -Be 1
        $r.calls.Count | Should -Be 0
    }
    It 'a VM object binds to -VM; a deserialized one from a remote session does not' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
$vm = Get-VM -Name 'web1' -ComputerName 'hci-node-01'
Set-VM -VM $vm -StaticMemory
$remote = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Get-VM -Name 'web1' }
Write-Host ('remote type: ' + $remote.PSObject.TypeNames[0])
Set-VM -VM $remote -StaticMemory
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'remote type: Deserialized.Microsoft.HyperV.PowerShell.VirtualMachine'
        $r.error | Should -Match 'Microsoft.HyperV.PowerShell.VirtualMachine'
        Get-TestCommands $r | Should -Be @('Set-VM')
    }
    It 'a documented cmdlet whose behaviour is not modeled fails (strict)' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Set-VMGpuPartitionAdapter -VMName 'web1' -ComputerName 'hci-node-01' -MinPartitionVRAM 1"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'Set-VMGpuPartitionAdapter is documented but not modeled by the twin'
    }
}

Describe 'The admin workstation and unreachable hosts' {
    It 'a Hyper-V cmdlet without -ComputerName on the workstation fails (no Hyper-V there)' {
        $r = Invoke-TestScript -State (Get-TestState) -Body 'Get-VM'
        $r.exit | Should -Be 1
        $r.error | Should -Match 'could not access an expected WMI class'
    }
    It 'an unreachable host fails as WinRM does, for Invoke-Command and -ComputerName' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-03' -ScriptBlock { 1 }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'Connecting to remote server hci-node-03 failed.*WinRM cannot complete the operation'
        $r = Invoke-TestScript -State (Get-TestState) -Body "Get-VM -ComputerName 'nosuchhost'"
        $r.exit | Should -Be 1
        $r.error | Should -Match "The operation on computer 'nosuchhost' failed"
    }
    It 'Get-VM -ComputerName over several hosts reports the unreachable one and returns the others under -ErrorAction Continue' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "`$v = @(Get-VM -ComputerName 'hci-node-03', 'hci-node-01' -ErrorAction Continue); Write-Host ('found: ' + `$v.Count)"
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'found: 3'
        ($r.output | Where-Object { $_ -like "ERROR: The operation on computer 'hci-node-03'*" }) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Remoting: the block runs on the host, isolated, with serialized results' {
    It '$using: is refused with a clear message; -ArgumentList works' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "`$n = 'web1'; Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Get-VM -Name `$using:n }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'The twin does not support \$using:.*-ArgumentList'
        $r = Invoke-TestScript -State (Get-TestState) -Body "`$n = 'web1'; `$v = Invoke-Command -ComputerName 'hci-node-01' -ArgumentList `$n -ScriptBlock { param(`$Name) Get-VM -Name `$Name }; Write-Host ('got ' + `$v.Name + ' from ' + `$v.PSComputerName)"
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'got web1 from hci-node-01'
    }
    It 'the remote block sees none of the caller''s functions or variables' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
function Get-Helper { 'local' }
$secret = 'x'
Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Write-Host ('var: [' + $secret + ']'); Get-Helper }
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'var: []'
        $r.error | Should -Match "The term 'Get-Helper' is not recognized"
    }
    It 'a method of a remote result is gone after serialization' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
$o = Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { $x = [pscustomobject]@{ N = 1 }; $x | Add-Member -MemberType ScriptMethod -Name Twice -Value { 2 * $this.N }; Write-Host ('remote: ' + $x.Twice()); $x }
$o.Twice()
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'remote: 2'
        $r.error | Should -Match "does not contain a method named 'Twice'"
    }
    It 'a second hop from inside a remote session is refused' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Invoke-Command -ComputerName 'hci-node-02' -ScriptBlock { 1 } }"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'second hop'
    }
    It 'a PSSession keeps its state between calls and acts on its host' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
$s = New-PSSession -ComputerName 'hci-node-01'
Invoke-Command -Session $s -ScriptBlock { $kept = 'yes' }
Invoke-Command -Session $s -ScriptBlock { Write-Host ('kept: ' + $kept + ' vms: ' + @(Get-VM).Count) }
Remove-PSSession -Session $s
Invoke-Command -Session $s -ScriptBlock { 1 }
'@
        $r.exit | Should -Be 1
        $r.output | Should -Contain 'kept: yes vms: 3'
        $r.error | Should -Match 'not equal to Open'
    }
}

Describe 'Native tools' {
    It 'nvidia-smi.exe is found on a host with the NVIDIA driver and prints its version per GPU; absent without it' {
        $r = Invoke-TestScript -State (Get-TestState) -Body @'
foreach ($h in 'hci-node-01', 'hci-node-02') {
    $d = Invoke-Command -ComputerName $h -ScriptBlock {
        $smi = Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue
        if ($smi) { (& $smi.Source '--query-gpu=driver_version' '--format=csv,noheader' | Select-Object -First 1).Trim() } else { 'absent' }
    }
    Write-Host ('{0}: {1}' -f $h, $d)
}
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'hci-node-01: 538.33'
        $r.output | Should -Contain 'hci-node-02: absent'
    }
    It 'pnputil /add-driver is a mutating call; its exit code is 0 and does not fail the script' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-02' -ScriptBlock { pnputil.exe /add-driver nvgridswhci.inf /install /force; Write-Host ('exit ' + `$LASTEXITCODE) }"
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'exit 0'
        $r.calls.Count | Should -Be 1
        $r.calls[0]['command'] | Should -Be 'pnputil /add-driver'
        $r.calls[0]['host'] | Should -Be 'hci-node-02'
        $r.calls[0]['target'] | Should -Be 'nvgridswhci.inf'
    }
    It 'az exists only on the workstation of an Arc cluster; gpu attach needs the VM stopped and is recorded' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "Write-Host ('az: ' + [bool](Get-Command -Name az -ErrorAction SilentlyContinue))"
        $r.output | Should -Contain 'az: False'
        $s = Get-TestState -Edit { param($s) $s['arc'] = [ordered]@{ resource_group = 'rg'; custom_location = 'cl' }; (Get-TestVm $s 'web1')['arc'] = [ordered]@{ gpus = @() } }
        $r = Invoke-TestScript -State $s -Body @'
$ext = az extension list | ConvertFrom-Json
Write-Host ('extension: ' + ($ext.name -join ','))
az stack-hci-vm gpu attach --resource-group rg --vm-name web2 --gpu-p-count 1
Write-Host ('missing vm: ' + $LASTEXITCODE)
az stack-hci-vm start --name web1 --resource-group rg
az stack-hci-vm gpu attach --resource-group rg --vm-name web1 --gpu-p-count 1
Write-Host ('running: ' + $LASTEXITCODE)
az stack-hci-vm stop --name web1 --resource-group rg
az stack-hci-vm gpu attach --resource-group rg --vm-name web1 --gpu-p-count 1
Write-Host ('stopped: ' + $LASTEXITCODE)
$vm = az stack-hci-vm show --name web1 --resource-group rg | ConvertFrom-Json
Write-Host ('gpus: ' + ($vm.properties.hardwareProfile.virtualMachineGPUs.assignmentType -join ','))
'@
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'extension: stack-hci-vm'
        $r.output | Should -Contain 'missing vm: 3'
        $r.output | Should -Contain 'running: 1'
        $r.output | Should -Contain 'stopped: 0'
        $r.output | Should -Contain 'gpus: GpuP'
        Get-TestCommands $r | Should -Be @('az stack-hci-vm start', 'az stack-hci-vm gpu attach', 'az stack-hci-vm stop', 'az stack-hci-vm gpu attach')
        @((Get-TestVm $r.state 'web1')['gpu_partition_adapters']).Count | Should -Be 1
    }
}

Describe 'WhatIf, state round trip and exit codes (in process)' {
    It 'an untouched state comes back equal to the input, with no calls' {
        $in = Get-TestState
        $r = Invoke-TestScript -State $in -Body "`$null = Get-VM -ComputerName 'hci-node-01'; `$null = Get-ClusterGroup -Cluster 'hci-prod'"
        $r.exit | Should -Be 0
        $r.calls.Count | Should -Be 0
        (ConvertTo-TwinJson $r.state) | Should -Be (ConvertTo-TwinJson $in)
    }
    It 'under -WhatIf the simulated cmdlets change nothing and record nothing' {
        $in = Get-TestState
        $r = Invoke-TestScript -State $in -Preview -Body @'
Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01'
Set-VM -Name 'web1' -ComputerName 'hci-node-01' -StaticMemory
Invoke-Command -ComputerName 'hci-node-01' -ArgumentList $WhatIfPreference -ScriptBlock { param($Preview) Disable-PnpDevice -InstanceId 'PCI\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\4&1A2B3C4D&0&0020' -Confirm:$false -WhatIf:$Preview }
'@
        $r.exit | Should -Be 0
        $r.calls.Count | Should -Be 0
        (ConvertTo-TwinJson $r.state) | Should -Be (ConvertTo-TwinJson $in)
    }
    It '-Decline runs the script with -Confirm: a prompt naming a declined target is answered No (no change), the others Yes' {
        $body = @'
if ($PSCmdlet.ShouldProcess('vdi-001', 'stop')) { Stop-VM -Name 'vdi-001' -ComputerName 'hci-node-01' -Confirm:$false }
if ($PSCmdlet.ShouldProcess('web1', 'set')) { Set-VM -Name 'web1' -ComputerName 'hci-node-01' -StaticMemory -Confirm:$false }
'@
        $r = Invoke-TestScript -State (Get-TestState) -Decline 'on target "vdi-001"' -Body $body
        $r.exit | Should -Be 0
        Get-TestCommands $r | Should -Be @('Set-VM')
        @($r.prompts | ForEach-Object { $_.Substring(0, 4) }) | Should -Be @('No: ', 'Yes:')
        $r = Invoke-TestScript -State (Get-TestState) -Body $body
        Get-TestCommands $r | Should -Be @('Stop-VM', 'Set-VM')
        $r.prompts.Count | Should -Be 0
    }
    It '-Decline answers confirmation prompts only: Read-Host still fails, as without a console' {
        $r = Invoke-TestScript -State (Get-TestState) -Decline 'nothing' -Body "`$null = Read-Host -Prompt 'name'"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'no console'
    }
    It 'a remote block does not inherit -WhatIf, as in real remoting: the change happens' {
        $r = Invoke-TestScript -State (Get-TestState) -Preview -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { Disable-PnpDevice -InstanceId 'PCI\VEN_10DE&DEV_25B6&SUBSYS_14A910DE&REV_A1\4&1A2B3C4D&0&0020' -Confirm:`$false }"
        $r.exit | Should -Be 0
        Get-TestCommands $r | Should -Be @('Disable-PnpDevice')
    }
    It 'a cmdlet without -WhatIf in its docs (FailoverClusters) still acts under -WhatIf, and is recorded' {
        $r = Invoke-TestScript -State (Get-TestState) -Preview -Body @'
Update-ClusterVirtualMachineConfiguration -VMId '6f1c0a52-0000-4000-8000-000000000001' -Cluster 'hci-prod'
Get-ClusterResource -Name 'Virtual Machine vdi-001' -Cluster 'hci-prod' | Set-ClusterParameter -Name OfflineAction -Value 3
'@
        $r.exit | Should -Be 0
        Get-TestCommands $r | Should -Be @('Update-ClusterVirtualMachineConfiguration', 'Set-ClusterParameter')
        $r.state['cluster_groups'][0]['vm_resource']['parameters']['OfflineAction'] | Should -Be 3
    }
    It 'exit is 0 on success, 1 on a throw or exit N, 0 after a native tool''s non-zero exit code' {
        (Invoke-TestScript -State (Get-TestState) -Body "Write-Host ok").exit | Should -Be 0
        $r = Invoke-TestScript -State (Get-TestState) -Body "throw 'boom'"
        $r.exit | Should -Be 1
        $r.error | Should -Be 'boom'
        $r.output | Should -Contain 'ERROR: boom'
        $r = Invoke-TestScript -State (Get-TestState) -Body "exit 3"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'exited with code 3'
        (Invoke-TestScript -State (Get-TestState) -Body "exit 0").exit | Should -Be 0
        $r = Invoke-TestScript -State (Get-TestState) -Body "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { nvidia-smi.exe -L; Write-Host (`$LASTEXITCODE) }; nvidia-smi.exe"
        $r.exit | Should -Be 1
        $r.error | Should -Match "nvidia-smi.exe' is not recognized"
    }
    It 'the virtual clock: Start-Sleep does not wait, Get-Date moves on' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "`$a = Get-Date; Start-Sleep -Seconds 3600; Write-Host ('slept ' + [int]((Get-Date) - `$a).TotalMinutes)"
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'slept 60'
    }
    It 'warnings, errors and host output are in output, in order' {
        $r = Invoke-TestScript -State (Get-TestState) -Body "`$ErrorActionPreference = 'Continue'; Write-Host one; Write-Warning two; Write-Error three; Write-Host four"
        $r.exit | Should -Be 0
        $r.output | Should -Be @('one', 'WARNING: two', 'ERROR: three', 'four')
    }
    It 'a script that does not finish in time is stopped: exit 1, and the run still returns' {
        $path = Join-Path $script:Scratch 'loop.ps1'
        Set-Content -LiteralPath $path -Value "Write-Host 'start'; while (`$true) { }"
        $r = Invoke-TwinRun -State (Get-TestState) -Script $path -TimeoutSeconds 3
        $r.exit | Should -Be 1
        $r.error | Should -Match 'did not finish within 3 s'
        Set-Content -LiteralPath $path -Value "Invoke-Command -ComputerName 'hci-node-01' -ScriptBlock { while (`$true) { } }"
        $r = Invoke-TwinRun -State (Get-TestState) -Script $path -TimeoutSeconds 3
        $r.exit | Should -Be 1
        $r.error | Should -Match 'did not finish within 3 s'
    }
    It 'runs are isolated: a global of one run is gone in the next' {
        $null = Invoke-TestScript -State (Get-TestState) -Body "`$global:Leak = 'x'"
        $r = Invoke-TestScript -State (Get-TestState) -Body "Write-Host ('leak: [' + (Get-Variable -Name Leak -Scope Global -ValueOnly -ErrorAction SilentlyContinue) + ']')"
        $r.output | Should -Contain 'leak: []'
    }
}

Describe 'Invoke-Twin.ps1: the command-line interface' {
    It 'writes OUT.json with exit, error, state, calls and output, and exits with the script''s code' {
        $script = Join-Path $script:Scratch 'ok.ps1'
        Set-Content -LiteralPath $script -Value @'
[CmdletBinding(SupportsShouldProcess)] param([switch]$Flag, [string]$Name)
Write-Host ("flag {0} name {1}" -f $Flag, $Name)
if ($PSCmdlet.ShouldProcess('web1')) { Set-VM -Name 'web1' -ComputerName 'hci-node-01' -StaticMemory }
'@
        $out = Join-Path $script:Scratch 'out.json'
        & $script:Pwsh -NoProfile -File (Join-Path $script:Root 'tests/twin/Invoke-Twin.ps1') -State (Join-Path $script:Root 'tests/twin/tests/fixtures/hci-small.json') -Script $script -Out $out -ScriptArgs '{"Flag": true, "Name": "x"}'
        $LASTEXITCODE | Should -Be 0
        $o = Get-Content -LiteralPath $out -Raw | ConvertFrom-Json -AsHashtable
        @($o.Keys) | Should -Be @('exit', 'error', 'state', 'calls', 'output')
        $o.exit | Should -Be 0
        $o.output | Should -Contain 'flag True name x'
        $o.calls[0].command | Should -Be 'Set-VM'
        $o.calls[0].host | Should -Be 'hci-node-01'
        $o.calls[0].target | Should -Be 'web1'
        $o.calls[0].parameters.StaticMemory | Should -BeTrue
        & $script:Pwsh -NoProfile -File (Join-Path $script:Root 'tests/twin/Invoke-Twin.ps1') -State (Join-Path $script:Root 'tests/twin/tests/fixtures/hci-small.json') -Script $script -Out $out -WhatIf
        $LASTEXITCODE | Should -Be 0
        $o = Get-Content -LiteralPath $out -Raw | ConvertFrom-Json -AsHashtable
        $o.calls.Count | Should -Be 0
        ($o.state | ConvertTo-Json -Depth 100) | Should -Be ((Get-Content -Raw (Join-Path $script:Root 'tests/twin/tests/fixtures/hci-small.json') | ConvertFrom-Json -AsHashtable) | ConvertTo-Json -Depth 100)
    }
    It 'exits 2 with FILE:LINE:COL on a bad state file and on an unknown platform, and writes no OUT.json' {
        $bad = Join-Path $script:Scratch 'bad.json'
        Set-Content -LiteralPath $bad -Value "{`n  `"platform`": `"hyperv`",`n  oops`n}"
        $script = Join-Path $script:Scratch 'noop.ps1'
        Set-Content -LiteralPath $script -Value 'Write-Host hi'
        $out = Join-Path $script:Scratch 'out2.json'
        $err = & $script:Pwsh -NoProfile -File (Join-Path $script:Root 'tests/twin/Invoke-Twin.ps1') -State $bad -Script $script -Out $out 2>&1
        $LASTEXITCODE | Should -Be 2
        "$err" | Should -Match ([regex]::Escape($bad) + ':4:1: not valid JSON')
        Test-Path -LiteralPath $out | Should -BeFalse
        Set-Content -LiteralPath $bad -Value '{ "platform": "xen" }'
        $err = & $script:Pwsh -NoProfile -File (Join-Path $script:Root 'tests/twin/Invoke-Twin.ps1') -State $bad -Script $script -Out $out 2>&1
        $LASTEXITCODE | Should -Be 2
        "$err" | Should -Match 'unknown platform "xen"'
        Test-Path -LiteralPath $out | Should -BeFalse
    }
    It 'points at the line and column of each problem of a state' {
        $bad = Join-Path $script:Scratch 'fields.json'
        Set-Content -LiteralPath $bad -Value @'
{
  "platform": "hyperv", "cluster": null, "cluster_groups": [],
  "hosts": [
    { "name": "h1", "reachable": true, "gpus": [], "vms": [
        { "name": "v1", "id": "not-a-guid", "state": "Up" } ] }
  ]
}
'@
        $e = { Import-TwinState -Path $bad } | Should -Throw -PassThru
        $e.Exception.Message | Should -Match ([regex]::Escape($bad) + ":5:9: state: host h1 vms\[0\] has no 'generation'")
        $e.Exception.Message | Should -Match ([regex]::Escape($bad) + ":5:25: state: host h1 VM v1: id 'not-a-guid' is not a GUID")
    }
    It 'exits 2 on a state that lacks a field the twin reads' {
        $s = Get-TestState
        $s['hosts'][0].Remove('vms')
        $r = Invoke-TwinRun -State $s -Script (Join-Path $script:Root 'tests/twin/Invoke-Twin.ps1')
        $r.exit | Should -Be 2
        $r.error | Should -Match "host hci-node-01 has no 'vms'"
    }
}
