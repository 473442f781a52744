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

# finish: the summary line; returns 1 when a check failed (a harness ends
# with it, so its exit status says the same).
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
