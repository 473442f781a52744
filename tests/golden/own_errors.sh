# shellcheck shell=sh
# own_errors.sh - sourced by build/run.sh and rollout/run.sh: a command's own
# errors (`vgpuc build`'s VG7101-VG7104, `vgpuc rollout -o`'s VG7201-VG7205)
# are diagnostics like any other, in every format. For each case NAME of
# errors/, the caller's own_run FMT DIR NAME runs the command with the
# diagnostics in FMT and its files to DIR (stderr to $tmp/err, the exit code
# in $rc). Human and JSON must equal NAME.diag and NAME.diag.json, the exit
# code NAME.exit; the JSON must be one document with as many errors as
# NAME.diag, SARIF and GitHub must carry as many; a refused run writes
# nothing, a run that exits 0 writes something. Uses the caller's ok, bad,
# $tmp and UPDATE (1: rewrite the expected files).
#
#   own_errors NAME...
# shellcheck disable=SC2154 # tmp and rc are the caller's
own_errors() {
    for name in "$@"; do
        for fmt in human json; do
            exp=$name.diag
            [ "$fmt" = json ] && exp=$name.diag.json
            out="$tmp/own-$(basename "$name")-$fmt"
            own_run "$fmt" "$out" "$name"
            if [ "${UPDATE:-0}" != 0 ] && [ -n "${UPDATE:-}" ]; then
                cp "$tmp/err" "$exp"
                [ "$fmt" = human ] && echo "$rc" >"$name.exit"
                ok
                continue
            fi
            want=$(cat "$name.exit" 2>/dev/null || echo missing)
            if [ "$rc" != "$want" ]; then
                bad "$name ($fmt): exit $rc, expected $want"
            elif ! cmp -s "$tmp/err" "$exp"; then
                bad "$name ($fmt): stderr differs from $exp"
                diff -u "$exp" "$tmp/err" | head -20
            elif [ "$rc" != 0 ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
                bad "$name ($fmt): refused, but wrote $(ls -A "$out")"
            elif [ "$rc" = 0 ] && [ -z "$(ls -A "$out" 2>/dev/null)" ]; then
                bad "$name ($fmt): exit 0, but nothing was written"
            elif [ "$fmt" = json ] && ! jq -e --argjson n "$(grep -c ': error: ' "$name.diag")" \
                '.summary.errors == $n' "$tmp/err" >/dev/null 2>&1; then
                bad "$name (json): not one JSON document with as many errors as $name.diag"
            else
                ok
            fi
        done
        [ "${UPDATE:-0}" != 0 ] && [ -n "${UPDATE:-}" ] && continue
        n=$(grep -c ': error: ' "$name.diag")
        own_run sarif "$tmp/own-sarif" "$name"
        if jq -e --argjson n "$n" '[.runs[0].results[] | select(.level == "error")] | length == $n' "$tmp/err" \
            >/dev/null 2>&1; then ok; else bad "$name (sarif): not one SARIF log with $n errors"; fi
        own_run github "$tmp/own-github" "$name"
        if [ "$(grep -c '^::error ' "$tmp/err")" = "$n" ]; then ok; else bad "$name (github): not $n ::error lines"; fi
        rm -rf "$tmp/own-sarif" "$tmp/own-github"
    done
}
