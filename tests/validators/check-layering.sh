#!/bin/sh
# check-layering.sh - the folders of compiler/ are the pipeline, and nothing
# below includes what is above it (docs/architecture.md, compiler/README):
#
#   base <- core <- report, syntax <- catalog <- model <- plan <- rules
#        <- rollout <- backends <- driver
#
# Every `#include "..."` of compiler/*/ and backends/ names a header of its own
# folder (bare name) or of a lower stage (stage/name.h); report and syntax, on
# the same level, do not include each other. The generated parser.h and
# lexer.h are for syntax/ alone. Every source file sits in a known stage folder
# and has its line in compiler/README, and every file the README names exists.
# Usage: sh tests/validators/check-layering.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
vg_scratch

# The level of each stage; a file may include its own folder and lower levels.
rank() {
    case $1 in
        base) echo 0 ;; core) echo 1 ;; report | syntax) echo 2 ;; catalog) echo 3 ;;
        model) echo 4 ;; plan) echo 5 ;; rules) echo 6 ;; rollout) echo 7 ;;
        backends) echo 8 ;; driver) echo 9 ;; *) echo "" ;;
    esac
}

# Files sitting straight in compiler/ belong to no stage.
for f in compiler/*.c compiler/*.h compiler/*.def; do
    [ -e "$f" ] || continue
    ko "$f is in no stage folder (move it to compiler/<stage>/)"
done

for f in compiler/*/*.c compiler/*/*.h compiler/*/*.def backends/*.c backends/*.h; do
    [ -e "$f" ] || continue
    case $f in backends/*) stage=backends ;; *) stage=$(echo "$f" | cut -d/ -f2) ;; esac
    r=$(rank "$stage")
    if [ -z "$r" ]; then ko "$f: compiler/$stage/ is not a stage of the pipeline"; continue; fi
    if grep -q "^$f " compiler/README || grep -q "^${f#compiler/} " compiler/README; then ok
    else ko "$f has no line in compiler/README"; fi
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" > "$tmp/inc"
    bad=0
    while read -r inc; do
        case $inc in
            */*)
                to=${inc%%/*}
                tr_=$(rank "$to")
                if [ -z "$tr_" ]; then bad=1; ko "$f includes \"$inc\": not a stage (write stage/name.h)"
                elif [ "$to" != "$stage" ] && [ "$tr_" -ge "$r" ]; then
                    bad=1; ko "$f ($stage) includes \"$inc\" ($to): a stage may include only lower stages"
                fi ;;
            parser.h | lexer.h)
                if [ "$stage" != syntax ]; then bad=1; ko "$f includes the generated $inc (syntax/ only)"; fi ;;
            *)
                if [ ! -e "$(dirname "$f")/$inc" ]; then bad=1; ko "$f includes \"$inc\": not in its folder (write stage/name.h)"; fi ;;
        esac
    done < "$tmp/inc"
    [ $bad = 0 ] && ok
done

# Every file the README maps exists (lines "stage/file  what it is").
sed -n 's/^\([a-z_]*\/[a-z_0-9]*\.\(c\|h\|def\)\) .*/\1/p' compiler/README > "$tmp/named"
while read -r name; do
    if [ -e "compiler/$name" ] || [ -e "$name" ]; then ok; else ko "compiler/README names $name, which does not exist"; fi
done < "$tmp/named"

finish
