# ToolModules.ps1 - the texts of the modules that define the native tools on a
# simulated machine. Each text is the body of a dynamic module whose argument
# is the engine; the module name is what `Get-Command -Name X` shows as Source,
# so `& $cmd.Source` finds the tool as it finds the real program.
@{
    'nvidia-smi.exe' = @'
param($TwinEngine)
$script:TwinEngine = $TwinEngine
function nvidia-smi.exe { & $script:TwinEngine Invoke-HvNvidiaSmi -Arguments $args }
function nvidia-smi { & $script:TwinEngine Invoke-HvNvidiaSmi -Arguments $args }
'@
    'pnputil.exe' = @'
param($TwinEngine)
$script:TwinEngine = $TwinEngine
function pnputil.exe { & $script:TwinEngine Invoke-HvPnputil -Arguments $args }
function pnputil { & $script:TwinEngine Invoke-HvPnputil -Arguments $args }
'@
    'VgpucTwin.HostFiles' = @'
param($TwinEngine)
$script:TwinEngine = $TwinEngine
function Test-Path {
    [CmdletBinding()]
    param(
        [string[]]$LiteralPath,
        [string[]]$Path,
        [ValidateSet('Any', 'Container', 'Leaf')] [string]$PathType,
        [switch]$IsValid
    )
    & $script:TwinEngine Invoke-HvTestPath -Bound $PSBoundParameters
}
'@
    'VgpucTwin.AzureCli' = @'
param($TwinEngine)
$script:TwinEngine = $TwinEngine
function az { & $script:TwinEngine Invoke-HvAz -Arguments $args }
function az.cmd { & $script:TwinEngine Invoke-HvAz -Arguments $args }
'@
}
