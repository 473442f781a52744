#!/bin/sh
# check-citations.sh - comments and texts in the code cite primary sources or
# files in this repository (docs/sources.md, docs/*.md, catalog source
# fields), never the design and reference documents the project was made
# from, which are not in it: no `twin.md`, `backends.md` without `docs/`,
# `hyperv.md`, `reference/...` or `../shared` in the compiler, the backends,
# the tools, the grammar, the Makefile or the tests.
# Usage: sh tests/validators/check-citations.sh   (from anywhere)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
vg_scratch
cd "$root" || exit 2

pattern='(^|[^/a-z.-])(twin|backends|quality|architecture|rules|language|catalog|cli|hyperv|vmware|nvidia|ux-and-style|validators)\.md|(^|[^a-z])reference/[a-z-]+\.md|\.\./shared/|/work/shared'
git ls-files compiler backends tools grammar Makefile tests .ci completion editors |
    grep -v '^tests/golden/.*/expected/\|node_modules\|\.vsix$\|tests/validators/check-citations.sh' >"$tmp/files"
while read -r f; do
    [ -f "$f" ] || continue
    if grep -nE "$pattern" "$f" >"$tmp/hits" 2>/dev/null; then
        while IFS= read -r h; do ko "$f:$h"; done <"$tmp/hits"
    else
        ok
    fi
done <"$tmp/files"
finish
