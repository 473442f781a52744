#!/bin/sh
# tests/cli/run.sh - the command-line tests: runs every tests/cli/t_*.sh with
# $VGPUC in a scratch folder of its own. Each check in them is one test
# (lib.sh records it); a script that dies half-way counts as one failure.
#
#   VGPUC=/abs/path/vgpuc sh tests/cli/run.sh
set -u

here=$(cd "$(dirname "$0")" && pwd)
VGPUC=${VGPUC:-$here/../../vgpuc}
case $VGPUC in
/*) ;;
*) VGPUC=$(pwd)/$VGPUC ;;
esac
REPO=$(cd "$here/../.." && pwd)
RESULTS=$(mktemp) || exit 2
trap 'rm -f "$RESULTS"' EXIT INT TERM
export VGPUC REPO RESULTS

died=0
for t in "$here"/t_*.sh; do
    [ -e "$t" ] || break
    echo "== $(basename "$t")"
    if ! sh "$t"; then
        died=$((died + 1))
        printf 'FAIL %s stopped early\n' "$(basename "$t")"
    fi
done

passed=$(grep -c '^ok$' "$RESULTS")
failed=$(($(grep -c '^fail$' "$RESULTS") + died))
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
