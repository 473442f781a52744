#!/bin/sh
# tests/validators/run.sh - the external validators: every
# tests/validators/check-*.sh (SARIF schema, PowerShell parser, cmdlet
# tables, man page, pre-commit, ...) and shellcheck on every shell script the
# project ships. A check script that ends with "N passed, M failed" adds its
# counts; one that does not counts once, by its exit code.
#
#   VGPUC=/abs/path/vgpuc sh tests/validators/run.sh     (from anywhere)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
VGPUC=${VGPUC:-$root/vgpuc}
export VGPUC

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$root" || exit 2

passed=0
failed=0
fail() {
    failed=$((failed + 1))
    printf 'FAIL %s\n' "$1"
}

for check in tests/validators/check-*.sh; do
    [ -e "$check" ] || break
    echo "== $check"
    sh "$check" >"$tmp/log" 2>&1
    rc=$?
    cat "$tmp/log"
    last=$(tail -n 1 "$tmp/log")
    p=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
    f=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
    if [ -n "$p" ]; then
        passed=$((passed + p))
        failed=$((failed + f))
        if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
            fail "$check: exit code $rc"
        fi
    elif [ "$rc" = 0 ]; then
        passed=$((passed + 1))
    else
        fail "$check: exit code $rc"
    fi
done

echo "== shellcheck"
if ! command -v shellcheck >/dev/null 2>&1; then
    fail "shellcheck is not installed (make deps)"
else
    find tests -name '*.sh' -type f | LC_ALL=C sort >"$tmp/scripts"
    for s in .ci/run completion/*.bash; do
        [ -f "$s" ] && echo "$s" >>"$tmp/scripts"
    done
    while read -r s; do
        case $s in
        *.bash) shell=bash ;;
        *) shell= ;;
        esac
        if shellcheck -x ${shell:+-s "$shell"} "$s" >"$tmp/log" 2>&1; then
            passed=$((passed + 1))
        else
            fail "shellcheck $s"
            head -n 40 "$tmp/log"
        fi
    done <"$tmp/scripts"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
