# ps-parse-check.ps1 - every file parses with PowerShell's own parser (no
# error) and uses no syntax that Windows PowerShell 5.1 lacks: the ternary
# operator, ?? and ??=, the null-conditional ?. and ?[ ], && and || pipeline
# chains, ForEach-Object -Parallel, and clean blocks. Generated scripts say
# #Requires -Version 5.1; production hosts run 5.1, the tests run PowerShell 7.
#
#   pwsh -NoProfile -File tests/validators/ps-parse-check.ps1 FILE...
#   exit 0 = all good; 1 = problems, printed as FILE:LINE:COL: message
[CmdletBinding()]
param(
    [Parameter(Mandatory, ValueFromRemainingArguments)] [string[]]$Path
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Get-Ps7Construct {
    <# The PowerShell-7-only constructs of one syntax tree, as (node, what) pairs. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [System.Management.Automation.Language.Ast]$Ast)
    $found = $Ast.FindAll({ $true }, $true)
    foreach ($n in $found) {
        $type = $n.GetType().Name
        $what = $null
        switch ($type) {
            'TernaryExpressionAst' { $what = 'the ternary operator ?: (PowerShell 7)' }
            'PipelineChainAst' { $what = 'a && / || pipeline chain (PowerShell 7)' }
            'BinaryExpressionAst' {
                if ([string]$n.Operator -eq 'QuestionQuestion') { $what = 'the ?? operator (PowerShell 7)' }
            }
            'AssignmentStatementAst' {
                if ([string]$n.Operator -eq 'QuestionQuestionEquals') { $what = 'the ??= operator (PowerShell 7)' }
            }
            { $_ -in @('MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst') } {
                $p = $n.PSObject.Properties['NullConditional']
                if ($null -ne $p -and [bool]$p.Value) { $what = 'a null-conditional ?. or ?[] (PowerShell 7)' }
            }
            'CommandParameterAst' {
                $cmd = $n.Parent
                if ($n.ParameterName -eq 'Parallel' -and $cmd -is [System.Management.Automation.Language.CommandAst]) {
                    $name = $cmd.GetCommandName()
                    if ($name -in @('ForEach-Object', '%', 'foreach')) { $what = 'ForEach-Object -Parallel (PowerShell 7)' }
                }
            }
            'NamedBlockAst' {
                if ([string]$n.BlockKind -eq 'Clean') { $what = 'a clean block (PowerShell 7.3)' }
            }
        }
        if ($what) {
            [pscustomobject]@{ Line = $n.Extent.StartLineNumber; Column = $n.Extent.StartColumnNumber; What = $what }
        }
    }
}

$bad = 0
$count = 0
foreach ($f in $Path) {
    $count++
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($f, [ref]$tokens, [ref]$errors)
    foreach ($e in $errors) {
        Write-Output ('{0}:{1}:{2}: parse error: {3}' -f $f, $e.Extent.StartLineNumber, $e.Extent.StartColumnNumber, $e.Message)
        $bad = 1
    }
    foreach ($c in @(Get-Ps7Construct -Ast $ast)) {
        Write-Output ('{0}:{1}:{2}: {3}' -f $f, $c.Line, $c.Column, $c.What)
        $bad = 1
    }
}
if (-not $bad) {
    [Console]::Error.WriteLine(('ps-parse-check: {0} file(s) parse with PowerShell {1}, no PowerShell-7-only syntax' -f $count, $PSVersionTable.PSVersion))
}
exit $bad
