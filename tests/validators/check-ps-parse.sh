#!/bin/sh
# check-ps-parse.sh - PowerShell's own parser on every generated script: the
# expected scripts of tests/golden/build (goldens and examples) and the
# rollout scripts of tests/golden/rollout, fresh builds
# of every golden build input and example (when $VGPUC is set), and the
# runtime files backends/powershell/*.ps1. No parse error, and no syntax that
# Windows PowerShell 5.1 lacks (ps-parse-check.ps1). Then the checker itself
# must reject each PowerShell-7-only construct and accept a valid file.
# Fails, never skips, when pwsh is missing (`make deps` installs it).
#
#   VGPUC=/path/to/vgpuc sh tests/validators/check-ps-parse.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
vg_scratch
PATH="$PATH:$HOME/.dotnet/tools"

if ! command -v pwsh >/dev/null 2>&1; then
    ko "pwsh is not installed (make deps)"
    echo "$pass passed, $fail failed"
    exit 1
fi
check() { pwsh -NoProfile -NonInteractive -File "$here/ps-parse-check.ps1" "$@"; }

if [ -n "${VGPUC:-}" ]; then
    for f in "$root"/tests/golden/build/*.vgpu "$root"/examples/*.vgpu; do
        name=$(basename "$f" .vgpu)
        [ "$name" = broken ] && continue
        mkdir -p "$tmp/out/$name"
        "$VGPUC" build -q --today 2026-11-21 -o "$tmp/out/$name" "$f" 2>/dev/null || ko "build of $f failed"
    done
fi
# shellcheck disable=SC2046 # file lists
if check "$root"/tests/golden/build/expected/*.ps1 "$root"/tests/golden/build/expected/examples/*.ps1 \
    "$root"/tests/golden/rollout/expected/*.scripts/*.ps1 \
    "$root"/backends/powershell/*.ps1 $(find "$tmp" -name '*.ps1' | sort); then ok; else ko "generated scripts"; fi

# Negative tests: each line must be rejected (a parse error or a PowerShell-7-only construct).
i=0
while IFS= read -r line; do
    i=$((i + 1))
    printf '%s\n' "$line" >"$tmp/neg$i.ps1"
    if check "$tmp/neg$i.ps1" >/dev/null 2>&1; then ko "accepted: $line"; else ok; fi
done <<'NEG'
$a = $true ? 1 : 2
$b = $null ?? 'default'
$c ??= 3
$d = ${e}?.Name
$f = ${g}?[0]
Get-VM && Start-VM -Name 'x'
Get-VM || Write-Host 'none'
1..3 | ForEach-Object -Parallel { $_ }
function f { clean { } }
if ($x { }
NEG
# A valid Windows PowerShell 5.1 file passes.
printf '%s\n' "if (\$a -and \$b) { \$c = @(1, 2) | ForEach-Object { \$_ * 2 } }" "\$d = [string]::Join(',', \$c)" >"$tmp/pos.ps1"
if check "$tmp/pos.ps1" 2>/dev/null; then ok; else ko "rejected a valid 5.1 file"; fi

finish
