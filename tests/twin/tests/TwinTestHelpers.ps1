# TwinTestHelpers.ps1 - helpers of the twin's Pester tests: load a fixture
# state (optionally edited), run a script body in the twin, find objects of a
# resulting state. Dot-sourced in BeforeAll.

Import-Module -Name (Join-Path $PSScriptRoot '../Twin.psm1') -Force
$script:TwinFixtures = Join-Path $PSScriptRoot 'fixtures'

function Get-TestState {
    param([string]$Name = 'hci-small', [scriptblock]$Edit)
    $s = Import-TwinState -Path (Join-Path $script:TwinFixtures "$Name.json")
    if ($Edit) {
        $null = & $Edit $s
    }
    $s
}

# Runs a script made of the usual header and Body in the twin.
function Invoke-TestScript {
    param(
        [Parameter(Mandatory)]$State,
        [Parameter(Mandatory)][string]$Body,
        [switch]$Preview,
        [hashtable]$ScriptArgs = @{},
        [string]$Param = '',
        [switch]$NoHeader,
        [string[]]$Decline
    )
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) 'vgpuc-twin-tests'
    $null = New-Item -ItemType Directory -Force -Path $dir
    $path = Join-Path $dir ('s{0}.ps1' -f [guid]::NewGuid().ToString('N'))
    $text = if ($NoHeader) { $Body } else {
        "[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]`nparam($Param)`nSet-StrictMode -Version Latest`n`$ErrorActionPreference = 'Stop'`n$Body`n"
    }
    [System.IO.File]::WriteAllText($path, $text)
    try {
        $more = @{}
        if ($PSBoundParameters.ContainsKey('Decline')) { $more['Decline'] = $Decline }
        Invoke-TwinRun -State $State -Script $path -Preview:$Preview -ScriptArgs $ScriptArgs -TimeoutSeconds 120 @more
    } finally {
        Remove-Item -LiteralPath $path -Force
    }
}

function Get-TestHost {
    param($State, [string]$Name)
    @($State['hosts']) | Where-Object { $_['name'] -eq $Name } | Select-Object -First 1
}

function Get-TestVm {
    param($State, [string]$Name)
    foreach ($h in @($State['hosts'])) {
        foreach ($v in @($h['vms'])) {
            if ($null -ne $v -and $v['name'] -ceq $Name) {
                return $v
            }
        }
    }
    $null
}

function Get-TestGpu {
    param($State, [string]$HostName, [int]$Index)
    @((Get-TestHost $State $HostName)['gpus'])[$Index]
}

function Get-TestCommands {
    param($Result)
    @($Result.calls | ForEach-Object { $_['command'] })
}
