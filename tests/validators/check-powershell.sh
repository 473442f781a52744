#!/bin/sh
# check-powershell.sh - every generated PowerShell script of the test suite
# parses with tree-sitter-powershell, with no ERROR or MISSING node: the
# expected scripts of tests/golden/build, and (when $VGPUC is set) fresh
# builds of every golden build input.
#
#   VGPUC=/path/to/vgpuc sh tests/validators/check-powershell.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ -n "${VGPUC:-}" ]; then
    for f in "$root"/tests/golden/build/*.vgpu; do
        name=$(basename "$f" .vgpu)
        mkdir -p "$tmp/$name"
        "$VGPUC" build -q --today 2026-11-21 -o "$tmp/$name" "$f" 2>/dev/null || {
            echo "check-powershell: build of $f failed"
            exit 1
        }
    done
fi
# shellcheck disable=SC2046 # file lists
node "$here/ps-syntax-check.mjs" "$root"/tests/golden/build/expected/*.ps1 "$root"/tests/golden/build/expected/examples/*.ps1 $(find "$tmp" -name '*.ps1' | sort)
