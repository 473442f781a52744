#!/bin/sh
# check-sarif.sh - validate vgpuc's SARIF output for every golden input and
# every example against the SARIF 2.1.0 schema (ajv, sarif-check.mjs) and the
# SARIF Multitool's rules.
#
#   VGPUC=/path/to/vgpuc sh tests/validators/check-sarif.sh
#
# Each input is linted from its own folder, so the SARIF paths are relative as
# in CI. The multitool exits 0 even when it finds errors, so its output log is
# gated with jq; it misses some schema errors (an unknown `level`), which is
# why the ajv check runs too. Needs `npm ci` in tools/validators (make deps).
# Exit 0 when every log is valid, 1 when one is not, 2 when it cannot run.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
VGPUC=${VGPUC:-$root/vgpuc}
validators=$root/tools/validators
mt=$validators/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

if [ ! -x "$VGPUC" ]; then
    echo "check-sarif: no vgpuc binary at $VGPUC (set VGPUC)" >&2
    exit 2
fi
if [ ! -f "$mt" ] || [ ! -d "$validators/node_modules/ajv" ]; then
    echo "check-sarif: validators missing; run 'make deps' (npm ci in tools/validators)" >&2
    exit 2
fi
# The package makes the binary executable in a postinstall script, which
# `npm ci --ignore-scripts` (or an npm that blocks scripts) skips.
[ -x "$mt" ] || chmod u+x "$mt"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
mkdir "$out/logs" "$out/mt"

n=0
for f in "$root"/tests/golden/cases/*.vgpu "$root"/examples/*.vgpu; do
    [ -e "$f" ] || continue
    dir=$(dirname "$f")
    name=$(basename "$f")
    n=$((n + 1))
    log=$out/logs/$n-${name%.vgpu}.sarif
    args=
    [ -f "${f%.vgpu}.args" ] && args=$(cat "${f%.vgpu}.args")
    rc=0
    # shellcheck disable=SC2086 # the .args file holds several options
    (cd "$dir" && "$VGPUC" lint --format sarif --color never -q --today 2026-11-21 $args "$name") \
        >"$log" 2>"$out/stderr" || rc=$?
    if [ "$rc" -gt 2 ]; then
        echo "check-sarif: vgpuc crashed (exit $rc) on $f" >&2
        cat "$out/stderr" >&2
        exit 1
    fi
    if [ ! -s "$log" ]; then
        # exit 2 before any report (for example an unreadable --catalog): nothing to check
        echo "check-sarif: no SARIF for $f (exit $rc)"
        rm -f "$log"
    fi
done

set -- "$out"/logs/*.sarif
if [ ! -e "$1" ]; then
    echo "check-sarif: no SARIF produced from $n inputs" >&2
    exit 1
fi

status=0
node "$validators/sarif-check.mjs" "$@" >"$out/ajv.txt" 2>&1 || status=1
if [ "$status" -ne 0 ]; then
    grep -v ': valid SARIF' "$out/ajv.txt" >&2 || true
fi

"$mt" validate "$@" -o "$out/mt/validation.sarif" --log ForceOverwrite >"$out/mt.txt" 2>&1 || true
if [ ! -s "$out/mt/validation.sarif" ]; then
    echo "check-sarif: the SARIF Multitool wrote no log" >&2
    cat "$out/mt.txt" >&2
    exit 2
fi
if ! jq -e '[.runs[].results[]? | select(.level == "error")] | length == 0' \
        "$out/mt/validation.sarif" >/dev/null; then
    grep -E ': error ' "$out/mt.txt" >&2 || true
    status=1
fi
grep -E ': warning ' "$out/mt.txt" || true

if [ "$status" -eq 0 ]; then
    echo "check-sarif: $# SARIF logs valid (schema and multitool)"
else
    echo "check-sarif: invalid SARIF (see above)" >&2
fi
exit "$status"
