#!/bin/sh
# run.sh - golden tests of `vgpuc rollout`: every line of cases.txt is one
# case (NAME | ARGUMENTS | EXTRA DIAGNOSTIC FORMATS). The plan in text, JSON
# and SVG, the human diagnostics and the exit code must equal expected/
# byte for byte; each extra format F is run with --diagnostics F. The JSON
# must also parse with jq and have the documented shape (docs/rollout.md),
# the rollout scripts of a case with a fourth field (`-o DIR`) must equal
# expected/NAME.scripts/ file by file,
# the SVG must be well-formed XML (python3's parser), and the JSON and text
# must agree on the number of steps. The errors of `-o` (VG7201-VG7205) are
# checked from errors/ in every diagnostics format.
#
#   VGPUC=/abs/path/vgpuc sh tests/golden/rollout/run.sh   (UPDATE=1 rewrites expected/)
set -u
here=$(cd "$(dirname "$0")" && pwd)
VGPUC=${VGPUC:-vgpuc}
UPDATE=${UPDATE:-}
TODAY=2026-11-21
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"
vg_scratch

# shellcheck disable=SC2016 # jq variables ($n), not shell ones
SHAPE='
  (.format_version == "2.1") and (.tool.name == "vgpuc") and (.tool.version | type == "string") and (.kind == "rollout") and (.ok | type == "boolean") and
  (.states_checked | type == "number") and
  all(.clusters[];
      (.name | type == "string") and (.planned | type == "boolean") and (.waypoints | type == "array") and
      (if .planned then true else (.steps | length) == 0 end) and
      all(.steps[];
          (.index | type == "number") and (.kind | IN("license-server", "hosts", "guests")) and
          (.downtime | IN("none", "restart", "window")) and
          (if .kind == "hosts" then
               (.hosts | length) > 0 and
               all(.hosts[]; .actions == ["drain", "change", "restart", "verify", "resume"] and
                             (.vgpu_manager.to.release | type == "string")) and
               all(.moves[]; .how | IN("live-migrate", "restart", "stay-down")) and
               all(.returns[]; .how == "start") and
               ([.phases[].action] == ["move", "drain", "change", "restart", "verify", "resume", "start"]) and
               (.hosts | length) as $n | all(.phases[]; (.together | type == "boolean") and ($n > 1 or .together == false))
           elif .kind == "guests" then (.vms | length) > 0 and (.guest_driver.to.release | type == "string")
           else (.license_server.to | type == "object") end)))'

# The runtime a rollout script embeds is kept whole in the scripts of the
# first case of cases.txt with that script's target (`# Target:` line); the
# other expected scripts hold PLACEHOLDER there, and the runtime each run
# writes must equal its reference's (tests/lib.sh vg_fold).
# shellcheck disable=SC2016 # the literal text of the data line
DATA='$VgpucRollout = '
PLACEHOLDER='# (the embedded runtime: as in the reference script of this target, tests/golden/rollout/run.sh)'
# compare_script FILE EXPECTED
compare_script() {
    key=$(sed -n 's/^# Target: *//p' "$1" | head -n 1 | tr -c 'a-z0-9\n' '-')
    if [ ! -s "$tmp/ref-$key" ]; then
        echo "$2" >"$tmp/ref-$key"
        compare "$1" "$2"
        return
    fi
    ref=$(cat "$tmp/ref-$key")
    vg_fold "$1" 0 "$DATA" "$PLACEHOLDER" >"$tmp/folded"
    compare "$tmp/folded" "$2"
    vg_fold "$1" 1 "$DATA" "$PLACEHOLDER" >"$tmp/runtime"
    vg_fold "$ref" 1 "$DATA" "$PLACEHOLDER" >"$tmp/ref-runtime"
    if [ -s "$tmp/runtime" ] && cmp -s "$tmp/runtime" "$tmp/ref-runtime"; then ok
    else ko "$2: its embedded runtime differs from the reference $ref's"; diff -u "$tmp/ref-runtime" "$tmp/runtime" | head -n 20; fi
}

# compare FILE EXPECTED
compare() {
    if [ -n "$UPDATE" ]; then
        cp "$1" "$2" && ok
    elif cmp -s "$1" "$2"; then
        ok
    else
        ko "$2 differs"
        diff -u "$2" "$1" | head -n 30
    fi
}

cd "$here" || exit 2
mkdir -p expected
grep -v '^#' cases.txt | while IFS='|' read -r name args formats scripts; do
    name=$(echo "$name" | tr -d ' ')
    [ -n "$name" ] || continue
    for fmt in text json svg; do
        ext=$fmt
        [ "$fmt" = text ] && ext=txt
        # shellcheck disable=SC2086 # args holds several options and files
        "$VGPUC" rollout --format "$fmt" --no-config --color never --today "$TODAY" $args \
            >"$tmp/out" 2>"$tmp/err"
        rc=$?
        compare "$tmp/out" "expected/$name.$ext"
        if [ "$fmt" = text ]; then
            compare "$tmp/err" "expected/$name.diag"
            echo "$rc" >"$tmp/rc"
            compare "$tmp/rc" "expected/$name.exit"
        elif [ "$fmt" = json ]; then
            if jq -e "$SHAPE" "$tmp/out" >/dev/null 2>"$tmp/jq"; then ok; else ko "$name: JSON shape: $(head -n 3 "$tmp/jq")"; fi
            steps=$(jq '[.clusters[].steps[]] | length' "$tmp/out")
            tsteps=$(grep -c '^step ' "expected/$name.txt")
            if [ "$steps" = "$tsteps" ]; then ok; else ko "$name: JSON has $steps steps, text $tsteps"; fi
        else
            if python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/out" 2>"$tmp/xml"; then
                ok
            else
                ko "$name: SVG is not well-formed: $(tail -n 1 "$tmp/xml")"
            fi
        fi
    done
    for f in $formats; do
        # shellcheck disable=SC2086
        "$VGPUC" rollout --diagnostics "$f" -q --no-config --color never --today "$TODAY" $args \
            >/dev/null 2>"$tmp/err"
        compare "$tmp/err" "expected/$name.diag.$f"
    done
    # SCRIPTS: the rollout scripts of `-o DIR`, each compared with
    # expected/NAME.scripts/FILE (and no other file written).
    if [ -n "$(echo "${scripts:-}" | tr -d ' ')" ]; then
        rm -rf "$tmp/o"
        # shellcheck disable=SC2086
        "$VGPUC" rollout -q --no-config --color never --today "$TODAY" -o "$tmp/o" $args >/dev/null 2>"$tmp/err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            ko "$name: rollout -o exited $rc: $(head -n 3 "$tmp/err")"
        fi
        mkdir -p "expected/$name.scripts"
        for f in "$tmp"/o/*; do
            [ -e "$f" ] || continue
            compare_script "$f" "expected/$name.scripts/$(basename "$f")"
        done
        for f in "expected/$name.scripts"/*; do
            [ -e "$f" ] || continue
            if [ -e "$tmp/o/$(basename "$f")" ]; then ok; else ko "$name: $(basename "$f") was not written"; fi
        done
    fi
    echo "$pass $fail" >"$tmp/count"
done
read -r pass fail <"$tmp/count"

# rollout -o's own errors (VG7201-VG7205) are diagnostics (tests/lib.sh
# vg_own_errors): errors/NAME.args holds the arguments (from this folder).
own_run() { # FMT DIR NAME
    # shellcheck disable=SC2046 # the arguments are words
    "$VGPUC" rollout -q --no-config --color never --today "$TODAY" --diagnostics "$1" -o "$2" $(cat "$3.args") \
        >/dev/null 2>"$tmp/err"
    rc=$?
}
# shellcheck disable=SC2046 # the case names have no spaces
vg_own_errors $(for a in errors/*.args; do echo "${a%.args}"; done)
finish
