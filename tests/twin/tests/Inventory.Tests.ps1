# Inventory.Tests.ps1 - the Hyper-V inventory script
# (backends/powershell/inventory-hyperv.ps1, what `vgpuc inventory --target
# hyperv` writes) run in the twin: it makes no mutating call, leaves the state
# byte-identical, and its JSON document (docs/adopt.md) holds what the state
# holds: drivers, GPUs by mode, pools, VMs with GPUs, owners, names verbatim.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).ProviderPath
    $script:Inventory = Join-Path $script:Root 'backends/powershell/inventory-hyperv.ps1'
    $script:Scratch = Join-Path ([System.IO.Path]::GetTempPath()) ('vgpuc-inv-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Force -Path $script:Scratch

    function Invoke-Inventory {
        param($State, [hashtable]$ScriptArgs)
        $out = Join-Path $script:Scratch ([guid]::NewGuid().ToString('N') + '.json')
        $ScriptArgs['Path'] = $out
        $before = ConvertTo-Json -InputObject $State -Depth 30
        $r = Invoke-TwinRun -State $State -Script $script:Inventory -ScriptArgs $ScriptArgs -TimeoutSeconds 120
        $doc = $null
        if (Test-Path -LiteralPath $out) {
            $doc = Get-Content -LiteralPath $out -Raw | ConvertFrom-Json -AsHashtable
        }
        [pscustomobject]@{ Run = $r; Doc = $doc; Before = $before; After = (ConvertTo-Json -InputObject $r.state -Depth 30) }
    }

    function Get-DocHost {
        param($Doc, [string]$Name)
        @($Doc['hosts']) | Where-Object { $_['name'] -eq $Name } | Select-Object -First 1
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:Scratch -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Hyper-V inventory script: read only' {
    It 'makes zero mutating calls and leaves the state byte-identical (cluster fixture)' {
        $i = Invoke-Inventory -State (Get-TestState) -ScriptArgs @{ Cluster = 'hci-prod' }
        $i.Run.error | Should -BeNullOrEmpty
        $i.Run.exit | Should -Be 0
        @($i.Run.calls).Count | Should -Be 0
        $i.After | Should -Be $i.Before
    }

    It 'makes zero mutating calls on a state with pooled, dismounted and assigned DDA GPUs' {
        $s = Get-TestState -Edit {
            param($st)
            $h = Get-TestHost $st 'hci-node-01'
            $g = @($h['gpus'])[1]
            $g['enabled'] = $false
            $g['dismounted'] = $true
            $g['pool'] = 'GpuChildPool'
            $h['pools'][0]['location_paths'] = @($g['location_path'])
            $vm = Get-TestVm $st 'web1'
            $vm['assignable_devices'] = @([ordered]@{ location_path = $g['location_path']; pool = 'GpuChildPool' })
        }
        $i = Invoke-Inventory -State $s -ScriptArgs @{ Cluster = 'hci-prod' }
        $i.Run.exit | Should -Be 0
        @($i.Run.calls).Count | Should -Be 0
        $i.After | Should -Be $i.Before
        $h = Get-DocHost $i.Doc 'hci-node-01'
        $pooled = @($h['gpus'] | Where-Object { $_['mode'] -eq 'assigned' })
        $pooled.Count | Should -Be 1
        $pooled[0]['pool'] | Should -Be 'GpuChildPool'
        $pooled[0]['assigned_to'] | Should -Be 'web1'
        $pooled[0]['device_id'] | Should -Be '25B6'
        $web = @($h['vms'] | Where-Object { $_['name'] -eq 'web1' })
        $web.Count | Should -Be 1
        $web[0]['assignable_devices'][0]['pool'] | Should -Be 'GpuChildPool'
        $web[0]['gpu_partition_adapters'] | Should -Be 0
    }
}

Describe 'Hyper-V inventory script: the document' {
    BeforeAll {
        $script:I = Invoke-Inventory -State (Get-TestState) -ScriptArgs @{ Cluster = 'hci-prod' }
        $script:Doc = $script:I.Doc
    }

    It 'is version 1 of the hyperv schema with the cluster and its nodes' {
        $script:Doc['inventory_version'] | Should -Be 1
        $script:Doc['platform'] | Should -Be 'hyperv'
        $script:Doc['cluster']['name'] | Should -Be 'hci-prod'
        @($script:Doc['cluster']['nodes']) | Should -Be @('hci-node-01', 'hci-node-02')
    }

    It 'reads the driver nvidia-smi reports, and null where none is installed' {
        (Get-DocHost $script:Doc 'hci-node-01')['nvidia_driver'] | Should -Be '538.33'
        (Get-DocHost $script:Doc 'hci-node-02')['nvidia_driver'] | Should -BeNullOrEmpty
    }

    It 'lists present GPUs only, with PCI ids, the partition count of partitionable ones, driverless ones too' {
        $g = @((Get-DocHost $script:Doc 'hci-node-01')['gpus'])
        $g.Count | Should -Be 2 # the third is a phantom (present: false)
        $g[0]['device_id'] | Should -Be '25B6'
        $g[0]['subsystem_id'] | Should -Be '14A910DE'
        $g[0]['mode'] | Should -Be 'partitionable'
        $g[0]['partition_count'] | Should -Be 16
        $g[1]['mode'] | Should -Be 'host' # mitigation driver: not partitionable
        $d = @((Get-DocHost $script:Doc 'hci-node-02')['gpus'])
        $d.Count | Should -Be 1
        $d[0]['friendly_name'] | Should -Be '3D Video Controller'
    }

    It 'lists only VMs that hold a GPU, with settings and the possible owners of their cluster resource' {
        $vms = @((Get-DocHost $script:Doc 'hci-node-01')['vms'])
        @($vms | ForEach-Object { $_['name'] }) | Should -Be @('vdi-001')
        $vms[0]['gpu_partition_adapters'] | Should -Be 1
        $vms[0]['memory_startup_bytes'] | Should -Be 17179869184
        @($vms[0]['possible_owners']) | Should -Be @('hci-node-01', 'hci-node-02')
    }

    It 'carries a wildcard name verbatim and does not take it for a pattern' {
        $s = Get-TestState -Edit {
            param($st)
            (Get-TestVm $st 'web[12]')['gpu_partition_adapters'] = @(@{ id = 'adapter-9' })
        }
        $i = Invoke-Inventory -State $s -ScriptArgs @{ Cluster = 'hci-prod' }
        @($i.Run.calls).Count | Should -Be 0
        $names = @((Get-DocHost $i.Doc 'hci-node-01')['vms'] | ForEach-Object { $_['name'] })
        $names | Should -Be @('vdi-001', 'web[12]')
    }

    It 'records an unreachable host with its error and goes on (standalone hosts)' {
        $s = Get-TestState -Edit { param($st) $st['cluster'] = $null; $st['cluster_groups'] = @() }
        $i = Invoke-Inventory -State $s -ScriptArgs @{ ComputerName = @('hci-node-03', 'hci-node-01') }
        $i.Run.exit | Should -Be 0
        @($i.Run.calls).Count | Should -Be 0
        $i.Doc['cluster'] | Should -BeNullOrEmpty
        $down = Get-DocHost $i.Doc 'hci-node-03'
        $down['reachable'] | Should -BeFalse
        $down['error'] | Should -Not -BeNullOrEmpty
        (Get-DocHost $i.Doc 'hci-node-01')['vms'][0]['possible_owners'] | Should -BeNullOrEmpty
    }
}
