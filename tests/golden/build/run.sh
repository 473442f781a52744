#!/bin/sh
# run.sh - golden tests of `vgpuc build`: every tests/golden/build/NAME.vgpu is
# built with `-o DIR` (plus the options in NAME.args) and each file written
# must equal expected/FILE byte for byte (the embedded PowerShell runtime
# checked against one reference script per target: see golden() below). Then the all-or-nothing and
# file-name guarantees: two builds give the same bytes, a build with errors
# or a wrong --target writes nothing and leaves an existing file untouched,
# and a cluster named `../../x` stays inside DIR.
#
#   VGPUC=/path/to/vgpuc sh tests/golden/build/run.sh     (UPDATE=1 rewrites expected/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
VGPUC=${VGPUC:-vgpuc}
TODAY=2026-11-21
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"
vg_scratch

cd "$here" || exit 2

# The runtime every PowerShell script embeds (backends/powershell/*.ps1: from
# the first rule line `# ----...` to the line before the declared data) is
# kept whole in one reference script per target only. Every other expected
# script holds a one-line placeholder there, and the runtime a build writes
# into it must equal its target's reference, so every byte is still checked.
DATA='# --- What the .vgpu file declares (names are literals, never code) ---'
PLACEHOLDER='# (the embedded runtime: as in the reference script of this target, tests/golden/build/run.sh)'
reference_of() { # $1 = a generated script: its target's reference, or nothing
    case $1 in *.ps1) ;; *) return ;; esac
    if grep -q '^# vmware.ps1 - ' "$1"; then echo expected/vsan-prod.ps1; else echo expected/dda-ha.ps1; fi
}
fold() { # $1 = script, $2 = runtime (1) or the rest with the placeholder (0)
    vg_fold "$1" "$2" "$DATA" "$PLACEHOLDER"
}
golden() { # $1 = generated file, $2 = its expected file, $3 = label
    ref=$(reference_of "$1")
    if [ -z "$ref" ] || [ "$ref" = "$2" ]; then
        if [ "${UPDATE:-0}" = 1 ]; then cp "$1" "$2" && ok
        elif cmp -s "$1" "$2"; then ok
        else ko "$3: $(basename "$1") differs from $2"; diff -u "$2" "$1" | head -20; fi
        return
    fi
    fold "$1" 0 >"$tmp/folded"
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$tmp/folded" "$2" && ok
        return # the reference itself may be rewritten later in this run
    elif cmp -s "$tmp/folded" "$2"; then ok
    else ko "$3: $(basename "$1") differs from $2"; diff -u "$2" "$tmp/folded" | head -20; fi
    fold "$1" 1 >"$tmp/runtime"
    fold "$ref" 1 >"$tmp/ref-runtime"
    if [ -s "$tmp/runtime" ] && cmp -s "$tmp/runtime" "$tmp/ref-runtime"; then ok
    else ko "$3: the runtime embedded in $(basename "$1") differs from $ref's"; fi
}
mkdir -p expected
for f in *.vgpu; do
    name=${f%.vgpu}
    args=""
    [ -f "$name.args" ] && args=$(cat "$name.args")
    out="$tmp/out-$name"
    mkdir -p "$out"
    # shellcheck disable=SC2086 # args holds several options
    if ! $VGPUC build -q --today "$TODAY" $args -o "$out" "$f" 2>"$tmp/err"; then
        ko "$name: build failed: $(cat "$tmp/err")"
        continue
    fi
    for g in "$out"/*; do
        golden "$g" "expected/$(basename "$g")" "$name"
    done
done

# Every example that declares a cluster (broken.vgpu is refused: see below).
mkdir -p expected/examples
for f in ../../../examples/*.vgpu; do
    name=$(basename "$f" .vgpu)
    [ "$name" = broken ] && continue
    out="$tmp/ex-$name"
    mkdir -p "$out"
    if ! $VGPUC build -q --today "$TODAY" -o "$out" "$f" 2>"$tmp/err"; then
        ko "examples/$name: build failed: $(cat "$tmp/err")"
        continue
    fi
    for g in "$out"/*; do
        [ -e "$g" ] || continue
        golden "$g" "expected/examples/$(basename "$g")" "examples/$name"
    done
done
$VGPUC build -q --today "$TODAY" -o "$tmp/broken-ex" ../../../examples/broken.vgpu 2>/dev/null
rc=$?
if [ "$rc" = 1 ] && [ ! -e "$tmp/broken-ex" ]; then ok; else ko "examples/broken: exit $rc or something written"; fi

# Same input, same bytes.
mkdir -p "$tmp/d1" "$tmp/d2"
$VGPUC build -q --today "$TODAY" -o "$tmp/d1" hci-gpup-dda.vgpu 2>/dev/null
$VGPUC build -q --today "$TODAY" -o "$tmp/d2" hci-gpup-dda.vgpu 2>/dev/null
if [ -s "$tmp/d1/hci-prod.ps1" ] && cmp -s "$tmp/d1/hci-prod.ps1" "$tmp/d2/hci-prod.ps1"; then ok; else ko "two builds differ"; fi

# Errors: exit 1, nothing written, an existing file untouched.
mkdir -p "$tmp/e"
echo keep >"$tmp/e/broken.ps1"
printf 'cluster broken {\n    platform windows-server 2025\n    host h { gpu NOSUCHGPU x 1 }\n}\n' >"$tmp/broken.vgpu"
$VGPUC build -q --today "$TODAY" -o "$tmp/e" "$tmp/broken.vgpu" 2>/dev/null
rc=$?
if [ "$rc" = 1 ] && [ "$(cat "$tmp/e/broken.ps1")" = keep ] && [ "$(find "$tmp/e" -type f | wc -l)" -eq 1 ]; then
    ok
else
    ko "a build with errors exited $rc or touched $tmp/e"
fi

# A cluster whose platform does not match an explicit --target: exit 1, nothing written.
mkdir -p "$tmp/t"
$VGPUC build -q --today "$TODAY" --target vmware -o "$tmp/t" hci-gpup-dda.vgpu 2>"$tmp/err"
rc=$?
if [ "$rc" = 1 ] && [ -z "$(ls -A "$tmp/t")" ] && grep -q 'cannot deploy' "$tmp/err"; then ok; else ko "--target mismatch exited $rc"; fi

# File names never leave DIR.
mkdir -p "$tmp/p/a/b"
printf 'cluster "../../x" {\n    platform windows-server 2025\n    edition datacenter\n    host h { gpu L4 x 1 }\n    vm v { gpu passthrough L4\n        migration none }\n}\n' >"$tmp/p/evil.vgpu"
$VGPUC build -q --today "$TODAY" -o "$tmp/p/a/b" "$tmp/p/evil.vgpu" 2>/dev/null
if [ -f "$tmp/p/a/b/_._.._x.ps1" ]; then
    if [ ! -e "$tmp/p/x.ps1" ] && [ "$(find "$tmp/p" -name '*.ps1' | wc -l)" -eq 1 ]; then ok; else ko "a file escaped DIR"; fi
else
    ko "../../x: expected _._.._x.ps1 in DIR, found: $(ls -A "$tmp/p/a/b")"
fi

# Two clusters mapping to one file name: refused, nothing written.
mkdir -p "$tmp/c"
printf 'cluster "a b" {\n    platform windows-server 2025\n    edition datacenter\n    host h1 { gpu L4 x 1 }\n}\ncluster "a_b" {\n    platform windows-server 2025\n    edition datacenter\n    host h2 { gpu L4 x 1 }\n}\n' >"$tmp/c.vgpu"
$VGPUC build -q --today "$TODAY" -o "$tmp/c" "$tmp/c.vgpu" 2>"$tmp/err"
rc=$?
if [ "$rc" != 0 ] && [ -z "$(ls -A "$tmp/c")" ] && grep -q 'would both be written' "$tmp/err"; then ok; else ko "clashing file names: exit $rc"; fi

# build's own errors (VG7101-VG7104) are diagnostics (tests/lib.sh
# vg_own_errors): errors/NAME.vgpu built with NAME.args.
own_run() { # FMT DIR NAME
    args=""
    [ -f "$3.args" ] && args=$(cat "$3.args")
    mkdir -p "$2"
    # shellcheck disable=SC2086 # args holds several options
    $VGPUC build -q --no-config --color never --today "$TODAY" -f "$1" $args -o "$2" "$3.vgpu" 2>"$tmp/err" >/dev/null
    rc=$?
}
# shellcheck disable=SC2046 # the case names have no spaces
vg_own_errors $(for f in errors/*.vgpu; do echo "${f%.vgpu}"; done)

# -o creates a missing output folder (trailing slash allowed); a file in the way is exit 2.
$VGPUC build -q --today "$TODAY" -o "$tmp/new/dir/" hci-gpup-dda.vgpu 2>/dev/null
rc=$?
if [ "$rc" = 0 ] && [ -n "$(ls -A "$tmp/new/dir")" ]; then ok; else ko "-o into a missing folder exited $rc"; fi
: >"$tmp/afile"
$VGPUC build -q --today "$TODAY" -o "$tmp/afile/sub" hci-gpup-dda.vgpu 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] && grep -q 'cannot create the output folder' "$tmp/err"; then ok; else ko "-o under a file exited $rc"; fi

finish
