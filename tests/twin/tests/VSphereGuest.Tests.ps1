# VSphereGuest.Tests.ps1 - inside the guests of the vSphere twin
# (platforms/vsphere/VSphere.Guest.ps1): Invoke-VMScript refuses what PowerCLI and
# vCenter refuse (a VM not powered on, VMware Tools not running, wrong or missing guest
# credentials, a script type the guest OS cannot run) and returns a VMScriptResult with the
# guest's nvidia-smi output from the state's guest drivers: the driver per GPU when the
# vGPU loaded, "No devices were found" when it did not (the rule of VgpuCompat.ps1), no
# nvidia-smi without a driver. Fixture: vsan-small.json (esx-01's component 550.54.16, vGPU
# 17.1), with the optional fields vgpu_compatibility and vms[].guest.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TwinTestHelpers.ps1')
    $script:Compat = [ordered]@{
        lts_pair_from = '19.0'
        releases      = @(
            [ordered]@{ release = '16.5'; lts = $true; host = @('535.161.05'); guest = @('538.46', '535.161.08') }
            [ordered]@{ release = '17.1'; lts = $false; host = @('550.54.16'); guest = @('551.78', '550.54.15') }
            [ordered]@{ release = '19.5'; lts = $true; host = @('580.159.01'); guest = @('582.53', '580.159.03') }
        )
    }
    # ml-01: a running Linux guest with an L40 vGPU on esx-01; ml-02: a running Windows guest with one.
    function Get-GuestState {
        param([string]$LinuxDriver = '550.54.15', [string]$WindowsDriver = '551.78', [scriptblock]$Change)
        Get-TestState -Name 'vsan-small' -Edit {
            param($s)
            $s['vgpu_compatibility'] = $script:Compat
            foreach ($n in @('ml-01', 'ml-02')) {
                $v = @($s['vms']) | Where-Object { $_['name'] -ceq $n } | Select-Object -First 1
                $v['memory_reservation_locked_to_max'] = $true
                $v['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' })
            }
            (Get-GuestVm $s 'ml-01')['guest'] = [ordered]@{ os = 'linux'; driver = $LinuxDriver; user = 'root'; password = 'Pa55-linux' }
            (Get-GuestVm $s 'ml-02')['guest'] = [ordered]@{ os = 'windows'; driver = $WindowsDriver; user = 'ML\admin'; password = 'Pa55-win' }
            if ($Change) { $null = & $Change $s }
        }
    }
    function Get-GuestVm { param($State, [string]$Name) @($State['vms']) | Where-Object { $_['name'] -ceq $Name } | Select-Object -First 1 }
    $script:Creds = "`$lc = [pscredential]::new('root', (ConvertTo-SecureString -String 'Pa55-linux' -AsPlainText -Force))`n`$wc = [pscredential]::new('ML\admin', (ConvertTo-SecureString -String 'Pa55-win' -AsPlainText -Force))`n`$c = Connect-VIServer -Server 'vc01'`n"
    $script:Bash = "nvidia-smi --query-gpu=driver_version --format=csv,noheader"
    # The Windows reader's text (backends/powershell/guest-vmware.ps1).
    $script:PsText = "`$c = Get-Command -Name 'nvidia-smi.exe' -ErrorAction SilentlyContinue; if (-not `$c) { 'nvidia-smi.exe is missing in the guest'; exit 127 }; & `$c.Source '--query-gpu=driver_version' '--format=csv,noheader'; exit `$LASTEXITCODE"
    function Invoke-Read {
        param($State, [string]$Vm = 'ml-01', [string]$Call, [switch]$Preview)
        if (-not $Call) {
            $Call = if ($Vm -eq 'ml-01') { "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential `$lc -ScriptText '$script:Bash' -ScriptType Bash" }
            else { "Invoke-VMScript -VM (Get-VM -Name 'ml-02' -Server `$c) -Server `$c -GuestCredential `$wc -ScriptText `$t -ScriptType Powershell" }
        }
        $body = $script:Creds + "`$t = @'`n$script:PsText`n'@`n" + "`$r = $Call`n" + "if (`$null -eq `$r) { Write-Host 'no result' } else { Write-Host ('out=[{0}] exit={1} type={2} vm={3}' -f ([string]`$r.ScriptOutput).Trim().Replace([string][char]10, '|'), `$r.ExitCode, `$r.GetType().Name, `$r.VM.Name) }"
        Invoke-TestScript -State $State -Body $body -Preview:$Preview
    }
}

Describe 'Invoke-VMScript: what it returns' {
    It 'a Linux guest, Bash: the guest driver, exit 0, a VMScriptResult of that VM; nothing in the call log' {
        $r = Invoke-Read -State (Get-GuestState)
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'out=[550.54.15] exit=0 type=VMScriptResult vm=ml-01'
        @($r.calls).Count | Should -Be 0
    }
    It 'a Windows guest, PowerShell: the text runs in the guest, which has nvidia-smi.exe' {
        $r = Invoke-Read -State (Get-GuestState) -Vm 'ml-02'
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'out=[551.78] exit=0 type=VMScriptResult vm=ml-02'
    }
    It 'without -ScriptType: PowerShell in a Windows guest, Bash in a Linux one (the technote)' {
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential `$lc -ScriptText '$script:Bash'"
        $r.output | Should -Contain 'out=[550.54.15] exit=0 type=VMScriptResult vm=ml-01'
    }
    It 'one line per GPU the guest sees' {
        $s = Get-GuestState -Change { param($s) (Get-GuestVm $s 'ml-01')['devices'] = @([ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' }, [ordered]@{ type = 'vgpu'; profile = 'grid_l40-12q' }) }
        (Invoke-Read -State $s).output | Should -Contain 'out=[550.54.15|550.54.15] exit=0 type=VMScriptResult vm=ml-01'
    }
    It 'a guest driver the Manager cannot load: the guest sees no GPU (No devices were found, exit 6)' {
        $r = Invoke-Read -State (Get-GuestState -LinuxDriver '580.159.03')
        $r.exit | Should -Be 0
        $r.output | Should -Contain 'out=[No devices were found] exit=6 type=VMScriptResult vm=ml-01'
        (Invoke-Read -State (Get-GuestState -WindowsDriver '582.53') -Vm 'ml-02').output | Should -Contain 'out=[No devices were found] exit=6 type=VMScriptResult vm=ml-02'
    }
    It 'a guest without an NVIDIA driver has no nvidia-smi' {
        $s = Get-GuestState -Change { param($s) (Get-GuestVm $s 'ml-01')['guest']['driver'] = $null; (Get-GuestVm $s 'ml-02')['guest']['driver'] = $null }
        (Invoke-Read -State $s).output | Should -Contain 'out=[bash: nvidia-smi: command not found] exit=127 type=VMScriptResult vm=ml-01'
        (Invoke-Read -State $s -Vm 'ml-02').output | Should -Contain 'out=[nvidia-smi.exe is missing in the guest] exit=127 type=VMScriptResult vm=ml-02'
    }
    It 'the guest is not the workstation: no PowerCLI inside it' {
        $call = "Invoke-VMScript -VM (Get-VM -Name 'ml-02' -Server `$c) -Server `$c -GuestCredential `$wc -ScriptText '[bool](Get-Command -Name Get-VM -ErrorAction SilentlyContinue)' -ScriptType Powershell"
        (Invoke-Read -State (Get-GuestState) -Vm 'ml-02' -Call $call).output | Should -Contain 'out=[False] exit=0 type=VMScriptResult vm=ml-02'
    }
    It 'it acts under ShouldProcess: -WhatIf runs nothing, -WhatIf:$false runs the read' {
        $r = Invoke-Read -State (Get-GuestState) -Preview
        $r.output | Should -Contain 'no result'
        $r = Invoke-Read -State (Get-GuestState) -Preview -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential `$lc -ScriptText '$script:Bash' -ScriptType Bash -WhatIf:`$false -Confirm:`$false"
        $r.output | Should -Contain 'out=[550.54.15] exit=0 type=VMScriptResult vm=ml-01'
    }
    It 'a fault of Invoke-VMScript on the VM makes it fail' {
        $s = Get-GuestState -Change { param($s) $s['faults'] = @([ordered]@{ command = 'Invoke-VMScript'; target = 'ml-01'; message = 'guest busy'; times = 1 }) }
        $r = Invoke-Read -State $s
        $r.exit | Should -Be 1
        $r.error | Should -Match 'guest busy'
    }
}

Describe 'Invoke-VMScript: what it refuses' {
    It 'a VM that is not powered on (InvalidPowerState)' {
        $s = Get-GuestState -Change { param($s) (Get-GuestVm $s 'ml-01')['power_state'] = 'PoweredOff' }
        $r = Invoke-Read -State $s
        $r.exit | Should -Be 1
        $r.error | Should -Match ([regex]::Escape('cannot be performed in the current state (Powered off)'))
    }
    It 'VMware Tools not running (GuestOperationsUnavailable)' {
        $s = Get-GuestState -Change { param($s) (Get-GuestVm $s 'ml-01')['tools_running'] = $false }
        $r = Invoke-Read -State $s
        $r.exit | Should -Be 1
        $r.error | Should -Match 'guest operations agent could not be contacted'
    }
    It 'wrong credentials (InvalidGuestLogin): a wrong password, another user, a Linux user of another case' -ForEach @(
        @{ Cred = "[pscredential]::new('root', (ConvertTo-SecureString -String 'wrong' -AsPlainText -Force))" }
        @{ Cred = "[pscredential]::new('admin', (ConvertTo-SecureString -String 'Pa55-linux' -AsPlainText -Force))" }
        @{ Cred = "[pscredential]::new('ROOT', (ConvertTo-SecureString -String 'Pa55-linux' -AsPlainText -Force))" }
    ) {
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential ($Cred) -ScriptText '$script:Bash' -ScriptType Bash"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'Failed to authenticate with the guest operating system'
    }
    It 'no credentials at all (PowerCLI would prompt)' {
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -ScriptText '$script:Bash' -ScriptType Bash"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'asks for the guest credentials'
    }
    It '-GuestUser/-GuestPassword work as the credential; with -GuestCredential too they are refused' {
        $ok = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestUser 'root' -GuestPassword (ConvertTo-SecureString -String 'Pa55-linux' -AsPlainText -Force) -ScriptText '$script:Bash' -ScriptType Bash"
        $ok.output | Should -Contain 'out=[550.54.15] exit=0 type=VMScriptResult vm=ml-01'
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential `$lc -GuestUser 'root' -ScriptText '$script:Bash' -ScriptType Bash"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not both'
    }
    It 'a script type the guest OS cannot run' -ForEach @(
        @{ Vm = 'ml-01'; Type = 'Powershell'; Cred = '$lc' }
        @{ Vm = 'ml-01'; Type = 'Bat'; Cred = '$lc' }
        @{ Vm = 'ml-02'; Type = 'Bash'; Cred = '$wc' }
    ) {
        $r = Invoke-Read -State (Get-GuestState) -Vm $Vm -Call "Invoke-VMScript -VM (Get-VM -Name '$Vm' -Server `$c) -Server `$c -GuestCredential $Cred -ScriptText '$script:Bash' -ScriptType $Type"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'does not fit the (linux|windows) guest'
    }
    It 'a script type that is not one of Bash, Bat, PowerShell fails at binding' {
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential `$lc -ScriptText '$script:Bash' -ScriptType Sh"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'ScriptType'
    }
    It 'Bash text other than the nvidia-smi query, and -RunAsync, are not modelled' {
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential `$lc -ScriptText 'rm -rf /tmp/x' -ScriptType Bash"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modelled'
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -VM (Get-VM -Name 'ml-01' -Server `$c) -Server `$c -GuestCredential `$lc -ScriptText '$script:Bash' -ScriptType Bash -RunAsync"
        $r.exit | Should -Be 1
        $r.error | Should -Match 'not modelled'
    }
    It 'needs -VM and -ScriptText (mandatory)' {
        $r = Invoke-Read -State (Get-GuestState) -Call "Invoke-VMScript -Server `$c -GuestCredential `$lc -ScriptText '$script:Bash'"
        $r.exit | Should -Be 1
    }
}

Describe 'GuestInfo.GuestFamily' {
    It 'is what VMware Tools report: windowsGuest or linuxGuest while they run, unset otherwise' {
        $s = Get-GuestState -Change { param($s) (Get-GuestVm $s 'ml-02')['tools_running'] = $false }
        $body = "`$c = Connect-VIServer -Server 'vc01'`nforeach (`$n in @('ml-01', 'ml-02', 'ml-03')) { Write-Host ('{0}={1}' -f `$n, (Get-VM -Name `$n -Server `$c).ExtensionData.Guest.GuestFamily) }"
        $r = Invoke-TestScript -State $s -Body $body
        $r.output | Should -Be @('ml-01=linuxGuest', 'ml-02=', 'ml-03=')
    }
}
