#!/bin/sh
# t_error_limit.sh - --error-limit N stops after N errors; 0 means no limit.
# shellcheck disable=SC1091 # lib.sh is checked on its own
. "$(dirname "$0")/lib.sh"

cat >many.vgpu <<'VGPU'
cluster c {
    platform esxi 8.0u3
    colour  red
    colour1 red
    colour2 red
    colour3 red
    colour4 red
}
VGPU
errors() { grep -c ': error: ' "$OUT"; }
count_is() { [ "$(errors)" = "$1" ]; }

run lint -f short many.vgpu
check "five unknown directives give five errors" count_is 5
run lint -f short --error-limit 2 many.vgpu
check "--error-limit 2 keeps two errors" count_is 2
check "--error-limit still fails" rc_is 1
run lint -f short --error-limit=0 many.vgpu
check "--error-limit 0 keeps them all" count_is 5
