#!/bin/sh
# check-cmdlets.sh - every cmdlet call of every generated script and of the
# inventory scripts (backends/powershell/inventory-*.ps1) fits a
# documented parameter set (check-cmdlets.mjs), and the checker itself
# rejects a hand-written script with the known invented forms.
#
#   VGPUC=/path/to/vgpuc sh tests/validators/check-cmdlets.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

if [ -n "${VGPUC:-}" ]; then
    for f in "$root"/tests/golden/build/*.vgpu; do
        name=$(basename "$f" .vgpu)
        mkdir -p "$tmp/$name"
        "$VGPUC" build -q --today 2026-11-21 -o "$tmp/$name" "$f" 2>/dev/null || fail=1
    done
    for f in "$root"/examples/*.vgpu; do
        name=example-$(basename "$f" .vgpu)
        [ "$name" = example-broken ] && continue # refused by build on purpose
        mkdir -p "$tmp/$name"
        "$VGPUC" build -q --today 2026-11-21 -o "$tmp/$name" "$f" 2>/dev/null || fail=1
    done
fi
# The build and rollout goldens that hold the runtime as a placeholder line
# (tests/golden/build/run.sh, tests/golden/rollout/run.sh) are checked
# through the fresh builds above and their target's reference script.
# shellcheck disable=SC2046 # file lists
node "$here/check-cmdlets.mjs" $(grep -L '^# (the embedded runtime: as in the reference' "$root"/tests/golden/build/expected/*.ps1 "$root"/tests/golden/build/expected/examples/*.ps1 "$root"/tests/golden/rollout/expected/*.scripts/*.ps1) $(find "$tmp" -name '*.ps1' | sort) \
    "$root"/backends/powershell/inventory-*.ps1 || fail=1

# Negative tests: each of these lines must be rejected.
i=0
while IFS= read -r line; do
    i=$((i + 1))
    printf '%s\n' "$line" >"$tmp/neg$i.ps1"
    if node "$here/check-cmdlets.mjs" "$tmp/neg$i.ps1" >/dev/null 2>&1; then
        echo "check-cmdlets: accepted an invalid call: $line"
        fail=1
    fi
done <<'NEG'
Set-VMHostPartitionableGpu -ComputerName 'x' -Name 'y' -PartitionCount 4
Disable-PnpDevice -ClusterId 'c' -Confirm:$false  # invented parameter: must be rejected
Dismount-VMHostAssignableDevice -ClusterPath 'p' -Force  # invented parameter: must be rejected
Get-VGpuProfile -VM 'x'  # invented cmdlet: must be rejected
New-VGpuDevice -VM 'x' -Profile 'grid_l40-12q'  # invented cmdlet: must be rejected
Set-ClusterOwnerNode -Group 'g'
Add-VMGpuPartitionAdapter -InstancePath 'p'
Stop-VM -Name 'x' -Kill
Get-EsxCli -V3:$true -VMHost $h
Get-VM -Location $cluster  # no -Server: another open vCenter session would leak in
NEG
# And a valid one must pass (the checker is not just rejecting everything).
printf '%s\n' "Set-VMHostPartitionableGpu -Name 'y' -PartitionCount 4" "Get-VMHost -Location \$c -Server \$v -ErrorAction SilentlyContinue" >"$tmp/pos.ps1"
node "$here/check-cmdlets.mjs" "$tmp/pos.ps1" 2>/dev/null || { echo "check-cmdlets: rejected a valid call"; fail=1; }
exit $fail
