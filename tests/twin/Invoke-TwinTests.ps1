<#
.SYNOPSIS
Runs the twin's Pester suite (tests/twin/tests/*.Tests.ps1) and prints its summary.
.DESCRIPTION
Pester comes from the NuGet package folder (make deps: dotnet restore of
tests/twin/deps/pester.csproj). Prints Pester's summary line and a plain
"N passed, M failed" line; exits 1 when any test failed, none ran, or Pester
is missing (never skips).
#>
[CmdletBinding()]
param(
    [string]$PesterVersion = '5.7.1',
    [string]$Path = (Join-Path $PSScriptRoot 'tests'),
    [string[]]$FullName = @()
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
$manifest = Join-Path $packages ("pester/{0}/tools/Pester.psd1" -f $PesterVersion)
if (-not (Test-Path -LiteralPath $manifest)) {
    [Console]::Error.WriteLine(('twin: Pester {0} not found at {1}: run ''make deps''' -f $PesterVersion, $manifest))
    exit 1
}
Import-Module -Name $manifest -Force
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
if ($FullName.Count -gt 0) {
    $config.Filter.FullName = $FullName
}
$result = Invoke-Pester -Configuration $config
$passed = $result.PassedCount
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
Write-Host ('Tests Passed: {0}, Failed: {1}, Skipped: {2}' -f $passed, $failed, $result.SkippedCount)
Write-Host ('{0} passed, {1} failed' -f $passed, $failed)
if ($failed -gt 0 -or $passed -eq 0 -or $result.SkippedCount -gt 0) {
    exit 1
}
exit 0
