#!/bin/sh
# run.sh - the adoption round trip in the twin (docs/adopt.md) for every
# Hyper-V build golden and example: build, converge the scenario start state
# with the script, run the inventory script on the result (read only: zero
# mutating calls, state unchanged), `vgpuc import` its document, and compare the
# imported file with tests/twin/adopt/expected/NAME.vgpu (canonical: `fmt
# --check` passes); `vgpuc drift` of the original against it is empty; the
# imported file, completed with what an inventory cannot hold
# (Invoke-AdoptRebuild.ps1), lints with the original's findings and its script
# makes zero mutating calls; each drift planted in the twin (Plants.ps1) is
# reported exactly as drift/NAME-PLANT.txt says (an empty file: no drift, exit
# 0, for a live change the inventory reads as the same). vSphere clusters run the same
# way with inventory-vmware.ps1. Exit 1 on any failure; last line "N passed, M failed".
#
#   VGPUC=./vgpuc sh tests/twin/adopt/run.sh      UPDATE=1 rewrites the expected files
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
VGPUC=${VGPUC:-$root/vgpuc}
case $VGPUC in /*) ;; *) VGPUC=$(pwd)/$VGPUC ;; esac
TODAY=2026-11-21
UPDATE=${UPDATE:-}
command -v pwsh >/dev/null 2>&1 || { echo "FAIL: pwsh is not on PATH (make deps)"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "kept: $tmp"; else trap 'rm -rf "$tmp"' EXIT INT TERM; fi
pass=0
fail=0
# ONLY=GLOB runs the clusters whose name matches (while developing; the
# expected files of the others are then not checked).
ONLY=${ONLY:-}

ok() { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

for src in "$root"/tests/golden/build/*.vgpu "$root"/examples/*.vgpu; do
    name=$(basename "$(dirname "$src")")-$(basename "$src" .vgpu)
    dir=$tmp/run/$name
    # shellcheck disable=SC2254
    [ -z "$ONLY" ] || case $name in $ONLY) ;; *) continue ;; esac
    mkdir -p "$dir/json" "$dir/ps"
    printf '%s\n' "$src" >"$dir/source"
    if ! "$VGPUC" build -q --no-config --today "$TODAY" --target json -o "$dir/json" "$src" 2>/dev/null; then
        echo "not run: $name: a file vgpuc build refuses"
        rm -rf "$dir"
        continue
    fi
    target=$(jq -r '.cluster.target // empty' "$dir"/json/*.json 2>/dev/null | head -1)
    case $target in
    hyperv | vmware) ;;
    *)
        echo "not run: $name: no cluster with a Hyper-V or vSphere target"
        rm -rf "$dir"
        continue
        ;;
    esac
    if ! "$VGPUC" build -q --no-config --today "$TODAY" --target "$target" -o "$dir/ps" "$src" 2>/dev/null; then
        echo "not run: $name: no $target script"
        rm -rf "$dir"
        continue
    fi
    printf '%s\n' "$target" >"$dir/target"
done

pwsh -NoProfile -NonInteractive -File "$here/Invoke-AdoptRoundTrip.ps1" -Dir "$tmp/run" -Vgpuc "$VGPUC" \
    -Inventory "$root/backends/powershell/inventory-hyperv.ps1" \
    -VmwareInventory "$root/backends/powershell/inventory-vmware.ps1" -Plants "$here/Plants.ps1" >"$tmp/twin.log" 2>&1
while IFS= read -r line; do
    case $line in
    "ok "*) ok "${line#ok }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    *) echo "$line" ;;
    esac
done <"$tmp/twin.log"

for dir in "$tmp"/run/*/; do
    name=$(basename "$dir")
    [ -f "$dir/inventory.json" ] || continue
    if ! "$VGPUC" import -o "$dir/imported.vgpu" "$dir/inventory.json" 2>"$tmp/err"; then
        bad "$name: import: $(head -1 "$tmp/err")"
        continue
    fi
    ok "$name: import"
    if "$VGPUC" fmt --check "$dir/imported.vgpu" >/dev/null 2>&1; then ok "$name: imported file is canonical"; else bad "$name: imported file is not canonical (fmt --check)"; fi
    exp=$here/expected/$name.vgpu
    if [ -n "$UPDATE" ]; then
        mkdir -p "$here/expected"
        cp "$dir/imported.vgpu" "$exp"
    fi
    if [ -f "$exp" ] && cmp -s "$dir/imported.vgpu" "$exp"; then
        ok "$name: imported file as expected"
    else
        bad "$name: imported file differs from expected/$name.vgpu"
        [ -f "$exp" ] && diff -u "$exp" "$dir/imported.vgpu" | head -20
    fi
    src=$(cat "$dir/source")
    # drift of the original file against the converged cluster: none
    "$VGPUC" drift -q --no-config --today "$TODAY" -f short "$src" "$dir/inventory.json" >"$tmp/drift" 2>&1
    rc=$?
    if [ "$rc" = 0 ] && [ ! -s "$tmp/drift" ]; then
        ok "$name: no drift on the converged cluster"
    else
        bad "$name: drift on the converged cluster (exit $rc)"
        head -20 "$tmp/drift"
    fi
    # each drift planted in the twin (Plants.ps1): exit 1 and exactly the
    # diagnostics of drift/NAME-PLANT.txt (paths relative to the repository)
    for inv in "$dir"/inventory-*.json; do
        [ -f "$inv" ] || continue
        plant=$(basename "$inv" .json)
        plant=${plant#inventory-}
        exp=$here/drift/$name-$plant.txt
        (cd "$root" && "$VGPUC" drift -q --no-config --today "$TODAY" -f short "${src#"$root"/}" "$inv") >"$tmp/drift" 2>&1
        rc=$?
        sed "s|$dir/||g" "$tmp/drift" >"$tmp/drift.txt"
        [ -n "$UPDATE" ] && cp "$tmp/drift.txt" "$exp"
        echo "$name-$plant" >>"$tmp/planted"
        if [ "$rc" = 1 ] && [ -f "$exp" ] && [ -s "$exp" ] && cmp -s "$tmp/drift.txt" "$exp"; then
            ok "$name: planted $plant: reported as drift/$name-$plant.txt says"
        elif [ "$rc" = 0 ] && [ -f "$exp" ] && [ ! -s "$exp" ] && [ ! -s "$tmp/drift.txt" ]; then
            # an empty file: a change of the live cluster that is no drift
            # (read as the build script reads it), e.g. a GPU PnP no longer lists
            ok "$name: planted $plant: no drift, as the empty drift/$name-$plant.txt says"
        else
            bad "$name: planted $plant: exit $rc, expected 1 and drift/$name-$plant.txt"
            [ -f "$exp" ] && diff -u "$exp" "$tmp/drift.txt" | head -20
        fi
    done
done
# the imported file, completed with what an inventory cannot hold, lints as the
# original, and its script makes zero mutating calls on the converged cluster
pwsh -NoProfile -NonInteractive -File "$here/Invoke-AdoptRebuild.ps1" -Dir "$tmp/run" -Vgpuc "$VGPUC" \
    -Today "$TODAY" -Root "$root" >"$tmp/rebuild.log" 2>&1
while IFS= read -r line; do
    case $line in
    "ok "*) ok "${line#ok }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    *) echo "$line" ;;
    esac
done <"$tmp/rebuild.log"
# every expected drift report was checked (a plant that did not run is a failure)
for exp in "$here"/drift/*.txt; do
    [ -f "$exp" ] || continue
    key=$(basename "$exp" .txt)
    # shellcheck disable=SC2254
    [ -z "$ONLY" ] || case $key in $ONLY-*) ;; *) continue ;; esac
    grep -qx "$key" "$tmp/planted" 2>/dev/null || bad "planted $key: not run"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
