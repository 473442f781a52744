#!/bin/sh
# tests/golden/run.sh - the golden tests of `vgpuc lint`.
#
# Each case is cases/NAME.vgpu with NAME.exit (the expected exit code) and the
# expected stdout per format: NAME.human, NAME.json, NAME.sarif (each one that
# exists is checked), produced from this folder by
#   vgpuc lint --format FMT --color never --today 2026-11-21 -q [NAME.args] cases/NAME.vgpu
# Then rule coverage: every code that `vgpuc rules` marks implemented needs a
# case whose .human shows `[CODE]` and a near miss `code-ok*.vgpu` that does not
# (the rollout codes VG70xx: rollout/expected/*.diag and a `code-ok*` case there;
# build's own errors VG71xx: build/errors/*.diag and a `code-ok*` case there;
# rollout -o's own errors VG72xx: rollout/errors/*.diag and a `code-ok*` there).
#
#   VGPUC=/abs/path/vgpuc sh tests/golden/run.sh
#   UPDATE=1 ...   rewrite the expected files (.human and .exit created when missing)
#   VGPUC_WRAP='valgrind ... --error-exitcode=99'   run every lint under a wrapper
set -u

here=$(cd "$(dirname "$0")" && pwd)
VGPUC=${VGPUC:-$here/../../vgpuc}
WRAP=${VGPUC_WRAP:-}
UPDATE=${UPDATE:-}
TODAY=2026-11-21

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$here" || exit 2

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    printf 'FAIL %s\n' "$1"
}

# run_case NAME FMT: stdout to $tmp/out, stderr to $tmp/err, exit code in $rc
run_case() {
    args=
    [ -f "cases/$1.args" ] && args=$(cat "cases/$1.args")
    # shellcheck disable=SC2086 # WRAP and args are word lists on purpose
    $WRAP "$VGPUC" lint --format "$2" --color never --today "$TODAY" -q $args "cases/$1.vgpu" \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

for input in cases/*.vgpu; do
    [ -e "$input" ] || break
    name=$(basename "$input" .vgpu)
    for fmt in human json sarif; do
        expected=cases/$name.$fmt
        if [ ! -f "$expected" ] && { [ -z "$UPDATE" ] || [ "$fmt" != human ]; }; then
            continue
        fi
        run_case "$name" "$fmt"
        if [ -n "$WRAP" ] && [ "$rc" = 99 ]; then
            fail "$name ($fmt): the wrapper found memory errors"
            cat "$tmp/err"
            continue
        fi
        if [ -n "$UPDATE" ]; then
            cp "$tmp/out" "$expected"
            [ "$fmt" = human ] && echo "$rc" >"cases/$name.exit"
            pass
            continue
        fi
        want_rc=$(cat "cases/$name.exit" 2>/dev/null || echo missing)
        ok=1
        if ! cmp -s "$expected" "$tmp/out"; then
            ok=0
            fail "$name ($fmt): output differs from $expected"
            diff -u "$expected" "$tmp/out" | head -n 60
        fi
        if [ "$rc" != "$want_rc" ]; then
            if [ "$ok" = 1 ]; then
                fail "$name ($fmt): exit code $rc, expected $want_rc"
            else
                printf '     exit code %s, expected %s\n' "$rc" "$want_rc"
            fi
            ok=0
        fi
        if [ -s "$tmp/err" ] && [ "$rc" != 2 ]; then
            if [ "$ok" = 1 ]; then
                fail "$name ($fmt): unexpected output on stderr with -q"
            fi
            ok=0
            head -n 20 "$tmp/err"
        fi
        [ "$ok" = 1 ] && pass
    done
done

# --- rule coverage: a case that triggers each implemented code, and a near miss
if [ -z "$UPDATE" ]; then
    if ! "$VGPUC" rules --format json >"$tmp/rules.json" 2>"$tmp/err" ||
        ! jq -r '(.rules? // .) | .[] | select(.implemented == true) | (.code // .id)' \
            "$tmp/rules.json" >"$tmp/codes" 2>>"$tmp/err"; then
        fail "rule coverage: cannot list the implemented rules with 'vgpuc rules --format json'"
        cat "$tmp/err"
    else
        missing=
        # Triggered by a file's owner or mode, which a checkout cannot carry:
        # covered (with its near misses) by tests/hostile/security.sh, class config.
        # VG8001 is raised by `vgpuc import`, not by lint: tests/cli/t_import.sh and
        # tests/unit/test_import.c trigger it and import valid documents as near misses.
        # VG8002-VG8014 are raised by `vgpuc drift`, against an inventory: each is
        # planted in the twin (tests/twin/adopt/Plants.ps1, make twin-adopt) or in
        # tests/cli/t_drift.sh, and the converged clusters are their near misses.
        elsewhere=" VG9004 VG8001 VG8002 VG8003 VG8004 VG8005 VG8006 VG8007 VG8008 VG8009 VG8010 VG8011 VG8012 VG8013 VG8014 "
        while read -r code; do
            [ -n "$code" ] || continue
            case $elsewhere in *" $code "*) pass; continue ;; esac
            lower=$(printf '%s' "$code" | tr '[:upper:]' '[:lower:]')
            hit=0
            dir=cases ext=human
            case $code in
            VG71*) dir=build/errors ext=diag ;; # `vgpuc build`'s own errors (build/run.sh)
            VG72*) dir=rollout/errors ext=diag ;; # `vgpuc rollout -o`'s own errors (rollout/run.sh)
            VG7*) dir=rollout/expected ext=diag ;; # `vgpuc rollout` codes: its goldens (rollout/run.sh)
            esac
            for h in "$dir"/*."$ext"; do
                [ -e "$h" ] || break
                if grep -qF "[$code]" "$h"; then
                    hit=1
                    break
                fi
            done
            near=0
            for v in "$dir/$lower"-ok*."$ext" cases/"$lower"-ok*.vgpu; do
                [ -e "$v" ] || continue
                h=${v%.vgpu}
                h=${h%."$ext"}.$ext
                if [ -f "$h" ] && ! grep -qF "[$code]" "$h"; then
                    near=1
                fi
            done
            if [ "$hit" = 1 ] && [ "$near" = 1 ]; then
                pass
            else
                why=
                [ "$hit" = 1 ] || why="no case triggers it"
                [ "$near" = 1 ] || why="${why:+$why; }no $lower-ok*.vgpu near miss"
                missing="$missing
  $code: $why"
                failed=$((failed + 1))
            fi
        done <"$tmp/codes"
        if [ -n "$missing" ]; then
            printf 'FAIL rule coverage:%s\n' "$missing"
        fi
    fi
fi

# --- the backends' build goldens, when present
if [ -f build/run.sh ]; then
    VGPUC=$VGPUC VGPUC_WRAP=$WRAP UPDATE=$UPDATE sh build/run.sh >"$tmp/build.log" 2>&1
    brc=$?
    cat "$tmp/build.log"
    last=$(tail -n 1 "$tmp/build.log")
    bp=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
    bf=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
    if [ -n "$bp" ]; then
        passed=$((passed + bp))
        failed=$((failed + bf))
        [ "$brc" = 0 ] || [ "$bf" != 0 ] || fail "build goldens: exit code $brc"
    elif [ "$brc" = 0 ]; then
        pass
    else
        fail "build goldens: exit code $brc"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
