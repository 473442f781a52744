#!/bin/sh
# run.sh - `make twin-scenarios`: build the scripts of every
# tests/golden/build/*.vgpu and examples/*.vgpu (and, for a golden with an
# earlier version in tests/twin/scenarios/previous/, that version's JSON),
# unit-test the state generator, then run the checks of tests/twin/README.md on
# every Hyper-V and VMware script in one pwsh process (Invoke-Scenarios.ps1).
# Exit 1 on any failure;
# the last line is "N passed, M failed".
#
#   VGPUC=./vgpuc sh tests/twin/scenarios/run.sh [-Filter TEXT] [-Only converge,faults] [-ShowAll]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
VGPUC=${VGPUC:-$root/vgpuc}
case $VGPUC in /*) ;; *) VGPUC=$(pwd)/$VGPUC ;; esac
TODAY=2026-11-21 # the date the build goldens use (tests/golden/build/run.sh)

if ! command -v pwsh >/dev/null 2>&1; then
    echo "FAIL: pwsh is not on PATH (make deps installs PowerShell 7.6.10 as a .NET tool in \$HOME/.dotnet/tools)"
    echo "0 passed, 1 failed"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# The files `vgpuc build` refuses on purpose (tests/golden/build/run.sh checks that).
refused="examples/broken.vgpu"

build_one() { # $1 = input file, $2 = folder name, $3 = extra options
    src=$1
    dir=$tmp/$2
    mkdir -p "$dir/json" "$dir/ps"
    # shellcheck disable=SC2086 # $3 holds several options
    if ! "$VGPUC" build -q --today "$TODAY" $3 --target json -o "$dir/json" "$src" 2>"$tmp/err" ||
        ! "$VGPUC" build -q --today "$TODAY" $3 -o "$dir/ps" "$src" 2>"$tmp/err"; then
        rel=${src#"$root"/}
        case " $refused " in
        *" $rel "*) echo "not run: $rel: vgpuc build refuses it (as it should), no script" ;;
        *)
            echo "FAIL: $rel: vgpuc build failed: $(cat "$tmp/err")"
            fail=$((fail + 1))
            ;;
        esac
        rm -rf "$dir"
        return
    fi
    stem=$(basename "$src" .vgpu)
    prev=$here/previous/$stem.vgpu
    case $2 in golden-*)
        if [ -f "$prev" ]; then
            mkdir -p "$dir/previous"
            if ! "$VGPUC" build -q --today "$TODAY" --target json -o "$dir/previous" "$prev" 2>"$tmp/err"; then
                echo "FAIL: previous/$stem.vgpu: vgpuc build failed: $(cat "$tmp/err")"
                fail=$((fail + 1))
            fi
            cp "$here/previous/$stem.psd1" "$dir/expect.psd1" 2>/dev/null ||
                { echo "FAIL: previous/$stem.vgpu has no previous/$stem.psd1"; fail=$((fail + 1)); }
        fi
        ;;
    esac
}

for f in "$root"/tests/golden/build/*.vgpu; do
    stem=$(basename "$f" .vgpu)
    opts=""
    # The golden's own options, without a --target (both targets are built here).
    [ -f "${f%.vgpu}.args" ] && opts=$(sed -e 's/--target[= ][a-z]*//g' "${f%.vgpu}.args")
    build_one "$f" "golden-$stem" "$opts"
done
for f in "$root"/examples/*.vgpu; do
    build_one "$f" "example-$(basename "$f" .vgpu)" ""
done

pwsh -NoProfile -NonInteractive -File "$here/Test-ScenarioGenerator.ps1" -Vgpuc "$VGPUC" || fail=$((fail + 1))
pwsh -NoProfile -NonInteractive -File "$here/Invoke-Scenarios.ps1" -BuildRoot "$tmp" -Vgpuc "$VGPUC" "$@" | tee "$tmp/log"
# POSIX sh has no pipefail: the runner's verdict is its last line.
case $(tail -n 1 "$tmp/log") in
*" passed, 0 failed") ;;
*) exit 1 ;;
esac
if [ "$fail" -ne 0 ]; then
    echo "$fail failure(s) outside the scenarios, see above"
    exit 1
fi
exit 0
