#!/bin/sh
# compare-outputs.sh - every output of one vgpuc binary is byte-identical to
# another's: `lint` (human and -f json), `plan --format json` and `build
# --target json --stdout`, each with its stdout, stderr and exit code, for the
# .vgpu files given (default: every one in git, `git ls-files '*.vgpu'`). The
# new binary runs twice, as it runs and on one thread (VGPUC_THREADS=1), both
# compared with the old one. Used after a change that must not change any
# output (docs/performance.md); prints the differences, exits 1 if any.
#
# Usage: sh tools/compare-outputs.sh OLD NEW [FILE.vgpu...]
set -u
[ $# -ge 2 ] || { echo "usage: compare-outputs.sh OLD NEW [FILE.vgpu...]" >&2; exit 2; }
old=$1 new=$2
shift 2
for b in "$old" "$new"; do
    [ -x "$b" ] || { echo "compare-outputs.sh: \`$b\` is not an executable" >&2; exit 2; }
done
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
if [ $# -eq 0 ]; then
    git ls-files '*.vgpu' >"$tmp/files" || exit 2
else
    printf '%s\n' "$@" >"$tmp/files"
fi

# run NAME BIN ARGS...: a digest of stdout, stderr and the exit code
run() {
    name=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    echo "exit $?" >"$tmp/$name"
    sha256sum <"$tmp/out" >>"$tmp/$name"
    sha256sum <"$tmp/err" >>"$tmp/$name"
}

n=0 differ=0
while IFS= read -r f; do
    for cmd in "lint" "lint -f json" "plan --format json" "build --target json --stdout"; do
        # shellcheck disable=SC2086 # cmd is split into its words
        run old env -u VGPUC_THREADS "$old" $cmd "$f"
        # shellcheck disable=SC2086
        run new env -u VGPUC_THREADS "$new" $cmd "$f"
        # shellcheck disable=SC2086
        run one env VGPUC_THREADS=1 "$new" $cmd "$f"
        for v in new one; do
            n=$((n + 1))
            if ! cmp -s "$tmp/old" "$tmp/$v"; then
                differ=$((differ + 1))
                echo "DIFFERS ($v): vgpuc $cmd $f"
            fi
        done
    done
done <"$tmp/files"
echo "$n comparisons of $(wc -l <"$tmp/files") files: $differ differ"
[ "$differ" -eq 0 ]
