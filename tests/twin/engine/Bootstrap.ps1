# Bootstrap.ps1 - run inside a new runspace by New-TwinRunspace: builds the
# engine module from its text and imports every simulated module the machine
# has (the platform's Test-TwinModuleWanted decides, e.g. nvidia-smi.exe only
# on hosts with an NVIDIA driver, az only on the workstation of an Arc cluster).
param($Run, $HostName, $Boot)
$engine = New-Module -Name 'VgpucTwin' -ScriptBlock ([scriptblock]::Create($Boot.EngineText)) -ArgumentList $Run, $HostName
foreach ($m in $Boot.Modules) {
    if (& $engine Test-TwinModuleWanted $m.Name) {
        $mod = New-Module -Name $m.Name -ScriptBlock ([scriptblock]::Create($m.Text)) -ArgumentList $engine
        Import-Module -ModuleInfo $mod -Global -Force
    }
}
Remove-Variable -Name engine, m, mod, Run, HostName, Boot -ErrorAction SilentlyContinue
