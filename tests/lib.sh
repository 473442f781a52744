# shellcheck shell=sh
# tests/lib.sh - what the shell harnesses of tests/ share: the pass/fail
# counters, a scratch folder removed on exit, and the last line every
# harness prints, "N passed, M failed", which tests/validators/run.sh and
# `make test` read. POSIX sh; source it near the top of a harness:
#
#   . "$(dirname "$0")/../lib.sh"      # the path from the harness to here
#   vg_scratch                         # $tmp, removed on exit
#   ... ok / ko "what went wrong" ...
#   finish                             # the summary; exit 1 on a failure
#
# (tests/cli/lib.sh is the per-check layer of the command-line tests, which
# record their results in a file shared by the t_*.sh scripts.)

pass=0
fail=0

# ok: one check passed.
ok() { pass=$((pass + 1)); }

# ko MESSAGE: one check failed, said on stdout.
ko() {
    fail=$((fail + 1))
    printf 'FAIL: %s\n' "$*"
}

# vg_scratch: a fresh folder in $tmp, removed (made writable first) when the
# harness exits or is interrupted.
vg_scratch() {
    tmp=$(mktemp -d) || exit 2
    trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
    trap 'exit 130' INT TERM
}

# vg_fold FILE WANT DATA MARK: a generated PowerShell script split at its
# embedded runtime (backends/powershell/*.ps1), which runs from the first
# rule line `# ----...` to the line before the one that starts with DATA
# (the declared data). WANT=1 prints the runtime; WANT=0 the rest, with the
# line MARK where the runtime was. The goldens keep the runtime whole in one
# reference script per target and MARK in the others.
VG_RULE='# ---------------------------------------------------------------------------'
vg_fold() {
    awk -v rule="$VG_RULE" -v data="$3" -v mark="$4" -v want="$2" '
        s == 0 && $0 == rule { s = 1; if (want == 0) print mark }
        s == 1 && index($0, data) == 1 { s = 2 }
        (s == 1) == (want == 1) { print }' "$1"
}

# vg_own_errors NAME...: a command's own errors (`vgpuc build`'s VG7101-VG7104,
# `vgpuc rollout -o`'s VG7201-VG7205) are diagnostics like any other, in every
# format (tests/golden/build/errors, tests/golden/rollout/errors). For each
# case NAME, the harness's own_run FMT DIR NAME runs the command with the
# diagnostics in FMT and its files to DIR (stderr to $tmp/err, the exit code
# in $rc). Human and JSON must equal NAME.diag and NAME.diag.json, the exit
# code NAME.exit; the JSON must be one document with as many errors as
# NAME.diag, SARIF and GitHub must carry as many; a refused run writes
# nothing, a run that exits 0 writes something. UPDATE=1 rewrites them.
# shellcheck disable=SC2154 # rc is own_run's
vg_own_errors() {
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
                ko "$name ($fmt): exit $rc, expected $want"
            elif ! cmp -s "$tmp/err" "$exp"; then
                ko "$name ($fmt): stderr differs from $exp"
                diff -u "$exp" "$tmp/err" | head -20
            elif [ "$rc" != 0 ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
                ko "$name ($fmt): refused, but wrote $(ls -A "$out")"
            elif [ "$rc" = 0 ] && [ -z "$(ls -A "$out" 2>/dev/null)" ]; then
                ko "$name ($fmt): exit 0, but nothing was written"
            elif [ "$fmt" = json ] && ! jq -e --argjson n "$(grep -c ': error: ' "$name.diag")" \
                '.summary.errors == $n' "$tmp/err" >/dev/null 2>&1; then
                ko "$name (json): not one JSON document with as many errors as $name.diag"
            else
                ok
            fi
        done
        [ "${UPDATE:-0}" != 0 ] && [ -n "${UPDATE:-}" ] && continue
        n=$(grep -c ': error: ' "$name.diag")
        own_run sarif "$tmp/own-sarif" "$name"
        if jq -e --argjson n "$n" '[.runs[0].results[] | select(.level == "error")] | length == $n' "$tmp/err" \
            >/dev/null 2>&1; then ok; else ko "$name (sarif): not one SARIF log with $n errors"; fi
        own_run github "$tmp/own-github" "$name"
        if [ "$(grep -c '^::error ' "$tmp/err")" = "$n" ]; then ok; else ko "$name (github): not $n ::error lines"; fi
        rm -rf "$tmp/own-sarif" "$tmp/own-github"
    done
}

# finish: the summary line; returns 1 when a check failed (a harness ends
# with it, so its exit status says the same).
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
