#!/bin/sh
# check-manpage.sh - the man page docs/vgpuc.1 renders without a single groff
# warning (groff -man -ww, and man -l when man is installed), has the usual
# sections, documents every command, option, exit status and environment
# variable of the command line, and, when $VGPUC answers `COMMAND --help`,
# every long option the binary itself lists.
# Usage: [VGPUC=/abs/path/to/vgpuc] sh tests/validators/check-manpage.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
page=$root/docs/vgpuc.1
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
vg_scratch

if ! command -v groff >/dev/null 2>&1; then
    ko "groff not found (Debian groff-base; make deps installs it)"
    echo "$pass passed, $fail failed"; exit 1
fi
# 1. No warnings, in the terminal and in the PostScript device.
for dev in utf8 ps; do
    if groff -man -ww -T"$dev" -z "$page" > "$tmp/warn" 2>&1 && [ ! -s "$tmp/warn" ]; then ok
    else ko "groff -man -ww -T$dev warns:"; cat "$tmp/warn"; fi
done
if command -v man >/dev/null 2>&1; then
    if MANWIDTH=80 man --warnings -l "$page" > "$tmp/man.txt" 2> "$tmp/warn" && [ ! -s "$tmp/warn" ]; then ok
    else ko "man -l warns:"; cat "$tmp/warn"; fi
fi
LC_ALL=C.UTF-8 MANWIDTH=80 groff -man -Tutf8 -P-cbou -rLL=80n -rHY=0 "$page" 2>/dev/null > "$tmp/page.txt"
# Rendered without hyphenation; Unicode hyphens and minus signs made ASCII.
sed 's/‐/-/g; s/−/-/g' "$tmp/page.txt" > "$tmp/text"

# 2. Sections.
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS SUPPRESSIONS 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
    if grep -qx "$s" "$tmp/text"; then ok; else ko "section $s missing"; fi
done
# 3. Commands, each with an entry under COMMANDS and a SYNOPSIS line.
sed -n '/^COMMANDS$/,/^OPTIONS$/p' "$tmp/text" > "$tmp/commands"
sed -n '/^SYNOPSIS$/,/^DESCRIPTION$/p' "$tmp/text" > "$tmp/synopsis"
for c in lint build plan rollout fmt explain rules catalog help; do
    if grep -q "^       $c\b" "$tmp/commands" && grep -q "vgpuc $c\b" "$tmp/synopsis"; then ok
    else ko "command $c is not documented under COMMANDS and SYNOPSIS"; fi
done
# 4. Options of the command-line contract (docs/vgpuc.1), values and exit codes.
for o in -f --format --report --color --fail-on --rule --config --no-config --catalog \
         --stdin-filename --today --error-limit -q --no-inline-suppressions --target -o \
         --stdout --check --diff --help --version; do
    if grep -q -- "^ *$o\b\|^       [^ ].*, $o\b" "$tmp/text"; then ok; else ko "option $o has no entry"; fi
done
for v in human short json sarif github hyperv vmware svg markdown gpus releases platforms; do
    if grep -qw -- "$v" "$tmp/text"; then ok; else ko "value $v not mentioned"; fi
done
sed -n '/^EXIT STATUS$/,/^STREAMS$/p' "$tmp/text" > "$tmp/exit"
for e in 0 1 2; do
    if grep -q "^       $e  " "$tmp/exit"; then ok; else ko "exit status $e not documented"; fi
done
for v in NO_COLOR VGPUC_CATALOG .vgpuc.yaml share/vgpuc/catalog; do
    if grep -q -- "$v" "$tmp/text"; then ok; else ko "$v not documented"; fi
done
# 5. The binary's own option list, when it has one.
if [ -n "${VGPUC-}" ] && [ -x "$VGPUC" ] && "$VGPUC" lint --help > /dev/null 2>&1; then
    for c in lint build plan rollout fmt explain rules catalog; do
        "$VGPUC" "$c" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do
            grep -q -- "$o\b" "$tmp/text" || echo "$c $o"
        done
    done > "$tmp/undocumented"
    if [ ! -s "$tmp/undocumented" ]; then ok
    else ko "options in 'vgpuc COMMAND --help' missing from the man page:"; cat "$tmp/undocumented"; fi
else
    echo "note: \$VGPUC does not answer 'lint --help'; the page is not compared with the binary's help"
fi
finish
