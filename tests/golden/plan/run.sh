#!/bin/sh
# run.sh - golden tests of `vgpuc plan`: every tests/golden/plan/NAME.vgpu is
# planned with --format text and --format json (plus the options in NAME.args)
# and the output must equal expected/NAME.txt and expected/NAME.json byte for
# byte, with the exit code in expected/NAME.exit. The JSON must also parse
# with jq and have the documented shape: format_version "2.0" and the tool
# object (base/json.h), and per cluster its hosts, GPUs, unplaced VMs and
# failover result (with the reserve).
#
#   VGPUC=/abs/path/vgpuc sh tests/golden/plan/run.sh     (UPDATE=1 rewrites expected/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
VGPUC=${VGPUC:-vgpuc}
UPDATE=${UPDATE:-}
TODAY=2026-11-21
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"
vg_scratch

# The shape every plan JSON has; prints nothing and exits 0 when it holds.
SHAPE='
  (.format_version == "2.0") and (.tool.name == "vgpuc") and (.tool.version | type == "string") and
  (.clusters | type == "array") and
  all(.clusters[];
      (.name | type == "string") and (.gpu_partitions | type == "number") and
      (.unplaced | type == "array") and
      (.failover | (.tolerate | type == "number") and (.sets_tried | type == "number") and
                   (.reserve_gpus | type == "number") and (.reserve_worst | type == "number") and
                   (.failing | type == "array")) and
      ([.hosts[].gpus[] | select(.reserve)] | length) == .failover.reserve_gpus and
      all(.hosts[].gpus[];
          (.use | IN("free", "vgpu", "passthrough")) and (.reserve | type == "boolean") and
          (.vms | type == "array") and (.used_fb_mb <= .fb_mb) and
          (if .reserve then .use == "free" else true end)))'

# compare NAME EXT: $tmp/out against expected/NAME.EXT
compare() {
    if [ -n "$UPDATE" ]; then
        cp "$tmp/out" "expected/$1.$2" && ok
    elif cmp -s "$tmp/out" "expected/$1.$2"; then
        ok
    else
        ko "$1: plan --format $3 differs from expected/$1.$2"
        diff -u "expected/$1.$2" "$tmp/out" | head -n 40
    fi
}

cd "$here" || exit 2
mkdir -p expected
for f in *.vgpu; do
    [ -e "$f" ] || break
    name=${f%.vgpu}
    args=
    [ -f "$name.args" ] && args=$(cat "$name.args")
    for fmt in text json; do
        ext=$fmt
        [ "$fmt" = text ] && ext=txt
        # shellcheck disable=SC2086 # args holds several options
        "$VGPUC" plan --format "$fmt" --no-config --color never --today "$TODAY" -q $args "$f" \
            >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ "$rc" -ge 2 ]; then
            ko "$name: plan --format $fmt exited $rc: $(head -n 5 "$tmp/err")"
            continue
        fi
        compare "$name" "$ext" "$fmt"
        if [ "$fmt" = text ]; then
            if [ -n "$UPDATE" ]; then
                echo "$rc" >"expected/$name.exit"
            elif [ "$rc" = "$(cat "expected/$name.exit" 2>/dev/null)" ]; then
                ok
            else
                ko "$name: exit code $rc, expected $(cat "expected/$name.exit" 2>/dev/null || echo none)"
            fi
            continue
        fi
        if jq -e "$SHAPE" "$tmp/out" >/dev/null 2>"$tmp/jqerr"; then
            ok
        else
            ko "$name: the plan JSON does not parse or lacks its shape: $(head -n 3 "$tmp/jqerr")"
        fi
    done
done

# The text and JSON of a one-cluster input agree on what they count.
for f in *.vgpu; do
    [ -e "$f" ] || break
    name=${f%.vgpu}
    if [ ! -f "expected/$name.json" ] || [ ! -f "expected/$name.txt" ]; then continue; fi
    [ "$(jq '.clusters | length' "expected/$name.json")" = 1 ] || continue
    want=$(jq -r '.clusters[] | "\(.name) \([.hosts[].gpus[]] | length) \(.unplaced | length) \(.failover.failing | length) \(.failover.reserve_gpus)"' \
        "expected/$name.json")
    got=$(sed -n 's/^cluster \([^ ]*\) .* \([0-9][0-9]*\) GPUs\{0,1\}, .* placed, \([0-9][0-9]*\) not placed.*/\1 \2 \3/p' \
        "expected/$name.txt")
    downs=$(grep -c '^    losing ' "expected/$name.txt")
    reserve=$(sed -n 's/^    reserve: \([0-9][0-9]*\) free GPU.*/\1/p' "expected/$name.txt")
    if [ "$want" = "$got $downs ${reserve:-0}" ]; then
        ok
    else
        ko "$name: text and JSON disagree: json '$want', text '$got $downs ${reserve:-0}'"
    fi
done

finish
