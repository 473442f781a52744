#!/bin/sh
# t_color.sh - --color always|never|auto and NO_COLOR.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

fixture_warning warn.vgpu

run lint --color always warn.vgpu
check "--color always writes ANSI escapes" has_escape "$OUT"
NO_COLOR=1 run lint --color always warn.vgpu
check "--color always wins over NO_COLOR" has_escape "$OUT"
run lint --color never warn.vgpu
check "--color never writes none" no_escape "$OUT"
run lint warn.vgpu
check "auto: no colour when stdout is not a terminal" no_escape "$OUT"
run lint --color always -f json warn.vgpu
check "machine formats never get colour" no_escape "$OUT"
run lint --color sometimes warn.vgpu
check "an unknown --color exits 2" rc_is 2

# a terminal, through script(1), for auto and NO_COLOR
if command -v script >/dev/null 2>&1; then
    script -qec "'$VGPUC' lint --color auto warn.vgpu" /dev/null >tty.out 2>&1
    check "auto: colour on a terminal" has_escape tty.out
    NO_COLOR=1 script -qec "'$VGPUC' lint --color auto warn.vgpu" /dev/null >tty.out 2>&1
    check "auto: NO_COLOR turns colour off on a terminal" no_escape tty.out
fi
